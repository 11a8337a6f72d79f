/* SPDX-License-Identifier: Apache-2.0 */
/*
 * net-tool: drive the network modules without fdr-record, for the script
 * tests and the bench. Events are printed as JSON lines with the attribution
 * verdict ("ring": container id, "host"; "pid"; "unattributed").
 *
 *   net-tool replay FILE [--all-packets] [--quiet]
 *       dissector + flow table over a capture (.gz too); prints the events,
 *       then "# packets N events N errors N cpu_s X" on stderr.
 *   net-tool live [--iface LIST] [--duration SECS] [--quiet]
 *       live capture (net-cap.h) with attribution (net-attr.h); a process
 *       in cgroup ".../fdrtest-ID" counts as container ID (a stand-in for
 *       fdr-record's cgroup parser, which lives in the core). Runs until
 *       SIGINT/SIGTERM or the duration; prints stats on stderr.
 *
 * Exit: 0 ok, 1 error, 2 usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "fdr-text.h"
#include "recorder/net-attr.h"
#include "recorder/net-cap.h"
#include "recorder/net-dissect.h"
#include "recorder/net-flow.h"
#include "pcap-util.h"

static volatile sig_atomic_t stop;
static bool quiet;
static uint64_t nevents, npackets;

struct live {
	struct ncap *cap;
	struct nf_table *flows;
	struct na_view view;
	char owner[NCAP_MAX][128];
	struct pollfd fds[NCAP_MAX];
	unsigned nfds;
	struct na_socks socks;
	uint64_t drops;
};

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

static void print_event(const struct fdr_event *ev, const struct na_verdict *v, enum nf_side side)
{
	static const unsigned str_fields[] = { FDR_F_PROTO, FDR_F_IFACE, FDR_F_NAME, FDR_F_QTYPE,
					       FDR_F_REASON };
	static const unsigned u_fields[] = { FDR_F_SPORT, FDR_F_DPORT, FDR_F_BYTES, FDR_F_PACKETS,
					     FDR_F_RCODE };
	struct fdr_buf b = FDR_BUF_INIT;
	char a[64];

	nevents++;
	if (quiet)
		return;
	fdr_buf_addf(&b, "{\"kind\":\"%s\",\"time\":%" PRIu64, fdr_kind_name(ev->kind), ev->time_ns);
	for (size_t i = 0; i < sizeof(str_fields) / sizeof(str_fields[0]); i++) {
		struct fdr_str s = fdr_event_str(ev, str_fields[i]);

		if (!fdr_event_has(ev, str_fields[i]))
			continue;
		fdr_buf_addf(&b, ",\"%s\":", fdr_field_name(str_fields[i]));
		fdr_buf_add_json_str(&b, s.p, s.len);
	}
	for (size_t i = 0; i < sizeof(u_fields) / sizeof(u_fields[0]); i++)
		if (fdr_event_has(ev, u_fields[i]))
			fdr_buf_addf(&b, ",\"%s\":%" PRIu64, fdr_field_name(u_fields[i]),
				     fdr_event_u(ev, u_fields[i], 0));
	if (fdr_event_has(ev, FDR_F_SRC))
		fdr_buf_addf(&b, ",\"src\":\"%s\"", fdr_addr_format(&ev->f[FDR_F_SRC].a, a, sizeof(a)));
	if (fdr_event_has(ev, FDR_F_DST))
		fdr_buf_addf(&b, ",\"dst\":\"%s\"", fdr_addr_format(&ev->f[FDR_F_DST].a, a, sizeof(a)));
	if (fdr_event_has(ev, FDR_F_ANSWERS)) {
		struct fdr_strv sv = fdr_event_strv(ev, FDR_F_ANSWERS);

		fdr_buf_adds(&b, ",\"answers\":[");
		for (uint32_t i = 0; i < sv.n; i++) {
			if (i)
				fdr_buf_addc(&b, ',');
			fdr_buf_add_json_str(&b, sv.v[i].p, sv.v[i].len);
		}
		fdr_buf_addc(&b, ']');
	}
	fdr_buf_addf(&b, ",\"flags\":%u,\"side\":%d", ev->flags, (int)side);
	if (v) {
		if (v->container) {
			fdr_buf_adds(&b, ",\"ring\":");
			fdr_buf_add_json_str(&b, v->container, strlen(v->container));
		} else {
			fdr_buf_adds(&b, ",\"ring\":\"host\"");
		}
		if (v->pid > 0)
			fdr_buf_addf(&b, ",\"pid\":%d", (int)v->pid);
		if (v->unattributed)
			fdr_buf_adds(&b, ",\"unattributed\":true");
	}
	fdr_buf_adds(&b, "}\n");
	fwrite(b.p, 1, b.len, stdout);
	fdr_buf_release(&b);
}

/* ---- replay ---------------------------------------------------------------- */

