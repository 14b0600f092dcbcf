/* SPDX-License-Identifier: MIT */
/*
 * Block and inode allocation: the bitmaps, the group summaries and the
 * superblock totals change together, so that the counts stay exact. A bit
 * that says "free" for a metadata block, a reserved inode, or a free that
 * finds its bit already clear, is an inconsistent disk (FS_EUCLEAN).
 * Allocation after a free first writes the free to the disk (docs/fs.md,
 * "Write order": a freed block is never reused while an old pointer to it
 * may still be on the disk).
 */
#include "ext2_impl.h"

int ext2_before_alloc(struct ext2_fs *fs)
{
	return fs->freed ? cache_writeback(fs) : FS_OK;
}

/* The first clear bit of `bits` in [from, count) then [0, from), or -1. */
static int64_t find_clear(const uint8_t *map, uint32_t from, uint32_t count)
{
	for (uint32_t n = 0; n < count; n++) {
		uint32_t i = from + n < count ? from + n : from + n - count;
		if (!(map[i >> 3] & (1u << (i & 7))))
			return i;
	}
	return -1;
}

static uint32_t group_blocks(const struct ext2_fs *fs, uint32_t g)
{
	uint32_t start = fs->first_data_block + g * fs->blocks_per_group;
	uint32_t left = fs->blocks_count - start;
	return left < fs->blocks_per_group ? left : fs->blocks_per_group;
}

/* Set (or clear) bit `bit` of the bitmap in `block`; FS_EUCLEAN if it
 * already had that value. */
static int flip(struct ext2_fs *fs, uint32_t block, uint32_t bit, bool set)
{
	uint8_t *map;
	int status = cache_get(fs, block, false, &map);
	if (status != FS_OK)
		return status;
	uint8_t mask = (uint8_t)(1u << (bit & 7));
	if (((map[bit >> 3] & mask) != 0) == set)
		return FS_EUCLEAN;
	map[bit >> 3] = (uint8_t)(set ? map[bit >> 3] | mask : map[bit >> 3] & ~mask);
	cache_dirty(fs, map, CLASS_BITMAP);
	return FS_OK;
}

int ext2_block_alloc(struct ext2_fs *fs, uint32_t goal, uint32_t *out)
{
	int status = ext2_before_alloc(fs);
	if (status != FS_OK)
		return status;
	if (fs->free_blocks == 0)
		return FS_ENOSPC;
	uint32_t g0 = 0, from = 0;
	if (goal >= fs->first_data_block && goal < fs->blocks_count) {
		g0 = (goal - fs->first_data_block) / fs->blocks_per_group;
		from = (goal - fs->first_data_block) % fs->blocks_per_group;
	}
	for (uint32_t k = 0; k < fs->groups; k++) {
		uint32_t g = (g0 + k) % fs->groups;
		struct ext2_group gd;
		status = ext2_group_get(fs, g, &gd);
		if (status != FS_OK)
			return status;
		if (gd.free_blocks == 0)
			continue;
		uint8_t *map;
		status = cache_get(fs, gd.block_bitmap, false, &map);
		if (status != FS_OK)
			return status;
		uint32_t count = group_blocks(fs, g);
		int64_t bit = find_clear(map, k == 0 && from < count ? from : 0, count);
		if (bit < 0)
			return FS_EUCLEAN; /* the summary says free, the bitmap not */
		uint32_t block = fs->first_data_block + g * fs->blocks_per_group + (uint32_t)bit;
		status = ext2_check_data_block(fs, block);
		if (status != FS_OK)
			return status;
		status = flip(fs, gd.block_bitmap, (uint32_t)bit, true);
		if (status != FS_OK)
			return status;
		gd.free_blocks--;
		status = ext2_group_put(fs, g, &gd);
		if (status != FS_OK)
			return status;
		fs->free_blocks--;
		ext2_super_counts(fs);
		*out = block;
		return FS_OK;
	}
	return FS_ENOSPC;
}

