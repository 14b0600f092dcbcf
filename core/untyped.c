/* SPDX-License-Identifier: MIT */
/*
 * Untyped_Retype: decode (every check, no change) then invoke (cannot fail).
 * Checks in seL4's order, so that the error a bad call gets is the one seL4
 * documents: type, size, destination CNode, slot range, empty slots,
 * device memory, free space.
 */
#include "untyped.h"

#include "mdb.h"
#include "object.h"

struct retype_plan {
	enum object_type type;
	unsigned user_bits;
	unsigned object_bits;
	struct cap dest_cnode;
	uint64_t offset;
	uint64_t count;
	uint64_t first; /* offset of the first object from the untyped's base */
};

/* The object size for an untrusted (type, size_bits): ERR_RANGE above the
 * maximum, ERR_INVALID_ARGUMENT below the minimum (seL4's answers). */
static enum error decode_size(enum object_type type, uint64_t size_bits, unsigned *object_bits)
{
	switch (type) {
	case OBJ_UNTYPED:
		if (size_bits > UNTYPED_MAX_BITS)
			return ERR_RANGE;
		if (size_bits < UNTYPED_MIN_BITS)
			return ERR_INVALID_ARGUMENT;
		break;
	case OBJ_CNODE:
		if (size_bits > CNODE_RADIX_MAX)
			return ERR_RANGE;
		if (size_bits < CNODE_RADIX_MIN)
			return ERR_INVALID_ARGUMENT;
		break;
	case OBJ_SENDER_TABLE:
		if (size_bits > SENDER_TABLE_RADIX_MAX)
			return ERR_RANGE;
		break;
	case OBJ_TCB:
	case OBJ_ENDPOINT:
	case OBJ_NOTIFICATION:
	case OBJ_REPLY:
	case OBJ_FRAME_4K:
	case OBJ_FRAME_2M:
	case OBJ_FRAME_1G:
	case OBJ_PAGE_TABLE:
	case OBJ_SERVICE:
	case OBJ_CHANNEL:
		size_bits = 0; /* fixed size: the argument is ignored */
		break;
	}
	*object_bits = object_size_bits(type, (unsigned)size_bits);
	return ERR_OK;
}

static enum error decode_retype(struct cte *untyped, const struct untyped_retype_args *args,
				struct retype_plan *plan, struct lookup_fault *fault)
{
	*fault = (struct lookup_fault){ 0 };
	if (cap_type(untyped->cap) != CAP_UNTYPED)
		return ERR_INVALID_CAPABILITY;
	if (args->type >= OBJ_TYPE_COUNT)
		return ERR_INVALID_ARGUMENT;
	plan->type = (enum object_type)args->type;
	enum error err = decode_size(plan->type, args->size_bits, &plan->object_bits);
	if (err != ERR_OK)
		return err;
	plan->user_bits = (unsigned)(plan->type == OBJ_UNTYPED || plan->type == OBJ_CNODE ||
					     plan->type == OBJ_SENDER_TABLE
					 ? args->size_bits
					 : 0);

	/* The destination CNode: the root itself at depth 0, else a CNode cap. */
	plan->dest_cnode = args->dest_cnode.root;
	if (args->dest_cnode.depth != 0) {
		struct resolve_result r = cnode_lookup_slot(
		    args->dest_cnode.root, args->dest_cnode.index, args->dest_cnode.depth);
		if (r.err != ERR_OK) {
			*fault = r.fault;
			return r.err;
		}
		plan->dest_cnode = r.slot->cap;
	}
	if (cap_type(plan->dest_cnode) != CAP_CNODE) {
		*fault = (struct lookup_fault){ .type = LOOKUP_FAULT_MISSING_CAPABILITY,
						.bits_left = (unsigned)args->dest_cnode.depth };
		return ERR_FAILED_LOOKUP;
	}

	uint64_t slots = (uint64_t)1 << cap_cnode_radix(plan->dest_cnode);
	if (args->node_offset >= slots)
		return ERR_RANGE;
	if (args->num_objects < 1 || args->num_objects > RETYPE_FAN_OUT_LIMIT)
		return ERR_RANGE;
	if (args->num_objects > slots - args->node_offset)
		return ERR_RANGE;
	plan->offset = args->node_offset;
	plan->count = args->num_objects;
	for (uint64_t i = 0; i < plan->count; i++)
		if (!cap_is_null(cnode_slot(plan->dest_cnode, plan->offset + i)->cap))
			return ERR_DELETE_FIRST;

