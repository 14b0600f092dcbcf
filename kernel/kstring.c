/* SPDX-License-Identifier: MIT */
/* Memory functions (see kstring.h), word-wise where aligned. Simple first: measure before
 * making them clever. */
#include "kstring.h"

/* The compiler emits calls to these itself, late in a link-time-optimised
 * build (after it would have dropped unreferenced ones): keep them. */
#define KSTRING_KEEP __attribute__((used))

#include <stdint.h>

/* Words when both ends are 8-byte aligned (GCC calls memcpy for struct
 * copies such as core/'s lookup results: bytewise, they dominated a trap). */
KSTRING_KEEP void *memcpy(void *restrict to, const void *restrict from, size_t bytes)
{
	uint8_t *t = to;
	const uint8_t *f = from;
	if ((((uintptr_t)t | (uintptr_t)f) & 7) == 0) {
		for (; bytes >= 8; bytes -= 8, t += 8, f += 8) {
			__asm__("" : : : "memory"); /* keep it a loop, not a call to itself */
			*(uint64_t *)(void *)t = *(const uint64_t *)(const void *)f;
		}
	}
	while (bytes--)
		*t++ = *f++;
	return to;
}

KSTRING_KEEP void *memmove(void *to, const void *from, size_t bytes)
{
	uint8_t *t = to;
	const uint8_t *f = from;
	if (t < f) {
		while (bytes--)
			*t++ = *f++;
	} else {
		while (bytes--)
			t[bytes] = f[bytes];
	}
	return to;
}

KSTRING_KEEP void *memset(void *to, int value, size_t bytes)
{
	uint8_t *t = to;
	if (((uintptr_t)t & 7) == 0) {
		uint64_t word = (uint8_t)value * UINT64_C(0x0101010101010101);
		for (; bytes >= 8; bytes -= 8, t += 8) {
			__asm__("" : : : "memory");
			*(uint64_t *)(void *)t = word;
		}
	}
	while (bytes--)
		*t++ = (uint8_t)value;
	return to;
}

KSTRING_KEEP int memcmp(const void *a, const void *b, size_t bytes)
{
	const uint8_t *x = a, *y = b;
	for (size_t i = 0; i < bytes; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}
