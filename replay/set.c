/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Ring sets and the time-ordered scan.
 *
 * The merge works on blocks, not rings: a ring's blocks may overlap in time
 * (a partial block rewritten after a later one, a clock step) and events
 * inside a block may be slightly out of order (several sources feed one
 * ring). So every block is decoded into a sorted run, and runs are merged
 * with a heap. A block is brought in only when the merge reaches its header's
 * first_ns: before the smallest buffered event at time t is returned, every
 * block with first_ns <= t is in the heap, so no later block can hold an
 * earlier event. Memory is the blocks overlapping the current time plus a
 * prefetch window decoded by the workers.
 *
 * Decoded events are re-packed into a compact arena (struct fdr_event is
 * large and sparse) and unpacked one at a time by the consumer.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rp-filter.h"
#include "rp-set.h"

#define MAX_DIR_DEPTH 16
#define MAX_RINGS 100000

struct rp_set {
	struct rp_ring **rings;
	size_t n, cap;
	struct rp_diag *diags;
	size_t ndiags;
	char **hostkeys;
	size_t nhosts;
	unsigned reader_flags;	/* FDR_READER_* for rings added */
	pthread_mutex_t diag_mu;	/* scans on several threads add diagnostics */
};

int rp_set_new(struct rp_set **out)
{
	struct rp_set *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	pthread_mutex_init(&s->diag_mu, NULL);
	*out = s;
	return 0;
}

void rp_set_free(struct rp_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		fdr_reader_free(s->rings[i]->reader);
		free(s->rings[i]->path);
		free(s->rings[i]);
	}
	for (size_t i = 0; i < s->ndiags; i++) {
		free(s->diags[i].path);
		free(s->diags[i].detail);
	}
	for (size_t i = 0; i < s->nhosts; i++)
		free(s->hostkeys[i]);
	free(s->hostkeys);
	free(s->diags);
	free(s->rings);
	pthread_mutex_destroy(&s->diag_mu);
	free(s);
}

static char *xstrdup(const char *p)
{
	char *d = strdup(p ? p : "");

	if (!d)
		abort();
	return d;
}

/* Record a problem (used by scans too, from the consuming thread). */
static void add_diag(struct rp_set *s, const char *path, int error, const char *detail)
{
	pthread_mutex_lock(&s->diag_mu);
	struct rp_diag *d = realloc(s->diags, (s->ndiags + 1) * sizeof(*d));

	if (!d)
		abort();
	s->diags = d;
	d[s->ndiags].path = xstrdup(path);
	d[s->ndiags].error = error;
	d[s->ndiags].detail = xstrdup(detail);
	s->ndiags++;
	pthread_mutex_unlock(&s->diag_mu);
}

static unsigned host_index(struct rp_set *s, const struct fdr_ring_meta *m)
{
	char key[512];

	if (m->machine_id[0] || m->boot_id[0])
		snprintf(key, sizeof(key), "%s/%s", m->machine_id, m->boot_id);
	else
		snprintf(key, sizeof(key), "name:%s", m->hostname);
	for (size_t i = 0; i < s->nhosts; i++)
		if (!strcmp(s->hostkeys[i], key))
			return (unsigned)i;
	char **k = realloc(s->hostkeys, (s->nhosts + 1) * sizeof(*k));
	if (!k)
		abort();
	s->hostkeys = k;
	k[s->nhosts] = xstrdup(key);
	return (unsigned)s->nhosts++;
}

