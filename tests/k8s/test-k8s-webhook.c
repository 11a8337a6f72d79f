/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tests of the audit webhook server (recorder/k8s-webhook.h): the server
 * runs in this process on a loopback port; a real HTTP client (curl, as a
 * child process) POSTs the real audit events of $FDR_SHARED/data/k8s-audit
 * wrapped in an EventList, the way kube-apiserver's webhook backend does,
 * plus malformed and hostile requests. TLS with client certificates uses
 * certificates made by openssl at test time.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "recorder/docker-events.h"
#include "recorder/k8s-webhook.h"

static char tmpdir[] = "/tmp/fdr-k8s-webhook-XXXXXX";

static int have_data(void)
{
	const char *b = getenv("FDR_SHARED");
	char p[4096];
	struct stat st;

	if (!b)
		return 0;
	snprintf(p, sizeof(p), "%s/data/k8s-audit/falco", b);
	return stat(p, &st) == 0;
}

static int have_curl(void)
{
	return system("curl --version >/dev/null 2>&1") == 0;
}

/* Run curl; return the HTTP status it got (0 when none). */
static int curl_status(const char *fmt, ...)
{
	char args[2048], cmd[2600], out[32] = "";
	va_list ap;
	FILE *p;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "curl -s -o /dev/null -w '%%{http_code}' --max-time 60 %s", args);
	p = popen(cmd, "r");
	assert_non_null(p);
	if (!fgets(out, sizeof(out), p))
		out[0] = '\0';
	pclose(p);
	return atoi(out);
}

/* ---- the EventList of every real event ---------------------------------- */

struct list {
	FILE *f;
	size_t n;
};

static int add_item(void *ctx, const char *obj, size_t len)
{
	struct list *l = ctx;

	fputs(l->n ? "," : "", l->f);
	fwrite(obj, 1, len, l->f);
	l->n++;
	return 0;
}

static void add_file(struct list *l, const char *path)
{
	struct docker_splitter *s;
	char buf[65536];
	size_t n;
	FILE *f = fopen(path, "rb");

	assert_non_null(f);
	assert_int_equal(docker_splitter_new(1 << 20, &s), 0);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		docker_splitter_feed(s, buf, n, add_item, l);
	docker_splitter_free(s);
	fclose(f);
}

/* Writes tmpdir/list.json; returns the number of events in it. */
static size_t make_list(void)
{
	const char *b = getenv("FDR_SHARED");
	char path[4096];
	struct list l = { NULL, 0 };
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "%s/list.json", tmpdir);
	l.f = fopen(path, "w");
	assert_non_null(l.f);
	fputs("{\"kind\":\"EventList\",\"apiVersion\":\"audit.k8s.io/v1\",\"metadata\":{},\"items\":[", l.f);
	snprintf(path, sizeof(path), "%s/data/k8s-audit/falco", b);
	d = opendir(path);
	assert_non_null(d);
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);

		if (n < 5 || strcmp(e->d_name + n - 5, ".json") || !strcmp(e->d_name, "fal_01_003.json"))
			continue;
		snprintf(path, sizeof(path), "%s/data/k8s-audit/falco/%s", b, e->d_name);
		add_file(&l, path);
	}
	closedir(d);
	snprintf(path, sizeof(path), "%s/data/k8s-audit/crowdsec/k8s-audit-pod-exec-file/k8s-audit-pod-exec-file.log", b);
	add_file(&l, path);
	snprintf(path, sizeof(path), "%s/data/k8s-audit/crowdsec/k8s-audit-priv-pod-file/k8s-audit-priv-pod-file.log", b);
	add_file(&l, path);
	fputs("]}", l.f);
	fclose(l.f);
	return l.n;
}

struct tally {
	size_t n, exec_bash, exec_binbash, privileged;
};

static void on_event(void *ctx, const struct k8s_ev *k)
{
	struct tally *t = ctx;
	struct fdr_strv cmd = fdr_event_strv(&k->ev, FDR_F_EXEC_COMMAND);
	struct fdr_strv fl = fdr_event_strv(&k->ev, FDR_F_POD_FLAGS);

	assert_int_equal(k->ev.kind, FDR_K8S_AUDIT);
	assert_true(fdr_event_has(&k->ev, FDR_F_VERB));
	t->n++;
	if (fdr_str_eq(fdr_event_str(&k->ev, FDR_F_SUBRESOURCE), "exec") && cmd.n == 1) {
		if (fdr_str_eq(cmd.v[0], "bash"))
			t->exec_bash++;
		if (fdr_str_eq(cmd.v[0], "/bin/bash"))
			t->exec_binbash++;
	}
	for (uint32_t i = 0; i < fl.n; i++)
		if (fdr_str_eq(fl.v[i], "privileged"))
			t->privileged++;
}

