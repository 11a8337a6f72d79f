/* SPDX-License-Identifier: Apache-2.0 */
/*
 * auth-audit: kernel audit records of PAM, sshd and sudo (linux
 * include/uapi/linux/audit.h, libaudit audit_log_user_message() /
 * audit_log_acct_message() / audit_log_user_comm_message()).
 *
 *   netlink payload:  audit(1795401814.304:37): pid=15677 uid=1001
 *                     auid=4294967295 ses=4294967295 msg='cwd="/tmp"
 *                     cmd=2F7573722F... exe="/usr/bin/sudo" terminal=? res=success'
 *   log file:         [node=N ]type=USER_CMD msg=audit(...): <same>[\x1dUID="x" ...]
 *
 * Values are "quoted" literals, bare tokens, or - for strings that hold a
 * blank, quote or control byte - upper-case hex without quotes. User-space
 * records wrap their own fields in msg='...', which is flattened here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "auth-parse.h"
#include "rec-audit.h"

static const struct {
	const char *name;
	unsigned type;
} type_names[] = {
	{ "LOGIN", 1006 }, { "USER_AUTH", 1100 }, { "USER_ACCT", 1101 },
	{ "USER_MGMT", 1102 }, { "CRED_ACQ", 1103 }, { "CRED_DISP", 1104 },
	{ "USER_START", 1105 }, { "USER_END", 1106 }, { "USER_AVC", 1107 },
	{ "USER_CHAUTHTOK", 1108 }, { "USER_ERR", 1109 }, { "CRED_REFR", 1110 },
	{ "USYS_CONFIG", 1111 }, { "USER_LOGIN", 1112 }, { "USER_LOGOUT", 1113 },
	{ "ADD_USER", 1114 }, { "DEL_USER", 1115 }, { "USER_ROLE_CHANGE", 1121 },
	{ "USER_CMD", 1123 }, { "USER_TTY", 1124 }, { "CRYPTO_KEY_USER", 2404 },
	{ "CRYPTO_SESSION", 2405 }, { "SYSCALL", 1300 }, { "PATH", 1302 },
	{ "IPC", 1303 }, { "SOCKADDR", 1306 }, { "CWD", 1307 }, { "EXECVE", 1309 },
	{ "EOE", 1320 }, { "BPRM_FCAPS", 1321 }, { "PROCTITLE", 1327 },
	{ "CONFIG_CHANGE", 1305 }, { "ANOM_ABEND", 1701 }, { "AVC", 1400 },
	{ "DAEMON_START", 1200 }, { "DAEMON_END", 1201 }, { "SERVICE_START", 1130 },
	{ "SERVICE_STOP", 1131 },
};

unsigned auth_audit_type_from_name(const char *p, size_t n)
{
	size_t i;
	unsigned v = 0;

	if (!p || !n || n > 32)
		return 0;
	if (p[0] >= '0' && p[0] <= '9') {
		for (i = 0; i < n; i++) {
			if (p[i] < '0' || p[i] > '9' || v > 100000)
				return 0;
			v = v * 10 + (unsigned)(p[i] - '0');
		}
		return v;
	}
	for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (strlen(type_names[i].name) == n && !memcmp(type_names[i].name, p, n))
			return type_names[i].type;
	/* UNKNOWN[1123] as ausearch writes unknown types */
	if (n > 9 && !memcmp(p, "UNKNOWN[", 8) && p[n - 1] == ']')
		return auth_audit_type_from_name(p + 8, n - 9);
	return 0;
}

static bool is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

static bool is_sep(char c)
{
	return c == ' ' || c == '\x1d' || c == '\n' || c == '\r' || c == '\t';
}

