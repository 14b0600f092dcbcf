/* SPDX-License-Identifier: MIT */
/*
 * The kernel's virtual memory layout and the offsets assembly needs. Shared
 * by C and .S files, so only #defines. See docs/boot.md for the picture.
 */
#ifndef ARCH_RISCV_LAYOUT_H
#define ARCH_RISCV_LAYOUT_H

/* All physical memory (and the device gigapages the kernel uses) appears at
 * physical address + this offset: the bottom of Sv39's upper half. */
#define KERNEL_PHYSMAP_OFFSET 0xffffffc000000000
/* The boot page table maps this much physical memory (from 0) at the offset
 * until the kernel has read the DTB and built its own table. */
#define BOOT_PHYSMAP_GIGAPAGES 4

#define KERNEL_STACK_BYTES 16384

/* struct trap_frame: x0..x31 by register number (x0's slot unused), then sepc. */
#define FRAME_REGISTER(n) ((n)*8)
#define FRAME_SEPC (32 * 8)
#define FRAME_BYTES (33 * 8)
/* The register block's word after the frame: the ecall a thread is in
 * (kernel/thread.h's REG_SYSCALL_PC), which trap.S sets for the first tier. */
#define FRAME_SYSCALL_PC (33 * 8)

/* The first fields of struct hart (kernel/hart.h), read by trap.S. */
#define HART_SCRATCH 0
#define HART_USER_FRAME 8
#define HART_KERNEL_STACK_TOP 16
#define HART_KERNEL_SATP 24
#define HART_FASTPATH_CALLS 32

/* The traps trap.S sends to the fastpath's first tier (fastpath_entry)
 * before trap_from_user: an ecall with a7 = SYS_CALL or SYS_REPLY_RECV
 * (fastpath.c checks these against core/abi.h and csr.h). */
#define TRAP_CAUSE_USER_ECALL 8
#define TRAP_SYS_CALL 1
#define TRAP_SYS_REPLY_RECV 2
/* And UintrSendWait's first tier (kernel/uintr_sendwait_entry.c, which
 * checks the number and the cause itself). */
#define TRAP_SYS_UINTR_SEND_WAIT 28
/* user_return_ipc's message: the length field of the info word (its low
 * bits, core/message.h) and how many words travel in registers. */
#define TRAP_MSG_LENGTH_MASK 0x7f
#define TRAP_MSG_REGISTER_WORDS 8

#endif
