/* SPDX-License-Identifier: MIT */
/*
 * <sys/statvfs.h> for user programs (picolibc has none); statvfs and
 * fstatvfs are libos's (libos/posix_file.c). System build only.
 */
#ifndef LIBOS_INCLUDE_SYS_STATVFS_H
#define LIBOS_INCLUDE_SYS_STATVFS_H

#include <sys/types.h>

struct statvfs {
	unsigned long f_bsize, f_frsize;
	fsblkcnt_t f_blocks, f_bfree, f_bavail;
	fsfilcnt_t f_files, f_ffree, f_favail;
	unsigned long f_fsid, f_flag, f_namemax;
};

#define ST_RDONLY 1ul
#define ST_NOSUID 2ul

int statvfs(const char *path, struct statvfs *out);
int fstatvfs(int fd, struct statvfs *out);

#endif
