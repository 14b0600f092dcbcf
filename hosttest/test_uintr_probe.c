/* SPDX-License-Identifier: MIT */
/*
 * Tests of arch/riscv/uintr_probe.c (which backend a machine gets): stock
 * QEMU virt trees (emulated), the U-interrupt model's shape (hardware, and
 * the UINTC found), and trees that describe it only in part (emulated).
 * The blobs are given on the command line (hosttest/meson.build).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "uintr_backend.h"

#include "blob_files.h"

#define MAX_BLOBS 32

static struct blob blobs[MAX_BLOBS];
static size_t blob_count;

static enum uintr_backend_kind probe(const char *name, struct uintr_hw_info *hw)
{
	for (size_t i = 0; i < blob_count; i++) {
		if (strcmp(blobs[i].name, name) != 0)
			continue;
		struct dtb dtb;
		assert_int_equal(dtb_open(&dtb, blobs[i].data, blobs[i].size), ERR_OK);
		return uintr_probe(&dtb, hw);
	}
	fail_msg("blob %s not given on the command line", name);
	return UINTR_BACKEND_EMULATED; /* not reached: fail_msg ends the test */
}

static void test_stock_qemu_is_emulated(void **state)
{
	(void)state;
	static const char *const names[] = { "virt-smp1-128M.dtb", "virt-smp4-512M.dtb",
					     "virt-aia.dtb" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		struct uintr_hw_info hw = { 7, 7, 7 };
		assert_int_equal(probe(names[i], &hw), UINTR_BACKEND_EMULATED);
		assert_int_equal(hw.slots, 7); /* untouched */
	}
}

static void test_uintr_model_is_hardware(void **state)
{
	(void)state;
	struct uintr_hw_info hw = { 0, 0, 0 };
	assert_int_equal(probe("uintr-hw.dtb", &hw), UINTR_BACKEND_HARDWARE);
	assert_int_equal(hw.uintc_base, 0x2f10000);
	assert_int_equal(hw.uintc_size, 0x4000);
	assert_int_equal(hw.slots, 512);
}

static void test_partial_descriptions_are_emulated(void **state)
{
	(void)state;
	static const char *const names[] = { "uintr-one-hart-without-n.dtb", "uintr-bad-uintc.dtb",
					     "uintr-no-cpus.dtb" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		struct uintr_hw_info hw = { 7, 7, 7 };
		assert_int_equal(probe(names[i], &hw), UINTR_BACKEND_EMULATED);
	}
}

static void test_uist_word(void **state)
{
	(void)state;
	/* Valid | vector << 16 | slot << 48 (UINTR.md section 2). */
	assert_int_equal(uintr_uist_word(0, 0), 1);
	assert_int_equal(uintr_uist_word(511, 63), 0x01ff0000003f0001ull);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stock_qemu_is_emulated),
		cmocka_unit_test(test_uintr_model_is_hardware),
		cmocka_unit_test(test_partial_descriptions_are_emulated),
		cmocka_unit_test(test_uist_word),
	};
	blob_count = blob_files_load(blobs, MAX_BLOBS, argc, argv);
	return cmocka_run_group_tests_name("uintr_probe", tests, NULL, NULL);
}
