/* SPDX-License-Identifier: Apache-2.0 */
/* Output formats on in-memory events: exact JSON lines (DESIGN.md names),
 * escaping of hostile strings, CSV quoting, Timesketch fields. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "replay/rp-output.h"

#define T 1714557600000000001ull	/* 2024-05-01T10:00:00.000000001Z */

static struct fdr_ring_meta meta;
static struct rp_ring web = { .meta = &meta, .host = "web01", .container = "3f2a9c1e5b7d4f60",
			      .name = "web", .image = "nginx:1.25", .index = 0 };
static struct rp_ring host = { .meta = &meta, .host = "web01", .container = "host", .name = "",
			       .image = "", .index = 1, .is_host = true };

static void check(void (*fn)(struct fdr_buf *, const struct rp_ring *, const struct fdr_event *),
		  const struct rp_ring *r, const struct fdr_event *ev, const char *want)
{
	struct fdr_buf b = FDR_BUF_INIT;

	fn(&b, r, ev);
	if (strcmp(b.p, want)) {
		print_error("got  %s\nwant %s\n", b.p, want);
		fail();
	}
	fdr_buf_release(&b);
}

static void test_json_exec(void **state)
{
	struct fdr_event ev;
	struct fdr_str argv[3] = { fdr_str_c("curl"), fdr_str_c("-o"), fdr_str_c("/tmp/x") };

	(void)state;
	fdr_event_init(&ev, FDR_PROC_EXEC, T);
	fdr_event_set_u(&ev, FDR_F_PID, 4101);
	fdr_event_set_u(&ev, FDR_F_PPID, 4100);
	fdr_event_set_cstr(&ev, FDR_F_EXE, "/usr/bin/curl");
	fdr_event_set_cstr(&ev, FDR_F_COMM, "curl");
	fdr_event_set_strv(&ev, FDR_F_ARGV, argv, 3);
	fdr_event_set_cstr(&ev, FDR_F_CWD, "/");
	fdr_event_set_u(&ev, FDR_F_UID, 0);
	ev.flags = FDR_EVF_PARTIAL;
	check(rp_out_json, &web, &ev,
	      "{\"time\":\"2024-05-01T10:00:00.000000001Z\",\"host\":\"web01\",\"container\":\"3f2a9c1e5b7d4f60\","
	      "\"container_name\":\"web\",\"image\":\"nginx:1.25\",\"kind\":\"proc.exec\",\"pid\":4101,"
	      "\"ppid\":4100,\"exe\":\"/usr/bin/curl\",\"comm\":\"curl\",\"argv\":[\"curl\",\"-o\",\"/tmp/x\"],"
	      "\"cwd\":\"/\",\"uid\":0,\"partial\":true}\n");
	check(rp_out_human, &web, &ev,
	      "2024-05-01T10:00:00.000000001Z web01 web proc.exec pid=4101 ppid=4100 /usr/bin/curl: curl -o /tmp/x "
	      "comm=curl cwd=/ uid=0 (partial)\n");
}

static void test_json_kinds(void **state)
{
	struct fdr_event ev;
	struct fdr_addr a, b;

	(void)state;
	fdr_event_init(&ev, FDR_DOCKER, T);
	fdr_event_set_cstr(&ev, FDR_F_ACTION, "exec_start");
	fdr_event_set_cstr(&ev, FDR_F_IMAGE, "redis:7");
	fdr_event_set_cstr(&ev, FDR_F_NAME, "cache");
	fdr_event_set_i(&ev, FDR_F_EXIT_CODE, -1);
	/* The event's image wins over the ring's: no duplicate keys. */
	check(rp_out_json, &web, &ev,
	      "{\"time\":\"2024-05-01T10:00:00.000000001Z\",\"host\":\"web01\",\"container\":\"3f2a9c1e5b7d4f60\","
	      "\"container_name\":\"web\",\"image\":\"redis:7\",\"kind\":\"docker.exec_start\",\"exit_code\":-1,"
	      "\"name\":\"cache\",\"action\":\"exec_start\"}\n");

	fdr_event_init(&ev, FDR_NET_CONNECT, T);
	fdr_addr_parse(&a, "172.17.0.2");
	fdr_addr_parse(&b, "2001:db8::1");
	fdr_event_set_cstr(&ev, FDR_F_PROTO, "tcp");
	fdr_event_set_addr(&ev, FDR_F_SRC, &a);
	fdr_event_set_u(&ev, FDR_F_SPORT, 40000);
	fdr_event_set_addr(&ev, FDR_F_DST, &b);
	fdr_event_set_u(&ev, FDR_F_DPORT, 4444);
	check(rp_out_json, &host, &ev,
	      "{\"time\":\"2024-05-01T10:00:00.000000001Z\",\"host\":\"web01\",\"container\":\"host\","
	      "\"kind\":\"net.connect\",\"proto\":\"tcp\",\"src\":\"172.17.0.2\",\"sport\":40000,"
	      "\"dst\":\"2001:db8::1\",\"dport\":4444}\n");
	check(rp_out_human, &host, &ev,
	      "2024-05-01T10:00:00.000000001Z web01 host net.connect tcp 172.17.0.2:40000 -> [2001:db8::1]:4444\n");

	fdr_event_init(&ev, FDR_REC_GAP, T);
	fdr_event_set_cstr(&ev, FDR_F_SOURCE, "proc");
	fdr_event_set_u(&ev, FDR_F_LOST, 12);
	fdr_event_set_u(&ev, FDR_F_FROM, T - 1000000000);
	fdr_event_set_u(&ev, FDR_F_TO, T);
	check(rp_out_json, &host, &ev,
	      "{\"time\":\"2024-05-01T10:00:00.000000001Z\",\"host\":\"web01\",\"container\":\"host\","
	      "\"kind\":\"rec.gap\",\"source\":\"proc\",\"lost\":12,\"from\":\"2024-05-01T09:59:59.000000001Z\","
	      "\"to\":\"2024-05-01T10:00:00.000000001Z\"}\n");
}

