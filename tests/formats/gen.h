/* SPDX-License-Identifier: Apache-2.0 */
#ifndef FDR_TEST_GEN_H
#define FDR_TEST_GEN_H

/*
 * Deterministic events for the format tests, fuzz corpus and bench: event i
 * is always the same, so a reader's output can be checked against it
 * without keeping a copy. A realistic mix: exec with argv, file events with
 * paths, net and dns events, ssh/sudo audit events, k8s audit. Every event
 * carries FDR_F_SEQ = i.
 */

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "fdr-event.h"

struct gen_buf {
	char s[16][160];
	struct fdr_str v[8];
	struct fdr_str v2[4];
};

static inline uint64_t gen_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static inline void gen_str(struct fdr_event *ev, unsigned f, char *buf, size_t size,
			   const char *fmt, unsigned long a, unsigned long b)
{
	int n = snprintf(buf, size, fmt, a, b);

	fdr_event_set_str(ev, f, buf, (size_t)n < size ? (size_t)n : size - 1);
}

static inline void gen_event(uint64_t i, struct fdr_event *ev, struct gen_buf *g)
{
	static const char *const bins[] = { "/usr/bin/bash", "/usr/sbin/nginx", "/usr/bin/curl",
					    "/usr/bin/python3", "/bin/sh", "/usr/bin/git" };
	static const char *const users[] = { "root", "alice", "bob", "deploy" };
	uint64_t r = gen_mix(i);
	/* ~50 us apart with jitter; a process does a few things in a row */
	uint64_t t = 1700000000000000000ull + i * 50021ull + (r % 5000);
	unsigned pid = 1000 + (unsigned)(gen_mix(i / 8) % 200), mode = (unsigned)(i % 20);
	struct fdr_addr a = { 4, { 10, 0, 0, (uint8_t)(r >> 16) } };
	struct fdr_addr a6 = { 6, { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (uint8_t)r } };
	const char *bin = bins[(r >> 20) % 6];

	if (mode < 4) {		/* exec with argv (+ its fork) */
		fdr_event_init(ev, mode == 0 ? FDR_PROC_FORK : FDR_PROC_EXEC, t);
		fdr_event_set_cstr(ev, FDR_F_EXE, bin);
		fdr_event_set_cstr(ev, FDR_F_COMM, strrchr(bin, '/') + 1);
		g->v[0] = fdr_str_c(strrchr(bin, '/') + 1);
		g->v[1] = fdr_str_c("-c");
		gen_str(ev, FDR_F_CWD, g->s[0], sizeof(g->s[0]), "/srv/app%lu/w%lu", r % 7, r % 3);
		snprintf(g->s[1], sizeof(g->s[1]), "echo job-%llu && ls /tmp/x%llu",
			 (unsigned long long)(r % 1000), (unsigned long long)(i % 97));
		g->v[2] = fdr_str_c(g->s[1]);
		fdr_event_set_strv(ev, FDR_F_ARGV, g->v, mode == 0 ? 1 : 3);
		fdr_event_set_u(ev, FDR_F_PPID, pid - 1);
		fdr_event_set_u(ev, FDR_F_UID, (r >> 30) % 2 ? 0 : 1000);
		fdr_event_set_u(ev, FDR_F_GID, (r >> 30) % 2 ? 0 : 1000);
		fdr_event_set_cstr(ev, FDR_F_CGROUP, "/system.slice/docker-4f3a9c.scope");
	} else if (mode < 5) {
		fdr_event_init(ev, FDR_PROC_EXIT, t);
		fdr_event_set_i(ev, FDR_F_EXIT_CODE, (int64_t)(r % 3) - 1);
		fdr_event_set_cstr(ev, FDR_F_COMM, strrchr(bin, '/') + 1);
	} else if (mode < 11) {	/* file events */
		static const unsigned fk[] = { FDR_FILE_CREATE, FDR_FILE_MODIFY, FDR_FILE_DELETE,
					       FDR_FILE_RENAME, FDR_FILE_OPEN, FDR_FILE_ATTRIB };
		fdr_event_init(ev, fk[mode - 5], t);
		gen_str(ev, FDR_F_PATH, g->s[2], sizeof(g->s[2]), "/var/lib/app/data/f%lu.%lu",
			r % 300, (r >> 12) % 4);
		if (fk[mode - 5] == FDR_FILE_RENAME)
			gen_str(ev, FDR_F_NEW_PATH, g->s[3], sizeof(g->s[3]),
				"/var/lib/app/data/f%lu.%lu.bak", r % 300, 1);
		fdr_event_set_cstr(ev, FDR_F_COMM, strrchr(bin, '/') + 1);
		if (mode == 6) {
			fdr_event_set_u(ev, FDR_F_COUNT, 1 + r % 9);
			ev->flags = FDR_EVF_COALESCED;
		}
	} else if (mode < 16) {	/* network */
		static const unsigned nk[] = { FDR_NET_CONNECT, FDR_NET_ACCEPT, FDR_NET_CLOSE,
					       FDR_DNS_QUERY, FDR_DNS_ANSWER };
		fdr_event_init(ev, nk[mode - 11], t);
		fdr_event_set_cstr(ev, FDR_F_PROTO, mode == 14 || mode == 15 ? "udp" : "tcp");
		fdr_event_set_addr(ev, FDR_F_SRC, &a);
		fdr_event_set_addr(ev, FDR_F_DST, (r >> 40) % 4 ? &a : &a6);
		fdr_event_set_u(ev, FDR_F_SPORT, 32768 + r % 28000);
		fdr_event_set_u(ev, FDR_F_DPORT, mode >= 14 ? 53 : 443);
		if (mode == 13) {
			fdr_event_set_u(ev, FDR_F_BYTES, r % 100000);
			fdr_event_set_u(ev, FDR_F_PACKETS, r % 300);
			fdr_event_set_u(ev, FDR_F_DURATION, r % 1000000000);
		}
		if (mode >= 14) {
			gen_str(ev, FDR_F_NAME, g->s[4], sizeof(g->s[4]), "svc%lu.example%lu.com",
				r % 20, r % 2);
			fdr_event_set_cstr(ev, FDR_F_QTYPE, "A");
			if (mode == 15) {
				g->v2[0] = fdr_str_c("10.0.0.7");
				fdr_event_set_strv(ev, FDR_F_ANSWERS, g->v2, 1);
			}
		}
	} else if (mode < 18) {	/* ssh / sudo audit */
		fdr_event_init(ev, mode == 16 ? FDR_SSH_LOGIN : FDR_SUDO_CMD, t);
		fdr_event_set_cstr(ev, FDR_F_USER, users[r % 4]);
		if (mode == 16) {
			fdr_event_set_cstr(ev, FDR_F_ADDR, "192.168.1.20");
			fdr_event_set_u(ev, FDR_F_PORT, 50000 + r % 1000);
			fdr_event_set_cstr(ev, FDR_F_METHOD, "publickey");
		} else {
			fdr_event_set_cstr(ev, FDR_F_COMMAND, "/usr/bin/systemctl restart nginx");
			fdr_event_set_cstr(ev, FDR_F_RUNAS, "root");
			fdr_event_set_cstr(ev, FDR_F_TTY, "pts/1");
		}
		fdr_event_set_cstr(ev, FDR_F_RESULT, r % 5 ? "success" : "failure");
		fdr_event_set_u(ev, FDR_F_LOGINUID, 1000);
		fdr_event_set_u(ev, FDR_F_SESSIONID, 3 + r % 4);
	} else {		/* k8s audit / docker */
		fdr_event_init(ev, mode == 18 ? FDR_K8S_AUDIT : FDR_DOCKER, t);
		if (mode == 18) {
			fdr_event_set_cstr(ev, FDR_F_VERB, "create");
			fdr_event_set_cstr(ev, FDR_F_USER, "system:serviceaccount:ci:runner");
			fdr_event_set_cstr(ev, FDR_F_RESOURCE, "pods");
			fdr_event_set_cstr(ev, FDR_F_SUBRESOURCE, "exec");
			fdr_event_set_cstr(ev, FDR_F_NAMESPACE, "prod");
			fdr_event_set_i(ev, FDR_F_CODE, 101);
			gen_str(ev, FDR_F_AUDIT_ID, g->s[5], sizeof(g->s[5]),
				"5b6e0c2a-%08lx-%04lx", r & 0xffffffff, i & 0xffff);
		} else {
			fdr_event_set_cstr(ev, FDR_F_ACTION, "exec_start");
			fdr_event_set_cstr(ev, FDR_F_IMAGE, "nginx:1.25");
			fdr_event_set_cstr(ev, FDR_F_COMMAND, "sh -c id");
		}
	}
	fdr_event_set_u(ev, FDR_F_PID, pid);
	fdr_event_set_u(ev, FDR_F_SEQ, i);
}

