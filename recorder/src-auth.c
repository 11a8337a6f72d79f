/* SPDX-License-Identifier: Apache-2.0 */
/*
 * src-auth: the "ssh" and "sudo" sources of fdr-record.
 *
 * Inputs, whichever the host has (each is named in the log at start):
 *  - kernel audit multicast (rec-audit.h, shared with the proc source's
 *    --exec-audit): PAM and sudo records with login uid and session id.
 *    Read-only, beside auditd. --audit-enable switches audit on when it is
 *    off and back off at exit.
 *  - log files (--auth-log PATH, repeatable; default /var/log/auth.log and
 *    /var/log/secure when present), followed across rotation and truncation
 *    (auth-follow.h), from their end at start. Polled at every tick (about
 *    100 ms): log files give no readiness events worth an inotify watch.
 *  - journald, when the host runs it: `journalctl -f` for sshd and sudo,
 *    read through a pipe.
 *
 * Both sources share one set of inputs: "ssh" keeps ssh.login/ssh.logout,
 * "sudo" keeps sudo.cmd (and user.cmd of other audited commands).
 *
 * Several inputs, one fact: with audit and logs on (sudo also writes to
 * syslog and to its own logfile), a login or a sudo command is seen two or
 * three times. We write one event that carries the facts of all (the log's
 * method, port and full command path; audit's login uid, session id and
 * pid): an event waits MERGE_WINDOW for its twins from the other inputs
 * (one per input: two identical commands in a row stay two events), then is
 * written with its first-seen time. With a single input nothing waits.
 * Twins are matched on kind, user, address, result and sshd pid
 * (ssh.login), user and address (ssh.logout: sshd logs it from another pid
 * than PAM), or cwd, runas, result and command (sudo: audit has the command
 * as typed, the log the resolved path).
 *
 * Loss: an overrun of the audit socket becomes a rec.gap ("audit") sized by
 * the jump of the audit serials across the hole. Log files lose nothing
 * while the recorder runs; lines written while it is down are not read (it
 * starts at the end of each file and does not keep offsets).
 *
 * One shared state (g_shared) serves both sources of one recorder.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "auth-follow.h"
#include "auth-parse.h"
#include "rec-audit.h"
#include "rec-source.h"

#define MAX_LOGS 16
#define MERGE_SLOTS 64
#define MERGE_WINDOW_NS 3000000000ull
#define SUDO_RUNAS_WAIT_NS 1000000000ull
#define JOURNAL_BUF 65536
#define AUDIT_GAP_WAIT_NS 5000000000ull	/* for a record that shows a hole's size */
#define AUDIT_DGRAM (8970 + 4096)	/* kernel MAX_AUDIT_MESSAGE_LENGTH + header */

extern const struct source_ops src_ssh;
extern const struct source_ops src_sudo;

/* Input bits: audit, journald, then one per log file. */
enum { IN_AUDIT = 1u << 0, IN_JOURNAL = 1u << 1, IN_LOG0 = 1u << 2 };
enum { WANT_SSH = 1, WANT_SUDO = 2 };

struct merge_slot {
	bool used;
	unsigned inputs;	/* inputs that reported this fact */
	uint64_t since_ns;	/* receive time */
	struct auth_ev e;
};

struct auth_shared {
	unsigned refs;
	unsigned want;
	struct rec *rec;
	int afd;		/* audit multicast listener, -1 when none */
	char *abuf;
	int audit_was;		/* -1 unknown; 0 when we switched it on */
	uint64_t overruns, malformed;
	/* loss accounting: serial of the last record, the gap being measured */
	uint64_t last_serial, gap_from_ns, gap_seen_ns, gap_lost, gap_jump;
	bool in_gap, gap_drained;
	uint64_t last_read_ns;
	struct auth_audit_asm *as;
	struct auth_audit_rec rec_buf;
	struct log_in {
		struct auth_shared *sh;
		unsigned bit;
		struct auth_follow *f;
		uint64_t dropped_seen;
	} logs[MAX_LOGS];
	unsigned nlogs;
	/* journald */
	pid_t jpid;
	int jfd;
	char *jbuf;
	size_t jlen;
	unsigned inputs;	/* IN_* bits in use */
	struct merge_slot slots[MERGE_SLOTS];
	uint64_t emitted;
};

