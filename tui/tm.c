/* SPDX-License-Identifier: Apache-2.0 */
/* tm: the TUI's model (tui/tm.h). No curses here. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay/rp-output.h"
#include "replay/rp-session.h"
#include "replay/rp-time.h"
#include "tui/tm.h"

static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz ? sz : 1);

	if (!p)
		abort();
	return p;
}

static char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		abort();
	return p;
}

/* ---- selection ---------------------------------------------------------- */

void tm_str_set(char **slot, const char *s)
{
	free(*slot);
	*slot = s && *s ? xstrdup(s) : NULL;
}

void tm_sel_release(struct tm_sel *s)
{
	free(s->kinds);
	free(s->host);
	free(s->image);
	free(s->base_expr);
	free(s->container);
	free(s->expr);
	s->kinds = s->host = s->image = s->base_expr = s->container = s->expr = NULL;
}

void tm_sel_copy(struct tm_sel *dst, const struct tm_sel *src)
{
	struct tm_sel d = TM_SEL_INIT;

	tm_str_set(&d.kinds, src->kinds);
	tm_str_set(&d.host, src->host);
	tm_str_set(&d.image, src->image);
	tm_str_set(&d.base_expr, src->base_expr);
	tm_str_set(&d.container, src->container);
	tm_str_set(&d.expr, src->expr);
	d.since = src->since;
	d.until = src->until;
	d.threads = src->threads;
	*dst = d;
}

static void sel_error(struct tm_sel *s, const char *what, const char *text, const struct rp_error *e)
{
	struct fdr_buf b = FDR_BUF_INIT;

	fdr_buf_addf(&b, "bad %s", what);
	if (e->col)
		fdr_buf_addf(&b, " at column %zu", e->col);
	fdr_buf_adds(&b, ": ");
	tm_esc(&b, e->msg, strlen(e->msg));
	fdr_buf_adds(&b, " in ");
	tm_esc(&b, text, strlen(text));
	snprintf(s->error, sizeof(s->error), "%s", b.p);
	fdr_buf_release(&b);
}

int tm_sel_filter(struct tm_sel *s, uint64_t from, uint64_t to, bool with_expr, struct rp_filter **out)
{
	struct rp_error e = RP_ERROR_INIT;
	struct rp_filter *f;
	int err;

	s->error[0] = '\0';
	if ((err = rp_filter_new(&f)) < 0)
		return err;
	if (from < s->since)
		from = s->since;
	if (to > s->until)
		to = s->until;
	if (from)
		rp_filter_set_since(f, from);
	if (to != UINT64_MAX)
		rp_filter_set_until(f, to);
	if (s->host)
		rp_filter_add_host(f, s->host);
	if (s->image)
		rp_filter_add_image(f, s->image);
	if (s->container)
		rp_filter_add_container(f, s->container);
	if (with_expr && s->kinds && rp_filter_add_kinds(f, s->kinds, &e) < 0) {
		sel_error(s, "kinds", s->kinds, &e);
		goto out_bad;
	}
	if (with_expr && s->base_expr && rp_filter_add_expr(f, s->base_expr, &e) < 0) {
		sel_error(s, "expression", s->base_expr, &e);
		goto out_bad;
	}
	if (with_expr && s->expr && rp_filter_add_expr(f, s->expr, &e) < 0) {
		sel_error(s, "filter", s->expr, &e);
		goto out_bad;
	}
	*out = f;
	return 0;
out_bad:
	rp_filter_free(f);
	return -EINVAL;
}

int tm_sel_check_expr(struct tm_sel *s, const char *expr)
{
	struct rp_error e = RP_ERROR_INIT;
	struct rp_filter *f;
	int err;

	s->error[0] = '\0';
	if (!expr || !*expr)
		return 0;
	if ((err = rp_filter_new(&f)) < 0)
		return err;
	err = rp_filter_add_expr(f, expr, &e);
	if (err < 0)
		sel_error(s, "filter", expr, &e);
	rp_filter_free(f);
	return err < 0 ? -EINVAL : 0;
}

/* Rings the selection can read events of (ring-level parts only). */
static bool ring_in_sel(struct tm_sel *s, const struct rp_ring *r)
{
	struct rp_filter *f;
	bool ok;

	if (tm_sel_filter(s, 0, UINT64_MAX, false, &f) < 0)
		return true;
	ok = rp_filter_ring(f, r);
	rp_filter_free(f);
	return ok;
}

static void sel_blocks(struct rp_set *set, const struct tm_sel *s, uint64_t *first, uint64_t *last,
		       uint64_t *events)
{
	struct tm_sel *ms = (struct tm_sel *)s;	/* the filter build only writes error */

	*first = UINT64_MAX;
	*last = 0;
	*events = 0;
	for (size_t i = 0; i < rp_set_nrings(set); i++) {
		const struct rp_ring *r = rp_set_ring(set, i);
		if (!ring_in_sel(ms, r))
			continue;
		for (size_t b = 0; b < fdr_reader_nblocks(r->reader); b++) {
			const struct fdr_block_info *bi = fdr_reader_block(r->reader, b);
			if (bi->first_ns < *first)
				*first = bi->first_ns;
			if (bi->last_ns > *last)
				*last = bi->last_ns;
			*events += bi->events;
		}
	}
	if (*first == UINT64_MAX)
		*first = *last = 0;
}

void tm_set_range(struct rp_set *set, const struct tm_sel *s, uint64_t *first, uint64_t *last)
{
	uint64_t ev;

	sel_blocks(set, s, first, last, &ev);
}

/* ---- marks ---------------------------------------------------------------- */

static uint64_t mark_key(uint64_t t, unsigned ring)
{
	return t * 1000003u + ring;
}

void tm_marks_add(struct tm_marks *m, uint64_t time_ns, unsigned ring)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 64;
		m->keys = realloc(m->keys, m->cap * sizeof(*m->keys));
		if (!m->keys)
			abort();
	}
	m->keys[m->n++] = mark_key(time_ns, ring);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void tm_marks_sort(struct tm_marks *m)
{
	if (m->n)
		qsort(m->keys, m->n, sizeof(*m->keys), cmp_u64);
}

