/* SPDX-License-Identifier: MIT */
/*
 * The POSIX suites' fixture (posix_world.h): image, engine, server and
 * clients. Transfer windows are mapped low (below 2 GiB: inside the
 * channel's user limit of 2^38, and where ASan's low memory lies).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "posix_world.h"

#define PW_CACHE_BLOCKS 256u
#define PW_DEPTH 64u

int pw_run(const char *command)
{
	int status = system(command);
	return status == -1 || !WIFEXITED(status) ? -1 : WEXITSTATUS(status);
}

const char *pw_temp_root = "/tmp";

int pw_make_image(struct posix_world *w, unsigned mib, unsigned block_size)
{
	memset(w, 0, sizeof *w);
	snprintf(w->dir, sizeof w->dir, "%s/kestrel-posix-XXXXXX", pw_temp_root);
	if (mkdtemp(w->dir) == NULL)
		return -1;
	snprintf(w->image, sizeof w->image, "%s/image", w->dir);
	char command[512], blocks[32] = "";
	if (block_size != 0)
		snprintf(blocks, sizeof blocks, "-b %u", block_size);
	snprintf(command, sizeof command, "mke2fs -t ext2 -q -F %s %s %uM >/dev/null 2>&1", blocks,
		 w->image, mib);
	return pw_run(command) == 0 ? 0 : -1;
}

static struct fs_time now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (struct fs_time){ .seconds = t.tv_sec, .nanoseconds = (uint32_t)t.tv_nsec };
}

/* The image file's write, counting sectors (write amplification, ci/bench). */
static int counted_write(void *context, uint64_t sector, uint32_t count, const void *buffer)
{
	struct posix_world *w = context;
	w->sectors_written += count;
	return w->file_port.write(w->file_port.context, sector, count, buffer);
}

static int forward_read(void *context, uint64_t sector, uint32_t count, void *buffer)
{
	struct posix_world *w = context;
	return w->file_port.read(w->file_port.context, sector, count, buffer);
}

static int forward_flush(void *context)
{
	struct posix_world *w = context;
	return w->file_port.flush(w->file_port.context);
}

/* The generation page, shared: the server's mapping writable, the
 * clients' read-only, so that a client's store there faults. */
static int map_generations(struct posix_world *w)
{
	w->generations_fd = memfd_create("kestrel-generations", 0);
	if (w->generations_fd < 0 || ftruncate(w->generations_fd, 4096) != 0)
		return -1;
	void *rw = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, w->generations_fd, 0);
	void *ro = mmap(NULL, 4096, PROT_READ, MAP_SHARED, w->generations_fd, 0);
	if (rw == MAP_FAILED || ro == MAP_FAILED)
		return -1;
	w->generations = rw;
	w->client_generations = ro;
	return 0;
}

static void unmap_generations(struct posix_world *w)
{
	if (w->generations == NULL)
		return;
	munmap(w->generations, 4096);
	munmap((void *)w->client_generations, 4096);
	close(w->generations_fd);
	w->generations = NULL;
}

int pw_mount(struct posix_world *w)
{
	int status = fs_port_file_open(&w->port_file, &w->file_port, w->image, 0);
	if (status != 0)
		return status;
	w->port = (struct fs_block_port){ .read = forward_read,
					  .write = counted_write,
					  .flush = forward_flush,
					  .context = w,
					  .sectors = w->file_port.sectors };
	size_t bytes = ext2_memory_needed(PW_CACHE_BLOCKS);
	w->engine_memory = aligned_alloc(4096, (bytes + 4095) / 4096 * 4096);
	status = ext2_mount(&w->fs, w->engine_memory, bytes, &w->port, 0, now);
	if (status != FS_OK)
		return status;
	w->server = aligned_alloc(64, (sizeof *w->server + 63) / 64 * 64);
	channel_doorbell_init(&w->server_bell);
	if (map_generations(w) != 0)
		return FS_EIO;
	return fs_server_init(w->server, w->fs, &w->server_bell, w->generations);
}

static void pump(void *context)
{
	struct posix_world *w = context;
	(void)fs_server_serve_pending(w->server);
}

