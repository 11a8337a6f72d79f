/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tests of the Docker decoders (recorder/docker-events.h, docker-http.h)
 * against the real engine output in $FDR_SHARED/data/docker (API doc
 * examples in the legacy, transitional and current schemas, docker/cli
 * golden events) and $FDR_SHARED/data/local (a live Docker 20.10 /events
 * stream and a docker inspect).
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fdr-ring.h"
#include "recorder/docker-events.h"
#include "recorder/docker-http.h"
#include "test-data.h"

/* ---- helpers ---------------------------------------------------------- */

/* A compact record of a decoded event, for comparisons. */
struct rec {
	int rc;
	char action[64], command[256], image[128], name[128], container[128], exec_id[80];
	char labels[512];
	uint64_t time_ns;
	int64_t exit_code;
	uint64_t signal;
	int has_exit, has_signal;
};

struct recs {
	struct rec r[256];
	size_t n;
	size_t failed;
};

static void str_to(char *dst, size_t size, struct fdr_str s)
{
	size_t n = s.len < size - 1 ? s.len : size - 1;

	if (s.p)
		memcpy(dst, s.p, n);
	else
		n = 0;
	dst[n] = '\0';
}

static int collect(void *ctx, const char *obj, size_t len)
{
	struct recs *rs = ctx;
	struct docker_ev *d = malloc(sizeof(*d));
	struct rec *r;
	int rc;

	assert_non_null(d);
	assert_true(rs->n < 256);
	r = &rs->r[rs->n++];
	memset(r, 0, sizeof(*r));
	rc = docker_event_decode(obj, len, d);
	r->rc = rc;
	if (rc) {
		rs->failed++;
		free(d);
		return 0;
	}
	assert_int_equal(d->ev.kind, FDR_DOCKER);
	str_to(r->action, sizeof(r->action), fdr_event_str(&d->ev, FDR_F_ACTION));
	str_to(r->command, sizeof(r->command), fdr_event_str(&d->ev, FDR_F_COMMAND));
	str_to(r->image, sizeof(r->image), fdr_event_str(&d->ev, FDR_F_IMAGE));
	str_to(r->name, sizeof(r->name), fdr_event_str(&d->ev, FDR_F_NAME));
	str_to(r->exec_id, sizeof(r->exec_id), fdr_event_str(&d->ev, FDR_F_EXEC_ID));
	snprintf(r->container, sizeof(r->container), "%s", d->container_id);
	{
		struct fdr_strv v = fdr_event_strv(&d->ev, FDR_F_LABELS);
		size_t o = 0;

		for (uint32_t i = 0; i < v.n && o + v.v[i].len + 2 < sizeof(r->labels); i++) {
			memcpy(r->labels + o, v.v[i].p, v.v[i].len);
			o += v.v[i].len;
			r->labels[o++] = ';';
		}
		r->labels[o] = '\0';
	}
	r->time_ns = d->ev.time_ns;
	r->has_exit = fdr_event_has(&d->ev, FDR_F_EXIT_CODE);
	r->exit_code = fdr_event_i(&d->ev, FDR_F_EXIT_CODE, -1);
	r->has_signal = fdr_event_has(&d->ev, FDR_F_SIGNAL);
	r->signal = fdr_event_u(&d->ev, FDR_F_SIGNAL, 0);
	free(d);
	return 0;
}

/* Split and decode a whole file fed in chunks of `chunk` bytes. */
static struct recs *decode_file(const char *rel, size_t chunk)
{
	char *path = test_data_path("%s", rel);
	struct docker_splitter *s;
	struct recs *rs = calloc(1, sizeof(*rs));
	size_t len;
	char *buf;

	assert_non_null(path);
	buf = test_data_slurp(path, &len);
	if (!buf)
		fail_msg("cannot read %s", path);
	assert_int_equal(docker_splitter_new(1 << 20, &s), 0);
	for (size_t o = 0; o < len; o += chunk) {
		size_t n = len - o < chunk ? len - o : chunk;

		assert_int_equal(docker_splitter_feed(s, buf + o, n, collect, rs), 0);
	}
	docker_splitter_free(s);
	free(buf);
	free(path);
	return rs;
}