bool tm_marks_has(const struct tm_marks *m, uint64_t time_ns, unsigned ring)
{
	uint64_t k = mark_key(time_ns, ring);

	return m && m->n && bsearch(&k, m->keys, m->n, sizeof(k), cmp_u64);
}

void tm_marks_release(struct tm_marks *m)
{
	free(m->keys);
	m->keys = NULL;
	m->n = m->cap = 0;
}

/* ---- timeline ------------------------------------------------------------- */

static void row_fill(struct tm_tl *tl, struct tm_row *row, const struct rp_item *it, uint32_t dup)
{
	struct fdr_buf b = FDR_BUF_INIT;
	char lbl[64], kb[64];
	const char *c = rp_container_label(it->ring, lbl, sizeof(lbl));
	const char *k = rp_kind_name(it->ev, kb, sizeof(kb));
	size_t l0;

	row->time = it->ev->time_ns;
	row->dup = dup;
	row->ring = it->ring->index;
	row->kind = it->ev->kind;
	row->evflags = it->ev->flags;
	row->pid = fdr_event_u(it->ev, FDR_F_PID, 0);
	row->marks = 0;
	if (it->ev->kind == FDR_REC_GAP || it->ev->kind == FDR_REC_WRAP)
		row->marks |= TM_ROW_GAP;
	if (tm_marks_has(tl->marks, row->time, row->ring))
		row->marks |= TM_ROW_FINDING;
	l0 = b.len;
	tm_esc(&b, c, strlen(c));
	if (b.len - l0 > 12) {	/* the column's width, at a character boundary */
		size_t cut = l0 + 12;
		while (cut > l0 && ((unsigned char)b.p[cut] & 0xc0) == 0x80)
			cut--;
		b.len = cut;
		b.p[cut] = '\0';
	}
	while (b.len - l0 < 12)
		fdr_buf_addc(&b, ' ');
	fdr_buf_addc(&b, ' ');
	l0 = b.len;
	tm_esc(&b, k, strlen(k));
	while (b.len - l0 < 13)
		fdr_buf_addc(&b, ' ');
	fdr_buf_addc(&b, ' ');
	rp_out_details(&b, it->ev);
	if (!b.p)
		fdr_buf_adds(&b, "");
	row->text = fdr_buf_detach(&b, NULL);
}

static void rows_free(struct tm_row *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(r[i].text);
}

static void scan_close(struct tm_tl *tl)
{
	rp_scan_free(tl->sc);
	rp_filter_free(tl->scf);
	tl->sc = NULL;
	tl->scf = NULL;
}

static int scan_open(struct tm_tl *tl, uint64_t from, uint64_t to, struct rp_scan **sc, struct rp_filter **f)
{
	struct rp_scan_opts so = RP_SCAN_OPTS_INIT;
	int err;

	if ((err = tm_sel_filter(tl->sel, from, to, true, f)) < 0)
		return err;
	so.filter = *f;
	so.threads = tl->sel->threads;
	err = rp_scan_new(tl->set, &so, sc);
	if (err < 0) {
		rp_filter_free(*f);
		*f = NULL;
		return err;
	}
	tl->scans++;
	return 0;
}

static void tl_clear(struct tm_tl *tl)
{
	scan_close(tl);
	tl->busy = false;
	tl->want = 0;
	tl->seek_from = 0;
	rows_free(tl->rows, tl->n);
	tl->n = tl->cur = tl->top = 0;
	tl->at_start = tl->at_end = false;
}

/* Drop rows so the window keeps at most TM_TL_CAP, far from the cursor. */
static void tl_trim(struct tm_tl *tl)
{
	if (tl->n <= TM_TL_CAP)
		return;
	size_t extra = tl->n - TM_TL_CAP;
	if (tl->cur >= tl->n / 2) {	/* drop from the front */
		rows_free(tl->rows, extra);
		memmove(tl->rows, tl->rows + extra, (tl->n - extra) * sizeof(*tl->rows));
		tl->n -= extra;
		tl->cur -= extra;
		tl->top = tl->top >= extra ? tl->top - extra : 0;
		tl->at_start = false;
	} else {		/* drop from the back: the forward scan no longer follows */
		rows_free(tl->rows + tl->n - extra, extra);
		tl->n -= extra;
		tl->at_end = false;
		tl->busy = false;
		scan_close(tl);
	}
}

/* Append up to k rows after the last one. */
static int tl_extend_down(struct tm_tl *tl, size_t k)
{
	struct rp_item it;
	uint64_t deadline = tl->budget_ns ? rp_time_now() + tl->budget_ns : 0;
	int err = 0;

	if (tl->at_end)
		return 0;
	if (!tl->sc) {
		uint64_t from = tl->n ? tl->rows[tl->n - 1].time : 0;
		if ((err = scan_open(tl, from, UINT64_MAX, &tl->sc, &tl->scf)) < 0)
			return err;
		tl->sc_time = UINT64_MAX;
		tl->sc_dup = 0;
		tl->rows = realloc(tl->rows, (tl->n + k + 1) * sizeof(*tl->rows));
		if (!tl->rows)
			abort();
		if (tl->n) {	/* skip to just after the last row */
			const struct tm_row *last = &tl->rows[tl->n - 1];
			for (;;) {
				if ((err = rp_scan_next(tl->sc, &it)) <= 0)
					break;
				uint64_t t = it.ev->time_ns;
				tl->sc_dup = t == tl->sc_time ? tl->sc_dup + 1 : 0;
				tl->sc_time = t;
				if (t > last->time || tl->sc_dup > last->dup) {
					/* the first new one: keep it */
					struct tm_row *r = &tl->rows[tl->n];
					row_fill(tl, r, &it, tl->sc_dup);
					tl->n++;
					k = k ? k - 1 : 0;
					break;
				}
			}
			if (err <= 0) {
				if (err == 0)
					tl->at_end = true;
				scan_close(tl);
				return err;
			}
		}
	}
	tl->rows = realloc(tl->rows, (tl->n + k + 1) * sizeof(*tl->rows));
	if (!tl->rows)
		abort();
	tl->busy = false;
	tl->want = 0;
	for (;;) {
		if (k == 0)
			break;
		/* With a budget, a few blocks at a time and a look at the clock. */
		err = tl->budget_ns ? rp_scan_step(tl->sc, &it, 8) : rp_scan_next(tl->sc, &it);
		if (err == -EAGAIN) {
			if (rp_time_now() < deadline)
				continue;
			tl->busy = true;	/* the scan stays open: tm_tl_more() */
			tl->want = k;
			return 0;
		}
		if (err <= 0)
			break;
		uint64_t t = it.ev->time_ns;
		tl->sc_dup = t == tl->sc_time ? tl->sc_dup + 1 : 0;
		tl->sc_time = t;
		row_fill(tl, &tl->rows[tl->n++], &it, tl->sc_dup);
		k--;
	}
	if (err == 0 && k > 0) {
		tl->at_end = true;
		scan_close(tl);
	}
	return err < 0 ? err : 0;
}

