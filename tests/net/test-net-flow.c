/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The flow table on real captures. Oracles: Zeek's own conn.log for
 * ssh_ssh.pcap (bytes per connection, from sequence numbers, and packets),
 * replayed once with every packet and once with only what the live kernel
 * filter passes (TCP SYN/FIN/RST, all UDP): the byte counts must not change.
 * tcpdump's dns_tcp capture gives the exact event sequence of a DNS lookup
 * over TCP. Bounded memory and idle expiry are checked on the 500-flow Zeek
 * echo capture.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "recorder/net-flow.h"
#include "pcap-util.h"

#define MAXEV 16384

struct rec_ev {
	unsigned kind;
	uint16_t flags;
	char src[64], dst[64];
	unsigned sport, dport;
	char proto[4];
	bool has_bytes, has_pkts;
	uint64_t bytes, pkts;
	char name[256], qtype[16], reason[16];
	unsigned nans;
	char ans0[128];
	enum nf_side side;
};

struct ctx {
	struct nf_table *t;
	struct rec_ev *ev;
	size_t n;
	bool filtered;		/* pass only what the live BPF filter passes */
	uint32_t max_count;	/* highest nf_count() seen */
	const char *local;	/* is_local: this address only */
	uint64_t last_ns;
};

static void on_event(void *arg, const struct fdr_event *ev, const struct nf_info *info)
{
	struct ctx *c = arg;
	struct rec_ev *r;
	struct fdr_str s;

	if (c->n >= MAXEV)
		return;
	r = &c->ev[c->n++];
	memset(r, 0, sizeof(*r));
	r->kind = ev->kind;
	r->flags = ev->flags;
	r->side = info->local;
	fdr_addr_format(&ev->f[FDR_F_SRC].a, r->src, sizeof(r->src));
	fdr_addr_format(&ev->f[FDR_F_DST].a, r->dst, sizeof(r->dst));
	r->sport = (unsigned)fdr_event_u(ev, FDR_F_SPORT, 0);
	r->dport = (unsigned)fdr_event_u(ev, FDR_F_DPORT, 0);
	s = fdr_event_str(ev, FDR_F_PROTO);
	snprintf(r->proto, sizeof(r->proto), "%.*s", (int)s.len, s.p);
	r->has_bytes = fdr_event_has(ev, FDR_F_BYTES);
	r->bytes = fdr_event_u(ev, FDR_F_BYTES, 0);
	r->has_pkts = fdr_event_has(ev, FDR_F_PACKETS);
	r->pkts = fdr_event_u(ev, FDR_F_PACKETS, 0);
	s = fdr_event_str(ev, FDR_F_NAME);
	snprintf(r->name, sizeof(r->name), "%.*s", (int)s.len, s.p ? s.p : "");
	s = fdr_event_str(ev, FDR_F_QTYPE);
	snprintf(r->qtype, sizeof(r->qtype), "%.*s", (int)s.len, s.p ? s.p : "");
	s = fdr_event_str(ev, FDR_F_REASON);
	snprintf(r->reason, sizeof(r->reason), "%.*s", (int)s.len, s.p ? s.p : "");
	r->nans = fdr_event_strv(ev, FDR_F_ANSWERS).n;
	if (r->nans)
		snprintf(r->ans0, sizeof(r->ans0), "%.*s", (int)ev->f[FDR_F_ANSWERS].v.v[0].len,
			 ev->f[FDR_F_ANSWERS].v.v[0].p);
}

static bool is_local(void *arg, const struct fdr_addr *a)
{
	struct ctx *c = arg;
	char buf[64];

	return c->local && !strcmp(fdr_addr_format(a, buf, sizeof(buf)), c->local);
}

static int feed(void *arg, int linktype, const uint8_t *p, uint32_t caplen, uint32_t len, uint64_t t)
{
	struct ctx *c = arg;
	struct nd_packet pkt;

	if (nd_dissect(linktype, p, caplen, len, t, &pkt))
		return 0;
	if (c->filtered && pkt.proto == 6 && pkt.has_ports && pkt.sport != 53 && pkt.dport != 53 &&
	    !(pkt.tcp_flags & (ND_TH_SYN | ND_TH_FIN | ND_TH_RST)))
		return 0;
	nf_packet(c->t, &pkt, "eth0", 2, 0);
	if (nf_count(c->t) > c->max_count)
		c->max_count = nf_count(c->t);
	c->last_ns = t;
	return 0;
}

