/* SPDX-License-Identifier: MIT */
/*
 * The hardware user-interrupt backend (uintr_hardware.h). core/uintr.c owns
 * the state; this file mirrors it into the machine: a UINTC slot per
 * receiver, a page of UIST words per sender table, the N CSRs per thread.
 * Sends and in-U delivery never enter the kernel. Every hook runs under the
 * kernel lock (uintr_backend.h); the slot bitmap is atomic anyway, so the
 * arch tests may use it from several harts.
 */
#include "uintr_hardware.h"

#include <stdatomic.h>

#include "arch.h"
#include "barrier.h"
#include "csr.h"
#include "hart.h"
#include "ipi.h"
#include "memory.h"

#define SLOT_WORDS (UINTC_SLOTS_MAX / 64)

static volatile uint8_t *uintc; /* kernel address of UINTC, NULL until init */
static uint64_t uintc_physical;
static uint32_t slot_count;
static _Atomic uint64_t slot_used[SLOT_WORDS];
static _Atomic uint32_t slots_taken;
/* Sleepers' slots left active on a hart (switch_out of a SLEEPING
 * receiver), for poll: which hart (cpu index + 1, 0: none) and whose. */
static _Atomic uint64_t armed[CONFIG_MAX_HARTS][SLOT_WORDS];
static uint8_t armed_on[UINTC_SLOTS_MAX];
static uint32_t armed_count[CONFIG_MAX_HARTS]; /* bits set in armed[cpu] */
static struct uintr_receiver *slot_owner[UINTC_SLOTS_MAX];
/* Next-fit: a freed slot is handed out again only after every other free
 * one, so a SEND that read a UIST word just before it was invalidated
 * lands in a slot nobody owns (and is cleared at the next allocation). */
static _Atomic uint32_t slot_next;
/* Harts whose suist names a sender table (cpu index bits): only they can
 * be inside a uipi SEND. Each hart changes its own bit, in the kernel. */
static _Atomic uint64_t sending_harts;

bool uintr_hardware_ready(void)
{
	return uintc != NULL;
}

void uintr_hardware_init(const struct uintr_hw_info *hw)
{
	if (uintc)
		return;
	uintc_physical = hw->uintc_base;
	slot_count = hw->slots;
	uintc = arch_map_device(hw->uintc_base, hw->uintc_size);
}

uint32_t uintr_hardware_slots(void)
{
	return slot_count;
}

uint32_t uintr_hardware_slots_used(void)
{
	return atomic_load(&slots_taken);
}

bool uintr_hardware_slot_taken(uint32_t slot)
{
	return slot < slot_count && (atomic_load(&slot_used[slot / 64]) >> (slot % 64) & 1);
}

static volatile void *slot_register(uint32_t slot, unsigned offset)
{
	return uintc + (uint64_t)slot * UINTC_SLOT_BYTES + offset;
}

uint64_t uintr_hardware_slot_read(uint32_t slot, unsigned offset)
{
	return mmio_read64(slot_register(slot, offset));
}

void uintr_hardware_slot_write(uint32_t slot, unsigned offset, uint64_t value)
{
	mmio_write64(slot_register(slot, offset), value);
}

uint64_t uintr_hardware_suist(struct uintr_sender_table *t)
{
	return SUIST_ENABLE | (uint64_t)SUIST_PAGES << SUIST_SIZE_SHIFT |
	       kernel_to_physical(uintr_uist_words(t)) >> 12;
}

/* A free slot, marked used, or -1 when all are taken. */
static int64_t slot_take(void)
{
	uint32_t start = atomic_load(&slot_next) % slot_count;
	for (uint32_t k = 0; k < slot_count; k++) {
		uint32_t slot = (start + k) % slot_count;
		uint64_t bit = 1ull << (slot % 64);
		if (atomic_fetch_or(&slot_used[slot / 64], bit) & bit)
			continue;
		atomic_store(&slot_next, slot + 1);
		atomic_fetch_add(&slots_taken, 1);
		return slot;
	}
	return -1;
}

