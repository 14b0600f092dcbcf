/* SPDX-License-Identifier: MIT */
/*
 * What both sides of a channel do to a queue entry: write one (producer),
 * read one once into private memory (consumer), check a message's shape,
 * and the producer's half of the doorbell rule. Private to libos/channel_*.c.
 *
 * Memory ordering, for RVWMO and x86-64 alike (docs/channels.md):
 * - An entry is written with plain stores, then the new tail is published
 *   with a release store; the consumer loads the tail with acquire before
 *   reading the entry. Release/acquire is `fence rw,w` + store / load +
 *   `fence r,rw` on RISC-V and plain mov on x86-64 (TSO already orders
 *   these).
 * - A consumer publishes its head with release after it has copied the
 *   entry out; the producer loads the head with acquire before reusing the
 *   slot, so the consumer's reads happen before the producer's overwrite.
 * - Doorbells: producer "publish tail; fence; load peer_sleeping" against
 *   consumer "store my_sleeping = 1; fence; load tail" is the store-buffer
 *   (Dekker) pattern. Release and acquire do not order a store before a
 *   later load on either machine (x86-64's store buffer reorders exactly
 *   that), so both sides need a seq_cst fence between their store and their
 *   load (`fence rw,rw` on RISC-V, `mfence` on x86-64). With both fences, at
 *   least one side sees the other's store: either the producer sees
 *   "sleeping" and rings, or the consumer's re-check sees the entry.
 */
#ifndef LIBOS_CHANNEL_QUEUE_H
#define LIBOS_CHANNEL_QUEUE_H

#include "channel.h"
#include "channel_port.h"

#ifdef NDEBUG
#define CHANNEL_ASSERT(expr) ((void)sizeof(expr)) /* not evaluated */
#else
#define CHANNEL_ASSERT(expr) ((expr) ? (void)0 : __builtin_trap())
#endif

/*
 * The acquire load and the release store of a shared index. On RISC-V they
 * are the ISA manual's mapping of C11's (load; fence r,rw and fence rw,w;
 * store: the unprivileged spec's table of C/C++ mappings, RVWMO) written
 * out, because GCC 12 stores an atomic word with amoswap.w, whose address
 * takes no offset (an add per store), and sign-extends an atomic word it
 * has just loaded with lw (a sext.w per load). The "memory" clobber keeps
 * the compiler's own accesses on the right side, as C11's orderings do.
 * Elsewhere (x86-64, TSO: both are plain moves) they are C11's, which
 * ThreadSanitizer understands.
 */
static inline uint32_t channel_load_acquire(const _Atomic uint32_t *word)
{
#if defined(__riscv)
	uint32_t value;
	__asm__ volatile("lw %0, %1\n\tfence r, rw"
			 : "=r"(value)
			 : "m"(*(const uint32_t *)word)
			 : "memory");
	return value;
#else
	return atomic_load_explicit(word, memory_order_acquire);
#endif
}

static inline void channel_store_release(_Atomic uint32_t *word, uint32_t value)
{
#if defined(__riscv)
	__asm__ volatile("fence rw, w\n\tsw %1, %0"
			 : "=m"(*(uint32_t *)word)
			 : "r"(value)
			 : "memory");
#else
	atomic_store_explicit(word, value, memory_order_release);
#endif
}

/* Shape of flags, length and large buffer (see channel_message_check). The
 * large buffer is looked at only with CHANNEL_FLAG_LARGE. */
static inline enum error channel_shape_check(uint32_t flags, uint32_t length, uint64_t address,
					     uint64_t bytes)
{
	if (length > CHANNEL_INLINE_MAX)
		return ERR_TRUNCATED_MESSAGE;
	if (flags == 0)
		return ERR_OK; /* the common case: no flags, no large buffer */
	if ((flags & ~CHANNEL_FLAGS_KNOWN) || !(flags & CHANNEL_FLAG_LARGE))
		return ERR_INVALID_ARGUMENT;
	if ((address | bytes) & (CHANNEL_PAGE_SIZE - 1))
		return ERR_ALIGNMENT;
	if (bytes == 0 || bytes > CHANNEL_LARGE_MAX || address >= CHANNEL_USER_LIMIT ||
	    bytes > CHANNEL_USER_LIMIT - address)
		return ERR_RANGE;
	return ERR_OK;
}

/* Hot paths call out of line only at their tail or on a rare branch, so
 * that they stay leaf functions without callee-saved registers to spill
 * (docs/benchmarks.md). */
#define CHANNEL_COLD __attribute__((noinline, cold))
/* Out of line but not cold (optimised for speed): the paths of long
 * payloads, flags and large buffers, legitimate if less common. */
#define CHANNEL_OUT_OF_LINE __attribute__((noinline))
#define CHANNEL_LIKELY(x) __builtin_expect(!!(x), 1)
#define CHANNEL_UNLIKELY(x) __builtin_expect(!!(x), 0)

