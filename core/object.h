/* SPDX-License-Identifier: MIT */
/*
 * Kernel object types as users name them in Untyped_Retype, their sizes, and
 * the two things every object has regardless of its module: being created
 * from untyped memory (object_init) and being finalised when its last
 * capability goes (object_finalise).
 *
 * Sizes of objects whose modules do not exist yet (TCB, endpoint,
 * notification, reply, service, channel) are
 * provisional: they are chosen here, in one place, as powers of two big
 * enough for what the design needs, and the owning module may change them
 * (a _Static_assert in that module should tie its struct to the size).
 *
 * object_finalise is the one dispatch from the capability code to the
 * objects' modules. Types whose modules are not written yet have a
 * placeholder that only counts (object_finalise_count) so the tests can
 * check that finalisation happens exactly once and at the right time; each
 * placeholder says what its module will do there.
 */
#ifndef CORE_OBJECT_H
#define CORE_OBJECT_H

#include <stdbool.h>
#include <stdint.h>

#include "cap.h"

struct cte;

#define WORD_BITS 64

#define CTE_SIZE_BITS 5          /* a slot: a cap (16 B) + MDB node (16 B) */
#define TCB_SIZE_BITS 10         /* 1 KiB, as seL4 on RV64 (tcb.h asserts the fit) */
#define ENDPOINT_SIZE_BITS 4     /* queue head/tail (endpoint.h asserts the fit) */
#define NOTIFICATION_SIZE_BITS 5 /* queue, word, bound TCB (notification.h) */
#define REPLY_SIZE_BITS 5        /* caller and receiver (reply.h) */
#define PAGE_TABLE_SIZE_BITS 12  /* Sv39: 512 eight-byte PTEs */
#define ASID_POOL_SIZE_BITS 12   /* 512 eight-byte entries (asid.h) */
#define SERVICE_SIZE_BITS 13     /* receiver, sleep links, dead page (uintr_obj.h) */
#define CHANNEL_SIZE_BITS 10     /* both ends, the mappings, 16 held frame caps (channel_obj.h) */
#define UNTYPED_MIN_BITS 4       /* smallest untyped: one endpoint */
#define UNTYPED_MAX_BITS 38      /* as seL4 on RV64: 256 GiB */
#define CNODE_RADIX_MIN 1        /* a zero-radix CNode resolves nothing */
#define CNODE_RADIX_MAX (UNTYPED_MAX_BITS - CTE_SIZE_BITS)
#define RETYPE_FAN_OUT_LIMIT 256 /* objects per Untyped_Retype, as seL4's default */

/* Object types of Untyped_Retype. ABI: the numbers never change. */
enum object_type {
	OBJ_UNTYPED = 0,
	OBJ_TCB = 1,
	OBJ_ENDPOINT = 2,
	OBJ_NOTIFICATION = 3,
	OBJ_CNODE = 4,
	OBJ_REPLY = 5,
	OBJ_FRAME_4K = 6,
	OBJ_FRAME_2M = 7,
	OBJ_FRAME_1G = 8,
	OBJ_PAGE_TABLE = 9,
	OBJ_SERVICE = 10,
	OBJ_CHANNEL = 11,
	/* A uintr sender table; Untyped_Retype's size is log2 of its entries
	 * (0..SENDER_TABLE_RADIX_MAX). */
	OBJ_SENDER_TABLE = 12,
};
#define OBJ_TYPE_COUNT 13
#define SENDER_TABLE_RADIX_MAX 9 /* 512 entries: one page of hardware UIST words */

/*
 * Size in bits of a sender-table object of 2^radix entries (radix 0..9):
 * core/uintr's table rounded up to a page, plus a page for the hardware
 * backend's UIST words, rounded up to a power of two (objects are aligned to
 * their size): 13 bits up to 128 entries, 14 above (docs/uintr.md).
 */
unsigned sender_table_object_bits(unsigned radix);

/*
 * Size in bits of one object of `type`; `user_bits` is the size argument of
 * Untyped_Retype (untyped size, CNode radix) and ignored for fixed sizes.
 * Assumes type < OBJ_TYPE_COUNT and user_bits already validated.
 */
unsigned object_size_bits(enum object_type type, unsigned user_bits);

/* Frames are the only objects device memory may become (besides untyped). */
bool object_type_is_frame(enum object_type type);

/*
 * Make a fresh object of `type` at `base` (2^size_bits bytes, aligned) and
 * return its original capability. Assumes the memory is zero (untyped memory
 * above the watermark is: untyped.h); nothing is written, so device memory
 * is never touched (it may not be RAM). An untyped made here starts with
 * its watermark at zero.
 */
struct cap object_init(enum object_type type, uintptr_t base, unsigned user_bits, bool device);

/* Set n bytes at p to zero; core/ has no libc. */
void object_zero(void *p, uint64_t n);

/*
 * The cap `cap` is leaving its slot; `final` says it was the last cap to its
 * object. Runs the per-type teardown. Never called for a CNode cap that is
 * final (that becomes a zombie, see cte.c) except once the zombie is done.
 */
void object_finalise(struct cap cap, bool final);

/*
 * After a final object_finalise: a slot inside the dead object that still
 * holds a cap (a TCB's CSpace root), or NULL. The deletion moves that cap
 * into the slot being emptied and goes on deleting it, so a long deletion
 * it starts (the last cap to a CNode) is preemptible like any other.
 */
struct cte *object_remainder(struct cap cap);

/* How many final finalisations ran per cap type (tests and kernel stats). */
extern uint64_t object_finalise_count[CAP_TYPE_COUNT];
/* How many mapped frame caps, and last mapped page-table caps, were
 * unmapped on deletion (vspace.c did the unmapping). */
extern uint64_t object_unmap_count;

#endif
