/* SPDX-License-Identifier: MIT */
/*
 * Files: open/openat/creat, read/write/pread/pwrite (each a data request
 * submitted as AIO submits it, then waited for), lseek, the stat family,
 * ftruncate/truncate, fsync/fdatasync, statvfs. The checks come in Linux's
 * order, so that a call with two faults fails as Linux's does.
 */
#include <stdarg.h>
#include <string.h>

#include "posix_internal.h"

/* The open flags F_GETFL reports. */
#define KEPT_FLAGS (O_ACCMODE | O_APPEND | O_NONBLOCK | O_DIRECTORY | O_NOFOLLOW)

int posix_data_submit(struct posix_proc *proc, const struct posix_file *file, enum fs_op op,
		      uint64_t offset, const void *buffer, size_t length, bool append,
		      uint32_t *tag, uint32_t *window)
{
	struct channel_message m;
	posix_request(&m, op, file->handle, offset, length, append ? FS_WRITE_APPEND : 0);
	*window = POSIX_NO_WINDOW;
	if (length > FS_INLINE_DATA) {
		*window = posix_window_take(proc);
		if (*window == POSIX_NO_WINDOW)
			return -EIO;
		posix_window_attach(proc, &m, *window, length, op == FS_OP_READ);
		if (op == FS_OP_WRITE)
			posix_copy(posix_window(proc, *window), buffer, length);
	} else if (op == FS_OP_WRITE) {
		memcpy(m.payload, buffer, length);
		m.length = (uint32_t)length;
	}
	int status = posix_submit(proc, &m, tag);
	if (status != 0 && *window != POSIX_NO_WINDOW)
		posix_window_give(proc, *window);
	return status;
}

int64_t posix_data_finish(struct posix_proc *proc, const struct channel_message *reply,
			  enum fs_op op, uint32_t window, void *buffer, size_t length)
{
	int64_t r = posix_result(reply);
	/* The server is not trusted with our memory either: a count beyond
	 * what was asked for, or inline bytes that do not match it, is EIO. */
	if (r > (int64_t)length)
		r = -EIO;
	if (op == FS_OP_READ && r > 0) {
		if (window != POSIX_NO_WINDOW)
			posix_copy(buffer, posix_window(proc, window), (size_t)r);
		else if (reply->length == (uint32_t)r)
			memcpy(buffer, reply->payload, (size_t)r);
		else
			r = -EIO;
	}
	if (window != POSIX_NO_WINDOW)
		posix_window_give(proc, window);
	return r;
}

/* One data request of at most a window, submitted and waited for. */
static int64_t data_once(struct posix_proc *proc, struct posix_file *file, enum fs_op op,
			 uint64_t offset, void *buffer, size_t length, bool append, uint64_t *end)
{
	uint32_t tag, window;
	int status =
	    posix_data_submit(proc, file, op, offset, buffer, length, append, &tag, &window);
	if (status != 0)
		return status;
	struct channel_message reply;
	(void)posix_wait(proc, tag, &reply);
	int64_t r = posix_data_finish(proc, &reply, op, window, buffer, length);
	*end = r >= 0 && op == FS_OP_WRITE ? reply.arg[1] : offset + (uint64_t)(r > 0 ? r : 0);
	return r;
}

/* The whole pages at the start of `length` bytes at `buffer` that can be
 * the request's large buffer as they are: `buffer` page-aligned and below
 * the channel's user limit. 0 when there are none. */
static size_t direct_bytes(const void *buffer, size_t length)
{
	uintptr_t at = (uintptr_t)buffer;
	size_t pages = length & ~(size_t)(CHANNEL_PAGE_SIZE - 1);
	if (pages > CHANNEL_LARGE_MAX)
		pages = CHANNEL_LARGE_MAX;
	if (at == 0 || (at & (CHANNEL_PAGE_SIZE - 1)) != 0 || pages == 0 ||
	    at >= CHANNEL_USER_LIMIT || pages > CHANNEL_USER_LIMIT - at)
		return 0;
	return pages;
}

/* One data request whose large buffer is the caller's own pages (`length`
 * from direct_bytes): the engine copies straight between its cache and
 * them, no window and no copy here. In the system the kernel's Call moves
 * these pages to the server and back exactly as it moves a window's, and
 * no byte outside them: they hold nothing but the caller's buffer. */
