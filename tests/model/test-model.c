/* SPDX-License-Identifier: Apache-2.0 */
/*
 * replay/model: learning from synthetic event streams (the recorder is
 * another branch; these events are built the way DESIGN.md describes its
 * fields), generalization, the text round trip, merge algebra, every built-in
 * rule firing and not firing, severity tuning, gaps, parser errors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "replay/model.h"

#define T0 1764064800000000000ull	/* 2025-11-25T10:00:00Z */
#define SEC 1000000000ull
#define HOUR (3600 * SEC)

/* ---- event builders ------------------------------------------------------- */

static struct fdr_str argv_store[8];

static struct fdr_event ev_base(unsigned kind, uint64_t t, uint64_t pid)
{
	struct fdr_event ev;

	fdr_event_init(&ev, kind, t);
	if (pid)
		fdr_event_set_u(&ev, FDR_F_PID, pid);
	return ev;
}

static struct fdr_event ev_fork(uint64_t t, uint64_t pid, uint64_t ppid)
{
	struct fdr_event ev = ev_base(FDR_PROC_FORK, t, pid);

	fdr_event_set_u(&ev, FDR_F_PPID, ppid);
	return ev;
}

/* argv: up to 8 words separated by spaces (argv[0] first). */
static struct fdr_event ev_exec(uint64_t t, uint64_t pid, uint64_t ppid, const char *exe,
				const char *args, uint64_t uid)
{
	static char buf[512];
	struct fdr_event ev = ev_base(FDR_PROC_EXEC, t, pid);
	unsigned n = 0;
	char *p;

	fdr_event_set_u(&ev, FDR_F_PPID, ppid);
	fdr_event_set_cstr(&ev, FDR_F_EXE, exe);
	fdr_event_set_u(&ev, FDR_F_UID, uid);
	fdr_event_set_u(&ev, FDR_F_EUID, uid);
	snprintf(buf, sizeof(buf), "%s", args);
	for (p = strtok(buf, " "); p && n < 8; p = strtok(NULL, " "))
		argv_store[n++] = fdr_str_c(p);
	fdr_event_set_strv(&ev, FDR_F_ARGV, argv_store, n);
	return ev;
}

static struct fdr_event ev_file(unsigned kind, uint64_t t, uint64_t pid, const char *path)
{
	struct fdr_event ev = ev_base(kind, t, pid);

	fdr_event_set_cstr(&ev, FDR_F_PATH, path);
	return ev;
}

static struct fdr_event ev_net(unsigned kind, uint64_t t, uint64_t pid, const char *dst, uint64_t port)
{
	static struct fdr_addr a;
	struct fdr_event ev = ev_base(kind, t, pid);

	fdr_event_set_cstr(&ev, FDR_F_PROTO, "tcp");
	if (kind == FDR_NET_LISTEN) {
		fdr_event_set_u(&ev, FDR_F_SPORT, port);
		return ev;
	}
	assert_int_equal(fdr_addr_parse(&a, dst), 0);
	fdr_event_set_addr(&ev, FDR_F_DST, &a);
	fdr_event_set_u(&ev, FDR_F_DPORT, port);
	return ev;
}

static void meta_init(struct fdr_ring_meta *m, const char *cid, const char *image, const char *image_id)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->hostname, sizeof(m->hostname), "h1");
	snprintf(m->container_id, sizeof(m->container_id), "%s", cid);
	snprintf(m->container_name, sizeof(m->container_name), "web-%s", cid);
	snprintf(m->image, sizeof(m->image), "%s", image);
	snprintf(m->image_id, sizeof(m->image_id), "%s", image_id);
	snprintf(m->command, sizeof(m->command), "/docker-entrypoint.sh nginx -g daemon off;");
	snprintf(m->ports, sizeof(m->ports), "80/tcp");
	m->created_ns = T0;
	m->started_ns = T0;
}

/* A normal web container: entrypoint, nginx master + worker, logs, cache, upstream. */
typedef int (*feed_fn)(void *h, uint32_t ring, const struct fdr_event *ev, uint32_t idx);

static int feed_learn(void *h, uint32_t ring, const struct fdr_event *ev, uint32_t idx)
{
	(void)idx;
	return md_learner_event(h, ring, ev);
}

static int feed_check(void *h, uint32_t ring, const struct fdr_event *ev, uint32_t idx)
{
	struct md_loc loc = { ring, idx, 7 };

	return md_checker_event(h, ev, &loc);
}

static void normal_run(feed_fn feed, void *h, uint32_t ring, uint64_t t, unsigned requests, uint64_t pidbase)
{
	struct fdr_event ev;
	uint32_t k = 0;
	char path[128];

	ev = ev_exec(t, pidbase, 1, "/docker-entrypoint.sh", "/docker-entrypoint.sh nginx -g daemon", 0);
	assert_int_equal(feed(h, ring, &ev, k++), 0);
	ev = ev_exec(t + SEC, pidbase, 1, "/usr/sbin/nginx", "nginx -g daemon", 0);
	assert_int_equal(feed(h, ring, &ev, k++), 0);
	ev = ev_net(FDR_NET_LISTEN, t + SEC, pidbase, NULL, 80);
	assert_int_equal(feed(h, ring, &ev, k++), 0);
	ev = ev_fork(t + 2 * SEC, pidbase + 1, pidbase);
	assert_int_equal(feed(h, ring, &ev, k++), 0);
	ev = ev_base(FDR_PROC_UID, t + 2 * SEC, pidbase + 1);
	fdr_event_set_u(&ev, FDR_F_UID, 101);
	fdr_event_set_u(&ev, FDR_F_EUID, 101);
	assert_int_equal(feed(h, ring, &ev, k++), 0);
	for (unsigned i = 0; i < requests; i++) {
		uint64_t ti = t + 3 * SEC + i * SEC;

		ev = ev_file(FDR_FILE_MODIFY, ti, pidbase + 1, "/var/log/nginx/access.log");
		assert_int_equal(feed(h, ring, &ev, k++), 0);
		snprintf(path, sizeof(path), "/var/cache/nginx/client_temp/%010u", i + 7);
		ev = ev_file(FDR_FILE_CREATE, ti, pidbase + 1, path);
		assert_int_equal(feed(h, ring, &ev, k++), 0);
		ev = ev_file(FDR_FILE_DELETE, ti, pidbase + 1, path);
		assert_int_equal(feed(h, ring, &ev, k++), 0);
		ev = ev_net(FDR_NET_CONNECT, ti, pidbase + 1, "10.0.0.9", 8080);
		assert_int_equal(feed(h, ring, &ev, k++), 0);
	}
	ev = ev_base(FDR_DNS_QUERY, t + 4 * SEC, pidbase + 1);
	fdr_event_set_cstr(&ev, FDR_F_NAME, "API.Example.com.");
	assert_int_equal(feed(h, ring, &ev, k++), 0);
}

static struct md_model *learn_rings(unsigned nrings, const unsigned *which)
{
	struct md_model *m;
	struct md_learner *l;
	struct fdr_ring_meta meta;

