/* SPDX-License-Identifier: Apache-2.0 */
/* tv: fdr-tui's views (tui/tv.h). Draws into a cell grid; no curses. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>
#include <dirent.h>
#include <sys/stat.h>

#include "replay/rp-output.h"
#include "replay/rp-time.h"
#include "tui/tv.h"

/* ---- screen ---------------------------------------------------------------- */

void tv_screen_resize(struct tv_screen *s, int w, int h)
{
	if (w < 1)
		w = 1;
	if (h < 1)
		h = 1;
	free(s->c);
	s->w = w;
	s->h = h;
	s->c = calloc((size_t)w * (size_t)h, sizeof(*s->c));
	if (!s->c)
		abort();
	tv_screen_clear(s);
}

void tv_screen_clear(struct tv_screen *s)
{
	for (int i = 0; i < s->w * s->h; i++) {
		memset(&s->c[i], 0, sizeof(s->c[i]));
		s->c[i].ch[0] = ' ';
	}
}

void tv_screen_release(struct tv_screen *s)
{
	free(s->c);
	s->c = NULL;
	s->w = s->h = 0;
}

int tv_put(struct tv_screen *s, int x, int y, int color, int attr, const char *text, int max)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t n = strlen(text);
	int used = 0;

	if (y < 0 || y >= s->h || x < 0)
		return 0;
	while (n && x < s->w && used < max) {
		struct tv_cell *c = &s->c[y * s->w + x];
		unsigned cp;
		size_t l = fdr_utf8_len(p, n, &cp);
		memset(c->ch, 0, sizeof(c->ch));
		if (l == 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) ||
		    (cp >= 0x80 && wcwidth((wchar_t)cp) != 1)) {
			c->ch[0] = '?';	/* last guard: the text should be escaped already */
			l = l ? l : 1;
		} else {
			memcpy(c->ch, p, l);
		}
		c->color = (uint8_t)color;
		c->attr = (uint8_t)attr;
		p += l;
		n -= l;
		x++;
		used++;
	}
	return used;
}

/* Fill the rest of a row with a colour (bars, the cursor line). */
static void tv_fill(struct tv_screen *s, int x, int y, int w, int color, int attr)
{
	for (int i = x; i < x + w && i < s->w; i++) {
		if (y < 0 || y >= s->h)
			return;
		struct tv_cell *c = &s->c[y * s->w + i];
		c->color = (uint8_t)color;
		c->attr = (uint8_t)attr;
	}
}

void tv_screen_text(const struct tv_screen *s, struct fdr_buf *b)
{
	for (int y = 0; y < s->h; y++) {
		size_t start = b->len, keep = b->len;
		for (int x = 0; x < s->w; x++) {
			fdr_buf_adds(b, s->c[y * s->w + x].ch);
			if (strcmp(s->c[y * s->w + x].ch, " "))
				keep = b->len;
		}
		b->len = keep >= start ? keep : start;
		fdr_buf_addc(b, '\n');
	}
}

/* ---- bindings ---------------------------------------------------------------- */

enum act {
	A_NONE, A_QUIT, A_HELP, A_UP, A_DOWN, A_PGUP, A_PGDN, A_HOME, A_END, A_NEXTV, A_PREVV,
	A_V1, A_V2, A_V3, A_V4, A_V5, A_ENTER, A_FILTER, A_UNFILTER, A_SEARCH, A_SNEXT, A_SPREV,
	A_JUMP, A_PPROC, A_PCONT, A_PSESS, A_BACK, A_FWD, A_EXPORT, A_TOGGLE, A_LEFT, A_RIGHT,
};

#define VA ((1u << TV_NVIEWS) - 1)
#define V(x) (1u << (x))
#define VLIST (V(TV_CONTAINERS) | V(TV_TIMELINE) | V(TV_TREE) | V(TV_FINDINGS))

struct binding {
	int key;
	unsigned views;
	enum act act;
	const char *name;	/* as shown */
	const char *bar;	/* bottom bar label, NULL = help only */
	const char *help;
};

static const struct binding tv_bindings[] = {
	{ 'q', VA, A_QUIT, "q", "Quit", "quit (closes a popup first)" },
	{ '?', VA, A_HELP, "?", "Help", "this help" },
	{ TV_K_F1, VA, A_HELP, "F1", NULL, "this help" },
	{ TV_K_TAB, VA, A_NEXTV, "Tab", "View", "next view (Shift-Tab: previous)" },
	{ TV_K_BTAB, VA, A_PREVV, "S-Tab", NULL, "previous view" },
	{ TV_K_ENTER, VA, A_ENTER, "Enter", "Open", "open: container's events, event detail, process files and connections, finding's events, histogram bin" },
	{ 'f', VA, A_FILTER, "f", "Filter", "filter (fdr-replay -e language: kind == \"proc.exec\" && exe ~ \"*sh\")" },
	{ 'F', VA, A_UNFILTER, "F", NULL, "clear the filter and the container choice" },
	{ '/', VA, A_SEARCH, "/", "Search", "search the timeline text (n: next, N: previous)" },
	{ 'n', VA, A_SNEXT, "n", NULL, "next match" },
	{ 'N', VA, A_SPREV, "N", NULL, "previous match" },
	{ 't', VA, A_JUMP, "t", "Time", "jump to a time (RFC 3339, HH:MM:SS of the first day, @SECONDS)" },
	{ 'p', V(TV_TIMELINE) | V(TV_FINDINGS), A_PPROC, "p", "Proc", "pivot: the event's process in the tree" },
	{ 'c', V(TV_TIMELINE) | V(TV_FINDINGS) | V(TV_TREE), A_PCONT, "c", "Cont", "pivot: only the event's container" },
	{ 's', V(TV_TIMELINE), A_PSESS, "s", "Sess", "pivot: only the event's login session (audit session id)" },
	{ '<', VA, A_BACK, "<", "Back", "back (also Backspace, Left)" },
	{ TV_K_BS, VA, A_BACK, "BS", NULL, "back" },
	{ TV_K_LEFT, VA & ~V(TV_HIST), A_BACK, "Left", NULL, "back" },
	{ '>', VA, A_FWD, ">", NULL, "forward (also Right)" },
	{ TV_K_RIGHT, VA & ~V(TV_HIST), A_FWD, "Right", NULL, "forward" },
	{ 'x', VA, A_EXPORT, "x", "Export", "export the selection: FORMAT FILE (jsonl, csv, timesketch)" },
	{ ' ', V(TV_TREE), A_TOGGLE, "Space", "Fold", "collapse / expand a process" },
	{ '-', V(TV_TREE), A_TOGGLE, "-", NULL, "collapse / expand a process" },
	{ 'h', V(TV_HIST), A_LEFT, "h/Left", NULL, "histogram: earlier bin" },
	{ TV_K_LEFT, V(TV_HIST), A_LEFT, "Left", NULL, "histogram: earlier bin" },
	{ 'l', V(TV_HIST), A_RIGHT, "l/Right", NULL, "histogram: later bin" },
	{ TV_K_RIGHT, V(TV_HIST), A_RIGHT, "Right", NULL, "histogram: later bin" },
	{ 'j', VLIST, A_DOWN, "j/Down", NULL, "down" },
	{ TV_K_DOWN, VLIST, A_DOWN, "Down", NULL, "down" },
	{ TV_K_WHEEL_DOWN, VLIST, A_DOWN, "wheel", NULL, "down" },
	{ 'k', VLIST, A_UP, "k/Up", NULL, "up" },
	{ TV_K_UP, VLIST, A_UP, "Up", NULL, "up" },
	{ TV_K_WHEEL_UP, VLIST, A_UP, "wheel", NULL, "up" },
	{ TV_K_PGDN, VLIST, A_PGDN, "PgDn", NULL, "page down (also Space in the timeline)" },
	{ ' ', V(TV_TIMELINE) | V(TV_CONTAINERS) | V(TV_FINDINGS), A_PGDN, "Space", NULL, "page down" },
	{ TV_K_PGUP, VLIST, A_PGUP, "PgUp", NULL, "page up (also b)" },
	{ 'b', VLIST, A_PGUP, "b", NULL, "page up" },
	{ 'g', VA, A_HOME, "g/Home", NULL, "first" },
	{ TV_K_HOME, VA, A_HOME, "Home", NULL, "first" },
	{ 'G', VA, A_END, "G/End", NULL, "last" },
	{ TV_K_END, VA, A_END, "End", NULL, "last" },
	{ '1', VA, A_V1, "1", NULL, "containers view" },
	{ '2', VA, A_V2, "2", NULL, "timeline view" },
	{ '3', VA, A_V3, "3", NULL, "process tree view" },
	{ '4', VA, A_V4, "4", NULL, "findings view" },
	{ '5', VA, A_V5, "5", NULL, "histogram view" },
};

#define NBIND (sizeof(tv_bindings) / sizeof(tv_bindings[0]))

static enum act lookup(int key, enum tv_view v)
{
	for (size_t i = 0; i < NBIND; i++)
		if (tv_bindings[i].key == key && (tv_bindings[i].views & V(v)))
			return tv_bindings[i].act;
	return A_NONE;
}

static const struct binding *bar_layout(enum tv_view v, int w, int at,
					void (*fn)(void *ctx, const struct binding *b, int x), void *ctx);

static const char *const view_names[TV_NVIEWS] = { "Containers", "Timeline", "Tree", "Findings", "Histogram" };

/* ---- app --------------------------------------------------------------------- */

/* A timeline fill keeps keys waiting at most this long; the rest of a
 * rare filter's search goes on in slices while idle. */
