/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tests of the Kubernetes audit decoder (recorder/k8s-audit.h) against every
 * real event in $FDR_SHARED/data/k8s-audit: Falco's regression traces (v1,
 * v1beta1 and no apiVersion; with falco_k8s_audit_tests.yaml.labels saying
 * which rule fires on which file) and crowdsec's pod-exec / privileged-pod
 * logs. Each event is decoded alone and wrapped in an EventList, as the
 * webhook backend sends it. Most checks run the jansson tree decoder of
 * tests/k8s/k8s-ref.h; test_stream_* hold the streaming decoder to it.
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
#include <jansson.h>

#include "recorder/docker-events.h"
#include "recorder/k8s-audit.h"
#include "k8s-ref.h"
#include "tests/docker/test-data.h"

/* $FDR_SHARED/data/k8s-audit/<rel> (the caller's). */
static char *shared_path(const char *rel)
{
	return test_data_path("k8s-audit/%s", rel);
}

#define SKIP_IF_NO_DATA() do { if (test_data_missing("k8s-audit/falco")) skip(); } while (0)

/* What a test wants to know of an event. */
struct seen {
	char verb[32], user[128], resource[64], sub[32], ns[128], name[256], stage[32];
	char cmd[256];		/* exec command joined by ' ' */
	char flags[512];	/* pod flags joined by ';' */
	char pod[520];
	int64_t code;
	int has_code;
	uint32_t ngroups, nips;
	uint64_t time_ns;
};

struct seen_list {
	struct seen s[16];
	size_t n;
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

static void join(char *dst, size_t size, struct fdr_strv v, char sep)
{
	size_t o = 0;

	dst[0] = '\0';
	for (uint32_t i = 0; i < v.n && o + v.v[i].len + 2 < size; i++) {
		if (o && sep == ' ')
			dst[o++] = ' ';
		memcpy(dst + o, v.v[i].p, v.v[i].len);
		o += v.v[i].len;
		if (sep == ';')
			dst[o++] = ';';
		dst[o] = '\0';
	}
}

static void on_event(void *ctx, const struct k8s_ev *k)
{
	struct seen_list *l = ctx;
	struct seen *s;

	assert_true(l->n < 16);
	s = &l->s[l->n++];
	memset(s, 0, sizeof(*s));
	assert_int_equal(k->ev.kind, FDR_K8S_AUDIT);
	str_to(s->verb, sizeof(s->verb), fdr_event_str(&k->ev, FDR_F_VERB));
	str_to(s->user, sizeof(s->user), fdr_event_str(&k->ev, FDR_F_USER));
	str_to(s->resource, sizeof(s->resource), fdr_event_str(&k->ev, FDR_F_RESOURCE));
	str_to(s->sub, sizeof(s->sub), fdr_event_str(&k->ev, FDR_F_SUBRESOURCE));
	str_to(s->ns, sizeof(s->ns), fdr_event_str(&k->ev, FDR_F_NAMESPACE));
	str_to(s->name, sizeof(s->name), fdr_event_str(&k->ev, FDR_F_NAME));
	str_to(s->stage, sizeof(s->stage), fdr_event_str(&k->ev, FDR_F_STAGE));
	join(s->cmd, sizeof(s->cmd), fdr_event_strv(&k->ev, FDR_F_EXEC_COMMAND), ' ');
	join(s->flags, sizeof(s->flags), fdr_event_strv(&k->ev, FDR_F_POD_FLAGS), ';');
	snprintf(s->pod, sizeof(s->pod), "%s/%s", k->namespace_, k->pod);
	s->has_code = fdr_event_has(&k->ev, FDR_F_CODE);
	s->code = fdr_event_i(&k->ev, FDR_F_CODE, 0);
	s->ngroups = fdr_event_strv(&k->ev, FDR_F_GROUPS).n;
	s->nips = fdr_event_strv(&k->ev, FDR_F_SOURCE_IPS).n;
	s->time_ns = k->ev.time_ns;
}

struct file_result {
	struct seen_list alone;		/* each object POSTed as a single Event */
	struct seen_list listed;	/* all objects wrapped in one EventList */
	int rc_alone;			/* first error of a single decode */
	size_t objects;
};

struct split_ctx {
	struct file_result *r;
	struct k8s_ev *scratch;
	char *list;
	size_t list_len;
};

static int on_object(void *ctx, const char *obj, size_t len)
{
	struct split_ctx *c = ctx;
	int rc = k8s_ref_parse(obj, len, c->scratch, on_event, &c->r->alone);

	if (rc < 0 && c->r->rc_alone == 0)
		c->r->rc_alone = rc;
	if (rc >= 0) {
		if (c->r->objects)
			c->list[c->list_len++] = ',';
		memcpy(c->list + c->list_len, obj, len);
		c->list_len += len;
	}
	c->r->objects++;
	return 0;
}

/* Every object of a file alone, then the good ones in one EventList. */
static struct file_result *decode_file(const char *rel)
{
	static const char head[] = "{\"kind\":\"EventList\",\"apiVersion\":\"audit.k8s.io/v1\","
		"\"metadata\":{},\"items\":[";
	struct file_result *r = calloc(1, sizeof(*r));
	struct split_ctx c = { r, malloc(sizeof(struct k8s_ev)), NULL, 0 };
	struct docker_splitter *sp;
	char *path = shared_path(rel), *buf;
	size_t len;
	int rc;

