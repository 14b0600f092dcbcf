/* SPDX-License-Identifier: MIT */
/*
 * The system-call ABI, shared by the kernel and libos so they cannot drift
 * (STYLE.md item 12): call numbers, register roles, invocation labels and
 * their arguments, the boot info the root task receives, and the debug
 * calls. Error codes are core/error.h. Documented in docs/abi.md.
 *
 * seL4's API shape (MCS flavour, with reply objects): a thread invokes a
 * capability by its address (cptr) in its CSpace. IPC system calls name an
 * endpoint, a notification or a reply object; `Call` on any other cap is an
 * object invocation whose label is in the message-info word.
 */
#ifndef CORE_ABI_H
#define CORE_ABI_H

#include <stdint.h>

#include "error.h"

/*
 * Registers (RISC-V). On entry: a7 = call number, a0 = the cap address,
 * a1 = the reply object's cap address (Recv, NBRecv, ReplyRecv), a2 = the
 * message-info word (core/message.h), MR0..MR3 in a3..a6, MR4..MR7 in
 * t3..t6, MR8.. in the IPC buffer. On return: a0 = enum error, a1 = badge,
 * a2 = message info, MRs as on entry. Every other register is preserved.
 * (core/port.h's roles: arch/riscv/port.c maps them.)
 */
enum syscall_number {
	SYS_CALL = 1,       /* send and wait for the answer (invocation or IPC call) */
	SYS_REPLY_RECV = 2, /* reply through the reply object, then Recv with it */
	SYS_SEND = 3,       /* send; blocks until received (signal on a notification) */
	SYS_NB_SEND = 4,    /* send; dropped when no receiver waits */
	SYS_RECV = 5,       /* receive on an endpoint (a1: reply object or 0) */
	SYS_NB_RECV = 6,    /* receive, or an empty message */
	SYS_WAIT = 7,       /* wait on a notification */
	SYS_POLL = 8,       /* take a notification's word, or 0 */
	SYS_YIELD = 9,      /* give up the rest of the time slice */
	/*
	 * Debug calls (as seL4's debug putchar/halt): not capabilities, present
	 * in every build, meant for tests and the console before drivers.
	 */
	SYS_DEBUG_PRINT = 16, /* a0 user address, a1 length: bytes to the console */
	SYS_DEBUG_HALT = 17,  /* a0 = 0: pass, else fail; the machine stops */
	SYS_DEBUG_HART = 18,  /* returns (a0 = ERR_OK) a1 = the hart the caller runs on */
	/* a0 = a TCB cptr: a1 = how many times that thread entered the kernel
	 * (system calls, faults, interrupts taken while it ran): benchmarks. */
	SYS_DEBUG_KERNEL_ENTRIES = 19,
	/* a0 = 0: ask, 1: turn the IPC fastpath off, 2: on (for every hart);
	 * returns a1 = the Calls and ReplyRecvs this hart's fastpath took,
	 * a2 = 1 when the fastpath is on: tests and benchmarks. */
	SYS_DEBUG_FASTPATH = 23,
	/* a0 = deadline (time base ticks, absolute; 0: poll; UINT64_MAX: none):
	 * wait until a user interrupt is pending for the caller (a receiver)
	 * or the deadline passes. Returns a0 = ERR_OK and a1 = 1 (pending) or
	 * 0 (deadline); ERR_ILLEGAL_OPERATION when the caller is no receiver.
	 * docs/uintr.md. */
	SYS_UINTR_WAIT = 24,
	/*
	 * Lending (docs/ipc.md "Lending pages with a Call"): CallLend is Call
	 * with t0 = base, t1 = bytes of the caller's pages lent to the server
	 * until the reply; RecvWindow and ReplyRecvWindow are Recv and
	 * ReplyRecv naming, in t0 and t1, the window of the receiver's VSpace
	 * lent pages go to (t1 = 0: none); they return t2 = the bytes lent
	 * (at t0), 0 when the message lent nothing.
	 */
	SYS_CALL_LEND = 25,
	SYS_RECV_WINDOW = 26,
	SYS_REPLY_RECV_WINDOW = 27,
	/*
	 * a0 = deadline (as SYS_UINTR_WAIT), a1 = a sender-table index, a2 =
	 * flags (ABI_UINTR_SEND: uipi SEND a1 first, with its rules: no table,
	 * a bad index or an empty entry sends nothing): SEND, then UintrWait,
	 * in one kernel entry. Returns as UintrWait, and a2 = the pending bits
	 * the kernel read (and cleared) for the caller, 0 when it read none
	 * (READ them then). A send that reaches a receiver asleep on this hart
	 * that the scheduler would run next hands the hart to it when the
	 * caller blocks (docs/uintr.md, "The claim of a sleeper").
	 */
	SYS_UINTR_SEND_WAIT = 28,
	/* Returns a1 = the claims this hart's UintrSendWaits took: tests and
	 * benchmarks. */
	SYS_DEBUG_UINTR_CLAIMS = 29,
};

