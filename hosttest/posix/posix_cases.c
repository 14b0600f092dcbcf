/* SPDX-License-Identifier: MIT */
/*
 * The differential POSIX cases, written once against the POSIX API. Built
 * twice (posix_cases.h): against the host's C library on Linux (the
 * oracle) and against libos + the file server + the ext2 engine. Each case
 * starts in a fresh empty directory (its cwd) and records every result and
 * errno; both runs must record the same. Every process is root on both
 * sides: where Linux's answer depends on that (access, permissions), the
 * case says so. Paths are relative, so the two runs see the same tree.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <aio.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "posix_cases.h"

#if POSIX_CASES_VARIANT == 1
#include "posix_rename.h"
#define TABLE posix_cases_libos
#else
#define TABLE posix_cases_oracle
#endif

#define CASE(name)                                                                                 \
	static void case_##name(void);                                                             \
	__attribute__((constructor)) static void register_##name(void)                             \
	{                                                                                          \
		posix_case_register(&TABLE, #name, __LINE__, case_##name);                         \
	}                                                                                          \
	static void case_##name(void)

/* Record a call's result (and errno when it fails); the value is the
 * call's. */
#define R(e)                                                                                       \
	({                                                                                         \
		errno = 0;                                                                         \
		long r_ = (long)(e);                                                               \
		case_int(__LINE__, #e, r_, errno);                                                 \
	})
#define FD(e)                                                                                      \
	({                                                                                         \
		errno = 0;                                                                         \
		int r_ = (e);                                                                      \
		case_fd(__LINE__, #e, r_, errno);                                                  \
	})
#define P(e)                                                                                       \
	({                                                                                         \
		errno = 0;                                                                         \
		void *r_ = (void *)(e);                                                            \
		case_ptr(__LINE__, #e, r_, errno);                                                 \
	})

#define NAME255                                                                                    \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static void log_bytes(const uint8_t *bytes, long n)
{
	if (n <= 0)
		return;
	uint64_t hash = 1469598103934665603ull;
	for (long i = 0; i < n; i++)
		hash = (hash ^ bytes[i]) * 1099511628211ull;
	char shown[80];
	long k = 0;
	for (long i = 0; i < n && k < 64; i++)
		shown[k++] = bytes[i] >= 32 && bytes[i] < 127 ? (char)bytes[i] : '.';
	shown[k] = 0;
	case_log("  %ld bytes %016llx \"%s\"", n, (unsigned long long)hash, shown);
}

static void log_stat(const struct stat *s)
{
	char type = S_ISREG(s->st_mode)   ? 'f'
		    : S_ISDIR(s->st_mode) ? 'd'
		    : S_ISLNK(s->st_mode) ? 'l'
					  : '?';
	/* A directory's size is the file system's business (ext4 and ext2
	 * blocks differ), so it is not compared. */
	case_log("  stat %c %04o links %lu size %lld uid %u gid %u", type,
		 (unsigned)(s->st_mode & 07777), (unsigned long)s->st_nlink,
		 type == 'd' ? 0ll : (long long)s->st_size, (unsigned)s->st_uid,
		 (unsigned)s->st_gid);
}

static void put(const char *path, const char *text)
{
	int fd = FD(open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644));
	if (fd < 0)
		return;
	R(write(fd, text, strlen(text)));
	R(close(fd));
}

static void cat(const char *path)
{
	int fd = FD(open(path, O_RDONLY));
	if (fd < 0)
		return;
	static uint8_t buf[1 << 21];
	long n = R(read(fd, buf, sizeof buf));
	log_bytes(buf, n);
	R(close(fd));
}

static void st(const char *path)
{
	struct stat s;
	if (R(stat(path, &s)) == 0)
		log_stat(&s);
}

static void lst(const char *path)
{
	struct stat s;
	if (R(lstat(path, &s)) == 0)
		log_stat(&s);
}

static void fst(int fd)
{
	struct stat s;
	if (R(fstat(fd, &s)) == 0)
		log_stat(&s);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of a directory, sorted (the two file systems order them
 * differently), with their types. */
static void ls(const char *path)
{
	DIR *d = P(opendir(path));
	if (d == NULL)
		return;
	char *names[256];
	int count = 0;
	struct dirent *e;
	while (count < 256 && (e = readdir(d)) != NULL) {
		char *s = malloc(strlen(e->d_name) + 4);
		sprintf(s, "%s:%d", e->d_name, e->d_type);
		names[count++] = s;
	}
	qsort(names, (size_t)count, sizeof names[0], by_name);
	case_log("  ls %s: %d entries", path, count);
	for (int i = 0; i < count; i++) {
		case_log("   %s", names[i]);
		free(names[i]);
	}
	R(closedir(d));
}

static void cwd(void)
{
	char buf[4096];
	char *p = P(getcwd(buf, sizeof buf));
	if (p != NULL)
		case_log("  cwd %s", buf + strlen(case_base));
}

/* ---- open --------------------------------------------------------------------------------- */

CASE(open_missing)
{
	FD(open("nope", O_RDONLY));
}
CASE(open_creat_new)
{
	int fd = FD(open("f", O_CREAT | O_WRONLY, 0640));
	fst(fd);
	R(close(fd));
	st("f");
}
CASE(open_creat_existing)
{
	put("f", "hello");
	int fd = FD(open("f", O_CREAT | O_RDWR, 0600));
	fst(fd);
	R(close(fd));
	cat("f");
}
CASE(open_creat_excl_existing)
{
	put("f", "x");
	FD(open("f", O_CREAT | O_EXCL | O_RDWR, 0600));
}
CASE(open_creat_excl_new)
{
	int fd = FD(open("f", O_CREAT | O_EXCL | O_RDWR, 0600));
	R(close(fd));
	st("f");
}
CASE(open_creat_excl_symlink)
{
	R(symlink("target", "l"));
	FD(open("l", O_CREAT | O_EXCL | O_RDWR, 0600));
	FD(open("target", O_RDONLY));
}
CASE(open_creat_dangling_symlink)
{
	R(symlink("target", "l"));
	int fd = FD(open("l", O_CREAT | O_RDWR, 0600));
	R(close(fd));
	st("target");
	lst("l");
}
CASE(open_creat_nofollow_symlink)
{
	put("t", "x");
	R(symlink("t", "l"));
	FD(open("l", O_CREAT | O_NOFOLLOW | O_RDWR, 0600));
}
CASE(open_trunc)
{
	put("f", "hello world");
	int fd = FD(open("f", O_TRUNC | O_WRONLY));
	fst(fd);
	R(close(fd));
}
CASE(open_trunc_rdonly)
{
	/* Linux truncates even when O_RDONLY (unspecified by POSIX). */
	put("f", "hello world");
	int fd = FD(open("f", O_TRUNC | O_RDONLY));
	fst(fd);
	R(close(fd));
}
CASE(open_directory_on_file)
{
	put("f", "x");
	FD(open("f", O_RDONLY | O_DIRECTORY));
}
CASE(open_directory_on_dir)
{
	R(mkdir("d", 0755));
	int fd = FD(open("d", O_RDONLY | O_DIRECTORY));
	fst(fd);
	R(close(fd));
}
CASE(open_dir_for_write)
{
	R(mkdir("d", 0755));
	FD(open("d", O_WRONLY));
	FD(open("d", O_RDWR));
}
CASE(open_dir_trunc)
{
	/* O_TRUNC asks for write access (Linux's may_open): EISDIR on a
	 * directory even with O_RDONLY, by a plain name or by ".". */
	R(mkdir("d", 0755));
	FD(open("d", O_RDONLY | O_TRUNC));
	FD(open("d/.", O_RDONLY | O_TRUNC));
	FD(open("d/", O_RDONLY | O_TRUNC | O_DIRECTORY));
}
CASE(open_creat_on_dir)
{
	R(mkdir("d", 0755));
	FD(open("d", O_CREAT | O_RDONLY, 0644));
}
CASE(open_creat_directory_flags)
{
	FD(open("n", O_CREAT | O_DIRECTORY | O_RDONLY, 0644));
}
CASE(open_nofollow_symlink)
{
	put("t", "x");
	R(symlink("t", "l"));
	FD(open("l", O_RDONLY | O_NOFOLLOW));
}
CASE(open_nofollow_regular)
{
	put("t", "x");
	int fd = FD(open("t", O_RDONLY | O_NOFOLLOW));
	R(close(fd));
}
CASE(open_through_symlink)
{
	put("t", "data");
	R(symlink("t", "l"));
	cat("l");
}
CASE(open_trailing_slash_file)
{
	put("f", "x");
	FD(open("f/", O_RDONLY));
}
CASE(open_trailing_slash_creat)
{
	FD(open("n/", O_CREAT | O_RDWR, 0644));
	put("f", "x");
	FD(open("f/", O_CREAT | O_RDWR, 0644));
}
CASE(open_trailing_slash_dir)
{
	R(mkdir("d", 0755));
	int fd = FD(open("d/", O_RDONLY));
	R(close(fd));
}
CASE(open_empty_path)
{
	FD(open("", O_RDONLY));
	FD(open("", O_CREAT | O_RDWR, 0644));
}
CASE(open_name_too_long)
{
	FD(open(NAME255 "b", O_CREAT | O_RDWR, 0644));
	int fd = FD(open(NAME255, O_CREAT | O_RDWR, 0644));
	R(close(fd));
	st(NAME255);
}
CASE(open_missing_parent)
{
	FD(open("nodir/f", O_CREAT | O_RDWR, 0644));
}
CASE(open_file_as_parent)
{
	put("f", "x");
	FD(open("f/g", O_CREAT | O_RDWR, 0644));
	FD(open("f/g", O_RDONLY));
}
CASE(open_mode_umask)
{
	R(umask(027));
	int fd = FD(open("f", O_CREAT | O_RDWR, 0777));
	fst(fd);
	R(close(fd));
	R(umask(022));
}
CASE(open_dot)
{
	int fd = FD(open(".", O_RDONLY));
	R(close(fd));
	FD(open(".", O_CREAT | O_RDONLY, 0644));
	FD(open("..", O_WRONLY));
}
CASE(open_cloexec)
{
	int fd = FD(open("f", O_CREAT | O_RDWR | O_CLOEXEC, 0644));
	R(fcntl(fd, F_GETFD));
	R(close(fd));
	fd = FD(open("f", O_RDWR));
	R(fcntl(fd, F_GETFD));
	R(close(fd));
}
CASE(openat_relative)
{
	R(mkdir("d", 0755));
	int dfd = FD(open("d", O_RDONLY | O_DIRECTORY));
	int fd = FD(openat(dfd, "f", O_CREAT | O_RDWR, 0644));
	R(write(fd, "abc", 3));
	R(close(fd));
	R(close(dfd));
	cat("d/f");
}
CASE(openat_file_dirfd)
{
	put("f", "x");
	int fd = FD(open("f", O_RDONLY));
	FD(openat(fd, "g", O_RDONLY));
	R(close(fd));
}
CASE(openat_bad_dirfd)
{
	FD(openat(200, "g", O_RDONLY));
	put("abs", "x");
}
CASE(openat_cwd)
{
	put("f", "cwd");
	int fd = FD(openat(AT_FDCWD, "f", O_RDONLY));
	R(close(fd));
}
CASE(creat_truncates)
{
	put("f", "long content");
	int fd = FD(creat("f", 0644));
	R(write(fd, "ab", 2));
	R(close(fd));
	cat("f");
}

/* ---- read, write, lseek ------------------------------------------------------------------- */

CASE(write_read_back)
{
	int fd = FD(open("f", O_CREAT | O_RDWR, 0644));
	R(write(fd, "hello", 5));
	R(lseek(fd, 0, SEEK_CUR));
	R(lseek(fd, 0, SEEK_SET));
	char b[16] = { 0 };
	R(read(fd, b, sizeof b));
	case_log("  %s", b);
	R(read(fd, b, sizeof b));
	R(close(fd));
}
CASE(read_on_wronly)
{
	int fd = FD(open("f", O_CREAT | O_WRONLY, 0644));
	char b[4];
	R(read(fd, b, 4));
	R(close(fd));
}
CASE(write_on_rdonly)
{
	put("f", "x");
	int fd = FD(open("f", O_RDONLY));
	R(write(fd, "a", 1));
	R(close(fd));
}
CASE(read_bad_fd)
{
	char b[4];
	R(read(-1, b, 4));
	R(read(177, b, 4));
	R(write(177, b, 4));
}
CASE(read_directory)
{
	R(mkdir("d", 0755));
	int fd = FD(open("d", O_RDONLY));
	char b[4];
	R(read(fd, b, 4));
	R(read(fd, b, 0));
	R(close(fd));
}
CASE(read_zero_bytes)
{
	put("f", "abc");
	int fd = FD(open("f", O_RDONLY));
	char b[4];
	R(read(fd, b, 0));
	R(lseek(fd, 0, SEEK_CUR));
	R(close(fd));
}
CASE(write_zero_bytes)
{
	int fd = FD(open("f", O_CREAT | O_RDWR, 0644));
	R(write(fd, "", 0));
	fst(fd);
	R(close(fd));
}
CASE(append_mode)
{
	put("f", "abc");
	int fd = FD(open("f", O_WRONLY | O_APPEND));
	R(lseek(fd, 0, SEEK_SET));
	R(write(fd, "def", 3));
	R(lseek(fd, 0, SEEK_CUR));
	R(close(fd));
	cat("f");
}
CASE(append_two_descriptors)
{
	int a = FD(open("f", O_CREAT | O_WRONLY | O_APPEND, 0644));
	int b = FD(open("f", O_WRONLY | O_APPEND));
	R(write(a, "1111", 4));
	R(write(b, "22", 2));
	R(write(a, "3", 1));
	R(close(a));
	R(close(b));
	cat("f");
}
CASE(overwrite_middle)
{
	put("f", "0123456789");
	int fd = FD(open("f", O_RDWR));
	R(lseek(fd, 3, SEEK_SET));
	R(write(fd, "abc", 3));
	R(close(fd));
	cat("f");
}
CASE(pread_pwrite)
{
	put("f", "0123456789");
	int fd = FD(open("f", O_RDWR));
	char b[8] = { 0 };
	R(pread(fd, b, 4, 2));
	case_log("  %.4s", b);
	R(pwrite(fd, "XY", 2, 8));
	R(lseek(fd, 0, SEEK_CUR));
	R(pread(fd, b, 8, 20));
	R(close(fd));
	cat("f");
}
CASE(pread_negative_offset)
{
	put("f", "x");
	int fd = FD(open("f", O_RDWR));
	char b[2];
	R(pread(fd, b, 1, -1));
	R(pwrite(fd, b, 1, -5));
	R(close(fd));
	R(pread(fd, b, 1, -1));
	R(pread(fd, b, 1, 0));
}
CASE(pwrite_append_ignores_offset)
{
	/* Linux appends on an O_APPEND descriptor whatever pwrite's offset. */
	put("f", "abc");
	int fd = FD(open("f", O_WRONLY | O_APPEND));
	R(pwrite(fd, "Z", 1, 0));
	R(close(fd));
	cat("f");
}
CASE(pread_directory)
{
	R(mkdir("d", 0755));
	int fd = FD(open("d", O_RDONLY));
	char b[2];
	R(pread(fd, b, 1, 0));
	R(close(fd));
}
CASE(lseek_end)
{
	put("f", "0123456789");
	int fd = FD(open("f", O_RDONLY));
	R(lseek(fd, 0, SEEK_END));
	R(lseek(fd, -3, SEEK_END));
	char b[4] = { 0 };
	R(read(fd, b, 3));
	case_log("  %s", b);
	R(lseek(fd, 5, SEEK_END));
	R(lseek(fd, -20, SEEK_END));
	R(close(fd));
}
CASE(lseek_errors)
{
	put("f", "0123");
	int fd = FD(open("f", O_RDONLY));
	R(lseek(fd, -1, SEEK_SET));
	R(lseek(fd, 2, SEEK_SET));
	R(lseek(fd, -3, SEEK_CUR));
	R(lseek(fd, 0, 99));
	R(lseek(fd, 0, SEEK_CUR));
	R(close(fd));
	R(lseek(fd, 0, SEEK_SET));
}
CASE(lseek_hole_write)
{
	int fd = FD(open("f", O_CREAT | O_RDWR, 0644));
	R(lseek(fd, 10000, SEEK_SET));
	R(write(fd, "end", 3));
	fst(fd);
	char b[16];
	R(pread(fd, b, 16, 5000));
	log_bytes((uint8_t *)b, 16);
	R(pread(fd, b, 16, 9995));
	log_bytes((uint8_t *)b, 8);
	R(close(fd));
}
CASE(lseek_data_hole_past_end)
{
	put("f", "0123");
	int fd = FD(open("f", O_RDONLY));
	R(lseek(fd, 0, SEEK_DATA));
	R(lseek(fd, 0, SEEK_HOLE));
	R(lseek(fd, 4, SEEK_DATA));
	R(lseek(fd, 9, SEEK_HOLE));
	R(close(fd));
}
CASE(sparse_far_offset)
{
	int fd = FD(open("f", O_CREAT | O_RDWR, 0644));
	R(pwrite(fd, "x", 1, 5000000));
	fst(fd);
	char b[4];
	R(pread(fd, b, 4, 4999998));
	log_bytes((uint8_t *)b, 3);
	R(close(fd));
}
CASE(large_write_read)
{
	static uint8_t data[300000];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i * 7 + i / 251);
	int fd = FD(open("f", O_CREAT | O_RDWR, 0644));
	R(write(fd, data, sizeof data));
	R(lseek(fd, 12345, SEEK_SET));
	static uint8_t back[300000];
	long n = R(read(fd, back, sizeof back));
	log_bytes(back, n);
	R(close(fd));
	cat("f");
}
CASE(write_sizes)
{
	static uint8_t data[9000];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i ^ (i >> 8));
	int fd = FD(open("f", O_CREAT | O_RDWR, 0644));
	long sizes[] = { 1, 255, 256, 257, 4095, 4096, 4097, 1, 3 };
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		R(write(fd, data + i, (size_t)sizes[i]));
	fst(fd);
	R(close(fd));
	cat("f");
}
CASE(read_sizes)
{
	static uint8_t data[9000];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i * 13);
	int fd = FD(open("f", O_CREAT | O_RDWR, 0644));
	R(write(fd, data, sizeof data));
	R(lseek(fd, 0, SEEK_SET));
	long sizes[] = { 1, 255, 256, 257, 4095, 4096, 5000 };
	uint8_t back[5000];
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		long n = R(read(fd, back, (size_t)sizes[i]));
		log_bytes(back, n);
	}
	R(close(fd));
}
CASE(read_past_end)
{
	put("f", "abc");
	int fd = FD(open("f", O_RDONLY));
	R(lseek(fd, 100, SEEK_SET));
	char b[4];
	R(read(fd, b, 4));
	R(pread(fd, b, 4, 2));
	R(close(fd));
}
CASE(shared_offset_after_dup)
{
	put("f", "abcdef");
	int fd = FD(open("f", O_RDONLY));
	int d = FD(dup(fd));
	char b[4] = { 0 };
	R(read(fd, b, 2));
	R(read(d, b, 2));
	case_log("  %s", b);
	R(lseek(d, 0, SEEK_CUR));
	R(close(fd));
	R(close(d));
}
CASE(separate_offsets_two_opens)
{
	put("f", "abcdef");
	int a = FD(open("f", O_RDONLY));
	int b = FD(open("f", O_RDONLY));
	char x[4] = { 0 };
	R(read(a, x, 3));
	R(read(b, x, 2));
	case_log("  %s", x);
	R(close(a));
	R(close(b));
}
CASE(write_after_unlink)
{
	int fd = FD(open("f", O_CREAT | O_RDWR, 0644));
	R(unlink("f"));
	R(write(fd, "ghost", 5));
	fst(fd);
	char b[8] = { 0 };
	R(pread(fd, b, 5, 0));
	case_log("  %s", b);
	R(close(fd));
	st("f");
}
CASE(fsync_fdatasync)
{
	int fd = FD(open("f", O_CREAT | O_RDWR, 0644));
	R(write(fd, "sync", 4));
	R(fsync(fd));
	R(fdatasync(fd));
	R(close(fd));
	R(fsync(fd));
	R(fdatasync(-3));
	R(mkdir("d", 0755));
	fd = FD(open("d", O_RDONLY));
	R(fsync(fd));
	R(close(fd));
}

