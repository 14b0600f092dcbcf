/* SPDX-License-Identifier: MIT */
/*
 * The channel port over user-mode interrupts (channel_uintr.h): ring,
 * sleep and the clock, and the user-interrupt handler that keeps a
 * thread's bits and runs its asynchronous callback. Linked into the
 * programs that use channels in the system (servers/meson.build), not into
 * every program: servers/chanbench has a port of its own.
 */
#include "channel_uintr.h"

#include "kestrel_uintr.h"

/* The calling thread's state; each thread has its own TLS block. */
static _Thread_local struct channel_uintr_thread *channel_uintr_self;

void channel_uintr_thread_init(struct channel_uintr_thread *self, channel_uintr_callback callback,
			       void *context)
{
	atomic_store(&self->taken, 0);
	self->on_interrupt = callback;
	self->context = context;
	self->busy = 0;
	self->deferred = 0;
	self->interrupts = 0;
	self->held = 0;
	channel_uintr_self = self;
}

void channel_uintr_leave(struct channel_uintr_thread *self)
{
	for (;;) {
		atomic_signal_fence(memory_order_seq_cst);
		self->busy = 0;
		atomic_signal_fence(memory_order_seq_cst);
		if (!self->deferred)
			return;
		/* An interrupt came while we were inside: run its callback
		 * here, busy again, so a new one is deferred in turn. */
		self->busy = 1;
		atomic_signal_fence(memory_order_seq_cst);
		self->deferred = 0;
		if (self->on_interrupt)
			self->on_interrupt(self);
	}
}

/* The C part of the handler (interrupts stay off until its uret). */
void channel_uintr_handler(void);
void channel_uintr_handler(void)
{
	uint64_t bits = uipi_read();
	struct channel_uintr_thread *self = channel_uintr_self;
	if (bits == 0 || self == NULL)
		return; /* spurious (docs/uintr.md), or a thread without state */
	atomic_fetch_or(&self->taken, bits);
	self->interrupts++;
	if (self->on_interrupt == NULL)
		return;
	if (self->busy) {
		self->deferred = 1;
		return;
	}
	self->busy = 1;
	atomic_signal_fence(memory_order_seq_cst);
	self->on_interrupt(self);
	atomic_signal_fence(memory_order_seq_cst);
	self->busy = 0;
}

/* utvec (kestrel_uintr.h). */
KESTREL_UINTR_ENTRY(channel_uintr_entry, channel_uintr_handler);

/* ---- The clock: the time base at the info page's frequency ---- */

static uint64_t timebase_hz(void)
{
	const volatile struct kernel_info *k =
	    (const volatile struct kernel_info *)(uintptr_t)KERNEL_INFO_VADDR;
	uint64_t hz = k->timebase_frequency;
	return hz ? hz : 10000000u; /* never 0 (the kernel writes it at boot) */
}

#define NS_PER_S UINT64_C(1000000000)

uint64_t channel_port_now(void)
{
	uint64_t ticks = uintr_now(), hz = timebase_hz();
	if (NS_PER_S % hz == 0) /* QEMU virt's 10 MHz: one multiplication */
		return ticks * (NS_PER_S / hz);
	return ticks / hz * NS_PER_S + ticks % hz * NS_PER_S / hz;
}

uint64_t channel_uintr_ticks(uint64_t ns)
{
	if (ns == UINT64_MAX)
		return UINT64_MAX;
	uint64_t hz = timebase_hz();
	uint64_t whole = ns / NS_PER_S, part = ns % NS_PER_S;
	if (whole > UINT64_MAX / hz - 1)
		return UINT64_MAX;
	return whole * hz + (part * hz + NS_PER_S - 1) / NS_PER_S;
}

/* ---- Ring and sleep ---- */

void channel_port_ring(struct channel_doorbell *peer)
{
	struct channel_uintr_thread *self = channel_uintr_self;
	uint64_t held = self != NULL ? self->held : CHANNEL_UINTR_NOT_HOLDING;
	if (held == CHANNEL_UINTR_NOT_HOLDING) {
		uipi_send(peer->index);
		return;
	}
	self->held = peer->index + CHANNEL_UINTR_HELD;
	if (held != CHANNEL_UINTR_HOLDING && held != self->held)
		uipi_send(held - CHANNEL_UINTR_HELD); /* one is held: the earlier goes now */
}