static int add_reader(struct rp_set *s, struct fdr_ring_reader *rd, const char *path)
{
	struct rp_ring *r;

	if (s->n >= MAX_RINGS) {
		fdr_reader_free(rd);
		return -EMFILE;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct rp_ring **v = realloc(s->rings, cap * sizeof(*v));
		if (!v)
			abort();
		s->rings = v;
		s->cap = cap;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		abort();
	r->path = xstrdup(path);
	r->reader = rd;
	r->meta = fdr_reader_meta(rd);
	r->host = r->meta->hostname[0] ? r->meta->hostname : "?";
	r->is_host = !r->meta->container_id[0];
	r->container = r->is_host ? "host" : r->meta->container_id;
	r->name = r->meta->container_name;
	r->image = r->meta->image;
	r->index = (unsigned)s->n;
	r->host_idx = host_index(s, r->meta);
	s->rings[s->n++] = r;
	/* Damage the reader found while listing slots: skipped, but said. */
	for (size_t i = 0; i < fdr_reader_ndamaged(rd); i++) {
		char d[32];
		snprintf(d, sizeof(d), "slot %u", (unsigned)fdr_reader_damaged(rd, i)->slot);
		add_diag(s, path, fdr_reader_damaged(rd, i)->error, d);
	}
	return 0;
}

static bool has_ring_suffix(const char *name)
{
	size_t n = strlen(name);

	return n >= 5 && !strcmp(name + n - 5, ".ring");
}

static int add_path(struct rp_set *s, const char *path, int depth, bool explicit_)
{
	struct stat st;
	int err;

	if (stat(path, &st)) {
		err = -errno;
		add_diag(s, path, err, "");
		return err;
	}
	if (S_ISDIR(st.st_mode)) {
		struct dirent **names;
		int total = 0, n;

		if (depth >= MAX_DIR_DEPTH) {
			add_diag(s, path, -ELOOP, "directories nested too deeply");
			return -ELOOP;
		}
		n = scandir(path, &names, NULL, alphasort);
		if (n < 0) {
			err = -errno;
			add_diag(s, path, err, "");
			return err;
		}
		for (int i = 0; i < n; i++) {
			const char *nm = names[i]->d_name;
			if (nm[0] != '.') {
				size_t len = strlen(path) + strlen(nm) + 2;
				char *child = malloc(len);
				if (!child)
					abort();
				snprintf(child, len, "%s%s%s", path,
					 path[strlen(path) - 1] == '/' ? "" : "/", nm);
				int r = add_path(s, child, depth + 1, false);
				if (r > 0)
					total += r;
				free(child);
			}
			free(names[i]);
		}
		free(names);
		return total;
	}
	if (!S_ISREG(st.st_mode)) {
		if (explicit_) {
			add_diag(s, path, -EINVAL, "not a regular file or directory");
			return -EINVAL;
		}
		return 0;
	}
	struct fdr_ring_reader *rd;
	err = fdr_reader_open_flags(path, s->reader_flags, &rd);
	if (err < 0) {
		/* In a directory, other files (logs, a model) are not our business. */
		if (!explicit_ && !has_ring_suffix(path) && (err == FDR_E_MAGIC || err == FDR_E_EMPTY))
			return 0;
		add_diag(s, path, err, "");
		return err;
	}
	err = add_reader(s, rd, path);
	if (err < 0) {
		add_diag(s, path, err, "too many rings");
		return err;
	}
	return 1;
}

void rp_set_reader_flags(struct rp_set *s, unsigned flags)
{
	s->reader_flags = flags;
}

int rp_set_add(struct rp_set *s, const char *path)
{
	return add_path(s, path, 0, true);
}

int rp_set_add_mem(struct rp_set *s, const void *buf, size_t len, const char *name)
{
	struct fdr_ring_reader *rd;
	int err = fdr_reader_open_mem_flags(buf, len, name, s->reader_flags, &rd);

	if (err < 0) {
		add_diag(s, name, err, "");
		return err;
	}
	err = add_reader(s, rd, name);
	return err < 0 ? err : 1;
}

size_t rp_set_nrings(const struct rp_set *s)
{
	return s->n;
}

const struct rp_ring *rp_set_ring(const struct rp_set *s, size_t i)
{
	return i < s->n ? s->rings[i] : NULL;
}

size_t rp_set_ndiags(const struct rp_set *s)
{
	return s->ndiags;
}

const struct rp_diag *rp_set_diag(const struct rp_set *s, size_t i)
{
	return i < s->ndiags ? &s->diags[i] : NULL;
}

void rp_diag_format(struct fdr_buf *b, const struct rp_diag *d)
{
	fdr_buf_adds(b, "'");
	fdr_buf_add_escaped(b, d->path, strlen(d->path));
	fdr_buf_adds(b, "': ");
	fdr_buf_adds(b, fdr_strerror(d->error));
	if (d->detail[0]) {
		fdr_buf_adds(b, " (");
		fdr_buf_add_escaped(b, d->detail, strlen(d->detail));
		fdr_buf_adds(b, ")");
	}
}

size_t rp_set_nhosts(const struct rp_set *s)
{
	return s->nhosts;
}

/* ---- packed events -------------------------------------------------------- */

/*
 * Arena record: a 40-byte header (u64 time, u16 kind, u16 flags, u32 number
 * of strv elements in the event, u64 has[2], u8 keep: 1 = matches the
 * stateless filter, 0 = kept only for pid tracking, 7 pad), then each
 * present field in id order: u64/i64 as 8 bytes; str as u32 len + bytes;
 * strv as u32 n + (u32 len + bytes)*; addr as 17 bytes. A record is written
 * in one pass, its header last (once the list elements are counted);
 * unpacking is one pass because the header says how many list elements to
 * make room for.
 */
#define REC_HDR 40

static uint8_t ftypes[FDR_F_MAX];	/* fdr_field_type() of every field id */
static pthread_once_t ftypes_once = PTHREAD_ONCE_INIT;

static void ftypes_init(void)
{
	for (unsigned f = 0; f < FDR_F_MAX; f++)
		ftypes[f] = (uint8_t)fdr_field_type(f);
}

struct idx {
	uint64_t time;
	uint32_t off;
	uint32_t pos;		/* the event's index in its block (rp_scan_where) */
};

struct run {
	char *arena;
	size_t len, cap;
	struct idx *ix;
	size_t n, ncap, cur;
	uint64_t order;		/* block's place in the global order */
	int error;		/* decode error (damage), 0 if none */
	uint64_t decoded;	/* events decoded from the block */
	bool pushed;		/* passed over for its string table */
	struct fdr_str *strv;	/* scratch: the block's string table */
	size_t strcap;
	struct run *next_free;
};

/* Out of line: the arena grows rarely, records are added millions of times. */
static void run_grow(struct run *r, size_t n)
{
	size_t cap = r->cap ? r->cap : 65536;
	while (cap < r->len + n)
		cap *= 2;
	char *p = realloc(r->arena, cap);
	if (!p)
		abort();
	r->arena = p;
	r->cap = cap;
}

/* Room for n more bytes in the arena. */
static inline void run_room(struct run *r, size_t n)
{
	if (r->len + n > r->cap)
		run_grow(r, n);
}

/* Append n bytes to the arena (p may be NULL when n is 0). */
static inline void run_add(struct run *r, const void *p, size_t n)
{
	run_room(r, n);
	if (n)
		memcpy(r->arena + r->len, p, n);
	r->len += n;
}

static void pack(struct run *r, const struct fdr_event *ev, uint8_t keep, uint32_t pos)
{
	size_t off = r->len;
	uint32_t nsv = 0;

	if (r->n == r->ncap) {
		size_t cap = r->ncap ? r->ncap * 2 : 1024;
		struct idx *ix = realloc(r->ix, cap * sizeof(*ix));
		if (!ix)
			abort();
		r->ix = ix;
		r->ncap = cap;
	}
	r->ix[r->n].time = ev->time_ns;
	r->ix[r->n].off = (uint32_t)off;
	r->ix[r->n].pos = pos;
	r->n++;
	run_room(r, REC_HDR);
	r->len += REC_HDR;	/* the header is written last */
	for (unsigned w = 0; w < 2; w++) {
		uint64_t bits = ev->has[w];
		while (bits) {
			unsigned f = w * 64 + (unsigned)__builtin_ctzll(bits);
			bits &= bits - 1;
			const union fdr_val *v = &ev->f[f];
			switch (ftypes[f]) {
			case FDR_T_STR:
				run_add(r, &v->s.len, 4);
				run_add(r, v->s.p, v->s.len);
				break;
			case FDR_T_STRV:
				run_add(r, &v->v.n, 4);
				for (uint32_t i = 0; i < v->v.n; i++) {
					run_add(r, &v->v.v[i].len, 4);
					run_add(r, v->v.v[i].p, v->v.v[i].len);
				}
				nsv += v->v.n;
				break;
			case FDR_T_ADDR:
				run_add(r, &v->a, 17);
				break;
			default:
				run_add(r, &v->u, 8);
				break;
			}
		}
	}
	/* The header last: the arena may have moved, and nsv is known now. */
	char *o = r->arena + off;
	memset(o, 0, REC_HDR);
	memcpy(o, &ev->time_ns, 8);
	memcpy(o + 8, &ev->kind, 2);
	memcpy(o + 10, &ev->flags, 2);
	memcpy(o + 12, &nsv, 4);
	memcpy(o + 16, ev->has, 16);
	o[32] = (char)keep;
}

/* Unpack record at off into ev; strv arrays go to *sv (grown). Returns keep. */
static uint8_t unpack(const struct run *r, uint32_t off, struct fdr_event *ev,
		      struct fdr_str **sv, size_t *svcap)
{
	const char *p = r->arena + off, *q = p + REC_HDR;
	uint32_t nsv;
	size_t used = 0;

	memcpy(&ev->time_ns, p, 8);
	memcpy(&ev->kind, p + 8, 2);
	memcpy(&ev->flags, p + 10, 2);
	memcpy(&nsv, p + 12, 4);
	memcpy(ev->has, p + 16, 16);
	if (nsv > *svcap) {
		struct fdr_str *n2 = realloc(*sv, nsv * sizeof(**sv));
		if (!n2)
			abort();
		*sv = n2;
		*svcap = nsv;
	}
	for (unsigned w = 0; w < 2; w++) {
		uint64_t bits = ev->has[w];
		while (bits) {
			unsigned f = w * 64 + (unsigned)__builtin_ctzll(bits);
			bits &= bits - 1;
			union fdr_val *v = &ev->f[f];
			uint32_t n;
			switch (ftypes[f]) {
			case FDR_T_STR:
				memcpy(&n, q, 4);
				v->s.len = n;
				v->s.p = q + 4;
				q += 4 + n;
				break;
			case FDR_T_STRV:
				memcpy(&n, q, 4);
				q += 4;
				v->v.v = *sv + used;
				v->v.n = n;
				for (uint32_t i = 0; i < n; i++) {
					uint32_t l;
					memcpy(&l, q, 4);
					(*sv)[used + i].p = q + 4;
					(*sv)[used + i].len = l;
					q += 4 + l;
				}
				used += n;
				break;
			case FDR_T_ADDR:
				memcpy(&v->a, q, 17);
				q += 17;
				break;
			default:
				memcpy(&v->u, q, 8);
				q += 8;
				break;
			}
		}
	}
	return (uint8_t)p[32];
}

static int idx_cmp(const void *a, const void *b)
{
	const struct idx *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static void run_sort(struct run *r)
{
	for (size_t i = 1; i < r->n; i++) {
		if (r->ix[i].time < r->ix[i - 1].time) {
			qsort(r->ix, r->n, sizeof(*r->ix), idx_cmp);
			return;
		}
	}
}

/* ---- scan ------------------------------------------------------------------ */

struct blk {
	const struct rp_ring *ring;
	size_t bi;
	uint64_t first;
};

struct rp_scan {
	struct rp_set *set;
	struct rp_scan_opts opts;
	bool track;		/* pid descendants */
	bool peek;		/* the filter can decide from kind, time and pid */
	bool strpush;		/* the block's string table can rule it out */
	struct rp_pidtrack *pt;
	struct blk *blks;
	size_t nb;
	size_t loaded;		/* blocks taken by the consumer */
	struct rp_scan_stats st;

	/* workers */
	pthread_t *threads;
	unsigned nthreads;
	pthread_mutex_t mu;
	pthread_cond_t cv_work, cv_done;
	size_t claim;		/* next block to decode */
	size_t window;
	struct run **pending;	/* [window], block j at j % window */
	bool stop;
	struct run *free_runs;
	uint64_t decoded_blocks;	/* under mu */

	/* merge */
	struct run **heap;
	size_t nheap, heapcap;
	struct run *retired;	/* exhausted run, freed on the next call */
	struct fdr_event ev;
	struct fdr_str *sv;
	size_t svcap;
	struct fdr_cursor *cur;	/* single-threaded decoding */
	struct fdr_event *dev;
	size_t where_blk;	/* block (in blks) and index of the last event returned */
	uint32_t where_pos;
	bool where_set;
};

static int blk_cmp(const void *a, const void *b)
{
	const struct blk *x = a, *y = b;

	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	if (x->ring->index != y->ring->index)
		return x->ring->index < y->ring->index ? -1 : 1;
	return x->bi < y->bi ? -1 : x->bi > y->bi;
}

/* Decode block b into a fresh run; never fails (damage is kept in run->error). */
static void decode(struct rp_scan *sc, struct fdr_cursor *cur, const struct blk *b, struct run *run,
		   struct fdr_event *ev)
{
	const struct rp_filter *f = sc->opts.filter;
	int err = fdr_cursor_load(cur, b->ring->reader, b->bi);

	if (err < 0) {
		run->error = err;
		return;
	}
	if (sc->strpush) {
		/* No string of the block passes the filter's string tests: no
		 * event of it can match, none is decoded. (A table that does
		 * not parse is left to the decoding, which reports it.) */
		int ns = fdr_cursor_strings(cur, &run->strv, &run->strcap);
		if (ns >= 0 && !rp_filter_strings_may_match(f, run->strv, (size_t)ns)) {
			run->pushed = true;
			return;
		}
	}
	for (;;) {
		struct fdr_event_peek pk;
		if (sc->peek) {
			err = fdr_cursor_peek(cur, &pk);
			if (err <= 0) {
				if (err < 0)
					run->error = err;
				break;
			}
		}
		run->decoded++;
		/* Kind, time and pid first: what cannot match is passed over
		 * without decoding its fields (unless pid tracking needs it). */
		if (sc->peek && rp_filter_pre(f, pk.kind, pk.time_ns, pk.has_pid ? &pk.pid : NULL) == RP_PRE_NO &&
		    !(sc->track && (pk.kind == FDR_PROC_FORK || pk.kind == FDR_PROC_EXEC ||
				    pk.kind == FDR_PROC_EXIT))) {
			err = fdr_cursor_skip(cur);
			if (err < 0) {
				run->error = err;
				break;
			}
			continue;
		}
		err = fdr_cursor_next(cur, ev);
		if (err <= 0) {
			if (err < 0)
				run->error = err;
			else
				run->decoded--;	/* not peeked: there was no event */
			break;
		}
		bool keep = !f || rp_filter_event(f, b->ring, ev);
		bool track = !keep && sc->track &&
			     (ev->kind == FDR_PROC_FORK || ev->kind == FDR_PROC_EXEC || ev->kind == FDR_PROC_EXIT);
		if (keep || track)
			pack(run, ev, keep, (uint32_t)(run->decoded - 1));
	}
	run_sort(run);
}

static struct run *run_get(struct rp_scan *sc)
{
	struct run *r = sc->free_runs;

	if (r) {
		sc->free_runs = r->next_free;
		r->len = r->n = r->cur = 0;
		r->error = 0;
		r->decoded = 0;
		r->pushed = false;
		r->next_free = NULL;
		return r;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		abort();
	return r;
}

static void run_free(struct run *r)
{
	if (!r)
		return;
	free(r->arena);
	free(r->ix);
	free(r->strv);
	free(r);
}

static void *worker(void *arg)
{
	struct rp_scan *sc = arg;
	struct fdr_cursor *cur;
	struct fdr_event *ev = malloc(sizeof(*ev));

	if (!ev || fdr_cursor_new(&cur) < 0)
		abort();
	pthread_mutex_lock(&sc->mu);
	for (;;) {
		while (!sc->stop && !(sc->claim < sc->nb && sc->claim < sc->loaded + sc->window))
			pthread_cond_wait(&sc->cv_work, &sc->mu);
		if (sc->stop)
			break;
		size_t j = sc->claim++;
		struct run *run = run_get(sc);
		pthread_mutex_unlock(&sc->mu);
		run->order = j;
		decode(sc, cur, &sc->blks[j], run, ev);
		pthread_mutex_lock(&sc->mu);
		sc->pending[j % sc->window] = run;
		pthread_cond_broadcast(&sc->cv_done);
	}
	pthread_mutex_unlock(&sc->mu);
	fdr_cursor_free(cur);
	free(ev);
	return NULL;
}

static unsigned default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 64 ? 64 : (unsigned)n;
}

/* Blocks of the set that survive ring- and block-level pushdown. */
static int collect_blocks(struct rp_scan *sc)
{
	const struct rp_filter *f = sc->opts.filter;
	size_t cap = 0;

	for (size_t i = 0; i < sc->set->n; i++) {
		const struct rp_ring *r = sc->set->rings[i];
		if (f && !rp_filter_ring(f, r))
			continue;
		sc->st.rings++;
		size_t nb = fdr_reader_nblocks(r->reader);
		for (size_t bi = 0; bi < nb; bi++) {
			const struct fdr_block_info *b = fdr_reader_block(r->reader, bi);
			sc->st.blocks++;
			if (f && !rp_filter_block(f, b)) {
				sc->st.blocks_skipped++;
				continue;
			}
			if (sc->nb == cap) {
				cap = cap ? cap * 2 : 256;
				struct blk *v = realloc(sc->blks, cap * sizeof(*v));
				if (!v)
					return -ENOMEM;
				sc->blks = v;
			}
			sc->blks[sc->nb].ring = r;
			sc->blks[sc->nb].bi = bi;
			sc->blks[sc->nb].first = b->first_ns;
			sc->nb++;
		}
	}
	if (!sc->opts.unordered && sc->nb > 1)
		qsort(sc->blks, sc->nb, sizeof(*sc->blks), blk_cmp);
	return 0;
}

int rp_scan_new(struct rp_set *s, const struct rp_scan_opts *opts, struct rp_scan **out)
{
	struct rp_scan *sc = calloc(1, sizeof(*sc));
	int err;

	if (!sc)
		return -ENOMEM;
	pthread_once(&ftypes_once, ftypes_init);
	sc->set = s;
	sc->opts = *opts;
	sc->track = opts->filter && rp_filter_tracks_pids(opts->filter);
	sc->peek = opts->filter && rp_filter_pre_decides(opts->filter);
	/* (pid tracking needs every proc event, matching or not) */
	sc->strpush = opts->filter && !sc->track && rp_filter_strings_decide(opts->filter);
	if (sc->track && (err = rp_pidtrack_new(opts->filter, &sc->pt)) < 0)
		goto out_free;
	err = collect_blocks(sc);
	if (err < 0)
		goto out_free;
	sc->nthreads = opts->threads ? opts->threads : default_threads();
	if (sc->nthreads > 1) {
		sc->window = sc->nthreads * 4;
		sc->pending = calloc(sc->window, sizeof(*sc->pending));
		sc->threads = calloc(sc->nthreads, sizeof(*sc->threads));
		if (!sc->pending || !sc->threads) {
			err = -ENOMEM;
			goto out_free;
		}
		pthread_mutex_init(&sc->mu, NULL);
		pthread_cond_init(&sc->cv_work, NULL);
		pthread_cond_init(&sc->cv_done, NULL);
		for (unsigned i = 0; i < sc->nthreads; i++) {
			err = -pthread_create(&sc->threads[i], NULL, worker, sc);
			if (err) {
				sc->nthreads = i;
				goto out_free;
			}
		}
	} else {
		sc->nthreads = 0;
		sc->dev = malloc(sizeof(*sc->dev));
		if (!sc->dev || (err = fdr_cursor_new(&sc->cur)) < 0) {
			err = -ENOMEM;
			goto out_free;
		}
	}
	*out = sc;
	return 0;
out_free:
	rp_scan_free(sc);
	return err;
}

void rp_scan_free(struct rp_scan *sc)
{
	if (!sc)
		return;
	if (sc->threads) {
		pthread_mutex_lock(&sc->mu);
		sc->stop = true;
		pthread_cond_broadcast(&sc->cv_work);
		pthread_mutex_unlock(&sc->mu);
		for (unsigned i = 0; i < sc->nthreads; i++)
			pthread_join(sc->threads[i], NULL);
		pthread_mutex_destroy(&sc->mu);
		pthread_cond_destroy(&sc->cv_work);
		pthread_cond_destroy(&sc->cv_done);
	}
	for (size_t i = 0; sc->pending && i < sc->window; i++)
		run_free(sc->pending[i]);
	for (size_t i = 0; i < sc->nheap; i++)
		run_free(sc->heap[i]);
	run_free(sc->retired);
	while (sc->free_runs) {
		struct run *r = sc->free_runs;
		sc->free_runs = r->next_free;
		run_free(r);
	}
	rp_pidtrack_free(sc->pt);
	fdr_cursor_free(sc->cur);
	free(sc->dev);
	free(sc->pending);
	free(sc->threads);
	free(sc->heap);
	free(sc->blks);
	free(sc->sv);
	free(sc);
}

static void run_put(struct rp_scan *sc, struct run *r)
{
	if (sc->threads)
		pthread_mutex_lock(&sc->mu);
	r->next_free = sc->free_runs;
	sc->free_runs = r;
	if (sc->threads)
		pthread_mutex_unlock(&sc->mu);
}

/* Block `loaded` decoded, by a worker or here. */
static struct run *take_next(struct rp_scan *sc)
{
	size_t j = sc->loaded;
	struct run *r;

	if (!sc->threads) {
		r = run_get(sc);
		r->order = j;
		decode(sc, sc->cur, &sc->blks[j], r, sc->dev);
	} else {
		pthread_mutex_lock(&sc->mu);
		while (!sc->pending[j % sc->window] || sc->pending[j % sc->window]->order != j)
			pthread_cond_wait(&sc->cv_done, &sc->mu);
		r = sc->pending[j % sc->window];
		sc->pending[j % sc->window] = NULL;
		pthread_cond_broadcast(&sc->cv_work);
		pthread_mutex_unlock(&sc->mu);
	}
	sc->loaded++;
	sc->st.blocks_decoded++;
	sc->st.blocks_pushed += r->pushed;
	sc->st.events += r->decoded;
	if (r->error) {
		char d[64];
		const struct blk *b = &sc->blks[j];
		snprintf(d, sizeof(d), "slot %u",
			 (unsigned)fdr_reader_block(b->ring->reader, b->bi)->slot);
		sc->st.blocks_damaged++;
		add_diag(sc->set, b->ring->path, r->error, d);
	}
	return r;
}

static bool run_less(const struct run *a, const struct run *b)
{
	const struct idx *x = &a->ix[a->cur], *y = &b->ix[b->cur];

	if (x->time != y->time)
		return x->time < y->time;
	if (a->order != b->order)
		return a->order < b->order;
	return x->pos < y->pos;
}

static void sift_down(struct rp_scan *sc, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		if (l < sc->nheap && run_less(sc->heap[l], sc->heap[m]))
			m = l;
		if (l + 1 < sc->nheap && run_less(sc->heap[l + 1], sc->heap[m]))
			m = l + 1;
		if (m == i)
			return;
		struct run *t = sc->heap[i];
		sc->heap[i] = sc->heap[m];
		sc->heap[m] = t;
		i = m;
	}
}

static void heap_push(struct rp_scan *sc, struct run *r)
{
	if (sc->nheap == sc->heapcap) {
		size_t cap = sc->heapcap ? sc->heapcap * 2 : 64;
		struct run **nh = realloc(sc->heap, cap * sizeof(*nh));
		if (!nh)
			abort();
		sc->heap = nh;
		sc->heapcap = cap;
	}
	struct run **h = sc->heap;
	size_t i = sc->nheap++;
	h[i] = r;
	while (i && run_less(h[i], h[(i - 1) / 2])) {
		struct run *t = h[i];
		h[i] = h[(i - 1) / 2];
		h[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
	if (sc->nheap > sc->st.max_live_blocks)
		sc->st.max_live_blocks = sc->nheap;
}

int rp_scan_next(struct rp_scan *sc, struct rp_item *it)
{
	return rp_scan_step(sc, it, UINT64_MAX);
}

int rp_scan_step(struct rp_scan *sc, struct rp_item *it, uint64_t max_blocks)
{
	uint64_t taken = 0;

	if (sc->retired) {
		run_put(sc, sc->retired);
		sc->retired = NULL;
	}
	for (;;) {
		while (sc->loaded < sc->nb &&
		       (!sc->nheap || sc->blks[sc->loaded].first <= sc->heap[0]->ix[sc->heap[0]->cur].time)) {
			struct run *r = take_next(sc);
			if (r->n)
				heap_push(sc, r);
			else
				run_put(sc, r);
			/* Nothing buffered: the merge is between two events, a
			 * caller may leave here and come back. */
			if (++taken >= max_blocks && !sc->nheap)
				return -EAGAIN;
		}
		if (!sc->nheap)
			return 0;
		struct run *top = sc->heap[0];
		uint32_t off = top->ix[top->cur].off, pos = top->ix[top->cur].pos;
		const struct rp_ring *ring = sc->blks[top->order].ring;
		if (++top->cur == top->n) {
			sc->heap[0] = sc->heap[--sc->nheap];
			sift_down(sc, 0);
			/* Its arena backs the event returned now: free it next call. */
			if (sc->retired)
				run_put(sc, sc->retired);
			sc->retired = top;
		} else {
			sift_down(sc, 0);
		}
		uint8_t keep = unpack(top, off, &sc->ev, &sc->sv, &sc->svcap);
		if (sc->track) {
			rp_pidtrack_update(sc->pt, ring, &sc->ev);
			bool m = keep && rp_pidtrack_match(sc->pt, ring, &sc->ev);
			rp_pidtrack_retire(sc->pt, ring, &sc->ev);
			if (!m)
				continue;
		}
		sc->st.matched++;
		sc->where_blk = (size_t)top->order;
		sc->where_pos = pos;
		sc->where_set = true;
		it->ev = &sc->ev;
		it->ring = ring;
		return 1;
	}
}

int rp_scan_where(const struct rp_scan *sc, uint64_t *seq, uint32_t *index)
{
	const struct blk *b;

	if (!sc->where_set)
		return -ENOENT;
	b = &sc->blks[sc->where_blk];
	*seq = fdr_reader_block(b->ring->reader, b->bi)->seq;
	*index = sc->where_pos;
	return 0;
}

void rp_scan_progress(const struct rp_scan *sc, uint64_t *done, uint64_t *total)
{
	*done = sc->loaded;
	*total = sc->nb;
}

void rp_scan_stats(const struct rp_scan *sc, struct rp_scan_stats *st)
{
	*st = sc->st;
}

/* ---- unordered count ------------------------------------------------------- */

struct counter {
	struct rp_scan *sc;
	size_t *next;
	uint64_t matched, events, decoded, damaged, whole, pushed;
	int *errs;		/* per block: decode error */
};

static void *count_worker(void *arg)
{
	struct counter *c = arg;
	struct rp_scan *sc = c->sc;
	const struct rp_filter *f = sc->opts.filter;
	struct fdr_cursor *cur;
	struct fdr_event *ev = malloc(sizeof(*ev));
	/* Tallies stay in locals (registers) until the end: the counters of
	 * all threads share cache lines, and writing them per event made the
	 * cores fight over those lines. */
	uint64_t matched = 0, events = 0, decoded = 0, damaged = 0, whole = 0, pushed = 0;
	struct fdr_str *strv = NULL;
	size_t strcap = 0;
	/* In a block that lies inside the time range, the verdict before
	 * decoding depends on the kind alone (the pid is left to the full
	 * test): one table lookup per event instead of a call. */
	uint8_t by_kind[FDR_KIND_MAX];
	uint64_t since = 0, until = UINT64_MAX;

	if (!ev || fdr_cursor_new(&cur) < 0)
		abort();
	if (f) {
		uint64_t want[2];

		rp_filter_range(f, &since, &until);
		for (unsigned k = 0; k < FDR_KIND_MAX; k++)
			by_kind[k] = (uint8_t)rp_filter_pre(f, k, since, NULL);
		/* A count only tests events: decode just what the filter reads. */
		rp_filter_fields(f, want);
		fdr_cursor_project(cur, want);
	}
	for (;;) {
		/* Whole blocks are the unit of work: one atomic per block. */
		size_t j = __atomic_fetch_add(c->next, 1, __ATOMIC_RELAXED);
		if (j >= sc->nb)
			break;
		const struct blk *b = &sc->blks[j];
		const struct fdr_block_info *bi = fdr_reader_block(b->ring->reader, b->bi);
		if (!f || rp_filter_block_all(f, bi)) {
			/* Every event matches: the header's count is the answer. */
			matched += bi->events;
			whole++;
			continue;
		}
		int err = fdr_cursor_load(cur, b->ring->reader, b->bi);
		uint64_t n = 0, m = 0;
		decoded++;
		if (err >= 0 && sc->strpush) {	/* as in decode() */
			int ns = fdr_cursor_strings(cur, &strv, &strcap);
			if (ns >= 0 && !rp_filter_strings_may_match(f, strv, (size_t)ns)) {
				pushed++;
				continue;
			}
		}
		struct fdr_event_peek pk;
		bool inside = bi->first_ns >= since && bi->last_ns <= until;
		while (!sc->peek && err >= 0 && (err = fdr_cursor_next(cur, ev)) > 0) {
			n++;
			m += rp_filter_event(f, b->ring, ev);
		}
		while (sc->peek && err >= 0 && (err = fdr_cursor_peek(cur, &pk)) > 0) {
			/* Fields are decoded only when kind, time and pid leave
			 * the answer open. */
			n++;
			enum rp_pre v = inside && pk.kind < FDR_KIND_MAX ? (enum rp_pre)by_kind[pk.kind]
									 : RP_PRE_MAYBE;
			if (v == RP_PRE_MAYBE)	/* the pid may still settle it */
				v = rp_filter_pre(f, pk.kind, pk.time_ns, pk.has_pid ? &pk.pid : NULL);
			if (v != RP_PRE_MAYBE) {
				m += v == RP_PRE_YES;
				err = fdr_cursor_skip(cur);
			} else if ((err = fdr_cursor_next(cur, ev)) > 0) {
				m += rp_filter_event(f, b->ring, ev);
			}
		}
		events += n;
		matched += m;
		if (err < 0) {
			c->errs[j] = err;
			damaged++;
		}
	}
	c->matched = matched;
	c->events = events;
	c->decoded = decoded;
	c->damaged = damaged;
	c->whole = whole;
	c->pushed = pushed;
	free(strv);
	fdr_cursor_free(cur);
	free(ev);
	return NULL;
}

int rp_scan_count(struct rp_set *s, const struct rp_scan_opts *opts, uint64_t *count,
		  struct rp_scan_stats *st)
{
	struct rp_scan_opts o = *opts;
	struct rp_scan *sc;
	struct rp_item it;
	int err;

	if (opts->filter && rp_filter_tracks_pids(opts->filter)) {
		/* Descendants need time order. */
		o.unordered = false;
		err = rp_scan_new(s, &o, &sc);
		if (err < 0)
			return err;
		*count = 0;
		while ((err = rp_scan_next(sc, &it)) > 0)
			(*count)++;
		if (st)
			rp_scan_stats(sc, st);
		rp_scan_free(sc);
		return err;
	}
	o.unordered = true;
	o.threads = 1;		/* the scan's own workers are not used here */
	err = rp_scan_new(s, &o, &sc);
	if (err < 0)
		return err;
	unsigned n = opts->threads ? opts->threads : default_threads();
	pthread_t *th = calloc(n, sizeof(*th));
	struct counter *c = calloc(n, sizeof(*c));
	int *errs = calloc(sc->nb + 1, sizeof(*errs));
	size_t next = 0;
	unsigned started = 0;
	if (!th || !c || !errs) {
		err = -ENOMEM;
		goto out_free;
	}
	for (unsigned i = 0; i < n; i++) {
		c[i].sc = sc;
		c[i].next = &next;
		c[i].errs = errs;
		if (n == 1) {
			count_worker(&c[i]);
			started = 0;
			break;
		}
		if ((err = -pthread_create(&th[i], NULL, count_worker, &c[i])))
			break;
		started++;
	}
	for (unsigned i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	if (err)
		goto out_free;
	*count = 0;
	for (unsigned i = 0; i < n; i++) {
		*count += c[i].matched;
		sc->st.events += c[i].events;
		sc->st.blocks_decoded += c[i].decoded;
		sc->st.blocks_damaged += c[i].damaged;
		sc->st.blocks_counted += c[i].whole;
		sc->st.blocks_pushed += c[i].pushed;
	}
	sc->st.matched = *count;
	for (size_t j = 0; j < sc->nb; j++) {
		if (!errs[j])
			continue;
		char d[64];
		const struct blk *b = &sc->blks[j];
		snprintf(d, sizeof(d), "slot %u", (unsigned)fdr_reader_block(b->ring->reader, b->bi)->slot);
		add_diag(s, b->ring->path, errs[j], d);
	}
	if (st)
		*st = sc->st;
out_free:
	free(errs);
	free(c);
	free(th);
	rp_scan_free(sc);
	return err;
}
