/* SPDX-License-Identifier: MIT */
/*
 * core/uintr_obj.c: the service and sender-table objects (made, bound,
 * deleted while in use), and the wait for a user interrupt (sleep, wake-up
 * through the lock-free list, deadline, teardown while a wake-up is
 * queued). Threads come from the thread world; the kernel's "load on
 * switch-in" is done by hand (uintr_switch_in), its unload by fake_arch.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cte.h"
#include "fake_arch.h"
#include "host_object.h"
#include "thread_world.h"
#include "uintr_obj.h"
#include "uintr_objects.h"

static void check(struct tcb *t)
{
	tw_assert(W);
	assert_null(uintr_thread_check_invariants(t));
	if (t->uintr_service != NULL)
		assert_null(uintr_check_invariants(&t->uintr_service->rx));
}

static void test_sizes_and_layout(void **state)
{
	(void)state;
	for (unsigned radix = 0; radix <= SENDER_TABLE_RADIX_MAX; radix++) {
		unsigned bits = object_size_bits(OBJ_SENDER_TABLE, radix);
		assert_int_equal(bits, radix <= 7 ? 13 : 14);
		uint64_t uist = sender_table_uist_offset(radix);
		assert_true(uist >= uintr_table_bytes(1u << radix));
		assert_int_equal(uist % UINTR_PAGE_BYTES, 0);
		assert_true(uist + UINTR_PAGE_BYTES <= (1ull << bits));
	}
	assert_int_equal(object_size_bits(OBJ_SERVICE, 0), 13);
	expect_core_assert(sender_table_object_bits(SENDER_TABLE_RADIX_MAX + 1));
	struct obj t = make(OBJ_SENDER_TABLE, 5);
	assert_int_equal(cap_type(t.slot.cap), CAP_SENDER_TABLE);
	assert_int_equal(cap_sender_table_radix(t.slot.cap), 5);
	assert_int_equal(table(&t)->size, 32);
	assert_null(table(&t)->owner);
	for (uint32_t i = 0; i < 32; i++)
		assert_ptr_equal(uintr_entry_table(&table(&t)->entry[i]), table(&t));
	assert_ptr_equal(sender_table_uist_page(t.slot.cap), (char *)t.mem + 4096);
	W = tw_new(1);
	uintr_object_delete(&t);
	assert_int_equal(object_finalise_count[CAP_SENDER_TABLE], 1);
}

/* A service with no thread, a table with no thread: deleted quietly. */
static void test_delete_unused(void **state)
{
	(void)state;
	W = tw_new(1);
	struct obj s = make(OBJ_SERVICE, 0), t = make(OBJ_SENDER_TABLE, 0);
	uintr_object_delete(&s);
	uintr_object_delete(&t);
	assert_int_equal(object_finalise_count[CAP_SERVICE], 1);
	assert_int_equal(object_finalise_count[CAP_SENDER_TABLE], 1);
	assert_int_equal(fake_arch.uintr_unload_calls, 0);
	assert_int_equal(fake_arch.uintr_gone_calls, 0);
}

