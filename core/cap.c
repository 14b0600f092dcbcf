/* SPDX-License-Identifier: MIT */
/*
 * Capability words: constructors, accessors and the derivation predicates.
 * See cap.h for the layout. Every constructor asserts that its inputs fit
 * (a kernel bug otherwise: user input is validated before a cap is built).
 */
#include "cap.h"

#include "compiler.h"
#include "object.h"

#define MASK(bits) CAP_MASK(bits)
#define PTR_MASK MASK(CAP_PTR_BITS)

static uint64_t field_get(uint64_t word, unsigned shift, unsigned bits)
{
	return cap_field_get(word, shift, bits);
}

static bool has_mapping(struct cap cap)
{
	return cap_has_mapping(cap);
}

static uint64_t field_set(uint64_t word, unsigned shift, unsigned bits, uint64_t value)
{
	CORE_ASSERT((value & ~MASK(bits)) == 0);
	return (word & ~(MASK(bits) << shift)) | (value << shift);
}

static uintptr_t ptr_decode(uint64_t word)
{
	return cap_ptr_decode(word);
}

static struct cap cap_make(enum cap_type type, uintptr_t ptr, uint64_t word1)
{
	CORE_ASSERT(ptr_decode((uint64_t)ptr) == ptr); /* canonical address */
	struct cap cap = { { ((uint64_t)type << CAP_TYPE_SHIFT) | ((uint64_t)ptr & PTR_MASK),
			     word1 } };
	return cap;
}

static struct cap with_field(struct cap cap, unsigned shift, unsigned bits, uint64_t value)
{
	cap.words[0] = field_set(cap.words[0], shift, bits, value);
	return cap;
}

unsigned frame_size_bits(enum frame_size size)
{
	switch (size) {
	case FRAME_SIZE_4K: return 12;
	case FRAME_SIZE_2M: return 21;
	case FRAME_SIZE_1G: return 30;
	}
	CORE_ASSERT(!"frame size class");
	return 0;
}

struct cap cap_null(void)
{
	return (struct cap){ { 0, 0 } };
}

struct cap cap_untyped_new(uintptr_t base, unsigned size_bits, bool device)
{
	CORE_ASSERT(size_bits >= UNTYPED_MIN_BITS && size_bits <= UNTYPED_MAX_BITS);
	CORE_ASSERT((base & MASK(size_bits)) == 0); /* untyped is naturally aligned */
	/* Normal memory starts used up: nothing says it is zero yet, so the
	 * first retype resets (clears) it, preemptibly (untyped.h). */
	uint64_t free_index = device ? 0 : (uint64_t)1 << size_bits;
	struct cap cap = cap_make(CAP_UNTYPED, base, free_index);
	cap = with_field(cap, CAP_SIZE_SHIFT, 6, size_bits);
	return with_field(cap, CAP_DEVICE_SHIFT, 1, device);
}

struct cap cap_cnode_new(uintptr_t base, unsigned radix, unsigned guard_size, uint64_t guard)
{
	CORE_ASSERT(radix >= CNODE_RADIX_MIN && radix <= CNODE_RADIX_MAX);
	CORE_ASSERT(radix + guard_size <= WORD_BITS);
	CORE_ASSERT((guard & ~MASK(guard_size)) == 0 && (guard & ~MASK(CAP_GUARD_BITS_MAX)) == 0);
	CORE_ASSERT((base & MASK(radix + CTE_SIZE_BITS)) == 0);
	struct cap cap =
	    cap_make(CAP_CNODE, base, guard | ((uint64_t)guard_size << CAP_GUARD_SIZE_SHIFT));
	return with_field(cap, CAP_SIZE_SHIFT, 6, radix);
}

struct cap cap_tcb_new(uintptr_t tcb)
{
	CORE_ASSERT((tcb & MASK(TCB_SIZE_BITS)) == 0);
	return cap_make(CAP_TCB, tcb, 0);
}

struct cap cap_endpoint_new(uintptr_t ep, uint64_t badge, struct cap_rights rights)
{
	CORE_ASSERT((ep & MASK(ENDPOINT_SIZE_BITS)) == 0);
	return with_field(cap_make(CAP_ENDPOINT, ep, badge), CAP_RIGHTS_SHIFT, 4, rights.bits);
}

