/* SPDX-License-Identifier: Apache-2.0 */
/*
 * docker-client: Docker engine API client over the unix socket
 * (docs.docker.com/engine/api: GET /events, GET /containers/json,
 * GET /containers/{id}/json). Two connections at most: the long-lived
 * /events stream, and one short request at a time (list or inspect), each
 * answered with Connection: close so the end of the body is certain.
 *
 * Why not libcurl: the framing we need is three requests' worth of
 * HTTP/1.1 (docker-http.c, fuzzed); a hand-written client keeps every
 * buffer bounded and every fd in the recorder's own loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "docker-client.h"
#include "docker-http.h"
#include "fdr-ring.h"

#define EV_MAX_OBJ (256u << 10)		/* one /events object */
#define REQ_MAX_BODY (8u << 20)		/* one list or inspect answer */
#define REQ_QUEUE 512
#define REQ_TIMEOUT_NS (10ull * 1000000000u)
#define BACKOFF_MIN_NS (100ull * 1000000u)
#define BACKOFF_MAX_NS (5ull * 1000000000u)
#define RECENT 256
#define MAX_CONTAINERS 4096
#define READ_BUDGET (1u << 20)		/* bytes per on_ready, then yield */

struct container {
	char id[65];
	char pod[256];
	char ns[256];
};

struct request {
	char path[160];
	bool is_list;
};

struct docker_client {
	char sock[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct docker_client_ops ops;
	void *ctx;
	uint64_t now;

	/* /events stream */
	int efd;
	struct docker_http ehttp;
	struct docker_splitter *split;
	struct docker_ev *ev;
	uint64_t next_try, backoff;
	bool said_absent, said_lost;
	uint64_t last_ns;	/* newest event time seen */
	uint64_t recent[RECENT];	/* keys of events at or near last_ns */
	unsigned recent_pos;

	/* one request at a time */
	int rfd;
	struct docker_http rhttp;
	struct request cur;
	uint64_t rstart;
	char *rbody;
	size_t rlen;
	bool rtoo_big;
	struct request q[REQ_QUEUE];
	unsigned qhead, qlen;

	struct container *tab;
	size_t ntab;
	struct fdr_ring_meta *meta;	/* scratch */
	struct docker_client_stats st;
};

static void say(struct docker_client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct docker_client *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!c->ops.log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->ops.log(c->ctx, msg);
}

/* ---- container table -------------------------------------------------- */

static struct container *find(const struct docker_client *c, const char *id)
{
	for (size_t i = 0; i < c->ntab; i++)
		if (strcmp(c->tab[i].id, id) == 0)
			return &c->tab[i];
	return NULL;
}

static struct container *add(struct docker_client *c, const char *id)
{
	struct container *k = find(c, id);

	if (k || !docker_is_full_id(id))
		return k;
	if (c->ntab >= MAX_CONTAINERS)
		return NULL;
	k = &c->tab[c->ntab++];
	memset(k, 0, sizeof(*k));
	memcpy(k->id, id, 64);
	return k;
}

static void drop(struct docker_client *c, const char *id)
{
	struct container *k = find(c, id);

	if (k)
		*k = c->tab[--c->ntab];
}

size_t docker_client_pod_containers(const struct docker_client *c, const char *ns,
				    const char *pod, void (*cb)(void *ctx, const char *id),
				    void *ctx)
{
	size_t n = 0;

	for (size_t i = 0; i < c->ntab; i++) {
		const struct container *k = &c->tab[i];

		if (k->pod[0] && strcmp(k->pod, pod) == 0 && strcmp(k->ns, ns) == 0) {
			cb(ctx, k->id);
			n++;
		}
	}
	return n;
}

const char *docker_client_resolve(const struct docker_client *c, const char *prefix)
{
	size_t n = strlen(prefix);
	const char *hit = NULL;

	if (n < 12 || n > 64)
		return NULL;
	for (size_t i = 0; i < c->ntab; i++) {
		if (strncmp(c->tab[i].id, prefix, n) == 0) {
			if (hit)
				return NULL;
			hit = c->tab[i].id;
		}
	}
	return hit;
}

/* ---- requests --------------------------------------------------------- */

static void queue_req(struct docker_client *c, const char *path, bool is_list)
{
	struct request *r;

	for (unsigned i = 0; i < c->qlen; i++)
		if (strcmp(c->q[(c->qhead + i) % REQ_QUEUE].path, path) == 0)
			return;
	if (c->qlen >= REQ_QUEUE) {
		c->st.dropped_requests++;
		return;
	}
	r = &c->q[(c->qhead + c->qlen++) % REQ_QUEUE];
	snprintf(r->path, sizeof(r->path), "%s", path);
	r->is_list = is_list;
}

static void queue_inspect(struct docker_client *c, const char *id)
{
	char path[160];

	if (!docker_is_full_id(id))
		return;
	snprintf(path, sizeof(path), "/containers/%s/json", id);
	queue_req(c, path, false);
}

static int unix_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, saved;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		saved = errno;
		close(fd);
		return -saved;	/* EAGAIN (backlog full) counts as absent too */
	}
	return fd;
}

