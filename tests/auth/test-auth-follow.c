/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of recorder/auth-follow.h on real files in a temporary
 * directory: appends, partial lines, rotation by rename (with lines written
 * to the old file after the rename), copytruncate, a file that appears
 * later, sudo's wrapped entries and over-long lines.
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
#include <unistd.h>

#include <cmocka.h>

#include "recorder/auth-follow.h"
#include "recorder/auth-parse.h"

struct got {
	unsigned n;
	char line[64][512];
	size_t len[64];
	size_t longest;
};

static void collect(void *arg, const char *p, size_t n)
{
	struct got *g = arg;

	if (n > g->longest)
		g->longest = n;
	assert_true(g->n < 64);
	g->len[g->n] = n;
	memcpy(g->line[g->n], p, n < 511 ? n : 511);
	g->line[g->n][n < 511 ? n : 511] = 0;
	g->n++;
}

static char dir[256];
static char path[300];

static int setup(void **s)
{
	(void)s;
	snprintf(dir, sizeof(dir), "/tmp/fdr-follow-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/auth.log", dir);
	return 0;
}

static int teardown(void **s)
{
	char cmd[400];

	(void)s;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void append(const char *p, const char *text)
{
	int fd = open(p, O_WRONLY | O_APPEND | O_CREAT, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void test_append_partial(void **s)
{
	struct auth_follow *f;
	struct got g = { 0 };

	(void)s;
	append(path, "old line before we start\n");
	assert_int_equal(auth_follow_open(path, false, false, &f), 0);
	assert_int_equal(auth_follow_poll(f, collect, &g), 0);	/* only what comes after */
	append(path, "one\ntw");
	assert_int_equal(auth_follow_poll(f, collect, &g), 1);
	assert_string_equal(g.line[0], "one");
	append(path, "o\r\nthree\n");
	assert_int_equal(auth_follow_poll(f, collect, &g), 2);
	assert_string_equal(g.line[1], "two\r");	/* CR kept: the decoders drop it */
	assert_string_equal(g.line[2], "three");
	assert_int_equal(auth_follow_poll(f, collect, &g), 0);
	auth_follow_close(f);
	/* from the start this time */
	g.n = 0;
	assert_int_equal(auth_follow_open(path, true, false, &f), 0);
	assert_int_equal(auth_follow_poll(f, collect, &g), 4);
	assert_string_equal(g.line[0], "old line before we start");
	auth_follow_close(f);
}

/* logrotate's default: rename, then create; the writer still has the old
 * file open and writes once more before it reopens. */
static void test_rotate(void **s)
{
	struct auth_follow *f;
	struct got g = { 0 };
	char old[320];
	unsigned i;

	(void)s;
	snprintf(old, sizeof(old), "%s.1", path);
	append(path, "");
	assert_int_equal(auth_follow_open(path, false, false, &f), 0);
	append(path, "a1\na2\n");
	assert_int_equal(auth_follow_poll(f, collect, &g), 2);
	append(path, "a3\n");
	assert_int_equal(rename(path, old), 0);
	append(old, "a4 late write to the old file\na5 unterminated");
	append(path, "b1\n");
	assert_int_equal(auth_follow_poll(f, collect, &g), 4);
	assert_int_equal(auth_follow_rotations(f), 1);
	append(path, "b2\n");
	assert_int_equal(auth_follow_poll(f, collect, &g), 1);
	{
		static const char *const want[] = { "a1", "a2", "a3", "a4 late write to the old file",
						    "a5 unterminated", "b1", "b2" };

		assert_int_equal(g.n, 7);
		for (i = 0; i < 7; i++)
			assert_string_equal(g.line[i], want[i]);
	}
	/* rotated away and not yet recreated: nothing lost, nothing repeated */
	assert_int_equal(rename(path, old), 0);
	assert_int_equal(auth_follow_poll(f, collect, &g), 0);
	append(path, "c1\n");
	assert_int_equal(auth_follow_poll(f, collect, &g), 1);
	assert_string_equal(g.line[7], "c1");
	assert_int_equal(auth_follow_rotations(f), 2);
	auth_follow_close(f);
}

static void test_truncate(void **s)
{
	struct auth_follow *f;
	struct got g = { 0 };

	(void)s;
	append(path, "");
	assert_int_equal(auth_follow_open(path, false, false, &f), 0);
	append(path, "x1 a long first line\nx2 partial");
	assert_int_equal(auth_follow_poll(f, collect, &g), 1);
	assert_int_equal(truncate(path, 0), 0);	/* copytruncate */
	append(path, "y1\n");
	assert_int_equal(auth_follow_poll(f, collect, &g), 1);
	assert_string_equal(g.line[1], "y1");
	assert_int_equal(auth_follow_truncations(f), 1);
	assert_int_equal(auth_follow_dropped(f), strlen("x2 partial"));
	auth_follow_close(f);
}

static void test_appears_later(void **s)
{
	struct auth_follow *f;
	struct got g = { 0 };

	(void)s;
	assert_int_equal(auth_follow_open(path, false, false, &f), 0);
	assert_false(auth_follow_is_open(f));
	assert_int_equal(auth_follow_poll(f, collect, &g), 0);
	append(path, "first\n");	/* a new file: read from its start */
	assert_int_equal(auth_follow_poll(f, collect, &g), 1);
	assert_true(auth_follow_is_open(f));
	assert_string_equal(g.line[0], "first");
	auth_follow_close(f);
}

/* sudo's logfile wraps entries; joined lines decode as one entry. */
static void test_join(void **s)
{
	struct auth_follow *f;
	struct got g = { 0 };
	struct auth_ev e;

	(void)s;
	append(path, "");
	assert_int_equal(auth_follow_open(path, false, true, &f), 0);
	append(path, "Nov 23 02:43:34 : fruser : 1 incorrect password attempt ; PWD=/tmp/probe2 ;\n"
		     "    USER=root ; COMMAND=/usr/bin/whoami\n"
		     "Nov 23 02:43:36 : fruser : PWD=/tmp/probe2 ; USER=root ; COMMAND=/usr/bin/whoami\n");
	assert_int_equal(auth_follow_poll(f, collect, &g), 2);
	assert_string_equal(g.line[0], "Nov 23 02:43:34 : fruser : 1 incorrect password attempt ; "
			    "PWD=/tmp/probe2 ; USER=root ; COMMAND=/usr/bin/whoami");
	assert_int_equal(auth_line_event(g.line[0], g.len[0], 1795608000000000000ull, &e), 1);
	assert_int_equal(e.ev.kind, FDR_SUDO_CMD);
	assert_true(fdr_str_eq(fdr_event_str(&e.ev, FDR_F_RESULT), "denied"));
	assert_true(fdr_str_eq(fdr_event_str(&e.ev, FDR_F_RUNAS), "root"));
	auth_follow_close(f);
}

static void test_long_line(void **s)
{
	struct auth_follow *f;
	struct got g = { 0 };
	size_t big = AUTH_LINE_MAX + 1000;
	char *p = malloc(big + 2);

	(void)s;
	memset(p, 'z', big);
	p[big] = '\n';
	p[big + 1] = 0;
	append(path, "");
	assert_int_equal(auth_follow_open(path, false, false, &f), 0);
	append(path, p);
	append(path, "after\n");
	assert_int_equal(auth_follow_poll(f, collect, &g), 2);
	assert_int_equal(g.len[0], AUTH_LINE_MAX);
	assert_string_equal(g.line[1], "after");
	assert_int_equal(auth_follow_dropped(f), 1000);
	auth_follow_close(f);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_append_partial, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_appears_later, setup, teardown),
		cmocka_unit_test_setup_teardown(test_join, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_line, setup, teardown),
	};

	setenv("TZ", "UTC", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
