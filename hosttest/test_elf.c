/* SPDX-License-Identifier: MIT */
/*
 * Tests of core/elf.c, the ELF64 reader the loader uses on untrusted
 * executables. Images are written here field by field (struct phdr and
 * write_image, little-endian as in the System V ABI), so each rejection test
 * names the one field it breaks. The truncation and seeded-corruption runs
 * copy each image into a malloc'd block of its exact size, so ASan reports
 * any read past the end; accepted corruptions must still describe segments
 * that lie inside the image.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "elf.h"
#include "seed.h"

enum {
	EHDR = 64,
	PHDR = 56,
	PT_NULL = 0,
	PT_LOAD = 1,
	PT_NOTE = 4,
	PT_PHDR = 6,
	PT_GNU_STACK = 0x6474e551,
	PAGE = 4096,
	/* Header field offsets (ELF64). */
	E_TYPE = 16,
	E_MACHINE = 18,
	E_VERSION = 20,
	E_ENTRY = 24,
	E_PHOFF = 32,
	E_EHSIZE = 52,
	E_PHENTSIZE = 54,
	E_PHNUM = 56,
	/* Program-header field offsets. */
	P_TYPE = 0,
	P_FLAGS = 4,
	P_OFFSET = 8,
	P_VADDR = 16,
	P_FILESZ = 32,
	P_MEMSZ = 40,
};

#define ENTRY UINT64_C(0x10078)
#define R ELF_SEGMENT_READ
#define W ELF_SEGMENT_WRITE
#define X ELF_SEGMENT_EXECUTE

struct phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, file_size, memory_size;
};

struct image {
	uint8_t bytes[0x3000];
	size_t size;
};

static void put(uint8_t *at, uint64_t value, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		at[i] = (uint8_t)(value >> (8 * i));
}

static uint8_t *phdr_at(struct image *image, unsigned index)
{
	return image->bytes + EHDR + (size_t)index * PHDR;
}

/* A RISC-V ET_EXEC with `count` program headers right after the header,
 * `size` bytes in all, the rest filled with a pattern. */
static void write_image(struct image *image, const struct phdr *phdrs, unsigned count, size_t size)
{
	assert_true(size <= sizeof(image->bytes));
	for (size_t i = 0; i < size; i++)
		image->bytes[i] = (uint8_t)(i * 7 + 3);
	image->size = size;
	uint8_t *b = image->bytes;
	memcpy(b,
	       "\x7f"
	       "ELF",
	       4);
	b[4] = 2; /* ELFCLASS64 */
	b[5] = 1; /* ELFDATA2LSB */
	b[6] = 1; /* EV_CURRENT */
	memset(b + 7, 0, 9);
	put(b + E_TYPE, 2, 2); /* ET_EXEC */
	put(b + E_MACHINE, ELF_MACHINE_RISCV, 2);
	put(b + E_VERSION, 1, 4);
	put(b + E_ENTRY, ENTRY, 8);
	put(b + E_PHOFF, EHDR, 8);
	put(b + 40, 0, 8); /* e_shoff: no sections */
	put(b + 48, 5, 4); /* e_flags: RVC, double float */
	put(b + E_EHSIZE, EHDR, 2);
	put(b + E_PHENTSIZE, PHDR, 2);
	put(b + E_PHNUM, count, 2);
	put(b + 58, 64, 2); /* e_shentsize */
	put(b + 60, 0, 2);  /* e_shnum */
	put(b + 62, 0, 2);  /* e_shstrndx */
	for (unsigned i = 0; i < count; i++) {
		uint8_t *p = phdr_at(image, i);
		put(p + P_TYPE, phdrs[i].type, 4);
		put(p + P_FLAGS, phdrs[i].flags, 4);
		put(p + P_OFFSET, phdrs[i].offset, 8);
		put(p + P_VADDR, phdrs[i].vaddr, 8);
		put(p + 24, phdrs[i].vaddr, 8); /* p_paddr */
		put(p + P_FILESZ, phdrs[i].file_size, 8);
		put(p + P_MEMSZ, phdrs[i].memory_size, 8);
		put(p + 48, PAGE, 8); /* p_align */
	}
}

/*
 * The sample: text (with the headers) and data+bss as PT_LOAD, around
 * headers of other types, one of which (the note) points nowhere sensible:
 * the reader must skip it. The data segment ends exactly at the image's end.
 */
