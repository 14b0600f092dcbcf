/* SPDX-License-Identifier: MIT */
/*
 * core/vspace.c: known-answer PTE encodings, the independent walker's own
 * known answers, every invocation's success and error paths (an error
 * changes no byte and asks for no flush), the flushes each change asks for,
 * and the cap rules (a frame cap maps once, copies map elsewhere, deletion
 * unmaps). Every mapping made is checked through the walker of
 * vspace_world.c. ASID control and pools are test_asid.c; the randomized
 * test is test_vspace_random.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "asid.h"
#include "fake_arch.h"
#include "object.h"
#include "vspace.h"
#include "vspace_world.h"

#define POOL_HOME 10
#define POOL 11
#define ROOT 20
#define ROOT2 21
#define PT 30 /* 30.. page tables */
#define FR 50 /* 50.. frames */
#define COPY 70

static const uint64_t R = CAP_RIGHT_READ, RW = CAP_RIGHT_READ | CAP_RIGHT_WRITE;

static struct cte *slot(uint64_t i)
{
	return vw_slot(W, i);
}

/* A VSpace in ROOT with ASID returned; the pool in POOL. */
static uint64_t vspace(void)
{
	vw_make_pool(W, POOL_HOME, POOL);
	return vw_make_vspace(W, POOL, ROOT);
}

static void pt_map(uint64_t pt, uint64_t root, uint64_t va)
{
	struct lookup_fault fault;
	assert_int_equal(vspace_page_table_map(slot(pt), slot(root), va, &fault), ERR_OK);
}

static void frame_map(uint64_t fr, uint64_t root, uint64_t va, uint64_t rights, uint64_t attr)
{
	struct lookup_fault fault;
	assert_int_equal(vspace_frame_map(slot(fr), slot(root), va, rights, attr, &fault), ERR_OK);
}

/* The walker agrees: va maps pa with exactly r/w/x for the user. */
static void assert_walk(uint64_t root, uint64_t va, uint64_t pa, bool r, bool w, bool x)
{
	struct walk_result rd = walk(vw_object_pa(W, root), va, WALK_READ, true);
	struct walk_result wr = walk(vw_object_pa(W, root), va, WALK_WRITE, true);
	struct walk_result ex = walk(vw_object_pa(W, root), va, WALK_EXECUTE, true);
	assert_int_equal(!rd.fault, r);
	assert_int_equal(!wr.fault, w);
	assert_int_equal(!ex.fault, x);
	struct walk_result any = r ? rd : x ? ex : wr;
	if (!any.fault)
		assert_int_equal(any.pa, pa);
	/* A supervisor access to a user page faults (no SUM). */
	assert_true(walk(vw_object_pa(W, root), va, WALK_READ, false).fault);
}

static void assert_unmapped(uint64_t root, uint64_t va)
{
	assert_true(walk(vw_object_pa(W, root), va, WALK_READ, true).fault);
	assert_true(walk(vw_object_pa(W, root), va, WALK_EXECUTE, true).fault);
}

/* ---- Known answers. ---- */

static void test_pte_known_answers(void **state)
{
	(void)state;
	/* Privileged spec, Sv39 PTE: V R W X U G A D in bits 0..7, PPN 53..10. */
	struct pte leaf =
	    pte_new_leaf(0x80200000, PTE_READ | PTE_WRITE | PTE_USER | PTE_ACCESSED | PTE_DIRTY);
	assert_int_equal(leaf.word, 0x200800d7);
	assert_true(pte_is_valid(leaf) && pte_is_leaf(leaf) && !pte_is_table(leaf));
	assert_int_equal(pte_physical_address(leaf), 0x80200000);
	struct pte table = pte_new_table(0x80201000);
	assert_int_equal(table.word, 0x20080401);
	assert_true(pte_is_table(table) && !pte_is_leaf(table));
	/* An execute-only global gigapage at 1 GiB: X G A D V, PPN 0x40000. */
	struct pte giga =
	    pte_new_leaf(0x40000000, PTE_EXECUTE | PTE_GLOBAL | PTE_ACCESSED | PTE_DIRTY);
	assert_int_equal(giga.word, 0x100000e9);
	/* The largest PPN (44 bits) lands in bits 53..10. */
	struct pte top = pte_new_leaf((UINT64_C(1) << 56) - PAGE_BYTES, PTE_READ);
	assert_int_equal(top.word, ((UINT64_C(1) << 54) - (UINT64_C(1) << 10)) | 3);
	assert_false(pte_is_valid(pte_invalid()));
	/* VPN fields: va bits 38..30, 29..21, 20..12. */
	uint64_t va = (UINT64_C(0x1ab) << 30) | (UINT64_C(0x0cd) << 21) | (UINT64_C(0x1ef) << 12);
	assert_int_equal(pagetable_index(va, 2), 0x1ab);
	assert_int_equal(pagetable_index(va, 1), 0x0cd);
	assert_int_equal(pagetable_index(va, 0), 0x1ef);
	assert_int_equal(pagetable_entry_bytes(0), 4096);
	assert_int_equal(pagetable_entry_bytes(1), 2u << 20);
	assert_int_equal(pagetable_entry_bytes(2), 1u << 30);
}