#define TL_BUDGET_NS (100 * 1000000ull)
#define TL_SLICE_NS (40 * 1000000ull)

enum prompt { P_NONE, P_FILTER, P_SEARCH, P_JUMP, P_EXPORT };

struct tv_app {
	struct rp_set *set;
	struct tm_sel sel;
	struct tm_tl tl;
	bool tl_loaded;
	struct tm_stats st;
	struct tm_tree tree;
	bool tree_built;
	char *tree_container;	/* selection's container when the tree was built */
	size_t tree_cur, tree_top;
	struct tm_findings fs;	/* zero until the check is done (fs_ready) */
	bool has_model;		/* --model given */
	bool fs_ready;		/* its findings are in fs */
	struct tm_findings *fs_pending;	/* being checked by fs_thread */
	pthread_t fs_thread;
	bool fs_running;	/* fs_thread to join */
	int fs_done;		/* atomic: the thread finished */
	int fs_err;		/* its result */
	unsigned fs_threads;
	uint64_t *ring_findings;
	size_t f_cur, f_top;
	size_t *corder, nc, c_cur, c_top;
	int h_cur;
	enum tv_view view;
	struct tm_hist hist;
	bool ov_on;
	struct fdr_buf ov;
	char ov_title[64];
	size_t ov_top;
	enum prompt prompt;
	char pbuf[512];
	size_t plen;
	char search[256];
	char msg[400];
	bool color;
	const char *follow;	/* directory, or NULL */
	int w, h;
	uint64_t fingerprint;	/* blocks seen, for --follow */
	uint64_t live_sig;	/* ring files and their mtimes at the last refresh */
};

static size_t page_of(const struct tv_app *a)
{
	return a->h > 5 ? (size_t)(a->h - 4) : 1;
}

static void set_msg(struct tv_app *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_msg(struct tv_app *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->msg, sizeof(a->msg), fmt, ap);
	va_end(ap);
}

static void err_msg(struct tv_app *a, const char *what, int err)
{
	if (err == -EINVAL && a->sel.error[0])
		set_msg(a, "%s", a->sel.error);
	else
		set_msg(a, "%s: %s", what, err <= -2000 && err > -2100 ? md_strerror(err) : fdr_strerror(err));
}

static void restart_stats(struct tv_app *a)
{
	tm_stats_release(&a->st);
	tm_stats_start(&a->st, a->set, &a->sel);
	for (size_t i = 0; i < a->st.nrings; i++)
		a->st.ring[i].findings = a->ring_findings[i];
	a->nc = 0;
	tm_rings_order(&a->st, a->set, &a->sel, a->corder, &a->nc);
	if (a->c_cur >= a->nc)
		a->c_cur = a->nc ? a->nc - 1 : 0;
}

static uint64_t set_fingerprint(struct rp_set *set)
{
	uint64_t fp = 0;

	for (size_t i = 0; i < rp_set_nrings(set); i++) {
		const struct rp_ring *r = rp_set_ring(set, i);
		size_t nb = fdr_reader_nblocks(r->reader);
		fp = fp * 1000003u + nb;
		if (nb) {
			const struct fdr_block_info *b = fdr_reader_block(r->reader, nb - 1);
			fp = fp * 1000003u + b->seq * 31u + b->revision * 7u + b->events;
		}
	}
	return fp;
}

