/* SPDX-License-Identifier: MIT */
/*
 * The server side: serve up to CHANNEL_MAX_CHANNELS channels (links), take
 * requests by priority and round robin, answer them in any order.
 *
 * Fairness trusts nothing a client writes. Within a priority the server
 * visits the links with takeable work in index order starting after the
 * link it last took from, and takes one request per visit. So while k
 * links of one priority have work, any window of W takes at that priority
 * gives each of them at least floor(W/k) and at most ceil(W/k) takes: a
 * client that floods gets no more than its share, whatever it writes into
 * its buffer (nothing client-written, such as a timestamp, orders anything).
 * A client that stops reading replies stops being served: a request is
 * taken only when its reply has a reserved slot in the response queue
 * (outstanding + unread replies < depth), so a reply never waits for room
 * and the server never blocks on a client. Higher priorities go first.
 *
 * Trust: the header is read once at attach and never again (the geometry
 * is private from then on); the server keeps its own indices and checks the
 * client's (a bad one breaks that link only); each request's words are read
 * once into private memory and checked; a malformed request is answered by
 * the library with an error status and counts as its link's turn.
 *
 * Invariants (channel_server_check_invariants): `active` and `by_priority`
 * hold exactly the ACTIVE links and `single` the only one; room +
 * (slots whose handle has an odd generation: taken) + unread replies ==
 * depth on an ACTIVE link; reply_slot[i].handle names its slot and link, no slot
 * at or past depth is taken, and none of a BROKEN link is (its handles were
 * retired).
 */
#include "channel.h"
#include "channel_queue.h"

#define HANDLE_GENERATION CHANNEL_HANDLE_GENERATION

enum take_result { TAKE_OK, TAKE_REJECTED, TAKE_NOTHING, TAKE_BROKEN };

/* Legal link transitions (enum channel_state), [from][to]. */
static const _Bool link_legal[3][3] = {
	[CHANNEL_DETACHED] = { [CHANNEL_ACTIVE] = 1 },
	[CHANNEL_ACTIVE] = { [CHANNEL_BROKEN] = 1, [CHANNEL_DETACHED] = 1 },
	[CHANNEL_BROKEN] = { [CHANNEL_DETACHED] = 1 },
};

/* The one place a link changes state; keeps the scheduling masks in step. */
static void link_set_state(struct channel_server *server, uint32_t index, enum channel_state to)
{
	struct channel_link *link = &server->link[index];
	uint64_t bit = UINT64_C(1) << index;
	CHANNEL_ASSERT(link_legal[link->state][to]);
	link->state = to;
	switch (to) {
	case CHANNEL_ACTIVE:
		server->active |= bit;
		server->by_priority[link->priority] |= bit;
		server->priorities |= 1u << link->priority;
		break;
	case CHANNEL_BROKEN:
	case CHANNEL_DETACHED:
		server->active &= ~bit;
		server->ring_me &= ~bit; /* attach stores "not ringing" again */
		server->by_priority[link->priority] &= ~bit;
		if (server->by_priority[link->priority] == 0)
			server->priorities &= ~(1u << link->priority);
		break;
	}
	/* The one ACTIVE link, taken from inline (channel_inline.h), which
	 * leaves its cursor alone: when it stops being the only one, the
	 * cursor goes on after it, as if set at its last turn. */
	struct channel_link *was = server->single;
	uint64_t active = server->active;
	server->single = active != 0 && (active & (active - 1)) == 0
			     ? &server->link[channel_lowest_set(active)]
			     : &server->idle;
	if (was != &server->idle && was != server->single)
		server->cursor[was->priority] = (was->index + 1) & 63u;
}

/* The header the idle link's room test reads: a client head of 0, forever
 * (server->idle's response_head_seen is 0 too: nothing freed). */
static struct channel_shared idle_shared;

