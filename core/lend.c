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

/* The last check that said ERR_OK, and where it found a table to move, so
 * that the move that follows it (nothing changed between: under the kernel
 * lock) need not scan again. A move of other arguments checks again. */
static struct {
	uint64_t client_asid, base, bytes, server_asid, window, table;
	bool valid;
} plan;

enum pass {
	PASS_CHECK,  /* validate, write nothing */
	PASS_MOVE,   /* client entries become markers, the window gets the leaves */
	PASS_RETURN, /* the markers become leaves again, borrowed entries go */
};

struct slot_at {
	struct pte *slot;
	unsigned level;
	struct pte *parent; /* the entry pointing at slot's table (NULL: the root's) */
};

/* The first entry on the way to va that is not a table pointer, or is a
 * borrowed one (a client's table moved into a window: never walked from
 * the server's side, so nothing is lent into it or through it). */
static struct slot_at find(struct pagetable *root, uint64_t va)
{
	struct pagetable *table = root;
	struct pte *parent = NULL;
	for (unsigned level = PAGETABLE_LEVELS - 1;; level--) {
		struct pte *slot = &table->entry[pagetable_index(va, level)];
		if (level == 0 || !pte_is_table(*slot) || (slot->word & PTE_SW_LEND))
			return (struct slot_at){ slot, level, parent };
		parent = slot;
		table = port_phys_to_virt(pte_physical_address(*slot));
	}
}

/* A lent table: the client's entry for a last-level table moved whole
 * (a marker whose kept entry is a table pointer: no R, W or X). */
