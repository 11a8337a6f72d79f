/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Ring sets and scans over real ring files written with the formats
 * writer: merge order across rings, hosts and wraps; overlapping and
 * unordered blocks; determinism across thread counts; pushdown (counted
 * decompressed blocks); bad input (damaged slot, newer format version,
 * non-ring files, missing or unreadable directory).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <xxhash.h>

#include "formats/ring-format.h"
#include "replay/rp-filter.h"
#include "replay/rp-set.h"
#include "tests/formats/gen.h"

static char dir[] = "/tmp/fdr-test-rp-set-XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "chmod -R u+rwx %s; rm -rf %s", dir, dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void meta_for(struct fdr_ring_meta *m, unsigned host, unsigned ring)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->hostname, sizeof(m->hostname), "host%u", host);
	snprintf(m->machine_id, sizeof(m->machine_id), "m%u", host);
	snprintf(m->boot_id, sizeof(m->boot_id), "b%u", host);
	if (ring) {
		snprintf(m->container_id, sizeof(m->container_id), "%064x", ring);
		snprintf(m->container_name, sizeof(m->container_name), "c%u", ring);
		snprintf(m->image, sizeof(m->image), "img%u:1", ring % 2);
	}
}

static struct fdr_ring_writer *wopen(const char *sub, const char *name, const struct fdr_ring_meta *m,
				     uint32_t slots)
{
	struct fdr_writer_opts o = { 8192 + (uint64_t)slots * 4096, 4096, FDR_SYNC_NONE };
	struct fdr_ring_writer *w;
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	unlink(path);
	assert_int_equal(fdr_writer_open(path, m, &o, &w), 0);
	return w;
}

static struct rp_set *open_set(const char *sub)
{
	struct rp_set *s;
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	assert_int_equal(rp_set_new(&s), 0);
	assert_true(rp_set_add(s, path) > 0);
	return s;
}

static uint64_t header_events(const struct rp_set *s)
{
	uint64_t n = 0;

	for (size_t i = 0; i < rp_set_nrings(s); i++) {
		const struct rp_ring *r = rp_set_ring(s, i);
		for (size_t b = 0; b < fdr_reader_nblocks(r->reader); b++)
			n += fdr_reader_block(r->reader, b)->events;
	}
	return n;
}

/* Scan everything; check time order; return the SEQ sequence (malloc'd). */
static uint64_t *scan_all(struct rp_set *s, const struct rp_filter *f, unsigned threads, size_t *n,
			  struct rp_scan_stats *st, unsigned nrings_mod)
{
	struct rp_scan_opts o = RP_SCAN_OPTS_INIT;
	struct rp_scan *sc;
	struct rp_item it;
	size_t cap = 1024;
	uint64_t *seqs = malloc(cap * sizeof(*seqs)), last = 0;
	int rc;

	o.threads = threads;
	o.filter = f;
	assert_int_equal(rp_scan_new(s, &o, &sc), 0);
	*n = 0;
	while ((rc = rp_scan_next(sc, &it)) > 0) {
		assert_true(it.ev->time_ns >= last);
		last = it.ev->time_ns;
		uint64_t seq = fdr_event_u(it.ev, FDR_F_SEQ, UINT64_MAX);
		if (nrings_mod) {
			/* Event i was written to the ring named r<i % mod>. */
			char want[32];
			snprintf(want, sizeof(want), "/r%u.ring", (unsigned)(seq % nrings_mod));
			assert_non_null(strstr(it.ring->path, want));
		}
		if (*n == cap)
			seqs = realloc(seqs, (cap *= 2) * sizeof(*seqs));
		seqs[(*n)++] = seq;
	}
	assert_int_equal(rc, 0);
	rp_scan_stats(sc, st);
	rp_scan_free(sc);
	return seqs;
}

