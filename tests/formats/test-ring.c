/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Ring writer + reader: round trips through real files, wrap-around,
 * sequence numbers across wraps and reopen, partial flushes (ping-pong),
 * header errors, header copy selection, metadata.
 */
#include <errno.h>
#include <pthread.h>
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

#include "fdr-ring.h"
#include "formats/ring-format.h"
#include "gen.h"

static char tmpdir[64];
static char path[256];

static int setup(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

/* Read every event of the ring in block order; each must equal gen_event(seq)
 * and the seqs must be contiguous. Returns the count; *lo, *hi the range. */
static size_t check_ring(struct fdr_ring_reader *r, uint64_t *lo, uint64_t *hi)
{
	struct fdr_cursor *c;
	struct fdr_event *ev = malloc(sizeof(*ev)), *want = malloc(sizeof(*want));
	struct gen_buf g;
	size_t n = 0;
	uint64_t prev_seq = 0;

	assert_non_null(ev);
	assert_non_null(want);
	assert_int_equal(fdr_cursor_new(&c), 0);
	for (size_t b = 0; b < fdr_reader_nblocks(r); b++) {
		const struct fdr_block_info *bi = fdr_reader_block(r, b);
		uint32_t in_block = 0;
		int rc;

		if (b)
			assert_int_equal(bi->seq, fdr_reader_block(r, b - 1)->seq + 1);
		assert_int_equal(fdr_cursor_load(c, r, b), 0);
		while ((rc = fdr_cursor_next(c, ev)) == 1) {
			char why[256];
			uint64_t s = fdr_event_u(ev, FDR_F_SEQ, UINT64_MAX);

			gen_event(s, want, &g);
			if (!ev_equal(ev, want, why))
				fail_msg("event %llu: %s", (unsigned long long)s, why);
			if (n == 0)
				*lo = s;
			else
				assert_int_equal(s, prev_seq + 1);
			assert_true(ev->time_ns >= bi->first_ns && ev->time_ns <= bi->last_ns);
			assert_true(bi->kinds >> ev->kind & 1);
			prev_seq = s;
			n++;
			in_block++;
		}
		assert_int_equal(rc, 0);
		assert_int_equal(in_block, bi->events);
	}
	*hi = n ? prev_seq + 1 : 0;
	fdr_cursor_free(c);
	free(ev);
	free(want);
	return n;
}

static void append_range(struct fdr_ring_writer *w, uint64_t from, uint64_t to)
{
	struct fdr_event *ev = malloc(sizeof(*ev));
	struct gen_buf g;

	assert_non_null(ev);
	for (uint64_t i = from; i < to; i++) {
		gen_event(i, ev, &g);
		assert_int_equal(fdr_writer_append(w, ev), 0);
	}
	free(ev);
}

static void fill_meta(struct fdr_ring_meta *m)
{
	memset(m, 0, sizeof(*m));
	strcpy(m->hostname, "node-1");
	strcpy(m->machine_id, "0123456789abcdef0123456789abcdef");
	strcpy(m->boot_id, "b00710d0-0000-4000-8000-000000000001");
	strcpy(m->container_id, "4f3a9c0000000000000000000000000000000000000000000000000000000001");
	strcpy(m->container_name, "web");
	strcpy(m->runtime, "docker");
	strcpy(m->image, "nginx:1.25");
	strcpy(m->image_id, "sha256:abcd");
	strcpy(m->pod, "web-7d9f");
	strcpy(m->pod_uid, "uid-1");
	strcpy(m->namespace_, "prod");
	strcpy(m->command, "nginx -g daemon off;");
	strcpy(m->ports, "80/tcp 443/tcp");
	assert_int_equal(fdr_meta_add_label(m, "app", "web"), 0);
	assert_int_equal(fdr_meta_add_label(m, "tier", ""), 0);
	m->created_ns = 1700000000000000001ull;
	m->started_ns = 1700000000000000002ull;
	m->ended_ns = 1700000000000000003ull;
}

static void test_round_trip(void **state)
{
	struct fdr_writer_opts o = FDR_WRITER_OPTS_INIT;
	struct fdr_ring_meta m;
	struct fdr_ring_writer *w;
	struct fdr_ring_reader *r;
	uint64_t lo = 0, hi = 0;

	(void)state;
	fill_meta(&m);
	o.file_size = 8192 + 64 * 65536;
	o.sync = FDR_SYNC_NONE;
	assert_int_equal(fdr_writer_open(path, &m, &o, &w), 0);
	append_range(w, 0, 20000);
	assert_int_equal(fdr_writer_close(w), 0);

	assert_int_equal(fdr_reader_open(path, &r), 0);
	assert_int_equal(check_ring(r, &lo, &hi), 20000);
	assert_int_equal(lo, 0);
	assert_int_equal(hi, 20000);
	assert_int_equal(fdr_reader_ndamaged(r), 0);
	assert_int_equal(fdr_reader_verify(r), 0);
	assert_memory_equal(fdr_reader_meta(r), &m, sizeof(m));
	assert_int_equal(fdr_reader_geometry(r)->slot_count, 64);
	assert_int_equal(fdr_reader_geometry(r)->slot_size, 65536);
	assert_int_equal(fdr_reader_geometry(r)->version_major, 1);
	fdr_reader_free(r);
}

static void test_wrap_and_reopen(void **state)
{
	struct fdr_writer_opts o = { 8192 + 6 * 4096, 4096, FDR_SYNC_NONE };
	struct fdr_ring_meta m;
	struct fdr_ring_writer *w;
	struct fdr_ring_reader *r;
	struct fdr_writer_stats st;
	uint64_t lo = 0, hi = 0, next = 0, last_seq = 0;

	(void)state;
	fill_meta(&m);
	for (int round = 0; round < 10; round++) {
		assert_int_equal(fdr_writer_open(path, &m, &o, &w), 0);
		fdr_writer_stats(w, &st);
		if (round)
			assert_int_equal(st.next_seq, last_seq + 1);
		append_range(w, next, next + 3000);
		next += 3000;
		fdr_writer_stats(w, &st);
		assert_true(st.wraps > 0);
		assert_int_equal(fdr_writer_close(w), 0);

		assert_int_equal(fdr_reader_open(path, &r), 0);
		assert_true(check_ring(r, &lo, &hi) > 0);
		assert_int_equal(hi, next);	/* everything up to the last event is there */
		assert_true(fdr_reader_nblocks(r) >= 4);
		assert_int_equal(fdr_reader_ndamaged(r), 0);
		last_seq = fdr_reader_block(r, fdr_reader_nblocks(r) - 1)->seq;
		assert_true(last_seq > (uint64_t)round * 6);
		fdr_reader_free(r);
	}
}

static void test_flush_ping_pong(void **state)
{
	struct fdr_writer_opts o = { 8192 + 8 * 4096, 4096, FDR_SYNC_NONE };
	struct fdr_ring_meta m;
	struct fdr_ring_writer *w;
	struct fdr_ring_reader *r;
	struct fdr_writer_stats st;
	uint64_t lo = 0, hi = 0;

	(void)state;
	fill_meta(&m);
	assert_int_equal(fdr_writer_open(path, &m, &o, &w), 0);
	for (uint64_t i = 0; i < 2000; i++) {
		append_range(w, i, i + 1);
		assert_int_equal(fdr_writer_flush(w), 0);
		fdr_writer_stats(w, &st);
		if (i % 97 == 0) {
			uint64_t blocks = st.blocks;

			/* nothing new: no write */
			assert_int_equal(fdr_writer_flush(w), 0);
			fdr_writer_stats(w, &st);
			assert_int_equal(st.blocks, blocks);
			/* a reader sees everything flushed so far */
			assert_int_equal(fdr_reader_open(path, &r), 0);
			check_ring(r, &lo, &hi);
			assert_int_equal(hi, i + 1);
			fdr_reader_free(r);
		}
	}
	assert_int_equal(fdr_writer_close(w), 0);
	assert_int_equal(fdr_reader_open(path, &r), 0);
	check_ring(r, &lo, &hi);
	assert_int_equal(hi, 2000);
	/* ping-pong wastes no slot: 8 slots, at most 1 lost to the open block */
	assert_true(fdr_reader_nblocks(r) >= 7);
	fdr_reader_free(r);
}

static void write_file(const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

static uint8_t *read_file(size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY);
	uint8_t *buf;

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size);
	assert_non_null(buf);
	assert_int_equal(read(fd, buf, (size_t)st.st_size), st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

static void make_small_ring(uint64_t events)
{
	struct fdr_writer_opts o = { 8192 + 4 * 4096, 4096, FDR_SYNC_NONE };
	struct fdr_ring_meta m;
	struct fdr_ring_writer *w;

	fill_meta(&m);
	unlink(path);
	assert_int_equal(fdr_writer_open(path, &m, &o, &w), 0);
	append_range(w, 0, events);
	assert_int_equal(fdr_writer_close(w), 0);
}

static void rewrite_header_copy(uint8_t *buf, int copy, void (*edit)(uint8_t *))
{
	uint8_t *p = buf + copy * 4096;
	uint32_t hs = get_le32(p + 12), ml = get_le32(p + 56);

	edit(p);
	put_le64(p + hs + ml, XXH3_64bits(p, hs + ml));
}

static void set_major2(uint8_t *p) { put_le16(p + 8, 2); }
static void set_incompat(uint8_t *p) { put_le32(p + 20, 1u << 7); }

static void test_header_errors(void **state)
{
	struct fdr_ring_reader *r = NULL;
	struct fdr_ring_writer *w = NULL;
	struct fdr_writer_opts o = { 8192 + 4 * 4096, 4096, FDR_SYNC_NONE };
	struct fdr_ring_meta m;
	uint8_t *buf, *copy;
	size_t len;

	(void)state;
	fill_meta(&m);
	make_small_ring(50);
	buf = read_file(&len);
	copy = malloc(len);
	assert_non_null(copy);

	/* zero length */
	write_file(buf, 0);
	assert_int_equal(fdr_reader_open(path, &r), FDR_E_EMPTY);
	assert_int_equal(fdr_reader_open_mem(buf, 0, "x", &r), FDR_E_EMPTY);
	/* truncated: in the header, and in the slots */
	write_file(buf, 100);
	assert_int_equal(fdr_reader_open(path, &r), FDR_E_TRUNCATED);
	write_file(buf, len - 1);
	assert_int_equal(fdr_reader_open(path, &r), FDR_E_TRUNCATED);
	assert_int_equal(fdr_writer_open(path, &m, &o, &w), FDR_E_TRUNCATED);
	/* wrong magic in both copies */
	memcpy(copy, buf, len);
	copy[0] ^= 1;
	copy[4096] ^= 1;
	write_file(copy, len);
	assert_int_equal(fdr_reader_open(path, &r), FDR_E_MAGIC);
	assert_int_equal(fdr_writer_open(path, &m, &o, &w), FDR_E_MAGIC);
	write_file("hello world, not a ring\n", 24);
	assert_int_equal(fdr_reader_open(path, &r), FDR_E_MAGIC);
	assert_int_equal(fdr_writer_open(path, &m, &o, &w), FDR_E_MAGIC);
	{	/* the writer left it alone */
		size_t l2;
		uint8_t *b2 = read_file(&l2);

		assert_int_equal(l2, 24);
		assert_memory_equal(b2, "hello world, not a ring\n", 24);
		free(b2);
	}
	/* future major version */
	memcpy(copy, buf, len);
	rewrite_header_copy(copy, 0, set_major2);
	rewrite_header_copy(copy, 1, set_major2);
	write_file(copy, len);
	assert_int_equal(fdr_reader_open(path, &r), FDR_E_VERSION);
	assert_int_equal(fdr_writer_open(path, &m, &o, &w), FDR_E_VERSION);
	/* unknown incompatible flag */
	memcpy(copy, buf, len);
	rewrite_header_copy(copy, 0, set_incompat);
	rewrite_header_copy(copy, 1, set_incompat);
	write_file(copy, len);
	assert_int_equal(fdr_reader_open(path, &r), FDR_E_INCOMPAT);
	assert_int_equal(fdr_writer_open(path, &m, &o, &w), FDR_E_INCOMPAT);
	/* both copies damaged */
	memcpy(copy, buf, len);
	copy[200] ^= 1;
	copy[4096 + 200] ^= 1;
	write_file(copy, len);
	assert_int_equal(fdr_reader_open(path, &r), FDR_E_HEADER);
	/* a second writer while the first has it open */
	write_file(buf, len);
	{
		struct fdr_ring_writer *w2 = NULL;

		assert_int_equal(fdr_writer_open(path, &m, &o, &w), 0);
		assert_int_equal(fdr_writer_open(path, &m, &o, &w2), -EBUSY);
		assert_null(w2);
		assert_int_equal(fdr_writer_close(w), 0);
	}
	/* other geometry on reopen */
	write_file(buf, len);
	o.slot_size = 8192;
	assert_int_equal(fdr_writer_open(path, &m, &o, &w), FDR_E_GEOMETRY);
	/* distinct messages */
	for (int e = FDR_E_HEADER; e <= FDR_E_CORRUPT; e++)
		for (int f = e + 1; f <= FDR_E_CORRUPT; f++)
			assert_string_not_equal(fdr_strerror(e), fdr_strerror(f));
	free(copy);
	free(buf);
}

static void test_header_copies(void **state)
{
	struct fdr_ring_reader *r;
	struct fdr_ring_writer *w;
	struct fdr_writer_opts o = { 8192 + 4 * 4096, 4096, FDR_SYNC_NONE };
	struct fdr_ring_meta m, m2;
	uint8_t *buf;
	size_t len;
	uint64_t lo, hi;

	(void)state;
	fill_meta(&m);
	make_small_ring(50);
	/* three metadata rewrites: generations 3, 4, 5 alternate B, A, B */
	assert_int_equal(fdr_writer_open(path, &m, &o, &w), 0);
	m2 = m;
	strcpy(m2.container_name, "web-renamed");
	m2.ended_ns = 42;
	assert_int_equal(fdr_writer_set_meta(w, &m2), 0);
	assert_int_equal(fdr_writer_set_meta(w, &m2), 0);
	assert_int_equal(fdr_writer_close(w), 0);
	buf = read_file(&len);
	assert_int_equal(fdr_reader_open_mem(buf, len, "mem", &r), 0);
	assert_string_equal(fdr_reader_meta(r)->container_name, "web-renamed");
	assert_int_equal(fdr_reader_geometry(r)->header_generation, 5);
	fdr_reader_free(r);
	/* newest copy (B, gen 5) damaged: A (gen 4, same meta) is used */
	buf[4096 + 100] ^= 0x10;
	assert_int_equal(fdr_reader_open_mem(buf, len, "mem", &r), 0);
	assert_int_equal(fdr_reader_geometry(r)->header_generation, 4);
	assert_string_equal(fdr_reader_meta(r)->container_name, "web-renamed");
	assert_int_equal(check_ring(r, &lo, &hi), 50);
	fdr_reader_free(r);
	/* the writer rewrites the damaged (older-or-invalid) copy, never the good one */
	write_file(buf, len);
	assert_int_equal(fdr_writer_open(path, &m, &o, &w), 0);
	assert_int_equal(fdr_writer_close(w), 0);
	free(buf);
	buf = read_file(&len);
	assert_int_equal(fdr_reader_open_mem(buf, len, "mem", &r), 0);
	assert_int_equal(fdr_reader_geometry(r)->header_generation, 5);
	assert_string_equal(fdr_reader_meta(r)->container_name, "web");
	fdr_reader_free(r);
	free(buf);
}

static void test_seek(void **state)
{
	struct fdr_writer_opts o = { 8192 + 32 * 4096, 4096, FDR_SYNC_NONE };
	struct fdr_ring_meta m;
	struct fdr_ring_writer *w;
	struct fdr_ring_reader *r;
	size_t n;

	(void)state;
	fill_meta(&m);
	assert_int_equal(fdr_writer_open(path, &m, &o, &w), 0);
	append_range(w, 0, 3000);
	assert_int_equal(fdr_writer_close(w), 0);
	assert_int_equal(fdr_reader_open(path, &r), 0);
	n = fdr_reader_nblocks(r);
	assert_true(n > 5);
	assert_int_equal(fdr_reader_seek(r, 0), 0);
	assert_int_equal(fdr_reader_seek(r, UINT64_MAX), n);
	for (size_t i = 0; i < n; i++) {
		const struct fdr_block_info *b = fdr_reader_block(r, i);
		size_t k = fdr_reader_seek(r, b->last_ns);

		/* the first block reaching that time, and no earlier one does */
		assert_true(k <= i);
		assert_true(fdr_reader_block(r, k)->last_ns >= b->last_ns);
		for (size_t j = 0; j < k; j++)
			assert_true(fdr_reader_block(r, j)->last_ns < b->last_ns);
	}
	assert_null(fdr_reader_block(r, n));
	fdr_reader_free(r);
}

/* A reader follows a ring while the writer appends and wraps. */
static void test_refresh_live(void **state)
{
	struct fdr_writer_opts o = { 8192 + 6 * 4096, 4096, FDR_SYNC_NONE };
	struct fdr_ring_meta m;
	struct fdr_ring_writer *w;
	struct fdr_ring_reader *r;
	uint64_t lo, hi;

	(void)state;
	fill_meta(&m);
	assert_int_equal(fdr_writer_open(path, &m, &o, &w), 0);
	assert_int_equal(fdr_reader_open(path, &r), 0);
	assert_int_equal(fdr_reader_nblocks(r), 0);
	for (uint64_t i = 0; i < 4000; i += 250) {
		append_range(w, i, i + 250);
		assert_int_equal(fdr_writer_flush(w), 0);
		assert_int_equal(fdr_reader_refresh(r), 0);
		check_ring(r, &lo, &hi);
		assert_int_equal(hi, i + 250);
	}
	/* a block overwritten after the scan: -ESTALE, not damage */
	{
		struct fdr_cursor *c;

		assert_int_equal(fdr_cursor_new(&c), 0);
		append_range(w, 4000, 8000);
		assert_int_equal(fdr_writer_flush(w), 0);
		assert_int_equal(fdr_cursor_load(c, r, 0), -ESTALE);
		fdr_cursor_free(c);
	}
	assert_int_equal(fdr_writer_close(w), 0);
	fdr_reader_free(r);
}

struct thread_arg {
	struct fdr_ring_reader *r;
	uint64_t events;
};

static void *decode_all(void *p)
{
	struct thread_arg *a = p;
	struct fdr_cursor *c;
	struct fdr_event *ev = malloc(sizeof(*ev)), *want = malloc(sizeof(*want));
	struct gen_buf g;

	if (!ev || !want || fdr_cursor_new(&c))
		return NULL;
	for (int rep = 0; rep < 5; rep++)
		for (size_t b = 0; b < fdr_reader_nblocks(a->r); b++) {
			char why[256];

			if (fdr_cursor_load(c, a->r, b))
				goto out;
			while (fdr_cursor_next(c, ev) == 1) {
				gen_event(fdr_event_u(ev, FDR_F_SEQ, 0), want, &g);
				if (!ev_equal(ev, want, why))
					goto out;
				a->events++;
			}
		}
out:
	fdr_cursor_free(c);
	free(ev);
	free(want);
	return NULL;
}

/* One reader, cursors on four threads at once (pread, no shared position). */
static void test_threads(void **state)
{
	struct fdr_writer_opts o = { 8192 + 16 * 4096, 4096, FDR_SYNC_NONE };
	struct fdr_ring_meta m;
	struct fdr_ring_writer *w;
	struct fdr_ring_reader *r;
	pthread_t t[4];
	struct thread_arg a[4];
	uint64_t lo, hi;
	size_t n;

	(void)state;
	fill_meta(&m);
	assert_int_equal(fdr_writer_open(path, &m, &o, &w), 0);
	append_range(w, 0, 2000);
	assert_int_equal(fdr_writer_close(w), 0);
	assert_int_equal(fdr_reader_open(path, &r), 0);
	n = check_ring(r, &lo, &hi);
	for (int i = 0; i < 4; i++) {
		a[i].r = r;
		a[i].events = 0;
		assert_int_equal(pthread_create(&t[i], NULL, decode_all, &a[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(a[i].events, 5 * n);
	}
	fdr_reader_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_round_trip, setup),
		cmocka_unit_test_setup(test_wrap_and_reopen, setup),
		cmocka_unit_test_setup(test_flush_ping_pong, setup),
		cmocka_unit_test_setup(test_header_errors, setup),
		cmocka_unit_test_setup(test_header_copies, setup),
		cmocka_unit_test_setup(test_seek, setup),
		cmocka_unit_test_setup(test_refresh_live, setup),
		cmocka_unit_test_setup(test_threads, setup),
	};
	int rc;

	/* /dev/shm when there: fdatasync on a busy disk is slow */
	snprintf(tmpdir, sizeof(tmpdir), "%s/fdr-test-ring-XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(tmpdir))
		return 1;
	snprintf(path, sizeof(path), "%s/ring", tmpdir);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(path);
	rmdir(tmpdir);
	return rc;
}
