/* SPDX-License-Identifier: MIT */
/*
 * Names and directories: mkdir/mkdirat, rmdir, unlink/unlinkat,
 * rename/renameat, link, symlink, readlink, access, and directory streams
 * (opendir, fdopendir, readdir, rewinddir, closedir, dirfd). Each call
 * resolves the parent directory and the last name (posix_path.c), makes
 * Linux's checks in Linux's order, then sends one request.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "posix_internal.h"

#define DIR_BATCH CHANNEL_PAGE_SIZE /* bytes of entries one FS_OP_READDIR returns */

struct posix_dir {
	int fd;
	bool end;           /* the server said: no entries after `cookie` */
	uint64_t cookie;    /* where the next batch starts */
	uint32_t count, at; /* records in `batch`, the next one's index */
	uint32_t offset;    /* the next record's byte offset in `batch` */
	struct dirent entry;
	uint8_t batch[DIR_BATCH];
};

int64_t posix_readdir_batch(struct posix_proc *proc, uint32_t dir, uint64_t *cookie,
			    uint32_t window, uint32_t *count, bool *end)
{
	struct channel_message m, reply;
	posix_request(&m, FS_OP_READDIR, dir, *cookie, 0, 0);
	posix_window_attach(proc, &m, window, DIR_BATCH, true);
	int64_t r = posix_call(proc, &m, &reply);
	if (r < 0)
		return r;
	/* The records must lie inside the batch, each with a name. */
	const uint8_t *at = posix_window(proc, window);
	size_t used = 0;
	for (int64_t i = 0; i < r; i++) {
		struct fs_wire_dirent head;
		if (DIR_BATCH - used < sizeof head)
			return -EIO;
		memcpy(&head, at + used, sizeof head);
		uint32_t size = fs_wire_dirent_size(head.name_length);
		if (head.name_length == 0 || size > DIR_BATCH - used)
			return -EIO;
		used += size;
	}
	*count = (uint32_t)r;
	*cookie = reply.arg[1];
	*end = reply.arg[2] != 0;
	return 0;
}

/* Where a new name goes: the parent and the name, absent (EEXIST if not),
 * and Linux's errors for ".", ".." and trailing slashes. */
static int walk_new(struct posix_proc *proc, int dirfd, const char *path, bool directory,
		    struct posix_walk *w)
{
	int status = posix_walk(proc, dirfd, path, POSIX_WALK_PARENT, w);
	if (status != 0)
		return status;
	if (w->console || w->last != POSIX_LAST_NORMAL || w->ino != 0)
		return -EEXIST;
	if (w->trailing_slash && !directory)
		return -ENOENT;
	return 0;
}

int POSIX_NAME(mkdirat)(int dirfd, const char *path, mode_t mode)
{
	struct posix_proc *proc = posix_self();
	struct posix_walk w;
	int status = walk_new(proc, dirfd, path, true, &w);
	if (status != 0)
		return posix_fail(-status);
	struct channel_message m, reply;
	posix_request_name(&m, FS_OP_MKDIR, w.dir, w.name, w.name_length);
	m.arg[1] = mode & ~proc->umask & 01777; /* no set-id bits on mkdir */
	int64_t r = posix_call(proc, &m, &reply);
	return r < 0 ? posix_fail((int)-r) : 0;
}

int POSIX_NAME(mkdir)(const char *path, mode_t mode)
{
	return POSIX_NAME(mkdirat)(AT_FDCWD, path, mode);
}

