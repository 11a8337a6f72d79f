/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Flow table: a fixed array of flows, a hash of chains over it (the key is
 * the unordered pair of endpoints, so both directions find the flow), and one
 * least-recently-seen list per protocol so idle expiry and eviction are O(1)
 * per flow. No allocation after nf_new().
 *
 * Why sequence numbers for bytes: the live kernel filter passes only
 * SYN/FIN/RST of TCP, so counting payload is impossible there; but FIN and
 * RST carry the sender's next sequence number, and its distance from the ISN
 * of the SYN is exactly the bytes that side sent (RFC 9293 3.4), which is
 * also how Zeek computes orig_bytes/resp_bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "net-dns.h"
#include "net-flow.h"

#define NIL UINT32_MAX
#define DNS_PORT 53

enum { L_TCP = 0, L_UDP = 1, L_CLOSED = 2, L_N };

#define LINGER_NS (5ull * 1000000000ull)	/* keep a closed TCP flow to absorb its last ACKs */

struct flow {
	struct fdr_addr cli, srv;
	uint16_t cport, sport;
	uint8_t proto;
	bool used;
	bool cli_local, srv_local;
	bool connect_done, accept_done;
	bool midstream;		/* opened without a SYN: orientation guessed */
	bool has_cisn, has_sisn, has_cend, has_send;
	bool cfin, sfin;
	bool closed;		/* close emitted; lingering in L_CLOSED */
	uint32_t cisn, sisn, cend, send;
	uint64_t first_ns, last_ns;
	uint64_t pkts, bytes;
	uint32_t hnext;
	uint32_t prev, next;	/* LRU list of its protocol */
	uint32_t ifindex;
	uint64_t cookie;
	uint64_t tag;		/* the caller's value for the client side (and DNS) */
	uint64_t stag;		/* ... for the server side: on loopback both are local */
	uint64_t dns_ns;	/* last DNS message: time, id and qr, interface */
	uint32_t dns_key;
	uint32_t dns_ifindex;
	char iface[16];
};

struct lru {
	uint32_t head, tail;	/* head = least recently seen */
	uint64_t idle_ns;
};

struct nf_table {
	struct nf_config cfg;
	struct nf_stats st;
	uint32_t max, count, nbuckets, free_head, high_water;
	uint32_t *buckets;
	struct flow *flows;
	struct lru lru[L_N];
	struct ndns_msg dns;	/* scratch, too large for the stack of a callback chain */
};

static uint32_t endpoint_hash(const struct fdr_addr *a, uint16_t port)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ port ^ ((uint64_t)a->family << 16);
	uint64_t w[2];

	memcpy(w, a->b, 16);
	h = (h ^ w[0]) * 0xff51afd7ed558ccdull;
	h = (h ^ w[1]) * 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return (uint32_t)h;
}

static uint32_t flow_hash(const struct nf_table *t, const struct nd_packet *p)
{
	/* Sum, so that both directions hash alike. */
	uint32_t h = endpoint_hash(&p->src, p->sport) + endpoint_hash(&p->dst, p->dport) + p->proto;

	return h & (t->nbuckets - 1);
}

static bool addr_eq(const struct fdr_addr *a, const struct fdr_addr *b)
{
	return a->family == b->family && !memcmp(a->b, b->b, a->family == 4 ? 4 : 16);
}

