/* SPDX-License-Identifier: MIT */
/*
 * core/lend.c: lending a client's pages to a server's window and back.
 * Every move is checked through the independent walker of vspace_world.c
 * (the client faults on the lent range, the server reads the same physical
 * pages without execute, and after the return the other way round); every
 * error changes no byte and asks for no flush; every client VSpace change
 * under a lent range ends the lend first, and so does every server change
 * under its window; every way a caller leaves its reply object returns.
 * (Activity is read as `.bytes != 0`, not with lend_active: copies of that
 * inline made here would count as core/ branches in the coverage report.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "asid.h"
#include "fake_arch.h"
#include "lend.h"
#include "object.h"
#include "reply.h"
#include "tcb.h"
#include "vspace.h"
#include "vspace_world.h"

#define POOL_HOME 10
#define POOL 11
#define POOL2_HOME 12
#define POOL2 13
#define ROOT 20  /* the client */
#define ROOT2 21 /* the server */
#define PT 30    /* 30.. page tables */
#define FR 50    /* 50.. frames */
#define COPY 90

#define WIN UINT64_C(0x40000000) /* the server's window: root entry 1 */

static const uint64_t RW = CAP_RIGHT_READ | CAP_RIGHT_WRITE;
static uint64_t client, server; /* ASIDs */

static struct cte *slot(uint64_t i)
{
	return vw_slot(W, i);
}

static void pt_map(uint64_t pt, uint64_t root, uint64_t va)
{
	struct lookup_fault fault;
	assert_int_equal(vspace_page_table_map(slot(pt), slot(root), va, &fault), ERR_OK);
}

static void frame_map(uint64_t fr, uint64_t root, uint64_t va, uint64_t rights, uint64_t attr)
{
	struct lookup_fault fault;
	assert_int_equal(vspace_frame_map(slot(fr), slot(root), va, rights, attr, &fault), ERR_OK);
}

/*
 * The client (ROOT, two tables for [0, 2 MiB)) with four 4 KiB frames at
 * 0x10000.. and a 2 MiB frame at 0x200000; the server (ROOT2, its own pool)
 * with a level-1 table under WIN and a level-0 table for [WIN, WIN + 2 MiB).
 */
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
	for (unsigned i = 0; i < 4; i++) {
		vw_make(W, OBJ_FRAME_4K, FR + i);
		frame_map(FR + i, ROOT, 0x10000 + i * PAGE_BYTES, RW, 0);
	}
	vw_make(W, OBJ_FRAME_2M, FR + 4);
	frame_map(FR + 4, ROOT, 0x200000, RW, 0);
	fake_arch_clear_flushes();
	return r;
}

static int teardown(void **state)
{
	lend_reset();
	return vw_teardown(state);
}

static struct walk_result look(uint64_t root, uint64_t va, enum walk_access access)
{
	return walk(vw_object_pa(W, root), va, access, true);
}

/* va of root reads (and writes) pa, and does not execute. */
static void assert_borrowed(uint64_t root, uint64_t va, uint64_t pa)
{
	struct walk_result r = look(root, va, WALK_READ);
	assert_false(r.fault);
	assert_int_equal(r.pa, pa);
	assert_false(look(root, va, WALK_WRITE).fault);
	assert_true(look(root, va, WALK_EXECUTE).fault);
}

/* va of root is back as the client mapped it: read, write, execute pa. */
static void assert_owned(uint64_t root, uint64_t va, uint64_t pa)
{
	struct walk_result r = look(root, va, WALK_EXECUTE);
	assert_false(r.fault);
	assert_int_equal(r.pa, pa);
	assert_false(look(root, va, WALK_WRITE).fault);
}

/* va of root reads and writes pa (no execute: a hand-written leaf). */
static void assert_walk_leaf(uint64_t root, uint64_t va, uint64_t pa)
{
	struct walk_result r = look(root, va, WALK_WRITE);
	assert_false(r.fault);
	assert_int_equal(r.pa, pa);
}

static void assert_gone(uint64_t root, uint64_t va)
{
	assert_true(look(root, va, WALK_READ).fault);
	assert_true(look(root, va, WALK_WRITE).fault);
	assert_true(look(root, va, WALK_EXECUTE).fault);
}

static enum error check(uint64_t base, uint64_t bytes, uint64_t window, uint64_t window_bytes)
{
	return lend_check(client, base, bytes, server,
			  (struct lend_window){ window, window_bytes });
}

static void assert_invariants(void)
{
	assert_null(vspace_check_invariants());
	assert_null(lend_check_invariants());
}

