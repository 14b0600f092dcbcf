/* SPDX-License-Identifier: MIT */
/* What the fake machine of hosttest/fake_arch.c recorded. */
#ifndef HOSTTEST_FAKE_ARCH_H
#define HOSTTEST_FAKE_ARCH_H

struct fake_arch {
	unsigned assert_failures;
	unsigned phys_to_virt_calls;
	unsigned virt_to_phys_calls;
};

extern struct fake_arch fake_arch;

void fake_arch_reset(void);

#endif
