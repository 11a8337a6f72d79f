/* SPDX-License-Identifier: Apache-2.0 */
/*
 * auth-dump: a test driver for the auth decoders without fdr-record. It runs
 * the same inputs the ssh/sudo sources use (audit multicast, followed log
 * files, a syslog datagram socket) and prints each event as a JSON line.
 *
 *   auth-dump [--audit] [--audit-enable] [--file PATH]... [--syslog PATH]
 *             [--from-start] [--duration SECS] [--ready FILE] [--raw FILE]
 *   auth-dump --lines FILE     decode every line of FILE (auth log forms)
 *   auth-dump --records FILE   decode every audit record line of FILE
 *   auth-dump --audit-user N   send N AUDIT_USER records to the kernel (as
 *                              `auditctl -m` does), to flood the multicast
 *   auth-dump --bench lines|records FILE SECS
 *                              decode FILE over and over for SECS, print
 *                              "auth_<mode>_per_s N <mode>/s" (and events/s)
 *
 * Exit: 0 ok, 1 runtime error, 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include <time.h>
#include <unistd.h>

#include "recorder/rec-audit.h"
#include "recorder/auth-follow.h"
#include "recorder/auth-parse.h"
#include "fdr-text.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void print_event(void *arg, const struct auth_ev *e)
{
	struct fdr_buf b = FDR_BUF_INIT;
	const char *input = arg;
	unsigned f;

	fdr_buf_addf(&b, "{\"time_ns\":%llu,\"kind\":\"%s\",\"input\":\"%s\"",
		     (unsigned long long)e->ev.time_ns, fdr_kind_name(e->ev.kind), input);
	for (f = 1; f < FDR_F_MAX; f++) {
		if (!fdr_event_has(&e->ev, f))
			continue;
		fdr_buf_addf(&b, ",\"%s\":", fdr_field_name(f));
		switch (fdr_field_type(f)) {
		case FDR_T_U64:
			fdr_buf_addf(&b, "%llu", (unsigned long long)e->ev.f[f].u);
			break;
		case FDR_T_I64:
			fdr_buf_addf(&b, "%lld", (long long)e->ev.f[f].i);
			break;
		case FDR_T_STR:
			fdr_buf_add_json_str(&b, e->ev.f[f].s.p, e->ev.f[f].s.len);
			break;
		default:
			fdr_buf_adds(&b, "null");
		}
	}
	fdr_buf_adds(&b, "}\n");
	fwrite(b.p, 1, b.len, stdout);
	fflush(stdout);
	fdr_buf_release(&b);
}

static void on_line(void *arg, const char *line, size_t n)
{
	struct auth_ev e;

	if (auth_line_event(line, n, now_ns(), &e) == 1)
		print_event(arg, &e);
}

struct audit_ctx {
	struct auth_audit_asm *as;
	struct auth_audit_rec rec;
};

static FILE *raw;	/* --raw FILE: every audit record and datagram as received */

static void on_record(void *arg, unsigned type, const char *text, size_t len)
{
	struct audit_ctx *c = arg;

	if (raw)
		fprintf(raw, "type=%u %.*s\n", type, (int)len, text);
	if (auth_audit_parse(text, len, type, &c->rec) == 0)
		auth_audit_asm_feed(c->as, &c->rec);
}

/* Every datagram waiting on the multicast listener fd. */
static void read_audit(int fd, struct audit_ctx *c)
{
	static char buf[8970 + 4096];
	struct rec_audit_rec r;
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0 || (n < 0 && errno == ENOBUFS)) {
		if (n < 0) {
			fprintf(stderr, "auth-dump: audit receive buffer overrun\n");
			continue;
		}
		if (rec_audit_parse(buf, (size_t)n, &r) == 0)
			on_record(c, r.type, buf + NLMSG_HDRLEN, (size_t)n - NLMSG_HDRLEN);
	}
}

static int read_file_lines(const char *path, bool records)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	struct audit_ctx *c = NULL;

	if (!fp) {
		fprintf(stderr, "auth-dump: cannot open '%s': %s\n", path, strerror(errno));
		return 1;
	}
	if (records) {
		c = calloc(1, sizeof(*c));
		c->as = auth_audit_asm_new(print_event, (void *)"audit");
	}
	while ((n = getline(&line, &cap, fp)) > 0) {
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		if (records)
			on_record(c, 0, line, (size_t)n);
		else
			on_line((void *)"file", line, (size_t)n);
	}
	if (c) {
		auth_audit_asm_free(c->as);
		free(c);
	}
	free(line);
	fclose(fp);
	return 0;
}

