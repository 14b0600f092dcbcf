/* SPDX-License-Identifier: MIT */
/*
 * The client's data cache (libos/posix_cache.c) and the rule that keeps it
 * coherent: the server's generation word of a file moves on before any
 * change of its data or size is answered (docs/posix.md, "The client's
 * data cache"). Each test first makes sure the reader's description holds
 * the page (the fast path would answer), then changes the file another
 * way (another client, another descriptor, AIO, O_APPEND, truncation) and
 * reads again: a stale cache fails them. Then what the cache answers
 * without a request (and checks), eviction, inode reuse, the read-only
 * mapping, and a threaded run: one writer and three readers of one page,
 * each reader checking that it never reads a version older than one the
 * writer had finished before the read began.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "posix_world.h"

static struct posix_world world;
static struct posix_proc *a, *b; /* two clients, each with its own channel */

static int setup(void **state)
{
	(void)state;
	if (pw_make_image(&world, 16, 1024) != 0 || pw_mount(&world) != 0)
		return -1;
	a = pw_client(&world, 0);
	b = pw_client(&world, 1);
	return a != NULL && b != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return pw_finish(&world);
}

/* After each test: both processes consistent. */
static int check(void **state)
{
	(void)state;
	return posix_proc_check_invariants(a) && posix_proc_check_invariants(b) ? 0 : -1;
}

#define FAILS(call, e)                                                                             \
	do {                                                                                       \
		errno = 0;                                                                         \
		assert_int_equal((call), -1);                                                      \
		assert_int_equal(errno, (e));                                                      \
	} while (0)

static uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 13 + (i >> 8) + 1);
}

/* `path` with `size` bytes of pattern(), made by the current process. */
static void make_file(const char *path, size_t size)
{
	static uint8_t data[3 * 4096];
	assert_true(size <= sizeof data);
	for (size_t i = 0; i < size; i++)
		data[i] = pattern(i);
	int fd = kos_open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(kos_write(fd, data, size), (ssize_t)size);
	assert_int_equal(kos_close(fd), 0);
}

/* Read the page at `offset` of `fd` twice (the second fills the cache) and
 * check that the description now holds it. */
static void cache_page(struct posix_proc *p, int fd, off_t offset)
{
	posix_proc_use(p);
	uint8_t scratch[4096];
	assert_true(kos_pread(fd, scratch, 16, offset) >= 0);
	assert_true(kos_pread(fd, scratch, 16, offset) >= 0);
	const struct posix_cache_page *c = p->fd[fd]->cache;
	assert_non_null(c);
	assert_int_equal(c->start, (uint64_t)offset / POSIX_CACHE_PAGE * POSIX_CACHE_PAGE);
}

static void expect_pattern(const uint8_t *bytes, size_t from, size_t n)
{
	for (size_t i = 0; i < n; i++)
		assert_int_equal(bytes[i], pattern(from + i));
}

