/* SPDX-License-Identifier: Apache-2.0 */
/* Process trees from time-ordered events. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp-filter.h"
#include "rp-output.h"
#include "rp-time.h"
#include "rp-tree.h"
#include "u64map.h"

#define MAX_DEPTH 200		/* printing recursion cap (pid loops cannot occur, but input is hostile) */
#define MAX_ARGV 256
#define MAX_STR 4096
#define LATE_NS (3ull * 1000000000ull)	/* events of a process reported this long after its exit */
/* Events a process logs itself (sudo's audit record or syslog line) carry a
 * time from another clock, cut to the millisecond or the second: they can
 * sort up to this much before the process's own fork. */
#define EARLY_NS (5ull * 1000000ull)
#define EARLY_SEC_NS 1000000000ull

struct gap {
	unsigned ring;
	uint64_t time_ns;
};

struct rp_tree {
	struct rp_proc *p;
	size_t *prev;		/* earlier process with the same (host, pid) */
	size_t n, cap;
	struct u64map cur;	/* (host << 32 | pid) -> newest process index */
	size_t *roots;
	size_t nroots;
	struct gap *gaps;	/* rec.gap events, sorted at finish */
	size_t ngaps, gapcap;
};

static char *dupn(const char *p, size_t n)
{
	if (n > MAX_STR)
		n = MAX_STR;
	char *d = malloc(n + 1);
	if (!d)
		abort();
	if (n)
		memcpy(d, p, n);
	d[n] = '\0';
	return d;
}

static char *dups(struct fdr_str s)
{
	return dupn(s.p ? s.p : "", s.len);
}

int rp_tree_new(struct rp_tree **out)
{
	struct rp_tree *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	*out = t;
	return 0;
}

static void free_argv(struct rp_proc *p)
{
	for (uint32_t i = 0; i < p->argc; i++)
		free(p->argv[i]);
	free(p->argv);
	p->argv = NULL;
	p->argc = 0;
}

void rp_tree_free(struct rp_tree *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++) {
		struct rp_proc *p = &t->p[i];
		free(p->exe);
		free(p->comm);
		free(p->tty);
		free(p->link_label);
		free_argv(p);
		for (uint32_t a = 0; a < p->nacts; a++) {
			free(p->acts[a].kind);
			free(p->acts[a].text);
		}
	}
	u64map_release(&t->cur);
	free(t->gaps);
	free(t->p);
	free(t->prev);
	free(t->roots);
	free(t);
}

static uint64_t key(unsigned host, uint64_t pid)
{
	return ((uint64_t)host << 32) | (pid & 0xffffffffu);
}

static size_t current(const struct rp_tree *t, unsigned host, uint64_t pid)
{
	uint64_t v;

	return u64map_get(&t->cur, key(host, pid), &v) ? (size_t)v : RP_NONE;
}

static void add_child(struct rp_tree *t, size_t parent, size_t child)
{
	struct rp_proc *pp = &t->p[parent];

	t->p[child].parent = parent;
	if (pp->last_child == RP_NONE)
		pp->first_child = child;
	else
		t->p[pp->last_child].next_sibling = child;
	pp->last_child = child;
}

/* A host process that execs inside a container (runc starting a container's
 * first process or a docker exec's) has entered it: from then on it belongs
 * to that container's ring, as a root of the container's tree. */
static void enter_container(struct rp_tree *t, size_t i, const struct rp_ring *r)
{
	struct rp_proc *p = &t->p[i];

	p->ring = r;
	if (p->parent == RP_NONE)
		return;
	struct rp_proc *pp = &t->p[p->parent];
	size_t prev = RP_NONE;
	for (size_t c = pp->first_child; c != RP_NONE; prev = c, c = t->p[c].next_sibling) {
		if (c != i)
			continue;
		if (prev == RP_NONE)
			pp->first_child = p->next_sibling;
		else
			t->p[prev].next_sibling = p->next_sibling;
		if (pp->last_child == i)
			pp->last_child = prev;
		break;
	}
	p->parent = p->next_sibling = RP_NONE;
}

static void link_parent(struct rp_tree *t, size_t i, const struct rp_ring *r,
			const struct fdr_event *ev, uint64_t pid)
{
	uint64_t ppid = fdr_event_u(ev, FDR_F_PPID, 0);

	if (ppid && ppid != pid) {
		t->p[i].ppid = ppid;
		size_t par = current(t, r->host_idx, ppid);
		if (par != RP_NONE && par != i && !t->p[par].has_exit_code && !t->p[par].has_signal &&
		    t->p[par].running_at_end)
			add_child(t, par, i);
	}
}