int tm_tl_more(struct tm_tl *tl, uint64_t budget_ns)
{
	uint64_t saved = tl->budget_ns;
	int err;

	if (!tl->busy)
		return 1;
	tl->budget_ns = budget_ns;
	err = tl_extend_down(tl, tl->want);
	tl->budget_ns = saved;
	if (err < 0)
		return err;
	if (tl->busy)
		return 0;
	if (!tl->n && tl->seek_from > tl->first_ns)	/* nothing from there on */
		return (err = tm_tl_end(tl, 64)) < 0 ? err : 1;
	return 1;
}

/* Collect up to k rows before (tb, db) (all when tb is UINT64_MAX) into a
 * new array, in order; *at_start when nothing precedes them. */
static int collect_before(struct tm_tl *tl, uint64_t tb, uint32_t db, size_t k, struct tm_row **out,
			  size_t *nout, bool *at_start)
{
	uint64_t lo = tl->first_ns > tl->sel->since ? tl->first_ns : tl->sel->since;
	uint64_t hi = tb == UINT64_MAX ? tl->last_ns : tb;
	uint64_t span = tl->last_ns > tl->first_ns ? tl->last_ns - tl->first_ns : 1;
	double rate = tl->total ? (double)tl->total / (double)span : 1e-9;	/* events per ns */
	double d = (double)(k * 2 + 16) / (rate > 0 ? rate : 1e-9);
	struct tm_row *ring = xcalloc(k, sizeof(*ring));
	size_t got = 0, head = 0;
	int err = 0;

	*at_start = false;
	if (hi < lo)
		hi = lo;
	for (;;) {
		uint64_t delta = d > 1.8e19 ? UINT64_MAX : (uint64_t)d + 1;
		uint64_t from = hi - lo > delta ? hi - delta : lo;
		struct rp_scan *sc;
		struct rp_filter *f;
		struct rp_item it;
		uint64_t pt = UINT64_MAX, seen = 0;
		uint32_t dup = 0;

		rows_free(ring, got);
		got = head = 0;
		if ((err = scan_open(tl, from, tb == UINT64_MAX ? UINT64_MAX : hi, &sc, &f)) < 0)
			break;
		while ((err = rp_scan_next(sc, &it)) > 0) {
			uint64_t t = it.ev->time_ns;
			dup = t == pt ? dup + 1 : 0;
			pt = t;
			if (tb != UINT64_MAX && (t > tb || (t == tb && dup >= db)))
				break;
			seen++;
			struct tm_row *slot = &ring[(head + got) % k];
			if (got == k) {
				free(ring[head].text);
				slot = &ring[head];
				head = (head + 1) % k;
			} else {
				got++;
			}
			row_fill(tl, slot, &it, dup);
		}
		rp_scan_free(sc);
		rp_filter_free(f);
		if (err < 0)
			break;
		if (seen >= k || from <= lo) {
			*at_start = from <= lo && seen <= k;
			break;
		}
		d = seen ? d * ((double)k * 2.0 / (double)seen) : d * 16;
	}
	if (err < 0) {
		rows_free(ring, got);
		free(ring);
		return err;
	}
	struct tm_row *o = xcalloc(got, sizeof(*o));
	for (size_t i = 0; i < got; i++)
		o[i] = ring[(head + i) % k];
	free(ring);
	*out = o;
	*nout = got;
	return 0;
}

static int tl_extend_up(struct tm_tl *tl, size_t k)
{
	struct tm_row *pre;
	size_t np;
	bool st;
	int err;

	if (tl->at_start || !tl->n)
		return 0;
	err = collect_before(tl, tl->rows[0].time, tl->rows[0].dup, k, &pre, &np, &st);
	if (err < 0)
		return err;
	tl->rows = realloc(tl->rows, (tl->n + np + 1) * sizeof(*tl->rows));
	if (!tl->rows)
		abort();
	memmove(tl->rows + np, tl->rows, tl->n * sizeof(*tl->rows));
	memcpy(tl->rows, pre, np * sizeof(*pre));
	free(pre);
	tl->n += np;
	tl->cur += np;
	tl->top += np;
	tl->at_start = st || np < k;
	return 0;
}

int tm_tl_open(struct tm_tl *tl, struct rp_set *set, struct tm_sel *sel, const struct tm_marks *marks)
{
	memset(tl, 0, sizeof(*tl));
	tl->set = set;
	tl->sel = sel;
	tl->marks = marks;
	return tm_tl_home(tl, 64);
}

void tm_tl_close(struct tm_tl *tl)
{
	tl_clear(tl);
	free(tl->rows);
	tl->rows = NULL;
}

static void tl_range(struct tm_tl *tl)
{
	sel_blocks(tl->set, tl->sel, &tl->first_ns, &tl->last_ns, &tl->total);
}

int tm_tl_home(struct tm_tl *tl, size_t page)
{
	int err;

	tl_clear(tl);
	tl_range(tl);
	if ((err = tm_sel_filter(tl->sel, 0, UINT64_MAX, true, &tl->scf)) < 0)
		return err;	/* a bad selection shows nothing */
	rp_filter_free(tl->scf);
	tl->scf = NULL;
	tl->at_start = true;
	return tl_extend_down(tl, page * 2);
}

