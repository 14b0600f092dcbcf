/* SPDX-License-Identifier: MIT */
/*
 * libos's POSIX file layer: file descriptors, path resolution, directories
 * and POSIX AIO over the file protocol (libos/fs_protocol.h) to the
 * file-system server, one channel per client (docs/posix.md).
 *
 * Names: in the system build each call carries its POSIX name (open, read,
 * ...). On the host the same code is compiled with POSIX_HOST_PREFIX so
 * that it does not collide with the host's C library: there every name is
 * kos_open, kos_read, ... (POSIX_NAME), with the host's own types and
 * constants (struct stat, O_*, errno), so one test source compiled against
 * the host's libc and against libos can compare the two.
 *
 * A client process is one struct posix_proc (its descriptor table, working
 * directory, umask, channel and transfer windows). The calling thread's
 * process is the one made current by posix_proc_use.
 */
#ifndef LIBOS_POSIX_H
#define LIBOS_POSIX_H

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "channel.h"
#include "fs_protocol.h"

#ifdef POSIX_HOST_PREFIX
#define POSIX_NAME(name) kos_##name
#else
#define POSIX_NAME(name) name
#endif

/* What picolibc does not define (Linux's values). */
#ifndef SEEK_DATA
#define SEEK_DATA 3
#define SEEK_HOLE 4
#endif
#ifndef O_DSYNC
#define O_DSYNC O_SYNC
#endif
#ifndef AT_NO_AUTOMOUNT
#define AT_NO_AUTOMOUNT 0
#endif

#define POSIX_FD_MAX 256u                /* descriptors per process */
#define POSIX_FILE_MAX 256u              /* open file descriptions per process */
#define POSIX_WINDOWS 64u                /* transfer windows: one per request in flight */
#define POSIX_WINDOW_SIZE (256u * 1024u) /* bytes of one window (page multiple) */
#define POSIX_SYMLOOP_MAX 40u            /* symlinks followed in one resolution (Linux's) */
#define POSIX_PATH_MAX 4096u             /* bytes of a path, with its NUL (Linux's) */
#define POSIX_AIO_MAX POSIX_WINDOW_SIZE  /* bytes of one AIO request */
#define POSIX_LISTIO_MAX 64u
#define POSIX_CACHE_PAGES 16u  /* pages of the data cache (below) */
#define POSIX_CACHE_PAGE 4096u /* bytes of one: a file's bytes from a multiple of it */

/* What an open file description is. */
enum posix_kind {
	POSIX_KIND_FREE,
	POSIX_KIND_FILE,      /* a regular file (or a symlink opened with O_PATH: none) */
	POSIX_KIND_DIRECTORY, /* a directory opened for reading its entries */
	POSIX_KIND_CONSOLE,   /* the console device (/dev/console) */
};

struct posix_cache_page;

/* An open file description: shared by the descriptors dup'd from one open. */
struct posix_file {
	enum posix_kind kind;
	uint32_t refs;   /* descriptors naming it */
	uint32_t ino;    /* the file's inode */
	uint64_t handle; /* the server's open handle */
	uint64_t offset;
	int flags; /* O_ACCMODE | O_APPEND | ... as given to open */
	/* The data cache's page this description holds (NULL: none), and
	 * 1 + the page number of its last read the server answered when that
	 * read lay in one page (0: none): a second read of the same page
	 * fills the cache. */
	struct posix_cache_page *cache;
	uint64_t last_page;
};

/*
 * One page of the client's data cache (docs/posix.md): a private copy of
 * `bytes` bytes of its owner's file from `start` (a multiple of
 * POSIX_CACHE_PAGE), read when the file's generation word was
 * `generation`. bytes < POSIX_CACHE_PAGE: the file ended there at that
 * generation. Valid exactly while the word still holds `generation`.
 */
struct posix_cache_page {
	struct posix_file *owner; /* NULL: free */
	uint8_t *data;            /* POSIX_CACHE_PAGE bytes after the windows */
	uint64_t start;
	uint64_t generation;
	uint32_t bytes;
};

struct POSIX_NAME(aiocb);

/* Where a console write goes (the console driver's channel in the system;
 * a host buffer in the tests). */
typedef void (*posix_console_fn)(void *context, const void *bytes, size_t length);

