/* SPDX-License-Identifier: MIT */
/*
 * The ext2 engine's private state and the calls its files share (not part
 * of the contract in ext2.h). On-disk layouts are read and written through
 * little-endian byte accessors, never C structs over disk bytes, so that a
 * hostile image cannot make the compiler assume alignment or ranges.
 *
 * Buffers from the block cache (ext2_cache.c) stay valid only until the
 * next cache call: every function copies out what it needs before it asks
 * for another block. Error codes: FS_EIO when the port fails (the engine
 * then refuses writes), FS_EUCLEAN when a structure read from the disk is
 * inconsistent (docs/fs.md, "Untrusted disk").
 */
#ifndef SERVERS_FS_EXT2_IMPL_H
#define SERVERS_FS_EXT2_IMPL_H

#include "ext2.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EXT2_MAGIC 0xEF53u
#define EXT2_SUPER_OFFSET 1024u
#define EXT2_SUPER_SIZE 1024u
#define EXT2_GD_SIZE 32u
#define EXT2_N_BLOCKS 15u
#define EXT2_NDIR 12u
#define EXT2_FAST_SYMLINK_MAX 59u /* the target and its NUL fit in i_block */
#define EXT2_LINK_MAX 32000u
#define EXT2_MAX_BLOCK 4096u
#define EXT2_MIN_CACHE 4u
#define EXT2_OPEN_SLOTS 256u

#define EXT2_INCOMPAT_FILETYPE 0x0002u
#define EXT2_INCOMPAT_KNOWN EXT2_INCOMPAT_FILETYPE
#define EXT2_RO_COMPAT_SPARSE_SUPER 0x0001u
#define EXT2_RO_COMPAT_LARGE_FILE 0x0002u
#define EXT2_RO_COMPAT_KNOWN (EXT2_RO_COMPAT_SPARSE_SUPER | EXT2_RO_COMPAT_LARGE_FILE)
#define EXT2_COMPAT_DIR_INDEX 0x0020u

#define EXT2_INDEX_FL 0x00001000u
/* Inode flags whose meaning this engine does not implement (compression,
 * extents, inline data, ...): such an inode is refused, not misread. */
#define EXT2_UNSUPPORTED_FL 0x100C0000u

#define EXT2_FT_UNKNOWN 0u
#define EXT2_FT_REG 1u
#define EXT2_FT_DIR 2u
#define EXT2_FT_SYMLINK 7u
#define EXT2_FT_MAX 7u

/* Superblock field offsets (ext2 revision 1). */
enum {
	SB_INODES_COUNT = 0,
	SB_BLOCKS_COUNT = 4,
	SB_R_BLOCKS_COUNT = 8,
	SB_FREE_BLOCKS = 12,
	SB_FREE_INODES = 16,
	SB_FIRST_DATA_BLOCK = 20,
	SB_LOG_BLOCK_SIZE = 24,
	SB_BLOCKS_PER_GROUP = 32,
	SB_INODES_PER_GROUP = 40,
	SB_WTIME = 48,
	SB_MAGIC = 56,
	SB_REV_LEVEL = 76,
	SB_FIRST_INO = 84,
	SB_INODE_SIZE = 88,
	SB_FEATURE_COMPAT = 92,
	SB_FEATURE_INCOMPAT = 96,
	SB_FEATURE_RO_COMPAT = 100,
	SB_RESERVED_GDT = 206,
	SB_HASH_SEED = 236,
	SB_DEF_HASH_VERSION = 252,
	SB_WANT_EXTRA_ISIZE = 0x15E,
	SB_FLAGS = 0x160,
};

/* Group descriptor field offsets. */
enum {
	GD_BLOCK_BITMAP = 0,
	GD_INODE_BITMAP = 4,
	GD_INODE_TABLE = 8,
	GD_FREE_BLOCKS = 12,
	GD_FREE_INODES = 14,
	GD_USED_DIRS = 16,
};

/* Inode field offsets. */
enum {
	I_MODE = 0,
	I_UID = 2,
	I_SIZE = 4,
	I_ATIME = 8,
	I_CTIME = 12,
	I_MTIME = 16,
	I_DTIME = 20,
	I_GID = 24,
	I_LINKS = 26,
	I_BLOCKS = 28,
	I_FLAGS = 32,
	I_BLOCK = 40,
	I_GENERATION = 100,
	I_FILE_ACL = 104,
	I_SIZE_HIGH = 108,
	I_UID_HIGH = 120,
	I_GID_HIGH = 122,
	I_EXTRA_ISIZE = 128,
};

/* Write-back classes: the cache writes every dirty block of a class, then
 * flushes, before any block of the next (docs/fs.md, "Write order"). */
enum ext2_class {
	CLASS_DATA = 0,     /* file and directory contents */
	CLASS_INDIRECT = 1, /* + level - 1: single, double, triple */
	CLASS_INODE = 4,
	CLASS_BITMAP = 5,
	CLASS_SUPER = 6, /* group descriptors and the superblock */
	CLASS_COUNT = 7,
};