/* ---- stat ----------------------------------------------------------------------------------- */

CASE(stat_file_dir_link)
{
	put("f", "12345");
	R(mkdir("d", 0750));
	R(symlink("f", "l"));
	st("f");
	st("d");
	st("l");
	lst("l");
	lst("f");
}
CASE(stat_missing)
{
	st("nope");
	lst("nope");
	st("nope/x");
}
CASE(stat_trailing_slash)
{
	put("f", "x");
	R(mkdir("d", 0755));
	st("f/");
	st("d/");
	st("d//");
}
CASE(stat_symlink_to_dir_slash)
{
	R(mkdir("d", 0755));
	R(symlink("d", "l"));
	lst("l");
	lst("l/");
}
CASE(stat_links_count)
{
	put("f", "x");
	R(link("f", "g"));
	R(link("g", "h"));
	st("f");
	R(unlink("g"));
	st("h");
}
CASE(stat_dir_links)
{
	R(mkdir("d", 0755));
	st("d");
	R(mkdir("d/a", 0755));
	R(mkdir("d/b", 0755));
	st("d");
	R(rmdir("d/a"));
	st("d");
}
CASE(fstat_bad)
{
	struct stat s;
	R(fstat(-1, &s));
	R(fstat(99, &s));
}
CASE(fstatat_variants)
{
	put("f", "abc");
	R(symlink("f", "l"));
	R(mkdir("d", 0755));
	put("d/g", "gg");
	struct stat s;
	if (R(fstatat(AT_FDCWD, "l", &s, 0)) == 0)
		log_stat(&s);
	if (R(fstatat(AT_FDCWD, "l", &s, AT_SYMLINK_NOFOLLOW)) == 0)
		log_stat(&s);
	int dfd = FD(open("d", O_RDONLY | O_DIRECTORY));
	if (R(fstatat(dfd, "g", &s, 0)) == 0)
		log_stat(&s);
	R(fstatat(dfd, "zz", &s, 0));
	R(fstatat(dfd, "g", &s, 0x4000000));
	R(close(dfd));
}
CASE(fstatat_empty_path)
{
	put("f", "abcd");
	int fd = FD(open("f", O_RDONLY));
	struct stat s;
	if (R(fstatat(fd, "", &s, AT_EMPTY_PATH)) == 0)
		log_stat(&s);
	R(fstatat(fd, "", &s, 0));
	R(close(fd));
}
CASE(stat_after_write)
{
	int fd = FD(open("f", O_CREAT | O_RDWR, 0644));
	R(write(fd, "abc", 3));
	struct stat s;
	R(stat("f", &s));
	log_stat(&s);
	R(pwrite(fd, "z", 1, 9));
	fst(fd);
	R(close(fd));
}
CASE(stat_permissions)
{
	int fd = FD(open("f", O_CREAT | O_RDWR, 04755));
	fst(fd);
	R(close(fd));
	R(mkdir("d", 01777));
	st("d");
}
CASE(statvfs_basic)
{
	struct statvfs v;
	R(statvfs(".", &v));
	R(statvfs("nope", &v));
	put("f", "x");
	int fd = FD(open("f", O_RDONLY));
	R(fstatvfs(fd, &v));
	R(close(fd));
	R(fstatvfs(fd, &v));
}

