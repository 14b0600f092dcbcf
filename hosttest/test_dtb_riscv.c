/* SPDX-License-Identifier: MIT */
/*
 * Tests of core/dtb_riscv.c, in one CMocka group:
 *
 *  - libfdt equivalence on every blob named on the command line (the QEMU
 *    virt dumps, the AIA one included, and hosttest/dts/riscv.dts): every
 *    phandle resolves to the node libfdt finds, and every interrupt of
 *    every node ("interrupts" through its interrupt parent, or
 *    "interrupts-extended") equals an answer computed independently with
 *    libfdt's primitives;
 *  - the facts the kernel relies on in QEMU's virt trees: each hart has
 *    Sstc, the PLIC's contexts alternate M (11) and S (9) external
 *    interrupts of each hart's local controller, the UART is source 10;
 *  - riscv.dts: ISA strings and lists, and every malformed wiring (dangling
 *    and looping parents, missing or oversized #interrupt-cells, short
 *    entries), each with the error the header promises;
 *  - every truncation of riscv.dts's blob: whatever dtb_open accepts, the
 *    queries stay in bounds (exact-size buffers under AddressSanitizer).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libfdt.h>

#include "dtb.h"
#include "dtb_riscv.h"

#include "blob_files.h"

#define MAX_BLOBS 32

static struct blob blobs[MAX_BLOBS];
static size_t blob_count;

static const struct blob *find_blob(const char *name)
{
	for (size_t i = 0; i < blob_count; i++)
		if (strcmp(blobs[i].name, name) == 0)
			return &blobs[i];
	fail_msg("blob %s not given on the command line", name);
	return NULL;
}

static struct dtb open_blob(const struct blob *b)
{
	struct dtb dtb;

	assert_int_equal(dtb_open(&dtb, b->data, b->size), ERR_OK);
	return dtb;
}

static struct dtb_node node_at(const struct blob *b, const char *path)
{
	int offset = fdt_path_offset(b->data, path);

	assert_true(offset >= 0);
	return (struct dtb_node){ (uint32_t)offset };
}

/* --- The libfdt reference ---------------------------------------------- */

static int ref_cells(const void *fdt, int controller)
{
	int len;
	const fdt32_t *p = fdt_getprop(fdt, controller, "#interrupt-cells", &len);

	if (p == NULL || len != 4 || fdt32_to_cpu(*p) > DTB_IRQ_MAX_CELLS)
		return -1;
	return (int)fdt32_to_cpu(*p);
}

static int ref_parent(const void *fdt, int node)
{
	for (int hop = 0; hop < 64; hop++) {
		int len;
		const fdt32_t *p = fdt_getprop(fdt, node, "interrupt-parent", &len);

		if (p != NULL) {
			if (len != 4)
				return -1;
			node = fdt_node_offset_by_phandle(fdt, fdt32_to_cpu(*p));
		} else {
			node = fdt_parent_offset(fdt, node);
		}
		if (node < 0)
			return -1;
		if (fdt_getprop(fdt, node, "#interrupt-cells", NULL) != NULL)
			return node;
	}
	return -1;
}

/* Entry `index`: 1 found (filled), 0 past the last, -1 malformed or none. */
static int ref_interrupt(const void *fdt, int node, uint32_t index, int *controller,
			 uint32_t *cells, uint32_t spec[DTB_IRQ_MAX_CELLS])
{
	int len;
	const fdt32_t *p = fdt_getprop(fdt, node, "interrupts-extended", &len);

	if (p != NULL) {
		if (len % 4)
			return -1;
		for (int at = 0, entry = 0; at < len / 4; entry++) {
			*controller = fdt_node_offset_by_phandle(fdt, fdt32_to_cpu(p[at]));
			int c = *controller < 0 ? -1 : ref_cells(fdt, *controller);
			if (c < 0 || c > len / 4 - at - 1)
				return -1;
			if ((uint32_t)entry == index) {
				*cells = (uint32_t)c;
				for (int i = 0; i < c; i++)
					spec[i] = fdt32_to_cpu(p[at + 1 + i]);
				return 1;
			}
			at += 1 + c;
		}
		return 0;
	}
	p = fdt_getprop(fdt, node, "interrupts", &len);
	if (p == NULL)
		return -1;
	*controller = ref_parent(fdt, node);
	int c = *controller < 0 ? -1 : ref_cells(fdt, *controller);
	if (c <= 0 || len % (4 * c))
		return -1;
	if (index >= (uint32_t)(len / (4 * c)))
		return 0;
	*cells = (uint32_t)c;
	for (int i = 0; i < c; i++)
		spec[i] = fdt32_to_cpu(p[index * (uint32_t)c + (uint32_t)i]);
	return 1;
}

