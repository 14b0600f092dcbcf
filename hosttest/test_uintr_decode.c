/* SPDX-License-Identifier: MIT */
/*
 * arch/riscv/uintr_decode.c (the emulated backend's decoder of untrusted
 * instruction words): the encodings of docs/abi.md one by one, and a
 * seeded million words (random, and valid ones with bits flipped) against
 * a reference written out as masks and values, so that no hostile word
 * is taken for a user-interrupt instruction and none is missed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "seed.h"
#include "uintr_decode.h"

#define RANDOM_WORDS 1000000u

/* The reference: docs/abi.md's encodings as (mask, value) pairs. */
static bool reference(uint32_t w, enum uintr_insn_kind *kind)
{
	static const struct {
		uint32_t mask, value;
		enum uintr_insn_kind kind;
	} forms[] = {
		{ 0xfff07fffu, 0x0000607bu, UINTR_INSN_SEND },  /* rs1 free */
		{ 0xfffff07fu, 0x0200607bu, UINTR_INSN_READ },  /* rd free */
		{ 0xfff07fffu, 0x0400607bu, UINTR_INSN_WRITE }, /* rs1 free */
		{ 0xffffffffu, 0x00200073u, UINTR_INSN_URET },
	};
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
		if ((w & forms[i].mask) == forms[i].value) {
			*kind = forms[i].kind;
			return true;
		}
	static const uint32_t csrs[] = { 0x000, 0x004, 0x005, 0x040, 0x041, 0x042, 0x043, 0x044 };
	uint32_t funct3 = (w >> 12) & 7;
	if ((w & 0x7f) != 0x73 || funct3 == 0 || funct3 == 4)
		return false;
	for (size_t i = 0; i < sizeof(csrs) / sizeof(csrs[0]); i++)
		if (w >> 20 == csrs[i]) {
			*kind = UINTR_INSN_CSR;
			return true;
		}
	return false;
}

static void agree(uint32_t w)
{
	struct uintr_insn in;
	enum uintr_insn_kind kind = UINTR_INSN_SEND;
	bool want = reference(w, &kind);
	bool got = uintr_decode(w, &in);
	if (got != want || (got && in.kind != kind))
		fail_msg("word 0x%08x: decoder %d (kind %d), reference %d (kind %d)", w, got,
			 got ? (int)in.kind : -1, want, want ? (int)kind : -1);
}

static void test_documented_encodings(void **state)
{
	(void)state;
	struct uintr_insn in;
	assert_true(uintr_decode(0x0000607bu | 11u << 15, &in)); /* SEND a1 */
	assert_int_equal(in.kind, UINTR_INSN_SEND);
	assert_int_equal(in.rs1, 11);
	assert_true(uintr_decode(0x0200607bu | 10u << 7, &in)); /* READ a0 */
	assert_int_equal(in.kind, UINTR_INSN_READ);
	assert_int_equal(in.rd, 10);
	assert_true(uintr_decode(0x0400607bu | 5u << 15, &in)); /* WRITE t0 */
	assert_int_equal(in.kind, UINTR_INSN_WRITE);
	assert_int_equal(in.rs1, 5);
	assert_true(uintr_decode(0x00200073u, &in));
	assert_int_equal(in.kind, UINTR_INSN_URET);
	/* csrrw a0, uscratch, a1; csrsi uie, 1; csrr t0, uip */
	assert_true(uintr_decode(0x04059573u, &in));
	assert_int_equal(in.kind, UINTR_INSN_CSR);
	assert_int_equal(in.csr, 0x040);
	assert_int_equal(in.csr_op, 1);
	assert_false(in.csr_imm);
	assert_int_equal(in.rd, 10);
	assert_int_equal(in.rs1, 11);
	assert_true(uintr_decode(0x0040e073u, &in));
	assert_int_equal(in.csr_op, 2);
	assert_true(in.csr_imm);
	assert_int_equal(in.rs1, 1);
	assert_true(uintr_decode(0x044022f3u, &in));
	assert_int_equal(in.csr, 0x044);
	/* ktest_uintr's hostile words, and sstatus (an S-mode CSR). */
	const uint32_t refused[] = { 0x0600607bu, 0x0800607bu, 0x1200607bu, 0x0010607bu,
				     0x0200e5fbu, 0x000065fbu, 0x100022f3u, 0x10200073u,
				     0x00000073u, 0x00100073u, 0x0000707bu, 0x0000207bu };
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		assert_false(uintr_decode(refused[i], &in));
}

static void test_random_words(void **state)
{
	(void)state;
	struct seed_rng rng = seed_from_env("uintr_decode random words");
	static const uint32_t valid[] = { 0x0000607bu, 0x0200607bu, 0x0400607bu, 0x00200073u,
					  0x04059573u, 0x0040e073u, 0x044022f3u };
	for (uint32_t i = 0; i < RANDOM_WORDS; i++) {
		uint64_t r = seed_next(&rng);
		uint32_t w = (uint32_t)r;
		if (r >> 63) { /* near a valid word: a few bits flipped */
			w = valid[(r >> 32) % (sizeof(valid) / sizeof(valid[0]))];
			for (unsigned flips = (unsigned)(r >> 40) % 3; flips > 0; flips--)
				w ^= 1u << (seed_next(&rng) % 32);
		}
		agree(w);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_documented_encodings),
		cmocka_unit_test(test_random_words),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
