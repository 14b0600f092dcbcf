/* SPDX-License-Identifier: MIT */
/*
 * The file protocol: how libos's POSIX layer (libos/posix_*.c, libos/aio.c)
 * asks the file-system server (servers/fs/fs_server.c) for work over one
 * channel (libos/channel.h). A request's opcode is an enum fs_op; its four
 * argument words and inline payload are laid out per opcode below. The
 * reply's channel status is ERR_OK whenever the server handled the request;
 * the file system's own answer is in result word 0: >= 0 on success (a
 * count, an inode number, a handle), or a negative enum fs_status
 * (servers/fs/ext2.h): Linux's number of the POSIX errno, negated.
 *
 * Files are named by inode number (the server checks the range; the engine
 * checks the rest) or, for data, by an open handle the server gave this
 * client (a handle is per channel: slot | generation << 16, refused when
 * stale). Names travel in the inline payload (1..255 bytes, no NUL, no
 * '/'); data of at most FS_INLINE_DATA bytes travels inline, bigger data in
 * the channel's large buffer: the page-aligned pages around the caller's
 * bytes, with the bytes' offset inside them in an argument word. On the host
 * the large buffer is an address in the same process; in the system the
 * kernel's Call moves those pages to the server and back.
 *
 * Every multi-byte field is little-endian (channel.h asserts it).
 */
#ifndef LIBOS_FS_PROTOCOL_H
#define LIBOS_FS_PROTOCOL_H

#include <stdatomic.h>
#include <stdint.h>

/*
 * Opcodes. "arg" are the request's words 2..5, "res" the reply's; "name"
 * is the whole inline payload. "bytes" (two names, or a name and a symlink
 * target, which may exceed the inline payload) are the inline payload, or
 * with CHANNEL_FLAG_LARGE the first arg3 bytes of the large buffer.
 */
enum fs_op {
	/* arg0 dir ino; name -> res0 ino, res1 mode; payload: its struct
	 * fs_wire_stat (a stat after a walk needs no GETATTR). "." and ".."
	 * allowed. */
	FS_OP_LOOKUP = 1,
	/* arg0 dir ino, arg1 mode (permission bits), arg2 FS_CREATE_*; name
	 * -> res0 ino, res1 mode, res2 1 if created. Without FS_CREATE_EXCL
	 * an existing entry is returned as is (any type). */
	FS_OP_CREATE = 2,
	/* arg0 dir ino, arg1 mode; name -> res0 ino. */
	FS_OP_MKDIR = 3,
	/* arg0 dir ino, arg1 name length n; bytes: the name (n bytes), then
	 * the target (the rest) -> res0 ino. */
	FS_OP_SYMLINK = 4,
	/* arg0 dir ino, arg1 ino of the existing file; name. */
	FS_OP_LINK = 5,
	/* arg0 dir ino; name. */
	FS_OP_UNLINK = 6,
	/* arg0 dir ino; name. */
	FS_OP_RMDIR = 7,
	/* arg0 from dir, arg1 to dir, arg2 from-name length n; bytes: the
	 * from name (n bytes), then the to name (the rest). */
	FS_OP_RENAME = 8,
	/* arg0 ino -> res0 handle. */
	FS_OP_OPEN = 9,
	/* arg0 handle. */
	FS_OP_RELEASE = 10,
	/* arg0 handle, arg1 offset, arg2 length, arg3 offset of the bytes
	 * inside the large buffer (with CHANNEL_FLAG_LARGE | _WRITABLE; else
	 * the bytes come back inline, length <= FS_INLINE_DATA) -> res0 bytes
	 * read (fewer than asked only where the file ends), res1 the file's
	 * generation word (below) as it was when the bytes were read. */
	FS_OP_READ = 11,
	/* arg0 handle, arg1 offset, arg2 length, arg3 FS_WRITE_APPEND |
	 * (offset in the large buffer << 8); data inline (length = payload
	 * length) or in the large buffer -> res0 bytes written, res1 the
	 * offset just past them (the append position). */
	FS_OP_WRITE = 12,
	/* arg0 ino, arg1 new size. */
	FS_OP_TRUNCATE = 13,
	/* arg0 ino -> res0 target length; the target in the large buffer
	 * (writable) if one is given, else inline. */
	FS_OP_READLINK = 14,
	/* arg0 dir ino, arg1 cookie -> res0 entries, res1 next cookie, res2
	 * 1 at the end of the directory; packed struct fs_wire_dirent records
	 * in the large buffer (writable) if one is given, else inline. */
	FS_OP_READDIR = 15,
	/* arg0 ino -> payload: struct fs_wire_stat. */
	FS_OP_GETATTR = 16,
	/* arg0 handle; arg1 0: data and metadata. */
	FS_OP_FSYNC = 17,
	/* -> payload: struct fs_wire_statfs. */
	FS_OP_STATFS = 18,
	/* open(2)'s last step in one request: arg0 dir ino, arg1 FS_OPEN_*,
	 * arg2 the new file's permission bits; name -> res0 handle, res1
	 * mode, res2 ino. The name is looked up (with FS_OPEN_CREATE and
	 * absent: created as a regular file; with FS_OPEN_EXCL present:
	 * EEXIST); a symlink is not opened (res0 0: the client resolves it);
	 * a directory with FS_OPEN_CREATE or FS_OPEN_WRITE is EISDIR, a
	 * non-directory with FS_OPEN_DIRECTORY ENOTDIR; then it is opened
	 * and, with FS_OPEN_TRUNCATE and not a directory, truncated to 0. */
	FS_OP_OPEN_NAME = 19,
	FS_OP_COUNT
};

