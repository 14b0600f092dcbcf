/* SPDX-License-Identifier: MIT */
/*
 * Tests of core/cap.c: every field round-trips and sits where the layout
 * says, constructors reject what does not fit, and the derivation predicates
 * (same_region_as, same_object_as, is_revocable, update_data, mask_rights)
 * follow seL4's rules type by type.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cap.h"
#include "object.h"

#define R CAP_RIGHT_READ
#define W CAP_RIGHT_WRITE
#define G CAP_RIGHT_GRANT
#define GR CAP_RIGHT_GRANT_REPLY

static const uintptr_t A = 0x10000, B = 0x20000;

static void test_null_is_all_zero(void **state)
{
	(void)state;
	struct cap null = cap_null();
	assert_int_equal(null.words[0], 0);
	assert_int_equal(null.words[1], 0);
	assert_true(cap_is_null(null));
	assert_int_equal(cap_type(null), CAP_NULL);
	uintptr_t base;
	unsigned bits;
	assert_false(cap_region(null, &base, &bits));
}

static void test_field_positions(void **state)
{
	(void)state;
	/* The layout is what docs/capabilities.md documents: check raw words. */
	struct cap ep = cap_endpoint_new(A, 0x1234, cap_rights_make(R | G));
	assert_int_equal(ep.words[0] >> CAP_TYPE_SHIFT, CAP_ENDPOINT);
	assert_int_equal(ep.words[0] & 0xffffffffffffull, A);
	assert_int_equal((ep.words[0] >> CAP_RIGHTS_SHIFT) & 15, R | G);
	assert_int_equal(ep.words[1], 0x1234);
	struct cap cn = cap_cnode_new(B, 4, 10, 0x2ab);
	assert_int_equal((cn.words[0] >> CAP_SIZE_SHIFT) & 63, 4);
	assert_int_equal(cn.words[1] >> CAP_GUARD_SIZE_SHIFT, 10);
	assert_int_equal(cn.words[1] & ((1ull << 58) - 1), 0x2ab);
	struct cap ut = cap_untyped_new(A, 16, true);
	assert_int_equal((ut.words[0] >> CAP_DEVICE_SHIFT) & 1, 1);
}

