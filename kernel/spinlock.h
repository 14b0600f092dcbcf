/* SPDX-License-Identifier: MIT */
/*
 * A test-and-set spinlock on the compiler's atomic builtins (RV64A amoswap).
 * Used for the big kernel lock and the console; never held across a return
 * to user mode. A waiter yields each turn (arch_spin_yield): under QEMU's
 * -icount a waiter that only spins can keep the holder from running.
 */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include <stdint.h>

#include "barrier.h"
#include "ipi.h"

/* A 32-bit word: RV64A has amoswap.w/.d but no byte-sized AMO. 0: free;
 * held: non-zero (amo_try_take32 says which). */
struct spinlock {
	uint32_t held;
};

/* One try: true when the lock was free and is now ours (amo_try_take32:
 * the acquire AMO, its result tested with no sext.w). */
static inline __attribute__((always_inline)) bool spinlock_try_acquire(struct spinlock *lock)
{
	return amo_try_take32(&lock->held);
}

static inline void spinlock_acquire(struct spinlock *lock)
{
	while (!spinlock_try_acquire(lock))
		while (__atomic_load_n(&lock->held, __ATOMIC_RELAXED))
			arch_spin_yield();
}

static inline void spinlock_release(struct spinlock *lock)
{
	__atomic_store_n(&lock->held, 0, __ATOMIC_RELEASE);
}

/* spinlock_release for a hold that accessed no device (its ordering
 * covers main memory only: amo_release32_memory). */
static inline __attribute__((always_inline)) void spinlock_release_memory(struct spinlock *lock)
{
	amo_release32_memory(&lock->held);
}

#endif
