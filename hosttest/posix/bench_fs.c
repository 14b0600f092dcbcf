/* SPDX-License-Identifier: MIT */
/*
 * The file-system benchmark's program (ci/bench, docs/benchmarks.md): one
 * operation, run `iterations` times inside bench_op (callgrind counts only
 * there, --toggle-collect=bench_op), either through the whole stack
 * ("fs_<op>": libos -> channel -> fs_server -> ext2 engine -> block cache,
 * the server served inline in this thread) or by libext2fs ("ext2fs_<op>",
 * the library e2fsprogs uses), each on a fresh image of the same geometry
 * (mke2fs -t ext2, 4 KiB blocks, 64 MiB). Prints one JSON object: the
 * iterations and the blocks written per operation (counted at the block
 * port / libext2fs's test I/O manager, including the final write-back).
 * Usage: bench_fs <fs_|ext2fs_><op> <iterations>
 */
#include <errno.h>
#include <ext2fs/ext2fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Both e2fsprogs's headers and the engine's name the root inode (2). */
#undef EXT2_ROOT_INO
#include "channel_bench.h"
#include "posix_world.h"
#include "word_copy.h"

#define CHUNK 4096u
#define MIB (1u << 20)
#define COLD_FILE (4u * MIB)
#define SEQ_FILES 16u

enum op { STAT, OPEN_CLOSE, READ_CACHED, READ_COLD, WRITE_4K, CREATE_UNLINK, SEQ_WRITE, SEQ_READ };
static const char *const op_names[] = { "stat",         "open_close", "read_4k_cached",
					"read_4k_cold", "write_4k",   "create_unlink",
					"seq_write_1m", "seq_read_1m" };

/* The caller's buffer, both sides: page-aligned and below 2^38, as a
 * program's buffer in the system is (the stack then hands its pages to the
 * server as they are: docs/posix.md). */
static uint8_t *buffer;

/* ---- Through the stack ---------------------------------------------------------------------- */

static struct posix_world world;
static int fs_fd;

static void fs_prepare(enum op op)
{
	if (pw_make_image(&world, 64, 4096) != 0 || pw_mount(&world) != 0 ||
	    pw_client(&world, 0) == NULL)
		exit(2);
	posix_proc_use(&world.client[0].proc);
	int fd = kos_open("/f", O_CREAT | O_RDWR, 0644);
	memset(buffer, 'b', MIB);
	size_t size = op == SEQ_READ ? SEQ_FILES * MIB : op == READ_COLD ? COLD_FILE : MIB;
	if (op != SEQ_WRITE) {
		for (size_t at = 0; at < size; at += MIB)
			if (kos_write(fd, buffer, MIB) != MIB)
				exit(2);
	}
	kos_close(fd);
	/* Start from what is on the disk: a cold cache, nothing dirty. */
	pw_unmount(&world, false);
	if (pw_mount(&world) != 0 || pw_client(&world, 0) == NULL)
		exit(2);
	posix_proc_use(&world.client[0].proc);
	fs_fd = kos_open("/f", O_RDWR);
	if (op == READ_CACHED)
		kos_pread(fs_fd, buffer, CHUNK, 0);
	world.sectors_written = 0;
}

static void fs_op(enum op op, unsigned i)
{
	struct stat st;
	char name[16];
	switch (op) {
	case STAT: kos_stat("/f", &st); break;
	case OPEN_CLOSE: kos_close(kos_open("/f", O_RDONLY)); break;
	case READ_CACHED: kos_pread(fs_fd, buffer, CHUNK, 0); break;
	case READ_COLD: kos_pread(fs_fd, buffer, CHUNK, (off_t)i * CHUNK % COLD_FILE); break;
	case WRITE_4K: kos_pwrite(fs_fd, buffer, CHUNK, (off_t)(i % 256) * CHUNK); break;
	case CREATE_UNLINK:
		snprintf(name, sizeof name, "/n%u", i);
		kos_close(kos_open(name, O_CREAT | O_WRONLY, 0644));
		kos_unlink(name);
		break;
	case SEQ_WRITE: kos_pwrite(fs_fd, buffer, MIB, (off_t)i * MIB); break;
	case SEQ_READ: kos_pread(fs_fd, buffer, MIB, (off_t)(i % SEQ_FILES) * MIB); break;
	}
}

static uint64_t fs_finish(void)
{
	kos_close(fs_fd);
	ext2_sync(world.fs);
	uint64_t blocks = world.sectors_written / (4096 / 512);
	pw_unmount(&world, false);
	pw_remove(&world);
	return blocks;
}

/* ---- libext2fs ------------------------------------------------------------------------------ */

