/* SPDX-License-Identifier: MIT */
/*
 * The ext2 engine's write side against e2fsprogs: every test changes an
 * image made by mke2fs through the engine, unmounts, and then e2fsck -fn
 * must find nothing (exit 0: link counts, bitmaps, free counts and group
 * summaries exact) and debugfs must read back what was written. Each test
 * runs on images of 1, 2 and 4 KiB blocks.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ext2_world.h"

#define R EXT2_ROOT_INO

static int setup(void **state, uint32_t block_size)
{
	struct ext2_world *w = calloc(1, sizeof(*w));
	/* 1 KiB blocks: 32 MiB, four groups (copies of the superblock in
	 * groups 0, 1 and 3 with sparse_super); the others: one group. */
	world_make(w, block_size, block_size == 1024 ? 32768 : 8192, NULL);
	assert_int_equal(world_mount(w, 32, 0), FS_OK);
	*state = w;
	return 0;
}
WORLD_SETUPS(setup)

/* Unmount; e2fsck -fn must find nothing. */
static void check_clean(struct ext2_world *w)
{
	if (w->fs)
		world_unmount(w);
	assert_int_equal(world_fsck(w, "-fn"), 0);
}

static void remount(struct ext2_world *w)
{
	check_clean(w);
	assert_int_equal(world_mount(w, 32, 0), FS_OK);
}

static uint32_t create(struct ext2_world *w, uint32_t dir, const char *name)
{
	uint32_t ino = 0;
	assert_int_equal(ext2_create(w->fs, dir, name, strlen(name), 0644, 1000, 100, &ino), FS_OK);
	return ino;
}

static uint32_t mkdir_(struct ext2_world *w, uint32_t dir, const char *name)
{
	uint32_t ino = 0;
	assert_int_equal(ext2_mkdir(w->fs, dir, name, strlen(name), 0755, 0, 0, &ino), FS_OK);
	return ino;
}

static void write_all(struct ext2_world *w, uint32_t ino, uint64_t at, const void *b, size_t n)
{
	assert_int_equal(ext2_write(w->fs, ino, at, b, n), (int64_t)n);
}

/* debugfs's view of a file's content equals `want`. */
static void debugfs_has(struct ext2_world *w, const char *path, const void *want, size_t n)
{
	char request[300];
	snprintf(request, sizeof(request), "cat %s", path);
	char *out = malloc(n + 4096);
	assert_non_null(out);
	size_t got = world_debugfs_read(w, request, out, n + 4096);
	assert_int_equal(got, n);
	assert_memory_equal(out, want, n);
	free(out);
}

static bool debugfs_lists(struct ext2_world *w, const char *dir, const char *name)
{
	char request[300];
	static char out[1 << 16];
	snprintf(request, sizeof(request), "ls -l %s", dir);
	world_debugfs_read(w, request, out, sizeof(out));
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		/* An entry first in its block is freed by zeroing its inode
		 * and keeping its name; debugfs lists it with inode 0. */
		char *last = strrchr(line, ' ');
		if (last && strcmp(last + 1, name) == 0 && strtoul(line, NULL, 10) != 0)
			return true;
	}
	return false;
}

static unsigned long debugfs_field(struct ext2_world *w, const char *path, const char *field)
{
	char request[300], out[4096];
	snprintf(request, sizeof(request), "stat %s", path);
	world_debugfs_read(w, request, out, sizeof(out));
	char *at = strstr(out, field);
	if (!at)
		fail_msg("no %s in stat %s", field, path);
	return strtoul(at + strlen(field), NULL, 0);
}

static void test_create_write(void **state)
{
	struct ext2_world *w = *state;
	static uint8_t big[700 * 1024];
	world_fill(big, sizeof(big), 7, 0);
	struct fs_statfs before, after;
	assert_int_equal(ext2_statfs(w->fs, &before), FS_OK);
	uint32_t a = create(w, R, "a"), b = create(w, R, "b"), e = create(w, R, "empty");
	write_all(w, a, 0, "hello", 5);
	write_all(w, a, 5, ", world", 7);
	write_all(w, a, 2, "LL", 2);
	/* In odd pieces: through direct, single and double indirect blocks. */
	for (size_t at = 0; at < sizeof(big);) {
		size_t n = (at * 7 + 1000) % 9000 + 1;
		if (n > sizeof(big) - at)
			n = sizeof(big) - at;
		write_all(w, b, at, big + at, n);
		at += n;
	}
	uint32_t ino;
	assert_int_equal(ext2_create(w->fs, R, "a", 1, 0644, 0, 0, &ino), FS_EEXIST);
	assert_int_equal(ext2_create(w->fs, a, "x", 1, 0644, 0, 0, &ino), FS_ENOTDIR);
	assert_int_equal(ext2_create(w->fs, R, "..", 2, 0644, 0, 0, &ino), FS_EINVAL);
	assert_int_equal(ext2_write(w->fs, R, 0, "x", 1), FS_EISDIR);
	assert_int_equal(ext2_write(w->fs, a, 0, "x", 0), 0);
	struct fs_stat st;
	assert_int_equal(ext2_getattr(w->fs, b, &st), FS_OK);
	assert_int_equal(st.size, sizeof(big));
	assert_int_equal(st.uid, 1000);
	assert_int_equal(st.gid, 100);
	assert_int_equal(st.mode, FS_TYPE_REGULAR | 0644);
	assert_int_equal(st.mtime.seconds, WORLD_NOW);
	assert_int_equal(ext2_statfs(w->fs, &after), FS_OK);
	assert_int_equal(before.free_inodes - after.free_inodes, 3);
	assert_int_equal(before.free_blocks - after.free_blocks,
			 st.blocks / (st.block_size / 512) + 1);
	(void)e;
	check_clean(w);
	debugfs_has(w, "/a", "heLLo, world", 12);
	debugfs_has(w, "/b", big, sizeof(big));
	debugfs_has(w, "/empty", "", 0);
	assert_int_equal(debugfs_field(w, "/b", "User:"), 1000);
}

