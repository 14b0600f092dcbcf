/* SPDX-License-Identifier: MIT */
/* The channel object: set-up and teardown (channel_obj.h, docs/abi.md). */
#include "channel_obj.h"

#include "asid.h"
#include "pagetable.h"
#include "port.h"
#include "scheduler.h"
#include "vspace.h"

#define PAGE ((uint64_t)1 << PAGE_SHIFT)

/* Zeros, never written: the server's view of a channel that went. */
static _Alignas(4096) const uint8_t dead_page[4096];

uint64_t channel_dead_page(void)
{
	return port_virt_to_phys(dead_page);
}

/* A channel's entries carry PTE_SW_DEVICE: never lent (lend.c), so no
 * marker ever stands where replace_side looks for the frame. */
static struct pte dead_entry(void)
{
	return pte_new_leaf(channel_dead_page(),
			    PTE_USER | PTE_ACCESSED | PTE_DIRTY | PTE_READ | PTE_SW_DEVICE);
}

static struct pte buffer_entry(uint64_t pa)
{
	return pte_new_leaf(pa, PTE_USER | PTE_ACCESSED | PTE_DIRTY | PTE_READ | PTE_WRITE |
				    PTE_SW_DEVICE);
}

static void scrub_window(struct uintr_service *s);

/* The server's own dead page (uintr_obj.h), read-write: a dead slot. */
static uint64_t service_dead_pa(const struct uintr_service *s)
{
	return port_virt_to_phys(s->dead_page);
}

/* The level-0 entry for va in the VSpace of asid, or NULL when the VSpace
 * or a table on the way is missing (or a superpage covers va). */
static struct pte *leaf_slot(uint64_t asid, uint64_t va)
{
	struct pagetable *table = asid_lookup(asid);
	if (table == NULL)
		return NULL;
	for (unsigned level = PAGETABLE_LEVELS - 1; level > 0; level--) {
		struct pte *e = &table->entry[pagetable_index(va, level)];
		if (!pte_is_table(*e))
			return NULL;
		table = port_phys_to_virt(pte_physical_address(*e));
	}
	return &table->entry[pagetable_index(va, 0)];
}

/* The live VSpace of thread t (its root cap still names its ASID's root). */
static bool thread_asid(const struct tcb *t, uint64_t *asid)
{
	*asid = tcb_vspace_asid(t);
	return *asid != ASID_INVALID;
}

static bool user_range(uint64_t va, uint64_t bytes)
{
	return va < VSPACE_USER_TOP && bytes <= VSPACE_USER_TOP - va;
}

static uint64_t frame_pa(const struct channel *c, unsigned k)
{
	return port_virt_to_phys((const void *)cap_ptr(c->frame[k].cap));
}

static uint64_t slot_vaddr(const struct uintr_service *s, unsigned i)
{
	return s->window_base + (uint64_t)i * s->window_pages * PAGE;
}

/* Untrusted: base, slot. */
enum error channel_configure(struct uintr_service *s, uint64_t base, uint64_t slot)
{
	uint64_t asid;
	if (uintr_receiver_state(&s->rx) == UINTR_RX_FREE || !thread_asid(s->rx.owner, &asid))
		return ERR_ILLEGAL_OPERATION;
	if (s->channels_live != 0 || s->channels_dead != 0)
		return ERR_DELETE_FIRST;
	if (slot == 0 || slot > CHANNEL_MAX_PAGES)
		return ERR_INVALID_ARGUMENT;
	uint64_t bytes = CHANNEL_WINDOW_SLOTS * slot * PAGE;
	if (!user_range(base, bytes))
		return ERR_INVALID_ARGUMENT;
	if (base & (PAGE - 1))
		return ERR_ALIGNMENT;
	for (uint64_t off = 0; off < bytes; off += PAGE)
		if (leaf_slot(asid, base + off) == NULL)
			return ERR_FAILED_LOOKUP;
	scrub_window(s);
	s->window_base = base;
	s->window_pages = (uint32_t)slot;
	s->window_asid = asid;
	return ERR_OK;
}

/* Untrusted: release. */
enum error channel_service_masks(struct uintr_service *s, uint64_t release, uint64_t *live,
				 uint64_t *dead)
{
	if (release & ~s->channels_dead)
		return ERR_INVALID_ARGUMENT;
	s->channels_dead &= ~release;
	*live = s->channels_live;
	*dead = s->channels_dead;
	return ERR_OK;
}

static bool entry_empty(struct uintr_sender_table *t, uint64_t i)
{
	return atomic_load_explicit(&t->entry[i].receiver, memory_order_relaxed) == NULL;
}

