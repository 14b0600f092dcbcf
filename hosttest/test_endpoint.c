/* SPDX-License-Identifier: MIT */
/*
 * Tests of core/endpoint.c and core/reply.c: send/receive in both orders,
 * call and reply, the reply-receive server loop with direct switch, FIFO
 * order of many senders, badges, long messages through the IPC buffers and
 * their truncation, the non-blocking variants, every decode error (which
 * changes nothing), and deleting an endpoint, a reply object or a thread
 * while others are blocked on it. All invariants are checked after each step.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cnode.h"
#include "fake_arch.h"
#include "thread_world.h"

static const struct cap NULL_CAP = { { 0, 0 } };

static struct endpoint *ep_of(struct cap c)
{
	return (struct endpoint *)cap_ptr(c);
}

/* endpoint_state of an endpoint cap. */
static enum endpoint_state ep_state(struct cap c)
{
	return endpoint_state(ep_of(c));
}

static struct reply *reply_of(struct cap c)
{
	return (struct reply *)cap_ptr(c);
}

static void send_words(struct tcb *t, uint64_t label, uint64_t a, uint64_t b)
{
	const uint64_t words[2] = { a, b };
	tw_message(t, label, 2, words);
}

static void test_send_to_waiting_receiver(void **state)
{
	(void)state;
	W = tw_new(1);
	struct cap ep = tw_endpoint(W);
	struct tcb *server = tw_running(W, 20, 0);
	struct tcb *client = tw_thread(W, 10, 0);
	assert_int_equal(endpoint_receive(server, ep, NULL_CAP, true), ERR_OK);
	assert_int_equal(tcb_state(server), THREAD_BLOCKED_RECV);
	assert_int_equal(ep_state(ep), ENDPOINT_RECV);
	tw_exit(0);
	tw_assert(W);
	tcb_resume(client);
	tw_exit(0);
	assert_ptr_equal(sched_current(0), client);
	send_words(client, 77, 1, 2);
	assert_int_equal(endpoint_send(client, tw_badged(ep, 0x55), true, false), ERR_OK);
	/* The receiver outranks the sender: it runs at once. */
	tw_exit(0);
	assert_ptr_equal(sched_current(0), server);
	assert_int_equal(msg_info_label(tw_info(server)), 77);
	assert_int_equal(msg_info_length(tw_info(server)), 2);
	assert_int_equal(tw_mr(server, 0), 1);
	assert_int_equal(tw_mr(server, 1), 2);
	assert_int_equal(tw_badge(server), 0x55);
	assert_int_equal(tw_result(server), ERR_OK);
	assert_true(tcb_is_runnable(client));
	assert_true(client->queued);
	assert_int_equal(ep_state(ep), ENDPOINT_IDLE);
	tw_assert(W);
}

static void test_receive_from_waiting_sender(void **state)
{
	(void)state;
	W = tw_new(1);
	struct cap ep = tw_endpoint(W);
	struct tcb *client = tw_running(W, 10, 0);
	struct tcb *server = tw_thread(W, 5, 0);
	send_words(client, 3, 30, 31);
	assert_int_equal(endpoint_send(client, tw_badged(ep, 9), true, false), ERR_OK);
	assert_int_equal(tcb_state(client), THREAD_BLOCKED_SEND);
	assert_int_equal(ep_state(ep), ENDPOINT_SEND);
	tcb_resume(server);
	tw_exit(0);
	assert_ptr_equal(sched_current(0), server);
	tw_assert(W);
	assert_int_equal(endpoint_receive(server, ep, NULL_CAP, true), ERR_OK);
	assert_int_equal(tw_mr(server, 1), 31);
	assert_int_equal(tw_badge(server), 9);
	assert_int_equal(tcb_state(client), THREAD_RUNNING);
	assert_int_equal(tw_result(client), ERR_OK);
	/* The woken sender outranks the receiver. */
	tw_exit(0);
	assert_ptr_equal(sched_current(0), client);
	tw_assert(W);
}

static void test_call_reply(void **state)
{
	(void)state;
	W = tw_new(1);
	struct cap ep = tw_endpoint(W);
	struct cap rep = tw_reply(W);
	struct tcb *server = tw_running(W, 10, 0);
	struct tcb *client = tw_thread(W, 10, 0);
	struct tcb *bystander = tw_thread(W, 10, 0);
	assert_int_equal(endpoint_receive(server, ep, rep, true), ERR_OK);
	assert_ptr_equal(reply_of(rep)->receiver, server);
	tcb_resume(client);
	tw_exit(0);
	tcb_resume(bystander);
	tw_exit(0);
	assert_ptr_equal(sched_current(0), client);
	send_words(client, 1, 100, 200);
	assert_int_equal(endpoint_send(client, tw_badged(ep, 4), true, true), ERR_OK);
	assert_int_equal(tcb_state(client), THREAD_BLOCKED_REPLY);
	assert_ptr_equal(reply_of(rep)->caller, client);
	assert_null(reply_of(rep)->receiver);
	tw_assert(W);
	/* Direct switch: the server runs ahead of the queued bystander. */
	tw_exit(0);
	assert_ptr_equal(sched_current(0), server);
	assert_int_equal(tw_mr(server, 0), 100);
	assert_int_equal(tw_badge(server), 4);
	send_words(server, 0, 300, 400);
	assert_int_equal(reply_send(server, rep), ERR_OK);
	assert_null(reply_of(rep)->caller);
	assert_int_equal(tcb_state(client), THREAD_RUNNING);
	assert_int_equal(tw_mr(client, 0), 300);
	assert_int_equal(tw_mr(client, 1), 400);
	assert_int_equal(tw_badge(client), 0);
	tw_exit(0);
	assert_ptr_equal(sched_current(0), server); /* equal priority: no preemption */
	tw_assert(W);
	/* A second reply has nobody to go to and does nothing. */
	assert_int_equal(reply_send(server, rep), ERR_OK);
	assert_int_equal(reply_send(server, ep), ERR_INVALID_CAPABILITY);
	tw_assert(W);
}

