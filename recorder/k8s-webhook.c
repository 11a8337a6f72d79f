/* SPDX-License-Identifier: Apache-2.0 */
/*
 * k8s-webhook: audit webhook server. kube-apiserver's webhook backend
 * (staging/src/k8s.io/apiserver/plugin/pkg/audit/webhook) POSTs batches as
 * an audit.k8s.io EventList with Content-Type application/json and a
 * Content-Length, retrying with backoff on errors; it must never wait on
 * us, so the answer is given as soon as the body is parsed and queued.
 *
 * Memory: one body buffer per connection (at most max_body), a connection
 * limit, and the queue bounded both in bodies and in bytes of packed events
 * (a few hundred bytes per event: the kept fields only).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>

#include "k8s-webhook.h"

struct item {
	struct k8s_audit_batch *batch;	/* decoded events of one body */
	size_t bytes;
	size_t nitems;
};

#define MAX_PARSERS 64	/* idle parsers kept for reuse (one per server thread in use) */

struct k8s_webhook {
	struct MHD_Daemon *mhd;
	int efd;
	unsigned port;
	size_t max_body;
	bool tls, want_client_cert;
	char *token;
	size_t token_len;
	char *cert, *key, *ca;	/* PEM kept alive for MHD */
	struct k8s_ev *scratch;	/* drain's working event */

	pthread_mutex_t lock;	/* guards everything below */
	struct k8s_audit_parser *idle[MAX_PARSERS];	/* reusable, their buffers warm */
	unsigned nidle;
	struct item *q;
	unsigned qcap, qhead, qlen;
	size_t qbytes, qbytes_max;
	size_t qevents, wake_events;	/* events queued; wake the reader at that many */
	bool signalled;	/* the eventfd was written and not drained since */
	size_t inflight, inflight_max;	/* body bytes buffered by open requests */
	struct k8s_webhook_stats st;
	uint64_t shed_pending, shed_from, shed_to;
};

