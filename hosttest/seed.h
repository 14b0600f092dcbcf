/* SPDX-License-Identifier: MIT */
/*
 * Seeded pseudo-random numbers for the randomized host suites (STYLE.md
 * item 10). A suite calls seed_from_env() once per randomized test: the seed
 * is KESTREL_TEST_SEED when set, otherwise fresh from the clock, and is
 * printed as a TAP comment before the test runs, so a crash (ASan, UBSan)
 * can be replayed too. seed_check() fails the test with the seed and the
 * step in the message. The generator is splitmix64: tiny, and every seed
 * gives a good stream, so the same seed replays the same operations on any
 * host.
 */
#ifndef HOSTTEST_SEED_H
#define HOSTTEST_SEED_H

#include <inttypes.h>
#include <stdint.h>

#define SEED_ENV "KESTREL_TEST_SEED"

struct seed_rng {
	uint64_t seed; /* as chosen, for messages */
	uint64_t state;
};

/* Choose the seed (see above), print it, and start a generator on it. */
struct seed_rng seed_from_env(const char *test_name);

uint64_t seed_next(struct seed_rng *rng);

/* Uniform in [0, bound); bound > 0. */
uint64_t seed_below(struct seed_rng *rng, uint64_t bound);

/* Fail the running cmocka test with the seed and step when cond is false. */
#define seed_check(rng, step, cond)                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			fail_msg("%s:%d: %s is false at step %lu; replay with " SEED_ENV           \
				 "=%" PRIu64,                                                      \
				 __FILE__, __LINE__, #cond, (unsigned long)(step), (rng)->seed);   \
	} while (0)

#endif
