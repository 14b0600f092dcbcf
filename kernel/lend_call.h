/* SPDX-License-Identifier: MIT */
/*
 * The CallLend system call (core/abi.h, docs/ipc.md "Lending pages with a
 * Call"): the glue between the endpoint a client calls and core/lend.c's
 * page-table move. Called by syscall.c's dispatch under the kernel lock.
 */
#ifndef KERNEL_LEND_CALL_H
#define KERNEL_LEND_CALL_H

#include "tcb.h"

/* t's CallLend: a0 endpoint, a2 info, MRs as Call, t0 base, t1 bytes. */
void lend_call(struct tcb *t);

#endif