static void slot_give_back(uint32_t slot)
{
	atomic_fetch_and(&slot_used[slot / 64], ~(1ull << (slot % 64)));
	atomic_fetch_sub(&slots_taken, 1);
}

/* This hart starts: USIP goes to U (sideleg), nothing is loaded. */
static void hw_init_hart(void)
{
	csr_set_sideleg(SIDELEG_USIP);
	csr_write_suicfg(uintc_physical); /* ignored by the fork, which hard-codes it */
	csr_write_suist(0);
	csr_write_suirs(0);
	csr_clear_uie(UIE_USIE);
	csr_clear_uip(UIP_USIP);
}

/* A slot for r, cleared: inactive, 64-bit, nothing pending. */
static enum error hw_receiver_created(struct uintr_receiver *r)
{
	int64_t slot = slot_take();
	if (slot < 0)
		return ERR_NOT_ENOUGH_MEMORY;
	uint32_t s = (uint32_t)slot;
	uintr_hardware_slot_write(s, UINTC_ACTIVE, 0);
	uintr_hardware_slot_write(s, UINTC_LOW, UINTC_MODE_64);
	(void)uintr_hardware_slot_read(s, UINTC_PENDING);
	r->backend_slot = s;
	slot_owner[s] = r;
	return ERR_OK;
}

/* Slots armed on a hart that runs a receiver (USIP is U's there) which
 * should have gone to a hart whose USIP is the kernel's, but none was:
 * the next hart to become one adopts them (route_usip_to_kernel). */
static bool stranded[UINTC_SLOTS_MAX];
static uint32_t stranded_count;

static void unstrand(uint32_t slot)
{
	if (stranded[slot]) {
		stranded[slot] = false;
		stranded_count--;
	}
}

static void disarm(uint32_t slot)
{
	unsigned on = armed_on[slot];
	if (on == 0)
		return;
	unstrand(slot);
	atomic_fetch_and(&armed[on - 1][slot / 64], ~(1ull << (slot % 64)));
	armed_count[on - 1]--;
	armed_on[slot] = 0;
}

static void arm(uint32_t slot, unsigned cpu)
{
	disarm(slot);
	armed_on[slot] = (uint8_t)(cpu + 1);
	armed_count[cpu]++;
	atomic_fetch_or(&armed[cpu][slot / 64], 1ull << (slot % 64));
}

/* The UIST word of entry e (core keeps each entry's index in its table). */
static uint64_t *uist_word_of(struct uintr_sender_entry *e)
{
	return &uintr_uist_words(uintr_entry_table(e))[e->index];
}

static void quiescent(void *unused)
{
	(void)unused;
}

/*
 * The grace period for sends in flight: a SEND on another hart may have
 * loaded a UIST word just before it was cleared and not yet stored to
 * UINTC. A hart takes an interrupt only between instructions, and on the
 * fork uipi ends its translation block (UINTR.md section R), so once
 * every hart that could be sending has answered an IPI call (from user
 * mode: its trap; from the kernel: its lock wait or idle loop poll the
 * mailbox), its SEND has landed. The harts answer without the lock, so
 * waiting for them under it cannot deadlock (as arch_ipi_stall).
 */
static void wait_for_sends_in_flight(void)
{
	uint64_t others = atomic_load(&sending_harts) & ~(UINT64_C(1) << hart_current()->cpu_index);
	if (others)
		arch_ipi_call(others, quiescent, NULL);
}

static void hw_receiver_destroyed(struct uintr_receiver *r)
{
	for (unsigned v = 0; v < UINTR_VECTORS; v++)
		if (r->sender[v])
			__atomic_store_n(uist_word_of(r->sender[v]), 0, __ATOMIC_SEQ_CST);
	fence_rw_rw();
	wait_for_sends_in_flight(); /* then nothing more reaches the slot */
	uint32_t s = r->backend_slot;
	disarm(s);
	slot_owner[s] = NULL;
	uintr_hardware_slot_write(s, UINTC_ACTIVE, 0);
	uint64_t pending = uintr_hardware_slot_read(s, UINTC_PENDING);
	if (pending)
		uintr_write(r, pending);
	slot_give_back(s);
}

