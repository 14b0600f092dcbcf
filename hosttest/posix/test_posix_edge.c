/* SPDX-License-Identifier: MIT */
/*
 * libos's POSIX layer where the differential suite cannot look: the
 * console device of the mount table, absolute paths and the root, the
 * descriptor table's limits, transfers larger than a window, AIO's
 * argument errors, and a server that lies (the client does not trust its
 * replies either: impossible counts, short payloads, broken directory
 * records and refused requests become EIO). On a fresh image with the
 * real engine; e2fsck-clean afterwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "posix_world.h"

static struct posix_world world;
static struct posix_proc *proc;

static int setup(void **state)
{
	(void)state;
	if (pw_make_image(&world, 16, 4096) != 0 || pw_mount(&world) != 0)
		return -1;
	proc = pw_client(&world, 0);
	if (proc == NULL)
		return -1;
	posix_proc_use(proc);
	return 0;
}

/* After each test: the process and the server are consistent. */
static int check(void **state)
{
	(void)state;
	posix_proc_use(proc);
	if (!posix_proc_check_invariants(proc) ||
	    fs_server_check_invariants(world.server) != ERR_OK)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return pw_finish(&world);
}

#define FAILS(call, e)                                                                             \
	do {                                                                                       \
		errno = 0;                                                                         \
		assert_int_equal((long)(call), -1);                                                \
		assert_int_equal(errno, (e));                                                      \
	} while (0)

