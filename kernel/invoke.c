/* SPDX-License-Identifier: MIT */
/*
 * Object invocations (see invoke.h). One function per object type; each
 * validates its arguments (decode) before calling the core/ operation,
 * which itself changes nothing when it returns an error.
 */
#include "invoke.h"

#include "abi.h"
#include "asid.h"
#include "channel_kernel.h"
#include "lend_channel.h"
#include "irqcap.h"
#include "cnode.h"
#include "mdb.h"
#include "msg_regs.h"
#include "notification.h"
#include "scheduler.h"
#include "syscall.h"
#include "thread.h"
#include "uintr_kernel.h"
#include "untyped.h"
#include "vspace.h"

/* One invocation's arguments as the caller sent them. */
struct invocation {
	struct tcb *thread;
	struct cte *slot; /* the invoked cap */
	uint64_t label;
	unsigned length; /* message words present */
	unsigned extra;  /* extra caps present (looked up) */
	struct cte *caps[MSG_MAX_EXTRA_CAPS];
	unsigned out; /* result words written */
};

static uint64_t mr(const struct invocation *inv, unsigned i)
{
	return msg_get(inv->thread, i);
}

static void out(struct invocation *inv, uint64_t value)
{
	if (msg_set(inv->thread, inv->out, value))
		inv->out++;
}

/* The extra caps the caller named (caps[] of its IPC buffer). A cptr that
 * does not resolve is a lookup failure of the whole invocation. */
static enum error load_extra_caps(struct invocation *inv, unsigned count)
{
	struct ipc_buffer *buffer = tcb_ipc_buffer(inv->thread);
	if (buffer == NULL)
		count = 0;
	for (unsigned i = 0; i < count; i++) {
		inv->caps[i] = syscall_lookup(inv->thread, buffer->caps[i]);
		if (inv->caps[i] == NULL)
			return ERR_FAILED_LOOKUP;
	}
	inv->extra = count;
	return ERR_OK;
}

/* The arguments an invocation needs are present: seL4's truncated message. */
static bool has(const struct invocation *inv, unsigned words, unsigned caps)
{
	return inv->length >= words && inv->extra >= caps;
}

static struct cslot_ref ref(struct cap root, uint64_t index, uint64_t depth)
{
	return (struct cslot_ref){ .root = root, .index = index, .depth = depth };
}

/* Restart the system call from its ecall: a preempted delete or revoke
 * continues where it stopped (progress is in the objects). */
static void restart_call(struct tcb *t)
{
	t->regs[REG_PC] = t->regs[REG_SYSCALL_PC];
}

static enum error invoke_untyped(struct invocation *inv)
{
	if (inv->label != UNTYPED_RETYPE)
		return ERR_ILLEGAL_OPERATION;
	if (!has(inv, 6, 1))
		return ERR_TRUNCATED_MESSAGE;
	struct untyped_retype_args args = {
		.type = mr(inv, 0),
		.size_bits = mr(inv, 1),
		.dest_cnode = ref(inv->caps[0]->cap, mr(inv, 2), mr(inv, 3)),
		.node_offset = mr(inv, 4),
		.num_objects = mr(inv, 5),
	};
	struct lookup_fault fault;
	enum error err = untyped_retype(inv->slot, &args, &fault);
	if (err != ERR_OK || args.type != OBJ_TCB)
		return err;
	/* New threads get an unused FP state (the kernel's words of a TCB). */
	struct cap cnode = args.dest_cnode.root;
	if (args.dest_cnode.depth != 0)
		cnode = cnode_lookup_slot(cnode, args.dest_cnode.index, args.dest_cnode.depth)
			    .slot->cap;
	for (uint64_t i = 0; i < args.num_objects; i++)
		arch_fpu_init_state(
		    thread_fpu(tcb_from_cap(cnode_slot(cnode, args.node_offset + i)->cap)));
	return ERR_OK;
}

