/* SPDX-License-Identifier: MIT */
/*
 * <dirent.h> for user programs (picolibc has none): directory streams are
 * libos's (libos/posix_dir.c, docs/posix.md). Only the system build puts
 * libos/include/ on the include path; the host tests use the host's.
 */
#ifndef LIBOS_INCLUDE_DIRENT_H
#define LIBOS_INCLUDE_DIRENT_H

#include <sys/types.h>

struct dirent {
	ino_t d_ino;
	off_t d_off;
	unsigned short d_reclen;
	unsigned char d_type; /* DT_*: the S_IF* type >> 12 */
	char d_name[256];
};

#define DT_UNKNOWN 0
#define DT_FIFO 1
#define DT_CHR 2
#define DT_DIR 4
#define DT_BLK 6
#define DT_REG 8
#define DT_LNK 10
#define DT_SOCK 12

typedef struct posix_dir DIR;

DIR *opendir(const char *path);
DIR *fdopendir(int fd);
struct dirent *readdir(DIR *dir);
void rewinddir(DIR *dir);
int closedir(DIR *dir);
int dirfd(DIR *dir);

#endif
