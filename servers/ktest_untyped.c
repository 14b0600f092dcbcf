/* SPDX-License-Identifier: MIT */
/* ktest: Untyped_Retype, every object type and every error. */
#include "ktest_support.h"

static void each_type(void)
{
	static const struct {
		enum object_type type;
		unsigned bits;
		const char *name;
	} types[] = {
		{ OBJ_UNTYPED, 12, "retype an untyped" },
		{ OBJ_TCB, 0, "retype a TCB" },
		{ OBJ_ENDPOINT, 0, "retype an endpoint" },
		{ OBJ_NOTIFICATION, 0, "retype a notification" },
		{ OBJ_CNODE, 4, "retype a CNode" },
		{ OBJ_REPLY, 0, "retype a reply object" },
		{ OBJ_FRAME_4K, 0, "retype a 4 KiB frame" },
		{ OBJ_PAGE_TABLE, 0, "retype a page table" },
	};
	for (unsigned i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		expect(retype_into(types[i].type, types[i].bits, slot()), ERR_OK, types[i].name);
	reset();
}

static void errors(void)
{
	cptr_t s = slot();
	expect(retype_into(OBJ_TYPE_COUNT + 5, 0, s), ERR_INVALID_ARGUMENT,
	       "retype an unknown object type");
	expect(retype_into(OBJ_UNTYPED, 3, s), ERR_INVALID_ARGUMENT,
	       "retype an untyped below the minimum (seL4: invalid argument)");
	expect(retype_into(OBJ_UNTYPED, 60, s), ERR_RANGE, "retype an untyped above the maximum");
	expect(retype_into(OBJ_CNODE, 0, s), ERR_INVALID_ARGUMENT, "retype a CNode of radix 0");
	expect(retype_into(OBJ_UNTYPED, 21, s), ERR_NOT_ENOUGH_MEMORY,
	       "retype more than the untyped holds");
	expect(retype_into(OBJ_FRAME_2M, 0, s), ERR_NOT_ENOUGH_MEMORY,
	       "retype a 2 MiB frame from 1 MiB");
	expect(kestrel_untyped_retype(SCRATCH_UNTYPED, OBJ_ENDPOINT, 0, PROC_CAP_CNODE, 0, 0, s, 0),
	       ERR_RANGE, "retype zero objects");
	expect(
	    kestrel_untyped_retype(SCRATCH_UNTYPED, OBJ_ENDPOINT, 0, PROC_CAP_CNODE, 0, 0, s, 300),
	    ERR_RANGE, "retype more than the fan-out limit");
	expect(kestrel_untyped_retype(SCRATCH_UNTYPED, OBJ_ENDPOINT, 0, PROC_CAP_CNODE, 0, 0, 1020,
				      10),
	       ERR_RANGE, "retype past the end of the CNode");
	expect(
	    kestrel_untyped_retype(SCRATCH_UNTYPED, OBJ_ENDPOINT, 0, PROC_CAP_CNODE, 0, 0, 5000, 1),
	    ERR_RANGE, "retype at an offset beyond the CNode");
	expect(kestrel_untyped_retype(SCRATCH_UNTYPED, OBJ_ENDPOINT, 0, PROC_CAP_CNODE, 0, 0,
				      PROC_CAP_TCB, 1),
	       ERR_DELETE_FIRST, "retype into an occupied slot");
	expect(kestrel_untyped_retype(SCRATCH_UNTYPED, OBJ_ENDPOINT, 0, PROC_CAP_TCB, 0, 0, s, 1),
	       ERR_FAILED_LOOKUP, "retype into a root that is not a CNode");
	expect(kestrel_untyped_retype(PROC_CAP_TCB, OBJ_ENDPOINT, 0, PROC_CAP_CNODE, 0, 0, s, 1),
	       ERR_ILLEGAL_OPERATION, "retype from a TCB cap");
	const uint64_t words[] = { OBJ_ENDPOINT, 0, 0, 0, s };
	const cptr_t root[] = { PROC_CAP_CNODE };
	expect(kestrel_invoke(SCRATCH_UNTYPED, UNTYPED_RETYPE, 5, words, 1, root, NULL, 0),
	       ERR_TRUNCATED_MESSAGE, "retype with five words");
	const uint64_t six[] = { OBJ_ENDPOINT, 0, 0, 0, s, 1 };
	expect(kestrel_invoke(SCRATCH_UNTYPED, UNTYPED_RETYPE, 6, six, 0, NULL, NULL, 0),
	       ERR_TRUNCATED_MESSAGE, "retype without the root CNode cap");
	const cptr_t bad_root[] = { NO_SLOT };
	expect(kestrel_invoke(SCRATCH_UNTYPED, UNTYPED_RETYPE, 6, six, 1, bad_root, NULL, 0),
	       ERR_FAILED_LOOKUP, "retype with an extra cap in an empty slot");
	expect(kestrel_cnode_copy(PROC_CAP_CNODE, s, DEPTH, PROC_CAP_CNODE, PROC_CAP_TCB, DEPTH,
				  ABI_RIGHTS_ALL),
	       ERR_OK, "the failed retypes left their slot empty");
	reset();
}

static void many_and_reuse(void)
{
	cptr_t first = next_slot_peek();
	expect(kestrel_untyped_retype(SCRATCH_UNTYPED, OBJ_ENDPOINT, 0, PROC_CAP_CNODE, 0, 0, first,
				      64),
	       ERR_OK, "retype 64 endpoints at once");
	claim_slots(64);
	struct kmsg m = msg(0, 0);
	check(kestrel_nb_send(first + 63, &m) == ERR_OK, "the last of them is an endpoint");
	expect(kestrel_cnode_revoke(PROC_CAP_CNODE, SCRATCH_UNTYPED, DEPTH), ERR_OK,
	       "revoke the untyped");
	m = msg(0, 0);
	expect(kestrel_nb_send(first, &m), ERR_FAILED_LOOKUP, "revoke deleted its objects");
	expect(retype_into(OBJ_UNTYPED, 20, slot()), ERR_OK,
	       "after revoke the whole untyped can be retyped again");
	cptr_t child = next_slot - 1;
	expect(kestrel_cnode_copy(PROC_CAP_CNODE, slot(), DEPTH, PROC_CAP_CNODE, SCRATCH_UNTYPED,
				  DEPTH, ABI_RIGHTS_ALL),
	       ERR_REVOKE_FIRST, "an untyped with children cannot be copied");
	(void)child;
	reset();
}

void ktest_untyped(void)
{
	each_type();
	errors();
	many_and_reuse();
}