/*
 * Entries and messages are 8-byte aligned: their words come first, the
 * buffer is page-aligned (checked at init and attach), the header and the
 * entries are whole words, and a struct channel_message is aligned as its
 * uint64_t members. GCC takes a pointer's alignment from how the pointer
 * was computed, not from its type: without saying so, on RISC-V (no fast
 * misaligned access) it copies an entry's words by calling memcpy and a
 * payload byte by byte (docs/benchmarks.md, rv64).
 */
#if defined(__clang__)
/* clang 14 crashes on __builtin_assume_aligned under -fsanitize=alignment
 * (the fuzz build, ci/fuzz). clang builds only for the host, where the
 * alignment does not change the code. */
#define CHANNEL_ALIGNED_TO(pointer, bytes) (pointer)
#else
#define CHANNEL_ALIGNED_TO(pointer, bytes) __builtin_assume_aligned((pointer), (bytes))
#endif
#define CHANNEL_ALIGNED(pointer) CHANNEL_ALIGNED_TO(pointer, 8)
_Static_assert(CHANNEL_HEADER_SIZE % 8 == 0 && CHANNEL_ENTRY_SIZE % 8 == 0, "whole words");
_Static_assert(offsetof(struct channel_entry, payload) % 8 == 0, "entry payload aligned");
_Static_assert(offsetof(struct channel_message, payload) % 8 == 0, "message payload aligned");
_Static_assert(_Alignof(struct channel_message) == 8, "messages are word-aligned");

/*
 * The index of the lowest set bit of `bits` (not 0). RISC-V without the
 * Zbb extension (the rv64gc user programs) has no count-trailing-zeros
 * instruction, and GCC calls libgcc's __ctzdi2 for __builtin_ctzll; a de
 * Bruijn multiplication does it in five instructions instead: the lowest
 * bit alone (bits & -bits), times B(2,6) = 0x022fdd63cc95386d, whose 64
 * six-bit windows are all different, puts a distinct value in the top six
 * bits for each position, and the table maps it back. CHANNEL_SOFT_CTZ
 * selects it on the host as well, for the tests.
 */
#if defined(CHANNEL_SOFT_CTZ) || (defined(__riscv) && !defined(__riscv_zbb))
static inline uint32_t channel_lowest_set(uint64_t bits)
{
	static const uint8_t position[64] = {
		0,  1,  2,  53, 3,  7,  54, 27, 4,  38, 41, 8,  34, 55, 48, 28,
		62, 5,  39, 46, 44, 42, 22, 9,  24, 35, 59, 56, 49, 18, 29, 11,
		63, 52, 6,  26, 37, 40, 33, 47, 61, 45, 43, 21, 23, 58, 17, 10,
		51, 25, 36, 32, 60, 20, 57, 16, 50, 31, 19, 15, 30, 14, 13, 12,
	};
	return position[((bits & -bits) * UINT64_C(0x022fdd63cc95386d)) >> 58];
}
#else
static inline uint32_t channel_lowest_set(uint64_t bits)
{
	return (uint32_t)__builtin_ctzll(bits);
}
#endif

/*
 * Copy `bytes` (a multiple of 8) between 8-byte aligned payload areas, a
 * word at a time. Built only with CHANNEL_WORD_COPY (libos/meson.build
 * sets it for user programs): picolibc's memcpy, as Debian builds it for
 * RISC-V, copies one byte per iteration (6 instructions a byte); the host
 * C library's memcpy is faster than this loop. The loop is kept from
 * being turned back into a memcpy call (loop distribution) by
 * -fno-tree-loop-distribute-patterns in the same place.
 */
static inline void channel_copy_words(uint8_t *to, const uint8_t *from, uint32_t bytes)
{
	for (uint32_t i = 0; i < bytes; i += 8) {
		uint64_t word;
		__builtin_memcpy(&word, CHANNEL_ALIGNED(from + i), 8);
		__builtin_memcpy(CHANNEL_ALIGNED(to + i), &word, 8);
	}
}

/* Copy `length` (<= CHANNEL_INLINE_MAX) payload bytes from shared memory
 * into private memory (consumer). A short payload moves as one 16-byte
 * block: both payload areas are CHANNEL_INLINE_MAX bytes long, so rounding
 * up stays inside, and the extra bytes read land in private memory unused. */
static inline void channel_payload_in(uint8_t *to, const uint8_t *from, uint32_t length)
{
	if (CHANNEL_LIKELY(length <= 16)) {
		__builtin_memcpy(CHANNEL_ALIGNED(to), CHANNEL_ALIGNED(from), 16);
		return;
	}
#ifdef CHANNEL_WORD_COPY
	/* Rounded up to whole words: inside both areas (256 is whole words). */
	channel_copy_words(to, from, (length + 7) & ~7u);
#else
	__builtin_memcpy(CHANNEL_ALIGNED(to), CHANNEL_ALIGNED(from), length);
#endif
}

/* The aligned word at `from` with only its first `bytes` (1..7) kept and
 * the rest zero (little-endian): a payload's last, partial word. */