/* A frame fit for a buffer page: 4 KiB RAM the caller may read and write. */
static bool buffer_frame(struct cap cap)
{
	unsigned rw = CAP_RIGHT_READ | CAP_RIGHT_WRITE;
	return cap_type(cap) == CAP_FRAME && cap_frame_size(cap) == FRAME_SIZE_4K &&
	       !cap_frame_is_device(cap) && (cap_rights(cap).bits & rw) == rw;
}

/* The client-side checks of Register that need no server. Untrusted: all. */
static enum error check_client(const struct channel_register_args *a, unsigned max_pages,
			       unsigned *cv, uint64_t *casid)
{
	struct uintr_service *cs = a->client->uintr_service;
	struct uintr_sender_table *ct = a->client->uintr_table;
	if (a->index >= ct->size || a->vector > UINTR_ANY_VECTOR || a->pages == 0 ||
	    a->pages > max_pages)
		return ERR_RANGE;
	if (!entry_empty(ct, a->index))
		return ERR_DELETE_FIRST;
	for (uint64_t k = 0; k < a->pages; k++) {
		if (!buffer_frame(a->frames[k]->cap))
			return ERR_INVALID_CAPABILITY;
		for (uint64_t j = 0; j < k; j++)
			if (cap_ptr(a->frames[j]->cap) == cap_ptr(a->frames[k]->cap))
				return ERR_INVALID_ARGUMENT;
	}
	if (a->vaddr & (PAGE - 1))
		return ERR_ALIGNMENT;
	if (!user_range(a->vaddr, a->pages * PAGE))
		return ERR_INVALID_ARGUMENT;
	if (!thread_asid(a->client, casid))
		return ERR_ILLEGAL_OPERATION;
	for (uint64_t k = 0; k < a->pages; k++) {
		struct pte *e = leaf_slot(*casid, a->vaddr + k * PAGE);
		if (e == NULL)
			return ERR_FAILED_LOOKUP;
		if (pte_is_valid(*e))
			return ERR_DELETE_FIRST;
	}
	unsigned v = (unsigned)a->vector;
	if (v == UINTR_ANY_VECTOR) {
		for (v = 0; v < UINTR_VECTORS && cs->rx.sender[v] != NULL; v++)
			;
		if (v == UINTR_VECTORS)
			return ERR_NOT_ENOUGH_MEMORY;
	} else if (cs->rx.sender[v] != NULL) {
		return ERR_ILLEGAL_OPERATION;
	}
	*cv = v;
	return ERR_OK;
}

/* The lowest server vector a new channel may take, or UINTR_VECTORS. */
static unsigned pick_vector(struct uintr_service *s, struct uintr_sender_table *st)
{
	uint64_t taken = s->channels_live | s->channels_dead;
	for (unsigned i = 0; i < UINTR_VECTORS && i < st->size; i++)
		if (!(taken >> i & 1) && s->rx.sender[i] == NULL && entry_empty(st, i))
			return i;
	return UINTR_VECTORS;
}

static void set_entry(uint64_t asid, uint64_t va, struct pte *e, struct pte value)
{
	*e = value;
	port_tlb_flush_page(asid, va, asid_harts(asid));
}

/* Every page of s's window that maps s's dead page gets the kernel's
 * (read-only) one instead: before the window moves or the service stops
 * being a receiver, so s's memory is mapped nowhere once it may go. */
static void scrub_window(struct uintr_service *s)
{
	uint64_t pages = (uint64_t)CHANNEL_WINDOW_SLOTS * s->window_pages;
	for (uint64_t k = 0; k < pages; k++) {
		uint64_t va = s->window_base + k * PAGE;
		struct pte *e = leaf_slot(s->window_asid, va);
		if (e != NULL && pte_is_valid(*e) && pte_is_leaf(*e) &&
		    pte_physical_address(*e) == service_dead_pa(s))
			set_entry(s->window_asid, va, e, dead_entry());
	}
}

static void register_entry(struct uintr_sender_table *t, uint32_t i, struct uintr_receiver *r,
			   unsigned v)
{
	unsigned used;
	enum error err = uintr_sender_register(t, i, r, v, &used);
	CORE_ASSERT(err == ERR_OK && used == v);
	port_uintr_entry_changed(t, i);
}

