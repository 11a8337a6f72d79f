/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fault injection: the writer's system calls go through ring_sys (SQLite
 * aSyscall style); these tests make the n-th pwrite / fdatasync / fallocate
 * fail (or write half and fail) and check that the error reaches the caller,
 * that a retry (the next append/flush) recovers, and that nothing flushed
 * before is damaged. Then a real full disk: a small tmpfs (root only).
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
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "formats/ring-format.h"
#include "ring-check.h"

static char tmpdir[64];
static char path[256];

enum which { F_NONE, F_PWRITE, F_FSYNC };
static enum which fail_which;
static int fail_n;		/* fail the n-th call (1-based) of fail_which */
static int fail_errno;
static bool fail_short;		/* write part (half, or fail_short_len), then fail */
static size_t fail_short_len;

static ssize_t f_pwrite(int fd, const void *buf, size_t n, off_t off)
{
	if (fail_which == F_PWRITE && --fail_n == 0) {
		fail_which = F_NONE;
		if (fail_short && n > 1 &&
		    pwrite(fd, buf, fail_short_len ? fail_short_len : n / 2, off) < 0)
			return -1;
		errno = fail_errno;
		return -1;
	}
	return pwrite(fd, buf, n, off);
}

static int f_fdatasync(int fd)
{
	if (fail_which == F_FSYNC && --fail_n == 0) {
		fail_which = F_NONE;
		errno = fail_errno;
		return -1;
	}
	return fdatasync(fd);
}

static int f_fallocate_enospc(int fd, off_t off, off_t len)
{
	(void)fd;
	(void)off;
	(void)len;
	return ENOSPC;
}

static int f_fallocate_unsupported(int fd, off_t off, off_t len)
{
	(void)fd;
	(void)off;
	(void)len;
	return EOPNOTSUPP;
}

static int setup(void **state)
{
	(void)state;
	ring_sys_reset();
	ring_sys.pwrite = f_pwrite;
	ring_sys.fdatasync = f_fdatasync;
	fail_which = F_NONE;
	fail_short_len = 0;
	unlink(path);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ring_sys_reset();
	unlink(path);
	return 0;
}

#define NEV 3000
#define NSLOTS 6

/* Append 0..NEV with a flush every 37 events; the first failure must be
 * -fail_errno; everything after it succeeds. Returns how many failures. */
static int workload(struct fdr_ring_writer *w)
{
	struct fdr_event ev;
	struct gen_buf g;
	int failures = 0;

	for (uint64_t i = 0; i < NEV; i++) {
		int rc;

		gen_event(i, &ev, &g);
		rc = fdr_writer_append(w, &ev);
		if (rc) {
			assert_int_equal(rc, -fail_errno);
			failures++;
		}
		if (i % 37 == 36) {
			rc = fdr_writer_flush(w);
			if (rc) {
				assert_int_equal(rc, -fail_errno);
				failures++;
			}
		}
	}
	return failures;
}

static void check_after(uint64_t lo_max)
{
	struct fdr_ring_reader *r;
	struct ring_check rc;

	assert_int_equal(fdr_reader_open(path, &r), 0);
	ring_check(r, &rc);
	assert_int_equal(rc.hi, NEV);	/* nothing lost at the end */
	assert_true(rc.lo <= lo_max);	/* nor more than the ring's usual loss at the front */
	assert_true(rc.blocks >= NSLOTS - 2);
	fdr_reader_free(r);
}

