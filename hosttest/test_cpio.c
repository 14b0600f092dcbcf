/* SPDX-License-Identifier: MIT */
/*
 * Tests of core/cpio.c, the newc reader the kernel uses for its boot image.
 * Archives are built here byte by byte (struct archive and put_entry), so each
 * test says exactly which header field or byte it breaks. The archive the
 * host's GNU cpio writes at build time (meson.build: cpio-fixture) checks
 * that the reader agrees with a real writer; it is found through the
 * CPIO_FIXTURE environment variable and skipped when cpio is missing.
 * Truncation and seeded-corruption runs copy each archive into a malloc'd
 * buffer of its exact size, so ASan reports any read past the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpio.h"
#include "seed.h"

enum {
	HEADER_BYTES = 110,
	FIELD_COUNT = 13,
	FIELD_MODE = 1,
	FIELD_FILESIZE = 6,
	FIELD_NAMESIZE = 11,
	MODE_FILE = 0100644,
	MODE_DIR = 040755,
	MODE_SYMLINK = 0120777,
	MAX_ENTRIES = 16,
};

/* An archive under construction, and where each of its entries lies. */
struct archive {
	uint8_t bytes[4096];
	size_t size;
	size_t count;
	size_t entry_at[MAX_ENTRIES]; /* header offset */
	size_t data_end[MAX_ENTRIES]; /* offset just past the body, before padding */
	bool lowercase;
};

static void put_bytes(struct archive *a, const void *bytes, size_t n)
{
	assert_true(a->size + n <= sizeof(a->bytes));
	memcpy(a->bytes + a->size, bytes, n);
	a->size += n;
}

static void pad4(struct archive *a)
{
	while (a->size % 4)
		a->bytes[a->size++] = 0;
}

/* Write the `field`th header field of the entry at `at` as 8 hex digits. */
static void set_field(struct archive *a, size_t at, unsigned field, uint32_t value)
{
	char digits[9];
	snprintf(digits, sizeof(digits), a->lowercase ? "%08x" : "%08X", value);
	memcpy(a->bytes + at + 6 + 8 * field, digits, 8);
}

/* An entry whose name is `name_size` raw bytes (the NUL is the caller's). */
static size_t put_raw_entry(struct archive *a, const void *name, uint32_t name_size, uint32_t mode,
			    const void *data, uint32_t size)
{
	size_t at = a->size;
	assert_true(a->count < MAX_ENTRIES);
	put_bytes(a, "070701", 6);
	for (unsigned field = 0; field < FIELD_COUNT; field++) {
		put_bytes(a, "00000000", 8);
		set_field(a, at, field, 0);
	}
	set_field(a, at, 0, (uint32_t)a->count + 100); /* ino */
	set_field(a, at, FIELD_MODE, mode);
	set_field(a, at, 4, 1);          /* nlink */
	set_field(a, at, 5, 0x5f5e1000); /* mtime: has letters in both cases */
	set_field(a, at, FIELD_FILESIZE, size);
	set_field(a, at, FIELD_NAMESIZE, name_size);
	put_bytes(a, name, name_size);
	pad4(a);
	put_bytes(a, data, size);
	a->entry_at[a->count] = at;
	a->data_end[a->count] = a->size;
	a->count++;
	pad4(a);
	return at;
}

static size_t put_entry(struct archive *a, const char *name, uint32_t mode, const void *data,
			uint32_t size)
{
	return put_raw_entry(a, name, (uint32_t)strlen(name) + 1, mode, data, size);
}

static size_t put_trailer(struct archive *a)
{
	return put_entry(a, "TRAILER!!!", 0, "", 0);
}

/* hello.txt, a directory, a file in it, an empty file, then the trailer. */
static void build_sample(struct archive *a)
{
	put_entry(a, "hello.txt", MODE_FILE, "hello, world\n", 13);
	put_entry(a, "bin", MODE_DIR, "", 0);
	put_entry(a, "bin/init", 0100755,
		  "\x7f"
		  "ELF\x02\x01\x01",
		  7);
	put_entry(a, "e", MODE_FILE, "", 0);
	put_trailer(a);
}

