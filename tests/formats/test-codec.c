/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Block payload codec: every kind and every field round-trips (empty,
 * maximal, non-UTF-8 and NUL-containing strings, extreme integers), the
 * SPEC.md example decodes, and readers skip what they must skip.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fdr-ring.h"
#include "formats/ring-format.h"
#include "gen.h"

static char tmpdir[64];
static char path[256];

/* Encode evs into one raw payload and decode it back, comparing. */
static void raw_round_trip(const struct fdr_event *evs, size_t n)
{
	struct blkenc e;
	struct fdr_cursor *c;
	struct fdr_event *out = malloc(sizeof(*out));
	char why[256];

	assert_non_null(out);
	blkenc_init(&e);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(blkenc_add(&e, &evs[i]), 0);
	blkenc_set_base(&e, 0);
	assert_int_equal(fdr_cursor_new(&c), 0);
	assert_int_equal(fdr_cursor_load_raw(c, e.raw, e.len), 0);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(fdr_cursor_next(c, out), 1);
		if (!ev_equal(out, &evs[i], why))
			fail_msg("event %zu: %s", i, why);
	}
	assert_int_equal(fdr_cursor_next(c, out), 0);
	assert_int_equal(fdr_cursor_next(c, out), 0);
	fdr_cursor_free(c);
	blkenc_release(&e);
	free(out);
}

/* Fill every field of ev with a value derived from variant v. */
static void fill_all(struct fdr_event *ev, unsigned kind, int v, struct fdr_str *sv,
		     char (*sbuf)[64])
{
	static const char nonutf8[] = "\xff\xfe\xc3\x28 bad \xed\xa0\x80";
	static const char withnul[] = "a\0b\0\0c";

	fdr_event_init(ev, kind, v == 0 ? 0 : v == 1 ? UINT64_MAX : 1700000000123456789ull);
	ev->flags = v == 1 ? 0xffff : (uint16_t)v;
	for (unsigned f = 1; f < FDR_F_MAX; f++) {
		struct fdr_addr a = { 0 };

		switch (fdr_field_type(f)) {
		case FDR_T_U64:
			fdr_event_set_u(ev, f, v == 0 ? 0 : v == 1 ? UINT64_MAX : f * 1000003ull);
			break;
		case FDR_T_I64:
			fdr_event_set_i(ev, f, v == 0 ? INT64_MIN : v == 1 ? INT64_MAX : -(int64_t)f);
			break;
		case FDR_T_STR:
			if (v == 0)
				fdr_event_set_str(ev, f, "", 0);
			else if (v == 1)
				fdr_event_set_str(ev, f, nonutf8, sizeof(nonutf8) - 1);
			else if (v == 2)
				fdr_event_set_str(ev, f, withnul, sizeof(withnul) - 1);
			else {
				snprintf(sbuf[f % 64], 64, "/path/%u", f);
				fdr_event_set_cstr(ev, f, sbuf[f % 64]);
			}
			break;
		case FDR_T_STRV:
			sv[0] = (struct fdr_str){ nonutf8, sizeof(nonutf8) - 1 };
			sv[1] = (struct fdr_str){ "", 0 };
			sv[2] = (struct fdr_str){ withnul, sizeof(withnul) - 1 };
			sv[3] = (struct fdr_str){ NULL, 0 };
			fdr_event_set_strv(ev, f, sv, v == 0 ? 0 : (size_t)(v % 4) + 1);
			break;
		case FDR_T_ADDR:
			a.family = v % 2 ? 6 : 4;
			memset(a.b, v == 1 ? 0xff : 0, a.family == 4 ? 4 : 16);
			a.b[0] = (uint8_t)f;
			fdr_event_set_addr(ev, f, &a);
			break;
		default:
			break;
		}
	}
}

static void test_every_kind_and_field(void **state)
{
	static struct fdr_event evs[FDR_KIND_MAX * 4];
	static struct fdr_str sv[4];
	static char sbuf[64][64];
	size_t n = 0;

	(void)state;
	for (unsigned k = 1; k < FDR_KIND_MAX; k++)
		for (int v = 0; v < 4; v++) {
			if (!fdr_kind_name(k) && v)
				continue;	/* unknown kinds: once, still encoded */
			fill_all(&evs[n++], k, v, sv, sbuf);
		}
	raw_round_trip(evs, n);
	/* one at a time too: each event first in its block */
	for (size_t i = 0; i < n; i++)
		raw_round_trip(&evs[i], 1);
	/* no fields at all */
	fdr_event_init(&evs[0], FDR_REC_STOP, 5);
	raw_round_trip(evs, 1);
}