int ext2_block_free(struct ext2_fs *fs, uint32_t block)
{
	int status = ext2_check_data_block(fs, block);
	if (status != FS_OK)
		return status;
	uint32_t g = (block - fs->first_data_block) / fs->blocks_per_group;
	struct ext2_group gd;
	status = ext2_group_get(fs, g, &gd);
	if (status != FS_OK)
		return status;
	status =
	    flip(fs, gd.block_bitmap, (block - fs->first_data_block) % fs->blocks_per_group, false);
	if (status != FS_OK)
		return status;
	gd.free_blocks++;
	status = ext2_group_put(fs, g, &gd);
	if (status != FS_OK)
		return status;
	fs->free_blocks++;
	ext2_super_counts(fs);
	cache_forget(fs, block);
	fs->freed = true;
	return FS_OK;
}

/* A directory goes to the group with the most free blocks among those with
 * a free inode (spreading directories); a file near its parent. */
static int pick_group(struct ext2_fs *fs, uint32_t parent, bool directory, uint32_t *out)
{
	uint32_t g0 = (parent - 1) / fs->inodes_per_group;
	int64_t best = -1;
	uint32_t best_free = 0;
	for (uint32_t k = 0; k < fs->groups; k++) {
		uint32_t g = (g0 + k) % fs->groups;
		struct ext2_group gd;
		int status = ext2_group_get(fs, g, &gd);
		if (status != FS_OK)
			return status;
		if (gd.free_inodes == 0)
			continue;
		if (!directory) {
			*out = g;
			return FS_OK;
		}
		if (best < 0 || gd.free_blocks > best_free) {
			best = g;
			best_free = gd.free_blocks;
		}
	}
	if (best < 0)
		return FS_ENOSPC;
	*out = (uint32_t)best;
	return FS_OK;
}

int ext2_inode_alloc(struct ext2_fs *fs, uint32_t parent, bool directory, uint32_t *out)
{
	int status = ext2_before_alloc(fs);
	if (status != FS_OK)
		return status;
	if (fs->free_inodes == 0)
		return FS_ENOSPC;
	uint32_t g;
	status = pick_group(fs, parent, directory, &g);
	if (status != FS_OK)
		return status;
	struct ext2_group gd;
	status = ext2_group_get(fs, g, &gd);
	if (status != FS_OK)
		return status;
	uint8_t *map;
	status = cache_get(fs, gd.inode_bitmap, false, &map);
	if (status != FS_OK)
		return status;
	int64_t bit = find_clear(map, 0, fs->inodes_per_group);
	if (bit < 0)
		return FS_EUCLEAN;
	uint32_t ino = g * fs->inodes_per_group + (uint32_t)bit + 1;
	if (ino < fs->first_ino)
		return FS_EUCLEAN; /* a reserved inode marked free */
	status = flip(fs, gd.inode_bitmap, (uint32_t)bit, true);
	if (status != FS_OK)
		return status;
	gd.free_inodes--;
	if (directory)
		gd.used_dirs++;
	status = ext2_group_put(fs, g, &gd);
	if (status != FS_OK)
		return status;
	fs->free_inodes--;
	ext2_super_counts(fs);
	*out = ino;
	return FS_OK;
}

int ext2_inode_free(struct ext2_fs *fs, uint32_t ino, bool directory)
{
	uint32_t g = (ino - 1) / fs->inodes_per_group;
	struct ext2_group gd;
	int status = ext2_group_get(fs, g, &gd);
	if (status != FS_OK)
		return status;
	status = flip(fs, gd.inode_bitmap, (ino - 1) % fs->inodes_per_group, false);
	if (status != FS_OK)
		return status;
	gd.free_inodes++;
	if (directory && gd.used_dirs > 0)
		gd.used_dirs--;
	status = ext2_group_put(fs, g, &gd);
	if (status != FS_OK)
		return status;
	fs->free_inodes++;
	ext2_super_counts(fs);
	fs->freed = true;
	return FS_OK;
}
