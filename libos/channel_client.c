/* SPDX-License-Identifier: MIT */
/*
 * The client side of a channel: format the buffer, submit requests (each
 * named by a tag until its reply is delivered), and collect replies in any
 * order. Replies that arrive while the caller waits for another tag are
 * stashed in the private state (done[]) by their slot.
 *
 * Invariants (channel_client_check_invariants): slots at or past depth
 * are FREE, a slot is DONE exactly when its bit is in done_slots;
 * slot[i].word names slot i's state and current tag (or its last one while
 * FREE: channel_queue.h, channel_client_slot_state) and
 * its low six bits are i; the cached server indices are within one queue
 * depth of ours.
 *
 * Trust: the server is a peer, not a superior. Its indices are checked
 * against ours (a bad one breaks the channel), every reply's tag must name
 * a PENDING slot of the right generation (else it is dropped and counted),
 * and a reply of a bad shape is delivered as status ERR_INVALID_ARGUMENT,
 * ERR_TRUNCATED_MESSAGE, ERR_ALIGNMENT or ERR_RANGE with no payload.
 */
#include "channel.h"
#include "channel_queue.h"

#define TAG_SLOT_MASK CHANNEL_TAG_SLOT_MASK

/* The server broke an index: stop using the channel. */
static CHANNEL_COLD enum error client_break(struct channel_client *client)
{
	client->state = CHANNEL_BROKEN;
	client->open_depth = 0;
	client->request_limit = client->request_tail;       /* no room from now on */
	client->response_tail_seen = client->response_head; /* no cached entries */
	return ERR_ILLEGAL_OPERATION;
}

enum error channel_client_wait_none(struct channel_client *client)
{
	/* The inline wait cached the tail before checking it: put the cache
	 * back to "nothing cached" (client_break does too). */
	uint32_t tail = client->response_tail_seen;
	client->response_tail_seen = client->response_head;
	if (client->state != CHANNEL_ACTIVE)
		return ERR_ILLEGAL_OPERATION;
	if (tail - client->response_head > client->depth)
		return client_break(client);
	return ERR_FAILED_LOOKUP; /* tail == response_head: nothing new */
}

enum error channel_ring_peer(struct channel_doorbell *const *peer,
			     struct channel_counters *counters)
{
	counters->doorbells++;
	channel_port_ring(*peer);
	return ERR_OK;
}

enum error channel_message_check(uint32_t flags, uint32_t length, uint64_t large_address,
				 uint64_t large_length)
{
	return channel_shape_check(flags, length, large_address, large_length);
}

enum error channel_client_init(struct channel_client *client, void *buffer, size_t size,
			       uint32_t depth, struct channel_doorbell *mine,
			       struct channel_doorbell *server)
{
	if (!client || !buffer || depth == 0 || depth > CHANNEL_MAX_DEPTH ||
	    (depth & (depth - 1)) != 0)
		return ERR_INVALID_ARGUMENT;
	if ((uintptr_t)buffer % CHANNEL_PAGE_SIZE != 0)
		return ERR_ALIGNMENT;
	if (size < channel_buffer_size(depth))
		return ERR_RANGE;

	struct channel_shared *shared = buffer;
	__builtin_memset(shared, 0, sizeof(*shared));
	shared->magic = CHANNEL_MAGIC;
	shared->version = CHANNEL_VERSION;
	shared->depth = depth;
	shared->entry_size = CHANNEL_ENTRY_SIZE;
	shared->inline_max = CHANNEL_INLINE_MAX;
	shared->header_size = CHANNEL_HEADER_SIZE;
	shared->size = size;
	shared->request_offset = CHANNEL_HEADER_SIZE;
	shared->response_offset = CHANNEL_HEADER_SIZE + (uint64_t)depth * CHANNEL_ENTRY_SIZE;

