/* SPDX-License-Identifier: MIT */
/*
 * A bounds-checked reader of "newc" cpio archives (the SVR4 format without
 * CRC, magic "070701"): the kernel's boot image is one, built by Meson with
 * the host's cpio. The archive is treated as untrusted: every header field
 * is parsed strictly (8 hex digits) and every name and body is checked to
 * lie inside the archive before it is handed out.
 */
#ifndef CORE_CPIO_H
#define CORE_CPIO_H

#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "error.h"

struct cpio_entry {
	const char *name; /* NUL-terminated, inside the archive */
	const void *data; /* the file's bytes, inside the archive */
	size_t size;
	uint32_t mode; /* st_mode bits as archived */
};

/*
 * Read the entry at *offset and advance *offset to the next one.
 * Returns ERR_FAILED_LOOKUP at the "TRAILER!!!" entry (the end), ERR_OK with
 * `entry` filled otherwise. ERR_TRUNCATED_MESSAGE when a header, name or
 * body runs past `size`; ERR_INVALID_ARGUMENT for a bad magic or field.
 * Assumes: *offset came from 0 or a previous successful call.
 */
MUST_CHECK enum error cpio_next(const void *archive, size_t size, size_t *offset,
				struct cpio_entry *entry);

/* Find the regular file called `name`. ERR_FAILED_LOOKUP when absent;
 * other errors as cpio_next for a malformed archive before it is found. */
MUST_CHECK enum error cpio_find(const void *archive, size_t size, const char *name,
				struct cpio_entry *entry);

#endif