/* One request in progress. */
struct req {
	char *body;
	size_t len, cap;
	unsigned status;	/* decided error, 0 while fine */
	const char *why;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *msg)
{
	char buf[256];
	struct MHD_Response *r;
	enum MHD_Result rc;
	int n;

	n = snprintf(buf, sizeof(buf), "{\"code\":%u,\"message\":\"%s\"}\n", status, msg);
	r = MHD_create_response_from_buffer((size_t)n, buf, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	if (status == 429)
		MHD_add_response_header(r, "Retry-After", "1");
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static void count_answer(struct k8s_webhook *w, unsigned status)
{
	pthread_mutex_lock(&w->lock);
	w->st.requests++;
	if (status == 503)
		w->st.busy++;
	else if (status >= 400 && status != 429)
		w->st.rejected++;
	pthread_mutex_unlock(&w->lock);
}

static bool token_ok(struct k8s_webhook *w, struct MHD_Connection *c)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	size_t n;
	unsigned char diff = 0;

	if (!h || strncasecmp(h, "Bearer ", 7) != 0)
		return false;
	h += 7;
	n = strlen(h);
	if (n != w->token_len)
		return false;
	for (size_t i = 0; i < n; i++)	/* constant time */
		diff |= (unsigned char)(h[i] ^ w->token[i]);
	return diff == 0;
}

static bool client_cert_ok(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci;
	gnutls_session_t s;
	unsigned status = 0;
	unsigned n = 0;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (!ci || !ci->tls_session)
		return false;
	s = (gnutls_session_t)ci->tls_session;
	if (!gnutls_certificate_get_peers(s, &n) || n == 0)
		return false;
	if (gnutls_certificate_verify_peers2(s, &status) != 0)
		return false;
	return status == 0;
}

static bool is_json_ctype(const char *ct)
{
	size_t n = strlen("application/json");

	if (!ct || strncasecmp(ct, "application/json", n) != 0)
		return false;
	return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

/* Queue a decoded body; false when full. Takes the batch on success. */
static bool enqueue(struct k8s_webhook *w, struct k8s_audit_batch *batch)
{
	size_t bytes = k8s_audit_batch_bytes(batch), nitems = k8s_audit_batch_items(batch);
	bool ok = false, wake = false;
	uint64_t t;

	pthread_mutex_lock(&w->lock);
	if (w->qlen < w->qcap && w->qbytes + bytes <= w->qbytes_max) {
		struct item *it = &w->q[(w->qhead + w->qlen) % w->qcap];

		it->batch = batch;
		it->bytes = bytes;
		it->nitems = nitems;
		w->qlen++;
		w->qbytes += bytes;
		w->qevents += nitems;
		/* the reader is woken once enough waits for it (it drains until
		 * the queue is empty or re-arms itself; below that its own timer
		 * drains): a busy server costs one wakeup per batch of bodies,
		 * not one per body */
		if (!w->signalled && (w->qevents >= w->wake_events || w->qlen >= w->qcap / 2)) {
			wake = true;
			w->signalled = true;
		}
		w->st.accepted++;
		w->st.events += nitems;
		ok = true;
	} else {
		t = now_ns();
		w->st.shed_requests++;
		w->st.shed_events += nitems;
		if (!w->shed_pending)
			w->shed_from = t;
		w->shed_to = t;
		w->shed_pending += nitems;
	}
	w->st.requests++;
	pthread_mutex_unlock(&w->lock);
	if (wake) {
		uint64_t one = 1;

		/* EAGAIN only when the counter is about to overflow: still readable */
		if (write(w->efd, &one, sizeof(one)) < 0) {
			/* nothing to do: the fd stays readable */
		}
	}
	return ok;
}

/* Free a request's body buffer and give its bytes back to the budget. */
static void release_body(struct k8s_webhook *w, struct req *r)
{
	if (r->cap) {
		pthread_mutex_lock(&w->lock);
		w->inflight -= r->cap;
		pthread_mutex_unlock(&w->lock);
	}
	free(r->body);
	r->body = NULL;
	r->len = r->cap = 0;
}

/* A parser for this body: an idle one, else a new one (NULL on ENOMEM). */
static struct k8s_audit_parser *take_parser(struct k8s_webhook *w)
{
	struct k8s_audit_parser *p = NULL;

	pthread_mutex_lock(&w->lock);
	if (w->nidle)
		p = w->idle[--w->nidle];
	pthread_mutex_unlock(&w->lock);
	if (!p && k8s_audit_parser_new(&p) < 0)
		return NULL;
	return p;
}

static void give_parser(struct k8s_webhook *w, struct k8s_audit_parser *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&w->lock);
	if (w->nidle < MAX_PARSERS) {
		w->idle[w->nidle++] = p;
		p = NULL;
	}
	pthread_mutex_unlock(&w->lock);
	k8s_audit_parser_free(p);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload, size_t *upload_size, void **con_cls)
{
	struct k8s_webhook *w = cls;
	struct req *r = *con_cls;

	(void)url;
	(void)version;
	if (!r) {
		const char *cl;
		unsigned status = 0;
		const char *why = NULL;

		if (strcmp(method, MHD_HTTP_METHOD_POST) != 0) {
			status = 405;
			why = "POST audit events here";
		} else if (w->want_client_cert && !client_cert_ok(c)) {
			status = 403;
			why = "a client certificate signed by the configured CA is required";
		} else if (w->token && !token_ok(w, c)) {
			status = 401;
			why = "bearer token required";
		} else if (!is_json_ctype(MHD_lookup_connection_value(c, MHD_HEADER_KIND,
								 MHD_HTTP_HEADER_CONTENT_TYPE))) {
			status = 415;
			why = "Content-Type must be application/json";
		} else if ((cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_CONTENT_LENGTH)) &&
			   strtoull(cl, NULL, 10) > w->max_body) {
			status = 413;
			why = "request body too large";
		}
		if (status) {
			count_answer(w, status);
			return reply(c, status, why);
		}
		r = calloc(1, sizeof(*r));
		if (!r)
			return MHD_NO;
		*con_cls = r;
		return MHD_YES;
	}
	if (*upload_size) {
		size_t n = *upload_size;

		*upload_size = 0;
		if (r->status)
			return MHD_YES;	/* discarding the rest of a refused body */
		if (n > w->max_body - r->len) {
			r->status = 413;
			r->why = "request body too large";
			release_body(w, r);
			return MHD_YES;
		}
		if (r->len + n > r->cap) {
			size_t cap = r->cap ? r->cap : 65536;
			bool room;
			char *p;

			while (cap < r->len + n)
				cap *= 2;
			if (cap > w->max_body)
				cap = w->max_body;
			/* all open requests together stay under inflight_max */
			pthread_mutex_lock(&w->lock);
			room = w->inflight - r->cap + cap <= w->inflight_max;
			if (room)
				w->inflight = w->inflight - r->cap + cap;
			pthread_mutex_unlock(&w->lock);
			if (!room) {
				r->status = 503;
				r->why = "too many large requests at once, retry";
				release_body(w, r);
				return MHD_YES;
			}
			p = realloc(r->body, cap);
			if (!p) {
				pthread_mutex_lock(&w->lock);
				w->inflight -= cap - r->cap;
				pthread_mutex_unlock(&w->lock);
				r->status = 503;
				r->why = "out of memory";
				release_body(w, r);
				return MHD_YES;
			}
			r->body = p;
			r->cap = cap;
		}
		memcpy(r->body + r->len, upload, n);
		r->len += n;
		return MHD_YES;
	}
	/* the whole body is here: decode it now, in this thread, so the answer
	 * says whether it was good; the recorder thread only writes events */
	if (!r->status) {
		struct k8s_audit_batch *batch = NULL;
		struct k8s_audit_parser *p = take_parser(w);
		int rc = p ? k8s_audit_parser_run(p, r->body ? r->body : "", r->len, &batch) : -ENOMEM;

		give_parser(w, p);
		release_body(w, r);	/* the events are copied out */
		if (rc == -ENOMEM) {
			count_answer(w, 503);
			return reply(c, 503, "out of memory");
		}
		if (rc == -EBADMSG) {
			r->status = 400;
			r->why = "body is not valid JSON";
		} else if (rc) {
			r->status = 400;
			r->why = "body is not an audit.k8s.io Event or EventList";
		} else if (!enqueue(w, batch)) {
			k8s_audit_batch_free(batch);
			return reply(c, 429, "recorder queue full, events shed");
		} else {
			return reply(c, 200, "ok");
		}
	}
	count_answer(w, r->status);
	return reply(c, r->status, r->why);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct k8s_webhook *w = cls;
	struct req *r = *con_cls;

	(void)c;
	(void)toe;
	if (r) {
		release_body(w, r);
		free(r);
		*con_cls = NULL;
	}
}