static void assert_entry(const struct archive *a, const struct cpio_entry *entry, const char *name,
			 uint32_t mode, const void *data, size_t size)
{
	assert_string_equal(entry->name, name);
	assert_int_equal(entry->mode, mode);
	assert_int_equal(entry->size, size);
	assert_memory_equal(entry->data, data, size);
	/* Both point inside the archive, and the body starts 4-aligned. */
	const uint8_t *name_at = (const uint8_t *)entry->name;
	const uint8_t *data_at = entry->data;
	assert_true(name_at >= a->bytes && name_at < a->bytes + a->size);
	assert_true(data_at >= a->bytes && data_at + size <= a->bytes + a->size);
	assert_int_equal((size_t)(data_at - a->bytes) % 4, 0);
}

static enum error next(const struct archive *a, size_t *offset, struct cpio_entry *entry)
{
	return cpio_next(a->bytes, a->size, offset, entry);
}

static void test_next_walks_every_entry(void **state)
{
	(void)state;
	struct archive a = { .size = 0 };
	build_sample(&a);
	size_t offset = 0;
	struct cpio_entry entry;
	assert_int_equal(next(&a, &offset, &entry), ERR_OK);
	assert_entry(&a, &entry, "hello.txt", MODE_FILE, "hello, world\n", 13);
	assert_int_equal(offset, a.entry_at[1]);
	assert_int_equal(next(&a, &offset, &entry), ERR_OK);
	assert_entry(&a, &entry, "bin", MODE_DIR, "", 0);
	assert_int_equal(offset, a.entry_at[2]);
	assert_int_equal(next(&a, &offset, &entry), ERR_OK);
	assert_entry(&a, &entry, "bin/init", 0100755,
		     "\x7f"
		     "ELF\x02\x01\x01",
		     7);
	assert_int_equal(next(&a, &offset, &entry), ERR_OK);
	assert_entry(&a, &entry, "e", MODE_FILE, "", 0);
	assert_int_equal(offset, a.entry_at[4]);
	/* The trailer ends the walk and leaves offset and entry alone. */
	struct cpio_entry untouched = entry;
	assert_int_equal(next(&a, &offset, &entry), ERR_FAILED_LOOKUP);
	assert_int_equal(offset, a.entry_at[4]);
	assert_memory_equal(&entry, &untouched, sizeof(entry));
	assert_int_equal(next(&a, &offset, &entry), ERR_FAILED_LOOKUP);
}

static void test_name_and_body_padding(void **state)
{
	(void)state;
	/* 110 + namesize covers all four residues mod 4, and so do the bodies. */
	const char *names[] = { "a", "ab", "abc", "abcd", "abcde" };
	const char *bodies[] = { "", "1", "12", "123", "1234" };
	for (size_t n = 0; n < 5; n++) {
		for (size_t b = 0; b < 5; b++) {
			struct archive a = { .size = 0 };
			put_entry(&a, names[n], MODE_FILE, bodies[b], (uint32_t)b);
			put_entry(&a, "next", MODE_FILE, "xyz", 3);
			put_trailer(&a);
			size_t offset = 0;
			struct cpio_entry entry;
			assert_int_equal(next(&a, &offset, &entry), ERR_OK);
			assert_entry(&a, &entry, names[n], MODE_FILE, bodies[b], b);
			assert_int_equal(offset, a.entry_at[1]);
			assert_int_equal(next(&a, &offset, &entry), ERR_OK);
			assert_entry(&a, &entry, "next", MODE_FILE, "xyz", 3);
			assert_int_equal(next(&a, &offset, &entry), ERR_FAILED_LOOKUP);
		}
	}
}