/* Untrusted: everything in a, s's and c's state. */
enum error channel_register(struct channel *c, struct uintr_service *s,
			    const struct channel_register_args *a, unsigned *server_vector,
			    unsigned *client_vector)
{
	if (c->state != CHANNEL_FREE)
		return ERR_DELETE_FIRST;
	if (s->window_pages == 0 || uintr_receiver_state(&s->rx) == UINTR_RX_FREE)
		return ERR_ILLEGAL_OPERATION;
	struct uintr_service *cs = a->client->uintr_service;
	struct uintr_sender_table *ct = a->client->uintr_table;
	struct tcb *server = s->rx.owner;
	struct uintr_sender_table *st = server->uintr_table;
	if (cs == NULL || ct == NULL || cs == s || st == NULL)
		return ERR_ILLEGAL_OPERATION;
	unsigned cv;
	uint64_t casid, sasid;
	enum error err = check_client(a, s->window_pages, &cv, &casid);
	if (err != ERR_OK)
		return err;
	if (!thread_asid(server, &sasid) || sasid != s->window_asid)
		return ERR_ILLEGAL_OPERATION;
	unsigned i = pick_vector(s, st);
	if (i == UINTR_VECTORS)
		return ERR_NOT_ENOUGH_MEMORY;
	uint64_t sva = slot_vaddr(s, i);
	for (uint64_t k = 0; k < a->pages; k++) {
		struct pte *e = leaf_slot(sasid, sva + k * PAGE);
		if (e == NULL)
			return ERR_FAILED_LOOKUP;
		if (pte_is_valid(*e) && e->word != dead_entry().word &&
		    e->word != buffer_entry(service_dead_pa(s)).word)
			return ERR_DELETE_FIRST;
	}

	/* Invoke: nothing below fails. */
	for (unsigned k = 0; k < a->pages; k++) {
		struct cap_result copy = cte_derive(a->frames[k], a->frames[k]->cap);
		CORE_ASSERT(copy.err == ERR_OK);
		cte_insert(cap_frame_set_holder(copy.cap, (uintptr_t)c | k), a->frames[k],
			   &c->frame[k]);
	}
	c->pages = (uint8_t)a->pages;
	for (unsigned k = 0; k < a->pages; k++) {
		uint64_t cva = a->vaddr + k * PAGE, va = sva + k * PAGE;
		set_entry(casid, cva, leaf_slot(casid, cva), buffer_entry(frame_pa(c, k)));
		set_entry(sasid, va, leaf_slot(sasid, va), buffer_entry(frame_pa(c, k)));
	}
	register_entry(ct, (uint32_t)a->index, &s->rx, i);
	register_entry(st, i, &cs->rx, cv);
	c->server = s;
	c->client = cs;
	c->server_table = st;
	c->client_table = ct;
	c->client_index = (uint32_t)a->index;
	c->server_vector = (uint8_t)i;
	c->client_vector = (uint8_t)cv;
	c->client_asid = casid;
	c->client_vaddr = a->vaddr;
	c->server_asid = sasid;
	c->server_vaddr = sva;
	c->client_mapped = 1;
	c->server_prev = NULL;
	c->server_next = s->served;
	if (s->served != NULL)
		s->served->server_prev = c;
	s->served = c;
	c->client_prev = NULL;
	c->client_next = cs->clients;
	if (cs->clients != NULL)
		cs->clients->client_prev = c;
	cs->clients = c;
	s->channels_live |= (uint64_t)1 << i;
	c->why = 0;
	c->state = CHANNEL_LIVE;
	/* The server learns of the new channel as of any request: its bit. */
	(void)uintr_send(ct, a->index, sched_this_hart());
	*server_vector = i;
	*client_vector = cv;
	return ERR_OK;
}

/* Empty entry i of t if it is still the one that owns vector v of r (a
 * table that went emptied it, and r's back-link with it), ringing it first
 * when the receiver stays. */
static void release_entry(struct uintr_sender_table *t, uint32_t i, struct uintr_receiver *r,
			  unsigned v, bool ring)
{
	if (r->sender[v] != &t->entry[i])
		return;
	if (ring)
		(void)uintr_send(t, i, sched_this_hart());
	enum error err = uintr_sender_unregister(t, i);
	CORE_ASSERT(err == ERR_OK);
	port_uintr_entry_changed(t, i);
}

/* Every page of the buffer still mapped at (asid, va) gets `with`. */
static void replace_side(const struct channel *c, uint64_t asid, uint64_t va, struct pte with)
{
	for (unsigned k = 0; k < c->pages; k++) {
		struct pte *e = leaf_slot(asid, va + k * PAGE);
		if (e != NULL && pte_is_valid(*e) && pte_is_leaf(*e) &&
		    pte_physical_address(*e) == frame_pa(c, k))
			set_entry(asid, va + k * PAGE, e, with);
	}
}

static void unmap_client(struct channel *c)
{
	if (!c->client_mapped)
		return;
	replace_side(c, c->client_asid, c->client_vaddr, pte_invalid());
	c->client_mapped = 0;
}

/* A live channel goes: `why` is the side that went (0: the client let it
 * go). The side that went, or let go, is not rung. c is DEAD after, its
 * frames still held. */
