/* SPDX-License-Identifier: MIT */
/*
 * Port failures at every point of a workload that uses every call: the
 * k-th read, or the k-th write, or the k-th flush fails, once. Each call
 * must then return a status (FS_EIO where the port failed), never crash,
 * and after the failure the engine must refuse every change (FS_EIO), as
 * ext2.h promises. The image lives in memory, so each run is cheap; the
 * cache is small, so reads miss often.
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

struct faulty {
	uint8_t *bytes;
	uint64_t sectors;
	uint64_t reads, writes, flushes;
	uint64_t fail_read, fail_write, fail_flush; /* the call to fail, or UINT64_MAX */
	bool failed;
};

static int f_read(void *c, uint64_t s, uint32_t n, void *b)
{
	struct faulty *f = c;
	if (f->reads++ == f->fail_read) {
		f->failed = true;
		return FS_EIO;
	}
	memcpy(b, f->bytes + s * 512, (size_t)n * 512);
	return 0;
}
static int f_write(void *c, uint64_t s, uint32_t n, const void *b)
{
	struct faulty *f = c;
	if (f->writes++ == f->fail_write) {
		f->failed = true;
		return FS_EIO;
	}
	memcpy(f->bytes + s * 512, b, (size_t)n * 512);
	return 0;
}
static int f_flush(void *c)
{
	struct faulty *f = c;
	if (f->flushes++ == f->fail_flush) {
		f->failed = true;
		return FS_EIO;
	}
	return 0;
}

static struct ext2_world pristine;
static uint8_t *image;
static size_t image_size;

static int group_setup(void **state)
{
	(void)state;
	world_make(&pristine, 1024, 2048, NULL);
	static uint8_t data[80 * 1024];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13);
	world_host_write(&pristine, "data", 0, data, sizeof(data));
	world_host_write(&pristine, "one", 0, "1", 1);
	char script[1 << 14];
	size_t used = (size_t)snprintf(script, sizeof(script),
				       "write data file\nmkdir dir\nwrite data dir/inner\n"
				       "symlink link file\nmkdir big\nmkdir dir/sub\n");
	for (int i = 0; i < 100; i++)
		used += (size_t)snprintf(script + used, sizeof(script) - used,
					 "write one big/a-long-name-for-entry-%d\n", i);
	world_debugfs(&pristine, script);
	world_fsck(&pristine, "-fyD");
	assert_int_equal(world_fsck(&pristine, "-fn"), 0);
	FILE *f = fopen(pristine.image, "rb");
	fseek(f, 0, SEEK_END);
	image_size = (size_t)ftell(f);
	rewind(f);
	image = malloc(image_size);
	assert_int_equal(fread(image, 1, image_size, f), image_size);
	fclose(f);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	free(image);
	world_destroy(&pristine);
	return 0;
}

static uint8_t big_buffer[300 * 1024];

/* Every call, on every kind of file; statuses are collected, not judged:
 * the sweep judges what follows a failure. */
static void workload(struct ext2_fs *fs)
{
	uint32_t file = 0, dir = 0, big = 0, link = 0, sub = 0, ino = 0, n1 = 0, d1 = 0, s1 = 0;
	char text[200];
	size_t length;
	struct fs_stat st;
	struct fs_dirent e;
	uint64_t cookie = 0;
	(void)ext2_lookup(fs, R, "file", 4, &file);
	(void)ext2_lookup(fs, R, "dir", 3, &dir);
	(void)ext2_lookup(fs, R, "big", 3, &big);
	(void)ext2_lookup(fs, R, "link", 4, &link);
	(void)ext2_lookup(fs, dir, "sub", 3, &sub);
	(void)ext2_lookup(fs, big, "a-long-name-for-entry-42", 24, &ino);
	(void)ext2_read(fs, file, 0, big_buffer, sizeof(big_buffer));
	(void)ext2_readlink(fs, link, text, sizeof(text), &length);
	(void)ext2_getattr(fs, file, &st);
	for (int i = 0; i < 20; i++)
		(void)ext2_readdir(fs, big, &cookie, &e);
	(void)ext2_create(fs, dir, "new", 3, 0644, 0, 0, &n1);
	(void)ext2_write(fs, n1, 0, big_buffer, sizeof(big_buffer));
	(void)ext2_write(fs, n1, 70000000, "far", 3);
	(void)ext2_truncate(fs, n1, 5000);
	(void)ext2_mkdir(fs, R, "made", 4, 0755, 0, 0, &d1);
	(void)ext2_rename(fs, R, "dir", 3, d1, "moved", 5);
	(void)ext2_rename(fs, d1, "moved", 5, R, "dir", 3);
	(void)ext2_rename(fs, dir, "new", 3, R, "file", 4);
	(void)ext2_link(fs, d1, "alias", 5, n1);
	memset(text, 'x', sizeof(text));
	(void)ext2_symlink(fs, d1, "slow", 4, text, 150, 0, 0, &s1);
	(void)ext2_symlink(fs, d1, "fast", 4, text, 10, 0, 0, &s1);
	(void)ext2_create(fs, big, "in-the-index", 12, 0644, 0, 0, &ino);
	(void)ext2_unlink(fs, big, "a-long-name-for-entry-7", 23);
	struct fs_setattr change = { .which = FS_SET_MODE, .mode = 0600 };
	(void)ext2_setattr(fs, n1, &change);
	(void)ext2_open(fs, n1);
	(void)ext2_unlink(fs, d1, "alias", 5);
	(void)ext2_unlink(fs, R, "file", 4);
	(void)ext2_release(fs, n1);
	(void)ext2_rmdir(fs, dir, "sub", 3);
	(void)ext2_fsync(fs, d1);
	for (int i = 0; i < 30; i++) {
		char name[40];
		snprintf(name, sizeof(name), "grow-%d-with-a-long-name", i);
		(void)ext2_create(fs, d1, name, strlen(name), 0644, 0, 0, &ino);
	}
	(void)ext2_sync(fs);
}