struct auth_state {
	struct auth_shared *sh;
	unsigned want;
};

static struct auth_shared *g_shared;

/* ---- emission and merging ------------------------------------------ */

static bool str_same(const struct fdr_event *a, const struct fdr_event *b, unsigned f)
{
	struct fdr_str x = fdr_event_str(a, f), y = fdr_event_str(b, f);

	if (!fdr_event_has(a, f) || !fdr_event_has(b, f))
		return true;	/* one side does not know: no conflict */
	return x.len == y.len && !memcmp(x.p, y.p, x.len);
}

/* Single quotes and the backslash sudo puts before a quote inside them. */
static size_t skip_quoting(const char *s, size_t n, size_t i)
{
	while (i < n && (s[i] == '\'' || (s[i] == '\\' && i + 1 < n && s[i + 1] == '\'')))
		i++;
	return i;
}

/* The arguments: sudo's log quotes one holding a blank ('a b', with \' for
 * a quote in it), audit's argv does not: equal when they match with that
 * quoting left out. */
static bool rest_same(const char *x, size_t xn, const char *y, size_t yn)
{
	size_t i = 0, j = 0;

	for (;;) {
		i = skip_quoting(x, xn, i);
		j = skip_quoting(y, yn, j);
		if (i == xn || j == yn)
			return i == xn && j == yn;
		if (x[i++] != y[j++])
			return false;
	}
}

/* "id" (audit, as typed) vs "/usr/bin/id" (log, resolved): same command
 * when the rest matches and the first words share their last component. */
static bool command_same(const struct fdr_event *a, const struct fdr_event *b)
{
	struct fdr_str x = fdr_event_str(a, FDR_F_COMMAND), y = fdr_event_str(b, FDR_F_COMMAND);
	const char *xs, *ys, *xb, *yb;
	size_t xw, yw, xbl, ybl;

	if (!fdr_event_has(a, FDR_F_COMMAND) || !fdr_event_has(b, FDR_F_COMMAND))
		return true;
	xs = memchr(x.p, ' ', x.len);
	ys = memchr(y.p, ' ', y.len);
	xw = xs ? (size_t)(xs - x.p) : x.len;
	yw = ys ? (size_t)(ys - y.p) : y.len;
	if (!rest_same(x.p + xw, x.len - xw, y.p + yw, y.len - yw))
		return false;
	xb = memrchr(x.p, '/', xw);
	yb = memrchr(y.p, '/', yw);
	xb = xb ? xb + 1 : x.p;
	yb = yb ? yb + 1 : y.p;
	xbl = xw - (size_t)(xb - x.p);
	ybl = yw - (size_t)(yb - y.p);
	return xbl == ybl && !memcmp(xb, yb, xbl);
}

static bool twins(const struct auth_ev *a, const struct auth_ev *b)
{
	const struct fdr_event *x = &a->ev, *y = &b->ev;

	if (x->kind != y->kind || !str_same(x, y, FDR_F_USER) || !str_same(x, y, FDR_F_RESULT))
		return false;
	switch (x->kind) {
	case FDR_SSH_LOGIN:
		if (fdr_event_has(x, FDR_F_PID) && fdr_event_has(y, FDR_F_PID) &&
		    x->f[FDR_F_PID].u != y->f[FDR_F_PID].u)
			return false;
		return str_same(x, y, FDR_F_ADDR);
	case FDR_SSH_LOGOUT:
		return str_same(x, y, FDR_F_ADDR);
	case FDR_SUDO_CMD:
		return str_same(x, y, FDR_F_CWD) && str_same(x, y, FDR_F_RUNAS) && command_same(x, y);
	default:
		return false;
	}
}

static void write_event(struct auth_shared *sh, const struct auth_ev *e)
{
	if (rec_emit(sh->rec, "", &e->ev) == 0)
		sh->emitted++;
}