static void test_hits_send_nothing(void **state)
{
	(void)state;
	posix_proc_use(a);
	make_file("/hits", 10000);
	int fd = kos_open("/hits", O_RDONLY);
	uint8_t back[5000];
	uint64_t calls = a->calls;
	assert_int_equal(kos_pread(fd, back, 4096, 0), 4096);
	assert_int_equal(a->calls, calls + 1); /* first read of the page: the server */
	assert_int_equal(kos_pread(fd, back, 4096, 0), 4096);
	assert_int_equal(a->calls, calls + 2); /* second: the page is read into the cache */
	expect_pattern(back, 0, 4096);
	calls = a->calls;
	assert_int_equal(kos_pread(fd, back, 100, 3996), 100);
	expect_pattern(back, 3996, 100);
	assert_int_equal(kos_pread(fd, back, 1, 0), 1);
	assert_int_equal(kos_pread(fd, back, 0, 17), 0);
	/* read() moves the offset as it goes. */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(kos_read(fd, back, 1000), 1000);
		expect_pattern(back, (size_t)i * 1000, 1000);
	}
	assert_int_equal(kos_lseek(fd, 0, SEEK_CUR), 3000);
	assert_int_equal(a->calls, calls); /* all answered by the cache */
	/* Across the page's end, before it, past it: the server. */
	assert_int_equal(kos_pread(fd, back, 200, 4000), 200);
	expect_pattern(back, 4000, 200);
	assert_int_equal(a->calls, calls + 1);
	/* The last page holds the end of the file: reads at and past the end
	 * are answered too. */
	cache_page(a, fd, 9000);
	calls = a->calls;
	assert_int_equal(kos_pread(fd, back, 4096, 9500), 500);
	expect_pattern(back, 9500, 500);
	assert_int_equal(kos_pread(fd, back, 10, 10000), 0);
	assert_int_equal(kos_pread(fd, back, 10, 1 << 20), 0);
	assert_int_equal(kos_pread(fd, back, 4096, 8192), 10000 - 8192);
	expect_pattern(back, 8192, 10000 - 8192);
	assert_int_equal(a->calls, calls);
	assert_int_equal(kos_pread(fd, back, 10, 100), 10); /* before the page: the server */
	assert_int_equal(a->calls, calls + 1);
	/* A read of more than a page never fills. */
	assert_int_equal(kos_pread(fd, back, 5000, 0), 5000);
	assert_int_equal(kos_pread(fd, back, 5000, 0), 5000);
	expect_pattern(back, 0, 5000);
	assert_int_equal(a->calls, calls + 3);
	/* Errors come first, as before. */
	FAILS(kos_pread(fd, back, 10, -1), EINVAL);
	FAILS(kos_write(fd, back, 10), EBADF);
	assert_int_equal(kos_close(fd), 0);
	assert_int_equal(kos_unlink("/hits"), 0);
}

/* A reads, B writes, A reads again: B's bytes. */
static void test_other_client_write(void **state)
{
	(void)state;
	posix_proc_use(a);
	make_file("/w", 6000);
	int fa = kos_open("/w", O_RDONLY);
	posix_proc_use(b);
	int fb = kos_open("/w", O_RDWR);
	uint8_t back[4096];

	cache_page(a, fa, 0);
	posix_proc_use(b);
	assert_int_equal(kos_pwrite(fb, "BBBB", 4, 100), 4);
	posix_proc_use(a);
	assert_int_equal(kos_pread(fa, back, 4096, 0), 4096);
	assert_memory_equal(back + 100, "BBBB", 4);
	expect_pattern(back + 104, 104, 100);

	/* write() at the description's offset, and a write past the end of
	 * the file (its size changes: the cached end moves). */
	cache_page(a, fa, 4096);
	posix_proc_use(b);
	assert_int_equal(kos_lseek(fb, 4096, SEEK_SET), 4096);
	assert_int_equal(kos_write(fb, "CC", 2), 2);
	posix_proc_use(a);
	assert_int_equal(kos_pread(fa, back, 4, 4096), 4);
	assert_memory_equal(back, "CC", 2);
	cache_page(a, fa, 4096);
	assert_int_equal(kos_pread(fa, back, 4096, 4096), 6000 - 4096);
	posix_proc_use(b);
	assert_int_equal(kos_pwrite(fb, "EE", 2, 7000), 2);
	posix_proc_use(a);
	assert_int_equal(kos_pread(fa, back, 4096, 4096), 7002 - 4096);
	assert_int_equal(back[6000 - 4096], 0); /* the hole */
	assert_memory_equal(back + 7000 - 4096, "EE", 2);

	assert_int_equal(kos_close(fa), 0);
	posix_proc_use(b);
	assert_int_equal(kos_close(fb), 0);
	assert_int_equal(kos_unlink("/w"), 0);
}

/* B truncates (ftruncate, truncate, open with O_TRUNC): A sees the new
 * size, and zeros where the file grew again. */
