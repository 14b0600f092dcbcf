/* SPDX-License-Identifier: MIT */
/*
 * Randomized tests of core/uintr.c.
 *
 * random_transitions: seeded sequences of every operation (register and
 * unregister receivers and senders with valid and invalid arguments, sends
 * from any hart, switches, waits, cancels, deferred wake-ups, reads, writes,
 * handlers, delivery, uret, table teardown) against a model of what each
 * must do; after every step the invariant checkers run and the model is
 * compared with the state (KESTREL_TEST_SEED replays a run, UINTR_STEPS sets
 * its length).
 *
 * senders_vs_sleeper: real threads. Three sender threads (harts 1..3) send
 * to one receiver (hart 0) without any lock while the receiver polls, is
 * switched out and in, and goes to sleep through uintr_wait_begin under a
 * "kernel lock"; the fake wake hook posts a semaphore, as the kernel's
 * deferred wake-up would run. Each sender waits for its send to be seen, so
 * a lost wake-up shows as a 5 s wait, which fails. Then the receiver is
 * unregistered while the senders keep sending: every sender must end with
 * ERR_FAILED_LOOKUP, and the receiver's memory, overwritten right after the
 * unregister returns, must not be written again (the grace period).
 * UINTR_STRESS_ROUNDS sets the sends per sender. Clean under ThreadSanitizer.
 *
 * unregister_waits_for_sends_in_flight: a send held inside its wake-up hook
 * keeps a concurrent uintr_receiver_unregister from returning until it has
 * left (the grace period, without relying on timing to find a bug).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "fake_arch.h"
#include "seed.h"
#include "uintr.h"

#define NR 4    /* receivers */
#define NT 3    /* sender tables */
#define NE 8    /* entries per table */
#define HARTS 4 /* harts used (of CONFIG_MAX_HARTS) */
#define NO (-1)

static struct uintr_receiver rx[NR];
static _Alignas(16) uint8_t table_memory[NT][1024];
static struct uintr_sender_table *tab[NT];
static int owner_word;

/* The model. */
struct model_rx {
	enum uintr_rx_state state;
	int hart; /* current on, or NO */
	uint64_t pending;
	unsigned senders;
	bool enabled, uie, upie;
	uint64_t utvec, uepc, pc;
};
static struct model_rx m[NR];
static int entry_rx[NT][NE], entry_vec[NT][NE];
static int hart_rx[HARTS];
static int wake_queue[64];
static unsigned wake_count;

static void on_wake(void *r)
{
	int i = (int)((struct uintr_receiver *)r - rx);
	assert_true(wake_count < ARRAY_LENGTH(wake_queue));
	wake_queue[wake_count++] = i;
}

static bool vector_taken(int r, unsigned v)
{
	for (int t = 0; t < NT; t++)
		for (int i = 0; i < NE; i++)
			if (entry_rx[t][i] == r && entry_vec[t][i] == (int)v)
				return true;
	return false;
}

static void drop_entries_of(int r)
{
	for (int t = 0; t < NT; t++)
		for (int i = 0; i < NE; i++)
			if (entry_rx[t][i] == r)
				entry_rx[t][i] = NO;
	m[r].senders = 0;
}

static void model_deliver(int r, uint64_t *pc)
{
	if (m[r].enabled && m[r].uie && m[r].pending != 0) {
		m[r].uepc = *pc;
		*pc = m[r].utvec & ~3ull;
		m[r].uie = false;
		m[r].upie = true;
	}
}

