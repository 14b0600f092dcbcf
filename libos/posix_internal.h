/* SPDX-License-Identifier: MIT */
/*
 * What the files of libos's POSIX layer share: the request transport
 * (posix_call.c), path resolution (posix_path.c), the descriptor table
 * (posix_fd.c) and the AIO completion hook (aio.c). Not for programs.
 */
#ifndef LIBOS_POSIX_INTERNAL_H
#define LIBOS_POSIX_INTERNAL_H

#include <errno.h>
#include <string.h>

#include "fs_protocol.h"
#include "posix.h"

#define POSIX_NO_WINDOW UINT32_MAX

/* The calling thread's process (posix_proc_use). */
struct posix_proc *posix_self(void);

/* errno = e; return -1 (the POSIX failure convention). */
static inline int posix_fail(int e)
{
	errno = e;
	return -1;
}

/* The errno value of a negative file-system status (servers/fs/ext2.h). */
int posix_errno(int64_t status);

/* A free transfer window (completing AIO requests until one is free), or
 * POSIX_NO_WINDOW when none can be freed. */
uint32_t posix_window_take(struct posix_proc *proc);
void posix_window_give(struct posix_proc *proc, uint32_t window);
static inline uint8_t *posix_window(struct posix_proc *proc, uint32_t window)
{
	return proc->windows + (size_t)window * POSIX_WINDOW_SIZE;
}
/* Copy file data between a window and the caller's buffer (no overlap):
 * whole aligned 64-bit words, eight per iteration, when both share their
 * alignment, else memcpy. In the system the C library's memcpy (picolibc)
 * moves one byte per iteration; the host runs (and ci/bench-fs counts)
 * the same loop, kept from becoming a memcpy call by
 * -fno-tree-loop-distribute-patterns. */
void posix_copy(void *to, const void *from, size_t n);
/* Describe `length` bytes of window `window` as the request's large buffer. */
void posix_window_attach(struct posix_proc *proc, struct channel_message *request, uint32_t window,
			 size_t length, bool writable);

/* Queue a request (completing AIO requests while the channel is full).
 * 0 or -errno. */
int posix_submit(struct posix_proc *proc, const struct channel_message *request, uint32_t *tag);
/* Wait for the reply to `tag`: its result word, or -errno. */
int64_t posix_wait(struct posix_proc *proc, uint32_t tag, struct channel_message *reply);
/* Submit and wait: the result word (>= 0) or -errno. */
int64_t posix_call(struct posix_proc *proc, const struct channel_message *request,
		   struct channel_message *reply);
/* Wait for any reply and complete the AIO request it answers. false when
 * nothing is outstanding. */
bool posix_collect_one(struct posix_proc *proc, uint64_t timeout_ns);
/* The result of a reply: arg[0], or -errno when the channel refused it. */
int64_t posix_result(const struct channel_message *reply);

/* A request with no payload. */
void posix_request(struct channel_message *m, enum fs_op op, uint64_t a0, uint64_t a1, uint64_t a2,
		   uint64_t a3);
/* A request whose payload is one name. */
void posix_request_name(struct channel_message *m, enum fs_op op, uint64_t dir, const char *name,
			size_t length);

/* FS_OP_GETATTR of `ino`: 0 or -errno. */
int posix_getattr(struct posix_proc *proc, uint32_t ino, struct fs_wire_stat *out);
void posix_fill_stat(const struct fs_wire_stat *w, struct stat *out);

/* ---- Path resolution (posix_path.c) ------------------------------------------------------ */

#define POSIX_WALK_FOLLOW 1u /* follow a symlink in the last component */
#define POSIX_WALK_PARENT 2u /* the caller acts on the last name: keep it */
/* A last component that is a plain name (not ".", "..", no trailing
 * slash) is not looked up: walk->ino is 0 and walk->missing 0, and the
 * caller's own request on (dir, name) finds out (posix_walk_plain). */
#define POSIX_WALK_NO_LAST 4u

enum posix_last {
	POSIX_LAST_NORMAL, /* a name */
	POSIX_LAST_DOT,    /* "." */
	POSIX_LAST_DOTDOT, /* ".." */
	POSIX_LAST_ROOT,   /* no name at all: "/" */
};

struct posix_walk {
	uint32_t dir;  /* the directory holding the last component */
	uint32_t ino;  /* what the path names; 0 when the last name is absent */
	uint32_t mode; /* its type and permissions */
	int missing;   /* the errno of the last lookup when ino is 0 */
	enum posix_last last;
	bool trailing_slash;
	bool console;  /* the path names the console device */
	bool has_stat; /* `stat` holds what the last LOOKUP said of ino */
	struct fs_wire_stat stat;
	size_t name_length;
	char name[FS_PATH_NAME_MAX + 1];
};

/* Resolve `path` from directory `dirfd` (AT_FDCWD: the cwd). 0 or -errno
 * for a failure before the last component; the last one's absence is
 * reported in walk->ino == 0 and walk->missing. */
int posix_walk(struct posix_proc *proc, int dirfd, const char *path, unsigned flags,
	       struct posix_walk *walk);
/* posix_walk, then the object must exist (ENOENT) and, with a trailing
 * slash, be a directory (ENOTDIR). */
int posix_walk_existing(struct posix_proc *proc, int dirfd, const char *path, unsigned flags,
			struct posix_walk *walk);
/* The walk stopped before a plain last name (POSIX_WALK_NO_LAST). */
static inline bool posix_walk_plain(const struct posix_walk *w)
{
	return !w->console && w->last == POSIX_LAST_NORMAL && !w->trailing_slash && w->ino == 0 &&
	       w->missing == 0;
}
static inline bool posix_is_dir(uint32_t mode)
{
	return (mode & FS_WIRE_TYPE_MASK) == FS_WIRE_DIRECTORY;
}

