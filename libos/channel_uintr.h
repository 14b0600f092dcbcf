/* SPDX-License-Identifier: MIT */
/*
 * The channel protocol's port over user-mode interrupts (docs/channels.md,
 * "The port"; docs/uintr.md): the system's implementation of the three
 * hooks of channel_port.h, and the setup through the kernel's channel
 * object (docs/abi.md "Channels"): Register, Unregister, Status.
 *
 * - ring(peer): uipi SEND through entry `peer->index` of the calling
 *   thread's sender table; the peer's pending bit is sticky. Inside a
 *   synchronous call or a server's reply-and-wait (channel_uintr_call,
 *   channel_uintr_server_reply_wait) the ring is held instead and goes
 *   with the thread's next sleep, in the same kernel entry.
 * - sleep(mine, deadline): take my bits if they are already here (moved
 *   out of the receiver by an earlier READ or by the handler), else block
 *   in SYS_UINTR_SEND_WAIT (sending a held ring first) until a user
 *   interrupt or the deadline, then take the bits the kernel READ for it
 *   when it handed the hart over (docs/uintr.md "The claim of a
 *   sleeper"), or READ;
 *   then a client with no reply in its buffer asks CHANNEL_STATUS (a
 *   server that went: the library reports the channel broken at once), a
 *   server rung by a new or dead channel syncs its links.
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

#include "channel.h"
#include "channel_port.h"
#include "channel_system.h"
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
	/* Rings held (channel_uintr_hold): CHANNEL_UINTR_NOT_HOLDING,
	 * CHANNEL_UINTR_HOLDING (none held yet), or the entry of the ring
	 * held + CHANNEL_UINTR_HELD: one word for the ring, the sleep and
	 * the release to test. */
	uint64_t held;
};
#define CHANNEL_UINTR_NOT_HOLDING 0u
#define CHANNEL_UINTR_HOLDING 1u
#define CHANNEL_UINTR_HELD 2u

/* The port's doorbell: as `mine` (a sleep), the thread that sleeps on it
 * and the vectors that ring it; as a peer (a ring), the ringing thread's
 * sender-table entry that reaches that peer. */