static void compare(struct seed_rng *rng, unsigned long step)
{
	for (int r = 0; r < NR; r++) {
		const char *why = uintr_check_invariants(&rx[r]);
		if (why != NULL)
			fail_msg("step %lu receiver %d: %s (seed %" PRIu64 ")", step, r, why,
				 rng->seed);
		seed_check(rng, step, uintr_receiver_state(&rx[r]) == m[r].state);
		seed_check(rng, step, atomic_load(&rx[r].pending) == m[r].pending);
		seed_check(rng, step, rx[r].senders == m[r].senders);
		unsigned hart =
		    m[r].state == UINTR_RX_RUNNING ? (unsigned)m[r].hart : UINTR_NO_HART;
		seed_check(rng, step, uintr_receiver_hart(&rx[r]) == hart);
		if (m[r].state == UINTR_RX_FREE)
			continue;
		const struct uintr_regs *regs = uintr_regs(&rx[r]);
		seed_check(rng, step, regs->enabled == m[r].enabled && regs->uie == m[r].uie);
		seed_check(rng, step, regs->upie == m[r].upie && regs->utvec == m[r].utvec);
		seed_check(rng, step, regs->uepc == m[r].uepc);
	}
	for (int t = 0; t < NT; t++) {
		const char *why = uintr_table_check_invariants(tab[t]);
		if (why != NULL)
			fail_msg("step %lu table %d: %s (seed %" PRIu64 ")", step, t, why,
				 rng->seed);
		for (int i = 0; i < NE; i++) {
			struct uintr_receiver *got = atomic_load(&tab[t]->entry[i].receiver);
			seed_check(rng, step,
				   got == (entry_rx[t][i] == NO ? NULL : &rx[entry_rx[t][i]]));
		}
	}
	for (int h = 0; h < HARTS; h++)
		seed_check(rng, step,
			   uintr_running_on((unsigned)h) ==
			       (hart_rx[h] == NO ? NULL : &rx[hart_rx[h]]));
}

static void reset_world(void)
{
	fake_arch_reset();
	uintr_reset_harts();
	memset(rx, 0, sizeof rx);
	memset(m, 0, sizeof m);
	for (int r = 0; r < NR; r++)
		m[r].hart = NO;
	for (int t = 0; t < NT; t++) {
		assert_int_equal(uintr_table_init(table_memory[t], NE), ERR_OK);
		tab[t] = (struct uintr_sender_table *)table_memory[t];
		for (int i = 0; i < NE; i++)
			entry_rx[t][i] = NO;
	}
	for (int h = 0; h < HARTS; h++)
		hart_rx[h] = NO;
	wake_count = 0;
	fake_arch.on_uintr_wake = on_wake;
}

static void step_send(struct seed_rng *rng, unsigned long step)
{
	int t = (int)seed_below(rng, NT);
	uint64_t index = seed_below(rng, NE + 2);
	unsigned hart = (unsigned)seed_below(rng, HARTS);
	unsigned ipis = fake_arch.uintr_ipi_calls;
	struct uintr_send_result s = uintr_send(tab[t], index, hart);
	if (index >= NE) {
		seed_check(rng, step, s.err == ERR_RANGE);
		return;
	}
	int r = entry_rx[t][index];
	if (r == NO) {
		seed_check(rng, step, s.err == ERR_FAILED_LOOKUP);
		return;
	}
	seed_check(rng, step, s.err == ERR_OK);
	m[r].pending |= 1ull << entry_vec[t][index];
	switch (m[r].state) {
	case UINTR_RX_RUNNING:
		if (m[r].hart == (int)hart) {
			seed_check(rng, step, s.action == UINTR_SEND_NONE);
		} else {
			seed_check(rng, step,
				   s.action == UINTR_SEND_IPI && s.hart == (unsigned)m[r].hart);
			seed_check(rng, step, fake_arch.uintr_ipi_calls == ipis + 1);
		}
		break;
	case UINTR_RX_SLEEPING:
		seed_check(rng, step, s.action == UINTR_SEND_WOKEN);
		m[r].state = UINTR_RX_WAKING;
		break;
	case UINTR_RX_FREE:
	case UINTR_RX_IDLE:
	case UINTR_RX_WAKING: seed_check(rng, step, s.action == UINTR_SEND_PENDING); break;
	}
}

static void step_register_sender(struct seed_rng *rng, unsigned long step)
{
	int t = (int)seed_below(rng, NT);
	uint64_t index = seed_below(rng, NE + 2);
	int r = (int)seed_below(rng, NR);
	uint64_t vector = seed_below(rng, 4) == 0 ? UINTR_ANY_VECTOR : seed_below(rng, 66);
	unsigned got = 999;
	enum error err = uintr_sender_register(tab[t], index, &rx[r], vector, &got);
	enum error want = ERR_OK;
	unsigned v = (unsigned)vector;
	if (index >= NE || vector > UINTR_ANY_VECTOR) {
		want = ERR_RANGE;
	} else if (entry_rx[t][index] != NO) {
		want = ERR_DELETE_FIRST;
	} else if (m[r].state == UINTR_RX_FREE) {
		want = ERR_ILLEGAL_OPERATION;
	} else if (vector == UINTR_ANY_VECTOR) {
		for (v = 0; v < UINTR_VECTORS && vector_taken(r, v); v++)
			;
		if (v == UINTR_VECTORS)
			want = ERR_NOT_ENOUGH_MEMORY;
	} else if (vector_taken(r, v)) {
		want = ERR_ILLEGAL_OPERATION;
	}
	seed_check(rng, step, err == want);
	if (err != ERR_OK) {
		seed_check(rng, step, got == 999);
		return;
	}
	seed_check(rng, step, got == v);
	entry_rx[t][index] = r;
	entry_vec[t][index] = (int)v;
	m[r].senders++;
}

