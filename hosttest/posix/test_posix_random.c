/* SPDX-License-Identifier: MIT */
/*
 * The randomized differential test: a seeded sequence of file operations
 * (create, write at random offsets, append, truncate, rename, link, unlink,
 * mkdir, rmdir, symlink, fsync, read, stat; descriptors kept open across
 * steps and used after their names were renamed or unlinked) applied step
 * by step to Linux (a temporary directory) and to libos + the file server
 * + the ext2 engine (a fresh image). Every step's result and errno must agree; at every
 * checkpoint and at the end the two trees (names, types, sizes, link
 * counts, contents, symlink targets) must be equal; then e2fsck -fn must
 * find the image clean. Names come from a small pool so that operations
 * collide. KESTREL_TEST_SEED replays a run; POSIX_RANDOM_OPS sets its
 * length; POSIX_BLOCK_SIZE the image's block size (mke2fs's choice, 1 KiB
 * for 64 MiB, unless set). TAP output; the seed is printed first.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "posix_world.h"
#include "seed.h"

#define CHECKPOINT 2000
#define MAX_OFFSET 70000
#define MAX_WRITE 9000

/* One side: the calls as function pointers, so each step is written once. */
struct side {
	const char *name;
	int (*open)(const char *, int, ...);
	int (*close)(int);
	ssize_t (*pwrite)(int, const void *, size_t, off_t);
	ssize_t (*pread)(int, void *, size_t, off_t);
	ssize_t (*write)(int, const void *, size_t);
	int (*truncate)(const char *, off_t);
	int (*ftruncate)(int, off_t);
	int (*rename)(const char *, const char *);
	int (*link)(const char *, const char *);
	int (*unlink)(const char *);
	int (*mkdir)(const char *, mode_t);
	int (*rmdir)(const char *);
	int (*symlink)(const char *, const char *);
	ssize_t (*readlink)(const char *, char *, size_t);
	int (*fsync)(int);
	int (*lstat)(const char *, struct stat *);
	int (*stat)(const char *, struct stat *);
	/* Directory listing (the stream types differ). */
	void *(*opendir)(const char *);
	const char *(*readdir)(void *);
	int (*closedir)(void *);
};

static void *linux_opendir(const char *path)
{
	return opendir(path);
}
static const char *linux_readdir(void *d)
{
	struct dirent *e = readdir(d);
	return e == NULL ? NULL : e->d_name;
}
static int linux_closedir(void *d)
{
	return closedir(d);
}
static void *kos_opendir_(const char *path)
{
	return kos_opendir(path);
}
static const char *kos_readdir_(void *d)
{
	struct dirent *e = kos_readdir(d);
	return e == NULL ? NULL : e->d_name;
}
static int kos_closedir_(void *d)
{
	return kos_closedir(d);
}

static const struct side linux_side = {
	"linux",   open,   close, pwrite, pread,         write,         truncate,
	ftruncate, rename, link,  unlink, mkdir,         rmdir,         symlink,
	readlink,  fsync,  lstat, stat,   linux_opendir, linux_readdir, linux_closedir,
};
static const struct side libos_side = {
	"libos",       kos_open,   kos_close, kos_pwrite, kos_pread,    kos_write,    kos_truncate,
	kos_ftruncate, kos_rename, kos_link,  kos_unlink, kos_mkdir,    kos_rmdir,    kos_symlink,
	kos_readlink,  kos_fsync,  kos_lstat, kos_stat,   kos_opendir_, kos_readdir_, kos_closedir_,
};

/* What one step did on one side: every result and errno, as text. */
struct outcome {
	char text[512];
	size_t used;
};

static void note(struct outcome *o, const char *what, long r, int e)
{
	int n = snprintf(o->text + o->used, sizeof o->text - o->used, "%s=%ld/%d ", what, r,
			 r < 0 ? e : 0);
	if (n > 0 && (size_t)n < sizeof o->text - o->used)
		o->used += (size_t)n;
}

static struct seed_rng rng;

