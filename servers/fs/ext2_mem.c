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

/* The copy loop libos's transfer windows use too (header only: nothing to
 * link). */
#include "../../libos/word_copy.h"

/* `to` and `from` do not overlap. */
void ext2_copy(void *to, const void *from, size_t n)
{
	word_copy(to, from, n);
}

void ext2_zero(void *to, size_t n)
{
	uint8_t *t = to;
	if (n >= WORD_COPY_MIN) {
		for (; ((uintptr_t)t & 7u) != 0; n--)
			*t++ = 0;
		word_copy_word *tw = (word_copy_word *)(void *)t;
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
