/* SPDX-License-Identifier: MIT */
/*
 * The file-system server: take a request (libos/fs_protocol.h) from any
 * client channel, check everything in it (decode), call the ext2 engine
 * once (invoke), reply. The decode step answers a malformed request with
 * FS_EINVAL (shape), FS_EBADF (handle) or FS_ENAMETOOLONG (name) without
 * touching the engine; the engine then checks the disk's side. Callers:
 * the server thread (hosttest/posix/ on the host; the fs server program in
 * the system later).
 */
#include <stddef.h>
#include <string.h>

#include "fs_server.h"

/* The reply's result words (words 2..5 of the reply). */
#define RES0 arg[0]
#define RES1 arg[1]
#define RES2 arg[2]

static void *large_pointer(const struct channel_message *m)
{
	/* On the host the large buffer is an address in this process; in the
	 * system the kernel maps the client's pages here before the server
	 * sees the request. The channel library has checked its shape. */
	return (void *)(uintptr_t)m->large.address;
}

/* A name as the engine takes it: 1..255 bytes, no '/' or NUL, and "." or
 * ".." only where `dots` allows. Assumes `name` points at `length` bytes. */
static int check_name(const uint8_t *name, size_t length, bool dots)
{
	if (length == 0)
		return FS_EINVAL;
	if (length > FS_PATH_NAME_MAX)
		return FS_ENAMETOOLONG;
	if (memchr(name, '/', length) || memchr(name, 0, length))
		return FS_EINVAL;
	if (!dots && name[0] == '.' && (length == 1 || (length == 2 && name[1] == '.')))
		return FS_EINVAL;
	return FS_OK;
}

/* An inode number the engine may be asked about: 1..max_ino. */
static bool ino_ok(const struct fs_server *server, uint64_t ino)
{
	return ino >= 1 && ino <= server->max_ino;
}

/* The inode behind a client's handle, or 0 when the handle is not one this
 * client holds now (out of range, free, or of an earlier generation). */
static uint32_t handle_ino(const struct fs_server_client *client, uint64_t handle)
{
	uint32_t slot = fs_handle_slot(handle);
	if (slot >= FS_HANDLES || handle >> 32 != 0)
		return 0;
	const struct fs_server_handle *h = &client->handle[slot];
	if (h->ino == 0 || (uint16_t)(handle >> 16) != h->generation)
		return 0;
	return h->ino;
}

/* The request's "bytes" (two names, or a name and a target): the inline
 * payload, or the first arg3 bytes of a large buffer. */
static const uint8_t *request_bytes(const struct channel_message *m, size_t *length)
{
	if (m->flags & CHANNEL_FLAG_LARGE) {
		if (m->arg[3] > m->large.length)
			return NULL;
		*length = (size_t)m->arg[3];
		return large_pointer(m);
	}
	*length = m->length;
	return m->payload;
}

/* Where a reply's output goes: the writable large buffer when the request
 * gave one, else the inline payload. */
static uint8_t *reply_area(const struct channel_message *request, struct channel_message *reply,
			   size_t *room)
{
	if ((request->flags & (CHANNEL_FLAG_LARGE | CHANNEL_FLAG_LARGE_WRITABLE)) ==
	    (CHANNEL_FLAG_LARGE | CHANNEL_FLAG_LARGE_WRITABLE)) {
		*room = (size_t)request->large.length;
		return large_pointer(request);
	}
	*room = CHANNEL_INLINE_MAX;
	return reply->payload;
}

/* A file's attributes as the reply's payload (struct fs_wire_stat). */
static void put_stat(const struct fs_stat *st, struct channel_message *reply)
{
	struct fs_wire_stat w = {
		.ino = st->ino,
		.mode = st->mode,
		.links = st->links,
		.uid = st->uid,
		.gid = st->gid,
		.size = st->size,
		.blocks = st->blocks,
		.block_size = st->block_size,
		.atime = st->atime.seconds,
		.mtime = st->mtime.seconds,
		.ctime = st->ctime.seconds,
		.atime_ns = st->atime.nanoseconds,
		.mtime_ns = st->mtime.nanoseconds,
		.ctime_ns = st->ctime.nanoseconds,
	};
	memcpy(reply->payload, &w, sizeof w);
	reply->length = sizeof w;
}