	buf = test_data_slurp(path, &len);
	if (!buf)
		fail_msg("cannot read %s", path);
	c.list = malloc(len + 2 * sizeof(head) + 16);
	memcpy(c.list, head, sizeof(head) - 1);
	c.list_len = sizeof(head) - 1;
	assert_int_equal(docker_splitter_new(1 << 20, &sp), 0);
	assert_int_equal(docker_splitter_feed(sp, buf, len, on_object, &c), 0);
	memcpy(c.list + c.list_len, "]}", 2);
	c.list_len += 2;
	rc = k8s_ref_parse(c.list, c.list_len, c.scratch, on_event, &r->listed);
	assert_int_equal(rc, (int)r->listed.n);
	docker_splitter_free(sp);
	free(c.list);
	free(c.scratch);
	free(buf);
	free(path);
	return r;
}

/* The slim loader decodes every real file, wrapped, to the same events. */
static void test_slim_same_events(void **state)
{
	char *dir, path[4096];
	DIR *d;
	struct dirent *e;
	struct k8s_ev *k = malloc(sizeof(*k));
	unsigned files = 0;

	(void)state;
	SKIP_IF_NO_DATA();
	dir = shared_path("falco");
	d = opendir(dir);
	while ((e = readdir(d))) {
		struct seen_list a = { .n = 0 }, b = { .n = 0 };
		struct docker_splitter *sp;
		struct split_ctx c;
		struct file_result r;
		json_t *root;
		size_t len, items;
		char *buf;

		if (strlen(e->d_name) < 6 || strcmp(e->d_name + strlen(e->d_name) - 5, ".json") ||
		    strcmp(e->d_name, "fal_01_003.json") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		buf = test_data_slurp(path, &len);
		memset(&r, 0, sizeof(r));
		c.r = &r;
		c.scratch = k;
		c.list = malloc(len + 128);
		strcpy(c.list, "{\"kind\":\"EventList\",\"items\":[");
		c.list_len = strlen(c.list);
		assert_int_equal(docker_splitter_new(1 << 20, &sp), 0);
		docker_splitter_feed(sp, buf, len, on_object, &c);
		docker_splitter_free(sp);
		memcpy(c.list + c.list_len, "]}", 2);
		c.list_len += 2;
		assert_int_equal(k8s_ref_load(c.list, c.list_len, &root, &items), 0);
		k8s_ref_each(root, k, on_event, &a, NULL);
		json_decref(root);
		assert_int_equal(k8s_ref_load_slim(c.list, c.list_len, &root, &items), 0);
		k8s_ref_each(root, k, on_event, &b, NULL);
		json_decref(root);
		assert_int_equal(a.n, b.n);
		assert_memory_equal(a.s, b.s, a.n * sizeof(a.s[0]));
		free(c.list);
		free(buf);
		files++;
	}
	closedir(d);
	free(dir);
	free(k);
	assert_int_equal(files, 46);
}

static void test_every_falco_trace(void **state)
{
	char *dir;
	DIR *d;
	struct dirent *e;
	unsigned files = 0, events = 0;

	(void)state;
	SKIP_IF_NO_DATA();
	dir = shared_path("falco");
	d = opendir(dir);
	while ((e = readdir(d))) {
		char rel[512];
		struct file_result *r;
		size_t n = strlen(e->d_name);

		if (n < 5 || strcmp(e->d_name + n - 5, ".json") != 0)
			continue;
		snprintf(rel, sizeof(rel), "falco/%s", e->d_name);
		r = decode_file(rel);
		files++;
		if (strcmp(e->d_name, "fal_01_003.json") == 0) {
			/* {"kind":0}: well-formed JSON, not an audit event */
			assert_int_equal(r->rc_alone, -EPROTO);
			assert_int_equal(r->alone.n, 0);
			free(r);
			continue;
		}
		if (r->rc_alone)
			fail_msg("%s: %d", rel, r->rc_alone);
		assert_int_equal(r->alone.n, r->objects);
		assert_int_equal(r->listed.n, r->objects);
		assert_memory_equal(r->alone.s, r->listed.s, r->objects * sizeof(r->alone.s[0]));
		for (size_t i = 0; i < r->alone.n; i++) {
			struct seen *s = &r->alone.s[i];

			assert_true(s->verb[0]);
			assert_true(s->stage[0]);
			assert_true(s->resource[0]);
			assert_true(s->time_ns > 1500000000ull * 1000000000ull);
			assert_true(s->nips >= 1);
		}
		events += (unsigned)r->alone.n;
		free(r);
	}
	closedir(d);
	free(dir);
	printf("%u files, %u events\n", files, events);
	assert_int_equal(files, 47);
	assert_true(events >= 51);
}

/* The rules Falco's own tests expect to fire, checked against our fields. */
static void test_falco_labels(void **state)
{
	char *path, *buf, *line, *save = NULL;
	size_t len;
	char rules[1024] = "";
	int detect = 0, checked = 0;

	(void)state;
	SKIP_IF_NO_DATA();
	path = shared_path("falco/falco_k8s_audit_tests.yaml.labels");
	buf = test_data_slurp(path, &len);
	assert_non_null(buf);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p = line + strspn(line, " ");
		char *f;

		if (strncmp(p, "detect:", 7) == 0) {
			detect = strstr(p, "True") != NULL;
			rules[0] = '\0';
		} else if (strncmp(p, "- ", 2) == 0 && strchr(p, ':') && !strstr(p, ".yaml")) {
			strncat(rules, p + 2, sizeof(rules) - strlen(rules) - 2);
			strcat(rules, "|");
		} else if ((f = strstr(p, "trace_files/k8s_audit/")) && detect) {
			char rel[256];
			struct file_result *r;
			struct seen *s;

			snprintf(rel, sizeof(rel), "falco/%s", f + strlen("trace_files/k8s_audit/"));
			r = decode_file(rel);
			assert_true(r->alone.n >= 1);
			s = &r->alone.s[0];
			if (strstr(rules, "Attach/Exec Pod")) {
				assert_string_equal(s->resource, "pods");
				assert_true(strcmp(s->sub, "exec") == 0 || strcmp(s->sub, "attach") == 0);
				checked++;
			}
			if (strstr(rules, "Create Privileged Pod")) {
				assert_non_null(strstr(s->flags, "privileged;"));
				checked++;
			}
			if (strstr(rules, "Create Sensitive Mount Pod")) {
				assert_non_null(strstr(s->flags, "hostPath;"));
				assert_non_null(strstr(s->flags, "hostPath=/"));
				checked++;
			}
			if (strstr(rules, "Create HostNetwork Pod")) {
				assert_non_null(strstr(s->flags, "hostNetwork;"));
				checked++;
			}
			if (strstr(rules, "Pod Created in Kube Namespace")) {
				assert_string_equal(s->resource, "pods");
				assert_int_equal(strncmp(s->ns, "kube-", 5), 0);
				checked++;
			}
			free(r);
		}
	}
	printf("checked %d label expectations\n", checked);
	assert_true(checked >= 12);
	free(buf);
	free(path);
}

static void test_negative_pods(void **state)
{
	struct file_result *r;

	(void)state;
	SKIP_IF_NO_DATA();
	r = decode_file("falco/create_nginx_pod_unprivileged.json");
	assert_string_equal(r->alone.s[0].flags, "");
	free(r);
	r = decode_file("falco/create_nginx_pod_nohostnetwork.json");
	assert_null(strstr(r->alone.s[0].flags, "hostNetwork"));
	free(r);
	/* despite its name a "get" of a pod with a hostPath: flags describe
	 * what a create/update/patch made, not what a read returned */
	r = decode_file("falco/create_nginx_pod_unsensitive_mount.json");
	assert_string_equal(r->alone.s[0].verb, "get");
	assert_string_equal(r->alone.s[0].flags, "");
	free(r);
	r = decode_file("falco/create_nginx_pod_no_secctx_1st_container_privileged_2nd_container.json");
	assert_non_null(strstr(r->alone.s[0].flags, "privileged;"));
	free(r);
}

static void test_exec_pod_fields(void **state)
{
	struct file_result *r;
	struct seen *s;
	uint64_t t;

	(void)state;
	SKIP_IF_NO_DATA();
	r = decode_file("falco/exec_pod.json");
	s = &r->alone.s[0];
	assert_string_equal(s->verb, "create");
	assert_string_equal(s->user, "minikube-user");
	assert_int_equal(s->ngroups, 2);
	assert_string_equal(s->resource, "pods");
	assert_string_equal(s->sub, "exec");
	assert_string_equal(s->ns, "default");
	assert_string_equal(s->name, "nginx-deployment-7998647bdf-phvq7");
	assert_string_equal(s->pod, "default/nginx-deployment-7998647bdf-phvq7");
	assert_string_equal(s->stage, "ResponseStarted");
	assert_string_equal(s->cmd, "bash");
	assert_true(s->has_code);
	assert_int_equal(s->code, 101);
	assert_int_equal(docker_time_parse("2018-10-26T13:38:34.902914Z", &t), 0);
	assert_int_equal(s->time_ns, t);
	free(r);
}

static void test_crowdsec(void **state)
{
	struct file_result *r;
	struct seen *s;
	size_t priv = 0;

	(void)state;
	SKIP_IF_NO_DATA();
	r = decode_file("crowdsec/k8s-audit-pod-exec-file/k8s-audit-pod-exec-file.log");
	assert_int_equal(r->rc_alone, 0);
	assert_int_equal(r->alone.n, 1);
	s = &r->alone.s[0];
	assert_string_equal(s->cmd, "/bin/bash");	/* %2Fbin%2Fbash */
	assert_string_equal(s->pod, "foo/test-pod-1");
	assert_string_equal(s->user, "minikube-user");
	free(r);
	r = decode_file("crowdsec/k8s-audit-priv-pod-file/k8s-audit-priv-pod-file.log");
	assert_int_equal(r->rc_alone, 0);
	assert_true(r->alone.n >= 1);
	for (size_t i = 0; i < r->alone.n; i++)
		if (strstr(r->alone.s[i].flags, "privileged;"))
			priv++;
	assert_true(priv >= 1);
	assert_string_equal(r->alone.s[0].pod, "foo/test-pod-1");
	free(r);
}

/* ---- synthetic: what the webhook must refuse or tolerate ----------------- */

static void nop(void *ctx, const struct k8s_ev *k)
{
	(void)k;
	(*(int *)ctx)++;
}

static void test_bodies(void **state)
{
	struct k8s_ev *k = malloc(sizeof(*k));
	int n = 0;
	const char *v1beta = "{\"kind\":\"EventList\",\"apiVersion\":\"audit.k8s.io/v1beta1\",\"items\":["
		"{\"kind\":\"Event\",\"verb\":\"get\",\"auditID\":\"a\"},7,{\"kind\":\"Event\"}]}";
	const char *empty = "{\"kind\":\"EventList\",\"apiVersion\":\"audit.k8s.io/v1\",\"items\":null}";
	const char *cmd = "{\"verb\":\"create\",\"objectRef\":{\"resource\":\"pods\",\"name\":\"p\","
		"\"subresource\":\"exec\"},\"requestURI\":\"/api/v1/namespaces/x/pods/p/exec?"
		"command=sh&command=-c&command=cat+%2Fetc%2Fshadow%7C%zz&container=c\","
		"\"impersonatedUser\":{\"username\":\"eve\"},\"requestObject\":{\"kind\":\"Deployment\","
		"\"spec\":{\"template\":{\"spec\":{\"hostPID\":true,\"containers\":[{\"securityContext\":"
		"{\"capabilities\":{\"add\":[\"SYS_ADMIN\",\"NET_RAW\"]}}}]}}}}}";
	json_t *root;
	size_t items;

	(void)state;
	assert_int_equal(k8s_ref_parse("{\"kind\":", 8, k, nop, &n), -EBADMSG);
	assert_int_equal(k8s_ref_parse("[]", 2, k, nop, &n), -EPROTO);
	assert_int_equal(k8s_ref_parse("{\"kind\":0}", 10, k, nop, &n), -EPROTO);
	assert_int_equal(k8s_ref_parse("{\"kind\":\"Pod\",\"apiVersion\":\"v1\"}", 32, k, nop, &n), -EPROTO);
	assert_int_equal(k8s_ref_parse("{\"kind\":\"Event\",\"apiVersion\":\"v1\",\"verb\":\"get\"}", 47, k, nop, &n),
			 -EPROTO);
	assert_int_equal(k8s_ref_parse("{\"kind\":\"EventList\",\"items\":{}}", 31, k, nop, &n), -EPROTO);
	assert_int_equal(n, 0);
	assert_int_equal(k8s_ref_load(v1beta, strlen(v1beta), &root, &items), 0);
	assert_int_equal(items, 3);
	{
		size_t bad = 0;

		assert_int_equal(k8s_ref_each(root, k, nop, &n, &bad), 1);
		assert_int_equal(bad, 2);
	}
	json_decref(root);
	assert_int_equal(k8s_ref_parse(empty, strlen(empty), k, nop, &n), 0);

	/* a create known only by its answer: flags and name from responseObject */
	{
		const char *c = "{\"kind\":\"Event\",\"verb\":\"create\",\"objectRef\":{\"resource\":\"pods\"},"
			"\"responseObject\":{\"kind\":\"Pod\",\"metadata\":{\"name\":\"gen-x\"},\"spec\":{\"hostIPC\":true,"
			"\"containers\":[{\"name\":\"padding-padding-padding-padding-padding\"}]}}}";

		assert_int_equal(k8s_ref_parse(c, strlen(c), k, nop, &n), 1);
		assert_true(fdr_str_eq(fdr_event_str(&k->ev, FDR_F_NAME), "gen-x"));
		assert_int_equal(fdr_event_strv(&k->ev, FDR_F_POD_FLAGS).n, 1);
		assert_true(fdr_str_eq(fdr_event_strv(&k->ev, FDR_F_POD_FLAGS).v[0], "hostIPC"));
		assert_int_equal(k8s_ref_load_slim(c, strlen(c), &root, &items), 0);
		assert_int_equal(k8s_ref_each(root, k, nop, &n, NULL), 1);
		assert_true(fdr_str_eq(fdr_event_str(&k->ev, FDR_F_NAME), "gen-x"));
		assert_true(fdr_str_eq(fdr_event_strv(&k->ev, FDR_F_POD_FLAGS).v[0], "hostIPC"));
		json_decref(root);
	}

	assert_int_equal(k8s_ref_decode(NULL, k), -EPROTO);
	{
		json_t *e = json_loads(cmd, 0, NULL);
		struct fdr_strv v;

		assert_non_null(e);
		assert_int_equal(k8s_ref_decode(e, k), 0);
		v = fdr_event_strv(&k->ev, FDR_F_EXEC_COMMAND);
		assert_int_equal(v.n, 3);
		assert_true(fdr_str_eq(v.v[0], "sh"));
		assert_true(fdr_str_eq(v.v[1], "-c"));
		assert_true(fdr_str_eq(v.v[2], "cat /etc/shadow|%zz"));
		assert_true(fdr_str_eq(fdr_event_str(&k->ev, FDR_F_IMPERSONATED), "eve"));
		v = fdr_event_strv(&k->ev, FDR_F_POD_FLAGS);
		assert_int_equal(v.n, 3);
		assert_true(fdr_str_eq(v.v[0], "hostPID"));
		assert_true(fdr_str_eq(v.v[1], "cap:SYS_ADMIN"));
		assert_true(fdr_str_eq(v.v[2], "cap:NET_RAW"));
		assert_false(fdr_event_has(&k->ev, FDR_F_CODE));
		assert_int_equal(k->ev.time_ns, 0);
		json_decref(e);
	}
	free(k);
}

static size_t same_decoding(const char *body, size_t len);

/* Bulky or hostile values are capped, not overflowed (both decoders). */
static void test_caps(void **state)
{
	struct k8s_ev *k = malloc(sizeof(*k));
	size_t cap = 1 << 20, o = 0;
	char *j = malloc(cap);
	int n = 0;

	(void)state;
	o += (size_t)snprintf(j + o, cap - o, "{\"kind\":\"Event\",\"verb\":\"create\",\"user\":{\"username\":\"");
	memset(j + o, 'u', 100000);
	o += 100000;
	o += (size_t)snprintf(j + o, cap - o, "\",\"groups\":[");
	for (int i = 0; i < 500; i++)
		o += (size_t)snprintf(j + o, cap - o, "%s\"g%d\"", i ? "," : "", i);
	o += (size_t)snprintf(j + o, cap - o, "]},\"objectRef\":{\"resource\":\"pods\"},\"requestURI\":\"/x?");
	for (int i = 0; i < 500; i++)
		o += (size_t)snprintf(j + o, cap - o, "command=%d&", i);
	o += (size_t)snprintf(j + o, cap - o, "\"}");
	assert_int_equal(k8s_ref_parse(j, o, k, nop, &n), 1);
	assert_true(k->used <= K8S_EV_BUF);
	assert_true(fdr_event_strv(&k->ev, FDR_F_GROUPS).n <= K8S_MAX_GROUPS);
	assert_true(fdr_event_strv(&k->ev, FDR_F_EXEC_COMMAND).n <= K8S_MAX_CMD);
	assert_int_equal(same_decoding(j, o), 1);
	free(j);
	free(k);
}


/* ---- the streaming decoder against the tree decoder (the reference) ---- */

struct text {
	char *p;
	size_t len, cap;
};

static void tput(struct text *t, const void *p, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		t->cap = (t->len + n + 1) * 2;
		t->p = realloc(t->p, t->cap);
		assert_non_null(t->p);
	}
	memcpy(t->p + t->len, p, n);
	t->len += n;
	t->p[t->len] = '\0';
}

