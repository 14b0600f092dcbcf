/* SPDX-License-Identifier: MIT */
/*
 * Typed stubs of the capability invocations (kestrel.h): arguments go into
 * the message registers and, past the eighth word and for caps, into the
 * calling thread's IPC buffer, as core/abi.h lays them out.
 */
#include "kestrel.h"
#include "kestrel_uintr.h"

static __thread struct ipc_buffer *ipc_buffer;

struct ipc_buffer *kestrel_ipc_buffer(void)
{
	return ipc_buffer;
}

void kestrel_set_ipc_buffer(struct ipc_buffer *buffer)
{
	ipc_buffer = buffer;
}

enum error kestrel_invoke(cptr_t cap, uint64_t label, unsigned words, const uint64_t *in,
			  unsigned caps, const cptr_t *cap_args, uint64_t *out, unsigned out_count)
{
	struct kmsg m = { .info = kestrel_info(label, words, caps) };
	struct ipc_buffer *buffer = ipc_buffer;
	for (unsigned i = 0; i < words; i++) {
		if (i < MSG_REGISTER_WORDS)
			m.mr[i] = in[i];
		else if (buffer != NULL)
			buffer->msg[i] = in[i];
	}
	for (unsigned i = 0; i < caps && buffer != NULL; i++)
		buffer->caps[i] = cap_args[i];
	enum error err = kestrel_syscall(SYS_CALL, cap, 0, &m);
	unsigned length = msg_info_length((struct msg_info){ m.info });
	for (unsigned i = 0; i < out_count && i < length; i++)
		out[i] = i < MSG_REGISTER_WORDS ? m.mr[i] : buffer->msg[i];
	return err;
}

#define WORDS(...)                                                                                 \
	(const uint64_t[])                                                                         \
	{                                                                                          \
		__VA_ARGS__                                                                        \
	}
#define CAPS(...)                                                                                  \
	(const cptr_t[])                                                                           \
	{                                                                                          \
		__VA_ARGS__                                                                        \
	}
#define N(...) (unsigned)(sizeof((const uint64_t[]){ __VA_ARGS__ }) / sizeof(uint64_t))
#define CALL(cap, label, words, caps)                                                              \
	kestrel_invoke(cap, label, N words, WORDS words, N caps, CAPS caps, NULL, 0)
#define CALL_NO_CAPS(cap, label, words)                                                            \
	kestrel_invoke(cap, label, N words, WORDS words, 0, NULL, NULL, 0)

enum error kestrel_untyped_retype(cptr_t untyped, uint64_t type, uint64_t size_bits, cptr_t root,
				  uint64_t node_index, uint64_t node_depth, uint64_t node_offset,
				  uint64_t count)
{
	return CALL(untyped, UNTYPED_RETYPE,
		    (type, size_bits, node_index, node_depth, node_offset, count), (root));
}

enum error kestrel_cnode_revoke(cptr_t root, uint64_t index, uint64_t depth)
{
	return CALL_NO_CAPS(root, CNODE_REVOKE, (index, depth));
}

enum error kestrel_cnode_delete(cptr_t root, uint64_t index, uint64_t depth)
{
	return CALL_NO_CAPS(root, CNODE_DELETE, (index, depth));
}

enum error kestrel_cnode_cancel_badged_sends(cptr_t root, uint64_t index, uint64_t depth)
{
	return CALL_NO_CAPS(root, CNODE_CANCEL_BADGED_SENDS, (index, depth));
}

enum error kestrel_cnode_copy(cptr_t root, uint64_t dest_index, uint64_t dest_depth,
			      cptr_t src_root, uint64_t src_index, uint64_t src_depth,
			      uint64_t rights)
{
	return CALL(root, CNODE_COPY, (dest_index, dest_depth, src_index, src_depth, rights),
		    (src_root));
}

enum error kestrel_cnode_mint(cptr_t root, uint64_t dest_index, uint64_t dest_depth,
			      cptr_t src_root, uint64_t src_index, uint64_t src_depth,
			      uint64_t rights, uint64_t badge)
{
	return CALL(root, CNODE_MINT, (dest_index, dest_depth, src_index, src_depth, rights, badge),
		    (src_root));
}

enum error kestrel_cnode_move(cptr_t root, uint64_t dest_index, uint64_t dest_depth,
			      cptr_t src_root, uint64_t src_index, uint64_t src_depth)
{
	return CALL(root, CNODE_MOVE, (dest_index, dest_depth, src_index, src_depth), (src_root));
}

