/* SPDX-License-Identifier: MIT */
/*
 * The POSIX layer's transport: a process's requests to the file-system
 * server over its channel, the transfer windows that carry large data,
 * the mapping of the server's status to errno, and the process itself
 * (init, fini, the calling thread's current process). Every synchronous
 * call is a submit and a wait on its own tag; replies to AIO requests that
 * arrive meanwhile are kept by the channel library until asked for.
 */
#include <string.h>

#include "posix_internal.h"
#include "word_copy.h"

_Static_assert(POSIX_WINDOWS == 64, "the windows are the bits of one word");

static _Thread_local struct posix_proc *current;

void posix_proc_use(struct posix_proc *proc)
{
	current = proc;
}

struct posix_proc *posix_proc_current(void)
{
	return current;
}

struct posix_proc *posix_self(void)
{
	return current;
}

/* Linux's errno numbers (the wire's) to this C library's errno. */
int posix_errno(int64_t status)
{
	switch (-status) {
	case 1: return EPERM;
	case 2: return ENOENT;
	case 5: return EIO;
	case 9: return EBADF;
	case 12: return ENOMEM;
	case 13: return EACCES;
	case 17: return EEXIST;
	case 18: return EXDEV;
	case 20: return ENOTDIR;
	case 21: return EISDIR;
	case 22: return EINVAL;
	case 27: return EFBIG;
	case 28: return ENOSPC;
	case 30: return EROFS;
	case 31: return EMLINK;
	case 34: return ERANGE;
	case 36: return ENAMETOOLONG;
	case 39: return ENOTEMPTY;
	case 40: return ELOOP;
	case 95: return EOPNOTSUPP;
	case 117: return EIO; /* EUCLEAN: the disk is inconsistent */
	default: return EIO;
	}
}

int posix_proc_init(struct posix_proc *proc, struct channel_client *fs, void *windows,
		    const fs_generation_word *generations, posix_console_fn console,
		    void *console_context)
{
	memset(proc, 0, sizeof *proc);
	if (fs == NULL || windows == NULL || ((uintptr_t)windows & (CHANNEL_PAGE_SIZE - 1)) != 0)
		return EINVAL;
	proc->fs = fs;
	proc->windows = windows;
	proc->generations = generations;
	for (uint32_t i = 0; i < POSIX_CACHE_PAGES; i++)
		proc->cache[i].data = proc->windows + (size_t)POSIX_WINDOWS * POSIX_WINDOW_SIZE +
				      (size_t)i * POSIX_CACHE_PAGE;
	proc->free_windows = POSIX_WINDOWS == 64 ? UINT64_MAX : (UINT64_C(1) << POSIX_WINDOWS) - 1;
	proc->console = console;
	proc->console_context = console_context;
	proc->root_ino = proc->cwd_ino = 2; /* ext2's root (EXT2_ROOT_INO) */
	proc->umask = 022;
	struct posix_file *file = &proc->file[0];
	file->kind = POSIX_KIND_CONSOLE;
	file->flags = O_RDWR;
	for (int fd = 0; fd < 3; fd++) {
		proc->fd[fd] = file;
		file->refs++;
	}
	return 0;
}

void posix_proc_fini(struct posix_proc *proc)
{
	while (posix_collect_one(proc, CHANNEL_FOREVER)) {
	}
	for (uint32_t fd = 0; fd < POSIX_FD_MAX; fd++) {
		if (proc->fd[fd] != NULL) {
			(void)posix_file_put(proc, proc->fd[fd]);
			proc->fd[fd] = NULL;
		}
	}
	posix_release_cwd(proc);
}

uint32_t posix_window_take(struct posix_proc *proc)
{
	while (proc->free_windows == 0) {
		if (!posix_collect_one(proc, CHANNEL_FOREVER))
			return POSIX_NO_WINDOW;
	}
	uint32_t window = (uint32_t)__builtin_ctzll(proc->free_windows);
	proc->free_windows &= ~(UINT64_C(1) << window);
	return window;
}

void posix_window_give(struct posix_proc *proc, uint32_t window)
{
	proc->free_windows |= UINT64_C(1) << window;
}

/* Windows are 8-byte aligned, so the data path takes word_copy's words;
 * anything else is short or misaligned and goes to memcpy. */
void posix_copy(void *to, const void *from, size_t n)
{
	if ((((uintptr_t)to ^ (uintptr_t)from) & 7u) != 0 || n < 64) {
		memcpy(to, from, n);
		return;
	}
	word_copy(to, from, n);
}

void posix_window_attach(struct posix_proc *proc, struct channel_message *request, uint32_t window,
			 size_t length, bool writable)
{
	size_t pages = (length + CHANNEL_PAGE_SIZE - 1) / CHANNEL_PAGE_SIZE;
	request->flags = CHANNEL_FLAG_LARGE | (writable ? CHANNEL_FLAG_LARGE_WRITABLE : 0);
	request->large.address = (uint64_t)(uintptr_t)posix_window(proc, window);
	request->large.length = (pages == 0 ? 1 : pages) * CHANNEL_PAGE_SIZE;
}

void posix_request(struct channel_message *m, enum fs_op op, uint64_t a0, uint64_t a1, uint64_t a2,
		   uint64_t a3)
{
	memset(m, 0, offsetof(struct channel_message, payload));
	m->opcode = op;
	m->arg[0] = a0;
	m->arg[1] = a1;
	m->arg[2] = a2;
	m->arg[3] = a3;
}

void posix_request_name(struct channel_message *m, enum fs_op op, uint64_t dir, const char *name,
			size_t length)
{
	posix_request(m, op, dir, 0, 0, 0);
	memcpy(m->payload, name, length);
	m->length = (uint32_t)length;
}