static void *model_thread(void *arg)
{
	struct tv_app *a = arg;

	a->fs_err = tm_findings_check(a->fs_pending, a->set, a->fs_threads);
	__atomic_store_n(&a->fs_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Stop the model check (quitting, or the set must change) and drop it. */
static void model_stop(struct tv_app *a)
{
	if (a->fs_running) {
		__atomic_store_n(&a->fs_pending->cancel, 1, __ATOMIC_RELAXED);
		pthread_join(a->fs_thread, NULL);
		a->fs_running = false;
	}
	if (a->fs_pending) {
		tm_findings_release(a->fs_pending);
		free(a->fs_pending);
		a->fs_pending = NULL;
	}
}

/* The model check finished: its findings into the views. true when it did. */
static bool model_collect(struct tv_app *a)
{
	if (!a->fs_running || !__atomic_load_n(&a->fs_done, __ATOMIC_ACQUIRE))
		return false;
	pthread_join(a->fs_thread, NULL);
	a->fs_running = false;
	if (a->fs_err < 0) {
		err_msg(a, "model check", a->fs_err);
		model_stop(a);
		return true;
	}
	a->fs = *a->fs_pending;
	free(a->fs_pending);
	a->fs_pending = NULL;
	a->fs_ready = true;
	for (size_t i = 0; i < a->fs.n; i++) {
		unsigned r = tm_findings_ring(&a->fs, tm_findings_get(&a->fs, i));
		if (r < rp_set_nrings(a->set))
			a->ring_findings[r]++;
	}
	for (size_t i = 0; i < a->st.nrings; i++)
		a->st.ring[i].findings = a->ring_findings[i];
	if (a->st.done)
		tm_rings_order(&a->st, a->set, &a->sel, a->corder, &a->nc);
	/* Rows read before now have no finding marks. */
	a->tl.marks = &a->fs.marks;
	if (a->tl_loaded) {
		int e = tm_tl_reload(&a->tl);
		if (e < 0)
			err_msg(a, "timeline", e);
	}
	return true;
}

int tv_app_new(struct tv_opts *o, struct rp_set *set, struct tv_app **out, char *err, size_t errlen)
{
	struct tv_app *a = calloc(1, sizeof(*a));
	int e;

	if (!a)
		return -ENOMEM;
	a->set = set;
	a->sel = o->sel;
	memset(&o->sel, 0, sizeof(o->sel));
	a->color = o->color;
	a->follow = o->follow;
	a->w = 80;
	a->h = 24;
	a->corder = calloc(rp_set_nrings(set) + 1, sizeof(*a->corder));
	a->ring_findings = calloc(rp_set_nrings(set) + 1, sizeof(*a->ring_findings));
	if (!a->corder || !a->ring_findings)
		abort();
	if (o->model_path) {
		FILE *f = fopen(o->model_path, "r");
		struct fdr_buf b = FDR_BUF_INIT;
		char chunk[65536];
		size_t n;
		if (!f) {
			e = -errno;
			snprintf(err, errlen, "cannot read model: %s", strerror(-e));
			goto out_free;
		}
		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && b.len < (256u << 20))
			fdr_buf_add(&b, chunk, n);
		fclose(f);
		a->fs_pending = calloc(1, sizeof(*a->fs_pending));
		if (!a->fs_pending)
			abort();
		e = tm_findings_prepare(a->fs_pending, set, b.p ? b.p : "", b.len);
		fdr_buf_release(&b);
		if (e < 0) {
			snprintf(err, errlen, "cannot check with the model: %s",
				 e <= -2000 ? md_strerror(e) : fdr_strerror(e));
			goto out_free;
		}
		a->has_model = true;
		/* The check reads every event: on a thread of its own, so that the
		 * first screen does not wait for it ("checking" until it is done). */
		a->fs_threads = a->sel.threads;
		if ((e = -pthread_create(&a->fs_thread, NULL, model_thread, a)) < 0) {
			snprintf(err, errlen, "cannot start the model check: %s", strerror(-e));
			goto out_free;
		}
		a->fs_running = true;
	}
	struct rp_filter *probe;
	if ((e = tm_sel_filter(&a->sel, 0, UINT64_MAX, true, &probe)) < 0) {
		snprintf(err, errlen, "%s", a->sel.error);
		goto out_free;
	}
	rp_filter_free(probe);
	restart_stats(a);
	/* The timeline is read when first needed (the first screen is the
	 * containers view, from block headers alone). */
	a->tl.set = set;
	a->tl.sel = &a->sel;
	a->tl.marks = NULL;	/* until the model check is done */
	a->fingerprint = set_fingerprint(set);
	a->view = TV_CONTAINERS;
	*out = a;
	return 0;
out_free:
	a->set = NULL;	/* the caller still owns it on failure */
	tv_app_free(a);
	return e;
}

void tv_app_free(struct tv_app *a)
{
	if (!a)
		return;
	tm_tl_close(&a->tl);
	tm_stats_release(&a->st);
	tm_tree_release(&a->tree);
	free(a->tree_container);
	model_stop(a);
	if (a->fs_ready)
		tm_findings_release(&a->fs);
	tm_hist_release(&a->hist);
	tm_sel_release(&a->sel);
	fdr_buf_release(&a->ov);
	free(a->corder);
	free(a->ring_findings);
	rp_set_free(a->set);
	free(a);
}

/* ---- navigation ------------------------------------------------------------- */

static void here(struct tv_app *a, struct tm_loc *l)
{
	memset(l, 0, sizeof(*l));
	l->view = a->view;
	if (a->tl.n) {
		l->time = a->tl.rows[a->tl.cur].time;
		l->dup = a->tl.rows[a->tl.cur].dup;
	}
	l->pos = a->view == TV_CONTAINERS ? a->c_cur : a->view == TV_TREE ? a->tree_cur :
		 a->view == TV_FINDINGS ? a->f_cur : (size_t)a->h_cur;
	tm_sel_copy(&l->sel, &a->sel);
}

static void push_here(struct tv_app *a)
{
	struct tm_loc l;

	here(a, &l);
	tm_hist_push(&a->hist, &l);
	tm_loc_release(&l);
}

static bool sel_differs(const struct tm_sel *x, const struct tm_sel *y)
{
	const char *const *px[] = { (const char *const *)&x->container, (const char *const *)&x->expr };
	const char *const *py[] = { (const char *const *)&y->container, (const char *const *)&y->expr };

	for (int i = 0; i < 2; i++) {
		const char *s = *px[i], *t = *py[i];
		if ((s == NULL) != (t == NULL) || (s && strcmp(s, t)))
			return true;
	}
	return false;
}

/* The selection changed: counts and histogram again, timeline from the cursor. */
static void selection_changed(struct tv_app *a)
{
	int err;

	restart_stats(a);
	if ((err = tm_tl_reload(&a->tl)) < 0)
		err_msg(a, "timeline", err);
}

static void go_to(struct tv_app *a, struct tm_loc *l)
{
	if (sel_differs(&a->sel, &l->sel)) {
		tm_str_set(&a->sel.container, l->sel.container);
		tm_str_set(&a->sel.expr, l->sel.expr);
		restart_stats(a);
	}
	a->view = (enum tv_view)l->view;
	tm_tl_seek_row(&a->tl, l->time, l->dup, page_of(a));
	switch (a->view) {
	case TV_CONTAINERS: a->c_cur = l->pos; break;
	case TV_TREE: a->tree_cur = l->pos; break;
	case TV_FINDINGS: a->f_cur = l->pos; break;
	case TV_HIST: a->h_cur = (int)l->pos; break;
	default: break;
	}
	tm_loc_release(l);
}

static void ensure_tree(struct tv_app *a)
{
	const char *c = a->sel.container ? a->sel.container : "";
	int err;

	if (a->tree_built && a->tree_container && !strcmp(a->tree_container, c))
		return;
	tm_tree_release(&a->tree);
	/* Built a step at a time while idle (the view says how far). */
	if ((err = tm_tree_start(&a->tree, a->set, &a->sel)) < 0)
		err_msg(a, "tree", err);
	tm_str_set(&a->tree_container, "");
	free(a->tree_container);
	a->tree_container = strdup(c);
	a->tree_built = true;
	a->tree_cur = a->tree_top = 0;
}

/* Wait for the tree (a pivot needs it now). */
static void tree_finish(struct tv_app *a)
{
	int err;

	while ((err = tm_tree_step(&a->tree, UINT64_MAX)) == 0)
		;
	if (err < 0)
		err_msg(a, "tree", err);
}

static void switch_view(struct tv_app *a, enum tv_view v)
{
	if (v == TV_TREE)
		ensure_tree(a);
	if (v == TV_FINDINGS && !a->has_model)
		set_msg(a, "no findings: start with --model MODEL (fdr-replay learn makes one)");
	a->view = v;
}

/* ---- actions on the current row ------------------------------------------------ */

struct fetched {
	struct fdr_buf detail;
	unsigned ring;
	uint64_t pid, sessionid, time;
	bool has_pid, has_session;
	unsigned host_idx;
};

static void fetch_cb(void *ctx, const struct rp_ring *r, const struct fdr_event *ev)
{
	struct fetched *f = ctx;

	tm_event_detail(&f->detail, r, ev);
	f->ring = r->index;
	f->host_idx = r->host_idx;
	f->time = ev->time_ns;
	f->has_pid = fdr_event_has(ev, FDR_F_PID);
	f->pid = fdr_event_u(ev, FDR_F_PID, 0);
	f->has_session = fdr_event_has(ev, FDR_F_SESSIONID) && ev->f[FDR_F_SESSIONID].u != UINT32_MAX;
	f->sessionid = fdr_event_u(ev, FDR_F_SESSIONID, 0);
}

static bool fetch_cur(struct tv_app *a, struct fetched *f)
{
	memset(f, 0, sizeof(*f));
	if (!a->tl.n) {
		set_msg(a, "no event here");
		return false;
	}
	const struct tm_row *r = &a->tl.rows[a->tl.cur];
	int err = tm_fetch(a->set, &a->sel, r->time, r->dup, fetch_cb, f);
	if (err <= 0) {
		fdr_buf_release(&f->detail);
		if (err < 0)
			err_msg(a, "event", err);
		else
			set_msg(a, "event not found again");
		return false;
	}
	return true;
}

static void overlay(struct tv_app *a, const char *title, struct fdr_buf *text)
{
	fdr_buf_release(&a->ov);
	a->ov = *text;
	*text = (struct fdr_buf)FDR_BUF_INIT;
	snprintf(a->ov_title, sizeof(a->ov_title), "%s", title);
	a->ov_top = 0;
	a->ov_on = true;
}

static void container_of_ring(struct tv_app *a, unsigned ring)
{
	const struct rp_ring *r = rp_set_ring(a->set, ring);

	push_here(a);
	tm_str_set(&a->sel.container, r->is_host ? "host" : r->container);
	a->view = TV_TIMELINE;
	selection_changed(a);
	char lbl[64];
	const char *c = rp_container_label(r, lbl, sizeof(lbl));
	struct fdr_buf b = FDR_BUF_INIT;
	tm_esc(&b, c, strlen(c));
	set_msg(a, "container %s (F clears, < goes back)", b.p ? b.p : "");
	fdr_buf_release(&b);
}

static void proc_detail(struct tv_app *a, size_t p)
{
	const struct rp_proc *pr = rp_tree_proc(a->tree.t, p);
	struct fdr_buf b = FDR_BUF_INIT;
	char t1[RP_TIME_MAX], t2[RP_TIME_MAX];

	fdr_buf_addf(&b, "pid: %" PRIu64 "  ppid: %" PRIu64 "\n", pr->pid, pr->ppid);
	fdr_buf_adds(&b, "exe: ");
	if (pr->exe)
		tm_esc(&b, pr->exe, strlen(pr->exe));
	fdr_buf_adds(&b, "\nargv:");
	for (uint32_t i = 0; i < pr->argc; i++) {
		fdr_buf_adds(&b, " \"");
		tm_esc(&b, pr->argv[i], strlen(pr->argv[i]));
		fdr_buf_addc(&b, '"');
	}
	fdr_buf_adds(&b, "\ncomm: ");
	if (pr->comm)
		tm_esc(&b, pr->comm, strlen(pr->comm));
	fdr_buf_addf(&b, "\nstart: %s%s\nend: %s%s\n", rp_time_format(pr->start_ns, t1),
		     pr->started_before ? " (running before the recording)" : "",
		     rp_time_format(pr->end_ns, t2), pr->running_at_end ? " (still running)" : "");
	if (pr->has_exit_code)
		fdr_buf_addf(&b, "exit code: %" PRId64 "\n", pr->exit_code);
	if (pr->has_signal)
		fdr_buf_addf(&b, "signal: %" PRIu64 "\n", pr->signal);
	if (pr->has_uid)
		fdr_buf_addf(&b, "uid: %" PRIu64 "  loginuid: %" PRIu64 "\n", pr->uid, pr->loginuid);
	if (pr->has_session)
		fdr_buf_addf(&b, "session: %" PRIu64 "\n", pr->sessionid);
	if (pr->uncertain)
		fdr_buf_adds(&b, "uncertain: a recording gap happened while it ran\n");
	if (pr->link_label) {
		fdr_buf_adds(&b, "linked: ");
		tm_esc(&b, pr->link_label, strlen(pr->link_label));
		fdr_buf_addc(&b, '\n');
	}
	fdr_buf_addf(&b, "\nfiles, connections and other activity (%u", pr->nacts);
	if (pr->more_acts)
		fdr_buf_addf(&b, " of %" PRIu64, pr->nacts + pr->more_acts);
	fdr_buf_adds(&b, "):\n");
	for (uint32_t i = 0; i < pr->nacts; i++) {
		const struct rp_act *ac = &pr->acts[i];
		fdr_buf_addf(&b, "  %.8s ", rp_time_format(ac->time_ns, t1) + 11);
		tm_esc(&b, ac->kind, strlen(ac->kind));
		fdr_buf_addc(&b, ' ');
		tm_esc(&b, ac->text, strlen(ac->text));
		fdr_buf_addc(&b, '\n');
	}
	if (!pr->nacts)
		fdr_buf_adds(&b, "  (none recorded)\n");
	overlay(a, "process", &b);
}

static void pivot_proc(struct tv_app *a)
{
	struct fetched f;

	if (!fetch_cur(a, &f))
		return;
	fdr_buf_release(&f.detail);
	if (!f.has_pid) {
		set_msg(a, "this event has no process");
		return;
	}
	push_here(a);
	ensure_tree(a);
	tree_finish(a);
	size_t p = a->tree.t ? rp_tree_find(a->tree.t, f.host_idx, f.pid, f.time) : RP_NONE;
	if (p == RP_NONE) {
		set_msg(a, "process %" PRIu64 " is not in the tree", f.pid);
		a->view = TV_TREE;
		return;
	}
	tm_tree_reveal(&a->tree, p);
	size_t row = tm_tree_row_of(&a->tree, p);
	a->tree_cur = row == RP_NONE ? 0 : row;
	a->view = TV_TREE;
	set_msg(a, "process %" PRIu64 " (Enter: its files and connections)", f.pid);
}

static void pivot_session(struct tv_app *a)
{
	struct fetched f;
	char expr[64];

	if (!fetch_cur(a, &f))
		return;
	fdr_buf_release(&f.detail);
	if (!f.has_session) {
		set_msg(a, "this event has no audit session id");
		return;
	}
	push_here(a);
	snprintf(expr, sizeof(expr), "sessionid == %" PRIu64, f.sessionid);
	tm_str_set(&a->sel.expr, expr);
	tm_str_set(&a->sel.container, NULL);
	a->view = TV_TIMELINE;
	selection_changed(a);
	set_msg(a, "session %" PRIu64 " (< goes back)", f.sessionid);
}

/* Timeline at the first event of a finding, its row selected. */
static void open_finding(struct tv_app *a, const struct md_finding *f)
{
	unsigned ring = tm_findings_ring(&a->fs, f);
	const struct rp_ring *r = rp_set_ring(a->set, ring);
	uint64_t t = f->nev ? f->ev[0].time_ns : f->first_ns;
	struct tm_sel probe = TM_SEL_INIT;
	struct rp_filter *flt;
	bool cleared = false;

	push_here(a);
	/* A selection that hides the finding's ring is dropped. */
	tm_sel_copy(&probe, &a->sel);
	if (tm_sel_filter(&probe, 0, UINT64_MAX, true, &flt) == 0) {
		if (!rp_filter_ring(flt, r) || a->sel.expr) {
			tm_str_set(&a->sel.container, NULL);
			tm_str_set(&a->sel.expr, NULL);
			cleared = true;
		}
		rp_filter_free(flt);
	}
	tm_sel_release(&probe);
	if (cleared)
		restart_stats(a);
	a->view = TV_TIMELINE;
	tm_tl_seek(&a->tl, t, page_of(a));
	for (size_t i = a->tl.cur; i < a->tl.n && a->tl.rows[i].time == t; i++)
		if (a->tl.rows[i].ring == ring) {
			a->tl.cur = i;
			break;
		}
	set_msg(a, "finding %s: %" PRIu64 " event%s, first shown (marked !)%s", md_rule_name(f->rule),
		f->count, f->count == 1 ? "" : "s", cleared ? "; filter cleared" : "");
}

static void submit_prompt(struct tv_app *a)
{
	enum prompt p = a->prompt;
	char *text = a->pbuf;
	int err;

	a->prompt = P_NONE;
	a->pbuf[a->plen] = '\0';
	switch (p) {
	case P_FILTER:
		if (tm_sel_check_expr(&a->sel, text) < 0) {
			set_msg(a, "%s", a->sel.error);
			return;
		}
		push_here(a);
		tm_str_set(&a->sel.expr, text);
		selection_changed(a);
		if (a->view == TV_CONTAINERS || a->view == TV_FINDINGS)
			a->view = TV_TIMELINE;
		break;
	case P_SEARCH:
		if (*text)
			snprintf(a->search, sizeof(a->search), "%.255s", text);
		a->view = TV_TIMELINE;
		err = tm_tl_search(&a->tl, a->search, +1, 5000000, page_of(a));
		if (err <= 0)
			set_msg(a, err < 0 ? "search failed" : "not found");
		break;
	case P_JUMP: {
		uint64_t t;
		size_t col;
		if (rp_time_parse(text, rp_time_now(), &t, &col) < 0) {
			/* HH:MM[:SS] on the day of the first event */
			unsigned hh, mm, ss = 0;
			if (sscanf(text, "%u:%u:%u", &hh, &mm, &ss) < 2 || hh > 23 || mm > 59 || ss > 60) {
				set_msg(a, "bad time: RFC 3339, HH:MM:SS, -2h or @SECONDS");
				return;
			}
			uint64_t day = a->tl.first_ns - a->tl.first_ns % (86400ull * 1000000000ull);
			t = day + ((uint64_t)hh * 3600 + mm * 60 + ss) * 1000000000ull;
		}
		push_here(a);
		a->view = TV_TIMELINE;
		tm_tl_seek(&a->tl, t, page_of(a));
		break;
	}
	case P_EXPORT: {
		char fmt[32], path[400];
		uint64_t n;
		if (sscanf(text, "%31s %399s", fmt, path) != 2) {
			set_msg(a, "export: FORMAT FILE, e.g. csv /tmp/incident.csv");
			return;
		}
		err = tm_export(a->set, &a->sel, fmt, path, &n);
		if (err == -EINVAL && strcmp(fmt, "jsonl") && strcmp(fmt, "csv") && strcmp(fmt, "timesketch"))
			set_msg(a, "export: format is jsonl, csv or timesketch");
		else if (err < 0)
			err_msg(a, "export", err);
		else
			set_msg(a, "exported %" PRIu64 " events", n);
		break;
	}
	default:
		break;
	}
}

static void open_prompt(struct tv_app *a, enum prompt p, const char *init)
{
	a->prompt = p;
	snprintf(a->pbuf, sizeof(a->pbuf), "%s", init ? init : "");
	a->plen = strlen(a->pbuf);
}

static bool prompt_key(struct tv_app *a, int key)
{
	if (key == TV_K_ENTER) {
		submit_prompt(a);
	} else if (key == TV_K_ESC) {
		a->prompt = P_NONE;
	} else if (key == TV_K_BS || key == 127 || key == 8) {
		if (a->plen)
			a->plen--;
		/* drop a whole UTF-8 sequence */
		while (a->plen && ((unsigned char)a->pbuf[a->plen] & 0xc0) == 0x80)
			a->plen--;
	} else if (key == 21) {	/* ^U */
		a->plen = 0;
	} else if (key >= 0x20 && key < 0x100 && key != 0x7f && a->plen + 1 < sizeof(a->pbuf)) {
		a->pbuf[a->plen++] = (char)key;
	}
	a->pbuf[a->plen] = '\0';
	return true;
}

static void list_move(size_t *cur, size_t n, long d)
{
	if (!n) {
		*cur = 0;
		return;
	}
	long c = (long)*cur + d;
	if (c < 0)
		c = 0;
	if ((size_t)c >= n)
		c = (long)n - 1;
	*cur = (size_t)c;
}

static void help_overlay(struct tv_app *a)
{
	struct fdr_buf b = FDR_BUF_INIT;

	fdr_buf_adds(&b, "fdr-tui: keys (the bottom bar shows the main ones)\n\n");
	for (size_t i = 0; i < NBIND; i++) {
		bool dup = false;
		for (size_t j = 0; j < i; j++)
			dup |= tv_bindings[j].act == tv_bindings[i].act &&
			       tv_bindings[j].views == tv_bindings[i].views;
		if (!dup)
			fdr_buf_addf(&b, "  %-8s %s\n", tv_bindings[i].name, tv_bindings[i].help);
	}
	fdr_buf_adds(&b, "\nViews: 1 containers (Enter: its events), 2 timeline (! finding, ~ gap),\n"
		     "3 process tree, 4 findings (Enter: its events), 5 histogram.\n"
		     "Mouse: wheel scrolls, a click selects a row or a view tab.\n");
	overlay(a, "help", &b);
}

static void do_action(struct tv_app *a, enum act act, int y)
{
	size_t page = page_of(a);
	int err = 0;

	switch (act) {
	case A_NONE:
		break;
	case A_QUIT:
		break;
	case A_HELP: help_overlay(a); break;
	case A_NEXTV: switch_view(a, (enum tv_view)((a->view + 1) % TV_NVIEWS)); break;
	case A_PREVV: switch_view(a, (enum tv_view)((a->view + TV_NVIEWS - 1) % TV_NVIEWS)); break;
	case A_V1: case A_V2: case A_V3: case A_V4: case A_V5:
		switch_view(a, (enum tv_view)(act - A_V1));
		break;
	case A_UP: case A_DOWN: case A_PGUP: case A_PGDN: {
		long d = act == A_UP ? -1 : act == A_DOWN ? 1 : act == A_PGUP ? -(long)page : (long)page;
		if (a->view == TV_TIMELINE)
			err = tm_tl_move(&a->tl, d, page);
		else if (a->view == TV_CONTAINERS)
			list_move(&a->c_cur, a->nc, d);
		else if (a->view == TV_TREE)
			list_move(&a->tree_cur, a->tree.n, d);
		else if (a->view == TV_FINDINGS)
			list_move(&a->f_cur, a->fs.n, d);
		break;
	}
	case A_HOME:
		if (a->view == TV_TIMELINE)
			err = tm_tl_home(&a->tl, page);
		a->c_cur = a->view == TV_CONTAINERS ? 0 : a->c_cur;
		a->tree_cur = a->view == TV_TREE ? 0 : a->tree_cur;
		a->f_cur = a->view == TV_FINDINGS ? 0 : a->f_cur;
		a->h_cur = a->view == TV_HIST ? 0 : a->h_cur;
		break;
	case A_END:
		if (a->view == TV_TIMELINE)
			err = tm_tl_end(&a->tl, page);
		else if (a->view == TV_CONTAINERS)
			list_move(&a->c_cur, a->nc, (long)a->nc);
		else if (a->view == TV_TREE)
			list_move(&a->tree_cur, a->tree.n, (long)a->tree.n);
		else if (a->view == TV_FINDINGS)
			list_move(&a->f_cur, a->fs.n, (long)a->fs.n);
		else
			a->h_cur = 1 << 20;
		break;
	case A_LEFT: a->h_cur = a->h_cur > 0 ? a->h_cur - 1 : 0; break;
	case A_RIGHT: a->h_cur++; break;
	case A_ENTER:
		if (a->view == TV_CONTAINERS && a->nc) {
			container_of_ring(a, (unsigned)a->corder[a->c_cur]);
		} else if (a->view == TV_TIMELINE) {
			struct fetched f;
			if (fetch_cur(a, &f))
				overlay(a, "event", &f.detail);
		} else if (a->view == TV_TREE && a->tree.n) {
			proc_detail(a, a->tree.rows[a->tree_cur].proc);
		} else if (a->view == TV_FINDINGS && a->fs.n) {
			open_finding(a, tm_findings_get(&a->fs, a->f_cur));
		} else if (a->view == TV_HIST) {
			int bins = a->w - 2 > 0 ? a->w - 2 : 1;
			uint64_t span = a->st.h_last - a->st.h_first;
			push_here(a);
			a->view = TV_TIMELINE;
			tm_tl_seek(&a->tl, a->st.h_first + (uint64_t)((double)span * a->h_cur / bins), page);
		}
		break;
	case A_FILTER: open_prompt(a, P_FILTER, a->sel.expr); break;
	case A_UNFILTER:
		if (a->sel.expr || a->sel.container) {
			push_here(a);
			tm_str_set(&a->sel.expr, NULL);
			tm_str_set(&a->sel.container, NULL);
			selection_changed(a);
			set_msg(a, "filter cleared");
		}
		break;
	case A_SEARCH: open_prompt(a, P_SEARCH, NULL); break;
	case A_SNEXT: case A_SPREV:
		if (!a->search[0]) {
			set_msg(a, "no search yet: /");
			break;
		}
		a->view = TV_TIMELINE;
		err = tm_tl_search(&a->tl, a->search, act == A_SNEXT ? 1 : -1, 5000000, page);
		if (err == 0)
			set_msg(a, "not found");
		break;
	case A_JUMP: open_prompt(a, P_JUMP, NULL); break;
	case A_EXPORT: open_prompt(a, P_EXPORT, "jsonl "); break;
	case A_PPROC:
		if (a->view == TV_FINDINGS && a->fs.n)
			open_finding(a, tm_findings_get(&a->fs, a->f_cur));
		pivot_proc(a);
		break;
	case A_PCONT:
		if (a->view == TV_TREE && a->tree.n)
			container_of_ring(a, rp_tree_proc(a->tree.t, a->tree.rows[a->tree_cur].proc)->ring->index);
		else if (a->view == TV_FINDINGS && a->fs.n)
			container_of_ring(a, tm_findings_ring(&a->fs, tm_findings_get(&a->fs, a->f_cur)));
		else if (a->tl.n)
			container_of_ring(a, a->tl.rows[a->tl.cur].ring);
		break;
	case A_PSESS: pivot_session(a); break;
	case A_BACK: case A_FWD: {
		struct tm_loc h, to;
		here(a, &h);
		bool ok = act == A_BACK ? tm_hist_back(&a->hist, &h, &to) : tm_hist_forward(&a->hist, &h, &to);
		tm_loc_release(&h);
		if (ok)
			go_to(a, &to);
		else
			set_msg(a, act == A_BACK ? "nothing to go back to" : "nothing to go forward to");
		break;
	}
	case A_TOGGLE:
		if (a->tree.n) {
			size_t p = a->tree.rows[a->tree_cur].proc;
			if (rp_tree_proc(a->tree.t, p)->first_child != RP_NONE ||
			    rp_tree_proc(a->tree.t, p)->link_first != RP_NONE) {
				a->tree.collapsed[p] = !a->tree.collapsed[p];
				tm_tree_flatten(&a->tree);
			}
		}
		break;
	}
	(void)y;
	if (err < 0)
		err_msg(a, "read", err);
}

static void ensure_tl(struct tv_app *a)
{
	int err;

	if (a->tl_loaded)
		return;
	a->tl_loaded = true;
	if ((err = tm_tl_open(&a->tl, a->set, &a->sel, a->fs_ready ? &a->fs.marks : NULL)) < 0)
		err_msg(a, "timeline", err);
	/* From now on a fill that finds little (a rare filter) shows what it
	 * found after TL_BUDGET_NS and searches on while idle. */
	a->tl.budget_ns = TL_BUDGET_NS;
}

bool tv_app_key(struct tv_app *a, int key, int x, int y)
{
	ensure_tl(a);
	a->msg[0] = '\0';
	if (key == TV_K_RESIZE)
		return true;
	if (a->prompt != P_NONE)
		return prompt_key(a, key);
	if (a->ov_on) {
		size_t lines = 0;
		for (size_t i = 0; i < a->ov.len; i++)
			lines += a->ov.p[i] == '\n';
		switch (key) {
		case 'j': case TV_K_DOWN: case TV_K_WHEEL_DOWN:
			if (a->ov_top + 1 < lines)
				a->ov_top++;
			return true;
		case 'k': case TV_K_UP: case TV_K_WHEEL_UP:
			if (a->ov_top)
				a->ov_top--;
			return true;
		case ' ': case TV_K_PGDN:
			a->ov_top = a->ov_top + page_of(a) < lines ? a->ov_top + page_of(a) : a->ov_top;
			return true;
		case TV_K_PGUP: case 'b':
			a->ov_top = a->ov_top > page_of(a) ? a->ov_top - page_of(a) : 0;
			return true;
		case 'q': case TV_K_ESC: case TV_K_ENTER: case TV_K_BS: case '<':
			a->ov_on = false;
			return true;
		default:
			a->ov_on = false;	/* any other key acts on the view below */
			break;
		}
	}
	if (key == TV_K_CLICK) {
		if (y == 0) {	/* a tab */
			int tx = 9;
			for (int v = 0; v < TV_NVIEWS; v++) {
				int w = (int)strlen(view_names[v]) + 4;
				if (x >= tx && x < tx + w) {
					switch_view(a, (enum tv_view)v);
					return true;
				}
				tx += w;
			}
			return true;
		}
		if (y == a->h - 1) {	/* a bottom bar item: as its key */
			const struct binding *b = bar_layout(a->view, a->w, x, NULL, NULL);
			return b ? tv_app_key(a, b->key, 0, 0) : true;
		}
		long row = y - 2;
		if (row < 0 || y >= a->h - 2)
			return true;
		if (a->view == TV_TIMELINE)
			tm_tl_move(&a->tl, (long)(a->tl.top + (size_t)row) - (long)a->tl.cur, page_of(a));
		else if (a->view == TV_CONTAINERS)
			list_move(&a->c_cur, a->nc, (long)(a->c_top + (size_t)row) - (long)a->c_cur);
		else if (a->view == TV_TREE)
			list_move(&a->tree_cur, a->tree.n, (long)(a->tree_top + (size_t)row) - (long)a->tree_cur);
		else if (a->view == TV_FINDINGS)
			list_move(&a->f_cur, a->fs.n, (long)(a->f_top + (size_t)row) - (long)a->f_cur);
		else
			a->h_cur = x - 1 > 0 ? x - 1 : 0;
		return true;
	}
	enum act act = lookup(key, a->view);
	if (act == A_QUIT)
		return false;
	do_action(a, act, y);
	return true;
}

bool tv_app_searching(const struct tv_app *a)
{
	return a->tl_loaded && a->tl.busy;
}

bool tv_app_idle(struct tv_app *a)
{
	if (model_collect(a))
		return true;
	if (a->tree_built && !a->tree.t && a->tree.sc) {	/* the tree first: someone waits for it */
		if (tm_tree_step(&a->tree, 50000) < 0)
			set_msg(a, "cannot build the tree");
		return true;
	}
	if (a->tl_loaded && a->tl.busy) {	/* a rare filter's first rows: someone waits */
		int e = tm_tl_more(&a->tl, TL_SLICE_NS);
		if (e < 0)
			err_msg(a, "timeline", e);
		return true;
	}
	if (!a->st.done) {
		tm_stats_step(&a->st, 100000);
		if (a->st.done)
			tm_rings_order(&a->st, a->set, &a->sel, a->corder, &a->nc);
		return true;	/* worked: the screen changed */
	}
	if (a->fs_running) {	/* nothing to do but wait for the model check */
		struct timespec ts = { 0, 50 * 1000000L };
		nanosleep(&ts, NULL);
		return true;	/* its progress changed */
	}
	return false;
}

/* Ring files (name "*.ring") under dir that the set does not hold yet: a
 * container started while we watch. Paths are built as rp_set_add() does. */
static void add_new_rings(struct tv_app *a, const char *dir, int depth)
{
	struct dirent **names;
	int n;

	if (depth > 4 || (n = scandir(dir, &names, NULL, alphasort)) < 0)
		return;
	for (int i = 0; i < n; i++) {
		const char *nm = names[i]->d_name;
		size_t len = strlen(nm), dl = strlen(dir);
		char *child;
		struct stat st;
		if (nm[0] == '.' || !(child = malloc(dl + len + 2))) {
			free(names[i]);
			continue;
		}
		snprintf(child, dl + len + 2, "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/", nm);
		if (stat(child, &st) == 0 && S_ISDIR(st.st_mode)) {
			add_new_rings(a, child, depth + 1);
		} else if (len > 5 && !strcmp(nm + len - 5, ".ring") && S_ISREG(st.st_mode)) {
			bool known = false;
			for (size_t r = 0; r < rp_set_nrings(a->set) && !known; r++)
				known = !strcmp(rp_set_ring(a->set, r)->path, child);
			if (!known && rp_set_add(a->set, child) > 0)
				set_msg(a, "a new ring appeared (a container started)");
		}
		free(child);
		free(names[i]);
	}
	free(names);
}

/* Ring files under dir (as add_new_rings() walks it), folded into *sig
 * with their modification times. */
static void live_sig(const char *dir, int depth, uint64_t *sig)
{
	struct dirent **names;
	int n;

	if (depth > 4 || (n = scandir(dir, &names, NULL, alphasort)) < 0)
		return;
	for (int i = 0; i < n; i++) {
		const char *nm = names[i]->d_name;
		size_t len = strlen(nm), dl = strlen(dir);
		char *child = nm[0] != '.' ? malloc(dl + len + 2) : NULL;
		struct stat st;
		if (child) {
			snprintf(child, dl + len + 2, "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/", nm);
			if (stat(child, &st) == 0 && S_ISDIR(st.st_mode))
				live_sig(child, depth + 1, sig);
			else if (len > 5 && !strcmp(nm + len - 5, ".ring") && S_ISREG(st.st_mode))
				*sig = (*sig ^ (uint64_t)st.st_mtim.tv_sec * 1000000000u ^
					(uint64_t)st.st_mtim.tv_nsec ^ st.st_ino) * 1099511628211u;
			free(child);
		}
		free(names[i]);
	}
	free(names);
}

void tv_app_refresh(struct tv_app *a)
{
	/* No scan may read a ring while its block list changes: the model
	 * check's neither (the refresh waits for it). */
	if (a->fs_running)
		return;
	/* Nothing written and no new ring since the last look: keep the
	 * counting pass and the timeline as they are. */
	if (a->follow) {
		uint64_t sig = 14695981039346656037u;
		live_sig(a->follow, 0, &sig);
		if (sig == a->live_sig)
			return;
		a->live_sig = sig;
	}
	bool at_end = a->tl.at_end && a->tl.n && a->tl.cur + page_of(a) >= a->tl.n;
	uint64_t t = a->tl.n ? a->tl.rows[a->tl.cur].time : 0;
	uint32_t dup = a->tl.n ? a->tl.rows[a->tl.cur].dup : 0;

	tm_tl_close(&a->tl);
	tm_stats_release(&a->st);
	for (size_t i = 0; i < rp_set_nrings(a->set); i++)
		fdr_reader_refresh(rp_set_ring(a->set, i)->reader);
	if (a->follow) {
		size_t before = rp_set_nrings(a->set);
		add_new_rings(a, a->follow, 0);
		if (rp_set_nrings(a->set) != before) {
			size_t n = rp_set_nrings(a->set) + 1;
			a->corder = realloc(a->corder, n * sizeof(*a->corder));
			a->ring_findings = realloc(a->ring_findings, n * sizeof(*a->ring_findings));
			if (!a->corder || !a->ring_findings)
				abort();
			memset(a->ring_findings + before, 0, (n - before) * sizeof(*a->ring_findings));
		}
	}
	uint64_t fp = set_fingerprint(a->set);
	a->tl.set = a->set;
	a->tl.sel = &a->sel;
	a->tl.marks = a->fs_ready ? &a->fs.marks : NULL;
	if (!a->tl_loaded)
		;
	else if (at_end)
		tm_tl_end(&a->tl, page_of(a));
	else
		tm_tl_seek_row(&a->tl, t, dup, page_of(a));
	restart_stats(a);
	if (fp != a->fingerprint) {
		a->fingerprint = fp;
		a->tree_built = false;
		if (a->view == TV_TREE)
			ensure_tree(a);
	}
}

/* ---- drawing ------------------------------------------------------------------ */

static int kind_color(unsigned k)
{
	if (k == FDR_PROC_UID)
		return TV_C_AUTH;
	if (k >= 1 && k <= 7)
		return TV_C_PROC;
	if (k >= 8 && k <= 15)
		return TV_C_FILE;
	if (k >= 16 && k <= 19)
		return TV_C_NET;
	if (k == 20 || k == 21)
		return TV_C_DNS;
	if (k == FDR_DOCKER)
		return TV_C_DOCKER;
	if (k >= 32 && k <= 36)
		return TV_C_AUTH;
	if (k >= 56)
		return TV_C_REC;
	return TV_C_DEFAULT;
}

static const char *hms(uint64_t ns, char *buf, bool ms)
{
	char t[RP_TIME_MAX];

	rp_time_format(ns, t);	/* 2024-05-01T12:00:00.000000001Z */
	snprintf(buf, 16, "%.*s", ms ? 12 : 8, t + 11);
	return buf;
}

/* How far the timeline's unfinished search has read. */
static unsigned tl_search_percent(const struct tm_tl *tl)
{
	uint64_t done = 0, total = 0;

	if (tl->sc)
		rp_scan_progress(tl->sc, &done, &total);
	return total ? (unsigned)(done * 100 / total) : 0;
}

static void draw_title(struct tv_app *a, struct tv_screen *s)
{
	int x = 0;

	tv_fill(s, 0, 0, s->w, TV_C_TITLE, TV_A_REV);
	x += tv_put(s, x, 0, TV_C_TITLE, TV_A_REV | TV_A_BOLD, " fdr-tui ", s->w);
	for (int v = 0; v < TV_NVIEWS; v++) {
		char lab[32];
		snprintf(lab, sizeof(lab), " %d %s ", v + 1, view_names[v]);
		if (v == (int)a->view)
			snprintf(lab, sizeof(lab), "[%d %s]", v + 1, view_names[v]);
		x += tv_put(s, x, 0, TV_C_TITLE, v == (int)a->view ? TV_A_BOLD : TV_A_REV, lab, s->w - x);
		x += tv_put(s, x, 0, TV_C_TITLE, TV_A_REV, " ", s->w - x) ? 0 : 0;
	}
}

/* The bottom bar's items for view v in a width of w: calls fn for each
 * with its binding and first column; returns the binding at column at (or
 * NULL), so drawing and clicking share one layout. */
static const struct binding *bar_layout(enum tv_view v, int w, int at,
					void (*fn)(void *ctx, const struct binding *b, int x), void *ctx)
{
	int x = 0;
	enum act seen[64];
	size_t ns = 0;

	for (size_t i = 0; i < NBIND; i++) {
		const struct binding *b = &tv_bindings[i];
		bool dup = false;
		if (!b->bar || !(b->views & V(v)))
			continue;
		for (size_t j = 0; j < ns; j++)
			dup |= seen[j] == b->act;
		if (dup || ns == 64)
			continue;
		seen[ns++] = b->act;
		int need = (int)strlen(b->name) + (int)strlen(b->bar) + 1;
		if (x + need > w)
			break;
		if (fn)
			fn(ctx, b, x);
		if (at >= x && at < x + need)
			return b;
		x += need;
	}
	return NULL;
}

static void bar_item(void *ctx, const struct binding *b, int x)
{
	struct tv_screen *s = ctx;

	x += tv_put(s, x, s->h - 1, TV_C_BAR, TV_A_BOLD, b->name, s->w - x);
	tv_put(s, x, s->h - 1, TV_C_BAR, TV_A_REV, b->bar, s->w - x);
}

static void draw_bar(struct tv_app *a, struct tv_screen *s)
{
	tv_fill(s, 0, s->h - 1, s->w, TV_C_BAR, TV_A_REV);
	bar_layout(a->view, s->w, -1, bar_item, s);
}

static void draw_status(struct tv_app *a, struct tv_screen *s)
{
	int y = s->h - 2;
	struct fdr_buf b = FDR_BUF_INIT;

	if (a->prompt != P_NONE) {
		static const char *const names[] = { "", "filter> ", "search> ", "time> ", "export FORMAT FILE> " };
		int x = tv_put(s, 0, y, TV_C_DEFAULT, TV_A_BOLD, names[a->prompt], s->w);
		tm_esc(&b, a->pbuf, a->plen);
		const char *p = b.p ? b.p : "";
		size_t len = strlen(p);
		int room = s->w - x - 1;
		if (room < 1)
			room = 1;
		x += tv_put(s, x, y, TV_C_DEFAULT, 0, len > (size_t)room ? p + len - (size_t)room : p, room);
		tv_put(s, x, y, TV_C_DEFAULT, TV_A_REV, " ", 1);
		fdr_buf_release(&b);
		return;
	}
	if (a->msg[0]) {
		tv_put(s, 0, y, TV_C_DEFAULT, TV_A_BOLD, a->msg, s->w);
		return;
	}
	if (a->sel.container) {
		fdr_buf_adds(&b, "container ");
		tm_esc(&b, a->sel.container, strlen(a->sel.container));
		fdr_buf_adds(&b, "  ");
	}
	if (a->sel.expr) {
		fdr_buf_adds(&b, "filter: ");
		tm_esc(&b, a->sel.expr, strlen(a->sel.expr));
		fdr_buf_adds(&b, "  ");
	}
	if (!a->st.done)
		fdr_buf_addf(&b, "counting %u%%  ", tm_stats_percent(&a->st));
	else
		fdr_buf_addf(&b, "%" PRIu64 " events selected  ", a->st.matched);
	if (a->tl_loaded && a->tl.busy)
		fdr_buf_addf(&b, "searching %u%%  ", tl_search_percent(&a->tl));
	if (a->fs_running)
		fdr_buf_addf(&b, "checking model %u%%  ", tm_findings_percent(a->fs_pending));
	if (a->follow)
		fdr_buf_adds(&b, rp_set_nrings(a->set) ? "following  " : "waiting for rings  ");
	tv_put(s, 0, y, TV_C_DEFAULT, 0, b.p ? b.p : "", s->w);
	fdr_buf_release(&b);
}

static void frame_list(size_t cur, size_t *top, size_t h)
{
	if (cur < *top)
		*top = cur;
	if (cur >= *top + h)
		*top = cur - h + 1;
}

static void kinds_summary(const struct tm_ringstat *rs, char *buf, size_t size)
{
	static const struct { const char *l; unsigned lo, hi; } g[] = {
		{ "p", 1, 7 }, { "f", 8, 15 }, { "n", 16, 19 }, { "d", 20, 21 }, { "D", 24, 24 },
		{ "a", 32, 36 },
	};
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(g) / sizeof(g[0]) && o < size; i++) {
		uint64_t n = 0;
		for (unsigned k = g[i].lo; k <= g[i].hi; k++)
			n += rs->kinds[k];
		if (!n)
			continue;
		char num[16];
		if (n < 10000)
			snprintf(num, sizeof(num), "%" PRIu64, n);
		else if (n < 10000000)
			snprintf(num, sizeof(num), "%" PRIu64 "k", n / 1000);
		else
			snprintf(num, sizeof(num), "%" PRIu64 "M", n / 1000000);
		int w = snprintf(buf + o, size - o, "%s%s%s", o ? " " : "", g[i].l, num);
		if (w < 0 || (size_t)w >= size - o)
			break;
		o += (size_t)w;
	}
}