static enum error invoke_cnode(struct invocation *inv)
{
	struct cap root = inv->slot->cap;
	struct lookup_fault fault;
	struct cap_rights rights = cap_rights_make((unsigned)mr(inv, 4));
	struct work_budget budget = { .left = CTE_WORK_PER_CALL };
	enum error err;
	switch (inv->label) {
	case CNODE_REVOKE:
	case CNODE_DELETE:
		if (!has(inv, 2, 0))
			return ERR_TRUNCATED_MESSAGE;
		if (inv->label == CNODE_REVOKE)
			err = cnode_revoke(ref(root, mr(inv, 0), mr(inv, 1)), &budget, &fault);
		else
			err = cnode_delete(ref(root, mr(inv, 0), mr(inv, 1)), &budget, &fault);
		if (err == ERR_PREEMPTED)
			restart_call(inv->thread);
		return err;
	case CNODE_COPY:
	case CNODE_MINT:
	case CNODE_MOVE:
	case CNODE_MUTATE: {
		static const unsigned words[] = {
			[CNODE_COPY] = 5, [CNODE_MINT] = 6, [CNODE_MOVE] = 4, [CNODE_MUTATE] = 5
		};
		if (!has(inv, words[inv->label], 1))
			return ERR_TRUNCATED_MESSAGE;
		struct cslot_ref dest = ref(root, mr(inv, 0), mr(inv, 1));
		struct cslot_ref src = ref(inv->caps[0]->cap, mr(inv, 2), mr(inv, 3));
		if (inv->label == CNODE_COPY)
			return cnode_copy(dest, src, rights, &fault);
		if (inv->label == CNODE_MINT)
			return cnode_mint(dest, src, rights, mr(inv, 5), &fault);
		if (inv->label == CNODE_MOVE)
			return cnode_move(dest, src, &fault);
		return cnode_mutate(dest, src, mr(inv, 4), &fault);
	}
	case CNODE_ROTATE:
		if (!has(inv, 8, 2))
			return ERR_TRUNCATED_MESSAGE;
		return cnode_rotate(ref(root, mr(inv, 0), mr(inv, 1)),
				    ref(inv->caps[0]->cap, mr(inv, 3), mr(inv, 4)), mr(inv, 2),
				    ref(inv->caps[1]->cap, mr(inv, 6), mr(inv, 7)), mr(inv, 5),
				    &fault);
	case CNODE_CANCEL_BADGED_SENDS:
		if (!has(inv, 2, 0))
			return ERR_TRUNCATED_MESSAGE;
		return cnode_cancel_badged_sends(ref(root, mr(inv, 0), mr(inv, 1)), &fault);
	default: return ERR_ILLEGAL_OPERATION;
	}
}

/* TCB register numbers (core/abi.h) to trap-frame words. */
static const unsigned char abi_reg_index[ABI_REG_COUNT] = {
	[ABI_REG_PC] = REG_PC,  [ABI_REG_RA] = 1,      [ABI_REG_SP] = 2,
	[ABI_REG_GP] = 3,       [ABI_REG_S0] = 8,      [ABI_REG_S0 + 1] = 9,
	[ABI_REG_S0 + 2] = 18,  [ABI_REG_S0 + 3] = 19, [ABI_REG_S0 + 4] = 20,
	[ABI_REG_S0 + 5] = 21,  [ABI_REG_S0 + 6] = 22, [ABI_REG_S0 + 7] = 23,
	[ABI_REG_S0 + 8] = 24,  [ABI_REG_S0 + 9] = 25, [ABI_REG_S0 + 10] = 26,
	[ABI_REG_S0 + 11] = 27, [ABI_REG_A0] = 10,     [ABI_REG_A0 + 1] = 11,
	[ABI_REG_A0 + 2] = 12,  [ABI_REG_A0 + 3] = 13, [ABI_REG_A0 + 4] = 14,
	[ABI_REG_A0 + 5] = 15,  [ABI_REG_A0 + 6] = 16, [ABI_REG_A0 + 7] = 17,
	[ABI_REG_T0] = 5,       [ABI_REG_T0 + 1] = 6,  [ABI_REG_T0 + 2] = 7,
	[ABI_REG_T0 + 3] = 28,  [ABI_REG_T0 + 4] = 29, [ABI_REG_T0 + 5] = 30,
	[ABI_REG_T0 + 6] = 31,  [ABI_REG_TP] = 4,
};

