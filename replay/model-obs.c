/* SPDX-License-Identifier: Apache-2.0 */
/*
 * From events to observations (formats/MODEL.md "Entries"), with the small
 * per-ring state that needs: a pid -> (exe, euid, start) table built from
 * fork/exec/exit for process lineage, and an address -> DNS name cache. Plus
 * the learner, which only adds observations to the ring's section.
 *
 * The replay branch's process tree was not available when this was written;
 * this table is deliberately minimal (one exe and euid per live pid).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model-int.h"

/* ---- string table ------------------------------------------------------------- */

uint32_t md_str_find(const struct md_strtab *t, const char *p, size_t n)
{
	uint64_t h;
	size_t m, i;

	if (!t->idx.cap)
		return 0;
	h = md_hash(p, n);
	m = t->idx.cap - 1;
	for (i = h & m; t->idx.slot[i]; i = (i + 1) & m) {
		uint32_t k = t->idx.slot[i] - 1;

		if (t->hashes[k] == h && t->lens[k] == n && !memcmp(t->arena.p + t->offs[k], p, n))
			return k + 1;
	}
	return 0;
}

uint32_t md_str_intern(struct md_strtab *t, const char *p, size_t n)
{
	uint32_t id = md_str_find(t, p, n);
	int rc;

	if (id)
		return id;
	if (t->n >= MD_STRTAB_MAX || n > MD_MAX_FIELD)
		return 0;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		uint32_t *o = realloc(t->offs, cap * sizeof(*o));

		if (!o)
			return 0;
		t->offs = o;
		o = realloc(t->lens, cap * sizeof(*o));
		if (!o)
			return 0;
		t->lens = o;
		uint64_t *h = realloc(t->hashes, cap * sizeof(*h));

		if (!h)
			return 0;
		t->hashes = h;
		t->cap = cap;
	}
	rc = md_index_grow(&t->idx, t->n + 1);
	if (rc < 0)
		return 0;
	if (rc > 0)
		for (size_t k = 0; k < t->n; k++)
			md_index_put(&t->idx, t->hashes[k], (uint32_t)k);
	t->offs[t->n] = (uint32_t)t->arena.len;
	t->lens[t->n] = (uint32_t)n;
	t->hashes[t->n] = md_hash(p, n);
	fdr_buf_add(&t->arena, p, n);
	fdr_buf_addc(&t->arena, 0);
	md_index_put(&t->idx, t->hashes[t->n], (uint32_t)t->n);
	return (uint32_t)++t->n;
}

void md_strtab_release(struct md_strtab *t)
{
	fdr_buf_release(&t->arena);
	md_index_release(&t->idx);
	free(t->offs);
	free(t->lens);
	free(t->hashes);
	memset(t, 0, sizeof(*t));
}

/* ---- ring state ------------------------------------------------------------------ */

#define PID_DELETED UINT64_MAX
#define PID_MAX_ENTRIES (1u << 22)
#define DNS_SLOTS 4096

int md_ring_init(struct md_ring *r, const struct fdr_ring_meta *meta, const char *name)
{
	memset(r, 0, sizeof(*r));
	r->meta = *meta;
	r->skind = md_meta_section(&r->meta, &(const char *){ NULL });
	r->name = strdup(name ? name : "");
	r->dns = calloc(DNS_SLOTS, sizeof(*r->dns));
	r->gcache = calloc(MD_GCACHE_SLOTS, sizeof(*r->gcache));
	r->gtag = calloc(MD_GCACHE_SLOTS, sizeof(*r->gtag));
	r->nmemo = calloc(MD_NMEMO, sizeof(*r->nmemo));
	r->xmemo = calloc(MD_XMEMO, sizeof(*r->xmemo));
	if (!r->name || !r->dns || !r->gcache || !r->gtag || !r->nmemo || !r->xmemo) {
		md_ring_release(r);
		return -ENOMEM;
	}
	r->dnscap = DNS_SLOTS;
	return 0;
}

void md_ring_release(struct md_ring *r)
{
	free(r->name);
	free(r->pids);
	free(r->dns);
	md_strtab_release(&r->strs);
	free(r->drift);
	free(r->gcache);
	free(r->gtag);
	r->gtag = NULL;
	free(r->nmemo);
	r->nmemo = NULL;
	free(r->xmemo);
	r->xmemo = NULL;
	r->drift = NULL;
	r->gcache = NULL;
	fdr_buf_release(&r->scratch.shape);
	r->name = NULL;
	r->pids = NULL;
	r->dns = NULL;
}

static uint64_t pid_hash(uint64_t pid)
{
	pid ^= pid >> 33;
	pid *= 0xff51afd7ed558ccdull;
	pid ^= pid >> 33;
	return pid;
}

static struct md_pid *pid_find(struct md_ring *r, uint64_t pid)
{
	size_t m, i;

	if (!r->pidcap || !pid || pid == PID_DELETED)
		return NULL;
	m = r->pidcap - 1;
	for (i = pid_hash(pid) & m; r->pids[i].pid; i = (i + 1) & m)
		if (r->pids[i].pid == pid)
			return &r->pids[i];
	return NULL;
}

static int pid_rehash(struct md_ring *r)
{
	size_t cap = r->pidcap ? r->pidcap : 256, live = 0;
	struct md_pid *old = r->pids, *np;

	for (size_t i = 0; i < r->pidcap; i++)
		live += old[i].pid && old[i].pid != PID_DELETED;
	while (live * 4 >= cap)
		cap *= 2;
	np = calloc(cap, sizeof(*np));
	if (!np)
		return -ENOMEM;
	for (size_t i = 0; i < r->pidcap; i++) {
		size_t j;

		if (!old[i].pid || old[i].pid == PID_DELETED)
			continue;
		for (j = pid_hash(old[i].pid) & (cap - 1); np[j].pid; j = (j + 1) & (cap - 1))
			;
		np[j] = old[i];
	}
	free(old);
	r->pids = np;
	r->pidcap = cap;
	r->pidused = live;
	return 0;
}

