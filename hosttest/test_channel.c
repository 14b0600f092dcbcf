/* SPDX-License-Identifier: MIT */
/*
 * Tests of libos/channel_client.c and libos/channel_server.c on one
 * thread: every API path and every error code, malformed entries written
 * straight into the shared buffer (a hostile peer on either side), broken
 * indices, reply-room reservation, priorities, and the doorbell rule. The
 * threaded tests are in test_channel_stress.c and test_channel_hostile.c.
 */
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

static _Alignas(4096) uint8_t buffers[3][BUFFER_BYTES];
static struct channel_client clients[3];
static struct channel_server server;
static struct channel_doorbell client_bells[3], server_bell;

static int setup(void **state)
{
	(void)state;
	memset(buffers, 0, sizeof(buffers));
	channel_doorbell_init(&server_bell);
	channel_server_init(&server, &server_bell);
	for (int i = 0; i < 3; i++) {
		channel_doorbell_init(&client_bells[i]);
		assert_int_equal(channel_client_init(&clients[i], buffers[i], BUFFER_BYTES, DEPTH,
						     &client_bells[i], &server_bell),
				 ERR_OK);
	}
	assert_int_equal(
	    channel_server_attach(&server, 0, buffers[0], BUFFER_BYTES, 1, &client_bells[0]),
	    ERR_OK);
	return 0;
}

static void check_invariants(void)
{
	for (int i = 0; i < 3; i++)
		assert_int_equal(channel_client_check_invariants(&clients[i]), ERR_OK);
	assert_int_equal(channel_server_check_invariants(&server), ERR_OK);
}

static struct channel_message message(uint32_t opcode, uint64_t arg0, uint32_t length)
{
	struct channel_message m = { .opcode = opcode, .arg = { arg0, 2, 3, 4 }, .length = length };
	for (uint32_t i = 0; i < length; i++)
		m.payload[i] = (uint8_t)(opcode + i);
	return m;
}

/* A copy of a server for the invariant tests, whose pointers (`single`,
 * each link's `reply_slot`) point into the copy: a plain copy fails the checker
 * for that alone, whatever the corruption under test. */
static void server_copy(struct channel_server *to, const struct channel_server *from)
{
	*to = *from;
	to->single = from->single == &from->idle ? &to->idle : &to->link[from->single - from->link];
	for (uint32_t index = 0; index < CHANNEL_MAX_CHANNELS; index++) {
		to->link[index].reply_slot = &to->reply_slot[index * CHANNEL_MAX_DEPTH];
	}
}

/* Take one request and answer it with status = opcode + 1000, arg0 echoed. */
static void serve_one(void)
{
	struct channel_message request, reply;
	assert_int_equal(channel_server_take(&server, &request), ERR_OK);
	reply = message(request.opcode + 1000, request.arg[0], request.length);
	reply.handle = request.handle;
	assert_int_equal(channel_server_reply(&server, &reply), ERR_OK);
}

static void test_buffer_size(void **state)
{
	(void)state;
	assert_int_equal(channel_buffer_size(1), 4096);
	assert_int_equal(channel_buffer_size(4), 4096);
	assert_int_equal(channel_buffer_size(8), 8192);
	assert_int_equal(channel_buffer_size(64), 45056);
	assert_int_equal(sizeof(struct channel_shared), 256);
	assert_int_equal(sizeof(struct channel_entry), 320);
}

static void test_client_init_errors(void **state)
{
	(void)state;
	struct channel_client c;
	assert_int_equal(channel_client_init(NULL, buffers[1], BUFFER_BYTES, 4, NULL, NULL),
			 ERR_INVALID_ARGUMENT);
	assert_int_equal(channel_client_init(&c, NULL, BUFFER_BYTES, 4, NULL, NULL),
			 ERR_INVALID_ARGUMENT);
	assert_int_equal(channel_client_init(&c, buffers[1], BUFFER_BYTES, 0, NULL, NULL),
			 ERR_INVALID_ARGUMENT);
	assert_int_equal(channel_client_init(&c, buffers[1], BUFFER_BYTES, 3, NULL, NULL),
			 ERR_INVALID_ARGUMENT);
	assert_int_equal(channel_client_init(&c, buffers[1], BUFFER_BYTES, 128, NULL, NULL),
			 ERR_INVALID_ARGUMENT);
	assert_int_equal(channel_client_init(&c, buffers[1] + 8, BUFFER_BYTES - 8, 4, NULL, NULL),
			 ERR_ALIGNMENT);
	assert_int_equal(channel_client_init(&c, buffers[1], 4096, 8, NULL, NULL), ERR_RANGE);
	assert_int_equal(channel_client_init(&c, buffers[1], 4096, 4, NULL, NULL), ERR_OK);
	assert_int_equal(channel_client_outstanding(&c), 0);
	struct channel_shared *shared = (struct channel_shared *)buffers[1];
	assert_int_equal(shared->magic, CHANNEL_MAGIC);
	assert_int_equal(shared->response_offset, 256 + 4 * 320);
}

static void test_attach_errors(void **state)
{
	(void)state;
	struct channel_shared *shared = (struct channel_shared *)buffers[1];
	struct channel_doorbell *bell = &client_bells[1];
	assert_int_equal(channel_server_attach(&server, 64, buffers[1], BUFFER_BYTES, 0, bell),
			 ERR_RANGE);
	assert_int_equal(channel_server_attach(&server, 1, buffers[1], BUFFER_BYTES, 8, bell),
			 ERR_RANGE);
	assert_int_equal(channel_server_attach(&server, 0, buffers[1], BUFFER_BYTES, 0, bell),
			 ERR_DELETE_FIRST);
	assert_int_equal(channel_server_attach(&server, 1, NULL, BUFFER_BYTES, 0, bell),
			 ERR_INVALID_ARGUMENT);
	assert_int_equal(channel_server_attach(&server, 1, buffers[1] + 64, 4096, 0, bell),
			 ERR_ALIGNMENT);
	assert_int_equal(channel_server_attach(&server, 1, buffers[1], 255, 0, bell),
			 ERR_TRUNCATED_MESSAGE);
	assert_int_equal(channel_server_attach(&server, 1, buffers[1], 1024, 0, bell),
			 ERR_TRUNCATED_MESSAGE);
	/* Each geometry field, corrupted alone, is refused. */
	uint32_t *words = (uint32_t *)buffers[1];
	for (int field = 0; field < 12; field++) {
		if (field == 6 || field == 7)
			continue; /* the size: ERR_TRUNCATED_MESSAGE below */
		uint32_t saved = words[field];
		words[field] ^= field == 2 ? 12 : 1;
		assert_int_equal(
		    channel_server_attach(&server, 1, buffers[1], BUFFER_BYTES, 0, bell),
		    ERR_INVALID_ARGUMENT);
		words[field] = saved;
	}
	shared->depth = 0;
	assert_int_equal(channel_server_attach(&server, 1, buffers[1], BUFFER_BYTES, 0, bell),
			 ERR_INVALID_ARGUMENT);
	shared->depth = 128;
	assert_int_equal(channel_server_attach(&server, 1, buffers[1], BUFFER_BYTES, 0, bell),
			 ERR_INVALID_ARGUMENT);
	shared->depth = DEPTH;
	shared->size = BUFFER_BYTES * 2;
	assert_int_equal(channel_server_attach(&server, 1, buffers[1], BUFFER_BYTES, 0, bell),
			 ERR_TRUNCATED_MESSAGE);
	shared->size = 100;
	assert_int_equal(channel_server_attach(&server, 1, buffers[1], BUFFER_BYTES, 0, bell),
			 ERR_TRUNCATED_MESSAGE);
	shared->size = BUFFER_BYTES;
	assert_int_equal(channel_server_attach(&server, 1, buffers[1], BUFFER_BYTES, 0, bell),
			 ERR_OK);
	assert_int_equal(channel_server_link_state(&server, 1), CHANNEL_ACTIVE);
	assert_int_equal(channel_server_link_state(&server, 99), CHANNEL_DETACHED);
	assert_int_equal(channel_server_detach(&server, 64), ERR_RANGE);
	assert_int_equal(channel_server_detach(&server, 1), ERR_OK);
	assert_int_equal(channel_server_detach(&server, 1), ERR_ILLEGAL_OPERATION);
	check_invariants();
}

