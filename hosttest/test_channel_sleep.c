/* SPDX-License-Identifier: MIT */
/*
 * Tests of the waits that sleep at once (poll budget 0) with "ring me"
 * kept up (docs/channels.md, "A waiter that sleeps at once"): the
 * server's channel_server_wait and the client's channel_client_call_held,
 * on one thread (what each publishes, when it looks, the links attached
 * and detached between waits) and on threads (a held-call client and a
 * client of the general rule against a server that sleeps at once, every
 * call with a deadline, so a lost wake-up fails a call instead of hanging
 * the suite). The rule itself is proven by the SPIN model's RING_ME_STAYS
 * runs (hosttest/spin).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "channel.h"
#include "channel_port_host.h"

#define DEPTH 4
#define BUFFER_BYTES 8192
#define MS 1000000u

static _Alignas(4096) uint8_t buffers[2][BUFFER_BYTES];
static struct channel_client clients[2];
static struct channel_server server;
static struct channel_doorbell client_bells[2], server_bell;

static int setup(void **state)
{
	(void)state;
	memset(buffers, 0, sizeof(buffers));
	channel_doorbell_init(&server_bell);
	channel_server_init(&server, &server_bell);
	for (int i = 0; i < 2; i++) {
		channel_doorbell_init(&client_bells[i]);
		assert_int_equal(channel_client_init(&clients[i], buffers[i], BUFFER_BYTES, DEPTH,
						     &client_bells[i], &server_bell),
				 ERR_OK);
		assert_int_equal(channel_server_attach(&server, (uint32_t)i, buffers[i],
						       BUFFER_BYTES, 0, &client_bells[i]),
				 ERR_OK);
	}
	return 0;
}

static void check_invariants(void)
{
	for (int i = 0; i < 2; i++)
		assert_int_equal(channel_client_check_invariants(&clients[i]), ERR_OK);
	assert_int_equal(channel_server_check_invariants(&server), ERR_OK);
}

static uint32_t ring_me(int link)
{
	return atomic_load(&clients[link].shared->server_sleeping);
}

static struct channel_message message(uint32_t opcode, uint64_t arg0)
{
	return (struct channel_message){ .opcode = opcode, .arg = { arg0 } };
}

/* Answer one taken request: status opcode + 1000, arg0 + 1. */
static void answer(const struct channel_message *request)
{
	struct channel_message reply = message(request->opcode + 1000, request->arg[0] + 1);
	reply.handle = request->handle;
	assert_int_equal(channel_server_reply(&server, &reply), ERR_OK);
}

/* The server's wait at poll budget 0 puts "ring me" up on every ACTIVE link
 * and leaves it up; a detached link loses it, and a link attached again
 * (its word 0) gets it at the next wait; the general rule takes it down. */
static void test_server_ring_me_stays(void **state)
{
	(void)state;
	struct channel_message m = message(1, 10), got;
	uint32_t tag;
	channel_server_set_poll_budget(&server, 0);
	assert_int_equal(channel_client_submit(&clients[1], &m, &tag), ERR_OK);
	assert_int_equal(clients[1].counters.doorbells, 0);
	assert_int_equal(channel_server_wait(&server, CHANNEL_FOREVER, &got), ERR_OK);
	assert_int_equal(got.tag, tag);
	assert_int_equal(server.sleeps, 0);
	assert_int_equal(ring_me(0), 1);
	assert_int_equal(ring_me(1), 1);
	assert_int_equal(server.ring_me, 3);
	answer(&got);
	check_invariants();
	/* Up while the server works: a submit now rings. */
	assert_int_equal(channel_client_submit(&clients[0], &m, &tag), ERR_OK);
	assert_int_equal(clients[0].counters.doorbells, 1);
	assert_int_equal(channel_server_wait(&server, CHANNEL_FOREVER, &got), ERR_OK);
	answer(&got);
	/* Detach and attach link 1 again: its word is 0 and its bit gone. */
	assert_int_equal(channel_server_detach(&server, 1), ERR_OK);
	assert_int_equal(server.ring_me, 1);
	assert_int_equal(channel_client_init(&clients[1], buffers[1], BUFFER_BYTES, DEPTH,
					     &client_bells[1], &server_bell),
			 ERR_OK);
	assert_int_equal(
	    channel_server_attach(&server, 1, buffers[1], BUFFER_BYTES, 0, &client_bells[1]),
	    ERR_OK);
	assert_int_equal(ring_me(1), 0);
	/* Nothing queued: "ring me" up on link 1 again, one sleep, the deadline. */
	assert_int_equal(channel_server_wait(&server, MS, &got), ERR_FAILED_LOOKUP);
	assert_true(server.sleeps >= 1);
	assert_int_equal(ring_me(1), 1);
	assert_int_equal(server.ring_me, 3);
	/* A wait that polls takes it down after its sleep. */
	channel_server_set_poll_budget(&server, 2);
	assert_int_equal(channel_server_wait(&server, MS, &got), ERR_FAILED_LOOKUP);
	assert_int_equal(ring_me(0), 0);
	assert_int_equal(ring_me(1), 0);
	assert_int_equal(server.ring_me, 0);
	/* Timeout 0 at budget 0: one look, no "ring me". */
	channel_server_set_poll_budget(&server, 0);
	assert_int_equal(channel_server_wait(&server, 0, &got), ERR_FAILED_LOOKUP);
	assert_int_equal(server.ring_me, 0);
	check_invariants();
}

