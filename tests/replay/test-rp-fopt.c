/* SPDX-License-Identifier: Apache-2.0 */
/* rp-fopt: the filter options shared by the replay commands. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "replay/rp-fopt.h"

#define NS 1000000000ull

static int apply(struct rp_fopt *st, struct rp_filter *f, int opt, const char *arg,
		 struct rp_error *err, const char **what)
{
	return rp_fopt_apply(st, f, opt, arg, 1000 * NS, err, what);
}

static void test_time_and_kind(void **state)
{
	struct rp_fopt st = RP_FOPT_INIT;
	struct rp_error err = RP_ERROR_INIT;
	struct rp_filter *f;
	const char *what = NULL;
	uint64_t since, until;

	(void)state;
	assert_int_equal(rp_filter_new(&f), 0);
	assert_int_equal(apply(&st, f, RP_FOPT_SINCE, "-100s", &err, &what), 1);
	assert_int_equal(apply(&st, f, RP_FOPT_UNTIL, "1970-01-01T00:15:00Z", &err, &what), 1);
	rp_filter_range(f, &since, &until);
	assert_int_equal(since, 900 * NS);
	assert_int_equal(until, 900 * NS);
	assert_int_equal(apply(&st, f, RP_FOPT_KIND, "proc.exec", &err, &what), 1);
	assert_int_equal(rp_filter_kinds(f), 1ull << FDR_PROC_EXEC);
	assert_int_equal(apply(&st, f, RP_FOPT_SINCE, "yesterday", &err, &what), -1);
	assert_string_equal(what, "--since");
	assert_int_equal(err.col, 1);
	assert_int_equal(apply(&st, f, 'e', "kind ==", &err, &what), -1);
	assert_string_equal(what, "filter expression");
	assert_true(err.col > 0);
	/* Not a filter option: left to the command. */
	assert_int_equal(apply(&st, f, 'o', "x", &err, &what), 0);
	rp_filter_free(f);
}

static void test_pid(void **state)
{
	struct rp_fopt st = RP_FOPT_INIT;
	struct rp_error err = RP_ERROR_INIT;
	struct rp_filter *f;
	const char *what = NULL;

	(void)state;
	assert_int_equal(rp_filter_new(&f), 0);
	assert_int_equal(apply(&st, f, RP_FOPT_DESC, NULL, &err, &what), 1);
	assert_int_equal(rp_fopt_finish(&st, f, &err), -1);
	assert_non_null(strstr(err.msg, "--descendants needs --pid"));
	assert_int_equal(apply(&st, f, RP_FOPT_PID, "12x", &err, &what), -1);
	assert_string_equal(what, "--pid");
	assert_int_equal(apply(&st, f, RP_FOPT_PID, "-1", &err, &what), -1);
	assert_int_equal(apply(&st, f, RP_FOPT_PID, "4294967296", &err, &what), -1);
	assert_int_equal(apply(&st, f, RP_FOPT_PID, "42", &err, &what), 1);
	assert_int_equal(rp_fopt_finish(&st, f, &err), 0);
	assert_true(rp_filter_tracks_pids(f));
	rp_filter_free(f);
}

static void test_format_error(void **state)
{
	struct rp_error err = { 3, "bad\x1b[2J" };
	struct fdr_buf b = FDR_BUF_INIT;

	(void)state;
	rp_fopt_format_error(&b, "--since", "ab\x07" "c", &err);
	/* Escaped (no raw ESC or BEL), with a caret under column 3. */
	assert_null(memchr(b.p, 0x1b, b.len));
	assert_null(memchr(b.p, 0x07, b.len));
	assert_non_null(strstr(b.p, "bad --since at column 3: "));
	assert_non_null(strstr(b.p, "\n    ^"));
	fdr_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_and_kind),
		cmocka_unit_test(test_pid),
		cmocka_unit_test(test_format_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
