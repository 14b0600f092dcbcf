/* SPDX-License-Identifier: MIT */
/*
 * ELF64 executable reader (see elf.h). Field offsets follow the System V
 * ABI's ELF64 layout; every read is checked against the image size first.
 */
#include "elf.h"

enum {
	EHDR_SIZE = 64,
	PHDR_SIZE = 56,
	ET_EXEC = 2,
	PT_LOAD = 1,
	EV_CURRENT = 1,
	ELFCLASS64 = 2,
	ELFDATA2LSB = 1,
};

static uint64_t read_le(const uint8_t *p, unsigned bytes)
{
	uint64_t value = 0;
	for (unsigned i = bytes; i-- > 0;)
		value = value << 8 | p[i];
	return value;
}

/* Assumes: offset + PHDR_SIZE <= image size (checked in elf_open). */
static uint32_t phdr_type(const struct elf_image *image, uint16_t index)
{
	return (uint32_t)read_le(
	    image->data + image->program_header_offset + (uint64_t)index * PHDR_SIZE, 4);
}

static void phdr_read(const struct elf_image *image, uint16_t index, struct elf_segment *out)
{
	const uint8_t *p = image->data + image->program_header_offset + (uint64_t)index * PHDR_SIZE;
	out->flags = (uint32_t)read_le(p + 4, 4) &
		     (ELF_SEGMENT_EXECUTE | ELF_SEGMENT_WRITE | ELF_SEGMENT_READ);
	out->file_offset = read_le(p + 8, 8);
	out->vaddr = read_le(p + 16, 8);
	out->file_size = read_le(p + 32, 8);
	out->memory_size = read_le(p + 40, 8);
}

/* Untrusted: data/size come from a boot image or, later, a user. */
enum error elf_open(struct elf_image *image, const void *data, size_t size, uint16_t machine,
		    uint64_t page_bytes)
{
	const uint8_t *bytes = data;
	if (page_bytes == 0 || (page_bytes & (page_bytes - 1)))
		return ERR_INVALID_ARGUMENT;
	if (size < EHDR_SIZE)
		return ERR_TRUNCATED_MESSAGE;
	if (bytes[0] != 0x7f || bytes[1] != 'E' || bytes[2] != 'L' || bytes[3] != 'F' ||
	    bytes[4] != ELFCLASS64 || bytes[5] != ELFDATA2LSB || bytes[6] != EV_CURRENT)
		return ERR_INVALID_ARGUMENT;
	if (read_le(bytes + 16, 2) != ET_EXEC || read_le(bytes + 18, 2) != machine ||
	    read_le(bytes + 20, 4) != EV_CURRENT || read_le(bytes + 52, 2) != EHDR_SIZE)
		return ERR_INVALID_ARGUMENT;
	uint64_t phoff = read_le(bytes + 32, 8);
	uint64_t phentsize = read_le(bytes + 54, 2);
	uint64_t phnum = read_le(bytes + 56, 2);
	if (phnum == 0 || phentsize != PHDR_SIZE)
		return ERR_INVALID_ARGUMENT;
	if (phoff > size || phnum * PHDR_SIZE > size - phoff)
		return ERR_TRUNCATED_MESSAGE;

	/* Validate through a local copy: *image changes only on success. */
	struct elf_image candidate = {
		.data = bytes,
		.size = size,
		.entry = read_le(bytes + 24, 8),
		.program_header_offset = phoff,
		.program_header_count = (uint16_t)phnum,
	};
	for (uint16_t i = 0; i < candidate.program_header_count; i++) {
		if (phdr_type(&candidate, i) != PT_LOAD)
			continue;
		struct elf_segment segment;
		phdr_read(&candidate, i, &segment);
		if (segment.file_size > segment.memory_size ||
		    segment.vaddr + segment.memory_size < segment.vaddr ||
		    ((segment.vaddr ^ segment.file_offset) & (page_bytes - 1)))
			return ERR_INVALID_ARGUMENT;
		if (segment.file_offset > size || segment.file_size > size - segment.file_offset)
			return ERR_TRUNCATED_MESSAGE;
	}
	*image = candidate;
	return ERR_OK;
}

uint16_t elf_load_segment_count(const struct elf_image *image)
{
	uint16_t count = 0;
	for (uint16_t i = 0; i < image->program_header_count; i++)
		count += phdr_type(image, i) == PT_LOAD;
	return count;
}

enum error elf_load_segment(const struct elf_image *image, uint16_t index,
			    struct elf_segment *segment)
{
	for (uint16_t i = 0; i < image->program_header_count; i++) {
		if (phdr_type(image, i) != PT_LOAD)
			continue;
		if (index-- == 0) {
			phdr_read(image, i, segment);
			return ERR_OK;
		}
	}
	return ERR_RANGE;
}
