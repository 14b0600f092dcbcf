/* SPDX-License-Identifier: MIT */
/*
 * Randomized CSpace test: CSPACE_STEPS (default 100,000) random operations
 * (retype, copy, mint, move, mutate, rotate, delete and revoke with small
 * budgets so they preempt, lookups with random cptrs and depths) from the
 * seed CSPACE_SEED, with every invariant checked after every step:
 *   - mdb_check_invariants: the tree is well formed in derivation order and
 *     every descendant of an untyped lies inside it, below its watermark;
 *   - the world's object model: no two live objects overlap, caps to one
 *     object are adjacent, every object with caps was created and is live,
 *     objects that lost their last cap were finalised exactly once;
 *   - every failed operation changed no byte of the CSpace or untyped memory;
 *   - every lookup agrees with an independent bit-by-bit resolver written
 *     here (slow_resolve), fault kind, bits left, level and all;
 *   - every call returns the error the CSpace model (cspace_model.h)
 *     predicts, and every slot and every cap's MDB parent equal the model's
 *     (the full comparison runs after every step: ~1.4x the old runtime).
 * Preempted deletes and revokes are continued until done within the step,
 * as the kernel restarts them, checking the invariants at every stop.
 * The seed and step are printed on failure; the same seed replays exactly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cspace_model.h"
#include "cspace_world.h"
#include "mdb.h"

#define MEM_BITS 17

static uint64_t rng_state;
static uint64_t seed, step;

static uint64_t rnd(void)
{
	/* xorshift64*: tiny, and the same sequence on every host. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static uint64_t below(uint64_t n)
{
	return n == 0 ? 0 : rnd() % n;
}

static struct world *RW;
static struct model M; /* what every slot should hold (cspace_model.h) */
static struct cap R8;  /* the root CNode named with radix 8 and no guard */
static uint8_t *snap_mem, *snap_root;

#define FAIL(...)                                                                                  \
	do {                                                                                       \
		fprintf(stderr,                                                                    \
			"CSPACE_SEED=%llu failed at step %llu: ", (unsigned long long)seed,        \
			(unsigned long long)step);                                                 \
		fail_msg(__VA_ARGS__);                                                             \
	} while (0)

/* ---- the independent resolver ---- */

struct slow_result {
	enum error err;
	struct cte *slot;
	unsigned remaining;
	enum lookup_fault_type fault;
	unsigned bits_left, bits_found, level;
};

static unsigned bit(uint64_t x, unsigned i)
{
	return (unsigned)((x >> i) & 1);
}

static struct slow_result slow_resolve(struct cap root, uint64_t cptr, unsigned depth)
{
	struct slow_result r = { .err = ERR_FAILED_LOOKUP };
	if (cap_type(root) != CAP_CNODE) {
		r.fault = LOOKUP_FAULT_INVALID_ROOT;
		r.bits_left = depth;
		return r;
	}
	struct cap node = root;
	unsigned n = depth; /* bits not yet read; the next is bit n-1 */
	for (unsigned level = 0;; level++) {
		unsigned gs = cap_cnode_guard_size(node), radix = cap_cnode_radix(node);
		uint64_t guard = cap_cnode_guard(node);
		r.level = level;
		r.bits_left = n;
		if (gs > n) {
			r.fault = LOOKUP_FAULT_GUARD_MISMATCH;
			r.bits_found = gs;
			return r;
		}
		for (unsigned b = 0; b < gs; b++) {
			unsigned want = gs - 1 - b < 64 ? bit(guard, gs - 1 - b) : 0;
			if (bit(cptr, n - 1 - b) != want) {
				r.fault = LOOKUP_FAULT_GUARD_MISMATCH;
				r.bits_found = gs;
				return r;
			}
		}
		if (gs + radix > n) {
			r.fault = LOOKUP_FAULT_DEPTH_MISMATCH;
			r.bits_found = gs + radix;
			return r;
		}
		uint64_t index = 0;
		for (unsigned b = 0; b < radix; b++)
			index = index * 2 + bit(cptr, n - 1 - gs - b);
		n -= gs + radix;
		struct cte *slot = (struct cte *)cap_ptr(node) + index;
		if (n == 0 || cap_type(slot->cap) != CAP_CNODE) {
			r.err = ERR_OK;
			r.slot = slot;
			r.remaining = n;
			return r;
		}
		node = slot->cap;
	}
}

