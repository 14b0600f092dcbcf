/* SPDX-License-Identifier: MIT */
/*
 * Hostile peers and fairness for libos/channel_server.c.
 *
 * Hostile peer (threads): a server thread serves four channels; a hostile
 * thread writes random bytes and words over all of channel 0's buffer
 * (header, indices, sleeping words, entries), now and then restoring a
 * valid header so that the server re-attaches it; three well-behaved
 * client threads on channels 1..3 make calls and check every reply. The
 * server must never fault (ASan/UBSan), never stall, and serve channels
 * 1..3 without an error; whatever it takes from channel 0 it answers, or
 * is told the link is broken or gone.
 *
 * Fairness (one thread, exact): four channels at one priority. Channel 0
 * floods (its queue always full), forges (fills arguments with fake
 * timestamps, sets its sleeping word, sends malformed entries);
 * channel 3 stops reading replies. The bound of docs/channels.md: while k
 * channels have takeable work, any window of W takes gives each at most
 * ceil(W/k); a channel that does not read replies gets at most `depth`
 * requests taken until it reads. Also: a higher priority goes first.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "channel.h"
#include "channel_port_host.h"
#include "seed.h"

#define DEPTH 8
#define BYTES 8192
#define GOOD_CALLS 20000u

static _Alignas(4096) uint8_t buffers[4][BYTES];
static struct channel_client clients[4];
static struct channel_doorbell bells[4], server_bell;
static struct channel_server server;

/* ---- Hostile peer ---------------------------------------------------------------------------- */

static _Atomic int good_done;
static _Atomic int hostile_stop;
static uint8_t valid_header[64];
static const char *good_failure[4];
static uint64_t hostile_seed;
static uint64_t hostile_taken, hostile_rejected, hostile_attaches, hostile_breaks;

