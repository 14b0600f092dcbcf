/* SPDX-License-Identifier: MIT */
/* The CSpace test world; see cspace_world.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cspace_world.h"
#include "mdb.h"

void world_init(struct world *w, unsigned mem_bits)
{
	memset(w, 0, sizeof(*w));
	w->mem_bits = mem_bits;
	w->mem = aligned_alloc((size_t)1 << mem_bits, (size_t)1 << mem_bits);
	assert_non_null(w->mem);
	memset(w->mem, 0xa5, (size_t)1 << mem_bits); /* retype must clear what it hands out */
	size_t root_bytes = (size_t)1 << (ROOT_RADIX + CTE_SIZE_BITS);
	w->root_mem = aligned_alloc(root_bytes, root_bytes);
	assert_non_null(w->root_mem);
	memset(w->root_mem, 0, root_bytes);
	w->root = cap_cnode_new((uintptr_t)w->root_mem, ROOT_RADIX, 64 - ROOT_RADIX, 0);
	w->root_slot.cap = w->root;
	w->objects[w->object_count++] = (struct world_object){ .type = CAP_CNODE,
							       .base = (uintptr_t)w->root_mem,
							       .bits = ROOT_RADIX + CTE_SIZE_BITS,
							       .live = true };
	mdb_set_flags(&w->root_slot, true, true);
	struct cte *boot = world_slot(w, BOOT_UT_INDEX);
	boot->cap = cap_untyped_new((uintptr_t)w->mem, mem_bits, false);
	mdb_set_flags(boot, true, true);
	memcpy(w->finalised_before, object_finalise_count, sizeof(w->finalised_before));
}

void world_fini(struct world *w)
{
	free(w->mem);
	free(w->root_mem);
	free(w->snapshot_mem);
	free(w->snapshot_root);
}

struct world *world_new(unsigned mem_bits)
{
	struct world *w = malloc(sizeof(*w));
	assert_non_null(w);
	world_init(w, mem_bits);
	return w;
}

void world_free(struct world *w)
{
	world_assert(w);
	world_fini(w);
	free(w);
}

struct world *W;

static int cw_setup(unsigned mem_bits)
{
	W = world_new(mem_bits);
	return 0;
}

int cw_setup_1mib(void **state)
{
	(void)state;
	return cw_setup(20);
}

int cw_setup_4mib(void **state)
{
	(void)state;
	return cw_setup(22);
}

int cw_setup_8mib(void **state)
{
	(void)state;
	return cw_setup(23);
}

int cw_teardown(void **state)
{
	(void)state;
	world_free(W);
	W = NULL;
	return 0;
}

struct cte *cw_slot(uint64_t i)
{
	return world_slot(W, i);
}

struct cslot_ref cw_ref(uint64_t i)
{
	return world_ref(W, i);
}

void cw_make(uint64_t type, uint64_t bits, uint64_t dest)
{
	assert_int_equal(world_retype(W, BOOT_UT_INDEX, type, bits, dest, 1), ERR_OK);
}

static size_t root_bytes(void)
{
	return (size_t)1 << (ROOT_RADIX + CTE_SIZE_BITS);
}

void world_snapshot(struct world *w)
{
	if (!w->snapshot_mem) {
		w->snapshot_mem = malloc((size_t)1 << w->mem_bits);
		w->snapshot_root = malloc(root_bytes());
		assert_non_null(w->snapshot_mem);
		assert_non_null(w->snapshot_root);
	}
	memcpy(w->snapshot_mem, w->mem, (size_t)1 << w->mem_bits);
	memcpy(w->snapshot_root, w->root_mem, root_bytes());
}

void world_assert_unchanged(struct world *w)
{
	assert_non_null(w->snapshot_mem); /* world_snapshot() came first */
	assert_memory_equal(w->snapshot_mem, w->mem, (size_t)1 << w->mem_bits);
	assert_memory_equal(w->snapshot_root, w->root_mem, root_bytes());
}

struct cte *world_slot(struct world *w, uint64_t index)
{
	return cnode_slot(w->root, index);
}

struct cslot_ref world_ref(struct world *w, uint64_t index)
{
	return (struct cslot_ref){ .root = w->root, .index = index, .depth = 64 };
}

static void refresh_liveness(struct world *w);

void world_note_created(struct world *w, struct cap cnode, uint64_t offset, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		struct cap cap = cnode_slot(cnode, offset + i)->cap;
		uintptr_t base;
		unsigned bits;
		if (cap_type(cap) == CAP_UNTYPED || !cap_region(cap, &base, &bits))
			continue;
		/* Older records this memory overlaps are dead objects: forget them. */
		for (size_t j = 0; j < w->object_count;) {
			struct world_object *o = &w->objects[j];
			if (o->base < base + ((uintptr_t)1 << bits) &&
			    base < o->base + ((uintptr_t)1 << o->bits)) {
				assert_false(o->live); /* reusing a live object's memory */
				*o = w->objects[--w->object_count];
			} else {
				j++;
			}
		}
		assert_true(w->object_count < WORLD_MAX_OBJECTS);
		w->objects[w->object_count++] = (struct world_object){
			.type = cap_type(cap), .base = base, .bits = bits, .live = true
		};
	}
}

