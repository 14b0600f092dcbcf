/* SPDX-License-Identifier: MIT */
/*
 * Tests of core/uintr.c: the transition table, registering and
 * unregistering receivers and senders with every error, send by each
 * receiver state (and the hooks it calls), the sleep/wake hand-over,
 * delivery and uret with the emulated registers, context switches,
 * teardown from either side, and the invariant checker catching each kind
 * of corruption.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_arch.h"
#include "uintr.h"

#define ENTRIES 80

static struct uintr_receiver rx[3];
static _Alignas(16) uint8_t table_memory[2][4096];
static struct uintr_sender_table *tab[2];
static int owner_word;
static void *const OWNER = &owner_word;

static int setup(void **state)
{
	(void)state;
	fake_arch_reset();
	uintr_reset_harts();
	memset(rx, 0, sizeof rx);
	for (unsigned i = 0; i < 2; i++) {
		assert_true(uintr_table_bytes(ENTRIES) <= sizeof table_memory[i]);
		assert_int_equal(uintr_table_init(table_memory[i], ENTRIES), ERR_OK);
		tab[i] = (struct uintr_sender_table *)table_memory[i];
	}
	return 0;
}

static void check_all(void)
{
	for (unsigned i = 0; i < 3; i++)
		assert_null(uintr_check_invariants(&rx[i]));
	for (unsigned i = 0; i < 2; i++)
		assert_null(uintr_table_check_invariants(tab[i]));
}

/* rx[0] registered, entry `index` of tab[0] sending vector `vector` to it. */
static void link(unsigned index, unsigned vector)
{
	unsigned got = 99;
	if (uintr_receiver_state(&rx[0]) == UINTR_RX_FREE)
		assert_int_equal(uintr_receiver_register(&rx[0], OWNER), ERR_OK);
	assert_int_equal(uintr_sender_register(tab[0], index, &rx[0], vector, &got), ERR_OK);
	assert_int_equal(got, vector);
}

static void test_transition_table(void **state)
{
	(void)state;
	static const char *legal[] = { "FI", "IF", "IR", "RF", "RI", "RS", "SF",
				       "SI", "SR", "SW", "WF", "WI", "WR" };
	const char *names = "FIRSW";
	for (unsigned from = 0; from < UINTR_RX_STATE_COUNT; from++)
		for (unsigned to = 0; to < UINTR_RX_STATE_COUNT; to++) {
			bool expect = false;
			for (unsigned i = 0; i < ARRAY_LENGTH(legal); i++)
				expect |= legal[i][0] == names[from] && legal[i][1] == names[to];
			assert_int_equal(uintr_transition_ok(from, to), expect);
		}
	assert_false(uintr_transition_ok(UINTR_RX_STATE_COUNT, UINTR_RX_IDLE));
	assert_false(uintr_transition_ok(UINTR_RX_IDLE, UINTR_RX_STATE_COUNT));
}

static void test_register_receiver(void **state)
{
	(void)state;
	assert_int_equal(uintr_receiver_state(&rx[0]), UINTR_RX_FREE);
	check_all();
	atomic_store(&rx[0].pending, 5); /* stale memory: registering clears it */
	assert_int_equal(uintr_receiver_register(&rx[0], OWNER), ERR_OK);
	assert_int_equal(uintr_receiver_state(&rx[0]), UINTR_RX_IDLE);
	assert_int_equal(uintr_receiver_hart(&rx[0]), UINTR_NO_HART);
	assert_ptr_equal(rx[0].owner, OWNER);
	assert_int_equal(uintr_read(&rx[0]), 0);
	const struct uintr_regs *regs = uintr_regs(&rx[0]);
	assert_int_equal(regs->enabled, 0);
	assert_int_equal(regs->uie, 1);
	assert_int_equal(regs->utvec, 0);
	assert_int_equal(uintr_receiver_register(&rx[0], OWNER), ERR_ILLEGAL_OPERATION);
	check_all();
	enum error ignored;
	expect_core_assert(ignored = uintr_receiver_register(&rx[1], NULL));
	(void)ignored;
}