int tm_tl_end(struct tm_tl *tl, size_t page)
{
	struct tm_row *pre;
	size_t np;
	bool st;
	int err;

	tl_clear(tl);
	tl_range(tl);
	if ((err = collect_before(tl, UINT64_MAX, 0, page * 2, &pre, &np, &st)) < 0)
		return err;
	free(tl->rows);
	tl->rows = pre;
	tl->n = np;
	tl->at_start = st;
	tl->at_end = true;
	tl->cur = np ? np - 1 : 0;
	tl->top = tl->cur;
	return 0;
}

int tm_tl_seek_row(struct tm_tl *tl, uint64_t t, uint32_t dup, size_t page)
{
	int err;

	tl_clear(tl);
	tl_range(tl);
	if (t <= tl->first_ns && dup == 0)
		return tm_tl_home(tl, page);
	/* Rows from t on: the first with time t has dup 0 in this scan. */
	if ((err = scan_open(tl, t, UINT64_MAX, &tl->sc, &tl->scf)) < 0)
		return err;
	tl->sc_time = UINT64_MAX;
	tl->sc_dup = 0;
	tl->seek_from = t;
	if (dup == 0 && tl->budget_ns) {
		/* Nothing to drop: the budgeted fill, which may leave the rest
		 * of a rare selection's search to tm_tl_more(). */
		if ((err = tl_extend_down(tl, page * 2)) < 0)
			return err;
		if (tl->busy) {
			tl->cur = tl->top = 0;	/* context above when asked for */
			return 0;
		}
		if (!tl->n)
			return tm_tl_end(tl, page);
		if ((err = tl_extend_up(tl, page)) < 0)
			return err;
		goto place;
	}
	/* rows before (t, dup) stay out: read and drop them */
	struct rp_item it;
	tl->rows = realloc(tl->rows, (page * 2 + 1) * sizeof(*tl->rows));
	if (!tl->rows)
		abort();
	size_t k = page * 2;
	while (k > 0 && (err = rp_scan_next(tl->sc, &it)) > 0) {
		uint64_t et = it.ev->time_ns;
		tl->sc_dup = et == tl->sc_time ? tl->sc_dup + 1 : 0;
		tl->sc_time = et;
		if (et == t && tl->sc_dup < dup)
			continue;
		row_fill(tl, &tl->rows[tl->n++], &it, tl->sc_dup);
		k--;
	}
	if (err < 0)
		return err;
	if (k > 0) {
		tl->at_end = true;
		scan_close(tl);
	}
	/* Nothing from t on: the end of the stream. */
	if (!tl->n)
		return tm_tl_end(tl, page);
	/* Context above, so the cursor is not stuck at the top edge. */
	if ((err = tl_extend_up(tl, page)) < 0)
		return err;
place:;
	size_t before = tl->n;
	for (size_t i = 0; i < tl->n; i++)
		if (tl->rows[i].time > t || (tl->rows[i].time == t && tl->rows[i].dup >= dup)) {
			before = i;
			break;
		}
	tl->cur = before < tl->n ? before : (tl->n ? tl->n - 1 : 0);
	tl->top = tl->cur > page / 2 ? tl->cur - page / 2 : 0;
	return 0;
}

int tm_tl_seek(struct tm_tl *tl, uint64_t t, size_t page)
{
	return tm_tl_seek_row(tl, t, 0, page);
}

int tm_tl_reload(struct tm_tl *tl)
{
	if (!tl->n)
		return tm_tl_home(tl, 64);
	return tm_tl_seek_row(tl, tl->rows[tl->cur].time, 0, 64);
}

int tm_tl_move(struct tm_tl *tl, long delta, size_t page)
{
	int err;

	if (!tl->n)
		return 0;
	if (delta > 0) {
		while ((size_t)delta + page > tl->n - 1 - tl->cur && !tl->at_end) {
			size_t n0 = tl->n;
			if ((err = tl_extend_down(tl, (size_t)delta + page * 2)) < 0)
				return err;
			if (tl->n == n0)
				break;
		}
		size_t room = tl->n - 1 - tl->cur;
		tl->cur += (size_t)delta < room ? (size_t)delta : room;
	} else if (delta < 0) {
		size_t d = (size_t)-delta;
		while (d + page > tl->cur && !tl->at_start) {
			size_t n0 = tl->n;
			if ((err = tl_extend_up(tl, d + page * 2)) < 0)
				return err;
			if (tl->n == n0)
				break;
		}
		tl->cur -= d < tl->cur ? d : tl->cur;
	}
	tl_trim(tl);
	return 0;
}

void tm_tl_frame(struct tm_tl *tl, size_t h)
{
	if (!h)
		h = 1;
	if (tl->cur < tl->top)
		tl->top = tl->cur;
	if (tl->cur >= tl->top + h)
		tl->top = tl->cur - h + 1;
	/* At the end, fill the screen with rows above rather than blank lines. */
	if (tl->top + h > tl->n)
		tl->top = tl->n > h ? tl->n - h : 0;
	if (tl->top > tl->cur)
		tl->top = tl->cur;
}

int tm_tl_search(struct tm_tl *tl, const char *needle, int dir, uint64_t max_rows, size_t page)
{
	size_t start;
	uint64_t t;
	uint32_t dup;
	int err;

	if (!tl->n || !needle || !*needle)
		return 0;
	start = tl->cur;
	t = tl->rows[start].time;
	dup = tl->rows[start].dup;
	/* A search reads as far as it must: no budget (a stop short of the
	 * end would look like the end). */
	uint64_t budget = tl->budget_ns;
	tl->budget_ns = 0;
	for (uint64_t seen = 0; seen < max_rows; seen++) {
		size_t c0 = tl->cur;
		if ((err = tm_tl_move(tl, dir, page)) < 0)
			goto out;
		if (tl->cur == c0)
			break;	/* an end of the stream */
		if (strstr(tl->rows[tl->cur].text, needle)) {
			err = 1;
			goto out;
		}
	}
	/* Not found: back where we were. */
	err = tm_tl_seek_row(tl, t, dup, page) < 0 ? -EIO : 0;
out:
	tl->budget_ns = budget;
	return err;
}

