/* SPDX-License-Identifier: MIT */
/*
 * The disk is untrusted input: images made by mke2fs and debugfs with one
 * field broken at a time, and the status the engine must give for each
 * (docs/fs.md, "Untrusted disk"): FS_EINVAL for something that is not ext2,
 * FS_EOPNOTSUPP for a format it does not implement, FS_EUCLEAN for an
 * inconsistent structure, FS_EIO after a port failure. Never a crash (the
 * suite runs under ASan and UBSan) and never a hang (the timeout).
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
#define BS 1024u

static struct ext2_world pristine;

static int group_setup(void **state)
{
	(void)state;
	world_make(&pristine, BS, 2048, NULL);
	static uint8_t data[40 * 1024];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	world_host_write(&pristine, "data", 0, data, sizeof(data));
	world_host_write(&pristine, "one", 0, "1", 1);
	char script[1 << 14];
	size_t used = (size_t)snprintf(script, sizeof(script),
				       "write data file\nmkdir dir\nwrite data dir/inner\n"
				       "symlink link file\nmkdir big\nwrite data twin\n"
				       "symlink slowlink "
				       "a-target-of-more-than-sixty-bytes-so-that-it-needs-a-block-"
				       "of-its-own\n");
	for (int i = 0; i < 120; i++)
		used += (size_t)snprintf(script + used, sizeof(script) - used,
					 "write one big/a-long-name-for-entry-%d\n", i);
	world_debugfs(&pristine, script);
	world_fsck(&pristine, "-fyD");
	assert_int_equal(world_fsck(&pristine, "-fn"), 0);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	world_destroy(&pristine);
	return 0;
}

/* A fresh copy of the pristine image for each test. */
static int setup(void **state)
{
	struct ext2_world *w = calloc(1, sizeof(*w));
	w->file.fd = -1;
	snprintf(w->dir, sizeof(w->dir), "%s", pristine.dir);
	snprintf(w->image, sizeof(w->image), "%s/copy", pristine.dir);
	char command[700];
	snprintf(command, sizeof(command), "cp %s %s", pristine.image, w->image);
	assert_int_equal(system(command), 0);
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct ext2_world *w = *state;
	if (w->fs) {
		(void)ext2_unmount(w->fs);
		w->fs = NULL;
		fs_port_file_close(&w->file);
	}
	free(w->memory);
	free(w);
	return 0;
}