static unsigned pick(unsigned n)
{
	return (unsigned)seed_below(&rng, n);
}

/* A path from the pool: up to two directory levels of d0..d2, then a name
 * of f0..f4, d0..d2 or s0..s1. */
static void random_path(char *out, size_t size)
{
	static const char *names[] = { "f0", "f1", "f2", "f3", "f4", "d0", "d1", "d2", "s0", "s1" };
	size_t used = 0;
	/* Half at the top, most of the rest one level down: enough that
	 * names exist and collide, deep enough for cross-directory renames. */
	unsigned roll = pick(20), depth = roll < 10 ? 0 : roll < 17 ? 1 : 2;
	for (unsigned i = 0; i < depth; i++)
		used += (size_t)snprintf(out + used, size - used, "d%u/", pick(3));
	snprintf(out + used, size - used, "%s", names[pick(10)]);
}

static uint8_t data[MAX_WRITE];

/* The parameters of one step, drawn once and applied to both sides. */
struct step {
	unsigned op;
	char a[64], b[64];
	long offset, length, size;
	int flags;
	uint8_t fill;
};

enum {
	OP_CREATE,
	OP_WRITE,
	OP_APPEND,
	OP_TRUNCATE,
	OP_FTRUNCATE,
	OP_RENAME,
	OP_LINK,
	OP_UNLINK,
	OP_MKDIR,
	OP_RMDIR,
	OP_SYMLINK,
	OP_FSYNC,
	OP_READ,
	OP_STAT,
	OP_HOLD,       /* open a path and keep the descriptor in a slot */
	OP_HELD_WRITE, /* write, read, truncate or close a kept descriptor, */
	OP_HELD_READ,  /* whatever has happened to its name since */
	OP_HELD_TRUNCATE,
	OP_HELD_CLOSE,
	OP_COUNT
};

static void draw(struct step *s)
{
	/* Weights: writes and creates most, removals and renames often. */
	static const unsigned weights[OP_COUNT] = { 10, 14, 5, 4, 3, 8, 5, 8, 7, 5,
						    5,  3,  8, 5, 4, 4, 3, 2, 3 };
	unsigned total = 0, at;
	for (unsigned i = 0; i < OP_COUNT; i++)
		total += weights[i];
	at = pick(total);
	for (s->op = 0; at >= weights[s->op]; s->op++)
		at -= weights[s->op];
	random_path(s->a, sizeof s->a);
	random_path(s->b, sizeof s->b);
	s->offset = (long)pick(MAX_OFFSET);
	s->length = 1 + (long)pick(pick(4) == 0 ? MAX_WRITE : 300);
	s->size = (long)pick(MAX_OFFSET + MAX_WRITE);
	s->flags = (pick(4) == 0 ? O_EXCL : 0) | (pick(4) == 0 ? O_TRUNC : 0);
	s->fill = (uint8_t)pick(256);
}

/* Descriptors kept across steps, per side (0: Linux, 1: libos). */
#define HELD 4
static int held[2][HELD];

