/* SPDX-License-Identifier: MIT */
/*
 * SPIN model of the channel doorbell/sleep protocol (libos/channel*, issue 10;
 * docs/channels-model.md explains the abstraction and the results).
 *
 * One server, two clients, one channel per client. A channel is a request
 * queue (client -> server), a response queue (server -> client) and two words
 * in its header: server_sleeping (written only by the server) and
 * client_sleeping (written only by its client). No word is shared by the
 * clients: the server publishes its sleeping word in every channel.
 *
 * Memory is sequentially consistent except that every process's stores to
 * the shared words go through a private FIFO store buffer (TSO): the memory
 * process drains the buffers one entry at a time whenever it likes, a FULL
 * FENCE waits until the own buffer is empty, a load reads the newest own
 * buffered store to its address first, and memory otherwise.
 *
 * The protocol, with the names of the C library:
 *   consumer waiting for work: poll (any number of times); store
 *   my_sleeping = 1 on each channel it waits on; FULL FENCE; re-check the
 *   queue(s); if work is there, store my_sleeping = 0 and take it; else sleep
 *   on the doorbell; on wake store my_sleeping = 0 and start again.
 *   producer: write the entry, publish the queue tail (release); FULL FENCE;
 *   load the peer's sleeping word; ring the peer's doorbell only if it is 1.
 * Doorbells are sticky pending bits: the server has one per client (like the
 * pending bits of a uintr receiver), each client one. Sleep returns at once if
 * a bit is pending, else blocks until one is set; waking clears them all.
 *
 * Statements marked "reach:" must be executed by the search of the correct
 * protocol (run-spin checks pan's unreached-code report), so the result
 * cannot be vacuous. pan reports by line and folds the first statement after
 * a guard into the guard, so a marker sits on a d_step or on a later line.
 *
 * Malformed requests and reply room (issue 17). Client 0's first request is
 * malformed: the server takes it and answers it itself with an error reply
 * (the client counts it as outstanding and takes the answer like any reply),
 * hands it to nobody, and goes on; answering one is progress, so a re-check
 * that answered one does not sleep (the C library's rejected counter). The
 * server takes a request only with reply room: DEPTH - held - unread
 * replies, the unread ones counted from the client's published response
 * head, which the server loads only when its cached room is 0, before the
 * request tail (the C code's load order, channel_link_refresh_room).
 *
 * "Ring me" that stays up (RING_ME_STAYS; docs/channels.md "A waiter that
 * sleeps at once", libos channel_server_wait and channel_client_call_held
 * at poll budget 0). The server publishes its word on both channels only
 * when it is not up yet (a private flag; FULL FENCE after it) and never
 * takes it down; it still looks before every sleep. Each client publishes
 * Client 0 keeps the rule above (with its malformed request); client 1
 * publishes its word before its first request (no fence: the release of the
 * request tail orders it) and never takes it down; it is a synchronous
 * caller (one request outstanding: the C wait is for the tag just
 * submitted, whatever else is queued), sleeps without a look before (its
 * polls are the main loop's "take a reply" step, any number or none) and
 * looks once after each wake.
 * Broken variants: RING_ME_NO_LOOK (a server whose word was already up
 * sleeps without a look: one wake takes both clients' rings, one take one
 * request), RING_ME_LATE (client 1 puts its word up only after a submit
 * and sleeps without a look).
 *
 * Switches (spin -D...): NO_PRODUCER_FENCE, NO_CONSUMER_FENCE (both
 * NO_SERVER_WAIT_FENCE and NO_CLIENT_WAIT_FENCE), NO_FENCE (all fences),
 * NO_RECHECK, MALFORMED_SLEEPS (the library before issue 17: a re-check that
 * answered a malformed request sleeps as if it found nothing), NO_MALFORMED,
 * LTL_CHECK (adds the liveness claim; run pan with -a).
 * Bounds: NREQ requests per client, HOLD requests the server may hold
 * unanswered at once (replies in any order when HOLD > 1), SBSIZE
 * store-buffer entries per process.
 */

#ifndef NREQ
#define NREQ 2
#endif
#ifndef HOLD
#define HOLD 2
#endif
#ifndef SBSIZE
#define SBSIZE 3
#endif

#ifndef DEPTH
#define DEPTH NREQ
#endif

#define NCLIENT 2
#define TOTAL (NCLIENT * NREQ)

#ifdef NO_FENCE
#define NO_CONSUMER_FENCE
#define NO_PRODUCER_FENCE
#endif
#ifdef NO_CONSUMER_FENCE
#define NO_SERVER_WAIT_FENCE
#define NO_CLIENT_WAIT_FENCE
#endif

/* Shared words, all in the memory array and the store buffers. */
#define REQ_TAIL(c) (c)         /* request queue tail, written by client c */
#define RESP_TAIL(c) (2 + (c))  /* response queue tail, written by the server */
#define SSLEEP(c) (4 + (c))     /* server_sleeping in channel c */
#define CSLEEP(c) (6 + (c))     /* client_sleeping in channel c */
#define RESP_HEAD(c) (8 + (c))  /* response queue head, written by client c */
#define NADDR 10

/* Store-buffer owners: the server is 0, client c is c + 1. */
#define SRV 0
#define NPROC 3

byte mem[NADDR];

typedef store_buffer {
	byte addr[SBSIZE];
	byte val[SBSIZE];
	byte n
};
store_buffer sb[NPROC];

/*
 * Scratch for load() and flush(), reset to 0 before their step can block:
 * never carries information between steps, so it is not part of the state.
 */
hidden byte sbi;

/*
 * Queue entries. A response slot holds the tag of the request it answers;
 * a request's tag is its index in the client's request queue. Entries are
 * written straight to memory before their tail is stored: the tail store is a
 * release (FIFO in the store buffer), and a consumer reads only slots below a
 * tail it has loaded, so this is indistinguishable from buffering them too.
 */
byte resp_slot[NCLIENT * NREQ];
bool req_bad[NCLIENT * NREQ]; /* request entry: malformed */

/* Doorbells: sticky pending bits. */
byte srv_pend;             /* bit c: client c rang the server */
bool cl_pend[NCLIENT];     /* the server rang client c */

/*
 * Ghost state, for the properties only (the protocol never reads it).
 * submitted/taken: requests published by client c / taken by the server;
 * replied/received: replies published by the server / taken by client c.
 * cl_owes/sv_owes: the producer has published an entry and not yet decided
 * whether to ring (a doorbell may still be coming).
 * srv_asleep/cl_asleep: the process has decided to sleep and is blocked (or
 * about to return because a bit is pending).
 */
byte submitted[NCLIENT];
byte taken[NCLIENT];
byte replied[NCLIENT];
byte received[NCLIENT];
bool cl_owes[NCLIENT];
bool sv_owes[NCLIENT];
bool srv_asleep;
bool cl_asleep[NCLIENT];
byte answered_mask[NCLIENT];
byte finished;
bool lost_wakeup;

/* ---- memory model ---------------------------------------------------- */

/* Narration for counterexample replays (spin -t); pan ignores printf. */
inline say_proc(p)
{
	if
	:: p == SRV -> printf("server")
	:: else -> printf("client %d", p - 1)
	fi
}

inline say_addr(a)
{
	if
	:: a < 2 -> printf("req_tail[%d]", a)
	:: a >= 2 && a < 4 -> printf("resp_tail[%d]", a - 2)
	:: a >= 4 && a < 6 -> printf("server_sleeping[%d]", a - 4)
	:: a >= 6 && a < 8 -> printf("client_sleeping[%d]", a - 6)
	:: else -> printf("resp_head[%d]", a - 8)
	fi
}

/* A store enters the process's buffer (blocks while the buffer is full). */
inline store(p, a, v)
{
	sb[p].n < SBSIZE ->
	sb[p].addr[sb[p].n] = a;
	sb[p].val[sb[p].n] = v;
	sb[p].n++;
	say_proc(p);
	printf(": store ");
	say_addr(a);
	printf(" = %d (into its store buffer)\n", v)
}

/* A load sees the newest own buffered store to a, else memory. */
inline load(p, a, r)
{
	r = mem[a];
	sbi = 0;
	do
	:: sbi < sb[p].n ->
		if
		:: sb[p].addr[sbi] == a -> r = sb[p].val[sbi]
		:: else -> skip
		fi;
		sbi++
	:: else -> break
	od;
	sbi = 0;
	say_proc(p);
	printf(": load ");
	say_addr(a);
	printf(" = %d\n", r)
}

/* FULL FENCE (fence rw,rw; atomic_thread_fence(seq_cst)): drain the buffer. */
inline full_fence(p)
{
	sb[p].n == 0;
	say_proc(p);
	printf(": FULL FENCE done (store buffer empty)\n")
}

/* The memory subsystem: commit the oldest entry of some buffer. */
inline flush(p)
{
	d_step {
		sb[p].n > 0 ->
		mem[sb[p].addr[0]] = sb[p].val[0];
		printf("memory: commit ");
		say_proc(p);
		printf("'s ");
		sbi = sb[p].addr[0];
		say_addr(sbi);
		printf(" = %d (now visible)\n", sb[p].val[0]);
		sbi = 1;
		do
		:: sbi < sb[p].n ->
			sb[p].addr[sbi - 1] = sb[p].addr[sbi];
			sb[p].val[sbi - 1] = sb[p].val[sbi];
			sbi++
		:: else -> break
		od;
		sb[p].n--;
		sb[p].addr[sb[p].n] = 0;
		sb[p].val[sb[p].n] = 0;
		sbi = 0
	}
}

active proctype memory()
{
end:
	do
	:: flush(0)
	:: flush(1)
	:: flush(2)
	od
}

/* ---- lost wake-up monitor -------------------------------------------- */

/*
 * A lost wake-up: a receiver sleeps, no doorbell bit is pending for it, and
 * an entry is pending for it whose producer has already decided not to ring
 * (so no doorbell is coming either).
 */
#define SRV_LOST(c) (submitted[c] > taken[c] && !cl_owes[c])
#define CL_LOST(c) (cl_asleep[c] && !cl_pend[c] && replied[c] > received[c] && !sv_owes[c])
#define LOST \
	((srv_asleep && srv_pend == 0 && (SRV_LOST(0) || SRV_LOST(1))) || CL_LOST(0) || CL_LOST(1))

active proctype monitor()
{
end:
	atomic {
		LOST -> lost_wakeup = true;
		printf("LOST WAKE-UP: a receiver sleeps with work pending and no doorbell pending or coming\n")
	};
	assert(!lost_wakeup)
}

/*
 * Granularity. Each load, each store-buffer commit (memory process), each
 * doorbell ring and each wake is its own atomic step: those are the actions
 * another process can observe or race with. Issuing a store into the own
 * buffer is invisible to everyone else until the memory process commits it,
 * so it shares a step with the local work before it; a FULL FENCE is a guard
 * (own buffer empty) on the load that follows it, which is exact because
 * nothing but the process itself can add to its buffer.
 *
 * Polling. A poll that finds its queue empty changes nothing, so the model
 * keeps only the polls that find work: "take from queue q" is one step,
 * enabled when q's tail (as this process would load it) is past its head.
 * A consumer may take that step whenever it is enabled or give up and start
 * the sleep protocol at any moment, which covers every number of empty polls
 * before either. The re-check after the fence is different: there an empty
 * result decides to sleep, so it is modelled as real loads of every queue.
 *
 * A process reads only words the other side writes, so its own buffer never
 * holds them and a load of them is a read of mem[] (load() is kept general
 * all the same).
 */

/* ---- server ---------------------------------------------------------- */

/* Reply room of channel c: DEPTH - held - unread replies (as last seen). */
#define ROOM(ch) (DEPTH - nh[ch] - (rtail[ch] - rseen[ch]))

/*
 * Take the oldest request of channel c; its tag is its queue index. A
 * malformed one is not held: bad is set and the caller answers it.
 */
