/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The dissector and the DNS decoder against real captures, with tcpdump as
 * the oracle: tcpdump -n -tt reads the same file in the test and every
 * packet we decode must show the same addresses, ports and timestamp, every
 * DNS question the same name and type, every A/AAAA/CNAME answer the same
 * value. Malformed captures (tcpdump's heap-overflow regressions, dns-zlip
 * compression loops, truncated IPv6) must give clean errors. Hand-built DNS
 * messages cover loops and bounds exactly.
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

#include "recorder/net-dissect.h"
#include "recorder/net-dns.h"
#include "pcap-util.h"

#define MAXPKT 4096

struct decoded {
	int rc;
	struct nd_packet pkt;
	int dns_rc;		/* 1 when not DNS */
	char qname[NDNS_NAME_MAX];
	char qtype[16];
	bool qr;
	unsigned nans;
	char ans[8][256];
};

struct run {
	struct decoded *d;
	size_t n;
};

static int collect(void *arg, int linktype, const uint8_t *p, uint32_t caplen, uint32_t len,
		   uint64_t t)
{
	struct run *r = arg;
	struct decoded *d;
	static struct ndns_msg m;

	if (r->n >= MAXPKT)
		return 1;
	d = &r->d[r->n++];
	memset(d, 0, sizeof(*d));
	d->rc = nd_dissect(linktype, p, caplen, len, t, &d->pkt);
	d->dns_rc = 1;
	if (!d->rc && d->pkt.has_ports && !d->pkt.tunneled &&
	    (d->pkt.sport == 53 || d->pkt.dport == 53)) {
		const uint8_t *q = d->pkt.payload;
		uint32_t n = d->pkt.payload_caplen;
		char tb[12];

		if (d->pkt.proto == 6) {
			if (n < 2 || (uint32_t)(q[0] << 8 | q[1]) + 2 > n)
				return 0;
			n = (uint32_t)(q[0] << 8 | q[1]);
			q += 2;
		}
		if (n == 0)
			return 0;
		d->dns_rc = ndns_parse(q, n, &m);
		snprintf(d->qname, sizeof(d->qname), "%s", m.qname);
		snprintf(d->qtype, sizeof(d->qtype), "%s", ndns_type_name(m.qtype, tb, sizeof(tb)));
		d->qr = m.qr;
		d->nans = m.nanswers;
		for (unsigned i = 0; i < m.nanswers && i < 8; i++)
			snprintf(d->ans[i], sizeof(d->ans[i]), "%.*s", (int)m.answers[i].len, m.answers[i].p);
	}
	return 0;
}

/* tcpdump's lines for a file: one per packet without -v. */
static size_t tcpdump_lines(const char *path, char ***out)
{
	char cmd[4200], line[65536];
	char **v = calloc(MAXPKT, sizeof(*v));
	size_t n = 0;
	FILE *f;

	assert_non_null(v);
	snprintf(cmd, sizeof(cmd), "tcpdump -n -tt -r '%s' 2>/dev/null", path);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (n < MAXPKT && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		v[n++] = strdup(line);
	}
	pclose(f);
	*out = v;
	return n;
}

static void strip_dot(char *s)
{
	size_t n = strlen(s);

	if (n > 1 && s[n - 1] == '.')
		s[n - 1] = '\0';
}

static const char *const known_types[] = { "A", "AAAA", "PTR", "MX", "TXT", "NS", "CNAME", "SOA",
					   "SRV", "ANY", NULL };

static bool known_type(const char *t)
{
	for (int i = 0; known_types[i]; i++)
		if (!strcmp(known_types[i], t))
			return true;
	return false;
}

struct totals {
	unsigned files, packets, ports, errors, dns_q, dns_ans, dns_err;
};

