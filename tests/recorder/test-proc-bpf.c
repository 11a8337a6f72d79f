// SPDX-License-Identifier: Apache-2.0
/*
 * Decoder of the BPF process records (recorder/proc-bpf-decode.c): records
 * built here byte by byte as recorder/bpf/proc.bpf.c writes them (the
 * program itself runs in the script tests of tests/recorder), then damaged.
 */
#include <errno.h>
#include <linux/types.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "recorder/bpf/proc-bpf-rec.h"
#include "recorder/proc-bpf.h"

#define ID "4f1c2a9b7e3d5a6b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b"

struct builder {
	unsigned char b[PBPF_AREA + 512];
	size_t len;
};

static struct proc_bpf_rec rec;

static void b_hdr(struct builder *b, unsigned type)
{
	struct pbpf_hdr h;

	memset(&h, 0, sizeof(h));
	h.type = (__u8)type;
	h.hdr_size = sizeof(h);
	h.time_ns = 1234;
	h.pid = h.tgid = 100;
	h.ppid = 99;
	h.uid = 1000;
	h.gid = 1001;
	h.euid = 0;
	h.loginuid = 1000;
	h.sessionid = 7;
	memcpy(h.comm, "true", 5);
	memcpy(b->b, &h, sizeof(h));
	b->len = sizeof(h);
}

static struct pbpf_hdr *hdr(struct builder *b)
{
	return (struct pbpf_hdr *)b->b;
}

static void b_argv(struct builder *b, const char *args, size_t n)
{
	memcpy(b->b + b->len, args, n);
	b->len += n;
	hdr(b)->argv_len = (__u32)n;
}

static void b_item(struct builder *b, unsigned kind, const void *p, size_t n)
{
	b->b[b->len] = (unsigned char)kind;
	b->b[b->len + 1] = (unsigned char)(n & 0xff);
	b->b[b->len + 2] = (unsigned char)(n >> 8);
	memcpy(b->b + b->len + 3, p, n);
	b->len += 3 + n;
}

/* a component as the kernel writes it: with its NUL */
static void b_comp(struct builder *b, unsigned kind, const char *s)
{
	b_item(b, kind, s, strlen(s) + 1);
}

static void b_hier(struct builder *b, uint32_t id)
{
	b_item(b, PBPF_I_CG, &id, 4);
}

static int b_decode(struct builder *b)
{
	hdr(b)->size = (__u32)b->len;
	return proc_bpf_decode(b->b, b->len, &rec);
}

/* An exec in a v1 docker cgroup (hierarchy 4) and a v2 systemd path (0). */
static void build_exec(struct builder *b)
{
	static const char args[] = "/bin/true\0st-1-17\0";

	b_hdr(b, PBPF_EXEC);
	b_argv(b, args, sizeof(args) - 1);
	b_comp(b, PBPF_I_EXE, "true");
	b_comp(b, PBPF_I_EXE, "bin");
	b_comp(b, PBPF_I_EXE, "usr");
	b_comp(b, PBPF_I_CWD, "work");
	b_comp(b, PBPF_I_CWD, "tmp");
	b_hier(b, 0);
	b_comp(b, PBPF_I_CG_NAME, "user.slice");
	b_hier(b, 4);
	b_comp(b, PBPF_I_CG_NAME, ID);
	b_comp(b, PBPF_I_CG_NAME, "docker");
}

static void test_exec(void **unused)
{
	static struct builder b;

	(void)unused;
	build_exec(&b);
	assert_int_equal(b_decode(&b), 0);
	assert_int_equal(rec.type, PROC_BPF_EXEC);
	assert_int_equal(rec.tgid, 100);
	assert_int_equal(rec.ppid, 99);
	assert_int_equal(rec.uid, 1000);
	assert_int_equal(rec.loginuid, 1000);
	assert_int_equal(rec.sessionid, 7);
	assert_string_equal(rec.comm, "true");
	assert_true(rec.has_argv && rec.has_exe && rec.has_cwd && rec.has_cg);
	assert_int_equal(rec.argc, 2);
	assert_int_equal(rec.argv[0].len, 9);
	assert_memory_equal(rec.argv[0].p, "/bin/true", 9);
	assert_int_equal(rec.argv[1].len, 7);
	assert_memory_equal(rec.argv[1].p, "st-1-17", 7);
	assert_string_equal(rec.exe, "/usr/bin/true");
	assert_string_equal(rec.cwd, "/tmp/work");
	assert_string_equal(rec.cg.id, ID);
	assert_string_equal(rec.cg.runtime, "docker");
	assert_string_equal(rec.cgroup, "/docker/" ID);
}

/* Hierarchies are tried as /proc/<pid>/cgroup lists them: highest id
 * first, so a container named in two hierarchies is the higher one's. */
