/* SPDX-License-Identifier: MIT */
/*
 * SMP tests (see archtest.h): reschedule IPIs from every hart, a
 * call-function and a remote stall, and a TLB shootdown that every hart
 * must see, by SBI RFENCE and by IPI, and that idle harts see without
 * being woken.
 */
#include "archtest_internal.h"

#include "barrier.h"
#include "config.h"
#include "console.h"
#include "interrupt.h"
#include "ipi.h"
#include "memory.h"
#include "tap.h"
#include "timer.h"
#include "tlb.h"
#include "vspace.h"

#define TLB_VA UINT64_C(0x40000000) /* a page of the test address space */
#define TLB_ASID 0xffff             /* the last ASID of the last pool: unused */
#define TLB_OLD UINT64_C(0x01d01d01d01d01d0)
#define TLB_NEW UINT64_C(0x0e40e40e40e40e40)
#define TLB_TIMING_ROUNDS 20

static volatile unsigned barrier_arrived, barrier_generation;
static volatile unsigned reschedules[CONFIG_MAX_HARTS];
static volatile bool call_seen[CONFIG_MAX_HARTS][CONFIG_MAX_HARTS]; /* [target][sender] */
static volatile unsigned stalls[CONFIG_MAX_HARTS];
/* The shootdown's address space: TLB_VA maps `old_page` until hart 0
 * points its leaf at `new_page`. */
static uint64_t tlb_root, tlb_old_page, tlb_new_page;
static struct pte *tlb_leaf;
static volatile bool timing_done;

static uint64_t zeroed_page(void)
{
	uint64_t page = memory_take_page();
	if (!page)
		panic("archtest: out of memory");
	return page;
}

/* A root with the kernel's half and one 4 KiB page at TLB_VA. */
static void build_tlb_space(void)
{
	struct pagetable *tables[2] = { physical_to_kernel(zeroed_page()),
					physical_to_kernel(zeroed_page()) };
	struct pagetable_pool pool = { tables, 2 };
	tlb_root = zeroed_page();
	tlb_old_page = zeroed_page();
	tlb_new_page = zeroed_page();
	*(uint64_t *)physical_to_kernel(tlb_old_page) = TLB_OLD;
	*(uint64_t *)physical_to_kernel(tlb_new_page) = TLB_NEW;
	struct pagetable *root = physical_to_kernel(tlb_root);
	pagetable_share_upper_half(root, vspace_kernel_root());
	if (pagetable_map(root, TLB_VA, tlb_old_page, PAGE_SIZE_4K, PTE_READ | PTE_WRITE, &pool) !=
	    ERR_OK)
		panic("archtest: cannot map the shootdown page");
	struct pagetable *table = root;
	for (unsigned level = 2; level > 0; level--)
		table = physical_to_kernel(
		    pte_physical_address(table->entry[pagetable_index(TLB_VA, level)]));
	tlb_leaf = &table->entry[pagetable_index(TLB_VA, 0)];
}

void archtest_smp_boot(void)
{
	build_tlb_space();
}

/* Every hart waits here for all; IPIs aimed at it are served meanwhile. */
void archtest_barrier(void)
{
	unsigned generation = __atomic_load_n(&barrier_generation, __ATOMIC_ACQUIRE);
	if (__atomic_add_fetch(&barrier_arrived, 1, __ATOMIC_ACQ_REL) == archtest_hart_total) {
		barrier_arrived = 0;
		__atomic_store_n(&barrier_generation, generation + 1, __ATOMIC_RELEASE);
		return;
	}
	while (__atomic_load_n(&barrier_generation, __ATOMIC_ACQUIRE) == generation) {
		arch_spin_yield(); /* under -icount the last to arrive may share our host CPU */
		(void)arch_ipi_poll();
	}
}

static void count_reschedule(void)
{
	reschedules[hart_current()->cpu_index]++;
}

static void count_stall(void)
{
	stalls[hart_current()->cpu_index]++;
}

static void mark_call(void *sender)
{
	call_seen[hart_current()->cpu_index][(uintptr_t)sender] = true;
}

/* Every hart of the test: the set core/ would name for an address space
 * that has run everywhere. */
