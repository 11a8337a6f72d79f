/* SPDX-License-Identifier: Apache-2.0 */
/*
 * docker-tail: test driver of recorder/docker-client.h with its own poll
 * loop, for script tests against a real dockerd before (and besides)
 * fdr-record. Prints one JSON line per event ({"kind":"docker.<action>",...})
 * and per ring-metadata update ({"meta":"<id>",...}), and log lines on
 * stderr.
 *
 *   docker-tail SOCKET [SECONDS]     runs until SIGTERM/SIGINT or SECONDS
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fdr-ring.h"
#include "fdr-text.h"
#include "recorder/docker-client.h"

static volatile sig_atomic_t stop;
static int fds[8];
static unsigned nfds;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void watch(void *ctx, int fd)
{
	(void)ctx;
	if (nfds < 8)
		fds[nfds++] = fd;
}

static void unwatch(void *ctx, int fd)
{
	(void)ctx;
	for (unsigned i = 0; i < nfds; i++)
		if (fds[i] == fd)
			fds[i] = fds[--nfds];
}

static void kv(struct fdr_buf *b, const char *k, struct fdr_str s)
{
	if (!s.p)
		return;
	fdr_buf_addf(b, ",\"%s\":", k);
	fdr_buf_add_json_str(b, s.p, s.len);
}

static void on_event(void *ctx, const struct docker_ev *d)
{
	struct fdr_buf b = FDR_BUF_INIT;
	struct fdr_str act = fdr_event_str(&d->ev, FDR_F_ACTION);
	struct fdr_strv labels = fdr_event_strv(&d->ev, FDR_F_LABELS);

	(void)ctx;
	fdr_buf_adds(&b, "{\"kind\":");
	{
		struct fdr_buf k = FDR_BUF_INIT;

		fdr_buf_adds(&k, "docker.");
		fdr_buf_add(&k, act.p, act.len);
		fdr_buf_add_json_str(&b, k.p, k.len);
		fdr_buf_release(&k);
	}
	fdr_buf_addf(&b, ",\"time\":%llu", (unsigned long long)d->ev.time_ns);
	kv(&b, "container", fdr_str_c(d->container_id));
	kv(&b, "name", fdr_event_str(&d->ev, FDR_F_NAME));
	kv(&b, "image", fdr_event_str(&d->ev, FDR_F_IMAGE));
	kv(&b, "command", fdr_event_str(&d->ev, FDR_F_COMMAND));
	kv(&b, "exec_id", fdr_event_str(&d->ev, FDR_F_EXEC_ID));
	if (fdr_event_has(&d->ev, FDR_F_EXIT_CODE))
		fdr_buf_addf(&b, ",\"exit_code\":%lld", (long long)fdr_event_i(&d->ev, FDR_F_EXIT_CODE, 0));
	if (fdr_event_has(&d->ev, FDR_F_SIGNAL))
		fdr_buf_addf(&b, ",\"signal\":%llu", (unsigned long long)fdr_event_u(&d->ev, FDR_F_SIGNAL, 0));
	fdr_buf_adds(&b, ",\"labels\":[");
	for (uint32_t i = 0; i < labels.n; i++) {
		if (i)
			fdr_buf_addc(&b, ',');
		fdr_buf_add_json_str(&b, labels.v[i].p, labels.v[i].len);
	}
	fdr_buf_adds(&b, "]}\n");
	fwrite(b.p, 1, b.len, stdout);
	fflush(stdout);
	fdr_buf_release(&b);
}

static void on_meta(void *ctx, const struct fdr_ring_meta *m)
{
	struct fdr_buf b = FDR_BUF_INIT;

	(void)ctx;
	fdr_buf_adds(&b, "{\"meta\":");
	fdr_buf_add_json_str(&b, m->container_id, strlen(m->container_id));
	kv(&b, "name", fdr_str_c(m->container_name));
	kv(&b, "image", fdr_str_c(m->image));
	kv(&b, "image_id", fdr_str_c(m->image_id));
	kv(&b, "command", fdr_str_c(m->command));
	kv(&b, "ports", fdr_str_c(m->ports));
	kv(&b, "pod", fdr_str_c(m->pod));
	kv(&b, "namespace", fdr_str_c(m->namespace_));
	fdr_buf_addf(&b, ",\"labels_len\":%u,\"started_ns\":%llu,\"ended_ns\":%llu}\n", m->labels_len,
		     (unsigned long long)m->started_ns, (unsigned long long)m->ended_ns);
	fwrite(b.p, 1, b.len, stdout);
	fflush(stdout);
	fdr_buf_release(&b);
}

static void on_log(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "docker-tail: %s\n", msg);
}

int main(int argc, char **argv)
{
	const struct docker_client_ops ops = { watch, unwatch, on_event, on_meta, on_log };
	struct docker_client *c;
	uint64_t end = 0;
	int rc;

	if (argc < 2) {
		fprintf(stderr, "usage: docker-tail SOCKET [SECONDS]\n");
		return 2;
	}
	if (argc > 2)
		end = now_ns() + strtoull(argv[2], NULL, 10) * 1000000000ull;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	setvbuf(stdout, NULL, _IOLBF, 0);
	rc = docker_client_new(argv[1], &ops, NULL, &c);
	if (rc) {
		fprintf(stderr, "docker-tail: %s\n", strerror(-rc));
		return 1;
	}
	while (!stop && (!end || now_ns() < end)) {
		struct pollfd p[8];
		unsigned n = nfds;

		docker_client_tick(c, now_ns());
		n = nfds;
		for (unsigned i = 0; i < n; i++)
			p[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
		if (poll(p, n, 100) < 0 && errno != EINTR)
			break;
		for (unsigned i = 0; i < n; i++)
			if (p[i].revents)
				docker_client_on_ready(c, p[i].fd);
	}
	docker_client_free(c);
	return 0;
}