	assert_int_equal(md_model_new(&m), 0);
	assert_int_equal(md_learner_new(m, &l), 0);
	for (unsigned i = 0; i < nrings; i++) {
		uint32_t ring;
		char cid[16];
		unsigned w = which[i];

		snprintf(cid, sizeof(cid), "c%u", w);
		/* ring 2 is another image, learned by name only */
		meta_init(&meta, cid, w == 2 ? "redis:7" : "nginx:1.25", w == 2 ? "" : "sha256:aaaa");
		assert_int_equal(md_learner_ring(l, &meta, &ring), 0);
		normal_run(feed_learn, l, ring, T0 + w * HOUR, 5 + w, 100 + w * 10);
	}
	assert_int_equal(md_learner_finish(l), 0);
	md_learner_free(l);
	return m;
}

static char *ser(struct md_model *m)
{
	struct fdr_buf b = FDR_BUF_INIT;

	md_model_serialize(m, &b);
	return fdr_buf_detach(&b, NULL);
}

static struct md_model *parse_ok(const char *text)
{
	struct md_model *m;
	struct md_parse_error err = MD_PARSE_ERROR_INIT;
	int rc;

	assert_int_equal(md_model_new(&m), 0);
	rc = md_model_parse(m, text, strlen(text), &err);
	if (rc)
		fail_msg("parse failed at line %u: %s", err.line, err.msg);
	return m;
}

/* ---- generalization ---------------------------------------------------------- */

static void gen_is(const char *in, const char *want)
{
	char out[2048];

	md_gen_path(in, strlen(in), out, sizeof(out));
	if (strcmp(out, want))
		fail_msg("generalize '%s': got '%s', want '%s'", in, out, want);
}

static void test_generalize(void **state)
{
	(void)state;
	gen_is("/proc/1234/status", "/proc/*/status");
	gen_is("/proc/1/status", "/proc/1/status");
	gen_is("/tmp/tmp.aB3xYz", "/tmp/tmp.*");
	gen_is("/tmp/tmp.AbCdEf", "/tmp/tmp.*");
	gen_is("/tmp/k3j9dl2x", "/tmp/*");
	gen_is("/var/log/nginx/access.log.1", "/var/log/nginx/access.log.*");
	gen_is("/var/log/app-2026-11-25.log", "/var/log/app-*.log");
	gen_is("/var/cache/nginx/client_temp/0000000012", "/var/cache/nginx/client_temp/*");
	gen_is("/app/cache/3f2a9c1d8e7b.bin", "/app/cache/*.bin");
	gen_is("/var/lib/docker/550e8400-e29b-41d4-a716-446655440000/x", "/var/lib/docker/*/x");
	gen_is("/usr/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libc.so.*");
	gen_is("/usr/lib/python3.11/os.py", "/usr/lib/python3.11/os.py");
	gen_is("/app/__pycache__/mod.cpython-311.pyc", "/app/__pycache__/mod.cpython-*.pyc");
	/* Words stay words: a model must not allow everything. */
	gen_is("/etc/nginx/nginx.conf", "/etc/nginx/nginx.conf");
	gen_is("/etc/passwd", "/etc/passwd");
	gen_is("/home/deploy/.ssh/authorized_keys", "/home/deploy/.ssh/authorized_keys");

	char longp[3000], out[2048];

	for (int i = 0; i < 2990; i += 10)
		memcpy(longp + i, "/abcdefghi", 10);
	longp[2990] = 0;
	size_t n = md_gen_path(longp, strlen(longp), out, sizeof(out));
	assert_true(n <= 1030);
	assert_string_equal(out + n - 3, "/**");

	n = md_gen_arg("12345", 5, out, sizeof(out));
	assert_string_equal(out, "*");
	md_gen_arg("-g", 2, out, sizeof(out));
	assert_string_equal(out, "-g");
}

/* ---- learning ----------------------------------------------------------------- */

static void assert_has_line(const char *text, const char *line)
{
	const char *p = text;
	size_t n = strlen(line);

	while ((p = strstr(p, line))) {
		if ((p == text || p[-1] == '\n') && (p[n] == ' ' || p[n] == '\n'))
			return;
		p++;
	}
	fail_msg("model lacks line '%s':\n%s", line, text);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The distinct "create ..." observations a checker reported, sorted, one a line. */
static char *created(struct md_checker *c)
{
	size_t n = md_checker_nfindings(c), len = 1, k = 0;
	const char **w = calloc(n + 1, sizeof(*w));
	char *out, *o;

	assert_non_null(w);
	assert_int_equal(md_checker_finish(c), 0);
	for (size_t i = 0; i < n; i++) {
		const struct md_finding *f = md_checker_finding(c, i);

		if (!strncmp(f->what, "create ", 7)) {
			w[k++] = f->what;
			len += strlen(f->what) + 1;
		}
	}
	qsort(w, k, sizeof(*w), str_cmp);
	o = out = calloc(1, len);
	assert_non_null(out);
	for (size_t i = 0; i < k; i++) {
		if (i && !strcmp(w[i], w[i - 1]))
			continue;
		o += sprintf(o, "%s\n", w[i]);
	}
	free(w);
	return out;
}

/*
 * Paths generalized through the memo of the last directory (fresh names in
 * one directory) give what each path alone gives: one ring sees them all in
 * a row (memo hits), the other checker sees each in a ring of its own. An
 * empty model reports every observation as it was made (no collapsing).
 * Directories: plain, runtime storage (vfs, overlay, containerd rootfs),
 * runtime state, the root, and one too long for the memo; last components:
 * words, numbers, random names, exec.fifo, and one long enough to be cut.
 */
static void test_gen_dir_memo(void **state)
{
	static const char *const dirs[] = {
		"/var/cache/nginx/client_temp/",
		"/var/lib/docker/vfs/dir/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef/etc/",
		"/var/lib/docker/vfs/dir/",
		"/data/docker/overlay2/3f2a9c1d8e7b/merged/tmp/",
		"/run/containerd/io.containerd.runtime.v2.task/moby/abc/rootfs/var/",
		"/srv/containerd/io.containerd.snapshotter/x/rootfs/app/",
		"/run/runc/abc/",
		"/var/lib/docker/containers/abc/",
		"/",
		"/tmp/Ab3xYz9qWe/",
		"/a/very/long/directory/name/that/goes/on/and/on/beyond/what/the/memo/of/the/last/directory/keeps/in/its/buffer/x/",
	};
	char longname[1011];
	const char *lasts[] = { "file", "0000012345", "tmp.aB3xYz", "exec.fifo", "xexec.fifo", longname };
	struct md_model *m;
	struct md_checker *ca, *cb;
	struct fdr_ring_meta meta;
	uint32_t ra, rb;
	uint64_t t = T0;
	char path[1400], *a, *b;

	(void)state;
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	meta_init(&meta, "c1", "nginx:1.25", "sha256:aaaa");
	assert_int_equal(md_model_new(&m), 0);
	assert_int_equal(md_checker_new(m, NULL, &ca), 0);
	assert_int_equal(md_checker_new(m, NULL, &cb), 0);
	assert_int_equal(md_checker_ring(ca, &meta, "a.ring", &ra), 0);
	for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
		for (size_t k = 0; k < sizeof(lasts) / sizeof(lasts[0]); k++) {
			struct fdr_event ev;
			struct md_loc la = { 0, 0, UINT64_MAX }, lb = { 0, 0, UINT64_MAX };

			snprintf(path, sizeof(path), "%s%s", dirs[d], lasts[k]);
			ev = ev_file(FDR_FILE_CREATE, t += SEC, 100, path);
			la.ring = ra;
			assert_int_equal(md_checker_event(ca, &ev, &la), 0);
			assert_int_equal(md_checker_ring(cb, &meta, "b.ring", &rb), 0);
			lb.ring = rb;
			assert_int_equal(md_checker_event(cb, &ev, &lb), 0);
		}
	}
	a = created(ca);
	b = created(cb);
	assert_string_equal(a, b);
	/* The container's view, without the runtime's own state. */
	assert_non_null(strstr(a, "create /etc/*\n"));
	assert_non_null(strstr(a, "create /etc/file\n"));
	assert_non_null(strstr(a, "create /tmp/tmp.*\n"));
	assert_non_null(strstr(a, "create /app/file\n"));
	assert_non_null(strstr(a, "create /var/lib/docker/vfs/dir/file\n"));
	assert_non_null(strstr(a, "create /tmp/*/tmp.*\n"));
	assert_null(strstr(a, "create /run/runc"));
	assert_non_null(strstr(a, "create /etc/exec.fifo\n"));	/* the view is found first */
	assert_null(strstr(a, "client_temp/exec.fifo\n"));
	assert_non_null(strstr(a, "create /var/cache/nginx/client_temp/xexec.fifo\n"));
	assert_non_null(strstr(a, "/**\n"));
	free(a);
	free(b);
	md_checker_free(ca);
	md_checker_free(cb);
	md_model_free(m);
}