static const struct phdr sample_phdrs[] = {
	{ PT_PHDR, R, EHDR, 0x10000 + EHDR, 5 * PHDR, 5 * PHDR },
	{ PT_LOAD, R | X, 0, 0x10000, 0x180, 0x180 },
	{ PT_NOTE, R, UINT64_C(0xffffffffffff0000), 0x1234, 0x100000, 0x10 },
	{ PT_LOAD, R | W | 0xf0000000u, 0x1000, 0x12000, 0x10, 0x2000 },
	{ PT_GNU_STACK, R | W, 0, 0, 0, 0 },
};
#define SAMPLE_SIZE 0x1010

static void build_sample(struct image *image)
{
	write_image(image, sample_phdrs, 5, SAMPLE_SIZE);
}

static enum error open_image(struct elf_image *elf, const struct image *image)
{
	return elf_open(elf, image->bytes, image->size, ELF_MACHINE_RISCV, PAGE);
}

static void assert_segment(const struct elf_image *elf, uint16_t index, uint64_t vaddr,
			   uint64_t memory_size, uint64_t file_offset, uint64_t file_size,
			   uint32_t flags)
{
	struct elf_segment segment;
	assert_int_equal(elf_load_segment(elf, index, &segment), ERR_OK);
	assert_int_equal(segment.vaddr, vaddr);
	assert_int_equal(segment.memory_size, memory_size);
	assert_int_equal(segment.file_offset, file_offset);
	assert_int_equal(segment.file_size, file_size);
	assert_int_equal(segment.flags, flags);
}

static void assert_sample_segments(const struct elf_image *elf)
{
	assert_int_equal(elf->entry, ENTRY);
	assert_int_equal(elf_load_segment_count(elf), 2);
	assert_segment(elf, 0, 0x10000, 0x180, 0, 0x180, R | X);
	assert_segment(elf, 1, 0x12000, 0x2000, 0x1000, 0x10, R | W); /* high flags dropped */
}

static void test_open_good_image(void **state)
{
	(void)state;
	struct image image;
	build_sample(&image);
	struct elf_image elf;
	assert_int_equal(open_image(&elf, &image), ERR_OK);
	assert_ptr_equal(elf.data, image.bytes);
	assert_int_equal(elf.size, SAMPLE_SIZE);
	assert_sample_segments(&elf);
	struct elf_segment segment, untouched;
	memset(&segment, 0x5a, sizeof(segment));
	untouched = segment;
	assert_int_equal(elf_load_segment(&elf, 2, &segment), ERR_RANGE);
	assert_int_equal(elf_load_segment(&elf, UINT16_MAX, &segment), ERR_RANGE);
	assert_memory_equal(&segment, &untouched, sizeof(segment));
}

static void test_open_at_an_odd_address(void **state)
{
	(void)state;
	struct image image;
	build_sample(&image);
	uint8_t *odd = malloc(SAMPLE_SIZE + 1);
	assert_non_null(odd);
	memcpy(odd + 1, image.bytes, SAMPLE_SIZE);
	struct elf_image elf;
	assert_int_equal(elf_open(&elf, odd + 1, SAMPLE_SIZE, ELF_MACHINE_RISCV, PAGE), ERR_OK);
	assert_sample_segments(&elf);
	free(odd);
}

static void test_program_headers_anywhere(void **state)
{
	(void)state;
	/* Headers at the very end, at an odd offset, after the segments. */
	struct image image;
	const struct phdr phdrs[] = { { PT_LOAD, R | X, 0, 0x10000, 0x101, 0x101 } };
	write_image(&image, phdrs, 1, 0x101 + PHDR);
	memmove(image.bytes + 0x101, image.bytes + EHDR, PHDR);
	put(image.bytes + E_PHOFF, 0x101, 8);
	struct elf_image elf;
	assert_int_equal(open_image(&elf, &image), ERR_OK);
	assert_int_equal(elf_load_segment_count(&elf), 1);
	assert_segment(&elf, 0, 0x10000, 0x101, 0, 0x101, R | X);
	image.size--; /* one byte short of the last header */
	assert_int_equal(open_image(&elf, &image), ERR_TRUNCATED_MESSAGE);
}

static void test_no_load_segments(void **state)
{
	(void)state;
	struct image image;
	const struct phdr phdrs[] = { { PT_NOTE, R, 0, 0, 0, 0 }, { PT_NULL, 0, 0, 0, 0, 0 } };
	write_image(&image, phdrs, 2, EHDR + 2 * PHDR);
	struct elf_image elf;
	assert_int_equal(open_image(&elf, &image), ERR_OK);
	assert_int_equal(elf_load_segment_count(&elf), 0);
	struct elf_segment segment;
	assert_int_equal(elf_load_segment(&elf, 0, &segment), ERR_RANGE);
}

