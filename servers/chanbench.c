/* SPDX-License-Identifier: MIT */
/*
 * The channel benchmark in the system (ci/bench boots it with
 * "bench=channel" under QEMU's -icount shift=0, where rdinstret counts
 * retired instructions exactly): libos/channel_bench.c's cases on one
 * thread, each counted with rdinstret around N pairs of its driver and of
 * its baseline. Prints one line per case,
 *   chanbench: {"name": ..., "total": ..., "baseline": ..., "iterations": N}
 * then chanbench: {"system_calls": K}, the system calls it made, this
 * line's included (the exit is one more): the kernel reports its entries
 * for the program, and ci/bench checks that the measured loops made none.
 * Neither side ever sleeps or rings here; the port's hooks end the program
 * with a failure if they are called.
 */
#include <stdarg.h>
#include <stdio.h>

#include "channel_bench.h"
#include "channel_port.h"
#include "kestrel.h"

#define ITERATIONS 20000u /* a multiple of CHANNEL_BENCH_BATCH */
_Static_assert(ITERATIONS % CHANNEL_BENCH_BATCH == 0, "whole rounds");

struct channel_doorbell {
	int unused;
};

static unsigned system_calls;

/* Print one line (one system call); a line that does not fit fails. */
static void say(const char *format, ...)
{
	char line[160];
	va_list arguments;
	va_start(arguments, format);
	int length = vsnprintf(line, sizeof(line), format, arguments);
	va_end(arguments);
	system_calls++;
	if (length < 0 || (size_t)length >= sizeof(line) ||
	    kestrel_print(line, (size_t)length) != ERR_OK)
		kestrel_exit(3);
}

_Noreturn void channel_bench_fail(enum error err, const char *what)
{
	say("chanbench: %s failed (%d)\n", what, (int)err);
	kestrel_exit(1);
}

void channel_port_ring(struct channel_doorbell *peer)
{
	(void)peer;
	channel_bench_fail(ERR_ILLEGAL_OPERATION, "ring (nobody sleeps here)");
}

bool channel_port_sleep(struct channel_doorbell *mine, uint64_t deadline_ns)
{
	(void)mine;
	(void)deadline_ns;
	channel_bench_fail(ERR_ILLEGAL_OPERATION, "sleep (one thread never waits)");
}

uint64_t channel_port_now(void)
{
	uint64_t ticks;
	__asm__ volatile("rdtime %0" : "=r"(ticks));
	return ticks * 100; /* the virt machine's timebase is 10 MHz */
}

static uint64_t retired(void)
{
	uint64_t count;
	__asm__ volatile("rdinstret %0" : "=r"(count));
	return count;
}

static uint64_t measure(void (*fn)(uint64_t), uint32_t per_call)
{
	uint64_t before = retired();
	channel_bench_loop(fn, per_call, ITERATIONS);
	return retired() - before;
}

int main(void)
{
	static struct channel_doorbell client_bell, server_bell;
	enum error err = channel_bench_init(&client_bell, &server_bell);
	if (err != ERR_OK)
		channel_bench_fail(err, "init");
	for (uint32_t i = 0; i < CHANNEL_BENCH_CASES; i++) {
		const struct channel_bench_case *c = &channel_bench_cases[i];
		channel_bench_prepare(c->length);
		uint64_t total = measure(c->run, c->per_call);
		uint64_t base = measure(c->baseline, c->per_call);
		say("chanbench: {\"name\": \"%s\", \"total\": %llu, \"baseline\": %llu, "
		    "\"iterations\": %u}\n",
		    c->name, (unsigned long long)total, (unsigned long long)base, ITERATIONS);
	}
	say("chanbench: {\"system_calls\": %u}\n", system_calls + 1);
	return 0;
}