static inline uint64_t channel_word_prefix(const uint8_t *from, uint32_t bytes)
{
	uint64_t word;
	__builtin_memcpy(&word, CHANNEL_ALIGNED(from), 8);
	return word & ((UINT64_C(1) << (bytes * 8)) - 1);
}

/* Copy exactly `length` (1..15, not 8) payload bytes from private memory
 * into an entry: whole words, with the bytes past `length` zero. Never
 * more than `length` bytes of the sender's memory reach the peer (a
 * server that reuses one message for many clients leaks nothing). */
static inline void channel_payload_out_masked(uint8_t *to, const uint8_t *from, uint32_t length)
{
	uint64_t low, high = 0;
	if (length < 8) {
		low = channel_word_prefix(from, length);
	} else {
		__builtin_memcpy(&low, CHANNEL_ALIGNED(from), 8);
		high = channel_word_prefix(from + 8, length - 8);
	}
	__builtin_memcpy(CHANNEL_ALIGNED(to), &low, 8);
	__builtin_memcpy(CHANNEL_ALIGNED(to + 8), &high, 8);
}

/* Copy exactly `length` (<= CHANNEL_INLINE_MAX) payload bytes from private
 * memory into an entry (producer) or between private messages: whole
 * words for a short payload (the bytes past `length` zero: the short
 * version, length <= 16), memcpy for a longer one. */
static inline void channel_payload_out_short(uint8_t *to, const uint8_t *from, uint32_t length)
{
	if (CHANNEL_LIKELY(length == 8)) {
		__builtin_memcpy(CHANNEL_ALIGNED(to), CHANNEL_ALIGNED(from), 8);
		return;
	}
	if (length == 16) {
		__builtin_memcpy(CHANNEL_ALIGNED(to), CHANNEL_ALIGNED(from), 16);
		return;
	}
	if (length != 0)
		channel_payload_out_masked(to, from, length);
}

static inline void channel_payload_out(uint8_t *to, const uint8_t *from, uint32_t length)
{
	if (length <= 16) {
		channel_payload_out_short(to, from, length);
		return;
	}
#ifdef CHANNEL_WORD_COPY
	/* Whole words, then the last partial word masked (its bytes past
	 * `length` zero), so that exactly `length` bytes of ours go out. */
	uint32_t whole = length & ~7u;
	channel_copy_words(to, from, whole);
	if (length & 7u) {
		uint64_t last = channel_word_prefix(from + whole, length & 7u);
		__builtin_memcpy(CHANNEL_ALIGNED(to + whole), &last, 8);
	}
#else
	__builtin_memcpy(CHANNEL_ALIGNED(to), CHANNEL_ALIGNED(from), length);
#endif
}

/* Read an entry's words 0..5 once into the first 48 bytes of `message`
 * (private memory; the layouts match, see channel.h), so that nothing
 * later reads shared memory in place of `message` (no double fetch); the
 * hardware ordering came from the acquire load of the tail before this.
 * On RISC-V each word is one relaxed atomic load (a plain ld, which the
 * compiler may not repeat), and the checks that follow use the loaded
 * registers; elsewhere (x86-64 moves 16 bytes an instruction) a block copy
 * and a compiler barrier, and the checks read the copy. Words 6 and 7 are
 * read by channel_words_read_large, only with CHANNEL_FLAG_LARGE (checked
 * in the private copy); the payload is copied once its length has been
 * checked. */
#define CHANNEL_WORDS_COMMON 6u
static inline void channel_words_read(struct channel_message *message,
				      const struct channel_entry *entry)
{
#if defined(__riscv)
	/* Written out: GCC keeps a loop of atomic loads a loop, through the
	 * stack. */
	uint64_t *to = CHANNEL_ALIGNED((uint64_t *)(void *)message);
	_Static_assert(CHANNEL_WORDS_COMMON == 6, "six words");
	to[0] = __atomic_load_n(&entry->word[0], __ATOMIC_RELAXED);
	to[1] = __atomic_load_n(&entry->word[1], __ATOMIC_RELAXED);
	to[2] = __atomic_load_n(&entry->word[2], __ATOMIC_RELAXED);
	to[3] = __atomic_load_n(&entry->word[3], __ATOMIC_RELAXED);
	to[4] = __atomic_load_n(&entry->word[4], __ATOMIC_RELAXED);
	to[5] = __atomic_load_n(&entry->word[5], __ATOMIC_RELAXED);
#else
	__builtin_memcpy(CHANNEL_ALIGNED(message), CHANNEL_ALIGNED(entry->word),
			 CHANNEL_WORDS_COMMON * sizeof(uint64_t));
	atomic_signal_fence(memory_order_seq_cst);
#endif
}

/* After channel_words_read: the large buffer from words 6 and 7 (read
 * once) when the private flags say there is one, else zero. */
