/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the server's take-and-validate path of
 * libos/channel_server.c over arbitrary buffer contents. The input is laid
 * over a channel buffer in three ways: as the whole buffer (the header
 * too, so attach sees garbage), and over a freshly formatted buffer from
 * byte 64 on (the geometry is valid, the indices and entries are not);
 * then, between takes, later parts of the input rewrite the buffer again,
 * as a client that changes entries while the server reads them. Every
 * request taken must have a valid shape, every take's reply must succeed,
 * and the server's invariants must hold after every step; anything else
 * aborts. The channel port's three hooks are stubs here (one thread).
 * Built and run by ci/fuzz (with libos/channel*.c).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "channel_port.h"

struct channel_doorbell {
	unsigned rings;
};

void channel_port_ring(struct channel_doorbell *peer)
{
	peer->rings++;
}

bool channel_port_sleep(struct channel_doorbell *mine, uint64_t deadline_ns)
{
	(void)mine;
	(void)deadline_ns;
	return false;
}

uint64_t channel_port_now(void)
{
	return 0;
}

#define DEPTH 16
#define BYTES 12288

static _Alignas(4096) uint8_t buffer[BYTES];
static struct channel_server server;
static struct channel_client client;
static struct channel_doorbell bells[2];

static void harness_fail(const char *what)
{
	fprintf(stderr, "fuzz_channel: %s\n", what);
	abort();
}

static void check(void)
{
	if (channel_server_check_invariants(&server) != ERR_OK)
		harness_fail("server invariants broken");
}

/* Take and answer until nothing is takeable, rewriting the buffer with the
 * next chunk of input between takes. */
static void serve(const uint8_t **data, size_t *size)
{
	struct channel_message m;
	for (int step = 0; step < 4 * DEPTH; step++) {
		if (*size >= 9) {
			/* One rewrite: offset (2 bytes), length (1 byte), bytes. */
			size_t at = ((size_t)(*data)[0] | (size_t)(*data)[1] << 8) % BYTES;
			size_t length = (*data)[2] % 32;
			*data += 3;
			*size -= 3;
			if (length > *size)
				length = *size;
			if (length > BYTES - at)
				length = BYTES - at;
			memcpy(buffer + at, *data, length);
			*data += length;
			*size -= length;
		}
		enum error err = channel_server_take(&server, &m);
		check();
		if (err == ERR_FAILED_LOOKUP)
			continue;
		if (err != ERR_OK)
			harness_fail("take: unexpected error");
		if (channel_message_check(m.flags, m.length, m.large.address, m.large.length) !=
		    ERR_OK)
			harness_fail("take handed over a badly shaped request");
		m.opcode = ERR_OK;
		if (channel_server_reply(&server, &m) != ERR_OK)
			harness_fail("reply to a fresh handle failed");
		if (channel_server_reply(&server, &m) != ERR_INVALID_ARGUMENT)
			harness_fail("a handle was answered twice");
		check();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	uint32_t priority = data[0] % CHANNEL_PRIORITIES;
	bool raw_header = data[0] & 0x80;
	data++;
	size--;

	channel_server_init(&server, &bells[0]);
	memset(buffer, 0, sizeof(buffer));
	if (raw_header) {
		size_t first = size < BYTES ? size : BYTES;
		memcpy(buffer, data, first);
		data += first;
		size -= first;
	} else {
		if (channel_client_init(&client, buffer, BYTES, DEPTH, &bells[1], &bells[0]) !=
		    ERR_OK)
			harness_fail("client init");
	}
	if (channel_server_attach(&server, 5, buffer, BYTES, priority, &bells[1]) != ERR_OK) {
		if (!raw_header)
			harness_fail("attach refused a formatted buffer");
		check();
		return 0;
	}
	check();
	serve(&data, &size);
	if (channel_server_detach(&server, 5) != ERR_OK)
		harness_fail("detach");
	check();
	return 0;
}
