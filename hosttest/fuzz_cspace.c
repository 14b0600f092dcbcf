/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the CSpace: the input is a sequence of operations
 * (retype, copy, mint, move, mutate, rotate, delete, revoke, lookup), five
 * bytes each, run against core/ on a 64 KiB untyped and a radix-6 root
 * CNode. After every operation the derivation tree invariants are checked,
 * and a failed operation must have changed no byte; any violation aborts.
 * At the end a full revoke of the untyped must leave it without children.
 * Built by ci/fuzz with clang -fsanitize=fuzzer,address,undefined, linked
 * with every core/ source and hosttest/fuzz_port.c.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cnode.h"
#include "cte.h"
#include "mdb.h"
#include "untyped.h"

#define MEM_BITS 16
#define RADIX 6
#define MAX_CNODES 512
#define MAX_SLOTS 8192

static _Alignas(1 << MEM_BITS) uint8_t mem[1 << MEM_BITS];
static _Alignas(1 << (RADIX + CTE_SIZE_BITS)) struct cte root_slots[1 << RADIX];
static uint8_t snap_mem[sizeof(mem)], snap_root[sizeof(root_slots)];
static struct cap root;
struct cnode_record {
	uintptr_t base;
	unsigned radix;
};
static struct cnode_record cnodes[MAX_CNODES];
static size_t ncnodes;
static struct cte *slots[MAX_SLOTS];

static void require(int ok)
{
	if (!ok)
		abort();
}

/* Forget the recorded CNodes that overlap [base, end): their memory now
 * holds another object (a deleted CNode's memory is reused by the next
 * retype, and e.g. a sender table's entry indexes there would read as MDB
 * links of slots that no longer exist). */
static void forget_overlapping(uintptr_t base, uintptr_t end)
{
	for (size_t i = 0; i < ncnodes;) {
		uintptr_t b = cnodes[i].base,
			  e = b + ((uintptr_t)1 << (cnodes[i].radix + CTE_SIZE_BITS));
		if (b < end && base < e)
			cnodes[i] = cnodes[--ncnodes];
		else
			i++;
	}
}

/* A retype made an object of `type` (size argument user_bits) in `slot`:
 * remember it when it is a CNode, forget the older CNodes it overlaps. */
static void note_object(enum object_type type, unsigned user_bits, struct cap cap)
{
	uintptr_t base = cap_ptr(cap);
	forget_overlapping(base, base + ((uintptr_t)1 << object_size_bits(type, user_bits)));
	if (type == OBJ_CNODE && ncnodes < MAX_CNODES)
		cnodes[ncnodes++] = (struct cnode_record){ base, cap_cnode_radix(cap) };
}

/* Every slot that can hold a cap: the root and every CNode made since. */
static size_t universe(void)
{
	size_t n = 0;
	for (size_t i = 0; i < (1u << RADIX); i++)
		slots[n++] = &root_slots[i];
	for (size_t c = 0; c < ncnodes; c++)
		for (size_t i = 0; i < ((size_t)1 << cnodes[c].radix) && n < MAX_SLOTS; i++)
			slots[n++] = (struct cte *)cnodes[c].base + i;
	return n;
}

static void snapshot(void)
{
	memcpy(snap_mem, mem, sizeof(mem));
	memcpy(snap_root, root_slots, sizeof(root_slots));
}

static void require_unchanged(void)
{
	require(memcmp(snap_mem, mem, sizeof(mem)) == 0);
	require(memcmp(snap_root, root_slots, sizeof(root_slots)) == 0);
}

static struct cslot_ref ref_of(uint8_t b, uint8_t d)
{
	/* Mostly a root slot; otherwise a raw cptr/depth (often a lookup fault). */
	if (d < 200)
		return (struct cslot_ref){ root, b & ((1u << RADIX) - 1), RADIX };
	return (struct cslot_ref){ root, (uint64_t)b << (d & 31), d & 0x7f };
}

static void run_op(const uint8_t *op)
{
	struct lookup_fault fault;
	struct cslot_ref a = ref_of(op[1], op[4]), b = ref_of(op[2], op[4] ^ 0x5a);
	uint64_t data = op[3] & 0x80 ? op[3] & 0x7f : cap_guard_word(op[3] & 7, op[3] >> 3 & 3);
	struct work_budget budget = { .left = 1 + (op[3] & 15) };
	enum error err;
	snapshot();
	switch (op[0] % 9) {
	case 0: {
		struct untyped_retype_args args = { .type = op[2] % (OBJ_TYPE_COUNT + 1),
						    .size_bits = op[3] % 14,
						    .dest_cnode = { root, 0, 0 },
						    .node_offset = op[4] & ((1u << RADIX) - 1),
						    .num_objects = 1 + (op[3] >> 6) };
		if (args.type == OBJ_FRAME_2M || args.type == OBJ_FRAME_1G)
			args.type = OBJ_FRAME_4K; /* 64 KiB holds neither */
		struct cte *ut = &root_slots[op[1] & ((1u << RADIX) - 1)];
		err = untyped_retype(ut, &args, &fault);
		if (err == ERR_OK)
			for (uint64_t i = 0; i < args.num_objects; i++)
				note_object(args.type, args.size_bits,
					    root_slots[args.node_offset + i].cap);
		break;
	}
	case 1: err = cnode_copy(a, b, cap_rights_make(op[3]), &fault); break;
	case 2: err = cnode_mint(a, b, cap_rights_make(op[3] >> 4), data, &fault); break;
	case 3: err = cnode_move(a, b, &fault); break;
	case 4: err = cnode_mutate(a, b, data, &fault); break;
	case 5: err = cnode_rotate(a, b, data, ref_of(op[3], op[4]), 0, &fault); break;
	case 6: err = cnode_delete(a, &budget, &fault); break;
	case 7: err = cnode_revoke(a, &budget, &fault); break;
	default: {
		struct resolve_result r = cnode_resolve_address_bits(
		    root, (uint64_t)op[1] << op[2] % 58 | op[3], op[4] % 65);
		require(r.err == ERR_OK || r.err == ERR_FAILED_LOOKUP);
		err = ERR_OK;
		break;
	}
	}
	if (err != ERR_OK && err != ERR_PREEMPTED)
		require_unchanged();
	require(mdb_check_invariants(slots, universe()) == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	memset(mem, 0, sizeof(mem));
	memset(root_slots, 0, sizeof(root_slots));
	ncnodes = 0;
	root = cap_cnode_new((uintptr_t)root_slots, RADIX, 0, 0);
	root_slots[0].cap = cap_untyped_new((uintptr_t)mem, MEM_BITS, false);
	mdb_set_flags(&root_slots[0], true, true);
	for (size_t i = 0; i + 5 <= size && i < 5 * 2000; i += 5)
		run_op(data + i);
	/* Everything made from the untyped must be reclaimable, if it is still
	 * where it started. */
	if (cap_type(root_slots[0].cap) == CAP_UNTYPED) {
		struct work_budget all = { .left = UINT64_MAX };
		require(cte_revoke(&root_slots[0], &all) == ERR_OK);
		require(!mdb_has_children(&root_slots[0]));
		require(mdb_check_invariants(slots, universe()) == NULL);
	}
	return 0;
}
