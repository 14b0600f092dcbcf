/* SPDX-License-Identifier: MIT */
/*
 * The three hooks the channel protocol needs from its environment, and
 * nothing else. The host implementation (hosttest/channel_port_host.c) uses
 * threads and a futex word per doorbell; the in-system one will use user-mode
 * interrupts (a uipi to ring, a wait on the receiver's pending bit to sleep).
 * libos/channel_*.c do not know which one runs.
 */
#ifndef LIBOS_CHANNEL_PORT_H
#define LIBOS_CHANNEL_PORT_H

#include <stdbool.h>
#include <stdint.h>

struct channel_doorbell;

/* Ring `peer`. Sticky: a ring that arrives before the peer sleeps makes its
 * next channel_port_sleep return at once (a uintr pending bit, a futex word). */
void channel_port_ring(struct channel_doorbell *peer);

/* Sleep until `mine` has been rung (consuming the ring) or the monotonic
 * clock reaches deadline_ns. True when woken by a ring. May return early. */
bool channel_port_sleep(struct channel_doorbell *mine, uint64_t deadline_ns);

/* Monotonic nanoseconds. */
uint64_t channel_port_now(void);

#endif