struct posix_proc {
	struct channel_client *fs; /* the channel to the file-system server */
	/* Called before waiting for a reply: on the host, a single-threaded
	 * test serves the request here; NULL when a server thread runs. */
	void (*pump)(void *context);
	void *pump_context;
	posix_console_fn console;
	void *console_context;
	uint32_t root_ino, cwd_ino;
	uint64_t cwd_handle; /* the server's handle that keeps the cwd alive (0: the root) */
	mode_t umask;
	uint8_t *windows;      /* POSIX_WINDOWS windows, page-aligned, then the cache's pages */
	uint64_t free_windows; /* bit w: window w is free */
	/* The server's file-generation page, mapped read-only (NULL: the
	 * server publishes none; the data cache is then off). */
	const fs_generation_word *generations;
	struct posix_cache_page cache[POSIX_CACHE_PAGES];
	uint32_t cache_hand; /* the next page to take when none is free */
	struct posix_file *fd[POSIX_FD_MAX];
	bool cloexec[POSIX_FD_MAX];
	struct posix_file file[POSIX_FILE_MAX];
	/* AIO requests in flight, by window (a request holds one window). */
	struct POSIX_NAME(aiocb) * aio[POSIX_WINDOWS];
	uint32_t aio_tag[POSIX_WINDOWS];
	char walk[2 * POSIX_PATH_MAX]; /* the path being resolved */
	uint64_t calls;                /* requests sent (statistics) */
};

/* Bytes of transfer-window memory posix_proc_init needs (page-aligned, in
 * the part of the address space the channel's large buffers may use): the
 * windows, then the data cache's pages. */
#define POSIX_WINDOWS_BYTES                                                                        \
	((size_t)POSIX_WINDOWS * POSIX_WINDOW_SIZE + (size_t)POSIX_CACHE_PAGES * POSIX_CACHE_PAGE)

/*
 * Start a process on the channel `fs` (a client already attached to the
 * server), with `/` the server's root directory, cwd `/`, umask 022 and the
 * console on descriptors 0, 1 and 2. `windows` is POSIX_WINDOWS_BYTES of
 * page-aligned memory. `generations` is the server's file-generation page
 * as this process sees it (read-only), or NULL (no data cache). Returns 0
 * or an errno value.
 */
int posix_proc_init(struct posix_proc *proc, struct channel_client *fs, void *windows,
		    const fs_generation_word *generations, posix_console_fn console,
		    void *console_context);
/* Close every descriptor (releasing the server's handles). */
void posix_proc_fini(struct posix_proc *proc);
/* true when the process's private state is consistent: each description's
 * references are the descriptors naming it, the windows taken are those of
 * AIO requests in flight, each in-flight request is one the channel still
 * owes, the cwd's handle is held exactly when the cwd is not the root, each
 * data-cache page is held by the live description it names (for the
 * tests, between calls). */
bool posix_proc_check_invariants(const struct posix_proc *proc);
/* Make `proc` the calling thread's process. */
void posix_proc_use(struct posix_proc *proc);
struct posix_proc *posix_proc_current(void);

/* ---- The calls --------------------------------------------------------------------------- */

typedef struct posix_dir POSIX_NAME(DIR);

