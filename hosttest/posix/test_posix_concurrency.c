/* SPDX-License-Identifier: MIT */
/*
 * Concurrency of the POSIX layer over one file server: several client
 * threads, each a process with its own channel, against one server thread,
 * working on their own files and on shared ones (O_APPEND records, disjoint
 * pwrite regions, O_EXCL races, renames); and AIO with 64 requests in
 * flight whose replies the server sends in a shuffled order. The image is
 * e2fsck-clean afterwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "posix_world.h"
#include "seed.h"

#define THREADS 4
#define ROUNDS 300
#define RECORD 32

static struct posix_world world;

static int setup(void **state)
{
	(void)state;
	if (pw_make_image(&world, 32, 0) != 0 || pw_mount(&world) != 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return pw_finish(&world);
}

struct worker {
	unsigned id;
	struct posix_proc *proc;
	unsigned excl_wins;
	int failures;
	char why[128];
};

#define EXPECT(w, cond)                                                                            \
	do {                                                                                       \
		if (!(cond) && (w)->failures++ == 0)                                               \
			snprintf((w)->why, sizeof(w)->why, "line %d: %s (errno %d)", __LINE__,     \
				 #cond, errno);                                                    \
	} while (0)

static void *work(void *context)
{
	struct worker *w = context;
	posix_proc_use(w->proc);
	char dir[32], path[64], other[64], record[RECORD + 1];
	snprintf(dir, sizeof dir, "/t%u", w->id);
	EXPECT(w, kos_mkdir(dir, 0755) == 0);
	int shared = kos_open("/shared.log", O_WRONLY | O_APPEND);
	int regions = kos_open("/regions", O_RDWR);
	EXPECT(w, shared >= 0 && regions >= 0);
	for (unsigned round = 0; round < ROUNDS; round++) {
		/* Own files: create, write, read back, rename, unlink. */
		snprintf(path, sizeof path, "%s/f%u", dir, round % 7);
		snprintf(other, sizeof other, "%s/g%u", dir, round % 5);
		int fd = kos_open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
		EXPECT(w, fd >= 0);
		snprintf(record, sizeof record, "%0*u", RECORD, w->id * 100000 + round);
		EXPECT(w, kos_write(fd, record, RECORD) == RECORD);
		char back[RECORD];
		EXPECT(w, kos_pread(fd, back, RECORD, 0) == RECORD);
		EXPECT(w, memcmp(back, record, RECORD) == 0);
		EXPECT(w, kos_close(fd) == 0);
		EXPECT(w, kos_rename(path, other) == 0);
		if (round % 3 == 0)
			EXPECT(w, kos_unlink(other) == 0);
		/* Shared: one O_APPEND record (atomic at the server). */
		snprintf(record, sizeof record, "T%u R%05u %*s\n", w->id, round, RECORD - 11, "");
		EXPECT(w, kos_write(shared, record, RECORD) == RECORD);
		/* Shared: my own region of one file. */
		EXPECT(w, kos_pwrite(regions, record, RECORD,
				     (off_t)(w->id * ROUNDS + round) * RECORD) == RECORD);
		/* A race on one name: exactly one creator wins each round. */
		snprintf(path, sizeof path, "/race%u", round);
		fd = kos_open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
		if (fd >= 0) {
			w->excl_wins++;
			EXPECT(w, kos_close(fd) == 0);
		} else {
			EXPECT(w, errno == EEXIST);
		}
		struct stat st;
		EXPECT(w, kos_stat("/shared.log", &st) == 0);
	}
	EXPECT(w, kos_close(shared) == 0);
	EXPECT(w, kos_close(regions) == 0);
	return NULL;
}

