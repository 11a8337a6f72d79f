/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Block payload codec (SPEC.md "Block payload"): the writer's encoder with
 * per-block string interning, and the cursor that decodes events zero-copy.
 *
 * Why it looks like this: decoding must run at tens of millions of events per
 * second, so the cursor never memsets the event (only its presence bits), and
 * strings point into the decompressed buffer. Every read goes through struct
 * rd, which cannot run past the record.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <lz4.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "ring-format.h"

/* Field types by id, copied once from fdr_field_type(): a table lookup in
 * the decoder's inner loop instead of a call. Index FDR_F_MAX and up: none. */
uint8_t field_types[256];
static pthread_once_t field_types_once = PTHREAD_ONCE_INIT;

/* The decoder's action for each 1-byte or 2-byte tag (tag < 1024, field id
 * < 128): store a value of the field's type, or parse and skip a value of a
 * wire type that does not match the field, or end the record. One switch
 * per field instead of a switch and a type comparison. */
enum {
	/* one varint value: the decoder's fast path (act <= ACT_SKIP_STR) */
	ACT_U64, ACT_I64, ACT_STR, ACT_SKIP_VARINT, ACT_SKIP_STR,
	ACT_STRV, ACT_ADDR, ACT_SKIP_STRV, ACT_SKIP_ADDR, ACT_END,
};
/* The action for a value of wire type wt that is not stored. */
static const uint8_t skip_of[8] = {
	ACT_SKIP_VARINT, ACT_SKIP_VARINT, ACT_SKIP_STR, ACT_SKIP_STRV, ACT_SKIP_ADDR,
	ACT_END, ACT_END, ACT_END,
};
static uint8_t tag_act[1024];

static void field_types_init(void)
{
	static const uint8_t wire_of[] = {
		[FDR_T_U64] = WT_VARINT, [FDR_T_I64] = WT_ZIGZAG, [FDR_T_STR] = WT_STR,
		[FDR_T_STRV] = WT_STRV, [FDR_T_ADDR] = WT_ADDR,
	};
	static const uint8_t act_of[] = {
		[FDR_T_U64] = ACT_U64, [FDR_T_I64] = ACT_I64, [FDR_T_STR] = ACT_STR,
		[FDR_T_STRV] = ACT_STRV, [FDR_T_ADDR] = ACT_ADDR,
	};

	for (unsigned f = 1; f < FDR_F_MAX; f++)
		field_types[f] = (uint8_t)fdr_field_type(f);
	for (unsigned tag = 0; tag < 1024; tag++) {
		unsigned f = tag >> 3, wt = tag & 7, t = f < FDR_F_MAX ? field_types[f] : 0;

		tag_act[tag] = t && t < sizeof(wire_of) && f != 0 && wire_of[t] == wt &&
					       (t != FDR_T_U64 || wt == WT_VARINT) ?
				       act_of[t] : skip_of[wt];
	}
}

void codec_init(void)
{
	pthread_once(&field_types_once, field_types_init);
}

/* ---- encoder -------------------------------------------------------------- */

void blkenc_init(struct blkenc *e)
{
	codec_init();
	memset(e, 0, sizeof(*e));
	e->time_off = SIZE_MAX;
}

void blkenc_release(struct blkenc *e)
{
	free(e->raw);
	free(e->ev);
	free(e->str);
	free(e->htab);
	free(e->body);
	blkenc_init(e);
}

void blkenc_reset(struct blkenc *e)
{
	e->len = 0;
	e->nev = 0;
	if (e->nstr && e->htab)
		memset(e->htab, 0, (e->hmask + 1) * sizeof(*e->htab));
	e->nstr = 0;
	e->time_off = SIZE_MAX;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 64;
	void *q;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	q = realloc(*p, n * elem);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = n;
	return 0;
}

static inline int raw_reserve(struct blkenc *e, size_t more)
{
	if (e->len + more <= e->cap)
		return 0;
	return grow((void **)&e->raw, &e->cap, e->len + more, 1);
}

static int rehash(struct blkenc *e, size_t size)
{
	uint32_t *t = calloc(size, sizeof(*t));

	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < e->nstr; i++) {
		uint64_t h = XXH3_64bits(e->raw + e->str[i].off, e->str[i].len);
		size_t j = (size_t)h & (size - 1);

		while (t[j])
			j = (j + 1) & (size - 1);
		t[j] = (uint32_t)(i + 1);
	}
	free(e->htab);
	e->htab = t;
	e->hmask = size - 1;
	return 0;
}

