/* SPDX-License-Identifier: MIT */
/*
 * Random operations on the ext2 engine against a model of the tree (a few
 * names in a few directories, so that names collide and every error case
 * of every call comes up): create, mkdir, symlink, link, unlink, rmdir,
 * rename in all its cases, write at random offsets, truncate. Every status
 * is compared with the model's; at checkpoints the whole tree is compared
 * (names, types, link counts, sizes, contents, symlink targets); at the end
 * e2fsck -fn must find nothing. KESTREL_TEST_SEED replays a run;
 * EXT2_RANDOM_STEPS sets its length (4,000 steps per block size).
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
#include "seed.h"

#define NODES 96
#define NAMES 6
#define MAX_SIZE (160 * 1024)

enum kind { NONE, FILE_, DIR_, LINK_ };

struct node {
	enum kind kind;
	uint32_t ino;
	uint32_t parent; /* directories: the node of ".." */
	uint8_t *content;
	size_t size;
	char target[80];
	/* directories: the node each name leads to (0: none) */
	int entry[NAMES];
};

static const char *names[NAMES] = { "a", "bb", "a-longer-name", "d", "e", "f" };

struct model {
	struct node n[NODES];
	struct seed_rng rng;
	struct ext2_fs *fs;
	uint64_t step;
};

static int new_node(struct model *m, enum kind kind)
{
	for (int i = 1; i < NODES; i++)
		if (m->n[i].kind == NONE) {
			struct node *x = &m->n[i];
			memset(x->entry, 0, sizeof(x->entry));
			x->kind = kind;
			x->size = 0;
			if (!x->content)
				x->content = malloc(MAX_SIZE);
			memset(x->content, 0, MAX_SIZE);
			return i;
		}
	return -1;
}

static int links_of(const struct model *m, int node)
{
	int count = 0;
	for (int d = 0; d < NODES; d++)
		if (m->n[d].kind == DIR_)
			for (int k = 0; k < NAMES; k++)
				count += m->n[d].entry[k] == node;
	return count;
}

static int subdirs(const struct model *m, int dir)
{
	int count = 0;
	for (int k = 0; k < NAMES; k++)
		count += m->n[dir].entry[k] && m->n[m->n[dir].entry[k]].kind == DIR_;
	return count;
}

static bool empty(const struct model *m, int dir)
{
	for (int k = 0; k < NAMES; k++)
		if (m->n[dir].entry[k])
			return false;
	return true;
}

static int random_dir(struct model *m)
{
	for (;;) {
		int i = (int)seed_below(&m->rng, NODES);
		if (m->n[i].kind == DIR_)
			return i;
	}
}

static int random_file(struct model *m)
{
	for (int tries = 0; tries < 200; tries++) {
		int i = (int)seed_below(&m->rng, NODES);
		if (m->n[i].kind == FILE_)
			return i;
	}
	return -1;
}

/* The node goes when no name is left (the engine frees it then). */
static void maybe_free(struct model *m, int node)
{
	if (m->n[node].kind != DIR_ && links_of(m, node) == 0)
		m->n[node].kind = NONE;
}

#define CHECK(m, got, want)                                                                        \
	do {                                                                                       \
		int64_t g_ = (got), w_ = (want);                                                   \
		if (g_ != w_)                                                                      \
			fail_msg(                                                                  \
			    "step %llu: %s is %lld, the model says %lld; replay with " SEED_ENV    \
			    "=%llu",                                                               \
			    (unsigned long long)(m)->step, #got, (long long)g_, (long long)w_,     \
			    (unsigned long long)(m)->rng.seed);                                    \
	} while (0)

static void op_make(struct model *m, enum kind kind)
{
	int dir = random_dir(m), k = (int)seed_below(&m->rng, NAMES);
	const char *name = names[k];
	uint32_t ino = 0;
	int want = m->n[dir].entry[k] ? FS_EEXIST : FS_OK;
	int node = want == FS_OK ? new_node(m, kind) : -1;
	if (want == FS_OK && node < 0)
		return; /* the model is full */
	int status;
	if (kind == FILE_) {
		status = ext2_create(m->fs, m->n[dir].ino, name, strlen(name), 0644, 0, 0, &ino);
	} else if (kind == DIR_) {
		status = ext2_mkdir(m->fs, m->n[dir].ino, name, strlen(name), 0755, 0, 0, &ino);
	} else {
		char target[80];
		size_t length = (size_t)seed_below(&m->rng, 75) + 1;
		for (size_t i = 0; i < length; i++)
			target[i] = (char)('a' + seed_below(&m->rng, 26));
		target[length] = 0;
		status = ext2_symlink(m->fs, m->n[dir].ino, name, strlen(name), target, length, 0,
				      0, &ino);
		if (node > 0)
			strcpy(m->n[node].target, target);
	}
	CHECK(m, status, want);
	if (want != FS_OK)
		return;
	m->n[node].ino = ino;
	m->n[node].parent = (uint32_t)dir;
	m->n[dir].entry[k] = node;
}