	/* The stash is written before it is read: leave it. */
	_Static_assert(offsetof(struct channel_client, done) + sizeof(client->done) ==
			   sizeof(struct channel_client),
		       "done[] is the last member");
	__builtin_memset(client, 0, sizeof(*client) - sizeof(client->done));
	client->shared = shared;
	client->requests = (struct channel_entry *)((char *)buffer + shared->request_offset);
	client->responses = (struct channel_entry *)((char *)buffer + shared->response_offset);
	client->mine = mine;
	client->server = server;
	client->depth = depth;
	client->mask = depth - 1;
	client->poll_budget = 256;
	for (uint32_t slot = 0; slot < CHANNEL_MAX_DEPTH; slot++) {
		client->slot[slot].word = slot | CHANNEL_SLOT_WORD_FREE; /* last tag: slot */
		/* Positions at or past depth are never used: no entry. */
		client->request_at[slot] = slot < depth ? &client->requests[slot] : NULL;
		client->response_at[slot] = slot < depth ? &client->responses[slot] : NULL;
	}
	client->state = CHANNEL_ACTIVE;
	client->open_depth = depth;
	client->request_limit = depth;
	return ERR_OK;
}

void channel_client_set_poll_budget(struct channel_client *client, uint32_t polls)
{
	client->poll_budget = polls;
}

enum error channel_client_cancel(struct channel_client *client, uint32_t tag)
{
	/* Slots at or past depth are never used: FREE, so refused here (slot
	 * < 64 indexes the arrays). */
	uint32_t slot = tag & TAG_SLOT_MASK;
	struct channel_client_slot *record = &client->slot[slot];
	if (!channel_client_slot_holds(record, slot, tag))
		return ERR_INVALID_ARGUMENT;
	/* Freed, the slot's next tag is of the next generation: the old tag
	 * is dead. */
	channel_client_slot_set(client, record, slot, tag, channel_client_slot_state(record, slot),
				CHANNEL_SLOT_FREE);
	return ERR_OK;
}

uint32_t channel_client_outstanding(const struct channel_client *client)
{
	uint32_t outstanding = 0;
	for (uint32_t slot = 0; slot < client->depth; slot++)
		outstanding +=
		    channel_client_slot_state(&client->slot[slot], slot) != CHANNEL_SLOT_FREE;
	return outstanding;
}

/* A FREE slot for a request at queue position `tail`: that position's
 * when it is FREE, else the lowest FREE one; depth when none is. */
static uint32_t client_free_slot(const struct channel_client *client, uint32_t tail)
{
	uint32_t slot = tail & client->mask;
	if (channel_client_slot_state(&client->slot[slot], slot) == CHANNEL_SLOT_FREE)
		return slot;
	for (slot = 0; slot < client->depth; slot++)
		if (channel_client_slot_state(&client->slot[slot], slot) == CHANNEL_SLOT_FREE)
			break;
	return slot;
}

/* Our cached server head says the request queue is full: read the real
 * one. Assumes nothing about the server's head. */
static CHANNEL_COLD enum error client_refresh_request_head(struct channel_client *client)
{
	uint32_t tail = client->request_tail;
	/* Acquire: the server copied the entries out before it published this
	 * head; our overwrite comes after. */
	uint32_t head = channel_load_acquire(&client->shared->request_head);
	/* The server's head moves forward only, never past our tail. */
	if (head - client->request_head_seen > tail - client->request_head_seen)
		return client_break(client);
	client->request_head_seen = head;
	client->request_limit = head + client->depth; /* ACTIVE: submit checked */
	if (tail - head >= client->depth)
		return ERR_NOT_ENOUGH_MEMORY;
	return ERR_OK;
}

static enum error client_submit_refresh(struct channel_client *client,
					const struct channel_message *request, uint32_t *tag);

/* submit after the request's shape was checked. Assumes nothing about the
 * server's head. */
static inline __attribute__((always_inline)) enum error
client_submit_checked(struct channel_client *client, const struct channel_message *request,
		      uint32_t *tag, _Bool is_short)
{
	if (CHANNEL_UNLIKELY(client->state != CHANNEL_ACTIVE))
		return ERR_ILLEGAL_OPERATION;
	uint32_t tail = client->request_tail;
	uint32_t slot = client_free_slot(client, tail);
	if (CHANNEL_UNLIKELY(slot == client->depth))
		return ERR_NOT_ENOUGH_MEMORY;
	if (CHANNEL_UNLIKELY(tail - client->request_head_seen >= client->depth))
		return client_submit_refresh(client, request, tag); /* a tail call */

	return channel_client_publish(client, request, request->length, tag, is_short,
				      &client->slot[slot], slot, client->shared,
				      channel_entry_at(client->requests, tail, client->mask));
}

