/* SPDX-License-Identifier: MIT */
/*
 * Device-tree bindings the RISC-V kernel needs beyond the generic reader
 * (core/dtb.h): which ISA extensions a hart has, and how interrupts are
 * wired (phandles, interrupt parents, "interrupts" and
 * "interrupts-extended"). Built only on dtb.h's bounds-checked queries, so
 * the same untrusted-blob guarantees hold; a cycle of interrupt-parent
 * links in a hostile blob ends in an error, not a loop.
 */
#ifndef CORE_DTB_RISCV_H
#define CORE_DTB_RISCV_H

#include <stdbool.h>
#include <stdint.h>

#include "compiler.h"
#include "dtb.h"
#include "error.h"

/* The most cells one interrupt specifier may have here (the PLIC and the
 * cpu's local controller use 1, the APLIC 2). */
#define DTB_IRQ_MAX_CELLS 4

/* One interrupt: the controller that receives it and its specifier. */
struct dtb_irq {
	struct dtb_node controller;
	uint32_t cells; /* the controller's #interrupt-cells, 0..DTB_IRQ_MAX_CELLS */
	uint32_t spec[DTB_IRQ_MAX_CELLS];
};

/*
 * Whether cpu node `cpu` lists ISA extension `name` (lower case: a single
 * letter such as "f", or a multi-letter name such as "sstc"). The list
 * "riscv,isa-extensions" decides when present; otherwise "riscv,isa" is
 * parsed: "rv64" or "rv32", single letters ('g' meaning imafd, zicsr and
 * zifencei), then '_'-separated multi-letter names, case-insensitively.
 * A malformed or missing property means "no". Assumes name is terminated.
 */
bool dtb_cpu_has_extension(const struct dtb *dtb, struct dtb_node cpu, const char *name);

/* The node whose "phandle" (or legacy "linux,phandle") is `phandle`.
 * ERR_FAILED_LOOKUP when none; phandles 0 and 0xffffffff are never valid
 * (ERR_INVALID_ARGUMENT), as libfdt's fdt_node_offset_by_phandle. */
MUST_CHECK enum error dtb_node_by_phandle(const struct dtb *dtb, uint32_t phandle,
					  struct dtb_node *node);

/* The controller that the node's "interrupts" go to: follow
 * "interrupt-parent" (or, without it, the tree parent) until a node with
 * "#interrupt-cells". ERR_FAILED_LOOKUP when the chain ends without one,
 * ERR_INVALID_ARGUMENT for a dangling phandle or a cycle. */
MUST_CHECK enum error dtb_interrupt_parent(const struct dtb *dtb, struct dtb_node node,
					   struct dtb_node *controller);

/* The node's `index`th interrupt: from "interrupts-extended" when present
 * (phandle, then that controller's #interrupt-cells cells, per entry),
 * else from "interrupts" with the interrupt parent's #interrupt-cells.
 * ERR_FAILED_LOOKUP when the node has neither, ERR_RANGE past the last,
 * ERR_INVALID_ARGUMENT when a phandle dangles, a controller's
 * #interrupt-cells is missing or above DTB_IRQ_MAX_CELLS, or the length is
 * not a whole number of entries. */
MUST_CHECK enum error dtb_interrupt(const struct dtb *dtb, struct dtb_node node, uint32_t index,
				    struct dtb_irq *out);

#endif
