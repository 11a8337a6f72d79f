/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of fdr-tui's model (tui/tm.h) and of the curses-free view layer
 * (tui/tv.h), over rings written by the real ring writer into a temporary
 * directory: a host ring and two container rings with small slots (many
 * blocks), equal timestamps across rings, an attacker's path with escape
 * sequences.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fdr-ring.h"
#include "tui/tm.h"
#include "tui/tv.h"

#define T0 1700000000000000000ull
#define NEV 3000	/* events per container ring */

static char dir[64];

struct ref {
	uint64_t time;
	uint32_t dup;
	unsigned ring;
	uint16_t kind;
};

static struct ref *refs;
static size_t nrefs;

static void write_ring(const char *name, const char *cid, const char *cname, unsigned seed)
{
	struct fdr_ring_meta m;
	struct fdr_writer_opts o = FDR_WRITER_OPTS_INIT;
	struct fdr_ring_writer *w;
	struct fdr_event ev;
	char path[128];

	memset(&m, 0, sizeof(m));
	snprintf(m.hostname, sizeof(m.hostname), "h1");
	snprintf(m.machine_id, sizeof(m.machine_id), "m1");
	snprintf(m.boot_id, sizeof(m.boot_id), "b1");
	snprintf(m.container_id, sizeof(m.container_id), "%s", cid);
	snprintf(m.container_name, sizeof(m.container_name), "%s", cname);
	snprintf(m.image, sizeof(m.image), "%s", *cid ? "img:1" : "");
	o.slot_size = 4096;
	o.file_size = 4u << 20;
	o.sync = FDR_SYNC_NONE;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(fdr_writer_open(path, &m, &o, &w), 0);
	/* A process tree: pid 100 forks 101, which execs a shell. */
	fdr_event_init(&ev, FDR_PROC_EXEC, T0);
	fdr_event_set_u(&ev, FDR_F_PID, 100 + seed * 1000);
	fdr_event_set_u(&ev, FDR_F_PPID, 1);
	fdr_event_set_cstr(&ev, FDR_F_EXE, "/usr/sbin/svc");
	assert_int_equal(fdr_writer_append(w, &ev), 0);
	fdr_event_init(&ev, FDR_PROC_FORK, T0 + 1);
	fdr_event_set_u(&ev, FDR_F_PID, 101 + seed * 1000);
	fdr_event_set_u(&ev, FDR_F_PPID, 100 + seed * 1000);
	assert_int_equal(fdr_writer_append(w, &ev), 0);
	fdr_event_init(&ev, FDR_PROC_EXEC, T0 + 2);
	fdr_event_set_u(&ev, FDR_F_PID, 101 + seed * 1000);
	fdr_event_set_u(&ev, FDR_F_PPID, 100 + seed * 1000);
	fdr_event_set_cstr(&ev, FDR_F_EXE, "/bin/sh");
	assert_int_equal(fdr_writer_append(w, &ev), 0);
	for (unsigned i = 0; i < NEV; i++) {
		/* Every ring has events at the same times (ties across rings),
		 * and two per time in a ring (ties within one). */
		uint64_t t = T0 + 1000 + (uint64_t)(i / 2) * 1000000;
		fdr_event_init(&ev, i % 3 == 0 ? FDR_FILE_OPEN : FDR_NET_CONNECT, t);
		fdr_event_set_u(&ev, FDR_F_PID, 101 + seed * 1000);
		if (i % 3 == 0)
			fdr_event_set_cstr(&ev, FDR_F_PATH, i == 900 ? "/tmp/\x1b[31mred\x1b]0;pwn\a" : "/etc/hosts");
		else
			fdr_event_set_u(&ev, FDR_F_DPORT, i == 1501 ? 4444 : 443);
		assert_int_equal(fdr_writer_append(w, &ev), 0);
	}
	assert_int_equal(fdr_writer_close(w), 0);
}

static int setup(void **state)
{
	struct rp_set *s;
	struct rp_scan *sc;
	struct rp_scan_opts so = RP_SCAN_OPTS_INIT;
	struct rp_item it;
	uint64_t pt = UINT64_MAX;
	uint32_t dup = 0;

	snprintf(dir, sizeof(dir), "/tmp/test-tui-XXXXXX");
	assert_non_null(mkdtemp(dir));
	write_ring("a-host.ring", "", "", 0);
	write_ring("b-web.ring", "aaaa1111", "web", 1);
	write_ring("c-db.ring", "bbbb2222", "db", 2);
	/* The reference order: one plain scan. */
	assert_int_equal(rp_set_new(&s), 0);
	assert_int_equal(rp_set_add(s, dir), 3);
	assert_int_equal(rp_scan_new(s, &so, &sc), 0);
	refs = calloc(3 * (NEV + 3), sizeof(*refs));
	while (rp_scan_next(sc, &it) > 0) {
		dup = it.ev->time_ns == pt ? dup + 1 : 0;
		pt = it.ev->time_ns;
		refs[nrefs++] = (struct ref){ it.ev->time_ns, dup, it.ring->index, it.ev->kind };
	}
	rp_scan_free(sc);
	rp_set_free(s);
	assert_int_equal(nrefs, 3 * (NEV + 3));
	*state = NULL;
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	free(refs);
	return system(cmd);
}