static void test_console(void **state)
{
	(void)state;
	assert_int_equal(kos_write(1, "hello ", 6), 6);
	int fd = kos_open("/dev/console", O_WRONLY);
	assert_true(fd >= 3);
	assert_int_equal(kos_write(fd, "world", 5), 5);
	assert_int_equal(world.console_used, 11);
	assert_memory_equal(world.console, "hello world", 11);
	assert_int_equal(kos_isatty(fd), 1);
	assert_int_equal(kos_isatty(0), 1);
	struct stat st;
	assert_int_equal(kos_fstat(fd, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(kos_stat("/dev/console", &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	char b[4];
	assert_int_equal(kos_read(0, b, sizeof b), 0);
	FAILS(kos_lseek(fd, 0, SEEK_SET), ESPIPE);
	FAILS(kos_pread(0, b, 1, 0), ESPIPE);
	FAILS(kos_pwrite(fd, b, 1, 0), ESPIPE);
	FAILS(kos_fsync(fd), EINVAL);
	FAILS(kos_ftruncate(fd, 0), EINVAL);
	FAILS(kos_truncate("/dev/console", 0), EINVAL);
	FAILS(kos_unlink("/dev/console"), EPERM);
	FAILS(kos_rmdir("/dev/console"), ENOTDIR);
	FAILS(kos_rename("/dev/console", "x"), EXDEV);
	FAILS(kos_link("/dev/console", "x"), EPERM);
	FAILS(kos_mkdir("/dev/console", 0755), EEXIST);
	FAILS(kos_readlink("/dev/console", b, sizeof b), EINVAL);
	FAILS(kos_chdir("/dev/console"), ENOTDIR);
	FAILS(kos_open("/dev/console", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
	errno = 0;
	assert_null(kos_fdopendir(fd));
	assert_int_equal(errno, ENOTDIR);
	assert_int_equal(kos_access("/dev/console", W_OK), 0);
	int again = kos_open("/dev/console", O_CREAT | O_RDWR, 0644);
	assert_true(again >= 0);
	assert_int_equal(kos_close(again), 0);
	struct kos_aiocb cb = { .aio_fildes = fd, .aio_buf = "!", .aio_nbytes = 1 };
	assert_int_equal(kos_aio_write(&cb), 0);
	assert_int_equal(kos_aio_return(&cb), 1);
	cb = (struct kos_aiocb){ .aio_fildes = 0, .aio_buf = b, .aio_nbytes = 1 };
	assert_int_equal(kos_aio_read(&cb), 0);
	assert_int_equal(kos_aio_return(&cb), 0);
	assert_int_equal(kos_aio_fsync(O_SYNC, &cb), 0);
	assert_int_equal(kos_aio_error(&cb), EINVAL);
	assert_int_equal(kos_aio_return(&cb), -1);
	assert_int_equal(kos_close(fd), 0);
	assert_int_equal(world.console_used, 12);
}

static void test_root_and_absolute(void **state)
{
	(void)state;
	char cwd[64];
	assert_string_equal(kos_getcwd(cwd, sizeof cwd), "/");
	errno = 0;
	assert_null(kos_getcwd(NULL, 1));
	assert_int_equal(errno, ERANGE);
	struct stat root, up;
	assert_int_equal(kos_stat("/", &root), 0);
	assert_int_equal(kos_stat("/../..//.", &up), 0);
	assert_int_equal(root.st_ino, up.st_ino);
	assert_int_equal(kos_fstatat(AT_FDCWD, "", &up, AT_EMPTY_PATH), 0);
	assert_int_equal(root.st_ino, up.st_ino);
	FAILS(kos_rmdir("/"), EBUSY);
	FAILS(kos_stat(NULL, &up), EFAULT);
	FAILS(kos_symlink(NULL, "x"), EFAULT);
	assert_int_equal(kos_mkdir("/abs", 0755), 0);
	assert_int_equal(kos_symlink("/abs", "/abs/back"), 0);
	assert_int_equal(kos_chdir("/abs/back/back/back"), 0);
	assert_string_equal(kos_getcwd(cwd, sizeof cwd), "/abs");
	assert_int_equal(kos_chdir("/"), 0);
	/* Targets longer than the inline payload go through a window. */
	static char target[4200];
	memset(target, 'x', 4096);
	target[4096] = 0;
	FAILS(kos_symlink(target, "/abs/long"), ENAMETOOLONG);
	memcpy(target, "/abs/", 5);
	size_t n = 5;
	while (n + 2 <= 3000) {
		memcpy(target + n, "./", 2);
		n += 2;
	}
	target[n] = 0;
	assert_int_equal(kos_symlink(target, "/abs/long"), 0);
	assert_int_equal(kos_stat("/abs/long", &up), 0);
	assert_true(S_ISDIR(up.st_mode));
	char back[3100];
	assert_int_equal(kos_readlink("/abs/long", back, sizeof back), (ssize_t)n);
	assert_memory_equal(back, target, n);
	/* Each expansion goes in place of its name: long paths of long
	 * symlinks resolve until the 41st link. */
	static char deep[4090];
	memset(deep, 0, sizeof deep);
	for (int i = 0; i < 4080; i += 5)
		memcpy(deep + i, "long/", 5);
	assert_int_equal(kos_chdir("/abs"), 0);
	assert_int_equal(kos_stat("long/long/long/long", &up), 0);
	FAILS(kos_stat(deep, &up), ELOOP);
	assert_int_equal(kos_chdir("/"), 0);
	assert_int_equal(kos_unlink("/abs/long"), 0);
	assert_int_equal(kos_unlink("/abs/back"), 0);
	assert_int_equal(kos_rmdir("/abs"), 0);
}

static void test_descriptor_limits(void **state)
{
	(void)state;
	int fd = kos_open("/limits", O_CREAT | O_RDWR, 0644);
	assert_true(fd >= 0);
	int last = -1;
	for (;;) {
		int d = kos_dup(fd);
		if (d < 0) {
			assert_int_equal(errno, EMFILE);
			break;
		}
		last = d;
	}
	assert_int_equal(last, POSIX_FD_MAX - 1);
	FAILS(kos_open("/limits", O_RDONLY), EMFILE);
	FAILS(kos_open("/dev/console", O_RDONLY), EMFILE);
	FAILS(kos_fcntl(fd, F_DUPFD, 0), EMFILE);
	FAILS(kos_fcntl(fd, F_DUPFD, (int)POSIX_FD_MAX), EINVAL);
	FAILS(kos_dup2(fd, (int)POSIX_FD_MAX), EBADF);
	FAILS(kos_dup3(fd, (int)POSIX_FD_MAX, 0), EBADF);
	for (int d = fd + 1; d <= last; d++)
		assert_int_equal(kos_close(d), 0);
	assert_int_equal(kos_close(fd), 0);
	/* Any descriptor number comes back from open as it is, 1 too. */
	assert_int_equal(kos_close(1), 0);
	assert_int_equal(kos_open("/limits", O_RDONLY), 1);
	FAILS(kos_fcntl(3, F_GETFD), EBADF);
	assert_int_equal(kos_close(1), 0);
	assert_int_equal(kos_dup2(0, 1), 1);
	assert_int_equal(kos_unlink("/limits"), 0);
}

static void test_large_transfers(void **state)
{
	(void)state;
	size_t size = 3 * POSIX_WINDOW_SIZE + 12345;
	uint8_t *data = malloc(size), *back = malloc(size);
	for (size_t i = 0; i < size; i++)
		data[i] = (uint8_t)(i * 31 + (i >> 12));
	int fd = kos_open("/big", O_CREAT | O_RDWR | O_APPEND, 0644);
	assert_int_equal(kos_write(fd, data, size), (ssize_t)size);
	assert_int_equal(kos_lseek(fd, 0, SEEK_CUR), (off_t)size);
	assert_int_equal(kos_pread(fd, back, size, 0), (ssize_t)size);
	assert_memory_equal(back, data, size);
	assert_int_equal(kos_lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(kos_read(fd, back, size + 100), (ssize_t)size);
	assert_int_equal(kos_lseek(fd, INT64_MAX, SEEK_SET), INT64_MAX);
	FAILS(kos_lseek(fd, 1, SEEK_CUR), EOVERFLOW);
	int plain = kos_open("/big", O_WRONLY);
	FAILS(kos_pwrite(plain, data, 10, INT64_MAX - 5), EFBIG);
	assert_int_equal(kos_close(plain), 0);
	assert_int_equal(kos_close(fd), 0);
	free(data);
	free(back);
	assert_int_equal(kos_unlink("/big"), 0);
}

static void test_aio_arguments(void **state)
{
	(void)state;
	int fd = kos_open("/aio", O_CREAT | O_RDWR, 0644);
	static char big[POSIX_AIO_MAX + 1];
	struct kos_aiocb cb = { .aio_fildes = fd, .aio_buf = big, .aio_nbytes = sizeof big };
	assert_int_equal(kos_aio_write(&cb), 0);
	assert_int_equal(kos_aio_error(&cb), EINVAL);
	assert_int_equal(kos_aio_return(&cb), -1);
	cb.aio_nbytes = 10;
	cb.aio_offset = -1;
	assert_int_equal(kos_aio_read(&cb), 0);
	assert_int_equal(kos_aio_error(&cb), EINVAL);
	cb.aio_offset = 0;
	cb.aio_nbytes = 0;
	assert_int_equal(kos_aio_write(&cb), 0);
	assert_int_equal(kos_aio_return(&cb), 0);
	int dir = kos_open("/", O_RDONLY);
	cb = (struct kos_aiocb){ .aio_fildes = dir, .aio_buf = big, .aio_nbytes = 10 };
	assert_int_equal(kos_aio_read(&cb), 0);
	assert_int_equal(kos_aio_error(&cb), EISDIR);
	assert_int_equal(kos_aio_write(&cb), 0);
	assert_int_equal(kos_aio_error(&cb), EBADF);
	FAILS(kos_aio_cancel(fd, &cb), EINVAL);
	const struct kos_aiocb *list[1] = { &cb };
	FAILS(kos_aio_suspend(list, -1, NULL), EINVAL);
	struct timespec bad = { 0, 1000000000 };
	FAILS(kos_aio_suspend(list, 1, &bad), EINVAL);
	bad = (struct timespec){ -1, 0 };
	FAILS(kos_aio_suspend(list, 1, &bad), EINVAL);
	assert_int_equal(kos_aio_suspend(list, 0, NULL), 0);
	struct kos_aiocb odd = {
		.aio_fildes = fd, .aio_buf = big, .aio_nbytes = 1, .aio_lio_opcode = 77
	};
	struct kos_aiocb read_one = {
		.aio_fildes = fd, .aio_buf = big, .aio_nbytes = 1, .aio_lio_opcode = LIO_READ
	};
	struct kos_aiocb *both[2] = { &odd, &read_one };
	FAILS(kos_lio_listio(LIO_WAIT, both, 2, NULL), EIO);
	assert_int_equal(kos_aio_error(&odd), EINVAL);
	assert_int_equal(kos_aio_error(&read_one), 0);
	FAILS(kos_lio_listio(LIO_WAIT, both, (int)POSIX_LISTIO_MAX + 1, NULL), EINVAL);
	FAILS(kos_lio_listio(LIO_WAIT, both, -1, NULL), EINVAL);
	assert_int_equal(kos_close(dir), 0);
	assert_int_equal(kos_close(fd), 0);
	assert_int_equal(kos_unlink("/aio"), 0);
}

static void test_proc_init(void **state)
{
	(void)state;
	struct posix_proc *other = malloc(sizeof *other);
	assert_int_equal(posix_proc_init(other, NULL, (void *)4096, NULL, NULL, NULL), EINVAL);
	assert_int_equal(posix_proc_init(other, &world.client[0].channel, NULL, NULL, NULL, NULL),
			 EINVAL);
	assert_int_equal(
	    posix_proc_init(other, &world.client[0].channel, (void *)4097, NULL, NULL, NULL),
	    EINVAL);
	free(other);
	/* A directory stream whose descriptor was closed under it. */
	assert_int_equal(kos_mkdir("/ds", 0755), 0);
	kos_DIR *d = kos_opendir("/ds");
	assert_non_null(d);
	assert_int_equal(kos_close(kos_dirfd(d)), 0);
	errno = 0;
	assert_null(kos_readdir(d));
	assert_int_equal(errno, EBADF);
	FAILS(kos_closedir(d), EBADF);
	assert_int_equal(kos_rmdir("/ds"), 0);
}

/* The invariant checkers catch what they are for (each corruption undone). */
static void test_invariants_catch(void **state)
{
	(void)state;
	int fd = kos_open("/inv", O_CREAT | O_RDWR, 0644);
	assert_true(posix_proc_check_invariants(proc));
	proc->cloexec[200] = true;
	assert_false(posix_proc_check_invariants(proc));
	proc->cloexec[200] = false;
	proc->fd[fd]->refs++;
	assert_false(posix_proc_check_invariants(proc));
	proc->fd[fd]->refs--;
	struct posix_file *file = proc->fd[fd];
	proc->fd[fd] = (struct posix_file *)&proc->cwd_handle;
	assert_false(posix_proc_check_invariants(proc));
	proc->fd[fd] = file;
	proc->free_windows ^= 1;
	assert_false(posix_proc_check_invariants(proc));
	proc->free_windows ^= 1;
	proc->cwd_handle = 77;
	assert_false(posix_proc_check_invariants(proc));
	proc->cwd_handle = 0;
	/* With a request in flight (nothing served until asked). */
	static char big[1000];
	struct kos_aiocb cb = { .aio_fildes = fd, .aio_buf = big, .aio_nbytes = sizeof big };
	proc->pump = NULL;
	assert_int_equal(kos_aio_write(&cb), 0);
	assert_true(posix_proc_check_invariants(proc));
	cb.aio_state = POSIX_AIO_DONE;
	assert_false(posix_proc_check_invariants(proc));
	cb.aio_state = POSIX_AIO_IN_FLIGHT;
	uint32_t window = cb.aio_window;
	cb.aio_window = POSIX_WINDOWS;
	assert_false(posix_proc_check_invariants(proc));
	cb.aio_window = window;
	pw_serve_inline(&world, 0);
	assert_int_equal(kos_aio_suspend((const struct kos_aiocb *const[]){ &cb }, 1, NULL), 0);
	assert_int_equal(kos_aio_return(&cb), (ssize_t)sizeof big);
	assert_true(posix_proc_check_invariants(proc));
	/* The server's: a count that disagrees, a handle without generation. */
	struct fs_server_client *client = &world.server->client[0];
	client->open_handles++;
	assert_int_not_equal(fs_server_check_invariants(world.server), ERR_OK);
	client->open_handles--;
	uint32_t slot = fs_handle_slot(file->handle);
	uint16_t generation = client->handle[slot].generation;
	client->handle[slot].generation = 0;
	assert_int_not_equal(fs_server_check_invariants(world.server), ERR_OK);
	client->handle[slot].generation = generation;
	struct fs_server_client *idle = &world.server->client[9];
	idle->handle[0].ino = 2;
	idle->handle[0].generation = 1;
	idle->open_handles = 1;
	assert_int_equal(fs_server_check_invariants(world.server), ERR_ILLEGAL_OPERATION);
	memset(idle, 0, sizeof *idle);
	assert_int_equal(fs_server_check_invariants(world.server), ERR_OK);
	assert_int_equal(kos_close(fd), 0);
	assert_int_equal(kos_unlink("/inv"), 0);
}

/* ---- A lying server ------------------------------------------------------------------------ */

enum lie { LIE_NONE, LIE_STATUS, LIE_COUNT, LIE_LENGTH, LIE_RECORD, LIE_ERRNO, LIE_ZERO };
static enum lie lie;
static uint32_t lie_opcode;
static uint64_t large_seen[FS_OP_COUNT]; /* each opcode's last large buffer */

/* Serve what is queued, falsifying the replies to `lie_opcode`. */
static void lying_pump(void *context)
{
	(void)context;
	struct channel_message request, reply;
	while (channel_server_take(&world.server->channels, &request) == ERR_OK) {
		fs_server_dispatch(world.server, &request, &reply);
		if (request.opcode < FS_OP_COUNT)
			large_seen[request.opcode] =
			    request.flags & CHANNEL_FLAG_LARGE ? request.large.address : 0;
		if (request.opcode == lie_opcode) {
			switch (lie) {
			case LIE_NONE: break;
			case LIE_STATUS: reply.opcode = ERR_RANGE; break;
			case LIE_COUNT: reply.arg[0] = request.arg[2] + 100000; break;
			case LIE_LENGTH: reply.length = reply.length ? reply.length - 1 : 9; break;
			case LIE_RECORD:
				memset((void *)(uintptr_t)request.large.address, 0, 4096);
				break;
			case LIE_ERRNO: reply.arg[0] = (uint64_t)-4242; break;
			case LIE_ZERO: reply.arg[0] = 0; break;
			}
		}
		assert_int_equal(channel_server_reply(&world.server->channels, &reply), ERR_OK);
	}
}

static void lie_about(uint32_t opcode, enum lie how)
{
	lie_opcode = opcode;
	lie = how;
	proc->pump = lying_pump;
}

static void test_lying_server(void **state)
{
	(void)state;
	int fd = kos_open("/lies", O_CREAT | O_RDWR, 0644);
	static char data[2000];
	assert_int_equal(kos_write(fd, data, sizeof data), (ssize_t)sizeof data);
	char b[2000];
	lie_about(FS_OP_READ, LIE_COUNT);
	FAILS(kos_pread(fd, b, 10, 0), EIO);
	/* The second read of a page fills the data cache: its count is
	 * checked as well. */
	FAILS(kos_pread(fd, b, 1000, 0), EIO);
	/* A fresh description's first read of the page is inline. */
	lie_about(0, LIE_NONE);
	assert_int_equal(kos_close(fd), 0);
	fd = kos_open("/lies", O_RDWR);
	lie_about(FS_OP_READ, LIE_LENGTH);
	FAILS(kos_pread(fd, b, 10, 0), EIO);
	lie_about(FS_OP_READ, LIE_STATUS);
	FAILS(kos_read(fd, b, 10), EIO);
	lie_about(FS_OP_READ, LIE_ERRNO);
	FAILS(kos_read(fd, b, 10), EIO);
	lie_about(FS_OP_GETATTR, LIE_LENGTH);
	struct stat st;
	FAILS(kos_fstat(fd, &st), EIO);
	lie_about(FS_OP_STATFS, LIE_LENGTH);
	struct statvfs sv;
	FAILS(kos_fstatvfs(fd, &sv), EIO);
	FAILS(kos_statvfs("/", &sv), EIO);
	lie_about(FS_OP_STATFS, LIE_NONE);
	assert_int_equal(kos_statvfs("/", &sv), 0);
	FAILS(kos_statvfs("/nope", &sv), ENOENT);
	FAILS(kos_fstatvfs(99, &sv), EBADF);
	lie_about(FS_OP_READDIR, LIE_RECORD);
	kos_DIR *d = kos_opendir("/");
	errno = 0;
	assert_null(kos_readdir(d));
	assert_int_equal(errno, EIO);
	assert_int_equal(kos_closedir(d), 0);
	lie_about(FS_OP_READDIR, LIE_STATUS);
	assert_int_equal(kos_mkdir("/sub", 0755), 0);
	assert_int_equal(kos_chdir("/sub"), 0);
	char cwd[64];
	errno = 0;
	assert_null(kos_getcwd(cwd, sizeof cwd));
	assert_int_equal(errno, EIO);
	lie_about(FS_OP_READLINK, LIE_COUNT);
	assert_int_equal(kos_symlink("/sub", "/ln"), 0);
	FAILS(kos_readlink("/ln", cwd, sizeof cwd), EIO);
	lie_about(FS_OP_READLINK, LIE_ERRNO);
	FAILS(kos_stat("/ln", &st), EIO);
	lie_about(FS_OP_RELEASE, LIE_ERRNO);
	FAILS(kos_close(fd), EIO); /* the descriptor is closed all the same */
	FAILS(kos_close(fd), EBADF);
	lie_about(FS_OP_OPEN_NAME, LIE_ERRNO);
	FAILS(kos_open("/lies", O_RDWR | O_TRUNC), EIO);
	FAILS(kos_open("/lies", O_RDWR), EIO);
	lie_about(FS_OP_OPEN_NAME, LIE_ZERO); /* "not opened", yet not a symlink */
	FAILS(kos_open("/lies", O_RDWR), EIO);
	lie_about(FS_OP_OPEN, LIE_ERRNO);
	FAILS(kos_open("/", O_RDONLY), EIO);
	lie_about(FS_OP_WRITE, LIE_STATUS);
	fd = kos_open("/lies", O_RDWR | O_APPEND);
	FAILS(kos_write(fd, data, 10), EIO);
	lie_about(0, LIE_NONE);
	assert_int_equal(kos_chdir("/"), 0);
	assert_int_equal(kos_close(fd), 0);
	assert_int_equal(kos_unlink("/ln"), 0);
	assert_int_equal(kos_rmdir("/sub"), 0);
	assert_int_equal(kos_unlink("/lies"), 0);
	pw_serve_inline(&world, 0);
}

/* Whole pages of a page-aligned buffer go to the server as they are (the
 * engine copies straight into them); what is left over goes inline or
 * through a window. */
static void test_direct_transfers(void **state)
{
	(void)state;
	size_t size = 3 * 4096 + 100;
	uint8_t *data = pw_low_pages(4 * 4096), *back = pw_low_pages(4 * 4096);
	assert_non_null(data);
	assert_non_null(back);
	for (size_t i = 0; i < size; i++)
		data[i] = (uint8_t)(i * 7 + (i >> 12));
	lie_about(0, LIE_NONE);
	int fd = kos_open("/direct", O_CREAT | O_RDWR | O_APPEND, 0644);
	assert_int_equal(kos_write(fd, data, size), (ssize_t)size);
	assert_int_equal(kos_lseek(fd, 0, SEEK_CUR), (off_t)size);
	assert_int_equal(large_seen[FS_OP_WRITE], 0); /* the tail: inline */
	memset(back, 0xee, 4 * 4096);
	assert_int_equal(kos_pread(fd, back, 3 * 4096, 0), 3 * 4096);
	assert_int_equal(large_seen[FS_OP_READ], (uint64_t)(uintptr_t)back);
	assert_memory_equal(back, data, 3 * 4096);
	assert_int_equal(back[3 * 4096], 0xee);
	/* Short at the end of the file, into pages the server may write. */
	memset(back, 0, 4 * 4096);
	assert_int_equal(kos_pread(fd, back, 2 * 4096, 2 * 4096), 4096 + 100);
	assert_memory_equal(back, data + 2 * 4096, 4096 + 100);
	/* The server's count is checked as on the window path. */
	lie_about(FS_OP_READ, LIE_COUNT);
	FAILS(kos_pread(fd, back, 4096, 0), EIO);
	lie_about(0, LIE_NONE);
	assert_int_equal(kos_close(fd), 0);
	/* Written from the caller's pages, in one request per call. */
	fd = kos_open("/direct", O_RDWR | O_TRUNC);
	assert_int_equal(kos_pwrite(fd, data, 3 * 4096, 0), 3 * 4096);
	assert_int_equal(large_seen[FS_OP_WRITE], (uint64_t)(uintptr_t)data);
	assert_int_equal(kos_read(fd, back + 1, 3 * 4096), 3 * 4096); /* misaligned: a window */
	assert_int_not_equal(large_seen[FS_OP_READ], (uint64_t)(uintptr_t)back + 1);
	assert_memory_equal(back + 1, data, 3 * 4096);
	assert_int_equal(kos_close(fd), 0);
	assert_int_equal(kos_unlink("/direct"), 0);
	pw_serve_inline(&world, 0);
	munmap(data, 4 * 4096);
	munmap(back, 4 * 4096);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_console, check),
		cmocka_unit_test_teardown(test_root_and_absolute, check),
		cmocka_unit_test_teardown(test_descriptor_limits, check),
		cmocka_unit_test_teardown(test_large_transfers, check),
		cmocka_unit_test_teardown(test_aio_arguments, check),
		cmocka_unit_test_teardown(test_proc_init, check),
		cmocka_unit_test_teardown(test_lying_server, check),
		cmocka_unit_test_teardown(test_direct_transfers, check),
		cmocka_unit_test_teardown(test_invariants_catch, check),
	};
	return cmocka_run_group_tests_name("posix_edge", tests, setup, teardown);
}