/* Three 4 KiB pages go and come back; the data is the same memory. */
static void test_lend_pages(void **state)
{
	(void)state;
	struct lend l = { 0 };
	assert_int_equal(check(0x11000, 3 * PAGE_BYTES, WIN + 0x5000, 8 * PAGE_BYTES), ERR_OK);
	vw_assert_flushes(0, 0);
	lend_move(&l, client, 0x11000, 3 * PAGE_BYTES, server, WIN + 0x5000);
	assert_true((l.bytes != 0));
	/* Three leaves on each side: one ASID flush each, client first. */
	vw_assert_flushes(0, 2);
	vw_assert_flush(0, FAKE_FLUSH_ASID, client, 0);
	vw_assert_flush(1, FAKE_FLUSH_ASID, server, 0);
	for (unsigned i = 0; i < 3; i++) {
		assert_gone(ROOT, 0x11000 + i * PAGE_BYTES);
		assert_borrowed(ROOT2, WIN + 0x5000 + i * PAGE_BYTES, vw_object_pa(W, FR + 1 + i));
	}
	assert_owned(ROOT, 0x10000, vw_object_pa(W, FR)); /* outside the range */
	assert_gone(ROOT2, WIN + 0x8000);
	assert_invariants();
	/* The server writes in place; the client sees it after the return. */
	*(volatile uint8_t *)(uintptr_t)look(ROOT2, WIN + 0x6010, WALK_WRITE).pa = 0x5a;
	fake_arch_clear_flushes();
	lend_return(&l);
	assert_false((l.bytes != 0));
	vw_assert_flushes(0, 2);
	vw_assert_flush(0, FAKE_FLUSH_ASID, server, 0);
	vw_assert_flush(1, FAKE_FLUSH_ASID, client, 0);
	for (unsigned i = 0; i < 3; i++) {
		assert_owned(ROOT, 0x11000 + i * PAGE_BYTES, vw_object_pa(W, FR + 1 + i));
		assert_gone(ROOT2, WIN + 0x5000 + i * PAGE_BYTES);
	}
	assert_int_equal(*(volatile uint8_t *)(uintptr_t)look(ROOT, 0x12010, WALK_READ).pa, 0x5a);
	assert_invariants();
	/* A second return does nothing. */
	fake_arch_clear_flushes();
	lend_return(&l);
	vw_assert_flushes(0, 0);
}

/* One leaf: page flushes at both addresses. A 2 MiB leaf is one entry. */
static void test_lend_one_leaf(void **state)
{
	(void)state;
	struct lend l = { 0 };
	assert_int_equal(check(0x10000, PAGE_BYTES, WIN + 0x1ff000, PAGE_BYTES), ERR_OK);
	lend_move(&l, client, 0x10000, PAGE_BYTES, server, WIN + 0x1ff000);
	vw_assert_flushes(2, 0);
	vw_assert_flush(0, FAKE_FLUSH_PAGE, client, 0x10000);
	vw_assert_flush(1, FAKE_FLUSH_PAGE, server, WIN + 0x1ff000);
	assert_borrowed(ROOT2, WIN + 0x1ff000, vw_object_pa(W, FR));
	lend_return(&l);
	assert_owned(ROOT, 0x10000, vw_object_pa(W, FR));
	/* A 2 MiB leaf goes into an empty level-1 slot of the window. */
	fake_arch_clear_flushes();
	assert_int_equal(check(0x200000, 0x200000, WIN + 0x400000, 0x200000), ERR_OK);
	lend_move(&l, client, 0x200000, 0x200000, server, WIN + 0x400000);
	vw_assert_flushes(2, 0);
	struct walk_result r = look(ROOT2, WIN + 0x400000, WALK_READ);
	assert_int_equal(r.level, 1);
	assert_borrowed(ROOT2, WIN + 0x5fffff, vw_object_pa(W, FR + 4) + 0x1fffff);
	assert_gone(ROOT, 0x3fffff);
	assert_invariants();
	lend_return(&l);
	assert_owned(ROOT, 0x3fffff, vw_object_pa(W, FR + 4) + 0x1fffff);
	assert_gone(ROOT2, WIN + 0x400000);
	assert_invariants();
}

/* A range of 4 KiB pages then a 2 MiB leaf: the walk changes level, and
 * the window takes each at its own level. A 1 GiB leaf is one root entry. */
static void test_lend_mixed_and_giga(void **state)
{
	(void)state;
	vw_make(W, OBJ_FRAME_4K, FR + 5);
	vw_make(W, OBJ_FRAME_4K, FR + 6);
	frame_map(FR + 5, ROOT, 0x1fe000, RW, 0);
	frame_map(FR + 6, ROOT, 0x1ff000, RW, 0);
	struct lend l = { 0 };
	uint64_t window = WIN + 0x1fe000; /* + 0x2000 is 2 MiB aligned */
	assert_int_equal(check(0x1fe000, 0x202000, window, 0x202000), ERR_OK);
	lend_move(&l, client, 0x1fe000, 0x202000, server, window);
	assert_borrowed(ROOT2, window, vw_object_pa(W, FR + 5));
	assert_borrowed(ROOT2, window + 0x1000, vw_object_pa(W, FR + 6));
	assert_borrowed(ROOT2, window + 0x2000, vw_object_pa(W, FR + 4));
	assert_gone(ROOT, 0x1fe000);
	assert_gone(ROOT, 0x200000);
	assert_invariants();
	lend_return(&l);
	assert_owned(ROOT, 0x1ff000, vw_object_pa(W, FR + 6));
	assert_owned(ROOT, 0x200000, vw_object_pa(W, FR + 4));
	assert_gone(ROOT2, window + 0x2000);
	/* A 1 GiB leaf of ordinary memory (written by hand: the world's 1 GiB
	 * frames are device memory) into an empty root entry of the server. */
	struct pagetable *croot = (struct pagetable *)vw_object_pa(W, ROOT);
	uint64_t giga = UINT64_C(1) << 33;
	croot->entry[2] = pte_new_leaf(giga, PTE_READ | PTE_WRITE | PTE_EXECUTE | PTE_USER |
						 PTE_ACCESSED | PTE_DIRTY);
	fake_arch_clear_flushes();
	assert_int_equal(check(0x80000000, 0x40000000, 0xc0000000, 0x40000000), ERR_OK);
	lend_move(&l, client, 0x80000000, 0x40000000, server, 0xc0000000);
	vw_assert_flushes(2, 0);
	assert_borrowed(ROOT2, 0xc0000000 + 0x123456, giga + 0x123456);
	assert_gone(ROOT, 0x80000000);
	assert_invariants();
	lend_return(&l);
	assert_owned(ROOT, 0x80000000, giga);
	croot->entry[2] = pte_invalid();
}