int POSIX_NAME(open)(const char *path, int flags, ...);
int POSIX_NAME(openat)(int dirfd, const char *path, int flags, ...);
int POSIX_NAME(creat)(const char *path, mode_t mode);
int POSIX_NAME(close)(int fd);
ssize_t POSIX_NAME(read)(int fd, void *buffer, size_t length);
ssize_t POSIX_NAME(write)(int fd, const void *buffer, size_t length);
ssize_t POSIX_NAME(pread)(int fd, void *buffer, size_t length, off_t offset);
ssize_t POSIX_NAME(pwrite)(int fd, const void *buffer, size_t length, off_t offset);
off_t POSIX_NAME(lseek)(int fd, off_t offset, int whence);
int POSIX_NAME(stat)(const char *path, struct stat *out);
int POSIX_NAME(lstat)(const char *path, struct stat *out);
int POSIX_NAME(fstat)(int fd, struct stat *out);
int POSIX_NAME(fstatat)(int dirfd, const char *path, struct stat *out, int flags);
int POSIX_NAME(ftruncate)(int fd, off_t length);
int POSIX_NAME(truncate)(const char *path, off_t length);
int POSIX_NAME(fsync)(int fd);
int POSIX_NAME(fdatasync)(int fd);
int POSIX_NAME(unlink)(const char *path);
int POSIX_NAME(unlinkat)(int dirfd, const char *path, int flags);
int POSIX_NAME(rename)(const char *from, const char *to);
int POSIX_NAME(renameat)(int from_dirfd, const char *from, int to_dirfd, const char *to);
int POSIX_NAME(mkdir)(const char *path, mode_t mode);
int POSIX_NAME(mkdirat)(int dirfd, const char *path, mode_t mode);
int POSIX_NAME(rmdir)(const char *path);
int POSIX_NAME(link)(const char *from, const char *to);
int POSIX_NAME(symlink)(const char *target, const char *path);
ssize_t POSIX_NAME(readlink)(const char *path, char *buffer, size_t size);
int POSIX_NAME(access)(const char *path, int mode);
int POSIX_NAME(chdir)(const char *path);
char *POSIX_NAME(getcwd)(char *buffer, size_t size);
POSIX_NAME(DIR) * POSIX_NAME(opendir)(const char *path);
POSIX_NAME(DIR) * POSIX_NAME(fdopendir)(int fd);
struct dirent *POSIX_NAME(readdir)(POSIX_NAME(DIR) * dir);
void POSIX_NAME(rewinddir)(POSIX_NAME(DIR) * dir);
int POSIX_NAME(closedir)(POSIX_NAME(DIR) * dir);
int POSIX_NAME(dirfd)(POSIX_NAME(DIR) * dir);
int POSIX_NAME(dup)(int fd);
int POSIX_NAME(dup2)(int fd, int to);
int POSIX_NAME(dup3)(int fd, int to, int flags);
int POSIX_NAME(fcntl)(int fd, int command, ...);
int POSIX_NAME(isatty)(int fd);
mode_t POSIX_NAME(umask)(mode_t mask);
int POSIX_NAME(statvfs)(const char *path, struct statvfs *out);
int POSIX_NAME(fstatvfs)(int fd, struct statvfs *out);

/* ---- POSIX AIO (libos/aio.c) ------------------------------------------------------------ */

#ifdef POSIX_HOST_PREFIX
#include <aio.h> /* the constants; the host's calls and struct aiocb go unused */
#else
enum { AIO_CANCELED, AIO_NOTCANCELED, AIO_ALLDONE };
enum { LIO_READ, LIO_WRITE, LIO_NOP };
enum { LIO_WAIT, LIO_NOWAIT };
#endif

/* An AIO request's life: IDLE -> IN_FLIGHT (aio_read, aio_write,
 * aio_fsync) -> DONE (its reply collected, or an error found at submit)
 * -> IDLE (aio_return). */
enum posix_aio_state {
	POSIX_AIO_IDLE,
	POSIX_AIO_IN_FLIGHT,
	POSIX_AIO_DONE,
};

struct POSIX_NAME(aiocb) {
	int aio_fildes;
	off_t aio_offset;
	volatile void *aio_buf;
	size_t aio_nbytes;
	int aio_reqprio;
	struct sigevent aio_sigevent;
	int aio_lio_opcode;
	/* libos's: the request's state, error and result. */
	int aio_state; /* enum posix_aio_state */
	int aio_error_value;
	ssize_t aio_result;
	uint32_t aio_window; /* the window it holds while in flight */
	int aio_op;          /* FS_OP_READ, FS_OP_WRITE or FS_OP_FSYNC */
};

int POSIX_NAME(aio_read)(struct POSIX_NAME(aiocb) * request);
int POSIX_NAME(aio_write)(struct POSIX_NAME(aiocb) * request);
int POSIX_NAME(aio_fsync)(int op, struct POSIX_NAME(aiocb) * request);
int POSIX_NAME(aio_error)(const struct POSIX_NAME(aiocb) * request);
ssize_t POSIX_NAME(aio_return)(struct POSIX_NAME(aiocb) * request);
int POSIX_NAME(aio_suspend)(const struct POSIX_NAME(aiocb) *const list[], int count,
			    const struct timespec *timeout);
int POSIX_NAME(aio_cancel)(int fd, struct POSIX_NAME(aiocb) * request);
int POSIX_NAME(lio_listio)(int mode, struct POSIX_NAME(aiocb) *const list[], int count,
			   struct sigevent *event);

#endif