/* Holes, and a file past 4 GiB through triple-indirect blocks: debugfs's
 * block map must name the blocks the engine wrote. */
static void test_sparse_large(void **state)
{
	struct ext2_world *w = *state;
	uint32_t f = create(w, R, "sparse");
	static const uint64_t at[] = { 0, 50000, 70000000, 4500000000u, 6000000000u };
	uint8_t chunk[3000];
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		world_fill(chunk, sizeof(chunk), 11, at[i]);
		write_all(w, f, at[i], chunk, sizeof(chunk));
	}
	struct fs_stat st;
	assert_int_equal(ext2_getattr(w->fs, f, &st), FS_OK);
	assert_int_equal(st.size, 6000003000u);
	uint8_t got[3000];
	assert_int_equal(ext2_read(w->fs, f, 5000000000u, got, 100), 100);
	for (int i = 0; i < 100; i++)
		assert_int_equal(got[i], 0);
	uint32_t block_size = st.block_size;
	check_clean(w);
	assert_int_equal(debugfs_field(w, "/sparse", "Size:"), 6000003000u);
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		char request[100], out[100];
		snprintf(request, sizeof(request), "bmap /sparse %llu",
			 (unsigned long long)(at[i] / block_size));
		world_debugfs_read(w, request, out, sizeof(out));
		uint64_t block = strtoull(out, NULL, 10);
		assert_true(block > 0);
		uint32_t in = (uint32_t)(at[i] % block_size);
		uint32_t n = block_size - in < 3000 ? block_size - in : 3000;
		world_peek(w, block * block_size + in, got, n);
		world_fill(chunk, n, 11, at[i]);
		assert_memory_equal(got, chunk, n);
	}
	/* Truncating it back frees every block, indirect ones included. */
	assert_int_equal(world_mount(w, 32, 0), FS_OK);
	struct fs_statfs before, after;
	assert_int_equal(ext2_statfs(w->fs, &before), FS_OK);
	assert_int_equal(ext2_truncate(w->fs, f, 0), FS_OK);
	assert_int_equal(ext2_statfs(w->fs, &after), FS_OK);
	assert_int_equal(after.free_blocks - before.free_blocks, st.blocks / (block_size / 512));
	assert_int_equal(ext2_getattr(w->fs, f, &st), FS_OK);
	assert_int_equal(st.blocks, 0);
	assert_int_equal(ext2_write(w->fs, f, UINT64_MAX - 10, "x", 1), FS_EFBIG);
	assert_int_equal(ext2_truncate(w->fs, f, UINT64_MAX / 2), FS_EFBIG);
	check_clean(w);
}

static void test_truncate(void **state)
{
	struct ext2_world *w = *state;
	static uint8_t data[300 * 1024], got[300 * 1024];
	world_fill(data, sizeof(data), 5, 0);
	uint32_t f = create(w, R, "t");
	write_all(w, f, 0, data, sizeof(data));
	struct fs_statfs s0, s1;
	assert_int_equal(ext2_statfs(w->fs, &s0), FS_OK);
	assert_int_equal(ext2_truncate(w->fs, f, 5000), FS_OK);
	assert_int_equal(ext2_truncate(w->fs, f, 100000), FS_OK);
	assert_int_equal(ext2_statfs(w->fs, &s1), FS_OK);
	assert_true(s1.free_blocks > s0.free_blocks);
	assert_int_equal(ext2_read(w->fs, f, 0, got, sizeof(got)), 100000);
	assert_memory_equal(got, data, 5000);
	for (size_t i = 5000; i < 100000; i++)
		if (got[i] != 0)
			fail_msg("byte %zu is %u after a shrink and a grow", i, got[i]);
	/* Writing past the end leaves zeros between. */
	assert_int_equal(ext2_truncate(w->fs, f, 3), FS_OK);
	write_all(w, f, 10, "tail", 4);
	assert_int_equal(ext2_read(w->fs, f, 0, got, 100), 14);
	assert_memory_equal(got, data, 3);
	assert_memory_equal(got + 3, "\0\0\0\0\0\0\0tail", 11);
	assert_int_equal(ext2_truncate(w->fs, R, 0), FS_EISDIR);
	memcpy(data + 3, "\0\0\0\0\0\0\0tail", 11);
	check_clean(w);
	debugfs_has(w, "/t", data, 14);
}