static ext2_filsys fs;
static ext2_file_t file;
static ext2_ino_t file_ino;
static uint64_t blocks_written;
static char ext2fs_dir[64];
static bool ext2fs_reopen; /* "ext2fsreopen_": a file handle per read */

static void count_writes(unsigned long long block, int count, errcode_t err)
{
	(void)block;
	(void)err;
	/* count < 0 is a byte count (libext2fs's convention). */
	blocks_written += count < 0 ? ((uint64_t)-count + 4095) / 4096 : (uint64_t)count;
}

static void count_writes32(unsigned long block, int count, errcode_t err)
{
	count_writes(block, count, err);
}

static void must(errcode_t err, const char *what)
{
	if (err != 0) {
		fprintf(stderr, "bench_fs: %s: %s\n", what, error_message(err));
		exit(2);
	}
}

static void ext2fs_mount(const char *image)
{
	/* The test I/O manager copies its callbacks when it opens. */
	test_io_backing_manager = unix_io_manager;
	test_io_cb_write_blk64 = count_writes;
	test_io_cb_write_blk = count_writes32;
	must(ext2fs_open(image, EXT2_FLAG_RW | EXT2_FLAG_64BITS, 0, 0, test_io_manager, &fs),
	     "open");
	must(ext2fs_read_bitmaps(fs), "bitmaps");
	/* The primary superblock only, as the engine writes it: backups are
	 * e2fsck's and mke2fs's business. */
	fs->flags |= EXT2_FLAG_MASTER_SB_ONLY;
}

/* A new regular file `name` in the root (as debugfs's write does). */
static ext2_ino_t ext2fs_create(const char *name)
{
	ext2_ino_t ino;
	must(ext2fs_new_inode(fs, EXT2_ROOT_INO, 0100644, 0, &ino), "new inode");
	errcode_t err = ext2fs_link(fs, EXT2_ROOT_INO, name, ino, EXT2_FT_REG_FILE);
	if (err == EXT2_ET_DIR_NO_SPACE) {
		must(ext2fs_expand_dir(fs, EXT2_ROOT_INO), "expand");
		err = ext2fs_link(fs, EXT2_ROOT_INO, name, ino, EXT2_FT_REG_FILE);
	}
	must(err, "link");
	ext2fs_inode_alloc_stats2(fs, ino, +1, 0);
	struct ext2_inode inode;
	memset(&inode, 0, sizeof inode);
	inode.i_mode = 0100644;
	inode.i_links_count = 1;
	inode.i_atime = inode.i_ctime = inode.i_mtime = (__u32)time(NULL);
	must(ext2fs_write_new_inode(fs, ino, &inode), "write inode");
	return ino;
}

/* POSIX marks a changed directory's (and a written file's) data
 * modification and status change times; libext2fs's calls leave that to
 * their caller (as fuse2fs does it: read the inode, set, write it). */
static void ext2fs_touch(ext2_ino_t ino)
{
	struct ext2_inode inode;
	must(ext2fs_read_inode(fs, ino, &inode), "read inode");
	inode.i_mtime = inode.i_ctime = (__u32)time(NULL);
	must(ext2fs_write_inode(fs, ino, &inode), "write inode");
}

/* unlink(name): a POSIX caller knows only the name, so the entry is found
 * first (and the inode read: a directory is EISDIR). */
static void ext2fs_remove(const char *name)
{
	ext2_ino_t ino;
	must(ext2fs_lookup(fs, EXT2_ROOT_INO, name, (int)strlen(name), NULL, &ino), "lookup");
	struct ext2_inode inode;
	must(ext2fs_read_inode(fs, ino, &inode), "read inode");
	if (LINUX_S_ISDIR(inode.i_mode))
		exit(2);
	must(ext2fs_unlink(fs, EXT2_ROOT_INO, name, ino, 0), "unlink");
	ext2fs_touch(EXT2_ROOT_INO);
	inode.i_links_count = 0;
	inode.i_dtime = (__u32)time(NULL);
	must(ext2fs_write_inode(fs, ino, &inode), "write inode");
	if (ext2fs_inode_has_valid_blocks2(fs, &inode))
		must(ext2fs_punch(fs, ino, &inode, NULL, 0, ~0ULL), "punch");
	ext2fs_inode_alloc_stats2(fs, ino, -1, 0);
}

/* open(name, O_CREAT): the name is looked up first (an existing file is
 * opened, not created again), then created, and the directory's times
 * set. */
static ext2_ino_t ext2fs_open_create(const char *name)
{
	ext2_ino_t ino;
	if (ext2fs_lookup(fs, EXT2_ROOT_INO, name, (int)strlen(name), NULL, &ino) == 0)
		return ino;
	ino = ext2fs_create(name);
	ext2fs_touch(EXT2_ROOT_INO);
	return ino;
}

