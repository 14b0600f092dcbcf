/* SPDX-License-Identifier: MIT */
/* The thread world of thread_world.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_arch.h"
#include "thread_world.h"

static void *aligned_zeroed(size_t align, size_t size)
{
	void *p = aligned_alloc(align, size < align ? align : size);
	assert_non_null(p);
	memset(p, 0, size < align ? align : size);
	return p;
}

struct thread_world *tw_new(unsigned harts)
{
	struct thread_world *w = calloc(1, sizeof(*w));
	assert_non_null(w);
	fake_arch_reset();
	memset(object_finalise_count, 0, sizeof(object_finalise_count));
	fault_unhandled_count = 0;
	asid_table_reset();
	w->harts = harts;
	for (unsigned h = 0; h < harts; h++)
		w->idle[h] = aligned_zeroed(1u << TCB_SIZE_BITS, sizeof(struct tcb));
	sched_init(harts, w->idle);
	sched_enter(0);
	return w;
}

static void free_objects(struct tw_object *objs, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		free(objs[i].mem);
}

void tw_free(struct thread_world *w)
{
	if (w == NULL)
		return;
	free_objects(w->threads, w->thread_count);
	free_objects(w->eps, w->ep_count);
	free_objects(w->ntfns, w->ntfn_count);
	free_objects(w->replies, w->reply_count);
	free_objects(w->cnodes, w->cnode_count);
	for (unsigned i = 0; i < TW_MAX_THREADS; i++)
		free(w->buffer_frames[i].mem);
	for (unsigned h = 0; h < w->harts; h++)
		free(w->idle[h]);
	free(w->pool_mem);
	free(w->vspace_mem);
	free(w->kernel_root);
	asid_table_reset();
	free(w);
}

struct thread_world *W;

int tw_teardown(void **state)
{
	(void)state;
	tw_free(W);
	W = NULL;
	return 0;
}

static struct cap make(struct tw_object *objs, unsigned *count, enum object_type type, unsigned max)
{
	assert_true(*count < max);
	unsigned bits = object_size_bits(type, 0);
	struct tw_object *o = &objs[(*count)++];
	o->mem = aligned_zeroed((size_t)1 << bits, (size_t)1 << bits);
	o->slot.cap = object_init(type, (uintptr_t)o->mem, 0, false);
	return o->slot.cap;
}

struct cap tw_remake(struct tw_object *o, enum object_type type)
{
	assert_true(cap_is_null(o->slot.cap));
	o->slot = (struct cte){ 0 };
	o->slot.cap = object_init(type, (uintptr_t)o->mem, 0, false);
	return o->slot.cap;
}

struct tcb *tw_thread(struct thread_world *w, unsigned priority, unsigned hart)
{
	struct tcb *t = tcb_from_cap(make(w->threads, &w->thread_count, OBJ_TCB, TW_MAX_THREADS));
	t->mcp = 255;
	t->priority = (uint8_t)priority;
	t->affinity = (uint8_t)hart;
	return t;
}

struct tcb *tw_running(struct thread_world *w, unsigned priority, unsigned hart)
{
	struct tcb *t = tw_thread(w, priority, hart);
	sched_start(hart, t);
	return t;
}

struct ipc_buffer *tw_buffer(struct thread_world *w, struct tcb *t)
{
	for (unsigned i = 0; i < w->thread_count; i++) {
		if (w->threads[i].mem == t) {
			struct tw_object *frame = &w->buffer_frames[i];
			if (frame->mem == NULL) {
				frame->mem = aligned_zeroed(4096, 4096);
				frame->slot.cap =
				    object_init(OBJ_FRAME_4K, (uintptr_t)frame->mem, 0, false);
			}
			assert_int_equal(tcb_set_ipc_buffer(t, &frame->slot, 0x10400), ERR_OK);
			assert_ptr_equal(tcb_ipc_buffer(t), (char *)frame->mem + 0x400);
			return tcb_ipc_buffer(t);
		}
	}
	fail_msg("not a thread of this world");
	return NULL;
}

struct cte *tw_vspace(struct thread_world *w)
{
	if (w->vspace_mem != NULL)
		return &w->vspace;
	w->kernel_root = aligned_zeroed(4096, 4096);
	vspace_set_kernel_root(w->kernel_root);
	w->pool_mem = aligned_zeroed(4096, 4096);
	w->vspace_mem = aligned_zeroed(4096, 4096);
	w->asid_control.cap = cap_asid_control_new();
	w->pool_untyped.cap = cap_untyped_new((uintptr_t)w->pool_mem, 12, false);
	assert_int_equal(asid_control_make_pool(&w->asid_control, &w->pool_untyped, &w->pool),
			 ERR_OK);
	w->vspace.cap = object_init(OBJ_PAGE_TABLE, (uintptr_t)w->vspace_mem, 0, false);
	assert_int_equal(asid_pool_assign(&w->pool, &w->vspace), ERR_OK);
	return &w->vspace;
}

void tw_set_space(struct thread_world *w, struct tcb *t, struct cte *cnode_slot,
		  struct cte *fault_slot)
{
	struct tcb_space_args args = { .fault = fault_slot,
				       .cspace = cnode_slot,
				       .vspace = tw_vspace(w) };
	struct work_budget budget = { .left = 1000 };
	assert_int_equal(tcb_set_space(tw_thread_slot(w, t), &args, &budget), ERR_OK);
}

struct cte *tw_thread_slot(struct thread_world *w, struct tcb *t)
{
	for (unsigned i = 0; i < w->thread_count; i++)
		if (w->threads[i].mem == t)
			return &w->threads[i].slot;
	fail_msg("not a thread of this world");
	return NULL;
}

struct cap tw_endpoint(struct thread_world *w)
{
	return make(w->eps, &w->ep_count, OBJ_ENDPOINT, TW_MAX_OBJECTS);
}

struct cap tw_notification(struct thread_world *w)
{
	return make(w->ntfns, &w->ntfn_count, OBJ_NOTIFICATION, TW_MAX_OBJECTS);
}

struct cap tw_reply(struct thread_world *w)
{
	return make(w->replies, &w->reply_count, OBJ_REPLY, TW_MAX_OBJECTS);
}

struct cap tw_cnode(struct thread_world *w, unsigned radix)
{
	assert_true(w->cnode_count < TW_MAX_OBJECTS);
	size_t bytes = (size_t)1 << (radix + CTE_SIZE_BITS);
	struct tw_object *o = &w->cnodes[w->cnode_count++];
	o->mem = aligned_zeroed(bytes, bytes);
	(void)object_init(OBJ_CNODE, (uintptr_t)o->mem, radix, false);
	o->slot.cap = cap_cnode_new((uintptr_t)o->mem, radix, 64 - radix, 0);
	return o->slot.cap;
}

struct cte *tw_slot_of(struct thread_world *w, struct cap cap)
{
	struct tw_object *sets[] = { w->threads, w->eps, w->ntfns, w->replies, w->cnodes };
	unsigned counts[] = { w->thread_count, w->ep_count, w->ntfn_count, w->reply_count,
			      w->cnode_count };
	for (unsigned s = 0; s < 5; s++)
		for (unsigned i = 0; i < counts[s]; i++)
			if ((uintptr_t)sets[s][i].mem == cap_ptr(cap))
				return &sets[s][i].slot;
	fail_msg("not an object of this world");
	return NULL;
}

void tw_delete(struct thread_world *w, struct cte *slot)
{
	(void)w;
	struct work_budget budget = { .left = 100 };
	assert_int_equal(cte_delete(slot, &budget), ERR_OK);
}

struct cap tw_badged(struct cap cap, uint64_t badge)
{
	return cap_update_data(cap, false, badge);
}

struct cap tw_masked(struct cap cap, unsigned rights)
{
	return cap_mask_rights(cap, cap_rights_make(rights));
}

void tw_message(struct tcb *t, uint64_t label, unsigned length, const uint64_t *words)
{
	tcb_set_reg(t, PORT_REG_INFO, msg_info_make(label, length, 0, 0).word);
	for (unsigned i = 0; i < length; i++) {
		if (i < MSG_REGISTER_WORDS)
			tcb_set_reg(t, PORT_REG_MR0 + i, words[i]);
		else if (tcb_ipc_buffer(t) != NULL)
			tcb_ipc_buffer(t)->msg[i] = words[i];
	}
}

uint64_t tw_mr(const struct tcb *t, unsigned i)
{
	if (i < MSG_REGISTER_WORDS)
		return tcb_get_reg(t, PORT_REG_MR0 + i);
	return tcb_ipc_buffer(t)->msg[i];
}

struct msg_info tw_info(const struct tcb *t)
{
	return (struct msg_info){ tcb_get_reg(t, PORT_REG_INFO) };
}

uint64_t tw_badge(const struct tcb *t)
{
	return tcb_get_reg(t, PORT_REG_BADGE);
}

uint64_t tw_result(const struct tcb *t)
{
	return tcb_get_reg(t, PORT_REG_RESULT);
}

void tw_enter(unsigned h)
{
	sched_enter(h);
}

void tw_exit(unsigned h)
{
	sched_schedule(h);
}

void tw_deliver_ipis(struct thread_world *w)
{
	for (unsigned h = 0; h < w->harts; h++) {
		if (sched_pending(h)) {
			sched_enter(h);
			sched_schedule(h);
		}
	}
	sched_enter(0);
}

/* How many places of each kind t is in. */
static unsigned places_of(struct thread_world *w, const struct tcb *t)
{
	unsigned places = 0;
	/* A current thread that stopped (its hart has yet to decide) is
	 * leaving: its place is the object it now waits on. */
	for (unsigned h = 0; h < w->harts; h++)
		places += sched_current(h) == t && tcb_is_runnable(t);
	places += t->queued + t->candidate;
	for (unsigned i = 0; i < w->ep_count; i++) {
		const struct endpoint *ep = w->eps[i].mem;
		for (const struct tcb *q = ep->queue.head; q != NULL; q = q->ipc_next)
			places += q == t;
	}
	for (unsigned i = 0; i < w->ntfn_count; i++) {
		const struct notification *n = w->ntfns[i].mem;
		for (const struct tcb *q = n->queue.head; q != NULL; q = q->ipc_next)
			places += q == t;
	}
	for (unsigned i = 0; i < w->reply_count; i++) {
		const struct reply *r = w->replies[i].mem;
		places += r->caller == t;
	}
	if (tcb_state(t) == THREAD_INACTIVE && places == 0)
		places = 1;
	/* A sleeper for user interrupts is in its hart's sleep list
	 * (uintr_thread_check_invariants checks the list). */
	if (tcb_state(t) == THREAD_BLOCKED_UINTR)
		places++;
	return places;
}