unsigned tm_tl_permille(const struct tm_tl *tl)
{
	if (!tl->n || tl->last_ns <= tl->first_ns)
		return 0;
	uint64_t t = tl->rows[tl->cur].time;
	if (t <= tl->first_ns)
		return 0;
	if (t >= tl->last_ns)
		return 1000;
	return (unsigned)((double)(t - tl->first_ns) * 1000.0 / (double)(tl->last_ns - tl->first_ns));
}

int tm_fetch(struct rp_set *set, struct tm_sel *sel, uint64_t time, uint32_t dup, tm_event_fn fn, void *ctx)
{
	struct rp_scan_opts so = RP_SCAN_OPTS_INIT;
	struct rp_filter *f;
	struct rp_scan *sc;
	struct rp_item it;
	uint32_t d = 0;
	int err, found = 0;

	if ((err = tm_sel_filter(sel, time, time, true, &f)) < 0)
		return err;
	so.filter = f;
	so.threads = 1;
	if ((err = rp_scan_new(set, &so, &sc)) < 0) {
		rp_filter_free(f);
		return err;
	}
	while ((err = rp_scan_next(sc, &it)) > 0) {
		if (it.ev->time_ns != time)
			continue;
		if (d++ == dup) {
			fn(ctx, it.ring, it.ev);
			found = 1;
			break;
		}
	}
	rp_scan_free(sc);
	rp_filter_free(f);
	return err < 0 ? err : found;
}

void tm_event_detail(struct fdr_buf *b, const struct rp_ring *r, const struct fdr_event *ev)
{
	char tb[RP_TIME_MAX], kb[64], ab[64];
	const char *k = rp_kind_name(ev, kb, sizeof(kb));

	fdr_buf_addf(b, "time: %s\n", rp_time_format(ev->time_ns, tb));
	fdr_buf_adds(b, "kind: ");
	tm_esc(b, k, strlen(k));
	fdr_buf_adds(b, "\nhost: ");
	tm_esc(b, r->host, strlen(r->host));
	fdr_buf_adds(b, "\ncontainer: ");
	tm_esc(b, r->container, strlen(r->container));
	if (*r->name) {
		fdr_buf_adds(b, "\ncontainer_name: ");
		tm_esc(b, r->name, strlen(r->name));
	}
	if (*r->image) {
		fdr_buf_adds(b, "\nimage: ");
		tm_esc(b, r->image, strlen(r->image));
	}
	fdr_buf_adds(b, "\nring: ");
	tm_esc(b, r->path, strlen(r->path));
	fdr_buf_addc(b, '\n');
	for (unsigned f = 1; f < FDR_F_MAX; f++) {
		if (!fdr_event_has(ev, f))
			continue;
		const char *name = fdr_field_name(f);
		fdr_buf_addf(b, "%s: ", name ? name : "?");
		switch (fdr_field_type(f)) {
		case FDR_T_U64:
			if (f == FDR_F_FROM || f == FDR_F_TO)
				fdr_buf_adds(b, rp_time_format(ev->f[f].u, tb));
			else
				fdr_buf_addf(b, "%" PRIu64, ev->f[f].u);
			break;
		case FDR_T_I64: fdr_buf_addf(b, "%" PRId64, ev->f[f].i); break;
		case FDR_T_STR: tm_esc(b, ev->f[f].s.p, ev->f[f].s.len); break;
		case FDR_T_STRV:
			fdr_buf_addc(b, '[');
			for (uint32_t i = 0; i < ev->f[f].v.n; i++) {
				fdr_buf_adds(b, i ? ", \"" : "\"");
				tm_esc(b, ev->f[f].v.v[i].p, ev->f[f].v.v[i].len);
				fdr_buf_addc(b, '"');
			}
			fdr_buf_addc(b, ']');
			break;
		case FDR_T_ADDR: fdr_buf_adds(b, fdr_addr_format(&ev->f[f].a, ab, sizeof(ab))); break;
		default: fdr_buf_adds(b, "?"); break;
		}
		fdr_buf_addc(b, '\n');
	}
	static const struct { unsigned bit; const char *name; } fl[] = {
		{ FDR_EVF_PARTIAL, "partial" }, { FDR_EVF_UNATTRIBUTED, "unattributed" },
		{ FDR_EVF_UNCERTAIN, "uncertain" }, { FDR_EVF_SCAN, "scan" },
		{ FDR_EVF_COALESCED, "coalesced" },
	};
	for (size_t i = 0; i < sizeof(fl) / sizeof(fl[0]); i++)
		if (ev->flags & fl[i].bit)
			fdr_buf_addf(b, "%s: true\n", fl[i].name);
}

int tm_export(struct rp_set *set, struct tm_sel *sel, const char *format, const char *path, uint64_t *count)
{
	struct rp_scan_opts so = RP_SCAN_OPTS_INIT;
	struct fdr_buf b = FDR_BUF_INIT;
	struct rp_filter *f;
	struct rp_scan *sc;
	struct rp_item it;
	int fmt, err;
	FILE *out;

	*count = 0;
	if (!strcmp(format, "jsonl") || !strcmp(format, "json"))
		fmt = 0;
	else if (!strcmp(format, "csv"))
		fmt = 1;
	else if (!strcmp(format, "timesketch"))
		fmt = 2;
	else
		return -EINVAL;
	if ((err = tm_sel_filter(sel, 0, UINT64_MAX, true, &f)) < 0)
		return err;
	so.filter = f;
	so.threads = sel->threads;
	if ((err = rp_scan_new(set, &so, &sc)) < 0)
		goto out_filter;
	out = fopen(path, "wx");	/* never clobber a file */
	if (!out) {
		err = -errno;
		goto out_scan;
	}
	if (fmt == 1)
		rp_out_csv_header(&b);
	while ((err = rp_scan_next(sc, &it)) > 0) {
		if (fmt == 0)
			rp_out_json(&b, it.ring, it.ev);
		else if (fmt == 1)
			rp_out_csv(&b, it.ring, it.ev);
		else
			rp_out_timesketch(&b, it.ring, it.ev);
		(*count)++;
		if (b.len >= 1 << 16) {
			if (fwrite(b.p, 1, b.len, out) != b.len) {
				err = -EIO;
				break;
			}
			fdr_buf_reset(&b);
		}
	}
	if (err >= 0 && b.len && fwrite(b.p, 1, b.len, out) != b.len)
		err = -EIO;
	if (fclose(out) && err >= 0)
		err = -EIO;
	fdr_buf_release(&b);
out_scan:
	rp_scan_free(sc);
out_filter:
	rp_filter_free(f);
	return err < 0 ? err : 0;
}

