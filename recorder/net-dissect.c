/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Packet dissector: link layer -> IP -> TCP/UDP.
 *
 * Specs followed: IEEE 802.3 / 802.1Q (VLAN, QinQ 0x88a8, legacy 0x9100),
 * Linux cooked capture v1 and v2 (tcpdump.org/linktypes/LINKTYPE_LINUX_SLL*),
 * RFC 791 (IPv4), RFC 8200 (IPv6 and its extension headers), RFC 4302 (AH
 * length in 4-byte units), RFC 9293 (TCP), RFC 768 (UDP).
 *
 * Every read goes through the cursor below, which knows how many captured
 * bytes are left; lengths from headers are checked against what the wire
 * length allows before they are used.
 */
#include <string.h>

#include "net-dissect.h"

struct cur {
	const uint8_t *p;
	uint32_t cap;	/* captured bytes left */
	uint32_t wire;	/* bytes left on the wire (>= cap) */
};

static inline uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline bool cur_has(const struct cur *c, uint32_t n)
{
	return c->cap >= n;
}

static inline void cur_skip(struct cur *c, uint32_t n)
{
	c->p += n;
	c->cap -= n;
	c->wire -= n;
}

/* Cut the view to n wire bytes (a length field said so). */
static inline void cur_limit(struct cur *c, uint32_t n)
{
	if (c->wire > n)
		c->wire = n;
	if (c->cap > n)
		c->cap = n;
}

#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86dd
#define ETH_VLAN 0x8100
#define ETH_QINQ 0x88a8
#define ETH_QINQ_OLD 0x9100

enum { P_HOPOPTS = 0, P_IPIP = 4, P_TCP = 6, P_UDP = 17, P_IPV6 = 41, P_ROUTING = 43,
       P_FRAGMENT = 44, P_ESP = 50, P_AH = 51, P_NONE = 59, P_DSTOPTS = 60,
       P_MH = 135, P_HIP = 139, P_SHIM6 = 140 };

static int dissect_ip(struct cur *c, struct nd_packet *pkt, int want_version, int depth);

static int dissect_transport(struct cur *c, struct nd_packet *pkt)
{
	pkt->payload = c->p;
	pkt->payload_caplen = c->cap;
	pkt->payload_len = c->wire;
	if (pkt->proto == P_TCP) {
		/*
		 *  0      2      4          8          12   13    14     16
		 * +------+------+----------+----------+----+-----+------+----
		 * |sport |dport |   seq    |   ack    |off |flags| win  | ...
		 */
		uint32_t hlen;

		if (c->wire < 20)
			return ND_E_TCP_HLEN;
		if (!cur_has(c, 20))
			return ND_E_TCP_TRUNC;
		hlen = (uint32_t)(c->p[12] >> 4) * 4;
		if (hlen < 20 || hlen > c->wire)
			return ND_E_TCP_HLEN;
		pkt->sport = be16(c->p);
		pkt->dport = be16(c->p + 2);
		pkt->seq = be32(c->p + 4);
		pkt->ack = be32(c->p + 8);
		pkt->tcp_flags = c->p[13];
		pkt->win = be16(c->p + 14);
		pkt->has_ports = true;
		/* Options may be cut by the snap length: the fixed part is enough. */
		if (cur_has(c, hlen)) {
			cur_skip(c, hlen);
		} else {
			c->p += c->cap;
			c->wire -= hlen;
			c->cap = 0;
		}
	} else if (pkt->proto == P_UDP) {
		uint32_t ulen;

		if (!cur_has(c, 8))
			return c->wire < 8 ? ND_E_UDP_LEN : ND_E_UDP_TRUNC;
		ulen = be16(c->p + 4);
		/* ulen 0 is a jumbogram (RFC 2675) only over IPv6 jumbo payloads. */
		/* A first fragment carries the length of the whole datagram. */
		if (ulen < 8 || (ulen > c->wire && !pkt->frag))
			return ND_E_UDP_LEN;
		pkt->sport = be16(c->p);
		pkt->dport = be16(c->p + 2);
		pkt->has_ports = true;
		cur_limit(c, ulen);
		cur_skip(c, 8);
	} else {
		return 0;
	}
	pkt->payload = c->p;
	pkt->payload_caplen = c->cap;
	pkt->payload_len = c->wire;
	return 0;
}