static void op_write(struct model *m)
{
	int f = random_file(m);
	if (f < 0)
		return;
	struct node *x = &m->n[f];
	uint64_t at = seed_below(&m->rng, 8) == 0 ? seed_below(&m->rng, MAX_SIZE - 1)
						  : seed_below(&m->rng, 20000);
	size_t n = (size_t)seed_below(&m->rng, 6000) + 1;
	if (at + n > MAX_SIZE)
		n = MAX_SIZE - at;
	static uint8_t b[MAX_SIZE];
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(m->step * 31 + i * 7 + 1);
	CHECK(m, ext2_write(m->fs, x->ino, at, b, n), (int64_t)n);
	memcpy(x->content + at, b, n);
	if (at + n > x->size)
		x->size = at + n;
}

static void op_truncate(struct model *m)
{
	int f = random_file(m);
	if (f < 0)
		return;
	struct node *x = &m->n[f];
	size_t size = (size_t)seed_below(&m->rng, x->size + 3000);
	if (size > MAX_SIZE)
		size = MAX_SIZE;
	CHECK(m, ext2_truncate(m->fs, x->ino, size), FS_OK);
	if (size < x->size)
		memset(x->content + size, 0, x->size - size);
	x->size = size;
}

static void op_link(struct model *m)
{
	int f = random_file(m), dir = random_dir(m), k = (int)seed_below(&m->rng, NAMES);
	if (f < 0)
		return;
	int want = m->n[dir].entry[k] ? FS_EEXIST : FS_OK;
	CHECK(m, ext2_link(m->fs, m->n[dir].ino, names[k], strlen(names[k]), m->n[f].ino), want);
	if (want == FS_OK)
		m->n[dir].entry[k] = f;
}

static void op_remove(struct model *m, bool directory)
{
	int dir = random_dir(m), k = (int)seed_below(&m->rng, NAMES);
	int child = m->n[dir].entry[k];
	int want;
	if (!child)
		want = FS_ENOENT;
	else if (directory)
		want = m->n[child].kind != DIR_ ? FS_ENOTDIR
		       : !empty(m, child)       ? FS_ENOTEMPTY
						: FS_OK;
	else
		want = m->n[child].kind == DIR_ ? FS_EISDIR : FS_OK;
	int status = directory ? ext2_rmdir(m->fs, m->n[dir].ino, names[k], strlen(names[k]))
			       : ext2_unlink(m->fs, m->n[dir].ino, names[k], strlen(names[k]));
	CHECK(m, status, want);
	if (want != FS_OK)
		return;
	m->n[dir].entry[k] = 0;
	if (directory)
		m->n[child].kind = NONE;
	else
		maybe_free(m, child);
}

static bool under(const struct model *m, int dir, int ancestor)
{
	for (int i = dir;; i = (int)m->n[i].parent) {
		if (i == ancestor)
			return true;
		if (i == 1)
			return false;
	}
}

static void op_rename(struct model *m)
{
	int from = random_dir(m), to = random_dir(m);
	int kf = (int)seed_below(&m->rng, NAMES), kt = (int)seed_below(&m->rng, NAMES);
	int src = m->n[from].entry[kf], dst = m->n[to].entry[kt];
	int want = FS_OK;
	if (!src)
		want = FS_ENOENT;
	else if (src == dst)
		want = FS_OK;
	else if (m->n[src].kind == DIR_) {
		if (dst && m->n[dst].kind != DIR_)
			want = FS_ENOTDIR;
		else if (dst && !empty(m, dst))
			want = FS_ENOTEMPTY;
		else if (from != to && under(m, to, src))
			want = FS_EINVAL;
	} else if (dst && m->n[dst].kind == DIR_) {
		want = FS_EISDIR;
	}
	CHECK(m,
	      ext2_rename(m->fs, m->n[from].ino, names[kf], strlen(names[kf]), m->n[to].ino,
			  names[kt], strlen(names[kt])),
	      want);
	if (want != FS_OK || src == dst)
		return;
	m->n[to].entry[kt] = src;
	m->n[from].entry[kf] = 0;
	if (m->n[src].kind == DIR_)
		m->n[src].parent = (uint32_t)to;
	if (dst) {
		if (m->n[dst].kind == DIR_)
			m->n[dst].kind = NONE;
		else
			maybe_free(m, dst);
	}
}

