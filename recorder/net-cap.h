/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NET_CAP_H
#define NET_CAP_H

/*
 * net-cap: live capture on a set of interfaces with libpcap, one
 * non-blocking handle per interface, each with the net-bpf.h kernel filter.
 * The owner of the event loop watches the handles' fds (cfg.watch) and calls
 * ncap_ready() when one is readable; every decoded packet goes to
 * cfg.packet, packets the dissector rejects are counted.
 *
 * Interfaces: all that are up, or those named in cfg.ifaces
 * (comma-separated). ncap_scan() opens handles for interfaces that appeared
 * (a new container's veth) and closes those that went away; call it every
 * few seconds.
 *
 * Ownership: struct ncap owns its handles; ncap_free() closes them (after
 * cfg.watch(fd, false) for each).
 */

#include <stdbool.h>
#include <stdint.h>

#include "net-dissect.h"

#define NCAP_MAX 256

struct ncap;

struct ncap_config {
	const char *ifaces;	/* comma-separated names; NULL = all (copied) */
	int timeout_ms;		/* pcap buffer timeout; 0 = 100 */
	/* A decoded packet; slot identifies the interface (ncap_iface()). */
	void (*packet)(void *arg, const struct nd_packet *pkt, unsigned slot);
	/* Register (add) or unregister an fd with the event loop. 0 or -errno. */
	int (*watch)(void *arg, int fd, bool add);
	/* One line about a problem (no newline); may be NULL. */
	void (*log)(void *arg, const char *msg);
	void *arg;
};

struct ncap_iface {
	char name[16];
	uint32_t ifindex;
	int linktype;
	bool open;
};

/* A capture with nothing open yet; NULL when out of memory. */
struct ncap *ncap_new(const struct ncap_config *cfg);
/* Open new interfaces, close vanished ones; returns how many are open. */
int ncap_scan(struct ncap *c);
/* Changes with every handle opened or closed by ncap_scan(). */
uint64_t ncap_generation(const struct ncap *c);
/* Read what is pending on fd (bounded work per call). */
void ncap_ready(struct ncap *c, int fd);
/* Read everything pending on every handle. */
void ncap_drain(struct ncap *c);
/* Interface of a slot, NULL when out of range. */
const struct ncap_iface *ncap_iface(const struct ncap *c, unsigned slot);
/* Call fn with the drops (ps_drop + ps_ifdrop) of each interface since the
 * last call. */
void ncap_drops(struct ncap *c, void (*fn)(void *arg, unsigned slot, uint64_t lost), void *arg);
/* Packets the dissector refused so far. */
uint64_t ncap_errors(const struct ncap *c);
void ncap_free(struct ncap *c);

#endif