static struct rp_set *open_set(void)
{
	struct rp_set *s;

	assert_int_equal(rp_set_new(&s), 0);
	assert_int_equal(rp_set_add(s, dir), 3);
	return s;
}

static void assert_row(const struct tm_row *r, size_t i)
{
	assert_true(i < nrefs);
	assert_int_equal(r->time, refs[i].time);
	assert_int_equal(r->dup, refs[i].dup);
	assert_int_equal(r->ring, refs[i].ring);
	assert_int_equal(r->kind, refs[i].kind);
}

/* Walking down from the start gives exactly the merged stream; the window
 * never grows past its cap. */
static void test_timeline_down(void **state)
{
	struct rp_set *s = open_set();
	struct tm_sel sel = TM_SEL_INIT;
	struct tm_tl tl;
	size_t i = 0;

	(void)state;
	assert_int_equal(tm_tl_open(&tl, s, &sel, NULL), 0);
	assert_true(tl.at_start);
	for (;;) {
		assert_row(&tl.rows[tl.cur], i);
		assert_true(tl.n <= TM_TL_CAP + 200);
		size_t c = tl.cur;
		bool end = tl.at_end && tl.cur == tl.n - 1;
		assert_int_equal(tm_tl_move(&tl, 1, 20), 0);
		if (end) {
			assert_int_equal(tl.cur, c);
			break;
		}
		i++;
	}
	assert_int_equal(i, nrefs - 1);
	tm_tl_close(&tl);
	rp_set_free(s);
}

/* From the end upwards, by pages: the same stream backwards. */
static void test_timeline_up(void **state)
{
	struct rp_set *s = open_set();
	struct tm_sel sel = TM_SEL_INIT;
	struct tm_tl tl;
	size_t i = nrefs - 1;

	(void)state;
	assert_int_equal(tm_tl_open(&tl, s, &sel, NULL), 0);
	assert_int_equal(tm_tl_end(&tl, 20), 0);
	assert_true(tl.at_end);
	assert_row(&tl.rows[tl.cur], i);
	while (i > 0) {
		assert_int_equal(tm_tl_move(&tl, -7, 20), 0);
		i = i >= 7 ? i - 7 : 0;
		assert_row(&tl.rows[tl.cur], i);
		assert_true(tl.n <= TM_TL_CAP + 200);
	}
	assert_int_equal(tm_tl_move(&tl, -1, 20), 0);
	assert_row(&tl.rows[tl.cur], 0);
	assert_true(tl.scans > 3);	/* it really refilled the window */
	tm_tl_close(&tl);
	rp_set_free(s);
}

/* A (time, dup) position is found again exactly, ties included. */
static void test_timeline_seek(void **state)
{
	struct rp_set *s = open_set();
	struct tm_sel sel = TM_SEL_INIT;
	struct tm_tl tl;

	(void)state;
	assert_int_equal(tm_tl_open(&tl, s, &sel, NULL), 0);
	size_t probes[] = { 0, 1, 5, 1000, 4001, 4002, 4003, 4004, 4005, nrefs - 1 };
	for (size_t k = 0; k < sizeof(probes) / sizeof(probes[0]); k++) {
		size_t i = probes[k];
		assert_int_equal(tm_tl_seek_row(&tl, refs[i].time, refs[i].dup, 20), 0);
		assert_row(&tl.rows[tl.cur], i);
	}
	/* A time between events lands on the next one. */
	assert_int_equal(tm_tl_seek(&tl, refs[4000].time + 1, 20), 0);
	assert_true(tl.rows[tl.cur].time > refs[4000].time);
	assert_int_equal(tl.rows[tl.cur].dup, 0);
	tm_tl_close(&tl);
	rp_set_free(s);
}

/* The filter is the fdr-replay language; bad text says where. */
static void test_filter(void **state)
{
	struct rp_set *s = open_set();
	struct tm_sel sel = TM_SEL_INIT;
	struct tm_tl tl;
	size_t want = 0;

	(void)state;
	for (size_t i = 0; i < nrefs; i++)
		want += refs[i].kind == FDR_FILE_OPEN && refs[i].ring == 1;
	tm_str_set(&sel.expr, "kind == \"file.open\"");
	tm_str_set(&sel.container, "web");
	assert_int_equal(tm_tl_open(&tl, s, &sel, NULL), 0);
	size_t n = 1;
	while (!(tl.at_end && tl.cur == tl.n - 1)) {
		assert_int_equal(tl.rows[tl.cur].kind, FDR_FILE_OPEN);
		assert_int_equal(tl.rows[tl.cur].ring, 1);
		assert_int_equal(tm_tl_move(&tl, 1, 20), 0);
		n++;
	}
	assert_int_equal(n, want);
	tm_tl_close(&tl);

	assert_int_equal(tm_sel_check_expr(&sel, "kind == "), -EINVAL);
	assert_non_null(strstr(sel.error, "column"));
	assert_int_equal(tm_sel_check_expr(&sel, "dport > 1000 && path ~ \"/etc/*\""), 0);
	assert_string_equal(sel.error, "");
	tm_sel_release(&sel);
	rp_set_free(s);
}

