/* SPDX-License-Identifier: MIT */
/*
 * The user-mode interrupt backends (docs/uintr.md): one interface, two
 * implementations, chosen once at boot by uintr_probe (the device tree),
 * never by a build flag. Nothing outside arch/riscv/ knows which one runs;
 * core/uintr.c keeps the state both share.
 *
 *  - emulated (stock QEMU 7.2: no N extension, no UINTC): uipi and uret are
 *    illegal instructions that the trap path decodes (custom-3, funct3 110;
 *    uret 0x00200073) and hands to `trap`; a SEND becomes uintr_send
 *    without the kernel lock; delivery is uintr_deliver on every return to
 *    a receiver's user mode; the CSRs live in struct uintr_regs.
 *  - hardware (the U-interrupt QEMU model, ../shared/uintr-platform): each
 *    receiver owns a UINTC slot (backend_slot), each sender table is also a
 *    page of 8-byte UIST words (Valid | vector << 16 | slot << 48) that suist
 *    points at; sends and in-U delivery never enter the kernel; the kernel
 *    saves and restores the N CSRs and re-activates the slot on a switch.
 *
 * Every hook runs under the kernel lock unless it says otherwise; a NULL
 * hook does nothing. arch/riscv/uintr_probe.c implements uintr_probe,
 * uintr_select.c picks the backend (uintr_backend), uintr_emulated.c is the
 * emulated one, uintr_hardware.c the hardware one (uintr_hardware.h); the
 * kernel's side is kernel/uintr_kernel.c.
 */
#ifndef ARCH_RISCV_UINTR_BACKEND_H
#define ARCH_RISCV_UINTR_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "csr.h"
#include "dtb.h"
#include "uintr.h"

#define UINTC_SLOT_BYTES 0x20u /* one receiver status in UINTC */
#define UINTC_SLOTS_MAX 512u   /* per UINTC (QEMU's 0x4000 bytes) */
#define UINTR_UIST_VALID 1ull  /* bit 0 of a UIST word */
#define UINTR_UIST_VECTOR_SHIFT 16
#define UINTR_UIST_SLOT_SHIFT 48

enum uintr_backend_kind {
	UINTR_BACKEND_EMULATED = 0,
	UINTR_BACKEND_HARDWARE = 1,
};

/* What the probe found of the hardware model. */
struct uintr_hw_info {
	uint64_t uintc_base; /* physical address of UINTC (the DTB's reg) */
	uint64_t uintc_size;
	uint32_t slots; /* receiver slots it has (size / 0x20, at most 512) */
};

/*
 * Which backend this machine gets: HARDWARE when every enabled cpu node
 * lists the N extension ("n" in riscv,isa or riscv,isa-extensions) and an
 * enabled node compatible with "riscv,uintc0" has a reg of at least one slot
 * (then `hw` is filled); EMULATED otherwise, including for a partial or
 * malformed description. Reads only the DTB: no CSR is touched, so it is
 * safe on a machine without the extension. Untrusted: the DTB's contents.
 */
enum uintr_backend_kind uintr_probe(const struct dtb *dtb, struct uintr_hw_info *hw);

/* The UIST word of a sender entry naming UINTC slot `slot` with `vector`. */
static inline uint64_t uintr_uist_word(uint32_t slot, uint32_t vector)
{
	return UINTR_UIST_VALID | (uint64_t)vector << UINTR_UIST_VECTOR_SHIFT |
	       (uint64_t)slot << UINTR_UIST_SLOT_SHIFT;
}

/*
 * A sender-table object's layout, the same on both backends so the object
 * code need not know which runs: the table (uintr_table_bytes) rounded up
 * to a page, then one page of UIST words that suist points at on the
 * hardware (512 words, zero = invalid; retype zeroes the object). The
 * object must be page-aligned (a naturally aligned object of at least
 * this size is).
 */
#define UINTR_UIST_PAGE_BYTES 4096u
static inline size_t uintr_table_object_bytes(uint32_t entries)
{
	size_t table = uintr_table_bytes(entries);
	return (table + UINTR_UIST_PAGE_BYTES - 1) / UINTR_UIST_PAGE_BYTES * UINTR_UIST_PAGE_BYTES +
	       UINTR_UIST_PAGE_BYTES;
}
static inline uint64_t *uintr_uist_words(struct uintr_sender_table *t)
{
	return (uint64_t *)((uintptr_t)t + uintr_table_object_bytes(t->size) -
			    UINTR_UIST_PAGE_BYTES);
}

struct trap_frame;

/*
 * The backend interface. The kernel calls core/uintr.c first (it owns the
 * state and its checks), then the hook, which only mirrors that state into
 * the machine.
 */
