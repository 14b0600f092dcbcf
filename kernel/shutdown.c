/* SPDX-License-Identifier: MIT */
/* System shutdown through the test finisher or SBI SRST (see shutdown.h). */
#include "shutdown.h"

#include "barrier.h"
#include "sbi.h"

#define FINISHER_PASS 0x5555u
#define FINISHER_FAIL 0x3333u
#define SRST_SHUTDOWN 0
#define SRST_REASON_NONE 0
#define SRST_REASON_FAILURE 1

static volatile uint32_t *test_finisher;

void shutdown_set_test_device(volatile uint32_t *finisher)
{
	test_finisher = finisher;
}

_Noreturn void system_shutdown(bool pass)
{
	if (test_finisher)
		mmio_write32(test_finisher, pass ? FINISHER_PASS : FINISHER_FAIL | 1u << 16);
	sbi_system_reset(SRST_SHUTDOWN, pass ? SRST_REASON_NONE : SRST_REASON_FAILURE);
	for (;;)
		cpu_wait_for_interrupt();
}
