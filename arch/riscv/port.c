/* SPDX-License-Identifier: MIT */
/* The kernel's implementation of core/port.h (the host's is hosttest/fake_arch.c). */
#include "port.h"

#include "console.h"
#include "memory.h"

_Noreturn void port_assert_failed(const char *file, int line, const char *expr)
{
	panic("core contract failed at %s:%d: %s", file, line, expr);
}

void *port_phys_to_virt(uint64_t pa)
{
	return physical_to_kernel(pa);
}

uint64_t port_virt_to_phys(const void *va)
{
	return kernel_to_physical(va);
}