/* Parse k=v pairs in p[0..n) into rec; msg='...' recurses once. */
static void parse_kv(struct auth_audit_rec *rec, const char *p, size_t n, int depth)
{
	size_t i = 0, k0, k1, v0, v1;

	while (i < n && rec->nkv < AUTH_AUDIT_MAX_KV) {
		bool quoted = false;

		/* old PAM records: "(hostname=?, addr=?, terminal=cron res=success)" */
		while (i < n && (is_sep(p[i]) || p[i] == '('))
			i++;
		k0 = i;
		while (i < n && is_key_char(p[i]))
			i++;
		k1 = i;
		if (i >= n || p[i] != '=' || k1 == k0) {
			/* not a field: skip the word (a ':' after the stamp, junk) */
			while (i < n && !is_sep(p[i]))
				i++;
			continue;
		}
		i++;
		if (i < n && (p[i] == '"' || p[i] == '\'')) {
			char q = p[i++];

			v0 = i;
			while (i < n && p[i] != q)
				i++;
			v1 = i;
			if (i < n)
				i++;
			if (q == '\'' && depth == 0) {
				parse_kv(rec, p + v0, v1 - v0, depth + 1);
				continue;
			}
			quoted = q == '"';
		} else {
			v0 = i;
			while (i < n && !is_sep(p[i]))
				i++;
			v1 = i;
			while (v1 > v0 && (p[v1 - 1] == ',' || p[v1 - 1] == ')'))
				v1--;
		}
		rec->kv[rec->nkv].key.p = p + k0;
		rec->kv[rec->nkv].key.len = (uint32_t)(k1 - k0);
		rec->kv[rec->nkv].val.p = p + v0;
		rec->kv[rec->nkv].val.len = (uint32_t)(v1 - v0);
		rec->kv[rec->nkv].quoted = quoted;
		rec->nkv++;
	}
}

static bool parse_u64(const char *p, size_t n, size_t *i, uint64_t *v)
{
	uint64_t x = 0;
	size_t s = *i;

	while (*i < n && p[*i] >= '0' && p[*i] <= '9' && *i - s < 19)
		x = x * 10 + (uint64_t)(p[(*i)++] - '0');
	*v = x;
	return *i > s;
}

int auth_audit_parse(const char *p, size_t n, unsigned type, struct auth_audit_rec *rec)
{
	size_t i = 0, a;
	uint64_t sec, ms, serial;
	const char *stamp = NULL;

	if (!p || !rec || n > AUTH_LINE_MAX)
		return -EINVAL;
	rec->type = type;
	rec->time_ns = rec->serial = 0;
	rec->nkv = 0;
	rec->scratch_used = 0;
	/* type=NAME before the stamp (log-file form) */
	if (!type) {
		for (a = 0; a + 5 <= n && a < 64; a++) {
			if (!memcmp(p + a, "type=", 5) && (a == 0 || p[a - 1] == ' ')) {
				size_t e = a + 5;

				while (e < n && !is_sep(p[e]))
					e++;
				rec->type = auth_audit_type_from_name(p + a + 5, e - a - 5);
				break;
			}
		}
	}
	for (a = 0; a + 6 <= n && a < 128; a++)
		if (!memcmp(p + a, "audit(", 6)) {
			stamp = p + a;
			break;
		}
	if (!stamp)
		return -EINVAL;
	i = a + 6;
	if (!parse_u64(p, n, &i, &sec) || i >= n || p[i++] != '.' ||
	    !parse_u64(p, n, &i, &ms) || i >= n || p[i++] != ':' ||
	    !parse_u64(p, n, &i, &serial) || i >= n || p[i++] != ')')
		return -EINVAL;
	if (i < n && p[i] == ':')
		i++;
	if (sec > 1ull << 34 || ms > 999)
		return -EINVAL;
	return auth_audit_parse_body(rec, rec->type, sec * 1000000000u + ms * 1000000u, serial,
				     p + i, n - i);
}

int auth_audit_parse_body(struct auth_audit_rec *rec, unsigned type, uint64_t time_ns,
			  uint64_t serial, const char *body, size_t n)
{
	if (!rec || (!body && n) || n > AUTH_LINE_MAX)
		return -EINVAL;
	rec->type = type;
	rec->time_ns = time_ns;
	rec->serial = serial;
	rec->nkv = 0;
	rec->scratch_used = 0;
	parse_kv(rec, body, n, 0);
	return 0;
}

/* Bare values of these fields are hex when they are not "?" / "(null)". */
static bool hex_field(struct fdr_str k)
{
	static const char *const names[] = { "acct", "cmd", "exe", "cwd", "comm", "terminal",
					     "name", "proctitle", "id", NULL };
	unsigned i;

	for (i = 0; names[i]; i++)
		if (fdr_str_eq(k, names[i]))
			return true;
	return false;
}