static void step_wait(struct seed_rng *rng, unsigned long step, int r)
{
	if (m[r].state != UINTR_RX_RUNNING)
		return;
	enum uintr_wait_result w = uintr_wait_begin(&rx[r]);
	if (m[r].pending != 0) {
		seed_check(rng, step, w == UINTR_WAIT_READY);
		return;
	}
	seed_check(rng, step, w == UINTR_WAIT_BLOCK);
	/* The kernel blocks the sleeper in the same locked step. */
	uintr_switch_out(&rx[r]);
	hart_rx[m[r].hart] = NO;
	m[r].hart = NO;
	m[r].state = UINTR_RX_SLEEPING;
}

static void one_step(struct seed_rng *rng, unsigned long step)
{
	int r = (int)seed_below(rng, NR);
	switch (seed_below(rng, 17)) {
	case 0: {
		enum error err = uintr_receiver_register(&rx[r], &owner_word);
		seed_check(rng, step,
			   err == (m[r].state == UINTR_RX_FREE ? ERR_OK : ERR_ILLEGAL_OPERATION));
		if (err == ERR_OK)
			m[r] = (struct model_rx){ .state = UINTR_RX_IDLE, .hart = NO, .uie = true };
		break;
	}
	case 1:
		if (m[r].state == UINTR_RX_FREE || m[r].hart != NO)
			break;
		seed_check(rng, step, uintr_receiver_unregister(&rx[r]) == m[r].state);
		m[r].state = UINTR_RX_FREE;
		drop_entries_of(r);
		/* The kernel drops the wake-ups it queued for r. */
		for (unsigned i = 0; i < wake_count; i++)
			if (wake_queue[i] == r)
				wake_queue[i] = NO;
		break;
	case 2:
	case 3: step_register_sender(rng, step); break;
	case 4: {
		int t = (int)seed_below(rng, NT);
		uint64_t index = seed_below(rng, NE + 1);
		enum error err = uintr_sender_unregister(tab[t], index);
		if (index >= NE) {
			seed_check(rng, step, err == ERR_RANGE);
		} else if (entry_rx[t][index] == NO) {
			seed_check(rng, step, err == ERR_FAILED_LOOKUP);
		} else {
			seed_check(rng, step, err == ERR_OK);
			m[entry_rx[t][index]].senders--;
			entry_rx[t][index] = NO;
		}
		break;
	}
	case 5:
	case 6:
	case 7: step_send(rng, step); break;
	case 8: {
		int h = (int)seed_below(rng, HARTS);
		if (m[r].state != UINTR_RX_IDLE || hart_rx[h] != NO)
			break;
		uintr_switch_in(&rx[r], (unsigned)h);
		m[r].state = UINTR_RX_RUNNING;
		m[r].hart = h;
		hart_rx[h] = r;
		break;
	}
	case 9:
		if (m[r].hart == NO)
			break;
		uintr_switch_out(&rx[r]);
		hart_rx[m[r].hart] = NO;
		m[r].hart = NO;
		m[r].state = UINTR_RX_IDLE;
		break;
	case 10: step_wait(rng, step, r); break;
	case 11:
		if (m[r].state != UINTR_RX_SLEEPING && m[r].state != UINTR_RX_WAKING)
			break;
		seed_check(rng, step, uintr_wait_cancel(&rx[r]) == (m[r].state == UINTR_RX_WAKING));
		m[r].state = UINTR_RX_IDLE;
		break;
	case 12: {
		/* The kernel drains its wake-up queue, oldest first. */
		if (wake_count == 0)
			break;
		int w = wake_queue[0];
		memmove(wake_queue, wake_queue + 1, --wake_count * sizeof wake_queue[0]);
		if (w == NO)
			break;
		bool woke = uintr_wake_complete(&rx[w]);
		seed_check(rng, step, woke == (m[w].state == UINTR_RX_WAKING));
		if (woke)
			m[w].state = UINTR_RX_IDLE;
		break;
	}
	case 13:
		if (m[r].state == UINTR_RX_FREE)
			break;
		if (seed_below(rng, 2)) {
			seed_check(rng, step, uintr_read(&rx[r]) == m[r].pending);
			m[r].pending = 0;
		} else {
			uint64_t bits = 1ull << seed_below(rng, 64);
			uintr_write(&rx[r], bits);
			m[r].pending |= bits;
		}
		break;
	case 14: {
		if (m[r].state == UINTR_RX_FREE)
			break;
		uint64_t utvec = 0x10000 + seed_below(rng, 16) * 0x100 + seed_below(rng, 4);
		enum error err = uintr_set_handler(&rx[r], utvec, step);
		seed_check(rng, step, err == ((utvec & 3) > 1 ? ERR_INVALID_ARGUMENT : ERR_OK));
		if (err == ERR_OK)
			m[r].utvec = utvec;
		bool on = seed_below(rng, 4) != 0;
		uintr_set_enabled(&rx[r], on);
		m[r].enabled = on;
		break;
	}
	case 15: {
		if (m[r].state != UINTR_RX_RUNNING)
			break;
		uint64_t pc = m[r].pc, want = pc;
		bool uret = seed_below(rng, 2);
		bool took = uret ? uintr_uret(&rx[r], &pc) : uintr_deliver(&rx[r], &pc);
		if (uret) {
			m[r].uie = m[r].upie;
			m[r].upie = true;
			want = m[r].uepc;
		}
		bool expect_take = m[r].enabled && m[r].uie && m[r].pending != 0;
		model_deliver(r, &want);
		seed_check(rng, step, took == expect_take);
		seed_check(rng, step, pc == want);
		m[r].pc = pc + 4 * seed_below(rng, 8);
		break;
	}
	case 16: {
		int t = (int)seed_below(rng, NT);
		uintr_table_destroy(tab[t]);
		for (int i = 0; i < NE; i++) {
			if (entry_rx[t][i] != NO)
				m[entry_rx[t][i]].senders--;
			entry_rx[t][i] = NO;
		}
		break;
	}
	}
}