static int remove_name(struct posix_proc *proc, int dirfd, const char *path, bool directory)
{
	struct posix_walk w;
	int status = posix_walk(proc, dirfd, path, POSIX_WALK_PARENT | POSIX_WALK_NO_LAST, &w);
	if (status != 0)
		return status;
	struct channel_message m, reply;
	if (posix_walk_plain(&w)) {
		/* A plain last name: the engine finds it and refuses in the
		 * order of the checks below (ENOENT, then EISDIR for unlink,
		 * ENOTDIR for rmdir), so no lookup first. */
		posix_request_name(&m, directory ? FS_OP_RMDIR : FS_OP_UNLINK, w.dir, w.name,
				   w.name_length);
		int64_t r = posix_call(proc, &m, &reply);
		return r < 0 ? (int)r : 0;
	}
	if (w.console)
		return directory ? -ENOTDIR : -EPERM;
	if (directory) {
		switch (w.last) {
		case POSIX_LAST_DOT: return -EINVAL;
		case POSIX_LAST_DOTDOT: return -ENOTEMPTY;
		case POSIX_LAST_ROOT: return -EBUSY;
		case POSIX_LAST_NORMAL: break;
		}
		if (w.ino == 0)
			return -w.missing;
		if (!posix_is_dir(w.mode))
			return -ENOTDIR;
	} else {
		if (w.last != POSIX_LAST_NORMAL)
			return -EISDIR;
		if (w.ino == 0)
			return -w.missing;
		if (posix_is_dir(w.mode))
			return -EISDIR;
		if (w.trailing_slash)
			return -ENOTDIR;
	}
	posix_request_name(&m, directory ? FS_OP_RMDIR : FS_OP_UNLINK, w.dir, w.name,
			   w.name_length);
	int64_t r = posix_call(proc, &m, &reply);
	return r < 0 ? (int)r : 0;
}

int POSIX_NAME(unlinkat)(int dirfd, const char *path, int flags)
{
	if (flags & ~AT_REMOVEDIR)
		return posix_fail(EINVAL);
	int status = remove_name(posix_self(), dirfd, path, (flags & AT_REMOVEDIR) != 0);
	return status < 0 ? posix_fail(-status) : 0;
}

int POSIX_NAME(unlink)(const char *path)
{
	return POSIX_NAME(unlinkat)(AT_FDCWD, path, 0);
}

int POSIX_NAME(rmdir)(const char *path)
{
	return POSIX_NAME(unlinkat)(AT_FDCWD, path, AT_REMOVEDIR);
}

/* Send a request whose "bytes" are two strings: inline when they fit,
 * else through a window. */
static int64_t call_two(struct posix_proc *proc, struct channel_message *m, const char *first,
			size_t first_length, const char *second, size_t second_length)
{
	struct channel_message reply;
	size_t total = first_length + second_length;
	uint32_t window = POSIX_NO_WINDOW;
	uint8_t *into = m->payload;
	if (total > CHANNEL_INLINE_MAX) {
		window = posix_window_take(proc);
		if (window == POSIX_NO_WINDOW)
			return -EIO;
		posix_window_attach(proc, m, window, total, false);
		m->arg[3] = total;
		into = posix_window(proc, window);
	} else {
		m->length = (uint32_t)total;
	}
	memcpy(into, first, first_length);
	memcpy(into + first_length, second, second_length);
	int64_t r = posix_call(proc, m, &reply);
	if (window != POSIX_NO_WINDOW)
		posix_window_give(proc, window);
	return r;
}

static int rename_at(struct posix_proc *proc, int from_dirfd, const char *from, int to_dirfd,
		     const char *to)
{
	struct posix_walk f, t;
	int status = posix_walk(proc, from_dirfd, from, POSIX_WALK_PARENT, &f);
	if (status != 0)
		return status;
	status = posix_walk(proc, to_dirfd, to, POSIX_WALK_PARENT, &t);
	if (status != 0)
		return status;
	if (f.console || t.console)
		return -EXDEV;
	if (f.last != POSIX_LAST_NORMAL || t.last != POSIX_LAST_NORMAL)
		return -EBUSY;
	if (f.ino == 0)
		return -f.missing;
	bool dir = posix_is_dir(f.mode);
	if (!dir && (f.trailing_slash || t.trailing_slash))
		return -ENOTDIR;
	if (t.ino == f.ino)
		return 0;
	if (t.ino != 0 && dir && !posix_is_dir(t.mode))
		return -ENOTDIR;
	if (t.ino != 0 && !dir && posix_is_dir(t.mode))
		return -EISDIR;
	struct channel_message m;
	posix_request(&m, FS_OP_RENAME, f.dir, t.dir, f.name_length, 0);
	int64_t r = call_two(proc, &m, f.name, f.name_length, t.name, t.name_length);
	return r < 0 ? (int)r : 0;
}

