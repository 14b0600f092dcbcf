/* SPDX-License-Identifier: MIT */
/*
 * Lending a client's pages to a server for one Call (see lend.h,
 * docs/vspace.md "Lending"). One walk serves the check, the move and the
 * return: it finds the client's entry for the next offset and the server's
 * for the same offset in the window, then runs along both tables while
 * their entries stay at that level, so that a run of 4 KiB leaves costs one
 * walk from the root and a write per leaf on each side.
 */
#include "lend.h"

#include "asid.h"
#include "pagetable.h"
#include "port.h"
#include "vspace.h"

static struct lend *active; /* the list of active lends */

enum pass {
	PASS_CHECK,  /* validate, write nothing */
	PASS_MOVE,   /* client entries become markers, the window gets the leaves */
	PASS_RETURN, /* the markers become leaves again, borrowed entries go */
};

struct slot_at {
	struct pte *slot;
	unsigned level;
};

/* The first entry on the way to va that is not a table pointer. */
static struct slot_at find(struct pagetable *root, uint64_t va)
{
	struct pagetable *table = root;
	for (unsigned level = PAGETABLE_LEVELS - 1;; level--) {
		struct pte *slot = &table->entry[pagetable_index(va, level)];
		if (level == 0 || !pte_is_table(*slot))
			return (struct slot_at){ slot, level };
		table = port_phys_to_virt(pte_physical_address(*slot));
	}
}

/* A leaf the client may lend: valid, user, readable, ordinary memory, not
 * lent or borrowed already. */
static bool lendable(struct pte p)
{
	const uint64_t need = PTE_VALID | PTE_READ | PTE_USER;
	return (p.word & need) == need && !(p.word & (PTE_SW_DEVICE | PTE_SW_LEND));
}

static bool is_marker(struct pte p)
{
	return !pte_is_valid(p) && (p.word & PTE_SW_LEND);
}

/* The first leaf of a run: the checks that depend on where it lies. */
static enum error check_first(struct slot_at c, struct slot_at s, uint64_t va, uint64_t wva,
			      uint64_t left)
{
	uint64_t size = pagetable_entry_bytes(c.level);
	if (!lendable(*c.slot) || (va & (size - 1)) || size > left)
		return ERR_INVALID_ARGUMENT; /* unmapped, or a superpage reaching outside */
	if (wva & (size - 1))
		return ERR_ALIGNMENT;
	if (s.level > c.level && s.slot->word == 0)
		return ERR_FAILED_LOOKUP; /* the window lacks the table for this level */
	if (s.level != c.level || s.slot->word != 0)
		return ERR_DELETE_FIRST;
	return ERR_OK;
}

/*
 * The three passes over one run of entries at one level: k entries of the
 * client's table from c and of the server's from s (NULL on a return whose
 * server entry is not at that level). Each returns how many it did; a
 * table pointer in the client's table ends the run there (a leaf the check
 * passed always has R, a table pointer never). Tight on purpose: a run is
 * up to 512 entries, and this is the part of a lend that grows with it.
 */
static uint64_t run_check(const struct pte *c, const struct pte *s, uint64_t n, enum error *err)
{
	const uint64_t look = PTE_VALID | PTE_READ | PTE_USER | PTE_SW_DEVICE | PTE_SW_LEND;
	const uint64_t want = PTE_VALID | PTE_READ | PTE_USER;
	for (uint64_t k = 0; k < n; k++) {
		uint64_t word = c[k].word;
		if (((word & look) ^ want) | s[k].word) { /* one test for both */
			if (pte_is_table(c[k]))
				return k;
			*err = (word & look) != want ? ERR_INVALID_ARGUMENT : ERR_DELETE_FIRST;
			return k;
		}
	}
	return n;
}

static uint64_t run_move(struct pte *c, struct pte *s, uint64_t n)
{
	for (uint64_t k = 0; k < n; k++) {
		uint64_t leaf = c[k].word;
		if (!(leaf & PTE_READ))
			return k;
		s[k].word = (leaf & ~PTE_EXECUTE) | PTE_SW_LEND;
		c[k].word = leaf ^ (PTE_VALID | PTE_SW_LEND); /* checked: V set, LEND clear */
	}
	return n;
}

static uint64_t run_return(struct pte *c, struct pte *s, uint64_t n)
{
	for (uint64_t k = 0; k < n; k++) {
		uint64_t marker = c[k].word;
		if (!(marker & PTE_READ))
			return k;
		s[k] = pte_invalid(); /* still the borrowed leaf: lend_release saw to it */
		c[k].word = marker ^ (PTE_VALID | PTE_SW_LEND); /* a marker: V clear, LEND set */
	}
	return n;
}

/*
 * The same three passes over a run of level-0 entries, which are never
 * table pointers: no per-entry test ends the run, so the loops run eight
 * entries a turn (the part of a 4 KiB-page lend that grows with it:
 * docs/benchmarks.md has the cost per page). The check ORs eight entries'
 * differences and looks again one by one only when that is not zero.
 */