static unsigned long env_number(const char *name, unsigned long fallback)
{
	const char *text = getenv(name);
	return text != NULL ? strtoul(text, NULL, 10) : fallback;
}

static void random_transitions(void **state)
{
	(void)state;
	struct seed_rng rng = seed_from_env("random_transitions");
	unsigned long steps = env_number("UINTR_STEPS", 200000);
	reset_world();
	for (unsigned long step = 0; step < steps; step++) {
		one_step(&rng, step);
		compare(&rng, step);
	}
}

/* --- Threads ----------------------------------------------------------- */

#define SENDERS 3
#define WAIT_NS 5000000000ll

static pthread_mutex_t kernel_lock = PTHREAD_MUTEX_INITIALIZER;
static sem_t wake_sem;
static _Alignas(16) uint8_t stress_tables[SENDERS][64];
static struct uintr_receiver stress_rx;
static _Atomic uint64_t seen[SENDERS];
static _Atomic int phase; /* 0: ping-pong; 1: teardown */
static const char *_Atomic failure;
static unsigned long rounds;

static void stress_wake(void *r)
{
	(void)r;
	sem_post(&wake_sem);
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void *sender_main(void *arg)
{
	unsigned s = (unsigned)(uintptr_t)arg;
	struct uintr_sender_table *t = (struct uintr_sender_table *)stress_tables[s];
	for (uint64_t k = 1; k <= rounds && failure == NULL; k++) {
		struct uintr_send_result res = uintr_send(t, 0, s + 1);
		if (res.err != ERR_OK) {
			failure = "a send failed while the receiver lived";
			break;
		}
		/* Wait until the receiver has seen this send. */
		int64_t deadline = now_ns() + WAIT_NS;
		while (atomic_load(&seen[s]) < k && failure == NULL) {
			if (now_ns() > deadline) {
				failure = "lost wake-up: a send was not seen in 5 s";
				break;
			}
			sched_yield();
		}
	}
	/* Teardown: send until the entry is gone. */
	while (atomic_load(&phase) == 0 && failure == NULL)
		sched_yield();
	for (;;) {
		struct uintr_send_result res = uintr_send(t, 0, s + 1);
		if (res.err == ERR_FAILED_LOOKUP)
			break;
		if (res.err != ERR_OK) {
			failure = "teardown: an error other than ERR_FAILED_LOOKUP";
			break;
		}
	}
	return NULL;
}

/* The kernel on hart 0 for the receiver's thread: sleep until woken. */
static bool receiver_sleep(void)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += WAIT_NS / 1000000000;
	for (;;) {
		while (sem_timedwait(&wake_sem, &until) != 0)
			if (errno != EINTR)
				return false;
		pthread_mutex_lock(&kernel_lock);
		bool woke = uintr_wake_complete(&stress_rx);
		pthread_mutex_unlock(&kernel_lock);
		if (woke)
			return true;
		/* A stale wake-up (its sleep ended early with bits pending). */
	}
}