/* The fault-handler argument of SetSpace/Configure: cptr 0 is none (an
 * empty slot would be too); anything else must resolve. */
static enum error lookup_fault_handler(struct invocation *inv, uint64_t cptr, struct cte **slot)
{
	*slot = NULL;
	if (cptr == 0)
		return ERR_OK;
	*slot = syscall_lookup(inv->thread, cptr);
	return *slot != NULL ? ERR_OK : ERR_FAILED_LOOKUP;
}

static enum error tcb_registers(struct invocation *inv, struct tcb *target)
{
	if (target == inv->thread)
		return ERR_ILLEGAL_OPERATION; /* seL4: not on the calling thread */
	/* Current on another hart: invoke_tcb stalled it (its trap saved the
	 * registers into the TCB; a write makes that trap stale). */
	unsigned hart = tcb_current_hart(target);
	bool remote = hart != NO_HART && hart != sched_this_hart();
	if (inv->label == TCB_READ_REGISTERS) {
		if (!has(inv, 2, 0))
			return ERR_TRUNCATED_MESSAGE;
		uint64_t count = mr(inv, 1);
		if (count == 0 || count > ABI_REG_COUNT)
			return ERR_RANGE;
		if (mr(inv, 0) & 1)
			tcb_suspend(target);
		for (unsigned i = 0; i < count; i++)
			out(inv, target->regs[abi_reg_index[i]]);
		return ERR_OK;
	}
	if (!has(inv, 3, 0))
		return ERR_TRUNCATED_MESSAGE;
	uint64_t count = mr(inv, 2);
	if (count > ABI_REG_COUNT)
		return ERR_RANGE;
	if (inv->length < 3 + count)
		return ERR_TRUNCATED_MESSAGE;
	for (unsigned i = 0; i < count; i++)
		target->regs[abi_reg_index[i]] = mr(inv, 3 + i);
	if (count > 0) {
		target->regs[REG_SYSCALL_PC] = 0; /* the new PC wins over a restart */
		/* The stalled hart's trap was the old registers' (trap.c). */
		if (remote)
			target->trap_stale = 1;
	}
	if (mr(inv, 0) & 1)
		tcb_resume(target);
	return ERR_OK;
}

