/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The model as data: sections of entries keyed by (type, fields), their hash
 * tables, merge, and the collapse that keeps a model from memorizing noise
 * (formats/MODEL.md "Directory collapse"). Plus path generalization.
 *
 * Why key blobs: one memcmp-able byte string per entry makes lookups one hash
 * and one compare, which is what lets learn and check run at millions of
 * events per second.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "model-int.h"

static const char *const type_names[MD_T_COUNT] = {
	[MD_T_NAME] = "name",
	[MD_T_SEED_CMD] = "seed command",
	[MD_T_SEED_PORT] = "seed port",
	[MD_T_EXEC] = "exec",
	[MD_T_SPAWN] = "spawn",
	[MD_T_ARGV] = "argv",
	[MD_T_USER] = "user",
	[MD_T_SETUID] = "setuid",
	[MD_T_READ] = "read",
	[MD_T_CREATE] = "create",
	[MD_T_WRITE] = "write",
	[MD_T_DELETE] = "delete",
	[MD_T_CONNECT] = "connect",
	[MD_T_LISTEN] = "listen",
	[MD_T_DNS] = "dns",
	[MD_T_EXEC_INTO] = "exec-into",
	[MD_T_SUDO] = "sudo",
	[MD_T_LOGIN] = "login",
};

const char *md_type_name(unsigned type)
{
	return type < MD_T_COUNT ? type_names[type] : NULL;
}

const char *md_skind_name(unsigned kind)
{
	static const char *const n[] = { "host", "image", "image-name", "other" };

	return kind < 4 ? n[kind] : NULL;
}

const char *md_strerror(int err)
{
	switch (err) {
	case MD_E_SYNTAX: return "malformed model text";
	case MD_E_LIMIT: return "size limit exceeded";
	case MD_E_RULE: return "unknown rule";
	case MD_E_LEVEL: return "unknown severity";
	case MD_E_RING: return "unknown ring id";
	default: break;
	}
	if (err <= -1000)
		return "unknown error";	/* ring errors: fdr_strerror() */
	return strerror(-err);
}

/* ---- hash seed ------------------------------------------------------------ */

uint64_t md_seed;

