// SPDX-License-Identifier: Apache-2.0
/* Audit record parsing: header, key=value fields, the kernel's encoding of
 * untrusted strings, EXECVE arguments (quoted, hex, chunked), bad input.
 * Records are built as the kernel sends them (netlink header, unpadded). */
#include <errno.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "recorder/rec-audit.h"

static size_t dgram(char *buf, size_t size, uint16_t type, const char *text)
{
	struct nlmsghdr nh = { 0 };
	size_t n = strlen(text);

	assert_true(NLMSG_HDRLEN + n <= size);
	nh.nlmsg_len = (uint32_t)(NLMSG_HDRLEN + n);
	nh.nlmsg_type = type;
	memcpy(buf, &nh, sizeof(nh));
	memcpy(buf + NLMSG_HDRLEN, text, n);
	return NLMSG_HDRLEN + n;
}

static void test_syscall_record(void **s)
{
	char buf[4096], out[256];
	struct rec_audit_rec r;
	uint64_t v;
	size_t n = dgram(buf, sizeof(buf), AUDIT_SYSCALL,
		"audit(1795625236.795:1716): arch=c000003e syscall=59 success=yes exit=0 "
		"a0=5618d21e5790 items=2 ppid=21284 pid=25492 auid=4294967295 uid=0 tty=(none) "
		"ses=4294967295 comm=\"true\" exe=\"/usr/bin/true\" key=\"fdr-exec\"");

	(void)s;
	assert_int_equal(rec_audit_parse(buf, n, &r), 0);
	assert_int_equal(r.type, AUDIT_SYSCALL);
	assert_int_equal(r.serial, 1716);
	assert_int_equal(r.time_ns, 1795625236795000000ull);
	assert_int_equal(rec_audit_u64(&r, "syscall", &v), 0);
	assert_int_equal(v, 59);
	assert_int_equal(rec_audit_u64(&r, "pid", &v), 0);
	assert_int_equal(v, 25492);
	assert_int_equal(rec_audit_u64(&r, "auid", &v), 0);
	assert_int_equal(v, 4294967295u);
	assert_int_equal(rec_audit_str(&r, "exe", out, sizeof(out)), 13);
	assert_string_equal(out, "/usr/bin/true");
	assert_int_equal(rec_audit_str(&r, "tty", out, sizeof(out)), 6);
	assert_string_equal(out, "(none)");
	assert_int_equal(rec_audit_str(&r, "nosuch", out, sizeof(out)), -ENOENT);
	assert_int_equal(rec_audit_u64(&r, "arch", &v), -EINVAL);	/* hex, not decimal */
	/* "a0" must not match inside "ppid=" or "a0=" prefixes of other keys */
	assert_int_equal(rec_audit_u64(&r, "id", &v), -ENOENT);
}

static void test_hex_encoded_and_truncated(void **s)
{
	char buf[4096], out[8];
	struct rec_audit_rec r;
	/* an exe with a space is logged in hex */
	size_t n = dgram(buf, sizeof(buf), AUDIT_SYSCALL,
			 "audit(1.5:2): exe=2F746D702F612062 comm=\"x\"");

	(void)s;
	assert_int_equal(rec_audit_parse(buf, n, &r), 0);
	assert_int_equal(r.time_ns, 1500000000ull);
	/* "/tmp/a b" truncated to the 8-byte buffer */
	assert_int_equal(rec_audit_str(&r, "exe", out, sizeof(out)), 7);
	assert_string_equal(out, "/tmp/a ");
}

static void test_unhex(void **s)
{
	char out[8];

	(void)s;
	assert_int_equal(rec_audit_unhex("2F62696E", 8, out, sizeof(out)), 4);
	assert_memory_equal(out, "/bin", 4);
	assert_int_equal(rec_audit_unhex("0a1B", 4, out, sizeof(out)), 2);
	assert_memory_equal(out, "\n\x1b", 2);
	/* truncated to the room there is */
	assert_int_equal(rec_audit_unhex("41424344", 8, out, 3), 3);
	assert_memory_equal(out, "ABC", 3);
	/* not hex: empty, odd, a non-hex byte */
	assert_int_equal(rec_audit_unhex("", 0, out, sizeof(out)), -EINVAL);
	assert_int_equal(rec_audit_unhex("414", 3, out, sizeof(out)), -EINVAL);
	assert_int_equal(rec_audit_unhex("41G2", 4, out, sizeof(out)), -EINVAL);
}