void channel_server_init(struct channel_server *server, struct channel_doorbell *mine)
{
	__builtin_memset(server, 0, sizeof(*server));
	server->mine = mine;
	server->idle.shared = &idle_shared;
	server->single = &server->idle;
	server->poll_budget = 1024;
	for (uint32_t index = 0; index < CHANNEL_MAX_CHANNELS; index++) {
		server->link[index].reply_slot = &server->reply_slot[index * CHANNEL_MAX_DEPTH];
		for (uint32_t slot = 0; slot < CHANNEL_MAX_DEPTH; slot++)
			server->link[index].reply_slot[slot].handle = index << 6 | slot;
	}
}

void channel_server_set_poll_budget(struct channel_server *server, uint32_t polls)
{
	server->poll_budget = polls;
}

enum channel_state channel_server_link_state(const struct channel_server *server, uint32_t index)
{
	return index < CHANNEL_MAX_CHANNELS ? server->link[index].state : CHANNEL_DETACHED;
}

/* Assumes nothing about `buffer` beyond `size` readable bytes. */
enum error channel_server_attach(struct channel_server *server, uint32_t index, void *buffer,
				 size_t size, uint32_t priority, struct channel_doorbell *client)
{
	if (index >= CHANNEL_MAX_CHANNELS || priority >= CHANNEL_PRIORITIES)
		return ERR_RANGE;
	if (server->link[index].state != CHANNEL_DETACHED)
		return ERR_DELETE_FIRST;
	if (!buffer)
		return ERR_INVALID_ARGUMENT;
	if ((uintptr_t)buffer % CHANNEL_PAGE_SIZE != 0)
		return ERR_ALIGNMENT;
	if (size < CHANNEL_HEADER_SIZE)
		return ERR_TRUNCATED_MESSAGE;

	/* The geometry, read once: the client may rewrite it any time. */
	struct channel_shared *shared = buffer;
	uint32_t head[16];
	__builtin_memcpy(head, shared, sizeof(head));
	atomic_signal_fence(memory_order_seq_cst);
	uint32_t depth = head[2];
	uint64_t claimed = (uint64_t)head[7] << 32 | head[6];
	uint64_t requests = (uint64_t)head[9] << 32 | head[8];
	uint64_t responses = (uint64_t)head[11] << 32 | head[10];
	if (head[0] != CHANNEL_MAGIC || head[1] != CHANNEL_VERSION || depth == 0 ||
	    depth > CHANNEL_MAX_DEPTH || (depth & (depth - 1)) != 0 ||
	    head[3] != CHANNEL_ENTRY_SIZE || head[4] != CHANNEL_INLINE_MAX ||
	    head[5] != CHANNEL_HEADER_SIZE || requests != CHANNEL_HEADER_SIZE ||
	    responses != CHANNEL_HEADER_SIZE + (uint64_t)depth * CHANNEL_ENTRY_SIZE)
		return ERR_INVALID_ARGUMENT;
	if (channel_buffer_size(depth) > size || claimed > size ||
	    claimed < channel_buffer_size(depth))
		return ERR_TRUNCATED_MESSAGE;

	struct channel_link *link = &server->link[index];
	link->shared = shared;
	link->requests = (struct channel_entry *)((char *)buffer + requests);
	link->responses = (struct channel_entry *)((char *)buffer + responses);
	link->client = client;
	link->depth = depth;
	link->mask = depth - 1;
	link->priority = priority;
	link->index = index;
	/* Our indices start at zero whatever the buffer says; publish them. */
	link->request_head = link->request_tail_seen = 0;
	link->response_tail = link->response_head_seen = 0;
	link->room = depth;
	link->counters = (struct channel_counters){ 0 };
	for (uint32_t slot = 0; slot < CHANNEL_MAX_DEPTH; slot++)
		link->reply_slot[slot].request = slot < depth ? &link->requests[slot] : NULL;
	atomic_store_explicit(&shared->request_head, 0, memory_order_relaxed);
	atomic_store_explicit(&shared->response_tail, 0, memory_order_relaxed);
	atomic_store_explicit(&shared->server_sleeping, 0, memory_order_relaxed);
	link_set_state(server, index, CHANNEL_ACTIVE);
	return ERR_OK;
}