static void test_hex_digits_in_either_case(void **state)
{
	(void)state;
	struct archive a = { .size = 0 };
	uint8_t body[0xab];
	memset(body, 'q', sizeof(body));
	size_t at = put_entry(&a, "f", 0100644, body, sizeof(body));
	put_trailer(&a);
	struct cpio_entry entry;
	const char *spellings[] = { "000000AB", "000000ab", "000000aB", "000000Ab" };
	for (size_t i = 0; i < 4; i++) {
		memcpy(a.bytes + at + 6 + 8 * FIELD_FILESIZE, spellings[i], 8);
		memcpy(a.bytes + at + 6 + 8 * FIELD_MODE, i % 2 ? "000081a4" : "000081A4", 8);
		size_t offset = 0;
		assert_int_equal(next(&a, &offset, &entry), ERR_OK);
		assert_int_equal(entry.size, 0xab);
		assert_int_equal(entry.mode, 0100644);
	}
	/* Every digit value, in both cases, through a whole field. */
	memcpy(a.bytes + at + 6 + 8 * FIELD_MODE, "FEDCBA98", 8);
	size_t offset = 0;
	assert_int_equal(next(&a, &offset, &entry), ERR_OK);
	assert_int_equal(entry.mode, 0xfedcba98u);
	memcpy(a.bytes + at + 6 + 8 * FIELD_MODE, "76543210", 8);
	offset = 0;
	assert_int_equal(next(&a, &offset, &entry), ERR_OK);
	assert_int_equal(entry.mode, 0x76543210u);
	memcpy(a.bytes + at + 6 + 8 * FIELD_MODE, "fedcba98", 8);
	offset = 0;
	assert_int_equal(next(&a, &offset, &entry), ERR_OK);
	assert_int_equal(entry.mode, 0xfedcba98u);
}

static void test_find_regular_files(void **state)
{
	(void)state;
	struct archive a = { .size = 0 };
	build_sample(&a);
	struct cpio_entry entry;
	assert_int_equal(cpio_find(a.bytes, a.size, "bin/init", &entry), ERR_OK);
	assert_entry(&a, &entry, "bin/init", 0100755,
		     "\x7f"
		     "ELF\x02\x01\x01",
		     7);
	assert_int_equal(cpio_find(a.bytes, a.size, "e", &entry), ERR_OK);
	assert_entry(&a, &entry, "e", MODE_FILE, "", 0);
	struct cpio_entry untouched = entry;
	assert_int_equal(cpio_find(a.bytes, a.size, "absent", &entry), ERR_FAILED_LOOKUP);
	assert_int_equal(cpio_find(a.bytes, a.size, "bin", &entry), ERR_FAILED_LOOKUP); /* dir */
	assert_int_equal(cpio_find(a.bytes, a.size, "hello", &entry), ERR_FAILED_LOOKUP);
	assert_int_equal(cpio_find(a.bytes, a.size, "hello.txt2", &entry), ERR_FAILED_LOOKUP);
	assert_int_equal(cpio_find(a.bytes, a.size, "", &entry), ERR_FAILED_LOOKUP);
	assert_int_equal(cpio_find(a.bytes, a.size, "TRAILER!!!", &entry), ERR_FAILED_LOOKUP);
	assert_memory_equal(&entry, &untouched, sizeof(entry));
}

static void test_find_skips_non_regular_entries_of_the_same_name(void **state)
{
	(void)state;
	struct archive a = { .size = 0 };
	put_entry(&a, "x", MODE_DIR, "", 0);
	put_entry(&a, "x", MODE_SYMLINK, "target", 6);
	put_entry(&a, "x", 020644 /* character device */, "", 0);
	put_entry(&a, "x", MODE_FILE, "the file", 8);
	put_entry(&a, "x", MODE_FILE, "a later duplicate", 17);
	put_entry(&a, "only-dir", MODE_DIR, "", 0);
	put_trailer(&a);
	struct cpio_entry entry;
	assert_int_equal(cpio_find(a.bytes, a.size, "x", &entry), ERR_OK);
	assert_entry(&a, &entry, "x", MODE_FILE, "the file", 8); /* the first regular one */
	assert_int_equal(cpio_find(a.bytes, a.size, "only-dir", &entry), ERR_FAILED_LOOKUP);
}