/* One FS_OP_READDIR of `dir` from *cookie into `window`: *count records,
 * *cookie advanced, *end at the end of the directory. 0 or -errno. */
int64_t posix_readdir_batch(struct posix_proc *proc, uint32_t dir, uint64_t *cookie,
			    uint32_t window, uint32_t *count, bool *end);

/* Let go of the cwd's handle (the cwd becomes the root). */
void posix_release_cwd(struct posix_proc *proc);

/* ---- Descriptors (posix_fd.c) ------------------------------------------------------------ */

/* The description behind `fd`, or NULL (not open). */
struct posix_file *posix_fd_file(struct posix_proc *proc, int fd);
/* The lowest free descriptor >= `from` naming `file` (one more reference),
 * or -EMFILE. */
int posix_fd_install(struct posix_proc *proc, int from, struct posix_file *file, bool cloexec);
/* A free description, or NULL. */
struct posix_file *posix_file_new(struct posix_proc *proc);
/* Drop one reference; release the server's handle at the last. 0 or -errno. */
int posix_file_put(struct posix_proc *proc, struct posix_file *file);

/* A read or write of at most a window for `file` (inline up to
 * FS_INLINE_DATA bytes, else through a window, copied in for a write):
 * submitted, *tag and *window (or POSIX_NO_WINDOW) say what to wait for.
 * 0 or -errno. The synchronous calls and AIO both submit this way. */
int posix_data_submit(struct posix_proc *proc, const struct posix_file *file, enum fs_op op,
		      uint64_t offset, const void *buffer, size_t length, bool append,
		      uint32_t *tag, uint32_t *window);
/* The reply to such a request: the count (read data copied out) or -errno;
 * the window given back. */
int64_t posix_data_finish(struct posix_proc *proc, const struct channel_message *reply,
			  enum fs_op op, uint32_t window, void *buffer, size_t length);

/* ---- The data cache (posix_cache.c) ------------------------------------------------------- */

/* A read's result that is not one: the cache cannot answer it. */
#define POSIX_CACHE_MISS (-1)

/* The copy of cached bytes to the caller: the platform's fastest. On the
 * host glibc's memcpy (what libext2fs, the benchmark's reference, calls);
 * in the system word_copy, as picolibc's memcpy moves a byte per
 * iteration (docs/benchmarks.md has the counts). */
static inline void posix_cache_copy(void *to, const void *from, size_t n)
{
#ifdef POSIX_HOST_PREFIX
	memcpy(to, from, n);
#else
	posix_copy(to, from, n);
#endif
}

/*
 * A read of `length` bytes at `offset` of `file` answered from the cache:
 * the count, or POSIX_CACHE_MISS when the description holds no page that
 * has those bytes (or the file's end before them) at the file's current
 * generation. No request: the description, the range, one load of the
 * generation word, the copy. The generation is loaded after the caller's
 * earlier calls returned (program order); a change answered before them
 * had moved the word already (the server stores it before its reply's
 * release), so a change that completed before this read is never missed.
 */
static inline int64_t posix_cache_read(const struct posix_proc *proc, const struct posix_file *file,
				       uint64_t offset, void *buffer, size_t length)
{
	const struct posix_cache_page *c = file->cache;
	if (c == NULL || offset < c->start)
		return POSIX_CACHE_MISS;
	uint64_t in = offset - c->start, n = length;
	if (in > c->bytes || length > c->bytes - in) {
		/* Past the cached bytes: an answer only where the file ended. */
		if (c->bytes == POSIX_CACHE_PAGE)
			return POSIX_CACHE_MISS;
		if (in > c->bytes)
			in = c->bytes;
		n = c->bytes - in;
	}
	if (atomic_load_explicit(&proc->generations[fs_generation_index(file->ino)],
				 memory_order_relaxed) != c->generation)
		return POSIX_CACHE_MISS;
	posix_cache_copy(buffer, c->data + in, (size_t)n);
	return (int64_t)n;
}

/* A read the cache missed, of `length` bytes at `offset`: true when it
 * lies in one page and the description's previous read the server
 * answered was in the same page (the page is worth a copy in the cache:
 * posix_cache_fill_read). Remembers the page either way. */
static inline bool posix_cache_due(const struct posix_proc *proc, struct posix_file *file,
				   uint64_t offset, size_t length)
{
	uint64_t page = offset / POSIX_CACHE_PAGE + 1, last = file->last_page;
	bool one_page = length != 0 && length <= POSIX_CACHE_PAGE - offset % POSIX_CACHE_PAGE;
	file->last_page = one_page ? page : 0;
	return one_page && last == page && proc->generations != NULL;
}
/* Read the page of `offset` into the description's cache page (one
 * request; another description's page is taken if none is free) and
 * answer the read from it: its count, or POSIX_CACHE_MISS when the fill
 * failed or the file changed since (the read then goes to the server). */
int64_t posix_cache_fill_read(struct posix_proc *proc, struct posix_file *file, uint64_t offset,
			      void *buffer, size_t length);
/* The description lets go of its page (its last descriptor closed, or
 * the clock took the page). */
static inline void posix_cache_drop(struct posix_file *file)
{
	if (file->cache != NULL)
		file->cache->owner = NULL;
	file->cache = NULL;
}
/* The cache's pages and the descriptions agree (posix_proc_check_invariants). */
bool posix_cache_check(const struct posix_proc *proc);

/* ---- AIO (aio.c) ------------------------------------------------------------------------- */

/* The reply to an AIO request that held `window` arrived. */
void posix_aio_complete(struct posix_proc *proc, uint32_t window,
			const struct channel_message *reply);

#endif