/* The walker itself, on tables written by hand (not by core/). */
static void test_walker_known_answers(void **state)
{
	(void)state;
	static _Alignas(4096) uint64_t t2[512], t1[512], t0[512];
	memset(t2, 0, sizeof(t2));
	memset(t1, 0, sizeof(t1));
	memset(t0, 0, sizeof(t0));
	uint64_t root = (uint64_t)(uintptr_t)t2;
	const uint64_t user_rw = 0x1 | 0x2 | 0x4 | 0x10 | 0x40 | 0x80;
	t2[0] = (((uint64_t)(uintptr_t)t1 >> 12) << 10) | 1;
	t1[0] = (((uint64_t)(uintptr_t)t0 >> 12) << 10) | 1;
	t0[1] = ((UINT64_C(0x87654000) >> 12) << 10) | user_rw;
	struct walk_result r = walk(root, 0x1abc, WALK_WRITE, true);
	assert_false(r.fault);
	assert_int_equal(r.pa, 0x87654abc);
	assert_int_equal(r.level, 0);
	assert_true(walk(root, 0x1abc, WALK_EXECUTE, true).fault);
	assert_true(walk(root, 0x1abc, WALK_READ, false).fault); /* U page, S mode */
	assert_true(walk(root, 0x2000, WALK_READ, true).fault);  /* invalid */
	/* A 2 MiB leaf: the pa keeps va bits 20..0. */
	t1[1] = ((UINT64_C(0x80400000) >> 12) << 10) | user_rw;
	r = walk(root, 0x2edcba, WALK_READ, true);
	assert_false(r.fault);
	assert_int_equal(r.pa, 0x80400000 + 0xedcba);
	assert_int_equal(r.level, 1);
	/* Misaligned superpage: ppn[0] != 0. */
	t1[2] = ((UINT64_C(0x80401000) >> 12) << 10) | user_rw;
	assert_string_equal(walk(root, 0x400000, WALK_READ, true).why, "misaligned superpage");
	/* A 1 GiB leaf, and a misaligned one (ppn[1] != 0). */
	t2[1] = ((UINT64_C(0xc0000000) >> 12) << 10) | user_rw;
	r = walk(root, 0x40000000 + 0x3456789, WALK_READ, true);
	assert_false(r.fault);
	assert_int_equal(r.pa, 0xc0000000 + 0x3456789);
	t2[2] = ((UINT64_C(0xc0200000) >> 12) << 10) | user_rw;
	assert_string_equal(walk(root, 0x80000000, WALK_READ, true).why, "misaligned superpage");
	/* W without R is reserved. */
	t0[2] = ((UINT64_C(0x1000) >> 12) << 10) | 0x1 | 0x4 | 0x10 | 0xc0;
	assert_string_equal(walk(root, 0x2000, WALK_WRITE, true).why, "W without R");
	/* Non-leaf at level 0. */
	t0[3] = (((uint64_t)(uintptr_t)t0 >> 12) << 10) | 1;
	assert_string_equal(walk(root, 0x3000, WALK_READ, true).why, "non-leaf at level 0");
	/* U clear: a user access faults, a supervisor one does not. */
	t0[4] = ((UINT64_C(0x5000) >> 12) << 10) | 0x1 | 0x2 | 0xc0;
	assert_string_equal(walk(root, 0x4000, WALK_READ, true).why, "U bit");
	assert_false(walk(root, 0x4000, WALK_READ, false).fault);
	/* A clear; D clear on a store (Svade: fault, no hardware update). */
	t0[5] = ((UINT64_C(0x5000) >> 12) << 10) | 0x1 | 0x2 | 0x4 | 0x10 | 0x80;
	assert_string_equal(walk(root, 0x5000, WALK_READ, true).why, "A/D clear");
	t0[6] = ((UINT64_C(0x5000) >> 12) << 10) | 0x1 | 0x2 | 0x4 | 0x10 | 0x40;
	assert_false(walk(root, 0x6000, WALK_READ, true).fault);
	assert_string_equal(walk(root, 0x6000, WALK_WRITE, true).why, "A/D clear");
	/* Reserved high bits; a non-canonical address. */
	t0[7] = t0[1] | (UINT64_C(1) << 60);
	assert_string_equal(walk(root, 0x7000, WALK_READ, true).why, "reserved bits 63..54");
	assert_string_equal(walk(root, UINT64_C(1) << 38, WALK_READ, true).why, "non-canonical");
	/* A non-leaf entry with U set is reserved. */
	t1[3] = t1[0] | 0x10;
	assert_string_equal(walk(root, 0x600000, WALK_READ, true).why, "non-leaf with D/A/U");
}

/* ---- Page tables. ---- */