enum error world_retype(struct world *w, uint64_t ut, uint64_t type, uint64_t size_bits,
			uint64_t dest, uint64_t n)
{
	struct untyped_retype_args args = {
		.type = type,
		.size_bits = size_bits,
		.dest_cnode = { .root = w->root, .index = 0, .depth = 0 },
		.node_offset = dest,
		.num_objects = n
	};
	struct lookup_fault fault;
	refresh_liveness(w);
	enum error err = untyped_retype(world_slot(w, ut), &args, &fault);
	if (err == ERR_OK)
		world_note_created(w, w->root, dest, n);
	return err;
}

void world_delete(struct world *w, struct cte *slot)
{
	(void)w;
	struct work_budget budget = { .left = UINT64_MAX };
	assert_int_equal(cte_delete(slot, &budget), ERR_OK);
}

void world_revoke(struct world *w, struct cte *slot)
{
	(void)w;
	struct work_budget budget = { .left = UINT64_MAX };
	assert_int_equal(cte_revoke(slot, &budget), ERR_OK);
}

static struct world_object *object_at(struct world *w, uintptr_t addr)
{
	for (size_t i = 0; i < w->object_count; i++) {
		struct world_object *o = &w->objects[i];
		if (o->type == CAP_CNODE && addr >= o->base &&
		    addr < o->base + ((uintptr_t)1 << o->bits))
			return o;
	}
	return NULL;
}

static bool cnode_listed(struct world *w, uintptr_t base, size_t ncnodes, uintptr_t *cnodes)
{
	(void)w;
	for (size_t i = 0; i < ncnodes; i++)
		if (cnodes[i] == base)
			return true;
	return false;
}

static void add_cnode(struct world *w, uintptr_t base, unsigned radix, size_t *ncnodes,
		      uintptr_t *cnodes)
{
	if (cnode_listed(w, base, *ncnodes, cnodes))
		return;
	cnodes[(*ncnodes)++] = base;
	for (uint64_t i = 0; i < ((uint64_t)1 << radix); i++) {
		assert_true(w->slot_count < WORLD_MAX_SLOTS);
		w->slots[w->slot_count++] = (struct cte *)base + i;
	}
}

size_t world_universe(struct world *w)
{
	static uintptr_t cnodes[WORLD_MAX_OBJECTS];
	size_t ncnodes = 0;
	w->slot_count = 0;
	w->slots[w->slot_count++] = &w->root_slot;
	add_cnode(w, (uintptr_t)w->root_mem, ROOT_RADIX, &ncnodes, cnodes);
	/* Grow until closed: CNodes named by caps, and CNodes holding slots the
	 * MDB links reach (garbage CNodes only the tree still knows). */
	for (size_t i = 0; i < w->slot_count; i++) {
		struct cte *slot = w->slots[i];
		struct cap cap = slot->cap;
		if (cap_type(cap) == CAP_CNODE)
			add_cnode(w, cap_ptr(cap), cap_cnode_radix(cap), &ncnodes, cnodes);
		else if (cap_type(cap) == CAP_ZOMBIE)
			add_cnode(w, cap_ptr(cap), cap_zombie_radix(cap), &ncnodes, cnodes);
		if (cap_is_null(cap))
			continue;
		struct cte *link[2] = { mdb_prev(slot), mdb_next(slot) };
		for (int k = 0; k < 2; k++) {
			if (link[k] == NULL || link[k] == &w->root_slot)
				continue;
			struct world_object *o = object_at(w, (uintptr_t)link[k]);
			if (o != NULL)
				add_cnode(w, o->base, o->bits - CTE_SIZE_BITS, &ncnodes, cnodes);
		}
	}
	return w->slot_count;
}

struct cap_ref {
	uintptr_t base;
	unsigned bits;
	enum cap_type type;
	const struct cte *slot;
	size_t run; /* which run of adjacent same-object caps in the MDB list */
};

static int by_slot(const void *a, const void *b)
{
	const struct cap_ref *x = a, *y = b;
	return x->slot < y->slot ? -1 : x->slot > y->slot;
}

static int by_object(const void *a, const void *b)
{
	const struct cap_ref *x = a, *y = b;
	if (x->base != y->base)
		return x->base < y->base ? -1 : 1;
	if (x->type != y->type)
		return (int)x->type - (int)y->type;
	return x->bits < y->bits ? -1 : x->bits > y->bits;
}

static enum cap_type object_class(enum cap_type type)
{
	return type == CAP_ZOMBIE ? CAP_CNODE : type;
}