struct nf_table *nf_new(const struct nf_config *cfg)
{
	struct nf_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->cfg = *cfg;
	t->max = cfg->max_flows ? cfg->max_flows : 65536;
	if (t->max > (1u << 24))
		t->max = 1u << 24;
	t->nbuckets = 1;
	while (t->nbuckets < t->max)
		t->nbuckets <<= 1;
	t->buckets = malloc(sizeof(*t->buckets) * t->nbuckets);
	t->flows = calloc(t->max, sizeof(*t->flows));
	if (!t->buckets || !t->flows)
		goto out_free;
	for (uint32_t i = 0; i < t->nbuckets; i++)
		t->buckets[i] = NIL;
	/* Slots past high_water were never used: taking them in order keeps
	 * untouched pages of the array untouched (no start-up cost). */
	t->free_head = NIL;
	t->high_water = 0;
	t->lru[L_TCP].idle_ns = cfg->tcp_idle_ns ? cfg->tcp_idle_ns : 7200ull * 1000000000ull;
	t->lru[L_UDP].idle_ns = cfg->udp_idle_ns ? cfg->udp_idle_ns : 60ull * 1000000000ull;
	t->lru[L_CLOSED].idle_ns = LINGER_NS;
	for (int l = 0; l < L_N; l++)
		t->lru[l].head = t->lru[l].tail = NIL;
	return t;

out_free:
	free(t->buckets);
	free(t->flows);
	free(t);
	return NULL;
}

void nf_free(struct nf_table *t)
{
	if (!t)
		return;
	free(t->buckets);
	free(t->flows);
	free(t);
}

uint32_t nf_count(const struct nf_table *t)
{
	return t->count;
}

const struct nf_stats *nf_stats(const struct nf_table *t)
{
	return &t->st;
}

/* ---- lists ---------------------------------------------------------------- */

static struct lru *lru_of(struct nf_table *t, const struct flow *f)
{
	return &t->lru[f->closed ? L_CLOSED : f->proto == 6 ? L_TCP : L_UDP];
}

static void lru_unlink(struct nf_table *t, uint32_t i)
{
	struct flow *f = &t->flows[i];
	struct lru *l = lru_of(t, f);

	if (f->prev != NIL)
		t->flows[f->prev].next = f->next;
	else
		l->head = f->next;
	if (f->next != NIL)
		t->flows[f->next].prev = f->prev;
	else
		l->tail = f->prev;
	f->prev = f->next = NIL;
}

static void lru_append(struct nf_table *t, uint32_t i)
{
	struct flow *f = &t->flows[i];
	struct lru *l = lru_of(t, f);

	f->prev = l->tail;
	f->next = NIL;
	if (l->tail != NIL)
		t->flows[l->tail].next = i;
	else
		l->head = i;
	l->tail = i;
}

/* ---- events --------------------------------------------------------------- */

static void base_event(struct fdr_event *ev, unsigned kind, uint64_t time_ns, const struct flow *f)
{
	fdr_event_init(ev, kind, time_ns);
	fdr_event_set_cstr(ev, FDR_F_PROTO, f->proto == 6 ? "tcp" : "udp");
	fdr_event_set_addr(ev, FDR_F_SRC, &f->cli);
	fdr_event_set_u(ev, FDR_F_SPORT, f->cport);
	fdr_event_set_addr(ev, FDR_F_DST, &f->srv);
	fdr_event_set_u(ev, FDR_F_DPORT, f->sport);
	if (f->iface[0])
		fdr_event_set_cstr(ev, FDR_F_IFACE, f->iface);
}

static void emit(struct nf_table *t, const struct fdr_event *ev, struct flow *f, enum nf_side side)
{
	struct nf_info info = { side, f->iface[0] ? f->iface : NULL, f->ifindex, f->cookie,
				 side == NF_SIDE_DST ? &f->stag : &f->tag };

	if (t->cfg.emit)
		t->cfg.emit(t->cfg.arg, ev, &info);
}

static void emit_open(struct nf_table *t, struct flow *f, uint64_t time_ns)
{
	struct fdr_event ev;

	if (!f->connect_done && (f->cli_local || !f->srv_local)) {
		base_event(&ev, FDR_NET_CONNECT, time_ns, f);
		emit(t, &ev, f, f->cli_local ? NF_SIDE_SRC : NF_SIDE_NONE);
	}
	f->connect_done = true;
}

static void emit_accept(struct nf_table *t, struct flow *f, uint64_t time_ns)
{
	struct fdr_event ev;

	if (!f->accept_done && f->srv_local) {
		base_event(&ev, FDR_NET_ACCEPT, time_ns, f);
		emit(t, &ev, f, NF_SIDE_DST);
	}
	f->accept_done = true;
}