static bool replay(const char *rel, struct ctx *c, struct nf_config *cfg)
{
	const char *sh = getenv("FDR_SHARED");
	char path[4096], err[256];

	if (!sh || snprintf(path, sizeof(path), "%s/data/pcap/%s", sh, rel) >= (int)sizeof(path) ||
	    access(path, R_OK)) {
		print_message("SKIP: no %s under $FDR_SHARED\n", rel);
		return false;
	}
	cfg->emit = on_event;
	cfg->arg = c;
	if (c->local)
		cfg->is_local = is_local;
	c->ev = calloc(MAXEV, sizeof(*c->ev));
	assert_non_null(c->ev);
	c->t = nf_new(cfg);
	assert_non_null(c->t);
	if (pu_each(path, feed, c, err) < 0) {
		print_error("%s\n", err);
		fail();
	}
	return true;
}

static void done(struct ctx *c)
{
	nf_free(c->t);
	free(c->ev);
}

static struct rec_ev *find(struct ctx *c, unsigned kind, const char *src, unsigned sport,
			   const char *dst, unsigned dport)
{
	for (size_t i = 0; i < c->n; i++) {
		struct rec_ev *r = &c->ev[i];

		if (r->kind == kind && r->sport == sport && r->dport == dport && !strcmp(r->src, src) &&
		    !strcmp(r->dst, dst))
			return r;
	}
	return NULL;
}

/* Compare with Zeek's conn.log; return rows checked. */
static unsigned check_conn_log(struct ctx *c, bool filtered)
{
	const char *sh = getenv("FDR_SHARED");
	char path[4096], line[2048];
	unsigned rows = 0, bad = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/data/pcap/zeek/baselines/ssh.pcap.conn.log", sh);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char oh[64], rh[64], proto[8], state[8], hist[32], obs[24], rbs[24];
		unsigned op, rp;
		unsigned long opk, rpk;
		struct rec_ev *r;

		if (line[0] == '#')
			continue;
		if (sscanf(line, "%*s %*s %63s %u %63s %u %7s %*s %*s %23s %23s %7s %*s %*s %*s %31s %lu %*s %lu",
			   oh, &op, rh, &rp, proto, obs, rbs, state, hist, &opk, &rpk) != 11)
			continue;
		rows++;
		r = find(c, FDR_NET_CLOSE, oh, op, rh, rp);
		if (!r) {
			print_error("no net.close for %s %s:%u > %s:%u (%s)\n", proto, oh, op, rh, rp, hist);
			bad++;
			continue;
		}
		if (strcmp(r->proto, proto))
			bad++;
		if (!strcmp(state, "SF") && hist[0] == 'S') {
			uint64_t want = strtoull(obs, NULL, 10) + strtoull(rbs, NULL, 10);

			if (!r->has_bytes || r->bytes != want) {
				print_error("%s:%u > %s:%u: bytes %llu, zeek %llu\n", oh, op, rh, rp,
					    (unsigned long long)r->bytes, (unsigned long long)want);
				bad++;
			}
			/* Zeek also counts what follows the second FIN: the last
			 * ACKs and retransmitted FINs. */
			if (!filtered && (!r->has_pkts || r->pkts > opk + rpk || r->pkts + 4 < opk + rpk)) {
				print_error("%s:%u > %s:%u: packets %llu, zeek %lu\n", oh, op, rh, rp,
					    (unsigned long long)r->pkts, opk + rpk);
				bad++;
			}
			if (filtered && r->has_pkts)
				bad++;
		}
		if (!strcmp(proto, "udp") && !filtered && strcmp(obs, "-") &&
		    (r->pkts != opk + rpk || r->bytes != strtoull(obs, NULL, 10) + strtoull(rbs, NULL, 10))) {
			print_error("udp %s:%u: %llu packets %llu bytes, zeek %lu %s+%s\n", oh, op,
				    (unsigned long long)r->pkts, (unsigned long long)r->bytes, opk + rpk, obs, rbs);
			bad++;
		}
		if (hist[0] != 'S' && !strcmp(proto, "tcp") && !(r->flags & FDR_EVF_UNCERTAIN))
			bad++;	/* no SYN seen: orientation is a guess */
	}
	fclose(f);
	assert_int_equal(bad, 0);
	return rows;
}