static enum error invoke_tcb_on(struct invocation *inv, struct tcb *target)
{
	enum error err;
	switch (inv->label) {
	case TCB_READ_REGISTERS:
	case TCB_WRITE_REGISTERS: return tcb_registers(inv, target);
	case TCB_CONFIGURE:
	case TCB_SET_SPACE: {
		/* core/ decodes the caps (seL4's answers) and deletes the old
		 * ones preemptibly: ERR_PREEMPTED restarts the call, which then
		 * decodes again. VSpace root data is ignored, as seL4 on RISC-V. */
		bool configure = inv->label == TCB_CONFIGURE;
		if (!has(inv, configure ? 4 : 3, 2))
			return ERR_TRUNCATED_MESSAGE;
		struct tcb_space_args args = {
			.cspace = inv->caps[0],
			.cspace_data = mr(inv, 1),
			.vspace = inv->caps[1],
		};
		err = lookup_fault_handler(inv, mr(inv, 0), &args.fault);
		if (err != ERR_OK)
			return err;
		struct work_budget budget = { .left = CTE_WORK_PER_CALL };
		if (configure)
			err = tcb_configure(inv->slot, &args, inv->extra > 2 ? inv->caps[2] : NULL,
					    mr(inv, 3), &budget);
		else
			err = tcb_set_space(inv->slot, &args, &budget);
		if (err == ERR_PREEMPTED)
			restart_call(inv->thread);
		return err;
	}
	case TCB_SET_PRIORITY:
	case TCB_SET_MCP: {
		if (!has(inv, 1, 1))
			return ERR_TRUNCATED_MESSAGE;
		if (cap_type(inv->caps[0]->cap) != CAP_TCB)
			return ERR_INVALID_CAPABILITY;
		struct tcb *authority = tcb_from_cap(inv->caps[0]->cap);
		if (inv->label == TCB_SET_PRIORITY)
			return tcb_set_priority(authority, target, mr(inv, 0));
		return tcb_set_mcp(authority, target, mr(inv, 0));
	}
	case TCB_SET_IPC_BUFFER:
		if (!has(inv, 1, 0))
			return ERR_TRUNCATED_MESSAGE;
		return tcb_set_ipc_buffer(target, inv->extra > 0 ? inv->caps[0] : NULL, mr(inv, 0));
	case TCB_SUSPEND: tcb_suspend(target); return ERR_OK;
	case TCB_RESUME: tcb_resume(target); return ERR_OK;
	case TCB_BIND_NOTIFICATION:
		if (!has(inv, 0, 1))
			return ERR_TRUNCATED_MESSAGE;
		return notification_bind(target, inv->caps[0]->cap);
	case TCB_UNBIND_NOTIFICATION: return notification_unbind_checked(target);
	case TCB_SET_AFFINITY:
		if (!has(inv, 1, 0))
			return ERR_TRUNCATED_MESSAGE;
		return tcb_set_affinity(target, mr(inv, 0));
	case TCB_UINTR_BIND_RECEIVER:
		if (!has(inv, 3, 1))
			return ERR_TRUNCATED_MESSAGE;
		return kuintr_bind_receiver(target, inv->caps[0], mr(inv, 0), mr(inv, 1),
					    mr(inv, 2));
	case TCB_UINTR_UNBIND_RECEIVER: return kuintr_unbind_receiver(target);
	case TCB_UINTR_BIND_SENDER_TABLE:
		if (!has(inv, 0, 1))
			return ERR_TRUNCATED_MESSAGE;
		return kuintr_bind_table(target, inv->caps[0]);
	case TCB_UINTR_UNBIND_SENDER_TABLE: return kuintr_unbind_table(target);
	case TCB_COPY_REGISTERS:
	default: return ERR_ILLEGAL_OPERATION;
	}
}

static enum error invoke_page_table(struct invocation *inv)
{
	struct lookup_fault fault;
	switch (inv->label) {
	case PAGE_TABLE_MAP:
		if (!has(inv, 2, 1))
			return ERR_TRUNCATED_MESSAGE;
		return vspace_page_table_map(inv->slot, inv->caps[0], mr(inv, 0), &fault);
	case PAGE_TABLE_UNMAP: return vspace_page_table_unmap(inv->slot);
	default: return ERR_ILLEGAL_OPERATION;
	}
}

static enum error invoke_frame(struct invocation *inv)
{
	struct lookup_fault fault;
	switch (inv->label) {
	case PAGE_MAP:
		if (!has(inv, 3, 1))
			return ERR_TRUNCATED_MESSAGE;
		{
			enum error err = vspace_frame_map(inv->slot, inv->caps[0], mr(inv, 0),
							  mr(inv, 1), mr(inv, 2), &fault);
			if (err == ERR_OK && !(mr(inv, 2) & ABI_ATTR_EXECUTE_NEVER))
				thread_code_mapped(); /* every hart runs fence.i before user code */
			return err;
		}
	case PAGE_UNMAP: return vspace_frame_unmap(inv->slot);
	case PAGE_GET_ADDRESS:
		out(inv, port_virt_to_phys((void *)cap_ptr(inv->slot->cap)));
		return ERR_OK;
	default: return ERR_ILLEGAL_OPERATION;
	}
}

