/* SPDX-License-Identifier: MIT */
/*
 * The in-system test suite, in the spirit of sel4test: a program the root
 * task starts (with its untyped, its CSpace and VSpace caps, a copy of the
 * ASID pool and ASID control, libos/process.h) that exercises every system
 * call and invocation from user level, with their error paths, IPC between
 * threads it creates, capability transfer and badges, fault IPC with
 * resume and kill, and (with more than one hart) threads on other harts.
 * Each case prints one TAP line; ktest.h announces the count, and the
 * count is the same at every -smp (a case that needs harts the machine
 * does not have is reported "ok ... # SKIP").
 *
 * Memory: every case's objects come from one scratch untyped that is
 * revoked after the case (reset), which deletes the case's threads,
 * endpoints, frames and tables; the slots they used are emptied too.
 */
#include <stdio.h>
#include <string.h>

#include "fault.h"
#include "kestrel.h"
#include "ktest.h"
#include "object.h"
#include "process.h"
#include "ktest_support.h"
#include "thread.h"

#define MAP_BASE 0x100000000ull /* where cases map frames */
#define MAX_THREADS 10
#define STACK_BYTES 8192

static unsigned cases, failed;
unsigned harts;
cptr_t next_slot = SCRATCH_BASE;
static uint64_t next_va = MAP_BASE;
static unsigned threads_used;
static _Alignas(16) uint8_t stacks[MAX_THREADS][STACK_BYTES];
static _Alignas(64) uint8_t tls_blocks[MAX_THREADS][512];

/* --- Reporting. --- */

void report(bool pass, const char *name, const char *detail)
{
	cases++;
	failed += !pass;
	printf("%s - ktest: %s%s%s\n", pass ? "ok" : "not ok", name, detail[0] ? ": " : "", detail);
}

void check(bool pass, const char *name)
{
	report(pass, name, "");
}

void expect(enum error got, enum error want, const char *name)
{
	char detail[80] = "";
	if (got != want)
		snprintf(detail, sizeof(detail), "got %s, expected %s", error_name(got),
			 error_name(want));
	report(got == want, name, detail);
}

void skip(const char *name, const char *why)
{
	cases++;
	printf("ok - ktest: %s # SKIP %s\n", name, why);
}

/* --- Objects from the scratch untyped. --- */

cptr_t slot(void)
{
	return next_slot < SCRATCH_END ? next_slot++ : NO_SLOT;
}

cptr_t next_slot_peek(void)
{
	return next_slot;
}

void claim_slots(unsigned n)
{
	next_slot += n;
}

enum error retype_into(enum object_type type, unsigned bits, cptr_t dest)
{
	return kestrel_untyped_retype(SCRATCH_UNTYPED, type, bits, PROC_CAP_CNODE, 0, 0, dest, 1);
}

cptr_t make(enum object_type type, unsigned bits)
{
	cptr_t s = slot();
	enum error err = retype_into(type, bits, s);
	if (err != ERR_OK)
		printf("# ktest: retype of type %d failed: %s\n", (int)type, error_name(err));
	return s;
}

/* Sv39 has three levels: each failed lookup adds the next missing table. */
enum error map_in(cptr_t frame, cptr_t vspace, uint64_t va, uint64_t rights, uint64_t attributes)
{
	enum error err = ERR_FAILED_LOOKUP;
	for (int level = 0; level < 3 && err == ERR_FAILED_LOOKUP; level++) {
		err = kestrel_page_map(frame, vspace, va, rights, attributes);
		if (err == ERR_FAILED_LOOKUP)
			(void)kestrel_page_table_map(make(OBJ_PAGE_TABLE, 0), vspace, va, 0);
	}
	return err;
}

/* Everything a case made goes: revoke the scratch untyped, empty its slots. */
void reset(void)
{
	(void)kestrel_cnode_revoke(PROC_CAP_CNODE, SCRATCH_UNTYPED, DEPTH);
	for (cptr_t s = SCRATCH_BASE; s < next_slot; s++)
		(void)kestrel_cnode_delete(PROC_CAP_CNODE, s, DEPTH);
	next_slot = SCRATCH_BASE;
	threads_used = 0;
}

