/* SPDX-License-Identifier: Apache-2.0 */
/* Process trees and sessions from in-memory events (the scan that feeds
 * them is tested in test-rp-set). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "replay/rp-session.h"
#include "replay/rp-tree.h"

#define S 1000000000ull

static struct fdr_ring_meta mh, mw, mo;
static struct rp_ring host, web, other;
static struct fdr_event E;
static struct fdr_str V[4];

static int setup(void **state)
{
	(void)state;
	memset(&mh, 0, sizeof(mh));
	strcpy(mh.hostname, "h1");
	mw = mh;
	strcpy(mw.container_id, "abcdef0123456789");
	strcpy(mw.container_name, "web");
	strcpy(mw.image, "nginx:1.25");
	strcpy(mw.pod, "web-7d9");
	strcpy(mw.namespace_, "prod");
	mo = mh;
	strcpy(mo.hostname, "h2");
	host = (struct rp_ring){ .meta = &mh, .host = "h1", .container = "host", .name = "", .image = "",
				 .index = 0, .host_idx = 0, .is_host = true };
	web = (struct rp_ring){ .meta = &mw, .host = "h1", .container = "abcdef0123456789", .name = "web",
				.image = "nginx:1.25", .index = 1, .host_idx = 0 };
	other = (struct rp_ring){ .meta = &mo, .host = "h2", .container = "host", .name = "", .image = "",
				  .index = 2, .host_idx = 1, .is_host = true };
	return 0;
}

static struct fdr_event *ev(unsigned kind, uint64_t t, uint64_t pid, uint64_t ppid)
{
	fdr_event_init(&E, kind, t);
	if (pid)
		fdr_event_set_u(&E, FDR_F_PID, pid);
	if (ppid)
		fdr_event_set_u(&E, FDR_F_PPID, ppid);
	return &E;
}

static struct fdr_event *exec(uint64_t t, uint64_t pid, uint64_t ppid, const char *exe, const char *a1,
			      uint64_t sess)
{
	ev(FDR_PROC_EXEC, t, pid, ppid);
	fdr_event_set_cstr(&E, FDR_F_EXE, exe);
	V[0] = fdr_str_c(strrchr(exe, '/') + 1);
	V[1] = fdr_str_c(a1);
	fdr_event_set_strv(&E, FDR_F_ARGV, V, a1 ? 2 : 1);
	if (sess) {
		fdr_event_set_u(&E, FDR_F_SESSIONID, sess);
		fdr_event_set_u(&E, FDR_F_LOGINUID, 1000);
	}
	return &E;
}

static size_t find(const struct rp_tree *t, unsigned host_idx, uint64_t pid, uint64_t at)
{
	size_t i = rp_tree_find(t, host_idx, pid, at);

	assert_int_not_equal(i, RP_NONE);
	return i;
}

static void test_tree(void **state)
{
	struct rp_tree *t;
	struct fdr_buf b = FDR_BUF_INIT;

	(void)state;
	assert_int_equal(rp_tree_new(&t), 0);
	/* pid 10 was running before the recording (first seen by its exec, scan flag). */
	exec(1 * S, 10, 1, "/usr/sbin/sshd", "-D", 0);
	E.flags = FDR_EVF_SCAN;
	rp_tree_add(t, &host, &E);
	rp_tree_add(t, &host, ev(FDR_PROC_FORK, 2 * S, 20, 10));
	rp_tree_add(t, &host, exec(2 * S + 1, 20, 10, "/bin/bash", NULL, 0));
	/* Same pid on another host: a different process. */
	rp_tree_add(t, &other, ev(FDR_PROC_FORK, 3 * S, 20, 99));
	rp_tree_add(t, &host, ev(FDR_PROC_FORK, 4 * S, 30, 20));
	rp_tree_add(t, &host, exec(4 * S + 1, 30, 20, "/usr/bin/curl", "-O", 0));
	ev(FDR_FILE_CREATE, 5 * S, 30, 0);
	fdr_event_set_cstr(&E, FDR_F_PATH, "/tmp/\x1b[31mx");
	rp_tree_add(t, &host, &E);
	ev(FDR_PROC_EXIT, 6 * S, 30, 0);
	fdr_event_set_u(&E, FDR_F_SIGNAL, 9);
	rp_tree_add(t, &host, &E);
	/* pid 30 reused by an unrelated process. */
	rp_tree_add(t, &host, ev(FDR_PROC_FORK, 7 * S, 30, 10));
	/* A gap in the host ring: alive processes become uncertain. */
	ev(FDR_REC_GAP, 8 * S, 0, 0);
	fdr_event_set_u(&E, FDR_F_LOST, 3);
	rp_tree_add(t, &host, &E);
	ev(FDR_PROC_EXIT, 9 * S, 20, 0);
	fdr_event_set_i(&E, FDR_F_EXIT_CODE, 2);
	rp_tree_add(t, &host, &E);
	rp_tree_finish(t);

	assert_int_equal(rp_tree_nprocs(t), 5);
	assert_int_equal(rp_tree_nroots(t), 2);	/* sshd on h1, pid 20 on h2 */
	const struct rp_proc *sshd = rp_tree_proc(t, find(t, 0, 10, 5 * S));
	assert_true(sshd->started_before);
	assert_true(sshd->running_at_end);
	assert_true(sshd->uncertain);
	const struct rp_proc *bash = rp_tree_proc(t, find(t, 0, 20, 5 * S));
	assert_false(bash->started_before);
	assert_false(bash->running_at_end);
	assert_true(bash->has_exit_code);
	assert_int_equal(bash->exit_code, 2);
	assert_true(bash->uncertain);	/* alive during the gap */
	assert_int_equal(bash->parent, find(t, 0, 10, 5 * S));
	size_t curl_i = find(t, 0, 30, 5 * S);
	const struct rp_proc *curl = rp_tree_proc(t, curl_i);
	assert_string_equal(curl->exe, "/usr/bin/curl");
	assert_int_equal(curl->argc, 2);
	assert_true(curl->has_signal);
	assert_int_equal(curl->signal, 9);
	assert_false(curl->uncertain);	/* ended before the gap */
	assert_int_equal(curl->nacts, 1);
	assert_string_equal(curl->acts[0].kind, "file.create");
	size_t reused = find(t, 0, 30, 7 * S + 1);
	assert_int_not_equal(reused, curl_i);
	assert_int_equal(rp_tree_proc(t, reused)->parent, find(t, 0, 10, 5 * S));
	size_t h2 = find(t, 1, 20, 3 * S);
	assert_int_not_equal(h2, find(t, 0, 20, 3 * S));
	assert_int_equal(rp_tree_proc(t, h2)->parent, RP_NONE);
	assert_int_equal(rp_tree_find(t, 0, 30, 6 * S + S / 2), RP_NONE);	/* dead, not yet reused */

	rp_tree_format(t, &b);
	assert_non_null(strstr(b.p, "host h1\n  container host\n    10 /usr/sbin/sshd: sshd -D  [host] (before) "));
	assert_non_null(strstr(b.p, "      30 /usr/bin/curl: curl -O  [host] 00:00:04.000..00:00:06.000 killed by signal 9\n"));
	assert_non_null(strstr(b.p, "file.create /tmp/\\x1b[31mx\n"));
	assert_non_null(strstr(b.p, "exit 2 (uncertain: gap)"));
	assert_non_null(strstr(b.p, "host h2\n"));
	for (size_t i = 0; i < b.len; i++)
		assert_true(b.p[i] != 0x1b);
	fdr_buf_reset(&b);
	rp_tree_format_json(t, &b);
	assert_non_null(strstr(b.p, "\"pid\":30,\"ppid\":20,\"exe\":\"/usr/bin/curl\",\"argv\":[\"curl\",\"-O\"]"));
	assert_non_null(strstr(b.p, "\"signal\":9,\"started_before\":false,\"running_at_end\":false"));
	fdr_buf_release(&b);
	rp_tree_free(t);
}