static void test_round_trip(void **state)
{
	(void)state;
	struct channel_client *c = &clients[0];
	struct channel_message request = message(7, 0x1234, 200), got, reply;
	request.flags = CHANNEL_FLAG_LARGE | CHANNEL_FLAG_LARGE_WRITABLE;
	request.large = (struct channel_large){ 0x10000, 0x3000 };
	uint32_t tag;
	assert_int_equal(channel_server_take(&server, &got), ERR_FAILED_LOOKUP);
	assert_int_equal(channel_client_submit(c, &request, &tag), ERR_OK);
	assert_int_equal(channel_client_outstanding(c), 1);
	check_invariants();
	assert_int_equal(channel_server_take(&server, &got), ERR_OK);
	assert_int_equal(got.opcode, 7);
	assert_int_equal(got.flags, request.flags);
	assert_int_equal(got.tag, tag);
	assert_int_equal(got.length, 200);
	assert_memory_equal(got.payload, request.payload, 200);
	assert_memory_equal(got.arg, request.arg, sizeof(got.arg));
	assert_int_equal(got.large.address, 0x10000);
	assert_int_equal(got.large.length, 0x3000);
	assert_int_equal(channel_handle_link(got.handle), 0);
	check_invariants();
	assert_int_equal(channel_client_wait(c, tag, 0, &reply), ERR_FAILED_LOOKUP);
	reply = message(0, 99, 256);
	reply.handle = got.handle;
	reply.flags = CHANNEL_FLAG_LARGE;
	reply.large = got.large;
	assert_int_equal(channel_server_reply(&server, &reply), ERR_OK);
	struct channel_message answer;
	assert_int_equal(channel_client_wait(c, tag, CHANNEL_FOREVER, &answer), ERR_OK);
	assert_int_equal(answer.tag, tag);
	assert_int_equal(answer.opcode, 0);
	assert_int_equal(answer.arg[0], 99);
	assert_int_equal(answer.length, 256);
	assert_memory_equal(answer.payload, reply.payload, 256);
	assert_int_equal(answer.large.length, 0x3000);
	assert_int_equal(channel_client_outstanding(c), 0);
	/* The tag is free again and never valid twice. */
	assert_int_equal(channel_client_wait(c, tag, 0, &answer), ERR_INVALID_ARGUMENT);
	uint32_t again;
	assert_int_equal(channel_client_submit(c, &request, &again), ERR_OK);
	assert_int_not_equal(again, tag);
	assert_int_equal(channel_client_call(c, &request, 0, &answer), ERR_FAILED_LOOKUP);
	assert_int_equal(channel_client_outstanding(c), 2);
	serve_one();
	serve_one();
	assert_int_equal(channel_client_wait(c, answer.tag, 0, &got), ERR_OK);
	assert_int_equal(channel_client_wait(c, again, 0, &got), ERR_OK);
	check_invariants();
}

/* The payload bytes past `length` of an entry are zero, whatever the
 * sender's message held there: a server that reuses one message for many
 * clients leaks nothing of an earlier client's bytes (every length 0..17
 * each way and long ones, across the whole-word, masked and long copies:
 * memcpy, or words and a masked last word with CHANNEL_WORD_COPY). */
static void test_payload_tail_not_leaked(void **state)
{
	(void)state;
	const struct channel_entry *requests =
	    (const struct channel_entry *)(buffers[0] + CHANNEL_HEADER_SIZE);
	const struct channel_entry *responses = requests + DEPTH;
	static const uint32_t long_lengths[] = { 23, 24, 25, 100, 249, 255, 256 };
	for (uint32_t round = 0; round < 18 + sizeof(long_lengths) / sizeof(long_lengths[0]);
	     round++) {
		uint32_t length = round < 18 ? round : long_lengths[round - 18];
		uint32_t after =
		    length + 24 < CHANNEL_INLINE_MAX ? length + 24 : CHANNEL_INLINE_MAX;
		struct channel_message request = message(7, length, CHANNEL_INLINE_MAX);
		request.length = length;
		/* Without CHANNEL_FLAG_LARGE, words 6 and 7 are neither sent nor
		 * read: the taker sees zero. */
		request.large = (struct channel_large){ 0x10000, 0x1000 };
		uint32_t tag;
		assert_int_equal(channel_client_submit(&clients[0], &request, &tag), ERR_OK);
		const uint8_t *sent = requests[round % DEPTH].payload;
		assert_memory_equal(sent, request.payload, length);
		for (uint32_t i = length; i < after; i++)
			assert_int_equal(sent[i] == request.payload[i] && request.payload[i] != 0,
					 0);
		struct channel_message got, reply = message(9, 0, CHANNEL_INLINE_MAX);
		assert_int_equal(channel_server_take(&server, &got), ERR_OK);
		assert_int_equal(requests[round % DEPTH].word[6], 0);
		assert_int_equal(got.large.address | got.large.length, 0);
		reply.length = length;
		reply.handle = got.handle;
		assert_int_equal(channel_server_reply(&server, &reply), ERR_OK);
		const uint8_t *answered = responses[round % DEPTH].payload;
		assert_memory_equal(answered, reply.payload, length);
		for (uint32_t i = length; i < after; i++)
			assert_int_equal(answered[i] == reply.payload[i] && reply.payload[i] != 0,
					 0);
		struct channel_message back;
		assert_int_equal(channel_client_wait(&clients[0], tag, 0, &back), ERR_OK);
		assert_int_equal(back.length, length);
		assert_memory_equal(back.payload, reply.payload, length);
	}
	check_invariants();
}

/* channel_lowest_set (the de Bruijn version with CHANNEL_SOFT_CTZ) is
 * the index of the lowest set bit for every position and any higher bits. */
static void test_lowest_set(void **state)
{
	(void)state;
	uint64_t noise = 0x9e3779b97f4a7c15u;
	for (uint32_t bit = 0; bit < 64; bit++) {
		uint64_t low = UINT64_C(1) << bit;
		assert_int_equal(channel_lowest_set(low), bit);
		for (int i = 0; i < 64; i++) {
			noise = noise * 6364136223846793005u + 1442695040888963407u;
			uint64_t higher = bit == 63 ? 0 : noise << (bit + 1);
			assert_int_equal(channel_lowest_set(low | higher), bit);
		}
	}
}

/* A side that waits: attempts that succeed from attempt number `found_at`
 * on (0: never), and a record of its "ring me" word. */
struct wait_probe {
	uint32_t attempts, found_at, sleeping, said_sleeping;
	uint32_t sleeping_at_find; /* the word when the attempt succeeded */
	uint32_t progress_at;      /* this attempt does work without a result */
	uint64_t progress;
};

static enum error probe_attempt(void *context)
{
	struct wait_probe *p = context;
	p->attempts++;
	if (p->attempts == p->progress_at)
		p->progress++;
	if (p->found_at == 0 || p->attempts < p->found_at)
		return ERR_FAILED_LOOKUP;
	p->sleeping_at_find = p->sleeping;
	return ERR_OK;
}

static void probe_set_sleeping(void *context, uint32_t value)
{
	struct wait_probe *p = context;
	p->sleeping = value;
	p->said_sleeping += value;
}

/* channel_wait_rule, the waiting half of the doorbell rule, on one thread:
 * found while polling, nobody says "sleeping"; found by the re-check
 * after "sleeping" (an entry published before the peer could see the word),
 * nobody sleeps; a long poll stops at a deadline; never found, it sleeps
 * until the deadline and clears the word. */
