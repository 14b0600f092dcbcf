/* SPDX-License-Identifier: MIT */
/*
 * Path resolution: a path (absolute, or relative to the cwd or to a
 * directory descriptor) walked one name at a time with FS_OP_LOOKUP, "."
 * and ".." resolved physically, symlinks expanded in place (at most
 * POSIX_SYMLOOP_MAX per resolution: ELOOP), and the mount table: "/" is
 * the ext2 server's root, "/dev/console" the console device. Also chdir
 * and getcwd (which walks ".." up to the root, finding each name by its
 * inode number). Errors are Linux's, in Linux's order (docs/posix.md).
 */
#include <stdlib.h>
#include <string.h>

#include "posix_internal.h"

#define CONSOLE_PATH "/dev/console"

/* LOOKUP: the inode, its mode and (when `st` is given and the reply has
 * it) its attributes; *has_stat says whether they came. */
static int lookup(struct posix_proc *proc, uint32_t dir, const char *name, size_t length,
		  uint32_t *ino, uint32_t *mode, struct fs_wire_stat *st, bool *has_stat)
{
	struct channel_message m, reply;
	posix_request_name(&m, FS_OP_LOOKUP, dir, name, length);
	int64_t r = posix_call(proc, &m, &reply);
	if (r < 0)
		return (int)r;
	*ino = (uint32_t)r;
	*mode = (uint32_t)reply.arg[1];
	if (st != NULL) {
		*has_stat = reply.length == sizeof *st;
		if (*has_stat)
			memcpy(st, reply.payload, sizeof *st);
	}
	return 0;
}

/* The target of symlink `ino` into `window`: its length or -errno. */
static int64_t read_link(struct posix_proc *proc, uint32_t ino, uint32_t window)
{
	struct channel_message m, reply;
	posix_request(&m, FS_OP_READLINK, ino, 0, 0, 0);
	posix_window_attach(proc, &m, window, POSIX_PATH_MAX, true);
	int64_t r = posix_call(proc, &m, &reply);
	if (r >= (int64_t)POSIX_PATH_MAX)
		return -ENAMETOOLONG;
	return r;
}

/* The directory a relative path starts from. */
static int start_dir(struct posix_proc *proc, int dirfd, uint32_t *dir)
{
	if (dirfd == AT_FDCWD) {
		*dir = proc->cwd_ino;
		return 0;
	}
	struct posix_file *file = posix_fd_file(proc, dirfd);
	if (file == NULL)
		return -EBADF;
	if (file->kind != POSIX_KIND_DIRECTORY)
		return -ENOTDIR;
	*dir = file->ino;
	return 0;
}

/* Replace the walked name at buf[..pos) with a symlink's target: the buffer
 * becomes target + buf[pos..]. */
static int splice_target(struct posix_proc *proc, size_t pos, const uint8_t *target,
			 size_t target_length)
{
	char *buf = proc->walk;
	size_t rest = strlen(buf + pos);
	if (target_length + rest + 1 > sizeof proc->walk)
		return -ENAMETOOLONG;
	memmove(buf + target_length, buf + pos, rest + 1);
	memcpy(buf, target, target_length);
	return 0;
}

/* Follow the symlink `ino` met while walking: splice its target in and
 * say where the walk goes on from. */
static int follow(struct posix_proc *proc, uint32_t ino, size_t pos, uint32_t *cur)
{
	uint32_t window = posix_window_take(proc);
	if (window == POSIX_NO_WINDOW)
		return -EIO;
	int64_t length = read_link(proc, ino, window);
	const uint8_t *target = posix_window(proc, window);
	int status = length < 0 ? (int)length : length == 0 ? -ENOENT : 0;
	if (status == 0)
		status = splice_target(proc, pos, target, (size_t)length);
	if (status == 0 && target[0] == '/')
		*cur = proc->root_ino;
	posix_window_give(proc, window);
	return status;
}