static uint64_t splitmix(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void *hostile_main(void *argument)
{
	(void)argument;
	uint64_t rng = hostile_seed;
	volatile uint8_t *bytes = buffers[0];
	volatile uint32_t *words = (volatile uint32_t *)(void *)buffers[0];
	while (!atomic_load_explicit(&hostile_stop, memory_order_relaxed)) {
		uint64_t r = splitmix(&rng);
		uint32_t entry = 256 + (uint32_t)((r >> 8) % DEPTH) * CHANNEL_ENTRY_SIZE;
		switch ((r >> 32) % 16) {
		case 0:
			/* Any byte of the buffer: header, indices, sleeping words. */
			bytes[r % BYTES] = (uint8_t)(r >> 40);
			break;
		case 1:
			/* A plausible request tail: entries get taken. */
			words[16] = words[32] + (uint32_t)((r >> 48) % (DEPTH + 1));
			break;
		case 2:
			/* Read every reply (or pretend to). */
			words[17] = words[33];
			break;
		case 3:
			if ((r >> 50) % 16 == 0)
				for (int i = 0; i < 64; i++)
					bytes[i] = valid_header[i];
			break;
		case 4:
		case 5:
			/* Valid flags and a small length: the entry is accepted. */
			bytes[entry + 8] = (uint8_t)(r >> 56) & 0x7f;
			for (int i = 9; i < 16; i++)
				bytes[entry + (uint32_t)i] = 0; /* length high bytes, flags */
			for (int i = 48; i < 64; i++)
				bytes[entry + (uint32_t)i] = 0; /* no large buffer */
			break;
		default:
			/* A random word somewhere in a request entry. */
			for (int i = 0; i < 8; i++)
				bytes[entry + (uint32_t)((r >> 16) % 40) * 8 + (uint32_t)i] =
				    (uint8_t)(r >> (8 * i));
			break;
		}
	}
	return NULL;
}

static void *good_main(void *argument)
{
	int id = (int)(intptr_t)argument;
	struct channel_client *c = &clients[id];
	struct channel_message request = { .opcode = 7, .length = 16 }, reply;
	for (uint32_t n = 0; n < GOOD_CALLS; n++) {
		request.arg[0] = (uint64_t)id;
		request.arg[1] = n;
		memcpy(request.payload, &n, sizeof(n));
		memcpy(request.payload + 8, &id, sizeof(id));
		enum error err = channel_client_call(c, &request, 5000000000ull, &reply);
		uint32_t echoed;
		memcpy(&echoed, reply.payload, sizeof(echoed));
		if (err != ERR_OK || reply.opcode != ERR_OK || reply.arg[0] != (uint64_t)id ||
		    reply.arg[1] != n || reply.length != 16 || echoed != n) {
			good_failure[id] = err == ERR_OK ? "wrong reply" : "call failed";
			break;
		}
	}
	atomic_fetch_add(&good_done, 1);
	return NULL;
}

static const char *serve_until_good_done(void)
{
	struct channel_message m;
	while (atomic_load(&good_done) < 3) {
		if (channel_server_link_state(&server, 0) == CHANNEL_BROKEN) {
			hostile_breaks++;
			hostile_rejected += server.link[0].counters.rejected;
			if (channel_server_detach(&server, 0) != ERR_OK)
				return "detach of the broken link failed";
		}
		if (channel_server_link_state(&server, 0) == CHANNEL_DETACHED &&
		    channel_server_attach(&server, 0, buffers[0], BYTES, 0, &bells[0]) == ERR_OK)
			hostile_attaches++;
		enum error err = channel_server_wait(&server, 1000000, &m);
		if (err == ERR_FAILED_LOOKUP)
			continue;
		if (err != ERR_OK)
			return "server wait failed";
		if (channel_server_check_invariants(&server) != ERR_OK)
			return "server invariants broken";
		uint32_t link = channel_handle_link(m.handle);
		if (link == 0)
			hostile_taken++;
		else if (m.opcode != 7 || m.arg[0] != link || m.length != 16)
			return "a good client's request arrived damaged";
		m.opcode = ERR_OK;
		err = channel_server_reply(&server, &m);
		if (link != 0 && err != ERR_OK)
			return "reply to a good client failed";
		if (link == 0 && err != ERR_OK && err != ERR_ILLEGAL_OPERATION &&
		    err != ERR_INVALID_ARGUMENT)
			return "reply to the hostile channel: unexpected error";
	}
	return NULL;
}

static void test_hostile_peer_does_not_disturb_others(void **state)
{
	(void)state;
	struct seed_rng rng = seed_from_env("hostile_peer");
	hostile_seed = rng.seed;
	memset(buffers, 0, sizeof(buffers));
	channel_doorbell_init(&server_bell);
	channel_server_init(&server, &server_bell);
	channel_server_set_poll_budget(&server, 64);
	for (int i = 0; i < 4; i++) {
		channel_doorbell_init(&bells[i]);
		assert_int_equal(channel_client_init(&clients[i], buffers[i], BYTES, DEPTH,
						     &bells[i], &server_bell),
				 ERR_OK);
		channel_client_set_poll_budget(&clients[i], 64);
		assert_int_equal(
		    channel_server_attach(&server, (uint32_t)i, buffers[i], BYTES, 0, &bells[i]),
		    ERR_OK);
	}
	memcpy(valid_header, buffers[0], sizeof(valid_header));
	atomic_store(&good_done, 0);
	atomic_store(&hostile_stop, 0);
	pthread_t hostile, good[4];
	assert_int_equal(pthread_create(&hostile, NULL, hostile_main, NULL), 0);
	for (int i = 1; i < 4; i++)
		assert_int_equal(pthread_create(&good[i], NULL, good_main, (void *)(intptr_t)i), 0);
	const char *failure = serve_until_good_done();
	atomic_store(&hostile_stop, 1);
	pthread_join(hostile, NULL);
	for (int i = 1; i < 4; i++)
		pthread_join(good[i], NULL);
	print_message("# hostile channel: %llu requests taken, %llu malformed answered, "
		      "%llu breaks, %llu re-attaches\n",
		      (unsigned long long)hostile_taken,
		      (unsigned long long)(hostile_rejected + server.link[0].counters.rejected),
		      (unsigned long long)hostile_breaks, (unsigned long long)hostile_attaches);
	if (failure)
		fail_msg("server: %s (replay with " SEED_ENV "=%llu)", failure,
			 (unsigned long long)rng.seed);
	for (int i = 1; i < 4; i++) {
		if (good_failure[i])
			fail_msg("client %d: %s (replay with " SEED_ENV "=%llu)", i,
				 good_failure[i], (unsigned long long)rng.seed);
		assert_int_equal(channel_server_link_state(&server, (uint32_t)i), CHANNEL_ACTIVE);
		assert_int_equal(server.link[i].counters.rejected, 0);
		assert_int_equal(channel_server_link_taken(&server, (uint32_t)i), GOOD_CALLS);
		assert_int_equal(clients[i].counters.rejected, 0);
	}
	/* The hostile channel was exercised, not just broken once. */
	assert_true(hostile_breaks > 0);
	assert_true(hostile_taken > 0);
	assert_true(hostile_rejected + server.link[0].counters.rejected > 0);
}

/* ---- Fairness -------------------------------------------------------------------------------- */

static void fairness_setup(uint32_t priority_of_2)
{
	memset(buffers, 0, sizeof(buffers));
	channel_doorbell_init(&server_bell);
	channel_server_init(&server, &server_bell);
	for (uint32_t i = 0; i < 4; i++) {
		channel_doorbell_init(&bells[i]);
		assert_int_equal(channel_client_init(&clients[i], buffers[i], BYTES, DEPTH,
						     &bells[i], &server_bell),
				 ERR_OK);
		assert_int_equal(channel_server_attach(&server, i, buffers[i], BYTES,
						       i == 2 ? priority_of_2 : 3, &bells[i]),
				 ERR_OK);
	}
}

/* Keep channel i's queue full (reading its replies first unless it is the
 * one that stopped reading). Channel 0 forges as it goes. */
static void refill(uint32_t i, uint32_t *round, _Bool reads)
{
	struct channel_client *c = &clients[i];
	struct channel_message m = { .opcode = i, .length = 8 }, reply;
	while (reads && channel_client_poll(c, &reply) == ERR_OK)
		;
	uint32_t tag;
	while (channel_client_outstanding(c) < DEPTH) {
		m.arg[0] = i == 0 ? 0 : ++*round; /* a "timestamp": channel 0 says it came first */
		if (channel_client_submit(c, &m, &tag) != ERR_OK)
			break;
		if (i == 0) {
			/* Forge: every fifth entry malformed, and "I sleep, ring me". */
			static uint32_t forged;
			struct channel_entry *e = &c->requests[(c->request_tail - 1) & c->mask];
			if (++forged % 5 == 0)
				e->word[1] = channel_word1(0, 0x40);
			atomic_store(&c->shared->client_sleeping, 1);
		}
	}
}

static void test_flooder_gets_its_share(void **state)
{
	(void)state;
	fairness_setup(3);
	uint32_t round = 0;
	uint32_t taken[4] = { 0 }, turns[4] = { 0 };
	uint32_t log[3] = { 99, 99, 99 }; /* the last three turns of channels 0..2 */
	struct channel_message m;
	for (uint32_t i = 0; i < 4; i++)
		refill(i, &round, i != 3);
	for (uint32_t n = 1; n <= 20000; n++) {
		uint64_t rejected = server.link[0].counters.rejected;
		enum error err = channel_server_take(&server, &m);
		if (err != ERR_OK)
			fail_msg("take %u found nothing", n);
		uint32_t link = channel_handle_link(m.handle);
		taken[link]++;
		/* A malformed entry of channel 0, answered by the library, is
		 * channel 0's turn; it comes before the take in this call. */
		uint32_t sequence[3], count = 0;
		if (server.link[0].counters.rejected != rejected)
			sequence[count++] = 0;
		if (server.link[0].counters.rejected - rejected > 1)
			fail_msg("take %u: two turns of channel 0 in one round", n);
		sequence[count++] = link;
		for (uint32_t k = 0; k < count; k++) {
			uint32_t turn = sequence[k];
			turns[turn]++;
			if (turn == 3)
				continue;
			/* Channels 0..2 always have work: any three consecutive
			 * turns among them are three different channels. */
			if (turn == log[2] || turn == log[1])
				fail_msg("take %u: channel %u had a second turn before the others",
					 n, turn);
			log[0] = log[1];
			log[1] = log[2];
			log[2] = turn;
		}
		m.opcode = ERR_OK;
		assert_int_equal(channel_server_reply(&server, &m), ERR_OK);
		for (uint32_t i = 0; i < 3; i++)
			refill(i, &round, 1);
		assert_int_equal(channel_server_check_invariants(&server), ERR_OK);
	}
	print_message(
	    "# takes per channel: flooder %u (+%u malformed), %u, %u, stopped reader %u\n",
	    taken[0], turns[0] - taken[0], taken[1], taken[2], taken[3]);
	/* The stopped reader got exactly its reply slots, no more. */
	assert_int_equal(taken[3], DEPTH);
	/* Each busy channel within one turn of the others: the flooder's fake
	 * timestamps, malformed entries and doorbell requests bought nothing. */
	uint32_t total = turns[0] + turns[1] + turns[2];
	for (uint32_t i = 0; i < 3; i++) {
		assert_true(turns[i] * 3 <= total + 3);
		assert_true(turns[i] * 3 + 3 >= total);
	}
	assert_true(server.link[0].counters.rejected > 0);
	assert_int_equal(server.link[1].counters.rejected, 0);
	/* It asked to be rung on every reply, and was: its own cost. */
	assert_true(server.link[0].counters.doorbells > 0);
	assert_int_equal(server.link[1].counters.doorbells, 0);
}

static void test_higher_priority_first(void **state)
{
	(void)state;
	fairness_setup(7);
	uint32_t round = 0;
	struct channel_message m;
	for (uint32_t i = 0; i < 3; i++)
		refill(i, &round, 1);
	/* Channel 2 is alone at priority 7: all DEPTH of its requests come
	 * first, whatever the others do. */
	for (uint32_t n = 0; n < DEPTH; n++) {
		assert_int_equal(channel_server_take(&server, &m), ERR_OK);
		assert_int_equal(channel_handle_link(m.handle), 2);
	}
	assert_int_equal(channel_server_take(&server, &m), ERR_OK);
	assert_int_not_equal(channel_handle_link(m.handle), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile_peer_does_not_disturb_others),
		cmocka_unit_test(test_flooder_gets_its_share),
		cmocka_unit_test(test_higher_priority_first),
	};
	return cmocka_run_group_tests_name("channel_hostile", tests, NULL, NULL);
}
