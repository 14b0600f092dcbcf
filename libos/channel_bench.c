/* SPDX-License-Identifier: MIT */
/*
 * The channel benchmark's drivers (channel_bench.h). Built without
 * CHANNEL_ASSERT: the figures are those of the production path.
 */
#ifndef NDEBUG
#define NDEBUG
#endif
#include "channel_bench.h"

struct channel_client channel_bench_client;
struct channel_server channel_bench_server;

static _Alignas(CHANNEL_PAGE_SIZE) uint8_t buffer[24576];
_Static_assert(sizeof(buffer) >= 2 * CHANNEL_BENCH_DEPTH * CHANNEL_ENTRY_SIZE + CHANNEL_HEADER_SIZE,
	       "the buffer holds both queues");

static struct channel_message request, got, reply;
static uint32_t tags[CHANNEL_BENCH_BATCH];
static volatile uint64_t sink;

enum error channel_bench_init(struct channel_doorbell *client_bell,
			      struct channel_doorbell *server_bell)
{
	enum error err = channel_client_init(&channel_bench_client, buffer, sizeof(buffer),
					     CHANNEL_BENCH_DEPTH, client_bell, server_bell);
	if (err != ERR_OK)
		return err;
	channel_server_init(&channel_bench_server, server_bell);
	return channel_server_attach(&channel_bench_server, 0, buffer, sizeof(buffer), 0,
				     client_bell);
}

void channel_bench_prepare(uint32_t length)
{
	request = (struct channel_message){ .opcode = 1, .length = length };
	__builtin_memset(request.payload, 0x5a, length);
}

static inline void must(enum error err, const char *what)
{
	if (__builtin_expect(err != ERR_OK, 0))
		channel_bench_fail(err, what);
}

/* One pair: submit, take, reply, wait, each result checked. */
__attribute__((noinline)) void channel_bench_pair(uint64_t i)
{
	uint32_t tag;
	request.arg[0] = i;
	must(channel_client_submit(&channel_bench_client, &request, &tag), "submit");
	must(channel_server_take(&channel_bench_server, &got), "take");
	got.opcode = ERR_OK;
	must(channel_server_reply(&channel_bench_server, &got), "reply");
	must(channel_client_wait(&channel_bench_client, tag, 0, &reply), "wait");
	sink = reply.arg[0];
}

/* What any caller does around a pair: fill the request, set the status,
 * read the reply. */
__attribute__((noinline)) void channel_bench_pair_baseline(uint64_t i)
{
	request.arg[0] = i;
	got.opcode = ERR_OK;
	sink = reply.arg[0];
}

__attribute__((noinline)) void channel_bench_round(uint64_t done)
{
	for (uint32_t i = 0; i < CHANNEL_BENCH_BATCH; i++) {
		request.arg[0] = done + i;
		must(channel_client_submit(&channel_bench_client, &request, &tags[i]), "submit");
	}
	for (uint32_t i = 0; i < CHANNEL_BENCH_BATCH; i++) {
		must(channel_server_take(&channel_bench_server, &got), "take");
		got.opcode = ERR_OK;
		must(channel_server_reply(&channel_bench_server, &got), "reply");
	}
	for (uint32_t i = 0; i < CHANNEL_BENCH_BATCH; i++) {
		must(channel_client_wait(&channel_bench_client, tags[i], 0, &reply), "wait");
		sink = reply.arg[0];
	}
}

__attribute__((noinline)) void channel_bench_round_baseline(uint64_t done)
{
	for (uint32_t i = 0; i < CHANNEL_BENCH_BATCH; i++) {
		request.arg[0] = done + i;
		tags[i] = (uint32_t)i;
	}
	for (uint32_t i = 0; i < CHANNEL_BENCH_BATCH; i++)
		got.opcode = ERR_OK;
	for (uint32_t i = 0; i < CHANNEL_BENCH_BATCH; i++)
		sink = reply.arg[0] + tags[i];
}