/* The most bytes one debug print takes: bounds the kernel's time per call. */
#define SYSCALL_PRINT_MAX 4096

/*
 * Invocation labels: the label of the message-info word of a Call on an
 * object cap. MRn are message words; "cap n" is the n-th extra cap, named
 * by cptr in the caller's IPC buffer (caps[n]) and looked up in the
 * caller's CSpace. A slot is (a CNode cap, an index, a depth), as in seL4.
 * Results: a0 = enum error; values come back as message words (the info
 * word's length says how many).
 */
enum invocation_label {
	INVALID_INVOCATION = 0,
	/* Untyped. MR0 type (core/object.h), MR1 size bits, MR2 node index,
	 * MR3 node depth, MR4 node offset, MR5 count; cap 0 the root CNode the
	 * destination CNode is looked up in (depth 0: that CNode itself). */
	UNTYPED_RETYPE = 1,
	/* CNode, invoked cap = the destination's root. MR0 dest index, MR1 dest
	 * depth, then as listed; cap 0 the source's root CNode. */
	CNODE_REVOKE = 2,              /* MR0 index, MR1 depth */
	CNODE_DELETE = 3,              /* MR0 index, MR1 depth */
	CNODE_CANCEL_BADGED_SENDS = 4, /* MR0 index, MR1 depth (needs corefix) */
	CNODE_COPY = 5,                /* MR2 src index, MR3 src depth, MR4 rights; cap 0 */
	CNODE_MINT = 6,                /* MR2, MR3, MR4 rights, MR5 badge or guard word; cap 0 */
	CNODE_MOVE = 7,                /* MR2, MR3; cap 0 */
	CNODE_MUTATE = 8,              /* MR2, MR3, MR4 badge or guard word; cap 0 */
	/* MR2 dest badge, MR3 pivot index, MR4 pivot depth, MR5 pivot badge,
	 * MR6 src index, MR7 src depth; cap 0 pivot root, cap 1 src root:
	 * pivot -> dest (with the dest badge), src -> pivot (pivot badge). */
	CNODE_ROTATE = 9,
	/* TCB. */
	TCB_READ_REGISTERS = 10,  /* MR0 suspend (bit 0), MR1 count -> MRs */
	TCB_WRITE_REGISTERS = 11, /* MR0 resume (bit 0), MR1 0, MR2 count, MR3.. values */
	TCB_COPY_REGISTERS = 12,  /* not supported: ERR_ILLEGAL_OPERATION */
	/* MR0 fault endpoint cptr (0: none), MR1 CSpace root data, MR2 VSpace root
	 * data (must be 0), MR3 IPC buffer address; cap 0 CSpace root, cap 1
	 * VSpace root, cap 2 IPC buffer frame (optional: none clears). */
	TCB_CONFIGURE = 13,
	TCB_SET_PRIORITY = 14,   /* MR0 priority; cap 0 the authority TCB */
	TCB_SET_MCP = 15,        /* MR0 MCP; cap 0 the authority TCB */
	TCB_SET_IPC_BUFFER = 16, /* MR0 address; cap 0 frame (none: clear) */
	/* MR0 fault endpoint cptr (0: none), MR1 CSpace data, MR2 VSpace data;
	 * cap 0 CSpace root, cap 1 VSpace root. */
	TCB_SET_SPACE = 17,
	TCB_SUSPEND = 18,
	TCB_RESUME = 19,
	TCB_BIND_NOTIFICATION = 20, /* cap 0 notification */
	TCB_UNBIND_NOTIFICATION = 21,
	TCB_SET_AFFINITY = 22, /* MR0 hart (an index below the hart count) */
	/* Page table and frame. */
	PAGE_TABLE_MAP = 23, /* MR0 vaddr, MR1 attributes; cap 0 VSpace root */
	PAGE_TABLE_UNMAP = 24,
	PAGE_MAP = 25, /* MR0 vaddr, MR1 rights, MR2 attributes; cap 0 VSpace */
	PAGE_UNMAP = 26,
	PAGE_GET_ADDRESS = 27, /* -> MR0 physical address */
	/* ASID control: MR0 index, MR1 depth; cap 0 untyped (4 KiB), cap 1 root CNode. */
	ASID_CONTROL_MAKE_POOL = 28,
	ASID_POOL_ASSIGN = 29, /* cap 0 the VSpace root (an unmapped page table) */
	/* IRQ control: MR0 irq, MR1 index, MR2 depth; cap 0 root CNode. */
	IRQ_ISSUE_IRQ_HANDLER = 30,
	IRQ_ACK = 31,
	IRQ_SET_NOTIFICATION = 32, /* cap 0 notification */
	IRQ_CLEAR = 33,
	/* User-mode interrupts (docs/uintr.md). TCB: MR0 utvec, MR1 uscratch,
	 * MR2 flags (ABI_UINTR_ENABLE); cap 0 a service: the thread becomes its
	 * receiver. */
	TCB_UINTR_BIND_RECEIVER = 34,
	TCB_UINTR_UNBIND_RECEIVER = 35,
	TCB_UINTR_BIND_SENDER_TABLE = 36, /* cap 0 a sender table */
	TCB_UINTR_UNBIND_SENDER_TABLE = 37,
	/* Sender table: MR0 index, MR1 vector (0..63, ABI_UINTR_ANY_VECTOR for
	 * the lowest free one); cap 0 a service -> MR0 the vector used. */
	SENDER_TABLE_REGISTER = 38,
	SENDER_TABLE_UNREGISTER = 39, /* MR0 index */
	/* Channels (docs/abi.md "Channels"). Service: MR0 window base, MR1
	 * slot pages (1..ABI_CHANNEL_MAX_PAGES), in the VSpace of the service's
	 * receiver thread; channel i is mapped at base + i * slot. */
	SERVICE_CONFIGURE_CHANNELS = 40,
	/* Service: MR0 dead vectors to release -> MR0 live mask, MR1 dead mask. */
	SERVICE_CHANNELS = 41,
	/* Channel (free): MR0 the caller's sender-table index, MR1 the caller's
	 * vector (0..63, ABI_UINTR_ANY_VECTOR), MR2 buffer address in the
	 * caller's VSpace, MR3 cptr of the first frame, MR4 page count (frames
	 * at MR3, MR3 + 1, ...); cap 0 the service -> MR0 server vector, MR1
	 * client vector. */
	CHANNEL_REGISTER = 42,
	CHANNEL_UNREGISTER = 43,
	/* Channel: -> MR0 state (ABI_CHANNEL_*), MR1 server vector, MR2 client
	 * vector, MR3 why it died (ABI_CHANNEL_GONE_*, 0 while live). */
	CHANNEL_STATUS = 44,
	/* Large buffers (docs/abi.md "Channels: large buffers"). Service: MR0
	 * lend window base, MR1 slot bytes (0: none); channel i's lends land at
	 * base + i * slot, in the VSpace of the service's receiver. */
	SERVICE_CONFIGURE_LEND = 45,
	/* Channel: MR0 base, MR1 bytes of the caller's pages, lent to the
	 * server until SERVICE_LEND_RETURN -> MR0 where they are there. */
	CHANNEL_LEND = 46,
	/* Service: MR0 server vector -> MR0 the bytes given back. */
	SERVICE_LEND_RETURN = 47,
};
#define INVOCATION_LABEL_COUNT 48
#define ABI_UINTR_ENABLE 1u        /* TCB_UINTR_BIND_RECEIVER: take user interrupts */
#define ABI_UINTR_SEND 1u          /* SYS_UINTR_SEND_WAIT: send first */
#define ABI_UINTR_ANY_VECTOR 64u   /* SENDER_TABLE_REGISTER: any free vector */
#define ABI_UINTR_VECTORS 64u      /* a receiver's pending bits (and senders) */
#define ABI_CHANNEL_MAX_PAGES 16u  /* pages of one channel buffer (and window slot) */
#define ABI_CHANNEL_FREE 0u        /* CHANNEL_STATUS: not registered */
#define ABI_CHANNEL_LIVE 1u        /* registered, both sides there */
#define ABI_CHANNEL_DEAD 2u        /* torn down from elsewhere: Unregister it */
#define ABI_CHANNEL_GONE_CLIENT 1u /* the client's receiver went */
#define ABI_CHANNEL_GONE_SERVER 2u /* the service's receiver went, or the service */
#define ABI_CHANNEL_GONE_FRAMES 3u /* a buffer frame was revoked */