/* Four entries from c and s: the client's words' differences from a
 * lendable leaf (only the `look` bits count: the mask waits for the OR)
 * and the window's words, ORed. */
static inline uint64_t differ4(const struct pte *c, const struct pte *s, uint64_t look,
			       uint64_t want)
{
	uint64_t client =
	    (c[0].word ^ want) | (c[1].word ^ want) | (c[2].word ^ want) | (c[3].word ^ want);
	return (client & look) | s[0].word | s[1].word | s[2].word | s[3].word;
}

static uint64_t run_check_pages(const struct pte *c, const struct pte *s, uint64_t n,
				enum error *err)
{
	const uint64_t look = PTE_VALID | PTE_READ | PTE_USER | PTE_SW_DEVICE | PTE_SW_LEND;
	const uint64_t want = PTE_VALID | PTE_READ | PTE_USER;
	uint64_t k = 0;
	for (; k + 8 <= n; k += 8)
		if (differ4(c + k, s + k, look, want) | differ4(c + k + 4, s + k + 4, look, want))
			break;
	return k + run_check(c + k, s + k, n - k, err);
}

/* Four entries move: loaded first (the stores may alias nothing, but the
 * compiler cannot know that). */
static inline void move4(struct pte *c, struct pte *s)
{
	const uint64_t flip = PTE_VALID | PTE_SW_LEND, keep = ~PTE_EXECUTE;
	uint64_t w0 = c[0].word, w1 = c[1].word, w2 = c[2].word, w3 = c[3].word;
	s[0].word = (w0 & keep) | PTE_SW_LEND;
	s[1].word = (w1 & keep) | PTE_SW_LEND;
	s[2].word = (w2 & keep) | PTE_SW_LEND;
	s[3].word = (w3 & keep) | PTE_SW_LEND;
	c[0].word = w0 ^ flip;
	c[1].word = w1 ^ flip;
	c[2].word = w2 ^ flip;
	c[3].word = w3 ^ flip;
}

static inline void return4(struct pte *c, struct pte *s)
{
	const uint64_t flip = PTE_VALID | PTE_SW_LEND;
	uint64_t w0 = c[0].word, w1 = c[1].word, w2 = c[2].word, w3 = c[3].word;
	s[0].word = 0;
	s[1].word = 0;
	s[2].word = 0;
	s[3].word = 0;
	c[0].word = w0 ^ flip;
	c[1].word = w1 ^ flip;
	c[2].word = w2 ^ flip;
	c[3].word = w3 ^ flip;
}

static void run_move_pages(struct pte *c, struct pte *s, uint64_t n)
{
	uint64_t k = 0;
	for (; k + 8 <= n; k += 8) {
		move4(c + k, s + k);
		move4(c + k + 4, s + k + 4);
	}
	(void)run_move(c + k, s + k, n - k);
}

static void run_return_pages(struct pte *c, struct pte *s, uint64_t n)
{
	uint64_t k = 0;
	for (; k + 8 <= n; k += 8) {
		return4(c + k, s + k);
		return4(c + k + 4, s + k + 4);
	}
	(void)run_return(c + k, s + k, n - k);
}

/* One pass over [base, base + bytes) of croot and the window of sroot.
 * *leaves counts the leaves. */
static enum error walk(enum pass pass, struct pagetable *croot, uint64_t base, uint64_t bytes,
		       struct pagetable *sroot, uint64_t window, uint64_t *leaves)
{
	*leaves = 0;
	uint64_t off = 0;
	while (off < bytes) {
		struct slot_at c = find(croot, base + off);
		struct slot_at s = find(sroot, window + off);
		uint64_t size = pagetable_entry_bytes(c.level);
		enum error err = ERR_OK;
		if (pass == PASS_CHECK)
			err = check_first(c, s, base + off, window + off, bytes - off);
		if (err != ERR_OK)
			return err;
		unsigned ci = pagetable_index(base + off, c.level);
		unsigned si = pagetable_index(window + off, c.level);
		uint64_t n = PAGETABLE_ENTRIES - (ci > si ? ci : si);
		if (n > (bytes - off) / size)
			n = (bytes - off) / size;
		uint64_t k = n;
		if (c.level == 0) {
			switch (pass) {
			case PASS_CHECK: k = run_check_pages(c.slot, s.slot, n, &err); break;
			case PASS_MOVE: run_move_pages(c.slot, s.slot, n); break;
			case PASS_RETURN: run_return_pages(c.slot, s.slot, n); break;
			}
		} else {
			switch (pass) {
			case PASS_CHECK: k = run_check(c.slot, s.slot, n, &err); break;
			case PASS_MOVE: k = run_move(c.slot, s.slot, n); break;
			case PASS_RETURN: k = run_return(c.slot, s.slot, n); break;
			}
		}
		if (err != ERR_OK)
			return err;
		*leaves += k;
		off += k * size;
	}
	return ERR_OK;
}