int posix_walk(struct posix_proc *proc, int dirfd, const char *path, unsigned flags,
	       struct posix_walk *w)
{
	memset(w, 0, offsetof(struct posix_walk, name));
	w->name[0] = 0;
	if (path == NULL)
		return -EFAULT;
	size_t length = strnlen(path, POSIX_PATH_MAX);
	if (length == 0)
		return -ENOENT;
	if (length >= POSIX_PATH_MAX)
		return -ENAMETOOLONG;
	if (strcmp(path, CONSOLE_PATH) == 0) {
		w->console = true;
		w->mode = S_IFCHR | 0620;
		return 0;
	}
	uint32_t cur = proc->root_ino;
	if (path[0] != '/') {
		int status = start_dir(proc, dirfd, &cur);
		if (status != 0)
			return status;
	}
	char *buf = proc->walk;
	memcpy(buf, path, length + 1);
	size_t pos = 0;
	unsigned links = 0;
	bool any = false;
	for (;;) {
		while (buf[pos] == '/')
			pos++;
		if (buf[pos] == 0) {
			/* Nothing (more) to walk: the path names `cur`. */
			w->has_stat = false;
			w->dir = w->ino = cur;
			w->mode = FS_WIRE_DIRECTORY;
			w->last = any ? POSIX_LAST_NORMAL : POSIX_LAST_ROOT;
			return 0;
		}
		any = true;
		size_t start = pos;
		while (buf[pos] != 0 && buf[pos] != '/')
			pos++;
		size_t name_length = pos - start, after = pos;
		while (buf[after] == '/')
			after++;
		bool last = buf[after] == 0, trailing = last && after > pos;
		if (name_length > FS_PATH_NAME_MAX)
			return -ENAMETOOLONG;
		const char *name = buf + start;
		enum posix_last kind = POSIX_LAST_NORMAL;
		uint32_t ino = cur, mode = FS_WIRE_DIRECTORY;
		int status = 0;
		if (name_length == 1 && name[0] == '.')
			kind = POSIX_LAST_DOT;
		else if (name_length == 2 && name[0] == '.' && name[1] == '.')
			kind = POSIX_LAST_DOTDOT;
		w->has_stat = false;
		if (last && kind == POSIX_LAST_NORMAL && !trailing &&
		    (flags & POSIX_WALK_NO_LAST)) {
			w->dir = cur;
			w->last = kind;
			w->name_length = name_length;
			memcpy(w->name, name, name_length);
			w->name[name_length] = 0;
			return 0;
		}
		if (kind == POSIX_LAST_NORMAL ||
		    (kind == POSIX_LAST_DOTDOT && cur != proc->root_ino))
			status = lookup(proc, cur, name, name_length, &ino, &mode, &w->stat,
					&w->has_stat);
		if (last) {
			w->dir = cur;
			w->last = kind;
			w->trailing_slash = trailing;
			w->name_length = name_length;
			memcpy(w->name, name, name_length);
			w->name[name_length] = 0;
		}
		if (status != 0) {
			if (!last || status != -ENOENT)
				return status;
			w->missing = ENOENT;
			return 0;
		}
		bool link = (mode & FS_WIRE_TYPE_MASK) == FS_WIRE_SYMLINK;
		if (link && (!last || (flags & POSIX_WALK_FOLLOW) ||
			     (trailing && !(flags & POSIX_WALK_PARENT)))) {
			if (++links > POSIX_SYMLOOP_MAX)
				return -ELOOP;
			status = follow(proc, ino, pos, &cur);
			if (status != 0)
				return status;
			pos = 0;
			continue;
		}
		if (!last) {
			if (!posix_is_dir(mode))
				return -ENOTDIR;
			cur = ino;
			pos = after;
			continue;
		}
		w->ino = ino;
		w->mode = mode;
		return 0;
	}
}

int posix_walk_existing(struct posix_proc *proc, int dirfd, const char *path, unsigned flags,
			struct posix_walk *w)
{
	int status = posix_walk(proc, dirfd, path, flags, w);
	if (status != 0 || w->console)
		return status;
	if (w->ino == 0)
		return -w->missing;
	if (w->trailing_slash && !posix_is_dir(w->mode))
		return -ENOTDIR;
	return 0;
}