inline server_take()
{
	tag = head[c];
	assert(tag < NREQ && ROOM(c) > 0);
	assert((held[c] & (1 << tag)) == 0 && (answered_mask[c] & (1 << tag)) == 0);
	head[c]++;
	taken[c] = head[c];
	if
	:: req_bad[c * NREQ + tag] -> bad = true;
		printf("server: take malformed request %d of channel %d\n", tag, c)
	:: else ->
		held[c] = held[c] | (1 << tag);
		nheld++;
		nh[c]++;
		printf("server: take request %d of channel %d\n", tag, c);
		tag = 0
	fi
}

/*
 * Publish the reply to request `tag` of channel c (room was reserved at
 * take), then the producer's doorbell rule.
 */
inline server_post()
{
	atomic {
		store(SRV, RESP_TAIL(c), rtail[c] + 1);
		resp_slot[c * NREQ + rtail[c]] = tag;
		rtail[c]++;
		replied[c] = rtail[c];
		sv_owes[c] = true;
		answered_mask[c] = answered_mask[c] | (1 << tag);
		answered++;
		printf("server: reply to request %d of channel %d\n", tag, c);
		tag = 0
	};
	d_step {
#ifndef NO_PRODUCER_FENCE
		full_fence(SRV);
#endif
		load(SRV, CSLEEP(c), v);
		if
		:: v == 0 -> sv_owes[c] = false
		:: else -> skip
		fi
	};
	if
	:: v != 0 ->
		d_step { /* reach: server rings a client */
			cl_pend[c] = true;
			sv_owes[c] = false;
			v = 0;
			printf("server: ring client %d's doorbell\n", c)
		}
	:: else -> skip
	fi
}

/* Answer the malformed request just taken (tag) with an error status. */
inline server_answer_bad()
{
	d_step { /* reach: server answers a malformed request */
		bad = false;
		printf("server: answer malformed request %d of channel %d\n", tag, c)
	};
	server_post()
}

/* Reply to any held request (out of order allowed), then maybe ring. */
inline server_reply()
{
	/*
	 * Tag 1 has two branches (same effect) so that a reply overtaking the
	 * held request 0 is a statement of its own (the printf), checked to be
	 * reachable.
	 */
	d_step {
		nheld > 0 ->
		if
		:: held[0] != 0 -> c = 0
		:: held[1] != 0 -> c = 1
		fi;
		if
		:: held[c] & 1 -> tag = 0
		:: (held[c] & 3) == 2 -> tag = 1
		:: (held[c] & 3) == 3 ->
			printf("server: request 1 overtakes request 0\n");
			tag = 1 /* reach: server replies out of order */
		:: held[c] & 4 -> tag = 2
		:: held[c] & 8 -> tag = 3
		fi;
		held[c] = held[c] & ~(1 << tag);
		nheld--;
		nh[c]--
	};
	server_post();
	c = 0
}

/*
 * A poll that finds a request on a channel takes it: with reply room by
 * the cached client head, else by the client's head loaded first (the C
 * order); a malformed one is answered. One copy for both channels (atomic,
 * not d_step, keeps the choice nondeterministic), so that each marked
 * statement of server_answer_bad has one copy to reach.
 */
#define TAKEABLE(ch) \
	((ROOM(ch) > 0 || mem[RESP_HEAD(ch)] > rseen[ch]) && mem[REQ_TAIL(ch)] > head[ch])

inline server_poll_take()
{
	atomic {
		nheld < HOLD && (TAKEABLE(0) || TAKEABLE(1)) ->
		if
		:: TAKEABLE(0) -> c = 0
		:: TAKEABLE(1) -> c = 1
		fi;
		if
		:: ROOM(c) == 0 -> rseen[c] = mem[RESP_HEAD(c)]
		:: else -> skip
		fi;
		server_take()
	};
	if
	:: bad -> server_answer_bad()
	:: else -> skip
	fi;
	c = 0
}

/*
 * The re-check of channel ch, in the C code's load order: reply room first
 * (the client's head loaded only when the cached room is 0; no room: the
 * tail is not loaded), then the request tail. w: takeable work.
 */
