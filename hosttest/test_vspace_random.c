/* SPDX-License-Identifier: MIT */
/*
 * The randomized VSpace test: VSPACE_RANDOM_STEPS seeded random operations
 * (create objects from untyped, copy/delete/revoke caps, make and delete ASID
 * pools, assign roots, map/unmap page tables, map/remap/unmap 4 KiB, 2 MiB
 * and 1 GiB frames, with good and bad arguments) on core/ and on a simple
 * model of what each should do: which ASIDs hold which root, which tables
 * sit where, and a dictionary (ASID, level, vaddr) -> (frame, write, execute).
 *
 * After every step: the error matches the model's; the flushes asked for
 * are exactly the model's; the independent walker (vspace_world.c) agrees
 * with the model on every candidate address of every ASID; every
 * translation that vanished or changed was covered by a flush; a full scan
 * of every VSpace checks that no table is reachable twice and that every
 * reachable leaf belongs to a live frame cap mapped there; every cap slot
 * matches the model; and vspace_check_invariants() holds. The seed is KESTREL_TEST_SEED (see
 * seed.h) and is printed; a failure names the step.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "asid.h"
#include "fake_arch.h"
#include "mdb.h"
#include "object.h"
#include "seed.h"
#include "untyped.h"
#include "vspace.h"
#include "vspace_world.h"

#define STEPS 50000

enum kind { K_PT, K_F4K, K_F2M, K_F1G, K_POOL };
#define N_PT 16
#define N_F4K 8
#define N_F2M 3
#define N_F1G 3
#define N_POOL 2
#define N_OBJ (N_PT + N_F4K + N_F2M + N_F1G + N_POOL)
#define N_CAPS 3
#define FIRST_HOME 100
#define MAX_ASID (2 * (int)ASID_POOL_ENTRIES)
#define MAX_LEAVES 64
#define N_CAND 32 /* candidate pages per ASID */

struct mcap {
	bool live;
	bool mapped; /* frames: this cap's own mapping */
	uint64_t asid, va;
	unsigned rights;
};

struct mobj {
	enum kind kind;
	uint64_t home; /* slot of its untyped; caps in home+1.. */
	uintptr_t base;
	struct mcap cap[N_CAPS];
	int original; /* cap index of the retyped cap, or -1 */
	/* Page tables (shared by every cap): */
	bool mapped, placed; /* placed: reachable at (asid, level, va) */
	uint64_t asid, va;
	unsigned level; /* the table's own level: 2 for a root */
	/* Pools: */
	uint64_t high;
};

struct mleaf {
	bool used;
	uint64_t asid, va;
	unsigned level;
	int frame;
	bool r, w, x;
};

struct expected_flush {
	int kind;
	uint64_t asid, va;
	uint64_t harts;
};

static struct mobj obj[N_OBJ];
static int asid_root[MAX_ASID];          /* object index of each ASID's root, or -1 */
static uint64_t asid_hart_set[MAX_ASID]; /* harts that ran it (asid_activate) */
static int pool_at_high[2];              /* object index of each pool, or -1 */
static struct mleaf leaves[MAX_LEAVES];
static struct expected_flush expect[FAKE_FLUSH_LOG];
static unsigned expect_count;
static struct seed_rng rng;
static unsigned long step;
/* Successful operations by kind, printed so a run shows what it reached. */
enum {
	S_ASSIGN,
	S_PT_MAP,
	S_PT_UNMAP,
	S_MAP,
	S_REMAP,
	S_UNMAP,
	S_POOL_DELETE,
	S_ACTIVATE,
	S_COUNT
};
static unsigned long stats[S_COUNT];
static unsigned long maps_by_level[PAGETABLE_LEVELS]; /* new mappings of 4K/2M/1G */

/* What each candidate address translated to before the step (0: fault). */
struct seen {
	uint64_t pa, bits, leaf_va, leaf_bytes;
};
static struct seen before[MAX_ASID][N_CAND];
static bool before_valid[MAX_ASID];

#define CHECK(cond) seed_check(&rng, step, cond)

static uint64_t cap_slot(int o, int c)
{
	return obj[o].home + 1 + (uint64_t)c;
}

static struct cte *slot_of(int o, int c)
{
	return vw_slot(W, cap_slot(o, c));
}

static unsigned frame_level(enum kind k)
{
	return k == K_F4K ? 0 : k == K_F2M ? 1 : 2;
}

static bool is_frame(enum kind k)
{
	return k == K_F4K || k == K_F2M || k == K_F1G;
}

static unsigned live_caps(int o)
{
	unsigned n = 0;
	for (int c = 0; c < N_CAPS; c++)
		n += obj[o].cap[c].live;
	return n;
}

