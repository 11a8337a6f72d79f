/* SPDX-License-Identifier: Apache-2.0 */
#ifndef DOCKER_EVENTS_H
#define DOCKER_EVENTS_H

/*
 * docker-events: pure decoders for what the Docker engine API returns.
 * No I/O, no logging: bytes in, values out. JSON through jansson.
 *
 *  - a splitter that cuts a byte stream of concatenated JSON objects (the
 *    body of GET /events: one object per line in practice, but objects may
 *    be pretty-printed over many lines and arrive in arbitrary chunks) into
 *    whole objects, with a cap on the size of one object;
 *  - docker_event_decode(): one /events object, in any of the engine's
 *    schemas (legacy API <= 1.21 `status/id/from/time`, transitional 1.22-1.51
 *    with both, current `Type/Action/Actor{ID,Attributes}/scope/time/
 *    timeNano`) into an FDR_DOCKER event;
 *  - docker_inspect_to_meta(): GET /containers/<id>/json into ring metadata;
 *  - docker_list_ids(): the ids of GET /containers/json;
 *  - docker_time_parse(): RFC 3339 timestamps as both APIs print them;
 *  - docker_store(): the bounded string store of a decoded event (also
 *    k8s-ev's).
 *
 * Errors: 0 or a negative errno: -EBADMSG (not JSON, or not the JSON shape
 * expected), -ENODATA (well-formed but carries no event), -E2BIG (over a cap).
 */

#include <stddef.h>
#include <stdint.h>

#include "fdr-event.h"

struct fdr_ring_meta;

/* ---- splitter of concatenated JSON objects ------------------------------ */

/*
 * Invariants: holds at most max_obj bytes of the object being cut; bytes
 * between objects (whitespace, or garbage) are skipped and counted; an object
 * longer than max_obj is dropped whole (counted in `oversize`) and the
 * splitter resynchronizes at its end. Strings and escapes are tracked, so
 * braces inside strings do not confuse it.
 */
struct docker_splitter;

/* Create a splitter that passes objects of at most max_obj bytes; *out is
 * the caller's, docker_splitter_free() it. */
int docker_splitter_new(size_t max_obj, struct docker_splitter **out);
void docker_splitter_free(struct docker_splitter *s);

/* Called for each whole object: obj[0..len) is valid for the call only.
 * A non-zero return stops the feed and is returned by it. */
typedef int docker_object_cb(void *ctx, const char *obj, size_t len);

/* Feed n bytes. Returns 0, or the first non-zero return of cb. */
int docker_splitter_feed(struct docker_splitter *s, const char *p, size_t n,
			 docker_object_cb *cb, void *ctx);

/* Forget a partial object (after a reconnect). */
void docker_splitter_reset(struct docker_splitter *s);

struct docker_splitter_stats {
	uint64_t objects;	/* whole objects passed */
	uint64_t oversize;	/* objects dropped for size */
	uint64_t junk_bytes;	/* bytes outside objects that were not whitespace */
};
void docker_splitter_stats(const struct docker_splitter *s, struct docker_splitter_stats *st);

/* ---- one event ---------------------------------------------------------- */

#define DOCKER_EV_BUF 8192
#define DOCKER_EV_MAX_LABELS 64

/*
 * A decoded event. ev is kind FDR_DOCKER with (where the input has them):
 * FDR_F_ACTION, FDR_F_COMMAND (exec_create/exec_start: the command after
 * "exec_create: "), FDR_F_IMAGE, FDR_F_NAME (container name), FDR_F_CONTAINER
 * (container id), FDR_F_EXIT_CODE, FDR_F_SIGNAL, FDR_F_EXEC_ID, FDR_F_LABELS
 * (every other actor attribute as "key=value", sorted by key). Time from
 * timeNano, else time (seconds).
 *
 * The action of a container event is the engine's ("create", "exec_die");
 * other object types are prefixed with their type ("network_connect",
 * "image_pull", "volume_mount") so that docker.<action> stays unambiguous.
 * Legacy events without a Type are containers unless their status is an
 * image verb (pull, push, tag, untag, delete, import, load, save).
 *
 * container_id is the id whose ring the event belongs to: the actor of a
 * container event, the "container" attribute of a network or volume event,
 * "" for anything else (image, daemon, plugin: the host ring).
 *
 * Ownership: every string the event points to lives inside this struct;
 * the struct is self-contained but must not be copied by value (pointers
 * would point into the source copy).
 */
struct docker_ev {
	struct fdr_event ev;
	char type[32];		/* "container", "network", "image", ... */
	char container_id[128];
	struct fdr_str labels[DOCKER_EV_MAX_LABELS];
	size_t used;
	char buf[DOCKER_EV_BUF];
};

/* Decode one /events object json[0..len) into *out (overwritten). */
int docker_event_decode(const char *json, size_t len, struct docker_ev *out);

/* ---- container inspect and list ------------------------------------------ */

/*
 * Fill *meta from an inspect answer (one object, or the one-element array
 * `docker inspect` prints): container_id, container_name (without the
 * leading '/'), runtime "docker", image (Config.Image), image_id, labels,
 * pod/namespace_/pod_uid from the io.kubernetes.pod.* labels, command
 * (Entrypoint then Cmd, space separated), ports (ExposedPorts keys, sorted),
 * started_ns and ended_ns (State.StartedAt / FinishedAt; ended_ns only when
 * the container is not running). Other fields of *meta are left alone.
 */
int docker_inspect_to_meta(const char *json, size_t len, struct fdr_ring_meta *meta);

/* Calls cb(ctx, id) for the Id of each element of a GET /containers/json
 * array; returns the count or a negative errno. */
int docker_list_ids(const char *json, size_t len,
		    void (*cb)(void *ctx, const char *id), void *ctx);

/* ---- helpers --------------------------------------------------------------- */

/* "2026-11-23T02:40:57.860681341Z" or with a +hh:mm offset, fraction
 * optional, into ns since the epoch; years before 1970 (Go's zero time
 * "0001-01-01T00:00:00Z") give 0. Returns 0 or -EINVAL. */
int docker_time_parse(const char *s, uint64_t *ns);

/* Copy s[0..n) into buf[*used..size), truncated to what is left and
 * NUL-terminated, and advance *used; returns the copy (its length in *len)
 * or NULL (*len 0) when buf is full. */
const char *docker_store(char *buf, size_t size, size_t *used, const char *s, size_t n,
			 size_t *len);

/* True when s is 64 lowercase hex digits (a full container id). */
int docker_is_full_id(const char *s);

#endif