inline server_recheck(ch, w)
{
	d_step {
		if
		:: ROOM(ch) == 0 ->
			load(SRV, RESP_HEAD(ch), t);
			rseen[ch] = t;
			t = 0
		:: else -> skip
		fi
	};
	if
	:: ROOM(ch) == 0 ->
		t = 0;
		printf("server: re-check: no reply room on channel %d\n", ch) /* reach: server re-check finds no reply room */
	:: else -> skip
	fi;
	d_step {
		if
		:: ROOM(ch) > 0 ->
			load(SRV, REQ_TAIL(ch), t);
			w = t > head[ch];
			t = 0
		:: else -> w = false
		fi
	}
}

#ifdef RING_ME_STAYS
/* server_recheck without its narration of "no room" (which is marked to
 * be reached, and client 1's channel, one request at a time, finds room
 * by the reloaded head always: pan reports unreached code by line, for
 * every copy of an inline). */
inline server_recheck_sync(ch, w)
{
	d_step {
		if
		:: ROOM(ch) == 0 ->
			load(SRV, RESP_HEAD(ch), t);
			rseen[ch] = t;
			t = 0
		:: else -> skip
		fi
	};
	d_step {
		if
		:: ROOM(ch) > 0 ->
			load(SRV, REQ_TAIL(ch), t);
			w = t > head[ch];
			t = 0
		:: else -> w = false
		fi
	}
}

#ifdef NO_SERVER_WAIT_FENCE
#define SERVER_FENCE skip
#else
#define SERVER_FENCE full_fence(SRV)
#endif
/*
 * Nothing held and requests still to come: "ring me" up where it is not
 * (then the fence), a look at both channels, and a sleep when they hold
 * nothing takeable; "ring me" stays up. Returns after taking a request the
 * look saw, or after a wake (the main loop polls again).
 */
inline server_sleep()
{
	atomic {
		nheld == 0 && answered < TOTAL ->
		if
		:: !up ->
			store(SRV, SSLEEP(0), 1);
			store(SRV, SSLEEP(1), 1);
			fresh = true
		:: else -> skip
		fi
	};
	if
	:: fresh ->
		SERVER_FENCE;
		up = true;
		fresh = false
#ifdef RING_ME_NO_LOOK
	:: else -> goto srv_stay_sleep
#else
	:: else -> skip
#endif
	fi;
	server_recheck(0, w0);
	server_recheck_sync(1, w1);
	if
	:: w0 || w1 ->
		if
		:: w0 -> c = 0
		:: w1 -> c = 1
		fi;
		d_step { /* reach: server look with ring me up finds a request */
			server_take();
			printf("server: look finds a request (ring me stays up)\n")
		};
		if
		:: bad -> server_answer_bad()
		:: else -> skip
		fi;
		w0 = false;
		w1 = false;
		c = 0
	:: else ->
srv_stay_sleep:
		atomic {
			srv_asleep = true;
			printf("server: queues empty: sleep, ring me up\n"); /* reach: server sleeps with ring me up */
			srv_pend != 0 ->
			printf("server: wake (pending bits %d)\n", srv_pend);
			srv_pend = 0; /* reach: server wakes with ring me up */
			srv_asleep = false
		}
	fi
}
#else
/*
 * Nothing held and requests still to come: the sleep protocol on both
 * channels. Returns after taking a request seen by the re-check, or after a
 * wake (the main loop polls again).
 */
