/* SPDX-License-Identifier: MIT */
/*
 * One copy loop for the data paths that must not call memcpy: the ext2
 * engine (freestanding: libext2.a links against no C library) and libos's
 * transfer windows (picolibc's memcpy, as Debian builds it for RISC-V,
 * moves a byte per iteration). Whole aligned 64-bit words, sixteen per
 * iteration, when both pointers share their alignment; bytes otherwise and
 * at the ends. Every unit that includes this is compiled with
 * -fno-tree-loop-distribute-patterns, so GCC does not turn the loops back
 * into a memcpy call (servers/meson.build, libos/meson.build,
 * hosttest/fs/meson.build, hosttest/posix/meson.build).
 */
#ifndef LIBOS_WORD_COPY_H
#define LIBOS_WORD_COPY_H

#include <stddef.h>
#include <stdint.h>

/* A word access that may alias any object (the buffers are bytes). */
typedef uint64_t word_copy_word __attribute__((may_alias));
/* Two words as one unit: a 16-byte register where the machine has one
 * (SSE2 on the host), two 64-bit registers on rv64gc (GCC splits it);
 * 8-byte aligned like the words. */
typedef uint64_t word_copy_pair __attribute__((vector_size(16), aligned(8), may_alias));

/* Words only from this many bytes: below it the alignment prologue costs
 * more than it saves. */
#define WORD_COPY_MIN 16u

/* `to` and `from` do not overlap. */
static inline void word_copy(void *to, const void *from, size_t n)
{
	uint8_t *t = to;
	const uint8_t *f = from;
	if (n >= WORD_COPY_MIN && (((uintptr_t)t ^ (uintptr_t)f) & 7u) == 0) {
		for (; ((uintptr_t)t & 7u) != 0; n--)
			*t++ = *f++;
		word_copy_word *tw = (word_copy_word *)(void *)t;
		const word_copy_word *fw = (const word_copy_word *)(const void *)f;
		/* 128 bytes per iteration: the loop's own three instructions
		 * are then 16% of it (a 4 KiB block: 32 iterations). */
		for (; n >= 128; n -= 128, tw += 16, fw += 16) {
			word_copy_pair *tp = (word_copy_pair *)tw;
			const word_copy_pair *fp = (const word_copy_pair *)fw;
			word_copy_pair a = fp[0], b = fp[1], c = fp[2], d = fp[3];
			word_copy_pair e = fp[4], f8 = fp[5], g = fp[6], h = fp[7];
			tp[0] = a;
			tp[1] = b;
			tp[2] = c;
			tp[3] = d;
			tp[4] = e;
			tp[5] = f8;
			tp[6] = g;
			tp[7] = h;
		}
		if (n >= 64) {
			word_copy_pair *tp = (word_copy_pair *)tw;
			const word_copy_pair *fp = (const word_copy_pair *)fw;
			word_copy_pair a = fp[0], b = fp[1], c = fp[2], d = fp[3];
			tp[0] = a;
			tp[1] = b;
			tp[2] = c;
			tp[3] = d;
			n -= 64;
			tw += 8;
			fw += 8;
		}
		for (; n >= 8; n -= 8)
			*tw++ = *fw++;
		t = (uint8_t *)tw;
		f = (const uint8_t *)fw;
	}
	for (; n > 0; n--)
		*t++ = *f++;
}

#endif