static void decode_hex(struct auth_audit_rec *rec, struct auth_kv *kv)
{
	size_t n = kv->val.len, i;
	char *dst;
	int out;

	if (kv->quoted || n < 2 || !hex_field(kv->key))
		return;
	/* "id=1001" is a number, not hex: only digits and an odd-looking
	 * decode tell; accept hex for id only when it holds a letter. */
	if (fdr_str_eq(kv->key, "id")) {
		for (i = 0; i < n && kv->val.p[i] >= '0' && kv->val.p[i] <= '9'; i++)
			;
		if (i == n)
			return;
	}
	if (rec->scratch_used + n / 2 > sizeof(rec->scratch))
		return;
	dst = rec->scratch + rec->scratch_used;
	out = rec_audit_unhex(kv->val.p, n, dst, n / 2);
	if (out < 0)
		return;
	rec->scratch_used += (size_t)out;
	kv->val.p = dst;
	kv->val.len = (uint32_t)out;
	kv->quoted = true;
}

const struct fdr_str *auth_audit_get(struct auth_audit_rec *rec, const char *key, bool decode)
{
	unsigned i;

	for (i = 0; i < rec->nkv; i++) {
		if (!fdr_str_eq(rec->kv[i].key, key))
			continue;
		if (decode)
			decode_hex(rec, &rec->kv[i]);
		return &rec->kv[i].val;
	}
	return NULL;
}

uint64_t auth_audit_u(struct auth_audit_rec *rec, const char *key, uint64_t def)
{
	const struct fdr_str *v = auth_audit_get(rec, key, false);
	uint64_t x;
	size_t i = 0;

	if (!v || !v->len || !parse_u64(v->p, v->len, &i, &x) || i != v->len)
		return def;
	return x;
}

/* ---- assembler ------------------------------------------------------- */

#define ASM_PENDING 16
#define AUDIT_UNSET 4294967295u

enum { AWAIT_RUNAS = 1, AWAIT_TTY };

struct pending {
	bool used;
	unsigned await;		/* AWAIT_RUNAS: sudo's target user; AWAIT_TTY: sshd's pty */
	uint64_t pid;
	uint64_t since_ns;
	struct auth_ev ev;
};

struct auth_audit_asm {
	auth_emit_fn emit;
	void *arg;
	struct pending p[ASM_PENDING];
	/* sshd writes USER_LOGIN res=failed twice within ms for one invalid
	 * user (SSH_INVALID_USER, then the "none" attempt): keep the first */
	uint64_t last_fail_pid, last_fail_ns;
};

struct auth_audit_asm *auth_audit_asm_new(auth_emit_fn emit, void *arg)
{
	struct auth_audit_asm *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->emit = emit;
	a->arg = arg;
	return a;
}

void auth_audit_asm_free(struct auth_audit_asm *a)
{
	if (!a)
		return;
	auth_audit_asm_flush(a, 0, 0);
	free(a);
}

static bool str_set(const struct fdr_str *s)
{
	return s && s->len && !fdr_str_eq(*s, "?") && !fdr_str_eq(*s, "(null)") &&
	       !fdr_str_eq(*s, "(none)");
}

static struct fdr_str basename_of(const struct fdr_str *s)
{
	struct fdr_str b = { NULL, 0 };
	uint32_t i;

	if (!s)
		return b;
	b = *s;
	for (i = s->len; i > 0; i--)
		if (s->p[i - 1] == '/') {
			b.p = s->p + i;
			b.len = s->len - i;
			break;
		}
	return b;
}

/* Fields every event from a user record carries. */
static void common(struct auth_ev *e, struct auth_audit_rec *rec)
{
	const struct fdr_str *s;
	uint64_t v;

	v = auth_audit_u(rec, "pid", 0);
	if (v)
		fdr_event_set_u(&e->ev, FDR_F_PID, v);
	v = auth_audit_u(rec, "uid", AUDIT_UNSET);
	if (v != AUDIT_UNSET)
		fdr_event_set_u(&e->ev, FDR_F_UID, v);
	v = auth_audit_u(rec, "auid", AUDIT_UNSET);
	if (v != AUDIT_UNSET)
		fdr_event_set_u(&e->ev, FDR_F_LOGINUID, v);
	v = auth_audit_u(rec, "ses", AUDIT_UNSET);
	if (v != AUDIT_UNSET)
		fdr_event_set_u(&e->ev, FDR_F_SESSIONID, v);
	s = auth_audit_get(rec, "exe", true);
	if (str_set(s))
		auth_ev_str(e, FDR_F_EXE, s->p, s->len);
	s = auth_audit_get(rec, "terminal", true);
	if (str_set(s) && s->len > 5 && !memcmp(s->p, "/dev/", 5))
		auth_ev_str(e, FDR_F_TTY, s->p + 5, s->len - 5);
	else if (str_set(s) && s->len >= 3 && (!memcmp(s->p, "pts", 3) || !memcmp(s->p, "tty", 3)))
		auth_ev_str(e, FDR_F_TTY, s->p, s->len);
}

