/* SPDX-License-Identifier: MIT */
/* The image-file block port (ext2_port_file.h). */
#define _POSIX_C_SOURCE 200809L
#include "ext2_port_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static int file_read(void *context, uint64_t sector, uint32_t count, void *buffer)
{
	struct fs_port_file *f = context;
	size_t bytes = (size_t)count * 512;
	f->reads++;
	if (pread(f->fd, buffer, bytes, (off_t)(sector * 512)) != (ssize_t)bytes)
		return FS_EIO;
	return 0;
}

static int file_write(void *context, uint64_t sector, uint32_t count, const void *buffer)
{
	struct fs_port_file *f = context;
	size_t bytes = (size_t)count * 512;
	f->writes++;
	if (pwrite(f->fd, buffer, bytes, (off_t)(sector * 512)) != (ssize_t)bytes)
		return FS_EIO;
	return 0;
}

static int file_flush(void *context)
{
	struct fs_port_file *f = context;
	f->flushes++;
	return 0; /* the tests need ordering, not durability: no fsync(2) */
}

int fs_port_file_open(struct fs_port_file *file, struct fs_block_port *port, const char *path,
		      int read_only)
{
	file->fd = open(path, read_only ? O_RDONLY : O_RDWR);
	file->reads = file->writes = file->flushes = 0;
	if (file->fd < 0)
		return FS_ENOENT;
	struct stat st;
	if (fstat(file->fd, &st) != 0) {
		close(file->fd);
		return FS_EIO;
	}
	port->read = file_read;
	port->write = file_write;
	port->flush = file_flush;
	port->context = file;
	port->sectors = (uint64_t)st.st_size / 512;
	return FS_OK;
}

void fs_port_file_close(struct fs_port_file *file)
{
	if (file->fd >= 0)
		close(file->fd);
	file->fd = -1;
}
