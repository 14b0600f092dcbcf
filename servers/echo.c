/* SPDX-License-Identifier: MIT */
/*
 * A server in its own address space: answers every call on its service
 * endpoint (PROC_CAP_SERVICE, from the root task) with MR0 + 1 and the
 * other words as they came. The partner of pingpong and kbench; the root
 * task ends it by revoking its memory.
 */
#include "kestrel.h"
#include "object.h"
#include "process.h"

#define REPLY_SLOT PROC_CAP_FIRST_FREE

int main(void)
{
	if (kestrel_untyped_retype(PROC_CAP_UNTYPED, OBJ_REPLY, 0, PROC_CAP_CNODE, 0, 0, REPLY_SLOT,
				   1) != ERR_OK)
		return 1;
	struct kmsg m = { 0 };
	enum error err = kestrel_recv(PROC_CAP_SERVICE, REPLY_SLOT, &m);
	while (err == ERR_OK) {
		m.mr[0]++;
		m.info = kestrel_info(0, msg_info_length((struct msg_info){ m.info }), 0);
		err = kestrel_reply_recv(PROC_CAP_SERVICE, REPLY_SLOT, &m);
	}
	return 2;
}