void md_seed_init(void)
{
	uint64_t v = 0, zero = 0;

	if (__atomic_load_n(&md_seed, __ATOMIC_ACQUIRE))
		return;
	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != (ssize_t)sizeof(v)) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		v = ((uint64_t)ts.tv_nsec << 32) ^ (uint64_t)ts.tv_sec ^ ((uint64_t)getpid() << 16);
	}
	v |= 1;	/* 0 means "not yet" */
	/* The first caller wins; tables only ever see one seed. */
	__atomic_compare_exchange_n(&md_seed, &zero, v, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/* ---- key blobs ------------------------------------------------------------ */

size_t md_key_build(const struct md_obs *o, char *buf, size_t cap)
{
	size_t need = 2, k = 2;

	for (unsigned i = 0; i < o->nf; i++)
		need += 4 + o->f[i].len;
	if (need > cap)
		return 0;
	buf[0] = (char)o->type;
	buf[1] = (char)o->nf;
	for (unsigned i = 0; i < o->nf; i++) {
		uint32_t l = o->f[i].len;

		memcpy(buf + k, &l, 4);
		k += 4;
		if (l)
			memcpy(buf + k, o->f[i].p, l);
		k += l;
	}
	return k;
}

int md_key_parse(const char *blob, size_t len, struct md_obs *o)
{
	size_t k = 2;

	if (len < 2 || (unsigned char)blob[1] > MD_MAX_FIELDS)
		return MD_E_SYNTAX;
	o->type = (unsigned char)blob[0];
	o->nf = (unsigned char)blob[1];
	for (unsigned i = 0; i < o->nf; i++) {
		uint32_t l;

		if (len - k < 4)
			return MD_E_SYNTAX;
		memcpy(&l, blob + k, 4);
		k += 4;
		if (len - k < l)
			return MD_E_SYNTAX;
		o->f[i].p = blob + k;
		o->f[i].len = l;
		k += l;
	}
	return k == len ? 0 : MD_E_SYNTAX;
}

/* ---- index ---------------------------------------------------------------- */

void md_index_release(struct md_index *x)
{
	free(x->slot);
	x->slot = NULL;
	x->cap = x->used = 0;
}

/* Make room for want elements; the caller re-inserts when this returns 1. */
int md_index_grow(struct md_index *x, size_t want)
{
	size_t cap = x->cap ? x->cap : 16;
	uint32_t *s;

	while (want * 2 >= cap)
		cap *= 2;
	if (cap == x->cap)
		return 0;
	s = calloc(cap, sizeof(*s));
	if (!s)
		return -ENOMEM;
	free(x->slot);
	x->slot = s;
	x->cap = cap;
	x->used = 0;
	return 1;
}

void md_index_put(struct md_index *x, uint64_t h, uint32_t pos)
{
	size_t m = x->cap - 1, i = h & m;

	while (x->slot[i])
		i = (i + 1) & m;
	x->slot[i] = pos + 1;
	x->used++;
}

/* ---- sections --------------------------------------------------------------- */

struct md_entry *md_section_get(const struct md_section *s, const char *blob, size_t len, uint64_t h)
{
	size_t m, i;

	if (!s->idx.cap)
		return NULL;
	m = s->idx.cap - 1;
	for (i = h & m; s->idx.slot[i]; i = (i + 1) & m) {
		struct md_entry *e = &s->ent[s->idx.slot[i] - 1];

		if (e->hash == h && e->len == len && !memcmp(s->arena.p + e->off, blob, len))
			return e;
	}
	return NULL;
}

static int section_reindex(struct md_section *s, size_t want)
{
	int rc = md_index_grow(&s->idx, want);

	if (rc <= 0)
		return rc;
	for (size_t i = 0; i < s->nent; i++)
		md_index_put(&s->idx, s->ent[i].hash, (uint32_t)i);
	return 0;
}

/* Counts saturate at INT64_MAX, the most the text form can say. */
static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > (uint64_t)INT64_MAX - b || b > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX : a + b;
}

void md_entry_fold(struct md_entry *e, uint64_t n, uint64_t first, uint64_t last)
{
	e->n = sat_add(e->n, n);
	if (first && (!e->first || first < e->first))
		e->first = first;
	if (last > e->last)
		e->last = last;
}

int md_section_add(struct md_section *s, const char *blob, size_t len, uint64_t h,
		   uint64_t n, uint64_t first, uint64_t last)
{
	return md_section_add_idx(s, blob, len, h, n, first, last, NULL);
}

int md_section_add_idx(struct md_section *s, const char *blob, size_t len, uint64_t h,
		       uint64_t n, uint64_t first, uint64_t last, size_t *idx)
{
	struct md_entry *e = md_section_get(s, blob, len, h);
	int rc;

	if (e) {
		md_entry_fold(e, n, first, last);
		if (idx)
			*idx = (size_t)(e - s->ent);
		return 0;
	}
	if (s->nent >= MD_MAX_ENTRIES || s->arena.len + len > UINT32_MAX / 2)
		return MD_E_LIMIT;
	if (s->nent == s->capent) {
		size_t cap = s->capent ? s->capent * 2 : 32;
		struct md_entry *ne = realloc(s->ent, cap * sizeof(*ne));

		if (!ne)
			return -ENOMEM;
		s->ent = ne;
		s->capent = cap;
	}
	rc = section_reindex(s, s->nent + 1);
	if (rc < 0)
		return rc;
	e = &s->ent[s->nent];
	e->hash = h;
	e->off = (uint32_t)s->arena.len;
	e->len = (uint32_t)len;
	e->n = 0;
	e->first = e->last = 0;
	md_entry_fold(e, n, first, last);
	fdr_buf_add(&s->arena, blob, len);
	md_index_put(&s->idx, h, (uint32_t)s->nent);
	if (idx)
		*idx = s->nent;
	s->nent++;
	return 0;
}

