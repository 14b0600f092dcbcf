/* SPDX-License-Identifier: MIT */
/*
 * Randomized test of threads, scheduler and IPC together: IPC_STEPS
 * (default 100,000) random operations on 4 simulated harts from the seed
 * KESTREL_TEST_SEED (printed before the run and on failure): send, call,
 * non-blocking send, receive, non-blocking receive, reply, reply-receive,
 * signal, wait, poll, bind, unbind, suspend, resume, cancel badged sends,
 * set priority (with the
 * MCP rule), set affinity, faults with and without a handler, timer ticks,
 * yields, deleting and re-making threads, endpoints, notifications and
 * reply objects, capability transfer (unwrapped or copied into receive
 * slots of the threads' shared CSpace), with IPIs delivered at random
 * times. After every step:
 *   - every module's invariant checker and the thread world's "each thread
 *     in exactly one place" (thread_world.h), and the derivation tree over
 *     every slot that can hold a cap (mdb_check_invariants);
 *   - on every hart without a pending decision, the running thread is a
 *     highest-priority ready thread of that hart (sched_check_invariants);
 *   - no message is delivered twice or lost: every send, call, reply and
 *     fault carries a fresh id; each id is delivered at most once, only
 *     while in flight, and a message leaves flight only by delivery, by a
 *     non-blocking send finding nobody, or by its sender being stopped
 *     (suspended, deleted, its endpoint deleted).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cnode.h"
#include "fake_arch.h"
#include "mdb.h"
#include "seed.h"
#include "thread_world.h"

#define HARTS 4
#define THREADS 32
#define EPS 4 /* eps[0] is the fault endpoint and is never deleted */
#define NTFNS 3
#define REPLIES 8
#define MAGIC 0x4b455354ull /* MR1 of every tracked message */
#define CSPACE_RADIX 5      /* the threads' shared CSpace: 0 itself, 1..4 caps to eps[0] */
#define RECEIVE_FIRST 8     /* slots 8..31 receive transferred caps */

enum msg_state { MSG_NONE = 0, MSG_IN_FLIGHT, MSG_DELIVERED, MSG_DROPPED, MSG_CANCELLED };

static struct seed_rng rng;
static uint64_t step;
static uint8_t *msgs; /* enum msg_state by id */
static uint64_t next_id, msg_capacity;
static uint64_t pending_of[THREADS]; /* id a blocked sender carries, or 0 */
static uint64_t stats[32];
static uint64_t must_arrive; /* a reply id that must be delivered this step */
static struct tcb *must_arrive_to;

static const struct cap NULL_CAP = { { 0, 0 } };

#define CHECK(cond) seed_check(&rng, step, cond)

static uint64_t below(uint64_t n)
{
	return seed_below(&rng, n);
}

static struct tcb *thread(unsigned i)
{
	return W->threads[i].mem;
}

static bool alive(unsigned i)
{
	return !cap_is_null(W->threads[i].slot.cap);
}

static uint64_t fresh_id(void)
{
	if (next_id == msg_capacity) {
		msg_capacity *= 2;
		msgs = realloc(msgs, msg_capacity);
		assert_non_null(msgs);
		memset(msgs + next_id, 0, msg_capacity - next_id);
	}
	return next_id++;
}

static struct cap cspace; /* W->cnodes[0] */
static uint64_t caps_arrived;

/* A tracked message; now and then with extra caps named by random cptrs. */
static void say(struct tcb *t, uint64_t id)
{
	const uint64_t words[2] = { id, MAGIC };
	uint64_t label = below(4);
	tw_message(t, label, 2, words);
	if (tcb_ipc_buffer(t) != NULL && below(3) == 0) {
		unsigned n = 1 + (unsigned)below(MSG_MAX_EXTRA_CAPS);
		for (unsigned i = 0; i < n; i++)
			tcb_ipc_buffer(t)->caps[i] =
			    below(8) != 0 ? 1 + below(4) : below(1u << CSPACE_RADIX);
		tcb_set_reg(t, PORT_REG_INFO, msg_info_make(label, 2, n, 0).word);
	}
}