static uint64_t all_harts(void)
{
	return (UINT64_C(1) << archtest_hart_total) - 1;
}

static uint64_t all_but(unsigned me)
{
	return ((UINT64_C(1) << archtest_hart_total) - 1) & ~(UINT64_C(1) << me);
}

/* Reschedules from every other hart arrive (as software interrupts taken
 * by arch_interrupt_poll); a call-function runs on every other hart before
 * the call returns; a stall is acknowledged. */
static void ipi_test(struct hart *hart)
{
	unsigned me = hart->cpu_index, others = archtest_hart_total - 1, arrived = 0;
	/* Reschedule requests to one hart coalesce (one pending bit), so each
	 * sender has a round of its own. */
	for (unsigned sender = 0; sender < archtest_hart_total; sender++) {
		unsigned before = reschedules[me]; /* the IPI may come while in barrier() */
		archtest_barrier();
		if (sender == me) {
			for (unsigned cpu = 0; cpu < archtest_hart_total; cpu++)
				if (cpu != me)
					arch_ipi_reschedule(cpu);
		} else {
			uint64_t limit = arch_timer_now() + arch_timer_ticks(TIMEOUT_US);
			while (reschedules[me] == before && arch_timer_now() < limit)
				(void)arch_interrupt_poll();
			arrived += reschedules[me] != before;
		}
	}
	tap_result(arrived == others,
		   "hart %lu: IPI: a reschedule from each of the %u other harts arrived (%u)",
		   hart->hart_id, others, arrived);
	archtest_barrier();

	arch_ipi_call(all_but(me), mark_call, (void *)(uintptr_t)me);
	unsigned ran = 0;
	for (unsigned cpu = 0; cpu < archtest_hart_total; cpu++)
		ran += cpu != me && call_seen[cpu][me];
	unsigned next = (me + 1) % archtest_hart_total, stalled = stalls[next];
	if (next != me)
		arch_ipi_stall(next);
	bool stall_ok = next == me || stalls[next] > stalled;
	tap_result(ran == others && stall_ok,
		   "hart %lu: IPI: call-function ran on %u of %u other harts before returning; "
		   "remote stall %s",
		   hart->hart_id, ran, others, stall_ok ? "acknowledged" : "NOT acknowledged");
	archtest_barrier();
}

static uint64_t read_tlb_page(void)
{
	return *(volatile uint64_t *)TLB_VA;
}

/* Every hart runs the test address space and reads the old page (its TLB
 * now holds it); hart 0 repoints the leaf and flushes that one page with
 * `method`; every hart must then read the new page. */
static void tlb_test(struct hart *hart, enum arch_tlb_method method, const char *name)
{
	unsigned me = hart->cpu_index;
	if (me == 0) {
		*tlb_leaf =
		    pte_new_leaf(tlb_old_page, PTE_READ | PTE_WRITE | PTE_ACCESSED | PTE_DIRTY);
		arch_tlb_set_method(method);
		arch_tlb_flush_asid(TLB_ASID, all_harts()); /* forget the last round */
	}
	archtest_barrier();
	arch_vspace_activate(tlb_root, TLB_ASID);
	uint64_t before = read_tlb_page();
	archtest_barrier();
	if (me == 0) {
		*tlb_leaf =
		    pte_new_leaf(tlb_new_page, PTE_READ | PTE_WRITE | PTE_ACCESSED | PTE_DIRTY);
		arch_tlb_flush_page(TLB_ASID, TLB_VA, all_harts());
	}
	archtest_barrier();
	uint64_t after = read_tlb_page();
	archtest_barrier();
	/* The cost of one page's shootdown on every hart while the others
	 * idle in wfi, as idle harts do (spinning ones are paced by the host's
	 * scheduler instead: 2 host cores for up to 8 vCPU threads). */
	if (me == 0) {
		uint64_t start = arch_timer_now();
		for (unsigned i = 0; i < TLB_TIMING_ROUNDS; i++)
			arch_tlb_flush_page(TLB_ASID, TLB_VA, all_harts());
		uint64_t ticks = arch_timer_now() - start;
		kprintf("# TLB shootdown by %s of one page on %u harts: %lu us each (mean of %u)\n",
			name, archtest_hart_total,
			ticks * 1000000 / arch_timer_frequency() / TLB_TIMING_ROUNDS,
			TLB_TIMING_ROUNDS);
		__atomic_store_n(&timing_done, true, __ATOMIC_RELEASE);
		for (unsigned cpu = 1; cpu < archtest_hart_total; cpu++)
			arch_ipi_reschedule(cpu); /* wake them */
	} else {
		while (!__atomic_load_n(&timing_done, __ATOMIC_ACQUIRE)) {
			cpu_wait_for_interrupt();
			(void)arch_ipi_poll();
		}
	}
	archtest_barrier();
	timing_done = false;
	archtest_barrier();
	csr_write_satp(hart->kernel_satp);
	sfence_vma_all();
	tap_result(before == TLB_OLD && after == TLB_NEW,
		   "hart %lu: TLB shootdown by %s: read the old page, then the new one after hart "
		   "0's flush (%s, %s)",
		   hart->hart_id, name, before == TLB_OLD ? "old ok" : "OLD WRONG",
		   after == TLB_NEW ? "new ok" : "STALE");
}

