/* SPDX-License-Identifier: MIT */
/*
 * Object sizes, creation from untyped memory, and the finalisation dispatch.
 * See object.h. TCBs, endpoints, notifications and reply objects are torn
 * down by their modules (docs/ipc.md); the remaining placeholders are where
 * later modules hook theirs. Every final finalisation is counted, which is
 * what the host tests assert on (exactly once, when the last cap goes).
 */
#include "object.h"

#include "asid.h"
#include "channel_obj.h"
#include "compiler.h"
#include "endpoint.h"
#include "notification.h"
#include "port.h"
#include "reply.h"
#include "tcb.h"
#include "uintr_obj.h"
#include "vspace.h"

uint64_t object_finalise_count[CAP_TYPE_COUNT];
uint64_t object_unmap_count;

unsigned object_size_bits(enum object_type type, unsigned user_bits)
{
	switch (type) {
	case OBJ_UNTYPED: return user_bits;
	case OBJ_TCB: return TCB_SIZE_BITS;
	case OBJ_ENDPOINT: return ENDPOINT_SIZE_BITS;
	case OBJ_NOTIFICATION: return NOTIFICATION_SIZE_BITS;
	case OBJ_CNODE: return user_bits + CTE_SIZE_BITS;
	case OBJ_REPLY: return REPLY_SIZE_BITS;
	case OBJ_FRAME_4K: return frame_size_bits(FRAME_SIZE_4K);
	case OBJ_FRAME_2M: return frame_size_bits(FRAME_SIZE_2M);
	case OBJ_FRAME_1G: return frame_size_bits(FRAME_SIZE_1G);
	case OBJ_PAGE_TABLE: return PAGE_TABLE_SIZE_BITS;
	case OBJ_SERVICE: return SERVICE_SIZE_BITS;
	case OBJ_CHANNEL: return CHANNEL_SIZE_BITS;
	case OBJ_SENDER_TABLE: return sender_table_object_bits(user_bits);
	}
	CORE_ASSERT(!"object type was validated");
	return 0;
}

unsigned sender_table_object_bits(unsigned radix)
{
	CORE_ASSERT(radix <= SENDER_TABLE_RADIX_MAX);
	uint64_t bytes = sender_table_uist_offset(radix) + UINTR_PAGE_BYTES;
	unsigned bits = 12;
	while (((uint64_t)1 << bits) < bytes)
		bits++;
	return bits;
}

bool object_type_is_frame(enum object_type type)
{
	return type == OBJ_FRAME_4K || type == OBJ_FRAME_2M || type == OBJ_FRAME_1G;
}

void object_zero(void *p, uint64_t n)
{
	/* Objects are at least 16-byte aligned and sized: clear by words. */
	uint64_t *word = p;
	CORE_ASSERT(((uintptr_t)p & 7) == 0 && (n & 7) == 0);
	for (uint64_t i = 0; i < n / 8; i++)
		word[i] = 0;
}

struct cap object_init(enum object_type type, uintptr_t base, unsigned user_bits, bool device)
{
	const struct cap_rights all = cap_rights_make(CAP_RIGHTS_ALL);
	const struct cap_rights rw = cap_rights_make(CAP_RIGHT_READ | CAP_RIGHT_WRITE);
	/* Nothing is cleared here: memory an untyped hands out (above its
	 * watermark) is zero already, because retype resets an untyped,
	 * preemptibly, before it hands out memory again (untyped.c). Device
	 * memory is never touched. */
	switch (type) {
	/* Its memory lies above its parent's watermark: zero, all free. */
	case OBJ_UNTYPED:
		return cap_untyped_set_free_index(cap_untyped_new(base, user_bits, device), 0);
	case OBJ_TCB: return cap_tcb_new(base);
	case OBJ_ENDPOINT: return cap_endpoint_new(base, 0, all);
	case OBJ_NOTIFICATION: return cap_notification_new(base, 0, all);
	/* A zeroed CNode is all null caps with empty MDB nodes. */
	case OBJ_CNODE: return cap_cnode_new(base, user_bits, 0, 0);
	case OBJ_REPLY: return cap_reply_new(base, all);
	case OBJ_FRAME_4K: return cap_frame_new(base, FRAME_SIZE_4K, rw, device);
	case OBJ_FRAME_2M: return cap_frame_new(base, FRAME_SIZE_2M, rw, device);
	case OBJ_FRAME_1G: return cap_frame_new(base, FRAME_SIZE_1G, rw, device);
	case OBJ_PAGE_TABLE: return cap_page_table_new(base);
	case OBJ_SERVICE: return cap_service_new(base, 0);
	case OBJ_CHANNEL: return cap_channel_new(base);
	case OBJ_SENDER_TABLE:
		/* The one object laid out here: its size word is not zero. */
		sender_table_object_init(base, user_bits);
		return cap_sender_table_new(base, user_bits);
	}
	CORE_ASSERT(!"object type was validated");
	return cap_null();
}