static size_t new_proc(struct rp_tree *t, const struct rp_ring *r, const struct fdr_event *ev, uint64_t pid)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		struct rp_proc *p = realloc(t->p, cap * sizeof(*p));
		size_t *pv = realloc(t->prev, cap * sizeof(*pv));
		if (!p || !pv)
			abort();
		t->p = p;
		t->prev = pv;
		t->cap = cap;
	}
	size_t i = t->n++;
	struct rp_proc *p = &t->p[i];
	memset(p, 0, sizeof(*p));
	p->ring = r;
	p->host_idx = r->host_idx;
	p->pid = pid;
	p->start_ns = p->end_ns = ev->time_ns;
	p->running_at_end = true;
	p->parent = p->first_child = p->last_child = p->next_sibling = RP_NONE;
	p->link_first = p->link_next = RP_NONE;
	t->prev[i] = current(t, r->host_idx, pid);
	if (t->prev[i] != RP_NONE && t->p[t->prev[i]].running_at_end) {
		/* Its pid is reused, so it ended without an exit we saw. */
		t->p[t->prev[i]].running_at_end = false;
		t->p[t->prev[i]].uncertain = true;
	}
	u64map_put(&t->cur, key(r->host_idx, pid), i);
	link_parent(t, i, r, ev, pid);
	return i;
}

/*
 * Node i was made, "started before", by an event the process logged itself
 * just before its fork sorted (see EARLY_NS): the fork is its start, not a
 * new process with the same pid.
 */
static bool logged_early(const struct rp_tree *t, size_t i, const struct fdr_event *fork)
{
	const struct rp_proc *p = &t->p[i];
	uint64_t tol = p->start_ns % EARLY_SEC_NS == 0 ? EARLY_SEC_NS : EARLY_NS;

	return p->started_before && !p->execs && p->running_at_end && p->parent == RP_NONE &&
	       p->start_ns <= fork->time_ns && fork->time_ns - p->start_ns <= tol;
}

static void set_facts(struct rp_proc *p, const struct fdr_event *ev)
{
	if (fdr_event_has(ev, FDR_F_COMM)) {
		free(p->comm);
		p->comm = dups(ev->f[FDR_F_COMM].s);
	}
	if (fdr_event_has(ev, FDR_F_UID)) {
		p->has_uid = true;
		p->uid = ev->f[FDR_F_UID].u;
	}
	if (fdr_event_has(ev, FDR_F_SESSIONID) && ev->f[FDR_F_SESSIONID].u != UINT32_MAX) {
		p->has_session = true;
		p->sessionid = ev->f[FDR_F_SESSIONID].u;
		p->loginuid = fdr_event_u(ev, FDR_F_LOGINUID, UINT32_MAX);
	}
	if (fdr_event_has(ev, FDR_F_TTY)) {
		free(p->tty);
		p->tty = dups(ev->f[FDR_F_TTY].s);
	}
	if (ev->flags & FDR_EVF_UNCERTAIN)
		p->uncertain = true;
}

static void add_act(struct rp_proc *p, const struct fdr_event *ev)
{
	char kb[80];
	struct fdr_buf b = FDR_BUF_INIT;
	struct fdr_str s;

	if (p->nacts == RP_TREE_MAX_ACTS) {
		p->more_acts++;
		return;
	}
	switch (ev->kind) {
	case FDR_FILE_CREATE: case FDR_FILE_MODIFY: case FDR_FILE_DELETE: case FDR_FILE_ATTRIB:
	case FDR_FILE_EXEC: case FDR_FILE_OPEN: case FDR_FILE_RENAME:
		s = fdr_event_str(ev, FDR_F_PATH);
		fdr_buf_add(&b, s.p ? s.p : "", s.len > MAX_STR ? MAX_STR : s.len);
		if (fdr_event_has(ev, FDR_F_NEW_PATH)) {
			s = ev->f[FDR_F_NEW_PATH].s;
			fdr_buf_adds(&b, " -> ");
			fdr_buf_add(&b, s.p, s.len > MAX_STR ? MAX_STR : s.len);
		}
		break;
	default: {
		/* Reuse the human details (already escaped). */
		struct fdr_event copy = *ev;
		fdr_event_clear(&copy, FDR_F_PID);
		fdr_event_clear(&copy, FDR_F_PPID);
		fdr_event_clear(&copy, FDR_F_COMM);
		fdr_event_clear(&copy, FDR_F_SEQ);
		rp_out_details(&b, &copy);
		break;
	}
	}
	struct rp_act *a = &p->acts[p->nacts++];
	a->time_ns = ev->time_ns;
	rp_kind_name(ev, kb, sizeof(kb));
	a->kind = dupn(kb, strlen(kb));
	a->text = b.p ? fdr_buf_detach(&b, NULL) : dupn("", 0);
}

