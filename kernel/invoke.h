/* SPDX-License-Identifier: MIT */
/*
 * Object invocations: a Call (or Send) on a cap that is not an endpoint,
 * notification or reply object. The message-info word's label names the
 * method (core/abi.h, enum invocation_label), its words and extra caps are
 * the arguments. Decode checks the label, the length, the extra caps and
 * every argument the core/ operation does not check itself (the ones where
 * core/ would assert), then the core/ operation runs; its error, or ERR_OK
 * and result words, go back to the caller (a0 = error, a2 = info).
 */
#ifndef KERNEL_INVOKE_H
#define KERNEL_INVOKE_H

#include "cte.h"
#include "tcb.h"

/* Invoke the cap in `slot` (looked up in t's CSpace) with t's message. */
void invoke_object(struct tcb *t, struct cte *slot);

#endif
