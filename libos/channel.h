/* SPDX-License-Identifier: MIT */
/*
 * The zero-copy channel: a client and a server talk through one shared IPC
 * buffer (one or more 4 KiB pages) that holds a header, a request queue and
 * a response queue (docs/channels.md has the layout byte by byte and the
 * doorbell/sleep protocol). Each side also keeps a private state (struct
 * channel_client, struct channel_server) in its own memory; the library
 * allocates nothing.
 *
 * Trust: the buffer is shared with an untrusted peer. Each side reads a
 * shared field once into private memory before checking it, validates every
 * index, length, tag and descriptor, keeps its own indices privately (what
 * the peer writes back is never believed), and answers garbage with error
 * codes. A peer that breaks the queue indices gets its channel marked
 * CHANNEL_BROKEN on this side; nothing else is disturbed.
 *
 * Freestanding C11 (<stdatomic.h>): compiled for the host (hosttest/) and
 * for RISC-V user programs (libos/meson.build). The environment is reached
 * only through the three hooks of channel_port.h.
 */
#ifndef LIBOS_CHANNEL_H
#define LIBOS_CHANNEL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define CHANNEL_MUST_CHECK __attribute__((warn_unused_result))
/* The four calls of a request/reply pair (channel_inline.h): inlined at
 * every call site; CHANNEL_HOT_OUT_OF_LINE (the coverage build,
 * hosttest/meson.build) keeps one out-of-line copy per translation unit
 * instead, so that gcov counts each branch once. */
#ifdef CHANNEL_HOT_OUT_OF_LINE
#define CHANNEL_HOT static __attribute__((unused, noinline))
#else
#define CHANNEL_HOT static inline __attribute__((always_inline))
#endif

/* ---- The shared buffer (ABI: docs/channels.md) ---------------------------------------------- */

#define CHANNEL_MAGIC 0x314c484bu /* "KHL1" as little-endian bytes */
#define CHANNEL_VERSION 1u
#define CHANNEL_PAGE_SIZE 4096u
#define CHANNEL_HEADER_SIZE 256u   /* the request queue starts here */
#define CHANNEL_WORDS 8u           /* fixed words at the start of each entry */
#define CHANNEL_INLINE_MAX 256u    /* bytes of inline payload per entry */
#define CHANNEL_ENTRY_SIZE 320u    /* 8 words + inline payload */
#define CHANNEL_MAX_DEPTH 64u      /* entries per queue, a power of two */
#define CHANNEL_MAX_CHANNELS 64u   /* channels one server serves */
#define CHANNEL_PRIORITIES 8u      /* 0 lowest ... 7 highest */
#define CHANNEL_ANY UINT32_MAX     /* channel_client_wait: any tag */
#define CHANNEL_FOREVER UINT64_MAX /* a timeout that never expires */

/* Entry flags (word 0, bits 32..63). */
#define CHANNEL_FLAG_LARGE 1u          /* words 6 and 7 describe a large buffer */
#define CHANNEL_FLAG_LARGE_WRITABLE 2u /* ... that the server may write (as read()) */
#define CHANNEL_FLAGS_KNOWN 3u

/* Shape of a large-buffer descriptor: page-aligned, whole pages, inside the
 * Sv39 user half, at most 1 GiB. The kernel's Call moves it later. */
#define CHANNEL_LARGE_MAX (UINT64_C(1) << 30)
#define CHANNEL_USER_LIMIT (UINT64_C(1) << 38)

/* One queue entry: eight words, then the inline payload. */
struct channel_entry {
	uint64_t word[CHANNEL_WORDS];
	uint8_t payload[CHANNEL_INLINE_MAX];
};
_Static_assert(sizeof(struct channel_entry) == CHANNEL_ENTRY_SIZE, "entry size is ABI");

/* Word 0: opcode (request) or status (response) | tag << 32.
 * Word 1: payload length | flags << 32 (so that word 1 <= 16 says "no
 * flags, a short payload" in one comparison). Words 2..5: arguments.
 * Words 6 and 7: large-buffer address and length, meaningful only with
 * CHANNEL_FLAG_LARGE (otherwise neither written nor read). */
