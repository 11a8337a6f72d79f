/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TM_H
#define TM_H

/*
 * tm: the TUI's model, in plain C without curses: what is selected (the
 * filter), the timeline window over the merged stream, the per-container
 * counts and time histogram of the selection, the process tree, the
 * findings of a model, and the navigation history. The view layer
 * (tui/tv.h) draws these; nothing here draws or prints.
 *
 * The timeline never holds the whole stream: it keeps a window of at most
 * TM_TL_CAP rows around the cursor and refills it with scans bounded in
 * time (rp-set's pushdown skips every block outside the range without
 * decompressing it), so memory does not depend on the number of events.
 * A row is identified by (time, dup): dup counts the earlier events of the
 * stream with the same time (the merge order is deterministic), so a row
 * can be found again by a scan starting at its time.
 *
 * Ownership: every object borrows the rp_set it was given (which must
 * outlive it) and owns what it allocates; texts held in rows are already
 * escaped (fdr_buf_add_escaped) and safe to show. Errors: 0 or negative
 * (-errno, FDR_E_*, -EINVAL with a message in the selection's error).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fdr-text.h"
#include "replay/model.h"
#include "replay/rp-filter.h"
#include "replay/rp-set.h"
#include "replay/rp-tree.h"

/* fdr_buf_add_escaped() that leaves b->p a C string even for n == 0 (the
 * formats one allocates without terminating in that case). */
static inline void tm_esc(struct fdr_buf *b, const void *p, size_t n)
{
	fdr_buf_add(b, "", 0);
	fdr_buf_add_escaped(b, p, n);
}

/* ---- selection --------------------------------------------------------- */

/* What the responder looks at: the command line's filters, the filter
 * typed with `f`, and a container chosen by a pivot. Strings are owned. */
struct tm_sel {
	char *kinds;		/* --kind list, NULL = all */
	char *host;		/* --host glob */
	char *image;		/* --image glob */
	char *base_expr;	/* -e from the command line */
	char *container;	/* --container, or a pivot's choice */
	char *expr;		/* typed filter (f) */
	uint64_t since, until;	/* 0 / UINT64_MAX = unbounded */
	unsigned threads;
	char error[300];	/* last build error, escaped, "" if none */
};

#define TM_SEL_INIT { NULL, NULL, NULL, NULL, NULL, NULL, 0, UINT64_MAX, 0, "" }

/* Replace *slot with a copy of s (NULL or "" clears it). */
void tm_str_set(char **slot, const char *s);
void tm_sel_release(struct tm_sel *s);
/* Deep copy (error text not copied). */
void tm_sel_copy(struct tm_sel *dst, const struct tm_sel *src);
/* Build the filter of the selection restricted to [from, to] (intersected
 * with since/until). *out is the caller's. -EINVAL with s->error set. */
int tm_sel_filter(struct tm_sel *s, uint64_t from, uint64_t to, bool with_expr, struct rp_filter **out);
/* Check that expr parses; 0, or -EINVAL with s->error set. */
int tm_sel_check_expr(struct tm_sel *s, const char *expr);

/* Time range of every block of the selected rings (0,0 when empty). */
void tm_set_range(struct rp_set *set, const struct tm_sel *s, uint64_t *first, uint64_t *last);

/* ---- marks: events that belong to a finding ----------------------------- */

struct tm_marks {
	uint64_t *keys;		/* sorted (time_ns, ring) keys */
	size_t n, cap;
};

#define TM_MARKS_INIT { NULL, 0, 0 }
void tm_marks_add(struct tm_marks *m, uint64_t time_ns, unsigned ring);
void tm_marks_sort(struct tm_marks *m);
bool tm_marks_has(const struct tm_marks *m, uint64_t time_ns, unsigned ring);
void tm_marks_release(struct tm_marks *m);

/* ---- timeline window ---------------------------------------------------- */

#define TM_TL_CAP 4096

enum { TM_ROW_FINDING = 1, TM_ROW_GAP = 2 };

struct tm_row {
	uint64_t time;
	uint32_t dup;		/* earlier events of the stream with this time */
	uint32_t ring;		/* rp_ring index */
	uint16_t kind;
	uint16_t evflags;	/* FDR_EVF_* */
	uint16_t marks;		/* TM_ROW_* */
	uint64_t pid;
	char *text;		/* escaped: "CONTAINER KIND details" */
};