static void test_reply_receive_loop(void **state)
{
	(void)state;
	W = tw_new(1);
	struct cap ep = tw_endpoint(W);
	struct cap rep = tw_reply(W);
	struct tcb *server = tw_running(W, 50, 0);
	struct tcb *clients[4];
	assert_int_equal(endpoint_receive(server, ep, rep, true), ERR_OK);
	tw_exit(0);
	for (unsigned i = 0; i < 4; i++) {
		clients[i] = tw_thread(W, 10, 0);
		tcb_resume(clients[i]);
		tw_exit(0);
	}
	for (unsigned round = 0; round < 3; round++) {
		for (unsigned i = 0; i < 4; i++) {
			struct tcb *c = sched_current(0);
			assert_ptr_equal(c, clients[i]);
			send_words(c, 10 + i, round, i);
			assert_int_equal(endpoint_send(c, tw_badged(ep, i + 1), true, true),
					 ERR_OK);
			tw_exit(0);
			assert_ptr_equal(sched_current(0), server);
			assert_int_equal(tw_badge(server), i + 1);
			assert_int_equal(tw_mr(server, 0), round);
			send_words(server, 0, tw_mr(server, 1) * 2, 0);
			assert_int_equal(endpoint_reply_receive(server, ep, rep), ERR_OK);
			assert_int_equal(tcb_state(server), THREAD_BLOCKED_RECV);
			tw_exit(0);
			/* The caller got its answer and runs again; it yields its
			 * turn to the next client. */
			assert_ptr_equal(sched_current(0), c);
			assert_int_equal(tw_mr(c, 0), i * 2);
			sched_yield_slice();
			tw_exit(0);
			tw_assert(W);
		}
	}
	/* Reply-receive decode errors change nothing. */
	assert_int_equal(endpoint_reply_receive(server, ep, NULL_CAP), ERR_INVALID_CAPABILITY);
	tw_assert(W);
}

static void test_fifo_senders_and_badges(void **state)
{
	(void)state;
	W = tw_new(1);
	struct cap ep = tw_endpoint(W);
	struct tcb *server = tw_thread(W, 1, 0);
	struct tcb *s[5];
	for (unsigned i = 0; i < 5; i++) {
		s[i] = tw_running(W, 30, 0);
		send_words(s[i], i, i * 10, 0);
		assert_int_equal(endpoint_send(s[i], tw_badged(ep, 100 + i), true, false), ERR_OK);
		tw_exit(0);
		assert_ptr_equal(sched_current(0), sched_idle(0));
		tw_assert(W);
	}
	tcb_resume(server);
	tw_exit(0);
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(endpoint_receive(server, ep, NULL_CAP, true), ERR_OK);
		assert_int_equal(tw_badge(server), 100 + i);
		assert_int_equal(msg_info_label(tw_info(server)), i);
		assert_int_equal(tw_mr(server, 0), i * 10);
		tw_exit(0);
		/* The woken sender outranks the server and runs. */
		assert_ptr_equal(sched_current(0), s[i]);
		tcb_suspend(s[i]);
		tw_exit(0);
		tw_assert(W);
	}
	assert_int_equal(ep_state(ep), ENDPOINT_IDLE);
}

static void test_long_messages(void **state)
{
	(void)state;
	W = tw_new(1);
	struct cap ep = tw_endpoint(W);
	struct tcb *server = tw_running(W, 5, 0);
	struct tcb *client = tw_thread(W, 5, 0);
	tw_buffer(W, server);
	tw_buffer(W, client);
	uint64_t words[MSG_MAX_LENGTH];
	for (unsigned i = 0; i < MSG_MAX_LENGTH; i++)
		words[i] = 0x1000 + i;
	tw_message(client, 5, MSG_MAX_LENGTH, words);
	assert_int_equal(endpoint_receive(server, ep, NULL_CAP, true), ERR_OK);
	tcb_resume(client);
	tw_exit(0);
	assert_int_equal(endpoint_send(client, ep, true, false), ERR_OK);
	assert_int_equal(msg_info_length(tw_info(server)), MSG_MAX_LENGTH);
	for (unsigned i = 0; i < MSG_MAX_LENGTH; i++)
		assert_int_equal(tw_mr(server, i), 0x1000 + i);
	/* A length field above the maximum is cut to it. */
	tcb_set_reg(client, PORT_REG_INFO, msg_info_make(6, 127, 0, 0).word);
	assert_int_equal(endpoint_send(client, ep, true, false), ERR_OK);
	tw_exit(0);
	assert_ptr_equal(sched_current(0), server);
	assert_int_equal(endpoint_receive(server, ep, NULL_CAP, false), ERR_OK);
	assert_int_equal(msg_info_length(tw_info(server)), MSG_MAX_LENGTH);
	assert_int_equal(msg_info_label(tw_info(server)), 6);
	tw_exit(0);
	tw_assert(W);
	/* Without the receiver's IPC buffer only the register words arrive. */
	struct tcb *bare = tw_thread(W, 5, 0);
	tcb_suspend(server);
	tcb_suspend(client);
	tw_exit(0);
	sched_start(0, bare);
	assert_int_equal(endpoint_receive(bare, ep, NULL_CAP, true), ERR_OK);
	tw_exit(0);
	tcb_resume(client);
	tw_exit(0);
	assert_ptr_equal(sched_current(0), client);
	tw_message(client, 8, 20, words);
	assert_int_equal(endpoint_send(client, ep, true, false), ERR_OK);
	assert_int_equal(msg_info_length(tw_info(bare)), MSG_REGISTER_WORDS);
	assert_int_equal(msg_info_label(tw_info(bare)), 8);
	assert_int_equal(tw_mr(bare, 7), 0x1007);
	tw_exit(0);
	tw_assert(W);
}

static void test_non_blocking(void **state)
{
	(void)state;
	W = tw_new(1);
	struct cap ep = tw_endpoint(W);
	struct tcb *a = tw_running(W, 5, 0);
	/* Nobody receives: the message is dropped and the sender goes on. */
	send_words(a, 1, 2, 3);
	assert_int_equal(endpoint_send(a, ep, false, false), ERR_OK);
	assert_int_equal(tcb_state(a), THREAD_RUNNING);
	assert_int_equal(ep_state(ep), ENDPOINT_IDLE);
	/* Nobody sends: an empty message. */
	tcb_set_reg(a, PORT_REG_BADGE, 99);
	assert_int_equal(endpoint_receive(a, ep, NULL_CAP, false), ERR_OK);
	assert_int_equal(tw_badge(a), 0);
	assert_int_equal(tw_info(a).word, 0);
	assert_int_equal(tcb_state(a), THREAD_RUNNING);
	tw_exit(0);
	tw_assert(W);
	/* A non-blocking receive meets a waiting sender. */
	struct tcb *b = tw_thread(W, 9, 0);
	tcb_resume(b);
	tw_exit(0);
	send_words(b, 4, 5, 6);
	assert_int_equal(endpoint_send(b, ep, true, false), ERR_OK);
	tw_exit(0);
	assert_int_equal(endpoint_receive(a, ep, NULL_CAP, false), ERR_OK);
	assert_int_equal(msg_info_label(tw_info(a)), 4);
	/* A non-blocking send meets a waiting receiver. */
	tw_exit(0);
	assert_ptr_equal(sched_current(0), b);
	assert_int_equal(endpoint_receive(b, ep, NULL_CAP, true), ERR_OK);
	tw_exit(0);
	send_words(a, 7, 0, 0);
	assert_int_equal(endpoint_send(a, ep, false, false), ERR_OK);
	assert_int_equal(msg_info_label(tw_info(b)), 7);
	tw_exit(0);
	tw_assert(W);
}