/* ---- setup ------------------------------------------------------------ */

static char *read_file(const char *path, size_t max, size_t *len, int *err)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	if (!f) {
		*err = -errno;
		return NULL;
	}
	buf = malloc(max + 1);
	if (!buf) {
		fclose(f);
		*err = -ENOMEM;
		return NULL;
	}
	n = fread(buf, 1, max + 1, f);
	fclose(f);
	if (n > max) {
		free(buf);
		*err = -EFBIG;
		return NULL;
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

static int parse_listen(const char *s, struct sockaddr_storage *ss, bool *v6)
{
	char host[128];
	const char *colon;
	char *end;
	unsigned long port;
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (!rb || rb[1] != ':' || (size_t)(rb - s - 1) >= sizeof(host))
			return -EINVAL;
		memcpy(host, s + 1, (size_t)(rb - s - 1));
		host[rb - s - 1] = '\0';
		colon = rb + 1;
	} else if ((colon = strrchr(s, ':'))) {
		if ((size_t)(colon - s) >= sizeof(host))
			return -EINVAL;
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
	} else {
		strcpy(host, "127.0.0.1");
		colon = s - 1;
	}
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || port > 65535)
		return -EINVAL;
	if (host[0] == '\0')
		strcpy(host, "127.0.0.1");
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		*v6 = false;
	} else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*v6 = true;
	} else {
		return -EINVAL;
	}
	return 0;
}

