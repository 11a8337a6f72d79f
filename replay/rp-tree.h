/* SPDX-License-Identifier: Apache-2.0 */
#ifndef RP_TREE_H
#define RP_TREE_H

/*
 * rp-tree: process trees (fork/exec lineage) per host boot and container,
 * built from events fed in time order (an rp_scan's output).
 *
 * A process is identified by (host boot, pid, start): a pid reused after an
 * exit, or the same pid on another host, is another process. Each process
 * keeps its exe and argv (the last exec; earlier ones are counted), start
 * and end time, exit code or signal, its ring (container), and its file,
 * network and other activity (the first RP_TREE_MAX_ACTS events; the rest
 * are counted). Processes seen running before their first event (the
 * recorder's /proc scan, or no fork seen) are marked started_before; those
 * without an exit when the events end are marked running_at_end. A gap
 * (rec.gap) in a process's ring while it lives marks it uncertain: children
 * or events of it may be missing.
 *
 * Cross-links (rp_tree_link) attach a subtree under another process, e.g.
 * the container process a `docker exec` started (see rp-session.h).
 *
 * Ownership: the tree copies what it keeps; rings are borrowed and must
 * outlive it. No printing: the format functions append to a fdr_buf.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fdr-event.h"
#include "fdr-text.h"
#include "rp-set.h"

#define RP_TREE_MAX_ACTS 16
#define RP_NONE SIZE_MAX

struct rp_act {
	uint64_t time_ns;
	char *kind;		/* "file.create", "docker.exec_start", ... */
	char *text;		/* file events: the raw path(s); others: the human
				 * details (rp_out_details, already escaped).
				 * NUL-terminated; escape again when shown. */
};

struct rp_proc {
	const struct rp_ring *ring;	/* where it was first seen, or the container it exec'd into */
	unsigned host_idx;
	uint64_t pid, ppid;	/* ppid 0 = unknown */
	uint64_t start_ns, end_ns;	/* first/last event time when not observed */
	bool started_before;	/* running before its first event */
	bool running_at_end;	/* no exit seen */
	bool uncertain;		/* a gap happened while it ran */
	bool has_exit_code, has_signal;
	int64_t exit_code;
	uint64_t signal;
	char *exe;		/* may be NULL */
	char *comm;
	char **argv;
	uint32_t argc;
	uint32_t execs;		/* execs seen */
	bool has_uid, has_session;
	uint64_t uid, loginuid, sessionid;
	char *tty;
	struct rp_act acts[RP_TREE_MAX_ACTS];
	uint32_t nacts;
	uint64_t more_acts;	/* beyond RP_TREE_MAX_ACTS */
	size_t parent, first_child, last_child, next_sibling;	/* RP_NONE when absent */
	size_t link_first, link_next;	/* cross-linked subtrees */
	char *link_label;	/* why this process is linked under another */
};

struct rp_tree;

int rp_tree_new(struct rp_tree **out);
void rp_tree_free(struct rp_tree *t);
/* Feed one event (time order). */
void rp_tree_add(struct rp_tree *t, const struct rp_ring *r, const struct fdr_event *ev);
/* Mark processes still alive as running_at_end; collect roots. */
void rp_tree_finish(struct rp_tree *t);

size_t rp_tree_nprocs(const struct rp_tree *t);
const struct rp_proc *rp_tree_proc(const struct rp_tree *t, size_t i);
/* Roots (no known parent), ordered by host, ring, start. After finish. */
size_t rp_tree_nroots(const struct rp_tree *t);
size_t rp_tree_root(const struct rp_tree *t, size_t i);
/* Process with pid alive on that host at time t, or RP_NONE. */
size_t rp_tree_find(const struct rp_tree *t, unsigned host_idx, uint64_t pid, uint64_t time_ns);

/* Show child (a root elsewhere) under parent too, with a label (copied). */
void rp_tree_link(struct rp_tree *t, size_t parent, size_t child, const char *label);

/* Indented text of every root (grouped by host and container). */
void rp_tree_format(const struct rp_tree *t, struct fdr_buf *b);
/* Indented text of one subtree at a depth. */
void rp_tree_format_proc(const struct rp_tree *t, size_t i, unsigned depth, struct fdr_buf *b);
/* One JSON object per root per line, children nested. */
void rp_tree_format_json(const struct rp_tree *t, struct fdr_buf *b);
/* One process (and its subtree) as a JSON object, no newline. */
void rp_tree_format_proc_json(const struct rp_tree *t, size_t i, struct fdr_buf *b);

#endif
