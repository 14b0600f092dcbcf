/* SPDX-License-Identifier: MIT */
/*
 * The block map: from a file's logical block to the disk block through
 * i_block's twelve direct pointers and its single, double and triple
 * indirect blocks. Every pointer is checked (ext2_check_data_block) before
 * it is followed or freed; the depth is fixed at three, so a corrupt chain
 * cannot loop, and a block reached twice on a free finds its bit clear
 * (FS_EUCLEAN). New blocks are zeroed in the cache and marked dirty before
 * the pointer to them is stored (docs/fs.md, "Write order").
 */
#include "ext2_impl.h"

static int new_block(struct ext2_fs *fs, struct ext2_inode *inode, enum ext2_class cls,
		     uint32_t *out)
{
	/* After the file's last new block (sequential writes stay
	 * contiguous), else first fit in the inode's group. */
	uint32_t goal = fs->hint_ino == inode->ino
			    ? fs->alloc_hint
			    : fs->first_data_block +
				  ((inode->ino - 1) / fs->inodes_per_group) * fs->blocks_per_group;
	int status = ext2_block_alloc(fs, goal, out);
	if (status != FS_OK)
		return status;
	fs->alloc_hint = *out + 1;
	fs->hint_ino = inode->ino;
	uint8_t *b;
	status = cache_get(fs, *out, true, &b);
	if (status != FS_OK)
		return status;
	cache_dirty(fs, b, cls);
	inode->blocks += fs->block_size / 512;
	return FS_OK;
}

int ext2_bmap(struct ext2_fs *fs, struct ext2_inode *inode, uint64_t index, bool allocate,
	      uint32_t *out)
{
	uint64_t p = fs->pointers_per_block;
	if (index >= fs->max_file_blocks)
		return FS_EFBIG;
	uint32_t slot, level;
	if (index < EXT2_NDIR) {
		slot = (uint32_t)index;
		level = 0;
	} else if ((index -= EXT2_NDIR) < p) {
		slot = EXT2_NDIR;
		level = 1;
	} else if ((index -= p) < p * p) {
		slot = EXT2_NDIR + 1;
		level = 2;
	} else {
		index -= p * p;
		slot = EXT2_NDIR + 2;
		level = 3;
	}
	uint32_t cur = inode->block[slot];
	if (cur == 0) {
		*out = 0;
		if (!allocate)
			return FS_OK;
		int status = new_block(fs, inode,
				       level == 0 ? CLASS_DATA : CLASS_INDIRECT + level - 1, &cur);
		if (status != FS_OK)
			return status;
		inode->block[slot] = cur;
	}
	for (; level > 0; level--) {
		int status = ext2_check_data_block(fs, cur);
		if (status != FS_OK)
			return status;
		uint32_t at = (uint32_t)((index >> (fs->pointer_shift * (level - 1))) & (p - 1));
		uint8_t *b;
		status = cache_get(fs, cur, false, &b);
		if (status != FS_OK)
			return status;
		uint32_t next = get32(b + 4 * at);
		if (next == 0) {
			*out = 0;
			if (!allocate)
				return FS_OK;
			status = new_block(
			    fs, inode, level == 1 ? CLASS_DATA : CLASS_INDIRECT + level - 2, &next);
			if (status == FS_OK)
				status = cache_get(fs, cur, false, &b);
			if (status != FS_OK)
				return status;
			put32(b + 4 * at, next);
			cache_dirty(fs, b, CLASS_INDIRECT + level - 1);
		}
		cur = next;
	}
	int status = ext2_check_data_block(fs, cur);
	if (status != FS_OK)
		return status;
	*out = cur;
	return FS_OK;
}

static int release(struct ext2_fs *fs, struct ext2_inode *inode, uint32_t block)
{
	int status = ext2_block_free(fs, block);
	if (status != FS_OK)
		return status;
	uint32_t sectors = fs->block_size / 512;
	inode->blocks = inode->blocks > sectors ? inode->blocks - sectors : 0;
	return FS_OK;
}

/* `block` is an indirect block of `level` (1..3) mapping logical blocks
 * from `base`; free what it maps from `keep` on. */
static int free_branch(struct ext2_fs *fs, struct ext2_inode *inode, uint32_t block, uint32_t level,
		       uint64_t base, uint64_t keep)
{
	int status = ext2_check_data_block(fs, block);
	if (status != FS_OK)
		return status;
	uint64_t span = (uint64_t)1 << (fs->pointer_shift * (level - 1));
	uint32_t first = keep > base ? (uint32_t)((keep - base) / span) : 0;
	for (uint32_t i = first; i < fs->pointers_per_block; i++) {
		uint8_t *b;
		status = cache_get(fs, block, false, &b);
		if (status != FS_OK)
			return status;
		uint32_t child = get32(b + 4 * i);
		if (child == 0)
			continue;
		uint64_t child_base = base + i * span;
		if (level > 1) {
			status = free_branch(fs, inode, child, level - 1, child_base, keep);
			if (status != FS_OK)
				return status;
			if (child_base < keep)
				continue; /* still maps blocks below `keep` */
		}
		status = release(fs, inode, child);
		if (status == FS_OK)
			status = cache_get(fs, block, false, &b);
		if (status != FS_OK)
			return status;
		put32(b + 4 * i, 0);
		cache_dirty(fs, b, CLASS_INDIRECT + level - 1);
	}
	return FS_OK;
}

int ext2_free_from(struct ext2_fs *fs, struct ext2_inode *inode, uint64_t keep)
{
	for (uint32_t i = 0; i < EXT2_NDIR; i++) {
		if (i < keep || inode->block[i] == 0)
			continue;
		int status = release(fs, inode, inode->block[i]);
		if (status != FS_OK)
			return status;
		inode->block[i] = 0;
	}
	uint64_t base = EXT2_NDIR;
	for (uint32_t level = 1; level <= 3; level++) {
		uint32_t slot = EXT2_NDIR + level - 1;
		uint64_t span = (uint64_t)1 << (fs->pointer_shift * level);
		if (inode->block[slot] != 0 && base + span > keep) {
			int status = free_branch(fs, inode, inode->block[slot], level, base, keep);
			if (status != FS_OK)
				return status;
			if (base >= keep) {
				status = release(fs, inode, inode->block[slot]);
				if (status != FS_OK)
					return status;
				inode->block[slot] = 0;
			}
		}
		base += span;
	}
	return FS_OK;
}
