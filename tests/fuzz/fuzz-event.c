/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the event decoder: the input is an uncompressed block payload
 * (SPEC.md "Block payload") decoded twice: in the v1.0 inline layout with
 * fdr_cursor_load_raw, then in the v1.1 column layout (SPEC.md 4.2). Every
 * field of every event is touched so ASan sees any pointer the decoder got
 * wrong.
 */
#include <stdint.h>
#include <stdlib.h>

#include "fdr-ring.h"
#include "formats/ring-format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Everything read goes here, so nothing is optimized away. */
static volatile uint64_t sink;

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
	return 0;
}