static void poke32(struct ext2_world *w, uint64_t at, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	world_poke(w, at, b, 4);
}
static void poke16(struct ext2_world *w, uint64_t at, uint32_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
	world_poke(w, at, b, 2);
}
static void poke8(struct ext2_world *w, uint64_t at, uint32_t v)
{
	uint8_t b = (uint8_t)v;
	world_poke(w, at, &b, 1);
}
static uint32_t peek32(struct ext2_world *w, uint64_t at)
{
	uint8_t b[4];
	world_peek(w, at, b, 4);
	return b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* Byte offset of a path's inode record, from debugfs's imap. */
static uint64_t inode_at(struct ext2_world *w, const char *path)
{
	char request[300], out[300];
	snprintf(request, sizeof(request), "imap %s", path);
	world_debugfs_read(w, request, out, sizeof(out));
	char *at = strstr(out, "located at block ");
	assert_non_null(at);
	unsigned long block = 0, offset = 0;
	assert_int_equal(sscanf(at, "located at block %lu, offset %lx", &block, &offset), 2);
	return (uint64_t)block * BS + offset;
}

static uint64_t block_of(struct ext2_world *w, const char *path, unsigned index)
{
	char request[300], out[300];
	snprintf(request, sizeof(request), "bmap %s %u", path, index);
	world_debugfs_read(w, request, out, sizeof(out));
	uint64_t block = strtoull(out, NULL, 10);
	assert_true(block > 0);
	return block;
}

#define SB 1024u
#define GD (2u * BS)

static void test_mount_refusals(void **state)
{
	struct ext2_world *w = *state;
	poke16(w, SB + 56, 0x1234);
	assert_int_equal(world_mount(w, 16, 0), FS_EINVAL);
	poke16(w, SB + 56, 0xEF53);
	poke32(w, SB + 76, 0);
	assert_int_equal(world_mount(w, 16, 0), FS_EOPNOTSUPP);
	poke32(w, SB + 76, 2);
	assert_int_equal(world_mount(w, 16, 0), FS_EOPNOTSUPP);
	poke32(w, SB + 76, 1);
	poke32(w, SB + 24, 3);
	assert_int_equal(world_mount(w, 16, 0), FS_EUCLEAN);
	poke32(w, SB + 24, 0);
	uint32_t incompat = peek32(w, SB + 96);
	poke32(w, SB + 96, incompat | 0x40); /* extents */
	assert_int_equal(world_mount(w, 16, 0), FS_EOPNOTSUPP);
	poke32(w, SB + 96, incompat);
	assert_int_equal(world_mount(w, 16, 0), FS_OK);
	world_unmount(w);
}

/* Each bad superblock field alone. */
static void test_superblock_fields(void **state)
{
	struct ext2_world *w = *state;
	static const struct {
		uint32_t offset, size, value;
	} bad[] = {
		{ 4, 4, 1u << 30 },  /* blocks past the device */
		{ 4, 4, 1 },         /* no data blocks */
		{ 0, 4, 12345 },     /* inode total not groups times per group */
		{ 20, 4, 0 },        /* first data block for 1 KiB blocks is 1 */
		{ 32, 4, 0 },        /* blocks per group */
		{ 32, 4, 8193 * 8 }, /* more than a bitmap holds */
		{ 32, 4, 1001 },     /* not a multiple of 8 */
		{ 40, 4, 0 },        /* inodes per group */
		{ 88, 2, 100 },      /* inode size */
		{ 88, 2, 384 },      /* not a power of two */
		{ 84, 4, 1 },        /* first inode */
		{ 12, 4, 1u << 31 }, /* free blocks above the total */
		{ 16, 4, 1u << 31 }, /* free inodes above the total */
		{ 8, 4, 1u << 31 },  /* reserved blocks above the total */
		{ 206, 2, 60000 },   /* reserved descriptor blocks past group 0 */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t saved[4];
		world_peek(w, SB + bad[i].offset, saved, 4);
		if (bad[i].size == 4)
			poke32(w, SB + bad[i].offset, bad[i].value);
		else
			poke16(w, SB + bad[i].offset, bad[i].value);
		int status = world_mount(w, 16, 0);
		if (status != FS_EUCLEAN)
			fail_msg("superblock field at %u = %u: %d", bad[i].offset, bad[i].value,
				 status);
		world_poke(w, SB + bad[i].offset, saved, 4);
	}
	assert_int_equal(world_mount(w, 16, 0), FS_OK);
}

static void test_unknown_ro_compat(void **state)
{
	struct ext2_world *w = *state;
	poke32(w, SB + 100, peek32(w, SB + 100) | 0x1000);
	assert_int_equal(world_mount(w, 16, 0), FS_OK);
	struct fs_statfs s;
	assert_int_equal(ext2_statfs(w->fs, &s), FS_OK);
	assert_true(s.read_only);
	uint32_t ino;
	assert_int_equal(ext2_create(w->fs, R, "x", 1, 0644, 0, 0, &ino), FS_EROFS);
	assert_int_equal(ext2_lookup(w->fs, R, "file", 4, &ino), FS_OK);
	char b[10];
	assert_int_equal(ext2_read(w->fs, ino, 0, b, 10), 10);
}

static void test_group_descriptors(void **state)
{
	struct ext2_world *w = *state;
	static const struct {
		uint32_t offset, size, value;
	} bad[] = {
		{ 0, 4, 0 },     /* block bitmap before the group */
		{ 0, 4, 9000 },  /* block bitmap past the group */
		{ 4, 4, 1 },     /* inode bitmap on the superblock */
		{ 8, 4, 2040 },  /* inode table runs past the group */
		{ 4, 4, 0 },     /* inode bitmap equal... to nothing valid */
		{ 12, 2, 9000 }, /* free blocks above the group */
		{ 14, 2, 9000 }, /* free inodes above the group */
		{ 16, 2, 9000 }, /* directories above the group */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t saved[4];
		world_peek(w, GD + bad[i].offset, saved, 4);
		if (bad[i].size == 4)
			poke32(w, GD + bad[i].offset, bad[i].value);
		else
			poke16(w, GD + bad[i].offset, bad[i].value);
		int status = world_mount(w, 16, 0);
		if (status != FS_EUCLEAN)
			fail_msg("descriptor field at %u = %u: %d", bad[i].offset, bad[i].value,
				 status);
		world_poke(w, GD + bad[i].offset, saved, 4);
	}
	/* Bitmap inside the inode table. */
	uint32_t table = peek32(w, GD + 8);
	uint8_t saved[4];
	world_peek(w, GD, saved, 4);
	poke32(w, GD, table + 1);
	assert_int_equal(world_mount(w, 16, 0), FS_EUCLEAN);
	world_poke(w, GD, saved, 4);
	/* The root is not a directory, or has too few links. */
	uint64_t root = inode_at(w, "/");
	poke16(w, root + 26, 1);
	assert_int_equal(world_mount(w, 16, 0), FS_EUCLEAN);
	poke16(w, root, 0100644);
	assert_int_equal(world_mount(w, 16, 0), FS_EUCLEAN);
}

static void test_mount_arguments(void **state)
{
	struct ext2_world *w = *state;
	struct ext2_fs *fs;
	assert_int_equal(fs_port_file_open(&w->file, &w->port, w->image, 0), FS_OK);
	static uint8_t memory[1 << 20];
	assert_int_equal(ext2_mount(&fs, memory, 100, &w->port, 0, world_now), FS_ENOMEM);
	assert_int_equal(ext2_mount(&fs, NULL, sizeof(memory), &w->port, 0, world_now), FS_ENOMEM);
	/* The minimum, four blocks, counts in the image's block size. */
	size_t four = ext2_memory_needed(0) - 4 * 4096 + 4 * 1024;
	assert_int_equal(ext2_mount(&fs, memory, four - 1024, &w->port, 0, world_now), FS_ENOMEM);
	assert_int_equal(ext2_mount(&fs, memory, four, &w->port, 0, world_now), FS_OK);
	struct fs_block_port tiny = w->port;
	tiny.read = NULL;
	assert_int_equal(ext2_mount(&fs, memory, sizeof(memory), &tiny, 0, world_now), FS_EINVAL);
	tiny = w->port;
	tiny.sectors = 3;
	assert_int_equal(ext2_mount(&fs, memory, sizeof(memory), &tiny, 0, world_now), FS_EINVAL);
	tiny.sectors = 1000; /* smaller than the file system */
	assert_int_equal(ext2_mount(&fs, memory, sizeof(memory), &tiny, 0, world_now), FS_EUCLEAN);
	/* Unaligned memory is aligned by the engine. */
	assert_int_equal(ext2_mount(&fs, memory + 3, sizeof(memory) - 3, &w->port, 0, NULL), FS_OK);
	uint32_t ino;
	assert_int_equal(ext2_create(fs, R, "t", 1, 0644, 0, 0, &ino), FS_OK);
	assert_int_equal(ext2_unmount(fs), FS_OK);
	fs_port_file_close(&w->file);
	assert_int_equal(world_fsck(w, "-fn"), 0);
}

static uint32_t lookup(struct ext2_world *w, const char *path)
{
	int64_t ino = world_resolve(w->fs, path);
	assert_true(ino > 0);
	return (uint32_t)ino;
}

static void test_inode_fields(void **state)
{
	struct ext2_world *w = *state;
	uint64_t file = inode_at(w, "/file"), dir = inode_at(w, "/dir"),
		 link = inode_at(w, "/link");
	uint32_t table = peek32(w, GD + 8), blocks = peek32(w, SB + 4);
	const struct {
		const char *what;
		uint64_t *record;
		uint32_t offset, size, value;
	} bad[] = {
		{ "pointer to the inode table", &file, 40, 4, 0 },
		{ "pointer past the device", &file, 40, 4, 0 },
		{ "pointer to the superblock", &file, 40, 4, 1 },
		{ "indirect pointer to a bitmap", &file, 40 + 48, 4, 0 },
		{ "unknown type", &file, 0, 2, 0170644 },
		{ "extents flag", &file, 32, 4, 0x80000 },
		{ "directory size not in blocks", &dir, 4, 4, 1000 },
		{ "directory size high", &dir, 108, 4, 1 },
		{ "fast symlink too long", &link, 4, 4, 80 },
		{ "symlink size zero", &link, 4, 4, 0 },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint32_t value = bad[i].value;
		if (i == 0)
			value = table + 2;
		if (i == 1)
			value = blocks + 5;
		if (i == 3)
			value = peek32(w, GD + 4);
		uint64_t at = *bad[i].record + bad[i].offset;
		uint8_t saved[4];
		world_peek(w, at, saved, 4);
		if (bad[i].size == 4)
			poke32(w, at, value);
		else
			poke16(w, at, value);
		assert_int_equal(world_mount(w, 16, 0), FS_OK);
		char buffer[40 * 1024];
		size_t n;
		int64_t status;
		uint32_t ino;
		struct fs_stat st;
		if (bad[i].record == &file) {
			assert_int_equal(ext2_lookup(w->fs, R, "file", 4, &ino), FS_OK);
			status = ext2_getattr(w->fs, ino, &st);
			if (status == FS_OK)
				status = ext2_read(w->fs, ino, 0, buffer, sizeof(buffer));
		} else if (bad[i].record == &dir) {
			assert_int_equal(ext2_lookup(w->fs, R, "dir", 3, &ino), FS_OK);
			status = ext2_lookup(w->fs, ino, "inner", 5, &ino);
		} else {
			assert_int_equal(ext2_lookup(w->fs, R, "link", 4, &ino), FS_OK);
			status = ext2_readlink(w->fs, ino, buffer, sizeof(buffer), &n);
		}
		if (status != FS_EUCLEAN)
			fail_msg("%s: %d", bad[i].what, (int)status);
		(void)ext2_unmount(w->fs);
		w->fs = NULL;
		fs_port_file_close(&w->file);
		world_poke(w, at, saved, 4);
	}
}

/* The disk changed under a mounted engine: what the cache holds is
 * answered from the cache (decoded once, remembered), but once the block
 * is gone from the cache and read again, the inode is decoded and checked
 * again: a remembered decode never outlives the bytes it came from. */
static void test_disk_changed_under_mount(void **state)
{
	struct ext2_world *w = *state;
	uint64_t at = inode_at(w, "/file");
	assert_int_equal(world_mount(w, 4, 0), FS_OK);
	uint32_t ino, twin;
	struct fs_stat st;
	assert_int_equal(ext2_lookup(w->fs, R, "file", 4, &ino), FS_OK);
	assert_int_equal(ext2_lookup(w->fs, R, "twin", 4, &twin), FS_OK);
	assert_int_equal(ext2_getattr(w->fs, ino, &st), FS_OK);
	poke16(w, at, 0170644); /* an unknown type */
	assert_int_equal(ext2_getattr(w->fs, ino, &st), FS_OK);
	assert_int_equal(st.mode, 0100644);
	/* Forty blocks of another file through a cache of four. */
	static char buffer[40 * 1024];
	assert_int_equal(ext2_read(w->fs, twin, 0, buffer, sizeof(buffer)),
			 (int64_t)sizeof(buffer));
	assert_int_equal(ext2_getattr(w->fs, ino, &st), FS_EUCLEAN);
}

/* Directory records broken one way at a time: the lookup fails cleanly. */
static void test_directory_records(void **state)
{
	struct ext2_world *w = *state;
	uint64_t block = block_of(w, "/dir", 0) * BS;
	/* "." at 0, ".." at 12, "inner" at 24. */
	static const struct {
		const char *what;
		uint32_t offset, size, value;
	} bad[] = {
		{ "record length zero", 12 + 4, 2, 0 },
		{ "record length unaligned", 12 + 4, 2, 14 },
		{ "record length past the block", 24 + 4, 2, 2000 },
		{ "record length shorter than the name", 24 + 4, 2, 12 },
		{ "name length past the record", 12 + 6, 1, 250 },
		{ "inode past the total", 24, 4, 1u << 30 },
		{ "reserved inode", 24, 4, 5 },
		{ "unknown file type", 24 + 7, 1, 9 },
		{ "live record without a name", 24 + 6, 1, 0 },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t at = block + bad[i].offset;
		uint8_t saved[4];
		world_peek(w, at, saved, 4);
		if (bad[i].size == 4)
			poke32(w, at, bad[i].value);
		else if (bad[i].size == 2)
			poke16(w, at, bad[i].value);
		else
			poke8(w, at, bad[i].value);
		assert_int_equal(world_mount(w, 16, 0), FS_OK);
		uint32_t dir = lookup(w, "/dir"), ino;
		int status = ext2_lookup(w->fs, dir, "inner", 5, &ino);
		uint64_t cookie = 0;
		struct fs_dirent e;
		int listed = FS_OK;
		for (int k = 0; k < 10 && listed == FS_OK; k++)
			listed = ext2_readdir(w->fs, dir, &cookie, &e);
		if (status != FS_EUCLEAN || listed != FS_EUCLEAN)
			fail_msg("%s: lookup %d, readdir %d", bad[i].what, status, listed);
		assert_int_equal(ext2_create(w->fs, dir, "new", 3, 0644, 0, 0, &ino), FS_EUCLEAN);
		(void)ext2_unmount(w->fs);
		w->fs = NULL;
		fs_port_file_close(&w->file);
		world_poke(w, at, saved, 4);
	}
}

static void lookup_all(struct ext2_world *w)
{
	uint32_t big = lookup(w, "/big");
	for (int i = 0; i < 120; i++) {
		char name[64];
		snprintf(name, sizeof(name), "a-long-name-for-entry-%d", i);
		uint32_t ino;
		assert_int_equal(ext2_lookup(w->fs, big, name, strlen(name), &ino), FS_OK);
	}
}

/* A broken index is no error: lookups scan the directory instead. */
static void test_htree_nodes(void **state)
{
	struct ext2_world *w = *state;
	uint64_t root = block_of(w, "/big", 0) * BS;
	uint8_t first[BS];
	world_peek(w, root, first, BS);
	assert_int_equal(first[29], 8);
	static const struct {
		const char *what;
		uint32_t offset, size, value;
	} bad[] = {
		{ "reserved field", 24, 4, 1 },
		{ "depth", 30, 1, 3 },
		{ "limit", 32, 2, 7 },
		{ "count above limit", 34, 2, 500 },
		{ "count zero", 34, 2, 0 },
		{ "first leaf past the directory", 36, 4, 9999 },
		{ "first leaf zero", 36, 4, 0 },
		{ "hashes out of order", 40, 4, 0xfffffff0u },
		{ "second leaf past the directory", 44, 4, 9999 },
		{ "dot record length", 4, 2, 16 },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t at = root + bad[i].offset;
		if (bad[i].size == 4)
			poke32(w, at, bad[i].value);
		else if (bad[i].size == 2)
			poke16(w, at, bad[i].value);
		else
			poke8(w, at, bad[i].value);
		assert_int_equal(world_mount(w, 16, 0), FS_OK);
		if (bad[i].offset == 4) {
			uint32_t ino;
			/* The linear scan then finds the broken record. */
			assert_int_equal(ext2_lookup(w->fs, lookup(w, "/big"), "x", 1, &ino),
					 FS_EUCLEAN);
		} else {
			lookup_all(w);
		}
		(void)ext2_unmount(w->fs);
		w->fs = NULL;
		fs_port_file_close(&w->file);
		world_poke(w, root, first, BS);
	}
}

/* Allocation trusts no bitmap bit that contradicts the layout, and a free
 * finds blocks claimed twice. */
static void test_bitmaps(void **state)
{
	struct ext2_world *w = *state;
	uint32_t bitmap = peek32(w, GD);
	uint8_t zeros[BS] = { 0 };
	uint8_t saved[BS];
	world_peek(w, (uint64_t)bitmap * BS, saved, BS);
	world_poke(w, (uint64_t)bitmap * BS, zeros, BS);
	assert_int_equal(world_mount(w, 16, 0), FS_OK);
	uint32_t ino;
	assert_int_equal(ext2_create(w->fs, R, "n", 1, 0644, 0, 0, &ino), FS_OK);
	assert_int_equal(ext2_write(w->fs, ino, 0, "x", 1), FS_EUCLEAN);
	(void)ext2_unmount(w->fs);
	w->fs = NULL;
	fs_port_file_close(&w->file);
	world_poke(w, (uint64_t)bitmap * BS, saved, BS);
	/* "twin" shares its first block with "file". */
	uint64_t twin = inode_at(w, "/twin"), file = inode_at(w, "/file");
	poke32(w, twin + 40, peek32(w, file + 40));
	assert_int_equal(world_mount(w, 16, 0), FS_OK);
	assert_int_equal(ext2_unlink(w->fs, R, "twin", 4), FS_OK);
	assert_int_equal(ext2_truncate(w->fs, lookup(w, "/file"), 0), FS_EUCLEAN);
	(void)ext2_unmount(w->fs);
	w->fs = NULL;
	fs_port_file_close(&w->file);
	/* The inode bitmap says a reserved inode is free. */
	uint32_t ibitmap = peek32(w, GD + 4);
	poke8(w, (uint64_t)ibitmap * BS, 0);
	assert_int_equal(world_mount(w, 16, 0), FS_OK);
	assert_int_equal(ext2_create(w->fs, R, "m", 1, 0644, 0, 0, &ino), FS_EUCLEAN);
}

/* A port that fails on request. */
struct failing {
	struct fs_block_port inner;
	int fail_reads, fail_writes, fail_flush;
};
static int failing_read(void *c, uint64_t s, uint32_t n, void *b)
{
	struct failing *f = c;
	return f->fail_reads ? FS_EIO : f->inner.read(f->inner.context, s, n, b);
}
static int failing_write(void *c, uint64_t s, uint32_t n, const void *b)
{
	struct failing *f = c;
	return f->fail_writes ? FS_EIO : f->inner.write(f->inner.context, s, n, b);
}
static int failing_flush(void *c)
{
	struct failing *f = c;
	return f->fail_flush ? FS_EIO : f->inner.flush(f->inner.context);
}

static void test_port_failures(void **state)
{
	struct ext2_world *w = *state;
	assert_int_equal(fs_port_file_open(&w->file, &w->port, w->image, 0), FS_OK);
	struct failing f = { .inner = w->port };
	struct fs_block_port port = { failing_read, failing_write, failing_flush, &f,
				      w->port.sectors };
	static uint8_t memory[1 << 18];
	struct ext2_fs *fs;
	f.fail_reads = 1;
	assert_int_equal(ext2_mount(&fs, memory, sizeof(memory), &port, 0, world_now), FS_EIO);
	f.fail_reads = 0;
	assert_int_equal(ext2_mount(&fs, memory, sizeof(memory), &port, 0, world_now), FS_OK);
	uint32_t ino;
	f.fail_reads = 1;
	assert_int_equal(ext2_lookup(fs, R, "dir", 3, &ino), FS_EIO);
	f.fail_reads = 0;
	assert_int_equal(ext2_create(fs, R, "n", 1, 0644, 0, 0, &ino), FS_EIO); /* refused */
	struct fs_statfs s;
	assert_int_equal(ext2_statfs(fs, &s), FS_OK);
	assert_true(s.read_only);
	assert_int_equal(ext2_unmount(fs), FS_EIO);
	/* A failed write-back, and a failed flush. */
	assert_int_equal(ext2_mount(&fs, memory, sizeof(memory), &port, 0, world_now), FS_OK);
	assert_int_equal(ext2_create(fs, R, "n", 1, 0644, 0, 0, &ino), FS_OK);
	f.fail_writes = 1;
	assert_int_equal(ext2_fsync(fs, ino), FS_EIO);
	assert_int_equal(ext2_write(fs, ino, 0, "x", 1), FS_EIO);
	assert_int_equal(ext2_fsync(fs, ino), FS_EIO);
	assert_int_equal(ext2_unmount(fs), FS_EIO);
	f.fail_writes = 0;
	assert_int_equal(ext2_mount(&fs, memory, sizeof(memory), &port, 0, world_now), FS_OK);
	assert_int_equal(ext2_create(fs, R, "m", 1, 0644, 0, 0, &ino), FS_OK);
	f.fail_flush = 1;
	assert_int_equal(ext2_sync(fs), FS_EIO);
	f.fail_flush = 0;
	assert_int_equal(ext2_sync(fs), FS_EIO);
	fs_port_file_close(&w->file);
}

/* Link counts at ext2's limit (32000): no more names, no more
 * subdirectories. */
static void test_link_limit(void **state)
{
	struct ext2_world *w = *state;
	uint64_t file = inode_at(w, "/file"), dir = inode_at(w, "/dir");
	poke16(w, file + 26, 32000);
	poke16(w, dir + 26, 32000);
	assert_int_equal(world_mount(w, 16, 0), FS_OK);
	uint32_t f = lookup(w, "/file"), d = lookup(w, "/dir"), ino;
	assert_int_equal(ext2_link(w->fs, R, "more", 4, f), FS_EMLINK);
	assert_int_equal(ext2_mkdir(w->fs, d, "sub", 3, 0755, 0, 0, &ino), FS_EMLINK);
	assert_int_equal(ext2_mkdir(w->fs, R, "other", 5, 0755, 0, 0, &ino), FS_OK);
	assert_int_equal(ext2_rename(w->fs, R, "other", 5, d, "other", 5), FS_EMLINK);
	assert_int_equal(ext2_create(w->fs, d, "file-is-fine", 12, 0644, 0, 0, &ino), FS_OK);
}

/* A slow symlink whose block is a hole, and attribute blocks that are not
 * attribute blocks. */
static void test_symlink_and_xattr(void **state)
{
	struct ext2_world *w = *state;
	uint64_t slow = inode_at(w, "/slowlink"), file = inode_at(w, "/file");
	poke32(w, slow + 40, 0);
	uint32_t data_block = peek32(w, file + 40);
	poke32(w, inode_at(w, "/twin") + 104, data_block); /* file_acl: not an EA block */
	assert_int_equal(world_mount(w, 16, 0), FS_OK);
	char buffer[300];
	size_t n;
	assert_int_equal(ext2_readlink(w->fs, lookup(w, "/slowlink"), buffer, sizeof(buffer), &n),
			 FS_EUCLEAN);
	assert_int_equal(ext2_unlink(w->fs, R, "twin", 4), FS_EUCLEAN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mount_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_superblock_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_ro_compat, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_descriptors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mount_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inode_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disk_changed_under_mount, setup, teardown),
		cmocka_unit_test_setup_teardown(test_directory_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_htree_nodes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bitmaps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_port_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_and_xattr, setup, teardown),
	};
	return cmocka_run_group_tests_name("ext2_corrupt", tests, group_setup, group_teardown);
}