static void test_accessors_round_trip(void **state)
{
	(void)state;
	struct cap ut = cap_untyped_new(A, 16, false);
	assert_int_equal(cap_ptr(ut), A);
	assert_int_equal(cap_untyped_size_bits(ut), 16);
	assert_false(cap_untyped_is_device(ut));
	/* Fresh normal memory starts used up (its first retype clears it);
	 * device memory starts free (never cleared). */
	assert_int_equal(cap_untyped_free_index(ut), 1 << 16);
	assert_int_equal(cap_untyped_free_index(cap_untyped_new(A, 16, true)), 0);
	ut = cap_untyped_set_free_index(ut, 0);
	assert_int_equal(cap_untyped_free_index(ut), 0);

	struct cap cn = cap_cnode_new(B, 3, 61, 0);
	assert_int_equal(cap_cnode_radix(cn), 3);
	assert_int_equal(cap_cnode_guard_size(cn), 61);
	assert_int_equal(cap_cnode_guard(cn), 0);

	struct cap fr = cap_frame_new(0x200000, FRAME_SIZE_2M, cap_rights_make(R), true);
	assert_int_equal(cap_frame_size(fr), FRAME_SIZE_2M);
	assert_true(cap_frame_is_device(fr));
	assert_false(cap_is_mapped(fr));
	assert_int_equal(cap_rights(fr).bits, R);
	fr = cap_set_mapping(fr, 0xbeef, 0x7fffe000);
	assert_true(cap_is_mapped(fr));
	assert_int_equal(cap_mapped_asid(fr), 0xbeef);
	assert_int_equal(cap_mapped_vaddr(fr), 0x7fffe000);
	assert_int_equal(cap_frame_size(fr), FRAME_SIZE_2M); /* untouched */
	fr = cap_clear_mapping(fr);
	assert_false(cap_is_mapped(fr));
	assert_int_equal(cap_mapped_asid(fr), 0);
	assert_int_equal(cap_frame_holder(fr), 0);
	struct cap held = cap_frame_set_holder(fr, 0xffffffc000123405u);
	assert_int_equal(cap_frame_holder(held), 0xffffffc000123405u);
	assert_false(cap_is_mapped(held));
	assert_true(cap_frame_is_device(held)); /* untouched */
	assert_int_equal(cap_frame_size(held), FRAME_SIZE_2M);
	expect_assert_failure(cap_frame_set_holder(cap_set_mapping(fr, 1, 0x1000), 0x400));

	struct cap pt = cap_page_table_new(0x3000);
	assert_false(cap_is_mapped(pt));
	assert_true(cap_is_mapped(cap_set_mapping(pt, 1, 0x1000)));

	assert_int_equal(cap_asid_base(cap_asid_pool_new(0x4000, 512)), 512);
	assert_int_equal(cap_irq(cap_irq_handler_new(33)), 33);
	assert_int_equal(cap_badge(cap_service_new(0x2000, 9)), 9);
	assert_int_equal(cap_badge(cap_notification_new(0x20, 7, cap_rights_make(R))), 7);
	assert_int_equal(cap_rights(cap_reply_new(0x20, cap_rights_make(G))).bits, G);
	assert_int_equal(cap_ptr(cap_tcb_new(0x400)), 0x400);
	assert_int_equal(cap_ptr(cap_channel_new(0x400)), 0x400);
	assert_int_equal(cap_type(cap_asid_control_new()), CAP_ASID_CONTROL);
	assert_int_equal(cap_type(cap_irq_control_new()), CAP_IRQ_CONTROL);
	assert_int_equal(cap_type(cap_domain_new()), CAP_DOMAIN);

	struct cap z = cap_zombie_new(B, 4, 16);
	assert_int_equal(cap_zombie_radix(z), 4);
	assert_int_equal(cap_zombie_remaining(z), 16);
	assert_int_equal(cap_zombie_remaining(cap_zombie_set_remaining(z, 3)), 3);
	assert_int_equal(cap_zombie_radix(cap_zombie_set_remaining(z, 3)), 4);
}

static void test_kernel_addresses_sign_extend(void **state)
{
	(void)state;
	/* An Sv39 kernel address (high half) survives the 48-bit field. */
	uintptr_t high = (uintptr_t)0xffffffc080000000ull;
	struct cap ep = cap_endpoint_new(high, 0, cap_rights_make(0));
	assert_int_equal(cap_ptr(ep), high);
	assert_int_equal(cap_type(ep), CAP_ENDPOINT);
}

static void test_regions(void **state)
{
	(void)state;
	uintptr_t base;
	unsigned bits;
	struct {
		struct cap cap;
		unsigned bits;
	} cases[] = {
		{ cap_untyped_new(A, 12, false), 12 },
		{ cap_cnode_new(B, 2, 0, 0), 2 + CTE_SIZE_BITS },
		{ cap_zombie_new(B, 2, 4), 2 + CTE_SIZE_BITS },
		{ cap_tcb_new(A), TCB_SIZE_BITS },
		{ cap_endpoint_new(A, 0, cap_rights_make(0)), ENDPOINT_SIZE_BITS },
		{ cap_notification_new(A, 0, cap_rights_make(0)), NOTIFICATION_SIZE_BITS },
		{ cap_reply_new(A, cap_rights_make(0)), REPLY_SIZE_BITS },
		{ cap_frame_new(0x40000000, FRAME_SIZE_1G, cap_rights_make(0), true), 30 },
		{ cap_frame_new(A, FRAME_SIZE_4K, cap_rights_make(0), false), 12 },
		{ cap_page_table_new(A), PAGE_TABLE_SIZE_BITS },
		{ cap_asid_pool_new(A, 0), ASID_POOL_SIZE_BITS },
		{ cap_service_new(A, 0), SERVICE_SIZE_BITS },
		{ cap_channel_new(A), CHANNEL_SIZE_BITS },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_true(cap_region(cases[i].cap, &base, &bits));
		assert_int_equal(bits, cases[i].bits);
	}
	assert_false(cap_region(cap_irq_handler_new(1), &base, &bits));
	assert_false(cap_region(cap_asid_control_new(), &base, &bits));
	assert_false(cap_region(cap_irq_control_new(), &base, &bits));
	assert_false(cap_region(cap_domain_new(), &base, &bits));
}