static bool is_table_marker(struct pte p)
{
	return !pte_is_valid(p) && (p.word & PTE_SW_LEND) &&
	       !(p.word & (PTE_READ | PTE_WRITE | PTE_EXECUTE));
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

/* Whether entries [i, i + n) of the client's last-level table t (all of its
 * valid entries) can move as one table into the window's empty table w:
 * nothing else in t, each a lendable leaf without X (the server's view is
 * never executable), w empty. Early outs first: a 4 KiB lend from a busy
 * table pays one look. */
/* The OR of entries [from, to) of p: eight a turn. */
static uint64_t or_entries(const struct pte *p, uint64_t from, uint64_t to)
{
	uint64_t acc = 0, k = from;
	for (; k + 8 <= to; k += 8)
		acc |= p[k].word | p[k + 1].word | p[k + 2].word | p[k + 3].word | p[k + 4].word |
		       p[k + 5].word | p[k + 6].word | p[k + 7].word;
	for (; k < to; k++)
		acc |= p[k].word;
	return acc;
}

/* The OR of entries [from, to) of p, each XORed with x: eight a turn. */
static uint64_t or_differences(const struct pte *p, uint64_t from, uint64_t to, uint64_t x)
{
	uint64_t acc = 0, k = from;
	for (; k + 8 <= to; k += 8)
		acc |= (p[k].word ^ x) | (p[k + 1].word ^ x) | (p[k + 2].word ^ x) |
		       (p[k + 3].word ^ x) | (p[k + 4].word ^ x) | (p[k + 5].word ^ x) |
		       (p[k + 6].word ^ x) | (p[k + 7].word ^ x);
	for (; k < to; k++)
		acc |= p[k].word ^ x;
	return acc;
}

static bool table_movable(const struct pte *t, const struct pte *w, unsigned i, uint64_t n)
{
	const uint64_t look =
	    PTE_VALID | PTE_READ | PTE_USER | PTE_SW_DEVICE | PTE_SW_LEND | PTE_EXECUTE;
	const uint64_t want = PTE_VALID | PTE_READ | PTE_USER;
	uint64_t end = i + n;
	if ((end < PAGETABLE_ENTRIES && t[end].word) || (i > 0 && t[i - 1].word) || w[0].word ||
	    w[PAGETABLE_ENTRIES - 1].word)
		return false; /* the common refusals, at a look: a neighbour in use */
	return !(or_entries(t, end, PAGETABLE_ENTRIES) | or_entries(t, 0, i) ||
		 or_entries(w, 0, PAGETABLE_ENTRIES) || (or_differences(t, i, end, want) & look));
}

/* Where a table moves in a lend (one at most: its record keeps the window's
 * entry it replaced): the check finds it, the move does it. */
#define NO_TABLE UINT64_MAX

/* One pass over [base, base + bytes) of croot and the window of sroot.
 * *leaves counts the leaves. *table: the offset whose last-level table
 * moves whole (set by the check, NO_TABLE for none; read by the move);
 * *saved: the window's entry it replaced (written by the move, read by
 * the return). */
static enum error walk(enum pass pass, struct pagetable *croot, uint64_t base, uint64_t bytes,
		       struct pagetable *sroot, uint64_t window, uint64_t *leaves, uint64_t *table,
		       uint64_t *saved)
{
	*leaves = 0;
	uint64_t off = 0;
	while (off < bytes) {
		struct slot_at c = find(croot, base + off);
		struct slot_at s = find(sroot, window + off);
		if (pass == PASS_RETURN && c.level == 1 && is_table_marker(*c.slot)) {
			/* A moved table comes back; the window's goes back. */
			uint64_t n = PAGETABLE_ENTRIES - pagetable_index(base + off, 0);
			if (n > (bytes - off) / PAGE_BYTES)
				n = (bytes - off) / PAGE_BYTES;
			s.slot->word = *saved;
			c.slot->word ^= PTE_VALID | PTE_SW_LEND;
			*leaves += n;
			off += n * PAGE_BYTES;
			continue;
		}
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
		if (pass != PASS_RETURN && c.level == 0 && ci == si && /* s.level 0: checked */
		    (pass == PASS_MOVE
			 ? off == *table
			 : *table == NO_TABLE && table_movable(c.slot - ci, s.slot - si, ci, n))) {
			if (pass == PASS_MOVE) {
				/* The client's entry becomes a marker keeping its
				 * table; the window's points at it, borrowed. */
				*saved = s.parent->word;
				s.parent->word = c.parent->word | PTE_SW_LEND;
				c.parent->word ^= PTE_VALID | PTE_SW_LEND;
			} else
				*table = off;
			*leaves += n;
			off += n * size;
			continue;
		}
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
	uint64_t leaves, table = NO_TABLE, saved = 0;
	enum error err =
	    walk(PASS_CHECK, croot, base, bytes, sroot, window.base, &leaves, &table, &saved);
	plan.client_asid = client_asid;
	plan.base = base;
	plan.bytes = bytes;
	plan.server_asid = server_asid;
	plan.window = window.base;
	plan.table = table;
	plan.valid = err == ERR_OK;
	return err;
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
	uint64_t leaves, table = plan.table, saved = 0;
	if (!plan.valid || plan.client_asid != client_asid || plan.base != base ||
	    plan.bytes != bytes || plan.server_asid != server_asid || plan.window != window) {
		table = NO_TABLE; /* not the last check's: where a table moves, again */
		(void)walk(PASS_CHECK, croot, base, bytes, sroot, window, &leaves, &table, &saved);
	}
	plan.valid = false;
	(void)walk(PASS_MOVE, croot, base, bytes, sroot, window, &leaves, &table, &saved);
	*l = (struct lend){ .client_asid = client_asid,
			    .base = base,
			    .bytes = bytes,
			    .server_asid = server_asid,
			    .window = window,
			    .client_root = (uintptr_t)croot,
			    .server_root = (uintptr_t)sroot,
			    .table_saved = saved,
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
	uint64_t leaves, table = NO_TABLE;
	(void)walk(PASS_RETURN, croot, l->base, l->bytes, sroot, l->window, &leaves, &table,
		   &l->table_saved);
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
	plan.valid = false;
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
			if (c.level == 1 && is_table_marker(*c.slot)) {
				/* find stops at a level-1 table pointer only when
				 * it is borrowed. */
				if (s.level != 1 || !pte_is_table(*s.slot) ||
				    pte_physical_address(*s.slot) != pte_physical_address(*c.slot))
					return "a lent table is not borrowed in the window";
				off += (PAGETABLE_ENTRIES - pagetable_index(l->base + off, 0)) *
				       PAGE_BYTES;
				continue;
			}
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