static void expect_flush(int kind, uint64_t asid, uint64_t va)
{
	CHECK(expect_count < FAKE_FLUSH_LOG && asid < MAX_ASID);
	expect[expect_count++] = (struct expected_flush){ kind, asid, va, asid_hart_set[asid] };
}

/* ---- The model's VSpace structure. ---- */

static int find_table(uint64_t asid, unsigned level, uint64_t va)
{
	uint64_t region = va & ~(pagetable_entry_bytes(level + 1) - 1);
	for (int o = 0; o < N_PT; o++)
		if (obj[o].placed && obj[o].asid == asid && obj[o].level == level &&
		    obj[o].va == region)
			return o;
	return -1;
}

static struct mleaf *find_leaf(uint64_t asid, unsigned level, uint64_t va)
{
	uint64_t base = va & ~(pagetable_entry_bytes(level) - 1);
	for (int i = 0; i < MAX_LEAVES; i++)
		if (leaves[i].used && leaves[i].asid == asid && leaves[i].level == level &&
		    leaves[i].va == base)
			return &leaves[i];
	return NULL;
}

/* Where a walk for va stops (vspace.c's lookup, from the model). */
static unsigned stop_level(uint64_t asid, uint64_t va)
{
	if (find_table(asid, 1, va) < 0)
		return 2;
	if (find_table(asid, 0, va) < 0)
		return 1;
	return 0;
}

/* Remove everything of asid inside [base, base + bytes) at levels <= level. */
static void remove_region(uint64_t asid, uint64_t base, uint64_t bytes, unsigned level)
{
	for (int o = 0; o < N_PT; o++)
		if (obj[o].placed && obj[o].asid == asid && obj[o].level < level &&
		    obj[o].va - base < bytes)
			obj[o].placed = false;
	for (int i = 0; i < MAX_LEAVES; i++)
		if (leaves[i].used && leaves[i].asid == asid && leaves[i].level <= level &&
		    leaves[i].va - base < bytes)
			leaves[i].used = false;
}

static void remove_table(int t)
{
	obj[t].placed = false;
	remove_region(obj[t].asid, obj[t].va, pagetable_entry_bytes(obj[t].level + 1),
		      obj[t].level);
	expect_flush(FAKE_FLUSH_ASID, obj[t].asid, 0);
}

static void remove_asid(uint64_t asid)
{
	asid_root[asid] = -1;
	remove_region(asid, 0, UINT64_MAX, 3);
	expect_flush(FAKE_FLUSH_ASID, asid, 0); /* on every hart that ran it */
	asid_hart_set[asid] = 0;
}

static void frame_cap_unmapped(int f, int c)
{
	struct mcap *cap = &obj[f].cap[c];
	if (!cap->mapped)
		return;
	struct mleaf *leaf = find_leaf(cap->asid, frame_level(obj[f].kind), cap->va);
	if (leaf && leaf->frame == f) {
		leaf->used = false;
		expect_flush(FAKE_FLUSH_PAGE, cap->asid, cap->va);
	}
	cap->mapped = false;
}

/* A cap leaves its slot (object_finalise in the model). */
static void model_delete(int o, int c)
{
	struct mobj *m = &obj[o];
	if (!m->cap[c].live)
		return;
	bool final = live_caps(o) == 1;
	if (is_frame(m->kind))
		frame_cap_unmapped(o, c);
	if (m->kind == K_PT && final && m->mapped) {
		if (asid_root[m->asid] == o)
			remove_asid(m->asid);
		else if (m->placed)
			remove_table(o);
		m->mapped = m->placed = false;
	}
	if (m->kind == K_POOL && final) {
		for (uint64_t low = 0; low < ASID_POOL_ENTRIES; low++) {
			uint64_t asid = m->high * ASID_POOL_ENTRIES + low;
			if (asid_root[asid] >= 0)
				remove_asid(asid);
		}
		pool_at_high[m->high] = -1;
		stats[S_POOL_DELETE]++;
	}
	m->cap[c].live = false;
	m->cap[c].mapped = false;
	if (m->original == c)
		m->original = -1;
}

/* ---- The operations: predict, run, compare. ---- */

static enum cap_type type_of(int o, int c)
{
	if (!obj[o].cap[c].live)
		return CAP_NULL;
	switch (obj[o].kind) {
	case K_PT: return CAP_PAGE_TABLE;
	case K_F4K:
	case K_F2M:
	case K_F1G: return CAP_FRAME;
	case K_POOL: return CAP_ASID_POOL;
	}
	return CAP_NULL;
}

