/* SPDX-License-Identifier: Apache-2.0 */
/*
 * auth-sshd: sshd's log messages (OpenSSH auth.c auth_log(), sshd.c,
 * packet.c; pam_unix). The messages matched, across OpenSSH 5.x to 9.x:
 *
 *   Accepted <method> for <user> from <addr> port <port> ssh2[: <key>]
 *   Failed <method> for [invalid user ]<user> from <addr> port <port> ssh2
 *   Invalid user <user> from <addr>[ port <port>]
 *   User <user> from <addr> not allowed because <why>
 *   ROOT LOGIN REFUSED FROM <addr>[ port <port>]
 *   pam_unix(sshd:auth): authentication failure; ... rhost=<addr>[  user=<user>]
 *   error: PAM: Authentication failure for [illegal user ]<user> from <addr>
 *   Connection {closed,reset} by {authenticating,invalid} user <user> <addr> port <port> [preauth]
 *   Disconnected from {authenticating,invalid} user <user> <addr> port <port> [preauth]
 *   Disconnected from user <user> <addr> port <port>
 *   pam_unix(sshd:session): session {opened,closed} for user <user>[(uid=N) by (uid=0)]
 *   Connection closed by <addr> port <port>[ [preauth]]
 *   [fatal: ]Unable to negotiate with <addr>[ port <port>]: <why>
 *
 * A user name may hold spaces (sshd logs what the client sent), so names are
 * found by anchoring on the last " from " / " port " of the line.
 */
#include <errno.h>
#include <string.h>

#include "auth-parse.h"

struct cur {
	const char *p;
	size_t n;
};

static bool starts(struct cur c, const char *lit)
{
	size_t k = strlen(lit);

	return c.n >= k && !memcmp(c.p, lit, k);
}

static bool eat(struct cur *c, const char *lit)
{
	size_t k = strlen(lit);

	if (!starts(*c, lit))
		return false;
	c->p += k;
	c->n -= k;
	return true;
}

/* Last occurrence of lit in c, or -1. */
static long rfind(struct cur c, const char *lit)
{
	size_t k = strlen(lit), i;

	if (c.n < k)
		return -1;
	for (i = c.n - k + 1; i-- > 0;)
		if (!memcmp(c.p + i, lit, k))
			return (long)i;
	return -1;
}

static long find(struct cur c, const char *lit)
{
	size_t k = strlen(lit), i;

	for (i = 0; i + k <= c.n; i++)
		if (!memcmp(c.p + i, lit, k))
			return (long)i;
	return -1;
}

static struct fdr_str mk(const char *p, size_t n)
{
	struct fdr_str s = { p, (uint32_t)n };

	return s;
}

/* A word up to a blank or end. */
static struct fdr_str word(struct cur *c)
{
	size_t i = 0;
	struct fdr_str s;

	while (i < c->n && c->p[i] != ' ')
		i++;
	s = mk(c->p, i);
	c->p += i;
	c->n -= i;
	return s;
}

static bool number(struct cur *c, uint64_t *v)
{
	uint64_t x = 0;
	size_t i = 0;

	while (i < c->n && c->p[i] >= '0' && c->p[i] <= '9' && i < 10)
		x = x * 10 + (uint64_t)(c->p[i++] - '0');
	if (!i)
		return false;
	c->p += i;
	c->n -= i;
	*v = x;
	return true;
}

/* Strip trailing " [preauth]", blanks and CR. */
static struct cur trim(const char *p, size_t n)
{
	struct cur c = { p, n };

	while (c.n && (c.p[c.n - 1] == ' ' || c.p[c.n - 1] == '\r' || c.p[c.n - 1] == '\n'))
		c.n--;
	if (c.n >= 10 && !memcmp(c.p + c.n - 10, " [preauth]", 10))
		c.n -= 10;
	while (c.n && c.p[c.n - 1] == ' ')
		c.n--;
	return c;
}

/* What sshd itself writes after the port: " ssh2", " ssh2: <info>", " ssh1",
 * or an old " on <tty>". */
static bool ssh_trailer(struct cur r)
{
	if (eat(&r, " on "))
		return true;
	if (!eat(&r, " ssh"))
		return false;
	while (r.n && r.p[0] >= '0' && r.p[0] <= '9') {
		r.p++;
		r.n--;
	}
	return r.n == 0 || r.p[0] == ':';
}

/*
 * "<user> from <addr>[ port <port>][ ssh2[: info]]": the user is up to the
 * first " from " after which an address, an optional port and nothing but
 * sshd's own trailer follow. Both the user name and the info trailer come
 * from the client, so a line can hold several candidates: the first valid
 * one wins (as fail2ban reads it) and m->ambiguous says there were more.
 */
