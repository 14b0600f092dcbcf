/* SPDX-License-Identifier: MIT */
/*
 * A world of threads and IPC objects for the host tests of tcb, scheduler,
 * endpoint, reply, notification and fault: objects are made by object_init
 * in aligned host memory, each object's original cap sits in a kernel slot
 * (so deleting it runs object_finalise as the last cap), and tw_check runs
 * every module's invariant checker plus the one no module can see alone:
 * every thread is in exactly one place (current on one hart, in one ready
 * queue, a direct-switch candidate, in one endpoint or notification queue,
 * held by one reply object, or inactive).
 */
#ifndef HOSTTEST_THREAD_WORLD_H
#define HOSTTEST_THREAD_WORLD_H

#include <stdbool.h>
#include <stdint.h>

#include "asid.h"
#include "endpoint.h"
#include "fault.h"
#include "message.h"
#include "notification.h"
#include "reply.h"
#include "scheduler.h"
#include "tcb.h"
#include "vspace.h"

#define TW_MAX_THREADS 96
#define TW_MAX_OBJECTS 32 /* of each IPC kind */

struct tw_object {
	struct cte slot; /* the original cap; null once deleted */
	void *mem;
};

struct thread_world {
	unsigned harts;
	struct tcb *idle[CONFIG_MAX_HARTS];
	struct tw_object threads[TW_MAX_THREADS];
	unsigned thread_count;
	struct tw_object eps[TW_MAX_OBJECTS], ntfns[TW_MAX_OBJECTS], replies[TW_MAX_OBJECTS];
	struct tw_object cnodes[TW_MAX_OBJECTS];
	unsigned ep_count, ntfn_count, reply_count, cnode_count;
	struct tw_object buffer_frames[TW_MAX_THREADS]; /* 4 KiB frames for IPC buffers */
	/* One VSpace root for every thread (tw_vspace): an ASID pool made by
	 * ASID control from a 4 KiB untyped, a root table with ASID 1. */
	struct cte asid_control, pool_untyped, pool, vspace;
	void *pool_mem, *vspace_mem, *kernel_root;
};

/* A fresh world with `harts` harts running their idle threads; fake_arch reset. */
struct thread_world *tw_new(unsigned harts);
void tw_free(struct thread_world *w);

/* The world of the running scenario test, and a CMocka teardown that frees
 * it (tests set W = tw_new(...) and name tw_teardown in their table). */
extern struct thread_world *W;
int tw_teardown(void **state);

/* An inactive thread with MCP 255 at `priority` on `hart`. */
struct tcb *tw_thread(struct thread_world *w, unsigned priority, unsigned hart);
/* tw_thread, then made the current thread of its hart (which must be idle). */
struct tcb *tw_running(struct thread_world *w, unsigned priority, unsigned hart);
/* Give t an IPC buffer: a frame of its own (made on first use), at a
 * user address whose offset in the frame is 1 KiB. */
struct ipc_buffer *tw_buffer(struct thread_world *w, struct tcb *t);
/* The world's VSpace root's slot (made on first use). */
struct cte *tw_vspace(struct thread_world *w);
/* TCB_SetSpace: t's CSpace root becomes a copy of the CNode cap in
 * `cnode_slot`, its VSpace the world's, its fault handler the cap in
 * `fault_slot` (NULL: none). Asserts ERR_OK. */
void tw_set_space(struct thread_world *w, struct tcb *t, struct cte *cnode_slot,
		  struct cte *fault_slot);
/* A TCB's original cap slot (for deleting it). */
struct cte *tw_thread_slot(struct thread_world *w, struct tcb *t);

/* New objects; return the original (all rights, unbadged) cap. */
struct cap tw_endpoint(struct thread_world *w);
struct cap tw_notification(struct thread_world *w);
struct cap tw_reply(struct thread_world *w);
/* A CNode of 2^radix slots whose guard makes a cptr a plain slot index. */
struct cap tw_cnode(struct thread_world *w, unsigned radix);
/* The kernel slot holding the original cap to the object `cap` names. */
struct cte *tw_slot_of(struct thread_world *w, struct cap cap);
/* Delete the original cap of the object (the last cap: it is finalised). */
void tw_delete(struct thread_world *w, struct cte *slot);

/* A badged / rights-masked copy of an endpoint or notification cap. */
struct cap tw_badged(struct cap cap, uint64_t badge);
struct cap tw_masked(struct cap cap, unsigned rights);

/* Set t's outgoing message: info (label, length) and MR0..MR(n-1) = words. */
void tw_message(struct tcb *t, uint64_t label, unsigned length, const uint64_t *words);
uint64_t tw_mr(const struct tcb *t, unsigned i);
struct msg_info tw_info(const struct tcb *t);
uint64_t tw_badge(const struct tcb *t);
uint64_t tw_result(const struct tcb *t);

/* Make a new object of `type` in the memory of o, whose cap was deleted
 * (the host reuses an object's memory as untyped would). */
struct cap tw_remake(struct tw_object *o, enum object_type type);

/* The kernel acts on hart h; afterwards sched_schedule(h). */
void tw_enter(unsigned h);
void tw_exit(unsigned h);
/* Run sched_schedule on every hart with a pending decision (IPIs arrive). */
void tw_deliver_ipis(struct thread_world *w);

/* NULL, or the first violated invariant. */
const char *tw_check(struct thread_world *w);
/* tw_check, failing the running test with the reason. */
void tw_assert(struct thread_world *w);

#endif