static int64_t data_direct(struct posix_proc *proc, struct posix_file *file, enum fs_op op,
			   uint64_t offset, void *buffer, size_t length, bool append, uint64_t *end)
{
	struct channel_message m, reply;
	posix_request(&m, op, file->handle, offset, length, append ? FS_WRITE_APPEND : 0);
	m.flags = CHANNEL_FLAG_LARGE | (op == FS_OP_READ ? CHANNEL_FLAG_LARGE_WRITABLE : 0);
	m.large.address = (uint64_t)(uintptr_t)buffer;
	m.large.length = length;
	int64_t r = posix_call(proc, &m, &reply);
	/* A count beyond what was asked for is the server lying: EIO. */
	if (r > (int64_t)length)
		r = -EIO;
	*end = r >= 0 && op == FS_OP_WRITE ? reply.arg[1] : offset + (uint64_t)(r > 0 ? r : 0);
	return r;
}

/* A whole read or write: whole pages of a page-aligned buffer as they are,
 * the rest a window at a time; stops at a short transfer. */
static ssize_t data(struct posix_proc *proc, struct posix_file *file, enum fs_op op,
		    uint64_t offset, void *buffer, size_t length, bool append, uint64_t *end)
{
	size_t done = 0;
	*end = offset;
	while (done < length) {
		uint8_t *at = (uint8_t *)buffer + done;
		size_t chunk = direct_bytes(at, length - done);
		int64_t r;
		if (chunk != 0) {
			r = data_direct(proc, file, op, *end, at, chunk, append, end);
		} else {
			chunk =
			    length - done > POSIX_WINDOW_SIZE ? POSIX_WINDOW_SIZE : length - done;
			r = data_once(proc, file, op, *end, at, chunk, append, end);
		}
		if (r < 0)
			return done > 0 ? (ssize_t)done : posix_fail((int)-r);
		done += (size_t)r;
		if ((size_t)r < chunk)
			break;
	}
	return (ssize_t)done;
}

static int open_console(struct posix_proc *proc, int flags)
{
	struct posix_file *file = posix_file_new(proc);
	if (file == NULL)
		return -ENFILE;
	file->kind = POSIX_KIND_CONSOLE;
	file->flags = flags & KEPT_FLAGS;
	return posix_fd_install(proc, 0, file, (flags & O_CLOEXEC) != 0);
}

/* The object an open(O_CREAT) names, created if absent. */
static int open_create(struct posix_proc *proc, struct posix_walk *w, int flags, mode_t mode)
{
	if (w->last != POSIX_LAST_NORMAL || w->trailing_slash)
		return -EISDIR;
	if (w->ino != 0) {
		if (flags & O_EXCL)
			return -EEXIST;
		if ((w->mode & FS_WIRE_TYPE_MASK) == FS_WIRE_SYMLINK)
			return -ELOOP;
		return posix_is_dir(w->mode) ? -EISDIR : 0;
	}
	struct channel_message m, reply;
	posix_request_name(&m, FS_OP_CREATE, w->dir, w->name, w->name_length);
	m.arg[1] = mode & ~proc->umask & 07777;
	m.arg[2] = (flags & O_EXCL) ? FS_CREATE_EXCL : 0;
	int64_t r = posix_call(proc, &m, &reply);
	if (r < 0)
		return (int)r;
	w->ino = (uint32_t)r;
	w->mode = (uint32_t)reply.arg[1];
	if (posix_is_dir(w->mode))
		return -EISDIR;
	return 0;
}

/* The description and descriptor of a file the server opened. */
static int open_install(struct posix_proc *proc, struct posix_file *file, uint32_t ino,
			uint32_t mode, uint64_t handle, int flags)
{
	file->kind = posix_is_dir(mode) ? POSIX_KIND_DIRECTORY : POSIX_KIND_FILE;
	file->ino = ino;
	file->handle = handle;
	file->flags = flags & KEPT_FLAGS;
	int fd = posix_fd_install(proc, 0, file, (flags & O_CLOEXEC) != 0);
	if (fd < 0) {
		file->refs = 1;
		(void)posix_file_put(proc, file);
	}
	return fd;
}

/* Not a descriptor nor an -errno: the last name is a symlink, which the
 * full walk resolves. */
#define OPEN_FOLLOW (-0x10000)

