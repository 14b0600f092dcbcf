/* SPDX-License-Identifier: MIT */
/* The ext2 suites' fixture (ext2_world.h). */
#define _GNU_SOURCE
#include "ext2_world.h"

#include <fcntl.h>
#include <spawn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

struct fs_time world_now(void)
{
	return (struct fs_time){ WORLD_NOW, 0 };
}

static void run(const char *command)
{
	int status = system(command);
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("command failed (%d): %s", status, command);
}

void world_make(struct ext2_world *w, uint32_t block_size, uint32_t kib, const char *extra)
{
	memset(w, 0, sizeof(*w));
	w->file.fd = -1;
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(w->dir, sizeof(w->dir), "%s/kestrel-ext2-XXXXXX", base);
	assert_non_null(mkdtemp(w->dir));
	snprintf(w->image, sizeof(w->image), "%s/image", w->dir);
	char command[1024];
	snprintf(command, sizeof(command), "mke2fs -q -F -t ext2 -b %u %s %s %uk >/dev/null 2>&1",
		 block_size, extra ? extra : "", w->image, kib);
	run(command);
}

void world_destroy(struct ext2_world *w)
{
	if (w->fs)
		world_unmount(w);
	free(w->memory);
	w->memory = NULL;
	if (w->dir[0]) {
		char command[600];
		snprintf(command, sizeof(command), "rm -rf %s", w->dir);
		run(command);
		w->dir[0] = 0;
	}
}

const char *world_path(struct ext2_world *w, const char *name)
{
	static char path[2][600];
	static int which;
	which ^= 1;
	snprintf(path[which], sizeof(path[which]), "%s/%s", w->dir, name);
	return path[which];
}

void world_host_write(struct ext2_world *w, const char *name, uint64_t offset, const void *bytes,
		      size_t length)
{
	int fd = open(world_path(w, name), O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, bytes, length, (off_t)offset), (ssize_t)length);
	close(fd);
}

void world_debugfs(struct ext2_world *w, const char *commands)
{
	const char *script = world_path(w, "debugfs.cmd");
	FILE *f = fopen(script, "w");
	assert_non_null(f);
	fputs(commands, f);
	fclose(f);
	char command[2048];
	/* debugfs resolves host paths of "write" from the current directory. */
	snprintf(command, sizeof(command), "cd %s && debugfs -w -f %s %s >%s/debugfs.out 2>&1",
		 w->dir, script, w->image, w->dir);
	run(command);
}

size_t world_debugfs_read(struct ext2_world *w, const char *request, char *out, size_t size)
{
	char command[2048];
	snprintf(command, sizeof(command), "debugfs -R '%s' %s 2>/dev/null", request, w->image);
	FILE *p = popen(command, "r");
	assert_non_null(p);
	size_t n = fread(out, 1, size - 1, p);
	out[n] = 0;
	pclose(p);
	return n;
}

/* posix_spawn, not system(): forking a process under ASan copies its large
 * shadow mappings, and the crash suite runs e2fsck thousands of times. */
int world_fsck(struct ext2_world *w, const char *options)
{
	char command[1024], out[600];
	snprintf(out, sizeof(out), "%s/fsck.out", w->dir);
	posix_spawn_file_actions_t actions;
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_adddup2(&actions, 1, 2);
	char *argv[] = { "e2fsck", (char *)options, w->image, NULL };
	pid_t pid;
	assert_int_equal(posix_spawnp(&pid, "e2fsck", &actions, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&actions);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) != 0 && strcmp(options, "-fn") == 0) {
		snprintf(command, sizeof(command), "sed 's/^/# /' %s/fsck.out", w->dir);
		(void)system(command);
	}
	return WEXITSTATUS(status);
}

int world_mount(struct ext2_world *w, uint32_t cache_blocks, uint32_t flags)
{
	assert_int_equal(
	    fs_port_file_open(&w->file, &w->port, w->image, (flags & FS_MOUNT_READ_ONLY) != 0),
	    FS_OK);
	w->memory_bytes = ext2_memory_needed(cache_blocks);
	free(w->memory);
	w->memory = malloc(w->memory_bytes);
	assert_non_null(w->memory);
	int status = ext2_mount(&w->fs, w->memory, w->memory_bytes, &w->port, flags, world_now);
	if (status != FS_OK) {
		w->fs = NULL;
		fs_port_file_close(&w->file);
	}
	return status;
}

void world_unmount(struct ext2_world *w)
{
	assert_int_equal(ext2_unmount(w->fs), FS_OK);
	w->fs = NULL;
	fs_port_file_close(&w->file);
}

void world_poke(struct ext2_world *w, uint64_t offset, const void *bytes, size_t length)
{
	int fd = open(w->image, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, bytes, length, (off_t)offset), (ssize_t)length);
	close(fd);
}

void world_peek(struct ext2_world *w, uint64_t offset, void *bytes, size_t length)
{
	int fd = open(w->image, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, bytes, length, (off_t)offset), (ssize_t)length);
	close(fd);
}

int64_t world_resolve(struct ext2_fs *fs, const char *path)
{
	uint32_t ino = EXT2_ROOT_INO;
	while (*path) {
		while (*path == '/')
			path++;
		size_t n = strcspn(path, "/");
		if (n == 0)
			break;
		int status = ext2_lookup(fs, ino, path, n, &ino);
		if (status != FS_OK)
			return status;
		path += n;
	}
	return ino;
}

uint32_t world_debugfs_ino(struct ext2_world *w, const char *path)
{
	char request[600], out[256];
	snprintf(request, sizeof(request), "stat %s", path);
	world_debugfs_read(w, request, out, sizeof(out));
	unsigned ino = 0;
	if (sscanf(out, "Inode: %u", &ino) != 1)
		return 0;
	return ino;
}

uint32_t world_resolve_ok(struct ext2_world *w, const char *path)
{
	int64_t ino = world_resolve(w->fs, path);
	if (ino < 0)
		fail_msg("resolving %s: %d", path, (int)ino);
	return (uint32_t)ino;
}

uint8_t world_pattern_byte(uint32_t seed, uint64_t at)
{
	uint64_t x = (at + 1) * 0x9E3779B97F4A7C15ull ^ seed;
	x ^= x >> 29;
	return (uint8_t)(x * 0xBF58476D1CE4E5B9ull >> 56);
}

void world_fill(uint8_t *b, size_t n, uint32_t seed, uint64_t at)
{
	for (size_t i = 0; i < n; i++)
		b[i] = world_pattern_byte(seed, at + i);
}

int world_teardown(void **state)
{
	struct ext2_world *w = *state;
	world_destroy(w);
	free(w);
	return 0;
}