static void draw_containers(struct tv_app *a, struct tv_screen *s)
{
	int h = s->h - 4, w = s->w;
	char line[512];
	int wn = w >= 100 ? 18 : 12, wi = w >= 100 ? 22 : 10;
	int wk = w - wn - wi - 42;

	if (wk < 4)
		wk = 4;
	snprintf(line, sizeof(line), " %-*s %-*s %-18s %8s %-*s %4s %4s", wn, "CONTAINER", wi, "IMAGE",
		 "LIFE SPAN (UTC)", "EVENTS", wk, "KINDS p/f/n/d/D/a", "GAPS", "FIND");
	tv_put(s, 0, 1, TV_C_DEFAULT, TV_A_UL | TV_A_BOLD, line, w);
	frame_list(a->c_cur, &a->c_top, (size_t)(h > 0 ? h : 1));
	for (int i = 0; i < h && a->c_top + (size_t)i < a->nc; i++) {
		size_t idx = a->c_top + (size_t)i;
		const struct rp_ring *r = rp_set_ring(a->set, a->corder[idx]);
		const struct tm_ringstat *rs = &a->st.ring[r->index];
		struct fdr_buf nb = FDR_BUF_INIT, ib = FDR_BUF_INIT;
		char lbl[64], t1[16], t2[16], kinds[128], span[40];
		const char *c = rp_container_label(r, lbl, sizeof(lbl));
		uint64_t ev = 0, f0 = UINT64_MAX, l0 = 0;
		for (size_t b = 0; b < fdr_reader_nblocks(r->reader); b++) {
			const struct fdr_block_info *bi = fdr_reader_block(r->reader, b);
			ev += bi->events;
			f0 = bi->first_ns < f0 ? bi->first_ns : f0;
			l0 = bi->last_ns > l0 ? bi->last_ns : l0;
		}
		/* The container's own life when the recorder knew it, else its events'. */
		uint64_t from = r->meta->started_ns ? r->meta->started_ns : f0;
		uint64_t to = r->meta->ended_ns ? r->meta->ended_ns : l0;
		if (f0 == UINT64_MAX)
			snprintf(span, sizeof(span), "(empty)");
		else
			snprintf(span, sizeof(span), "%s-%s%s", hms(from, t1, false), hms(to, t2, false),
				 r->meta->ended_ns ? "" : "+");
		if (rp_set_nhosts(a->set) > 1) {	/* several hosts: say which */
			tm_esc(&nb, r->host, strlen(r->host));
			fdr_buf_addc(&nb, '/');
		}
		tm_esc(&nb, c, strlen(c));
		tm_esc(&ib, r->image, strlen(r->image));
		if (a->st.done)
			kinds_summary(rs, kinds, sizeof(kinds));
		else
			snprintf(kinds, sizeof(kinds), "counting...");
		uint64_t shown = a->st.done && (a->sel.expr || a->sel.kinds || a->sel.base_expr) ? rs->matched : ev;
		snprintf(line, sizeof(line), "%-*.*s %-*.*s %-18s %8" PRIu64 " %-*.*s %4" PRIu64 " %4" PRIu64, wn, wn,
			 nb.p, wi, wi, *r->image ? ib.p : "-", span, shown, wk, wk, kinds, rs->gaps,
			 a->ring_findings[r->index]);
		fdr_buf_release(&nb);
		fdr_buf_release(&ib);
		bool cur = idx == a->c_cur;
		int color = a->ring_findings[r->index] ? TV_C_FIND : TV_C_DEFAULT;
		if (cur)
			tv_fill(s, 0, 2 + i, w, color, TV_A_REV);
		tv_put(s, 0, 2 + i, color, cur ? TV_A_REV | TV_A_BOLD : 0, cur ? ">" : " ", 1);
		tv_put(s, 1, 2 + i, color, cur ? TV_A_REV : 0, line, w - 1);
	}
	if (!a->nc && a->follow && !rp_set_nrings(a->set)) {
		struct fdr_buf b = FDR_BUF_INIT;
		fdr_buf_adds(&b, "waiting for rings in ");
		tm_esc(&b, a->follow, strlen(a->follow));
		fdr_buf_adds(&b, " (the recorder has written none yet; looking every second)");
		tv_put(s, 0, 2, TV_C_DEFAULT, TV_A_BOLD, b.p, w);
		fdr_buf_release(&b);
	} else if (!a->nc) {
		tv_put(s, 0, 2, TV_C_DEFAULT, 0, "no rings selected", w);
	}
}

