/* SPDX-License-Identifier: MIT */
/* Seeds and splitmix64 for the randomized host suites (see seed.h). */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, getpid */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "seed.h"

struct seed_rng seed_from_env(const char *test_name)
{
	uint64_t seed;
	const char *text = getenv(SEED_ENV);
	if (text && *text) {
		char *end;
		seed = strtoull(text, &end, 0);
		if (*end != '\0')
			fail_msg(SEED_ENV "=%s is not a number", text);
	} else {
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		seed = (uint64_t)now.tv_sec * 1000000007u ^ (uint64_t)now.tv_nsec ^
		       (uint64_t)getpid() << 32;
	}
	/* A TAP comment: shown in the log even when the test then crashes. */
	print_message("# %s: seed %" PRIu64 " (replay with " SEED_ENV "=%" PRIu64 ")\n", test_name,
		      seed, seed);
	return (struct seed_rng){ .seed = seed, .state = seed };
}

uint64_t seed_next(struct seed_rng *rng)
{
	uint64_t z = (rng->state += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

uint64_t seed_below(struct seed_rng *rng, uint64_t bound)
{
	/* Rejection keeps it exactly uniform; the loop almost never repeats. */
	uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
	uint64_t value;
	do
		value = seed_next(rng);
	while (value >= limit);
	return value % bound;
}