/* The entry for pid, created (unknown exe) when absent; NULL when full. */
const struct md_pid *md_pid_find(struct md_ring *r, uint64_t pid)
{
	return pid_find(r, pid);
}

static struct md_pid *pid_get(struct md_ring *r, uint64_t pid, uint64_t now)
{
	struct md_pid *p = pid_find(r, pid);
	size_t m, i;

	if (p || !pid || pid == PID_DELETED)
		return p;
	if ((r->pidused + 1) * 2 >= r->pidcap) {
		if (r->pidused >= PID_MAX_ENTRIES || pid_rehash(r))
			return NULL;
	}
	m = r->pidcap - 1;
	for (i = pid_hash(pid) & m; r->pids[i].pid && r->pids[i].pid != PID_DELETED; i = (i + 1) & m)
		;
	if (!r->pids[i].pid)
		r->pidused++;	/* tombstones are already counted */
	r->pids[i].pid = pid;
	r->pids[i].exe = 0;
	r->pids[i].euid = UINT32_MAX;
	r->pids[i].start_ns = now;
	return &r->pids[i];
}

static void pid_del(struct md_ring *r, uint64_t pid)
{
	struct md_pid *p = pid_find(r, pid);

	if (p)
		p->pid = PID_DELETED;
}

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

static uint64_t addr_mix(const struct fdr_addr *a)
{
	uint64_t x, y;

	memcpy(&x, a->b, 8);
	memcpy(&y, a->b + 8, 8);
	if (a->family != 6) {
		uint32_t v4;

		memcpy(&v4, a->b, 4);
		return mix64(v4);
	}
	return mix64(x ^ mix64(y));
}

static size_t dns_slot(const struct fdr_addr *a)
{
	return addr_mix(a) & (DNS_SLOTS - 1);
}

static bool addr_eq(const struct fdr_addr *a, const struct fdr_addr *b)
{
	return a->family == b->family && !memcmp(a->b, b->b, a->family == 6 ? 16 : 4);
}

/*
 * The memo slot for a network observation and whether it holds exactly this
 * one (then *hit). On a miss the slot is reset to describe it, so the consumer's
 * hint lands there.
 */
static struct md_nmemo *nmemo_get(struct md_ring *r, unsigned type, const struct fdr_addr *a,
				  struct fdr_str proto, uint64_t port, uint32_t nameid, bool *hit)
{
	struct md_nmemo *m;
	uint64_t k;

	*hit = false;
	if (proto.len >= sizeof(m->proto) || port > 65535)
		return NULL;
	k = mix64(((uint64_t)type << 56) ^ (port << 32) ^ nameid ^ (a ? addr_mix(a) : 0) ^
		  (proto.len ? (uint64_t)(unsigned char)proto.p[0] << 40 : 0));
	m = &r->nmemo[k & (MD_NMEMO - 1)];
	if (m->kind == type && m->port == port && m->nameid == nameid &&
	    !strncmp(m->proto, proto.p, proto.len) && !m->proto[proto.len] &&
	    (a ? addr_eq(&m->addr, a) : m->addr.family == 0)) {
		*hit = m->hint != 0;
		return m;
	}
	memset(m, 0, sizeof(*m));
	m->kind = (uint8_t)type;
	memcpy(m->proto, proto.p, proto.len);
	m->port = (uint16_t)port;
	m->nameid = nameid;
	if (a)
		m->addr = *a;
	return m;
}

static void dns_put(struct md_ring *r, const struct fdr_addr *a, uint32_t name)
{
	struct md_dns *d = &r->dns[dns_slot(a)];

	d->addr = *a;
	d->name = name;
}

static uint32_t dns_get(const struct md_ring *r, const struct fdr_addr *a)
{
	const struct md_dns *d = &r->dns[dns_slot(a)];

	return d->name && addr_eq(&d->addr, a) ? d->name : 0;
}

/* ---- drift set ------------------------------------------------------------------- */

#define DRIFT_MAX (1u << 22)

static uint64_t drift_key(uint64_t h)
{
	return h | 2;	/* never 0 (empty) or 1 (deleted) */
}

static int drift_rehash(struct md_ring *r)
{
	size_t cap = r->driftcap ? r->driftcap : 1024;
	uint64_t *old = r->drift, *nk;

	while (r->driftlive * 4 >= cap)
		cap *= 2;
	nk = calloc(cap, sizeof(*nk));
	if (!nk)
		return -ENOMEM;
	for (size_t i = 0; i < r->driftcap; i++) {
		size_t j;

		if (old[i] < 2)
			continue;
		for (j = old[i] & (cap - 1); nk[j]; j = (j + 1) & (cap - 1))
			;
		nk[j] = old[i];
	}
	free(old);
	r->drift = nk;
	r->driftcap = cap;
	r->driftused = r->driftlive;
	return 0;
}

void md_drift_add(struct md_ring *r, uint64_t h)
{
	uint64_t k = drift_key(h);
	size_t m, i, tomb = SIZE_MAX;

	if ((r->driftused + 1) * 2 >= r->driftcap) {
		if (r->driftlive >= DRIFT_MAX || drift_rehash(r)) {
			r->drift_full++;
			return;
		}
	}
	m = r->driftcap - 1;
	for (i = k & m; r->drift[i]; i = (i + 1) & m) {
		if (r->drift[i] == k)
			return;
		if (r->drift[i] == 1 && tomb == SIZE_MAX)
			tomb = i;
	}
	if (tomb != SIZE_MAX) {
		i = tomb;
	} else {
		r->driftused++;
	}
	r->drift[i] = k;
	r->driftlive++;
}