static enum error predict_vspace(int v, int vc, uint64_t *asid)
{
	if (type_of(v, vc) != CAP_PAGE_TABLE || !obj[v].mapped)
		return ERR_INVALID_CAPABILITY;
	*asid = obj[v].asid;
	if (asid_root[*asid] < 0)
		return ERR_FAILED_LOOKUP;
	if (asid_root[*asid] != v)
		return ERR_INVALID_CAPABILITY;
	return ERR_OK;
}

static void op_create(int o)
{
	struct mobj *m = &obj[o];
	if (live_caps(o) != 0)
		return;
	enum error err;
	if (m->kind == K_POOL) {
		err = asid_control_make_pool(vw_slot(W, VW_ASID_CONTROL_SLOT), vw_slot(W, m->home),
					     slot_of(o, 0));
		m->high = pool_at_high[0] < 0 ? 0 : 1;
		CHECK(pool_at_high[m->high] < 0);
		pool_at_high[m->high] = o;
		CHECK(err == ERR_OK && cap_asid_base(slot_of(o, 0)->cap) == m->high
										<< ASID_LOW_BITS);
	} else {
		static const uint64_t types[] = { OBJ_PAGE_TABLE, OBJ_FRAME_4K, OBJ_FRAME_2M,
						  OBJ_FRAME_1G };
		err = vw_retype(W, m->home, types[m->kind], 0, cap_slot(o, 0), 1);
		CHECK(err == ERR_OK && cap_ptr(slot_of(o, 0)->cap) == m->base);
	}
	m->cap[0] = (struct mcap){ .live = true, .rights = CAP_RIGHT_READ | CAP_RIGHT_WRITE };
	m->original = 0;
	m->mapped = m->placed = false;
}

static void op_copy(int o, int src, int dest, unsigned mask)
{
	struct mobj *m = &obj[o];
	if (!m->cap[src].live || m->cap[dest].live)
		return;
	struct lookup_fault fault;
	enum error err = cnode_copy(vw_ref(W, cap_slot(o, dest)), vw_ref(W, cap_slot(o, src)),
				    cap_rights_make(mask), &fault);
	if (m->kind == K_PT && !m->mapped) {
		CHECK(err == ERR_ILLEGAL_OPERATION);
		return;
	}
	CHECK(err == ERR_OK);
	unsigned rights = m->cap[src].rights & mask;
	if (!(rights & CAP_RIGHT_READ))
		rights = 0;
	m->cap[dest] = (struct mcap){ .live = true, .rights = is_frame(m->kind) ? rights : 0 };
}

static void op_delete(int o, int c)
{
	model_delete(o, c);
	vw_delete(W, cap_slot(o, c));
}

static void op_revoke(int o, int c)
{
	if (obj[o].cap[c].live && obj[o].original == c)
		for (int d = 0; d < N_CAPS; d++)
			if (d != c)
				model_delete(o, d);
	vw_revoke(W, cap_slot(o, c));
}

static void op_assign(int p, int pc, int t, int tc)
{
	enum error want = ERR_OK;
	uint64_t asid = 0;
	if (type_of(p, pc) != CAP_ASID_POOL)
		want = ERR_INVALID_CAPABILITY;
	else if (type_of(t, tc) != CAP_PAGE_TABLE || obj[t].mapped)
		want = ERR_INVALID_CAPABILITY;
	else {
		uint64_t low = obj[p].high == 0 ? 1 : 0;
		while (asid_root[obj[p].high * ASID_POOL_ENTRIES + low] >= 0)
			low++; /* never full: at most N_PT roots */
		asid = obj[p].high * ASID_POOL_ENTRIES + low;
	}
	enum error err = asid_pool_assign(slot_of(p, pc), slot_of(t, tc));
	CHECK(err == want);
	if (want != ERR_OK)
		return;
	stats[S_ASSIGN]++;
	asid_root[asid] = t;
	obj[t].mapped = true;
	obj[t].asid = asid;
	obj[t].va = 0;
	obj[t].level = 2;
	CHECK(cap_mapped_asid(slot_of(t, tc)->cap) == asid);
}