/* ---- truncate ------------------------------------------------------------------------------ */

CASE(ftruncate_shrink_grow)
{
	put("f", "0123456789");
	int fd = FD(open("f", O_RDWR));
	R(ftruncate(fd, 4));
	fst(fd);
	R(ftruncate(fd, 8));
	fst(fd);
	char b[8];
	R(pread(fd, b, 8, 0));
	log_bytes((uint8_t *)b, 8);
	R(close(fd));
}
CASE(ftruncate_errors)
{
	put("f", "x");
	int fd = FD(open("f", O_RDONLY));
	R(ftruncate(fd, 0));
	R(ftruncate(fd, -1));
	R(close(fd));
	R(ftruncate(fd, 0));
	R(ftruncate(fd, -1));
	R(mkdir("d", 0755));
	fd = FD(open("d", O_RDONLY));
	R(ftruncate(fd, 0));
	R(close(fd));
}
CASE(truncate_path)
{
	put("f", "abcdef");
	R(truncate("f", 2));
	cat("f");
	R(truncate("f", 0));
	st("f");
	R(truncate("nope", 1));
	R(truncate("f", -1));
	R(mkdir("d", 0755));
	R(truncate("d", 0));
	R(truncate("f/", 0));
}
CASE(truncate_through_symlink)
{
	put("f", "abcdef");
	R(symlink("f", "l"));
	R(truncate("l", 3));
	st("f");
	lst("l");
}
CASE(truncate_then_write_beyond)
{
	put("f", "abcdef");
	int fd = FD(open("f", O_RDWR));
	R(ftruncate(fd, 2));
	R(pwrite(fd, "Z", 1, 5));
	R(close(fd));
	cat("f");
}
CASE(truncate_large)
{
	int fd = FD(open("f", O_CREAT | O_RDWR, 0644));
	R(ftruncate(fd, 70000000));
	fst(fd);
	char b[4];
	R(pread(fd, b, 4, 69999998));
	log_bytes((uint8_t *)b, 2);
	R(ftruncate(fd, 1));
	fst(fd);
	R(close(fd));
}

