/* SPDX-License-Identifier: MIT */
/*
 * Mount, unmount, the superblock and group descriptors, statfs and sync.
 * The superblock is read once, checked field by field, and kept pinned in
 * the cache; group descriptors are read through the cache and checked at
 * every read, because a block that left the cache comes back from an
 * untrusted disk. Callers: ext2_ops.c and the other engine files.
 */
#include "ext2_impl.h"

#define ALIGN 16u

static size_t align_up(size_t v)
{
	return (v + ALIGN - 1) & ~(size_t)(ALIGN - 1);
}

static size_t buckets_for(uint32_t count)
{
	size_t b = 1;
	while (b < count)
		b <<= 1;
	return b;
}

static size_t cache_bytes(uint32_t count, uint32_t block_size)
{
	return (size_t)count * sizeof(struct ext2_cache_entry) +
	       buckets_for(count) * sizeof(int32_t) + ((size_t)count + 1) / 2 * 8 +
	       (size_t)count * block_size;
}

size_t ext2_memory_needed(uint32_t cache_blocks)
{
	if (cache_blocks < EXT2_MIN_CACHE)
		cache_blocks = EXT2_MIN_CACHE;
	return ALIGN + align_up(sizeof(struct ext2_fs)) + cache_bytes(cache_blocks, EXT2_MAX_BLOCK);
}

uint32_t ext2_now(const struct ext2_fs *fs)
{
	return fs->now ? (uint32_t)fs->now().seconds : 0;
}

int ext2_writable(const struct ext2_fs *fs)
{
	if (fs->failed)
		return FS_EIO;
	return fs->read_only ? FS_EROFS : FS_OK;
}

/* Whether group g holds a copy of the superblock and descriptors. */
static bool has_super(const struct ext2_fs *fs, uint32_t g)
{
	if (g <= 1 || !(fs->ro_compat & EXT2_RO_COMPAT_SPARSE_SUPER))
		return true;
	for (uint32_t base = 3; base <= 7; base += 2) {
		uint32_t p = base;
		while (p < g)
			p *= base;
		if (p == g)
			return true;
	}
	return false;
}

static uint32_t group_start(const struct ext2_fs *fs, uint32_t g)
{
	return fs->first_data_block + g * fs->blocks_per_group;
}

static uint32_t group_end(const struct ext2_fs *fs, uint32_t g)
{
	uint64_t end = (uint64_t)group_start(fs, g) + fs->blocks_per_group;
	return end > fs->blocks_count ? fs->blocks_count : (uint32_t)end;
}

/* g < fs->groups; the descriptor is checked against the group's range. */
int ext2_group_get(struct ext2_fs *fs, uint32_t g, struct ext2_group *out)
{
	uint8_t *b;
	uint32_t at = g * EXT2_GD_SIZE;
	int status = cache_get(fs, fs->first_data_block + 1 + at / fs->block_size, false, &b);
	if (status != FS_OK)
		return status;
	const uint8_t *d = b + at % fs->block_size;
	out->block_bitmap = get32(d + GD_BLOCK_BITMAP);
	out->inode_bitmap = get32(d + GD_INODE_BITMAP);
	out->inode_table = get32(d + GD_INODE_TABLE);
	out->free_blocks = get16(d + GD_FREE_BLOCKS);
	out->free_inodes = get16(d + GD_FREE_INODES);
	out->used_dirs = get16(d + GD_USED_DIRS);
	uint32_t start = group_start(fs, g), end = group_end(fs, g);
	uint32_t meta = has_super(fs, g) ? 1 + fs->gdt_blocks + fs->reserved_gdt : 0;
	uint32_t first = start + meta;
	if (out->block_bitmap < first || out->block_bitmap >= end || out->inode_bitmap < first ||
	    out->inode_bitmap >= end || out->block_bitmap == out->inode_bitmap ||
	    out->inode_table < first || out->inode_table > end ||
	    end - out->inode_table < fs->inode_table_blocks ||
	    out->block_bitmap - out->inode_table < fs->inode_table_blocks ||
	    out->inode_bitmap - out->inode_table < fs->inode_table_blocks ||
	    out->free_blocks > end - start || out->free_inodes > fs->inodes_per_group ||
	    out->used_dirs > fs->inodes_per_group)
		return FS_EUCLEAN;
	return FS_OK;
}