struct cap cap_notification_new(uintptr_t ntfn, uint64_t badge, struct cap_rights rights)
{
	CORE_ASSERT((ntfn & MASK(NOTIFICATION_SIZE_BITS)) == 0);
	return with_field(cap_make(CAP_NOTIFICATION, ntfn, badge), CAP_RIGHTS_SHIFT, 4,
			  rights.bits);
}

struct cap cap_reply_new(uintptr_t reply, struct cap_rights rights)
{
	CORE_ASSERT((reply & MASK(REPLY_SIZE_BITS)) == 0);
	return with_field(cap_make(CAP_REPLY, reply, 0), CAP_RIGHTS_SHIFT, 4, rights.bits);
}

struct cap cap_frame_new(uintptr_t base, enum frame_size size, struct cap_rights rights,
			 bool device)
{
	CORE_ASSERT((base & MASK(frame_size_bits(size))) == 0);
	/* Frames carry read and write only; write without read is no right. */
	CORE_ASSERT((rights.bits & ~(CAP_RIGHT_READ | CAP_RIGHT_WRITE)) == 0);
	struct cap cap = cap_make(CAP_FRAME, base, 0);
	cap = with_field(cap, CAP_RIGHTS_SHIFT, 4, rights.bits);
	cap = with_field(cap, CAP_FRAME_SIZE_SHIFT, 2, size);
	return with_field(cap, CAP_DEVICE_SHIFT, 1, device);
}

struct cap cap_page_table_new(uintptr_t table)
{
	CORE_ASSERT((table & MASK(PAGE_TABLE_SIZE_BITS)) == 0);
	return cap_make(CAP_PAGE_TABLE, table, 0);
}

struct cap cap_asid_control_new(void)
{
	return cap_make(CAP_ASID_CONTROL, 0, 0);
}

struct cap cap_asid_pool_new(uintptr_t pool, uint64_t asid_base)
{
	CORE_ASSERT((pool & MASK(ASID_POOL_SIZE_BITS)) == 0);
	return cap_make(CAP_ASID_POOL, pool, asid_base);
}

struct cap cap_irq_control_new(void)
{
	return cap_make(CAP_IRQ_CONTROL, 0, 0);
}

struct cap cap_irq_handler_new(uint64_t irq)
{
	return cap_make(CAP_IRQ_HANDLER, 0, irq);
}

struct cap cap_domain_new(void)
{
	return cap_make(CAP_DOMAIN, 0, 0);
}

struct cap cap_service_new(uintptr_t service, uint64_t badge)
{
	CORE_ASSERT((service & MASK(SERVICE_SIZE_BITS)) == 0);
	return cap_make(CAP_SERVICE, service, badge);
}

struct cap cap_channel_new(uintptr_t channel)
{
	CORE_ASSERT((channel & MASK(CHANNEL_SIZE_BITS)) == 0);
	return cap_make(CAP_CHANNEL, channel, 0);
}

struct cap cap_sender_table_new(uintptr_t table, unsigned radix)
{
	CORE_ASSERT(radix <= SENDER_TABLE_RADIX_MAX);
	CORE_ASSERT((table & MASK(sender_table_object_bits(radix))) == 0);
	return with_field(cap_make(CAP_SENDER_TABLE, table, 0), CAP_SIZE_SHIFT, 6, radix);
}

unsigned cap_sender_table_radix(struct cap cap)
{
	CORE_ASSERT(cap_type(cap) == CAP_SENDER_TABLE);
	return (unsigned)field_get(cap.words[0], CAP_SIZE_SHIFT, 6);
}

struct cap cap_zombie_new(uintptr_t cnode, unsigned radix, uint64_t remaining)
{
	CORE_ASSERT(radix >= CNODE_RADIX_MIN && radix <= CNODE_RADIX_MAX);
	CORE_ASSERT(remaining <= ((uint64_t)1 << radix));
	return with_field(cap_make(CAP_ZOMBIE, cnode, remaining), CAP_SIZE_SHIFT, 6, radix);
}

