/* SPDX-License-Identifier: MIT */
/*
 * POSIX AIO: the asynchronous face of the file protocol. aio_read and
 * aio_write submit the same data request a synchronous read or write
 * submits (posix_data_submit) and return; the reply is collected later by
 * aio_error, aio_suspend or any call that needs a channel slot or a window,
 * in whatever order the server answers. Up to the channel's depth (64)
 * requests are in flight per process. Notifications (aio_sigevent) are not
 * delivered: completion is observed with aio_error / aio_suspend.
 */
#include <string.h>

#include "channel_port.h"
#include "posix_internal.h"

typedef struct POSIX_NAME(aiocb) aiocb_t;

static void finish(aiocb_t *cb, int64_t r)
{
	cb->aio_state = POSIX_AIO_DONE;
	cb->aio_error_value = r < 0 ? (int)-r : 0;
	cb->aio_result = r < 0 ? -1 : (ssize_t)r;
}

void posix_aio_complete(struct posix_proc *proc, uint32_t slot, const struct channel_message *reply)
{
	aiocb_t *cb = proc->aio[slot];
	proc->aio[slot] = NULL;
	int64_t r;
	if (cb->aio_op == FS_OP_FSYNC)
		r = posix_result(reply);
	else
		r = posix_data_finish(proc, reply, (enum fs_op)cb->aio_op, cb->aio_window,
				      (void *)cb->aio_buf, cb->aio_nbytes);
	finish(cb, r);
}

/* A free slot of the in-flight table (as many as the channel's depth, so
 * one is free whenever the channel has room). */
static uint32_t free_slot(struct posix_proc *proc)
{
	for (;;) {
		for (uint32_t slot = 0; slot < POSIX_WINDOWS; slot++) {
			if (proc->aio[slot] == NULL)
				return slot;
		}
		(void)posix_collect_one(proc, CHANNEL_FOREVER);
	}
}

/* Start a read, write or fsync: errors in the request itself complete it
 * at once (aio_error then reports them), as the host's C library does. */
static int start(aiocb_t *cb, enum fs_op op, uint64_t data_only)
{
	struct posix_proc *proc = posix_self();
	cb->aio_op = op;
	cb->aio_window = POSIX_NO_WINDOW;
	cb->aio_state = POSIX_AIO_IN_FLIGHT;
	cb->aio_error_value = EINPROGRESS;
	struct posix_file *file = posix_fd_file(proc, cb->aio_fildes);
	if (file == NULL)
		return finish(cb, -EBADF), 0;
	int access = file->flags & O_ACCMODE;
	if (op != FS_OP_FSYNC) {
		if (access == (op == FS_OP_WRITE ? O_RDONLY : O_WRONLY))
			return finish(cb, -EBADF), 0;
		if (file->kind == POSIX_KIND_DIRECTORY)
			return finish(cb, op == FS_OP_WRITE ? -EBADF : -EISDIR), 0;
		if (cb->aio_offset < 0 || cb->aio_nbytes > POSIX_AIO_MAX)
			return finish(cb, -EINVAL), 0;
	}
	if (file->kind == POSIX_KIND_CONSOLE) {
		if (op == FS_OP_FSYNC)
			return finish(cb, -EINVAL), 0; /* as fsync on the console */
		if (op == FS_OP_WRITE && proc->console != NULL)
			proc->console(proc->console_context, (const void *)cb->aio_buf,
				      cb->aio_nbytes);
		return finish(cb, op == FS_OP_WRITE ? (int64_t)cb->aio_nbytes : 0), 0;
	}
	if (op != FS_OP_FSYNC && cb->aio_nbytes == 0)
		return finish(cb, 0), 0;
	uint32_t slot = free_slot(proc), tag;
	int status;
	if (op == FS_OP_FSYNC) {
		struct channel_message m;
		posix_request(&m, FS_OP_FSYNC, file->handle, data_only, 0, 0);
		status = posix_submit(proc, &m, &tag);
	} else {
		status = posix_data_submit(proc, file, op, (uint64_t)cb->aio_offset,
					   (const void *)cb->aio_buf, cb->aio_nbytes,
					   op == FS_OP_WRITE && (file->flags & O_APPEND), &tag,
					   &cb->aio_window);
	}
	if (status != 0) {
		cb->aio_state = POSIX_AIO_IDLE;
		return posix_fail(EAGAIN);
	}
	proc->aio[slot] = cb;
	proc->aio_tag[slot] = tag;
	return 0;
}

int POSIX_NAME(aio_read)(aiocb_t *cb)
{
	return start(cb, FS_OP_READ, 0);
}

int POSIX_NAME(aio_write)(aiocb_t *cb)
{
	return start(cb, FS_OP_WRITE, 0);
}

int POSIX_NAME(aio_fsync)(int op, aiocb_t *cb)
{
	if (op != O_SYNC && op != O_DSYNC)
		return posix_fail(EINVAL);
	return start(cb, FS_OP_FSYNC, op == O_DSYNC);
}

