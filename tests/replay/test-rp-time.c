/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "replay/rp-time.h"

#define NS 1000000000ull

static uint64_t parse_ok(const char *s, uint64_t now)
{
	uint64_t t = 0;
	size_t col = 0;

	assert_int_equal(rp_time_parse(s, now, &t, &col), 0);
	return t;
}

static size_t parse_bad(const char *s)
{
	uint64_t t = 0;
	size_t col = 0;

	assert_int_equal(rp_time_parse(s, 1000 * NS, &t, &col), -EINVAL);
	return col;
}

static void test_rfc3339(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("1970-01-01T00:00:00Z", 0), 0);
	assert_int_equal(parse_ok("2024-05-01T10:00:00Z", 0), 1714557600ull * NS);
	assert_int_equal(parse_ok("2024-05-01t10:00:00z", 0), 1714557600ull * NS);
	assert_int_equal(parse_ok("2024-05-01 10:00:00Z", 0), 1714557600ull * NS);
	assert_int_equal(parse_ok("2024-05-01T12:00:00+02:00", 0), 1714557600ull * NS);
	assert_int_equal(parse_ok("2024-05-01T09:30:00-00:30", 0), 1714557600ull * NS);
	assert_int_equal(parse_ok("2024-05-01T10:00:00.5Z", 0), 1714557600ull * NS + 500000000);
	assert_int_equal(parse_ok("2024-05-01T10:00:00.000000001Z", 0), 1714557600ull * NS + 1);
	/* Digits past nanoseconds are dropped, not rounded into the seconds. */
	assert_int_equal(parse_ok("2024-05-01T10:00:00.9999999999Z", 0), 1714557600ull * NS + 999999999);
	assert_int_equal(parse_ok("2024-05-01", 0), 1714521600ull * NS);
	assert_int_equal(parse_ok("2000-02-29T00:00:00Z", 0), 951782400ull * NS);
	assert_int_equal(parse_ok("@1714557600.25", 0), 1714557600ull * NS + 250000000);
}

static void test_relative(void **state)
{
	uint64_t now = 1000000 * NS;

	(void)state;
	assert_int_equal(parse_ok("-2h", now), now - 7200 * NS);
	assert_int_equal(parse_ok("-90s", now), now - 90 * NS);
	assert_int_equal(parse_ok("-1d12h", now), now - 129600 * NS);
	assert_int_equal(parse_ok("-500ms", now), now - 500000000);
	assert_int_equal(parse_ok("now", now), now);
	/* Before the epoch clamps to 0. */
	assert_int_equal(parse_ok("-520w", now), 0);
}

static void test_errors(void **state)
{
	(void)state;
	assert_int_equal(parse_bad("2024-13-01"), 6);
	assert_int_equal(parse_bad("2024-05-01T25:00:00Z"), 12);
	assert_int_equal(parse_bad("2024-05-01T10:00:00"), 20);	/* no zone */
	assert_int_equal(parse_bad("2024-05-01T10:00:00Zjunk"), 21);
	assert_int_equal(parse_bad("-2x"), 3);
	assert_int_equal(parse_bad("-"), 2);
	assert_int_equal(parse_bad("-h"), 2);
	assert_true(parse_bad("yesterday") >= 1);
	assert_true(parse_bad("") >= 1);
	assert_true(parse_bad("-99999999999999999999h") >= 1);
	assert_true(parse_bad("@") >= 1);
}

static void test_format(void **state)
{
	char buf[RP_TIME_MAX];

	(void)state;
	assert_string_equal(rp_time_format(0, buf), "1970-01-01T00:00:00.000000000Z");
	assert_string_equal(rp_time_format(1714557600ull * NS + 1, buf), "2024-05-01T10:00:00.000000001Z");
	assert_string_equal(rp_time_format(951782400ull * NS + 86399 * NS + 999999999, buf),
			    "2000-02-29T23:59:59.999999999Z");
	assert_string_equal(rp_time_format(UINT64_MAX, buf), "2554-07-21T23:34:33.709551615Z");
	/* Round trip. */
	for (uint64_t t = 0; t < 4000000000ull * NS; t += 123456789012345677ull) {
		uint64_t back;
		assert_int_equal(rp_time_parse(rp_time_format(t, buf), 0, &back, NULL), 0);
		assert_int_equal(back, t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc3339),
		cmocka_unit_test(test_relative),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
