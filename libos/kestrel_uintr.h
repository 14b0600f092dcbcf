/* SPDX-License-Identifier: MIT */
/*
 * User-mode interrupts from user level (docs/uintr.md, docs/abi.md): the
 * uipi instructions and uret (the same words on both backends: the
 * hardware runs them, the emulated backend traps and runs them in the
 * kernel), the wait system call, and the invocations that make a thread a
 * receiver or a sender.
 */
#ifndef LIBOS_KESTREL_UINTR_H
#define LIBOS_KESTREL_UINTR_H

#include <stdbool.h>
#include <stdint.h>

#include "kestrel.h"

/* uipi SEND: entry `index` of the caller's sender table (a silent no-op
 * for a bad index, an empty entry or no table, as on the hardware). */
static inline void uipi_send(uint64_t index)
{
	__asm__ volatile(".insn r 0x7b, 6, 0, x0, %0, x0" : : "r"(index) : "memory");
}

/*
 * A handler's first step, before its READ: clear uip.USIP (csrrci x0, uip,
 * 1). On the hardware UINTC raises that line and never lowers it, so a
 * handler that leaves it set is entered again at its uret for ever; the
 * emulated backend runs it as a no-op. Clearing before the READ means a
 * send after the READ raises the line again. The same word for assembly
 * stubs: KESTREL_UINTR_CLEAR_USIP.
 */
#define KESTREL_UINTR_CLEAR_USIP ".4byte 0x0440f073\n"
/* The uret instruction (binutils no longer names it). */
#define KESTREL_URET ".4byte 0x00200073\n"

/*
 * Defines `entry` (for utvec): save what C may clobber on the interrupted
 * code's stack (below its sp; the ABI keeps nothing there), clear USIP,
 * run `void handler(void)`, restore, uret. The caller declares both.
 */
#define KESTREL_UINTR_ENTRY(entry, handler)                                                        \
	__asm__(".text\n"                                                                          \
		".balign 4\n"                                                                      \
		".globl " #entry "\n" #entry ":\n"                                                 \
		"addi sp, sp, -144\n"                                                              \
		"sd ra, 0(sp)\n sd t0, 8(sp)\n sd t1, 16(sp)\n sd t2, 24(sp)\n"                    \
		"sd a0, 32(sp)\n sd a1, 40(sp)\n sd a2, 48(sp)\n sd a3, 56(sp)\n"                  \
		"sd a4, 64(sp)\n sd a5, 72(sp)\n sd a6, 80(sp)\n sd a7, 88(sp)\n"                  \
		"sd t3, 96(sp)\n sd t4, 104(sp)\n"                                                 \
		"sd t5, 112(sp)\n sd t6, 120(sp)\n" KESTREL_UINTR_CLEAR_USIP "call " #handler "\n" \
		"ld ra, 0(sp)\n ld t0, 8(sp)\n ld t1, 16(sp)\n ld t2, 24(sp)\n"                    \
		"ld a0, 32(sp)\n ld a1, 40(sp)\n ld a2, 48(sp)\n ld a3, 56(sp)\n"                  \
		"ld a4, 64(sp)\n ld a5, 72(sp)\n ld a6, 80(sp)\n ld a7, 88(sp)\n"                  \
		"ld t3, 96(sp)\n ld t4, 104(sp)\n ld t5, 112(sp)\n ld t6, 120(sp)\n"               \
		"addi sp, sp, 144\n" KESTREL_URET)

static inline void uintr_clear_usip(void)
{
	__asm__ volatile(KESTREL_UINTR_CLEAR_USIP : : : "memory");
}

/* uipi READ: the caller's pending bits, cleared. */
static inline uint64_t uipi_read(void)
{
	uint64_t bits;
	__asm__ volatile(".insn r 0x7b, 6, 1, %0, x0, x0" : "=r"(bits) : : "memory");
	return bits;
}

/* uipi WRITE: OR bits back into the caller's pending bits. */
static inline void uipi_write(uint64_t bits)
{
	__asm__ volatile(".insn r 0x7b, 6, 2, x0, %0, x0" : : "r"(bits) : "memory");
}

/* The time base (the time CSR, ticks of the DTB's timebase-frequency). */
static inline uint64_t uintr_now(void)
{
	uint64_t t;
	__asm__ volatile("rdtime %0" : "=r"(t));
	return t;
}

/*
 * SYS_UINTR_WAIT: until a user interrupt is pending for the caller or the
 * time base reaches `deadline` (0: poll; UINT64_MAX: no deadline). *woken
 * = 1 when one is pending, 0 when the deadline passed.
 */
static inline enum error kestrel_uintr_wait(uint64_t deadline, uint64_t *woken)
{
	struct kmsg m = { 0 };
	enum error err = kestrel_syscall(SYS_UINTR_WAIT, deadline, 0, &m);
	*woken = m.badge;
	return err;
}

/*
 * SYS_UINTR_SEND_WAIT: uipi SEND `index` first when `send` (its rules: a bad
 * index sends nothing), then as kestrel_uintr_wait, in one kernel entry.
 * *bits = what the kernel READ for the caller (cleared), 0 when it read
 * none: READ them yourself then. Only a0..a2 travel (the kernel writes no
 * other register on this call).
 */
static inline enum error kestrel_uintr_send_wait(uint64_t deadline, uint64_t index, bool send,
						 uint64_t *woken, uint64_t *bits)
{
	register uint64_t a0 __asm__("a0") = deadline;
	register uint64_t a1 __asm__("a1") = index;
	register uint64_t a2 __asm__("a2") = send ? ABI_UINTR_SEND : 0;
	register uint64_t a7 __asm__("a7") = SYS_UINTR_SEND_WAIT;
	__asm__ volatile("ecall" : "+r"(a0), "+r"(a1), "+r"(a2) : "r"(a7) : "memory");
	*woken = a1;
	*bits = a2;
	return (enum error)a0;
}

/* SYS_DEBUG_UINTR_CLAIMS: the claims this hart's UintrSendWaits took. */
static inline uint64_t kestrel_uintr_claims(void)
{
	struct kmsg m = { 0 };
	(void)kestrel_syscall(SYS_DEBUG_UINTR_CLAIMS, 0, 0, &m);
	return m.badge;
}

enum error kestrel_tcb_uintr_bind_receiver(cptr_t tcb, cptr_t service, uint64_t utvec,
					   uint64_t uscratch, uint64_t flags);
enum error kestrel_tcb_uintr_unbind_receiver(cptr_t tcb);
enum error kestrel_tcb_uintr_bind_sender_table(cptr_t tcb, cptr_t table);
enum error kestrel_tcb_uintr_unbind_sender_table(cptr_t tcb);
/* *vector_out: the vector used (may be NULL). */
enum error kestrel_sender_table_register(cptr_t table, uint64_t index, cptr_t service,
					 uint64_t vector, uint64_t *vector_out);
enum error kestrel_sender_table_unregister(cptr_t table, uint64_t index);

#endif
