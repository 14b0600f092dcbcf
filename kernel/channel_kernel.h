/* SPDX-License-Identifier: MIT */
/*
 * The channel invocations' decode (docs/abi.md "Channels"): the caps the
 * caller named are looked up here, every argument is checked by
 * core/channel_obj.c before anything changes. Under the kernel lock.
 */
#ifndef KERNEL_CHANNEL_KERNEL_H
#define KERNEL_CHANNEL_KERNEL_H

#include <stdint.h>

#include "cte.h"
#include "tcb.h"

/* SERVICE_CONFIGURE_CHANNELS on the service in `service`. */
enum error kchannel_configure(struct cte *service, uint64_t base, uint64_t slot);
/* SERVICE_CHANNELS: out[0] live mask, out[1] dead mask. */
enum error kchannel_masks(struct cte *service, uint64_t release, uint64_t out[2]);
/* CHANNEL_REGISTER by `caller` (its CSpace holds the frames) of the channel
 * in `channel` with the cap in `service` (cap 0); words as the ABI's MR0..4.
 * out[0] server vector, out[1] client vector. */
enum error kchannel_register(struct tcb *caller, struct cte *channel, struct cte *service,
			     const uint64_t words[5], uint64_t out[2]);
enum error kchannel_unregister(struct cte *channel);
/* CHANNEL_STATUS: out[0..3] state, server vector, client vector, why. */
void kchannel_status(struct cte *channel, uint64_t out[4]);

#endif