/* Every message register of t a marker, so that a word left as it was
 * shows (docs/abi.md "Registers": past the length they read 0). */
static void mark_mrs(struct tcb *t)
{
	for (unsigned i = 0; i < MSG_REGISTER_WORDS; i++)
		tcb_set_reg(t, PORT_REG_MR0 + i, 0xeee0 + i);
}

/* MR0..MR(length-1) of t are `first`, first + 1, ...; the rest 0. */
static void assert_mrs(const struct tcb *t, unsigned length, uint64_t first)
{
	for (unsigned i = 0; i < MSG_REGISTER_WORDS; i++)
		assert_int_equal(tw_mr(t, i), i < length ? first + i : 0);
}

static void test_words_past_the_length_read_zero(void **state)
{
	(void)state;
	W = tw_new(1);
	struct cap ep = tw_endpoint(W);
	struct cap rep = tw_reply(W);
	struct tcb *server = tw_running(W, 10, 0);
	struct tcb *client = tw_thread(W, 10, 0);
	mark_mrs(server);
	assert_int_equal(endpoint_receive(server, ep, rep, true), ERR_OK);
	tcb_resume(client);
	tw_exit(0);
	assert_ptr_equal(sched_current(0), client);
	/* A call of 2 words: the server's MR2..MR7 were its markers. */
	mark_mrs(client);
	tcb_set_reg(client, PORT_REG_MR0, 100);
	tcb_set_reg(client, PORT_REG_MR0 + 1, 101);
	tcb_set_reg(client, PORT_REG_INFO, msg_info_make(1, 2, 0, 0).word);
	assert_int_equal(endpoint_send(client, ep, true, true), ERR_OK);
	tw_exit(0);
	assert_ptr_equal(sched_current(0), server);
	assert_mrs(server, 2, 100);
	/* A reply of 1 word: the client's own words past it are gone too. */
	mark_mrs(server);
	tcb_set_reg(server, PORT_REG_MR0, 300);
	tcb_set_reg(server, PORT_REG_INFO, msg_info_make(0, 1, 0, 0).word);
	assert_int_equal(reply_send(server, rep), ERR_OK);
	assert_mrs(client, 1, 300);
	/* A full message leaves nothing to clear. */
	tw_exit(0);
	assert_int_equal(endpoint_receive(server, ep, rep, true), ERR_OK);
	tw_exit(0);
	for (unsigned i = 0; i < MSG_REGISTER_WORDS; i++)
		tcb_set_reg(client, PORT_REG_MR0 + i, 500 + i);
	tcb_set_reg(client, PORT_REG_INFO, msg_info_make(1, MSG_REGISTER_WORDS, 0, 0).word);
	assert_int_equal(endpoint_send(client, ep, true, true), ERR_OK);
	tw_exit(0);
	assert_mrs(server, MSG_REGISTER_WORDS, 500);
	/* NBRecv with nobody sending: an empty message. */
	mark_mrs(server);
	assert_int_equal(endpoint_receive(server, tw_endpoint(W), NULL_CAP, false), ERR_OK);
	assert_mrs(server, 0, 0);
	tw_assert(W);
}

static void test_decode_errors_change_nothing(void **state)
{
	(void)state;
	W = tw_new(1);
	struct cap ep = tw_endpoint(W);
	struct cap ntfn = tw_notification(W);
	struct cap rep = tw_reply(W);
	struct tcb *a = tw_running(W, 5, 0);
	struct tcb *b = tw_thread(W, 5, 0);
	struct cap read_only = tw_masked(ep, CAP_RIGHT_READ);
	struct cap write_only = tw_masked(ep, CAP_RIGHT_WRITE);
	tcb_set_reg(a, PORT_REG_RESULT, 1234);
	assert_int_equal(endpoint_send(a, ntfn, true, false), ERR_INVALID_CAPABILITY);
	assert_int_equal(endpoint_send(a, read_only, true, true), ERR_INVALID_CAPABILITY);
	assert_int_equal(endpoint_receive(a, write_only, NULL_CAP, true), ERR_INVALID_CAPABILITY);
	assert_int_equal(endpoint_receive(a, ntfn, NULL_CAP, true), ERR_INVALID_CAPABILITY);
	assert_int_equal(endpoint_receive(a, ep, ep, true), ERR_INVALID_CAPABILITY);
	assert_int_equal(endpoint_reply_receive(a, ep, ep), ERR_INVALID_CAPABILITY);
	assert_int_equal(endpoint_reply_receive(a, write_only, rep), ERR_INVALID_CAPABILITY);
	assert_int_equal(tw_result(a), 1234);
	assert_int_equal(tcb_state(a), THREAD_RUNNING);
	assert_int_equal(ep_state(ep), ENDPOINT_IDLE);
	/* seL4 MCS: a reply object given to another waiting receiver is taken
	 * from it, and that receiver's receive is cancelled (inactive). */
	assert_int_equal(endpoint_receive(a, ep, rep, true), ERR_OK);
	tw_exit(0);
	tcb_resume(b);
	tw_exit(0);
	struct cap ep2 = tw_endpoint(W);
	assert_int_equal(endpoint_receive(b, ep2, rep, true), ERR_OK);
	assert_int_equal(tcb_state(a), THREAD_INACTIVE);
	assert_null(a->reply);
	assert_int_equal(ep_state(ep), ENDPOINT_IDLE);
	assert_ptr_equal(reply_of(rep)->receiver, b);
	assert_int_equal(tcb_state(b), THREAD_BLOCKED_RECV);
	tw_exit(0);
	tw_assert(W);
}

