/* SPDX-License-Identifier: MIT */
/*
 * User-interrupt backend tests (see archtest.h, docs/uintr.md): the probe's
 * choice, and on the U-interrupt model the hardware backend's hooks driven
 * as the kernel drives them, checked against the CSRs and UINTC's
 * registers: slot allocation and exhaustion, UIST words and a uipi SEND
 * through them, the N CSRs' save and restore, pending bits through UINTC
 * and across deactivate/activate, a SEND in flight at teardown. The boot
 * argument "uintr=hardware" says the hardware backend is expected (the
 * qemu-uintr-* runs); without it the emulated one is, and the hardware
 * backend must stay uninitialised.
 */
#include "archtest_internal.h"

#include "config.h"
#include "console.h"
#include "csr.h"
#include "memory.h"
#include "tap.h"
#include "timer.h"
#include "uintr_hardware.h"

#define TABLE_ENTRIES 4
#define VECTOR_A 9
#define FLIGHT_VECTOR 17
#define FLIGHT_HOLD_US 20000 /* how long the held SEND waits for the teardown */

struct uintr_world {
	struct uintr_receiver a, b;
	struct uintr_sender_table *table; /* uintr_table_object_bytes(4): 8 KiB */
};

static bool hardware;
static struct uintr_world worlds[CONFIG_MAX_HARTS];
static struct uintr_receiver scratch; /* the allocation test's: never registered */
static uint16_t taken[UINTC_SLOTS_MAX];
static const struct uintr_backend *const hw = &uintr_backend_hardware;

static bool expect_hardware;
static struct uintr_hw_info info;
static unsigned harts_here;

unsigned archtest_uintr_boot(const struct dtb *dtb, const char *bootargs, unsigned hart_count)
{
	expect_hardware = archtest_word_in(bootargs, "uintr=hardware");
	hardware = uintr_probe(dtb, &info) == UINTR_BACKEND_HARDWARE;
	if (!hardware)
		return 1;
	uintr_hardware_init(&info);
	harts_here = hart_count;
	for (unsigned h = 0; h < hart_count; h++) {
		uint64_t block = memory_take_block(13);
		if (!block)
			panic("archtest: out of memory");
		for (unsigned p = 0; p < 2; p++)
			memory_zero_page(block + p * 4096);
		worlds[h].table = physical_to_kernel(block);
	}
	return 2 + hart_count * ARCHTEST_UINTR_RESULTS + (hart_count >= 2 ? 3 : 0);
}

static void probe_result(void)
{
	tap_result(hardware == expect_hardware && uintr_hardware_ready() == hardware,
		   "uintr: the probe chose the %s backend (%s expected)%s",
		   hardware ? "hardware" : "emulated", expect_hardware ? "hardware" : "emulated",
		   hardware ? "" : "; the hardware backend stays uninitialised");
	if (hardware)
		kprintf("uintr: UINTC at 0x%lx, %lu bytes, %u slots\n",
			(unsigned long)info.uintc_base, (unsigned long)info.uintc_size, info.slots);
}

/* Slot allocation until exhaustion, each slot handed out clean (boot hart,
 * while the others wait: nobody else allocates meanwhile). */