/* Bytes one side sent, from its ISN and its FIN/RST sequence number. */
static bool seq_bytes(bool has_isn, uint32_t isn, bool has_end, uint32_t end, uint64_t *out)
{
	uint32_t d;

	if (!has_isn || !has_end)
		return false;
	d = end - isn - 1;
	if (end == isn)	/* FIN/RST right after the SYN without data */
		d = 0;
	if (d > 0x7fffffffu)	/* went backwards: something was missed */
		return false;
	*out = d;
	return true;
}

static void emit_close(struct nf_table *t, struct flow *f, uint64_t time_ns, const char *reason,
		       bool uncertain)
{
	struct fdr_event ev;
	uint64_t cb, sb;

	base_event(&ev, FDR_NET_CLOSE, time_ns, f);
	if (f->proto == 6 && seq_bytes(f->has_cisn, f->cisn, f->has_cend, f->cend, &cb) &&
	    seq_bytes(f->has_sisn, f->sisn, f->has_send, f->send, &sb))
		fdr_event_set_u(&ev, FDR_F_BYTES, cb + sb);
	else if (f->proto != 6 || t->cfg.all_packets)
		fdr_event_set_u(&ev, FDR_F_BYTES, f->bytes);
	if (f->proto != 6 || t->cfg.all_packets)
		fdr_event_set_u(&ev, FDR_F_PACKETS, f->pkts);
	if (f->last_ns > f->first_ns)
		fdr_event_set_u(&ev, FDR_F_DURATION, f->last_ns - f->first_ns);
	if (reason)
		fdr_event_set_cstr(&ev, FDR_F_REASON, reason);
	if (uncertain || f->midstream)
		ev.flags |= FDR_EVF_UNCERTAIN;
	if (f->cli_local)
		emit(t, &ev, f, NF_SIDE_SRC);
	if (f->srv_local)
		emit(t, &ev, f, NF_SIDE_DST);
	if (!f->cli_local && !f->srv_local)
		emit(t, &ev, f, NF_SIDE_NONE);
}

/* ---- flows ---------------------------------------------------------------- */

static uint32_t lookup(struct nf_table *t, const struct nd_packet *p, bool *from_client)
{
	for (uint32_t i = t->buckets[flow_hash(t, p)]; i != NIL; i = t->flows[i].hnext) {
		struct flow *f = &t->flows[i];

		if (f->proto != p->proto)
			continue;
		if (f->cport == p->sport && f->sport == p->dport &&
		    addr_eq(&f->cli, &p->src) && addr_eq(&f->srv, &p->dst)) {
			*from_client = true;
			return i;
		}
		if (f->cport == p->dport && f->sport == p->sport &&
		    addr_eq(&f->cli, &p->dst) && addr_eq(&f->srv, &p->src)) {
			*from_client = false;
			return i;
		}
	}
	return NIL;
}

static void remove_flow(struct nf_table *t, uint32_t i)
{
	struct flow *f = &t->flows[i];
	struct nd_packet key;
	uint32_t *pp;

	memset(&key, 0, sizeof(key));
	key.src = f->cli;
	key.dst = f->srv;
	key.sport = f->cport;
	key.dport = f->sport;
	key.proto = f->proto;
	for (pp = &t->buckets[flow_hash(t, &key)]; *pp != NIL; pp = &t->flows[*pp].hnext)
		if (*pp == i) {
			*pp = f->hnext;
			break;
		}
	lru_unlink(t, i);
	f->used = false;
	f->hnext = t->free_head;
	t->free_head = i;
	t->count--;
}

static void close_flow(struct nf_table *t, uint32_t i, uint64_t time_ns, const char *reason,
		       bool uncertain)
{
	emit_close(t, &t->flows[i], time_ns, reason, uncertain);
	remove_flow(t, i);
}