static void test_find_reports_a_malformed_archive(void **state)
{
	(void)state;
	struct archive a = { .size = 0 };
	put_entry(&a, "first", MODE_FILE, "1", 1);
	size_t at = put_entry(&a, "second", MODE_FILE, "2", 1);
	put_trailer(&a);
	a.bytes[at] = 'X';
	struct cpio_entry entry;
	/* Found before the damage: fine. After it: the damage is reported. */
	assert_int_equal(cpio_find(a.bytes, a.size, "first", &entry), ERR_OK);
	assert_int_equal(cpio_find(a.bytes, a.size, "second", &entry), ERR_INVALID_ARGUMENT);
	assert_int_equal(cpio_find(a.bytes, a.size, "absent", &entry), ERR_INVALID_ARGUMENT);
	/* Without a trailer the walk runs off the end. */
	struct archive b = { .size = 0 };
	put_entry(&b, "first", MODE_FILE, "1", 1);
	assert_int_equal(cpio_find(b.bytes, b.size, "absent", &entry), ERR_TRUNCATED_MESSAGE);
}

/* cpio_next on the archive fails with `expected` and changes nothing. */
static void assert_next_fails(const struct archive *a, size_t size, size_t offset,
			      enum error expected)
{
	struct cpio_entry entry, untouched;
	memset(&entry, 0xa5, sizeof(entry));
	untouched = entry;
	size_t at = offset;
	assert_int_equal(cpio_next(a->bytes, size, &at, &entry), expected);
	assert_int_equal(at, offset);
	assert_memory_equal(&entry, &untouched, sizeof(entry));
}

static void test_truncated_header(void **state)
{
	(void)state;
	struct archive a = { .size = 0 };
	build_sample(&a);
	assert_next_fails(&a, 0, 0, ERR_TRUNCATED_MESSAGE);
	assert_next_fails(&a, HEADER_BYTES - 1, 0, ERR_TRUNCATED_MESSAGE);
	/* The second header, cut; and an offset past the end. */
	assert_next_fails(&a, a.entry_at[1] + HEADER_BYTES - 1, a.entry_at[1],
			  ERR_TRUNCATED_MESSAGE);
	assert_next_fails(&a, a.entry_at[1], a.entry_at[1], ERR_TRUNCATED_MESSAGE);
	assert_next_fails(&a, a.size, a.size + 4, ERR_TRUNCATED_MESSAGE);
	assert_next_fails(&a, a.size, SIZE_MAX - 3, ERR_TRUNCATED_MESSAGE);
}

static void test_truncated_name_and_body(void **state)
{
	(void)state;
	struct archive a = { .size = 0 };
	put_entry(&a, "hello.txt", MODE_FILE, "hello, world\n", 13);
	put_trailer(&a);
	/* 110 + 10 = 120: the name ends on a 4-byte boundary, the body follows. */
	assert_next_fails(&a, HEADER_BYTES, 0, ERR_TRUNCATED_MESSAGE);
	assert_next_fails(&a, HEADER_BYTES + 9, 0, ERR_TRUNCATED_MESSAGE); /* NUL missing */
	assert_next_fails(&a, 120 + 12, 0, ERR_TRUNCATED_MESSAGE);         /* body short by 1 */
	struct cpio_entry entry;
	size_t offset = 0;
	assert_int_equal(cpio_next(a.bytes, 120 + 13, &offset, &entry), ERR_OK);
	assert_int_equal(offset, 136); /* past the end of the cut archive: the next call fails */
	assert_next_fails(&a, 133, offset, ERR_TRUNCATED_MESSAGE);

	/* A name whose padding is cut off, with an empty body. */
	struct archive b = { .size = 0 };
	put_entry(&b, "abc", MODE_FILE, "", 0); /* 110 + 4 = 114, body at 116 */
	put_trailer(&b);
	assert_next_fails(&b, 115, 0, ERR_TRUNCATED_MESSAGE);
	offset = 0;
	assert_int_equal(cpio_next(b.bytes, 116, &offset, &entry), ERR_OK);
	assert_int_equal(entry.size, 0);
}

