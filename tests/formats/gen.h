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