static bool res_ok(struct auth_audit_rec *rec)
{
	const struct fdr_str *r = auth_audit_get(rec, "res", false);

	return r && (fdr_str_eq(*r, "success") || fdr_str_eq(*r, "1") || fdr_str_eq(*r, "yes"));
}

static struct pending *find_pending(struct auth_audit_asm *a, uint64_t pid, unsigned await)
{
	unsigned i;

	for (i = 0; i < ASM_PENDING; i++)
		if (a->p[i].used && a->p[i].pid == pid && (!await || a->p[i].await == await))
			return &a->p[i];
	return NULL;
}

static void emit_pending(struct auth_audit_asm *a, struct pending *p)
{
	p->used = false;
	a->emit(a->arg, &p->ev);
}

/* A free slot for an event of pid that waits (the oldest one is written
 * out when all are taken). */
static struct pending *new_pending(struct auth_audit_asm *a, uint64_t pid, unsigned await,
				   uint64_t since_ns)
{
	struct pending *p = find_pending(a, pid, 0);
	unsigned i, oldest = 0;

	if (p)
		emit_pending(a, p);	/* a process does one thing at a time */
	for (i = 0; i < ASM_PENDING; i++) {
		if (!a->p[i].used)
			break;
		if (a->p[i].since_ns < a->p[oldest].since_ns)
			oldest = i;
	}
	if (i == ASM_PENDING) {
		emit_pending(a, &a->p[oldest]);
		i = oldest;
	}
	p = &a->p[i];
	p->used = true;
	p->await = await;
	p->pid = pid;
	p->since_ns = since_ns;
	return p;
}

static void user_cmd(struct auth_audit_asm *a, struct auth_audit_rec *rec, bool is_sudo)
{
	uint64_t pid = auth_audit_u(rec, "pid", 0);
	struct pending *p = new_pending(a, pid, AWAIT_RUNAS, rec->time_ns);
	struct auth_ev *e = &p->ev;
	const struct fdr_str *s;
	bool ok = res_ok(rec);

	auth_ev_init(e, is_sudo ? FDR_SUDO_CMD : FDR_USER_CMD, rec->time_ns);
	common(e, rec);
	s = auth_audit_get(rec, "cwd", true);
	if (str_set(s))
		auth_ev_str(e, FDR_F_CWD, s->p, s->len);
	s = auth_audit_get(rec, "cmd", true);
	if (s)
		auth_ev_str(e, FDR_F_COMMAND, s->p, s->len);
	auth_ev_cstr(e, FDR_F_RESULT, ok ? "allowed" : "denied");
	if (is_sudo)
		auth_ev_cstr(e, FDR_F_COMM, "sudo");
	/* Only an allowed sudo goes on to name its target user. */
	if (!ok || !is_sudo || !pid)
		emit_pending(a, p);
}

