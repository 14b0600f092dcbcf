/* SPDX-License-Identifier: MIT */
/*
 * The capability: two 64-bit words, a type and per-type fields (STYLE.md
 * item 7: words with accessors, never C bitfields). This file owns the
 * layout, the constructors and accessors, rights, and the pure predicates the
 * derivation tree is built on (same_region_as, same_object_as, is_revocable,
 * update_data, mask_rights). Nothing here touches a slot or the tree; those
 * live in cte.c and mdb.c. The null capability is the all-zero pair, so a
 * zeroed CNode is a CNode of empty slots.
 *
 * Word 0: bits 63..59 type, bits 58..48 small per-type fields, bits 47..0 the
 *         object's kernel-virtual address (sign-extended from bit 47 on read,
 *         so Sv39/Sv48 kernel addresses and host pointers both round-trip).
 * Word 1: one per-type word (badge, guard, watermark, mapping, count).
 * The exact positions per type are in docs/capabilities.md.
 */
#ifndef CORE_CAP_H
#define CORE_CAP_H

#include <stdbool.h>
#include <stdint.h>

#include "compiler.h"

/*
 * Capability types. Values are kernel-internal (users see object types, see
 * object.h), but the field is 5 bits wide, so at most 32 types.
 */
enum cap_type {
	CAP_NULL = 0,
	CAP_UNTYPED = 1,
	CAP_CNODE = 2,
	CAP_TCB = 3,
	CAP_ENDPOINT = 4,
	CAP_NOTIFICATION = 5,
	CAP_REPLY = 6,
	CAP_FRAME = 7,
	CAP_PAGE_TABLE = 8,
	CAP_ASID_CONTROL = 9,
	CAP_ASID_POOL = 10,
	CAP_IRQ_CONTROL = 11,
	CAP_IRQ_HANDLER = 12,
	CAP_DOMAIN = 13,
	CAP_SERVICE = 14,      /* uintr service: a server's handler (uintr issue) */
	CAP_CHANNEL = 15,      /* IPC channel between a client and a server */
	CAP_ZOMBIE = 16,       /* a CNode being destroyed; internal, never derived */
	CAP_SENDER_TABLE = 17, /* uintr sender table of 2^radix entries (core/uintr_obj.h) */
};
#define CAP_TYPE_COUNT 18

struct cap {
	uint64_t words[2];
};

_Static_assert(sizeof(struct cap) == 16, "a capability is two words");

/* Layout constants, shared by the accessors and their _Static_asserts. */
#define CAP_TYPE_SHIFT 59
#define CAP_TYPE_BITS 5
#define CAP_PTR_BITS 48
#define CAP_FIELD_SHIFT 48 /* small per-type fields: word 0 bits 58..48 */
#define CAP_FIELD_BITS 11
#define CAP_RIGHTS_SHIFT 48      /* 4 bits */
#define CAP_SIZE_SHIFT 48        /* untyped size bits / CNode radix: 6 bits */
#define CAP_DEVICE_SHIFT 54      /* untyped and frame: 1 bit */
#define CAP_FRAME_SIZE_SHIFT 52  /* frame size class: 2 bits */
#define CAP_MAPPED_SHIFT 55      /* frame and page table: 1 bit */
#define CAP_GUARD_BITS_MAX 58    /* CNode guard value: word 1 bits 57..0 */
#define CAP_GUARD_SIZE_SHIFT 58  /* CNode guard size: word 1 bits 63..58 */
#define CAP_MAPPED_ASID_SHIFT 48 /* frame/page table: word 1 bits 63..48 */
#define CAP_HELD_SHIFT 56        /* frame: 1 bit, a channel's copy (word 1 its holder) */

_Static_assert(CAP_TYPE_SHIFT + CAP_TYPE_BITS == 64, "type is the top field");
_Static_assert(CAP_FIELD_SHIFT + CAP_FIELD_BITS == CAP_TYPE_SHIFT,
	       "small fields sit between the pointer and the type");
_Static_assert(CAP_PTR_BITS == CAP_FIELD_SHIFT, "pointer is the low field");
_Static_assert(CAP_TYPE_COUNT <= (1 << CAP_TYPE_BITS), "types fit the field");
_Static_assert(CAP_SIZE_SHIFT + 6 <= CAP_DEVICE_SHIFT, "size below device bit");
_Static_assert(CAP_RIGHTS_SHIFT + 4 <= CAP_FRAME_SIZE_SHIFT, "frame rights below frame size class");
_Static_assert(CAP_FRAME_SIZE_SHIFT + 2 <= CAP_DEVICE_SHIFT, "size class below device");
_Static_assert(CAP_MAPPED_SHIFT < CAP_TYPE_SHIFT, "mapped bit below type");
_Static_assert(CAP_GUARD_SIZE_SHIFT == CAP_GUARD_BITS_MAX, "guard size above guard");

