/* SPDX-License-Identifier: MIT */
/*
 * The hot paths of a request/reply pair, inline in the caller
 * (docs/benchmarks.md): channel_client_submit, channel_server_take,
 * channel_server_reply and channel_client_wait handle the common case here
 * and hand everything else to an out-of-line function of
 * channel_client.c / channel_server.c (the *_general and *_rest
 * functions), which does the full job with the same checks and error codes
 * in the same order. Included by channel.h; not an interface of its own.
 *
 * The common case: a message of the common shape (channel_message_common:
 * no flags, no large buffer, at most CHANNEL_SHORT_PAYLOAD bytes), a client
 * with a free slot and room by its cached server head, a server with exactly
 * one ACTIVE link that has reply room by its cached client head, a wait for
 * one PENDING tag with timeout 0 whose reply is next in the queue.
 *
 * Trust, as in the .c files: a shared field is read once into private
 * memory and checked there; a path that finds something unusual after it
 * read shared memory continues out of line from its private copy (no double
 * fetch). Memory ordering is argued in channel_queue.h.
 */
#ifndef LIBOS_CHANNEL_INLINE_H
#define LIBOS_CHANNEL_INLINE_H

#include "channel.h"
#include "channel_queue.h"

/* ---- Out-of-line parts (channel_client.c, channel_server.c) ---------------------------------- */

/* The whole of each call, for any message and any state. */
CHANNEL_MUST_CHECK enum error channel_client_submit_general(struct channel_client *client,
							    const struct channel_message *request,
							    uint32_t *tag);
CHANNEL_MUST_CHECK enum error channel_client_wait_general(struct channel_client *client,
							  uint32_t tag, uint64_t timeout_ns,
							  struct channel_message *reply);
CHANNEL_MUST_CHECK enum error channel_server_take_general(struct channel_server *server,
							  struct channel_message *request);
CHANNEL_MUST_CHECK enum error channel_server_reply_general(struct channel_server *server,
							   const struct channel_message *reply);
/* Continue from words already read once into *message (entry at `head`). */
CHANNEL_MUST_CHECK enum error channel_client_wait_rest(struct channel_client *client, uint32_t want,
						       struct channel_message *reply,
						       uint32_t head);
CHANNEL_MUST_CHECK enum error channel_server_take_rest(struct channel_server *server,
						       uint32_t index,
						       struct channel_message *request,
						       uint32_t head);
/* The response tail (read once into response_tail_seen, not yet
 * accepted) showed nothing new, broke the queue, or the channel is not
 * ACTIVE (cold). */
CHANNEL_MUST_CHECK enum error channel_client_wait_none(struct channel_client *client);
/* The one link's request tail (read once into request_tail_seen, not yet
 * accepted) showed nothing new (ERR_FAILED_LOOKUP) or broke the queue
 * (the link breaks; ERR_FAILED_LOOKUP) (cold). */
CHANNEL_MUST_CHECK enum error channel_server_take_none(struct channel_server *server,
						       uint32_t index);

/* ---- Client ----------------------------------------------------------------------------------- */

/* channel_client_submit_general through a tag of its own: the caller's
 * `tag` is then written only here and by the inline path, so that after
 * inlining it can stay in a register (its address passed out of line would
 * keep it in memory: a store and a load on every call). A failed submit
 * leaves CHANNEL_TAG_NEVER in it, which names no request. */
static inline __attribute__((always_inline)) enum error
channel_client_submit_out(struct channel_client *client, const struct channel_message *request,
			  uint32_t *tag)
{
	uint32_t given = CHANNEL_TAG_NEVER; /* what a failed submit leaves: nobody's tag */
	enum error err = channel_client_submit_general(client, request, &given);
	*tag = given;
	return err;
}

/* Assumes nothing about `request` (checked here or by the general path)
 * or the server's head. */