static int need_shared(void **state)
{
	(void)state;
	return test_data_missing("docker") ? -1 : 0;
}

#define SKIP_IF_NO_DATA() do { if (need_shared(NULL)) skip(); } while (0)

/* ---- every real file, in every chunking ---------------------------------- */

static const char *const all_files[] = {
	"docker/moby-docs/api-v1.20-events-example.legacy.ndjson",
	"docker/moby-docs/api-v1.21-events-example.legacy.ndjson",
	"docker/moby-docs/api-v1.24-events-example.ndjson",
	"docker/moby-docs/api-v1.24-events-example.pretty.json",
	"docker/docker-cli-events-json.golden.ndjson",
	"local/docker-events.jsonl",
	NULL,
};

static void test_every_file_every_chunking(void **state)
{
	static const size_t chunks[] = { 1, 2, 7, 64, 4096, 1 << 20 };

	(void)state;
	SKIP_IF_NO_DATA();
	for (unsigned f = 0; all_files[f]; f++) {
		struct recs *whole = decode_file(all_files[f], 1 << 20);

		assert_true(whole->n > 0);
		assert_int_equal(whole->failed, 0);
		for (size_t i = 0; i < whole->n; i++) {
			assert_true(whole->r[i].action[0]);
			assert_true(whole->r[i].time_ns > 0);
		}
		for (unsigned c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
			struct recs *rs = decode_file(all_files[f], chunks[c]);

			assert_int_equal(rs->n, whole->n);
			assert_memory_equal(rs->r, whole->r, whole->n * sizeof(rs->r[0]));
			free(rs);
		}
		free(whole);
	}
}

/* The API doc's stream, one object per line and pretty-printed, is the same. */
static void test_pretty_equals_ndjson(void **state)
{
	struct recs *a, *b;

	(void)state;
	SKIP_IF_NO_DATA();
	a = decode_file("docker/moby-docs/api-v1.24-events-example.ndjson", 1 << 20);
	b = decode_file("docker/moby-docs/api-v1.24-events-example.pretty.json", 3);
	assert_int_equal(a->n, 9);
	assert_int_equal(b->n, 9);
	assert_memory_equal(a->r, b->r, a->n * sizeof(a->r[0]));
	free(a);
	free(b);
}

static void test_legacy_v120(void **state)
{
	static const char *const acts[] = { "create", "start", "stop", "destroy" };
	struct recs *rs;

	(void)state;
	SKIP_IF_NO_DATA();
	rs = decode_file("docker/moby-docs/api-v1.20-events-example.legacy.ndjson", 1 << 20);
	assert_int_equal(rs->n, 4);
	for (int i = 0; i < 4; i++) {
		assert_string_equal(rs->r[i].action, acts[i]);
		assert_string_equal(rs->r[i].image, "ubuntu:latest");
		assert_string_equal(rs->r[i].container, "dfdf82bd3881");
	}
	assert_int_equal(rs->r[0].time_ns, 1374067924ull * 1000000000ull);
	assert_int_equal(rs->r[3].time_ns, 1374067970ull * 1000000000ull);
	free(rs);
}

static void test_legacy_v121(void **state)
{
	struct recs *rs;

	(void)state;
	SKIP_IF_NO_DATA();
	rs = decode_file("docker/moby-docs/api-v1.21-events-example.legacy.ndjson", 1 << 20);
	assert_int_equal(rs->n, 4);
	/* pull is an image event: host ring, image named */
	assert_string_equal(rs->r[0].action, "image_pull");
	assert_string_equal(rs->r[0].container, "");
	assert_string_equal(rs->r[0].image, "busybox:latest");
	assert_string_equal(rs->r[1].action, "create");
	assert_string_equal(rs->r[1].container, "5745704abe9caa5");
	assert_string_equal(rs->r[1].image, "busybox");
	assert_int_equal(rs->r[1].time_ns, 1442421716853979870ull);
	assert_string_equal(rs->r[2].action, "attach");
	free(rs);
}