static void test_constructors_reject_bad_fields(void **state)
{
	(void)state;
	expect_assert_failure(cap_untyped_new(A + 16, 12, false)); /* misaligned */
	expect_assert_failure(cap_untyped_new(A, 3, false));       /* too small */
	expect_assert_failure(cap_untyped_new(0, 39, false));      /* too big */
	expect_assert_failure(cap_cnode_new(B, 0, 0, 0));          /* radix 0 */
	expect_assert_failure(cap_cnode_new(B, 8, 57, 0));         /* 65 bits */
	expect_assert_failure(cap_cnode_new(B, 2, 2, 4));          /* guard too wide */
	expect_assert_failure(cap_endpoint_new(A + 8, 0, cap_rights_make(0)));
	expect_assert_failure(cap_frame_new(A, FRAME_SIZE_4K, cap_rights_make(G), false));
	expect_assert_failure(
	    cap_endpoint_new((uintptr_t)0x0000800000000000ull, 0, cap_rights_make(0)));
	expect_assert_failure(cap_zombie_new(B, 2, 5));
	/* Accessors check the type. */
	expect_assert_failure(cap_badge(cap_tcb_new(0)));
	expect_assert_failure(cap_cnode_radix(cap_null()));
	struct cap bad = { { (uint64_t)31 << CAP_TYPE_SHIFT, 0 } };
	expect_assert_failure(cap_type(bad));
	/* Every accessor refuses a cap of another type. */
	struct cap tcb = cap_tcb_new(0x400);
	expect_assert_failure(cap_untyped_size_bits(tcb));
	expect_assert_failure(cap_untyped_is_device(tcb));
	expect_assert_failure(cap_untyped_free_index(tcb));
	expect_assert_failure(cap_untyped_set_free_index(tcb, 0));
	expect_assert_failure(cap_untyped_set_free_index(cap_untyped_new(A, 12, false), 4097));
	expect_assert_failure(cap_cnode_guard_size(tcb));
	expect_assert_failure(cap_cnode_guard(tcb));
	expect_assert_failure(cap_rights(tcb));
	expect_assert_failure(cap_frame_size(tcb));
	expect_assert_failure(cap_frame_is_device(tcb));
	expect_assert_failure(cap_is_mapped(tcb));
	expect_assert_failure(cap_mapped_asid(tcb));
	expect_assert_failure(cap_mapped_vaddr(tcb));
	expect_assert_failure(cap_set_mapping(tcb, 0, 0));
	expect_assert_failure(cap_clear_mapping(tcb));
	expect_assert_failure(
	    cap_set_mapping(cap_page_table_new(A), 1u << 16, 0)); /* ASID too wide */
	expect_assert_failure(cap_asid_base(tcb));
	expect_assert_failure(cap_irq(tcb));
	expect_assert_failure(cap_zombie_radix(tcb));
	expect_assert_failure(cap_zombie_remaining(tcb));
	expect_assert_failure(cap_zombie_set_remaining(cap_zombie_new(B, 2, 4), 5));
	/* Misaligned objects of every fixed-size type. */
	expect_assert_failure(cap_tcb_new(A + 16));
	expect_assert_failure(cap_notification_new(A + 16, 0, cap_rights_make(0)));
	expect_assert_failure(cap_reply_new(A + 16, cap_rights_make(0)));
	expect_assert_failure(cap_frame_new(A + 16, FRAME_SIZE_4K, cap_rights_make(0), false));
	expect_assert_failure(cap_page_table_new(A + 16));
	expect_assert_failure(cap_asid_pool_new(A + 16, 0));
	expect_assert_failure(cap_service_new(A + 16, 0));
	expect_assert_failure(cap_channel_new(A + 16));
	expect_assert_failure(cap_cnode_new(B + 32, 2, 0, 0));
	expect_assert_failure(cap_zombie_new(B, 0, 0));
}

