/* SPDX-License-Identifier: Apache-2.0 */
/*
 * k8s-audit: Kubernetes audit events, as defined by
 * k8s.io/apiserver/pkg/apis/audit/v1/types.go (Event, EventList, ObjectReference,
 * UserInfo) and as sent by the webhook backend (an EventList per batch).
 *
 *   {"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[
 *     {"kind":"Event","auditID":..,"stage":"ResponseComplete","verb":"create",
 *      "requestURI":"/api/v1/namespaces/foo/pods/p/exec?command=sh&command=-c..",
 *      "user":{"username":..,"groups":[..]},"impersonatedUser":{..},
 *      "sourceIPs":[..],"userAgent":..,
 *      "objectRef":{"resource":"pods","namespace":..,"name":..,"subresource":"exec"},
 *      "responseStatus":{"code":101},"requestObject":{..},"responseObject":{..},
 *      "requestReceivedTimestamp":..,"stageTimestamp":..}]}
 *
 * All of it is attacker controlled (any user of the cluster chooses names,
 * commands and pod specs): copies are bounded, lists capped.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "k8s-audit.h"
#include "k8s-ev.h"

/* ---- streaming decoder (yajl) ----------------------------------------- */

/*
 * One pass over the body with yajl's event parser: no tree is built. Only
 * the members the decoder reads are kept (copied into a string store), each
 * container of the body is tracked by a frame saying what it is (an event,
 * its user, objectRef, requestObject/responseObject, the pod specs in them,
 * their containers and volumes...), and everything else is skipped as yajl
 * reads it. At the end of each event the collected members are turned into
 * a k8s_ev by k8s_ev_fill() (k8s-ev.h), as the jansson tree decoder of the
 * tests (tests/k8s/k8s-ref.h) does, then packed into the batch.
 *
 * jansson's semantics are kept where they matter: a repeated key replaces
 * the earlier value (every tracked key resets what it collected before);
 * strings or keys holding NUL are refused, as are top-level scalars and
 * nesting deeper than jansson's 2048; the verdict (-EBADMSG, -EPROTO) is
 * given only once the whole body has been read.
 */

#define MAX_DEPTH 2048		/* JSON_PARSER_MAX_DEPTH of jansson */
#define STREAM_MAX_BODY (1u << 30)

/* A string in the store: off 0 is "unset" (byte 0 of the store is unused). */
struct sref {
	uint32_t off, len;
};

enum { E_PRIV, E_APE, E_CAP, E_PATH };

/* A flag source inside a pod spec: which container or volume, what. */
struct ent {
	uint32_t idx;
	uint8_t type;
	uint8_t dead;
	struct sref s;
};

struct evec {
	struct ent *v;
	size_t n, cap;
};

struct spec {
	bool is_obj, hnet, hpid, hipc, cont_arr;
	struct evec c[3];	/* initContainers, containers, ephemeralContainers */
	uint32_t nc[3];
	struct evec vols;
	uint32_t nv;
};

struct objsum {
	bool is_obj, meta_obj;
	struct sref kind, meta_name;
	struct spec s[3];	/* spec, spec.template.spec, spec.jobTemplate.spec.template.spec */
};

struct evs {
	struct sref m[K8S_M_MAX];	/* by enum k8s_ev_member */
	struct sref kind, api;
	bool has_api, has_kind, has_items, items_arr;
	bool user_obj, iuser_obj, ref_obj, has_code;
	int64_t code;
	struct sref username, iusername;
	struct evec groups, ips;	/* type unused */
	struct objsum obj[2];	/* requestObject, responseObject */
};

enum ctx {
	C_SKIP, C_ROOT, C_ITEMS, C_EV, C_USER, C_GROUPS, C_IUSER, C_IPS, C_RSTATUS,
	C_OREF, C_OBJ, C_META, C_PODSPEC, C_TMPL, C_JOBT, C_JOBT_SPEC, C_JOBT_TMPL,
	C_CLIST, C_CONT, C_SC, C_CAPS, C_CAPADD, C_VOLS, C_VOL, C_HOSTPATH,
};

struct frame {
	uint8_t ctx, ev, obj, spec, cat, is_map;
	uint32_t idx;		/* container or volume index */
};

/* What the value after a key is for. */
enum leaf { L_NONE, L_STR, L_TRUE, L_CODE, L_CONT };

struct k8s_audit_batch {
	size_t nitems, bad, nevents;
	size_t len, cap;
	unsigned char *data;
};

struct k8s_audit_parser {
	yajl_handle h;
	int err;		/* why a callback stopped the parse */
	unsigned depth;
	struct frame fr[MAX_DEPTH + 1];
	/* after a key: what its value is */
	enum leaf leaf;
	struct sref *lstr;
	bool *lbool;
	uint8_t ltype;		/* E_PRIV or E_APE for a true in a securityContext */
	struct frame next;	/* when the value is a container we track */
	bool root_obj, items_null;
	char *s;		/* string store */
	size_t slen, scap, item_mark;
	struct evs ev[2];	/* the root object, the current item */
	struct k8s_audit_batch *b;
	struct k8s_ev *scratch;
};

