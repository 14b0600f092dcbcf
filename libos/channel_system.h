/* SPDX-License-Identifier: MIT */
/*
 * The kernel's channel invocations (docs/abi.md "Channels"): a server
 * configures its service's window, a client registers a channel object with
 * a service and its buffer frames, and either side learns when the other
 * went. Typed stubs over kestrel_invoke, in core/abi.h's argument order.
 */
#ifndef LIBOS_CHANNEL_SYSTEM_H
#define LIBOS_CHANNEL_SYSTEM_H

#include <stdint.h>

#include "kestrel.h"

/* SERVICE_CONFIGURE_CHANNELS: channel i at base + i * slot_pages * 4096 in
 * the VSpace of the service's receiver thread (page tables there already). */
enum error kestrel_service_configure_channels(cptr_t service, uint64_t base, uint64_t slot_pages);
/* SERVICE_CHANNELS: release the dead vectors in `release` (0: none), then
 * *live / *dead (either may be NULL) get the service's masks. */
enum error kestrel_service_channels(cptr_t service, uint64_t release, uint64_t *live,
				    uint64_t *dead);

struct kestrel_channel_register {
	uint64_t index;     /* the caller's sender-table entry (rings the server) */
	uint64_t vector;    /* the caller's vector for the server's ring, or ABI_UINTR_ANY_VECTOR */
	uint64_t vaddr;     /* buffer address in the caller's VSpace (page tables there) */
	cptr_t first_frame; /* frames at first_frame, first_frame + 1, ... */
	uint64_t pages;     /* 1..the service's slot pages */
};
/* CHANNEL_REGISTER of the free channel `channel` with `service`:
 * *server_vector (the server's name for this client) and *client_vector
 * (either may be NULL). */
enum error kestrel_channel_register(cptr_t channel, cptr_t service,
				    const struct kestrel_channel_register *args,
				    uint64_t *server_vector, uint64_t *client_vector);
enum error kestrel_channel_unregister(cptr_t channel);

struct kestrel_channel_status {
	uint64_t state; /* ABI_CHANNEL_FREE, _LIVE, _DEAD */
	uint64_t server_vector, client_vector;
	uint64_t why; /* ABI_CHANNEL_GONE_* while dead */
};
enum error kestrel_channel_status(cptr_t channel, struct kestrel_channel_status *status);

#endif
