/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Attribution helpers against the real kernel of this machine: TCP and UDP
 * sockets the test opens (and one a child holds) lead back to the right pid
 * through sock_diag and /proc/<pid>/fd, with reloads bounded as documented;
 * the local address set from fib_trie/if_inet6 holds every address
 * getifaddrs() reports. The kernel filter (net-bpf.h) runs in libpcap's BPF
 * interpreter over real captured packets and keeps what it must.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "recorder/net-attr.h"
#include "recorder/net-bpf.h"
#include "recorder/net-dissect.h"
#include "recorder/net-flow.h"

/* A connected loopback pair; returns the client's local port. */
static void pair(int *ls, int *cs, int *as, uint16_t *lport, uint16_t *cport)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*ls = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(*ls, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(*ls, 1), 0);
	assert_int_equal(getsockname(*ls, (struct sockaddr *)&sa, &len), 0);
	*lport = ntohs(sa.sin_port);
	*cs = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(*cs, (struct sockaddr *)&sa, sizeof(sa)), 0);
	*as = accept(*ls, NULL, NULL);
	len = sizeof(sa);
	assert_int_equal(getsockname(*cs, (struct sockaddr *)&sa, &len), 0);
	*cport = ntohs(sa.sin_port);
}

static void test_socket_snapshot(void **state)
{
	struct na_socks s = NA_SOCKS_INIT;
	struct fdr_addr lo;
	int ls, cs, as, ls2, cs2, as2;
	uint16_t lp, cp, lp2, cp2;
	const uint64_t t0 = 1000000000000ull;

	(void)state;
	fdr_addr_parse(&lo, "127.0.0.1");
	pair(&ls, &cs, &as, &lp, &cp);
	/* first lookup loads the snapshot and finds us on both ends */
	assert_int_equal(na_socks_pid(&s, true, &lo, cp, &lo, lp, t0), getpid());
	assert_int_equal(s.reloads, 1);
	assert_int_equal(na_socks_pid(&s, true, &lo, lp, &lo, cp, t0), getpid());
	assert_int_equal(s.reloads, 1);
	/* a socket made after the snapshot: found among the fds of the last
	 * owner, without a reload */
	pair(&ls2, &cs2, &as2, &lp2, &cp2);
	assert_int_equal(na_socks_pid(&s, true, &lo, cp2, &lo, lp2, t0 + 100000000ull), getpid());
	assert_int_equal(s.reloads, 1);
	/* a socket of another process (a child): a miss within 250 ms does not
	 * reload, later it does */
	{
		int fds[2];
		pid_t child;
		char c;
		int cl, ca, cls;
		uint16_t clp, ccp;

		assert_int_equal(pipe(fds), 0);
		pair(&cls, &cl, &ca, &clp, &ccp);
		child = fork();
		if (child == 0) {
			close(fds[1]);
			(void)!read(fds[0], &c, 1);	/* keeps the sockets until told */
			_exit(0);
		}
		close(cl);	/* now only the child holds the client end */
		assert_int_equal(na_socks_pid(&s, true, &lo, ccp, &lo, clp, t0 + 200000000ull), 0);
		assert_int_equal(s.reloads, 1);
		assert_int_equal(na_socks_pid(&s, true, &lo, ccp, &lo, clp, t0 + 400000000ull), child);
		assert_int_equal(s.reloads, 2);
		close(fds[1]);
		waitpid(child, NULL, 0);
		close(fds[0]);
		close(ca);
		close(cls);
	}
	/* UDP is another table */
	assert_int_equal(na_socks_pid(&s, false, &lo, cp2, &lo, lp2, t0 + 300000000ull), 0);
	/* a connected UDP socket and an unbound-peer UDP server socket */
	{
		struct sockaddr_in sa = { .sin_family = AF_INET };
		socklen_t len = sizeof(sa);
		int us = socket(AF_INET, SOCK_DGRAM, 0), uc = socket(AF_INET, SOCK_DGRAM, 0);
		uint16_t sp, ucp;
		struct fdr_addr other;

		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		assert_int_equal(bind(us, (struct sockaddr *)&sa, sizeof(sa)), 0);
		assert_int_equal(getsockname(us, (struct sockaddr *)&sa, &len), 0);
		sp = ntohs(sa.sin_port);
		assert_int_equal(connect(uc, (struct sockaddr *)&sa, sizeof(sa)), 0);
		len = sizeof(sa);
		assert_int_equal(getsockname(uc, (struct sockaddr *)&sa, &len), 0);
		ucp = ntohs(sa.sin_port);
		assert_int_equal(na_socks_pid(&s, false, &lo, ucp, &lo, sp, t0 + 600000000ull), getpid());
		fdr_addr_parse(&other, "127.0.0.7");
		assert_int_equal(na_socks_pid(&s, false, &lo, sp, &other, 9, t0 + 600000000ull), getpid());
		close(us);
		close(uc);
	}
	close(as);
	close(cs);
	close(ls);
	close(as2);
	close(cs2);
	close(ls2);
	na_socks_release(&s);
}