static inline uint64_t channel_word0(uint32_t opcode, uint32_t tag)
{
	return (uint64_t)opcode | (uint64_t)tag << 32;
}
static inline uint64_t channel_word1(uint32_t length, uint32_t flags)
{
	return (uint64_t)length | (uint64_t)flags << 32;
}

/* The buffer's header. The first 64 bytes are written by the client at
 * channel_client_init and read once by the server at attach; after that,
 * the client line is written only by the client and the server line only
 * by the server (each on its own cache line). */
struct channel_shared {
	uint32_t magic;
	uint32_t version;
	uint32_t depth;      /* entries per queue */
	uint32_t entry_size; /* CHANNEL_ENTRY_SIZE */
	uint32_t inline_max; /* CHANNEL_INLINE_MAX */
	uint32_t header_size;
	uint64_t size;            /* bytes of the buffer the client formatted */
	uint64_t request_offset;  /* from the buffer start */
	uint64_t response_offset; /* from the buffer start */
	uint64_t reserved0[2];
	/* Client line. */
	_Atomic uint32_t request_tail;  /* next request the client will write */
	_Atomic uint32_t response_head; /* next response the client will read */
	_Atomic uint32_t client_sleeping;
	uint32_t reserved1[13];
	/* Server line. */
	_Atomic uint32_t request_head;  /* next request the server will read */
	_Atomic uint32_t response_tail; /* next response the server will write */
	_Atomic uint32_t server_sleeping;
	uint32_t reserved2[13];
	uint64_t reserved3[8];
};
_Static_assert(sizeof(_Atomic uint32_t) == 4, "atomic words are plain words in the ABI");
_Static_assert(sizeof(struct channel_shared) == CHANNEL_HEADER_SIZE, "header size is ABI");
_Static_assert(offsetof(struct channel_shared, size) == 24, "header layout is ABI");
_Static_assert(offsetof(struct channel_shared, request_tail) == 64, "client line");
_Static_assert(offsetof(struct channel_shared, client_sleeping) == 72, "client line");
_Static_assert(offsetof(struct channel_shared, request_head) == 128, "server line");
_Static_assert(offsetof(struct channel_shared, server_sleeping) == 136, "server line");

/* Bytes of buffer a channel of `depth` entries per queue needs (whole pages). */
static inline size_t channel_buffer_size(uint32_t depth)
{
	size_t bytes = CHANNEL_HEADER_SIZE + 2u * (size_t)depth * CHANNEL_ENTRY_SIZE;
	return (bytes + CHANNEL_PAGE_SIZE - 1) / CHANNEL_PAGE_SIZE * CHANNEL_PAGE_SIZE;
}

/* ---- Messages in private memory ------------------------------------------------------------- */

struct channel_large {
	uint64_t address;
	uint64_t length;
};

/*
 * A request (client → server) or a reply (server → client) as each side
 * sees it in its own memory. `opcode` is the operation in a request and the
 * status in a reply (an enum error by convention; the library answers
 * malformed requests with one). `tag` names the request on the client side;
 * `handle` names a taken request on the server side (pass it back to reply).
 */
struct channel_message {
	uint32_t opcode;
	uint32_t tag;
	uint32_t length; /* bytes of payload used, at most CHANNEL_INLINE_MAX */
	uint32_t flags;
	uint64_t arg[4];
	struct channel_large large; /* meaningful with CHANNEL_FLAG_LARGE, else 0 */
	uint64_t handle;
	uint8_t payload[CHANNEL_INLINE_MAX];
};
/* The first 64 bytes of a message are an entry's eight words, in order, on
 * a little-endian machine (RISC-V and x86-64): one block copy moves an
 * entry's words 0..5 (and 6..7 with CHANNEL_FLAG_LARGE) between shared and
 * private memory. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "entry words are little-endian");
_Static_assert(offsetof(struct channel_message, tag) == 4, "word 0 high half");
_Static_assert(offsetof(struct channel_message, length) == 8, "word 1 low half");
_Static_assert(offsetof(struct channel_message, flags) == 12, "word 1 high half");
_Static_assert(offsetof(struct channel_message, arg) == 16, "words 2..5");
_Static_assert(offsetof(struct channel_message, large) == 48, "words 6 and 7");
_Static_assert(offsetof(struct channel_message, handle) == 64, "after the words");

/* One side's view of a channel (client) or of a link (server). Legal
 * transitions: DETACHED → ACTIVE (init/attach), ACTIVE → BROKEN (the peer
 * broke an index), ACTIVE/BROKEN → DETACHED (detach). */