/* ---- statistics ------------------------------------------------------------- */

static size_t hist_bin(const struct tm_stats *st, uint64_t t)
{
	uint64_t span = st->h_last > st->h_first ? st->h_last - st->h_first : 1;
	uint64_t d = t < st->h_first ? 0 : t - st->h_first;
	size_t bin = (size_t)((double)d / (double)span * (TM_HIST_BINS - 1));

	return bin < TM_HIST_BINS ? bin : TM_HIST_BINS - 1;
}

/* The block index gives each block's time range and event count: spread
 * them evenly, an instant picture of the activity before any decoding. */
static void hist_from_headers(struct tm_stats *st, struct rp_set *set, struct tm_sel *sel)
{
	struct rp_filter *f;

	if (tm_sel_filter(sel, 0, UINT64_MAX, true, &f) < 0)
		return;
	for (size_t i = 0; i < rp_set_nrings(set); i++) {
		const struct rp_ring *r = rp_set_ring(set, i);
		if (!rp_filter_ring(f, r))
			continue;
		for (size_t b = 0; b < fdr_reader_nblocks(r->reader); b++) {
			const struct fdr_block_info *bi = fdr_reader_block(r->reader, b);
			if (!rp_filter_block(f, bi))
				continue;
			size_t b0 = hist_bin(st, bi->first_ns), b1 = hist_bin(st, bi->last_ns);
			uint64_t per = bi->events / (b1 - b0 + 1), rest = bi->events % (b1 - b0 + 1);
			for (size_t k = b0; k <= b1; k++)
				st->hist_hdr[k] += per + (k - b0 < rest);
		}
	}
	rp_filter_free(f);
}

int tm_stats_start(struct tm_stats *st, struct rp_set *set, struct tm_sel *sel)
{
	struct rp_scan_opts so = RP_SCAN_OPTS_INIT;
	uint64_t ev;
	int err;

	memset(st, 0, sizeof(*st));
	st->set = set;
	st->nrings = rp_set_nrings(set);
	st->ring = xcalloc(st->nrings, sizeof(*st->ring));
	for (size_t i = 0; i < st->nrings; i++)
		st->ring[i].first_ns = UINT64_MAX;
	sel_blocks(set, sel, &st->h_first, &st->h_last, &ev);
	hist_from_headers(st, set, sel);
	if ((err = tm_sel_filter(sel, 0, UINT64_MAX, true, &st->f)) < 0) {
		st->done = true;
		return err;
	}
	so.filter = st->f;
	so.threads = sel->threads;
	so.unordered = true;
	if ((err = rp_scan_new(set, &so, &st->sc)) < 0) {
		st->done = true;
		return err;
	}
	return 0;
}

int tm_stats_step(struct tm_stats *st, uint64_t budget)
{
	struct rp_item it;
	int err = 0;

	if (st->done)
		return 1;
	while (budget-- && (err = rp_scan_next(st->sc, &it)) > 0) {
		struct tm_ringstat *rs = &st->ring[it.ring->index];
		const struct fdr_event *ev = it.ev;
		rs->kinds[ev->kind & (FDR_KIND_MAX - 1)]++;
		rs->matched++;
		st->matched++;
		if (ev->kind == FDR_REC_GAP) {
			rs->gaps++;
			rs->lost += fdr_event_u(ev, FDR_F_LOST, 0);
		}
		if (ev->time_ns < rs->first_ns)
			rs->first_ns = ev->time_ns;
		if (ev->time_ns > rs->last_ns)
			rs->last_ns = ev->time_ns;
		st->hist[hist_bin(st, ev->time_ns)]++;
	}
	if (err > 0)
		return 0;
	st->done = true;
	rp_scan_free(st->sc);
	st->sc = NULL;
	return err < 0 ? err : 1;
}

unsigned tm_stats_percent(const struct tm_stats *st)
{
	uint64_t done, total;

	if (st->done || !st->sc)
		return 100;
	rp_scan_progress(st->sc, &done, &total);
	return total ? (unsigned)(done * 100 / total) : 0;
}

void tm_stats_release(struct tm_stats *st)
{
	rp_scan_free(st->sc);
	rp_filter_free(st->f);
	free(st->ring);
	memset(st, 0, sizeof(*st));
}

void tm_hist_fold(const struct tm_stats *st, uint64_t *out, size_t n)
{
	if (!n)
		return;
	const uint64_t *h = st->done ? st->hist : st->hist_hdr;

	memset(out, 0, n * sizeof(*out));
	for (size_t i = 0; i < TM_HIST_BINS; i++)
		out[i * n / TM_HIST_BINS] += h[i];
}

static const struct tm_stats *order_st;
static struct rp_set *order_set;

static uint64_t ring_events(struct rp_set *set, size_t i)
{
	const struct rp_ring *r = rp_set_ring(set, i);
	uint64_t n = 0;

	for (size_t b = 0; b < fdr_reader_nblocks(r->reader); b++)
		n += fdr_reader_block(r->reader, b)->events;
	return n;
}

static int cmp_ring(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	uint64_t fx = order_st->ring[x].findings, fy = order_st->ring[y].findings;

	if (fx != fy)
		return fx > fy ? -1 : 1;
	uint64_t ex = ring_events(order_set, x), ey = ring_events(order_set, y);
	if (ex != ey)
		return ex > ey ? -1 : 1;
	return x < y ? -1 : x > y;
}

