/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NET_ATTR_H
#define NET_ATTR_H

/*
 * net-attr: who owns an address or a socket, from /proc, for the network
 * source's attribution.
 *
 *  - an address set (struct na_addrs): local addresses of the host and of
 *    every container network namespace, each with its owner (container id,
 *    "" for the host), filled from /proc/<pid>/net/fib_trie (IPv4 "/32 host
 *    LOCAL" entries) and /proc/<pid>/net/if_inet6, which show the network
 *    namespace of that pid;
 *  - interfaces of a namespace (/proc/<pid>/net/if_inet6 names and indexes)
 *    and the peer index of a host veth (/sys/class/net/<if>/iflink);
 *  - the process behind a flow: its socket inode from the kernel
 *    (NETLINK_SOCK_DIAG) and the process holding that inode (/proc/<pid>/fd).
 *
 * All functions read files only; none prints. Paths are parameters so the
 * caller chooses the namespace (through a pid) and tests can point them at
 * other files.
 *
 * Ownership: struct na_addrs owns its array; na_addrs_release() frees it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "fdr-event.h"

struct na_addr_entry {
	struct fdr_addr addr;
	char owner[128];	/* container id ("" = host) */
	uint64_t netns;		/* inode of the network namespace */
};

struct na_addrs {
	struct na_addr_entry *v;
	size_t n, cap;
};

#define NA_ADDRS_INIT { NULL, 0, 0 }

/* Add an address with its owner (duplicates of the same address are kept once,
 * the first owner wins). 0 or -ENOMEM. */
int na_addrs_add(struct na_addrs *s, const struct fdr_addr *a, const char *owner, uint64_t netns);
/* The entry of an address, or NULL. */
const struct na_addr_entry *na_addrs_find(const struct na_addrs *s, const struct fdr_addr *a);
/* Empty the set, keep its memory. */
void na_addrs_reset(struct na_addrs *s);
void na_addrs_release(struct na_addrs *s);

/* Add the local addresses of the network namespace of pid (0 = self) to s,
 * owned by owner. Returns the number added or -errno. */
int na_addrs_load_pid(struct na_addrs *s, pid_t pid, const char *owner, uint64_t netns);

/* Parse fib_trie text: call fn for each "/32 host LOCAL" address. */
int na_parse_fib_trie(const char *text, void (*fn)(void *arg, const struct fdr_addr *a), void *arg);
/* Parse if_inet6 text: call fn for each address with its ifindex and name. */
int na_parse_if_inet6(const char *text,
		      void (*fn)(void *arg, const struct fdr_addr *a, uint32_t ifindex, const char *name),
		      void *arg);

/* Inode of the network namespace of pid (0 = self); 0 when unknown. */
uint64_t na_netns_of(pid_t pid);

/* Peer interface index of a veth (its iflink), 0 when none or unknown. */
uint32_t na_iflink(const char *ifname);

/* True for loopback addresses (127/8, ::1, ::ffff:127/104). */
bool na_is_loopback(const struct fdr_addr *a);

/* ---- the view of the host the network source attributes with ------------- */

/* Container id of a pid ("" for the host) into buf; the recorder's process
 * table in fdr-record. */
typedef const char *(*na_container_fn)(void *arg, pid_t pid, char *buf, size_t size);

struct na_nsif {
	uint32_t ifindex;	/* inside its namespace */
	uint64_t netns;
	char owner[128];
};

/*
 * Local addresses of the host (network namespace of pid 1) and of every other
 * network namespace a process is in, with the owner of each (that process's
 * container, "" when it is a host process), and the interface indexes of
 * those namespaces (for veth peers).
 */
struct na_view {
	struct na_addrs addrs;
	struct na_nsif *nsifs;
	size_t nnsifs, capnsifs;
	uint64_t host_netns;
	unsigned namespaces;	/* other namespaces seen at the last refresh */
};

#define NA_VIEW_INIT { NA_ADDRS_INIT, NULL, 0, 0, 0, 0 }

/* Rebuild the view from /proc. 0 or -errno. */
int na_view_refresh(struct na_view *v, na_container_fn container_of, void *arg);
/* Owner of a host interface: the container whose namespace holds its veth
 * peer; "" when none. */
const char *na_view_iface_owner(const struct na_view *v, const char *ifname, uint32_t ifindex);
void na_view_release(struct na_view *v);

/*
 * Finding the process behind a flow: the socket inode of its 4-tuple comes
 * from the kernel (NETLINK_SOCK_DIAG, an exact lookup per flow), the pid
 * holding that inode from a snapshot of /proc/<pid>/fd links. The snapshot
 * costs milliseconds on a busy host, so a lookup that misses first looks at
 * the fds of the last few owners found (a client opening many connections),
 * then reloads the snapshot only when it is older than min_age_ns: the cost
 * is bounded, and a socket that lives shorter than that may stay
 * unattributed.
 */
#define NA_RECENT 8
struct na_inode_pid;
struct na_socks {
	struct na_inode_pid *ip;	/* sorted by inode */
	size_t nip, capip;
	uint64_t loaded_ns;
	uint64_t min_age_ns;		/* 0: 250 ms */
	uint64_t reloads;		/* counter, for tests and stats */
	pid_t recent[NA_RECENT];	/* owners found last, looked at first */
	int diag_fd;			/* 0 until first use */
	bool diag_tried;
	uint32_t diag_seq;
};

#define NA_SOCKS_INIT { NULL, 0, 0, 0, 0, 0, { 0 }, 0, false, 0 }
/* A flow tag (net-flow.h) value: searched, no process found. */
#define NA_TAG_NONE UINT64_MAX

/* The pid owning the socket of a flow seen from its local side (laddr,
 * lport; raddr, rport of the peer), 0 when not found. now_ns decides whether
 * a miss may reload the snapshot. */
pid_t na_socks_pid(struct na_socks *s, bool tcp, const struct fdr_addr *laddr, uint16_t lport,
		   const struct fdr_addr *raddr, uint16_t rport, uint64_t now_ns);
void na_socks_release(struct na_socks *s);

/* Where an event goes. */
struct na_verdict {
	const char *container;	/* a container's ring (points into the view) */
	pid_t pid;		/* else: the owning process on the host, when found */
	bool unattributed;	/* else: host ring, FDR_EVF_UNATTRIBUTED */
};

/*
 * Decide for an event of the flow table (net-flow.h): local is the side the
 * event belongs to (enum nf_side: 0 none, 1 src, 2 dst), iface_owner the
 * owner of the capture interface ("" or NULL for none), *tag the flow's kept
 * pid (read, and set when a pid is found; may be NULL), socks the socket
 * snapshot (NULL: no process lookup), now_ns the time for its reloads.
 */
void na_attribute(const struct na_view *v, const struct fdr_event *ev, int local,
		  const char *iface_owner, uint64_t *tag, struct na_socks *socks, uint64_t now_ns,
		  struct na_verdict *out);

#endif
