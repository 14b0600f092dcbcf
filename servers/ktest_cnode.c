/* SPDX-License-Identifier: MIT */
/* ktest: the CNode invocations and their errors. */
#include "ktest_support.h"

#define CN PROC_CAP_CNODE

static enum error copy(cptr_t dest, cptr_t src, uint64_t rights)
{
	return kestrel_cnode_copy(CN, dest, DEPTH, CN, src, DEPTH, rights);
}

/* Is `s` an endpoint we can send on (non-blocking, so it never waits)? */
static bool can_send(cptr_t s)
{
	struct kmsg m = msg(0, 0);
	return kestrel_nb_send(s, &m) == ERR_OK;
}

/* A TCB method that cannot fault: on an empty slot a blocking call would
 * be a cap fault, a non-blocking send is an error. */
static bool is_tcb(cptr_t s)
{
	struct kmsg m = { .info = kestrel_info(TCB_SET_AFFINITY, 1, 0), .mr = { 0 } };
	return kestrel_syscall(SYS_NB_SEND, s, 0, &m) == ERR_OK;
}

static void copy_mint_move(void)
{
	cptr_t ep = make(OBJ_ENDPOINT, 0);
	cptr_t a = slot(), b = slot(), c = slot(), d = slot();
	expect(copy(a, ep, ABI_RIGHTS_ALL), ERR_OK, "copy an endpoint cap");
	check(can_send(a), "the copy works");
	expect(copy(a, ep, ABI_RIGHTS_ALL), ERR_DELETE_FIRST, "copy into an occupied slot");
	expect(copy(b, NO_SLOT, ABI_RIGHTS_ALL), ERR_FAILED_LOOKUP, "copy from an empty slot");
	expect(kestrel_cnode_copy(CN, b, 0, CN, ep, DEPTH, ABI_RIGHTS_ALL), ERR_RANGE,
	       "copy with a destination depth of 0");
	expect(kestrel_cnode_copy(CN, b, 65, CN, ep, DEPTH, ABI_RIGHTS_ALL), ERR_RANGE,
	       "copy with a depth of 65");
	expect(kestrel_cnode_copy(CN, b, 32, CN, ep, DEPTH, ABI_RIGHTS_ALL), ERR_FAILED_LOOKUP,
	       "copy with a depth the CNode does not resolve");
	expect(kestrel_cnode_copy(CN, UINT64_C(1) << 30, DEPTH, CN, ep, DEPTH, ABI_RIGHTS_ALL),
	       ERR_FAILED_LOOKUP, "copy to an index the guard does not match");
	expect(kestrel_cnode_copy(CN, b, DEPTH, PROC_CAP_TCB, ep, DEPTH, ABI_RIGHTS_ALL),
	       ERR_FAILED_LOOKUP, "copy from a source root that is not a CNode");
	expect(copy(b, ep, ABI_RIGHT_READ), ERR_OK, "copy without the write right");
	struct kmsg m = msg(0, 0);
	expect(kestrel_nb_send(b, &m), ERR_INVALID_CAPABILITY, "send needs the write right");
	expect(kestrel_cnode_mint(CN, c, DEPTH, CN, ep, DEPTH, ABI_RIGHTS_ALL, 0x77), ERR_OK,
	       "mint a badged endpoint cap");
	expect(kestrel_cnode_mint(CN, d, DEPTH, CN, c, DEPTH, ABI_RIGHTS_ALL, 0x78),
	       ERR_ILLEGAL_OPERATION, "mint a second badge onto a badged cap");
	expect(kestrel_cnode_move(CN, d, DEPTH, CN, a, DEPTH), ERR_OK, "move a cap");
	check(!can_send(a) && can_send(d), "move emptied the source");
	expect(kestrel_cnode_move(CN, d, DEPTH, CN, a, DEPTH), ERR_DELETE_FIRST,
	       "move onto an occupied slot");
	expect(kestrel_cnode_move(CN, a, DEPTH, CN, NO_SLOT, DEPTH), ERR_FAILED_LOOKUP,
	       "move from an empty slot");
	expect(kestrel_cnode_mutate(CN, a, DEPTH, CN, d, DEPTH, 0x5), ERR_ILLEGAL_OPERATION,
	       "mutate cannot badge an endpoint (seL4: no data on mutate)");
	cptr_t cnode = make(OBJ_CNODE, 3);
	expect(kestrel_cnode_mutate(CN, a, DEPTH, CN, cnode, DEPTH, 61), ERR_OK,
	       "mutate a CNode cap's guard");
	expect(kestrel_cnode_copy(a, 2, DEPTH, CN, d, DEPTH, ABI_RIGHTS_ALL), ERR_OK,
	       "the mutated CNode resolves a full-depth index");
	reset();
}