int k8s_webhook_new(const struct k8s_webhook_opts *o, struct k8s_webhook **out,
		    char *err, size_t errsize)
{
	struct k8s_webhook *w;
	struct sockaddr_storage ss;
	bool v6 = false;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO;
	struct MHD_OptionItem opts[16];
	unsigned n = 0;
	const union MHD_DaemonInfo *di;
	int rc, ferr = 0;

	err[0] = '\0';
	if (parse_listen(o->listen, &ss, &v6) < 0) {
		snprintf(err, errsize, "invalid listen address '%s' (want ADDR:PORT)", o->listen);
		return -EINVAL;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	pthread_mutex_init(&w->lock, NULL);
	w->efd = -1;
	w->max_body = o->max_body ? o->max_body : 16u << 20;
	w->qcap = o->queue_len ? o->queue_len : 4096;
	w->qbytes_max = o->queue_bytes ? o->queue_bytes : 128u << 20;
	w->wake_events = o->wake_events ? o->wake_events : 1;
	/* a few maximal bodies at once; more wait (503) for their turn */
	w->inflight_max = 4 * w->max_body > (64u << 20) ? 4 * w->max_body : (64u << 20);
	w->q = calloc(w->qcap, sizeof(*w->q));
	w->scratch = malloc(sizeof(*w->scratch));
	if (!w->q || !w->scratch) {
		rc = -ENOMEM;
		goto out_free;
	}
	w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->efd < 0) {
		rc = -errno;
		snprintf(err, errsize, "cannot create eventfd: %s", strerror(errno));
		goto out_free;
	}
	if (o->token_file) {
		char *nl;

		w->token = read_file(o->token_file, 4096, NULL, &ferr);
		if (!w->token) {
			rc = ferr;
			snprintf(err, errsize, "cannot read token file '%s': %s", o->token_file, strerror(-ferr));
			goto out_free;
		}
		if ((nl = strpbrk(w->token, "\r\n")))
			*nl = '\0';
		w->token_len = strlen(w->token);
		if (!w->token_len) {
			rc = -EINVAL;
			snprintf(err, errsize, "token file '%s' is empty", o->token_file);
			goto out_free;
		}
	}
	if ((o->cert_file != NULL) != (o->key_file != NULL) || (o->client_ca_file && !o->cert_file)) {
		rc = -EINVAL;
		snprintf(err, errsize, "TLS needs both a certificate and a key (and them for a client CA)");
		goto out_free;
	}
	if (o->cert_file) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			rc = -EOPNOTSUPP;
			snprintf(err, errsize, "libmicrohttpd was built without TLS");
			goto out_free;
		}
		w->cert = read_file(o->cert_file, 1 << 20, NULL, &ferr);
		if (!w->cert) {
			rc = ferr;
			snprintf(err, errsize, "cannot read certificate '%s': %s", o->cert_file, strerror(-ferr));
			goto out_free;
		}
		w->key = read_file(o->key_file, 1 << 20, NULL, &ferr);
		if (!w->key) {
			rc = ferr;
			snprintf(err, errsize, "cannot read key '%s': %s", o->key_file, strerror(-ferr));
			goto out_free;
		}
		flags |= MHD_USE_TLS;
		opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, w->cert };
		opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, w->key };
		if (o->client_ca_file) {
			w->ca = read_file(o->client_ca_file, 1 << 20, NULL, &ferr);
			if (!w->ca) {
				rc = ferr;
				snprintf(err, errsize, "cannot read client CA '%s': %s", o->client_ca_file,
					 strerror(-ferr));
				goto out_free;
			}
			opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_TRUST, 0, w->ca };
			w->want_client_cert = true;
		}
		w->tls = true;
	}
	if (v6)
		flags |= MHD_USE_IPv6;
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_SOCK_ADDR, 0, &ss };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, w };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT, 256, NULL };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT, 30, NULL };
	if (o->threads > 1)
		opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_THREAD_POOL_SIZE, o->threads, NULL };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };

	w->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, w,
				  MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (!w->mhd) {
		rc = -EADDRNOTAVAIL;
		snprintf(err, errsize, "cannot listen on '%s' (address in use or not local?)", o->listen);
		goto out_free;
	}
	di = MHD_get_daemon_info(w->mhd, MHD_DAEMON_INFO_BIND_PORT);
	w->port = di ? di->port : 0;
	*out = w;
	return 0;