static void test_page_table_map(void **state)
{
	(void)state;
	uint64_t asid = vspace();
	vw_make(W, OBJ_PAGE_TABLE, PT);
	vw_make(W, OBJ_PAGE_TABLE, PT + 1);
	vw_make(W, OBJ_PAGE_TABLE, PT + 2);
	vw_snapshot(W);
	pt_map(PT, ROOT, 0x40123456);
	/* Mapped in the root at the 1 GiB region of the address. */
	assert_true(cap_is_mapped(slot(PT)->cap));
	assert_int_equal(cap_mapped_asid(slot(PT)->cap), asid);
	assert_int_equal(cap_mapped_vaddr(slot(PT)->cap), 0x40000000);
	struct pte entry = ((struct pagetable *)vw_object_pa(W, ROOT))->entry[1];
	assert_int_equal(entry.word, pte_new_table(cap_ptr(slot(PT)->cap)).word);
	vw_assert_flushes(0, 1);
	vw_assert_flush(0, FAKE_FLUSH_ASID, asid, 0);
	/* The next table goes one level down: its 2 MiB region. */
	pt_map(PT + 1, ROOT, 0x40323456);
	assert_int_equal(cap_mapped_vaddr(slot(PT + 1)->cap), 0x40200000);
	/* A third at the same place: every level exists. */
	struct lookup_fault fault;
	vw_snapshot(W);
	assert_int_equal(vspace_page_table_map(slot(PT + 2), slot(ROOT), 0x40323000, &fault),
			 ERR_DELETE_FIRST);
	/* Already mapped; not a page table; bad addresses. */
	assert_int_equal(vspace_page_table_map(slot(PT), slot(ROOT), 0x80000000, &fault),
			 ERR_INVALID_CAPABILITY);
	assert_int_equal(vspace_page_table_map(slot(POOL), slot(ROOT), 0x80000000, &fault),
			 ERR_INVALID_CAPABILITY);
	assert_int_equal(vspace_page_table_map(slot(PT + 2), slot(ROOT), VSPACE_USER_TOP, &fault),
			 ERR_INVALID_ARGUMENT);
	assert_int_equal(
	    vspace_page_table_map(slot(PT + 2), slot(ROOT), 0xffffffc000000000ull, &fault),
	    ERR_INVALID_ARGUMENT); /* the kernel half */
	assert_int_equal(
	    vspace_page_table_map(slot(PT + 2), slot(ROOT), 0x0000800000000000ull, &fault),
	    ERR_INVALID_ARGUMENT); /* not canonical */
	/* The VSpace must be an assigned root: an unmapped table, a frame, a
	 * mapped non-root table. */
	assert_int_equal(vspace_page_table_map(slot(PT + 1), slot(PT + 2), 0, &fault),
			 ERR_INVALID_CAPABILITY);
	assert_int_equal(vspace_page_table_map(slot(PT + 2), slot(POOL), 0, &fault),
			 ERR_INVALID_CAPABILITY);
	assert_int_equal(vspace_page_table_map(slot(PT + 2), slot(PT), 0, &fault),
			 ERR_INVALID_CAPABILITY);
	vw_assert_unchanged(W);
	/* A leaf in the way is "delete first" too. */
	vw_make(W, OBJ_FRAME_1G, FR);
	frame_map(FR, ROOT, 0x80000000, RW, 0);
	vw_snapshot(W);
	assert_int_equal(vspace_page_table_map(slot(PT + 2), slot(ROOT), 0x80001000, &fault),
			 ERR_DELETE_FIRST);
	vw_assert_unchanged(W);
	assert_null(vspace_check_invariants());
}

static void test_page_table_unmap(void **state)
{
	(void)state;
	uint64_t asid = vspace();
	vw_make(W, OBJ_PAGE_TABLE, PT);
	vw_make(W, OBJ_PAGE_TABLE, PT + 1);
	vw_make(W, OBJ_FRAME_4K, FR);
	vw_make(W, OBJ_FRAME_4K, FR + 1);
	pt_map(PT, ROOT, 0);
	pt_map(PT + 1, ROOT, 0);
	frame_map(FR, ROOT, 0x5000, RW, 0);
	assert_walk(ROOT, 0x5000, vw_object_pa(W, FR), true, true, true);
	/* A copy of a mapped table shares its mapping: unmap needs the last cap. */
	struct lookup_fault fault;
	assert_int_equal(cnode_copy(vw_ref(W, COPY), vw_ref(W, PT), cap_rights_make(15), &fault),
			 ERR_OK);
	assert_true(cap_is_mapped(slot(COPY)->cap));
	vw_snapshot(W);
	assert_int_equal(vspace_page_table_unmap(slot(PT)), ERR_REVOKE_FIRST);
	assert_int_equal(vspace_page_table_unmap(slot(FR)), ERR_INVALID_CAPABILITY);
	/* A VSpace root is not unmapped: it is deleted. */
	assert_int_equal(vspace_page_table_unmap(slot(ROOT)), ERR_REVOKE_FIRST);
	vw_assert_unchanged(W);
	vw_delete(W, COPY); /* not the last cap: nothing happens */
	vw_assert_flushes(0, 0);
	assert_walk(ROOT, 0x5000, vw_object_pa(W, FR), true, true, true);
	/* Unmapping the upper table takes the lower one and the page with it. */
	assert_int_equal(vspace_page_table_unmap(slot(PT)), ERR_OK);
	vw_assert_flushes(0, 1);
	vw_assert_flush(0, FAKE_FLUSH_ASID, asid, 0);
	assert_false(cap_is_mapped(slot(PT)->cap));
	assert_unmapped(ROOT, 0x5000);
	static const struct pagetable zero;
	assert_memory_equal((void *)cap_ptr(slot(PT)->cap), &zero, sizeof(zero));
	/* Unmapping an unmapped table changes nothing. */
	vw_snapshot(W);
	assert_int_equal(vspace_page_table_unmap(slot(PT)), ERR_OK);
	vw_assert_unchanged(W);
	/* PT+1 is now stale: unmapping it finds nothing to remove, but clears. */
	assert_true(cap_is_mapped(slot(PT + 1)->cap));
	fake_arch_clear_flushes();
	assert_int_equal(vspace_page_table_unmap(slot(PT + 1)), ERR_OK);
	vw_assert_flushes(0, 0);
	assert_false(cap_is_mapped(slot(PT + 1)->cap));
	/* The frame's cap is stale too: mapping it again in place is refused,
	 * unmapping it changes no entry. */
	pt_map(PT, ROOT, 0);
	pt_map(PT + 1, ROOT, 0);
	vw_snapshot(W);
	assert_int_equal(vspace_frame_map(slot(FR), slot(ROOT), 0x5000, R, 0, &fault),
			 ERR_ILLEGAL_OPERATION);
	vw_assert_unchanged(W);
	frame_map(FR + 1, ROOT, 0x5000, R, 0);
	fake_arch_clear_flushes();
	assert_int_equal(vspace_frame_unmap(slot(FR)), ERR_OK);
	vw_assert_flushes(0, 0);
	assert_walk(ROOT, 0x5000, vw_object_pa(W, FR + 1), true, false, true);
	/* Deleting the last cap of a mapped table unmaps it (one ASID flush). */
	fake_arch_clear_flushes();
	vw_delete(W, PT + 1);
	vw_assert_flushes(0, 1);
	assert_unmapped(ROOT, 0x5000);
	/* Deleting a stale table's cap finds nothing. */
	assert_int_equal(vspace_frame_unmap(slot(FR + 1)), ERR_OK);
	assert_null(vspace_check_invariants());
}

