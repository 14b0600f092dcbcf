/* SPDX-License-Identifier: MIT */
/* The channel large-buffer invocations' decode (see lend_channel.h). */
#include "lend_channel.h"

#include "channel_lend.h"

static struct uintr_service *service_of(const struct cte *slot)
{
	return (struct uintr_service *)cap_ptr(slot->cap);
}

/* Untrusted: base, slot. */
enum error klend_configure(struct cte *service, uint64_t base, uint64_t slot)
{
	return channel_lend_configure(service_of(service), base, slot);
}

/* Untrusted: base, bytes; the caller's VSpace (checked against the
 * channel's client VSpace by channel_lend). */
enum error klend_channel(struct tcb *caller, struct cte *channel, uint64_t base, uint64_t bytes,
			 uint64_t *server_va)
{
	return channel_lend((struct channel *)cap_ptr(channel->cap), tcb_vspace_asid(caller), base,
			    bytes, server_va);
}

/* Untrusted: vector. */
enum error klend_return(struct cte *service, uint64_t vector, uint64_t *bytes)
{
	return channel_lend_return(service_of(service), vector, bytes);
}
