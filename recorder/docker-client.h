/* SPDX-License-Identifier: Apache-2.0 */
#ifndef DOCKER_CLIENT_H
#define DOCKER_CLIENT_H

/*
 * docker-client: a non-blocking client of the Docker engine API over its
 * unix socket, for an event loop it does not own. It streams GET /events,
 * lists running containers at every (re)connect, inspects containers as
 * they appear, and reports through callbacks:
 *  - event(): each /events object decoded (docker-events.h), once: after a
 *    reconnect the stream resumes with since=<last event time> and what was
 *    already seen (same time, container, action, exec id) is dropped;
 *  - meta(): what a container's ring header should say (from inspect, and
 *    from event attributes before the inspect answer arrives; die/destroy
 *    set ended_ns);
 *  - log(): one line per state change (engine absent: once until it comes
 *    back; connected; connection lost).
 * A missing engine is retried with backoff (100 ms doubling to 5 s).
 *
 * The client keeps a table of the containers it knows (id, name, image,
 * pod, namespace), bounded, dropped on destroy, which answers pod lookups.
 *
 * Threads: single-threaded; all calls and callbacks on the loop's thread.
 * Ownership: the client owns its fds; it calls watch()/unwatch() as it opens
 * and closes them, and never calls back from docker_client_free().
 */

#include <stddef.h>
#include <stdint.h>

#include "docker-events.h"

struct fdr_ring_meta;

struct docker_client_ops {
	void (*watch)(void *ctx, int fd);	/* fd wants on_ready() when readable */
	void (*unwatch)(void *ctx, int fd);	/* fd is about to be closed */
	void (*event)(void *ctx, const struct docker_ev *ev);
	void (*meta)(void *ctx, const struct fdr_ring_meta *meta);
	void (*log)(void *ctx, const char *msg);	/* already escaped */
};

struct docker_client_stats {
	uint64_t events;	/* passed to event() */
	uint64_t duplicates;	/* dropped after a reconnect */
	uint64_t bad;		/* objects that did not decode */
	uint64_t connects;	/* successful /events connections */
	uint64_t inspects;	/* inspect answers passed to meta() */
	uint64_t dropped_requests;	/* inspects not queued (queue full) */
};

struct docker_client;

/* Create the client; the first connection attempt happens at the first
 * docker_client_tick(). *out is the caller's: docker_client_free() it. */
int docker_client_new(const char *socket_path, const struct docker_client_ops *ops,
		      void *ctx, struct docker_client **out);

/* Close everything (unwatch() is called for open fds) and free. Accepts NULL. */
void docker_client_free(struct docker_client *c);

/* fd (one the client asked to watch) is readable. */
void docker_client_on_ready(struct docker_client *c, int fd);

/* Periodic work: reconnects, queued inspects, request timeouts. now_ns is
 * a monotonic or wall clock, the same one on every call. */
void docker_client_tick(struct docker_client *c, uint64_t now_ns);

/* True while the /events stream is connected. */
int docker_client_connected(const struct docker_client *c);

/* Call cb for each known container of pod ns/name; returns the count. */
size_t docker_client_pod_containers(const struct docker_client *c, const char *ns,
				    const char *pod, void (*cb)(void *ctx, const char *id),
				    void *ctx);

/* The full id of a known container whose id starts with prefix (at least
 * 12 characters, as legacy events print them); NULL when none or several. */
const char *docker_client_resolve(const struct docker_client *c, const char *prefix);

void docker_client_stats(const struct docker_client *c, struct docker_client_stats *st);

#endif