/* Assumes index < t->size (the kernel checked it through core). */
static void hw_entry_changed(struct uintr_sender_table *t, uint32_t index)
{
	struct uintr_sender_entry *e = &t->entry[index];
	struct uintr_receiver *r = atomic_load(&e->receiver);
	uint64_t word = r ? uintr_uist_word(r->backend_slot, atomic_load(&e->vector)) : 0;
	__atomic_store_n(&uintr_uist_words(t)[index], word, __ATOMIC_SEQ_CST);
	fence_rw_rw();
}

/* Bits core holds for r (a wait folded them in) go back to the slot, where
 * the handler's READ finds them. */
static void move_pending_to_slot(struct uintr_receiver *r)
{
	uint64_t bits = atomic_exchange(&r->pending, 0);
	if (bits)
		uintr_hardware_slot_write(r->backend_slot, UINTC_PENDING, bits);
}

static void load_registers(const struct uintr_regs *regs)
{
	csr_write_utvec(regs->utvec);
	csr_write_uscratch(regs->uscratch);
	csr_write_uepc(regs->uepc);
	csr_write_ucause(regs->ucause);
	csr_write_utval(0);
	csr_clear_ustatus(SSTATUS_UIE | SSTATUS_UPIE);
	csr_set_ustatus((regs->uie ? SSTATUS_UIE : 0) | (regs->upie ? SSTATUS_UPIE : 0));
	if (regs->enabled)
		csr_set_uie(UIE_USIE);
	else
		csr_clear_uie(UIE_USIE);
}

static const struct uintr_regs no_registers; /* a thread that receives nothing */

/* Under the lock, as every change of armed_count. */
static bool has_armed(unsigned cpu)
{
	return armed_count[cpu] != 0;
}

/*
 * UINTC raises one line per hart, USIP, for every active slot naming that
 * hart, and sideleg gives the whole line either to U or to S (UINTR.md
 * sections 1 and 3). A hart that runs a receiver gives it to U (in-U
 * delivery skips the kernel); there a SEND to a sleeper armed on the same
 * hart only enters that receiver's handler, which finds nothing. So USIP
 * is the kernel's on every hart without a receiver loaded ("routed":
 * sideleg.USIP off, sie's USIE on: a SEND to a sleeper armed there traps
 * to S at once, or ends the idle wfi, and the scheduling pass polls), and
 * a sleeper's slot is kept on a routed hart: a receiver's switch_in moves
 * the slots armed on its hart to one (evacuate), and when there is none
 * they wait there ("stranded") until a hart becomes routed and adopts
 * them. The line is cleared through sip: the fork masks uip writes with
 * sideleg.
 */
static bool routed[CONFIG_MAX_HARTS];    /* USIP is the kernel's on that hart */
static bool receiving[CONFIG_MAX_HARTS]; /* a receiver is loaded there */

/* A slot armed on another hart moves to `to`: its hartid is rewritten
 * with Active kept, and UINTC raises USIP there at once when bits are
 * pending (its rule after WRITE_LOW), so no SEND is lost in the move. */
static void move_slot(uint32_t slot, unsigned to)
{
	arm(slot, to);
	uintr_hardware_slot_write(slot, UINTC_LOW,
				  harts[to].hart_id << UINTC_HARTID_SHIFT | UINTC_MODE_64 |
				      UINTC_MODE_ACTIVE);
}

/* This hart just became routed: the stranded slots come here. */
static __attribute__((noinline)) void adopt(unsigned cpu)
{
	for (unsigned x = 0; x < CONFIG_MAX_HARTS && stranded_count != 0; x++)
		for (unsigned w = 0; w < SLOT_WORDS; w++) {
			uint64_t set = atomic_load(&armed[x][w]);
			while (set) {
				uint32_t slot = w * 64 + (uint32_t)__builtin_ctzll(set);
				set &= set - 1;
				if (stranded[slot])
					move_slot(slot, cpu); /* (x == cpu: just unstranded) */
			}
		}
}

/* No receiver is loaded here any more: USIP becomes the kernel's (two CSR
 * writes when it was not), and the stranded slots come here. */
