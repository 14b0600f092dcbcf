/* SPDX-License-Identifier: MIT */
/*
 * core/channel_lend.c: a channel's large-buffer call. The channel and the
 * service are made by hand in host memory in the LIVE state Register
 * leaves them in (their doorbells play no part here; Register and every
 * teardown are core/channel_obj.c's, tested by test_channel_obj.c and in
 * QEMU by servers/ktest_lend_chan.c); the two VSpaces are vspace_world's,
 * and every mapping is read back through its independent walker.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "asid.h"
#include "channel_lend.h"
#include "fake_arch.h"
#include "lend.h"
#include "vspace.h"
#include "vspace_world.h"

#define POOL_HOME 10
#define POOL 11
#define POOL2_HOME 12
#define POOL2 13
#define ROOT 20  /* the client */
#define ROOT2 21 /* the server */
#define PT 30
#define FR 50
#define WIN UINT64_C(0x40000000) /* the server's lend window */
#define SLOT (8 * PAGE_BYTES)

static const uint64_t RW = CAP_RIGHT_READ | CAP_RIGHT_WRITE;
static uint64_t client, server;
static struct uintr_service svc;
static struct channel ch, other;

static void pt_map(uint64_t pt, uint64_t root, uint64_t va)
{
	struct lookup_fault fault;
	assert_int_equal(vspace_page_table_map(vw_slot(W, pt), vw_slot(W, root), va, &fault),
			 ERR_OK);
}

/* The client with eight pages at 0x10000; the server with a level-0
 * table under WIN; channel `ch` live on vector 3, `other` on vector 1 (in
 * front of it on the served list). */
static int setup(void **state)
{
	int r = vw_setup(state);
	lend_reset();
	vw_make_pool(W, POOL_HOME, POOL);
	client = vw_make_vspace(W, POOL, ROOT);
	vw_make_pool(W, POOL2_HOME, POOL2);
	server = vw_make_vspace(W, POOL2, ROOT2);
	for (unsigned i = 0; i < 4; i++)
		vw_make(W, OBJ_PAGE_TABLE, PT + i);
	pt_map(PT, ROOT, 0);
	pt_map(PT + 1, ROOT, 0);
	pt_map(PT + 2, ROOT2, WIN);
	pt_map(PT + 3, ROOT2, WIN);
	for (unsigned i = 0; i < 8; i++) {
		struct lookup_fault fault;
		vw_make(W, OBJ_FRAME_4K, FR + i);
		assert_int_equal(vspace_frame_map(vw_slot(W, FR + i), vw_slot(W, ROOT),
						  0x10000 + i * PAGE_BYTES, RW, 0, &fault),
				 ERR_OK);
	}
	memset(&svc, 0, sizeof(svc));
	memset(&ch, 0, sizeof(ch));
	memset(&other, 0, sizeof(other));
	ch = (struct channel){ .state = CHANNEL_LIVE,
			       .server_vector = 3,
			       .server = &svc,
			       .client_asid = client,
			       .server_asid = server };
	other = ch;
	other.server_vector = 1;
	other.server_next = &ch;
	ch.server_prev = &other;
	svc.served = &other;
	fake_arch_clear_flushes();
	return r;
}

static int teardown(void **state)
{
	lend_reset();
	return vw_teardown(state);
}

static bool gone(uint64_t root, uint64_t va)
{
	return walk(vw_object_pa(W, root), va, WALK_READ, true).fault;
}

static uint64_t pa_of(uint64_t root, uint64_t va)
{
	struct walk_result r = walk(vw_object_pa(W, root), va, WALK_WRITE, true);
	assert_false(r.fault);
	return r.pa;
}

static void assert_invariants(void)
{
	assert_null(vspace_check_invariants());
	assert_null(lend_check_invariants());
}