/* write(): the data, then the file's times (POSIX marks them on every
 * successful write; the engine's write does). */
static void ext2fs_file_put(const void *data, unsigned int length)
{
	unsigned int got;
	must(ext2fs_file_write(file, data, length, &got), "write");
	struct ext2_inode *inode = ext2fs_file_get_inode(file);
	inode->i_mtime = inode->i_ctime = (__u32)time(NULL);
	must(ext2fs_write_inode(fs, file_ino, inode), "write inode");
}

static void ext2fs_prepare(enum op op)
{
	snprintf(ext2fs_dir, sizeof ext2fs_dir, "/tmp/kestrel-bench-XXXXXX");
	if (mkdtemp(ext2fs_dir) == NULL)
		exit(2);
	char image[128], command[256];
	snprintf(image, sizeof image, "%s/image", ext2fs_dir);
	snprintf(command, sizeof command, "mke2fs -t ext2 -q -F -b 4096 %s 64M >/dev/null 2>&1",
		 image);
	if (pw_run(command) != 0)
		exit(2);
	ext2fs_mount(image);
	file_ino = ext2fs_create("f");
	must(ext2fs_file_open(fs, file_ino, EXT2_FILE_WRITE, &file), "file open");
	memset(buffer, 'b', MIB);
	size_t size = op == SEQ_READ ? SEQ_FILES * MIB : op == READ_COLD ? COLD_FILE : MIB;
	unsigned int got;
	if (op != SEQ_WRITE) {
		for (size_t at = 0; at < size; at += MIB)
			must(ext2fs_file_write(file, buffer, MIB, &got), "write");
	}
	must(ext2fs_file_close(file), "close");
	must(ext2fs_close_free(&fs), "unmount");
	ext2fs_mount(image);
	must(ext2fs_file_open(fs, file_ino, EXT2_FILE_WRITE, &file), "file open");
	if (op == READ_CACHED)
		must(ext2fs_file_read(file, buffer, CHUNK, &got), "read");
	blocks_written = 0;
}

static void ext2fs_op(enum op op, unsigned i)
{
	ext2_ino_t ino;
	struct ext2_inode inode;
	ext2_file_t other;
	unsigned int got;
	char name[16];
	switch (op) {
	case STAT:
		must(ext2fs_namei(fs, EXT2_ROOT_INO, EXT2_ROOT_INO, "f", &ino), "namei");
		must(ext2fs_read_inode(fs, ino, &inode), "read inode");
		break;
	case OPEN_CLOSE:
		must(ext2fs_namei(fs, EXT2_ROOT_INO, EXT2_ROOT_INO, "f", &ino), "namei");
		must(ext2fs_file_open(fs, ino, 0, &other), "open");
		must(ext2fs_file_close(other), "close");
		break;
	case READ_CACHED:
		if (ext2fs_reopen) {
			/* A libext2fs file handle keeps its own copy of the inode
			 * and of the last block it read, which another handle's
			 * write does not update; a server of several clients
			 * opens the file for each read (as fuse2fs does) to read
			 * what is on the file system now. */
			must(ext2fs_file_open(fs, file_ino, 0, &other), "open");
			must(ext2fs_file_llseek(other, 0, EXT2_SEEK_SET, NULL), "seek");
			must(ext2fs_file_read(other, buffer, CHUNK, &got), "read");
			must(ext2fs_file_close(other), "close");
			break;
		}
		must(ext2fs_file_llseek(file, 0, EXT2_SEEK_SET, NULL), "seek");
		must(ext2fs_file_read(file, buffer, CHUNK, &got), "read");
		break;
	case READ_COLD:
		must(ext2fs_file_llseek(file, (__u64)i * CHUNK % COLD_FILE, EXT2_SEEK_SET, NULL),
		     "seek");
		must(ext2fs_file_read(file, buffer, CHUNK, &got), "read");
		break;
	case WRITE_4K:
		must(ext2fs_file_llseek(file, (__u64)(i % 256) * CHUNK, EXT2_SEEK_SET, NULL),
		     "seek");
		ext2fs_file_put(buffer, CHUNK);
		break;
	case CREATE_UNLINK:
		snprintf(name, sizeof name, "n%u", i);
		ino = ext2fs_open_create(name);
		must(ext2fs_file_open(fs, ino, EXT2_FILE_WRITE, &other), "open");
		must(ext2fs_file_close(other), "close");
		ext2fs_remove(name);
		break;
	case SEQ_WRITE:
		must(ext2fs_file_llseek(file, (__u64)i * MIB, EXT2_SEEK_SET, NULL), "seek");
		ext2fs_file_put(buffer, MIB);
		break;
	case SEQ_READ:
		must(ext2fs_file_llseek(file, (__u64)(i % SEQ_FILES) * MIB, EXT2_SEEK_SET, NULL),
		     "seek");
		must(ext2fs_file_read(file, buffer, MIB, &got), "read");
		break;
	}
}

