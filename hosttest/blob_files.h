/* SPDX-License-Identifier: MIT */
/* Host tests that take device-tree blobs on the command line (meson passes
 * the generated ones): read each whole file into the heap. */
#ifndef HOSTTEST_BLOB_FILES_H
#define HOSTTEST_BLOB_FILES_H

#include <stddef.h>
#include <stdint.h>

struct blob {
	const char *name; /* the file name, for messages */
	uint8_t *data;
	size_t size;
};

/* Load argv[1..argc-1] into blobs[0..max-1] and return how many; a wrong
 * count prints the usage and exits 2, an unreadable file exits 1. */
size_t blob_files_load(struct blob *blobs, size_t max, int argc, char **argv);

#endif