struct channel_doorbell {
	struct channel_uintr_thread *thread;
	uint64_t bits;
	uint64_t index;
	/* A client's own (channel_uintr_register): its channel, asked about
	 * when a sleep ends with no reply in the buffer. */
	cptr_t channel;
	struct channel_shared *shared;
	/* A server's own (channel_uintr_server_init). */
	struct channel_uintr_server *server;
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

/* Rings of the calling thread (self: its own state) are held from here to
 * its next sleep, which sends the one held with the sleep (one kernel
 * entry), or to channel_uintr_release, which sends one still held. A ring
 * to a second peer sends the first one's at once (one is held). Not for a
 * thread whose interrupt callback rings. */
static inline void channel_uintr_hold(struct channel_uintr_thread *self)
{
	self->held = CHANNEL_UINTR_HOLDING;
}
void channel_uintr_release(struct channel_uintr_thread *self);

/* The user-interrupt entry (utvec) that channel_uintr_bind installs. */
void channel_uintr_entry(void);

/* Nanoseconds to time-base ticks (rounded up; UINT64_MAX stays). */
uint64_t channel_uintr_ticks(uint64_t ns);

/*
 * A thread becomes a receiver: `tcb` the receiver of `service` (its handler
 * channel_uintr_entry, taking interrupts when `handler`; else bits wait for
 * a sleep) sending through `table`. A channel's server thread and every
 * client thread are bound so before Register. Assumes nothing about the
 * caps: the kernel checks them.
 */
enum error channel_uintr_bind(cptr_t tcb, cptr_t service, cptr_t table, bool handler);

/* ---- The client side: Register, Unregister, Status ---- */

/* A client's channel through the kernel's channel object. */
struct channel_uintr_client {
	struct channel_client *client; /* the library's state (the caller's memory) */
	struct channel_doorbell mine, server;
	cptr_t channel;
	uint64_t server_vector, client_vector;
};

/* channel_uintr_register's arguments. */
struct channel_uintr_open {
	cptr_t channel;     /* a free channel object */
	cptr_t service;     /* the server's service */
	cptr_t vspace;      /* the caller's VSpace (the frames are mapped there to format them) */
	cptr_t first_frame; /* `pages` 4 KiB frames in consecutive slots, none mapped */
	uint64_t pages;     /* 1..the server's slot pages */
	void *buffer;       /* page-aligned; page tables there, nothing mapped */
	uint32_t depth;     /* entries per queue (channel_client_init) */
	uint64_t index;     /* the calling thread's sender-table entry for this channel */
	uint64_t vector;    /* its vector for the server's ring, or ABI_UINTR_ANY_VECTOR */
};

/*
 * The calling thread (bound: channel_uintr_bind) opens a channel to a
 * server: the frames are mapped at `buffer`, formatted as a channel of
 * `depth` (the library's client state in `client`, its sleeps on
 * `thread`), unmapped, then CHANNEL_REGISTER maps them again at `buffer`
 * and in the server's window and joins the two threads' doorbells. Errors:
 * the library's (channel_client_init: depth, size), kestrel_page_map's
 * (no page tables at `buffer`, a page mapped there, a bad frame), and
 * CHANNEL_REGISTER's (docs/abi.md "Channels": the 65th client gets
 * ERR_NOT_ENOUGH_MEMORY); nothing stays mapped or registered on an error,
 * and `client` is not to be used until a register succeeds.
 * Untrusted: every argument (the kernel checks the caps; NULL pointers and
 * a page count past ABI_CHANNEL_MAX_PAGES are refused here).
 */
enum error channel_uintr_register(struct channel_uintr_client *u, struct channel_client *client,
				  struct channel_uintr_thread *thread,
				  const struct channel_uintr_open *a);

/* CHANNEL_UNREGISTER: the channel goes (the server is rung, its reply to
 * anything outstanding fails), the buffer is unmapped here: `u->client`
 * must not be used again until channel_uintr_register formats it anew. */
enum error channel_uintr_unregister(struct channel_uintr_client *u);

/* CHANNEL_STATUS of u's channel: LIVE, or DEAD and why (ABI_CHANNEL_GONE_*). */
enum error channel_uintr_status(const struct channel_uintr_client *u,
				struct kestrel_channel_status *status);

/*
 * A synchronous call on u's channel with the ring to the server held for
 * the wait's sleep when that wait sleeps at once (the client's poll budget
 * is 0: channel_client_call_held, "ring me" kept up; else
 * channel_client_call, the ring at the submit, so a server on another hart
 * is not kept waiting through the polls): on one hart, a server asleep in
 * its wait is run straight away by that one kernel entry, and its reply
 * and next wait (channel_uintr_server_reply_wait) hand the hart back the
 * same way (docs/channels.md, "The port over user interrupts"). Errors:
 * channel_client_call's. Untrusted: nothing beyond the library's checks.
 */
enum error channel_uintr_call(struct channel_uintr_client *u, const struct channel_message *request,
			      uint64_t timeout_ns, struct channel_message *reply);

/* ---- The server side: the window, attach and detach ---- */

/* A server's channels as its service sees them. */
struct channel_uintr_server {
	struct channel_server *server; /* the library's state (the caller's memory) */
	struct channel_doorbell mine, bells[CHANNEL_MAX_CHANNELS];
	cptr_t service;
	uint64_t base, slot_pages;              /* the window (SERVICE_CONFIGURE_CHANNELS) */
	uint64_t attached;                      /* vectors attached as links */
	uint64_t refused;                       /* live vectors whose buffer did not attach */
	uint64_t gone;                          /* links detached because their client went */
	uint8_t priority[CHANNEL_MAX_CHANNELS]; /* the link priority of each vector */
	/* Vector v's slot in the window (fixed by base and slot_pages): the
	 * wake-up's and the reply's look at a header, one load away. */
	const struct channel_shared *slot[CHANNEL_MAX_CHANNELS];
};

/*
 * The server thread (bound, its service configured with SERVICE_CONFIGURE_
 * CHANNELS(base, slot_pages)) starts serving: the library's server on
 * `server`, sleeping on `thread`, with every live channel attached
 * (channel_uintr_server_sync). Set u->priority[] before (zeroed: all 0).
 * Untrusted: nothing beyond the kernel's checks of `service`.
 */
enum error channel_uintr_server_init(struct channel_uintr_server *u, struct channel_server *server,
				     struct channel_uintr_thread *thread, cptr_t service,
				     uint64_t base, uint64_t slot_pages);

/*
 * One SERVICE_CHANNELS: links whose channel is no longer live are
 * detached (their taken requests' handles die), the dead vectors are
 * released, and live vectors not attached yet are attached (a buffer that
 * does not validate is refused until its channel dies). The port runs it
 * from the sleep when a vector that is not attached rang (a new client's
 * Register) or an attached link's slot no longer holds a channel, and
 * channel_uintr_server_wait when its wait times out.
 */
enum error channel_uintr_server_sync(struct channel_uintr_server *u);

/* channel_server_wait, then a sync when it times out (ERR_FAILED_LOOKUP). */
enum error channel_uintr_server_wait(struct channel_uintr_server *u, uint64_t timeout_ns,
				     struct channel_message *request);

/*
 * channel_server_reply, after a look at the link's slot: when its client
 * went (the slot maps the server's dead page: no header), the link is
 * detached first and the reply fails with ERR_ILLEGAL_OPERATION (nothing
 * written). A client that goes after the look gets the reply written into
 * the server's own dead page: lost, harmless.
 */
enum error channel_uintr_server_reply(struct channel_uintr_server *u,
				      const struct channel_message *reply);

/*
 * channel_uintr_server_reply, then channel_uintr_server_wait for the next
 * request, the reply's ring held for that wait's sleep (one kernel entry
 * for both; see channel_uintr_call, and as there only at poll budget 0). A
 * reply that fails returns its error at once, without the wait.
 */
enum error channel_uintr_server_reply_wait(struct channel_uintr_server *u,
					   const struct channel_message *reply, uint64_t timeout_ns,
					   struct channel_message *request);

/* The port's sleep woke the server with `bits`: a sync when a vector that
 * is not attached rang, or an attached link's slot holds no channel. */
void channel_uintr_server_woken(struct channel_uintr_server *u, uint64_t bits);

#endif