/* elf_open rejects the image with `expected` and leaves *elf alone. */
static void assert_rejected_with(const struct image *image, uint16_t machine, uint64_t page,
				 enum error expected)
{
	struct elf_image elf, untouched;
	memset(&elf, 0xa5, sizeof(elf));
	untouched = elf;
	assert_int_equal(elf_open(&elf, image->bytes, image->size, machine, page), expected);
	assert_memory_equal(&elf, &untouched, sizeof(elf));
}

static void assert_rejected(const struct image *image, enum error expected)
{
	assert_rejected_with(image, ELF_MACHINE_RISCV, PAGE, expected);
}

static void test_too_short(void **state)
{
	(void)state;
	struct image image;
	build_sample(&image);
	const size_t sizes[] = { 0, 1, 4, EHDR - 1, EHDR, EHDR + PHDR };
	for (size_t i = 0; i < ARRAY_LENGTH(sizes); i++) {
		image.size = sizes[i];
		assert_rejected(&image, ERR_TRUNCATED_MESSAGE);
	}
}

static void test_bad_identification(void **state)
{
	(void)state;
	struct image good;
	build_sample(&good);
	const struct {
		unsigned at;
		uint8_t value;
	} cases[] = {
		{ 0, 0x7e }, { 1, 'e' }, { 2, 'l' }, { 3, 'f' }, /* magic */
		{ 4, 0 },    { 4, 1 },   { 4, 3 },               /* class: none, 32-bit, bogus */
		{ 5, 0 },    { 5, 2 },                           /* data: none, big-endian */
		{ 6, 0 },    { 6, 2 },                           /* identification version */
	};
	for (size_t i = 0; i < ARRAY_LENGTH(cases); i++) {
		struct image image = good;
		image.bytes[cases[i].at] = cases[i].value;
		assert_rejected(&image, ERR_INVALID_ARGUMENT);
	}
}

static void test_wrong_type(void **state)
{
	(void)state;
	const uint16_t types[] = { 0 /* NONE */, 1 /* REL */, 3 /* DYN */,
				   4 /* CORE */, 0x0102,      0xfe00 };
	for (size_t i = 0; i < ARRAY_LENGTH(types); i++) {
		struct image image;
		build_sample(&image);
		put(image.bytes + E_TYPE, types[i], 2);
		assert_rejected(&image, ERR_INVALID_ARGUMENT);
	}
}

static void test_wrong_machine(void **state)
{
	(void)state;
	struct image image;
	build_sample(&image);
	assert_rejected_with(&image, 62 /* x86-64 */, PAGE, ERR_INVALID_ARGUMENT);
	put(image.bytes + E_MACHINE, 62, 2);
	assert_rejected(&image, ERR_INVALID_ARGUMENT);
	put(image.bytes + E_MACHINE, ELF_MACHINE_RISCV | 0x100, 2); /* high byte matters */
	assert_rejected(&image, ERR_INVALID_ARGUMENT);
	put(image.bytes + E_MACHINE, 62, 2);
	struct elf_image elf;
	assert_int_equal(elf_open(&elf, image.bytes, image.size, 62, PAGE), ERR_OK);
}

static void test_wrong_version(void **state)
{
	(void)state;
	const uint32_t versions[] = { 0, 2, 0x01000001, 0x00000101 };
	for (size_t i = 0; i < ARRAY_LENGTH(versions); i++) {
		struct image image;
		build_sample(&image);
		put(image.bytes + E_VERSION, versions[i], 4);
		assert_rejected(&image, ERR_INVALID_ARGUMENT);
	}
}

static void test_wrong_header_size(void **state)
{
	(void)state;
	const uint16_t sizes[] = { 0, 52 /* ELF32's */, 63, 65, 0x140 };
	for (size_t i = 0; i < ARRAY_LENGTH(sizes); i++) {
		struct image image;
		build_sample(&image);
		put(image.bytes + E_EHSIZE, sizes[i], 2);
		assert_rejected(&image, ERR_INVALID_ARGUMENT);
	}
}