static void test_learn(void **state)
{
	unsigned w[] = { 0 };
	struct md_model *m = learn_rings(1, w);
	char *t = ser(m);
	struct md_section_info info;

	(void)state;
	assert_has_line(t, "section image sha256:aaaa");
	assert_has_line(t, "name nginx:1.25");
	assert_has_line(t, "seed command \"/docker-entrypoint.sh nginx -g daemon off;\"");
	assert_has_line(t, "seed port 80/tcp");
	assert_has_line(t, "exec /usr/sbin/nginx");
	assert_has_line(t, "spawn - /docker-entrypoint.sh");
	assert_has_line(t, "spawn /docker-entrypoint.sh /usr/sbin/nginx");
	assert_has_line(t, "argv /usr/sbin/nginx -g daemon");
	assert_has_line(t, "user 0");
	assert_has_line(t, "setuid 0 101");
	assert_has_line(t, "create /var/cache/nginx/client_temp/*");
	assert_has_line(t, "delete /var/cache/nginx/client_temp/*");
	assert_has_line(t, "write /var/log/nginx/access.log");
	assert_has_line(t, "connect tcp 10.0.0.9 8080");
	assert_has_line(t, "listen tcp 80");
	assert_has_line(t, "dns api.example.com");
	/* The pid-specific file names are not memorized one by one. */
	assert_null(strstr(t, "0000000007"));
	/* Counts and times are kept. */
	assert_has_line(t, "create /var/cache/nginx/client_temp/* n=5 first=2025-11-25T10:00:03Z "
			"last=2025-11-25T10:00:07Z");
	assert_int_equal(md_model_nsections(m), 1);
	assert_int_equal(md_model_section_info(m, 0, &info), 0);
	assert_string_equal(info.kind, "image");
	assert_string_equal(info.name, "nginx:1.25");
	assert_int_equal(info.rings, 1);
	assert_true(info.behaviours >= 12);
	free(t);
	md_model_free(m);
}

static void test_collapse(void **state)
{
	struct md_model *m;
	struct md_learner *l;
	struct fdr_ring_meta meta;
	uint32_t ring;
	char path[64], *t;

	(void)state;
	assert_int_equal(md_model_new(&m), 0);
	assert_int_equal(md_learner_new(m, &l), 0);
	meta_init(&meta, "c1", "app:1", "");
	assert_int_equal(md_learner_ring(l, &meta, &ring), 0);
	/* 40 word-like names (no digits) in one directory: collapse to DIR/ *. */
	for (int i = 0; i < 40; i++) {
		struct fdr_event ev;

		snprintf(path, sizeof(path), "/srv/sessions/sess_%c%c%c", 'a' + i % 26, 'a' + i / 26, 'q');
		ev = ev_file(FDR_FILE_CREATE, T0 + (uint64_t)i * SEC, 5, path);
		assert_int_equal(md_learner_event(l, ring, &ev), 0);
	}
	/* 3 names in another directory stay as they are. */
	for (int i = 0; i < 3; i++) {
		struct fdr_event ev;

		snprintf(path, sizeof(path), "/srv/conf/%c.conf", 'a' + i);
		ev = ev_file(FDR_FILE_CREATE, T0, 5, path);
		assert_int_equal(md_learner_event(l, ring, &ev), 0);
	}
	assert_int_equal(md_learner_finish(l), 0);
	t = ser(m);
	assert_has_line(t, "create /srv/sessions/* n=40 first=2025-11-25T10:00:00Z last=2025-11-25T10:00:39Z");
	assert_null(strstr(t, "sess_"));
	assert_has_line(t, "create /srv/conf/a.conf");
	assert_has_line(t, "create /srv/conf/c.conf");
	free(t);
	md_learner_free(l);
	md_model_free(m);
}

/* ---- text round trip and merge ----------------------------------------------------- */

static void test_round_trip(void **state)
{
	unsigned w[] = { 0, 1, 2 };
	struct md_model *m = learn_rings(3, w), *m2;
	char *t1 = ser(m), *t2;

	(void)state;
	m2 = parse_ok(t1);
	t2 = ser(m2);
	assert_string_equal(t1, t2);
	free(t2);
	md_model_free(m2);

	/* Odd bytes survive quoting. */
	const char *odd = "fdr-model 1\nsection image-name \"we ird\\x01\"\n"
			  "create \"/tmp/a b\\\"c\\\\d\\xff\" n=1 first=2025-11-25T10:00:00Z last=2025-11-25T10:00:00Z\n"
			  "argv /bin/x \"n=1\" \"...\" n=2 first=2025-11-25T10:00:00Z last=2025-11-25T10:00:00Z\n"
			  "argv /bin/y ...\n";
	m2 = parse_ok(odd);
	t2 = ser(m2);
	md_model_free(m2);
	m2 = parse_ok(t2);
	char *t3 = ser(m2);

	assert_string_equal(t2, t3);
	assert_non_null(strstr(t2, "create \"/tmp/a b\\\"c\\\\d\\xff\" n=1"));
	assert_non_null(strstr(t2, "argv /bin/x \"n=1\" \"...\" n=2"));
	assert_non_null(strstr(t2, "argv /bin/y ...\n"));
	free(t3);
	free(t2);
	md_model_free(m2);
	free(t1);
	md_model_free(m);
}

static char *merged(const unsigned *a, unsigned na, const unsigned *b, unsigned nb)
{
	struct md_model *ma = learn_rings(na, a), *mb = learn_rings(nb, b), *pa, *pb;
	char *ta = ser(ma), *tb = ser(mb), *out;

	/* Through the text form, as hosts would ship them. */
	pa = parse_ok(ta);
	pb = parse_ok(tb);
	assert_int_equal(md_model_merge(pa, pb), 0);
	out = ser(pa);
	free(ta);
	free(tb);
	md_model_free(ma);
	md_model_free(mb);
	md_model_free(pa);
	md_model_free(pb);
	return out;
}