static void draw_timeline(struct tv_app *a, struct tv_screen *s)
{
	int h = s->h - 4, w = s->w;
	struct tm_tl *tl = &a->tl;
	char head[256], t[16], date[RP_TIME_MAX];

	tm_tl_frame(tl, (size_t)(h > 0 ? h : 1));
	snprintf(head, sizeof(head), "  %-12s %-12s %-13s %s", "TIME", "CONTAINER", "KIND", "DETAILS");
	tv_put(s, 0, 1, TV_C_DEFAULT, TV_A_UL | TV_A_BOLD, head, w);
	if (tl->n) {
		snprintf(head, sizeof(head), " %.10s %3u%%", rp_time_format(tl->rows[tl->cur].time, date),
			 tm_tl_permille(tl) / 10);
		int l = (int)strlen(head);
		if (w > l + 40)
			tv_put(s, w - l, 1, TV_C_DEFAULT, TV_A_BOLD, head, l);
	}
	for (int i = 0; i < h && tl->top + (size_t)i < tl->n; i++) {
		size_t idx = tl->top + (size_t)i;
		const struct tm_row *r = &tl->rows[idx];
		bool cur = idx == tl->cur;
		int attr = cur ? TV_A_REV : 0;
		const char *mk = r->marks & TM_ROW_FINDING ? "!" : r->marks & TM_ROW_GAP ? "~" :
				 r->evflags & FDR_EVF_UNCERTAIN ? "?" : " ";
		if (cur)
			tv_fill(s, 0, 2 + i, w, TV_C_DEFAULT, TV_A_REV);
		int x = tv_put(s, 0, 2 + i, TV_C_DEFAULT, attr | TV_A_BOLD, cur ? ">" : " ", 1);
		x += tv_put(s, x, 2 + i, TV_C_FIND, attr | (r->marks ? TV_A_BOLD : 0), mk, 1);
		x += tv_put(s, x, 2 + i, TV_C_DEFAULT, attr, hms(r->time, t, true), w - x);
		x += tv_put(s, x, 2 + i, TV_C_DEFAULT, attr, " ", 1);
		tv_put(s, x, 2 + i, kind_color(r->kind), attr | (r->marks & TM_ROW_FINDING ? TV_A_BOLD : 0), r->text,
		       w - x);
	}
	if (!tl->n && tl->busy) {
		char m[96];
		snprintf(m, sizeof(m), "searching... %u%% (keys work meanwhile)", tl_search_percent(tl));
		tv_put(s, 0, 2, TV_C_DEFAULT, TV_A_BOLD, m, w);
	} else if (!tl->n) {
		tv_put(s, 0, 2, TV_C_DEFAULT, 0,
		       a->sel.error[0] ? a->sel.error : "no events match (F clears the filter)", w);
	}
}