/* The bench's host-like mix (gen_host_event) encodes and decodes back
 * exactly, and has the shape it claims: mostly proc and file events, a
 * few audit ones, strings repeated. */
static void test_host_mix(void **state)
{
	const size_t n = 8000;
	struct blkenc e;
	struct fdr_cursor *c;
	struct fdr_event *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	struct gen_buf g, g2;
	size_t proc = 0, file = 0, other = 0;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	blkenc_init(&e);
	for (size_t i = 0; i < n; i++) {
		gen_host_event(i, a, &g);
		assert_int_equal(blkenc_add(&e, a), 0);
	}
	blkenc_set_base(&e, 0);
	assert_int_equal(fdr_cursor_new(&c), 0);
	assert_int_equal(fdr_cursor_load_raw(c, e.raw, e.len), 0);
	for (size_t i = 0; i < n; i++) {
		char why[256];

		gen_host_event(i, a, &g2);
		assert_int_equal(fdr_cursor_next(c, b), 1);
		if (!ev_equal(a, b, why))
			fail_msg("host event %zu: %s", i, why);
		if (a->kind <= FDR_PROC_UID)
			proc++;
		else if (a->kind <= FDR_FILE_OPEN)
			file++;
		else
			other++;
	}
	assert_int_equal(fdr_cursor_next(c, b), 0);
	assert_true(proc > n / 3 && file > n / 3 && other > n / 50 && other < n / 10);
	assert_true(e.nstr < n / 5);	/* repeated strings, interned once */
	fdr_cursor_free(c);
	blkenc_release(&e);
	free(a);
	free(b);
}

static void test_time_deltas(void **state)
{
	static struct fdr_event evs[6];
	static const uint64_t t[] = { 1000, 999, UINT64_MAX, 0, 1ull << 63, 7 };

	(void)state;
	for (int i = 0; i < 6; i++)
		fdr_event_init(&evs[i], FDR_PROC_EXIT, t[i]);
	raw_round_trip(evs, 6);
}

static void test_spec_example(void **state)
{
	static const uint8_t ex[] = {
		0x00, 0x02, 's', 'h',
		0x02, 0x11, 0x00,
		0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00,
		0x08, 0x2a,
		0x3b, 0x02, 0x00, 0x00,
	};
	struct fdr_cursor *c;
	struct fdr_event ev;
	struct fdr_strv v;

	(void)state;
	assert_int_equal(fdr_cursor_new(&c), 0);
	assert_int_equal(fdr_cursor_load_raw(c, ex, sizeof(ex)), 0);
	assert_int_equal(fdr_cursor_next(c, &ev), 1);
	assert_int_equal(ev.kind, FDR_PROC_EXEC);
	assert_int_equal(ev.time_ns, 0);
	assert_int_equal(fdr_event_u(&ev, FDR_F_PID, 0), 42);
	v = fdr_event_strv(&ev, FDR_F_ARGV);
	assert_int_equal(v.n, 2);
	assert_true(v.v[0].len == 2 && !memcmp(v.v[1].p, "sh", 2));
	assert_int_equal(ev.has[0], (1ull << FDR_F_PID) | (1ull << FDR_F_ARGV));
	assert_int_equal(fdr_cursor_next(c, &ev), 0);
	fdr_cursor_free(c);
}

/* SPEC.md 8, the v1.1 column layout of the same block; and what a reader
 * must call damage in it. */