static void test_other_client_truncate(void **state)
{
	(void)state;
	posix_proc_use(a);
	make_file("/t", 10000);
	int fa = kos_open("/t", O_RDONLY);
	posix_proc_use(b);
	int fb = kos_open("/t", O_RDWR);
	uint8_t back[4096];

	cache_page(a, fa, 0);
	posix_proc_use(b);
	assert_int_equal(kos_ftruncate(fb, 50), 0);
	posix_proc_use(a);
	assert_int_equal(kos_pread(fa, back, 4096, 0), 50);
	expect_pattern(back, 0, 50);

	cache_page(a, fa, 0); /* the cache now holds the end of the file */
	assert_int_equal(kos_pread(fa, back, 4096, 0), 50);
	posix_proc_use(b);
	assert_int_equal(kos_ftruncate(fb, 8000), 0);
	posix_proc_use(a);
	memset(back, 0xff, sizeof back);
	assert_int_equal(kos_pread(fa, back, 4096, 0), 4096);
	expect_pattern(back, 0, 50);
	for (size_t i = 50; i < 4096; i++)
		assert_int_equal(back[i], 0);

	cache_page(a, fa, 4096);
	posix_proc_use(b);
	assert_int_equal(kos_truncate("/t", 5000), 0);
	posix_proc_use(a);
	assert_int_equal(kos_pread(fa, back, 4096, 4096), 5000 - 4096);

	cache_page(a, fa, 0);
	posix_proc_use(b);
	int again = kos_open("/t", O_WRONLY | O_TRUNC);
	assert_true(again >= 0);
	posix_proc_use(a);
	assert_int_equal(kos_pread(fa, back, 4096, 0), 0);
	posix_proc_use(b);
	assert_int_equal(kos_close(again), 0);

	/* O_TRUNC on a symlink's target takes the full walk (FS_OP_TRUNCATE). */
	make_file("/t", 3000);
	assert_int_equal(kos_symlink("/t", "/t-link"), 0);
	cache_page(a, fa, 0);
	posix_proc_use(b);
	again = kos_open("/t-link", O_WRONLY | O_TRUNC);
	assert_true(again >= 0);
	assert_int_equal(kos_close(again), 0);
	posix_proc_use(a);
	assert_int_equal(kos_pread(fa, back, 4096, 0), 0);

	assert_int_equal(kos_close(fa), 0);
	posix_proc_use(b);
	assert_int_equal(kos_close(fb), 0);
	assert_int_equal(kos_unlink("/t-link"), 0);
	assert_int_equal(kos_unlink("/t"), 0);
}

/* The same process through another descriptor, and a dup'd one. */
static void test_same_client(void **state)
{
	(void)state;
	posix_proc_use(a);
	make_file("/s", 4096);
	int f1 = kos_open("/s", O_RDONLY);
	int f2 = kos_open("/s", O_RDWR);
	uint8_t back[4096];
	cache_page(a, f1, 0);
	assert_int_equal(kos_pwrite(f2, "xyz", 3, 10), 3);
	assert_int_equal(kos_pread(f1, back, 20, 0), 20);
	assert_memory_equal(back + 10, "xyz", 3);
	/* Its own writes too. */
	cache_page(a, f2, 0);
	assert_int_equal(kos_pwrite(f2, "QQ", 2, 0), 2);
	assert_int_equal(kos_pread(f2, back, 4, 0), 4);
	assert_memory_equal(back, "QQ", 2);
	/* A dup shares the description and its page, until the last close. */
	cache_page(a, f1, 0);
	int d = kos_dup(f1);
	const struct posix_cache_page *page = a->fd[f1]->cache;
	assert_ptr_equal(a->fd[d]->cache, page);
	uint64_t calls = a->calls;
	assert_int_equal(kos_pread(d, back, 4, 0), 4);
	assert_int_equal(a->calls, calls);
	assert_int_equal(kos_close(f1), 0);
	assert_ptr_equal(a->fd[d]->cache, page);
	assert_ptr_equal(page->owner, a->fd[d]);
	assert_int_equal(kos_close(d), 0);
	assert_null(page->owner);
	assert_int_equal(kos_close(f2), 0);
	assert_int_equal(kos_unlink("/s"), 0);
}

static void aio_wait(struct kos_aiocb *cb)
{
	const struct kos_aiocb *one[1] = { cb };
	assert_int_equal(kos_aio_suspend(one, 1, NULL), 0);
	assert_int_equal(kos_aio_error(cb), 0);
}