static void test_wait_rule(void **state)
{
	(void)state;
	struct channel_doorbell bell;
	channel_doorbell_init(&bell);
	uint64_t sleeps = 0, later = channel_port_now() + 1000000000u;
	struct wait_probe p = { .found_at = 3 };
	assert_int_equal(channel_wait_rule(probe_attempt, probe_set_sleeping, &p, &bell, 4, later,
					   &sleeps, NULL),
			 ERR_OK);
	assert_int_equal(p.attempts, 3);
	assert_int_equal(p.said_sleeping, 0);
	assert_int_equal(sleeps, 0);
	/* Four polls find nothing; the fifth look is the re-check. */
	p = (struct wait_probe){ .found_at = 5 };
	assert_int_equal(channel_wait_rule(probe_attempt, probe_set_sleeping, &p, &bell, 4, later,
					   &sleeps, NULL),
			 ERR_OK);
	assert_int_equal(p.attempts, 5);
	assert_int_equal(p.said_sleeping, 1);
	assert_int_equal(p.sleeping_at_find, 1);
	assert_int_equal(p.sleeping, 0);
	assert_int_equal(sleeps, 0);
	/* The re-check did work without a result (answered a malformed
	 * entry): no sleep, poll again, found behind it. */
	p = (struct wait_probe){ .found_at = 6, .progress_at = 5 };
	assert_int_equal(channel_wait_rule(probe_attempt, probe_set_sleeping, &p, &bell, 4, later,
					   &sleeps, &p.progress),
			 ERR_OK);
	assert_int_equal(p.attempts, 6);
	assert_int_equal(p.said_sleeping, 1);
	assert_int_equal(p.sleeping, 0);
	assert_int_equal(sleeps, 0);
	/* A long poll honours a deadline that has passed every 256 polls. */
	p = (struct wait_probe){ .found_at = 0 };
	assert_int_equal(channel_wait_rule(probe_attempt, probe_set_sleeping, &p, &bell, 100000, 1,
					   &sleeps, NULL),
			 ERR_FAILED_LOOKUP);
	assert_int_equal(p.attempts, 256);
	assert_int_equal(p.said_sleeping, 0);
	/* Nothing comes: at least one sleep, then the deadline. */
	p = (struct wait_probe){ .found_at = 0 };
	uint64_t soon = channel_port_now() + 2000000u;
	assert_int_equal(
	    channel_wait_rule(probe_attempt, probe_set_sleeping, &p, &bell, 4, soon, &sleeps, NULL),
	    ERR_FAILED_LOOKUP);
	assert_true(sleeps >= 1);
	assert_true(channel_port_now() >= soon);
	assert_int_equal(p.sleeping, 0);
	assert_int_equal(p.said_sleeping, sleeps);
}

static void test_submit_errors(void **state)
{
	(void)state;
	struct channel_client *c = &clients[0];
	uint32_t tag;
	struct {
		uint32_t flags, length;
		uint64_t address, bytes;
		enum error expect;
	} cases[] = {
		{ 4, 0, 0, 0, ERR_INVALID_ARGUMENT },
		{ 0, 257, 0, 0, ERR_TRUNCATED_MESSAGE },
		{ CHANNEL_FLAG_LARGE_WRITABLE, 0, 0, 0, ERR_INVALID_ARGUMENT },
		{ CHANNEL_FLAG_LARGE, 0, 4097, 4096, ERR_ALIGNMENT },
		{ CHANNEL_FLAG_LARGE, 0, 4096, 100, ERR_ALIGNMENT },
		{ CHANNEL_FLAG_LARGE, 0, 4096, 0, ERR_RANGE },
		{ CHANNEL_FLAG_LARGE, 0, 4096, CHANNEL_LARGE_MAX + 4096, ERR_RANGE },
		{ CHANNEL_FLAG_LARGE, 0, CHANNEL_USER_LIMIT, 4096, ERR_RANGE },
		{ CHANNEL_FLAG_LARGE, 0, CHANNEL_USER_LIMIT - 4096, 8192, ERR_RANGE },
		{ CHANNEL_FLAG_LARGE, 256, CHANNEL_USER_LIMIT - 4096, 4096, ERR_OK },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct channel_message m = { .flags = cases[i].flags,
					     .length = cases[i].length,
					     .large = { cases[i].address, cases[i].bytes } };
		assert_int_equal(
		    channel_message_check(m.flags, m.length, m.large.address, m.large.length),
		    cases[i].expect);
		assert_int_equal(channel_client_submit(c, &m, &tag), cases[i].expect);
	}
	/* Without CHANNEL_FLAG_LARGE the large-buffer words are ignored. */
	assert_int_equal(channel_message_check(0, 0, 4096, 0), ERR_OK);
	struct channel_message m = message(1, 0, 0);
	for (int i = 1; i < DEPTH; i++)
		assert_int_equal(channel_client_submit(c, &m, &tag), ERR_OK);
	assert_int_equal(channel_client_submit(c, &m, &tag), ERR_NOT_ENOUGH_MEMORY);
	check_invariants();
	for (int i = 0; i < DEPTH; i++)
		serve_one();
	struct channel_message r;
	for (int i = 0; i < DEPTH; i++)
		assert_int_equal(channel_client_poll(c, &r), ERR_OK);
	assert_int_equal(channel_client_poll(c, &r), ERR_FAILED_LOOKUP);
	check_invariants();
}

/* A request's slot (client tag, server reply slot) is its queue position
 * while that is free; a request depth requests earlier and still
 * outstanding holds it, and the next request at that position gets another
 * free slot (out of line) on each side. */
static void test_reply_slot_position_taken(void **state)
{
	(void)state;
	struct channel_client *c = &clients[0];
	struct channel_message m = message(7, 70, 8), held, got, reply;
	uint32_t held_tag, tag;
	assert_int_equal(channel_client_submit(c, &m, &held_tag), ERR_OK);
	assert_int_equal(channel_server_take(&server, &held), ERR_OK);
	assert_int_equal(channel_handle_slot(held.handle), 0);
	for (uint32_t i = 1; i <= DEPTH; i++) {
		m.arg[0] = i;
		assert_int_equal(channel_client_submit(c, &m, &tag), ERR_OK);
		assert_int_equal(channel_server_take(&server, &got), ERR_OK);
		/* Positions 1..DEPTH-1 are their own slots on both sides;
		 * position DEPTH is slot 0's, still held: the lowest free one
		 * (1) instead. */
		assert_int_equal(tag & CHANNEL_TAG_SLOT_MASK, i < DEPTH ? i : 1u);
		assert_int_equal(channel_handle_slot(got.handle), i < DEPTH ? i : 1u);
		reply = message(0, got.arg[0], 8);
		reply.handle = got.handle;
		assert_int_equal(channel_server_reply(&server, &reply), ERR_OK);
		assert_int_equal(channel_client_wait(c, tag, 0, &got), ERR_OK);
		assert_int_equal(got.arg[0], i);
		check_invariants();
	}
	reply = message(0, 99, 8);
	reply.handle = held.handle;
	assert_int_equal(channel_server_reply(&server, &reply), ERR_OK);
	assert_int_equal(channel_server_reply(&server, &reply), ERR_INVALID_ARGUMENT);
	assert_int_equal(channel_client_wait(c, held_tag, 0, &got), ERR_OK);
	assert_int_equal(got.arg[0], 99);
	check_invariants();
}

static void test_out_of_order(void **state)
{
	(void)state;
	struct channel_client *c = &clients[0];
	uint32_t tags[DEPTH];
	struct channel_message requests[DEPTH], reply, got;
	for (int i = 0; i < DEPTH; i++) {
		struct channel_message m = message((uint32_t)i, (uint64_t)i * 10, (uint32_t)i);
		assert_int_equal(channel_client_submit(c, &m, &tags[i]), ERR_OK);
		assert_int_equal(channel_server_take(&server, &requests[i]), ERR_OK);
	}
	/* Answer in reverse order; wait for the first tag: the others are
	 * stashed, then come out of wait(ANY) and poll. */
	for (int i = DEPTH - 1; i >= 0; i--) {
		reply = message(requests[i].opcode + 1000, requests[i].arg[0], 3);
		reply.handle = requests[i].handle;
		assert_int_equal(channel_server_reply(&server, &reply), ERR_OK);
		/* A handle answers once. */
		assert_int_equal(channel_server_reply(&server, &reply), ERR_INVALID_ARGUMENT);
	}
	assert_int_equal(channel_client_wait(c, tags[0], 0, &got), ERR_OK);
	assert_int_equal(got.tag, tags[0]);
	assert_int_equal(got.opcode, 1000);
	check_invariants();
	assert_int_equal(channel_client_wait(c, tags[2], 0, &got), ERR_OK);
	assert_int_equal(got.arg[0], 20);
	assert_int_equal(channel_client_wait(c, CHANNEL_ANY, 0, &got), ERR_OK);
	assert_int_equal(channel_client_poll(c, &got), ERR_OK);
	assert_int_equal(channel_client_outstanding(c), 0);
	assert_int_equal(channel_client_wait(c, CHANNEL_ANY, 0, &got), ERR_INVALID_ARGUMENT);
	assert_int_equal(channel_client_wait(c, 63, 0, &got), ERR_INVALID_ARGUMENT);
	assert_int_equal(channel_client_wait(c, tags[1], 0, &got), ERR_INVALID_ARGUMENT);
	check_invariants();
}