CHANNEL_HOT enum error channel_client_submit(struct channel_client *client,
					     const struct channel_message *request, uint32_t *tag)
{
	uint32_t tail = client->request_tail;
	/* The request's slot is its queue position when that is FREE (it is
	 * unless the request submitted depth requests ago is still
	 * outstanding); else the general path looks for another. */
	uint64_t slot = channel_queue_index(tail, client->mask); /* as the entry's */
	struct channel_client_slot *record = channel_client_record(client, slot);
	uint64_t shape = channel_message_shape(request); /* the length, when common */
	if (CHANNEL_UNLIKELY(!channel_shape_common(shape) ||
			     !(record->word & CHANNEL_SLOT_WORD_FREE)))
		return channel_client_submit_out(client, request, tag);
	/* Room by our cached server head (the tail short of request_limit,
	 * cached head + depth; the tail itself unless ACTIVE, so that a broken
	 * or detached client always goes on), else read the real one; the
	 * general path handles a full queue, a broken head and a channel that
	 * is not ACTIVE (open_depth 0 fails the refresh). */
	struct channel_shared *shared = client->shared; /* loaded once for both */
	if (CHANNEL_UNLIKELY(tail == client->request_limit) &&
	    !channel_client_refresh_room(client, shared))
		return channel_client_submit_out(client, request, tag);
	/* The slot is the request's position. */
	return channel_client_publish(client, request, (uint32_t)shape, tag, 1, record,
				      (uint32_t)slot, shared, channel_client_request_at(record));
}

/*
 * Assumes nothing about the response queue or `tag`. The inline part: a
 * PENDING tag, timeout 0, and its reply of the common shape next in the
 * queue; anything else goes to channel_client_wait_general (before
 * anything shared is read) or channel_client_wait_rest (from the words
 * read once).
 */
CHANNEL_HOT enum error channel_client_wait(struct channel_client *client, uint32_t tag,
					   uint64_t timeout_ns, struct channel_message *reply)
{
	/* The tag's low seven bits: a slot (< 64) or, with bit 6 set (no
	 * tag has it, CHANNEL_ANY included), a record past the slots, whose
	 * word no value with those bits equals; no bound check beyond the mask.
	 * Slots at or past depth are never used: FREE. A slot's word equals
	 * `tag` exactly when it is PENDING with that tag
	 * (channel_client_slot_state: FREE and DONE words never carry their
	 * slot's number with bit 6 clear). */
	uint32_t slot = tag & (CHANNEL_TAG_SLOT_MASK | CHANNEL_TAG_NEVER);
	struct channel_client_slot *record = channel_client_record(client, slot);
	if (CHANNEL_UNLIKELY(timeout_ns != 0 || record->word != tag))
		return channel_client_wait_general(client, tag, timeout_ns, reply);
	uint32_t head = client->response_head, next = head + 1;
	struct channel_shared *shared = client->shared;
	const struct channel_entry *entry =
	    channel_client_response_at(client, channel_queue_index(head, client->mask));
	/* No entry cached: read the server's tail. Likely for a synchronous
	 * caller, whose one reply is past the cached tail every time. */
	if (CHANNEL_LIKELY(head == client->response_tail_seen)) {
		/* Acquire: the server wrote the entries before this tail. */
		uint32_t tail = channel_load_acquire(&shared->response_tail);
		/* Cached before it is checked (no copy of it to keep): the
		 * cold path puts the cache back unless the tail is good. */
		client->response_tail_seen = tail;
		/* One test for "nothing new", "past depth" and "not ACTIVE"
		 * (open_depth 0; a broken client has no cached entries):
		 * tail - head - 1 >= open_depth. */
		if (CHANNEL_UNLIKELY(tail - next >= client->open_depth))
			return channel_client_wait_none(client);
	}
	channel_words_read(reply, entry);
	/* `tag` is PENDING (checked above): the entry is ours exactly when
	 * it carries that tag. */
	if (CHANNEL_UNLIKELY(reply->tag != tag || !channel_message_common(reply)))
		return channel_client_wait_rest(client, tag, reply, head);
	/* Our state first (the payload bytes may alias it for the compiler),
	 * then the payload (at most 16 bytes: one block, inside both payload
	 * areas), then the release of the entry. */
	reply->large = (struct channel_large){ 0, 0 }; /* no CHANNEL_FLAG_LARGE */
	client->response_head = next;
	channel_client_slot_set(client, record, slot, tag, CHANNEL_SLOT_PENDING, CHANNEL_SLOT_FREE);
	__builtin_memcpy(CHANNEL_ALIGNED(reply->payload), CHANNEL_ALIGNED(entry->payload),
			 CHANNEL_SHORT_PAYLOAD);
	/* Release: our copy of the entry is complete before the server may
	 * reuse it. */
	channel_store_release(&shared->response_head, next);
	return ERR_OK;
}

/* ---- Server ----------------------------------------------------------------------------------- */

/*
 * With one ACTIVE link (server->single), priority and round robin have
 * nothing to choose: take from that link inline; more links, no reply
 * room, or an unusual entry go out of line. Assumes nothing about
 * the shared buffer's contents.
 */
