/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The network source of fdr-record: glue between the core (rec-source.h)
 * and the network modules:
 *   net-cap.h      live capture, one filtered pcap handle per interface
 *   net-dissect.h  packet -> addresses, ports, TCP flags, payload
 *   net-flow.h     flows -> net.connect/accept/close, dns.query/answer
 *   net-attr.h     which container or process an event belongs to
 *
 * Attribution order (net-attr.h, na_attribute()): a container's address on
 * the local side of the event; else the container behind the capture veth;
 * else for a host address the process owning the socket (/proc/net/{tcp,udp} inode
 * -> /proc/<pid>/fd), remembered for the flow's later events; else the host
 * ring marked FDR_EVF_UNATTRIBUTED.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fdr-text.h"
#include "net-attr.h"
#include "net-cap.h"
#include "net-flow.h"
#include "rec-source.h"

extern const struct source_ops src_net;

#define SCAN_NS (3ull * 1000000000ull)		/* interface rescan */
#define ATTR_NS (5ull * 1000000000ull)		/* address view refresh */
#define STATS_NS (1ull * 1000000000ull)		/* pcap drop counters */
#define EXPIRE_NS (1ull * 1000000000ull)

struct net {
	struct rec *rec;
	struct ncap *cap;
	struct nf_table *flows;
	struct na_view view;
	char iface_owner[NCAP_MAX][128];
	uint64_t next_scan, next_attr, next_stats, next_expire, last_stats;
	struct na_socks socks;
};

static const struct rec_optdef net_options[] = {
	{ "iface", "LIST", "net: capture on these interfaces only (comma-separated; default all)", true },
	{ NULL, NULL, NULL, false },
};

static bool is_local(void *arg, const struct fdr_addr *a)
{
	struct net *n = arg;

	return na_is_loopback(a) || na_addrs_find(&n->view.addrs, a) != NULL;
}

static void on_event(void *arg, const struct fdr_event *ev, const struct nf_info *info)
{
	struct net *n = arg;
	const char *owner = info->cookie && info->cookie <= NCAP_MAX ? n->iface_owner[info->cookie - 1] : "";
	struct na_verdict v;

	na_attribute(&n->view, ev, info->local, owner, info->tag, &n->socks, rec_now_ns(), &v);
	if (v.container) {
		rec_emit(n->rec, v.container, ev);
	} else if (v.pid > 0) {
		/* The core picks the ring from the pid (a process of a container
		 * that shares the host's network namespace goes to its container);
		 * the pid field is ours to set. */
		struct fdr_event copy = *ev;

		fdr_event_set_u(&copy, FDR_F_PID, (uint64_t)v.pid);
		rec_emit_pid(n->rec, v.pid, &copy);
	} else {
		struct fdr_event copy = *ev;

		copy.flags |= FDR_EVF_UNATTRIBUTED;
		rec_emit(n->rec, NULL, &copy);
	}
}

static void on_packet(void *arg, const struct nd_packet *pkt, unsigned slot)
{
	struct net *n = arg;
	const struct ncap_iface *i = ncap_iface(n->cap, slot);

	nf_packet(n->flows, pkt, i ? i->name : NULL, i ? i->ifindex : 0, slot + 1);
}

static int watch(void *arg, int fd, bool add)
{
	struct net *n = arg;

	if (add)
		return rec_watch_fd(n->rec, fd, &src_net);
	rec_unwatch_fd(n->rec, fd);
	return 0;
}

static void log_line(void *arg, const char *msg)
{
	struct net *n = arg;
	struct fdr_buf b = FDR_BUF_INIT;

	fdr_buf_add_escaped(&b, msg, strlen(msg));
	rec_log(n->rec, "net: %s", b.p);
	fdr_buf_release(&b);
}

static const char *container_of(void *arg, pid_t pid, char *buf, size_t size)
{
	struct net *n = arg;

	return rec_container_of(n->rec, pid, buf, size);
}

