/* SPDX-License-Identifier: MIT */
/*
 * The boot image: a newc cpio archive of user programs that Meson builds and
 * kernel/meson.build links into the kernel (bootimage.S, generated). For now
 * the kernel runs the programs itself; the root task takes this over.
 */
#ifndef KERNEL_BOOT_IMAGE_H
#define KERNEL_BOOT_IMAGE_H

#include "compiler.h"
#include "elf.h"

/* Find program `name` and validate it as a RISC-V executable. */
MUST_CHECK enum error boot_image_program(const char *name, struct elf_image *image);

#endif