struct uintr_backend {
	enum uintr_backend_kind kind;
	const char *name;
	/* This hart starts: hardware sets sideleg.USIP (and suicfg); emulated:
	 * nothing. */
	void (*init_hart)(void);
	/* After uintr_receiver_register: hardware takes a free UINTC slot into
	 * r->backend_slot and clears it (ERR_NOT_ENOUGH_MEMORY when all are
	 * taken: nothing changed); emulated: ERR_OK. */
	enum error (*receiver_created)(struct uintr_receiver *r);
	/* Before uintr_receiver_unregister: hardware invalidates the UIST
	 * words of every entry naming r (core empties the entries next, which
	 * calls no hook), waits until no SEND that loaded one of them is in
	 * flight on another hart (an IPI round: the grace period), reads the
	 * slot's pending bits into r (uintr_write), deactivates and frees the
	 * slot. */
	void (*receiver_destroyed)(struct uintr_receiver *r);
	/* Entry `index` of t changed (registered or emptied): hardware rewrites
	 * its UIST word and fences, so no later SEND uses the old one, and
	 * keeps `index` in the entry's `reserved` word (receiver_destroyed
	 * finds the UIST words of r->sender[] through it); emulated: nothing
	 * (core's entry is the table). */
	void (*entry_changed)(struct uintr_sender_table *t, uint32_t index);
	/* The thread is switched in on this hart, after uintr_switch_in when it
	 * is a receiver: hardware restores utvec/uscratch/uepc/ucause/ustatus
	 * bits and uie from r->regs, moves r->pending into the slot (WRITE_HIGH),
	 * sets the slot's hartid, activates it, sets suirs and suist (0 when
	 * the thread sends to nobody). Either pointer may be NULL. */
	void (*switch_in)(struct uintr_receiver *r, struct uintr_sender_table *t);
	/* The thread leaves the hart, before uintr_switch_out: hardware
	 * deactivates the slot, saves the CSRs into r->regs, clears suirs and
	 * suist; pending bits stay in the slot (a send to an inactive slot
	 * only accumulates). A receiver that sleeps (SLEEPING: it blocked in
	 * the wait) keeps its slot active on this hart instead, for poll. r
	 * is NULL for a thread that only sends (then only suist is cleared).
	 * Runs on the hart itself: for a remote unload, in its stall handler
	 * while another hart holds the lock. */
	void (*switch_out)(struct uintr_receiver *r);
	/* The claim of a sleeper (core/uintr_claim.h): the hart goes from out's
	 * thread, a receiver loaded here that has just blocked in its wait,
	 * straight to in's, claimed out of its own wait, sending through t:
	 * switch_out(out) then switch_in(in, t), without what lies between
	 * (no thread without user interrupts runs: the N CSRs are not
	 * cleared, USIP stays U's) and, when in's slot is still armed on this
	 * hart (active, this hart's id: it slept here), without its two slot
	 * writes. NULL: the kernel makes the two calls. */
	void (*switch_claimed)(struct uintr_receiver *out, struct uintr_receiver *in,
			       struct uintr_sender_table *t);
	/* The last step before sret to a receiver: emulated runs uintr_deliver
	 * on the frame's pc; hardware sets or clears uip.USIP from the slot's
	 * pending bits (the fork's sret then enters the handler itself). Also
	 * after a lock-free `trap`, without the lock (the thread's own state). */
	void (*return_to_user)(struct uintr_receiver *r, struct trap_frame *frame);
	/* Before uintr_wait_begin: hardware folds the slot's pending bits into
	 * r->pending (READ_HIGH, then uintr_write), so the sleep check sees
	 * them, and leaves the slot active on this hart so that a later SEND
	 * raises USIP there, which the idle loop's wfi notices (docs/uintr.md);
	 * emulated: nothing. */
	void (*before_wait)(struct uintr_receiver *r);
	/* Under the lock, on each scheduling pass of hart `cpu` (before its
	 * wake list is drained): hardware reads the slots of the sleepers
	 * armed on this hart (switch_out left them active here, or another
	 * hart's switch_in moved them here, so a SEND raises USIP on this
	 * hart) and posts what it finds
	 * (uintr_post: a sleeper is woken through port_uintr_wake); the
	 * hardware itself never tells the kernel. Emulated: NULL. */
	void (*poll)(unsigned cpu);
	/* The sie bits hart `cpu`'s idle wfi must also enable so that a SEND
	 * to a sleeper armed there ends it: hardware, USIE (an idle hart takes
	 * USIP in S, and sleepers' slots may move to it); emulated: NULL. */
	uint64_t (*idle_sie)(unsigned cpu);
	/* The hart switches between two threads neither of which receives
	 * or sends (no switch_in or switch_out runs): hardware clears the N
	 * CSRs the first could write (the fork lets user mode reach them
	 * whatever the thread is: UINTR.md section 1), so the second cannot
	 * read them (uintr_backend_scrub_csrs); emulated: false (a thread
	 * without a receiver traps). A flag, not a hook: the fastpath's first
	 * tier switches threads and makes no call that returns. */
	bool scrub_csrs;
	/* Emulated only (NULL on hardware): an illegal-instruction trap whose
	 * instruction word is `insn`, WITHOUT the kernel lock. Returns false
	 * when it is not uipi, uret or a user-CSR access (uintr_decode.h; the
	 * ordinary fault path follows); else runs it (uintr_send for SEND;
	 * uintr_read/uintr_write; uintr_uret; the CSR on r->regs) and advances
	 * or redirects the frame's pc. */
	bool (*trap)(struct uintr_receiver *r, struct uintr_sender_table *t, uint32_t insn,
		     struct trap_frame *frame);
};

/* A backend's scrub_csrs: clear the N CSRs a user thread can write. Only
 * where scrub_csrs is set (stock QEMU has no such CSRs: an access traps).
 * While USIP is routed to the kernel the fork masks the uie and uip writes
 * with sideleg, so then only the plain registers change. */
HOT_INLINE void uintr_backend_scrub_csrs(void)
{
	csr_write_utvec(0);
	csr_write_uscratch(0);
	csr_write_uepc(0);
	csr_write_ucause(0);
	csr_write_utval(0);
	csr_clear_ustatus(SSTATUS_UIE | SSTATUS_UPIE);
	csr_clear_uie(UIE_USIE);
	csr_clear_uip(UIP_USIP);
}

#endif