static void test_dirs(void **state)
{
	struct ext2_world *w = *state;
	uint32_t a = mkdir_(w, R, "a"), b = mkdir_(w, a, "b");
	uint32_t f = create(w, b, "f");
	struct fs_stat st;
	assert_int_equal(ext2_getattr(w->fs, a, &st), FS_OK);
	assert_int_equal(st.links, 3);
	assert_int_equal(ext2_getattr(w->fs, R, &st), FS_OK);
	assert_int_equal(st.links, 4);
	assert_int_equal(ext2_rmdir(w->fs, a, "b", 1), FS_ENOTEMPTY);
	assert_int_equal(ext2_rmdir(w->fs, b, "f", 1), FS_ENOTDIR);
	assert_int_equal(ext2_rmdir(w->fs, a, ".", 1), FS_EINVAL);
	assert_int_equal(ext2_rmdir(w->fs, a, "..", 2), FS_ENOTEMPTY);
	assert_int_equal(ext2_rmdir(w->fs, a, "zz", 2), FS_ENOENT);
	assert_int_equal(ext2_unlink(w->fs, a, "b", 1), FS_EISDIR);
	uint32_t ino;
	assert_int_equal(ext2_mkdir(w->fs, a, "b", 1, 0755, 0, 0, &ino), FS_EEXIST);
	/* Many entries: the directory grows by blocks. */
	for (int i = 0; i < 400; i++) {
		char name[64];
		snprintf(name, sizeof(name), "entry-number-%d-with-some-length", i);
		create(w, b, name);
	}
	for (int i = 0; i < 400; i += 2) {
		char name[64];
		snprintf(name, sizeof(name), "entry-number-%d-with-some-length", i);
		assert_int_equal(ext2_unlink(w->fs, b, name, strlen(name)), FS_OK);
	}
	remount(w);
	b = world_resolve_ok(w, "/a/b");
	for (int i = 1; i < 400; i += 2) {
		char name[64];
		snprintf(name, sizeof(name), "entry-number-%d-with-some-length", i);
		assert_int_equal(ext2_unlink(w->fs, b, name, strlen(name)), FS_OK);
	}
	assert_int_equal(ext2_unlink(w->fs, b, "f", 1), FS_OK);
	(void)f;
	assert_int_equal(ext2_rmdir(w->fs, world_resolve_ok(w, "/a"), "b", 1), FS_OK);
	assert_int_equal(ext2_getattr(w->fs, world_resolve_ok(w, "/a"), &st), FS_OK);
	assert_int_equal(st.links, 2);
	mkdir_(w, world_resolve_ok(w, "/a"), "c");
	check_clean(w);
	assert_true(debugfs_lists(w, "/a", "c"));
	assert_false(debugfs_lists(w, "/a", "b"));
	assert_int_equal(debugfs_field(w, "/a", "Links:"), 3);
}

static void test_links(void **state)
{
	struct ext2_world *w = *state;
	uint32_t d = mkdir_(w, R, "d");
	uint32_t f = create(w, R, "f");
	write_all(w, f, 0, "data", 4);
	assert_int_equal(ext2_link(w->fs, d, "g", 1, f), FS_OK);
	assert_int_equal(ext2_link(w->fs, d, "g", 1, f), FS_EEXIST);
	assert_int_equal(ext2_link(w->fs, R, "dd", 2, d), FS_EPERM);
	assert_int_equal(ext2_link(w->fs, R, "h", 1, 3000), FS_ENOENT);
	struct fs_stat st;
	assert_int_equal(ext2_getattr(w->fs, f, &st), FS_OK);
	assert_int_equal(st.links, 2);
	assert_int_equal(ext2_unlink(w->fs, R, "f", 1), FS_OK);
	assert_int_equal(ext2_unlink(w->fs, R, "f", 1), FS_ENOENT);
	assert_int_equal(ext2_getattr(w->fs, f, &st), FS_OK);
	assert_int_equal(st.links, 1);
	/* Symbolic links: fast (in the inode) and slow (in a block). */
	char slow[300];
	memset(slow, 's', sizeof(slow));
	uint32_t l1, l2, ino;
	assert_int_equal(ext2_symlink(w->fs, R, "fast", 4, "d/g", 3, 0, 0, &l1), FS_OK);
	assert_int_equal(ext2_symlink(w->fs, R, "slow", 4, slow, sizeof(slow), 0, 0, &l2), FS_OK);
	assert_int_equal(ext2_symlink(w->fs, R, "s59", 3, slow, 59, 0, 0, &ino), FS_OK);
	assert_int_equal(ext2_symlink(w->fs, R, "s60", 3, slow, 60, 0, 0, &ino), FS_OK);
	assert_int_equal(ext2_symlink(w->fs, R, "bad", 3, slow, 0, 0, 0, &ino), FS_ENOENT);
	char got[400];
	size_t n;
	assert_int_equal(ext2_readlink(w->fs, l2, got, sizeof(got), &n), FS_OK);
	assert_int_equal(n, sizeof(slow));
	assert_memory_equal(got, slow, n);
	check_clean(w);
	debugfs_has(w, "/d/g", "data", 4);
	char out[2048];
	world_debugfs_read(w, "stat /fast", out, sizeof(out));
	assert_non_null(strstr(out, "Fast link dest: \"d/g\""));
	world_debugfs_read(w, "stat /s59", out, sizeof(out));
	assert_non_null(strstr(out, "Fast link dest:"));
	world_debugfs_read(w, "stat /s60", out, sizeof(out));
	assert_null(strstr(out, "Fast link dest:"));
	debugfs_has(w, "/slow", slow, sizeof(slow));
}

