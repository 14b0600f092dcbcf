/* SPDX-License-Identifier: MIT */
/*
 * Joining a channel's two threads over user-mode interrupts with today's
 * primitives (channel_uintr.h): each side's thread a receiver with a sender
 * table, and one sender entry each way per channel. The kernel's Register
 * (a service cap and the buffer's frame in, a channel cap out) replaces
 * channel_uintr_connect; the buffer's mappings are made by whoever builds
 * the two address spaces until then.
 */
#include "channel_uintr.h"

#include "kestrel_uintr.h"

enum error channel_uintr_bind(cptr_t tcb, cptr_t service, cptr_t table, bool handler)
{
	uint64_t utvec = handler ? (uint64_t)(uintptr_t)channel_uintr_entry : 0;
	enum error err =
	    kestrel_tcb_uintr_bind_receiver(tcb, service, utvec, 0, handler ? ABI_UINTR_ENABLE : 0);
	if (err != ERR_OK)
		return err;
	err = kestrel_tcb_uintr_bind_sender_table(tcb, table);
	if (err != ERR_OK)
		(void)kestrel_tcb_uintr_unbind_receiver(tcb);
	return err;
}

enum error channel_uintr_connect(const struct channel_uintr_side *server, uint64_t server_index,
				 const struct channel_uintr_side *client, uint64_t client_index,
				 uint64_t client_vector, struct channel_uintr_link *out)
{
	uint64_t to_server, to_client;
	enum error err = kestrel_sender_table_register(client->table, client_index, server->service,
						       ABI_UINTR_ANY_VECTOR, &to_server);
	if (err != ERR_OK)
		return err;
	err = kestrel_sender_table_register(server->table, server_index, client->service,
					    client_vector, &to_client);
	if (err != ERR_OK) {
		(void)kestrel_sender_table_unregister(client->table, client_index);
		return err;
	}
	out->server_vector = to_server;
	out->client_vector = to_client;
	return ERR_OK;
}

enum error channel_uintr_disconnect(const struct channel_uintr_side *server, uint64_t server_index,
				    const struct channel_uintr_side *client, uint64_t client_index)
{
	enum error a = kestrel_sender_table_unregister(client->table, client_index);
	enum error b = kestrel_sender_table_unregister(server->table, server_index);
	return a != ERR_OK ? a : b;
}