static void check_lookup(struct cap root, uint64_t cptr, unsigned depth)
{
	struct resolve_result fast = cnode_resolve_address_bits(root, cptr, depth);
	struct slow_result slow = slow_resolve(root, cptr, depth);
	if (fast.err != slow.err)
		FAIL("lookup %#llx/%u: err %d, model %d", (unsigned long long)cptr, depth, fast.err,
		     slow.err);
	if (fast.err == ERR_OK) {
		if (fast.slot != slow.slot || fast.bits_remaining != slow.remaining)
			FAIL("lookup %#llx/%u: slot/remaining differ", (unsigned long long)cptr,
			     depth);
		return;
	}
	if (fast.fault.type != slow.fault || fast.fault.bits_left != slow.bits_left ||
	    fast.fault.level != slow.level ||
	    (slow.fault != LOOKUP_FAULT_INVALID_ROOT && fast.fault.bits_found != slow.bits_found))
		FAIL("lookup %#llx/%u: fault %d/%u/%u/%u, model %d/%u/%u/%u",
		     (unsigned long long)cptr, depth, fast.fault.type, fast.fault.bits_left,
		     fast.fault.bits_found, fast.fault.level, slow.fault, slow.bits_left,
		     slow.bits_found, slow.level);
}

/* ---- random operands ---- */

/* The root an operand names: the root CNode (no guard), or the cap in a
 * root slot, whatever it is. */
static struct cslot_ref real_ref(struct mref r)
{
	return (struct cslot_ref){ r.root < 0 ? R8 : cnode_slot(R8, (uint64_t)r.root)->cap, r.index,
				   r.depth };
}

/* A slot address: mostly a root slot, often a slot of a CNode in the root,
 * sometimes random bits. */
static struct mref random_ref(void)
{
	uint64_t kind = below(10);
	/* A dense corner of the root so operations meet each other's caps; the
	 * boot untyped (slot 1) is only ever a source or revoked on purpose. */
	uint64_t idx = below(5) ? 2 + below(62) : 2 + below((1u << ROOT_RADIX) - 2);
	if (kind < 6)
		return (struct mref){ -1, idx, 8 };
	if (kind < 9) {
		struct cap c = cnode_slot(R8, idx)->cap;
		if (cap_type(c) == CAP_CNODE) {
			unsigned gs = cap_cnode_guard_size(c), radix = cap_cnode_radix(c);
			if (8 + gs + radix <= 64) {
				uint64_t guard = below(4) ? cap_cnode_guard(c) : rnd();
				uint64_t path = (idx << (gs + radix)) |
						((guard & ((1ull << gs) - 1)) << radix) |
						below(1u << radix);
				return (struct mref){ -1, path, 8 + gs + radix };
			}
		}
		return (struct mref){ -1, idx, 8 };
	}
	struct mref r = { below(8) ? -1 : (int)idx, rnd() >> below(64), below(70) };
	if (r.depth == 8 && (r.index & 0xff) == BOOT_UT_INDEX)
		r.index ^= 3; /* keep the boot untyped where it is */
	return r;
}

static struct cap_rights random_rights(void)
{
	return cap_rights_make(below(3) ? CAP_RIGHTS_ALL : (unsigned)below(16));
}

static uint64_t random_data(void)
{
	switch (below(4)) {
	case 0: return 0;
	case 1: return below(4) + 1;                                 /* a small badge */
	case 2: return cap_guard_word((unsigned)below(6), below(4)); /* a short guard */
	default: return rnd();
	}
}

static void snapshot(void)
{
	memcpy(snap_mem, RW->mem, (size_t)1 << MEM_BITS);
	memcpy(snap_root, RW->root_mem, (size_t)1 << (ROOT_RADIX + CTE_SIZE_BITS));
}

static void assert_unchanged(const char *op, enum error err)
{
	if (memcmp(snap_mem, RW->mem, (size_t)1 << MEM_BITS) != 0 ||
	    memcmp(snap_root, RW->root_mem, (size_t)1 << (ROOT_RADIX + CTE_SIZE_BITS)) != 0)
		FAIL("%s failed with %s but changed state", op, error_name(err));
}

static uint64_t counts[8][ERROR_COUNT];
static uint64_t order_dependent_revokes;

/* core/ must give the model's answer: same success, same error code. */
static void expect(const char *op, enum error got, enum error want)
{
	if (got != want)
		FAIL("%s returned %s, the model says %s", op, error_name(got), error_name(want));
}