static void test_merge_hosts_wraps(void **state)
{
	struct fdr_event ev;
	struct gen_buf g;
	struct fdr_ring_writer *w[4];
	struct fdr_ring_meta m;
	struct rp_scan_stats st1, st3;
	size_t n1, n3;

	(void)state;
	for (unsigned r = 0; r < 4; r++) {
		char name[16];
		meta_for(&m, r % 2, r < 2 ? 0 : r);
		snprintf(name, sizeof(name), "r%u.ring", r);
		w[r] = wopen("merge", name, &m, 8);
	}
	for (uint64_t i = 0; i < 20000; i++) {
		gen_event(i, &ev, &g);
		assert_int_equal(fdr_writer_append(w[i % 4], &ev), 0);
	}
	for (unsigned r = 0; r < 4; r++) {
		struct fdr_writer_stats ws;
		fdr_writer_stats(w[r], &ws);
		assert_true(ws.wraps > 0);	/* the test is about wrapped rings */
		assert_int_equal(fdr_writer_close(w[r]), 0);
	}
	struct rp_set *s = open_set("merge");
	assert_int_equal(rp_set_nrings(s), 4);
	assert_int_equal(rp_set_nhosts(s), 2);
	assert_int_equal(rp_set_ring(s, 0)->host_idx, rp_set_ring(s, 2)->host_idx);
	assert_int_not_equal(rp_set_ring(s, 0)->host_idx, rp_set_ring(s, 1)->host_idx);
	assert_true(rp_set_ring(s, 0)->is_host);
	assert_string_equal(rp_set_ring(s, 0)->container, "host");
	uint64_t *a = scan_all(s, NULL, 1, &n1, &st1, 4);
	uint64_t *b = scan_all(s, NULL, 3, &n3, &st3, 4);
	assert_int_equal(n1, header_events(s));
	assert_true(n1 < 20000 && n1 > 1000);	/* wrapped: the oldest are gone */
	assert_int_equal(n1, n3);
	assert_memory_equal(a, b, n1 * sizeof(*a));	/* deterministic across threads */
	assert_int_equal(st1.blocks_decoded, st1.blocks);
	assert_int_equal(st1.blocks_skipped, 0);
	/* Bounded memory: only overlapping blocks are live, never all of them. */
	assert_true(st1.max_live_blocks <= 8);
	assert_true(st1.blocks > 16);
	free(a);
	free(b);
	rp_set_free(s);
}

static void test_unordered_blocks(void **state)
{
	struct fdr_event ev;
	struct fdr_ring_meta m;
	struct rp_scan_stats st;
	size_t n;
	const uint64_t N = 3000;

	(void)state;
	meta_for(&m, 0, 0);
	struct fdr_ring_writer *w = wopen("unordered", "r0.ring", &m, 64);
	uint64_t sum = 0;
	for (uint64_t i = 0; i < N; i++) {
		/* A permutation of times: blocks overlap, events inside are unordered. */
		uint64_t t = 1000000 + ((i * 7919) % N) * 1000;
		fdr_event_init(&ev, FDR_FILE_OPEN, t);
		fdr_event_set_u(&ev, FDR_F_SEQ, i);
		fdr_event_set_cstr(&ev, FDR_F_PATH, "/some/fairly/long/path/to/make/blocks/fill/up/faster");
		assert_int_equal(fdr_writer_append(w, &ev), 0);
		sum += i;
	}
	assert_int_equal(fdr_writer_close(w), 0);
	struct rp_set *s = open_set("unordered");
	assert_true(fdr_reader_nblocks(rp_set_ring(s, 0)->reader) > 3);
	uint64_t *a = scan_all(s, NULL, 2, &n, &st, 0);	/* asserts time order */
	assert_int_equal(n, N);
	for (size_t i = 0; i < n; i++)
		sum -= a[i];
	assert_int_equal(sum, 0);
	free(a);
	rp_set_free(s);
}