static size_t drift_find(const struct md_ring *r, uint64_t k)
{
	size_t m, i;

	if (!r->driftcap)
		return SIZE_MAX;
	m = r->driftcap - 1;
	for (i = k & m; r->drift[i]; i = (i + 1) & m)
		if (r->drift[i] == k)
			return i;
	return SIZE_MAX;
}

void md_drift_del(struct md_ring *r, uint64_t h)
{
	size_t i = drift_find(r, drift_key(h));

	if (i != SIZE_MAX) {
		r->drift[i] = 1;
		r->driftlive--;
	}
}

bool md_drift_has(const struct md_ring *r, uint64_t h)
{
	return drift_find(r, drift_key(h)) != SIZE_MAX;
}

/* ---- observations ---------------------------------------------------------------- */


static bool at(const char *p, const char *end, const char *lit)
{
	size_t n = strlen(lit);

	return (size_t)(end - p) >= n && !memcmp(p, lit, n);
}

/*
 * One pass over a path's components (this runs for every new path):
 * returns 1 for runtime state, else sets *view to where the container's view
 * starts inside a runtime storage path (or NULL) and returns 0, or 2 when it
 * found nothing to stop at (then *view is NULL).
 */
static int scan_storage(struct fdr_str p, const char **view)
{
	const char *end = p.p + p.len, *c;
	bool overlay = false, containerd = false;

	*view = NULL;
	for (c = p.p; c + 1 < end; c++) {
		if (*c != '/')
			continue;
		switch (c[1]) {
		case 'v':
			if (at(c, end, "/vfs/dir/")) {
				const char *id = c + 9, *sl = memchr(id, '/', (size_t)(end - id));

				*view = sl;
				return 0;
			}
			break;
		case 'o':
			overlay |= at(c, end, "/overlay");
			break;
		case 'c':
			containerd |= at(c, end, "/containers/storage") || at(c, end, "/containerd");
			break;
		case 'i':
			containerd |= at(c, end, "/io.containerd");
			break;
		case 'm':
			if (overlay && at(c, end, "/merged/")) {
				*view = c + 7;
				return 0;
			}
			break;
		case 'r':
			if (at(c, end, "/runtime-runc/"))
				return 1;
			if (containerd && at(c, end, "/rootfs/")) {
				*view = c + 7;
				return 0;
			}
			break;
		case 'e':
			if (at(c, end, "/exec.fifo"))
				return 1;
			break;
		default:
			break;
		}
	}
	return 2;
}

struct fdr_str md_cpath(const struct md_ring *r, struct fdr_str p)
{
	const char *view;

	if (r->skind == MD_SK_HOST || !p.p || p.len < 12 || p.p[0] != '/')
		return p;
	if (scan_storage(p, &view) != 0 || !view || view >= p.p + p.len)
		return p;
	return (struct fdr_str){ view, (uint32_t)(p.p + p.len - view) };
}

struct fdr_str md_program(struct fdr_str ident)
{
	struct fdr_str b = md_basename(ident);
	const char *lb = b.len ? memchr(b.p, '[', b.len) : NULL;

	if (lb && b.p[b.len - 1] == ']' && md_multicall((struct fdr_str){ b.p, (uint32_t)(lb - b.p) })) {
		b.len = (uint32_t)(b.p + b.len - 1 - (lb + 1));
		b.p = lb + 1;
	}
	return b;
}

struct fdr_str md_basename(struct fdr_str s)
{
	uint32_t i = s.len;

	while (i > 0 && s.p[i - 1] != '/')
		i--;
	s.p += i;
	s.len -= i;
	return s;
}

static struct fdr_str num(struct md_ring *r, unsigned slot, uint64_t v)
{
	char tmp[24], *out = r->scratch.num[slot];
	unsigned n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (unsigned i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return (struct fdr_str){ out, n };
}

/*
 * Generalize a raw path through the ring's cache: the same raw paths come
 * back often, so the runtime check (state files written during container
 * setup), the container view and the pattern are worked out once per
 * distinct path. *hint (when hint is not NULL) receives the memo array of
 * the path's slot, or of its pattern (r->lastgen) when the path is not
 * cached; r->rawhash the hash of the container's view (slot 0).
 * Returns { NULL, 0 } for the runtime's own state files.
 */
static bool prefix(struct fdr_str s, const char *p);

/* Is p runtime state by its directory prefix (p or its directory: these
 * prefixes end in '/')? */
static bool runtime_prefix(struct fdr_str p)
{
	return prefix(p, "/run/runc/") || prefix(p, "/run/containerd/") || prefix(p, "/var/run/docker/") ||
	       prefix(p, "/run/docker/");
}

/* Whole-path form of gen_view(). */
static size_t gen_view_full(struct md_ring *r, unsigned slot, struct fdr_str p, bool *ignore,
			    struct fdr_str *v)
{
	*v = p;
	*ignore = false;
	if (r->skind != MD_SK_HOST) {
		const char *view = NULL;
		int st = scan_storage(p, &view);

		*ignore = runtime_prefix(p) || st == 1;
		if (st == 0 && view && p.len >= 12 && p.p[0] == '/' && view < p.p + p.len)
			*v = (struct fdr_str){ view, (uint32_t)(p.p + p.len - view) };
	}
	return md_gen_path(v->p, v->len, r->scratch.path[slot], sizeof(r->scratch.path[slot]));
}

/*
 * The runtime check (state files written during container setup), the
 * container's view *v and its pattern (into r->scratch.path[slot], length
 * returned) of a path not in the cache. What a directory tells (runtime
 * state, where the view starts, the pattern of its part) is kept for the
 * last directory (r->lastdir): fresh names in one directory then cost only
 * their last component. Same results as gen_view_full(): storage and
 * runtime markers end in '/' (so a last component, which has none, cannot
 * complete one) except "/exec.fifo", checked on the last component when the
 * directory's scan found nothing; patterns are made per component.
 */
static size_t gen_view(struct md_ring *r, unsigned slot, struct fdr_str p, bool *ignore,
		       struct fdr_str *v)
{
	struct md_dirmemo *d = &r->lastdir;
	char *out = r->scratch.path[slot];
	uint32_t dl = p.len;
	size_t k;