enum channel_state {
	CHANNEL_DETACHED,
	CHANNEL_ACTIVE,
	CHANNEL_BROKEN,
};

/* Client request slots: FREE → PENDING (submit) → DONE (reply stashed
 * while waiting for another tag) → FREE (delivered); PENDING → FREE
 * (delivered straight from the queue). */
enum channel_slot_state {
	CHANNEL_SLOT_FREE,
	CHANNEL_SLOT_PENDING,
	CHANNEL_SLOT_DONE,
};

struct channel_doorbell; /* defined by the port (channel_port.h) */

struct channel_counters {
	uint64_t doorbells; /* times this side rang the peer */
	uint64_t sleeps;    /* times this side called channel_port_sleep */
	uint64_t rejected;  /* malformed entries from the peer answered or dropped */
};

/* ---- Client --------------------------------------------------------------------------------- */

struct channel_client {
	/* A slot's tag and state in one word, first: the hot paths reach it
	 * as the client's address plus slot * 8 (channel_queue.h,
	 * channel_client_slot_state: PENDING is the tag itself, DONE the tag
	 * with bit 5 flipped, FREE the last tag with bit 6 set). */
	struct channel_client_slot {
		uint32_t word;
		uint32_t reserved;
	} slot[2 * CHANNEL_MAX_DEPTH];
	/* slot[64..127] are no slots: what a tag with bit 6 set (nobody's)
	 * finds when the inline wait indexes slot[] by the tag's low seven
	 * bits. Their words are 0, whose low seven bits are never their index,
	 * so that no tag equals one and the wait's one comparison refuses such
	 * a tag without testing bit 6. */
	struct channel_shared *shared;
	struct channel_entry *requests, *responses;
	struct channel_doorbell *mine, *server;
	enum channel_state state;
	uint32_t depth, mask;
	uint32_t open_depth; /* depth while ACTIVE, else 0 (one test on the hot path) */
	uint32_t request_tail, request_head_seen; /* mine; last validated server value */
	/* request_head_seen + depth while ACTIVE, else request_tail: the
	 * request queue has room (by the cached head) exactly while the tail
	 * is not at it (one comparison on the hot path). */
	uint32_t request_limit;
	uint32_t response_head, response_tail_seen; /* mine; last validated server value */
	uint32_t poll_budget;                       /* polls before publishing "sleeping" */
	uint64_t done_slots;                        /* bit i: slot i is DONE (reply in done[i]) */
	struct channel_counters counters;
	/* The entry at each queue position (&requests[i], &responses[i] for
	 * i < depth, set at init; NULL past depth): the inline submit and wait
	 * load an entry's address instead of forming index * 320 (rv64 has no
	 * multiply-add in an address; x86-64 scales by 8 at most). The submit,
	 * whose slot is its position, finds request_at[slot] at a constant
	 * offset from the slot's record. After the scalars, so that every
	 * field the hot paths use is within a load's 12-bit offset of the
	 * client (or of the record) on rv64. */
	struct channel_entry *request_at[CHANNEL_MAX_DEPTH];
	struct channel_entry *response_at[CHANNEL_MAX_DEPTH];
	struct channel_message done[CHANNEL_MAX_DEPTH];
};