/* Counts per container and kind, the histogram and the order of rings. */
static void test_stats(void **state)
{
	struct rp_set *s = open_set();
	struct tm_sel sel = TM_SEL_INIT;
	struct tm_stats st;
	uint64_t kinds[3][FDR_KIND_MAX] = { { 0 } }, fold[10], sum = 0;
	size_t order[4], n;

	(void)state;
	for (size_t i = 0; i < nrefs; i++)
		kinds[refs[i].ring][refs[i].kind]++;
	assert_int_equal(tm_stats_start(&st, s, &sel), 0);
	/* Before any decoding: the block headers' estimate holds every event. */
	tm_hist_fold(&st, fold, 10);
	for (int i = 0; i < 10; i++)
		sum += fold[i];
	assert_int_equal(sum, nrefs);
	sum = 0;
	int r;
	while ((r = tm_stats_step(&st, 100)) == 0)
		;
	assert_int_equal(r, 1);
	assert_int_equal(st.matched, nrefs);
	for (unsigned ring = 0; ring < 3; ring++)
		for (unsigned k = 0; k < FDR_KIND_MAX; k++)
			assert_int_equal(st.ring[ring].kinds[k], kinds[ring][k]);
	tm_hist_fold(&st, fold, 10);
	for (int i = 0; i < 10; i++) {
		sum += fold[i];
		assert_true(fold[i] > 0);	/* activity is spread evenly */
	}
	assert_int_equal(sum, nrefs);
	st.ring[2].findings = 3;	/* the ring with findings comes first */
	tm_rings_order(&st, s, &sel, order, &n);
	assert_int_equal(n, 3);
	assert_int_equal(order[0], 2);
	tm_stats_release(&st);

	/* Under a filter: only what matches is counted. */
	tm_str_set(&sel.expr, "dport == 4444");
	assert_int_equal(tm_stats_start(&st, s, &sel), 0);
	while (tm_stats_step(&st, 1000) == 0)
		;
	assert_int_equal(st.matched, 3);
	tm_stats_release(&st);
	tm_sel_release(&sel);
	rp_set_free(s);
}

/* The tree: roots per container, collapse hides children, reveal expands. */
static void test_tree(void **state)
{
	struct rp_set *s = open_set();
	struct tm_sel sel = TM_SEL_INIT;
	struct tm_tree tt;

	(void)state;
	assert_int_equal(tm_tree_build(&tt, s, &sel), 0);
	assert_int_equal(tt.n, 6);	/* 3 rings x (svc, sh) */
	size_t child = RP_NONE, parent = RP_NONE;
	for (size_t i = 0; i < tt.n; i++) {
		const struct rp_proc *p = rp_tree_proc(tt.t, tt.rows[i].proc);
		if (p->pid == 1101) {
			child = tt.rows[i].proc;
			assert_int_equal(tt.rows[i].depth, 1);
			assert_string_equal(p->exe, "/bin/sh");
		}
		if (p->pid == 1100)
			parent = tt.rows[i].proc;
	}
	assert_int_not_equal(child, RP_NONE);
	assert_int_not_equal(parent, RP_NONE);
	tt.collapsed[parent] = true;
	tm_tree_flatten(&tt);
	assert_int_equal(tt.n, 5);
	assert_int_equal(tm_tree_row_of(&tt, child), RP_NONE);
	tm_tree_reveal(&tt, child);
	assert_int_equal(tt.n, 6);
	assert_int_not_equal(tm_tree_row_of(&tt, child), RP_NONE);
	tm_tree_release(&tt);
	rp_set_free(s);
}

static void loc(struct tm_loc *l, int view, size_t pos, const char *expr)
{
	memset(l, 0, sizeof(*l));
	l->view = view;
	l->pos = pos;
	l->sel = (struct tm_sel)TM_SEL_INIT;
	tm_str_set(&l->sel.expr, expr);
}

/* Back and forward like a browser; a new step drops the forward part. */
static void test_history(void **state)
{
	struct tm_hist h = TM_HIST_INIT;
	struct tm_loc a, b, c, to;

	(void)state;
	loc(&a, 0, 1, NULL);
	loc(&b, 1, 2, "kind == \"proc.exec\"");
	loc(&c, 2, 3, NULL);
	assert_false(tm_hist_back(&h, &a, &to));
	tm_hist_push(&h, &a);	/* a -> b */
	tm_hist_push(&h, &b);	/* b -> c */
	assert_true(tm_hist_back(&h, &c, &to));
	assert_int_equal(to.pos, 2);
	assert_string_equal(to.sel.expr, "kind == \"proc.exec\"");
	tm_loc_release(&to);
	assert_true(tm_hist_back(&h, &b, &to));
	assert_int_equal(to.pos, 1);
	tm_loc_release(&to);
	assert_false(tm_hist_back(&h, &a, &to));
	assert_true(tm_hist_forward(&h, &a, &to));
	assert_int_equal(to.pos, 2);
	tm_loc_release(&to);
	assert_true(tm_hist_forward(&h, &b, &to));
	assert_int_equal(to.pos, 3);
	tm_loc_release(&to);
	assert_false(tm_hist_forward(&h, &c, &to));
	/* back once, then somewhere new: no forward any more */
	assert_true(tm_hist_back(&h, &c, &to));
	tm_loc_release(&to);
	tm_hist_push(&h, &b);
	assert_false(tm_hist_forward(&h, &b, &to));
	for (int i = 0; i < TM_HIST_MAX + 10; i++)	/* bounded */
		tm_hist_push(&h, &a);
	assert_int_equal(h.n, TM_HIST_MAX);
	tm_hist_release(&h);
	tm_loc_release(&a);
	tm_loc_release(&b);
	tm_loc_release(&c);
}