struct tm_tl {
	struct rp_set *set;
	struct tm_sel *sel;
	const struct tm_marks *marks;	/* may be NULL */
	struct tm_row *rows;	/* the window, in stream order */
	size_t n;
	size_t cur;		/* cursor row (valid when n > 0) */
	size_t top;		/* first row on screen */
	bool at_start, at_end;	/* the window touches the stream's ends */
	struct rp_scan *sc;	/* open scan continuing after rows[n-1], or NULL */
	struct rp_filter *scf;
	uint64_t sc_time;	/* last time read by sc and its dup */
	uint32_t sc_dup;
	uint64_t first_ns, last_ns;	/* block-header range of the selection */
	uint64_t total;		/* events in the selected rings' blocks */
	uint64_t scans;		/* scans started (tests, bench) */
	uint64_t budget_ns;	/* 0, or how long a fill from home/seek may take
				 * before it leaves the rest to tm_tl_more() */
	bool busy;		/* a budgeted fill stopped early: more rows may come */
	size_t want;		/* rows it still wants */
	uint64_t seek_from;	/* time the fill started from */
};

/* Start over at the beginning of the selection. */
int tm_tl_open(struct tm_tl *tl, struct rp_set *set, struct tm_sel *sel, const struct tm_marks *marks);
void tm_tl_close(struct tm_tl *tl);
/* Re-read from the cursor's time with the (changed) selection. */
int tm_tl_reload(struct tm_tl *tl);
/* Move the cursor by delta rows (clamped at the stream's ends), keeping
 * page rows around it loaded. */
int tm_tl_move(struct tm_tl *tl, long delta, size_t page);
/* First row at or after time t (the last row when none). */
int tm_tl_seek(struct tm_tl *tl, uint64_t t, size_t page);
/* The row (time, dup) exactly, else the first after it. */
int tm_tl_seek_row(struct tm_tl *tl, uint64_t t, uint32_t dup, size_t page);
int tm_tl_home(struct tm_tl *tl, size_t page);
int tm_tl_end(struct tm_tl *tl, size_t page);
/* Go on with a fill that ran out of its budget (tl->busy), for at most
 * budget_ns more (0 = to the end): 1 when done, 0 when still busy,
 * negative on error. Other calls on tl finish or drop such a fill. */
int tm_tl_more(struct tm_tl *tl, uint64_t budget_ns);
/* Keep the cursor on screen in a view of h rows (adjusts top). */
void tm_tl_frame(struct tm_tl *tl, size_t h);
/* Search rows' text for needle (plain substring) from the cursor in
 * direction dir (+1/-1), at most max_rows rows; 1 found (cursor moved),
 * 0 not found. */
int tm_tl_search(struct tm_tl *tl, const char *needle, int dir, uint64_t max_rows, size_t page);
/* Cursor position as a fraction of the selection's time range (0..1000). */
unsigned tm_tl_permille(const struct tm_tl *tl);

/* Call fn with the full event of row (time, dup) under the selection.
 * 1 when found, 0 when not, negative on error. */
typedef void (*tm_event_fn)(void *ctx, const struct rp_ring *r, const struct fdr_event *ev);
int tm_fetch(struct rp_set *set, struct tm_sel *sel, uint64_t time, uint32_t dup, tm_event_fn fn, void *ctx);

/* Every field of ev, one "name: value" line each, escaped. */
void tm_event_detail(struct fdr_buf *b, const struct rp_ring *r, const struct fdr_event *ev);

/* Export the selection to path as "jsonl", "csv" or "timesketch" (the
 * formats of fdr-replay export); *count gets the events written. */
int tm_export(struct rp_set *set, struct tm_sel *sel, const char *format, const char *path, uint64_t *count);

/* ---- statistics: per-container counts and the histogram ---------------- */

#define TM_HIST_BINS 1024

struct tm_ringstat {
	uint64_t kinds[FDR_KIND_MAX];
	uint64_t matched, gaps, lost;
	uint64_t first_ns, last_ns;	/* of matched events; first UINT64_MAX when none */
	uint64_t findings;	/* filled by the findings pass */
};

/* An incremental pass over the selection (unordered, every thread), so the
 * interface stays responsive: call tm_stats_step() while idle. */
struct tm_stats {
	struct rp_set *set;
	size_t nrings;
	struct tm_ringstat *ring;
	uint64_t hist[TM_HIST_BINS];	/* exact, of matching events (when done) */
	uint64_t hist_hdr[TM_HIST_BINS];	/* from block headers alone: every event of the
					 * selected rings spread over its block's range */
	uint64_t h_first, h_last;	/* histogram range */
	uint64_t matched;
	bool done;
	struct rp_scan *sc;
	struct rp_filter *f;
};

int tm_stats_start(struct tm_stats *st, struct rp_set *set, struct tm_sel *sel);
/* Read at most budget events; 1 when done, 0 when more remain, negative on error. */
int tm_stats_step(struct tm_stats *st, uint64_t budget);
/* Progress 0..100. */
unsigned tm_stats_percent(const struct tm_stats *st);
void tm_stats_release(struct tm_stats *st);
/* Fold the histogram into n bins of out (n <= TM_HIST_BINS): the exact one
 * when the pass is done, else the block-header estimate. */
void tm_hist_fold(const struct tm_stats *st, uint64_t *out, size_t n);