static inline void channel_words_read_large(struct channel_message *message,
					    const struct channel_entry *entry)
{
	if (message->flags & CHANNEL_FLAG_LARGE) {
		__builtin_memcpy(CHANNEL_ALIGNED(&message->large), CHANNEL_ALIGNED(&entry->word[6]),
				 sizeof(message->large));
		atomic_signal_fence(memory_order_seq_cst);
	} else {
		message->large = (struct channel_large){ 0, 0 };
	}
}

/* Write an entry from a message whose shape was checked (private memory),
 * with this side's `tag` in place of the message's: words 0..5, words 6
 * and 7 only with CHANNEL_FLAG_LARGE, and exactly `length` payload bytes
 * (channel_payload_out). `length` is message->length as the caller
 * checked it (a hot path has it in a register from the shape test; the
 * message is private memory). `is_short` (a constant): the caller knows
 * the common shape (no flags, length <= CHANNEL_SHORT_PAYLOAD), and the
 * copy needs no call (hot paths stay leaf functions). */
#define CHANNEL_SHORT_PAYLOAD 16u
static inline __attribute__((always_inline)) void
channel_entry_write(struct channel_entry *entry, uint32_t tag,
		    const struct channel_message *message, uint32_t length, _Bool is_short)
{
	CHANNEL_ASSERT(length == message->length);
	__builtin_memcpy(CHANNEL_ALIGNED(entry->word), CHANNEL_ALIGNED(message),
			 CHANNEL_WORDS_COMMON * sizeof(uint64_t));
	/* The tag is word 0's high half: 4-byte aligned. */
	__builtin_memcpy(
	    CHANNEL_ALIGNED_TO((uint8_t *)entry->word + offsetof(struct channel_message, tag), 4),
	    &tag, sizeof(tag));
	if (is_short) {
		CHANNEL_ASSERT(length <= CHANNEL_SHORT_PAYLOAD && message->flags == 0);
#if defined(__riscv)
		/* The payload's address for the other short lengths is formed
		 * on their branch only: GCC hoisted it onto the 8-byte path,
		 * which stores at an offset from the entry. */
		if (CHANNEL_LIKELY(length == 8)) {
			__builtin_memcpy(CHANNEL_ALIGNED(entry->payload),
					 CHANNEL_ALIGNED(message->payload), 8);
			return;
		}
		__asm__("" : "+r"(entry));
#endif
		channel_payload_out_short(entry->payload, message->payload, length);
	} else {
		if (message->flags & CHANNEL_FLAG_LARGE)
			__builtin_memcpy(CHANNEL_ALIGNED(&entry->word[6]),
					 CHANNEL_ALIGNED(&message->large), sizeof(message->large));
		channel_payload_out(entry->payload, message->payload, length);
	}
}

/* Entry `position` of a queue of mask + 1 entries. The index is the
 * 64-bit AND of the sign-extended position (what an rv64 register holds
 * after lw/addw; GCC defines the conversion as modulo 2^32) with the
 * zero-extended mask: the same value as the 32-bit AND, without the two
 * instructions of a zero extension on rv64. */
static inline uint64_t channel_queue_index(uint32_t position, uint32_t mask)
{
#if defined(__riscv)
	return (uint64_t)(int64_t)(int32_t)position & (uint64_t)mask;
#else
	/* x86-64's 32-bit AND zero-extends for free; a sign extension first
	 * would be an instruction more. */
	return position & mask;
#endif
}

static inline struct channel_entry *channel_entry_at(struct channel_entry *queue, uint32_t position,
						     uint32_t mask)
{
	return &queue[channel_queue_index(position, mask)];
}

/* A message's word 1, length | flags << 32 (private memory). */
static inline uint64_t channel_message_shape(const struct channel_message *message)
{
	uint64_t length_flags;
	_Static_assert(offsetof(struct channel_message, flags) ==
			   offsetof(struct channel_message, length) + 4,
		       "flags follow length");
	__builtin_memcpy(&length_flags, CHANNEL_ALIGNED(&message->length), sizeof(length_flags));
	return length_flags;
}

/* A message the hot paths handle inline, by its word 1: no flags, no
 * large buffer, a short payload (then the word is the length). Anything
 * else takes the out-of-line path, which runs the full
 * channel_shape_check. */
static inline _Bool channel_shape_common(uint64_t length_flags)
{
	return length_flags <= CHANNEL_SHORT_PAYLOAD;
}

static inline _Bool channel_message_common(const struct channel_message *message)
{
	return channel_shape_common(channel_message_shape(message));
}
/* Ring the peer whose doorbell `*peer` names (the rare half of the
 * doorbell rule, out of line, in channel_client.c; the pointer is loaded
 * there, not on the hot path that rarely needs it). Returns ERR_OK. */
__attribute__((cold)) enum error channel_ring_peer(struct channel_doorbell *const *peer,
						   struct channel_counters *counters);

/* The producer's doorbell rule, after the release store of its tail: a
 * full fence orders that store before the load of the peer's sleeping word
 * (see the header comment); ring only when the peer said it will sleep.
 * Any nonzero value counts: the word is the peer's to write. Returns
 * ERR_OK, so that a caller can end with it (the ring becomes a tail call). */