static void test_call_without_reply_object(void **state)
{
	(void)state;
	W = tw_new(1);
	struct cap ep = tw_endpoint(W);
	struct tcb *server = tw_running(W, 5, 0);
	struct tcb *client = tw_thread(W, 5, 0);
	/* Receiver waits without a reply object: the caller becomes inactive. */
	assert_int_equal(endpoint_receive(server, ep, NULL_CAP, true), ERR_OK);
	tw_exit(0);
	tcb_resume(client);
	tw_exit(0);
	assert_int_equal(endpoint_send(client, ep, true, true), ERR_OK);
	assert_int_equal(tcb_state(client), THREAD_INACTIVE);
	tw_exit(0);
	assert_ptr_equal(sched_current(0), server);
	tw_assert(W);
	/* Caller waits first, then a receive without reply object. */
	tcb_resume(client);
	assert_int_equal(endpoint_receive(server, ep, NULL_CAP, true), ERR_OK);
	tw_exit(0);
	assert_ptr_equal(sched_current(0), client);
	assert_int_equal(endpoint_receive(client, ep, NULL_CAP, false), ERR_OK);
	tcb_suspend(server);
	struct cap ep2 = tw_endpoint(W);
	assert_int_equal(endpoint_send(client, ep2, true, true), ERR_OK);
	tw_exit(0);
	tcb_resume(server);
	tw_exit(0);
	assert_int_equal(endpoint_receive(server, ep2, NULL_CAP, true), ERR_OK);
	assert_int_equal(tcb_state(client), THREAD_INACTIVE);
	tw_exit(0);
	tw_assert(W);
}

static void test_delete_endpoint_with_waiters(void **state)
{
	(void)state;
	W = tw_new(2);
	struct cap ep = tw_endpoint(W);
	struct cap rep = tw_reply(W);
	struct tcb *r = tw_running(W, 5, 0);
	assert_int_equal(endpoint_receive(r, ep, rep, true), ERR_OK);
	tw_exit(0);
	struct cap ep2 = tw_endpoint(W);
	struct tcb *s1 = tw_running(W, 5, 0);
	struct tcb *s2 = tw_thread(W, 5, 1);
	assert_int_equal(endpoint_send(s1, ep2, true, true), ERR_OK);
	tw_exit(0);
	sched_start(1, s2);
	tw_enter(1);
	assert_int_equal(endpoint_send(s2, ep2, true, false), ERR_OK);
	tw_exit(1);
	tw_enter(0);
	tw_assert(W);
	/* seL4's cancelAllIPC: every waiter restarts its call (which then
	 * finds the cap gone), none wakes with a made-up result. */
	tcb_set_reg(r, PORT_REG_RESULT, 77);
	tcb_set_reg(s1, PORT_REG_RESULT, 77);
	tcb_set_reg(s2, PORT_REG_RESULT, 77);
	tw_delete(W, tw_slot_of(W, ep));
	assert_int_equal(tcb_state(r), THREAD_RESTART);
	assert_int_equal(tw_result(r), 77);
	assert_null(reply_of(rep)->receiver);
	assert_null(r->reply);
	tw_delete(W, tw_slot_of(W, ep2));
	assert_int_equal(tcb_state(s1), THREAD_RESTART);
	assert_int_equal(tcb_state(s2), THREAD_RESTART);
	assert_int_equal(tw_result(s1), 77);
	assert_int_equal(tw_result(s2), 77);
	assert_int_equal(fake_arch.ipi_harts, 2); /* s2 woke on hart 1 */
	assert_int_equal(object_finalise_count[CAP_ENDPOINT], 2);
	tw_exit(0);
	tw_deliver_ipis(W);
	assert_ptr_equal(sched_current(1), s2);
	tw_assert(W);
}

static void test_delete_reply_and_reuse(void **state)
{
	(void)state;
	W = tw_new(1);
	struct cap ep = tw_endpoint(W);
	struct cap rep = tw_reply(W);
	struct tcb *server = tw_running(W, 5, 0);
	struct tcb *c1 = tw_thread(W, 5, 0);
	struct tcb *c2 = tw_thread(W, 5, 0);
	tcb_resume(c1);
	tw_exit(0);
	tcb_resume(c2);
	tw_exit(0);
	/* c1 calls and is answered by nobody: a new receive with the same
	 * reply object cuts it off, inactive (seL4 MCS's reply_unlink). */
	tcb_suspend(server);
	tw_exit(0);
	assert_ptr_equal(sched_current(0), c1);
	assert_int_equal(endpoint_send(c1, ep, true, true), ERR_OK);
	tw_exit(0);
	assert_int_equal(endpoint_send(c2, ep, true, true), ERR_OK);
	tcb_resume(server);
	tw_exit(0);
	assert_ptr_equal(sched_current(0), server);
	assert_int_equal(endpoint_receive(server, ep, rep, true), ERR_OK);
	assert_ptr_equal(reply_of(rep)->caller, c1);
	assert_int_equal(endpoint_receive(server, ep, rep, true), ERR_OK);
	assert_int_equal(tcb_state(c1), THREAD_INACTIVE);
	assert_ptr_equal(reply_of(rep)->caller, c2);
	tw_exit(0);
	tw_assert(W);
	/* Deleting the reply object makes its caller inactive (seL4 MCS). */
	tw_delete(W, tw_slot_of(W, rep));
	assert_int_equal(tcb_state(c2), THREAD_INACTIVE);
	assert_null(c2->reply);
	assert_int_equal(object_finalise_count[CAP_REPLY], 1);
	tw_exit(0);
	tw_assert(W);
	/* ... and cancels the receive of a thread that was going to use it. */
	struct cap rep2 = tw_reply(W);
	struct tcb *cur = sched_current(0);
	assert_int_equal(endpoint_receive(cur, ep, rep2, true), ERR_OK);
	tw_delete(W, tw_slot_of(W, rep2));
	assert_null(cur->reply);
	assert_int_equal(tcb_state(cur), THREAD_INACTIVE);
	assert_int_equal(ep_state(ep), ENDPOINT_IDLE);
	tw_exit(0);
	tw_assert(W);
}