static void test_spec_example_v11(void **state)
{
	static const uint8_t ex[] = {
		0x00, 0x02, 's', 'h',
		0x02, 0x07, 0x00,
		0x08, 0x2a,
		0x3b, 0x02, 0x00, 0x00,
		0x01, 0x00,
		0x02, 0x00, 0x00, 0x00,
	};
	uint8_t bad[sizeof(ex)];
	struct fdr_cursor *c;
	struct fdr_event ev;
	struct fdr_strv v;

	(void)state;
	assert_int_equal(fdr_cursor_new(&c), 0);
	assert_int_equal(cursor_load_payload(c, ex, sizeof(ex), 7, 1, LAYOUT_COLUMN), 0);
	assert_int_equal(fdr_cursor_next(c, &ev), 1);
	assert_int_equal(ev.kind, FDR_PROC_EXEC);
	assert_int_equal(ev.time_ns, 7);
	assert_int_equal(fdr_event_u(&ev, FDR_F_PID, 0), 42);
	v = fdr_event_strv(&ev, FDR_F_ARGV);
	assert_int_equal(v.n, 2);
	assert_true(v.v[0].len == 2 && !memcmp(v.v[1].p, "sh", 2));
	assert_int_equal(fdr_cursor_next(c, &ev), 0);
	/* col_len past the payload */
	memcpy(bad, ex, sizeof(ex));
	bad[sizeof(ex) - 4] = 15;
	assert_int_equal(cursor_load_payload(c, bad, sizeof(bad), 0, 1, LAYOUT_COLUMN),
			 FDR_E_CORRUPT);
	assert_int_equal(fdr_cursor_next(c, &ev), FDR_E_CORRUPT);
	/* an empty column (no width byte) */
	bad[sizeof(ex) - 4] = 0;
	assert_int_equal(cursor_load_payload(c, bad, sizeof(bad), 0, 1, LAYOUT_COLUMN),
			 FDR_E_CORRUPT);
	/* width 0, and width 9 */
	bad[sizeof(ex) - 4] = 2;
	bad[sizeof(ex) - 6] = 0;
	assert_int_equal(cursor_load_payload(c, bad, sizeof(bad), 0, 1, LAYOUT_COLUMN),
			 FDR_E_CORRUPT);
	bad[sizeof(ex) - 6] = 9;
	assert_int_equal(cursor_load_payload(c, bad, sizeof(bad), 0, 1, LAYOUT_COLUMN),
			 FDR_E_CORRUPT);
	/* a column of two values (width 1) for one event: one left over */
	{
		uint8_t two[sizeof(ex) + 1];

		memcpy(two, ex, 15);
		two[15] = 0x00;
		memcpy(two + 16, "\x03\x00\x00\x00", 4);
		assert_int_equal(cursor_load_payload(c, two, sizeof(two), 0, UINT32_MAX,
						     LAYOUT_COLUMN), 0);
		assert_int_equal(fdr_cursor_next(c, &ev), 1);
		assert_int_equal(fdr_event_u(&ev, FDR_F_PID, 0), 42);
		assert_int_equal(fdr_cursor_next(c, &ev), FDR_E_CORRUPT);
	}
	fdr_cursor_free(c);
}

static void test_skipping(void **state)
{
	/* unknown record kind 70 (skipped), event kind 63 (unknown, decoded),
	 * unknown field id 120 wire 0, pid with the wrong wire type 2, field
	 * 200 (>= 128) wire 4, then wire type 7 ends the record. */
	static const uint8_t p[] = {
		0x46, 0x03, 1, 2, 3,			/* kind 70, skipped */
		0x00, 0x01, 'x',			/* string 0 */
		0x3f, 20,				/* kind 63, body 20 bytes */
		0x05, 0x04,				/* flags 5, +2 ns */
		0xc0, 0x07, 0x07,			/* field 120 wire 0 */
		0x0a, 0x00,				/* pid as a string: skipped */
		0x08, 0x09,				/* pid = 9 */
		0xc4, 0x0c, 0x04, 1, 2, 3, 4,		/* field 200 wire 4 */
		0x1f, 0x08, 0x01, 0x02,			/* field 3 wire 7: rest skipped */
		0x03, 0x04, 0x00, 0x01, 0x2a, 0x00,	/* kind 3, -1 ns, comm = "x" */
	};
	struct fdr_cursor *c;
	struct fdr_event ev;

	(void)state;
	assert_int_equal(fdr_cursor_new(&c), 0);
	assert_int_equal(fdr_cursor_load_raw(c, p, sizeof(p)), 0);
	assert_int_equal(fdr_cursor_next(c, &ev), 1);
	assert_int_equal(ev.kind, 63);
	assert_int_equal(ev.flags, 5);
	assert_int_equal(ev.time_ns, 2);
	assert_int_equal(ev.has[0], 1ull << FDR_F_PID);
	assert_int_equal(ev.has[1], 0);
	assert_int_equal(fdr_event_u(&ev, FDR_F_PID, 0), 9);
	assert_int_equal(fdr_cursor_next(c, &ev), 1);
	assert_int_equal(ev.kind, 3);
	assert_int_equal(ev.time_ns, 1);
	assert_int_equal(ev.has[0], 1ull << FDR_F_COMM);
	assert_true(fdr_str_eq(fdr_event_str(&ev, FDR_F_COMM), "x"));
	assert_int_equal(fdr_cursor_next(c, &ev), 0);
	fdr_cursor_free(c);
}