/*
 * cte_generation (cte.h) must move at every change of a slot's cap: with
 * the caps of every slot of the universe noted before a step, it must have
 * moved at least once for each of those slots whose cap differs after it
 * (so one change point that forgets to move it fails, even in a step whose
 * other changes move it).
 */
static struct cte **gen_slots;
static struct cap *gen_caps;
static size_t gen_count;
static uint64_t gen_before;

static void generation_snapshot(void)
{
	gen_count = RW->slot_count;
	for (size_t i = 0; i < gen_count; i++) {
		gen_slots[i] = RW->slots[i];
		gen_caps[i] = RW->slots[i]->cap;
	}
	gen_before = cte_generation;
}

static void generation_check(void)
{
	uint64_t changed = 0;
	for (size_t i = 0; i < gen_count; i++)
		changed += memcmp(&gen_slots[i]->cap, &gen_caps[i], sizeof(struct cap)) != 0;
	if (cte_generation - gen_before < changed)
		FAIL("%llu slots' caps changed, cte_generation moved by %llu",
		     (unsigned long long)changed,
		     (unsigned long long)(cte_generation - gen_before));
}

/*
 * A preempted delete or revoke is restarted until done, as the kernel
 * restarts the system call; the tree must be consistent at every stop. The
 * model applies the whole operation at once, so it is compared only after.
 */
static enum error run_to_completion(enum error err, struct cte *slot, bool revoke)
{
	while (err == ERR_PREEMPTED) {
		const char *why = world_check(RW);
		if (why != NULL)
			FAIL("at a preemption point: %s", why);
		/* The calls so far (each a system call's worth), one by one. */
		generation_check();
		generation_snapshot();
		struct work_budget budget = { .left = 1 + below(below(4) ? 8 : 200) };
		err = revoke ? cte_revoke(slot, &budget) : cte_delete(slot, &budget);
	}
	return err;
}

static void do_retype(void)
{
	static const uint64_t types[] = { OBJ_UNTYPED,      OBJ_TCB,      OBJ_ENDPOINT,
					  OBJ_NOTIFICATION, OBJ_CNODE,    OBJ_CNODE,
					  OBJ_REPLY,        OBJ_FRAME_4K, OBJ_PAGE_TABLE,
					  OBJ_SERVICE,      OBJ_CHANNEL,  OBJ_ENDPOINT,
					  OBJ_SENDER_TABLE };
	/* Mostly a slot that holds an untyped cap; sometimes anything. */
	uint64_t candidates[1u << ROOT_RADIX], n = 0;
	for (uint64_t i = 0; i < (1u << ROOT_RADIX); i++)
		if (cap_type(cnode_slot(R8, i)->cap) == CAP_UNTYPED)
			candidates[n++] = i;
	uint64_t ut = n > 0 && below(10) ? candidates[below(n)] : below(1u << ROOT_RADIX);
	uint64_t type = below(30) ? types[below(ARRAY_LENGTH(types))] : rnd() % 16;
	uint64_t bits = type == OBJ_UNTYPED        ? 4 + below(10)
			: type == OBJ_CNODE        ? 1 + below(4)
			: type == OBJ_SENDER_TABLE ? below(11)
						   : below(40);
	if (below(40) == 0)
		bits = rnd() % 70;
	struct untyped_retype_args args = { .type = type,
					    .size_bits = bits,
					    .node_offset =
						below(4) ? 2 + below(62) : below(1u << ROOT_RADIX),
					    .num_objects = 1 + below(4) };
	struct mref dest = below(4) ? (struct mref){ -1, 0, 0 } : random_ref();
	args.dest_cnode = real_ref(dest);
	if (below(50) == 0)
		args.num_objects = rnd() % 300;
	struct lookup_fault fault;
	snapshot();
	/* Objects without caps are dead from here: their memory may be reused. */
	world_refresh_for_retype(RW);
	enum error want =
	    model_retype(&M, ut, type, args.size_bits, dest, args.node_offset, args.num_objects);
	/* Preemptible, as the kernel runs it: restarted until done, with the
	 * invariants checked at every preemption point. */
	enum error err;
	struct work_budget budget = { .left = 1 + below(8) };
	while ((err = untyped_retype_preemptible(cnode_slot(R8, ut), &args, &fault, &budget)) ==
	       ERR_PREEMPTED) {
		const char *why = untyped_check_invariants(cnode_slot(R8, ut));
		if (why != NULL)
			FAIL("retype preempted: %s", why);
		budget = (struct work_budget){ .left = 1 + below(64) };
		counts[0][ERR_PREEMPTED]++;
	}
	counts[0][err]++;
	expect("retype", err, want);
	if (err != ERR_OK) {
		assert_unchanged("retype", err);
		return;
	}
	struct cap dest_cap = args.dest_cnode.depth == 0
				  ? args.dest_cnode.root
				  : cnode_lookup_slot(args.dest_cnode.root, args.dest_cnode.index,
						      args.dest_cnode.depth)
					.slot->cap;
	world_note_created(RW, dest_cap, args.node_offset, args.num_objects);
}