static bool user_from_addr_port(struct cur c, struct auth_ssh_msg *m, bool trailer)
{
	size_t off = 0;
	bool found = false;

	for (;;) {
		struct cur t = { c.p + off, c.n - off };
		long f = find(t, " from ");
		struct auth_ssh_msg x = *m;
		struct cur r;

		if (f < 0)
			break;
		off += (size_t)f + 6;
		r.p = c.p + off;
		r.n = c.n - off;
		x.user = mk(c.p, off - 6);
		x.addr = word(&r);
		if (!x.addr.len)
			continue;
		if (eat(&r, " port ") && !number(&r, &x.port))
			continue;
		if (r.n && !(trailer && ssh_trailer(r)))
			continue;
		if (found) {
			m->ambiguous = true;
			break;
		}
		found = true;
		x.ambiguous = false;
		*m = x;
	}
	return found;
}

/* "<user> <addr> port <port>" ; user up to the word before the last " port ". */
static bool user_addr_port(struct cur c, struct auth_ssh_msg *m)
{
	long pp = rfind(c, " port "), sp;
	struct cur head, tail;

	if (pp < 0)
		return false;
	head.p = c.p;
	head.n = (size_t)pp;
	tail.p = c.p + pp + 6;
	tail.n = c.n - (size_t)pp - 6;
	if (!number(&tail, &m->port))
		return false;
	sp = rfind(head, " ");
	if (sp < 0)
		return false;
	m->user = mk(head.p, (size_t)sp);
	m->addr = mk(head.p + sp + 1, head.n - (size_t)sp - 1);
	return m->addr.len > 0;
}

static int parse_pam(struct cur c, struct auth_ssh_msg *m)
{
	long i;

	if (eat(&c, "pam_unix(sshd:session): session ")) {
		if (eat(&c, "opened for user "))
			m->type = AUTH_SSH_SESSION_OPEN;
		else if (eat(&c, "closed for user "))
			m->type = AUTH_SSH_SESSION_CLOSE;
		else
			return 0;
		i = find(c, "(uid=");
		if (i < 0)
			i = find(c, " by ");
		m->user = mk(c.p, i < 0 ? c.n : (size_t)i);
		return 0;
	}
	if (eat(&c, "pam_unix(sshd:auth): authentication failure;")) {
		m->type = AUTH_SSH_PAM_FAILURE;
		i = find(c, " rhost=");
		if (i >= 0) {
			struct cur r = { c.p + i + 7, c.n - (size_t)i - 7 };

			m->addr = word(&r);
		}
		i = rfind(c, " user=");
		if (i >= 0)
			m->user = mk(c.p + i + 6, c.n - (size_t)i - 6);
		return 0;
	}
	return 0;
}