static void test_huge_sizes_are_truncation(void **state)
{
	(void)state;
	struct archive a = { .size = 0 };
	size_t at = put_entry(&a, "f", MODE_FILE, "abcd", 4);
	put_trailer(&a);
	struct archive b = a;
	set_field(&b, at, FIELD_FILESIZE, 0xffffffff);
	assert_next_fails(&b, b.size, 0, ERR_TRUNCATED_MESSAGE);
	b = a;
	set_field(&b, at, FIELD_NAMESIZE, 0xffffffff);
	assert_next_fails(&b, b.size, 0, ERR_TRUNCATED_MESSAGE);
}

static void test_bad_magic(void **state)
{
	(void)state;
	struct archive a = { .size = 0 };
	build_sample(&a);
	/* "070707" is the old portable format, "070702" newc with CRCs. */
	const char *magics[] = { "070707", "070702", "070700", "170701", "07070", "\0\0\0\0\0\0" };
	for (size_t i = 0; i < ARRAY_LENGTH(magics); i++) {
		struct archive b = a;
		memcpy(b.bytes, magics[i], 6);
		assert_next_fails(&b, b.size, 0, ERR_INVALID_ARGUMENT);
	}
	for (size_t i = 0; i < 6; i++) {
		struct archive b = a;
		b.bytes[a.entry_at[1] + i] ^= 0x40;
		size_t offset = a.entry_at[1];
		assert_next_fails(&b, b.size, offset, ERR_INVALID_ARGUMENT);
	}
}

static void test_non_hex_digit_in_any_field(void **state)
{
	(void)state;
	struct archive a = { .size = 0 };
	build_sample(&a);
	/* Neighbours of the digit and letter ranges, and a few usual suspects. */
	const uint8_t bad[] = { '/', ':', '@', 'G', '`', 'g', 'x', 'X', ' ', '-', '+', 0, 0xff };
	for (unsigned field = 0; field < FIELD_COUNT; field++) {
		for (unsigned digit = 0; digit < 8; digit++) {
			for (size_t i = 0; i < sizeof(bad); i++) {
				struct archive b = a;
				b.bytes[6 + 8 * field + digit] = bad[i];
				struct cpio_entry entry;
				size_t offset = 0;
				enum error err = cpio_next(b.bytes, b.size, &offset, &entry);
				if (err != ERR_INVALID_ARGUMENT)
					fail_msg("field %u digit %u = 0x%02x: %d, not "
						 "ERR_INVALID_ARGUMENT",
						 field, digit, bad[i], err);
			}
		}
	}
}

static void test_name_size_zero(void **state)
{
	(void)state;
	struct archive a = { .size = 0 };
	size_t at = put_raw_entry(&a, "", 0, MODE_FILE, "data", 4);
	put_trailer(&a);
	assert_next_fails(&a, a.size, at, ERR_INVALID_ARGUMENT);
}

static void test_name_without_nul(void **state)
{
	(void)state;
	struct archive a = { .size = 0 };
	size_t at = put_raw_entry(&a, "abcd", 4, MODE_FILE, "data", 4);
	put_trailer(&a);
	assert_next_fails(&a, a.size, at, ERR_INVALID_ARGUMENT);
	struct cpio_entry entry;
	assert_int_equal(cpio_find(a.bytes, a.size, "abcd", &entry), ERR_INVALID_ARGUMENT);
}