static void test_merge(void **state)
{
	unsigned all[] = { 0, 1, 2, 3 }, a[] = { 0, 2 }, b[] = { 1, 3 }, c1[] = { 0 }, c23[] = { 1, 2, 3 };
	struct md_model *m = learn_rings(4, all);
	char *once = ser(m), *ab = merged(a, 2, b, 2), *ba = merged(b, 2, a, 2), *x = merged(c1, 1, c23, 3);

	(void)state;
	assert_string_equal(once, ab);
	assert_string_equal(ab, ba);
	assert_string_equal(once, x);

	/* Associativity, with a collapse crossing the merge: each part has 20
	 * names in one directory, together 60 > 32. */
	struct md_model *p[3], *l1, *r1;
	char *t[3];

	for (int k = 0; k < 3; k++) {
		struct md_learner *l;
		struct fdr_ring_meta meta;
		uint32_t ring;
		char path[64];

		assert_int_equal(md_model_new(&p[k]), 0);
		assert_int_equal(md_learner_new(p[k], &l), 0);
		meta_init(&meta, "cx", "app:1", "");
		assert_int_equal(md_learner_ring(l, &meta, &ring), 0);
		for (int i = 0; i < 20; i++) {
			struct fdr_event ev;

			snprintf(path, sizeof(path), "/data/%c%c-entry", 'a' + k, 'a' + i);
			ev = ev_file(FDR_FILE_CREATE, T0 + (uint64_t)(k * 20 + i) * SEC, 5, path);
			assert_int_equal(md_learner_event(l, ring, &ev), 0);
		}
		assert_int_equal(md_learner_finish(l), 0);
		md_learner_free(l);
		t[k] = ser(p[k]);
	}
	/* (p0 + p1) + p2 */
	l1 = parse_ok(t[0]);
	struct md_model *tmp = parse_ok(t[1]);
	assert_int_equal(md_model_merge(l1, tmp), 0);
	md_model_free(tmp);
	tmp = parse_ok(t[2]);
	assert_int_equal(md_model_merge(l1, tmp), 0);
	md_model_free(tmp);
	/* p0 + (p1 + p2) */
	r1 = parse_ok(t[1]);
	tmp = parse_ok(t[2]);
	assert_int_equal(md_model_merge(r1, tmp), 0);
	md_model_free(tmp);
	tmp = parse_ok(t[0]);
	assert_int_equal(md_model_merge(tmp, r1), 0);
	char *lt = ser(l1), *rt = ser(tmp);

	assert_string_equal(lt, rt);
	assert_has_line(lt, "create /data/* n=60 first=2025-11-25T10:00:00Z last=2025-11-25T10:00:59Z");
	assert_has_line(lt, "rings 3");
	free(lt);
	free(rt);
	md_model_free(tmp);
	md_model_free(l1);
	md_model_free(r1);
	for (int k = 0; k < 3; k++) {
		free(t[k]);
		md_model_free(p[k]);
	}
	free(once);
	free(ab);
	free(ba);
	free(x);
	md_model_free(m);
}

/* ---- checking ------------------------------------------------------------------------- */

struct chk {
	struct md_model *m;
	struct md_checker *c;
	uint32_t ring;
	uint32_t idx;
};

static void chk_open(struct chk *k, const struct md_sevcfg *cfg, const char *image_id)
{
	unsigned w[] = { 0, 1 };
	struct fdr_ring_meta meta;

	k->m = learn_rings(2, w);
	assert_int_equal(md_checker_new(k->m, cfg, &k->c), 0);
	meta_init(&meta, "c9", "nginx:1.25", image_id);
	assert_int_equal(md_checker_ring(k->c, &meta, "/var/lib/fdr/c9.ring", &k->ring), 0);
	/* The checked container starts the same way (its baseline part). */
	normal_run(feed_check, k->c, k->ring, T0 + 30 * HOUR, 3, 500);
	k->idx = 100;
}

static void chk_feed(struct chk *k, const struct fdr_event *ev)
{
	struct md_loc loc = { k->ring, k->idx++, 42 };

	assert_int_equal(md_checker_event(k->c, ev, &loc), 0);
}

static const struct md_finding *chk_find(struct chk *k, const char *rule)
{
	md_checker_finish(k->c);
	for (size_t i = 0; i < md_checker_nfindings(k->c); i++) {
		const struct md_finding *f = md_checker_finding(k->c, i);

		if (!strcmp(md_rule_name(f->rule), rule))
			return f;
	}
	return NULL;
}

static void chk_close(struct chk *k)
{
	md_checker_free(k->c);
	md_model_free(k->m);
}

static void dump(struct chk *k)
{
	struct fdr_buf b = FDR_BUF_INIT;

	for (size_t i = 0; i < md_checker_nfindings(k->c); i++)
		md_finding_format(k->c, md_checker_finding(k->c, i), false, &b);
	print_message("%s", b.p ? b.p : "(no findings)\n");
	fdr_buf_release(&b);
}

static void test_normal_is_quiet(void **state)
{
	struct chk k;

	(void)state;
	chk_open(&k, NULL, "sha256:aaaa");
	md_checker_finish(k.c);
	if (md_checker_nfindings(k.c))
		dump(&k);
	assert_int_equal(md_checker_nfindings(k.c), 0);
	chk_close(&k);
}

static void test_shell_spawn(void **state)
{
	struct chk k;
	struct fdr_event ev;
	const struct md_finding *f;

	(void)state;
	chk_open(&k, NULL, "sha256:aaaa");
	ev = ev_fork(T0 + 31 * HOUR, 777, 501);
	chk_feed(&k, &ev);
	ev = ev_exec(T0 + 31 * HOUR, 777, 501, "/bin/sh", "sh -c id", 101);
	chk_feed(&k, &ev);
	f = chk_find(&k, "shell-spawn");
	assert_non_null(f);
	assert_int_equal(f->sev, MD_SEV_HIGH);
	assert_string_equal(f->reason, "/bin/sh started by /usr/sbin/nginx: never seen in 60 minutes of baseline");
	assert_false(f->uncertain);
	assert_int_equal(f->nev, 1);
	assert_int_equal(f->ev[0].loc.seq, 42);
	assert_int_equal(f->ev[0].pid, 777);
	/* One exec, one lineage finding (not also new-exec and new-argv). */
	assert_null(chk_find(&k, "new-exec"));
	assert_null(chk_find(&k, "new-argv"));

	struct fdr_buf b = FDR_BUF_INIT;

	md_finding_format(k.c, f, true, &b);
	assert_non_null(strstr(b.p, "\"rule\":\"shell-spawn\""));
	assert_non_null(strstr(b.p, "\"ring\":\"/var/lib/fdr/c9.ring\",\"seq\":42"));
	assert_non_null(strstr(b.p, "\"image\":\"nginx:1.25\""));
	fdr_buf_release(&b);
	chk_close(&k);
}

static void test_drift_exec(void **state)
{
	struct chk k;
	struct fdr_event ev;
	const struct md_finding *f;

	(void)state;
	chk_open(&k, NULL, "sha256:aaaa");
	ev = ev_file(FDR_FILE_CREATE, T0 + 31 * HOUR, 501, "/tmp/x");
	chk_feed(&k, &ev);
	ev = ev_file(FDR_FILE_MODIFY, T0 + 31 * HOUR, 501, "/tmp/x");
	chk_feed(&k, &ev);
	ev = ev_exec(T0 + 31 * HOUR + SEC, 778, 501, "/tmp/x", "/tmp/x", 101);
	chk_feed(&k, &ev);
	f = chk_find(&k, "drift-exec");
	assert_non_null(f);
	assert_int_equal(f->sev, MD_SEV_CRITICAL);
	/* Not firing: a new binary from the image is only new-exec. */
	assert_null(chk_find(&k, "new-exec"));
	ev = ev_exec(T0 + 31 * HOUR + SEC, 779, 501, "/usr/bin/curl", "curl x", 101);
	chk_feed(&k, &ev);
	f = chk_find(&k, "new-exec");
	assert_non_null(f);
	assert_int_equal(f->sev, MD_SEV_MEDIUM);
	chk_close(&k);
}