static void test_marks(void **state)
{
	struct tm_marks m = TM_MARKS_INIT;

	(void)state;
	for (unsigned i = 0; i < 100; i++)
		tm_marks_add(&m, T0 + (100 - i) * 7, i % 3);
	tm_marks_sort(&m);
	assert_true(tm_marks_has(&m, T0 + 100 * 7, 0));
	assert_false(tm_marks_has(&m, T0 + 100 * 7, 1));
	assert_false(tm_marks_has(&m, T0 + 3, 0));
	assert_false(tm_marks_has(NULL, T0, 0));
	tm_marks_release(&m);
}

/* Search moves to the next matching row, both ways; a miss stays put. */
static void test_search(void **state)
{
	struct rp_set *s = open_set();
	struct tm_sel sel = TM_SEL_INIT;
	struct tm_tl tl;

	(void)state;
	assert_int_equal(tm_tl_open(&tl, s, &sel, NULL), 0);
	assert_int_equal(tm_tl_search(&tl, "4444", 1, 100000, 20), 1);
	assert_non_null(strstr(tl.rows[tl.cur].text, "4444"));
	uint64_t t1 = tl.rows[tl.cur].time;
	unsigned r1 = tl.rows[tl.cur].ring;
	assert_int_equal(tm_tl_search(&tl, "4444", 1, 100000, 20), 1);
	assert_true(tl.rows[tl.cur].time > t1 || tl.rows[tl.cur].ring != r1);
	assert_int_equal(tm_tl_search(&tl, "4444", -1, 100000, 20), 1);
	assert_int_equal(tl.rows[tl.cur].time, t1);
	assert_int_equal(tl.rows[tl.cur].ring, r1);
	assert_int_equal(tm_tl_search(&tl, "no such text", 1, 100000, 20), 0);
	assert_int_equal(tl.rows[tl.cur].time, t1);
	tm_tl_close(&tl);
	rp_set_free(s);
}

static void grab(void *ctx, const struct rp_ring *r, const struct fdr_event *ev)
{
	tm_event_detail(ctx, r, ev);
}

/* Attacker bytes are escaped in rows and in the detail. */
static void test_escaping(void **state)
{
	struct rp_set *s = open_set();
	struct tm_sel sel = TM_SEL_INIT;
	struct fdr_buf b = FDR_BUF_INIT;
	struct tm_tl tl;

	(void)state;
	tm_str_set(&sel.expr, "path ~ \"/tmp/*\"");
	assert_int_equal(tm_tl_open(&tl, s, &sel, NULL), 0);
	assert_true(tl.n >= 1);
	assert_null(strchr(tl.rows[0].text, 0x1b));
	assert_null(strchr(tl.rows[0].text, '\a'));
	assert_non_null(strstr(tl.rows[0].text, "\\x1b[31mred"));
	assert_int_equal(tm_fetch(s, &sel, tl.rows[0].time, tl.rows[0].dup, grab, &b), 1);
	assert_null(memchr(b.p, 0x1b, b.len));
	assert_non_null(strstr(b.p, "path: /tmp/\\x1b[31mred\\x1b]0;pwn\\x07"));
	assert_non_null(strstr(b.p, "ring: /tmp/test-tui-"));
	fdr_buf_release(&b);
	tm_tl_close(&tl);
	tm_sel_release(&sel);
	rp_set_free(s);
}

static void test_export(void **state)
{
	struct rp_set *s = open_set();
	struct tm_sel sel = TM_SEL_INIT;
	char path[128], line[4096];
	uint64_t n;
	size_t lines = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/out.csv", dir);
	tm_str_set(&sel.kinds, "file.*");
	assert_int_equal(tm_export(s, &sel, "csv", path, &n), 0);
	assert_int_equal(n, 3 * (NEV / 3));
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		lines++;
	fclose(f);
	assert_int_equal(lines, n + 1);	/* a header */
	assert_int_equal(tm_export(s, &sel, "csv", path, &n), -EEXIST);	/* never clobbers */
	assert_int_equal(tm_export(s, &sel, "xml", path, &n), -EINVAL);
	tm_sel_release(&sel);
	rp_set_free(s);
}