/* --- libfdt equivalence ------------------------------------------------- */

static void test_phandles_match_libfdt(void **state)
{
	unsigned seen = 0;

	(void)state;
	for (size_t b = 0; b < blob_count; b++) {
		struct dtb dtb = open_blob(&blobs[b]);

		for (int node = 0; node >= 0; node = fdt_next_node(blobs[b].data, node, NULL)) {
			uint32_t phandle = fdt_get_phandle(blobs[b].data, node);
			struct dtb_node found;

			if (phandle == 0)
				continue;
			seen++;
			assert_int_equal(dtb_node_by_phandle(&dtb, phandle, &found), ERR_OK);
			assert_int_equal(found.offset,
					 fdt_node_offset_by_phandle(blobs[b].data, phandle));
		}
		struct dtb_node none;
		assert_int_equal(dtb_node_by_phandle(&dtb, 0x7fff0000, &none), ERR_FAILED_LOOKUP);
		assert_int_equal(dtb_node_by_phandle(&dtb, 0, &none), ERR_INVALID_ARGUMENT);
		assert_int_equal(dtb_node_by_phandle(&dtb, UINT32_MAX, &none),
				 ERR_INVALID_ARGUMENT);
	}
	assert_true(seen > 0);
}

static void test_interrupts_match_libfdt(void **state)
{
	unsigned found_any = 0;

	(void)state;
	for (size_t b = 0; b < blob_count; b++) {
		const void *fdt = blobs[b].data;
		struct dtb dtb = open_blob(&blobs[b]);

		for (int node = 0; node >= 0; node = fdt_next_node(fdt, node, NULL)) {
			for (uint32_t index = 0;; index++) {
				int controller = -1;
				uint32_t cells = 0, spec[DTB_IRQ_MAX_CELLS] = { 0 };
				int want =
				    ref_interrupt(fdt, node, index, &controller, &cells, spec);
				struct dtb_irq irq;
				enum error got = dtb_interrupt(
				    &dtb, (struct dtb_node){ (uint32_t)node }, index, &irq);

				if (want == 1) {
					assert_int_equal(got, ERR_OK);
					assert_int_equal(irq.controller.offset, controller);
					assert_int_equal(irq.cells, cells);
					assert_memory_equal(irq.spec, spec, cells * 4);
					found_any++;
					continue;
				}
				if (want == 0)
					assert_int_equal(got, ERR_RANGE);
				else
					assert_true(got == ERR_FAILED_LOOKUP ||
						    got == ERR_INVALID_ARGUMENT);
				break;
			}
		}
	}
	assert_true(found_any > 0);
}

/* --- QEMU virt as the kernel meets it ------------------------------------ */

static void test_virt_harts_have_sstc(void **state)
{
	(void)state;
	const struct blob *b = find_blob("virt-smp4-512M.dtb");
	struct dtb dtb = open_blob(b);
	struct dtb_cpu cpus[8];
	size_t count;

	assert_int_equal(dtb_cpus(&dtb, cpus, 8, &count), ERR_OK);
	assert_int_equal(count, 4);
	for (size_t i = 0; i < count; i++) {
		assert_true(dtb_cpu_has_extension(&dtb, cpus[i].node, "sstc"));
		assert_true(dtb_cpu_has_extension(&dtb, cpus[i].node, "f"));
		assert_true(dtb_cpu_has_extension(&dtb, cpus[i].node, "d"));
		assert_true(dtb_cpu_has_extension(&dtb, cpus[i].node, "zicsr"));
		assert_false(dtb_cpu_has_extension(&dtb, cpus[i].node, "q"));
		assert_false(dtb_cpu_has_extension(&dtb, cpus[i].node, "svpbmt"));
	}
}

