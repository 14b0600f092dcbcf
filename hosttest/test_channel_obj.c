/* SPDX-License-Identifier: MIT */
/*
 * core/channel_obj.c: a service's window, Register's checks (each error leaves
 * everything as it was), the mappings and entries it makes, and every
 * teardown: Unregister, the channel's last cap, a held frame deleted (as a
 * revoke does), either receiver released, the service deleted, with
 * tables and page tables gone first. Threads come from the thread world
 * and share its one VSpace; the buffer's PTEs are read back through
 * vspace_translate.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "channel_obj.h"
#include "fake_arch.h"
#include "host_object.h"
#include "thread_world.h"

#define PAGE 4096u
#define WINDOW 0x40000000ull
#define CLIENT_VA 0x40200000ull
#define SLOT 2u

static void drop(struct obj *o)
{
	if (!cap_is_null(o->slot.cap)) {
		struct work_budget budget = { .left = 100 };
		assert_int_equal(cte_delete(&o->slot, &budget), ERR_OK);
	}
	free(o->mem);
	o->mem = NULL;
}

struct fix {
	struct tcb *server, *client;
	struct obj svc, stable, csvc, ctable, tables[4], frames[4], ch, ch2;
	uint64_t asid;
};

static struct uintr_service *svc(struct obj *o)
{
	return (struct uintr_service *)cap_ptr(o->slot.cap);
}

static struct uintr_sender_table *table(struct obj *o)
{
	return (struct uintr_sender_table *)cap_ptr(o->slot.cap);
}

static struct channel *chan(struct obj *o)
{
	return (struct channel *)cap_ptr(o->slot.cap);
}

static void give_vspace(struct tcb *t)
{
	struct cap cn = tw_cnode(W, 4);
	tw_set_space(W, t, tw_slot_of(W, cn), NULL);
}

/* Two threads with receivers and tables, page tables at the window and
 * at the client's address (one level-1 and two level-0 tables). */
static void set_up(struct fix *f)
{
	memset(f, 0, sizeof(*f));
	W = tw_new(2);
	f->server = tw_running(W, 10, 1);
	f->client = tw_running(W, 10, 0);
	give_vspace(f->server);
	give_vspace(f->client);
	f->asid = tcb_vspace_asid(f->client);
	assert_int_not_equal(f->asid, ASID_INVALID);
	f->svc = make(OBJ_SERVICE, 0);
	f->stable = make(OBJ_SENDER_TABLE, 6);
	f->csvc = make(OBJ_SERVICE, 0);
	f->ctable = make(OBJ_SENDER_TABLE, 7);
	assert_int_equal(uintr_bind_receiver(f->server, svc(&f->svc), 0, 0, 0), ERR_OK);
	assert_int_equal(uintr_bind_table(f->server, table(&f->stable)), ERR_OK);
	assert_int_equal(uintr_bind_receiver(f->client, svc(&f->csvc), 0, 0, 0), ERR_OK);
	assert_int_equal(uintr_bind_table(f->client, table(&f->ctable)), ERR_OK);
	uint64_t at[3] = { WINDOW, WINDOW, CLIENT_VA };
	struct lookup_fault fault;
	for (unsigned i = 0; i < 3; i++) {
		f->tables[i] = make(OBJ_PAGE_TABLE, 0);
		assert_int_equal(
		    vspace_page_table_map(&f->tables[i].slot, tw_vspace(W), at[i], &fault), ERR_OK);
	}
	for (unsigned i = 0; i < 4; i++)
		f->frames[i] = make(OBJ_FRAME_4K, 0);
	f->ch = make(OBJ_CHANNEL, 0);
	f->ch2 = make(OBJ_CHANNEL, 0);
}

static void tear_down(struct fix *f)
{
	drop(&f->ch);
	drop(&f->ch2);
	for (unsigned i = 0; i < 4; i++)
		drop(&f->frames[i]);
	drop(&f->svc);
	drop(&f->csvc);
	drop(&f->stable);
	drop(&f->ctable);
	for (int i = 2; i >= 0; i--)
		drop(&f->tables[i]);
}

static struct cte *frame_list[CHANNEL_MAX_PAGES];

static struct channel_register_args args(struct fix *f, uint64_t index, uint64_t vector,
					 uint64_t vaddr, uint64_t pages)
{
	for (unsigned i = 0; i < 4; i++)
		frame_list[i] = &f->frames[i].slot;
	return (struct channel_register_args){ f->client, index, vector, vaddr, pages, frame_list };
}

/* The physical address va maps to in the world's VSpace, or 0. */
static uint64_t pa_at(struct fix *f, uint64_t va)
{
	struct pagetable_translation t;
	if (vspace_translate(f->asid, va, &t) != ERR_OK)
		return 0;
	return t.physical_address;
}

static uint64_t obj_pa(struct obj *o)
{
	return (uint64_t)(uintptr_t)o->mem;
}

/* The server's own dead page: what its dead slots map while it serves. */
static uint64_t own_dead(struct fix *f)
{
	return (uint64_t)(uintptr_t)svc(&f->svc)->dead_page;
}