/* AIO writes, another client's and the reader's own. */
static void test_aio_write(void **state)
{
	(void)state;
	posix_proc_use(a);
	make_file("/aio", 4096);
	int fa = kos_open("/aio", O_RDWR);
	posix_proc_use(b);
	int fb = kos_open("/aio", O_RDWR);
	uint8_t back[4096];
	static uint8_t data[1000];
	memset(data, 'Z', sizeof data);

	cache_page(a, fa, 0);
	posix_proc_use(b);
	struct kos_aiocb cb = { .aio_fildes = fb, .aio_buf = data, .aio_nbytes = 1000 };
	assert_int_equal(kos_aio_write(&cb), 0);
	aio_wait(&cb);
	assert_int_equal(kos_aio_return(&cb), 1000);
	posix_proc_use(a);
	assert_int_equal(kos_pread(fa, back, 4096, 0), 4096);
	assert_memory_equal(back, data, 1000);
	expect_pattern(back + 1000, 1000, 100);

	/* Its own, through another descriptor, inline (small). */
	int other = kos_open("/aio", O_WRONLY);
	cache_page(a, fa, 0);
	static char hi[2] = { 'h', 'i' };
	cb = (struct kos_aiocb){
		.aio_fildes = other, .aio_buf = hi, .aio_nbytes = 2, .aio_offset = 2000
	};
	assert_int_equal(kos_aio_write(&cb), 0);
	aio_wait(&cb);
	assert_int_equal(kos_aio_return(&cb), 2);
	assert_int_equal(kos_pread(fa, back, 4, 2000), 4);
	assert_memory_equal(back, "hi", 2);
	/* An AIO read goes to the server and reads the same. */
	cb = (struct kos_aiocb){ .aio_fildes = fa, .aio_buf = back, .aio_nbytes = 4096 };
	assert_int_equal(kos_aio_read(&cb), 0);
	aio_wait(&cb);
	assert_int_equal(kos_aio_return(&cb), 4096);
	assert_memory_equal(back + 2000, "hi", 2);

	assert_int_equal(kos_close(other), 0);
	assert_int_equal(kos_close(fa), 0);
	posix_proc_use(b);
	assert_int_equal(kos_close(fb), 0);
	assert_int_equal(kos_unlink("/aio"), 0);
}

/* The reader holds the end of the file; another client appends. */
static void test_append(void **state)
{
	(void)state;
	posix_proc_use(a);
	make_file("/app", 100);
	int fa = kos_open("/app", O_RDONLY);
	posix_proc_use(b);
	int fb = kos_open("/app", O_WRONLY | O_APPEND);
	uint8_t back[4096];

	cache_page(a, fa, 0);
	assert_int_equal(kos_read(fa, back, 4096), 100);
	assert_int_equal(kos_read(fa, back, 4096), 0); /* at the end, from the cache */
	posix_proc_use(b);
	assert_int_equal(kos_write(fb, "appended", 8), 8);
	posix_proc_use(a);
	assert_int_equal(kos_read(fa, back, 4096), 8);
	assert_memory_equal(back, "appended", 8);
	assert_int_equal(kos_read(fa, back, 4096), 0);
	/* Appends across the page's end. */
	cache_page(a, fa, 0);
	static uint8_t big[5000];
	memset(big, 'p', sizeof big);
	posix_proc_use(b);
	assert_int_equal(kos_write(fb, big, sizeof big), (ssize_t)sizeof big);
	posix_proc_use(a);
	assert_int_equal(kos_pread(fa, back, 4096, 100), 4096);
	assert_memory_equal(back, "appended", 8);
	assert_int_equal(back[4095], 'p');

	assert_int_equal(kos_close(fa), 0);
	posix_proc_use(b);
	assert_int_equal(kos_close(fb), 0);
	assert_int_equal(kos_unlink("/app"), 0);
}

/* The reader's own ftruncate to smaller, then larger: the hole reads as
 * zeros, in the cached page and in a page of the hole itself. */