	while (dl > 0 && p.p[dl - 1] != '/')
		dl--;
	if (dl == 0 || dl == p.len || dl > sizeof(d->raw))
		return gen_view_full(r, slot, p, ignore, v);
	if (d->rawlen != dl || memcmp(d->raw, p.p, dl)) {
		struct fdr_str dir = { p.p, dl };
		const char *view = NULL;

		d->st = 2;
		d->view = -1;
		d->ignore = 0;
		if (r->skind != MD_SK_HOST) {
			d->st = (uint8_t)scan_storage(dir, &view);
			d->ignore = runtime_prefix(dir) || d->st == 1;
			if (d->st == 0 && view)
				d->view = (int16_t)(view - p.p);
		}
		k = md_gen_path(p.p + (d->view < 0 ? 0 : d->view), dl - (size_t)(d->view < 0 ? 0 : d->view),
				out, sizeof(r->scratch.path[slot]));
		if (k > sizeof(d->gen)) {
			d->rawlen = 0;
			return gen_view_full(r, slot, p, ignore, v);
		}
		memcpy(d->raw, p.p, dl);
		d->rawlen = (uint16_t)dl;
		memcpy(d->gen, out, k);
		d->genlen = (uint16_t)k;
	}
	*v = p;
	*ignore = d->ignore;
	if (r->skind != MD_SK_HOST && d->st == 2 && at(p.p + dl - 1, p.p + p.len, "/exec.fifo"))
		*ignore = true;
	if (d->view >= 0 && p.len >= 12 && p.p[0] == '/')
		*v = (struct fdr_str){ p.p + d->view, p.len - (uint32_t)d->view };
	memcpy(out, d->gen, d->genlen);
	k = d->genlen;
	if (k && out[k - 1] != '/') {	/* the directory's pattern was cut */
		out[k] = 0;
		return k;
	}
	return md_gen_tail(p.p + dl, p.len - dl, out, k, sizeof(r->scratch.path[slot]));
}

static struct fdr_str gen_path(struct md_ring *r, unsigned slot, struct fdr_str p, uint32_t **hint)
{
	struct md_gencache *c;
	uint64_t h0, h, *tag;

	if (!p.p)
		p.p = "";
	if (hint)
		*hint = NULL;
	h0 = md_hash(p.p, p.len);
	h = h0 | 1;
	tag = &r->gtag[h & (MD_GCACHE_SLOTS - 1)];
	c = &r->gcache[h & (MD_GCACHE_SLOTS - 1)];
	/* The tag first: a path seen once (temporary names) misses without
	 * touching the slot's cache lines, and is cached only when seen again
	 * (its tag is then already there): one-off names never evict a
	 * recurring path's slot, and cost no copy into it. */
	if (p.len > MD_GCACHE_RAW || *tag != h || c->rawlen != p.len || memcmp(c->raw, p.p, p.len)) {
		bool again = *tag == h, ignore;
		struct fdr_str v;
		uint64_t vh;
		size_t n;

		/* The view is the raw path itself unless it sits in runtime storage. */
		n = gen_view(r, slot, p, &ignore, &v);
		vh = v.p == p.p && v.len == p.len ? h0 : md_hash(v.p, v.len);
		/* A checker probes the drift set with vh next: start fetching its
		 * slot (a new path is a cold one). */
		if (!slot && r->driftcap)
			__builtin_prefetch(&r->drift[drift_key(vh) & (r->driftcap - 1)]);
		if (!slot)
			r->rawhash = vh;
		*tag = h;
		if (!again || p.len > MD_GCACHE_RAW || n > MD_GCACHE_RAW + 4) {
			struct md_gencache *g = &r->lastgen;

			if (ignore)
				return (struct fdr_str){ NULL, 0 };
			if (hint && n <= sizeof(g->gen)) {
				if (g->genlen != n || memcmp(g->gen, r->scratch.path[slot], n)) {
					g->genlen = (uint16_t)n;
					memcpy(g->gen, r->scratch.path[slot], n);
					memset(g->hint, 0, sizeof(g->hint));
				}
				*hint = g->hint;
			}
			return (struct fdr_str){ r->scratch.path[slot], (uint32_t)n };
		}
		c->rawlen = (uint16_t)p.len;
		memcpy(c->raw, p.p, p.len);
		c->genlen = (uint16_t)n;
		memcpy(c->gen, r->scratch.path[slot], n);
		memset(c->hint, 0, sizeof(c->hint));
		c->ignore = ignore;
		c->vhash = vh;
	} else if (!slot) {
		r->rawhash = c->vhash;
	}
	if (c->ignore)
		return (struct fdr_str){ NULL, 0 };
	if (hint)
		*hint = c->hint;
	/* Copy out: two paths of one event may share a cache slot. */
	memcpy(r->scratch.path[slot], c->gen, c->genlen);
	return (struct fdr_str){ r->scratch.path[slot], c->genlen };
}

/* Forget every memo (entries were reordered). */
static void gcache_forget(struct md_ring *r)
{
	for (size_t i = 0; i < MD_GCACHE_SLOTS; i++)
		memset(r->gcache[i].hint, 0, sizeof(r->gcache[i].hint));
	memset(r->lastgen.hint, 0, sizeof(r->lastgen.hint));
	for (size_t i = 0; i < MD_XMEMO; i++)
		memset(r->xmemo[i].hint, 0, sizeof(r->xmemo[i].hint));
	memset(r->nmemo, 0, MD_NMEMO * sizeof(*r->nmemo));
}

/* First word of a command line (up to a space), or the whole string. */
static struct fdr_str first_word(struct md_ring *r, unsigned slot, struct fdr_str c)
{
	uint32_t i = 0, j;