void tm_rings_order(const struct tm_stats *st, struct rp_set *set, const struct tm_sel *sel, size_t *out,
		    size_t *n)
{
	struct tm_sel *ms = (struct tm_sel *)sel;

	*n = 0;
	for (size_t i = 0; i < rp_set_nrings(set) && i < st->nrings; i++)
		if (ring_in_sel(ms, rp_set_ring(set, i)))
			out[(*n)++] = i;
	order_st = st;
	order_set = set;
	qsort(out, *n, sizeof(*out), cmp_ring);
}

/* ---- tree --------------------------------------------------------------------- */

int tm_tree_start(struct tm_tree *tt, struct rp_set *set, struct tm_sel *sel)
{
	struct rp_scan_opts so = RP_SCAN_OPTS_INIT;
	int err;

	memset(tt, 0, sizeof(*tt));
	if ((err = tm_sel_filter(sel, 0, UINT64_MAX, false, &tt->f)) < 0)
		return err;
	if ((err = rp_sessions_new(&tt->ss)) < 0)
		return err;
	so.filter = tt->f;
	so.threads = sel->threads;
	return rp_scan_new(set, &so, &tt->sc);
}

int tm_tree_step(struct tm_tree *tt, uint64_t budget)
{
	struct rp_item it;
	int err = 0;

	if (tt->t)
		return 1;
	if (!tt->sc)
		return -EINVAL;
	while (budget-- && (err = rp_scan_next(tt->sc, &it)) > 0)
		rp_sessions_add(tt->ss, it.ring, it.ev);
	if (err > 0)
		return 0;
	rp_scan_free(tt->sc);
	tt->sc = NULL;
	rp_filter_free(tt->f);
	tt->f = NULL;
	rp_sessions_finish(tt->ss);
	tt->t = rp_sessions_tree(tt->ss);
	tt->collapsed = xcalloc(rp_tree_nprocs(tt->t), sizeof(bool));
	tm_tree_flatten(tt);
	return err < 0 ? err : 1;
}

unsigned tm_tree_percent(const struct tm_tree *tt)
{
	uint64_t done, total;

	if (tt->t || !tt->sc)
		return 100;
	rp_scan_progress(tt->sc, &done, &total);
	return total ? (unsigned)(done * 100 / total) : 0;
}

int tm_tree_build(struct tm_tree *tt, struct rp_set *set, struct tm_sel *sel)
{
	int err = tm_tree_start(tt, set, sel);

	while (err == 0)
		err = tm_tree_step(tt, UINT64_MAX);
	return err < 0 ? err : 0;
}

static void trow_add(struct tm_tree *tt, size_t p, unsigned depth, bool linked)
{
	if (tt->n == tt->cap) {
		tt->cap = tt->cap ? tt->cap * 2 : 256;
		tt->rows = realloc(tt->rows, tt->cap * sizeof(*tt->rows));
		if (!tt->rows)
			abort();
	}
	tt->rows[tt->n].proc = p;
	tt->rows[tt->n].depth = depth;
	tt->rows[tt->n].linked = linked;
	tt->n++;
}

static void flatten_rec(struct tm_tree *tt, size_t p, unsigned depth, bool linked)
{
	const struct rp_proc *pr = rp_tree_proc(tt->t, p);

	trow_add(tt, p, depth, linked);
	if (tt->collapsed[p] || depth > 200)
		return;
	for (size_t c = pr->first_child; c != RP_NONE; c = rp_tree_proc(tt->t, c)->next_sibling)
		flatten_rec(tt, c, depth + 1, false);
	for (size_t c = pr->link_first; c != RP_NONE; c = rp_tree_proc(tt->t, c)->link_next)
		flatten_rec(tt, c, depth + 1, true);
}

void tm_tree_flatten(struct tm_tree *tt)
{
	tt->n = 0;
	if (!tt->t)
		return;
	for (size_t i = 0; i < rp_tree_nroots(tt->t); i++)
		flatten_rec(tt, rp_tree_root(tt->t, i), 0, false);
}

size_t tm_tree_row_of(const struct tm_tree *tt, size_t proc)
{
	for (size_t i = 0; i < tt->n; i++)
		if (tt->rows[i].proc == proc && !tt->rows[i].linked)
			return i;
	for (size_t i = 0; i < tt->n; i++)
		if (tt->rows[i].proc == proc)
			return i;
	return RP_NONE;
}

void tm_tree_reveal(struct tm_tree *tt, size_t proc)
{
	if (!tt->t || proc >= rp_tree_nprocs(tt->t))
		return;
	for (size_t p = rp_tree_proc(tt->t, proc)->parent, n = 0; p != RP_NONE && n < 10000;
	     p = rp_tree_proc(tt->t, p)->parent, n++)
		tt->collapsed[p] = false;
	tm_tree_flatten(tt);
}

void tm_tree_release(struct tm_tree *tt)
{
	rp_scan_free(tt->sc);
	rp_filter_free(tt->f);
	rp_sessions_free(tt->ss);
	free(tt->collapsed);
	free(tt->rows);
	memset(tt, 0, sizeof(*tt));
}

/* ---- findings ------------------------------------------------------------------ */

static __thread const struct tm_findings *sort_fs;	/* qsort has no context */