static void test_name_with_embedded_nul(void **state)
{
	(void)state;
	/* "init\0evil" would look like "init" to strcmp and hide the rest. */
	const struct {
		const char *bytes;
		uint32_t size; /* with the final NUL */
	} names[] = { { "init\0evil", 10 }, { "\0init", 6 }, { "ini\0\0", 6 } };
	for (size_t i = 0; i < ARRAY_LENGTH(names); i++) {
		struct archive a = { .size = 0 };
		put_raw_entry(&a, names[i].bytes, names[i].size, MODE_FILE, "d", 1);
		put_trailer(&a);
		assert_next_fails(&a, a.size, 0, ERR_INVALID_ARGUMENT);
		struct cpio_entry entry;
		assert_int_equal(cpio_find(a.bytes, a.size, "init", &entry), ERR_INVALID_ARGUMENT);
	}
}

static void test_trailer_needs_its_exact_name(void **state)
{
	(void)state;
	struct archive a = { .size = 0 };
	put_entry(&a, "TRAILER!!", MODE_FILE, "1", 1);
	put_entry(&a, "TRAILER!!!x", MODE_FILE, "2", 1);
	put_entry(&a, "trailer!!!", MODE_FILE, "3", 1);
	put_trailer(&a);
	put_entry(&a, "after", MODE_FILE, "4", 1);
	size_t offset = 0;
	struct cpio_entry entry;
	for (int i = 0; i < 3; i++)
		assert_int_equal(next(&a, &offset, &entry), ERR_OK);
	assert_int_equal(next(&a, &offset, &entry), ERR_FAILED_LOOKUP);
	assert_int_equal(cpio_find(a.bytes, a.size, "after", &entry), ERR_FAILED_LOOKUP);
}

/* A copy of bytes[0, size) in a heap block of exactly `size` bytes. */
static uint8_t *exact_copy(const uint8_t *bytes, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	assert_non_null(copy);
	memcpy(copy, bytes, size);
	return copy;
}

static void test_every_truncation_is_rejected(void **state)
{
	(void)state;
	struct archive a = { .size = 0 };
	build_sample(&a);
	for (size_t cut = 0; cut < a.size; cut++) {
		uint8_t *copy = exact_copy(a.bytes, cut);
		size_t offset = 0, returned = 0;
		struct cpio_entry entry;
		enum error err;
		while ((err = cpio_next(copy, cut, &offset, &entry)) == ERR_OK)
			returned++;
		/* Exactly the entries whose bodies fit come out, then truncation. */
		size_t whole = 0;
		while (whole < a.count && a.data_end[whole] <= cut)
			whole++;
		if (err != ERR_TRUNCATED_MESSAGE || returned != whole)
			fail_msg("cut at %zu: %d after %zu entries (expected truncation after %zu)",
				 cut, err, returned, whole);
		free(copy);
	}
}

/* Everything cpio_next hands out lies inside [base, base + size). */
static bool entry_inside(const struct cpio_entry *entry, const uint8_t *base, size_t size)
{
	const uint8_t *name = (const uint8_t *)entry->name, *data = entry->data;
	if (name < base || name >= base + size || data < base || data > base + size)
		return false;
	if (entry->size > (size_t)(base + size - data))
		return false;
	return memchr(name, 0, (size_t)(base + size - name)) != NULL;
}

static void test_random_corruption_stays_in_bounds(void **state)
{
	(void)state;
	struct seed_rng rng = seed_from_env("cpio random corruption");
	struct archive a = { .size = 0 };
	build_sample(&a);
	const uint8_t interesting[] = { '0', '1', '7', 'f', 'F', 'g', 0, 0xff, 'T', '!' };
	unsigned accepted = 0, rejected = 0;
	for (unsigned round = 0; round < 20000; round++) {
		size_t size = seed_below(&rng, 4) ? a.size : seed_below(&rng, a.size + 1);
		uint8_t *copy = exact_copy(a.bytes, size);
		unsigned flips = 1 + (unsigned)seed_below(&rng, 4);
		for (unsigned i = 0; i < flips && size > 0; i++) {
			size_t at = seed_below(&rng, size);
			copy[at] = seed_below(&rng, 2) ? (uint8_t)seed_next(&rng)
						       : interesting[seed_below(&rng, 10)];
		}
		size_t offset = 0;
		struct cpio_entry entry;
		enum error err;
		unsigned steps = 0;
		while ((err = cpio_next(copy, size, &offset, &entry)) == ERR_OK) {
			seed_check(&rng, round, entry_inside(&entry, copy, size));
			seed_check(&rng, round, ++steps <= MAX_ENTRIES); /* offsets advance */
		}
		seed_check(&rng, round,
			   err == ERR_FAILED_LOOKUP || err == ERR_TRUNCATED_MESSAGE ||
			       err == ERR_INVALID_ARGUMENT);
		err == ERR_FAILED_LOOKUP ? accepted++ : rejected++;
		if (cpio_find(copy, size, "bin/init", &entry) == ERR_OK)
			seed_check(&rng, round, entry_inside(&entry, copy, size));
		free(copy);
	}
	/* Both outcomes happen, or the corruption tested nothing. */
	assert_true(accepted > 1000);
	assert_true(rejected > 1000);
}