static inline enum error channel_ring_if_sleeping(_Atomic uint32_t *peer_sleeping,
						  struct channel_doorbell *const *peer,
						  struct channel_counters *counters)
{
	atomic_thread_fence(memory_order_seq_cst);
	if (CHANNEL_UNLIKELY(atomic_load_explicit(peer_sleeping, memory_order_relaxed) != 0))
		return channel_ring_peer(peer, counters);
	return ERR_OK;
}

/*
 * A side's wait after a first look found nothing: poll `attempt` up to
 * `poll_budget` times (a busy peer answers soon, and then nobody sleeps and
 * nobody rings), honouring `deadline` even in a long poll; then say "ring
 * me" (`set_sleeping(context, 1)`), a full fence (store before load: the
 * consumer's half of the rule in the header comment), look once more (an
 * entry published before the peer could see our word is found here), and
 * only then sleep on `mine` until a ring or the deadline; "ring me" is
 * cleared after, and a sleep that a ring ended looks once more at once (a
 * poll) before it starts over. Returns the first result of `attempt` other than
 * ERR_FAILED_LOOKUP, or ERR_FAILED_LOOKUP at the deadline. `progress`
 * (NULL: none) counts work an attempt did without a result (the server
 * answering a malformed request): a re-check that moved it must not sleep,
 * since the entry behind may be valid and its producer saw no "ring me"
 * (issue 17; the SPIN model's MALFORMED_SLEEPS variant). Always inline
 * (CHANNEL_HOT: one out-of-line copy per file in the coverage build) with
 * constant `attempt` and `set_sleeping`: no indirect call in the poll loop.
 * The SPIN model (docs/channels-model.md) checks this rule.
 */
CHANNEL_HOT enum error channel_wait_rule(enum error (*attempt)(void *context),
					 void (*set_sleeping)(void *context, uint32_t value),
					 void *context, struct channel_doorbell *mine,
					 uint32_t poll_budget, uint64_t deadline, uint64_t *sleeps,
					 const uint64_t *progress)
{
	for (;;) {
		for (uint32_t polls = 0; polls < poll_budget; polls++) {
			enum error err = attempt(context);
			if (err != ERR_FAILED_LOOKUP)
				return err;
			if (polls % 256 == 255 && channel_port_now() >= deadline)
				return ERR_FAILED_LOOKUP;
		}
		/* No clock for a wait without a deadline. */
		if (deadline != CHANNEL_FOREVER && channel_port_now() >= deadline)
			return ERR_FAILED_LOOKUP;
		set_sleeping(context, 1);
		atomic_thread_fence(memory_order_seq_cst);
		uint64_t before = progress != NULL ? *progress : 0;
		enum error err = attempt(context);
		if (err == ERR_FAILED_LOOKUP && (progress == NULL || *progress == before)) {
			(*sleeps)++;
			bool rung = channel_port_sleep(mine, deadline);
			set_sleeping(context, 0);
			/* Rung: one look at once, awake (a poll, which the rule
			 * allows at any time), before the clock and "ring me"
			 * again; the peer that rang has usually just published. */
			if (rung)
				err = attempt(context);
		} else {
			set_sleeping(context, 0);
		}
		if (err != ERR_FAILED_LOOKUP)
			return err;
	}
}

static inline uint64_t channel_deadline(uint64_t timeout_ns)
{
	if (timeout_ns == CHANNEL_FOREVER)
		return CHANNEL_FOREVER;
	uint64_t now = channel_port_now();
	return timeout_ns > CHANNEL_FOREVER - now ? CHANNEL_FOREVER : now + timeout_ns;
}

/* ---- Shared by the inline hot paths and the .c files ---------------------------------------- */

/* A tag is slot | generation << 7: bit 6 is never set, so that no tag is
 * CHANNEL_ANY, and the generation wraps with the 32 bits (no mask). */
#define CHANNEL_TAG_SLOT_MASK 63u
#define CHANNEL_TAG_NEVER 64u
#define CHANNEL_TAG_GENERATION 128u
/* A handle (channel_handle_link): link << 6 | slot | generation << 12 |
 * tag << 32. */
#define CHANNEL_HANDLE_GENERATION (UINT64_C(1) << 12)

/* A handle's generation is odd (its slot holds a taken request). On rv64
 * the bit is shifted to the sign (a shift and a branch; GCC's test of bit
 * 12 forms the mask with lui first); elsewhere the mask test. */
static inline _Bool channel_handle_odd(uint64_t handle)
{
#if defined(__riscv)
	uint64_t top = handle << 51;
	__asm__("" : "+r"(top));
	return (int64_t)top < 0;
#else
	return (handle & CHANNEL_HANDLE_GENERATION) != 0;
#endif
}

/* A handle's link << 6 | slot: its slot's index in server->reply_slot
 * (any 12 bits name an element). */
static inline uint32_t channel_handle_index(uint64_t handle)
{
	return (uint32_t)handle & 0xfffu;
}

