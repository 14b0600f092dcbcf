/* SPDX-License-Identifier: MIT */
/*
 * Facts about kernel data that entry.S needs and cannot spell itself: how
 * to walk harts[] to find a hart by its id (the late-secondary path).
 * Constants in memory rather than in layout.h, so a change to struct hart
 * needs no change here.
 */
#include <stddef.h>
#include <stdint.h>

#include "hart.h"

extern const uint64_t hart_struct_bytes, hart_id_offset;
const uint64_t hart_struct_bytes = sizeof(struct hart);
const uint64_t hart_id_offset = offsetof(struct hart, hart_id);