static void test_archive_from_gnu_cpio(void **state)
{
	(void)state;
	const char *path = getenv("CPIO_FIXTURE");
	if (!path || !*path)
		skip(); /* no cpio on the build host */
	FILE *file = fopen(path, "rb");
	assert_non_null(file);
	static uint8_t bytes[65536];
	size_t size = fread(bytes, 1, sizeof(bytes), file);
	assert_true(feof(file));
	fclose(file);
	uint8_t *copy = exact_copy(bytes, size);

	struct cpio_entry entry;
	assert_int_equal(cpio_find(copy, size, "hello.txt", &entry), ERR_OK);
	assert_int_equal(entry.size, 27);
	assert_memory_equal(entry.data, "Hello from the host's cpio\n", 27);
	assert_int_equal(entry.mode & 0170000, 0100000);
	assert_int_equal(cpio_find(copy, size, "dir/nested.txt", &entry), ERR_OK);
	assert_int_equal(entry.size, 7);
	assert_memory_equal(entry.data, "nested\n", 7);
	assert_int_equal(cpio_find(copy, size, "dir/empty", &entry), ERR_OK);
	assert_int_equal(entry.size, 0);
	assert_int_equal(cpio_find(copy, size, "dir", &entry), ERR_FAILED_LOOKUP);

	/* The walk sees the directory too, in the order the list gave. */
	const char *order[] = { "dir", "dir/empty", "dir/nested.txt", "hello.txt" };
	size_t offset = 0;
	for (size_t i = 0; i < ARRAY_LENGTH(order); i++) {
		assert_int_equal(cpio_next(copy, size, &offset, &entry), ERR_OK);
		assert_string_equal(entry.name, order[i]);
		assert_int_equal((entry.mode & 0170000) == 040000, i == 0);
	}
	assert_int_equal(cpio_next(copy, size, &offset, &entry), ERR_FAILED_LOOKUP);
	free(copy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_next_walks_every_entry),
		cmocka_unit_test(test_name_and_body_padding),
		cmocka_unit_test(test_hex_digits_in_either_case),
		cmocka_unit_test(test_find_regular_files),
		cmocka_unit_test(test_find_skips_non_regular_entries_of_the_same_name),
		cmocka_unit_test(test_find_reports_a_malformed_archive),
		cmocka_unit_test(test_truncated_header),
		cmocka_unit_test(test_truncated_name_and_body),
		cmocka_unit_test(test_huge_sizes_are_truncation),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_non_hex_digit_in_any_field),
		cmocka_unit_test(test_name_size_zero),
		cmocka_unit_test(test_name_without_nul),
		cmocka_unit_test(test_name_with_embedded_nul),
		cmocka_unit_test(test_trailer_needs_its_exact_name),
		cmocka_unit_test(test_every_truncation_is_rejected),
		cmocka_unit_test(test_random_corruption_stays_in_bounds),
		cmocka_unit_test(test_archive_from_gnu_cpio),
	};
	return cmocka_run_group_tests_name("cpio", tests, NULL, NULL);
}
