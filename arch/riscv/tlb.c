/* SPDX-License-Identifier: MIT */
/*
 * Cross-hart TLB maintenance (see tlb.h). The calling hart fences itself
 * with sfence.vma; the other harts of the set get the same fence through
 * an IPI call that runs sfence.vma there (arch_ipi_call waits for every
 * target, yielding: the default) or SBI RFENCE (OpenSBI returns once each
 * has fenced, but waits by spinning in M-mode, which under QEMU's -icount
 * can keep the target from running: docs/arch.md, "Spin waits").
 * A fence before the remote requests makes the caller's page-table writes
 * visible first.
 *
 * An idle hart is not asked: it waits with the kernel's satp loaded and
 * loads a user one again only after it has left the idle loop under the
 * lock (arch_tlb_leave_idle). So it is marked stale instead and fences
 * everything there, off the path every kernel exit takes. This keeps a
 * revoke on one hart from waiting on a sleeping one per page: each
 * synchronous request wakes it, and under QEMU's -icount every such
 * cross-hart wait costs a whole round-robin turn (docs/benchmarks.md).
 * Both sides run under the kernel lock (the flush: core/ calls it under
 * the lock; the idle flag and the stale mark are written and read under
 * it), so a hart cannot leave the idle loop between the test and the
 * mark.
 */
#include "tlb.h"

#include "barrier.h"
#include "config.h"
#include "csr.h"
#include "hart.h"
#include "ipi.h"
#include "sbi.h"

#define WHOLE_SPACE UINT64_MAX

static enum arch_tlb_method method = ARCH_TLB_IPI;

/* A flush skipped this hart while it was idle (see the file comment). */
static bool stale[CONFIG_MAX_HARTS];

void arch_vspace_activate(uint64_t root_pa, uint64_t asid)
{
	csr_write_satp(SATP_MODE_SV39 | (asid & 0xffff) << SATP_ASID_SHIFT | root_pa >> 12);
}

void arch_tlb_leave_idle(void)
{
	unsigned me = hart_current()->cpu_index;
	if (__atomic_load_n(&stale[me], __ATOMIC_RELAXED)) {
		__atomic_store_n(&stale[me], false, __ATOMIC_RELAXED);
		sfence_vma_all();
	}
}

/* The harts of `others` that must fence now; the idle ones are marked
 * stale and left asleep. */
static uint64_t awake(uint64_t others)
{
	for (unsigned cpu = 0; cpu < CONFIG_MAX_HARTS; cpu++)
		if ((others & UINT64_C(1) << cpu) &&
		    __atomic_load_n(&harts[cpu].idle, __ATOMIC_RELAXED)) {
			__atomic_store_n(&stale[cpu], true, __ATOMIC_RELAXED);
			others &= ~(UINT64_C(1) << cpu);
		}
	return others;
}

void arch_tlb_set_method(enum arch_tlb_method chosen)
{
	method = chosen;
}

struct flush_request {
	uint64_t asid;
	uint64_t va; /* WHOLE_SPACE: every translation of asid */
};

static void flush_here(const struct flush_request *request)
{
	if (request->va == WHOLE_SPACE)
		sfence_vma_asid(request->asid);
	else
		sfence_vma_page(request->va, request->asid);
}

static void flush_by_ipi(void *arg)
{
	flush_here(arg);
}

/* SBI names harts by id; one mask covers ids base..base+63. */
static void flush_by_sbi(uint64_t cpus, const struct flush_request *request)
{
	uint64_t start = request->va == WHOLE_SPACE ? 0 : request->va & ~UINT64_C(0xfff);
	uint64_t size = request->va == WHOLE_SPACE ? WHOLE_SPACE : 4096;
	while (cpus) {
		uint64_t base = UINT64_MAX, mask = 0;
		for (unsigned cpu = 0; cpu < CONFIG_MAX_HARTS; cpu++)
			if ((cpus & UINT64_C(1) << cpu) && harts[cpu].hart_id < base)
				base = harts[cpu].hart_id;
		for (unsigned cpu = 0; cpu < CONFIG_MAX_HARTS; cpu++)
			if ((cpus & UINT64_C(1) << cpu) && harts[cpu].hart_id - base < 64) {
				mask |= UINT64_C(1) << (harts[cpu].hart_id - base);
				cpus &= ~(UINT64_C(1) << cpu);
			}
		(void)sbi_remote_sfence_vma_asid(mask, base, start, size, request->asid);
	}
}

static void flush(uint64_t asid, uint64_t va, uint64_t cpus)
{
	struct flush_request request = { asid, va };
	/* tp is 0 on the boot hart until hart_main: then no hart is "me" */
	const struct hart *current = hart_current();
	unsigned me = current ? current->cpu_index : CONFIG_MAX_HARTS;
	/* Only harts the kernel runs: bits past CONFIG_MAX_HARTS name none. */
	uint64_t kernel_harts = (UINT64_C(1) << CONFIG_MAX_HARTS) - 1;
	uint64_t others = cpus & kernel_harts & ~(me < CONFIG_MAX_HARTS ? UINT64_C(1) << me : 0);
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* the table writes, before any request */
	flush_here(&request);
	if (current) /* after boot: the idle flags are kept under the lock */
		others = awake(others);
	if (!others)
		return;
	if (method == ARCH_TLB_IPI && current) /* the mailbox needs tp */
		arch_ipi_call(others, flush_by_ipi, &request);
	else
		flush_by_sbi(others, &request);
}

void arch_tlb_flush_page(uint64_t asid, uint64_t va, uint64_t harts)
{
	flush(asid, va, harts);
}

void arch_tlb_flush_asid(uint64_t asid, uint64_t harts)
{
	flush(asid, WHOLE_SPACE, harts);
}