	while (i < c.len && c.p[i] == ' ')
		i++;
	j = i;
	while (j < c.len && c.p[j] != ' ')
		j++;
	if (j - i >= sizeof(r->scratch.word[slot]))
		j = i + (uint32_t)sizeof(r->scratch.word[slot]) - 1;
	memcpy(r->scratch.word[slot], c.p + i, j - i);
	return (struct fdr_str){ r->scratch.word[slot], j - i };
}

static struct fdr_str lower_name(struct md_ring *r, struct fdr_str n)
{
	uint32_t len = n.len;

	if (len && n.p[len - 1] == '.')
		len--;
	if (len >= sizeof(r->scratch.word[1]))
		len = sizeof(r->scratch.word[1]) - 1;
	for (uint32_t i = 0; i < len; i++) {
		char c = n.p[i];

		r->scratch.word[1][i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	return (struct fdr_str){ r->scratch.word[1], len };
}

static struct fdr_str argv_shape(struct md_ring *r, struct fdr_strv v)
{
	struct fdr_buf *b = &r->scratch.shape;
	char tmp[300];

	fdr_buf_reset(b);
	for (uint32_t i = 1; i < v.n && i <= MD_MAX_ARGS; i++) {
		size_t n = md_gen_arg(v.v[i].p ? v.v[i].p : "", v.v[i].len, tmp, sizeof(tmp));

		if (b->len)
			fdr_buf_addc(b, ' ');
		if (b->len + n * 4 + 2 > MD_MAX_FIELD - 8) {
			fdr_buf_addc(b, '*');
			break;
		}
		md_add_token(b, tmp, n, true);
	}
	return (struct fdr_str){ b->p ? b->p : "", (uint32_t)b->len };
}

static struct fdr_str str_or(struct fdr_str s, const char *def)
{
	return s.p ? s : fdr_str_c(def);
}

static void obs1(struct md_obs *o, unsigned type, struct fdr_str a)
{
	o->type = type;
	o->nf = 1;
	o->f[0] = a;
	o->hint = NULL;
}

static void obs2(struct md_obs *o, unsigned type, struct fdr_str a, struct fdr_str b)
{
	o->type = type;
	o->nf = 2;
	o->f[0] = a;
	o->f[1] = b;
	o->hint = NULL;
}

bool md_multicall(struct fdr_str exe)
{
	struct fdr_str b = md_basename(exe);

	return fdr_str_eq(b, "busybox") || fdr_str_eq(b, "toybox") || fdr_str_eq(b, "busybox.static");
}

/*
 * What ran: the exe, or for a multi-call binary "exe[applet]" (argv[0]'s base
 * name without a login shell's '-'), since /bin/busybox is sh, wget and httpd
 * alike and only argv[0] tells them apart.
 */
static struct fdr_str exe_identity(struct md_ring *r, struct fdr_str exe, struct fdr_strv argv)
{
	struct fdr_str a;

	if (!argv.n || !argv.v[0].p || !md_multicall(exe) || exe.len > MD_MAX_PATH)
		return exe;
	a = md_basename(argv.v[0]);
	if (a.len && a.p[0] == '-') {
		a.p++;
		a.len--;
	}
	if (!a.len || a.len > 64 || fdr_str_eq(a, "busybox") || fdr_str_eq(a, "toybox"))
		return exe;
	memcpy(r->scratch.ident, exe.p, exe.len);
	r->scratch.ident[exe.len] = '[';
	memcpy(r->scratch.ident + exe.len + 1, a.p, a.len);
	r->scratch.ident[exe.len + 1 + a.len] = ']';
	return (struct fdr_str){ r->scratch.ident, exe.len + 2 + a.len };
}

static bool prefix(struct fdr_str s, const char *p)
{
	size_t n = strlen(p);

	return s.p && s.len >= n && !memcmp(s.p, p, n);
}

/* The container runtime setting the container up (runc, crun and the loader
 * re-exec'ing them) runs in the container's cgroup for a moment: not the
 * container's behaviour. */
static bool runtime_exec(struct fdr_str exe, struct fdr_strv argv)
{
	struct fdr_str b = md_basename(exe), a0 = argv.n ? md_basename(argv.v[0]) : (struct fdr_str){ NULL, 0 };

	return fdr_str_eq(b, "runc") || fdr_str_eq(b, "crun") || prefix(a0, "runc") || prefix(a0, "crun");
}

/* Point the hints of an exec's observations at the memo of their exact
 * shape (installed on a miss); shapes too long for a memo key get none. */
static void xmemo_hints(struct md_ring *r, struct md_obs *out, unsigned n)
{
	char key[MD_XMEMO_KEY];
	struct md_xmemo *m;
	size_t k = 0;
	uint64_t h;

	for (unsigned i = 0; i < n; i++) {
		key[k++] = (char)out[i].type;
		for (unsigned f = 0; f < out[i].nf; f++) {
			uint16_t len = (uint16_t)out[i].f[f].len;

			if (out[i].f[f].len > MD_XMEMO_KEY || k + 2 + len + 1 > sizeof(key))
				return;
			memcpy(key + k, &len, 2);
			memcpy(key + k + 2, out[i].f[f].p, len);
			k += 2 + (size_t)len;
		}
	}
	h = md_hash(key, k) | 1;
	m = &r->xmemo[h & (MD_XMEMO - 1)];
	if (m->h != h || m->len != k || memcmp(m->key, key, k)) {
		m->h = h;
		m->len = (uint16_t)k;
		memcpy(m->key, key, k);
		memset(m->hint, 0, sizeof(m->hint));
	}
	for (unsigned i = 0; i < n; i++)
		out[i].hint = &m->hint[i];
}

static unsigned observe_exec(struct md_ring *r, const struct fdr_event *ev, struct md_obs *out,
			     const struct md_pid **actor)
{
	uint64_t pid = fdr_event_u(ev, FDR_F_PID, 0), ppid = fdr_event_u(ev, FDR_F_PPID, 0);
	struct fdr_str exe = fdr_event_str(ev, FDR_F_EXE), parent = fdr_str_c("-");
	struct md_pid *p = pid_find(r, pid);
	struct fdr_strv argv = fdr_event_strv(ev, FDR_F_ARGV);
	bool entered = false;
	uint32_t id;
	unsigned n = 0;

	if (!exe.p && argv.n && argv.v[0].len && argv.v[0].p[0] == '/')
		exe = argv.v[0];
	exe = md_cpath(r, exe);
	if (!exe.p)
		return 0;
	/* Not a program: the recorder lost the race for /proc (exe "/" of a
	 * process being set up), or the runtime's own "runc init". */
	if (!exe.len || exe.p[exe.len - 1] == '/')
		return 0;
	if (runtime_exec(exe, argv))
		return 0;
	exe = exe_identity(r, exe, argv);
	if (p && p->exe) {
		parent = fdr_str_c(md_str_get(&r->strs, p->exe));
	} else {
		const struct md_pid *pp = pid_find(r, ppid);

		if (pp && pp->exe)
			parent = fdr_str_c(md_str_get(&r->strs, pp->exe));
	}
	/* parent points into r->strs, which only grows by appending: intern the
	 * child first could move the arena, so copy the parent out now. */
	if (parent.len >= sizeof(r->scratch.path[1]))
		parent.len = sizeof(r->scratch.path[1]) - 1;
	memcpy(r->scratch.path[1], parent.p, parent.len);
	parent.p = r->scratch.path[1];
	if (parent.len == 1 && parent.p[0] == '-' && !(ev->flags & FDR_EVF_SCAN)) {
		r->outside_execs++;
		entered = r->skind != MD_SK_HOST && r->outside_execs > 1;
	}
	id = md_str_intern(&r->strs, exe.p, exe.len);
	if (!p)
		p = pid_get(r, pid, ev->time_ns);
	if (p) {
		p->exe = id;
		if (fdr_event_has(ev, FDR_F_EUID) || fdr_event_has(ev, FDR_F_UID))
			p->euid = (uint32_t)fdr_event_u(ev, FDR_F_EUID, fdr_event_u(ev, FDR_F_UID, 0));
	}
	if (actor)
		*actor = p;
	obs1(&out[n++], MD_T_EXEC, exe);
	obs2(&out[n++], MD_T_SPAWN, parent, exe);
	if (argv.n)
		obs2(&out[n++], MD_T_ARGV, exe, argv_shape(r, argv));
	if (fdr_event_has(ev, FDR_F_EUID) || fdr_event_has(ev, FDR_F_UID))
		obs1(&out[n++], MD_T_USER,
		     num(r, 0, fdr_event_u(ev, FDR_F_EUID, fdr_event_u(ev, FDR_F_UID, 0))));
	/* A container process whose parent is outside, after its first one:
	 * something entered it (docker exec, kubectl exec, nsenter). */
	if (entered)
		obs2(&out[n++], MD_T_EXEC_INTO, fdr_str_c("process"), exe);
	xmemo_hints(r, out, n);
	return n;
}

unsigned md_observe(struct md_ring *r, const struct fdr_event *ev, struct md_obs *out,
		    const struct md_pid **actor)
{
	uint64_t pid = fdr_event_u(ev, FDR_F_PID, 0);
	struct fdr_str s;

	if (actor)
		*actor = NULL;
	r->events++;
	if (ev->time_ns) {
		if (!r->first_ns || ev->time_ns < r->first_ns)
			r->first_ns = ev->time_ns;
		if (ev->time_ns > r->last_ns)
			r->last_ns = ev->time_ns;
	}
	switch (ev->kind) {
	case FDR_PROC_FORK: {
		uint64_t ppid = fdr_event_u(ev, FDR_F_PPID, 0);
		const struct md_pid *pp = pid_find(r, ppid);
		uint32_t exe = pp ? pp->exe : 0, euid = pp ? pp->euid : UINT32_MAX;
		struct md_pid *p = pid_get(r, pid, ev->time_ns);

		if (p) {
			p->exe = exe;
			p->euid = euid;
			p->start_ns = ev->time_ns;
		}
		return 0;
	}
	case FDR_PROC_EXEC:
		return observe_exec(r, ev, out, actor);
	case FDR_PROC_EXIT:
		pid_del(r, pid);
		return 0;
	case FDR_PROC_UID: {
		struct md_pid *p = pid_get(r, pid, ev->time_ns);
		uint64_t to;
		struct fdr_str from = fdr_str_c("?");

		if (!fdr_event_has(ev, FDR_F_EUID) && !fdr_event_has(ev, FDR_F_UID))
			return 0;
		to = fdr_event_u(ev, FDR_F_EUID, fdr_event_u(ev, FDR_F_UID, 0));
		if (p && p->euid != UINT32_MAX)
			from = num(r, 0, p->euid);
		if (p)
			p->euid = (uint32_t)to;
		if (actor)
			*actor = p;
		obs2(&out[0], MD_T_SETUID, from, num(r, 1, to));
		return 1;
	}
	default:
		break;
	}
	if (actor)
		*actor = pid_find(r, pid);
	switch (ev->kind) {
	case FDR_FILE_EXEC:
		s = md_cpath(r, fdr_event_str(ev, FDR_F_PATH));
		/* A multi-call binary says nothing without its argv: proc.exec does. */
		if (!s.p || md_multicall(s))
			return 0;
		obs1(&out[0], MD_T_EXEC, s);
		return 1;
	case FDR_FILE_CREATE:
	case FDR_FILE_MODIFY:
	case FDR_FILE_ATTRIB:
	case FDR_FILE_DELETE:
	case FDR_FILE_OPEN: {
		static const unsigned map[] = {
			[FDR_FILE_CREATE - FDR_FILE_CREATE] = MD_T_CREATE,
			[FDR_FILE_MODIFY - FDR_FILE_CREATE] = MD_T_WRITE,
			[FDR_FILE_DELETE - FDR_FILE_CREATE] = MD_T_DELETE,
			[FDR_FILE_RENAME - FDR_FILE_CREATE] = MD_T_CREATE,
			[FDR_FILE_ATTRIB - FDR_FILE_CREATE] = MD_T_WRITE,
			[FDR_FILE_EXEC - FDR_FILE_CREATE] = MD_T_EXEC,
			[FDR_FILE_OPEN - FDR_FILE_CREATE] = MD_T_READ,
		};

		uint32_t *hint;
		unsigned type = map[ev->kind - FDR_FILE_CREATE];

		s = fdr_event_str(ev, FDR_F_PATH);
		if (!s.p)
			return 0;
		s = gen_path(r, 0, s, &hint);
		if (!s.p)	/* the runtime's state, not the container's */
			return 0;
		obs1(&out[0], type, s);
		if (hint)
			out[0].hint = &hint[type - MD_T_READ];
		return 1;
	}
	case FDR_FILE_RENAME: {
		unsigned n = 0;

		s = fdr_event_str(ev, FDR_F_PATH);
		if (s.p && (s = gen_path(r, 0, s, NULL)).p)
			obs1(&out[n++], MD_T_DELETE, s);
		s = fdr_event_str(ev, FDR_F_NEW_PATH);
		if (s.p && (s = gen_path(r, 1, s, NULL)).p)
			obs1(&out[n++], MD_T_CREATE, s);
		return n;
	}
	case FDR_NET_CONNECT: {
		const struct fdr_addr *a = &ev->f[FDR_F_DST].a;
		struct fdr_str proto = str_or(fdr_event_str(ev, FDR_F_PROTO), "tcp");
		uint64_t port = fdr_event_u(ev, FDR_F_DPORT, 0);
		uint32_t nameid;
		struct md_nmemo *m;
		const char *name;
		bool hit;

		if (!fdr_event_has(ev, FDR_F_DST) || !fdr_event_has(ev, FDR_F_DPORT))
			return 0;
		nameid = dns_get(r, a);
		m = nmemo_get(r, MD_T_CONNECT, a, proto, port, nameid, &hit);
		out[0].type = MD_T_CONNECT;
		out[0].hint = m ? &m->hint : NULL;
		if (hit) {	/* the consumer needs only the hint */
			out[0].nf = 0;
			return 1;
		}
		name = nameid ? md_str_get(&r->strs, nameid)
			      : fdr_addr_format(a, r->scratch.addr, sizeof(r->scratch.addr));
		out[0].nf = 3;
		out[0].f[0] = proto;
		out[0].f[1] = fdr_str_c(name);
		out[0].f[2] = num(r, 0, port);
		return 1;
	}
	case FDR_NET_LISTEN:
	case FDR_NET_ACCEPT: {
		unsigned f = ev->kind == FDR_NET_ACCEPT ? FDR_F_DPORT
			   : fdr_event_has(ev, FDR_F_SPORT) ? FDR_F_SPORT : FDR_F_PORT;
		struct fdr_str proto = str_or(fdr_event_str(ev, FDR_F_PROTO), "tcp");
		uint64_t port = fdr_event_u(ev, f, 0);
		struct md_nmemo *m;
		bool hit;

		if (!fdr_event_has(ev, f))
			return 0;
		m = nmemo_get(r, MD_T_LISTEN, NULL, proto, port, 0, &hit);
		if (hit) {	/* the consumer needs only the hint */
			out[0].type = MD_T_LISTEN;
			out[0].nf = 0;
			out[0].hint = &m->hint;
			return 1;
		}
		obs2(&out[0], MD_T_LISTEN, proto, num(r, 0, port));
		out[0].hint = m ? &m->hint : NULL;
		return 1;
	}
	case FDR_DNS_QUERY:
		s = fdr_event_str(ev, FDR_F_NAME);
		if (!s.p || !s.len)
			return 0;
		obs1(&out[0], MD_T_DNS, lower_name(r, s));
		return 1;
	case FDR_DNS_ANSWER: {
		struct fdr_strv a = fdr_event_strv(ev, FDR_F_ANSWERS);
		struct fdr_str nm;
		uint32_t id;

		s = fdr_event_str(ev, FDR_F_NAME);
		if (!s.p || !s.len || !a.n)
			return 0;
		nm = lower_name(r, s);
		id = md_str_intern(&r->strs, nm.p, nm.len);
		for (uint32_t i = 0; i < a.n && i < 16 && id; i++) {
			char buf[64];
			struct fdr_addr ad;

			if (!a.v[i].p || a.v[i].len >= sizeof(buf))
				continue;
			memcpy(buf, a.v[i].p, a.v[i].len);
			buf[a.v[i].len] = 0;
			if (!fdr_addr_parse(&ad, buf))
				dns_put(r, &ad, id);
		}
		return 0;
	}
	case FDR_DOCKER: {
		struct fdr_str act = fdr_event_str(ev, FDR_F_ACTION), cmd;

		if (!act.p || act.len < 10 || memcmp(act.p, "exec_start", 10))
			return 0;
		cmd = fdr_event_str(ev, FDR_F_COMMAND);
		if (!cmd.p && act.len > 12 && act.p[10] == ':') {	/* "exec_start: sh -c id" */
			cmd.p = act.p + 12;
			cmd.len = act.len - 12;
		}
		obs2(&out[0], MD_T_EXEC_INTO, fdr_str_c("docker"), first_word(r, 0, str_or(cmd, "?")));
		return 1;
	}
	case FDR_K8S_AUDIT: {
		struct fdr_strv c = fdr_event_strv(ev, FDR_F_EXEC_COMMAND);

		if (!fdr_str_eq(fdr_event_str(ev, FDR_F_RESOURCE), "pods") ||
		    !fdr_str_eq(fdr_event_str(ev, FDR_F_SUBRESOURCE), "exec"))
			return 0;
		obs2(&out[0], MD_T_EXEC_INTO, fdr_str_c("k8s"),
		     first_word(r, 0, c.n ? c.v[0] : fdr_str_c("?")));
		return 1;
	}
	case FDR_SUDO_CMD: {
		struct fdr_str res = fdr_event_str(ev, FDR_F_RESULT);

		if (res.p && !fdr_str_eq(res, "allowed"))
			return 0;
		out[0].type = MD_T_SUDO;
		out[0].nf = 3;
		out[0].hint = NULL;
		out[0].f[0] = str_or(fdr_event_str(ev, FDR_F_USER), "?");
		out[0].f[1] = str_or(fdr_event_str(ev, FDR_F_RUNAS), "root");
		out[0].f[2] = first_word(r, 0, str_or(fdr_event_str(ev, FDR_F_COMMAND), "?"));
		return 1;
	}
	case FDR_SSH_LOGIN:
		if (!fdr_str_eq(fdr_event_str(ev, FDR_F_RESULT), "success"))
			return 0;
		obs2(&out[0], MD_T_LOGIN, str_or(fdr_event_str(ev, FDR_F_USER), "?"),
		     str_or(fdr_event_str(ev, FDR_F_METHOD), "?"));
		return 1;
	case FDR_REC_GAP: {
		uint64_t to = fdr_event_u(ev, FDR_F_TO, ev->time_ns);

		if (to > r->gap_end_ns)
			r->gap_end_ns = to;
		return 0;
	}
	default:
		return 0;
	}
}

unsigned md_observe_meta(struct md_ring *r, struct md_obs *out, unsigned max)
{
	unsigned n = 0;
	const char *p = r->meta.ports;

	if (r->meta.image[0] && n < max)
		obs1(&out[n++], MD_T_NAME, fdr_str_c(r->meta.image));
	if (r->meta.command[0] && n < max)
		obs1(&out[n++], MD_T_SEED_CMD, fdr_str_c(r->meta.command));
	while (*p && n < max) {
		const char *e;

		while (*p == ' ')
			p++;
		e = p;
		while (*e && *e != ' ')
			e++;
		if (e > p)
			obs1(&out[n++], MD_T_SEED_PORT, (struct fdr_str){ p, (uint32_t)(e - p) });
		p = e;
	}
	return n;
}

/* ---- learner ---------------------------------------------------------------------- */

struct md_learner {
	struct md_model *m;
	struct md_ring **rings;
	size_t n, cap;
};

int md_learner_new(struct md_model *m, struct md_learner **out)
{
	md_seed_init();
	struct md_learner *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->m = m;
	*out = l;
	return 0;
}

void md_learner_free(struct md_learner *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		md_ring_release(l->rings[i]);
		free(l->rings[i]);
	}
	free(l->rings);
	free(l);
}

int md_learner_ring(struct md_learner *l, const struct fdr_ring_meta *meta, uint32_t *ring)
{
	struct md_ring *r;
	const char *key;
	unsigned kind;
	int rc;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct md_ring **nr = realloc(l->rings, cap * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		l->rings = nr;
		l->cap = cap;
	}
	r = malloc(sizeof(*r));
	if (!r)
		return -ENOMEM;
	rc = md_ring_init(r, meta, NULL);
	if (rc) {
		free(r);
		return rc;
	}
	kind = md_meta_section(&r->meta, &key);
	r->sec = md_model_section(l->m, kind, key, true);
	if (!r->sec) {
		md_ring_release(r);
		free(r);
		return -ENOMEM;
	}
	l->rings[l->n] = r;
	*ring = (uint32_t)l->n++;
	return 0;
}

int md_learner_event(struct md_learner *l, uint32_t ring, const struct fdr_event *ev)
{
	struct md_obs o[MD_MAX_OBS];
	struct md_ring *r;
	unsigned n;
	uint64_t t;

	if (ring >= l->n)
		return MD_E_RING;
	r = l->rings[ring];
	n = md_observe(r, ev, o, NULL);	/* the learner needs no actor */
	t = md_floor_s(ev->time_ns);
	for (unsigned i = 0; i < n; i++) {
		size_t idx;
		int rc;

		if (o[i].hint && *o[i].hint) {
			md_entry_fold(&r->sec->ent[*o[i].hint - 1], 1, t, t);
			continue;
		}
		rc = md_section_add_obs_idx(r->sec, &o[i], t, t, 1, &idx);
		if (rc)
			return rc;
		if (o[i].hint)
			*o[i].hint = (uint32_t)idx + 1;
	}
	return 0;
}

int md_learner_finish(struct md_learner *l)
{
	for (size_t i = 0; i < l->n; i++) {
		struct md_ring *r = l->rings[i];

		gcache_forget(r);	/* normalize reorders the entries */
		struct md_section *s = r->sec;
		struct md_obs o[40];
		uint64_t f = md_floor_s(r->first_ns), la = md_floor_s(r->last_ns);
		unsigned n;

		if (!r->events)
			f = la = md_floor_s(r->meta.created_ns);
		n = md_observe_meta(r, o, 40);
		for (unsigned k = 0; k < n; k++) {
			int rc = md_section_add_obs(s, &o[k], f, la, 1);

			if (rc)
				return rc;
		}
		if (r->events) {
			if (!s->first_ns || f < s->first_ns)
				s->first_ns = f;
			if (la > s->last_ns)
				s->last_ns = la;
			s->observed_s += (la - f) / 1000000000u;
		}
		s->rings++;
		s->events += r->events;
	}
	md_model_normalize(l->m);
	return 0;
}