static void test_drift_learned_and_deleted(void **state)
{
	struct md_model *m;
	struct md_learner *l;
	struct md_checker *c;
	struct fdr_ring_meta meta;
	struct fdr_event ev;
	uint32_t ring;
	struct md_loc loc = { 0, 0, 1 };

	(void)state;
	/* The baseline itself writes a script and runs it (generated entrypoint). */
	assert_int_equal(md_model_new(&m), 0);
	assert_int_equal(md_learner_new(m, &l), 0);
	meta_init(&meta, "c1", "app:1", "");
	assert_int_equal(md_learner_ring(l, &meta, &ring), 0);
	ev = ev_file(FDR_FILE_CREATE, T0, 5, "/run/app/start.sh");
	assert_int_equal(md_learner_event(l, ring, &ev), 0);
	ev = ev_exec(T0 + SEC, 6, 5, "/run/app/start.sh", "/run/app/start.sh", 0);
	assert_int_equal(md_learner_event(l, ring, &ev), 0);
	assert_int_equal(md_learner_finish(l), 0);
	md_learner_free(l);
	assert_int_equal(md_checker_new(m, NULL, &c), 0);
	meta_init(&meta, "c2", "app:1", "");
	assert_int_equal(md_checker_ring(c, &meta, "c2.ring", &ring), 0);
	ev = ev_file(FDR_FILE_CREATE, T0 + HOUR, 5, "/run/app/start.sh");
	assert_int_equal(md_checker_event(c, &ev, &loc), 0);
	ev = ev_exec(T0 + HOUR + SEC, 6, 5, "/run/app/start.sh", "/run/app/start.sh", 0);
	assert_int_equal(md_checker_event(c, &ev, &loc), 0);
	md_checker_finish(c);
	assert_int_equal(md_checker_nfindings(c), 0);	/* learned drift is normal */
	/* A file created then deleted, then a same-named binary from the image runs:
	 * the deletion ends the drift. */
	ev = ev_file(FDR_FILE_CREATE, T0 + HOUR, 5, "/usr/bin/tool");
	assert_int_equal(md_checker_event(c, &ev, &loc), 0);
	ev = ev_file(FDR_FILE_DELETE, T0 + HOUR, 5, "/usr/bin/tool");
	assert_int_equal(md_checker_event(c, &ev, &loc), 0);
	ev = ev_exec(T0 + HOUR + SEC, 7, 5, "/usr/bin/tool", "tool", 0);
	assert_int_equal(md_checker_event(c, &ev, &loc), 0);
	md_checker_finish(c);
	for (size_t i = 0; i < md_checker_nfindings(c); i++)
		assert_int_not_equal(md_checker_finding(c, i)->rule, MD_R_DRIFT_EXEC);
	/* Renamed into place then run: drift. */
	ev = ev_file(FDR_FILE_RENAME, T0 + HOUR, 5, "/tmp/.t1");
	fdr_event_set_cstr(&ev, FDR_F_NEW_PATH, "/usr/local/bin/agent");
	assert_int_equal(md_checker_event(c, &ev, &loc), 0);
	ev = ev_exec(T0 + HOUR + SEC, 8, 5, "/usr/local/bin/agent", "agent", 0);
	assert_int_equal(md_checker_event(c, &ev, &loc), 0);
	md_checker_finish(c);
	bool drift = false;

	for (size_t i = 0; i < md_checker_nfindings(c); i++)
		drift |= md_checker_finding(c, i)->rule == MD_R_DRIFT_EXEC;
	assert_true(drift);
	md_checker_free(c);
	md_model_free(m);
}

static void test_memo_counts(void **state)
{
	struct md_model *m;
	struct md_learner *l;
	struct fdr_ring_meta meta;
	struct fdr_event ev;
	uint32_t r1, r2;
	char *t;

	(void)state;
	/* The same raw path and peer through several types and two rings: the
	 * per-ring memos must count each entry apart. */
	assert_int_equal(md_model_new(&m), 0);
	assert_int_equal(md_learner_new(m, &l), 0);
	meta_init(&meta, "c1", "app:1", "");
	assert_int_equal(md_learner_ring(l, &meta, &r1), 0);
	meta_init(&meta, "c2", "app:1", "");
	assert_int_equal(md_learner_ring(l, &meta, &r2), 0);
	for (int i = 0; i < 3; i++) {
		uint32_t r = i == 1 ? r2 : r1;

		ev = ev_file(FDR_FILE_CREATE, T0, 5, "/data/x");
		assert_int_equal(md_learner_event(l, r, &ev), 0);
		ev = ev_file(FDR_FILE_MODIFY, T0, 5, "/data/x");
		assert_int_equal(md_learner_event(l, r, &ev), 0);
		ev = ev_file(FDR_FILE_MODIFY, T0, 5, "/data/x");
		assert_int_equal(md_learner_event(l, r, &ev), 0);
		ev = ev_net(FDR_NET_CONNECT, T0, 5, "10.1.1.1", 443);
		assert_int_equal(md_learner_event(l, r, &ev), 0);
		ev = ev_net(FDR_NET_LISTEN, T0, 5, NULL, 443);
		assert_int_equal(md_learner_event(l, r, &ev), 0);
	}
	assert_int_equal(md_learner_finish(l), 0);
	md_learner_free(l);
	t = ser(m);
	assert_has_line(t, "create /data/x n=3 first=2025-11-25T10:00:00Z last=2025-11-25T10:00:00Z");
	assert_has_line(t, "write /data/x n=6 first=2025-11-25T10:00:00Z last=2025-11-25T10:00:00Z");
	assert_has_line(t, "connect tcp 10.1.1.1 443 n=3 first=2025-11-25T10:00:00Z last=2025-11-25T10:00:00Z");
	assert_has_line(t, "listen tcp 443 n=3 first=2025-11-25T10:00:00Z last=2025-11-25T10:00:00Z");
	free(t);
	md_model_free(m);
}