static enum error invoke_asid(struct invocation *inv)
{
	enum cap_type type = cap_type(inv->slot->cap);
	if (type == CAP_ASID_CONTROL && inv->label == ASID_CONTROL_MAKE_POOL) {
		if (!has(inv, 2, 2))
			return ERR_TRUNCATED_MESSAGE;
		struct resolve_result dest =
		    cnode_lookup_slot(inv->caps[1]->cap, mr(inv, 0), mr(inv, 1));
		if (dest.err != ERR_OK)
			return dest.err;
		return asid_control_make_pool(inv->slot, inv->caps[0], dest.slot);
	}
	if (type == CAP_ASID_POOL && inv->label == ASID_POOL_ASSIGN) {
		if (!has(inv, 0, 1))
			return ERR_TRUNCATED_MESSAGE;
		return asid_pool_assign(inv->slot, inv->caps[0]);
	}
	return ERR_ILLEGAL_OPERATION;
}

static enum error invoke_irq(struct invocation *inv)
{
	struct cap cap = inv->slot->cap;
	if (cap_type(cap) == CAP_IRQ_CONTROL) {
		if (inv->label != IRQ_ISSUE_IRQ_HANDLER)
			return ERR_ILLEGAL_OPERATION;
		if (!has(inv, 3, 1))
			return ERR_TRUNCATED_MESSAGE;
		struct resolve_result dest =
		    cnode_lookup_slot(inv->caps[0]->cap, mr(inv, 1), mr(inv, 2));
		if (dest.err != ERR_OK)
			return dest.err;
		return irqcap_issue(inv->slot, mr(inv, 0), dest.slot);
	}
	uint64_t irq = cap_irq(cap);
	switch (inv->label) {
	case IRQ_ACK: return irqcap_ack(irq);
	case IRQ_SET_NOTIFICATION:
		if (!has(inv, 0, 1))
			return ERR_TRUNCATED_MESSAGE;
		return irqcap_set_notification(irq, inv->caps[0]);
	case IRQ_CLEAR: irqcap_clear(irq); return ERR_OK;
	default: return ERR_ILLEGAL_OPERATION;
	}
}

/* seL4 stalls a hart that runs the target before any TCB invocation
 * (remoteTCBStall): registers read are live, registers written are what it
 * resumes with, and a suspended thread runs nowhere once Suspend returns. */
static enum error invoke_tcb(struct invocation *inv)
{
	struct tcb *target = tcb_from_cap(inv->slot->cap);
	struct hart *remote = thread_stall(target);
	enum error err = invoke_tcb_on(inv, target);
	thread_unstall(target, remote);
	return err;
}

static enum error invoke_sender_table(struct invocation *inv)
{
	switch (inv->label) {
	case SENDER_TABLE_REGISTER: {
		if (!has(inv, 2, 1))
			return ERR_TRUNCATED_MESSAGE;
		uint64_t vector;
		enum error err = kuintr_register_sender(inv->slot, mr(inv, 0), inv->caps[0],
							mr(inv, 1), &vector);
		if (err == ERR_OK)
			out(inv, vector);
		return err;
	}
	case SENDER_TABLE_UNREGISTER:
		if (!has(inv, 1, 0))
			return ERR_TRUNCATED_MESSAGE;
		return kuintr_unregister_sender(inv->slot, mr(inv, 0));
	default: return ERR_ILLEGAL_OPERATION;
	}
}

static enum error invoke_service(struct invocation *inv)
{
	uint64_t result[2];
	enum error err;
	switch (inv->label) {
	case SERVICE_CONFIGURE_CHANNELS:
		if (!has(inv, 2, 0))
			return ERR_TRUNCATED_MESSAGE;
		return kchannel_configure(inv->slot, mr(inv, 0), mr(inv, 1));
	case SERVICE_CHANNELS:
		if (!has(inv, 1, 0))
			return ERR_TRUNCATED_MESSAGE;
		err = kchannel_masks(inv->slot, mr(inv, 0), result);
		break;
	case SERVICE_CONFIGURE_LEND:
		if (!has(inv, 2, 0))
			return ERR_TRUNCATED_MESSAGE;
		return klend_configure(inv->slot, mr(inv, 0), mr(inv, 1));
	case SERVICE_LEND_RETURN:
		if (!has(inv, 1, 0))
			return ERR_TRUNCATED_MESSAGE;
		err = klend_return(inv->slot, mr(inv, 0), &result[0]);
		if (err == ERR_OK)
			out(inv, result[0]);
		return err;
	default: return ERR_ILLEGAL_OPERATION;
	}
	if (err == ERR_OK) {
		out(inv, result[0]);
		out(inv, result[1]);
	}
	return err;
}

