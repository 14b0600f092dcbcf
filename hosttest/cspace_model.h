/* SPDX-License-Identifier: MIT */
/*
 * An independent, deliberately slow model of the CSpace for the randomized
 * test (test_cspace_random.c). For every slot that exists (the kernel's root
 * slot, the root CNode's slots, and the slots of every live CNode made from
 * the test's untyped memory) it holds what the slot should contain: nothing,
 * or a capability described abstractly (type, object address, size, rights,
 * badge, guard, untyped watermark), whether that cap is an original
 * ("revocable") and which slot holds its parent in the derivation tree.
 *
 * Each model_* operation decides from the model alone, following the
 * semantics in docs/capabilities.md (seL4's, with Kestrel's documented
 * choices), which error the invocation must return and, on success, applies
 * its effect to the model. It never calls core/ on capabilities or slots:
 * addresses are only names here. model_compare() then checks the real
 * CSpace against the model: every modelled slot's contents and flags, that
 * no real cap lies outside the modelled slots, and that every cap's real
 * MDB parent (computed from the list) is the model's parent.
 *
 * Delete and revoke are atomic in the model; the test runs a preempted one
 * to completion before comparing.
 */
#ifndef HOSTTEST_CSPACE_MODEL_H
#define HOSTTEST_CSPACE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cap.h"
#include "cte.h"
#include "error.h"

struct mslot;

/* A capability as the model sees it. Unused fields are zero. */
struct mcap {
	enum cap_type type;   /* CAP_NULL: the slot is empty */
	uintptr_t addr;       /* object (or untyped region) base */
	unsigned bits;        /* untyped size bits; CNode radix; frame size bits */
	unsigned rights;      /* CAP_RIGHT_*: endpoint, notification, reply, frame */
	uint64_t badge;       /* endpoint, notification, service */
	uint64_t guard;       /* CNode */
	unsigned guard_size;  /* CNode */
	uint64_t watermark;   /* untyped: bytes handed out */
	bool device;          /* untyped, frame */
	bool revocable;       /* an original: may have children */
	struct mslot *parent; /* derivation-tree parent; NULL for a root */
};

struct mslot {
	struct cte *addr; /* the real slot this one models: a name, never read here */
	bool exists;      /* the kernel root slot, or a slot of a live CNode */
	bool doomed;      /* scratch for delete/revoke */
	struct mcap cap;
};

/*
 * A slot operand as the test draws it: `root` -1 is the root CNode named
 * with radix 8 and no guard; otherwise the cap in that root-CNode slot is the
 * root of the lookup (whatever it is). Then a cptr and a depth, untrusted.
 */
struct mref {
	int root;
	uint64_t index;
	uint64_t depth;
};

struct model {
	struct mslot *slots; /* [0] kernel root slot, then the root CNode, then memory */
	size_t count;
	uintptr_t root_base, mem_base;
	unsigned root_radix, mem_bits;
};

/*
 * The world as world_init makes it: the kernel slot `root_slot` holds the
 * root CNode (radix root_radix, guard size 64 - root_radix), and root slot
 * boot_index holds an untyped covering [mem_base, mem_base + 2^mem_bits).
 */
void model_init(struct model *m, struct cte *root_slot, uintptr_t root_base, unsigned root_radix,
		uintptr_t mem_base, unsigned mem_bits, uint64_t boot_index);
void model_fini(struct model *m);

/* The model's answer to cnode_lookup_slot for an operand; *slot on ERR_OK. */
enum error model_lookup(const struct model *m, struct mref ref, struct mslot **slot);

enum error model_copy(struct model *m, struct mref dest, struct mref src, unsigned rights,
		      bool mint, uint64_t data);
enum error model_move(struct model *m, struct mref dest, struct mref src, bool mutate,
		      uint64_t data);
enum error model_rotate(struct model *m, struct mref dest, struct mref pivot, uint64_t pivot_data,
			struct mref src, uint64_t src_data);
enum error model_delete(struct model *m, struct mref target);
/* *order_dependent: the revoke would delete the revoked cap itself (see the
 * .c); the model then changed nothing and the caller must skip the call. */
enum error model_revoke(struct model *m, struct mref target, bool *order_dependent);
enum error model_retype(struct model *m, uint64_t ut_index, uint64_t type, uint64_t size_bits,
			struct mref dest_cnode, uint64_t offset, uint64_t count);

/*
 * Compare the real CSpace with the model. `universe` is every real slot that
 * can hold a cap (world_universe). Returns NULL or a one-line reason.
 */
const char *model_compare(struct model *m, struct cte *const *universe, size_t n);

#endif
