/* SPDX-License-Identifier: MIT */
/*
 * The VSpace test world for test_vspace.c and test_asid.c: a root CNode
 * (radix VW_RADIX, guard making every cptr a slot index), a normal untyped
 * of real host memory (page tables, ASID pools, small frames), a device
 * untyped at a fake physical address (large frames: core/ never touches a
 * frame's memory, so 1 GiB frames cost no host memory), the ASID control
 * cap, and a kernel root whose upper half every VSpace must share.
 *
 * And the independent page walker: Sv39 address translation written from
 * the RISC-V privileged specification's algorithm (section "Virtual
 * Address Translation Process"), sharing no code with core/. It reads
 * tables through the host identity map that fake_arch.c gives core/.
 */
#ifndef HOSTTEST_VSPACE_WORLD_H
#define HOSTTEST_VSPACE_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cap.h"
#include "cnode.h"
#include "cte.h"
#include "pagetable.h"

#define VW_RADIX 10
#define VW_MEM_BITS 23                     /* normal untyped: 8 MiB */
#define VW_DEVICE_BASE (UINT64_C(1) << 40) /* fake physical address */
#define VW_DEVICE_BITS 36
#define VW_MEM_SLOT 1
#define VW_DEVICE_SLOT 2
#define VW_ASID_CONTROL_SLOT 3
#define VW_FIRST_FREE_SLOT 8

struct vspace_world {
	uint8_t *mem;
	uint8_t *cnode_mem;
	struct cap root;
	struct pagetable *kernel_root;
	uint8_t *snapshot_mem, *snapshot_cnode; /* vw_snapshot() */
	struct pagetable snapshot_kernel_root;
};

/* Build (resets the ASID table, the fake machine and the kernel root). */
struct vspace_world *vw_new(void);
void vw_free(struct vspace_world *w);

/* The world of the running test, and CMocka setup/teardown that make and
 * free it (tests name vw_setup and vw_teardown in their tables). */
extern struct vspace_world *W;
int vw_setup(void **state);
int vw_teardown(void **state);

struct cte *vw_slot(struct vspace_world *w, uint64_t index);
struct cslot_ref vw_ref(struct vspace_world *w, uint64_t index);
/* Retype n objects from the untyped in slot ut into slots [dest, dest+n). */
enum error vw_retype(struct vspace_world *w, uint64_t ut, uint64_t type, uint64_t size_bits,
		     uint64_t dest, uint64_t n);
/* Delete / revoke to completion. */
void vw_delete(struct vspace_world *w, uint64_t index);
void vw_revoke(struct vspace_world *w, uint64_t index);
/* A 4 KiB untyped from the normal untyped into `home`, made into an ASID
 * pool in `dest`. Asserts success. */
void vw_make_pool(struct vspace_world *w, uint64_t home, uint64_t dest);
/* A page table retyped into `dest` and assigned an ASID from the pool in
 * pool_slot; returns the ASID. Asserts success. */
uint64_t vw_make_vspace(struct vspace_world *w, uint64_t pool_slot, uint64_t dest);
/* One object of `type` into `dest` (1 GiB frames from the device untyped,
 * which has no host memory behind it). Asserts success. */
void vw_make(struct vspace_world *w, uint64_t type, uint64_t dest);
/* The (host = physical) address of the object named by the cap in `index`. */
uint64_t vw_object_pa(struct vspace_world *w, uint64_t index);

/* The fake machine recorded exactly this many page and ASID flushes. */
void vw_assert_flushes(unsigned pages, unsigned asids);
/* Recorded flush number i was of `kind` (FAKE_FLUSH_*) for asid (and va). */
void vw_assert_flush(unsigned i, int kind, uint64_t asid, uint64_t va);

/* Every byte core/ may write (untyped memory, CNode, kernel root). */
void vw_snapshot(struct vspace_world *w);
void vw_assert_unchanged(struct vspace_world *w);

/* --- The independent walker. --- */
enum walk_access { WALK_READ, WALK_WRITE, WALK_EXECUTE };

struct walk_result {
	bool fault;
	uint64_t pa;
	unsigned level;  /* of the leaf */
	uint64_t pte;    /* the leaf */
	const char *why; /* fault reason, for messages */
};

/* Translate va for a user-mode access (or supervisor with user=false) from
 * the root table at physical address root_pa. */
struct walk_result walk(uint64_t root_pa, uint64_t va, enum walk_access access, bool user);

#endif
