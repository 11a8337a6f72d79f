/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Ring format figures (bench/formats.sh): encode + compress cost per event,
 * disk bytes per event (slot slack and headers included), decode
 * throughput on one core and its ratio to raw LZ4_decompress_safe over the
 * same blocks. Prints "name value unit" lines.
 *
 *   formats-bench [EVENTS] [DIR]
 *
 * The event mix is gen_host_event() of tests/formats/gen.h (a host's
 * processes: fork, exec with argv, file events with paths, net, some
 * ssh/sudo/docker/k8s audit), or with FDR_BENCH_MIX=gen the tests' stress
 * mix gen_event().
 * With FDR_BENCH_RING=PATH the events are those of a real recording
 * instead (read in order, cycled, times shifted to keep increasing).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lz4.h>

#include "fdr-ring.h"
#include "formats/ring-format.h"
#include "tests/formats/gen.h"

/* CPU time of this thread: the figures are per core, and the machine may be
 * shared (time spent descheduled is not ours). */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static volatile uint64_t sink;

#define FAIL()                                                                   \
	do {                                                                     \
		fprintf(stderr, "formats-bench: failed at line %d\n", __LINE__); \
		return 1;                                                        \
	} while (0)

/* LZ4 alone over one block payload: one LZ4 block (v1.0) or the chained
 * chunks of v1.1 (SPEC.md 4). Returns the bytes decompressed or -1. */
static int lz4_payload(const uint8_t *in, uint32_t comp, uint8_t *out, uint32_t raw, bool v11)
{
	uint32_t i = 0, o = 0;

	if (!v11)
		return LZ4_decompress_safe((const char *)in, (char *)out, (int)comp, (int)raw);
	while (i + 4 <= comp) {
		uint32_t clen = get_le32(in + i), d = o < 65536 ? o : 65536;
		int n = LZ4_decompress_safe_usingDict((const char *)in + i + 4, (char *)out + o,
						      (int)clen, (int)(raw - o),
						      (const char *)out + o - d, (int)d);

		if (n <= 0)
			return -1;
		i += 4 + clen;
		o += (uint32_t)n;
	}
	return (int)o;
}

/* Events of a recorded ring, cycled. */
struct src {
	struct fdr_ring_reader *r;
	struct fdr_cursor *c;
	size_t blk;
	uint64_t shift, span;
};

static int src_rewind(struct src *s)
{
	s->blk = 0;
	s->shift = 0;
	return fdr_cursor_load(s->c, s->r, 0);
}

static int src_next(struct src *s, struct fdr_event *ev)
{
	for (;;) {
		if (fdr_cursor_next(s->c, ev) == 1) {
			ev->time_ns += s->shift;
			return 0;
		}
		if (++s->blk >= fdr_reader_nblocks(s->r)) {
			s->blk = 0;
			s->shift += s->span;
		}
		if (fdr_cursor_load(s->c, s->r, s->blk))
			return -1;
	}
}

/* FDR_BENCH_MIX=host (default): gen_host_event(), modeled on a real
 * recording; FDR_BENCH_MIX=gen: gen_event(), the tests' mix, which has far
 * more unique strings and audit events than a host makes (a stress mix). */
static bool gen_mix_is_host = true;

/* Event i of the bench's stream. */
static void next_event(struct src *s, uint64_t i, struct fdr_event *ev, struct gen_buf *g)
{
	if (s->r) {
		if (src_next(s, ev))
			exit(1);
		return;
	}
	if (gen_mix_is_host) {
		gen_host_event(i, ev, g);
		return;
	}
	gen_event(i, ev, g);
	fdr_event_clear(ev, FDR_F_SEQ);	/* a test artifact, not data */
}