/* ---- mkdir, rmdir, unlink --------------------------------------------------------------------- */

CASE(mkdir_basic)
{
	R(mkdir("d", 0755));
	st("d");
	ls("d");
	R(mkdir("d", 0755));
}
CASE(mkdir_trailing_slash)
{
	R(mkdir("d/", 0755));
	st("d");
	R(mkdir("e//", 0700));
	st("e");
}
CASE(mkdir_errors)
{
	put("f", "x");
	R(mkdir("f", 0755));
	R(mkdir("f/d", 0755));
	R(mkdir("no/d", 0755));
	R(mkdir("", 0755));
	R(mkdir(".", 0755));
	R(mkdir("..", 0755));
	R(mkdir(NAME255 "x", 0755));
}
CASE(mkdir_over_symlink)
{
	R(symlink("nowhere", "l"));
	R(mkdir("l", 0755));
	R(mkdir("l/", 0755));
}
CASE(mkdir_umask)
{
	R(umask(077));
	R(mkdir("d", 0777));
	R(umask(022));
	st("d");
}
CASE(mkdirat_dirfd)
{
	R(mkdir("d", 0755));
	int dfd = FD(open("d", O_RDONLY | O_DIRECTORY));
	R(mkdirat(dfd, "e", 0755));
	R(mkdirat(dfd, "e", 0755));
	R(close(dfd));
	st("d/e");
	R(mkdirat(dfd, "x", 0755));
}
CASE(rmdir_basic)
{
	R(mkdir("d", 0755));
	R(rmdir("d"));
	st("d");
	R(rmdir("d"));
}
CASE(rmdir_not_empty)
{
	R(mkdir("d", 0755));
	put("d/f", "x");
	R(rmdir("d"));
	R(unlink("d/f"));
	R(rmdir("d"));
}
CASE(rmdir_special)
{
	R(mkdir("d", 0755));
	R(rmdir("d/."));
	R(rmdir("d/.."));
	R(rmdir("."));
	R(rmdir(""));
}
CASE(rmdir_file)
{
	put("f", "x");
	R(rmdir("f"));
	R(rmdir("f/"));
	R(symlink(".", "l"));
	R(rmdir("l"));
}
CASE(rmdir_trailing_slash)
{
	R(mkdir("d", 0755));
	R(rmdir("d/"));
	st("d");
}
CASE(unlink_basic)
{
	put("f", "x");
	R(unlink("f"));
	R(unlink("f"));
	st("f");
}
CASE(unlink_dir)
{
	R(mkdir("d", 0755));
	R(unlink("d"));
	R(unlink("d/"));
	R(unlink("."));
	R(unlink(".."));
}
CASE(unlink_trailing_slash_file)
{
	put("f", "x");
	R(unlink("f/"));
	R(unlink("nope/"));
	st("f");
}
CASE(unlink_symlink_not_target)
{
	put("t", "keep");
	R(symlink("t", "l"));
	R(unlink("l"));
	cat("t");
	lst("l");
}
CASE(unlinkat_flags)
{
	R(mkdir("d", 0755));
	put("f", "x");
	R(unlinkat(AT_FDCWD, "d", 0));
	R(unlinkat(AT_FDCWD, "f", AT_REMOVEDIR));
	R(unlinkat(AT_FDCWD, "d", AT_REMOVEDIR));
	R(unlinkat(AT_FDCWD, "f", 0));
	R(unlinkat(AT_FDCWD, "f", 0x1));
}
CASE(unlinkat_dirfd)
{
	R(mkdir("d", 0755));
	put("d/f", "x");
	int dfd = FD(open("d", O_RDONLY | O_DIRECTORY));
	R(unlinkat(dfd, "f", 0));
	R(unlinkat(dfd, "f", 0));
	R(close(dfd));
	ls("d");
}
CASE(unlink_open_file_readable)
{
	put("f", "still here");
	int fd = FD(open("f", O_RDONLY));
	R(unlink("f"));
	char b[16] = { 0 };
	R(read(fd, b, sizeof b));
	case_log("  %s", b);
	fst(fd);
	R(close(fd));
}
CASE(unlink_missing_parent)
{
	R(unlink("a/b/c"));
	put("f", "x");
	R(unlink("f/x"));
}

/* ---- rename -------------------------------------------------------------------------------- */

CASE(rename_file)
{
	put("a", "A");
	R(rename("a", "b"));
	st("a");
	cat("b");
}
CASE(rename_over_file)
{
	put("a", "A");
	put("b", "B");
	R(rename("a", "b"));
	cat("b");
	st("a");
}
CASE(rename_missing)
{
	R(rename("nope", "b"));
	put("a", "x");
	R(rename("a", "no/b"));
}
CASE(rename_dir)
{
	R(mkdir("d", 0755));
	put("d/f", "x");
	R(rename("d", "e"));
	ls("e");
	st("d");
}
CASE(rename_dir_over_empty_dir)
{
	R(mkdir("d", 0755));
	R(mkdir("e", 0755));
	put("d/f", "x");
	R(rename("d", "e"));
	ls("e");
}
CASE(rename_dir_over_nonempty_dir)
{
	R(mkdir("d", 0755));
	R(mkdir("e", 0755));
	put("e/f", "x");
	R(rename("d", "e"));
	ls("e");
}
CASE(rename_dir_over_file)
{
	R(mkdir("d", 0755));
	put("f", "x");
	R(rename("d", "f"));
}
CASE(rename_file_over_dir)
{
	R(mkdir("d", 0755));
	put("f", "x");
	R(rename("f", "d"));
}
CASE(rename_into_own_subdir)
{
	R(mkdir("d", 0755));
	R(mkdir("d/e", 0755));
	R(rename("d", "d/e/x"));
	R(rename("d", "d/x"));
}
CASE(rename_parent_over_child)
{
	R(mkdir("d", 0755));
	R(mkdir("d/e", 0755));
	R(rename("d/e", "d"));
}
CASE(rename_across_dirs_updates_dotdot)
{
	R(mkdir("a", 0755));
	R(mkdir("b", 0755));
	R(mkdir("a/x", 0755));
	R(rename("a/x", "b/x"));
	st("a");
	st("b");
	R(chdir("b/x/.."));
	cwd();
	ls("..");
}
CASE(rename_same_file)
{
	put("a", "x");
	R(rename("a", "a"));
	R(link("a", "b"));
	R(rename("a", "b"));
	st("a");
	st("b");
}
CASE(rename_dots)
{
	R(mkdir("d", 0755));
	R(rename(".", "x"));
	R(rename("d/.", "x"));
	R(rename("d", "."));
	R(rename("d/..", "x"));
}
CASE(rename_trailing_slash)
{
	put("f", "x");
	R(mkdir("d", 0755));
	R(rename("f/", "g"));
	R(rename("f", "g/"));
	R(rename("d/", "e/"));
	st("e");
}
CASE(rename_symlink)
{
	put("t", "x");
	R(symlink("t", "l"));
	R(rename("l", "m"));
	lst("m");
	cat("m");
}
CASE(rename_over_symlink)
{
	put("t", "T");
	put("a", "A");
	R(symlink("t", "l"));
	R(rename("a", "l"));
	lst("l");
	cat("t");
}
CASE(renameat_dirfds)
{
	R(mkdir("a", 0755));
	R(mkdir("b", 0755));
	put("a/f", "x");
	int da = FD(open("a", O_RDONLY | O_DIRECTORY));
	int db = FD(open("b", O_RDONLY | O_DIRECTORY));
	R(renameat(da, "f", db, "g"));
	R(renameat(da, "f", db, "g"));
	R(close(da));
	R(close(db));
	ls("b");
}
CASE(rename_open_file)
{
	int fd = FD(open("a", O_CREAT | O_RDWR, 0644));
	R(rename("a", "b"));
	R(write(fd, "moved", 5));
	R(close(fd));
	cat("b");
}
/* A second 255-byte name: NAME255 with a 'b' first. */
static const char *bname(void)
{
	static char name[256];
	memcpy(name, NAME255, sizeof name);
	name[0] = 'b';
	return name;
}