/* open's last step when the walk stopped before a plain last name: one
 * FS_OP_OPEN_NAME does the lookup, the create, the type checks, the open
 * and the truncation, in the order open_at's full path does them. The fd,
 * -errno, or OPEN_FOLLOW for a symlink. */
static int open_name(struct posix_proc *proc, const struct posix_walk *w, int flags, mode_t mode)
{
	struct posix_file *file = posix_file_new(proc);
	if (file == NULL)
		return -ENFILE;
	uint64_t how = 0;
	if (flags & O_CREAT)
		how |= FS_OPEN_CREATE | ((flags & O_EXCL) ? FS_OPEN_EXCL : 0);
	/* O_TRUNC asks for write access too (Linux: EISDIR on a directory). */
	if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC))
		how |= FS_OPEN_WRITE;
	if (flags & O_DIRECTORY)
		how |= FS_OPEN_DIRECTORY;
	if (flags & O_TRUNC) {
		/* The server truncates before we install the descriptor: make
		 * sure one is free first (Linux takes it before anything). */
		unsigned fd = 0;
		while (fd < POSIX_FD_MAX && proc->fd[fd] != NULL)
			fd++;
		if (fd == POSIX_FD_MAX)
			return -EMFILE;
		how |= FS_OPEN_TRUNCATE;
	}
	struct channel_message m, reply;
	posix_request_name(&m, FS_OP_OPEN_NAME, w->dir, w->name, w->name_length);
	m.arg[1] = how;
	m.arg[2] = mode & ~proc->umask & 07777;
	int64_t handle = posix_call(proc, &m, &reply);
	if (handle < 0)
		return (int)handle;
	uint32_t got = (uint32_t)reply.arg[1];
	if (handle == 0)
		return (got & FS_WIRE_TYPE_MASK) == FS_WIRE_SYMLINK ? OPEN_FOLLOW : -EIO;
	return open_install(proc, file, (uint32_t)reply.arg[2], got, (uint64_t)handle, flags);
}

static int open_at(struct posix_proc *proc, int dirfd, const char *path, int flags, mode_t mode)
{
	struct posix_walk w;
	int status;
	/* Linux (since 6.4) refuses the pair outright. */
	if ((flags & (O_CREAT | O_DIRECTORY)) == (O_CREAT | O_DIRECTORY))
		return -EINVAL;
	/* The common case in one request after the walk; a symlink at the
	 * end, ".", "..", a trailing slash or the console take the full
	 * path below. */
	status = posix_walk(proc, dirfd, path, POSIX_WALK_PARENT | POSIX_WALK_NO_LAST, &w);
	if (status != 0)
		return status;
	if (posix_walk_plain(&w)) {
		status = open_name(proc, &w, flags, mode);
		if (status != OPEN_FOLLOW)
			return status;
	}
	if (flags & O_CREAT) {
		unsigned walk = POSIX_WALK_PARENT;
		if (!(flags & (O_EXCL | O_NOFOLLOW)))
			walk |= POSIX_WALK_FOLLOW;
		status = posix_walk(proc, dirfd, path, walk, &w);
		if (status == 0 && w.console)
			return (flags & O_EXCL) ? -EEXIST : open_console(proc, flags);
		if (status == 0)
			status = open_create(proc, &w, flags, mode);
	} else {
		status = posix_walk_existing(proc, dirfd, path,
					     (flags & O_NOFOLLOW) ? 0 : POSIX_WALK_FOLLOW, &w);
		if (status == 0 && w.console)
			return open_console(proc, flags);
		if (status == 0 && (w.mode & FS_WIRE_TYPE_MASK) == FS_WIRE_SYMLINK)
			status = -ELOOP;
	}
	if (status != 0)
		return status;
	bool dir = posix_is_dir(w.mode);
	if ((flags & O_DIRECTORY) && !dir)
		return -ENOTDIR;
	if (dir && ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC)))
		return -EISDIR;
	struct posix_file *file = posix_file_new(proc);
	if (file == NULL)
		return -ENFILE;
	struct channel_message m, reply;
	posix_request(&m, FS_OP_OPEN, w.ino, 0, 0, 0);
	int64_t handle = posix_call(proc, &m, &reply);
	if (handle < 0)
		return (int)handle;
	int fd = open_install(proc, file, w.ino, w.mode, (uint64_t)handle, flags);
	if (fd < 0)
		return fd;
	/* Linux truncates a regular file on O_TRUNC even when opened read-only. */
	if ((flags & O_TRUNC) && !dir) {
		posix_request(&m, FS_OP_TRUNCATE, w.ino, 0, 0, 0);
		int64_t r = posix_call(proc, &m, &reply);
		if (r < 0) {
			(void)POSIX_NAME(close)(fd);
			return (int)r;
		}
	}
	return fd;
}