static void senders_vs_sleeper(void **state)
{
	(void)state;
	struct seed_rng rng = seed_from_env("senders_vs_sleeper");
	rounds = env_number("UINTR_STRESS_ROUNDS", 20000);
	fake_arch_reset();
	uintr_reset_harts();
	memset(&stress_rx, 0, sizeof stress_rx);
	atomic_store(&phase, 0);
	failure = NULL;
	assert_int_equal(sem_init(&wake_sem, 0, 0), 0);
	fake_arch.on_uintr_wake = stress_wake;
	assert_int_equal(uintr_receiver_register(&stress_rx, &owner_word), ERR_OK);
	for (unsigned s = 0; s < SENDERS; s++) {
		atomic_store(&seen[s], 0);
		assert_true(uintr_table_bytes(1) <= sizeof stress_tables[s]);
		assert_int_equal(uintr_table_init(stress_tables[s], 1), ERR_OK);
		unsigned got;
		assert_int_equal(
		    uintr_sender_register((struct uintr_sender_table *)stress_tables[s], 0,
					  &stress_rx, s, &got),
		    ERR_OK);
	}
	pthread_t thread[SENDERS];
	for (unsigned s = 0; s < SENDERS; s++)
		assert_int_equal(
		    pthread_create(&thread[s], NULL, sender_main, (void *)(uintptr_t)s), 0);

	unsigned long sleeps = 0;
	uint64_t total = 0;
	while (total < SENDERS * rounds && failure == NULL) {
		pthread_mutex_lock(&kernel_lock);
		uintr_switch_in(&stress_rx, 0);
		pthread_mutex_unlock(&kernel_lock);
		/* Run: poll a random while, then sleep (or be switched out). */
		unsigned polls = (unsigned)seed_below(&rng, 256);
		for (unsigned i = 0;; i++) {
			uint64_t bits = uintr_read(&stress_rx);
			for (unsigned s = 0; s < SENDERS; s++)
				if (bits & (1ull << s)) {
					atomic_fetch_add(&seen[s], 1);
					total++;
				}
			if (bits == 0 && i >= polls)
				break;
		}
		pthread_mutex_lock(&kernel_lock);
		if (total == SENDERS * rounds || seed_below(&rng, 4) == 0) {
			uintr_switch_out(&stress_rx); /* preempted */
			pthread_mutex_unlock(&kernel_lock);
			continue;
		}
		enum uintr_wait_result w = uintr_wait_begin(&stress_rx);
		if (w == UINTR_WAIT_READY) {
			uintr_switch_out(&stress_rx);
			pthread_mutex_unlock(&kernel_lock);
			continue;
		}
		uintr_switch_out(&stress_rx);
		pthread_mutex_unlock(&kernel_lock);
		sleeps++;
		if (!receiver_sleep()) {
			/* The senders wait for this receiver: stop them. */
			failure = "lost wake-up: the receiver slept 5 s with bits sent";
			print_message("# state %d pending %#llx seen %llu %llu %llu total %llu\n",
				      (int)uintr_receiver_state(&stress_rx),
				      (unsigned long long)atomic_load(&stress_rx.pending),
				      (unsigned long long)seen[0], (unsigned long long)seen[1],
				      (unsigned long long)seen[2], (unsigned long long)total);
			pthread_mutex_lock(&kernel_lock);
			(void)uintr_wait_cancel(&stress_rx);
			pthread_mutex_unlock(&kernel_lock);
		}
	}
	/* Teardown under fire. */
	atomic_store(&phase, 1);
	pthread_mutex_lock(&kernel_lock);
	(void)uintr_receiver_unregister(&stress_rx);
	pthread_mutex_unlock(&kernel_lock);
	/* After the grace period nobody writes the receiver again. */
	static struct uintr_receiver poison;
	memset(&poison, 0x5a, sizeof poison);
	memcpy(&stress_rx, &poison, sizeof poison);
	for (unsigned s = 0; s < SENDERS; s++)
		assert_int_equal(pthread_join(thread[s], NULL), 0);
	if (failure != NULL)
		fail_msg("%s (seed %" PRIu64 ")", failure, rng.seed);
	assert_memory_equal(&stress_rx, &poison, sizeof poison);
	print_message("# %lu sends per sender, %lu sleeps, %u wake-ups, %u IPIs\n", rounds, sleeps,
		      fake_arch.uintr_wake_calls, fake_arch.uintr_ipi_calls);
	sem_destroy(&wake_sem);
	fake_arch.on_uintr_wake = NULL;
}

