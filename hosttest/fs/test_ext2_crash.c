/* SPDX-License-Identifier: MIT */
/*
 * Crash safety of the ext2 engine's write order (docs/fs.md, "Write
 * order"). Each workload runs against a block port that silently drops
 * every write after the N-th (the engine cannot tell), for many N: the
 * image the disk then holds must be brought to clean by e2fsck -fy (a
 * second e2fsck -fn finds nothing), every file whose data and directory
 * were fsynced, and not touched after that before the crash, must be there
 * with exactly its content, and no regular file may hold a byte the
 * workload never wrote (each file's bytes come from its own pattern).
 *
 * Workloads are seeded (KESTREL_TEST_SEED, printed); the engine is
 * deterministic and does not see the drops, so the run with all writes
 * kept gives the write count, and which fsync each write follows.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ext2_world.h"
#include "seed.h"

#define MAX_FILES 48
#define MAX_SIZE (320 * 1024)
#define MAX_DIRS 8
#define MAX_SNAPSHOTS 64

static uint8_t pattern_byte(uint32_t id, uint64_t at)
{
	uint64_t x = (at + 1) * 0x9E3779B97F4A7C15ull ^ ((uint64_t)id * 0xD6E8FEB86659FD93ull);
	x ^= x >> 31;
	x *= 0xBF58476D1CE4E5B9ull;
	uint8_t b = (uint8_t)(x >> 56);
	return b ? b : 1; /* never zero, so a zero byte is never "written" */
}

/* The model of what the workload did. */
struct mfile {
	bool live;
	char path[96];
	uint32_t ino;
	size_t size;
	uint8_t *content;
	uint64_t touched[512]; /* the write counts when operations on it began */
	int touches;
};

struct snapshot {
	uint64_t writes; /* the write count when the fsync returned */
	int count;
	struct {
		char path[96];
		size_t size;
		uint8_t *content;
		uint32_t id;
	} files[MAX_FILES];
};

struct dropping {
	struct fs_block_port inner;
	uint64_t writes, limit;
};

static int drop_read(void *c, uint64_t s, uint32_t n, void *b)
{
	struct dropping *d = c;
	return d->inner.read(d->inner.context, s, n, b);
}
static int drop_write(void *c, uint64_t s, uint32_t n, const void *b)
{
	struct dropping *d = c;
	if (d->writes++ >= d->limit)
		return 0; /* lost, silently */
	return d->inner.write(d->inner.context, s, n, b);
}
static int drop_flush(void *c)
{
	(void)c;
	return 0;
}

struct run {
	struct ext2_world *w;
	struct ext2_fs *fs;
	struct dropping port;
	struct seed_rng rng;
	bool record; /* the full run: build the model and snapshots */
	struct mfile files[MAX_FILES];
	char dirs[MAX_DIRS][32];
	uint32_t dir_inos[MAX_DIRS];
	struct snapshot *snaps;
	int snap_count;
	struct mfile full[MAX_FILES]; /* the full run's model */
	uint64_t total_writes;
};

/* After the crash point the engine's later reads see a disk that lost
 * writes: what it does then does not matter (the machine has stopped). */
static bool crashed(const struct run *r)
{
	return r->port.writes > r->port.limit;
}