/* Turn every taken slot's generation even: its handle is valid no more.
 * A reply then fails the inline handle test without a state test. */
static void link_retire_handles(struct channel_link *link)
{
	for (uint32_t slot = 0; slot < CHANNEL_MAX_DEPTH; slot++)
		if (link->reply_slot[slot].handle & HANDLE_GENERATION)
			link->reply_slot[slot].handle += HANDLE_GENERATION;
}

enum error channel_server_detach(struct channel_server *server, uint32_t index)
{
	if (index >= CHANNEL_MAX_CHANNELS)
		return ERR_RANGE;
	struct channel_link *link = &server->link[index];
	if (link->state == CHANNEL_DETACHED)
		return ERR_ILLEGAL_OPERATION;
	/* Handles of requests taken and not answered die with the link (on a
	 * broken link they died already). */
	link_retire_handles(link);
	link_set_state(server, index, CHANNEL_DETACHED);
	return ERR_OK;
}

uint32_t channel_link_free_slot(const struct channel_link *link)
{
	uint32_t slot = 0;
	while (slot < link->depth && (link->reply_slot[slot].handle & HANDLE_GENERATION))
		slot++;
	CHANNEL_ASSERT(slot < link->depth);
	return slot;
}

/* The client broke an index of link `index`: stop serving it. */
static CHANNEL_COLD enum take_result link_break(struct channel_server *server, uint32_t index)
{
	link_retire_handles(&server->link[index]);
	link_set_state(server, index, CHANNEL_BROKEN);
	return TAKE_BROKEN;
}

/* Answer a malformed request (its tag as the client wrote it) with `err`. */
static CHANNEL_COLD enum take_result link_reject(struct channel_link *link, uint32_t tag,
						 enum error err)
{
	struct channel_message answer = { .opcode = (uint32_t)err };
	link->counters.rejected++;
	link->room--; /* the answer takes the room checked for the request */
	(void)channel_link_post(link, tag, &answer, 0, 1);
	return TAKE_REJECTED;
}

/* Room for a reply was short by our cached client head: read the real one.
 * Assumes nothing about the client's head. */
static CHANNEL_COLD enum take_result link_refresh_response_head(struct channel_server *server,
								uint32_t index)
{
	struct channel_link *link = &server->link[index];
	uint32_t unread = link->response_tail - link->response_head_seen;
	/* Acquire: the client copied those replies out first. */
	uint32_t head = channel_load_acquire(&link->shared->response_head);
	/* The client's head moves forward only, never past our tail. */
	if (head - link->response_head_seen > unread)
		return link_break(server, index);
	link->room += head - link->response_head_seen;
	link->response_head_seen = head;
	if (link->room == 0)
		return TAKE_NOTHING;
	return TAKE_OK;
}

/* Release the request entry at `head`: our copy is complete before the
 * client may reuse it. */
static inline __attribute__((always_inline)) void link_release(struct channel_link *link,
							       uint32_t head)
{
	link->request_head = head + 1;
	channel_store_release(&link->shared->request_head, head + 1);
}

/*
 * The request at `head`, whose words were read once into *request: check
 * its shape, copy its payload in, release its entry, and accept it or
 * answer it with an error status. Assumes nothing about the words.
 */
static inline __attribute__((always_inline)) enum take_result
link_finish(struct channel_link *link, struct channel_message *request, uint32_t head)
{
	channel_words_read_large(request, &link->requests[head & link->mask]);
	enum error err = channel_shape_check(request->flags, request->length,
					     request->large.address, request->large.length);
	if (CHANNEL_LIKELY(err == ERR_OK))
		channel_payload_in(request->payload, link->requests[head & link->mask].payload,
				   request->length);
	link_release(link, head);
	if (CHANNEL_UNLIKELY(err != ERR_OK))
		return link_reject(link, request->tag, err);
	channel_link_accept_at(link, request, channel_link_slot_for(link, head));
	return TAKE_OK;
}

