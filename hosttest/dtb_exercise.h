/* SPDX-License-Identifier: MIT */
/*
 * Run every query of core/dtb.h over an opened blob and check the answers'
 * internal consistency (parents know their children, the two walks agree,
 * lookups return what they were asked for, capacity is honoured). Shared
 * by hosttest/test_dtb.c (truncation and corruption tests) and
 * hosttest/fuzz_dtb.c (libFuzzer), so it uses no test framework: a broken
 * invariant is reported through the `fail` callback with a message.
 *
 * With `strict` false the blob may have changed since dtb_open(): then only
 * memory safety is checked (the sanitizers do that), not consistency.
 */
#ifndef HOSTTEST_DTB_EXERCISE_H
#define HOSTTEST_DTB_EXERCISE_H

#include <stdbool.h>
#include <stdint.h>

#include "dtb.h"

struct dtb_exercise {
	bool strict;
	/* Nodes for which the linear-cost queries (parent, reg, path,
	 * compatible) run; the others get the constant-cost ones. Picked by
	 * the caller's RNG so that a long fuzz run still covers every node. */
	uint32_t expensive_every;  /* 1: every node */
	uint32_t expensive_offset; /* which residue of expensive_every */
	void (*fail)(const char *what, uint32_t node_offset);
};

void dtb_exercise(const struct dtb *dtb, const struct dtb_exercise *how);

#endif