static void test_virt_plic_contexts(void **state)
{
	(void)state;
	const struct blob *b = find_blob("virt-smp4-512M.dtb");
	struct dtb dtb = open_blob(b);
	struct dtb_node plic, serial;
	struct dtb_irq irq;

	assert_int_equal(dtb_find_compatible(&dtb, NULL, "riscv,plic0", &plic), ERR_OK);
	for (uint32_t context = 0; context < 8; context++) {
		struct dtb_node cpu;
		struct dtb_range reg;
		struct dtb_prop compatible;

		assert_int_equal(dtb_interrupt(&dtb, plic, context, &irq), ERR_OK);
		assert_int_equal(irq.cells, 1);
		assert_int_equal(irq.spec[0], context % 2 ? 9 : 11);
		assert_int_equal(dtb_get_prop(&dtb, irq.controller, "compatible", &compatible),
				 ERR_OK);
		assert_true(dtb_prop_has_string(&compatible, "riscv,cpu-intc"));
		assert_int_equal(dtb_parent(&dtb, irq.controller, &cpu), ERR_OK);
		assert_int_equal(dtb_reg(&dtb, cpu, 0, &reg), ERR_OK);
		assert_int_equal(reg.base, context / 2);
	}
	assert_int_equal(dtb_interrupt(&dtb, plic, 8, &irq), ERR_RANGE);
	assert_int_equal(dtb_find_compatible(&dtb, NULL, "ns16550a", &serial), ERR_OK);
	assert_int_equal(dtb_interrupt(&dtb, serial, 0, &irq), ERR_OK);
	assert_int_equal(irq.controller.offset, plic.offset);
	assert_int_equal(irq.spec[0], 10);
	/* No interrupt-parent up to the root: no controller. */
	struct dtb_node memory, controller;
	assert_int_equal(dtb_find_path(&dtb, "/memory", &memory), ERR_OK);
	assert_int_equal(dtb_interrupt_parent(&dtb, memory, &controller), ERR_FAILED_LOOKUP);
}

static void test_virt_aia_has_no_plic(void **state)
{
	(void)state;
	const struct blob *b = find_blob("virt-aia.dtb");
	struct dtb dtb = open_blob(b);
	struct dtb_node node, serial;
	struct dtb_irq irq;

	assert_int_equal(dtb_find_compatible(&dtb, NULL, "riscv,plic0", &node), ERR_FAILED_LOOKUP);
	assert_int_equal(dtb_find_compatible(&dtb, NULL, "sifive,plic-1.0.0", &node),
			 ERR_FAILED_LOOKUP);
	assert_int_equal(dtb_find_compatible(&dtb, NULL, "riscv,aplic", &node), ERR_OK);
	/* The UART's line goes to an APLIC with two cells (source, sense). */
	assert_int_equal(dtb_find_compatible(&dtb, NULL, "ns16550a", &serial), ERR_OK);
	assert_int_equal(dtb_interrupt(&dtb, serial, 0, &irq), ERR_OK);
	assert_int_equal(irq.cells, 2);
	assert_int_equal(irq.spec[0], 10);
}

/* --- riscv.dts ------------------------------------------------------------ */