static int cmp_finding(const void *a, const void *b)
{
	const struct md_finding *x = md_checker_finding(sort_fs->chk, *(const size_t *)a);
	const struct md_finding *y = md_checker_finding(sort_fs->chk, *(const size_t *)b);

	if (x->sev != y->sev)
		return x->sev > y->sev ? -1 : 1;
	if (x->first_ns != y->first_ns)
		return x->first_ns < y->first_ns ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

int tm_findings_prepare(struct tm_findings *fs, struct rp_set *set, const char *model_text, size_t len)
{
	struct md_parse_error pe = MD_PARSE_ERROR_INIT;
	struct md_sevcfg cfg;
	size_t nr = rp_set_nrings(set);
	int err;

	memset(fs, 0, sizeof(*fs));
	fs->nrings = nr;
	fs->ring_of_id = xcalloc(nr + 1, sizeof(*fs->ring_of_id));
	fs->ids = xcalloc(nr + 1, sizeof(*fs->ids));
	if ((err = md_model_new(&fs->model)) < 0)
		return err;
	if ((err = md_model_parse(fs->model, model_text, len, &pe)) < 0)
		return err;
	md_sevcfg_default(&cfg);
	if ((err = md_checker_new(fs->model, &cfg, &fs->chk)) < 0)
		return err;
	for (size_t i = 0; i < nr; i++) {
		const struct rp_ring *r = rp_set_ring(set, i);
		if ((err = md_checker_ring(fs->chk, r->meta, r->path, &fs->ids[i])) < 0)
			return err;
		if (fs->ids[i] < nr)
			fs->ring_of_id[fs->ids[i]] = (uint32_t)i;
	}
	return 0;
}

int tm_findings_check(struct tm_findings *fs, struct rp_set *set, unsigned threads)
{
	struct rp_scan_opts so = RP_SCAN_OPTS_INIT;
	struct rp_scan *sc;
	struct rp_item it;
	size_t nr = fs->nrings;
	uint32_t *count = xcalloc(nr + 1, sizeof(*count));
	uint64_t done, total, n = 0;
	int err;

	so.threads = threads;
	if ((err = rp_scan_new(set, &so, &sc)) < 0)
		goto out;
	rp_scan_progress(sc, &done, &total);
	__atomic_store_n(&fs->prog_total, total, __ATOMIC_RELAXED);
	while ((err = rp_scan_next(sc, &it)) > 0) {
		unsigned ri = it.ring->index;
		if (ri >= nr)
			continue;	/* a ring added after prepare (live follow) */
		struct md_loc loc = { fs->ids[ri], count[ri]++, UINT64_MAX };
		if ((err = md_checker_event(fs->chk, it.ev, &loc)) < 0)
			break;
		if (++n % 65536 == 0) {
			if (__atomic_load_n(&fs->cancel, __ATOMIC_RELAXED)) {
				err = -ECANCELED;
				break;
			}
			rp_scan_progress(sc, &done, &total);
			__atomic_store_n(&fs->prog_done, done, __ATOMIC_RELAXED);
		}
	}
	rp_scan_free(sc);
	if (err < 0)
		goto out;
	md_checker_finish(fs->chk);
	fs->n = md_checker_nfindings(fs->chk);
	fs->order = xcalloc(fs->n + 1, sizeof(*fs->order));
	for (size_t i = 0; i < fs->n; i++)
		fs->order[i] = i;
	sort_fs = fs;
	qsort(fs->order, fs->n, sizeof(*fs->order), cmp_finding);
	for (size_t i = 0; i < fs->n; i++) {
		const struct md_finding *f = md_checker_finding(fs->chk, i);
		unsigned ring = tm_findings_ring(fs, f);
		for (uint32_t e = 0; e < f->nev; e++)
			tm_marks_add(&fs->marks, f->ev[e].time_ns, ring);
	}
	tm_marks_sort(&fs->marks);
	__atomic_store_n(&fs->prog_done, __atomic_load_n(&fs->prog_total, __ATOMIC_RELAXED), __ATOMIC_RELAXED);
	err = 0;
out:
	free(count);
	return err;
}

unsigned tm_findings_percent(const struct tm_findings *fs)
{
	uint64_t d = __atomic_load_n(&fs->prog_done, __ATOMIC_RELAXED);
	uint64_t t = __atomic_load_n(&fs->prog_total, __ATOMIC_RELAXED);

	return t ? (unsigned)(d >= t ? 100 : d * 100 / t) : 0;
}

int tm_findings_run(struct tm_findings *fs, struct rp_set *set, const char *model_text, size_t len,
		    unsigned threads, struct tm_stats *st)
{
	int err = tm_findings_prepare(fs, set, model_text, len);

	if (err == 0)
		err = tm_findings_check(fs, set, threads);
	for (size_t i = 0; err == 0 && st && i < fs->n; i++) {
		unsigned ring = tm_findings_ring(fs, tm_findings_get(fs, i));
		if (ring < st->nrings)
			st->ring[ring].findings++;
	}
	return err;
}

const struct md_finding *tm_findings_get(const struct tm_findings *fs, size_t i)
{
	return i < fs->n ? md_checker_finding(fs->chk, fs->order[i]) : NULL;
}

unsigned tm_findings_ring(const struct tm_findings *fs, const struct md_finding *f)
{
	return fs->ring_of_id[f->ring];
}

void tm_findings_release(struct tm_findings *fs)
{
	md_checker_free(fs->chk);
	md_model_free(fs->model);
	free(fs->ring_of_id);
	free(fs->ids);
	free(fs->order);
	tm_marks_release(&fs->marks);
	memset(fs, 0, sizeof(*fs));
}

/* ---- history -------------------------------------------------------------------- */

void tm_loc_release(struct tm_loc *l)
{
	tm_sel_release(&l->sel);
}

static void loc_copy(struct tm_loc *dst, const struct tm_loc *src)
{
	*dst = *src;
	tm_sel_copy(&dst->sel, &src->sel);
}

void tm_hist_push(struct tm_hist *h, const struct tm_loc *here)
{
	for (size_t i = h->pos; i < h->n; i++)
		tm_loc_release(&h->v[i]);
	h->n = h->pos;
	if (h->n == TM_HIST_MAX) {	/* forget the oldest */
		tm_loc_release(&h->v[0]);
		memmove(h->v, h->v + 1, (TM_HIST_MAX - 1) * sizeof(h->v[0]));
		h->n--;
	}
	loc_copy(&h->v[h->n++], here);
	h->pos = h->n;
}

bool tm_hist_back(struct tm_hist *h, const struct tm_loc *here, struct tm_loc *to)
{
	if (!h->pos)
		return false;
	h->pos--;
	*to = h->v[h->pos];	/* ownership moves to the caller */
	loc_copy(&h->v[h->pos], here);
	return true;
}

bool tm_hist_forward(struct tm_hist *h, const struct tm_loc *here, struct tm_loc *to)
{
	if (h->pos >= h->n)
		return false;
	*to = h->v[h->pos];
	loc_copy(&h->v[h->pos], here);
	h->pos++;
	return true;
}

void tm_hist_release(struct tm_hist *h)
{
	for (size_t i = 0; i < h->n; i++)
		tm_loc_release(&h->v[i]);
	h->n = h->pos = 0;
}