/* &server->reply_slot[channel_handle_index(handle)].handle, and in *link
 * the link the handle names. On rv64 both offsets come from the index's 12
 * bits shifted to the top (index * 16, a reply slot being 16 bytes; link
 * * 128, a link being 128 bytes); that value is hidden from GCC, which
 * would otherwise build the masks from the generation's constant. */
static inline uint64_t *channel_handle_slot_of(struct channel_server *server, uint64_t handle,
					       struct channel_link **link)
{
#if defined(__riscv)
	uint64_t top = handle << 52;
	__asm__("" : "+r"(top));
	*link = (struct channel_link *)(void *)((uint8_t *)server->link + ((top >> 58) << 7));
	return (uint64_t *)(void *)((uint8_t *)server->reply_slot + (top >> 48));
#else
	/* x86-64 scales an index in the address; a link is 128 bytes. */
	*link =
	    (struct channel_link *)(void *)((uint8_t *)server->link + ((handle & (63u << 6)) << 1));
	return &server->reply_slot[channel_handle_index(handle)].handle;
#endif
}

/* Slot `slot`'s record (slot < CHANNEL_MAX_DEPTH; the inline wait also
 * reaches the records past them, slot < 2 * CHANNEL_MAX_DEPTH). On rv64 the
 * address is hidden from the optimiser once formed: GCC would otherwise
 * form it again (a shift and an add) at each use rather than keep it in a
 * register. */
static inline struct channel_client_slot *channel_client_record(struct channel_client *client,
								uint64_t slot)
{
	struct channel_client_slot *record = &client->slot[slot];
#if defined(__riscv)
	__asm__("" : "+r"(record));
#endif
	return record;
}

/* request_at[slot] of the client whose slot[slot] is `record`: slot[] is
 * at the client's start and request_at[] has 8-byte elements too, so it is
 * `record` plus request_at's offset (one load on rv64, whose `record` is
 * already formed). */
static inline struct channel_entry *channel_client_request_at(struct channel_client_slot *record)
{
	_Static_assert(offsetof(struct channel_client, slot) == 0 &&
			   sizeof(struct channel_client_slot) == sizeof(struct channel_entry *) &&
			   offsetof(struct channel_client, response_at) < 2048,
		       "request_at[] is slot[] moved by a constant, element for element, "
		       "within a 12-bit load offset");
	return *(struct channel_entry *const *)(const void *)((const char *)record +
							      offsetof(struct channel_client,
								       request_at));
}

/* client->response_at[index] (index < CHANNEL_MAX_DEPTH). On rv64 the
 * scaled index is hidden from GCC once formed, so that the array's offset
 * goes into the load's immediate (GCC added it to the index first). */
static inline const struct channel_entry *channel_client_response_at(struct channel_client *client,
								     uint64_t index)
{
	const char *at = (const char *)client + index * sizeof(client->response_at[0]);
#if defined(__riscv)
	__asm__("" : "+r"(at));
#endif
	return *(struct channel_entry *const *)(const void *)(at + offsetof(struct channel_client,
									    response_at));
}

/*
 * A client slot's word says its state and its tag at once (no state byte
 * to load and store beside it):
 * - PENDING: the tag itself (bit 6 clear, the low six bits the slot), so
 *   that "this tag, PENDING" is one comparison with the word;
 * - DONE: the tag with bit 5 flipped (bit 6 clear, the low six bits not
 *   the slot: no tag of this slot equals it);
 * - FREE: the slot's last tag with bit 6 set (no tag has it), so that the
 *   next tag is the word plus 64 (bit 6 carries into the generation).
 */
#define CHANNEL_SLOT_WORD_FREE 64u
#define CHANNEL_SLOT_WORD_DONE 32u

/* The state of slot `slot`, whose record is `record`. */
static inline enum channel_slot_state
channel_client_slot_state(const struct channel_client_slot *record, uint32_t slot)
{
	if (record->word & CHANNEL_SLOT_WORD_FREE)
		return CHANNEL_SLOT_FREE;
	return (record->word & CHANNEL_TAG_SLOT_MASK) == slot ? CHANNEL_SLOT_PENDING
							      : CHANNEL_SLOT_DONE;
}

/* The tag slot `slot` holds (PENDING or DONE), or its last one (FREE). */
static inline uint32_t channel_client_slot_tag(const struct channel_client_slot *record,
					       uint32_t slot)
{
	switch (channel_client_slot_state(record, slot)) {
	case CHANNEL_SLOT_FREE: return record->word & ~CHANNEL_SLOT_WORD_FREE;
	case CHANNEL_SLOT_PENDING: return record->word;
	case CHANNEL_SLOT_DONE: return record->word ^ CHANNEL_SLOT_WORD_DONE;
	}
	return record->word; /* not reached: every state is above */
}

/* `tag` is what slot `slot` (its record `record`) holds, PENDING or DONE:
 * an outstanding tag. */
