/* SPDX-License-Identifier: MIT */
/* The kernel's channel invocations (channel_system.h). */
#include "channel_system.h"

enum error kestrel_service_configure_channels(cptr_t service, uint64_t base, uint64_t slot_pages)
{
	const uint64_t in[2] = { base, slot_pages };
	return kestrel_invoke(service, SERVICE_CONFIGURE_CHANNELS, 2, in, 0, NULL, NULL, 0);
}

enum error kestrel_service_channels(cptr_t service, uint64_t release, uint64_t *live,
				    uint64_t *dead)
{
	uint64_t out[2] = { 0, 0 };
	enum error err = kestrel_invoke(service, SERVICE_CHANNELS, 1, &release, 0, NULL, out, 2);
	if (live != NULL)
		*live = out[0];
	if (dead != NULL)
		*dead = out[1];
	return err;
}

enum error kestrel_channel_register(cptr_t channel, cptr_t service,
				    const struct kestrel_channel_register *args,
				    uint64_t *server_vector, uint64_t *client_vector)
{
	const uint64_t in[5] = { args->index, args->vector, args->vaddr, args->first_frame,
				 args->pages };
	const cptr_t caps[1] = { service };
	uint64_t out[2] = { 0, 0 };
	enum error err = kestrel_invoke(channel, CHANNEL_REGISTER, 5, in, 1, caps, out, 2);
	if (server_vector != NULL)
		*server_vector = out[0];
	if (client_vector != NULL)
		*client_vector = out[1];
	return err;
}

enum error kestrel_channel_unregister(cptr_t channel)
{
	return kestrel_invoke(channel, CHANNEL_UNREGISTER, 0, NULL, 0, NULL, NULL, 0);
}

enum error kestrel_channel_status(cptr_t channel, struct kestrel_channel_status *status)
{
	uint64_t out[4] = { 0, 0, 0, 0 };
	enum error err = kestrel_invoke(channel, CHANNEL_STATUS, 0, NULL, 0, NULL, out, 4);
	*status = (struct kestrel_channel_status){ out[0], out[1], out[2], out[3] };
	return err;
}
