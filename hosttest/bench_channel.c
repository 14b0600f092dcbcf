/* SPDX-License-Identifier: MIT */
/*
 * The channel benchmark's host program (run by ci/bench; a benchmark, not
 * a test: it never fails on a figure).
 *
 *   bench_channel rr_8b|rr_256b|rr_batch32[_baseline] N
 *       one thread drives client and server: N request/reply pairs
 *       (submit, take, reply, wait), batch32: 32 submits, 32 takes,
 *       32 replies, 32 waits per round, each pair (round) in a noinline
 *       driver function; _baseline runs the drivers without the protocol
 *       calls. ci/bench runs both under callgrind collecting only inside
 *       the driver and subtracts: the protocol path alone, per pair.
 *   bench_channel pingpong_busy|pingpong_sleepy N
 *       two threads, N synchronous calls; busy: both sides poll without
 *       limit; sleepy: the server sleeps as soon as it has nothing to do.
 * Prints one JSON object: {"iterations": N, "doorbells": per pair,
 * "sleeps": per pair}.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "channel_port_host.h"

#define DEPTH 32

static _Alignas(4096) uint8_t buffer[24576];
static struct channel_client client;
static struct channel_server server;
static struct channel_doorbell client_bell, server_bell;
static _Atomic int stop;

static void must(enum error err, const char *what)
{
	if (err != ERR_OK) {
		fprintf(stderr, "bench_channel: %s failed (%d)\n", what, (int)err);
		exit(1);
	}
}

/* The benchmark's drivers: bench_pair does one request/reply pair,
 * bench_round one batch of RR_BATCH; each *_baseline does the same
 * without the protocol calls (filling the request, setting the status,
 * reading the reply: what any caller does). ci/bench counts each
 * function alone with callgrind (--toggle-collect) and reports the
 * difference per pair. noinline: callgrind finds them by name. */
#define RR_BATCH 32
static struct channel_message request, got, reply;
static uint32_t tags[RR_BATCH];
static volatile uint64_t sink;

__attribute__((noinline)) void bench_pair(uint64_t i)
{
	uint32_t tag;
	request.arg[0] = i;
	must(channel_client_submit(&client, &request, &tag), "submit");
	must(channel_server_take(&server, &got), "take");
	got.opcode = ERR_OK;
	must(channel_server_reply(&server, &got), "reply");
	must(channel_client_wait(&client, tag, 0, &reply), "wait");
	sink = reply.arg[0];
}

__attribute__((noinline)) void bench_pair_baseline(uint64_t i)
{
	request.arg[0] = i;
	got.opcode = ERR_OK;
	sink = reply.arg[0];
}

__attribute__((noinline)) void bench_round(uint64_t done)
{
	for (uint32_t i = 0; i < RR_BATCH; i++) {
		request.arg[0] = done + i;
		must(channel_client_submit(&client, &request, &tags[i]), "submit");
	}
	for (uint32_t i = 0; i < RR_BATCH; i++) {
		must(channel_server_take(&server, &got), "take");
		got.opcode = ERR_OK;
		must(channel_server_reply(&server, &got), "reply");
	}
	for (uint32_t i = 0; i < RR_BATCH; i++) {
		must(channel_client_wait(&client, tags[i], 0, &reply), "wait");
		sink = reply.arg[0];
	}
}

__attribute__((noinline)) void bench_round_baseline(uint64_t done)
{
	for (uint32_t i = 0; i < RR_BATCH; i++) {
		request.arg[0] = done + i;
		tags[i] = (uint32_t)i;
	}
	for (uint32_t i = 0; i < RR_BATCH; i++)
		got.opcode = ERR_OK;
	for (uint32_t i = 0; i < RR_BATCH; i++)
		sink = reply.arg[0] + tags[i];
}

/* n pairs of `length` payload bytes; `batch` 1 or RR_BATCH; `baseline`:
 * the drivers without the protocol. */
static void rr(uint64_t n, uint32_t length, uint32_t batch, _Bool baseline)
{
	request = (struct channel_message){ .opcode = 1, .length = length };
	memset(request.payload, 0x5a, length);
	for (uint64_t done = 0; done < n; done += batch) {
		if (batch == 1 && !baseline)
			bench_pair(done);
		else if (batch == 1)
			bench_pair_baseline(done);
		else if (!baseline)
			bench_round(done);
		else
			bench_round_baseline(done);
	}
}

static void *serve(void *argument)
{
	(void)argument;
	struct channel_message m;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		if (channel_server_wait(&server, 10000000, &m) != ERR_OK)
			continue;
		m.opcode = ERR_OK;
		must(channel_server_reply(&server, &m), "reply");
	}
	return NULL;
}

static void pingpong(uint64_t n)
{
	pthread_t thread;
	struct channel_message request = { .opcode = 1, .length = 8 }, reply;
	if (pthread_create(&thread, NULL, serve, NULL) != 0)
		exit(1);
	for (uint64_t i = 0; i < n; i++) {
		request.arg[0] = i;
		must(channel_client_call(&client, &request, CHANNEL_FOREVER, &reply), "call");
		if (reply.arg[0] != i)
			must(ERR_INVALID_ARGUMENT, "reply check");
	}
	atomic_store(&stop, 1);
	channel_port_ring(&server_bell);
	pthread_join(thread, NULL);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: bench_channel CASE N\n");
		return 2;
	}
	const char *name = argv[1];
	uint64_t n = strtoull(argv[2], NULL, 0);
	channel_doorbell_init(&client_bell);
	channel_doorbell_init(&server_bell);
	must(
	    channel_client_init(&client, buffer, sizeof(buffer), DEPTH, &client_bell, &server_bell),
	    "client init");
	channel_server_init(&server, &server_bell);
	must(channel_server_attach(&server, 0, buffer, sizeof(buffer), 0, &client_bell), "attach");
	_Bool baseline = strstr(name, "_baseline") != NULL;
	if (strncmp(name, "rr_8b", 5) == 0) {
		rr(n, 8, 1, baseline);
	} else if (strncmp(name, "rr_256b", 7) == 0) {
		rr(n, 256, 1, baseline);
	} else if (strncmp(name, "rr_batch32", 10) == 0) {
		n = (n + RR_BATCH - 1) / RR_BATCH * RR_BATCH;
		rr(n, 8, RR_BATCH, baseline);
	} else if (strcmp(name, "pingpong_busy") == 0) {
		channel_client_set_poll_budget(&client, UINT32_MAX);
		channel_server_set_poll_budget(&server, UINT32_MAX);
		pingpong(n);
	} else if (strcmp(name, "pingpong_sleepy") == 0) {
		channel_client_set_poll_budget(&client, UINT32_MAX);
		channel_server_set_poll_budget(&server, 0);
		pingpong(n);
	} else {
		fprintf(stderr, "bench_channel: unknown case %s\n", name);
		return 2;
	}
	uint64_t doorbells = client.counters.doorbells + server.link[0].counters.doorbells;
	uint64_t sleeps = client.counters.sleeps + server.sleeps;
	printf("{\"iterations\": %llu, \"doorbells\": %.4f, \"sleeps\": %.4f}\n",
	       (unsigned long long)n, (double)doorbells / (double)n, (double)sleeps / (double)n);
	return 0;
}
