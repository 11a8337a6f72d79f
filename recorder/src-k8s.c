// SPDX-License-Identifier: Apache-2.0
/*
 * Kubernetes audit source of fdr-record: the audit webhook server
 * (recorder/k8s-webhook.c, its own thread) hands decoded k8s.audit events to
 * the recorder thread through its queue and eventfd; here they are written.
 *
 * Routing: an event about a pod (objectRef.resource "pods": create, delete,
 * exec, attach, ...) goes to the ring of every container of that pod on
 * this host, as the docker source knows them (docker-pods.h); anything else,
 * or a pod not on this host, goes to the ring of the pseudo-container id
 * "k8s" (file audit-k8s.ring, name "k8s-audit", runtime "audit"). The core
 * has no notion of special rings, so "k8s" is a container id like any other.
 *
 * Loss: requests refused because the queue was full become rec.gap events
 * (source "k8s") in every ring, since shed events could concern any pod.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docker-pods.h"
#include "fdr-ring.h"
#include "k8s-webhook.h"
#include "rec-source.h"

extern const struct source_ops src_k8s;

/* Padded: the core's ring lookup compares 12 bytes of an id (it expects
 * hex ids of 12 or more); the NUL padding keeps that read in bounds. */
static const char K8S_RING[16] = "k8s";
/* Events decoded per wakeup (whole bodies; a body holds up to the API
 * server's batch size, 400 by default): a few milliseconds of work, so the
 * other sources are served in between; the eventfd stays readable while
 * more wait. */
#define DRAIN_EVENTS 256
/* The webhook wakes the recorder thread once this many events wait (one
 * wakeup, two context switches, per batch rather than per request: with
 * kube-apiserver's blocking mode, one event per request, that was most of
 * the recorder thread's cost); fewer are drained at the next tick (100 ms),
 * well inside the flush interval that writes them anyway. */
#define WAKE_EVENTS 64

struct k8s_src {
	struct rec *rec;
	struct k8s_webhook *w;
	bool ring_named;
	uint64_t to_pods, to_ring;
};

struct route {
	struct k8s_src *s;
	const struct k8s_ev *k;
};

static void to_container(void *ctx, const char *id)
{
	struct route *r = ctx;

	rec_emit(r->s->rec, id, &r->k->ev);
}

static void on_event(void *ctx, const struct k8s_ev *k)
{
	struct k8s_src *s = ctx;
	struct route r = { s, k };

	if (k->pod[0] && docker_pods_lookup(k->namespace_, k->pod, to_container, &r) > 0) {
		s->to_pods++;
		return;
	}
	if (!s->ring_named) {
		struct fdr_ring_meta *m = calloc(1, sizeof(*m));

		if (m) {
			snprintf(m->container_id, sizeof(m->container_id), "%s", K8S_RING);
			snprintf(m->container_name, sizeof(m->container_name), "k8s-audit");
			snprintf(m->runtime, sizeof(m->runtime), "audit");
			rec_update_meta(s->rec, K8S_RING, m);
			free(m);
		}
		s->ring_named = true;
	}
	rec_emit(s->rec, K8S_RING, &k->ev);
	s->to_ring++;
}

