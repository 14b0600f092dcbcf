/* SPDX-License-Identifier: MIT */
/*
 * ci/bench's kernel cases, run under QEMU -icount shift=0 (rdinstret then
 * counts retired instructions, user and kernel together): per operation,
 * the instructions and this thread's kernel entries (DebugKernelEntries).
 *   null_syscall             DebugHart, the smallest call
 *   yield_alone              Yield with no other thread of its priority
 *   ep_call_same_hart        Call + the echo server's ReplyRecv, two address
 *                            spaces on one hart: the fastpath; entries are
 *                            the caller's only
 *   ep_call_slowpath         the same with the fastpath turned off
 *                            (SYS_DEBUG_FASTPATH), then back on
 *   notification_signal_wait Signal, then Wait that takes it
 * Each result is one line "kbench: {json}" for ci/bench, with "fastpath":
 * the IPCs per operation this hart's fastpath took (2 for a round trip on
 * it, 0 off it).
 */
#include <stdio.h>

#include "kestrel.h"
#include "object.h"
#include "process.h"

#define ITERATIONS 2000u
#define NTFN PROC_CAP_FIRST_FREE

static uint64_t instret(void)
{
	uint64_t n;
	__asm__ volatile("rdinstret %0" : "=r"(n));
	return n;
}

static uint64_t entries(void)
{
	struct kmsg m = { 0 };
	(void)kestrel_syscall(SYS_DEBUG_KERNEL_ENTRIES, PROC_CAP_TCB, 0, &m);
	return m.badge;
}

static uint64_t fastpath_taken(void)
{
	uint64_t taken;
	(void)kestrel_debug_fastpath(0, &taken);
	return taken;
}

static void report(const char *name, uint64_t instructions, uint64_t kernel_entries,
		   uint64_t fastpath)
{
	/* Whole and hundredths: picolibc's printf here has no floating point. */
	uint64_t i100 = instructions * 100 / ITERATIONS, e100 = kernel_entries * 100 / ITERATIONS;
	uint64_t f100 = fastpath * 100 / ITERATIONS;
	printf("kbench: {\"name\": \"%s\", \"instructions\": %lu.%02lu, \"kernel_entries\": "
	       "%lu.%02lu, \"fastpath\": %lu.%02lu, \"iterations\": %u}\n",
	       name, (unsigned long)(i100 / 100), (unsigned long)(i100 % 100),
	       (unsigned long)(e100 / 100), (unsigned long)(e100 % 100),
	       (unsigned long)(f100 / 100), (unsigned long)(f100 % 100), ITERATIONS);
}

#define MEASURE(name, ...)                                                                         \
	do {                                                                                       \
		uint64_t f0 = fastpath_taken(), e0 = entries(), i0 = instret();                    \
		for (unsigned n = 0; n < ITERATIONS; n++) {                                        \
			__VA_ARGS__;                                                               \
		}                                                                                  \
		uint64_t i1 = instret(), e1 = entries(), f1 = fastpath_taken();                    \
		/* the second entries() call is one entry of its own */                            \
		report(name, i1 - i0, e1 - e0 - 1, f1 - f0);                                       \
	} while (0)

int main(void)
{
	if (kestrel_untyped_retype(PROC_CAP_UNTYPED, OBJ_NOTIFICATION, 0, PROC_CAP_CNODE, 0, 0,
				   NTFN, 1) != ERR_OK)
		return 1;
	MEASURE("null_syscall", (void)kestrel_hart());
	MEASURE("yield_alone", kestrel_yield());
	MEASURE("ep_call_same_hart", {
		struct kmsg m = { .info = kestrel_info(0, 1, 0), .mr = { n } };
		(void)kestrel_call(PROC_CAP_SERVICE, &m);
	});
	uint64_t unused;
	(void)kestrel_debug_fastpath(1, &unused);
	MEASURE("ep_call_slowpath", {
		struct kmsg m = { .info = kestrel_info(0, 1, 0), .mr = { n } };
		(void)kestrel_call(PROC_CAP_SERVICE, &m);
	});
	(void)kestrel_debug_fastpath(2, &unused);
	MEASURE("notification_signal_wait", {
		uint64_t badge;
		(void)kestrel_signal(NTFN);
		(void)kestrel_wait(NTFN, &badge);
	});
	return 0;
}