/* sudo logs its command (audit or syslog time, another clock, cut to the
 * millisecond or second) a little "before" its own fork sorts: that event is
 * the forked process's, not a process from before the recording. A process
 * seen the same way long before a fork of its pid is another process. */
static void test_logged_before_fork(void **state)
{
	struct rp_tree *t;
	const struct rp_proc *p;

	(void)state;
	assert_int_equal(rp_tree_new(&t), 0);
	rp_tree_add(t, &host, ev(FDR_PROC_FORK, 1 * S, 40, 1));
	ev(FDR_SUDO_CMD, 2 * S + 1000000, 41, 0);
	fdr_event_set_cstr(&E, FDR_F_COMMAND, "/usr/bin/id");
	rp_tree_add(t, &host, &E);
	rp_tree_add(t, &host, ev(FDR_PROC_FORK, 2 * S + 1500000, 41, 40));
	rp_tree_add(t, &host, exec(2 * S + 1600000, 41, 40, "/usr/bin/sudo", "id", 0));
	/* A whole-second syslog time, 0.6 s before the fork. */
	ev(FDR_SUDO_CMD, 3 * S, 42, 0);
	rp_tree_add(t, &host, &E);
	rp_tree_add(t, &host, ev(FDR_PROC_FORK, 3 * S + 600000000, 42, 40));
	/* 50 ms before a fork, with a sub-second time: another process. */
	ev(FDR_SUDO_CMD, 4 * S, 43, 0);
	E.time_ns += 1;
	rp_tree_add(t, &host, &E);
	rp_tree_add(t, &host, ev(FDR_PROC_FORK, 4 * S + 50000001, 43, 40));
	rp_tree_finish(t);

	assert_int_equal(rp_tree_nprocs(t), 5);
	p = rp_tree_proc(t, find(t, 0, 41, 2 * S + 2000000));
	assert_false(p->started_before);
	assert_int_equal(p->start_ns, 2 * S + 1500000);
	assert_int_equal(p->nacts, 1);
	assert_string_equal(p->acts[0].kind, "sudo.cmd");
	assert_int_equal(rp_tree_proc(t, p->parent)->pid, 40);
	p = rp_tree_proc(t, find(t, 0, 42, 4 * S));
	assert_false(p->started_before);
	assert_int_equal(p->nacts, 1);
	p = rp_tree_proc(t, find(t, 0, 43, 4 * S + 1));
	assert_true(p->started_before);
	rp_tree_free(t);
}