static int send_get(int fd, const char *path, bool close_after)
{
	char req[512];
	int n = snprintf(req, sizeof(req),
			 "GET %s HTTP/1.1\r\nHost: docker\r\nUser-Agent: fdr-record/" FDR_VERSION "\r\n%s\r\n",
			 path, close_after ? "Connection: close\r\n" : "");
	ssize_t w;

	if (n < 0 || (size_t)n >= sizeof(req))
		return -E2BIG;
	/* A fresh socket's buffer takes a few hundred bytes at once. */
	w = send(fd, req, (size_t)n, MSG_NOSIGNAL);
	if (w < 0)
		return -errno;
	return w == n ? 0 : -EIO;
}

static void req_close(struct docker_client *c)
{
	if (c->rfd >= 0) {
		if (c->ops.unwatch)
			c->ops.unwatch(c->ctx, c->rfd);
		close(c->rfd);
		c->rfd = -1;
	}
	c->rlen = 0;
	c->rtoo_big = false;
}

static void req_start(struct docker_client *c)
{
	int fd;

	/* Only while the stream is up: a gone engine is retried by the stream,
	 * and queued requests wait for it instead of being lost. */
	if (c->rfd >= 0 || !c->qlen || c->efd < 0)
		return;
	fd = unix_connect(c->sock);
	if (fd < 0)
		return;
	if (send_get(fd, c->q[c->qhead].path, true) < 0) {
		close(fd);
		return;
	}
	c->cur = c->q[c->qhead];
	c->qhead = (c->qhead + 1) % REQ_QUEUE;
	c->qlen--;
	c->rfd = fd;
	c->rstart = c->now;
	c->rlen = 0;
	c->rtoo_big = false;
	docker_http_init(&c->rhttp);
	if (c->ops.watch)
		c->ops.watch(c->ctx, fd);
}

static int req_body(void *ctx, const char *p, size_t n)
{
	struct docker_client *c = ctx;

	if (c->rtoo_big || n > REQ_MAX_BODY - c->rlen) {
		c->rtoo_big = true;
		return 0;
	}
	memcpy(c->rbody + c->rlen, p, n);
	c->rlen += n;
	return 0;
}

static void on_list_id(void *ctx, const char *id)
{
	queue_inspect(ctx, id);
}

static void req_done(struct docker_client *c)
{
	if (c->rhttp.status != 200 || c->rtoo_big)
		return;		/* 404: gone already; nothing to learn */
	if (c->cur.is_list) {
		docker_list_ids(c->rbody, c->rlen, on_list_id, c);
		return;
	}
	memset(c->meta, 0, sizeof(*c->meta));
	if (docker_inspect_to_meta(c->rbody, c->rlen, c->meta) == 0) {
		struct container *k = add(c, c->meta->container_id);

		if (k) {
			snprintf(k->pod, sizeof(k->pod), "%s", c->meta->pod);
			snprintf(k->ns, sizeof(k->ns), "%s", c->meta->namespace_);
		}
		c->st.inspects++;
		if (c->ops.meta)
			c->ops.meta(c->ctx, c->meta);
	}
}

static void req_ready(struct docker_client *c)
{
	char buf[65536];
	ssize_t n;
	size_t budget = 0;

	while (budget < READ_BUDGET) {
		n = read(c->rfd, buf, sizeof(buf));
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			if (n == 0 && docker_http_eof(&c->rhttp) == 0)
				req_done(c);
			req_close(c);
			req_start(c);
			return;
		}
		budget += (size_t)n;
		if (docker_http_feed(&c->rhttp, buf, (size_t)n, req_body, c) < 0) {
			req_close(c);
			req_start(c);
			return;
		}
		if (c->rhttp.state == DOCKER_HTTP_DONE) {
			req_done(c);
			req_close(c);
			req_start(c);
			return;
		}
	}
}

/* ---- the events stream ------------------------------------------------ */

static uint64_t key_of(const struct docker_ev *d)
{
	/* FNV-1a over time, container, action, exec id, command */
	uint64_t h = 1469598103934665603ull;
	const unsigned fields[] = { FDR_F_ACTION, FDR_F_EXEC_ID, FDR_F_COMMAND };

	for (unsigned i = 0; i < 8; i++) {
		h ^= (d->ev.time_ns >> (8 * i)) & 0xff;
		h *= 1099511628211ull;
	}
	for (const char *p = d->container_id; *p; p++) {
		h ^= (unsigned char)*p;
		h *= 1099511628211ull;
	}
	for (unsigned f = 0; f < 3; f++) {
		struct fdr_str s = fdr_event_str(&d->ev, fields[f]);

		for (uint32_t i = 0; i < s.len; i++) {
			h ^= (unsigned char)s.p[i];
			h *= 1099511628211ull;
		}
		h ^= 0xff;
		h *= 1099511628211ull;
	}
	return h ? h : 1;
}

