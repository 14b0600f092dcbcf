/* SPDX-License-Identifier: MIT */
/*
 * Directories: entries in the directory's blocks, each record checked
 * (alignment, record and name lengths, inode number, file type) before it
 * is used. Lookups in an htree-indexed directory go through the index
 * (root and interior nodes checked: sizes, limits, counts, depth, order);
 * an index that fails a check, or a hash this engine does not know, falls
 * back to the linear scan, which needs no index. The index stays right
 * through removals (a record leaving its leaf) and through names added to
 * the leaf the index sends them to; a name that does not fit there drops
 * the index (the inode with the flag cleared is written before the
 * directory's blocks change), which e2fsck accepts (docs/fs.md).
 */
#include "ext2_impl.h"

struct dentry {
	uint32_t ino, rec, name_length, type;
	const uint8_t *name;
};

static uint32_t rec_len_for(uint32_t name_length)
{
	return (8 + name_length + 3) & ~3u;
}

/* Parse and check the record at `off` of directory block `b`: inline in
 * the name search (every lookup runs it for every record it passes),
 * through entry_at everywhere else. */
static inline __attribute__((always_inline)) int
entry_parse(const struct ext2_fs *fs, const uint8_t *b, uint32_t off, struct dentry *e)
{
	if (off % 4 != 0 || fs->block_size - off < 12)
		return FS_EUCLEAN;
	e->ino = get32(b + off);
	e->rec = get16(b + off + 4);
	e->name_length = b[off + 6];
	e->type = b[off + 7];
	e->name = b + off + 8;
	if (!(fs->incompat & EXT2_INCOMPAT_FILETYPE)) {
		if (e->type != 0)
			return FS_EUCLEAN; /* high byte of a 16-bit name length */
		e->type = EXT2_FT_UNKNOWN;
	}
	if (e->rec < 12 || e->rec % 4 != 0 || e->rec > fs->block_size - off ||
	    e->rec < rec_len_for(e->name_length) || e->ino > fs->inodes_count ||
	    e->type > EXT2_FT_MAX)
		return FS_EUCLEAN;
	if (e->ino != 0 &&
	    (e->name_length == 0 || (e->ino != EXT2_ROOT_INO && e->ino < fs->first_ino)))
		return FS_EUCLEAN;
	return FS_OK;
}

static int entry_at(const struct ext2_fs *fs, const uint8_t *b, uint32_t off, struct dentry *e)
{
	return entry_parse(fs, b, off, e);
}

/* The disk block of the directory's logical block `index`; a hole in a
 * directory is an inconsistency. */
static int dir_block(struct ext2_fs *fs, const struct ext2_inode *dir, uint64_t index,
		     uint8_t **out)
{
	uint32_t block;
	/* Without `allocate` the block map only reads the inode. */
	int status = ext2_bmap(fs, (struct ext2_inode *)(uintptr_t)dir, index, false, &block);
	if (status != FS_OK)
		return status;
	if (block == 0)
		return FS_EUCLEAN;
	return cache_get(fs, block, false, out);
}

static bool name_is(const struct dentry *e, const char *name, size_t length)
{
	return e->ino != 0 && e->name_length == length && ext2_same(e->name, name, length);
}

/* Search one block; FS_ENOENT when the name is not there. */
static int find_in_block(struct ext2_fs *fs, const struct ext2_inode *dir, uint64_t index,
			 const char *name, size_t length, struct ext2_dir_slot *out)
{
	uint8_t *b;
	int status = dir_block(fs, dir, index, &b);
	if (status != FS_OK)
		return status;
	struct dentry e;
	for (uint32_t off = 0; off < fs->block_size; off += e.rec) {
		status = entry_parse(fs, b, off, &e);
		if (status != FS_OK)
			return status;
		if (name_is(&e, name, length)) {
			out->offset = index * fs->block_size + off;
			out->ino = e.ino;
			out->type = e.type;
			return FS_OK;
		}
	}
	return FS_ENOENT;
}

static int find_linear(struct ext2_fs *fs, const struct ext2_inode *dir, const char *name,
		       size_t length, struct ext2_dir_slot *out)
{
	uint64_t blocks = dir->size / fs->block_size;
	for (uint64_t i = 0; i < blocks; i++) {
		int status = find_in_block(fs, dir, i, name, length, out);
		if (status != FS_ENOENT)
			return status;
	}
	return FS_ENOENT;
}

#define DX_FALLBACK 1

/* One index node's entries (at `at` in block `b`): the position of the
 * last entry whose hash is at most `hash`, its block, and the hash of the
 * entry after it (or none). DX_FALLBACK if the node fails a check. */