static void test_bind_errors_change_nothing(void **state)
{
	(void)state;
	W = tw_new(1);
	struct tcb *a = tw_thread(W, 10, 0), *b = tw_thread(W, 10, 0);
	struct obj s = make(OBJ_SERVICE, 0), s2 = make(OBJ_SERVICE, 0);
	struct obj t = make(OBJ_SENDER_TABLE, 2);
	assert_int_equal(uintr_bind_receiver(a, service(&s), 0x1002, 0, 1), ERR_INVALID_ARGUMENT);
	assert_int_equal(uintr_bind_receiver(a, service(&s), 0x1003, 0, 1), ERR_INVALID_ARGUMENT);
	assert_int_equal(uintr_receiver_state(&service(&s)->rx), UINTR_RX_FREE);
	assert_null(a->uintr_service);
	assert_int_equal(uintr_bind_receiver(a, service(&s), 0x1001, 7, 1), ERR_OK);
	assert_int_equal(uintr_regs(&service(&s)->rx)->utvec, 0x1001);
	assert_int_equal(uintr_regs(&service(&s)->rx)->uscratch, 7);
	assert_int_equal(uintr_regs(&service(&s)->rx)->enabled, 1);
	assert_int_equal(uintr_bind_receiver(a, service(&s2), 0x1000, 0, 1), ERR_DELETE_FIRST);
	assert_int_equal(uintr_bind_receiver(b, service(&s), 0x1000, 0, 1), ERR_ILLEGAL_OPERATION);
	assert_null(b->uintr_service);
	assert_int_equal(uintr_unbind_receiver(b), ERR_FAILED_LOOKUP);
	assert_int_equal(uintr_bind_table(a, table(&t)), ERR_OK);
	assert_int_equal(uintr_bind_table(b, table(&t)), ERR_ILLEGAL_OPERATION);
	assert_null(b->uintr_table);
	assert_ptr_equal(table(&t)->owner, a);
	check(a);
	check(b);
	/* Unbinding: the service is FREE again and may serve another thread. */
	assert_int_equal(uintr_unbind_receiver(a), ERR_OK);
	assert_int_equal(uintr_bind_receiver(b, service(&s), 0x1000, 0, 0), ERR_OK);
	assert_int_equal(uintr_bind_table(a, NULL), ERR_OK);
	assert_null(table(&t)->owner);
	check(a);
	check(b);
	uintr_object_delete(&s);
	uintr_object_delete(&s2);
	uintr_object_delete(&t);
	assert_null(b->uintr_service);
}

/* The receiver's thread runs on hart 1 when its service goes: that hart
 * unloads first, the sender's entry empties, the sender gets an error. */
static void test_delete_service_while_running(void **state)
{
	(void)state;
	W = tw_new(2);
	struct tcb *rx = tw_running(W, 10, 1), *tx = tw_running(W, 10, 0);
	struct obj s = make(OBJ_SERVICE, 0), t = make(OBJ_SENDER_TABLE, 1);
	assert_int_equal(uintr_bind_receiver(rx, service(&s), 0x2000, 0, 1), ERR_OK);
	assert_int_equal(uintr_bind_table(tx, table(&t)), ERR_OK);
	unsigned v;
	assert_int_equal(
	    uintr_sender_register(table(&t), 1, &service(&s)->rx, UINTR_ANY_VECTOR, &v), ERR_OK);
	uintr_switch_in(&service(&s)->rx, 1); /* the kernel loads it on hart 1 */
	struct uintr_send_result sent = uintr_send(table(&t), 1, 0);
	assert_int_equal(sent.err, ERR_OK);
	assert_int_equal(sent.action, UINTR_SEND_IPI);
	unsigned unloads = fake_arch.uintr_unload_calls;
	uintr_object_delete(&s);
	assert_int_equal(fake_arch.uintr_unload_calls, unloads + 1);
	assert_true(fake_arch.uintr_unload_harts & 2);
	assert_int_equal(fake_arch.uintr_gone_calls, 1);
	assert_null(uintr_running_on(1));
	assert_null(rx->uintr_service);
	assert_int_equal(uintr_send(table(&t), 1, 0).err, ERR_FAILED_LOOKUP);
	assert_null(uintr_table_check_invariants(table(&t)));
	check(rx);
	check(tx);
	uintr_object_delete(&t);
	assert_null(tx->uintr_table);
}

