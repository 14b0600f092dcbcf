/* SPDX-License-Identifier: MIT */
/*
 * The ext2 engine of the file-system server: the contract between the engine
 * (servers/fs/ext2*.c) and its callers (the server's request dispatch,
 * servers/fs/fs_server.c, and the host tests). Freestanding C11; allocates
 * nothing: all of its state (block cache, inode table cache, open counts)
 * lives in the memory the caller hands to ext2_mount. The disk is reached
 * only through struct fs_block_port; the disk is untrusted input.
 *
 * Files are named by inode number (EXT2_ROOT_INO is "/"); names are byte
 * strings with a length (not NUL-terminated), 1..255 bytes, without '/' or
 * NUL, and never "." or ".." except where a call says so. Every call returns
 * FS_OK or a negative enum fs_status (POSIX meaning; libos maps it to errno)
 * and changes nothing on the disk when it fails, except FS_EIO after a
 * port failure, which leaves the file system read-only until remount.
 *
 * Lifetime: ext2_open/ext2_release count open handles of an inode; an inode
 * whose link count reaches zero while open is freed at its last release, so
 * an unlinked open file stays readable and writable (POSIX unlink).
 */
#ifndef SERVERS_FS_EXT2_H
#define SERVERS_FS_EXT2_H

#include <stddef.h>
#include <stdint.h>

#define EXT2_ROOT_INO 2u
#define EXT2_NAME_MAX 255u

/* Negative status codes; the names are the POSIX errno each one becomes. */
enum fs_status {
	FS_OK = 0,
	FS_EPERM = -1,
	FS_ENOENT = -2,
	FS_EIO = -5,
	FS_EBADF = -9,
	FS_ENOMEM = -12,
	FS_EACCES = -13,
	FS_EEXIST = -17,
	FS_EXDEV = -18,
	FS_ENOTDIR = -20,
	FS_EISDIR = -21,
	FS_EINVAL = -22,
	FS_EFBIG = -27,
	FS_ENOSPC = -28,
	FS_EROFS = -30,
	FS_EMLINK = -31,
	FS_ERANGE = -34,
	FS_ENAMETOOLONG = -36,
	FS_ENOTEMPTY = -39,
	FS_ELOOP = -40,
	FS_EOPNOTSUPP = -95,
	FS_EUCLEAN = -117, /* the disk's structures are inconsistent */
};

/* The disk. Block numbers and counts are in units of the port's sector
 * size (512 bytes); each call returns 0 or a negative enum fs_status. */
struct fs_block_port {
	int (*read)(void *context, uint64_t sector, uint32_t count, void *buffer);
	int (*write)(void *context, uint64_t sector, uint32_t count, const void *buffer);
	int (*flush)(void *context);
	void *context;
	uint64_t sectors; /* the device's size */
};

/* File types, as in stat's st_mode (POSIX S_IF* values). */
#define FS_TYPE_MASK 0170000u
#define FS_TYPE_REGULAR 0100000u
#define FS_TYPE_DIRECTORY 0040000u
#define FS_TYPE_SYMLINK 0120000u

struct fs_time {
	int64_t seconds;
	uint32_t nanoseconds;
};

struct fs_stat {
	uint32_t ino;
	uint32_t mode; /* type | permission bits */
	uint32_t links;
	uint32_t uid, gid;
	uint64_t size;
	uint64_t blocks; /* 512-byte units allocated, as st_blocks */
	uint32_t block_size;
	struct fs_time atime, mtime, ctime;
};

struct fs_statfs {
	uint32_t block_size;
	uint64_t blocks, free_blocks, available_blocks;
	uint64_t inodes, free_inodes;
	uint32_t name_max;
	int read_only;
};

/* One directory entry; readdir's cookie is stable across changes to other
 * entries of the directory (an offset within the directory, as ext2's). */
struct fs_dirent {
	uint32_t ino;
	uint32_t type; /* FS_TYPE_* of the entry, 0 if the directory does not record it */
	uint32_t name_length;
	char name[EXT2_NAME_MAX + 1]; /* NUL-terminated for convenience */
};