/* Index of the string s in the block, defining it (a kind-0 record) if new. */
static int intern(struct blkenc *e, struct fdr_str s, uint32_t *idx)
{
	uint64_t h;
	size_t j, tomb = SIZE_MAX;
	int rc;

	if (s.len > FDR_MAX_STR)
		return FDR_E_TOOBIG;
	if (!s.p)
		s.len = 0;
	if ((e->nstr + 1) * 2 > e->hmask + 1 || !e->htab) {
		rc = rehash(e, e->htab ? (e->hmask + 1) * 2 : 1024);
		if (rc)
			return rc;
	}
	h = XXH3_64bits(s.p, s.len);
	for (j = (size_t)h & e->hmask; e->htab[j]; j = (j + 1) & e->hmask) {
		uint32_t i = e->htab[j] - 1;
		const struct enc_str *x = &e->str[i];

		if (i >= e->nstr) {	/* tombstone: reuse it when the string is new */
			if (tomb == SIZE_MAX)
				tomb = j;
			continue;
		}
		if (x->len == s.len && (s.len == 0 || !memcmp(e->raw + x->off, s.p, s.len))) {
			*idx = i;
			return 0;
		}
	}
	if (tomb != SIZE_MAX)
		j = tomb;
	rc = grow((void **)&e->str, &e->strcap, e->nstr + 1, sizeof(*e->str));
	if (rc || (rc = raw_reserve(e, s.len + 11)))
		return rc;
	e->raw[e->len++] = 0;	/* record kind 0: string definition */
	e->len += put_varint(e->raw + e->len, s.len);
	e->str[e->nstr].off = (uint32_t)e->len;
	e->str[e->nstr].len = s.len;
	if (s.len)
		memcpy(e->raw + e->len, s.p, s.len);
	e->len += s.len;
	e->htab[j] = (uint32_t)(e->nstr + 1);
	*idx = (uint32_t)e->nstr++;
	return 0;
}

/* Bytes of v as a little-endian integer without its leading zero bytes (>= 1). */
static inline uint32_t byte_len(uint64_t v)
{
	return v < 0x100 ? 1 : (uint32_t)(64 - __builtin_clzll(v) + 7) / 8;
}

static inline int body_reserve(struct blkenc *e, size_t used, size_t more)
{
	if (used + more <= e->bodycap)
		return 0;
	return grow((void **)&e->body, &e->bodycap, used + more, 1);
}

/* Body bytes of an event's fields other than lists: flags, time and at
 * most 32 per field. */
#define BODY_ROOM (64 + 32 * FDR_F_MAX)