static void test_clients_interleaved(void **state)
{
	(void)state;
	struct posix_proc *main_proc = pw_client(&world, 0);
	assert_non_null(main_proc);
	posix_proc_use(main_proc);
	int fd = kos_open("/shared.log", O_CREAT | O_WRONLY, 0644);
	assert_true(fd >= 0);
	assert_int_equal(kos_close(fd), 0);
	fd = kos_open("/regions", O_CREAT | O_WRONLY, 0644);
	assert_true(fd >= 0);
	assert_int_equal(kos_close(fd), 0);

	struct worker workers[THREADS];
	pthread_t threads[THREADS];
	for (unsigned i = 0; i < THREADS; i++) {
		workers[i] = (struct worker){ .id = i, .proc = pw_client(&world, 1 + i) };
		assert_non_null(workers[i].proc);
	}
	pw_start_thread(&world);
	for (unsigned i = 0; i < THREADS; i++)
		pthread_create(&threads[i], NULL, work, &workers[i]);
	unsigned wins = 0;
	for (unsigned i = 0; i < THREADS; i++) {
		pthread_join(threads[i], NULL);
		if (workers[i].failures != 0)
			fail_msg("worker %u: %d failures, first at %s", i, workers[i].failures,
				 workers[i].why);
		wins += workers[i].excl_wins;
	}
	assert_int_equal(wins, ROUNDS);

	/* No lost append and no torn record; every region as its owner wrote it. */
	posix_proc_use(main_proc);
	struct stat st;
	assert_int_equal(kos_stat("/shared.log", &st), 0);
	assert_int_equal(st.st_size, THREADS * ROUNDS * RECORD);
	static char all[THREADS * ROUNDS * RECORD];
	fd = kos_open("/shared.log", O_RDONLY);
	assert_int_equal(kos_read(fd, all, sizeof all), sizeof all);
	assert_int_equal(kos_close(fd), 0);
	unsigned next[THREADS] = { 0 };
	for (size_t at = 0; at < sizeof all; at += RECORD) {
		unsigned id, round;
		assert_int_equal(sscanf(all + at, "T%u R%u", &id, &round), 2);
		assert_true(id < THREADS);
		assert_int_equal(round, next[id]); /* each writer's records in its order */
		next[id]++;
		assert_int_equal(all[at + RECORD - 1], '\n');
	}
	fd = kos_open("/regions", O_RDONLY);
	assert_int_equal(kos_read(fd, all, sizeof all), sizeof all);
	assert_int_equal(kos_close(fd), 0);
	for (unsigned id = 0; id < THREADS; id++) {
		for (unsigned round = 0; round < ROUNDS; round++) {
			char expect[RECORD + 1];
			snprintf(expect, sizeof expect, "T%u R%05u %*s\n", id, round, RECORD - 11,
				 "");
			assert_memory_equal(all + (size_t)(id * ROUNDS + round) * RECORD, expect,
					    RECORD);
		}
	}
	pw_stop_thread(&world);
	for (unsigned i = 0; i < THREADS; i++) {
		assert_true(posix_proc_check_invariants(workers[i].proc));
		pw_client_end(&world, 1 + i);
	}
	assert_true(posix_proc_check_invariants(main_proc));
	assert_int_equal(fs_server_check_invariants(world.server), ERR_OK);
}

/* Serve everything queued, replying in a shuffled order. */
static unsigned serve_shuffled(struct seed_rng *rng)
{
	static struct channel_message request[CHANNEL_MAX_DEPTH], reply[CHANNEL_MAX_DEPTH];
	unsigned n = 0;
	while (n < CHANNEL_MAX_DEPTH &&
	       channel_server_take(&world.server->channels, &request[n]) == ERR_OK) {
		fs_server_dispatch(world.server, &request[n], &reply[n]);
		n++;
	}
	for (unsigned i = n; i > 1; i--) {
		unsigned j = (unsigned)seed_below(rng, i);
		struct channel_message t = reply[i - 1];
		reply[i - 1] = reply[j];
		reply[j] = t;
	}
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(channel_server_reply(&world.server->channels, &reply[i]), ERR_OK);
	return n;
}