/* The table goes while a receiver holds its entries: the vectors are free. */
static void test_delete_table_frees_vectors(void **state)
{
	(void)state;
	W = tw_new(1);
	struct tcb *rx = tw_thread(W, 10, 0), *tx = tw_running(W, 10, 0);
	struct obj s = make(OBJ_SERVICE, 0), t = make(OBJ_SENDER_TABLE, 7);
	assert_int_equal(uintr_bind_receiver(rx, service(&s), 0x2000, 0, 1), ERR_OK);
	assert_int_equal(uintr_bind_table(tx, table(&t)), ERR_OK);
	unsigned v;
	for (unsigned i = 0; i < UINTR_VECTORS; i++)
		assert_int_equal(
		    uintr_sender_register(table(&t), i, &service(&s)->rx, UINTR_ANY_VECTOR, &v),
		    ERR_OK);
	assert_int_equal(
	    uintr_sender_register(table(&t), 64, &service(&s)->rx, UINTR_ANY_VECTOR, &v),
	    ERR_NOT_ENOUGH_MEMORY);
	assert_int_equal(service(&s)->rx.senders, 64);
	uintr_object_delete(&t);
	assert_int_equal(service(&s)->rx.senders, 0);
	assert_null(tx->uintr_table);
	assert_true(fake_arch.uintr_unload_harts & 1); /* tx was current on hart 0 */
	check(rx);
	uintr_object_delete(&s);
}

/* Sleep, a send wakes it through the wake list, the drain resumes it. */
static void test_sleep_and_wake(void **state)
{
	(void)state;
	W = tw_new(2);
	fake_arch.on_uintr_wake = push_on_wake;
	struct tcb *rx = tw_running(W, 10, 1);
	struct tcb *tx = tw_running(W, 10, 0);
	struct obj s = make(OBJ_SERVICE, 0), t = make(OBJ_SENDER_TABLE, 0);
	struct uintr_service *svc = service(&s);
	assert_int_equal(uintr_bind_receiver(rx, svc, 0x2000, 0, 1), ERR_OK);
	assert_int_equal(uintr_bind_table(tx, table(&t)), ERR_OK);
	unsigned v;
	assert_int_equal(uintr_sender_register(table(&t), 0, &svc->rx, 5, &v), ERR_OK);
	uintr_switch_in(&svc->rx, 1);
	sched_enter(1);
	/* Poll (deadline 0) and a passed deadline: nothing pending. */
	assert_int_equal(uintr_sleep(rx, 0, 100, 1), UINTR_SLEEP_TIMEOUT);
	assert_int_equal(uintr_sleep(rx, 50, 100, 1), UINTR_SLEEP_TIMEOUT);
	assert_int_equal(uintr_sleep(rx, UINTR_DEADLINE_NEVER, 100, 1), UINTR_SLEEP_BLOCKED);
	assert_int_equal(tcb_state(rx), THREAD_BLOCKED_UINTR);
	port_uintr_unload(1); /* the kernel's same locked step */
	sched_schedule(1);
	check(rx);
	assert_int_equal(uintr_next_deadline(1), UINTR_DEADLINE_NEVER);
	sched_enter(0);
	struct uintr_send_result sent = uintr_send(table(&t), 0, 0);
	assert_int_equal(sent.action, UINTR_SEND_WOKEN);
	assert_true(uintr_wake_pending(1));
	/* A second send while queued: served by the same entry. */
	assert_int_equal(uintr_send(table(&t), 0, 0).action, UINTR_SEND_PENDING);
	sched_enter(1);
	uintr_wake_drain(1);
	assert_false(uintr_wake_pending(1));
	assert_int_equal(tcb_state(rx), THREAD_RUNNING);
	assert_int_equal(tcb_get_reg(rx, PORT_REG_BADGE), 1);
	assert_int_equal(uintr_receiver_state(&svc->rx), UINTR_RX_IDLE);
	check(rx);
	/* Pending bits: the next wait returns at once. */
	sched_schedule(1);
	uintr_switch_in(&svc->rx, 1);
	assert_int_equal(uintr_sleep(rx, UINTR_DEADLINE_NEVER, 100, 1), UINTR_SLEEP_READY);
	assert_int_equal(uintr_read(&svc->rx), 1ull << 5);
	uintr_object_delete(&s);
	uintr_object_delete(&t);
}