/* A receiver names a random receive slot (sometimes one that does not resolve). */
static void receive_slot_for(struct tcb *t)
{
	if (tcb_ipc_buffer(t) == NULL)
		return;
	tcb_ipc_buffer(t)->receive_cnode = 0;
	tcb_ipc_buffer(t)->receive_index =
	    RECEIVE_FIRST + below((1u << CSPACE_RADIX) - RECEIVE_FIRST);
	tcb_ipc_buffer(t)->receive_depth = below(8) == 0 ? 0 : 64;
}

/* Every slot that can hold a cap, for mdb_check_invariants. */
static const char *check_mdb(void)
{
	static struct cte *universe[1024];
	size_t n = 0;
	for (unsigned i = 0; i < (1u << CSPACE_RADIX); i++)
		universe[n++] = cnode_slot(cspace, i);
	struct tw_object *sets[] = { W->threads, W->eps, W->ntfns, W->replies, W->cnodes };
	unsigned counts[] = { W->thread_count, W->ep_count, W->ntfn_count, W->reply_count,
			      W->cnode_count };
	for (unsigned k = 0; k < 5; k++)
		for (unsigned i = 0; i < counts[k]; i++)
			universe[n++] = &sets[k][i].slot;
	for (unsigned i = 0; i < W->thread_count; i++) {
		universe[n++] = &thread(i)->cspace_root;
		universe[n++] = &thread(i)->vspace_root;
		universe[n++] = &thread(i)->fault_handler;
		universe[n++] = &thread(i)->ipc_buffer_frame;
		universe[n++] = &W->buffer_frames[i].slot;
	}
	universe[n++] = &W->pool_untyped;
	universe[n++] = &W->pool;
	universe[n++] = &W->vspace;
	return mdb_check_invariants(universe, n);
}

static int index_of(const struct tcb *t)
{
	for (unsigned i = 0; i < THREADS; i++)
		if (thread(i) == t)
			return (int)i;
	return -1;
}

static struct cap some_cap(struct tw_object *objs, unsigned n)
{
	struct cap c = objs[below(n)].slot.cap;
	if (!cap_is_null(c) && below(3) == 0 && cap_type(c) != CAP_REPLY)
		c = tw_badged(c, 1 + below(1000));
	if (!cap_is_null(c) && below(16) == 0)
		c = tw_masked(c, (unsigned)below(16));
	return c;
}

/* A thread got a tracked message in this step. */
static void delivered(struct tcb *t)
{
	if (msg_info_length(tw_info(t)) != 2 || tw_mr(t, 1) != MAGIC)
		return;
	uint64_t id = tw_mr(t, 0);
	CHECK(id < next_id);
	CHECK(msgs[id] == MSG_IN_FLIGHT);
	msgs[id] = MSG_DELIVERED;
	caps_arrived += msg_info_extra_caps(tw_info(t));
	stats[0]++;
}

/* The invoker's own send of this step, resolved once deliveries are known. */
static struct {
	uint64_t id;
	struct tcb *sender;
	bool blocking;
} sent;

static void after_send(struct tcb *t, uint64_t id, bool blocking)
{
	sent.id = id;
	sent.sender = t;
	sent.blocking = blocking;
}

static void resolve_send(void)
{
	if (sent.id == 0)
		return;
	int i = index_of(sent.sender);
	if (tcb_state(sent.sender) == THREAD_BLOCKED_SEND)
		pending_of[i] = sent.id;
	else if (msgs[sent.id] != MSG_DELIVERED) {
		/* Only a non-blocking send finds nobody and is dropped. */
		CHECK(!sent.blocking);
		msgs[sent.id] = MSG_DROPPED;
	}
	sent.id = 0;
}

struct before {
	uint8_t state[THREADS];
	bool alive[THREADS];
};

