/* SPDX-License-Identifier: MIT */
/* kbench's channel cases (servers/kbench_chan.c), run after its kernel
 * cases. */
#ifndef SERVERS_KBENCH_CHAN_H
#define SERVERS_KBENCH_CHAN_H

#include <stdint.h>

void kbench_chan(void);
/* chan_call_4k and chan_call_1m, lending from va (1 MiB of 4 KiB pages):
 * after kbench_chan. */
void kbench_chan_lend(uint64_t va);

#endif