static uint64_t ext2fs_finish(void)
{
	must(ext2fs_file_close(file), "close");
	must(ext2fs_close_free(&fs), "unmount");
	char command[128];
	snprintf(command, sizeof command, "rm -rf %s", ext2fs_dir);
	(void)pw_run(command);
	return blocks_written;
}

/* ---- The floor of a cached read ------------------------------------------------------------ */

/*
 * What any client/server read of 4 KiB that the server holds in memory
 * costs before it checks or looks up anything: one request/reply pair
 * through a channel with every check and all bookkeeping left out
 * (channel_bench_pair_floor, the channel's floor_rr_8b) plus one copy of
 * the 4 KiB from the server's cached block into the caller's pages. With
 * the stack's copy loop ("floor_"), and with the C library's memcpy, the
 * one libext2fs uses ("floorlibc_"). No file system at all: a reference.
 */
static struct channel_doorbell floor_bells[2];
static uint8_t *floor_block;
static bool floor_libc;
/* The C library's own memcpy (as libext2fs calls it), not GCC's inline
 * expansion of a constant-size copy. */
static void *(*volatile libc_memcpy)(void *, const void *, size_t) = memcpy;

_Noreturn void channel_bench_fail(enum error err, const char *what)
{
	fprintf(stderr, "bench_fs: floor: %s failed (%d)\n", what, (int)err);
	exit(2);
}

static void floor_prepare(bool libc)
{
	floor_libc = libc;
	channel_doorbell_init(&floor_bells[0]);
	channel_doorbell_init(&floor_bells[1]);
	if (channel_bench_init(&floor_bells[0], &floor_bells[1]) != ERR_OK)
		exit(2);
	channel_bench_prepare(8);
	floor_block = aligned_alloc(4096, CHUNK);
	memset(floor_block, 'c', CHUNK);
}

static void floor_op(unsigned i)
{
	channel_bench_pair_floor(i);
	if (floor_libc)
		libc_memcpy(buffer, floor_block, CHUNK);
	else
		word_copy(buffer, floor_block, CHUNK);
}

/* ---- The measured driver ------------------------------------------------------------------- */

enum side { STACK, EXT2FS, FLOOR };

__attribute__((noinline)) void bench_op(enum side side, enum op op, unsigned iterations);
__attribute__((noinline)) void bench_op(enum side side, enum op op, unsigned iterations)
{
	for (unsigned i = 0; i < iterations; i++) {
		switch (side) {
		case STACK: fs_op(op, i); break;
		case EXT2FS: ext2fs_op(op, i); break;
		case FLOOR: floor_op(i); break;
		}
	}
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	enum side side = strncmp(argv[1], "fs_", 3) == 0     ? STACK
			 : strncmp(argv[1], "floor", 5) == 0 ? FLOOR
							     : EXT2FS;
	const char *op_name = strchr(argv[1], '_');
	unsigned iterations = (unsigned)strtoul(argv[2], NULL, 10);
	if (op_name == NULL || iterations == 0)
		return 2;
	enum op op = STAT;
	while (op <= SEQ_READ && strcmp(op_names[op], op_name + 1) != 0)
		op++;
	if (op > SEQ_READ || (side == FLOOR && op != READ_CACHED))
		return 2;
	buffer = pw_low_pages(MIB);
	if (buffer == NULL)
		return 2;
	if (op == SEQ_WRITE && iterations > SEQ_FILES)
		iterations = SEQ_FILES;
	switch (side) {
	case STACK: fs_prepare(op); break;
	case EXT2FS:
		ext2fs_reopen = strncmp(argv[1], "ext2fsreopen_", 13) == 0;
		if (ext2fs_reopen && op != READ_CACHED)
			return 2;
		ext2fs_prepare(op);
		break;
	case FLOOR: floor_prepare(strncmp(argv[1], "floorlibc_", 10) == 0); break;
	}
	bench_op(side, op, iterations);
	uint64_t blocks = side == STACK ? fs_finish() : side == EXT2FS ? ext2fs_finish() : 0;
	printf("{\"iterations\": %u, \"blocks_written\": %.2f}\n", iterations,
	       (double)blocks / iterations);
	return 0;
}