/*
 * Format `buffer` (size bytes, page-aligned, at least channel_buffer_size
 * (depth)) as a channel of `depth` entries per queue (a power of two,
 * 1..CHANNEL_MAX_DEPTH) and start the client side. ERR_INVALID_ARGUMENT for
 * a bad depth or NULL, ERR_ALIGNMENT for a misaligned buffer, ERR_RANGE when
 * the buffer is too small. `mine` is rung by the server, `server` by us.
 */
CHANNEL_MUST_CHECK enum error channel_client_init(struct channel_client *client, void *buffer,
						  size_t size, uint32_t depth,
						  struct channel_doorbell *mine,
						  struct channel_doorbell *server);

/* Polls before sleeping in channel_client_wait (default 256). */
void channel_client_set_poll_budget(struct channel_client *client, uint32_t polls);

/*
 * Queue a request; on ERR_OK *tag names it until its reply is delivered
 * (on an error *tag holds a value with bit 6 set, which names no request).
 * ERR_NOT_ENOUGH_MEMORY: depth requests outstanding or the request queue is
 * full; ERR_TRUNCATED_MESSAGE: length > CHANNEL_INLINE_MAX; ERR_INVALID_ARGUMENT:
 * unknown flags; ERR_ALIGNMENT / ERR_RANGE: a badly shaped large buffer;
 * ERR_ILLEGAL_OPERATION: the channel is broken or detached.
 */
CHANNEL_MUST_CHECK CHANNEL_HOT enum error
channel_client_submit(struct channel_client *client, const struct channel_message *request,
		      uint32_t *tag);

/* A delivered reply, any tag, without waiting; ERR_FAILED_LOOKUP when none. */
CHANNEL_MUST_CHECK enum error channel_client_poll(struct channel_client *client,
						  struct channel_message *reply);

/*
 * Wait up to timeout_ns (0: just look; CHANNEL_FOREVER) for the reply to
 * `tag` (or CHANNEL_ANY). ERR_OK: *reply holds it (reply->tag says which)
 * and the tag is free again. ERR_FAILED_LOOKUP: timed out; the tag stays
 * outstanding and can be waited for again. ERR_INVALID_ARGUMENT: the tag is
 * not outstanding (or CHANNEL_ANY with nothing outstanding).
 * ERR_ILLEGAL_OPERATION: the channel is broken.
 */
CHANNEL_MUST_CHECK CHANNEL_HOT enum error channel_client_wait(struct channel_client *client,
							      uint32_t tag, uint64_t timeout_ns,
							      struct channel_message *reply);

/* Submit + wait. On ERR_FAILED_LOOKUP reply->tag holds the outstanding tag. */
CHANNEL_MUST_CHECK enum error channel_client_call(struct channel_client *client,
						  const struct channel_message *request,
						  uint64_t timeout_ns,
						  struct channel_message *reply);

/*
 * channel_client_call for a caller whose port delivers the submit's ring
 * no earlier than this thread's next sleep (channel_uintr_call holds it
 * for the sleep): with poll budget 0 and a timeout, "ring me" goes up
 * before the request is published and stays up (the server rings after
 * every reply from then on), and a call whose submit rang sleeps without
 * looking first (docs/channels.md, "A waiter that sleeps at once"). Any
 * other call is channel_client_call. The same results and errors.
 */
CHANNEL_MUST_CHECK enum error channel_client_call_held(struct channel_client *client,
						       const struct channel_message *request,
						       uint64_t timeout_ns,
						       struct channel_message *reply);

/*
 * Give up on `tag` (PENDING or DONE): its slot is FREE at once, so a client
 * whose server does not answer gets its capacity back. The request itself
 * may still be queued, taken or answered: a late reply carries the old
 * generation and is dropped (counted in counters.rejected), never delivered,
 * not even to a request that reuses the slot. Requests the server never
 * takes keep their places in the request queue (submit says
 * ERR_NOT_ENOUGH_MEMORY while it is full); tearing the channel down (the
 * server detaches, the client initialises the buffer again) recovers those.
 * ERR_INVALID_ARGUMENT: the tag is not outstanding. Assumes nothing about
 * `tag`.
 */
CHANNEL_MUST_CHECK enum error channel_client_cancel(struct channel_client *client, uint32_t tag);