#define EXPECT(r, call, want)                                                                      \
	do {                                                                                       \
		int64_t got_ = (call);                                                             \
		if (!crashed(r) && got_ != (int64_t)(want))                                        \
			fail_msg("%s: %lld, not %lld", #call, (long long)got_, (long long)(want)); \
	} while (0)

static uint32_t dir_of(struct run *r, const char *path, const char **name)
{
	const char *slash = strrchr(path, '/');
	*name = slash + 1;
	if (slash == path)
		return EXT2_ROOT_INO;
	for (int i = 0; i < MAX_DIRS; i++)
		if (r->dirs[i][0] && strlen(r->dirs[i]) == (size_t)(slash - path) &&
		    strncmp(r->dirs[i], path, (size_t)(slash - path)) == 0)
			return r->dir_inos[i];
	fail_msg("no directory for %s", path);
	return 0;
}

static void touch(struct run *r, int id)
{
	struct mfile *f = &r->files[id];
	assert_true(f->touches < 512);
	f->touched[f->touches++] = r->port.writes;
}

static void op_write(struct run *r, int id, uint64_t at, size_t n)
{
	struct mfile *f = &r->files[id];
	if (at + n > MAX_SIZE)
		n = MAX_SIZE - at;
	static uint8_t buffer[MAX_SIZE];
	for (size_t i = 0; i < n; i++)
		buffer[i] = pattern_byte((uint32_t)id, at + i);
	touch(r, id);
	EXPECT(r, ext2_write(r->fs, f->ino, at, buffer, n), n);
	memcpy(f->content + at, buffer, n);
	if (at + n > f->size)
		f->size = at + n;
}

static void op_create(struct run *r, int id, const char *path)
{
	struct mfile *f = &r->files[id];
	const char *name;
	uint32_t dir = dir_of(r, path, &name);
	EXPECT(r, ext2_create(r->fs, dir, name, strlen(name), 0644, 0, 0, &f->ino), FS_OK);
	f->live = true;
	f->size = 0;
	snprintf(f->path, sizeof(f->path), "%s", path);
	if (!f->content)
		f->content = calloc(1, MAX_SIZE);
	memset(f->content, 0, MAX_SIZE);
	touch(r, id);
}

static void op_truncate(struct run *r, int id, size_t size)
{
	struct mfile *f = &r->files[id];
	touch(r, id);
	EXPECT(r, ext2_truncate(r->fs, f->ino, size), FS_OK);
	if (size < f->size)
		memset(f->content + size, 0, f->size - size);
	f->size = size;
}

static void op_unlink(struct run *r, int id)
{
	struct mfile *f = &r->files[id];
	const char *name;
	uint32_t dir = dir_of(r, f->path, &name);
	touch(r, id);
	EXPECT(r, ext2_unlink(r->fs, dir, name, strlen(name)), FS_OK);
	f->live = false;
}

static void op_rename(struct run *r, int id, const char *to)
{
	struct mfile *f = &r->files[id];
	const char *from_name, *to_name;
	uint32_t from = dir_of(r, f->path, &from_name), dir = dir_of(r, to, &to_name);
	touch(r, id);
	for (int k = 0; k < MAX_FILES; k++)
		if (r->files[k].live && k != id && strcmp(r->files[k].path, to) == 0) {
			touch(r, k);
			r->files[k].live = false; /* replaced */
		}
	EXPECT(
	    r,
	    ext2_rename(r->fs, from, from_name, strlen(from_name), dir, to_name, strlen(to_name)),
	    FS_OK);
	snprintf(f->path, sizeof(f->path), "%s", to);
}

/* fsync of a file and then of its directory: every dirty block written. */
static void op_fsync(struct run *r, int id)
{
	const char *name;
	uint32_t dir = dir_of(r, r->files[id].path, &name);
	EXPECT(r, ext2_fsync(r->fs, r->files[id].ino), FS_OK);
	EXPECT(r, ext2_fsync(r->fs, dir), FS_OK);
	if (!r->record)
		return;
	assert_true(r->snap_count < MAX_SNAPSHOTS);
	struct snapshot *s = &r->snaps[r->snap_count++];
	s->writes = r->port.writes;
	s->count = 0;
	for (int k = 0; k < MAX_FILES; k++) {
		if (!r->files[k].live)
			continue;
		snprintf(s->files[s->count].path, sizeof(s->files[0].path), "%s", r->files[k].path);
		s->files[s->count].size = r->files[k].size;
		s->files[s->count].id = (uint32_t)k;
		s->files[s->count].content = malloc(r->files[k].size + 1);
		memcpy(s->files[s->count].content, r->files[k].content, r->files[k].size);
		s->count++;
	}
}

static void op_mkdir(struct run *r, int slot, const char *path)
{
	const char *name;
	uint32_t dir = dir_of(r, path, &name);
	EXPECT(r, ext2_mkdir(r->fs, dir, name, strlen(name), 0755, 0, 0, &r->dir_inos[slot]),
	       FS_OK);
	snprintf(r->dirs[slot], sizeof(r->dirs[slot]), "%s", path);
}

static int pick_live(struct run *r)
{
	for (int tries = 0; tries < 100; tries++) {
		int id = (int)seed_below(&r->rng, MAX_FILES);
		if (r->files[id].live)
			return id;
	}
	return -1;
}

static void random_path(struct run *r, char *out, size_t size)
{
	int d = (int)seed_below(&r->rng, 4);
	snprintf(out, size, "%s/f%u", r->dirs[d], (unsigned)seed_below(&r->rng, 1000));
}

static bool path_taken(struct run *r, const char *path)
{
	for (int k = 0; k < MAX_FILES; k++)
		if (r->files[k].live && strcmp(r->files[k].path, path) == 0)
			return true;
	return false;
}

/* Files: create, write at random offsets (up to double indirect with
 * 1 KiB blocks), truncate, rename (also over another file), unlink, fsync. */
static void workload_files(struct run *r, int steps, uint64_t max_size)
{
	op_mkdir(r, 0, "/a");
	op_mkdir(r, 1, "/b");
	op_mkdir(r, 2, "/a/c");
	op_mkdir(r, 3, "/d");
	for (int step = 0; step < steps && !crashed(r); step++) {
		int kind = (int)seed_below(&r->rng, 10);
		int id = pick_live(r);
		char path[96];
		if (kind <= 1 || id < 0) {
			int fresh = -1;
			for (int k = 0; k < MAX_FILES && fresh < 0; k++)
				if (!r->files[k].live)
					fresh = k;
			random_path(r, path, sizeof(path));
			if (fresh < 0 || path_taken(r, path))
				continue;
			op_create(r, fresh, path);
			op_write(r, fresh, 0, (size_t)seed_below(&r->rng, 20000) + 1);
		} else if (kind <= 4) {
			uint64_t at = seed_below(&r->rng, max_size - 1);
			op_write(r, id, at, (size_t)seed_below(&r->rng, 12000) + 1);
		} else if (kind == 5) {
			op_truncate(r, id, (size_t)seed_below(&r->rng, r->files[id].size + 5000));
		} else if (kind == 6) {
			random_path(r, path, sizeof(path));
			if (strcmp(path, r->files[id].path) != 0)
				op_rename(r, id, path);
		} else if (kind == 7) {
			op_unlink(r, id);
		} else {
			op_fsync(r, id);
		}
	}
	int id = pick_live(r);
	if (id >= 0)
		op_fsync(r, id);
}

static void workload_small(struct run *r)
{
	workload_files(r, 90, 30000);
}

static void workload_large(struct run *r)
{
	workload_files(r, 40, MAX_SIZE);
}

/* Directories: many names in one directory (it grows by blocks), removed
 * again, and directories moved. */
static void workload_dirs(struct run *r)
{
	op_mkdir(r, 0, "/a");
	op_mkdir(r, 1, "/b");
	op_mkdir(r, 2, "/a/c");
	op_mkdir(r, 3, "/d");
	char path[96];
	for (int i = 0; i < MAX_FILES; i++) {
		snprintf(path, sizeof(path), "/b/a-rather-long-file-name-number-%d", i);
		op_create(r, i, path);
		op_write(r, i, 0, 100 + (size_t)seed_below(&r->rng, 3000));
		if (i % 10 == 9)
			op_fsync(r, i);
	}
	for (int i = 0; i < MAX_FILES && !crashed(r); i += 3)
		op_unlink(r, i);
	op_fsync(r, 1);
	for (int i = 1; i < MAX_FILES && !crashed(r); i += 3)
		op_rename(r, i, i % 2 ? "/a/c/moved" : "/d/moved");
	const char *name;
	uint32_t c = dir_of(r, "/a/c/x", &name);
	(void)c;
	for (int k = 0; k < MAX_FILES; k++)
		if (r->files[k].live && strncmp(r->files[k].path, "/a/c/", 5) == 0)
			touch(r, k);
	EXPECT(r, ext2_rename(r->fs, r->dir_inos[0], "c", 1, r->dir_inos[3], "c", 1), FS_OK);
	for (int k = 0; k < MAX_FILES; k++)
		if (r->files[k].live && strncmp(r->files[k].path, "/a/c/", 5) == 0) {
			char moved[96];
			snprintf(moved, sizeof(moved), "/d/c/%s", r->files[k].path + 5);
			snprintf(r->files[k].path, sizeof(r->files[k].path), "%s", moved);
		}
	snprintf(r->dirs[2], sizeof(r->dirs[2]), "/d/c");
	op_fsync(r, 2);
	for (int i = 2; i < MAX_FILES && !crashed(r); i += 3)
		op_truncate(r, i, 10);
	op_fsync(r, 2);
}

typedef void workload_fn(struct run *r);

static void run_workload(struct run *r, workload_fn *fn, const uint8_t *base, size_t base_size,
			 uint64_t limit, uint64_t seed, uint32_t cache_blocks)
{
	int fd = open(r->w->image, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, base, base_size), (ssize_t)base_size);
	close(fd);
	assert_int_equal(fs_port_file_open(&r->w->file, &r->w->port, r->w->image, 0), FS_OK);
	r->port = (struct dropping){ .inner = r->w->port, .limit = limit };
	struct fs_block_port port = { drop_read, drop_write, drop_flush, &r->port,
				      r->w->port.sectors };
	static uint8_t *memory;
	if (!memory)
		memory = malloc(ext2_memory_needed(64));
	assert_int_equal(
	    ext2_mount(&r->fs, memory, ext2_memory_needed(cache_blocks), &port, 0, world_now),
	    FS_OK);
	for (int k = 0; k < MAX_FILES; k++) {
		r->files[k].live = false;
		r->files[k].touches = 0;
	}
	memset(r->dirs, 0, sizeof(r->dirs));
	r->rng.seed = r->rng.state = seed;
	fn(r);
	EXPECT(r, ext2_unmount(r->fs), FS_OK);
	fs_port_file_close(&r->w->file);
}