/* Put into dst the fields of src that dst lacks; keep the earlier time. */
static void merge_into(struct auth_ev *dst, const struct auth_ev *src)
{
	struct auth_ev tmp;
	unsigned f;

	auth_ev_copy(&tmp, dst);
	if (src->ev.time_ns && src->ev.time_ns < tmp.ev.time_ns)
		tmp.ev.time_ns = src->ev.time_ns;
	for (f = 1; f < FDR_F_MAX; f++) {
		if (!fdr_event_has(&src->ev, f) || fdr_event_has(&tmp.ev, f))
			continue;
		if (fdr_field_type(f) == FDR_T_STR)
			auth_ev_str(&tmp, f, src->ev.f[f].s.p, src->ev.f[f].s.len);
		else if (fdr_field_type(f) != FDR_T_STRV)
			fdr_event_set_u(&tmp.ev, f, src->ev.f[f].u);
	}
	/* The log names the command resolved; prefer it. */
	if (fdr_event_has(&src->ev, FDR_F_COMMAND) && src->ev.f[FDR_F_COMMAND].s.len >
	    tmp.ev.f[FDR_F_COMMAND].s.len && tmp.ev.kind == FDR_SUDO_CMD) {
		struct auth_ev t2;

		auth_ev_copy(&t2, &tmp);
		fdr_event_clear(&t2.ev, FDR_F_COMMAND);
		auth_ev_copy(&tmp, &t2);
		auth_ev_str(&tmp, FDR_F_COMMAND, src->ev.f[FDR_F_COMMAND].s.p,
			    src->ev.f[FDR_F_COMMAND].s.len);
	}
	auth_ev_copy(dst, &tmp);
}

/* Write the events whose window is over, oldest first. */
static void flush_slots(struct auth_shared *sh, uint64_t now_ns, bool all)
{
	for (;;) {
		struct merge_slot *oldest = NULL;
		unsigned i;

		for (i = 0; i < MERGE_SLOTS; i++) {
			struct merge_slot *s = &sh->slots[i];

			if (s->used && (all || s->since_ns + MERGE_WINDOW_NS <= now_ns) &&
			    (!oldest || s->since_ns < oldest->since_ns))
				oldest = s;
		}
		if (!oldest)
			return;
		write_event(sh, &oldest->e);
		oldest->used = false;
	}
}

/* Read what /proc says of the sshd that logged a login: its login uid and
 * session id, when pam_loginuid has set them. */
static void proc_ids(struct auth_ev *e)
{
	static const struct {
		const char *file;
		unsigned field;
	} ids[] = { { "loginuid", FDR_F_LOGINUID }, { "sessionid", FDR_F_SESSIONID } };
	char path[64], buf[32];
	unsigned i;

	if (!fdr_event_has(&e->ev, FDR_F_PID))
		return;
	for (i = 0; i < 2; i++) {
		ssize_t n;
		int fd;

		if (fdr_event_has(&e->ev, ids[i].field))
			continue;
		snprintf(path, sizeof(path), "/proc/%llu/%s",
			 (unsigned long long)e->ev.f[FDR_F_PID].u, ids[i].file);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			char *end;
			unsigned long long v;

			buf[n] = 0;
			v = strtoull(buf, &end, 10);
			if (end != buf && v != 4294967295ull)
				fdr_event_set_u(&e->ev, ids[i].field, v);
		}
	}
}

