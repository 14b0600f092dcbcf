/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness of the ext2 engine (docs/fs.md, "Untrusted disk"): the
 * input is a disk image (seeds: small images made by mke2fs and debugfs,
 * ci/fuzz's seed_ext2). The harness mounts it over an in-memory port, walks
 * the tree (readdir, lookup, getattr, read, readlink), then changes it
 * (create, write, mkdir, rename, truncate, unlink, rmdir) and syncs.
 * Any crash, sanitizer report, hang or out-of-bounds access is a finding;
 * an error status is not.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ext2.h"

struct memory_disk {
	uint8_t *bytes;
	uint64_t sectors;
};

static int disk_read(void *c, uint64_t sector, uint32_t count, void *buffer)
{
	struct memory_disk *d = c;
	if (sector > d->sectors || count > d->sectors - sector)
		return FS_EIO;
	memcpy(buffer, d->bytes + sector * 512, (size_t)count * 512);
	return 0;
}

static int disk_write(void *c, uint64_t sector, uint32_t count, const void *buffer)
{
	struct memory_disk *d = c;
	if (sector > d->sectors || count > d->sectors - sector)
		return FS_EIO;
	memcpy(d->bytes + sector * 512, buffer, (size_t)count * 512);
	return 0;
}

static int disk_flush(void *c)
{
	(void)c;
	return 0;
}

static struct fs_time clock_now(void)
{
	return (struct fs_time){ 1700000000, 0 };
}

static uint8_t scratch[1 << 16];

/* Everything under `dir`, to a bounded depth and width. */
static void walk(struct ext2_fs *fs, uint32_t dir, int depth)
{
	uint64_t cookie = 0;
	struct fs_dirent e;
	for (int n = 0; n < 64; n++) {
		if (ext2_readdir(fs, dir, &cookie, &e) != FS_OK || e.ino == 0)
			return;
		uint32_t ino;
		if (ext2_lookup(fs, dir, e.name, e.name_length, &ino) != FS_OK)
			continue;
		struct fs_stat st;
		if (ext2_getattr(fs, ino, &st) != FS_OK)
			continue;
		size_t length;
		switch (st.mode & FS_TYPE_MASK) {
		case FS_TYPE_REGULAR:
			(void)ext2_read(fs, ino, 0, scratch, sizeof(scratch));
			(void)ext2_read(fs, ino, st.size > 100 ? st.size - 100 : 0, scratch, 4096);
			break;
		case FS_TYPE_SYMLINK:
			(void)ext2_readlink(fs, ino, (char *)scratch, sizeof(scratch), &length);
			break;
		case FS_TYPE_DIRECTORY:
			if (depth < 4 && !(e.name_length <= 2 && e.name[0] == '.'))
				walk(fs, ino, depth + 1);
			break;
		}
	}
}

static void change(struct ext2_fs *fs)
{
	uint32_t file, dir, other;
	if (ext2_create(fs, EXT2_ROOT_INO, "fuzz-file", 9, 0644, 0, 0, &file) == FS_OK) {
		memset(scratch, 0x5a, 20000);
		(void)ext2_write(fs, file, 0, scratch, 20000);
		(void)ext2_write(fs, file, 300000, scratch, 100);
		(void)ext2_truncate(fs, file, 5000);
	}
	if (ext2_mkdir(fs, EXT2_ROOT_INO, "fuzz-dir", 8, 0755, 0, 0, &dir) == FS_OK) {
		(void)ext2_rename(fs, EXT2_ROOT_INO, "fuzz-file", 9, dir, "moved", 5);
		(void)ext2_symlink(fs, dir, "l", 1, "fuzz-file", 9, 0, 0, &other);
		(void)ext2_unlink(fs, dir, "moved", 5);
		(void)ext2_unlink(fs, dir, "l", 1);
		(void)ext2_rmdir(fs, EXT2_ROOT_INO, "fuzz-dir", 8);
	}
	/* Whatever the image holds: rename and remove the first few names. */
	uint64_t cookie = 0;
	struct fs_dirent e;
	for (int n = 0; n < 6; n++) {
		if (ext2_readdir(fs, EXT2_ROOT_INO, &cookie, &e) != FS_OK || e.ino == 0)
			break;
		if (e.name_length <= 2 && e.name[0] == '.')
			continue;
		char name[EXT2_NAME_MAX + 1];
		memcpy(name, e.name, e.name_length + 1);
		if (n % 2)
			(void)ext2_rename(fs, EXT2_ROOT_INO, name, e.name_length, EXT2_ROOT_INO,
					  "renamed", 7);
		else if (ext2_unlink(fs, EXT2_ROOT_INO, name, e.name_length) == FS_EISDIR)
			(void)ext2_rmdir(fs, EXT2_ROOT_INO, name, e.name_length);
	}
	(void)ext2_sync(fs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *memory;
	static size_t memory_bytes;
	if (memory == NULL) {
		memory_bytes = ext2_memory_needed(16);
		memory = malloc(memory_bytes);
		if (memory == NULL)
			abort();
	}
	size_t sectors = size / 512;
	uint8_t *image = malloc(sectors ? sectors * 512 : 1);
	if (image == NULL)
		abort();
	memcpy(image, data, sectors * 512);
	struct memory_disk disk = { image, sectors };
	struct fs_block_port port = { disk_read, disk_write, disk_flush, &disk, sectors };
	struct ext2_fs *fs;
	if (ext2_mount(&fs, memory, memory_bytes, &port, 0, clock_now) == FS_OK) {
		walk(fs, EXT2_ROOT_INO, 0);
		change(fs);
		walk(fs, EXT2_ROOT_INO, 0);
		(void)ext2_unmount(fs);
	}
	free(image);
	return 0;
}