/* Number of requests submitted and not yet delivered. */
uint32_t channel_client_outstanding(const struct channel_client *client);

/* ERR_OK when the private state is consistent (for the randomized tests). */
CHANNEL_MUST_CHECK enum error channel_client_check_invariants(const struct channel_client *client);

/* ---- Server --------------------------------------------------------------------------------- */

/* The server's private view of one channel. */
struct channel_link {
	struct channel_shared *shared;
	struct channel_entry *requests, *responses;
	struct channel_doorbell *client;
	enum channel_state state;
	uint32_t depth, mask, priority, index;
	uint32_t request_head, request_tail_seen;   /* mine; last validated client value */
	uint32_t response_tail, response_head_seen; /* mine; last validated client value */
	uint32_t room; /* reply room: depth - taken and not replied - unread replies */
	struct channel_counters counters;
	/* The link's reply slots (set at init): &server->reply_slot[index <<
	 * 6]; reply_slot[slot].handle is the slot's current handle
	 * (channel_handle_link: the client's tag, slot | link << 6 and a
	 * generation). A slot holds a taken request exactly when its handle's
	 * generation is odd (no separate bitmap to keep in step). */
	struct channel_reply_slot *reply_slot;
	uint64_t reserved[3]; /* 128 bytes: a link from a handle by a shift */
};
_Static_assert(sizeof(struct channel_link) == 128, "a link is 1 << 7 bytes");

/* A reply slot: its handle, and the request entry at the queue position of
 * the same number (&requests[slot] while the link is attached, slot <
 * depth; else NULL), so that the inline take, whose slot is the request's
 * position, loads its entry's address beside the handle instead of forming
 * index * 320. */
struct channel_reply_slot {
	uint64_t handle;
	struct channel_entry *request;
};
_Static_assert(sizeof(struct channel_reply_slot) == 16, "a reply slot is 1 << 4 bytes");

struct channel_server {
	/* First, so that the reply finds a link as the server's address plus
	 * a masked handle (channel_server_reply). */
	struct channel_link link[CHANNEL_MAX_CHANNELS];
	/* Every link's reply slots, link index << 6 | slot: bits 0..11 of a
	 * handle (channel_server_reply finds a slot from the handle alone).
	 * The links point into them, so a server is never copied. */
	struct channel_reply_slot reply_slot[CHANNEL_MAX_CHANNELS * CHANNEL_MAX_DEPTH];
	struct channel_doorbell *mine;
	/* The one ACTIVE link, or &idle (none or several): never NULL. */
	struct channel_link *single;
	uint32_t poll_budget;
	uint64_t active;                          /* bit i: link i is ACTIVE */
	uint32_t priorities;                      /* bit p: by_priority[p] != 0 */
	uint64_t by_priority[CHANNEL_PRIORITIES]; /* ACTIVE links per priority */
	uint32_t cursor[CHANNEL_PRIORITIES];      /* round-robin start per priority */
	uint64_t sleeps;
	uint64_t rejected; /* malformed requests answered, all links (wait progress) */
	uint64_t ring_me;  /* bit i: "ring me" up on link i (published, fenced) */
	/* Not a link: `single` when the inline take has no one link to take
	 * from. It has no reply room and its client head never moves, so the
	 * take's room test sends it to the general path (no NULL test). */
	struct channel_link idle;
};

/* Start a server that owns doorbell `mine` (every client rings it). */
void channel_server_init(struct channel_server *server, struct channel_doorbell *mine);

/* Polls before sleeping in channel_server_wait (default 1024). */
void channel_server_set_poll_budget(struct channel_server *server, uint32_t polls);

/*
 * Serve the channel in `buffer` (size bytes, formatted by a client) as link
 * `index` at `priority`. The header is read once here. ERR_RANGE: index or
 * priority out of range; ERR_DELETE_FIRST: the link is in use;
 * ERR_INVALID_ARGUMENT: bad magic, version or geometry; ERR_ALIGNMENT: a
 * misaligned buffer; ERR_TRUNCATED_MESSAGE: the queues overrun `size`.
 */