struct dx_pick {
	uint32_t block, next_hash, count, position;
	bool has_next;
};

static int dx_node(const struct ext2_fs *fs, const uint8_t *b, uint32_t at, uint64_t dir_blocks,
		   uint32_t hash, struct dx_pick *pick)
{
	uint32_t limit = get16(b + at), count = get16(b + at + 2);
	if (limit != (fs->block_size - at) / 8 || count == 0 || count > limit)
		return DX_FALLBACK;
	uint32_t chosen = 0, previous = 0;
	for (uint32_t i = 1; i < count; i++) {
		uint32_t h = get32(b + at + 8 * i);
		if (h < previous)
			return DX_FALLBACK; /* entries out of order */
		previous = h;
		if (h <= hash)
			chosen = i;
	}
	pick->block = get32(b + at + 8 * chosen + 4);
	pick->count = count;
	pick->position = chosen;
	pick->has_next = chosen + 1 < count;
	pick->next_hash = pick->has_next ? get32(b + at + 8 * (chosen + 1)) : 0;
	if (pick->block == 0 || pick->block >= dir_blocks)
		return DX_FALLBACK;
	return FS_OK;
}

/* The path through the index to the leaf for `name`: its hash, the
 * chosen entry of the last index node and where that node is. FS_OK, an
 * error, or DX_FALLBACK if the index fails a check. */
struct dx_path {
	uint32_t hash, node, node_at;
	struct dx_pick pick;
};

static int dx_walk(struct ext2_fs *fs, const struct ext2_inode *dir, const char *name,
		   size_t length, struct dx_path *path)
{
	uint64_t dir_blocks = dir->size / fs->block_size;
	uint8_t *b;
	int status = dir_block(fs, dir, 0, &b);
	if (status != FS_OK)
		return status;
	/* The root: "." and ".." records, then the index header. */
	if (get16(b + 4) != 12 || get16(b + 12 + 4) != fs->block_size - 12 || get32(b + 24) != 0 ||
	    b[29] != 8 || b[30] > 1)
		return DX_FALLBACK;
	uint32_t levels = b[30];
	if (ext2_dx_hash(fs, b[28], name, length, &path->hash) != FS_OK)
		return DX_FALLBACK;
	if (dx_node(fs, b, 32, dir_blocks, path->hash, &path->pick) != FS_OK)
		return DX_FALLBACK;
	path->node = 0;
	path->node_at = 32;
	for (uint32_t level = 0; level < levels; level++) {
		path->node = path->pick.block;
		path->node_at = 8;
		status = dir_block(fs, dir, path->node, &b);
		if (status != FS_OK)
			return status;
		if (get32(b) != 0 || get16(b + 4) != fs->block_size ||
		    dx_node(fs, b, path->node_at, dir_blocks, path->hash, &path->pick) != FS_OK)
			return DX_FALLBACK;
	}
	return FS_OK;
}

/* Through the index: FS_OK, FS_ENOENT, an error, or DX_FALLBACK. */
static int find_indexed(struct ext2_fs *fs, const struct ext2_inode *dir, const char *name,
			size_t length, struct ext2_dir_slot *out)
{
	uint64_t dir_blocks = dir->size / fs->block_size;
	struct dx_path path;
	int status = dx_walk(fs, dir, name, length, &path);
	if (status != FS_OK)
		return status;
	uint32_t hash = path.hash, node = path.node, node_at = path.node_at;
	struct dx_pick pick = path.pick;
	uint8_t *b;
	/* The leaf, then its successors while they continue this hash. */
	for (;;) {
		status = find_in_block(fs, dir, pick.block, name, length, out);
		if (status != FS_ENOENT)
			return status;
		if (!pick.has_next || (pick.next_hash & ~1u) != hash || !(pick.next_hash & 1u))
			return FS_ENOENT;
		status = dir_block(fs, dir, node, &b);
		if (status != FS_OK)
			return status;
		uint32_t next = pick.position + 1;
		pick.position = next;
		pick.block = get32(b + node_at + 8 * next + 4);
		pick.has_next = next + 1 < pick.count;
		pick.next_hash = pick.has_next ? get32(b + node_at + 8 * (next + 1)) : 0;
		if (pick.block == 0 || pick.block >= dir_blocks)
			return DX_FALLBACK;
	}
}

int ext2_dir_find(struct ext2_fs *fs, const struct ext2_inode *dir, const char *name, size_t length,
		  struct ext2_dir_slot *out)
{
	if ((dir->flags & EXT2_INDEX_FL) && (fs->compat & EXT2_COMPAT_DIR_INDEX)) {
		int status = find_indexed(fs, dir, name, length, out);
		if (status != DX_FALLBACK)
			return status;
	}
	return find_linear(fs, dir, name, length, out);
}