static void test_same_region_and_object(void **state)
{
	(void)state;
	struct cap ut = cap_untyped_new(A, 16, false);
	struct cap ut_inner = cap_untyped_new(A + 0x1000, 12, false);
	struct cap ep = cap_endpoint_new(A + 0x10, 0, cap_rights_make(R));
	struct cap ep_badged = cap_endpoint_new(A + 0x10, 5, cap_rights_make(W));
	struct cap ep_other = cap_endpoint_new(A + 0x20, 0, cap_rights_make(R));
	struct cap outside = cap_endpoint_new(B, 0, cap_rights_make(R));

	/* Untyped covers what lies inside it, including smaller untyped. */
	assert_true(cap_same_region_as(ut, ep));
	assert_true(cap_same_region_as(ut, ut_inner));
	assert_true(cap_same_region_as(ut, ut));
	assert_false(cap_same_region_as(ut, outside));
	assert_false(cap_same_region_as(ut_inner, ut));
	assert_false(cap_same_region_as(ut, cap_irq_handler_new(1)));
	assert_true(cap_same_region_as(ut, cap_zombie_new(A + 0x400, 2, 4)));
	/* ...but is never the same object as anything. */
	assert_false(cap_same_object_as(ut, ut));
	assert_false(cap_same_object_as(ep, ut));

	/* Endpoints: badge and rights do not change the object. */
	assert_true(cap_same_object_as(ep, ep_badged));
	assert_false(cap_same_object_as(ep, ep_other));
	assert_false(cap_same_region_as(ep, cap_notification_new(A + 0x20, 0, cap_rights_make(R))));
	assert_false(cap_same_region_as(cap_endpoint_new(A + 0x20, 0, cap_rights_make(R)),
					cap_notification_new(A + 0x20, 0, cap_rights_make(R))));

	/* CNodes compare address and radix; zombies are nobody's region. */
	struct cap cn = cap_cnode_new(B, 2, 0, 0);
	assert_true(cap_same_object_as(cn, cap_cnode_new(B, 2, 62, 0)));
	assert_false(cap_same_object_as(cn, cap_cnode_new(B, 3, 0, 0)));
	assert_false(cap_same_region_as(cap_zombie_new(B, 2, 4), cn));
	assert_false(cap_same_region_as(cn, cap_zombie_new(B, 2, 4)));

	/* Frames: address and size; device-ness separates objects. */
	struct cap f = cap_frame_new(A, FRAME_SIZE_4K, cap_rights_make(R), false);
	assert_true(
	    cap_same_object_as(f, cap_frame_new(A, FRAME_SIZE_4K, cap_rights_make(0), false)));
	assert_false(
	    cap_same_object_as(f, cap_frame_new(A, FRAME_SIZE_4K, cap_rights_make(0), true)));
	assert_false(
	    cap_same_region_as(f, cap_frame_new(0, FRAME_SIZE_2M, cap_rights_make(0), false)));

	/* IRQ control parents handlers but is not the same object. */
	struct cap ctl = cap_irq_control_new(), h1 = cap_irq_handler_new(1);
	assert_true(cap_same_region_as(ctl, h1));
	assert_true(cap_same_region_as(ctl, ctl));
	assert_false(cap_same_object_as(ctl, h1));
	assert_true(cap_same_object_as(h1, cap_irq_handler_new(1)));
	assert_false(cap_same_object_as(h1, cap_irq_handler_new(2)));
	assert_false(cap_same_region_as(h1, ctl));

	/* Singletons and pointer-named objects. */
	assert_true(cap_same_object_as(cap_domain_new(), cap_domain_new()));
	assert_true(cap_same_object_as(cap_asid_control_new(), cap_asid_control_new()));
	assert_false(cap_same_object_as(cap_domain_new(), cap_asid_control_new()));
	assert_true(cap_same_object_as(cap_tcb_new(0x400), cap_tcb_new(0x400)));
	assert_false(cap_same_object_as(cap_tcb_new(0x400), cap_tcb_new(0x800)));
	assert_false(cap_same_region_as(cap_null(), cap_null()));
}

