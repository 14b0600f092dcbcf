/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for core/dtb.c: open the input as a device tree and,
 * if dtb_open accepts it, run every query with the consistency checks of
 * dtb_exercise.c. libFuzzer hands over a buffer of exactly `size` bytes,
 * so AddressSanitizer reports any read past the blob; a broken invariant
 * or a failed core/ contract aborts. Built and run by ci/fuzz.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "dtb.h"

/* ci/fuzz links each harness with core/ and fuzz_port.c only, so the
 * shared query driver comes in as source. */
#include "dtb_exercise.c"

static void harness_fail(const char *what, uint32_t node)
{
	fprintf(stderr, "fuzz_dtb: %s (node at %u)\n", what, node);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dtb dtb;
	uint32_t totalsize;
	/* The linear-cost queries on every node cost quadratic time; on
	 * large inputs a varying eighth of the nodes keeps executions fast. */
	struct dtb_exercise how = {
		.strict = true,
		.expensive_every = size <= 16384 ? 1 : 8,
		.expensive_offset = size <= 16384 ? 0 : (uint32_t)(size % 8),
		.fail = harness_fail,
	};

	if (dtb_peek_size(data, size, &totalsize) == ERR_OK && totalsize <= size &&
	    dtb_open(&dtb, data, size) == ERR_OK) {
		if (dtb.size != totalsize)
			harness_fail("dtb_open and dtb_peek_size disagree on totalsize", 0);
		dtb_exercise(&dtb, &how);
	} else if (dtb_open(&dtb, data, size) == ERR_OK) {
		harness_fail("dtb_open accepted what dtb_peek_size says is short", 0);
	}
	return 0;
}