static void rotate_delete_revoke(void)
{
	/* Rotate badges what it moves: use caps that take no badge (TCBs),
	 * as seL4's rotate of unbadged endpoints is refused like mutate. */
	cptr_t ep1 = make(OBJ_TCB, 0), ep2 = make(OBJ_TCB, 0);
	cptr_t dest = slot();
	expect(kestrel_cnode_rotate(CN, dest, DEPTH, 0, CN, ep1, DEPTH, 0, CN, ep2, DEPTH), ERR_OK,
	       "rotate: pivot to dest, src to pivot");
	check(is_tcb(dest) && is_tcb(ep1) && !is_tcb(ep2), "rotate moved both caps");
	expect(kestrel_cnode_rotate(CN, dest, DEPTH, 0, CN, ep1, DEPTH, 0, CN, ep1, DEPTH),
	       ERR_ILLEGAL_OPERATION, "rotate with the pivot as the source");
	expect(kestrel_cnode_rotate(CN, ep1, DEPTH, 0, CN, dest, DEPTH, 0, CN, ep2, DEPTH),
	       ERR_DELETE_FIRST, "rotate onto an occupied destination");
	const uint64_t words[] = { dest, DEPTH, 0, ep1, DEPTH, 0, ep2 };
	const cptr_t roots[] = { CN, CN };
	expect(kestrel_invoke(CN, CNODE_ROTATE, 7, words, 2, roots, NULL, 0), ERR_TRUNCATED_MESSAGE,
	       "rotate with seven words");
	cptr_t copy1 = slot(), copy2 = slot();
	(void)copy(copy1, dest, ABI_RIGHTS_ALL);
	(void)copy(copy2, copy1, ABI_RIGHTS_ALL);
	expect(kestrel_cnode_revoke(CN, dest, DEPTH), ERR_OK, "revoke an endpoint cap");
	check(is_tcb(dest) && !is_tcb(copy1) && !is_tcb(copy2),
	      "revoke deleted the copies, kept the cap");
	expect(kestrel_cnode_delete(CN, dest, DEPTH), ERR_OK, "delete a cap");
	check(!is_tcb(dest), "the deleted slot is empty");
	expect(kestrel_cnode_delete(CN, dest, DEPTH), ERR_OK, "delete an empty slot");
	expect(kestrel_cnode_delete(CN, dest, 0), ERR_RANGE, "delete with depth 0");
	expect(kestrel_cnode_revoke(CN, UINT64_C(1) << 30, DEPTH), ERR_FAILED_LOOKUP,
	       "revoke an index the guard does not match");
	expect(kestrel_invoke(CN, CNODE_DELETE, 1, (const uint64_t[]){ dest }, 0, NULL, NULL, 0),
	       ERR_TRUNCATED_MESSAGE, "delete with one word");
	expect(kestrel_invoke(CN, CNODE_COPY, 5, (const uint64_t[]){ dest, DEPTH, ep1, DEPTH, 15 },
			      0, NULL, NULL, 0),
	       ERR_TRUNCATED_MESSAGE, "copy without the source root cap");
	reset();
}

/* A CNode in a CNode: two-level addresses, and deleting a CNode full of caps. */
static void two_levels(void)
{
	cptr_t inner = make(OBJ_CNODE, 4);
	cptr_t guarded = slot();
	/* 64 = 50 guard + 10 (outer radix) ... the outer CNode consumes 64 bits,
	 * so the inner one is reached only as an invoked root. */
	expect(kestrel_cnode_mint(CN, guarded, DEPTH, CN, inner, DEPTH, ABI_RIGHTS_ALL, 60), ERR_OK,
	       "mint a guard onto a CNode cap");
	cptr_t ep = make(OBJ_ENDPOINT, 0);
	expect(kestrel_cnode_copy(guarded, 3, DEPTH, CN, ep, DEPTH, ABI_RIGHTS_ALL), ERR_OK,
	       "copy into another CNode");
	expect(kestrel_cnode_copy(inner, 3, 4, CN, ep, DEPTH, ABI_RIGHTS_ALL), ERR_DELETE_FIRST,
	       "the same slot through the unguarded cap (depth 4)");
	expect(kestrel_cnode_copy(guarded, 16, DEPTH, CN, ep, DEPTH, ABI_RIGHTS_ALL),
	       ERR_FAILED_LOOKUP, "an index past the inner CNode's radix");
	cptr_t back = slot();
	expect(kestrel_cnode_copy(CN, back, DEPTH, guarded, 3, DEPTH, ABI_RIGHTS_ALL), ERR_OK,
	       "copy out of the inner CNode");
	expect(kestrel_cnode_delete(CN, inner, DEPTH), ERR_OK, "delete one cap of a CNode");
	expect(kestrel_cnode_revoke(CN, guarded, DEPTH), ERR_OK, "revoke the other");
	expect(kestrel_cnode_delete(CN, guarded, DEPTH), ERR_OK,
	       "delete the last cap of a CNode holding a cap");
	check(can_send(back), "a copy outlives the CNode that held its source");
	reset();
}

void ktest_cnode(void)
{
	copy_mint_move();
	rotate_delete_revoke();
	two_levels();
}