static void test_revocable(void **state)
{
	(void)state;
	struct cap ep0 = cap_endpoint_new(A, 0, cap_rights_make(R));
	struct cap ep5 = cap_endpoint_new(A, 5, cap_rights_make(R));
	assert_true(cap_is_revocable(ep5, ep0));  /* a new badge */
	assert_false(cap_is_revocable(ep5, ep5)); /* a plain copy */
	assert_false(cap_is_revocable(ep0, ep0));
	struct cap n0 = cap_notification_new(A, 0, cap_rights_make(R));
	assert_true(cap_is_revocable(cap_notification_new(A, 1, cap_rights_make(R)), n0));
	assert_true(cap_is_revocable(cap_service_new(A, 1), cap_service_new(A, 0)));
	assert_true(cap_is_revocable(cap_irq_handler_new(3), cap_irq_control_new()));
	assert_false(cap_is_revocable(cap_irq_handler_new(3), cap_irq_handler_new(3)));
	assert_true(cap_is_revocable(cap_untyped_new(A, 12, false), cap_untyped_new(A, 12, false)));
	assert_false(cap_is_revocable(cap_tcb_new(0x400), cap_tcb_new(0x400)));
	assert_false(cap_is_revocable(cap_cnode_new(B, 2, 0, 0), cap_cnode_new(B, 2, 0, 0)));
}

static void test_update_data(void **state)
{
	(void)state;
	struct cap ep0 = cap_endpoint_new(A, 0, cap_rights_make(R));
	struct cap minted = cap_update_data(ep0, false, 42);
	assert_int_equal(cap_badge(minted), 42);
	assert_true(cap_is_null(cap_update_data(minted, false, 7)));    /* no second badge */
	assert_true(cap_is_null(cap_update_data(ep0, true, 7)));        /* mutate never badges */
	assert_int_equal(cap_badge(cap_update_data(ep0, false, 0)), 0); /* badge 0 = unbadged */
	struct cap n = cap_notification_new(A, 0, cap_rights_make(R));
	assert_int_equal(cap_badge(cap_update_data(n, false, 3)), 3);
	assert_true(cap_is_null(cap_update_data(cap_service_new(A, 2), false, 3)));

	struct cap cn = cap_cnode_new(B, 4, 0, 0);
	struct cap guarded = cap_update_data(cn, true, cap_guard_word(6, 0x25));
	assert_int_equal(cap_cnode_guard_size(guarded), 6);
	assert_int_equal(cap_cnode_guard(guarded), 0x25);
	/* Guard bits above the guard size are dropped. */
	assert_int_equal(cap_cnode_guard(cap_update_data(cn, false, cap_guard_word(2, 0xff))), 3);
	assert_int_equal(cap_cnode_guard_size(cap_update_data(cn, false, cap_guard_word(60, 1))),
			 60);
	assert_true(cap_is_null(cap_update_data(cn, false, cap_guard_word(61, 0)))); /* 65 bits */

	struct cap tcb = cap_tcb_new(0x400), same = cap_update_data(tcb, false, 9);
	assert_memory_equal(&tcb, &same, sizeof(tcb));
	assert_int_equal(cap_type(cap_update_data(
			     cap_frame_new(A, FRAME_SIZE_4K, cap_rights_make(R), false), true, 1)),
			 CAP_FRAME);
}

