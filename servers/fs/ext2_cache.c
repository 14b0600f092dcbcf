/* SPDX-License-Identifier: MIT */
/*
 * The block cache: a fixed number of block-sized buffers in the caller's
 * memory, found through a hash of block numbers, replaced by the clock
 * algorithm, written back lazily. Invariants: a valid entry is on exactly
 * one hash chain; a dirty entry is written before it is replaced; write-back
 * goes class by class with a flush between classes (ext2_impl.h, enum
 * ext2_class), so what the disk holds after any prefix of the writes is a
 * state e2fsck repairs (docs/fs.md, "Write order").
 */
#include "ext2_impl.h"

static uint32_t hash_of(const struct ext2_fs *fs, uint32_t block)
{
	return (block * 2654435761u) & fs->hash_mask;
}

/* `memory` holds ext2_memory_needed's cache part for `count` entries of
 * fs->block_size bytes, 8-byte aligned. */
void cache_init(struct ext2_fs *fs, uint8_t *memory, uint32_t count)
{
	uint32_t buckets = 1;
	while (buckets < count)
		buckets <<= 1;
	fs->cache_count = count;
	fs->hash_mask = buckets - 1;
	fs->hand = 0;
	fs->entries = (struct ext2_cache_entry *)(void *)memory;
	fs->heads = (int32_t *)(void *)(memory + (size_t)count * sizeof(struct ext2_cache_entry));
	fs->dirty = (uint32_t *)(void *)(fs->heads + buckets);
	fs->dirty_count = 0;
	/* The dirty list rounded up to whole 8 bytes: the block data stays
	 * 8-byte aligned (ext2_copy moves words between aligned buffers). */
	fs->data = (uint8_t *)(void *)(fs->dirty + ((count + 1) & ~1u));
	for (uint32_t i = 0; i < buckets; i++)
		fs->heads[i] = -1;
	ext2_zero(fs->entries, (size_t)count * sizeof(struct ext2_cache_entry));
}

static uint8_t *entry_data(const struct ext2_fs *fs, uint32_t index)
{
	return fs->data + (size_t)index * fs->block_size;
}

static int32_t find(const struct ext2_fs *fs, uint32_t block)
{
	for (int32_t i = fs->heads[hash_of(fs, block)]; i >= 0; i = fs->entries[i].next)
		if (fs->entries[i].block == block)
			return i;
	return -1;
}

static void unhash(struct ext2_fs *fs, uint32_t index)
{
	fs->entries[index].version++;
	int32_t *link = &fs->heads[hash_of(fs, fs->entries[index].block)];
	while (*link != (int32_t)index)
		link = &fs->entries[*link].next;
	*link = fs->entries[index].next;
	fs->entries[index].valid = 0;
	fs->entries[index].dirty = 0;
}

static int port_status(struct ext2_fs *fs, int status)
{
	if (status == 0)
		return FS_OK;
	fs->failed = true;
	return FS_EIO;
}

/* The clock hand's next unpinned entry that was not referenced since the
 * hand last passed it. */
static uint32_t victim(struct ext2_fs *fs)
{
	for (;;) {
		uint32_t i = fs->hand;
		struct ext2_cache_entry *e = &fs->entries[i];
		fs->hand = (i + 1 == fs->cache_count) ? 0 : i + 1;
		if (e->pinned)
			continue;
		if (!e->valid)
			return i;
		if (e->ref) {
			e->ref = 0;
			continue;
		}
		return i;
	}
}

/* A block not in the cache: out of line, so that a hit (most calls) needs
 * no registers saved. */
static __attribute__((noinline)) int cache_miss(struct ext2_fs *fs, uint32_t block, bool fresh,
						uint8_t **out);

int cache_get(struct ext2_fs *fs, uint32_t block, bool fresh, uint8_t **out)
{
	if (block >= fs->blocks_count)
		return FS_EUCLEAN;
	int32_t hit = find(fs, block);
	if (hit < 0)
		return cache_miss(fs, block, fresh, out);
	fs->entries[hit].ref = 1;
	*out = entry_data(fs, (uint32_t)hit);
	if (fresh) {
		fs->entries[hit].version++;
		ext2_zero(*out, fs->block_size);
	}
	return FS_OK;
}