/* ---- Frames. ---- */

static void test_frame_map_sizes(void **state)
{
	(void)state;
	uint64_t asid = vspace();
	vw_make(W, OBJ_PAGE_TABLE, PT);
	vw_make(W, OBJ_PAGE_TABLE, PT + 1);
	vw_make(W, OBJ_FRAME_4K, FR);
	vw_make(W, OBJ_FRAME_2M, FR + 1);
	vw_make(W, OBJ_FRAME_1G, FR + 2);
	pt_map(PT, ROOT, 0);
	pt_map(PT + 1, ROOT, 0);
	fake_arch_clear_flushes();
	frame_map(FR, ROOT, 0x7000, RW, 0);
	vw_assert_flushes(1, 0);
	vw_assert_flush(0, FAKE_FLUSH_PAGE, asid, 0x7000);
	frame_map(FR + 1, ROOT, 0x200000, R, VM_ATTR_EXECUTE_NEVER);
	frame_map(FR + 2, ROOT, 0x3fc0000000ull, RW, VM_ATTR_EXECUTE_NEVER); /* the last GiB */
	assert_walk(ROOT, 0x7123, vw_object_pa(W, FR) + 0x123, true, true, true);
	assert_walk(ROOT, 0x3fffff, vw_object_pa(W, FR + 1) + 0x1fffff, true, false, false);
	assert_walk(ROOT, 0x3fc0abcdefull, vw_object_pa(W, FR + 2) + 0xabcdef, true, true, false);
	assert_unmapped(ROOT, 0x6000);
	assert_unmapped(ROOT, 0x400000);
	/* The leaf words: U A D R (W) (X). */
	struct walk_result r = walk(vw_object_pa(W, ROOT), 0x7000, WALK_READ, true);
	assert_int_equal(r.pte & 0xff, 0xdf);
	r = walk(vw_object_pa(W, ROOT), 0x200000, WALK_READ, true);
	assert_int_equal(r.pte & 0xff, 0xd3);
	assert_int_equal(r.level, 1);
	r = walk(vw_object_pa(W, ROOT), 0x3fc0000000ull, WALK_READ, true);
	assert_int_equal(r.level, 2);
	assert_int_equal(r.pte & 0xff, 0xd7);
	/* Caps record the mapping; lookups agree. */
	assert_int_equal(cap_mapped_vaddr(slot(FR + 2)->cap), 0x3fc0000000ull);
	struct pagetable_translation t;
	assert_int_equal(vspace_translate(asid, 0x200010, &t), ERR_OK);
	assert_int_equal(t.physical_address, vw_object_pa(W, FR + 1) + 0x10);
	assert_int_equal(t.size, PAGE_SIZE_2M);
	assert_int_equal(vspace_translate(asid, 0x600000, &t), ERR_FAILED_LOOKUP);
	assert_int_equal(vspace_translate(asid + 1, 0x200010, &t), ERR_FAILED_LOOKUP);
	/* Rights are masked by the cap's: a read-only copy maps read-only. */
	struct lookup_fault fault;
	assert_int_equal(cnode_copy(vw_ref(W, COPY), vw_ref(W, FR), cap_rights_make(R), &fault),
			 ERR_OK);
	assert_false(cap_is_mapped(slot(COPY)->cap)); /* copies start unmapped */
	frame_map(COPY, ROOT, 0x8000, RW, 0);
	assert_walk(ROOT, 0x8000, vw_object_pa(W, FR), true, false, true);
	/* Copy maps elsewhere; the original stays. */
	assert_walk(ROOT, 0x7000, vw_object_pa(W, FR), true, true, true);
	assert_null(vspace_check_invariants());
}

