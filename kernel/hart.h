/* SPDX-License-Identifier: MIT */
/*
 * Per-hart data. Each hart the DTB lists (up to CONFIG_MAX_HARTS) has one
 * struct hart, indexed by its position in the DTB's /cpus ("cpu index", the
 * scheduler's hart number), which is not the hart id: OpenSBI may boot on
 * any hart. In the kernel, tp holds the running hart's struct; trap.S reads
 * the first fields, whose offsets are fixed in arch/riscv/layout.h and
 * checked in hart.c.
 */
#ifndef KERNEL_HART_H
#define KERNEL_HART_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "csr.h"
#include "tcb.h"

struct spinlock;

/* A user thread's registers while it is in the kernel: the first words of
 * its TCB's register block (arch/riscv/port.c). */
struct trap_frame {
	uint64_t registers[32]; /* by register number; [0] unused */
	uint64_t sepc;
};

struct hart {
	/* Read by trap.S: keep in step with layout.h. */
	uint64_t scratch;
	/* The thread last sent to user mode, or NULL; and, as the same
	 * word, where trap.S saves the user's registers: the register block
	 * of `running`, which starts its TCB (hart.c asserts it), so that an
	 * exit sets both with one store. */
	union {
		struct tcb *running;
		struct trap_frame *user_frame;
	};
	uint64_t kernel_stack_top;
	uint64_t kernel_satp;
	/* trap.S sends an ecall to the fastpath's first tier when a7 minus
	 * SYS_CALL is below this: 2 (Call, ReplyRecv) while the fastpath is
	 * on, 0 (none) while it is off (fastpath_set_enabled). */
	uint64_t fastpath_calls;

	uint64_t hart_id;
	unsigned cpu_index;
	/* The per-hart work an exit may have, one byte each, read together
	 * by the fastpath's quick exit (thread_run_quick): `exit_work` 0
	 * means it needs none of it, one load and one branch.
	 * icache_stale: code was mapped executable since this hart last ran
	 * fence.i (thread_code_mapped sets it on every hart, under the lock).
	 * uintr_any_loaded: kuintr_loaded's entry of this hart names a thread
	 * (uintr_kernel.c keeps it beside the entry; only this hart writes
	 * either). uintr_scrub: uintr_backend->scrub_csrs, copied at the
	 * hart's start, the one of them the quick exit does itself
	 * (EXIT_WORK_SCRUB_ONLY). */
	union {
		uint32_t exit_work;
		struct {
			bool icache_stale;
			bool uintr_any_loaded;
			bool uintr_scrub;
			bool exit_work_spare; /* 0 */
		};
	};
	uint64_t sie_user; /* sie while a thread runs (idle: no timer) */
	bool idle;         /* in the idle loop, the lock released */
	/* In the hardware backend's poll, whose wake-ups this hart drains
	 * right after (kuintr_before_schedule): they need no IPI. */
	bool uintr_polling;
	/* This hart's entries of per-hart tables every exit reads (the kernel
	 * info page's, set by kinfo_init; what it has loaded of user
	 * interrupts and the scheduler's state, set at boot): one load
	 * rather than an index computation each. */
	struct kernel_info_hart *kinfo;
	struct kuintr_loaded *uintr_loaded;
	struct sched_hart *sched; /* the scheduler's, for its `_on` functions */
	/* What its FP registers hold, as arch/riscv/fpu.h's key: the word
	 * arch_fpu_harts[cpu_index].key points to (set at boot), here so
	 * that the first tier's FP test loads it directly. */
	uint64_t fpu_key;
	/* &kernel_lock (thread_start_hart): the first tier's one load. */
	struct spinlock *kernel_lock;
};

extern struct hart harts[CONFIG_MAX_HARTS];
extern unsigned hart_count;

static inline struct hart *hart_current(void)
{
	return cpu_read_tp();
}

_Noreturn void hart_main(struct hart *hart);

#endif
