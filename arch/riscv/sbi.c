/* SPDX-License-Identifier: MIT */
/* SBI calls by extension and function id (SBI specification v1.0). */
#include "sbi.h"

void sbi_console_putchar(char c)
{
	sbi_ecall((uint8_t)c, 0, 0, 0, 0, 0, 0, SBI_EXT_LEGACY_PUTCHAR);
}

long sbi_probe_extension(uint64_t eid)
{
	struct sbiret ret = sbi_ecall(eid, 0, 0, 0, 0, 0, 3, SBI_EXT_BASE);
	return ret.error == SBI_SUCCESS ? ret.value : 0;
}

struct sbiret sbi_hart_start(uint64_t hart_id, uint64_t start, uint64_t opaque)
{
	return sbi_ecall(hart_id, start, opaque, 0, 0, 0, 0, SBI_EXT_HSM);
}

struct sbiret sbi_system_reset(uint32_t type, uint32_t reason)
{
	return sbi_ecall(type, reason, 0, 0, 0, 0, 0, SBI_EXT_SRST);
}

struct sbiret sbi_send_ipi(uint64_t hart_mask, uint64_t hart_mask_base)
{
	return sbi_ecall(hart_mask, hart_mask_base, 0, 0, 0, 0, 0, SBI_EXT_IPI);
}

struct sbiret sbi_set_timer(uint64_t stime_value)
{
	return sbi_ecall(stime_value, 0, 0, 0, 0, 0, 0, SBI_EXT_TIME);
}

struct sbiret sbi_remote_sfence_vma_asid(uint64_t hart_mask, uint64_t hart_mask_base,
					 uint64_t start, uint64_t size, uint64_t asid)
{
	return sbi_ecall(hart_mask, hart_mask_base, start, size, asid, 0, 2, SBI_EXT_RFENCE);
}