CASE(rename_long_names)
{
	put(NAME255, "long");
	R(rename(NAME255, bname()));
	cat(bname());
	st(NAME255);
}
CASE(rename_replace_dir_keeps_links)
{
	R(mkdir("p", 0755));
	R(mkdir("p/a", 0755));
	R(mkdir("p/b", 0755));
	R(rename("p/a", "p/b"));
	st("p");
	ls("p");
}

/* ---- link, symlink, readlink ---------------------------------------------------------------- */

CASE(link_basic)
{
	put("a", "shared");
	R(link("a", "b"));
	cat("b");
	st("a");
	int fd = FD(open("b", O_WRONLY | O_APPEND));
	R(write(fd, "+", 1));
	R(close(fd));
	cat("a");
}
CASE(link_errors)
{
	put("a", "x");
	R(mkdir("d", 0755));
	R(link("nope", "b"));
	R(link("a", "a"));
	R(link("d", "e"));
	R(link("a", "no/b"));
	R(link("a", "d"));
	R(link("a/", "b"));
	R(link("a", "b/"));
	R(link("a", "."));
}
CASE(link_to_symlink)
{
	put("t", "x");
	R(symlink("t", "l"));
	R(link("l", "m"));
	lst("m");
	st("t");
}
CASE(symlink_basic)
{
	R(symlink("some/target", "l"));
	lst("l");
	char b[64] = { 0 };
	R(readlink("l", b, sizeof b));
	case_log("  %s", b);
}
CASE(symlink_errors)
{
	put("f", "x");
	R(symlink("t", "f"));
	R(symlink("", "l"));
	R(symlink("t", "no/l"));
	R(symlink("t", "l/"));
	R(symlink("t", "."));
}
CASE(symlink_long_target)
{
	char target[1000];
	memset(target, 'x', sizeof target - 1);
	target[sizeof target - 1] = 0;
	R(symlink(target, "l"));
	lst("l");
	char b[1200];
	R(readlink("l", b, sizeof b));
	log_bytes((uint8_t *)b, 999);
}
CASE(symlink_fast_slow_boundary)
{
	char t[70];
	for (int n = 58; n <= 62; n++) {
		memset(t, 'y', (size_t)n);
		t[n] = 0;
		char name[8];
		snprintf(name, sizeof name, "l%d", n);
		R(symlink(t, name));
		char b[80];
		long got = R(readlink(name, b, sizeof b));
		log_bytes((uint8_t *)b, got);
	}
}
CASE(readlink_errors)
{
	put("f", "x");
	char b[16];
	R(readlink("f", b, sizeof b));
	R(readlink("nope", b, sizeof b));
	R(symlink("f", "l"));
	R(readlink("l", b, 0));
	R(readlink("l/", b, sizeof b));
}
CASE(readlink_truncates)
{
	R(symlink("abcdefgh", "l"));
	char b[16] = { 0 };
	R(readlink("l", b, 3));
	case_log("  %s", b);
}
CASE(symlink_chain)
{
	put("t", "end");
	R(symlink("t", "l1"));
	R(symlink("l1", "l2"));
	R(symlink("l2", "l3"));
	cat("l3");
	st("l3");
}
CASE(symlink_loop)
{
	R(symlink("b", "a"));
	R(symlink("a", "b"));
	st("a");
	FD(open("a", O_RDONLY));
	FD(open("a", O_CREAT | O_RDWR, 0644));
	lst("a");
}
CASE(symlink_self)
{
	R(symlink("s", "s"));
	st("s");
	st("s/x");
}
CASE(symlink_depth_limit)
{
	/* 40 links are followed, the 41st is ELOOP (Linux's MAXSYMLINKS). */
	put("t", "end");
	char prev[16] = "t", name[16];
	for (int i = 0; i < 41; i++) {
		snprintf(name, sizeof name, "s%d", i);
		R(symlink(prev, name));
		strcpy(prev, name);
	}
	st("s39");
	st("s40");
}
CASE(symlink_dir_in_middle)
{
	R(mkdir("d", 0755));
	put("d/f", "inside");
	R(symlink("d", "l"));
	cat("l/f");
	R(mkdir("l/e", 0755));
	st("d/e");
}
CASE(symlink_dotdot_physical)
{
	R(mkdir("a", 0755));
	R(mkdir("a/b", 0755));
	put("a/f", "af");
	R(symlink("a/b", "l"));
	cat("l/../f");
}
CASE(symlink_to_file_in_middle)
{
	put("f", "x");
	R(symlink("f", "l"));
	st("l/x");
}
CASE(symlink_dangling)
{
	R(symlink("missing", "l"));
	st("l");
	lst("l");
	FD(open("l", O_RDONLY));
}
CASE(symlink_absolute_relative_mix)
{
	R(mkdir("d", 0755));
	R(symlink("../d", "d/up"));
	put("d/f", "x");
	cat("d/up/f");
	st("d/up/up/up/f");
}

/* ---- path resolution ------------------------------------------------------------------------- */

CASE(path_dots)
{
	R(mkdir("a", 0755));
	R(mkdir("a/b", 0755));
	put("a/b/f", "deep");
	cat("a/./b/../b/f");
	cat("./a//b///f");
	st("a/b/f/..");
	st("a/b/f/.");
}
CASE(path_component_too_long)
{
	st(NAME255 "x/y");
	st(NAME255);
	R(mkdir(NAME255, 0755));
	st(NAME255 "/.");
}
CASE(path_too_long)
{
	static char p[5000];
	memset(p, 0, sizeof p);
	for (int i = 0; i < 4100; i += 2)
		memcpy(p + i, "./", 2);
	p[4100] = 0;
	st(p);
	p[4000] = 0;
	st(p);
}
CASE(path_not_dir_middle)
{
	put("f", "x");
	st("f/.");
	st("f/..");
	R(mkdir("f/d", 0755));
}
CASE(chdir_getcwd)
{
	R(mkdir("a", 0755));
	R(mkdir("a/b", 0755));
	R(chdir("a/b"));
	cwd();
	R(chdir(".."));
	cwd();
	put("rel", "x");
	R(chdir(".."));
	cat("a/rel");
}
CASE(chdir_errors)
{
	put("f", "x");
	R(chdir("f"));
	R(chdir("nope"));
	R(chdir(""));
	cwd();
}
CASE(chdir_symlink)
{
	R(mkdir("d", 0755));
	R(symlink("d", "l"));
	R(chdir("l"));
	cwd();
}
CASE(getcwd_errors)
{
	char small[4];
	P(getcwd(small, 0));
	P(getcwd(small, 1));
	char *p = P(getcwd(NULL, 0));
	free(p);
}
CASE(getcwd_after_rename)
{
	R(mkdir("a", 0755));
	R(chdir("a"));
	R(rename("../a", "../b"));
	cwd();
	R(mkdir("sub", 0755));
	R(chdir("sub"));
	cwd();
}
CASE(access_modes)
{
	/* As root, R_OK and W_OK are granted whatever the mode; X_OK needs
	 * some x bit on a file. */
	int fd = FD(open("f", O_CREAT | O_RDWR, 0000));
	R(close(fd));
	R(access("f", F_OK));
	R(access("f", R_OK | W_OK));
	R(access("f", X_OK));
	fd = FD(open("x", O_CREAT | O_RDWR, 0100));
	R(close(fd));
	R(access("x", X_OK));
	R(access("nope", F_OK));
	R(access("f", 0x40));
	R(mkdir("d", 0));
	R(access("d", X_OK));
	R(access("f/", F_OK));
}

/* ---- directories ------------------------------------------------------------------------------ */