static void snapshot(struct before *b)
{
	for (unsigned i = 0; i < THREADS; i++) {
		b->alive[i] = alive(i);
		b->state[i] = thread(i)->state;
	}
}

/* After a step: deliveries to threads that were waiting, and what became
 * of the messages of blocked senders. */
static void account(const struct before *b, struct tcb *invoker, bool invoker_received)
{
	for (unsigned i = 0; i < THREADS; i++) {
		struct tcb *t = thread(i);
		if (!b->alive[i] || !alive(i))
			continue;
		/* A fault answered by a restart carries no message, nor does a
		 * wait that restarts (its object went). */
		bool got =
		    (b->state[i] == THREAD_BLOCKED_RECV && tcb_state(t) == THREAD_RUNNING) ||
		    (b->state[i] == THREAD_BLOCKED_REPLY && tcb_state(t) == THREAD_RUNNING) ||
		    (t == invoker && invoker_received && tcb_is_runnable(t));
		if (got && tw_result(t) == ERR_OK)
			delivered(t);
	}
	resolve_send();
	for (unsigned i = 0; i < THREADS; i++) {
		uint64_t id = pending_of[i];
		if (id == 0)
			continue;
		struct tcb *t = thread(i);
		if (alive(i) && tcb_state(t) == THREAD_BLOCKED_SEND)
			continue;
		pending_of[i] = 0;
		if (msgs[id] == MSG_DELIVERED)
			continue;
		/* Not delivered: only a stopped or restarted sender loses it. */
		CHECK(!alive(i) || tcb_state(t) == THREAD_INACTIVE ||
		      tcb_state(t) == THREAD_RESTART);
		msgs[id] = MSG_CANCELLED;
	}
	if (must_arrive != 0 && msgs[must_arrive] != MSG_DELIVERED)
		fprintf(stderr, "# reply %lu: caller %d state %d->%d result %lu info %lx mr1 %lx\n",
			(unsigned long)must_arrive, index_of(must_arrive_to),
			b->state[index_of(must_arrive_to)], must_arrive_to->state,
			(unsigned long)tw_result(must_arrive_to),
			(unsigned long)tw_info(must_arrive_to).word,
			(unsigned long)tw_mr(must_arrive_to, 1));
	if (must_arrive != 0)
		CHECK(msgs[must_arrive] == MSG_DELIVERED);
	must_arrive = 0;
}

static void op_send(struct tcb *t, bool call, bool blocking)
{
	struct cap ep = some_cap(W->eps, EPS);
	uint64_t id = fresh_id();
	say(t, id);
	enum error err = endpoint_send(t, ep, blocking, call);
	bool ok = cap_type(ep) == CAP_ENDPOINT && (cap_rights(ep).bits & CAP_RIGHT_WRITE);
	CHECK(err == (ok ? ERR_OK : ERR_INVALID_CAPABILITY));
	msgs[id] = ok ? MSG_IN_FLIGHT : MSG_DROPPED;
	if (ok)
		after_send(t, id, blocking);
}

static bool op_receive(struct tcb *t, int kind)
{
	struct cap ep = some_cap(W->eps, EPS);
	struct cap rep = below(4) == 0 ? NULL_CAP : some_cap(W->replies, REPLIES);
	struct reply *r = cap_type(rep) == CAP_REPLY ? (struct reply *)cap_ptr(rep) : NULL;
	bool ep_ok = cap_type(ep) == CAP_ENDPOINT && (cap_rights(ep).bits & CAP_RIGHT_READ);
	receive_slot_for(t);
	enum error expected = ERR_OK;
	enum error err;
	if (kind == 2) {
		/* reply-receive: answer whoever r holds with a fresh id. */
		struct tcb *caller = r != NULL ? r->caller : NULL;
		bool fault = caller != NULL && caller->fault_kind != FAULT_NONE;
		uint64_t id = fresh_id();
		say(t, id);
		if (r == NULL || !ep_ok)
			expected = ERR_INVALID_CAPABILITY;
		err = endpoint_reply_receive(t, ep, rep);
		msgs[id] = err == ERR_OK && caller != NULL && !fault ? MSG_IN_FLIGHT : MSG_DROPPED;
		if (msgs[id] == MSG_IN_FLIGHT)
			must_arrive = id, must_arrive_to = caller; /* it has it at the end */
	} else {
		if (!ep_ok || !(cap_is_null(rep) || r != NULL))
			expected = ERR_INVALID_CAPABILITY;
		err = endpoint_receive(t, ep, rep, kind == 0);
	}
	CHECK(err == expected);
	return err == ERR_OK;
}