static void test_shrink_then_grow(void **state)
{
	(void)state;
	posix_proc_use(a);
	make_file("/sg", 3 * 4096);
	int fd = kos_open("/sg", O_RDWR);
	uint8_t back[4096];
	cache_page(a, fd, 4096);
	assert_int_equal(kos_ftruncate(fd, 4096 + 10), 0);
	assert_int_equal(kos_ftruncate(fd, 3 * 4096), 0);
	assert_int_equal(kos_pread(fd, back, 4096, 4096), 4096);
	expect_pattern(back, 4096, 10);
	for (size_t i = 10; i < 4096; i++)
		assert_int_equal(back[i], 0);
	cache_page(a, fd, 2 * 4096); /* a page of the hole */
	assert_int_equal(kos_pread(fd, back, 4096, 2 * 4096), 4096);
	for (size_t i = 0; i < 4096; i++)
		assert_int_equal(back[i], 0);
	assert_int_equal(kos_pwrite(fd, "end", 3, 3 * 4096 - 3), 3);
	assert_int_equal(kos_pread(fd, back, 4096, 2 * 4096), 4096);
	assert_memory_equal(back + 4093, "end", 3);
	assert_int_equal(kos_close(fd), 0);
	assert_int_equal(kos_unlink("/sg"), 0);
}

/* A page dies with its description: a new file on a reused inode number is
 * never answered from an old file's page. */
static void test_inode_reuse(void **state)
{
	(void)state;
	posix_proc_use(a);
	make_file("/old", 3000);
	int fd = kos_open("/old", O_RDONLY);
	cache_page(a, fd, 0);
	uint32_t ino = a->fd[fd]->ino;
	assert_int_equal(kos_close(fd), 0);
	posix_proc_use(b);
	assert_int_equal(kos_unlink("/old"), 0);
	fd = kos_open("/new", O_CREAT | O_RDWR, 0644);
	assert_int_equal(b->fd[fd]->ino, ino); /* the same number again */
	assert_int_equal(kos_close(fd), 0);
	posix_proc_use(a);
	fd = kos_open("/new", O_RDONLY);
	uint8_t back[16];
	assert_int_equal(kos_pread(fd, back, 16, 0), 0);
	assert_int_equal(kos_pread(fd, back, 16, 0), 0);
	assert_int_equal(kos_pread(fd, back, 16, 0), 0);
	assert_int_equal(kos_close(fd), 0);
	assert_int_equal(kos_unlink("/new"), 0);
}

/* More descriptions than pages: the clock takes pages from others, whose
 * reads then go to the server, and every read stays right. */
static void test_eviction(void **state)
{
	(void)state;
	posix_proc_use(a);
	enum { FILES = POSIX_CACHE_PAGES + 4 };
	int fd[FILES];
	char path[32];
	for (int i = 0; i < FILES; i++) {
		snprintf(path, sizeof path, "/e%d", i);
		make_file(path, 2000 + (size_t)i);
		fd[i] = kos_open(path, O_RDONLY);
		cache_page(a, fd[i], 0);
	}
	uint32_t held = 0;
	for (int i = 0; i < FILES; i++)
		held += a->fd[fd[i]]->cache != NULL;
	assert_int_equal(held, POSIX_CACHE_PAGES);
	assert_null(a->fd[fd[0]]->cache); /* the first were taken */
	assert_true(posix_proc_check_invariants(a));
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < FILES; i++) {
			uint8_t back[4096];
			assert_int_equal(kos_pread(fd[i], back, 4096, 0), 2000 + i);
			expect_pattern(back, 0, 2000 + (size_t)i);
		}
	}
	for (int i = 0; i < FILES; i++) {
		assert_int_equal(kos_close(fd[i]), 0);
		snprintf(path, sizeof path, "/e%d", i);
		assert_int_equal(kos_unlink(path), 0);
	}
	for (uint32_t i = 0; i < POSIX_CACHE_PAGES; i++)
		assert_null(a->cache[i].owner);
}

/* The clients' view of the generation page is read-only, and shows the
 * server's counts. */