static void allocation(void)
{
	uint32_t slots = uintr_hardware_slots(), before = uintr_hardware_slots_used();
	if (before == 0)
		for (uint32_t s = 0; s < slots; s++) {
			uintr_hardware_slot_write(s, UINTC_PENDING, 0xdead0000beefull);
			uintr_hardware_slot_write(s, UINTC_LOW, 7u << UINTC_HARTID_SHIFT);
		}
	uint64_t seen[UINTC_SLOTS_MAX / 64] = { 0 };
	uint32_t count = 0, unclean = 0, repeated = 0;
	while (count < UINTC_SLOTS_MAX && hw->receiver_created(&scratch) == ERR_OK) {
		uint32_t s = scratch.backend_slot;
		repeated += s >= slots || (seen[s / 64] >> (s % 64) & 1);
		seen[s / 64] |= 1ull << (s % 64);
		unclean += uintr_hardware_slot_read(s, UINTC_PENDING) != 0 ||
			   uintr_hardware_slot_read(s, UINTC_ACTIVE) != 0 ||
			   uintr_hardware_slot_read(s, UINTC_LOW) != UINTC_MODE_64;
		taken[count++] = (uint16_t)s;
	}
	bool refused = hw->receiver_created(&scratch) == ERR_NOT_ENOUGH_MEMORY;
	/* One given back (with a bit pending) is the one handed out next. */
	scratch.backend_slot = taken[5];
	uintr_hardware_slot_write(taken[5], UINTC_SEND, 3);
	atomic_store(&scratch.pending, 0);
	hw->receiver_destroyed(&scratch);
	bool folded = atomic_load(&scratch.pending) == 1ull << 3;
	bool reused = hw->receiver_created(&scratch) == ERR_OK &&
		      scratch.backend_slot == taken[5] &&
		      uintr_hardware_slot_read(taken[5], UINTC_PENDING) == 0;
	for (uint32_t i = 0; i < count; i++) {
		scratch.backend_slot = taken[i];
		hw->receiver_destroyed(&scratch);
	}
	tap_result(count == slots - before && repeated == 0 && unclean == 0 && refused && folded &&
		       reused && uintr_hardware_slots_used() == before,
		   "uintr hw: %u of %u slots taken (%u held before), distinct (%u not), cleared "
		   "(%u not), next refused (%s); freed: bits to its receiver (%s), reused clean "
		   "(%s); all back (%u held)",
		   count, slots, before, repeated, unclean, refused ? "yes" : "no",
		   folded ? "yes" : "no", reused ? "yes" : "no", uintr_hardware_slots_used());
}

/* Two receivers' registers; h makes each hart's values its own. */
static void set_patterns(struct uintr_world *w, unsigned h)
{
	uint64_t base = UINT64_C(0x40000000) + ((uint64_t)h << 20);
	w->a.regs = (struct uintr_regs){ .utvec = base | 1,
					 .uscratch = 0xa5a5a5a5a5a50000ull | h,
					 .uepc = base + 0x40,
					 .ucause = UINTR_CAUSE_USI,
					 .enabled = 1,
					 .uie = 0,
					 .upie = 1 };
	w->b.regs = (struct uintr_regs){ .utvec = base + 0x1000,
					 .uscratch = 0xb6b6000000000000ull | h,
					 .uepc = base + 0x1080,
					 .ucause = 0,
					 .enabled = 0,
					 .uie = 1,
					 .upie = 0 };
}

static bool csrs_are(const struct uintr_regs *r)
{
	uint64_t status = csr_read_ustatus();
	return csr_read_utvec() == r->utvec && csr_read_uscratch() == r->uscratch &&
	       csr_read_uepc() == r->uepc && csr_read_ucause() == r->ucause &&
	       csr_read_utval() == 0 && ((status & SSTATUS_UIE) != 0) == r->uie &&
	       ((status & SSTATUS_UPIE) != 0) == r->upie &&
	       ((csr_read_uie() & UIE_USIE) != 0) == r->enabled;
}

static bool regs_equal(const struct uintr_regs *x, const struct uintr_regs *y)
{
	return x->utvec == y->utvec && x->uscratch == y->uscratch && x->uepc == y->uepc &&
	       x->ucause == y->ucause && x->enabled == y->enabled && x->uie == y->uie &&
	       x->upie == y->upie;
}

static void in(struct uintr_receiver *r, struct uintr_sender_table *t, unsigned h)
{
	if (r)
		uintr_switch_in(r, h);
	hw->switch_in(r, t);
}

static void out(struct uintr_receiver *r)
{
	hw->switch_out(r);
	if (r)
		uintr_switch_out(r);
}

/* A switched in, its thread changes every register, A out, B in and out,
 * then a thread that receives nothing: it must see none of theirs. */