int blkenc_add(struct blkenc *e, const struct fdr_event *ev)
{
	size_t start = e->len, b = 0, nstr0 = e->nstr, flen;
	uint64_t prev = e->nev ? e->ev[e->nev - 1].time_ns : 0;
	int rc;

	if (ev->kind == 0 || ev->kind >= FDR_KIND_MAX)
		return -EINVAL;
	/* Room for every field but lists (<= 32 bytes each) at once; a list
	 * reserves its own bytes and this much again. */
	if ((rc = body_reserve(e, 0, BODY_ROOM)) ||
	    (e->nev == e->evcap &&
	     (rc = grow((void **)&e->ev, &e->evcap, e->nev + 1, sizeof(*e->ev)))))
		return rc;
	b += flen = put_varint(e->body + b, ev->flags);
	if (e->column) {
		/* v1.1: the time goes to the column written with the block */
	} else if (e->nev == 0) {
		put_varint10(e->body + b, 0);	/* patched by blkenc_set_base() */
		b += 10;
	} else {
		b += put_varint(e->body + b, zigzag((int64_t)(ev->time_ns - prev)));
	}
	for (unsigned w = 0; w < 2; w++) {
		uint64_t bits = ev->has[w];

		while (bits) {
			unsigned f = (unsigned)__builtin_ctzll(bits) + 64 * w;
			const union fdr_val *v = &ev->f[f];
			uint32_t idx;

			bits &= bits - 1;
			switch (field_types[f]) {
			case FDR_T_U64:
				b += put_varint(e->body + b, (uint64_t)f << 3 | WT_VARINT);
				b += put_varint(e->body + b, v->u);
				break;
			case FDR_T_I64:
				b += put_varint(e->body + b, (uint64_t)f << 3 | WT_ZIGZAG);
				b += put_varint(e->body + b, zigzag(v->i));
				break;
			case FDR_T_STR:
				if ((rc = intern(e, v->s, &idx)))
					goto out_undo;
				b += put_varint(e->body + b, (uint64_t)f << 3 | WT_STR);
				b += put_varint(e->body + b, idx);
				break;
			case FDR_T_STRV:
				if (v->v.n > FDR_MAX_LIST) {
					rc = FDR_E_TOOBIG;
					goto out_undo;
				}
				if ((rc = body_reserve(e, b, 16 + (size_t)v->v.n * 5 + BODY_ROOM)))
					goto out_undo;
				b += put_varint(e->body + b, (uint64_t)f << 3 | WT_STRV);
				b += put_varint(e->body + b, v->v.n);
				for (uint32_t i = 0; i < v->v.n; i++) {
					if ((rc = intern(e, v->v.v[i], &idx)))
						goto out_undo;
					b += put_varint(e->body + b, idx);
				}
				break;
			case FDR_T_ADDR:
				if (v->a.family != 4 && v->a.family != 6)
					break;	/* not an address: leave it out */
				b += put_varint(e->body + b, (uint64_t)f << 3 | WT_ADDR);
				e->body[b++] = v->a.family;
				memcpy(e->body + b, v->a.b, v->a.family == 4 ? 4 : 16);
				b += v->a.family == 4 ? 4 : 16;
				break;
			default:
				break;	/* a field this writer has no type for */
			}
			if (e->len - start + b > FDR_MAX_EVENT_RAW) {
				rc = FDR_E_TOOBIG;
				goto out_undo;
			}
		}
	}
	if ((rc = raw_reserve(e, b + 20)))
		goto out_undo;
	e->len += put_varint(e->raw + e->len, ev->kind);
	e->len += put_varint(e->raw + e->len, b);
	if (e->nev == 0)
		e->time_off = e->len + flen;
	memcpy(e->raw + e->len, e->body, b);
	e->len += b;
	e->ev[e->nev].end = (uint32_t)e->len;
	if (e->nev == 0) {
		e->tmin = ev->time_ns;
		e->tw = 1;
	} else {
		uint32_t w = byte_len(zigzag((int64_t)(ev->time_ns - prev)));

		e->tmin = ev->time_ns < e->tmin ? ev->time_ns : e->tmin;
		e->tw = w > e->tw ? w : e->tw;
		/* the first event's delta to the block's first_ns (the minimum) */
		w = byte_len(zigzag((int64_t)(e->ev[0].time_ns - e->tmin)));
		e->tw = w > e->tw ? w : e->tw;
	}
	e->ev[e->nev].col = 1 + (uint32_t)(e->nev + 1) * e->tw;
	e->ev[e->nev].kind = ev->kind;
	e->ev[e->nev].time_ns = ev->time_ns;
	e->nev++;
	return 0;

out_undo:
	/* Drop the strings this event defined so the block stays consistent;
	 * entries left in the table with an index >= nstr are tombstones. */
	if (e->nstr > nstr0) {
		e->nstr = nstr0;
		(void)rehash(e, e->hmask + 1);
	}
	e->len = start;
	return rc;
}

void blkenc_set_base(struct blkenc *e, uint64_t base)
{
	if (e->nev && e->time_off != SIZE_MAX)
		put_varint10(e->raw + e->time_off, zigzag((int64_t)(e->ev[0].time_ns - base)));
}

size_t blkenc_column(const struct blkenc *e, size_t n, uint64_t base, uint8_t *out)
{
	uint64_t prev = base, all = 0;
	uint32_t w;

	for (size_t i = 0; i < n; i++) {
		all |= zigzag((int64_t)(e->ev[i].time_ns - prev));
		prev = e->ev[i].time_ns;
	}
	w = byte_len(all);
	out[0] = (uint8_t)w;
	prev = base;
	for (size_t i = 0; i < n; i++) {
		uint64_t v = zigzag((int64_t)(e->ev[i].time_ns - prev));

		prev = e->ev[i].time_ns;
		for (uint32_t k = 0; k < w; k++)
			out[1 + k * n + i] = (uint8_t)(v >> (8 * k));
	}
	put_le32(out + 1 + w * n, (uint32_t)(1 + w * n));
	return 1 + w * n + BLK_COL_TRAILER;
}

void blkenc_range(const struct blkenc *e, size_t n, uint64_t *first, uint64_t *last,
		  uint64_t *kinds)
{
	uint64_t lo = UINT64_MAX, hi = 0, k = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t t = e->ev[i].time_ns;

		lo = t < lo ? t : lo;
		hi = t > hi ? t : hi;
		k |= (uint64_t)1 << (e->ev[i].kind & 63);
	}
	*first = n ? lo : 0;
	*last = hi;
	*kinds = k;
}