static void test_sessions(void **state)
{
	struct rp_sessions *ss;
	struct fdr_buf b = FDR_BUF_INIT;

	(void)state;
	assert_int_equal(rp_sessions_new(&ss), 0);
	ev(FDR_SSH_LOGIN, 10 * S, 500, 0);
	fdr_event_set_cstr(&E, FDR_F_USER, "admin");
	fdr_event_set_cstr(&E, FDR_F_ADDR, "203.0.113.7");
	fdr_event_set_cstr(&E, FDR_F_RESULT, "failure");
	rp_sessions_add(ss, &host, &E);
	fdr_event_set_cstr(&E, FDR_F_RESULT, "success");
	E.time_ns = 12 * S;
	fdr_event_set_u(&E, FDR_F_PID, 501);
	fdr_event_set_u(&E, FDR_F_SESSIONID, 7);
	rp_sessions_add(ss, &host, &E);
	rp_sessions_add(ss, &host, exec(13 * S, 502, 501, "/bin/bash", NULL, 7));
	rp_sessions_add(ss, &host, exec(14 * S, 503, 502, "/usr/bin/sudo", "-i", 7));
	rp_sessions_add(ss, &host, exec(15 * S, 504, 503, "/bin/bash", NULL, 7));
	/* docker exec -it web sh, and the exec it caused in the container. */
	ev(FDR_PROC_EXEC, 16 * S, 505, 504);
	fdr_event_set_cstr(&E, FDR_F_EXE, "/usr/bin/docker");
	struct fdr_str dv[4] = { fdr_str_c("docker"), fdr_str_c("exec"), fdr_str_c("web"), fdr_str_c("sh") };
	fdr_event_set_strv(&E, FDR_F_ARGV, dv, 4);
	fdr_event_set_u(&E, FDR_F_SESSIONID, 7);
	rp_sessions_add(ss, &host, &E);
	ev(FDR_DOCKER, 16 * S + S / 2, 0, 0);
	fdr_event_set_cstr(&E, FDR_F_ACTION, "exec_start");
	fdr_event_set_cstr(&E, FDR_F_CONTAINER, "abcdef0123456789");
	fdr_event_set_cstr(&E, FDR_F_NAME, "web");
	fdr_event_set_cstr(&E, FDR_F_COMMAND, "sh");
	rp_sessions_add(ss, &host, &E);
	rp_sessions_add(ss, &web, exec(16 * S + S / 2 + 1000, 600, 450, "/bin/sh", NULL, 0));
	rp_sessions_add(ss, &web, exec(17 * S, 601, 600, "/usr/bin/id", NULL, 0));
	/* An unrelated process in the container, much later. */
	rp_sessions_add(ss, &web, exec(100 * S, 700, 450, "/bin/sh", NULL, 0));
	/* A pods/exec from the Kubernetes audit, into the same pod. */
	ev(FDR_K8S_AUDIT, 99 * S, 0, 0);
	fdr_event_set_cstr(&E, FDR_F_SUBRESOURCE, "exec");
	fdr_event_set_cstr(&E, FDR_F_USER, "mallory");
	fdr_event_set_cstr(&E, FDR_F_NAMESPACE, "prod");
	fdr_event_set_cstr(&E, FDR_F_NAME, "web-7d9");
	struct fdr_str kc[1] = { fdr_str_c("sh") };
	fdr_event_set_strv(&E, FDR_F_EXEC_COMMAND, kc, 1);
	rp_sessions_add(ss, &host, &E);
	/* A console login nobody recorded the start of. */
	rp_sessions_add(ss, &other, exec(20 * S, 900, 1, "/bin/zsh", NULL, 3));
	rp_sessions_finish(ss);

	assert_int_equal(rp_sessions_count(ss), 3);
	const struct rp_session *s = rp_sessions_get(ss, 0);
	const struct rp_tree *t = rp_sessions_tree(ss);
	assert_string_equal(s->type, "ssh");
	assert_string_equal(s->user, "admin");
	assert_int_equal(s->failures_before, 1);
	assert_int_equal(s->nroots, 1);
	assert_int_equal(rp_tree_proc(t, s->roots[0])->pid, 502);
	/* The container sh is linked under the docker client. */
	size_t client = find(t, 0, 505, 16 * S + 1);
	size_t sh = find(t, 0, 600, 17 * S);
	assert_int_equal(rp_tree_proc(t, client)->link_first, sh);
	assert_non_null(rp_tree_proc(t, sh)->link_label);
	assert_int_equal(rp_tree_proc(t, sh)->first_child, find(t, 0, 601, 17 * S));
	s = rp_sessions_get(ss, 1);
	assert_string_equal(s->type, "login");
	assert_int_equal(s->nroots, 1);
	assert_int_equal(rp_tree_proc(t, s->roots[0])->pid, 900);
	s = rp_sessions_get(ss, 2);
	assert_string_equal(s->type, "pods/exec");
	assert_string_equal(s->user, "mallory");
	assert_int_equal(s->nroots, 1);
	assert_int_equal(rp_tree_proc(t, s->roots[0])->pid, 700);

	rp_sessions_format(ss, &b);
	assert_non_null(strstr(b.p, "session 1: ssh admin from 203.0.113.7 on host h1\n"));
	assert_non_null(strstr(b.p, "(after 1 failed attempt from the same address)"));
	assert_non_null(strstr(b.p, "=> docker exec into web (inferred from timing): sh\n"));
	assert_non_null(strstr(b.p, "601 /usr/bin/id: id  [web]"));
	fdr_buf_reset(&b);
	rp_sessions_format_json(ss, &b);
	assert_non_null(strstr(b.p, "{\"type\":\"ssh\",\"host\":\"h1\",\"user\":\"admin\""));
	assert_non_null(strstr(b.p, "\"linked_by\":\"docker exec into web (inferred from timing): sh\""));
	fdr_buf_release(&b);
	rp_sessions_free(ss);
}