static void test_table_init(void **state)
{
	(void)state;
	static _Alignas(16) uint8_t big[16 + UINTR_TABLE_MAX_ENTRIES * 16];
	assert_int_equal(uintr_table_bytes(UINTR_TABLE_MAX_ENTRIES), sizeof big);
	assert_int_equal(uintr_table_init(big, 0), ERR_RANGE);
	assert_int_equal(uintr_table_init(big, UINTR_TABLE_MAX_ENTRIES + 1), ERR_RANGE);
	assert_int_equal(uintr_table_init(big, UINTR_TABLE_MAX_ENTRIES), ERR_OK);
	struct uintr_sender_table *t = (struct uintr_sender_table *)big;
	assert_int_equal(t->size, UINTR_TABLE_MAX_ENTRIES);
	assert_null(uintr_table_check_invariants(t));
	assert_int_equal(uintr_table_init(big, 1), ERR_OK);
	assert_int_equal(t->size, 1);
	t->size = 0;
	assert_string_equal(uintr_table_check_invariants(t), "size");
}

static void test_register_sender_errors(void **state)
{
	(void)state;
	unsigned got = 77;
	/* A FREE receiver cannot be sent to. */
	assert_int_equal(uintr_sender_register(tab[0], 0, &rx[0], 3, &got), ERR_ILLEGAL_OPERATION);
	link(0, 3);
	assert_int_equal(uintr_sender_register(tab[0], ENTRIES, &rx[0], 4, &got), ERR_RANGE);
	assert_int_equal(uintr_sender_register(tab[0], UINT64_MAX, &rx[0], 4, &got), ERR_RANGE);
	assert_int_equal(uintr_sender_register(tab[0], 1, &rx[0], UINTR_ANY_VECTOR + 1, &got),
			 ERR_RANGE);
	assert_int_equal(uintr_sender_register(tab[0], 0, &rx[0], 4, &got), ERR_DELETE_FIRST);
	/* Vector 3 is entry 0's, from this table or another. */
	assert_int_equal(uintr_sender_register(tab[0], 1, &rx[0], 3, &got), ERR_ILLEGAL_OPERATION);
	assert_int_equal(uintr_sender_register(tab[1], 0, &rx[0], 3, &got), ERR_ILLEGAL_OPERATION);
	assert_int_equal(got, 77);
	assert_int_equal(rx[0].senders, 1);
	assert_null(atomic_load(&tab[0]->entry[1].receiver));
	check_all();
}

static void test_any_vector_and_the_65th(void **state)
{
	(void)state;
	link(0, 0);
	unsigned got;
	/* Vectors come lowest free first, across tables. */
	for (unsigned i = 1; i < UINTR_VECTORS; i++) {
		struct uintr_sender_table *t = tab[i % 2];
		assert_int_equal(uintr_sender_register(t, i, &rx[0], UINTR_ANY_VECTOR, &got),
				 ERR_OK);
		assert_int_equal(got, i);
	}
	assert_int_equal(rx[0].senders, 64);
	check_all();
	assert_int_equal(uintr_sender_register(tab[0], 70, &rx[0], UINTR_ANY_VECTOR, &got),
			 ERR_NOT_ENOUGH_MEMORY);
	assert_null(atomic_load(&tab[0]->entry[70].receiver));
	/* A freed vector is the next one handed out. */
	assert_int_equal(uintr_sender_unregister(tab[1], 17), ERR_OK);
	assert_int_equal(uintr_sender_register(tab[0], 70, &rx[0], UINTR_ANY_VECTOR, &got), ERR_OK);
	assert_int_equal(got, 17);
	check_all();
}

