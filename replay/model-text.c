/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The model's text form (formats/MODEL.md): writer and bounds-checked reader,
 * and the severity file. The reader takes attacker-reachable input (a model
 * file may come from anywhere): every size is capped, every error names its
 * line, and no input byte is copied into an error message.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model-int.h"

#define MAX_LINE 65536
#define MAX_TOKENS 48

/* ---- writer ----------------------------------------------------------------- */

static void add_stats(struct fdr_buf *b, const struct md_entry *e)
{
	if (!e->n)
		return;
	fdr_buf_addf(b, " n=%llu first=", (unsigned long long)e->n);
	md_add_time(b, e->first);
	fdr_buf_adds(b, " last=");
	md_add_time(b, e->last);
}

static void add_entry(struct fdr_buf *b, const struct md_section *s, const struct md_entry *e)
{
	struct md_obs o;

	if (md_key_parse(md_entry_key(s, e), e->len, &o))
		return;
	fdr_buf_adds(b, md_type_name(o.type));
	for (unsigned i = 0; i < o.nf; i++) {
		if (o.type == MD_T_ARGV && i == 1) {
			if (o.f[1].len) {	/* token text already */
				fdr_buf_addc(b, ' ');
				fdr_buf_add(b, o.f[1].p, o.f[1].len);
			}
			continue;
		}
		fdr_buf_addc(b, ' ');
		md_add_token(b, o.f[i].p, o.f[i].len, false);
	}
	add_stats(b, e);
	fdr_buf_addc(b, '\n');
}

void md_model_serialize(struct md_model *m, struct fdr_buf *b)
{
	md_model_normalize(m);
	fdr_buf_adds(b, "fdr-model 1\n"
		     "# fdr learned model (formats/MODEL.md). Sorted; edit freely, one entry a line.\n");
	for (size_t i = 0; i < m->nsec; i++) {
		const struct md_section *s = m->sec[i];
		struct md_section_info info;

		md_model_section_info(m, i, &info);
		fdr_buf_addf(b, "\nsection %s", md_skind_name(s->kind));
		if (s->kind != MD_SK_HOST) {
			fdr_buf_addc(b, ' ');
			md_add_token(b, s->key, strlen(s->key), false);
		}
		fdr_buf_adds(b, "\n# baseline ");
		md_add_time(b, s->first_ns);
		fdr_buf_adds(b, " .. ");
		md_add_time(b, s->last_ns);
		fdr_buf_addf(b, " (%.1f h), %llu rings, %llu behaviours\n",
			     (double)(s->last_ns - s->first_ns) / 3.6e12,
			     (unsigned long long)s->rings, (unsigned long long)info.behaviours);
		fdr_buf_addf(b, "# settledness: %.2f new behaviours/h over the baseline, %.2f/h in "
			     "its last quarter (%s)\n", info.rate_all, info.rate_last,
			     info.settled ? "settled" : "not settled: learn longer");
		if (s->first_ns || s->last_ns) {
			fdr_buf_adds(b, "span ");
			md_add_time(b, s->first_ns);
			fdr_buf_addc(b, ' ');
			md_add_time(b, s->last_ns);
			fdr_buf_addc(b, '\n');
		}
		fdr_buf_addf(b, "observed %llu\nrings %llu\nevents %llu\n",
			     (unsigned long long)s->observed_s, (unsigned long long)s->rings,
			     (unsigned long long)s->events);
		for (size_t j = 0; j < s->nent; j++)
			add_entry(b, s, &s->ent[j]);
	}
}

/* ---- reader ----------------------------------------------------------------- */

struct tok {
	const char *p;
	uint32_t len;
	bool quoted;
};

struct lexer {
	struct tok t[MAX_TOKENS];
	unsigned n;
	char *scratch;		/* unescaped token bytes, MAX_LINE */
};

