/* SPDX-License-Identifier: MIT */
/*
 * A lending server in a second address space, for ktest_lend.c and the
 * kbench lending cases: the loop of lend_server.S copied into a frame at
 * LEND_CODE_VA, and page tables under two windows, so that 4 KiB leaves
 * land under LEND_WINDOW_4K (a level-0 table, 2 MiB of window) and 2 MiB
 * leaves under LEND_WINDOW_2M (a level-1 table with empty entries).
 */
#ifndef SERVERS_LEND_SERVER_H
#define SERVERS_LEND_SERVER_H

#include <stdint.h>

#include "kestrel.h"
#include "object.h"

#define LEND_CODE_VA 0x10000ull
#define LEND_WINDOW_4K 0x40000000ull
#define LEND_WINDOW_2M 0x80000000ull
#define LEND_WINDOW_BYTES 0x200000ull

/* Objects come from the caller: a new object of type in a new slot. */
typedef cptr_t (*lend_make_fn)(enum object_type type, unsigned bits);
/* The frame mapped read-write in the caller's own VSpace, or NULL. */
typedef void *(*lend_map_fn)(cptr_t frame);

/* A new VSpace (from PROC_CAP_ASID_POOL) holding the server's code and
 * the window tables. ERR_OK or the first error. */
enum error lend_server_space(lend_make_fn make, lend_map_fn map, cptr_t *vspace);

/* A server thread in vspace and the caller's CSpace, at priority on hart,
 * with fault handler fault_ep, serving ep with reply, naming
 * [window, window + LEND_WINDOW_BYTES), held by hold (a notification). */
enum error lend_server_start(lend_make_fn make, cptr_t vspace, cptr_t ep, cptr_t reply, cptr_t hold,
			     uint64_t window, unsigned priority, unsigned hart, cptr_t fault_ep,
			     cptr_t *tcb);

#endif