static void op_pt_map(int t, int tc, int v, int vc, uint64_t va)
{
	enum error want;
	uint64_t asid = 0;
	unsigned level = 0;
	if (type_of(t, tc) != CAP_PAGE_TABLE || obj[t].mapped)
		want = ERR_INVALID_CAPABILITY;
	else if ((want = predict_vspace(v, vc, &asid)) != ERR_OK) {
		/* the VSpace cap is bad: want says how */
	} else if (va >= VSPACE_USER_TOP)
		want = ERR_INVALID_ARGUMENT;
	else {
		level = stop_level(asid, va);
		if (level == 0 || find_leaf(asid, level, va))
			want = ERR_DELETE_FIRST;
	}
	struct lookup_fault fault;
	enum error err = vspace_page_table_map(slot_of(t, tc), slot_of(v, vc), va, &fault);
	CHECK(err == want);
	if (want != ERR_OK)
		return;
	struct mobj *m = &obj[t];
	stats[S_PT_MAP]++;
	m->mapped = m->placed = true;
	m->asid = asid;
	m->level = level - 1;
	m->va = va & ~(pagetable_entry_bytes(level) - 1);
	expect_flush(FAKE_FLUSH_ASID, asid, 0);
}

static void op_pt_unmap(int t, int tc)
{
	enum error want = ERR_OK;
	struct mobj *m = &obj[t];
	if (type_of(t, tc) != CAP_PAGE_TABLE)
		want = ERR_INVALID_CAPABILITY;
	else if (live_caps(t) > 1)
		want = ERR_REVOKE_FIRST;
	else if (m->mapped && asid_root[m->asid] == t)
		want = ERR_REVOKE_FIRST;
	enum error err = vspace_page_table_unmap(slot_of(t, tc));
	CHECK(err == want);
	if (want != ERR_OK || !m->mapped)
		return;
	if (m->placed)
		remove_table(t);
	stats[S_PT_UNMAP]++;
	m->mapped = m->placed = false;
}

static void op_frame_map(int f, int fc, int v, int vc, uint64_t va, uint64_t rights, uint64_t attr)
{
	enum error want;
	uint64_t asid = 0;
	struct mobj *m = &obj[f];
	struct mcap *cap = &m->cap[fc];
	unsigned level = is_frame(m->kind) ? frame_level(m->kind) : 0;
	uint64_t bytes = pagetable_entry_bytes(level);
	unsigned granted = (unsigned)rights & cap->rights;
	struct mleaf *leaf = NULL;
	if (type_of(f, fc) != CAP_FRAME)
		want = ERR_INVALID_CAPABILITY;
	else if ((want = predict_vspace(v, vc, &asid)) != ERR_OK) {
		/* the VSpace cap is bad: want says how */
	} else if (va >= VSPACE_USER_TOP || bytes > VSPACE_USER_TOP - va)
		want = ERR_INVALID_ARGUMENT;
	else if (va & (bytes - 1))
		want = ERR_ALIGNMENT;
	else if ((rights & ~3u) || (attr & ~1u))
		want = ERR_INVALID_ARGUMENT;
	else if (cap->mapped && cap->asid != asid)
		want = ERR_INVALID_CAPABILITY;
	else if (cap->mapped && cap->va != va)
		want = ERR_INVALID_ARGUMENT;
	else if (stop_level(asid, va) != level)
		want = ERR_FAILED_LOOKUP;
	else {
		leaf = find_leaf(asid, level, va);
		if (cap->mapped && !(leaf && leaf->frame == f))
			want = ERR_ILLEGAL_OPERATION;
		else if (!cap->mapped && leaf)
			want = ERR_DELETE_FIRST;
	}
	struct lookup_fault fault;
	enum error err = vspace_frame_map(slot_of(f, fc), slot_of(v, vc), va, rights, attr, &fault);
	CHECK(err == want);
	if (want == ERR_FAILED_LOOKUP && fault.type == LOOKUP_FAULT_MISSING_CAPABILITY)
		CHECK(fault.bits_left == PAGE_SHIFT + 9 * stop_level(asid, va));
	if (want != ERR_OK)
		return;
	stats[cap->mapped ? S_REMAP : S_MAP]++;
	maps_by_level[level] += !cap->mapped;
	cap->mapped = true;
	cap->asid = asid;
	cap->va = va;
	expect_flush(FAKE_FLUSH_PAGE, asid, va);
	/* Without read the mapping is kernel-only (seL4): execute-only, or
	 * no entry at all when not executable. */
	if (!(granted & CAP_RIGHT_READ))
		granted = 0;
	if (granted == 0 && (attr & VM_ATTR_EXECUTE_NEVER)) {
		if (leaf != NULL)
			leaf->used = false;
		return;
	}
	if (leaf == NULL) {
		for (int i = 0; i < MAX_LEAVES && leaf == NULL; i++)
			if (!leaves[i].used)
				leaf = &leaves[i];
		CHECK(leaf != NULL);
	}
	*leaf = (struct mleaf){ .used = true,
				.asid = asid,
				.va = va,
				.level = level,
				.frame = f,
				.r = granted & CAP_RIGHT_READ,
				.w = granted & CAP_RIGHT_WRITE,
				.x = !(attr & VM_ATTR_EXECUTE_NEVER) };
}