static void run_faults(enum which which, bool short_write, int err)
{
	struct fdr_writer_opts o = { 8192 + NSLOTS * 4096, 4096, FDR_SYNC_FLUSH };
	struct fdr_ring_meta m = { 0 };
	uint64_t lo_ref;
	int calls;

	/* reference run, no faults: count the calls, note what survives */
	{
		struct fdr_ring_writer *w;
		struct fdr_ring_reader *r;
		struct ring_check rc;

		unlink(path);
		assert_int_equal(fdr_writer_open(path, &m, &o, &w), 0);
		fail_which = which;
		fail_n = 1 << 30;
		assert_int_equal(workload(w), 0);
		assert_int_equal(fdr_writer_close(w), 0);
		calls = (1 << 30) - fail_n;
		fail_which = F_NONE;
		assert_int_equal(fdr_reader_open(path, &r), 0);
		ring_check(r, &rc);
		lo_ref = rc.lo;
		fdr_reader_free(r);
	}
	assert_true(calls > 20);
	for (int n = 1; n <= calls; n++) {
		struct fdr_ring_writer *w;
		int failures;

		unlink(path);
		assert_int_equal(fdr_writer_open(path, &m, &o, &w), 0);
		fail_which = which;
		fail_n = n;
		fail_errno = err;
		fail_short = short_write;
		failures = workload(w);
		if (fail_which == F_NONE)
			assert_int_equal(failures, 1);	/* fired once, reported once */
		else
			assert_int_equal(failures, 0);	/* the close below made the call */
		fail_which = F_NONE;
		assert_int_equal(fdr_writer_close(w), 0);
		/* A failed write may have damaged the block it was replacing
		 * (the oldest) and shifted the cuts by a block. */
		check_after(lo_ref + 2 * (NEV / 10));
	}
	printf("%s%s failing at each of %d calls: errors propagated, nothing flushed lost\n",
	       which == F_PWRITE ? "pwrite" : "fdatasync", short_write ? " (half written)" : "",
	       calls);
}

static void test_pwrite_eio(void **state)
{
	(void)state;
	run_faults(F_PWRITE, false, EIO);
}

static void test_pwrite_short_enospc(void **state)
{
	(void)state;
	run_faults(F_PWRITE, true, ENOSPC);
}

static void test_fdatasync_eio(void **state)
{
	(void)state;
	run_faults(F_FSYNC, false, EIO);
}

static void test_header_rewrite_fails(void **state)
{
	struct fdr_writer_opts o = { 8192 + NSLOTS * 4096, 4096, FDR_SYNC_FLUSH };
	struct fdr_ring_meta m = { 0 }, m2;
	struct fdr_ring_writer *w;
	struct fdr_ring_reader *r;
	struct ring_check rc;

	(void)state;
	strcpy(m.container_name, "before");
	assert_int_equal(fdr_writer_open(path, &m, &o, &w), 0);
	assert_int_equal(workload(w), 0);
	assert_int_equal(fdr_writer_flush(w), 0);
	m2 = m;
	strcpy(m2.container_name, "after");
	fail_which = F_PWRITE;
	fail_n = 1;
	fail_errno = EIO;
	fail_short = true;	/* the older copy is left torn: 40 bytes written */
	fail_short_len = 40;
	assert_int_equal(fdr_writer_set_meta(w, &m2), -EIO);
	assert_string_equal(fdr_writer_meta(w)->container_name, "before");
	assert_int_equal(fdr_reader_open(path, &r), 0);
	assert_string_equal(fdr_reader_meta(r)->container_name, "before");
	ring_check(r, &rc);
	assert_int_equal(rc.hi, NEV);
	fdr_reader_free(r);
	/* the retry succeeds and wins */
	assert_int_equal(fdr_writer_set_meta(w, &m2), 0);
	assert_int_equal(fdr_writer_close(w), 0);
	assert_int_equal(fdr_reader_open(path, &r), 0);
	assert_string_equal(fdr_reader_meta(r)->container_name, "after");
	fdr_reader_free(r);
}