static void test_unregister_sender(void **state)
{
	(void)state;
	link(5, 9);
	assert_int_equal(uintr_sender_unregister(tab[0], ENTRIES), ERR_RANGE);
	assert_int_equal(uintr_sender_unregister(tab[0], 4), ERR_FAILED_LOOKUP);
	struct uintr_send_result s = uintr_send(tab[0], 5, 0);
	assert_int_equal(s.err, ERR_OK);
	assert_int_equal(uintr_sender_unregister(tab[0], 5), ERR_OK);
	assert_int_equal(uintr_sender_unregister(tab[0], 5), ERR_FAILED_LOOKUP);
	check_all();
	/* The bit sent before stays valid; the entry now fails cleanly. */
	assert_int_equal(uintr_send(tab[0], 5, 0).err, ERR_FAILED_LOOKUP);
	assert_int_equal(uintr_read(&rx[0]), 1ull << 9);
	assert_int_equal(rx[0].senders, 0);
	/* The vector is free again. */
	link(6, 9);
	check_all();
}

static void test_send_errors(void **state)
{
	(void)state;
	struct uintr_send_result s = uintr_send(tab[0], ENTRIES, 0);
	assert_int_equal(s.err, ERR_RANGE);
	s = uintr_send(tab[0], UINT64_MAX, 1);
	assert_int_equal(s.err, ERR_RANGE);
	s = uintr_send(tab[0], 0, 0);
	assert_int_equal(s.err, ERR_FAILED_LOOKUP);
	assert_int_equal(fake_arch.uintr_ipi_calls + fake_arch.uintr_wake_calls, 0);
	expect_core_assert(uintr_send(tab[0], 0, CONFIG_MAX_HARTS));
}

static void test_send_to_idle_is_pending(void **state)
{
	(void)state;
	link(0, 63);
	link(1, 0);
	struct uintr_send_result s = uintr_send(tab[0], 0, 2);
	assert_int_equal(s.err, ERR_OK);
	assert_int_equal(s.action, UINTR_SEND_PENDING);
	s = uintr_send(tab[0], 1, 3);
	assert_int_equal(s.action, UINTR_SEND_PENDING);
	s = uintr_send(tab[0], 1, 3); /* again: the bit is sticky, one bit */
	assert_int_equal(atomic_load(&rx[0].pending), (1ull << 63) | 1);
	assert_int_equal(fake_arch.uintr_ipi_calls + fake_arch.uintr_wake_calls, 0);
	assert_int_equal(uintr_read(&rx[0]), (1ull << 63) | 1);
	assert_int_equal(uintr_read(&rx[0]), 0);
	check_all();
}

static void test_send_to_running(void **state)
{
	(void)state;
	link(0, 2);
	uintr_switch_in(&rx[0], 3);
	assert_int_equal(uintr_receiver_state(&rx[0]), UINTR_RX_RUNNING);
	assert_int_equal(uintr_receiver_hart(&rx[0]), 3);
	assert_ptr_equal(uintr_running_on(3), &rx[0]);
	check_all();
	/* From its own hart: it sees the bit on its return to user mode. */
	struct uintr_send_result s = uintr_send(tab[0], 0, 3);
	assert_int_equal(s.action, UINTR_SEND_NONE);
	assert_int_equal(fake_arch.uintr_ipi_calls, 0);
	/* From another hart: an IPI to hart 3. */
	s = uintr_send(tab[0], 0, 1);
	assert_int_equal(s.action, UINTR_SEND_IPI);
	assert_int_equal(s.hart, 3);
	assert_int_equal(fake_arch.uintr_ipi_calls, 1);
	assert_int_equal(fake_arch.uintr_ipi_harts, 1ull << 3);
	assert_int_equal(uintr_read(&rx[0]), 1ull << 2);
	uintr_switch_out(&rx[0]);
	assert_int_equal(uintr_receiver_state(&rx[0]), UINTR_RX_IDLE);
	assert_null(uintr_running_on(3));
	check_all();
}

