/* SPDX-License-Identifier: MIT */
/*
 * core/uintr_claim.c: the claim of a sleeper (UintrSendWait's lean direct
 * switch). Each refusal of the check, both ways the commit can fall short
 * (the caller has bits; a sender woke the sleeper between check and
 * commit), and the claim's end state compared, field by field, with the
 * general path's (send, sleep, unload, drain, schedule, switch in) from the
 * same start. A client thread calls; a server thread sleeps in its wait;
 * each sends to the other through entry 0 of its own table.
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
#include "uintr_claim.h"
#include "uintr_obj.h"
#include "uintr_objects.h"

#define NOW 100
#define SERVER_VECTOR 3 /* the client's entry 0 sets it at the server */
#define CLIENT_VECTOR 4

/* The two threads and their objects. */
struct pair {
	struct tcb *client, *server;
	struct obj client_svc, server_svc, client_table, server_table;
};

static void check(struct tcb *t)
{
	tw_assert(W);
	assert_null(uintr_thread_check_invariants(t));
	if (t->uintr_service != NULL)
		assert_null(uintr_check_invariants(&t->uintr_service->rx));
	if (t->uintr_table != NULL)
		assert_null(uintr_table_check_invariants(t->uintr_table));
}

/* Thread t (current on hart h) sleeps in its wait with `deadline`. */
static void sleep_there(struct tcb *t, unsigned h, uint64_t deadline)
{
	sched_enter(h);
	uintr_switch_in(&t->uintr_service->rx, h);
	assert_int_equal(uintr_sleep(t, deadline, NOW, h), UINTR_SLEEP_BLOCKED);
	port_uintr_unload(h);
	sched_schedule(h);
}

/*
 * A world of `harts` harts: the server (priority server_prio) asleep on
 * server_hart, then the client (client_prio) current and loaded on hart 0.
 */
static struct pair setup(unsigned harts, unsigned client_prio, unsigned server_prio,
			 unsigned server_hart)
{
	struct pair p;
	W = tw_new(harts);
	fake_arch.on_uintr_wake = push_on_wake;
	p.server = tw_running(W, server_prio, server_hart);
	p.client_svc = make(OBJ_SERVICE, 0);
	p.server_svc = make(OBJ_SERVICE, 0);
	p.client_table = make(OBJ_SENDER_TABLE, 1);
	p.server_table = make(OBJ_SENDER_TABLE, 1);
	assert_int_equal(uintr_bind_receiver(p.server, service(&p.server_svc), 0, 0, 0), ERR_OK);
	assert_int_equal(uintr_bind_table(p.server, table(&p.server_table)), ERR_OK);
	sleep_there(p.server, server_hart, UINTR_DEADLINE_NEVER);
	sched_enter(0);
	p.client = tw_running(W, client_prio, 0);
	assert_int_equal(uintr_bind_receiver(p.client, service(&p.client_svc), 0, 0, 0), ERR_OK);
	assert_int_equal(uintr_bind_table(p.client, table(&p.client_table)), ERR_OK);
	unsigned v;
	assert_int_equal(uintr_sender_register(table(&p.client_table), 0,
					       &service(&p.server_svc)->rx, SERVER_VECTOR, &v),
			 ERR_OK);
	assert_int_equal(uintr_sender_register(table(&p.server_table), 0,
					       &service(&p.client_svc)->rx, CLIENT_VECTOR, &v),
			 ERR_OK);
	uintr_switch_in(&service(&p.client_svc)->rx, 0);
	check(p.client);
	check(p.server);
	return p;
}

static void teardown_pair(struct pair *p)
{
	port_uintr_unload(0);
	uintr_object_delete(&p->client_svc);
	uintr_object_delete(&p->server_svc);
	uintr_object_delete(&p->client_table);
	uintr_object_delete(&p->server_table);
}

/* Everything either path may change, with threads named by role. */
struct snapshot {
	enum thread_state client_state, server_state;
	enum uintr_rx_state client_rx, server_rx;
	uint64_t client_pending, server_pending;
	uint64_t server_result, server_badge, client_result;
	int current; /* 0 client, 1 server, 2 other */
	int running; /* the receiver current on hart 0: 0, 1, 2 (none) */
	uint8_t client_listed, server_listed, server_queued_wake;
	uint64_t next_deadline;
	bool pending_decision, wake_pending, has_candidate, queued_client, queued_server;
	unsigned client_sleep_hart;
};

