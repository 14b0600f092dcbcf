/* SPDX-License-Identifier: MIT */
/*
 * The first instructions of every hart. OpenSBI enters the boot hart at the
 * kernel's physical load address (0x80200000) in S-mode with the MMU off,
 * a0 = hart id and a1 = DTB physical address; secondary harts enter at
 * secondary_entry through SBI HSM hart_start with a1 = the physical address
 * of their struct hart.
 *
 * The kernel is linked at KERNEL_PHYSMAP_OFFSET + its physical address, so
 * this code runs position-independently (medany: PC-relative addressing)
 * until it has turned on paging with boot_pagetable, which maps the
 * kernel's gigapage twice: at its physical address (so the instruction after
 * `csrw satp` can be fetched) and in the physical-memory window, where the
 * rest of the kernel runs. kernel_boot() replaces that table with one built
 * from the DTB.
 */
#include "config.h"
#include "layout.h"

#define PTE_KERNEL_GIGAPAGE 0xcf /* V R W X A D: identity and window, kernel only */
#define SATP_SV39 (8 << 60)

	.section .text.boot, "ax"
	.globl _start
_start:
	csrw sie, zero
	csrw sscratch, zero
	mv s0, a0
	mv s1, a1
	/* Only the first hart here boots. OpenSBI 1.1 may send a secondary
	 * hart here instead of to secondary_entry (seen under QEMU at -smp 2,
	 * about once in 70 boots, when the hart reaches the firmware late:
	 * its warm start resets the jump address hart_start had set). */
	la t0, boot_claimed
	li t1, 1
	amoswap.w.aq t1, t1, (t0)
	bnez t1, late_secondary

	/* Zero .bss (physical addresses: PC-relative la). */
	la t0, __bss_start
	la t1, __bss_end
1:	bgeu t0, t1, 2f
	sd zero, 0(t0)
	addi t0, t0, 8
	j 1b
2:
	/* boot_pagetable[pa >> 30] = identity gigapage of the kernel. */
	la t0, boot_pagetable
	la t1, _start
	srli t1, t1, 30
	slli t2, t1, 3
	add t2, t0, t2
	slli t3, t1, 28 /* PPN of gigapage (pa >> 12) in PTE bits 53..10 */
	ori t3, t3, PTE_KERNEL_GIGAPAGE
	sd t3, 0(t2)

	/* boot_pagetable[256 + i] = physical gigapage i, for the first few GiB. */
	li t1, 0
	li t4, BOOT_PHYSMAP_GIGAPAGES
	li t2, 256 * 8
	add t2, t0, t2
3:	slli t3, t1, 28
	ori t3, t3, PTE_KERNEL_GIGAPAGE
	sd t3, 0(t2)
	addi t2, t2, 8
	addi t1, t1, 1
	bltu t1, t4, 3b

	call enable_boot_paging

	/* Now in the window: the same la gives virtual addresses. */
	la sp, boot_stack_top
	mv tp, zero
	mv a0, s0
	mv a1, s1
	call kernel_boot
4:	wfi
	j 4b

/*
 * A secondary hart that arrived at _start (a0 = its hart id, the struct
 * hart pointer lost): find its struct hart in harts[] by hart id (a slot
 * is in use once its kernel stack is set; hart_start came after that) and
 * go on as secondary_entry would. Physical addresses: no paging yet.
 */
late_secondary:
	la t0, harts
	la t1, hart_struct_bytes
	ld t1, 0(t1)
	la t2, hart_id_offset
	ld t2, 0(t2)
	li t3, CONFIG_MAX_HARTS
1:	beqz t3, 3f
	ld t4, HART_KERNEL_STACK_TOP(t0)
	beqz t4, 2f
	add t5, t0, t2
	ld t5, 0(t5)
	bne t5, a0, 2f
	mv a1, t0
	j secondary_entry
2:	add t0, t0, t1
	addi t3, t3, -1
	j 1b
3:	wfi /* not a hart the kernel runs: stay out of the way */
	j 3b

/*
 * Secondary harts: a0 = hart id, a1 = physical address of struct hart.
 */
	.globl secondary_entry
secondary_entry:
	csrw sie, zero
	csrw sscratch, zero
	mv s1, a1
	call enable_boot_paging
	li t0, KERNEL_PHYSMAP_OFFSET
	add tp, s1, t0
	ld sp, HART_KERNEL_STACK_TOP(tp)
	ld t0, HART_KERNEL_SATP(tp)
	csrw satp, t0
	sfence.vma zero, zero
	mv a0, tp
	call hart_main
5:	wfi
	j 5b

/*
 * Turn on boot_pagetable and return to the caller's return address moved
 * into the window: called with the MMU off, returns with it on, high.
 */
enable_boot_paging:
	la t0, boot_pagetable
	srli t0, t0, 12
	li t1, SATP_SV39
	or t0, t0, t1
	sfence.vma zero, zero
	csrw satp, t0
	sfence.vma zero, zero
	li t0, KERNEL_PHYSMAP_OFFSET
	add ra, ra, t0
	ret

	.section .data
boot_claimed: /* .data, not .bss: _start clears .bss after the claim */
	.word 0
	.balign 4096
	.globl boot_pagetable
boot_pagetable:
	.zero 4096

	.section .bss
	.balign 16
boot_stack:
	.zero KERNEL_STACK_BYTES
	.globl boot_stack_top
boot_stack_top:
