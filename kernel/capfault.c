/* SPDX-License-Identifier: MIT */
/* seL4's cap faults for the system calls' own lookups (see capfault.h). */
#include "capfault.h"

#include "cnode.h"
#include "fault.h"
#include "message.h"
#include "thread.h"

static void raise_fault(struct tcb *t, uint64_t cptr, bool receive, struct lookup_fault lookup)
{
	fault_raise_cap(t, cptr, receive, lookup, t->regs[REG_SYSCALL_PC]);
}

struct cte *capfault_lookup(struct tcb *t, uint64_t cptr, bool receive)
{
	struct resolve_result r = cnode_lookup_cap(t->cspace_root.cap, cptr);
	if (r.err == ERR_OK)
		return r.slot;
	raise_fault(t, cptr, receive, r.fault);
	return NULL;
}

void capfault_wrong_cap(struct tcb *t, uint64_t cptr, bool receive)
{
	raise_fault(t, cptr, receive,
		    (struct lookup_fault){ .type = LOOKUP_FAULT_MISSING_CAPABILITY });
}

bool capfault_extra_caps(struct tcb *t)
{
	struct msg_info info = { tcb_get_reg(t, PORT_REG_INFO) };
	unsigned wanted = msg_info_extra_caps(info);
	if (wanted == 0)
		return true; /* most calls: no buffer to find */
	const struct ipc_buffer *buffer = tcb_ipc_buffer(t);
	if (buffer == NULL)
		return true; /* without one no cap is named */
	if (wanted > MSG_MAX_EXTRA_CAPS)
		wanted = MSG_MAX_EXTRA_CAPS;
	for (unsigned i = 0; i < wanted; i++) {
		uint64_t cptr = buffer->caps[i];
		struct resolve_result r =
		    cnode_resolve_address_bits(t->cspace_root.cap, cptr, WORD_BITS);
		if (r.err != ERR_OK) {
			raise_fault(t, cptr, false, r.fault);
			return false;
		}
	}
	return true;
}