static void test_delete_and_suspend_blocked_threads(void **state)
{
	(void)state;
	W = tw_new(1);
	struct cap ep = tw_endpoint(W);
	struct cap rep = tw_reply(W);
	struct tcb *s[3];
	for (unsigned i = 0; i < 3; i++) {
		s[i] = tw_running(W, 5, 0);
		assert_int_equal(endpoint_send(s[i], ep, true, i == 0), ERR_OK);
		tw_exit(0);
	}
	struct tcb *server = tw_running(W, 1, 0);
	assert_int_equal(endpoint_receive(server, ep, rep, true), ERR_OK);
	/* s0's call went to the server; s1, s2 wait in the queue. */
	assert_int_equal(tcb_state(s[0]), THREAD_BLOCKED_REPLY);
	assert_int_equal(tcb_state(server), THREAD_RUNNING);
	tw_assert(W);
	/* Deleting a queued sender takes it out of the queue. */
	tw_delete(W, tw_thread_slot(W, s[1]));
	assert_ptr_equal(ep_of(ep)->queue.head, s[2]);
	assert_ptr_equal(ep_of(ep)->queue.tail, s[2]);
	tw_assert(W);
	/* Suspending a caller blocked on reply empties the reply object. */
	tcb_suspend(s[0]);
	assert_null(reply_of(rep)->caller);
	tcb_suspend(s[2]);
	assert_int_equal(ep_state(ep), ENDPOINT_IDLE);
	tw_assert(W);
	/* Deleting a receiver that holds a reply object detaches it. */
	assert_int_equal(endpoint_receive(server, ep, rep, true), ERR_OK);
	assert_ptr_equal(reply_of(rep)->receiver, server);
	tw_exit(0);
	tw_delete(W, tw_thread_slot(W, server));
	assert_null(reply_of(rep)->receiver);
	assert_int_equal(ep_state(ep), ENDPOINT_IDLE);
	tw_assert(W);
	/* The reply object can be used again. */
	struct tcb *r3 = tw_running(W, 1, 0);
	assert_int_equal(endpoint_receive(r3, ep, rep, true), ERR_OK);
	tw_exit(0);
	tw_assert(W);
}

/* Copy the cap of `from` into slot `index` of CNode `cnode`, badged when
 * badge != 0. */
static void put(struct cap cnode, uint64_t index, struct cte *from, uint64_t badge)
{
	struct cap c = badge != 0 ? tw_badged(from->cap, badge) : from->cap;
	cte_insert(c, from, cnode_slot(cnode, index));
}

struct xfer {
	struct cap ep, other, ntfn, a, b;
	struct tcb *sender, *receiver;
	struct ipc_buffer *sbuf, *rbuf;
};

/* Sender (CSpace A: 1 = other endpoint, 2 = ep badged 7, 3 = notification)
 * and receiver (CSpace B: 0 = B itself, receive slot 5), both with buffers;
 * the receiver waits on ep. */
static struct xfer xfer_setup(void)
{
	struct xfer x;
	x.ep = tw_endpoint(W);
	x.other = tw_endpoint(W);
	x.ntfn = tw_notification(W);
	x.a = tw_cnode(W, 4);
	x.b = tw_cnode(W, 4);
	put(x.a, 1, tw_slot_of(W, x.other), 0);
	put(x.a, 2, tw_slot_of(W, x.ep), 7);
	put(x.a, 3, tw_slot_of(W, x.ntfn), 0);
	put(x.b, 0, tw_slot_of(W, x.b), 0);
	x.receiver = tw_running(W, 5, 0);
	tw_set_space(W, x.receiver, tw_slot_of(W, x.b), NULL);
	x.rbuf = tw_buffer(W, x.receiver);
	x.rbuf->receive_cnode = 0;
	x.rbuf->receive_index = 5;
	x.rbuf->receive_depth = 64;
	assert_int_equal(endpoint_receive(x.receiver, x.ep, NULL_CAP, true), ERR_OK);
	tw_exit(0);
	x.sender = tw_running(W, 5, 0);
	tw_set_space(W, x.sender, tw_slot_of(W, x.a), NULL);
	x.sbuf = tw_buffer(W, x.sender);
	return x;
}

/* The sender sends caps[] through `via`; the receiver gets it and waits
 * again. Returns the receiver's info word. */
static struct msg_info xfer(struct xfer *x, struct cap via, unsigned n, const uint64_t *cptrs)
{
	for (unsigned i = 0; i < n; i++)
		x->sbuf->caps[i] = cptrs[i];
	tcb_set_reg(x->sender, PORT_REG_INFO, msg_info_make(9, 0, n, 0).word);
	assert_int_equal(endpoint_send(x->sender, via, true, false), ERR_OK);
	struct msg_info info = tw_info(x->receiver);
	assert_int_equal(msg_info_label(info), 9);
	tw_exit(0);
	/* The receiver (woken, equal priority) gets its turn. */
	tcb_suspend(x->sender);
	tw_exit(0);
	assert_ptr_equal(sched_current(0), x->receiver);
	assert_int_equal(endpoint_receive(x->receiver, x->ep, NULL_CAP, true), ERR_OK);
	tcb_resume(x->sender);
	tw_exit(0);
	assert_ptr_equal(sched_current(0), x->sender);
	tw_assert(W);
	return info;
}

/*
 * seL4's rights around a call: a caller whose cap has neither grant nor
 * grant-reply cannot be answered (it becomes inactive); a reply carries caps
 * only when the receiver's endpoint cap had the grant right (RFC-13); a
 * fault handler cap must allow an answer.
 */