/* ---- cursor --------------------------------------------------------------- */

/* An event record with kind, flags and time decoded, fields not yet. */
struct ev_hdr {
	uint16_t kind, flags;
	uint64_t time_ns;
	struct rd body;		/* its fields */
};

struct fdr_cursor {
	struct rd in;		/* rest of the payload */
	const uint8_t *payload;
	size_t payload_len;
	uint8_t *buf;		/* decompressed payload */
	size_t bufcap;
	uint8_t *cbuf;		/* slot read from a file */
	size_t cbufcap;
	struct fdr_str *strs;	/* the block's string table so far */
	size_t nstr, strcap;
	struct fdr_str *lists;	/* string lists of the current event */
	size_t listcap;
	const uint8_t *col;	/* time column planes (LAYOUT_COLUMN) */
	struct ev_hdr peek;	/* the next event, when peeked */
	bool peeked;
	uint32_t ncol, colw;	/* its values and their width in bytes */
	int layout;
	uint64_t prev_ns;
	uint32_t nev, expect_ev;	/* expect_ev = UINT32_MAX: unknown */
	int err;		/* sticky: the rest of the block is skipped */
	const uint8_t *act;	/* tag_act, or proj under fdr_cursor_project() */
	const uint8_t *fast_end;	/* 16 bytes from any p < fast_end are readable */
	uint8_t proj[1024];	/* tag_act with the unwanted fields skipped */
};

int fdr_cursor_new(struct fdr_cursor **out)
{
	struct fdr_cursor *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->err = 1;	/* nothing loaded: next() returns 0 */
	codec_init();
	c->act = tag_act;
	*out = c;
	return 0;
}

void fdr_cursor_project(struct fdr_cursor *c, const uint64_t want[2])
{
	if (!want) {
		c->act = tag_act;
		return;
	}
	for (unsigned tag = 0; tag < 1024; tag++) {
		unsigned f = tag >> 3;

		c->proj[tag] = (want[f >> 6] >> (f & 63)) & 1 ? tag_act[tag] : skip_of[tag & 7];
	}
	c->act = c->proj;
}

void fdr_cursor_free(struct fdr_cursor *c)
{
	if (!c)
		return;
	free(c->buf);
	free(c->cbuf);
	free(c->strs);
	free(c->lists);
	free(c);
}

int cursor_load_payload(struct fdr_cursor *c, const uint8_t *payload, size_t len,
			uint64_t base_ns, uint32_t events, int layout)
{
	/* the fast field loop reads 16 bytes ahead: only where that stays inside */
	c->fast_end = len >= 16 ? payload + len - 16 : payload;
	c->layout = layout;
	c->peeked = false;
	c->col = NULL;
	c->ncol = c->colw = 0;
	if (layout == LAYOUT_COLUMN) {
		uint32_t clen;

		if (len < BLK_COL_TRAILER ||
		    (clen = get_le32(payload + len - BLK_COL_TRAILER)) > len - BLK_COL_TRAILER) {
			c->err = FDR_E_CORRUPT;
			return FDR_E_CORRUPT;
		}
		len -= BLK_COL_TRAILER;
		/* width byte, then width planes of ncol bytes */
		if (clen == 0 || payload[len - clen] == 0 || payload[len - clen] > 8 ||
		    (clen - 1) % payload[len - clen]) {
			c->err = FDR_E_CORRUPT;
			return FDR_E_CORRUPT;
		}
		c->colw = payload[len - clen];
		c->ncol = (clen - 1) / c->colw;
		c->col = payload + len - clen + 1;
		len -= clen;
	}
	c->payload = payload;
	c->payload_len = len;
	c->in.p = payload;
	c->in.end = payload + len;
	c->nstr = 0;
	c->prev_ns = base_ns;
	c->nev = 0;
	c->expect_ev = events;
	c->err = 0;
	return 0;
}

int cursor_load_carry(struct fdr_cursor *c, const struct blkenc *e, size_t k)
{
	uint32_t from = e->ev[k - 1].end;
	size_t n = 0;

	/* The strings defined before event k's record, in definition order. */
	while (n < e->nstr && e->str[n].off < from)
		n++;
	if (n > c->strcap && grow((void **)&c->strs, &c->strcap, n, sizeof(*c->strs)))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		c->strs[i].p = (const char *)e->raw + e->str[i].off;
		c->strs[i].len = e->str[i].len;
	}
	cursor_load_payload(c, e->raw + from, e->len - from, e->ev[k - 1].time_ns, UINT32_MAX,
			    e->column ? LAYOUT_NOTIME : LAYOUT_INLINE);
	c->nstr = n;
	return 0;
}