CASE(readdir_basic)
{
	put("a", "1");
	put("b", "2");
	R(mkdir("c", 0755));
	R(symlink("a", "d"));
	ls(".");
}
CASE(readdir_empty)
{
	R(mkdir("e", 0755));
	ls("e");
}
CASE(readdir_many)
{
	R(mkdir("m", 0755));
	char name[64];
	for (int i = 0; i < 150; i++) {
		snprintf(name, sizeof name, "m/file-with-a-longish-name-%03d", i);
		int fd = open(name, O_CREAT | O_RDWR, 0644);
		close(fd);
	}
	ls("m");
	for (int i = 0; i < 150; i += 3) {
		snprintf(name, sizeof name, "m/file-with-a-longish-name-%03d", i);
		unlink(name);
	}
	ls("m");
}
CASE(readdir_long_names)
{
	put(NAME255, "x");
	put(bname(), "y");
	ls(".");
}
CASE(opendir_errors)
{
	put("f", "x");
	P(opendir("f"));
	P(opendir("nope"));
	P(opendir(""));
}
CASE(fdopendir_errors)
{
	put("f", "x");
	int fd = FD(open("f", O_RDONLY));
	P(fdopendir(fd));
	R(close(fd));
	P(fdopendir(fd));
}
CASE(rewinddir_again)
{
	put("a", "1");
	put("b", "2");
	DIR *d = P(opendir("."));
	int n1 = 0, n2 = 0;
	while (readdir(d) != NULL)
		n1++;
	rewinddir(d);
	while (readdir(d) != NULL)
		n2++;
	case_log("  %d %d", n1, n2);
	R(closedir(d));
}
CASE(fdopendir_then_dirfd)
{
	R(mkdir("d", 0755));
	put("d/x", "1");
	int fd = FD(open("d", O_RDONLY | O_DIRECTORY));
	DIR *d = P(fdopendir(fd));
	R(dirfd(d) == fd);
	struct stat s;
	if (R(fstatat(dirfd(d), "x", &s, 0)) == 0)
		log_stat(&s);
	R(closedir(d));
	R(close(fd));
}
CASE(readdir_after_unlink_during)
{
	for (int i = 0; i < 10; i++) {
		char n[8];
		snprintf(n, sizeof n, "f%d", i);
		put(n, "x");
	}
	DIR *d = P(opendir("."));
	struct dirent *e;
	int seen = 0;
	while ((e = readdir(d)) != NULL) {
		seen++;
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlink(e->d_name);
	}
	case_log("  seen %d", seen);
	R(closedir(d));
	ls(".");
}
CASE(dir_types)
{
	R(mkdir("d", 0755));
	put("d/f", "x");
	R(mkdir("d/s", 0755));
	R(symlink("f", "d/l"));
	ls("d");
}

/* ---- descriptors ----------------------------------------------------------------------------- */

CASE(dup_basic)
{
	put("f", "abc");
	int fd = FD(open("f", O_RDONLY));
	int d = FD(dup(fd));
	R(d > fd);
	R(close(fd));
	char b[4] = { 0 };
	R(read(d, b, 3));
	case_log("  %s", b);
	R(close(d));
	R(dup(d));
	R(dup(-1));
}
CASE(dup2_cases)
{
	put("f", "abc");
	int fd = FD(open("f", O_RDONLY));
	R(dup2(fd, 100));
	R(dup2(fd, fd) == fd);
	R(dup2(fd, -1));
	R(dup2(-1, 100));
	R(fcntl(100, F_GETFD));
	R(close(100));
	R(close(fd));
	R(dup2(fd, fd));
}
CASE(dup2_replaces_open)
{
	put("a", "AAA");
	put("b", "BBB");
	int fa = FD(open("a", O_RDONLY));
	int fb = FD(open("b", O_RDONLY));
	R(dup2(fa, 101));
	R(dup2(fb, 101));
	char x[4] = { 0 };
	R(read(101, x, 3));
	case_log("  %s", x);
	R(close(101));
	R(close(fa));
	R(close(fb));
}
CASE(dup3_cases)
{
	put("f", "abc");
	int fd = FD(open("f", O_RDONLY));
	R(dup3(fd, 102, O_CLOEXEC));
	R(fcntl(102, F_GETFD));
	R(dup3(fd, fd, 0));
	R(dup3(fd, 103, 0x1));
	R(dup3(-1, 103, 0));
	R(close(102));
	R(close(fd));
}
CASE(fcntl_dupfd)
{
	put("f", "abc");
	int fd = FD(open("f", O_RDONLY));
	R(fcntl(fd, F_DUPFD, 110));
	R(fcntl(fd, F_DUPFD, 110));
	R(fcntl(fd, F_DUPFD_CLOEXEC, 120));
	R(fcntl(120, F_GETFD));
	R(fcntl(fd, F_DUPFD, -1));
	R(close(110));
	R(close(111));
	R(close(120));
	R(close(fd));
}
CASE(fcntl_fd_flags)
{
	put("f", "abc");
	int fd = FD(open("f", O_RDONLY));
	R(fcntl(fd, F_GETFD));
	R(fcntl(fd, F_SETFD, FD_CLOEXEC));
	R(fcntl(fd, F_GETFD));
	int d = FD(dup(fd));
	R(fcntl(d, F_GETFD));
	R(fcntl(fd, F_SETFD, 0));
	R(fcntl(fd, F_GETFD));
	R(close(d));
	R(close(fd));
}
CASE(fcntl_fl)
{
	put("f", "abc");
	int fd = FD(open("f", O_WRONLY));
	R(fcntl(fd, F_GETFL) & (O_ACCMODE | O_APPEND | O_NONBLOCK));
	R(fcntl(fd, F_SETFL, O_APPEND));
	R(fcntl(fd, F_GETFL) & (O_ACCMODE | O_APPEND | O_NONBLOCK));
	R(write(fd, "Z", 1));
	R(fcntl(fd, F_SETFL, O_RDWR));
	R(fcntl(fd, F_GETFL) & (O_ACCMODE | O_APPEND | O_NONBLOCK));
	R(close(fd));
	cat("f");
	fd = FD(open("f", O_RDWR | O_APPEND));
	R(fcntl(fd, F_GETFL) & (O_ACCMODE | O_APPEND | O_NONBLOCK));
	R(close(fd));
}
CASE(fcntl_errors)
{
	R(fcntl(-1, F_GETFD));
	R(fcntl(150, F_GETFL));
	put("f", "x");
	int fd = FD(open("f", O_RDONLY));
	R(fcntl(fd, 99999));
	R(close(fd));
}
CASE(fd_reuse_lowest)
{
	int a = FD(open("a", O_CREAT | O_RDWR, 0644));
	int b = FD(open("b", O_CREAT | O_RDWR, 0644));
	R(close(a));
	int c = FD(open("c", O_CREAT | O_RDWR, 0644));
	R(c == a);
	R(close(b));
	R(close(c));
}
CASE(close_twice)
{
	int fd = FD(open("f", O_CREAT | O_RDWR, 0644));
	R(close(fd));
	R(close(fd));
	R(close(-1));
}
CASE(isatty_file)
{
	put("f", "x");
	int fd = FD(open("f", O_RDONLY));
	R(isatty(fd));
	R(close(fd));
	R(isatty(fd));
}
CASE(umask_returns_old)
{
	R(umask(0));
	R(umask(0777));
	R(umask(01777));
	R(umask(022));
}

/* ---- AIO ------------------------------------------------------------------------------------ */

static void aio_wait(struct aiocb *cb)
{
	const struct aiocb *list[1] = { cb };
	while (aio_error(cb) == EINPROGRESS)
		aio_suspend(list, 1, NULL);
}