static void test_call_rights_and_reply_grant(void **state)
{
	(void)state;
	W = tw_new(1);
	struct cap ep = tw_endpoint(W);
	struct cap other = tw_endpoint(W);
	struct cap rep = tw_reply(W);
	struct cap server_space = tw_cnode(W, 4), client_space = tw_cnode(W, 4);
	put(server_space, 1, tw_slot_of(W, other), 0);
	put(client_space, 0, tw_slot_of(W, client_space), 0);
	struct tcb *server = tw_running(W, 10, 0);
	struct tcb *client = tw_thread(W, 10, 0);
	tw_set_space(W, server, tw_slot_of(W, server_space), NULL);
	tw_set_space(W, client, tw_slot_of(W, client_space), NULL);
	struct ipc_buffer *sbuf = tw_buffer(W, server), *cbuf = tw_buffer(W, client);
	sbuf->caps[0] = 1;
	cbuf->receive_cnode = 0;
	cbuf->receive_index = 5;
	cbuf->receive_depth = 64;

	/* A call through a write-only cap is delivered, but nobody can answer. */
	assert_int_equal(endpoint_receive(server, ep, rep, true), ERR_OK);
	tcb_resume(client);
	tw_exit(0);
	assert_ptr_equal(sched_current(0), client);
	send_words(client, 1, 100, 200);
	assert_int_equal(endpoint_send(client, tw_masked(ep, CAP_RIGHT_WRITE), true, true), ERR_OK);
	assert_int_equal(tcb_state(client), THREAD_INACTIVE);
	assert_null(reply_of(rep)->caller);
	tw_exit(0);
	assert_ptr_equal(sched_current(0), server);
	assert_int_equal(tw_mr(server, 0), 100);
	tw_assert(W);

	/* Grant-reply alone lets the caller wait; the server received with the
	 * grant right, so its reply carries a cap. */
	assert_int_equal(endpoint_receive(server, ep, rep, true), ERR_OK);
	tcb_resume(client);
	tw_exit(0);
	assert_ptr_equal(sched_current(0), client);
	assert_int_equal(endpoint_send(client,
				       tw_masked(ep, CAP_RIGHT_WRITE | CAP_RIGHT_GRANT_REPLY), true,
				       true),
			 ERR_OK);
	assert_int_equal(tcb_state(client), THREAD_BLOCKED_REPLY);
	assert_ptr_equal(reply_of(rep)->caller, client);
	tw_exit(0);
	assert_ptr_equal(sched_current(0), server);
	tcb_set_reg(server, PORT_REG_INFO, msg_info_make(5, 0, 1, 0).word);
	assert_int_equal(reply_send(server, rep), ERR_OK);
	assert_int_equal(tcb_state(client), THREAD_RUNNING);
	assert_int_equal(msg_info_extra_caps(tw_info(client)), 1);
	assert_int_equal(msg_info_unwrapped(tw_info(client)), 0);
	assert_int_equal(cap_type(cnode_slot(client_space, 5)->cap), CAP_ENDPOINT);
	assert_int_equal(cap_ptr(cnode_slot(client_space, 5)->cap), cap_ptr(other));
	tw_assert(W);

	/* A server that received without the grant right replies without caps. */
	cbuf->receive_index = 6;
	assert_int_equal(endpoint_receive(server, tw_masked(ep, CAP_RIGHT_READ), rep, true),
			 ERR_OK);
	tw_exit(0);
	assert_ptr_equal(sched_current(0), client);
	assert_int_equal(endpoint_send(client, ep, true, true), ERR_OK);
	assert_int_equal(tcb_state(client), THREAD_BLOCKED_REPLY);
	tw_exit(0);
	assert_ptr_equal(sched_current(0), server);
	tcb_set_reg(server, PORT_REG_INFO, msg_info_make(5, 0, 1, 0).word);
	assert_int_equal(reply_send(server, rep), ERR_OK);
	assert_int_equal(tcb_state(client), THREAD_RUNNING);
	assert_int_equal(msg_info_extra_caps(tw_info(client)), 0);
	assert_true(cap_is_null(cnode_slot(client_space, 6)->cap));
	tw_assert(W);

	/* A fault handler cap must let the fault be answered. */
	struct cte weak = { 0 };
	weak.cap = tw_masked(ep, CAP_RIGHT_WRITE);
	assert_int_equal(tcb_set_fault_handler(client, &weak), ERR_INVALID_CAPABILITY);
	assert_true(cap_is_null(client->fault_handler.cap));
	tw_assert(W);
}

