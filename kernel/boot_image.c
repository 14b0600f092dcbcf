/* SPDX-License-Identifier: MIT */
/* Looking programs up in the linked-in boot image (see boot_image.h). */
#include "boot_image.h"

#include "cpio.h"
#include "pagetable.h"

extern const char boot_image_start[];
extern const char boot_image_end[];

enum error boot_image_program(const char *name, struct elf_image *image)
{
	struct cpio_entry entry;
	enum error err =
	    cpio_find(boot_image_start, (size_t)(boot_image_end - boot_image_start), name, &entry);
	if (err != ERR_OK)
		return err;
	return elf_open(image, entry.data, entry.size, ELF_MACHINE_RISCV, PAGE_BYTES);
}