void channel_uintr_release(struct channel_uintr_thread *self)
{
	uint64_t held = self->held;
	self->held = CHANNEL_UINTR_NOT_HOLDING;
	if (held >= CHANNEL_UINTR_HELD)
		uipi_send(held - CHANNEL_UINTR_HELD);
}

/* Sleep until my bits or the deadline: the bits taken, 0 at the deadline. */
static uint64_t sleep_bits(struct channel_doorbell *mine, uint64_t deadline)
{
	struct channel_uintr_thread *self = mine->thread;
	uint64_t want = mine->bits;
	for (;;) {
		/* Mine already READ (by the handler, or by a sleep on another
		 * channel of this thread): consumed, atomically against the
		 * handler, which may run between any two instructions; the
		 * plain load first keeps the atomic off the path that finds
		 * none. A ring still held goes at the release. */
		if (atomic_load_explicit(&self->taken, memory_order_relaxed) & want) {
			uint64_t bits = atomic_fetch_and(&self->taken, ~want) & want;
			if (bits)
				return bits;
		}
		/* The wait returns at once while any bit is pending, so bits
		 * of the thread's other channels are moved out first (READ),
		 * but only after a wait found them: one kernel entry fewer on
		 * the emulated backend, where READ is a trap. When the kernel
		 * handed the hart over it READ them itself (a2). */
		uint64_t held = self->held, woken = 0, bits;
		bool send = held >= CHANNEL_UINTR_HELD;
		if (send)
			self->held = CHANNEL_UINTR_HOLDING;
		if (kestrel_uintr_send_wait(deadline, held - CHANNEL_UINTR_HELD, send, &woken,
					    &bits) != ERR_OK ||
		    !woken)
			return 0; /* the deadline (or no receiver: a setup bug) */
		if (bits == 0)
			bits = uipi_read();
		/* Mine go back at once; the thread's others wait in taken. */
		uint64_t others = bits & ~want;
		if (others)
			atomic_fetch_or(&self->taken, others);
		if (bits & want)
			return bits & want;
	}
}

/*
 * A client's sleep ended with no reply in its buffer (the server's tail is
 * the head we published): a slow server, or one that went. CHANNEL_STATUS
 * tells; a server that went (the buffer is still ours, and nothing else
 * writes the server's line now: its mapping there is gone) gets a
 * response tail no server may publish, which the library takes for a
 * broken peer: the wait, and every call after it, returns
 * ERR_ILLEGAL_OPERATION at once instead of sleeping until its deadline.
 * Out of line: the look that calls it (below) finds a reply nearly always.
 */
static __attribute__((noinline)) void client_check_gone(struct channel_doorbell *mine,
							uint32_t head)
{
	struct kestrel_channel_status st;
	if (kestrel_channel_status(mine->channel, &st) != ERR_OK || st.state != ABI_CHANNEL_DEAD ||
	    st.why != ABI_CHANNEL_GONE_SERVER)
		return; /* live: slow, not gone (a client's own frames revoked: unmapped) */
	atomic_store_explicit(&mine->shared->response_tail, head + 0x80000000u,
			      memory_order_release);
}

bool channel_port_sleep(struct channel_doorbell *mine, uint64_t deadline_ns)
{
	uint64_t bits = sleep_bits(mine, channel_uintr_ticks(deadline_ns));
	if (mine->server != NULL) {
		if (bits != 0)
			channel_uintr_server_woken(mine->server, bits);
	} else if (mine->channel != 0) {
		/* The indices alone decide whether to ask (the library reads
		 * the reply itself, with its own ordering). */
		struct channel_shared *shared = mine->shared;
		uint32_t head = atomic_load_explicit(&shared->response_head, memory_order_relaxed);
		if (atomic_load_explicit(&shared->response_tail, memory_order_relaxed) == head)
			client_check_gone(mine, head);
	}
	return bits != 0;
}

/* ---- Synchronous use: the ring held for the sleep ---- */

/* The ring is held only for a wait that sleeps at once (poll budget 0):
 * one that polls first would keep a peer on another hart waiting for the
 * ring through every poll. */
enum error channel_uintr_call(struct channel_uintr_client *u, const struct channel_message *request,
			      uint64_t timeout_ns, struct channel_message *reply)
{
	if (u->client->poll_budget != 0)
		return channel_client_call(u->client, request, timeout_ns, reply);
	channel_uintr_hold(u->mine.thread);
	enum error err = channel_client_call_held(u->client, request, timeout_ns, reply);
	channel_uintr_release(u->mine.thread);
	return err;
}