static void test_current_v124(void **state)
{
	const char *id = "ede54ee1afda366ab42f824e8a5ffd195155d853ceaec74a927f249ea270c743";
	struct recs *rs;

	(void)state;
	SKIP_IF_NO_DATA();
	rs = decode_file("docker/moby-docs/api-v1.24-events-example.ndjson", 1 << 20);
	assert_string_equal(rs->r[0].action, "image_pull");
	assert_string_equal(rs->r[0].image, "alpine:latest");
	assert_string_equal(rs->r[1].action, "create");
	assert_string_equal(rs->r[1].container, id);
	assert_string_equal(rs->r[1].name, "my-container");
	assert_string_equal(rs->r[1].image, "alpine");
	assert_string_equal(rs->r[1].labels, "com.example.some-label=some-label-value;");
	/* network connect: the network's own name is not the container's */
	assert_string_equal(rs->r[3].action, "network_connect");
	assert_string_equal(rs->r[3].container, id);
	assert_string_equal(rs->r[3].name, "");
	assert_non_null(strstr(rs->r[3].labels, "name=bridge;"));
	assert_non_null(strstr(rs->r[3].labels, "type=bridge;"));
	assert_string_equal(rs->r[5].action, "resize");
	assert_non_null(strstr(rs->r[5].labels, "height=46;"));
	assert_string_equal(rs->r[6].action, "die");
	assert_true(rs->r[6].has_exit);
	assert_int_equal(rs->r[6].exit_code, 0);
	assert_int_equal(rs->r[6].time_ns, 1461943105079144137ull);
	assert_string_equal(rs->r[8].action, "destroy");
	free(rs);
}

static void test_live_docker_2010(void **state)
{
	const char *id1 = "95275ebe176a3c4d92191b445417203d7e2733c5ab55d1f3e0444f7de082f379";
	struct recs *rs;
	int execs = 0, kills = 0, dies = 0;

	(void)state;
	SKIP_IF_NO_DATA();
	rs = decode_file("local/docker-events.jsonl", 1 << 20);
	assert_int_equal(rs->n, 29);
	assert_string_equal(rs->r[0].action, "create");
	assert_string_equal(rs->r[0].container, id1);
	assert_string_equal(rs->r[0].name, "probe1");
	assert_string_equal(rs->r[0].image, "local/busybox");
	assert_string_equal(rs->r[0].labels, "app=probe;tier=test;");
	assert_int_equal(rs->r[0].time_ns, 1795401657394089865ull);
	for (size_t i = 0; i < rs->n; i++) {
		struct rec *r = &rs->r[i];

		if (strcmp(r->action, "exec_create") == 0 && execs++ == 0) {
			assert_string_equal(r->command, "sh -c id; cat /proc/self/cgroup | head -3; ip addr");
			assert_string_equal(r->exec_id,
					    "ea88dd55ee5355388abc1e2ee75fb1560a322f18b9dc3c68b7138e20f4aafc71");
			assert_null(strstr(r->labels, "execID"));
		}
		if (strcmp(r->action, "exec_die") == 0) {
			assert_true(r->has_exit);
			assert_true(r->exec_id[0]);
		}
		if (strcmp(r->action, "kill") == 0) {
			assert_true(r->has_signal);
			assert_int_equal(r->signal, kills++ == 0 ? 15 : 9);
			assert_string_equal(r->name, "probe2");
		}
		if (strcmp(r->action, "die") == 0) {
			dies++;
			assert_true(r->has_exit);
		}
		assert_null(strchr(r->action, ':'));
		assert_true(r->container[0]);
	}
	assert_int_equal(execs, 2);
	assert_int_equal(kills, 2);
	assert_int_equal(dies, 3);
	free(rs);
}

static void test_golden_cli(void **state)
{
	struct recs *rs;

	(void)state;
	SKIP_IF_NO_DATA();
	rs = decode_file("docker/docker-cli-events-json.golden.ndjson", 1 << 20);
	assert_int_equal(rs->n, 4);
	assert_string_equal(rs->r[3].action, "die");
	assert_string_equal(rs->r[3].container, "abc123");
	assert_string_equal(rs->r[3].image, "ubuntu:latest");
	assert_false(rs->r[3].has_exit);
	free(rs);
}

