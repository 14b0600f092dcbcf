/* SPDX-License-Identifier: MIT */
/* The choice of user-interrupt backend (see uintr_select.h). */
#include "uintr_select.h"

#include "console.h"

extern const struct uintr_backend uintr_backend_emulated;
/* arch/riscv's hardware backend, when it is linked in (its own file). */
extern const struct uintr_backend uintr_backend_hardware __attribute__((weak));

const struct uintr_backend *uintr_backend = &uintr_backend_emulated;

void arch_uintr_init(const struct dtb *dtb)
{
	struct uintr_hw_info hw;
	enum uintr_backend_kind kind = uintr_probe(dtb, &hw);
	if (kind == UINTR_BACKEND_HARDWARE && &uintr_backend_hardware != NULL)
		uintr_backend = &uintr_backend_hardware;
	kprintf("# uintr: %s backend\n", uintr_backend->name);
}

void arch_uintr_init_hart(void)
{
	if (uintr_backend->init_hart != NULL)
		uintr_backend->init_hart();
}
