// SPDX-License-Identifier: Apache-2.0
/* fdr-record options: sizes, durations, command line, config file, and the
 * settings built from them. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "recorder/rec-config.h"

static const struct rec_optdef core[] = {
	{ "dir", "DIR", "", false },
	{ "ring-size", "SIZE", "", false },
	{ "block-size", "SIZE", "", false },
	{ "flush-interval", "SECS", "", false },
	{ "disk-budget", "SIZE", "", false },
	{ "duration", "SECS", "", false },
	{ "sched-priority", "N", "", false },
	{ "no-sync", NULL, "", false },
	{ "config", "FILE", "", false },
	{ "help", NULL, "", false },
	{ "version", NULL, "", false },
	{ NULL, NULL, NULL, false },
};

/* what a source would declare */
static const struct rec_optdef src[] = {
	{ "docker-socket", "PATH", "", false },
	{ "watch", "PATH", "", true },
	{ "file-verbose", NULL, "", false },
	{ NULL, NULL, NULL, false },
};

static const struct rec_optdef *const tables[] = { core, src };
static const struct rec_optset set = { tables, 2 };

static void test_sizes(void **s)
{
	uint64_t v;

	(void)s;
	assert_int_equal(rec_parse_size("4096", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(rec_parse_size("64K", &v), 0);
	assert_int_equal(v, 65536);
	assert_int_equal(rec_parse_size("64M", &v), 0);
	assert_int_equal(v, 64ull << 20);
	assert_int_equal(rec_parse_size("64m", &v), 0);
	assert_int_equal(v, 64ull << 20);
	assert_int_equal(rec_parse_size("1G", &v), 0);
	assert_int_equal(v, 1ull << 30);
	assert_int_equal(rec_parse_size("2T", &v), 0);
	assert_int_equal(v, 2ull << 40);
	assert_int_equal(rec_parse_size("16MiB", &v), 0);
	assert_int_equal(v, 16ull << 20);
	assert_int_equal(rec_parse_size("16MB", &v), 0);
	assert_int_equal(v, 16ull << 20);
	assert_int_equal(rec_parse_size("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(rec_parse_size("", &v), -EINVAL);
	assert_int_equal(rec_parse_size("M", &v), -EINVAL);
	assert_int_equal(rec_parse_size("-1", &v), -EINVAL);
	assert_int_equal(rec_parse_size("1.5G", &v), -EINVAL);
	assert_int_equal(rec_parse_size("64X", &v), -EINVAL);
	assert_int_equal(rec_parse_size("64M ", &v), -EINVAL);
	assert_int_equal(rec_parse_size("64MM", &v), -EINVAL);
	assert_int_equal(rec_parse_size("99999999999999999999", &v), -ERANGE);
	assert_int_equal(rec_parse_size("17179869184T", &v), -ERANGE);
}

static void test_durations(void **s)
{
	uint64_t v;

	(void)s;
	assert_int_equal(rec_parse_duration("1", &v), 0);
	assert_int_equal(v, 1000000000ull);
	assert_int_equal(rec_parse_duration("0.25", &v), 0);
	assert_int_equal(v, 250000000ull);
	assert_int_equal(rec_parse_duration("2.5s", &v), 0);
	assert_int_equal(v, 2500000000ull);
	assert_int_equal(rec_parse_duration("300ms", &v), 0);
	assert_int_equal(v, 300000000ull);
	assert_int_equal(rec_parse_duration(".5", &v), 0);
	assert_int_equal(v, 500000000ull);
	assert_int_equal(rec_parse_duration("1.", &v), -EINVAL);
	assert_int_equal(rec_parse_duration("abc", &v), -EINVAL);
	assert_int_equal(rec_parse_duration("1h", &v), -EINVAL);
	assert_int_equal(rec_parse_duration("-1", &v), -EINVAL);
	assert_int_equal(rec_parse_duration("99999999999", &v), -ERANGE);
}

static void test_cli(void **s)
{
	const char *argv[] = { "fdr-record", "-d", "/tmp/x", "--ring-size=64M", "--watch", "/etc",
			 "--watch", "/usr", "--file-verbose", "--docker-socket", "/run/d.sock",
			 "--ring-size", "32M", NULL };
	struct rec_opts o = REC_OPTS_INIT;
	char err[256];

	(void)s;
	assert_int_equal(rec_cli_parse(&o, &set, 13, argv, err, sizeof(err)), 0);
	assert_string_equal(rec_opts_get(&o, "dir", 0), "/tmp/x");
	assert_string_equal(rec_opts_get(&o, "ring-size", 0), "32M");	/* last wins */
	assert_null(rec_opts_get(&o, "ring-size", 1));
	assert_string_equal(rec_opts_get(&o, "watch", 0), "/etc");
	assert_string_equal(rec_opts_get(&o, "watch", 1), "/usr");
	assert_null(rec_opts_get(&o, "watch", 2));
	assert_string_equal(rec_opts_get(&o, "file-verbose", 0), "1");
	assert_string_equal(rec_opts_get(&o, "docker-socket", 0), "/run/d.sock");
	assert_null(rec_opts_get(&o, "duration", 0));
	rec_opts_release(&o);
}

static void expect_cli_error(int argc, const char **argv, const char *needle)
{
	struct rec_opts o = REC_OPTS_INIT;
	char err[256] = "";

	assert_int_equal(rec_cli_parse(&o, &set, argc, argv, err, sizeof(err)), -EINVAL);
	if (!strstr(err, needle))
		fail_msg("error '%s' does not mention '%s'", err, needle);
	rec_opts_release(&o);
}

static void test_cli_errors(void **s)
{
	const char *a1[] = { "fdr-record", "--bogus", NULL };
	const char *a2[] = { "fdr-record", "--ring-size", NULL };
	const char *a3[] = { "fdr-record", "stray", NULL };
	const char *a4[] = { "fdr-record", "--file-verbose=maybe", NULL };
	const char *a5[] = { "fdr-record", "-x", NULL };

	(void)s;
	expect_cli_error(2, a1, "--bogus");
	expect_cli_error(2, a2, "needs a value");
	expect_cli_error(2, a3, "stray");
	expect_cli_error(2, a4, "maybe");
	expect_cli_error(2, a5, "-x");
}

static void test_config_file(void **s)
{
	const char *text =
		"# fdr-record config\n"
		"[recorder]\n"
		"dir = /var/lib/fdr-test\n"
		"  ring-size=8M  \n"
		"; another comment\n"
		"\n"
		"docker-socket = \"/run/docker.sock\"\n"
		"watch = /etc\n"
		"watch = /root\n"
		"file-verbose = yes\n"
		"no-sync = false\r\n"
		"duration = 5";
	struct rec_opts o = REC_OPTS_INIT;
	const char *argv[] = { "fdr-record", "--ring-size", "4M", "--watch", "/tmp", NULL };
	char err[256];

	(void)s;
	/* the command line is parsed first and wins over the file */
	assert_int_equal(rec_cli_parse(&o, &set, 5, argv, err, sizeof(err)), 0);
	assert_int_equal(rec_config_parse(&o, &set, "t.conf", text, strlen(text), err, sizeof(err)), 0);
	assert_string_equal(rec_opts_get(&o, "dir", 0), "/var/lib/fdr-test");
	assert_string_equal(rec_opts_get(&o, "ring-size", 0), "4M");
	assert_string_equal(rec_opts_get(&o, "docker-socket", 0), "/run/docker.sock");
	/* repeatable options add up */
	assert_string_equal(rec_opts_get(&o, "watch", 0), "/tmp");
	assert_string_equal(rec_opts_get(&o, "watch", 1), "/etc");
	assert_string_equal(rec_opts_get(&o, "watch", 2), "/root");
	assert_string_equal(rec_opts_get(&o, "file-verbose", 0), "1");
	assert_string_equal(rec_opts_get(&o, "no-sync", 0), "0");
	assert_string_equal(rec_opts_get(&o, "duration", 0), "5");
	rec_opts_release(&o);
}

static void expect_config_error(const char *text, const char *needle)
{
	struct rec_opts o = REC_OPTS_INIT;
	char err[256] = "";

	assert_int_equal(rec_config_parse(&o, &set, "bad.conf", text, strlen(text), err, sizeof(err)),
			 -EINVAL);
	if (!strstr(err, needle))
		fail_msg("error '%s' does not mention '%s'", err, needle);
	rec_opts_release(&o);
}

static void test_config_errors(void **s)
{
	char big[8000];

	(void)s;
	expect_config_error("dir = /x\nbogus = 1\n", "bad.conf:2: unknown option 'bogus'");
	expect_config_error("just words\n", "bad.conf:1: expected");
	expect_config_error("file-verbose = perhaps\n", "yes or no");
	expect_config_error("config = /etc/other\n", "unknown option 'config'");
	expect_config_error("\x1b[31m = 1\n", "unknown option '?[31m'");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	expect_config_error(big, "too long");
}

static void test_config_load(void **s)
{
	char path[] = "/tmp/test-rec-config-XXXXXX";
	struct rec_opts o = REC_OPTS_INIT;
	char err[256];
	int fd = mkstemp(path);

	(void)s;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "ring-size = 1G\n", 15), 15);
	close(fd);
	assert_int_equal(rec_config_load(&o, &set, path, err, sizeof(err)), 0);
	assert_string_equal(rec_opts_get(&o, "ring-size", 0), "1G");
	unlink(path);
	assert_int_equal(rec_config_load(&o, &set, path, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, path));
	rec_opts_release(&o);
}

static void test_settings(void **s)
{
	const char *ok[] = { "x", "--ring-size", "8M", "--block-size", "128K", "--flush-interval", "0.5",
		       "--disk-budget", "1G", "--duration", "3", "--no-sync", "--sched-priority", "0", NULL };
	const char *bad_ring[] = { "x", "--ring-size", "1K", NULL };
	const char *bad_ratio[] = { "x", "--ring-size", "256K", "--block-size", "128K", NULL };
	const char *bad_budget[] = { "x", "--ring-size", "64M", "--disk-budget", "32M", NULL };
	const char *bad_prio[] = { "x", "--sched-priority", "100", NULL };
	struct { const char **argv; int argc; const char *needle; } bad[] = {
		{ bad_ring, 3, "--ring-size" },
		{ bad_ratio, 5, "4 blocks" },
		{ bad_budget, 5, "--disk-budget" },
		{ bad_prio, 3, "--sched-priority" },
	};
	struct rec_settings st = REC_SETTINGS_INIT;
	struct rec_opts o = REC_OPTS_INIT;
	char err[256];

	(void)s;
	assert_int_equal(st.ring_size, 16u << 20);
	assert_string_equal(st.dir, "/var/lib/fdr");
	assert_int_equal(rec_cli_parse(&o, &set, 14, ok, err, sizeof(err)), 0);
	assert_int_equal(rec_settings_from_opts(&st, &o, err, sizeof(err)), 0);
	assert_int_equal(st.ring_size, 8u << 20);
	assert_int_equal(st.slot_size, 128u << 10);
	assert_int_equal(st.flush_ns, 500000000ull);
	assert_int_equal(st.budget, 1ull << 30);
	assert_int_equal(st.duration_ns, 3000000000ull);
	assert_int_equal(st.sync, FDR_SYNC_NONE);
	assert_int_equal(st.rt_prio, 0);
	rec_opts_release(&o);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct rec_settings st2 = REC_SETTINGS_INIT;

		assert_int_equal(rec_cli_parse(&o, &set, bad[i].argc, bad[i].argv, err, sizeof(err)), 0);
		assert_int_equal(rec_settings_from_opts(&st2, &o, err, sizeof(err)), -EINVAL);
		if (!strstr(err, bad[i].needle))
			fail_msg("error '%s' does not mention '%s'", err, bad[i].needle);
		rec_opts_release(&o);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_cli),
		cmocka_unit_test(test_cli_errors),
		cmocka_unit_test(test_config_file),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_config_load),
		cmocka_unit_test(test_settings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