inline server_sleep()
{
	atomic {
		nheld == 0 && answered < TOTAL ->
		store(SRV, SSLEEP(0), 1);
		store(SRV, SSLEEP(1), 1)
	};
#ifdef NO_SERVER_WAIT_FENCE
#define SERVER_FENCE skip
#else
#define SERVER_FENCE full_fence(SRV)
#endif
#ifndef NO_RECHECK
	SERVER_FENCE;
	server_recheck(0, w0);
	server_recheck(1, w1);
	if
	:: w0 || w1 ->
		if
		:: w0 -> c = 0
		:: w1 -> c = 1
		fi;
		d_step { /* reach: server re-check finds a request */
			server_take();
			printf("server: re-check finds a request\n")
		};
		if
		:: bad ->
			server_answer_bad();
#ifdef MALFORMED_SLEEPS
			/* The library before issue 17: the other channel is still
			 * visited; nothing there, and it sleeps. */
			if
			:: (c == 0 && w1) || (c == 1 && w0) ->
				c = 1 - c;
				d_step { server_take() };
				w0 = false;
				w1 = false;
				c = 0;
				atomic { store(SRV, SSLEEP(0), 0); store(SRV, SSLEEP(1), 0) }
			:: else ->
				w0 = false;
				w1 = false;
				c = 0;
				goto srv_sleep
			fi
#else
			/* Progress: no sleep; the entry behind may be valid and its
			 * producer saw no "ring me". */
			printf("server: answered a malformed request: no sleep\n"); /* reach: server does not sleep after a malformed request */
			w0 = false;
			w1 = false;
			c = 0;
			atomic { store(SRV, SSLEEP(0), 0); store(SRV, SSLEEP(1), 0) }
#endif
		:: else ->
			w0 = false;
			w1 = false;
			c = 0;
			atomic { store(SRV, SSLEEP(0), 0); store(SRV, SSLEEP(1), 0) }
		fi
	:: else ->
srv_sleep:
		atomic {
			srv_asleep = true;
			printf("server: queues empty: sleep\n"); /* reach: server sleeps */
			srv_pend != 0 ->
			printf("server: wake (pending bits %d)\n", srv_pend);
			srv_pend = 0; /* reach: server wakes */
			srv_asleep = false;
			store(SRV, SSLEEP(0), 0);
			store(SRV, SSLEEP(1), 0)
		}
	fi
#else
	d_step { SERVER_FENCE; srv_asleep = true; printf("server: sleep\n") };
	atomic {
		srv_pend != 0 ->
		printf("server: wake (pending bits %d)\n", srv_pend);
		srv_pend = 0;
		srv_asleep = false;
		store(SRV, SSLEEP(0), 0);
		store(SRV, SSLEEP(1), 0)
	}
#endif
}
#endif

active proctype server()
{
	byte head[NCLIENT];  /* next request to take, per channel */
	byte rtail[NCLIENT]; /* response tail, per channel */
	byte held[NCLIENT];  /* bit t: request t of channel c taken, unanswered */
	byte nh[NCLIENT];    /* requests of channel c held */
	byte rseen[NCLIENT]; /* the client's response head as last loaded */
	byte nheld, answered, c, tag, t, v;
	bool w0, w1, bad;
#ifdef RING_ME_STAYS
	bool up, fresh; /* "ring me" up on both channels (fenced); just stored */
#endif

	do
	:: answered == TOTAL -> break
	:: server_reply()
	:: server_poll_take()
	:: server_sleep()
	od;
	assert(head[0] == NREQ && head[1] == NREQ);
	assert(rtail[0] == NREQ && rtail[1] == NREQ);
	finished++
}

/* ---- clients --------------------------------------------------------- */

/* Publish request number sent on channel me, then maybe ring. */
inline client_submit()
{
#ifdef RING_ME_STAYS
#define ONE_AT_A_TIME && (me == 0 || sent == head)
#else
#define ONE_AT_A_TIME
#endif
	d_step {
		sent < NREQ && sent - head < DEPTH && sb[p].n < SBSIZE ONE_AT_A_TIME ->
#ifndef NO_MALFORMED
		req_bad[me * NREQ + sent] = me == 0 && sent == 0;
#endif
		store(p, REQ_TAIL(me), sent + 1);
		outstanding = outstanding | (1 << sent);
		sent++;
		submitted[me] = sent;
		cl_owes[me] = true;
		printf("client %d: submitted request %d\n", me, sent - 1)
	};
	d_step {
#ifndef NO_PRODUCER_FENCE
		full_fence(p);
#endif
		load(p, SSLEEP(me), v);
		if
		:: v == 0 -> cl_owes[me] = false
		:: else -> skip
		fi
	};
	if
	:: v != 0 ->
		d_step { /* reach: client rings the server */
			srv_pend = srv_pend | (1 << me);
			cl_owes[me] = false;
			v = 0;
			printf("client %d: ring the server's doorbell\n", me)
		}
	:: else -> skip
	fi
}