static void registers(struct hart *hart, struct uintr_world *w)
{
	unsigned h = hart->cpu_index;
	uint32_t sa = w->a.backend_slot;
	in(&w->a, w->table, h);
	bool a_in = csrs_are(&w->a.regs) && csr_read_suirs() == (SUIRS_ENABLE | sa) &&
		    csr_read_suist() == uintr_hardware_suist(w->table) &&
		    uintr_hardware_slot_read(sa, UINTC_LOW) ==
			(hart->hart_id << UINTC_HARTID_SHIFT | UINTC_MODE_64 | UINTC_MODE_ACTIVE) &&
		    uintr_hardware_slot_read(sa, UINTC_ACTIVE) == 1;
	struct uintr_regs changed = { .utvec = w->a.regs.utvec + 0x200,
				      .uscratch = ~w->a.regs.uscratch,
				      .uepc = w->a.regs.uepc + 0x88,
				      .ucause = 0x5,
				      .enabled = 0,
				      .uie = 1,
				      .upie = 0 };
	csr_write_utvec(changed.utvec);
	csr_write_uscratch(changed.uscratch);
	csr_write_uepc(changed.uepc);
	csr_write_ucause(changed.ucause);
	csr_clear_uie(UIE_USIE);
	csr_set_ustatus(SSTATUS_UIE);
	csr_clear_ustatus(SSTATUS_UPIE);
	out(&w->a);
	static const struct uintr_regs zero;
	bool a_saved = regs_equal(&w->a.regs, &changed) && csrs_are(&zero) &&
		       csr_read_suirs() == 0 && csr_read_suist() == 0 &&
		       uintr_hardware_slot_read(sa, UINTC_ACTIVE) == 0;
	in(&w->b, NULL, h);
	bool b_in = csrs_are(&w->b.regs) && csr_read_suist() == 0 &&
		    csr_read_suirs() == (SUIRS_ENABLE | w->b.backend_slot);
	out(&w->b);
	in(NULL, NULL, h);
	bool none = csrs_are(&zero) && csr_read_suirs() == 0 && csr_read_suist() == 0;
	out(NULL);
	in(&w->a, w->table, h);
	bool a_back = csrs_are(&changed);
	out(&w->a);
	tap_result(a_in && a_saved && b_in && none && a_back,
		   "hart %u: uintr hw: N CSRs, suirs, suist, slot hartid/Active set on switch-in "
		   "(%s), saved and cleared on switch-out (%s), B's loaded (%s), none left for a "
		   "non-receiver "
		   "(%s), A's back (%s)",
		   h, a_in ? "yes" : "no", a_saved ? "yes" : "no", b_in ? "yes" : "no",
		   none ? "yes" : "no", a_back ? "yes" : "no");
}

/* Through sip, which shows the line whether sideleg gives it to U or (a
 * sleeper armed here, no receiver loaded) keeps it for the kernel: the
 * fork masks uip with sideleg. */
static bool usip(void)
{
	return (csr_read_sip() & UIP_USIP) != 0;
}

/* Bits written and read through UINTC, USIP raised on this hart, and the
 * bits kept while the slot is inactive. */
static void pending(struct hart *hart, struct uintr_world *w)
{
	unsigned h = hart->cpu_index;
	uint32_t sa = w->a.backend_slot;
	in(&w->a, w->table, h);
	bool clear_in = !usip();
	uintr_hardware_slot_write(sa, UINTC_SEND, 5);
	bool raised = usip();
	bool read_clears = uintr_hardware_slot_read(sa, UINTC_PENDING) == 1ull << 5 &&
			   uintr_hardware_slot_read(sa, UINTC_PENDING) == 0;
	uintr_hardware_slot_write(sa, UINTC_PENDING, 1ull << 63 | 1);
	uintr_hardware_slot_write(sa, UINTC_PENDING, 1ull << 40);
	uintr_hardware_slot_write(sa, UINTC_SEND, 62);
	bool ored = uintr_hardware_slot_read(sa, UINTC_PENDING) ==
		    (1ull << 63 | 1ull << 62 | 1ull << 40 | 1);
	out(&w->a);
	bool cleared_out = !usip();
	uintr_hardware_slot_write(sa, UINTC_SEND, 7);
	bool quiet = !usip() && uintr_hardware_slot_read(sa, UINTC_ACTIVE) == 0;
	in(&w->a, w->table, h);
	hw->return_to_user(&w->a, NULL);
	bool kept = usip() && uintr_hardware_slot_read(sa, UINTC_PENDING) == 1ull << 7;
	/* A wait folds the slot into core's bits; the return moves them back. */
	uintr_hardware_slot_write(sa, UINTC_SEND, 9);
	hw->before_wait(&w->a);
	bool folded = atomic_load(&w->a.pending) == 1ull << 9 &&
		      uintr_hardware_slot_read(sa, UINTC_PENDING) == 0;
	hw->return_to_user(&w->a, NULL);
	bool back = usip() && atomic_load(&w->a.pending) == 0 &&
		    uintr_hardware_slot_read(sa, UINTC_PENDING) == 1ull << 9;
	hw->return_to_user(&w->a, NULL);
	bool idle = !usip();
	out(&w->a);
	tap_result(
	    clear_in && raised && read_clears && ored && cleared_out && quiet && kept && folded &&
		back && idle,
	    "hart %u: uintr hw: SEND raises USIP here (%s), READ clears (%s), WRITE ORs, "
	    "vectors 62/63 (%s); inactive: USIP off (%s), bits accumulate (%s), kept and "
	    "USIP on return (%s); wait folds (%s), return moves back (%s), none: USIP off (%s)",
	    h, raised ? "yes" : "no", read_clears ? "yes" : "no", ored ? "yes" : "no",
	    cleared_out && clear_in ? "yes" : "no", quiet ? "yes" : "no", kept ? "yes" : "no",
	    folded ? "yes" : "no", back ? "yes" : "no", idle ? "yes" : "no");
}