/* The window's checks, each changing nothing; then it is set. */
static void test_configure(void **state)
{
	(void)state;
	const uint64_t TOP = VSPACE_USER_TOP;
	svc.channels_live = 1;
	assert_int_equal(channel_lend_configure(&svc, WIN, SLOT), ERR_DELETE_FIRST);
	svc.channels_live = 0;
	svc.channels_dead = 2;
	assert_int_equal(channel_lend_configure(&svc, WIN, SLOT), ERR_DELETE_FIRST);
	svc.channels_dead = 0;
	assert_int_equal(channel_lend_configure(&svc, TOP, PAGE_BYTES), ERR_INVALID_ARGUMENT);
	assert_int_equal(channel_lend_configure(&svc, TOP - 63 * PAGE_BYTES, PAGE_BYTES),
			 ERR_INVALID_ARGUMENT); /* the 64th slot reaches past the top */
	assert_int_equal(channel_lend_configure(&svc, 0, UINT64_MAX & ~(PAGE_BYTES - 1)),
			 ERR_INVALID_ARGUMENT);
	assert_int_equal(channel_lend_configure(&svc, WIN + 8, SLOT), ERR_ALIGNMENT);
	assert_int_equal(channel_lend_configure(&svc, WIN, SLOT + 8), ERR_ALIGNMENT);
	assert_int_equal(svc.lend_base | svc.lend_slot, 0);
	assert_int_equal(channel_lend_configure(&svc, TOP - 64 * PAGE_BYTES, PAGE_BYTES), ERR_OK);
	assert_int_equal(channel_lend_configure(&svc, WIN, SLOT), ERR_OK);
	assert_int_equal(svc.lend_base, WIN);
	assert_int_equal(svc.lend_slot, SLOT);
}

/* Pages go to slot 3 and come back by the server's return. */
static void test_lend_and_return(void **state)
{
	(void)state;
	assert_int_equal(channel_lend_configure(&svc, WIN, SLOT), ERR_OK);
	uint64_t where = 0, bytes = 0;
	assert_int_equal(channel_lend(&ch, client, 0x11000, 3 * PAGE_BYTES, &where), ERR_OK);
	assert_int_equal(where, WIN + 3 * SLOT);
	for (unsigned i = 0; i < 3; i++) {
		assert_true(gone(ROOT, 0x11000 + i * PAGE_BYTES));
		assert_int_equal(pa_of(ROOT2, where + i * PAGE_BYTES), vw_object_pa(W, FR + 1 + i));
	}
	assert_false(gone(ROOT, 0x10000));
	assert_invariants();
	/* One lend per channel at a time; the other channel's slot is its own. */
	assert_int_equal(channel_lend(&ch, client, 0x15000, PAGE_BYTES, &where), ERR_DELETE_FIRST);
	assert_int_equal(channel_lend(&other, client, 0x15000, PAGE_BYTES, &where), ERR_OK);
	assert_int_equal(where, WIN + SLOT);
	/* The server writes in place; the return brings it back to the client. */
	*(volatile uint8_t *)(uintptr_t)pa_of(ROOT2, WIN + 3 * SLOT + 0x1008) = 0xa5;
	assert_int_equal(channel_lend_return(&svc, 3, &bytes), ERR_OK);
	assert_int_equal(bytes, 3 * PAGE_BYTES);
	assert_true(gone(ROOT2, WIN + 3 * SLOT));
	assert_int_equal(*(volatile uint8_t *)(uintptr_t)pa_of(ROOT, 0x12008), 0xa5);
	assert_false(gone(ROOT, 0x13000));
	assert_int_equal(channel_lend_return(&svc, 3, &bytes), ERR_FAILED_LOOKUP);
	assert_int_equal(channel_lend_return(&svc, 1, &bytes), ERR_OK);
	assert_int_equal(bytes, PAGE_BYTES);
	assert_false(gone(ROOT, 0x15000));
	assert_invariants();
}