struct ext2_cache_entry {
	/* Bumped whenever the entry's bytes change or go (marked dirty,
	 * zeroed fresh, dropped, reloaded): an inode decoded from it is
	 * remembered with the version it saw (struct ext2_inode_memo). 64
	 * bits: it never wraps. */
	uint64_t version;
	uint32_t block;
	int32_t next; /* hash chain */
	uint8_t valid, dirty, ref, pinned;
	uint8_t cls;
	uint8_t listed; /* on the dirty list (fs->dirty) */
};
/* A multiple of 8 bytes: the cache's block data after the entries stays
 * 8-byte aligned. */
_Static_assert(sizeof(struct ext2_cache_entry) % 8 == 0, "cache entry size");

/* A decoded inode: the fields the engine uses. The record's other bytes
 * stay as they are on the disk. */
struct ext2_inode {
	uint32_t ino;
	uint32_t mode, uid, gid, links, flags;
	uint64_t size;
	uint32_t blocks; /* 512-byte units */
	uint32_t atime, ctime, mtime, dtime;
	uint32_t block[EXT2_N_BLOCKS];
	uint32_t file_acl;
};

/* A decoded and checked inode, remembered while the cache entry it was
 * decoded from holds the same bytes: its version is still the one it was
 * decoded at (ext2_inode.c). inode.ino 0: the slot is empty. */
struct ext2_inode_memo {
	uint32_t entry;
	uint64_t version;
	struct ext2_inode inode;
};
#define EXT2_INODE_MEMOS 16u /* direct-mapped by inode number */

struct ext2_group {
	uint32_t block_bitmap, inode_bitmap, inode_table;
	uint32_t free_blocks, free_inodes, used_dirs;
};

/* Where a group's bitmaps and inode table are, as ext2_group_get checked
 * them; group + 1 (0: the slot is empty). */
struct ext2_layout {
	uint32_t group_plus_one;
	uint32_t block_bitmap, inode_bitmap, inode_table;
};
#define EXT2_LAYOUTS 8u /* direct-mapped by group number */

struct ext2_open_slot {
	uint32_t ino;
	uint32_t count;
	/* Its last link went while open (drop_link): the last release
	 * reads it and deletes it. Without the mark a release reads nothing. */
	uint32_t orphan;
};

struct ext2_fs {
	uint32_t magic; /* EXT2_FS_LIVE while mounted */
	struct fs_block_port port;
	struct fs_time (*now)(void);
	bool read_only, failed, freed; /* freed: a free is not on the disk yet */

	/* Geometry, checked at mount. */
	uint32_t block_size, log_block_size, sectors_per_block;
	uint32_t blocks_count, inodes_count, first_data_block;
	uint32_t blocks_per_group, inodes_per_group, groups;
	uint32_t inode_size, first_ino, inode_table_blocks;
	uint32_t gdt_blocks, reserved_gdt; /* after the primary superblock */
	uint32_t incompat, ro_compat, compat;
	uint32_t hash_seed[4];
	uint32_t hash_flags; /* superblock s_flags: signed or unsigned hash */
	uint32_t want_extra_isize;
	uint32_t pointers_per_block, pointer_shift;
	uint64_t max_file_blocks;

	/* Counts that the superblock holds, kept current in memory and
	 * copied into the pinned superblock buffer whenever they change. */
	uint32_t free_blocks, free_inodes, r_blocks;
	uint32_t alloc_hint, hint_ino; /* after the last block allocated, for whom */
	uint8_t *super;
	uint32_t super_entry;
	struct ext2_layout layout[EXT2_LAYOUTS]; /* ext2_group_layout's memory */

	/* The block cache: entries, hash heads, the dirty list, then the
	 * block data. The dirty list holds each entry made dirty since the
	 * last write-back once (entry.listed), so that a write-back visits
	 * those and not the whole cache. */
	uint32_t cache_count, hash_mask, hand;
	struct ext2_cache_entry *entries;
	int32_t *heads;
	uint32_t *dirty, dirty_count;
	uint8_t *data;

	struct ext2_open_slot open[EXT2_OPEN_SLOTS];
	struct ext2_inode_memo memo[EXT2_INODE_MEMOS];
};

#define EXT2_FS_LIVE 0x65787432u

/* Little-endian accessors (ext2 is little-endian on every host). */
static inline uint32_t get16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}
static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}
static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* Freestanding helpers: the engine links against no C library. */
void ext2_copy(void *to, const void *from, size_t n);
void ext2_zero(void *to, size_t n);
bool ext2_same(const void *a, const void *b, size_t n);

/* ext2_cache.c */
void cache_init(struct ext2_fs *fs, uint8_t *memory, uint32_t count);
/* A cached copy of `block` (read from the disk unless `fresh`, then it is
 * zeroed); valid until the next cache call. */