/* Every field of the event, as text, appended to ctx. */
static void on_text(void *ctx, const struct k8s_ev *k)
{
	struct text *t = ctx;
	char num[64];

	snprintf(num, sizeof(num), "{%u %llu pod=", k->ev.kind, (unsigned long long)k->ev.time_ns);
	tput(t, num, strlen(num));
	tput(t, k->namespace_, strlen(k->namespace_));
	tput(t, "/", 1);
	tput(t, k->pod, strlen(k->pod));
	for (unsigned f = 0; f < FDR_F_MAX; f++) {
		if (!fdr_event_has(&k->ev, f))
			continue;
		snprintf(num, sizeof(num), " %s=", fdr_field_name(f));
		tput(t, num, strlen(num));
		switch (fdr_field_type(f)) {
		case FDR_T_STR:
			tput(t, k->ev.f[f].s.p, k->ev.f[f].s.len);
			break;
		case FDR_T_STRV:
			for (uint32_t i = 0; i < k->ev.f[f].v.n; i++) {
				tput(t, "[", 1);
				tput(t, k->ev.f[f].v.v[i].p, k->ev.f[f].v.v[i].len);
				tput(t, "]", 1);
			}
			break;
		default:
			snprintf(num, sizeof(num), "%lld", (long long)k->ev.f[f].i);
			tput(t, num, strlen(num));
			break;
		}
	}
	tput(t, "}\n", 2);
}