static void test_inspect_probe1(void **state)
{
	struct fdr_ring_meta *m = calloc(1, sizeof(*m));
	char *path, *buf;
	size_t len;
	uint64_t started;

	(void)state;
	SKIP_IF_NO_DATA();
	path = test_data_path("local/docker-inspect-probe1.json");
	buf = test_data_slurp(path, &len);
	assert_non_null(buf);
	assert_int_equal(docker_inspect_to_meta(buf, len, m), 0);
	assert_string_equal(m->container_id,
			    "95275ebe176a3c4d92191b445417203d7e2733c5ab55d1f3e0444f7de082f379");
	assert_string_equal(m->container_name, "probe1");
	assert_string_equal(m->image, "local/busybox");
	assert_string_equal(m->image_id,
			    "sha256:7d4c6b5b8909a83535735d57eb46b00e7a4f13dbebdd66faaeb11ced51f9b728");
	assert_string_equal(m->runtime, "docker");
	assert_string_equal(m->command, "sh -c sleep 30");
	assert_int_equal(m->labels_len, strlen("app=probe") + 1 + strlen("tier=test") + 1);
	assert_memory_equal(m->labels, "app=probe\0tier=test\0", m->labels_len);
	assert_int_equal(docker_time_parse("2026-11-23T02:40:57.860681341Z", &started), 0);
	assert_int_equal(m->started_ns, started);
	assert_int_equal(m->ended_ns, 0);	/* running: FinishedAt is Go's zero time */
	free(buf);
	free(path);
	free(m);
}

/* ---- synthetic edge cases ------------------------------------------------- */

static void test_inspect_pod_ports_ended(void **state)
{
	const char *j = "[{\"Id\":\"aaaa\",\"Name\":\"/k8s_web\",\"Image\":\"sha256:1\","
		"\"State\":{\"Running\":false,\"StartedAt\":\"2024-01-01T00:00:01Z\","
		"\"FinishedAt\":\"2024-01-01T00:00:02.5+00:00\"},"
		"\"Config\":{\"Image\":\"nginx:1.25\",\"Entrypoint\":[\"/docker-entrypoint.sh\"],"
		"\"Cmd\":[\"nginx\",\"-g\",\"daemon off;\"],"
		"\"ExposedPorts\":{\"443/tcp\":{},\"80/tcp\":{}},"
		"\"Labels\":{\"io.kubernetes.pod.name\":\"web-1\",\"io.kubernetes.pod.namespace\":\"prod\","
		"\"io.kubernetes.pod.uid\":\"u-1\"}}}]";
	struct fdr_ring_meta *m = calloc(1, sizeof(*m));

	(void)state;
	assert_int_equal(docker_inspect_to_meta(j, strlen(j), m), 0);
	assert_string_equal(m->container_name, "k8s_web");
	assert_string_equal(m->command, "/docker-entrypoint.sh nginx -g daemon off;");
	assert_string_equal(m->ports, "443/tcp 80/tcp");
	assert_string_equal(m->pod, "web-1");
	assert_string_equal(m->namespace_, "prod");
	assert_string_equal(m->pod_uid, "u-1");
	assert_int_equal(m->started_ns, 1704067201000000000ull);
	assert_int_equal(m->ended_ns, 1704067202500000000ull);
	assert_int_equal(docker_inspect_to_meta("{\"message\":\"No such container\"}", 31, m), -EBADMSG);
	assert_int_equal(docker_inspect_to_meta("{", 1, m), -EBADMSG);
	free(m);
}

static void count_id(void *ctx, const char *id)
{
	(void)id;
	(*(int *)ctx)++;
}

static void test_list_ids(void **state)
{
	const char *j = "[{\"Id\":\"95275ebe176a3c4d92191b445417203d7e2733c5ab55d1f3e0444f7de082f379\"},"
		"{\"Id\":\"short\"},{\"Names\":[\"/x\"]},3]";
	int n = 0;

	(void)state;
	assert_int_equal(docker_list_ids(j, strlen(j), count_id, &n), 1);
	assert_int_equal(n, 1);
	assert_int_equal(docker_list_ids("{}", 2, count_id, &n), -EBADMSG);
}