static void draw_tree(struct tv_app *a, struct tv_screen *s)
{
	int h = s->h - 4, w = s->w;
	struct tm_tree *tt = &a->tree;

	tv_put(s, 0, 1, TV_C_DEFAULT, TV_A_UL | TV_A_BOLD, " START    STATUS    PROCESS (pid argv)", w);
	if (!tt->t && tt->sc) {
		char m[64];
		snprintf(m, sizeof(m), "building the process tree... %u%%", tm_tree_percent(tt));
		tv_put(s, 0, 2, TV_C_DEFAULT, 0, m, w);
		return;
	}
	if (!tt->t || !tt->n) {
		tv_put(s, 0, 2, TV_C_DEFAULT, 0, "no processes in the selection", w);
		return;
	}
	frame_list(a->tree_cur, &a->tree_top, (size_t)(h > 0 ? h : 1));
	for (int i = 0; i < h && a->tree_top + (size_t)i < tt->n; i++) {
		size_t idx = a->tree_top + (size_t)i;
		const struct tm_trow *row = &tt->rows[idx];
		const struct rp_proc *p = rp_tree_proc(tt->t, row->proc);
		struct fdr_buf b = FDR_BUF_INIT;
		char t[16], st[16];
		bool kids = p->first_child != RP_NONE || p->link_first != RP_NONE;
		if (p->has_signal)
			snprintf(st, sizeof(st), "sig %" PRIu64, p->signal);
		else if (p->has_exit_code)
			snprintf(st, sizeof(st), "exit %" PRId64, p->exit_code);
		else
			snprintf(st, sizeof(st), "%s", p->running_at_end ? "running" : "?");
		fdr_buf_addf(&b, "%s %-9.9s ", p->started_before ? "(before)" : hms(p->start_ns, t, false), st);
		for (unsigned d = 0; d < row->depth && d < 20; d++)
			fdr_buf_adds(&b, "  ");
		fdr_buf_adds(&b, kids ? (tt->collapsed[row->proc] ? "[+] " : "[-] ") : "    ");
		if (row->linked)
			fdr_buf_adds(&b, "=> ");
		fdr_buf_addf(&b, "%" PRIu64 " ", p->pid);
		if (p->argc) {
			for (uint32_t k = 0; k < p->argc && b.len < 600; k++) {
				if (k)
					fdr_buf_addc(&b, ' ');
				tm_esc(&b, p->argv[k], strlen(p->argv[k]));
			}
		} else if (p->exe) {
			tm_esc(&b, p->exe, strlen(p->exe));
		} else if (p->comm) {
			fdr_buf_addc(&b, '[');
			tm_esc(&b, p->comm, strlen(p->comm));
			fdr_buf_addc(&b, ']');
		}
		if (row->depth == 0) {
			char lbl[64];
			const char *c = rp_container_label(p->ring, lbl, sizeof(lbl));
			fdr_buf_adds(&b, "  @");
			tm_esc(&b, c, strlen(c));
		}
		bool cur = idx == a->tree_cur;
		if (cur)
			tv_fill(s, 0, 2 + i, w, TV_C_DEFAULT, TV_A_REV);
		tv_put(s, 0, 2 + i, TV_C_PROC, cur ? TV_A_REV | TV_A_BOLD : 0, cur ? ">" : " ", 1);
		tv_put(s, 1, 2 + i, p->uncertain ? TV_C_REC : TV_C_PROC, cur ? TV_A_REV : 0, b.p, w - 1);
		fdr_buf_release(&b);
	}
}