/* Rights of CNode copy/mint and page map (core/cap.h's values). */
#define ABI_RIGHT_READ 1u
#define ABI_RIGHT_WRITE 2u
#define ABI_RIGHT_GRANT 4u
#define ABI_RIGHT_GRANT_REPLY 8u
#define ABI_RIGHTS_ALL 15u
#define ABI_ATTR_EXECUTE_NEVER 1u

/* TCB register numbers for Read/WriteRegisters (seL4's RISC-V order). */
enum abi_register {
	ABI_REG_PC = 0,
	ABI_REG_RA = 1,
	ABI_REG_SP = 2,
	ABI_REG_GP = 3,
	ABI_REG_S0 = 4,  /* s0..s11: 4..15 */
	ABI_REG_A0 = 16, /* a0..a7: 16..23 */
	ABI_REG_T0 = 24, /* t0..t6: 24..30 */
	ABI_REG_TP = 31,
};
#define ABI_REG_COUNT 32

/*
 * The root task's initial CSpace: a CNode of 2^BOOT_CNODE_RADIX slots with a
 * guard over the rest, so a cptr is a slot index. The rest of the layout is
 * in struct boot_info.
 */
#define BOOT_CNODE_RADIX 12
enum boot_slot {
	BOOT_CAP_NULL = 0,
	BOOT_CAP_TCB = 1,
	BOOT_CAP_CNODE = 2,
	BOOT_CAP_VSPACE = 3,
	BOOT_CAP_IRQ_CONTROL = 4,
	BOOT_CAP_ASID_CONTROL = 5,
	BOOT_CAP_ASID_POOL = 6,
	BOOT_CAP_IPC_BUFFER = 7,
	BOOT_CAP_BOOT_INFO = 8,
	BOOT_CAP_FIRST_FREE = 9, /* image frames, tables, untyped follow */
};

