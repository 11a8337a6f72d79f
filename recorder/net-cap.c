/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Live capture. Why not the "any" device: events name the interface, veths
 * map to containers, and per-interface handles let a new veth be added
 * without reopening the others. Why not immediate mode: under a storm it
 * wakes us per packet; a 100 ms buffer timeout batches them (TPACKET_V3).
 */
#include <errno.h>
#include <stdarg.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net-bpf.h"
#include "net-cap.h"

#define DISPATCH_MAX 512
#define ROUNDS_MAX 8

struct handle {
	pcap_t *pc;
	int fd;
	bool seen;
	uint64_t drops;
	struct ncap_iface info;
};

struct ncap {
	struct ncap_config cfg;
	char *ifaces;
	struct handle h[NCAP_MAX];
	bool said_full;		/* told the log once that interfaces were left out */
	unsigned n;
	uint64_t errors;
	uint64_t generation;
};

struct dispatch {
	struct ncap *c;
	unsigned slot;
};

static void logf_(struct ncap *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(struct ncap *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!c->cfg.log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->cfg.log(c->cfg.arg, msg);
}

struct ncap *ncap_new(const struct ncap_config *cfg)
{
	struct ncap *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->cfg = *cfg;
	if (!c->cfg.timeout_ms)
		c->cfg.timeout_ms = 100;
	if (cfg->ifaces && !(c->ifaces = strdup(cfg->ifaces))) {
		free(c);
		return NULL;
	}
	c->cfg.ifaces = c->ifaces;
	return c;
}

static void on_packet(u_char *user, const struct pcap_pkthdr *ph, const u_char *bytes)
{
	struct dispatch *d = (struct dispatch *)user;
	struct handle *h = &d->c->h[d->slot];
	struct nd_packet pkt;
	uint64_t t = (uint64_t)ph->ts.tv_sec * 1000000000ull + (uint64_t)ph->ts.tv_usec * 1000ull;

	if (nd_dissect(h->info.linktype, bytes, ph->caplen, ph->len, t, &pkt)) {
		d->c->errors++;
		return;
	}
	d->c->cfg.packet(d->c->cfg.arg, &pkt, d->slot);
}

static bool wanted(const struct ncap *c, const char *name)
{
	const char *p = c->ifaces;
	size_t len = strlen(name);

	if (!p)
		return true;
	while (*p) {
		size_t l = strcspn(p, ",");

		if (l == len && !memcmp(p, name, l))
			return true;
		p += l;
		if (*p == ',')
			p++;
	}
	return false;
}

static void close_handle(struct ncap *c, struct handle *h)
{
	if (!h->pc)
		return;
	if (c->cfg.watch && h->fd >= 0)
		c->cfg.watch(c->cfg.arg, h->fd, false);
	pcap_close(h->pc);
	h->pc = NULL;
	h->fd = -1;
	h->info.open = false;
}

static int open_handle(struct ncap *c, struct handle *h, const char *name)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "", err[256];
	struct bpf_program prog;
	int rc;

	memset(h, 0, sizeof(*h));
	h->fd = -1;
	snprintf(h->info.name, sizeof(h->info.name), "%s", name);
	h->info.ifindex = if_nametoindex(name);
	h->pc = pcap_create(name, ebuf);
	if (!h->pc)
		goto out_log;
	pcap_set_snaplen(h->pc, NB_FULL_SNAP);
	pcap_set_promisc(h->pc, 0);
	pcap_set_timeout(h->pc, c->cfg.timeout_ms);
	/* Filtered to headers, 2 MiB holds thousands of packets; a host with a
	 * hundred veths pays this a hundred times in kernel memory. */
	pcap_set_buffer_size(h->pc, 2 << 20);
	rc = pcap_activate(h->pc);
	if (rc < 0) {
		snprintf(ebuf, sizeof(ebuf), "%s", pcap_geterr(h->pc));
		goto out_close;
	}
	h->info.linktype = pcap_datalink(h->pc);
	if (!nd_linktype_supported(h->info.linktype)) {
		snprintf(ebuf, sizeof(ebuf), "link type %d is not decoded", h->info.linktype);
		goto out_close;
	}
	if (nb_build(h->info.linktype, NB_SMALL_SNAP, NB_FULL_SNAP, &prog, err, sizeof(err))) {
		snprintf(ebuf, sizeof(ebuf), "%s", err);
		goto out_close;
	}
	rc = pcap_setfilter(h->pc, &prog);
	pcap_freecode(&prog);
	if (rc) {
		snprintf(ebuf, sizeof(ebuf), "%s", pcap_geterr(h->pc));
		goto out_close;
	}
	if (pcap_setnonblock(h->pc, 1, ebuf) || (h->fd = pcap_get_selectable_fd(h->pc)) < 0)
		goto out_close;
	if (c->cfg.watch && (rc = c->cfg.watch(c->cfg.arg, h->fd, true)) < 0) {
		snprintf(ebuf, sizeof(ebuf), "cannot watch its fd: %s", strerror(-rc));
		goto out_close;
	}
	h->info.open = true;
	h->seen = true;
	return 0;

out_close:
	pcap_close(h->pc);
	h->pc = NULL;
	h->fd = -1;
out_log:
	/* Interface names are kernel-checked (no controls, no '/'). */
	logf_(c, "cannot capture on '%s': %s", name, ebuf);
	return -ENODEV;
}