/* The whole submit, out of line: the state check, the full shape check
 * (in the API's order of errors), then the submit. Assumes nothing about
 * `request` or the server's head. */
enum error channel_client_submit_general(struct channel_client *client,
					 const struct channel_message *request, uint32_t *tag)
{
	if (client->state != CHANNEL_ACTIVE)
		return ERR_ILLEGAL_OPERATION;
	enum error err = channel_shape_check(request->flags, request->length,
					     request->large.address, request->large.length);
	if (err != ERR_OK)
		return err;
	return client_submit_checked(client, request, tag, 0);
}

/* The rare half of submit, out of line: refresh the server's head, then
 * submit again (which now finds room, or the head says there is none). */
static CHANNEL_COLD enum error client_submit_refresh(struct channel_client *client,
						     const struct channel_message *request,
						     uint32_t *tag)
{
	enum error err = client_refresh_request_head(client);
	if (err != ERR_OK)
		return err;
	return channel_client_submit_general(client, request, tag);
}

/* Copy a message in private memory: the words and the payload used. */
static void message_copy(struct channel_message *to, const struct channel_message *from)
{
	__builtin_memcpy(CHANNEL_ALIGNED(to), CHANNEL_ALIGNED(from),
			 offsetof(struct channel_message, handle));
	channel_payload_out(to->payload, from->payload, from->length);
}

/* Hand a stashed reply to the caller and free its slot. */
static CHANNEL_COLD enum error deliver_done(struct channel_client *client, uint32_t slot,
					    struct channel_message *reply)
{
	message_copy(reply, &client->done[slot]);
	channel_client_slot_set(client, &client->slot[slot], slot,
				channel_client_slot_tag(&client->slot[slot], slot),
				CHANNEL_SLOT_DONE, CHANNEL_SLOT_FREE);
	return ERR_OK;
}

/*
 * Read the next response's eight words once into *reply. ERR_OK: *head is
 * its index and *entry the entry; ERR_FAILED_LOOKUP: the queue is empty; ERR_ILLEGAL_OPERATION:
 * the server broke its tail. Assumes nothing about the server's tail.
 */
static inline __attribute__((always_inline)) enum error
client_next(struct channel_client *client, struct channel_message *reply, uint32_t *head_out,
	    const struct channel_entry **entry_out)
{
	uint32_t head = client->response_head;
	if (head == client->response_tail_seen) {
		/* Acquire: the server wrote the entries before this tail. */
		uint32_t tail = channel_load_acquire(&client->shared->response_tail);
		if (CHANNEL_UNLIKELY(tail - head > client->depth))
			return client_break(client);
		client->response_tail_seen = tail;
		if (tail == head)
			return ERR_FAILED_LOOKUP;
	}
	*entry_out = &client->responses[head & client->mask];
	channel_words_read(reply, *entry_out);
	*head_out = head;
	return ERR_OK;
}

/*
 * A reply no tag waits for was dropped and its entry released: it may be
 * the late answer to a cancelled request. After cancels more requests can
 * be in flight than there are slots, so the server can be out of reply
 * room with one of ours queued, and about to sleep: the room just freed is
 * news it must get. The producer's doorbell rule (release store of the
 * head, fence, its sleeping word), on this rare path only; a live reply
 * needs none, since without cancels in-flight requests never exceed depth
 * and room never runs out with a request queued. Returns ERR_FAILED_LOOKUP.
 */
static CHANNEL_COLD enum error client_dropped(struct channel_client *client)
{
	(void)channel_ring_if_sleeping(&client->shared->server_sleeping, &client->server,
				       &client->counters);
	return ERR_FAILED_LOOKUP;
}