static void check(struct fix *f)
{
	tw_assert(W);
	assert_null(channel_check_invariants(chan(&f->ch)));
	assert_null(channel_check_invariants(chan(&f->ch2)));
	assert_null(vspace_check_invariants());
}

static void test_configure(void **state)
{
	(void)state;
	struct fix f;
	set_up(&f);
	struct obj lone = make(OBJ_SERVICE, 0);
	assert_int_equal(channel_configure(svc(&lone), WINDOW, 1), ERR_ILLEGAL_OPERATION);
	struct tcb *nospace = tw_thread(W, 10, 0);
	assert_int_equal(uintr_bind_receiver(nospace, svc(&lone), 0, 0, 0), ERR_OK);
	assert_int_equal(channel_configure(svc(&lone), WINDOW, 1), ERR_ILLEGAL_OPERATION);
	struct uintr_service *s = svc(&f.svc);
	assert_int_equal(channel_configure(s, WINDOW, 0), ERR_INVALID_ARGUMENT);
	assert_int_equal(channel_configure(s, WINDOW, CHANNEL_MAX_PAGES + 1), ERR_INVALID_ARGUMENT);
	assert_int_equal(channel_configure(s, VSPACE_USER_TOP - PAGE, 1), ERR_INVALID_ARGUMENT);
	assert_int_equal(channel_configure(s, WINDOW + 8, 1), ERR_ALIGNMENT);
	assert_int_equal(channel_configure(s, WINDOW + 0x3f0000, 1), ERR_FAILED_LOOKUP);
	assert_int_equal(s->window_pages, 0);
	assert_int_equal(channel_configure(s, WINDOW, SLOT), ERR_OK);
	assert_int_equal(s->window_base, WINDOW);
	assert_int_equal(s->window_pages, SLOT);
	uint64_t live = 9, dead = 9;
	assert_int_equal(channel_service_masks(s, 1, &live, &dead), ERR_INVALID_ARGUMENT);
	assert_int_equal(channel_service_masks(s, 0, &live, &dead), ERR_OK);
	assert_int_equal(live | dead, 0);
	s->channels_dead = 4;
	assert_int_equal(channel_configure(s, WINDOW, 1), ERR_DELETE_FIRST);
	s->channels_dead = 0;
	s->channels_live = 8;
	assert_int_equal(channel_configure(s, WINDOW, 1), ERR_DELETE_FIRST);
	s->channels_live = 0;
	/* A window but no receiver (release_receiver resets both together). */
	assert_int_equal(uintr_unbind_receiver(nospace), ERR_OK);
	svc(&lone)->window_pages = 1;
	unsigned sv, cv;
	struct cte *none[1] = { NULL };
	struct channel_register_args a = { f.client, 0, 0, CLIENT_VA, 1, none };
	struct obj ch = make(OBJ_CHANNEL, 0);
	assert_int_equal(channel_register(chan(&ch), svc(&lone), &a, &sv, &cv),
			 ERR_ILLEGAL_OPERATION);
	svc(&lone)->window_pages = 0;
	drop(&ch);
	drop(&lone);
	tear_down(&f);
}

