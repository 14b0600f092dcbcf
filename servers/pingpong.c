/* SPDX-License-Identifier: MIT */
/*
 * The demo's IPC between two programs in different address spaces: calls
 * the echo server (started by the root task beside it, sharing
 * PROC_CAP_SERVICE) a few times and checks each answer.
 */
#include <stdio.h>

#include "kestrel.h"
#include "process.h"

int main(void)
{
	for (uint64_t i = 1; i <= 3; i++) {
		struct kmsg m = { .info = kestrel_info(1, 1, 0), .mr = { i * 10 } };
		enum error err = kestrel_call(PROC_CAP_SERVICE, &m);
		printf("pingpong: sent %lu to echo in another address space, got %lu back (%s)\n",
		       (unsigned long)(i * 10), (unsigned long)m.mr[0], error_name(err));
		if (err != ERR_OK || m.mr[0] != i * 10 + 1)
			return 1;
	}
	return 0;
}
