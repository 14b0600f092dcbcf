/* SPDX-License-Identifier: MIT */
/*
 * Cross-hart TLB maintenance (see tlb.h). Per ASID, one byte of hart bits,
 * four ASIDs to a 32-bit word (RV64A has no byte AMOs): 64 KiB for the
 * 16-bit ASID space.
 *
 * Ordering: the flusher has written the page table, then fences and reads
 * the hart bits; an activating hart sets its bit (an AMO with full
 * ordering), then writes satp and walks. Either the flusher sees the bit
 * and fences that hart, or the hart's walk comes after the flusher's
 * fence and sees the new entries.
 */
#include "tlb.h"

#include "barrier.h"
#include "config.h"
#include "csr.h"
#include "hart.h"
#include "ipi.h"
#include "sbi.h"

#define ASID_COUNT (1u << 16)
#define WHOLE_SPACE UINT64_MAX
_Static_assert(CONFIG_MAX_HARTS <= 8, "one byte of hart bits per ASID");

static uint32_t asid_harts[ASID_COUNT / 4];
static enum arch_tlb_method method = ARCH_TLB_SBI_RFENCE;

static uint32_t *word_of(uint64_t asid, unsigned *shift)
{
	*shift = (unsigned)(asid % 4) * 8;
	return &asid_harts[(asid % ASID_COUNT) / 4];
}

uint32_t arch_tlb_harts(uint64_t asid)
{
	unsigned shift;
	uint32_t *word = word_of(asid, &shift);
	return (__atomic_load_n(word, __ATOMIC_SEQ_CST) >> shift) & 0xff;
}

void arch_vspace_activate(uint64_t root_pa, uint64_t asid)
{
	unsigned shift;
	uint32_t *word = word_of(asid, &shift);
	uint32_t bit = UINT32_C(1) << (shift + hart_current()->cpu_index);
	if (!(__atomic_load_n(word, __ATOMIC_RELAXED) & bit))
		__atomic_fetch_or(word, bit, __ATOMIC_SEQ_CST);
	csr_write_satp(SATP_MODE_SV39 | (asid & 0xffff) << SATP_ASID_SHIFT | root_pa >> 12);
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

/* SBI names harts by id; a mask covers ids base..base+63. */
static void flush_by_sbi(uint32_t cpus, const struct flush_request *request)
{
	uint64_t start = request->va == WHOLE_SPACE ? 0 : request->va & ~UINT64_C(0xfff);
	uint64_t size = request->va == WHOLE_SPACE ? WHOLE_SPACE : 4096;
	while (cpus) {
		uint64_t base = UINT64_MAX, mask = 0;
		for (unsigned cpu = 0; cpu < CONFIG_MAX_HARTS; cpu++)
			if ((cpus & 1u << cpu) && harts[cpu].hart_id < base)
				base = harts[cpu].hart_id;
		for (unsigned cpu = 0; cpu < CONFIG_MAX_HARTS; cpu++)
			if ((cpus & 1u << cpu) && harts[cpu].hart_id - base < 64) {
				mask |= UINT64_C(1) << (harts[cpu].hart_id - base);
				cpus &= ~(1u << cpu);
			}
		(void)sbi_remote_sfence_vma_asid(mask, base, start, size, request->asid);
	}
}

static void flush(uint64_t asid, uint64_t va)
{
	struct flush_request request = { asid, va };
	unsigned me = hart_current()->cpu_index;
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* the table writes, before the bits */
	uint32_t others = arch_tlb_harts(asid) & ~(1u << me);
	flush_here(&request); /* cheap; this hart may hold it without a bit (boot) */
	if (!others)
		return;
	if (method == ARCH_TLB_IPI)
		arch_ipi_call(others, flush_by_ipi, &request);
	else
		flush_by_sbi(others, &request);
}

void arch_tlb_flush_page(uint64_t asid, uint64_t va)
{
	flush(asid, va);
}

void arch_tlb_flush_asid(uint64_t asid)
{
	flush(asid, WHOLE_SPACE);
}