static void offer(struct auth_shared *sh, unsigned input, const struct auth_ev *in)
{
	struct merge_slot *match = NULL;
	struct auth_ev e;
	unsigned i, free_slot = MERGE_SLOTS;
	unsigned kind = in->ev.kind;

	if (kind == FDR_SSH_LOGIN || kind == FDR_SSH_LOGOUT) {
		if (!(sh->want & WANT_SSH))
			return;
	} else if (!(sh->want & WANT_SUDO)) {
		return;
	}
	auth_ev_copy(&e, in);
	/* A name for the uid audit gives (sudo's invoking user). */
	if (!fdr_event_has(&e.ev, FDR_F_USER) && fdr_event_has(&e.ev, FDR_F_UID) &&
	    kind != FDR_SSH_LOGIN && kind != FDR_SSH_LOGOUT) {
		struct passwd pw, *res = NULL;
		char buf[1024];

		if (!getpwuid_r((uid_t)e.ev.f[FDR_F_UID].u, &pw, buf, sizeof(buf), &res) && res)
			auth_ev_cstr(&e, FDR_F_USER, pw.pw_name);
	}
	if (kind == FDR_SSH_LOGIN && input != IN_AUDIT)
		proc_ids(&e);
	if (__builtin_popcount(sh->inputs) < 2 || kind == FDR_USER_CMD) {
		write_event(sh, &e);
		return;
	}
	for (i = 0; i < MERGE_SLOTS; i++) {
		struct merge_slot *s = &sh->slots[i];

		if (!s->used) {
			if (free_slot == MERGE_SLOTS)
				free_slot = i;
			continue;
		}
		/* The oldest twin from an input that has not reported it yet
		 * (the same command twice: the first log line goes with the
		 * first audit record). */
		if (!(s->inputs & input) && twins(&s->e, &e) &&
		    (!match || s->since_ns < match->since_ns))
			match = s;
	}
	if (match) {
		/* keep it waiting: a third input may report it too */
		merge_into(&match->e, &e);
		match->inputs |= input;
		return;
	}
	if (free_slot == MERGE_SLOTS) {
		/* full: write the oldest to make room */
		uint64_t oldest = UINT64_MAX;

		for (i = 0; i < MERGE_SLOTS; i++)
			if (sh->slots[i].since_ns < oldest) {
				oldest = sh->slots[i].since_ns;
				free_slot = i;
			}
		write_event(sh, &sh->slots[free_slot].e);
	}
	sh->slots[free_slot].used = true;
	sh->slots[free_slot].inputs = input;
	sh->slots[free_slot].since_ns = rec_now_ns();
	auth_ev_copy(&sh->slots[free_slot].e, &e);
}

static void on_audit_event(void *arg, const struct auth_ev *e)
{
	offer(arg, IN_AUDIT, e);
}

static void on_log_line(void *arg, const char *line, size_t n)
{
	struct log_in *in = arg;
	struct auth_ev e;

	if (auth_line_event(line, n, rec_now_ns(), &e) == 1)
		offer(in->sh, in->bit, &e);
}

static void on_journal_line(struct auth_shared *sh, const char *line, size_t n)
{
	struct auth_ev e;

	if (auth_line_event(line, n, rec_now_ns(), &e) == 1)
		offer(sh, IN_JOURNAL, &e);
}

/* Read every waiting datagram: one record each. A receive-buffer overrun
 * (ENOBUFS: the kernel dropped records for us) is counted, not fatal. */
static int read_audit(struct auth_shared *sh)
{
	struct rec_audit_rec r;
	ssize_t n;

	for (;;) {
		n = recv(sh->afd, sh->abuf, AUDIT_DGRAM, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				sh->gap_drained = sh->in_gap;
				return 0;
			}
			if (errno == ENOBUFS) {
				/* The kernel dropped records for us since the last
				 * read; the serials around the hole say how many
				 * audit events (of every kind) went: an estimate,
				 * as events of several CPUs interleave. */
				sh->overruns++;
				if (!sh->in_gap) {
					sh->in_gap = true;
					sh->gap_from_ns = sh->last_read_ns;
					sh->gap_seen_ns = rec_now_ns();
				}
				continue;
			}
			return -errno;
		}
		if (rec_audit_parse(sh->abuf, (size_t)n, &r)) {
			sh->malformed++;
			continue;
		}
		/* The kernel reports the overrun before the records still
		 * queued: the hole is further on, where the serials jump the
		 * most (small jumps are events of several CPUs interleaving),
		 * at the latest at the first record after we caught up. */
		if (sh->in_gap && sh->last_serial && r.serial > sh->last_serial + 1 &&
		    r.serial - sh->last_serial - 1 > sh->gap_jump &&
		    r.serial - sh->last_serial < (1ull << 32))
			sh->gap_jump = r.serial - sh->last_serial - 1;
		if (sh->in_gap && sh->gap_drained) {
			sh->gap_lost += sh->gap_jump ? sh->gap_jump : 1;
			sh->in_gap = sh->gap_drained = false;
			sh->gap_jump = 0;
		}
		if (r.serial > sh->last_serial)
			sh->last_serial = r.serial;
		/* Only user-space records (1100-1199) matter here. */
		if (r.type < 1100 || r.type > 1199)
			continue;
		if (auth_audit_parse_body(&sh->rec_buf, r.type, r.time_ns, r.serial, r.body, r.len) == 0)
			auth_audit_asm_feed(sh->as, &sh->rec_buf);
	}
}