/* Compare one file; return the number of mismatches (printed). */
static unsigned compare_file(const char *path, struct totals *tot)
{
	struct run r = { calloc(MAXPKT, sizeof(struct decoded)), 0 };
	char err[256], **lines;
	size_t nl;
	long np;
	unsigned bad = 0;

	assert_non_null(r.d);
	np = pu_each(path, collect, &r, err);
	if (np < 0) {
		print_error("%s\n", err);
		fail();
	}
	nl = tcpdump_lines(path, &lines);
	if (nl != r.n) {
		print_error("%s: tcpdump printed %zu lines for %zu packets\n", path, nl, r.n);
		bad++;
		goto out;
	}
	tot->files++;
	for (size_t i = 0; i < r.n; i++) {
		struct decoded *d = &r.d[i];
		const char *l = lines[i];
		char want[256], a[64], b[64], ts[40];

		tot->packets++;
		snprintf(ts, sizeof(ts), "%llu.%06llu ", (unsigned long long)(d->pkt.time_ns / 1000000000ull),
			 (unsigned long long)(d->pkt.time_ns % 1000000000ull / 1000));
		if (strncmp(l, ts, strlen(ts))) {
			print_error("%s #%zu: time %s, tcpdump: %s\n", path, i + 1, ts, l);
			bad++;
		}
		if (d->rc) {
			tot->errors++;
			/* tcpdump must have found something wrong too. */
			if (!strstr(l, "[|") && !strstr(l, "invalid") && !strstr(l, "truncated") &&
			    !strstr(l, "bad") && !strstr(l, "length") && !strstr(l, "error") &&
			    /* ip6_frag_asan: this tcpdump prints "frag (0|27128)" for a
			     * 6-byte fragment header; its reference decode says [|frag6] */
			    !strstr(l, "frag (")) {
				print_error("%s #%zu: we say '%s', tcpdump: %s\n", path, i + 1,
					    nd_strerror(d->rc), l);
				bad++;
			}
			continue;
		}
		if (!d->pkt.has_ports || d->pkt.tunneled)
			continue;
		tot->ports++;
		fdr_addr_format(&d->pkt.src, a, sizeof(a));
		fdr_addr_format(&d->pkt.dst, b, sizeof(b));
		snprintf(want, sizeof(want), " %s %s.%u > %s.%u: ", d->pkt.family == 4 ? "IP" : "IP6", a,
			 d->pkt.sport, b, d->pkt.dport);
		/* With IPv6 extension headers tcpdump prints the ports apart:
		 * "IP6 a > b: RT6 (...) 5645 > 5642: UDP" */
		if (!strstr(l, want)) {
			char ab[200], ports[40];

			snprintf(ab, sizeof(ab), " IP6 %s > %s: ", a, b);
			snprintf(ports, sizeof(ports), " %u > %u: ", d->pkt.sport, d->pkt.dport);
			if (d->pkt.family == 6 && strstr(l, ab) && strstr(l, ports))
				continue;
		}
		if (!strstr(l, want)) {
			print_error("%s #%zu: we say '%s', tcpdump: %s\n", path, i + 1, want, l);
			bad++;
			continue;
		}
		if (d->dns_rc == 1)
			continue;
		if (d->dns_rc < 0) {
			tot->dns_err++;
			if (!strstr(l, "[|domain]") && !strstr(l, "invalid") && !strstr(l, "<BAD") &&
			    !strstr(l, "TOO LONG")) {
				print_error("%s #%zu: dns error '%s', tcpdump: %s\n", path, i + 1,
					    ndns_strerror(d->dns_rc), l);
				bad++;
			}
			continue;
		}
		if (!d->qr) {
			/* "... 22836+ [1au] A? www.tcpdump.org. (56)" */
			const char *q = strstr(l, "? ");
			char tt[32], nm[1100];
			const char *s;

			if (!q)
				continue;
			for (s = q; s > l && s[-1] != ' '; s--)
				;
			snprintf(tt, sizeof(tt), "%.*s", (int)(q - s), s);
			if (sscanf(q + 2, "%1099s", nm) != 1)
				continue;
			strip_dot(nm);
			tot->dns_q++;
			if (strcmp(nm, d->qname) || (known_type(tt) && strcmp(tt, d->qtype))) {
				print_error("%s #%zu: query %s? %s, tcpdump: %s\n", path, i + 1, d->qtype,
					    d->qname, l);
				bad++;
			}
		} else {
			/* "... 22836*- 2/2/5 A 192.139.46.66, A 198.199.88.104 (224)" */
			unsigned an, ns, ar, k = 0;
			const char *s = l;
			int used = 0;

			while ((s = strchr(s + 1, ' ')) &&
			       !(sscanf(s, " %u/%u/%u %n", &an, &ns, &ar, &used) == 3 && used))
				;
			if (!s)
				continue;
			tot->dns_ans++;
			s += used;
			while (*s && k < 8 && k < d->nans) {
				size_t len = strcspn(s, ",(");
				char tok[512];

				snprintf(tok, sizeof(tok), "%.*s", (int)len, s);
				while (len && tok[strlen(tok) - 1] == ' ')
					tok[strlen(tok) - 1] = '\0';
				strip_dot(tok);
				if ((!strncmp(tok, "A ", 2) || !strncmp(tok, "AAAA ", 5) ||
				     !strncmp(tok, "CNAME ", 6)) && strcmp(tok, d->ans[k])) {
					print_error("%s #%zu: answer %u '%s', tcpdump '%s'\n", path, i + 1, k,
						    d->ans[k], tok);
					bad++;
				}
				k++;
				s += len;
				if (*s != ',')
					break;
				s += 2;
			}
		}
	}
out:
	for (size_t i = 0; i < nl; i++)
		free(lines[i]);
	free(lines);
	free(r.d);
	return bad;
}

