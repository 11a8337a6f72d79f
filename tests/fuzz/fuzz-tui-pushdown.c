/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The block pushdown on string tables (rp_filter_strings_may_match, which
 * fdr-tui's and fdr-replay's scans use to pass over whole blocks) never
 * contradicts the per-event evaluation. Input: a filter expression, a
 * newline, then a block's string table as NUL-separated strings. For every
 * string of the table in every string field tested here (alone, and two
 * fields at once), and for an event with no string field, under a few
 * kinds: when the pushdown says "no event can match", no such event may
 * match. Events are made directly (no ring): the table is what a block's
 * events can hold, which is all the pushdown may assume.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay/rp-filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_STRS 64

static void check(const struct rp_filter *f, const struct rp_ring *r, const struct fdr_event *ev,
		  const char *expr)
{
	if (rp_filter_event(f, r, ev)) {
		fprintf(stderr, "pushdown ruled out a block whose event matches '%s'\n", expr);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned fields[] = { FDR_F_EXE, FDR_F_PATH, FDR_F_COMM, FDR_F_USER, FDR_F_NAME };
	static const unsigned kinds[] = { FDR_PROC_EXEC, FDR_FILE_OPEN, FDR_DNS_QUERY, FDR_SSH_LOGIN };
	static struct fdr_ring_meta meta;
	struct rp_ring ring = { .path = (char *)"fuzz", .meta = &meta, .host = "h", .container = "host",
				.name = "", .image = "", .is_host = true };
	const uint8_t *nl = memchr(data, '\n', size);
	struct fdr_str strs[MAX_STRS];
	struct rp_error err;
	struct rp_filter *f;
	struct fdr_event *ev;
	size_t n = 0;
	char *expr;

	if (!nl || (size_t)(nl - data) > 512)
		return 0;
	expr = strndup((const char *)data, (size_t)(nl - data));
	if (!expr || rp_filter_new(&f) < 0)
		abort();
	if (rp_filter_add_expr(f, expr, &err) < 0)
		goto out;
	for (const uint8_t *p = nl + 1, *end = data + size; p < end && n < MAX_STRS;) {
		const uint8_t *z = memchr(p, 0, (size_t)(end - p));
		size_t len = z ? (size_t)(z - p) : (size_t)(end - p);
		strs[n].p = (const char *)p;
		strs[n].len = (uint32_t)len;
		n++;
		p += len + 1;
	}
	if (rp_filter_strings_may_match(f, strs, n))
		goto out;	/* nothing claimed */
	ev = malloc(sizeof(*ev));
	if (!ev)
		abort();
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		fdr_event_init(ev, kinds[k], 1000);
		fdr_event_set_u(ev, FDR_F_PID, 7);
		check(f, &ring, ev, expr);
		for (size_t i = 0; i < n; i++) {
			for (size_t a = 0; a < sizeof(fields) / sizeof(fields[0]); a++) {
				fdr_event_init(ev, kinds[k], 1000);
				fdr_event_set_str(ev, fields[a], strs[i].p, strs[i].len);
				check(f, &ring, ev, expr);
				/* a second field from the table too */
				size_t b = (a + 1) % (sizeof(fields) / sizeof(fields[0]));
				fdr_event_set_str(ev, fields[b], strs[(i + 1) % n].p, strs[(i + 1) % n].len);
				check(f, &ring, ev, expr);
			}
			fdr_event_init(ev, kinds[k], 1000);
			fdr_event_set_strv(ev, FDR_F_ANSWERS, &strs[i], n - i < 3 ? n - i : 3);
			check(f, &ring, ev, expr);
		}
	}
	free(ev);
out:
	rp_filter_free(f);
	free(expr);
	return 0;
}