/*
 * The response at `head`, whose words were read once into *reply: deliver
 * it (ERR_OK: it answers `want`, a PENDING tag or CHANNEL_ANY), stash it
 * (another PENDING tag) or drop it (not a tag we wait for), and release
 * its entry. ERR_FAILED_LOOKUP: not the one wanted (*reply is scratch).
 * A reply of a bad shape is delivered as an error status, no payload.
 */
static inline __attribute__((always_inline)) enum error
client_consume(struct channel_client *client, uint32_t want, struct channel_message *reply,
	       uint32_t head)
{
	uint32_t tag = reply->tag;
	/* With bit 6 (no tag has it: a FREE slot's word may equal such a
	 * value) the slot is past depth, so not ours. The word equals the tag
	 * exactly when the slot is PENDING with it. */
	uint32_t slot = tag & (TAG_SLOT_MASK | CHANNEL_TAG_NEVER);
	_Bool ours = slot < client->depth && client->slot[slot].word == tag;
	channel_words_read_large(reply, &client->responses[head & client->mask]);
	if (ours) {
		enum error err = channel_shape_check(reply->flags, reply->length,
						     reply->large.address, reply->large.length);
		if (err == ERR_OK) {
			channel_payload_in(reply->payload,
					   client->responses[head & client->mask].payload,
					   reply->length);
		} else {
			*reply = (struct channel_message){ .opcode = (uint32_t)err, .tag = tag };
			client->counters.rejected++;
		}
	} else {
		client->counters.rejected++; /* not a tag we are waiting for: drop */
	}
	/* Release: our copy of the entry is complete before the server may
	 * reuse it. */
	client->response_head = head + 1;
	channel_store_release(&client->shared->response_head, head + 1);
	if (!ours)
		return client_dropped(client);
	if (want == CHANNEL_ANY || want == tag) {
		channel_client_slot_set(client, &client->slot[slot], slot, tag,
					CHANNEL_SLOT_PENDING, CHANNEL_SLOT_FREE);
		return ERR_OK;
	}
	message_copy(&client->done[slot], reply);
	channel_client_slot_set(client, &client->slot[slot], slot, tag, CHANNEL_SLOT_PENDING,
				CHANNEL_SLOT_DONE);
	return ERR_FAILED_LOOKUP;
}

/*
 * Assumes nothing about the response queue's indices or entries.
 * Read up to `budget` replies from the response queue until the one for
 * `want` (a PENDING tag, or CHANNEL_ANY) is in *reply: ERR_OK. Replies for
 * other tags go to their slot's stash (*reply is scratch until then).
 * ERR_FAILED_LOOKUP: the queue is empty, or `budget` entries were not it.
 * ERR_ILLEGAL_OPERATION: the server broke its tail.
 */
static CHANNEL_OUT_OF_LINE enum error client_receive_some(struct channel_client *client,
							  uint32_t want,
							  struct channel_message *reply,
							  uint32_t budget)
{
	for (; budget > 0; budget--) {
		uint32_t head = 0; /* set when client_next says ERR_OK */
		const struct channel_entry *entry;
		enum error err = client_next(client, reply, &head, &entry);
		if (err != ERR_OK)
			return err;
		err = client_consume(client, want, reply, head);
		if (err != ERR_FAILED_LOOKUP)
			return err;
	}
	return ERR_FAILED_LOOKUP;
}

/* At most `depth` entries per call: a well-behaved server has no more
 * replies for us than that, and a hostile one that keeps writing garbage
 * cannot hold us here past the caller's deadline. */
static enum error client_receive(struct channel_client *client, uint32_t want,
				 struct channel_message *reply)
{
	return client_receive_some(client, want, reply, client->depth);
}

/* The response at `head` (words in *reply) was not the common case: handle
 * it in full, then go on with the rest of this look's budget. */
enum error channel_client_wait_rest(struct channel_client *client, uint32_t want,
				    struct channel_message *reply, uint32_t head)
{
	enum error err = client_consume(client, want, reply, head);
	if (err != ERR_FAILED_LOOKUP)
		return err;
	return client_receive_some(client, want, reply, client->depth - 1);
}

