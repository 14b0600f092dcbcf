/* SPDX-License-Identifier: MIT */
/* The VSpace test world and the independent Sv39 walker; see vspace_world.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "asid.h"
#include "fake_arch.h"
#include "mdb.h"
#include "object.h"
#include "untyped.h"
#include "vspace.h"
#include "vspace_world.h"

#define CNODE_BYTES ((size_t)1 << (VW_RADIX + CTE_SIZE_BITS))
#define MEM_BYTES ((size_t)1 << VW_MEM_BITS)

struct vspace_world *vw_new(void)
{
	struct vspace_world *w = calloc(1, sizeof(*w));
	assert_non_null(w);
	fake_arch_reset();
	asid_table_reset();
	w->mem = aligned_alloc(MEM_BYTES, MEM_BYTES);
	w->cnode_mem = aligned_alloc(CNODE_BYTES, CNODE_BYTES);
	w->kernel_root = aligned_alloc(PAGE_BYTES, PAGE_BYTES);
	assert_non_null(w->mem);
	assert_non_null(w->cnode_mem);
	assert_non_null(w->kernel_root);
	memset(w->mem, 0x5a, MEM_BYTES); /* retype must clear what it hands out */
	memset(w->cnode_mem, 0, CNODE_BYTES);
	memset(w->kernel_root, 0, PAGE_BYTES);
	/* A kernel half as boot makes it: global gigapages (RWX, A, D). */
	const uint64_t kernel_leaf =
	    PTE_VALID | PTE_READ | PTE_WRITE | PTE_EXECUTE | PTE_GLOBAL | PTE_ACCESSED | PTE_DIRTY;
	w->kernel_root->entry[256].word = ((UINT64_C(0x80000000) >> 12) << 10) | kernel_leaf;
	w->kernel_root->entry[510].word = ((UINT64_C(0x40000000) >> 12) << 10) | kernel_leaf;
	vspace_set_kernel_root(w->kernel_root);
	w->root = cap_cnode_new((uintptr_t)w->cnode_mem, VW_RADIX, 64 - VW_RADIX, 0);
	struct cte *mem = vw_slot(w, VW_MEM_SLOT);
	mem->cap = cap_untyped_new((uintptr_t)w->mem, VW_MEM_BITS, false);
	mdb_set_flags(mem, true, true);
	struct cte *device = vw_slot(w, VW_DEVICE_SLOT);
	device->cap = cap_untyped_new((uintptr_t)VW_DEVICE_BASE, VW_DEVICE_BITS, true);
	mdb_set_flags(device, true, true);
	struct cte *control = vw_slot(w, VW_ASID_CONTROL_SLOT);
	control->cap = cap_asid_control_new();
	mdb_set_flags(control, true, true);
	return w;
}

void vw_free(struct vspace_world *w)
{
	assert_null(vspace_check_invariants());
	asid_table_reset();
	free(w->mem);
	free(w->cnode_mem);
	free(w->kernel_root);
	free(w->snapshot_mem);
	free(w->snapshot_cnode);
	free(w);
}

struct vspace_world *W;

int vw_setup(void **state)
{
	(void)state;
	W = vw_new();
	return 0;
}

int vw_teardown(void **state)
{
	(void)state;
	vw_free(W);
	W = NULL;
	return 0;
}

struct cte *vw_slot(struct vspace_world *w, uint64_t index)
{
	return cnode_slot(w->root, index);
}

struct cslot_ref vw_ref(struct vspace_world *w, uint64_t index)
{
	return (struct cslot_ref){ .root = w->root, .index = index, .depth = 64 };
}

enum error vw_retype(struct vspace_world *w, uint64_t ut, uint64_t type, uint64_t size_bits,
		     uint64_t dest, uint64_t n)
{
	struct untyped_retype_args args = {
		.type = type,
		.size_bits = size_bits,
		.dest_cnode = { .root = w->root, .index = 0, .depth = 0 },
		.node_offset = dest,
		.num_objects = n,
	};
	struct lookup_fault fault;
	return untyped_retype(vw_slot(w, ut), &args, &fault);
}

void vw_delete(struct vspace_world *w, uint64_t index)
{
	struct work_budget budget = { UINT64_MAX, 0 };
	assert_int_equal(cte_delete(vw_slot(w, index), &budget), ERR_OK);
}

void vw_revoke(struct vspace_world *w, uint64_t index)
{
	struct work_budget budget = { UINT64_MAX, 0 };
	assert_int_equal(cte_revoke(vw_slot(w, index), &budget), ERR_OK);
}

void vw_make_pool(struct vspace_world *w, uint64_t home, uint64_t dest)
{
	assert_int_equal(vw_retype(w, VW_MEM_SLOT, OBJ_UNTYPED, 12, home, 1), ERR_OK);
	assert_int_equal(asid_control_make_pool(vw_slot(w, VW_ASID_CONTROL_SLOT), vw_slot(w, home),
						vw_slot(w, dest)),
			 ERR_OK);
}

uint64_t vw_make_vspace(struct vspace_world *w, uint64_t pool_slot, uint64_t dest)
{
	assert_int_equal(vw_retype(w, VW_MEM_SLOT, OBJ_PAGE_TABLE, 0, dest, 1), ERR_OK);
	assert_int_equal(asid_pool_assign(vw_slot(w, pool_slot), vw_slot(w, dest)), ERR_OK);
	return cap_mapped_asid(vw_slot(w, dest)->cap);
}

void vw_make(struct vspace_world *w, uint64_t type, uint64_t dest)
{
	uint64_t ut = type == OBJ_FRAME_1G ? VW_DEVICE_SLOT : VW_MEM_SLOT;
	assert_int_equal(vw_retype(w, ut, type, 0, dest, 1), ERR_OK);
}