static struct k8s_webhook *start(struct k8s_webhook_opts *o)
{
	struct k8s_webhook *w = NULL;
	char err[512];
	int rc = k8s_webhook_new(o, &w, err, sizeof(err));

	if (rc)
		fail_msg("k8s_webhook_new: %s", err);
	assert_true(k8s_webhook_port(w) > 0);
	return w;
}

static void test_real_events_and_bad_requests(void **state)
{
	struct k8s_webhook_opts o = K8S_WEBHOOK_OPTS_INIT;
	struct k8s_webhook_stats st;
	struct k8s_webhook *w;
	struct tally t = { 0 };
	char url[128], big[4096];
	size_t expect;
	unsigned port;
	int fd;

	(void)state;
	if (!have_data() || !have_curl()) {
		printf("SKIP: needs FDR_SHARED data and curl\n");
		skip();
	}
	o.listen = "127.0.0.1:0";
	w = start(&o);
	port = k8s_webhook_port(w);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/k8s-audit", port);
	expect = make_list();
	assert_true(expect >= 53);

	/* the real events, as the API server sends them */
	assert_int_equal(curl_status("-H 'Content-Type: application/json' --data-binary @%s/list.json %s",
				     tmpdir, url), 200);
	assert_int_equal(k8s_webhook_drain(w, 64, on_event, &t), expect);
	assert_int_equal(t.n, expect);
	assert_int_equal(t.exec_bash, 1);	/* falco exec_pod.json */
	assert_int_equal(t.exec_binbash, 1);	/* crowdsec, %2Fbin%2Fbash */
	printf("%zu events, %zu privileged\n", t.n, t.privileged);
	assert_int_equal(t.privileged, 4);	/* 3 falco pods + crowdsec */

	/* malformed: Falco's own bad event, truncated JSON, wrong type/method */
	assert_int_equal(curl_status("-H 'Content-Type: application/json' --data-binary @%s/data/k8s-audit/falco/fal_01_003.json %s",
				     getenv("FDR_SHARED"), url), 400);
	assert_int_equal(curl_status("-H 'Content-Type: application/json' -d '{\"kind\":\"EventList\",\"items\":[{\"verb\":' %s",
				     url), 400);
	assert_int_equal(curl_status("-H 'Content-Type: text/plain' --data-binary @%s/list.json %s",
				     tmpdir, url), 415);
	assert_int_equal(curl_status("%s", url), 405);
	assert_int_equal(curl_status("-H 'Content-Type: application/json' -d '' %s", url), 400);

	/* a 100 MB body: refused from its Content-Length, and when chunked */
	snprintf(big, sizeof(big), "%s/big.json", tmpdir);
	fd = open(big, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 100 << 20), 0);
	close(fd);
	assert_int_equal(curl_status("-H 'Content-Type: application/json' --data-binary @%s %s", big, url), 413);
	assert_int_equal(curl_status("-H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' --data-binary @%s %s",
				     big, url), 413);
	unlink(big);

	/* still alive and well */
	t.n = 0;
	assert_int_equal(curl_status("-H 'Content-Type: application/json; charset=utf-8' --data-binary @%s/list.json %s",
				     tmpdir, url), 200);
	assert_int_equal(k8s_webhook_drain(w, 64, on_event, &t), expect);
	k8s_webhook_stats(w, &st);
	assert_int_equal(st.accepted, 2);
	assert_int_equal(st.rejected, 7);
	assert_int_equal(st.shed_requests, 0);
	assert_int_equal(st.drained, 2 * expect);
	/* every body buffer given back (the server finishes a request just
	 * after its answer leaves, so give it a moment) */
	for (int i = 0; i < 200 && st.inflight; i++) {
		usleep(10000);
		k8s_webhook_stats(w, &st);
	}
	assert_int_equal(st.inflight, 0);
	k8s_webhook_free(w);
}