int posix_submit(struct posix_proc *proc, const struct channel_message *request, uint32_t *tag)
{
	for (;;) {
		enum error err = channel_client_submit(proc->fs, request, tag);
		if (err == ERR_OK) {
			proc->calls++;
			return 0;
		}
		/* Full: every slot holds an AIO request (a synchronous call
		 * waits for its own reply before the next); finish one. */
		if (err != ERR_NOT_ENOUGH_MEMORY || !posix_collect_one(proc, CHANNEL_FOREVER))
			return -EIO;
	}
}

int64_t posix_result(const struct channel_message *reply)
{
	if (reply->opcode != ERR_OK)
		return -EIO;
	int64_t result = (int64_t)reply->arg[0];
	return result < 0 ? -posix_errno(result) : result;
}

int64_t posix_wait(struct posix_proc *proc, uint32_t tag, struct channel_message *reply)
{
	if (proc->pump != NULL)
		proc->pump(proc->pump_context);
	/* A look first (timeout 0: the channel's inline path, where a reply
	 * that is already there costs least), then the wait. */
	enum error err = channel_client_wait(proc->fs, tag, 0, reply);
	if (err == ERR_FAILED_LOOKUP)
		err = channel_client_wait(proc->fs, tag, CHANNEL_FOREVER, reply);
	if (err != ERR_OK)
		return -EIO;
	return posix_result(reply);
}

int64_t posix_call(struct posix_proc *proc, const struct channel_message *request,
		   struct channel_message *reply)
{
	uint32_t tag;
	int status = posix_submit(proc, request, &tag);
	if (status != 0)
		return status;
	return posix_wait(proc, tag, reply);
}

bool posix_collect_one(struct posix_proc *proc, uint64_t timeout_ns)
{
	if (channel_client_outstanding(proc->fs) == 0)
		return false;
	if (proc->pump != NULL)
		proc->pump(proc->pump_context);
	struct channel_message reply;
	if (channel_client_wait(proc->fs, CHANNEL_ANY, timeout_ns, &reply) != ERR_OK)
		return false;
	for (uint32_t w = 0; w < POSIX_WINDOWS; w++) {
		if (proc->aio[w] != NULL && proc->aio_tag[w] == reply.tag) {
			posix_aio_complete(proc, w, &reply);
			break;
		}
	}
	return true;
}

int posix_getattr(struct posix_proc *proc, uint32_t ino, struct fs_wire_stat *out)
{
	struct channel_message m, reply;
	posix_request(&m, FS_OP_GETATTR, ino, 0, 0, 0);
	int64_t r = posix_call(proc, &m, &reply);
	if (r < 0)
		return (int)r;
	if (reply.length != sizeof *out)
		return -EIO;
	memcpy(out, reply.payload, sizeof *out);
	return 0;
}

void posix_fill_stat(const struct fs_wire_stat *w, struct stat *out)
{
	memset(out, 0, sizeof *out);
	out->st_dev = 0x4b; /* one device: the ext2 server (dev_t is 16 bits in picolibc) */
	out->st_ino = (ino_t)w->ino;
	out->st_mode = (mode_t)w->mode;
	out->st_nlink = (nlink_t)w->links;
	out->st_uid = (uid_t)w->uid;
	out->st_gid = (gid_t)w->gid;
	out->st_size = (off_t)w->size;
	out->st_blocks = (blkcnt_t)w->blocks;
	out->st_blksize = (blksize_t)w->block_size;
	out->st_atim.tv_sec = (time_t)w->atime;
	out->st_atim.tv_nsec = w->atime_ns;
	out->st_mtim.tv_sec = (time_t)w->mtime;
	out->st_mtim.tv_nsec = w->mtime_ns;
	out->st_ctim.tv_sec = (time_t)w->ctime;
	out->st_ctim.tv_nsec = w->ctime_ns;
}

bool posix_proc_check_invariants(const struct posix_proc *proc)
{
	uint32_t refs[POSIX_FILE_MAX] = { 0 };
	for (uint32_t fd = 0; fd < POSIX_FD_MAX; fd++) {
		const struct posix_file *file = proc->fd[fd];
		if (file == NULL) {
			if (proc->cloexec[fd])
				return false;
			continue;
		}
		if (file < proc->file || file >= proc->file + POSIX_FILE_MAX ||
		    file->kind == POSIX_KIND_FREE)
			return false;
		refs[file - proc->file]++;
	}
	for (uint32_t i = 0; i < POSIX_FILE_MAX; i++) {
		if (refs[i] != (proc->file[i].kind == POSIX_KIND_FREE ? 0 : proc->file[i].refs))
			return false;
	}
	uint64_t windows = 0;
	uint32_t in_flight = 0;
	for (uint32_t slot = 0; slot < POSIX_WINDOWS; slot++) {
		const struct POSIX_NAME(aiocb) *cb = proc->aio[slot];
		if (cb == NULL)
			continue;
		if (cb->aio_state != POSIX_AIO_IN_FLIGHT)
			return false;
		if (cb->aio_window != POSIX_NO_WINDOW) {
			if (cb->aio_window >= POSIX_WINDOWS || (windows >> cb->aio_window & 1))
				return false;
			windows |= UINT64_C(1) << cb->aio_window;
		}
		in_flight++;
	}
	if ((windows | proc->free_windows) != UINT64_MAX || (windows & proc->free_windows) != 0)
		return false;
	if (!posix_cache_check(proc) || channel_client_check_invariants(proc->fs) != ERR_OK ||
	    channel_client_outstanding(proc->fs) != in_flight)
		return false;
	return (proc->cwd_handle == 0) == (proc->cwd_ino == proc->root_ino);
}
