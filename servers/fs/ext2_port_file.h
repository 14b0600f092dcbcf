/* SPDX-License-Identifier: MIT */
/*
 * The host's block port: a disk image in a file (POSIX pread/pwrite/fsync).
 * Host-only (tests, tools); the system build reaches the disk through a
 * driver instead, and nothing in the engine knows which port it has.
 */
#ifndef SERVERS_FS_EXT2_PORT_FILE_H
#define SERVERS_FS_EXT2_PORT_FILE_H

#include "ext2.h"

struct fs_port_file {
	int fd;
	uint64_t reads, writes, flushes; /* calls, for tests and benchmarks */
};

/* Open `path` read-write (read-only when `read_only`) and fill `port`. */
int fs_port_file_open(struct fs_port_file *file, struct fs_block_port *port, const char *path,
		      int read_only);
void fs_port_file_close(struct fs_port_file *file);

#endif
