/* SPDX-License-Identifier: MIT */
/*
 * The host's doorbell: one futex word per doorbell (1 = rung, sticky until
 * the owner's next sleep consumes it) and counters the tests and the
 * benchmark read. Implements libos/channel_port.h with real threads.
 */
#ifndef HOSTTEST_CHANNEL_PORT_HOST_H
#define HOSTTEST_CHANNEL_PORT_HOST_H

#include <stdatomic.h>
#include <stdint.h>

#include "channel_port.h"

struct channel_doorbell {
	_Atomic uint32_t rung;
	_Atomic uint64_t rings;  /* channel_port_ring calls on this doorbell */
	_Atomic uint64_t sleeps; /* channel_port_sleep calls by its owner */
};

void channel_doorbell_init(struct channel_doorbell *doorbell);

#endif
