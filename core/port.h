/* SPDX-License-Identifier: MIT */
/*
 * The one door between core/ and the machine (STYLE.md item 2).
 *
 * Every hook core/ calls is declared here with its contract. There are exactly
 * two implementations: arch/riscv/port.c for the kernel and
 * hosttest/fake_arch.c for the host tests, which records each call so that a
 * test can assert on it. core/ includes nothing but core headers and the
 * freestanding C headers; ci/check-core-includes enforces that.
 *
 * Hooks are added here when a core/ module first needs them (TLB shootdown
 * with the vspace, IPIs with the scheduler), each with its contract.
 */
#ifndef CORE_PORT_H
#define CORE_PORT_H

#include <stdint.h>

/*
 * A core/ contract (CORE_ASSERT) failed: a kernel bug, never a user error.
 * Must not return. Kernel: print file:line and the expression, stop the
 * system with a failure status. Host: fail the running test.
 */
_Noreturn void port_assert_failed(const char *file, int line, const char *expr);

/*
 * The kernel-virtual address at which physical address `pa` can be read and
 * written (page tables and kernel objects hold physical addresses).
 * Kernel: the physical-memory window; host: the identity. Assumes pa lies
 * in memory the kernel maps.
 */
void *port_phys_to_virt(uint64_t pa);

/* The inverse of port_phys_to_virt for memory inside that window. */
uint64_t port_virt_to_phys(const void *va);

/*
 * TLB shootdown (core/vspace.c, core/asid.c). `harts` is the set of harts
 * (bit h: hart h, any of them possibly the calling one) that may hold
 * translations of address space `asid`: every hart that ran it since it was
 * assigned (asid_activate); core/ guarantees no other hart holds any. Each
 * call returns once no hart in `harts` can still use the translations
 * named, and page-table writes before the call are visible to later walks
 * on those harts. Kernel: sfence.vma on the calling hart, a remote fence
 * (SBI RFENCE) for the others; the kernel flushes every hart's TLB once at
 * boot so that no translation predates the sets. Host: record it all.
 */
/* The leaf translation of the page containing va in address space asid. */
void port_tlb_flush_page(uint64_t asid, uint64_t va, uint64_t harts);
/* Every non-global translation (any level) of address space asid. */
void port_tlb_flush_asid(uint64_t asid, uint64_t harts);

/*
 * Hart `hart` (an index below CONFIG_MAX_HARTS, never the calling hart) must
 * run its scheduler soon: a thread became ready there that outranks what it
 * runs, or what it runs stopped being runnable. Kernel: send it an IPI; the
 * hart reschedules when it takes the interrupt. Host: record the request.
 */
void port_ipi_reschedule(unsigned hart);

/*
 * seL4's remote stall. Hart `hart` (never the calling hart) has a thread as
 * its current thread, and core/ is about to destroy that thread (its TCB's
 * memory may be reused next). Returns once `hart` has really stopped using
 * it: it left user mode, saved the thread's registers, and will not touch
 * the TCB again before its next scheduling decision (which core/ has made
 * pending). The caller holds the kernel lock. Kernel: an IPI, then wait for
 * that hart's acknowledgement (it takes the IPI and waits for the lock).
 * Host: record the request.
 */
void port_remote_stall(unsigned hart);

/*
 * The roles of words in a thread's register block (struct tcb's regs[]).
 * The block's layout is the arch layer's (the saved user registers); core/
 * only asks where these roles live, never for a register by number.
 */
enum port_reg {
	PORT_REG_RESULT = 0,            /* a system call's result: an enum error */
	PORT_REG_BADGE = 1,             /* the badge of a received message or signal */
	PORT_REG_INFO = 2,              /* the message-info word (core/message.h) */
	PORT_REG_MR0 = 3,               /* MR0..MR7: PORT_REG_MR0 + i */
	PORT_REG_PC = PORT_REG_MR0 + 8, /* the user instruction pointer */
};
#define PORT_REG_COUNT (PORT_REG_PC + 1)

/* Index in the register block of role `reg` (distinct roles, distinct
 * indices, all below TCB_REG_WORDS of core/tcb.h). */
unsigned port_reg_index(enum port_reg reg);

/*
 * The last capability to the IRQ handler of source `irq` was deleted
 * (core/object.c finalises it; irq is the cap's number, never checked by
 * core/). Afterwards the source may be issued again, delivers nothing, and
 * signals no notification. Kernel: forget that a handler was issued, mask
 * the source, drop the notification binding. Host: record it.
 */
void port_irq_handler_deleted(uint64_t irq);

/*
 * A thread faulted and has no fault handler: it is suspended, and this hook
 * tells the machine (kernel: log a line). `kind` is an enum fault_kind of
 * core/fault.h. Must return: the kernel never stops for a user fault.
 */
void port_fault_unhandled(const void *tcb, unsigned kind, uint64_t address, uint64_t pc);

/*
 * User-mode interrupts (core/uintr.c, docs/uintr.md). Both hooks are called
 * by uintr_send, which runs on any hart without the kernel lock and with
 * interrupts off: they must neither take the kernel lock nor block, and
 * they may run on several harts at once.
 *
 * port_uintr_ipi: hart `hart` (below CONFIG_MAX_HARTS, never the calling
 * hart) runs a receiver that has just been sent a bit: make it enter the
 * kernel soon, so that its return to user mode delivers (uintr_deliver).
 * A spurious one (the receiver left meanwhile) must be harmless. Kernel: an
 * IPI whose handler does nothing but return to user mode. Host: record it.
 */
void port_uintr_ipi(unsigned hart);
/*
 * port_uintr_wake: the thread of receiver r slept for user interrupts, and
 * this send ended the sleep (r is WAKING). Arrange that the kernel soon
 * calls uintr_wake_complete(r) under its lock and makes that thread
 * runnable when it answers true. Called at most once per sleep. Kernel:
 * push r on a lock-free per-hart list and IPI that hart (whose handler takes
 * the lock and drains the list); uintr_receiver_unregister's caller removes
 * r from the list. Host: record it.
 */
struct uintr_receiver;
void port_uintr_wake(struct uintr_receiver *r);
/*
 * The user-interrupt binding of the thread current on `hart` (possibly the
 * calling hart) is about to change or go (core/uintr_obj.c). Returns once
 * that hart has dropped what it loaded for the thread: its receiver is
 * switched out (uintr_switch_out and the backend's switch_out ran on that
 * hart) and no lock-free uipi trap of the thread runs there. The thread
 * stays current in the scheduler; the hart loads its new binding when it
 * next returns to user mode. Kernel: directly on the calling hart, by a
 * remote stall (whose handler unloads) on another. Host: switch out and
 * record.
 */
void port_uintr_unload(unsigned hart);
/*
 * Receiver r is about to be unregistered (its service or its thread goes,
 * or the thread is unbound): the backend's receiver_destroyed (hardware:
 * fold the slot's bits into r, free the slot). r's sender[] back-links are
 * still intact. Kernel: that hook; host: record.
 */
void port_uintr_receiver_gone(struct uintr_receiver *r);
/*
 * port_uintr_entry_changed: core/channel_obj.c registered or emptied entry i of
 * table t (under the lock): a backend that mirrors entries (the hardware's
 * UIST words) updates its copy.
 */
struct uintr_sender_table;
void port_uintr_entry_changed(struct uintr_sender_table *t, uint32_t i);

#endif