static void op_frame_unmap(int f, int fc)
{
	enum error want = type_of(f, fc) == CAP_FRAME ? ERR_OK : ERR_INVALID_CAPABILITY;
	enum error err = vspace_frame_unmap(slot_of(f, fc));
	CHECK(err == want);
	if (want == ERR_OK && obj[f].cap[fc].mapped)
		stats[S_UNMAP]++;
	if (want == ERR_OK)
		frame_cap_unmapped(f, fc);
}

/* ---- Checks. ---- */

static uint64_t candidate(int i)
{
	/* Root entries 0..1, level-1 entries 0..1, level-0 entries 0..7, plus
	 * an offset inside the page. */
	uint64_t r = (uint64_t)i >> 4, a = ((uint64_t)i >> 3) & 1, b = (uint64_t)i & 7;
	return (r << 30) | (a << 21) | (b << 12) | 0x5a8;
}

static const struct mleaf *model_translate(uint64_t asid, uint64_t va)
{
	for (unsigned level = 0; level < 3; level++) {
		const struct mleaf *leaf = find_leaf(asid, level, va);
		if (leaf)
			return leaf;
	}
	return NULL;
}

static bool flushed(uint64_t asid, uint64_t leaf_va, uint64_t leaf_bytes)
{
	for (unsigned i = 0; i < fake_arch.flush_count; i++) {
		const struct fake_flush *f = &fake_arch.flushes[i];
		if (f->asid != asid)
			continue;
		if (f->kind == FAKE_FLUSH_ASID)
			return true;
		if (f->va - leaf_va < leaf_bytes)
			return true;
	}
	return false;
}

static int flush_compare(const void *a, const void *b)
{
	const struct expected_flush *x = a, *y = b;
	if (x->kind != y->kind)
		return x->kind - y->kind;
	if (x->asid != y->asid)
		return x->asid < y->asid ? -1 : 1;
	if (x->harts != y->harts)
		return x->harts < y->harts ? -1 : 1;
	return x->va < y->va ? -1 : x->va > y->va;
}

static void check_flushes(void)
{
	CHECK(fake_arch.flush_count == expect_count);
	struct expected_flush got[FAKE_FLUSH_LOG];
	for (unsigned i = 0; i < expect_count; i++)
		got[i] =
		    (struct expected_flush){ (int)fake_arch.flushes[i].kind,
					     fake_arch.flushes[i].asid, fake_arch.flushes[i].va,
					     fake_arch.flushes[i].harts };
	qsort(got, expect_count, sizeof(got[0]), flush_compare);
	qsort(expect, expect_count, sizeof(expect[0]), flush_compare);
	for (unsigned i = 0; i < expect_count; i++)
		CHECK(flush_compare(&got[i], &expect[i]) == 0);
}

/* Walker vs model on every candidate of every ASID, and the flush rule. */
static void check_translations(void)
{
	for (uint64_t asid = 0; asid < MAX_ASID; asid++) {
		int root = asid_root[asid];
		CHECK(asid_lookup(asid) == (root < 0 ? NULL : (void *)obj[root].base));
		CHECK(asid_harts(asid) == asid_hart_set[asid]);
		if (root < 0) {
			/* Gone (or never there): every old translation was flushed. */
			if (before_valid[asid])
				for (int i = 0; i < N_CAND; i++)
					if (before[asid][i].bits)
						CHECK(flushed(asid, before[asid][i].leaf_va,
							      before[asid][i].leaf_bytes));
			before_valid[asid] = false;
			continue;
		}
		for (int i = 0; i < N_CAND; i++) {
			uint64_t va = candidate(i);
			const struct mleaf *leaf = model_translate(asid, va);
			/* An execute-only leaf is walked as an instruction fetch. */
			enum walk_access how = leaf != NULL && !leaf->r ? WALK_EXECUTE : WALK_READ;
			struct walk_result r = walk(obj[root].base, va, how, true);
			struct seen now = { 0 };
			CHECK(r.fault == (leaf == NULL));
			if (leaf) {
				uint64_t bytes = pagetable_entry_bytes(leaf->level);
				CHECK(r.level == leaf->level);
				CHECK(r.pa == obj[leaf->frame].base + (va - leaf->va));
				CHECK(((r.pte & PTE_READ) != 0) == leaf->r);
				CHECK(((r.pte & PTE_WRITE) != 0) == leaf->w);
				CHECK(((r.pte & PTE_EXECUTE) != 0) == leaf->x);
				now = (struct seen){ r.pa, r.pte & 0xff, leaf->va, bytes };
			}
			struct seen *old = &before[asid][i];
			if (before_valid[asid] && old->bits &&
			    (old->pa != now.pa || old->bits != now.bits))
				CHECK(flushed(asid, old->leaf_va, old->leaf_bytes));
			*old = now;
		}
		before_valid[asid] = true;
	}
}

