// SPDX-License-Identifier: Apache-2.0
/*
 * Docker source of fdr-record: the engine's /events stream and inspect
 * answers (recorder/docker-client.c) into the containers' rings.
 *
 * Each container event goes to the ring of its container (64-hex id) as
 * FDR_DOCKER, docker.<action> in JSON; image, daemon and plugin events, and
 * legacy events whose short id is unknown, go to the host ring. Before the
 * first event of a container its ring is given runtime "docker", name and
 * image, so the ring is named docker-<id12>.ring and names its container
 * even if the inspect answer never comes; inspect then fills the rest
 * (image id, labels, pod, command, ports, start/end).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docker-client.h"
#include "docker-pods.h"
#include "fdr-ring.h"
#include "rec-source.h"

extern const struct source_ops src_docker;

#define DEFAULT_SOCKET "/var/run/docker.sock"

struct docker_src {
	struct rec *rec;
	struct docker_client *c;
};

/* The running instance, for docker_pods_lookup(); one per process. */
static struct docker_src *live;

static void d_watch(void *ctx, int fd)
{
	struct docker_src *s = ctx;
	int err = rec_watch_fd(s->rec, fd, &src_docker);

	if (err < 0)
		rec_log(s->rec, "docker: cannot watch a socket: %s", strerror(-err));
}

static void d_unwatch(void *ctx, int fd)
{
	struct docker_src *s = ctx;

	rec_unwatch_fd(s->rec, fd);
}

static void d_event(void *ctx, const struct docker_ev *d)
{
	struct docker_src *s = ctx;

	rec_emit(s->rec, docker_is_full_id(d->container_id) ? d->container_id : "", &d->ev);
}

static void d_meta(void *ctx, const struct fdr_ring_meta *m)
{
	struct docker_src *s = ctx;

	if (docker_is_full_id(m->container_id))
		rec_update_meta(s->rec, m->container_id, m);
}

static void d_log(void *ctx, const char *msg)
{
	struct docker_src *s = ctx;

	rec_log(s->rec, "docker: %s", msg);
}

static int docker_init(struct rec *rec, void **state)
{
	static const struct docker_client_ops ops = { d_watch, d_unwatch, d_event, d_meta, d_log };
	const char *sock = rec_option(rec, "docker-socket", 0);
	struct docker_src *s;
	int err;

	if (!sock)
		sock = DEFAULT_SOCKET;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->rec = rec;
	err = docker_client_new(sock, &ops, s, &s->c);
	if (err < 0) {
		rec_log(rec, "docker: cannot use socket '%s': %s", sock, strerror(-err));
		free(s);
		return err;
	}
	live = s;
	*state = s;
	return 0;
}

static void docker_ready(struct rec *rec, void *state, int fd)
{
	struct docker_src *s = state;

	(void)rec;
	docker_client_on_ready(s->c, fd);
}

static void docker_tick(struct rec *rec, void *state, uint64_t now_ns)
{
	struct docker_src *s = state;

	(void)rec;
	docker_client_tick(s->c, now_ns);
}

static void docker_stop(struct rec *rec, void *state)
{
	struct docker_src *s = state;
	struct docker_client_stats st;

	if (!s)
		return;
	docker_client_stats(s->c, &st);
	rec_log(rec, "docker: %llu events, %llu inspects, %llu connections, %llu undecodable",
		(unsigned long long)st.events, (unsigned long long)st.inspects,
		(unsigned long long)st.connects, (unsigned long long)st.bad);
	if (live == s)
		live = NULL;
	docker_client_free(s->c);
	free(s);
}

size_t docker_pods_lookup(const char *ns, const char *pod,
			  void (*cb)(void *ctx, const char *id), void *ctx)
{
	if (!live || !pod || !pod[0])
		return 0;
	return docker_client_pod_containers(live->c, ns ? ns : "", pod, cb, ctx);
}

static const struct rec_optdef docker_opts[] = {
	{ "docker-socket", "PATH", "Docker engine API socket (default " DEFAULT_SOCKET ")", false },
	{ NULL, NULL, NULL, false },
};

const struct source_ops src_docker = {
	.name = "docker",
	.on_by_default = true,
	.options = docker_opts,
	.init = docker_init,
	.on_ready = docker_ready,
	.tick = docker_tick,
	.stop = docker_stop,
};