static void test_wrong_program_header_size(void **state)
{
	(void)state;
	const uint16_t sizes[] = { 0, 32 /* ELF32's */, 55, 57, 64, 0x3800 };
	for (size_t i = 0; i < ARRAY_LENGTH(sizes); i++) {
		struct image image;
		build_sample(&image);
		put(image.bytes + E_PHENTSIZE, sizes[i], 2);
		assert_rejected(&image, ERR_INVALID_ARGUMENT);
	}
}

static void test_no_program_headers(void **state)
{
	(void)state;
	struct image image;
	build_sample(&image);
	put(image.bytes + E_PHNUM, 0, 2);
	assert_rejected(&image, ERR_INVALID_ARGUMENT);
}

static void test_program_headers_past_the_end(void **state)
{
	(void)state;
	const uint64_t offsets[] = {
		SAMPLE_SIZE - 5 * PHDR + 1, /* the last header one byte short */
		SAMPLE_SIZE,                /* starts at the end */
		SAMPLE_SIZE + 1,
		UINT64_MAX,
		UINT64_MAX - PHDR + 1, /* offset + size wraps */
		UINT64_C(1) << 63,
	};
	for (size_t i = 0; i < ARRAY_LENGTH(offsets); i++) {
		struct image image;
		build_sample(&image);
		put(image.bytes + E_PHOFF, offsets[i], 8);
		assert_rejected(&image, ERR_TRUNCATED_MESSAGE);
	}
	struct image image;
	build_sample(&image);
	put(image.bytes + E_PHNUM, UINT16_MAX, 2);
	assert_rejected(&image, ERR_TRUNCATED_MESSAGE);
	/* Exactly fitting at the end is fine. */
	build_sample(&image);
	memcpy(image.bytes + SAMPLE_SIZE - 5 * PHDR, image.bytes + EHDR, 5 * PHDR);
	put(image.bytes + E_PHOFF, SAMPLE_SIZE - 5 * PHDR, 8);
	struct elf_image elf;
	assert_int_equal(open_image(&elf, &image), ERR_OK);
}

/* The sample with one field of the data segment (program header 3) set. */
static void build_with(struct image *image, unsigned field, uint64_t value)
{
	build_sample(image);
	put(phdr_at(image, 3) + field, value, 8);
}

static void test_file_size_above_memory_size(void **state)
{
	(void)state;
	struct image image;
	build_with(&image, P_MEMSZ, 0xf);
	assert_rejected(&image, ERR_INVALID_ARGUMENT);
	build_with(&image, P_MEMSZ, 0x10); /* equal is fine */
	struct elf_image elf;
	assert_int_equal(open_image(&elf, &image), ERR_OK);
	assert_segment(&elf, 1, 0x12000, 0x10, 0x1000, 0x10, R | W);
}

static void test_segment_wrapping_the_address_space(void **state)
{
	(void)state;
	struct image image;
	build_with(&image, P_VADDR, UINT64_C(0xfffffffffffff000));
	put(phdr_at(&image, 3) + P_MEMSZ, 0x2000, 8);
	assert_rejected(&image, ERR_INVALID_ARGUMENT);
	/* An end at 2^64 does not fit in 64 bits either. */
	put(phdr_at(&image, 3) + P_MEMSZ, 0x1000, 8);
	assert_rejected(&image, ERR_INVALID_ARGUMENT);
	put(phdr_at(&image, 3) + P_MEMSZ, 0xfff, 8);
	struct elf_image elf;
	assert_int_equal(open_image(&elf, &image), ERR_OK);
}

static void test_offset_and_vaddr_incongruent(void **state)
{
	(void)state;
	struct image image;
	build_with(&image, P_VADDR, 0x12001);
	assert_rejected(&image, ERR_INVALID_ARGUMENT);
	build_with(&image, P_VADDR, 0x12800);
	assert_rejected(&image, ERR_INVALID_ARGUMENT);
	/* Congruent modulo a smaller page, or with both unaligned alike. */
	struct elf_image elf;
	assert_int_equal(elf_open(&elf, image.bytes, image.size, ELF_MACHINE_RISCV, 0x800), ERR_OK);
	build_with(&image, P_VADDR, 0x12000);
	put(phdr_at(&image, 3) + P_OFFSET, 0x1004, 8);
	put(phdr_at(&image, 3) + P_FILESZ, 0xc, 8);
	assert_rejected(&image, ERR_INVALID_ARGUMENT);
	put(phdr_at(&image, 3) + P_VADDR, 0x12004, 8);
	assert_int_equal(open_image(&elf, &image), ERR_OK);
	assert_segment(&elf, 1, 0x12004, 0x2000, 0x1004, 0xc, R | W);
}