/* Every VSpace scanned whole: tables reachable once, leaves all modelled. */
static uintptr_t seen_tables[4 * N_PT];
static unsigned seen_table_count, seen_leaf_count;

static void scan_table(uint64_t asid, uintptr_t table, unsigned level, uint64_t va_base)
{
	for (unsigned i = 0; i < seen_table_count; i++)
		CHECK(seen_tables[i] != table); /* no table reachable twice */
	CHECK(seen_table_count < ARRAY_LENGTH(seen_tables));
	seen_tables[seen_table_count++] = table;
	const uint64_t *e = (const uint64_t *)table;
	unsigned end = level == 2 ? 256 : 512; /* the root's upper half is the kernel's */
	for (unsigned i = 0; i < end; i++) {
		if (!(e[i] & PTE_VALID))
			continue;
		uint64_t va = va_base + i * pagetable_entry_bytes(level);
		uint64_t pa = ((e[i] >> 10) & ((UINT64_C(1) << 44) - 1)) << 12;
		if (!(e[i] & (PTE_READ | PTE_WRITE | PTE_EXECUTE))) {
			int t = find_table(asid, level - 1, va);
			CHECK(t >= 0 && obj[t].base == pa);
			scan_table(asid, (uintptr_t)pa, level - 1, va);
			continue;
		}
		const struct mleaf *leaf = find_leaf(asid, level, va);
		CHECK(leaf != NULL && obj[leaf->frame].base == pa);
		/* Owned by a live cap of that frame mapped exactly there. */
		bool owned = false;
		for (int c = 0; c < N_CAPS; c++) {
			const struct mcap *cap = &obj[leaf->frame].cap[c];
			owned |= cap->live && cap->mapped && cap->asid == asid && cap->va == va;
			if (cap->live && cap->mapped && cap->asid == asid && cap->va == va)
				CHECK(cap_is_mapped(slot_of(leaf->frame, c)->cap));
		}
		CHECK(owned);
		seen_leaf_count++;
	}
}

static void full_scan(void)
{
	seen_table_count = seen_leaf_count = 0;
	unsigned model_leaves = 0;
	for (uint64_t asid = 0; asid < MAX_ASID; asid++)
		if (asid_root[asid] >= 0)
			scan_table(asid, obj[asid_root[asid]].base, 2, 0);
	for (int i = 0; i < MAX_LEAVES; i++)
		model_leaves += leaves[i].used;
	CHECK(seen_leaf_count == model_leaves);
	const char *why = vspace_check_invariants();
	if (why)
		fail_msg("step %lu: %s (replay with " SEED_ENV "=%" PRIu64 ")", step, why,
			 rng.seed);
	/* Every cap's slot agrees with the model. */
	for (int o = 0; o < N_OBJ; o++)
		for (int c = 0; c < N_CAPS; c++) {
			struct cap cap = slot_of(o, c)->cap;
			CHECK(cap_type(cap) == type_of(o, c));
			if (obj[o].cap[c].live && is_frame(obj[o].kind)) {
				CHECK(cap_is_mapped(cap) == obj[o].cap[c].mapped);
				CHECK(cap_rights(cap).bits == obj[o].cap[c].rights);
			}
			if (obj[o].cap[c].live && obj[o].kind == K_PT)
				CHECK(cap_is_mapped(cap) == obj[o].mapped);
		}
}

/* ---- The driver. ---- */

static int pick(int first, int count)
{
	return first + (int)seed_below(&rng, (uint64_t)count);
}

static int pick_pt(void)
{
	return pick(0, N_PT);
}

static int pick_frame(void)
{
	return pick(N_PT, N_F4K + N_F2M + N_F1G);
}

static int pick_cap(int o)
{
	/* Prefer a live cap. */
	for (int tries = 0; tries < 3; tries++) {
		int c = pick(0, N_CAPS);
		if (obj[o].cap[c].live)
			return c;
	}
	return pick(0, N_CAPS);
}

/* A VSpace root cap most of the time; anything else sometimes. */
static void pick_vspace(int *v, int *vc)
{
	if (seed_below(&rng, 10) < 9) {
		int live[MAX_ASID], n = 0;
		for (int a = 0; a < MAX_ASID; a++)
			if (asid_root[a] >= 0)
				live[n++] = asid_root[a];
		if (n > 0) {
			*v = live[seed_below(&rng, (uint64_t)n)];
			*vc = pick_cap(*v);
			for (int c = 0; c < N_CAPS && seed_below(&rng, 8); c++)
				if (obj[*v].cap[c].live)
					*vc = c;
			return;
		}
	}
	*v = pick(0, N_OBJ);
	*vc = pick_cap(*v);
}