static void test_mask_rights(void **state)
{
	(void)state;
	struct cap ep = cap_endpoint_new(A, 0, cap_rights_make(CAP_RIGHTS_ALL));
	assert_int_equal(cap_rights(cap_mask_rights(ep, cap_rights_make(R | GR))).bits, R | GR);
	struct cap n = cap_notification_new(A, 0, cap_rights_make(R | W));
	assert_int_equal(cap_rights(cap_mask_rights(n, cap_rights_make(W))).bits, W);
	struct cap rp = cap_reply_new(A, cap_rights_make(G));
	assert_int_equal(cap_rights(cap_mask_rights(rp, cap_rights_make(0))).bits, 0);
	/* Frames: write without read is no right at all. */
	struct cap f = cap_frame_new(A, FRAME_SIZE_4K, cap_rights_make(R | W), false);
	assert_int_equal(cap_rights(cap_mask_rights(f, cap_rights_make(R))).bits, R);
	assert_int_equal(cap_rights(cap_mask_rights(f, cap_rights_make(W))).bits, 0);
	assert_int_equal(cap_rights(cap_mask_rights(f, cap_rights_make(CAP_RIGHTS_ALL))).bits,
			 R | W);
	/* Rights never grow, and other types ignore them. */
	struct cap ep_r = cap_endpoint_new(A, 0, cap_rights_make(R));
	assert_int_equal(cap_rights(cap_mask_rights(ep_r, cap_rights_make(CAP_RIGHTS_ALL))).bits,
			 R);
	struct cap cn = cap_cnode_new(B, 2, 0, 0), masked = cap_mask_rights(cn, cap_rights_make(0));
	assert_memory_equal(&cn, &masked, sizeof(cn));
	assert_int_equal(cap_rights_make(0xff).bits, CAP_RIGHTS_ALL);
}

static void test_frame_size_bits(void **state)
{
	(void)state;
	assert_int_equal(frame_size_bits(FRAME_SIZE_4K), 12);
	assert_int_equal(frame_size_bits(FRAME_SIZE_2M), 21);
	assert_int_equal(frame_size_bits(FRAME_SIZE_1G), 30);
	expect_assert_failure(frame_size_bits((enum frame_size)3));
}

/* One cap of every type through each per-type switch: what each type
 * answers, and that the types without badges, guards or rights come back
 * unchanged. */