int cache_get(struct ext2_fs *fs, uint32_t block, bool fresh, uint8_t **out);
/* The buffer from the last cache_get is to be written back with `cls`. */
void cache_dirty(struct ext2_fs *fs, const uint8_t *buffer, enum ext2_class cls);
/* The same for cache entry `index` (a pinned buffer). */
void cache_dirty_entry(struct ext2_fs *fs, uint32_t index, enum ext2_class cls);
/* Drop a freed block without writing it. */
void cache_forget(struct ext2_fs *fs, uint32_t block);
/* Write every dirty block in class order with a flush after each class. */
int cache_writeback(struct ext2_fs *fs);
int cache_pin(struct ext2_fs *fs, uint32_t block, uint8_t **out, uint32_t *entry);

/* ext2_super.c */
int ext2_group_get(struct ext2_fs *fs, uint32_t group, struct ext2_group *out);
int ext2_group_put(struct ext2_fs *fs, uint32_t group, const struct ext2_group *g);
/* Group `group`'s (< fs->groups) metadata locations, valid until the next
 * call: remembered ones inline (every inode access and block pointer asks),
 * else read and checked out of line. */
int ext2_group_layout_miss(struct ext2_fs *fs, uint32_t group, const struct ext2_layout **out);
static inline int ext2_group_layout(struct ext2_fs *fs, uint32_t group,
				    const struct ext2_layout **out)
{
	const struct ext2_layout *slot = &fs->layout[group % EXT2_LAYOUTS];
	if (slot->group_plus_one != group + 1)
		return ext2_group_layout_miss(fs, group, out);
	*out = slot;
	return FS_OK;
}
void ext2_super_counts(struct ext2_fs *fs);
int ext2_check_data_block(struct ext2_fs *fs, uint32_t block);
int ext2_writable(const struct ext2_fs *fs);
uint32_t ext2_now(const struct ext2_fs *fs);

/* ext2_alloc.c */
int ext2_block_alloc(struct ext2_fs *fs, uint32_t goal, uint32_t *out);
int ext2_block_free(struct ext2_fs *fs, uint32_t block);
int ext2_inode_alloc(struct ext2_fs *fs, uint32_t parent, bool directory, uint32_t *out);
int ext2_inode_free(struct ext2_fs *fs, uint32_t ino, bool directory);
/* Allocation after a free waits until the free is on the disk. */
int ext2_before_alloc(struct ext2_fs *fs);

/* ext2_inode.c */
int ext2_inode_read(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *out);
int ext2_inode_write(struct ext2_fs *fs, const struct ext2_inode *inode);
int ext2_inode_init(struct ext2_fs *fs, struct ext2_inode *inode);
int ext2_inode_get_live(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *out);
uint32_t ext2_open_count(const struct ext2_fs *fs, uint32_t ino);
/* The open slot of `ino`, or EXT2_OPEN_SLOTS when it is not open; then
 * *vacant (if not NULL) is a slot it may take (EXT2_OPEN_SLOTS: none). */
uint32_t ext2_open_find(const struct ext2_fs *fs, uint32_t ino, uint32_t *vacant);
/* Slot `i`'s count has reached zero. */
void ext2_open_drop(struct ext2_fs *fs, uint32_t i);
bool ext2_fast_symlink(const struct ext2_fs *fs, const struct ext2_inode *inode);
int ext2_inode_delete(struct ext2_fs *fs, struct ext2_inode *inode);

/* ext2_bmap.c */
/* Physical block of logical block `index` (0 for a hole); with `allocate`,
 * fills holes (the new data block is zeroed in the cache first). */
int ext2_bmap(struct ext2_fs *fs, struct ext2_inode *inode, uint64_t index, bool allocate,
	      uint32_t *out);
/* Free every block from logical block `keep` on. */
int ext2_free_from(struct ext2_fs *fs, struct ext2_inode *inode, uint64_t keep);

/* ext2_hash.c */
int ext2_dx_hash(const struct ext2_fs *fs, uint32_t version, const char *name, size_t length,
		 uint32_t *hash);

/* ext2_dir.c */
struct ext2_dir_slot {
	uint64_t offset; /* of the entry in the directory */
	uint32_t ino, type;
};
int ext2_dir_find(struct ext2_fs *fs, const struct ext2_inode *dir, const char *name, size_t length,
		  struct ext2_dir_slot *out);
int ext2_dir_add(struct ext2_fs *fs, struct ext2_inode *dir, const char *name, size_t length,
		 uint32_t ino, uint32_t type);
int ext2_dir_remove(struct ext2_fs *fs, struct ext2_inode *dir, const struct ext2_dir_slot *slot);
int ext2_dir_retarget(struct ext2_fs *fs, struct ext2_inode *dir, const struct ext2_dir_slot *slot,
		      uint32_t ino, uint32_t type);
int ext2_dir_is_empty(struct ext2_fs *fs, const struct ext2_inode *dir);
int ext2_dir_next(struct ext2_fs *fs, const struct ext2_inode *dir, uint64_t *cookie,
		  struct fs_dirent *out);
int ext2_dir_init(struct ext2_fs *fs, struct ext2_inode *dir, uint32_t parent);
uint32_t ext2_mode_to_ft(uint32_t mode);

#endif