static void teardown(struct channel *c, unsigned why)
{
	struct uintr_service *s = c->server, *cs = c->client;
	unsigned i = c->server_vector;
	CORE_ASSERT(c->state == CHANNEL_LIVE);
	lend_return(&c->lend); /* the client's pages come home before anything goes */
	release_entry(c->client_table, c->client_index, &s->rx, i, why != ABI_CHANNEL_GONE_SERVER);
	release_entry(c->server_table, i, &cs->rx, c->client_vector,
		      why == ABI_CHANNEL_GONE_SERVER || why == ABI_CHANNEL_GONE_FRAMES);
	/* The client keeps its own frames mapped when only the server went. */
	if (why != ABI_CHANNEL_GONE_SERVER)
		unmap_client(c);
	replace_side(c, c->server_asid, c->server_vaddr, buffer_entry(service_dead_pa(s)));
	if (c->server_prev != NULL)
		c->server_prev->server_next = c->server_next;
	else
		s->served = c->server_next;
	if (c->server_next != NULL)
		c->server_next->server_prev = c->server_prev;
	if (c->client_prev != NULL)
		c->client_prev->client_next = c->client_next;
	else
		cs->clients = c->client_next;
	if (c->client_next != NULL)
		c->client_next->client_prev = c->client_prev;
	c->server_prev = c->server_next = c->client_prev = c->client_next = NULL;
	s->channels_live &= ~((uint64_t)1 << i);
	s->channels_dead |= (uint64_t)1 << i;
	c->server = c->client = NULL;
	c->why = (uint8_t)why;
	c->state = CHANNEL_DEAD;
}

/* A dead channel lets go of its frames and becomes FREE. */
static void clear(struct channel *c)
{
	CORE_ASSERT(c->state == CHANNEL_DEAD);
	unmap_client(c);
	/* FREE first: each copy's deletion calls channel_frame_gone. */
	c->state = CHANNEL_FREE;
	for (unsigned k = 0; k < CHANNEL_MAX_PAGES; k++) {
		if (cap_is_null(c->frame[k].cap))
			continue;
		struct work_budget budget = { .left = 1 };
		enum error err = cte_delete(&c->frame[k], &budget);
		CORE_ASSERT(err == ERR_OK); /* a frame is one step */
	}
	c->pages = 0;
	c->why = 0;
}

enum error channel_unregister(struct channel *c)
{
	if (c->state == CHANNEL_FREE)
		return ERR_FAILED_LOOKUP;
	if (c->state == CHANNEL_LIVE)
		teardown(c, 0);
	clear(c);
	return ERR_OK;
}

void channel_finalise(struct channel *c)
{
	if (c->state == CHANNEL_LIVE)
		teardown(c, 0);
	if (c->state == CHANNEL_DEAD)
		clear(c);
}

void channel_frame_gone(struct cap frame)
{
	uintptr_t holder = cap_frame_holder(frame);
	struct channel *c = (struct channel *)(holder & ~(uintptr_t)(CHANNEL_MAX_PAGES - 1));
	if (c->state == CHANNEL_LIVE)
		teardown(c, ABI_CHANNEL_GONE_FRAMES);
	/* Its memory may be reused once the copy goes: not mapped anywhere. */
	unmap_client(c);
}

void channel_receiver_gone(struct uintr_service *s)
{
	while (s->served != NULL)
		teardown(s->served, ABI_CHANNEL_GONE_SERVER);
	while (s->clients != NULL)
		teardown(s->clients, ABI_CHANNEL_GONE_CLIENT);
	scrub_window(s);
	s->window_base = 0;
	s->window_asid = 0;
	s->window_pages = 0;
	s->channels_live = 0;
	s->channels_dead = 0;
}

const char *channel_check_invariants(const struct channel *c)
{
	if (c->state == CHANNEL_LIVE) {
		if (c->server == NULL || c->client == NULL)
			return "a live channel lacks a side";
		if (!(c->server->channels_live >> c->server_vector & 1))
			return "a live channel's vector is not live at its service";
		if (!c->client_mapped)
			return "a live channel is not mapped at its client";
	} else if (c->server != NULL || c->client != NULL || c->server_prev != NULL ||
		   c->server_next != NULL || c->client_prev != NULL || c->client_next != NULL) {
		return "a channel that is not live is linked to a service";
	}
	if (c->state == CHANNEL_FREE && c->pages != 0)
		return "a free channel holds frames";
	for (unsigned k = 0; k < CHANNEL_MAX_PAGES; k++) {
		struct cap cap = c->frame[k].cap;
		if (k >= c->pages && !cap_is_null(cap))
			return "a frame held past the page count";
		if (c->state == CHANNEL_LIVE && k < c->pages && cap_is_null(cap))
			return "a live channel lost a frame";
	}
	return NULL;
}
