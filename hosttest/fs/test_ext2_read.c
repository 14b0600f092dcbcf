/* SPDX-License-Identifier: MIT */
/*
 * The ext2 engine's read side against e2fsprogs: images made by mke2fs
 * with 1, 2 and 4 KiB blocks, filled by debugfs (files through direct,
 * single, double and triple indirect blocks, holes, a file past 4 GiB,
 * fast and slow symlinks, nested directories, directories indexed by
 * e2fsck -D), then mounted by the engine, whose answers must be the bytes
 * debugfs wrote. Also the mount's checks of the superblock and features.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ext2_world.h"

#define BIG_FILES 300
#define CHUNK 5000

static const uint64_t sparse_offsets[] = { 0,         40000,       3000000,    80000000,
					   600000000, 4500000000u, 5368709116u };
#define SPARSE_SIZE 5368709120u

static const char slow_target[] =
    "a/very/long/symlink/target/that/does/not/fit/in/the/inode/itself/so/it/takes/a/block";

static void big_name(char *out, size_t size, int i)
{
	snprintf(out, size, "file-with-a-longer-name-%04d", i);
}

/* The tree every test of this suite reads. */
static void populate(struct ext2_world *w)
{
	static uint8_t medium[300 * 1024];
	world_fill(medium, sizeof(medium), 2, 0);
	world_host_write(w, "small", 0, "hello, ext2\n", 12);
	world_host_write(w, "medium", 0, medium, sizeof(medium));
	static uint8_t chunk[CHUNK];
	for (size_t i = 0; i < sizeof(sparse_offsets) / sizeof(sparse_offsets[0]); i++) {
		size_t n = sparse_offsets[i] + CHUNK > SPARSE_SIZE ? 4 : CHUNK;
		world_fill(chunk, n, 3, sparse_offsets[i]);
		world_host_write(w, "sparse", sparse_offsets[i], chunk, n);
	}
	size_t size = 1 << 16, used = 0;
	char *script = malloc(size);
	assert_non_null(script);
	used += (size_t)snprintf(script + used, size - used,
				 "write small small\nwrite medium medium\nwrite sparse sparse\n"
				 "mkdir dir\nmkdir dir/sub\nwrite small dir/sub/deep\n"
				 "symlink fastlink small\nsymlink slowlink %s\nmkdir big\n",
				 slow_target);
	for (int i = 0; i < BIG_FILES; i++) {
		char name[64];
		big_name(name, sizeof(name), i);
		used += (size_t)snprintf(script + used, size - used, "write small big/%s\n", name);
	}
	world_debugfs(w, script);
	free(script);
	/* e2fsck -D indexes every directory of more than one block. */
	world_fsck(w, "-fyD");
	assert_int_equal(world_fsck(w, "-fn"), 0);
}

static int setup(void **state, uint32_t block_size)
{
	struct ext2_world *w = calloc(1, sizeof(*w));
	world_make(w, block_size, 8192, NULL);
	populate(w);
	assert_int_equal(world_mount(w, 64, 0), FS_OK);
	*state = w;
	return 0;
}
WORLD_SETUPS(setup)

static void test_read_files(void **state)
{
	struct ext2_world *w = *state;
	char buffer[64];
	assert_int_equal(ext2_read(w->fs, world_resolve_ok(w, "/small"), 0, buffer, sizeof(buffer)),
			 12);
	assert_memory_equal(buffer, "hello, ext2\n", 12);
	assert_int_equal(ext2_read(w->fs, world_resolve_ok(w, "/dir/sub/deep"), 7, buffer, 3), 3);
	assert_memory_equal(buffer, "ext", 3);
	assert_int_equal(ext2_read(w->fs, world_resolve_ok(w, "/small"), 12, buffer, 5), 0);
	assert_int_equal(ext2_read(w->fs, world_resolve_ok(w, "/small"), 99, buffer, 5), 0);

	static uint8_t want[300 * 1024], got[300 * 1024 + 10];
	world_fill(want, sizeof(want), 2, 0);
	uint32_t medium = world_resolve_ok(w, "/medium");
	assert_int_equal(ext2_read(w->fs, medium, 0, got, sizeof(got)), sizeof(want));
	assert_memory_equal(got, want, sizeof(want));
	/* Unaligned pieces across block and indirect boundaries. */
	for (uint64_t at = 1; at < sizeof(want); at += 7777) {
		assert_int_equal(ext2_read(w->fs, medium, at, got,
					   3001 < sizeof(want) - at ? 3001 : sizeof(want) - at),
				 3001 < sizeof(want) - at ? 3001 : sizeof(want) - at);
		assert_memory_equal(got, want + at,
				    3001 < sizeof(want) - at ? 3001 : sizeof(want) - at);
	}
}