int auth_sshd_parse(const char *msg, size_t n, struct auth_ssh_msg *m)
{
	struct cur c;

	if (!msg || !m || n > AUTH_LINE_MAX)
		return -EINVAL;
	memset(m, 0, sizeof(*m));
	c = trim(msg, n);
	if (eat(&c, "Accepted ") || eat(&c, "Failed ")) {
		enum auth_ssh_type t = msg[0] == 'A' ? AUTH_SSH_ACCEPTED : AUTH_SSH_FAILED;
		struct auth_ssh_msg tmp = *m;

		m->method = word(&c);
		if (!m->method.len || !eat(&c, " for "))
			return 0;
		if (eat(&c, "invalid user "))
			m->invalid_user = true;
		if (!user_from_addr_port(c, &tmp, true))
			return 0;
		m->user = tmp.user;
		m->addr = tmp.addr;
		m->port = tmp.port;
		m->ambiguous = tmp.ambiguous;
		m->type = t;
		return 0;
	}
	if (eat(&c, "Invalid user ") || eat(&c, "Illegal user ")) {
		if (user_from_addr_port(c, m, false)) {
			m->type = AUTH_SSH_INVALID_USER;
			m->invalid_user = true;
		} else {
			memset(m, 0, sizeof(*m));
		}
		return 0;
	}
	if (eat(&c, "User ")) {
		long w = rfind(c, " not allowed because ");

		if (w < 0)
			return 0;
		m->reason = mk(c.p + w + 1, c.n - (size_t)w - 1);
		c.n = (size_t)w;
		if (user_from_addr_port(c, m, false))
			m->type = AUTH_SSH_REFUSED;
		else
			memset(m, 0, sizeof(*m));
		return 0;
	}
	if (eat(&c, "ROOT LOGIN REFUSED FROM ")) {
		m->user = mk("root", 4);
		m->addr = word(&c);
		if (eat(&c, " port "))
			number(&c, &m->port);
		m->reason = mk("root login refused", 18);
		m->type = AUTH_SSH_REFUSED;
		return 0;
	}
	/* error: PAM: {Authentication failure,unknown user,...} for [illegal user ]U from A */
	if (eat(&c, "error: PAM: ")) {
		long f = find(c, " for ");

		if (f < 0)
			return 0;
		c.p += f + 5;
		c.n -= (size_t)f + 5;
		if (eat(&c, "illegal user "))
			m->invalid_user = true;
		if (user_from_addr_port(c, m, false))
			m->type = AUTH_SSH_PAM_FAILURE;
		else
			memset(m, 0, sizeof(*m));
		return 0;
	}
	if (starts(c, "pam_unix(sshd:"))
		return parse_pam(c, m);
	if (eat(&c, "Connection closed by ") || eat(&c, "Connection reset by ") ||
	    eat(&c, "Disconnected from ")) {
		bool disc = msg[0] == 'D';

		if (eat(&c, "invalid user "))
			m->invalid_user = true;
		if (m->invalid_user || eat(&c, "authenticating user ")) {
			bool inv = m->invalid_user;

			if (user_addr_port(c, m)) {
				m->type = AUTH_SSH_PREAUTH_CLOSE;
			} else {
				memset(m, 0, sizeof(*m));
			}
			m->invalid_user = inv && m->type;
			return 0;
		}
		if (disc && eat(&c, "user ")) {
			if (user_addr_port(c, m))
				m->type = AUTH_SSH_DISCONNECTED;
			else
				memset(m, 0, sizeof(*m));
			return 0;
		}
		if (!disc) {
			/* "port N" is absent before OpenSSH 7.x */
			m->addr = word(&c);
			if (m->addr.len && (!c.n || (eat(&c, " port ") && number(&c, &m->port) && !c.n)))
				m->type = AUTH_SSH_CONN_CLOSED;
			else
				memset(m, 0, sizeof(*m));
		}
		return 0;
	}
	eat(&c, "fatal: ");
	if (eat(&c, "Unable to negotiate with ")) {
		long col = find(c, ":");
		struct cur a = c;

		if (col < 0)
			return 0;
		a.n = (size_t)col;
		m->addr = word(&a);
		if (eat(&a, " port "))
			number(&a, &m->port);
		m->reason = mk(c.p + col + 1 + (c.n > (size_t)col + 1 && c.p[col + 1] == ' '),
			       c.n - (size_t)col - 1 - (c.n > (size_t)col + 1 && c.p[col + 1] == ' '));
		m->type = AUTH_SSH_NEGOTIATE;
		return 0;
	}
	return 0;
}

int auth_sshd_event(const struct auth_ssh_msg *m, uint64_t time_ns, uint64_t pid,
		    struct auth_ev *out)
{
	const char *result;

	switch (m->type) {
	case AUTH_SSH_ACCEPTED:
		result = "success";
		break;
	case AUTH_SSH_FAILED:
	case AUTH_SSH_INVALID_USER:
	case AUTH_SSH_REFUSED:
		result = m->invalid_user ? "invalid_user" : "failure";
		break;
	case AUTH_SSH_DISCONNECTED:
		auth_ev_init(out, FDR_SSH_LOGOUT, time_ns);
		result = NULL;
		goto fields;
	default:
		return 0;
	}
	auth_ev_init(out, FDR_SSH_LOGIN, time_ns);
	auth_ev_cstr(out, FDR_F_RESULT, result);
	if (m->method.len)
		auth_ev_str(out, FDR_F_METHOD, m->method.p, m->method.len);
	if (m->reason.len)
		auth_ev_str(out, FDR_F_REASON, m->reason.p, m->reason.len);
fields:
	auth_ev_str(out, FDR_F_USER, m->user.p, m->user.len);
	if (m->addr.len)
		auth_ev_str(out, FDR_F_ADDR, m->addr.p, m->addr.len);
	if (m->port)
		fdr_event_set_u(&out->ev, FDR_F_PORT, m->port);
	if (pid)
		fdr_event_set_u(&out->ev, FDR_F_PID, pid);
	if (m->ambiguous)
		out->ev.flags |= FDR_EVF_UNCERTAIN;
	auth_ev_cstr(out, FDR_F_COMM, "sshd");
	return 1;
}