const char *tw_check(struct thread_world *w)
{
	const char *why = sched_check_invariants();
	if (why != NULL)
		return why;
	for (unsigned i = 0; i < w->thread_count; i++) {
		if (cap_is_null(w->threads[i].slot.cap))
			continue;
		const struct tcb *t = w->threads[i].mem;
		if ((why = tcb_check_invariants(t)) != NULL)
			return why;
		if (places_of(w, t) != 1)
			return "a thread is not in exactly one place";
	}
	for (unsigned i = 0; i < w->ep_count; i++)
		if (!cap_is_null(w->eps[i].slot.cap) &&
		    (why = endpoint_check_invariants(w->eps[i].mem)) != NULL)
			return why;
	for (unsigned i = 0; i < w->ntfn_count; i++)
		if (!cap_is_null(w->ntfns[i].slot.cap) &&
		    (why = notification_check_invariants(w->ntfns[i].mem)) != NULL)
			return why;
	for (unsigned i = 0; i < w->reply_count; i++)
		if (!cap_is_null(w->replies[i].slot.cap) &&
		    (why = reply_check_invariants(w->replies[i].mem)) != NULL)
			return why;
	return NULL;
}

void tw_assert(struct thread_world *w)
{
	const char *why = tw_check(w);
	if (why != NULL)
		fail_msg("thread world invariant: %s", why);
}
