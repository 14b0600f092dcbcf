/* SPDX-License-Identifier: MIT */
/*
 * <aio.h> for user programs (picolibc has none): struct aiocb, the LIO_*
 * and AIO_* constants and the calls are libos's (libos/posix.h,
 * libos/aio.c, docs/posix.md). System build only.
 */
#ifndef LIBOS_INCLUDE_AIO_H
#define LIBOS_INCLUDE_AIO_H

#include "posix.h"

#endif