static void test_local_addresses(void **state)
{
	struct na_addrs s = NA_ADDRS_INIT;
	struct ifaddrs *ifa, *i;
	unsigned checked = 0;

	(void)state;
	assert_true(na_addrs_load_pid(&s, 0, "", na_netns_of(0)) > 0);
	assert_int_equal(getifaddrs(&ifa), 0);
	for (i = ifa; i; i = i->ifa_next) {
		struct fdr_addr a = { 0 };
		char buf[64];

		if (!i->ifa_addr)
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			a.family = 4;
			memcpy(a.b, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, 4);
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			a.family = 6;
			memcpy(a.b, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
		} else {
			continue;
		}
		if (!na_addrs_find(&s, &a))
			print_error("%s of %s missing\n", fdr_addr_format(&a, buf, sizeof(buf)), i->ifa_name);
		assert_non_null(na_addrs_find(&s, &a));
		checked++;
	}
	freeifaddrs(ifa);
	assert_true(checked > 0);
	/* And not everything is local. */
	{
		struct fdr_addr x;

		fdr_addr_parse(&x, "192.0.2.254");
		assert_null(na_addrs_find(&s, &x));
		fdr_addr_parse(&x, "127.3.4.5");
		assert_true(na_is_loopback(&x));
	}
	na_addrs_release(&s);
}

static void on_v4(void *arg, const struct fdr_addr *a)
{
	char buf[64];

	snprintf((char *)arg + strlen(arg), 256 - strlen(arg), "%s ", fdr_addr_format(a, buf, sizeof(buf)));
}

static void on_v6(void *arg, const struct fdr_addr *a, uint32_t ifindex, const char *name)
{
	char buf[64];

	snprintf((char *)arg + strlen(arg), 256 - strlen(arg), "%s/%u/%s ", fdr_addr_format(a, buf, sizeof(buf)),
		 ifindex, name);
}

static void test_parsers(void **state)
{
	/* Shapes taken from this kernel's files, cut short and damaged. */
	static const char trie[] =
		"Main:\n  +-- 0.0.0.0/0 3 0 5\n     |-- 0.0.0.0\n        /0 universe UNICAST\n"
		"           |-- 127.0.0.1\n              /32 host LOCAL\n"
		"           |-- 192.0.2.2\n              /32 host LOCAL\n"
		"        |-- 192.0.2.255\n           /32 link BROADCAST\n"
		"           |-- not-an-address\n              /32 host LOCAL\n"
		"           |-- 10.1.2.3";
	static const char inet6[] =
		"fd000000000000000000000000000002 04 40 00 82     eth0\n"
		"00000000000000000000000000000001 01 80 10 80       lo\n"
		"zz000000000000000000000000000001 01 80 10 80       bad\n"
		"0000000000000000000000000001 01 80 10 80       short\n";
	char out[256] = "";

	(void)state;
	assert_int_equal(na_parse_fib_trie(trie, on_v4, out), 2);
	assert_string_equal(out, "127.0.0.1 192.0.2.2 ");
	out[0] = '\0';
	assert_int_equal(na_parse_if_inet6(inet6, on_v6, out), 2);
	assert_string_equal(out, "fd00::2/4/eth0 ::1/1/lo ");
}

/* ---- the kernel filter ----------------------------------------------------- */

static unsigned run_filter(const struct bpf_program *prog, const uint8_t *pkt, unsigned len)
{
	return bpf_filter(prog->bf_insns, pkt, len, len);
}