static void test_decode_errors(void **state)
{
	struct docker_ev *d = malloc(sizeof(*d));

	(void)state;
	assert_int_equal(docker_event_decode("{", 1, d), -EBADMSG);
	assert_int_equal(docker_event_decode("[]", 2, d), -EBADMSG);
	assert_int_equal(docker_event_decode("{}", 2, d), -ENODATA);
	assert_int_equal(docker_event_decode("{\"Action\":7}", 12, d), -ENODATA);
	/* signal names as well as numbers; nonsense is left out */
	{
		static const char *const in[] = { "\"SIGTERM\"", "\"KILL\"", "\"9\"", "\"SIGBOGUS\"", "\"-1\"" };
		static const uint64_t want[] = { 15, 9, 9, 0, 0 };

		for (unsigned i = 0; i < 5; i++) {
			char j[256];
			int n = snprintf(j, sizeof(j), "{\"Type\":\"container\",\"Action\":\"kill\","
					 "\"Actor\":{\"ID\":\"c\",\"Attributes\":{\"signal\":%s}}}", in[i]);

			assert_int_equal(docker_event_decode(j, (size_t)n, d), 0);
			assert_int_equal(fdr_event_u(&d->ev, FDR_F_SIGNAL, 0), want[i]);
			assert_int_equal(fdr_event_has(&d->ev, FDR_F_SIGNAL), want[i] != 0);
		}
	}
	/* a huge label set is truncated to the caps, never overflowed */
	{
		char *big = malloc(200000);
		size_t o = 0;

		o += (size_t)sprintf(big + o, "{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":\"x\",\"Attributes\":{");
		for (int i = 0; i < 1000; i++)
			o += (size_t)sprintf(big + o, "%s\"k%04d\":\"%0100d\"", i ? "," : "", i, i);
		o += (size_t)sprintf(big + o, "}}}");
		assert_int_equal(docker_event_decode(big, o, d), 0);
		assert_true(fdr_event_strv(&d->ev, FDR_F_LABELS).n <= DOCKER_EV_MAX_LABELS);
		assert_true(d->used <= DOCKER_EV_BUF);
		free(big);
	}
	free(d);
}

static int count_obj(void *ctx, const char *obj, size_t len)
{
	(void)obj;
	(void)len;
	(*(int *)ctx)++;
	return 0;
}

static void test_splitter_caps_and_junk(void **state)
{
	struct docker_splitter *s;
	struct docker_splitter_stats st;
	const char *in = "garbage {\"a\":\"}{\\\"\"} {\"big\":\"0123456789012345678901234567890\"}\n"
		"{\"b\":[1,{\"c\":2}]}";
	int n = 0;

	(void)state;
	assert_int_equal(docker_splitter_new(24, &s), 0);
	assert_int_equal(docker_splitter_feed(s, in, strlen(in), count_obj, &n), 0);
	docker_splitter_stats(s, &st);
	assert_int_equal(n, 2);
	assert_int_equal(st.objects, 2);
	assert_int_equal(st.oversize, 1);
	assert_int_equal(st.junk_bytes, 7);
	docker_splitter_free(s);
}

static void test_time_parse(void **state)
{
	uint64_t ns;

	(void)state;
	assert_int_equal(docker_time_parse("1970-01-01T00:00:00Z", &ns), 0);
	assert_int_equal(ns, 0);
	assert_int_equal(docker_time_parse("2018-10-26T13:38:34.902914Z", &ns), 0);
	assert_int_equal(ns, 1540561114902914000ull);
	assert_int_equal(docker_time_parse("2018-10-26T15:38:34+02:00", &ns), 0);
	assert_int_equal(ns, 1540561114000000000ull);
	assert_int_equal(docker_time_parse("0001-01-01T00:00:00Z", &ns), 0);
	assert_int_equal(ns, 0);
	assert_int_equal(docker_time_parse("2018-10-26 13:38:34", &ns), -EINVAL);
	assert_int_equal(docker_time_parse("2018-13-26T13:38:34Z", &ns), -EINVAL);
	assert_int_equal(docker_time_parse("2018-10-26T13:38:34.Z", &ns), -EINVAL);
	assert_int_equal(docker_time_parse("2018-10-26T13:38:34Zjunk", &ns), -EINVAL);
	assert_int_equal(docker_time_parse(NULL, &ns), -EINVAL);
}

