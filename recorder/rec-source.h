/* SPDX-License-Identifier: Apache-2.0 */
#ifndef REC_SOURCE_H
#define REC_SOURCE_H

/*
 * rec-source: the interface between fdr-record's core (event loop, process
 * table, container attribution, rings) and its event sources. One source per
 * file (recorder/src-proc.c, src-file.c, src-net.c, src-docker.c, ...), each
 * exporting one `const struct source_ops`.
 *
 * Life of a source: the core calls init() once with its options; the source
 * opens what it needs and registers its fds with rec_watch_fd(). The core
 * then calls on_ready() whenever a registered fd is readable, and tick()
 * about every 100 ms and at every flush. stop() drains what is pending and
 * releases everything; the core frees the state after it.
 *
 * Sources never write rings themselves: they build a struct fdr_event and
 * hand it to rec_emit_*(), which picks the ring, copies the event and stamps
 * nothing: the source sets time, kind and fields.
 *
 * Ownership: the core owns struct rec and each source's state pointer (it
 * calls stop() before freeing); events passed to rec_emit_*() are borrowed for
 * the call only.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "fdr-event.h"

struct rec;

/* What the core knows of a live (or recently exited) process. */
struct rec_proc {
	pid_t pid;
	pid_t ppid;
	uint32_t uid, gid, euid, loginuid, sessionid;
	char comm[16];
	char exe[256];
	char container_id[128];	/* "" for host */
	uint64_t start_ns;
	bool exited;
};

/* An option a source takes, on the command line (--name VALUE, or --name for
 * a flag) and in the config file (name = value). */
struct rec_optdef {
	const char *name;	/* "docker-socket" */
	const char *arg;	/* "PATH"; NULL for a flag (value "1" when given) */
	const char *help;	/* one line for --help */
	bool repeat;		/* may be given several times */
};

struct source_ops {
	const char *name;	/* "proc", "file", "net", "docker", "ssh", "sudo", "k8s" */
	bool on_by_default;	/* in the default --sources list */
	const struct rec_optdef *options;	/* terminated by { NULL }; may be NULL */
	/* Set up; *state is the source's own. Return 0, or a negative errno with a
	 * message already written by rec_log(). -EOPNOTSUPP means "not available
	 * on this host" and is not fatal when the source was on by default. */
	int (*init)(struct rec *rec, void **state);
	/* fd (registered with rec_watch_fd) is readable. */
	void (*on_ready)(struct rec *rec, void *state, int fd);
	/* Periodic work: coalescing timeouts, loss counters, reconnects. */
	void (*tick)(struct rec *rec, void *state, uint64_t now_ns);
	/* Drain and release. */
	void (*stop)(struct rec *rec, void *state);
};

/* ---- services the core gives to sources -------------------------------- */

/* Wall clock now, ns. */
uint64_t rec_now_ns(void);

/* Watch fd for input; on_ready() of the source is called with it. */
int rec_watch_fd(struct rec *rec, int fd, const struct source_ops *src);
void rec_unwatch_fd(struct rec *rec, int fd);

/* Emit into the ring of a container id ("" or NULL = host ring). */
int rec_emit(struct rec *rec, const char *container_id, const struct fdr_event *ev);

/* Emit attributed to a process: the process table (or /proc) gives the
 * container; an unknown pid goes to the host ring with FDR_EVF_UNATTRIBUTED. */
int rec_emit_pid(struct rec *rec, pid_t pid, const struct fdr_event *ev);

/* Count events a source lost; the core writes them as rec.gap events into the
 * affected rings (container_id NULL = every open ring) at the next flush. */
void rec_lost(struct rec *rec, const char *source, const char *container_id,
	      uint64_t lost, uint64_t from_ns, uint64_t to_ns);

/* The process table: NULL when unknown. The pointer is valid until the next
 * return to the event loop. */
const struct rec_proc *rec_proc_lookup(struct rec *rec, pid_t pid);

/* Container id for a pid from the table or /proc/<pid>/cgroup; "" for the
 * host. Writes into buf (at least 128 bytes). */
const char *rec_container_of(struct rec *rec, pid_t pid, char *buf, size_t size);

/* Update what the ring of a container says about it (name, image, labels):
 * fields that are non-empty in *meta replace the ring's. */
struct fdr_ring_meta;
int rec_update_meta(struct rec *rec, const char *container_id, const struct fdr_ring_meta *meta);

/* Option values of the recorder (from command line or config file), by
 * long option name without dashes ("docker-socket"); NULL when unset. Values
 * of a repeatable option are returned one by one with index i. */
const char *rec_option(struct rec *rec, const char *name, unsigned i);

/* Log a line to stderr with the recorder's prefix: printf format. Attacker
 * bytes in arguments must be escaped by the caller. */
void rec_log(struct rec *rec, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The recorder's own pid and ring directory (sources ignore their events). */
pid_t rec_self_pid(struct rec *rec);
const char *rec_dir(struct rec *rec);

#endif