static enum error invoke_channel(struct invocation *inv)
{
	switch (inv->label) {
	case CHANNEL_REGISTER: {
		if (!has(inv, 5, 1))
			return ERR_TRUNCATED_MESSAGE;
		uint64_t words[5], result[2];
		for (unsigned i = 0; i < 5; i++)
			words[i] = mr(inv, i);
		enum error err =
		    kchannel_register(inv->thread, inv->slot, inv->caps[0], words, result);
		if (err == ERR_OK) {
			out(inv, result[0]);
			out(inv, result[1]);
		}
		return err;
	}
	case CHANNEL_UNREGISTER: return kchannel_unregister(inv->slot);
	case CHANNEL_LEND: {
		if (!has(inv, 2, 0))
			return ERR_TRUNCATED_MESSAGE;
		uint64_t where = 0;
		enum error err =
		    klend_channel(inv->thread, inv->slot, mr(inv, 0), mr(inv, 1), &where);
		if (err == ERR_OK)
			out(inv, where);
		return err;
	}
	case CHANNEL_STATUS: {
		uint64_t result[4];
		kchannel_status(inv->slot, result);
		for (unsigned i = 0; i < 4; i++)
			out(inv, result[i]);
		return ERR_OK;
	}
	default: return ERR_ILLEGAL_OPERATION;
	}
}

static enum error dispatch(struct invocation *inv)
{
	switch (cap_type(inv->slot->cap)) {
	case CAP_UNTYPED: return invoke_untyped(inv);
	case CAP_CNODE: return invoke_cnode(inv);
	case CAP_TCB: return invoke_tcb(inv);
	case CAP_PAGE_TABLE: return invoke_page_table(inv);
	case CAP_FRAME: return invoke_frame(inv);
	case CAP_ASID_CONTROL:
	case CAP_ASID_POOL: return invoke_asid(inv);
	case CAP_IRQ_CONTROL:
	case CAP_IRQ_HANDLER: return invoke_irq(inv);
	case CAP_NULL:
	case CAP_ENDPOINT:
	case CAP_NOTIFICATION:
	case CAP_REPLY:
	case CAP_DOMAIN:
	case CAP_ZOMBIE: return ERR_ILLEGAL_OPERATION;
	case CAP_SERVICE: return invoke_service(inv);
	case CAP_CHANNEL: return invoke_channel(inv);
	case CAP_SENDER_TABLE: return invoke_sender_table(inv);
	}
	return ERR_ILLEGAL_OPERATION;
}

void invoke_object(struct tcb *t, struct cte *slot)
{
	struct msg_info info = { tcb_get_reg(t, PORT_REG_INFO) };
	struct invocation inv = {
		.thread = t,
		.slot = slot,
		.label = msg_info_label(info),
		.length = msg_info_length(info),
	};
	unsigned limit = tcb_ipc_buffer(t) != NULL ? MSG_MAX_LENGTH : MSG_REGISTER_WORDS;
	if (inv.length > limit)
		inv.length = limit;
	enum error err = load_extra_caps(&inv, msg_info_extra_caps(info));
	if (err == ERR_OK)
		err = dispatch(&inv);
	if (err == ERR_PREEMPTED) {
		/* A long operation (delete, revoke, set space, retype's clearing)
		 * used its budget: its progress is in the objects, and the call
		 * runs again from its ecall after the kernel lets others in. */
		restart_call(t);
		return;
	}
	tcb_set_reg(t, PORT_REG_RESULT, err);
	tcb_set_reg(t, PORT_REG_BADGE, 0);
	tcb_set_reg(t, PORT_REG_INFO, msg_info_make(0, err == ERR_OK ? inv.out : 0, 0, 0).word);
	msg_regs_clear_past(t, err == ERR_OK ? inv.out : 0); /* an answer is a message */
}