/* Rights, as seL4's: read, write, grant, grant-reply. */
#define CAP_RIGHT_READ 1u
#define CAP_RIGHT_WRITE 2u
#define CAP_RIGHT_GRANT 4u
#define CAP_RIGHT_GRANT_REPLY 8u
#define CAP_RIGHTS_ALL 15u

struct cap_rights {
	unsigned bits; /* CAP_RIGHT_* only */
};

static inline struct cap_rights cap_rights_make(unsigned bits)
{
	return (struct cap_rights){ bits & CAP_RIGHTS_ALL };
}

/* Frame size classes: Sv39's three page sizes. */
enum frame_size {
	FRAME_SIZE_4K = 0,
	FRAME_SIZE_2M = 1,
	FRAME_SIZE_1G = 2,
};

unsigned frame_size_bits(enum frame_size size);

/* --- Constructors. Each asserts its inputs fit their fields. --- */
struct cap cap_null(void);
/* Normal memory starts with its watermark at the top (used up: its first
 * retype clears it); device memory at zero (it is never cleared). */
struct cap cap_untyped_new(uintptr_t base, unsigned size_bits, bool device);
struct cap cap_cnode_new(uintptr_t base, unsigned radix, unsigned guard_size, uint64_t guard);
struct cap cap_tcb_new(uintptr_t tcb);
struct cap cap_endpoint_new(uintptr_t ep, uint64_t badge, struct cap_rights rights);
struct cap cap_notification_new(uintptr_t ntfn, uint64_t badge, struct cap_rights rights);
struct cap cap_reply_new(uintptr_t reply, struct cap_rights rights);
struct cap cap_frame_new(uintptr_t base, enum frame_size size, struct cap_rights rights,
			 bool device);
struct cap cap_page_table_new(uintptr_t table);
struct cap cap_asid_control_new(void);
struct cap cap_asid_pool_new(uintptr_t pool, uint64_t asid_base);
struct cap cap_irq_control_new(void);
struct cap cap_irq_handler_new(uint64_t irq);
struct cap cap_domain_new(void);
struct cap cap_service_new(uintptr_t service, uint64_t badge);
struct cap cap_channel_new(uintptr_t channel);
struct cap cap_zombie_new(uintptr_t cnode, unsigned radix, uint64_t remaining);
struct cap cap_sender_table_new(uintptr_t table, unsigned radix);

/* --- Accessors. Each asserts the capability has a type the field exists in.
 * The ones the IPC paths use on every call are inline (below). --- */

unsigned cap_untyped_size_bits(struct cap cap);
bool cap_untyped_is_device(struct cap cap);
uint64_t cap_untyped_free_index(struct cap cap); /* watermark, bytes from base */
struct cap cap_untyped_set_free_index(struct cap cap, uint64_t free_index);

enum frame_size cap_frame_size(struct cap cap);
bool cap_frame_is_device(struct cap cap);
uint64_t cap_mapped_vaddr(struct cap cap);
struct cap cap_set_mapping(struct cap cap, uint64_t asid, uint64_t vaddr);
struct cap cap_clear_mapping(struct cap cap);
/* A channel's copy of a frame (core/channel_obj.h): unmapped, and word 1 names
 * the holder (a kernel address, its low bits free for a small index). */
struct cap cap_frame_set_holder(struct cap cap, uintptr_t holder);
uintptr_t cap_frame_holder(struct cap cap); /* 0: no holder */

uint64_t cap_asid_base(struct cap cap);
uint64_t cap_irq(struct cap cap);

unsigned cap_sender_table_radix(struct cap cap); /* log2 of its entries */

unsigned cap_zombie_radix(struct cap cap);
uint64_t cap_zombie_remaining(struct cap cap);
struct cap cap_zombie_set_remaining(struct cap cap, uint64_t remaining);

/*
 * The memory an object occupies: [base, base + 2^size_bits). Defined for caps
 * that name memory (untyped, CNode, zombie, TCB, endpoint, notification,
 * reply, frame, page table, ASID pool, service, channel, sender table); false
 * otherwise.
 */
bool cap_region(struct cap cap, uintptr_t *base, unsigned *size_bits);

/* --- Predicates of the derivation tree (seL4's documented rules). --- */

