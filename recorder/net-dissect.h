/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NET_DISSECT_H
#define NET_DISSECT_H

/*
 * net-dissect: decode one captured packet down to its transport header.
 * Pure C over a byte buffer: no libpcap calls, no allocation, no I/O, so the
 * same code runs on live captures, on pcap files and under the fuzzer.
 *
 * Link layers: Ethernet (with up to ND_VLAN_MAX 802.1Q/802.1ad tags), Linux
 * cooked SLL and SLL2, raw IP (DLT_RAW, LINKTYPE_IPV4/IPV6), BSD loopback
 * (DLT_NULL, DLT_LOOP). Network: IPv4 (options, fragments), IPv6 (extension
 * header chain, at most ND_EXT_MAX headers), IP-in-IP once. Transport: TCP
 * and UDP headers.
 *
 * Invariants:
 *  - nd_dissect() never reads outside p[0..caplen);
 *  - on success pkt->payload points into p and payload[0..payload_caplen)
 *    are captured bytes; payload_len is the length the headers claim on the
 *    wire (>= payload_caplen when the capture was cut by the snap length);
 *  - ports and TCP fields are valid only when pkt->has_ports (not for
 *    non-first fragments or other protocols).
 *
 * Ownership: struct nd_packet borrows p; it is valid as long as p is.
 */

#include <stdbool.h>
#include <stdint.h>

#include "fdr-event.h"

/* Link types we decode (DLT_* values of libpcap on Linux). */
enum {
	ND_LINK_NULL = 0,	/* DLT_NULL: 4-byte host-order AF */
	ND_LINK_EN10MB = 1,	/* Ethernet */
	ND_LINK_RAW = 12,	/* DLT_RAW on Linux */
	ND_LINK_RAW_BSD = 14,	/* DLT_RAW on OpenBSD */
	ND_LINK_RAW_LT = 101,	/* LINKTYPE_RAW in files */
	ND_LINK_LOOP = 108,	/* DLT_LOOP: 4-byte network-order AF */
	ND_LINK_LINUX_SLL = 113,
	ND_LINK_IPV4 = 228,
	ND_LINK_IPV6 = 229,
	ND_LINK_LINUX_SLL2 = 276,
};

#define ND_VLAN_MAX 4
#define ND_EXT_MAX 8

/* TCP flags (as in the header). */
enum {
	ND_TH_FIN = 0x01,
	ND_TH_SYN = 0x02,
	ND_TH_RST = 0x04,
	ND_TH_PUSH = 0x08,
	ND_TH_ACK = 0x10,
	ND_TH_URG = 0x20,
};

/* Errors: what was wrong with the packet (nd_strerror()). */
enum nd_error {
	ND_E_LINKTYPE = -1,	/* link type not supported */
	ND_E_LINK_TRUNC = -2,	/* link header truncated */
	ND_E_VLAN_DEPTH = -3,	/* too many VLAN tags */
	ND_E_IP_TRUNC = -4,	/* IP header truncated */
	ND_E_IP_VERSION = -5,	/* IP version does not match */
	ND_E_IP_HLEN = -6,	/* IPv4 header length < 20 */
	ND_E_IP_LEN = -7,	/* IP total/payload length inconsistent */
	ND_E_IP6_EXT = -8,	/* IPv6 extension header truncated or bad */
	ND_E_IP6_EXT_DEPTH = -9,	/* too many IPv6 extension headers */
	ND_E_TCP_TRUNC = -10,	/* TCP header truncated */
	ND_E_TCP_HLEN = -11,	/* TCP data offset bad */
	ND_E_UDP_TRUNC = -12,	/* UDP header truncated */
	ND_E_UDP_LEN = -13,	/* UDP length bad */
	ND_E_TUNNEL_DEPTH = -14,	/* IP in IP nested too deep */
	ND_E_ARGS = -15,	/* caplen > len or NULL buffer */
};

/* A decoded packet. */
struct nd_packet {
	uint64_t time_ns;
	uint32_t caplen, len;		/* as given */
	uint16_t ethertype;		/* of the outermost IP layer; 0 when not IP */
	uint8_t pkttype;		/* SLL/SLL2 packet type (0 host, 4 outgoing); 0 otherwise */
	uint8_t nvlan;
	uint16_t vlan[ND_VLAN_MAX];	/* VLAN ids, outermost first */
	uint32_t ifindex;		/* SLL2 interface index; 0 otherwise */

	uint8_t family;			/* 4, 6, or 0 when not IP */
	uint8_t proto;			/* IP protocol of the transport (after extension headers) */
	uint8_t ttl;
	bool frag;			/* part of a fragmented datagram */
	bool tunneled;			/* ports are of an inner IP-in-IP header */
	bool has_ports;			/* TCP/UDP header decoded */
	struct fdr_addr src, dst;

	uint16_t sport, dport;
	uint8_t tcp_flags;		/* ND_TH_* */
	uint32_t seq, ack;
	uint16_t win;

	const uint8_t *payload;		/* transport payload (or IP payload without ports) */
	uint32_t payload_caplen;	/* captured bytes of it */
	uint32_t payload_len;		/* its length on the wire per the headers */
};

#define ND_PACKET_INIT { 0 }

/* Decode p[0..caplen) (len on the wire) of link type linktype into *pkt.
 * Returns 0 (also for packets that are not IP, pkt->family == 0, and for IP
 * protocols other than TCP/UDP, pkt->has_ports false), or an enum nd_error. */
int nd_dissect(int linktype, const uint8_t *p, uint32_t caplen, uint32_t len,
	       uint64_t time_ns, struct nd_packet *pkt);

/* True when nd_dissect() knows the link type. */
bool nd_linktype_supported(int linktype);

/* A short lowercase text for an enum nd_error ("truncated tcp header"). */
const char *nd_strerror(int err);

#endif
