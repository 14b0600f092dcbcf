/* SPDX-License-Identifier: MIT */
/*
 * Calls into the SBI firmware (OpenSBI 1.1 under QEMU 7.2: SBI spec 1.0, no
 * DBCN debug console, so the console is the legacy putchar; see
 * docs/boot.md and ../shared/PLATFORM.md).
 */
#ifndef ARCH_RISCV_SBI_H
#define ARCH_RISCV_SBI_H

#include <stdint.h>

struct sbiret {
	long error; /* SBI_SUCCESS or a negative SBI error */
	long value;
};

#define SBI_SUCCESS 0

#define SBI_EXT_LEGACY_PUTCHAR 0x01
#define SBI_EXT_BASE 0x10
#define SBI_EXT_HSM 0x48534d
#define SBI_EXT_SRST 0x53525354
#define SBI_EXT_IPI 0x735049
#define SBI_EXT_TIME 0x54494d45
#define SBI_EXT_RFENCE 0x52464e43

/* The raw call: a0..a5 arguments, fid in a6, eid in a7 (sbi_ecall.S). */
struct sbiret sbi_ecall(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
			uint64_t a5, uint64_t fid, uint64_t eid);

void sbi_console_putchar(char c);
/* Nonzero when the firmware implements extension `eid`. */
long sbi_probe_extension(uint64_t eid);
/* Start hart `hart_id` in S-mode at physical `start` with a1 = opaque. */
struct sbiret sbi_hart_start(uint64_t hart_id, uint64_t start, uint64_t opaque);
/* IPI: a supervisor software interrupt to the harts whose ids are
 * hart_mask_base + i for each bit i of hart_mask. */
struct sbiret sbi_send_ipi(uint64_t hart_mask, uint64_t hart_mask_base);
/* TIME: the timer interrupt of the calling hart at absolute time
 * stime_value (ticks of the time CSR); also clears a pending one. */
struct sbiret sbi_set_timer(uint64_t stime_value);
/* RFENCE: sfence.vma of [start, start + size) in `asid` on the harts of the
 * mask (as for sbi_send_ipi); size UINT64_MAX (or start 0, size 0) means
 * the whole address space. OpenSBI returns once every target has fenced. */
struct sbiret sbi_remote_sfence_vma_asid(uint64_t hart_mask, uint64_t hart_mask_base,
					 uint64_t start, uint64_t size, uint64_t asid);
/* SRST: reset type 0 = shutdown; reason 0 = none, 1 = system failure. */
struct sbiret sbi_system_reset(uint32_t type, uint32_t reason);

#endif