static void test_rename(void **state)
{
	struct ext2_world *w = *state;
	uint32_t a = mkdir_(w, R, "a"), b = mkdir_(w, R, "b");
	uint32_t f = create(w, a, "f"), g = create(w, a, "g");
	write_all(w, f, 0, "F", 1);
	write_all(w, g, 0, "G", 1);
	/* Same directory, new name. */
	assert_int_equal(ext2_rename(w->fs, a, "f", 1, a, "f2", 2), FS_OK);
	/* Over an existing file: g's inode goes. */
	assert_int_equal(ext2_rename(w->fs, a, "f2", 2, a, "g", 1), FS_OK);
	struct fs_stat st;
	assert_int_equal(ext2_getattr(w->fs, g, &st), FS_ENOENT);
	/* Across directories. */
	assert_int_equal(ext2_rename(w->fs, a, "g", 1, b, "moved", 5), FS_OK);
	/* Directory across directories: ".." and both link counts. */
	uint32_t d = mkdir_(w, a, "d");
	create(w, d, "inside");
	assert_int_equal(ext2_rename(w->fs, a, "d", 1, b, "d", 1), FS_OK);
	uint32_t ino;
	assert_int_equal(ext2_lookup(w->fs, d, "..", 2, &ino), FS_OK);
	assert_int_equal(ino, b);
	assert_int_equal(ext2_getattr(w->fs, a, &st), FS_OK);
	assert_int_equal(st.links, 2);
	assert_int_equal(ext2_getattr(w->fs, b, &st), FS_OK);
	assert_int_equal(st.links, 3);
	/* Not under itself. */
	uint32_t deep = mkdir_(w, d, "deep");
	assert_int_equal(ext2_rename(w->fs, b, "d", 1, deep, "x", 1), FS_EINVAL);
	assert_int_equal(ext2_rename(w->fs, b, "d", 1, d, "x", 1), FS_EINVAL);
	/* Over an empty directory, not over a full one. */
	uint32_t empty = mkdir_(w, a, "empty");
	assert_int_equal(ext2_rename(w->fs, b, "d", 1, a, "empty", 5), FS_OK);
	assert_int_equal(ext2_getattr(w->fs, empty, &st), FS_ENOENT);
	assert_int_equal(ext2_getattr(w->fs, a, &st), FS_OK);
	assert_int_equal(st.links, 3);
	assert_int_equal(ext2_getattr(w->fs, b, &st), FS_OK);
	assert_int_equal(st.links, 2);
	mkdir_(w, b, "full");
	create(w, world_resolve_ok(w, "/b/full"), "x");
	assert_int_equal(ext2_rename(w->fs, a, "empty", 5, b, "full", 4), FS_ENOTEMPTY);
	/* Kinds must match. */
	assert_int_equal(ext2_rename(w->fs, b, "moved", 5, b, "full", 4), FS_EISDIR);
	assert_int_equal(ext2_rename(w->fs, b, "full", 4, b, "moved", 5), FS_ENOTDIR);
	assert_int_equal(ext2_rename(w->fs, b, "nothing", 7, b, "x", 1), FS_ENOENT);
	/* Two names of one file: nothing happens. */
	assert_int_equal(ext2_link(w->fs, b, "alias", 5, world_resolve_ok(w, "/b/moved")), FS_OK);
	assert_int_equal(ext2_rename(w->fs, b, "moved", 5, b, "alias", 5), FS_OK);
	assert_int_equal(ext2_lookup(w->fs, b, "moved", 5, &ino), FS_OK);
	/* Directory within its directory. */
	assert_int_equal(ext2_rename(w->fs, a, "empty", 5, a, "renamed", 7), FS_OK);
	check_clean(w);
	debugfs_has(w, "/b/moved", "F", 1);
	assert_true(debugfs_lists(w, "/a/renamed", "inside"));
	assert_true(debugfs_lists(w, "/a/renamed", "deep"));
	assert_int_equal(debugfs_field(w, "/a", "Links:"), 3);
	assert_int_equal(debugfs_field(w, "/b", "Links:"), 3);
}

static void test_setattr(void **state)
{
	struct ext2_world *w = *state;
	uint32_t f = create(w, R, "f");
	struct fs_setattr change = { .which = FS_SET_MODE | FS_SET_UID | FS_SET_GID | FS_SET_ATIME |
					      FS_SET_MTIME,
				     .mode = 0100600 | 04000,
				     .uid = 70000,
				     .gid = 70001,
				     .atime = { 1234567, 0 },
				     .mtime = { 7654321, 0 } };
	assert_int_equal(ext2_setattr(w->fs, f, &change), FS_OK);
	struct fs_stat st;
	assert_int_equal(ext2_getattr(w->fs, f, &st), FS_OK);
	assert_int_equal(st.mode, FS_TYPE_REGULAR | 04600);
	assert_int_equal(st.uid, 70000);
	assert_int_equal(st.gid, 70001);
	assert_int_equal(st.atime.seconds, 1234567);
	assert_int_equal(st.mtime.seconds, 7654321);
	assert_int_equal(st.ctime.seconds, WORLD_NOW);
	assert_int_equal(ext2_fsync(w->fs, f), FS_OK);
	assert_int_equal(ext2_sync(w->fs), FS_OK);
	check_clean(w);
	assert_int_equal(debugfs_field(w, "/f", "User:"), 70000);
	assert_int_equal(debugfs_field(w, "/f", "Group:"), 70001);
	assert_int_equal(debugfs_field(w, "/f", "Mode:"), 04600);
	assert_int_equal(debugfs_field(w, "/f", "mtime:"), 7654321);
}

