/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Crash safety: a real writer process is SIGKILLed at random points, again
 * and again on the same ring (each run reopens and continues it). After
 * every kill the ring must read back with no damage to anything flushed:
 * every event the child reported as flushed (through a pipe, after
 * fdr_writer_flush returned) is there, all events are exactly what was
 * appended, in order, with no hole. The seed is printed; set
 * FDR_TEST_SEED to replay a run, FDR_CRASH_RUNS to change the count.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ring-check.h"

static char path[300];

static uint64_t rnd(uint64_t *s)
{
	*s = gen_mix(*s);
	return *s;
}

/* The child: continue the ring from event `start`, flush at random, report
 * each flushed count. Never returns. */
static void child(int fd, uint64_t start, uint64_t seed, uint32_t slot, enum fdr_sync sync)
{
	struct fdr_writer_opts o = { 8192 + 8 * (uint64_t)slot, slot, sync };
	struct fdr_ring_meta m = { 0 };
	struct fdr_ring_writer *w;
	struct fdr_event ev;
	struct gen_buf g;
	uint64_t i = start;

	snprintf(m.hostname, sizeof(m.hostname), "crash-%llu", (unsigned long long)seed);
	if (fdr_writer_open(path, &m, &o, &w))
		_exit(2);
	for (;;) {
		uint64_t n = rnd(&seed) % 200;

		for (uint64_t k = 0; k < n; k++, i++) {
			gen_event(i, &ev, &g);
			if (fdr_writer_append(w, &ev))
				_exit(3);
		}
		if (fdr_writer_flush(w))
			_exit(4);
		if (write(fd, &i, sizeof(i)) != sizeof(i))
			_exit(5);
	}
}

static void crash_runs(uint32_t slot, enum fdr_sync sync, unsigned runs, uint64_t seed)
{
	uint64_t next = 0, s = seed;
	unsigned killed_mid = 0;

	unlink(path);
	for (unsigned run = 0; run < runs; run++) {
		int p[2];
		pid_t pid;
		int status;
		uint64_t flushed = next, x;
		struct fdr_ring_reader *r;
		struct ring_check rc;
		struct timespec d = { 0, (long)(rnd(&s) % 3000000) };
		uint64_t child_seed = rnd(&s);

		assert_int_equal(pipe(p), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(p[0]);
			child(p[1], next, child_seed, slot, sync);
		}
		close(p[1]);
		nanosleep(&d, NULL);
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!WIFSIGNALED(status))
			fail_msg("run %u: child exited with %d before the kill", run,
				 WEXITSTATUS(status));
		while (read(p[0], &x, sizeof(x)) == sizeof(x))
			flushed = x;
		close(p[0]);

		if (access(path, F_OK))
			continue;	/* killed before the file was created */
		{
			int e = fdr_reader_open(path, &r);

			if (e == FDR_E_EMPTY || (e == FDR_E_HEADER && next == 0) ||
			    (e == FDR_E_MAGIC && next == 0)) {
				/* killed while creating: nothing was flushed yet */
				assert_int_equal(flushed, 0);
				continue;
			}
			if (e)
				fail_msg("run %u (seed %llu): open: %s", run,
					 (unsigned long long)seed, fdr_strerror(e));
		}
		ring_check(r, &rc);
		if (rc.hi < flushed)
			fail_msg("run %u (seed %llu): flushed up to %llu, read up to %llu", run,
				 (unsigned long long)seed, (unsigned long long)flushed,
				 (unsigned long long)rc.hi);
		if (rc.events && rc.lo > 0)	/* wrapped: the ring is (nearly) full */
			assert_true(rc.blocks >= 8 - 2);
		killed_mid += fdr_reader_ndamaged(r) > 0;
		next = rc.events ? rc.hi : next;
		assert_true(next >= flushed);
		fdr_reader_free(r);
	}
	printf("crash: %u runs, slot %u, sync %d, %llu events in the end, "
	       "%u runs left a torn slot\n", runs, slot, (int)sync, (unsigned long long)next,
	       killed_mid);
	assert_true(next > 0);
}

static uint64_t seed_get(void)
{
	const char *e = getenv("FDR_TEST_SEED");
	uint64_t seed = e ? strtoull(e, NULL, 0) : (uint64_t)time(NULL) ^ (uint64_t)getpid() << 20;

	printf("seed %llu (FDR_TEST_SEED=%llu to replay)\n", (unsigned long long)seed,
	       (unsigned long long)seed);
	return seed;
}

static unsigned runs_get(void)
{
	const char *e = getenv("FDR_CRASH_RUNS");

	return e ? (unsigned)atoi(e) : 250;
}

static void test_kill_small_slots(void **state)
{
	(void)state;
	crash_runs(4096, FDR_SYNC_NONE, runs_get(), seed_get());
}

static void test_kill_sync(void **state)
{
	(void)state;
	crash_runs(16384, FDR_SYNC_FLUSH, runs_get() / 5 + 1, seed_get());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kill_small_slots),
		cmocka_unit_test(test_kill_sync),
	};
	const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	int rc;

	snprintf(path, sizeof(path), "%s/fdr-test-crash-%d.ring", dir, (int)getpid());
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(path);
	strcat(path, ".creating");	/* left by a child killed while creating */
	unlink(path);
	return rc;
}