CHANNEL_HOT enum error channel_server_take(struct channel_server *server,
					   struct channel_message *request)
{
	struct channel_link *link = server->single;
	/* Reply room by our cached client head, else read the real one; the
	 * general path handles a client that gives none or breaks its head
	 * (nothing else shared was read yet), and more links or none
	 * (`single` is server->idle, which never has room). */
	uint32_t room = link->room;
	if (CHANNEL_UNLIKELY(room == 0)) {
		if (!channel_link_refresh_room(link))
			return channel_server_take_general(server, request);
		room = link->room;
	}
	uint32_t head = link->request_head;
	/* The reply slot: the request's queue position, or out of line when
	 * that one is still taken (channel_link_slot_for). */
	uint64_t slot = channel_queue_index(head, link->mask);
	/* The copies below may alias the record for the compiler. */
	struct channel_reply_slot *record = &link->reply_slot[slot];
	uint64_t handle = record->handle;
	if (CHANNEL_UNLIKELY(channel_handle_odd(handle)))
		return channel_server_take_general(server, request);
	uint32_t next = head + 1;
	struct channel_shared *shared = link->shared;
	/* The slot is the request's position: its record has the entry. */
	const struct channel_entry *entry = record->request;
	/* No entry cached: read the client's tail (likely, as in the wait). */
	if (CHANNEL_LIKELY(head == link->request_tail_seen)) {
		/* Acquire: the client wrote the entries before this tail. */
		uint32_t tail = channel_load_acquire(&shared->request_tail);
		/* Cached before it is checked (no copy of it to keep): nothing
		 * new leaves it at head, and a bad one breaks the link, whose
		 * cache nothing reads again (detach resets it). */
		link->request_tail_seen = tail;
		/* One test for "nothing new" and "past depth": tail - head - 1
		 * >= depth. */
		if (CHANNEL_UNLIKELY(tail - next >= link->depth))
			return channel_server_take_none(server, link->index);
	}
	channel_words_read(request, entry);
	if (CHANNEL_UNLIKELY(!channel_message_common(request)))
		return channel_server_take_rest(server, link->index, request, head);
	/* Our state first (the payload bytes may alias it for the compiler),
	 * then the payload (at most 16 bytes: one block, inside both payload
	 * areas), then the release of the entry. With one ACTIVE link the
	 * round robin has nothing to choose: its cursor is set when a second
	 * link becomes ACTIVE (link_set_state in channel_server.c). */
	request->large = (struct channel_large){ 0, 0 }; /* no CHANNEL_FLAG_LARGE */
	link->request_head = next;
#if !defined(__riscv)
	/* x86-64 decrements the credit in memory (one instruction) rather
	 * than keep it in a register across the copies; rv64 loads it once. */
	room = link->room;
#endif
	channel_link_accept_in(link, request, record, slot, handle, room);
	__builtin_memcpy(CHANNEL_ALIGNED(request->payload), CHANNEL_ALIGNED(entry->payload),
			 CHANNEL_SHORT_PAYLOAD);
	/* Release: the copy is complete before the client may reuse the entry. */
	channel_store_release(&shared->request_head, next);
	return ERR_OK;
}

/* Assumes nothing about reply->handle (it may be stale or forged). The
 * inline part: a reply of the common shape to a valid handle of an ACTIVE
 * link; the general path checks in the API's order (handle, link state,
 * shape). */
CHANNEL_HOT enum error channel_server_reply(struct channel_server *server,
					    const struct channel_message *reply)
{
	uint64_t shape = channel_message_shape(reply); /* the length, when common */
	if (CHANNEL_UNLIKELY(!channel_shape_common(shape)))
		return channel_server_reply_general(server, reply);
	uint64_t handle = reply->handle;
	/* Any 12 bits name a slot of the array (no range check): link << 6 |
	 * slot. A handle is valid while its slot holds it, tag included, with
	 * an odd generation; a link that broke or was detached retired its
	 * handles (even), so that a valid handle also says the link is
	 * ACTIVE. */
	struct channel_link *link;
	uint64_t *held = channel_handle_slot_of(server, handle, &link);
	if (CHANNEL_UNLIKELY(*held != handle || !(handle & CHANNEL_HANDLE_GENERATION)))
		return channel_server_reply_general(server, reply);
	*held = handle + CHANNEL_HANDLE_GENERATION;
	/* The handle's high half is the client's tag. */
	return channel_link_post(link, (uint32_t)(handle >> 32), reply, (uint32_t)shape, 1);
}

#endif
