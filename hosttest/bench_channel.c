/* SPDX-License-Identifier: MIT */
/*
 * The channel benchmark's host program (run by ci/bench; a benchmark, not
 * a test: it never fails on a figure).
 *
 *   bench_channel CASE[:baseline] N
 *       CASE one of libos/channel_bench.c's cases (proto_rr_8b,
 *       proto_rr_256b, proto_rr_batch32, floor_rr_8b): one thread drives
 *       client and server through N pairs, each pair (or round of 32) in a
 *       noinline driver; with :baseline the case's baseline driver, the
 *       same without the protocol calls. ci/bench runs both under callgrind
 *       collecting only inside the driver and subtracts: the protocol path
 *       alone, per pair.
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

#include "channel_bench.h"
#include "channel_port_host.h"

static struct channel_doorbell client_bell, server_bell;
static _Atomic int stop;

_Noreturn void channel_bench_fail(enum error err, const char *what)
{
	fprintf(stderr, "bench_channel: %s failed (%d)\n", what, (int)err);
	exit(1);
}

static void must(enum error err, const char *what)
{
	if (err != ERR_OK)
		channel_bench_fail(err, what);
}

static void *serve(void *argument)
{
	(void)argument;
	struct channel_message m;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		if (channel_server_wait(&channel_bench_server, 10000000, &m) != ERR_OK)
			continue;
		m.opcode = ERR_OK;
		must(channel_server_reply(&channel_bench_server, &m), "reply");
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
		must(channel_client_call(&channel_bench_client, &request, CHANNEL_FOREVER, &reply),
		     "call");
		if (reply.arg[0] != i)
			must(ERR_INVALID_ARGUMENT, "reply check");
	}
	atomic_store(&stop, 1);
	channel_port_ring(&server_bell);
	pthread_join(thread, NULL);
}

/* The case named `name` (with or without ":baseline"), or NULL. */
static const struct channel_bench_case *find_case(const char *name, _Bool *baseline)
{
	size_t length = strcspn(name, ":");
	*baseline = strcmp(name + length, ":baseline") == 0;
	if (name[length] != '\0' && !*baseline)
		return NULL;
	for (uint32_t i = 0; i < CHANNEL_BENCH_CASES; i++) {
		const struct channel_bench_case *c = &channel_bench_cases[i];
		if (strlen(c->name) == length && strncmp(c->name, name, length) == 0)
			return c;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: bench_channel CASE[:baseline] N\n");
		return 2;
	}
	const char *name = argv[1];
	uint64_t n = strtoull(argv[2], NULL, 0);
	channel_doorbell_init(&client_bell);
	channel_doorbell_init(&server_bell);
	must(channel_bench_init(&client_bell, &server_bell), "init");
	_Bool baseline;
	const struct channel_bench_case *c = find_case(name, &baseline);
	if (c) {
		n = (n + c->per_call - 1) / c->per_call * c->per_call;
		channel_bench_prepare(c->length);
		channel_bench_loop(baseline ? c->baseline : c->run, c->per_call, n);
	} else if (strcmp(name, "pingpong_busy") == 0) {
		channel_client_set_poll_budget(&channel_bench_client, UINT32_MAX);
		channel_server_set_poll_budget(&channel_bench_server, UINT32_MAX);
		pingpong(n);
	} else if (strcmp(name, "pingpong_sleepy") == 0) {
		channel_client_set_poll_budget(&channel_bench_client, UINT32_MAX);
		channel_server_set_poll_budget(&channel_bench_server, 0);
		pingpong(n);
	} else {
		fprintf(stderr, "bench_channel: unknown case %s\n", name);
		return 2;
	}
	uint64_t doorbells = channel_bench_client.counters.doorbells +
			     channel_bench_server.link[0].counters.doorbells;
	uint64_t sleeps = channel_bench_client.counters.sleeps + channel_bench_server.sleeps;
	printf("{\"iterations\": %llu, \"doorbells\": %.4f, \"sleeps\": %.4f}\n",
	       (unsigned long long)n, (double)doorbells / (double)n, (double)sleeps / (double)n);
	return 0;
}