/* The view layer without a terminal: keys in, screen text out. */
static void test_views(void **state)
{
	struct tv_opts o = { .sel = TM_SEL_INIT, .color = false };
	struct tv_screen scr = { 0, 0, NULL };
	struct fdr_buf b = FDR_BUF_INIT;
	struct tv_app *a;
	char err[256];

	(void)state;
	assert_int_equal(tv_app_new(&o, open_set(), &a, err, sizeof(err)), 0);
	while (tv_app_idle(a))
		;
	tv_screen_resize(&scr, 80, 24);
	tv_app_draw(a, &scr);
	tv_screen_text(&scr, &b);
	assert_non_null(strstr(b.p, "[1 Containers]"));
	assert_non_null(strstr(b.p, ">host "));	/* equal counts: ring order; cursor on it */
	assert_non_null(strstr(b.p, "\n web "));
	assert_non_null(strstr(b.p, "qQuit"));
	fdr_buf_reset(&b);
	assert_true(tv_app_key(a, 'j', 0, 0));
	assert_true(tv_app_key(a, TV_K_ENTER, 0, 0));	/* the container's events */
	tv_app_draw(a, &scr);
	tv_screen_text(&scr, &b);
	assert_non_null(strstr(b.p, "[2 Timeline]"));
	assert_non_null(strstr(b.p, "container web (F clears"));
	assert_null(strstr(b.p, " db "));
	fdr_buf_reset(&b);
	assert_true(tv_app_key(a, '<', 0, 0));	/* back to the containers */
	tv_app_draw(a, &scr);
	tv_screen_text(&scr, &b);
	assert_non_null(strstr(b.p, "[1 Containers]"));
	assert_non_null(strstr(b.p, " db "));
	fdr_buf_reset(&b);
	assert_false(tv_app_key(a, 'q', 0, 0));
	tv_app_free(a);
	/* A control byte never reaches a cell. */
	tv_put(&scr, 0, 0, 0, 0, "a\x1b[2Jb", 10);
	assert_string_equal(scr.c[1].ch, "?");
	assert_string_equal(scr.c[2].ch, "[");
	tv_screen_release(&scr);
	fdr_buf_release(&b);
}

#define NMANY 20000	/* events per ring of the "many blocks" set */

/* A ring of NMANY events that compress badly (so: many blocks of 4 KiB),
 * one net.connect to port 4444 at event 15001. */
static void write_many(const char *d, const char *name, const char *cid, unsigned seed)
{
	struct fdr_ring_meta m;
	struct fdr_writer_opts o = FDR_WRITER_OPTS_INIT;
	struct fdr_ring_writer *w;
	struct fdr_event ev;
	char path[160], str[64];
	uint64_t x = 0x9e3779b97f4a7c15ull * (seed + 1);

	memset(&m, 0, sizeof(m));
	snprintf(m.hostname, sizeof(m.hostname), "h1");
	snprintf(m.container_id, sizeof(m.container_id), "%s", cid);
	o.slot_size = 4096;
	o.file_size = 8u << 20;
	o.sync = FDR_SYNC_NONE;
	snprintf(path, sizeof(path), "%s/%s", d, name);
	assert_int_equal(fdr_writer_open(path, &m, &o, &w), 0);
	for (unsigned i = 0; i < NMANY; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		fdr_event_init(&ev, i % 2 ? FDR_FILE_OPEN : FDR_NET_CONNECT, T0 + (uint64_t)i * 1000);
		fdr_event_set_u(&ev, FDR_F_PID, 10 + seed);
		if (i % 2) {
			snprintf(str, sizeof(str), "/data/%016llx", (unsigned long long)x);
			fdr_event_set_cstr(&ev, FDR_F_PATH, str);
		} else {
			fdr_event_set_u(&ev, FDR_F_DPORT, i == 15000 ? 4444 : 443);
			fdr_event_set_u(&ev, FDR_F_SPORT, x % 60000);
		}
		assert_int_equal(fdr_writer_append(w, &ev), 0);
	}
	assert_int_equal(fdr_writer_close(w), 0);
}

static struct rp_set *open_many(void)
{
	static char d[96];
	struct rp_set *s;
	struct stat st;

	snprintf(d, sizeof(d), "%s/many", dir);
	if (stat(d, &st)) {
		assert_int_equal(mkdir(d, 0700), 0);
		write_many(d, "a.ring", "", 0);
		write_many(d, "b.ring", "bbbb", 1);
		write_many(d, "c.ring", "cccc", 2);
	}
	assert_int_equal(rp_set_new(&s), 0);
	assert_int_equal(rp_set_add(s, d), 3);
	return s;
}

/* Rows of a whole fill of sel without a budget (the reference). */
static size_t plain_rows(struct rp_set *s, struct tm_sel *sel, struct tm_row *out, size_t max)
{
	struct tm_tl tl;
	size_t n = 0;

	assert_int_equal(tm_tl_open(&tl, s, sel, NULL), 0);
	while (tl.n && n < max) {
		out[n++] = tl.rows[tl.cur];
		out[n - 1].text = NULL;
		if (tl.at_end && tl.cur == tl.n - 1)
			break;
		assert_int_equal(tm_tl_move(&tl, 1, 20), 0);
	}
	tm_tl_close(&tl);
	return n;
}

/* A filter that matches little: with a (tiny) budget the fill stops early
 * with the scan open (busy), tm_tl_more() goes on a slice at a time, and
 * the rows in the end are exactly those of an unbudgeted fill; from the
 * middle of the stream too, and for a filter matching nothing. */