static uint64_t pick_va(unsigned align_level)
{
	uint64_t r = seed_below(&rng, 100);
	if (r < 4) {
		static const uint64_t bad[] = { VSPACE_USER_TOP, 0xffffffc000000000ull,
						UINT64_C(1) << 39, VSPACE_USER_TOP - PAGE_BYTES };
		return bad[seed_below(&rng, ARRAY_LENGTH(bad))];
	}
	uint64_t va = candidate(pick(0, N_CAND)) & ~(PAGE_BYTES - 1);
	if (r < 10)
		return va; /* maybe misaligned for a superpage */
	return va & ~(pagetable_entry_bytes(align_level) - 1);
}

/* A hart is about to run an address space (threads of one VSpace run on
 * several harts): its flushes must reach that hart from now on. */
static void op_activate(uint64_t asid, unsigned hart)
{
	/* Mostly a live one: the next live ASID from a random start. */
	bool find_live = seed_below(&rng, 4) != 0;
	for (uint64_t i = 0; find_live && i < MAX_ASID && asid < MAX_ASID && asid_root[asid] < 0;
	     i++)
		asid = (asid + 1) % MAX_ASID;
	asid_activate(asid, hart);
	if (asid < MAX_ASID && asid_root[asid] >= 0) {
		asid_hart_set[asid] |= UINT64_C(1) << hart;
		stats[S_ACTIVATE]++;
	}
}

static void one_step(void)
{
	if (seed_below(&rng, 8) == 0)
		op_activate(seed_below(&rng, MAX_ASID + 2),
			    (unsigned)seed_below(&rng, CONFIG_MAX_HARTS));
	uint64_t what = seed_below(&rng, 100);
	if (what < 8) {
		int dead[N_OBJ], n = 0;
		for (int o = 0; o < N_OBJ; o++)
			if (live_caps(o) == 0)
				dead[n++] = o;
		if (n > 0)
			op_create(dead[seed_below(&rng, (uint64_t)n)]);
	} else if (what < 16) {
		int o = pick(0, N_OBJ);
		static const unsigned masks[] = { CAP_RIGHTS_ALL, CAP_RIGHT_READ, CAP_RIGHT_WRITE };
		unsigned m = seed_below(&rng, 16);
		op_copy(o, pick_cap(o), pick(0, N_CAPS), masks[m < 10 ? 0 : m < 15 ? 1 : 2]);
	} else if (what < 21) {
		int o = pick(0, N_PT + N_F4K + N_F2M + N_F1G);
		op_delete(o, pick_cap(o));
	} else if (what < 23) {
		int o = pick(0, N_OBJ);
		op_revoke(o, pick_cap(o));
	} else if (what < 24) {
		/* Pools rarely: they take every ASID with them. */
		if (seed_below(&rng, 4) == 0) {
			int o = pick(N_OBJ - N_POOL, N_POOL);
			op_delete(o, pick_cap(o));
		}
	} else if (what < 30) {
		int roots = 0;
		for (int a = 0; a < MAX_ASID; a++)
			roots += asid_root[a] >= 0;
		/* Few VSpaces, so that the tables go deep in each. */
		if (roots < 2 || seed_below(&rng, 16) == 0) {
			int p = seed_below(&rng, 8) ? pick(N_OBJ - N_POOL, N_POOL) : pick(0, N_OBJ);
			int t = pick_pt();
			op_assign(p, pick_cap(p), t, pick_cap(t));
		}
	} else if (what < 50) {
		int t = pick_pt(), v, vc;
		for (int tries = 0; tries < 8 && obj[t].mapped; tries++)
			t = pick_pt(); /* mostly a table that can map */
		pick_vspace(&v, &vc);
		op_pt_map(t, pick_cap(t), v, vc, pick_va(0));
	} else if (what < 53) {
		int t = seed_below(&rng, 8) ? pick_pt() : pick(0, N_OBJ);
		/* Mostly a stale table (mapped, unreachable): they pile up. */
		for (int tries = 0; tries < 8 && t < N_PT && (!obj[t].mapped || obj[t].placed);
		     tries++)
			t = pick_pt();
		op_pt_unmap(t, pick_cap(t));
	} else if (what < 90) {
		int f = seed_below(&rng, 16) ? pick_frame() : pick(0, N_OBJ), v, vc;
		for (int tries = 0; tries < 4 && live_caps(f) == 0; tries++)
			f = pick_frame();
		pick_vspace(&v, &vc);
		unsigned level = is_frame(obj[f].kind) ? frame_level(obj[f].kind) : 0;
		uint64_t rights =
		    seed_below(&rng, 20) ? 1 + 2 * seed_below(&rng, 2) : seed_below(&rng, 16);
		uint64_t attr = seed_below(&rng, 20) ? seed_below(&rng, 2) : seed_below(&rng, 4);
		int fc = pick_cap(f);
		for (int c = 0; c < N_CAPS && seed_below(&rng, 16); c++)
			if (obj[f].cap[c].live && !obj[f].cap[c].mapped)
				fc = c; /* mostly a cap that can map */
		/* Remaps: the cap's own place, half the time. */
		uint64_t va = pick_va(level);
		if (obj[f].cap[fc].mapped && seed_below(&rng, 2))
			va = obj[f].cap[fc].va;
		op_frame_map(f, fc, v, vc, va, rights, attr);
	} else {
		int f = seed_below(&rng, 16) ? pick_frame() : pick(0, N_OBJ);
		op_frame_unmap(f, pick_cap(f));
	}
}