static void route_usip_to_kernel(unsigned cpu)
{
	receiving[cpu] = false;
	if (!routed[cpu]) {
		csr_clear_sideleg(SIDELEG_USIP);
		csr_set_sie(UIE_USIE);
		routed[cpu] = true;
	}
	if (stranded_count != 0)
		adopt(cpu);
}

/* The receiver about to run here (its table t) sends to `sleeper`: a
 * synchronous call (send, then wait) enters the kernel right after its
 * SEND, and that entry's poll finds the bit at no extra cost, where a move
 * would make another hart wake the sleeper with an IPI to this one. */
static bool sends_to(struct uintr_sender_table *t, struct uintr_receiver *sleeper)
{
	unsigned left = sleeper->senders;
	for (unsigned v = 0; t != NULL && v < UINTR_VECTORS && left != 0; v++) {
		struct uintr_sender_entry *e = sleeper->sender[v];
		if (e != NULL) {
			left--;
			if (uintr_entry_table(e) == t)
				return true;
		}
	}
	return false;
}

/* The index of the one bit set in `bit`, without a libgcc call (rv64gc has
 * no ctz): a de Bruijn multiplication. */
static unsigned bit_index(uint64_t bit)
{
	static const uint8_t index[64] = {
		0,  1,  48, 2,  57, 49, 28, 3,  61, 58, 50, 42, 38, 29, 17, 4,
		62, 55, 59, 36, 53, 51, 43, 22, 45, 39, 33, 30, 24, 18, 12, 5,
		63, 47, 56, 27, 60, 41, 37, 16, 54, 35, 52, 21, 44, 32, 23, 11,
		46, 26, 40, 15, 34, 20, 31, 10, 25, 14, 19, 9,  13, 8,  7,  6,
	};
	return index[(bit * UINT64_C(0x03f79d71b4cb0a89)) >> 58];
}

/* Every sleeper armed on cpu is one that t sends to (evacuate would move
 * none): the common case of a synchronous call's two sides on one hart,
 * checked without a call so that it costs a few dozen instructions. */
static __attribute__((noinline)) bool all_kept(unsigned cpu, struct uintr_sender_table *t)
{
	unsigned left = armed_count[cpu];
	for (unsigned w = 0; w < SLOT_WORDS && left != 0; w++)
		for (uint64_t set = atomic_load_explicit(&armed[cpu][w], memory_order_relaxed);
		     set != 0; set &= set - 1) {
			left--;
			if (!sends_to(t, slot_owner[w * 64 + bit_index(set & -set)]))
				return false;
		}
	return true;
}

/* A routed hart other than cpu, or CONFIG_MAX_HARTS when there is none. */
static unsigned routed_hart(unsigned cpu)
{
	for (unsigned y = 0; y < CONFIG_MAX_HARTS; y++)
		if (y != cpu && routed[y])
			return y;
	return CONFIG_MAX_HARTS;
}

/* A receiver (table t) is about to run on this hart: the sleepers' slots
 * armed here go to a routed hart, but for those it sends to itself. Out
 * of line: inlined, it made every switch_in save twelve registers. */
static __attribute__((noinline)) void evacuate(unsigned cpu, struct uintr_sender_table *t)
{
	unsigned to = CONFIG_MAX_HARTS + 1; /* not looked for yet */
	unsigned left = armed_count[cpu];
	for (unsigned w = 0; w < SLOT_WORDS && left != 0; w++) {
		uint64_t set = atomic_load(&armed[cpu][w]);
		while (set) {
			uint32_t slot = w * 64 + (uint32_t)__builtin_ctzll(set);
			set &= set - 1;
			left--;
			if (sends_to(t, slot_owner[slot]))
				continue;
			if (to == CONFIG_MAX_HARTS + 1)
				to = routed_hart(cpu);
			if (to != CONFIG_MAX_HARTS)
				move_slot(slot, to);
			else if (!stranded[slot]) {
				stranded[slot] = true;
				stranded_count++;
			}
		}
	}
}