static int dissect_ipv4(struct cur *c, struct nd_packet *pkt, int depth)
{
	/*
	 *  0       1       2       4       6         8     9       10     12    16
	 * +-------+-------+-------+-------+---------+-----+-------+------+-----+-----+
	 * |ver|ihl| tos   | total |  id   |flags|off| ttl |proto  | sum  | src | dst |
	 */
	uint32_t hlen, tot;
	uint16_t off;

	if (!cur_has(c, 20))
		return ND_E_IP_TRUNC;
	if (c->p[0] >> 4 != 4)
		return ND_E_IP_VERSION;
	hlen = (uint32_t)(c->p[0] & 0x0f) * 4;
	if (hlen < 20)
		return ND_E_IP_HLEN;
	tot = be16(c->p + 2);
	if (tot < hlen || tot > c->wire)
		return ND_E_IP_LEN;
	if (!cur_has(c, hlen))
		return ND_E_IP_TRUNC;
	off = be16(c->p + 6);
	if (depth == 0) {
		pkt->family = 4;
		pkt->src.family = pkt->dst.family = 4;
		memset(pkt->src.b, 0, sizeof(pkt->src.b));
		memset(pkt->dst.b, 0, sizeof(pkt->dst.b));
		memcpy(pkt->src.b, c->p + 12, 4);
		memcpy(pkt->dst.b, c->p + 16, 4);
		pkt->ttl = c->p[8];
	}
	pkt->proto = c->p[9];
	pkt->frag = (off & 0x3fff) != 0;	/* MF or an offset */
	cur_limit(c, tot);	/* drop Ethernet padding */
	cur_skip(c, hlen);
	if (off & 0x1fff) {	/* not the first fragment: no transport header */
		pkt->payload = c->p;
		pkt->payload_caplen = c->cap;
		pkt->payload_len = c->wire;
		return 0;
	}
	if (depth == 0 && (pkt->proto == P_IPIP || pkt->proto == P_IPV6) && !pkt->frag)
		return dissect_ip(c, pkt, pkt->proto == P_IPIP ? 4 : 6, depth + 1);
	return dissect_transport(c, pkt);
}

static int dissect_ipv6(struct cur *c, struct nd_packet *pkt, int depth)
{
	/*
	 *  0          4        6      7     8        24       40
	 * +----------+--------+------+-----+--------+--------+
	 * |ver|tc|flow| plen   | next | hop |  src   |  dst   |
	 */
	uint32_t plen;
	uint8_t nxt;

	if (!cur_has(c, 40))
		return c->wire < 40 ? ND_E_IP_LEN : ND_E_IP_TRUNC;
	if (c->p[0] >> 4 != 6)
		return ND_E_IP_VERSION;
	plen = be16(c->p + 4);
	nxt = c->p[6];
	if (depth == 0) {
		pkt->family = 6;
		pkt->src.family = pkt->dst.family = 6;
		memcpy(pkt->src.b, c->p + 8, 16);
		memcpy(pkt->dst.b, c->p + 24, 16);
		pkt->ttl = c->p[7];
	}
	cur_skip(c, 40);
	/* plen 0 with a hop-by-hop header may be a jumbogram: trust the wire. */
	if (plen == 0 && nxt == P_HOPOPTS)
		plen = c->wire;
	if (plen > c->wire)
		return ND_E_IP_LEN;
	cur_limit(c, plen);
	for (int n = 0;; n++) {
		uint32_t elen;

		switch (nxt) {
		case P_HOPOPTS:
		case P_ROUTING:
		case P_DSTOPTS:
		case P_MH:
		case P_HIP:
		case P_SHIM6:
			if (!cur_has(c, 2))
				return ND_E_IP6_EXT;
			elen = ((uint32_t)c->p[1] + 1) * 8;
			break;
		case P_AH:
			if (!cur_has(c, 2))
				return ND_E_IP6_EXT;
			elen = ((uint32_t)c->p[1] + 2) * 4;
			break;
		case P_FRAGMENT:
			if (!cur_has(c, 8))
				return ND_E_IP6_EXT;
			elen = 8;
			pkt->frag = true;
			if (be16(c->p + 2) & 0xfff8) {	/* offset != 0 */
				pkt->proto = c->p[0];
				cur_skip(c, 8);
				pkt->payload = c->p;
				pkt->payload_caplen = c->cap;
				pkt->payload_len = c->wire;
				return 0;
			}
			break;
		default:
			pkt->proto = nxt;
			if (depth == 0 && (nxt == P_IPIP || nxt == P_IPV6))
				return dissect_ip(c, pkt, nxt == P_IPIP ? 4 : 6, depth + 1);
			return dissect_transport(c, pkt);
		}
		if (n >= ND_EXT_MAX)
			return ND_E_IP6_EXT_DEPTH;
		if (!cur_has(c, elen))
			return ND_E_IP6_EXT;
		nxt = c->p[0];
		cur_skip(c, elen);
	}
}

/* Inner headers of a tunnel (depth 1) fill only the transport part: the
 * outer addresses stay, since they are what the host saw on the wire. */
static int dissect_ip(struct cur *c, struct nd_packet *pkt, int want_version, int depth)
{
	if (depth > 1)
		return ND_E_TUNNEL_DEPTH;
	if (depth)
		pkt->tunneled = true;
	if (!cur_has(c, 1))
		return ND_E_IP_TRUNC;
	if (want_version && c->p[0] >> 4 != want_version)
		return ND_E_IP_VERSION;
	switch (c->p[0] >> 4) {
	case 4:
		if (depth == 0)
			pkt->ethertype = ETH_IPV4;
		return dissect_ipv4(c, pkt, depth);
	case 6:
		if (depth == 0)
			pkt->ethertype = ETH_IPV6;
		return dissect_ipv6(c, pkt, depth);
	default:
		return ND_E_IP_VERSION;
	}
}

static int dissect_ethertype(struct cur *c, struct nd_packet *pkt, uint16_t type)
{
	if (type == ETH_IPV4)
		return dissect_ip(c, pkt, 4, 0);
	if (type == ETH_IPV6)
		return dissect_ip(c, pkt, 6, 0);
	return 0;	/* ARP, LLDP, ...: not ours, not an error */
}

static int dissect_ether(struct cur *c, struct nd_packet *pkt)
{
	uint16_t type;

	if (!cur_has(c, 14))
		return ND_E_LINK_TRUNC;
	type = be16(c->p + 12);
	cur_skip(c, 14);
	while (type == ETH_VLAN || type == ETH_QINQ || type == ETH_QINQ_OLD) {
		if (pkt->nvlan >= ND_VLAN_MAX)
			return ND_E_VLAN_DEPTH;
		if (!cur_has(c, 4))
			return ND_E_LINK_TRUNC;
		pkt->vlan[pkt->nvlan++] = be16(c->p) & 0x0fff;
		type = be16(c->p + 2);
		cur_skip(c, 4);
	}
	if (type < 0x0600)	/* 802.3 length field: LLC/SNAP, never IP for us */
		return 0;
	return dissect_ethertype(c, pkt, type);
}

static int dissect_null(struct cur *c, struct nd_packet *pkt, bool network_order)
{
	uint32_t af;

	if (!cur_has(c, 4))
		return ND_E_LINK_TRUNC;
	if (network_order) {
		af = be32(c->p);
	} else {
		memcpy(&af, c->p, 4);
		/* The writer's byte order: accept both (values are small). */
		if (af > 0xffff)
			af = __builtin_bswap32(af);
	}
	cur_skip(c, 4);
	switch (af) {
	case 2:
		return dissect_ip(c, pkt, 4, 0);
	case 10: case 24: case 28: case 30:	/* AF_INET6 of Linux, BSDs, macOS */
		return dissect_ip(c, pkt, 6, 0);
	default:
		return 0;
	}
}