static void test_hostile_strings(void **state)
{
	struct fdr_event ev;
	struct fdr_buf b = FDR_BUF_INIT;
	struct fdr_ring_meta m2 = meta;
	struct rp_ring evil = web;
	static const char path[] = "/tmp/\x1b[2J\"a\\b\"\n\xff\xfe\x00z";

	(void)state;
	evil.meta = &m2;
	evil.name = "we\x07" "b";
	fdr_event_init(&ev, FDR_FILE_CREATE, T);
	fdr_event_set_str(&ev, FDR_F_PATH, path, sizeof(path) - 1);
	rp_out_human(&b, &evil, &ev);
	for (size_t i = 0; i < b.len - 1; i++)
		assert_true((unsigned char)b.p[i] >= 0x20 && (unsigned char)b.p[i] != 0x7f);
	assert_non_null(strstr(b.p, "we\\x07b"));
	assert_non_null(strstr(b.p, "path=\"/tmp/\\x1b[2J\"a\\\\b\"\\n\\xff\\xfe\\x00z\""));
	fdr_buf_reset(&b);
	rp_out_json(&b, &evil, &ev);
	assert_non_null(strstr(b.p, "\"container_name\":\"we\\u0007b\""));
	assert_non_null(strstr(b.p, "\"path\":\"/tmp/\\u001b[2J\\\"a\\\\b\\\"\\n\\udcff\\udcfe\\u0000z\""));
	fdr_buf_release(&b);
}

static void test_csv_timesketch(void **state)
{
	struct fdr_event ev;

	(void)state;
	fdr_event_init(&ev, FDR_FILE_MODIFY, T);
	fdr_event_set_u(&ev, FDR_F_PID, 7);
	fdr_event_set_cstr(&ev, FDR_F_COMM, "=cmd|'/c calc'!A1");
	fdr_event_set_cstr(&ev, FDR_F_PATH, "/etc/cron,tab \"x\"");
	struct fdr_buf b = FDR_BUF_INIT;
	rp_out_csv_header(&b);
	assert_string_equal(b.p, "time,host,container,container_name,image,kind,pid,ppid,comm,exe,details\n");
	fdr_buf_release(&b);
	check(rp_out_csv, &web, &ev,
	      "2024-05-01T10:00:00.000000001Z,\"web01\",\"3f2a9c1e5b7d4f60\",\"web\",\"nginx:1.25\",file.modify,7,,"
	      "\"'=cmd|'/c calc'!A1\",\"\",\"pid=7 comm=\"\"=cmd|'/c calc'!A1\"\" path=\"\"/etc/cron,tab \"\"x\"\"\"\"\"\n");
	check(rp_out_timesketch, &host, &ev,
	      "{\"time\":\"2024-05-01T10:00:00.000000001Z\",\"host\":\"web01\",\"container\":\"host\","
	      "\"kind\":\"file.modify\",\"pid\":7,\"comm\":\"=cmd|'/c calc'!A1\",\"path\":\"/etc/cron,tab \\\"x\\\"\","
	      "\"message\":\"file.modify host pid=7 comm=\\\"=cmd|'/c calc'!A1\\\" path=\\\"/etc/cron,tab \\\"x\\\"\\\"\","
	      "\"datetime\":\"2024-05-01T10:00:00.000000001Z\",\"timestamp\":1714557600000000,"
	      "\"timestamp_desc\":\"file.modify\"}\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_exec),
		cmocka_unit_test(test_json_kinds),
		cmocka_unit_test(test_hostile_strings),
		cmocka_unit_test(test_csv_timesketch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