static void test_switch_contracts(void **state)
{
	(void)state;
	link(0, 1);
	assert_int_equal(uintr_receiver_register(&rx[1], OWNER), ERR_OK);
	uintr_switch_in(&rx[0], 0);
	expect_core_assert(uintr_switch_in(&rx[1], 0)); /* hart 0 is taken */
	expect_core_assert(uintr_switch_in(&rx[1], CONFIG_MAX_HARTS));
	expect_core_assert(uintr_switch_out(&rx[1]));          /* not current */
	expect_core_assert(uintr_switch_out(&rx[2]));          /* never loaded */
	expect_core_assert(uintr_receiver_unregister(&rx[0])); /* current */
	expect_core_assert(uintr_running_on(CONFIG_MAX_HARTS));
	uintr_switch_out(&rx[0]);
	expect_core_assert(uintr_receiver_unregister(&rx[2])); /* FREE */
	check_all();
}

static void test_sleep_and_wake(void **state)
{
	(void)state;
	link(0, 7);
	link(1, 8);
	uintr_switch_in(&rx[0], 2);
	assert_int_equal(uintr_wait_begin(&rx[0]), UINTR_WAIT_BLOCK);
	assert_int_equal(uintr_receiver_state(&rx[0]), UINTR_RX_SLEEPING);
	uintr_switch_out(&rx[0]); /* blocked: stays SLEEPING */
	assert_int_equal(uintr_receiver_state(&rx[0]), UINTR_RX_SLEEPING);
	check_all();
	struct uintr_send_result s = uintr_send(tab[0], 0, 1);
	assert_int_equal(s.action, UINTR_SEND_WOKEN);
	assert_int_equal(fake_arch.uintr_wake_calls, 1);
	assert_ptr_equal(fake_arch.uintr_last_woken, &rx[0]);
	assert_int_equal(uintr_receiver_state(&rx[0]), UINTR_RX_WAKING);
	/* A second sender finds it being woken: the bit only. */
	s = uintr_send(tab[0], 1, 0);
	assert_int_equal(s.action, UINTR_SEND_PENDING);
	assert_int_equal(fake_arch.uintr_wake_calls, 1);
	check_all();
	assert_true(uintr_wake_complete(&rx[0]));
	assert_int_equal(uintr_receiver_state(&rx[0]), UINTR_RX_IDLE);
	assert_false(uintr_wake_complete(&rx[0]));
	assert_int_equal(uintr_read(&rx[0]), (1ull << 7) | (1ull << 8));
	check_all();
}

/* uintr_post (the hardware backend's bits from a sleeper's slot): a
 * sleeper is woken once, an idle receiver only keeps the bits, none is
 * nothing. */
static void test_post(void **state)
{
	(void)state;
	link(0, 7);
	assert_int_equal(uintr_post(&rx[0], 0, 1).action, UINTR_SEND_PENDING);
	assert_int_equal(atomic_load(&rx[0].pending), 0);
	assert_int_equal(uintr_post(&rx[0], 1ull << 40, 1).action, UINTR_SEND_PENDING);
	assert_int_equal(fake_arch.uintr_wake_calls + fake_arch.uintr_ipi_calls, 0);
	assert_int_equal(uintr_read(&rx[0]), 1ull << 40);
	uintr_switch_in(&rx[0], 2);
	assert_int_equal(uintr_wait_begin(&rx[0]), UINTR_WAIT_BLOCK);
	uintr_switch_out(&rx[0]);
	struct uintr_send_result s = uintr_post(&rx[0], 1ull << 3 | 1ull << 9, 2);
	assert_int_equal(s.action, UINTR_SEND_WOKEN);
	assert_int_equal(fake_arch.uintr_wake_calls, 1);
	assert_ptr_equal(fake_arch.uintr_last_woken, &rx[0]);
	assert_int_equal(uintr_post(&rx[0], 1, 2).action, UINTR_SEND_PENDING);
	assert_int_equal(fake_arch.uintr_wake_calls, 1);
	assert_true(uintr_wake_complete(&rx[0]));
	assert_int_equal(uintr_read(&rx[0]), 1ull << 3 | 1ull << 9 | 1);
	expect_core_assert(uintr_post(&rx[0], 1, CONFIG_MAX_HARTS));
	check_all();
}