/* b names memory or authority inside what a names (a may be b's MDB parent). */
bool cap_same_region_as(struct cap a, struct cap b);
/* a and b name the same object (never true for untyped). */
bool cap_same_object_as(struct cap a, struct cap b);
/* A cap derived as `derived` from `src` starts a new revocable subtree. */
bool cap_is_revocable(struct cap derived, struct cap src);
/*
 * Mint/mutate data: badge an unbadged endpoint/notification/service
 * (preserve=false only), or set a CNode's guard from a guard word (bits 5..0
 * guard size, bits 63..6 guard). Returns the null cap when the change is not
 * allowed: a second badge, a badge on mutate, a guard that does not fit.
 */
struct cap cap_update_data(struct cap cap, bool preserve, uint64_t data);
/* Remove rights not in `mask`; frames lose write with read (no W-only PTE). */
struct cap cap_mask_rights(struct cap cap, struct cap_rights mask);

/* Guard word for cap_update_data on a CNode cap. */
static inline uint64_t cap_guard_word(unsigned guard_size, uint64_t guard)
{
	return ((uint64_t)(guard_size & 63u)) | (guard << 6);
}

/* --- The hot accessors, inline: every IPC reads them (kernel/fastpath.c,
 * the slow path). Contracts as above, checked in the host tests
 * (CORE_ASSERT_HOT); cap.c has the rest. --- */

#define CAP_MASK(bits) ((bits) >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << (bits)) - 1))

HOT_INLINE uint64_t cap_field_get(uint64_t word, unsigned shift, unsigned bits)
{
	return (word >> shift) & CAP_MASK(bits);
}

/* Pointers are stored as their low 48 bits and sign-extended on read. */
HOT_INLINE uintptr_t cap_ptr_decode(uint64_t word)
{
	return (uintptr_t)((int64_t)(word << (64 - CAP_PTR_BITS)) >> (64 - CAP_PTR_BITS));
}

HOT_INLINE enum cap_type cap_type(struct cap cap)
{
	uint64_t type = cap_field_get(cap.words[0], CAP_TYPE_SHIFT, CAP_TYPE_BITS);
	CORE_ASSERT_HOT(type < CAP_TYPE_COUNT);
	return (enum cap_type)type;
}

HOT_INLINE bool cap_is_null(struct cap cap)
{
	return cap_type(cap) == CAP_NULL;
}

/* The object address, 0 for caps without one. */
HOT_INLINE uintptr_t cap_ptr(struct cap cap)
{
	return cap_ptr_decode(cap.words[0]);
}

HOT_INLINE unsigned cap_cnode_radix(struct cap cap)
{
	CORE_ASSERT_HOT(cap_type(cap) == CAP_CNODE);
	return (unsigned)cap_field_get(cap.words[0], CAP_SIZE_SHIFT, 6);
}

HOT_INLINE unsigned cap_cnode_guard_size(struct cap cap)
{
	CORE_ASSERT_HOT(cap_type(cap) == CAP_CNODE);
	return (unsigned)cap_field_get(cap.words[1], CAP_GUARD_SIZE_SHIFT, 6);
}

HOT_INLINE uint64_t cap_cnode_guard(struct cap cap)
{
	CORE_ASSERT_HOT(cap_type(cap) == CAP_CNODE);
	return cap_field_get(cap.words[1], 0, CAP_GUARD_BITS_MAX);
}

/* Endpoint, notification, service. */
HOT_INLINE uint64_t cap_badge(struct cap cap)
{
	CORE_ASSERT_HOT(cap_type(cap) == CAP_ENDPOINT || cap_type(cap) == CAP_NOTIFICATION ||
			cap_type(cap) == CAP_SERVICE);
	return cap.words[1];
}

/* Endpoint, notification, reply, frame. */
HOT_INLINE struct cap_rights cap_rights(struct cap cap)
{
	CORE_ASSERT_HOT(cap_type(cap) == CAP_ENDPOINT || cap_type(cap) == CAP_NOTIFICATION ||
			cap_type(cap) == CAP_REPLY || cap_type(cap) == CAP_FRAME);
	return cap_rights_make((unsigned)cap_field_get(cap.words[0], CAP_RIGHTS_SHIFT, 4));
}

HOT_INLINE bool cap_has_mapping(struct cap cap)
{
	return cap_type(cap) == CAP_FRAME || cap_type(cap) == CAP_PAGE_TABLE;
}

/* Frame, page table. */
HOT_INLINE bool cap_is_mapped(struct cap cap)
{
	CORE_ASSERT_HOT(cap_has_mapping(cap));
	return cap_field_get(cap.words[0], CAP_MAPPED_SHIFT, 1);
}

HOT_INLINE uint64_t cap_mapped_asid(struct cap cap)
{
	CORE_ASSERT_HOT(cap_has_mapping(cap));
	return cap_field_get(cap.words[1], CAP_MAPPED_ASID_SHIFT, 16);
}

#endif