static void console(void *context, const void *bytes, size_t length)
{
	struct posix_world *w = context;
	size_t room = sizeof w->console - w->console_used;
	size_t n = length < room ? length : room;
	memcpy(w->console + w->console_used, bytes, n);
	w->console_used += n;
}

void *pw_low_pages(size_t bytes)
{
	for (uintptr_t at = 0x10000000u; at + bytes < 0x7f000000u; at += POSIX_WINDOWS_BYTES) {
		void *p =
		    mmap((void *)at, bytes, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
		if (p != MAP_FAILED)
			return p;
	}
	return NULL;
}

struct posix_proc *pw_client(struct posix_world *w, unsigned index)
{
	struct pw_client *c = &w->client[index];
	c->size = channel_buffer_size(PW_DEPTH);
	c->buffer = aligned_alloc(4096, c->size);
	memset(c->buffer, 0, c->size);
	c->windows = pw_low_pages(POSIX_WINDOWS_BYTES);
	if (c->windows == NULL)
		return NULL;
	channel_doorbell_init(&c->bell);
	if (channel_client_init(&c->channel, c->buffer, c->size, PW_DEPTH, &c->bell,
				&w->server_bell) != ERR_OK)
		return NULL;
	if (fs_server_attach(w->server, index, c->buffer, c->size, &c->bell) != ERR_OK)
		return NULL;
	if (posix_proc_init(&c->proc, &c->channel, c->windows, w->client_generations, console, w) !=
	    0)
		return NULL;
	if (!w->threaded) {
		c->proc.pump = pump;
		c->proc.pump_context = w;
	}
	c->attached = true;
	return &c->proc;
}

void pw_serve_inline(struct posix_world *w, unsigned index)
{
	w->client[index].proc.pump = pump;
	w->client[index].proc.pump_context = w;
}

void pw_client_end(struct posix_world *w, unsigned index)
{
	struct pw_client *c = &w->client[index];
	if (!c->attached)
		return;
	struct posix_proc *previous = posix_proc_current();
	posix_proc_use(&c->proc);
	posix_proc_fini(&c->proc);
	posix_proc_use(previous);
	(void)fs_server_detach(w->server, index);
	munmap(c->windows, POSIX_WINDOWS_BYTES);
	free(c->buffer);
	c->attached = false;
}

static void *serve(void *context)
{
	struct posix_world *w = context;
	while (!atomic_load(&w->stop))
		(void)fs_server_serve_one(w->server, 20000000u);
	return NULL;
}

void pw_start_thread(struct posix_world *w)
{
	atomic_store(&w->stop, false);
	w->threaded = true;
	for (unsigned i = 0; i < PW_CLIENTS; i++)
		w->client[i].proc.pump = NULL;
	pthread_create(&w->thread, NULL, serve, w);
}

void pw_stop_thread(struct posix_world *w)
{
	atomic_store(&w->stop, true);
	pthread_join(w->thread, NULL);
	w->threaded = false;
	for (unsigned i = 0; i < PW_CLIENTS; i++) {
		w->client[i].proc.pump = pump;
		w->client[i].proc.pump_context = w;
	}
}

int pw_unmount(struct posix_world *w, bool check)
{
	for (unsigned i = 0; i < PW_CLIENTS; i++)
		pw_client_end(w, i);
	int status = ext2_unmount(w->fs);
	fs_port_file_close(&w->port_file);
	free(w->engine_memory);
	free(w->server);
	unmap_generations(w);
	if (status != FS_OK)
		return -1;
	if (!check)
		return 0;
	char command[512];
	snprintf(command, sizeof command, "e2fsck -fn %s >%s/fsck.log 2>&1", w->image, w->dir);
	int result = pw_run(command);
	if (result != 0) {
		snprintf(command, sizeof command, "cat %s/fsck.log >&2", w->dir);
		(void)pw_run(command);
	}
	return result;
}

void pw_remove(struct posix_world *w)
{
	char command[256];
	snprintf(command, sizeof command, "rm -rf %s", w->dir);
	(void)pw_run(command);
}

int pw_finish(struct posix_world *w)
{
	int fsck = pw_unmount(w, true);
	if (fsck == 0)
		pw_remove(w);
	return fsck == 0 ? 0 : -1;
}