static void apply(const struct side *x, const struct step *s, struct outcome *o)
{
	int *slot = &held[x == &libos_side][s->offset % HELD];
	o->used = 0;
	o->text[0] = 0;
	int fd;
	struct stat st;
	errno = 0;
	switch (s->op) {
	case OP_CREATE:
		fd = x->open(s->a, O_CREAT | O_WRONLY | s->flags, 0644);
		note(o, "open", fd < 0 ? -1 : 0, errno);
		if (fd >= 0)
			x->close(fd);
		break;
	case OP_WRITE:
	case OP_APPEND:
		fd = x->open(s->a, O_WRONLY | (s->op == OP_APPEND ? O_APPEND : 0));
		note(o, "open", fd < 0 ? -1 : 0, errno);
		if (fd >= 0) {
			for (long i = 0; i < s->length; i++)
				data[i] = (uint8_t)(s->fill + i);
			errno = 0;
			long r = s->op == OP_APPEND
				     ? x->write(fd, data, (size_t)s->length)
				     : x->pwrite(fd, data, (size_t)s->length, s->offset);
			note(o, "write", r, errno);
			x->close(fd);
		}
		break;
	case OP_TRUNCATE: note(o, "truncate", x->truncate(s->a, s->size), errno); break;
	case OP_FTRUNCATE:
		fd = x->open(s->a, O_RDWR);
		note(o, "open", fd < 0 ? -1 : 0, errno);
		if (fd >= 0) {
			errno = 0;
			note(o, "ftruncate", x->ftruncate(fd, s->size / 3), errno);
			x->close(fd);
		}
		break;
	case OP_RENAME: note(o, "rename", x->rename(s->a, s->b), errno); break;
	case OP_LINK: note(o, "link", x->link(s->a, s->b), errno); break;
	case OP_UNLINK: note(o, "unlink", x->unlink(s->a), errno); break;
	case OP_MKDIR: note(o, "mkdir", x->mkdir(s->a, 0755), errno); break;
	case OP_RMDIR: note(o, "rmdir", x->rmdir(s->a), errno); break;
	case OP_SYMLINK: note(o, "symlink", x->symlink(s->b, s->a), errno); break;
	case OP_FSYNC:
		fd = x->open(s->a, O_RDONLY);
		note(o, "open", fd < 0 ? -1 : 0, errno);
		if (fd >= 0) {
			errno = 0;
			note(o, "fsync", x->fsync(fd), errno);
			x->close(fd);
		}
		break;
	case OP_READ: {
		fd = x->open(s->a, O_RDONLY);
		note(o, "open", fd < 0 ? -1 : 0, errno);
		if (fd >= 0) {
			static uint8_t back[MAX_WRITE];
			errno = 0;
			long r = x->pread(fd, back, (size_t)s->length, s->offset);
			note(o, "pread", r, errno);
			uint64_t hash = 1469598103934665603ull;
			for (long i = 0; i < r; i++)
				hash = (hash ^ back[i]) * 1099511628211ull;
			note(o, "hash", (long)(hash >> 2), 0);
			x->close(fd);
		}
		break;
	}
	case OP_HOLD:
		if (*slot >= 0)
			x->close(*slot);
		*slot = x->open(s->a, O_RDWR);
		note(o, "hold", *slot < 0 ? -1 : 0, errno);
		break;
	case OP_HELD_WRITE:
		if (*slot >= 0) {
			for (long i = 0; i < s->length; i++)
				data[i] = (uint8_t)(s->fill ^ i);
			note(o, "pwrite", x->pwrite(*slot, data, (size_t)s->length, s->offset),
			     errno);
		}
		break;
	case OP_HELD_READ:
		/* Twice, and every other time in the file's first page: libos's
		 * data cache fills on the second read of a page and answers the
		 * later ones, which must see every change made since. */
		for (int twice = 0; twice < 2 && *slot >= 0; twice++) {
			static uint8_t back[MAX_WRITE];
			long at = (s->offset / HELD) % 2 ? s->offset : (s->offset / 8) % 4000;
			long r = x->pread(*slot, back, (size_t)s->length, at);
			note(o, "pread", r, errno);
			uint64_t hash = 1469598103934665603ull;
			for (long i = 0; i < r; i++)
				hash = (hash ^ back[i]) * 1099511628211ull;
			note(o, "hash", (long)(hash >> 2), 0);
		}
		break;
	case OP_HELD_TRUNCATE:
		if (*slot >= 0)
			note(o, "ftruncate", x->ftruncate(*slot, s->size / 2), errno);
		break;
	case OP_HELD_CLOSE:
		if (*slot >= 0)
			note(o, "close", x->close(*slot), errno);
		*slot = -1;
		break;
	case OP_STAT: {
		int r = x->stat(s->a, &st);
		note(o, "stat", r, errno);
		if (r == 0) {
			note(o, "mode", st.st_mode, 0);
			note(o, "links", (long)st.st_nlink, 0);
			note(o, "size", S_ISDIR(st.st_mode) ? 0 : (long)st.st_size, 0);
		}
		break;
	}
	}
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The tree under `path` as text: every entry, sorted, with what it is. */
static void manifest(const struct side *x, const char *path, char **out, size_t *used, size_t *room)
{
	void *d = x->opendir(path);
	if (d == NULL)
		return;
	char *names[256];
	int count = 0;
	const char *name;
	while ((name = x->readdir(d)) != NULL && count < 256) {
		/* mke2fs's lost+found is the image's own, not the workload's. */
		bool top_lost = strcmp(path, ".") == 0 && strcmp(name, "lost+found") == 0;
		if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0 && !top_lost)
			names[count++] = strdup(name);
	}
	x->closedir(d);
	qsort(names, (size_t)count, sizeof names[0], by_name);
	for (int i = 0; i < count; i++) {
		char child[512], line[1024];
		snprintf(child, sizeof child, "%s/%s", path, names[i]);
		struct stat st;
		x->lstat(child, &st);
		int n = snprintf(line, sizeof line, "%s %o %lu", child, (unsigned)st.st_mode,
				 (unsigned long)st.st_nlink);
		if (S_ISREG(st.st_mode)) {
			int fd = x->open(child, O_RDONLY);
			static uint8_t buf[MAX_OFFSET + MAX_WRITE + 16];
			long r = x->pread(fd, buf, sizeof buf, 0);
			uint64_t hash = 1469598103934665603ull;
			for (long k = 0; k < r; k++)
				hash = (hash ^ buf[k]) * 1099511628211ull;
			x->close(fd);
			n += snprintf(line + n, sizeof line - (size_t)n,
				      " size %ld read %ld %016llx", (long)st.st_size, r,
				      (unsigned long long)hash);
		} else if (S_ISLNK(st.st_mode)) {
			char target[256] = { 0 };
			x->readlink(child, target, sizeof target - 1);
			n += snprintf(line + n, sizeof line - (size_t)n, " -> %s", target);
		}
		if (*used + (size_t)n + 2 > *room) {
			*room = (*used + (size_t)n + 2) * 2;
			*out = realloc(*out, *room);
		}
		memcpy(*out + *used, line, (size_t)n);
		*used += (size_t)n;
		(*out)[(*used)++] = '\n';
		(*out)[*used] = 0;
		if (S_ISDIR(st.st_mode))
			manifest(x, child, out, used, room);
		free(names[i]);
	}
}