static void test_sparse_past_4g(void **state)
{
	struct ext2_world *w = *state;
	uint32_t ino = world_resolve_ok(w, "/sparse");
	struct fs_stat st;
	assert_int_equal(ext2_getattr(w->fs, ino, &st), FS_OK);
	assert_int_equal(st.size, SPARSE_SIZE);
	static uint8_t want[CHUNK], got[CHUNK + 100];
	for (size_t i = 0; i < sizeof(sparse_offsets) / sizeof(sparse_offsets[0]); i++) {
		uint64_t at = sparse_offsets[i];
		size_t n = at + CHUNK > SPARSE_SIZE ? 4 : CHUNK;
		world_fill(want, n, 3, at);
		assert_int_equal(ext2_read(w->fs, ino, at, got, sizeof(got)),
				 at + sizeof(got) > SPARSE_SIZE ? SPARSE_SIZE - at : sizeof(got));
		assert_memory_equal(got, want, n);
		/* The hole after the chunk reads as zeros. */
		if (n == CHUNK)
			for (size_t k = CHUNK; k < sizeof(got); k++)
				assert_int_equal(got[k], 0);
	}
	/* Deep inside a hole in the triple-indirect range. */
	memset(got, 0xAA, sizeof(got));
	assert_int_equal(ext2_read(w->fs, ino, 5000000000u, got, 100), 100);
	for (size_t k = 0; k < 100; k++)
		assert_int_equal(got[k], 0);
	/* Blocks: only the chunks and their indirect blocks. */
	assert_true(st.blocks > 0 && st.blocks < 600);
}

static void test_getattr(void **state)
{
	struct ext2_world *w = *state;
	struct fs_stat st;
	assert_int_equal(ext2_getattr(w->fs, EXT2_ROOT_INO, &st), FS_OK);
	assert_int_equal(st.mode & FS_TYPE_MASK, FS_TYPE_DIRECTORY);
	assert_int_equal(st.links, 5); /* ., .., lost+found, dir, big */
	assert_int_equal(ext2_getattr(w->fs, world_resolve_ok(w, "/dir"), &st), FS_OK);
	assert_int_equal(st.links, 3);
	assert_int_equal(ext2_getattr(w->fs, world_resolve_ok(w, "/small"), &st), FS_OK);
	assert_int_equal(st.mode & FS_TYPE_MASK, FS_TYPE_REGULAR);
	assert_int_equal(st.links, 1);
	assert_int_equal(st.size, 12);
	assert_int_equal(st.blocks, st.block_size / 512);
	assert_int_equal(st.ino, world_debugfs_ino(w, "/small"));
	assert_int_equal(ext2_getattr(w->fs, 0, &st), FS_ENOENT);
	assert_int_equal(ext2_getattr(w->fs, 5, &st), FS_ENOENT);
	assert_int_equal(ext2_getattr(w->fs, 0xfffffff0u, &st), FS_ENOENT);
	/* A free inode is no file. */
	assert_int_equal(ext2_getattr(w->fs, 2000, &st), FS_ENOENT);
}