int nd_dissect(int linktype, const uint8_t *p, uint32_t caplen, uint32_t len,
	       uint64_t time_ns, struct nd_packet *pkt)
{
	struct cur c = { p, caplen, len };

	memset(pkt, 0, sizeof(*pkt));
	pkt->time_ns = time_ns;
	pkt->caplen = caplen;
	pkt->len = len;
	if ((!p && caplen) || caplen > len)
		return ND_E_ARGS;
	switch (linktype) {
	case ND_LINK_EN10MB:
		return dissect_ether(&c, pkt);
	case ND_LINK_LINUX_SLL:
		/* pkttype(2) arphrd(2) addrlen(2) addr(8) protocol(2) */
		if (!cur_has(&c, 16))
			return ND_E_LINK_TRUNC;
		pkt->pkttype = (uint8_t)be16(c.p);
		{
			uint16_t type = be16(c.p + 14);

			cur_skip(&c, 16);
			return dissect_ethertype(&c, pkt, type);
		}
	case ND_LINK_LINUX_SLL2:
		/* protocol(2) reserved(2) ifindex(4) arphrd(2) pkttype(1) addrlen(1) addr(8) */
		if (!cur_has(&c, 20))
			return ND_E_LINK_TRUNC;
		pkt->ifindex = be32(c.p + 4);
		pkt->pkttype = c.p[10];
		{
			uint16_t type = be16(c.p);

			cur_skip(&c, 20);
			return dissect_ethertype(&c, pkt, type);
		}
	case ND_LINK_RAW:
	case ND_LINK_RAW_BSD:
	case ND_LINK_RAW_LT:
		return dissect_ip(&c, pkt, 0, 0);
	case ND_LINK_IPV4:
		return dissect_ip(&c, pkt, 4, 0);
	case ND_LINK_IPV6:
		return dissect_ip(&c, pkt, 6, 0);
	case ND_LINK_NULL:
		return dissect_null(&c, pkt, false);
	case ND_LINK_LOOP:
		return dissect_null(&c, pkt, true);
	default:
		return ND_E_LINKTYPE;
	}
}

bool nd_linktype_supported(int linktype)
{
	switch (linktype) {
	case ND_LINK_EN10MB: case ND_LINK_LINUX_SLL: case ND_LINK_LINUX_SLL2:
	case ND_LINK_RAW: case ND_LINK_RAW_BSD: case ND_LINK_RAW_LT:
	case ND_LINK_IPV4: case ND_LINK_IPV6: case ND_LINK_NULL: case ND_LINK_LOOP:
		return true;
	default:
		return false;
	}
}

const char *nd_strerror(int err)
{
	switch (err) {
	case 0: return "ok";
	case ND_E_LINKTYPE: return "unsupported link type";
	case ND_E_LINK_TRUNC: return "truncated link-layer header";
	case ND_E_VLAN_DEPTH: return "too many vlan tags";
	case ND_E_IP_TRUNC: return "truncated ip header";
	case ND_E_IP_VERSION: return "bad ip version";
	case ND_E_IP_HLEN: return "bad ip header length";
	case ND_E_IP_LEN: return "ip length exceeds packet";
	case ND_E_IP6_EXT: return "truncated or bad ipv6 extension header";
	case ND_E_IP6_EXT_DEPTH: return "too many ipv6 extension headers";
	case ND_E_TCP_TRUNC: return "truncated tcp header";
	case ND_E_TCP_HLEN: return "bad tcp header length";
	case ND_E_UDP_TRUNC: return "truncated udp header";
	case ND_E_UDP_LEN: return "bad udp length";
	case ND_E_TUNNEL_DEPTH: return "tunnels nested too deep";
	case ND_E_ARGS: return "bad packet arguments";
	default: return "unknown dissector error";
	}
}