static void set_sending(bool on)
{
	uint64_t bit = UINT64_C(1) << hart_current()->cpu_index;
	if (on)
		atomic_fetch_or(&sending_harts, bit);
	else if (atomic_load_explicit(&sending_harts, memory_order_relaxed) & bit)
		atomic_fetch_and(&sending_harts, ~bit);
}

static void hw_switch_in(struct uintr_receiver *r, struct uintr_sender_table *t)
{
	unsigned cpu = hart_current()->cpu_index;
	if (r) {
		disarm(r->backend_slot);
		receiving[cpu] = true;
		if (has_armed(cpu) && !all_kept(cpu, t))
			evacuate(cpu, t); /* before the line is cleared below */
	}
	/* USIP and uie are U's again (the fork masks them with sideleg). */
	csr_set_sideleg(SIDELEG_USIP);
	routed[cpu] = false;
	/* The line UINTC raised for the previous thread is not this one's. */
	csr_clear_uip(UIP_USIP);
	if (r) {
		load_registers(&r->regs);
		uint32_t s = r->backend_slot;
		uintr_hardware_slot_write(
		    s, UINTC_LOW, hart_current()->hart_id << UINTC_HARTID_SHIFT | UINTC_MODE_64);
		move_pending_to_slot(r);
		uintr_hardware_slot_write(s, UINTC_ACTIVE, 1);
		csr_write_suirs(SUIRS_ENABLE | s);
	} else {
		/* U can read and write the N CSRs on this hart: clear what the
		 * previous thread left there. */
		load_registers(&no_registers);
		csr_write_suirs(0);
		route_usip_to_kernel(hart_current()->cpu_index);
	}
	set_sending(t != NULL);
	csr_write_suist(t ? uintr_hardware_suist(t) : 0);
}

/* Receiver r leaves this hart: its slot stays armed here when it sleeps,
 * else inactive; its N CSRs are saved into its registers. */
static inline __attribute__((always_inline)) void leave(struct uintr_receiver *r)
{
	if (uintr_receiver_state(r) == UINTR_RX_SLEEPING) {
		/* Its slot stays active here: a SEND raises USIP on this hart,
		 * which ends the idle wfi (idle_sie), and poll wakes it. */
		arm(r->backend_slot, hart_current()->cpu_index);
	} else {
		/* From here a SEND only accumulates in the slot. */
		uintr_hardware_slot_write(r->backend_slot, UINTC_ACTIVE, 0);
	}
	struct uintr_regs *regs = &r->regs;
	regs->utvec = csr_read_utvec();
	regs->uscratch = csr_read_uscratch();
	regs->uepc = csr_read_uepc();
	regs->ucause = csr_read_ucause();
	uint64_t status = csr_read_ustatus();
	regs->uie = (status & SSTATUS_UIE) != 0;
	regs->upie = (status & SSTATUS_UPIE) != 0;
	regs->enabled = (csr_read_uie() & UIE_USIE) != 0;
}

/* See uintr_backend.h. Assumes out was loaded here (sideleg gives USIP to
 * U), in a receiver. */
static void hw_switch_claimed(struct uintr_receiver *out, struct uintr_receiver *in,
			      struct uintr_sender_table *t)
{
	unsigned cpu = hart_current()->cpu_index;
	uint32_t s = in->backend_slot;
	/* Armed here: active with this hart's id since it slept here (a move
	 * to another hart or a disarm rewrites armed_on with it). */
	bool here = armed_on[s] == cpu + 1;
	leave(out);
	disarm(s);
	if (has_armed(cpu) && !all_kept(cpu, t))
		evacuate(cpu, t); /* before the line is cleared below */
	csr_clear_uip(UIP_USIP);
	load_registers(&in->regs);
	if (!here)
		uintr_hardware_slot_write(
		    s, UINTC_LOW, hart_current()->hart_id << UINTC_HARTID_SHIFT | UINTC_MODE_64);
	move_pending_to_slot(in);
	if (!here)
		uintr_hardware_slot_write(s, UINTC_ACTIVE, 1);
	csr_write_suirs(SUIRS_ENABLE | s);
	set_sending(t != NULL);
	csr_write_suist(t ? uintr_hardware_suist(t) : 0);
}