/* The engine never moves a bitmap or an inode table, so locations that
 * ext2_group_get has checked once stay checked ones, even if the disk is
 * changed under the engine later: they are remembered, not re-read and
 * re-checked at every inode access and every block pointer followed. */
int ext2_group_layout_miss(struct ext2_fs *fs, uint32_t g, const struct ext2_layout **out)
{
	struct ext2_layout *slot = &fs->layout[g % EXT2_LAYOUTS];
	struct ext2_group gd;
	int status = ext2_group_get(fs, g, &gd);
	if (status != FS_OK)
		return status;
	slot->group_plus_one = g + 1;
	slot->block_bitmap = gd.block_bitmap;
	slot->inode_bitmap = gd.inode_bitmap;
	slot->inode_table = gd.inode_table;
	*out = slot;
	return FS_OK;
}

int ext2_group_put(struct ext2_fs *fs, uint32_t g, const struct ext2_group *in)
{
	uint8_t *b;
	uint32_t at = g * EXT2_GD_SIZE;
	int status = cache_get(fs, fs->first_data_block + 1 + at / fs->block_size, false, &b);
	if (status != FS_OK)
		return status;
	uint8_t *d = b + at % fs->block_size;
	put16(d + GD_FREE_BLOCKS, in->free_blocks);
	put16(d + GD_FREE_INODES, in->free_inodes);
	put16(d + GD_USED_DIRS, in->used_dirs);
	cache_dirty(fs, b, CLASS_SUPER);
	return FS_OK;
}

void ext2_super_counts(struct ext2_fs *fs)
{
	put32(fs->super + SB_FREE_BLOCKS, fs->free_blocks);
	put32(fs->super + SB_FREE_INODES, fs->free_inodes);
	put32(fs->super + SB_FEATURE_RO_COMPAT, fs->ro_compat);
	cache_dirty_entry(fs, fs->super_entry, CLASS_SUPER);
}

/* A block a file may point at: inside the device, and not one of the
 * superblock copies, descriptor tables, bitmaps or inode tables. */
int ext2_check_data_block(struct ext2_fs *fs, uint32_t block)
{
	if (block < fs->first_data_block || block >= fs->blocks_count)
		return FS_EUCLEAN;
	uint32_t g = (block - fs->first_data_block) / fs->blocks_per_group;
	uint32_t start = group_start(fs, g);
	if (has_super(fs, g) && block - start < 1 + fs->gdt_blocks + fs->reserved_gdt)
		return FS_EUCLEAN;
	const struct ext2_layout *gd;
	int status = ext2_group_layout(fs, g, &gd);
	if (status != FS_OK)
		return status;
	if (block == gd->block_bitmap || block == gd->inode_bitmap ||
	    (block >= gd->inode_table && block - gd->inode_table < fs->inode_table_blocks))
		return FS_EUCLEAN;
	return FS_OK;
}