void object_finalise(struct cap cap, bool final)
{
	switch (cap_type(cap)) {
	case CAP_FRAME:
		/* A channel's copy (never mapped): the channel lets go first. */
		if (cap_frame_holder(cap) != 0)
			channel_frame_gone(cap);
		/* A frame cap owns its mapping: unmapped when it goes, final or not. */
		if (cap_is_mapped(cap)) {
			object_unmap_count++;
			vspace_finalise_frame(cap);
		}
		break;
	case CAP_PAGE_TABLE:
		/* Copies share the table's mapping: the last one unmaps it (or, for a
		 * VSpace root, invalidates its ASID). */
		if (final && cap_is_mapped(cap)) {
			object_unmap_count++;
			vspace_finalise_page_table(cap);
		}
		break;
	case CAP_ZOMBIE:
		/* The zombie of a CNode is finished: the CNode is gone. */
		CORE_ASSERT(final && cap_zombie_remaining(cap) == 0);
		object_finalise_count[CAP_CNODE]++;
		return;
	case CAP_ASID_POOL:
		if (final)
			asid_pool_finalise(cap); /* invalidate and flush its ASIDs */
		break;
	case CAP_CNODE:
		/* cte.c turns a final CNode cap into a zombie instead. */
		CORE_ASSERT(!final);
		return;
	case CAP_TCB:
		if (final)
			tcb_finalise(tcb_from_cap(cap));
		break;
	case CAP_ENDPOINT:
		if (final)
			endpoint_finalise((struct endpoint *)cap_ptr(cap));
		break;
	case CAP_NOTIFICATION:
		if (final)
			notification_finalise((struct notification *)cap_ptr(cap));
		break;
	case CAP_REPLY:
		if (final)
			reply_finalise((struct reply *)cap_ptr(cap));
		break;
	case CAP_IRQ_HANDLER:
		/* Copies share the line: the last one gives it back (seL4's
		 * deletingIRQHandler). */
		if (final)
			port_irq_handler_deleted(cap_irq(cap));
		break;
	case CAP_SERVICE:
		if (final)
			uintr_service_finalise((struct uintr_service *)cap_ptr(cap));
		break;
	case CAP_SENDER_TABLE:
		if (final)
			sender_table_finalise((struct uintr_sender_table *)cap_ptr(cap));
		break;
	case CAP_CHANNEL:
		if (final)
			channel_finalise((struct channel *)cap_ptr(cap));
		break;
	case CAP_NULL:
	case CAP_UNTYPED: /* deleting an untyped cap leaves its objects alive */
	case CAP_ASID_CONTROL:
	case CAP_IRQ_CONTROL:
	case CAP_DOMAIN: return;
	}
	if (final)
		object_finalise_count[cap_type(cap)]++;
}

struct cte *object_remainder(struct cap cap)
{
	if (cap_type(cap) != CAP_TCB)
		return NULL;
	return tcb_remainder(tcb_from_cap(cap));
}
