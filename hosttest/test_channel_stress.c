/* SPDX-License-Identifier: MIT */
/*
 * Threaded stress of libos/channel_*.c: 4 clients × 1 server and 64
 * clients × 1 server, each client a thread with its own channel, at least
 * 10 million request/reply pairs in all (CHANNEL_STRESS_PAIRS sets the
 * total; the ThreadSanitizer build runs fewer). Every reply is checked
 * against its request (client, sequence number, a derived word and the
 * payload) and every sequence number must come back exactly once: none
 * lost, duplicated or misdelivered. Small poll budgets make both sides
 * sleep often, so the doorbell/sleep protocol is exercised; a lost wake-up
 * shows as a wait that times out (5 s), which fails the test.
 * The server batches up to 8 requests and answers them in reverse order.
 * All channels share one priority: strict priorities may starve a lower
 * one for longer than the 5 s limit, by design (test_channel.c and
 * test_channel_hostile.c test priorities and fairness).
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
#include <time.h>

#include <cmocka.h>

#include "channel.h"
#include "channel_port_host.h"

#define MAX_CLIENTS 64
#define DEPTH 16
#define WAIT_NS 5000000000ull
#define BATCH 8

struct stress_client {
	_Alignas(4096) uint8_t buffer[12288]; /* channel_buffer_size(DEPTH) */
	struct channel_client channel;
	struct channel_doorbell bell;
	uint32_t id;
	uint64_t pairs;
	uint64_t seq_of_tag[CHANNEL_MAX_DEPTH * 2];
	uint8_t *seen; /* one byte per sequence number */
	const char *failure;
	uint64_t failure_seq;
};

struct stress {
	uint32_t clients;
	struct stress_client *client;
	struct channel_server server;
	struct channel_doorbell server_bell;
	_Atomic uint32_t done;
	const char *server_failure;
	uint64_t served;
};

static uint64_t derived(uint32_t id, uint64_t seq)
{
	return (seq * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)id << 40);
}

static void *client_main(void *argument)
{
	struct stress_client *c = argument;
	uint64_t sent = 0, received = 0;
	struct channel_message request = { .opcode = 1, .length = 8 }, reply;
	while (received < c->pairs) {
		while (sent < c->pairs && channel_client_outstanding(&c->channel) < DEPTH) {
			request.arg[0] = c->id;
			request.arg[1] = sent;
			request.arg[2] = derived(c->id, sent);
			memcpy(request.payload, &request.arg[2], 8);
			uint32_t tag;
			if (channel_client_submit(&c->channel, &request, &tag) != ERR_OK) {
				c->failure = "submit failed with room";
				return NULL;
			}
			c->seq_of_tag[tag % (2 * CHANNEL_MAX_DEPTH)] = sent;
			sent++;
		}
		enum error err = channel_client_wait(&c->channel, CHANNEL_ANY, WAIT_NS, &reply);
		if (err != ERR_OK) {
			c->failure = err == ERR_FAILED_LOOKUP
					 ? "no reply within 5 s (lost wake-up?)"
					 : "wait failed";
			return NULL;
		}
		uint64_t seq = c->seq_of_tag[reply.tag % (2 * CHANNEL_MAX_DEPTH)];
		uint64_t word;
		memcpy(&word, reply.payload, 8);
		if (reply.opcode != ERR_OK || reply.arg[0] != c->id || reply.arg[1] != seq ||
		    reply.arg[2] != derived(c->id, seq) + 1 || reply.length != 8 ||
		    word != derived(c->id, seq) + 1 || seq >= c->pairs || c->seen[seq]) {
			c->failure = "reply does not match its request";
			c->failure_seq = seq;
			return NULL;
		}
		c->seen[seq] = 1;
		received++;
	}
	return NULL;
}

static void *server_main(void *argument)
{
	struct stress *s = argument;
	struct channel_message batch[BATCH];
	while (atomic_load(&s->done) < s->clients) {
		enum error err = channel_server_wait(&s->server, 2000000, &batch[0]);
		if (err == ERR_FAILED_LOOKUP)
			continue;
		if (err != ERR_OK) {
			s->server_failure = "server wait failed";
			return NULL;
		}
		int n = 1;
		while (n < BATCH && channel_server_take(&s->server, &batch[n]) == ERR_OK)
			n++;
		for (int i = n - 1; i >= 0; i--) {
			struct channel_message *m = &batch[i];
			m->opcode = ERR_OK;
			m->arg[2]++;
			uint64_t word;
			memcpy(&word, m->payload, 8);
			word++;
			memcpy(m->payload, &word, 8);
			if (channel_server_reply(&s->server, m) != ERR_OK) {
				s->server_failure = "reply failed";
				return NULL;
			}
		}
		s->served += (uint64_t)n;
	}
	return NULL;
}