/* Geometry from the superblock bytes `s`; every field checked before use. */
static int parse_super(struct ext2_fs *fs, const uint8_t *s)
{
	if (get16(s + SB_MAGIC) != EXT2_MAGIC)
		return FS_EINVAL;
	if (get32(s + SB_REV_LEVEL) != 1)
		return FS_EOPNOTSUPP;
	uint32_t log = get32(s + SB_LOG_BLOCK_SIZE);
	if (log != fs->log_block_size)
		return FS_EUCLEAN;
	fs->incompat = get32(s + SB_FEATURE_INCOMPAT);
	fs->ro_compat = get32(s + SB_FEATURE_RO_COMPAT);
	fs->compat = get32(s + SB_FEATURE_COMPAT);
	if (fs->incompat & ~EXT2_INCOMPAT_KNOWN)
		return FS_EOPNOTSUPP;
	if (fs->ro_compat & ~EXT2_RO_COMPAT_KNOWN)
		fs->read_only = true;
	uint32_t bs = fs->block_size;
	fs->blocks_count = get32(s + SB_BLOCKS_COUNT);
	fs->inodes_count = get32(s + SB_INODES_COUNT);
	fs->first_data_block = get32(s + SB_FIRST_DATA_BLOCK);
	fs->blocks_per_group = get32(s + SB_BLOCKS_PER_GROUP);
	fs->inodes_per_group = get32(s + SB_INODES_PER_GROUP);
	fs->inode_size = get16(s + SB_INODE_SIZE);
	fs->first_ino = get32(s + SB_FIRST_INO);
	fs->free_blocks = get32(s + SB_FREE_BLOCKS);
	fs->free_inodes = get32(s + SB_FREE_INODES);
	fs->r_blocks = get32(s + SB_R_BLOCKS_COUNT);
	fs->reserved_gdt = get16(s + SB_RESERVED_GDT);
	if (fs->first_data_block != (bs == 1024 ? 1u : 0u) ||
	    fs->blocks_count <= fs->first_data_block ||
	    (uint64_t)fs->blocks_count * fs->sectors_per_block > fs->port.sectors ||
	    fs->blocks_per_group == 0 || fs->blocks_per_group > 8 * bs ||
	    fs->blocks_per_group % 8 != 0 || fs->inodes_per_group == 0 ||
	    fs->inodes_per_group > 8 * bs || fs->inode_size < 128 || fs->inode_size > bs ||
	    (fs->inode_size & (fs->inode_size - 1)) != 0 ||
	    ((uint64_t)fs->inodes_per_group * fs->inode_size) % bs != 0)
		return FS_EUCLEAN;
	fs->groups = (fs->blocks_count - fs->first_data_block + fs->blocks_per_group - 1) /
		     fs->blocks_per_group;
	fs->inode_table_blocks = fs->inodes_per_group * fs->inode_size / bs;
	fs->gdt_blocks = (fs->groups * EXT2_GD_SIZE + bs - 1) / bs;
	if ((uint64_t)fs->groups * fs->inodes_per_group != fs->inodes_count ||
	    fs->first_ino < EXT2_ROOT_INO + 1 || fs->first_ino >= fs->inodes_count ||
	    fs->free_blocks > fs->blocks_count || fs->free_inodes > fs->inodes_count ||
	    fs->r_blocks > fs->blocks_count ||
	    (uint64_t)fs->first_data_block + 1 + fs->gdt_blocks + fs->reserved_gdt +
		    fs->inode_table_blocks + 2 >
		group_end(fs, 0))
		return FS_EUCLEAN;
	for (uint32_t i = 0; i < 4; i++)
		fs->hash_seed[i] = get32(s + SB_HASH_SEED + 4 * i);
	fs->hash_flags = get32(s + SB_FLAGS);
	fs->want_extra_isize = get16(s + SB_WANT_EXTRA_ISIZE);
	if (fs->want_extra_isize == 0 || fs->want_extra_isize > fs->inode_size - 128 ||
	    (fs->want_extra_isize & 3) != 0)
		fs->want_extra_isize = fs->inode_size >= 160 ? 32 : 0;
	fs->pointers_per_block = bs / 4;
	fs->pointer_shift = fs->log_block_size + 8;
	uint64_t p = fs->pointers_per_block;
	fs->max_file_blocks = EXT2_NDIR + p + p * p + p * p * p;
	/* i_blocks counts 512-byte sectors in 32 bits, metadata included:
	 * stay at 2^40 bytes of data so that it never overflows. */
	uint64_t cap = ((uint64_t)1 << 40) / bs;
	if (fs->max_file_blocks > cap)
		fs->max_file_blocks = cap;
	return FS_OK;
}