static void test_pushdown(void **state)
{
	struct fdr_event ev;
	struct fdr_ring_meta m;
	struct rp_scan_stats st;
	struct rp_filter *f;
	struct rp_error err = RP_ERROR_INIT;
	size_t n;

	(void)state;
	meta_for(&m, 0, 0);
	struct fdr_ring_writer *w = wopen("pushdown", "r0.ring", &m, 64);
	for (uint64_t i = 0; i < 6001; i++) {
		unsigned k = i < 3000 ? FDR_FILE_CREATE : i == 3000 ? FDR_REC_GAP : FDR_FILE_MODIFY;
		fdr_event_init(&ev, k, 1000000 + i * 1000);
		fdr_event_set_u(&ev, FDR_F_SEQ, i);
		fdr_event_set_cstr(&ev, FDR_F_PATH, "/var/lib/app/data/some-file-name");
		assert_int_equal(fdr_writer_append(w, &ev), 0);
	}
	assert_int_equal(fdr_writer_close(w), 0);
	struct rp_set *s = open_set("pushdown");
	const struct rp_ring *r = rp_set_ring(s, 0);
	size_t nb = fdr_reader_nblocks(r->reader), with_gap = 0, late = 0;
	uint64_t since = 1000000 + 4500 * 1000;
	for (size_t i = 0; i < nb; i++) {
		with_gap += !!(fdr_reader_block(r->reader, i)->kinds & (1ull << FDR_REC_GAP));
		late += fdr_reader_block(r->reader, i)->last_ns >= since;
	}
	assert_true(nb >= 6);
	assert_int_equal(with_gap, 1);

	assert_int_equal(rp_filter_new(&f), 0);
	assert_int_equal(rp_filter_add_kinds(f, "rec.gap", &err), 0);
	uint64_t *a = scan_all(s, f, 2, &n, &st, 0);
	assert_int_equal(n, 1);
	assert_int_equal(a[0], 3000);
	assert_int_equal(st.blocks_decoded, 1);
	assert_int_equal(st.blocks_skipped, nb - 1);
	free(a);
	uint64_t count = 0;
	assert_int_equal(rp_scan_count(s, &(struct rp_scan_opts){ 2, f, false }, &count, &st), 0);
	assert_int_equal(count, 1);
	assert_int_equal(st.blocks_decoded, 1);
	rp_filter_free(f);

	/* The same through an expression. */
	assert_int_equal(rp_filter_new(&f), 0);
	assert_int_equal(rp_filter_add_expr(f, "kind == \"rec.gap\" || kind == \"proc.exit\"", &err), 0);
	a = scan_all(s, f, 1, &n, &st, 0);
	assert_int_equal(n, 1);
	assert_int_equal(st.blocks_decoded, 1);
	free(a);
	rp_filter_free(f);

	/* Time range: blocks ending before --since are not decompressed. */
	assert_int_equal(rp_filter_new(&f), 0);
	rp_filter_set_since(f, since);
	a = scan_all(s, f, 1, &n, &st, 0);
	assert_int_equal(n, 6001 - 4500);
	assert_int_equal(a[0], 4500);
	assert_int_equal(st.blocks_decoded, late);
	assert_true(late < nb);
	free(a);
	/* A count needs no decompression for blocks wholly inside the range. */
	count = 0;
	assert_int_equal(rp_scan_count(s, &(struct rp_scan_opts){ 2, f, false }, &count, &st), 0);
	assert_int_equal(count, 6001 - 4500);
	assert_int_equal(st.blocks_decoded, 1);	/* the one the boundary cuts */
	assert_int_equal(st.blocks_counted, late - 1);
	rp_filter_free(f);
	rp_set_free(s);
}

static void write_bytes(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	close(fd);
}

static uint8_t *read_bytes(const char *path, size_t *n)
{
	struct stat st;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	uint8_t *p = malloc((size_t)st.st_size);
	assert_int_equal(read(fd, p, (size_t)st.st_size), st.st_size);
	close(fd);
	*n = (size_t)st.st_size;
	return p;
}

static bool has_diag(const struct rp_set *s, const char *path_part, int error)
{
	for (size_t i = 0; i < rp_set_ndiags(s); i++) {
		const struct rp_diag *d = rp_set_diag(s, i);
		if (strstr(d->path, path_part) && d->error == error)
			return true;
	}
	return false;
}