static void test_generation_page(void **state)
{
	(void)state;
	char line[256], perms[8] = "";
	unsigned long from, to;
	uintptr_t at = (uintptr_t)world.client_generations;
	FILE *maps = fopen("/proc/self/maps", "r");
	assert_non_null(maps);
	while (fgets(line, sizeof line, maps) != NULL) {
		if (sscanf(line, "%lx-%lx %7s", &from, &to, perms) == 3 && at >= from && at < to)
			break;
		perms[0] = 0;
	}
	fclose(maps);
	assert_string_equal(perms, "r--s");
	assert_ptr_equal(a->generations, world.client_generations);

	posix_proc_use(a);
	make_file("/g", 10);
	int fd = kos_open("/g", O_RDWR);
	uint32_t word = fs_generation_index(a->fd[fd]->ino);
	uint64_t before = atomic_load(&world.client_generations[word]);
	assert_int_equal(kos_pwrite(fd, "x", 1, 0), 1);
	assert_int_equal(atomic_load(&world.client_generations[word]), before + 1);
	assert_int_equal(kos_ftruncate(fd, 5), 0);
	assert_int_equal(atomic_load(&world.client_generations[word]), before + 2);
	/* Reads and metadata leave it alone. */
	struct stat st;
	uint8_t back[8];
	assert_int_equal(kos_pread(fd, back, 8, 0), 5);
	assert_int_equal(kos_fstat(fd, &st), 0);
	assert_int_equal(kos_link("/g", "/g2"), 0);
	assert_int_equal(kos_rename("/g2", "/g3"), 0);
	assert_int_equal(kos_unlink("/g3"), 0);
	assert_int_equal(atomic_load(&world.client_generations[word]), before + 2);
	cache_page(a, fd, 0);
	assert_int_equal(a->fd[fd]->cache->generation, before + 2);
	assert_int_equal(kos_close(fd), 0);
	assert_int_equal(kos_unlink("/g"), 0);
}

/* A process whose server publishes no generations never caches. */
static void test_without_generations(void **state)
{
	(void)state;
	posix_proc_use(a);
	make_file("/nog", 100);
	const fs_generation_word *saved = a->generations;
	a->generations = NULL;
	int fd = kos_open("/nog", O_RDONLY);
	uint8_t back[100];
	for (int i = 0; i < 3; i++)
		assert_int_equal(kos_pread(fd, back, 100, 0), 100);
	assert_null(a->fd[fd]->cache);
	assert_true(posix_proc_check_invariants(a));
	assert_int_equal(kos_close(fd), 0);
	a->generations = saved;
	assert_int_equal(kos_unlink("/nog"), 0);
}

/* The invariant checker notices each way the pages and the descriptions
 * can disagree. */
static void test_invariants_catch(void **state)
{
	(void)state;
	posix_proc_use(a);
	make_file("/inv", 100);
	int fd = kos_open("/inv", O_RDONLY);
	cache_page(a, fd, 0);
	struct posix_file *file = a->fd[fd];
	struct posix_cache_page *c = file->cache, saved = *c;
	assert_true(posix_proc_check_invariants(a));
#define BREAKS(change, undo)                                                                       \
	do {                                                                                       \
		change;                                                                            \
		assert_false(posix_proc_check_invariants(a));                                      \
		undo;                                                                              \
		assert_true(posix_proc_check_invariants(a));                                       \
	} while (0)
	BREAKS(c->data += 1, c->data = saved.data);
	BREAKS(c->owner = (struct posix_file *)(void *)a, c->owner = saved.owner);
	BREAKS(c->owner = a->file + POSIX_FILE_MAX, c->owner = saved.owner);
	BREAKS(file->kind = POSIX_KIND_DIRECTORY, file->kind = POSIX_KIND_FILE);
	BREAKS(file->cache = NULL, file->cache = c);
	BREAKS(c->start = 1, c->start = saved.start);
	BREAKS(c->bytes = POSIX_CACHE_PAGE + 1, c->bytes = saved.bytes);
	BREAKS(c->owner = NULL, c->owner = saved.owner);
	struct posix_cache_page *other = c == &a->cache[0] ? &a->cache[1] : &a->cache[0];
	BREAKS(file->cache = other, file->cache = c);
	/* A description naming something that is not one of the pages. */
	BREAKS((c->owner = NULL, file->cache = &saved), (c->owner = file, file->cache = c));
	BREAKS(a->cache_hand = POSIX_CACHE_PAGES, a->cache_hand = 0);
	const fs_generation_word *words = a->generations;
	BREAKS(a->generations = NULL, a->generations = words);
	/* A free description that still names a page. */
	struct posix_file *free_file = &a->file[POSIX_FILE_MAX - 1];
	assert_int_equal(free_file->kind, POSIX_KIND_FREE);
	BREAKS((free_file->cache = c, c->owner = free_file),
	       (free_file->cache = NULL, c->owner = file));
#undef BREAKS
	assert_int_equal(kos_close(fd), 0);
	assert_int_equal(kos_unlink("/inv"), 0);
}