/* ---- inputs --------------------------------------------------------- */

static int open_audit(struct auth_shared *sh, const struct source_ops *ops)
{
	struct rec *rec = sh->rec;
	struct rec_audit_state st = { 0, 0 };
	int r;

	r = rec_audit_listen();
	if (r < 0) {
		rec_log(rec, "auth: kernel audit multicast not available: %s", strerror(-r));
		return r;
	}
	sh->afd = r;
	sh->abuf = malloc(AUDIT_DGRAM);
	sh->as = auth_audit_asm_new(on_audit_event, sh);
	if (!sh->as || !sh->abuf)
		return -ENOMEM;
	r = rec_audit_get(&st);
	if (r == 0 && st.enabled == 0 && rec_option(rec, "audit-enable", 0)) {
		r = rec_audit_set(1, 0);
		if (r) {
			rec_log(rec, "auth: cannot switch kernel audit on: %s", strerror(-r));
		} else {
			sh->audit_was = 0;
			rec_log(rec, "auth: kernel audit was off: switched on (restored at exit)");
		}
	} else if (r == 0 && st.enabled == 0) {
		rec_log(rec, "auth: kernel audit is off: no audit records until it is switched on "
			"(--audit-enable)");
	}
	r = rec_watch_fd(rec, sh->afd, ops);
	if (r) {
		rec_log(rec, "auth: cannot watch the audit socket: %s", strerror(-r));
		return r;
	}
	sh->inputs |= IN_AUDIT;
	sh->last_read_ns = rec_now_ns();
	rec_log(rec, "auth: reading kernel audit multicast (AUDIT_NLGRP_READLOG)");
	return 0;
}

static void add_log(struct auth_shared *sh, const char *path, bool must)
{
	struct stat st;

	if (sh->nlogs == MAX_LOGS) {
		rec_log(sh->rec, "auth: too many --auth-log (at most %d): '%s' ignored", MAX_LOGS, path);
		return;
	}
	if (!must && stat(path, &st))
		return;
	if (auth_follow_open(path, false, true, &sh->logs[sh->nlogs].f)) {
		rec_log(sh->rec, "auth: cannot follow '%s': out of memory", path);
		return;
	}
	rec_log(sh->rec, "auth: following log file '%s'%s", path,
		auth_follow_is_open(sh->logs[sh->nlogs].f) ? "" : " (not there yet: waiting for it)");
	sh->logs[sh->nlogs].sh = sh;
	sh->logs[sh->nlogs].bit = IN_LOG0 << sh->nlogs;
	sh->inputs |= sh->logs[sh->nlogs].bit;
	sh->nlogs++;
}

static bool journald_present(void)
{
	return access("/run/systemd/journal/socket", F_OK) == 0 &&
	       access("/usr/bin/journalctl", X_OK) == 0;
}

