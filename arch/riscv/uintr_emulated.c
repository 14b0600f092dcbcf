/* SPDX-License-Identifier: MIT */
/*
 * The emulated user-interrupt backend (uintr_backend.h, docs/uintr.md): on
 * stock QEMU uipi, uret and the N extension's user CSRs (ustatus, uie,
 * utvec, uscratch, uepc, ucause, utval, uip) are illegal instructions,
 * decoded here from the trap's stval (QEMU reports the instruction word
 * there) and run on core/uintr.c's state, so a program uses the same
 * instructions on both backends. The kernel calls `trap` WITHOUT the kernel lock:
 * everything here touches only the calling hart's frame, the receiver
 * loaded on this hart (its own thread's) and the lock-free uintr_send.
 */
#include "csr.h"
#include "hart.h"
#include "uintr_backend.h"

#define OPCODE_MASK 0x7fu
#define OPCODE_CUSTOM3 0x7bu
#define OPCODE_SYSTEM 0x73u
#define FUNCT3_UIPI 6u
#define INSN_URET 0x00200073u

enum uipi_op {
	UIPI_SEND = 0,
	UIPI_READ = 1,
	UIPI_WRITE = 2,
};

static unsigned rd_of(uint32_t insn)
{
	return (insn >> 7) & 31u;
}

static unsigned rs1_of(uint32_t insn)
{
	return (insn >> 15) & 31u;
}

static uint64_t reg(const struct trap_frame *frame, unsigned n)
{
	return n == 0 ? 0 : frame->registers[n];
}

static void set_reg(struct trap_frame *frame, unsigned n, uint64_t value)
{
	if (n != 0)
		frame->registers[n] = value;
}

/*
 * Is insn one of the three uipi forms a user may run (uintr_backend.h's
 * encodings: SEND rs1, READ rd, WRITE rs1, every other field zero)? The
 * rest of custom-3/110 (ACTIVATE, DEACTIVATE: the kernel's on the
 * hardware; unknown ops; stray fields) is an illegal instruction, as an
 * encoding the hardware does not define. Untrusted: insn.
 */
static bool decode_uipi(uint32_t insn, enum uipi_op *op)
{
	if ((insn & OPCODE_MASK) != OPCODE_CUSTOM3 || ((insn >> 12) & 7u) != FUNCT3_UIPI)
		return false;
	unsigned funct7 = insn >> 25, rs2 = (insn >> 20) & 31u;
	if (rs2 != 0)
		return false;
	switch (funct7) {
	case UIPI_SEND:
	case UIPI_WRITE: *op = (enum uipi_op)funct7; return rd_of(insn) == 0;
	case UIPI_READ: *op = UIPI_READ; return rs1_of(insn) == 0;
	default: return false;
	}
}

/* The N extension's user CSRs, as core/uintr.h's struct uintr_regs. */
enum ucsr {
	CSR_USTATUS = 0x000, /* UIE bit 0, UPIE bit 4 */
	CSR_UIE = 0x004,     /* USIE bit 0: the receiver takes user interrupts */
	CSR_UTVEC = 0x005,
	CSR_USCRATCH = 0x040,
	CSR_UEPC = 0x041,
	CSR_UCAUSE = 0x042,
	CSR_UTVAL = 0x043, /* always 0: nothing traps to user mode but USI */
	CSR_UIP = 0x044,   /* USIP bit 0: bits are pending; writes ignored */
};
#define USTATUS_UIE 1u
#define USTATUS_UPIE 0x10u