__attribute__((format(printf, 3, 4)))
static int fail(struct md_parse_error *err, unsigned line, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->line = line;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return MD_E_SYNTAX;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Split one line (without its newline) into tokens. */
static int lex(struct lexer *lx, const char *p, size_t n, unsigned line, struct md_parse_error *err)
{
	size_t i = 0, k = 0;

	lx->n = 0;
	if (n && p[n - 1] == '\r')
		n--;
	for (;;) {
		while (i < n && (p[i] == ' ' || p[i] == '\t'))
			i++;
		if (i >= n || p[i] == '#')
			return 0;
		if (lx->n == MAX_TOKENS)
			return fail(err, line, "more than %d tokens", MAX_TOKENS);
		struct tok *t = &lx->t[lx->n++];
		size_t start = k;

		if (p[i] == '"') {
			i++;
			for (;;) {
				unsigned char c;

				if (i >= n)
					return fail(err, line, "unterminated quoted token");
				c = (unsigned char)p[i];
				if (c == '"') {
					i++;
					break;
				}
				if (c == '\\') {
					if (i + 1 >= n)
						return fail(err, line, "backslash at end of line");
					if (p[i + 1] == '\\' || p[i + 1] == '"') {
						lx->scratch[k++] = p[i + 1];
						i += 2;
					} else if (p[i + 1] == 'x' && i + 3 < n + 0 &&
						   hexval((unsigned char)p[i + 2]) >= 0 &&
						   hexval((unsigned char)p[i + 3]) >= 0) {
						lx->scratch[k++] = (char)(hexval((unsigned char)p[i + 2]) * 16 +
									  hexval((unsigned char)p[i + 3]));
						i += 4;
					} else {
						return fail(err, line, "bad escape in quoted token (column %zu)",
							    i + 1);
					}
					continue;
				}
				if (c < 0x20 || c > 0x7e)
					return fail(err, line, "raw byte 0x%02x in quoted token (column %zu): "
						    "escape it as \\x%02x", c, i + 1, c);
				lx->scratch[k++] = (char)c;
				i++;
			}
			t->quoted = true;
		} else {
			while (i < n && p[i] != ' ' && p[i] != '\t') {
				unsigned char c = (unsigned char)p[i];

				if (c < 0x21 || c > 0x7e || c == '"' || c == '\\' || c == '#')
					return fail(err, line, "byte 0x%02x not allowed in a bare token "
						    "(column %zu): quote the token", c, i + 1);
				lx->scratch[k++] = (char)c;
				i++;
			}
			t->quoted = false;
		}
		if (i < n && p[i] != ' ' && p[i] != '\t')
			return fail(err, line, "missing space after token (column %zu)", i + 1);
		if (k - start > MD_MAX_FIELD)
			return fail(err, line, "token longer than %d bytes", MD_MAX_FIELD);
		t->p = lx->scratch + start;
		t->len = (uint32_t)(k - start);
	}
}

static bool tok_is(const struct tok *t, const char *s)
{
	return !t->quoted && strlen(s) == t->len && !memcmp(t->p, s, t->len);
}

static int parse_u64(const char *p, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (!n || n > 19)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	if (v > (uint64_t)INT64_MAX)
		return -1;
	*out = v;
	return 0;
}

static int parse_time(const char *p, size_t n, uint64_t *ns)
{
	int f[6];
	static const int off[6] = { 0, 5, 8, 11, 14, 17 }, len[6] = { 4, 2, 2, 2, 2, 2 };
	static const char sep[] = "--T::Z";
	struct tm tm;
	time_t t;

	if (n != 20)
		return -1;
	for (int i = 0; i < 6; i++) {
		uint64_t v;

		if (parse_u64(p + off[i], (size_t)len[i], &v))
			return -1;
		f[i] = (int)v;
		if (p[off[i] + len[i]] != sep[i])
			return -1;
	}
	if (f[0] < 1970 || f[0] > 2261 || f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > 31 ||
	    f[3] > 23 || f[4] > 59 || f[5] > 60)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = f[0] - 1900;
	tm.tm_mon = f[1] - 1;
	tm.tm_mday = f[2];
	tm.tm_hour = f[3];
	tm.tm_min = f[4];
	tm.tm_sec = f[5];
	t = timegm(&tm);
	if (t < 0)
		return -1;
	*ns = (uint64_t)t * 1000000000u;
	return 0;
}

static bool stat_tok(const struct tok *t)
{
	return !t->quoted && ((t->len >= 2 && !memcmp(t->p, "n=", 2)) ||
			      (t->len >= 6 && !memcmp(t->p, "first=", 6)) ||
			      (t->len >= 5 && !memcmp(t->p, "last=", 5)));
}

static const struct {
	const char *word;
	unsigned type;
	unsigned minf, maxf;
} entry_types[] = {
	{ "name", MD_T_NAME, 1, 1 },
	{ "exec", MD_T_EXEC, 1, 1 },
	{ "spawn", MD_T_SPAWN, 2, 2 },
	{ "argv", MD_T_ARGV, 1, MAX_TOKENS },
	{ "user", MD_T_USER, 1, 1 },
	{ "setuid", MD_T_SETUID, 2, 2 },
	{ "read", MD_T_READ, 1, 1 },
	{ "create", MD_T_CREATE, 1, 1 },
	{ "write", MD_T_WRITE, 1, 1 },
	{ "delete", MD_T_DELETE, 1, 1 },
	{ "connect", MD_T_CONNECT, 3, 3 },
	{ "listen", MD_T_LISTEN, 2, 2 },
	{ "dns", MD_T_DNS, 1, 1 },
	{ "exec-into", MD_T_EXEC_INTO, 2, 2 },
	{ "sudo", MD_T_SUDO, 3, 3 },
	{ "login", MD_T_LOGIN, 2, 2 },
};

static int parse_entry(struct md_section *s, const struct lexer *lx, unsigned line,
		       struct fdr_buf *shape, struct md_parse_error *err)
{
	unsigned first = 1, n = lx->n, type = MD_T_COUNT, minf = 0, maxf = 0, nf;
	const struct tok *t = lx->t;
	uint64_t cnt = 0, t0 = 0, t1 = 0;
	struct md_obs o;
	int rc;

	if (tok_is(&t[0], "seed")) {
		if (n < 2 || !(tok_is(&t[1], "command") || tok_is(&t[1], "port")))
			return fail(err, line, "'seed' must be followed by 'command' or 'port'");
		type = tok_is(&t[1], "command") ? MD_T_SEED_CMD : MD_T_SEED_PORT;
		minf = maxf = 1;
		first = 2;
	} else {
		for (size_t i = 0; i < sizeof(entry_types) / sizeof(entry_types[0]); i++) {
			if (tok_is(&t[0], entry_types[i].word)) {
				type = entry_types[i].type;
				minf = entry_types[i].minf;
				maxf = entry_types[i].maxf;
			}
		}
		if (type == MD_T_COUNT)
			return fail(err, line, "unknown keyword");
	}
	/* Trailing stats: all three or none. */
	if (n >= first + 3 && stat_tok(&t[n - 3])) {
		const struct tok *a = &t[n - 3], *b = &t[n - 2], *c = &t[n - 1];

		if (a->len < 2 || memcmp(a->p, "n=", 2) || parse_u64(a->p + 2, a->len - 2, &cnt))
			return fail(err, line, "bad count: want n=COUNT first=TIME last=TIME");
		if (b->quoted || b->len < 6 || memcmp(b->p, "first=", 6) ||
		    parse_time(b->p + 6, b->len - 6, &t0))
			return fail(err, line, "bad first= time (want 2026-11-25T10:00:00Z)");
		if (c->quoted || c->len < 5 || memcmp(c->p, "last=", 5) ||
		    parse_time(c->p + 5, c->len - 5, &t1))
			return fail(err, line, "bad last= time (want 2026-11-25T10:00:00Z)");
		n -= 3;
	}
	for (unsigned i = first; i < n; i++) {
		if (!t[i].quoted && memchr(t[i].p, '=', t[i].len))
			return fail(err, line, "'=' in field %u: quote the field, or stats must be "
				    "the last three tokens", i - first + 1);
	}
	nf = n - first;
	if (nf < minf || nf > maxf)
		return fail(err, line, "'%s' takes %u field%s, not %u", md_type_name(type), minf,
			    minf == 1 ? "" : "s", nf);
	o.type = type;
	if (type == MD_T_ARGV) {
		fdr_buf_reset(shape);
		for (unsigned i = first + 1; i < n; i++) {
			if (tok_is(&t[i], "...")) {
				if (n - first != 2)
					return fail(err, line, "'...' (any arguments) must stand alone");
				fdr_buf_adds(shape, "...");
				continue;
			}
			if (shape->len)
				fdr_buf_addc(shape, ' ');
			md_add_token(shape, t[i].p, t[i].len, true);
		}
		if (shape->len > MD_MAX_FIELD)
			return fail(err, line, "argument shape longer than %d bytes", MD_MAX_FIELD);
		o.nf = 2;
		o.f[0].p = t[first].p;
		o.f[0].len = t[first].len;
		o.f[1].p = shape->p ? shape->p : "";
		o.f[1].len = (uint32_t)shape->len;
	} else {
		o.nf = nf;
		for (unsigned i = 0; i < nf; i++) {
			o.f[i].p = t[first + i].p;
			o.f[i].len = t[first + i].len;
		}
	}
	rc = md_section_add_obs(s, &o, t0, t1, cnt);
	if (rc == MD_E_LIMIT)
		return fail(err, line, "too many entries in one section");
	return rc;
}

int md_model_parse(struct md_model *m, const char *text, size_t len, struct md_parse_error *err)
{
	struct lexer lx;
	struct md_section *s = NULL;
	struct fdr_buf shape = FDR_BUF_INIT;
	bool header = false;
	unsigned line = 0;
	size_t i = 0;
	int rc = 0;

	lx.scratch = malloc(MAX_LINE);
	if (!lx.scratch)
		return -ENOMEM;
	while (i < len && !rc) {
		const char *p = text + i, *nl = memchr(p, '\n', len - i);
		size_t n = nl ? (size_t)(nl - p) : len - i;

		i += n + (nl != NULL);
		line++;
		if (n > MAX_LINE) {
			rc = fail(err, line, "line longer than %d bytes", MAX_LINE);
			break;
		}
		rc = lex(&lx, p, n, line, err);
		if (rc || !lx.n)
			continue;
		if (!header) {
			if (lx.n != 2 || !tok_is(&lx.t[0], "fdr-model")) {
				rc = fail(err, line, "not a model file: want 'fdr-model 1' first");
			} else if (!tok_is(&lx.t[1], "1")) {
				rc = fail(err, line, "unsupported model version (this reader knows 1)");
			}
			header = true;
			continue;
		}
		if (tok_is(&lx.t[0], "section")) {
			unsigned kind = 99;
			const char *key = "";
			char keybuf[MD_MAX_FIELD + 1];

			for (unsigned k = 0; k < 4; k++)
				if (lx.n >= 2 && tok_is(&lx.t[1], md_skind_name(k)))
					kind = k;
			if (kind == 99) {
				rc = fail(err, line, "section kind must be host, image, image-name or other");
				continue;
			}
			if (lx.n != (kind == MD_SK_HOST ? 2u : 3u)) {
				rc = fail(err, line, "section %s takes %s", md_skind_name(kind),
					  kind == MD_SK_HOST ? "no key" : "one key");
				continue;
			}
			if (kind != MD_SK_HOST) {
				if (!lx.t[2].len || memchr(lx.t[2].p, 0, lx.t[2].len)) {
					rc = fail(err, line, "section key is empty or holds a NUL byte");
					continue;
				}
				memcpy(keybuf, lx.t[2].p, lx.t[2].len);
				keybuf[lx.t[2].len] = 0;
				key = keybuf;
			}
			if (md_model_find(m, kind, key)) {
				rc = fail(err, line, "second section with the same key");
				continue;
			}
			s = md_model_section(m, kind, key, true);
			if (!s)
				rc = m->nsec >= MD_MAX_SECTIONS ? fail(err, line, "too many sections")
								: -ENOMEM;
			continue;
		}
		if (!s) {
			rc = fail(err, line, "entry before the first 'section' line");
			continue;
		}
		if (tok_is(&lx.t[0], "span")) {
			if (lx.n != 3 || parse_time(lx.t[1].p, lx.t[1].len, &s->first_ns) ||
			    parse_time(lx.t[2].p, lx.t[2].len, &s->last_ns) || s->last_ns < s->first_ns)
				rc = fail(err, line, "want 'span FIRST LAST' with RFC 3339 UTC times, "
					  "FIRST <= LAST");
			continue;
		}
		if (tok_is(&lx.t[0], "observed") || tok_is(&lx.t[0], "rings") ||
		    tok_is(&lx.t[0], "events")) {
			uint64_t v, *dst = tok_is(&lx.t[0], "observed") ? &s->observed_s
					 : tok_is(&lx.t[0], "rings") ? &s->rings : &s->events;

			if (lx.n != 2 || lx.t[1].quoted || parse_u64(lx.t[1].p, lx.t[1].len, &v))
				rc = fail(err, line, "want one decimal count");
			else
				*dst = v;
			continue;
		}
		rc = parse_entry(s, &lx, line, &shape, err);
	}
	if (!rc && !header)
		rc = fail(err, line ? line : 1, "empty model: want 'fdr-model 1' first");
	fdr_buf_release(&shape);
	free(lx.scratch);
	return rc;
}

/* ---- severities --------------------------------------------------------------- */

static const char *const rule_names[MD_R_COUNT] = {
	[MD_R_DRIFT_EXEC] = "drift-exec",
	[MD_R_SHELL_SPAWN] = "shell-spawn",
	[MD_R_EXEC_INTO] = "exec-into",
	[MD_R_PRIV_CHANGE] = "priv-change",
	[MD_R_BIN_WRITE] = "bin-write",
	[MD_R_CRED_READ] = "cred-read",
	[MD_R_NEW_LISTEN] = "new-listen",
	[MD_R_NEW_PORT] = "new-port",
	[MD_R_NEW_PEER] = "new-peer",
	[MD_R_NEW_EXEC] = "new-exec",
	[MD_R_NEW_SPAWN] = "new-spawn",
	[MD_R_NEW_ARGV] = "new-argv",
	[MD_R_NEW_USER] = "new-user",
	[MD_R_NEW_SETUID] = "new-setuid",
	[MD_R_NEW_WRITE] = "new-write",
	[MD_R_NEW_READ] = "new-read",
	[MD_R_NEW_DNS] = "new-dns",
	[MD_R_NEW_LOGIN] = "new-login",
	[MD_R_NO_BASELINE] = "no-baseline",
	[MD_R_GAP] = "gap",
};

static const uint8_t rule_default[MD_R_COUNT] = {
	[MD_R_DRIFT_EXEC] = MD_SEV_CRITICAL,
	[MD_R_SHELL_SPAWN] = MD_SEV_HIGH,
	[MD_R_EXEC_INTO] = MD_SEV_HIGH,
	[MD_R_PRIV_CHANGE] = MD_SEV_HIGH,
	[MD_R_BIN_WRITE] = MD_SEV_HIGH,
	[MD_R_CRED_READ] = MD_SEV_HIGH,
	[MD_R_NEW_LISTEN] = MD_SEV_HIGH,
	[MD_R_NEW_PORT] = MD_SEV_HIGH,
	[MD_R_NEW_PEER] = MD_SEV_MEDIUM,
	[MD_R_NEW_EXEC] = MD_SEV_MEDIUM,
	[MD_R_NEW_SPAWN] = MD_SEV_LOW,
	[MD_R_NEW_ARGV] = MD_SEV_INFO,
	[MD_R_NEW_USER] = MD_SEV_MEDIUM,
	[MD_R_NEW_SETUID] = MD_SEV_MEDIUM,
	[MD_R_NEW_WRITE] = MD_SEV_LOW,
	[MD_R_NEW_READ] = MD_SEV_MEDIUM,
	[MD_R_NEW_DNS] = MD_SEV_LOW,
	[MD_R_NEW_LOGIN] = MD_SEV_MEDIUM,
	[MD_R_NO_BASELINE] = MD_SEV_MEDIUM,
	[MD_R_GAP] = MD_SEV_INFO,
};

static const char *const sev_names[] = { "off", "info", "low", "medium", "high", "critical" };

const char *md_rule_name(unsigned rule)
{
	return rule < MD_R_COUNT ? rule_names[rule] : NULL;
}

int md_rule_from_name(const char *name)
{
	for (unsigned i = 0; i < MD_R_COUNT; i++)
		if (!strcmp(rule_names[i], name))
			return (int)i;
	return MD_E_RULE;
}

const char *md_sev_name(unsigned sev)
{
	return sev <= MD_SEV_CRITICAL ? sev_names[sev] : NULL;
}

int md_sev_from_name(const char *name)
{
	for (unsigned i = 0; i <= MD_SEV_CRITICAL; i++)
		if (!strcmp(sev_names[i], name))
			return (int)i;
	return MD_E_LEVEL;
}

void md_sevcfg_default(struct md_sevcfg *c)
{
	memcpy(c->sev, rule_default, sizeof(c->sev));
}

static int sev_assign(struct md_sevcfg *c, const char *rule, size_t rn, const char *lvl, size_t ln)
{
	char r[32], l[16];
	int ri, li;

	if (!rn || rn >= sizeof(r))
		return MD_E_RULE;
	if (!ln || ln >= sizeof(l))
		return MD_E_LEVEL;
	memcpy(r, rule, rn);
	r[rn] = 0;
	memcpy(l, lvl, ln);
	l[ln] = 0;
	ri = md_rule_from_name(r);
	if (ri < 0)
		return ri;
	li = md_sev_from_name(l);
	if (li < 0)
		return li;
	c->sev[ri] = (uint8_t)li;
	return 0;
}

int md_sevcfg_set(struct md_sevcfg *c, const char *a)
{
	const char *eq = strchr(a, '=');

	if (!eq)
		return MD_E_SYNTAX;
	return sev_assign(c, a, (size_t)(eq - a), eq + 1, strlen(eq + 1));
}

int md_sevcfg_parse(struct md_sevcfg *c, const char *text, size_t len, struct md_parse_error *err)
{
	unsigned line = 0;
	size_t i = 0;

	while (i < len) {
		const char *p = text + i, *nl = memchr(p, '\n', len - i), *eq;
		size_t n = nl ? (size_t)(nl - p) : len - i, a = 0, b, e0, e1;
		int rc;

		i += n + (nl != NULL);
		line++;
		while (a < n && (p[a] == ' ' || p[a] == '\t'))
			a++;
		if (a == n || p[a] == '#' || (n - a == 1 && p[a] == '\r'))
			continue;
		eq = memchr(p + a, '=', n - a);
		if (!eq)
			return fail(err, line, "want 'RULE = LEVEL'");
		b = (size_t)(eq - p);
		e0 = b;
		while (e0 > a && (p[e0 - 1] == ' ' || p[e0 - 1] == '\t'))
			e0--;
		e1 = b + 1;
		while (e1 < n && (p[e1] == ' ' || p[e1] == '\t'))
			e1++;
		b = n;
		while (b > e1 && (p[b - 1] == ' ' || p[b - 1] == '\t' || p[b - 1] == '\r'))
			b--;
		rc = sev_assign(c, p + a, e0 - a, p + e1, b - e1);
		if (rc == MD_E_RULE)
			return fail(err, line, "unknown rule (see fdr-replay check --help)");
		if (rc == MD_E_LEVEL)
			return fail(err, line, "unknown level: off, info, low, medium, high or critical");
	}
	return 0;
}