/* Up and not a loopback-only pseudo device we cannot capture on. */
static bool iface_up(int sock, const char *name)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	return ioctl(sock, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_UP);
}

/* if_nameindex() (one netlink dump) rather than pcap_findalldevs(), which
 * also probes USB, Bluetooth, netfilter and D-Bus capture devices: this runs
 * every few seconds in the recorder's loop. */
int ncap_scan(struct ncap *c)
{
	struct if_nameindex *all, *d;
	int open = 0, sock;

	all = if_nameindex();
	if (!all) {
		logf_(c, "cannot list interfaces: %s", strerror(errno));
		return -errno;
	}
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	for (unsigned i = 0; i < c->n; i++)
		c->h[i].seen = false;
	for (d = all; d->if_index; d++) {
		unsigned i, slot = c->n;

		if (!wanted(c, d->if_name) || (sock >= 0 && !iface_up(sock, d->if_name)))
			continue;
		for (i = 0; i < c->n; i++) {
			if (c->h[i].pc && !strcmp(c->h[i].info.name, d->if_name) &&
			    c->h[i].info.ifindex == d->if_index)
				break;
			if (!c->h[i].pc && slot == c->n)
				slot = i;
		}
		if (i < c->n) {
			c->h[i].seen = true;
			continue;
		}
		if (slot == NCAP_MAX) {
			if (!c->said_full)
				logf_(c, "more than %d interfaces: '%s' and later ones are not captured",
				      NCAP_MAX, d->if_name);
			c->said_full = true;
			continue;
		}
		if (open_handle(c, &c->h[slot], d->if_name) == 0) {
			c->generation++;
			if (slot == c->n)
				c->n++;
		}
	}
	if_freenameindex(all);
	if (sock >= 0)
		close(sock);
	for (unsigned i = 0; i < c->n; i++) {
		if (c->h[i].pc && !c->h[i].seen) {
			close_handle(c, &c->h[i]);
			c->generation++;
		}
		open += c->h[i].pc != NULL;
	}
	return open;
}

uint64_t ncap_generation(const struct ncap *c)
{
	return c->generation;
}

void ncap_ready(struct ncap *c, int fd)
{
	for (unsigned i = 0; i < c->n; i++) {
		struct dispatch d = { c, i };

		if (!c->h[i].pc || c->h[i].fd != fd)
			continue;
		/* Bounded per wake-up so one busy interface cannot starve the loop. */
		for (int round = 0; round < ROUNDS_MAX; round++)
			if (pcap_dispatch(c->h[i].pc, DISPATCH_MAX, on_packet, (u_char *)&d) <= 0)
				break;
	}
}

void ncap_drain(struct ncap *c)
{
	for (unsigned i = 0; i < c->n; i++) {
		struct dispatch d = { c, i };

		if (c->h[i].pc)
			while (pcap_dispatch(c->h[i].pc, DISPATCH_MAX, on_packet, (u_char *)&d) > 0)
				;
	}
}

const struct ncap_iface *ncap_iface(const struct ncap *c, unsigned slot)
{
	return slot < c->n ? &c->h[slot].info : NULL;
}

void ncap_drops(struct ncap *c, void (*fn)(void *arg, unsigned slot, uint64_t lost), void *arg)
{
	for (unsigned i = 0; i < c->n; i++) {
		struct pcap_stat ps;
		uint64_t total;

		if (!c->h[i].pc || pcap_stats(c->h[i].pc, &ps))
			continue;
		total = (uint64_t)ps.ps_drop + ps.ps_ifdrop;
		if (total > c->h[i].drops)
			fn(arg, i, total - c->h[i].drops);
		c->h[i].drops = total;
	}
}

uint64_t ncap_errors(const struct ncap *c)
{
	return c->errors;
}

void ncap_free(struct ncap *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < c->n; i++)
		close_handle(c, &c->h[i]);
	free(c->ifaces);
	free(c);
}