int ext2_mount(struct ext2_fs **out, void *memory, size_t bytes, const struct fs_block_port *port,
	       uint32_t flags, struct fs_time (*now)(void))
{
	uintptr_t base = (uintptr_t)memory;
	uintptr_t aligned = (base + ALIGN - 1) & ~(uintptr_t)(ALIGN - 1);
	size_t head = align_up(sizeof(struct ext2_fs));
	if (memory == NULL || port == NULL || bytes < (aligned - base) + head ||
	    bytes - (aligned - base) - head < cache_bytes(EXT2_MIN_CACHE, 1024))
		return FS_ENOMEM;
	bytes -= (aligned - base) + head;
	struct ext2_fs *fs = (struct ext2_fs *)aligned;
	uint8_t *area = (uint8_t *)aligned + head;
	ext2_zero(fs, sizeof(*fs));
	fs->port = *port;
	fs->now = now;
	fs->read_only = (flags & FS_MOUNT_READ_ONLY) != 0;
	if (port->sectors < 4 || port->read == NULL || port->write == NULL || port->flush == NULL)
		return FS_EINVAL;
	/* The block size first, to lay out the cache. */
	uint8_t *first = area + cache_bytes(EXT2_MIN_CACHE, 1024) - 1024;
	if (port->read(port->context, EXT2_SUPER_OFFSET / 512, 2, first) != 0)
		return FS_EIO;
	if (get16(first + SB_MAGIC) != EXT2_MAGIC)
		return FS_EINVAL;
	fs->log_block_size = get32(first + SB_LOG_BLOCK_SIZE);
	if (fs->log_block_size > 2)
		return FS_EUCLEAN;
	fs->block_size = 1024u << fs->log_block_size;
	fs->sectors_per_block = fs->block_size / 512;
	uint32_t count =
	    (uint32_t)(bytes / (fs->block_size + sizeof(struct ext2_cache_entry) + 12));
	while (count >= EXT2_MIN_CACHE && cache_bytes(count, fs->block_size) > bytes)
		count--;
	if (count < EXT2_MIN_CACHE)
		return FS_ENOMEM;
	cache_init(fs, area, count);
	uint32_t super_block = fs->block_size == 1024 ? 1 : 0;
	fs->blocks_count = super_block + 1;
	uint8_t *sb;
	int status = cache_pin(fs, super_block, &sb, &fs->super_entry);
	if (status != FS_OK)
		return status;
	fs->super = sb + (fs->block_size == 1024 ? 0 : EXT2_SUPER_OFFSET);
	status = parse_super(fs, fs->super);
	if (status != FS_OK)
		return status;
	/* Every descriptor, and the root, before the first call trusts them. */
	uint64_t free_blocks = 0, free_inodes = 0;
	for (uint32_t g = 0; g < fs->groups; g++) {
		struct ext2_group gd;
		status = ext2_group_get(fs, g, &gd);
		if (status != FS_OK)
			return status;
		free_blocks += gd.free_blocks;
		free_inodes += gd.free_inodes;
	}
	if (free_blocks > fs->blocks_count || free_inodes > fs->inodes_count)
		return FS_EUCLEAN;
	/* The summaries of the groups are the ones kept exact; the
	 * superblock's totals follow them (as e2fsck computes them). */
	fs->free_blocks = (uint32_t)free_blocks;
	fs->free_inodes = (uint32_t)free_inodes;
	struct ext2_inode root;
	status = ext2_inode_read(fs, EXT2_ROOT_INO, &root);
	if (status != FS_OK)
		return status;
	if ((root.mode & FS_TYPE_MASK) != FS_TYPE_DIRECTORY || root.links < 2)
		return FS_EUCLEAN;
	fs->magic = EXT2_FS_LIVE;
	*out = fs;
	return FS_OK;
}

int ext2_sync(struct ext2_fs *fs)
{
	return cache_writeback(fs);
}

int ext2_unmount(struct ext2_fs *fs)
{
	int status = FS_OK;
	/* Handles still open end here: an inode that lost its last name
	 * while open is deleted now, so the image is e2fsck-clean. */
	for (uint32_t i = 0; i < EXT2_OPEN_SLOTS && ext2_writable(fs) == FS_OK; i++) {
		struct ext2_inode inode;
		if (fs->open[i].count == 0)
			continue;
		fs->open[i].count = 0; /* a tombstone: the other chains hold */
		status = ext2_inode_read(fs, fs->open[i].ino, &inode);
		if (status == FS_OK && inode.links == 0)
			status = ext2_inode_delete(fs, &inode);
		if (status != FS_OK)
			break;
	}
	if (!fs->read_only && status == FS_OK)
		status = cache_writeback(fs);
	fs->magic = 0;
	return status;
}

int ext2_statfs(struct ext2_fs *fs, struct fs_statfs *out)
{
	out->block_size = fs->block_size;
	out->blocks = fs->blocks_count;
	out->free_blocks = fs->free_blocks;
	out->available_blocks = fs->free_blocks > fs->r_blocks ? fs->free_blocks - fs->r_blocks : 0;
	out->inodes = fs->inodes_count;
	out->free_inodes = fs->free_inodes;
	out->name_max = EXT2_NAME_MAX;
	out->read_only = fs->read_only || fs->failed;
	return FS_OK;
}