/* Where the kernel puts the root task's pages (the ELF image is at its own
 * addresses; libos/user.ld links at 0x10000). */
#define USER_STACK_TOP 0x0000003fffff0000ull
#define USER_STACK_BYTES (64u * 1024u)
#define BOOT_IPC_BUFFER_VADDR 0x0000003fffff2000ull
#define BOOT_INFO_VADDR 0x0000003fffff4000ull
#define BOOT_IMAGE_VADDR 0x0000002000000000ull

struct boot_slot_range {
	uint64_t start, end; /* [start, end) */
};

struct boot_untyped {
	uint64_t paddr;
	uint8_t size_bits;
	uint8_t is_device;
	uint8_t padding[6];
};

#define BOOT_INFO_MAGIC 0x4b65737472656c31ull /* "Kestrel1" */
#define BOOT_UNTYPED_MAX 200
#define BOOT_ARGS_MAX 240

/* One 4 KiB page, read-only for the root task, at BOOT_INFO_VADDR; a0 holds
 * its address when the root task starts. */
struct boot_info {
	uint64_t magic;
	uint64_t hart_count;
	uint64_t cnode_radix;
	uint64_t ipc_buffer;               /* the root's IPC buffer address */
	struct boot_slot_range image;      /* frames and tables of the root's image and stack */
	struct boot_slot_range boot_image; /* frames holding the cpio archive */
	struct boot_slot_range untyped;    /* untyped caps, as untyped_list */
	struct boot_slot_range empty;      /* free slots */
	uint64_t boot_image_vaddr;         /* the cpio archive, mapped read-only */
	uint64_t boot_image_size;
	char bootargs[BOOT_ARGS_MAX]; /* /chosen/bootargs, NUL-terminated */
	uint64_t untyped_count;
	struct boot_untyped untyped_list[BOOT_UNTYPED_MAX];
};
_Static_assert(sizeof(struct boot_info) <= 4096, "boot info fits one page");

/*
 * The kernel info page: one read-only page at the same address in every
 * address space (the top page of the address space: `li a0, -4096`), which
 * the kernel updates as harts switch threads (docs/abi.md). The channel
 * protocol reads it to decide whether a doorbell is needed: is the peer's
 * thread in user mode on some hart right now?
 */
#define KERNEL_INFO_VADDR 0xfffffffffffff000ull
#define KERNEL_INFO_MAGIC 0x316f666e694b0000ull /* "\0\0Kinfo1" */
#define KERNEL_INFO_MAX_HARTS 64

struct kernel_info_hart {
	/* The id of the thread this hart runs in user mode (or is about to
	 * return to), 0 while it idles: a thread's id is its TCB's kernel
	 * address, never 0 and the same for the thread's life. */
	uint64_t thread;
	uint64_t reserved; /* 0 (was a count of changes nothing read) */
};

struct kernel_info {
	uint64_t magic;
	uint64_t hart_count;
	uint64_t timebase_frequency; /* the time base: ticks per second of `rdtime` */
	uint64_t reserved[5];
	struct kernel_info_hart hart[KERNEL_INFO_MAX_HARTS];
};
_Static_assert(sizeof(struct kernel_info) <= 4096, "the kernel info fits one page");

#endif