/* A level-1 run broken by a table pointer: a 2 MiB leaf, a last-level
 * table of 512 leaves, a 2 MiB leaf (written by hand at fake physical
 * addresses: the world's memory holds no 512 frames). */
static void test_lend_run_breaks(void **state)
{
	(void)state;
	const uint64_t bits = PTE_READ | PTE_WRITE | PTE_USER | PTE_ACCESSED | PTE_DIRTY;
	const uint64_t fake = UINT64_C(1) << 34;
	vw_make(W, OBJ_PAGE_TABLE, PT + 4);
	vw_make(W, OBJ_PAGE_TABLE, PT + 5);
	pt_map(PT + 4, ROOT, 0x400000);
	struct pagetable *l0 = (struct pagetable *)vw_object_pa(W, PT + 4);
	for (unsigned i = 0; i < PAGETABLE_ENTRIES; i++)
		l0->entry[i] = pte_new_leaf(fake + i * PAGE_BYTES, bits);
	struct pagetable *l1 = (struct pagetable *)vw_object_pa(W, PT);
	l1->entry[3] = pte_new_leaf(fake + 0x200000, bits);
	/* The window: an empty level-1 entry, a last-level table, another entry. */
	uint64_t window = WIN + 0x800000;
	pt_map(PT + 5, ROOT2, window + 0x200000);
	struct lend l = { 0 };
	assert_int_equal(check(0x200000, 0x600000, window, 0x600000), ERR_OK);
	lend_move(&l, client, 0x200000, 0x600000, server, window);
	assert_borrowed(ROOT2, window, vw_object_pa(W, FR + 4));
	assert_borrowed(ROOT2, window + 0x3ff000, fake + 0x1ff000);
	assert_borrowed(ROOT2, window + 0x400000, fake + 0x200000);
	assert_gone(ROOT, 0x5ff000);
	assert_invariants();
	lend_return(&l);
	assert_walk_leaf(ROOT, 0x5ff000, fake + 0x1ff000);
	assert_gone(ROOT2, window + 0x200000);
	assert_invariants();
	/* A table in the window where the run's second 2 MiB leaf goes. */
	assert_int_equal(check(0x200000, 0x200000, window + 0x200000, 0x200000), ERR_DELETE_FIRST);
	l1->entry[3] = pte_invalid();
}

/* Every error, in order; none changes a byte or flushes. */
static void test_lend_errors(void **state)
{
	(void)state;
	vw_make(W, OBJ_FRAME_1G, FR + 5); /* device memory in this world */
	frame_map(FR + 5, ROOT, 0x80000000, RW, 0);
	vw_make(W, OBJ_FRAME_4K, FR + 6);
	frame_map(FR + 6, ROOT, 0x14000, 0, 0); /* kernel-only, executable: X alone */
	vw_make(W, OBJ_FRAME_4K, FR + 7);
	frame_map(FR + 7, ROOT2, WIN + 0x3000, RW, 0); /* the server's own page */
	/* A 2 MiB leaf of the server's (by hand: the world's memory is small). */
	((struct pagetable *)vw_object_pa(W, PT + 2))->entry[3] =
	    pte_new_leaf(UINT64_C(1) << 33, PTE_READ | PTE_USER | PTE_ACCESSED | PTE_DIRTY);
	vw_snapshot(W);
	fake_arch_clear_flushes();
	const uint64_t P = PAGE_BYTES, TOP = VSPACE_USER_TOP;
	struct {
		uint64_t base, bytes, window, window_bytes;
		enum error err;
	} cases[] = {
		{ 0x10000, 0, WIN, P, ERR_INVALID_ARGUMENT },
		{ TOP - P, 2 * P, WIN, 2 * P, ERR_INVALID_ARGUMENT },
		{ TOP, P, WIN, P, ERR_INVALID_ARGUMENT },
		{ 0x10000, P, TOP - P, 2 * P, ERR_INVALID_ARGUMENT },
		{ 0x10000, P, TOP, P, ERR_INVALID_ARGUMENT }, /* the window past the top */
		{ 0x10001, P, WIN, P, ERR_ALIGNMENT },
		{ 0x10000, P + 1, WIN, 2 * P, ERR_ALIGNMENT },
		{ 0x10000, P, WIN + 8, P, ERR_ALIGNMENT },
		{ 0x10000, P, WIN, P + 8, ERR_ALIGNMENT },
		{ 0x10000, 2 * P, WIN, P, ERR_RANGE },
		{ 0x10000, P, 0, 0, ERR_RANGE }, /* the server named no window */
		/* Leaf by leaf. */
		{ 0x20000, P, WIN, P, ERR_INVALID_ARGUMENT },         /* unmapped */
		{ 0x12000, 3 * P, WIN, 3 * P, ERR_INVALID_ARGUMENT }, /* the third is unmapped */
		{ 0x14000, P, WIN, P, ERR_INVALID_ARGUMENT },         /* not readable */
		{ 0x80000000, 0x40000000, 0xc0000000, 0x40000000,
		  ERR_INVALID_ARGUMENT },                      /* device */
		{ 0x201000, P, WIN, P, ERR_INVALID_ARGUMENT }, /* inside a 2 MiB leaf */
		{ 0x200000, P, WIN, P, ERR_INVALID_ARGUMENT }, /* a 2 MiB leaf reaches past */
		{ 0x200000, 0x200000, WIN + 0x1000, 0x200000, ERR_ALIGNMENT },
		{ 0x10000, P, 0x80000000, P, ERR_FAILED_LOOKUP }, /* no table at all */
		{ 0x200000, 0x200000, 0xc0000000, 0x200000, ERR_FAILED_LOOKUP },
		{ 0x10000, P, WIN + 0x600000, P, ERR_DELETE_FIRST },       /* a 2 MiB leaf covers */
		{ 0x10000, P, WIN + 0x3000, P, ERR_DELETE_FIRST },         /* the server's page */
		{ 0x10000, 2 * P, WIN + 0x2000, 2 * P, ERR_DELETE_FIRST }, /* the second one */
		{ 0x200000, 0x200000, WIN, 0x200000, ERR_DELETE_FIRST },   /* a table in the way */
		{ 0x200000, 0x200000, WIN + 0x600000, 0x200000, ERR_DELETE_FIRST },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("case %zu\n", i);
		assert_int_equal(
		    check(cases[i].base, cases[i].bytes, cases[i].window, cases[i].window_bytes),
		    cases[i].err);
	}
	/* One VSpace for both, and ASIDs that name none. */
	struct lend_window w = { WIN, P };
	assert_int_equal(lend_check(client, 0x10000, P, client, w), ERR_INVALID_ARGUMENT);
	assert_int_equal(lend_check(client + 7, 0x10000, P, server, w), ERR_FAILED_LOOKUP);
	assert_int_equal(lend_check(client, 0x10000, P, server + 7, w), ERR_FAILED_LOOKUP);
	vw_assert_unchanged(W);
	vw_assert_flushes(0, 0);
	/* Lent pages cannot be lent again, nor borrowed ones lent onward. */
	struct lend l = { 0 };
	lend_move(&l, client, 0x10000, P, server, WIN);
	assert_int_equal(check(0x10000, P, WIN + 0x1000, P), ERR_INVALID_ARGUMENT);
	assert_int_equal(lend_check(server, WIN, P, client, (struct lend_window){ 0x30000, P }),
			 ERR_INVALID_ARGUMENT);
	/* Nor is a lent slot free for a map in the client or the window. */
	struct lookup_fault fault;
	vw_make(W, OBJ_FRAME_4K, FR + 9);
	assert_int_equal(vspace_frame_map(slot(FR + 9), slot(ROOT), 0x10000, RW, 0, &fault),
			 ERR_DELETE_FIRST);
	assert_int_equal(vspace_frame_map(slot(FR + 9), slot(ROOT2), WIN, RW, 0, &fault),
			 ERR_DELETE_FIRST);
	/* A remap of the lent frame finds no live entry. */
	assert_int_equal(vspace_frame_map(slot(FR), slot(ROOT), 0x10000, CAP_RIGHT_READ, 0, &fault),
			 ERR_ILLEGAL_OPERATION);
	lend_return(&l);
	/* A lent 2 MiB marker is occupied for a page table too. */
	lend_move(&l, client, 0x200000, 0x200000, server, WIN + 0x400000);
	vw_make(W, OBJ_PAGE_TABLE, PT + 4);
	assert_int_equal(vspace_page_table_map(slot(PT + 4), slot(ROOT), 0x200000, &fault),
			 ERR_DELETE_FIRST);
	lend_return(&l);
	assert_invariants();
}