static void test_cap_transfer(void **state)
{
	(void)state;
	W = tw_new(1);
	struct xfer x = xfer_setup();
	struct cte *dest = cnode_slot(x.b, 5);
	/* With grant: the cap is copied into the receive slot. */
	struct msg_info info = xfer(&x, x.ep, 1, (const uint64_t[]){ 1 });
	assert_int_equal(msg_info_extra_caps(info), 1);
	assert_int_equal(msg_info_unwrapped(info), 0);
	assert_int_equal(cap_type(dest->cap), CAP_ENDPOINT);
	assert_int_equal(cap_ptr(dest->cap), cap_ptr(x.other));
	/* The receive slot is full now: nothing more arrives. */
	info = xfer(&x, x.ep, 1, (const uint64_t[]){ 3 });
	assert_int_equal(msg_info_extra_caps(info), 0);
	/* ... except caps to the endpoint itself, which are unwrapped. */
	info = xfer(&x, x.ep, 2, (const uint64_t[]){ 2, 3 });
	assert_int_equal(msg_info_extra_caps(info), 1);
	assert_int_equal(msg_info_unwrapped(info), 1);
	assert_int_equal(x.rbuf->caps[0], 7);
	tw_delete(W, dest);
	/* Three caps: two unwrapped, the notification copied. */
	info = xfer(&x, x.ep, 3, (const uint64_t[]){ 2, 2, 3 });
	assert_int_equal(msg_info_extra_caps(info), 3);
	assert_int_equal(msg_info_unwrapped(info), 3);
	assert_int_equal(cap_type(dest->cap), CAP_NOTIFICATION);
	tw_delete(W, dest);
	/* Without the grant right no cap goes. */
	info =
	    xfer(&x, tw_masked(x.ep, CAP_RIGHT_READ | CAP_RIGHT_WRITE), 1, (const uint64_t[]){ 1 });
	assert_int_equal(msg_info_extra_caps(info), 0);
	assert_true(cap_is_null(dest->cap));
	/* An empty slot stops the transfer and keeps the caps before it. */
	info = xfer(&x, x.ep, 3, (const uint64_t[]){ 2, 9, 3 });
	assert_int_equal(msg_info_extra_caps(info), 1);
	assert_int_equal(msg_info_unwrapped(info), 1);
	assert_true(cap_is_null(dest->cap));
	info = xfer(&x, x.ep, 2, (const uint64_t[]){ 9, 2 });
	assert_int_equal(msg_info_extra_caps(info), 0);
	/* A cptr that does not resolve aborts the send with a lookup failure
	 * and changes nothing (the receiver still waits). */
	x.sbuf->caps[0] = 2;
	x.sbuf->caps[1] = UINT64_C(1) << 63; /* the guard of A is all zero */
	tcb_set_reg(x.sender, PORT_REG_INFO, msg_info_make(9, 0, 2, 0).word);
	struct lookup_fault fault;
	assert_int_equal(endpoint_check_extra_caps(x.sender, &fault), ERR_FAILED_LOOKUP);
	assert_int_equal(fault.type, LOOKUP_FAULT_GUARD_MISMATCH);
	assert_int_equal(endpoint_send(x.sender, x.ep, true, false), ERR_FAILED_LOOKUP);
	assert_int_equal(tcb_state(x.receiver), THREAD_BLOCKED_RECV);
	assert_true(tcb_is_runnable(x.sender) && x.sender->blocked_on == NULL);
	/* A blocked sender whose cptr stops resolving before delivery (its
	 * buffer is its own memory): the message goes, no cap. */
	x.sbuf->caps[1] = 3;
	tcb_suspend(x.receiver);
	assert_int_equal(endpoint_send(x.sender, x.ep, true, false), ERR_OK);
	assert_int_equal(tcb_state(x.sender), THREAD_BLOCKED_SEND);
	x.sbuf->caps[1] = UINT64_C(1) << 63;
	tw_exit(0);
	tcb_resume(x.receiver);
	tw_exit(0);
	assert_ptr_equal(sched_current(0), x.receiver);
	assert_int_equal(endpoint_receive(x.receiver, x.ep, NULL_CAP, true), ERR_OK);
	assert_int_equal(msg_info_label(tw_info(x.receiver)), 9);
	assert_int_equal(msg_info_extra_caps(tw_info(x.receiver)), 0);
	assert_true(cap_is_null(dest->cap));
	assert_int_equal(endpoint_receive(x.receiver, x.ep, NULL_CAP, true), ERR_OK);
	tw_exit(0);
	assert_ptr_equal(sched_current(0), x.sender);
	/* Only the counted caps are looked up. */
	tcb_set_reg(x.sender, PORT_REG_INFO, msg_info_make(9, 0, 1, 0).word);
	assert_int_equal(endpoint_check_extra_caps(x.sender, &fault), ERR_OK);
	/* A receive slot that does not resolve: only unwrapping works. */
	x.rbuf->receive_depth = 0;
	info = xfer(&x, x.ep, 2, (const uint64_t[]){ 2, 1 });
	assert_int_equal(msg_info_extra_caps(info), 1);
	x.rbuf->receive_cnode = 7;
	info = xfer(&x, x.ep, 1, (const uint64_t[]){ 1 });
	assert_int_equal(msg_info_extra_caps(info), 0);
	x.rbuf->receive_cnode = 0;
	x.rbuf->receive_depth = 64;
	/* A blocked sender's grant is remembered until the receive. */
	tcb_suspend(x.receiver);
	x.sbuf->caps[0] = 1;
	tcb_set_reg(x.sender, PORT_REG_INFO, msg_info_make(9, 0, 1, 0).word);
	assert_int_equal(endpoint_send(x.sender, x.ep, true, false), ERR_OK);
	tw_exit(0);
	tcb_resume(x.receiver);
	tw_exit(0);
	assert_int_equal(endpoint_receive(x.receiver, x.ep, NULL_CAP, true), ERR_OK);
	assert_int_equal(msg_info_extra_caps(tw_info(x.receiver)), 1);
	assert_int_equal(cap_type(dest->cap), CAP_ENDPOINT);
	tw_exit(0);
	tw_assert(W);
}

static void test_cap_transfer_needs_buffers_and_space(void **state)
{
	(void)state;
	W = tw_new(1);
	struct xfer x = xfer_setup();
	struct cte *dest = cnode_slot(x.b, 5);
	struct msg_info info = xfer(&x, x.ep, 3, (const uint64_t[]){ 2, 2, 2 });
	assert_int_equal(msg_info_extra_caps(info), 3);
	/* Without the sender's IPC buffer nothing goes. */
	assert_int_equal(tcb_set_ipc_buffer(x.sender, NULL, 0), ERR_OK);
	tcb_set_reg(x.sender, PORT_REG_INFO, msg_info_make(9, 0, 1, 0).word);
	assert_int_equal(endpoint_send(x.sender, x.ep, true, false), ERR_OK);
	assert_int_equal(msg_info_extra_caps(tw_info(x.receiver)), 0);
	assert_true(cap_is_null(dest->cap));
	tw_assert(W);
	/* TCB_SetSpace takes a CNode cap only (seL4: ERR_ILLEGAL_OPERATION). */
	struct tcb_space_args bad = { .cspace = tw_slot_of(W, x.ep), .vspace = tw_vspace(W) };
	struct work_budget budget = { .left = 10 };
	assert_int_equal(tcb_set_space(tw_thread_slot(W, x.sender), &bad, &budget),
			 ERR_ILLEGAL_OPERATION);
	/* A thread whose CSpace root holds the last cap to a CNode: deleting
	 * the thread goes on to delete the CNode and what it holds. */
	struct tcb *t = tw_thread(W, 1, 0);
	struct cap c = tw_cnode(W, 2);
	put(c, 1, tw_slot_of(W, x.ntfn), 0);
	tw_set_space(W, t, tw_slot_of(W, c), NULL);
	tw_set_space(W, t, tw_slot_of(W, c), NULL); /* replace */
	tw_delete(W, tw_slot_of(W, c));
	assert_int_equal(object_finalise_count[CAP_CNODE], 0);
	uint64_t ntfn_final = object_finalise_count[CAP_NOTIFICATION];
	tw_delete(W, tw_thread_slot(W, t));
	assert_int_equal(object_finalise_count[CAP_TCB], 1);
	assert_int_equal(object_finalise_count[CAP_CNODE], 1);
	assert_true(cap_is_null(cnode_slot(c, 1)->cap));
	assert_true(cap_is_null(t->cspace_root.cap));
	assert_int_equal(object_finalise_count[CAP_NOTIFICATION], ntfn_final);
	tw_assert(W);
}

/*
 * CNode_CancelBadgedSends (issue 15, item 6): the senders queued with the
 * cap's badge restart their call (a faulting one becomes inactive), other
 * badges and the order of the rest stay; the target must be an endpoint cap
 * with every right (seL4: ERR_ILLEGAL_OPERATION), an unbadged one cancels
 * nothing, and errors change nothing.
 */