static char *tree(const struct side *x)
{
	char *out = calloc(1, 1);
	size_t used = 0, room = 1;
	manifest(x, ".", &out, &used, &room);
	return out;
}

static bool same_trees(unsigned long step)
{
	char *a = tree(&linux_side), *b = tree(&libos_side);
	bool same = strcmp(a, b) == 0;
	if (!same) {
		printf("# trees differ at step %lu; replay with " SEED_ENV "=%llu\n", step,
		       (unsigned long long)rng.seed);
		printf("# --- linux\n%s# --- libos\n%s", a, b);
	}
	free(a);
	free(b);
	return same;
}

int main(void)
{
	printf("1..3\n");
	rng = seed_from_env("posix_random");
	const char *env = getenv("POSIX_RANDOM_OPS");
	unsigned long ops = env != NULL ? strtoul(env, NULL, 10) : 25000;

	/* Both sides on a memory file system when there is one: the workload
	 * fsyncs often, and a disk's flushes would be most of the run time. */
	if (access("/dev/shm", W_OK) == 0)
		pw_temp_root = "/dev/shm";
	char base[64];
	snprintf(base, sizeof base, "%s/kestrel-random-XXXXXX", pw_temp_root);
	if (mkdtemp(base) == NULL || chdir(base) != 0) {
		printf("Bail out! no temporary directory\n");
		return 1;
	}
	umask(022);
	static struct posix_world world;
	const char *block_size = getenv("POSIX_BLOCK_SIZE");
	unsigned block = block_size != NULL ? (unsigned)strtoul(block_size, NULL, 10) : 0;
	if (pw_make_image(&world, 64, block) != 0 || pw_mount(&world) != 0) {
		printf("Bail out! no image\n");
		return 1;
	}
	struct posix_proc *proc = pw_client(&world, 0);
	if (proc == NULL)
		return 1;
	posix_proc_use(proc);
	kos_umask(022);
	/* POSIX_RANDOM_THREADED: the server on its own thread, real doorbells. */
	bool threaded = getenv("POSIX_RANDOM_THREADED") != NULL;
	if (threaded)
		pw_start_thread(&world);

	for (unsigned i = 0; i < HELD; i++)
		held[0][i] = held[1][i] = -1;
	bool ok = true;
	unsigned long step = 0;
	struct outcome on_linux, on_libos;
	unsigned long tried[OP_COUNT] = { 0 }, succeeded[OP_COUNT] = { 0 };
	for (; step < ops && ok; step++) {
		struct step s;
		draw(&s);
		apply(&linux_side, &s, &on_linux);
		apply(&libos_side, &s, &on_libos);
		if (strcmp(on_linux.text, on_libos.text) != 0) {
			printf(
			    "# step %lu: op %u a=%s b=%s offset %ld length %ld size %ld flags %x\n",
			    step, s.op, s.a, s.b, s.offset, s.length, s.size, s.flags);
			printf("#   linux: %s\n#   libos: %s\n", on_linux.text, on_libos.text);
			printf("# replay with " SEED_ENV "=%llu\n", (unsigned long long)rng.seed);
			ok = false;
			break;
		}
		/* The process's invariants every step; the server's (a walk over
		 * every handle table) at checkpoints, when its thread is ours. */
		bool checkpoint = (step + 1) % CHECKPOINT == 0 && !threaded;
		if (!posix_proc_check_invariants(proc) ||
		    (checkpoint && fs_server_check_invariants(world.server) != ERR_OK)) {
			printf("# step %lu: invariants broken; replay with " SEED_ENV "=%llu\n",
			       step, (unsigned long long)rng.seed);
			ok = false;
			break;
		}
		succeeded[s.op] +=
		    strstr(on_linux.text, "/0 ") != NULL && strstr(on_linux.text, "=-1") == NULL;
		tried[s.op]++;
		if ((step + 1) % CHECKPOINT == 0)
			ok = same_trees(step);
	}
	for (unsigned i = 0; i < HELD; i++) {
		if (held[0][i] >= 0)
			close(held[0][i]);
		if (held[1][i] >= 0)
			kos_close(held[1][i]);
	}
	printf("%s 1 - %lu steps agree, result and errno%s\n", ok ? "ok" : "not ok", step,
	       threaded ? " (server thread)" : "");
	static const char *op_names[OP_COUNT] = {
		"create", "write",      "append",    "truncate",      "ftruncate", "rename", "link",
		"unlink", "mkdir",      "rmdir",     "symlink",       "fsync",     "read",   "stat",
		"hold",   "held write", "held read", "held truncate", "held close"
	};
	for (unsigned i = 0; i < OP_COUNT; i++)
		printf("# %-13s %6lu tried, %6lu succeeded\n", op_names[i], tried[i], succeeded[i]);
	bool trees = ok && same_trees(step);
	if (threaded)
		pw_stop_thread(&world);
	printf("%s 2 - the trees agree at the end\n", trees ? "ok" : "not ok");
	int fsck = pw_unmount(&world, true);
	printf("%s 3 - e2fsck -fn finds the image clean\n", fsck == 0 ? "ok" : "not ok");
	char command[128];
	snprintf(command, sizeof command, "rm -rf %s", base);
	if (chdir("/") != 0 || pw_run(command) != 0)
		return 1;
	if (fsck == 0)
		pw_remove(&world);
	else
		printf("# image kept in %s (seed %llu)\n", world.image,
		       (unsigned long long)rng.seed);
	return ok && trees && fsck == 0 ? 0 : 1;
}