static int sstore(struct k8s_audit_parser *p, const unsigned char *s, size_t len, struct sref *out)
{
	if (memchr(s, '\0', len))
		return -EBADMSG;	/* jansson refuses NUL in strings */
	if (len > p->scap - p->slen - 1) {
		size_t cap = p->scap ? p->scap : 4096;
		char *n;

		while (cap - p->slen - 1 < len)
			cap *= 2;
		n = realloc(p->s, cap);
		if (!n)
			return -ENOMEM;
		p->s = n;
		p->scap = cap;
	}
	memcpy(p->s + p->slen, s, len);
	p->s[p->slen + len] = '\0';
	out->off = (uint32_t)p->slen;
	out->len = (uint32_t)len;
	p->slen += len + 1;
	return 0;
}

static const char *S(const struct k8s_audit_parser *p, struct sref r)
{
	return r.off ? p->s + r.off : NULL;
}

static bool S_is(const struct k8s_audit_parser *p, struct sref r, const char *lit)
{
	return r.off && strcmp(p->s + r.off, lit) == 0;
}

static int epush(struct evec *e, uint32_t idx, uint8_t type, struct sref s)
{
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 16;
		struct ent *n = realloc(e->v, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		e->v = n;
		e->cap = cap;
	}
	e->v[e->n++] = (struct ent){ idx, type, 0, s };
	return 0;
}

/* Kill the entries of item idx (of one type, or all when type < 0); they
 * are at the end of the vector. */
static void ekill(struct evec *e, uint32_t idx, int type)
{
	for (size_t i = e->n; i-- > 0 && e->v[i].idx == idx;)
		if (type < 0 || e->v[i].type == type)
			e->v[i].dead = 1;
}

static void spec_reset(struct spec *s)
{
	s->is_obj = s->hnet = s->hpid = s->hipc = s->cont_arr = false;
	for (int i = 0; i < 3; i++) {
		s->c[i].n = 0;
		s->nc[i] = 0;
	}
	s->vols.n = 0;
	s->nv = 0;
}

static void obj_reset(struct objsum *o)
{
	o->is_obj = o->meta_obj = false;
	o->kind.off = o->meta_name.off = 0;
	for (int i = 0; i < 3; i++)
		spec_reset(&o->s[i]);
}

static void evs_reset(struct evs *e)
{
	struct evec g = e->groups, ip = e->ips;
	struct objsum o[2];

	memcpy(o, e->obj, sizeof(o));
	memset(e, 0, sizeof(*e));
	e->groups = g;
	e->ips = ip;
	e->groups.n = e->ips.n = 0;
	memcpy(e->obj, o, sizeof(o));
	obj_reset(&e->obj[0]);
	obj_reset(&e->obj[1]);
}

static void evs_free(struct evs *e)
{
	free(e->groups.v);
	free(e->ips.v);
	for (int o = 0; o < 2; o++)
		for (int s = 0; s < 3; s++) {
			for (int c = 0; c < 3; c++)
				free(e->obj[o].s[s].c[c].v);
			free(e->obj[o].s[s].vols.v);
		}
}

/* ---- packing decoded events into a batch ---- */