/* A new flow with the client on the packet's source side unless swap. */
static uint32_t create(struct nf_table *t, const struct nd_packet *p, bool swap, const char *iface,
		       uint32_t ifindex, uint64_t cookie)
{
	struct flow *f;
	uint32_t i;

	if (t->free_head == NIL && t->high_water < t->max) {
		t->flows[t->high_water].hnext = NIL;
		t->free_head = t->high_water++;
	}
	if (t->free_head == NIL) {
		/* Full: make room by closing the least recently seen flow. */
		uint32_t a = t->lru[L_TCP].head, b = t->lru[L_UDP].head, v;

		if (t->lru[L_CLOSED].head != NIL) {
			remove_flow(t, t->lru[L_CLOSED].head);
			goto take;
		}
		if (a == NIL)
			v = b;
		else if (b == NIL)
			v = a;
		else
			v = t->flows[a].last_ns <= t->flows[b].last_ns ? a : b;
		t->st.evicted++;
		close_flow(t, v, p->time_ns, "evicted", true);
	}
take:
	i = t->free_head;
	f = &t->flows[i];
	t->free_head = f->hnext;
	memset(f, 0, sizeof(*f));
	f->used = true;
	f->proto = p->proto;
	f->cli = swap ? p->dst : p->src;
	f->srv = swap ? p->src : p->dst;
	f->cport = swap ? p->dport : p->sport;
	f->sport = swap ? p->sport : p->dport;
	f->first_ns = f->last_ns = p->time_ns;
	f->ifindex = ifindex;
	f->cookie = cookie;
	if (iface) {
		strncpy(f->iface, iface, sizeof(f->iface) - 1);
		f->iface[sizeof(f->iface) - 1] = '\0';
	}
	if (t->cfg.is_local) {
		f->cli_local = t->cfg.is_local(t->cfg.arg, &f->cli);
		f->srv_local = t->cfg.is_local(t->cfg.arg, &f->srv);
	} else {
		f->cli_local = true;
	}
	{
		uint32_t h = flow_hash(t, p);

		f->hnext = t->buckets[h];
		t->buckets[h] = i;
	}
	f->prev = f->next = NIL;
	lru_append(t, i);
	t->count++;
	t->st.flows++;
	return i;
}

static void touch(struct nf_table *t, uint32_t i, const struct nd_packet *p, uint32_t ifindex)
{
	struct flow *f = &t->flows[i];

	if (p->time_ns > f->last_ns)
		f->last_ns = p->time_ns;
	if (!ifindex || !f->ifindex || ifindex == f->ifindex) {
		f->pkts++;
		f->bytes += p->payload_len;
	}
	if (lru_of(t, f)->tail != i) {
		lru_unlink(t, i);
		lru_append(t, i);
	}
}

/* ---- DNS ------------------------------------------------------------------ */