static const char *const captures[] = {
	"tcpdump/LINKTYPE_IPV4.pcap", "tcpdump/LINKTYPE_IPV6.pcap", "tcpdump/LINKTYPE_RAW_ipv4.pcap",
	"tcpdump/LINKTYPE_RAW_ipv6.pcap", "tcpdump/dns-badlabel.pcap", "tcpdump/dns-zlip-1.pcap",
	"tcpdump/dns-zlip-2.pcap", "tcpdump/dns-zlip-3.pcap", "tcpdump/dns_fwdptr.pcap",
	"tcpdump/dns_tcp.pcap", "tcpdump/dns_udp.pcap", "tcpdump/dns_udp_2.pcap",
	"tcpdump/dns_udp_8053.pcap", "tcpdump/dnssec.pcap", "tcpdump/edns-opts.pcap",
	"tcpdump/heapoverflow-tcp_print.pcap", "tcpdump/icmpv6.pcap", "tcpdump/ip6_frag_asan.pcap",
	"tcpdump/ipv4_tcp_http_xml.pcap", "tcpdump/ipv6-bad-version.pcap",
	"tcpdump/ipv6-routing-header.pcap", "tcpdump/ipv6_invalid_length.pcap",
	"tcpdump/ipv6_jumbogram_1.pcap", "tcpdump/mptcp-v1.pcap", "tcpdump/resp_1_benchmark.pcap",
	"tcpdump/resp_3_malicious.pcap", "tcpdump/ssh.pcap", "tcpdump/syslog_udp.pcap",
	"tcpdump/tcp-handshake-nano.pcap", "tcpdump/tcp_header_heapoverflow.pcap",
	"tcpdump/tcp_rst_data-trunc.pcap", "tcpdump/udp-length-heapoverflow.pcap",
	"zeek/chksums_ip4-tcp-bad-chksum.pcap", "zeek/chksums_ip6-udp-bad-chksum.pcap",
	"zeek/communityid_ipv6.pcap", "zeek/communityid_tcp.pcap", "zeek/communityid_udp.pcap",
	"zeek/dns-edns-ecs.pcap", "zeek/dns-two-responses.pcap", "zeek/dns_dns-corrupt.pcap",
	"zeek/dns_dns-invalid-names.pcap", "zeek/dns_long-connection.pcap",
	"zeek/dns_max-compression-depth.pcap", "zeek/dns_mdns.pcap", "zeek/http-vlan-0.pcap",
	"zeek/ipv4_fragmented-1.pcap", "zeek/ipv4_fragmented-3.pcap", "zeek/ipv4_fragmented-syn.pcap",
	"zeek/ipv6-fragmented-dns.pcap", "zeek/ipv6-hbh-routing0.pcap", "zeek/linuxsll-arp.pcap",
	"zeek/ssh_single-conn.pcap", "zeek/tcp_handshake-reorder.pcap", "zeek/tcp_missing-syn.pcap",
	"zeek/tcp_syn-bad.pcap", "zeek/tcp_truncated-header.pcap", "zeek/trunc_ip6-ext-trunc.pcap",
	"zeek/trunc_ip6-trunc.pcap", "zeek/vlan-qinqinq.pcap", "zeek/wikipedia.pcap",
	"suricata-verify/decode-sll2-01/input.pcap", "suricata-verify/decode-sll2-02/input.pcap",
	"suricata-verify/dns_dns-corrupt-additionals/input.pcap",
	"suricata-verify/dns_dns-tcp-multirequest-buffer/dns-tcp-multirequest-buffer.pcap",
	"local/veth-tcp.pcap",
	NULL
};

static const char *data_path(const char *rel, char *buf, size_t size)
{
	const char *sh = getenv("FDR_SHARED");

	if (!sh || snprintf(buf, size, "%s/data/%s%s", sh, strncmp(rel, "local/", 6) ? "pcap/" : "",
			    rel) >= (int)size)
		return NULL;
	return access(buf, R_OK) ? NULL : buf;
}