int fdr_cursor_load_raw(struct fdr_cursor *c, const void *payload, size_t len)
{
	if (len > FDR_MAX_RAW) {
		c->err = FDR_E_CORRUPT;
		return FDR_E_CORRUPT;
	}
	return cursor_load_payload(c, payload, len, 0, UINT32_MAX, LAYOUT_INLINE);
}

/* c->buf holds a block's raw payload and BUF_PAD bytes more, zeroed so
 * that the fast field loop may read past the payload's end (what it reads
 * there is checked and never used). */
#define BUF_PAD 17

static int load_buf(struct fdr_cursor *c, const struct blk_hdr *h, int layout)
{
	int rc;

	memset(c->buf + h->raw_size, 0, BUF_PAD);
	rc = cursor_load_payload(c, c->buf, h->raw_size, h->first_ns, h->events, layout);
	if (!rc)
		c->fast_end = c->buf + h->raw_size;
	return rc;
}

/* Internal for the reader: decompress a checked block into the cursor. */
int cursor_load_block(struct fdr_cursor *c, const struct blk_hdr *h, const uint8_t *payload);
int cursor_load_block(struct fdr_cursor *c, const struct blk_hdr *h, const uint8_t *payload)
{
	int n;

	c->err = FDR_E_CORRUPT;
	if (h->raw_size > FDR_MAX_RAW)
		return FDR_E_CORRUPT;
	if ((h->flags & BLK_COMP_MASK) == BLK_COMP_NONE) {
		if (h->raw_size != h->comp_size)
			return FDR_E_CORRUPT;
		if (grow((void **)&c->buf, &c->bufcap, h->raw_size + BUF_PAD, 1))
			return -ENOMEM;
		memcpy(c->buf, payload, h->raw_size);
	} else if ((h->flags & BLK_COMP_MASK) == BLK_COMP_LZ4) {
		if (grow((void **)&c->buf, &c->bufcap, h->raw_size + BUF_PAD, 1))
			return -ENOMEM;
		n = LZ4_decompress_safe((const char *)payload, (char *)c->buf, (int)h->comp_size,
					(int)h->raw_size);
		if (n < 0 || (uint32_t)n != h->raw_size)
			return FDR_E_CORRUPT;
	} else {
		/* v1.1 chained chunks: each decompresses right after the previous
		 * one, which it may use as its dictionary (up to 64 KiB back). */
		size_t in = 0, out = 0;

		if (grow((void **)&c->buf, &c->bufcap, h->raw_size + BUF_PAD, 1))
			return -ENOMEM;
		while (in < h->comp_size) {
			uint32_t clen;
			size_t dict = out < 65536 ? out : 65536;

			if (h->comp_size - in < BLK_CHUNK_HDR || out == h->raw_size)
				return FDR_E_CORRUPT;
			clen = get_le32(payload + in);
			in += BLK_CHUNK_HDR;
			if (clen == 0 || clen > h->comp_size - in)
				return FDR_E_CORRUPT;
			n = LZ4_decompress_safe_usingDict((const char *)payload + in,
							  (char *)c->buf + out, (int)clen,
							  (int)(h->raw_size - out),
							  (const char *)c->buf + out - dict, (int)dict);
			if (n <= 0)
				return FDR_E_CORRUPT;
			in += clen;
			out += (size_t)n;
		}
		if (out != h->raw_size)
			return FDR_E_CORRUPT;
		return load_buf(c, h, LAYOUT_COLUMN);
	}
	return load_buf(c, h, LAYOUT_INLINE);
}

int fdr_cursor_strings(const struct fdr_cursor *c, struct fdr_str **v, size_t *cap)
{
	struct rd in = c->in;
	size_t n = 0;

	if (c->err < 0)
		return c->err;
	for (;;) {
		struct fdr_str s;
		uint64_t kind, len;

		if (n < c->nstr) {	/* defined before the cursor's position */
			s = c->strs[n];
		} else {
			if (c->err || in.p == in.end)
				break;
			if (!rd_varint(&in, &kind) || !rd_varint(&in, &len) ||
			    len > (size_t)(in.end - in.p))
				return FDR_E_CORRUPT;
			s.p = (const char *)in.p;
			s.len = (uint32_t)len;
			in.p += len;
			if (kind != 0)
				continue;
			if (len > FDR_MAX_STR)
				return FDR_E_CORRUPT;
		}
		if (n == *cap) {
			size_t nc = *cap ? *cap * 2 : 256;
			struct fdr_str *nv = realloc(*v, nc * sizeof(*nv));
			if (!nv)
				return -ENOMEM;
			*v = nv;
			*cap = nc;
		}
		(*v)[n++] = s;
	}
	return (int)n;
}