/* Containers view order: rings sorted by findings, then events (desc). */
void tm_rings_order(const struct tm_stats *st, struct rp_set *set, const struct tm_sel *sel,
		    size_t *out, size_t *n);

/* ---- process tree ------------------------------------------------------- */

struct tm_trow {
	size_t proc;
	unsigned depth;
	bool linked;		/* shown under its parent by a cross-link */
};

struct tm_tree {
	struct rp_sessions *ss;	/* owns the tree (docker exec links included) */
	const struct rp_tree *t;	/* NULL until built */
	bool *collapsed;	/* per process */
	struct tm_trow *rows;	/* visible rows */
	size_t n, cap;
	struct rp_scan *sc;	/* while building */
	struct rp_filter *f;
};

/* Build from an ordered scan of the selection (its time and container
 * parts: a tree needs every proc event), with rp-session's links (the
 * shell a `docker exec` started shows under the docker client too).
 * tm_tree_start() + tm_tree_step() build it a budget of events at a time
 * (1 when done, 0 when more remain); tm_tree_build() does it all. */
int tm_tree_start(struct tm_tree *tt, struct rp_set *set, struct tm_sel *sel);
int tm_tree_step(struct tm_tree *tt, uint64_t budget);
/* Progress 0..100 while building. */
unsigned tm_tree_percent(const struct tm_tree *tt);
int tm_tree_build(struct tm_tree *tt, struct rp_set *set, struct tm_sel *sel);
/* Recompute visible rows after collapsing or expanding. */
void tm_tree_flatten(struct tm_tree *tt);
/* Visible row of process p (RP_NONE when hidden or absent). */
size_t tm_tree_row_of(const struct tm_tree *tt, size_t proc);
/* Expand every ancestor of p so it is visible. */
void tm_tree_reveal(struct tm_tree *tt, size_t proc);
void tm_tree_release(struct tm_tree *tt);

/* ---- findings ----------------------------------------------------------- */

struct tm_findings {
	struct md_model *model;
	struct md_checker *chk;
	uint32_t *ring_of_id;	/* checker ring id -> set ring index */
	size_t *order;		/* findings by severity (desc), then time */
	size_t n;
	struct tm_marks marks;
	uint32_t *ids;		/* set ring index -> checker ring id */
	size_t nrings;		/* rings of the set when prepared */
	uint64_t prog_done, prog_total;	/* blocks merged / to merge (atomic) */
	int cancel;		/* set (atomic) to stop tm_findings_check() */
};

/* Parse the model text and register the set's rings with a checker: the
 * fast part, which finds a bad model. fs is released with
 * tm_findings_release() whatever this returns. -errno, MD_E_*. */
int tm_findings_prepare(struct tm_findings *fs, struct rp_set *set, const char *model_text, size_t len);
/* Check every event of the set (the slow part) and sort the findings. May
 * run on a thread of its own while the set's owner scans it too (rp-set
 * allows concurrent scans), but not while rings are added or refreshed.
 * Setting fs->cancel makes it return -ECANCELED soon. */
int tm_findings_check(struct tm_findings *fs, struct rp_set *set, unsigned threads);
/* Progress of tm_findings_check() 0..100, from any thread. */
unsigned tm_findings_percent(const struct tm_findings *fs);
/* tm_findings_prepare() then tm_findings_check(); adds the findings per
 * ring to st when given. -errno, MD_E_*. */
int tm_findings_run(struct tm_findings *fs, struct rp_set *set, const char *model_text, size_t len,
		    unsigned threads, struct tm_stats *st);
const struct md_finding *tm_findings_get(const struct tm_findings *fs, size_t i);
/* Set ring index of a finding. */
unsigned tm_findings_ring(const struct tm_findings *fs, const struct md_finding *f);
void tm_findings_release(struct tm_findings *fs);

/* ---- navigation history ------------------------------------------------- */

struct tm_loc {
	int view;
	uint64_t time;		/* timeline cursor */
	uint32_t dup;
	size_t pos;		/* cursor of a list view */
	struct tm_sel sel;	/* owned copy */
};

#define TM_HIST_MAX 64

struct tm_hist {
	struct tm_loc v[TM_HIST_MAX];
	size_t n;		/* entries */
	size_t pos;		/* entries before pos are "back" */
};

#define TM_HIST_INIT { .n = 0, .pos = 0 }

/* Record where we are before going somewhere else (drops the forward part). */
void tm_hist_push(struct tm_hist *h, const struct tm_loc *here);
/* Go back: saves here for forward, copies the target to *to. false at the start. */
bool tm_hist_back(struct tm_hist *h, const struct tm_loc *here, struct tm_loc *to);
bool tm_hist_forward(struct tm_hist *h, const struct tm_loc *here, struct tm_loc *to);
void tm_hist_release(struct tm_hist *h);
void tm_loc_release(struct tm_loc *l);

#endif