/* A receiver that blocks in the wait keeps its slot active on this hart:
 * a SEND raises USIP here, the idle loop is told to enable USIE, and poll
 * folds the bits (the wait was cancelled first, as by its deadline, so the
 * fold is all poll does: the wake-up itself is ktest_uintr's). */
static void sleeper(struct hart *hart, struct uintr_world *w)
{
	unsigned h = hart->cpu_index;
	uint32_t sa = w->a.backend_slot;
	in(&w->a, w->table, h);
	bool blocked = uintr_wait_begin(&w->a) == UINTR_WAIT_BLOCK;
	out(&w->a);
	bool armed = uintr_receiver_state(&w->a) == UINTR_RX_SLEEPING &&
		     uintr_hardware_slot_read(sa, UINTC_ACTIVE) == 1 &&
		     uintr_hardware_armed_on(sa) == h + 1 && hw->idle_sie(h) == UIE_USIE && !usip();
	bool not_woken = !uintr_wait_cancel(&w->a);
	uintr_hardware_slot_write(sa, UINTC_SEND, 12);
	bool raised = usip();
	hw->poll(h);
	bool polled = !usip() && atomic_load(&w->a.pending) == 1ull << 12 &&
		      uintr_hardware_slot_read(sa, UINTC_PENDING) == 0;
	in(&w->a, w->table, h);
	bool disarmed = uintr_hardware_armed_on(sa) == 0 && atomic_load(&w->a.pending) == 0;
	hw->return_to_user(&w->a, NULL);
	bool delivered = usip() && uintr_hardware_slot_read(sa, UINTC_PENDING) == 1ull << 12;
	out(&w->a);
	bool quiet =
	    uintr_hardware_slot_read(sa, UINTC_ACTIVE) == 0 && uintr_hardware_armed_on(sa) == 0;
	tap_result(blocked && armed && not_woken && raised && polled && disarmed && delivered &&
		       quiet,
		   "hart %u: uintr hw: a sleeper's slot stays active here, idle enables USIE "
		   "(%s), a SEND raises USIP (%s), poll folds it (%s), switch-in disarms (%s) and "
		   "delivers it (%s), switch-out deactivates (%s)",
		   h, blocked && armed && not_woken ? "yes" : "no", raised ? "yes" : "no",
		   polled ? "yes" : "no", disarmed ? "yes" : "no", delivered ? "yes" : "no",
		   quiet ? "yes" : "no");
}

/* UIST words follow core's entries; a uipi SEND (run here in S-mode)
 * reaches the slot only through a valid word. */