static void test_wait_with_bits_pending(void **state)
{
	(void)state;
	link(0, 4);
	uintr_switch_in(&rx[0], 1);
	assert_int_equal(uintr_send(tab[0], 0, 1).action, UINTR_SEND_NONE);
	assert_int_equal(uintr_wait_begin(&rx[0]), UINTR_WAIT_READY);
	assert_int_equal(uintr_receiver_state(&rx[0]), UINTR_RX_RUNNING);
	assert_int_equal(uintr_receiver_hart(&rx[0]), 1);
	check_all();
	uintr_switch_out(&rx[0]);
	expect_core_assert(uintr_wait_begin(&rx[0])); /* not running */
}

static void test_wait_cancel(void **state)
{
	(void)state;
	link(0, 4);
	uintr_switch_in(&rx[0], 1);
	expect_core_assert(uintr_wait_cancel(&rx[0])); /* running, not sleeping */
	assert_int_equal(uintr_wait_begin(&rx[0]), UINTR_WAIT_BLOCK);
	expect_core_assert(uintr_wait_cancel(&rx[0])); /* still current */
	assert_false(uintr_wake_complete(&rx[0]));     /* nobody woke it */
	uintr_switch_out(&rx[0]);
	expect_core_assert(uintr_switch_in(&rx[0], 1)); /* sleeping: not runnable */
	/* The deadline passes first. */
	assert_false(uintr_wait_cancel(&rx[0]));
	assert_int_equal(uintr_receiver_state(&rx[0]), UINTR_RX_IDLE);
	/* A send came first: the cancel reports it, the wake-up then finds
	 * nothing to do. */
	uintr_switch_in(&rx[0], 1);
	assert_int_equal(uintr_wait_begin(&rx[0]), UINTR_WAIT_BLOCK);
	assert_int_equal(uintr_send(tab[0], 0, 0).action, UINTR_SEND_WOKEN);
	/* WAKING while still current: the kernel must switch it out first. */
	expect_core_assert(uintr_wake_complete(&rx[0]));
	uintr_switch_out(&rx[0]);
	assert_true(uintr_wait_cancel(&rx[0]));
	assert_false(uintr_wake_complete(&rx[0]));
	assert_int_equal(uintr_receiver_state(&rx[0]), UINTR_RX_IDLE);
	check_all();
}

static void test_unregister_receiver(void **state)
{
	(void)state;
	link(0, 1);
	link(1, 2);
	unsigned got;
	assert_int_equal(uintr_sender_register(tab[1], 3, &rx[0], 40, &got), ERR_OK);
	assert_int_equal(uintr_send(tab[1], 3, 0).err, ERR_OK);
	assert_int_equal(uintr_receiver_unregister(&rx[0]), UINTR_RX_IDLE);
	assert_int_equal(uintr_receiver_state(&rx[0]), UINTR_RX_FREE);
	assert_null(rx[0].owner);
	check_all();
	/* Every sender gets a clean error, and may register elsewhere. */
	assert_int_equal(uintr_send(tab[0], 0, 0).err, ERR_FAILED_LOOKUP);
	assert_int_equal(uintr_send(tab[0], 1, 0).err, ERR_FAILED_LOOKUP);
	assert_int_equal(uintr_send(tab[1], 3, 0).err, ERR_FAILED_LOOKUP);
	assert_int_equal(uintr_sender_unregister(tab[1], 3), ERR_FAILED_LOOKUP);
	assert_int_equal(uintr_receiver_register(&rx[1], OWNER), ERR_OK);
	assert_int_equal(uintr_sender_register(tab[1], 3, &rx[1], 40, &got), ERR_OK);
	/* The memory can be a receiver again. */
	assert_int_equal(uintr_receiver_register(&rx[0], OWNER), ERR_OK);
	assert_int_equal(rx[0].senders, 0);
	check_all();
}