/* Object caps (untyped is memory, not an object) in the universe. */
static size_t collect_refs(struct world *w, struct cap_ref *refs)
{
	size_t nrefs = 0;
	for (size_t i = 0; i < w->slot_count; i++) {
		struct cte *slot = w->slots[i];
		uintptr_t base;
		unsigned bits;
		if (!cap_region(slot->cap, &base, &bits) || cap_type(slot->cap) == CAP_UNTYPED)
			continue;
		refs[nrefs++] =
		    (struct cap_ref){ base, bits, object_class(cap_type(slot->cap)), slot, 0 };
	}
	return nrefs;
}

static bool has_ref(const struct cap_ref *refs, size_t nrefs, const struct world_object *o)
{
	struct cap_ref key = { .base = o->base, .type = o->type, .bits = o->bits };
	return bsearch(&key, refs, nrefs, sizeof(key), by_object) != NULL;
}

static struct cap_ref refs[WORLD_MAX_SLOTS];

void world_refresh_for_retype(struct world *w)
{
	refresh_liveness(w);
}

/* Objects that lost their caps since the last check are dead now: their
 * memory may be reused. Counted for the next check's finalisation test. */
static void refresh_liveness(struct world *w)
{
	world_universe(w);
	size_t nrefs = collect_refs(w, refs);
	qsort(refs, nrefs, sizeof(refs[0]), by_object);
	for (size_t j = 0; j < w->object_count; j++) {
		struct world_object *o = &w->objects[j];
		if (o->live && !has_ref(refs, nrefs, o)) {
			o->live = false;
			w->pending_died[o->type]++;
		}
	}
}

const char *world_check(struct world *w)
{
	static char reason[200];
	size_t n = world_universe(w);
	const char *why = mdb_check_invariants(w->slots, n);
	if (why != NULL)
		return why;
	size_t nrefs = collect_refs(w, refs);
	/* Number the runs of same-object caps along each list. */
	qsort(refs, nrefs, sizeof(refs[0]), by_slot);
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		struct cte *head = w->slots[i];
		if (cap_is_null(head->cap) || mdb_prev(head) != NULL)
			continue;
		for (struct cte *node = head; node != NULL; node = mdb_next(node)) {
			struct cte *prev = mdb_prev(node);
			if (prev == NULL || !cap_same_object_as(prev->cap, node->cap))
				run++;
			struct cap_ref key = { .slot = node };
			struct cap_ref *r = bsearch(&key, refs, nrefs, sizeof(key), by_slot);
			if (r != NULL)
				r->run = run;
		}
	}
	qsort(refs, nrefs, sizeof(refs[0]), by_object);
	for (size_t i = 0; i + 1 < nrefs; i++) {
		struct cap_ref *a = &refs[i], *b = &refs[i + 1];
		bool same = a->base == b->base && a->type == b->type && a->bits == b->bits;
		if (same && a->run != b->run) {
			snprintf(reason, sizeof(reason),
				 "caps to object %#lx (type %d) are not adjacent in the MDB",
				 (unsigned long)a->base, a->type);
			return reason;
		}
		uintptr_t a_end = a->base + ((uintptr_t)1 << a->bits);
		if (!same && b->base < a_end) {
			snprintf(reason, sizeof(reason),
				 "live objects overlap: %#lx/%u type %d and %#lx/%u type %d",
				 (unsigned long)a->base, a->bits, a->type, (unsigned long)b->base,
				 b->bits, b->type);
			return reason;
		}
	}
	/* Liveness against the model, and exactly-once finalisation. */
	uint64_t died[CAP_TYPE_COUNT] = { 0 };
	bool modelled[CAP_TYPE_COUNT] = { false };
	for (int t = 0; t < CAP_TYPE_COUNT; t++) {
		died[t] = w->pending_died[t];
		modelled[t] = died[t] != 0;
		w->pending_died[t] = 0;
	}
	for (size_t j = 0; j < w->object_count; j++) {
		struct world_object *o = &w->objects[j];
		bool live = has_ref(refs, nrefs, o);
		modelled[o->type] = true;
		if (o->live && !live)
			died[o->type]++;
		if (!o->live && live)
			return "a finalised object has a capability again";
		o->live = live;
	}
	for (size_t i = 0; i < nrefs; i++) {
		bool known = false;
		for (size_t j = 0; j < w->object_count && !known; j++)
			known = w->objects[j].base == refs[i].base &&
				w->objects[j].type == refs[i].type;
		if (!known)
			return "a capability names an object that was never created";
		while (i + 1 < nrefs && refs[i + 1].base == refs[i].base &&
		       refs[i + 1].type == refs[i].type)
			i++;
	}
	for (int t = 0; t < CAP_TYPE_COUNT; t++) {
		uint64_t delta = object_finalise_count[t] - w->finalised_before[t];
		w->finalised_before[t] = object_finalise_count[t];
		if (modelled[t] && delta != died[t]) {
			snprintf(reason, sizeof(reason),
				 "type %d: %llu finalised, %llu lost their last cap", t,
				 (unsigned long long)delta, (unsigned long long)died[t]);
			return reason;
		}
	}
	return NULL;
}

void world_assert(struct world *w)
{
	const char *why = world_check(w);
	if (why != NULL)
		fail_msg("invariant violated: %s", why);
}
