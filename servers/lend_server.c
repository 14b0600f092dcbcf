/* SPDX-License-Identifier: MIT */
/* The lending server's address space and threads (lend_server.h). */
#include "lend_server.h"

#include <string.h>

#include "process.h"

extern const uint32_t lend_server_code[], lend_server_code_end[];

enum error lend_server_space(lend_make_fn make, lend_map_fn map, cptr_t *vspace)
{
	*vspace = make(OBJ_PAGE_TABLE, 0);
	enum error err = kestrel_asid_pool_assign(PROC_CAP_ASID_POOL, *vspace);
	cptr_t code = make(OBJ_FRAME_4K, 0);
	uint32_t *text = err == ERR_OK ? map(code) : NULL;
	if (err != ERR_OK || text == NULL)
		return err != ERR_OK ? err : ERR_NOT_ENOUGH_MEMORY;
	memcpy(text, lend_server_code,
	       (size_t)((const char *)lend_server_code_end - (const char *)lend_server_code));
	__asm__ volatile("fence.i" ::: "memory");
	err = kestrel_page_unmap(code);
	/* Code: a level-1 and a level-0 table; the 4 KiB window: its own two;
	 * the 2 MiB window: one level-1 table, left empty. */
	const uint64_t tables[] = { LEND_CODE_VA, LEND_CODE_VA, LEND_WINDOW_4K, LEND_WINDOW_4K,
				    LEND_WINDOW_2M };
	for (unsigned i = 0; err == ERR_OK && i < sizeof(tables) / sizeof(tables[0]); i++)
		err = kestrel_page_table_map(make(OBJ_PAGE_TABLE, 0), *vspace, tables[i], 0);
	if (err == ERR_OK)
		err = kestrel_page_map(code, *vspace, LEND_CODE_VA, ABI_RIGHT_READ, 0);
	return err;
}

enum error lend_server_start(lend_make_fn make, cptr_t vspace, cptr_t ep, cptr_t reply, cptr_t hold,
			     uint64_t window, unsigned priority, unsigned hart, cptr_t fault_ep,
			     cptr_t *tcb)
{
	*tcb = make(OBJ_TCB, 0);
	if (*tcb == 0)
		return ERR_NOT_ENOUGH_MEMORY;
	uint64_t regs[ABI_REG_COUNT] = { 0 };
	regs[ABI_REG_PC] = LEND_CODE_VA;
	regs[ABI_REG_S0 + 0] = ep;
	regs[ABI_REG_S0 + 1] = reply;
	regs[ABI_REG_S0 + 2] = window;
	regs[ABI_REG_S0 + 3] = LEND_WINDOW_BYTES;
	regs[ABI_REG_S0 + 4] = hold;
	enum error err = kestrel_tcb_configure(*tcb, fault_ep, PROC_CAP_CNODE, 0, vspace, 0, 0, 0);
	if (err == ERR_OK)
		err = kestrel_tcb_set_priority(*tcb, PROC_CAP_TCB, priority);
	if (err == ERR_OK)
		err = kestrel_tcb_set_affinity(*tcb, hart);
	if (err == ERR_OK)
		err = kestrel_tcb_write_registers(*tcb, true, ABI_REG_COUNT, regs);
	return err;
}
