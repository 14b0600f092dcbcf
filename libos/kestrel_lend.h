/* SPDX-License-Identifier: MIT */
/*
 * Lending pages with a Call (core/abi.h's CallLend, RecvWindow,
 * ReplyRecvWindow; docs/ipc.md "Lending pages with a Call"): the client's
 * range [base, base + bytes) leaves its address space for the server's
 * window until the reply. The stubs load t0/t1 and read t2 besides
 * kestrel_syscall's registers.
 */
#ifndef LIBOS_KESTREL_LEND_H
#define LIBOS_KESTREL_LEND_H

#include "kestrel.h"

/* The raw call: t0 = x, t1 = y on entry; *t2_out = t2 on return. */
static inline enum error kestrel_lend_syscall(uint64_t number, uint64_t cptr, uint64_t reply,
					      struct kmsg *m, uint64_t x, uint64_t y,
					      uint64_t *t2_out)
{
	register uint64_t a0 __asm__("a0") = cptr;
	register uint64_t a1 __asm__("a1") = reply;
	register uint64_t a2 __asm__("a2") = m->info;
	register uint64_t a3 __asm__("a3") = m->mr[0];
	register uint64_t a4 __asm__("a4") = m->mr[1];
	register uint64_t a5 __asm__("a5") = m->mr[2];
	register uint64_t a6 __asm__("a6") = m->mr[3];
	register uint64_t t3 __asm__("t3") = m->mr[4];
	register uint64_t t4 __asm__("t4") = m->mr[5];
	register uint64_t t5 __asm__("t5") = m->mr[6];
	register uint64_t t6 __asm__("t6") = m->mr[7];
	register uint64_t t0 __asm__("t0") = x;
	register uint64_t t1 __asm__("t1") = y;
	register uint64_t t2 __asm__("t2") = 0;
	register uint64_t a7 __asm__("a7") = number;
	__asm__ volatile("ecall"
			 : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3), "+r"(a4), "+r"(a5), "+r"(a6),
			   "+r"(t3), "+r"(t4), "+r"(t5), "+r"(t6), "+r"(t2)
			 : "r"(a7), "r"(t0), "r"(t1)
			 : "memory");
	m->badge = a1;
	m->info = a2;
	m->mr[0] = a3;
	m->mr[1] = a4;
	m->mr[2] = a5;
	m->mr[3] = a6;
	m->mr[4] = t3;
	m->mr[5] = t4;
	m->mr[6] = t5;
	m->mr[7] = t6;
	if (t2_out != NULL)
		*t2_out = t2;
	return (enum error)a0;
}

/* Call ep lending [base, base + bytes) (page aligned) until the reply. */
static inline enum error kestrel_call_lend(cptr_t ep, struct kmsg *m, uint64_t base, uint64_t bytes)
{
	return kestrel_lend_syscall(SYS_CALL_LEND, ep, 0, m, base, bytes, NULL);
}

/* Recv naming [window, window + bytes) for lent pages; *lent = the bytes
 * that arrived there (0: none). */
static inline enum error kestrel_recv_window(cptr_t ep, cptr_t reply, struct kmsg *m,
					     uint64_t window, uint64_t bytes, uint64_t *lent)
{
	return kestrel_lend_syscall(SYS_RECV_WINDOW, ep, reply, m, window, bytes, lent);
}

/* ReplyRecv (the reply gives lent pages back) naming the window again. */
static inline enum error kestrel_reply_recv_window(cptr_t ep, cptr_t reply, struct kmsg *m,
						   uint64_t window, uint64_t bytes, uint64_t *lent)
{
	return kestrel_lend_syscall(SYS_REPLY_RECV_WINDOW, ep, reply, m, window, bytes, lent);
}

/*
 * A channel's large-buffer call (core/abi.h's SERVICE_CONFIGURE_LEND,
 * CHANNEL_LEND, SERVICE_LEND_RETURN; docs/channels.md "Large buffers"):
 * the client lends [base, base + bytes) to the channel's server before it
 * submits the LARGE request; the server gives it back before it replies.
 */

/* The server's lend window: link i's lends land at base + i * slot. */
static inline enum error kestrel_service_configure_lend(cptr_t service, uint64_t base,
							uint64_t slot)
{
	const uint64_t in[2] = { base, slot };
	return kestrel_invoke(service, SERVICE_CONFIGURE_LEND, 2, in, 0, NULL, NULL, 0);
}

/* Lend [base, base + bytes) to the channel's server; *server_va (may be
 * NULL): where they are in the server. */
static inline enum error kestrel_channel_lend(cptr_t channel, uint64_t base, uint64_t bytes,
					      uint64_t *server_va)
{
	const uint64_t in[2] = { base, bytes };
	uint64_t where = 0;
	enum error err = kestrel_invoke(channel, CHANNEL_LEND, 2, in, 0, NULL, &where, 1);
	if (server_va != NULL)
		*server_va = where;
	return err;
}

/* Give link `vector`'s lend back; *bytes (may be NULL): its size. */
static inline enum error kestrel_service_lend_return(cptr_t service, uint64_t vector,
						     uint64_t *bytes)
{
	uint64_t back = 0;
	enum error err =
	    kestrel_invoke(service, SERVICE_LEND_RETURN, 1, &vector, 0, NULL, &back, 1);
	if (bytes != NULL)
		*bytes = back;
	return err;
}

#endif
