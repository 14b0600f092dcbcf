/* SPDX-License-Identifier: MIT */
/*
 * The channel large-buffer invocations' decode (core/channel_lend.h,
 * docs/abi.md "Channels: large buffers"). Called by invoke.c under the
 * kernel lock with the invoked cap's slot, whose type invoke.c checked.
 */
#ifndef KERNEL_LEND_CHANNEL_H
#define KERNEL_LEND_CHANNEL_H

#include <stdint.h>

#include "cte.h"
#include "tcb.h"

/* SERVICE_CONFIGURE_LEND on the service in `service`. */
enum error klend_configure(struct cte *service, uint64_t base, uint64_t slot);
/* CHANNEL_LEND by `caller` of its [base, base + bytes); *server_va out. */
enum error klend_channel(struct tcb *caller, struct cte *channel, uint64_t base, uint64_t bytes,
			 uint64_t *server_va);
/* SERVICE_LEND_RETURN of link `vector`; *bytes out. */
enum error klend_return(struct cte *service, uint64_t vector, uint64_t *bytes);

#endif