/* A client table at 0x400000 (PT + 4) holding four non-executable pages
 * at 0x410000.. and nothing else. */
static void whole_table_client(void)
{
	vw_make(W, OBJ_PAGE_TABLE, PT + 4);
	pt_map(PT + 4, ROOT, 0x400000);
	for (unsigned i = 0; i < 4; i++) {
		vw_make(W, OBJ_FRAME_4K, FR + 5 + i);
		frame_map(FR + 5 + i, ROOT, 0x410000 + i * PAGE_BYTES, RW, VM_ATTR_EXECUTE_NEVER);
	}
}

static struct pte *entry_of(uint64_t pt, unsigned i)
{
	return &((struct pagetable *)vw_object_pa(W, pt))->entry[i];
}

/* Every valid entry of a client's last-level table lent into an empty
 * window table at the same offset: the two tables' entries swap (the
 * client's becomes a marker keeping its table, the window's points at it,
 * borrowed), so the cost does not grow with the pages. Nothing can be
 * mapped or lent into either while it lasts; the return swaps back. */
static void test_lend_whole_table(void **state)
{
	(void)state;
	whole_table_client();
	struct pte window_entry = *entry_of(PT + 2, 0);
	struct lend l = { 0 };
	uint64_t win = WIN + 0x10000;
	assert_int_equal(check(0x410000, 4 * PAGE_BYTES, win, 4 * PAGE_BYTES), ERR_OK);
	fake_arch_clear_flushes();
	lend_move(&l, client, 0x410000, 4 * PAGE_BYTES, server, win);
	vw_assert_flushes(0, 2);
	struct pte marker = *entry_of(PT, 2), borrowed = *entry_of(PT + 2, 0);
	assert_false(pte_is_valid(marker));
	assert_true(marker.word & PTE_SW_LEND);
	assert_true(pte_is_table(borrowed) && (borrowed.word & PTE_SW_LEND));
	assert_int_equal(pte_physical_address(borrowed), vw_object_pa(W, PT + 4));
	for (unsigned i = 0; i < 4; i++) {
		assert_gone(ROOT, 0x410000 + i * PAGE_BYTES);
		assert_walk_leaf(ROOT2, win + i * PAGE_BYTES, vw_object_pa(W, FR + 5 + i));
		assert_true(look(ROOT2, win + i * PAGE_BYTES, WALK_EXECUTE).fault);
	}
	assert_gone(ROOT2, WIN); /* the window's own table is out of the way */
	assert_invariants();
	entry_of(PT + 2, 0)->word = window_entry.word | PTE_SW_LEND; /* not the client's table */
	assert_string_equal(lend_check_invariants(), "a lent table is not borrowed in the window");
	entry_of(PT + 2, 0)->word = window_entry.word;
	assert_string_equal(lend_check_invariants(), "a lent table is not borrowed in the window");
	*entry_of(PT + 2, 0) = borrowed;
	/* Nothing goes into either side of it meanwhile. */
	struct lookup_fault fault;
	vw_make(W, OBJ_FRAME_4K, FR + 9);
	vw_make(W, OBJ_PAGE_TABLE, PT + 5);
	vw_snapshot(W);
	assert_int_equal(vspace_frame_map(slot(FR + 9), slot(ROOT2), WIN + 0x100000, RW, 0, &fault),
			 ERR_FAILED_LOOKUP);
	assert_int_equal(vspace_frame_map(slot(FR + 9), slot(ROOT), 0x480000, RW, 0, &fault),
			 ERR_FAILED_LOOKUP);
	assert_int_equal(vspace_page_table_map(slot(PT + 5), slot(ROOT), 0x400000, &fault),
			 ERR_DELETE_FIRST);
	assert_int_equal(vspace_page_table_map(slot(PT + 5), slot(ROOT2), WIN, &fault),
			 ERR_DELETE_FIRST);
	assert_int_equal(check(0x410000, PAGE_BYTES, WIN + 0x100000, PAGE_BYTES),
			 ERR_INVALID_ARGUMENT); /* lent already */
	assert_int_equal(check(0x10000, PAGE_BYTES, WIN + 0x20000, PAGE_BYTES),
			 ERR_DELETE_FIRST); /* into the borrowed table */
	vw_assert_unchanged(W);
	/* The server writes in place; the return swaps the tables back. */
	*(volatile uint8_t *)(uintptr_t)look(ROOT2, win + 0x2008, WALK_WRITE).pa = 0x3c;
	lend_return(&l);
	assert_int_equal(entry_of(PT + 2, 0)->word, window_entry.word);
	assert_true(pte_is_table(*entry_of(PT, 2)));
	assert_int_equal(*(volatile uint8_t *)(uintptr_t)look(ROOT, 0x412008, WALK_READ).pa, 0x3c);
	for (unsigned i = 0; i < 4; i++) {
		assert_walk_leaf(ROOT, 0x410000 + i * PAGE_BYTES, vw_object_pa(W, FR + 5 + i));
		assert_gone(ROOT2, win + i * PAGE_BYTES);
	}
	assert_invariants();
	/* The window's table unmapped or the client's: the lend ends first. */
	assert_int_equal(check(0x410000, 4 * PAGE_BYTES, win, 4 * PAGE_BYTES), ERR_OK);
	lend_move(&l, client, 0x410000, 4 * PAGE_BYTES, server, win);
	assert_int_equal(vspace_page_table_unmap(slot(PT + 3)), ERR_OK);
	assert_false((l.bytes != 0));
	assert_walk_leaf(ROOT, 0x411000, vw_object_pa(W, FR + 6));
	assert_gone(ROOT2, win);
	assert_invariants();
	pt_map(PT + 3, ROOT2, WIN);
	lend_move(&l, client, 0x410000, 4 * PAGE_BYTES, server, win); /* no check before */
	assert_true(pte_is_table(*entry_of(PT + 2, 0)) &&
		    (entry_of(PT + 2, 0)->word & PTE_SW_LEND));
	assert_int_equal(vspace_page_table_unmap(slot(PT + 4)), ERR_OK);
	assert_false((l.bytes != 0));
	assert_gone(ROOT, 0x410000);
	assert_gone(ROOT2, win);
	assert_int_equal(entry_of(PT + 2, 0)->word, window_entry.word);
	assert_invariants();
	/* Eight pages (the scan's full turns) in a table of their own. */
	vw_make(W, OBJ_PAGE_TABLE, PT + 7);
	pt_map(PT + 7, ROOT, 0x600000);
	for (unsigned i = 0; i < 8; i++) {
		vw_make(W, OBJ_FRAME_4K, FR + 10 + i);
		frame_map(FR + 10 + i, ROOT, 0x610000 + i * PAGE_BYTES, RW, VM_ATTR_EXECUTE_NEVER);
	}
	assert_int_equal(check(0x610000, 8 * PAGE_BYTES, win, 8 * PAGE_BYTES), ERR_OK);
	lend_move(&l, client, 0x610000, 8 * PAGE_BYTES, server, win);
	assert_false(pte_is_valid(*entry_of(PT, 3)));
	assert_walk_leaf(ROOT2, win + 7 * PAGE_BYTES, vw_object_pa(W, FR + 17));
	assert_invariants();
	lend_return(&l);
	assert_walk_leaf(ROOT, 0x617000, vw_object_pa(W, FR + 17));
	assert_invariants();
}