/*
 * The floor: one pair through the same buffer, entries and orderings with
 * only what any such queue pair must do: copy the entry's words and the
 * exact payload in, publish the tail (release), the doorbell rule (seq_cst
 * fence, load of the peer's sleeping word), load the tail (acquire), copy
 * the words and the payload block out, publish the head (release), with
 * the same aligned copies and index loads and stores as the protocol
 * (channel_queue.h). Nothing is checked (no shape, index, tag, handle or
 * state), tags come from a counter, there is no slot bookkeeping. Not a
 * protocol: a peer could break it with one store. It only measures what
 * the checks cost.
 */
static uint32_t floor_tag;

static inline void floor_publish(struct channel_entry *entry, const struct channel_message *m,
				 uint32_t tag, _Atomic uint32_t *tail, uint32_t value,
				 _Atomic uint32_t *peer_sleeping)
{
	__builtin_memcpy(CHANNEL_ALIGNED(entry->word), CHANNEL_ALIGNED(m),
			 CHANNEL_WORDS_COMMON * sizeof(uint64_t));
	__builtin_memcpy(CHANNEL_ALIGNED_TO((uint8_t *)entry->word + 4, 4), &tag, sizeof(tag));
	__builtin_memcpy(CHANNEL_ALIGNED(entry->payload), CHANNEL_ALIGNED(m->payload), 8);
	channel_store_release(tail, value);
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(peer_sleeping, memory_order_relaxed) != 0)
		channel_bench_fail(ERR_ILLEGAL_OPERATION, "floor: nobody sleeps");
}

static inline void floor_consume(struct channel_message *m, const struct channel_entry *entry,
				 _Atomic uint32_t *head, uint32_t value)
{
	channel_words_read(m, entry);
	__builtin_memcpy(CHANNEL_ALIGNED(m->payload), CHANNEL_ALIGNED(entry->payload), 16);
	channel_store_release(head, value);
}

__attribute__((noinline)) void channel_bench_pair_floor(uint64_t i)
{
	struct channel_client *client = &channel_bench_client;
	struct channel_link *link = &channel_bench_server.link[0];
	struct channel_shared *shared = client->shared;
	request.arg[0] = i;
	/* submit */
	uint32_t tag = floor_tag++, t = client->request_tail++;
	floor_publish(channel_entry_at(client->requests, t, client->mask), &request, tag,
		      &shared->request_tail, t + 1, &shared->server_sleeping);
	/* take */
	uint32_t h = link->request_head;
	if (channel_load_acquire(&shared->request_tail) == h)
		channel_bench_fail(ERR_FAILED_LOOKUP, "floor take");
	link->request_head = h + 1;
	floor_consume(&got, channel_entry_at(client->requests, h, client->mask),
		      &shared->request_head, h + 1);
	got.opcode = ERR_OK;
	/* reply */
	t = link->response_tail++;
	floor_publish(channel_entry_at(client->responses, t, client->mask), &got, got.tag,
		      &shared->response_tail, t + 1, &shared->client_sleeping);
	/* wait */
	h = client->response_head;
	if (channel_load_acquire(&shared->response_tail) == h)
		channel_bench_fail(ERR_FAILED_LOOKUP, "floor wait");
	client->response_head = h + 1;
	floor_consume(&reply, channel_entry_at(client->responses, h, client->mask),
		      &shared->response_head, h + 1);
	if (reply.tag != tag)
		channel_bench_fail(ERR_INVALID_ARGUMENT, "floor tag");
	sink = reply.arg[0];
}

const struct channel_bench_case channel_bench_cases[CHANNEL_BENCH_CASES] = {
	{ "proto_rr_8b", 8, 1, channel_bench_pair, channel_bench_pair_baseline },
	{ "proto_rr_256b", 256, 1, channel_bench_pair, channel_bench_pair_baseline },
	{ "proto_rr_batch32", 8, CHANNEL_BENCH_BATCH, channel_bench_round,
	  channel_bench_round_baseline },
	{ "floor_rr_8b", 8, 1, channel_bench_pair_floor, channel_bench_pair_baseline },
};

void channel_bench_loop(void (*fn)(uint64_t), uint32_t per_call, uint64_t n)
{
	for (uint64_t done = 0; done < n; done += per_call)
		fn(done);
}
