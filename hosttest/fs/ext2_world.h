/* SPDX-License-Identifier: MIT */
/*
 * The fixture of the ext2 engine's host suites: images made by mke2fs in a
 * private temporary directory (on /dev/shm when there is one), filled and
 * read back by debugfs, judged by e2fsck, and mounted by the engine over
 * the image-file port. e2fsprogs is the independent reader and judge.
 */
#ifndef HOSTTEST_FS_EXT2_WORLD_H
#define HOSTTEST_FS_EXT2_WORLD_H

#include <stddef.h>
#include <stdint.h>

#include "ext2.h"
#include "ext2_port_file.h"

struct ext2_world {
	char dir[256];   /* the temporary directory */
	char image[300]; /* the image under test */
	struct fs_port_file file;
	struct fs_block_port port;
	void *memory;
	size_t memory_bytes;
	struct ext2_fs *fs;
};

/* Fresh temporary directory and an image of `kib` KiB and block size
 * `block_size`, made by `mke2fs -t ext2` plus `extra` options. */
void world_make(struct ext2_world *w, uint32_t block_size, uint32_t kib, const char *extra);
/* Remove the temporary directory (unmounting first if mounted). */
void world_destroy(struct ext2_world *w);

/* A path in the temporary directory. */
const char *world_path(struct ext2_world *w, const char *name);
/* Write `bytes` into the host file `name` of the temporary directory at
 * `offset` (the file is created; holes stay holes). */
void world_host_write(struct ext2_world *w, const char *name, uint64_t offset, const void *bytes,
		      size_t length);
/* Run debugfs -w with these commands (one per line) on the image. */
void world_debugfs(struct ext2_world *w, const char *commands);
/* `debugfs -R request` on the image; its standard output in `out`
 * (NUL-terminated); returns the byte count. */
size_t world_debugfs_read(struct ext2_world *w, const char *request, char *out, size_t size);
/* e2fsck's exit status with `options` ("-fn", "-fy", "-fyD"). */
int world_fsck(struct ext2_world *w, const char *options);
/* Mount with `cache_blocks` cache blocks; returns ext2_mount's status. */
int world_mount(struct ext2_world *w, uint32_t cache_blocks, uint32_t flags);
/* Unmount (asserting success) and close the port. */
void world_unmount(struct ext2_world *w);
/* Patch bytes of the image at `offset`. */
void world_poke(struct ext2_world *w, uint64_t offset, const void *bytes, size_t length);
void world_peek(struct ext2_world *w, uint64_t offset, void *bytes, size_t length);
/* A clock for ext2_mount: a fixed, known time. */
struct fs_time world_now(void);
#define WORLD_NOW 1700000000

/* Path resolution for tests: the inode of "/a/b" or a negative status. */
int64_t world_resolve(struct ext2_fs *fs, const char *path);
/* The content of debugfs's inode number for `path`, or 0. */
uint32_t world_debugfs_ino(struct ext2_world *w, const char *path);
/* world_resolve that fails the test when `path` does not resolve. */
uint32_t world_resolve_ok(struct ext2_world *w, const char *path);

/* Test data: byte `at` of the reproducible stream `seed`, and `n` of them
 * from `at` into `b`. */
uint8_t world_pattern_byte(uint32_t seed, uint64_t at);
void world_fill(uint8_t *b, size_t n, uint32_t seed, uint64_t at);

/* CMocka teardown of a world a suite's setup calloc'd into *state. */
int world_teardown(void **state);
/* CMocka setups `setup`_1k, _2k and _4k: the suite's
 * `int setup(void **state, uint32_t block_size)` on each block size. */
#define WORLD_SETUPS(setup)                                                                        \
	static int setup##_1k(void **state)                                                        \
	{                                                                                          \
		return setup(state, 1024);                                                         \
	}                                                                                          \
	static int setup##_2k(void **state)                                                        \
	{                                                                                          \
		return setup(state, 2048);                                                         \
	}                                                                                          \
	static int setup##_4k(void **state)                                                        \
	{                                                                                          \
		return setup(state, 4096);                                                         \
	}

#endif
