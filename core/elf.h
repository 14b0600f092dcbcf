/* SPDX-License-Identifier: MIT */
/*
 * A bounds-checked reader of ELF64 little-endian executables: the header and
 * the program headers, which is all a loader needs (no sections, no
 * relocations). The image is untrusted: elf_open() validates the header and
 * every program header once; elf_segment() answers only from validated data.
 * Reads are byte-wise, so the image may have any alignment.
 */
#ifndef CORE_ELF_H
#define CORE_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "error.h"

#define ELF_MACHINE_RISCV 243

#define ELF_SEGMENT_EXECUTE 1u
#define ELF_SEGMENT_WRITE 2u
#define ELF_SEGMENT_READ 4u

struct elf_image {
	const uint8_t *data;
	size_t size;
	uint64_t entry;
	uint64_t program_header_offset;
	uint16_t program_header_count;
};

/* One loadable segment: memory [vaddr, vaddr + memory_size) whose first
 * file_size bytes come from the image at file_offset; the rest is zero. */
struct elf_segment {
	uint64_t vaddr;
	uint64_t memory_size;
	uint64_t file_offset;
	uint64_t file_size;
	uint32_t flags; /* ELF_SEGMENT_* */
};

/*
 * Validate an executable (ET_EXEC) for `machine` held in [data, data + size).
 * Every PT_LOAD segment must lie inside the image, have file_size <=
 * memory_size, not wrap, and have vaddr and file_offset congruent modulo
 * `page_bytes` (a power of two) so it can be mapped page by page.
 * Errors: ERR_TRUNCATED_MESSAGE when a header or segment extends past size;
 * ERR_INVALID_ARGUMENT for anything else malformed or foreign. *image is
 * written only on success.
 */
MUST_CHECK enum error elf_open(struct elf_image *image, const void *data, size_t size,
			       uint16_t machine, uint64_t page_bytes);

/* The number of PT_LOAD segments. */
uint16_t elf_load_segment_count(const struct elf_image *image);

/* The `index`th PT_LOAD segment (in program-header order). ERR_RANGE past
 * the last. */
MUST_CHECK enum error elf_load_segment(const struct elf_image *image, uint16_t index,
				       struct elf_segment *segment);

#endif