/* wait(tag, 0) off the inline path: long replies delivered straight from
 * the queue (first in it, and after stashing another), a short one on the
 * inline path, and a 9-byte reply stashed and delivered later (payload
 * copies of every size class). */
static void test_wait_now_uncommon_replies(void **state)
{
	(void)state;
	struct channel_client *c = &clients[0];
	uint32_t tags[4];
	struct channel_message requests[4], reply, got;
	static const uint32_t lengths[4] = { 12, 200, 9, 100 };
	for (int i = 0; i < 4; i++) {
		struct channel_message m = message((uint32_t)i, (uint64_t)i, 0);
		assert_int_equal(channel_client_submit(c, &m, &tags[i]), ERR_OK);
		assert_int_equal(channel_server_take(&server, &requests[i]), ERR_OK);
	}
	for (int i = 3; i >= 0; i--) {
		reply = message(requests[i].opcode + 1000, requests[i].arg[0], lengths[i]);
		reply.handle = requests[i].handle;
		assert_int_equal(channel_server_reply(&server, &reply), ERR_OK);
	}
	/* Queue: 3 (100 bytes), 2 (9), 1 (200), 0 (12). 3 is first and long;
	 * waiting for 1 then stashes 2 and delivers 1 from the queue; 0 is
	 * short (inline); 2 comes from the stash. */
	static const int order[4] = { 3, 1, 0, 2 };
	for (int k = 0; k < 4; k++) {
		int i = order[k];
		assert_int_equal(channel_client_wait(c, tags[i], 0, &got), ERR_OK);
		assert_int_equal(got.tag, tags[i]);
		assert_int_equal(got.opcode, 1000 + (uint32_t)i);
		assert_int_equal(got.length, lengths[i]);
		for (uint32_t at = 0; at < lengths[i]; at++)
			assert_int_equal(got.payload[at], (uint8_t)(1000 + (uint32_t)i + at));
		check_invariants();
	}
	assert_int_equal(channel_client_outstanding(c), 0);
}

static void test_timeout_keeps_tag(void **state)
{
	(void)state;
	struct channel_client *c = &clients[0];
	channel_client_set_poll_budget(c, 3);
	struct channel_message m = message(5, 55, 8), got;
	uint32_t tag;
	assert_int_equal(channel_client_submit(c, &m, &tag), ERR_OK);
	uint64_t sleeps = c->counters.sleeps;
	assert_int_equal(channel_client_wait(c, tag, 2000000, &got), ERR_FAILED_LOOKUP);
	assert_true(c->counters.sleeps > sleeps);
	assert_int_equal(atomic_load(&c->shared->client_sleeping), 0);
	assert_int_equal(channel_client_wait(c, CHANNEL_ANY, 1000000, &got), ERR_FAILED_LOOKUP);
	assert_int_equal(channel_client_outstanding(c), 1);
	/* A poll budget longer than the timeout: the deadline still ends it. */
	channel_client_set_poll_budget(c, UINT32_MAX);
	sleeps = c->counters.sleeps;
	assert_int_equal(channel_client_wait(c, tag, 1000000, &got), ERR_FAILED_LOOKUP);
	assert_int_equal(c->counters.sleeps, sleeps);
	serve_one();
	/* The server saw no "sleeping" word: no doorbell. */
	assert_int_equal(server.link[0].counters.doorbells, 0);
	assert_int_equal(channel_client_wait(c, tag, 1000000, &got), ERR_OK);
	assert_int_equal(got.opcode, 1005);
	assert_int_equal(got.arg[0], 55);
	check_invariants();
}

static void test_doorbells_only_for_sleepers(void **state)
{
	(void)state;
	struct channel_client *c = &clients[0];
	struct channel_message m = message(1, 1, 0), got;
	uint32_t tag;
	assert_int_equal(channel_client_submit(c, &m, &tag), ERR_OK);
	assert_int_equal(c->counters.doorbells, 0);
	atomic_store(&c->shared->server_sleeping, 1);
	assert_int_equal(channel_client_submit(c, &m, &tag), ERR_OK);
	assert_int_equal(c->counters.doorbells, 1);
	assert_int_equal(atomic_load(&server_bell.rings), 1);
	atomic_store(&c->shared->client_sleeping, 1);
	serve_one();
	assert_int_equal(server.link[0].counters.doorbells, 1);
	assert_int_equal(atomic_load(&client_bells[0].rings), 1);
	atomic_store(&c->shared->client_sleeping, 0);
	serve_one();
	assert_int_equal(server.link[0].counters.doorbells, 1);
	/* The ring was sticky: a sleep after it returns at once. */
	assert_true(channel_port_sleep(&client_bells[0], channel_port_now() + 5000000000u));
	assert_int_equal(channel_client_wait(c, CHANNEL_ANY, 0, &got), ERR_OK);
	assert_int_equal(channel_client_wait(c, CHANNEL_ANY, 0, &got), ERR_OK);
}

static void test_server_wait(void **state)
{
	(void)state;
	struct channel_message got;
	channel_server_set_poll_budget(&server, 2);
	assert_int_equal(channel_server_wait(&server, 0, &got), ERR_FAILED_LOOKUP);
	assert_int_equal(channel_server_wait(&server, 1000000, &got), ERR_FAILED_LOOKUP);
	assert_true(server.sleeps >= 1);
	channel_server_set_poll_budget(&server, UINT32_MAX);
	uint64_t sleeps = server.sleeps;
	assert_int_equal(channel_server_wait(&server, 1000000, &got), ERR_FAILED_LOOKUP);
	assert_int_equal(server.sleeps, sleeps);
	assert_int_equal(atomic_load(&clients[0].shared->server_sleeping), 0);
	struct channel_message m = message(3, 3, 0);
	uint32_t tag;
	assert_int_equal(channel_client_submit(&clients[0], &m, &tag), ERR_OK);
	assert_int_equal(channel_server_wait(&server, CHANNEL_FOREVER, &got), ERR_OK);
	assert_int_equal(got.tag, tag);
}

static void test_reply_errors(void **state)
{
	(void)state;
	struct channel_message m = message(1, 1, 0), got, reply;
	uint32_t tag;
	assert_int_equal(channel_client_submit(&clients[0], &m, &tag), ERR_OK);
	assert_int_equal(channel_server_take(&server, &got), ERR_OK);
	reply = message(0, 0, 0);
	reply.handle = got.handle ^ (1u << 16);
	assert_int_equal(channel_server_reply(&server, &reply), ERR_INVALID_ARGUMENT);
	reply.handle = got.handle ^ 1;
	assert_int_equal(channel_server_reply(&server, &reply), ERR_INVALID_ARGUMENT);
	/* Another link's bits; another tag (not part of the slot index, so
	 * it lands on the valid slot: all 64 bits must match). */
	reply.handle = got.handle | channel_handle_naming_link(5);
	assert_int_equal(channel_handle_link(reply.handle), 5);
	assert_int_equal(channel_server_reply(&server, &reply), ERR_INVALID_ARGUMENT);
	reply.handle = got.handle ^ UINT64_C(1) << 32;
	assert_int_equal(channel_server_reply(&server, &reply), ERR_INVALID_ARGUMENT);
	reply.handle = channel_handle_naming_link(0); /* generation 0: never valid */
	assert_int_equal(channel_server_reply(&server, &reply), ERR_INVALID_ARGUMENT);
	reply.handle = got.handle;
	reply.flags = 8;
	assert_int_equal(channel_server_reply(&server, &reply), ERR_INVALID_ARGUMENT);
	reply.flags = 0;
	reply.length = 300;
	assert_int_equal(channel_server_reply(&server, &reply), ERR_TRUNCATED_MESSAGE);
	reply.length = 0;
	reply.flags = CHANNEL_FLAG_LARGE;
	reply.large.address = 12;
	reply.large.length = 4096;
	assert_int_equal(channel_server_reply(&server, &reply), ERR_ALIGNMENT);
	reply.large.address = 0;
	reply.large.length = 0;
	assert_int_equal(channel_server_reply(&server, &reply), ERR_RANGE);
	check_invariants();
	/* Detach: the handle dies with the link. */
	assert_int_equal(channel_server_detach(&server, 0), ERR_OK);
	reply.flags = 0;
	assert_int_equal(channel_server_reply(&server, &reply), ERR_INVALID_ARGUMENT);
	assert_int_equal(channel_server_take(&server, &got), ERR_FAILED_LOOKUP);
	check_invariants();
}