/* Ethernet + IPv4 + TCP/UDP packet with given ports and flags. */
static unsigned build(uint8_t *b, bool tcp, uint16_t sport, uint16_t dport, uint8_t flags, unsigned payload)
{
	unsigned l4 = tcp ? 20 : 8, tot = 20 + l4 + payload;

	memset(b, 0, 14 + tot);
	b[12] = 0x08;
	b[14] = 0x45;
	b[16] = (uint8_t)(tot >> 8);
	b[17] = (uint8_t)tot;
	b[22] = 64;
	b[23] = tcp ? 6 : 17;
	memcpy(b + 26, "\xc0\0\2\1\xc0\0\2\2", 8);
	b[34] = (uint8_t)(sport >> 8);
	b[35] = (uint8_t)sport;
	b[36] = (uint8_t)(dport >> 8);
	b[37] = (uint8_t)dport;
	if (tcp) {
		b[46] = 0x50;
		b[47] = flags;
	} else {
		b[38] = (uint8_t)((8 + payload) >> 8);
		b[39] = (uint8_t)(8 + payload);
	}
	return 14 + tot;
}

static void test_bpf(void **state)
{
	struct bpf_program prog;
	char err[256];
	uint8_t pkt[2000];
	unsigned n;

	(void)state;
	assert_int_equal(nb_build(DLT_EN10MB, NB_SMALL_SNAP, NB_FULL_SNAP, &prog, err, sizeof(err)), 0);
	/* SYN, FIN, RST: headers only */
	n = build(pkt, true, 40000, 443, ND_TH_SYN, 0);
	assert_int_equal(run_filter(&prog, pkt, n), NB_SMALL_SNAP);
	n = build(pkt, true, 40000, 443, ND_TH_FIN | ND_TH_ACK, 1000);
	assert_int_equal(run_filter(&prog, pkt, n), NB_SMALL_SNAP);
	n = build(pkt, true, 443, 40000, ND_TH_RST, 0);
	assert_int_equal(run_filter(&prog, pkt, n), NB_SMALL_SNAP);
	/* data and bare ACKs: dropped in the kernel */
	n = build(pkt, true, 40000, 443, ND_TH_ACK | ND_TH_PUSH, 1000);
	assert_int_equal(run_filter(&prog, pkt, n), 0);
	/* any UDP: headers */
	n = build(pkt, false, 5000, 5001, 0, 1200);
	assert_int_equal(run_filter(&prog, pkt, n), NB_SMALL_SNAP);
	/* DNS over UDP and TCP data: all of it */
	n = build(pkt, false, 33000, 53, 0, 1200);
	assert_int_equal(run_filter(&prog, pkt, n), NB_FULL_SNAP);
	n = build(pkt, true, 53, 33000, ND_TH_ACK | ND_TH_PUSH, 800);
	assert_int_equal(run_filter(&prog, pkt, n), NB_FULL_SNAP);
	/* the same behind an 802.1Q tag */
	n = build(pkt + 4, true, 40000, 443, ND_TH_SYN, 0);
	memmove(pkt, pkt + 4, 12);
	memcpy(pkt + 12, "\x81\x00\x00\x0a", 4);
	assert_int_equal(run_filter(&prog, pkt, n + 4), NB_SMALL_SNAP);
	n = build(pkt + 4, true, 40000, 443, ND_TH_ACK, 500);
	memmove(pkt, pkt + 4, 12);
	memcpy(pkt + 12, "\x81\x00\x00\x0a", 4);
	assert_int_equal(run_filter(&prog, pkt, n + 4), 0);
	n = build(pkt + 4, false, 33000, 53, 0, 300);
	memmove(pkt, pkt + 4, 12);
	memcpy(pkt + 12, "\x81\x00\x00\x0a", 4);
	assert_int_equal(run_filter(&prog, pkt, n + 4), NB_FULL_SNAP);
	/* ARP: nothing */
	memset(pkt, 0, 60);
	pkt[12] = 0x08;
	pkt[13] = 0x06;
	assert_int_equal(run_filter(&prog, pkt, 60), 0);
	pcap_freecode(&prog);
	/* Other link types compile too. */
	assert_int_equal(nb_build(DLT_LINUX_SLL2, 128, 4096, &prog, err, sizeof(err)), 0);
	pcap_freecode(&prog);
	assert_int_equal(nb_build(DLT_RAW, 128, 4096, &prog, err, sizeof(err)), 0);
	pcap_freecode(&prog);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_socket_snapshot),
		cmocka_unit_test(test_local_addresses),
		cmocka_unit_test(test_parsers),
		cmocka_unit_test(test_bpf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