static void draw_findings(struct tv_app *a, struct tv_screen *s)
{
	int h = s->h - 4, w = s->w;

	tv_put(s, 0, 1, TV_C_DEFAULT, TV_A_UL | TV_A_BOLD, " SEV      RULE          TIME     CONTAINER     WHY", w);
	if (!a->has_model) {
		tv_put(s, 0, 2, TV_C_DEFAULT, 0, "no model: start fdr-tui with --model MODEL to see findings", w);
		return;
	}
	if (!a->fs_ready) {
		char m[96];
		snprintf(m, sizeof(m), "checking the events against the model... %u%%",
			 a->fs_pending ? tm_findings_percent(a->fs_pending) : 0);
		tv_put(s, 0, 2, TV_C_DEFAULT, TV_A_BOLD, a->fs_running ? m : "the model check failed", w);
		return;
	}
	if (!a->fs.n) {
		tv_put(s, 0, 2, TV_C_DEFAULT, 0, "no findings: everything matches the model", w);
		return;
	}
	frame_list(a->f_cur, &a->f_top, (size_t)(h > 0 ? h : 1));
	for (int i = 0; i < h && a->f_top + (size_t)i < a->fs.n; i++) {
		size_t idx = a->f_top + (size_t)i;
		const struct md_finding *f = tm_findings_get(&a->fs, idx);
		const struct rp_ring *r = rp_set_ring(a->set, tm_findings_ring(&a->fs, f));
		struct fdr_buf b = FDR_BUF_INIT;
		char t[16], lbl[64];
		const char *c = rp_container_label(r, lbl, sizeof(lbl));
		fdr_buf_addf(&b, "%-8s %-13.13s %s ", md_sev_name(f->sev), md_rule_name(f->rule), hms(f->first_ns, t, false));
		size_t l0 = b.len;
		tm_esc(&b, c, strlen(c));
		if (b.len - l0 > 12)
			b.len = l0 + 12;
		while (b.len - l0 < 12)
			fdr_buf_addc(&b, ' ');
		fdr_buf_adds(&b, f->uncertain ? " ?" : "  ");
		tm_esc(&b, f->reason, strlen(f->reason));
		if (f->count > 1)
			fdr_buf_addf(&b, " (x%" PRIu64 ")", f->count);
		bool cur = idx == a->f_cur;
		int color = f->sev >= MD_SEV_HIGH ? TV_C_FIND : TV_C_DEFAULT;
		if (cur)
			tv_fill(s, 0, 2 + i, w, color, TV_A_REV);
		tv_put(s, 0, 2 + i, color, cur ? TV_A_REV | TV_A_BOLD : 0, cur ? ">" : " ", 1);
		tv_put(s, 1, 2 + i, color, (cur ? TV_A_REV : 0) | (f->sev >= MD_SEV_HIGH ? TV_A_BOLD : 0), b.p, w - 1);
		fdr_buf_release(&b);
	}
}