static void test_readlink(void **state)
{
	struct ext2_world *w = *state;
	char buffer[256];
	size_t n = 0;
	uint32_t fast = world_resolve_ok(w, "/fastlink"), slow = world_resolve_ok(w, "/slowlink");
	assert_int_equal(ext2_readlink(w->fs, fast, buffer, sizeof(buffer), &n), FS_OK);
	assert_int_equal(n, 5);
	assert_memory_equal(buffer, "small", 5);
	assert_int_equal(ext2_readlink(w->fs, slow, buffer, sizeof(buffer), &n), FS_OK);
	assert_int_equal(n, strlen(slow_target));
	assert_memory_equal(buffer, slow_target, n);
	assert_int_equal(ext2_readlink(w->fs, slow, buffer, 4, &n), FS_OK);
	assert_int_equal(n, 4);
	assert_int_equal(ext2_readlink(w->fs, world_resolve_ok(w, "/small"), buffer, 4, &n),
			 FS_EINVAL);
	struct fs_stat st;
	assert_int_equal(ext2_getattr(w->fs, slow, &st), FS_OK);
	assert_int_equal(st.mode & FS_TYPE_MASK, FS_TYPE_SYMLINK);
	assert_int_equal(ext2_read(w->fs, slow, 0, buffer, 4), FS_EINVAL);
	assert_int_equal(ext2_read(w->fs, EXT2_ROOT_INO, 0, buffer, 4), FS_EISDIR);
}

static void test_lookup_errors(void **state)
{
	struct ext2_world *w = *state;
	uint32_t ino;
	assert_int_equal(ext2_lookup(w->fs, EXT2_ROOT_INO, "nothing", 7, &ino), FS_ENOENT);
	assert_int_equal(ext2_lookup(w->fs, world_resolve_ok(w, "/small"), "x", 1, &ino),
			 FS_ENOTDIR);
	assert_int_equal(ext2_lookup(w->fs, EXT2_ROOT_INO, "a/b", 3, &ino), FS_EINVAL);
	assert_int_equal(ext2_lookup(w->fs, EXT2_ROOT_INO, "", 0, &ino), FS_EINVAL);
	char longname[300];
	memset(longname, 'x', sizeof(longname));
	assert_int_equal(ext2_lookup(w->fs, EXT2_ROOT_INO, longname, 256, &ino), FS_ENAMETOOLONG);
	assert_int_equal(ext2_lookup(w->fs, EXT2_ROOT_INO, ".", 1, &ino), FS_OK);
	assert_int_equal(ino, EXT2_ROOT_INO);
	assert_int_equal(ext2_lookup(w->fs, world_resolve_ok(w, "/dir/sub"), "..", 2, &ino), FS_OK);
	assert_int_equal(ino, world_resolve_ok(w, "/dir"));
}

static void test_readdir(void **state)
{
	struct ext2_world *w = *state;
	uint32_t big = world_resolve_ok(w, "/big");
	static bool seen[BIG_FILES];
	memset(seen, 0, sizeof(seen));
	uint64_t cookie = 0, middle = 0;
	struct fs_dirent e;
	int count = 0, dots = 0;
	char middle_name[EXT2_NAME_MAX + 1] = "";
	for (;;) {
		assert_int_equal(ext2_readdir(w->fs, big, &cookie, &e), FS_OK);
		if (e.ino == 0)
			break;
		assert_int_equal(strlen(e.name), e.name_length);
		if (strcmp(e.name, ".") == 0 || strcmp(e.name, "..") == 0) {
			dots++;
			assert_int_equal(e.type, FS_TYPE_DIRECTORY);
			continue;
		}
		int i = -1;
		assert_int_equal(sscanf(e.name, "file-with-a-longer-name-%d", &i), 1);
		assert_true(i >= 0 && i < BIG_FILES && !seen[i]);
		seen[i] = true;
		assert_int_equal(e.type, FS_TYPE_REGULAR);
		if (++count == BIG_FILES / 2) {
			middle = cookie;
		} else if (count == BIG_FILES / 2 + 1) {
			strcpy(middle_name, e.name);
		}
	}
	assert_int_equal(count, BIG_FILES);
	assert_int_equal(dots, 2);
	/* At the end it stays at the end; a saved cookie resumes where it was. */
	assert_int_equal(ext2_readdir(w->fs, big, &cookie, &e), FS_OK);
	assert_int_equal(e.ino, 0);
	assert_int_equal(ext2_readdir(w->fs, big, &middle, &e), FS_OK);
	assert_string_equal(e.name, middle_name);
	assert_int_equal(ext2_readdir(w->fs, world_resolve_ok(w, "/small"), &cookie, &e),
			 FS_ENOTDIR);
}