static void test_register_errors_change_nothing(void **state)
{
	(void)state;
	struct fix f;
	set_up(&f);
	struct uintr_service *s = svc(&f.svc);
	struct channel *c = chan(&f.ch);
	unsigned sv = 99, cv = 99;
	struct channel_register_args a = args(&f, 0, 0, CLIENT_VA, 1);
	assert_int_equal(channel_register(c, s, &a, &sv, &cv),
			 ERR_ILLEGAL_OPERATION); /* no window */
	assert_int_equal(channel_configure(s, WINDOW, SLOT), ERR_OK);
	uint64_t changes = fake_arch.uintr_entry_changed_calls;
	struct {
		struct channel_register_args a;
		enum error want;
	} bad[] = {
		{ args(&f, 128, 0, CLIENT_VA, 1), ERR_RANGE },
		{ args(&f, 0, 65, CLIENT_VA, 1), ERR_RANGE },
		{ args(&f, 0, 0, CLIENT_VA, 0), ERR_RANGE },
		{ args(&f, 0, 0, CLIENT_VA, 3), ERR_RANGE },
		{ args(&f, 0, 0, CLIENT_VA + 8, 1), ERR_ALIGNMENT },
		{ args(&f, 0, 0, VSPACE_USER_TOP - PAGE, 2), ERR_INVALID_ARGUMENT },
		{ args(&f, 0, 0, CLIENT_VA + 0x40000000, 1), ERR_FAILED_LOOKUP },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(channel_register(c, s, &bad[i].a, &sv, &cv), bad[i].want);
	/* Frames: not a frame, read-only, a 2 MiB one, device, twice. */
	struct obj ep = make(OBJ_ENDPOINT, 0);
	a = args(&f, 0, 0, CLIENT_VA, 2);
	frame_list[1] = &ep.slot;
	assert_int_equal(channel_register(c, s, &a, &sv, &cv), ERR_INVALID_CAPABILITY);
	struct cte ro = { .cap = cap_frame_new(obj_pa(&f.frames[1]), FRAME_SIZE_4K,
					       cap_rights_make(CAP_RIGHT_READ), false) };
	frame_list[1] = &ro;
	assert_int_equal(channel_register(c, s, &a, &sv, &cv), ERR_INVALID_CAPABILITY);
	struct cte big = { .cap = cap_frame_new(0x200000, FRAME_SIZE_2M,
						cap_rights_make(CAP_RIGHT_READ | CAP_RIGHT_WRITE),
						false) };
	frame_list[1] = &big;
	assert_int_equal(channel_register(c, s, &a, &sv, &cv), ERR_INVALID_CAPABILITY);
	struct cte dev = { .cap = cap_frame_new(obj_pa(&f.frames[1]), FRAME_SIZE_4K,
						cap_rights_make(CAP_RIGHT_READ | CAP_RIGHT_WRITE),
						true) };
	frame_list[1] = &dev;
	assert_int_equal(channel_register(c, s, &a, &sv, &cv), ERR_INVALID_CAPABILITY);
	frame_list[1] = frame_list[0];
	assert_int_equal(channel_register(c, s, &a, &sv, &cv), ERR_INVALID_ARGUMENT);
	/* Mapped already at the client. */
	struct lookup_fault fault;
	assert_int_equal(vspace_frame_map(&f.frames[3].slot, tw_vspace(W), CLIENT_VA + PAGE,
					  CAP_RIGHT_READ, 0, &fault),
			 ERR_OK);
	a = args(&f, 0, 0, CLIENT_VA, 2);
	assert_int_equal(channel_register(c, s, &a, &sv, &cv), ERR_DELETE_FIRST);
	assert_int_equal(vspace_frame_unmap(&f.frames[3].slot), ERR_OK);
	/* Entries and vectors taken. */
	struct obj other = make(OBJ_SERVICE, 0);
	struct tcb *third = tw_thread(W, 10, 0);
	assert_int_equal(uintr_bind_receiver(third, svc(&other), 0, 0, 0), ERR_OK);
	unsigned v;
	assert_int_equal(uintr_sender_register(table(&f.ctable), 5, &svc(&other)->rx, 0, &v),
			 ERR_OK);
	a = args(&f, 5, 0, CLIENT_VA, 1);
	assert_int_equal(channel_register(c, s, &a, &sv, &cv), ERR_DELETE_FIRST);
	assert_int_equal(uintr_sender_register(table(&f.stable), 9, &svc(&f.csvc)->rx, 3, &v),
			 ERR_OK);
	a = args(&f, 0, 3, CLIENT_VA, 1);
	assert_int_equal(channel_register(c, s, &a, &sv, &cv), ERR_ILLEGAL_OPERATION);
	/* Callers and services that cannot have a channel. */
	a = args(&f, 0, 0, CLIENT_VA, 1);
	assert_int_equal(channel_register(c, svc(&f.csvc), &a, &sv, &cv), ERR_ILLEGAL_OPERATION);
	svc(&f.csvc)->window_pages = 1; /* configured, yet the caller's own */
	assert_int_equal(channel_register(c, svc(&f.csvc), &a, &sv, &cv), ERR_ILLEGAL_OPERATION);
	svc(&f.csvc)->window_pages = 0;
	a.client = third; /* a receiver without a table */
	assert_int_equal(channel_register(c, s, &a, &sv, &cv), ERR_ILLEGAL_OPERATION);
	struct tcb *plain = tw_thread(W, 10, 0);
	a.client = plain; /* neither */
	assert_int_equal(channel_register(c, s, &a, &sv, &cv), ERR_ILLEGAL_OPERATION);
	struct obj ttable = make(OBJ_SENDER_TABLE, 0);
	assert_int_equal(uintr_bind_table(third, table(&ttable)), ERR_OK);
	a.client = third; /* no VSpace */
	assert_int_equal(channel_register(c, s, &a, &sv, &cv), ERR_ILLEGAL_OPERATION);
	assert_int_equal(uintr_bind_table(f.server, NULL), ERR_OK);
	a = args(&f, 0, 0, CLIENT_VA, 1);
	assert_int_equal(channel_register(c, s, &a, &sv, &cv), ERR_ILLEGAL_OPERATION);
	assert_int_equal(uintr_bind_table(f.server, table(&f.stable)), ERR_OK);
	/* A server without a VSpace: its root cap goes. */
	struct work_budget budget = { .left = 10 };
	struct cte saved = f.server->vspace_root;
	f.server->vspace_root.cap = cap_null();
	assert_int_equal(channel_register(c, s, &a, &sv, &cv), ERR_ILLEGAL_OPERATION);
	f.server->vspace_root = saved;
	(void)budget;
	/* The server's slot: a page table missing, a page mapped. */
	uint64_t base = s->window_base;
	s->window_base = WINDOW + 0x40000000ull - 2 * PAGE * 64; /* slot 0 below no table */
	assert_int_equal(channel_register(c, s, &a, &sv, &cv), ERR_FAILED_LOOKUP);
	s->window_base = base;
	assert_int_equal(
	    vspace_frame_map(&f.frames[3].slot, tw_vspace(W), WINDOW, CAP_RIGHT_READ, 0, &fault),
	    ERR_OK);
	assert_int_equal(channel_register(c, s, &a, &sv, &cv), ERR_DELETE_FIRST);
	assert_int_equal(vspace_frame_unmap(&f.frames[3].slot), ERR_OK);
	/* No vector: all 64 live. */
	s->channels_live = ~0ull;
	assert_int_equal(channel_register(c, s, &a, &sv, &cv), ERR_NOT_ENOUGH_MEMORY);
	s->channels_live = 0;
	/* Any client vector, none free. */
	struct uintr_receiver *crx = &svc(&f.csvc)->rx;
	struct uintr_sender_entry fake;
	struct uintr_sender_entry *saved_senders[UINTR_VECTORS];
	memcpy(saved_senders, crx->sender, sizeof(saved_senders));
	for (unsigned i = 0; i < UINTR_VECTORS; i++)
		crx->sender[i] = &fake;
	a = args(&f, 0, UINTR_ANY_VECTOR, CLIENT_VA, 1);
	assert_int_equal(channel_register(c, s, &a, &sv, &cv), ERR_NOT_ENOUGH_MEMORY);
	memcpy(crx->sender, saved_senders, sizeof(saved_senders));

	assert_int_equal(sv, 99);
	assert_int_equal(cv, 99);
	assert_int_equal(c->state, CHANNEL_FREE);
	assert_int_equal(fake_arch.uintr_entry_changed_calls, changes);
	assert_int_equal(pa_at(&f, CLIENT_VA), 0);
	assert_int_equal(pa_at(&f, WINDOW), 0);
	assert_true(cap_is_null(c->frame[0].cap));
	check(&f);
	assert_int_equal(uintr_unbind_receiver(third), ERR_OK);
	drop(&other);
	drop(&ttable);
	drop(&ep);
	tear_down(&f);
}

static void test_register_map_ring_unregister(void **state)
{
	(void)state;
	struct fix f;
	set_up(&f);
	struct uintr_service *s = svc(&f.svc), *cs = svc(&f.csvc);
	struct channel *c = chan(&f.ch);
	assert_int_equal(channel_configure(s, WINDOW, SLOT), ERR_OK);
	unsigned sv = 99, cv = 99;
	struct channel_register_args a = args(&f, 4, 17, CLIENT_VA, 2);
	uint64_t changes = fake_arch.uintr_entry_changed_calls;
	assert_int_equal(channel_register(c, s, &a, &sv, &cv), ERR_OK);
	assert_int_equal(sv, 0);
	assert_int_equal(cv, 17);
	assert_int_equal(fake_arch.uintr_entry_changed_calls, changes + 2);
	check(&f);
	for (unsigned k = 0; k < 2; k++) {
		assert_int_equal(pa_at(&f, CLIENT_VA + k * PAGE), obj_pa(&f.frames[k]));
		assert_int_equal(pa_at(&f, WINDOW + k * PAGE), obj_pa(&f.frames[k]));
		assert_int_equal(cap_frame_holder(c->frame[k].cap), (uintptr_t)c | k);
	}
	assert_true(atomic_load(&s->rx.pending) & 1); /* rung */
	assert_int_equal(uintr_send(table(&f.ctable), 4, 0).err, ERR_OK);
	assert_int_equal(uintr_send(table(&f.stable), 0, 0).err, ERR_OK);
	assert_true(atomic_load(&cs->rx.pending) >> 17 & 1);
	assert_int_equal(s->channels_live, 1);
	assert_ptr_equal(s->served, c);
	assert_ptr_equal(cs->clients, c);

	/* A second channel takes vector 1; the lists hold both. */
	struct channel *c2 = chan(&f.ch2);
	a = args(&f, 5, UINTR_ANY_VECTOR, CLIENT_VA + 4 * PAGE, 1);
	frame_list[0] = &f.frames[2].slot;
	assert_int_equal(channel_register(c2, s, &a, &sv, &cv), ERR_OK);
	assert_int_equal(sv, 1);
	assert_int_equal(cv, 0);
	assert_int_equal(pa_at(&f, WINDOW + 2 * PAGE), obj_pa(&f.frames[2]));
	check(&f);
	a = args(&f, 6, UINTR_ANY_VECTOR, CLIENT_VA + 5 * PAGE, 1);
	assert_int_equal(channel_register(c2, s, &a, &sv, &cv), ERR_DELETE_FIRST);

	/* Unregister the first: entries empty, client unmapped, server dead page. */
	atomic_store(&cs->rx.pending, 0);
	atomic_store(&s->rx.pending, 0);
	assert_int_equal(channel_unregister(c), ERR_OK);
	assert_int_equal(c->state, CHANNEL_FREE);
	assert_int_equal(uintr_send(table(&f.ctable), 4, 0).err, ERR_FAILED_LOOKUP);
	assert_int_equal(uintr_send(table(&f.stable), 0, 0).err, ERR_FAILED_LOOKUP);
	assert_int_equal(atomic_load(&cs->rx.pending), 0); /* the client let go: not rung */
	assert_int_equal(atomic_load(&s->rx.pending), 1);
	assert_int_equal(pa_at(&f, CLIENT_VA), 0);
	assert_int_equal(pa_at(&f, WINDOW), own_dead(&f));
	assert_int_equal(pa_at(&f, WINDOW + PAGE), own_dead(&f));
	assert_true(cap_is_null(c->frame[0].cap));
	assert_int_equal(channel_unregister(c), ERR_FAILED_LOOKUP);
	uint64_t live, dead;
	assert_int_equal(channel_service_masks(s, 0, &live, &dead), ERR_OK);
	assert_int_equal(live, 2);
	assert_int_equal(dead, 1);
	assert_ptr_equal(s->served, c2);
	assert_ptr_equal(cs->clients, c2);
	check(&f);

	/* Dead vector 0 is skipped until released; then the dead page is
	 * replaced by the new buffer. */
	a = args(&f, 4, 17, CLIENT_VA, 1);
	assert_int_equal(channel_register(c, s, &a, &sv, &cv), ERR_OK);
	assert_int_equal(sv, 2);
	assert_int_equal(channel_unregister(c), ERR_OK);
	assert_int_equal(channel_service_masks(s, 5, &live, &dead), ERR_OK);
	assert_int_equal(dead, 0);
	assert_int_equal(channel_register(c, s, &a, &sv, &cv), ERR_OK);
	assert_int_equal(sv, 0);
	assert_int_equal(pa_at(&f, WINDOW), obj_pa(&f.frames[0]));
	assert_int_equal(pa_at(&f, WINDOW + PAGE), own_dead(&f)); /* one page this time */
	check(&f);
	/* Both go with their channel caps (LIVE), the middle of the list first. */
	drop(&f.ch2);
	assert_ptr_equal(s->served, c);
	drop(&f.ch);
	assert_null(s->served);
	assert_null(cs->clients);
	assert_int_equal(s->channels_live, 0);
	tear_down(&f);
}

/* Register f.ch with two pages at vector 0 (configuring first). */
static struct channel *live_channel(struct fix *f)
{
	struct uintr_service *s = svc(&f->svc);
	if (s->window_pages == 0)
		assert_int_equal(channel_configure(s, WINDOW, SLOT), ERR_OK);
	unsigned sv, cv;
	struct channel_register_args a = args(f, 0, UINTR_ANY_VECTOR, CLIENT_VA, 2);
	assert_int_equal(channel_register(chan(&f->ch), s, &a, &sv, &cv), ERR_OK);
	return chan(&f->ch);
}

static void test_frame_gone(void **state)
{
	(void)state;
	struct fix f;
	set_up(&f);
	struct channel *c = live_channel(&f);
	struct uintr_service *cs = svc(&f.csvc);
	atomic_store(&cs->rx.pending, 0);
	/* As a revoke of the frame reaches the channel's copy. */
	struct work_budget budget = { .left = 10 };
	assert_int_equal(cte_delete(&c->frame[1], &budget), ERR_OK);
	assert_int_equal(c->state, CHANNEL_DEAD);
	assert_int_equal(c->why, ABI_CHANNEL_GONE_FRAMES);
	assert_int_equal(atomic_load(&cs->rx.pending), 1); /* the client is rung */
	assert_int_equal(pa_at(&f, CLIENT_VA), 0);
	assert_int_equal(pa_at(&f, CLIENT_VA + PAGE), 0);
	assert_int_equal(pa_at(&f, WINDOW + PAGE), own_dead(&f));
	check(&f);
	/* The other copy goes too: nothing more to do. */
	assert_int_equal(cte_delete(&c->frame[0], &budget), ERR_OK);
	assert_int_equal(c->state, CHANNEL_DEAD);
	assert_int_equal(channel_unregister(c), ERR_OK);
	assert_int_equal(c->state, CHANNEL_FREE);
	assert_int_equal(c->pages, 0);
	tear_down(&f);
}

static void test_server_goes(void **state)
{
	(void)state;
	struct fix f;
	set_up(&f);
	struct channel *c = live_channel(&f);
	struct uintr_service *s = svc(&f.svc), *cs = svc(&f.csvc);
	atomic_store(&cs->rx.pending, 0);
	assert_int_equal(uintr_unbind_receiver(f.server), ERR_OK);
	assert_int_equal(c->state, CHANNEL_DEAD);
	assert_int_equal(c->why, ABI_CHANNEL_GONE_SERVER);
	assert_int_equal(atomic_load(&cs->rx.pending), 1);
	assert_int_equal(pa_at(&f, CLIENT_VA), obj_pa(&f.frames[0])); /* kept */
	assert_int_equal(pa_at(&f, WINDOW), channel_dead_page());
	assert_int_equal(s->window_pages, 0);
	assert_int_equal(s->channels_live | s->channels_dead, 0);
	assert_null(cs->clients);
	check(&f);
	/* A frame revoked now still takes the client's mapping away. */
	struct work_budget budget = { .left = 10 };
	assert_int_equal(cte_delete(&c->frame[0], &budget), ERR_OK);
	assert_int_equal(pa_at(&f, CLIENT_VA), 0);
	assert_int_equal(pa_at(&f, CLIENT_VA + PAGE), 0);
	/* The channel's last cap: its other frame goes with it. */
	drop(&f.ch);
	tear_down(&f);
}

static void test_client_goes(void **state)
{
	(void)state;
	struct fix f;
	set_up(&f);
	struct channel *c = live_channel(&f);
	struct uintr_service *s = svc(&f.svc), *cs = svc(&f.csvc);
	atomic_store(&s->rx.pending, 0);
	atomic_store(&cs->rx.pending, 0);
	tw_delete(W, tw_thread_slot(W, f.client));
	assert_int_equal(c->state, CHANNEL_DEAD);
	assert_int_equal(c->why, ABI_CHANNEL_GONE_CLIENT);
	assert_int_equal(atomic_load(&s->rx.pending), 1);
	assert_int_equal(pa_at(&f, CLIENT_VA), 0);
	assert_int_equal(pa_at(&f, WINDOW), own_dead(&f));
	assert_int_equal(s->channels_dead, 1);
	assert_int_equal(s->window_pages, SLOT); /* the server's window stays */
	/* A dead channel's last cap. */
	drop(&f.ch);
	assert_int_equal(chan(&f.ch2)->state, CHANNEL_FREE);
	tear_down(&f);
}

static void test_service_deleted_and_tables_gone(void **state)
{
	(void)state;
	struct fix f;
	set_up(&f);
	struct channel *c = live_channel(&f);
	/* The client's table goes first: its entry (and the server's back-link)
	 * went with it, so the teardown leaves that side alone. */
	drop(&f.ctable);
	/* The client's page table goes: nothing left to unmap there. */
	drop(&f.tables[2]);
	struct uintr_service *cs = svc(&f.csvc);
	atomic_store(&cs->rx.pending, 0);
	drop(&f.svc);
	assert_int_equal(c->state, CHANNEL_DEAD);
	assert_int_equal(c->why, ABI_CHANNEL_GONE_SERVER);
	assert_int_equal(atomic_load(&cs->rx.pending), 1);
	assert_int_equal(pa_at(&f, WINDOW), channel_dead_page());
	/* A PTE that no longer names the frame is left alone. */
	drop(&f.ch);
	tear_down(&f);
}

static void test_replace_only_own_entries(void **state)
{
	(void)state;
	struct fix f;
	set_up(&f);
	struct channel *c = live_channel(&f);
	/* Someone else's PTE where the client's was (the kernel's view only). */
	struct lookup_fault fault;
	assert_int_equal(vspace_frame_unmap(&f.frames[0].slot), ERR_OK);
	struct pagetable *t = (struct pagetable *)f.tables[2].mem;
	t->entry[pagetable_index(CLIENT_VA, 0)] = pte_invalid();
	assert_int_equal(
	    vspace_frame_map(&f.frames[3].slot, tw_vspace(W), CLIENT_VA, CAP_RIGHT_READ, 0, &fault),
	    ERR_OK);
	c->server_asid = 77; /* as if the server's VSpace went: no ASID */
	assert_int_equal(channel_unregister(c), ERR_OK);
	assert_int_equal(pa_at(&f, CLIENT_VA), obj_pa(&f.frames[3]));
	assert_int_equal(pa_at(&f, WINDOW), obj_pa(&f.frames[0])); /* left alone */
	struct pagetable *w = (struct pagetable *)f.tables[1].mem;
	for (unsigned k = 0; k < 2; k++)
		w->entry[pagetable_index(WINDOW + k * PAGE, 0)] = pte_invalid();
	assert_int_equal(vspace_frame_unmap(&f.frames[3].slot), ERR_OK);
	tear_down(&f);
}

/* A dead slot maps the server's own page read-write, so the server's
 * stores there (its indices, its sleeping word) never fault and reach
 * nobody else; the kernel's read-only page replaces it wherever it is
 * mapped before the window moves or the service stops being a receiver. */
static void test_dead_slot_is_the_servers_own(void **state)
{
	(void)state;
	struct fix f;
	set_up(&f);
	struct channel *c = live_channel(&f);
	struct uintr_service *s = svc(&f.svc);
	assert_int_equal(channel_unregister(c), ERR_OK);
	struct pagetable_translation t;
	for (unsigned k = 0; k < SLOT; k++) {
		assert_int_equal(vspace_translate(f.asid, WINDOW + k * PAGE, &t), ERR_OK);
		assert_int_equal(t.physical_address, own_dead(&f));
		assert_true(t.permissions & PTE_WRITE);
	}
	/* Moving the window (no channel live or dead) takes the old slots'
	 * mappings of the page away. */
	uint64_t live, dead;
	assert_int_equal(channel_service_masks(s, 1, &live, &dead), ERR_OK);
	assert_int_equal(channel_configure(s, WINDOW + 0x100000, 1), ERR_OK);
	assert_int_equal(pa_at(&f, WINDOW), channel_dead_page());
	assert_int_equal(pa_at(&f, WINDOW + PAGE), channel_dead_page());
	assert_int_equal(vspace_translate(f.asid, WINDOW, &t), ERR_OK);
	assert_false(t.permissions & PTE_WRITE);
	/* Another dead slot in the new window, then the receiver goes. */
	assert_int_equal(channel_configure(s, WINDOW, SLOT), ERR_OK);
	c = live_channel(&f);
	assert_int_equal(channel_unregister(c), ERR_OK);
	assert_int_equal(pa_at(&f, WINDOW + PAGE), own_dead(&f));
	assert_int_equal(uintr_unbind_receiver(f.server), ERR_OK);
	assert_int_equal(pa_at(&f, WINDOW), channel_dead_page());
	assert_int_equal(pa_at(&f, WINDOW + PAGE), channel_dead_page());
	check(&f);
	tear_down(&f);
}

/* Register needs the server thread in the VSpace its window was
 * configured in: that is where the kernel maps and scrubs. */
static void test_register_after_server_moved(void **state)
{
	(void)state;
	struct fix f;
	set_up(&f);
	struct uintr_service *s = svc(&f.svc);
	assert_int_equal(channel_configure(s, WINDOW, SLOT), ERR_OK);
	s->window_asid = f.asid + 1; /* as if configured in another VSpace */
	unsigned sv, cv;
	struct channel_register_args a = args(&f, 0, UINTR_ANY_VECTOR, CLIENT_VA, 1);
	assert_int_equal(channel_register(chan(&f.ch), s, &a, &sv, &cv), ERR_ILLEGAL_OPERATION);
	s->window_asid = f.asid;
	assert_int_equal(channel_register(chan(&f.ch), s, &a, &sv, &cv), ERR_OK);
	check(&f);
	tear_down(&f);
}

static void test_invariants_catch(void **state)
{
	(void)state;
	struct fix f;
	set_up(&f);
	struct channel *c = live_channel(&f);
	struct channel saved = *c;
	c->client = NULL;
	assert_non_null(channel_check_invariants(c));
	*c = saved;
	svc(&f.svc)->channels_live = 0;
	assert_non_null(channel_check_invariants(c));
	svc(&f.svc)->channels_live = 1;
	c->client_mapped = 0;
	assert_non_null(channel_check_invariants(c));
	c->client_mapped = 1;
	c->pages = 1;
	assert_non_null(channel_check_invariants(c));
	c->pages = 3;
	assert_non_null(channel_check_invariants(c));
	*c = saved;
	assert_null(channel_check_invariants(c));
	c->server = NULL;
	assert_non_null(channel_check_invariants(c));
	*c = saved;
	struct channel free = { 0 };
	struct channel **links[] = { &free.server_prev, &free.server_next, &free.client_prev,
				     &free.client_next };
	for (unsigned i = 0; i < 4; i++) {
		*links[i] = c;
		assert_non_null(channel_check_invariants(&free));
		*links[i] = NULL;
	}
	free.server = svc(&f.svc);
	assert_non_null(channel_check_invariants(&free));
	free.server = NULL;
	free.client = svc(&f.csvc);
	assert_non_null(channel_check_invariants(&free));
	free.client = NULL;
	free.pages = 1;
	assert_non_null(channel_check_invariants(&free));
	drop(&f.ch);
	tear_down(&f);
}

/* The server vector skips vectors other senders own and entries of the
 * server's table in use, and stops at the table's end. */
static void test_pick_vector(void **state)
{
	(void)state;
	struct fix f;
	set_up(&f);
	struct uintr_service *s = svc(&f.svc);
	assert_int_equal(channel_configure(s, WINDOW, SLOT), ERR_OK);
	unsigned v, sv, cv;
	assert_int_equal(uintr_sender_register(table(&f.ctable), 7, &s->rx, 0, &v), ERR_OK);
	assert_int_equal(uintr_sender_register(table(&f.stable), 1, &svc(&f.csvc)->rx, 5, &v),
			 ERR_OK);
	struct channel_register_args a = args(&f, 0, UINTR_ANY_VECTOR, CLIENT_VA, 1);
	assert_int_equal(channel_register(chan(&f.ch), s, &a, &sv, &cv), ERR_OK);
	assert_int_equal(sv, 2);
	assert_int_equal(cv, 0);
	assert_int_equal(pa_at(&f, WINDOW + 2 * SLOT * PAGE), obj_pa(&f.frames[0]));
	/* A server table of one entry: nothing past it. */
	struct obj small = make(OBJ_SENDER_TABLE, 0);
	assert_int_equal(uintr_bind_table(f.server, table(&small)), ERR_OK);
	a = args(&f, 1, UINTR_ANY_VECTOR, CLIENT_VA + 4 * PAGE, 1);
	frame_list[0] = &f.frames[1].slot;
	assert_int_equal(channel_register(chan(&f.ch2), s, &a, &sv, &cv), ERR_NOT_ENOUGH_MEMORY);
	drop(&f.ch);
	drop(&small);
	tear_down(&f);
}

/* Addresses at or past the top of user space, for the window and for the
 * client's buffer. */
static void test_addresses_past_user_top(void **state)
{
	(void)state;
	struct fix f;
	set_up(&f);
	struct uintr_service *s = svc(&f.svc);
	assert_int_equal(channel_configure(s, VSPACE_USER_TOP, 1), ERR_INVALID_ARGUMENT);
	assert_int_equal(channel_configure(s, VSPACE_USER_TOP + 0x100000, 1), ERR_INVALID_ARGUMENT);
	assert_int_equal(s->window_pages, 0);
	assert_int_equal(channel_configure(s, WINDOW, SLOT), ERR_OK);
	unsigned sv = 99, cv = 99;
	struct channel_register_args a = args(&f, 0, 0, VSPACE_USER_TOP, 1);
	assert_int_equal(channel_register(chan(&f.ch), s, &a, &sv, &cv), ERR_INVALID_ARGUMENT);
	assert_int_equal(chan(&f.ch)->state, CHANNEL_FREE);
	assert_int_equal(sv, 99);
	check(&f);
	tear_down(&f);
}

/* Moving the window scrubs only the server's dead page: a frame the
 * server mapped there itself stays. */
static void test_scrub_leaves_other_pages(void **state)
{
	(void)state;
	struct fix f;
	set_up(&f);
	struct uintr_service *s = svc(&f.svc);
	assert_int_equal(channel_configure(s, WINDOW, SLOT), ERR_OK);
	struct lookup_fault fault;
	assert_int_equal(
	    vspace_frame_map(&f.frames[3].slot, tw_vspace(W), WINDOW, CAP_RIGHT_READ, 0, &fault),
	    ERR_OK);
	assert_int_equal(channel_configure(s, WINDOW + 0x100000, 1), ERR_OK);
	assert_int_equal(pa_at(&f, WINDOW), obj_pa(&f.frames[3]));
	assert_int_equal(vspace_frame_unmap(&f.frames[3].slot), ERR_OK);
	check(&f);
	tear_down(&f);
}

/* The page tables under a live channel are replaced by fresh ones: the
 * teardown finds empty entries at the client and no table at the window,
 * and writes nothing into either. */
static void test_tables_replaced_under_channel(void **state)
{
	(void)state;
	struct fix f;
	set_up(&f);
	struct channel *c = live_channel(&f);
	struct uintr_service *s = svc(&f.svc);
	drop(&f.tables[2]);
	f.tables[2] = make(OBJ_PAGE_TABLE, 0);
	struct lookup_fault fault;
	assert_int_equal(vspace_page_table_map(&f.tables[2].slot, tw_vspace(W), CLIENT_VA, &fault),
			 ERR_OK);
	assert_int_equal(pa_at(&f, CLIENT_VA), 0);
	assert_int_equal(channel_unregister(c), ERR_OK);
	assert_int_equal(c->state, CHANNEL_FREE);
	struct pagetable *fresh = (struct pagetable *)f.tables[2].mem;
	for (unsigned k = 0; k < 2; k++)
		assert_false(pte_is_valid(fresh->entry[pagetable_index(CLIENT_VA + k * PAGE, 0)]));
	assert_int_equal(pa_at(&f, WINDOW), own_dead(&f));
	/* The window's level-0 table goes, then the receiver: nothing to scrub. */
	drop(&f.tables[1]);
	assert_int_equal(uintr_unbind_receiver(f.server), ERR_OK);
	assert_int_equal(s->window_pages, 0);
	assert_int_equal(pa_at(&f, WINDOW), 0);
	check(&f);
	tear_down(&f);
}

static int teardown(void **state)
{
	return tw_teardown(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_configure, teardown),
		cmocka_unit_test_teardown(test_register_errors_change_nothing, teardown),
		cmocka_unit_test_teardown(test_register_map_ring_unregister, teardown),
		cmocka_unit_test_teardown(test_frame_gone, teardown),
		cmocka_unit_test_teardown(test_server_goes, teardown),
		cmocka_unit_test_teardown(test_client_goes, teardown),
		cmocka_unit_test_teardown(test_service_deleted_and_tables_gone, teardown),
		cmocka_unit_test_teardown(test_replace_only_own_entries, teardown),
		cmocka_unit_test_teardown(test_dead_slot_is_the_servers_own, teardown),
		cmocka_unit_test_teardown(test_register_after_server_moved, teardown),
		cmocka_unit_test_teardown(test_invariants_catch, teardown),
		cmocka_unit_test_teardown(test_pick_vector, teardown),
		cmocka_unit_test_teardown(test_addresses_past_user_top, teardown),
		cmocka_unit_test_teardown(test_scrub_leaves_other_pages, teardown),
		cmocka_unit_test_teardown(test_tables_replaced_under_channel, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