/* ---- Threads: one writer, three readers of one page ---------------------------------------- */

enum { READERS = 3, VERSIONS = 1500, WORDS = 4096 / 4 };
static atomic_uint published; /* the last version whose write returned */

struct reader {
	struct posix_proc *proc;
	unsigned reads, hits, failures;
	char why[128];
};

static void *read_versions(void *context)
{
	struct reader *r = context;
	posix_proc_use(r->proc);
	int fd = kos_open("/versions", O_RDONLY);
	static _Thread_local uint32_t page[WORDS];
	/* Three more reads once the last version is out: the page is then
	 * read, filled and hit at least once, whatever the timing. */
	for (unsigned after = 0; after < 3;) {
		unsigned done = atomic_load(&published);
		uint64_t calls = r->proc->calls;
		ssize_t got = kos_pread(fd, page, sizeof page, 0);
		r->reads++;
		r->hits += r->proc->calls == calls;
		bool whole = got == (ssize_t)sizeof page;
		for (unsigned i = 1; whole && i < WORDS; i++)
			whole = page[i] == page[0];
		if ((!whole || page[0] < done) && r->failures++ == 0)
			snprintf(
			    r->why, sizeof r->why,
			    "read %zd bytes, version %u (words differ: %d) after %u was written",
			    got, page[0], !whole, done);
		after += done == VERSIONS;
	}
	kos_close(fd);
	return NULL;
}

static void test_threads_never_stale(void **state)
{
	(void)state;
	static uint32_t page[WORDS];
	posix_proc_use(a);
	int fd = kos_open("/versions", O_CREAT | O_RDWR | O_TRUNC, 0644);
	assert_int_equal(kos_pwrite(fd, page, sizeof page, 0), (ssize_t)sizeof page);
	atomic_store(&published, 0);
	struct reader reader[READERS] = { 0 };
	for (unsigned i = 0; i < READERS; i++) {
		reader[i].proc = pw_client(&world, 2 + i);
		assert_non_null(reader[i].proc);
	}
	pw_start_thread(&world);
	pthread_t thread[READERS];
	for (unsigned i = 0; i < READERS; i++)
		pthread_create(&thread[i], NULL, read_versions, &reader[i]);
	for (unsigned v = 1; v <= VERSIONS; v++) {
		for (unsigned i = 0; i < WORDS; i++)
			page[i] = v;
		assert_int_equal(kos_pwrite(fd, page, sizeof page, 0), (ssize_t)sizeof page);
		atomic_store(&published, v);
		if (v % 8 == 0)
			sched_yield(); /* let the readers hit the cache between writes */
	}
	unsigned hits = 0, reads = 0;
	for (unsigned i = 0; i < READERS; i++) {
		pthread_join(thread[i], NULL);
		if (reader[i].failures != 0)
			fail_msg("reader %u: %u stale or torn reads; first: %s", i,
				 reader[i].failures, reader[i].why);
		hits += reader[i].hits;
		reads += reader[i].reads;
	}
	print_message("# %u of %u reads answered by the readers' caches\n", hits, reads);
	pw_stop_thread(&world);
	/* The readers did use their caches (else this proves nothing). */
	assert_true(hits > 0);
	for (unsigned i = 0; i < READERS; i++)
		pw_client_end(&world, 2 + i);
	posix_proc_use(a);
	assert_int_equal(kos_close(fd), 0);
	assert_int_equal(kos_unlink("/versions"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_hits_send_nothing, check),
		cmocka_unit_test_teardown(test_other_client_write, check),
		cmocka_unit_test_teardown(test_other_client_truncate, check),
		cmocka_unit_test_teardown(test_same_client, check),
		cmocka_unit_test_teardown(test_aio_write, check),
		cmocka_unit_test_teardown(test_append, check),
		cmocka_unit_test_teardown(test_shrink_then_grow, check),
		cmocka_unit_test_teardown(test_inode_reuse, check),
		cmocka_unit_test_teardown(test_eviction, check),
		cmocka_unit_test_teardown(test_generation_page, check),
		cmocka_unit_test_teardown(test_without_generations, check),
		cmocka_unit_test_teardown(test_invariants_catch, check),
		cmocka_unit_test_teardown(test_threads_never_stale, check),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