static void test_isa_strings(void **state)
{
	(void)state;
	const struct blob *b = find_blob("riscv.dtb");
	struct dtb dtb = open_blob(b);
	static const struct {
		const char *cpu, *ext;
		bool has;
	} cases[] = {
		{ "/cpus/cpu@0", "sstc", true },   { "/cpus/cpu@0", "zicsr", true },
		{ "/cpus/cpu@0", "c", true },      { "/cpus/cpu@0", "h", false },
		{ "/cpus/cpu@0", "sst", false },   { "/cpus/cpu@0", "zics", false },
		{ "/cpus/cpu@1", "d", true },      { "/cpus/cpu@1", "zifencei", true },
		{ "/cpus/cpu@1", "zba", true },    { "/cpus/cpu@1", "svpbmt", true },
		{ "/cpus/cpu@1", "sstc", false },  { "/cpus/cpu@1", "g", true },
		{ "/cpus/cpu@2", "sstc", true },   { "/cpus/cpu@2", "a", false },
		{ "/cpus/cpu@2", "zicsr", false }, { "/cpus/cpu@3", "sstc", true },
		{ "/cpus/cpu@3", "c", true },      { "/cpus/cpu@3", "s", false },
		{ "/cpus/cpu@4", "sstc", false },  { "/cpus/cpu@4", "i", false },
		{ "/cpus/cpu@5", "i", false },     { "/cpus/cpu@6", "sstc", false },
		{ "/cpus/cpu@6", "zsstc", true },  { "/cpus/cpu@7", "i", false },
		{ "/cpus/cpu@0", "", false },      { "/cpus/cpu@8", "a", true },
		{ "/cpus/cpu@8", "c", true },      { "/cpus/cpu@8", "p", true },
		{ "/cpus/cpu@8", "zicsr", true },  { "/cpus/cpu@8", "f", false },
		{ "/cpus/cpu@9", "m", true },      { "/cpus/cpu@a", "m", false },
		{ "/cpus/cpu@b", "i", false },     { "/cpus/cpu@c", "i", false },
		{ "/cpus/cpu@d", "i", true },      { "/cpus/cpu@d", "zba", true },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool got = dtb_cpu_has_extension(&dtb, node_at(b, cases[i].cpu), cases[i].ext);

		if (got != cases[i].has)
			fail_msg("%s \"%s\": got %d", cases[i].cpu, cases[i].ext, got);
	}
}

static void test_interrupt_shapes(void **state)
{
	(void)state;
	const struct blob *b = find_blob("riscv.dtb");
	struct dtb dtb = open_blob(b);
	struct dtb_node intc1 = node_at(b, "/controller@1000");
	struct dtb_node intc2 = node_at(b, "/controller@2000");
	struct dtb_node cpu0_intc = node_at(b, "/cpus/cpu@0/interrupt-controller");
	struct dtb_node controller;
	struct dtb_irq irq;

	/* Inherited from the bus; one cell each. */
	struct dtb_node inherits = node_at(b, "/bus@3000/inherits@3100");
	assert_int_equal(dtb_interrupt_parent(&dtb, inherits, &controller), ERR_OK);
	assert_int_equal(controller.offset, intc1.offset);
	assert_int_equal(dtb_interrupt(&dtb, inherits, 2, &irq), ERR_OK);
	assert_int_equal(irq.cells, 1);
	assert_int_equal(irq.spec[0], 7);
	assert_int_equal(irq.spec[1], 0);
	assert_int_equal(dtb_interrupt(&dtb, inherits, 3, &irq), ERR_RANGE);

	/* Own parent with two cells; an odd count of cells is malformed. */
	struct dtb_node own = node_at(b, "/bus@3000/own@3200");
	assert_int_equal(dtb_interrupt(&dtb, own, 1, &irq), ERR_OK);
	assert_int_equal(irq.controller.offset, intc2.offset);
	assert_int_equal(irq.spec[0], 3);
	assert_int_equal(irq.spec[1], 4);
	assert_int_equal(dtb_interrupt(&dtb, node_at(b, "/bus@3000/odd@3300"), 0, &irq),
			 ERR_INVALID_ARGUMENT);

	/* From the root's interrupt-parent. */
	assert_int_equal(dtb_interrupt(&dtb, node_at(b, "/rooted@4000"), 0, &irq), ERR_OK);
	assert_int_equal(irq.controller.offset, intc2.offset);
	assert_int_equal(irq.spec[1], 9);

	/* interrupts-extended: mixed controllers and cell counts; wins over
	 * "interrupts"; linux,phandle resolves. */
	struct dtb_node extended = node_at(b, "/extended@5000");
	assert_int_equal(dtb_interrupt(&dtb, extended, 0, &irq), ERR_OK);
	assert_int_equal(irq.controller.offset, cpu0_intc.offset);
	assert_int_equal(irq.spec[0], 11);
	assert_int_equal(dtb_interrupt(&dtb, extended, 1, &irq), ERR_OK);
	assert_int_equal(irq.controller.offset, intc2.offset);
	assert_int_equal(irq.cells, 2);
	assert_int_equal(irq.spec[0], 3);
	assert_int_equal(irq.spec[1], 4);
	assert_int_equal(dtb_interrupt(&dtb, extended, 2, &irq), ERR_OK);
	assert_int_equal(irq.controller.offset, intc1.offset);
	assert_int_equal(irq.spec[0], 9);
	assert_int_equal(dtb_interrupt(&dtb, extended, 3, &irq), ERR_RANGE);
	assert_int_equal(dtb_node_by_phandle(&dtb, 0x77, &controller), ERR_OK);
	assert_int_equal(controller.offset, intc1.offset);

	/* Broken wiring. */
	static const char *const malformed[] = {
		"/dangling@6000",     "/loop@7000",         "/to_nocells@8100",
		"/short@8200",        "/bad_parent@8300",   "/to_toomany@8500",
		"/zero_phandle@8600", "/to_zerocells@9200", "/to_shortcells@9400",
		"/odd_extended@9500",
	};
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		enum error err = dtb_interrupt(&dtb, node_at(b, malformed[i]), 0, &irq);

		if (err != ERR_INVALID_ARGUMENT)
			fail_msg("%s: got %s", malformed[i], error_name(err));
	}
	assert_int_equal(dtb_interrupt_parent(&dtb, node_at(b, "/loop@7000"), &controller),
			 ERR_INVALID_ARGUMENT);
	assert_int_equal(dtb_interrupt(&dtb, node_at(b, "/quiet@9000"), 0, &irq),
			 ERR_FAILED_LOOKUP);
	/* The root has no parent and no interrupt-parent chain above it. */
	struct dtb_node cpus = node_at(b, "/cpus");
	assert_int_equal(dtb_interrupt_parent(&dtb, cpus, &controller), ERR_OK);
	assert_int_equal(controller.offset, intc2.offset);
}

