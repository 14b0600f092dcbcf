/* SPDX-License-Identifier: MIT */
/* ktest: the system calls themselves, and their errors (docs/abi.md). */
#include "ktest_support.h"

static void debug_calls(void)
{
	expect(kestrel_print("", 0), ERR_OK, "debug print of nothing");
	expect(kestrel_print("x", SYSCALL_PRINT_MAX + 1), ERR_RANGE, "debug print over the limit");
	expect(kestrel_print((const void *)0xffffffc080200000ull, 8), ERR_INVALID_ARGUMENT,
	       "debug print of a kernel address is refused");
	expect(kestrel_print((const void *)0x1000, 8), ERR_INVALID_ARGUMENT,
	       "debug print of an unmapped address is refused");
	expect(kestrel_print((const void *)0x3fffffff00ull, 0x200), ERR_INVALID_ARGUMENT,
	       "debug print running past the stack's top is refused");
	check(kestrel_hart() < (harts ? harts : 1), "debug hart names a hart of the machine");
}

static void endpoint_basics(void)
{
	cptr_t ep = make(OBJ_ENDPOINT, 0);
	cptr_t reply = make(OBJ_REPLY, 0);
	cptr_t ntfn = make(OBJ_NOTIFICATION, 0);
	struct kmsg m = msg(5, 1);
	expect(kestrel_nb_send(ep, &m), ERR_OK, "non-blocking send with no receiver is dropped");
	m = msg(0, 0);
	enum error err = kestrel_nb_recv(ep, reply, &m);
	check(err == ERR_OK && m.badge == 0 && m.info == 0,
	      "non-blocking receive with no sender: an empty message");
	m = msg(0, 0);
	expect(kestrel_call(reply, &m), ERR_ILLEGAL_OPERATION, "call on a reply object");
	m = msg(0, 0);
	expect(kestrel_reply(reply, &m), ERR_OK, "reply with nobody waiting does nothing");
	(void)kestrel_signal(ntfn);
	m = msg(0, 0);
	expect(kestrel_recv(ntfn, 0, &m), ERR_OK, "receive on a signalled notification is a wait");
	reset();
}

static void notification_basics(void)
{
	cptr_t ntfn = make(OBJ_NOTIFICATION, 0);
	cptr_t badged = slot();
	expect(kestrel_cnode_mint(PROC_CAP_CNODE, badged, DEPTH, PROC_CAP_CNODE, ntfn, DEPTH,
				  ABI_RIGHTS_ALL, 0x30),
	       ERR_OK, "mint a badged notification cap");
	uint64_t badge = 99;
	check(kestrel_poll(ntfn, &badge) == ERR_OK && badge == 0, "poll with no signal: badge 0");
	expect(kestrel_signal(badged), ERR_OK, "signal a notification");
	check(kestrel_poll(ntfn, &badge) == ERR_OK && badge == 0x30,
	      "poll takes the signalled badge");
	check(kestrel_poll(ntfn, &badge) == ERR_OK && badge == 0, "poll cleared the word");
	cptr_t other = slot();
	(void)kestrel_cnode_mint(PROC_CAP_CNODE, other, DEPTH, PROC_CAP_CNODE, ntfn, DEPTH,
				 ABI_RIGHTS_ALL, 0x03);
	(void)kestrel_signal(badged);
	(void)kestrel_signal(other);
	check(kestrel_wait(ntfn, &badge) == ERR_OK && badge == 0x33,
	      "two signals before a wait: their badges ORed");
	cptr_t read_only = slot();
	(void)kestrel_cnode_copy(PROC_CAP_CNODE, read_only, DEPTH, PROC_CAP_CNODE, ntfn, DEPTH,
				 ABI_RIGHT_READ);
	expect(kestrel_signal(read_only), ERR_INVALID_CAPABILITY, "signal without the write right");
	reset();
}

static void yield_and_unknown(void)
{
	kestrel_yield();
	check(true, "yield with nothing else to run returns");
	expect(kestrel_invoke(PROC_CAP_CNODE, 999, 0, NULL, 0, NULL, NULL, 0),
	       ERR_ILLEGAL_OPERATION, "an unknown invocation label");
	expect(kestrel_invoke(PROC_CAP_ASID_POOL, PAGE_MAP, 0, NULL, 0, NULL, NULL, 0),
	       ERR_ILLEGAL_OPERATION, "a frame method on an ASID pool");
}

void ktest_syscalls(void)
{
	debug_calls();
	endpoint_basics();
	notification_basics();
	yield_and_unknown();
}