void rp_tree_add(struct rp_tree *t, const struct rp_ring *r, const struct fdr_event *ev)
{
	uint64_t pid = fdr_event_u(ev, FDR_F_PID, 0);
	size_t i;

	if (ev->kind == FDR_REC_GAP) {
		/* Applied at finish (rp_tree_finish), in O(log gaps) per process. */
		if (t->ngaps == t->gapcap) {
			t->gapcap = t->gapcap ? t->gapcap * 2 : 16;
			struct gap *g = realloc(t->gaps, t->gapcap * sizeof(*g));
			if (!g)
				abort();
			t->gaps = g;
		}
		t->gaps[t->ngaps].ring = r->index;
		t->gaps[t->ngaps].time_ns = ev->time_ns;
		t->ngaps++;
		return;
	}
	if (!pid)
		return;
	i = current(t, r->host_idx, pid);
	bool ended = i != RP_NONE && !t->p[i].running_at_end;
	switch (ev->kind) {
	case FDR_PROC_FORK:
		if (i != RP_NONE && logged_early(t, i, ev)) {
			t->p[i].started_before = false;
			t->p[i].start_ns = ev->time_ns;
			link_parent(t, i, r, ev, pid);
		} else {
			i = new_proc(t, r, ev, pid);
		}
		set_facts(&t->p[i], ev);
		return;
	case FDR_PROC_EXEC:
		if (i == RP_NONE || ended) {
			i = new_proc(t, r, ev, pid);
			t->p[i].started_before = true;
		}
		if (ev->flags & FDR_EVF_SCAN)
			t->p[i].started_before = true;
		if (t->p[i].ring != r && t->p[i].ring->is_host && !r->is_host)
			enter_container(t, i, r);
		struct rp_proc *p = &t->p[i];
		p->execs++;
		if (fdr_event_has(ev, FDR_F_EXE)) {
			free(p->exe);
			p->exe = dups(ev->f[FDR_F_EXE].s);
		}
		if (fdr_event_has(ev, FDR_F_ARGV)) {
			struct fdr_strv v = ev->f[FDR_F_ARGV].v;
			free_argv(p);
			p->argc = v.n > MAX_ARGV ? MAX_ARGV : v.n;
			p->argv = calloc(p->argc ? p->argc : 1, sizeof(*p->argv));
			if (!p->argv)
				abort();
			for (uint32_t a = 0; a < p->argc; a++)
				p->argv[a] = dups(v.v[a]);
		}
		if (!p->ppid && fdr_event_has(ev, FDR_F_PPID)) {
			p->ppid = ev->f[FDR_F_PPID].u;
			size_t par = current(t, r->host_idx, p->ppid);
			if (par != RP_NONE && par != i && p->parent == RP_NONE && t->p[par].running_at_end)
				add_child(t, par, i);
		}
		set_facts(p, ev);
		p->end_ns = ev->time_ns;
		return;
	case FDR_PROC_EXIT:
		if (i == RP_NONE || ended) {
			i = new_proc(t, r, ev, pid);
			t->p[i].started_before = true;
		}
		set_facts(&t->p[i], ev);
		t->p[i].running_at_end = false;
		t->p[i].end_ns = ev->time_ns;
		if (fdr_event_has(ev, FDR_F_SIGNAL)) {
			t->p[i].has_signal = true;
			t->p[i].signal = ev->f[FDR_F_SIGNAL].u;
		} else if (fdr_event_has(ev, FDR_F_EXIT_CODE)) {
			t->p[i].has_exit_code = true;
			t->p[i].exit_code = ev->f[FDR_F_EXIT_CODE].i;
		}
		return;
	case FDR_SSH_LOGIN:
	case FDR_SSH_LOGOUT:
	case FDR_K8S_AUDIT:
	case FDR_DOCKER:
		/* About a daemon's pid or none: not the process's own activity. */
		if (i == RP_NONE || ended)
			return;
		break;
	default:
		if (ended && ev->time_ns <= t->p[i].end_ns + LATE_NS) {
			/* Reported after its exit (the file source reports at the
			 * end of its coalescing window): still its own activity. */
			add_act(&t->p[i], ev);
			return;
		}
		if (i == RP_NONE || ended) {
			i = new_proc(t, r, ev, pid);
			t->p[i].started_before = true;
			if (fdr_event_has(ev, FDR_F_EXE))
				t->p[i].exe = dups(ev->f[FDR_F_EXE].s);
		}
		break;
	}
	set_facts(&t->p[i], ev);
	if (t->p[i].running_at_end)
		t->p[i].end_ns = ev->time_ns;
	add_act(&t->p[i], ev);
}