static void dns_message(struct nf_table *t, const struct nd_packet *p, const uint8_t *msg, size_t n,
			const char *iface, uint32_t ifindex, uint64_t cookie, struct flow *f)
{
	struct ndns_msg *m = &t->dns;
	struct fdr_event ev;
	char tbuf[12];
	struct nf_info info = { NF_SIDE_NONE, iface, ifindex, cookie, f ? &f->tag : NULL };
	bool src_local, dst_local;
	int rc;

	t->st.dns_msgs++;
	rc = ndns_parse(msg, n, m);
	if (rc) {
		t->st.dns_errors++;
		t->st.last_dns_error = rc;
		return;
	}
	if (m->opcode != 0)	/* NOTIFY, UPDATE, ...: not a lookup */
		return;
	if (f) {
		uint32_t key = (uint32_t)m->id << 1 | m->qr;

		if (f->dns_key == key && f->dns_ifindex != ifindex && p->time_ns - f->dns_ns < 50000000ull)
			return;	/* the same message on a second interface */
		f->dns_key = key;
		f->dns_ifindex = ifindex;
		f->dns_ns = p->time_ns;
	}
	fdr_event_init(&ev, m->qr ? FDR_DNS_ANSWER : FDR_DNS_QUERY, p->time_ns);
	fdr_event_set_cstr(&ev, FDR_F_PROTO, p->proto == 6 ? "tcp" : "udp");
	fdr_event_set_addr(&ev, FDR_F_SRC, &p->src);
	fdr_event_set_u(&ev, FDR_F_SPORT, p->sport);
	fdr_event_set_addr(&ev, FDR_F_DST, &p->dst);
	fdr_event_set_u(&ev, FDR_F_DPORT, p->dport);
	if (iface)
		fdr_event_set_cstr(&ev, FDR_F_IFACE, iface);
	fdr_event_set_cstr(&ev, FDR_F_NAME, m->qname);
	fdr_event_set_cstr(&ev, FDR_F_QTYPE, ndns_type_name(m->qtype, tbuf, sizeof(tbuf)));
	if (m->qr) {
		fdr_event_set_strv(&ev, FDR_F_ANSWERS, m->answers, m->nanswers);
		fdr_event_set_u(&ev, FDR_F_RCODE, m->rcode);
		if (m->truncated || m->dropped || m->tc)
			ev.flags |= FDR_EVF_PARTIAL;
	}
	/* The asker's side: source of a query, destination of an answer. */
	if (t->cfg.is_local) {
		src_local = t->cfg.is_local(t->cfg.arg, &p->src);
		dst_local = t->cfg.is_local(t->cfg.arg, &p->dst);
	} else {
		src_local = !m->qr;
		dst_local = m->qr;
	}
	if (m->qr)
		info.local = dst_local ? NF_SIDE_DST : src_local ? NF_SIDE_SRC : NF_SIDE_NONE;
	else
		info.local = src_local ? NF_SIDE_SRC : dst_local ? NF_SIDE_DST : NF_SIDE_NONE;
	if (t->cfg.emit)
		t->cfg.emit(t->cfg.arg, &ev, &info);
}

static void dns_packet(struct nf_table *t, const struct nd_packet *p, const char *iface,
		       uint32_t ifindex, uint64_t cookie, struct flow *f)
{
	const uint8_t *q = p->payload;
	uint32_t n = p->payload_caplen;

	if (!n)
		return;
	if (p->proto == 17) {
		dns_message(t, p, q, n, iface, ifindex, cookie, f);
		return;
	}
	/* TCP (RFC 1035 4.2.2): 2-byte length, then the message; only messages
	 * wholly inside this segment are decoded (no stream reassembly). */
	while (n >= 2) {
		uint32_t len = (uint32_t)q[0] << 8 | q[1];

		if (len + 2 > n) {
			t->st.dns_partial++;
			return;
		}
		dns_message(t, p, q + 2, len, iface, ifindex, cookie, f);
		q += 2 + len;
		n -= 2 + len;
	}
	if (n)
		t->st.dns_partial++;
}

/* ---- packets -------------------------------------------------------------- */