static bool seen(struct docker_client *c, const struct docker_ev *d)
{
	uint64_t k = key_of(d);

	if (d->ev.time_ns && d->ev.time_ns < c->last_ns)
		return true;	/* since= replays from the second; older is known */
	for (unsigned i = 0; i < RECENT; i++)
		if (c->recent[i] == k)
			return true;
	c->recent[c->recent_pos] = k;
	c->recent_pos = (c->recent_pos + 1) % RECENT;
	if (d->ev.time_ns > c->last_ns)
		c->last_ns = d->ev.time_ns;
	return false;
}

static void meta_from_event(struct docker_client *c, struct docker_ev *d, const char *id, bool first)
{
	struct fdr_str name = fdr_event_str(&d->ev, FDR_F_NAME);
	struct fdr_str image = fdr_event_str(&d->ev, FDR_F_IMAGE);
	struct fdr_str act = fdr_event_str(&d->ev, FDR_F_ACTION);
	bool ended = fdr_str_eq(act, "die");
	bool started = fdr_str_eq(act, "start");

	if (!c->ops.meta || (!name.len && !image.len && !ended))
		return;
	/* The ring header is rewritten rarely: only on first sight, start and
	 * end; inspect answers fill in the rest. */
	if (!first && !started && !ended)
		return;
	memset(c->meta, 0, sizeof(*c->meta));
	snprintf(c->meta->container_id, sizeof(c->meta->container_id), "%s", id);
	snprintf(c->meta->runtime, sizeof(c->meta->runtime), "docker");
	snprintf(c->meta->container_name, sizeof(c->meta->container_name), "%.*s",
		 (int)name.len, name.p ? name.p : "");
	snprintf(c->meta->image, sizeof(c->meta->image), "%.*s", (int)image.len, image.p ? image.p : "");
	if (ended)
		c->meta->ended_ns = d->ev.time_ns;
	if (started)
		c->meta->started_ns = d->ev.time_ns;
	c->ops.meta(c->ctx, c->meta);
}

static int on_object(void *ctx, const char *obj, size_t len)
{
	struct docker_client *c = ctx;
	struct docker_ev *d = c->ev;
	const char *id;
	struct fdr_str act;
	bool container;

	if (docker_event_decode(obj, len, d) < 0) {
		c->st.bad++;
		return 0;
	}
	if (seen(c, d)) {
		c->st.duplicates++;
		return 0;
	}
	/* legacy short ids: the full one when known */
	if (d->container_id[0] && !docker_is_full_id(d->container_id) &&
	    (id = docker_client_resolve(c, d->container_id)))
		snprintf(d->container_id, sizeof(d->container_id), "%s", id);
	container = strcmp(d->type, "container") == 0;
	act = fdr_event_str(&d->ev, FDR_F_ACTION);
	if (container && docker_is_full_id(d->container_id)) {
		bool known = find(c, d->container_id) != NULL;

		add(c, d->container_id);
		meta_from_event(c, d, d->container_id, !known);
		if (!known || fdr_str_eq(act, "create") || fdr_str_eq(act, "start") ||
		    fdr_str_eq(act, "die") || fdr_str_eq(act, "rename") || fdr_str_eq(act, "update"))
			queue_inspect(c, d->container_id);
	}
	c->st.events++;
	if (c->ops.event)
		c->ops.event(c->ctx, d);
	if (container && fdr_str_eq(act, "destroy"))
		drop(c, d->container_id);
	return 0;
}

static int ev_body(void *ctx, const char *p, size_t n)
{
	struct docker_client *c = ctx;

	return docker_splitter_feed(c->split, p, n, on_object, c);
}

static void ev_close(struct docker_client *c, const char *why)
{
	if (c->efd < 0)
		return;
	if (c->ops.unwatch)
		c->ops.unwatch(c->ctx, c->efd);
	close(c->efd);
	c->efd = -1;
	c->backoff = BACKOFF_MIN_NS;
	c->next_try = c->now + c->backoff;
	if (!c->said_lost) {
		say(c, "lost the docker engine connection at '%s' (%s); reconnecting", c->sock, why);
		c->said_lost = true;
		c->said_absent = true;	/* that was the one message for this outage */
	}
}

