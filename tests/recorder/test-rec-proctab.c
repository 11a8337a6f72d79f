// SPDX-License-Identifier: Apache-2.0
/* Process table: insert, lookup, delete with collisions, bounds, expiry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "recorder/rec-proctab.h"

static void test_put_get_del(void **s)
{
	struct rec_proctab *t = rec_proctab_new(1000);

	(void)s;
	for (pid_t pid = 1; pid <= 1000; pid++) {
		struct rec_proc *p = rec_proctab_put(t, pid * 7919);

		assert_non_null(p);
		p->ppid = pid;
	}
	assert_int_equal(rec_proctab_count(t), 1000);
	/* delete every other one, the rest must still be found */
	for (pid_t pid = 1; pid <= 1000; pid += 2)
		rec_proctab_del(t, pid * 7919);
	for (pid_t pid = 1; pid <= 1000; pid++) {
		struct rec_proc *p = rec_proctab_get(t, pid * 7919);

		if (pid % 2) {
			assert_null(p);
		} else {
			assert_non_null(p);
			assert_int_equal(p->ppid, pid);
		}
	}
	assert_int_equal(rec_proctab_count(t), 500);
	rec_proctab_free(t);
}

static void test_full_evicts_exited_only(void **s)
{
	struct rec_proctab *t = rec_proctab_new(8);

	(void)s;
	for (pid_t pid = 1; pid <= 8; pid++)
		assert_non_null(rec_proctab_put(t, pid));
	/* full, nobody exited: no room */
	assert_null(rec_proctab_put(t, 100));
	rec_proctab_exited(t, 3, 1000);
	rec_proctab_exited(t, 5, 2000);
	/* the oldest exit (3) goes first */
	assert_non_null(rec_proctab_put(t, 100));
	assert_null(rec_proctab_get(t, 3));
	assert_non_null(rec_proctab_get(t, 5));
	assert_non_null(rec_proctab_put(t, 101));
	assert_null(rec_proctab_get(t, 5));
	assert_null(rec_proctab_put(t, 102));
	rec_proctab_free(t);
}

static void test_expire_keeps_recent(void **s)
{
	struct rec_proctab *t = rec_proctab_new(64);
	struct rec_proc *p;

	(void)s;
	for (pid_t pid = 1; pid <= 10; pid++)
		rec_proctab_put(t, pid);
	rec_proctab_exited(t, 1, 100);
	rec_proctab_exited(t, 2, 200);
	rec_proctab_exited(t, 3, 300);
	rec_proctab_expire(t, 250, 100);	/* drop exits before 150 */
	assert_null(rec_proctab_get(t, 1));
	p = rec_proctab_get(t, 2);
	assert_non_null(p);
	assert_true(p->exited);
	/* pid 2 reused: the entry is reset and the stale exit record ignored */
	p = rec_proctab_put(t, 2);
	assert_false(p->exited);
	rec_proctab_expire(t, 10000, 100);
	assert_non_null(rec_proctab_get(t, 2));
	assert_null(rec_proctab_get(t, 3));
	assert_int_equal(rec_proctab_count(t), 8);
	rec_proctab_free(t);
}

static void test_random_against_model(void **s)
{
	enum { N = 4096, OPS = 200000 };
	static bool in[N];
	struct rec_proctab *t = rec_proctab_new(N);
	unsigned seed = 12345;

	(void)s;
	printf("seed %u\n", seed);
	srand(seed);
	memset(in, 0, sizeof(in));
	for (int i = 0; i < OPS; i++) {
		pid_t pid = rand() % N + 1;

		if (rand() % 3) {
			assert_non_null(rec_proctab_put(t, pid));
			in[pid - 1] = true;
		} else {
			rec_proctab_del(t, pid);
			in[pid - 1] = false;
		}
	}
	for (pid_t pid = 1; pid <= N; pid++)
		assert_int_equal(rec_proctab_get(t, pid) != NULL, in[pid - 1]);
	rec_proctab_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get_del),
		cmocka_unit_test(test_full_evicts_exited_only),
		cmocka_unit_test(test_expire_keeps_recent),
		cmocka_unit_test(test_random_against_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
