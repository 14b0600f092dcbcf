/* SPDX-License-Identifier: MIT */
/*
 * The emulated backend's instruction decoder (docs/abi.md, "User-mode
 * interrupt instructions"): which words a user thread may run as uipi,
 * uret or an N-extension CSR access. Pure logic, no machine state, so the
 * host tests it against the encodings written out another way
 * (hosttest/test_uintr_decode.c).
 */
#ifndef ARCH_RISCV_UINTR_DECODE_H
#define ARCH_RISCV_UINTR_DECODE_H

#include <stdbool.h>
#include <stdint.h>

enum uintr_insn_kind {
	UINTR_INSN_SEND = 0,  /* uipi SEND: index in rs1 */
	UINTR_INSN_READ = 1,  /* uipi READ: bits to rd */
	UINTR_INSN_WRITE = 2, /* uipi WRITE: bits in rs1 */
	UINTR_INSN_URET = 3,
	UINTR_INSN_CSR = 4, /* csrr{w,s,c}[i] on a user CSR */
};

/* The N extension's user CSRs. */
enum uintr_csr {
	UINTR_CSR_USTATUS = 0x000, /* UIE bit 0, UPIE bit 4 */
	UINTR_CSR_UIE = 0x004,     /* USIE bit 0 */
	UINTR_CSR_UTVEC = 0x005,
	UINTR_CSR_USCRATCH = 0x040,
	UINTR_CSR_UEPC = 0x041,
	UINTR_CSR_UCAUSE = 0x042,
	UINTR_CSR_UTVAL = 0x043,
	UINTR_CSR_UIP = 0x044, /* USIP bit 0 */
};

struct uintr_insn {
	enum uintr_insn_kind kind;
	unsigned rd, rs1; /* CSR immediate forms: rs1 is the 5-bit immediate */
	unsigned csr;     /* UINTR_INSN_CSR */
	unsigned csr_op;  /* 1 write, 2 set, 3 clear */
	bool csr_imm;     /* the immediate form */
};

/*
 * Decode `insn`: true and *out filled for the three user uipi forms (every
 * field the form does not use zero), uret, and the CSR instructions on
 * enum uintr_csr's numbers; false for anything else (ACTIVATE, DEACTIVATE
 * and unknown uipi ops, stray fields, other CSRs: illegal instructions).
 * Untrusted: insn (any word).
 */
bool uintr_decode(uint32_t insn, struct uintr_insn *out);

#endif
