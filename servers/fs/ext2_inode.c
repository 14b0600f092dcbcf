/* SPDX-License-Identifier: MIT */
/*
 * Inodes: decoding an on-disk record into struct ext2_inode (checked before
 * use), encoding it back, the counts of open handles, and deletion. An
 * inode is live while its link count is above zero or it is open; a live
 * inode's type and size are checked at every read, block pointers when the
 * block map follows them (ext2_bmap.c).
 */
#include "ext2_impl.h"

#define EA_MAGIC 0xEA020000u

static int locate(struct ext2_fs *fs, uint32_t ino, uint32_t *block, uint32_t *offset)
{
	if (ino == 0 || ino > fs->inodes_count)
		return FS_EUCLEAN;
	uint32_t g = (ino - 1) / fs->inodes_per_group;
	uint32_t index = (ino - 1) % fs->inodes_per_group;
	const struct ext2_layout *layout;
	int status = ext2_group_layout(fs, g, &layout);
	if (status != FS_OK)
		return status;
	uint64_t at = (uint64_t)index * fs->inode_size;
	*block = layout->inode_table + (uint32_t)(at / fs->block_size);
	*offset = (uint32_t)(at % fs->block_size);
	return FS_OK;
}

bool ext2_fast_symlink(const struct ext2_fs *fs, const struct ext2_inode *inode)
{
	uint32_t acl = inode->file_acl ? fs->block_size / 512 : 0;
	return inode->blocks <= acl;
}

/* The record's fields; a live record's type and size are checked. A
 * linked record that passed the checks is remembered (struct
 * ext2_inode_memo) until its block's bytes change: the same bytes decode
 * and check the same way again, so they are not decoded again. Its result
 * does not depend on the open counts (only an unlinked record's does). */
int ext2_inode_read(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *out)
{
	struct ext2_inode_memo *memo = &fs->memo[ino % EXT2_INODE_MEMOS];
	if (memo->inode.ino == ino && ino != 0 &&
	    fs->entries[memo->entry].version == memo->version) {
		*out = memo->inode;
		return FS_OK;
	}
	uint32_t block, offset;
	int status = locate(fs, ino, &block, &offset);
	if (status != FS_OK)
		return status;
	uint8_t *b;
	status = cache_get(fs, block, false, &b);
	if (status != FS_OK)
		return status;
	const uint8_t *r = b + offset;
	out->ino = ino;
	out->mode = get16(r + I_MODE);
	out->uid = get16(r + I_UID) | get16(r + I_UID_HIGH) << 16;
	out->gid = get16(r + I_GID) | get16(r + I_GID_HIGH) << 16;
	out->size = get32(r + I_SIZE);
	out->atime = get32(r + I_ATIME);
	out->ctime = get32(r + I_CTIME);
	out->mtime = get32(r + I_MTIME);
	out->dtime = get32(r + I_DTIME);
	out->links = get16(r + I_LINKS);
	out->blocks = get32(r + I_BLOCKS);
	out->flags = get32(r + I_FLAGS);
	/* Unrolled: every inode access decodes or encodes these. */
#pragma GCC unroll 15
	for (uint32_t i = 0; i < EXT2_N_BLOCKS; i++)
		out->block[i] = get32(r + I_BLOCK + 4 * i);
	out->file_acl = get32(r + I_FILE_ACL);
	uint32_t high = get32(r + I_SIZE_HIGH);
	if (out->links == 0 && ext2_open_count(fs, ino) == 0)
		return FS_OK;
	switch (out->mode & FS_TYPE_MASK) {
	case FS_TYPE_DIRECTORY:
		if (high != 0 || out->size % fs->block_size != 0 || out->size == 0)
			return FS_EUCLEAN;
		break;
	case FS_TYPE_REGULAR: out->size |= (uint64_t)high << 32; break;
	case FS_TYPE_SYMLINK:
		if (high != 0 || out->size == 0 || out->size >= fs->block_size ||
		    (ext2_fast_symlink(fs, out) && out->size > EXT2_FAST_SYMLINK_MAX))
			return FS_EUCLEAN;
		break;
	case 0010000u: /* FIFO, character and block devices, sockets: */
	case 0020000u: /* attributes only */
	case 0060000u:
	case 0140000u: break;
	default: return FS_EUCLEAN;
	}
	if ((out->flags & EXT2_UNSUPPORTED_FL) != 0 ||
	    out->size > fs->max_file_blocks * fs->block_size)
		return FS_EUCLEAN;
	if (out->links != 0) {
		/* block_size is 1024 << log_block_size (checked at mount). */
		uint32_t entry = (uint32_t)((size_t)(b - fs->data) >> (10 + fs->log_block_size));
		memo->entry = entry;
		memo->version = fs->entries[entry].version;
		memo->inode = *out;
	}
	return FS_OK;
}