int POSIX_NAME(chdir)(const char *path)
{
	struct posix_proc *proc = posix_self();
	struct posix_walk w;
	int status = posix_walk_existing(proc, AT_FDCWD, path, POSIX_WALK_FOLLOW, &w);
	if (status == 0 && (w.console || !posix_is_dir(w.mode)))
		status = -ENOTDIR;
	if (status != 0)
		return posix_fail(-status);
	/* Hold the new cwd open, as Linux holds a reference: removed, it
	 * stays a (dead) directory, and its inode is not reused under us. */
	uint64_t handle = 0;
	struct channel_message m, reply;
	if (w.ino != proc->root_ino) {
		posix_request(&m, FS_OP_OPEN, w.ino, 0, 0, 0);
		int64_t r = posix_call(proc, &m, &reply);
		if (r < 0)
			return posix_fail((int)-r);
		handle = (uint64_t)r;
	}
	posix_release_cwd(proc);
	proc->cwd_ino = w.ino;
	proc->cwd_handle = handle;
	return 0;
}

void posix_release_cwd(struct posix_proc *proc)
{
	if (proc->cwd_handle == 0)
		return;
	struct channel_message m, reply;
	posix_request(&m, FS_OP_RELEASE, proc->cwd_handle, 0, 0, 0);
	(void)posix_call(proc, &m, &reply); /* nothing to do if the server refuses */
	proc->cwd_handle = 0;
	proc->cwd_ino = proc->root_ino;
}

/* The name under which directory `parent` holds `ino` into `name`: its
 * length, or -errno (ENOENT when it holds it under no name). */
static int64_t name_in(struct posix_proc *proc, uint32_t parent, uint32_t ino, char *name)
{
	uint32_t window = posix_window_take(proc);
	if (window == POSIX_NO_WINDOW)
		return -EIO;
	uint64_t cookie = 0;
	int64_t found = -ENOENT;
	for (bool end = false; !end && found == -ENOENT;) {
		uint32_t count = 0;
		int64_t r = posix_readdir_batch(proc, parent, &cookie, window, &count, &end);
		if (r < 0) {
			found = r;
			break;
		}
		const uint8_t *at = posix_window(proc, window);
		for (uint32_t i = 0; i < count; i++) {
			struct fs_wire_dirent head;
			memcpy(&head, at, sizeof head);
			const char *entry = (const char *)at + sizeof head;
			bool dots = entry[0] == '.' && (head.name_length == 1 ||
							(head.name_length == 2 && entry[1] == '.'));
			if (head.ino == ino && !dots) {
				memcpy(name, entry, head.name_length);
				found = head.name_length;
				break;
			}
			at += fs_wire_dirent_size(head.name_length);
		}
	}
	posix_window_give(proc, window);
	return found;
}

char *POSIX_NAME(getcwd)(char *buffer, size_t size)
{
	struct posix_proc *proc = posix_self();
	if (buffer != NULL && size == 0) {
		posix_fail(EINVAL);
		return NULL;
	}
	/* Built backwards at the end of the walk buffer. */
	char *end = proc->walk + sizeof proc->walk, *at = end;
	*--at = 0;
	uint32_t ino = proc->cwd_ino;
	char name[FS_PATH_NAME_MAX + 1];
	while (ino != proc->root_ino) {
		uint32_t parent = 0, mode = 0;
		int status = lookup(proc, ino, "..", 2, &parent, &mode, NULL, NULL);
		int64_t length = status != 0 ? status : name_in(proc, parent, ino, name);
		if (length < 0) {
			posix_fail((int)-length);
			return NULL;
		}
		if ((size_t)(at - proc->walk) < (size_t)length + 1) {
			posix_fail(ENAMETOOLONG);
			return NULL;
		}
		at -= length;
		memcpy(at, name, (size_t)length);
		*--at = '/';
		ino = parent;
	}
	if (*at == 0)
		*--at = '/';
	size_t need = (size_t)(end - at);
	if (buffer == NULL && size == 0)
		size = need;
	if (need > size) {
		posix_fail(ERANGE);
		return NULL;
	}
	if (buffer == NULL) {
		buffer = malloc(size);
		if (buffer == NULL) {
			posix_fail(ENOMEM);
			return NULL;
		}
	}
	memcpy(buffer, at, need);
	return buffer;
}
