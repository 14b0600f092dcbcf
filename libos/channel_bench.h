/* SPDX-License-Identifier: MIT */
/*
 * The channel benchmark's drivers (docs/benchmarks.md), shared by the host
 * program (hosttest/bench_channel.c, counted by callgrind) and the
 * in-system one (servers/chanbench.c, counted by rdinstret under QEMU's
 * -icount): one client and one server on one thread over one buffer, so
 * that no spinning is counted. Each driver is a noinline function doing one
 * request/reply pair (or one round of CHANNEL_BENCH_BATCH pairs); each case
 * is measured as the driver minus its baseline, the same driver without the
 * protocol calls. Not linked into libos: each benchmark program compiles it.
 */
#ifndef LIBOS_CHANNEL_BENCH_H
#define LIBOS_CHANNEL_BENCH_H

#include <stdint.h>

#include "channel.h"

#define CHANNEL_BENCH_DEPTH 32u
#define CHANNEL_BENCH_BATCH 32u

extern struct channel_client channel_bench_client;
extern struct channel_server channel_bench_server;

struct channel_bench_case {
	const char *name;  /* the JSON name, e.g. "proto_rr_8b" */
	uint32_t length;   /* payload bytes each way */
	uint32_t per_call; /* pairs per call of run (1 or CHANNEL_BENCH_BATCH) */
	void (*run)(uint64_t);
	void (*baseline)(uint64_t);
};

/* The drivers (noinline, external: callgrind toggles on their names). */
void channel_bench_pair(uint64_t i);
void channel_bench_pair_baseline(uint64_t i);
void channel_bench_round(uint64_t done);
void channel_bench_round_baseline(uint64_t done);
void channel_bench_pair_floor(uint64_t i);

/* proto_rr_8b, proto_rr_256b, proto_rr_batch32, floor_rr_8b. */
#define CHANNEL_BENCH_CASES 4u
extern const struct channel_bench_case channel_bench_cases[CHANNEL_BENCH_CASES];

/* Format the buffer and attach the server (link 0); the bells are the
 * port's. ERR_OK or the first failing call's error. */
enum error channel_bench_init(struct channel_doorbell *client_bell,
			      struct channel_doorbell *server_bell);

/* Set the request's payload length for the following calls. */
void channel_bench_prepare(uint32_t length);

/* Call `fn` for pairs 0 .. n-1 (n a multiple of per_call). */
void channel_bench_loop(void (*fn)(uint64_t), uint32_t per_call, uint64_t n);

/* Provided by the program: a protocol call failed (never returns). */
_Noreturn void channel_bench_fail(enum error err, const char *what);

#endif