static struct fs_time now(void)
{
	return (struct fs_time){ WORLD_NOW, 0 };
}

/* One run; returns the port's counts. */
static uint8_t *last_disk;

static struct faulty run(uint64_t fail_read, uint64_t fail_write, uint64_t fail_flush)
{
	static uint8_t *disk;
	static uint8_t *memory;
	if (!disk) {
		disk = malloc(image_size);
		memory = malloc(ext2_memory_needed(16));
	}
	memcpy(disk, image, image_size);
	last_disk = disk;
	struct faulty f = { disk,      image_size / 512, 0,          0,    0,
			    fail_read, fail_write,       fail_flush, false };
	struct fs_block_port port = { f_read, f_write, f_flush, &f, f.sectors };
	struct ext2_fs *fs;
	/* The smallest cache the engine takes (4 blocks, one of them the
	 * superblock): nearly every block access reaches the port. */
	size_t bytes = ext2_memory_needed(0) - 4 * 4096 + 4 * 1024;
	int status = ext2_mount(&fs, memory, bytes, &port, 0, now);
	if (status != FS_OK) {
		assert_true(f.failed);
		assert_int_equal(status, FS_EIO);
		return f;
	}
	workload(fs);
	if (f.failed) {
		/* Refused from now on. */
		uint32_t ino;
		assert_int_equal(ext2_create(fs, R, "after", 5, 0644, 0, 0, &ino), FS_EIO);
		assert_int_equal(ext2_sync(fs), FS_EIO);
		struct fs_statfs s;
		assert_int_equal(ext2_statfs(fs, &s), FS_OK);
		assert_true(s.read_only);
	}
	status = ext2_unmount(fs);
	assert_int_equal(status, f.failed ? FS_EIO : FS_OK);
	return f;
}

static void test_fault_sweep(void **state)
{
	(void)state;
	struct faulty clean = run(UINT64_MAX, UINT64_MAX, UINT64_MAX);
	assert_false(clean.failed);
	/* With four cache blocks the result is as e2fsck wants it. */
	struct ext2_world w = pristine;
	snprintf(w.image, sizeof(w.image), "%s/clean", pristine.dir);
	FILE *f = fopen(w.image, "wb");
	assert_int_equal(fwrite(last_disk, 1, image_size, f), image_size);
	fclose(f);
	assert_int_equal(world_fsck(&w, "-fn"), 0);
	assert_true(clean.reads > 50 && clean.writes > 50);
	for (uint64_t k = 0; k < clean.reads; k++)
		assert_true(run(k, UINT64_MAX, UINT64_MAX).failed);
	for (uint64_t k = 0; k < clean.writes; k++)
		assert_true(run(UINT64_MAX, k, UINT64_MAX).failed);
	for (uint64_t k = 0; k < clean.flushes; k++)
		assert_true(run(UINT64_MAX, UINT64_MAX, k).failed);
	print_message("# %llu reads, %llu writes, %llu flushes failed one at a time\n",
		      (unsigned long long)clean.reads, (unsigned long long)clean.writes,
		      (unsigned long long)clean.flushes);
}

/* Out of space at every point: the same workload on a disk with fewer and
 * fewer free blocks, each call returning a status, e2fsck clean after. */
static void test_enospc_sweep(void **state)
{
	(void)state;
	struct ext2_world w;
	world_make(&w, 1024, 1024, "-N 64");
	world_host_write(&w, "one", 0, "1", 1);
	world_debugfs(&w,
		      "mkdir dir\nmkdir big\nwrite one file\nsymlink link file\nmkdir dir/sub\n");
	assert_int_equal(world_mount(&w, 16, 0), FS_OK);
	/* Fill all but `left` blocks with one file, then run the workload. */
	uint32_t filler;
	assert_int_equal(ext2_create(w.fs, R, "filler", 6, 0644, 0, 0, &filler), FS_OK);
	struct fs_statfs s;
	assert_int_equal(ext2_statfs(w.fs, &s), FS_OK);
	uint64_t free_blocks = s.free_blocks;
	world_unmount(&w);
	char backup[700];
	snprintf(backup, sizeof(backup), "cp %s %s.base", w.image, w.image);
	assert_int_equal(system(backup), 0);
	for (uint64_t left = 0; left < 400 && left < free_blocks; left += 7) {
		snprintf(backup, sizeof(backup), "cp %s.base %s", w.image, w.image);
		assert_int_equal(system(backup), 0);
		assert_int_equal(world_mount(&w, 16, 0), FS_OK);
		uint64_t target = (free_blocks - left) * 1024 * 9 / 10;
		for (uint64_t at = 0; at < target; at += sizeof(big_buffer))
			(void)ext2_write(w.fs, filler, at, big_buffer,
					 target - at < sizeof(big_buffer) ? target - at
									  : sizeof(big_buffer));
		workload(w.fs);
		world_unmount(&w);
		if (world_fsck(&w, "-fn") != 0)
			fail_msg("e2fsck after running out of space with %llu blocks left",
				 (unsigned long long)left);
	}
	world_destroy(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fault_sweep),
		cmocka_unit_test(test_enospc_sweep),
	};
	return cmocka_run_group_tests_name("ext2_faults", tests, group_setup, group_teardown);
}