/* Every regular file under `dir`: each byte zero or its file's pattern. */
static void check_no_garbage(struct ext2_fs *fs, uint32_t dir, uint64_t crash, int depth)
{
	uint64_t cookie = 0;
	struct fs_dirent e;
	static uint8_t data[MAX_SIZE + 1];
	for (;;) {
		assert_int_equal(ext2_readdir(fs, dir, &cookie, &e), FS_OK);
		if (e.ino == 0)
			return;
		if (e.name[0] == '.' &&
		    (e.name_length == 1 || (e.name_length == 2 && e.name[1] == '.')))
			continue;
		struct fs_stat st;
		assert_int_equal(ext2_getattr(fs, e.ino, &st), FS_OK);
		if ((st.mode & FS_TYPE_MASK) == FS_TYPE_DIRECTORY) {
			assert_true(depth < 8);
			check_no_garbage(fs, e.ino, crash, depth + 1);
			continue;
		}
		if ((st.mode & FS_TYPE_MASK) != FS_TYPE_REGULAR)
			continue;
		if (st.size > MAX_SIZE)
			fail_msg("crash %llu: %s has size %llu", (unsigned long long)crash, e.name,
				 (unsigned long long)st.size);
		int64_t n = ext2_read(fs, e.ino, 0, data, sizeof(data));
		assert_int_equal(n, (int64_t)st.size);
		int id = -1;
		for (int64_t i = 0; i < n; i++) {
			if (data[i] == 0)
				continue;
			if (id < 0) {
				for (int k = 0; k < MAX_FILES && id < 0; k++)
					if (pattern_byte((uint32_t)k, (uint64_t)i) == data[i])
						id = k;
				if (id < 0)
					fail_msg("crash %llu: %s byte %lld is garbage",
						 (unsigned long long)crash, e.name, (long long)i);
			} else if (pattern_byte((uint32_t)id, (uint64_t)i) != data[i]) {
				/* the first byte can match several patterns: retry */
				int other = -1;
				for (int k = 0; k < MAX_FILES && other < 0; k++) {
					bool all = true;
					for (int64_t j = 0; j <= i && all; j++)
						all = data[j] == 0 ||
						      pattern_byte((uint32_t)k, (uint64_t)j) ==
							  data[j];
					if (all)
						other = k;
				}
				if (other < 0)
					fail_msg("crash %llu: %s byte %lld is garbage",
						 (unsigned long long)crash, e.name, (long long)i);
				id = other;
			}
		}
	}
}