static void test_segment_bytes_past_the_end(void **state)
{
	(void)state;
	struct image image;
	build_with(&image, P_FILESZ, 0x11); /* one byte past */
	assert_rejected(&image, ERR_TRUNCATED_MESSAGE);
	build_with(&image, P_OFFSET, 0x2000); /* starts past the end */
	put(phdr_at(&image, 3) + P_VADDR, 0x13000, 8);
	put(phdr_at(&image, 3) + P_FILESZ, 0, 8);
	assert_rejected(&image, ERR_TRUNCATED_MESSAGE);
	build_with(&image, P_OFFSET, UINT64_C(0xfffffffffffff000)); /* offset + size wraps */
	put(phdr_at(&image, 3) + P_FILESZ, 0x2000, 8);
	put(phdr_at(&image, 3) + P_MEMSZ, 0x2000, 8);
	assert_rejected(&image, ERR_TRUNCATED_MESSAGE);
	/* No file bytes, starting exactly at the end: all bss, fine. */
	build_with(&image, P_OFFSET, SAMPLE_SIZE);
	put(phdr_at(&image, 3) + P_VADDR, 0x12000 + (SAMPLE_SIZE & (PAGE - 1)), 8);
	put(phdr_at(&image, 3) + P_FILESZ, 0, 8);
	struct elf_image elf;
	assert_int_equal(open_image(&elf, &image), ERR_OK);
}

static void test_page_bytes_must_be_a_power_of_two(void **state)
{
	(void)state;
	struct image image;
	build_sample(&image);
	const uint64_t bad[] = { 0, 3, 0x1800, PAGE + 1, UINT64_MAX };
	for (size_t i = 0; i < ARRAY_LENGTH(bad); i++)
		assert_rejected_with(&image, ELF_MACHINE_RISCV, bad[i], ERR_INVALID_ARGUMENT);
	struct elf_image elf;
	assert_int_equal(elf_open(&elf, image.bytes, image.size, ELF_MACHINE_RISCV, 1), ERR_OK);
	assert_int_equal(elf_open(&elf, image.bytes, image.size, ELF_MACHINE_RISCV, 0x1000),
			 ERR_OK);
	assert_rejected_with(&image, ELF_MACHINE_RISCV, 0x2000, ERR_INVALID_ARGUMENT);
}

static void test_non_load_headers_are_not_checked(void **state)
{
	(void)state;
	struct image image;
	build_sample(&image);
	struct elf_image elf;
	assert_int_equal(open_image(&elf, &image), ERR_OK);
	/* The note's offset lies far outside: as PT_LOAD it would be refused. */
	put(phdr_at(&image, 2) + P_TYPE, PT_LOAD, 4);
	assert_rejected(&image, ERR_INVALID_ARGUMENT); /* file size > memory size first */
	put(phdr_at(&image, 2) + P_MEMSZ, 0x100000, 8);
	put(phdr_at(&image, 2) + P_VADDR, 0x10000, 8);
	assert_rejected(&image, ERR_TRUNCATED_MESSAGE);
}

static void test_failed_open_leaves_the_image_alone(void **state)
{
	(void)state;
	/* error.h: a function that returns an error changes nothing. The header
	 * checks pass here; only the second PT_LOAD is bad. */
	struct image image;
	build_with(&image, P_MEMSZ, 0xf);
	assert_rejected(&image, ERR_INVALID_ARGUMENT);
	build_with(&image, P_FILESZ, 0x11);
	assert_rejected(&image, ERR_TRUNCATED_MESSAGE);
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
	struct image image;
	build_sample(&image);
	for (size_t cut = 0; cut < SAMPLE_SIZE; cut++) {
		uint8_t *copy = exact_copy(image.bytes, cut);
		struct elf_image elf;
		enum error err = elf_open(&elf, copy, cut, ELF_MACHINE_RISCV, PAGE);
		if (err != ERR_TRUNCATED_MESSAGE)
			fail_msg("cut at %zu: %d, not ERR_TRUNCATED_MESSAGE", cut, err);
		free(copy);
	}
}