CASE(aio_write_read)
{
	int fd = FD(open("f", O_CREAT | O_RDWR, 0644));
	static char data[5000];
	memset(data, 'q', sizeof data);
	struct aiocb w = { 0 };
	w.aio_fildes = fd;
	w.aio_buf = data;
	w.aio_nbytes = sizeof data;
	w.aio_offset = 100;
	R(aio_write(&w));
	aio_wait(&w);
	R(aio_error(&w));
	R(aio_return(&w));
	static char back[6000];
	struct aiocb r = { 0 };
	r.aio_fildes = fd;
	r.aio_buf = back;
	r.aio_nbytes = sizeof back;
	r.aio_offset = 0;
	R(aio_read(&r));
	aio_wait(&r);
	R(aio_error(&r));
	long n = R(aio_return(&r));
	log_bytes((uint8_t *)back, n);
	R(lseek(fd, 0, SEEK_CUR));
	R(close(fd));
}
CASE(aio_errors)
{
	char b[8];
	struct aiocb r = { 0 };
	r.aio_fildes = 177;
	r.aio_buf = b;
	r.aio_nbytes = sizeof b;
	if (R(aio_read(&r)) == 0) {
		aio_wait(&r);
		R(aio_error(&r));
		R(aio_return(&r));
	}
	put("f", "x");
	int fd = FD(open("f", O_RDONLY));
	struct aiocb w = { 0 };
	w.aio_fildes = fd;
	w.aio_buf = b;
	w.aio_nbytes = 1;
	if (R(aio_write(&w)) == 0) {
		aio_wait(&w);
		R(aio_error(&w));
		R(aio_return(&w));
	}
	R(aio_fsync(12345, &w));
	R(close(fd));
}
CASE(aio_short_read)
{
	put("f", "short");
	int fd = FD(open("f", O_RDONLY));
	char b[64] = { 0 };
	struct aiocb r = { 0 };
	r.aio_fildes = fd;
	r.aio_buf = b;
	r.aio_nbytes = sizeof b;
	r.aio_offset = 2;
	R(aio_read(&r));
	aio_wait(&r);
	R(aio_return(&r));
	case_log("  %s", b);
	r.aio_offset = 100;
	R(aio_read(&r));
	aio_wait(&r);
	R(aio_return(&r));
	R(close(fd));
}
CASE(aio_many_in_flight)
{
	int fd = FD(open("f", O_CREAT | O_RDWR, 0644));
	static struct aiocb cbs[32];
	static char bufs[32][600];
	for (int i = 0; i < 32; i++) {
		memset(bufs[i], 'a' + i % 26, sizeof bufs[i]);
		memset(&cbs[i], 0, sizeof cbs[i]);
		cbs[i].aio_fildes = fd;
		cbs[i].aio_buf = bufs[i];
		cbs[i].aio_nbytes = sizeof bufs[i];
		cbs[i].aio_offset = (off_t)(31 - i) * 600;
		aio_write(&cbs[i]);
	}
	long total = 0;
	for (int i = 0; i < 32; i++) {
		aio_wait(&cbs[i]);
		total += aio_return(&cbs[i]);
	}
	case_log("  total %ld", total);
	fst(fd);
	R(close(fd));
	cat("f");
}
CASE(aio_fsync_ok)
{
	int fd = FD(open("f", O_CREAT | O_RDWR, 0644));
	R(write(fd, "x", 1));
	struct aiocb s = { 0 };
	s.aio_fildes = fd;
	R(aio_fsync(O_SYNC, &s));
	aio_wait(&s);
	R(aio_error(&s));
	R(aio_return(&s));
	R(close(fd));
}
CASE(lio_listio_wait)
{
	int fd = FD(open("f", O_CREAT | O_RDWR, 0644));
	static char a[300], b[10], c[20];
	memset(a, 'A', sizeof a);
	memset(b, 'B', sizeof b);
	struct aiocb x = { 0 }, y = { 0 }, z = { 0 };
	x.aio_fildes = y.aio_fildes = z.aio_fildes = fd;
	x.aio_lio_opcode = LIO_WRITE;
	x.aio_buf = a;
	x.aio_nbytes = sizeof a;
	y.aio_lio_opcode = LIO_WRITE;
	y.aio_buf = b;
	y.aio_nbytes = sizeof b;
	y.aio_offset = 400;
	z.aio_lio_opcode = LIO_NOP;
	z.aio_buf = c;
	struct aiocb *list[] = { &x, &y, &z, NULL };
	R(lio_listio(LIO_WAIT, list, 4, NULL));
	R(aio_return(&x));
	R(aio_return(&y));
	fst(fd);
	R(lio_listio(12345, list, 4, NULL));
	R(close(fd));
}
CASE(lio_listio_nowait_read)
{
	put("f", "0123456789");
	int fd = FD(open("f", O_RDONLY));
	char a[4] = { 0 }, b[4] = { 0 };
	struct aiocb x = { 0 }, y = { 0 };
	x.aio_fildes = y.aio_fildes = fd;
	x.aio_lio_opcode = y.aio_lio_opcode = LIO_READ;
	x.aio_buf = a;
	y.aio_buf = b;
	x.aio_nbytes = y.aio_nbytes = 3;
	x.aio_offset = 1;
	y.aio_offset = 6;
	struct aiocb *list[] = { &x, &y };
	R(lio_listio(LIO_NOWAIT, list, 2, NULL));
	aio_wait(&x);
	aio_wait(&y);
	R(aio_return(&x));
	R(aio_return(&y));
	case_log("  %s %s", a, b);
	R(close(fd));
}
CASE(aio_cancel_done)
{
	put("f", "abc");
	int fd = FD(open("f", O_RDONLY));
	char b[4];
	struct aiocb r = { 0 };
	r.aio_fildes = fd;
	r.aio_buf = b;
	r.aio_nbytes = 3;
	R(aio_read(&r));
	aio_wait(&r);
	R(aio_cancel(fd, &r));
	R(aio_cancel(fd, NULL));
	R(aio_return(&r));
	R(aio_cancel(177, NULL));
	R(close(fd));
}
CASE(aio_suspend_timeout_done)
{
	put("f", "abc");
	int fd = FD(open("f", O_RDONLY));
	char b[4];
	struct aiocb r = { 0 };
	r.aio_fildes = fd;
	r.aio_buf = b;
	r.aio_nbytes = 3;
	R(aio_read(&r));
	aio_wait(&r);
	const struct aiocb *list[2] = { NULL, &r };
	struct timespec t = { 0, 1000 };
	R(aio_suspend(list, 2, &t));
	R(aio_return(&r));
	R(close(fd));
}
CASE(aio_append)
{
	put("f", "abc");
	int fd = FD(open("f", O_WRONLY | O_APPEND));
	struct aiocb w = { 0 };
	w.aio_fildes = fd;
	w.aio_buf = "XY";
	w.aio_nbytes = 2;
	w.aio_offset = 0;
	R(aio_write(&w));
	aio_wait(&w);
	R(aio_return(&w));
	R(close(fd));
	cat("f");
}

/* ---- More: dirfds, shared descriptions, dead directories, big offsets ------------------------ */