static void op_reply(struct tcb *t)
{
	struct cap rep = some_cap(W->replies, REPLIES);
	struct reply *r = cap_type(rep) == CAP_REPLY ? (struct reply *)cap_ptr(rep) : NULL;
	struct tcb *caller = r != NULL ? r->caller : NULL;
	bool fault = caller != NULL && caller->fault_kind != FAULT_NONE;
	uint64_t id = fresh_id();
	say(t, id);
	enum error err = reply_send(t, rep);
	CHECK(err == (r != NULL ? ERR_OK : ERR_INVALID_CAPABILITY));
	msgs[id] = MSG_DROPPED;
	if (caller != NULL && !fault) {
		msgs[id] = MSG_IN_FLIGHT;
		must_arrive = id;
		must_arrive_to = caller;
	}
}

static void op_notification(struct tcb *t, unsigned what)
{
	struct cap n = some_cap(W->ntfns, NTFNS);
	bool is_ntfn = cap_type(n) == CAP_NOTIFICATION;
	unsigned rights = is_ntfn ? cap_rights(n).bits : 0;
	struct notification *nt = is_ntfn ? (struct notification *)cap_ptr(n) : NULL;
	enum error err;
	switch (what) {
	case 0:
		err = notification_signal(n);
		CHECK(err ==
		      (is_ntfn && (rights & CAP_RIGHT_WRITE) ? ERR_OK : ERR_INVALID_CAPABILITY));
		break;
	case 1:
	case 2: {
		struct tcb *bound = nt != NULL ? notification_bound_tcb(nt) : NULL;
		enum error expected = ERR_OK;
		if (!is_ntfn || !(rights & CAP_RIGHT_READ))
			expected = ERR_INVALID_CAPABILITY;
		else if (bound != NULL && bound != t)
			expected = ERR_ILLEGAL_OPERATION;
		err = notification_wait(t, n, what == 1);
		CHECK(err == expected);
		break;
	}
	case 3: {
		struct tcb *target = thread((unsigned)below(THREADS));
		if (!alive((unsigned)index_of(target)))
			return;
		bool free_ntfn =
		    nt != NULL && notification_bound_tcb(nt) == NULL && nt->queue.head == NULL;
		enum error expected = ERR_OK;
		if (!is_ntfn || !(rights & CAP_RIGHT_READ))
			expected = ERR_INVALID_CAPABILITY;
		else if (target->bound != NULL || !free_ntfn)
			expected = ERR_ILLEGAL_OPERATION;
		err = notification_bind(target, n);
		CHECK(err == expected);
		break;
	}
	default: {
		struct tcb *target = thread((unsigned)below(THREADS));
		if (!alive((unsigned)index_of(target)))
			return;
		bool had = target->bound != NULL;
		err = notification_unbind_checked(target);
		CHECK(err == (had ? ERR_OK : ERR_ILLEGAL_OPERATION));
		break;
	}
	}
}