static bool csr_read(const struct uintr_receiver *r, unsigned csr, uint64_t *value)
{
	const struct uintr_regs *regs = uintr_regs(r);
	switch (csr) {
	case CSR_USTATUS:
		*value = (regs->uie ? USTATUS_UIE : 0) | (regs->upie ? USTATUS_UPIE : 0);
		return true;
	case CSR_UIE: *value = regs->enabled; return true;
	case CSR_UTVEC: *value = regs->utvec; return true;
	case CSR_USCRATCH: *value = regs->uscratch; return true;
	case CSR_UEPC: *value = regs->uepc; return true;
	case CSR_UCAUSE: *value = regs->ucause; return true;
	case CSR_UTVAL: *value = 0; return true;
	case CSR_UIP:
		*value = atomic_load(&((struct uintr_receiver *)r)->pending) != 0;
		return true;
	default: return false;
	}
}

/* The thread's own state; a reserved utvec MODE is ignored, as QEMU's
 * write_utvec does. Untrusted: value. */
static void csr_write(struct uintr_receiver *r, unsigned csr, uint64_t value)
{
	switch (csr) {
	case CSR_USTATUS:
		r->regs.uie = (value & USTATUS_UIE) != 0;
		r->regs.upie = (value & USTATUS_UPIE) != 0;
		return;
	case CSR_UIE: uintr_set_enabled(r, (value & 1) != 0); return;
	case CSR_UTVEC:
		if (uintr_set_handler(r, value, r->regs.uscratch) != ERR_OK)
			return; /* reserved MODE: the write is dropped */
		return;
	case CSR_USCRATCH: r->regs.uscratch = value; return;
	case CSR_UEPC: r->regs.uepc = value; return;
	case CSR_UCAUSE: r->regs.ucause = value; return;
	default: return; /* utval, uip: read-only here */
	}
}

/*
 * csrrw/csrrs/csrrc and their immediate forms on an N-extension CSR, by a
 * receiver: run on r->regs (the hardware has them as real CSRs). False for
 * any other SYSTEM instruction or CSR. Untrusted: insn, registers.
 */
static bool emulate_csr(struct uintr_receiver *r, uint32_t insn, struct trap_frame *frame)
{
	unsigned funct3 = (insn >> 12) & 7u, csr = insn >> 20;
	if ((insn & OPCODE_MASK) != OPCODE_SYSTEM || funct3 == 0 || funct3 == 4)
		return false;
	uint64_t old;
	if (r == NULL || !csr_read(r, csr, &old))
		return false;
	uint64_t operand = funct3 >= 5 ? rs1_of(insn) : reg(frame, rs1_of(insn));
	switch (funct3 & 3u) {
	case 1: csr_write(r, csr, operand); break; /* csrrw: always writes */
	case 2:
		if (rs1_of(insn) != 0)
			csr_write(r, csr, old | operand);
		break;
	case 3:
		if (rs1_of(insn) != 0)
			csr_write(r, csr, old & ~operand);
		break;
	}
	set_reg(frame, rd_of(insn), old);
	frame->sepc += 4;
	return true;
}

/* No lock. r, t: what this hart loaded for its thread (either may be NULL).
 * Untrusted: insn, the frame's registers. */
static bool emulated_trap(struct uintr_receiver *r, struct uintr_sender_table *t, uint32_t insn,
			  struct trap_frame *frame)
{
	if (insn == INSN_URET) {
		/* Not a receiver: no N extension for it, the ordinary fault. */
		if (r == NULL)
			return false;
		(void)uintr_uret(r, &frame->sepc);
		return true;
	}
	if (emulate_csr(r, insn, frame))
		return true;
	enum uipi_op op;
	if (!decode_uipi(insn, &op))
		return false;
	switch (op) {
	case UIPI_SEND:
		/* As the hardware: no table, a bad index or an empty entry is a
		 * silent no-op. */
		if (t != NULL)
			(void)uintr_send(t, reg(frame, rs1_of(insn)), hart_current()->cpu_index);
		break;
	case UIPI_READ: set_reg(frame, rd_of(insn), r != NULL ? uintr_read(r) : 0); break;
	case UIPI_WRITE:
		if (r != NULL)
			uintr_write(r, reg(frame, rs1_of(insn)));
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