static void test_shed_when_full(void **state)
{
	struct k8s_webhook_opts o = K8S_WEBHOOK_OPTS_INIT;
	struct k8s_webhook *w;
	struct tally t = { 0 };
	char url[128];
	uint64_t from = 0, to = 0;
	size_t expect;

	(void)state;
	if (!have_data() || !have_curl()) {
		printf("SKIP: needs FDR_SHARED data and curl\n");
		skip();
	}
	o.listen = "127.0.0.1:0";
	o.queue_len = 2;
	w = start(&o);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/", k8s_webhook_port(w));
	expect = make_list();
	for (int i = 0; i < 2; i++)
		assert_int_equal(curl_status("-H 'Content-Type: application/json' --data-binary @%s/list.json %s",
					     tmpdir, url), 200);
	assert_int_equal(curl_status("-H 'Content-Type: application/json' --data-binary @%s/list.json %s",
				     tmpdir, url), 429);
	assert_int_equal(k8s_webhook_take_shed(w, &from, &to), expect);
	assert_true(from > 0 && to >= from);
	assert_int_equal(k8s_webhook_take_shed(w, &from, &to), 0);
	/* bodies are drained whole; the fd stays readable while any remain */
	{
		struct pollfd p = { .fd = k8s_webhook_fd(w), .events = POLLIN };

		assert_int_equal(poll(&p, 1, 0), 1);
		assert_int_equal(k8s_webhook_drain(w, 1, on_event, &t), expect);
		assert_int_equal(poll(&p, 1, 0), 1);
		assert_int_equal(k8s_webhook_drain(w, 1, on_event, &t), expect);
		assert_int_equal(k8s_webhook_drain(w, 1, on_event, &t), 0);
		assert_int_equal(poll(&p, 1, 0), 0);
	}
	assert_int_equal(curl_status("-H 'Content-Type: application/json' --data-binary @%s/list.json %s",
				     tmpdir, url), 200);
	k8s_webhook_free(w);	/* with one body still queued: freed, no leak */
}

static void test_bearer_token(void **state)
{
	struct k8s_webhook_opts o = K8S_WEBHOOK_OPTS_INIT;
	struct k8s_webhook *w;
	char url[128], tok[4096];
	const char *ev = "'{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"verb\":\"get\",\"auditID\":\"x\"}'";
	FILE *f;
	char err[256];

	(void)state;
	if (!have_curl()) {
		printf("SKIP: needs curl\n");
		skip();
	}
	snprintf(tok, sizeof(tok), "%s/token", tmpdir);
	f = fopen(tok, "w");
	fputs("s3cret-token\n", f);
	fclose(f);
	o.listen = "127.0.0.1:0";
	o.token_file = tok;
	w = start(&o);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/", k8s_webhook_port(w));
	assert_int_equal(curl_status("-H 'Content-Type: application/json' -d %s %s", ev, url), 401);
	assert_int_equal(curl_status("-H 'Authorization: Bearer s3cret-tokeN' -H 'Content-Type: application/json' -d %s %s",
				     ev, url), 401);
	assert_int_equal(curl_status("-H 'Authorization: Bearer s3cret-token' -H 'Content-Type: application/json' -d %s %s",
				     ev, url), 200);
	k8s_webhook_free(w);

	/* configuration errors are named */
	o.token_file = "/nonexistent/token";
	assert_true(k8s_webhook_new(&o, &w, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "/nonexistent/token"));
	o.token_file = NULL;
	o.listen = "localhost:x";
	assert_int_equal(k8s_webhook_new(&o, &w, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "localhost:x"));
}

