/* SPDX-License-Identifier: MIT */
/*
 * One kernel object in fresh host memory, with a cap to it in its own slot:
 * what the object suites (uintr_obj, channel_obj) build their worlds from.
 * Include after <cmocka.h>.
 */
#ifndef HOSTTEST_HOST_OBJECT_H
#define HOSTTEST_HOST_OBJECT_H

#include <stdlib.h>
#include <string.h>

#include "cte.h"
#include "object.h"

struct obj {
	struct cte slot;
	void *mem;
};

/* Zeroed, aligned to its size, as retype hands out memory. */
static inline struct obj make(enum object_type type, unsigned user_bits)
{
	struct obj o = { 0 };
	size_t bytes = (size_t)1 << object_size_bits(type, user_bits);
	o.mem = aligned_alloc(bytes, bytes);
	assert_non_null(o.mem);
	memset(o.mem, 0, bytes);
	o.slot.cap = object_init(type, (uintptr_t)o.mem, user_bits, false);
	return o;
}

#endif