/* After a crash at write `crash`: repair, re-check, and compare. */
static void check_crash(struct run *r, uint64_t crash, bool with_debugfs)
{
	struct ext2_world *w = r->w;
	int repaired = world_fsck(w, "-fy");
	if (repaired > 2)
		fail_msg("crash at write %llu: e2fsck -fy exit %d", (unsigned long long)crash,
			 repaired);
	/* Exit 0 from -fy: nothing was wrong, so -fn would find nothing
	 * either (it is the same check, answering "no"): spare the run. */
	int clean = repaired == 0 ? 0 : world_fsck(w, "-fn");
	if (clean != 0)
		fail_msg("crash at write %llu: second e2fsck -fn exit %d",
			 (unsigned long long)crash, clean);
	/* The latest fsync the crash came after. */
	const struct snapshot *s = NULL;
	for (int i = 0; i < r->snap_count; i++)
		if (r->snaps[i].writes <= crash)
			s = &r->snaps[i];
	assert_int_equal(world_mount(w, 32, FS_MOUNT_READ_ONLY), FS_OK);
	static uint8_t data[MAX_SIZE + 1];
	for (int i = 0; s && i < s->count; i++) {
		const struct mfile *now = &r->full[s->files[i].id];
		/* Changed after that fsync, by an operation whose writes may
		 * have reached the disk: no promise. */
		bool changed = false;
		for (int t = 0; t < now->touches; t++)
			changed |= now->touched[t] >= s->writes && now->touched[t] < crash;
		if (changed)
			continue;
		int64_t ino = world_resolve(w->fs, s->files[i].path);
		if (ino < 0)
			fail_msg("crash at write %llu: fsynced %s is gone (%d)",
				 (unsigned long long)crash, s->files[i].path, (int)ino);
		int64_t n = ext2_read(w->fs, (uint32_t)ino, 0, data, sizeof(data));
		if (n != (int64_t)s->files[i].size ||
		    memcmp(data, s->files[i].content, s->files[i].size) != 0)
			fail_msg("crash at write %llu: fsynced %s differs (%lld bytes, want %zu)",
				 (unsigned long long)crash, s->files[i].path, (long long)n,
				 s->files[i].size);
		if (with_debugfs) {
			char request[200];
			static char out[MAX_SIZE + 4096];
			snprintf(request, sizeof(request), "cat %s", s->files[i].path);
			size_t got = world_debugfs_read(w, request, out, sizeof(out));
			assert_int_equal(got, s->files[i].size);
			assert_memory_equal(out, s->files[i].content, got);
		}
	}
	check_no_garbage(w->fs, EXT2_ROOT_INO, crash, 0);
	world_unmount(w);
}