/* An idle hart is not asked to fence (tlb.c): hart 0 flushes the page
 * while it calls the others idle, so it must send no IPI, and each of them
 * must still read the new page once it has left the idle loop
 * (arch_tlb_leave_idle) and loads the address space again (the same satp:
 * QEMU keeps its TLB over that; only the stale mark's fence drops the old
 * page). */
static void tlb_idle_test(struct hart *hart)
{
	unsigned me = hart->cpu_index;
	bool quiet = true;
	if (me == 0) {
		*tlb_leaf =
		    pte_new_leaf(tlb_old_page, PTE_READ | PTE_WRITE | PTE_ACCESSED | PTE_DIRTY);
		arch_tlb_set_method(ARCH_TLB_IPI); /* so that a request would be counted */
		arch_tlb_flush_asid(TLB_ASID, all_harts());
	}
	archtest_barrier();
	arch_vspace_activate(tlb_root, TLB_ASID);
	uint64_t before = read_tlb_page();
	archtest_barrier();
	if (me == 0) {
		for (unsigned cpu = 1; cpu < archtest_hart_total; cpu++)
			__atomic_store_n(&harts[cpu].idle, true, __ATOMIC_RELAXED);
		*tlb_leaf =
		    pte_new_leaf(tlb_new_page, PTE_READ | PTE_WRITE | PTE_ACCESSED | PTE_DIRTY);
		uint64_t sent = arch_ipi_sent();
		arch_tlb_flush_page(TLB_ASID, TLB_VA, all_harts());
		quiet = arch_ipi_sent() == sent;
		for (unsigned cpu = 1; cpu < archtest_hart_total; cpu++)
			__atomic_store_n(&harts[cpu].idle, false, __ATOMIC_RELAXED);
		arch_tlb_set_method(ARCH_TLB_IPI); /* the kernel's default */
	}
	archtest_barrier();
	arch_tlb_leave_idle(); /* as a hart leaving the idle loop */
	arch_vspace_activate(tlb_root, TLB_ASID);
	uint64_t after = read_tlb_page();
	archtest_barrier();
	csr_write_satp(hart->kernel_satp);
	sfence_vma_all();
	tap_result(before == TLB_OLD && after == TLB_NEW && quiet,
		   "hart %lu: a flush leaves idle harts asleep and they fence when they load the "
		   "space again (%s, %s, %s)",
		   hart->hart_id, before == TLB_OLD ? "old ok" : "OLD WRONG",
		   after == TLB_NEW ? "new ok" : "STALE", quiet ? "no IPI" : "IPI SENT");
}

void archtest_smp_hart(struct hart *hart)
{
	arch_ipi_set_reschedule_handler(count_reschedule);
	arch_ipi_set_stall_handler(count_stall);
	ipi_test(hart);
	tlb_test(hart, ARCH_TLB_SBI_RFENCE, "SBI RFENCE");
	tlb_test(hart, ARCH_TLB_IPI, "IPI + sfence.vma");
	tlb_idle_test(hart);
	arch_tlb_set_method(ARCH_TLB_IPI); /* the kernel's default */
}
