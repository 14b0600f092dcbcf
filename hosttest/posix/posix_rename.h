/* SPDX-License-Identifier: MIT */
/*
 * The POSIX names, turned into libos's host names (kos_open, ...): the
 * differential cases include this after the system headers when compiled
 * against libos. Calls are function-like macros, so struct stat and
 * struct statvfs keep their names; DIR and struct aiocb become libos's.
 */
#ifndef HOSTTEST_POSIX_RENAME_H
#define HOSTTEST_POSIX_RENAME_H

#include "posix.h"

#define open(...) kos_open(__VA_ARGS__)
#define openat(...) kos_openat(__VA_ARGS__)
#define creat(...) kos_creat(__VA_ARGS__)
#define close(...) kos_close(__VA_ARGS__)
#define read(...) kos_read(__VA_ARGS__)
#define write(...) kos_write(__VA_ARGS__)
#define pread(...) kos_pread(__VA_ARGS__)
#define pwrite(...) kos_pwrite(__VA_ARGS__)
#define lseek(...) kos_lseek(__VA_ARGS__)
#define stat(...) kos_stat(__VA_ARGS__)
#define lstat(...) kos_lstat(__VA_ARGS__)
#define fstat(...) kos_fstat(__VA_ARGS__)
#define fstatat(...) kos_fstatat(__VA_ARGS__)
#define ftruncate(...) kos_ftruncate(__VA_ARGS__)
#define truncate(...) kos_truncate(__VA_ARGS__)
#define fsync(...) kos_fsync(__VA_ARGS__)
#define fdatasync(...) kos_fdatasync(__VA_ARGS__)
#define unlink(...) kos_unlink(__VA_ARGS__)
#define unlinkat(...) kos_unlinkat(__VA_ARGS__)
#define rename(...) kos_rename(__VA_ARGS__)
#define renameat(...) kos_renameat(__VA_ARGS__)
#define mkdir(...) kos_mkdir(__VA_ARGS__)
#define mkdirat(...) kos_mkdirat(__VA_ARGS__)
#define rmdir(...) kos_rmdir(__VA_ARGS__)
#define link(...) kos_link(__VA_ARGS__)
#define symlink(...) kos_symlink(__VA_ARGS__)
#define readlink(...) kos_readlink(__VA_ARGS__)
#define access(...) kos_access(__VA_ARGS__)
#define chdir(...) kos_chdir(__VA_ARGS__)
#define getcwd(...) kos_getcwd(__VA_ARGS__)
#define opendir(...) kos_opendir(__VA_ARGS__)
#define fdopendir(...) kos_fdopendir(__VA_ARGS__)
#define readdir(...) kos_readdir(__VA_ARGS__)
#define rewinddir(...) kos_rewinddir(__VA_ARGS__)
#define closedir(...) kos_closedir(__VA_ARGS__)
#define dirfd(...) kos_dirfd(__VA_ARGS__)
#define dup(...) kos_dup(__VA_ARGS__)
#define dup2(...) kos_dup2(__VA_ARGS__)
#define dup3(...) kos_dup3(__VA_ARGS__)
#define fcntl(...) kos_fcntl(__VA_ARGS__)
#define isatty(...) kos_isatty(__VA_ARGS__)
#define umask(...) kos_umask(__VA_ARGS__)
#define statvfs(...) kos_statvfs(__VA_ARGS__)
#define fstatvfs(...) kos_fstatvfs(__VA_ARGS__)
#define aio_read(...) kos_aio_read(__VA_ARGS__)
#define aio_write(...) kos_aio_write(__VA_ARGS__)
#define aio_fsync(...) kos_aio_fsync(__VA_ARGS__)
#define aio_error(...) kos_aio_error(__VA_ARGS__)
#define aio_return(...) kos_aio_return(__VA_ARGS__)
#define aio_suspend(...) kos_aio_suspend(__VA_ARGS__)
#define aio_cancel(...) kos_aio_cancel(__VA_ARGS__)
#define lio_listio(...) kos_lio_listio(__VA_ARGS__)
#define DIR kos_DIR
#define aiocb kos_aiocb

#endif