static void test_unregister_sleeping_receiver(void **state)
{
	(void)state;
	link(0, 1);
	uintr_switch_in(&rx[0], 0);
	assert_int_equal(uintr_wait_begin(&rx[0]), UINTR_WAIT_BLOCK);
	uintr_switch_out(&rx[0]);
	assert_int_equal(uintr_receiver_unregister(&rx[0]), UINTR_RX_SLEEPING);
	assert_int_equal(uintr_send(tab[0], 0, 0).err, ERR_FAILED_LOOKUP);
	assert_int_equal(fake_arch.uintr_wake_calls, 0);
	/* WAKING too: the caller drops the queued wake-up. */
	link(0, 1);
	uintr_switch_in(&rx[0], 0);
	assert_int_equal(uintr_wait_begin(&rx[0]), UINTR_WAIT_BLOCK);
	uintr_switch_out(&rx[0]);
	assert_int_equal(uintr_send(tab[0], 0, 0).action, UINTR_SEND_WOKEN);
	assert_int_equal(uintr_receiver_unregister(&rx[0]), UINTR_RX_WAKING);
	check_all();
}

static void test_table_destroy(void **state)
{
	(void)state;
	link(0, 1);
	link(9, 2);
	assert_int_equal(uintr_receiver_register(&rx[1], OWNER), ERR_OK);
	unsigned got;
	assert_int_equal(uintr_sender_register(tab[0], 4, &rx[1], 0, &got), ERR_OK);
	assert_int_equal(uintr_send(tab[0], 9, 0).err, ERR_OK);
	uintr_table_destroy(tab[0]);
	check_all();
	assert_int_equal(rx[0].senders, 0);
	assert_int_equal(rx[1].senders, 0);
	/* The receiver keeps what was sent. */
	assert_int_equal(uintr_read(&rx[0]), 1ull << 2);
	/* Both vectors are free. */
	assert_int_equal(uintr_sender_register(tab[1], 0, &rx[0], 1, &got), ERR_OK);
	assert_int_equal(uintr_sender_register(tab[1], 1, &rx[1], 0, &got), ERR_OK);
	check_all();
}

static void test_set_handler(void **state)
{
	(void)state;
	link(0, 0);
	assert_int_equal(uintr_set_handler(&rx[0], 0x1000, 0x2000), ERR_OK);
	assert_int_equal(uintr_set_handler(&rx[0], 0x3002, 1), ERR_INVALID_ARGUMENT);
	assert_int_equal(uintr_set_handler(&rx[0], 0x3003, 1), ERR_INVALID_ARGUMENT);
	assert_int_equal(uintr_regs(&rx[0])->utvec, 0x1000);
	assert_int_equal(uintr_regs(&rx[0])->uscratch, 0x2000);
	assert_int_equal(uintr_set_handler(&rx[0], 0x3001, 7), ERR_OK); /* vectored */
	assert_int_equal(uintr_regs(&rx[0])->utvec, 0x3001);
	check_all();
}