int md_section_add_obs(struct md_section *s, const struct md_obs *o, uint64_t first, uint64_t last,
		       uint64_t n)
{
	return md_section_add_obs_idx(s, o, first, last, n, NULL);
}

int md_section_add_obs_idx(struct md_section *s, const struct md_obs *o, uint64_t first,
			   uint64_t last, uint64_t n, size_t *idx)
{
	char stackbuf[2048], *blob = stackbuf;
	size_t cap = sizeof(stackbuf), len;
	int rc;

	for (unsigned i = 0; i < o->nf; i++)
		if (o->f[i].len > MD_MAX_FIELD)
			return MD_E_LIMIT;
	len = md_key_build(o, blob, cap);
	if (!len) {
		cap = 2 + MD_MAX_FIELDS * (4 + MD_MAX_FIELD);
		blob = malloc(cap);
		if (!blob)
			return -ENOMEM;
		len = md_key_build(o, blob, cap);
	}
	rc = md_section_add_idx(s, blob, len, md_hash(blob, len), n, first, last, idx);
	if (blob != stackbuf)
		free(blob);
	return rc;
}

void md_section_free(struct md_section *s)
{
	if (!s)
		return;
	free(s->key);
	free(s->ent);
	fdr_buf_release(&s->arena);
	md_index_release(&s->idx);
	free(s);
}

/* ---- model ------------------------------------------------------------------ */

int md_model_new(struct md_model **out)
{
	md_seed_init();
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void md_model_free(struct md_model *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nsec; i++)
		md_section_free(m->sec[i]);
	free(m->sec);
	md_index_release(&m->idx);
	free(m);
}

static uint64_t section_hash(unsigned kind, const char *key)
{
	return XXH3_64bits_withSeed(key, strlen(key), md_seed ^ kind);
}

static long model_lookup(const struct md_model *m, unsigned kind, const char *key, uint64_t h)
{
	size_t msk, i;

	if (!m->idx.cap)
		return -1;
	msk = m->idx.cap - 1;
	for (i = h & msk; m->idx.slot[i]; i = (i + 1) & msk) {
		const struct md_section *s = m->sec[m->idx.slot[i] - 1];

		if (s->kind == kind && !strcmp(s->key, key))
			return (long)(m->idx.slot[i] - 1);
	}
	return -1;
}

static int model_reindex(struct md_model *m, size_t want)
{
	int rc = md_index_grow(&m->idx, want);

	if (rc <= 0)
		return rc;
	for (size_t i = 0; i < m->nsec; i++)
		md_index_put(&m->idx, section_hash(m->sec[i]->kind, m->sec[i]->key), (uint32_t)i);
	return 0;
}

const struct md_section *md_model_find(const struct md_model *m, unsigned kind, const char *key)
{
	long i = model_lookup(m, kind, key, section_hash(kind, key));

	return i < 0 ? NULL : m->sec[i];
}

struct md_section *md_model_section(struct md_model *m, unsigned kind, const char *key, bool create)
{
	uint64_t h = section_hash(kind, key);
	long i = model_lookup(m, kind, key, h);
	struct md_section *s;

	if (i >= 0)
		return m->sec[i];
	if (!create || m->nsec >= MD_MAX_SECTIONS)
		return NULL;
	if (m->nsec == m->capsec) {
		size_t cap = m->capsec ? m->capsec * 2 : 8;
		struct md_section **ns = realloc(m->sec, cap * sizeof(*ns));

		if (!ns)
			return NULL;
		m->sec = ns;
		m->capsec = cap;
	}
	if (model_reindex(m, m->nsec + 1) < 0)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->kind = kind;
	s->key = strdup(key);
	if (!s->key) {
		free(s);
		return NULL;
	}
	m->sec[m->nsec] = s;
	md_index_put(&m->idx, h, (uint32_t)m->nsec);
	m->nsec++;
	return s;
}