int main(int argc, char **argv)
{
	struct src src = { 0 };
	const char *ring = getenv("FDR_BENCH_RING");
	double t_scan = 1e9;
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 0) : 2000000;
	const char *dir = argc > 2 ? argv[2] : "/tmp";
	char path[4096];
	struct fdr_writer_opts o = FDR_WRITER_OPTS_INIT;
	struct fdr_ring_meta m = { 0 };
	struct fdr_ring_writer *w;
	struct fdr_ring_reader *r;
	struct fdr_cursor *c;
	struct fdr_writer_stats st;
	struct fdr_event ev;
	struct gen_buf g;
	double t0, t_gen = 1e9, t_enc = 1e9, t_dec = 1e9, t_lz4 = 1e9, t_lz4c = 1e9;
	uint64_t events_in_blocks = 0, slots_used = 0, decoded = 0;
	uint8_t **comp, *out;
	bool v11;
	int rc;

	if (getenv("FDR_BENCH_MIX") && !strcmp(getenv("FDR_BENCH_MIX"), "gen"))
		gen_mix_is_host = false;
	snprintf(path, sizeof(path), "%s/fdr-bench-%d.ring", dir, (int)getpid());
	o.sync = FDR_SYNC_NONE;
	o.file_size = 8192 + (n * 40 / o.slot_size + 16) * (uint64_t)o.slot_size; /* no wrap */
	strcpy(m.hostname, "bench");

	if (ring) {
		uint64_t lo = UINT64_MAX, hi = 0;

		if ((rc = fdr_reader_open(ring, &src.r)) || (rc = fdr_cursor_new(&src.c)) ||
		    !fdr_reader_nblocks(src.r)) {
			fprintf(stderr, "formats-bench: %s: %s\n", ring, fdr_strerror(rc));
			FAIL();
		}
		for (size_t i = 0; i < fdr_reader_nblocks(src.r); i++) {
			const struct fdr_block_info *b = fdr_reader_block(src.r, i);

			lo = b->first_ns < lo ? b->first_ns : lo;
			hi = b->last_ns > hi ? b->last_ns : hi;
		}
		src.span = hi - lo + 1000;
	}
	for (int rep = 0; rep < 3; rep++) {	/* best of 3: the machine may be busy */
		if (src.r && src_rewind(&src))
			FAIL();
		t0 = now();
		for (uint64_t i = 0; i < n; i++) {
			next_event(&src, i, &ev, &g);
			sink += ev.time_ns;
		}
		t0 = now() - t0;
		t_gen = t0 < t_gen ? t0 : t_gen;

		unlink(path);
		if ((rc = fdr_writer_open(path, &m, &o, &w))) {
			fprintf(stderr, "formats-bench: %s: %s\n", path, fdr_strerror(rc));
			FAIL();
		}
		if (src.r && src_rewind(&src))
			FAIL();
		t0 = now();
		for (uint64_t i = 0; i < n; i++) {
			next_event(&src, i, &ev, &g);
			if ((rc = fdr_writer_append(w, &ev))) {
				fprintf(stderr, "formats-bench: append: %s\n", fdr_strerror(rc));
				FAIL();
			}
		}
		rc = fdr_writer_flush(w);
		t0 = now() - t0;
		t_enc = t0 < t_enc ? t0 : t_enc;
		fdr_writer_stats(w, &st);
		if (rc || fdr_writer_close(w))
			FAIL();
	}

	if ((rc = fdr_reader_open(path, &r)) || fdr_cursor_new(&c)) {
		fprintf(stderr, "formats-bench: reader: %s\n", fdr_strerror(rc));
		FAIL();
	}
	/* sealed blocks only: the last, partial block is not representative */
	for (size_t i = 0; i + 1 < fdr_reader_nblocks(r); i++) {
		events_in_blocks += fdr_reader_block(r, i)->events;
		slots_used++;
	}

	for (int rep = 0; rep < 3; rep++) {
		decoded = 0;
		t0 = now();
		for (size_t i = 0; i < fdr_reader_nblocks(r); i++) {
			if (fdr_cursor_load(c, r, i))
				FAIL();
			while (fdr_cursor_next(c, &ev) == 1)
				decoded++;
		}
		t0 = now() - t0;
		t_dec = t0 < t_dec ? t0 : t_dec;
	}
	/* a filtered scan's cost: kind and time of every event, no fields */
	for (int rep = 0; rep < 3; rep++) {
		struct fdr_event_peek pk;

		t0 = now();
		for (size_t i = 0; i < fdr_reader_nblocks(r); i++) {
			if (fdr_cursor_load(c, r, i))
				FAIL();
			while (fdr_cursor_peek(c, &pk) == 1 && fdr_cursor_skip(c) == 1)
				sink += pk.time_ns;
		}
		t0 = now() - t0;
		t_scan = t0 < t_scan ? t0 : t_scan;
	}
	if (decoded != n) {
		fprintf(stderr, "formats-bench: decoded %llu of %llu events\n",
			(unsigned long long)decoded, (unsigned long long)n);
		FAIL();
	}

	/* the physical limit: LZ4_decompress_safe over the same payloads (in memory) */
	v11 = fdr_reader_geometry(r)->incompat_flags & RING_INCOMPAT_CHUNKED;
	comp = calloc(fdr_reader_nblocks(r), sizeof(*comp));
	out = malloc(FDR_MAX_RAW);
	for (size_t i = 0; i < fdr_reader_nblocks(r); i++) {
		const struct fdr_block_info *b = fdr_reader_block(r, i);
		uint64_t off = fdr_reader_geometry(r)->data_offset +
			       (uint64_t)b->slot * fdr_reader_geometry(r)->slot_size;
		FILE *f = fopen(path, "rb");

		comp[i] = malloc(b->comp_size);
		if (!f || fseek(f, (long)off + 64, SEEK_SET) ||
		    fread(comp[i], 1, b->comp_size, f) != b->comp_size)
			FAIL();
		fclose(f);
	}
	for (int rep = 0; rep < 3; rep++) {
		t0 = now();
		for (size_t i = 0; i < fdr_reader_nblocks(r); i++) {
			const struct fdr_block_info *b = fdr_reader_block(r, i);

			if (lz4_payload(comp[i], b->comp_size, out, b->raw_size, v11) !=
			    (int)b->raw_size)
				FAIL();
			sink += out[0];
		}
		t0 = now() - t0;
		t_lz4 = t0 < t_lz4 ? t0 : t_lz4;
	}

	/* the cost of one LZ4_compress_default pass over the same raw blocks
	 * (v1.0 writers needed about two per block, v1.1 one) */
	{
		uint8_t *raw = malloc(FDR_MAX_RAW), *dst = malloc(LZ4_compressBound(FDR_MAX_RAW));

		for (int rep = 0; rep < 3; rep++) {
			double t = 0;

			for (size_t i = 0; i < fdr_reader_nblocks(r); i++) {
				const struct fdr_block_info *b = fdr_reader_block(r, i);

				if (lz4_payload(comp[i], b->comp_size, raw, b->raw_size, v11) < 0)
					FAIL();
				t0 = now();
				sink += (uint64_t)LZ4_compress_default((const char *)raw, (char *)dst,
								       (int)b->raw_size,
								       LZ4_compressBound((int)b->raw_size));
				t += now() - t0;
			}
			t_lz4c = t < t_lz4c ? t : t_lz4c;
		}
		free(raw);
		free(dst);
	}

	printf("encode_ns_per_event %.1f ns\n", (t_enc - t_gen) * 1e9 / (double)n);
	printf("lz4_compress_ns_per_event %.1f ns\n", t_lz4c * 1e9 / (double)n);
	printf("generate_ns_per_event %.1f ns\n", t_gen * 1e9 / (double)n);
	printf("disk_bytes_per_event %.2f bytes\n",
	       (double)slots_used * o.slot_size / (double)events_in_blocks);
	printf("raw_bytes_per_event %.2f bytes\n", (double)st.raw_bytes / (double)st.events);
	printf("compression_ratio %.2f x\n", (double)st.raw_bytes / (double)st.comp_bytes);
	printf("slot_fill %.1f %%\n", 100.0 * (double)st.comp_bytes /
	       ((double)(st.blocks ? fdr_reader_nblocks(r) - 1 : 1) * (o.slot_size - 64)));
	printf("events_per_block %.0f events\n", (double)events_in_blocks / (double)slots_used);
	printf("decode_events_per_s %.2f M/s\n", (double)n / t_dec / 1e6);
	printf("scan_peek_events_per_s %.2f M/s\n", (double)n / t_scan / 1e6);
	printf("lz4_decompress_events_per_s %.2f M/s\n", (double)n / t_lz4 / 1e6);
	printf("decode_vs_lz4_ratio %.2f x\n", t_lz4 / t_dec);
	printf("events %llu events\n", (unsigned long long)n);
	if (src.r) {
		printf("source_ring_events %zu blocks\n", fdr_reader_nblocks(src.r));
		fdr_cursor_free(src.c);
		fdr_reader_free(src.r);
	}

	for (size_t i = 0; i < fdr_reader_nblocks(r); i++)
		free(comp[i]);
	free(comp);
	free(out);
	fdr_cursor_free(c);
	fdr_reader_free(r);
	if (!getenv("FDR_BENCH_KEEP"))
		unlink(path);
	return 0;
}