static void op_thread_control(unsigned what, struct tcb *authority)
{
	unsigned i = (unsigned)below(THREADS);
	struct tcb *t = thread(i);
	if (!alive(i))
		return;
	switch (what) {
	case 0: tcb_suspend(t); break;
	case 1: tcb_resume(t); break;
	case 2: {
		uint64_t v = below(300);
		enum error err = tcb_set_priority(authority, t, v);
		CHECK(err == (v > authority->mcp ? ERR_RANGE : ERR_OK));
		CHECK(err != ERR_OK || t->priority == v);
		break;
	}
	case 3: {
		uint64_t v = below(300);
		enum error err = tcb_set_mcp(authority, t, v);
		CHECK(err == (v > authority->mcp ? ERR_RANGE : ERR_OK));
		break;
	}
	default: {
		uint64_t h = below(HARTS + 1);
		enum error err = tcb_set_affinity(t, h);
		CHECK(err == (h < HARTS ? ERR_OK : ERR_ILLEGAL_OPERATION));
		break;
	}
	}
}

static void op_delete_and_remake(void)
{
	unsigned kind = (unsigned)below(4);
	struct tw_object *o;
	enum object_type type;
	switch (kind) {
	case 0:
		o = &W->threads[below(THREADS)];
		type = OBJ_TCB;
		break;
	case 1:
		o = &W->eps[1 + below(EPS - 1)];
		type = OBJ_ENDPOINT;
		break;
	case 2:
		o = &W->ntfns[below(NTFNS)];
		type = OBJ_NOTIFICATION;
		break;
	default:
		o = &W->replies[below(REPLIES)];
		type = OBJ_REPLY;
		break;
	}
	if (!cap_is_null(o->slot.cap)) {
		tw_delete(W, &o->slot);
		stats[1]++;
		return;
	}
	tw_remake(o, type);
	if (type == OBJ_TCB) {
		struct tcb *t = o->mem;
		t->priority = (uint8_t)below(256);
		t->mcp = (uint8_t)below(256);
		t->affinity = (uint8_t)below(HARTS);
		tw_set_space(W, t, &W->cnodes[0].slot, below(2) == 0 ? &W->eps[0].slot : NULL);
		if (below(3) != 0)
			tw_buffer(W, t);
	}
}

static void one_step(void)
{
	unsigned h = (unsigned)below(HARTS);
	tw_enter(h);
	struct tcb *cur = sched_current(h);
	bool has_thread = cur != sched_idle(h) && tcb_is_runnable(cur);
	struct before b;
	snapshot(&b);
	bool received = false;
	unsigned op = (unsigned)below(25);
	stats[2 + op]++;
	switch (op) {
	case 0:
	case 1:
		if (has_thread)
			op_send(cur, op == 1, true);
		break;
	case 2:
		if (has_thread)
			op_send(cur, false, false);
		break;
	case 3:
	case 4:
		if (has_thread)
			received = op_receive(cur, 0);
		break;
	case 5:
		if (has_thread)
			received = op_receive(cur, 1);
		break;
	case 6:
		if (has_thread)
			received = op_receive(cur, 2);
		break;
	case 7:
		if (has_thread)
			op_reply(cur);
		break;
	case 8: op_notification(cur, 0); break;
	case 9:
		if (has_thread)
			op_notification(cur, 1 + (unsigned)below(2));
		break;
	case 10: op_notification(cur, 3 + (unsigned)below(2)); break;
	case 11:
	case 12: {
		unsigned a = (unsigned)below(THREADS);
		if (has_thread || alive(a))
			op_thread_control((unsigned)below(5), has_thread ? cur : thread(a));
		break;
	}
	case 13:
		if (has_thread) {
			uint64_t id = fresh_id();
			bool handled = !cap_is_null(cur->fault_handler.cap);
			fault_raise(cur, 1 + (unsigned)below(FAULT_MISALIGNED), MAGIC, id);
			msgs[id] = handled ? MSG_IN_FLIGHT : MSG_DROPPED;
			if (handled)
				after_send(cur, id, true);
		}
		break;
	case 14: op_delete_and_remake(); break;
	case 15:
	case 16: sched_tick(); break;
	case 17: sched_yield_slice(); break;
	case 24: {
		/* Cancel badged sends with a badge a queued sender may carry
		 * (some_cap badges 1..1000; 0 is an unbadged cap). */
		struct tw_object *o = &W->eps[below(EPS)];
		struct endpoint *e = o->mem;
		uint64_t badge = below(4) == 0 ? 0 : 1 + below(1000);
		if (e->queue.head != NULL && below(2) == 0)
			badge = e->queue.head->ipc_badge; /* one that is queued */
		if (!cap_is_null(o->slot.cap))
			endpoint_cancel_badged_sends(e, badge);
		break;
	}
	default:
		/* A thread resumed: nothing else happens this step. */
		op_thread_control(1, cur);
		break;
	}
	tw_exit(h);
	if (below(2) == 0)
		tw_deliver_ipis(W);
	account(&b, cur, received);
}

