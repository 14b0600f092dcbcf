/* SPDX-License-Identifier: MIT */
/*
 * Sv39 virtual address spaces built from capabilities, with seL4's RISC-V
 * VSpace semantics (docs/vspace.md has the rules and the error table).
 *
 * A VSpace is a page-table object assigned an ASID (asid.h). Its lower half
 * (addresses below VSPACE_USER_TOP) is user space, built here from
 * page-table and frame objects the user retyped from untyped; its upper half
 * is the kernel's, copied from vspace_kernel_root() when the ASID is
 * assigned and never changed through this module.
 *
 * Capabilities own mappings. A frame cap maps its frame at most once and
 * records where (ASID, vaddr); copies of it start unmapped and map
 * elsewhere. A page-table cap records where its table is mapped, and copies
 * share that mapping. Deleting a mapped frame cap unmaps what it mapped;
 * deleting the last cap to a page table unmaps the table (for a VSpace root:
 * invalidates its ASID). A mapping whose table went away first leaves its
 * cap stale: unmapping through it finds nothing to remove.
 *
 * Every change that can leave a stale translation asks port.h for the
 * narrowest flush: a page (frame map, remap and unmap) or an ASID (table map
 * and unmap, ASID invalidation).
 *
 * Invariants (vspace_check_invariants): in every VSpace, lower-half leaves
 * are user, accessed, dirty, readable, not global, aligned to their size;
 * non-leaf entries carry no permission bits and never sit at level 0; the
 * upper half equals the kernel root's.
 */
#ifndef CORE_VSPACE_H
#define CORE_VSPACE_H

#include <stdint.h>

#include "cnode.h"
#include "compiler.h"
#include "cte.h"
#include "error.h"
#include "pagetable.h"

/* User mappings lie below this address: the lower half of Sv39. */
#define VSPACE_USER_TOP (UINT64_C(1) << 38)

/* Attributes of vspace_frame_map (seL4's VMAttributes on RISC-V). */
#define VM_ATTR_EXECUTE_NEVER 1u
#define VM_ATTR_ALL VM_ATTR_EXECUTE_NEVER

/*
 * The state machine of a frame or page-table cap: its mapping record.
 *
 *   from \ to    UNMAPPED          MAPPED
 *   UNMAPPED     -                 map; assign (a root)
 *   MAPPED       unmap             remap (same ASID and vaddr)
 *
 * Whether a MAPPED record is live or stale is not stored: it is whether the
 * entry at its place (or its ASID) still names its object. Deletion needs no
 * transition: the cap leaves its slot.
 */
enum mapping_state {
	MAPPING_UNMAPPED = 0,
	MAPPING_MAPPED = 1,
};
#define MAPPING_STATE_COUNT 2

enum mapping_state vspace_mapping_state(struct cap cap);

/* The one place a mapping record changes; asserts the transition is legal
 * (table above). asid and vaddr are ignored for MAPPING_UNMAPPED. */
void vspace_set_mapping(struct cte *slot, enum mapping_state to, uint64_t asid, uint64_t vaddr);

/* The kernel's root table, whose upper half every VSpace shares. Set once at
 * boot (and by each host test). */
void vspace_set_kernel_root(const struct pagetable *root);
const struct pagetable *vspace_kernel_root(void);

/*
 * PageTable_Map: map the page table in `table` into the VSpace whose root
 * cap is in `vspace`, at the deepest level missing on the way to `vaddr`.
 * Untrusted: both slots' contents, vaddr. Errors, nothing changed:
 * ERR_INVALID_CAPABILITY table is not an unmapped page table, or vspace not
 * an assigned VSpace root (or a root whose ASID now names another);
 * ERR_FAILED_LOOKUP the root's ASID is invalid (fault: invalid root);
 * ERR_INVALID_ARGUMENT vaddr is not a user address; ERR_DELETE_FIRST every
 * level already exists, or a leaf covers vaddr.
 */
MUST_CHECK enum error vspace_page_table_map(struct cte *table, const struct cte *vspace,
					    uint64_t vaddr, struct lookup_fault *fault);

/*
 * PageTable_Unmap: unmap the table (if mapped and still reachable) and clear
 * it, so that it can be mapped again empty. Untrusted: slot contents.
 * Errors: ERR_INVALID_CAPABILITY not a page table; ERR_REVOKE_FIRST other
 * caps to the table exist, or it is a VSpace root (delete it instead).
 */
MUST_CHECK enum error vspace_page_table_unmap(struct cte *table);

/*
 * Page_Map: map the frame in `frame` at `vaddr` of the VSpace in `vspace`
 * with rights (CAP_RIGHT_READ/WRITE) masked by the cap's, and attributes
 * (VM_ATTR_*). Without read left the mapping is kernel-only, as seL4's:
 * execute-only when executable, else no entry (the cap still records it).
 * A cap already mapped at exactly (that ASID, vaddr) is a remap:
 * the entry gets the new rights. Untrusted: everything. Errors, nothing
 * changed: ERR_INVALID_CAPABILITY frame is not a frame cap, vspace not an
 * assigned root, or a mapped cap's ASID differs; ERR_FAILED_LOOKUP invalid
 * ASID, or no table at the frame's level (fault: missing capability, the
 * bits left at the level the walk stopped, as seL4); ERR_INVALID_ARGUMENT
 * vaddr not a user address, unknown rights/attribute bits, or a mapped
 * cap's vaddr differs; ERR_ALIGNMENT vaddr is not aligned
 * to the frame size; ERR_DELETE_FIRST something is mapped there;
 * ERR_ILLEGAL_OPERATION remap of a stale mapping.
 */
MUST_CHECK enum error vspace_frame_map(struct cte *frame, const struct cte *vspace, uint64_t vaddr,
				       uint64_t rights, uint64_t attributes,
				       struct lookup_fault *fault);

/* Page_Unmap: remove the cap's mapping, if any (a stale one changes no
 * entry). Untrusted: slot contents. ERR_INVALID_CAPABILITY not a frame. */
MUST_CHECK enum error vspace_frame_unmap(struct cte *frame);

/* The translation of va in the VSpace of asid: ERR_FAILED_LOOKUP when no
 * VSpace holds asid or nothing maps va (pagetable_translate's errors). */
MUST_CHECK enum error vspace_translate(uint64_t asid, uint64_t va,
				       struct pagetable_translation *out);

/* object_finalise's hooks: a frame cap is leaving its slot (unmap it if
 * mapped); the last cap to a page table is going (unmap it, or invalidate
 * the ASID of a VSpace root). */
void vspace_finalise_frame(struct cap frame);
void vspace_finalise_page_table(struct cap table);

/* NULL when the invariants in the file comment hold, else the first one
 * violated (also asid_check_invariants'). */
const char *vspace_check_invariants(void);

#endif