static uint64_t crash_points_run;

static void crash_test(const char *name, workload_fn *fn, uint32_t cache_blocks,
		       uint32_t target_points)
{
	struct ext2_world world, *w = &world;
	world_make(w, 1024, 1024, "-N 128");
	struct run *r = calloc(1, sizeof(*r));
	r->w = w;
	r->snaps = calloc(MAX_SNAPSHOTS, sizeof(struct snapshot));
	struct seed_rng rng = seed_from_env(name);
	FILE *f = fopen(w->image, "rb");
	assert_non_null(f);
	static uint8_t base[1 << 20];
	size_t base_size = fread(base, 1, sizeof(base), f);
	fclose(f);
	/* The full run: the write count and the model. */
	r->record = true;
	run_workload(r, fn, base, base_size, UINT64_MAX, rng.seed, cache_blocks);
	uint64_t total = r->port.writes;
	assert_int_equal(world_fsck(w, "-fn"), 0);
	memcpy(r->full, r->files, sizeof(r->full));
	/* Without a crash, the image holds exactly the model: every live
	 * file at its path with its content. */
	assert_int_equal(world_mount(w, 32, FS_MOUNT_READ_ONLY), FS_OK);
	static uint8_t data[MAX_SIZE + 1];
	for (int k = 0; k < MAX_FILES; k++) {
		if (!r->files[k].live)
			continue;
		int64_t ino = world_resolve(w->fs, r->files[k].path);
		if (ino < 0)
			fail_msg("%s: %s is missing after the full run", name, r->files[k].path);
		int64_t n = ext2_read(w->fs, (uint32_t)ino, 0, data, sizeof(data));
		if (n != (int64_t)r->files[k].size || memcmp(data, r->files[k].content, (size_t)n))
			fail_msg("%s: %s differs after the full run", name, r->files[k].path);
	}
	world_unmount(w);
	r->record = false;
	uint64_t step = total / target_points ? total / target_points : 1;
	uint32_t points = 0;
	for (uint64_t crash = 0; crash <= total; crash += step) {
		run_workload(r, fn, base, base_size, crash, rng.seed, cache_blocks);
		/* Up to the crash the run is the full run's: same reads, same
		 * decisions, the same writes. */
		assert_true(r->port.writes >= (crash < total ? crash + 1 : total));
		check_crash(r, crash, points % 100 == 0);
		points++;
	}
	crash_points_run += points;
	print_message("# %s: %llu writes, %u crash points, seed %llu\n", name,
		      (unsigned long long)total, points, (unsigned long long)rng.seed);
	for (int i = 0; i < r->snap_count; i++)
		for (int k = 0; k < r->snaps[i].count; k++)
			free(r->snaps[i].files[k].content);
	for (int k = 0; k < MAX_FILES; k++)
		free(r->files[k].content);
	free(r->snaps);
	free(r);
	world_destroy(w);
}

static void test_crash_small_files(void **state)
{
	(void)state;
	crash_test("crash_small_files", workload_small, 16, 400);
}

static void test_crash_large_files(void **state)
{
	(void)state;
	crash_test("crash_large_files", workload_large, 24, 350);
}

static void test_crash_directories(void **state)
{
	(void)state;
	crash_test("crash_directories", workload_dirs, 16, 350);
}

static int report(void **state)
{
	(void)state;
	print_message("# crash points run: %llu\n", (unsigned long long)crash_points_run);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crash_small_files),
		cmocka_unit_test(test_crash_large_files),
		cmocka_unit_test(test_crash_directories),
	};
	return cmocka_run_group_tests_name("ext2_crash", tests, NULL, report);
}
