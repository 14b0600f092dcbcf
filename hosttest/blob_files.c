/* SPDX-License-Identifier: MIT */
#include "blob_files.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void load_blob(struct blob *b, const char *path)
{
	FILE *f = fopen(path, "rb");
	long size;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(1);
	}
	b->name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	b->size = (size_t)size;
	b->data = malloc(b->size ? b->size : 1);
	if (b->data == NULL || fread(b->data, 1, b->size, f) != b->size) {
		fprintf(stderr, "short read of %s\n", path);
		exit(1);
	}
	fclose(f);
}

size_t blob_files_load(struct blob *blobs, size_t max, int argc, char **argv)
{
	if (argc < 2 || (size_t)(argc - 1) > max) {
		fprintf(stderr, "usage: %s BLOB.dtb... (at most %zu)\n", argv[0], max);
		exit(2);
	}
	for (int i = 1; i < argc; i++)
		load_blob(&blobs[i - 1], argv[i]);
	return (size_t)(argc - 1);
}