/* Send n AUDIT_USER messages: each comes back to every multicast listener
 * as a record. */
static int audit_user(unsigned long n)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct {
		struct nlmsghdr nh;
		char text[64];
	} m;
	unsigned long i;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);

	if (fd < 0) {
		fprintf(stderr, "auth-dump: audit socket: %s\n", strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i++) {
		int len = snprintf(m.text, sizeof(m.text), "fdr-test flood %lu", i);

		memset(&m.nh, 0, sizeof(m.nh));
		m.nh.nlmsg_len = NLMSG_LENGTH((size_t)len + 1);
		m.nh.nlmsg_type = AUDIT_USER;
		m.nh.nlmsg_flags = NLM_F_REQUEST;
		m.nh.nlmsg_seq = (uint32_t)i;
		if (sendto(fd, &m, m.nh.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			fprintf(stderr, "auth-dump: send AUDIT_USER: %s\n", strerror(errno));
			close(fd);
			return 1;
		}
	}
	close(fd);
	return 0;
}

static void count_event(void *arg, const struct auth_ev *e)
{
	(void)e;
	(*(uint64_t *)arg)++;
}

/* Decode FILE repeatedly for secs seconds: throughput of the decoders. */
static int bench(const char *mode, const char *path, double secs)
{
	FILE *fp = fopen(path, "r");
	bool records = !strcmp(mode, "records");
	char *buf = NULL, *line;
	size_t cap = 0, total = 0;
	ssize_t n;
	uint64_t lines = 0, events = 0, t0, t1, now = now_ns();
	struct auth_audit_rec *rec = malloc(sizeof(*rec));
	struct auth_audit_asm *as = auth_audit_asm_new(count_event, &events);
	struct auth_ev *e = malloc(sizeof(*e));
	char *text = NULL;

	if (!fp || !rec || !as || !e) {
		fprintf(stderr, "auth-dump: cannot bench '%s'\n", path);
		return 1;
	}
	while ((n = getline(&buf, &cap, fp)) > 0) {
		text = realloc(text, total + (size_t)n + 1);
		memcpy(text + total, buf, (size_t)n);
		total += (size_t)n;
	}
	fclose(fp);
	free(buf);
	t0 = now_ns();
	do {
		size_t i = 0;

		while (i < total) {
			char *nl = memchr(text + i, '\n', total - i);
			size_t len = nl ? (size_t)(nl - (text + i)) : total - i;

			line = text + i;
			if (records) {
				if (auth_audit_parse(line, len, 0, rec) == 0)
					auth_audit_asm_feed(as, rec);
			} else if (auth_line_event(line, len, now, e) == 1) {
				events++;
			}
			lines++;
			i += len + 1;
		}
		t1 = now_ns();
	} while (t1 - t0 < (uint64_t)(secs * 1e9));
	printf("auth_%s_per_s %.0f %s/s\n", mode, (double)lines * 1e9 / (double)(t1 - t0), mode);
	printf("auth_%s_events_per_s %.0f events/s\n", mode, (double)events * 1e9 / (double)(t1 - t0));
	auth_audit_asm_free(as);
	free(rec);
	free(e);
	free(text);
	return 0;
}

int main(int argc, char **argv)
{
	struct auth_follow *files[16];
	unsigned nfiles = 0, i;
	bool audit = false, enable = false, from_start = false;
	const char *syslog_path = NULL, *ready = NULL;
	double duration = 0;
	int nl = -1;
	struct audit_ctx *ac = NULL;
	struct rec_audit_state st = { 0, 0 };
	int old_enabled = -1, sfd = -1, rc = 0, r;
	uint64_t end;

	for (i = 1; i < (unsigned)argc; i++) {
		const char *a = argv[i], *v = i + 1 < (unsigned)argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--lines") && v)
			return read_file_lines(v, false);
		if (!strcmp(a, "--records") && v)
			return read_file_lines(v, true);
		if (!strcmp(a, "--audit-user") && v)
			return audit_user(strtoul(v, NULL, 10));
		if (!strcmp(a, "--bench") && i + 3 < (unsigned)argc)
			return bench(argv[i + 1], argv[i + 2], atof(argv[i + 3]));
		if (!strcmp(a, "--audit"))
			audit = true;
		else if (!strcmp(a, "--audit-enable"))
			enable = audit = true;
		else if (!strcmp(a, "--from-start"))
			from_start = true;
		else if (!strcmp(a, "--file") && v && nfiles < 16) {
			if (auth_follow_open(v, from_start, true, &files[nfiles]))
				return 1;
			nfiles++;
			i++;
		} else if (!strcmp(a, "--syslog") && v) {
			syslog_path = v;
			i++;
		} else if (!strcmp(a, "--raw") && v) {
			raw = fopen(v, "w");
			if (!raw)
				return 1;
			setvbuf(raw, NULL, _IOLBF, 0);
			i++;
		} else if (!strcmp(a, "--ready") && v) {
			ready = v;
			i++;
		} else if (!strcmp(a, "--duration") && v) {
			duration = atof(v);
			i++;
		} else {
			fprintf(stderr, "usage: auth-dump [--audit] [--audit-enable] [--file PATH]... "
				"[--syslog PATH] [--duration S] [--ready FILE] | --lines FILE | --records FILE\n");
			return 2;
		}
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	if (audit) {
		ac = calloc(1, sizeof(*ac));
		ac->as = auth_audit_asm_new(print_event, (void *)"audit");
		r = nl = rec_audit_listen();
		if (r < 0) {
			fprintf(stderr, "auth-dump: cannot listen to kernel audit: %s\n", strerror(-r));
			return 1;
		}
		if (enable) {
			r = rec_audit_get(&st);
			old_enabled = (int)st.enabled;
			if (r) {
				fprintf(stderr, "auth-dump: cannot read audit state: %s\n", strerror(-r));
				rc = 1;
				goto out;
			}
			if (old_enabled == 0 && (r = rec_audit_set(1, 0))) {
				fprintf(stderr, "auth-dump: cannot enable audit: %s\n", strerror(-r));
				rc = 1;
				goto out;
			}
			fprintf(stderr, "auth-dump: kernel audit was %s\n", old_enabled ? "on" : "off, switched on");
		}
	}
	if (syslog_path) {
		struct sockaddr_un su = { .sun_family = AF_UNIX };

		sfd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		snprintf(su.sun_path, sizeof(su.sun_path), "%s", syslog_path);
		unlink(syslog_path);
		if (sfd < 0 || bind(sfd, (struct sockaddr *)&su, sizeof(su))) {
			fprintf(stderr, "auth-dump: cannot bind '%s': %s\n", syslog_path, strerror(errno));
			rc = 1;
			goto out;
		}
		chmod(syslog_path, 0666);
	}
	if (ready)
		close(open(ready, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	end = duration > 0 ? now_ns() + (uint64_t)(duration * 1e9) : 0;
	while (!stop && (!end || now_ns() < end)) {
		struct pollfd pfd[2];
		int np = 0;

		if (nl >= 0) {
			pfd[np].fd = nl;
			pfd[np++].events = POLLIN;
		}
		if (sfd >= 0) {
			pfd[np].fd = sfd;
			pfd[np++].events = POLLIN;
		}
		poll(pfd, (nfds_t)np, 100);
		if (nl >= 0) {
			read_audit(nl, ac);
			auth_audit_asm_flush(ac->as, now_ns(), 1000000000u);
		}
		if (sfd >= 0) {
			char buf[8192];
			ssize_t n;

			while ((n = recv(sfd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
				if (raw)
					fprintf(raw, "syslog %.*s\n", (int)n, buf);
				on_line((void *)"syslog", buf, (size_t)n);
			}
		}
		for (i = 0; i < nfiles; i++)
			auth_follow_poll(files[i], on_line, (void *)"file");
	}
out:
	if (ac) {
		auth_audit_asm_free(ac->as);
		free(ac);
	}
	if (old_enabled == 0)
		rec_audit_set(0, 0);
	if (nl >= 0)
		close(nl);
	if (raw)
		fclose(raw);
	if (sfd >= 0) {
		close(sfd);
		unlink(syslog_path);
	}
	for (i = 0; i < nfiles; i++)
		auth_follow_close(files[i]);
	return rc;
}