/* Both decoders on one body: same verdict, items, bad items and events.
 * Returns the number of events. */
static size_t same_decoding(const char *body, size_t len)
{
	static struct k8s_audit_parser *p;
	struct k8s_ev *k = malloc(sizeof(*k));
	struct text a = { NULL, 0, 0 }, b = { NULL, 0, 0 };
	struct k8s_audit_batch *batch = NULL;
	size_t items = 0, bad_a = 0, bad_b = 0, n = 0;
	json_t *root;
	int rc_a, rc_b;

	if (!p)
		assert_int_equal(k8s_audit_parser_new(&p), 0);
	tput(&a, "", 0);
	tput(&b, "", 0);
	rc_a = k8s_ref_load(body, len, &root, &items);
	rc_b = k8s_audit_parser_run(p, body, len, &batch);
	if (rc_a != rc_b)
		fail_msg("verdicts differ: tree %d, stream %d on %.200s", rc_a, rc_b, body);
	if (rc_a == 0) {
		n = k8s_ref_each(root, k, on_text, &a, &bad_a);
		json_decref(root);
		assert_int_equal(k8s_audit_batch_each(batch, k, on_text, &b, &bad_b), n);
		assert_int_equal(k8s_audit_batch_items(batch), items);
		assert_int_equal(bad_a, bad_b);
		assert_string_equal(a.p, b.p);
		k8s_audit_batch_free(batch);
	}
	free(a.p);
	free(b.p);
	free(k);
	return n;
}