enum error channel_client_poll(struct channel_client *client, struct channel_message *reply)
{
	if (client->done_slots != 0)
		return deliver_done(client, channel_lowest_set(client->done_slots), reply);
	if (client->state != CHANNEL_ACTIVE)
		return ERR_ILLEGAL_OPERATION;
	return client_receive(client, CHANNEL_ANY, reply);
}

static enum error client_wait_slow(struct channel_client *client, uint32_t tag, uint64_t timeout_ns,
				   struct channel_message *reply);

/* The whole wait, out of line (the inline part is in channel_inline.h).
 * Assumes nothing about `tag` or the response queue. */
enum error channel_client_wait_general(struct channel_client *client, uint32_t tag,
				       uint64_t timeout_ns, struct channel_message *reply)
{
	if (tag == CHANNEL_ANY) {
		if (client->done_slots != 0)
			return deliver_done(client, channel_lowest_set(client->done_slots), reply);
		if (channel_client_outstanding(client) == 0)
			return ERR_INVALID_ARGUMENT; /* nothing outstanding */
	} else {
		/* Slots at or past depth are never used: FREE, so refused here
		 * without a separate bound check (slot < 64 indexes the arrays). */
		uint32_t slot = tag & TAG_SLOT_MASK;
		const struct channel_client_slot *record = &client->slot[slot];
		if (!channel_client_slot_holds(record, slot, tag))
			return ERR_INVALID_ARGUMENT;
		if (channel_client_slot_state(record, slot) == CHANNEL_SLOT_DONE)
			return deliver_done(client, slot, reply);
	}
	if (CHANNEL_UNLIKELY(client->state != CHANNEL_ACTIVE))
		return ERR_ILLEGAL_OPERATION;
	if (timeout_ns != 0)
		return client_wait_slow(client, tag, timeout_ns, reply);
	return client_receive(client, tag, reply);
}

/* What client_wait_slow waits for, for channel_wait_rule. */
struct client_wait {
	struct channel_client *client;
	uint32_t tag;
	struct channel_message *reply;
};

static inline enum error client_wait_attempt(void *context)
{
	struct client_wait *w = context;
	return client_receive(w->client, w->tag, w->reply);
}

static inline void client_set_sleeping(void *context, uint32_t value)
{
	struct client_wait *w = context;
	atomic_store_explicit(&w->client->shared->client_sleeping, value, memory_order_relaxed);
}

/* channel_client_wait with a timeout, out of line: look, poll, then sleep.
 * With no polls the first look is the rule's re-check (after "ring me"):
 * a caller that chose to sleep at once pays for one look, not two. */
static CHANNEL_COLD enum error client_wait_slow(struct channel_client *client, uint32_t tag,
						uint64_t timeout_ns, struct channel_message *reply)
{
	if (client->poll_budget != 0) {
		enum error err = client_receive(client, tag, reply);
		if (err != ERR_FAILED_LOOKUP)
			return err;
	}
	struct client_wait w = { client, tag, reply };
	return channel_wait_rule(client_wait_attempt, client_set_sleeping, &w, client->mine,
				 client->poll_budget, channel_deadline(timeout_ns),
				 &client->counters.sleeps, NULL);
}

enum error channel_client_call(struct channel_client *client, const struct channel_message *request,
			       uint64_t timeout_ns, struct channel_message *reply)
{
	uint32_t tag;
	enum error err = channel_client_submit(client, request, &tag);
	if (err != ERR_OK)
		return err;
	err = channel_client_wait(client, tag, timeout_ns, reply);
	if (err == ERR_FAILED_LOOKUP)
		reply->tag = tag;
	return err;
}

/*
 * The wait of channel_client_call_held for the request just submitted as
 * `tag`, with "ring me" up since before it was published: the server reads
 * our word only after it has read the request (acquire; the word's store
 * came before the release of the request tail), so it rings after the
 * reply whatever the order of the two sides' steps, and this wait needs
 * no fence and no re-check. It looks first only when `look` (the submit
 * did not ring: the server was not asleep and may have answered already);
 * after that, after each sleep. "Ring me" stays up.
 */