static void test_frame_map_errors(void **state)
{
	(void)state;
	uint64_t asid = vspace();
	vw_make(W, OBJ_PAGE_TABLE, PT);
	vw_make(W, OBJ_PAGE_TABLE, PT + 1);
	vw_make(W, OBJ_FRAME_4K, FR);
	vw_make(W, OBJ_FRAME_2M, FR + 1);
	vw_make(W, OBJ_FRAME_1G, FR + 2);
	vw_make(W, OBJ_FRAME_4K, FR + 3);
	pt_map(PT, ROOT, 0);
	struct lookup_fault fault;
	struct cte *root = slot(ROOT);
	vw_snapshot(W);
	assert_int_equal(vspace_frame_map(slot(PT), root, 0, R, 0, &fault), ERR_INVALID_CAPABILITY);
	assert_int_equal(vspace_frame_map(slot(FR), slot(FR), 0, R, 0, &fault),
			 ERR_INVALID_CAPABILITY);
	assert_int_equal(vspace_frame_map(slot(FR), slot(PT), 0, R, 0, &fault),
			 ERR_INVALID_CAPABILITY); /* mapped, not a root */
	assert_int_equal(vspace_frame_map(slot(FR), slot(PT + 1), 0, R, 0, &fault),
			 ERR_INVALID_CAPABILITY); /* unmapped */
	/* Not user addresses: top of user space, kernel half, non-canonical,
	 * and a frame that would cross the top. */
	assert_int_equal(vspace_frame_map(slot(FR), root, VSPACE_USER_TOP, R, 0, &fault),
			 ERR_INVALID_ARGUMENT);
	assert_int_equal(vspace_frame_map(slot(FR), root, 0xffffffffc0000000ull, R, 0, &fault),
			 ERR_INVALID_ARGUMENT);
	assert_int_equal(vspace_frame_map(slot(FR), root, UINT64_C(1) << 39, R, 0, &fault),
			 ERR_INVALID_ARGUMENT);
	assert_int_equal(
	    vspace_frame_map(slot(FR + 1), root, VSPACE_USER_TOP - 0x100000, R, 0, &fault),
	    ERR_INVALID_ARGUMENT);
	/* Alignment to the frame's size. */
	assert_int_equal(vspace_frame_map(slot(FR), root, 0x1800, R, 0, &fault), ERR_ALIGNMENT);
	assert_int_equal(vspace_frame_map(slot(FR + 1), root, 0x201000, R, 0, &fault),
			 ERR_ALIGNMENT);
	assert_int_equal(vspace_frame_map(slot(FR + 2), root, 0x40200000, R, 0, &fault),
			 ERR_ALIGNMENT);
	/* Rights: unknown bits. (Write without read is not an error: see
	 * test_kernel_only_mapping.) */
	assert_int_equal(vspace_frame_map(slot(FR), root, 0x200000, R | CAP_RIGHT_GRANT, 0, &fault),
			 ERR_INVALID_ARGUMENT);
	assert_int_equal(vspace_frame_map(slot(FR), root, 0x200000, R, 2, &fault),
			 ERR_INVALID_ARGUMENT);
	/* Missing table: a 4K page where only the level-1 table exists. seL4
	 * reports the bits left at the level the walk stopped (21). */
	assert_int_equal(vspace_frame_map(slot(FR), root, 0x200000, R, 0, &fault),
			 ERR_FAILED_LOOKUP);
	assert_int_equal(fault.type, LOOKUP_FAULT_MISSING_CAPABILITY);
	assert_int_equal(fault.bits_left, 21);
	assert_int_equal(vspace_frame_map(slot(FR), root, 0x40000000, R, 0, &fault),
			 ERR_FAILED_LOOKUP);
	assert_int_equal(fault.bits_left, 30);
	/* A gigapage where a table is: the walk goes deeper than the frame. */
	assert_int_equal(vspace_frame_map(slot(FR + 2), root, 0, R, 0, &fault), ERR_FAILED_LOOKUP);
	assert_int_equal(fault.bits_left, 21);
	vw_assert_unchanged(W);
	/* Slot in use. */
	frame_map(FR + 1, ROOT, 0x200000, RW, 0);
	vw_snapshot(W);
	assert_int_equal(vspace_frame_map(slot(FR + 3), root, 0x200000, R, 0, &fault),
			 ERR_FAILED_LOOKUP); /* a 2 MiB leaf is where a 4K table would be */
	pt_map(PT + 1, ROOT, 0);
	frame_map(FR + 3, ROOT, 0x3000, R, 0);
	vw_make(W, OBJ_FRAME_4K, FR + 4);
	vw_snapshot(W);
	assert_int_equal(vspace_frame_map(slot(FR + 4), root, 0x3000, RW, 0, &fault),
			 ERR_DELETE_FIRST);
	/* A mapped cap maps once: elsewhere, or in another VSpace, is refused. */
	assert_int_equal(vspace_frame_map(slot(FR + 3), root, 0x4000, R, 0, &fault),
			 ERR_INVALID_ARGUMENT);
	vw_assert_unchanged(W);
	uint64_t asid2 = vw_make_vspace(W, POOL, ROOT2);
	assert_int_not_equal(asid2, asid);
	vw_snapshot(W);
	assert_int_equal(vspace_frame_map(slot(FR + 3), slot(ROOT2), 0x3000, R, 0, &fault),
			 ERR_INVALID_CAPABILITY);
	vw_assert_unchanged(W);
	assert_null(vspace_check_invariants());
}

