/* SPDX-License-Identifier: Apache-2.0 */
#ifndef K8S_WEBHOOK_H
#define K8S_WEBHOOK_H

/*
 * k8s-webhook: the HTTP(S) server kube-apiserver's audit webhook backend
 * POSTs to (--audit-webhook-config-file). libmicrohttpd in its own thread;
 * decoded events reach the caller's thread through a bounded queue and an
 * eventfd, because the recorder's emit path is single-threaded.
 *
 * Per request, on any path: POST only (405); Content-Type application/json
 * (415); optional "Authorization: Bearer <token>" (401); with a client CA,
 * a client certificate it signed (403); body at most max_body bytes (413,
 * decided from Content-Length before reading when it is sent); the body must
 * be JSON (400) holding an audit.k8s.io Event or EventList (400). Good
 * bodies are decoded in the server thread by the streaming decoder
 * (k8s_audit_parser_run: no tree; the body buffer is freed right after),
 * their events queued packed, and answered 200 at once; when the queue is
 * full (queue_len bodies, or queue_bytes of packed events) the request is
 * answered 429 with Retry-After and its events are counted as shed. The body bytes buffered by all open requests together are capped
 * too (the larger of 64 MiB and 4 max_body): past that a request is
 * answered 503 (counted in busy; its body is not kept, the sender retries),
 * while the others go on. The server never waits for the caller.
 *
 * Threads: k8s_webhook_new/_free/_drain/_take_shed are called from one
 * thread (the recorder's); the server runs in its own.
 */

#include <stddef.h>
#include <stdint.h>

#include "k8s-audit.h"

struct k8s_webhook_opts {
	const char *listen;	/* "127.0.0.1:8443", "[::1]:8443", "0.0.0.0:8443",
				 * or "8443" (loopback); port 0 picks one */
	const char *cert_file;	/* PEM; TLS when cert_file and key_file are set */
	const char *key_file;
	const char *client_ca_file;	/* PEM; require a client cert it signed */
	const char *token_file;	/* first line is the bearer token to require */
	size_t max_body;	/* bytes of one request body */
	size_t queue_bytes;	/* bytes of packed events queued before shedding */
	unsigned queue_len;	/* bodies queued before shedding */
	unsigned threads;	/* server threads (1: one core) */
	unsigned wake_events;	/* make the fd readable once this many events are
				 * queued (or half the queue's bodies); 0 or 1:
				 * at the first body. Above 1 the caller must
				 * also drain on a timer of its own. */
};

#define K8S_WEBHOOK_OPTS_INIT { "127.0.0.1:8443", NULL, NULL, NULL, NULL, \
	16u << 20, 128u << 20, 4096, 1, 1 }

struct k8s_webhook_stats {
	uint64_t requests;	/* requests answered */
	uint64_t accepted;	/* requests answered 200 */
	uint64_t events;	/* events in accepted requests */
	uint64_t shed_requests;	/* answered 429: queue full */
	uint64_t shed_events;	/* events in those */
	uint64_t rejected;	/* answered 4xx other than 429 */
	uint64_t busy;		/* answered 503: the body bytes of all open requests
				 * at their cap, or out of memory (the sender retries) */
	uint64_t bad_items;	/* list items that were not audit events (drain) */
	uint64_t drained;	/* events passed to drain callbacks */
	uint64_t inflight;	/* body bytes buffered by open requests now */
};

struct k8s_webhook;

/* Start the server. On failure returns a negative errno and writes a
 * message (naming the address or file) into err. *out is the caller's:
 * k8s_webhook_free() it. */
int k8s_webhook_new(const struct k8s_webhook_opts *opts, struct k8s_webhook **out,
		    char *err, size_t errsize);

/* Stop the server (answers in flight finish), drop what is queued, free.
 * Accepts NULL. */
void k8s_webhook_free(struct k8s_webhook *w);

/* The eventfd that is readable while at least wake_events events are
 * queued (see k8s_webhook_opts), and after a drain that left some. */
int k8s_webhook_fd(const struct k8s_webhook *w);

/* The TCP port the server listens on (useful with port 0). */
unsigned k8s_webhook_port(const struct k8s_webhook *w);

/* Decode queued bodies, whole, in arrival order, until at least max_events
 * events have been passed to cb (or the queue is empty), on the calling
 * thread. Returns the number of events. The fd stays readable while bodies
 * remain. */
size_t k8s_webhook_drain(struct k8s_webhook *w, size_t max_events,
			 k8s_audit_cb *cb, void *ctx);

/* Events shed since the last call, and the time range they arrived in
 * (ns); returns 0 and leaves from/to alone when none were. */
uint64_t k8s_webhook_take_shed(struct k8s_webhook *w, uint64_t *from_ns, uint64_t *to_ns);

void k8s_webhook_stats(struct k8s_webhook *w, struct k8s_webhook_stats *st);

#endif
