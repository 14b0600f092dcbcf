/* SPDX-License-Identifier: MIT */
/*
 * The client's data cache (docs/posix.md, "The client's data cache"): a
 * few pages of file bytes in the process's own memory, each held by one
 * open file description and valid while the server's generation word of
 * that file (libos/fs_protocol.h) keeps the value it had when the page was
 * read. A read the cache can answer (posix_cache_read, inline in the read
 * calls) sends no request. A page is filled on the second read of the
 * same page through one description, so that reads that never come back
 * (a file read once from start to end) copy nothing more than before.
 * Invariant (posix_cache_check): a page's owner is a live description that
 * holds it, and a description holds one of the pages, which names it.
 */
#include "posix_internal.h"

/* A page for `file`: its own, a free one, or the next of the clock's
 * (its owner loses it). */
static struct posix_cache_page *take_page(struct posix_proc *proc, struct posix_file *file)
{
	if (file->cache != NULL)
		return file->cache;
	struct posix_cache_page *c = NULL;
	for (uint32_t i = 0; i < POSIX_CACHE_PAGES && c == NULL; i++) {
		if (proc->cache[i].owner == NULL)
			c = &proc->cache[i];
	}
	if (c == NULL) {
		c = &proc->cache[proc->cache_hand];
		proc->cache_hand = (proc->cache_hand + 1) % POSIX_CACHE_PAGES;
		c->owner->cache = NULL; /* every page has an owner here */
	}
	c->owner = file;
	file->cache = c;
	return c;
}

/* Read the page from `start` into the description's cache page: 0 or
 * -errno (the page is then let go). */
static int fill(struct posix_proc *proc, struct posix_file *file, uint64_t start)
{
	struct posix_cache_page *c = take_page(proc, file);
	struct channel_message m, reply;
	posix_request(&m, FS_OP_READ, file->handle, start, POSIX_CACHE_PAGE, 0);
	m.flags = CHANNEL_FLAG_LARGE | CHANNEL_FLAG_LARGE_WRITABLE;
	m.large.address = (uint64_t)(uintptr_t)c->data;
	m.large.length = POSIX_CACHE_PAGE;
	int64_t r = posix_call(proc, &m, &reply);
	/* The server is not trusted with the cache either. */
	if (r > (int64_t)POSIX_CACHE_PAGE)
		r = -EIO;
	if (r < 0) {
		posix_cache_drop(file);
		return (int)r;
	}
	c->start = start;
	c->bytes = (uint32_t)r;
	c->generation = reply.arg[1];
	return 0;
}

int64_t posix_cache_fill_read(struct posix_proc *proc, struct posix_file *file, uint64_t offset,
			      void *buffer, size_t length)
{
	if (fill(proc, file, offset / POSIX_CACHE_PAGE * POSIX_CACHE_PAGE) != 0)
		return POSIX_CACHE_MISS;
	/* A change may have been answered since the fill: then the server. */
	return posix_cache_read(proc, file, offset, buffer, length);
}

bool posix_cache_check(const struct posix_proc *proc)
{
	uint32_t owned = 0;
	for (uint32_t i = 0; i < POSIX_CACHE_PAGES; i++) {
		const struct posix_cache_page *c = &proc->cache[i];
		if (c->data != proc->windows + (size_t)POSIX_WINDOWS * POSIX_WINDOW_SIZE +
				   (size_t)i * POSIX_CACHE_PAGE)
			return false;
		if (c->owner == NULL)
			continue;
		if (c->owner < proc->file || c->owner >= proc->file + POSIX_FILE_MAX ||
		    c->owner->kind != POSIX_KIND_FILE || c->owner->cache != c ||
		    c->start % POSIX_CACHE_PAGE != 0 || c->bytes > POSIX_CACHE_PAGE)
			return false;
		owned++;
	}
	for (uint32_t i = 0; i < POSIX_FILE_MAX; i++) {
		const struct posix_cache_page *c = proc->file[i].cache;
		if (c != NULL && (c < proc->cache || c >= proc->cache + POSIX_CACHE_PAGES ||
				  c->owner != &proc->file[i]))
			return false;
	}
	return proc->cache_hand < POSIX_CACHE_PAGES && (proc->generations != NULL || owned == 0);
}