static uint32_t big_dir_block0(struct ext2_world *w)
{
	char out[256];
	world_debugfs_read(w, "bmap /big 0", out, sizeof(out));
	return (uint32_t)strtoul(out, NULL, 10);
}

static void lookup_all_big(struct ext2_world *w)
{
	uint32_t big = world_resolve_ok(w, "/big");
	for (int i = 0; i < BIG_FILES; i++) {
		char name[64];
		big_name(name, sizeof(name), i);
		uint32_t ino = 0;
		assert_int_equal(ext2_lookup(w->fs, big, name, strlen(name), &ino), FS_OK);
		assert_true(ino >= 11);
	}
	uint32_t ino;
	assert_int_equal(ext2_lookup(w->fs, big, "file-with-a-longer-name-9999", 28, &ino),
			 FS_ENOENT);
}

/* Through the index: a cold lookup reads a few blocks, not the directory. */
static void test_htree_lookup(void **state)
{
	struct ext2_world *w = *state;
	char out[512];
	world_debugfs_read(w, "stat /big", out, sizeof(out));
	assert_non_null(strstr(out, "Flags: 0x1000"));
	lookup_all_big(w);
	struct fs_stat st;
	assert_int_equal(ext2_getattr(w->fs, world_resolve_ok(w, "/big"), &st), FS_OK);
	uint64_t dir_blocks = st.size / st.block_size;
	assert_true(dir_blocks > 3);
	world_unmount(w);
	assert_int_equal(world_mount(w, 64, 0), FS_OK);
	uint32_t big = world_resolve_ok(w, "/big"), ino;
	uint64_t before = w->file.reads;
	assert_int_equal(ext2_lookup(w->fs, big, "file-with-a-longer-name-0123", 28, &ino), FS_OK);
	/* The index root, an indirect block of the directory, the leaf (and
	 * one more when hashes collide across leaves): not the directory. */
	uint64_t reads = w->file.reads - before;
	if (reads > 4 || reads >= dir_blocks)
		fail_msg("%llu reads for one lookup in %llu blocks", (unsigned long long)reads,
			 (unsigned long long)dir_blocks);
}

/* A broken index: the lookup falls back to reading every block. */
static void test_htree_fallback(void **state)
{
	struct ext2_world *w = *state;
	world_unmount(w);
	uint32_t block = big_dir_block0(w);
	assert_true(block > 0);
	uint32_t block_size = 0;
	char out[4096];
	world_debugfs_read(w, "stats", out, sizeof(out));
	char *at = strstr(out, "Block size:");
	assert_non_null(at);
	block_size = (uint32_t)strtoul(at + 11, NULL, 10);
	uint8_t bad = 7; /* info_length must be 8 */
	world_poke(w, (uint64_t)block * block_size + 29, &bad, 1);
	assert_int_equal(world_mount(w, 64, 0), FS_OK);
	lookup_all_big(w);
	world_unmount(w);
	/* An unknown hash version: also the linear scan. */
	bad = 8;
	world_poke(w, (uint64_t)block * block_size + 29, &bad, 1);
	bad = 9;
	world_poke(w, (uint64_t)block * block_size + 28, &bad, 1);
	assert_int_equal(world_mount(w, 64, 0), FS_OK);
	lookup_all_big(w);
}

static void test_statfs(void **state)
{
	struct ext2_world *w = *state;
	struct fs_statfs s;
	assert_int_equal(ext2_statfs(w->fs, &s), FS_OK);
	char out[4096];
	world_debugfs_read(w, "stats", out, sizeof(out));
	unsigned long blocks = strtoul(strstr(out, "Block count:") + 12, NULL, 10);
	unsigned long free_blocks = strtoul(strstr(out, "Free blocks:") + 12, NULL, 10);
	unsigned long free_inodes = strtoul(strstr(out, "Free inodes:") + 12, NULL, 10);
	assert_int_equal(s.blocks, blocks);
	assert_int_equal(s.free_blocks, free_blocks);
	assert_int_equal(s.free_inodes, free_inodes);
	assert_int_equal(s.name_max, 255);
	assert_false(s.read_only);
	assert_true(s.available_blocks <= s.free_blocks);
}