/* POSIX unlink of an open file: readable and writable until the last
 * release, then freed. */
static void test_open_unlinked(void **state)
{
	struct ext2_world *w = *state;
	struct fs_statfs s0, s1;
	assert_int_equal(ext2_statfs(w->fs, &s0), FS_OK);
	uint32_t f = create(w, R, "f");
	static uint8_t data[50000];
	world_fill(data, sizeof(data), 9, 0);
	write_all(w, f, 0, data, sizeof(data));
	assert_int_equal(ext2_open(w->fs, f), FS_OK);
	assert_int_equal(ext2_open(w->fs, f), FS_OK);
	assert_int_equal(ext2_unlink(w->fs, R, "f", 1), FS_OK);
	static uint8_t got[50000];
	assert_int_equal(ext2_read(w->fs, f, 0, got, sizeof(got)), sizeof(got));
	assert_memory_equal(got, data, sizeof(got));
	write_all(w, f, 0, "x", 1);
	assert_int_equal(ext2_release(w->fs, f), FS_OK);
	assert_int_equal(ext2_read(w->fs, f, 0, got, 1), 1);
	assert_int_equal(ext2_release(w->fs, f), FS_OK);
	assert_int_equal(ext2_release(w->fs, f), FS_EBADF);
	assert_int_equal(ext2_read(w->fs, f, 0, got, 1), FS_ENOENT);
	assert_int_equal(ext2_open(w->fs, f), FS_ENOENT);
	assert_int_equal(ext2_statfs(w->fs, &s1), FS_OK);
	assert_int_equal(s1.free_blocks, s0.free_blocks);
	assert_int_equal(s1.free_inodes, s0.free_inodes);
	/* An open directory removed. */
	uint32_t d = mkdir_(w, R, "d");
	assert_int_equal(ext2_open(w->fs, d), FS_OK);
	assert_int_equal(ext2_rmdir(w->fs, R, "d", 1), FS_OK);
	uint32_t ino;
	assert_int_equal(ext2_create(w->fs, d, "x", 1, 0644, 0, 0, &ino), FS_ENOENT);
	assert_int_equal(ext2_lookup(w->fs, d, ".", 1, &ino), FS_ENOENT);
	uint64_t cookie = 0;
	struct fs_dirent e;
	assert_int_equal(ext2_readdir(w->fs, d, &cookie, &e), FS_OK);
	assert_int_equal(e.ino, 0);
	assert_int_equal(ext2_release(w->fs, d), FS_OK);
	/* Still open at unmount: deleted then, and the image is clean. */
	uint32_t kept = create(w, R, "kept");
	write_all(w, kept, 0, "x", 1);
	assert_int_equal(ext2_open(w->fs, kept), FS_OK);
	assert_int_equal(ext2_unlink(w->fs, R, "kept", 4), FS_OK);
	remount(w);
	/* Handles of one file share a slot; the table has a bound. */
	uint32_t g = create(w, R, "g");
	for (int i = 0; i < 5; i++)
		assert_int_equal(ext2_open(w->fs, g), FS_OK);
	for (int i = 0; i < 5; i++)
		assert_int_equal(ext2_release(w->fs, g), FS_OK);
	check_clean(w);
}

/* A directory indexed by e2fsck -D that the engine changes loses the
 * index and stays e2fsck-clean. */
static void test_htree_change(void **state)
{
	struct ext2_world *w = *state;
	world_unmount(w);
	char script[1 << 15];
	size_t used = (size_t)snprintf(script, sizeof(script), "mkdir big\n");
	world_host_write(w, "one", 0, "1", 1);
	for (int i = 0; i < 250; i++)
		used += (size_t)snprintf(script + used, sizeof(script) - used,
					 "write one big/name-of-some-length-%d\n", i);
	world_debugfs(w, script);
	world_fsck(w, "-fyD");
	char out[1024];
	world_debugfs_read(w, "stat /big", out, sizeof(out));
	assert_non_null(strstr(out, "Flags: 0x1000"));
	assert_int_equal(world_mount(w, 32, 0), FS_OK);
	uint32_t big = world_resolve_ok(w, "/big"), ino;
	/* Removals, renames over a name, and a name put back where one
	 * left (same hash, same leaf, the room it left): the index stays. */
	assert_int_equal(ext2_unlink(w->fs, big, "name-of-some-length-7", 21), FS_OK);
	assert_int_equal(ext2_unlink(w->fs, big, "name-of-some-length-8", 21), FS_OK);
	create(w, big, "name-of-some-length-8");
	assert_int_equal(
	    ext2_rename(w->fs, big, "name-of-some-length-9", 21, big, "name-of-some-length-10", 22),
	    FS_OK);
	check_clean(w);
	world_debugfs_read(w, "stat /big", out, sizeof(out));
	assert_non_null(strstr(out, "Flags: 0x1000"));
	assert_false(debugfs_lists(w, "/big", "name-of-some-length-7"));
	assert_false(debugfs_lists(w, "/big", "name-of-some-length-9"));
	assert_true(debugfs_lists(w, "/big", "name-of-some-length-8"));
	/* Many new names: some leaf fills up, and the index goes. */
	assert_int_equal(world_mount(w, 32, 0), FS_OK);
	big = world_resolve_ok(w, "/big");
	for (int i = 0; i < 300; i++) {
		char name[64];
		snprintf(name, sizeof(name), "added-later-%d", i);
		create(w, big, name);
	}
	for (int i = 0; i < 250; i++) {
		char name[64];
		snprintf(name, sizeof(name), "name-of-some-length-%d", i);
		assert_int_equal(ext2_lookup(w->fs, big, name, strlen(name), &ino),
				 i == 7 || i == 9 ? FS_ENOENT : FS_OK);
	}
	for (int i = 0; i < 300; i += 7) {
		char name[64];
		snprintf(name, sizeof(name), "added-later-%d", i);
		assert_int_equal(ext2_lookup(w->fs, big, name, strlen(name), &ino), FS_OK);
	}
	check_clean(w);
	world_debugfs_read(w, "stat /big", out, sizeof(out));
	assert_non_null(strstr(out, "Flags: 0x0"));
	assert_true(debugfs_lists(w, "/big", "added-later-299"));
}

