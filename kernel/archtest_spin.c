/* SPDX-License-Identifier: MIT */
/*
 * Spin-wait tests (see archtest.h): a hart that waits for another must let
 * it run. Under QEMU -icount every hart runs in turn on one host thread,
 * and QEMU moves on from a hart only when it stops in wfi, is kicked, or
 * has used the whole budget up to the next timer deadline (after which
 * the harts behind it get none): a waiter that only spins keeps the hart
 * it waits for from running again (docs/arch.md, "Spin waits under
 * -icount"). In each round hart 0 waits while hart 1 holds what it waits
 * for; hart 1 also writes its timer with the lock held, as the kernel's
 * tick does (a timer write ends a hart's turn in QEMU). Without
 * arch_spin_yield in the wait, the qemu-arch-spin-icount boot hangs until
 * the runner's timeout. Harts 0 and 1 take part; the others pass the
 * barriers. Results are hart 0's.
 */
#include "archtest_internal.h"

#include "ipi.h"
#include "spinlock.h"
#include "tap.h"
#include "thread.h"
#include "timer.h"

#define ROUNDS 100

struct handoff {
	struct spinlock *lock;
	void (*acquire)(struct spinlock *lock);
	/* Rounds (from 1) hart 1 has reached holding the lock, hart 0 has
	 * seen it held, hart 0 has had the lock after it. */
	volatile unsigned held, seen, done;
};

static struct spinlock test_lock;
static volatile unsigned calls_answered, calls_over;

static void take_spinlock(struct spinlock *lock)
{
	spinlock_acquire(lock);
}

static void take_kernel_lock(struct spinlock *lock)
{
	(void)lock;
	kernel_lock_acquire();
}

/* Wait, as the kernel's waits do now, until *word reaches `round`. */
static void wait_for(volatile unsigned *word, unsigned round)
{
	while (__atomic_load_n(word, __ATOMIC_ACQUIRE) < round) {
		arch_spin_yield();
		(void)arch_ipi_poll();
	}
}

/* Hart 1 keeps the lock until hart 0 has seen it held, so hart 0 then
 * waits in acquire while hart 1 writes its timer and releases. Returns,
 * on hart 0, the rounds whose lock was still held after the sighting. */
static unsigned handoffs(unsigned cpu, struct handoff *h)
{
	unsigned contended = 0;
	for (unsigned round = 1; round <= ROUNDS; round++) {
		if (cpu == 1) {
			h->acquire(h->lock);
			__atomic_store_n(&h->held, round, __ATOMIC_RELEASE);
			wait_for(&h->seen, round);
			arch_timer_arm(arch_timer_now() + arch_timer_ticks(50));
			spinlock_release(h->lock);
			wait_for(&h->done, round);
		} else {
			wait_for(&h->held, round);
			__atomic_store_n(&h->seen, round, __ATOMIC_RELEASE);
			contended += __atomic_load_n(&h->lock->held, __ATOMIC_ACQUIRE) != 0;
			h->acquire(h->lock);
			spinlock_release(h->lock);
			__atomic_store_n(&h->done, round, __ATOMIC_RELEASE);
		}
	}
	arch_timer_disarm();
	return contended;
}

static void answer(void *arg)
{
	(void)arg;
	calls_answered++;
}

void archtest_spin_hart(struct hart *hart)
{
	static struct handoff plain = { &test_lock, take_spinlock, 0, 0, 0 };
	static struct handoff big = { &kernel_lock, take_kernel_lock, 0, 0, 0 };
	unsigned cpu = hart->cpu_index;
	if (archtest_hart_total < 2)
		return;
	archtest_barrier();
	if (cpu <= 1) {
		unsigned contended = handoffs(cpu, &plain);
		if (cpu == 0)
			tap_result(contended > 0,
				   "hart %lu: spin: %u hand-offs of a spinlock from hart 1, which "
				   "writes its timer holding it; hart 0 found it held %u times",
				   hart->hart_id, ROUNDS, contended);
	}
	archtest_barrier();
	if (cpu <= 1) {
		unsigned contended = handoffs(cpu, &big);
		if (cpu == 0)
			tap_result(
			    contended > 0,
			    "hart %lu: spin: %u hand-offs of the kernel lock from hart 1 the "
			    "same way; hart 0 found it held %u times",
			    hart->hart_id, ROUNDS, contended);
	}
	archtest_barrier();
	/* Hart 1 answers from its own wait; hart 0 waits in arch_ipi_call. */
	if (cpu == 0) {
		for (unsigned round = 0; round < ROUNDS; round++)
			arch_ipi_call(UINT64_C(1) << 1, answer, NULL);
		tap_result(calls_answered == ROUNDS,
			   "hart %lu: spin: %u calls to hart 1 answered while hart 0 waits in "
			   "arch_ipi_call (%u)",
			   hart->hart_id, ROUNDS, calls_answered);
		__atomic_store_n(&calls_over, 1, __ATOMIC_RELEASE);
	} else if (cpu == 1) {
		wait_for(&calls_over, 1);
	}
	archtest_barrier();
}