/* Write a raw request entry as a hostile client would, and publish it. */
static void raw_request(int channel, uint64_t w0, uint64_t w1, uint64_t w6, uint64_t w7)
{
	struct channel_shared *shared = (struct channel_shared *)buffers[channel];
	uint32_t tail = atomic_load(&shared->request_tail);
	struct channel_entry *e =
	    (struct channel_entry *)(buffers[channel] + 256) + (tail & (DEPTH - 1));
	memset(e, 0, sizeof(*e));
	e->word[0] = w0;
	e->word[1] = w1;
	e->word[6] = w6;
	e->word[7] = w7;
	atomic_store(&shared->request_tail, tail + 1);
}

static void test_malformed_requests_answered(void **state)
{
	(void)state;
	struct channel_client *c = &clients[0];
	struct channel_message got;
	/* Requests the client library would refuse, written raw; each is
	 * answered by the server library, which hands none of them over. */
	struct {
		uint32_t length, flags;
		uint64_t w6, w7;
		enum error expect;
	} cases[] = {
		{ 0, 16, 0, 0, ERR_INVALID_ARGUMENT },
		{ 257, 0, 0, 0, ERR_TRUNCATED_MESSAGE },
		{ 0, CHANNEL_FLAG_LARGE, 5, 4096, ERR_ALIGNMENT },
		{ 0, CHANNEL_FLAG_LARGE, 4096, 0, ERR_RANGE },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* A real pending tag, so the client accepts the answer. */
		uint32_t tag;
		struct channel_message m = message(1, 1, 0);
		assert_int_equal(channel_client_submit(c, &m, &tag), ERR_OK);
		/* Rewrite the submitted entry in place before the server reads it. */
		struct channel_entry *e = &c->requests[(c->request_tail - 1) & c->mask];
		e->word[0] = channel_word0(1, tag);
		e->word[1] = channel_word1(cases[i].length, cases[i].flags);
		e->word[6] = cases[i].w6;
		e->word[7] = cases[i].w7;
		assert_int_equal(channel_server_take(&server, &got), ERR_FAILED_LOOKUP);
		assert_int_equal(server.link[0].counters.rejected, i + 1);
		assert_int_equal(channel_server_link_taken(&server, 0), 0);
		struct channel_message answer;
		assert_int_equal(channel_client_wait(c, tag, 0, &answer), ERR_OK);
		assert_int_equal(answer.opcode, cases[i].expect);
		assert_int_equal(answer.length, 0);
		check_invariants();
	}
	assert_int_equal(channel_server_link_state(&server, 0), CHANNEL_ACTIVE);
	/* Handed over: the valid ones only, the malformed ones counted apart. */
	struct channel_message m = message(1, 1, 0);
	uint32_t tag;
	assert_int_equal(channel_client_submit(c, &m, &tag), ERR_OK);
	assert_int_equal(channel_server_take(&server, &got), ERR_OK);
	assert_int_equal(channel_server_link_taken(&server, 0), 1);
	assert_int_equal(server.link[0].counters.rejected, sizeof(cases) / sizeof(cases[0]));
}

/* Issue 17: a wait that answers a malformed request made progress and must
 * not sleep after it. Two malformed requests ahead of a valid one, poll
 * budget 0: the first look answers the first, the re-check after "ring me"
 * answers the second; the valid one must be taken then, not after a sleep
 * to the deadline. With one link (inline path) and with two (general). */
static void malformed_ahead_of_valid(int links)
{
	struct channel_client *c = &clients[0];
	if (links == 2)
		assert_int_equal(channel_server_attach(&server, 1, buffers[1], BUFFER_BYTES, 1,
						       &client_bells[1]),
				 ERR_OK);
	uint32_t tags[3];
	for (int i = 0; i < 3; i++) {
		struct channel_message m = message(7, (uint64_t)i, 0);
		assert_int_equal(channel_client_submit(c, &m, &tags[i]), ERR_OK);
		if (i < 2)
			c->requests[(c->request_tail - 1) & c->mask].word[1] = channel_word1(0, 16);
	}
	channel_server_set_poll_budget(&server, 0);
	struct channel_message got;
	uint64_t start = channel_port_now();
	assert_int_equal(channel_server_wait(&server, 2000000000u, &got), ERR_OK);
	assert_int_equal(got.tag, tags[2]);
	assert_int_equal(server.sleeps, 0);
	assert_true(channel_port_now() - start < 1000000000u);
	assert_int_equal(server.link[0].counters.rejected, 2);
	/* A server that sleeps at once keeps "ring me" up. */
	assert_int_equal(atomic_load(&c->shared->server_sleeping), 1);
	assert_true(server.ring_me & 1);
	for (int i = 0; i < 2; i++) {
		struct channel_message answer;
		assert_int_equal(channel_client_wait(c, tags[i], 0, &answer), ERR_OK);
		assert_int_equal(answer.opcode, ERR_INVALID_ARGUMENT);
	}
	check_invariants();
}

static void test_malformed_then_valid_one_link(void **state)
{
	(void)state;
	malformed_ahead_of_valid(1);
}

static void test_malformed_then_valid_two_links(void **state)
{
	(void)state;
	malformed_ahead_of_valid(2);
}

/* Issue 17: a server that never answers. Each call times out and keeps its
 * tag; after DEPTH of them submit fails. Cancelling gives the slots back
 * (the queue stays full while the server takes nothing, as documented); a
 * channel torn down and initialised again works. */
static void test_cancel_server_never_answers(void **state)
{
	(void)state;
	struct channel_client *c = &clients[0];
	struct channel_message m = message(5, 5, 8), got;
	uint32_t tags[DEPTH];
	for (int i = 0; i < DEPTH; i++) {
		assert_int_equal(channel_client_call(c, &m, 1000000, &got), ERR_FAILED_LOOKUP);
		tags[i] = got.tag;
	}
	uint32_t tag;
	assert_int_equal(channel_client_submit(c, &m, &tag), ERR_NOT_ENOUGH_MEMORY);
	for (int i = 0; i < DEPTH; i++)
		assert_int_equal(channel_client_cancel(c, tags[i]), ERR_OK);
	check_invariants();
	assert_int_equal(channel_client_outstanding(c), 0);
	assert_int_equal(channel_client_cancel(c, tags[0]), ERR_INVALID_ARGUMENT);
	assert_int_equal(channel_client_cancel(c, CHANNEL_ANY), ERR_INVALID_ARGUMENT);
	assert_int_equal(channel_client_wait(c, tags[0], 0, &got), ERR_INVALID_ARGUMENT);
	/* The slots are back; the queue is not (the server took nothing). */
	assert_int_equal(channel_client_submit(c, &m, &tag), ERR_NOT_ENOUGH_MEMORY);
	/* Tear down and start again on the same buffer. */
	assert_int_equal(channel_server_detach(&server, 0), ERR_OK);
	assert_int_equal(
	    channel_client_init(c, buffers[0], BUFFER_BYTES, DEPTH, &client_bells[0], &server_bell),
	    ERR_OK);
	assert_int_equal(
	    channel_server_attach(&server, 0, buffers[0], BUFFER_BYTES, 1, &client_bells[0]),
	    ERR_OK);
	assert_int_equal(channel_client_submit(c, &m, &tag), ERR_OK);
	serve_one();
	assert_int_equal(channel_client_wait(c, tag, 0, &got), ERR_OK);
	assert_int_equal(got.opcode, 1005);
	check_invariants();
}

/* A slot's tag generation wraps with the 32 bits and stays valid; no tag is
 * CHANNEL_ANY (bit 6 of a tag is never set), and a tag with bit 6 set is
 * nobody's. */
static void test_tag_generation_wraps(void **state)
{
	(void)state;
	struct channel_client *c = &clients[0];
	struct channel_message m = message(3, 3, 0), got;
	uint32_t slot = c->request_tail & c->mask, tag;
	c->slot[slot].word = 0xffffff80u | 64u | slot; /* FREE, the last generation */
	check_invariants();
	assert_int_equal(channel_client_submit(c, &m, &tag), ERR_OK);
	assert_int_equal(tag, slot); /* generation 0 again */
	assert_int_not_equal(tag, CHANNEL_ANY);
	assert_int_equal(channel_client_wait(c, tag | 64u, 0, &got), ERR_INVALID_ARGUMENT);
	assert_int_equal(channel_client_wait(c, 0xffffff80u | slot, 0, &got), ERR_INVALID_ARGUMENT);
	serve_one();
	assert_int_equal(channel_client_wait(c, tag, 0, &got), ERR_OK);
	assert_int_equal(got.opcode, 1003);
	/* A FREE slot's word is its last tag with bit 6 set: the tag it names
	 * keeps the slot's number in its low six bits. */
	assert_int_equal(c->slot[slot].word, tag | 64u);
	c->slot[slot].word ^= 1u;
	assert_int_not_equal(channel_client_check_invariants(c), ERR_OK);
	c->slot[slot].word ^= 1u;
	check_invariants();
}

