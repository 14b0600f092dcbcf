/* SPDX-License-Identifier: MIT */
/*
 * The message-info word of an IPC message (STYLE.md item 7: one uint64_t with
 * accessors, never a bitfield). Layout, as seL4's:
 *
 *   bits 63..12  label          (52 bits, the receiver's to interpret)
 *   bits 11..9   caps unwrapped (which transferred caps arrived as badges)
 *   bits  8..7   extra caps     (0..3 caps named in the IPC buffer)
 *   bits  6..0   length         (message words, 0..MSG_MAX_LENGTH)
 *
 * A message is this word, then `length` message words MR0..MR(length-1).
 * MR0..MR7 travel in registers (the arch layer says which, see port.h);
 * MR8..MR119 live in the sender's and receiver's IPC buffers at the same
 * index (struct ipc_buffer below). Without an IPC buffer a message is cut
 * to the register part. docs/ipc.md has the whole format.
 */
#ifndef CORE_MESSAGE_H
#define CORE_MESSAGE_H

#include <stdint.h>

#define MSG_LENGTH_BITS 7
#define MSG_EXTRA_CAPS_SHIFT 7
#define MSG_EXTRA_CAPS_BITS 2
#define MSG_UNWRAPPED_SHIFT 9
#define MSG_UNWRAPPED_BITS 3
#define MSG_LABEL_SHIFT 12
#define MSG_LABEL_BITS 52

#define MSG_MAX_LENGTH 120   /* message words, registers included */
#define MSG_REGISTER_WORDS 8 /* MR0..MR7 are in registers */
#define MSG_MAX_EXTRA_CAPS 3

_Static_assert(MSG_EXTRA_CAPS_SHIFT == MSG_LENGTH_BITS, "extra caps above length");
_Static_assert(MSG_UNWRAPPED_SHIFT == MSG_EXTRA_CAPS_SHIFT + MSG_EXTRA_CAPS_BITS,
	       "unwrapped above extra caps");
_Static_assert(MSG_LABEL_SHIFT == MSG_UNWRAPPED_SHIFT + MSG_UNWRAPPED_BITS,
	       "label above unwrapped");
_Static_assert(MSG_LABEL_SHIFT + MSG_LABEL_BITS == 64, "label is the top field");
_Static_assert(MSG_MAX_LENGTH < (1 << MSG_LENGTH_BITS), "length fits its field");
_Static_assert(MSG_MAX_EXTRA_CAPS < (1 << MSG_EXTRA_CAPS_BITS), "extra caps fit");
_Static_assert(MSG_MAX_EXTRA_CAPS <= MSG_UNWRAPPED_BITS, "one unwrapped bit per cap");

struct msg_info {
	uint64_t word;
};

static inline struct msg_info msg_info_make(uint64_t label, unsigned length, unsigned extra_caps,
					    unsigned unwrapped)
{
	uint64_t w =
	    (label << MSG_LABEL_SHIFT) |
	    ((uint64_t)(unwrapped & ((1u << MSG_UNWRAPPED_BITS) - 1)) << MSG_UNWRAPPED_SHIFT) |
	    ((uint64_t)(extra_caps & ((1u << MSG_EXTRA_CAPS_BITS) - 1)) << MSG_EXTRA_CAPS_SHIFT) |
	    (uint64_t)(length & ((1u << MSG_LENGTH_BITS) - 1));
	return (struct msg_info){ w };
}

static inline uint64_t msg_info_label(struct msg_info m)
{
	return m.word >> MSG_LABEL_SHIFT;
}

/* The raw field; it may exceed MSG_MAX_LENGTH in a word a user wrote. */
static inline unsigned msg_info_length(struct msg_info m)
{
	return (unsigned)(m.word & ((1u << MSG_LENGTH_BITS) - 1));
}

static inline unsigned msg_info_extra_caps(struct msg_info m)
{
	return (unsigned)((m.word >> MSG_EXTRA_CAPS_SHIFT) & ((1u << MSG_EXTRA_CAPS_BITS) - 1));
}

static inline unsigned msg_info_unwrapped(struct msg_info m)
{
	return (unsigned)((m.word >> MSG_UNWRAPPED_SHIFT) & ((1u << MSG_UNWRAPPED_BITS) - 1));
}

/*
 * The IPC buffer, one per thread in a frame it maps: 128 words, so 1 KiB
 * aligned. msg[0..7] are unused (those words are in registers). The sender
 * names caps to transfer in caps[]; a receiver names the slot a received cap
 * goes to with receive_cnode/index/depth (a CNode cptr in its own CSpace,
 * then an index and depth inside it, as a CNode operation names a slot) and
 * finds the badges of unwrapped caps in caps[].
 */
struct ipc_buffer {
	uint64_t tag; /* unused by the kernel: the info word is in a register */
	uint64_t msg[MSG_MAX_LENGTH];
	uint64_t user_data;
	uint64_t caps[MSG_MAX_EXTRA_CAPS];
	uint64_t receive_cnode;
	uint64_t receive_index;
	uint64_t receive_depth;
};

#define IPC_BUFFER_SIZE_BITS 10
_Static_assert(sizeof(struct ipc_buffer) == (1u << IPC_BUFFER_SIZE_BITS), "IPC buffer is 1 KiB");

#endif