/* Take the oldest reply: it must answer an outstanding request. */
inline client_take()
{
	tag = resp_slot[me * NREQ + head];
	assert((outstanding & (1 << tag)) != 0);
	outstanding = outstanding & ~(1 << tag);
	head++;
	received[me] = head;
	store(p, RESP_HEAD(me), head);
	printf("client %d: reply for request %d\n", me, tag);
	tag = 0
}

#ifdef RING_ME_STAYS
/* Waiting for a reply with "ring me" up: sleep (no look, no fence
 * before it), then one look. */
inline client_sleep_up()
{
	atomic {
		me == 1 && up && sent > head ->
		cl_asleep[me] = true;
		printf("client %d: sleep with ring me up, no look\n", me); /* reach: client sleeps with ring me up */
		cl_pend[me] ->
		printf("client %d: wake\n", me);
		cl_pend[me] = false; /* reach: client wakes with ring me up */
		cl_asleep[me] = false
	};
	d_step {
		sb[p].n < SBSIZE ->
		load(p, RESP_TAIL(me), t);
		if
		:: t > head -> client_take()
		:: else -> skip
		fi;
		t = 0
	}
}
#endif

/* Waiting for a reply: the sleep protocol on the own channel. */
#ifdef RING_ME_STAYS
#define CLASSIC_CLIENT && me == 0
#else
#define CLASSIC_CLIENT
#endif
inline client_sleep()
{
	d_step {
		sent > head && sb[p].n < SBSIZE CLASSIC_CLIENT ->
		store(p, CSLEEP(me), 1)
	};
#ifdef NO_CLIENT_WAIT_FENCE
#define CLIENT_FENCE skip
#else
#define CLIENT_FENCE full_fence(p)
#endif
#ifndef NO_RECHECK
	atomic {
		CLIENT_FENCE;
		load(p, RESP_TAIL(me), t);
		if
		:: t > head ->
			t = 0;
			printf("client %d: re-check finds a reply\n", me); /* reach: client re-check finds a reply */
			client_take();
			store(p, CSLEEP(me), 0)
		:: else ->
			cl_asleep[me] = true;
			printf("client %d: no reply: sleep\n", me); /* reach: client sleeps */
			cl_pend[me] ->
			printf("client %d: wake\n", me);
			cl_pend[me] = false; /* reach: client wakes */
			cl_asleep[me] = false;
			store(p, CSLEEP(me), 0)
		fi
	}
#else
	d_step { CLIENT_FENCE; cl_asleep[me] = true; printf("client %d: sleep\n", me) };
	atomic {
		cl_pend[me] ->
		printf("client %d: wake\n", me);
		cl_pend[me] = false;
		cl_asleep[me] = false;
		store(p, CSLEEP(me), 0)
	}
#endif
}

proctype client(byte me)
{
	byte p = me + 1;
	byte sent, head;  /* requests published; replies taken */
	byte outstanding; /* bit t: request t submitted, not yet answered */
	byte t, v, tag;
#ifdef RING_ME_STAYS
	bool up; /* client 1: "ring me" stored */
#ifndef RING_ME_LATE
	if
	:: me == 1 -> d_step { store(p, CSLEEP(me), 1); up = true }
	:: else -> skip
	fi;
#endif
#endif

	do
	:: head == NREQ -> break
	:: client_submit()
	:: d_step { mem[RESP_TAIL(me)] > head && sb[p].n < SBSIZE -> client_take() }
	:: client_sleep()
#ifdef RING_ME_STAYS
	:: client_sleep_up()
#endif
#ifdef RING_ME_LATE
	:: d_step { me == 1 && !up && sb[p].n < SBSIZE -> store(p, CSLEEP(me), 1); up = true }
#endif
	od;
	assert(outstanding == 0 && sent == NREQ);
	finished++
}

init
{
	atomic {
		run client(0);
		run client(1)
	}
}

#ifdef LTL_CHECK
/* Every run ends with every request answered (no deadlock, no livelock). */
ltl all_answered { <> (finished == NCLIENT + 1) }
#endif