static enum error client_wait_rung(struct channel_client *client, uint32_t tag, uint64_t deadline,
				   struct channel_message *reply, int look)
{
	for (;;) {
		if (look) {
			enum error err = client_receive(client, tag, reply);
			if (err != ERR_FAILED_LOOKUP)
				return err;
		}
		look = 1;
		/* No clock for a wait without a deadline. */
		if (deadline != CHANNEL_FOREVER && channel_port_now() >= deadline)
			return ERR_FAILED_LOOKUP;
		client->counters.sleeps++;
		(void)channel_port_sleep(client->mine, deadline);
	}
}

/* Untrusted: what the server writes (checked by submit and the looks). */
enum error channel_client_call_held(struct channel_client *client,
				    const struct channel_message *request, uint64_t timeout_ns,
				    struct channel_message *reply)
{
	if (client->poll_budget != 0 || timeout_ns == 0)
		return channel_client_call(client, request, timeout_ns, reply);
	/* "Ring me" up, where it stays: the client is the word's only writer,
	 * so the word itself says whether it is up (a server that writes it
	 * changes only whether it rings us). */
	_Atomic uint32_t *ring_me = &client->shared->client_sleeping;
	if (atomic_load_explicit(ring_me, memory_order_relaxed) != 1)
		atomic_store_explicit(ring_me, 1, memory_order_relaxed);
	uint64_t doorbells = client->counters.doorbells;
	uint32_t tag;
	enum error err = channel_client_submit(client, request, &tag);
	if (err != ERR_OK)
		return err;
	/* The submit rang a server that said it sleeps, and the port holds
	 * that ring for our sleep: it cannot have answered yet (one woken by
	 * another ring may have: then our sleep returns at once). */
	err = client_wait_rung(client, tag, channel_deadline(timeout_ns), reply,
			       client->counters.doorbells == doorbells);
	if (err == ERR_FAILED_LOOKUP)
		reply->tag = tag;
	return err;
}

enum error channel_client_check_invariants(const struct channel_client *client)
{
	if (client->state == CHANNEL_DETACHED)
		return ERR_OK;
	uint64_t all = client->depth == 64 ? UINT64_MAX : (UINT64_C(1) << client->depth) - 1;
	if (client->done_slots & ~all)
		return ERR_INVALID_ARGUMENT;
	for (uint32_t slot = 0; slot < CHANNEL_MAX_DEPTH; slot++) {
		uint64_t bit = UINT64_C(1) << slot;
		const struct channel_client_slot *record = &client->slot[slot];
		enum channel_slot_state state = channel_client_slot_state(record, slot);
		uint32_t tag = channel_client_slot_tag(record, slot);
		const struct channel_entry *request =
		    slot < client->depth ? &client->requests[slot] : NULL;
		const struct channel_entry *response =
		    slot < client->depth ? &client->responses[slot] : NULL;
		if ((tag & TAG_SLOT_MASK) != slot || record->reserved != 0 ||
		    client->request_at[slot] != request || client->response_at[slot] != response ||
		    (tag & CHANNEL_TAG_NEVER) != 0 ||
		    (slot >= client->depth && state != CHANNEL_SLOT_FREE) ||
		    (state == CHANNEL_SLOT_DONE) != ((client->done_slots & bit) != 0))
			return ERR_INVALID_ARGUMENT;
	}
	for (uint32_t index = CHANNEL_MAX_DEPTH; index < 2 * CHANNEL_MAX_DEPTH; index++)
		if (client->slot[index].word != 0 || client->slot[index].reserved != 0)
			return ERR_INVALID_ARGUMENT;
	if (client->open_depth != (client->state == CHANNEL_ACTIVE ? client->depth : 0))
		return ERR_INVALID_ARGUMENT;
	if (client->request_limit != (client->state == CHANNEL_ACTIVE
					  ? client->request_head_seen + client->depth
					  : client->request_tail))
		return ERR_INVALID_ARGUMENT;
	if (client->request_tail - client->request_head_seen > client->depth ||
	    client->response_tail_seen - client->response_head > client->depth)
		return ERR_RANGE;
	return ERR_OK;
}