static int root_cmp(const void *a, const void *b, void *arg)
{
	const struct rp_tree *t = arg;
	const struct rp_proc *x = &t->p[*(const size_t *)a], *y = &t->p[*(const size_t *)b];

	if (x->host_idx != y->host_idx)
		return x->host_idx < y->host_idx ? -1 : 1;
	if (x->ring->index != y->ring->index)
		return x->ring->index < y->ring->index ? -1 : 1;
	if (x->start_ns != y->start_ns)
		return x->start_ns < y->start_ns ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

static int gap_cmp(const void *a, const void *b)
{
	const struct gap *x = a, *y = b;

	if (x->ring != y->ring)
		return x->ring < y->ring ? -1 : 1;
	return x->time_ns < y->time_ns ? -1 : x->time_ns > y->time_ns;
}

/* The recorder writes a gap into every ring it affects: a process alive in
 * that ring at the gap may have lost children or events. */
static void mark_gaps(struct rp_tree *t)
{
	if (t->ngaps > 1)
		qsort(t->gaps, t->ngaps, sizeof(*t->gaps), gap_cmp);
	for (size_t i = 0; i < t->n && t->ngaps; i++) {
		struct rp_proc *p = &t->p[i];
		/* First gap of p's ring at or after p's start. */
		size_t lo = 0, hi = t->ngaps;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			const struct gap *g = &t->gaps[mid];
			if (g->ring < p->ring->index || (g->ring == p->ring->index && g->time_ns < p->start_ns))
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < t->ngaps && t->gaps[lo].ring == p->ring->index &&
		    (p->running_at_end || t->gaps[lo].time_ns <= p->end_ns))
			p->uncertain = true;
	}
}

void rp_tree_finish(struct rp_tree *t)
{
	mark_gaps(t);
	free(t->roots);
	t->roots = malloc((t->n ? t->n : 1) * sizeof(*t->roots));
	if (!t->roots)
		abort();
	t->nroots = 0;
	for (size_t i = 0; i < t->n; i++)
		if (t->p[i].parent == RP_NONE)
			t->roots[t->nroots++] = i;
	qsort_r(t->roots, t->nroots, sizeof(*t->roots), root_cmp, t);
}

size_t rp_tree_nprocs(const struct rp_tree *t)
{
	return t->n;
}

const struct rp_proc *rp_tree_proc(const struct rp_tree *t, size_t i)
{
	return i < t->n ? &t->p[i] : NULL;
}

size_t rp_tree_nroots(const struct rp_tree *t)
{
	return t->nroots;
}

size_t rp_tree_root(const struct rp_tree *t, size_t i)
{
	return i < t->nroots ? t->roots[i] : RP_NONE;
}

size_t rp_tree_find(const struct rp_tree *t, unsigned host_idx, uint64_t pid, uint64_t time_ns)
{
	for (size_t i = current(t, host_idx, pid); i != RP_NONE; i = t->prev[i]) {
		const struct rp_proc *p = &t->p[i];
		if (p->start_ns <= time_ns || p->started_before)
			if (p->running_at_end || p->end_ns >= time_ns)
				return i;
		if (p->start_ns <= time_ns)
			break;
	}
	return RP_NONE;
}

void rp_tree_link(struct rp_tree *t, size_t parent, size_t child, const char *label)
{
	struct rp_proc *c = &t->p[child];

	if (parent == child || c->link_label)
		return;
	c->link_label = dupn(label, strlen(label));
	c->link_next = t->p[parent].link_first;
	t->p[parent].link_first = child;
}

/* ---- text ------------------------------------------------------------------ */

static void indent(struct fdr_buf *b, unsigned depth)
{
	for (unsigned i = 0; i < depth; i++)
		fdr_buf_add(b, "  ", 2);
}

static void esc(struct fdr_buf *b, const char *s)
{
	fdr_buf_add_escaped(b, s, strlen(s));
}