/* A held call to a server that is not asleep: its submit does not ring,
 * so it looks first; at its deadline the tag stays outstanding, "ring me"
 * stays up, and the server's reply rings it. */
static void test_call_held_times_out_and_rings(void **state)
{
	(void)state;
	struct channel_client *c = &clients[0];
	struct channel_message m = message(5, 55), got;
	channel_client_set_poll_budget(c, 0);
	assert_int_equal(channel_client_call_held(c, &m, MS, &got), ERR_FAILED_LOOKUP);
	uint32_t tag = got.tag;
	assert_int_equal(c->counters.doorbells, 0);
	assert_true(c->counters.sleeps >= 1);
	assert_int_equal(atomic_load(&c->shared->client_sleeping), 1);
	assert_int_equal(channel_client_outstanding(c), 1);
	assert_int_equal(channel_server_take(&server, &got), ERR_OK);
	answer(&got);
	assert_int_equal(server.link[0].counters.doorbells, 1);
	assert_int_equal(atomic_load(&client_bells[0].rung), 1);
	assert_int_equal(channel_client_wait(c, tag, 0, &got), ERR_OK);
	assert_int_equal(got.opcode, 1005);
	assert_int_equal(got.arg[0], 56);
	check_invariants();
}

/* A held call whose submit rang a server that said it sleeps does not look
 * before its sleep; the reply published before it (a server on another
 * hart, woken by something else) rang, so the sleep returns at once. */
static void test_call_held_rang_sleeps_first(void **state)
{
	(void)state;
	struct channel_client *c = &clients[0];
	struct channel_message m = message(7, 70), got;
	channel_client_set_poll_budget(c, 0);
	/* Answered ahead: a request queued and answered while "ring me" is
	 * up, so its ring is pending when the call sleeps. */
	atomic_store(&c->shared->server_sleeping, 1);
	atomic_store(&c->shared->client_sleeping, 1);
	uint32_t first;
	assert_int_equal(channel_client_submit(c, &m, &first), ERR_OK);
	assert_int_equal(channel_server_take(&server, &got), ERR_OK);
	answer(&got);
	uint64_t sleeps = c->counters.sleeps;
	/* The call waits for its own tag: the first reply is stashed, the
	 * second one (not yet there) times out. */
	struct channel_message second = message(8, 80);
	assert_int_equal(channel_client_call_held(c, &second, MS, &got), ERR_FAILED_LOOKUP);
	assert_int_equal(c->counters.doorbells, 2);
	assert_true(c->counters.sleeps >= sleeps + 1);
	assert_int_equal(channel_client_wait(c, first, 0, &got), ERR_OK);
	assert_int_equal(got.arg[0], 71);
	check_invariants();
}

