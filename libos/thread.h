/* SPDX-License-Identifier: MIT */
/*
 * More threads in a program's own address space: each needs its own stack,
 * IPC buffer and thread-local storage (picolibc's errno, libos's IPC buffer
 * pointer). The caller makes the TCB and memory with invocations; these
 * helpers lay out TLS and give the registers a new thread starts with.
 */
#ifndef LIBOS_THREAD_H
#define LIBOS_THREAD_H

#include <stddef.h>
#include <stdint.h>

#include "kestrel.h"

/* Bytes (and alignment) of one TLS block. */
size_t libos_tls_size(void);

/*
 * Registers (ABI_REG_* order, count ABI_REG_COUNT) that start fn(arg) in a
 * new thread: stack top `sp`, IPC buffer at `ipc_buffer`, TLS block at
 * `tls` (libos_tls_size bytes, initialised here), and `self` its own TCB
 * cptr: when fn returns, the thread suspends itself.
 */
void libos_thread_registers(uint64_t regs[ABI_REG_COUNT], void (*fn)(uint64_t), uint64_t arg,
			    uint64_t sp, struct ipc_buffer *ipc_buffer, void *tls, cptr_t self);

#endif