/* Before a directory changes: drop its index, on the disk first. */
static int drop_index(struct ext2_fs *fs, struct ext2_inode *dir)
{
	if (!(dir->flags & EXT2_INDEX_FL))
		return FS_OK;
	dir->flags &= ~EXT2_INDEX_FL;
	int status = ext2_inode_write(fs, dir);
	if (status != FS_OK)
		return status;
	return cache_writeback(fs);
}

static void put_entry(const struct ext2_fs *fs, uint8_t *at, uint32_t ino, uint32_t rec,
		      const char *name, size_t length, uint32_t type)
{
	put32(at, ino);
	put16(at + 4, rec);
	at[6] = (uint8_t)length;
	at[7] = (fs->incompat & EXT2_INCOMPAT_FILETYPE) ? (uint8_t)type : 0;
	ext2_copy(at + 8, name, length);
}

/* Put the entry into logical block `index` if it has room: FS_OK,
 * FS_ENOSPC (no room there), or an error. */
static int add_to_block(struct ext2_fs *fs, const struct ext2_inode *dir, uint64_t index,
			const char *name, size_t length, uint32_t ino, uint32_t type)
{
	uint32_t needed = rec_len_for((uint32_t)length);
	uint8_t *b;
	int status = dir_block(fs, dir, index, &b);
	if (status != FS_OK)
		return status;
	struct dentry e;
	for (uint32_t off = 0; off < fs->block_size; off += e.rec) {
		status = entry_at(fs, b, off, &e);
		if (status != FS_OK)
			return status;
		uint32_t used = e.ino ? rec_len_for(e.name_length) : 0;
		if (e.rec - used < needed)
			continue;
		if (used) {
			put16(b + off + 4, used);
			off += used;
		}
		put_entry(fs, b + off, ino, e.rec - used, name, length, type);
		cache_dirty(fs, b, CLASS_DATA);
		return FS_OK;
	}
	return FS_ENOSPC;
}

int ext2_dir_add(struct ext2_fs *fs, struct ext2_inode *dir, const char *name, size_t length,
		 uint32_t ino, uint32_t type)
{
	int status;
	if ((dir->flags & EXT2_INDEX_FL) && (fs->compat & EXT2_COMPAT_DIR_INDEX)) {
		/* The index stays right if the name goes into the leaf the
		 * index sends its hash to; with no room there, it goes. */
		struct dx_path path;
		status = dx_walk(fs, dir, name, length, &path);
		if (status == FS_OK)
			status = add_to_block(fs, dir, path.pick.block, name, length, ino, type);
		if (status != FS_ENOSPC && status != DX_FALLBACK)
			return status;
	}
	status = drop_index(fs, dir);
	if (status != FS_OK)
		return status;
	uint64_t blocks = dir->size / fs->block_size;
	for (uint64_t i = 0; i < blocks; i++) {
		status = add_to_block(fs, dir, i, name, length, ino, type);
		if (status != FS_ENOSPC)
			return status;
	}
	/* No room: one more block, holding just this entry. */
	if ((blocks + 1) * fs->block_size > 0xffffffffu)
		return FS_ENOSPC;
	uint32_t block;
	status = ext2_bmap(fs, dir, blocks, true, &block);
	if (status != FS_OK)
		return status;
	uint8_t *b;
	status = cache_get(fs, block, false, &b);
	if (status != FS_OK)
		return status;
	put_entry(fs, b, ino, fs->block_size, name, length, type);
	cache_dirty(fs, b, CLASS_DATA);
	dir->size += fs->block_size;
	return FS_OK;
}

/* `slot` came from ext2_dir_find on this directory, with no change since. */
int ext2_dir_remove(struct ext2_fs *fs, struct ext2_inode *dir, const struct ext2_dir_slot *slot)
{
	/* An index only says in which leaf a hash lies: a record leaving its
	 * leaf keeps it right. */
	uint8_t *b;
	int status = dir_block(fs, dir, slot->offset / fs->block_size, &b);
	if (status != FS_OK)
		return status;
	uint32_t target = (uint32_t)(slot->offset % fs->block_size);
	struct dentry e;
	uint32_t previous = UINT32_MAX;
	for (uint32_t off = 0; off < fs->block_size; off += e.rec) {
		status = entry_at(fs, b, off, &e);
		if (status != FS_OK)
			return status;
		if (off == target) {
			if (previous == UINT32_MAX)
				put32(b + off, 0); /* the first record of a block stays */
			else
				put16(b + previous + 4, get16(b + previous + 4) + e.rec);
			cache_dirty(fs, b, CLASS_DATA);
			return FS_OK;
		}
		previous = off;
	}
	return FS_EUCLEAN;
}