static void hw_switch_out(struct uintr_receiver *r)
{
	if (r) {
		leave(r);
		/* U can read the N CSRs on the fork: the next thread (which
		 * the kernel may not switch in here at all when it neither
		 * receives nor sends) must not see this one's. */
		load_registers(&no_registers);
	}
	csr_write_suirs(0);
	csr_write_suist(0);
	set_sending(false);
	csr_clear_uie(UIE_USIE);
	csr_clear_uip(UIP_USIP);
	route_usip_to_kernel(hart_current()->cpu_index);
}

/*
 * USIP from the slot: cleared first, so a SEND between the read and the
 * write-back raises it again itself (the slot is active on this hart);
 * the fork's sret then enters the handler when it is set.
 */
static void hw_return_to_user(struct uintr_receiver *r, struct trap_frame *frame)
{
	(void)frame;
	csr_clear_uip(UIP_USIP);
	if (!r)
		return;
	move_pending_to_slot(r);
	uint64_t bits = uintr_hardware_slot_read(r->backend_slot, UINTC_PENDING);
	if (bits) {
		uintr_hardware_slot_write(r->backend_slot, UINTC_PENDING, bits);
		csr_set_uip(UIP_USIP);
	}
}

static void hw_before_wait(struct uintr_receiver *r)
{
	uint64_t bits = uintr_hardware_slot_read(r->backend_slot, UINTC_PENDING);
	if (bits)
		uintr_write(r, bits);
}

/* USIP is cleared before the slots are read: a SEND after the read raises
 * it again, and the next pass (or the idle wfi's end) finds it. */
static void hw_poll(unsigned cpu)
{
	if (!has_armed(cpu))
		return;
	csr_clear_uip(UIP_USIP);
	csr_clear_sip(UIP_USIP); /* the same line, while it is the kernel's */
	for (unsigned w = 0; w < SLOT_WORDS; w++) {
		uint64_t set = atomic_load(&armed[cpu][w]);
		while (set) {
			uint32_t s = w * 64 + (uint32_t)__builtin_ctzll(set);
			set &= set - 1;
			struct uintr_receiver *r = slot_owner[s];
			if (uintr_receiver_state(r) != UINTR_RX_SLEEPING) {
				/* Its wait ended (deadline, suspend): no line
				 * here any more; switch-in takes the bits. */
				disarm(s);
				uintr_hardware_slot_write(s, UINTC_ACTIVE, 0);
			}
			uint64_t bits = uintr_hardware_slot_read(s, UINTC_PENDING);
			if (bits)
				(void)uintr_post(r, bits, cpu);
		}
	}
}

/* No slot armed here any more (woken, moved, or disarmed from another
 * hart): a line raised before that would trap for ever. A slot armed
 * here leaves it to poll. */
void uintr_hardware_usip_taken(void)
{
	if (!has_armed(hart_current()->cpu_index))
		csr_clear_sip(UIP_USIP);
}

/* The idle hart runs no receiver: USIP is the kernel's (a hart that has
 * never loaded a thread with user interrupts becomes routed here, and can
 * then take sleepers' slots from busy harts). */
static uint64_t hw_idle_sie(unsigned cpu)
{
	route_usip_to_kernel(cpu);
	if (!has_armed(cpu))
		csr_clear_sip(UIP_USIP); /* a stale line would end every wfi */
	return UIE_USIE;
}

unsigned uintr_hardware_armed_on(uint32_t slot)
{
	return armed_on[slot];
}

const struct uintr_backend uintr_backend_hardware = {
	.kind = UINTR_BACKEND_HARDWARE,
	.name = "hardware",
	.init_hart = hw_init_hart,
	.receiver_created = hw_receiver_created,
	.receiver_destroyed = hw_receiver_destroyed,
	.entry_changed = hw_entry_changed,
	.switch_in = hw_switch_in,
	.switch_out = hw_switch_out,
	.switch_claimed = hw_switch_claimed,
	.return_to_user = hw_return_to_user,
	.before_wait = hw_before_wait,
	.poll = hw_poll,
	.idle_sie = hw_idle_sie,
	.scrub_csrs = true,
	.trap = NULL,
};