/* A lookup agrees with the bit-by-bit resolver over the real slots and with
 * the model's resolver over the model's slots. */
static void check_lookups(void)
{
	for (int i = 0; i < 4; i++) {
		struct mref r = random_ref();
		struct cslot_ref real = real_ref(r);
		check_lookup(real.root, real.index, real.depth > 64 ? 64 : (unsigned)real.depth);
		struct mslot *ms;
		enum error want = model_lookup(&M, r, &ms);
		struct resolve_result got = cnode_lookup_slot(real.root, real.index, real.depth);
		expect("lookup", got.err, want);
		if (got.err == ERR_OK && got.slot != ms->addr)
			FAIL("lookup %#llx/%llu: slot %p, model %p", (unsigned long long)r.index,
			     (unsigned long long)r.depth, (void *)got.slot, (void *)ms->addr);
	}
}

static void do_step(void)
{
	struct lookup_fault fault;
	struct mref a = random_ref(), b = random_ref(), c = random_ref();
	struct cslot_ref ra = real_ref(a), rb = real_ref(b), rc = real_ref(c);
	enum error err, want;
	bool skip;
	uint64_t op = below(100);
	if (below(500) == 0) {
		/* Reclaim everything now and then, in bounded steps like the rest. */
		struct work_budget budget = { .left = 1 + below(300) };
		struct cte *boot = world_slot(RW, BOOT_UT_INDEX);
		want = model_revoke(&M, (struct mref){ -1, BOOT_UT_INDEX, ROOT_RADIX }, &skip);
		err = cte_revoke(boot, &budget);
		counts[7][err]++;
		expect("revoke of the boot untyped", run_to_completion(err, boot, true), want);
		return;
	}
	if (op < 22) {
		do_retype();
		return;
	}
	snapshot();
	if (op < 30) {
		struct cap_rights rights = random_rights();
		want = model_copy(&M, a, b, rights.bits, false, 0);
		err = cnode_copy(ra, rb, rights, &fault);
		counts[1][err]++;
		expect("copy", err, want);
	} else if (op < 42) {
		struct cap_rights rights = random_rights();
		uint64_t data = random_data();
		want = model_copy(&M, a, b, rights.bits, true, data);
		err = cnode_mint(ra, rb, rights, data, &fault);
		counts[2][err]++;
		expect("mint", err, want);
	} else if (op < 50) {
		want = model_move(&M, a, b, false, 0);
		err = cnode_move(ra, rb, &fault);
		counts[3][err]++;
		expect("move", err, want);
	} else if (op < 55) {
		uint64_t data = random_data();
		want = model_move(&M, a, b, true, data);
		err = cnode_mutate(ra, rb, data, &fault);
		counts[4][err]++;
		expect("mutate", err, want);
	} else if (op < 60) {
		uint64_t pivot_data = random_data(), src_data = random_data();
		bool swap = below(3) == 0; /* src = dest: a swap */
		want = model_rotate(&M, a, b, pivot_data, swap ? a : c, src_data);
		err = cnode_rotate(ra, rb, pivot_data, swap ? ra : rc, src_data, &fault);
		counts[5][err]++;
		expect("rotate", err, want);
	} else if (op < 75) {
		struct work_budget budget = { .left = 1 + below(below(4) ? 8 : 200) };
		struct resolve_result target = cnode_lookup_slot(ra.root, ra.index, ra.depth);
		want = model_delete(&M, a);
		err = cnode_delete(ra, &budget, &fault);
		counts[6][err]++;
		expect("delete", run_to_completion(err, target.slot, false), want);
		if (err == ERR_PREEMPTED || err == ERR_OK)
			return;
	} else if (op < 85) {
		struct resolve_result target = cnode_lookup_slot(ra.root, ra.index, ra.depth);
		want = model_revoke(&M, a, &skip);
		if (skip) {
			/* The revoke would delete the revoked cap itself; see cspace_model.c. */
			order_dependent_revokes++;
			return;
		}
		struct work_budget budget = { .left = 1 + below(below(4) ? 8 : 200) };
		err = cnode_revoke(ra, &budget, &fault);
		counts[7][err]++;
		expect("revoke", run_to_completion(err, target.slot, true), want);
		if (err == ERR_PREEMPTED || err == ERR_OK)
			return;
	} else {
		check_lookups();
		return;
	}
	if (err != ERR_OK)
		assert_unchanged("cnode op", err);
}

