/* SPDX-License-Identifier: MIT */
/*
 * The channel protocol's port over user-mode interrupts (docs/channels.md,
 * "The port"; docs/uintr.md): the system's implementation of the three
 * hooks of channel_port.h, and the setup that joins a client thread and a
 * server thread until the kernel's Register does it.
 *
 * - ring(peer): uipi SEND through entry `peer->index` of the calling
 *   thread's sender table; the peer's pending bit is sticky.
 * - sleep(mine, deadline): take my bits if they are already here (moved
 *   out of the receiver by an earlier READ or by the handler), else block
 *   in SYS_UINTR_WAIT until a user interrupt or the deadline, then READ.
 * - now(): the time base (rdtime) in nanoseconds, at the frequency the
 *   kernel info page gives (docs/abi.md).
 *
 * The port does not read the info page's running threads: the protocol's
 * sleeping words already say exactly when a ring is needed (docs/channels.md,
 * "The port over user interrupts").
 *
 * Each receiving thread has one struct channel_uintr_thread in its own
 * memory: the bits it has READ and not yet consumed (a thread with several
 * channels has one vector per channel, and READ takes them all), and for
 * asynchronous use a callback its user-interrupt handler runs.
 */
#ifndef LIBOS_CHANNEL_UINTR_H
#define LIBOS_CHANNEL_UINTR_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "channel_port.h"
#include "kestrel.h"

struct channel_uintr_thread;

/* Called with the thread's own bits on a user interrupt (or later, when
 * the interrupt came while the thread was inside channel_uintr_enter /
 * _leave): it may call the channel library. */
typedef void (*channel_uintr_callback)(struct channel_uintr_thread *self);

struct channel_uintr_thread {
	_Atomic uint64_t taken;              /* READ from the receiver, not yet consumed */
	channel_uintr_callback on_interrupt; /* NULL: the handler only keeps the bits */
	void *context;                       /* the callback's */
	volatile uint32_t busy;              /* inside the library (enter/leave) */
	volatile uint32_t deferred;          /* an interrupt came while busy */
	volatile uint64_t interrupts;        /* handler entries that found bits */
};

/* The port's doorbell: as `mine` (a sleep), the thread that sleeps on it
 * and the vectors that ring it; as a peer (a ring), the ringing thread's
 * sender-table entry that reaches that peer. */
struct channel_doorbell {
	struct channel_uintr_thread *thread;
	uint64_t bits;
	uint64_t index;
};

/* The calling thread's state: user-interrupt handlers find it here. */
void channel_uintr_thread_init(struct channel_uintr_thread *self, channel_uintr_callback callback,
			       void *context);

/* Bracket the calling thread's own channel calls while its handler may run
 * the callback: an interrupt meanwhile is deferred to _leave, so the
 * library is never entered twice. */
static inline void channel_uintr_enter(struct channel_uintr_thread *self)
{
	self->busy = 1;
	atomic_signal_fence(memory_order_seq_cst);
}
void channel_uintr_leave(struct channel_uintr_thread *self);

/* The user-interrupt entry (utvec) that channel_uintr_bind installs. */
void channel_uintr_entry(void);

/* Nanoseconds to time-base ticks (rounded up; UINT64_MAX stays). */
uint64_t channel_uintr_ticks(uint64_t ns);

/*
 * The server side of the setup (and a client thread's own): `tcb` becomes
 * the receiver of `service` (its handler channel_uintr_entry, taking
 * interrupts when `handler`; else bits wait for a sleep) and sends through
 * `table`. Assumes nothing about the caps: the kernel checks them.
 */
enum error channel_uintr_bind(cptr_t tcb, cptr_t service, cptr_t table, bool handler);

/* A bound thread's caps, as the setup needs them. */
struct channel_uintr_side {
	cptr_t service;
	cptr_t table;
};

/* What a channel's two sides need for their doorbells. */
struct channel_uintr_link {
	uint64_t server_vector; /* rings the server: the client's entry's vector */
	uint64_t client_vector; /* rings the client: the server's entry's vector */
};

/*
 * The client side of the setup, for one channel (the buffer is mapped into
 * both address spaces by whoever builds them): entry `client_index` of the
 * client's table sends to the server's service on any free vector (the
 * 65th client: ERR_NOT_ENOUGH_MEMORY), entry `server_index` of the
 * server's table to the client's service on `client_vector` (or
 * ABI_UINTR_ANY_VECTOR). Both or neither: a failure of the second undoes
 * the first. The kernel's Register will replace this.
 */
enum error channel_uintr_connect(const struct channel_uintr_side *server, uint64_t server_index,
				 const struct channel_uintr_side *client, uint64_t client_index,
				 uint64_t client_vector, struct channel_uintr_link *out);

/* Undo channel_uintr_connect (both entries; errors of either reported). */
enum error channel_uintr_disconnect(const struct channel_uintr_side *server, uint64_t server_index,
				    const struct channel_uintr_side *client, uint64_t client_index);

#endif