int POSIX_NAME(renameat)(int from_dirfd, const char *from, int to_dirfd, const char *to)
{
	int status = rename_at(posix_self(), from_dirfd, from, to_dirfd, to);
	return status < 0 ? posix_fail(-status) : 0;
}

int POSIX_NAME(rename)(const char *from, const char *to)
{
	return POSIX_NAME(renameat)(AT_FDCWD, from, AT_FDCWD, to);
}

int POSIX_NAME(link)(const char *from, const char *to)
{
	struct posix_proc *proc = posix_self();
	struct posix_walk f, t;
	int status = posix_walk_existing(proc, AT_FDCWD, from, 0, &f);
	if (status == 0)
		status = walk_new(proc, AT_FDCWD, to, false, &t);
	if (status == 0 && (f.console || posix_is_dir(f.mode)))
		status = -EPERM;
	if (status != 0)
		return posix_fail(-status);
	struct channel_message m, reply;
	posix_request_name(&m, FS_OP_LINK, t.dir, t.name, t.name_length);
	m.arg[1] = f.ino;
	int64_t r = posix_call(proc, &m, &reply);
	return r < 0 ? posix_fail((int)-r) : 0;
}

int POSIX_NAME(symlink)(const char *target, const char *path)
{
	struct posix_proc *proc = posix_self();
	if (target == NULL)
		return posix_fail(EFAULT);
	size_t target_length = strnlen(target, POSIX_PATH_MAX);
	if (target_length == 0)
		return posix_fail(ENOENT);
	if (target_length >= POSIX_PATH_MAX)
		return posix_fail(ENAMETOOLONG);
	struct posix_walk w;
	int status = walk_new(proc, AT_FDCWD, path, false, &w);
	if (status != 0)
		return posix_fail(-status);
	struct channel_message m;
	posix_request(&m, FS_OP_SYMLINK, w.dir, w.name_length, 0, 0);
	int64_t r = call_two(proc, &m, w.name, w.name_length, target, target_length);
	return r < 0 ? posix_fail((int)-r) : 0;
}

ssize_t POSIX_NAME(readlink)(const char *path, char *buffer, size_t size)
{
	struct posix_proc *proc = posix_self();
	if (size == 0 || size > (SIZE_MAX >> 1)) /* beyond ssize_t */
		return posix_fail(EINVAL);
	struct posix_walk w;
	int status = posix_walk_existing(proc, AT_FDCWD, path, 0, &w);
	if (status == 0 && (w.console || (w.mode & FS_WIRE_TYPE_MASK) != FS_WIRE_SYMLINK))
		status = -EINVAL;
	if (status != 0)
		return posix_fail(-status);
	uint32_t window = posix_window_take(proc);
	if (window == POSIX_NO_WINDOW)
		return posix_fail(EIO);
	struct channel_message m, reply;
	posix_request(&m, FS_OP_READLINK, w.ino, 0, 0, 0);
	posix_window_attach(proc, &m, window, POSIX_PATH_MAX, true);
	int64_t r = posix_call(proc, &m, &reply);
	if (r > (int64_t)POSIX_PATH_MAX)
		r = -EIO;
	if (r >= 0) {
		r = r < (int64_t)size ? r : (int64_t)size;
		memcpy(buffer, posix_window(proc, window), (size_t)r);
	}
	posix_window_give(proc, window);
	return r < 0 ? posix_fail((int)-r) : (ssize_t)r;
}

