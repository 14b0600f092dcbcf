/* SPDX-License-Identifier: MIT */
/*
 * The port's setup through the kernel's channel object (channel_uintr.h,
 * docs/abi.md "Channels"): a client formats its buffer and registers it
 * with a server's service; the server attaches what its service lists live
 * and detaches what died. The kernel maps the buffer into both address
 * spaces and joins the two threads' doorbells; nothing here maps anything
 * into the server.
 */
#include "channel_uintr.h"

#include "kestrel_uintr.h"

#define PAGE 4096u

enum error channel_uintr_bind(cptr_t tcb, cptr_t service, cptr_t table, bool handler)
{
	uint64_t utvec = handler ? (uint64_t)(uintptr_t)channel_uintr_entry : 0;
	enum error err =
	    kestrel_tcb_uintr_bind_receiver(tcb, service, utvec, 0, handler ? ABI_UINTR_ENABLE : 0);
	if (err != ERR_OK)
		return err;
	err = kestrel_tcb_uintr_bind_sender_table(tcb, table);
	if (err != ERR_OK)
		(void)kestrel_tcb_uintr_unbind_receiver(tcb);
	return err;
}

/* ---- Client ---- */

/* Map the first `pages` frames at buffer (k frames already mapped are
 * unmapped again on an error). */
static enum error map_frames(const struct channel_uintr_open *a, uint64_t pages)
{
	uint64_t base = (uint64_t)(uintptr_t)a->buffer;
	for (uint64_t k = 0; k < pages; k++) {
		enum error err =
		    kestrel_page_map(a->first_frame + k, a->vspace, base + k * PAGE,
				     ABI_RIGHT_READ | ABI_RIGHT_WRITE, ABI_ATTR_EXECUTE_NEVER);
		if (err != ERR_OK) {
			while (k-- > 0)
				(void)kestrel_page_unmap(a->first_frame + k);
			return err;
		}
	}
	return ERR_OK;
}

/* Untrusted: every field of a (the kernel checks the caps and ranges). */
enum error channel_uintr_register(struct channel_uintr_client *u, struct channel_client *client,
				  struct channel_uintr_thread *thread,
				  const struct channel_uintr_open *a)
{
	if (u == NULL || client == NULL || thread == NULL || a == NULL || a->buffer == NULL)
		return ERR_INVALID_ARGUMENT;
	if (a->pages == 0 || a->pages > ABI_CHANNEL_MAX_PAGES)
		return ERR_RANGE;
	*u = (struct channel_uintr_client){ .client = client, .channel = a->channel };
	/* The header first, through the caller's own mapping of the frames:
	 * the server validates it when it attaches, which may be at once. */
	enum error err = map_frames(a, a->pages);
	if (err != ERR_OK)
		return err;
	err =
	    channel_client_init(client, a->buffer, a->pages * PAGE, a->depth, &u->mine, &u->server);
	for (uint64_t k = 0; k < a->pages; k++)
		(void)kestrel_page_unmap(a->first_frame + k);
	if (err != ERR_OK)
		return err;
	struct kestrel_channel_register r = { a->index, a->vector, (uint64_t)(uintptr_t)a->buffer,
					      a->first_frame, a->pages };
	err = kestrel_channel_register(a->channel, a->service, &r, &u->server_vector,
				       &u->client_vector);
	if (err != ERR_OK)
		return err;
	u->mine = (struct channel_doorbell){ .thread = thread,
					     .bits = UINT64_C(1) << u->client_vector,
					     .channel = a->channel,
					     .shared = client->shared };
	u->server = (struct channel_doorbell){ .index = a->index };
	return ERR_OK;
}

enum error channel_uintr_unregister(struct channel_uintr_client *u)
{
	enum error err = kestrel_channel_unregister(u->channel);
	if (err == ERR_OK)
		u->mine.channel = 0; /* its sleeps ask about it no more */
	return err;
}

enum error channel_uintr_status(const struct channel_uintr_client *u,
				struct kestrel_channel_status *status)
{
	return kestrel_channel_status(u->channel, status);
}

/* ---- Server ---- */

static struct channel_shared *slot_of(const struct channel_uintr_server *u, unsigned v)
{
	return (struct channel_shared *)(uintptr_t)(u->base + (uint64_t)v * u->slot_pages * PAGE);
}

enum error channel_uintr_server_init(struct channel_uintr_server *u, struct channel_server *server,
				     struct channel_uintr_thread *thread, cptr_t service,
				     uint64_t base, uint64_t slot_pages)
{
	if (u == NULL || server == NULL || thread == NULL)
		return ERR_INVALID_ARGUMENT;
	/* The service first: nothing is written on a bad cap. */
	enum error err = kestrel_service_channels(service, 0, NULL, NULL);
	if (err != ERR_OK)
		return err;
	u->server = server;
	u->service = service;
	u->base = base;
	u->slot_pages = slot_pages;
	u->attached = u->refused = u->gone = 0;
	u->mine = (struct channel_doorbell){ .thread = thread, .bits = ~UINT64_C(0), .server = u };
	for (unsigned v = 0; v < CHANNEL_MAX_CHANNELS; v++) {
		u->bells[v] = (struct channel_doorbell){ .index = v };
		u->slot[v] = slot_of(u, v);
	}
	channel_server_init(server, &u->mine);
	return channel_uintr_server_sync(u);
}