static inline _Bool channel_client_slot_holds(const struct channel_client_slot *record,
					      uint32_t slot, uint32_t tag)
{
	return channel_client_slot_state(record, slot) != CHANNEL_SLOT_FREE &&
	       channel_client_slot_tag(record, slot) == tag;
}

/* The one place a client slot changes state (enum channel_slot_state);
 * keeps the bitmaps in step. `record` is &client->slot[slot] and `tag` the
 * tag it holds (PENDING or DONE; from FREE: the new one, the next
 * generation of its last). `from` (a constant at each
 * call) is the slot's state, asserted; the legal transitions are FREE →
 * PENDING, PENDING → FREE, PENDING → DONE, DONE → FREE. */
static inline void channel_client_slot_set(struct channel_client *client,
					   struct channel_client_slot *record, uint32_t slot,
					   uint32_t tag, enum channel_slot_state from,
					   enum channel_slot_state to)
{
	uint64_t bit = UINT64_C(1) << slot;
	CHANNEL_ASSERT(
	    record == &client->slot[slot] && channel_client_slot_state(record, slot) == from &&
	    tag == channel_client_slot_tag(record, slot) +
		       (from == CHANNEL_SLOT_FREE ? CHANNEL_TAG_GENERATION : 0) &&
	    (from == CHANNEL_SLOT_PENDING
		 ? to != CHANNEL_SLOT_PENDING
		 : to == (from == CHANNEL_SLOT_FREE ? CHANNEL_SLOT_PENDING : CHANNEL_SLOT_FREE)));
	switch (to) {
	case CHANNEL_SLOT_FREE:
		/* The slot's tag stays in its word but is valid no more. */
		record->word = tag | CHANNEL_SLOT_WORD_FREE;
		if (from == CHANNEL_SLOT_DONE)
			client->done_slots &= ~bit;
		break;
	case CHANNEL_SLOT_PENDING:
		/* A new tag: the next generation (the slot's earlier tags never
		 * name it again; it wraps by itself, bit 6 is 0, so that no
		 * tag is CHANNEL_ANY). Moved on here rather than when the slot
		 * is freed: submit already holds the old one in a register. */
		record->word = tag;
		break;
	case CHANNEL_SLOT_DONE:
		record->word = tag ^ CHANNEL_SLOT_WORD_DONE;
		client->done_slots |= bit;
		break;
	}
}

/*
 * The acting part of a submit, shared by the inline and the general path:
 * take FREE slot `slot`, write `entry` (the one at our tail; the queue has
 * room), publish it and ring the server if it sleeps.
 */
static inline __attribute__((always_inline)) enum error
channel_client_publish(struct channel_client *client, const struct channel_message *request,
		       uint32_t length, uint32_t *tag, _Bool is_short,
		       struct channel_client_slot *record, uint32_t slot,
		       struct channel_shared *shared, struct channel_entry *entry)
{
	/* Our state first: the entry's bytes may alias it for the compiler,
	 * which would then reload it. `shared` is client->shared. */
	uint32_t tail = client->request_tail;
	/* FREE: the word is the last tag with bit 6 set; + 64 is the next
	 * generation's tag. */
	uint32_t word = record->word;
	uint32_t my_tag = word + CHANNEL_SLOT_WORD_FREE;
	CHANNEL_ASSERT(entry == channel_entry_at(client->requests, tail, client->mask));
	channel_client_slot_set(client, record, slot, my_tag, CHANNEL_SLOT_FREE,
				CHANNEL_SLOT_PENDING);
	client->request_tail = tail + 1;
	*tag = my_tag;
	channel_entry_write(entry, my_tag, request, length, is_short);
	/* Release: the entry's words are visible before the new tail. */
	channel_store_release(&shared->request_tail, tail + 1);
	return channel_ring_if_sleeping(&shared->server_sleeping, &client->server,
					&client->counters);
}

/* Our cached server head leaves no room in the request queue: read the
 * real one. 1: there is room now. 0: none, a head that moved backwards or
 * past our tail, or a channel that is not ACTIVE (the general path decides).
 * Assumes nothing about the server's head. */
static inline int channel_client_refresh_room(struct channel_client *client,
					      struct channel_shared *shared)
{
	uint32_t tail = client->request_tail;
	/* Acquire: the server copied the entries out before it published this
	 * head; our overwrite comes after. */
	uint32_t head = channel_load_acquire(&shared->request_head);
	if (head - client->request_head_seen > tail - client->request_head_seen ||
	    tail - head >= client->open_depth)
		return 0;
	client->request_head_seen = head;
	client->request_limit = head + client->open_depth;
	return 1;
}

/* A free reply slot of `link` (one exists: room > 0 means fewer than depth
 * are taken), when the one at the request's position is taken (cold, in
 * channel_server.c). */
CHANNEL_COLD uint32_t channel_link_free_slot(const struct channel_link *link);

/* Hand a request, checked and copied in, to the server: reply slot
 * `record` (link->reply_slot[slot], passed in: the copies may alias it for
 * the compiler; free, room was checked), whose handle `handle` turns odd
 * and takes the request's tag (the last one's, left in its high half,
 * goes). */
static inline __attribute__((always_inline)) void
channel_link_accept_in(struct channel_link *link, struct channel_message *request,
		       struct channel_reply_slot *record, uint64_t slot, uint64_t handle,
		       uint32_t room)
{
	CHANNEL_ASSERT(record == &link->reply_slot[slot] && handle == record->handle &&
		       slot < link->depth && room == link->room && room > 0 &&
		       !(handle & CHANNEL_HANDLE_GENERATION));
	/* The generation wraps in its 20 bits (the 32-bit sum drops the
	 * carry). On rv64 the new handle is stored as its two halves
	 * (little-endian, channel.h), the room store between them so that
	 * GCC does not merge them back: forming the 64-bit value costs a zero
	 * extension, a shift and an or. On x86-64 the two halves cost more. */
#if defined(__riscv)
	uint32_t low = (uint32_t)handle + (uint32_t)CHANNEL_HANDLE_GENERATION, tag = request->tag;
	__builtin_memcpy(CHANNEL_ALIGNED_TO(&record->handle, 4), &low, 4);
	__builtin_memcpy(CHANNEL_ALIGNED_TO(&request->handle, 4), &low, 4);
	link->room = room - 1;
	__builtin_memcpy(CHANNEL_ALIGNED_TO((uint8_t *)&record->handle + 4, 4), &tag, 4);
	__builtin_memcpy(CHANNEL_ALIGNED_TO((uint8_t *)&request->handle + 4, 4), &tag, 4);
#else
	handle = (uint64_t)request->tag << 32 | (uint32_t)(handle + CHANNEL_HANDLE_GENERATION);
	link->room = room - 1;
	record->handle = handle;
	request->handle = handle;
#endif
}

static inline __attribute__((always_inline)) void
channel_link_accept_at(struct channel_link *link, struct channel_message *request, uint32_t slot)
{
	channel_link_accept_in(link, request, &link->reply_slot[slot], slot,
			       link->reply_slot[slot].handle, link->room);
}

/* The request at queue position `head`'s reply slot: that position when
 * it is free (it is unless the request taken depth requests ago is still
 * unanswered), so that no bitmap search is needed; else any free one. */
static inline uint32_t channel_link_slot_for(const struct channel_link *link, uint32_t head)
{
	uint32_t slot = head & link->mask;
	if (CHANNEL_UNLIKELY(link->reply_slot[slot].handle & CHANNEL_HANDLE_GENERATION))
		return channel_link_free_slot(link);
	return slot;
}

/* Our cached client head leaves no reply room: read the real one. 1: there
 * is room now. 0: none, or a head that moved backwards or past our tail
 * (the general path reads it again and decides). Assumes nothing about the
 * client's head. */
static inline int channel_link_refresh_room(struct channel_link *link)
{
	/* Acquire: the client copied those replies out first. */
	uint32_t head = channel_load_acquire(&link->shared->response_head);
	uint32_t freed = head - link->response_head_seen;
	if (freed == 0 || freed > link->response_tail - link->response_head_seen)
		return 0;
	link->response_head_seen = head;
	link->room += freed;
	return 1;
}

/* Link `index` had its turn: the round robin goes on after it. */
static inline void channel_server_turn_taken(struct channel_server *server, uint32_t index)
{
	server->cursor[server->link[index].priority] = (index + 1) & 63u;
}

/* Post a response entry (room was reserved at take) and ring the client
 * if it said it sleeps. Returns ERR_OK (so that a caller ends with it). */
static inline __attribute__((always_inline)) enum error
channel_link_post(struct channel_link *link, uint32_t tag, const struct channel_message *reply,
		  uint32_t length, _Bool is_short)
{
	/* Our fields first: the entry's bytes may alias anything for the
	 * compiler, which would then reload them. */
	uint32_t tail = link->response_tail;
	struct channel_shared *shared = link->shared;
	struct channel_entry *entry = channel_entry_at(link->responses, tail, link->mask);
	link->response_tail = tail + 1;
	channel_entry_write(entry, tag, reply, length, is_short);
	/* Release: the entry is visible before the tail that covers it. */
	channel_store_release(&shared->response_tail, tail + 1);
	return channel_ring_if_sleeping(&shared->client_sleeping, &link->client, &link->counters);
}

/* Answer the taken request in `slot` of `link` with `reply` (checked): the
 * generation of its handle turns even (never valid again); the handle's
 * high half is the client's tag. */
static inline __attribute__((always_inline)) enum error
channel_link_answer(struct channel_link *link, uint32_t slot, const struct channel_message *reply,
		    _Bool is_short)
{
	uint64_t handle = link->reply_slot[slot].handle;
	link->reply_slot[slot].handle = handle + CHANNEL_HANDLE_GENERATION;
	return channel_link_post(link, (uint32_t)(handle >> 32), reply, reply->length, is_short);
}

#endif