/* Collect the reply of `cb` if it is there, without waiting. */
static void poll_one(struct posix_proc *proc, const aiocb_t *cb)
{
	if (cb->aio_state != POSIX_AIO_IN_FLIGHT)
		return;
	if (proc->pump != NULL)
		proc->pump(proc->pump_context);
	for (uint32_t slot = 0; slot < POSIX_WINDOWS; slot++) {
		if (proc->aio[slot] != cb)
			continue;
		struct channel_message reply;
		if (channel_client_wait(proc->fs, proc->aio_tag[slot], 0, &reply) == ERR_OK)
			posix_aio_complete(proc, slot, &reply);
		return;
	}
}

int POSIX_NAME(aio_error)(const aiocb_t *cb)
{
	poll_one(posix_self(), cb);
	return cb->aio_state == POSIX_AIO_IN_FLIGHT ? EINPROGRESS : cb->aio_error_value;
}

ssize_t POSIX_NAME(aio_return)(aiocb_t *cb)
{
	poll_one(posix_self(), cb);
	if (cb->aio_state != POSIX_AIO_DONE)
		return posix_fail(EINVAL);
	cb->aio_state = POSIX_AIO_IDLE;
	return cb->aio_result; /* the error is aio_error's to tell, not errno's */
}

int POSIX_NAME(aio_suspend)(const aiocb_t *const list[], int count, const struct timespec *timeout)
{
	struct posix_proc *proc = posix_self();
	if (count < 0)
		return posix_fail(EINVAL);
	uint64_t deadline = CHANNEL_FOREVER;
	if (timeout != NULL) {
		if (timeout->tv_sec < 0 || timeout->tv_nsec < 0 || timeout->tv_nsec >= 1000000000)
			return posix_fail(EINVAL);
		deadline = channel_port_now() + (uint64_t)timeout->tv_sec * 1000000000u +
			   (uint64_t)timeout->tv_nsec;
	}
	for (;;) {
		for (int i = 0; i < count; i++) {
			if (list[i] != NULL)
				poll_one(proc, list[i]);
			if (list[i] != NULL && list[i]->aio_state != POSIX_AIO_IN_FLIGHT)
				return 0;
		}
		uint64_t now = channel_port_now();
		if (now >= deadline)
			return posix_fail(EAGAIN);
		uint64_t left = deadline == CHANNEL_FOREVER ? CHANNEL_FOREVER : deadline - now;
		if (!posix_collect_one(proc, left) && channel_client_outstanding(proc->fs) == 0)
			return 0; /* nothing of the list can be in flight */
	}
}

int POSIX_NAME(aio_cancel)(int fd, aiocb_t *cb)
{
	struct posix_proc *proc = posix_self();
	if (posix_fd_file(proc, fd) == NULL)
		return posix_fail(EBADF);
	if (cb != NULL && cb->aio_fildes != fd)
		return posix_fail(EINVAL);
	/* A request on the channel cannot be taken back: the server may be
	 * working on it. What is in flight is NOTCANCELED. */
	for (uint32_t slot = 0; slot < POSIX_WINDOWS; slot++) {
		aiocb_t *in = proc->aio[slot];
		if (in != NULL && (cb == NULL ? in->aio_fildes == fd : in == cb))
			return AIO_NOTCANCELED;
	}
	return AIO_ALLDONE;
}

int POSIX_NAME(lio_listio)(int mode, aiocb_t *const list[], int count, struct sigevent *event)
{
	(void)event; /* no notifications (see the top of this file) */
	if ((mode != LIO_WAIT && mode != LIO_NOWAIT) || count < 0 ||
	    (unsigned)count > POSIX_LISTIO_MAX)
		return posix_fail(EINVAL);
	for (int i = 0; i < count; i++) {
		aiocb_t *cb = list[i];
		if (cb == NULL || cb->aio_lio_opcode == LIO_NOP)
			continue;
		if (cb->aio_lio_opcode == LIO_READ)
			(void)start(cb, FS_OP_READ, 0);
		else if (cb->aio_lio_opcode == LIO_WRITE)
			(void)start(cb, FS_OP_WRITE, 0);
		else
			finish(cb, -EINVAL);
	}
	if (mode == LIO_NOWAIT)
		return 0;
	bool failed = false;
	for (int i = 0; i < count; i++) {
		aiocb_t *cb = list[i];
		if (cb == NULL || cb->aio_lio_opcode == LIO_NOP)
			continue;
		while (cb->aio_state == POSIX_AIO_IN_FLIGHT)
			(void)POSIX_NAME(aio_suspend)((const aiocb_t *const *)&list[i], 1, NULL);
		failed |= cb->aio_error_value != 0;
	}
	return failed ? posix_fail(EIO) : 0;
}
