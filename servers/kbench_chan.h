/* SPDX-License-Identifier: MIT */
/* kbench's channel cases (servers/kbench_chan.c), run after its kernel
 * cases. */
#ifndef SERVERS_KBENCH_CHAN_H
#define SERVERS_KBENCH_CHAN_H

void kbench_chan(void);

#endif