unsigned md_meta_section(const struct fdr_ring_meta *meta, const char **key)
{
	if (meta->image_id[0]) {
		*key = meta->image_id;
		return MD_SK_IMAGE;
	}
	if (meta->image[0]) {
		*key = meta->image;
		return MD_SK_IMAGE_NAME;
	}
	if (!meta->container_id[0]) {
		*key = "";
		return MD_SK_HOST;
	}
	*key = meta->container_id;
	return MD_SK_OTHER;
}

/* ---- ordering --------------------------------------------------------------- */

static bool all_digits(const char *p, size_t n)
{
	if (!n || n > 19)
		return false;
	for (size_t i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	return true;
}

static int field_cmp(struct fdr_str a, struct fdr_str b)
{
	size_t n;
	int c;

	if (all_digits(a.p, a.len) && all_digits(b.p, b.len)) {
		if (a.len != b.len)
			return a.len < b.len ? -1 : 1;
	}
	n = a.len < b.len ? a.len : b.len;
	c = n ? memcmp(a.p, b.p, n) : 0;
	if (c)
		return c;
	return a.len < b.len ? -1 : a.len > b.len;
}

static int obs_cmp(const struct md_obs *a, const struct md_obs *b)
{
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	for (unsigned i = 0; i < a->nf && i < b->nf; i++) {
		int c = field_cmp(a->f[i], b->f[i]);

		if (c)
			return c;
	}
	return a->nf < b->nf ? -1 : a->nf > b->nf;
}

static const struct md_section *sort_sec;

static int entry_cmp(const void *x, const void *y)
{
	const struct md_entry *a = x, *b = y;
	struct md_obs oa, ob;

	md_key_parse(md_entry_key(sort_sec, a), a->len, &oa);
	md_key_parse(md_entry_key(sort_sec, b), b->len, &ob);
	return obs_cmp(&oa, &ob);
}

static int section_cmp(const void *x, const void *y)
{
	const struct md_section *a = *(const struct md_section *const *)x;
	const struct md_section *b = *(const struct md_section *const *)y;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	return strcmp(a->key, b->key);
}

/* ---- collapse --------------------------------------------------------------- */

static bool is_path_type(unsigned t)
{
	return t == MD_T_READ || t == MD_T_CREATE || t == MD_T_WRITE || t == MD_T_DELETE;
}

/*
 * The group an entry collapses with, and the entry that stands for the whole
 * group. Returns false for entries that never collapse.
 */
static bool collapse_group(const struct md_obs *o, struct md_obs *group, struct md_obs *star,
			   size_t *limit, char *tmp, size_t tmpcap)
{
	*group = *o;
	*star = *o;
	if (is_path_type(o->type)) {
		const char *p = o->f[0].p;
		size_t n = o->f[0].len, d = n;

		while (d > 0 && p[d - 1] != '/')
			d--;
		if (d <= 1 || d + 2 > tmpcap)	/* no dir, or "/" */
			return false;
		if (n - d == 2 && p[d] == '*' && p[d + 1] == '*')	/* "DIR/" "**" stays */
			return false;
		group->f[0].len = (uint32_t)(d - 1);	/* dir without its slash */
		memcpy(tmp, p, d);
		tmp[d] = '*';
		star->f[0].p = tmp;
		star->f[0].len = (uint32_t)(d + 1);
		*limit = MD_COLLAPSE_DIR;
		return true;
	}
	if (o->type == MD_T_ARGV && o->nf == 2) {
		group->nf = 1;
		star->f[1] = fdr_str_c("...");
		*limit = MD_COLLAPSE_ARGV;
		return true;
	}
	if (o->type == MD_T_CONNECT && o->nf == 3) {
		group->nf = 2;
		group->f[1] = o->f[2];
		star->f[1] = fdr_str_c("*");
		*limit = MD_COLLAPSE_PEER;
		return true;
	}
	return false;
}

struct group_count {
	uint64_t hash;
	uint32_t n;
	bool star;
};

/* Rebuild s from its own entries, dropping those marked (n == UINT64_MAX). */
static int section_compact(struct md_section *s)
{
	struct md_entry *old = s->ent;
	size_t nold = s->nent;
	struct fdr_buf arena = s->arena;
	int rc = 0;

	s->ent = NULL;
	s->nent = s->capent = 0;
	s->arena = (struct fdr_buf)FDR_BUF_INIT;
	md_index_release(&s->idx);
	for (size_t i = 0; i < nold && !rc; i++) {
		if (old[i].n == UINT64_MAX)
			continue;
		rc = md_section_add(s, arena.p + old[i].off, old[i].len, old[i].hash,
				    old[i].n, old[i].first, old[i].last);
	}
	free(old);
	fdr_buf_release(&arena);
	return rc;
}

static int section_collapse(struct md_section *s)
{
	struct group_count *g = NULL;
	struct md_index gi = { NULL, 0, 0 };
	size_t ng = 0, nent = s->nent;
	char tmp[MD_MAX_FIELD + 8];
	char gblob[2 + MD_MAX_FIELDS * (4 + MD_MAX_FIELD)];
	bool any = false;
	int rc = 0;

	g = calloc(nent ? nent : 1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	rc = md_index_grow(&gi, nent + 1);
	if (rc < 0)
		goto out_free;
	rc = 0;
	/* Pass 1: count distinct entries per group, note groups with a star. */
	for (size_t i = 0; i < nent; i++) {
		struct md_obs o, grp, star;
		size_t limit, len, m = gi.cap - 1, j;
		uint64_t h;

		if (md_key_parse(md_entry_key(s, &s->ent[i]), s->ent[i].len, &o) ||
		    !collapse_group(&o, &grp, &star, &limit, tmp, sizeof(tmp)))
			continue;
		len = md_key_build(&grp, gblob, sizeof(gblob));
		h = md_hash(gblob, len);
		for (j = h & m; gi.slot[j] && g[gi.slot[j] - 1].hash != h; j = (j + 1) & m)
			;
		if (!gi.slot[j]) {
			g[ng].hash = h;
			gi.slot[j] = (uint32_t)++ng;
		}
		g[gi.slot[j] - 1].n++;
		if (obs_cmp(&o, &star) == 0)
			g[gi.slot[j] - 1].star = true;
	}
	/* Pass 2: fold members of collapsing groups into their star. */
	for (size_t i = 0; i < nent; i++) {
		struct md_obs o, grp, star;
		size_t limit, len, m = gi.cap - 1, j;
		uint64_t h, n, first, last;
		struct group_count *gc;

		if (md_key_parse(md_entry_key(s, &s->ent[i]), s->ent[i].len, &o) ||
		    !collapse_group(&o, &grp, &star, &limit, tmp, sizeof(tmp)))
			continue;
		len = md_key_build(&grp, gblob, sizeof(gblob));
		h = md_hash(gblob, len);
		for (j = h & m; g[gi.slot[j] - 1].hash != h; j = (j + 1) & m)
			;
		gc = &g[gi.slot[j] - 1];
		if (!gc->star && gc->n <= limit)
			continue;
		if (obs_cmp(&o, &star) == 0)
			continue;
		n = s->ent[i].n;
		first = s->ent[i].first;
		last = s->ent[i].last;
		s->ent[i].n = UINT64_MAX;	/* dropped by compaction */
		/* May realloc s->ent: nothing above keeps a pointer into it. */
		rc = md_section_add_obs(s, &star, first, last, n);
		if (rc)
			goto out_free;
		any = true;
	}
	if (any)
		rc = section_compact(s);
out_free:
	md_index_release(&gi);
	free(g);
	return rc;
}

int md_section_normalize(struct md_section *s)
{
	int rc = section_collapse(s);

	if (rc)
		return rc;
	sort_sec = s;
	if (s->nent)
		qsort(s->ent, s->nent, sizeof(*s->ent), entry_cmp);
	sort_sec = NULL;
	md_index_release(&s->idx);
	return section_reindex(s, s->nent);
}

void md_model_normalize(struct md_model *m)
{
	for (size_t i = 0; i < m->nsec; i++)
		md_section_normalize(m->sec[i]);
	if (m->nsec)
		qsort(m->sec, m->nsec, sizeof(*m->sec), section_cmp);
	md_index_release(&m->idx);
	model_reindex(m, m->nsec);
}

/* ---- merge ------------------------------------------------------------------ */

int md_model_merge(struct md_model *dst, const struct md_model *src)
{
	for (size_t i = 0; i < src->nsec; i++) {
		const struct md_section *ss = src->sec[i];
		struct md_section *ds = md_model_section(dst, ss->kind, ss->key, true);

		if (!ds)
			return -ENOMEM;
		if (ss->first_ns && (!ds->first_ns || ss->first_ns < ds->first_ns))
			ds->first_ns = ss->first_ns;
		if (ss->last_ns > ds->last_ns)
			ds->last_ns = ss->last_ns;
		ds->observed_s = sat_add(ds->observed_s, ss->observed_s);
		ds->rings = sat_add(ds->rings, ss->rings);
		ds->events = sat_add(ds->events, ss->events);
		for (size_t j = 0; j < ss->nent; j++) {
			const struct md_entry *e = &ss->ent[j];
			int rc = md_section_add(ds, md_entry_key(ss, e), e->len, e->hash,
						e->n, e->first, e->last);

			if (rc)
				return rc;
		}
	}
	md_model_normalize(dst);
	return 0;
}

/* ---- settledness -------------------------------------------------------------- */

size_t md_model_nsections(const struct md_model *m)
{
	return m->nsec;
}

int md_model_section_info(const struct md_model *m, size_t i, struct md_section_info *info)
{
	const struct md_section *s;
	uint64_t span, q_start, nlast = 0;
	double hours;

	if (i >= m->nsec)
		return -EINVAL;
	s = m->sec[i];
	memset(info, 0, sizeof(*info));
	info->kind = md_skind_name(s->kind);
	info->key = s->key;
	info->first_ns = s->first_ns;
	info->last_ns = s->last_ns;
	info->observed_s = s->observed_s;
	info->rings = s->rings;
	info->events = s->events;
	span = s->last_ns > s->first_ns ? s->last_ns - s->first_ns : 0;
	q_start = s->last_ns - span / 4;
	for (size_t j = 0; j < s->nent; j++) {
		const struct md_entry *e = &s->ent[j];
		struct md_obs o;

		if (md_key_parse(md_entry_key(s, e), e->len, &o))
			continue;
		if (o.type == MD_T_NAME) {
			if (!info->name[0] && o.nf == 1) {
				size_t n = o.f[0].len < sizeof(info->name) - 1 ? o.f[0].len
									  : sizeof(info->name) - 1;

				memcpy(info->name, o.f[0].p, n);
				info->name[n] = 0;
			}
			continue;
		}
		if (o.type == MD_T_SEED_CMD || o.type == MD_T_SEED_PORT)
			continue;
		info->behaviours++;
		if (span && e->first >= q_start)
			nlast++;
	}
	hours = (double)span / 3.6e12;
	if (hours > 0) {
		info->rate_all = (double)info->behaviours / hours;
		info->rate_last = (double)nlast / (hours / 4);
	}
	info->settled = hours >= 1.0 &&
		(nlast == 0 || info->rate_last < info->rate_all / 10);
	return 0;
}

/* ---- generalization ------------------------------------------------------------- */

enum { C_DIGIT = 1, C_LOWER = 2, C_UPPER = 4 };

static const uint8_t cclass[256] = {
	['0' ... '9'] = C_DIGIT,
	['a' ... 'z'] = C_LOWER,
	['A' ... 'Z'] = C_UPPER,
};

static bool is_alnum(unsigned char c)
{
	return cclass[c] != 0;
}

static bool is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Is the alnum run s[0..n) noise? prev/next: the bytes around it (0 if none). */
static bool run_is_noise(const unsigned char *s, size_t n, bool last, unsigned char prev,
			 unsigned char next)
{
	size_t digits = 0, hex = 0, upper = 0, lower = 0, caseflip = 0, ldflip = 0;
	int lastcase = -1;	/* case of the last letter: 0 lower, 1 upper */

	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		bool d = c >= '0' && c <= '9';

		digits += d;
		hex += is_hex(c);
		upper += c >= 'A' && c <= 'Z';
		lower += c >= 'a' && c <= 'z';
		if (!d) {
			int cs = c >= 'A' && c <= 'Z';

			caseflip += lastcase >= 0 && lastcase != cs;
			lastcase = cs;
		}
		if (i && d != (s[i - 1] >= '0' && s[i - 1] <= '9'))
			ldflip++;
	}
	if (digits == n)
		return last || n >= 3;
	if (hex == n && digits && (n >= 6 || (n >= 4 && (prev == '-' || next == '-'))))
		return true;
	if (n >= 6 && digits >= 2 && n - digits >= 2 && ldflip >= 3)
		return true;
	/* Random mixed case (mktemp): many flips for its length; "MyConfigFile" is a word. */
	if (n >= 6 && upper && lower && caseflip >= 4 && caseflip * 2 >= n - digits)
		return true;
	return false;
}

static bool is_joiner(char c)
{
	return c == '-' || c == '_' || c == '.' || c == ':';
}

/* Generalize one path component s[0..n) onto out at *k (cap checked by caller). */
static void gen_component(const unsigned char *s, size_t n, bool last, char *out, size_t *k)
{
	size_t start = *k, i = 0;

	while (i < n) {
		if (!is_alnum(s[i])) {
			out[(*k)++] = (char)s[i++];
			continue;
		}
		size_t j = i;
		unsigned cls = 0;

		while (j < n && cclass[s[j]])
			cls |= cclass[s[j++]];
		/* Only runs with digits or mixed case can be noise. */
		bool noise;

		if (cls == C_DIGIT)	/* the common case: numbers */
			noise = last || j - i >= 3;
		else
			noise = (cls & C_DIGIT || (cls & (C_LOWER | C_UPPER)) == (C_LOWER | C_UPPER)) &&
				run_is_noise(s + i, j - i, last, i ? s[i - 1] : 0, j < n ? s[j] : 0);
		if (noise) {
			/* "*-*" and the like collapse into one "*". */
			if (*k - start >= 2 && out[*k - 2] == '*' && is_joiner(out[*k - 1]))
				(*k)--;
			else
				out[(*k)++] = '*';
		} else {
			memcpy(out + *k, s + i, j - i);
			*k += j - i;
		}
		i = j;
	}
}

size_t md_gen_path(const char *p, size_t n, char *out, size_t cap)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t k = 0, i = 0;

	while (i < n) {
		size_t j = i;
		unsigned cls = 0;

		while (j < n && s[j] != '/')
			cls |= cclass[s[j++]];
		/* A component can only shrink; keep room for the "/" "**" cut mark and the NUL. */
		if (k + (j - i) + 5 > cap || k + (j - i) > MD_MAX_PATH) {
			if (k && out[k - 1] == '/')
				k--;
			memcpy(out + k, "/**", 3);
			k += 3;
			break;
		}
		/* Without digits or mixed case no run can be noise (gen_component
		 * would copy it all): the common "usr", "cache", "client_temp". */
		if (!(cls & C_DIGIT) && (cls & (C_LOWER | C_UPPER)) != (C_LOWER | C_UPPER)) {
			memcpy(out + k, s + i, j - i);
			k += j - i;
		} else {
			gen_component(s + i, j - i, j >= n, out, &k);
		}
		if (j < n)
			out[k++] = '/';
		i = j + 1;
	}
	out[k] = 0;
	return k;
}