struct diff_ctx {
	char *list;
	size_t list_len, objects, events;
};

static int diff_object(void *ctx, const char *obj, size_t len)
{
	struct diff_ctx *c = ctx;

	c->events += same_decoding(obj, len);	/* alone */
	if (c->objects++)
		c->list[c->list_len++] = ',';
	memcpy(c->list + c->list_len, obj, len);
	c->list_len += len;
	return 0;
}

static size_t diff_file(const char *path)
{
	static const char head[] = "{\"kind\":\"EventList\",\"apiVersion\":\"audit.k8s.io/v1\",\"items\":[";
	struct diff_ctx c = { NULL, 0, 0, 0 };
	struct docker_splitter *sp;
	size_t len, listed;
	char *buf = test_data_slurp(path, &len);

	assert_non_null(buf);
	c.list = malloc(len + sizeof(head) + 16);
	memcpy(c.list, head, sizeof(head) - 1);
	c.list_len = sizeof(head) - 1;
	same_decoding(buf, len);	/* the file as it is (not always one value) */
	assert_int_equal(docker_splitter_new(1 << 20, &sp), 0);
	docker_splitter_feed(sp, buf, len, diff_object, &c);
	docker_splitter_free(sp);
	memcpy(c.list + c.list_len, "]}", 2);
	c.list_len += 2;
	listed = same_decoding(c.list, c.list_len);
	assert_true(listed <= c.objects);
	free(c.list);
	free(buf);
	return c.events;
}