unsigned cap_untyped_size_bits(struct cap cap)
{
	CORE_ASSERT(cap_type(cap) == CAP_UNTYPED);
	return (unsigned)field_get(cap.words[0], CAP_SIZE_SHIFT, 6);
}

bool cap_untyped_is_device(struct cap cap)
{
	CORE_ASSERT(cap_type(cap) == CAP_UNTYPED);
	return field_get(cap.words[0], CAP_DEVICE_SHIFT, 1);
}

uint64_t cap_untyped_free_index(struct cap cap)
{
	CORE_ASSERT(cap_type(cap) == CAP_UNTYPED);
	return cap.words[1];
}

struct cap cap_untyped_set_free_index(struct cap cap, uint64_t free_index)
{
	CORE_ASSERT(cap_type(cap) == CAP_UNTYPED);
	CORE_ASSERT(free_index <= ((uint64_t)1 << cap_untyped_size_bits(cap)));
	cap.words[1] = free_index;
	return cap;
}

enum frame_size cap_frame_size(struct cap cap)
{
	CORE_ASSERT(cap_type(cap) == CAP_FRAME);
	return (enum frame_size)field_get(cap.words[0], CAP_FRAME_SIZE_SHIFT, 2);
}

bool cap_frame_is_device(struct cap cap)
{
	CORE_ASSERT(cap_type(cap) == CAP_FRAME);
	return field_get(cap.words[0], CAP_DEVICE_SHIFT, 1);
}

uint64_t cap_mapped_vaddr(struct cap cap)
{
	CORE_ASSERT(has_mapping(cap));
	return field_get(cap.words[1], 0, CAP_MAPPED_ASID_SHIFT);
}

struct cap cap_frame_set_holder(struct cap cap, uintptr_t holder)
{
	CORE_ASSERT(cap_type(cap) == CAP_FRAME && !cap_is_mapped(cap) && holder != 0);
	cap.words[1] = (uint64_t)holder;
	return with_field(cap, CAP_HELD_SHIFT, 1, 1);
}

uintptr_t cap_frame_holder(struct cap cap)
{
	CORE_ASSERT(cap_type(cap) == CAP_FRAME);
	return field_get(cap.words[0], CAP_HELD_SHIFT, 1) ? (uintptr_t)cap.words[1] : 0;
}

struct cap cap_set_mapping(struct cap cap, uint64_t asid, uint64_t vaddr)
{
	CORE_ASSERT(has_mapping(cap));
	cap.words[1] = field_set(field_set(0, CAP_MAPPED_ASID_SHIFT, 16, asid), 0,
				 CAP_MAPPED_ASID_SHIFT, vaddr);
	return with_field(cap, CAP_MAPPED_SHIFT, 1, 1);
}

struct cap cap_clear_mapping(struct cap cap)
{
	CORE_ASSERT(has_mapping(cap));
	cap.words[1] = 0;
	return with_field(cap, CAP_MAPPED_SHIFT, 1, 0);
}

uint64_t cap_asid_base(struct cap cap)
{
	CORE_ASSERT(cap_type(cap) == CAP_ASID_POOL);
	return cap.words[1];
}

uint64_t cap_irq(struct cap cap)
{
	CORE_ASSERT(cap_type(cap) == CAP_IRQ_HANDLER);
	return cap.words[1];
}

unsigned cap_zombie_radix(struct cap cap)
{
	CORE_ASSERT(cap_type(cap) == CAP_ZOMBIE);
	return (unsigned)field_get(cap.words[0], CAP_SIZE_SHIFT, 6);
}

uint64_t cap_zombie_remaining(struct cap cap)
{
	CORE_ASSERT(cap_type(cap) == CAP_ZOMBIE);
	return cap.words[1];
}

struct cap cap_zombie_set_remaining(struct cap cap, uint64_t remaining)
{
	CORE_ASSERT(remaining <= ((uint64_t)1 << cap_zombie_radix(cap)));
	cap.words[1] = remaining;
	return cap;
}