static void test_deliver_and_uret(void **state)
{
	(void)state;
	link(0, 5);
	assert_int_equal(uintr_set_handler(&rx[0], 0x4001, 0x99), ERR_OK);
	uintr_switch_in(&rx[0], 0);
	uint64_t pc = 0x1234;
	/* Nothing pending. */
	uintr_set_enabled(&rx[0], true);
	assert_false(uintr_deliver(&rx[0], &pc));
	/* Pending but disabled (uie.USIE clear). */
	assert_int_equal(uintr_send(tab[0], 0, 0).action, UINTR_SEND_NONE);
	uintr_set_enabled(&rx[0], false);
	assert_false(uintr_deliver(&rx[0], &pc));
	assert_int_equal(pc, 0x1234);
	uintr_set_enabled(&rx[0], true);
	assert_true(uintr_deliver(&rx[0], &pc));
	const struct uintr_regs *regs = uintr_regs(&rx[0]);
	assert_int_equal(pc, 0x4000); /* vectored, cause 0: the base */
	assert_int_equal(regs->uepc, 0x1234);
	assert_int_equal(regs->ucause, UINTR_CAUSE_USI);
	assert_int_equal(regs->uie, 0);
	assert_int_equal(regs->upie, 1);
	assert_int_equal(regs->uscratch, 0x99);
	check_all();
	/* In the handler (UIE clear): no nesting. */
	assert_false(uintr_deliver(&rx[0], &pc));
	/* The handler leaves the bit: uret chains straight back in. */
	pc = 0x4100;
	assert_true(uintr_uret(&rx[0], &pc));
	assert_int_equal(pc, 0x4000);
	assert_int_equal(regs->uepc, 0x1234);
	assert_int_equal(regs->uie, 0);
	/* It reads (clears) the bits and puts one back, then takes it. */
	assert_int_equal(uintr_read(&rx[0]), 1ull << 5);
	uintr_write(&rx[0], 1ull << 30);
	assert_int_equal(uintr_read(&rx[0]), 1ull << 30);
	assert_false(uintr_uret(&rx[0], &pc));
	assert_int_equal(pc, 0x1234);
	assert_int_equal(regs->uie, 1);
	assert_int_equal(regs->upie, 1);
	check_all();
	uintr_switch_out(&rx[0]);
	expect_core_assert(uintr_deliver(&rx[0], &pc)); /* not running */
}

/* Corrupt a copy of a good receiver field by field: the checker names each. */
static void test_invariants_catch_corruption(void **state)
{
	(void)state;
	link(0, 6);
	uintr_switch_in(&rx[0], 2);
	check_all();
	struct uintr_receiver good = rx[0];
	struct uintr_receiver *r = &rx[0];

	atomic_store(&r->status, 9);
	assert_string_equal(uintr_check_invariants(r), "state out of range");
	atomic_store(&r->status, UINTR_RX_RUNNING | 1u << 8);
	assert_string_equal(uintr_check_invariants(r),
			    "state word's hart is not where the thread is current");
	atomic_store(&r->status, UINTR_RX_IDLE | 2u << 8);
	assert_string_equal(uintr_check_invariants(r),
			    "state word's hart is not where the thread is current");
	atomic_store(&r->status, UINTR_RX_IDLE);
	assert_string_equal(uintr_check_invariants(r), "IDLE but current on a hart");
	atomic_store(&r->status, UINTR_RX_FREE);
	assert_string_equal(uintr_check_invariants(r), "FREE but current or with senders");
	*r = good;
	r->current_on1 = 2; /* hart 1, which does not know it */
	atomic_store(&r->status, UINTR_RX_RUNNING | 1u << 8);
	assert_string_equal(uintr_check_invariants(r), "current on a hart that does not know it");
	r->current_on1 = CONFIG_MAX_HARTS + 1;
	atomic_store(&r->status, UINTR_RX_RUNNING | (uint64_t)CONFIG_MAX_HARTS << 8);
	assert_string_equal(uintr_check_invariants(r), "current on a hart that does not know it");
	*r = good;
	r->senders = 2;
	assert_string_equal(uintr_check_invariants(r), "sender count");
	*r = good;
	r->sender[7] = r->sender[6];
	assert_string_equal(uintr_check_invariants(r), "a vector's sender entry does not name it");
	*r = good;
	r->regs.upie = 2;
	assert_string_equal(uintr_check_invariants(r), "enable bits");
	*r = good;
	r->regs.utvec = 2;
	assert_string_equal(uintr_check_invariants(r), "utvec MODE reserved");
	*r = good;
	/* rx[1] claims hart 2 in the map while rx[0] is current there. */
	struct uintr_receiver other = good;
	other.current_on1 = 0;
	assert_int_equal(uintr_receiver_register(&rx[1], OWNER), ERR_OK);
	uintr_switch_out(&rx[0]);
	uintr_switch_in(&rx[1], 2);
	rx[1].current_on1 = 4;
	assert_string_equal(uintr_check_invariants(&rx[0]),
			    "a hart's running receiver is not current there");
	rx[1].current_on1 = 3;
	uintr_switch_out(&rx[1]);
	check_all();
	(void)other;

	/* Tables. */
	struct uintr_sender_entry saved = tab[0]->entry[0];
	atomic_store(&tab[0]->entry[0].vector, 64);
	assert_string_equal(uintr_table_check_invariants(tab[0]),
			    "an entry's receiver does not own its vector for it");
	atomic_store(&tab[0]->entry[0].vector, 5);
	assert_string_equal(uintr_table_check_invariants(tab[0]),
			    "an entry's receiver does not own its vector for it");
	atomic_store(&tab[0]->entry[0].vector, atomic_load(&saved.vector));
	atomic_store(&rx[0].status, UINTR_RX_FREE);
	assert_string_equal(uintr_table_check_invariants(tab[0]), "an entry names a FREE receiver");
	atomic_store(&rx[0].status, UINTR_RX_IDLE);
	check_all();
}