static void test_budget(void **state)
{
	struct rp_set *s = open_many();
	struct tm_sel sel = TM_SEL_INIT;
	struct tm_row want[16];
	struct tm_tl tl;
	size_t nwant;
	unsigned slices = 0;
	int rc;

	(void)state;
	tm_str_set(&sel.expr, "dport == 4444");
	nwant = plain_rows(s, &sel, want, 16);
	assert_int_equal(nwant, 3);	/* one per ring, in the middle of each */
	tm_str_set(&sel.expr, NULL);
	assert_int_equal(tm_tl_open(&tl, s, &sel, NULL), 0);
	assert_true(tl.n > 0);
	tl.budget_ns = 1;	/* spent after the first few blocks */
	tm_str_set(&sel.expr, "dport == 4444");
	assert_int_equal(tm_tl_reload(&tl), 0);
	assert_true(tl.busy);
	assert_int_equal(tl.n, 0);
	while ((rc = tm_tl_more(&tl, 1)) == 0)
		slices++;
	assert_int_equal(rc, 1);
	assert_true(slices > 1);	/* it really went on in slices */
	assert_false(tl.busy);
	assert_int_equal(tl.n, nwant);
	for (size_t i = 0; i < nwant; i++) {
		assert_int_equal(tl.rows[i].time, want[i].time);
		assert_int_equal(tl.rows[i].ring, want[i].ring);
		assert_int_equal(tl.rows[i].kind, FDR_NET_CONNECT);
	}

	/* From the middle: rows from the cursor's time on. */
	tm_str_set(&sel.expr, NULL);
	tl.budget_ns = 0;
	assert_int_equal(tm_tl_seek_row(&tl, T0 + 2000 * 1000, 0, 20), 0);
	assert_int_equal(tl.rows[tl.cur].time, T0 + 2000 * 1000);
	tl.budget_ns = 1;
	tm_str_set(&sel.expr, "dport == 4444");
	assert_int_equal(tm_tl_reload(&tl), 0);
	assert_true(tl.busy);
	while ((rc = tm_tl_more(&tl, 1)) == 0)
		;
	assert_int_equal(rc, 1);
	assert_int_equal(tl.n, nwant);
	assert_int_equal(tl.rows[0].time, want[0].time);

	/* Nothing matches: the search ends with no rows, not busy. */
	tm_str_set(&sel.expr, "dport == 9");
	assert_int_equal(tm_tl_reload(&tl), 0);
	while ((rc = tm_tl_more(&tl, 1)) == 0)
		;
	assert_int_equal(rc, 1);
	assert_int_equal(tl.n, 0);
	assert_false(tl.busy);
	/* A search is never cut short by the budget. */
	tm_str_set(&sel.expr, NULL);
	assert_int_equal(tm_tl_reload(&tl), 0);
	while (tm_tl_more(&tl, 0) == 0)
		;
	assert_int_equal(tm_tl_search(&tl, "dport=4444", 1, 100000, 20), 1);
	assert_int_equal(tl.rows[tl.cur].time, want[0].time);
	tm_tl_close(&tl);
	tm_sel_release(&sel);
	rp_set_free(s);
}

/* rp_scan_step() gives up after max_blocks blocks without an event to
 * return and goes on where it stopped: the same events as rp_scan_next(). */