/* What an accepted image promises: every segment inside it and sane. */
static bool segments_sane(const struct elf_image *elf, size_t size, uint64_t page)
{
	uint16_t count = elf_load_segment_count(elf);
	for (uint16_t i = 0; i < count; i++) {
		struct elf_segment s;
		if (elf_load_segment(elf, i, &s) != ERR_OK)
			return false;
		if (s.file_offset > size || s.file_size > size - s.file_offset ||
		    s.file_size > s.memory_size || s.vaddr + s.memory_size < s.vaddr ||
		    ((s.vaddr ^ s.file_offset) & (page - 1)) || (s.flags & ~(uint32_t)(R | W | X)))
			return false;
	}
	struct elf_segment s;
	return elf_load_segment(elf, count, &s) == ERR_RANGE;
}

static void test_random_corruption_stays_in_bounds(void **state)
{
	(void)state;
	struct seed_rng rng = seed_from_env("elf random corruption");
	struct image image;
	build_sample(&image);
	/* Values that sit on the checks' edges. */
	const uint64_t interesting[] = { 0,
					 1,
					 2,
					 0x38,
					 0x40,
					 0xf3,
					 PAGE,
					 SAMPLE_SIZE,
					 SAMPLE_SIZE - 1,
					 SAMPLE_SIZE + 1,
					 UINT64_MAX,
					 UINT64_MAX - 0xfff,
					 UINT64_C(1) << 63,
					 0x7fffffff };
	const size_t headers = EHDR + 5 * PHDR;
	unsigned accepted = 0, rejected = 0;
	for (unsigned round = 0; round < 20000; round++) {
		size_t size = seed_below(&rng, 8) ? SAMPLE_SIZE : seed_below(&rng, SAMPLE_SIZE + 1);
		uint8_t *copy = exact_copy(image.bytes, size);
		unsigned changes = 1 + (unsigned)seed_below(&rng, 3);
		for (unsigned i = 0; i < changes && size > 0; i++) {
			/* Mostly in the headers, where the checks are. */
			size_t limit =
			    seed_below(&rng, 8) ? (headers < size ? headers : size) : size;
			size_t at = seed_below(&rng, limit);
			if (seed_below(&rng, 2)) {
				copy[at] = (uint8_t)seed_next(&rng);
			} else {
				/* An edge value over a field-sized run of bytes. */
				unsigned width = 1u << seed_below(&rng, 4);
				uint64_t value =
				    interesting[seed_below(&rng, ARRAY_LENGTH(interesting))];
				for (unsigned b = 0; b < width && at + b < size; b++)
					copy[at + b] = (uint8_t)(value >> (8 * b));
			}
		}
		uint64_t page = seed_below(&rng, 4) ? PAGE : UINT64_C(1) << seed_below(&rng, 16);
		struct elf_image elf;
		if (elf_open(&elf, copy, size, ELF_MACHINE_RISCV, page) == ERR_OK) {
			accepted++;
			seed_check(&rng, round, elf.data == copy && elf.size == size);
			seed_check(&rng, round,
				   elf.program_header_offset <= size &&
				       elf.program_header_count * (uint64_t)PHDR <=
					   size - elf.program_header_offset);
			seed_check(&rng, round, segments_sane(&elf, size, page));
		} else {
			rejected++;
		}
		free(copy);
	}
	/* Both outcomes happen, or the corruption tested nothing. */
	assert_true(accepted > 1000);
	assert_true(rejected > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_good_image),
		cmocka_unit_test(test_open_at_an_odd_address),
		cmocka_unit_test(test_program_headers_anywhere),
		cmocka_unit_test(test_no_load_segments),
		cmocka_unit_test(test_too_short),
		cmocka_unit_test(test_bad_identification),
		cmocka_unit_test(test_wrong_type),
		cmocka_unit_test(test_wrong_machine),
		cmocka_unit_test(test_wrong_version),
		cmocka_unit_test(test_wrong_header_size),
		cmocka_unit_test(test_wrong_program_header_size),
		cmocka_unit_test(test_no_program_headers),
		cmocka_unit_test(test_program_headers_past_the_end),
		cmocka_unit_test(test_file_size_above_memory_size),
		cmocka_unit_test(test_segment_wrapping_the_address_space),
		cmocka_unit_test(test_offset_and_vaddr_incongruent),
		cmocka_unit_test(test_segment_bytes_past_the_end),
		cmocka_unit_test(test_page_bytes_must_be_a_power_of_two),
		cmocka_unit_test(test_non_load_headers_are_not_checked),
		cmocka_unit_test(test_failed_open_leaves_the_image_alone),
		cmocka_unit_test(test_every_truncation_is_rejected),
		cmocka_unit_test(test_random_corruption_stays_in_bounds),
	};
	return cmocka_run_group_tests_name("elf", tests, NULL, NULL);
}