static struct snapshot snap(const struct pair *p)
{
	struct uintr_service *cs = service((struct obj *)&p->client_svc);
	struct uintr_service *ss = service((struct obj *)&p->server_svc);
	struct tcb *cur = sched_current(0);
	struct uintr_receiver *run = uintr_running_on(0);
	struct snapshot s = {
		.client_state = tcb_state(p->client),
		.server_state = tcb_state(p->server),
		.client_rx = uintr_receiver_state(&cs->rx),
		.server_rx = uintr_receiver_state(&ss->rx),
		.client_pending = atomic_load(&cs->rx.pending),
		.server_pending = atomic_load(&ss->rx.pending),
		.server_result = tcb_get_reg(p->server, PORT_REG_RESULT),
		.server_badge = tcb_get_reg(p->server, PORT_REG_BADGE),
		.client_result = tcb_get_reg(p->client, PORT_REG_RESULT),
		.current = cur == p->client   ? 0
			   : cur == p->server ? 1
					      : 2,
		.running = run == &cs->rx   ? 0
			   : run == &ss->rx ? 1
					    : 2,
		.client_listed = cs->in_sleep_list,
		.server_listed = ss->in_sleep_list,
		.server_queued_wake = (uint8_t)atomic_load(&ss->wake_queued),
		.next_deadline = uintr_next_deadline(0),
		.pending_decision = sched_pending(0),
		.wake_pending = uintr_wake_pending(0),
		.has_candidate = sched_harts[0].candidate != NULL,
		.queued_client = p->client->queued,
		.queued_server = p->server->queued,
		.client_sleep_hart = cs->sleep_hart,
	};
	return s;
}

static void assert_same(const struct snapshot *a, const struct snapshot *b)
{
	assert_int_equal(a->client_state, b->client_state);
	assert_int_equal(a->server_state, b->server_state);
	assert_int_equal(a->client_rx, b->client_rx);
	assert_int_equal(a->server_rx, b->server_rx);
	assert_int_equal(a->client_pending, b->client_pending);
	assert_int_equal(a->server_pending, b->server_pending);
	assert_int_equal(a->server_result, b->server_result);
	assert_int_equal(a->server_badge, b->server_badge);
	assert_int_equal(a->client_result, b->client_result);
	assert_int_equal(a->current, b->current);
	assert_int_equal(a->running, b->running);
	assert_int_equal(a->client_listed, b->client_listed);
	assert_int_equal(a->server_listed, b->server_listed);
	assert_int_equal(a->server_queued_wake, b->server_queued_wake);
	assert_int_equal(a->next_deadline, b->next_deadline);
	assert_int_equal(a->pending_decision, b->pending_decision);
	assert_int_equal(a->wake_pending, b->wake_pending);
	assert_int_equal(a->has_candidate, b->has_candidate);
	assert_int_equal(a->queued_client, b->queued_client);
	assert_int_equal(a->queued_server, b->queued_server);
	assert_int_equal(a->client_sleep_hart, b->client_sleep_hart);
}

/* The general path from the same start: the send, the wait, the kernel's
 * unload, its scheduling pass (drain, decide) and the switch-in. */
static struct snapshot general(uint64_t deadline)
{
	struct pair p = setup(1, 10, 10, 0);
	tcb_set_reg(p.server, PORT_REG_BADGE, 7); /* what the wait overwrites */
	assert_int_equal(uintr_send(table(&p.client_table), 0, 0).action, UINTR_SEND_WOKEN);
	assert_int_equal(uintr_sleep(p.client, deadline, NOW, 0), UINTR_SLEEP_BLOCKED);
	port_uintr_unload(0);
	uintr_wake_drain(0);
	sched_schedule(0);
	assert_ptr_equal(sched_current(0), p.server);
	uintr_switch_in(&service(&p.server_svc)->rx, 0);
	check(p.client);
	check(p.server);
	struct snapshot s = snap(&p);
	teardown_pair(&p);
	tw_free(W);
	W = NULL;
	return s;
}