static void test_deadline_expires(void **state)
{
	(void)state;
	W = tw_new(1);
	struct tcb *rx = tw_running(W, 10, 0);
	struct obj s = make(OBJ_SERVICE, 0);
	struct uintr_service *svc = service(&s);
	assert_int_equal(uintr_bind_receiver(rx, svc, 0x2000, 0, 1), ERR_OK);
	uintr_switch_in(&svc->rx, 0);
	assert_int_equal(uintr_sleep(rx, 1000, 100, 0), UINTR_SLEEP_BLOCKED);
	port_uintr_unload(0);
	assert_int_equal(uintr_next_deadline(0), 1000);
	uintr_expire(0, 999);
	assert_int_equal(tcb_state(rx), THREAD_BLOCKED_UINTR);
	uintr_expire(0, 1000);
	assert_int_equal(tcb_state(rx), THREAD_RUNNING);
	assert_int_equal(tcb_get_reg(rx, PORT_REG_BADGE), 0);
	assert_int_equal(uintr_next_deadline(0), UINTR_DEADLINE_NEVER);
	check(rx);
	uintr_object_delete(&s);
}

/* Suspend cuts the sleep; resume restarts the call. */
static void test_suspend_sleeper(void **state)
{
	(void)state;
	W = tw_new(1);
	struct tcb *rx = tw_running(W, 10, 0);
	struct obj s = make(OBJ_SERVICE, 0);
	assert_int_equal(uintr_bind_receiver(rx, service(&s), 0x2000, 0, 1), ERR_OK);
	uintr_switch_in(&service(&s)->rx, 0);
	assert_int_equal(uintr_sleep(rx, 500, 100, 0), UINTR_SLEEP_BLOCKED);
	port_uintr_unload(0);
	tcb_suspend(rx);
	assert_int_equal(tcb_state(rx), THREAD_INACTIVE);
	assert_int_equal(uintr_receiver_state(&service(&s)->rx), UINTR_RX_IDLE);
	assert_int_equal(uintr_next_deadline(0), UINTR_DEADLINE_NEVER);
	check(rx);
	uintr_expire(0, 10000); /* nothing left to expire */
	assert_int_equal(tcb_state(rx), THREAD_INACTIVE);
	tcb_resume(rx);
	assert_int_equal(tcb_state(rx), THREAD_RESTART);
	uintr_object_delete(&s);
}

/* The service goes while its thread sleeps with a wake-up queued: the
 * thread restarts its call, the list forgets the service before the memory
 * goes (ASan sees any later touch), other queued wake-ups still land. */
static void test_delete_service_with_wake_queued(void **state)
{
	(void)state;
	W = tw_new(2);
	fake_arch.on_uintr_wake = push_on_wake;
	struct tcb *rx = tw_running(W, 10, 1), *other = tw_thread(W, 10, 1);
	struct tcb *tx = tw_running(W, 10, 0);
	struct obj s = make(OBJ_SERVICE, 0), s2 = make(OBJ_SERVICE, 0);
	struct obj t = make(OBJ_SENDER_TABLE, 1);
	assert_int_equal(uintr_bind_receiver(rx, service(&s), 0x2000, 0, 1), ERR_OK);
	assert_int_equal(uintr_bind_receiver(other, service(&s2), 0x2000, 0, 1), ERR_OK);
	assert_int_equal(uintr_bind_table(tx, table(&t)), ERR_OK);
	unsigned v;
	assert_int_equal(uintr_sender_register(table(&t), 0, &service(&s)->rx, 0, &v), ERR_OK);
	assert_int_equal(uintr_sender_register(table(&t), 1, &service(&s2)->rx, 0, &v), ERR_OK);
	sched_enter(1);
	uintr_switch_in(&service(&s)->rx, 1);
	assert_int_equal(uintr_sleep(rx, UINTR_DEADLINE_NEVER, 0, 1), UINTR_SLEEP_BLOCKED);
	port_uintr_unload(1);
	sched_schedule(1);
	/* other runs on hart 1 now and sleeps too. */
	tcb_resume(other);
	sched_schedule(1);
	assert_ptr_equal(sched_current(1), other);
	uintr_switch_in(&service(&s2)->rx, 1);
	assert_int_equal(uintr_sleep(other, UINTR_DEADLINE_NEVER, 0, 1), UINTR_SLEEP_BLOCKED);
	port_uintr_unload(1);
	sched_schedule(1);
	sched_enter(0);
	assert_int_equal(uintr_send(table(&t), 1, 0).action, UINTR_SEND_WOKEN);
	assert_int_equal(uintr_send(table(&t), 0, 0).action, UINTR_SEND_WOKEN);
	uintr_object_delete(&s); /* queued behind s2's wake-up, which the deletion lands */
	assert_int_equal(tcb_state(rx), THREAD_RESTART);
	assert_int_equal(tcb_state(other), THREAD_RUNNING);
	assert_int_equal(tcb_get_reg(other, PORT_REG_BADGE), 1);
	assert_false(uintr_wake_pending(1));
	uintr_wake_drain(1);
	check(rx);
	check(other);
	uintr_object_delete(&s2);
	uintr_object_delete(&t);
}