	if (cap_untyped_is_device(untyped->cap) && plan->type != OBJ_UNTYPED &&
	    !object_type_is_frame(plan->type))
		return ERR_INVALID_ARGUMENT;

	/* Without children the whole untyped is free (a reset); else use the
	 * watermark. Objects are aligned to their own size. */
	unsigned untyped_bits = cap_untyped_size_bits(untyped->cap);
	uint64_t size = (uint64_t)1 << untyped_bits;
	uint64_t free_index = mdb_has_children(untyped) ? cap_untyped_free_index(untyped->cap) : 0;
	uint64_t align = (uint64_t)1 << plan->object_bits;
	if (plan->object_bits > untyped_bits)
		return ERR_NOT_ENOUGH_MEMORY;
	uint64_t first = (free_index + align - 1) & ~(align - 1); /* <= size: size is aligned */
	if (((size - first) >> plan->object_bits) < plan->count)
		return ERR_NOT_ENOUGH_MEMORY;
	plan->first = first;
	return ERR_OK;
}

/*
 * seL4's reset of an untyped without children: clear what lies below the
 * watermark, one chunk per work unit from the top down, and lower the
 * watermark after each (the progress a restart continues from). Device
 * memory is never written: its watermark just drops to zero.
 */
static enum error reset(struct cte *untyped, struct work_budget *budget)
{
	const uint64_t chunk = (uint64_t)1 << UNTYPED_RESET_CHUNK_BITS;
	uint64_t watermark = cap_untyped_free_index(untyped->cap);
	if (cap_untyped_is_device(untyped->cap))
		watermark = 0;
	while (watermark > 0) {
		if (budget->left == 0) {
			cte_set_cap(untyped, cap_untyped_set_free_index(untyped->cap, watermark));
			return ERR_PREEMPTED;
		}
		uint64_t base = (watermark - 1) & ~(chunk - 1);
		object_zero((void *)(cap_ptr(untyped->cap) + base), watermark - base);
		watermark = base;
		budget->left--;
		budget->used++;
	}
	cte_set_cap(untyped, cap_untyped_set_free_index(untyped->cap, 0));
	return ERR_OK;
}

static void invoke_retype(struct cte *untyped, const struct retype_plan *plan)
{
	uintptr_t base = cap_ptr(untyped->cap);
	bool device = cap_untyped_is_device(untyped->cap);
	uint64_t end = plan->first + (plan->count << plan->object_bits);
	cte_set_cap(untyped, cap_untyped_set_free_index(untyped->cap, end));
	/* Inserted right after the untyped in turn: the last made comes first in
	 * the list, all as children of the untyped. */
	for (uint64_t i = 0; i < plan->count; i++) {
		uintptr_t object = base + (uintptr_t)(plan->first + (i << plan->object_bits));
		struct cap cap = object_init(plan->type, object, plan->user_bits, device);
		cte_insert_new(untyped, cnode_slot(plan->dest_cnode, plan->offset + i), cap);
	}
}

enum error untyped_retype_preemptible(struct cte *untyped, const struct untyped_retype_args *args,
				      struct lookup_fault *fault, struct work_budget *budget)
{
	struct retype_plan plan;
	enum error err = decode_retype(untyped, args, &plan, fault);
	if (err != ERR_OK)
		return err;
	if (!mdb_has_children(untyped)) {
		err = reset(untyped, budget);
		if (err != ERR_OK)
			return err;
	}
	invoke_retype(untyped, &plan);
	return ERR_OK;
}

enum error untyped_retype(struct cte *untyped, const struct untyped_retype_args *args,
			  struct lookup_fault *fault)
{
	struct work_budget budget = { .left = UINT64_MAX };
	return untyped_retype_preemptible(untyped, args, fault, &budget);
}

const char *untyped_check_invariants(const struct cte *slot)
{
	struct cap cap = slot->cap;
	uint64_t size = (uint64_t)1 << cap_untyped_size_bits(cap);
	uint64_t watermark = cap_untyped_free_index(cap);
	if (watermark > size || (watermark & 15) != 0)
		return "an untyped's watermark is past its end or misaligned";
	if (cap_untyped_is_device(cap))
		return NULL;
	const uint64_t *word = (const uint64_t *)cap_ptr(cap);
	for (uint64_t i = watermark / 8; i < size / 8; i++)
		if (word[i] != 0)
			return "an untyped's memory above its watermark is not zero";
	return NULL;
}