/* The root of asid, or NULL. */
static struct pagetable *root_of(uint64_t asid)
{
	return asid_lookup(asid);
}

static bool user_range(uint64_t va, uint64_t bytes)
{
	return va < VSPACE_USER_TOP && bytes <= VSPACE_USER_TOP - va;
}

enum error lend_check(uint64_t client_asid, uint64_t base, uint64_t bytes, uint64_t server_asid,
		      struct lend_window window)
{
	if (bytes == 0 || !user_range(base, bytes) || !user_range(window.base, window.bytes) ||
	    client_asid == server_asid)
		return ERR_INVALID_ARGUMENT;
	if ((base | bytes | window.base | window.bytes) & (PAGE_BYTES - 1))
		return ERR_ALIGNMENT;
	if (bytes > window.bytes)
		return ERR_RANGE;
	struct pagetable *croot = root_of(client_asid), *sroot = root_of(server_asid);
	if (croot == NULL || sroot == NULL)
		return ERR_FAILED_LOOKUP;
	uint64_t leaves;
	return walk(PASS_CHECK, croot, base, bytes, sroot, window.base, &leaves);
}

/* One page when one leaf changed, else the whole ASID: O(1) either way. */
static void flush(uint64_t asid, uint64_t va, uint64_t leaves)
{
	if (leaves == 1)
		port_tlb_flush_page(asid, va, asid_harts(asid));
	else
		port_tlb_flush_asid(asid, asid_harts(asid));
}

void lend_move(struct lend *l, uint64_t client_asid, uint64_t base, uint64_t bytes,
	       uint64_t server_asid, uint64_t window)
{
	CORE_ASSERT(!lend_active(l) && bytes != 0);
	struct pagetable *croot = root_of(client_asid), *sroot = root_of(server_asid);
	uint64_t leaves;
	(void)walk(PASS_MOVE, croot, base, bytes, sroot, window, &leaves);
	*l = (struct lend){ .client_asid = client_asid,
			    .base = base,
			    .bytes = bytes,
			    .server_asid = server_asid,
			    .window = window,
			    .client_root = (uintptr_t)croot,
			    .server_root = (uintptr_t)sroot,
			    .next = active };
	if (active != NULL)
		active->prev = l;
	active = l;
	/* The client's threads may hold the leaves on any hart that ran it;
	 * the server's harts may have cached the empty window (no Svvptc). */
	flush(client_asid, base, leaves);
	flush(server_asid, window, leaves);
}

void lend_return(struct lend *l)
{
	if (!lend_active(l))
		return;
	/* lend_release runs before either side's tables or VSpace change under
	 * the lend, so both are as lend_move left them. */
	struct pagetable *croot = root_of(l->client_asid), *sroot = root_of(l->server_asid);
	CORE_ASSERT((uintptr_t)croot == l->client_root && (uintptr_t)sroot == l->server_root);
	uint64_t leaves;
	(void)walk(PASS_RETURN, croot, l->base, l->bytes, sroot, l->window, &leaves);
	flush(l->server_asid, l->window, leaves);
	flush(l->client_asid, l->base, leaves);
	if (l->prev != NULL)
		l->prev->next = l->next;
	else
		active = l->next;
	if (l->next != NULL)
		l->next->prev = l->prev;
	*l = (struct lend){ 0 };
}

void lend_release(uint64_t asid, uint64_t va, uint64_t bytes)
{
	struct lend *next;
	for (struct lend *l = active; l != NULL; l = next) {
		next = l->next;
		bool client =
		    l->client_asid == asid && l->base < va + bytes && va < l->base + l->bytes;
		bool server =
		    l->server_asid == asid && l->window < va + bytes && va < l->window + l->bytes;
		if (client || server)
			lend_return(l);
	}
}

void lend_reset(void)
{
	active = NULL;
}

const char *lend_check_invariants(void)
{
	const struct lend *prev = NULL;
	for (const struct lend *l = active; l != NULL; prev = l, l = l->next) {
		if (l->prev != prev || !lend_active(l))
			return "the lend list is broken";
		struct pagetable *croot = root_of(l->client_asid), *sroot = root_of(l->server_asid);
		if ((uintptr_t)croot != l->client_root || (uintptr_t)sroot != l->server_root)
			return "a lend outlived a VSpace";
		const uint64_t borrowed = PTE_VALID | PTE_SW_LEND;
		for (uint64_t off = 0; off < l->bytes;) {
			struct slot_at c = find(croot, l->base + off);
			struct slot_at s = find(sroot, l->window + off);
			if (!is_marker(*c.slot))
				return "a lent page is not marked lent";
			if (s.level != c.level || (s.slot->word & borrowed) != borrowed ||
			    pte_physical_address(*s.slot) != pte_physical_address(*c.slot))
				return "a lent page is not borrowed in the window";
			off += pagetable_entry_bytes(c.level);
		}
	}
	return NULL;
}
