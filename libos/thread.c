/* SPDX-License-Identifier: MIT */
/* Threads in the program's own address space (see thread.h). */
#include "thread.h"

#include <string.h>

extern char __tdata_source[], __tdata_size[], __tbss_offset[], __tbss_size[], __tls_size[];

size_t libos_tls_size(void)
{
	return ((size_t)(uintptr_t)__tls_size + 63) & ~(size_t)63;
}

/* Where a new thread starts (a0 fn, a1 arg, a2 IPC buffer, a3 self). */
static _Noreturn void thread_start(void (*fn)(uint64_t), uint64_t arg, struct ipc_buffer *buffer,
				   cptr_t self)
{
	kestrel_set_ipc_buffer(buffer);
	fn(arg);
	for (;;)
		(void)kestrel_tcb_suspend(self);
}

void libos_thread_registers(uint64_t regs[ABI_REG_COUNT], void (*fn)(uint64_t), uint64_t arg,
			    uint64_t sp, struct ipc_buffer *ipc_buffer, void *tls, cptr_t self)
{
	memcpy(tls, __tdata_source, (size_t)(uintptr_t)__tdata_size);
	memset((char *)tls + (uintptr_t)__tbss_offset, 0, (size_t)(uintptr_t)__tbss_size);
	uint64_t gp;
	__asm__("mv %0, gp" : "=r"(gp));
	for (unsigned i = 0; i < ABI_REG_COUNT; i++)
		regs[i] = 0;
	regs[ABI_REG_PC] = (uint64_t)(uintptr_t)thread_start;
	regs[ABI_REG_SP] = sp & ~(uint64_t)15;
	regs[ABI_REG_GP] = gp;
	regs[ABI_REG_TP] = (uint64_t)(uintptr_t)tls;
	regs[ABI_REG_A0] = (uint64_t)(uintptr_t)fn;
	regs[ABI_REG_A0 + 1] = arg;
	regs[ABI_REG_A0 + 2] = (uint64_t)(uintptr_t)ipc_buffer;
	regs[ABI_REG_A0 + 3] = self;
}