static void test_execve_args(void **s)
{
	char buf[4096], args[64];
	struct rec_audit_rec r;
	size_t used = 0, n;

	(void)s;
	n = dgram(buf, sizeof(buf), AUDIT_EXECVE,
		  "audit(10.000:7): argc=4 a0=\"/bin/sh\" a1=\"-c\" a2=65786974203720262026 a3=\"\"");
	assert_int_equal(rec_audit_parse(buf, n, &r), 0);
	assert_int_equal(rec_audit_execve_args(&r, args, sizeof(args), &used), 4);
	assert_int_equal(used, 8 + 3 + 11 + 1);
	assert_memory_equal(args, "/bin/sh\0-c\0exit 7 & &\0\0", used);
}

static void test_execve_chunked_across_records(void **s)
{
	char buf[4096], args[64];
	struct rec_audit_rec r;
	size_t used = 0, n;

	(void)s;
	n = dgram(buf, sizeof(buf), AUDIT_EXECVE,
		  "audit(10.000:8): argc=2 a0=\"prog\" a1_len=6 a1[0]=616263");
	assert_int_equal(rec_audit_parse(buf, n, &r), 0);
	assert_int_equal(rec_audit_execve_args(&r, args, sizeof(args), &used), 2);
	n = dgram(buf, sizeof(buf), AUDIT_EXECVE, "audit(10.000:8): a1[1]=646566");
	assert_int_equal(rec_audit_parse(buf, n, &r), 0);
	assert_int_equal(rec_audit_execve_args(&r, args, sizeof(args), &used), 0);
	assert_int_equal(used, 5 + 7);
	assert_memory_equal(args, "prog\0abcdef\0", used);
}

static void test_execve_buffer_full(void **s)
{
	char buf[4096], args[8];
	struct rec_audit_rec r;
	size_t used = 0, n = dgram(buf, sizeof(buf), AUDIT_EXECVE,
				   "audit(1.0:1): argc=3 a0=\"aaaa\" a1=\"bbbb\" a2=\"cccc\"");

	(void)s;
	assert_int_equal(rec_audit_parse(buf, n, &r), 0);
	assert_int_equal(rec_audit_execve_args(&r, args, sizeof(args), &used), -ENOSPC);
	assert_true(used <= sizeof(args));
	assert_memory_equal(args, "aaaa\0", 5);
}

static void test_bad_records(void **s)
{
	static const char *const bad[] = {
		"", "audit(", "audit(1.2:3)", "audit(x.2:3): a=b", "audit(1:3): a=b",
		"audit(1.2-3): a=b", "auditx(1.2:3): a=b", "audit(1.2:3) a=b",
		"audit(99999999999999999999999.2:3): a=b",
	};
	char buf[4096];
	struct rec_audit_rec r;

	(void)s;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t n = dgram(buf, sizeof(buf), AUDIT_SYSCALL, bad[i]);

		if (rec_audit_parse(buf, n, &r) == 0)
			fail_msg("accepted '%s'", bad[i]);
	}
	/* shorter than a netlink header; nlmsg_len beyond what was received */
	assert_int_equal(rec_audit_parse(buf, 3, &r), -EINVAL);
	{
		size_t n = dgram(buf, sizeof(buf), AUDIT_CWD, "audit(1.2:3): cwd=\"/x\"");
		struct nlmsghdr nh;
		char out[16];

		memcpy(&nh, buf, sizeof(nh));
		nh.nlmsg_len = 60000;
		memcpy(buf, &nh, sizeof(nh));
		assert_int_equal(rec_audit_parse(buf, n, &r), 0);
		assert_int_equal(rec_audit_str(&r, "cwd", out, sizeof(out)), 2);
		/* an unterminated quote runs to the end, never beyond */
		n = dgram(buf, sizeof(buf), AUDIT_CWD, "audit(1.2:3): cwd=\"/x");
		assert_int_equal(rec_audit_parse(buf, n, &r), 0);
		assert_true(rec_audit_str(&r, "cwd", out, sizeof(out)) >= 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syscall_record),
		cmocka_unit_test(test_hex_encoded_and_truncated),
		cmocka_unit_test(test_unhex),
		cmocka_unit_test(test_execve_args),
		cmocka_unit_test(test_execve_chunked_across_records),
		cmocka_unit_test(test_execve_buffer_full),
		cmocka_unit_test(test_bad_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