/* The thread goes: its service is FREE (senders fail), its table unbound. */
static void test_delete_thread(void **state)
{
	(void)state;
	W = tw_new(1);
	struct tcb *rx = tw_thread(W, 10, 0), *tx = tw_thread(W, 10, 0);
	struct obj s = make(OBJ_SERVICE, 0), t = make(OBJ_SENDER_TABLE, 0);
	assert_int_equal(uintr_bind_receiver(rx, service(&s), 0x2000, 0, 1), ERR_OK);
	assert_int_equal(uintr_bind_table(tx, table(&t)), ERR_OK);
	unsigned v;
	assert_int_equal(uintr_sender_register(table(&t), 0, &service(&s)->rx, 0, &v), ERR_OK);
	tw_delete(W, tw_thread_slot(W, rx));
	assert_int_equal(uintr_receiver_state(&service(&s)->rx), UINTR_RX_FREE);
	assert_int_equal(uintr_send(table(&t), 0, 0).err, ERR_FAILED_LOOKUP);
	tw_delete(W, tw_thread_slot(W, tx));
	assert_null(table(&t)->owner);
	uintr_object_delete(&s);
	uintr_object_delete(&t);
}

/* Make t current on hart h and put it to sleep until deadline. */
static void sleep_on_hart(struct tcb *t, uint64_t deadline, unsigned h)
{
	if (sched_current(h) != t) {
		tcb_resume(t);
		sched_schedule(h);
	}
	assert_ptr_equal(sched_current(h), t);
	uintr_switch_in(&t->uintr_service->rx, h);
	assert_int_equal(uintr_sleep(t, deadline, 0, h), UINTR_SLEEP_BLOCKED);
	port_uintr_unload(h);
	sched_schedule(h);
}

/* Three sleepers on one hart: the earliest deadline is the hart's next,
 * the middle one expires first, the head is suspended, the tail expires
 * last; each leaves the others linked. */
static void test_sleep_list_middle_and_head(void **state)
{
	(void)state;
	W = tw_new(1);
	sched_enter(0);
	struct tcb *a = tw_running(W, 10, 0), *b = tw_thread(W, 10, 0), *c = tw_thread(W, 10, 0);
	struct obj sa = make(OBJ_SERVICE, 0), sb = make(OBJ_SERVICE, 0), sc = make(OBJ_SERVICE, 0);
	assert_int_equal(uintr_bind_receiver(a, service(&sa), 0x2000, 0, 1), ERR_OK);
	assert_int_equal(uintr_bind_receiver(b, service(&sb), 0x2000, 0, 1), ERR_OK);
	assert_int_equal(uintr_bind_receiver(c, service(&sc), 0x2000, 0, 1), ERR_OK);
	sleep_on_hart(a, 300, 0);
	sleep_on_hart(b, 100, 0);
	sleep_on_hart(c, 200, 0);
	assert_true(uintr_has_sleepers(0));
	assert_int_equal(uintr_next_deadline(0), 100);
	uintr_expire(0, 150); /* b: between c (the head) and a */
	assert_int_equal(tcb_state(b), THREAD_RUNNING);
	assert_int_equal(tcb_get_reg(b, PORT_REG_BADGE), 0);
	assert_int_equal(tcb_state(a), THREAD_BLOCKED_UINTR);
	assert_int_equal(tcb_state(c), THREAD_BLOCKED_UINTR);
	assert_int_equal(uintr_next_deadline(0), 200);
	check(a);
	check(b);
	check(c);
	tcb_suspend(c); /* the head, with a behind it */
	assert_int_equal(tcb_state(c), THREAD_INACTIVE);
	assert_int_equal(uintr_next_deadline(0), 300);
	check(a);
	check(c);
	uintr_expire(0, 299);
	assert_int_equal(tcb_state(a), THREAD_BLOCKED_UINTR);
	uintr_expire(0, 300);
	assert_int_equal(tcb_state(a), THREAD_RUNNING);
	assert_false(uintr_has_sleepers(0));
	check(a);
	uintr_object_delete(&sa);
	uintr_object_delete(&sb);
	uintr_object_delete(&sc);
}