bool cap_region(struct cap cap, uintptr_t *base, unsigned *size_bits)
{
	unsigned bits = 0;
	switch (cap_type(cap)) {
	case CAP_UNTYPED: bits = cap_untyped_size_bits(cap); break;
	case CAP_CNODE: bits = cap_cnode_radix(cap) + CTE_SIZE_BITS; break;
	case CAP_ZOMBIE: bits = cap_zombie_radix(cap) + CTE_SIZE_BITS; break;
	case CAP_TCB: bits = TCB_SIZE_BITS; break;
	case CAP_ENDPOINT: bits = ENDPOINT_SIZE_BITS; break;
	case CAP_NOTIFICATION: bits = NOTIFICATION_SIZE_BITS; break;
	case CAP_REPLY: bits = REPLY_SIZE_BITS; break;
	case CAP_FRAME: bits = frame_size_bits(cap_frame_size(cap)); break;
	case CAP_PAGE_TABLE: bits = PAGE_TABLE_SIZE_BITS; break;
	case CAP_ASID_POOL: bits = ASID_POOL_SIZE_BITS; break;
	case CAP_SERVICE: bits = SERVICE_SIZE_BITS; break;
	case CAP_CHANNEL: bits = CHANNEL_SIZE_BITS; break;
	case CAP_SENDER_TABLE: bits = sender_table_object_bits(cap_sender_table_radix(cap)); break;
	case CAP_NULL:
	case CAP_ASID_CONTROL:
	case CAP_IRQ_CONTROL:
	case CAP_IRQ_HANDLER:
	case CAP_DOMAIN: return false;
	}
	*base = cap_ptr(cap);
	*size_bits = bits;
	return true;
}

/* [b, b + 2^bb) lies inside [a, a + 2^ab); no overflow for canonical addresses. */
static bool region_contains(uintptr_t a, unsigned ab, uintptr_t b, unsigned bb)
{
	uint64_t a_last = (uint64_t)a + (((uint64_t)1 << ab) - 1);
	uint64_t b_last = (uint64_t)b + (((uint64_t)1 << bb) - 1);
	return a <= b && b_last <= a_last;
}

bool cap_same_region_as(struct cap a, struct cap b)
{
	uintptr_t abase, bbase;
	unsigned abits, bbits;
	switch (cap_type(a)) {
	case CAP_UNTYPED:
		/* Everything made from this memory, and untyped carved from it. */
		if (!cap_region(b, &bbase, &bbits))
			return false;
		(void)cap_region(a, &abase, &abits);
		return region_contains(abase, abits, bbase, bbits);
	case CAP_FRAME:
		return cap_type(b) == CAP_FRAME && cap_ptr(a) == cap_ptr(b) &&
		       cap_frame_size(a) == cap_frame_size(b);
	case CAP_CNODE:
		return cap_type(b) == CAP_CNODE && cap_ptr(a) == cap_ptr(b) &&
		       cap_cnode_radix(a) == cap_cnode_radix(b);
	case CAP_TCB:
	case CAP_ENDPOINT:
	case CAP_NOTIFICATION:
	case CAP_REPLY:
	case CAP_PAGE_TABLE:
	case CAP_ASID_POOL:
	case CAP_SERVICE:
	case CAP_CHANNEL:
	case CAP_SENDER_TABLE: return cap_type(b) == cap_type(a) && cap_ptr(a) == cap_ptr(b);
	case CAP_ASID_CONTROL:
	case CAP_DOMAIN: return cap_type(b) == cap_type(a);
	case CAP_IRQ_CONTROL:
		/* IRQ handlers are issued by IRQ control and are its children. */
		return cap_type(b) == CAP_IRQ_CONTROL || cap_type(b) == CAP_IRQ_HANDLER;
	case CAP_IRQ_HANDLER: return cap_type(b) == CAP_IRQ_HANDLER && cap_irq(a) == cap_irq(b);
	case CAP_NULL:
	case CAP_ZOMBIE: return false;
	}
	return false;
}