/*
 * A mapping without read (a write-only request, or none) is not an error
 * (issue 15, item 11): as seL4's maskVMRights it is kernel-only, which on
 * RISC-V is an execute-only leaf when executable and no entry otherwise;
 * the cap records the mapping either way and unmaps cleanly.
 */
static void test_kernel_only_mapping(void **state)
{
	(void)state;
	uint64_t asid = vspace();
	vw_make(W, OBJ_PAGE_TABLE, PT);
	pt_map(PT, ROOT, 0);
	vw_make(W, OBJ_FRAME_2M, FR);
	vw_make(W, OBJ_FRAME_2M, FR + 1);
	fake_arch_clear_flushes();
	frame_map(FR, ROOT, 0x200000, CAP_RIGHT_WRITE, 0);
	assert_walk(ROOT, 0x200000, vw_object_pa(W, FR), false, false, true);
	vw_assert_flush(0, FAKE_FLUSH_PAGE, asid, 0x200000);
	assert_true(cap_is_mapped(slot(FR)->cap));
	frame_map(FR + 1, ROOT, 0x400000, 0, VM_ATTR_EXECUTE_NEVER);
	assert_unmapped(ROOT, 0x400000);
	assert_true(cap_is_mapped(slot(FR + 1)->cap));
	assert_int_equal(cap_mapped_vaddr(slot(FR + 1)->cap), 0x400000);
	assert_null(vspace_check_invariants());
	/* With no entry it cannot be remapped (as a stale mapping): unmap it
	 * first. */
	struct lookup_fault fault;
	assert_int_equal(vspace_frame_map(slot(FR + 1), slot(ROOT), 0x400000, R, 0, &fault),
			 ERR_ILLEGAL_OPERATION);
	/* Its place stays free for another frame, and unmapping through the
	 * cap changes no entry then. */
	vw_make(W, OBJ_FRAME_2M, FR + 2);
	frame_map(FR + 2, ROOT, 0x400000, R, 0);
	assert_int_equal(vspace_frame_unmap(slot(FR + 1)), ERR_OK);
	assert_false(cap_is_mapped(slot(FR + 1)->cap));
	assert_walk(ROOT, 0x400000, vw_object_pa(W, FR + 2), true, false, true);
	/* Remapping the execute-only one with read gives it read back. */
	frame_map(FR, ROOT, 0x200000, RW, VM_ATTR_EXECUTE_NEVER);
	assert_walk(ROOT, 0x200000, vw_object_pa(W, FR), true, true, false);
	assert_int_equal(vspace_frame_unmap(slot(FR)), ERR_OK);
	assert_unmapped(ROOT, 0x200000);
	assert_null(vspace_check_invariants());
}