static size_t diff_tree(const char *dir, const char *suffix)
{
	char path[4096];
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t events = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name), m = strlen(suffix);

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (n > m && strcmp(e->d_name + n - m, suffix) == 0)
			events += diff_file(path);
		else if (!strchr(e->d_name, '.'))
			events += diff_tree(path, suffix);
	}
	closedir(d);
	return events;
}

static size_t diff_dir(const char *rel, const char *suffix)
{
	char *dir = shared_path(rel);
	size_t n = diff_tree(dir, suffix);

	free(dir);
	return n;
}

/* Every real file (falco traces, crowdsec logs): each object alone and all
 * of a file in one EventList decode the same with both decoders. */
static void test_stream_same_as_tree(void **state)
{
	size_t n;

	(void)state;
	SKIP_IF_NO_DATA();
	n = diff_dir("falco", ".json");
	n += diff_dir("crowdsec", ".log");
	assert_true(n >= 53);
}

/* Hand-made corner cases: repeated keys (the last wins), odd shapes. */
static void test_stream_corners(void **state)
{
	static const char *bodies[] = {
		"", " ", "5", "\"x\"", "null", "[]", "[1,2]", "{}", "{\"kind\":", "{\"a\":1} x",
		"{\"kind\":0}", "{\"kind\":null,\"verb\":\"get\"}", "{\"verb\":\"get\"}",
		"{\"auditID\":\"a\",\"apiVersion\":\"audit.k8s.io/v1\"}", "{\"verb\":\"get\",\"apiVersion\":null}",
		"{\"kind\":\"EventList\",\"items\":null}", "{\"kind\":\"EventList\"}",
		"{\"kind\":\"EventList\",\"verb\":\"get\"}", "{\"kind\":\"EventList\",\"items\":{}}",
		"{\"kind\":\"EventList\",\"items\":5}", "{\"kind\":\"Event\",\"verb\":\"get\",\"items\":5}",
		"{\"kind\":\"Event\",\"verb\":\"get\",\"items\":[{\"verb\":\"x\"}]}",
		"{\"kind\":\"EventList\",\"items\":[1,\"s\",null,[],{},{\"verb\":\"a\"},{\"verb\":\"b\",\"apiVersion\":\"v1\"}]}",
		"{\"kind\":\"EventList\",\"items\":[{\"verb\":\"a\"}],\"items\":[{\"verb\":\"b\"},{\"verb\":\"c\"}]}",
		"{\"kind\":\"EventList\",\"items\":[{\"verb\":\"a\"}],\"items\":null}",
		"{\"kind\":\"EventList\",\"items\":[{\"verb\":\"a\",\"verb\":5,\"auditID\":\"i\"}]}",
		"{\"verb\":\"get\",\"user\":{\"username\":\"a\",\"groups\":[\"x\",1,\"y\"]},\"user\":{\"groups\":[\"z\"]}}",
		"{\"verb\":\"get\",\"user\":[],\"impersonatedUser\":{\"username\":\"i\"},\"sourceIPs\":[\"1\",{},\"2\"]}",
		"{\"verb\":\"get\",\"responseStatus\":{\"code\":1.0}}", "{\"verb\":\"get\",\"responseStatus\":{\"code\":-7}}",
		"{\"verb\":\"get\",\"responseStatus\":{\"code\":1,\"code\":\"x\"}}",
		"{\"verb\":\"get\",\"responseStatus\":{\"code\":99999999999999999999}}",
		"{\"verb\":\"get\",\"responseStatus\":{\"code\":1e999}}",
		"{\"verb\":\"get\",\"stageTimestamp\":\"bad\",\"requestReceivedTimestamp\":\"2020-01-02T03:04:05.123456Z\"}",
		"{\"verb\":\"get\",\"timestamp\":\"2020-01-02T03:04:05Z\",\"stageTimestamp\":5}",
		"{\"verb\":\"a\\u0000b\"}", "{\"ver\\u0000b\":1}", "{\"verb\":\"\\u00e9\\ud83d\\ude00\"}",
		"{\"verb\":\"create\",\"objectRef\":{\"resource\":\"pods\",\"namespace\":\"n\"},"
		"\"requestObject\":{\"metadata\":{\"name\":\"fromreq\"}},\"responseObject\":{\"metadata\":{\"name\":\"r\"}}}",
		"{\"verb\":\"create\",\"objectRef\":{\"resource\":\"pods\"},\"responseObject\":{\"metadata\":{\"name\":\"r\"},"
		"\"spec\":{\"containers\":[{\"securityContext\":{\"privileged\":true}}]}}}",
		"{\"verb\":\"patch\",\"objectRef\":{\"resource\":\"pods\",\"name\":\"p\"},\"requestObject\":{\"x\":1},"
		"\"responseObject\":{\"kind\":\"Pod\",\"spec\":{\"hostNetwork\":true,\"hostNetwork\":false,\"hostPID\":true}}}",
		"{\"verb\":\"update\",\"requestObject\":{\"spec\":{\"jobTemplate\":{\"spec\":{\"template\":{\"spec\":"
		"{\"hostIPC\":true,\"volumes\":[{\"hostPath\":{\"path\":\"/a\"}},{\"hostPath\":{\"path\":\"/b\",\"path\":\"/c\"}},"
		"{\"hostPath\":{\"path\":\"/d\"},\"hostPath\":{}},{\"hostPath\":{\"path\":\"/a\"}}]}}}}}}}",
		"{\"verb\":\"create\",\"requestObject\":{\"kind\":\"Pod\",\"spec\":{\"template\":{\"spec\":{\"hostPID\":true}},"
		"\"hostIPC\":true}}}",
		"{\"verb\":\"create\",\"requestObject\":{\"spec\":{\"template\":{\"spec\":{\"hostPID\":true}},"
		"\"template\":{\"x\":1},\"containers\":[]}}}",
		"{\"verb\":\"create\",\"requestObject\":{\"spec\":{\"containers\":{}}},\"responseObject\":{\"kind\":\"Pod\","
		"\"spec\":{\"hostPID\":true}}}",
		"{\"verb\":\"create\",\"requestObject\":{\"kind\":\"Pod\",\"spec\":{\"initContainers\":[{\"securityContext\":"
		"{\"capabilities\":{\"add\":[\"B\",\"A\"]},\"privileged\":true,\"allowPrivilegeEscalation\":true}},"
		"{\"securityContext\":{\"privileged\":true},\"securityContext\":{\"capabilities\":{\"add\":[\"C\"],\"add\":[\"D\",5]}}},"
		"{\"securityContext\":{\"privileged\":false}},7],\"containers\":[{\"securityContext\":{\"privileged\":true,"
		"\"privileged\":null,\"capabilities\":{\"add\":[\"E\"]},\"capabilities\":5}}],\"ephemeralContainers\":"
		"[{\"securityContext\":{\"allowPrivilegeEscalation\":true}}],\"containers\":[{\"securityContext\":"
		"{\"capabilities\":{\"add\":[\"F\"]}}}]}}}",
		"{\"verb\":\"create\",\"requestObject\":{\"spec\":{\"containers\":[]},\"spec\":5},"
		"\"responseObject\":{\"kind\":\"Pod\",\"spec\":{\"hostPID\":true}}}",
		"{\"verb\":\"create\",\"requestObject\":5,\"requestObject\":{\"kind\":\"Pod\",\"spec\":{\"hostPID\":true}}}",
		"{\"verb\":\"create\",\"objectRef\":{\"resource\":\"pods\",\"name\":\"p\"},\"objectRef\":{\"resource\":\"pods\"},"
		"\"requestURI\":\"/x?command=a&command=b\",\"requestURI\":\"/y?command=c\"}",
	};
	char *deep;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++)
		same_decoding(bodies[i], strlen(bodies[i]));
	/* jansson's depth limit: 2048 nested values pass, 2049 do not */
	deep = malloc(2 * 2049 + 64);
	for (size_t depth = 2047; depth <= 2049; depth++) {
		size_t o = (size_t)sprintf(deep, "{\"verb\":\"get\",\"x\":");
		for (i = 0; i < depth - 1; i++)
			deep[o++] = '[';
		for (i = 0; i < depth - 1; i++)
			deep[o++] = ']';
		deep[o++] = '}';
		same_decoding(deep, o);
	}
	free(deep);
	/* a 2 MiB string (the parser does not keep a store that large), then a
	 * small body through the same parser */
	{
		size_t big = 2u << 20, o;
		char *j = malloc(big + 64);

		o = (size_t)sprintf(j, "{\"verb\":\"");
		memset(j + o, 'v', big);
		o += big;
		o += (size_t)sprintf(j + o, "\",\"sourceIPs\":[\"1\"]}");
		assert_int_equal(same_decoding(j, o), 1);
		free(j);
		assert_int_equal(same_decoding(bodies[12], strlen(bodies[12])), 1);
	}
	/* jansson takes "[7\0]" as [7]; the streaming decoder refuses it */
	{
		static const char nul[] = "{\"verb\":\"get\",\"x\":[7\0]}";
		struct k8s_audit_batch *batch = NULL;
		struct k8s_audit_parser *p;
		json_t *root;
		size_t items;

		assert_int_equal(k8s_ref_load(nul, sizeof(nul) - 1, &root, &items), 0);
		json_decref(root);
		assert_int_equal(k8s_audit_parser_new(&p), 0);
		assert_int_equal(k8s_audit_parser_run(p, nul, sizeof(nul) - 1, &batch), -EBADMSG);
		k8s_audit_parser_free(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_falco_trace),
		cmocka_unit_test(test_slim_same_events),
		cmocka_unit_test(test_falco_labels),
		cmocka_unit_test(test_negative_pods),
		cmocka_unit_test(test_exec_pod_fields),
		cmocka_unit_test(test_crowdsec),
		cmocka_unit_test(test_bodies),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_stream_same_as_tree),
		cmocka_unit_test(test_stream_corners),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