uint64_t vw_object_pa(struct vspace_world *w, uint64_t index)
{
	return (uint64_t)cap_ptr(vw_slot(w, index)->cap);
}

void vw_assert_flushes(unsigned pages, unsigned asids)
{
	assert_int_equal(fake_arch.flush_page_calls, pages);
	assert_int_equal(fake_arch.flush_asid_calls, asids);
}

void vw_assert_flush(unsigned i, int kind, uint64_t asid, uint64_t va)
{
	assert_true(i < fake_arch.flush_count);
	assert_int_equal(fake_arch.flushes[i].kind, kind);
	assert_int_equal(fake_arch.flushes[i].asid, asid);
	if (kind == FAKE_FLUSH_PAGE)
		assert_int_equal(fake_arch.flushes[i].va, va);
}

void vw_snapshot(struct vspace_world *w)
{
	if (!w->snapshot_mem) {
		w->snapshot_mem = malloc(MEM_BYTES);
		w->snapshot_cnode = malloc(CNODE_BYTES);
		assert_non_null(w->snapshot_mem);
		assert_non_null(w->snapshot_cnode);
	}
	memcpy(w->snapshot_mem, w->mem, MEM_BYTES);
	memcpy(w->snapshot_cnode, w->cnode_mem, CNODE_BYTES);
	memcpy(&w->snapshot_kernel_root, w->kernel_root, PAGE_BYTES);
	fake_arch_clear_flushes();
}

void vw_assert_unchanged(struct vspace_world *w)
{
	assert_non_null(w->snapshot_mem);
	assert_memory_equal(w->snapshot_mem, w->mem, MEM_BYTES);
	assert_memory_equal(w->snapshot_cnode, w->cnode_mem, CNODE_BYTES);
	assert_memory_equal(&w->snapshot_kernel_root, w->kernel_root, PAGE_BYTES);
	assert_int_equal(fake_arch.flush_count, 0); /* nothing changed: nothing to flush */
}

/*
 * The Sv39 walk, step by step as the specification numbers them
 * (LEVELS = 3, PTESIZE = 8, PAGESIZE = 4096). No Svade hardware update: an
 * A or D bit that would need setting is a page fault (the Svade behaviour).
 */
struct walk_result walk(uint64_t root_pa, uint64_t va, enum walk_access access, bool user)
{
	struct walk_result r = { .fault = true };
	/* Instruction fetch, load and store addresses must be canonical:
	 * bits 63..39 equal bit 38. */
	int64_t sign = (int64_t)(va << 25) >> 25;
	if ((uint64_t)sign != va) {
		r.why = "non-canonical";
		return r;
	}
	uint64_t vpn[3] = { (va >> 12) & 0x1ff, (va >> 21) & 0x1ff, (va >> 30) & 0x1ff };
	/* 1. a = satp.ppn * PAGESIZE, i = LEVELS - 1. */
	uint64_t a = root_pa;
	int i = 2;
	uint64_t pte;
	for (;;) {
		/* 2. pte = the PTE at a + va.vpn[i] * PTESIZE. */
		pte = *(const uint64_t *)(uintptr_t)(a + vpn[i] * 8);
		bool v = pte & 1, rd = pte & 2, wr = pte & 4, x = pte & 8;
		/* 3. invalid, or the reserved W-without-R, or reserved bits set. */
		if (!v || (!rd && wr)) {
			r.why = !v ? "invalid" : "W without R";
			return r;
		}
		if (pte >> 54) {
			r.why = "reserved bits 63..54";
			return r;
		}
		/* 4. a leaf when R or X; else the next level. */
		if (rd || x)
			break;
		if (pte & 0xd0) { /* D, A, U are reserved in a non-leaf */
			r.why = "non-leaf with D/A/U";
			return r;
		}
		i--;
		if (i < 0) {
			r.why = "non-leaf at level 0";
			return r;
		}
		a = ((pte >> 10) & ((UINT64_C(1) << 44) - 1)) * 4096;
	}
	/* 5. permissions: R for loads, W for stores, X for fetches; U for
	 * user mode (and a supervisor access to a U page faults: no SUM). */
	bool rd = pte & 2, wr = pte & 4, x = pte & 8, u = pte & 0x10;
	bool allowed = access == WALK_READ ? rd : access == WALK_WRITE ? wr : x;
	if (!allowed || u != user) {
		r.why = !allowed ? "permission" : "U bit";
		return r;
	}
	/* 6. misaligned superpage: ppn[i-1:0] must be zero. */
	uint64_t ppn[3] = { (pte >> 10) & 0x1ff, (pte >> 19) & 0x1ff,
			    (pte >> 28) & ((UINT64_C(1) << 26) - 1) };
	for (int j = 0; j < i; j++) {
		if (ppn[j] != 0) {
			r.why = "misaligned superpage";
			return r;
		}
	}
	/* 7. A clear, or D clear on a store: fault (Svade). */
	if (!(pte & 0x40) || (access == WALK_WRITE && !(pte & 0x80))) {
		r.why = "A/D clear";
		return r;
	}
	/* 8. pa.pgoff = va.pgoff; superpages take ppn[i-1:0] from the va. */
	uint64_t out[3];
	for (int j = 0; j < 3; j++)
		out[j] = j < i ? vpn[j] : ppn[j];
	r.fault = false;
	r.pa = (out[2] << 30) | (out[1] << 21) | (out[0] << 12) | (va & 0xfff);
	r.level = (unsigned)i;
	r.pte = pte;
	r.why = NULL;
	return r;
}