/*
 * Event i of a host-like mix for the format bench, modeled on a real
 * fdr-record recording of a busy host (bench/formats.sh says how it was
 * compared): processes live through fork, exec (argv, cwd, ids), the exec
 * of their binary and the loader, a few file events, sometimes a network
 * connection, and their exit; a few percent are ssh/sudo/docker/k8s audit
 * events. Strings repeat as on a host (one binary, one cwd, the same
 * config and log files again and again) but not always: about one argv in
 * six and one path in ten carries a unique part (a number, a temp name).
 * Deterministic like gen_event(); no FDR_F_SEQ.
 */
static inline void gen_host_event(uint64_t i, struct fdr_event *ev, struct gen_buf *g)
{
	static const struct {
		const char *exe, *argv[4];
		unsigned nargs;
		const char *var;	/* printf format of a varying last argument, or NULL */
	} progs[] = {
		{ "/usr/bin/ls", { "ls", "-la", "/srv/app" }, 3, NULL },
		{ "/usr/bin/cat", { "cat", "/etc/hostname" }, 2, NULL },
		{ "/usr/bin/sleep", { "sleep" }, 1, "0.%lu" },
		{ "/usr/bin/curl", { "curl", "-s", "-o", "/dev/null" }, 4, "http://10.0.0.%lu:8080/health" },
		{ "/usr/bin/grep", { "grep", "-c", "ERROR" }, 3, "/var/log/app/app.log.%lu" },
		{ "/usr/bin/git", { "git", "--version" }, 2, NULL },
		{ "/usr/bin/python3", { "python3", "/srv/app/worker.py" }, 2, "--job=%lu" },
		{ "/usr/sbin/nginx", { "nginx", "-s", "reload" }, 3, NULL },
		{ "/usr/bin/date", { "date", "+%s" }, 2, NULL },
		{ "/usr/bin/ps", { "ps", "-eo", "pid,comm" }, 3, NULL },
		{ "/usr/bin/find", { "find", "/tmp", "-mmin" }, 3, "+%lu" },
		{ "/usr/bin/gzip", { "gzip", "-9" }, 2, "/var/log/app/app.log.%lu" },
		{ "/usr/bin/id", { "id", "-u" }, 2, NULL },
		{ "/usr/bin/tail", { "tail", "-n", "50", "/var/log/syslog" }, 4, NULL },
		{ "/usr/bin/awk", { "awk", "{print $1}" }, 2, NULL },
		{ "/usr/bin/sed", { "sed", "-n", "1p" }, 3, NULL },
	};
	static const char *const shells[] = { "/usr/bin/bash", "/usr/sbin/cron", "/usr/bin/dockerd",
					      "/usr/lib/systemd/systemd" };
	static const char *const cwds[] = { "/", "/root", "/srv/app", "/var/lib/docker", "/tmp",
					    "/home/deploy" };
	static const char *const files[] = {
		"/etc/ld.so.cache", "/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/hosts",
		"/etc/resolv.conf", "/var/log/app/app.log", "/var/log/syslog", "/var/log/auth.log",
		"/srv/app/config.yaml", "/srv/app/worker.py", "/var/lib/app/state.db",
		"/var/lib/app/state.db-journal", "/run/app.pid", "/etc/nginx/nginx.conf",
		"/var/cache/app/index",
	};
	static const unsigned fk[] = { FDR_FILE_MODIFY, FDR_FILE_MODIFY, FDR_FILE_OPEN,
				       FDR_FILE_CREATE, FDR_FILE_DELETE, FDR_FILE_MODIFY,
				       FDR_FILE_RENAME, FDR_FILE_ATTRIB };
	static const char *const users[] = { "root", "alice", "deploy" };
	uint64_t proc = i / 8, r = gen_mix(i), rp = gen_mix(proc);
	uint64_t t = 1700000000000000000ull + i * 50021ull + (r % 5000);
	unsigned step = (unsigned)(i % 8), pid = 20000 + (unsigned)(proc % 30000);
	unsigned ppid = 1000 + (unsigned)(rp % 4), prog = (unsigned)((rp >> 8) % 16);
	const char *exe = progs[prog].exe, *comm = strrchr(exe, '/') + 1;
	const char *sh = shells[ppid - 1000], *pcomm = strrchr(sh, '/') + 1;

	if (step == 0) {
		fdr_event_init(ev, FDR_PROC_FORK, t);
		fdr_event_set_cstr(ev, FDR_F_EXE, sh);
		fdr_event_set_cstr(ev, FDR_F_COMM, pcomm);
		fdr_event_set_cstr(ev, FDR_F_PCOMM, pcomm);
	} else if (step == 1) {
		unsigned n = progs[prog].nargs;

		fdr_event_init(ev, FDR_PROC_EXEC, t);
		fdr_event_set_cstr(ev, FDR_F_EXE, exe);
		fdr_event_set_cstr(ev, FDR_F_COMM, comm);
		for (unsigned k = 0; k < n; k++)
			g->v[k] = fdr_str_c(progs[prog].argv[k]);
		if (progs[prog].var) {	/* varies in one process of three */
			snprintf(g->s[1], sizeof(g->s[1]), progs[prog].var,
				 (unsigned long)((rp >> 20) % 3 ? (rp >> 24) % 4 : (rp >> 24) % 1000));
			g->v[n++] = fdr_str_c(g->s[1]);
		}
		fdr_event_set_strv(ev, FDR_F_ARGV, g->v, n);
		fdr_event_set_cstr(ev, FDR_F_CWD, cwds[(rp >> 12) % 6]);
		fdr_event_set_u(ev, FDR_F_UID, (rp >> 16) % 4 ? 0 : 1000);
		fdr_event_set_u(ev, FDR_F_GID, (rp >> 16) % 4 ? 0 : 1000);
		fdr_event_set_u(ev, FDR_F_EUID, (rp >> 16) % 4 ? 0 : 1000);
		fdr_event_set_cstr(ev, FDR_F_PCOMM, pcomm);
	} else if (step == 2 || step == 3) {
		fdr_event_init(ev, FDR_FILE_EXEC, t);
		fdr_event_set_cstr(ev, FDR_F_EXE, exe);
		fdr_event_set_cstr(ev, FDR_F_COMM, comm);
		fdr_event_set_cstr(ev, FDR_F_PATH, step == 2 ? exe : "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
	} else if (step == 7) {
		fdr_event_init(ev, FDR_PROC_EXIT, t);
		fdr_event_set_cstr(ev, FDR_F_EXE, exe);
		fdr_event_set_cstr(ev, FDR_F_COMM, comm);
		fdr_event_set_i(ev, FDR_F_EXIT_CODE, r % 10 ? 0 : 1);
	} else if (step == 5 && r % 10 < 3) {	/* network */
		static const unsigned nk[] = { FDR_NET_CONNECT, FDR_NET_CLOSE, FDR_NET_ACCEPT,
					       FDR_DNS_QUERY };
		struct fdr_addr lo = { 4, { 10, 0, 0, 2 } }, peer = { 4, { 10, 0, 0, (uint8_t)(5 + r % 4) } };
		unsigned k = nk[(r >> 8) % 4];

		fdr_event_init(ev, k, t);
		fdr_event_set_cstr(ev, FDR_F_PROTO, k == FDR_DNS_QUERY ? "udp" : "tcp");
		fdr_event_set_addr(ev, FDR_F_SRC, &lo);
		fdr_event_set_u(ev, FDR_F_SPORT, 32768 + (r >> 16) % 28000);
		fdr_event_set_addr(ev, FDR_F_DST, &peer);
		fdr_event_set_u(ev, FDR_F_DPORT, k == FDR_DNS_QUERY ? 53 : 8080);
		fdr_event_set_cstr(ev, FDR_F_IFACE, "eth0");
		if (k == FDR_NET_CLOSE) {
			fdr_event_set_u(ev, FDR_F_BYTES, (r >> 20) % 100000);
			fdr_event_set_u(ev, FDR_F_PACKETS, (r >> 40) % 300);
		}
		if (k == FDR_DNS_QUERY) {
			fdr_event_set_cstr(ev, FDR_F_NAME, "api.example.com");
			fdr_event_set_cstr(ev, FDR_F_QTYPE, "A");
		}
	} else if (step == 5 && r % 10 == 3) {	/* audit: ssh, sudo, docker, k8s */
		unsigned a = (unsigned)((r >> 8) % 4);

		fdr_event_init(ev, a == 0 ? FDR_SSH_LOGIN : a == 1 ? FDR_SUDO_CMD :
				   a == 2 ? FDR_DOCKER : FDR_K8S_AUDIT, t);
		if (a <= 1) {
			fdr_event_set_cstr(ev, FDR_F_USER, users[(r >> 12) % 3]);
			fdr_event_set_cstr(ev, FDR_F_RESULT, (r >> 16) % 5 ? "success" : "failure");
			fdr_event_set_u(ev, FDR_F_LOGINUID, 1000);
			fdr_event_set_u(ev, FDR_F_SESSIONID, 3 + (r >> 20) % 4);
		}
		if (a == 0) {
			fdr_event_set_cstr(ev, FDR_F_ADDR, "192.168.1.20");
			fdr_event_set_u(ev, FDR_F_PORT, 50000 + (r >> 24) % 1000);
			fdr_event_set_cstr(ev, FDR_F_METHOD, "publickey");
		} else if (a == 1) {
			fdr_event_set_cstr(ev, FDR_F_COMMAND, "/usr/bin/systemctl restart nginx");
			fdr_event_set_cstr(ev, FDR_F_RUNAS, "root");
			fdr_event_set_cstr(ev, FDR_F_TTY, "pts/1");
		} else if (a == 2) {
			fdr_event_set_cstr(ev, FDR_F_ACTION, "exec_start");
			fdr_event_set_cstr(ev, FDR_F_IMAGE, "nginx:1.25");
			fdr_event_set_cstr(ev, FDR_F_COMMAND, "sh -c id");
		} else {
			fdr_event_set_cstr(ev, FDR_F_VERB, "get");
			fdr_event_set_cstr(ev, FDR_F_USER, "system:serviceaccount:ci:runner");
			fdr_event_set_cstr(ev, FDR_F_RESOURCE, "pods");
			fdr_event_set_cstr(ev, FDR_F_NAMESPACE, "prod");
			fdr_event_set_i(ev, FDR_F_CODE, 200);
			gen_str(ev, FDR_F_AUDIT_ID, g->s[5], sizeof(g->s[5]), "5b6e0c2a-%08lx-%04lx",
				(unsigned long)(r & 0xffffffff), (unsigned long)(i & 0xffff));
		}
	} else {		/* file events (steps 4 to 6) */
		unsigned k = fk[(r >> 8) % 8];

		fdr_event_init(ev, k, t);
		fdr_event_set_cstr(ev, FDR_F_EXE, exe);
		fdr_event_set_cstr(ev, FDR_F_COMM, comm);
		if (r % 10 == 0)	/* a temp file of its own */
			gen_str(ev, FDR_F_PATH, g->s[2], sizeof(g->s[2]), "/tmp/tmp.%06lx/out.%lu",
				(unsigned long)(r >> 40), (unsigned long)(r % 7));
		else
			fdr_event_set_cstr(ev, FDR_F_PATH, files[(r >> 12) % 16]);
		if (k == FDR_FILE_RENAME) {	/* a log rotated: "file.N" */
			int len = snprintf(g->s[3], sizeof(g->s[3]), "%s.%u",
					   files[(r >> 12) % 16], (unsigned)((r >> 20) % 10));

			fdr_event_set_str(ev, FDR_F_NEW_PATH, g->s[3], (size_t)len);
		}
		if (k == FDR_FILE_MODIFY && (r >> 16) % 3 == 0) {
			fdr_event_set_u(ev, FDR_F_COUNT, 2 + (r >> 24) % 9);
			ev->flags = FDR_EVF_COALESCED;
		}
	}
	fdr_event_set_u(ev, FDR_F_PID, step == 0 ? ppid : pid);
	fdr_event_set_u(ev, FDR_F_PPID, step == 0 ? ppid - 999 : ppid);
}

/* Field-by-field equality; on a difference writes why into why[256]. */
static inline bool ev_equal(const struct fdr_event *a, const struct fdr_event *b, char *why)
{
	if (a->kind != b->kind || a->flags != b->flags || a->time_ns != b->time_ns ||
	    a->has[0] != b->has[0] || a->has[1] != b->has[1]) {
		snprintf(why, 256, "kind %u/%u flags %u/%u time %llu/%llu has %llx.%llx/%llx.%llx",
			 a->kind, b->kind, a->flags, b->flags, (unsigned long long)a->time_ns,
			 (unsigned long long)b->time_ns, (unsigned long long)a->has[1],
			 (unsigned long long)a->has[0], (unsigned long long)b->has[1],
			 (unsigned long long)b->has[0]);
		return false;
	}
	for (unsigned f = 1; f < FDR_F_MAX; f++) {
		const union fdr_val *x = &a->f[f], *y = &b->f[f];
		bool ok = true;

		if (!fdr_event_has(a, f))
			continue;
		switch (fdr_field_type(f)) {
		case FDR_T_U64:
		case FDR_T_I64:
			ok = x->u == y->u;
			break;
		case FDR_T_STR:
			ok = x->s.len == y->s.len && (!x->s.len || !memcmp(x->s.p, y->s.p, x->s.len));
			break;
		case FDR_T_STRV:
			ok = x->v.n == y->v.n;
			for (uint32_t i = 0; ok && i < x->v.n; i++)
				ok = x->v.v[i].len == y->v.v[i].len &&
				     (!x->v.v[i].len || !memcmp(x->v.v[i].p, y->v.v[i].p, x->v.v[i].len));
			break;
		case FDR_T_ADDR:
			ok = x->a.family == y->a.family &&
			     !memcmp(x->a.b, y->a.b, x->a.family == 4 ? 4 : 16);
			break;
		default:
			break;
		}
		if (!ok) {
			snprintf(why, 256, "field %u (%s) differs", f, fdr_field_name(f));
			return false;
		}
	}
	return true;
}

#endif