static void test_tls_client_cert(void **state)
{
	struct k8s_webhook_opts o = K8S_WEBHOOK_OPTS_INIT;
	struct k8s_webhook *w;
	char cmd[4096], ca[512], crt[512], key[512], ccrt[512], ckey[512], url[128];
	const char *ev = "'{\"kind\":\"EventList\",\"apiVersion\":\"audit.k8s.io/v1\",\"items\":[{\"verb\":\"get\",\"auditID\":\"x\"}]}'";
	struct tally t = { 0 };

	(void)state;
	if (!have_curl() || system("openssl version >/dev/null 2>&1") != 0) {
		printf("SKIP: needs curl and openssl\n");
		skip();
	}
	/* a CA, a server cert for 127.0.0.1, a client cert; all signed by the CA */
	snprintf(cmd, sizeof(cmd),
		 "cd %s && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 1 -subj /CN=fdr-test-ca 2>/dev/null &&"
		 " openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj /CN=127.0.0.1 2>/dev/null &&"
		 " printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext &&"
		 " openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out srv.crt -days 1 -extfile san.ext 2>/dev/null &&"
		 " openssl req -newkey rsa:2048 -nodes -keyout cli.key -out cli.csr -subj /CN=kube-apiserver 2>/dev/null &&"
		 " openssl x509 -req -in cli.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out cli.crt -days 1 2>/dev/null &&"
		 " openssl req -x509 -newkey rsa:2048 -nodes -keyout rogue.key -out rogue.crt -days 1 -subj /CN=rogue 2>/dev/null",
		 tmpdir);
	assert_int_equal(system(cmd), 0);
	snprintf(ca, sizeof(ca), "%s/ca.crt", tmpdir);
	snprintf(crt, sizeof(crt), "%s/srv.crt", tmpdir);
	snprintf(key, sizeof(key), "%s/srv.key", tmpdir);
	snprintf(ccrt, sizeof(ccrt), "%s/cli.crt", tmpdir);
	snprintf(ckey, sizeof(ckey), "%s/cli.key", tmpdir);
	o.listen = "127.0.0.1:0";
	o.cert_file = crt;
	o.key_file = key;
	o.client_ca_file = ca;
	w = start(&o);
	snprintf(url, sizeof(url), "https://127.0.0.1:%u/", k8s_webhook_port(w));
	assert_int_equal(curl_status("--cacert %s --cert %s --key %s -H 'Content-Type: application/json' -d %s %s",
				     ca, ccrt, ckey, ev, url), 200);
	assert_int_equal(k8s_webhook_drain(w, 8, on_event, &t), 1);
	/* no client certificate, or one the CA did not sign */
	assert_int_equal(curl_status("--cacert %s -H 'Content-Type: application/json' -d %s %s", ca, ev, url), 403);
	assert_int_equal(curl_status("--cacert %s --cert %s/rogue.crt --key %s/rogue.key -H 'Content-Type: application/json' -d %s %s",
				     ca, tmpdir, tmpdir, ev, url), 403);
	/* plain HTTP to a TLS port gets no answer */
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/", k8s_webhook_port(w));
	assert_int_equal(curl_status("-H 'Content-Type: application/json' -d %s %s", ev, url), 0);
	k8s_webhook_free(w);
}

/* With wake_events, small bodies wait quietly until that many events are
 * queued (the caller drains the rest on its timer); then the fd wakes. */
static void test_wake_events(void **state)
{
	struct k8s_webhook_opts o = K8S_WEBHOOK_OPTS_INIT;
	struct k8s_webhook *w;
	struct tally t = { 0 };
	struct pollfd p;
	char url[128], path[4096];
	FILE *f;

	(void)state;
	if (!have_curl()) {
		printf("SKIP: needs curl\n");
		skip();
	}
	snprintf(path, sizeof(path), "%s/one.json", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"kind\":\"EventList\",\"apiVersion\":\"audit.k8s.io/v1\",\"items\":"
	      "[{\"kind\":\"Event\",\"auditID\":\"w\",\"verb\":\"get\"}]}", f);
	fclose(f);
	o.listen = "127.0.0.1:0";
	o.wake_events = 3;
	w = start(&o);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/", k8s_webhook_port(w));
	p = (struct pollfd){ .fd = k8s_webhook_fd(w), .events = POLLIN };
	for (int i = 0; i < 2; i++)
		assert_int_equal(curl_status("-H 'Content-Type: application/json' --data-binary @%s %s",
					     path, url), 200);
	assert_int_equal(poll(&p, 1, 0), 0);	/* 2 < 3: no wakeup */
	assert_int_equal(k8s_webhook_drain(w, 64, on_event, &t), 2);	/* the timer's drain */
	for (int i = 0; i < 3; i++)
		assert_int_equal(curl_status("-H 'Content-Type: application/json' --data-binary @%s %s",
					     path, url), 200);
	assert_int_equal(poll(&p, 1, 0), 1);
	assert_int_equal(k8s_webhook_drain(w, 64, on_event, &t), 3);
	assert_int_equal(poll(&p, 1, 0), 0);
	assert_int_equal(t.n, 5);
	k8s_webhook_free(w);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[256];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_events_and_bad_requests),
		cmocka_unit_test(test_shed_when_full),
		cmocka_unit_test(test_bearer_token),
		cmocka_unit_test(test_tls_client_cert),
		cmocka_unit_test(test_wake_events),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