CHANNEL_MUST_CHECK enum error channel_server_attach(struct channel_server *server, uint32_t index,
						    void *buffer, size_t size, uint32_t priority,
						    struct channel_doorbell *client);

/* Stop serving link `index` (requests taken from it can no longer be
 * answered). ERR_RANGE: bad index; ERR_ILLEGAL_OPERATION: not attached. */
CHANNEL_MUST_CHECK enum error channel_server_detach(struct channel_server *server, uint32_t index);

enum channel_state channel_server_link_state(const struct channel_server *server, uint32_t index);

/*
 * Take the next request: highest priority first, round robin (one request
 * per channel per turn) within a priority. A malformed request is answered
 * with an error status by the library and counts as its channel's turn.
 * ERR_OK: *request holds it; request->handle names it for the reply and
 * bits 6..11 of the handle are the link index. ERR_FAILED_LOOKUP: nothing
 * takeable now.
 */
CHANNEL_MUST_CHECK CHANNEL_HOT enum error channel_server_take(struct channel_server *server,
							      struct channel_message *request);

/* channel_server_take, polling and then sleeping up to timeout_ns. At
 * poll budget 0 (with a timeout) "ring me" goes up on every ACTIVE link and
 * stays up (docs/channels.md, "A waiter that sleeps at once"). */
CHANNEL_MUST_CHECK enum error channel_server_wait(struct channel_server *server,
						  uint64_t timeout_ns,
						  struct channel_message *request);

/*
 * Answer the request named by reply->handle, in any order. The reply slot
 * was reserved at take, so a valid reply cannot fail for lack of room.
 * ERR_INVALID_ARGUMENT: unknown or already answered handle, or unknown
 * flags; ERR_TRUNCATED_MESSAGE: length too large; ERR_ALIGNMENT / ERR_RANGE:
 * bad large buffer; ERR_ILLEGAL_OPERATION: the link is broken.
 */
CHANNEL_MUST_CHECK CHANNEL_HOT enum error channel_server_reply(struct channel_server *server,
							       const struct channel_message *reply);

/* Requests of link `index` handed to the server since it was attached,
 * modulo 2^32 (statistics, tests): every request entry the server consumed
 * but the malformed ones it answered (no counter on the hot path). */
static inline uint32_t channel_server_link_taken(const struct channel_server *server,
						 uint32_t index)
{
	const struct channel_link *link = &server->link[index];
	return link->request_head - (uint32_t)link->counters.rejected;
}

/*
 * A server handle is slot | link << 6 (bits 0..11), a generation (bits
 * 12..31), odd exactly while the slot holds a taken request, and the
 * client's tag (bits 32..63: what the reply's entry carries, so the reply
 * needs no other record of it). It is valid while it equals its slot's
 * reply_slot[].handle in all 64 bits; the generation wraps after 2^19 takes of
 * one slot. The link index a handle names:
 */
static inline uint32_t channel_handle_link(uint64_t handle)
{
	return (uint32_t)(handle >> 6) & 63u;
}

/* The reply slot (of its link) a handle names. */
static inline uint32_t channel_handle_slot(uint64_t handle)
{
	return (uint32_t)handle & 63u;
}

/* A handle that names link `index` and nothing else (slot 0, generation
 * 0: never valid for a reply): what a test crafts for a server's dispatch
 * without knowing the layout. */
static inline uint64_t channel_handle_naming_link(uint32_t index)
{
	return (uint64_t)(index & 63u) << 6;
}

CHANNEL_MUST_CHECK enum error channel_server_check_invariants(const struct channel_server *server);

/* ---- Shared by both sides ------------------------------------------------------------------- */

/* Check the shape of a message's flags, length and large buffer as both
 * sides do before sending and after receiving. */
CHANNEL_MUST_CHECK enum error channel_message_check(uint32_t flags, uint32_t length,
						    uint64_t large_address, uint64_t large_length);

/* The hot paths, inline (channel_inline.h). */
#include "channel_inline.h"

#endif