/* Every prefix the reader accepts is queried in a buffer of exactly that
 * size: AddressSanitizer reports any read past it. */
static void test_truncations_stay_in_bounds(void **state)
{
	(void)state;
	const struct blob *b = find_blob("riscv.dtb");
	size_t size = fdt_totalsize(b->data);

	for (size_t cut = 0; cut <= size; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);
		struct dtb dtb;

		assert_non_null(copy);
		memcpy(copy, b->data, cut);
		if (dtb_open(&dtb, copy, cut) == ERR_OK) {
			struct dtb_node node = dtb_root(&dtb);
			enum error err = ERR_OK;

			for (; err == ERR_OK; err = dtb_next_node(&dtb, node, &node)) {
				struct dtb_irq irq;
				struct dtb_node controller;

				(void)dtb_cpu_has_extension(&dtb, node, "sstc");
				(void)dtb_cpu_has_extension(&dtb, node, "f");
				if (dtb_interrupt_parent(&dtb, node, &controller) == ERR_OK)
					assert_true(controller.offset < cut);
				for (uint32_t i = 0; dtb_interrupt(&dtb, node, i, &irq) == ERR_OK;
				     i++)
					;
			}
		}
		free(copy);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phandles_match_libfdt),
		cmocka_unit_test(test_interrupts_match_libfdt),
		cmocka_unit_test(test_virt_harts_have_sstc),
		cmocka_unit_test(test_virt_plic_contexts),
		cmocka_unit_test(test_virt_aia_has_no_plic),
		cmocka_unit_test(test_isa_strings),
		cmocka_unit_test(test_interrupt_shapes),
		cmocka_unit_test(test_truncations_stay_in_bounds),
	};
	blob_count = blob_files_load(blobs, MAX_BLOBS, argc, argv);
	return cmocka_run_group_tests_name("dtb_riscv", tests, NULL, NULL);
}