/* File types in modes (the S_IF* values, as ext2.h's FS_TYPE_*). */
#define FS_WIRE_TYPE_MASK 0170000u
#define FS_WIRE_REGULAR 0100000u
#define FS_WIRE_DIRECTORY 0040000u
#define FS_WIRE_SYMLINK 0120000u

#define FS_CREATE_EXCL 1u    /* FS_OP_CREATE: fail with EEXIST if the name exists */
#define FS_WRITE_APPEND 1u   /* FS_OP_WRITE arg3: write at the end of the file */
#define FS_OPEN_CREATE 1u    /* FS_OP_OPEN_NAME arg1: create when absent */
#define FS_OPEN_EXCL 2u      /* ... EEXIST when present (with FS_OPEN_CREATE) */
#define FS_OPEN_WRITE 4u     /* ... opened for writing: not a directory */
#define FS_OPEN_DIRECTORY 8u /* ... must be a directory */
#define FS_OPEN_TRUNCATE 16u /* ... truncate to 0 once open */
#define FS_OPEN_KNOWN 31u
#define FS_INLINE_DATA 256u      /* data bytes that travel inline */
#define FS_HANDLES 256u          /* open handles per client channel */
#define FS_PATH_NAME_MAX 255u    /* bytes of one name */
#define FS_READ_MAX (1ull << 30) /* bytes of one read or write request */

/* FS_OP_GETATTR's reply payload. */
struct fs_wire_stat {
	uint64_t ino, mode, links, uid, gid, size, blocks, block_size;
	int64_t atime, mtime, ctime;
	uint32_t atime_ns, mtime_ns, ctime_ns, reserved;
};
_Static_assert(sizeof(struct fs_wire_stat) == 104, "wire layout");

/* FS_OP_STATFS's reply payload. */
struct fs_wire_statfs {
	uint64_t block_size, blocks, free_blocks, available_blocks, inodes, free_inodes;
	uint32_t name_max, read_only;
};
_Static_assert(sizeof(struct fs_wire_statfs) == 56, "wire layout");

/* One FS_OP_READDIR record: 8 header bytes, then name_length bytes of name,
 * padded to a multiple of 8. */
struct fs_wire_dirent {
	uint32_t ino;
	uint8_t type; /* FS_TYPE_* >> 12, 0 unknown */
	uint8_t name_length;
	uint16_t reserved;
};
_Static_assert(sizeof(struct fs_wire_dirent) == 8, "wire layout");

static inline uint32_t fs_wire_dirent_size(uint32_t name_length)
{
	return (uint32_t)sizeof(struct fs_wire_dirent) + ((name_length + 7u) & ~7u);
}

/*
 * File generations: the rule that keeps the clients' data caches coherent
 * (docs/posix.md, "The client's data cache"). The server owns one page of
 * FS_GENERATIONS words and every client maps it read-only. Word
 * fs_generation_index(ino) counts the changes of the data or size of every
 * file whose inode number falls on it: the server increments it before it
 * answers (and before it performs) any request that may change them
 * (WRITE, TRUNCATE, OPEN_NAME with FS_OPEN_TRUNCATE), so a client that
 * knew a word's value when it read some bytes, and finds the same value
 * later, knows that no change of that file has completed since. 64 bits:
 * a word never comes back to a value a client remembers.
 */
#define FS_GENERATIONS 512u /* one 4 KiB page of words */
typedef _Atomic uint64_t fs_generation_word;
_Static_assert(sizeof(fs_generation_word) * FS_GENERATIONS == 4096, "one page");

static inline uint32_t fs_generation_index(uint64_t ino)
{
	return (uint32_t)(ino & (FS_GENERATIONS - 1u));
}

/* A handle: slot | generation << 16 (generation nonzero). */
static inline uint32_t fs_handle_slot(uint64_t handle)
{
	return (uint32_t)(handle & 0xffffu);
}

#endif