/* What ext2_setattr changes: a bit per field. */
#define FS_SET_MODE 1u /* permission bits only; the type never changes */
#define FS_SET_ATIME 2u
#define FS_SET_MTIME 4u
#define FS_SET_UID 8u
#define FS_SET_GID 16u
struct fs_setattr {
	uint32_t which;
	uint32_t mode, uid, gid;
	struct fs_time atime, mtime;
};

#define FS_MOUNT_READ_ONLY 1u

struct ext2_fs;

/* The bytes of caller memory ext2_mount needs at least, with room for
 * `cache_blocks` cached blocks of the largest block size (4 KiB). */
size_t ext2_memory_needed(uint32_t cache_blocks);

/* Mount: the superblock and group descriptors are checked before use; an
 * unknown incompatible feature is FS_EOPNOTSUPP (refused), an unknown
 * read-only-compatible one mounts read-only. `now` supplies time stamps. */
int ext2_mount(struct ext2_fs **out, void *memory, size_t bytes, const struct fs_block_port *port,
	       uint32_t flags, struct fs_time (*now)(void));
/* Write back everything and detach; the image is then e2fsck-clean. */
int ext2_unmount(struct ext2_fs *fs);

int ext2_lookup(struct ext2_fs *fs, uint32_t dir, const char *name, size_t length, uint32_t *ino);
int ext2_create(struct ext2_fs *fs, uint32_t dir, const char *name, size_t length, uint32_t mode,
		uint32_t uid, uint32_t gid, uint32_t *ino);
int ext2_mkdir(struct ext2_fs *fs, uint32_t dir, const char *name, size_t length, uint32_t mode,
	       uint32_t uid, uint32_t gid, uint32_t *ino);
int ext2_symlink(struct ext2_fs *fs, uint32_t dir, const char *name, size_t length,
		 const char *target, size_t target_length, uint32_t uid, uint32_t gid,
		 uint32_t *ino);
int ext2_link(struct ext2_fs *fs, uint32_t dir, const char *name, size_t length, uint32_t ino);
/* Not a directory (FS_EISDIR). */
int ext2_unlink(struct ext2_fs *fs, uint32_t dir, const char *name, size_t length);
/* An empty directory (FS_ENOTEMPTY, FS_ENOTDIR). */
int ext2_rmdir(struct ext2_fs *fs, uint32_t dir, const char *name, size_t length);
/* POSIX rename: replaces a file or an empty directory, updates "..", refuses
 * to move a directory under itself (FS_EINVAL). */
int ext2_rename(struct ext2_fs *fs, uint32_t from_dir, const char *from, size_t from_length,
		uint32_t to_dir, const char *to, size_t to_length);

int ext2_open(struct ext2_fs *fs, uint32_t ino);
/* ext2_open, and the inode's mode (type | permissions) from the same read. */
int ext2_open_mode(struct ext2_fs *fs, uint32_t ino, uint32_t *mode);
int ext2_release(struct ext2_fs *fs, uint32_t ino);
/* Bytes read (0 at or past the end) or a negative status; holes read as 0. */
int64_t ext2_read(struct ext2_fs *fs, uint32_t ino, uint64_t offset, void *buffer, size_t length);
/* Bytes written or a negative status (a short write only on FS_ENOSPC). */
int64_t ext2_write(struct ext2_fs *fs, uint32_t ino, uint64_t offset, const void *buffer,
		   size_t length);
int ext2_truncate(struct ext2_fs *fs, uint32_t ino, uint64_t size);
int ext2_readlink(struct ext2_fs *fs, uint32_t ino, char *buffer, size_t length,
		  size_t *out_length);
/* The entry at *cookie (then advances it); FS_OK with ino 0 at the end. */
int ext2_readdir(struct ext2_fs *fs, uint32_t dir, uint64_t *cookie, struct fs_dirent *out);
int ext2_getattr(struct ext2_fs *fs, uint32_t ino, struct fs_stat *out);
int ext2_setattr(struct ext2_fs *fs, uint32_t ino, const struct fs_setattr *change);
/* Data and metadata of one inode on the disk (and the port flushed). */
int ext2_fsync(struct ext2_fs *fs, uint32_t ino);
int ext2_sync(struct ext2_fs *fs);
int ext2_statfs(struct ext2_fs *fs, struct fs_statfs *out);

#endif
