/* SPDX-License-Identifier: MIT */
/*
 * The lending test and benchmark server (servers/lend_server.h): a loop,
 * position-independent, copied into a frame of a second address space.
 * Entered with s0 = endpoint, s1 = reply object, s2/s3 = its window (base,
 * bytes), s4 = a notification. Each round: ReplyRecvWindow; when MR1 is not
 * 0 it first Waits on s4 (the test holds the lent pages there); when pages
 * arrived (t2 = bytes) it reads the first and last word of them in place
 * and adds MR0 to each. The reply: MR0 = bytes lent, MR1/MR2 = the first
 * and last word as it read them (0 when nothing was lent).
 */
	.section .text
	.balign 4
	.globl lend_server_code
	.globl lend_server_code_end
lend_server_code:
	li a2, 0                /* the first reply goes nowhere (no caller) */
1:	mv a0, s0
	mv a1, s1
	mv t0, s2
	mv t1, s3
	li a7, 27               /* SYS_REPLY_RECV_WINDOW */
	ecall
	mv s5, a3               /* what to add */
	mv s6, t2               /* bytes lent */
	beqz a4, 2f
	mv a0, s4
	li a7, 7                /* SYS_WAIT: held until the test signals */
	ecall
2:	li a4, 0
	li a5, 0
	beqz s6, 3f
	ld a4, 0(s2)
	add t4, s2, s6
	addi t4, t4, -8
	ld a5, 0(t4)
	add t5, a4, s5
	sd t5, 0(s2)
	add t5, a5, s5
	sd t5, 0(t4)
3:	mv a3, s6
	li a2, 3                /* label 0, three words */
	j 1b
lend_server_code_end:
