/* SPDX-License-Identifier: MIT */
/*
 * User-mode interrupts: receivers, sender tables, the lock-free send, the
 * sleep/wake race, delivery and uret (core/uintr.h, docs/uintr.md).
 *
 * Memory order: every access to the pending word and the state word is
 * sequentially consistent. The sender does "OR the bit; load the state",
 * the sleeper "store SLEEPING; load the bits", the switch-in "store
 * RUNNING; load the bits (at delivery)": the store-buffer pattern, in which
 * seq_cst forbids both loads missing the other side's store. An entry's
 * receiver pointer is published with release after its vector, emptied and
 * loaded by the send with seq_cst (the grace period's own store-buffer
 * pattern, see quiesce).
 */
#include "uintr.h"

#include "compiler.h"
#include "port.h"

#define STATE_MASK 0xffull
#define HART_SHIFT 8

/*
 * Per hart, the send sequence: odd while that hart is inside uintr_send.
 * The grace period (quiesce) waits until each hart that was inside a send
 * has left it; a hart runs one send at a time, so a counter suffices.
 */
static _Atomic uint64_t send_seq[CONFIG_MAX_HARTS];
/* Per hart, the receiver whose thread is current there (kernel lock). */
static struct uintr_receiver *running[CONFIG_MAX_HARTS];

/* [from][to]: the transitions of docs/uintr.md. */
static const bool transition[UINTR_RX_STATE_COUNT][UINTR_RX_STATE_COUNT] = {
	[UINTR_RX_FREE] = { [UINTR_RX_IDLE] = true },
	[UINTR_RX_IDLE] = { [UINTR_RX_FREE] = true, [UINTR_RX_RUNNING] = true },
	[UINTR_RX_RUNNING] = { [UINTR_RX_FREE] = true,
			       [UINTR_RX_IDLE] = true,
			       [UINTR_RX_SLEEPING] = true },
	[UINTR_RX_SLEEPING] = { [UINTR_RX_FREE] = true,
				[UINTR_RX_IDLE] = true,
				[UINTR_RX_RUNNING] = true,
				[UINTR_RX_WAKING] = true },
	[UINTR_RX_WAKING] = { [UINTR_RX_FREE] = true,
			      [UINTR_RX_IDLE] = true,
			      [UINTR_RX_RUNNING] = true },
};

bool uintr_transition_ok(enum uintr_rx_state from, enum uintr_rx_state to)
{
	return (unsigned)from < UINTR_RX_STATE_COUNT && (unsigned)to < UINTR_RX_STATE_COUNT &&
	       transition[from][to];
}

static uint64_t state_word(enum uintr_rx_state state, unsigned hart)
{
	return (uint64_t)state | (uint64_t)hart << HART_SHIFT;
}

static enum uintr_rx_state word_state(uint64_t word)
{
	return (enum uintr_rx_state)(word & STATE_MASK);
}

/*
 * The one state change: from the exact word `old` to `to` (with `hart` in
 * the word when `to` is RUNNING). A compare-and-swap, because a sender may
 * move SLEEPING to WAKING at any moment; false when the word was not `old`
 * any more (nothing changed). Asserts the transition is in the table.
 */
static bool rx_transition(struct uintr_receiver *r, uint64_t old, enum uintr_rx_state to,
			  unsigned hart)
{
	CORE_ASSERT(uintr_transition_ok(word_state(old), to));
	uint64_t new = state_word(to, to == UINTR_RX_RUNNING ? hart : 0);
	return atomic_compare_exchange_strong(&r->status, &old, new);
}

/* Under the lock, for a change no sender can race (it never leaves a
 * SLEEPING state a sender could claim): must succeed. */
static void rx_move(struct uintr_receiver *r, enum uintr_rx_state to, unsigned hart)
{
	/* Relaxed: a word no sender changes (and the swap, seq_cst, fails
	 * on any other). */
	bool done =
	    rx_transition(r, atomic_load_explicit(&r->status, memory_order_relaxed), to, hart);
	CORE_ASSERT(done);
}

/* The hart r's thread is current on, or UINTR_NO_HART. */
static unsigned on_hart(const struct uintr_receiver *r)
{
	return r->current_on1 == 0 ? UINTR_NO_HART : r->current_on1 - 1u;
}

enum uintr_rx_state uintr_receiver_state(const struct uintr_receiver *r)
{
	return word_state(atomic_load(&((struct uintr_receiver *)r)->status));
}

enum uintr_rx_state uintr_receiver_state_relaxed(const struct uintr_receiver *r)
{
	return word_state(
	    atomic_load_explicit(&((struct uintr_receiver *)r)->status, memory_order_relaxed));
}

unsigned uintr_receiver_hart(const struct uintr_receiver *r)
{
	uint64_t word = atomic_load(&((struct uintr_receiver *)r)->status);
	return word_state(word) == UINTR_RX_RUNNING ? (unsigned)(word >> HART_SHIFT)
						    : UINTR_NO_HART;
}

struct uintr_receiver *uintr_running_on(unsigned hart)
{
	CORE_ASSERT(hart < CONFIG_MAX_HARTS);
	return running[hart];
}

void uintr_reset_harts(void)
{
	for (unsigned h = 0; h < CONFIG_MAX_HARTS; h++)
		running[h] = NULL;
}

/*
 * Wait until no send that started before this call is still running. The
 * caller emptied entries first. Emptying (a seq_cst store) then reading a
 * hart's sequence here, against the send's sequence increment then its
 * seq_cst load of the entry: one of the two sees the other, so a send this
 * loop does not wait for finds the entry empty.
 */
static void quiesce(void)
{
	for (unsigned h = 0; h < CONFIG_MAX_HARTS; h++) {
		uint64_t seq = atomic_load(&send_seq[h]);
		if (seq & 1)
			while (atomic_load(&send_seq[h]) == seq)
				;
	}
}

/* Assumes r's memory is a receiver or zeroed; owner a thread. */
enum error uintr_receiver_register(struct uintr_receiver *r, void *owner)
{
	CORE_ASSERT(owner != NULL);
	if (uintr_receiver_state(r) != UINTR_RX_FREE)
		return ERR_ILLEGAL_OPERATION;
	atomic_store(&r->pending, 0);
	r->owner = owner;
	r->current_on1 = 0;
	r->senders = 0;
	for (unsigned v = 0; v < UINTR_VECTORS; v++)
		r->sender[v] = NULL;
	r->regs = (struct uintr_regs){ .uie = 1 };
	rx_move(r, UINTR_RX_IDLE, 0);
	return ERR_OK;
}

/* Empty entry e (naming r); the vector is free at r again. */
static void entry_clear(struct uintr_sender_entry *e, struct uintr_receiver *r)
{
	unsigned v = atomic_load_explicit(&e->vector, memory_order_relaxed);
	r->sender[v] = NULL;
	r->senders--;
	/* seq_cst, against the send's seq_cst load: see quiesce. */
	atomic_store(&e->receiver, NULL);
}

enum uintr_rx_state uintr_receiver_unregister(struct uintr_receiver *r)
{
	enum uintr_rx_state was = uintr_receiver_state(r);
	CORE_ASSERT(was != UINTR_RX_FREE && on_hart(r) == UINTR_NO_HART);
	for (unsigned v = 0; v < UINTR_VECTORS; v++)
		if (r->sender[v] != NULL)
			entry_clear(r->sender[v], r);
	quiesce();
	/* No sender can reach r now; a WAKING r stays claimed by the caller. */
	rx_move(r, UINTR_RX_FREE, 0);
	r->owner = NULL;
	return was;
}

/* Assumes memory holds uintr_table_bytes(entries) bytes. Untrusted: entries. */
enum error uintr_table_init(void *memory, uint64_t entries)
{
	if (entries == 0 || entries > UINTR_TABLE_MAX_ENTRIES)
		return ERR_RANGE;
	struct uintr_sender_table *t = memory;
	t->size = (uint32_t)entries;
	t->reserved = 0;
	t->owner = NULL;
	for (uint32_t i = 0; i < t->size; i++) {
		atomic_store_explicit(&t->entry[i].receiver, NULL, memory_order_relaxed);
		atomic_store_explicit(&t->entry[i].vector, 0, memory_order_relaxed);
		t->entry[i].index = i;
	}
	return ERR_OK;
}

/* Assumes t is a table and r a receiver or FREE memory. Untrusted: index, vector. */
enum error uintr_sender_register(struct uintr_sender_table *t, uint64_t index,
				 struct uintr_receiver *r, uint64_t vector, unsigned *vector_out)
{
	if (index >= t->size || vector > UINTR_ANY_VECTOR)
		return ERR_RANGE;
	struct uintr_sender_entry *e = &t->entry[index];
	if (atomic_load_explicit(&e->receiver, memory_order_relaxed) != NULL)
		return ERR_DELETE_FIRST;
	if (uintr_receiver_state(r) == UINTR_RX_FREE)
		return ERR_ILLEGAL_OPERATION;
	unsigned v = (unsigned)vector;
	if (vector == UINTR_ANY_VECTOR) {
		for (v = 0; v < UINTR_VECTORS && r->sender[v] != NULL; v++)
			;
		if (v == UINTR_VECTORS)
			return ERR_NOT_ENOUGH_MEMORY;
	} else if (r->sender[v] != NULL) {
		return ERR_ILLEGAL_OPERATION;
	}
	r->sender[v] = e;
	r->senders++;
	atomic_store_explicit(&e->vector, v, memory_order_relaxed);
	atomic_store_explicit(&e->receiver, r, memory_order_release);
	*vector_out = v;
	return ERR_OK;
}

/* Assumes t is a table. Untrusted: index. */
enum error uintr_sender_unregister(struct uintr_sender_table *t, uint64_t index)
{
	if (index >= t->size)
		return ERR_RANGE;
	struct uintr_sender_entry *e = &t->entry[index];
	struct uintr_receiver *r = atomic_load_explicit(&e->receiver, memory_order_relaxed);
	if (r == NULL)
		return ERR_FAILED_LOOKUP;
	entry_clear(e, r);
	return ERR_OK;
}

void uintr_table_destroy(struct uintr_sender_table *t)
{
	for (uint32_t i = 0; i < t->size; i++) {
		struct uintr_sender_entry *e = &t->entry[i];
		struct uintr_receiver *r = atomic_load_explicit(&e->receiver, memory_order_relaxed);
		if (r != NULL)
			entry_clear(e, r);
	}
	quiesce();
}

/* What to do after the bit is set, by the state the sender then reads. */
static struct uintr_send_result notify(struct uintr_receiver *r, unsigned hart)
{
	for (;;) {
		uint64_t word = atomic_load(&r->status);
		switch (word_state(word)) {
		case UINTR_RX_RUNNING: {
			unsigned on = (unsigned)(word >> HART_SHIFT);
			if (on == hart)
				return (struct uintr_send_result){ ERR_OK, UINTR_SEND_NONE, on };
			port_uintr_ipi(on);
			return (struct uintr_send_result){ ERR_OK, UINTR_SEND_IPI, on };
		}
		case UINTR_RX_SLEEPING:
			/* Several senders may race: one wins and wakes; a loser
			 * looks again and finds WAKING (or what followed). */
			if (rx_transition(r, word, UINTR_RX_WAKING, 0)) {
				port_uintr_wake(r);
				return (struct uintr_send_result){ ERR_OK, UINTR_SEND_WOKEN,
								   UINTR_NO_HART };
			}
			continue;
		case UINTR_RX_FREE:
		case UINTR_RX_IDLE:
		case UINTR_RX_WAKING: break;
		}
		return (struct uintr_send_result){ ERR_OK, UINTR_SEND_PENDING, UINTR_NO_HART };
	}
}

/* Assumes t is the caller's table, hart the calling hart. Untrusted: index. */
struct uintr_send_result uintr_send(struct uintr_sender_table *t, uint64_t index, unsigned hart)
{
	CORE_ASSERT(hart < CONFIG_MAX_HARTS);
	struct uintr_send_result result = { ERR_RANGE, UINTR_SEND_PENDING, UINTR_NO_HART };
	if (index >= t->size)
		return result;
	atomic_fetch_add(&send_seq[hart], 1);
	struct uintr_sender_entry *e = &t->entry[index];
	struct uintr_receiver *r = atomic_load(&e->receiver);
	if (r == NULL) {
		result.err = ERR_FAILED_LOOKUP;
	} else {
		unsigned v = atomic_load_explicit(&e->vector, memory_order_relaxed);
		atomic_fetch_or(&r->pending, 1ull << v);
		result = notify(r, hart);
	}
	atomic_fetch_add(&send_seq[hart], 1);
	return result;
}

/* Assumes r is a receiver, hart the calling hart. Untrusted: bits (any). */
struct uintr_send_result uintr_post(struct uintr_receiver *r, uint64_t bits, unsigned hart)
{
	CORE_ASSERT(hart < CONFIG_MAX_HARTS);
	if (bits == 0)
		return (struct uintr_send_result){ ERR_OK, UINTR_SEND_PENDING, UINTR_NO_HART };
	atomic_fetch_or(&r->pending, bits);
	return notify(r, hart);
}

uint64_t uintr_read(struct uintr_receiver *r)
{
	return atomic_exchange(&r->pending, 0);
}

void uintr_write(struct uintr_receiver *r, uint64_t bits)
{
	atomic_fetch_or(&r->pending, bits);
}

/* Assumes r IDLE, hart < CONFIG_MAX_HARTS with no receiver current there. */
void uintr_switch_in(struct uintr_receiver *r, unsigned hart)
{
	CORE_ASSERT(hart < CONFIG_MAX_HARTS && running[hart] == NULL);
	CORE_ASSERT(on_hart(r) == UINTR_NO_HART && uintr_receiver_state(r) == UINTR_RX_IDLE);
	rx_move(r, UINTR_RX_RUNNING, hart);
	r->current_on1 = (uint8_t)(hart + 1);
	running[hart] = r;
}

/* Assumes r current on its hart. */
void uintr_switch_out(struct uintr_receiver *r)
{
	unsigned hart = on_hart(r);
	CORE_ASSERT(hart < CONFIG_MAX_HARTS && running[hart] == r);
	running[hart] = NULL;
	r->current_on1 = 0;
	/* No sender changes a RUNNING word: relaxed (docs/uintr.md). */
	if (uintr_receiver_state_relaxed(r) == UINTR_RX_RUNNING)
		rx_move(r, UINTR_RX_IDLE, 0);
}

/* Assumes r RUNNING (its thread makes the call). */
enum uintr_wait_result uintr_wait_begin(struct uintr_receiver *r)
{
	/* Relaxed: no sender changes a RUNNING word. The swap to SLEEPING
	 * and the load of the bits stay seq_cst: the store-buffer pattern
	 * against a sender's fetch_or then load (above). */
	uint64_t word = atomic_load_explicit(&r->status, memory_order_relaxed);
	unsigned hart = (unsigned)(word >> HART_SHIFT);
	CORE_ASSERT(word_state(word) == UINTR_RX_RUNNING);
	bool done = rx_transition(r, word, UINTR_RX_SLEEPING, 0);
	CORE_ASSERT(done);
	(void)done;
	if (atomic_load(&r->pending) == 0)
		return UINTR_WAIT_BLOCK;
	/* Bits came first: stay. A sender may claim the sleep (SLEEPING ->
	 * WAKING, once) at any moment, failing one swap; its wake-up then finds
	 * RUNNING and does nothing. */
	while (!rx_transition(r, atomic_load(&r->status), UINTR_RX_RUNNING, hart))
		continue;
	return UINTR_WAIT_READY;
}

/* Assumes r SLEEPING or WAKING, its thread not current. */
bool uintr_wait_cancel(struct uintr_receiver *r)
{
	uint64_t word = atomic_load(&r->status);
	CORE_ASSERT(word_state(word) == UINTR_RX_SLEEPING || word_state(word) == UINTR_RX_WAKING);
	CORE_ASSERT(on_hart(r) == UINTR_NO_HART);
	/* A sender may claim the sleep between the load and the swap: again. */
	while (!rx_transition(r, word, UINTR_RX_IDLE, 0))
		word = atomic_load(&r->status);
	return word_state(word) == UINTR_RX_WAKING;
}

/* Assumes r a receiver; WAKING only while its thread is not current. */
bool uintr_wake_complete(struct uintr_receiver *r)
{
	if (uintr_receiver_state(r) != UINTR_RX_WAKING)
		return false;
	CORE_ASSERT(on_hart(r) == UINTR_NO_HART);
	rx_move(r, UINTR_RX_IDLE, 0);
	return true;
}

/* Assumes r a receiver, hart < CONFIG_MAX_HARTS. */
bool uintr_claim_sleeper(struct uintr_receiver *r, unsigned hart)
{
	CORE_ASSERT(hart < CONFIG_MAX_HARTS && running[hart] == NULL);
	CORE_ASSERT(on_hart(r) == UINTR_NO_HART);
	/* One swap against the senders: the word must still be exactly
	 * SLEEPING (a sender's SLEEPING -> WAKING wins otherwise). */
	if (!rx_transition(r, state_word(UINTR_RX_SLEEPING, 0), UINTR_RX_RUNNING, hart))
		return false;
	r->current_on1 = (uint8_t)(hart + 1);
	running[hart] = r;
	return true;
}

