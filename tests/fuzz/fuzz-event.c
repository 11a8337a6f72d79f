/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the event decoder: the input is an uncompressed block payload
 * (SPEC.md "Block payload") decoded twice: in the v1.0 inline layout with
 * fdr_cursor_load_raw, then in the v1.1 column layout (SPEC.md 4.2). Every
 * field of every event is touched so ASan sees any pointer the decoder got
 * wrong. Then a projected decode (fdr_cursor_project) is checked against
 * the full one.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fdr-ring.h"
#include "formats/ring-format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Everything read goes here, so nothing is optimized away. */
static volatile uint64_t sink;

/* A projected decode (fdr_cursor_project) must return what a full decode
 * returns, event by event and error by error, with the fields outside the
 * projection left out and the others equal. */
static void check_projection(const uint8_t *data, size_t size)
{
	static struct fdr_event a, b;
	/* which fields: alternate bits, shifted by the input's size */
	uint64_t want[2] = { 0x5555555555555555ull << (size & 1), 0x3333333333333333ull << (size & 3) };
	struct fdr_cursor *full, *proj;
	int ra, rb;

	if (fdr_cursor_new(&full))
		return;
	if (fdr_cursor_new(&proj)) {
		fdr_cursor_free(full);
		return;
	}
	fdr_cursor_project(proj, want);
	fdr_cursor_load_raw(full, data, size);
	fdr_cursor_load_raw(proj, data, size);
	do {
		ra = fdr_cursor_next(full, &a);
		rb = fdr_cursor_next(proj, &b);
		if (ra != rb)
			__builtin_trap();
		if (ra != 1)
			break;
		if (a.kind != b.kind || a.flags != b.flags || a.time_ns != b.time_ns ||
		    (a.has[0] & want[0]) != b.has[0] || (a.has[1] & want[1]) != b.has[1])
			__builtin_trap();
		for (unsigned f = 1; f < FDR_F_MAX; f++) {
			if (!fdr_event_has(&b, f))
				continue;
			switch (fdr_field_type(f)) {
			case FDR_T_STR:
				if (a.f[f].s.p != b.f[f].s.p || a.f[f].s.len != b.f[f].s.len)
					__builtin_trap();
				break;
			case FDR_T_STRV:
				if (a.f[f].v.n != b.f[f].v.n)
					__builtin_trap();
				for (uint32_t k = 0; k < a.f[f].v.n; k++)
					if (a.f[f].v.v[k].p != b.f[f].v.v[k].p ||
					    a.f[f].v.v[k].len != b.f[f].v.v[k].len)
						__builtin_trap();
				break;
			case FDR_T_ADDR:
				if (a.f[f].a.family != b.f[f].a.family ||
				    memcmp(a.f[f].a.b, b.f[f].a.b, sizeof(a.f[f].a.b)))
					__builtin_trap();
				break;
			default:
				if (a.f[f].u != b.f[f].u)
					__builtin_trap();
				break;
			}
		}
	} while (ra == 1);
	fdr_cursor_free(full);
	fdr_cursor_free(proj);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fdr_cursor *c;
	static struct fdr_event ev;
	struct fdr_cursor *own = NULL;

	/* A fresh cursor on every input; reusing one is tested by fuzz-ring. */
	if (fdr_cursor_new(&own))
		return 0;
	c = own;
	for (int layout = 0; layout < 2; layout++) {
		int rc = layout ? cursor_load_payload(c, data, size, 0, UINT32_MAX, LAYOUT_COLUMN)
				: fdr_cursor_load_raw(c, data, size);

		while (rc == 0 && fdr_cursor_next(c, &ev) == 1) {
			sink += ev.time_ns + ev.kind + ev.flags;
			for (unsigned f = 1; f < FDR_F_MAX; f++) {
				if (!fdr_event_has(&ev, f))
					continue;
				switch (fdr_field_type(f)) {
				case FDR_T_STR:
					for (uint32_t i = 0; i < ev.f[f].s.len; i++)
						sink += (uint8_t)ev.f[f].s.p[i];
					break;
				case FDR_T_STRV:
					for (uint32_t k = 0; k < ev.f[f].v.n; k++)
						for (uint32_t i = 0; i < ev.f[f].v.v[k].len; i++)
							sink += (uint8_t)ev.f[f].v.v[k].p[i];
					break;
				default:
					sink += ev.f[f].u;
					break;
				}
			}
		}
	}
	fdr_cursor_free(own);
	c = NULL;
	check_projection(data, size);
	return 0;
}