static void run_stress(uint32_t clients, uint64_t pairs, uint32_t client_polls,
		       uint32_t server_polls)
{
	struct stress *s = calloc(1, sizeof(*s));
	assert_non_null(s);
	s->clients = clients;
	s->client = aligned_alloc(4096, sizeof(struct stress_client) * clients);
	assert_non_null(s->client);
	memset(s->client, 0, sizeof(struct stress_client) * clients);
	channel_doorbell_init(&s->server_bell);
	channel_server_init(&s->server, &s->server_bell);
	channel_server_set_poll_budget(&s->server, server_polls);
	uint64_t each = (pairs + clients - 1) / clients;
	for (uint32_t i = 0; i < clients; i++) {
		struct stress_client *c = &s->client[i];
		c->id = i;
		c->pairs = each;
		c->seen = calloc(each, 1);
		assert_non_null(c->seen);
		channel_doorbell_init(&c->bell);
		assert_int_equal(channel_client_init(&c->channel, c->buffer, sizeof(c->buffer),
						     DEPTH, &c->bell, &s->server_bell),
				 ERR_OK);
		channel_client_set_poll_budget(&c->channel, client_polls);
		assert_int_equal(
		    channel_server_attach(&s->server, i, c->buffer, sizeof(c->buffer), 0, &c->bell),
		    ERR_OK);
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_t server_thread, client_thread[MAX_CLIENTS];
	assert_int_equal(pthread_create(&server_thread, NULL, server_main, s), 0);
	for (uint32_t i = 0; i < clients; i++)
		assert_int_equal(
		    pthread_create(&client_thread[i], NULL, client_main, &s->client[i]), 0);
	for (uint32_t i = 0; i < clients; i++) {
		pthread_join(client_thread[i], NULL);
		atomic_fetch_add(&s->done, 1);
	}
	pthread_join(server_thread, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);

	uint64_t doorbells = 0, sleeps = s->server.sleeps, rejected = 0, total = 0;
	for (uint32_t i = 0; i < clients; i++) {
		struct stress_client *c = &s->client[i];
		if (c->failure)
			fail_msg("client %u: %s (sequence %llu)", i, c->failure,
				 (unsigned long long)c->failure_seq);
		for (uint64_t seq = 0; seq < each; seq++)
			if (!c->seen[seq])
				fail_msg("client %u: sequence %llu never answered", i,
					 (unsigned long long)seq);
		assert_int_equal(channel_client_outstanding(&c->channel), 0);
		assert_int_equal(channel_client_check_invariants(&c->channel), ERR_OK);
		doorbells += c->channel.counters.doorbells + s->server.link[i].counters.doorbells;
		sleeps += c->channel.counters.sleeps;
		rejected += c->channel.counters.rejected + s->server.link[i].counters.rejected;
		total += channel_server_link_taken(&s->server, i);
		free(c->seen);
	}
	if (s->server_failure)
		fail_msg("server: %s", s->server_failure);
	assert_int_equal(rejected, 0);
	assert_int_equal(total, each * clients);
	assert_int_equal(s->served, each * clients);
	assert_int_equal(channel_server_check_invariants(&s->server), ERR_OK);
	double seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	print_message("# %u clients x 1 server: %llu pairs in %.2f s (%.2f M pairs/s), "
		      "%.4f doorbells and %.4f sleeps per pair\n",
		      clients, (unsigned long long)total, seconds, (double)total / seconds / 1e6,
		      (double)doorbells / (double)total, (double)sleeps / (double)total);
	free(s->client);
	free(s);
}

static uint64_t total_pairs(void)
{
	const char *text = getenv("CHANNEL_STRESS_PAIRS");
	return text && *text ? strtoull(text, NULL, 0) : 10000000ull;
}

static void test_four_clients(void **state)
{
	(void)state;
	run_stress(4, total_pairs() / 2, 64, 256);
}

static void test_sixty_four_clients(void **state)
{
	(void)state;
	run_stress(64, total_pairs() / 2, 64, 256);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_four_clients),
		cmocka_unit_test(test_sixty_four_clients),
	};
	return cmocka_run_group_tests_name("channel_stress", tests, NULL, NULL);
}