CASE(unlinkat_mkdirat_bad_dirfds)
{
	put("f", "x");
	int fd = FD(open("f", O_RDONLY));
	R(unlinkat(fd, "x", 0));
	R(mkdirat(fd, "x", 0755));
	R(mkdirat(190, "x", 0755));
	R(unlinkat(190, "x", 0));
	R(close(fd));
}
CASE(renameat_mixed_dirfds)
{
	R(mkdir("d", 0755));
	put("a", "A");
	int dfd = FD(open("d", O_RDONLY | O_DIRECTORY));
	R(renameat(AT_FDCWD, "a", dfd, "b"));
	R(renameat(dfd, "b", AT_FDCWD, "c"));
	R(renameat(dfd, "nope", AT_FDCWD, "c"));
	R(close(dfd));
	cat("c");
	ls("d");
}
CASE(fstatat_nofollow_trailing_slash)
{
	R(mkdir("d", 0755));
	R(symlink("d", "l"));
	struct stat s;
	if (R(fstatat(AT_FDCWD, "l/", &s, AT_SYMLINK_NOFOLLOW)) == 0)
		log_stat(&s);
	if (R(fstatat(AT_FDCWD, "l", &s, AT_SYMLINK_NOFOLLOW)) == 0)
		log_stat(&s);
}
CASE(append_then_read_same_fd)
{
	put("f", "abc");
	int fd = FD(open("f", O_RDWR | O_APPEND));
	R(write(fd, "def", 3));
	char b[8] = { 0 };
	R(read(fd, b, sizeof b));
	R(lseek(fd, 1, SEEK_SET));
	R(read(fd, b, 2));
	case_log("  %.2s", b);
	R(write(fd, "g", 1));
	R(lseek(fd, 0, SEEK_CUR));
	R(close(fd));
	cat("f");
}
CASE(readdir_after_rename_inside)
{
	put("a", "1");
	R(mkdir("s", 0755));
	R(rename("a", "s/b"));
	R(rename("s", "t"));
	ls(".");
	ls("t");
}
CASE(renamed_dir_open_fd)
{
	R(mkdir("d", 0755));
	put("d/f", "x");
	int dfd = FD(open("d", O_RDONLY | O_DIRECTORY));
	R(rename("d", "e"));
	struct stat s;
	if (R(fstatat(dfd, "f", &s, 0)) == 0)
		log_stat(&s);
	int fd = FD(openat(dfd, "g", O_CREAT | O_WRONLY, 0644));
	R(close(fd));
	R(close(dfd));
	ls("e");
}
CASE(removed_cwd)
{
	R(mkdir("d", 0755));
	R(chdir("d"));
	R(rmdir("../d"));
	FD(open("x", O_CREAT | O_RDWR, 0644));
	R(mkdir("y", 0755));
	struct stat s;
	if (R(stat(".", &s)) == 0)
		log_stat(&s);
	ls(".");
	/* Not chdir(".."): POSIX removes a removed directory's ".." (so does
	 * the engine), Linux's VFS still follows it (docs/posix.md). */
	cwd();
}
CASE(removed_dir_by_fd)
{
	R(mkdir("d", 0755));
	int dfd = FD(open("d", O_RDONLY | O_DIRECTORY));
	R(rmdir("d"));
	FD(openat(dfd, "x", O_CREAT | O_RDWR, 0644));
	R(mkdirat(dfd, "y", 0755));
	struct stat s;
	if (R(fstat(dfd, &s)) == 0)
		log_stat(&s);
	R(close(dfd));
}
CASE(sparse_past_4g)
{
	int fd = FD(open("f", O_CREAT | O_RDWR, 0644));
	long long at = 5ll << 30;
	R(pwrite(fd, "far", 3, at));
	fst(fd);
	char b[4] = { 0 };
	R(pread(fd, b, 3, at));
	case_log("  %s", b);
	R(pread(fd, b, 3, 1ll << 32));
	log_bytes((uint8_t *)b, 3);
	R(lseek(fd, 0, SEEK_END));
	R(ftruncate(fd, 4096));
	fst(fd);
	R(close(fd));
}
CASE(size_seen_by_other_descriptor)
{
	int a = FD(open("f", O_CREAT | O_RDWR, 0644));
	int b = FD(open("f", O_RDONLY));
	R(write(a, "0123456789", 10));
	R(lseek(b, 0, SEEK_END));
	R(ftruncate(a, 4));
	R(lseek(b, 0, SEEK_END));
	char x[16] = { 0 };
	R(pread(b, x, sizeof x, 0));
	case_log("  %s", x);
	R(close(a));
	R(close(b));
}
CASE(setfl_shared_by_dup)
{
	put("f", "abc");
	int fd = FD(open("f", O_WRONLY));
	int d = FD(dup(fd));
	R(fcntl(fd, F_SETFL, O_APPEND));
	R(fcntl(d, F_GETFL) & O_APPEND);
	R(write(d, "Z", 1));
	R(close(fd));
	R(close(d));
	cat("f");
}
CASE(getfl_directory)
{
	R(mkdir("d", 0755));
	int fd = FD(open("d", O_RDONLY | O_DIRECTORY));
	R(fcntl(fd, F_GETFL) & O_ACCMODE);
	R(close(fd));
}
CASE(openat_dotdot)
{
	R(mkdir("d", 0755));
	put("top", "T");
	int dfd = FD(open("d", O_RDONLY | O_DIRECTORY));
	int fd = FD(openat(dfd, "../top", O_RDONLY));
	char b[2] = { 0 };
	R(read(fd, b, 1));
	case_log("  %s", b);
	R(close(fd));
	R(close(dfd));
}
CASE(symlink_under_dirfd)
{
	R(mkdir("d", 0755));
	put("d/t", "target");
	R(symlink("t", "d/l"));
	int dfd = FD(open("d", O_RDONLY | O_DIRECTORY));
	int fd = FD(openat(dfd, "l", O_RDONLY));
	char b[8] = { 0 };
	R(read(fd, b, 6));
	case_log("  %s", b);
	R(close(fd));
	R(close(dfd));
}
CASE(creat_through_dangling_symlink)
{
	R(symlink("made", "l"));
	int fd = FD(creat("l", 0600));
	R(write(fd, "m", 1));
	R(close(fd));
	st("made");
	lst("l");
}
CASE(rename_symlink_over_dir_and_back)
{
	R(mkdir("d", 0755));
	R(symlink("d", "l"));
	R(rename("l", "d"));
	R(rename("d", "l"));
	lst("l");
	st("d");
}
CASE(access_dangling)
{
	R(symlink("nowhere", "l"));
	R(access("l", F_OK));
	R(access("l/", F_OK));
}
CASE(excl_without_creat)
{
	put("f", "x");
	int fd = FD(open("f", O_RDONLY | O_EXCL));
	R(close(fd));
	FD(open("g", O_RDONLY | O_EXCL));
}
CASE(trunc_append_empty)
{
	int fd = FD(open("f", O_CREAT | O_RDWR | O_TRUNC | O_APPEND, 0644));
	R(write(fd, "1", 1));
	R(write(fd, "2", 1));
	R(pwrite(fd, "3", 1, 0));
	R(close(fd));
	cat("f");
}
CASE(link_then_unlink_original)
{
	put("a", "data");
	R(link("a", "b"));
	R(unlink("a"));
	st("b");
	cat("b");
	R(link("b", "a"));
	st("a");
}
CASE(mkdir_nested_and_remove)
{
	R(mkdir("a", 0755));
	R(mkdir("a/b", 0755));
	R(mkdir("a/b/c", 0755));
	R(rmdir("a/b"));
	R(rmdir("a/b/c"));
	R(rmdir("a/b"));
	R(rmdir("a"));
	ls(".");
}

/* ---- Reading a page again after a change (libos's data cache) ------------------------------- */

/* Read `n` bytes at `at` of `fd` twice (libos fills its cache on the
 * second read of a page) and log them. */
static void reread(int fd, long n, long at)
{
	static uint8_t b[8192];
	R(pread(fd, b, (size_t)n, at));
	log_bytes(b, R(pread(fd, b, (size_t)n, at)));
}

CASE(reread_after_other_descriptor_writes)
{
	int r = FD(open("f", O_CREAT | O_RDWR, 0644));
	int w = FD(open("f", O_WRONLY));
	static char data[6000];
	memset(data, 'a', sizeof data);
	R(write(w, data, sizeof data));
	reread(r, 4096, 0);
	R(pwrite(w, "XYZ", 3, 10));
	reread(r, 40, 0);
	reread(r, 4096, 4096);
	R(pwrite(w, "tail", 4, 7000)); /* past the end: a hole, a new size */
	reread(r, 4096, 4096);
	R(close(r));
	R(close(w));
}

CASE(reread_after_truncate_shrink_grow)
{
	int fd = FD(open("f", O_CREAT | O_RDWR, 0644));
	static char data[5000];
	memset(data, 'b', sizeof data);
	R(write(fd, data, sizeof data));
	reread(fd, 4096, 0);
	R(ftruncate(fd, 100));
	reread(fd, 4096, 0);
	R(ftruncate(fd, 5000));
	reread(fd, 4096, 0);
	reread(fd, 4096, 4096);
	R(truncate("f", 0));
	reread(fd, 4096, 0);
	int t = FD(open("f", O_RDWR | O_TRUNC));
	R(pwrite(t, "new", 3, 0));
	reread(fd, 4096, 0);
	R(close(t));
	R(close(fd));
}

CASE(reread_at_end_after_append)
{
	put("f", "start");
	int fd = FD(open("f", O_RDONLY));
	int a = FD(open("f", O_WRONLY | O_APPEND));
	char b[64] = { 0 };
	R(read(fd, b, sizeof b));
	R(read(fd, b, sizeof b));
	R(read(fd, b, sizeof b));
	R(write(a, "+more", 5));
	memset(b, 0, sizeof b);
	R(read(fd, b, sizeof b));
	case_log("  %s", b);
	R(read(fd, b, sizeof b));
	R(close(a));
	R(close(fd));
}

CASE(reread_after_aio_write)
{
	put("f", "0123456789");
	int fd = FD(open("f", O_RDWR));
	reread(fd, 10, 0);
	static char data[3000];
	memset(data, 'w', sizeof data);
	struct aiocb w = { 0 };
	w.aio_fildes = fd;
	w.aio_buf = data;
	w.aio_nbytes = sizeof data;
	w.aio_offset = 5;
	R(aio_write(&w));
	aio_wait(&w);
	R(aio_return(&w));
	reread(fd, 4096, 0);
	R(close(fd));
}