/* A server handle's generation (bits 12..31) wraps without touching the
 * slot's index or the tag in the high half: the reply still reaches its
 * tag, and the handle of the wrapped turn is refused afterwards. */
static void test_handle_generation_wraps(void **state)
{
	(void)state;
	struct channel_client *c = &clients[0];
	struct channel_message m = message(5, 5, 0), got, request;
	uint32_t slot = server.link[0].request_head & server.link[0].mask, tag;
	/* The last even generation: the take makes it odd, the reply wraps it. */
	server.link[0].reply_slot[slot].handle = 0xffffe000u | slot;
	check_invariants();
	for (int turn = 0; turn < 2; turn++) {
		assert_int_equal(channel_client_submit(c, &m, &tag), ERR_OK);
		assert_int_equal(channel_server_take(&server, &request), ERR_OK);
		assert_int_equal(channel_handle_slot(request.handle), slot);
		assert_int_equal(channel_handle_link(request.handle), 0);
		assert_int_equal(request.handle >> 32, tag);
		assert_int_equal((uint32_t)request.handle >> 12, turn == 0 ? 0xfffffu : 1u);
		struct channel_message reply = message(6, 6, 0);
		reply.handle = request.handle;
		assert_int_equal(channel_server_reply(&server, &reply), ERR_OK);
		assert_int_equal(channel_server_reply(&server, &reply), ERR_INVALID_ARGUMENT);
		assert_int_equal(channel_client_wait(c, tag, 0, &got), ERR_OK);
		assert_int_equal(got.opcode, 6);
		check_invariants();
		/* The next take of this slot: a whole turn of the queue later. */
		for (int i = 1; i < DEPTH; i++) {
			assert_int_equal(channel_client_submit(c, &m, &tag), ERR_OK);
			serve_one();
			assert_int_equal(channel_client_wait(c, tag, 0, &got), ERR_OK);
		}
	}
}

/* A late reply to a cancelled tag is never delivered, not even to the
 * request that reused its slot (the generation differs); a cancelled
 * stashed reply is dropped. */
static void test_cancel_late_reply_dropped(void **state)
{
	(void)state;
	struct channel_client *c = &clients[0];
	struct channel_message m = message(1, 1, 0), got, late, reply;
	uint32_t old, fresh;
	assert_int_equal(channel_client_submit(c, &m, &old), ERR_OK);
	assert_int_equal(channel_server_take(&server, &late), ERR_OK);
	assert_int_equal(channel_client_cancel(c, old), ERR_OK);
	/* A request's slot is its queue position when FREE: go round the
	 * queue once so that the next request reuses the cancelled slot. */
	for (int i = 1; i < DEPTH; i++) {
		uint32_t filler;
		assert_int_equal(channel_client_submit(c, &m, &filler), ERR_OK);
		serve_one();
		assert_int_equal(channel_client_wait(c, filler, 0, &got), ERR_OK);
	}
	m = message(2, 2, 0);
	assert_int_equal(channel_client_submit(c, &m, &fresh), ERR_OK);
	assert_int_equal(fresh & CHANNEL_TAG_SLOT_MASK, old & CHANNEL_TAG_SLOT_MASK);
	assert_int_not_equal(fresh, old);
	reply = message(111, 0, 0);
	reply.handle = late.handle;
	assert_int_equal(channel_server_reply(&server, &reply), ERR_OK);
	uint64_t rejected = c->counters.rejected;
	assert_int_equal(channel_client_wait(c, fresh, 0, &got), ERR_FAILED_LOOKUP);
	assert_int_equal(c->counters.rejected, rejected + 1);
	serve_one();
	assert_int_equal(channel_client_wait(c, fresh, 0, &got), ERR_OK);
	assert_int_equal(got.opcode, 1002);
	assert_int_equal(got.tag, fresh);
	/* A reply stashed (DONE) while waiting for another tag, then cancelled. */
	uint32_t a, b;
	assert_int_equal(channel_client_submit(c, &m, &a), ERR_OK);
	assert_int_equal(channel_client_submit(c, &m, &b), ERR_OK);
	serve_one();
	serve_one();
	assert_int_equal(channel_client_wait(c, b, 0, &got), ERR_OK);
	assert_int_equal(channel_client_cancel(c, a), ERR_OK);
	assert_int_equal(channel_client_wait(c, CHANNEL_ANY, 0, &got), ERR_INVALID_ARGUMENT);
	assert_int_equal(channel_client_poll(c, &got), ERR_FAILED_LOOKUP);
	check_invariants();
}

/* After cancels more requests are in flight than slots, so the server can
 * be out of reply room with a request queued: the client that frees room by
 * dropping a late reply must ring a server that said it sleeps (else the
 * server sleeps on that request: the back-pressure lost wake-up). */
static void test_cancel_frees_room_and_rings(void **state)
{
	(void)state;
	struct channel_client *c = &clients[0];
	struct channel_message m = message(3, 3, 0), got, held[DEPTH];
	uint32_t tags[DEPTH], fresh;
	for (int i = 0; i < DEPTH; i++) {
		assert_int_equal(channel_client_submit(c, &m, &tags[i]), ERR_OK);
		assert_int_equal(channel_server_take(&server, &held[i]), ERR_OK);
	}
	for (int i = 0; i < DEPTH; i++)
		assert_int_equal(channel_client_cancel(c, tags[i]), ERR_OK);
	assert_int_equal(channel_client_submit(c, &m, &fresh), ERR_OK);
	for (int i = 0; i < DEPTH; i++) {
		struct channel_message reply = message(9, 0, 0);
		reply.handle = held[i].handle;
		assert_int_equal(channel_server_reply(&server, &reply), ERR_OK);
	}
	/* No reply room: the queued request waits; the server is about to
	 * sleep. */
	assert_int_equal(channel_server_take(&server, &got), ERR_FAILED_LOOKUP);
	atomic_store(&c->shared->server_sleeping, 1);
	uint64_t doorbells = c->counters.doorbells;
	assert_int_equal(channel_client_wait(c, fresh, 0, &got), ERR_FAILED_LOOKUP);
	assert_true(c->counters.doorbells > doorbells);
	assert_true(channel_port_sleep(&server_bell, channel_port_now()));
	atomic_store(&c->shared->server_sleeping, 0);
	assert_int_equal(channel_server_take(&server, &got), ERR_OK);
	assert_int_equal(got.tag, fresh);
	check_invariants();
}

static void test_client_broken_request_tail(void **state)
{
	(void)state;
	struct channel_message got;
	atomic_store(&clients[0].shared->request_tail, DEPTH + 1);
	assert_int_equal(channel_server_take(&server, &got), ERR_FAILED_LOOKUP);
	assert_int_equal(channel_server_link_state(&server, 0), CHANNEL_BROKEN);
	check_invariants();
	assert_int_equal(channel_server_detach(&server, 0), ERR_OK);
	assert_int_equal(channel_server_link_state(&server, 0), CHANNEL_DETACHED);
}