int ext2_dir_retarget(struct ext2_fs *fs, struct ext2_inode *dir, const struct ext2_dir_slot *slot,
		      uint32_t ino, uint32_t type)
{
	/* The name stays: the index stays right. */
	uint8_t *b;
	int status = dir_block(fs, dir, slot->offset / fs->block_size, &b);
	if (status != FS_OK)
		return status;
	uint32_t off = (uint32_t)(slot->offset % fs->block_size);
	put32(b + off, ino);
	if (fs->incompat & EXT2_INCOMPAT_FILETYPE)
		b[off + 7] = (uint8_t)type;
	cache_dirty(fs, b, CLASS_DATA);
	return FS_OK;
}

static bool is_dot(const struct dentry *e)
{
	return (e->name_length == 1 && e->name[0] == '.') ||
	       (e->name_length == 2 && e->name[0] == '.' && e->name[1] == '.');
}

/* FS_OK if only "." and ".." are left, FS_ENOTEMPTY if not. */
int ext2_dir_is_empty(struct ext2_fs *fs, const struct ext2_inode *dir)
{
	uint64_t blocks = dir->size / fs->block_size;
	for (uint64_t i = 0; i < blocks; i++) {
		uint8_t *b;
		int status = dir_block(fs, dir, i, &b);
		if (status != FS_OK)
			return status;
		struct dentry e;
		for (uint32_t off = 0; off < fs->block_size; off += e.rec) {
			status = entry_at(fs, b, off, &e);
			if (status != FS_OK)
				return status;
			if (e.ino != 0 && !is_dot(&e))
				return FS_ENOTEMPTY;
		}
	}
	return FS_OK;
}

static uint32_t ft_to_type(uint32_t ft)
{
	static const uint32_t types[EXT2_FT_MAX + 1] = {
		0,        FS_TYPE_REGULAR, FS_TYPE_DIRECTORY, 0020000u,
		0060000u, 0010000u,        0140000u,          FS_TYPE_SYMLINK
	};
	return types[ft];
}

uint32_t ext2_mode_to_ft(uint32_t mode)
{
	switch (mode & FS_TYPE_MASK) {
	case FS_TYPE_REGULAR: return EXT2_FT_REG;
	case FS_TYPE_DIRECTORY: return EXT2_FT_DIR;
	case FS_TYPE_SYMLINK: return EXT2_FT_SYMLINK;
	case 0020000u: return 3;
	case 0060000u: return 4;
	case 0010000u: return 5;
	default: return 6;
	}
}

/* The first live entry at or after *cookie (a byte offset: an entry that
 * was merged away is skipped, none is returned twice). */
int ext2_dir_next(struct ext2_fs *fs, const struct ext2_inode *dir, uint64_t *cookie,
		  struct fs_dirent *out)
{
	uint64_t blocks = dir->size / fs->block_size;
	for (uint64_t i = *cookie / fs->block_size; i < blocks; i++) {
		uint8_t *b;
		int status = dir_block(fs, dir, i, &b);
		if (status != FS_OK)
			return status;
		uint64_t from = i * fs->block_size;
		struct dentry e;
		for (uint32_t off = 0; off < fs->block_size; off += e.rec) {
			status = entry_at(fs, b, off, &e);
			if (status != FS_OK)
				return status;
			if (e.ino == 0 || from + off < *cookie)
				continue;
			out->ino = e.ino;
			out->type = ft_to_type(e.type);
			out->name_length = e.name_length;
			ext2_copy(out->name, e.name, e.name_length);
			out->name[e.name_length] = 0;
			*cookie = from + off + e.rec;
			return FS_OK;
		}
	}
	out->ino = 0;
	out->name_length = 0;
	out->name[0] = 0;
	if (*cookie < dir->size)
		*cookie = dir->size;
	return FS_OK;
}

/* A new directory's first block: "." and "..". */
int ext2_dir_init(struct ext2_fs *fs, struct ext2_inode *dir, uint32_t parent)
{
	uint32_t block;
	int status = ext2_bmap(fs, dir, 0, true, &block);
	if (status != FS_OK)
		return status;
	uint8_t *b;
	status = cache_get(fs, block, false, &b);
	if (status != FS_OK)
		return status;
	put_entry(fs, b, dir->ino, 12, ".", 1, EXT2_FT_DIR);
	put_entry(fs, b + 12, parent, fs->block_size - 12, "..", 2, EXT2_FT_DIR);
	cache_dirty(fs, b, CLASS_DATA);
	dir->size = fs->block_size;
	return FS_OK;
}