static void test_claim_matches_general_path(void **state)
{
	(void)state;
	const uint64_t deadlines[] = { UINTR_DEADLINE_NEVER, NOW + 1 };
	for (unsigned i = 0; i < 2; i++) {
		struct snapshot want = general(deadlines[i]);
		struct pair p = setup(1, 10, 10, 0);
		tcb_set_reg(p.server, PORT_REG_BADGE, 7);
		struct uintr_claim c;
		assert_int_equal(uintr_claim_check(p.client, 0, deadlines[i], NOW, 0, &c),
				 UINTR_CLAIM_OK);
		assert_ptr_equal(c.next, p.server);
		assert_int_equal(c.bit, 1ull << SERVER_VECTOR);
		unsigned unloads = fake_arch.uintr_unload_calls, wakes = fake_arch.uintr_wake_calls;
		assert_int_equal(uintr_claim_commit(p.client, &c, deadlines[i], NOW, 0,
						    tcb_vspace_asid(p.server)),
				 UINTR_CLAIM_TAKEN);
		/* The caller's receiver left the hart in core, without the
		 * port's unload (the kernel's side follows the commit). */
		assert_int_equal(fake_arch.uintr_unload_calls, unloads);
		assert_ptr_equal(uintr_running_on(0), &service(&p.server_svc)->rx);
		assert_int_equal(fake_arch.uintr_wake_calls, wakes); /* no wake list */
		check(p.client);
		check(p.server);
		struct snapshot got = snap(&p);
		assert_same(&got, &want);
		assert_int_equal(got.server_badge, 1);
		assert_int_equal(got.server_pending, 1ull << SERVER_VECTOR);
		assert_int_equal(got.next_deadline, deadlines[i]);
		/* The claimed server can send back and claim the client. */
		assert_int_equal(uintr_read(&service(&p.server_svc)->rx), 1ull << SERVER_VECTOR);
		assert_int_equal(uintr_claim_check(p.server, 0, UINTR_DEADLINE_NEVER, NOW, 0, &c),
				 UINTR_CLAIM_OK);
		assert_int_equal(uintr_claim_commit(p.server, &c, UINTR_DEADLINE_NEVER, NOW, 0,
						    tcb_vspace_asid(p.client)),
				 UINTR_CLAIM_TAKEN);
		assert_ptr_equal(sched_current(0), p.client);
		assert_int_equal(tcb_state(p.server), THREAD_BLOCKED_UINTR);
		assert_int_equal(atomic_load(&service(&p.client_svc)->rx.pending),
				 1ull << CLIENT_VECTOR);
		check(p.client);
		check(p.server);
		teardown_pair(&p);
		if (i == 0) {
			tw_free(W);
			W = NULL;
		}
	}
}

/* The check's refusals that need no second thread state. */
static void test_refused_entry_and_deadline(void **state)
{
	(void)state;
	struct pair p = setup(1, 10, 10, 0);
	struct uintr_claim c;
	assert_int_equal(uintr_claim_check(p.client, 2, UINTR_DEADLINE_NEVER, NOW, 0, &c),
			 UINTR_CLAIM_NO_ENTRY); /* past the table's two entries */
	assert_int_equal(uintr_claim_check(p.client, 1, UINTR_DEADLINE_NEVER, NOW, 0, &c),
			 UINTR_CLAIM_NO_ENTRY); /* an empty entry */
	assert_int_equal(uintr_claim_check(p.client, 0, 0, NOW, 0, &c), UINTR_CLAIM_NO_BLOCK);
	assert_int_equal(uintr_claim_check(p.client, 0, NOW, NOW, 0, &c), UINTR_CLAIM_NO_BLOCK);
	/* An entry naming the caller itself: its receiver runs. */
	unsigned v;
	assert_int_equal(
	    uintr_sender_register(table(&p.client_table), 1, &service(&p.client_svc)->rx, 9, &v),
	    ERR_OK);
	assert_int_equal(uintr_claim_check(p.client, 1, UINTR_DEADLINE_NEVER, NOW, 0, &c),
			 UINTR_CLAIM_NOT_SLEEPING);
	/* No table at all. */
	assert_int_equal(uintr_bind_table(p.client, NULL), ERR_OK);
	uintr_switch_in(&service(&p.client_svc)->rx, 0); /* the unbind unloaded it */
	assert_int_equal(uintr_claim_check(p.client, 0, UINTR_DEADLINE_NEVER, NOW, 0, &c),
			 UINTR_CLAIM_NO_ENTRY);
	assert_int_equal(tcb_state(p.server), THREAD_BLOCKED_UINTR);
	check(p.client);
	check(p.server);
	teardown_pair(&p);
}