static void test_cgroup_order(void **unused)
{
	static struct builder b;
	static const char other[] =
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

	(void)unused;
	b_hdr(&b, PBPF_EXEC);
	b_argv(&b, "sh", 3);
	b_comp(&b, PBPF_I_EXE, "sh");
	b_hier(&b, 0);
	b_comp(&b, PBPF_I_CG_NAME, "cri-containerd-" ID ".scope");
	b_hier(&b, 9);
	b_comp(&b, PBPF_I_CG_NAME, other);
	b_comp(&b, PBPF_I_CG_NAME, "docker");
	assert_int_equal(b_decode(&b), 0);
	assert_string_equal(rec.cg.id, other);

	/* no hierarchy below its root: the host, known for sure */
	b_hdr(&b, PBPF_EXEC);
	b_argv(&b, "sh", 3);
	assert_int_equal(b_decode(&b), 0);
	assert_true(rec.has_cg);
	assert_string_equal(rec.cg.id, "");
	assert_false(rec.has_exe);	/* no exe component at all */
	assert_string_equal(rec.cwd, "/");

	/* nothing of an earlier record stays (argc lives past the buffers) */
	b_hdr(&b, PBPF_EXEC);
	hdr(&b)->flags = PBPF_F_NO_ARGV;
	assert_int_equal(b_decode(&b), 0);
	assert_int_equal(rec.argc, 0);

	/* the program could not read the cgroups: unknown, not the host */
	b_hdr(&b, PBPF_EXEC);
	hdr(&b)->flags = PBPF_F_NO_CG | PBPF_F_NO_ARGV;
	assert_int_equal(b_decode(&b), 0);
	assert_false(rec.has_cg);
	assert_false(rec.has_argv);
}

static void test_fork_exit(void **unused)
{
	static struct builder b;

	(void)unused;
	b_hdr(&b, PBPF_FORK);
	hdr(&b)->aux = 200;
	hdr(&b)->aux2 = 200;
	assert_int_equal(b_decode(&b), 0);
	assert_int_equal(rec.type, PROC_BPF_FORK);
	assert_int_equal(rec.tgid, 100);
	assert_int_equal(rec.child_tgid, 200);

	b_hdr(&b, PBPF_EXIT);
	hdr(&b)->aux = 7 << 8;
	assert_int_equal(b_decode(&b), 0);
	assert_int_equal(rec.type, PROC_BPF_EXIT);
	assert_int_equal(rec.exit_status, 7 << 8);

	b_hdr(&b, 77);
	assert_int_equal(b_decode(&b), -EINVAL);
}

/* Sizes that do not add up are refused; unknown items are skipped. */
static void test_malformed(void **unused)
{
	static struct builder b;
	size_t full;

	(void)unused;
	build_exec(&b);
	full = b.len;
	assert_int_equal(b_decode(&b), 0);
	/* size field differs from the record's length */
	hdr(&b)->size = (__u32)full + 1;
	assert_int_equal(proc_bpf_decode(b.b, full, &rec), -EINVAL);
	/* every cut of the record */
	for (size_t n = 0; n < full; n++) {
		hdr(&b)->size = (__u32)n;
		int r = proc_bpf_decode(b.b, n, &rec);

		assert_true(r == 0 || r == -EINVAL);
		if (n < sizeof(struct pbpf_hdr) + 18)
			assert_int_equal(r, -EINVAL);
	}
	/* argv longer than the record */
	build_exec(&b);
	hdr(&b)->argv_len = (__u32)b.len;
	assert_int_equal(b_decode(&b), -EINVAL);
	/* an item longer than what is left */
	build_exec(&b);
	b.b[b.len - 8] = 0xff;	/* high byte of the length of "docker" */
	assert_int_equal(b_decode(&b), -EINVAL);
	/* header larger than the record */
	build_exec(&b);
	hdr(&b)->hdr_size = 0xffff;
	assert_int_equal(b_decode(&b), -EINVAL);
	/* an unknown item kind, and a component without its NUL */
	build_exec(&b);
	b_item(&b, 99, "zz", 2);
	b_item(&b, PBPF_I_CWD, "x", 1);
	assert_int_equal(b_decode(&b), 0);
	assert_string_equal(rec.cwd, "/x/tmp/work");
	/* argv without a final NUL: the last argument runs to the end */
	b_hdr(&b, PBPF_EXEC);
	b_argv(&b, "a\0bc", 4);
	assert_int_equal(b_decode(&b), 0);
	assert_int_equal(rec.argc, 2);
	assert_int_equal(rec.argv[1].len, 2);
}

/* Too many components: the path is not made up, it is absent. */
static void test_deep_path(void **unused)
{
	static struct builder b;

	(void)unused;
	b_hdr(&b, PBPF_EXEC);
	b_argv(&b, "x", 2);
	for (int i = 0; i < 100; i++)
		b_comp(&b, PBPF_I_EXE, "d");
	assert_int_equal(b_decode(&b), 0);
	assert_false(rec.has_exe);
	assert_string_equal(rec.exe, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec),
		cmocka_unit_test(test_cgroup_order),
		cmocka_unit_test(test_fork_exit),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_deep_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