/* The shapes real recordings have (samples/incident): a process between
 * the login and sudo without a session id (partial exec record); runc forks
 * a docker exec's process on the host and it execs in the container's ring;
 * the file source reports a write after the writer exited. */
static void test_sessions_as_recorded(void **state)
{
	struct rp_sessions *ss;

	(void)state;
	assert_int_equal(rp_sessions_new(&ss), 0);
	rp_sessions_add(ss, &host, exec(11 * S, 501, 400, "/usr/sbin/sshd", "-D", 7));
	ev(FDR_SSH_LOGIN, 12 * S, 501, 0);
	fdr_event_set_cstr(&E, FDR_F_USER, "webops");
	fdr_event_set_cstr(&E, FDR_F_RESULT, "success");
	fdr_event_set_u(&E, FDR_F_SESSIONID, 7);
	rp_sessions_add(ss, &host, &E);
	rp_sessions_add(ss, &host, exec(13 * S, 502, 501, "/bin/sh", "-c", 0));
	rp_sessions_add(ss, &host, exec(14 * S, 503, 502, "/usr/bin/sudo", "docker", 7));
	ev(FDR_PROC_EXEC, 15 * S, 505, 503);
	fdr_event_set_cstr(&E, FDR_F_EXE, "/usr/bin/docker");
	struct fdr_str dv[4] = { fdr_str_c("docker"), fdr_str_c("exec"), fdr_str_c("web"), fdr_str_c("sh") };
	fdr_event_set_strv(&E, FDR_F_ARGV, dv, 4);
	fdr_event_set_u(&E, FDR_F_SESSIONID, 7);
	rp_sessions_add(ss, &host, &E);
	ev(FDR_DOCKER, 15 * S + S / 2, 0, 0);
	fdr_event_set_cstr(&E, FDR_F_ACTION, "exec_start");
	fdr_event_set_cstr(&E, FDR_F_CONTAINER, "abcdef0123456789");
	fdr_event_set_cstr(&E, FDR_F_NAME, "web");
	fdr_event_set_cstr(&E, FDR_F_COMMAND, "sh");
	rp_sessions_add(ss, &web, &E);
	rp_sessions_add(ss, &host, exec(15 * S + S / 2 + 10, 450, 440, "/usr/sbin/runc", "init", 0));
	rp_sessions_add(ss, &host, ev(FDR_PROC_FORK, 15 * S + S / 2 + 20, 600, 450));
	rp_sessions_add(ss, &web, exec(15 * S + S / 2 + 30, 600, 450, "/bin/sh", NULL, 0));
	ev(FDR_PROC_EXIT, 16 * S, 600, 450);
	fdr_event_set_i(&E, FDR_F_EXIT_CODE, 0);
	rp_sessions_add(ss, &web, &E);
	ev(FDR_FILE_CREATE, 17 * S, 600, 0);
	fdr_event_set_cstr(&E, FDR_F_PATH, "/etc/passwd");
	rp_sessions_add(ss, &web, &E);
	rp_sessions_finish(ss);

	const struct rp_tree *t = rp_sessions_tree(ss);
	assert_int_equal(rp_sessions_count(ss), 1);
	const struct rp_session *s = rp_sessions_get(ss, 0);
	assert_string_equal(s->type, "ssh");
	/* sudo is under the login's sshd, not a second root beside it */
	assert_int_equal(s->nroots, 1);
	assert_int_equal(rp_tree_proc(t, s->roots[0])->pid, 501);
	/* the exec'd sh belongs to the container and is linked under the client */
	size_t sh = find(t, 0, 600, 16 * S);
	const struct rp_proc *p = rp_tree_proc(t, sh);
	assert_ptr_equal(p->ring, &web);
	assert_int_equal(p->parent, RP_NONE);
	assert_non_null(p->link_label);
	assert_int_equal(rp_tree_proc(t, find(t, 0, 505, 15 * S + 1))->link_first, sh);
	assert_int_equal(rp_tree_proc(t, find(t, 0, 450, 16 * S))->first_child, RP_NONE);
	/* its late-reported write is its own, not a phantom process's */
	assert_true(p->has_exit_code);
	assert_int_equal(p->nacts, 1);
	assert_string_equal(p->acts[0].kind, "file.create");
	assert_string_equal(p->acts[0].text, "/etc/passwd");
	size_t n600 = 0;
	for (size_t i = 0; i < rp_tree_nprocs(t); i++)
		n600 += rp_tree_proc(t, i)->pid == 600;
	assert_int_equal(n600, 1);
	rp_sessions_free(ss);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_logged_before_fork),
		cmocka_unit_test(test_sessions),
		cmocka_unit_test(test_sessions_as_recorded),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
