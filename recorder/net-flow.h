/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NET_FLOW_H
#define NET_FLOW_H

/*
 * net-flow: a bounded flow table that turns dissected packets (net-dissect.h)
 * into fdr events: net.connect, net.accept, net.close, dns.query and
 * dns.answer (DESIGN.md "JSON lines").
 *
 * TCP: a SYN opens a flow (the sender is the client). The client's side
 * gets net.connect when it is local (or when neither side is: forwarded
 * traffic is still a connection attempt someone made); the server's side
 * gets net.accept when the SYN-ACK shows a local server answered. A SYN-ACK
 * whose SYN was missed opens the flow too. FIN from both sides or a RST gives
 * net.close; its bytes are the sequence-number distance between SYN and
 * FIN/RST of each side (what Zeek reports as orig_bytes/resp_bytes), so they
 * are right even when a kernel filter passed only SYN/FIN/RST packets.
 * A FIN or RST of an unknown flow gives a net.close marked FDR_EVF_UNCERTAIN
 * with the lower port taken as the server.
 * UDP: the first datagram of a 5-tuple is a flow start (net.connect with
 * proto "udp", or net.accept when the receiver is local); an idle timeout
 * closes it with bytes and packets.
 * DNS: UDP or TCP with port 53 on either side is decoded (TCP: each
 * length-prefixed message wholly inside one segment); queries give dns.query,
 * responses dns.answer.
 *
 * Packets and payload byte counts of TCP are reported only when
 * cfg.all_packets says every packet of a flow reaches the table (offline, no
 * filter); UDP ones always (a filter cannot select UDP by state).
 *
 * One packet seen on several interfaces (a veth and its bridge) counts once:
 * a flow counts packets of the interface it was first seen on, and a DNS
 * message repeated within 50 ms on another interface is not reported again.
 *
 * Memory: at most cfg.max_flows flows; when full the least recently seen
 * flow is closed (net.close with reason "evicted") to make room. Flows idle
 * longer than their timeout close at nf_expire() with reason "idle" (TCP:
 * marked FDR_EVF_UNCERTAIN, since a filtered capture sees no packets of an
 * established connection).
 *
 * Ownership: events passed to the callback and the strings in them are
 * valid during the call only.
 */

#include <stdbool.h>
#include <stdint.h>

#include "fdr-event.h"
#include "net-dissect.h"

struct nf_table;

/* Which side of an event is local, for the caller's attribution. */
enum nf_side { NF_SIDE_NONE = 0, NF_SIDE_SRC = 1, NF_SIDE_DST = 2 };

/* What the callback gets beside the event. */
struct nf_info {
	enum nf_side local;	/* the side the event belongs to (client for connect, ...) */
	const char *iface;	/* capture interface name, or NULL */
	uint32_t ifindex;	/* capture interface index, or 0 */
	uint64_t cookie;	/* the value given with the flow's first packet */
	uint64_t *tag;		/* the flow's own value (0 at first), kept between its
				 * events for the caller (e.g. the owning pid), one per
				 * side (on loopback client and server are both local);
				 * NULL for events without a flow */
};

typedef void (*nf_emit_fn)(void *arg, const struct fdr_event *ev, const struct nf_info *info);
/* Is this address one of this host's (or one of its containers')? */
typedef bool (*nf_local_fn)(void *arg, const struct fdr_addr *a);

struct nf_config {
	uint32_t max_flows;		/* 0: 65536 */
	uint64_t tcp_idle_ns;		/* 0: 2 hours */
	uint64_t udp_idle_ns;		/* 0: 60 s */
	bool all_packets;		/* every packet reaches the table: count packets/bytes */
	bool dns;			/* decode port 53 */
	nf_emit_fn emit;
	nf_local_fn is_local;		/* NULL: the client side is local */
	void *arg;			/* for emit and is_local */
};

#define NF_CONFIG_INIT { 0, 0, 0, false, true, NULL, NULL, NULL }

/* Counters (monotonic). */
struct nf_stats {
	uint64_t packets, flows, evicted, expired;
	uint64_t dns_msgs, dns_errors, dns_partial;
	int last_dns_error;		/* enum ndns_error of the last failure */
};

/* A table with room for cfg->max_flows flows; NULL when out of memory. */
struct nf_table *nf_new(const struct nf_config *cfg);
/* Close nothing, free everything (call nf_flush() first to emit closes). */
void nf_free(struct nf_table *t);

/* Account one dissected packet seen on iface (borrowed for the call). */
void nf_packet(struct nf_table *t, const struct nd_packet *pkt, const char *iface,
	       uint32_t ifindex, uint64_t cookie);
/* Close flows idle since before now_ns minus their timeout. */
void nf_expire(struct nf_table *t, uint64_t now_ns);
/* Close every open flow (reason "flush", FDR_EVF_UNCERTAIN for TCP). */
void nf_flush(struct nf_table *t, uint64_t now_ns);

/* Current number of open flows. */
uint32_t nf_count(const struct nf_table *t);
const struct nf_stats *nf_stats(const struct nf_table *t);

#endif