static void tcp_packet(struct nf_table *t, const struct nd_packet *p, const char *iface,
		       uint32_t ifindex, uint64_t cookie)
{
	uint8_t fl = p->tcp_flags;
	bool from_cli = true;
	uint32_t i = lookup(t, p, &from_cli);
	struct flow *f;

	if (i != NIL && t->flows[i].closed) {
		if (!(fl & ND_TH_SYN) || (fl & ND_TH_ACK)) {
			touch(t, i, p, ifindex);
			return;
		}
		remove_flow(t, i);	/* a new connection on the same ports */
		i = NIL;
	}
	if (fl & ND_TH_SYN) {
		bool synack = fl & ND_TH_ACK;

		if (i == NIL) {
			if (fl & ND_TH_RST)
				return;
			i = create(t, p, synack, iface, ifindex, cookie);
			from_cli = !synack;
		}
		f = &t->flows[i];
		touch(t, i, p, ifindex);
		if (from_cli && !synack) {
			f->cisn = p->seq;
			f->has_cisn = true;
			emit_open(t, f, p->time_ns);
		} else if (!from_cli && synack) {
			f->sisn = p->seq;
			f->has_sisn = true;
			emit_open(t, f, p->time_ns);	/* when the SYN was missed */
			emit_accept(t, f, p->time_ns);
		}
		return;
	}
	if (i == NIL) {
		/* Mid-stream: a connection older than the capture (or its SYN
		 * was lost). Track it only when it ends or all packets come. */
		bool swap;

		if (!(fl & (ND_TH_FIN | ND_TH_RST)) && (!t->cfg.all_packets || !p->payload_len))
			return;	/* a bare ACK is also what trails a close */
		swap = p->sport < p->dport;	/* the lower port is the server */
		i = create(t, p, swap, iface, ifindex, cookie);
		t->flows[i].midstream = true;
		t->flows[i].connect_done = t->flows[i].accept_done = true;
		from_cli = !swap;
	}
	f = &t->flows[i];
	touch(t, i, p, ifindex);
	if (fl & ND_TH_RST) {
		const char *why = "reset";

		if (from_cli) {
			f->cend = p->seq;
			f->has_cend = true;
		} else {
			if (!f->has_sisn && !f->midstream)
				why = "refused";
			f->send = p->seq;
			f->has_send = true;
		}
		close_flow(t, i, p->time_ns, why, false);
		return;
	}
	if (fl & ND_TH_FIN) {
		if (from_cli) {
			f->cfin = true;
			f->cend = p->seq + p->payload_len;
			f->has_cend = true;
		} else {
			f->sfin = true;
			f->send = p->seq + p->payload_len;
			f->has_send = true;
		}
		if (f->cfin && f->sfin) {
			/* Linger: the last ACKs and retransmitted FINs that follow
			 * must not look like a new mid-stream flow. */
			emit_close(t, f, p->time_ns, NULL, false);
			lru_unlink(t, i);
			f->closed = true;
			lru_append(t, i);
		}
	}
}

void nf_packet(struct nf_table *t, const struct nd_packet *p, const char *iface, uint32_t ifindex,
	       uint64_t cookie)
{
	bool dns, from_cli;
	uint32_t i;

	t->st.packets++;
	if (!p->has_ports || (p->proto != 6 && p->proto != 17))
		return;
	dns = t->cfg.dns && (p->sport == DNS_PORT || p->dport == DNS_PORT);
	if (p->proto == 6) {
		tcp_packet(t, p, iface, ifindex, cookie);
	} else {
		i = lookup(t, p, &from_cli);
		if (i == NIL) {
			i = create(t, p, false, iface, ifindex, cookie);
			emit_open(t, &t->flows[i], p->time_ns);
			emit_accept(t, &t->flows[i], p->time_ns);
		}
		touch(t, i, p, ifindex);
	}
	if (dns) {
		/* After the flow: a DNS event can then carry the flow's tag. */
		i = lookup(t, p, &from_cli);
		dns_packet(t, p, iface, ifindex, cookie, i == NIL ? NULL : &t->flows[i]);
	}
}

void nf_expire(struct nf_table *t, uint64_t now_ns)
{
	for (int l = 0; l < L_N; l++) {
		struct lru *lr = &t->lru[l];

		while (lr->head != NIL && t->flows[lr->head].last_ns + lr->idle_ns < now_ns) {
			if (l == L_CLOSED) {
				remove_flow(t, lr->head);
				continue;
			}
			t->st.expired++;
			close_flow(t, lr->head, now_ns, "idle", l == L_TCP);
		}
	}
}

void nf_flush(struct nf_table *t, uint64_t now_ns)
{
	for (int l = 0; l < L_N; l++)
		while (t->lru[l].head != NIL) {
			if (l == L_CLOSED)
				remove_flow(t, t->lru[l].head);
			else
				close_flow(t, t->lru[l].head, now_ns, "flush", l == L_TCP);
		}
}
