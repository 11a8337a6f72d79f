/* SPDX-License-Identifier: Apache-2.0 */
/*
 * auth-sudo: sudo's command records (sudo lib/eventlog/eventlog.c,
 * new_logline()), in syslog and in the logfile:
 *
 *   user : [reason ; ]TTY=tty ; [CHROOT=d ; ]PWD=cwd ; USER=runas ;
 *          [GROUP=g ; ][TSID=id ; ][ENV=... ; ]COMMAND=cmd args[ ; EXIT=n]
 *
 * eventlog_store writes HOST= and CWD= instead of the user prefix and PWD=.
 * The logfile wraps entries at loglinelen (80) columns: a blank of the
 * entry becomes "\n    " (sudo lib/eventlog/logwrap.c), so joining each
 * continuation with one blank restores the line exactly.
 *
 * COMMAND= comes last but for EXIT=/SIGNAL= that newer sudo append; the
 * command itself may contain " ; ", so only those known trailers are cut.
 */
#include <errno.h>
#include <string.h>

#include "auth-parse.h"

static struct fdr_str mk(const char *p, size_t n)
{
	struct fdr_str s = { p, (uint32_t)n };

	return s;
}

static bool has_prefix(const char *p, size_t n, const char *lit)
{
	size_t k = strlen(lit);

	return n >= k && !memcmp(p, lit, k);
}

bool auth_sudo_is_continuation(const char *p, size_t n)
{
	return n >= 4 && !memcmp(p, "    ", 4);
}

size_t auth_sudo_unwrap(const char *in, size_t n, char *out, size_t cap)
{
	size_t i = 0, o = 0;

	if (!cap)
		return 0;
	while (i < n && o < cap) {
		if (in[i] == '\r' && i + 1 < n && in[i + 1] == '\n') {
			i++;
			continue;
		}
		if (in[i] == '\n') {
			i++;
			if (i >= n)
				break;
			if (auth_sudo_is_continuation(in + i, n - i))
				i += 4;
			out[o++] = ' ';
			continue;
		}
		out[o++] = in[i++];
	}
	return o;
}

/* Is p[0..n) a segment "KEY=..." with an upper-case key? */
static bool is_key(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && ((p[i] >= 'A' && p[i] <= 'Z') || p[i] == '_'))
		i++;
	return i > 0 && i < n && p[i] == '=';
}

static void set_key(struct auth_sudo_msg *m, const char *p, size_t n)
{
	const char *eq = memchr(p, '=', n);
	size_t k = (size_t)(eq - p);
	struct fdr_str v = mk(eq + 1, n - k - 1);

	if (k == 3 && !memcmp(p, "TTY", 3))
		m->tty = v;
	else if ((k == 3 && !memcmp(p, "PWD", 3)) || (k == 3 && !memcmp(p, "CWD", 3)))
		m->cwd = v;
	else if (k == 4 && !memcmp(p, "USER", 4))
		m->runas = v;
	else if (k == 4 && !memcmp(p, "HOST", 4))
		m->host = v;
}

int auth_sudo_parse(const char *msg, size_t n, struct auth_sudo_msg *m)
{
	size_t i = 0, seg, end, cmd;
	const char *c;

	if (!msg || !m || n > AUTH_LINE_MAX)
		return -EINVAL;
	memset(m, 0, sizeof(*m));
	while (n && (msg[n - 1] == '\r' || msg[n - 1] == '\n' || msg[n - 1] == ' '))
		n--;
	while (i < n && msg[i] == ' ')
		i++;
	/* The command is what follows the last "COMMAND=" that starts a segment. */
	for (cmd = n, c = msg + i; c + 8 <= msg + n; c++) {
		if (!memcmp(c, "COMMAND=", 8) &&
		    (c == msg + i || (c - msg >= 2 && c[-1] == ' ' && (c[-2] == ';' || c[-2] == ':')))) {
			cmd = (size_t)(c - msg);
			break;
		}
	}
	if (cmd == n)
		return -EINVAL;
	/* "user : " unless the record starts with KEY= (eventlog_store form). */
	if (!is_key(msg + i, cmd - i)) {
		const char *sep = NULL;
		size_t k;

		for (k = i; k + 3 <= cmd; k++)
			if (!memcmp(msg + k, " : ", 3)) {
				sep = msg + k;
				break;
			}
		if (!sep)
			return -EINVAL;
		m->user = mk(msg + i, (size_t)(sep - msg) - i);
		i = (size_t)(sep - msg) + 3;
	}
	/* Segments before COMMAND=, separated by " ; ". */
	while (i < cmd) {
		for (end = i; end < cmd; end++)
			if (end + 3 <= n && !memcmp(msg + end, " ; ", 3))
				break;
		seg = end - i;
		if (is_key(msg + i, seg))
			set_key(m, msg + i, seg);
		else if (seg && !m->reason.len && !m->tty.len && !m->cwd.len && !m->runas.len)
			m->reason = mk(msg + i, seg);
		i = end + 3;
	}
	/* COMMAND=...[ ; EXIT=n][ ; SIGNAL=s] */
	i = cmd + 8;
	end = n;
	for (;;) {
		size_t k, found = 0;

		for (k = end; k-- > i + 2;) {
			if (!memcmp(msg + k - 2, " ; ", 3) && (has_prefix(msg + k + 1, end - k - 1, "EXIT=") ||
							      has_prefix(msg + k + 1, end - k - 1, "SIGNAL="))) {
				found = k - 2;
				break;
			}
		}
		if (!found)
			break;
		end = found;
	}
	m->command = mk(msg + i, end - i);
	m->denied = m->reason.len > 0;
	return 0;
}

void auth_sudo_event(const struct auth_sudo_msg *m, uint64_t time_ns, uint64_t pid,
		     struct auth_ev *out)
{
	auth_ev_init(out, FDR_SUDO_CMD, time_ns);
	if (m->user.len)
		auth_ev_str(out, FDR_F_USER, m->user.p, m->user.len);
	if (m->runas.len)
		auth_ev_str(out, FDR_F_RUNAS, m->runas.p, m->runas.len);
	if (m->tty.len)
		auth_ev_str(out, FDR_F_TTY, m->tty.p, m->tty.len);
	if (m->cwd.len)
		auth_ev_str(out, FDR_F_CWD, m->cwd.p, m->cwd.len);
	auth_ev_str(out, FDR_F_COMMAND, m->command.p, m->command.len);
	auth_ev_cstr(out, FDR_F_RESULT, m->denied ? "denied" : "allowed");
	if (m->reason.len)
		auth_ev_str(out, FDR_F_REASON, m->reason.p, m->reason.len);
	if (pid)
		fdr_event_set_u(&out->ev, FDR_F_PID, pid);
	auth_ev_cstr(out, FDR_F_COMM, "sudo");
}