/* A range across two client tables, each holding only the range's pages:
 * the first moves whole, the second page by page (one table per lend). A
 * move whose arguments are not the last check's finds the table again. */
static void test_two_tables(void **state)
{
	(void)state;
	vw_make(W, OBJ_PAGE_TABLE, PT + 4);
	vw_make(W, OBJ_PAGE_TABLE, PT + 5);
	vw_make(W, OBJ_PAGE_TABLE, PT + 6);
	pt_map(PT + 4, ROOT, 0x400000);
	pt_map(PT + 5, ROOT, 0x600000);
	pt_map(PT + 6, ROOT2, WIN + 0x200000);
	const uint64_t at[] = { 0x5fe000, 0x5ff000, 0x600000, 0x601000 };
	for (unsigned i = 0; i < 4; i++) {
		vw_make(W, OBJ_FRAME_4K, FR + 5 + i);
		frame_map(FR + 5 + i, ROOT, at[i], RW, VM_ATTR_EXECUTE_NEVER);
	}
	struct lend l = { 0 };
	uint64_t win = WIN + 0x1fe000;
	/* Checked for other arguments first: the move looks again. */
	assert_int_equal(check(0x5ff000, PAGE_BYTES, win + PAGE_BYTES, PAGE_BYTES), ERR_OK);
	lend_move(&l, client, 0x5fe000, 4 * PAGE_BYTES, server, win);
	assert_false(pte_is_valid(*entry_of(PT, 2)));         /* the first table lent whole */
	assert_true(pte_is_table(*entry_of(PT, 3)));          /* the second stays */
	assert_true(entry_of(PT + 6, 0)->word & PTE_SW_LEND); /* its pages borrowed */
	for (unsigned i = 0; i < 4; i++) {
		assert_gone(ROOT, at[i]);
		assert_walk_leaf(ROOT2, win + i * PAGE_BYTES, vw_object_pa(W, FR + 5 + i));
	}
	assert_invariants();
	/* A lent table whose marker gained a bit is no longer one. */
	struct pte marker = *entry_of(PT, 2);
	entry_of(PT, 2)->word |= PTE_USER;
	assert_string_equal(vspace_check_invariants(), "a lent marker keeps no leaf");
	*entry_of(PT, 2) = marker;
	/* A borrowed table's entry gone from the window. */
	struct pte borrowed = *entry_of(PT + 2, 0);
	*entry_of(PT + 2, 0) = pte_invalid();
	assert_string_equal(lend_check_invariants(), "a lent table is not borrowed in the window");
	*entry_of(PT + 2, 0) = borrowed;
	lend_return(&l);
	for (unsigned i = 0; i < 4; i++) {
		assert_walk_leaf(ROOT, at[i], vw_object_pa(W, FR + 5 + i));
		assert_gone(ROOT2, win + i * PAGE_BYTES);
	}
	assert_invariants();
	/* Checked with each argument but one the same: the move looks again. */
	const uint64_t bases[] = { 0x5fe000, 0x5fe000, 0x5ff000 };
	const uint64_t sizes[] = { 4 * PAGE_BYTES, 2 * PAGE_BYTES, PAGE_BYTES };
	const uint64_t wins[] = { win + PAGE_BYTES, win, win + PAGE_BYTES };
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(check(bases[i], sizes[i], wins[i], 4 * PAGE_BYTES), ERR_OK);
		lend_move(&l, client, 0x5fe000, 4 * PAGE_BYTES, server, win);
		assert_false(pte_is_valid(*entry_of(PT, 2)));
		assert_invariants();
		lend_return(&l);
	}
	/* ... and another client: the server lending a page of its own. */
	vw_make(W, OBJ_FRAME_4K, FR + 9);
	frame_map(FR + 9, ROOT2, WIN + 0x300000, RW, VM_ATTR_EXECUTE_NEVER);
	assert_int_equal(lend_check(server, WIN + 0x300000, PAGE_BYTES, client,
				    (struct lend_window){ 0x100000, PAGE_BYTES }),
			 ERR_OK);
	lend_move(&l, client, 0x5fe000, 4 * PAGE_BYTES, server, win);
	assert_false(pte_is_valid(*entry_of(PT, 2)));
	assert_invariants();
	lend_return(&l);
}