static void ev_connect(struct docker_client *c)
{
	char path[160];
	int fd, rc;

	fd = unix_connect(c->sock);
	if (fd >= 0) {
		if (c->last_ns)
			snprintf(path, sizeof(path), "/events?since=%llu.%09llu",
				 (unsigned long long)(c->last_ns / 1000000000u),
				 (unsigned long long)(c->last_ns % 1000000000u));
		else
			snprintf(path, sizeof(path), "/events");
		rc = send_get(fd, path, false);
		if (rc < 0) {
			close(fd);
			fd = rc;
		}
	}
	if (fd < 0) {
		if (!c->said_absent) {
			say(c, "docker engine not reachable at '%s' (%s); will keep trying quietly",
			    c->sock, strerror(-fd));
			c->said_absent = true;
		}
		c->backoff = c->backoff ? c->backoff * 2 : BACKOFF_MIN_NS;
		if (c->backoff > BACKOFF_MAX_NS)
			c->backoff = BACKOFF_MAX_NS;
		c->next_try = c->now + c->backoff;
		return;
	}
	c->efd = fd;
	docker_http_init(&c->ehttp);
	docker_splitter_reset(c->split);
	if (c->ops.watch)
		c->ops.watch(c->ctx, fd);
	c->said_absent = false;
	c->said_lost = false;
	c->backoff = 0;
	c->st.connects++;
	say(c, "connected to the docker engine at '%s'%s", c->sock,
	    c->last_ns ? " (resuming where the stream stopped)" : "");
	/* what runs now, whatever happened while we were away */
	queue_req(c, "/containers/json", true);
	req_start(c);
}

static void ev_ready(struct docker_client *c)
{
	char buf[65536];
	ssize_t n;
	size_t budget = 0;

	while (budget < READ_BUDGET) {
		n = read(c->efd, buf, sizeof(buf));
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n < 0) {
			ev_close(c, strerror(errno));
			return;
		}
		if (n == 0) {
			ev_close(c, "closed by the engine");
			return;
		}
		budget += (size_t)n;
		if (docker_http_feed(&c->ehttp, buf, (size_t)n, ev_body, c) < 0) {
			ev_close(c, "malformed HTTP answer");
			return;
		}
		if (c->ehttp.state == DOCKER_HTTP_DONE ||
		    (c->ehttp.state == DOCKER_HTTP_BODY && c->ehttp.status != 200)) {
			ev_close(c, c->ehttp.status == 200 ? "stream ended" : "engine refused /events");
			return;
		}
	}
}

/* ---- public ----------------------------------------------------------- */

int docker_client_new(const char *socket_path, const struct docker_client_ops *ops,
		      void *ctx, struct docker_client **out)
{
	struct docker_client *c;
	int rc;

	if (strlen(socket_path) >= sizeof(c->sock))
		return -ENAMETOOLONG;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	strcpy(c->sock, socket_path);
	c->ops = *ops;
	c->ctx = ctx;
	c->efd = c->rfd = -1;
	c->ev = malloc(sizeof(*c->ev));
	c->rbody = malloc(REQ_MAX_BODY);
	c->tab = calloc(MAX_CONTAINERS, sizeof(*c->tab));
	c->meta = malloc(sizeof(*c->meta));
	if (!c->ev || !c->rbody || !c->tab || !c->meta) {
		rc = -ENOMEM;
		goto out_free;
	}
	rc = docker_splitter_new(EV_MAX_OBJ, &c->split);
	if (rc)
		goto out_free;
	*out = c;
	return 0;
out_free:
	docker_client_free(c);
	return rc;
}

void docker_client_free(struct docker_client *c)
{
	if (!c)
		return;
	if (c->efd >= 0) {
		if (c->ops.unwatch)
			c->ops.unwatch(c->ctx, c->efd);
		close(c->efd);
	}
	if (c->rfd >= 0) {
		if (c->ops.unwatch)
			c->ops.unwatch(c->ctx, c->rfd);
		close(c->rfd);
	}
	docker_splitter_free(c->split);
	free(c->ev);
	free(c->rbody);
	free(c->tab);
	free(c->meta);
	free(c);
}

void docker_client_on_ready(struct docker_client *c, int fd)
{
	if (fd >= 0 && fd == c->efd)
		ev_ready(c);
	else if (fd >= 0 && fd == c->rfd)
		req_ready(c);
}

void docker_client_tick(struct docker_client *c, uint64_t now_ns)
{
	c->now = now_ns;
	if (c->efd < 0 && now_ns >= c->next_try)
		ev_connect(c);
	if (c->rfd >= 0 && now_ns - c->rstart > REQ_TIMEOUT_NS)
		req_close(c);
	req_start(c);
}

int docker_client_connected(const struct docker_client *c)
{
	return c->efd >= 0;
}

void docker_client_stats(const struct docker_client *c, struct docker_client_stats *st)
{
	*st = c->st;
}