out_free:
	k8s_webhook_free(w);
	return rc;
}

void k8s_webhook_free(struct k8s_webhook *w)
{
	if (!w)
		return;
	if (w->mhd)
		MHD_stop_daemon(w->mhd);
	for (unsigned i = 0; i < w->qlen; i++)
		k8s_audit_batch_free(w->q[(w->qhead + i) % w->qcap].batch);
	for (unsigned i = 0; i < w->nidle; i++)
		k8s_audit_parser_free(w->idle[i]);
	free(w->q);
	if (w->efd >= 0)
		close(w->efd);
	free(w->token);
	free(w->cert);
	free(w->key);
	free(w->ca);
	free(w->scratch);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

int k8s_webhook_fd(const struct k8s_webhook *w)
{
	return w->efd;
}

unsigned k8s_webhook_port(const struct k8s_webhook *w)
{
	return w->port;
}

size_t k8s_webhook_drain(struct k8s_webhook *w, size_t max_events,
			 k8s_audit_cb *cb, void *ctx)
{
	uint64_t cnt;
	size_t events = 0, bad_total = 0;
	bool more;

	if (read(w->efd, &cnt, sizeof(cnt)) < 0) {
		/* EAGAIN: nothing signalled; the queue may still hold work */
	}
	pthread_mutex_lock(&w->lock);
	w->signalled = false;
	pthread_mutex_unlock(&w->lock);
	while (events < max_events) {
		struct item it;
		size_t bad = 0;

		pthread_mutex_lock(&w->lock);
		if (!w->qlen) {
			pthread_mutex_unlock(&w->lock);
			break;
		}
		it = w->q[w->qhead];
		w->qhead = (w->qhead + 1) % w->qcap;
		w->qlen--;
		w->qbytes -= it.bytes;
		w->qevents -= it.nitems;
		pthread_mutex_unlock(&w->lock);
		events += k8s_audit_batch_each(it.batch, w->scratch, cb, ctx, &bad);
		bad_total += bad;
		k8s_audit_batch_free(it.batch);
	}
	pthread_mutex_lock(&w->lock);
	w->st.bad_items += bad_total;
	w->st.drained += events;
	more = w->qlen > 0 && !w->signalled;
	if (more)
		w->signalled = true;
	pthread_mutex_unlock(&w->lock);
	if (more) {
		uint64_t one = 1;

		if (write(w->efd, &one, sizeof(one)) < 0) {
			/* still readable */
		}
	}
	return events;
}

uint64_t k8s_webhook_take_shed(struct k8s_webhook *w, uint64_t *from_ns, uint64_t *to_ns)
{
	uint64_t n;

	pthread_mutex_lock(&w->lock);
	n = w->shed_pending;
	if (n) {
		*from_ns = w->shed_from;
		*to_ns = w->shed_to;
		w->shed_pending = 0;
	}
	pthread_mutex_unlock(&w->lock);
	return n;
}

void k8s_webhook_stats(struct k8s_webhook *w, struct k8s_webhook_stats *st)
{
	pthread_mutex_lock(&w->lock);
	*st = w->st;
	st->inflight = w->inflight;
	pthread_mutex_unlock(&w->lock);
}