/* When the table cannot move, the pages move one by one. */
static void test_whole_table_refused(void **state)
{
	(void)state;
	whole_table_client();
	struct {
		uint64_t base, pages, window;
	} cases[] = {
		{ 0x410000, 2, WIN + 0x10000 }, /* the next entry is in use */
		{ 0x411000, 3, WIN + 0x11000 }, /* the one before */
		{ 0x410000, 4, WIN + 0x11000 }, /* another offset in the window */
	};
	struct lend l = { 0 };
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(check(cases[i].base, cases[i].pages * PAGE_BYTES, cases[i].window,
				       cases[i].pages * PAGE_BYTES),
				 ERR_OK);
		lend_move(&l, client, cases[i].base, cases[i].pages * PAGE_BYTES, server,
			  cases[i].window);
		assert_true(pte_is_table(*entry_of(PT, 2)));
		assert_false(entry_of(PT + 2, 0)->word & PTE_SW_LEND);
		assert_invariants();
		lend_return(&l);
	}
	/* Something else in the client's table, far from the range. */
	vw_make(W, OBJ_FRAME_4K, FR + 9);
	frame_map(FR + 9, ROOT, 0x5ff000, RW, VM_ATTR_EXECUTE_NEVER);
	lend_move(&l, client, 0x410000, 4 * PAGE_BYTES, server, WIN + 0x10000);
	assert_true(pte_is_table(*entry_of(PT, 2)));
	lend_return(&l);
	assert_int_equal(vspace_frame_unmap(slot(FR + 9)), ERR_OK);
	/* The window's table holds something: first, last, or in between. */
	uint64_t at[] = { WIN, WIN + 0x1ff000, WIN + 0x100000 };
	for (unsigned i = 0; i < 3; i++) {
		frame_map(FR + 9, ROOT2, at[i], RW, 0);
		lend_move(&l, client, 0x410000, 4 * PAGE_BYTES, server, WIN + 0x10000);
		assert_true(pte_is_table(*entry_of(PT, 2)));
		assert_invariants();
		lend_return(&l);
		assert_int_equal(vspace_frame_unmap(slot(FR + 9)), ERR_OK);
	}
	/* An executable page in the range. */
	assert_int_equal(vspace_frame_unmap(slot(FR + 6)), ERR_OK);
	frame_map(FR + 6, ROOT, 0x411000, RW, 0);
	lend_move(&l, client, 0x410000, 4 * PAGE_BYTES, server, WIN + 0x10000);
	assert_true(pte_is_table(*entry_of(PT, 2)));
	assert_true(look(ROOT2, WIN + 0x11000, WALK_EXECUTE).fault);
	lend_return(&l);
	assert_invariants();
}