static void setup_world(void)
{
	W = vw_new();
	memset(obj, 0, sizeof(obj));
	memset(leaves, 0, sizeof(leaves));
	memset(before_valid, 0, sizeof(before_valid));
	for (int a = 0; a < MAX_ASID; a++)
		asid_root[a] = -1;
	pool_at_high[0] = pool_at_high[1] = -1;
	int o = 0;
	struct {
		enum kind kind;
		int count;
		uint64_t ut;
		unsigned bits;
	} kinds[] = {
		{ K_F2M, N_F2M, VW_DEVICE_SLOT, 21 }, { K_F1G, N_F1G, VW_DEVICE_SLOT, 30 },
		{ K_PT, N_PT, VW_MEM_SLOT, 12 },      { K_F4K, N_F4K, VW_MEM_SLOT, 12 },
		{ K_POOL, N_POOL, VW_MEM_SLOT, 12 },
	};
	/* Page tables first in obj[] (find_table scans 0..N_PT). */
	int order[] = { 2, 3, 0, 1, 4 };
	for (size_t k = 0; k < ARRAY_LENGTH(order); k++) {
		for (int i = 0; i < kinds[order[k]].count; i++, o++) {
			obj[o].kind = kinds[order[k]].kind;
			obj[o].home = FIRST_HOME + (uint64_t)o * (N_CAPS + 1);
			obj[o].original = -1;
			assert_int_equal(vw_retype(W, kinds[order[k]].ut, OBJ_UNTYPED,
						   kinds[order[k]].bits, obj[o].home, 1),
					 ERR_OK);
			obj[o].base = cap_ptr(vw_slot(W, obj[o].home)->cap);
		}
	}
	assert_int_equal(o, N_OBJ);
}

static void test_vspace_random(void **state)
{
	(void)state;
	rng = seed_from_env("vspace_random");
	setup_world();
	unsigned long steps = STEPS;
	const char *env = getenv("VSPACE_RANDOM_STEPS");
	if (env && *env)
		steps = strtoul(env, NULL, 0);
	memset(stats, 0, sizeof(stats));
	memset(maps_by_level, 0, sizeof(maps_by_level));
	for (step = 0; step < steps; step++) {
		fake_arch_clear_flushes();
		expect_count = 0;
		one_step();
		check_flushes();
		check_translations();
		full_scan();
	}
	full_scan();
	print_message("# vspace_random: %lu operations; succeeded: %lu assign, %lu table map, "
		      "%lu table unmap, %lu map (%lu 4K, %lu 2M, %lu 1G), %lu remap, %lu unmap, "
		      "%lu pool delete, %lu activations of live ASIDs\n",
		      steps, stats[S_ASSIGN], stats[S_PT_MAP], stats[S_PT_UNMAP], stats[S_MAP],
		      maps_by_level[0], maps_by_level[1], maps_by_level[2], stats[S_REMAP],
		      stats[S_UNMAP], stats[S_POOL_DELETE], stats[S_ACTIVATE]);
	/* The run must have reached the interesting states. */
	CHECK(stats[S_MAP] > steps / 50 && stats[S_REMAP] > 0 && stats[S_PT_UNMAP] > 0 &&
	      stats[S_POOL_DELETE] > 0);
	CHECK(maps_by_level[0] > 0 && maps_by_level[1] > 0 && maps_by_level[2] > 0);
	vw_free(W);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vspace_random),
	};
	return cmocka_run_group_tests_name("vspace_random", tests, NULL, NULL);
}