/* Scratch for the reader to read a slot into (owned by the cursor). */
uint8_t *cursor_slot_buf(struct fdr_cursor *c, size_t size);
uint8_t *cursor_slot_buf(struct fdr_cursor *c, size_t size)
{
	if (grow((void **)&c->cbuf, &c->cbufcap, size, 1))
		return NULL;
	return c->cbuf;
}

void cursor_fail(struct fdr_cursor *c, int err);
void cursor_fail(struct fdr_cursor *c, int err)
{
	c->err = err;
	c->peeked = false;
}

static inline bool rd_str(const struct fdr_str *strs, size_t nstr, struct rd *r,
			  struct fdr_str *s)
{
	uint64_t idx;

	if (!rd_varint(r, &idx) || idx >= nstr)
		return false;
	*s = strs[idx];
	return true;
}

#define MARK(f) (has |= (unsigned __int128)1 << (f))

/* Move to the next event record: its kind, flags and time are decoded (and
 * the time chain advanced), its fields are left in h->body. String
 * definitions on the way are added to the table. 1, 0 at the end, or the
 * sticky error. */
/* One varint at *pp (before end): one- and two-byte values inline, the
 * rest through the checked reader. */
static inline __attribute__((always_inline)) bool get_varint(const uint8_t **pp,
							      const uint8_t *end, uint64_t *v)
{
	const uint8_t *p = *pp;

	if (__builtin_expect(end - p >= 2, 1)) {
		if (!(p[0] & 0x80)) {
			*v = p[0];
			*pp = p + 1;
			return true;
		}
		if (!(p[1] & 0x80)) {
			*v = (uint64_t)(p[0] & 0x7f) | (uint64_t)p[1] << 7;
			*pp = p + 2;
			return true;
		}
	}
	{
		struct rd r = { p, end };

		if (!rd_varint(&r, v))
			return false;
		*pp = r.p;
		return true;
	}
}

static inline __attribute__((always_inline)) int cursor_advance(struct fdr_cursor *c,
								 struct ev_hdr *h)
{
	const uint8_t *p = c->in.p, *end = c->in.end;

	if (c->err)
		return c->err > 0 ? 0 : c->err;
	for (;;) {
		uint64_t kind, len, flags, dt;
		const uint8_t *body;

		if (p == end) {
			c->in.p = p;
			if ((c->expect_ev != UINT32_MAX && c->nev != c->expect_ev) ||
			    (c->layout == LAYOUT_COLUMN && c->nev != c->ncol))
				goto corrupt;
			c->err = 1;
			return 0;
		}
		if (!get_varint(&p, end, &kind) || !get_varint(&p, end, &len) ||
		    len > (size_t)(end - p))
			goto corrupt;
		body = p;
		p += len;
		if (kind == 0) {	/* string definition */
			if (len > FDR_MAX_STR)
				goto corrupt;
			if (c->nstr == c->strcap &&
			    grow((void **)&c->strs, &c->strcap, c->nstr + 1, sizeof(*c->strs))) {
				c->in.p = p;
				c->err = -ENOMEM;
				return -ENOMEM;
			}
			c->strs[c->nstr].p = (const char *)body;
			c->strs[c->nstr].len = (uint32_t)len;
			c->nstr++;
			continue;
		}
		if (kind >= FDR_KIND_MAX)
			continue;	/* a future record type: skipped by length */
		if (c->nev == UINT32_MAX - 1 || !get_varint(&body, p, &flags))
			goto corrupt;
		if (c->layout == LAYOUT_COLUMN) {
			const uint8_t *t = c->col + c->nev;
			size_t n = c->ncol;

			if (c->nev >= c->ncol)
				goto corrupt;
			/* little-endian value, byte k in plane k */
			switch (c->colw) {
			case 8: dt = (uint64_t)t[7 * n] << 56 | (uint64_t)t[6 * n] << 48 |
				     (uint64_t)t[5 * n] << 40 | (uint64_t)t[4 * n] << 32 |
				     (uint64_t)t[3 * n] << 24 | (uint64_t)t[2 * n] << 16 |
				     (uint64_t)t[n] << 8 | t[0];
				break;
			case 4: dt = (uint64_t)t[3 * n] << 24 | (uint64_t)t[2 * n] << 16 |
				     (uint64_t)t[n] << 8 | t[0];
				break;
			case 3: dt = (uint64_t)t[2 * n] << 16 | (uint64_t)t[n] << 8 | t[0];
				break;
			case 2: dt = (uint64_t)t[n] << 8 | t[0];
				break;
			default:
				dt = t[0];
				for (uint32_t k = 1; k < c->colw; k++)
					dt |= (uint64_t)t[(size_t)k * n] << (8 * k);
				break;
			}
		} else if (c->layout == LAYOUT_INLINE) {
			if (!get_varint(&body, p, &dt))
				goto corrupt;
		} else {
			dt = zigzag(-(int64_t)c->prev_ns);	/* times: 0 */
		}
		c->in.p = p;
		h->kind = (uint16_t)kind;
		h->flags = (uint16_t)flags;
		h->time_ns = c->prev_ns + (uint64_t)unzigzag(dt);
		h->body.p = body;
		h->body.end = p;
		c->prev_ns = h->time_ns;
		c->nev++;
		return 1;
	}
corrupt:
	c->in.p = p;
	c->err = FDR_E_CORRUPT;
	return FDR_E_CORRUPT;
}