/* The client unmaps or deletes a lent frame: the lend ends first (every
 * page back, the window empty), then the frame goes. */
static void test_release_on_frame(void **state)
{
	(void)state;
	struct lend l = { 0 }, other = { 0 };
	lend_move(&l, client, 0x10000, 2 * PAGE_BYTES, server, WIN);
	lend_move(&other, client, 0x12000, PAGE_BYTES, server, WIN + 0x10000);
	assert_invariants();
	/* A frame outside both ranges changes nothing. */
	assert_int_equal(vspace_frame_unmap(slot(FR + 3)), ERR_OK);
	assert_true((l.bytes != 0) && (other.bytes != 0));
	assert_int_equal(vspace_frame_unmap(slot(FR + 1)), ERR_OK);
	assert_false((l.bytes != 0));
	assert_true((other.bytes != 0));
	assert_owned(ROOT, 0x10000, vw_object_pa(W, FR));
	assert_gone(ROOT, 0x11000);
	assert_gone(ROOT2, WIN);
	assert_gone(ROOT2, WIN + 0x1000);
	assert_invariants();
	/* Deleting the other lent frame's cap ends the other lend. */
	vw_delete(W, FR + 2);
	assert_false((other.bytes != 0));
	assert_gone(ROOT2, WIN + 0x10000);
	assert_gone(ROOT, 0x12000);
	assert_invariants();
}

/* The client unmaps a table above lent pages, or its VSpace or pool goes. */
static void test_release_on_table_root_pool(void **state)
{
	(void)state;
	struct lend a = { 0 }, b = { 0 }, c = { 0 };
	lend_move(&a, client, 0x10000, PAGE_BYTES, server, WIN);
	lend_move(&b, client, 0x200000, 0x200000, server, WIN + 0x400000);
	lend_move(&c, client, 0x11000, PAGE_BYTES, server, WIN + 0x1000);
	/* The level-0 table covers a and c, not b (in the middle of the list). */
	assert_int_equal(vspace_page_table_unmap(slot(PT + 1)), ERR_OK);
	assert_false((a.bytes != 0) || (c.bytes != 0));
	assert_true((b.bytes != 0));
	assert_gone(ROOT2, WIN);
	assert_gone(ROOT2, WIN + 0x1000);
	assert_invariants();
	/* The root goes: b comes back to it first, the window empties. */
	vw_delete(W, ROOT);
	assert_false((b.bytes != 0));
	assert_gone(ROOT2, WIN + 0x400000);
	assert_invariants();
	/* A client in a pool that goes. */
	uint64_t asid = vw_make_vspace(W, POOL, ROOT + 100);
	vw_make(W, OBJ_FRAME_4K, FR + 5);
	vw_make(W, OBJ_PAGE_TABLE, PT + 5);
	vw_make(W, OBJ_PAGE_TABLE, PT + 6);
	pt_map(PT + 5, ROOT + 100, 0);
	pt_map(PT + 6, ROOT + 100, 0);
	frame_map(FR + 5, ROOT + 100, 0x6000, RW, 0);
	assert_int_equal(lend_check(asid, 0x6000, PAGE_BYTES, server,
				    (struct lend_window){ WIN + 0x4000, PAGE_BYTES }),
			 ERR_OK);
	lend_move(&a, asid, 0x6000, PAGE_BYTES, server, WIN + 0x4000);
	assert_borrowed(ROOT2, WIN + 0x4000, vw_object_pa(W, FR + 5));
	vw_delete(W, POOL);
	assert_false((a.bytes != 0));
	assert_gone(ROOT2, WIN + 0x4000);
	assert_invariants();
}

/* The server's VSpace changes under its window (a table unmapped, a
 * borrowed place unmapped through a frame cap, the VSpace or its pool
 * deleted): the lend ends first, the client has everything back, and the
 * window is empty. */
static void test_release_on_server_side(void **state)
{
	(void)state;
	struct lend l = { 0 }, other = { 0 };
	lend_move(&l, client, 0x10000, 2 * PAGE_BYTES, server, WIN);
	lend_move(&other, client, 0x200000, 0x200000, server, WIN + 0x400000);
	assert_int_equal(vspace_page_table_unmap(slot(PT + 3)), ERR_OK);
	assert_false((l.bytes != 0));
	assert_true((other.bytes != 0));
	assert_owned(ROOT, 0x10000, vw_object_pa(W, FR));
	assert_owned(ROOT, 0x11000, vw_object_pa(W, FR + 1));
	assert_invariants();
	/* A frame cap of the server's own whose record names a borrowed place. */
	pt_map(PT + 3, ROOT2, WIN);
	vw_make(W, OBJ_FRAME_4K, FR + 5);
	frame_map(FR + 5, ROOT2, WIN + 0x8000, RW, 0);
	assert_int_equal(vspace_frame_unmap(slot(FR + 5)), ERR_OK);
	lend_move(&l, client, 0x10000, PAGE_BYTES, server, WIN + 0x8000);
	frame_map(FR + 5, ROOT2, WIN + 0x9000, RW, 0);
	assert_true((l.bytes != 0));
	vw_delete(W, FR + 5); /* elsewhere in the window: the lend stays */
	assert_true((l.bytes != 0));
	/* The server's VSpace goes: both lends end, the client keeps all. */
	fake_arch_clear_flushes();
	vw_delete(W, ROOT2);
	assert_false((l.bytes != 0) || (other.bytes != 0));
	assert_owned(ROOT, 0x10000, vw_object_pa(W, FR));
	assert_owned(ROOT, 0x200000, vw_object_pa(W, FR + 4));
	assert_invariants();
}