bool cap_same_object_as(struct cap a, struct cap b)
{
	/* Untyped memory is not an object: two untyped caps are never "the same". */
	if (cap_type(a) == CAP_UNTYPED || cap_type(b) == CAP_UNTYPED)
		return false;
	/* IRQ control and a handler share a region but not an object. */
	if (cap_type(a) == CAP_IRQ_CONTROL && cap_type(b) == CAP_IRQ_HANDLER)
		return false;
	if (cap_type(a) == CAP_FRAME && cap_type(b) == CAP_FRAME &&
	    cap_frame_is_device(a) != cap_frame_is_device(b))
		return false;
	return cap_same_region_as(a, b);
}

bool cap_is_revocable(struct cap derived, struct cap src)
{
	switch (cap_type(derived)) {
	case CAP_ENDPOINT:
	case CAP_NOTIFICATION:
	case CAP_SERVICE:
		/* Badging starts a subtree that can be revoked on its own. */
		return cap_badge(derived) != cap_badge(src);
	case CAP_IRQ_HANDLER: return cap_type(src) == CAP_IRQ_CONTROL;
	case CAP_UNTYPED: return true;
	case CAP_NULL:
	case CAP_CNODE:
	case CAP_TCB:
	case CAP_REPLY:
	case CAP_FRAME:
	case CAP_PAGE_TABLE:
	case CAP_ASID_CONTROL:
	case CAP_ASID_POOL:
	case CAP_IRQ_CONTROL:
	case CAP_DOMAIN:
	case CAP_CHANNEL:
	case CAP_SENDER_TABLE:
	case CAP_ZOMBIE: return false;
	}
	return false;
}

struct cap cap_update_data(struct cap cap, bool preserve, uint64_t data)
{
	switch (cap_type(cap)) {
	case CAP_ENDPOINT:
	case CAP_NOTIFICATION:
	case CAP_SERVICE:
		/* One badge per cap, set only by mint: a badge is an identity. */
		if (preserve || cap_badge(cap) != 0)
			return cap_null();
		cap.words[1] = data;
		return cap;
	case CAP_CNODE: {
		unsigned guard_size = (unsigned)(data & 63u);
		uint64_t guard = data >> 6; /* at most CAP_GUARD_BITS_MAX bits */
		if (guard_size + cap_cnode_radix(cap) > WORD_BITS)
			return cap_null();
		guard &= MASK(guard_size);
		cap.words[1] = guard | ((uint64_t)guard_size << CAP_GUARD_SIZE_SHIFT);
		return cap;
	}
	case CAP_NULL:
	case CAP_UNTYPED:
	case CAP_TCB:
	case CAP_REPLY:
	case CAP_FRAME:
	case CAP_PAGE_TABLE:
	case CAP_ASID_CONTROL:
	case CAP_ASID_POOL:
	case CAP_IRQ_CONTROL:
	case CAP_IRQ_HANDLER:
	case CAP_DOMAIN:
	case CAP_CHANNEL:
	case CAP_SENDER_TABLE:
	case CAP_ZOMBIE: return cap;
	}
	return cap;
}

struct cap cap_mask_rights(struct cap cap, struct cap_rights mask)
{
	unsigned rights;
	switch (cap_type(cap)) {
	case CAP_ENDPOINT:
	case CAP_NOTIFICATION:
	case CAP_REPLY:
		rights = cap_rights(cap).bits & mask.bits;
		return with_field(cap, CAP_RIGHTS_SHIFT, 4, rights);
	case CAP_FRAME:
		rights = cap_rights(cap).bits & mask.bits;
		if (!(rights & CAP_RIGHT_READ))
			rights = 0; /* RISC-V has no write-only mapping */
		return with_field(cap, CAP_RIGHTS_SHIFT, 4, rights);
	case CAP_NULL:
	case CAP_UNTYPED:
	case CAP_CNODE:
	case CAP_TCB:
	case CAP_PAGE_TABLE:
	case CAP_ASID_CONTROL:
	case CAP_ASID_POOL:
	case CAP_IRQ_CONTROL:
	case CAP_IRQ_HANDLER:
	case CAP_DOMAIN:
	case CAP_SERVICE:
	case CAP_CHANNEL:
	case CAP_SENDER_TABLE:
	case CAP_ZOMBIE: return cap;
	}
	return cap;
}