/* A send claims the sleep (its wake-up queued) and the deadline passes
 * before the hart drains: the expiry answers "interrupt", and the queued
 * wake-up then finds the wait over and resumes nobody twice. */
static void test_expire_after_claimed_wake(void **state)
{
	(void)state;
	W = tw_new(2);
	fake_arch.on_uintr_wake = push_on_wake;
	struct tcb *rx = tw_running(W, 10, 1), *tx = tw_running(W, 10, 0);
	struct obj s = make(OBJ_SERVICE, 0), t = make(OBJ_SENDER_TABLE, 0);
	struct uintr_service *svc = service(&s);
	assert_int_equal(uintr_bind_receiver(rx, svc, 0x2000, 0, 1), ERR_OK);
	assert_int_equal(uintr_bind_table(tx, table(&t)), ERR_OK);
	unsigned v;
	assert_int_equal(uintr_sender_register(table(&t), 0, &svc->rx, 3, &v), ERR_OK);
	sched_enter(1);
	sleep_on_hart(rx, 1000, 1);
	sched_enter(0);
	assert_int_equal(uintr_send(table(&t), 0, 0).action, UINTR_SEND_WOKEN);
	/* Queued already: a second push is refused. */
	assert_int_equal(uintr_wake_push(&svc->rx), UINTR_NO_HART);
	sched_enter(1);
	uintr_expire(1, 1000);
	assert_int_equal(tcb_state(rx), THREAD_RUNNING);
	assert_int_equal(tcb_get_reg(rx, PORT_REG_BADGE), 1);
	assert_true(uintr_wake_pending(1));
	tcb_set_reg(rx, PORT_REG_BADGE, 7);
	uintr_wake_drain(1);
	assert_false(uintr_wake_pending(1));
	assert_int_equal(tcb_get_reg(rx, PORT_REG_BADGE), 7); /* not resumed again */
	assert_int_equal(uintr_receiver_state(&svc->rx), UINTR_RX_IDLE);
	check(rx);
	uintr_object_delete(&s);
	uintr_object_delete(&t);
}

/* Binding a table again to its owner is allowed; binding another one
 * releases the first. */
static void test_bind_table_replaces(void **state)
{
	(void)state;
	W = tw_new(1);
	struct tcb *a = tw_thread(W, 10, 0), *b = tw_thread(W, 10, 0);
	struct obj t1 = make(OBJ_SENDER_TABLE, 0), t2 = make(OBJ_SENDER_TABLE, 0);
	assert_int_equal(uintr_bind_table(a, table(&t1)), ERR_OK);
	assert_int_equal(uintr_bind_table(a, table(&t1)), ERR_OK);
	assert_ptr_equal(table(&t1)->owner, a);
	assert_int_equal(uintr_bind_table(a, table(&t2)), ERR_OK);
	assert_null(table(&t1)->owner);
	assert_ptr_equal(table(&t2)->owner, a);
	assert_ptr_equal(a->uintr_table, table(&t2));
	/* t1 is free again: another thread may take it. */
	assert_int_equal(uintr_bind_table(b, table(&t1)), ERR_OK);
	check(a);
	check(b);
	uintr_object_delete(&t1);
	uintr_object_delete(&t2);
	assert_null(a->uintr_table);
	assert_null(b->uintr_table);
}

