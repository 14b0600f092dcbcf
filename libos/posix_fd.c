/* SPDX-License-Identifier: MIT */
/*
 * The descriptor table: descriptors name open file descriptions (shared by
 * dup, with one offset), each with its own close-on-exec flag; a
 * description holds the server's open handle until its last descriptor
 * closes. close, dup, dup2, dup3, fcntl, isatty, umask.
 */
#include <stdarg.h>
#include <string.h>

#include "posix_internal.h"

/* The flags F_SETFL may change (Linux's SETFL_MASK, of those we keep). */
#define SETFL_FLAGS (O_APPEND | O_NONBLOCK)

struct posix_file *posix_fd_file(struct posix_proc *proc, int fd)
{
	if (fd < 0 || (unsigned)fd >= POSIX_FD_MAX)
		return NULL;
	return proc->fd[fd];
}

int posix_fd_install(struct posix_proc *proc, int from, struct posix_file *file, bool cloexec)
{
	for (unsigned fd = (unsigned)from; fd < POSIX_FD_MAX; fd++) {
		if (proc->fd[fd] == NULL) {
			proc->fd[fd] = file;
			proc->cloexec[fd] = cloexec;
			file->refs++;
			return (int)fd;
		}
	}
	return -EMFILE;
}

struct posix_file *posix_file_new(struct posix_proc *proc)
{
	for (unsigned i = 0; i < POSIX_FILE_MAX; i++) {
		struct posix_file *file = &proc->file[i];
		if (file->kind == POSIX_KIND_FREE) {
			memset(file, 0, sizeof *file);
			return file;
		}
	}
	return NULL;
}

int posix_file_put(struct posix_proc *proc, struct posix_file *file)
{
	if (--file->refs != 0)
		return 0;
	enum posix_kind kind = file->kind;
	file->kind = POSIX_KIND_FREE;
	posix_cache_drop(file);
	switch (kind) {
	case POSIX_KIND_FILE:
	case POSIX_KIND_DIRECTORY: {
		struct channel_message m, reply;
		posix_request(&m, FS_OP_RELEASE, file->handle, 0, 0, 0);
		int64_t r = posix_call(proc, &m, &reply);
		return r < 0 ? (int)r : 0;
	}
	case POSIX_KIND_CONSOLE:
	case POSIX_KIND_FREE: return 0;
	}
	return 0;
}

int POSIX_NAME(close)(int fd)
{
	struct posix_proc *proc = posix_self();
	struct posix_file *file = posix_fd_file(proc, fd);
	if (file == NULL)
		return posix_fail(EBADF);
	proc->fd[fd] = NULL;
	proc->cloexec[fd] = false;
	int status = posix_file_put(proc, file);
	return status < 0 ? posix_fail(-status) : 0;
}

int POSIX_NAME(dup)(int fd)
{
	struct posix_proc *proc = posix_self();
	struct posix_file *file = posix_fd_file(proc, fd);
	if (file == NULL)
		return posix_fail(EBADF);
	int to = posix_fd_install(proc, 0, file, false);
	return to < 0 ? posix_fail(-to) : to;
}

/* dup2 and dup3 after their own argument checks: `to` replaced silently. */
static int dup_to(struct posix_proc *proc, struct posix_file *file, int to, bool cloexec)
{
	struct posix_file *old = proc->fd[to];
	proc->fd[to] = file;
	proc->cloexec[to] = cloexec;
	file->refs++;
	if (old != NULL)
		(void)posix_file_put(proc, old);
	return to;
}

int POSIX_NAME(dup2)(int fd, int to)
{
	struct posix_proc *proc = posix_self();
	struct posix_file *file = posix_fd_file(proc, fd);
	if (file == NULL || to < 0 || (unsigned)to >= POSIX_FD_MAX)
		return posix_fail(EBADF);
	if (fd == to)
		return to;
	return dup_to(proc, file, to, false);
}

int POSIX_NAME(dup3)(int fd, int to, int flags)
{
	struct posix_proc *proc = posix_self();
	if ((flags & ~O_CLOEXEC) != 0)
		return posix_fail(EINVAL);
	struct posix_file *file = posix_fd_file(proc, fd);
	if (file == NULL || to < 0 || (unsigned)to >= POSIX_FD_MAX)
		return posix_fail(EBADF);
	if (fd == to)
		return posix_fail(EINVAL);
	return dup_to(proc, file, to, (flags & O_CLOEXEC) != 0);
}

int POSIX_NAME(fcntl)(int fd, int command, ...)
{
	struct posix_proc *proc = posix_self();
	va_list args;
	va_start(args, command);
	int arg = 0;
	if (command == F_DUPFD || command == F_DUPFD_CLOEXEC || command == F_SETFD ||
	    command == F_SETFL)
		arg = va_arg(args, int);
	va_end(args);
	struct posix_file *file = posix_fd_file(proc, fd);
	if (file == NULL)
		return posix_fail(EBADF);
	switch (command) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC: {
		if (arg < 0 || (unsigned)arg >= POSIX_FD_MAX)
			return posix_fail(EINVAL);
		int to = posix_fd_install(proc, arg, file, command == F_DUPFD_CLOEXEC);
		return to < 0 ? posix_fail(-to) : to;
	}
	case F_GETFD: return proc->cloexec[fd] ? FD_CLOEXEC : 0;
	case F_SETFD: proc->cloexec[fd] = (arg & FD_CLOEXEC) != 0; return 0;
	case F_GETFL: return file->flags;
	case F_SETFL: file->flags = (file->flags & ~SETFL_FLAGS) | (arg & SETFL_FLAGS); return 0;
	default: return posix_fail(EINVAL);
	}
}

int POSIX_NAME(isatty)(int fd)
{
	struct posix_file *file = posix_fd_file(posix_self(), fd);
	if (file == NULL)
		return posix_fail(EBADF), 0;
	if (file->kind != POSIX_KIND_CONSOLE)
		return posix_fail(ENOTTY), 0;
	return 1;
}

mode_t POSIX_NAME(umask)(mode_t mask)
{
	struct posix_proc *proc = posix_self();
	mode_t old = proc->umask;
	proc->umask = mask & 0777;
	return old;
}
