/* SPDX-License-Identifier: MIT */
/* A channel's large-buffer call (see channel_lend.h). */
#include "channel_lend.h"

#include "lend.h"
#include "vspace.h"

enum error channel_lend_configure(struct uintr_service *s, uint64_t base, uint64_t slot)
{
	if (s->channels_live | s->channels_dead)
		return ERR_DELETE_FIRST; /* a lend may be out in the old window */
	if (base >= VSPACE_USER_TOP || slot > (VSPACE_USER_TOP - base) / CHANNEL_WINDOW_SLOTS)
		return ERR_INVALID_ARGUMENT;
	if ((base | slot) & (PAGE_BYTES - 1))
		return ERR_ALIGNMENT;
	s->lend_base = base;
	s->lend_slot = slot;
	return ERR_OK;
}

enum error channel_lend(struct channel *c, uint64_t caller_asid, uint64_t base, uint64_t bytes,
			uint64_t *server_va)
{
	if (c->state != CHANNEL_LIVE || caller_asid != c->client_asid)
		return ERR_ILLEGAL_OPERATION;
	if (lend_active(&c->lend))
		return ERR_DELETE_FIRST;
	const struct uintr_service *s = c->server;
	struct lend_window w = { s->lend_base + c->server_vector * s->lend_slot, s->lend_slot };
	enum error err = lend_check(c->client_asid, base, bytes, c->server_asid, w);
	if (err != ERR_OK)
		return err;
	lend_move(&c->lend, c->client_asid, base, bytes, c->server_asid, w.base);
	*server_va = w.base;
	return ERR_OK;
}

enum error channel_lend_return(struct uintr_service *s, uint64_t vector, uint64_t *bytes)
{
	if (vector >= CHANNEL_WINDOW_SLOTS)
		return ERR_RANGE;
	struct channel *c = s->served;
	while (c != NULL && c->server_vector != vector)
		c = c->server_next;
	if (c == NULL || !lend_active(&c->lend))
		return ERR_FAILED_LOOKUP;
	*bytes = c->lend.bytes;
	lend_return(&c->lend);
	return ERR_OK;
}