static void test_reply_to_broken_link(void **state)
{
	(void)state;
	struct channel_message m = message(1, 1, 0), got, reply = message(0, 0, 0);
	uint32_t tag;
	assert_int_equal(channel_client_submit(&clients[0], &m, &tag), ERR_OK);
	assert_int_equal(channel_server_take(&server, &got), ERR_OK);
	/* The client's response head runs ahead of what was written. */
	for (int i = 0; i < DEPTH - 1; i++)
		assert_int_equal(channel_client_submit(&clients[0], &m, &tag), ERR_OK);
	for (int i = 0; i < DEPTH - 1; i++) {
		struct channel_message other;
		assert_int_equal(channel_server_take(&server, &other), ERR_OK);
		reply.handle = other.handle;
		assert_int_equal(channel_server_reply(&server, &reply), ERR_OK);
	}
	struct channel_message next;
	atomic_store(&clients[0].shared->response_head, 77);
	assert_int_equal(channel_server_take(&server, &next), ERR_FAILED_LOOKUP);
	assert_int_equal(channel_server_link_state(&server, 0), CHANNEL_BROKEN);
	reply.handle = got.handle;
	assert_int_equal(channel_server_reply(&server, &reply), ERR_ILLEGAL_OPERATION);
	check_invariants();
	/* The break retired the handle: an even or a later generation of it is
	 * unknown, not "broken". */
	reply.handle = got.handle + CHANNEL_HANDLE_GENERATION;
	assert_int_equal(channel_server_reply(&server, &reply), ERR_INVALID_ARGUMENT);
	reply.handle = got.handle + 2 * CHANNEL_HANDLE_GENERATION;
	assert_int_equal(channel_server_reply(&server, &reply), ERR_INVALID_ARGUMENT);
	/* No slot of a broken link is taken. */
	static struct channel_server s;
	server_copy(&s, &server);
	assert_int_equal(channel_server_check_invariants(&s), ERR_OK);
	s.link[0].reply_slot[1].handle += CHANNEL_HANDLE_GENERATION;
	assert_int_not_equal(channel_server_check_invariants(&s), ERR_OK);
}

/* Write a raw response entry as a hostile server would, and publish it. */
static void raw_response(struct channel_client *c, uint64_t w0, uint64_t w1, uint64_t w6,
			 uint64_t w7)
{
	uint32_t tail = atomic_load(&c->shared->response_tail);
	struct channel_entry *e = &c->responses[tail & c->mask];
	memset(e, 0, sizeof(*e));
	e->word[0] = w0;
	e->word[1] = w1;
	e->word[6] = w6;
	e->word[7] = w7;
	atomic_store(&c->shared->response_tail, tail + 1);
}

/* A FREE slot's word is its last tag with bit 6 set (channel_queue.h): no
 * tag has bit 6, so neither a wait for that value nor a reply carrying it
 * may find the slot (the inline wait compares the word alone). */
static void test_free_slot_word_is_no_tag(void **state)
{
	(void)state;
	struct channel_client *c = &clients[1]; /* no server attached: we are it */
	struct channel_message m = message(1, 1, 0), got;
	uint32_t tag, other;
	assert_int_equal(channel_client_submit(c, &m, &tag), ERR_OK);
	raw_response(c, channel_word0(0, tag), 0, 0, 0);
	assert_int_equal(channel_client_wait(c, tag, 0, &got), ERR_OK);
	uint32_t slot = tag & CHANNEL_TAG_SLOT_MASK;
	assert_int_equal(c->slot[slot].word, tag | 64u); /* FREE */
	assert_int_equal(channel_client_wait(c, tag | 64u, 0, &got), ERR_INVALID_ARGUMENT);
	assert_int_equal(channel_client_cancel(c, tag | 64u), ERR_INVALID_ARGUMENT);
	/* A reply carrying it is dropped, not delivered to the FREE slot. */
	assert_int_equal(channel_client_submit(c, &m, &other), ERR_OK);
	raw_response(c, channel_word0(0, tag | 64u), 0, 0, 0);
	assert_int_equal(channel_client_wait(c, other, 0, &got), ERR_FAILED_LOOKUP);
	assert_int_equal(c->counters.rejected, 1);
	assert_int_equal(channel_client_wait(c, CHANNEL_ANY, 0, &got), ERR_FAILED_LOOKUP);
	assert_int_equal(c->slot[slot].word, tag | 64u);
	check_invariants();
}

static void test_hostile_server_replies(void **state)
{
	(void)state;
	struct channel_client *c = &clients[1]; /* no server attached: we are it */
	struct channel_message m = message(1, 1, 0), got;
	uint32_t tag, other;
	assert_int_equal(channel_client_submit(c, &m, &tag), ERR_OK);
	assert_int_equal(channel_client_submit(c, &m, &other), ERR_OK);
	/* Tags we never issued, a stale generation, a slot past depth: dropped. */
	raw_response(c, channel_word0(0, tag + 64), 0, 0, 0);
	raw_response(c, channel_word0(0, DEPTH + 1), 0, 0, 0);
	raw_response(c, channel_word0(0, tag ^ 2), 0, 0, 0);
	assert_int_equal(channel_client_wait(c, tag, 0, &got), ERR_FAILED_LOOKUP);
	assert_int_equal(c->counters.rejected, 3);
	/* A real tag with a bad shape: delivered as an error status. */
	raw_response(c, channel_word0(0, other), channel_word1(0, 0x80), 0, 0);
	raw_response(c, channel_word0(0, tag), channel_word1(999, 0), 0, 0);
	assert_int_equal(channel_client_wait(c, tag, 0, &got), ERR_OK);
	assert_int_equal(got.opcode, ERR_TRUNCATED_MESSAGE);
	assert_int_equal(channel_client_wait(c, other, 0, &got), ERR_OK);
	assert_int_equal(got.opcode, ERR_INVALID_ARGUMENT);
	/* The same tag twice: the second is dropped. */
	assert_int_equal(channel_client_submit(c, &m, &tag), ERR_OK);
	raw_response(c, channel_word0(0, tag), 0, 0, 0);
	raw_response(c, channel_word0(0, tag), 0, 0, 0);
	assert_int_equal(channel_client_wait(c, tag, 0, &got), ERR_OK);
	assert_int_equal(channel_client_poll(c, &got), ERR_FAILED_LOOKUP);
	assert_int_equal(c->counters.rejected, 6);
	check_invariants();
	/* A server that keeps writing garbage: each look reads at most depth
	 * entries, so a wait cannot be held past its deadline. (We, the
	 * server, also say we took every request so far.) */
	atomic_store(&c->shared->request_head, c->request_tail);
	assert_int_equal(channel_client_submit(c, &m, &tag), ERR_OK);
	for (int i = 0; i < DEPTH; i++)
		raw_response(c, channel_word0(0, tag + 64), 0, 0, 0);
	assert_int_equal(channel_client_wait(c, tag, 0, &got), ERR_FAILED_LOOKUP);
	raw_response(c, channel_word0(0, tag), 0, 0, 0);
	assert_int_equal(channel_client_wait(c, tag, 0, &got), ERR_OK);
	assert_int_equal(c->counters.rejected, 6 + DEPTH);
	check_invariants();
	/* A tail beyond depth breaks the channel for this client only. */
	atomic_store(&c->shared->request_head, c->request_tail);
	assert_int_equal(channel_client_submit(c, &m, &tag), ERR_OK);
	atomic_store(&c->shared->response_tail, atomic_load(&c->shared->response_tail) + DEPTH + 1);
	assert_int_equal(channel_client_wait(c, tag, 0, &got), ERR_ILLEGAL_OPERATION);
	assert_int_equal(c->state, CHANNEL_BROKEN);
	assert_int_equal(channel_client_submit(c, &m, &tag), ERR_ILLEGAL_OPERATION);
	assert_int_equal(channel_client_poll(c, &got), ERR_ILLEGAL_OPERATION);
	check_invariants();
}

static void test_hostile_server_request_head(void **state)
{
	(void)state;
	struct channel_client *c = &clients[1];
	struct channel_message m = message(1, 1, 0), got;
	uint32_t tag;
	for (int i = 0; i < DEPTH; i++)
		assert_int_equal(channel_client_submit(c, &m, &tag), ERR_OK);
	/* Answer all without moving the request head: the queue stays full. */
	for (uint32_t slot = 0; slot < DEPTH; slot++)
		raw_response(c, channel_word0(0, c->slot[slot].word), 0, 0,
			     0); /* PENDING: the tag */
	for (int i = 0; i < DEPTH; i++)
		assert_int_equal(channel_client_poll(c, &got), ERR_OK);
	assert_int_equal(channel_client_submit(c, &m, &tag), ERR_NOT_ENOUGH_MEMORY);
	assert_true(tag & 64u); /* a failed submit names no request */
	assert_int_equal(channel_client_wait(c, tag, 0, &got), ERR_INVALID_ARGUMENT);
	/* A head past our tail breaks the channel. */
	atomic_store(&c->shared->request_head, DEPTH + 3);
	assert_int_equal(channel_client_submit(c, &m, &tag), ERR_ILLEGAL_OPERATION);
	assert_int_equal(c->state, CHANNEL_BROKEN);
	/* A stashed reply is still delivered on a broken channel. */
	check_invariants();
}