static void test_bad_input(void **state)
{
	struct fdr_event ev;
	struct gen_buf g;
	struct fdr_ring_meta m;
	char path[512];
	size_t len;

	(void)state;
	meta_for(&m, 0, 0);
	struct fdr_ring_writer *w = wopen("bad", "good.ring", &m, 16);
	for (uint64_t i = 0; i < 500; i++) {
		gen_event(i, &ev, &g);
		assert_int_equal(fdr_writer_append(w, &ev), 0);
	}
	assert_int_equal(fdr_writer_close(w), 0);
	meta_for(&m, 0, 5);
	w = wopen("bad", "damaged.ring", &m, 16);
	for (uint64_t i = 0; i < 2000; i++) {
		gen_event(i, &ev, &g);
		assert_int_equal(fdr_writer_append(w, &ev), 0);
	}
	assert_int_equal(fdr_writer_close(w), 0);
	/* Flip a payload byte of the second block. */
	snprintf(path, sizeof(path), "%s/bad/damaged.ring", dir);
	uint8_t *buf = read_bytes(path, &len);
	buf[8192 + 4096 + 200] ^= 0x40;
	write_bytes(path, buf, len);
	free(buf);
	/* A ring from a newer major version (checksummed header, both copies). */
	snprintf(path, sizeof(path), "%s/bad/good.ring", dir);
	buf = read_bytes(path, &len);
	for (int c = 0; c < 2; c++) {
		uint8_t *p = buf + c * 4096;
		uint32_t hs = get_le32(p + 12), ml = get_le32(p + 56);
		put_le16(p + 8, 2);
		put_le64(p + hs + ml, XXH3_64bits(p, hs + ml));
	}
	snprintf(path, sizeof(path), "%s/bad/newer.ring", dir);
	write_bytes(path, buf, len);
	free(buf);
	snprintf(path, sizeof(path), "%s/bad/notes.txt", dir);
	write_bytes(path, "not a ring\n", 11);
	snprintf(path, sizeof(path), "%s/bad/junk.ring", dir);
	write_bytes(path, "\x7f" "ELF junk junk junk", 19);

	struct rp_set *s = open_set("bad");
	assert_int_equal(rp_set_nrings(s), 2);	/* damaged + good */
	assert_true(has_diag(s, "newer.ring", FDR_E_VERSION));
	assert_true(has_diag(s, "junk.ring", FDR_E_TRUNCATED) || has_diag(s, "junk.ring", FDR_E_MAGIC));
	assert_false(has_diag(s, "notes.txt", FDR_E_MAGIC));	/* not ours: ignored */
	size_t before = rp_set_ndiags(s);
	uint64_t in_headers = header_events(s);
	struct rp_scan_stats st;
	size_t n;
	uint64_t *a = scan_all(s, NULL, 2, &n, &st, 0);
	const struct rp_ring *dr = rp_set_ring(s, 0);
	assert_non_null(strstr(dr->path, "damaged.ring"));
	/* The damaged block is found at open (not listed) or at decode (diag). */
	if (fdr_reader_ndamaged(dr->reader) == 0) {
		assert_int_equal(st.blocks_damaged, 1);
		assert_int_equal(rp_set_ndiags(s), before + 1);
		assert_true(n < in_headers);
	} else {
		assert_int_equal(n, in_headers);
	}
	/* Everything else was read: all 500 of good.ring and most of the other. */
	assert_true(n > 500 + 1000);
	free(a);
	rp_set_free(s);

	/* A missing path and (when not root) an unreadable directory. */
	assert_int_equal(rp_set_new(&s), 0);
	snprintf(path, sizeof(path), "%s/nosuch", dir);
	assert_int_equal(rp_set_add(s, path), -ENOENT);
	assert_true(has_diag(s, "nosuch", -ENOENT));
	if (geteuid() != 0) {
		snprintf(path, sizeof(path), "%s/bad", dir);
		chmod(path, 0);
		assert_int_equal(rp_set_add(s, path), -EACCES);
		chmod(path, 0700);
	}
	rp_set_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_hosts_wraps),
		cmocka_unit_test(test_unordered_blocks),
		cmocka_unit_test(test_pushdown),
		cmocka_unit_test(test_bad_input),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
