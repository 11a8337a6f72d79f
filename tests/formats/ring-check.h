/* SPDX-License-Identifier: Apache-2.0 */
#ifndef FDR_TEST_RING_CHECK_H
#define FDR_TEST_RING_CHECK_H

/*
 * Shared by the ring tests: read every event of a ring in block order and
 * check it against gen_event() (see gen.h). Include after cmocka.h.
 */

#include <stdlib.h>

#include "fdr-ring.h"
#include "gen.h"

struct ring_check {
	size_t events;		/* events read */
	uint64_t lo, hi;	/* FDR_F_SEQ range [lo, hi) */
	size_t blocks;
};

/* Every event must equal gen_event(its seq) and the seqs must be
 * contiguous within blocks, and across blocks unless gaps is set (blocks
 * lost to damage). Fails the test otherwise. */
static inline void ring_check_gaps(struct fdr_ring_reader *r, struct ring_check *out, bool gaps)
{
	struct fdr_cursor *c;
	struct fdr_event *ev = malloc(sizeof(*ev)), *want = malloc(sizeof(*want));
	struct gen_buf g;
	uint64_t prev = 0;

	assert_non_null(ev);
	assert_non_null(want);
	memset(out, 0, sizeof(*out));
	assert_int_equal(fdr_cursor_new(&c), 0);
	for (size_t b = 0; b < fdr_reader_nblocks(r); b++) {
		const struct fdr_block_info *bi = fdr_reader_block(r, b);
		uint32_t in_block = 0;
		int rc;

		if (b)
			assert_true(bi->seq > fdr_reader_block(r, b - 1)->seq);
		assert_int_equal(fdr_cursor_load(c, r, b), 0);
		while ((rc = fdr_cursor_next(c, ev)) == 1) {
			char why[256];
			uint64_t s = fdr_event_u(ev, FDR_F_SEQ, UINT64_MAX);

			gen_event(s, want, &g);
			if (!ev_equal(ev, want, why))
				fail_msg("%s: block %llu: event %llu: %s", fdr_reader_name(r),
					 (unsigned long long)bi->seq, (unsigned long long)s, why);
			if (out->events == 0)
				out->lo = s;
			else if (s != prev + 1 && !(gaps && in_block == 0 && s > prev))
				fail_msg("%s: block %llu: event %llu follows %llu", fdr_reader_name(r),
					 (unsigned long long)bi->seq, (unsigned long long)s,
					 (unsigned long long)prev);
			assert_true(ev->time_ns >= bi->first_ns && ev->time_ns <= bi->last_ns);
			assert_true(bi->kinds >> ev->kind & 1);
			prev = s;
			out->events++;
			in_block++;
		}
		assert_int_equal(rc, 0);
		assert_int_equal(in_block, bi->events);
	}
	out->hi = out->events ? prev + 1 : 0;
	out->blocks = fdr_reader_nblocks(r);
	fdr_cursor_free(c);
	free(ev);
	free(want);
}

static inline void ring_check(struct fdr_ring_reader *r, struct ring_check *out)
{
	ring_check_gaps(r, out, false);
}

#endif