static void test_stopped_reader_is_not_served(void **state)
{
	(void)state;
	/* A client that never reads replies: raw requests, no response head. */
	assert_int_equal(channel_server_detach(&server, 0), ERR_OK);
	assert_int_equal(
	    channel_server_attach(&server, 0, buffers[0], BUFFER_BYTES, 1, &client_bells[0]),
	    ERR_OK);
	struct channel_message got, reply = message(0, 0, 0);
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < DEPTH; i++)
			raw_request(0, channel_word0(0, (uint32_t)i), 0, 0, 0);
		if (round == 0) {
			for (int i = 0; i < DEPTH; i++) {
				assert_int_equal(channel_server_take(&server, &got), ERR_OK);
				reply.handle = got.handle;
				assert_int_equal(channel_server_reply(&server, &reply), ERR_OK);
			}
		}
		/* Every reply slot holds an unread reply: nothing more is taken,
		 * and the link is not broken. */
		assert_int_equal(channel_server_take(&server, &got), ERR_FAILED_LOOKUP);
		assert_int_equal(channel_server_link_state(&server, 0), CHANNEL_ACTIVE);
		check_invariants();
		if (round == 0)
			atomic_store(&clients[0].shared->request_tail, DEPTH);
		else
			break;
	}
	/* Reading two replies makes room for two requests. */
	atomic_store(&clients[0].shared->response_head, 2);
	assert_int_equal(channel_server_take(&server, &got), ERR_OK);
	assert_int_equal(channel_server_take(&server, &got), ERR_OK);
	assert_int_equal(channel_server_take(&server, &got), ERR_FAILED_LOOKUP);
	check_invariants();
}

static void test_priorities_and_round_robin(void **state)
{
	(void)state;
	/* Link 0 at priority 1 (setup), links 1 and 2 at priority 5. */
	for (int i = 1; i < 3; i++)
		assert_int_equal(channel_server_attach(&server, (uint32_t)i, buffers[i],
						       BUFFER_BYTES, 5, &client_bells[i]),
				 ERR_OK);
	struct channel_message m, got, reply = message(0, 0, 0);
	uint32_t tag;
	for (int i = 0; i < 3; i++) {
		for (int k = 0; k < 3; k++) {
			m = message((uint32_t)i, (uint64_t)k, 0);
			assert_int_equal(channel_client_submit(&clients[i], &m, &tag), ERR_OK);
		}
	}
	/* Priority 5 first, alternating 1, 2, 1, 2 ...; then link 0. */
	uint32_t expect[] = { 1, 2, 1, 2, 1, 2, 0, 0, 0 };
	for (size_t n = 0; n < 9; n++) {
		assert_int_equal(channel_server_take(&server, &got), ERR_OK);
		assert_int_equal(got.opcode, expect[n]);
		assert_int_equal(channel_handle_link(got.handle), expect[n]);
		reply.handle = got.handle;
		assert_int_equal(channel_server_reply(&server, &reply), ERR_OK);
		check_invariants();
	}
	assert_int_equal(channel_server_take(&server, &got), ERR_FAILED_LOOKUP);
	for (int i = 0; i < 3; i++)
		for (int k = 0; k < 3; k++)
			assert_int_equal(channel_client_poll(&clients[i], &got), ERR_OK);
	check_invariants();
}

/* The invariant checkers find each kind of corruption of private state. */
static void test_invariant_checkers_can_fail(void **state)
{
	(void)state;
	static struct channel_client c;
	static struct channel_server s;
	struct channel_message m = message(1, 1, 0), got;
	uint32_t tag;
	assert_int_equal(channel_client_submit(&clients[0], &m, &tag), ERR_OK);
	assert_int_equal(channel_client_submit(&clients[0], &m, &tag), ERR_OK);
	assert_int_equal(channel_server_take(&server, &got), ERR_OK);
	check_invariants();
	for (int which = 0; which < 10; which++) {
		c = clients[0];
		switch (which) {
		case 0: c.slot[40].word &= ~64u; break; /* PENDING past depth */
		case 1: c.done_slots = UINT64_C(1) << 3; break;
		case 2: c.slot[1].word += 1; break;
		case 3: c.slot[0].word ^= 32u; break; /* DONE without its bit */
		case 4: c.done_slots |= 1; break;
		case 5: c.request_head_seen -= DEPTH + 1; break;
		case 6: c.response_tail_seen += DEPTH + 1; break;
		case 7: c.request_at[2] = c.request_at[3]; break;
		case 8: c.response_at[1] = NULL; break;
		case 9: c.request_limit++; break;
		}
		assert_int_not_equal(channel_client_check_invariants(&c), ERR_OK);
	}
	server_copy(&s, &server);
	assert_int_equal(channel_server_check_invariants(&s), ERR_OK);
	for (int which = 0; which < 17; which++) {
		server_copy(&s, &server);
		switch (which) {
		case 0: s.by_priority[2] |= 1; break;
		case 1: s.active |= 2; break;
		case 2: s.priorities |= 1u << 6; break;
		case 3: s.link[0].state = CHANNEL_BROKEN; break;
		case 4: s.link[0].reply_slot[3].handle ^= 1; break;
		case 5: s.link[0].room++; break;
		case 6: s.link[0].response_head_seen -= DEPTH + 1; break;
		case 7: s.link[0].request_tail_seen += DEPTH + 1; break;
		case 8: s.link[0].reply_slot[40].handle += CHANNEL_HANDLE_GENERATION; break;
		case 9: s.link[1].reply_slot = s.link[0].reply_slot; break;
		case 10: s.link[0].reply_slot[1].handle = s.link[0].reply_slot[0].handle; break;
		case 11: s.idle.room = 1; break;
		case 12: s.idle.response_head_seen = 1; break;
		case 13: s.idle.response_tail = 1; break;
		case 14: s.idle.shared = s.link[0].shared; break;
		case 15: s.link[0].reply_slot[2].request = s.link[0].reply_slot[1].request; break;
		case 16: s.link[0].reply_slot[DEPTH].request = s.link[0].requests; break;
		}
		assert_int_not_equal(channel_server_check_invariants(&s), ERR_OK);
	}
	c = clients[0];
	c.state = CHANNEL_DETACHED;
	assert_int_equal(channel_client_check_invariants(&c), ERR_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buffer_size),
		cmocka_unit_test_setup(test_tag_generation_wraps, setup),
		cmocka_unit_test_setup(test_free_slot_word_is_no_tag, setup),
		cmocka_unit_test_setup(test_handle_generation_wraps, setup),
		cmocka_unit_test_setup(test_client_init_errors, setup),
		cmocka_unit_test_setup(test_attach_errors, setup),
		cmocka_unit_test_setup(test_round_trip, setup),
		cmocka_unit_test_setup(test_payload_tail_not_leaked, setup),
		cmocka_unit_test(test_lowest_set),
		cmocka_unit_test(test_wait_rule),
		cmocka_unit_test_setup(test_submit_errors, setup),
		cmocka_unit_test_setup(test_reply_slot_position_taken, setup),
		cmocka_unit_test_setup(test_out_of_order, setup),
		cmocka_unit_test_setup(test_wait_now_uncommon_replies, setup),
		cmocka_unit_test_setup(test_timeout_keeps_tag, setup),
		cmocka_unit_test_setup(test_doorbells_only_for_sleepers, setup),
		cmocka_unit_test_setup(test_server_wait, setup),
		cmocka_unit_test_setup(test_reply_errors, setup),
		cmocka_unit_test_setup(test_malformed_requests_answered, setup),
		cmocka_unit_test_setup(test_malformed_then_valid_one_link, setup),
		cmocka_unit_test_setup(test_malformed_then_valid_two_links, setup),
		cmocka_unit_test_setup(test_cancel_server_never_answers, setup),
		cmocka_unit_test_setup(test_cancel_late_reply_dropped, setup),
		cmocka_unit_test_setup(test_cancel_frees_room_and_rings, setup),
		cmocka_unit_test_setup(test_client_broken_request_tail, setup),
		cmocka_unit_test_setup(test_reply_to_broken_link, setup),
		cmocka_unit_test_setup(test_hostile_server_replies, setup),
		cmocka_unit_test_setup(test_hostile_server_request_head, setup),
		cmocka_unit_test_setup(test_stopped_reader_is_not_served, setup),
		cmocka_unit_test_setup(test_priorities_and_round_robin, setup),
		cmocka_unit_test_setup(test_invariant_checkers_can_fail, setup),
	};
	return cmocka_run_group_tests_name("channel", tests, NULL, NULL);
}