/* The server was woken already (a second sender came first), or its
 * thread was suspended (killed): not sleeping. */
static void test_refused_not_sleeping(void **state)
{
	(void)state;
	struct pair p = setup(1, 10, 10, 0);
	struct uintr_claim c;
	assert_int_equal(uintr_send(table(&p.client_table), 0, 0).action, UINTR_SEND_WOKEN);
	assert_int_equal(uintr_claim_check(p.client, 0, UINTR_DEADLINE_NEVER, NOW, 0, &c),
			 UINTR_CLAIM_NOT_SLEEPING); /* WAKING */
	uintr_wake_drain(0);
	assert_int_equal(uintr_claim_check(p.client, 0, UINTR_DEADLINE_NEVER, NOW, 0, &c),
			 UINTR_CLAIM_NOT_SLEEPING); /* IDLE, a candidate */
	check(p.client);
	check(p.server);
	teardown_pair(&p);
	tw_free(W);
	p = setup(1, 10, 10, 0);
	tcb_suspend(p.server);
	assert_int_equal(uintr_claim_check(p.client, 0, UINTR_DEADLINE_NEVER, NOW, 0, &c),
			 UINTR_CLAIM_NOT_SLEEPING);
	check(p.server);
	teardown_pair(&p);
}

static void test_refused_other_hart(void **state)
{
	(void)state;
	struct pair p = setup(2, 10, 10, 1);
	struct uintr_claim c;
	assert_int_equal(uintr_claim_check(p.client, 0, UINTR_DEADLINE_NEVER, NOW, 0, &c),
			 UINTR_CLAIM_OTHER_HART);
	check(p.client);
	teardown_pair(&p);
}

/* A thread better than the server is ready on the hart; or a decision is
 * pending; or the server's affinity moved while it slept. */
static void test_refused_not_next(void **state)
{
	(void)state;
	struct pair p = setup(1, 20, 10, 0);
	struct tcb *middle = tw_thread(W, 15, 0);
	tcb_resume(middle); /* queued: the client outranks it */
	assert_true(middle->queued || middle->candidate);
	sched_schedule(0);
	assert_ptr_equal(sched_current(0), p.client);
	struct uintr_claim c;
	assert_int_equal(uintr_claim_check(p.client, 0, UINTR_DEADLINE_NEVER, NOW, 0, &c),
			 UINTR_CLAIM_NOT_NEXT);
	/* One equal to the server instead: ties go to the woken thread. */
	tcb_suspend(middle);
	struct tcb *equal = tw_thread(W, 10, 0);
	tcb_resume(equal);
	sched_schedule(0);
	assert_int_equal(uintr_claim_check(p.client, 0, UINTR_DEADLINE_NEVER, NOW, 0, &c),
			 UINTR_CLAIM_OK);
	/* A pending decision. */
	sched_yield_slice();
	assert_int_equal(uintr_claim_check(p.client, 0, UINTR_DEADLINE_NEVER, NOW, 0, &c),
			 UINTR_CLAIM_NOT_NEXT);
	sched_schedule(0);
	check(p.client);
	check(p.server);
	teardown_pair(&p);
}

/* The caller has bits: it does not block, nothing changes. */
static void test_commit_caller_ready(void **state)
{
	(void)state;
	struct pair p = setup(1, 10, 10, 0);
	struct uintr_claim c;
	assert_int_equal(uintr_claim_check(p.client, 0, UINTR_DEADLINE_NEVER, NOW, 0, &c),
			 UINTR_CLAIM_OK);
	uintr_write(&service(&p.client_svc)->rx, 1);
	assert_int_equal(uintr_claim_commit(p.client, &c, UINTR_DEADLINE_NEVER, NOW, 0,
					    tcb_vspace_asid(p.server)),
			 UINTR_CLAIM_CALLER_READY);
	assert_int_equal(tcb_state(p.client), THREAD_RUNNING);
	assert_int_equal(uintr_receiver_state(&service(&p.client_svc)->rx), UINTR_RX_RUNNING);
	assert_ptr_equal(sched_current(0), p.client);
	assert_int_equal(tcb_state(p.server), THREAD_BLOCKED_UINTR);
	assert_int_equal(atomic_load(&service(&p.server_svc)->rx.pending), 0);
	check(p.client);
	check(p.server);
	teardown_pair(&p);
}

