/* SPDX-License-Identifier: MIT */
/* The emulated backend's decoder (see uintr_decode.h). */
#include "uintr_decode.h"

#define OPCODE_MASK 0x7fu
#define OPCODE_CUSTOM3 0x7bu
#define OPCODE_SYSTEM 0x73u
#define FUNCT3_UIPI 6u
#define INSN_URET 0x00200073u

static bool user_csr(unsigned csr)
{
	switch (csr) {
	case UINTR_CSR_USTATUS:
	case UINTR_CSR_UIE:
	case UINTR_CSR_UTVEC:
	case UINTR_CSR_USCRATCH:
	case UINTR_CSR_UEPC:
	case UINTR_CSR_UCAUSE:
	case UINTR_CSR_UTVAL:
	case UINTR_CSR_UIP: return true;
	default: return false;
	}
}

/* Untrusted: insn. */
bool uintr_decode(uint32_t insn, struct uintr_insn *out)
{
	unsigned opcode = insn & OPCODE_MASK, funct3 = (insn >> 12) & 7u;
	*out = (struct uintr_insn){ .rd = (insn >> 7) & 31u, .rs1 = (insn >> 15) & 31u };
	if (insn == INSN_URET) {
		out->kind = UINTR_INSN_URET;
		return true;
	}
	if (opcode == OPCODE_SYSTEM && funct3 != 0 && funct3 != 4) {
		out->kind = UINTR_INSN_CSR;
		out->csr = insn >> 20;
		out->csr_op = funct3 & 3u;
		out->csr_imm = funct3 >= 5;
		return user_csr(out->csr);
	}
	if (opcode != OPCODE_CUSTOM3 || funct3 != FUNCT3_UIPI || ((insn >> 20) & 31u) != 0)
		return false;
	switch (insn >> 25) {
	case UINTR_INSN_SEND: out->kind = UINTR_INSN_SEND; return out->rd == 0;
	case UINTR_INSN_READ: out->kind = UINTR_INSN_READ; return out->rs1 == 0;
	case UINTR_INSN_WRITE: out->kind = UINTR_INSN_WRITE; return out->rd == 0;
	default: return false;
	}
}
