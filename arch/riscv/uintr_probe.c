/* SPDX-License-Identifier: MIT */
/*
 * Which user-interrupt backend the machine gets (uintr_backend.h): read
 * from the device tree only, so that probing never executes an N-extension
 * instruction or CSR access on a machine that would trap on it. Pure logic
 * over the DTB: hosttest/test_uintr_probe.c runs it against QEMU's trees.
 */
#include "uintr_backend.h"

#include "dtb_riscv.h"

#define PROBE_MAX_CPUS 64

/* Every enabled cpu node lists the N extension (and there is one). */
static bool every_hart_has_n(const struct dtb *dtb)
{
	struct dtb_cpu cpus[PROBE_MAX_CPUS];
	size_t count;
	if (dtb_cpus(dtb, cpus, PROBE_MAX_CPUS, &count) != ERR_OK || count == 0 ||
	    count > PROBE_MAX_CPUS)
		return false;
	bool any = false;
	for (size_t i = 0; i < count; i++) {
		if (!cpus[i].enabled)
			continue;
		if (!dtb_cpu_has_extension(dtb, cpus[i].node, "n"))
			return false;
		any = true;
	}
	return any;
}

/* Untrusted: the DTB's contents (dtb_open validated its structure). */
enum uintr_backend_kind uintr_probe(const struct dtb *dtb, struct uintr_hw_info *hw)
{
	if (!every_hart_has_n(dtb))
		return UINTR_BACKEND_EMULATED;
	struct dtb_node node, prev;
	const struct dtb_node *after = NULL;
	while (dtb_find_compatible(dtb, after, "riscv,uintc0", &node) == ERR_OK) {
		struct dtb_range reg;
		if (dtb_node_enabled(dtb, node) && dtb_reg(dtb, node, 0, &reg) == ERR_OK &&
		    reg.size >= UINTC_SLOT_BYTES && reg.base % UINTC_SLOT_BYTES == 0) {
			uint64_t slots = reg.size / UINTC_SLOT_BYTES;
			hw->uintc_base = reg.base;
			hw->uintc_size = reg.size;
			hw->slots = (uint32_t)(slots < UINTC_SLOTS_MAX ? slots : UINTC_SLOTS_MAX);
			return UINTR_BACKEND_HARDWARE;
		}
		prev = node;
		after = &prev;
	}
	return UINTR_BACKEND_EMULATED;
}