/* Filling the disk: a short write, then FS_ENOSPC, and exact counts. */
static void test_full(void **state)
{
	struct ext2_world *w = *state;
	struct fs_statfs s0, s1;
	assert_int_equal(ext2_statfs(w->fs, &s0), FS_OK);
	uint32_t f = create(w, R, "fill");
	static uint8_t chunk[1 << 20];
	world_fill(chunk, sizeof(chunk), 1, 0);
	uint64_t at = 0;
	for (;;) {
		int64_t n = ext2_write(w->fs, f, at, chunk, sizeof(chunk));
		if (n < 0) {
			assert_int_equal(n, FS_ENOSPC);
			break;
		}
		at += (uint64_t)n;
		assert_true(at < 40u << 20);
	}
	assert_true(at > 6u << 20);
	uint32_t ino;
	assert_int_equal(ext2_statfs(w->fs, &s1), FS_OK);
	assert_int_equal(s1.free_blocks, 0);
	/* A new name needs no block while the directory has room. */
	assert_int_equal(ext2_create(w->fs, R, "still", 5, 0644, 0, 0, &ino), FS_OK);
	assert_int_equal(ext2_mkdir(w->fs, R, "nodir", 5, 0755, 0, 0, &ino), FS_ENOSPC);
	char slow[200];
	memset(slow, 'q', sizeof(slow));
	assert_int_equal(ext2_symlink(w->fs, R, "sl", 2, slow, sizeof(slow), 0, 0, &ino),
			 FS_ENOSPC);
	remount(w);
	assert_int_equal(ext2_unlink(w->fs, R, "fill", 4), FS_OK);
	assert_int_equal(ext2_unlink(w->fs, R, "still", 5), FS_OK);
	assert_int_equal(ext2_statfs(w->fs, &s1), FS_OK);
	assert_int_equal(s1.free_blocks, s0.free_blocks);
	assert_int_equal(s1.free_inodes, s0.free_inodes);
	check_clean(w);
}

static void test_read_only(void **state)
{
	struct ext2_world *w = *state;
	create(w, R, "f");
	world_unmount(w);
	assert_int_equal(world_mount(w, 32, FS_MOUNT_READ_ONLY), FS_OK);
	uint32_t ino, f = world_resolve_ok(w, "/f");
	assert_int_equal(ext2_create(w->fs, R, "g", 1, 0644, 0, 0, &ino), FS_EROFS);
	assert_int_equal(ext2_write(w->fs, f, 0, "x", 1), FS_EROFS);
	assert_int_equal(ext2_truncate(w->fs, f, 0), FS_EROFS);
	assert_int_equal(ext2_unlink(w->fs, R, "f", 1), FS_EROFS);
	assert_int_equal(ext2_rename(w->fs, R, "f", 1, R, "g", 1), FS_EROFS);
	assert_int_equal(ext2_fsync(w->fs, f), FS_OK);
	struct fs_setattr change = { .which = FS_SET_MODE, .mode = 0 };
	assert_int_equal(ext2_setattr(w->fs, f, &change), FS_EROFS);
	struct fs_statfs s;
	assert_int_equal(ext2_statfs(w->fs, &s), FS_OK);
	assert_true(s.read_only);
	check_clean(w);
}

/* Many directories and files spread over the groups (directories go to
 * the group with most free blocks), then all removed: every group's
 * summary exact, e2fsck clean at each step. */