int fdr_cursor_peek(struct fdr_cursor *c, struct fdr_event_peek *p)
{
	int rc;

	if (!c->peeked) {
		if ((rc = cursor_advance(c, &c->peek)) != 1)
			return rc;
		c->peeked = true;
	}
	p->kind = c->peek.kind;
	p->flags = c->peek.flags;
	p->time_ns = c->peek.time_ns;
	p->has_pid = false;
	p->pid = 0;
	/* pid: field 1, wire 0, tag 0x08; the first field when in id order */
	if (c->peek.body.p < c->peek.body.end && *c->peek.body.p == 0x08) {
		struct rd r = { c->peek.body.p + 1, c->peek.body.end };

		p->has_pid = rd_varint(&r, &p->pid);
	}
	return 1;
}

int fdr_cursor_skip(struct fdr_cursor *c)
{
	int rc = 1;

	if (!c->peeked)
		rc = cursor_advance(c, &c->peek);
	c->peeked = false;
	return rc;
}

/* The rest of a record's fields after the fast path could not take one:
 * lists, addresses, long tags and unknown wire types. Returns the new
 * position, or NULL on damage (*nomem set when out of memory). */
static const uint8_t *field_slow(struct fdr_cursor *c, struct fdr_event *ev, const uint8_t *p,
				 const uint8_t *end, unsigned act, unsigned f, size_t *nlist,
				 unsigned __int128 *has, bool *nomem)
{
	struct rd r = { p, end };
	uint64_t v, n;

	switch (act) {
	case ACT_STRV:
	case ACT_SKIP_STRV:
		if (!rd_varint(&r, &n) || n > FDR_MAX_LIST || n > (uint64_t)(r.end - r.p))
			return NULL;
		if (act == ACT_SKIP_STRV) {
			/* checked, not kept */
			for (uint64_t i = 0; i < n; i++)
				if (!rd_varint(&r, &v) || v >= c->nstr)
					return NULL;
			return r.p;
		}
		/* Reserve at the event's first list for the rest of the record (a
		 * ref takes >= 1 byte), so that earlier lists of this event never
		 * move. */
		if (*nlist == 0 && (size_t)(r.end - r.p) > c->listcap &&
		    grow((void **)&c->lists, &c->listcap, (size_t)(r.end - r.p), sizeof(*c->lists))) {
			*nomem = true;
			return NULL;
		}
		if (*nlist + n > c->listcap)
			return NULL;
		for (uint64_t i = 0; i < n; i++)
			if (!rd_str(c->strs, c->nstr, &r, &c->lists[*nlist + i]))
				return NULL;
		ev->f[f].v.v = n ? c->lists + *nlist : NULL;
		ev->f[f].v.n = (uint32_t)n;
		*has |= (unsigned __int128)1 << f;
		*nlist += n;
		return r.p;
	case ACT_ADDR:
	case ACT_SKIP_ADDR: {
		uint8_t fam;
		size_t alen;

		if (r.p >= r.end)
			return NULL;
		fam = *r.p++;
		if (fam != 4 && fam != 6)
			return NULL;
		alen = fam == 4 ? 4 : 16;
		if ((size_t)(r.end - r.p) < alen)
			return NULL;
		if (act == ACT_ADDR) {
			ev->f[f].a.family = fam;
			memset(ev->f[f].a.b, 0, sizeof(ev->f[f].a.b));
			memcpy(ev->f[f].a.b, r.p, alen);
			*has |= (unsigned __int128)1 << f;
		}
		return r.p + alen;
	}
	default:	/* unknown wire type: the rest of the record is skipped */
		return end;
	}
}