static void replay_event(void *arg, const struct fdr_event *ev, const struct nf_info *info)
{
	(void)arg;
	print_event(ev, NULL, info->local);
}

struct replay {
	struct nf_table *t;
	uint64_t errors, last;
};

static int replay_packet(void *arg, int linktype, const uint8_t *p, uint32_t caplen, uint32_t len,
			 uint64_t t)
{
	struct replay *r = arg;
	struct nd_packet pkt;

	npackets++;
	r->last = t;
	if (nd_dissect(linktype, p, caplen, len, t, &pkt)) {
		r->errors++;
		return 0;
	}
	nf_packet(r->t, &pkt, NULL, 0, 0);
	return 0;
}

static int cmd_replay(const char *file, bool all_packets)
{
	struct nf_config cfg = NF_CONFIG_INIT;
	struct replay r = { 0 };
	char err[256];
	double cpu0 = cpu_seconds(), cpu;
	long n;

	cfg.all_packets = all_packets;
	cfg.emit = replay_event;
	r.t = nf_new(&cfg);
	if (!r.t)
		return 1;
	n = pu_each(file, replay_packet, &r, err);
	if (n < 0) {
		fprintf(stderr, "net-tool: %s\n", err);
		nf_free(r.t);
		return 1;
	}
	nf_flush(r.t, r.last + 1);
	cpu = cpu_seconds() - cpu0;
	fprintf(stderr, "# packets %" PRIu64 " events %" PRIu64 " errors %" PRIu64 " flows %" PRIu64
		" dns_errors %" PRIu64 " cpu_s %.6f\n", npackets, nevents, r.errors, nf_stats(r.t)->flows,
		nf_stats(r.t)->dns_errors, cpu);
	nf_free(r.t);
	return 0;
}

/* ---- live ------------------------------------------------------------------ */

static const char *test_container_of(void *arg, pid_t pid, char *buf, size_t size)
{
	char path[64], line[512];
	FILE *f;

	(void)arg;
	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return buf;
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "/fdrtest-");

		if (p) {
			p += 9;
			p[strcspn(p, "/\n")] = '\0';
			snprintf(buf, size, "%s", p);
			break;
		}
	}
	fclose(f);
	return buf;
}

static bool live_is_local(void *arg, const struct fdr_addr *a)
{
	struct live *l = arg;

	return na_is_loopback(a) || na_addrs_find(&l->view.addrs, a);
}

static void live_event(void *arg, const struct fdr_event *ev, const struct nf_info *info)
{
	struct live *l = arg;
	const char *owner = info->cookie && info->cookie <= NCAP_MAX ? l->owner[info->cookie - 1] : "";
	struct na_verdict v;

	na_attribute(&l->view, ev, info->local, owner, info->tag, &l->socks, now_ns(), &v);
	print_event(ev, &v, info->local);
	fflush(stdout);
}

static void live_packet(void *arg, const struct nd_packet *pkt, unsigned slot)
{
	struct live *l = arg;
	const struct ncap_iface *i = ncap_iface(l->cap, slot);

	npackets++;
	nf_packet(l->flows, pkt, i ? i->name : NULL, i ? i->ifindex : 0, slot + 1);
}

static int live_watch(void *arg, int fd, bool add)
{
	struct live *l = arg;

	if (add) {
		if (l->nfds == NCAP_MAX)
			return -ENOSPC;
		l->fds[l->nfds].fd = fd;
		l->fds[l->nfds].events = POLLIN;
		l->nfds++;
		return 0;
	}
	for (unsigned i = 0; i < l->nfds; i++)
		if (l->fds[i].fd == fd) {
			l->fds[i] = l->fds[--l->nfds];
			break;
		}
	return 0;
}