/* Assumes r a receiver. Untrusted: utvec, uscratch. */
enum error uintr_set_handler(struct uintr_receiver *r, uint64_t utvec, uint64_t uscratch)
{
	if ((utvec & UINTR_UTVEC_MODE_MASK) > 1)
		return ERR_INVALID_ARGUMENT;
	r->regs.utvec = utvec;
	r->regs.uscratch = uscratch;
	return ERR_OK;
}

void uintr_set_enabled(struct uintr_receiver *r, bool enabled)
{
	r->regs.enabled = enabled;
}

const struct uintr_regs *uintr_regs(const struct uintr_receiver *r)
{
	return &r->regs;
}

/* Assumes r RUNNING on the calling hart. */
bool uintr_deliver(struct uintr_receiver *r, uint64_t *pc)
{
	CORE_ASSERT(uintr_receiver_state(r) == UINTR_RX_RUNNING);
	if (!r->regs.enabled || !r->regs.uie || atomic_load(&r->pending) == 0)
		return false;
	r->regs.uepc = *pc;
	r->regs.ucause = UINTR_CAUSE_USI;
	r->regs.upie = 1;
	r->regs.uie = 0;
	/* Cause 0: the vectored entry is the base too. */
	*pc = r->regs.utvec & ~UINTR_UTVEC_MODE_MASK;
	return true;
}

/* Assumes r RUNNING on the calling hart. */
bool uintr_uret(struct uintr_receiver *r, uint64_t *pc)
{
	r->regs.uie = r->regs.upie;
	r->regs.upie = 1;
	*pc = r->regs.uepc;
	return uintr_deliver(r, pc);
}

static const char *check_state(const struct uintr_receiver *r)
{
	uint64_t word = atomic_load(&((struct uintr_receiver *)r)->status);
	enum uintr_rx_state state = word_state(word);
	unsigned hart = (unsigned)(word >> HART_SHIFT);
	if ((unsigned)state >= UINTR_RX_STATE_COUNT)
		return "state out of range";
	if (state == UINTR_RX_RUNNING ? hart != on_hart(r) : hart != 0)
		return "state word's hart is not where the thread is current";
	if (on_hart(r) != UINTR_NO_HART &&
	    (on_hart(r) >= CONFIG_MAX_HARTS || running[on_hart(r)] != r))
		return "current on a hart that does not know it";
	if (state == UINTR_RX_IDLE && on_hart(r) != UINTR_NO_HART)
		return "IDLE but current on a hart";
	if (state == UINTR_RX_FREE && (on_hart(r) != UINTR_NO_HART || r->senders != 0))
		return "FREE but current or with senders";
	return NULL;
}

const char *uintr_check_invariants(const struct uintr_receiver *r)
{
	const char *why = check_state(r);
	if (why != NULL)
		return why;
	unsigned count = 0;
	for (unsigned v = 0; v < UINTR_VECTORS; v++) {
		struct uintr_sender_entry *e = r->sender[v];
		if (e == NULL)
			continue;
		count++;
		if (atomic_load(&e->receiver) != r || atomic_load(&e->vector) != v)
			return "a vector's sender entry does not name it";
	}
	if (count != r->senders)
		return "sender count";
	if (r->regs.uie > 1 || r->regs.upie > 1 || r->regs.enabled > 1)
		return "enable bits";
	if ((r->regs.utvec & UINTR_UTVEC_MODE_MASK) > 1)
		return "utvec MODE reserved";
	for (unsigned h = 0; h < CONFIG_MAX_HARTS; h++)
		if (running[h] != NULL && on_hart(running[h]) != h)
			return "a hart's running receiver is not current there";
	return NULL;
}

const char *uintr_table_check_invariants(const struct uintr_sender_table *t)
{
	if (t->size == 0 || t->size > UINTR_TABLE_MAX_ENTRIES)
		return "size";
	for (uint32_t i = 0; i < t->size; i++) {
		const struct uintr_sender_entry *e = &t->entry[i];
		struct uintr_receiver *r = atomic_load(&((struct uintr_sender_entry *)e)->receiver);
		if (r == NULL)
			continue;
		unsigned v = atomic_load(&((struct uintr_sender_entry *)e)->vector);
		if (v >= UINTR_VECTORS || r->sender[v] != e)
			return "an entry's receiver does not own its vector for it";
		if (uintr_receiver_state(r) == UINTR_RX_FREE)
			return "an entry names a FREE receiver";
	}
	return NULL;
}
