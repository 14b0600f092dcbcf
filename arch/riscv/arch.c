/* SPDX-License-Identifier: MIT */
/* Bring-up of the machine-facing modules (see arch.h). */
#include "arch.h"

#include "console.h"
#include "timer.h"

void arch_init(const struct dtb *dtb, arch_map_device_fn map_device)
{
	(void)map_device;
	enum error err = arch_timer_init(dtb);
	if (err != ERR_OK)
		panic("no usable timebase-frequency in the DTB: %s", error_name(err));
	kprintf("# timer: timebase %lu Hz\n", arch_timer_frequency());
}

void arch_init_hart(void)
{
	arch_timer_init_hart();
}