static void test_groups(void **state)
{
	struct ext2_world *w = *state;
	static uint8_t data[200 * 1024];
	world_fill(data, sizeof(data), 3, 0);
	struct fs_statfs s0, s1;
	assert_int_equal(ext2_statfs(w->fs, &s0), FS_OK);
	for (int d = 0; d < 12; d++) {
		char name[16];
		snprintf(name, sizeof(name), "d%d", d);
		uint32_t dir = mkdir_(w, R, name);
		for (int f = 0; f < 6; f++) {
			snprintf(name, sizeof(name), "f%d", f);
			write_all(w, create(w, dir, name), 0, data, sizeof(data) / (size_t)(f + 1));
		}
	}
	remount(w);
	char out[1 << 14];
	world_debugfs_read(w, "stats", out, sizeof(out));
	unsigned long groups = strtoul(strstr(out, "Block count:") + 12, NULL, 10) /
			       strtoul(strstr(out, "Blocks per group:") + 17, NULL, 10);
	for (int d = 0; d < 12; d++) {
		char name[16], path[32];
		snprintf(path, sizeof(path), "/d%d", d);
		uint32_t dir = world_resolve_ok(w, path);
		for (int f = 0; f < 6; f++) {
			snprintf(name, sizeof(name), "f%d", f);
			assert_int_equal(ext2_unlink(w->fs, dir, name, strlen(name)), FS_OK);
		}
		snprintf(name, sizeof(name), "d%d", d);
		assert_int_equal(ext2_rmdir(w->fs, R, name, strlen(name)), FS_OK);
	}
	assert_int_equal(ext2_statfs(w->fs, &s1), FS_OK);
	assert_int_equal(s1.free_blocks, s0.free_blocks);
	assert_int_equal(s1.free_inodes, s0.free_inodes);
	(void)groups;
	check_clean(w);
}

/* An inode with an extended-attribute block (written by debugfs): its
 * deletion drops the block, and e2fsck agrees. */
static void test_xattr_block(void **state)
{
	struct ext2_world *w = *state;
	world_unmount(w);
	char value[600];
	memset(value, 'v', sizeof(value) - 1);
	value[sizeof(value) - 1] = 0;
	world_host_write(w, "one", 0, "1", 1);
	char script[1000];
	snprintf(script, sizeof(script), "write one f\nea_set /f user.big %s\n", value);
	world_debugfs(w, script);
	assert_int_equal(world_fsck(w, "-fn"), 0);
	assert_true(debugfs_field(w, "/f", "File ACL:") != 0);
	assert_int_equal(world_mount(w, 32, 0), FS_OK);
	struct fs_statfs s0, s1;
	assert_int_equal(ext2_statfs(w->fs, &s0), FS_OK);
	assert_int_equal(ext2_unlink(w->fs, R, "f", 1), FS_OK);
	assert_int_equal(ext2_statfs(w->fs, &s1), FS_OK);
	assert_int_equal(s1.free_blocks - s0.free_blocks, 2); /* data and attributes */
	check_clean(w);
}

/* Without the filetype feature: records carry no type, and the engine
 * writes none. */
static void test_no_filetype(void **state)
{
	struct ext2_world *w = *state;
	world_destroy(w);
	world_make(w, 1024, 4096, "-O ^filetype");
	assert_int_equal(world_mount(w, 32, 0), FS_OK);
	uint32_t d = mkdir_(w, R, "d");
	write_all(w, create(w, d, "f"), 0, "x", 1);
	uint64_t cookie = 0;
	struct fs_dirent e;
	int seen = 0;
	for (;;) {
		assert_int_equal(ext2_readdir(w->fs, d, &cookie, &e), FS_OK);
		if (e.ino == 0)
			break;
		assert_int_equal(e.type, 0);
		seen++;
	}
	assert_int_equal(seen, 3);
	assert_int_equal(ext2_rename(w->fs, d, "f", 1, R, "g", 1), FS_OK);
	check_clean(w);
	debugfs_has(w, "/g", "x", 1);
}

/* An image made without large_file gets it when a file passes 2 GiB. */
static void test_large_file_feature(void **state)
{
	struct ext2_world *w = *state;
	world_destroy(w);
	/* The resize inode is itself larger than 2 GiB: without it. */
	world_make(w, 4096, 8192, "-O ^resize_inode");
	world_debugfs(w, "feature -large_file\n");
	assert_int_equal(world_fsck(w, "-fn"), 0);
	char out[4096];
	world_debugfs_read(w, "features", out, sizeof(out));
	assert_null(strstr(out, "large_file"));
	assert_int_equal(world_mount(w, 32, 0), FS_OK);
	uint32_t f = create(w, R, "f");
	write_all(w, f, 1000, "small", 5);
	write_all(w, f, 3000000000u, "big", 3);
	check_clean(w);
	world_debugfs_read(w, "features", out, sizeof(out));
	assert_non_null(strstr(out, "large_file"));
	assert_int_equal(debugfs_field(w, "/f", "Size:"), 3000000003u);
}

/* Limits of the calls: the open table, a symlink target of a block, a
 * link to a file that has no name left, a setattr that sets nothing. */