static void test_busybox(void **state)
{
	struct md_model *m;
	struct md_learner *l;
	struct md_checker *c;
	struct fdr_ring_meta meta;
	struct fdr_event ev;
	uint32_t ring;
	struct md_loc loc = { 0, 0, 1 };
	char *t;
	const struct md_finding *f;

	(void)state;
	/* In a busybox image every program is /bin/busybox: argv[0] tells them apart. */
	assert_int_equal(md_model_new(&m), 0);
	assert_int_equal(md_learner_new(m, &l), 0);
	meta_init(&meta, "c1", "websvc:1", "");
	snprintf(meta.command, sizeof(meta.command), "/bin/service");
	assert_int_equal(md_learner_ring(l, &meta, &ring), 0);
	ev = ev_exec(T0, 10, 1, "/bin/busybox", "/bin/sh /bin/service", 0);
	assert_int_equal(md_learner_event(l, ring, &ev), 0);
	ev = ev_fork(T0, 11, 10);
	assert_int_equal(md_learner_event(l, ring, &ev), 0);
	ev = ev_exec(T0, 11, 10, "/bin/busybox", "httpd -p 8080", 0);
	assert_int_equal(md_learner_event(l, ring, &ev), 0);
	assert_int_equal(md_learner_finish(l), 0);
	md_learner_free(l);
	t = ser(m);
	assert_has_line(t, "exec /bin/busybox[sh]");
	assert_has_line(t, "spawn /bin/busybox[sh] /bin/busybox[httpd]");
	free(t);
	assert_int_equal(md_checker_new(m, NULL, &c), 0);
	meta_init(&meta, "c2", "websvc:1", "");
	assert_int_equal(md_checker_ring(c, &meta, "c2.ring", &ring), 0);
	ev = ev_exec(T0 + HOUR, 20, 1, "/bin/busybox", "/bin/sh /bin/service", 0);
	assert_int_equal(md_checker_event(c, &ev, &loc), 0);
	ev = ev_fork(T0 + HOUR, 21, 20);
	assert_int_equal(md_checker_event(c, &ev, &loc), 0);
	ev = ev_exec(T0 + HOUR, 21, 20, "/bin/busybox", "httpd -p 8080", 0);
	assert_int_equal(md_checker_event(c, &ev, &loc), 0);
	md_checker_finish(c);
	assert_int_equal(md_checker_nfindings(c), 0);
	/* httpd runs a CGI through sh: a shell under a service. */
	ev = ev_fork(T0 + HOUR, 22, 21);
	assert_int_equal(md_checker_event(c, &ev, &loc), 0);
	ev = ev_exec(T0 + HOUR, 22, 21, "/bin/busybox", "/bin/sh /www/cgi-bin/run", 0);
	assert_int_equal(md_checker_event(c, &ev, &loc), 0);
	md_checker_finish(c);
	assert_int_equal(md_checker_nfindings(c), 1);
	f = md_checker_finding(c, 0);
	assert_string_equal(md_rule_name(f->rule), "shell-spawn");
	assert_string_equal(f->what, "spawn /bin/busybox[httpd] /bin/busybox[sh]");
	/* docker exec: the runtime (outside the ring) starts a second process. */
	ev = ev_exec(T0 + HOUR, 30, 9999, "/bin/busybox", "sh -c id", 0);
	assert_int_equal(md_checker_event(c, &ev, &loc), 0);
	md_checker_finish(c);
	assert_int_equal(md_checker_nfindings(c), 2);
	f = md_checker_finding(c, 1);
	assert_string_equal(md_rule_name(f->rule), "exec-into");
	assert_string_equal(f->what, "exec-into process /bin/busybox[sh]");
	/* The runtime's own setup process is not the container's behaviour. */
	ev = ev_exec(T0 + HOUR, 31, 9998, "/", "runc init", 0);
	assert_int_equal(md_checker_event(c, &ev, &loc), 0);
	md_checker_finish(c);
	assert_int_equal(md_checker_nfindings(c), 2);
	md_checker_free(c);
	md_model_free(m);
}

static void test_bin_write_and_cred(void **state)
{
	struct chk k;
	struct fdr_event ev;
	const struct md_finding *f;

	(void)state;
	chk_open(&k, NULL, "sha256:aaaa");
	ev = ev_file(FDR_FILE_CREATE, T0 + 31 * HOUR, 501, "/etc/cron.d/evil");
	chk_feed(&k, &ev);
	ev = ev_file(FDR_FILE_OPEN, T0 + 31 * HOUR, 501, "/etc/shadow");
	chk_feed(&k, &ev);
	ev = ev_file(FDR_FILE_CREATE, T0 + 31 * HOUR, 501, "/srv/data/upload.bin");
	chk_feed(&k, &ev);
	f = chk_find(&k, "bin-write");
	assert_non_null(f);
	assert_non_null(strstr(f->reason, "created /etc/cron.d/evil by /usr/sbin/nginx"));
	assert_non_null(chk_find(&k, "cred-read"));
	f = chk_find(&k, "new-write");
	assert_non_null(f);
	assert_int_equal(f->sev, MD_SEV_LOW);
	/* Learned writes stay quiet. */
	assert_int_equal(md_checker_nfindings(k.c), 3);
	/* A path reported through the runtime's storage is the container's path. */
	ev = ev_file(FDR_FILE_CREATE, T0 + 31 * HOUR, 501,
		     "/var/lib/docker/overlay2/0a1b2c/merged/etc/cron.d/evil");
	chk_feed(&k, &ev);
	ev = ev_file(FDR_FILE_MODIFY, T0 + 31 * HOUR, 501, "/var/lib/docker/vfs/dir/0a1b2c/var/log/nginx/access.log");
	chk_feed(&k, &ev);
	md_checker_finish(k.c);
	assert_int_equal(md_checker_nfindings(k.c), 3);	/* same bin-write, learned log */
	f = chk_find(&k, "bin-write");
	assert_int_equal(f->count, 2);
	/* A command naming a credential file is a credential read. */
	ev = ev_fork(T0 + 31 * HOUR, 801, 500);
	chk_feed(&k, &ev);
	ev = ev_exec(T0 + 31 * HOUR, 801, 500, "/bin/cat", "cat /etc/shadow", 0);
	chk_feed(&k, &ev);
	f = chk_find(&k, "cred-read");
	assert_non_null(f);
	assert_int_equal(f->count, 2);
	assert_non_null(chk_find(&k, "new-exec"));
	chk_close(&k);
}

static void test_network(void **state)
{
	struct chk k;
	struct fdr_event ev;
	const struct md_finding *f;

	(void)state;
	chk_open(&k, NULL, "sha256:aaaa");
	ev = ev_net(FDR_NET_CONNECT, T0 + 31 * HOUR, 501, "10.0.0.66", 4444);
	chk_feed(&k, &ev);
	ev = ev_net(FDR_NET_CONNECT, T0 + 31 * HOUR, 501, "10.0.0.77", 8080);
	chk_feed(&k, &ev);
	ev = ev_net(FDR_NET_CONNECT, T0 + 31 * HOUR, 501, "10.0.0.77", 8080);
	chk_feed(&k, &ev);
	ev = ev_net(FDR_NET_LISTEN, T0 + 31 * HOUR, 501, NULL, 31337);
	chk_feed(&k, &ev);
	ev = ev_base(FDR_DNS_QUERY, T0 + 31 * HOUR, 501);
	fdr_event_set_cstr(&ev, FDR_F_NAME, "evil.example");
	chk_feed(&k, &ev);
	f = chk_find(&k, "new-port");
	assert_non_null(f);
	assert_non_null(strstr(f->reason, "10.0.0.66 port 4444"));
	f = chk_find(&k, "new-peer");
	assert_non_null(f);
	assert_int_equal(f->count, 2);
	assert_int_equal(f->nev, 2);
	assert_non_null(chk_find(&k, "new-listen"));
	assert_non_null(chk_find(&k, "new-dns"));
	chk_close(&k);
}