/* Budget not 0, or no timeout: the call is channel_client_call. */
static void test_call_held_general(void **state)
{
	(void)state;
	struct channel_client *c = &clients[0];
	struct channel_message m = message(2, 20), got;
	channel_client_set_poll_budget(c, 3);
	assert_int_equal(channel_client_call_held(c, &m, MS, &got), ERR_FAILED_LOOKUP);
	assert_int_equal(atomic_load(&c->shared->client_sleeping), 0);
	uint32_t tag = got.tag;
	channel_client_set_poll_budget(c, 0);
	assert_int_equal(channel_client_call_held(c, &m, 0, &got), ERR_FAILED_LOOKUP);
	assert_int_equal(atomic_load(&c->shared->client_sleeping), 0);
	assert_int_equal(channel_client_outstanding(c), 2);
	assert_int_equal(channel_client_cancel(c, tag), ERR_OK);
	assert_int_equal(channel_client_cancel(c, got.tag), ERR_OK);
	/* A server that breaks its tail breaks the channel: the submit's
	 * error, "ring me" up or not. */
	atomic_store(&c->shared->response_tail, c->response_head + 1000);
	assert_int_equal(channel_client_poll(c, &got), ERR_ILLEGAL_OPERATION);
	assert_int_equal(channel_client_call_held(c, &m, MS, &got), ERR_ILLEGAL_OPERATION);
}

/* ---- Threads ---- */

#define CALLS 20000u
#define DEADLINE (5000u * MS) /* a lost wake-up fails a call */

#define STOP 99u

static _Atomic uint64_t failures;

/* Serves until a request with opcode STOP, sleeping with no deadline: a
 * request it leaves queued is never found by a timed-out wait. */
static void *serve(void *arg)
{
	(void)arg;
	struct channel_message request;
	for (;;) {
		if (channel_server_wait(&server, CHANNEL_FOREVER, &request) != ERR_OK) {
			atomic_fetch_add(&failures, 1);
			return NULL;
		}
		answer(&request);
		if (request.opcode == STOP)
			return NULL;
	}
}

/* Client `which` makes CALLS calls: held at budget 0 (client 0), or the
 * general rule alternating budgets 0 and 16 (client 1). */
static void *call(void *arg)
{
	int which = (int)(intptr_t)arg;
	struct channel_client *c = &clients[which];
	for (uint32_t n = 0; n < CALLS; n++) {
		struct channel_message m = message((uint32_t)which, n), got;
		enum error err;
		if (which == 0) {
			err = channel_client_call_held(c, &m, DEADLINE, &got);
		} else {
			channel_client_set_poll_budget(c, n % 2 ? 16 : 0);
			err = channel_client_call(c, &m, DEADLINE, &got);
		}
		if (err != ERR_OK || got.arg[0] != n + 1 || got.opcode != 1000u + (uint32_t)which) {
			atomic_fetch_add(&failures, 1);
			return NULL;
		}
	}
	return NULL;
}

/* Both clients at once against a server that sleeps at once: a server
 * that slept without a look after a wake (one wake, both rings, one take)
 * or a client whose "ring me" came too late would leave a call to its
 * deadline. */
static void test_threads(void **state)
{
	(void)state;
	channel_server_set_poll_budget(&server, 0);
	channel_client_set_poll_budget(&clients[0], 0);
	atomic_store(&failures, 0);
	pthread_t s, c[2];
	assert_int_equal(pthread_create(&s, NULL, serve, NULL), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&c[i], NULL, call, (void *)(intptr_t)i), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_join(c[i], NULL), 0);
	struct channel_message stop = message(STOP, 0), got;
	assert_int_equal(channel_client_call_held(&clients[0], &stop, DEADLINE, &got), ERR_OK);
	assert_int_equal(pthread_join(s, NULL), 0);
	assert_int_equal(atomic_load(&failures), 0);
	/* The held client kept its word up all along. */
	assert_int_equal(atomic_load(&clients[0].shared->client_sleeping), 1);
	check_invariants();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_server_ring_me_stays, setup),
		cmocka_unit_test_setup(test_call_held_times_out_and_rings, setup),
		cmocka_unit_test_setup(test_call_held_rang_sleeps_first, setup),
		cmocka_unit_test_setup(test_call_held_general, setup),
		cmocka_unit_test_setup(test_threads, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
