/* SPDX-License-Identifier: MIT */
/*
 * libos/channel_port.h on the host: a doorbell is a futex word. Ringing
 * sets it to 1 and wakes the owner if it was 0; sleeping consumes a 1 or
 * waits on the futex while the word is 0, so a ring that comes before the
 * sleep is never lost (the kernel compares the word under its own lock).
 */
#define _GNU_SOURCE /* syscall, SYS_futex */

#include <errno.h>
#include <linux/futex.h>
#include <stdbool.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "channel_port_host.h"

void channel_doorbell_init(struct channel_doorbell *doorbell)
{
	atomic_store(&doorbell->rung, 0);
	atomic_store(&doorbell->rings, 0);
	atomic_store(&doorbell->sleeps, 0);
}

uint64_t channel_port_now(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

void channel_port_ring(struct channel_doorbell *peer)
{
	atomic_fetch_add_explicit(&peer->rings, 1, memory_order_relaxed);
	if (atomic_exchange(&peer->rung, 1) == 0)
		syscall(SYS_futex, &peer->rung, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

bool channel_port_sleep(struct channel_doorbell *mine, uint64_t deadline_ns)
{
	atomic_fetch_add_explicit(&mine->sleeps, 1, memory_order_relaxed);
	for (;;) {
		if (atomic_exchange(&mine->rung, 0) != 0)
			return true;
		uint64_t now = channel_port_now();
		if (now >= deadline_ns)
			return false;
		uint64_t left = deadline_ns - now;
		struct timespec timeout = { .tv_sec = (time_t)(left / 1000000000u),
					    .tv_nsec = (long)(left % 1000000000u) };
		if (left > 3600ull * 1000000000u)
			timeout.tv_sec = 3600;
		/* Returns at once when the word is no longer 0 (EAGAIN). */
		syscall(SYS_futex, &mine->rung, FUTEX_WAIT_PRIVATE, 0, &timeout, NULL, 0);
	}
}