/* Map `frame` at a fresh address (tables from the scratch untyped). */
void *map_frame(cptr_t frame, uint64_t rights)
{
	uint64_t va = next_va;
	next_va += 0x200000; /* a fresh 2 MiB region: its own last-level table */
	for (int i = 0; i < 3; i++) {
		enum error err = kestrel_page_map(frame, PROC_CAP_VSPACE, va, rights, XN);
		if (err == ERR_OK)
			return (void *)(uintptr_t)va;
		if (err != ERR_FAILED_LOOKUP)
			break;
		cptr_t table = make(OBJ_PAGE_TABLE, 0);
		if (kestrel_page_table_map(table, PROC_CAP_VSPACE, va, 0) != ERR_OK)
			break;
	}
	printf("# ktest: could not map a frame at 0x%lx\n", (unsigned long)va);
	return NULL;
}

void *new_page(cptr_t *frame_out)
{
	cptr_t frame = make(OBJ_FRAME_4K, 0);
	if (frame_out)
		*frame_out = frame;
	return map_frame(frame, RW);
}

/* --- Threads in ktest's own address space. --- */

/* A thread running fn(arg) at `priority` on hart `hart`, with `fault_ep`
 * (a cptr, 0: none) as its fault handler. It starts at once. */
struct thread spawn(void (*fn)(uint64_t), uint64_t arg, unsigned priority, unsigned hart,
		    cptr_t fault_ep)
{
	struct thread t = { .tcb = make(OBJ_TCB, 0) };
	cptr_t frame;
	t.ipc = new_page(&frame);
	unsigned i = threads_used++ % MAX_THREADS;
	enum error err = kestrel_tcb_configure(t.tcb, fault_ep, PROC_CAP_CNODE, 0, PROC_CAP_VSPACE,
					       0, (uint64_t)(uintptr_t)t.ipc, frame);
	if (err == ERR_OK)
		err = kestrel_tcb_set_priority(t.tcb, PROC_CAP_TCB, priority);
	if (err == ERR_OK && hart != 0)
		err = kestrel_tcb_set_affinity(t.tcb, hart);
	uint64_t regs[ABI_REG_COUNT];
	libos_thread_registers(regs, fn, arg, (uint64_t)(uintptr_t)(stacks[i] + STACK_BYTES), t.ipc,
			       tls_blocks[i], t.tcb);
	if (err == ERR_OK)
		err = kestrel_tcb_write_registers(t.tcb, true, ABI_REG_COUNT, regs);
	if (err != ERR_OK)
		printf("# ktest: spawn failed: %s\n", error_name(err));
	return t;
}

/* Let threads of lower priority run on this hart for a while. */
void let_others_run(unsigned rounds)
{
	for (unsigned i = 0; i < rounds; i++)
		kestrel_yield();
}

struct kmsg msg(uint64_t label, unsigned length)
{
	return (struct kmsg){ .info = kestrel_info(label, length, 0) };
}

uint64_t info_label(uint64_t info)
{
	return msg_info_label((struct msg_info){ info });
}

unsigned info_length(uint64_t info)
{
	return msg_info_length((struct msg_info){ info });
}

volatile uint64_t shared[16];
volatile enum error shared_err;
cptr_t shared_ep, shared_reply, shared_ntfn;

int main(void)
{
	harts = (unsigned)kestrel_boot_argument();
	printf("# ktest: %u harts; %u cases announced\n", harts, KTEST_CASES);
	if (kestrel_untyped_retype(PROC_CAP_UNTYPED, OBJ_UNTYPED, 20, PROC_CAP_CNODE, 0, 0,
				   SCRATCH_UNTYPED, 1) != ERR_OK) {
		printf("Bail out! ktest: no scratch untyped\n");
		return 1;
	}
	ktest_syscalls();
	ktest_capfault();
	ktest_untyped();
	ktest_cnode();
	ktest_tcb();
	ktest_ipc();
	ktest_regs();
	ktest_faults();
	ktest_vspace();
	ktest_fp();
	ktest_irq();
	ktest_uart();
	ktest_sched();
	ktest_smp();
	ktest_stall();
	ktest_smp_teardown();
	ktest_smp_vspace();
	ktest_uintr();
	ktest_uintr_claim();
	ktest_channel();
	/* Before lend: each takes part of the untyped beside the scratch one
	 * (1 MiB here, then its 2 MiB frame, aligned, after it). */
	ktest_chan();
	ktest_lend();
	ktest_lend_chan();
	if (cases != KTEST_CASES) {
		printf("not ok - ktest: ran %u cases, ktest.h announces %u\n", cases, KTEST_CASES);
		failed++;
	}
	printf("# ktest: %u of %u cases failed\n", failed, cases);
	return failed ? 1 : 0;
}