static void test_scan_step(void **state)
{
	struct rp_set *s = open_many();
	struct rp_scan_opts so = RP_SCAN_OPTS_INIT;
	struct rp_filter *f;
	struct rp_error e;
	struct rp_scan *sc;
	struct rp_item it;
	unsigned again = 0, got = 0;
	int rc;

	(void)state;
	assert_int_equal(rp_filter_new(&f), 0);
	assert_int_equal(rp_filter_add_expr(f, "dport == 4444", &e), 0);
	so.filter = f;
	so.threads = 2;
	assert_int_equal(rp_scan_new(s, &so, &sc), 0);
	while ((rc = rp_scan_step(sc, &it, 1)) != 0) {
		if (rc == -EAGAIN) {
			again++;
			continue;
		}
		assert_int_equal(rc, 1);
		assert_int_equal(it.ev->kind, FDR_NET_CONNECT);
		got++;
	}
	assert_int_equal(got, 3);
	assert_true(again > 10);
	rp_scan_free(sc);
	rp_filter_free(f);
	rp_set_free(s);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf;
	long n;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	assert_true(n > 0);
	rewind(fp);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

/* FDR_READER_LAZY (how fdr-tui opens rings): a damaged payload is listed
 * at open, refused when loaded (no events), reported by verify and by a
 * set's scan; a torn rewrite of a partial block still leaves the earlier
 * revision readable, as without the flag. */
static void test_lazy_reader(void **state)
{
	struct fdr_ring_reader *r, *strict;
	struct fdr_cursor *c;
	struct fdr_event ev;
	char path[128];
	size_t len;
	uint8_t *buf;

	(void)state;
	rp_set_free(open_many());	/* writes the rings */
	snprintf(path, sizeof(path), "%s/many/b.ring", dir);
	buf = slurp(path, &len);
	assert_int_equal(fdr_reader_open_mem(buf, len, "web", &strict), 0);
	size_t nb = fdr_reader_nblocks(strict);
	assert_true(nb > 4);
	const struct fdr_ring_geometry *g = fdr_reader_geometry(strict);
	const struct fdr_block_info *b2 = fdr_reader_block(strict, 2);
	size_t off = (size_t)g->data_offset + (size_t)b2->slot * g->slot_size + 64 + b2->comp_size / 2;
	uint32_t bad_slot = b2->slot;
	uint64_t bad_seq = b2->seq;
	fdr_reader_free(strict);
	buf[off] ^= 0x40;

	assert_int_equal(fdr_reader_open_mem(buf, len, "web", &strict), 0);
	assert_int_equal(fdr_reader_nblocks(strict), nb - 1);	/* checked at open */
	assert_int_equal(fdr_reader_ndamaged(strict), 1);
	fdr_reader_free(strict);

	assert_int_equal(fdr_reader_open_mem_flags(buf, len, "web", FDR_READER_LAZY, &r), 0);
	assert_int_equal(fdr_reader_nblocks(r), nb);	/* not read yet */
	assert_int_equal(fdr_reader_ndamaged(r), 0);
	assert_int_equal(fdr_cursor_new(&c), 0);
	assert_int_equal(fdr_cursor_load(c, r, 2), FDR_E_CHECKSUM);
	assert_true(fdr_cursor_next(c, &ev) <= 0);	/* no events from it */
	assert_int_equal(fdr_cursor_load(c, r, 1), 0);
	assert_int_equal(fdr_cursor_next(c, &ev), 1);
	assert_int_equal(fdr_reader_verify(r), 1);
	assert_int_equal(fdr_reader_nblocks(r), nb - 1);
	assert_int_equal(fdr_reader_damaged(r, 0)->slot, bad_slot);
	assert_int_equal(fdr_reader_damaged(r, 0)->error, FDR_E_CHECKSUM);
	for (size_t i = 0; i < fdr_reader_nblocks(r); i++)
		assert_true(fdr_reader_block(r, i)->seq != bad_seq);
	fdr_reader_free(r);

	/* Through a set: the scan reads everything else and says which slot. */
	struct rp_set *s;
	struct rp_scan *sc;
	struct rp_scan_opts so = RP_SCAN_OPTS_INIT;
	struct rp_item it;
	size_t n = 0;
	assert_int_equal(rp_set_new(&s), 0);
	rp_set_reader_flags(s, FDR_READER_LAZY);
	assert_int_equal(rp_set_add_mem(s, buf, len, "web"), 1);
	assert_int_equal(rp_set_ndiags(s), 0);
	assert_int_equal(rp_scan_new(s, &so, &sc), 0);
	while (rp_scan_next(sc, &it) > 0)
		n++;
	rp_scan_free(sc);
	assert_true(n > 0 && n < NMANY);
	assert_int_equal(rp_set_ndiags(s), 1);
	assert_int_equal(rp_set_diag(s, 0)->error, FDR_E_CHECKSUM);
	rp_set_free(s);
	free(buf);

	/* A partial block flushed twice (revisions 1 and 2 in two slots),
	 * the second write torn: both readers list revision 1. */
	struct fdr_ring_meta m;
	struct fdr_writer_opts o = FDR_WRITER_OPTS_INIT;
	struct fdr_ring_writer *w;
	memset(&m, 0, sizeof(m));
	o.slot_size = 4096;
	o.file_size = 1u << 20;
	o.sync = FDR_SYNC_NONE;
	snprintf(path, sizeof(path), "%s/partial.ring", dir);
	assert_int_equal(fdr_writer_open(path, &m, &o, &w), 0);
	fdr_event_init(&ev, FDR_PROC_EXIT, T0);
	fdr_event_set_u(&ev, FDR_F_PID, 7);
	assert_int_equal(fdr_writer_append(w, &ev), 0);
	assert_int_equal(fdr_writer_flush(w), 0);
	ev.time_ns = T0 + 1;
	assert_int_equal(fdr_writer_append(w, &ev), 0);
	assert_int_equal(fdr_writer_flush(w), 0);
	assert_int_equal(fdr_writer_close(w), 0);
	buf = slurp(path, &len);
	unlink(path);
	assert_int_equal(fdr_reader_open_mem(buf, len, "partial", &strict), 0);
	assert_int_equal(fdr_reader_nblocks(strict), 1);
	b2 = fdr_reader_block(strict, 0);
	assert_true(b2->revision >= 2);
	uint32_t rev = b2->revision;
	g = fdr_reader_geometry(strict);
	buf[(size_t)g->data_offset + (size_t)b2->slot * g->slot_size + 64 + b2->comp_size - 1] ^= 1;
	fdr_reader_free(strict);
	unsigned flags[2] = { 0, FDR_READER_LAZY };
	for (int k = 0; k < 2; k++) {
		assert_int_equal(fdr_reader_open_mem_flags(buf, len, "partial", flags[k], &r), 0);
		assert_int_equal(fdr_reader_nblocks(r), 1);
		assert_int_equal(fdr_reader_block(r, 0)->revision, rev - 1);
		assert_int_equal(fdr_reader_block(r, 0)->events, 1);
		assert_int_equal(fdr_reader_ndamaged(r), 1);
		assert_int_equal(fdr_cursor_load(c, r, 0), 0);
		assert_int_equal(fdr_cursor_next(c, &ev), 1);
		assert_int_equal(ev.time_ns, T0);
		fdr_reader_free(r);
	}
	fdr_cursor_free(c);
	free(buf);
}

/* --follow on a directory with no ring yet: the app starts, says it
 * waits, and shows a ring once one is written there. */
static void test_follow_empty(void **state)
{
	struct tv_opts o = { .sel = TM_SEL_INIT, .color = false };
	struct tv_screen scr = { 0, 0, NULL };
	struct fdr_buf b = FDR_BUF_INIT;
	struct tv_app *a;
	struct rp_set *s;
	char live[128], err[256], src[128], dst[160], cmd[400];

	(void)state;
	snprintf(live, sizeof(live), "%s/live", dir);
	assert_int_equal(mkdir(live, 0700), 0);
	assert_int_equal(rp_set_new(&s), 0);
	assert_int_equal(rp_set_add(s, live), 0);
	o.follow = live;
	assert_int_equal(tv_app_new(&o, s, &a, err, sizeof(err)), 0);
	while (tv_app_idle(a))
		;
	tv_screen_resize(&scr, 120, 24);
	tv_app_draw(a, &scr);
	tv_screen_text(&scr, &b);
	assert_non_null(strstr(b.p, "waiting for rings in"));
	assert_null(strstr(b.p, " web "));
	tv_app_refresh(a);	/* still nothing */
	fdr_buf_reset(&b);
	tv_app_draw(a, &scr);
	tv_screen_text(&scr, &b);
	assert_non_null(strstr(b.p, "waiting for rings in"));
	/* The recorder starts: a ring appears (in a container's directory). */
	snprintf(src, sizeof(src), "%s/b-web.ring", dir);
	snprintf(dst, sizeof(dst), "%s/c1", live);
	assert_int_equal(mkdir(dst, 0700), 0);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s/web.ring'", src, dst);
	assert_int_equal(system(cmd), 0);
	tv_app_refresh(a);
	while (tv_app_idle(a))
		;
	fdr_buf_reset(&b);
	tv_app_draw(a, &scr);
	tv_screen_text(&scr, &b);
	assert_null(strstr(b.p, "waiting for rings"));
	assert_non_null(strstr(b.p, ">web "));
	tv_app_free(a);
	tv_screen_release(&scr);
	fdr_buf_release(&b);
}

/* Block pushdown on the string table: for expressions of every shape, the
 * filtered scan and the count give exactly what evaluating the filter on
 * every event gives, and a string no block holds rules blocks out without
 * decoding them. */
static void test_string_pushdown(void **state)
{
	static const char *const exprs[] = {
		"path == \"/data/nothing\"",
		"path ~ \"/data/00*\"",
		"path ~ \"*ab*\" && kind == \"file.open\"",
		"!(path ~ \"*ab*\")",
		"path != \"/data/nothing\" && dport == 4444",
		"path == \"/data/nothing\" || dport == 4444",
		"not (path !~ \"*0f0*\")",
		"exe ~ \"*nc*\"",
		"path ~ \"*00\" || path ~ \"/data/?0*\"",
		"path ~ \"/data/1*1\" && path != \"/data/nothing\"",
	};
	struct rp_set *s = open_many();

	(void)state;
	for (size_t k = 0; k < sizeof(exprs) / sizeof(exprs[0]); k++) {
		struct rp_scan_opts so = RP_SCAN_OPTS_INIT;
		struct rp_scan_stats st, cst;
		struct rp_filter *f;
		struct rp_error e;
		struct rp_scan *sc;
		struct rp_item it;
		uint64_t want = 0, got = 0, counted = 0;

		assert_int_equal(rp_filter_new(&f), 0);
		assert_int_equal(rp_filter_add_expr(f, exprs[k], &e), 0);
		assert_true(rp_filter_strings_decide(f));
		assert_int_equal(rp_scan_new(s, &so, &sc), 0);	/* every event */
		while (rp_scan_next(sc, &it) > 0)
			want += rp_filter_event(f, it.ring, it.ev);
		rp_scan_free(sc);
		so.filter = f;
		assert_int_equal(rp_scan_new(s, &so, &sc), 0);
		while (rp_scan_next(sc, &it) > 0) {
			assert_true(rp_filter_event(f, it.ring, it.ev));
			got++;
		}
		rp_scan_stats(sc, &st);
		rp_scan_free(sc);
		assert_int_equal(rp_scan_count(s, &so, &counted, &cst), 0);
		if (got != want || counted != want)
			fail_msg("'%s': want %llu, scan %llu, count %llu", exprs[k], (unsigned long long)want,
				 (unsigned long long)got, (unsigned long long)counted);
		if (k == 0 || k == 7) {	/* no block holds such a string */
			assert_int_equal(want, 0);
			assert_true(st.blocks_pushed > 0);
			assert_int_equal(st.blocks_pushed + st.blocks_skipped, st.blocks);
			assert_int_equal(st.events, 0);
			assert_int_equal(cst.blocks_pushed, st.blocks_pushed);
		}
		if (k == 1)	/* some blocks hold one, most not */
			assert_true(want > 0 && st.blocks_pushed > 0 && st.blocks_pushed < st.blocks_decoded);
		if (k == 3 || k == 5)	/* nothing to rule out */
			assert_int_equal(st.blocks_pushed, 0);
		rp_filter_free(f);
	}
	rp_set_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timeline_down), cmocka_unit_test(test_timeline_up),
		cmocka_unit_test(test_timeline_seek), cmocka_unit_test(test_filter),
		cmocka_unit_test(test_stats), cmocka_unit_test(test_tree),
		cmocka_unit_test(test_history), cmocka_unit_test(test_marks),
		cmocka_unit_test(test_search), cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_export), cmocka_unit_test(test_views),
		cmocka_unit_test(test_budget), cmocka_unit_test(test_scan_step),
		cmocka_unit_test(test_lazy_reader), cmocka_unit_test(test_follow_empty),
		cmocka_unit_test(test_string_pushdown),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