enum error kestrel_cnode_mutate(cptr_t root, uint64_t dest_index, uint64_t dest_depth,
				cptr_t src_root, uint64_t src_index, uint64_t src_depth,
				uint64_t badge)
{
	return CALL(root, CNODE_MUTATE, (dest_index, dest_depth, src_index, src_depth, badge),
		    (src_root));
}

enum error kestrel_cnode_rotate(cptr_t root, uint64_t dest_index, uint64_t dest_depth,
				uint64_t dest_badge, cptr_t pivot_root, uint64_t pivot_index,
				uint64_t pivot_depth, uint64_t pivot_badge, cptr_t src_root,
				uint64_t src_index, uint64_t src_depth)
{
	return CALL(root, CNODE_ROTATE,
		    (dest_index, dest_depth, dest_badge, pivot_index, pivot_depth, pivot_badge,
		     src_index, src_depth),
		    (pivot_root, src_root));
}

enum error kestrel_tcb_configure(cptr_t tcb, cptr_t fault_ep, cptr_t cspace, uint64_t cspace_data,
				 cptr_t vspace, uint64_t vspace_data, uint64_t buffer,
				 cptr_t buffer_frame)
{
	const uint64_t words[] = { fault_ep, cspace_data, vspace_data, buffer };
	const cptr_t caps[] = { cspace, vspace, buffer_frame };
	return kestrel_invoke(tcb, TCB_CONFIGURE, 4, words, buffer_frame ? 3 : 2, caps, NULL, 0);
}

enum error kestrel_tcb_set_space(cptr_t tcb, cptr_t fault_ep, cptr_t cspace, uint64_t cspace_data,
				 cptr_t vspace, uint64_t vspace_data)
{
	return CALL(tcb, TCB_SET_SPACE, (fault_ep, cspace_data, vspace_data), (cspace, vspace));
}

enum error kestrel_tcb_set_priority(cptr_t tcb, cptr_t authority, uint64_t priority)
{
	return CALL(tcb, TCB_SET_PRIORITY, (priority), (authority));
}

enum error kestrel_tcb_set_mcp(cptr_t tcb, cptr_t authority, uint64_t mcp)
{
	return CALL(tcb, TCB_SET_MCP, (mcp), (authority));
}

enum error kestrel_tcb_set_ipc_buffer(cptr_t tcb, uint64_t buffer, cptr_t frame)
{
	const uint64_t words[] = { buffer };
	const cptr_t caps[] = { frame };
	return kestrel_invoke(tcb, TCB_SET_IPC_BUFFER, 1, words, frame ? 1 : 0, caps, NULL, 0);
}

enum error kestrel_tcb_set_affinity(cptr_t tcb, uint64_t hart)
{
	return CALL_NO_CAPS(tcb, TCB_SET_AFFINITY, (hart));
}

enum error kestrel_tcb_suspend(cptr_t tcb)
{
	return kestrel_invoke(tcb, TCB_SUSPEND, 0, NULL, 0, NULL, NULL, 0);
}

enum error kestrel_tcb_resume(cptr_t tcb)
{
	return kestrel_invoke(tcb, TCB_RESUME, 0, NULL, 0, NULL, NULL, 0);
}

enum error kestrel_tcb_bind_notification(cptr_t tcb, cptr_t ntfn)
{
	return kestrel_invoke(tcb, TCB_BIND_NOTIFICATION, 0, NULL, 1, CAPS(ntfn), NULL, 0);
}

enum error kestrel_tcb_unbind_notification(cptr_t tcb)
{
	return kestrel_invoke(tcb, TCB_UNBIND_NOTIFICATION, 0, NULL, 0, NULL, NULL, 0);
}

enum error kestrel_tcb_read_registers(cptr_t tcb, bool suspend, unsigned count, uint64_t *regs)
{
	return kestrel_invoke(tcb, TCB_READ_REGISTERS, 2, WORDS(suspend, count), 0, NULL, regs,
			      count);
}

enum error kestrel_tcb_write_registers(cptr_t tcb, bool resume, unsigned count,
				       const uint64_t *regs)
{
	uint64_t words[3 + ABI_REG_COUNT] = { resume, 0, count };
	for (unsigned i = 0; i < count && i < ABI_REG_COUNT; i++)
		words[3 + i] = regs[i];
	unsigned n = 3 + (count < ABI_REG_COUNT ? count : ABI_REG_COUNT);
	return kestrel_invoke(tcb, TCB_WRITE_REGISTERS, n, words, 0, NULL, NULL, 0);
}