static void refresh(struct net *n)
{
	const struct ncap_iface *i;

	na_view_refresh(&n->view, container_of, n);
	for (unsigned s = 0; s < NCAP_MAX; s++) {
		i = ncap_iface(n->cap, s);
		if (!i)
			break;
		snprintf(n->iface_owner[s], sizeof(n->iface_owner[s]), "%s",
			 i->open ? na_view_iface_owner(&n->view, i->name, i->ifindex) : "");
	}
}

static void on_drops(void *arg, unsigned slot, uint64_t lost)
{
	struct net *n = arg;
	uint64_t now = rec_now_ns();

	rec_lost(n->rec, "net", n->iface_owner[slot][0] ? n->iface_owner[slot] : NULL, lost,
		 n->last_stats, now);
}

static void free_net(struct net *n)
{
	ncap_free(n->cap);
	nf_free(n->flows);
	na_view_release(&n->view);
	na_socks_release(&n->socks);
	free(n);
}

static int net_init(struct rec *rec, void **state)
{
	struct nf_config fc = NF_CONFIG_INIT;
	struct ncap_config cc = { 0 };
	struct fdr_buf list = FDR_BUF_INIT;
	struct net *n = calloc(1, sizeof(*n));
	const char *v;
	int open;

	if (!n)
		return -ENOMEM;
	n->rec = rec;
	for (unsigned i = 0; (v = rec_option(rec, "iface", i)); i++) {
		if (list.len)
			fdr_buf_addc(&list, ',');
		fdr_buf_adds(&list, v);
	}
	cc.ifaces = list.len ? list.p : NULL;
	cc.packet = on_packet;
	cc.watch = watch;
	cc.log = log_line;
	cc.arg = n;
	n->cap = ncap_new(&cc);
	fdr_buf_release(&list);
	fc.emit = on_event;
	fc.is_local = is_local;
	fc.arg = n;
	n->flows = nf_new(&fc);
	if (!n->cap || !n->flows) {
		free_net(n);
		return -ENOMEM;
	}
	n->last_stats = rec_now_ns();
	open = ncap_scan(n->cap);
	if (open <= 0) {
		rec_log(rec, "net: no interface to capture on");
		free_net(n);
		return -EOPNOTSUPP;
	}
	rec_log(rec, "net: capturing on %d interface(s)", open);
	refresh(n);
	/* init did the scan and the refresh: the first ticks need not, right
	 * when the other sources start their work. */
	n->next_scan = n->last_stats + SCAN_NS;
	n->next_attr = n->last_stats + ATTR_NS;
	n->next_stats = n->last_stats + STATS_NS;
	n->next_expire = n->last_stats + EXPIRE_NS;
	*state = n;
	return 0;
}

static void net_on_ready(struct rec *rec, void *state, int fd)
{
	struct net *n = state;

	(void)rec;
	ncap_ready(n->cap, fd);
}

static void net_tick(struct rec *rec, void *state, uint64_t now)
{
	struct net *n = state;

	(void)rec;
	if (now >= n->next_scan) {
		uint64_t gen = ncap_generation(n->cap);

		ncap_scan(n->cap);
		n->next_scan = now + SCAN_NS;
		if (ncap_generation(n->cap) != gen)
			n->next_attr = 0;	/* a new veth: find its owner now */
	}
	if (now >= n->next_attr) {
		refresh(n);
		n->next_attr = now + ATTR_NS;
	}
	if (now >= n->next_stats) {
		ncap_drops(n->cap, on_drops, n);
		n->last_stats = now;
		n->next_stats = now + STATS_NS;
	}
	if (now >= n->next_expire) {
		nf_expire(n->flows, now);
		n->next_expire = now + EXPIRE_NS;
	}
}

static void net_stop(struct rec *rec, void *state)
{
	struct net *n = state;

	(void)rec;
	if (!n)
		return;
	ncap_drain(n->cap);
	ncap_drops(n->cap, on_drops, n);
	/* Flows still open stay open: a close we did not see is not invented. */
	free_net(n);
}

const struct source_ops src_net = {
	.name = "net",
	.on_by_default = true,
	.options = net_options,
	.init = net_init,
	.on_ready = net_on_ready,
	.tick = net_tick,
	.stop = net_stop,
};
