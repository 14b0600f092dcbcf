/* SPDX-License-Identifier: MIT */
/*
 * From crt0 to main: set up thread-local storage for picolibc (errno lives
 * there) and the IPC buffer pointer, remember the start argument, run main,
 * exit with its status. Also the _exit that picolibc's exit() ends in.
 */
#include <stdio.h>
#include <stdlib.h>

#include "kestrel.h"
#include "process.h"

extern char __tls_base[];
void _set_tls(void *tls);
int main(void);
_Noreturn void libos_start(uint64_t argument, uint64_t ipc_buffer);

static uint64_t boot_argument;

uint64_t kestrel_boot_argument(void)
{
	return boot_argument;
}

unsigned kestrel_hart(void)
{
	struct kmsg m = { 0 };
	(void)kestrel_syscall(SYS_DEBUG_HART, 0, 0, &m);
	return (unsigned)m.badge;
}

_Noreturn void kestrel_halt(bool pass)
{
	struct kmsg m = { 0 };
	(void)kestrel_syscall(SYS_DEBUG_HALT, pass ? 0 : 1, 0, &m);
	for (;;)
		; /* halt does not return */
}

_Noreturn void kestrel_exit(int status)
{
	struct kmsg m = { .info = kestrel_info(PROC_EXIT_LABEL, 1, 0), .mr = { (uint64_t)status } };
	(void)kestrel_call(PROC_CAP_PARENT, &m);
	/* The root task ends the program on this message; never reached. */
	for (;;)
		(void)kestrel_tcb_suspend(PROC_CAP_TCB);
}

_Noreturn void _exit(int status)
{
	kestrel_exit(status);
}

static void flush_stdout(void)
{
	fflush(stdout);
}

_Noreturn void libos_start(uint64_t argument, uint64_t ipc_buffer)
{
	/* The loader zero-filled .tbss and loaded .tdata in place: the image's
	 * TLS block serves the first thread. */
	_set_tls(__tls_base);
	kestrel_set_ipc_buffer((struct ipc_buffer *)(uintptr_t)ipc_buffer);
	boot_argument = argument;
	atexit(flush_stdout);
	exit(main());
}