size_t md_gen_tail(const char *p, size_t n, char *out, size_t k, size_t cap)
{
	const unsigned char *s = (const unsigned char *)p;
	unsigned cls = 0;

	/* The last iteration of md_gen_path's loop. */
	if (k + n + 5 > cap || k + n > MD_MAX_PATH) {
		if (k && out[k - 1] == '/')
			k--;
		memcpy(out + k, "/**", 3);
		k += 3;
		out[k] = 0;
		return k;
	}
	for (size_t i = 0; i < n; i++)
		cls |= cclass[s[i]];
	if (!(cls & C_DIGIT) && (cls & (C_LOWER | C_UPPER)) != (C_LOWER | C_UPPER)) {
		memcpy(out + k, s, n);
		k += n;
	} else {
		gen_component(s, n, true, out, &k);
	}
	out[k] = 0;
	return k;
}

size_t md_gen_arg(const char *p, size_t n, char *out, size_t cap)
{
	size_t k = 0;
	unsigned cls = 0;

	if (n && p[0] == '/')
		return md_gen_path(p, n, out, cap);
	if (n + 1 > cap || n > 256) {
		out[0] = '*';
		out[1] = 0;
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		cls |= cclass[(unsigned char)p[i]];
	if (!(cls & C_DIGIT) && (cls & (C_LOWER | C_UPPER)) != (C_LOWER | C_UPPER)) {
		memcpy(out, p, n);	/* no run can be noise (as in md_gen_path) */
		k = n;
	} else {
		gen_component((const unsigned char *)p, n, true, out, &k);
	}
	out[k] = 0;
	return k;
}

/* ---- text helpers ------------------------------------------------------------------ */

void md_add_token(struct fdr_buf *b, const char *p, size_t n, bool literal_dots)
{
	bool quote = n == 0;

	for (size_t i = 0; i < n && !quote; i++) {
		unsigned char c = (unsigned char)p[i];

		quote = c < 0x21 || c > 0x7e || c == '"' || c == '#' || c == '\\' || c == '=';
	}
	if (literal_dots && ((n == 3 && !memcmp(p, "...", 3)) || (n == 1 && p[0] == '-')))
		quote = true;
	if (!quote) {
		fdr_buf_add(b, p, n);
		return;
	}
	fdr_buf_addc(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '"' || c == '\\') {
			fdr_buf_addc(b, '\\');
			fdr_buf_addc(b, (char)c);
		} else if (c < 0x20 || c > 0x7e) {
			fdr_buf_addf(b, "\\x%02x", c);
		} else {
			fdr_buf_addc(b, (char)c);
		}
	}
	fdr_buf_addc(b, '"');
}

void md_add_time(struct fdr_buf *b, uint64_t ns)
{
	time_t t = (time_t)(ns / 1000000000u);
	struct tm tm;

	gmtime_r(&t, &tm);
	fdr_buf_addf(b, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void md_obs_text(struct fdr_buf *b, const struct md_obs *o)
{
	fdr_buf_adds(b, md_type_name(o->type));
	for (unsigned i = 0; i < o->nf; i++) {
		fdr_buf_addc(b, ' ');
		if (o->type == MD_T_ARGV && i == 1)
			fdr_buf_add(b, o->f[i].p, o->f[i].len);	/* already token text */
		else
			md_add_token(b, o->f[i].p, o->f[i].len, false);
	}
}