static void ssh_record(struct auth_audit_asm *a, struct auth_audit_rec *rec)
{
	struct auth_ev tmp, *ev = &tmp;
	const struct fdr_str *op = auth_audit_get(rec, "op", false);
	const struct fdr_str *acct, *addr;
	bool ok = res_ok(rec);
	const char *result = NULL;
	uint64_t pid = auth_audit_u(rec, "pid", 0);
	struct pending *p = pid ? find_pending(a, pid, AWAIT_TTY) : NULL;
	struct auth_ev *e;

	/* A pty session says so in a USER_LOGIN res=success after USER_START:
	 * it completes the login with its tty. Anything else of the same sshd
	 * (the session's end) means no pty is coming. */
	if (p && rec->type == AUTH_AUDIT_USER_LOGIN && ok) {
		const struct fdr_str *t = auth_audit_get(rec, "terminal", true);

		if (str_set(t) && !fdr_event_has(&p->ev.ev, FDR_F_TTY))
			auth_ev_str(&p->ev, FDR_F_TTY, t->len > 5 && !memcmp(t->p, "/dev/", 5) ? t->p + 5 : t->p,
				    t->len > 5 && !memcmp(t->p, "/dev/", 5) ? t->len - 5 : t->len);
		emit_pending(a, p);
		return;
	}
	if (p && (rec->type == AUTH_AUDIT_USER_END || rec->type == AUTH_AUDIT_USER_LOGIN ||
		  rec->type == AUTH_AUDIT_CRED_DISP))
		emit_pending(a, p);
	switch (rec->type) {
	case AUTH_AUDIT_USER_START:
		if (!op || !fdr_str_eq(*op, "PAM:session_open") || !ok)
			return;
		if (pid)
			ev = &new_pending(a, pid, AWAIT_TTY, rec->time_ns)->ev;
		auth_ev_init(ev, FDR_SSH_LOGIN, rec->time_ns);
		result = "success";
		break;
	case AUTH_AUDIT_USER_END:
		if (!op || !fdr_str_eq(*op, "PAM:session_close"))
			return;
		auth_ev_init(ev, FDR_SSH_LOGOUT, rec->time_ns);
		break;
	case AUTH_AUDIT_USER_LOGIN:
		if (ok)
			return;	/* USER_START reported the session */
		if (pid && pid == a->last_fail_pid && rec->time_ns < a->last_fail_ns + 100000000u)
			return;
		a->last_fail_pid = pid;
		a->last_fail_ns = rec->time_ns;
		auth_ev_init(ev, FDR_SSH_LOGIN, rec->time_ns);
		result = "failure";
		break;
	default:
		return;
	}
	e = ev;
	common(e, rec);
	acct = auth_audit_get(rec, "acct", true);
	if (acct && (fdr_str_eq(*acct, "(invalid user)") || fdr_str_eq(*acct, "(unknown)"))) {
		result = result ? "invalid_user" : NULL;
		acct = NULL;
	}
	if (str_set(acct))
		auth_ev_str(e, FDR_F_USER, acct->p, acct->len);
	addr = auth_audit_get(rec, "addr", false);
	if (str_set(addr))
		auth_ev_str(e, FDR_F_ADDR, addr->p, addr->len);
	if (result)
		auth_ev_cstr(e, FDR_F_RESULT, result);
	auth_ev_cstr(e, FDR_F_COMM, "sshd");
	if (e == &tmp)
		a->emit(a->arg, e);
}

void auth_audit_asm_feed(struct auth_audit_asm *a, struct auth_audit_rec *rec)
{
	const struct fdr_str *exe;
	struct fdr_str base;
	struct pending *p;

	if (!a || !rec)
		return;
	exe = auth_audit_get(rec, "exe", true);
	base = basename_of(exe);
	switch (rec->type) {
	case AUTH_AUDIT_USER_CMD:
		user_cmd(a, rec, fdr_str_eq(base, "sudo"));
		return;
	case AUTH_AUDIT_CRED_REFR:
	case AUTH_AUDIT_CRED_ACQ:
	case AUTH_AUDIT_USER_START:
		p = find_pending(a, auth_audit_u(rec, "pid", 0), AWAIT_RUNAS);
		if (p) {
			const struct fdr_str *acct = auth_audit_get(rec, "acct", true);

			if (str_set(acct))
				auth_ev_str(&p->ev, FDR_F_RUNAS, acct->p, acct->len);
			emit_pending(a, p);
		}
		break;
	default:
		break;
	}
	if (fdr_str_eq(base, "sshd") || fdr_str_eq(base, "sshd-session") ||
	    fdr_str_eq(base, "sshd-auth"))
		ssh_record(a, rec);
}

void auth_audit_asm_flush(struct auth_audit_asm *a, uint64_t now_ns, uint64_t max_age_ns)
{
	unsigned i;

	if (!a)
		return;
	for (i = 0; i < ASM_PENDING; i++)
		if (a->p[i].used && (!now_ns || a->p[i].since_ns + max_age_ns <= now_ns))
			emit_pending(a, &a->p[i]);
}