static void test_limits(void **state)
{
	struct ext2_world *w = *state;
	uint32_t first = 0, ino;
	for (int i = 0; i < 256; i++) {
		char name[16];
		snprintf(name, sizeof(name), "o%d", i);
		ino = create(w, R, name);
		if (i == 0)
			first = ino;
		assert_int_equal(ext2_open(w->fs, ino), FS_OK);
	}
	uint32_t extra = create(w, R, "extra");
	assert_int_equal(ext2_open(w->fs, extra), FS_ENOMEM);
	assert_int_equal(ext2_open(w->fs, first), FS_OK); /* its slot counts on */
	assert_int_equal(ext2_release(w->fs, first), FS_OK);
	assert_int_equal(ext2_unlink(w->fs, R, "o0", 2), FS_OK);
	assert_int_equal(ext2_link(w->fs, R, "again", 5, first), FS_ENOENT);
	for (int i = 0; i < 256; i++)
		assert_int_equal(ext2_release(w->fs, first + (uint32_t)i), FS_OK);
	char target[4097];
	memset(target, 't', sizeof(target));
	struct fs_stat st;
	assert_int_equal(ext2_getattr(w->fs, R, &st), FS_OK);
	assert_int_equal(ext2_symlink(w->fs, R, "l", 1, target, st.block_size, 0, 0, &ino),
			 FS_ENAMETOOLONG);
	assert_int_equal(ext2_symlink(w->fs, R, "l", 1, target, st.block_size - 1, 0, 0, &ino),
			 FS_OK);
	struct fs_setattr nothing = { .which = 0 };
	assert_int_equal(ext2_setattr(w->fs, ino, &nothing), FS_OK);
	check_clean(w);
}

/* Device nodes and FIFOs made by debugfs: their attributes read, and
 * removing them frees no block (a device's number sits where a block
 * pointer would). */
static void test_special_files(void **state)
{
	struct ext2_world *w = *state;
	world_unmount(w);
	world_debugfs(w, "mknod cdev c 1 200\nmknod bdev b 2 100\nmknod fifo p\n");
	assert_int_equal(world_fsck(w, "-fn"), 0);
	assert_int_equal(world_mount(w, 32, 0), FS_OK);
	struct fs_statfs s0, s1;
	assert_int_equal(ext2_statfs(w->fs, &s0), FS_OK);
	struct fs_stat st;
	uint32_t cdev = world_resolve_ok(w, "/cdev");
	assert_int_equal(ext2_getattr(w->fs, cdev, &st), FS_OK);
	assert_int_equal(st.mode & FS_TYPE_MASK, 0020000);
	char b[4];
	assert_int_equal(ext2_read(w->fs, cdev, 0, b, 4), FS_EINVAL);
	assert_int_equal(ext2_write(w->fs, cdev, 0, b, 4), FS_EINVAL);
	assert_int_equal(ext2_truncate(w->fs, cdev, 0), FS_EINVAL);
	uint64_t cookie = 0;
	struct fs_dirent e;
	bool fifo = false;
	for (;;) {
		assert_int_equal(ext2_readdir(w->fs, R, &cookie, &e), FS_OK);
		if (e.ino == 0)
			break;
		if (strcmp(e.name, "fifo") == 0)
			fifo = e.type == 0010000;
	}
	assert_true(fifo);
	assert_int_equal(ext2_unlink(w->fs, R, "cdev", 4), FS_OK);
	assert_int_equal(ext2_unlink(w->fs, R, "bdev", 4), FS_OK);
	assert_int_equal(ext2_rename(w->fs, R, "fifo", 4, R, "pipe", 4), FS_OK);
	assert_int_equal(ext2_unlink(w->fs, R, "pipe", 4), FS_OK);
	assert_int_equal(ext2_statfs(w->fs, &s1), FS_OK);
	assert_int_equal(s1.free_blocks, s0.free_blocks);
	assert_int_equal(s1.free_inodes, s0.free_inodes + 3);
	check_clean(w);
}

#define WRITE_TESTS(setup_fn)                                                                      \
	cmocka_unit_test_setup_teardown(test_create_write, setup_fn, world_teardown),              \
	    cmocka_unit_test_setup_teardown(test_sparse_large, setup_fn, world_teardown),          \
	    cmocka_unit_test_setup_teardown(test_truncate, setup_fn, world_teardown),              \
	    cmocka_unit_test_setup_teardown(test_dirs, setup_fn, world_teardown),                  \
	    cmocka_unit_test_setup_teardown(test_links, setup_fn, world_teardown),                 \
	    cmocka_unit_test_setup_teardown(test_rename, setup_fn, world_teardown),                \
	    cmocka_unit_test_setup_teardown(test_setattr, setup_fn, world_teardown),               \
	    cmocka_unit_test_setup_teardown(test_open_unlinked, setup_fn, world_teardown),         \
	    cmocka_unit_test_setup_teardown(test_htree_change, setup_fn, world_teardown),          \
	    cmocka_unit_test_setup_teardown(test_full, setup_fn, world_teardown),                  \
	    cmocka_unit_test_setup_teardown(test_read_only, setup_fn, world_teardown),             \
	    cmocka_unit_test_setup_teardown(test_groups, setup_fn, world_teardown),                \
	    cmocka_unit_test_setup_teardown(test_xattr_block, setup_fn, world_teardown),           \
	    cmocka_unit_test_setup_teardown(test_limits, setup_fn, world_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		WRITE_TESTS(setup_1k),
		WRITE_TESTS(setup_2k),
		WRITE_TESTS(setup_4k),
		cmocka_unit_test_setup_teardown(test_no_filetype, setup_1k, world_teardown),
		cmocka_unit_test_setup_teardown(test_large_file_feature, setup_4k, world_teardown),
		cmocka_unit_test_setup_teardown(test_special_files, setup_1k, world_teardown),
	};
	return cmocka_run_group_tests_name("ext2_write", tests, NULL, NULL);
}
