/* SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fdr-text.h"

static void check_escaped(const char *in, size_t n, const char *want)
{
	struct fdr_buf b = FDR_BUF_INIT;

	fdr_buf_add_escaped(&b, in, n);
	assert_string_equal(b.p, want);
	fdr_buf_release(&b);
}

static void check_json(const char *in, size_t n, const char *want)
{
	struct fdr_buf b = FDR_BUF_INIT;

	fdr_buf_add_json_str(&b, in, n);
	assert_string_equal(b.p, want);
	fdr_buf_release(&b);
}

static void test_escaped(void **state)
{
	(void)state;
	check_escaped("plain /bin/sh", 13, "plain /bin/sh");
	check_escaped("\x1b[2J\x07", 5, "\\x1b[2J\\x07");
	check_escaped("a\\b\nc\td", 7, "a\\\\b\\nc\\td");
	check_escaped("caf\xc3\xa9", 5, "caf\xc3\xa9");
	check_escaped("\xff\xfe", 2, "\\xff\\xfe");
	check_escaped("nul\0x", 5, "nul\\x00x");
	/* C1 CSI (U+009B) and a bidi override are shown, not obeyed. */
	check_escaped("\xc2\x9b" "1m", 4, "\\u{9b}1m");
	check_escaped("\xe2\x80\xae", 3, "\\u{202e}");
	/* overlong '/' and a surrogate are invalid UTF-8 */
	check_escaped("\xc0\xaf", 2, "\\xc0\\xaf");
	check_escaped("\xed\xa0\x80", 3, "\\xed\\xa0\\x80");
	check_escaped("\xe2\x82", 2, "\\xe2\\x82");
}

static void test_json(void **state)
{
	(void)state;
	check_json("", 0, "\"\"");
	check_json("say \"hi\"\\", 9, "\"say \\\"hi\\\"\\\\\"");
	check_json("\x01\n\x7f", 3, "\"\\u0001\\n\\u007f\"");
	check_json("\xc3\xa9\xff", 3, "\"\xc3\xa9\\udcff\"");
	check_json("\xe2\x80\xa8", 3, "\"\\u2028\"");
}

static void test_buf(void **state)
{
	struct fdr_buf b = FDR_BUF_INIT;
	size_t len;
	char *s;

	(void)state;
	for (int i = 0; i < 1000; i++)
		fdr_buf_addf(&b, "%d,", i);
	assert_int_equal(strlen(b.p), b.len);
	assert_memory_equal(b.p, "0,1,2,", 6);
	fdr_buf_reset(&b);
	assert_int_equal(b.len, 0);
	fdr_buf_adds(&b, "x");
	s = fdr_buf_detach(&b, &len);
	assert_string_equal(s, "x");
	assert_int_equal(len, 1);
	assert_null(b.p);
	free(s);
	fdr_buf_release(&b);
	/* Adding nothing to an empty buffer still gives an empty C string. */
	fdr_buf_add_escaped(&b, "", 0);
	assert_non_null(b.p);
	assert_string_equal(b.p, "");
	fdr_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escaped),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_buf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