/* The other hashes (legacy, TEA; signed and unsigned name bytes), names
 * with bytes above 127 and longer than one hash round, and a two-level
 * index: every name found, each through the index (few reads). */
static void htree_variant(const char *hash, unsigned flags, int count)
{
	struct ext2_world world, *w = &world;
	world_make(w, 1024, 8192, "-N 3000");
	char script[300];
	snprintf(script, sizeof(script), "ssv def_hash_version %s\nssv flags %u\n", hash, flags);
	world_debugfs(w, script);
	world_host_write(w, "one", 0, "1", 1);
	size_t size = (size_t)count * 100 + 100, used = 0;
	char *commands = malloc(size);
	used += (size_t)snprintf(commands, size, "mkdir big\n");
	for (int i = 0; i < count; i++)
		used += (size_t)snprintf(commands + used, size - used,
					 "write one big/a-really-quite-long-directory-entry-name-"
					 "number-%05d-\xc3\xa9t\xc3\xa9\n",
					 i);
	world_debugfs(w, commands);
	free(commands);
	world_fsck(w, "-fyD");
	assert_int_equal(world_fsck(w, "-fn"), 0);
	char out[512];
	world_debugfs_read(w, "stat /big", out, sizeof(out));
	assert_non_null(strstr(out, "Flags: 0x1000"));
	assert_int_equal(world_mount(w, 64, 0), FS_OK);
	uint32_t big = world_resolve_ok(w, "/big");
	for (int i = 0; i < count; i++) {
		char name[100];
		snprintf(name, sizeof(name),
			 "a-really-quite-long-directory-entry-name-number-%05d-\xc3\xa9t\xc3\xa9",
			 i);
		uint32_t ino;
		if (i % 97 == 0) { /* cold: count what the lookup reads */
			world_unmount(w);
			assert_int_equal(world_mount(w, 64, 0), FS_OK);
			big = world_resolve_ok(w, "/big");
		}
		uint64_t before = w->file.reads;
		assert_int_equal(ext2_lookup(w->fs, big, name, strlen(name), &ino), FS_OK);
		if (i % 97 == 0 && w->file.reads - before > 5)
			fail_msg("%s: %llu reads for %s", hash,
				 (unsigned long long)(w->file.reads - before), name);
	}
	world_destroy(w);
}

static void test_htree_variants(void **state)
{
	(void)state;
	htree_variant("legacy", 1, 150);
	htree_variant("half_md4", 2, 150);
	htree_variant("tea", 1, 150);
	htree_variant("tea", 2, 2000);
}

#define READ_TESTS(setup_fn)                                                                       \
	cmocka_unit_test_setup_teardown(test_read_files, setup_fn, world_teardown),                \
	    cmocka_unit_test_setup_teardown(test_sparse_past_4g, setup_fn, world_teardown),        \
	    cmocka_unit_test_setup_teardown(test_getattr, setup_fn, world_teardown),               \
	    cmocka_unit_test_setup_teardown(test_readlink, setup_fn, world_teardown),              \
	    cmocka_unit_test_setup_teardown(test_lookup_errors, setup_fn, world_teardown),         \
	    cmocka_unit_test_setup_teardown(test_readdir, setup_fn, world_teardown),               \
	    cmocka_unit_test_setup_teardown(test_htree_lookup, setup_fn, world_teardown),          \
	    cmocka_unit_test_setup_teardown(test_htree_fallback, setup_fn, world_teardown),        \
	    cmocka_unit_test_setup_teardown(test_statfs, setup_fn, world_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = { READ_TESTS(setup_1k), READ_TESTS(setup_2k),
					    READ_TESTS(setup_4k),
					    cmocka_unit_test(test_htree_variants) };
	return cmocka_run_group_tests_name("ext2_read", tests, NULL, NULL);
}