/* However a caller leaves its reply object, its lent pages come back. */
static void test_reply_paths_return(void **state)
{
	(void)state;
	static struct tcb caller;
	static struct reply r;
	memset(&caller, 0, sizeof(caller));
	memset(&r, 0, sizeof(r));
	caller.state = THREAD_BLOCKED_REPLY;
	r.caller = &caller;
	caller.reply = &r;
	lend_move(&caller.lend, client, 0x10000, PAGE_BYTES, server, WIN);
	reply_cancel(&r); /* the reply object (or the server) went */
	assert_false((caller.lend.bytes != 0));
	assert_int_equal(caller.state, THREAD_INACTIVE);
	assert_owned(ROOT, 0x10000, vw_object_pa(W, FR));
	assert_gone(ROOT2, WIN);
	/* The client thread is deleted or suspended while it waits. */
	caller.state = THREAD_BLOCKED_REPLY;
	r.caller = &caller;
	caller.reply = &r;
	lend_move(&caller.lend, client, 0x10000, PAGE_BYTES, server, WIN);
	tcb_cancel_ipc(&caller);
	assert_false((caller.lend.bytes != 0));
	assert_null(r.caller);
	assert_gone(ROOT2, WIN);
	assert_invariants();
}

/* The checkers find what is wrong. */
static void test_invariants_detect(void **state)
{
	(void)state;
	struct lend l = { 0 };
	lend_move(&l, client, 0x10000, PAGE_BYTES, server, WIN);
	struct pagetable *ctable = (struct pagetable *)vw_object_pa(W, PT + 1);
	struct pagetable *stable = (struct pagetable *)vw_object_pa(W, PT + 3);
	struct pte marker = ctable->entry[0x10], borrowed = stable->entry[0];
	assert_invariants();
	ctable->entry[0x10].word = marker.word & ~PTE_SW_LEND;
	assert_string_equal(vspace_check_invariants(), "an invalid entry is not zero");
	ctable->entry[0x10].word = marker.word & ~(PTE_READ | PTE_WRITE | PTE_EXECUTE);
	assert_string_equal(vspace_check_invariants(), "a lent marker keeps no leaf");
	ctable->entry[0x10] = marker;
	stable->entry[0].word = borrowed.word | PTE_EXECUTE;
	assert_string_equal(vspace_check_invariants(),
			    "a borrowed leaf is device memory or executable");
	stable->entry[0].word = borrowed.word | PTE_SW_DEVICE;
	assert_string_equal(vspace_check_invariants(),
			    "a borrowed leaf is device memory or executable");
	stable->entry[0] = borrowed;
	ctable->entry[0x10] = pte_invalid();
	assert_string_equal(lend_check_invariants(), "a lent page is not marked lent");
	ctable->entry[0x10].word = marker.word ^ (PTE_VALID | PTE_SW_LEND); /* the leaf again */
	assert_string_equal(lend_check_invariants(), "a lent page is not marked lent");
	ctable->entry[0x10] = marker;
	l.client_root++;
	assert_string_equal(lend_check_invariants(), "a lend outlived a VSpace");
	expect_core_assert(lend_return(&l));
	l.client_root--;
	l.server_root++;
	assert_string_equal(lend_check_invariants(), "a lend outlived a VSpace");
	expect_core_assert(lend_return(&l));
	l.server_root--;
	uint64_t bytes = l.bytes;
	l.bytes = 0;
	assert_string_equal(lend_check_invariants(), "the lend list is broken");
	l.bytes = bytes;
	stable->entry[0].word = borrowed.word & ~PTE_SW_LEND;
	assert_string_equal(lend_check_invariants(), "a lent page is not borrowed in the window");
	stable->entry[0].word = borrowed.word + (UINT64_C(1) << PTE_PPN_SHIFT);
	assert_string_equal(lend_check_invariants(), "a lent page is not borrowed in the window");
	stable->entry[0] = borrowed;
	/* The window's table gone from under the lend (without the hook). */
	struct pagetable *sl1 = (struct pagetable *)vw_object_pa(W, PT + 2);
	struct pte window_table = sl1->entry[0];
	sl1->entry[0] = pte_invalid();
	assert_string_equal(lend_check_invariants(), "a lent page is not borrowed in the window");
	sl1->entry[0] = window_table;
	stable->entry[0] = pte_invalid();
	assert_string_equal(lend_check_invariants(), "a lent page is not borrowed in the window");
	stable->entry[0] = borrowed;
	struct lend *prev = l.prev;
	l.prev = &l;
	assert_string_equal(lend_check_invariants(), "the lend list is broken");
	l.prev = prev;
	assert_invariants();
	lend_return(&l);
	/* lend_move's contract: nothing active in the record, something to lend. */
	lend_move(&l, client, 0x10000, PAGE_BYTES, server, WIN);
	expect_core_assert(lend_move(&l, client, 0x11000, PAGE_BYTES, server, WIN + 0x1000));
	struct lend none = { 0 };
	expect_core_assert(lend_move(&none, client, 0x11000, 0, server, WIN + 0x1000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lend_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lend_one_leaf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lend_mixed_and_giga, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lend_run_breaks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lend_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lend_whole_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_whole_table_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_on_frame, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_on_table_root_pool, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_on_server_side, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reply_paths_return, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invariants_detect, setup, teardown),
	};
	return cmocka_run_group_tests_name("lend", tests, NULL, NULL);
}