/*
 * The grace period, deterministically: a send stops inside its wake-up hook
 * (inside uintr_send) while another thread unregisters the receiver; the
 * unregister must not return before the send has left.
 */
static _Atomic int in_hook, release_hook, unregistered;
static struct uintr_receiver grace_rx;

static void blocking_wake(void *r)
{
	(void)r;
	atomic_store(&in_hook, 1);
	int64_t deadline = now_ns() + WAIT_NS;
	while (!atomic_load(&release_hook) && now_ns() < deadline)
		sched_yield();
}

static void *grace_sender(void *arg)
{
	struct uintr_send_result *res = arg;
	*res = uintr_send((struct uintr_sender_table *)stress_tables[0], 0, 1);
	return NULL;
}

static void *grace_unregister(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&kernel_lock);
	enum uintr_rx_state was = uintr_receiver_unregister(&grace_rx);
	pthread_mutex_unlock(&kernel_lock);
	atomic_store(&unregistered, 1 + (int)was);
	return NULL;
}

static void unregister_waits_for_sends_in_flight(void **state)
{
	(void)state;
	fake_arch_reset();
	uintr_reset_harts();
	memset(&grace_rx, 0, sizeof grace_rx);
	atomic_store(&in_hook, 0);
	atomic_store(&release_hook, 0);
	atomic_store(&unregistered, 0);
	fake_arch.on_uintr_wake = blocking_wake;
	assert_int_equal(uintr_receiver_register(&grace_rx, &owner_word), ERR_OK);
	assert_int_equal(uintr_table_init(stress_tables[0], 1), ERR_OK);
	unsigned got;
	assert_int_equal(uintr_sender_register((struct uintr_sender_table *)stress_tables[0], 0,
					       &grace_rx, 9, &got),
			 ERR_OK);
	uintr_switch_in(&grace_rx, 0);
	assert_int_equal(uintr_wait_begin(&grace_rx), UINTR_WAIT_BLOCK);
	uintr_switch_out(&grace_rx);

	struct uintr_send_result res;
	pthread_t sender, remover;
	assert_int_equal(pthread_create(&sender, NULL, grace_sender, &res), 0);
	while (!atomic_load(&in_hook))
		sched_yield();
	assert_int_equal(pthread_create(&remover, NULL, grace_unregister, NULL), 0);
	/* 100 ms: ample for an unregister that does not wait to return. */
	struct timespec pause = { 0, 100000000 };
	nanosleep(&pause, NULL);
	int early = atomic_load(&unregistered);
	atomic_store(&release_hook, 1);
	assert_int_equal(pthread_join(sender, NULL), 0);
	assert_int_equal(pthread_join(remover, NULL), 0);
	assert_int_equal(early, 0);
	assert_int_equal(atomic_load(&unregistered), 1 + UINTR_RX_WAKING);
	assert_int_equal(res.err, ERR_OK);
	assert_int_equal(res.action, UINTR_SEND_WOKEN);
	/* And a send after the unregister fails cleanly. */
	assert_int_equal(uintr_send((struct uintr_sender_table *)stress_tables[0], 0, 1).err,
			 ERR_FAILED_LOOKUP);
	fake_arch.on_uintr_wake = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(random_transitions),
		cmocka_unit_test(senders_vs_sleeper),
		cmocka_unit_test(unregister_waits_for_sends_in_flight),
	};
	return cmocka_run_group_tests_name("uintr_random", tests, NULL, NULL);
}