static void open_journal(struct auth_shared *sh, const struct source_ops *ops)
{
	int p[2];
	pid_t pid;

	if (!journald_present()) {
		rec_log(sh->rec, "auth: journald not present on this host: not read");
		return;
	}
	if (pipe2(p, O_CLOEXEC))
		return;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);

		dup2(p[1], 1);
		if (devnull >= 0)
			dup2(devnull, 0);
		execl("/usr/bin/journalctl", "journalctl", "-f", "-n", "0", "-q",
		      "-o", "short-iso-precise", "SYSLOG_IDENTIFIER=sshd", "SYSLOG_IDENTIFIER=sshd-session",
		      "SYSLOG_IDENTIFIER=sudo", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	sh->jpid = pid;
	sh->jfd = p[0];
	sh->jbuf = malloc(JOURNAL_BUF);
	if (!sh->jbuf || rec_watch_fd(sh->rec, p[0], ops)) {
		rec_log(sh->rec, "auth: cannot read journald");
		return;
	}
	sh->inputs |= IN_JOURNAL;
	rec_log(sh->rec, "auth: reading journald (journalctl -f, pid %d)", (int)pid);
}

static void read_journal(struct auth_shared *sh)
{
	ssize_t n;

	while ((n = read(sh->jfd, sh->jbuf + sh->jlen, JOURNAL_BUF - sh->jlen)) > 0) {
		size_t start = 0, i, end = sh->jlen + (size_t)n;

		for (i = sh->jlen; i < end; i++)
			if (sh->jbuf[i] == '\n') {
				on_journal_line(sh, sh->jbuf + start, i - start);
				start = i + 1;
			}
		if (start == 0 && end == JOURNAL_BUF)
			start = end;	/* an over-long line: drop it */
		memmove(sh->jbuf, sh->jbuf + start, end - start);
		sh->jlen = end - start;
	}
}

static void shared_release(struct auth_shared *sh)
{
	unsigned i;

	if (sh->afd >= 0) {
		read_audit(sh);
		rec_unwatch_fd(sh->rec, sh->afd);
	}
	for (i = 0; i < sh->nlogs; i++)
		auth_follow_poll(sh->logs[i].f, on_log_line, &sh->logs[i]);
	auth_audit_asm_free(sh->as);	/* emits pending commands */
	sh->as = NULL;
	flush_slots(sh, 0, true);
	if (sh->audit_was == 0) {
		int r = rec_audit_set(0, 0);

		if (r)
			rec_log(sh->rec, "auth: cannot switch kernel audit back off: %s", strerror(-r));
		else
			rec_log(sh->rec, "auth: kernel audit switched back off");
	}
	if (sh->afd >= 0)
		close(sh->afd);
	free(sh->abuf);
	for (i = 0; i < sh->nlogs; i++)
		auth_follow_close(sh->logs[i].f);
	if (sh->jpid > 0) {
		rec_unwatch_fd(sh->rec, sh->jfd);
		close(sh->jfd);
		kill(sh->jpid, SIGTERM);
		waitpid(sh->jpid, NULL, 0);
	}
	free(sh->jbuf);
	free(sh);
}

/* ---- source_ops ----------------------------------------------------- */

static int auth_init(struct rec *rec, void **state, unsigned want, const struct source_ops *ops)
{
	struct auth_state *st = calloc(1, sizeof(*st));
	struct auth_shared *sh = g_shared;
	const char *path;
	unsigned i;
	int r;

	if (!st)
		return -ENOMEM;
	if (sh) {
		sh->refs++;
		sh->want |= want;
		st->sh = sh;
		st->want = want;
		*state = st;
		return 0;
	}
	sh = calloc(1, sizeof(*sh));
	if (!sh) {
		free(st);
		return -ENOMEM;
	}
	sh->rec = rec;
	sh->refs = 1;
	sh->want = want;
	sh->audit_was = -1;
	sh->afd = -1;
	sh->jfd = -1;
	r = open_audit(sh, ops);
	if (r == -ENOMEM)
		goto out_free;
	for (i = 0; (path = rec_option(rec, "auth-log", i)); i++)
		add_log(sh, path, true);
	if (i == 0) {
		add_log(sh, "/var/log/auth.log", false);
		add_log(sh, "/var/log/secure", false);
		if (!sh->nlogs)
			rec_log(rec, "auth: no /var/log/auth.log or /var/log/secure on this host");
	}
	open_journal(sh, ops);
	if (!sh->inputs) {
		rec_log(rec, "auth: no input for ssh/sudo on this host (no audit, log file or journald)");
		r = -EOPNOTSUPP;
		goto out_free;
	}
	if (__builtin_popcount(sh->inputs) > 1)
		rec_log(rec, "auth: %d inputs: one event per fact, merged from what each input "
			"reports within %llu s", __builtin_popcount(sh->inputs),
			MERGE_WINDOW_NS / 1000000000ull);
	g_shared = sh;
	st->sh = sh;
	st->want = want;
	*state = st;
	return 0;
out_free:
	shared_release(sh);
	free(st);
	return r;
}