static int cache_miss(struct ext2_fs *fs, uint32_t block, bool fresh, uint8_t **out)
{
	uint32_t i = victim(fs);
	struct ext2_cache_entry *e = &fs->entries[i];
	if (e->valid && e->dirty) {
		/* Writing one block out of order could put a pointer on the
		 * disk before what it points to: write them all, in order. */
		int status = cache_writeback(fs);
		if (status != FS_OK)
			return status;
	}
	if (e->valid)
		unhash(fs, i);
	e->version++;
	uint8_t *data = entry_data(fs, i);
	if (fresh) {
		ext2_zero(data, fs->block_size);
	} else {
		int status = port_status(fs, fs->port.read(fs->port.context,
							   (uint64_t)block * fs->sectors_per_block,
							   fs->sectors_per_block, data));
		if (status != FS_OK)
			return status;
	}
	uint32_t h = hash_of(fs, block);
	e->block = block;
	e->valid = 1;
	e->dirty = 0;
	e->ref = 1;
	e->next = fs->heads[h];
	fs->heads[h] = (int32_t)i;
	*out = data;
	return FS_OK;
}

void cache_dirty_entry(struct ext2_fs *fs, uint32_t index, enum ext2_class cls)
{
	struct ext2_cache_entry *e = &fs->entries[index];
	/* A change anywhere in the block: every inode remembered from it is
	 * decoded again. */
	e->version++;
	e->dirty = 1;
	e->cls = (uint8_t)cls;
	/* At most once per entry: the list never holds more than cache_count. */
	if (!e->listed) {
		e->listed = 1;
		fs->dirty[fs->dirty_count++] = index;
	}
}

void cache_dirty(struct ext2_fs *fs, const uint8_t *buffer, enum ext2_class cls)
{
	cache_dirty_entry(fs, (uint32_t)((size_t)(buffer - fs->data) / fs->block_size), cls);
}

void cache_forget(struct ext2_fs *fs, uint32_t block)
{
	int32_t i = find(fs, block);
	if (i >= 0 && !fs->entries[i].pinned)
		unhash(fs, (uint32_t)i);
}

int cache_pin(struct ext2_fs *fs, uint32_t block, uint8_t **out, uint32_t *entry)
{
	int status = cache_get(fs, block, false, out);
	if (status != FS_OK)
		return status;
	*entry = (uint32_t)((size_t)(*out - fs->data) / fs->block_size);
	fs->entries[*entry].pinned = 1;
	return FS_OK;
}

/* The dirty list's length up to which write-back sorts and visits it. */
#define SHORT_LIST 32u

int cache_writeback(struct ext2_fs *fs)
{
	if (fs->failed)
		return FS_EIO;
	/* Blocks go in entry order within a class. A short dirty list is
	 * sorted (insertion sort, at most SHORT_LIST squared steps) and
	 * visited; a long one costs no less than the scan of the cache. */
	uint32_t *list = fs->dirty, count = fs->dirty_count;
	bool scan = count > SHORT_LIST;
	for (uint32_t k = 1; !scan && k < count; k++) {
		uint32_t v = list[k], j = k;
		for (; j > 0 && list[j - 1] > v; j--)
			list[j] = list[j - 1];
		list[j] = v;
	}
	uint32_t visits = scan ? fs->cache_count : count;
	for (uint32_t cls = 0; cls < CLASS_COUNT; cls++) {
		bool wrote = false;
		for (uint32_t k = 0; k < visits; k++) {
			uint32_t i = scan ? k : list[k];
			struct ext2_cache_entry *e = &fs->entries[i];
			if (!e->valid || !e->dirty || e->cls != cls)
				continue;
			int status = port_status(
			    fs, fs->port.write(fs->port.context,
					       (uint64_t)e->block * fs->sectors_per_block,
					       fs->sectors_per_block, entry_data(fs, i)));
			if (status != FS_OK)
				return status;
			e->dirty = 0;
			wrote = true;
		}
		if (wrote) {
			int status = port_status(fs, fs->port.flush(fs->port.context));
			if (status != FS_OK)
				return status;
		}
	}
	for (uint32_t k = 0; k < count; k++)
		fs->entries[list[k]].listed = 0;
	fs->dirty_count = 0;
	fs->freed = false;
	return FS_OK;
}