static void test_damage(void **state)
{
	static const struct {
		const char *what;
		uint8_t b[16];
		size_t len;
	} bad[] = {
		{ "undefined string", { 0x02, 0x04, 0x00, 0x00, 0x2a, 0x00 }, 6 },
		{ "body past end", { 0x02, 0x09, 0x00, 0x00 }, 4 },
		{ "bad family", { 0x02, 0x05, 0x00, 0x00, 0x1c, 0x05, 0x00 }, 7 },
		{ "short address", { 0x02, 0x05, 0x00, 0x00, 0x1c, 0x04, 0x01 }, 7 },
		{ "list past end", { 0x02, 0x05, 0x00, 0x00, 0x3b, 0x05, 0x00 }, 7 },
		{ "long varint", { 0x02, 0x0c, 0x00, 0x00, 0x08, 0xff, 0xff, 0xff, 0xff, 0xff,
				   0xff, 0xff, 0xff, 0xff, 0x02 }, 15 },
		{ "truncated kind", { 0x80 }, 1 },
		{ "missing time", { 0x02, 0x01, 0x00 }, 3 },
	};
	struct fdr_cursor *c;
	struct fdr_event ev;

	(void)state;
	assert_int_equal(fdr_cursor_new(&c), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(fdr_cursor_load_raw(c, bad[i].b, bad[i].len), 0);
		if (fdr_cursor_next(c, &ev) != FDR_E_CORRUPT)
			fail_msg("%s: not reported as damage", bad[i].what);
		assert_int_equal(fdr_cursor_next(c, &ev), FDR_E_CORRUPT);	/* sticky */
	}
	fdr_cursor_free(c);
}

/* An exec record: flags, time 0, tag with a list count of 1 (list) and
 * value val, then 13 pid fields (so the fast field loop reads it). */
static size_t bad_record(uint8_t *b, uint8_t tag, uint8_t val, bool list)
{
	size_t k = 0;

	b[k++] = 0x02;
	b[k++] = 0;	/* body length, below */
	b[k++] = 0x00;
	b[k++] = 0x00;
	b[k++] = tag;
	if (list)
		b[k++] = 0x01;
	b[k++] = val;
	for (int i = 0; i < 13; i++) {
		b[k++] = 0x08;
		b[k++] = 0x01;
	}
	b[1] = (uint8_t)(k - 2);
	return k;
}

/* fdr_cursor_project(): wanted fields come out exactly as in a full decode,
 * the others absent; damage in a field not kept is still damage. */