static void run_seed(uint64_t s, uint64_t steps)
{
	seed = s;
	rng_state = s * 0x9e3779b97f4a7c15ull + 1;
	RW = malloc(sizeof(*RW));
	world_init(RW, MEM_BITS);
	R8 = cap_cnode_new((uintptr_t)RW->root_mem, ROOT_RADIX, 0, 0);
	snap_mem = malloc((size_t)1 << MEM_BITS);
	snap_root = malloc((size_t)1 << (ROOT_RADIX + CTE_SIZE_BITS));
	model_init(&M, &RW->root_slot, (uintptr_t)RW->root_mem, ROOT_RADIX, (uintptr_t)RW->mem,
		   MEM_BITS, BOOT_UT_INDEX);
	gen_slots = malloc(WORLD_MAX_SLOTS * sizeof(*gen_slots));
	gen_caps = malloc(WORLD_MAX_SLOTS * sizeof(*gen_caps));
	assert_null(world_check(RW));
	for (step = 0; step < steps; step++) {
		generation_snapshot();
		do_step();
		const char *why = world_check(RW); /* leaves the universe in RW->slots */
		if (why != NULL)
			FAIL("invariant violated: %s", why);
		generation_check();
		why = model_compare(&M, RW->slots, RW->slot_count);
		if (why != NULL)
			FAIL("CSpace differs from the model: %s", why);
		/* Untyped memory above a watermark is zero (reads it all: not
		 * every step). */
		for (size_t i = 0; step % 16 == 0 && i < RW->slot_count; i++)
			if (cap_type(RW->slots[i]->cap) == CAP_UNTYPED &&
			    (why = untyped_check_invariants(RW->slots[i])) != NULL)
				FAIL("invariant violated: %s", why);
	}
	/* Finally everything must be reclaimable: revoke the boot untyped. */
	bool skip;
	world_revoke(RW, world_slot(RW, BOOT_UT_INDEX));
	expect("final revoke", ERR_OK,
	       model_revoke(&M, (struct mref){ -1, BOOT_UT_INDEX, ROOT_RADIX }, &skip));
	const char *why = world_check(RW);
	if (why == NULL)
		why = model_compare(&M, RW->slots, RW->slot_count);
	if (why != NULL)
		FAIL("after the final revoke: %s", why);
	printf("# revokes skipped as order-dependent: %llu\n",
	       (unsigned long long)order_dependent_revokes);
	static const char *names[] = { "retype", "copy",   "mint",   "move",
				       "mutate", "rotate", "delete", "revoke" };
	for (int op = 0; op < 8; op++) {
		printf("# %-7s", names[op]);
		for (int e = 0; e < ERROR_COUNT; e++)
			if (counts[op][e])
				printf(" %s=%llu", error_name((enum error)e) + 4,
				       (unsigned long long)counts[op][e]);
		printf("\n");
	}
	world_fini(RW);
	free(RW);
	free(snap_mem);
	free(snap_root);
	free(gen_slots);
	free(gen_caps);
	model_fini(&M);
}

static void test_random_operations(void **state)
{
	(void)state;
	const char *s = getenv("CSPACE_SEED"), *n = getenv("CSPACE_STEPS");
	uint64_t steps = n ? strtoull(n, NULL, 0) : 100000;
	uint64_t sd = s ? strtoull(s, NULL, 0) : 1;
	printf("# CSPACE_SEED=%llu CSPACE_STEPS=%llu\n", (unsigned long long)sd,
	       (unsigned long long)steps);
	run_seed(sd, steps);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_operations),
	};
	return cmocka_run_group_tests_name("cspace_random", tests, NULL, NULL);
}
