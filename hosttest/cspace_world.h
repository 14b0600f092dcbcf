/* SPDX-License-Identifier: MIT */
/*
 * A small CSpace world for the host tests of cap/cte/mdb/cnode/untyped:
 * one naturally aligned buffer given to core/ as a boot untyped, a root
 * CNode (radix ROOT_RADIX, guard making every cptr a 64-bit slot index) held
 * in a kernel slot outside any CNode, and an independent model of which
 * objects exist, used by world_check() to test the invariants core/ cannot
 * see by itself: live objects never overlap, caps to one object are adjacent
 * in the MDB, every object that lost its last cap was finalised exactly once
 * and no live one was, slots of every CNode are well formed.
 */
#ifndef HOSTTEST_CSPACE_WORLD_H
#define HOSTTEST_CSPACE_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cap.h"
#include "cnode.h"
#include "cte.h"
#include "object.h"
#include "untyped.h"

#define ROOT_RADIX 8
#define WORLD_MAX_OBJECTS 16384
#define WORLD_MAX_SLOTS 65536
#define BOOT_UT_INDEX 1 /* root slot of the boot untyped */

struct world_object {
	enum cap_type type; /* CAP_CNODE for CNodes (and their zombies) */
	uintptr_t base;
	unsigned bits;
	bool live; /* had a cap at the last check */
};

struct world {
	uint8_t *mem;
	unsigned mem_bits;
	uint8_t *root_mem;
	struct cte root_slot; /* the CSpace root, as a TCB would hold it */
	struct cap root;
	struct world_object objects[WORLD_MAX_OBJECTS];
	size_t object_count;
	uint64_t finalised_before[CAP_TYPE_COUNT];
	uint64_t pending_died[CAP_TYPE_COUNT]; /* died before a retype, not yet checked */
	struct cte *slots[WORLD_MAX_SLOTS];
	size_t slot_count;
	uint8_t *snapshot_mem; /* world_snapshot(): copies of mem and root_mem */
	uint8_t *snapshot_root;
};

/* Boot: the untyped covers 2^mem_bits bytes (device: fake address, no memory). */
void world_init(struct world *w, unsigned mem_bits);
void world_fini(struct world *w);

/* A heap-allocated world (it is large) for a test's setup, and its
 * teardown: check every invariant, then release it. */
struct world *world_new(unsigned mem_bits);
void world_free(struct world *w);

/* The unit suites' fixture (test_cnode, test_cte, test_untyped): one
 * world in W, made before each case with 2^20, 2^22 or 2^23 bytes of
 * memory and freed (invariants checked) after it. */
extern struct world *W;
int cw_setup_1mib(void **state);
int cw_setup_4mib(void **state);
int cw_setup_8mib(void **state);
int cw_teardown(void **state);
/* W's root slot i, the same slot named as a CNode operation names it, and
 * a retype of one object from the boot untyped that must succeed. */
struct cte *cw_slot(uint64_t i);
struct cslot_ref cw_ref(uint64_t i);
void cw_make(uint64_t type, uint64_t bits, uint64_t dest);

/* Copy the world's memory and root CNode, then assert a failed operation
 * left both byte-for-byte as they were ("every failure changes nothing"). */
void world_snapshot(struct world *w);
void world_assert_unchanged(struct world *w);

struct cte *world_slot(struct world *w, uint64_t index);
/* A root-CNode slot named as a CNode operation names it (depth 64). */
struct cslot_ref world_ref(struct world *w, uint64_t index);
/* Retype from the untyped in root slot ut into root slots [dest, dest+n). */
enum error world_retype(struct world *w, uint64_t ut, uint64_t type, uint64_t size_bits,
			uint64_t dest, uint64_t n);
/* Record objects created by a retype whose caps are now in those slots. */
void world_note_created(struct world *w, struct cap cnode, uint64_t offset, uint64_t n);
/* Delete/revoke to completion with a large budget. */
void world_delete(struct world *w, struct cte *slot);
void world_revoke(struct world *w, struct cte *slot);
/* Call before a retype not made by world_retype: objects without caps die. */
void world_refresh_for_retype(struct world *w);
/* Run every invariant; returns NULL or the first violation. */
const char *world_check(struct world *w);
/* Like world_check but fails the running cmocka test with the reason. */
void world_assert(struct world *w);
/* Every slot of every CNode that exists (including garbage ones). */
size_t world_universe(struct world *w);

#endif