static void live_log(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "net-tool: %s\n", msg);
}

static void live_refresh(struct live *l)
{
	na_view_refresh(&l->view, test_container_of, NULL);
	for (unsigned s = 0; s < NCAP_MAX; s++) {
		const struct ncap_iface *i = ncap_iface(l->cap, s);

		if (!i)
			break;
		snprintf(l->owner[s], sizeof(l->owner[s]), "%s",
			 i->open ? na_view_iface_owner(&l->view, i->name, i->ifindex) : "");
	}
}

static void live_drops(void *arg, unsigned slot, uint64_t lost)
{
	struct live *l = arg;

	(void)slot;
	l->drops += lost;
}

static int cmd_live(const char *ifaces, double duration)
{
	struct ncap_config cc = { 0 };
	struct nf_config fc = NF_CONFIG_INIT;
	static struct live l;
	uint64_t start = now_ns(), next_scan = 0, next_refresh = 0;
	double cpu0 = cpu_seconds();
	int rc = 1;

	cc.ifaces = ifaces;
	cc.packet = live_packet;
	cc.watch = live_watch;
	cc.log = live_log;
	cc.arg = &l;
	fc.emit = live_event;
	fc.is_local = live_is_local;
	fc.arg = &l;
	l.cap = ncap_new(&cc);
	l.flows = nf_new(&fc);
	if (!l.cap || !l.flows)
		goto out;
	if (ncap_scan(l.cap) <= 0) {
		fprintf(stderr, "net-tool: no interface to capture on\n");
		goto out;
	}
	live_refresh(&l);
	fprintf(stderr, "net-tool: capturing on %u interfaces\n", l.nfds);
	while (!stop) {
		uint64_t now = now_ns();
		int n;

		if (duration > 0 && now - start >= (uint64_t)(duration * 1e9))
			break;
		if (now >= next_scan) {
			ncap_scan(l.cap);
			next_scan = now + 1000000000ull;
			next_refresh = 0;
		}
		if (now >= next_refresh) {
			live_refresh(&l);
			next_refresh = now + 1000000000ull;
		}
		nf_expire(l.flows, now);
		n = poll(l.fds, l.nfds, 100);
		if (n < 0 && errno != EINTR)
			break;
		for (unsigned i = 0; n > 0 && i < l.nfds; i++)
			if (l.fds[i].revents)
				ncap_ready(l.cap, l.fds[i].fd);
	}
	ncap_drain(l.cap);
	ncap_drops(l.cap, live_drops, &l);
	fprintf(stderr, "# packets %" PRIu64 " events %" PRIu64 " drops %" PRIu64 " errors %" PRIu64
		" cpu_s %.6f\n", npackets, nevents, l.drops, ncap_errors(l.cap), cpu_seconds() - cpu0);
	rc = 0;
out:
	ncap_free(l.cap);
	nf_free(l.flows);
	na_view_release(&l.view);
	na_socks_release(&l.socks);
	return rc;
}

static int usage(void)
{
	fprintf(stderr, "usage: net-tool replay FILE [--all-packets] [--quiet]\n"
			"       net-tool live [--iface LIST] [--duration SECS] [--quiet]\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *ifaces = NULL, *file = NULL;
	bool all = false;
	double duration = 0;

	if (argc < 2)
		return usage();
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--quiet"))
			quiet = true;
		else if (!strcmp(argv[i], "--all-packets"))
			all = true;
		else if (!strcmp(argv[i], "--iface") && i + 1 < argc)
			ifaces = argv[++i];
		else if (!strcmp(argv[i], "--duration") && i + 1 < argc)
			duration = atof(argv[++i]);
		else if (argv[i][0] != '-' && !file)
			file = argv[i];
		else
			return usage();
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (!strcmp(argv[1], "replay") && file)
		return cmd_replay(file, all);
	if (!strcmp(argv[1], "live"))
		return cmd_live(ifaces, duration);
	return usage();
}