/* The engine's tree equals the model's, from directory `dir` down. */
static void compare(struct model *m, int dir)
{
	static uint8_t data[MAX_SIZE + 1];
	struct fs_stat st;
	CHECK(m, ext2_getattr(m->fs, m->n[dir].ino, &st), FS_OK);
	CHECK(m, st.links, 2 + subdirs(m, dir) + (dir == 1)); /* and lost+found */
	uint64_t cookie = 0;
	struct fs_dirent e;
	int listed = 0;
	for (;;) {
		CHECK(m, ext2_readdir(m->fs, m->n[dir].ino, &cookie, &e), FS_OK);
		if (e.ino == 0)
			break;
		if (strcmp(e.name, ".") == 0 || strcmp(e.name, "..") == 0) {
			CHECK(m, e.ino,
			      strcmp(e.name, ".") == 0 ? m->n[dir].ino
						       : m->n[m->n[dir].parent].ino);
			continue;
		}
		if (dir == 1 && strcmp(e.name, "lost+found") == 0)
			continue;
		int k = 0;
		while (k < NAMES && strcmp(names[k], e.name) != 0)
			k++;
		if (k == NAMES || !m->n[dir].entry[k])
			fail_msg("step %llu: unexpected name %s", (unsigned long long)m->step,
				 e.name);
		listed++;
		int child = m->n[dir].entry[k];
		CHECK(m, e.ino, m->n[child].ino);
		CHECK(m, ext2_getattr(m->fs, e.ino, &st), FS_OK);
		switch (m->n[child].kind) {
		case FILE_:
			CHECK(m, st.mode & FS_TYPE_MASK, FS_TYPE_REGULAR);
			CHECK(m, st.links, links_of(m, child));
			CHECK(m, st.size, m->n[child].size);
			CHECK(m, ext2_read(m->fs, e.ino, 0, data, sizeof(data)),
			      (int64_t)m->n[child].size);
			if (memcmp(data, m->n[child].content, m->n[child].size) != 0)
				fail_msg("step %llu: content of %s differs",
					 (unsigned long long)m->step, e.name);
			break;
		case LINK_: {
			size_t n;
			CHECK(m, ext2_readlink(m->fs, e.ino, (char *)data, sizeof(data), &n),
			      FS_OK);
			CHECK(m, n, strlen(m->n[child].target));
			if (memcmp(data, m->n[child].target, n) != 0)
				fail_msg("step %llu: link %s differs", (unsigned long long)m->step,
					 e.name);
			break;
		}
		case DIR_: compare(m, child); break;
		case NONE:
			fail_msg("step %llu: a name for a freed node", (unsigned long long)m->step);
		}
	}
	int want = 0;
	for (int k = 0; k < NAMES; k++)
		want += m->n[dir].entry[k] != 0;
	CHECK(m, listed, want);
}

static void run(uint32_t block_size, uint32_t cache_blocks, uint64_t steps)
{
	struct ext2_world world, *w = &world;
	world_make(w, block_size, 16384, NULL);
	assert_int_equal(world_mount(w, cache_blocks, 0), FS_OK);
	struct model *m = calloc(1, sizeof(*m));
	m->rng = seed_from_env("ext2_random");
	m->fs = w->fs;
	m->n[1].kind = DIR_;
	m->n[1].ino = EXT2_ROOT_INO;
	m->n[1].parent = 1;
	for (m->step = 0; m->step < steps; m->step++) {
		uint64_t kind = seed_below(&m->rng, 20);
		if (kind < 3)
			op_make(m, FILE_);
		else if (kind < 5)
			op_make(m, DIR_);
		else if (kind < 6)
			op_make(m, LINK_);
		else if (kind < 10)
			op_write(m);
		else if (kind < 11)
			op_truncate(m);
		else if (kind < 12)
			op_link(m);
		else if (kind < 14)
			op_remove(m, false);
		else if (kind < 15)
			op_remove(m, true);
		else
			op_rename(m);
		if (m->step % 250 == 0)
			compare(m, 1);
		if (m->step % 1000 == 999) { /* and across a remount */
			world_unmount(w);
			assert_int_equal(world_fsck(w, "-fn"), 0);
			assert_int_equal(world_mount(w, cache_blocks, 0), FS_OK);
			m->fs = w->fs;
		}
	}
	compare(m, 1);
	world_unmount(w);
	assert_int_equal(world_fsck(w, "-fn"), 0);
	for (int i = 0; i < NODES; i++)
		free(m->n[i].content);
	free(m);
	world_destroy(w);
}

/* EXT2_RANDOM_STEPS runs longer (or shorter). */
static uint64_t steps(void)
{
	const char *text = getenv("EXT2_RANDOM_STEPS");
	return text && *text ? strtoull(text, NULL, 0) : 4000;
}

static void test_random_1k(void **state)
{
	(void)state;
	run(1024, 16, steps());
}

static void test_random_4k(void **state)
{
	(void)state;
	run(4096, 8, steps());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_1k),
		cmocka_unit_test(test_random_4k),
	};
	return cmocka_run_group_tests_name("ext2_random", tests, NULL, NULL);
}