static void test_against_tcpdump(void **state)
{
	struct totals tot = { 0 };
	unsigned bad = 0;
	char path[4096];

	(void)state;
	if (!data_path(captures[0], path, sizeof(path)) || system("tcpdump --version >/dev/null 2>&1")) {
		print_message("SKIP: no $FDR_SHARED/data/pcap or no tcpdump\n");
		skip();
	}
	for (int i = 0; captures[i]; i++) {
		if (!data_path(captures[i], path, sizeof(path))) {
			print_error("missing capture %s\n", captures[i]);
			bad++;
			continue;
		}
		bad += compare_file(path, &tot);
	}
	print_message("%u files, %u packets, %u with ports, %u errors, %u dns queries, %u dns answers, %u dns errors\n",
		      tot.files, tot.packets, tot.ports, tot.errors, tot.dns_q, tot.dns_ans, tot.dns_err);
	assert_int_equal(bad, 0);
	assert_true(tot.ports > 1000);
	assert_true(tot.dns_q >= 20);
	assert_true(tot.dns_ans >= 20);
}

/* One packet of a capture, decoded. */
static struct decoded *first_packets(const char *rel, struct run *r)
{
	char path[4096], err[256];

	if (!data_path(rel, path, sizeof(path))) {
		print_message("SKIP: no %s\n", rel);
		return NULL;
	}
	r->d = calloc(MAXPKT, sizeof(struct decoded));
	r->n = 0;
	assert_non_null(r->d);
	assert_true(pu_each(path, collect, r, err) > 0);
	return r->d;
}

static void test_malformed_captures(void **state)
{
	static const struct { const char *rel; int rc; int dns; } cases[] = {
		{ "tcpdump/tcp_header_heapoverflow.pcap", ND_E_TCP_TRUNC, 1 },
		{ "tcpdump/udp-length-heapoverflow.pcap", ND_E_UDP_TRUNC, 1 },
		{ "tcpdump/ipv6_invalid_length.pcap", ND_E_IP_LEN, 1 },
		{ "tcpdump/ip6_frag_asan.pcap", ND_E_IP6_EXT, 1 },
		{ "tcpdump/dns-zlip-1.pcap", 0, 1 },	/* "[length 0 < 12]": no DNS bytes */
		{ "zeek/trunc_ip6-trunc.pcap", ND_E_IP_TRUNC, 1 },
		{ "zeek/trunc_ip6-ext-trunc.pcap", ND_E_IP_LEN, 1 },
		{ "tcpdump/dns_fwdptr.pcap", 0, NDNS_E_NAME_LONG },	/* tcpdump: <BAD PTR> */
	};
	unsigned bad = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct run r;
		struct decoded *d = first_packets(cases[i].rel, &r);

		if (!d)
			skip();
		print_message("%s: %s / %s\n", cases[i].rel, nd_strerror(d->rc),
			      d->dns_rc == 1 ? "-" : ndns_strerror(d->dns_rc));
		if (d->rc != cases[i].rc || d->dns_rc != cases[i].dns)
			bad++;
		free(r.d);
	}
	assert_int_equal(bad, 0);
}

static void test_link_layers(void **state)
{
	struct run r;
	struct decoded *d;
	char a[64];

	(void)state;
	/* SLL2 (suricata): interface index and addresses. */
	d = first_packets("suricata-verify/decode-sll2-01/input.pcap", &r);
	if (!d)
		skip();
	assert_int_equal(d->rc, 0);
	assert_true(d->pkt.family == 4 || d->pkt.family == 6);
	assert_true(d->pkt.ifindex != 0);
	free(r.d);
	/* Three VLAN tags (QinQinQ). */
	d = first_packets("zeek/vlan-qinqinq.pcap", &r);
	assert_non_null(d);
	assert_int_equal(d->rc, 0);
	assert_int_equal(d->pkt.nvlan, 3);
	free(r.d);
	/* 6in4 and 4in6: outer addresses, inner ports. */
	d = first_packets("zeek/tunnels_6in4.pcap", &r);
	assert_non_null(d);
	assert_int_equal(d->rc, 0);
	assert_true(d->pkt.tunneled);
	assert_int_equal(d->pkt.family, 4);
	assert_true(d->pkt.has_ports);
	free(r.d);
	/* The second fragment of a datagram has no ports. */
	d = first_packets("zeek/ipv4_fragmented-1.pcap", &r);
	assert_non_null(d);
	{
		unsigned firsts = 0, rest = 0;

		for (size_t i = 0; i < r.n; i++) {
			if (r.d[i].rc || !r.d[i].pkt.frag)
				continue;
			if (r.d[i].pkt.has_ports)
				firsts++;
			else
				rest++;
		}
		assert_true(firsts > 0);
		assert_true(rest > 0);
	}
	free(r.d);
	/* Raw IPv6 link type. */
	d = first_packets("tcpdump/LINKTYPE_RAW_ipv6.pcap", &r);
	assert_non_null(d);
	assert_int_equal(d->rc, 0);
	assert_string_equal(fdr_addr_format(&d->pkt.src, a, sizeof(a)), "2001:db8::1");
	free(r.d);
}