static void zeek_ssh(bool filtered)
{
	struct nf_config cfg = NF_CONFIG_INIT;
	struct ctx c = { 0 };
	unsigned connects = 0;

	c.filtered = filtered;
	cfg.all_packets = !filtered;
	if (!replay("zeek/ssh_ssh.pcap", &c, &cfg))
		skip();
	nf_flush(c.t, c.last_ns + 1);
	assert_int_equal(nf_count(c.t), 0);
	for (size_t i = 0; i < c.n; i++)
		connects += c.ev[i].kind == FDR_NET_CONNECT;
	/* Zeek's log: 22 TCP connections with a SYN, 1 without, 2 UDP. */
	assert_int_equal(check_conn_log(&c, filtered), 25);
	assert_int_equal(connects, 24);
	done(&c);
}

static void test_zeek_conn_all_packets(void **state)
{
	(void)state;
	zeek_ssh(false);
}

static void test_zeek_conn_filtered(void **state)
{
	(void)state;
	zeek_ssh(true);
}

static void test_dns_tcp(void **state)
{
	struct nf_config cfg = NF_CONFIG_INIT;
	struct ctx c = { 0 };
	static const unsigned kinds[] = { FDR_NET_CONNECT, FDR_DNS_QUERY, FDR_DNS_ANSWER, FDR_NET_CLOSE };

	(void)state;
	cfg.all_packets = true;
	c.local = "192.168.1.11";
	if (!replay("tcpdump/dns_tcp.pcap", &c, &cfg))
		skip();
	assert_int_equal(c.n, 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(c.ev[i].kind, kinds[i]);
		assert_string_equal(c.ev[i].proto, "tcp");
	}
	assert_string_equal(c.ev[0].src, "192.168.1.11");
	assert_int_equal(c.ev[0].sport, 33779);
	assert_string_equal(c.ev[0].dst, "209.87.249.18");
	assert_int_equal(c.ev[0].dport, 53);
	assert_int_equal(c.ev[0].side, NF_SIDE_SRC);
	assert_string_equal(c.ev[1].name, "www.tcpdump.org");
	assert_string_equal(c.ev[1].qtype, "A");
	assert_int_equal(c.ev[1].side, NF_SIDE_SRC);
	assert_string_equal(c.ev[2].name, "www.tcpdump.org");
	assert_int_equal(c.ev[2].nans, 2);
	assert_string_equal(c.ev[2].ans0, "A 192.139.46.66");
	assert_int_equal(c.ev[2].side, NF_SIDE_DST);	/* the asker is the receiver */
	/* tcpdump: 58 bytes one way, 226 the other; 11 packets, the last an ACK after both FINs */
	assert_true(c.ev[3].has_bytes);
	assert_int_equal(c.ev[3].bytes, 58 + 226);
	assert_int_equal(c.ev[3].pkts, 10);
	assert_int_equal(c.ev[3].flags & FDR_EVF_UNCERTAIN, 0);
	done(&c);

	/* Seen from the server's host: an accept, no connect. */
	memset(&c, 0, sizeof(c));
	cfg = (struct nf_config)NF_CONFIG_INIT;
	c.local = "209.87.249.18";
	assert_true(replay("tcpdump/dns_tcp.pcap", &c, &cfg));
	assert_int_equal(c.ev[0].kind, FDR_NET_ACCEPT);
	assert_int_equal(c.ev[0].side, NF_SIDE_DST);
	assert_null(find(&c, FDR_NET_CONNECT, "192.168.1.11", 33779, "209.87.249.18", 53));
	assert_non_null(find(&c, FDR_NET_CLOSE, "192.168.1.11", 33779, "209.87.249.18", 53));
	done(&c);
}

static void test_dns_udp(void **state)
{
	struct nf_config cfg = NF_CONFIG_INIT;
	struct ctx c = { 0 };
	struct rec_ev *q, *a, *cl;

	(void)state;
	if (!replay("tcpdump/dns_udp.pcap", &c, &cfg))
		skip();
	q = find(&c, FDR_DNS_QUERY, "192.168.1.11", 43966, "209.87.249.18", 53);
	a = find(&c, FDR_DNS_ANSWER, "209.87.249.18", 53, "192.168.1.11", 43966);
	assert_non_null(q);
	assert_non_null(a);
	assert_string_equal(a->ans0, "A 192.139.46.66");
	assert_non_null(find(&c, FDR_NET_CONNECT, "192.168.1.11", 43966, "209.87.249.18", 53));
	/* Not closed until idle for the UDP timeout. */
	assert_null(find(&c, FDR_NET_CLOSE, "192.168.1.11", 43966, "209.87.249.18", 53));
	nf_expire(c.t, c.last_ns + 30ull * 1000000000ull);
	assert_int_equal(nf_count(c.t), 1);
	nf_expire(c.t, c.last_ns + 61ull * 1000000000ull);
	assert_int_equal(nf_count(c.t), 0);
	cl = find(&c, FDR_NET_CLOSE, "192.168.1.11", 43966, "209.87.249.18", 53);
	assert_non_null(cl);
	assert_string_equal(cl->reason, "idle");
	assert_int_equal(cl->pkts, 2);
	assert_int_equal(cl->bytes, 56 + 224);
	done(&c);
}

