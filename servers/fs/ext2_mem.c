/* SPDX-License-Identifier: MIT */
/*
 * The engine's copy, zero and compare: it links against no C library
 * (servers/meson.build checks that libext2.a needs no outside symbol), and
 * picolibc's memcpy as Debian builds it for RISC-V moves one byte per
 * iteration anyway. Whole aligned 64-bit words, eight per iteration, when
 * both pointers share their alignment (the data path always does: cache
 * blocks and the server's windows are 8-byte aligned); bytes otherwise and
 * at the ends. The loops are kept from being turned into memcpy/memset
 * calls by -fno-tree-loop-distribute-patterns (servers/meson.build,
 * hosttest/fs/meson.build).
 */
#include "ext2_impl.h"

/* A word access that may alias any object (the buffers are bytes). */
typedef uint64_t ext2_word __attribute__((may_alias));
/* Two words as one unit: a 16-byte register where the machine has one
 * (SSE2 on the host), two 64-bit registers on rv64gc (GCC splits it);
 * 8-byte aligned like the words. */
typedef uint64_t ext2_pair __attribute__((vector_size(16), aligned(8), may_alias));

/* Words are used only for this many bytes or more: below it the alignment
 * prologue costs more than it saves. */
#define WORD_MIN 16u

static bool same_alignment(const void *a, const void *b)
{
	return (((uintptr_t)a ^ (uintptr_t)b) & 7u) == 0;
}

/* `to` and `from` do not overlap. */
void ext2_copy(void *to, const void *from, size_t n)
{
	uint8_t *t = to;
	const uint8_t *f = from;
	if (n >= WORD_MIN && same_alignment(t, f)) {
		for (; ((uintptr_t)t & 7u) != 0; n--)
			*t++ = *f++;
		ext2_word *tw = (ext2_word *)(void *)t;
		const ext2_word *fw = (const ext2_word *)(const void *)f;
		for (; n >= 64; n -= 64, tw += 8, fw += 8) {
			ext2_pair *tp = (ext2_pair *)tw;
			const ext2_pair *fp = (const ext2_pair *)fw;
			ext2_pair a = fp[0], b = fp[1], c = fp[2], d = fp[3];
			tp[0] = a;
			tp[1] = b;
			tp[2] = c;
			tp[3] = d;
		}
		for (; n >= 8; n -= 8)
			*tw++ = *fw++;
		t = (uint8_t *)tw;
		f = (const uint8_t *)fw;
	}
	for (; n > 0; n--)
		*t++ = *f++;
}

void ext2_zero(void *to, size_t n)
{
	uint8_t *t = to;
	if (n >= WORD_MIN) {
		for (; ((uintptr_t)t & 7u) != 0; n--)
			*t++ = 0;
		ext2_word *tw = (ext2_word *)(void *)t;
		for (; n >= 32; n -= 32, tw += 4) {
			tw[0] = 0;
			tw[1] = 0;
			tw[2] = 0;
			tw[3] = 0;
		}
		for (; n >= 8; n -= 8)
			*tw++ = 0;
		t = (uint8_t *)tw;
	}
	for (; n > 0; n--)
		*t++ = 0;
}

bool ext2_same(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;
	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return false;
	return true;
}
