/* SPDX-License-Identifier: MIT */
/* Bring-up of the machine-facing modules (see arch.h). */
#include "arch.h"

#include "console.h"
#include "ipi.h"
#include "irq.h"
#include "timer.h"
#include "uintr_select.h"

static arch_map_device_fn map_device_fn;

void *arch_map_device(uint64_t pa, uint64_t size)
{
	return map_device_fn(pa, size);
}

void arch_init(const struct dtb *dtb, arch_map_device_fn map_device)
{
	map_device_fn = map_device;
	enum error err = arch_timer_init(dtb);
	if (err != ERR_OK)
		panic("no usable timebase-frequency in the DTB: %s", error_name(err));
	kprintf("# timer: timebase %lu Hz\n", arch_timer_frequency());
	err = arch_irq_init(dtb, map_device);
	if (err == ERR_OK)
		kprintf("# interrupts: PLIC, %u sources, %u harts with an S-mode context\n",
			arch_irq_sources(), arch_irq_contexts());
	else
		kprintf("# interrupts: no usable PLIC (%s; found %s): no user-level interrupts "
			"on this machine\n",
			error_name(err), arch_irq_controller_name());
	arch_uintr_init(dtb);
}

void arch_init_hart(void)
{
	arch_timer_init_hart();
	arch_irq_init_hart();
	arch_ipi_init_hart();
	arch_uintr_init_hart();
}
