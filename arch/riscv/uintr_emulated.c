/* SPDX-License-Identifier: MIT */
/*
 * The emulated user-interrupt backend (uintr_backend.h, docs/uintr.md): on
 * stock QEMU uipi, uret and the N extension's user CSRs (ustatus, uie,
 * utvec, uscratch, uepc, ucause, utval, uip) are illegal instructions,
 * decoded from the trap's stval (QEMU reports the instruction word there;
 * uintr_decode.c) and run on core/uintr.c's state, so a program uses the
 * same instructions on both backends. The kernel calls `trap` WITHOUT the
 * kernel lock: everything here touches only the calling hart's frame, the
 * receiver loaded on this hart (its own thread's) and the lock-free
 * uintr_send.
 */
#include "csr.h"
#include "hart.h"
#include "uintr_backend.h"
#include "uintr_decode.h"

#define USTATUS_UIE 1u
#define USTATUS_UPIE 0x10u

static uint64_t reg(const struct trap_frame *frame, unsigned n)
{
	return n == 0 ? 0 : frame->registers[n];
}

static void set_reg(struct trap_frame *frame, unsigned n, uint64_t value)
{
	if (n != 0)
		frame->registers[n] = value;
}

static uint64_t csr_read(struct uintr_receiver *r, unsigned csr)
{
	const struct uintr_regs *regs = uintr_regs(r);
	switch ((enum uintr_csr)csr) {
	case UINTR_CSR_USTATUS:
		return (regs->uie ? USTATUS_UIE : 0) | (regs->upie ? USTATUS_UPIE : 0);
	case UINTR_CSR_UIE: return regs->enabled;
	case UINTR_CSR_UTVEC: return regs->utvec;
	case UINTR_CSR_USCRATCH: return regs->uscratch;
	case UINTR_CSR_UEPC: return regs->uepc;
	case UINTR_CSR_UCAUSE: return regs->ucause;
	case UINTR_CSR_UTVAL: return 0; /* nothing traps to user mode but USI */
	case UINTR_CSR_UIP: return atomic_load(&r->pending) != 0;
	}
	return 0;
}

/* The thread's own state; a reserved utvec MODE is dropped, as QEMU's
 * write_utvec does; utval and uip are read-only here. Untrusted: value. */
static void csr_write(struct uintr_receiver *r, unsigned csr, uint64_t value)
{
	switch ((enum uintr_csr)csr) {
	case UINTR_CSR_USTATUS:
		r->regs.uie = (value & USTATUS_UIE) != 0;
		r->regs.upie = (value & USTATUS_UPIE) != 0;
		return;
	case UINTR_CSR_UIE: uintr_set_enabled(r, (value & 1) != 0); return;
	case UINTR_CSR_UTVEC:
		if (uintr_set_handler(r, value, r->regs.uscratch) != ERR_OK)
			return; /* reserved MODE: the write is dropped */
		return;
	case UINTR_CSR_USCRATCH: r->regs.uscratch = value; return;
	case UINTR_CSR_UEPC: r->regs.uepc = value; return;
	case UINTR_CSR_UCAUSE: r->regs.ucause = value; return;
	case UINTR_CSR_UTVAL:
	case UINTR_CSR_UIP: return;
	}
}

/* csrrw/csrrs/csrrc[i] as the ISA: set and clear with rs1 = x0 (or an
 * immediate 0) do not write. Untrusted: the registers. */
static void run_csr(struct uintr_receiver *r, const struct uintr_insn *in, struct trap_frame *frame)
{
	uint64_t old = csr_read(r, in->csr);
	uint64_t operand = in->csr_imm ? in->rs1 : reg(frame, in->rs1);
	if (in->csr_op == 1)
		csr_write(r, in->csr, operand);
	else if (in->csr_op == 2 && in->rs1 != 0)
		csr_write(r, in->csr, old | operand);
	else if (in->csr_op == 3 && in->rs1 != 0)
		csr_write(r, in->csr, old & ~operand);
	set_reg(frame, in->rd, old);
}

/* No lock. r, t: what this hart loaded for its thread (either may be NULL).
 * Untrusted: insn, the frame's registers. */
static bool emulated_trap(struct uintr_receiver *r, struct uintr_sender_table *t, uint32_t insn,
			  struct trap_frame *frame)
{
	struct uintr_insn in;
	if (!uintr_decode(insn, &in))
		return false;
	switch (in.kind) {
	case UINTR_INSN_URET:
		/* Not a receiver: no N extension for it, the ordinary fault. */
		if (r == NULL)
			return false;
		(void)uintr_uret(r, &frame->sepc);
		return true;
	case UINTR_INSN_CSR:
		if (r == NULL)
			return false;
		run_csr(r, &in, frame);
		break;
	case UINTR_INSN_SEND:
		/* As the hardware: no table, a bad index or an empty entry is a
		 * silent no-op. */
		if (t != NULL)
			(void)uintr_send(t, reg(frame, in.rs1), hart_current()->cpu_index);
		break;
	case UINTR_INSN_READ: set_reg(frame, in.rd, r != NULL ? uintr_read(r) : 0); break;
	case UINTR_INSN_WRITE:
		if (r != NULL)
			uintr_write(r, reg(frame, in.rs1));
		break;
	}
	frame->sepc += 4;
	return true;
}

/* Under the lock, on the receiver's hart, just before sret. */
static void emulated_return_to_user(struct uintr_receiver *r, struct trap_frame *frame)
{
	(void)uintr_deliver(r, &frame->sepc);
}

static enum error emulated_receiver_created(struct uintr_receiver *r)
{
	(void)r;
	return ERR_OK;
}

const struct uintr_backend uintr_backend_emulated = {
	.kind = UINTR_BACKEND_EMULATED,
	.name = "emulated",
	.receiver_created = emulated_receiver_created,
	.return_to_user = emulated_return_to_user,
	.trap = emulated_trap,
};
