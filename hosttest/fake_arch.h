/* SPDX-License-Identifier: MIT */
/* What the fake machine of hosttest/fake_arch.c recorded. */
#ifndef HOSTTEST_FAKE_ARCH_H
#define HOSTTEST_FAKE_ARCH_H

#include <stdint.h>

/* One TLB flush core/ asked for (port_tlb_flush_page/asid). */
struct fake_flush {
	enum { FAKE_FLUSH_PAGE, FAKE_FLUSH_ASID } kind;
	uint64_t asid;
	uint64_t va;    /* FAKE_FLUSH_PAGE only */
	uint64_t harts; /* the harts core/ named (bit h: hart h) */
};

#define FAKE_FLUSH_LOG 64 /* the first flushes since the last reset are kept */

struct fake_arch {
	unsigned assert_failures;
	unsigned phys_to_virt_calls;
	unsigned virt_to_phys_calls;
	unsigned flush_page_calls;
	unsigned flush_asid_calls;
	unsigned flush_count; /* entries of flushes[] used, up to FAKE_FLUSH_LOG */
	struct fake_flush flushes[FAKE_FLUSH_LOG];
	unsigned ipi_calls;   /* port_ipi_reschedule */
	uint64_t ipi_harts;   /* bit h: hart h was sent one */
	unsigned stall_calls; /* port_remote_stall */
	uint64_t stall_harts; /* bit h: hart h was stalled */
	/* Called by port_remote_stall, when set: a test looks at the world as
	 * the stalled hart would have left it. */
	void (*on_stall)(unsigned hart);
	unsigned irq_deleted_calls; /* port_irq_handler_deleted */
	uint64_t last_irq_deleted;
	/* port_uintr_ipi / port_uintr_wake: counted atomically, since the
	 * threaded uintr stress calls them from several threads at once. */
	unsigned uintr_ipi_calls;
	uint64_t uintr_ipi_harts;
	unsigned uintr_wake_calls;
	const void *uintr_last_woken;
	/* Called by port_uintr_wake, when set (the randomized suites model the
	 * kernel's deferred wake-up with it). */
	void (*on_uintr_wake)(void *receiver);
	/* port_uintr_unload (the fake switches the hart's receiver out, as the
	 * kernel does) and port_uintr_receiver_gone. */
	unsigned uintr_unload_calls;
	uint64_t uintr_unload_harts;
	unsigned uintr_gone_calls;
	unsigned uintr_entry_changed_calls;
	unsigned unhandled_faults;
	const void *last_fault_tcb;
	unsigned last_fault_kind;
	uint64_t last_fault_address, last_fault_pc;
};

extern struct fake_arch fake_arch;

void fake_arch_reset(void);
/* Forget the recorded flushes (keep every other count). */
void fake_arch_clear_flushes(void);

/*
 * cmocka's expect_assert_failure(), minus its "Expected assertion ..." line:
 * that line is not TAP, and meson's TAP parser fails the suite on it. Checks
 * that `call` fails a CORE_ASSERT (through port_assert_failed) and returns.
 */
#define expect_core_assert(call)                                                                   \
	do {                                                                                       \
		unsigned failures_before_ = fake_arch.assert_failures;                             \
		if (setjmp(global_expect_assert_env) == 0) {                                       \
			global_expecting_assert = 1;                                               \
			call;                                                                      \
			global_expecting_assert = 0;                                               \
			fail_msg("expected a failed CORE_ASSERT in %s", #call);                    \
		}                                                                                  \
		global_expecting_assert = 0;                                                       \
		assert_int_equal(fake_arch.assert_failures, failures_before_ + 1);                 \
	} while (0)

#endif