/* A sender on another hart woke the server between check and commit:
 * the caller blocks, the bit is sent, the queued wake-up ends the sleep. */
static void test_commit_raced(void **state)
{
	(void)state;
	struct pair p = setup(2, 10, 10, 0);
	struct tcb *other = tw_running(W, 10, 1);
	struct obj other_table = make(OBJ_SENDER_TABLE, 0);
	assert_int_equal(uintr_bind_table(other, table(&other_table)), ERR_OK);
	unsigned v;
	assert_int_equal(uintr_sender_register(table(&other_table), 0, &service(&p.server_svc)->rx,
					       UINTR_ANY_VECTOR, &v),
			 ERR_OK);
	struct uintr_claim c;
	sched_enter(0);
	assert_int_equal(uintr_claim_check(p.client, 0, UINTR_DEADLINE_NEVER, NOW, 0, &c),
			 UINTR_CLAIM_OK);
	assert_int_equal(uintr_send(table(&other_table), 0, 1).action, UINTR_SEND_WOKEN);
	assert_int_equal(uintr_claim_commit(p.client, &c, UINTR_DEADLINE_NEVER, NOW, 0,
					    tcb_vspace_asid(p.server)),
			 UINTR_CLAIM_BLOCKED);
	assert_int_equal(tcb_state(p.client), THREAD_BLOCKED_UINTR);
	assert_null(uintr_running_on(0));
	assert_int_equal(atomic_load(&service(&p.server_svc)->rx.pending),
			 1ull << SERVER_VECTOR | 1ull << v);
	uintr_wake_drain(0);
	sched_schedule(0);
	assert_ptr_equal(sched_current(0), p.server);
	assert_int_equal(tcb_get_reg(p.server, PORT_REG_BADGE), 1);
	uintr_switch_in(&service(&p.server_svc)->rx, 0);
	check(p.client);
	check(p.server);
	teardown_pair(&p);
	uintr_object_delete(&other_table);
}

/* The claim's contracts: caught when broken. */
static void test_contracts(void **state)
{
	(void)state;
	struct pair p = setup(1, 10, 10, 0);
	struct uintr_claim c;
	/* A caller that is no receiver (the kernel checks that first). */
	struct uintr_service *own = p.client->uintr_service;
	p.client->uintr_service = NULL;
	expect_core_assert(uintr_claim_check(p.client, 0, UINTR_DEADLINE_NEVER, NOW, 0, &c));
	p.client->uintr_service = own;
	/* A sleeping receiver whose owner is not blocked in its wait: the
	 * state the claim would corrupt, caught before anything changes. */
	uint8_t server_state = p.server->state;
	p.server->state = THREAD_RUNNING;
	expect_core_assert(uintr_claim_check(p.client, 0, UINTR_DEADLINE_NEVER, NOW, 0, &c));
	p.server->state = server_state;
	port_uintr_unload(0); /* the client is not loaded */
	expect_core_assert(uintr_claim_check(p.client, 0, UINTR_DEADLINE_NEVER, NOW, 0, &c));
	/* Only SLEEPING is claimed: an IDLE receiver is left as it was. */
	assert_false(uintr_claim_sleeper(&service(&p.client_svc)->rx, 0));
	assert_int_equal(uintr_receiver_state(&service(&p.client_svc)->rx), UINTR_RX_IDLE);
	uintr_switch_in(&service(&p.client_svc)->rx, 0);
	/* A hart with a receiver current, a receiver current somewhere. */
	expect_core_assert(uintr_claim_sleeper(&service(&p.server_svc)->rx, 0));
	expect_core_assert(uintr_claim_sleeper(&service(&p.client_svc)->rx, 1));
	check(p.client);
	teardown_pair(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_claim_matches_general_path, tw_teardown),
		cmocka_unit_test_teardown(test_refused_entry_and_deadline, tw_teardown),
		cmocka_unit_test_teardown(test_refused_not_sleeping, tw_teardown),
		cmocka_unit_test_teardown(test_refused_other_hart, tw_teardown),
		cmocka_unit_test_teardown(test_refused_not_next, tw_teardown),
		cmocka_unit_test_teardown(test_commit_caller_ready, tw_teardown),
		cmocka_unit_test_teardown(test_commit_raced, tw_teardown),
		cmocka_unit_test_teardown(test_contracts, tw_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