static void test_random(void **state)
{
	(void)state;
	rng = seed_from_env("ipc_random");
	const char *steps_text = getenv("IPC_STEPS");
	uint64_t steps = steps_text != NULL ? strtoull(steps_text, NULL, 0) : 100000;
	W = tw_new(HARTS);
	msg_capacity = 1024;
	msgs = calloc(msg_capacity, 1);
	next_id = 1; /* 0 means "no message" in pending_of */
	memset(pending_of, 0, sizeof(pending_of));
	for (unsigned i = 0; i < EPS; i++)
		tw_endpoint(W);
	for (unsigned i = 0; i < NTFNS; i++)
		tw_notification(W);
	for (unsigned i = 0; i < REPLIES; i++)
		tw_reply(W);
	cspace = tw_cnode(W, CSPACE_RADIX);
	cte_insert(cspace, &W->cnodes[0].slot, cnode_slot(cspace, 0));
	cte_insert(W->eps[0].slot.cap, &W->eps[0].slot, cnode_slot(cspace, 1));
	for (unsigned i = 2; i <= 4; i++)
		cte_insert(tw_badged(W->eps[0].slot.cap, 10 + i), &W->eps[0].slot,
			   cnode_slot(cspace, i));
	caps_arrived = 0;
	for (unsigned i = 0; i < THREADS; i++) {
		struct tcb *t = tw_thread(W, (unsigned)below(256), (unsigned)below(HARTS));
		t->mcp = (uint8_t)below(256);
		tw_set_space(W, t, &W->cnodes[0].slot, i % 2 == 0 ? &W->eps[0].slot : NULL);
		if (i % 3 != 0)
			tw_buffer(W, t);
		tcb_resume(t);
		tw_exit(0);
	}
	tw_deliver_ipis(W);
	for (step = 0; step < steps; step++) {
		one_step();
		const char *why = tw_check(W);
		if (why == NULL)
			why = check_mdb();
		if (why != NULL)
			fail_msg("%s at step %lu; replay with " SEED_ENV "=%" PRIu64, why,
				 (unsigned long)step, rng.seed);
	}
	uint64_t counts[5] = { 0 };
	for (uint64_t id = 1; id < next_id; id++)
		counts[msgs[id]]++;
	printf("# %lu steps, %lu messages: %lu delivered, %lu dropped (non-blocking or "
	       "refused), %lu cancelled (sender stopped), %lu in flight; %lu deletions\n",
	       (unsigned long)steps, (unsigned long)(next_id - 1), (unsigned long)counts[2],
	       (unsigned long)counts[3], (unsigned long)counts[4], (unsigned long)counts[1],
	       (unsigned long)stats[1]);
	/* Every message still in flight has a sender blocked on it. */
	for (unsigned i = 0; i < THREADS; i++)
		if (pending_of[i] != 0)
			counts[1]--;
	CHECK(counts[1] == 0);
	printf("# delivered %lu of %lu messages, %lu extra caps arrived\n",
	       (unsigned long)counts[2], (unsigned long)(next_id - 1), (unsigned long)caps_arrived);
	CHECK(caps_arrived > 0);
	CHECK(counts[2] > steps / 50);
	free(msgs);
	tw_free(W);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random),
	};
	return cmocka_run_group_tests_name("ipc_random", tests, NULL, NULL);
}