/*
 * Take one request from an ACTIVE link, or answer a malformed one.
 * Assumes nothing about the shared buffer's contents.
 */
static inline __attribute__((always_inline)) enum take_result
link_take(struct channel_server *server, uint32_t index, struct channel_message *request)
{
	struct channel_link *link = &server->link[index];
	struct channel_shared *shared = link->shared;

	/* Room for the reply: taken and not replied + unread replies < depth. */
	if (CHANNEL_UNLIKELY(link->room == 0)) {
		enum take_result room = link_refresh_response_head(server, index);
		if (room != TAKE_OK)
			return room;
	}

	uint32_t head = link->request_head;
	if (head == link->request_tail_seen) {
		/* Acquire: the client wrote the entries before this tail. */
		uint32_t tail = channel_load_acquire(&shared->request_tail);
		if (CHANNEL_UNLIKELY(tail - head > link->depth))
			return link_break(server, index);
		link->request_tail_seen = tail;
		if (tail == head)
			return TAKE_NOTHING;
	}

	channel_words_read(request, &link->requests[head & link->mask]);
	return link_finish(link, request, head);
}

/* channel_server_take with more than one link: priorities, round robin. */
enum error channel_server_take_general(struct channel_server *server,
				       struct channel_message *request)
{
	/* Priorities with links, highest first. */
	for (uint32_t left = server->priorities; left != 0;) {
		uint32_t priority = 31u - (uint32_t)__builtin_clz(left);
		left &= ~(1u << priority);
		uint64_t links = server->by_priority[priority];
		/* Visit the links of this priority in index order, starting at
		 * the cursor: rotate the mask so that bit 0 is the cursor. */
		uint32_t start = server->cursor[priority];
		uint64_t order = start == 0 ? links : links >> start | links << (64 - start);
		while (order != 0) {
			uint32_t index = (start + channel_lowest_set(order)) & 63u;
			order &= order - 1;
			enum take_result result = link_take(server, index, request);
			if (result == TAKE_OK || result == TAKE_REJECTED)
				server->cursor[priority] = (index + 1) & 63u;
			if (result == TAKE_REJECTED)
				server->rejected++; /* progress: channel_server_wait */
			if (result == TAKE_OK)
				return ERR_OK;
		}
	}
	return ERR_FAILED_LOOKUP;
}

/* The one link's request tail, cached unchecked by the inline take, showed
 * nothing new or broke the queue (out of line). Reads nothing shared. */
enum error channel_server_take_none(struct channel_server *server, uint32_t index)
{
	struct channel_link *link = &server->link[index];
	if (link->request_tail_seen == link->request_head)
		return ERR_FAILED_LOOKUP;
	(void)link_break(server, index);
	return ERR_FAILED_LOOKUP;
}

/* The one link's request at `head` (words in *request) has flags, a large
 * buffer or a long or bad length: the full check, out of line. */
enum error channel_server_take_rest(struct channel_server *server, uint32_t index,
				    struct channel_message *request, uint32_t head)
{
	enum take_result result = link_finish(&server->link[index], request, head);
	channel_server_turn_taken(server, index);
	if (result == TAKE_REJECTED)
		server->rejected++; /* progress: channel_server_wait */
	return result == TAKE_OK ? ERR_OK : ERR_FAILED_LOOKUP;
}

/* "Ring me" (1) or not (0) on every ACTIVE channel: no word is shared
 * by all clients, so each channel carries its own copy of the server's. */
static void server_publish_sleeping(struct channel_server *server, uint32_t value)
{
	for (uint64_t links = server->active; links != 0; links &= links - 1) {
		struct channel_link *link = &server->link[channel_lowest_set(links)];
		atomic_store_explicit(&link->shared->server_sleeping, value, memory_order_relaxed);
	}
	server->ring_me = value ? server->active : 0;
}

