/* SPDX-License-Identifier: MIT */
/*
 * What every part of the in-system suite shares (servers/ktest.c): TAP
 * reporting, objects from the scratch untyped (reset after each case),
 * mapping fresh pages, threads in ktest's own address space, and the
 * case groups, one per file (ktest_*.c).
 */
#ifndef SERVERS_KTEST_SUPPORT_H
#define SERVERS_KTEST_SUPPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "kestrel.h"
#include "object.h"
#include "process.h"

#define DEPTH 64
#define SCRATCH_UNTYPED 16 /* 1 MiB of PROC_CAP_UNTYPED, revoked per case */
#define SCRATCH_BASE 32
#define SCRATCH_END 1000
#define NO_SLOT 1020 /* always empty */
#define MAIN_PRIORITY 100
#define RW (ABI_RIGHT_READ | ABI_RIGHT_WRITE)
#define XN ABI_ATTR_EXECUTE_NEVER

extern unsigned harts; /* harts in the machine (the root task says) */

void report(bool pass, const char *name, const char *detail);
void check(bool pass, const char *name);
void expect(enum error got, enum error want, const char *name);
void skip(const char *name, const char *why);

/* A free scratch slot (NO_SLOT when none is left). */
cptr_t slot(void);
extern cptr_t next_slot;
/* The next free slot, without taking it; claim_slots takes n. */
cptr_t next_slot_peek(void);
void claim_slots(unsigned n);
enum error retype_into(enum object_type type, unsigned bits, cptr_t dest);
/* A new object in a new scratch slot. */
cptr_t make(enum object_type type, unsigned bits);
/* Map `frame` at va in `vspace`, with page tables from the scratch
 * untyped as the walk asks for them. */
enum error map_in(cptr_t frame, cptr_t vspace, uint64_t va, uint64_t rights, uint64_t attributes);
/* Delete everything the case made. */
void reset(void);
/* Map a frame at a fresh address with `rights`; NULL on failure. */
void *map_frame(cptr_t frame, uint64_t rights);
/* A new page, mapped read-write; its frame's cptr in *frame_out. */
void *new_page(cptr_t *frame_out);

struct thread {
	cptr_t tcb;
	struct ipc_buffer *ipc;
};
/* fn(arg) in a new thread at `priority` on `hart`, fault handler fault_ep
 * (0: none), started at once; it suspends itself when fn returns. */
struct thread spawn(void (*fn)(uint64_t), uint64_t arg, unsigned priority, unsigned hart,
		    cptr_t fault_ep);
/* Yield `rounds` times. */
void let_others_run(unsigned rounds);

struct kmsg msg(uint64_t label, unsigned length);
uint64_t info_label(uint64_t info);
unsigned info_length(uint64_t info);

/* Words, an error and caps shared with helper threads. */
extern volatile uint64_t shared[16];
extern volatile enum error shared_err;
extern cptr_t shared_ep, shared_reply, shared_ntfn;

void ktest_syscalls(void);
void ktest_capfault(void);
void ktest_untyped(void);
void ktest_cnode(void);
void ktest_tcb(void);
void ktest_ipc(void);
void ktest_regs(void);
void ktest_faults(void);
void ktest_vspace(void);
void ktest_fp(void);
void ktest_irq(void);
void ktest_uart(void);
void ktest_sched(void);
void ktest_smp(void);
void ktest_stall(void);
void ktest_smp_teardown(void);
void ktest_smp_vspace(void);
void ktest_uintr(void);
void ktest_uintr_claim(void);
void ktest_channel(void);
void ktest_lend(void);
void ktest_lend_chan(void);
void ktest_chan(void);

#endif