static void test_cancel_badged_sends(void **state)
{
	(void)state;
	W = tw_new(1);
	struct cap ep = tw_endpoint(W);
	struct cap space = tw_cnode(W, 3);
	put(space, 1, tw_slot_of(W, ep), 7);
	put(space, 2, tw_slot_of(W, ep), 0);
	cte_insert(tw_masked(cnode_slot(space, 1)->cap, CAP_RIGHT_WRITE | CAP_RIGHT_READ),
		   cnode_slot(space, 1), cnode_slot(space, 3));
	put(space, 4, tw_slot_of(W, tw_notification(W)), 7);
	struct tcb *s[4];
	uint64_t badges[4] = { 7, 8, 7, 8 };
	for (unsigned i = 0; i < 4; i++) {
		s[i] = tw_running(W, 5, 0);
		assert_int_equal(endpoint_send(s[i], tw_badged(ep, badges[i]), true, i % 2 == 0),
				 ERR_OK);
		tw_exit(0);
	}
	/* A thread sending a fault with badge 7. */
	struct tcb *f = tw_running(W, 5, 0);
	assert_int_equal(tcb_set_fault_handler(f, cnode_slot(space, 1)), ERR_OK);
	fault_raise(f, FAULT_PAGE, 0x10, 0x20);
	tw_exit(0);
	tw_assert(W);
	struct lookup_fault fault;
	struct cslot_ref ref = { space, 0, 64 };
	for (uint64_t bad = 0; bad < 5; bad++) {
		if (bad == 1 || bad == 2)
			continue;
		ref.index = bad;
		assert_int_equal(cnode_cancel_badged_sends(ref, &fault), ERR_ILLEGAL_OPERATION);
	}
	ref.depth = 2; /* fewer bits than the guard */
	assert_int_equal(cnode_cancel_badged_sends(ref, &fault), ERR_FAILED_LOOKUP);
	assert_int_equal(fault.type, LOOKUP_FAULT_GUARD_MISMATCH);
	ref = (struct cslot_ref){ space, 2, 64 }; /* unbadged: nothing */
	assert_int_equal(cnode_cancel_badged_sends(ref, &fault), ERR_OK);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(tcb_state(s[i]), THREAD_BLOCKED_SEND);
	ref.index = 1;
	tcb_set_reg(s[0], PORT_REG_RESULT, 77);
	assert_int_equal(cnode_cancel_badged_sends(ref, &fault), ERR_OK);
	assert_int_equal(tcb_state(s[0]), THREAD_RESTART);
	assert_int_equal(tcb_state(s[2]), THREAD_RESTART);
	assert_int_equal(tw_result(s[0]), 77);
	assert_int_equal(tcb_state(f), THREAD_INACTIVE);
	assert_int_equal(f->fault_kind, FAULT_NONE);
	struct endpoint *e = ep_of(ep);
	assert_ptr_equal(e->queue.head, s[1]);
	assert_ptr_equal(e->queue.tail, s[3]);
	assert_int_equal(tcb_state(s[1]), THREAD_BLOCKED_SEND);
	tw_assert(W);
	/* Receivers are never cancelled. */
	struct cap ep2 = tw_endpoint(W);
	tw_exit(0);
	struct tcb *r = sched_current(0);
	assert_int_equal(endpoint_receive(r, ep2, NULL_CAP, true), ERR_OK);
	endpoint_cancel_badged_sends(ep_of(ep2), 0);
	assert_int_equal(tcb_state(r), THREAD_BLOCKED_RECV);
	tw_exit(0);
	tw_assert(W);
}

static void test_checkers_catch(void **state)
{
	(void)state;
	W = tw_new(1);
	struct cap ep = tw_endpoint(W);
	struct cap rep = tw_reply(W);
	struct tcb *a = tw_running(W, 1, 0);
	assert_int_equal(endpoint_receive(a, ep, rep, true), ERR_OK);
	tw_exit(0);
	struct endpoint *e = ep_of(ep);
	struct reply *r = reply_of(rep);
	assert_null(endpoint_check_invariants(e));
	e->queue.tail = NULL;
	assert_non_null(endpoint_check_invariants(e));
	e->queue.tail = a;
	a->blocked_on = NULL;
	assert_non_null(endpoint_check_invariants(e));
	assert_non_null(tcb_check_invariants(a));
	a->blocked_on = e;
	a->state = THREAD_BLOCKED_NTFN;
	assert_non_null(endpoint_check_invariants(e));
	a->state = THREAD_BLOCKED_RECV;
	r->receiver = NULL;
	assert_non_null(tcb_check_invariants(a));
	r->receiver = a;
	r->caller = a;
	assert_non_null(reply_check_invariants(r));
	r->caller = NULL;
	r->receiver = sched_idle(0);
	assert_non_null(reply_check_invariants(r));
	r->receiver = a;
	/* A caller that names the reply but is not waiting on it, and a
	 * receiver that names it but is not receiving. */
	struct tcb *c = tw_thread(W, 1, 0);
	c->reply = r;
	r->caller = c;
	assert_non_null(reply_check_invariants(r));
	r->caller = NULL;
	c->reply = NULL;
	/* A caller the reply names that names no reply itself. */
	r->caller = c;
	assert_string_equal(reply_check_invariants(r),
			    "a reply object's caller does not wait on it");
	r->caller = NULL;
	/* A caller that does wait on it while a receiver has it bound. */
	c->reply = r;
	c->state = THREAD_BLOCKED_REPLY;
	r->caller = c;
	assert_string_equal(reply_check_invariants(r),
			    "a reply object holds a caller and a receiver at once");
	r->caller = NULL;
	c->reply = NULL;
	c->state = THREAD_INACTIVE;
	a->state = THREAD_BLOCKED_SEND;
	assert_non_null(reply_check_invariants(r));
	a->state = THREAD_BLOCKED_RECV;
	assert_null(tw_check(W));
}

int main(void)
{
#define T(f) cmocka_unit_test_teardown(f, tw_teardown)
	const struct CMUnitTest tests[] = {
		T(test_send_to_waiting_receiver),
		T(test_receive_from_waiting_sender),
		T(test_call_reply),
		T(test_reply_receive_loop),
		T(test_fifo_senders_and_badges),
		T(test_long_messages),
		T(test_non_blocking),
		T(test_words_past_the_length_read_zero),
		T(test_decode_errors_change_nothing),
		T(test_call_without_reply_object),
		T(test_delete_endpoint_with_waiters),
		T(test_delete_reply_and_reuse),
		T(test_delete_and_suspend_blocked_threads),
		T(test_cap_transfer),
		T(test_call_rights_and_reply_grant),
		T(test_cap_transfer_needs_buffers_and_space),
		T(test_checkers_catch),
		T(test_cancel_badged_sends),
	};
	return cmocka_run_group_tests_name("endpoint", tests, NULL, NULL);
}