/* Refusals, each with nothing changed and no flush. */
static void test_refusals(void **state)
{
	(void)state;
	uint64_t where = 0, bytes = 0;
	/* No window configured: lend_check's ERR_RANGE. */
	assert_int_equal(channel_lend(&ch, client, 0x10000, PAGE_BYTES, &where), ERR_RANGE);
	assert_int_equal(channel_lend_configure(&svc, WIN, SLOT), ERR_OK);
	/* A channel buffer's page (its entry carries PTE_SW_DEVICE). */
	struct pagetable *ctable = (struct pagetable *)vw_object_pa(W, PT + 1);
	ctable->entry[0x17].word |= PTE_SW_DEVICE;
	vw_snapshot(W);
	fake_arch_clear_flushes();
	struct {
		struct channel *c;
		uint64_t asid, base, bytes;
		enum error err;
	} cases[] = {
		{ &ch, server, 0x10000, PAGE_BYTES, ERR_ILLEGAL_OPERATION }, /* not the client */
		{ &ch, client, 0x10000, 0, ERR_INVALID_ARGUMENT },
		{ &ch, client, 0x10008, PAGE_BYTES, ERR_ALIGNMENT },
		{ &ch, client, 0x10000, SLOT + PAGE_BYTES, ERR_RANGE },     /* larger than a slot */
		{ &ch, client, 0x30000, PAGE_BYTES, ERR_INVALID_ARGUMENT }, /* unmapped */
		{ &ch, client, VSPACE_USER_TOP, PAGE_BYTES, ERR_INVALID_ARGUMENT }, /* kernel */
		/* A channel buffer's page, the last of eight (found after the
		 * eight-entry check said "something"). */
		{ &ch, client, 0x10000, 8 * PAGE_BYTES, ERR_INVALID_ARGUMENT },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(
		    channel_lend(cases[i].c, cases[i].asid, cases[i].base, cases[i].bytes, &where),
		    cases[i].err);
		vw_assert_unchanged(W);
		vw_assert_flushes(0, 0);
	}
	ctable->entry[0x17].word &= ~PTE_SW_DEVICE;
	ch.state = CHANNEL_DEAD;
	assert_int_equal(channel_lend(&ch, client, 0x10000, PAGE_BYTES, &where),
			 ERR_ILLEGAL_OPERATION);
	ch.state = CHANNEL_LIVE;
	assert_int_equal(channel_lend_return(&svc, 64, &bytes), ERR_RANGE);
	assert_int_equal(channel_lend_return(&svc, 5, &bytes), ERR_FAILED_LOOKUP); /* no channel */
	assert_int_equal(channel_lend_return(&svc, 3, &bytes), ERR_FAILED_LOOKUP); /* no lend */
	assert_invariants();
}

/* A VSpace change under the lend ends it first (lend_release): the
 * server's return then finds nothing. */
static void test_released_early(void **state)
{
	(void)state;
	assert_int_equal(channel_lend_configure(&svc, WIN, SLOT), ERR_OK);
	uint64_t where = 0, bytes = 0;
	assert_int_equal(channel_lend(&ch, client, 0x10000, 8 * PAGE_BYTES, &where), ERR_OK);
	for (unsigned i = 0; i < 8; i++)
		assert_true(gone(ROOT, 0x10000 + i * PAGE_BYTES));
	assert_int_equal(pa_of(ROOT2, where + 7 * PAGE_BYTES), vw_object_pa(W, FR + 7));
	assert_invariants();
	assert_int_equal(vspace_frame_unmap(vw_slot(W, FR + 2)), ERR_OK);
	assert_false(gone(ROOT, 0x10000));
	assert_true(gone(ROOT, 0x12000));
	assert_true(gone(ROOT2, where));
	assert_int_equal(ch.lend.bytes, 0);
	assert_int_equal(channel_lend_return(&svc, 3, &bytes), ERR_FAILED_LOOKUP);
	/* The channel can lend again. */
	assert_int_equal(channel_lend(&ch, client, 0x13000, PAGE_BYTES, &where), ERR_OK);
	assert_invariants();
	assert_int_equal(channel_lend_return(&svc, 3, &bytes), ERR_OK);
	assert_invariants();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_configure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lend_and_return, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_released_early, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