static void test_remap_and_unmap(void **state)
{
	(void)state;
	uint64_t asid = vspace();
	vw_make(W, OBJ_FRAME_1G, FR);
	/* Mapping and unmapping change the cap (its mapping words): each
	 * moves cte_generation (cte.h). */
	uint64_t generation = cte_generation;
	frame_map(FR, ROOT, 0x40000000, R, VM_ATTR_EXECUTE_NEVER);
	assert_true(cte_generation != generation);
	assert_walk(ROOT, 0x40000000, vw_object_pa(W, FR), true, false, false);
	/* Remap in place with new rights: one page flush. */
	fake_arch_clear_flushes();
	frame_map(FR, ROOT, 0x40000000, RW, 0);
	vw_assert_flushes(1, 0);
	vw_assert_flush(0, FAKE_FLUSH_PAGE, asid, 0x40000000);
	assert_walk(ROOT, 0x40000000, vw_object_pa(W, FR), true, true, true);
	/* Unmap: entry gone, page flushed, cap unmapped; again is a no-op. */
	fake_arch_clear_flushes();
	generation = cte_generation;
	assert_int_equal(vspace_frame_unmap(slot(FR)), ERR_OK);
	assert_true(cte_generation != generation);
	vw_assert_flushes(1, 0);
	vw_assert_flush(0, FAKE_FLUSH_PAGE, asid, 0x40000000);
	assert_unmapped(ROOT, 0x40000000);
	assert_false(cap_is_mapped(slot(FR)->cap));
	vw_snapshot(W);
	assert_int_equal(vspace_frame_unmap(slot(FR)), ERR_OK);
	assert_int_equal(vspace_frame_unmap(slot(ROOT)), ERR_INVALID_CAPABILITY);
	vw_assert_unchanged(W);
	/* Deleting a mapped frame cap unmaps it, final or not. */
	frame_map(FR, ROOT, 0x40000000, RW, 0);
	struct lookup_fault fault;
	assert_int_equal(cnode_copy(vw_ref(W, COPY), vw_ref(W, FR), cap_rights_make(15), &fault),
			 ERR_OK);
	frame_map(COPY, ROOT, 0x80000000, R, 0);
	fake_arch_clear_flushes();
	vw_delete(W, FR); /* not final: the copy lives */
	vw_assert_flushes(1, 0);
	assert_unmapped(ROOT, 0x40000000);
	assert_walk(ROOT, 0x80000000, cap_ptr(slot(COPY)->cap), true, false, true);
	/* Revoking the original's children unmaps the copies. */
	vw_make(W, OBJ_FRAME_1G, FR + 1);
	assert_int_equal(
	    cnode_copy(vw_ref(W, COPY + 1), vw_ref(W, FR + 1), cap_rights_make(15), &fault),
	    ERR_OK);
	frame_map(COPY + 1, ROOT, 0xc0000000, RW, 0);
	fake_arch_clear_flushes();
	vw_revoke(W, FR + 1);
	vw_assert_flushes(1, 0);
	vw_assert_flush(0, FAKE_FLUSH_PAGE, asid, 0xc0000000);
	assert_unmapped(ROOT, 0xc0000000);
	assert_true(cap_is_null(slot(COPY + 1)->cap));
	assert_null(vspace_check_invariants());
	/* Finalising an unmapped frame or page table touches nothing. */
	vw_make(W, OBJ_PAGE_TABLE, PT);
	vw_snapshot(W);
	fake_arch_clear_flushes();
	vspace_finalise_frame(slot(FR + 1)->cap);
	vspace_finalise_page_table(slot(PT)->cap);
	vw_assert_flushes(0, 0);
	vw_assert_unchanged(W);
}

static void test_delete_root_and_pool(void **state)
{
	(void)state;
	uint64_t asid = vspace();
	uint64_t asid2 = vw_make_vspace(W, POOL, ROOT2);
	vw_make(W, OBJ_FRAME_1G, FR);
	vw_make(W, OBJ_FRAME_1G, FR + 1);
	frame_map(FR, ROOT, 0, RW, 0);
	frame_map(FR + 1, ROOT2, 0, RW, 0);
	/* A copy of a root is not its last cap: deleting it changes nothing. */
	struct lookup_fault fault;
	assert_int_equal(cnode_copy(vw_ref(W, COPY), vw_ref(W, ROOT), cap_rights_make(15), &fault),
			 ERR_OK);
	fake_arch_clear_flushes();
	vw_delete(W, COPY);
	vw_assert_flushes(0, 0);
	assert_non_null(asid_lookup(asid));
	/* The root's last cap: ASID invalid, flushed; the frame cap is stale. */
	vw_delete(W, ROOT);
	vw_assert_flushes(0, 1);
	vw_assert_flush(0, FAKE_FLUSH_ASID, asid, 0);
	assert_null(asid_lookup(asid));
	assert_true(cap_is_mapped(slot(FR)->cap));
	fake_arch_clear_flushes();
	assert_int_equal(vspace_frame_unmap(slot(FR)), ERR_OK);
	vw_assert_flushes(0, 0);
	/* The pool's last cap: every ASID in it invalid, each flushed. */
	vw_make(W, OBJ_PAGE_TABLE, PT);
	assert_int_equal(asid_pool_assign(slot(POOL), slot(PT)), ERR_OK);
	assert_int_equal(cap_mapped_asid(slot(PT)->cap), asid); /* reused */
	fake_arch_clear_flushes();
	vw_delete(W, POOL);
	vw_assert_flushes(0, 2);
	vw_assert_flush(0, FAKE_FLUSH_ASID, asid, 0);
	vw_assert_flush(1, FAKE_FLUSH_ASID, asid2, 0);
	assert_null(asid_lookup(asid2));
	assert_null(asid_pool_at(0));
	/* A root without an ASID cannot be used; it can be unmapped (cleared)
	 * and assigned again from a new pool. */
	vw_make(W, OBJ_FRAME_4K, FR + 2);
	vw_snapshot(W);
	assert_int_equal(vspace_frame_map(slot(FR + 2), slot(ROOT2), 0, R, 0, &fault),
			 ERR_FAILED_LOOKUP);
	assert_int_equal(fault.type, LOOKUP_FAULT_INVALID_ROOT);
	vw_assert_unchanged(W);
	vw_delete(W, FR + 1);
	assert_int_equal(vspace_page_table_unmap(slot(ROOT2)), ERR_OK);
	assert_false(cap_is_mapped(slot(ROOT2)->cap));
	vw_make_pool(W, POOL_HOME + 100, POOL + 100);
	assert_int_equal(asid_pool_assign(slot(POOL + 100), slot(ROOT2)), ERR_OK);
	assert_unmapped(ROOT2, 0);
	/* Deleting a stale page-table cap finds nothing to unmap. */
	vw_delete(W, PT);
	assert_null(vspace_check_invariants());
}