static void short_time(struct fdr_buf *b, uint64_t ns)
{
	char tb[RP_TIME_MAX];

	/* HH:MM:SS.mmm of the RFC 3339 form: trees span minutes, not days. */
	rp_time_format(ns, tb);
	fdr_buf_add(b, tb + 11, 12);
}

static void proc_line(const struct rp_tree *t, const struct rp_proc *p, struct fdr_buf *b)
{
	char cb[16];

	(void)t;
	fdr_buf_addf(b, "%" PRIu64 " ", p->pid);
	if (p->exe)
		esc(b, p->exe);
	else if (p->comm)
		fdr_buf_addc(b, '['), esc(b, p->comm), fdr_buf_addc(b, ']');
	else
		fdr_buf_adds(b, "?");
	if (p->argc) {
		fdr_buf_adds(b, ":");
		for (uint32_t a = 0; a < p->argc; a++) {
			fdr_buf_addc(b, ' ');
			esc(b, p->argv[a]);
		}
	}
	fdr_buf_adds(b, "  [");
	esc(b, rp_container_label(p->ring, cb, sizeof(cb)));
	fdr_buf_adds(b, "]");
	if (p->has_uid)
		fdr_buf_addf(b, " uid=%" PRIu64, p->uid);
	fdr_buf_adds(b, " ");
	if (p->started_before)
		fdr_buf_adds(b, "(before) ");
	short_time(b, p->start_ns);
	fdr_buf_adds(b, "..");
	if (p->running_at_end)
		fdr_buf_adds(b, "(running)");
	else
		short_time(b, p->end_ns);
	if (p->has_signal)
		fdr_buf_addf(b, " killed by signal %" PRIu64, p->signal);
	else if (p->has_exit_code)
		fdr_buf_addf(b, " exit %" PRId64, p->exit_code);
	if (p->execs > 1)
		fdr_buf_addf(b, " (%u execs)", p->execs);
	if (p->uncertain)
		fdr_buf_adds(b, " (uncertain: gap)");
	fdr_buf_addc(b, '\n');
}

static void format_proc(const struct rp_tree *t, size_t i, unsigned depth, struct fdr_buf *b)
{
	const struct rp_proc *p = &t->p[i];

	indent(b, depth);
	proc_line(t, p, b);
	for (uint32_t a = 0; a < p->nacts; a++) {
		indent(b, depth + 2);
		fdr_buf_adds(b, "· ");
		short_time(b, p->acts[a].time_ns);
		fdr_buf_addc(b, ' ');
		esc(b, p->acts[a].kind);
		fdr_buf_addc(b, ' ');
		esc(b, p->acts[a].text);
		fdr_buf_addc(b, '\n');
	}
	if (p->more_acts) {
		indent(b, depth + 2);
		fdr_buf_addf(b, "· ... %" PRIu64 " more\n", p->more_acts);
	}
	if (depth >= MAX_DEPTH) {
		indent(b, depth + 1);
		fdr_buf_adds(b, "... (deeper levels not shown)\n");
		return;
	}
	for (size_t c = p->first_child; c != RP_NONE; c = t->p[c].next_sibling)
		format_proc(t, c, depth + 1, b);
	for (size_t l = p->link_first; l != RP_NONE; l = t->p[l].link_next) {
		indent(b, depth + 1);
		fdr_buf_adds(b, "=> ");
		esc(b, t->p[l].link_label);
		fdr_buf_addc(b, '\n');
		format_proc(t, l, depth + 2, b);
	}
}

void rp_tree_format_proc(const struct rp_tree *t, size_t i, unsigned depth, struct fdr_buf *b)
{
	format_proc(t, i, depth, b);
}

void rp_tree_format(const struct rp_tree *t, struct fdr_buf *b)
{
	unsigned host = UINT32_MAX;
	const struct rp_ring *ring = NULL;

	for (size_t k = 0; k < t->nroots; k++) {
		const struct rp_proc *p = &t->p[t->roots[k]];
		if (p->host_idx != host) {
			host = p->host_idx;
			ring = NULL;
			fdr_buf_adds(b, "host ");
			esc(b, p->ring->host);
			fdr_buf_addc(b, '\n');
		}
		if (p->ring != ring) {
			ring = p->ring;
			fdr_buf_adds(b, "  container ");
			esc(b, ring->container);
			if (*ring->name) {
				fdr_buf_adds(b, " (");
				esc(b, ring->name);
				fdr_buf_adds(b, ")");
			}
			if (*ring->image) {
				fdr_buf_adds(b, " image ");
				esc(b, ring->image);
			}
			fdr_buf_addc(b, '\n');
		}
		format_proc(t, t->roots[k], 2, b);
	}
}