static void uist(struct hart *hart, struct uintr_world *w)
{
	unsigned h = hart->cpu_index;
	uint32_t sa = w->a.backend_slot;
	struct uintr_sender_table *t = w->table;
	uint64_t *words = uintr_uist_words(t);
	bool ok_init = uintr_table_init(t, TABLE_ENTRIES) == ERR_OK;
	unsigned vector = 0;
	bool reg = uintr_sender_register(t, 2, &w->a, VECTOR_A, &vector) == ERR_OK;
	hw->entry_changed(t, 2);
	bool word = words[2] == uintr_uist_word(sa, VECTOR_A) && words[0] == 0 && words[1] == 0 &&
		    words[3] == 0;
	in(&w->a, t, h);
	cpu_uipi_send(2);
	bool sent = uintr_hardware_slot_read(sa, UINTC_PENDING) == 1ull << VECTOR_A;
	cpu_uipi_send(1);   /* an invalid word */
	cpu_uipi_send(600); /* past the page */
	bool ignored = uintr_hardware_slot_read(sa, UINTC_PENDING) == 0;
	bool unreg = uintr_sender_unregister(t, 2) == ERR_OK;
	hw->entry_changed(t, 2);
	cpu_uipi_send(2);
	bool gone = words[2] == 0 && uintr_hardware_slot_read(sa, UINTC_PENDING) == 0;
	/* The receiver goes: its words go first, its bits into core. */
	bool again = uintr_sender_register(t, 3, &w->a, UINTR_ANY_VECTOR, &vector) == ERR_OK;
	hw->entry_changed(t, 3);
	bool word3 = words[3] == uintr_uist_word(sa, vector);
	cpu_uipi_send(3);
	out(&w->a);
	/* This slot, not the count: the other harts free theirs meanwhile. */
	bool held = uintr_hardware_slot_taken(sa);
	hw->receiver_destroyed(&w->a);
	bool destroyed = words[3] == 0 && atomic_load(&w->a.pending) == 1ull << vector && held &&
			 !uintr_hardware_slot_taken(sa);
	(void)uintr_receiver_unregister(&w->a);
	hw->receiver_destroyed(&w->b);
	(void)uintr_receiver_unregister(&w->b);
	uintr_table_destroy(t);
	tap_result(
	    ok_init && reg && word && sent && ignored && unreg && gone && again && word3 &&
		destroyed,
	    "hart %u: uintr hw: UIST word of an entry (%s), uipi SEND through it (%s), "
	    "invalid or out-of-range index ignored (%s), unregistered: word 0, no send (%s), "
	    "receiver destroyed: its words 0, bits folded, slot freed (%s)",
	    h, word ? "yes" : "no", sent ? "yes" : "no", ignored ? "yes" : "no",
	    gone ? "yes" : "no", destroyed && word3 ? "yes" : "no");
}

/*
 * A SEND in flight at teardown (harts 0 and 1): hart 1 plays a uipi SEND
 * cut in two, as another hart's can be: it loads the UIST word, then holds
 * the store to UINTC until hart 0 has destroyed the receiver (or for
 * FLIGHT_HOLD_US), and answers IPIs only after storing, as a hart takes
 * an interrupt only after its uipi. hart 0's receiver_destroyed must wait
 * for it (the grace period): the bit is then its receiver's, and the slot
 * it frees stays clean. Without the wait the store lands in a freed slot.
 */
static struct uintr_receiver flight_rx;
static _Atomic unsigned flight_step; /* 1 word loaded, 2 destroying, 3 destroyed, 4 stored */

static void flight_sender(struct uintr_sender_table *t)
{
	hw->switch_in(NULL, t); /* suist names t: this hart may be sending */
	uint64_t word = __atomic_load_n(&uintr_uist_words(t)[0], __ATOMIC_SEQ_CST);
	atomic_store(&flight_step, 1);
	while (atomic_load(&flight_step) < 2)
		;
	uint64_t limit = arch_timer_now() + arch_timer_ticks(FLIGHT_HOLD_US);
	while (atomic_load(&flight_step) < 3 && arch_timer_now() < limit)
		;
	if (word & UINTR_UIST_VALID)
		uintr_hardware_slot_write((uint32_t)(word >> UINTR_UIST_SLOT_SHIFT), UINTC_SEND,
					  (word >> UINTR_UIST_VECTOR_SHIFT) & 0xffff);
	atomic_store(&flight_step, 4);
	hw->switch_out(NULL);
}

static void flight_destroyer(struct uintr_sender_table *t)
{
	while (atomic_load(&flight_step) < 1)
		;
	uint32_t s = flight_rx.backend_slot;
	atomic_store(&flight_step, 2);
	hw->receiver_destroyed(&flight_rx);
	unsigned destroying = 2; /* the sender may have stored (4) already */
	atomic_compare_exchange_strong(&flight_step, &destroying, 3);
	while (atomic_load(&flight_step) < 4)
		;
	bool folded = atomic_load(&flight_rx.pending) == 1ull << FLIGHT_VECTOR;
	bool clean =
	    uintr_hardware_slot_read(s, UINTC_PENDING) == 0 && !uintr_hardware_slot_taken(s);
	(void)uintr_receiver_unregister(&flight_rx);
	uintr_table_destroy(t);
	tap_result(folded && clean,
		   "uintr hw: a SEND in flight at teardown lands before the slot is freed: its bit "
		   "folded into the receiver (%s), the freed slot clean (%s)",
		   folded ? "yes" : "no", clean ? "yes" : "no");
}