static void test_projection(void **state)
{
	static const unsigned sets[][4] = {
		{ FDR_F_EXE, FDR_F_DPORT, 0 }, { FDR_F_ARGV, FDR_F_SRC, FDR_F_SEQ, 0 },
		{ FDR_F_EXIT_CODE, FDR_F_COMM, FDR_F_AUDIT_ID, 0 }, { 0 },
	};
	uint8_t bad[64];
	struct blkenc e;
	struct fdr_cursor *full, *proj;
	struct fdr_event *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	struct gen_buf g;
	const size_t n = 3000;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	blkenc_init(&e);
	for (size_t i = 0; i < n; i++) {
		gen_event(i, a, &g);
		assert_int_equal(blkenc_add(&e, a), 0);
	}
	blkenc_set_base(&e, 0);
	assert_int_equal(fdr_cursor_new(&full), 0);
	assert_int_equal(fdr_cursor_new(&proj), 0);
	for (size_t s = 0; s < sizeof(sets) / sizeof(sets[0]); s++) {
		uint64_t want[2] = { 0, 0 };

		for (size_t k = 0; sets[s][k]; k++)
			want[sets[s][k] >> 6] |= 1ull << (sets[s][k] & 63);
		fdr_cursor_project(proj, want);
		assert_int_equal(fdr_cursor_load_raw(full, e.raw, e.len), 0);
		assert_int_equal(fdr_cursor_load_raw(proj, e.raw, e.len), 0);
		for (size_t i = 0; i < n; i++) {
			char why[256];

			assert_int_equal(fdr_cursor_next(full, a), 1);
			assert_int_equal(fdr_cursor_next(proj, b), 1);
			a->has[0] &= want[0];
			a->has[1] &= want[1];
			if (!ev_equal(a, b, why))
				fail_msg("set %zu event %zu: %s", s, i, why);
		}
		assert_int_equal(fdr_cursor_next(proj, b), 0);
		/* damage in a field not kept is still damage, in the fast loop too */
		size_t len = bad_record(bad, 0x3b, 0x05, true);	/* argv: undefined string */

		assert_int_equal(fdr_cursor_load_raw(proj, bad, len), 0);
		assert_int_equal(fdr_cursor_next(proj, b), FDR_E_CORRUPT);
		len = bad_record(bad, 0x7a, 0x05, false);	/* tty: undefined string */
		assert_int_equal(fdr_cursor_load_raw(proj, bad, len), 0);
		assert_int_equal(fdr_cursor_next(proj, b), FDR_E_CORRUPT);
		len = bad_record(bad, 0x3b, 0x00, false);	/* argv: empty list, fine */
		assert_int_equal(fdr_cursor_load_raw(proj, bad, len), 0);
		assert_int_equal(fdr_cursor_next(proj, b), 1);
		assert_int_equal(fdr_event_has(b, FDR_F_ARGV), s == 1);
		assert_false(fdr_event_has(b, FDR_F_PID));
	}
	fdr_cursor_project(proj, NULL);	/* all fields again */
	assert_int_equal(fdr_cursor_load_raw(proj, e.raw, e.len), 0);
	assert_int_equal(fdr_cursor_load_raw(full, e.raw, e.len), 0);
	for (size_t i = 0; i < n; i++) {
		char why[256];

		assert_int_equal(fdr_cursor_next(full, a), 1);
		assert_int_equal(fdr_cursor_next(proj, b), 1);
		if (!ev_equal(a, b, why))
			fail_msg("unprojected event %zu: %s", i, why);
	}
	fdr_cursor_free(full);
	fdr_cursor_free(proj);
	blkenc_release(&e);
	free(a);
	free(b);
}

/* Maximal values through a real ring: a 1 MiB incompressible string, a
 * 65536-entry list; and an event too big for the slot. */
