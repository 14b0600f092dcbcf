/* SPDX-License-Identifier: MIT */
/*
 * newc cpio reader (see cpio.h). Layout: a 110-byte header (6-byte magic and
 * 13 fields of 8 hex digits), the name (namesize bytes with its NUL), padding
 * to 4 bytes, the body (filesize bytes), padding to 4 bytes.
 */
#include "cpio.h"

#include <stdbool.h>

enum {
	HEADER_BYTES = 110,
	FIELD_DIGITS = 8,
	FIELD_COUNT = 13,
	FIELD_MODE = 1,
	FIELD_FILESIZE = 6,
	FIELD_NAMESIZE = 11,
	S_IFMT = 0170000,
	S_IFREG = 0100000,
};

static const char magic[6] = { '0', '7', '0', '7', '0', '1' };
static const char trailer[] = "TRAILER!!!";

static bool parse_field(const uint8_t *header, unsigned field, uint32_t *out)
{
	const uint8_t *digits = header + sizeof(magic) + field * FIELD_DIGITS;
	uint32_t value = 0;
	for (unsigned i = 0; i < FIELD_DIGITS; i++) {
		uint8_t c = digits[i];
		uint32_t digit;
		if (c >= '0' && c <= '9')
			digit = c - '0';
		else if (c >= 'a' && c <= 'f')
			digit = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			digit = c - 'A' + 10;
		else
			return false;
		value = value << 4 | digit;
	}
	*out = value;
	return true;
}

static size_t align4(size_t value)
{
	return (value + 3) & ~(size_t)3;
}

static bool names_equal(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

enum error cpio_next(const void *archive, size_t size, size_t *offset, struct cpio_entry *entry)
{
	const uint8_t *bytes = archive;
	size_t at = *offset;
	if (at > size || size - at < HEADER_BYTES)
		return ERR_TRUNCATED_MESSAGE;
	const uint8_t *header = bytes + at;
	for (unsigned i = 0; i < sizeof(magic); i++)
		if (header[i] != (uint8_t)magic[i])
			return ERR_INVALID_ARGUMENT;
	/* Every field, used or not: a non-digit anywhere means this is not a
	 * newc header (or not the one the writer meant). */
	uint32_t field[FIELD_COUNT];
	for (unsigned i = 0; i < FIELD_COUNT; i++)
		if (!parse_field(header, i, &field[i]))
			return ERR_INVALID_ARGUMENT;
	uint32_t mode = field[FIELD_MODE], file_size = field[FIELD_FILESIZE],
		 name_size = field[FIELD_NAMESIZE];
	if (name_size == 0)
		return ERR_INVALID_ARGUMENT; /* the name must at least hold its NUL */

	size_t name_at = at + HEADER_BYTES;
	if (size - name_at < name_size)
		return ERR_TRUNCATED_MESSAGE;
	const char *name = (const char *)bytes + name_at;
	if (name[name_size - 1] != '\0')
		return ERR_INVALID_ARGUMENT;
	for (uint32_t i = 0; i + 1 < name_size; i++)
		if (name[i] == '\0')
			return ERR_INVALID_ARGUMENT; /* an embedded NUL would hide bytes */

	size_t data_at = align4(name_at + name_size);
	if (data_at > size || size - data_at < file_size)
		return ERR_TRUNCATED_MESSAGE;
	if (names_equal(name, trailer))
		return ERR_FAILED_LOOKUP;

	*entry = (struct cpio_entry){
		.name = name,
		.data = bytes + data_at,
		.size = file_size,
		.mode = mode,
	};
	*offset = align4(data_at + file_size);
	return ERR_OK;
}

enum error cpio_find(const void *archive, size_t size, const char *name, struct cpio_entry *entry)
{
	size_t offset = 0;
	for (;;) {
		struct cpio_entry candidate;
		enum error err = cpio_next(archive, size, &offset, &candidate);
		if (err != ERR_OK)
			return err;
		if ((candidate.mode & S_IFMT) == S_IFREG && names_equal(candidate.name, name)) {
			*entry = candidate;
			return ERR_OK;
		}
	}
}