int ext2_inode_write(struct ext2_fs *fs, const struct ext2_inode *in)
{
	uint32_t block, offset;
	int status = locate(fs, in->ino, &block, &offset);
	if (status != FS_OK)
		return status;
	uint8_t *b;
	status = cache_get(fs, block, false, &b);
	if (status != FS_OK)
		return status;
	uint8_t *r = b + offset;
	put16(r + I_MODE, in->mode);
	put16(r + I_UID, in->uid & 0xffff);
	put16(r + I_UID_HIGH, in->uid >> 16);
	put16(r + I_GID, in->gid & 0xffff);
	put16(r + I_GID_HIGH, in->gid >> 16);
	put32(r + I_SIZE, (uint32_t)in->size);
	put32(r + I_SIZE_HIGH, (uint32_t)(in->size >> 32));
	put32(r + I_ATIME, in->atime);
	put32(r + I_CTIME, in->ctime);
	put32(r + I_MTIME, in->mtime);
	put32(r + I_DTIME, in->dtime);
	put16(r + I_LINKS, in->links);
	put32(r + I_BLOCKS, in->blocks);
	put32(r + I_FLAGS, in->flags);
	/* Unrolled: every inode access decodes or encodes these. */
#pragma GCC unroll 15
	for (uint32_t i = 0; i < EXT2_N_BLOCKS; i++)
		put32(r + I_BLOCK + 4 * i, in->block[i]);
	put32(r + I_FILE_ACL, in->file_acl);
	cache_dirty(fs, b, CLASS_INODE);
	return FS_OK;
}

/* A fresh record: every byte zero but the extra-size field, then `inode`. */
int ext2_inode_init(struct ext2_fs *fs, struct ext2_inode *inode)
{
	uint32_t block, offset;
	int status = locate(fs, inode->ino, &block, &offset);
	if (status != FS_OK)
		return status;
	uint8_t *b;
	status = cache_get(fs, block, false, &b);
	if (status != FS_OK)
		return status;
	ext2_zero(b + offset, fs->inode_size);
	if (fs->inode_size > 128)
		put16(b + offset + I_EXTRA_ISIZE, fs->want_extra_isize);
	return ext2_inode_write(fs, inode);
}

/* The open counts are a hash table: open addressing, linear probing from
 * a hash of the inode number. A slot is empty (ino 0), open (count > 0),
 * or a tombstone (count 0, ino kept so that the chains through it hold);
 * a chain ends at the first empty slot. */
_Static_assert(EXT2_OPEN_SLOTS == 256, "the hash takes the top 8 bits");
#define OPEN_NEXT(i) (((i) + 1) & (EXT2_OPEN_SLOTS - 1))

uint32_t ext2_open_find(const struct ext2_fs *fs, uint32_t ino, uint32_t *vacant)
{
	uint32_t i = (ino * 2654435761u) >> 24, free_slot = EXT2_OPEN_SLOTS;
	for (uint32_t n = 0; n < EXT2_OPEN_SLOTS; n++, i = OPEN_NEXT(i)) {
		const struct ext2_open_slot *s = &fs->open[i];
		if (s->count > 0) {
			if (s->ino == ino)
				return i;
			continue;
		}
		if (free_slot == EXT2_OPEN_SLOTS)
			free_slot = i;
		if (s->ino == 0)
			break;
	}
	if (vacant != NULL)
		*vacant = free_slot;
	return EXT2_OPEN_SLOTS;
}

