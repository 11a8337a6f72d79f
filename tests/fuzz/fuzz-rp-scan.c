/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz replay over ring bytes: open the input as a ring in memory, merge
 * its events, and feed every output format, the process tree and sessions.
 * Exercises replay's handling of whatever the reader lets through. As in
 * fuzz-ring.c, the input is also read with its checksums recomputed, so
 * mutated events get past the reader's door.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>


#include "formats/ring-format.h"
#include "tests/fuzz/ring-fix.h"

#include "replay/rp-output.h"
#include "replay/rp-session.h"
#include "replay/rp-set.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void replay_all(const uint8_t *data, size_t size)
{
	struct rp_set *s;
	struct rp_scan *sc;
	struct rp_scan_opts o = RP_SCAN_OPTS_INIT;
	struct rp_sessions *ss;
	struct rp_item it;
	struct fdr_buf b = FDR_BUF_INIT;

	if (rp_set_new(&s) < 0)
		return;
	if (rp_set_add_mem(s, data, size, "fuzz") > 0 && rp_sessions_new(&ss) == 0) {
		o.threads = 1;
		if (rp_scan_new(s, &o, &sc) == 0) {
			while (rp_scan_next(sc, &it) > 0) {
				fdr_buf_reset(&b);
				rp_out_json(&b, it.ring, it.ev);
				rp_out_human(&b, it.ring, it.ev);
				rp_out_csv(&b, it.ring, it.ev);
				rp_out_timesketch(&b, it.ring, it.ev);
				rp_sessions_add(ss, it.ring, it.ev);
			}
			rp_scan_free(sc);
		}
		rp_sessions_finish(ss);
		fdr_buf_reset(&b);
		rp_sessions_format(ss, &b);
		rp_sessions_format_json(ss, &b);
		rp_tree_format(rp_sessions_tree(ss), &b);
		rp_tree_format_json(rp_sessions_tree(ss), &b);
		rp_sessions_free(ss);
	}
	fdr_buf_release(&b);
	rp_set_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;

	replay_all(data, size);
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	fuzz_ring_fix_checksums(copy, size);
	replay_all(copy, size);
	free(copy);
	return 0;
}