/* ---- JSON ------------------------------------------------------------------ */

static void jstr(struct fdr_buf *b, const char *s)
{
	fdr_buf_add_json_str(b, s, strlen(s));
}

static void format_json(const struct rp_tree *t, size_t i, unsigned depth, struct fdr_buf *b)
{
	const struct rp_proc *p = &t->p[i];
	char tb[RP_TIME_MAX];

	fdr_buf_adds(b, "{\"host\":");
	jstr(b, p->ring->host);
	fdr_buf_adds(b, ",\"container\":");
	jstr(b, p->ring->container);
	if (*p->ring->name) {
		fdr_buf_adds(b, ",\"container_name\":");
		jstr(b, p->ring->name);
	}
	fdr_buf_addf(b, ",\"pid\":%" PRIu64, p->pid);
	if (p->ppid)
		fdr_buf_addf(b, ",\"ppid\":%" PRIu64, p->ppid);
	if (p->exe) {
		fdr_buf_adds(b, ",\"exe\":");
		jstr(b, p->exe);
	}
	if (p->comm) {
		fdr_buf_adds(b, ",\"comm\":");
		jstr(b, p->comm);
	}
	if (p->argv) {
		fdr_buf_adds(b, ",\"argv\":[");
		for (uint32_t a = 0; a < p->argc; a++) {
			if (a)
				fdr_buf_addc(b, ',');
			jstr(b, p->argv[a]);
		}
		fdr_buf_addc(b, ']');
	}
	if (p->has_uid)
		fdr_buf_addf(b, ",\"uid\":%" PRIu64, p->uid);
	if (p->has_session)
		fdr_buf_addf(b, ",\"loginuid\":%" PRIu64 ",\"sessionid\":%" PRIu64, p->loginuid, p->sessionid);
	fdr_buf_addf(b, ",\"start\":\"%s\"", rp_time_format(p->start_ns, tb));
	if (!p->running_at_end)
		fdr_buf_addf(b, ",\"end\":\"%s\"", rp_time_format(p->end_ns, tb));
	if (p->has_exit_code)
		fdr_buf_addf(b, ",\"exit_code\":%" PRId64, p->exit_code);
	if (p->has_signal)
		fdr_buf_addf(b, ",\"signal\":%" PRIu64, p->signal);
	fdr_buf_addf(b, ",\"started_before\":%s,\"running_at_end\":%s,\"uncertain\":%s,\"execs\":%u",
		     p->started_before ? "true" : "false", p->running_at_end ? "true" : "false",
		     p->uncertain ? "true" : "false", p->execs);
	if (p->link_label) {
		fdr_buf_adds(b, ",\"linked_by\":");
		jstr(b, p->link_label);
	}
	fdr_buf_adds(b, ",\"activity\":[");
	for (uint32_t a = 0; a < p->nacts; a++) {
		if (a)
			fdr_buf_addc(b, ',');
		fdr_buf_addf(b, "{\"time\":\"%s\",\"kind\":", rp_time_format(p->acts[a].time_ns, tb));
		jstr(b, p->acts[a].kind);
		fdr_buf_adds(b, ",\"text\":");
		jstr(b, p->acts[a].text);
		fdr_buf_addc(b, '}');
	}
	fdr_buf_addf(b, "],\"more_activity\":%" PRIu64 ",\"children\":[", p->more_acts);
	bool first = true;
	if (depth < MAX_DEPTH) {
		for (size_t c = p->first_child; c != RP_NONE; c = t->p[c].next_sibling) {
			if (!first)
				fdr_buf_addc(b, ',');
			first = false;
			format_json(t, c, depth + 1, b);
		}
		for (size_t l = p->link_first; l != RP_NONE; l = t->p[l].link_next) {
			if (!first)
				fdr_buf_addc(b, ',');
			first = false;
			format_json(t, l, depth + 1, b);
		}
	}
	fdr_buf_adds(b, "]}");
}

void rp_tree_format_proc_json(const struct rp_tree *t, size_t i, struct fdr_buf *b)
{
	format_json(t, i, 0, b);
}

void rp_tree_format_json(const struct rp_tree *t, struct fdr_buf *b)
{
	for (size_t k = 0; k < t->nroots; k++) {
		format_json(t, t->roots[k], 0, b);
		fdr_buf_addc(b, '\n');
	}
}