void ext2_open_drop(struct ext2_fs *fs, uint32_t i)
{
	fs->open[i].count = 0;
	/* A tombstone that ends a chain is not needed: empty it, and the
	 * tombstones before it. */
	if (fs->open[OPEN_NEXT(i)].ino != 0)
		return;
	for (uint32_t n = 0; n < EXT2_OPEN_SLOTS && fs->open[i].count == 0 && fs->open[i].ino != 0;
	     n++) {
		fs->open[i].ino = 0;
		i = (i - 1) & (EXT2_OPEN_SLOTS - 1);
	}
}

uint32_t ext2_open_count(const struct ext2_fs *fs, uint32_t ino)
{
	uint32_t i = ext2_open_find(fs, ino, NULL);
	return i < EXT2_OPEN_SLOTS ? fs->open[i].count : 0;
}

/* An inode a caller may name: the root or a non-reserved number, in use. */
int ext2_inode_get_live(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *out)
{
	if (ino != EXT2_ROOT_INO && (ino < fs->first_ino || ino > fs->inodes_count))
		return FS_ENOENT;
	int status = ext2_inode_read(fs, ino, out);
	if (status != FS_OK)
		return status;
	if (out->links == 0 && (out->mode == 0 || ext2_open_count(fs, ino) == 0))
		return FS_ENOENT;
	return FS_OK;
}

/* Drop one reference to an extended-attribute block (shared by count). */
static int drop_xattr(struct ext2_fs *fs, struct ext2_inode *inode)
{
	uint32_t block = inode->file_acl;
	int status = ext2_check_data_block(fs, block);
	if (status != FS_OK)
		return status;
	uint8_t *b;
	status = cache_get(fs, block, false, &b);
	if (status != FS_OK)
		return status;
	uint32_t refs = get32(b + 4);
	if (get32(b) != EA_MAGIC || refs == 0)
		return FS_EUCLEAN;
	if (refs > 1) {
		put32(b + 4, refs - 1);
		cache_dirty(fs, b, CLASS_DATA);
	} else {
		status = ext2_block_free(fs, block);
		if (status != FS_OK)
			return status;
	}
	inode->file_acl = 0;
	uint32_t sectors = fs->block_size / 512;
	inode->blocks = inode->blocks > sectors ? inode->blocks - sectors : 0;
	return FS_OK;
}

/* Free an inode whose last link and last handle are gone: its blocks, then
 * the record (dtime set, as e2fsck expects of a deleted inode), then its
 * bit. */
int ext2_inode_delete(struct ext2_fs *fs, struct ext2_inode *inode)
{
	uint32_t type = inode->mode & FS_TYPE_MASK;
	bool directory = type == FS_TYPE_DIRECTORY;
	int status = FS_OK;
	/* Only these map blocks: a device's i_block holds its number, a fast
	 * symlink's its target. */
	if (type == FS_TYPE_REGULAR || directory ||
	    (type == FS_TYPE_SYMLINK && !ext2_fast_symlink(fs, inode)))
		status = ext2_free_from(fs, inode, 0);
	if (status == FS_OK && inode->file_acl != 0)
		status = drop_xattr(fs, inode);
	if (status != FS_OK)
		return status;
	ext2_zero(inode->block, sizeof(inode->block));
	inode->size = 0;
	inode->links = 0;
	inode->dtime = ext2_now(fs);
	if (inode->dtime == 0)
		inode->dtime = 1;
	status = ext2_inode_write(fs, inode);
	if (status != FS_OK)
		return status;
	return ext2_inode_free(fs, inode->ino, directory);
}
