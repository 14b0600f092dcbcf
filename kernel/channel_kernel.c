/* SPDX-License-Identifier: MIT */
/* The channel invocations' decode (see channel_kernel.h). */
#include "channel_kernel.h"

#include "abi.h"
#include "channel_obj.h"
#include "syscall.h"

static struct uintr_service *service_of(const struct cte *slot)
{
	return cap_type(slot->cap) == CAP_SERVICE ? (struct uintr_service *)cap_ptr(slot->cap)
						  : NULL;
}

static struct channel *channel_of(const struct cte *slot)
{
	return (struct channel *)cap_ptr(slot->cap);
}

/* Untrusted: base, slot. */
enum error kchannel_configure(struct cte *service, uint64_t base, uint64_t slot)
{
	return channel_configure(service_of(service), base, slot);
}

/* Untrusted: release. */
enum error kchannel_masks(struct cte *service, uint64_t release, uint64_t out[2])
{
	return channel_service_masks(service_of(service), release, &out[0], &out[1]);
}

/* Untrusted: every word; the cap in `service` (any type). */
enum error kchannel_register(struct tcb *caller, struct cte *channel, struct cte *service,
			     const uint64_t words[5], uint64_t out[2])
{
	struct uintr_service *s = service_of(service);
	if (s == NULL)
		return ERR_INVALID_CAPABILITY;
	uint64_t count = words[4];
	if (count == 0 || count > CHANNEL_MAX_PAGES)
		return ERR_RANGE;
	struct cte *frames[CHANNEL_MAX_PAGES];
	for (uint64_t k = 0; k < count; k++) {
		frames[k] = syscall_lookup(caller, words[3] + k);
		if (frames[k] == NULL || cap_is_null(frames[k]->cap))
			return ERR_FAILED_LOOKUP;
	}
	struct channel_register_args args = {
		.client = caller,
		.index = words[0],
		.vector = words[1],
		.vaddr = words[2],
		.pages = count,
		.frames = frames,
	};
	unsigned sv, cv;
	enum error err = channel_register(channel_of(channel), s, &args, &sv, &cv);
	if (err == ERR_OK) {
		out[0] = sv;
		out[1] = cv;
	}
	return err;
}

enum error kchannel_unregister(struct cte *channel)
{
	return channel_unregister(channel_of(channel));
}

void kchannel_status(struct cte *channel, uint64_t out[4])
{
	const struct channel *c = channel_of(channel);
	out[0] = c->state;
	out[1] = c->state == CHANNEL_FREE ? 0 : c->server_vector;
	out[2] = c->state == CHANNEL_FREE ? 0 : c->client_vector;
	out[3] = c->state == CHANNEL_DEAD ? c->why : 0;
}