/* ---- HTTP framing --------------------------------------------------------- */

struct body {
	char b[4096];
	size_t n;
};

static int add_body(void *ctx, const char *p, size_t n)
{
	struct body *b = ctx;

	assert_true(b->n + n <= sizeof(b->b));
	memcpy(b->b + b->n, p, n);
	b->n += n;
	return 0;
}

static void test_http_chunked_every_split(void **state)
{
	const char *resp = "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\n"
		"Transfer-Encoding: chunked\r\n\r\n"
		"5\r\n{\"a\":\r\n"
		"b;ext=1\r\n1}\n{\"b\":22}\r\n"
		"0\r\n\r\n";
	size_t len = strlen(resp);
	struct docker_http *h = malloc(sizeof(*h));

	(void)state;
	for (size_t cut = 0; cut <= len; cut++) {
		struct body b = { .n = 0 };

		docker_http_init(h);
		assert_int_equal(docker_http_feed(h, resp, cut, add_body, &b), 0);
		assert_int_equal(docker_http_feed(h, resp + cut, len - cut, add_body, &b), 0);
		assert_int_equal(h->state, DOCKER_HTTP_DONE);
		assert_int_equal(h->status, 200);
		assert_int_equal(b.n, 16);
		assert_memory_equal(b.b, "{\"a\":1}\n{\"b\":22}", 16);
	}
	free(h);
}

static void test_http_length_close_errors(void **state)
{
	struct docker_http *h = malloc(sizeof(*h));
	struct body b = { .n = 0 };
	const char *cl = "HTTP/1.0 404 Not Found\nContent-Length: 4\n\nnopeEXTRA";
	const char *eof = "HTTP/1.1 200 OK\r\n\r\nabc";
	char *big;

	(void)state;
	docker_http_init(h);
	assert_int_equal(docker_http_feed(h, cl, strlen(cl), add_body, &b), 0);
	assert_int_equal(h->status, 404);
	assert_int_equal(h->state, DOCKER_HTTP_DONE);
	assert_int_equal(b.n, 4);

	b.n = 0;
	docker_http_init(h);
	assert_int_equal(docker_http_feed(h, eof, strlen(eof), add_body, &b), 0);
	assert_int_equal(h->state, DOCKER_HTTP_BODY);
	assert_int_equal(docker_http_eof(h), 0);
	assert_int_equal(b.n, 3);

	docker_http_init(h);
	assert_int_equal(docker_http_feed(h, "SSH-2.0-x\r\n\r\n", 13, add_body, &b), -EBADMSG);
	assert_int_equal(docker_http_feed(h, "more", 4, add_body, &b), -EBADMSG);

	docker_http_init(h);
	assert_int_equal(docker_http_feed(h, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
					  51, add_body, &b), -EBADMSG);
	docker_http_init(h);
	assert_int_equal(docker_http_feed(h, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
					  52, add_body, &b), 0);
	assert_int_equal(docker_http_eof(h), -EPIPE);

	big = malloc(DOCKER_HTTP_MAX_HEAD + 100);
	memcpy(big, "HTTP/1.1 200 OK\r\nX: ", 20);
	memset(big + 20, 'a', DOCKER_HTTP_MAX_HEAD + 80);
	docker_http_init(h);
	assert_int_equal(docker_http_feed(h, big, DOCKER_HTTP_MAX_HEAD + 100, add_body, &b), -EBADMSG);
	free(big);
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_file_every_chunking),
		cmocka_unit_test(test_pretty_equals_ndjson),
		cmocka_unit_test(test_legacy_v120),
		cmocka_unit_test(test_legacy_v121),
		cmocka_unit_test(test_current_v124),
		cmocka_unit_test(test_live_docker_2010),
		cmocka_unit_test(test_golden_cli),
		cmocka_unit_test(test_inspect_probe1),
		cmocka_unit_test(test_inspect_pod_ports_ended),
		cmocka_unit_test(test_list_ids),
		cmocka_unit_test(test_decode_errors),
		cmocka_unit_test(test_splitter_caps_and_junk),
		cmocka_unit_test(test_time_parse),
		cmocka_unit_test(test_http_chunked_every_split),
		cmocka_unit_test(test_http_length_close_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