/*
 * The field loop, written for speed (SPEC.md 6.2 is the reference): one
 * table lookup per tag gives what to do, tags of one or two bytes and
 * values of one byte are read inline, everything else goes through the
 * checked struct rd readers. Every value is parsed and checked whether it
 * is kept or not, so a projection (fdr_cursor_project()) sees the same
 * damage as a full decode.
 */
int fdr_cursor_next(struct fdr_cursor *c, struct fdr_event *ev)
{
	struct ev_hdr h;
	const uint8_t *p, *end, *act = c->act, *lim = c->fast_end;
	size_t nlist = 0, nstr;
	const struct fdr_str *strs;
	uint64_t has0 = 0, has1 = 0;
	int rc;

	if (c->peeked) {
		h = c->peek;
		c->peeked = false;
	} else if ((rc = cursor_advance(c, &h)) != 1) {
		return rc;
	}
	p = h.body.p;
	end = h.body.end;
	ev->kind = h.kind;
	ev->flags = h.flags;
	ev->time_ns = h.time_ns;
	/* Locals: stores into *ev may alias *c as far as the compiler knows. */
	strs = c->strs;
	nstr = c->nstr;
	while (p < end) {
		uint64_t tag, v;
		unsigned f, a;

		if (__builtin_expect(p < lim, 1)) {
			/* 16 bytes from p are readable (maybe past the record end:
			 * checked after each read) */
			uint64_t b0 = p[0], b1 = p[1];

			if (!(b0 & 0x80)) {
				tag = b0;
				p += 1;
			} else if (!(b1 & 0x80)) {	/* fields 16..127 */
				tag = (b0 & 0x7f) | b1 << 7;
				p += 2;
			} else {
				goto checked;
			}
			a = tag < 1024 ? act[tag] : skip_of[tag & 7];
			if (__builtin_expect(a > ACT_SKIP_STR, 0)) {
				if (p > end)
					goto corrupt;
				goto other;
			}
			b0 = p[0];
			b1 = p[1];
			if (!(b0 & 0x80)) {
				v = b0;
				p += 1;
			} else if (!(b1 & 0x80)) {
				v = (b0 & 0x7f) | b1 << 7;
				p += 2;
			} else {
				struct rd r = { p, end };

				if (!rd_varint(&r, &v))
					goto corrupt;
				p = r.p;
			}
			if (p > end)
				goto corrupt;
		} else {
			struct rd r;
checked:
			r.p = p;
			r.end = end;
			if (!rd_varint(&r, &tag))
				goto corrupt;
			p = r.p;
			a = tag < 1024 ? act[tag] : skip_of[tag & 7];
			if (a > ACT_SKIP_STR)
				goto other;
			if (!get_varint(&p, end, &v))
				goto corrupt;
		}
		/* one varint: a number or a string index */
		f = (unsigned)(tag >> 3);
		if (a == ACT_STR || a == ACT_SKIP_STR) {
			if (v >= nstr)
				goto corrupt;
			if (a == ACT_SKIP_STR)
				continue;
			ev->f[f].s = strs[v];
		} else if (a == ACT_SKIP_VARINT) {
			continue;
		} else {
			ev->f[f].u = a == ACT_I64 ? (uint64_t)unzigzag(v) : v;
		}
		/* f < 128 here */
		has0 |= f < 64 ? (uint64_t)1 << (f & 63) : 0;
		has1 |= f >= 64 ? (uint64_t)1 << (f & 63) : 0;
		continue;
other: {
		unsigned __int128 more = 0;
		bool nomem = false;

		p = field_slow(c, ev, p, end, a, (unsigned)(tag >> 3), &nlist, &more, &nomem);
		if (!p) {
			if (nomem)
				goto nomem;
			goto corrupt;
		}
		has0 |= (uint64_t)more;
		has1 |= (uint64_t)(more >> 64);
	}
	}
	ev->has[0] = has0;
	ev->has[1] = has1;
	return 1;
corrupt:
	c->err = FDR_E_CORRUPT;
	return FDR_E_CORRUPT;
nomem:
	c->err = -ENOMEM;
	return -ENOMEM;
}