int POSIX_NAME(openat)(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;
	if (flags & O_CREAT) {
		va_list args;
		va_start(args, flags);
		mode = (mode_t)va_arg(args, int);
		va_end(args);
	}
	int fd = open_at(posix_self(), dirfd, path, flags, mode);
	return fd < 0 ? posix_fail(-fd) : fd;
}

int POSIX_NAME(open)(const char *path, int flags, ...)
{
	mode_t mode = 0;
	if (flags & O_CREAT) {
		va_list args;
		va_start(args, flags);
		mode = (mode_t)va_arg(args, int);
		va_end(args);
	}
	int fd = open_at(posix_self(), AT_FDCWD, path, flags, mode);
	return fd < 0 ? posix_fail(-fd) : fd;
}

int POSIX_NAME(creat)(const char *path, mode_t mode)
{
	return POSIX_NAME(open)(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
}

/* The description of `fd` for a read (want O_RDONLY) or a write. */
static struct posix_file *io_file(struct posix_proc *proc, int fd, bool write, int *err)
{
	struct posix_file *file = posix_fd_file(proc, fd);
	int access = file == NULL ? 0 : file->flags & O_ACCMODE;
	if (file == NULL || access == (write ? O_RDONLY : O_WRONLY)) {
		*err = EBADF;
		return NULL;
	}
	if (file->kind == POSIX_KIND_DIRECTORY) {
		*err = write ? EBADF : EISDIR;
		return NULL;
	}
	return file;
}

/* A read of a regular file's bytes: from the data cache when it has them
 * at the file's current generation (no request), else from the server. */
static inline ssize_t file_read(struct posix_proc *proc, struct posix_file *file, uint64_t offset,
				void *buffer, size_t length)
{
	int64_t r = posix_cache_read(proc, file, offset, buffer, length);
	if (r == POSIX_CACHE_MISS && posix_cache_due(proc, file, offset, length))
		r = posix_cache_fill_read(proc, file, offset, buffer, length);
	if (r != POSIX_CACHE_MISS)
		return (ssize_t)r;
	uint64_t end;
	return data(proc, file, FS_OP_READ, offset, buffer, length, false, &end);
}

ssize_t POSIX_NAME(read)(int fd, void *buffer, size_t length)
{
	struct posix_proc *proc = posix_self();
	int err;
	struct posix_file *file = io_file(proc, fd, false, &err);
	if (file == NULL)
		return posix_fail(err);
	if (file->kind == POSIX_KIND_CONSOLE)
		return 0;
	ssize_t r = file_read(proc, file, file->offset, buffer, length);
	if (r > 0)
		file->offset += (uint64_t)r;
	return r;
}

ssize_t POSIX_NAME(write)(int fd, const void *buffer, size_t length)
{
	struct posix_proc *proc = posix_self();
	int err;
	struct posix_file *file = io_file(proc, fd, true, &err);
	if (file == NULL)
		return posix_fail(err);
	if (file->kind == POSIX_KIND_CONSOLE) {
		if (proc->console != NULL)
			proc->console(proc->console_context, buffer, length);
		return (ssize_t)length;
	}
	uint64_t end;
	ssize_t r = data(proc, file, FS_OP_WRITE, file->offset, (void *)buffer, length,
			 (file->flags & O_APPEND) != 0, &end);
	if (r >= 0)
		file->offset = end;
	return r;
}

ssize_t POSIX_NAME(pread)(int fd, void *buffer, size_t length, off_t offset)
{
	struct posix_proc *proc = posix_self();
	if (offset < 0)
		return posix_fail(EINVAL);
	struct posix_file *file = posix_fd_file(proc, fd);
	if (file != NULL && file->kind == POSIX_KIND_CONSOLE)
		return posix_fail(ESPIPE);
	int err;
	file = io_file(proc, fd, false, &err);
	if (file == NULL)
		return posix_fail(err);
	return file_read(proc, file, (uint64_t)offset, buffer, length);
}

ssize_t POSIX_NAME(pwrite)(int fd, const void *buffer, size_t length, off_t offset)
{
	struct posix_proc *proc = posix_self();
	if (offset < 0)
		return posix_fail(EINVAL);
	struct posix_file *file = posix_fd_file(proc, fd);
	if (file != NULL && file->kind == POSIX_KIND_CONSOLE)
		return posix_fail(ESPIPE);
	int err;
	file = io_file(proc, fd, true, &err);
	if (file == NULL)
		return posix_fail(err);
	/* Linux appends on an O_APPEND descriptor whatever the offset. */
	uint64_t end;
	return data(proc, file, FS_OP_WRITE, (uint64_t)offset, (void *)buffer, length,
		    (file->flags & O_APPEND) != 0, &end);
}

off_t POSIX_NAME(lseek)(int fd, off_t offset, int whence)
{
	struct posix_proc *proc = posix_self();
	struct posix_file *file = posix_fd_file(proc, fd);
	if (file == NULL)
		return posix_fail(EBADF);
	if (file->kind == POSIX_KIND_CONSOLE)
		return posix_fail(ESPIPE);
	int64_t base;
	struct fs_wire_stat st = { 0 };
	if (whence == SEEK_END || whence == SEEK_DATA || whence == SEEK_HOLE) {
		int status = posix_getattr(proc, file->ino, &st);
		if (status != 0)
			return posix_fail(-status);
	}
	switch (whence) {
	case SEEK_SET: base = 0; break;
	case SEEK_CUR: base = (int64_t)file->offset; break;
	case SEEK_END: base = (int64_t)st.size; break;
	case SEEK_DATA:
	case SEEK_HOLE:
		/* Holes are not reported: the file's data runs to its end (what
		 * POSIX allows and Linux does on file systems without holes). */
		if (offset < 0 || (uint64_t)offset >= st.size)
			return posix_fail(ENXIO);
		file->offset = whence == SEEK_DATA ? (uint64_t)offset : st.size;
		return (off_t)file->offset;
	default: return posix_fail(EINVAL);
	}
	if ((offset > 0 && base > INT64_MAX - offset))
		return posix_fail(EOVERFLOW);
	if (base + offset < 0)
		return posix_fail(EINVAL);
	file->offset = (uint64_t)(base + offset);
	return (off_t)file->offset;
}

static void console_stat(struct stat *out)
{
	memset(out, 0, sizeof *out);
	out->st_mode = S_IFCHR | 0620;
	out->st_nlink = 1;
	out->st_rdev = 0x0501; /* Linux's /dev/console: 5, 1 */
	out->st_blksize = 1024;
}

static int stat_ino(struct posix_proc *proc, uint32_t ino, struct stat *out)
{
	struct fs_wire_stat st;
	int status = posix_getattr(proc, ino, &st);
	if (status != 0)
		return posix_fail(-status);
	posix_fill_stat(&st, out);
	return 0;
}

int POSIX_NAME(fstatat)(int dirfd, const char *path, struct stat *out, int flags)
{
	struct posix_proc *proc = posix_self();
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
		return posix_fail(EINVAL);
	if ((flags & AT_EMPTY_PATH) && path != NULL && path[0] == 0) {
		if (dirfd == AT_FDCWD)
			return stat_ino(proc, proc->cwd_ino, out);
		return POSIX_NAME(fstat)(dirfd, out);
	}
	struct posix_walk w;
	int status = posix_walk_existing(proc, dirfd, path,
					 (flags & AT_SYMLINK_NOFOLLOW) ? 0 : POSIX_WALK_FOLLOW, &w);
	if (status != 0)
		return posix_fail(-status);
	if (w.console) {
		console_stat(out);
		return 0;
	}
	if (w.has_stat && w.stat.ino == w.ino) {
		posix_fill_stat(&w.stat, out);
		return 0;
	}
	return stat_ino(proc, w.ino, out);
}

int POSIX_NAME(stat)(const char *path, struct stat *out)
{
	return POSIX_NAME(fstatat)(AT_FDCWD, path, out, 0);
}

int POSIX_NAME(lstat)(const char *path, struct stat *out)
{
	return POSIX_NAME(fstatat)(AT_FDCWD, path, out, AT_SYMLINK_NOFOLLOW);
}

int POSIX_NAME(fstat)(int fd, struct stat *out)
{
	struct posix_proc *proc = posix_self();
	struct posix_file *file = posix_fd_file(proc, fd);
	if (file == NULL)
		return posix_fail(EBADF);
	if (file->kind == POSIX_KIND_CONSOLE) {
		console_stat(out);
		return 0;
	}
	return stat_ino(proc, file->ino, out);
}

static int truncate_ino(struct posix_proc *proc, uint32_t ino, off_t length)
{
	struct channel_message m, reply;
	posix_request(&m, FS_OP_TRUNCATE, ino, (uint64_t)length, 0, 0);
	int64_t r = posix_call(proc, &m, &reply);
	return r < 0 ? posix_fail((int)-r) : 0;
}

int POSIX_NAME(ftruncate)(int fd, off_t length)
{
	struct posix_proc *proc = posix_self();
	if (length < 0)
		return posix_fail(EINVAL);
	struct posix_file *file = posix_fd_file(proc, fd);
	if (file == NULL)
		return posix_fail(EBADF);
	if (file->kind != POSIX_KIND_FILE || (file->flags & O_ACCMODE) == O_RDONLY)
		return posix_fail(EINVAL);
	return truncate_ino(proc, file->ino, length);
}

int POSIX_NAME(truncate)(const char *path, off_t length)
{
	struct posix_proc *proc = posix_self();
	if (length < 0)
		return posix_fail(EINVAL);
	struct posix_walk w;
	int status = posix_walk_existing(proc, AT_FDCWD, path, POSIX_WALK_FOLLOW, &w);
	if (status != 0)
		return posix_fail(-status);
	if (w.console)
		return posix_fail(EINVAL);
	if (posix_is_dir(w.mode))
		return posix_fail(EISDIR);
	return truncate_ino(proc, w.ino, length);
}

static int sync_fd(int fd, uint64_t data_only)
{
	struct posix_proc *proc = posix_self();
	struct posix_file *file = posix_fd_file(proc, fd);
	if (file == NULL)
		return posix_fail(EBADF);
	if (file->kind == POSIX_KIND_CONSOLE)
		return posix_fail(EINVAL);
	struct channel_message m, reply;
	posix_request(&m, FS_OP_FSYNC, file->handle, data_only, 0, 0);
	int64_t r = posix_call(proc, &m, &reply);
	return r < 0 ? posix_fail((int)-r) : 0;
}

int POSIX_NAME(fsync)(int fd)
{
	return sync_fd(fd, 0);
}

int POSIX_NAME(fdatasync)(int fd)
{
	return sync_fd(fd, 1);
}

static int statfs_now(struct posix_proc *proc, struct statvfs *out)
{
	struct channel_message m, reply;
	posix_request(&m, FS_OP_STATFS, 0, 0, 0, 0);
	int64_t r = posix_call(proc, &m, &reply);
	if (r < 0)
		return posix_fail((int)-r);
	struct fs_wire_statfs s;
	if (reply.length != sizeof s)
		return posix_fail(EIO);
	memcpy(&s, reply.payload, sizeof s);
	memset(out, 0, sizeof *out);
	out->f_bsize = out->f_frsize = (unsigned long)s.block_size;
	out->f_blocks = (fsblkcnt_t)s.blocks;
	out->f_bfree = (fsblkcnt_t)s.free_blocks;
	out->f_bavail = (fsblkcnt_t)s.available_blocks;
	out->f_files = (fsfilcnt_t)s.inodes;
	out->f_ffree = out->f_favail = (fsfilcnt_t)s.free_inodes;
	out->f_fsid = 0x4b4f53;
	out->f_flag = s.read_only ? ST_RDONLY : 0;
	out->f_namemax = s.name_max;
	return 0;
}

int POSIX_NAME(statvfs)(const char *path, struct statvfs *out)
{
	struct posix_proc *proc = posix_self();
	struct posix_walk w;
	int status = posix_walk_existing(proc, AT_FDCWD, path, POSIX_WALK_FOLLOW, &w);
	if (status != 0)
		return posix_fail(-status);
	return statfs_now(proc, out);
}

int POSIX_NAME(fstatvfs)(int fd, struct statvfs *out)
{
	struct posix_proc *proc = posix_self();
	if (posix_fd_file(proc, fd) == NULL)
		return posix_fail(EBADF);
	return statfs_now(proc, out);
}
