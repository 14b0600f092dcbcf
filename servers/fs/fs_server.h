/* SPDX-License-Identifier: MIT */
/*
 * The file-system server's request dispatch: requests of libos/fs_protocol.h
 * taken from up to CHANNEL_MAX_CHANNELS client channels, each turned into
 * one call of the ext2 engine (servers/fs/ext2.h) and answered. Every client
 * has its own table of open handles (ext2_open ... ext2_release); detaching
 * a client releases what it left open. Nothing a client sends is trusted:
 * opcodes, inode numbers, handles, lengths, names and buffer descriptors
 * are all checked before the engine sees them (docs/posix.md).
 *
 * The state lives in memory the caller provides (struct fs_server); it
 * allocates nothing. One thread runs the server; clients are anywhere.
 */
#ifndef SERVERS_FS_FS_SERVER_H
#define SERVERS_FS_FS_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "channel.h"
#include "ext2.h"
#include "fs_protocol.h"

/* One open handle of a client: the inode, and a generation so that a
 * released handle's number is refused until the slot is reused and its new
 * number differs. */
struct fs_server_handle {
	uint32_t ino; /* 0: free */
	uint16_t generation;
	uint16_t reserved;
};

struct fs_server_client {
	uint32_t open_handles;
	struct fs_server_handle handle[FS_HANDLES];
};

struct fs_server {
	struct channel_server channels;
	struct ext2_fs *fs;
	/* The file generations (fs_protocol.h): a page only this server
	 * writes, mapped read-only by its clients. */
	fs_generation_word *generations;
	uint64_t max_ino;     /* highest inode number of the file system */
	uint64_t served;      /* requests answered (statistics, tests) */
	uint64_t undelivered; /* replies the channel refused (a client broke its queues) */
	struct fs_server_client client[CHANNEL_MAX_CHANNELS];
};

/* Start a server for the mounted `fs`, owning doorbell `mine` and the
 * file-generation page `generations` (FS_GENERATIONS words, page-aligned;
 * zeroed here; the clients are given a read-only view of it). FS_OK or
 * the engine's statfs error. */
int fs_server_init(struct fs_server *server, struct ext2_fs *fs, struct channel_doorbell *mine,
		   fs_generation_word *generations);

/* Serve the client channel in `buffer` as link `index` (channel_server_attach's
 * errors, as enum error). */
enum error fs_server_attach(struct fs_server *server, uint32_t index, void *buffer, size_t size,
			    struct channel_doorbell *client);

/* Stop serving link `index` and release every handle its client left open. */
enum error fs_server_detach(struct fs_server *server, uint32_t index);

/* Answer one request, waiting up to timeout_ns for it. true if one was
 * answered. */
bool fs_server_serve_one(struct fs_server *server, uint64_t timeout_ns);

/* Answer every request that is takeable now; the number answered. */
uint32_t fs_server_serve_pending(struct fs_server *server);

/* ERR_OK when the private state is consistent: the channel server's
 * invariants, each client's count of open handles, every open handle with
 * a nonzero generation and an inode in range, no handle on a detached link
 * (for the tests, after every step). */
enum error fs_server_check_invariants(const struct fs_server *server);

/* Handle one taken request into `reply` (its handle copied). Exposed for
 * the tests, which drive hostile requests through it. */
void fs_server_dispatch(struct fs_server *server, const struct channel_message *request,
			struct channel_message *reply);

#endif