static void in_flight(struct hart *hart)
{
	struct uintr_sender_table *t = worlds[1].table;
	if (hart->cpu_index == 0) {
		unsigned vector = 0;
		if (uintr_table_init(t, TABLE_ENTRIES) != ERR_OK ||
		    uintr_receiver_register(&flight_rx, &flight_rx) != ERR_OK ||
		    hw->receiver_created(&flight_rx) != ERR_OK ||
		    uintr_sender_register(t, 0, &flight_rx, FLIGHT_VECTOR, &vector) != ERR_OK)
			panic("archtest: cannot make the in-flight receiver");
		hw->entry_changed(t, 0);
	}
	archtest_barrier();
	if (hart->cpu_index == 0)
		flight_destroyer(t);
	else if (hart->cpu_index == 1)
		flight_sender(t);
	archtest_barrier();
}

/*
 * A sleeper's slot leaves a hart that switches in another receiver (hart
 * 0, the others waiting in the barrier, where USIP is the kernel's): a
 * SEND to the sleeper then raises USIP on that other hart, not for the
 * receiver here; a receiver that sends to the sleeper itself keeps it.
 */
static struct uintr_receiver mig_sleeper, mig_runner;

static void sleep_here(unsigned h)
{
	in(&mig_sleeper, NULL, h);
	if (uintr_wait_begin(&mig_sleeper) != UINTR_WAIT_BLOCK)
		panic("archtest: the sleeper did not block");
	out(&mig_sleeper);
}

static void migration(struct hart *hart)
{
	struct uintr_sender_table *t = worlds[0].table;
	unsigned vector = 0;
	if (uintr_table_init(t, TABLE_ENTRIES) != ERR_OK ||
	    uintr_receiver_register(&mig_sleeper, &mig_sleeper) != ERR_OK ||
	    uintr_receiver_register(&mig_runner, &mig_runner) != ERR_OK ||
	    hw->receiver_created(&mig_sleeper) != ERR_OK ||
	    hw->receiver_created(&mig_runner) != ERR_OK ||
	    uintr_sender_register(t, 0, &mig_sleeper, VECTOR_A, &vector) != ERR_OK)
		panic("archtest: cannot make the migration receivers");
	hw->entry_changed(t, 0);
	uint32_t s = mig_sleeper.backend_slot;
	sleep_here(hart->cpu_index);
	bool armed_here = uintr_hardware_armed_on(s) == hart->cpu_index + 1;
	in(&mig_runner, NULL, hart->cpu_index);
	unsigned on = uintr_hardware_armed_on(s);
	bool moved =
	    on != 0 && on != hart->cpu_index + 1 &&
	    uintr_hardware_slot_read(s, UINTC_LOW) ==
		(harts[on - 1].hart_id << UINTC_HARTID_SHIFT | UINTC_MODE_64 | UINTC_MODE_ACTIVE);
	uintr_hardware_slot_write(s, UINTC_SEND, 4);
	bool not_here = !usip();
	bool bit = uintr_hardware_slot_read(s, UINTC_PENDING) == 1ull << 4;
	out(&mig_runner);
	(void)uintr_wait_cancel(&mig_sleeper);
	sleep_here(hart->cpu_index);
	in(&mig_runner, t, hart->cpu_index); /* it sends to the sleeper */
	bool kept = uintr_hardware_armed_on(s) == hart->cpu_index + 1;
	out(&mig_runner);
	(void)uintr_wait_cancel(&mig_sleeper);
	hw->receiver_destroyed(&mig_sleeper);
	(void)uintr_receiver_unregister(&mig_sleeper);
	hw->receiver_destroyed(&mig_runner);
	(void)uintr_receiver_unregister(&mig_runner);
	uintr_table_destroy(t);
	tap_result(armed_here && moved && not_here && bit && kept,
		   "uintr hw: a receiver switched in moves the slot of a sleeper armed on its hart "
		   "to a hart whose USIP is the kernel's (%s; on hart %u), a SEND raises nothing "
		   "here (%s) and its bit waits (%s); one that sends to the sleeper keeps it (%s)",
		   armed_here && moved ? "yes" : "no", on ? on - 1 : 0, not_here ? "yes" : "no",
		   bit ? "yes" : "no", kept ? "yes" : "no");
}