/* ---- hand-built DNS messages ----------------------------------------------- */

static const uint8_t hdr_q[] = { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };

static size_t build(uint8_t *buf, const uint8_t *hdr, const void *body, size_t n)
{
	memcpy(buf, hdr, 12);
	memcpy(buf + 12, body, n);
	return 12 + n;
}

static void test_dns_names(void **state)
{
	static struct ndns_msg m;
	uint8_t buf[600];
	size_t n;

	(void)state;
	/* plain name */
	n = build(buf, hdr_q, "\3www\7example\3com\0\0\1\0\1", 21);
	assert_int_equal(ndns_parse(buf, n, &m), 0);
	assert_string_equal(m.qname, "www.example.com");
	assert_int_equal(m.qtype, 1);
	/* escapes: a dot and a control byte inside a label */
	n = build(buf, hdr_q, "\3a.b\2\x1b[\0\0\1\0\1", 13);
	assert_int_equal(ndns_parse(buf, n, &m), 0);
	assert_string_equal(m.qname, "a\\.b.\\027[");
	/* root */
	n = build(buf, hdr_q, "\0\0\2\0\1", 5);
	assert_int_equal(ndns_parse(buf, n, &m), 0);
	assert_string_equal(m.qname, ".");
	/* pointer to itself: a loop */
	n = build(buf, hdr_q, "\xc0\x0c\0\1\0\1", 6);
	assert_int_equal(ndns_parse(buf, n, &m), NDNS_E_PTR_LOOP);
	/* two pointers pointing at each other (the second via a label) */
	n = build(buf, hdr_q, "\1a\xc0\x0c\0\1\0\1", 8);
	assert_int_equal(ndns_parse(buf, n, &m), NDNS_E_PTR_LOOP);
	/* pointer past the end */
	n = build(buf, hdr_q, "\xc1\x00\0\1\0\1", 6);
	assert_int_equal(ndns_parse(buf, n, &m), NDNS_E_PTR_RANGE);
	/* forward pointer to a valid name is fine */
	n = build(buf, hdr_q, "\xc0\x12\0\1\0\1\3fwd\0", 11);
	assert_int_equal(ndns_parse(buf, n, &m), 0);
	assert_string_equal(m.qname, "fwd");
	/* label type 0x40 */
	n = build(buf, hdr_q, "\x41x\0\0\1\0\1", 7);
	assert_int_equal(ndns_parse(buf, n, &m), NDNS_E_LABEL_TYPE);
	/* name runs off the end */
	n = build(buf, hdr_q, "\7exam", 5);
	assert_int_equal(ndns_parse(buf, n, &m), NDNS_E_NAME_TRUNC);
	/* header only */
	assert_int_equal(ndns_parse(buf, 11, &m), NDNS_E_SHORT);
	/* longer than 255 bytes: 5 labels of 63 */
	{
		uint8_t body[400];
		size_t o = 0;

		for (int i = 0; i < 5; i++) {
			body[o++] = 63;
			memset(body + o, 'x', 63);
			o += 63;
		}
		body[o++] = 0;
		memcpy(body + o, "\0\1\0\1", 4);
		o += 4;
		n = build(buf, hdr_q, body, o);
		assert_int_equal(ndns_parse(buf, n, &m), NDNS_E_NAME_LONG);
	}
}