/* The thread checker sees each broken link between a thread, its
 * service, its table and the sleep list. */
static void test_thread_invariants_catch(void **state)
{
	(void)state;
	W = tw_new(1);
	struct tcb *a = tw_running(W, 10, 0), *b = tw_thread(W, 10, 0);
	struct obj s = make(OBJ_SERVICE, 0), t = make(OBJ_SENDER_TABLE, 0);
	assert_int_equal(uintr_bind_receiver(a, service(&s), 0x2000, 0, 1), ERR_OK);
	assert_int_equal(uintr_bind_table(a, table(&t)), ERR_OK);
	assert_null(uintr_thread_check_invariants(a));
	service(&s)->rx.owner = b;
	assert_non_null(uintr_thread_check_invariants(a));
	service(&s)->rx.owner = a;
	table(&t)->owner = b;
	assert_non_null(uintr_thread_check_invariants(a));
	table(&t)->owner = a;
	service(&s)->in_sleep_list = 1; /* listed, yet running */
	assert_non_null(uintr_thread_check_invariants(a));
	service(&s)->in_sleep_list = 0;
	assert_null(uintr_thread_check_invariants(a));
	/* Sleeping without a service, and with one but unlisted. */
	uint8_t was = b->state;
	b->state = THREAD_BLOCKED_UINTR;
	assert_non_null(uintr_thread_check_invariants(b));
	b->state = was;
	assert_null(uintr_thread_check_invariants(b));
	was = a->state;
	a->state = THREAD_BLOCKED_UINTR;
	assert_non_null(uintr_thread_check_invariants(a));
	a->state = was;
	check(a);
	uintr_object_delete(&s);
	uintr_object_delete(&t);
}

/* The contracts of the accessors and of the wait: a failed one is caught. */
static void test_contracts(void **state)
{
	(void)state;
	W = tw_new(2);
	struct tcb *rx = tw_running(W, 10, 1), *plain = tw_thread(W, 10, 0);
	struct obj s = make(OBJ_SERVICE, 0);
	expect_core_assert(sender_table_uist_page(s.slot.cap));
	assert_int_equal(uintr_bind_receiver(rx, service(&s), 0x2000, 0, 1), ERR_OK);
	uintr_switch_in(&service(&s)->rx, 1);
	expect_core_assert(uintr_sleep(rx, UINTR_DEADLINE_NEVER, 0, 0));    /* not its hart */
	expect_core_assert(uintr_sleep(plain, UINTR_DEADLINE_NEVER, 0, 0)); /* no service */
	expect_core_assert(uintr_wait_abort(plain));
	assert_int_equal(tcb_state(rx), THREAD_RUNNING);
	assert_false(uintr_has_sleepers(0));
	assert_false(uintr_has_sleepers(1));
	port_uintr_unload(1);
	uintr_object_delete(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_sizes_and_layout, tw_teardown),
		cmocka_unit_test_teardown(test_delete_unused, tw_teardown),
		cmocka_unit_test_teardown(test_bind_errors_change_nothing, tw_teardown),
		cmocka_unit_test_teardown(test_delete_service_while_running, tw_teardown),
		cmocka_unit_test_teardown(test_delete_table_frees_vectors, tw_teardown),
		cmocka_unit_test_teardown(test_sleep_and_wake, tw_teardown),
		cmocka_unit_test_teardown(test_deadline_expires, tw_teardown),
		cmocka_unit_test_teardown(test_suspend_sleeper, tw_teardown),
		cmocka_unit_test_teardown(test_delete_service_with_wake_queued, tw_teardown),
		cmocka_unit_test_teardown(test_delete_thread, tw_teardown),
		cmocka_unit_test_teardown(test_sleep_list_middle_and_head, tw_teardown),
		cmocka_unit_test_teardown(test_expire_after_claimed_wake, tw_teardown),
		cmocka_unit_test_teardown(test_bind_table_replaces, tw_teardown),
		cmocka_unit_test_teardown(test_thread_invariants_catch, tw_teardown),
		cmocka_unit_test_teardown(test_contracts, tw_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