/* What channel_server_wait waits for, for channel_wait_rule. */
struct server_wait {
	struct channel_server *server;
	struct channel_message *request;
};

static inline enum error server_wait_attempt(void *context)
{
	struct server_wait *w = context;
	return channel_server_take(w->server, w->request);
}

static inline void server_wait_set_sleeping(void *context, uint32_t value)
{
	struct server_wait *w = context;
	server_publish_sleeping(w->server, value);
}

/*
 * The wait of a server that sleeps at once (poll budget 0): "ring me" goes
 * up on the ACTIVE links where it is not (server->ring_me: up since then,
 * with a fence after it) and stays up, so every client rings after each
 * request it publishes from then on. A look is still needed before every
 * sleep, not only after one: a wake takes every client's ring at once,
 * and a take takes one request (docs/channels.md "A waiter that sleeps at
 * once"). A link attached while the server slept (the port attaches from
 * its sleep) gets "ring me" before the next look.
 */
static enum error server_wait_up(struct channel_server *server, uint64_t timeout_ns,
				 struct channel_message *request)
{
	uint64_t deadline = channel_deadline(timeout_ns);
	for (;;) {
		uint64_t down = server->active & ~server->ring_me;
		if (CHANNEL_UNLIKELY(down != 0)) {
			for (uint64_t links = down; links != 0; links &= links - 1) {
				struct channel_link *link =
				    &server->link[channel_lowest_set(links)];
				atomic_store_explicit(&link->shared->server_sleeping, 1,
						      memory_order_relaxed);
			}
			server->ring_me |= down;
			/* Store before load: the consumer's half of the
			 * doorbell rule (channel_wait_rule). */
			atomic_thread_fence(memory_order_seq_cst);
		}
		uint64_t rejected = server->rejected;
		enum error err = channel_server_take(server, request);
		if (err != ERR_FAILED_LOOKUP)
			return err;
		/* A malformed request answered is progress: look again, no
		 * sleep (channel_wait_rule). */
		if (server->rejected != rejected)
			continue;
		/* No clock for a wait without a deadline. */
		if (deadline != CHANNEL_FOREVER && channel_port_now() >= deadline)
			return ERR_FAILED_LOOKUP;
		server->sleeps++;
		(void)channel_port_sleep(server->mine, deadline);
	}
}

enum error channel_server_wait(struct channel_server *server, uint64_t timeout_ns,
			       struct channel_message *request)
{
	if (server->poll_budget == 0 && timeout_ns != 0)
		return server_wait_up(server, timeout_ns, request);
	enum error err = channel_server_take(server, request);
	if (err != ERR_FAILED_LOOKUP || timeout_ns == 0)
		return err;
	struct server_wait w = { server, request };
	return channel_wait_rule(server_wait_attempt, server_wait_set_sleeping, &w, server->mine,
				 server->poll_budget, channel_deadline(timeout_ns), &server->sleeps,
				 &server->rejected);
}

/* Reply, for a message known to have the common shape (`is_short`, a
 * constant) or not yet checked. Assumes nothing about reply->handle. */
static inline __attribute__((always_inline)) enum error
server_reply_body(struct channel_server *server, const struct channel_message *reply,
		  _Bool is_short)
{
	uint64_t handle = reply->handle;
	uint32_t index = channel_handle_link(handle);
	uint32_t slot = channel_handle_slot(handle);
	struct channel_link *link = &server->link[index];
	uint64_t held = link->reply_slot[slot].handle;
	if (CHANNEL_UNLIKELY(held != handle || !(handle & HANDLE_GENERATION))) {
		/* A handle taken before its link broke: link_break retired it
		 * (one generation on). The API says "broken", not "unknown". */
		if (link->state == CHANNEL_BROKEN && (handle & HANDLE_GENERATION) &&
		    held == handle + HANDLE_GENERATION)
			return ERR_ILLEGAL_OPERATION;
		return ERR_INVALID_ARGUMENT;
	}
	/* An odd generation in its slot: the link is ACTIVE (break and detach
	 * retire every handle). */
	CHANNEL_ASSERT(link->state == CHANNEL_ACTIVE);
	if (!is_short) {
		enum error err = channel_shape_check(reply->flags, reply->length,
						     reply->large.address, reply->large.length);
		if (err != ERR_OK)
			return err;
	}
	return channel_link_answer(link, slot, reply, is_short);
}