static void test_every_type(void **state)
{
	(void)state;
	const unsigned none = 99; /* no region */
	struct {
		struct cap cap;
		unsigned bits;
		bool revocable_copy;
	} cases[CAP_TYPE_COUNT] = {
		{ cap_null(), none, false },
		{ cap_untyped_new(A, 12, false), 12, true },
		{ cap_cnode_new(B, 2, 0, 0), 2 + CTE_SIZE_BITS, false },
		{ cap_tcb_new(A), TCB_SIZE_BITS, false },
		{ cap_endpoint_new(A, 0, cap_rights_make(R)), ENDPOINT_SIZE_BITS, false },
		{ cap_notification_new(A, 0, cap_rights_make(R)), NOTIFICATION_SIZE_BITS, false },
		{ cap_reply_new(A, cap_rights_make(R)), REPLY_SIZE_BITS, false },
		{ cap_frame_new(A, FRAME_SIZE_4K, cap_rights_make(R), false), 12, false },
		{ cap_page_table_new(A), PAGE_TABLE_SIZE_BITS, false },
		{ cap_asid_control_new(), none, false },
		{ cap_asid_pool_new(A, 0), ASID_POOL_SIZE_BITS, false },
		{ cap_irq_control_new(), none, false },
		{ cap_irq_handler_new(4), none, false },
		{ cap_domain_new(), none, false },
		{ cap_service_new(A, 0), SERVICE_SIZE_BITS, false },
		{ cap_channel_new(A), CHANNEL_SIZE_BITS, false },
		{ cap_zombie_new(B, 2, 4), 2 + CTE_SIZE_BITS, false },
		{ cap_sender_table_new(A, 3), sender_table_object_bits(3), false },
	};
	for (unsigned i = 0; i < CAP_TYPE_COUNT; i++) {
		struct cap c = cases[i].cap;
		assert_int_equal(cap_type(c), i);
		uintptr_t base = 1;
		unsigned bits = 1;
		assert_int_equal(cap_region(c, &base, &bits), cases[i].bits != none);
		if (cases[i].bits != none) {
			assert_int_equal(bits, cases[i].bits);
			assert_int_equal(base, cap_ptr(c));
		}
		assert_int_equal(cap_is_revocable(c, c), cases[i].revocable_copy);
		/* A cap is its own region, except nothing and a zombie. */
		assert_int_equal(cap_same_region_as(c, c), i != CAP_NULL && i != CAP_ZOMBIE);
		bool badged = i == CAP_ENDPOINT || i == CAP_NOTIFICATION || i == CAP_SERVICE;
		struct cap data = cap_update_data(c, false, 9);
		if (badged)
			assert_int_equal(cap_badge(data), 9);
		else if (i != CAP_CNODE)
			assert_memory_equal(&data, &c, sizeof(c));
		bool rights = badged || i == CAP_REPLY || i == CAP_FRAME;
		struct cap masked = cap_mask_rights(c, cap_rights_make(0));
		if (rights && i != CAP_SERVICE)
			assert_int_equal(cap_rights(masked).bits, 0);
		else if (!rights)
			assert_memory_equal(&masked, &c, sizeof(c));
	}
	/* A frame at the same address but of another size is another object. */
	assert_false(
	    cap_same_region_as(cap_frame_new(0, FRAME_SIZE_4K, cap_rights_make(R), false),
			       cap_frame_new(0, FRAME_SIZE_2M, cap_rights_make(R), false)));
	/* IRQ control covers control and handlers only; it is itself. */
	assert_false(cap_same_region_as(cap_irq_control_new(), cap_domain_new()));
	assert_true(cap_same_object_as(cap_irq_control_new(), cap_irq_control_new()));
}

/* The sender-table and holder fields check what they are given. */
static void test_sender_table_and_holder_contracts(void **state)
{
	(void)state;
	struct cap st = cap_sender_table_new(A, SENDER_TABLE_RADIX_MAX);
	assert_int_equal(cap_sender_table_radix(st), SENDER_TABLE_RADIX_MAX);
	expect_assert_failure(cap_sender_table_new(A, SENDER_TABLE_RADIX_MAX + 1));
	expect_assert_failure(cap_sender_table_new(A + 0x1000, 0)); /* misaligned */
	expect_assert_failure(cap_sender_table_radix(cap_tcb_new(A)));
	struct cap f = cap_frame_new(A, FRAME_SIZE_4K, cap_rights_make(R | W), false);
	assert_int_equal(cap_frame_holder(f), 0);
	assert_int_equal(cap_frame_holder(cap_frame_set_holder(f, 0x1234)), 0x1234);
	expect_assert_failure(cap_frame_set_holder(f, 0));
	expect_assert_failure(cap_frame_set_holder(cap_tcb_new(A), 0x1234));
	expect_assert_failure(cap_frame_holder(cap_tcb_new(A)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_null_is_all_zero),
		cmocka_unit_test(test_field_positions),
		cmocka_unit_test(test_accessors_round_trip),
		cmocka_unit_test(test_kernel_addresses_sign_extend),
		cmocka_unit_test(test_regions),
		cmocka_unit_test(test_constructors_reject_bad_fields),
		cmocka_unit_test(test_same_region_and_object),
		cmocka_unit_test(test_revocable),
		cmocka_unit_test(test_update_data),
		cmocka_unit_test(test_mask_rights),
		cmocka_unit_test(test_frame_size_bits),
		cmocka_unit_test(test_every_type),
		cmocka_unit_test(test_sender_table_and_holder_contracts),
	};
	return cmocka_run_group_tests_name("cap", tests, NULL, NULL);
}