static void test_maximal_in_ring(void **state)
{
	struct fdr_writer_opts o = { 8192 + 4 * (2u << 20), 2u << 20, FDR_SYNC_NONE };
	struct fdr_ring_meta m = { 0 };
	struct fdr_ring_writer *w;
	struct fdr_ring_reader *r;
	struct fdr_cursor *c;
	struct fdr_event *ev = malloc(sizeof(*ev)), *out = malloc(sizeof(*out));
	char *big = malloc(FDR_MAX_STR), why[256];
	struct fdr_str *list = calloc(FDR_MAX_LIST + 1, sizeof(*list));
	uint64_t x = 1;

	(void)state;
	assert_true(ev && out && big && list);
	for (size_t i = 0; i < FDR_MAX_STR; i++) {
		x = gen_mix(x);
		big[i] = (char)x;
	}
	for (size_t i = 0; i <= FDR_MAX_LIST; i++)
		list[i] = (struct fdr_str){ big + i, (uint32_t)(i % 3) };
	unlink(path);
	assert_int_equal(fdr_writer_open(path, &m, &o, &w), 0);
	fdr_event_init(ev, FDR_PROC_EXEC, 77);
	fdr_event_set_str(ev, FDR_F_EXE, big, FDR_MAX_STR);
	assert_int_equal(fdr_writer_append(w, ev), 0);
	fdr_event_init(ev, FDR_PROC_EXEC, 78);
	fdr_event_set_strv(ev, FDR_F_ARGV, list, FDR_MAX_LIST);
	assert_int_equal(fdr_writer_append(w, ev), 0);
	/* over the caps */
	fdr_event_init(ev, FDR_PROC_EXEC, 79);
	fdr_event_set_str(ev, FDR_F_EXE, big, FDR_MAX_STR + 1);
	assert_int_equal(fdr_writer_append(w, ev), FDR_E_TOOBIG);
	fdr_event_init(ev, FDR_PROC_EXEC, 79);
	fdr_event_set_strv(ev, FDR_F_ARGV, list, FDR_MAX_LIST + 1);
	assert_int_equal(fdr_writer_append(w, ev), FDR_E_TOOBIG);
	assert_int_equal(fdr_writer_close(w), 0);

	assert_int_equal(fdr_reader_open(path, &r), 0);
	assert_int_equal(fdr_cursor_new(&c), 0);
	assert_int_equal(fdr_reader_nblocks(r), 1);
	assert_int_equal(fdr_cursor_load(c, r, 0), 0);
	fdr_event_init(ev, FDR_PROC_EXEC, 77);
	fdr_event_set_str(ev, FDR_F_EXE, big, FDR_MAX_STR);
	assert_int_equal(fdr_cursor_next(c, out), 1);
	assert_true(ev_equal(out, ev, why));
	fdr_event_init(ev, FDR_PROC_EXEC, 78);
	fdr_event_set_strv(ev, FDR_F_ARGV, list, FDR_MAX_LIST);
	assert_int_equal(fdr_cursor_next(c, out), 1);
	if (!ev_equal(out, ev, why))
		fail_msg("%s", why);
	assert_int_equal(fdr_cursor_next(c, out), 0);
	fdr_cursor_free(c);
	fdr_reader_free(r);
	free(list);
	free(big);
	free(out);
	free(ev);
}

static void test_toobig_small_slot(void **state)
{
	struct fdr_writer_opts o = { 8192 + 4 * 4096, 4096, FDR_SYNC_NONE };
	struct fdr_ring_meta m = { 0 };
	struct fdr_ring_writer *w;
	struct fdr_ring_reader *r;
	struct fdr_event *ev = malloc(sizeof(*ev));
	char *big = malloc(8192);
	uint64_t x = 3;

	(void)state;
	for (size_t i = 0; i < 8192; i++) {
		x = gen_mix(x);
		big[i] = (char)x;
	}
	unlink(path);
	assert_int_equal(fdr_writer_open(path, &m, &o, &w), 0);
	fdr_event_init(ev, FDR_FILE_OPEN, 1);
	fdr_event_set_str(ev, FDR_F_PATH, big, 4000);	/* random: incompressible, too big */
	assert_int_equal(fdr_writer_append(w, ev), FDR_E_TOOBIG);
	fdr_event_set_str(ev, FDR_F_PATH, big, 3900);	/* fits alone */
	assert_int_equal(fdr_writer_append(w, ev), 0);
	memset(big, 'a', 8192);
	fdr_event_set_str(ev, FDR_F_PATH, big, 8192);	/* compressible: fits */
	assert_int_equal(fdr_writer_append(w, ev), 0);
	assert_int_equal(fdr_writer_close(w), 0);
	assert_int_equal(fdr_reader_open(path, &r), 0);
	{
		uint32_t n = 0;

		for (size_t i = 0; i < fdr_reader_nblocks(r); i++)
			n += fdr_reader_block(r, i)->events;
		assert_int_equal(n, 2);
	}
	assert_int_equal(fdr_reader_verify(r), 0);
	fdr_reader_free(r);
	free(big);
	free(ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_kind_and_field),
		cmocka_unit_test(test_time_deltas),
		cmocka_unit_test(test_host_mix),
		cmocka_unit_test(test_spec_example),
		cmocka_unit_test(test_spec_example_v11),
		cmocka_unit_test(test_skipping),
		cmocka_unit_test(test_damage),
		cmocka_unit_test(test_projection),
		cmocka_unit_test(test_maximal_in_ring),
		cmocka_unit_test(test_toobig_small_slot),
	};
	int rc;

	/* /dev/shm when there: fdatasync on a busy disk is slow */
	snprintf(tmpdir, sizeof(tmpdir), "%s/fdr-test-codec-XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(tmpdir))
		return 1;
	snprintf(path, sizeof(path), "%s/ring", tmpdir);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(path);
	rmdir(tmpdir);
	return rc;
}