static int ssh_init(struct rec *rec, void **state)
{
	return auth_init(rec, state, WANT_SSH, &src_ssh);
}

static int sudo_init(struct rec *rec, void **state)
{
	return auth_init(rec, state, WANT_SUDO, &src_sudo);
}

static void auth_on_ready(struct rec *rec, void *state, int fd)
{
	struct auth_state *st = state;
	struct auth_shared *sh = st->sh;

	(void)rec;
	if (sh->afd >= 0 && fd == sh->afd) {
		int r = read_audit(sh);

		if (r < 0)
			rec_log(sh->rec, "auth: audit read failed: %s", strerror(-r));
		sh->last_read_ns = rec_now_ns();
	} else if (fd == sh->jfd) {
		read_journal(sh);
	}
}

static void auth_tick(struct rec *rec, void *state, uint64_t now_ns)
{
	struct auth_state *st = state;
	struct auth_shared *sh = st->sh;
	unsigned i;

	/* Both sources tick; the inputs are shared: let the first one work. */
	if (!(st->want & WANT_SSH) && (sh->want & WANT_SSH))
		return;
	for (i = 0; i < sh->nlogs; i++) {
		uint64_t d;

		struct log_in *in = &sh->logs[i];

		auth_follow_poll(in->f, on_log_line, in);
		d = auth_follow_dropped(in->f);
		if (d != in->dropped_seen) {
			rec_log(rec, "auth: '%s': %llu bytes of over-long or truncated lines dropped",
				auth_follow_path(in->f), (unsigned long long)(d - in->dropped_seen));
			in->dropped_seen = d;
		}
	}
	if (sh->afd >= 0) {
		if (sh->in_gap && now_ns > sh->gap_seen_ns + AUDIT_GAP_WAIT_NS) {
			/* no record after the hole to measure it */
			sh->gap_lost += sh->gap_jump ? sh->gap_jump : 1;
			sh->in_gap = sh->gap_drained = false;
			sh->gap_jump = 0;
		}
		if (sh->gap_lost) {
			rec_log(rec, "auth: audit socket overrun: about %llu audit events lost",
				(unsigned long long)sh->gap_lost);
			rec_lost(rec, "audit", NULL, sh->gap_lost, sh->gap_from_ns, now_ns);
			sh->gap_lost = 0;
		}
		auth_audit_asm_flush(sh->as, now_ns, SUDO_RUNAS_WAIT_NS);
	}
	flush_slots(sh, now_ns, false);
}

static void auth_stop(struct rec *rec, void *state)
{
	struct auth_state *st = state;
	struct auth_shared *sh = st->sh;

	(void)rec;
	free(st);
	if (--sh->refs)
		return;
	g_shared = NULL;
	shared_release(sh);
}

static const struct rec_optdef auth_options[] = {
	{ "auth-log", "PATH", "follow this auth log for ssh/sudo (default: /var/log/auth.log, "
	  "/var/log/secure when present)", true },
	{ "audit-enable", NULL, "switch kernel audit on for ssh/sudo records when it is off "
	  "(restored at exit)", false },
	{ NULL, NULL, NULL, false }
};

const struct source_ops src_ssh = {
	.name = "ssh",
	.on_by_default = true,
	.options = auth_options,
	.init = ssh_init,
	.on_ready = auth_on_ready,
	.tick = auth_tick,
	.stop = auth_stop,
};

const struct source_ops src_sudo = {
	.name = "sudo",
	.on_by_default = true,
	.options = NULL,
	.init = sudo_init,
	.on_ready = auth_on_ready,
	.tick = auth_tick,
	.stop = auth_stop,
};