static void draw_hist(struct tv_app *a, struct tv_screen *s)
{
	int w = s->w, h = s->h - 6;
	int bins = w - 2 > 1 ? w - 2 : 1;
	uint64_t *v = calloc((size_t)bins, sizeof(*v)), max = 0;
	char t1[RP_TIME_MAX], t2[RP_TIME_MAX], line[256];

	if (!v)
		abort();
	if (bins > TM_HIST_BINS)
		bins = TM_HIST_BINS;
	tm_hist_fold(&a->st, v, (size_t)bins);
	for (int i = 0; i < bins; i++)
		max = v[i] > max ? v[i] : max;
	if (a->h_cur >= bins)
		a->h_cur = bins - 1;
	uint64_t span = a->st.h_last - a->st.h_first;
	uint64_t b0 = a->st.h_first + (uint64_t)((double)span * a->h_cur / bins);
	uint64_t b1 = a->st.h_first + (uint64_t)((double)span * (a->h_cur + 1) / bins);
	snprintf(line, sizeof(line), "bin %.8s-%.8s: %" PRIu64 " events%s (h/l move, Enter: go there)",
		 rp_time_format(b0, t1) + 11, rp_time_format(b1, t2) + 11, v[a->h_cur],
		 a->st.done ? "" : ", estimated from block headers");
	tv_put(s, 0, 1, TV_C_DEFAULT, TV_A_BOLD, line, w);
	for (int i = 0; i < bins && h > 0; i++) {
		int bar = max ? (int)((double)v[i] * h / (double)max + (v[i] ? 0.999 : 0)) : 0;
		for (int y = 0; y < h; y++) {
			bool on = y >= h - bar;
			bool cur = i == a->h_cur;
			tv_put(s, 1 + i, 2 + y, cur ? TV_C_FIND : TV_C_NET, cur ? TV_A_REV : 0,
			       on ? "#" : cur ? "|" : " ", 1);
		}
	}
	if (h > 0) {
		snprintf(line, sizeof(line), "%s", rp_time_format(a->st.h_first, t1));
		tv_put(s, 1, 2 + h, TV_C_DEFAULT, 0, line, w);
		snprintf(line, sizeof(line), "%s", rp_time_format(a->st.h_last, t2));
		int l = (int)strlen(line);
		if (w - l - 1 > 32)
			tv_put(s, w - l - 1, 2 + h, TV_C_DEFAULT, 0, line, l);
		snprintf(line, sizeof(line), "peak %" PRIu64 " events per bin of %.3f s", max, (double)span / bins / 1e9);
		tv_put(s, 1, 3 + h, TV_C_DEFAULT, 0, line, w);
	}
	free(v);
}

static void draw_overlay(struct tv_app *a, struct tv_screen *s)
{
	int h = s->h - 3, w = s->w;
	char title[128];
	const char *p = a->ov.p ? a->ov.p : "";
	size_t line = 0;
	int y = 2;

	for (int i = 1; i < s->h - 2; i++)
		for (int x = 0; x < w; x++)
			tv_put(s, x, i, TV_C_DEFAULT, 0, " ", 1);
	snprintf(title, sizeof(title), "== %s == (q/Esc closes, j/k scroll)", a->ov_title);
	tv_put(s, 0, 1, TV_C_TITLE, TV_A_BOLD | TV_A_REV, title, w);
	tv_fill(s, 0, 1, w, TV_C_TITLE, TV_A_BOLD | TV_A_REV);
	while (*p && y < h + 1) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (line >= a->ov_top) {
			/* wrap long lines (the text is escaped: ASCII or whole UTF-8) */
			size_t off = 0;
			do {
				char chunk[1024];
				size_t take = len - off > (size_t)w ? (size_t)w : len - off;
				if (take > sizeof(chunk) - 1)
					take = sizeof(chunk) - 1;
				while (take && off + take < len && ((unsigned char)p[off + take] & 0xc0) == 0x80)
					take--;
				memcpy(chunk, p + off, take);
				chunk[take] = '\0';
				tv_put(s, 0, y++, TV_C_DEFAULT, 0, chunk, w);
				off += take ? take : len - off;
			} while (off < len && y < h + 1);
		}
		line++;
		p += len + (nl ? 1 : 0);
	}
}

void tv_app_draw(struct tv_app *a, struct tv_screen *s)
{
	a->w = s->w;
	a->h = s->h;
	tv_screen_clear(s);
	draw_title(a, s);
	switch (a->view) {
	case TV_CONTAINERS: draw_containers(a, s); break;
	case TV_TIMELINE: ensure_tl(a); draw_timeline(a, s); break;
	case TV_TREE: draw_tree(a, s); break;
	case TV_FINDINGS: draw_findings(a, s); break;
	case TV_HIST: draw_hist(a, s); break;
	default: break;
	}
	if (a->ov_on)
		draw_overlay(a, s);
	draw_status(a, s);
	draw_bar(a, s);
	if (!a->color)
		for (int i = 0; i < s->w * s->h; i++)
			s->c[i].color = 0;
}