/* The whole reply, out of line (the inline part is in channel_inline.h):
 * the checks in the API's order (handle, link state, shape). Assumes
 * nothing about `reply` (its handle may be stale or forged). */
enum error channel_server_reply_general(struct channel_server *server,
					const struct channel_message *reply)
{
	return server_reply_body(server, reply, 0);
}

enum error channel_server_check_invariants(const struct channel_server *server)
{
	uint64_t by_priority = 0;
	for (uint32_t priority = 0; priority < CHANNEL_PRIORITIES; priority++) {
		if (by_priority & server->by_priority[priority])
			return ERR_INVALID_ARGUMENT;
		by_priority |= server->by_priority[priority];
	}
	if (by_priority != server->active)
		return ERR_INVALID_ARGUMENT;
	uint64_t active = server->active;
	if (server->single != (active != 0 && (active & (active - 1)) == 0
				   ? &server->link[channel_lowest_set(active)]
				   : &server->idle))
		return ERR_INVALID_ARGUMENT;
	/* The idle link can never pass the take's room test. */
	if (server->idle.shared != &idle_shared || server->idle.room != 0 ||
	    server->idle.response_head_seen != 0 || server->idle.response_tail != 0)
		return ERR_INVALID_ARGUMENT;
	for (uint32_t priority = 0; priority < CHANNEL_PRIORITIES; priority++)
		if ((server->by_priority[priority] != 0) != ((server->priorities >> priority) & 1))
			return ERR_INVALID_ARGUMENT;
	for (uint32_t index = 0; index < CHANNEL_MAX_CHANNELS; index++) {
		const struct channel_link *link = &server->link[index];
		uint64_t bit = UINT64_C(1) << index;
		if ((link->state == CHANNEL_ACTIVE) != ((server->active & bit) != 0))
			return ERR_INVALID_ARGUMENT;
		if (link->state == CHANNEL_ACTIVE && !(server->by_priority[link->priority] & bit))
			return ERR_INVALID_ARGUMENT;
		if (link->reply_slot != &server->reply_slot[index * CHANNEL_MAX_DEPTH])
			return ERR_INVALID_ARGUMENT;
		if (link->state == CHANNEL_DETACHED)
			continue;
		uint64_t busy = 0;
		for (uint32_t slot = 0; slot < CHANNEL_MAX_DEPTH; slot++) {
			uint64_t handle = link->reply_slot[slot].handle;
			if (channel_handle_index(handle) != (index << 6 | slot) ||
			    link->reply_slot[slot].request !=
				(slot < link->depth ? &link->requests[slot] : NULL))
				return ERR_INVALID_ARGUMENT;
			busy |= (uint64_t)((handle & HANDLE_GENERATION) != 0) << slot;
		}
		uint64_t all = link->depth == 64 ? UINT64_MAX : (UINT64_C(1) << link->depth) - 1;
		if (busy & ~all)
			return ERR_INVALID_ARGUMENT;
		/* A broken link retired its handles; its room no longer counts. */
		if (link->state == CHANNEL_BROKEN) {
			if (busy != 0)
				return ERR_INVALID_ARGUMENT;
			continue;
		}
		if (link->room + (uint32_t)__builtin_popcountll(busy) +
			    (link->response_tail - link->response_head_seen) !=
			link->depth ||
		    link->request_tail_seen - link->request_head > link->depth)
			return ERR_RANGE;
	}
	return ERR_OK;
}