static int k8s_init(struct rec *rec, void **state)
{
	struct k8s_webhook_opts o = K8S_WEBHOOK_OPTS_INIT;
	const char *listen = rec_option(rec, "k8s-audit-listen", 0);
	const char *max = rec_option(rec, "k8s-audit-max-body", 0);
	struct k8s_src *s;
	char err[512];
	int rc;

	if (!listen)
		return -EOPNOTSUPP;	/* off unless asked for */
	o.listen = listen;
	o.cert_file = rec_option(rec, "k8s-audit-tls-cert", 0);
	o.key_file = rec_option(rec, "k8s-audit-tls-key", 0);
	o.client_ca_file = rec_option(rec, "k8s-audit-client-ca", 0);
	o.token_file = rec_option(rec, "k8s-audit-token-file", 0);
	o.wake_events = WAKE_EVENTS;
	if (max) {
		char *end;
		unsigned long long v = strtoull(max, &end, 10);

		if (*end || v < 1024 || v > (1ull << 30)) {
			rec_log(rec, "k8s: invalid --k8s-audit-max-body '%s' (bytes, 1024..1073741824)", max);
			return -EINVAL;
		}
		o.max_body = (size_t)v;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->rec = rec;
	rc = k8s_webhook_new(&o, &s->w, err, sizeof(err));
	if (rc < 0) {
		rec_log(rec, "k8s: %s", err);
		free(s);
		return rc;
	}
	rc = rec_watch_fd(rec, k8s_webhook_fd(s->w), &src_k8s);
	if (rc < 0) {
		rec_log(rec, "k8s: cannot watch the webhook queue: %s", strerror(-rc));
		k8s_webhook_free(s->w);
		free(s);
		return rc;
	}
	rec_log(rec, "k8s: audit webhook listening on %s (port %u)%s%s%s", listen, k8s_webhook_port(s->w),
		o.cert_file ? ", TLS" : "", o.client_ca_file ? ", client certificates required" : "",
		o.token_file ? ", bearer token required" : "");
	*state = s;
	return 0;
}

static void k8s_ready(struct rec *rec, void *state, int fd)
{
	struct k8s_src *s = state;

	(void)rec;
	(void)fd;
	k8s_webhook_drain(s->w, DRAIN_EVENTS, on_event, s);
}

static void k8s_tick(struct rec *rec, void *state, uint64_t now_ns)
{
	struct k8s_src *s = state;
	uint64_t from, to, n;

	(void)now_ns;
	k8s_webhook_drain(s->w, 4 * DRAIN_EVENTS, on_event, s);	/* what did not wake us */
	n = k8s_webhook_take_shed(s->w, &from, &to);
	if (n)
		rec_lost(rec, "k8s", NULL, n, from, to);
}

static void k8s_stop(struct rec *rec, void *state)
{
	struct k8s_src *s = state;
	struct k8s_webhook_stats st;

	if (!s)
		return;
	rec_unwatch_fd(rec, k8s_webhook_fd(s->w));
	k8s_webhook_drain(s->w, (size_t)-1, on_event, s);
	k8s_tick(rec, s, 0);
	k8s_webhook_stats(s->w, &st);
	rec_log(rec, "k8s: %llu requests, %llu events (%llu to pod containers, %llu to the k8s ring), "
		"%llu refused, %llu shed, %llu busy (503, not kept: the sender retries)",
		(unsigned long long)st.requests, (unsigned long long)st.drained,
		(unsigned long long)s->to_pods, (unsigned long long)s->to_ring,
		(unsigned long long)st.rejected, (unsigned long long)st.shed_events,
		(unsigned long long)st.busy);
	k8s_webhook_free(s->w);
	free(s);
}

static const struct rec_optdef k8s_opts[] = {
	{ "k8s-audit-listen", "ADDR:PORT", "serve the Kubernetes audit webhook there (loopback when only PORT)", false },
	{ "k8s-audit-tls-cert", "FILE", "PEM certificate: serve HTTPS", false },
	{ "k8s-audit-tls-key", "FILE", "PEM key of the certificate", false },
	{ "k8s-audit-client-ca", "FILE", "PEM CA: require client certificates it signed", false },
	{ "k8s-audit-token-file", "FILE", "require 'Authorization: Bearer <first line of FILE>'", false },
	{ "k8s-audit-max-body", "BYTES", "largest request body accepted (default 16 MiB)", false },
	{ NULL, NULL, NULL, false },
};

const struct source_ops src_k8s = {
	.name = "k8s",
	.on_by_default = true,	/* but off until --k8s-audit-listen is given */
	.options = k8s_opts,
	.init = k8s_init,
	.on_ready = k8s_ready,
	.tick = k8s_tick,
	.stop = k8s_stop,
};