static void test_dns_answers(void **state)
{
	static struct ndns_msg m;
	static const uint8_t hdr_r[] = { 0xab, 0xcd, 0x81, 0x83, 0, 1, 0, 6, 0, 0, 0, 0 };
	static const uint8_t body[] =
		"\3foo\3com\0\0\1\0\1"				/* question at 12 */
		"\xc0\x0c\0\5\0\1\0\0\0\x3c\0\6\3bar\xc0\x10"	/* CNAME bar.com */
		"\xc0\x0c\0\1\0\1\0\0\0\x3c\0\4\xc0\0\2\1"	/* A 192.0.2.1 */
		"\xc0\x0c\0\x1c\0\1\0\0\0\x3c\0\x10\x20\1\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\1" /* AAAA */
		"\xc0\x0c\0\x0f\0\1\0\0\0\x3c\0\4\0\x0a\xc0\x0c"	/* MX 10 foo.com */
		"\xc0\x0c\0\x10\0\1\0\0\0\x3c\0\4\3a\"b"		/* TXT "a\"b" */
		"\xc0\x0c\0\x41\0\1\0\0\0\x3c\0\1\0";		/* HTTPS */
	uint8_t buf[300];
	size_t n = build(buf, hdr_r, body, sizeof(body) - 1);

	(void)state;
	assert_int_equal(ndns_parse(buf, n, &m), 0);
	assert_true(m.qr);
	assert_int_equal(m.rcode, 3);
	assert_int_equal(m.nanswers, 6);
	assert_false(m.truncated);
	assert_memory_equal(m.answers[0].p, "CNAME bar.com", m.answers[0].len);
	assert_int_equal(m.answers[0].len, 13);
	assert_int_equal(m.answers[1].len, strlen("A 192.0.2.1"));
	assert_memory_equal(m.answers[1].p, "A 192.0.2.1", m.answers[1].len);
	assert_memory_equal(m.answers[2].p, "AAAA 2001:db8::1", m.answers[2].len);
	assert_memory_equal(m.answers[3].p, "MX foo.com 10", m.answers[3].len);
	assert_memory_equal(m.answers[4].p, "TXT \"a\\\"b\"", m.answers[4].len);
	assert_memory_equal(m.answers[5].p, "HTTPS", m.answers[5].len);
	/* Cut in the middle of the third answer: two answers, marked truncated. */
	assert_int_equal(ndns_parse(buf, 12 + 13 + 18 + 16 + 20, &m), 0);
	assert_int_equal(m.nanswers, 2);
	assert_true(m.truncated);
	/* Every prefix decodes or fails cleanly (ASan watches the reads). */
	for (size_t k = 0; k <= n; k++) {
		uint8_t *copy = malloc(k ? k : 1);

		memcpy(copy, buf, k);
		(void)ndns_parse(copy, k, &m);
		free(copy);
	}
}

struct first {
	uint8_t b[256];
	uint32_t n;
};

static int copy_first(void *arg, int linktype, const uint8_t *p, uint32_t caplen, uint32_t len,
		      uint64_t t)
{
	struct first *f = arg;

	(void)linktype;
	(void)len;
	(void)t;
	f->n = caplen < sizeof(f->b) ? caplen : sizeof(f->b);
	memcpy(f->b, p, f->n);
	return 1;
}

static void test_dissect_prefixes(void **state)
{
	/* Every prefix of a real TCP SYN: an error, never a read past the end
	 * (ASan), and the full packet decodes to what tcpdump shows. */
	struct first f;
	struct nd_packet p;
	char path[4096], err[256];

	(void)state;
	if (!data_path("local/veth-tcp.pcap", path, sizeof(path)))
		skip();
	assert_true(pu_each(path, copy_first, &f, err) == 1);
	assert_int_equal(nd_dissect(ND_LINK_EN10MB, f.b, f.n, f.n, 0, &p), 0);
	assert_int_equal(p.tcp_flags, ND_TH_SYN);
	assert_int_equal(p.seq, 1296617532u);
	assert_int_equal(p.sport, 53526);
	assert_int_equal(p.dport, 8080);
	for (uint32_t k = 0; k < f.n; k++) {
		uint8_t *copy = malloc(k ? k : 1);
		int rc;

		memcpy(copy, f.b, k);
		/* as if the wire had only k bytes */
		rc = nd_dissect(ND_LINK_EN10MB, copy, k, k, 0, &p);
		assert_true(rc < 0);
		/* as if the snap length cut it: headers may still decode */
		rc = nd_dissect(ND_LINK_EN10MB, copy, k, f.n, 0, &p);
		assert_true(rc < 0 || (k >= 14 + 20 + 20 && p.has_ports && p.payload_caplen == 0));
		free(copy);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dns_names),
		cmocka_unit_test(test_dns_answers),
		cmocka_unit_test(test_against_tcpdump),
		cmocka_unit_test(test_malformed_captures),
		cmocka_unit_test(test_link_layers),
		cmocka_unit_test(test_dissect_prefixes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