static void test_aio_64_in_flight_out_of_order(void **state)
{
	(void)state;
	struct seed_rng rng = seed_from_env("aio_64_in_flight");
	struct posix_proc *proc = pw_client(&world, 6);
	assert_non_null(proc);
	posix_proc_use(proc);
	int fd = kos_open("/aio", O_CREAT | O_RDWR, 0644);
	assert_true(fd >= 0);
	proc->pump = NULL; /* nothing is served until serve_shuffled */

	enum { N = 64, SIZE = 3000 };
	static struct kos_aiocb cb[N];
	static uint8_t data[N][SIZE], back[N][SIZE];
	for (unsigned i = 0; i < N; i++) {
		size_t size = i % 2 ? SIZE : 100; /* inline and through a window */
		memset(data[i], 'A' + (int)(i % 26), SIZE);
		cb[i] = (struct kos_aiocb){ .aio_fildes = fd,
					    .aio_buf = data[i],
					    .aio_nbytes = size,
					    .aio_offset = (off_t)i * SIZE };
		assert_int_equal(kos_aio_write(&cb[i]), 0);
	}
	assert_int_equal(channel_client_outstanding(&world.client[6].channel), N);
	for (unsigned i = 0; i < N; i++)
		assert_int_equal(kos_aio_error(&cb[i]), EINPROGRESS);
	assert_int_equal(serve_shuffled(&rng), N);
	for (unsigned i = 0; i < N; i++) {
		const struct kos_aiocb *one[1] = { &cb[i] };
		assert_int_equal(kos_aio_suspend(one, 1, NULL), 0);
		assert_int_equal(kos_aio_error(&cb[i]), 0);
		assert_int_equal(kos_aio_return(&cb[i]), (ssize_t)cb[i].aio_nbytes);
	}

	/* Read back, 64 in flight again; collected in reverse order. */
	for (unsigned i = 0; i < N; i++) {
		cb[i] = (struct kos_aiocb){ .aio_fildes = fd,
					    .aio_buf = back[i],
					    .aio_nbytes = SIZE,
					    .aio_offset = (off_t)i * SIZE };
		assert_int_equal(kos_aio_read(&cb[i]), 0);
	}
	assert_int_equal(serve_shuffled(&rng), N);
	for (unsigned i = N; i-- > 0;) {
		while (kos_aio_error(&cb[i]) == EINPROGRESS) {
		}
		/* Short writes leave holes, read as zeros: every read is whole. */
		assert_int_equal(kos_aio_return(&cb[i]), SIZE);
		assert_memory_equal(back[i], data[i], i % 2 ? SIZE : 100);
		if (i % 2 == 0)
			assert_int_equal(back[i][SIZE - 1], 0);
	}

	/* A timed aio_suspend with nothing served times out. */
	assert_int_equal(kos_aio_read(&cb[0]), 0);
	const struct kos_aiocb *one[1] = { &cb[0] };
	struct timespec brief = { 0, 1000000 };
	assert_int_equal(kos_aio_suspend(one, 1, &brief), -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(kos_aio_cancel(fd, &cb[0]), AIO_NOTCANCELED);
	assert_int_equal(kos_aio_cancel(fd, NULL), AIO_NOTCANCELED);
	assert_int_equal(serve_shuffled(&rng), 1);
	assert_int_equal(kos_aio_suspend(one, 1, &brief), 0);
	assert_int_equal(kos_aio_return(&cb[0]), SIZE);
	assert_int_equal(kos_aio_return(&cb[0]), -1); /* already returned */
	assert_int_equal(errno, EINVAL);

	pw_serve_inline(&world, 6);
	assert_true(posix_proc_check_invariants(proc));
	assert_int_equal(kos_close(fd), 0);
	pw_client_end(&world, 6);
}

/* 64 AIO requests in flight with the server on its own thread, then a
 * synchronous call while the channel is full (it completes one first). */
static void test_aio_threaded_full_channel(void **state)
{
	(void)state;
	struct posix_proc *proc = pw_client(&world, 7);
	assert_non_null(proc);
	posix_proc_use(proc);
	int fd = kos_open("/aio2", O_CREAT | O_RDWR, 0644);
	assert_true(fd >= 0);
	enum { N = 64, SIZE = 5000 };
	static struct kos_aiocb cb[N];
	static uint8_t data[N][SIZE];
	for (unsigned i = 0; i < N; i++) {
		memset(data[i], (int)i, SIZE);
		cb[i] = (struct kos_aiocb){ .aio_fildes = fd,
					    .aio_buf = data[i],
					    .aio_nbytes = SIZE,
					    .aio_offset = (off_t)(N - 1 - i) * SIZE,
					    .aio_lio_opcode = LIO_WRITE };
	}
	proc->pump = NULL;
	struct kos_aiocb *list[N];
	for (unsigned i = 0; i < N; i++)
		list[i] = &cb[i];
	assert_int_equal(kos_lio_listio(LIO_NOWAIT, list, N, NULL), 0);
	assert_int_equal(channel_client_outstanding(&world.client[7].channel), N);
	pw_start_thread(&world);
	struct stat st;
	assert_int_equal(kos_fstat(fd, &st), 0); /* waits for a slot, then its reply */
	for (unsigned i = 0; i < N; i++) {
		const struct kos_aiocb *one[1] = { &cb[i] };
		while (kos_aio_error(&cb[i]) == EINPROGRESS)
			(void)kos_aio_suspend(one, 1, NULL);
		assert_int_equal(kos_aio_return(&cb[i]), SIZE);
	}
	assert_int_equal(kos_fstat(fd, &st), 0);
	assert_int_equal(st.st_size, N * SIZE);
	static uint8_t back[SIZE];
	for (unsigned i = 0; i < N; i++) {
		assert_int_equal(kos_pread(fd, back, SIZE, (off_t)(N - 1 - i) * SIZE), SIZE);
		assert_memory_equal(back, data[i], SIZE);
	}
	assert_int_equal(kos_close(fd), 0);
	pw_stop_thread(&world);
	assert_true(posix_proc_check_invariants(proc));
	assert_int_equal(fs_server_check_invariants(world.server), ERR_OK);
	pw_client_end(&world, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clients_interleaved),
		cmocka_unit_test(test_aio_64_in_flight_out_of_order),
		cmocka_unit_test(test_aio_threaded_full_channel),
	};
	return cmocka_run_group_tests_name("posix_concurrency", tests, setup, teardown);
}