static void test_dns_names_peers(void **state)
{
	struct md_model *m;
	struct md_learner *l;
	struct fdr_ring_meta meta;
	struct fdr_event ev;
	struct fdr_str ans[1] = { { "192.0.2.7", 9 } };
	uint32_t ring;
	char *t;

	(void)state;
	assert_int_equal(md_model_new(&m), 0);
	assert_int_equal(md_learner_new(m, &l), 0);
	meta_init(&meta, "c1", "app:1", "");
	assert_int_equal(md_learner_ring(l, &meta, &ring), 0);
	ev = ev_base(FDR_DNS_ANSWER, T0, 5);
	fdr_event_set_cstr(&ev, FDR_F_NAME, "db.internal");
	fdr_event_set_strv(&ev, FDR_F_ANSWERS, ans, 1);
	assert_int_equal(md_learner_event(l, ring, &ev), 0);
	ev = ev_net(FDR_NET_CONNECT, T0 + SEC, 5, "192.0.2.7", 5432);
	assert_int_equal(md_learner_event(l, ring, &ev), 0);
	assert_int_equal(md_learner_finish(l), 0);
	t = ser(m);
	assert_has_line(t, "connect tcp db.internal 5432");
	free(t);
	md_learner_free(l);
	md_model_free(m);
}

static void test_exec_into_and_priv(void **state)
{
	struct chk k;
	struct fdr_event ev;
	const struct md_finding *f;

	(void)state;
	chk_open(&k, NULL, "sha256:aaaa");
	ev = ev_base(FDR_DOCKER, T0 + 31 * HOUR, 0);
	fdr_event_set_cstr(&ev, FDR_F_ACTION, "exec_start");
	fdr_event_set_cstr(&ev, FDR_F_COMMAND, "sh -c id");
	chk_feed(&k, &ev);
	f = chk_find(&k, "exec-into");
	assert_non_null(f);
	assert_string_equal(f->what, "exec-into docker sh");

	struct fdr_str cmd[2] = { { "bash", 4 }, { "-i", 2 } };

	ev = ev_base(FDR_K8S_AUDIT, T0 + 31 * HOUR, 0);
	fdr_event_set_cstr(&ev, FDR_F_RESOURCE, "pods");
	fdr_event_set_cstr(&ev, FDR_F_SUBRESOURCE, "exec");
	fdr_event_set_strv(&ev, FDR_F_EXEC_COMMAND, cmd, 2);
	chk_feed(&k, &ev);
	md_checker_finish(k.c);
	bool k8s = false;

	for (size_t i = 0; i < md_checker_nfindings(k.c); i++)
		k8s |= !strcmp(md_checker_finding(k.c, i)->what, "exec-into k8s bash");
	assert_true(k8s);

	/* uid change to 0 by a worker (baseline only saw 0 -> 101). */
	ev = ev_base(FDR_PROC_UID, T0 + 31 * HOUR, 501);
	fdr_event_set_u(&ev, FDR_F_EUID, 0);
	chk_feed(&k, &ev);
	f = chk_find(&k, "priv-change");
	assert_non_null(f);
	assert_string_equal(f->what, "setuid 101 0");
	/* Not firing: the learned 0 -> 101 drop. */
	ev = ev_fork(T0 + 31 * HOUR, 600, 500);
	chk_feed(&k, &ev);
	ev = ev_base(FDR_PROC_UID, T0 + 31 * HOUR, 600);
	fdr_event_set_u(&ev, FDR_F_EUID, 101);
	chk_feed(&k, &ev);
	assert_null(chk_find(&k, "new-setuid"));
	chk_close(&k);
}

static void test_sudo_host(void **state)
{
	struct md_model *m;
	struct md_learner *l;
	struct md_checker *c;
	struct fdr_ring_meta meta;
	struct fdr_event ev;
	uint32_t ring;
	struct md_loc loc = { 0, 0, 1 };
	const struct md_finding *f;

	(void)state;
	assert_int_equal(md_model_new(&m), 0);
	assert_int_equal(md_learner_new(m, &l), 0);
	memset(&meta, 0, sizeof(meta));
	snprintf(meta.hostname, sizeof(meta.hostname), "h1");
	assert_int_equal(md_learner_ring(l, &meta, &ring), 0);
	ev = ev_base(FDR_SUDO_CMD, T0, 0);
	fdr_event_set_cstr(&ev, FDR_F_USER, "ops");
	fdr_event_set_cstr(&ev, FDR_F_RUNAS, "root");
	fdr_event_set_cstr(&ev, FDR_F_COMMAND, "/usr/bin/apt update");
	fdr_event_set_cstr(&ev, FDR_F_RESULT, "allowed");
	assert_int_equal(md_learner_event(l, ring, &ev), 0);
	assert_int_equal(md_learner_finish(l), 0);
	md_learner_free(l);
	assert_int_equal(md_checker_new(m, NULL, &c), 0);
	assert_int_equal(md_checker_ring(c, &meta, "host.ring", &ring), 0);
	assert_int_equal(md_checker_event(c, &ev, &loc), 0);	/* learned: quiet */
	fdr_event_set_cstr(&ev, FDR_F_USER, "mallory");
	fdr_event_set_cstr(&ev, FDR_F_COMMAND, "/bin/bash");
	assert_int_equal(md_checker_event(c, &ev, &loc), 0);
	md_checker_finish(c);
	assert_int_equal(md_checker_nfindings(c), 1);
	f = md_checker_finding(c, 0);
	assert_string_equal(md_rule_name(f->rule), "priv-change");
	assert_string_equal(f->reason, "sudo by mallory as root running /bin/bash: never seen in 0 minutes of baseline");
	/* A login shell under sshd is not a service spawning a shell. */
	ev = ev_exec(T0 + SEC, 50, 1, "/usr/sbin/sshd", "sshd", 0);
	assert_int_equal(md_checker_event(c, &ev, &loc), 0);
	ev = ev_fork(T0 + 2 * SEC, 51, 50);
	assert_int_equal(md_checker_event(c, &ev, &loc), 0);
	ev = ev_exec(T0 + 2 * SEC, 51, 50, "/bin/bash", "-bash", 1000);
	assert_int_equal(md_checker_event(c, &ev, &loc), 0);
	md_checker_finish(c);
	for (size_t i = 0; i < md_checker_nfindings(c); i++)
		assert_int_not_equal(md_checker_finding(c, i)->rule, MD_R_SHELL_SPAWN);
	md_checker_free(c);
	md_model_free(m);
}

static void test_severity_tuning(void **state)
{
	struct md_sevcfg cfg;
	struct chk k;
	struct fdr_event ev;
	struct md_parse_error err = MD_PARSE_ERROR_INIT;
	const char *file = "# tuning\nshell-spawn = critical\n  new-dns=off\n";

	(void)state;
	md_sevcfg_default(&cfg);
	assert_int_equal(md_sevcfg_parse(&cfg, file, strlen(file), &err), 0);
	assert_int_equal(md_sevcfg_set(&cfg, "new-write=medium"), 0);
	assert_int_equal(md_sevcfg_set(&cfg, "nope=high"), MD_E_RULE);
	assert_int_equal(md_sevcfg_set(&cfg, "new-write=loud"), MD_E_LEVEL);
	assert_int_equal(md_sevcfg_parse(&cfg, "x\nnew-dns = sometimes\n", 21, &err), MD_E_SYNTAX);
	assert_int_equal(err.line, 1);
	assert_int_equal(md_sevcfg_parse(&cfg, "new-dns = sometimes\n", 20, &err), MD_E_SYNTAX);
	assert_int_equal(err.line, 1);
	chk_open(&k, &cfg, "sha256:aaaa");
	ev = ev_fork(T0 + 31 * HOUR, 777, 501);
	chk_feed(&k, &ev);
	ev = ev_exec(T0 + 31 * HOUR, 777, 501, "/bin/bash", "bash", 101);
	chk_feed(&k, &ev);
	ev = ev_base(FDR_DNS_QUERY, T0 + 31 * HOUR, 501);
	fdr_event_set_cstr(&ev, FDR_F_NAME, "evil.example");
	chk_feed(&k, &ev);
	ev = ev_file(FDR_FILE_CREATE, T0 + 31 * HOUR, 501, "/srv/x");
	chk_feed(&k, &ev);
	assert_int_equal(chk_find(&k, "shell-spawn")->sev, MD_SEV_CRITICAL);
	assert_int_equal(chk_find(&k, "new-write")->sev, MD_SEV_MEDIUM);
	assert_null(chk_find(&k, "new-dns"));
	assert_int_equal(md_checker_suppressed(k.c), 1);	/* counted, not lost */
	chk_close(&k);
}