enum error channel_uintr_server_sync(struct channel_uintr_server *u)
{
	uint64_t live, dead;
	enum error err = kestrel_service_channels(u->service, 0, &live, &dead);
	if (err != ERR_OK)
		return err;
	/* A link whose channel is not live any more: its client went (or
	 * unregistered); it was not rung by us again after this. */
	for (uint64_t gone = u->attached & ~live; gone != 0; gone &= gone - 1) {
		unsigned v = (unsigned)__builtin_ctzll(gone);
		if (channel_server_detach(u->server, v) != ERR_OK)
			continue; /* never: attached means attached in the library */
		u->gone |= UINT64_C(1) << v;
	}
	u->attached &= live;
	u->refused &= live;
	/* Nothing of ours refers to a dead vector now: let the kernel hand
	 * it out again (the slot keeps our dead page until then). */
	if (dead != 0)
		(void)kestrel_service_channels(u->service, dead, NULL, NULL);
	for (uint64_t fresh = live & ~u->attached & ~u->refused; fresh != 0; fresh &= fresh - 1) {
		unsigned v = (unsigned)__builtin_ctzll(fresh);
		uint64_t bit = UINT64_C(1) << v;
		if (channel_server_attach(u->server, v, slot_of(u, v), u->slot_pages * PAGE,
					  u->priority[v] % CHANNEL_PRIORITIES,
					  &u->bells[v]) == ERR_OK) {
			u->attached |= bit;
			u->gone &= ~bit;
		} else {
			u->refused |= bit;
		}
	}
	return ERR_OK;
}

/* channel_uintr_server_wait's body, inline in reply_wait too. */
static inline __attribute__((always_inline)) enum error
server_wait(struct channel_uintr_server *u, uint64_t timeout_ns, struct channel_message *request)
{
	enum error err = channel_server_wait(u->server, timeout_ns, request);
	if (err == ERR_FAILED_LOOKUP)
		(void)channel_uintr_server_sync(u);
	return err;
}

enum error channel_uintr_server_wait(struct channel_uintr_server *u, uint64_t timeout_ns,
				     struct channel_message *request)
{
	return server_wait(u, timeout_ns, request);
}

/* Whether vector v's slot no longer holds a client's buffer: the server's
 * dead page has no header (the library's server never writes the magic).
 * A live client that zeroes its own magic only costs itself a sync. */
static inline bool slot_gone(const struct channel_uintr_server *u, unsigned v)
{
	return *(const volatile uint32_t *)&u->slot[v]->magic != CHANNEL_MAGIC;
}

/* channel_uintr_server_reply's body, inline in reply_wait too. Assumes
 * nothing about reply->handle (its link bits index the 64 slots). */
static inline __attribute__((always_inline)) enum error
server_reply(struct channel_uintr_server *u, const struct channel_message *reply)
{
	unsigned v = channel_handle_link(reply->handle);
	uint64_t bit = UINT64_C(1) << v;
	if ((u->attached & bit) && slot_gone(u, v))
		(void)channel_uintr_server_sync(u);
	if (u->gone & bit)
		return ERR_ILLEGAL_OPERATION;
	return channel_server_reply(u->server, reply);
}

enum error channel_uintr_server_reply(struct channel_uintr_server *u,
				      const struct channel_message *reply)
{
	return server_reply(u, reply);
}

/* The ring is held only for a wait that sleeps at once (poll budget 0):
 * one that polls first would keep a peer on another hart waiting for the
 * ring through every poll. */
enum error channel_uintr_server_reply_wait(struct channel_uintr_server *u,
					   const struct channel_message *reply, uint64_t timeout_ns,
					   struct channel_message *request)
{
	struct channel_uintr_thread *self = u->mine.thread;
	if (u->server->poll_budget == 0)
		channel_uintr_hold(self);
	enum error err = server_reply(u, reply);
	if (err == ERR_OK)
		err = server_wait(u, timeout_ns, request);
	channel_uintr_release(self);
	return err;
}

void channel_uintr_server_woken(struct channel_uintr_server *u, uint64_t bits)
{
	bool sync = (bits & ~u->attached) != 0;
	for (uint64_t b = bits & u->attached; b != 0 && !sync; b &= b - 1)
		sync = slot_gone(u, channel_lowest_set(b)); /* no libgcc call: rv64gc has no ctz */
	if (sync)
		(void)channel_uintr_server_sync(u);
}