enum error kestrel_page_table_map(cptr_t table, cptr_t vspace, uint64_t vaddr, uint64_t attributes)
{
	return CALL(table, PAGE_TABLE_MAP, (vaddr, attributes), (vspace));
}

enum error kestrel_page_table_unmap(cptr_t table)
{
	return kestrel_invoke(table, PAGE_TABLE_UNMAP, 0, NULL, 0, NULL, NULL, 0);
}

enum error kestrel_page_map(cptr_t frame, cptr_t vspace, uint64_t vaddr, uint64_t rights,
			    uint64_t attributes)
{
	return CALL(frame, PAGE_MAP, (vaddr, rights, attributes), (vspace));
}

enum error kestrel_page_unmap(cptr_t frame)
{
	return kestrel_invoke(frame, PAGE_UNMAP, 0, NULL, 0, NULL, NULL, 0);
}

enum error kestrel_page_get_address(cptr_t frame, uint64_t *physical)
{
	return kestrel_invoke(frame, PAGE_GET_ADDRESS, 0, NULL, 0, NULL, physical, 1);
}

enum error kestrel_asid_control_make_pool(cptr_t control, cptr_t untyped, cptr_t root,
					  uint64_t index, uint64_t depth)
{
	return CALL(control, ASID_CONTROL_MAKE_POOL, (index, depth), (untyped, root));
}

enum error kestrel_asid_pool_assign(cptr_t pool, cptr_t vspace)
{
	return kestrel_invoke(pool, ASID_POOL_ASSIGN, 0, NULL, 1, CAPS(vspace), NULL, 0);
}

enum error kestrel_irq_control_get(cptr_t control, uint64_t irq, cptr_t root, uint64_t index,
				   uint64_t depth)
{
	return CALL(control, IRQ_ISSUE_IRQ_HANDLER, (irq, index, depth), (root));
}

enum error kestrel_irq_handler_ack(cptr_t handler)
{
	return kestrel_invoke(handler, IRQ_ACK, 0, NULL, 0, NULL, NULL, 0);
}

enum error kestrel_irq_handler_set_notification(cptr_t handler, cptr_t ntfn)
{
	return kestrel_invoke(handler, IRQ_SET_NOTIFICATION, 0, NULL, 1, CAPS(ntfn), NULL, 0);
}

enum error kestrel_irq_handler_clear(cptr_t handler)
{
	return kestrel_invoke(handler, IRQ_CLEAR, 0, NULL, 0, NULL, NULL, 0);
}

/* --- User-mode interrupts (kestrel_uintr.h). --- */

enum error kestrel_tcb_uintr_bind_receiver(cptr_t tcb, cptr_t service, uint64_t utvec,
					   uint64_t uscratch, uint64_t flags)
{
	return CALL(tcb, TCB_UINTR_BIND_RECEIVER, (utvec, uscratch, flags), (service));
}

enum error kestrel_tcb_uintr_unbind_receiver(cptr_t tcb)
{
	return kestrel_invoke(tcb, TCB_UINTR_UNBIND_RECEIVER, 0, NULL, 0, NULL, NULL, 0);
}

enum error kestrel_tcb_uintr_bind_sender_table(cptr_t tcb, cptr_t table)
{
	return kestrel_invoke(tcb, TCB_UINTR_BIND_SENDER_TABLE, 0, NULL, 1, CAPS(table), NULL, 0);
}

enum error kestrel_tcb_uintr_unbind_sender_table(cptr_t tcb)
{
	return kestrel_invoke(tcb, TCB_UINTR_UNBIND_SENDER_TABLE, 0, NULL, 0, NULL, NULL, 0);
}

enum error kestrel_sender_table_register(cptr_t table, uint64_t index, cptr_t service,
					 uint64_t vector, uint64_t *vector_out)
{
	uint64_t out = 0;
	enum error err = kestrel_invoke(table, SENDER_TABLE_REGISTER, 2, WORDS(index, vector), 1,
					CAPS(service), &out, 1);
	if (vector_out != NULL)
		*vector_out = out;
	return err;
}

enum error kestrel_sender_table_unregister(cptr_t table, uint64_t index)
{
	return CALL_NO_CAPS(table, SENDER_TABLE_UNREGISTER, (index));
}