static void test_gap_uncertain(void **state)
{
	struct chk k;
	struct fdr_event ev;
	const struct md_finding *f;

	(void)state;
	chk_open(&k, NULL, "sha256:aaaa");
	/* A process started before the gap: its lineage spans it. */
	ev = ev_base(FDR_REC_GAP, T0 + 31 * HOUR, 0);
	fdr_event_set_cstr(&ev, FDR_F_SOURCE, "proc");
	fdr_event_set_u(&ev, FDR_F_LOST, 12);
	fdr_event_set_u(&ev, FDR_F_FROM, T0 + 31 * HOUR - SEC);
	fdr_event_set_u(&ev, FDR_F_TO, T0 + 31 * HOUR);
	chk_feed(&k, &ev);
	ev = ev_exec(T0 + 31 * HOUR + SEC, 501, 500, "/bin/sh", "sh", 101);
	chk_feed(&k, &ev);
	f = chk_find(&k, "shell-spawn");
	assert_non_null(f);
	assert_true(f->uncertain);
	f = chk_find(&k, "gap");
	assert_non_null(f);
	assert_non_null(strstr(f->reason, "lost 12 events (source proc)"));
	/* A process forked after the gap is certain. */
	ev = ev_fork(T0 + 32 * HOUR, 900, 502);
	chk_feed(&k, &ev);
	ev = ev_net(FDR_NET_CONNECT, T0 + 32 * HOUR, 900, "10.9.9.9", 22);
	chk_feed(&k, &ev);
	f = chk_find(&k, "new-port");
	assert_non_null(f);
	assert_false(f->uncertain);
	chk_close(&k);
}

static void test_no_baseline_and_seeds(void **state)
{
	struct chk k;
	struct fdr_event ev;
	const struct md_finding *f;

	(void)state;
	/* Checked as another image id: the model has no section for it. */
	k.m = learn_rings(1, (unsigned[]){ 0 });
	assert_int_equal(md_checker_new(k.m, NULL, &k.c), 0);
	struct fdr_ring_meta meta;

	meta_init(&meta, "c9", "nginx:1.26", "sha256:bbbb");
	assert_int_equal(md_checker_ring(k.c, &meta, "c9.ring", &k.ring), 0);
	k.idx = 0;
	ev = ev_exec(T0, 10, 1, "/usr/sbin/nginx", "nginx", 0);
	chk_feed(&k, &ev);
	ev = ev_net(FDR_NET_LISTEN, T0, 10, NULL, 80);
	chk_feed(&k, &ev);
	assert_non_null(chk_find(&k, "no-baseline"));
	/* Declared by the image: reported, but as info. */
	f = chk_find(&k, "new-exec");
	assert_non_null(f);
	assert_int_equal(f->sev, MD_SEV_INFO);
	assert_non_null(strstr(f->reason, "declared in the image's command"));
	f = chk_find(&k, "new-listen");
	assert_non_null(f);
	assert_int_equal(f->sev, MD_SEV_INFO);
	chk_close(&k);
}

/* ---- parser errors ------------------------------------------------------------------------ */

static void parse_err(const char *text, unsigned line, const char *msg_part)
{
	struct md_model *m;
	struct md_parse_error err = MD_PARSE_ERROR_INIT;
	int rc;

	assert_int_equal(md_model_new(&m), 0);
	rc = md_model_parse(m, text, strlen(text), &err);
	if (rc != MD_E_SYNTAX || err.line != line || !strstr(err.msg, msg_part))
		fail_msg("'%s': rc %d line %u msg '%s', want line %u '%s'", text, rc, err.line, err.msg,
			 line, msg_part);
	md_model_free(m);
}

static void test_parse_errors(void **state)
{
	(void)state;
	parse_err("", 1, "empty model");
	parse_err("hello\n", 1, "not a model file");
	parse_err("fdr-model 2\n", 1, "unsupported model version");
	parse_err("fdr-model 1\nexec /bin/sh\n", 2, "before the first 'section'");
	parse_err("fdr-model 1\n# c\nsection host\nbogus x\n", 4, "unknown keyword");
	parse_err("fdr-model 1\nsection host\nspawn /a\n", 3, "takes 2 fields, not 1");
	parse_err("fdr-model 1\nsection host\nexec \"/a\n", 3, "unterminated");
	parse_err("fdr-model 1\nsection host\nexec \"/a\\q\"\n", 3, "bad escape");
	parse_err("fdr-model 1\nsection host\nexec /a n=1 first=2025-13-01T00:00:00Z last=2025-11-25T10:00:00Z\n",
		  3, "bad first=");
	parse_err("fdr-model 1\nsection host\nexec a=b\n", 3, "'=' in field");
	parse_err("fdr-model 1\nsection host\nsection host\n", 3, "same key");
	parse_err("fdr-model 1\nsection blob x\n", 2, "section kind");
	parse_err("fdr-model 1\nsection image\n", 2, "one key");
	parse_err("fdr-model 1\nsection host\nspan 2025-11-25T10:00:00Z 2025-11-24T10:00:00Z\n", 3, "FIRST <= LAST");
	parse_err("fdr-model 1\nsection host\nrings -1\n", 3, "decimal count");
	parse_err("fdr-model 1\nsection host\nexec /a\x01\n", 3, "not allowed in a bare token");
	parse_err("fdr-model 1\nsection host\nargv /x a ...\n", 3, "must stand alone");
	parse_err("fdr-model 1\nsection host\nexec /a\"b\"\n", 3, "not allowed");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generalize),
		cmocka_unit_test(test_gen_dir_memo),
		cmocka_unit_test(test_learn),
		cmocka_unit_test(test_collapse),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_normal_is_quiet),
		cmocka_unit_test(test_shell_spawn),
		cmocka_unit_test(test_drift_exec),
		cmocka_unit_test(test_drift_learned_and_deleted),
		cmocka_unit_test(test_memo_counts),
		cmocka_unit_test(test_busybox),
		cmocka_unit_test(test_bin_write_and_cred),
		cmocka_unit_test(test_network),
		cmocka_unit_test(test_dns_names_peers),
		cmocka_unit_test(test_exec_into_and_priv),
		cmocka_unit_test(test_sudo_host),
		cmocka_unit_test(test_severity_tuning),
		cmocka_unit_test(test_gap_uncertain),
		cmocka_unit_test(test_no_baseline_and_seeds),
		cmocka_unit_test(test_parse_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