/* `ino`'s data or size may change: its generation word moves on first, so
 * that no client's cached copy of it is used once the change is answered
 * (the reply is published after this store, with release order). Only
 * this thread writes the words. Assumes `ino` is in range. */
static void bump_generation(struct fs_server *server, uint32_t ino)
{
	fs_generation_word *word = &server->generations[fs_generation_index(ino)];
	atomic_store_explicit(word, atomic_load_explicit(word, memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

/* Assumes arg0 is an inode in range (dispatch); the name is checked here. */
static int64_t op_lookup(struct fs_server *server, const struct channel_message *m,
			 struct channel_message *reply)
{
	int status = check_name(m->payload, m->length, true);
	if (status != FS_OK)
		return status;
	uint32_t dir = (uint32_t)m->arg[0], ino = 0;
	struct fs_stat st;
	if (m->length == 1 && m->payload[0] == '.') {
		ino = dir;
	} else {
		status = ext2_lookup(server->fs, dir, (const char *)m->payload, m->length, &ino);
		if (status != FS_OK)
			return status;
	}
	status = ext2_getattr(server->fs, ino, &st);
	if (status != FS_OK)
		return status;
	if (ino == dir && (st.mode & FS_TYPE_MASK) != FS_TYPE_DIRECTORY)
		return FS_ENOTDIR;
	reply->RES1 = st.mode;
	put_stat(&st, reply);
	return ino;
}

/* Assumes arg0 is an inode in range; the name is checked, the mode masked. */
static int64_t op_create(struct fs_server *server, const struct channel_message *m,
			 struct channel_message *reply)
{
	int status = check_name(m->payload, m->length, false);
	if (status != FS_OK)
		return status;
	uint32_t dir = (uint32_t)m->arg[0], ino = 0;
	struct fs_stat st;
	status = ext2_lookup(server->fs, dir, (const char *)m->payload, m->length, &ino);
	if (status == FS_OK) {
		if (m->arg[2] & FS_CREATE_EXCL)
			return FS_EEXIST;
		reply->RES2 = 0;
	} else if (status == FS_ENOENT) {
		status = ext2_create(server->fs, dir, (const char *)m->payload, m->length,
				     FS_TYPE_REGULAR | ((uint32_t)m->arg[1] & 07777u), 0, 0, &ino);
		if (status != FS_OK)
			return status;
		reply->RES2 = 1;
	} else {
		return status;
	}
	status = ext2_getattr(server->fs, ino, &st);
	if (status != FS_OK)
		return status;
	reply->RES1 = st.mode;
	return ino;
}

/* Assumes arg0 is an inode in range; the name is checked, the mode masked. */
static int64_t op_mkdir(struct fs_server *server, const struct channel_message *m)
{
	int status = check_name(m->payload, m->length, false);
	if (status != FS_OK)
		return status;
	uint32_t ino = 0;
	status = ext2_mkdir(server->fs, (uint32_t)m->arg[0], (const char *)m->payload, m->length,
			    FS_TYPE_DIRECTORY | ((uint32_t)m->arg[1] & 07777u), 0, 0, &ino);
	return status != FS_OK ? (int64_t)status : (int64_t)ino;
}

/* Split "bytes" into a first name of arg-given length and the rest. */
static int split_bytes(const struct channel_message *m, uint64_t first_length,
		       const uint8_t **first, const uint8_t **rest, size_t *rest_length)
{
	size_t total = 0;
	const uint8_t *bytes = request_bytes(m, &total);
	if (bytes == NULL || first_length > total)
		return FS_EINVAL;
	*first = bytes;
	*rest = bytes + first_length;
	*rest_length = total - (size_t)first_length;
	return FS_OK;
}

/* Assumes arg0 is an inode in range; the split, the name and the target are checked. */
static int64_t op_symlink(struct fs_server *server, const struct channel_message *m)
{
	const uint8_t *name, *target;
	size_t target_length;
	int status = split_bytes(m, m->arg[1], &name, &target, &target_length);
	if (status == FS_OK)
		status = check_name(name, (size_t)m->arg[1], false);
	if (status != FS_OK)
		return status;
	if (target_length == 0 || memchr(target, 0, target_length))
		return FS_EINVAL;
	uint32_t ino = 0;
	status = ext2_symlink(server->fs, (uint32_t)m->arg[0], (const char *)name,
			      (size_t)m->arg[1], (const char *)target, target_length, 0, 0, &ino);
	return status != FS_OK ? (int64_t)status : (int64_t)ino;
}

/* Assumes arg0 is an inode in range; arg1, the split and both names are checked. */
static int64_t op_rename(struct fs_server *server, const struct channel_message *m)
{
	const uint8_t *from, *to;
	size_t to_length;
	int status = split_bytes(m, m->arg[2], &from, &to, &to_length);
	if (status == FS_OK)
		status = check_name(from, (size_t)m->arg[2], false);
	if (status == FS_OK)
		status = check_name(to, to_length, false);
	if (status != FS_OK)
		return status;
	if (!ino_ok(server, m->arg[1]))
		return FS_EINVAL;
	return ext2_rename(server->fs, (uint32_t)m->arg[0], (const char *)from, (size_t)m->arg[2],
			   (uint32_t)m->arg[1], (const char *)to, to_length);
}

/* LINK, UNLINK, RMDIR. Assumes arg0 is an inode in range; arg1 and the name are checked. */
static int64_t op_name(struct fs_server *server, const struct channel_message *m)
{
	int status = check_name(m->payload, m->length, false);
	if (status != FS_OK)
		return status;
	uint32_t dir = (uint32_t)m->arg[0];
	const char *name = (const char *)m->payload;
	switch (m->opcode) {
	case FS_OP_LINK:
		if (!ino_ok(server, m->arg[1]))
			return FS_EINVAL;
		return ext2_link(server->fs, dir, name, m->length, (uint32_t)m->arg[1]);
	case FS_OP_UNLINK: return ext2_unlink(server->fs, dir, name, m->length);
	default: return ext2_rmdir(server->fs, dir, name, m->length);
	}
}

static int64_t op_release(struct fs_server *server, struct fs_server_client *client, uint32_t ino,
			  uint64_t handle);

/* A new handle of this client on `ino` (in range; the engine checks that
 * it is in use) and its mode: the handle, or FS_ENOMEM when the table is
 * full. */
static int64_t open_handle(struct fs_server *server, struct fs_server_client *client, uint32_t ino,
			   uint32_t *mode)
{
	uint32_t slot = 0;
	while (slot < FS_HANDLES && client->handle[slot].ino != 0)
		slot++;
	if (slot == FS_HANDLES)
		return FS_ENOMEM;
	int status = ext2_open_mode(server->fs, ino, mode);
	if (status != FS_OK)
		return status;
	struct fs_server_handle *h = &client->handle[slot];
	h->ino = ino;
	h->generation = (uint16_t)(h->generation + 1u);
	if (h->generation == 0)
		h->generation = 1;
	client->open_handles++;
	return slot | (uint64_t)h->generation << 16;
}

/* Assumes arg0 is an inode in range. */
static int64_t op_open(struct fs_server *server, struct fs_server_client *client,
		       const struct channel_message *m)
{
	uint32_t mode;
	return open_handle(server, client, (uint32_t)m->arg[0], &mode);
}

/* Assumes arg0 is an inode in range; the name and the flags are checked
 * here, the mode masked. The name is looked up once; only a create (absent
 * with FS_OPEN_CREATE) searches the directory again, in the engine, for
 * the name and for room. */
static int64_t op_open_name(struct fs_server *server, struct fs_server_client *client,
			    const struct channel_message *m, struct channel_message *reply)
{
	uint64_t flags = m->arg[1];
	int status = check_name(m->payload, m->length, false);
	if (status != FS_OK)
		return status;
	if (flags & ~(uint64_t)FS_OPEN_KNOWN)
		return FS_EINVAL;
	uint32_t dir = (uint32_t)m->arg[0], ino = 0, mode = 0;
	const char *name = (const char *)m->payload;
	status = ext2_lookup(server->fs, dir, name, m->length, &ino);
	if (status == FS_ENOENT && (flags & FS_OPEN_CREATE)) {
		status = ext2_create(server->fs, dir, name, m->length,
				     FS_TYPE_REGULAR | ((uint32_t)m->arg[2] & 07777u), 0, 0, &ino);
	} else if (status == FS_OK &&
		   (flags & (FS_OPEN_CREATE | FS_OPEN_EXCL)) == (FS_OPEN_CREATE | FS_OPEN_EXCL)) {
		status = FS_EEXIST;
	}
	if (status != FS_OK)
		return status;
	/* Opened first (the inode read once for its type too), then the
	 * type's refusals give the handle back: they are the rare case. */
	int64_t handle = open_handle(server, client, ino, &mode);
	if (handle < 0)
		return handle;
	reply->RES1 = mode;
	reply->RES2 = ino;
	uint32_t type = mode & FS_TYPE_MASK;
	if (type == FS_TYPE_SYMLINK)
		status = 1; /* not opened: the client follows it or refuses */
	else if (type == FS_TYPE_DIRECTORY && (flags & (FS_OPEN_CREATE | FS_OPEN_WRITE)))
		status = FS_EISDIR;
	else if (type != FS_TYPE_DIRECTORY && (flags & FS_OPEN_DIRECTORY))
		status = FS_ENOTDIR;
	else if ((flags & FS_OPEN_TRUNCATE) && type != FS_TYPE_DIRECTORY) {
		bump_generation(server, ino);
		status = ext2_truncate(server->fs, ino, 0);
	}
	if (status == FS_OK)
		return handle;
	(void)op_release(server, client, ino, (uint64_t)handle);
	return status == 1 ? 0 : status;
}

/* Assumes `handle` is this client's and names `ino` (dispatch checked). */
static int64_t op_release(struct fs_server *server, struct fs_server_client *client, uint32_t ino,
			  uint64_t handle)
{
	struct fs_server_handle *h = &client->handle[fs_handle_slot(handle)];
	h->ino = 0;
	client->open_handles--;
	return ext2_release(server->fs, ino);
}

/* Assumes `ino` is the client's open handle's inode. The data area is
 * inline or inside the large buffer at arg3, both bounded here. */
static int64_t op_read(struct fs_server *server, uint32_t ino, const struct channel_message *m,
		       struct channel_message *reply)
{
	uint64_t length = m->arg[2];
	void *into;
	if (m->flags & CHANNEL_FLAG_LARGE) {
		if (!(m->flags & CHANNEL_FLAG_LARGE_WRITABLE) || m->arg[3] > m->large.length ||
		    length > m->large.length - m->arg[3])
			return FS_EINVAL;
		into = (uint8_t *)large_pointer(m) + m->arg[3];
	} else {
		if (length > FS_INLINE_DATA)
			return FS_EINVAL;
		into = reply->payload;
	}
	/* The bytes and the generation are of the same moment: this thread
	 * changes neither in between. */
	reply->RES1 = atomic_load_explicit(&server->generations[fs_generation_index(ino)],
					   memory_order_relaxed);
	int64_t got = ext2_read(server->fs, ino, m->arg[1], into, (size_t)length);
	if (got > 0 && !(m->flags & CHANNEL_FLAG_LARGE))
		reply->length = (uint32_t)got;
	return got;
}

/* Assumes `ino` is the client's open handle's inode. The data is inline
 * (length = payload length) or inside the large buffer at arg3 >> 8. */
static int64_t op_write(struct fs_server *server, uint32_t ino, const struct channel_message *m,
			struct channel_message *reply)
{
	uint64_t length = m->arg[2], at = m->arg[3] >> 8, offset = m->arg[1];
	const void *from;
	if (m->flags & CHANNEL_FLAG_LARGE) {
		if (at > m->large.length || length > m->large.length - at)
			return FS_EINVAL;
		from = (const uint8_t *)large_pointer(m) + at;
	} else {
		if (length != m->length)
			return FS_EINVAL;
		from = m->payload;
	}
	if (m->arg[3] & FS_WRITE_APPEND) {
		struct fs_stat st;
		int status = ext2_getattr(server->fs, ino, &st);
		if (status != FS_OK)
			return status;
		offset = st.size;
	}
	if (offset > INT64_MAX || length > INT64_MAX - offset)
		return FS_EFBIG;
	bump_generation(server, ino);
	int64_t put = ext2_write(server->fs, ino, offset, from, (size_t)length);
	if (put >= 0)
		reply->RES1 = offset + (uint64_t)put;
	return put;
}

/* Assumes arg0 is an inode in range; the output area is bounded by the buffer. */
static int64_t op_readlink(struct fs_server *server, const struct channel_message *m,
			   struct channel_message *reply)
{
	size_t room, length = 0;
	uint8_t *into = reply_area(m, reply, &room);
	int status = ext2_readlink(server->fs, (uint32_t)m->arg[0], (char *)into, room, &length);
	if (status != FS_OK)
		return status;
	if (into == reply->payload)
		reply->length = (uint32_t)length;
	return (int64_t)length;
}

/* Assumes arg0 is an inode in range; the cookie is the engine's to check. */
static int64_t op_readdir(struct fs_server *server, const struct channel_message *m,
			  struct channel_message *reply)
{
	size_t room, used = 0;
	uint8_t *into = reply_area(m, reply, &room);
	uint64_t cookie = m->arg[1];
	int64_t count = 0;
	struct fs_dirent entry;
	for (;;) {
		uint64_t next = cookie;
		int status = ext2_readdir(server->fs, (uint32_t)m->arg[0], &next, &entry);
		if (status != FS_OK)
			return count > 0 ? count : status;
		if (entry.ino == 0) {
			reply->RES2 = 1;
			break;
		}
		if (entry.name_length == 0 || entry.name_length > EXT2_NAME_MAX)
			return FS_EUCLEAN;
		uint32_t size = fs_wire_dirent_size(entry.name_length);
		if (size > room - used) {
			if (count == 0)
				return FS_EINVAL;
			break;
		}
		struct fs_wire_dirent head = {
			.ino = entry.ino,
			.type = (uint8_t)(entry.type >> 12),
			.name_length = (uint8_t)entry.name_length,
		};
		memcpy(into + used, &head, sizeof head);
		memset(into + used + sizeof head, 0, size - sizeof head);
		memcpy(into + used + sizeof head, entry.name, entry.name_length);
		used += size;
		count++;
		cookie = next;
	}
	reply->RES1 = cookie;
	if (into == reply->payload)
		reply->length = (uint32_t)used;
	return count;
}

/* Assumes arg0 is an inode in range. */
static int64_t op_getattr(struct fs_server *server, const struct channel_message *m,
			  struct channel_message *reply)
{
	struct fs_stat st;
	int status = ext2_getattr(server->fs, (uint32_t)m->arg[0], &st);
	if (status != FS_OK)
		return status;
	put_stat(&st, reply);
	return 0;
}

/* Takes no argument. */
static int64_t op_statfs(struct fs_server *server, struct channel_message *reply)
{
	struct fs_statfs s;
	int status = ext2_statfs(server->fs, &s);
	if (status != FS_OK)
		return status;
	struct fs_wire_statfs w = {
		.block_size = s.block_size,
		.blocks = s.blocks,
		.free_blocks = s.free_blocks,
		.available_blocks = s.available_blocks,
		.inodes = s.inodes,
		.free_inodes = s.free_inodes,
		.name_max = s.name_max,
		.read_only = s.read_only != 0,
	};
	memcpy(reply->payload, &w, sizeof w);
	reply->length = sizeof w;
	return 0;
}

/* Decode and invoke one request of the client on link `link`. */
static int64_t dispatch(struct fs_server *server, struct fs_server_client *client,
			const struct channel_message *m, struct channel_message *reply)
{
	/* Operations on an inode: the number must be in range (the engine
	 * checks that it is in use). Operations on a handle: it must be one
	 * of this client's. The large buffer is used only where the opcode
	 * says so. */
	bool large_ok = false, by_handle = false;
	switch ((enum fs_op)m->opcode) {
	case FS_OP_READ:
	case FS_OP_WRITE: large_ok = by_handle = true; break;
	case FS_OP_RELEASE:
	case FS_OP_FSYNC: by_handle = true; break;
	case FS_OP_SYMLINK:
	case FS_OP_RENAME:
	case FS_OP_READLINK:
	case FS_OP_READDIR: large_ok = true; break;
	case FS_OP_LOOKUP:
	case FS_OP_CREATE:
	case FS_OP_MKDIR:
	case FS_OP_LINK:
	case FS_OP_UNLINK:
	case FS_OP_RMDIR:
	case FS_OP_OPEN:
	case FS_OP_OPEN_NAME:
	case FS_OP_TRUNCATE:
	case FS_OP_GETATTR:
	case FS_OP_STATFS: break;
	case FS_OP_COUNT:
	default: return FS_EINVAL;
	}
	if ((m->flags & CHANNEL_FLAG_LARGE) && !large_ok)
		return FS_EINVAL;
	uint32_t ino = 0;
	if (by_handle) {
		ino = handle_ino(client, m->arg[0]);
		if (ino == 0)
			return FS_EBADF;
	} else if (m->opcode != FS_OP_STATFS) {
		if (!ino_ok(server, m->arg[0]))
			return FS_EINVAL;
	}
	switch ((enum fs_op)m->opcode) {
	case FS_OP_LOOKUP: return op_lookup(server, m, reply);
	case FS_OP_CREATE: return op_create(server, m, reply);
	case FS_OP_MKDIR: return op_mkdir(server, m);
	case FS_OP_SYMLINK: return op_symlink(server, m);
	case FS_OP_RENAME: return op_rename(server, m);
	case FS_OP_LINK:
	case FS_OP_UNLINK:
	case FS_OP_RMDIR: return op_name(server, m);
	case FS_OP_OPEN: return op_open(server, client, m);
	case FS_OP_OPEN_NAME: return op_open_name(server, client, m, reply);
	case FS_OP_RELEASE: return op_release(server, client, ino, m->arg[0]);
	case FS_OP_READ: return op_read(server, ino, m, reply);
	case FS_OP_WRITE: return op_write(server, ino, m, reply);
	case FS_OP_TRUNCATE:
		bump_generation(server, (uint32_t)m->arg[0]);
		return ext2_truncate(server->fs, (uint32_t)m->arg[0], m->arg[1]);
	case FS_OP_READLINK: return op_readlink(server, m, reply);
	case FS_OP_READDIR: return op_readdir(server, m, reply);
	case FS_OP_GETATTR: return op_getattr(server, m, reply);
	case FS_OP_FSYNC: return ext2_fsync(server->fs, ino);
	case FS_OP_STATFS: return op_statfs(server, reply);
	case FS_OP_COUNT:
	default: return FS_EINVAL;
	}
}

void fs_server_dispatch(struct fs_server *server, const struct channel_message *request,
			struct channel_message *reply)
{
	memset(reply, 0, offsetof(struct channel_message, payload));
	reply->handle = request->handle;
	reply->opcode = ERR_OK;
	struct fs_server_client *client = &server->client[channel_handle_link(request->handle)];
	int64_t result = dispatch(server, client, request, reply);
	reply->arg[0] = (uint64_t)result;
	if (result < 0)
		reply->length = 0;
	server->served++;
}

int fs_server_init(struct fs_server *server, struct ext2_fs *fs, struct channel_doorbell *mine,
		   fs_generation_word *generations)
{
	memset(server, 0, sizeof *server);
	for (uint32_t i = 0; i < FS_GENERATIONS; i++)
		atomic_init(&generations[i], 0);
	server->generations = generations;
	struct fs_statfs s;
	int status = ext2_statfs(fs, &s);
	if (status != FS_OK)
		return status;
	server->fs = fs;
	server->max_ino = s.inodes;
	channel_server_init(&server->channels, mine);
	return FS_OK;
}

enum error fs_server_attach(struct fs_server *server, uint32_t index, void *buffer, size_t size,
			    struct channel_doorbell *client)
{
	enum error err = channel_server_attach(&server->channels, index, buffer, size, 0, client);
	if (err == ERR_OK)
		memset(&server->client[index], 0, sizeof server->client[index]);
	return err;
}

enum error fs_server_detach(struct fs_server *server, uint32_t index)
{
	enum error err = channel_server_detach(&server->channels, index);
	if (err != ERR_OK)
		return err;
	struct fs_server_client *client = &server->client[index];
	for (uint32_t slot = 0; slot < FS_HANDLES; slot++) {
		if (client->handle[slot].ino != 0) {
			/* Nothing to tell the client; the engine's count must
			 * drop so that an unlinked file is freed. */
			(void)ext2_release(server->fs, client->handle[slot].ino);
			client->handle[slot].ino = 0;
		}
	}
	client->open_handles = 0;
	return ERR_OK;
}

static void answer(struct fs_server *server, const struct channel_message *request)
{
	struct channel_message reply;
	fs_server_dispatch(server, request, &reply);
	/* A reply to a handle just taken cannot fail (its room was reserved at
	 * take) unless the client broke its channel meanwhile: nothing to do
	 * then but drop it. */
	server->undelivered += channel_server_reply(&server->channels, &reply) != ERR_OK;
}

bool fs_server_serve_one(struct fs_server *server, uint64_t timeout_ns)
{
	struct channel_message request;
	if (channel_server_wait(&server->channels, timeout_ns, &request) != ERR_OK)
		return false;
	answer(server, &request);
	return true;
}

uint32_t fs_server_serve_pending(struct fs_server *server)
{
	struct channel_message request;
	uint32_t count = 0;
	while (channel_server_take(&server->channels, &request) == ERR_OK) {
		answer(server, &request);
		count++;
	}
	return count;
}

enum error fs_server_check_invariants(const struct fs_server *server)
{
	enum error err = channel_server_check_invariants(&server->channels);
	if (err != ERR_OK)
		return err;
	for (uint32_t link = 0; link < CHANNEL_MAX_CHANNELS; link++) {
		const struct fs_server_client *client = &server->client[link];
		uint32_t open = 0;
		for (uint32_t slot = 0; slot < FS_HANDLES; slot++) {
			const struct fs_server_handle *h = &client->handle[slot];
			if (h->ino == 0)
				continue;
			if (h->generation == 0 || h->ino > server->max_ino)
				return ERR_INVALID_ARGUMENT;
			open++;
		}
		if (open != client->open_handles)
			return ERR_INVALID_ARGUMENT;
		if (open != 0 &&
		    channel_server_link_state(&server->channels, link) == CHANNEL_DETACHED)
			return ERR_ILLEGAL_OPERATION;
	}
	return ERR_OK;
}