/* vspace_check_invariants finds each kind of corruption. */
static void test_invariants_detect(void **state)
{
	(void)state;
	vspace();
	vw_make(W, OBJ_PAGE_TABLE, PT);
	vw_make(W, OBJ_FRAME_4K, FR);
	pt_map(PT, ROOT, 0);
	struct pagetable *root = (struct pagetable *)vw_object_pa(W, ROOT);
	struct pagetable *table = (struct pagetable *)cap_ptr(slot(PT)->cap);
	assert_null(vspace_check_invariants());
	struct {
		struct pte *at;
		uint64_t word;
		const char *why;
	} cases[] = {
		{ &root->entry[3], 0x10, "an invalid entry is not zero" },
		{ &root->entry[3], (UINT64_C(1) << 60) | 0xdf,
		  "an entry uses reserved bits 63..54" },
		{ &root->entry[3], 0x80000000 >> 2 | 0xd7 | PTE_GLOBAL,
		  "a user leaf is not U+A+D, or is global" },
		{ &root->entry[3], 0x80000000 >> 2 | 0x97,
		  "a user leaf is not U+A+D, or is global" },
		{ &root->entry[3], 0x80000000 >> 2 | 0xd5,
		  "a user leaf is writable but not readable" },
		{ &root->entry[3], 0x80200000 >> 2 | 0xd7, "a superpage leaf is misaligned" },
		{ &root->entry[0], root->entry[0].word | PTE_USER,
		  "a table pointer with U/G/A/D set" },
		{ &table->entry[5], pte_new_table(0x1000).word | PTE_ACCESSED,
		  "a table pointer with U/G/A/D set" },
		{ &root->entry[256], 0, "the kernel half differs from the kernel root's" },
	};
	for (size_t i = 0; i < ARRAY_LENGTH(cases); i++) {
		struct pte saved = *cases[i].at;
		*cases[i].at = (struct pte){ cases[i].word };
		const char *why = vspace_check_invariants();
		assert_non_null(why);
		assert_string_equal(why, cases[i].why);
		*cases[i].at = saved;
	}
	/* A table pointer at level 0: build a second level first. */
	vw_make(W, OBJ_PAGE_TABLE, PT + 1);
	pt_map(PT + 1, ROOT, 0);
	struct pagetable *low = (struct pagetable *)cap_ptr(slot(PT + 1)->cap);
	low->entry[9] = pte_new_table(cap_ptr(slot(PT + 1)->cap));
	assert_string_equal(vspace_check_invariants(), "a table pointer at level 0");
	low->entry[9] = pte_invalid();
	/* ASID table corruption. */
	struct asid_pool *pool = (struct asid_pool *)cap_ptr(slot(POOL)->cap);
	pool->root[0] = vw_object_pa(W, ROOT);
	assert_string_equal(vspace_check_invariants(), "ASID 0 was assigned");
	pool->root[0] = 0;
	pool->root[9] = vw_object_pa(W, ROOT);
	assert_string_equal(vspace_check_invariants(), "one VSpace root holds two ASIDs");
	pool->root[9] = vw_object_pa(W, ROOT) + 8;
	assert_string_equal(vspace_check_invariants(), "a VSpace root is misaligned");
	pool->root[9] = 0;
	assert_null(vspace_check_invariants());
	/* Core contracts: asid_delete of an ASID that is not that root's. */
	expect_core_assert(asid_delete(5, root));
	expect_core_assert(vspace_finalise_frame(slot(PT)->cap));
	expect_core_assert(vspace_finalise_page_table(slot(FR)->cap));
	/* The mapping state machine refuses illegal changes. */
	frame_map(FR, ROOT, 0x3000, CAP_RIGHT_READ, 0);
	expect_core_assert(vspace_set_mapping(slot(FR), MAPPING_MAPPED, 1, 0x4000)); /* moved */
	expect_core_assert(vspace_set_mapping(slot(POOL), MAPPING_UNMAPPED, 0, 0));
	assert_int_equal(vspace_frame_unmap(slot(FR)), ERR_OK);
	expect_core_assert(vspace_set_mapping(slot(FR), MAPPING_UNMAPPED, 0, 0));
	assert_int_equal(vspace_mapping_state(slot(FR)->cap), MAPPING_UNMAPPED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pte_known_answers),
		cmocka_unit_test(test_walker_known_answers),
		cmocka_unit_test_setup_teardown(test_page_table_map, vw_setup, vw_teardown),
		cmocka_unit_test_setup_teardown(test_page_table_unmap, vw_setup, vw_teardown),
		cmocka_unit_test_setup_teardown(test_frame_map_sizes, vw_setup, vw_teardown),
		cmocka_unit_test_setup_teardown(test_frame_map_errors, vw_setup, vw_teardown),
		cmocka_unit_test_setup_teardown(test_remap_and_unmap, vw_setup, vw_teardown),
		cmocka_unit_test_setup_teardown(test_kernel_only_mapping, vw_setup, vw_teardown),
		cmocka_unit_test_setup_teardown(test_delete_root_and_pool, vw_setup, vw_teardown),
		cmocka_unit_test_setup_teardown(test_invariants_detect, vw_setup, vw_teardown),
	};
	return cmocka_run_group_tests_name("vspace", tests, NULL, NULL);
}
