/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the ring reader: open the input as a ring file in memory, list its
 * blocks and damage, seek, and decode every event of every block.
 *
 * Checksums stop almost every mutation at the door, so the input is read
 * twice: as is, and with its header and block checksums recomputed (the
 * fuzzer then reaches the header parser, the slot scan, LZ4 and the
 * decoder with arbitrary bytes behind valid checksums).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>


#include "fdr-ring.h"
#include "formats/ring-format.h"
#include "tests/fuzz/ring-fix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Everything read goes here, so nothing is optimized away. */
static volatile uint64_t sink;

static void read_all(const uint8_t *buf, size_t len)
{
	struct fdr_ring_reader *r;
	struct fdr_cursor *c;
	static struct fdr_event ev;

	if (fdr_reader_open_mem(buf, len, "fuzz", &r))
		return;
	if (fdr_cursor_new(&c)) {
		fdr_reader_free(r);
		return;
	}
	sink += fdr_reader_meta(r)->labels_len + fdr_reader_geometry(r)->slot_count;
	for (size_t i = 0; i < fdr_reader_ndamaged(r); i++)
		sink += (uint64_t)fdr_reader_damaged(r, i)->error;
	for (size_t i = 0; i < fdr_reader_nblocks(r); i++) {
		const struct fdr_block_info *b = fdr_reader_block(r, i);

		sink += fdr_reader_seek(r, b->first_ns);
		if (fdr_cursor_load(c, r, i))
			continue;
		if (i & 1) {	/* odd blocks: a filtered scan (peek, skip some) */
			struct fdr_event_peek pk;

			while (fdr_cursor_peek(c, &pk) == 1) {
				sink += pk.kind + pk.time_ns + pk.pid;
				if (pk.kind & 1 ? fdr_cursor_skip(c) != 1 : fdr_cursor_next(c, &ev) != 1)
					break;
			}
			continue;
		}
		while (fdr_cursor_next(c, &ev) == 1) {
			struct fdr_strv v = fdr_event_strv(&ev, FDR_F_ARGV);
			struct fdr_str s = fdr_event_str(&ev, FDR_F_EXE);

			sink += ev.time_ns + v.n + (s.len ? (uint8_t)s.p[s.len - 1] : 0);
			for (uint32_t k = 0; k < v.n; k++)
				sink += v.v[k].len ? (uint8_t)v.v[k].p[0] : 0;
		}
	}
	(void)fdr_reader_verify(r);
	fdr_cursor_free(c);
	fdr_reader_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;

	read_all(data, size);
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	fuzz_ring_fix_checksums(copy, size);
	read_all(copy, size);
	free(copy);
	return 0;
}