static int bput(struct k8s_audit_batch *b, const void *p, size_t n)
{
	if (n > b->cap - b->len) {
		size_t cap = b->cap ? b->cap : 4096;
		unsigned char *d;

		while (cap - b->len < n)
			cap *= 2;
		d = realloc(b->data, cap);
		if (!d)
			return -ENOMEM;
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

static int bput_str(struct k8s_audit_batch *b, const char *p, uint32_t len)
{
	int rc = bput(b, &len, sizeof(len));

	return rc ? rc : bput(b, p, len);
}

/* Record: u32 size, u64 time, u64 has[2], each present field in id order
 * (str: u32 len + bytes; strv: u32 n + strs; other: the raw value), pod,
 * namespace. */
static int pack(struct k8s_audit_batch *b, const struct k8s_ev *k)
{
	size_t start = b->len;
	uint32_t size = 0;
	int rc = bput(b, &size, sizeof(size));

	rc = rc ? rc : bput(b, &k->ev.time_ns, sizeof(k->ev.time_ns));
	rc = rc ? rc : bput(b, k->ev.has, sizeof(k->ev.has));
	for (unsigned f = 0; f < FDR_F_MAX && !rc; f++) {
		if (!fdr_event_has(&k->ev, f))
			continue;
		switch (fdr_field_type(f)) {
		case FDR_T_STR:
			rc = bput_str(b, k->ev.f[f].s.p, k->ev.f[f].s.len);
			break;
		case FDR_T_STRV:
			rc = bput(b, &k->ev.f[f].v.n, sizeof(k->ev.f[f].v.n));
			for (uint32_t i = 0; i < k->ev.f[f].v.n && !rc; i++)
				rc = bput_str(b, k->ev.f[f].v.v[i].p, k->ev.f[f].v.v[i].len);
			break;
		default:
			rc = bput(b, &k->ev.f[f], sizeof(k->ev.f[f]));
			break;
		}
	}
	rc = rc ? rc : bput_str(b, k->pod, (uint32_t)strlen(k->pod));
	rc = rc ? rc : bput_str(b, k->namespace_, (uint32_t)strlen(k->namespace_));
	if (rc)
		return rc;
	size = (uint32_t)(b->len - start);
	memcpy(b->data + start, &size, sizeof(size));
	b->nevents++;
	return 0;
}

struct rd {
	const unsigned char *p;
	size_t left;
};

static bool rd(struct rd *r, void *out, size_t n)
{
	if (n > r->left)
		return false;
	memcpy(out, r->p, n);
	r->p += n;
	r->left -= n;
	return true;
}

/* A string of the record into the event's buffer (NUL-terminated). */
static bool rd_str(struct rd *r, struct k8s_ev *k, struct fdr_str *out)
{
	uint32_t len;

	if (!rd(r, &len, sizeof(len)) || len > r->left || len >= sizeof(k->buf) - k->used)
		return false;
	memcpy(k->buf + k->used, r->p, len);
	k->buf[k->used + len] = '\0';
	out->p = k->buf + k->used;
	out->len = len;
	k->used += len + 1;
	r->p += len;
	r->left -= len;
	return true;
}

static bool rd_cstr(struct rd *r, char *dst, size_t size)
{
	uint32_t len;

	if (!rd(r, &len, sizeof(len)) || len > r->left || len >= size)
		return false;
	memcpy(dst, r->p, len);
	dst[len] = '\0';
	r->p += len;
	r->left -= len;
	return true;
}

static struct fdr_str *strv_slot(struct k8s_ev *k, unsigned f, uint32_t *max)
{
	switch (f) {
	case FDR_F_GROUPS:
		*max = K8S_MAX_GROUPS;
		return k->groups;
	case FDR_F_SOURCE_IPS:
		*max = K8S_MAX_IPS;
		return k->ips;
	case FDR_F_EXEC_COMMAND:
		*max = K8S_MAX_CMD;
		return k->cmd;
	case FDR_F_POD_FLAGS:
		*max = K8S_MAX_FLAGS;
		return k->flags;
	default:
		return NULL;
	}
}

static bool unpack(struct rd *r, struct k8s_ev *k)
{
	uint64_t t, has[2];

	if (!rd(r, &t, sizeof(t)) || !rd(r, has, sizeof(has)))
		return false;
	fdr_event_init(&k->ev, FDR_K8S_AUDIT, t);
	k->used = 0;
	for (unsigned f = 0; f < FDR_F_MAX; f++) {
		struct fdr_str *v;
		uint32_t n, max;

		if (!(has[f / 64] >> (f % 64) & 1))
			continue;
		switch (fdr_field_type(f)) {
		case FDR_T_STR:
			if (!rd_str(r, k, &k->ev.f[f].s))
				return false;
			break;
		case FDR_T_STRV:
			v = strv_slot(k, f, &max);
			if (!v || !rd(r, &n, sizeof(n)) || n > max)
				return false;
			for (uint32_t i = 0; i < n; i++)
				if (!rd_str(r, k, &v[i]))
					return false;
			k->ev.f[f].v.v = v;
			k->ev.f[f].v.n = n;
			break;
		default:
			if (!rd(r, &k->ev.f[f], sizeof(k->ev.f[f])))
				return false;
			break;
		}
		fdr_event_mark(&k->ev, f);
	}
	return rd_cstr(r, k->pod, sizeof(k->pod)) && rd_cstr(r, k->namespace_, sizeof(k->namespace_));
}

size_t k8s_audit_batch_each(const struct k8s_audit_batch *b, struct k8s_ev *scratch,
			    k8s_audit_cb *cb, void *ctx, size_t *bad)
{
	size_t off = 0, n = 0;

	while (b->len - off >= sizeof(uint32_t)) {
		uint32_t size;
		struct rd r;

		memcpy(&size, b->data + off, sizeof(size));
		if (size < sizeof(size) || size > b->len - off)
			break;	/* cannot happen: pack() wrote it */
		r.p = b->data + off + sizeof(size);
		r.left = size - sizeof(size);
		if (unpack(&r, scratch)) {
			cb(ctx, scratch);
			n++;
		}
		off += size;
	}
	if (bad)
		*bad = b->bad;
	return n;
}

size_t k8s_audit_batch_items(const struct k8s_audit_batch *b)
{
	return b->nitems;
}

size_t k8s_audit_batch_bytes(const struct k8s_audit_batch *b)
{
	return sizeof(*b) + b->cap;
}

void k8s_audit_batch_free(struct k8s_audit_batch *b)
{
	if (!b)
		return;
	free(b->data);
	free(b);
}

/* ---- from collected members to a k8s_ev (through k8s_ev_fill) ---- */

static size_t s_list(const struct k8s_audit_parser *p, struct k8s_ev *k, const struct evec *e,
		     struct fdr_str *v, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < e->n; i++)
		if (!k8s_ev_list_add(k, v, &n, max, p->s + e->v[i].s.off, e->v[i].s.len))
			break;
	return n;
}

static int s_pod_spec(const struct k8s_audit_parser *p, const struct objsum *o)
{
	if (!o->s[0].is_obj)
		return -1;
	if (S_is(p, o->kind, "Pod"))
		return 0;
	if (o->s[1].is_obj)
		return 1;
	if (o->s[2].is_obj)
		return 2;
	return o->s[0].cont_arr ? 0 : -1;
}

static size_t s_pod_flags(const struct k8s_audit_parser *p, struct k8s_ev *k, const struct objsum *o)
{
	struct k8s_ev_flags f = { k, 0 };
	int si = s_pod_spec(p, o);
	const struct spec *sp;

	if (si < 0)
		return 0;
	sp = &o->s[si];
	if (sp->hnet)
		k8s_ev_flag(&f, "hostNetwork", NULL);
	if (sp->hpid)
		k8s_ev_flag(&f, "hostPID", NULL);
	if (sp->hipc)
		k8s_ev_flag(&f, "hostIPC", NULL);
	for (int c = 0; c < 3; c++) {
		const struct evec *e = &sp->c[c];

		for (size_t i = 0, j; i < e->n; i = j) {
			bool priv = false, ape = false;

			for (j = i; j < e->n && e->v[j].idx == e->v[i].idx; j++) {
				priv |= !e->v[j].dead && e->v[j].type == E_PRIV;
				ape |= !e->v[j].dead && e->v[j].type == E_APE;
			}
			if (priv)
				k8s_ev_flag(&f, "privileged", NULL);
			if (ape)
				k8s_ev_flag(&f, "allowPrivilegeEscalation", NULL);
			for (size_t m = i; m < j; m++)
				if (!e->v[m].dead && e->v[m].type == E_CAP)
					k8s_ev_flag(&f, "cap:", S(p, e->v[m].s));
		}
	}
	for (size_t i = 0; i < sp->vols.n; i++) {
		if (sp->vols.v[i].dead)
			continue;
		k8s_ev_flag(&f, "hostPath", NULL);
		k8s_ev_flag(&f, "hostPath=", S(p, sp->vols.v[i].s));
	}
	return f.n;
}

/* Whether the pod flags come from the responseObject (the same rule as the
 * reference's flags_from_response(), tests/k8s/k8s-ref.c). */
static bool s_flags_from_response(const struct k8s_audit_parser *p, const struct evs *e)
{
	const char *verb = S(p, e->m[K8S_M_VERB]);

	if (!k8s_ev_mutating(verb) || (e->obj[0].is_obj && s_pod_spec(p, &e->obj[0]) >= 0))
		return false;
	return !e->obj[0].is_obj || strcmp(verb, "patch") == 0;
}

/* An event being decoded: what k8s_ev_src.list reads. */
struct s_ctx {
	const struct k8s_audit_parser *p;
	const struct evs *e;
};

static size_t s_ev_list(const void *ctx, unsigned field, struct k8s_ev *k,
			struct fdr_str *v, size_t max)
{
	const struct s_ctx *c = ctx;
	const struct objsum *o;

	switch (field) {
	case FDR_F_GROUPS:
		return s_list(c->p, k, &c->e->groups, v, max);
	case FDR_F_SOURCE_IPS:
		return s_list(c->p, k, &c->e->ips, v, max);
	case FDR_F_POD_FLAGS:
		o = s_flags_from_response(c->p, c->e) ? &c->e->obj[1] : &c->e->obj[0];
		return o->is_obj ? s_pod_flags(c->p, k, o) : 0;
	default:
		return 0;
	}
}

static const char *s_meta_name(const struct k8s_audit_parser *p, const struct objsum *o)
{
	return o->is_obj && o->meta_obj ? S(p, o->meta_name) : NULL;
}

static int s_decode(const struct k8s_audit_parser *p, const struct evs *e, struct k8s_ev *k)
{
	struct s_ctx c = { p, e };
	struct k8s_ev_src src = {
		.user = e->user_obj, .iuser = e->iuser_obj, .ref = e->ref_obj,
		.username = S(p, e->username), .iusername = S(p, e->iusername),
		.req_name = s_meta_name(p, &e->obj[0]), .resp_name = s_meta_name(p, &e->obj[1]),
		.has_code = e->has_code, .code = e->code,
		.list = s_ev_list, .ctx = &c,
	};

	for (unsigned i = 0; i < K8S_M_MAX; i++)
		src.m[i] = S(p, e->m[i]);
	return k8s_ev_fill(k, &src);
}

static bool s_audit_api(const struct k8s_audit_parser *p, const struct evs *e)
{
	return k8s_ev_audit_api(e->has_api, S(p, e->api));
}

/* ---- yajl callbacks ---- */

#define KEY(lit) (len == sizeof(lit) - 1 && memcmp(k, lit, sizeof(lit) - 1) == 0)

static struct frame *top(struct k8s_audit_parser *p)
{
	return &p->fr[p->depth];
}

static void want_str(struct k8s_audit_parser *p, struct sref *s)
{
	s->off = 0;
	p->leaf = L_STR;
	p->lstr = s;
}

/* A key naming one of the members k8s-ev reads, with index in [from, to):
 * its string value is wanted. */
static bool want_member(struct k8s_audit_parser *p, struct evs *e, unsigned from, unsigned to,
			const unsigned char *k, size_t len)
{
	if (!len)
		return false;
	for (unsigned i = from; i < to; i++) {
		const char *key = k8s_ev_member_key[i];

		/* The first byte rules out most keys before any length is taken
		 * (this runs for every key of every event). */
		if (key[0] == (char)k[0] && strlen(key) == len && memcmp(k, key, len) == 0) {
			want_str(p, &e->m[i]);
			return true;
		}
	}
	return false;
}

static void want_true(struct k8s_audit_parser *p, bool *b)
{
	*b = false;
	p->leaf = L_TRUE;
	p->lbool = b;
}

static void want_cont(struct k8s_audit_parser *p, const struct frame *f, uint8_t ctx)
{
	p->leaf = L_CONT;
	p->next = *f;
	p->next.ctx = ctx;
}

/* Keys of a pod spec (index f->spec of object f->obj of event f->ev). */
static void key_podspec(struct k8s_audit_parser *p, const struct frame *f, struct spec *sp,
			const unsigned char *k, size_t len)
{
	struct objsum *o = &p->ev[f->ev].obj[f->obj];

	if (KEY("hostNetwork")) {
		want_true(p, &sp->hnet);
	} else if (KEY("hostPID")) {
		want_true(p, &sp->hpid);
	} else if (KEY("hostIPC")) {
		want_true(p, &sp->hipc);
	} else if (KEY("initContainers") || KEY("containers") || KEY("ephemeralContainers")) {
		uint8_t cat = KEY("initContainers") ? 0 : KEY("containers") ? 1 : 2;

		sp->c[cat].n = 0;
		sp->nc[cat] = 0;
		if (cat == 1)
			sp->cont_arr = false;
		want_cont(p, f, C_CLIST);
		p->next.cat = cat;
	} else if (KEY("volumes")) {
		sp->vols.n = 0;
		sp->nv = 0;
		want_cont(p, f, C_VOLS);
	} else if (f->spec == 0 && KEY("template")) {
		spec_reset(&o->s[1]);
		want_cont(p, f, C_TMPL);
	} else if (f->spec == 0 && KEY("jobTemplate")) {
		spec_reset(&o->s[2]);
		want_cont(p, f, C_JOBT);
	}
}

static int on_key(void *ctx, const unsigned char *k, size_t len)
{
	struct k8s_audit_parser *p = ctx;
	struct frame *f = top(p);
	struct evs *e = &p->ev[f->ev];
	struct objsum *o = &e->obj[f->obj];
	struct spec *sp = &o->s[f->spec];

	if (memchr(k, '\0', len)) {
		p->err = -EBADMSG;
		return 0;
	}
	p->leaf = L_NONE;
	switch (f->ctx) {
	case C_ROOT:
		if (KEY("items")) {
			/* a repeated items replaces the earlier list */
			p->b->len = 0;
			p->b->nevents = p->b->nitems = p->b->bad = 0;
			e->has_items = true;
			e->items_arr = false;
			p->items_null = false;
			want_cont(p, f, C_ITEMS);
			break;
		}
		/* the root may be an Event itself */
		__attribute__((fallthrough));
	case C_EV:
		if (want_member(p, e, 0, K8S_M_REF_FIRST, k, len))
			break;
		if (KEY("kind")) {
			e->has_kind = true;
			want_str(p, &e->kind);
		} else if (KEY("apiVersion")) {
			e->has_api = true;
			want_str(p, &e->api);
		} else if (KEY("user")) {
			e->user_obj = false;
			e->username.off = 0;
			e->groups.n = 0;
			want_cont(p, f, C_USER);
		} else if (KEY("impersonatedUser")) {
			e->iuser_obj = false;
			e->iusername.off = 0;
			want_cont(p, f, C_IUSER);
		} else if (KEY("sourceIPs")) {
			e->ips.n = 0;
			want_cont(p, f, C_IPS);
		} else if (KEY("responseStatus")) {
			e->has_code = false;
			want_cont(p, f, C_RSTATUS);
		} else if (KEY("objectRef")) {
			e->ref_obj = false;
			for (unsigned i = K8S_M_REF_FIRST; i < K8S_M_MAX; i++)
				e->m[i].off = 0;
			want_cont(p, f, C_OREF);
		} else if (KEY("requestObject") || KEY("responseObject")) {
			uint8_t which = KEY("requestObject") ? 0 : 1;

			obj_reset(&e->obj[which]);
			want_cont(p, f, C_OBJ);
			p->next.obj = which;
		}
		break;
	case C_USER:
		if (KEY("username"))
			want_str(p, &e->username);
		else if (KEY("groups")) {
			e->groups.n = 0;
			want_cont(p, f, C_GROUPS);
		}
		break;
	case C_IUSER:
		if (KEY("username"))
			want_str(p, &e->iusername);
		break;
	case C_RSTATUS:
		if (KEY("code")) {
			e->has_code = false;
			p->leaf = L_CODE;
		}
		break;
	case C_OREF:
		want_member(p, e, K8S_M_REF_FIRST, K8S_M_MAX, k, len);
		break;
	case C_OBJ:
		if (KEY("kind")) {
			want_str(p, &o->kind);
		} else if (KEY("metadata")) {
			o->meta_obj = false;
			o->meta_name.off = 0;
			want_cont(p, f, C_META);
		} else if (KEY("spec")) {
			for (int i = 0; i < 3; i++)
				spec_reset(&o->s[i]);
			want_cont(p, f, C_PODSPEC);
			p->next.spec = 0;
		}
		break;
	case C_META:
		if (KEY("name"))
			want_str(p, &o->meta_name);
		break;
	case C_PODSPEC:
		key_podspec(p, f, sp, k, len);
		break;
	case C_TMPL:
	case C_JOBT_TMPL:
		if (KEY("spec")) {
			uint8_t si = f->ctx == C_TMPL ? 1 : 2;

			spec_reset(&o->s[si]);
			want_cont(p, f, C_PODSPEC);
			p->next.spec = si;
		}
		break;
	case C_JOBT:
		if (KEY("spec")) {
			spec_reset(&o->s[2]);
			want_cont(p, f, C_JOBT_SPEC);
		}
		break;
	case C_JOBT_SPEC:
		if (KEY("template")) {
			spec_reset(&o->s[2]);
			want_cont(p, f, C_JOBT_TMPL);
		}
		break;
	case C_CONT:
		if (KEY("securityContext")) {
			ekill(&sp->c[f->cat], f->idx, -1);
			want_cont(p, f, C_SC);
		}
		break;
	case C_SC:
		if (KEY("privileged")) {
			ekill(&sp->c[f->cat], f->idx, E_PRIV);
			p->leaf = L_TRUE;
			p->ltype = E_PRIV;
		} else if (KEY("allowPrivilegeEscalation")) {
			ekill(&sp->c[f->cat], f->idx, E_APE);
			p->leaf = L_TRUE;
			p->ltype = E_APE;
		} else if (KEY("capabilities")) {
			ekill(&sp->c[f->cat], f->idx, E_CAP);
			want_cont(p, f, C_CAPS);
		}
		break;
	case C_CAPS:
		if (KEY("add")) {
			ekill(&sp->c[f->cat], f->idx, E_CAP);
			want_cont(p, f, C_CAPADD);
		}
		break;
	case C_VOL:
		if (KEY("hostPath")) {
			ekill(&sp->vols, f->idx, -1);
			want_cont(p, f, C_HOSTPATH);
		}
		break;
	case C_HOSTPATH:
		if (KEY("path")) {
			ekill(&sp->vols, f->idx, -1);
			p->leaf = L_STR;
			p->lstr = NULL;	/* a volume path: see on_string */
		}
		break;
	default:
		break;
	}
	return 1;
}

/* In an array: what its elements are. */
static void array_elem(struct k8s_audit_parser *p, struct frame *f)
{
	p->leaf = L_NONE;
	switch (f->ctx) {
	case C_ITEMS:
		p->b->nitems++;
		want_cont(p, f, C_EV);
		break;
	case C_GROUPS:
	case C_IPS:
	case C_CAPADD:
		p->leaf = L_STR;
		p->lstr = NULL;	/* a list element: see on_string */
		break;
	case C_CLIST:
		want_cont(p, f, C_CONT);
		break;
	case C_VOLS:
		want_cont(p, f, C_VOL);
		break;
	default:
		break;
	}
}

/* Every value: arrays say what an element is; an item that is not an
 * object is a bad item. */
static void value_seen(struct k8s_audit_parser *p, bool is_map)
{
	struct frame *f = top(p);

	if (p->depth == 0)
		return;
	if (!f->is_map)
		array_elem(p, f);
	if (f->ctx == C_ITEMS && !is_map)
		p->b->bad++;
}

static int on_scalar(struct k8s_audit_parser *p)
{
	if (p->depth == 0) {	/* jansson wants an object or array at the top */
		p->err = -EBADMSG;
		return 0;
	}
	value_seen(p, false);
	p->leaf = L_NONE;
	return 1;
}

static int on_null(void *ctx)
{
	struct k8s_audit_parser *p = ctx;

	if (p->depth == 1 && p->leaf == L_CONT && p->next.ctx == C_ITEMS)
		p->items_null = true;	/* an empty list may say items: null */
	return on_scalar(p);
}

static int on_bool(void *ctx, int v)
{
	struct k8s_audit_parser *p = ctx;
	struct frame *f = top(p);

	if (p->depth && f->is_map && p->leaf == L_TRUE && v) {
		if (f->ctx == C_SC) {
			struct spec *sp = &p->ev[f->ev].obj[f->obj].s[f->spec];

			if (epush(&sp->c[f->cat], f->idx, p->ltype, (struct sref){ 0, 0 })) {
				p->err = -ENOMEM;
				return 0;
			}
		} else {
			*p->lbool = true;
		}
	}
	return on_scalar(p);
}

static int on_int(void *ctx, long long v)
{
	struct k8s_audit_parser *p = ctx;
	struct frame *f = top(p);

	if (p->depth && f->is_map && p->leaf == L_CODE) {
		p->ev[f->ev].has_code = true;
		p->ev[f->ev].code = v;
	}
	return on_scalar(p);
}

static int on_double(void *ctx, double v)
{
	(void)v;
	return on_scalar(ctx);
}

static int on_string(void *ctx, const unsigned char *s, size_t len)
{
	struct k8s_audit_parser *p = ctx;
	struct frame *f = top(p);
	struct sref r;
	int rc;

	if (memchr(s, '\0', len)) {
		p->err = -EBADMSG;
		return 0;
	}
	if (p->depth == 0)
		return on_scalar(p);
	if (!f->is_map)
		array_elem(p, f);
	if (f->ctx == C_ITEMS)
		p->b->bad++;
	if (p->leaf == L_STR) {
		struct evs *e = &p->ev[f->ev];
		struct spec *sp = &e->obj[f->obj].s[f->spec];

		rc = sstore(p, s, len, &r);
		if (rc) {
			p->err = rc;
			return 0;
		}
		if (p->lstr) {
			*p->lstr = r;
		} else {
			switch (f->ctx) {
			case C_GROUPS:
				rc = epush(&e->groups, 0, 0, r);
				break;
			case C_IPS:
				rc = epush(&e->ips, 0, 0, r);
				break;
			case C_CAPADD:
				rc = epush(&sp->c[f->cat], f->idx, E_CAP, r);
				break;
			case C_HOSTPATH:
				rc = epush(&sp->vols, f->idx, E_PATH, r);
				break;
			default:
				break;
			}
			if (rc) {
				p->err = rc;
				return 0;
			}
		}
	}
	p->leaf = L_NONE;
	return 1;
}

static int push(struct k8s_audit_parser *p, bool is_map)
{
	struct frame nf = { C_SKIP, 0, 0, 0, 0, 0, 0 };

	if (p->depth >= MAX_DEPTH) {
		p->err = -EBADMSG;	/* jansson: maximum parsing depth reached */
		return 0;
	}
	if (p->depth == 0) {
		p->root_obj = is_map;
		nf.ctx = is_map ? C_ROOT : C_SKIP;
	} else {
		value_seen(p, is_map);
		if (p->leaf == L_CONT)
			nf = p->next;
	}
	p->leaf = L_NONE;
	nf.is_map = is_map;
	/* a tracked container of the wrong type is not tracked */
	switch (nf.ctx) {
	case C_ITEMS:
	case C_GROUPS:
	case C_IPS:
	case C_CLIST:
	case C_CAPADD:
	case C_VOLS:
		if (is_map)
			nf.ctx = C_SKIP;
		break;
	case C_SKIP:
	case C_ROOT:
		break;
	default:
		if (!is_map)
			nf.ctx = C_SKIP;
		break;
	}
	{
		struct evs *e = &p->ev[nf.ev];
		struct objsum *o = &e->obj[nf.obj];
		struct spec *sp = &o->s[nf.spec];

		switch (nf.ctx) {
		case C_ITEMS:
			e->items_arr = true;
			break;
		case C_EV:
			nf.ev = 1;
			evs_reset(&p->ev[1]);
			p->item_mark = p->slen;
			break;
		case C_USER:
			e->user_obj = true;
			break;
		case C_IUSER:
			e->iuser_obj = true;
			break;
		case C_OREF:
			e->ref_obj = true;
			break;
		case C_OBJ:
			o->is_obj = true;
			break;
		case C_META:
			o->meta_obj = true;
			break;
		case C_PODSPEC:
			sp->is_obj = true;
			break;
		case C_CLIST:
			if (nf.spec == 0 && nf.cat == 1)
				sp->cont_arr = true;
			break;
		case C_CONT:
			nf.idx = sp->nc[nf.cat]++;
			break;
		case C_VOL:
			nf.idx = sp->nv++;
			break;
		default:
			break;
		}
	}
	p->fr[++p->depth] = nf;
	return 1;
}

static int on_start_map(void *ctx)
{
	return push(ctx, true);
}

static int on_start_array(void *ctx)
{
	return push(ctx, false);
}

static int pop(struct k8s_audit_parser *p)
{
	struct frame *f = top(p);

	if (f->ctx == C_EV) {
		struct evs *e = &p->ev[1];
		int rc = 0;

		if (s_audit_api(p, e) && s_decode(p, e, p->scratch) == 0)
			rc = pack(p->b, p->scratch);
		else
			p->b->bad++;
		p->slen = p->item_mark;	/* the item's strings are done with */
		if (rc) {
			p->err = rc;
			return 0;
		}
	}
	p->depth--;
	p->leaf = L_NONE;
	return 1;
}

static int on_end(void *ctx)
{
	return pop(ctx);
}

static const yajl_callbacks callbacks = {
	on_null, on_bool, on_int, on_double, NULL, on_string,
	on_start_map, on_key, on_end, on_start_array, on_end,
};

int k8s_audit_parser_new(struct k8s_audit_parser **out)
{
	struct k8s_audit_parser *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->scratch = malloc(sizeof(*p->scratch));
	if (!p->scratch) {
		free(p);
		return -ENOMEM;
	}
	*out = p;
	return 0;
}

void k8s_audit_parser_free(struct k8s_audit_parser *p)
{
	if (!p)
		return;
	evs_free(&p->ev[0]);
	evs_free(&p->ev[1]);
	free(p->s);
	free(p->scratch);
	k8s_audit_batch_free(p->b);
	free(p);
}

/* After a good parse: the verdict on the root (as the tests' reference
 * gives it, tests/k8s/k8s-ref.c: k8s_ref_load()), and the root itself as
 * the event when it has no items. */
static int finish(struct k8s_audit_parser *p)
{
	struct evs *r = &p->ev[0];
	bool list = S_is(p, r->kind, "EventList");

	if (!p->root_obj || !s_audit_api(p, r))
		return -EPROTO;
	if (list) {
		if (r->has_items && !r->items_arr && !p->items_null)
			return -EPROTO;
	} else if (S_is(p, r->kind, "Event") || (!r->has_kind && (r->m[K8S_M_VERB].off || r->m[K8S_M_AUDIT_ID].off))) {
		p->b->nitems = 1;
	} else {
		return -EPROTO;
	}
	if (!r->items_arr) {
		p->b->len = p->b->nevents = p->b->bad = 0;
		if (!r->has_items && s_decode(p, r, p->scratch) == 0)
			return pack(p->b, p->scratch);
	}
	return 0;
}

/* Buffers a hostile body made large are not kept for the next one. */
#define KEEP_STORE (1u << 20)
#define KEEP_ENTS 4096

static void evec_trim(struct evec *e)
{
	if (e->cap > KEEP_ENTS) {
		free(e->v);
		e->v = NULL;
		e->n = e->cap = 0;
	}
}

static void parser_trim(struct k8s_audit_parser *p)
{
	if (p->scap > KEEP_STORE) {
		free(p->s);
		p->s = NULL;
		p->scap = p->slen = 0;
	}
	for (int i = 0; i < 2; i++) {
		struct evs *e = &p->ev[i];

		evec_trim(&e->groups);
		evec_trim(&e->ips);
		for (int o = 0; o < 2; o++)
			for (int k = 0; k < 3; k++) {
				for (int c = 0; c < 3; c++)
					evec_trim(&e->obj[o].s[k].c[c]);
				evec_trim(&e->obj[o].s[k].vols);
			}
	}
}

int k8s_audit_parser_run(struct k8s_audit_parser *p, const char *body, size_t len,
			 struct k8s_audit_batch **out)
{
	yajl_status st;
	int rc;

	if (len > STREAM_MAX_BODY)
		return -E2BIG;
	if (!p->b && !(p->b = calloc(1, sizeof(*p->b))))
		return -ENOMEM;
	p->b->len = p->b->nitems = p->b->bad = p->b->nevents = 0;
	p->h = yajl_alloc(&callbacks, NULL, p);
	if (!p->h)
		return -ENOMEM;
	p->err = 0;
	p->depth = 0;
	p->fr[0] = (struct frame){ C_SKIP, 0, 0, 0, 0, 0, 0 };
	p->leaf = L_NONE;
	p->root_obj = false;
	p->items_null = false;
	p->slen = 1;	/* offset 0 means unset */
	if (!p->s && !(p->s = malloc(p->scap = 4096))) {
		p->scap = 0;
		rc = -ENOMEM;
		goto out_yajl;
	}
	evs_reset(&p->ev[0]);
	evs_reset(&p->ev[1]);
	st = yajl_parse(p->h, (const unsigned char *)body, len);
	if (st == yajl_status_ok)
		st = yajl_complete_parse(p->h);
	if (st != yajl_status_ok) {
		rc = p->err ? p->err : -EBADMSG;
		goto out_yajl;
	}
	rc = finish(p);
	if (rc)
		goto out_yajl;
	*out = p->b;
	p->b = NULL;
out_yajl:
	yajl_free(p->h);
	p->h = NULL;
	parser_trim(p);
	return rc;
}