/* Contracts a kernel bug would break, and the corruptions not covered above. */
static void test_more_contracts_and_corruption(void **state)
{
	(void)state;
	/* FREE -> RUNNING is not in the table. */
	expect_core_assert(uintr_switch_in(&rx[1], 1));
	link(0, 3);
	uintr_switch_in(&rx[0], 0);
	expect_core_assert(uintr_switch_in(&rx[0], 1)); /* current already */
	/* The hart map lost it: switching out is a kernel bug. */
	uintr_reset_harts();
	expect_core_assert(uintr_switch_out(&rx[0]));
	assert_string_equal(uintr_check_invariants(&rx[0]),
			    "current on a hart that does not know it");
	rx[0].current_on1 = 0;
	atomic_store(&rx[0].status, UINTR_RX_IDLE);
	check_all();

	struct uintr_receiver *r = &rx[0];
	r->regs.enabled = 2;
	assert_string_equal(uintr_check_invariants(r), "enable bits");
	r->regs.enabled = 0;
	r->regs.uie = 2;
	assert_string_equal(uintr_check_invariants(r), "enable bits");
	r->regs.uie = 1;
	/* A vector whose entry names another receiver. */
	unsigned got;
	assert_int_equal(uintr_receiver_register(&rx[1], OWNER), ERR_OK);
	assert_int_equal(uintr_sender_register(tab[1], 0, &rx[1], 3, &got), ERR_OK);
	struct uintr_sender_entry *mine = r->sender[3];
	r->sender[3] = rx[1].sender[3];
	assert_string_equal(uintr_check_invariants(r), "a vector's sender entry does not name it");
	r->sender[3] = mine;
	/* FREE with senders left. */
	atomic_store(&r->status, UINTR_RX_FREE);
	assert_string_equal(uintr_check_invariants(r), "FREE but current or with senders");
	atomic_store(&r->status, UINTR_RX_IDLE);
	check_all();
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, setup)
	const struct CMUnitTest tests[] = {
		T(test_transition_table),
		T(test_register_receiver),
		T(test_table_init),
		T(test_register_sender_errors),
		T(test_any_vector_and_the_65th),
		T(test_unregister_sender),
		T(test_send_errors),
		T(test_send_to_idle_is_pending),
		T(test_send_to_running),
		T(test_switch_contracts),
		T(test_sleep_and_wake),
		T(test_post),
		T(test_wait_with_bits_pending),
		T(test_wait_cancel),
		T(test_unregister_receiver),
		T(test_unregister_sleeping_receiver),
		T(test_table_destroy),
		T(test_set_handler),
		T(test_deliver_and_uret),
		T(test_invariants_catch_corruption),
		T(test_more_contracts_and_corruption),
	};
	return cmocka_run_group_tests_name("uintr", tests, NULL, NULL);
}