int POSIX_NAME(access)(const char *path, int mode)
{
	struct posix_proc *proc = posix_self();
	if (mode & ~(R_OK | W_OK | X_OK))
		return posix_fail(EINVAL);
	struct posix_walk w;
	int status = posix_walk_existing(proc, AT_FDCWD, path, POSIX_WALK_FOLLOW, &w);
	if (status != 0)
		return posix_fail(-status);
	/* Every process is root (as the tests' Linux oracle): reading and
	 * writing are allowed; executing needs an x bit, or a directory. */
	if ((mode & X_OK) && !w.console && !posix_is_dir(w.mode) && (w.mode & 0111) == 0)
		return posix_fail(EACCES);
	return 0;
}

POSIX_NAME(DIR) * POSIX_NAME(fdopendir)(int fd)
{
	struct posix_file *file = posix_fd_file(posix_self(), fd);
	if (file == NULL) {
		posix_fail(EBADF);
		return NULL;
	}
	if (file->kind != POSIX_KIND_DIRECTORY) {
		posix_fail(ENOTDIR);
		return NULL;
	}
	struct posix_dir *dir = calloc(1, sizeof *dir);
	if (dir == NULL) {
		posix_fail(ENOMEM);
		return NULL;
	}
	dir->fd = fd;
	return dir;
}

POSIX_NAME(DIR) * POSIX_NAME(opendir)(const char *path)
{
	int fd = POSIX_NAME(open)(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	POSIX_NAME(DIR) *dir = POSIX_NAME(fdopendir)(fd);
	if (dir == NULL) {
		int e = errno;
		(void)POSIX_NAME(close)(fd);
		errno = e;
	}
	return dir;
}

/* The next batch of entries into dir->batch. 0 or -errno. */
static int refill(struct posix_proc *proc, struct posix_dir *dir, uint32_t ino)
{
	uint32_t window = posix_window_take(proc);
	if (window == POSIX_NO_WINDOW)
		return -EIO;
	uint32_t count = 0;
	int64_t r = posix_readdir_batch(proc, ino, &dir->cookie, window, &count, &dir->end);
	if (r == 0) {
		memcpy(dir->batch, posix_window(proc, window), DIR_BATCH);
		dir->count = count;
		dir->at = dir->offset = 0;
	}
	posix_window_give(proc, window);
	return (int)r;
}

struct dirent *POSIX_NAME(readdir)(POSIX_NAME(DIR) * dir)
{
	struct posix_proc *proc = posix_self();
	struct posix_file *file = posix_fd_file(proc, dir->fd);
	if (file == NULL || file->kind != POSIX_KIND_DIRECTORY) {
		posix_fail(EBADF);
		return NULL;
	}
	while (dir->at == dir->count) {
		if (dir->end)
			return NULL;
		int status = refill(proc, dir, file->ino);
		if (status != 0) {
			posix_fail(-status);
			return NULL;
		}
	}
	struct fs_wire_dirent head;
	memcpy(&head, dir->batch + dir->offset, sizeof head);
	struct dirent *out = &dir->entry;
	out->d_ino = head.ino;
	out->d_off = (off_t)dir->cookie;
	out->d_reclen = sizeof *out;
	out->d_type = head.type; /* FS_TYPE_* >> 12 are the DT_* values */
	memcpy(out->d_name, dir->batch + dir->offset + sizeof head, head.name_length);
	out->d_name[head.name_length] = 0;
	dir->offset += fs_wire_dirent_size(head.name_length);
	dir->at++;
	return out;
}

void POSIX_NAME(rewinddir)(POSIX_NAME(DIR) * dir)
{
	dir->cookie = 0;
	dir->end = false;
	dir->count = dir->at = dir->offset = 0;
}

int POSIX_NAME(closedir)(POSIX_NAME(DIR) * dir)
{
	int status = POSIX_NAME(close)(dir->fd);
	free(dir);
	return status;
}

int POSIX_NAME(dirfd)(POSIX_NAME(DIR) * dir)
{
	return dir->fd;
}