static void test_bounded(void **state)
{
	struct nf_config cfg = NF_CONFIG_INIT;
	struct ctx c = { 0 };
	unsigned connects = 0, closes = 0, evicted = 0;

	(void)state;
	cfg.max_flows = 16;
	c.filtered = true;	/* as live: the table sees SYN/FIN/RST only */
	if (!replay("zeek/echo-connections.pcap.gz", &c, &cfg))
		skip();
	nf_flush(c.t, c.last_ns + 1);
	for (size_t i = 0; i < c.n; i++) {
		connects += c.ev[i].kind == FDR_NET_CONNECT;
		closes += c.ev[i].kind == FDR_NET_CLOSE;
		evicted += c.ev[i].kind == FDR_NET_CLOSE && !strcmp(c.ev[i].reason, "evicted");
	}
	print_message("max %u flows, %u connects, %u closes, %u evicted\n", c.max_count, connects,
		      closes, evicted);
	assert_true(c.max_count <= 16);
	assert_int_equal(nf_stats(c.t)->evicted, evicted);
	assert_true(connects >= 500);
	assert_true(closes >= connects);
	done(&c);
}

/* Loopback: both sockets of a flow are this host's, so the connect (client
 * side) and the accept (server side) each keep their own tag (the owner the
 * caller found), and each side's close gets its own back. */
struct tag_seen {
	unsigned n;
	uint64_t connect_tag, accept_tag, close_src, close_dst;
};

static void on_tag_event(void *arg, const struct fdr_event *ev, const struct nf_info *info)
{
	struct tag_seen *t = arg;

	t->n++;
	assert_non_null(info->tag);
	if (ev->kind == FDR_NET_CONNECT) {
		t->connect_tag = *info->tag;
		*info->tag = 111;	/* the client socket's owner */
	} else if (ev->kind == FDR_NET_ACCEPT) {
		t->accept_tag = *info->tag;
		*info->tag = 222;	/* the listener's */
	} else if (ev->kind == FDR_NET_CLOSE) {
		if (info->local == NF_SIDE_SRC)
			t->close_src = *info->tag;
		else if (info->local == NF_SIDE_DST)
			t->close_dst = *info->tag;
	}
}

static bool all_local(void *arg, const struct fdr_addr *a)
{
	(void)arg;
	(void)a;
	return true;
}

static void test_loopback_tags(void **state)
{
	struct nf_config cfg = NF_CONFIG_INIT;
	struct tag_seen seen = { 0 };
	struct nd_packet p = ND_PACKET_INIT;
	struct nf_table *t;

	(void)state;
	cfg.emit = on_tag_event;
	cfg.is_local = all_local;
	cfg.arg = &seen;
	t = nf_new(&cfg);
	assert_non_null(t);
	p.family = 4;
	p.proto = 6;
	p.has_ports = true;
	assert_int_equal(fdr_addr_parse(&p.src, "127.0.0.1"), 0);
	p.dst = p.src;
	p.sport = 43524;
	p.dport = 4444;
	p.time_ns = 1000;
	p.tcp_flags = ND_TH_SYN;
	p.seq = 100;
	nf_packet(t, &p, "lo", 1, 0);
	struct nd_packet r = p;	/* the answer */
	r.sport = p.dport;
	r.dport = p.sport;
	r.time_ns = 2000;
	r.tcp_flags = ND_TH_SYN | ND_TH_ACK;
	r.seq = 900;
	r.ack = 101;
	nf_packet(t, &r, "lo", 1, 0);
	nf_flush(t, 10 * 1000000000ull);
	nf_free(t);
	assert_int_equal(seen.connect_tag, 0);
	assert_int_equal(seen.accept_tag, 0);	/* not the client's 111 */
	assert_int_equal(seen.close_src, 111);
	assert_int_equal(seen.close_dst, 222);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zeek_conn_all_packets),
		cmocka_unit_test(test_zeek_conn_filtered),
		cmocka_unit_test(test_dns_tcp),
		cmocka_unit_test(test_dns_udp),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_loopback_tags),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
