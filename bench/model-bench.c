/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fdr-model-bench: learn and check speed on one core over generated events
 * (a web-service mix: file writes with counter names, accepts, upstream
 * connects, DNS, short-lived execs), decoded-event cost only (ring decoding is
 * replay's bench). Prints "name value unit" lines; a peer in the same run:
 * hashing each event's main string with XXH3 (the floor of any lookup).
 *
 *   fdr-model-bench [EVENTS]   (default 20000000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>

#include "replay/model.h"

#define POOL 65536	/* distinct cache file names, read in order like a block */
#define TEMPLATES 100	/* one event per mix slot: a decoder fills one hot struct */

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct fdr_event *pool;
static char (*paths)[96];
static uint32_t *plen;
static struct fdr_str argvs[4][4];
static struct fdr_str answers[1];

static void gen(void)
{
	struct fdr_addr up, cl;
	uint64_t t = 1764064800000000000ull, pid = 5000;

	pool = calloc(TEMPLATES, sizeof(*pool));
	paths = calloc(POOL, sizeof(*paths));
	plen = calloc(POOL, sizeof(*plen));
	if (!pool || !paths || !plen)
		exit(1);
	fdr_addr_parse(&up, "10.0.0.9");
	fdr_addr_parse(&cl, "10.0.0.1");
	argvs[0][0] = fdr_str_c("find");
	argvs[0][1] = fdr_str_c("/docker-entrypoint.d/");
	argvs[0][2] = fdr_str_c("-type");
	argvs[0][3] = fdr_str_c("f");
	answers[0] = fdr_str_c("10.0.0.9");
	for (unsigned i = 0; i < POOL; i++)
		plen[i] = (uint32_t)snprintf(paths[i], sizeof(paths[i]), "/var/cache/nginx/client_temp/%010u", i);
	for (unsigned i = 0; i < TEMPLATES; i++) {
		struct fdr_event *e = &pool[i];
		unsigned k = i;

		t += 10000;
		if (k < 25) {
			fdr_event_init(e, FDR_FILE_MODIFY, t);
			fdr_event_set_cstr(e, FDR_F_PATH, "/var/log/nginx/access.log");
		} else if (k < 40) {
			fdr_event_init(e, k < 33 ? FDR_FILE_CREATE : FDR_FILE_DELETE, t);
			fdr_event_set_cstr(e, FDR_F_PATH, paths[i]);
		} else if (k < 60) {
			fdr_event_init(e, FDR_NET_ACCEPT, t);
			fdr_event_set_cstr(e, FDR_F_PROTO, "tcp");
			fdr_event_set_addr(e, FDR_F_SRC, &cl);
			fdr_event_set_u(e, FDR_F_DPORT, 80);
		} else if (k < 75) {
			fdr_event_init(e, FDR_NET_CONNECT, t);
			fdr_event_set_cstr(e, FDR_F_PROTO, "tcp");
			fdr_event_set_addr(e, FDR_F_DST, &up);
			fdr_event_set_u(e, FDR_F_DPORT, 8080);
		} else if (k < 82) {
			fdr_event_init(e, k < 79 ? FDR_DNS_QUERY : FDR_DNS_ANSWER, t);
			fdr_event_set_cstr(e, FDR_F_NAME, "api.internal");
			if (k >= 79)
				fdr_event_set_strv(e, FDR_F_ANSWERS, answers, 1);
		} else if (k < 88) {
			fdr_event_init(e, FDR_PROC_FORK, t);
			fdr_event_set_u(e, FDR_F_PPID, 5000);
			pid = 6000 + i % 30000;
		} else if (k < 94) {
			fdr_event_init(e, FDR_PROC_EXEC, t);
			fdr_event_set_u(e, FDR_F_PPID, 5000);
			fdr_event_set_cstr(e, FDR_F_EXE, "/usr/bin/find");
			fdr_event_set_strv(e, FDR_F_ARGV, argvs[0], 4);
			fdr_event_set_u(e, FDR_F_UID, 0);
			fdr_event_set_u(e, FDR_F_EUID, 0);
		} else if (k < 97) {
			fdr_event_init(e, FDR_PROC_EXIT, t);
		} else {
			fdr_event_init(e, FDR_FILE_OPEN, t);
			fdr_event_set_cstr(e, FDR_F_PATH, "/etc/nginx/nginx.conf");
		}
		fdr_event_set_u(e, FDR_F_PID, k < 82 ? 5001 : pid);
	}
}

/* Event i of the stream: a template in a shuffled order, with the name a
 * decoder would have put there for cache files. */
static const struct fdr_event *event(uint64_t i)
{
	struct fdr_event *e = &pool[(i * 2654435761u) % TEMPLATES];

	if (e->kind == FDR_FILE_CREATE || e->kind == FDR_FILE_DELETE) {
		e->f[FDR_F_PATH].s.p = paths[i % POOL];
		e->f[FDR_F_PATH].s.len = plen[i % POOL];
	}
	e->time_ns = 1764064800000000000ull + i * 10000;
	return e;
}

static void meta(struct fdr_ring_meta *m, unsigned r)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->container_id, sizeof(m->container_id), "%064x", r + 1);
	snprintf(m->image, sizeof(m->image), "nginx:1.25");
	snprintf(m->image_id, sizeof(m->image_id), "sha256:abcd");
	snprintf(m->command, sizeof(m->command), "nginx -g daemon off;");
	snprintf(m->ports, sizeof(m->ports), "80/tcp");
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 20000000ull, h = 0;
	enum { RINGS = 8 };
	struct md_model *m;
	struct md_learner *l;
	struct md_checker *c;
	struct fdr_ring_meta rm;
	uint32_t ring[RINGS];
	double t0, t1;

	gen();
	/* Peer: hash the main string of each event. */
	t0 = cpu_now();
	for (uint64_t i = 0; i < n; i++) {
		const struct fdr_event *e = event(i);
		struct fdr_str s = fdr_event_str(e, FDR_F_PATH);

		h += s.p ? XXH3_64bits(s.p, s.len) : e->kind;
	}
	t1 = cpu_now();
	printf("model_peer_xxh3_events_per_s %.0f events/s\n", (double)n / (t1 - t0));

	if (md_model_new(&m) || md_learner_new(m, &l))
		return 1;
	for (unsigned r = 0; r < RINGS; r++) {
		meta(&rm, r);
		if (md_learner_ring(l, &rm, &ring[r]))
			return 1;
	}
	t0 = cpu_now();
	for (uint64_t i = 0; i < n; i++)
		if (md_learner_event(l, ring[(i >> 12) % RINGS], event(i)))
			return 1;
	md_learner_finish(l);
	t1 = cpu_now();
	printf("model_learn_events_per_s %.0f events/s\n", (double)n / (t1 - t0));
	md_learner_free(l);

	if (md_checker_new(m, NULL, &c))
		return 1;
	for (unsigned r = 0; r < RINGS; r++) {
		meta(&rm, r + 100);
		if (md_checker_ring(c, &rm, "bench.ring", &ring[r]))
			return 1;
	}
	t0 = cpu_now();
	for (uint64_t i = 0; i < n; i++) {
		struct md_loc loc = { ring[(i >> 12) % RINGS], (uint32_t)(i & 4095), i >> 12 };

		if (md_checker_event(c, event(i), &loc))
			return 1;
	}
	md_checker_finish(c);
	t1 = cpu_now();
	printf("model_check_events_per_s %.0f events/s\n", (double)n / (t1 - t0));
	printf("model_check_findings %zu findings\n", md_checker_nfindings(c));
	md_checker_free(c);
	md_model_free(m);
	return h == 42;	/* keep the peer loop */
}