/*
 * With no hart whose USIP the kernel takes (every other hart runs a
 * receiver), the sleeper's slot stays on hart 0 ("stranded"): a SEND
 * raises USIP for the receiver running there (the model's limit), and
 * the first hart that drops its receiver (hart 1) adopts the slot.
 */
static bool stranded_stuck, stranded_line;

static void stranded_case(struct hart *hart)
{
	unsigned h = hart->cpu_index;
	struct uintr_receiver *mine = &worlds[h].b;
	if (h == 0) {
		if (uintr_receiver_register(&mig_sleeper, &mig_sleeper) != ERR_OK ||
		    uintr_receiver_register(&mig_runner, &mig_runner) != ERR_OK ||
		    hw->receiver_created(&mig_sleeper) != ERR_OK ||
		    hw->receiver_created(&mig_runner) != ERR_OK)
			panic("archtest: cannot make the stranded receivers");
	} else {
		if (uintr_receiver_register(mine, mine) != ERR_OK ||
		    hw->receiver_created(mine) != ERR_OK)
			panic("archtest: cannot make a receiver");
		in(mine, NULL, h); /* USIP is U's here now */
	}
	archtest_barrier();
	uint32_t s = mig_sleeper.backend_slot;
	if (h == 0) {
		sleep_here(h);
		in(&mig_runner, NULL, h);
		stranded_stuck = uintr_hardware_armed_on(s) == 1;
		uintr_hardware_slot_write(s, UINTC_SEND, 6);
		stranded_line = usip();
	}
	archtest_barrier();
	if (h == 1)
		out(mine); /* routed: it adopts the slot */
	archtest_barrier();
	if (h == 0) {
		bool adopted =
		    uintr_hardware_armed_on(s) == 2 && uintr_hardware_slot_read(s, UINTC_LOW) ==
							   (harts[1].hart_id << UINTC_HARTID_SHIFT |
							    UINTC_MODE_64 | UINTC_MODE_ACTIVE);
		bool bit = uintr_hardware_slot_read(s, UINTC_PENDING) == 1ull << 6;
		out(&mig_runner);
		(void)uintr_wait_cancel(&mig_sleeper);
		hw->receiver_destroyed(&mig_sleeper);
		(void)uintr_receiver_unregister(&mig_sleeper);
		hw->receiver_destroyed(&mig_runner);
		(void)uintr_receiver_unregister(&mig_runner);
		tap_result(
		    stranded_stuck && stranded_line && adopted && bit,
		    "uintr hw: no hart whose USIP the kernel takes: the sleeper's slot stays "
		    "(%s) and a SEND raises USIP for the receiver here (%s, the model's "
		    "limit); the first hart to drop its receiver adopts it (%s), the bit "
		    "kept (%s)",
		    stranded_stuck ? "yes" : "no", stranded_line ? "yes" : "no",
		    adopted ? "yes" : "no", bit ? "yes" : "no");
	} else if (h >= 2)
		out(mine);
	archtest_barrier();
	if (h != 0) {
		hw->receiver_destroyed(mine);
		(void)uintr_receiver_unregister(mine);
	}
}

void archtest_uintr_hart(struct hart *hart)
{
	if (hart->cpu_index == 0)
		probe_result();
	if (!hardware)
		return;
	hw->init_hart();
	archtest_barrier();
	if (hart->cpu_index == 0)
		allocation();
	archtest_barrier();
	struct uintr_world *w = &worlds[hart->cpu_index];
	if (uintr_receiver_register(&w->a, w) != ERR_OK ||
	    uintr_receiver_register(&w->b, w) != ERR_OK || hw->receiver_created(&w->a) != ERR_OK ||
	    hw->receiver_created(&w->b) != ERR_OK)
		panic("archtest: cannot make the uintr receivers");
	set_patterns(w, hart->cpu_index);
	registers(hart, w);
	pending(hart, w);
	sleeper(hart, w);
	uist(hart, w);
	archtest_barrier();
	if (harts_here >= 2) {
		in_flight(hart);
		if (hart->cpu_index == 0)
			migration(hart);
		archtest_barrier();
		stranded_case(hart);
	}
}
