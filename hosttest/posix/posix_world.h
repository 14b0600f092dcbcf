/* SPDX-License-Identifier: MIT */
/*
 * The fixture of the POSIX suites: a fresh ext2 image (mke2fs at test
 * time, in a temporary directory), the real ext2 engine on it through the
 * image-file block port, the file server, and client processes, each with
 * its own channel. The server runs either inline (a client's wait serves
 * what is queued: one thread, deterministic) or on its own thread.
 */
#ifndef HOSTTEST_POSIX_WORLD_H
#define HOSTTEST_POSIX_WORLD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "channel_port_host.h"
#include "ext2.h"
#include "ext2_port_file.h"
#include "fs_server.h"
#include "posix.h"

#define PW_CLIENTS 8

struct pw_client {
	void *buffer;
	size_t size;
	void *windows;
	struct channel_client channel;
	struct channel_doorbell bell;
	struct posix_proc proc;
	bool attached;
};

struct posix_world {
	char dir[128];   /* the temporary directory */
	char image[192]; /* the image file in it */
	struct fs_port_file port_file;
	struct fs_block_port file_port; /* the image file */
	struct fs_block_port port;      /* the engine's: file_port, writes counted */
	uint64_t sectors_written;
	void *engine_memory;
	struct ext2_fs *fs;
	struct fs_server *server;
	struct channel_doorbell server_bell;
	/* The server's file-generation page: one shared-memory page mapped
	 * twice, writable for the server, read-only for the clients (as the
	 * system maps it: docs/posix.md). */
	int generations_fd;
	fs_generation_word *generations;              /* the server's view */
	const fs_generation_word *client_generations; /* the clients' view */
	struct pw_client client[PW_CLIENTS];
	pthread_t thread;
	atomic_bool stop;
	bool threaded;
	char console[4096]; /* what was written to the console */
	size_t console_used;
};

/* Make a fresh image of `mib` MiB with `block_size`-byte blocks (0: mke2fs's
 * choice) in a new temporary directory under pw_temp_root. 0 or -1. */
int pw_make_image(struct posix_world *w, unsigned mib, unsigned block_size);
/* Where temporary directories go: "/tmp" unless a suite that fsyncs a lot
 * chose a memory file system ("/dev/shm"), where fsync costs nothing. */
extern const char *pw_temp_root;
/* Mount the image and start the server (inline). 0 or an fs status. */
int pw_mount(struct posix_world *w);
/* Client `index`: its channel attached, its process started (with the
 * data cache on). */
struct posix_proc *pw_client(struct posix_world *w, unsigned index);
void pw_client_end(struct posix_world *w, unsigned index);
/* Client `index` serves its own requests before each wait again (after a
 * test set its pump to NULL to serve them itself). */
void pw_serve_inline(struct posix_world *w, unsigned index);
/* Run the server on its own thread (clients then wait for real). */
void pw_start_thread(struct posix_world *w);
void pw_stop_thread(struct posix_world *w);
/* End every client, unmount, and (with check) run e2fsck -fn on the image:
 * its exit status (0: clean), or -1. */
int pw_unmount(struct posix_world *w, bool check);
/* Remove the image and the temporary directory. */
void pw_remove(struct posix_world *w);
/* A suite's end: unmount and e2fsck -fn; a clean image is removed, a dirty
 * one kept to look at. 0 when clean, else -1 (a cmocka teardown's answer). */
int pw_finish(struct posix_world *w);
/* `bytes` (a page multiple) of fresh memory below 2 GiB, where the
 * channel takes large buffers (inside its user limit of 2^38, as every
 * address of a program in the system is, and where ASan's low memory
 * lies); NULL if none is free. munmap gives it back. */
void *pw_low_pages(size_t bytes);
/* Run a shell command; its exit status. */
int pw_run(const char *command);

#endif