static void test_fallocate(void **state)
{
	struct fdr_writer_opts o = { 8192 + NSLOTS * 4096, 4096, FDR_SYNC_FLUSH };
	struct fdr_ring_meta m = { 0 };
	struct fdr_ring_writer *w = NULL;
	char tmp[300];

	(void)state;
	ring_sys.fallocate = f_fallocate_enospc;
	assert_int_equal(fdr_writer_open(path, &m, &o, &w), -ENOSPC);
	assert_null(w);
	assert_int_equal(access(path, F_OK), -1);	/* nothing left behind */
	snprintf(tmp, sizeof(tmp), "%s.creating", path);
	assert_int_equal(access(tmp, F_OK), -1);
	/* no fallocate support: falls back to ftruncate */
	ring_sys.fallocate = f_fallocate_unsupported;
	assert_int_equal(fdr_writer_open(path, &m, &o, &w), 0);
	assert_int_equal(workload(w), 0);
	assert_int_equal(fdr_writer_close(w), 0);
	check_after(NEV);
}

/* A real full file system: tmpfs of 64 KiB, a 1 MiB ring. */
static void test_real_enospc(void **state)
{
	char mnt[300], p[320];
	struct fdr_writer_opts o = { 8192 + 256 * 4096, 4096, FDR_SYNC_FLUSH };
	struct fdr_ring_meta m = { 0 };
	struct fdr_ring_writer *w = NULL;
	struct fdr_ring_reader *r;
	struct fdr_event ev;
	struct gen_buf g;
	uint64_t i, flushed = 0;
	int rc = 0;

	(void)state;
	if (geteuid() != 0) {
		skip();	/* SKIP: needs root to mount a tmpfs */
		return;
	}
	snprintf(mnt, sizeof(mnt), "%s/mnt", tmpdir);
	assert_int_equal(mkdir(mnt, 0700), 0);
	if (mount("fdr-test", mnt, "tmpfs", 0, "size=64k")) {
		rmdir(mnt);
		skip();	/* SKIP: cannot mount tmpfs here */
		return;
	}
	snprintf(p, sizeof(p), "%s/ring", mnt);
	/* preallocation fails cleanly */
	assert_int_equal(fdr_writer_open(p, &m, &o, &w), -ENOSPC);
	assert_int_equal(access(p, F_OK), -1);
	/* sparse ring (no fallocate): the disk fills while writing */
	ring_sys.fallocate = f_fallocate_unsupported;
	assert_int_equal(fdr_writer_open(p, &m, &o, &w), 0);
	for (i = 0; i < 100000; i++) {
		gen_event(i, &ev, &g);
		rc = fdr_writer_append(w, &ev);
		if (!rc && i % 50 == 49 && !(rc = fdr_writer_flush(w)))
			flushed = i + 1;
		if (rc)
			break;
	}
	assert_int_equal(rc, -ENOSPC);
	assert_true(flushed > 0);
	/* what was flushed reads back */
	assert_int_equal(fdr_reader_open(p, &r), 0);
	{
		struct ring_check c;

		ring_check(r, &c);
		assert_true(c.hi >= flushed);
		assert_int_equal(c.lo, 0);
	}
	fdr_reader_free(r);
	fdr_writer_close(w);	/* still failing: error expected, freed anyway */
	unlink(p);
	umount(mnt);
	rmdir(mnt);
	printf("real ENOSPC after %llu flushed events: -ENOSPC reported, all of them readable\n",
	       (unsigned long long)flushed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pwrite_eio, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pwrite_short_enospc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fdatasync_eio, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_rewrite_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fallocate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_real_enospc, setup, teardown),
	};
	char mnt[300];
	int rc;

	/* /dev/shm when there: fdatasync on a busy disk is slow */
	snprintf(tmpdir, sizeof(tmpdir), "%s/fdr-test-faults-XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(tmpdir))
		return 1;
	snprintf(path, sizeof(path), "%s/ring", tmpdir);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(path);
	snprintf(mnt, sizeof(mnt), "%s/mnt", tmpdir);
	umount(mnt);	/* in case a failed test left it */
	rmdir(mnt);
	rmdir(tmpdir);
	return rc;
}
