/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Filters: command-line parts plus the expression language (lexer,
 * recursive-descent parser, evaluator) and the kind-bitmap analysis that
 * lets the scan skip blocks without decompressing them.
 *
 * The expression text is attacker-adjacent (pasted from tickets, generated
 * by scripts), so the parser caps its length and nesting depth, and every
 * error names the column.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fdr-text.h"
#include "rp-filter.h"
#include "rp-time.h"
#include "u64map.h"

#define EXPR_MAX_LEN 65536
#define EXPR_MAX_DEPTH 64
#define ALL_KINDS UINT64_MAX

/* ---- glob ---------------------------------------------------------------- */

static bool class_match(const char **pp, unsigned char c, bool *ok)
{
	const char *p = *pp + 1;
	bool neg = false, hit = false;

	if (*p == '!' || *p == '^') {
		neg = true;
		p++;
	}
	const char *start = p;
	while (*p && (*p != ']' || p == start)) {
		unsigned char lo = (unsigned char)*p, hi = lo;
		if (p[1] == '-' && p[2] && p[2] != ']') {
			hi = (unsigned char)p[2];
			p += 2;
		}
		if (c >= lo && c <= hi)
			hit = true;
		p++;
	}
	if (*p != ']') {	/* no closing bracket: '[' is literal */
		*ok = c == '[';
		*pp = *pp + 1;
		return true;
	}
	*pp = p + 1;
	*ok = hit != neg;
	return true;
}

bool rp_glob(const char *pat, const char *s, size_t n)
{
	const char *p = pat, *star_p = NULL;
	size_t i = 0, star_i = 0;

	while (i < n) {
		if (*p == '*') {
			star_p = ++p;
			star_i = i;
			continue;
		}
		if (*p) {
			const char *next = p + 1;
			bool ok;

			if (*p == '?') {
				ok = true;
			} else if (*p == '[') {
				const char *q = p;
				class_match(&q, (unsigned char)s[i], &ok);
				next = q;
			} else if (*p == '\\' && p[1]) {
				ok = p[1] == s[i];
				next = p + 2;
			} else {
				ok = *p == s[i];
			}
			if (ok) {
				p = next;
				i++;
				continue;
			}
		}
		if (!star_p)
			return false;
		p = star_p;
		i = ++star_i;
	}
	while (*p == '*')
		p++;
	return !*p;
}

static bool glob_c(const char *pat, const char *s)
{
	return rp_glob(pat, s, strlen(s));
}

const char *rp_kind_name(const struct fdr_event *ev, char *buf, size_t size)
{
	const char *k = fdr_kind_name(ev->kind);

	if (ev->kind == FDR_DOCKER) {
		struct fdr_str a = fdr_event_str(ev, FDR_F_ACTION);
		snprintf(buf, size, "docker.%.*s", (int)a.len, a.p ? a.p : "");
	} else if (k && strlen(k) < size) {
		memcpy(buf, k, strlen(k) + 1);
	} else {
		snprintf(buf, size, "kind%u", ev->kind);
	}
	return buf;
}

/* Kinds (bitmap) whose name could match a kind glob; docker kinds when the
 * pattern's literal prefix fits "docker.". */
static uint64_t kinds_for_glob(const char *pat)
{
	uint64_t m = 0;

	for (unsigned k = 1; k < FDR_KIND_MAX; k++) {
		const char *name = fdr_kind_name(k);
		if (!name || k == FDR_DOCKER)
			continue;
		if (glob_c(pat, name))
			m |= 1ull << k;
	}
	size_t lit = strcspn(pat, "*?[\\");
	size_t cmp = lit < 7 ? lit : 7;
	if (!strncmp(pat, "docker.", cmp) && (lit >= 7 || pat[lit]))
		m |= 1ull << FDR_DOCKER;
	return m;
}

/* ---- expression tree ----------------------------------------------------- */

enum node_type { N_AND, N_OR, N_NOT, N_TEST, N_TRUE };
enum ref { R_EVENT, R_KIND, R_TIME, R_HOST, R_CONTAINER, R_CNAME, R_CIMAGE, R_IMAGE,
	   R_PARTIAL, R_UNCERTAIN };
enum op { OP_EXISTS, OP_EQ, OP_NE, OP_GLOB, OP_NGLOB, OP_LT, OP_LE, OP_GT, OP_GE };
enum vkind { V_NONE, V_STR, V_NUM, V_BOOL };
/* Shape of a glob, decided once at parse time: most patterns people type
 * are a literal with stars at the ends, matched without the general loop. */
enum gshape { G_GENERIC, G_EXACT, G_PREFIX, G_SUFFIX, G_PRESUF, G_INFIX };

struct node {
	enum node_type type;
	struct node *a, *b;
	enum ref ref;
	unsigned field;
	enum op op;
	enum vkind vk;
	char *str;		/* NUL-terminated (strings with NUL cannot be typed) */
	__int128 num;
	bool boolean;
	/* Compiled by compile_test() so evaluation does no string work that
	 * the text of the expression already settles. */
	enum fdr_type ftype;	/* R_EVENT: the field's type */
	size_t slen;		/* strlen(str) */
	enum gshape gs;
	size_t plen, xlen;	/* literal prefix / suffix lengths in str */
	size_t moff, mlen;	/* G_INFIX: the literal between the stars */
	uint64_t kname;		/* R_KIND: named kinds other than docker */
	uint64_t kpass;		/* R_KIND: those of them whose name passes == or ~ */
	int leaves;		/* tests under this node (set by count_leaves) */
};

static void node_free(struct node *n)
{
	if (!n)
		return;
	node_free(n->a);
	node_free(n->b);
	free(n->str);
	free(n);
}

static struct node *node_new(enum node_type t)
{
	struct node *n = calloc(1, sizeof(*n));

	if (!n)
		abort();
	n->type = t;
	return n;
}

/*
 * The expression compiled for evaluation: one instruction per test leaf,
 * each naming where to go when the test is true and when it is false (an
 * index, or PROG_TRUE / PROG_FALSE to finish). && || ! become jumps, so
 * evaluation is a loop without recursion and stops at the first test
 * that settles the result.
 */
#define PROG_TRUE (-1)
#define PROG_FALSE (-2)
enum icode {
	I_TEST,		/* eval_test(n) */
	I_CONST,	/* n->boolean */
	I_STR,		/* string field, == != ~ !~ a string */
	I_U64,		/* unsigned field compared with a number */
	I_I64,		/* signed field compared with a number */
};
struct insn {
	const struct node *n;	/* N_TEST or N_TRUE */
	int t, f;
	enum icode code;
	unsigned field;
	bool negative;		/* != or !~: true when the field is absent */
};

/* ---- the filter ---------------------------------------------------------- */

struct strlist {
	char **v;
	size_t n;
};

struct rp_filter {
	uint64_t since, until;
	struct strlist hosts, containers, images, users, docker_globs;
	bool kinds_set;
	uint64_t kmask;		/* non-docker kinds allowed by --kind */
	bool docker_any;	/* --kind admits some docker.* */
	bool pid_set, descendants;
	uint64_t pid;
	struct node *expr;	/* NULL = true */
	uint64_t ekinds;	/* node_kinds(expr): a per-event kind pre-check */
	uint64_t eyes, eno;	/* kinds for which the expression is true / false
				 * whatever the fields and time (expr_by_kind) */
	/* Derived by refresh() after every change, so the per-event test
	 * starts with one bit test and one flag: */
	uint64_t evkinds;	/* kinds (< 64) that --kind and the expression let through */
	bool rest;		/* --container, --pid without descendants or --user set */
	struct insn *prog;	/* expr compiled to tests and jumps (compile_expr) */
	struct uid { uint64_t v; bool ok; } *uids;	/* users.v[i] as a number */
};

static void strlist_add(struct strlist *l, const char *s)
{
	char **v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (!v)
		abort();
	l->v = v;
	l->v[l->n] = strdup(s);
	if (!l->v[l->n])
		abort();
	l->n++;
}

static void strlist_release(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static uint64_t node_kinds(const struct node *n);

static void refresh(struct rp_filter *f)
{
	uint64_t m = ALL_KINDS;

	if (f->kinds_set)
		m = f->kmask | (f->docker_any ? 1ull << FDR_DOCKER : 0);
	if (f->expr)
		m &= f->ekinds & ~f->eno;
	f->evkinds = m;
	f->rest = f->containers.n || (f->pid_set && !f->descendants) || f->users.n;
}

int rp_filter_new(struct rp_filter **out)
{
	struct rp_filter *f = calloc(1, sizeof(*f));

	if (!f)
		return -ENOMEM;
	f->until = UINT64_MAX;
	f->kmask = ALL_KINDS;
	refresh(f);
	*out = f;
	return 0;
}

void rp_filter_free(struct rp_filter *f)
{
	if (!f)
		return;
	strlist_release(&f->hosts);
	strlist_release(&f->containers);
	strlist_release(&f->images);
	strlist_release(&f->users);
	strlist_release(&f->docker_globs);
	free(f->uids);
	free(f->prog);
	node_free(f->expr);
	free(f);
}

void rp_filter_set_since(struct rp_filter *f, uint64_t ns)
{
	f->since = ns;
}

void rp_filter_set_until(struct rp_filter *f, uint64_t ns)
{
	f->until = ns;
}

void rp_filter_add_host(struct rp_filter *f, const char *glob)
{
	strlist_add(&f->hosts, glob);
}

void rp_filter_add_container(struct rp_filter *f, const char *s)
{
	strlist_add(&f->containers, s);
	refresh(f);
}

void rp_filter_add_image(struct rp_filter *f, const char *glob)
{
	strlist_add(&f->images, glob);
}

void rp_filter_add_user(struct rp_filter *f, const char *user)
{
	char *end;
	unsigned long long uid;
	struct uid *v = realloc(f->uids, (f->users.n + 1) * sizeof(*v));

	if (!v)
		abort();
	f->uids = v;
	/* Parsed once here, not per event. */
	errno = 0;
	uid = strtoull(user, &end, 10);
	v[f->users.n].ok = *user && !*end && !errno;
	v[f->users.n].v = uid;
	strlist_add(&f->users, user);
	refresh(f);
}

void rp_filter_set_pid(struct rp_filter *f, uint64_t pid, bool descendants)
{
	f->pid_set = true;
	f->pid = pid;
	f->descendants = descendants;
	refresh(f);
}

static void seterr(struct rp_error *err, size_t col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void seterr(struct rp_error *err, size_t col, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	err->col = col;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

int rp_filter_add_kinds(struct rp_filter *f, const char *list, struct rp_error *err)
{
	const char *p = list;
	uint64_t mask = f->kinds_set ? f->kmask : 0;

	while (*p) {
		size_t n = strcspn(p, ",");
		char pat[128];

		if (n == 0 || n >= sizeof(pat)) {
			seterr(err, (size_t)(p - list) + 1, n ? "kind pattern too long" : "empty kind pattern");
			return -EINVAL;
		}
		memcpy(pat, p, n);
		pat[n] = '\0';
		uint64_t m = kinds_for_glob(pat);
		if (!m) {
			seterr(err, (size_t)(p - list) + 1, "no event kind matches '%s'", pat);
			return -EINVAL;
		}
		if (m & (1ull << FDR_DOCKER)) {
			f->docker_any = true;
			strlist_add(&f->docker_globs, pat);
		}
		mask |= m & ~(1ull << FDR_DOCKER);
		p += n;
		if (*p == ',')
			p++;
	}
	f->kinds_set = true;
	f->kmask = mask;
	refresh(f);
	return 0;
}

/* ---- lexer ----------------------------------------------------------------- */

enum tok { T_EOF, T_IDENT, T_STRING, T_NUMBER, T_OP, T_LP, T_RP, T_AND, T_OR, T_NOT,
	   T_TRUE, T_FALSE, T_BAD };

struct lexer {
	const char *s;
	size_t pos;		/* of the current token */
	size_t next;		/* after it */
	enum tok tok;
	enum op op;
	struct fdr_buf text;	/* identifier or decoded string */
	__int128 num;
	struct rp_error *err;
	int depth;
};

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int lex(struct lexer *lx)
{
	const char *s = lx->s;
	size_t i = lx->next;

	while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
		i++;
	lx->pos = i;
	fdr_buf_reset(&lx->text);
	char c = s[i];
	if (!c) {
		lx->tok = T_EOF;
	} else if (isalpha((unsigned char)c) || c == '_') {
		size_t j = i;
		while (isalnum((unsigned char)s[j]) || s[j] == '_' || s[j] == '.')
			j++;
		fdr_buf_add(&lx->text, s + i, j - i);
		i = j;
		lx->tok = T_IDENT;
		if (!strcmp(lx->text.p, "and"))
			lx->tok = T_AND;
		else if (!strcmp(lx->text.p, "or"))
			lx->tok = T_OR;
		else if (!strcmp(lx->text.p, "not"))
			lx->tok = T_NOT;
		else if (!strcmp(lx->text.p, "true"))
			lx->tok = T_TRUE;
		else if (!strcmp(lx->text.p, "false"))
			lx->tok = T_FALSE;
	} else if (isdigit((unsigned char)c) || (c == '-' && isdigit((unsigned char)s[i + 1]))) {
		bool neg = c == '-';
		__int128 v = 0;
		if (neg)
			i++;
		while (isdigit((unsigned char)s[i])) {
			v = v * 10 + (s[i] - '0');
			if (v > (__int128)UINT64_MAX) {
				seterr(lx->err, lx->pos + 1, "number too large");
				return -EINVAL;
			}
			i++;
		}
		if (isalpha((unsigned char)s[i]) || s[i] == '_') {
			seterr(lx->err, i + 1, "unexpected '%c' in a number (quote strings)", s[i]);
			return -EINVAL;
		}
		lx->num = neg ? -v : v;
		lx->tok = T_NUMBER;
	} else if (c == '"' || c == '\'') {
		char q = c;
		i++;
		for (;;) {
			char d = s[i];
			if (!d) {
				seterr(lx->err, lx->pos + 1, "unterminated string");
				return -EINVAL;
			}
			if (d == q) {
				i++;
				break;
			}
			if (d == '\\') {
				char e = s[i + 1];
				int h1, h2;
				switch (e) {
				case 'n': fdr_buf_addc(&lx->text, '\n'); i += 2; continue;
				case 't': fdr_buf_addc(&lx->text, '\t'); i += 2; continue;
				case 'r': fdr_buf_addc(&lx->text, '\r'); i += 2; continue;
				case '"': case '\'':
					fdr_buf_addc(&lx->text, e); i += 2; continue;
				case '\\':
					/* Keep "\\" so a glob still sees an escaped backslash. */
					fdr_buf_add(&lx->text, "\\\\", 2); i += 2; continue;
				case 'x':
					h1 = hexval((unsigned char)s[i + 2]);
					h2 = h1 < 0 ? -1 : hexval((unsigned char)s[i + 3]);
					if (h1 < 0 || h2 < 0 || (h1 == 0 && h2 == 0)) {
						seterr(lx->err, i + 1, "bad \\x escape (two hex digits, not 00)");
						return -EINVAL;
					}
					fdr_buf_addc(&lx->text, (char)(h1 * 16 + h2));
					i += 4;
					continue;
				case '*': case '?': case '[': case ']':
					fdr_buf_addc(&lx->text, '\\');
					fdr_buf_addc(&lx->text, e);
					i += 2;
					continue;
				default:
					seterr(lx->err, i + 1, "unknown escape '\\%c'", e ? e : ' ');
					return -EINVAL;
				}
			}
			fdr_buf_addc(&lx->text, d);
			i++;
		}
		lx->tok = T_STRING;
	} else if (c == '(') {
		lx->tok = T_LP;
		i++;
	} else if (c == ')') {
		lx->tok = T_RP;
		i++;
	} else if (c == '&' && s[i + 1] == '&') {
		lx->tok = T_AND;
		i += 2;
	} else if (c == '|' && s[i + 1] == '|') {
		lx->tok = T_OR;
		i += 2;
	} else {
		static const struct { const char *t; enum op op; } ops[] = {
			{ "==", OP_EQ }, { "!=", OP_NE }, { "!~", OP_NGLOB }, { "<=", OP_LE },
			{ ">=", OP_GE }, { "=~", OP_GLOB }, { "~", OP_GLOB }, { "<", OP_LT },
			{ ">", OP_GT }, { "=", OP_EQ },
		};
		for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
			size_t n = strlen(ops[k].t);
			if (!strncmp(s + i, ops[k].t, n)) {
				lx->tok = T_OP;
				lx->op = ops[k].op;
				lx->next = i + n;
				return 0;
			}
		}
		if (c == '!') {
			lx->tok = T_NOT;
			lx->next = i + 1;
			return 0;
		}
		if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f)
			seterr(lx->err, i + 1, "unexpected byte 0x%02x", (unsigned char)c);
		else
			seterr(lx->err, i + 1, "unexpected '%c'", c);
		return -EINVAL;
	}
	lx->next = i;
	return 0;
}

static const char *tok_desc(const struct lexer *lx)
{
	switch (lx->tok) {
	case T_EOF: return "the end";
	case T_IDENT: return "a field name";
	case T_STRING: return "a string";
	case T_NUMBER: return "a number";
	case T_OP: return "an operator";
	case T_LP: return "'('";
	case T_RP: return "')'";
	case T_AND: return "'&&'";
	case T_OR: return "'||'";
	case T_NOT: return "'!'";
	case T_TRUE: case T_FALSE: return "a boolean";
	default: return "something unexpected";
	}
}

/* ---- parser ---------------------------------------------------------------- */

static struct node *parse_or(struct lexer *lx);

static int resolve_field(const char *name, enum ref *ref, unsigned *field)
{
	static const struct { const char *n; enum ref r; } special[] = {
		{ "kind", R_KIND }, { "time", R_TIME }, { "host", R_HOST },
		{ "container", R_CONTAINER }, { "container.id", R_CONTAINER },
		{ "container.name", R_CNAME }, { "container_name", R_CNAME },
		{ "container.image", R_CIMAGE }, { "image", R_IMAGE },
		{ "partial", R_PARTIAL }, { "uncertain", R_UNCERTAIN },
	};
	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++) {
		if (!strcmp(name, special[i].n)) {
			*ref = special[i].r;
			*field = 0;
			return 0;
		}
	}
	unsigned f = fdr_field_from_name(name);
	if (!f)
		return -1;
	*ref = R_EVENT;
	*field = f;
	return 0;
}

static bool ref_numeric(enum ref r, unsigned field)
{
	if (r == R_TIME)
		return true;
	if (r != R_EVENT)
		return false;
	enum fdr_type t = fdr_field_type(field);
	return t == FDR_T_U64 || t == FDR_T_I64;
}

/* Literal-and-stars shape of a glob; G_GENERIC when it has ? [ or \. */
static void compile_glob(struct node *n)
{
	const char *p = n->str;
	size_t len = n->slen, ls = 0, ts = 0;

	n->gs = G_GENERIC;
	if (strpbrk(p, "?[\\"))
		return;
	while (ls < len && p[ls] == '*')
		ls++;
	while (ts < len - ls && p[len - 1 - ts] == '*')
		ts++;
	const char *mid = p + ls;
	size_t mlen = len - ls - ts;
	const char *star = memchr(mid, '*', mlen);
	if (!star) {
		if (!ls && !ts) {
			n->gs = G_EXACT;
		} else if (!ls) {
			n->gs = G_PREFIX;
			n->plen = mlen;
		} else if (!ts) {
			n->gs = G_SUFFIX;
			n->xlen = mlen;
		} else {
			n->gs = G_INFIX;
			n->moff = ls;
			n->mlen = mlen;
		}
		return;
	}
	/* One run of stars inside, none at the ends: prefix*suffix. */
	size_t a = (size_t)(star - p), b = a;
	while (b < len && p[b] == '*')
		b++;
	if (ls || ts || memchr(p + b, '*', len - b))
		return;
	n->gs = G_PRESUF;
	n->plen = a;
	n->xlen = len - b;
}

static void compile_test(struct node *n)
{
	if (n->ref == R_EVENT)
		n->ftype = fdr_field_type(n->field);
	if (n->vk != V_STR)
		return;
	n->slen = strlen(n->str);
	compile_glob(n);
	if (n->ref == R_KIND) {
		for (unsigned k = 1; k < FDR_KIND_MAX; k++) {
			const char *name = fdr_kind_name(k);
			if (!name || k == FDR_DOCKER || strlen(name) >= 80)
				continue;
			n->kname |= 1ull << k;
			bool eq = n->op == OP_GLOB || n->op == OP_NGLOB ? glob_c(n->str, name)
									: !strcmp(n->str, name);
			if (eq)
				n->kpass |= 1ull << k;
		}
	}
}

static struct node *parse_test(struct lexer *lx)
{
	size_t fcol = lx->pos + 1;
	struct node *n;

	if (lx->tok == T_TRUE || lx->tok == T_FALSE) {
		n = node_new(N_TRUE);
		n->boolean = lx->tok == T_TRUE;
		if (lex(lx))
			goto out_free;
		return n;
	}
	if (lx->tok != T_IDENT) {
		seterr(lx->err, fcol, "expected a field name, got %s", tok_desc(lx));
		return NULL;
	}
	n = node_new(N_TEST);
	if (resolve_field(lx->text.p, &n->ref, &n->field)) {
		seterr(lx->err, fcol, "unknown field '%s'", lx->text.p);
		goto out_free;
	}
	char fname[64];
	snprintf(fname, sizeof(fname), "%s", lx->text.p);
	if (lex(lx))
		goto out_free;
	if (lx->tok != T_OP) {
		n->op = OP_EXISTS;
		compile_test(n);
		return n;
	}
	n->op = lx->op;
	size_t ocol = lx->pos + 1;
	if (lex(lx))
		goto out_free;
	size_t vcol = lx->pos + 1;
	bool numeric = ref_numeric(n->ref, n->field);
	bool boolean = n->ref == R_PARTIAL || n->ref == R_UNCERTAIN;
	switch (lx->tok) {
	case T_STRING:
		n->vk = V_STR;
		n->str = strdup(lx->text.p);
		if (!n->str)
			abort();
		if (n->ref == R_TIME) {
			uint64_t t;
			size_t ecol = 0;
			if (n->op == OP_GLOB || n->op == OP_NGLOB) {
				seterr(lx->err, ocol, "'time' compares with == != < <= > >=, not globs");
				goto out_free;
			}
			if (rp_time_parse(n->str, rp_time_now(), &t, &ecol)) {
				seterr(lx->err, vcol + ecol, "bad time '%s' (RFC 3339 or relative like -2h)", n->str);
				goto out_free;
			}
			n->vk = V_NUM;
			n->num = t;
		} else if (numeric && n->op != OP_GLOB && n->op != OP_NGLOB) {
			seterr(lx->err, vcol, "'%s' is a number: compare it with a number, or use ~ for a glob", fname);
			goto out_free;
		} else if (boolean) {
			seterr(lx->err, vcol, "'%s' is true or false", fname);
			goto out_free;
		} else if (!numeric && n->op != OP_EQ && n->op != OP_NE && n->op != OP_GLOB && n->op != OP_NGLOB) {
			seterr(lx->err, ocol, "'%s' is a string: use == != ~ !~", fname);
			goto out_free;
		}
		break;
	case T_NUMBER:
		if (!numeric) {
			seterr(lx->err, vcol, "'%s' is not a number: quote the value", fname);
			goto out_free;
		}
		if (n->op == OP_GLOB || n->op == OP_NGLOB) {
			seterr(lx->err, ocol, "~ takes a quoted glob");
			goto out_free;
		}
		n->vk = V_NUM;
		n->num = lx->num;
		break;
	case T_TRUE:
	case T_FALSE:
		if (!boolean || (n->op != OP_EQ && n->op != OP_NE)) {
			seterr(lx->err, vcol, "only 'partial' and 'uncertain' compare with true/false (== or !=)");
			goto out_free;
		}
		n->vk = V_BOOL;
		n->boolean = lx->tok == T_TRUE;
		break;
	default:
		seterr(lx->err, vcol, "expected a value after the operator, got %s", tok_desc(lx));
		goto out_free;
	}
	if (lex(lx))
		goto out_free;
	compile_test(n);
	return n;
out_free:
	node_free(n);
	return NULL;
}

static struct node *parse_unary(struct lexer *lx)
{
	if (++lx->depth > EXPR_MAX_DEPTH) {
		seterr(lx->err, lx->pos + 1, "expression nested too deeply");
		return NULL;
	}
	struct node *n = NULL;
	if (lx->tok == T_NOT) {
		if (lex(lx))
			return NULL;
		struct node *a = parse_unary(lx);
		if (!a)
			return NULL;
		n = node_new(N_NOT);
		n->a = a;
	} else if (lx->tok == T_LP) {
		size_t col = lx->pos + 1;
		if (lex(lx))
			return NULL;
		n = parse_or(lx);
		if (!n)
			return NULL;
		if (lx->tok != T_RP) {
			seterr(lx->err, lx->pos + 1, "expected ')' to close the '(' at column %zu, got %s",
			       col, tok_desc(lx));
			node_free(n);
			return NULL;
		}
		if (lex(lx)) {
			node_free(n);
			return NULL;
		}
	} else {
		n = parse_test(lx);
	}
	lx->depth--;
	return n;
}

/* A left-associative chain `sub (op sub)*` of binary nodes of the given type. */
static struct node *parse_chain(struct lexer *lx, enum tok op, enum node_type type,
				struct node *(*sub)(struct lexer *))
{
	struct node *l = sub(lx);

	while (l && lx->tok == op) {
		if (lex(lx))
			goto out_free;
		struct node *r = sub(lx);
		if (!r)
			goto out_free;
		struct node *n = node_new(type);
		n->a = l;
		n->b = r;
		l = n;
	}
	return l;
out_free:
	node_free(l);
	return NULL;
}

static struct node *parse_and(struct lexer *lx)
{
	return parse_chain(lx, T_AND, N_AND, parse_unary);
}

static struct node *parse_or(struct lexer *lx)
{
	return parse_chain(lx, T_OR, N_OR, parse_and);
}

static int count_leaves(struct node *n)
{
	switch (n->type) {
	case N_AND:
	case N_OR:
		n->leaves = count_leaves(n->a) + count_leaves(n->b);
		break;
	case N_NOT:
		n->leaves = count_leaves(n->a);
		break;
	default:
		n->leaves = 1;
		break;
	}
	return n->leaves;
}

/* Emit n at *pc so that it jumps to t when true and to f when false. */
static void emit(struct insn *prog, int *pc, const struct node *n, int t, int f)
{
	switch (n->type) {
	case N_AND:
		emit(prog, pc, n->a, *pc + n->a->leaves, f);
		emit(prog, pc, n->b, t, f);
		break;
	case N_OR:
		emit(prog, pc, n->a, t, *pc + n->a->leaves);
		emit(prog, pc, n->b, t, f);
		break;
	case N_NOT:
		emit(prog, pc, n->a, f, t);
		break;
	default: {
		struct insn *in = &prog[(*pc)++];
		in->n = n;
		in->t = t;
		in->f = f;
		in->field = n->field;
		in->negative = n->op == OP_NE || n->op == OP_NGLOB;
		in->code = I_TEST;
		if (n->type == N_TRUE)
			in->code = I_CONST;
		else if (n->ref == R_EVENT && n->op != OP_EXISTS && n->ftype == FDR_T_STR && n->vk == V_STR)
			in->code = I_STR;
		else if (n->ref == R_EVENT && n->op != OP_EXISTS && n->ftype == FDR_T_U64 && n->vk == V_NUM)
			in->code = I_U64;
		else if (n->ref == R_EVENT && n->op != OP_EXISTS && n->ftype == FDR_T_I64 && n->vk == V_NUM)
			in->code = I_I64;
		break;
	}
	}
}

/* Three-valued evaluation knowing only the kind: tests of the kind by
 * name are settled, every other test is unknown. */
enum tri { TRI_F, TRI_T, TRI_U };

static enum tri eval_kind(const struct node *n, unsigned k)
{
	enum tri a, b;

	switch (n->type) {
	case N_TRUE:
		return n->boolean ? TRI_T : TRI_F;
	case N_NOT:
		a = eval_kind(n->a, k);
		return a == TRI_U ? TRI_U : a == TRI_T ? TRI_F : TRI_T;
	case N_AND:
		a = eval_kind(n->a, k);
		if (a == TRI_F)
			return TRI_F;
		b = eval_kind(n->b, k);
		return b == TRI_F ? TRI_F : a == TRI_T && b == TRI_T ? TRI_T : TRI_U;
	case N_OR:
		a = eval_kind(n->a, k);
		if (a == TRI_T)
			return TRI_T;
		b = eval_kind(n->b, k);
		return b == TRI_T ? TRI_T : a == TRI_F && b == TRI_F ? TRI_F : TRI_U;
	case N_TEST:
		if (n->ref == R_KIND && n->vk == V_STR && ((n->kname >> k) & 1)) {
			bool eq = (n->kpass >> k) & 1;
			return eq != (n->op == OP_NE || n->op == OP_NGLOB) ? TRI_T : TRI_F;
		}
		return TRI_U;
	}
	return TRI_U;
}

/* Kinds for which the expression is settled by the kind alone: events of
 * an "eno" kind are passed over undecoded (and blocks of only such kinds
 * never decompressed); a count takes "eyes" kinds from block headers. */
static void expr_by_kind(struct rp_filter *f)
{
	f->eyes = f->eno = 0;
	for (unsigned k = 1; k < FDR_KIND_MAX; k++) {
		enum tri t = eval_kind(f->expr, k);
		if (t == TRI_T)
			f->eyes |= 1ull << k;
		else if (t == TRI_F)
			f->eno |= 1ull << k;
	}
}

static void compile_expr(struct rp_filter *f)
{
	int pc = 0, n = count_leaves(f->expr);
	struct insn *prog = calloc((size_t)n, sizeof(*prog));

	if (!prog)
		abort();
	emit(prog, &pc, f->expr, PROG_TRUE, PROG_FALSE);
	free(f->prog);
	f->prog = prog;
}

int rp_filter_add_expr(struct rp_filter *f, const char *text, struct rp_error *err)
{
	struct lexer lx = { .s = text, .err = err };
	struct node *n;

	if (strlen(text) > EXPR_MAX_LEN) {
		seterr(err, 0, "expression longer than %d bytes", EXPR_MAX_LEN);
		return -EINVAL;
	}
	if (lex(&lx))
		goto out_release;
	if (lx.tok == T_EOF) {
		seterr(err, 1, "empty expression");
		goto out_release;
	}
	n = parse_or(&lx);
	if (!n)
		goto out_release;
	if (lx.tok != T_EOF) {
		seterr(err, lx.pos + 1, "expected '&&', '||' or the end, got %s", tok_desc(&lx));
		node_free(n);
		goto out_release;
	}
	fdr_buf_release(&lx.text);
	if (f->expr) {
		struct node *a = node_new(N_AND);
		a->a = f->expr;
		a->b = n;
		n = a;
	}
	f->expr = n;
	f->ekinds = node_kinds(n);
	compile_expr(f);
	expr_by_kind(f);
	refresh(f);
	return 0;
out_release:
	fdr_buf_release(&lx.text);
	return -EINVAL;
}

/* ---- kind analysis (pushdown) ---------------------------------------------- */

static uint64_t node_kinds(const struct node *n)
{
	switch (n->type) {
	case N_AND:
		return node_kinds(n->a) & node_kinds(n->b);
	case N_OR:
		return node_kinds(n->a) | node_kinds(n->b);
	case N_TRUE:
		return n->boolean ? ALL_KINDS : 0;
	case N_TEST:
		if (n->ref != R_KIND || n->vk != V_STR)
			return ALL_KINDS;
		if (n->op == OP_GLOB)
			return kinds_for_glob(n->str);
		if (n->op == OP_EQ) {
			unsigned k = fdr_kind_from_name(n->str);
			if (k == FDR_DOCKER && strncmp(n->str, "docker.", 7))
				return 0;	/* plain "docker" is no event's kind */
			return k ? 1ull << k : 0;
		}
		return ALL_KINDS;
	default:		/* negation: anything may match */
		return ALL_KINDS;
	}
}

uint64_t rp_filter_kinds(const struct rp_filter *f)
{
	uint64_t m = f->kmask | (f->docker_any || !f->kinds_set ? 1ull << FDR_DOCKER : 0);

	if (f->expr)
		m &= node_kinds(f->expr) & ~f->eno;
	if (f->pid_set && f->descendants)
		m |= (1ull << FDR_PROC_FORK) | (1ull << FDR_PROC_EXEC) | (1ull << FDR_PROC_EXIT);
	return m;
}

void rp_filter_range(const struct rp_filter *f, uint64_t *since, uint64_t *until)
{
	*since = f->since;
	*until = f->until;
}

bool rp_filter_tracks_pids(const struct rp_filter *f)
{
	return f->pid_set && f->descendants;
}

/* ---- evaluation ------------------------------------------------------------ */

static void mark_field(uint64_t want[2], unsigned field)
{
	if (field < FDR_F_MAX)
		want[field >> 6] |= 1ull << (field & 63);
}

/* Fields the tests under n read (rp_kind_name() reads the docker action). */
static void node_fields(const struct node *n, uint64_t want[2])
{
	if (!n)
		return;
	node_fields(n->a, want);
	node_fields(n->b, want);
	if (n->type != N_TEST)
		return;
	if (n->ref == R_EVENT)
		mark_field(want, n->field);
	else if (n->ref == R_KIND)
		mark_field(want, FDR_F_ACTION);
	else if (n->ref == R_IMAGE)
		mark_field(want, FDR_F_IMAGE);
}

void rp_filter_fields(const struct rp_filter *f, uint64_t want[2])
{
	want[0] = want[1] = 0;
	if (f->pid_set && f->descendants) {	/* the tracker reads lineage fields */
		want[0] = want[1] = UINT64_MAX;
		return;
	}
	node_fields(f->expr, want);
	if (f->kinds_set)
		mark_field(want, FDR_F_ACTION);
	if (f->containers.n) {
		mark_field(want, FDR_F_CONTAINER);
		mark_field(want, FDR_F_NAME);
	}
	if (f->pid_set)
		mark_field(want, FDR_F_PID);
	if (f->users.n) {
		static const unsigned uf[] = { FDR_F_USER, FDR_F_RUNAS, FDR_F_UID, FDR_F_EUID,
					       FDR_F_LOGINUID };
		for (size_t i = 0; i < sizeof(uf) / sizeof(uf[0]); i++)
			mark_field(want, uf[i]);
	}
}

static bool container_matches(const char *want, const struct rp_ring *r)
{
	if (!strcmp(want, "host"))
		return r->is_host;
	if (!r->is_host && *want && !strncmp(r->container, want, strlen(want)))
		return true;
	return *r->name && glob_c(want, r->name);
}

static bool ring_match(const struct rp_filter *f, const struct rp_ring *r, bool host_events)
{
	bool ok;

	if (f->hosts.n) {
		ok = false;
		for (size_t i = 0; i < f->hosts.n && !ok; i++)
			ok = glob_c(f->hosts.v[i], r->host);
		if (!ok)
			return false;
	}
	if (f->containers.n) {
		/* The host ring also holds docker events about containers: those
		 * are picked per event (event_about_container). */
		ok = host_events && r->is_host;
		for (size_t i = 0; i < f->containers.n && !ok; i++)
			ok = container_matches(f->containers.v[i], r);
		if (!ok)
			return false;
	}
	if (f->images.n) {
		ok = false;
		for (size_t i = 0; i < f->images.n && !ok; i++)
			ok = glob_c(f->images.v[i], r->image);
		if (!ok)
			return false;
	}
	return true;
}

bool rp_filter_ring(const struct rp_filter *f, const struct rp_ring *r)
{
	return ring_match(f, r, true);
}

bool rp_filter_ring_selected(const struct rp_filter *f, const struct rp_ring *r)
{
	return ring_match(f, r, false);
}

bool rp_filter_block(const struct rp_filter *f, const struct fdr_block_info *b)
{
	if (b->last_ns < f->since || b->first_ns > f->until)
		return false;
	return (b->kinds & rp_filter_kinds(f)) != 0;
}

bool rp_filter_block_all(const struct rp_filter *f, const struct fdr_block_info *b)
{
	if (f->pid_set || f->users.n || f->containers.n)
		return false;
	if (f->expr && (b->kinds & ~f->eyes))
		return false;	/* some kind of the block leaves the expression open */
	if (b->first_ns < f->since || b->last_ns > f->until)
		return false;
	/* Docker kinds need the action checked per event. */
	if (f->kinds_set && (b->kinds & ~(f->kmask & ~(1ull << FDR_DOCKER))))
		return false;
	return true;
}

/* Field value as a string for glob/equality: points into ev, r or tmp. */
static struct fdr_str value_str(const struct node *n, const struct rp_ring *r,
				const struct fdr_event *ev, struct fdr_buf *tmp, bool *present)
{
	struct fdr_str s = { NULL, 0 };
	char kb[80];

	*present = true;
	switch (n->ref) {
	case R_KIND:
		rp_kind_name(ev, kb, sizeof(kb));
		fdr_buf_adds(tmp, kb);
		s.p = tmp->p;
		s.len = (uint32_t)tmp->len;
		return s;
	case R_HOST: return fdr_str_c(r->host);
	case R_CONTAINER: return fdr_str_c(r->container);
	case R_CNAME: return fdr_str_c(r->name);
	case R_CIMAGE: return fdr_str_c(r->image);
	case R_IMAGE:
		if (fdr_event_has(ev, FDR_F_IMAGE))
			return ev->f[FDR_F_IMAGE].s;
		return fdr_str_c(r->image);
	default:
		break;
	}
	if (!fdr_event_has(ev, n->field)) {
		*present = false;
		return s;
	}
	switch (fdr_field_type(n->field)) {
	case FDR_T_STR:
		return ev->f[n->field].s;
	case FDR_T_ADDR: {
		char ab[64];
		fdr_buf_adds(tmp, fdr_addr_format(&ev->f[n->field].a, ab, sizeof(ab)));
		break;
	}
	case FDR_T_U64:
		fdr_buf_addf(tmp, "%llu", (unsigned long long)ev->f[n->field].u);
		break;
	case FDR_T_I64:
		fdr_buf_addf(tmp, "%lld", (long long)ev->f[n->field].i);
		break;
	case FDR_T_STRV: {
		struct fdr_strv v = ev->f[n->field].v;
		for (uint32_t i = 0; i < v.n; i++) {
			if (i)
				fdr_buf_addc(tmp, ' ');
			fdr_buf_add(tmp, v.v[i].p, v.v[i].len);
		}
		break;
	}
	default:
		*present = false;
		return s;
	}
	s.p = tmp->p ? tmp->p : "";
	s.len = (uint32_t)tmp->len;
	return s;
}

/* memcmp() == 0 for the short literals of a filter, without a call. */
static inline bool mem_eq(const char *a, const char *b, size_t n)
{
	if (n > 16)
		return !memcmp(a, b, n);
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

static bool glob_node(const struct node *n, const char *s, size_t len)
{
	const char *p = n->str;

	switch (n->gs) {
	case G_EXACT:
		return len == n->slen && (!len || mem_eq(s, p, len));
	case G_PREFIX:
		return len >= n->plen && (!n->plen || mem_eq(s, p, n->plen));
	case G_SUFFIX:
		return len >= n->xlen && (!n->xlen || mem_eq(s + len - n->xlen, p + n->slen - n->xlen, n->xlen));
	case G_PRESUF:
		return len >= n->plen + n->xlen && (!n->plen || mem_eq(s, p, n->plen)) &&
		       (!n->xlen || mem_eq(s + len - n->xlen, p + n->slen - n->xlen, n->xlen));
	case G_INFIX:
		return !n->mlen || (len && memmem(s, len, p + n->moff, n->mlen));
	default:
		return rp_glob(p, s ? s : "", len);
	}
}

static inline bool str_test(const struct node *n, struct fdr_str s)
{
	bool eq;

	if (n->op == OP_GLOB || n->op == OP_NGLOB)
		eq = glob_node(n, s.p, s.len);
	else
		eq = s.len == n->slen && (!s.len || mem_eq(s.p, n->str, s.len));
	return (n->op == OP_NE || n->op == OP_NGLOB) ? !eq : eq;
}

static inline bool num_test(enum op op, __int128 a, __int128 b)
{
	switch (op) {
	case OP_EQ: return a == b;
	case OP_NE: return a != b;
	case OP_LT: return a < b;
	case OP_LE: return a <= b;
	case OP_GT: return a > b;
	case OP_GE: return a >= b;
	default: return false;
	}
}

/* The general test, out of line: eval() stays small for the compiled
 * fast cases. */
__attribute__((noinline)) static bool eval_test(const struct node *n, const struct rp_ring *r,
					       const struct fdr_event *ev)
{
	bool negative = n->op == OP_NE || n->op == OP_NGLOB;

	/* Fast paths: an event field compared with a value of its own type,
	 * and a kind test on a kind whose name settled it at parse time. */
	if (n->ref == R_EVENT && n->op != OP_EXISTS) {
		if (!fdr_event_has(ev, n->field))
			return negative;
		const union fdr_val *v = &ev->f[n->field];
		if (n->ftype == FDR_T_STR && n->vk == V_STR)
			return str_test(n, v->s);
		if (n->ftype == FDR_T_U64 && n->vk == V_NUM)
			return num_test(n->op, (__int128)v->u, n->num);
		if (n->ftype == FDR_T_I64 && n->vk == V_NUM)
			return num_test(n->op, (__int128)v->i, n->num);
	} else if (n->ref == R_KIND && n->vk == V_STR && ev->kind < FDR_KIND_MAX &&
		   ((n->kname >> ev->kind) & 1)) {
		bool eq = (n->kpass >> ev->kind) & 1;
		return negative ? !eq : eq;
	}
	if (n->ref == R_PARTIAL || n->ref == R_UNCERTAIN) {
		bool v = ev->flags & (n->ref == R_PARTIAL ? FDR_EVF_PARTIAL : FDR_EVF_UNCERTAIN);
		if (n->op == OP_EXISTS)
			return v;
		return (v == n->boolean) != (n->op == OP_NE);
	}
	if (n->op == OP_EXISTS) {
		if (n->ref == R_EVENT)
			return fdr_event_has(ev, n->field);
		if (n->ref == R_IMAGE)
			return fdr_event_has(ev, FDR_F_IMAGE) || *r->image;
		if (n->ref == R_CNAME)
			return *r->name;
		if (n->ref == R_CIMAGE)
			return *r->image;
		return true;
	}
	if (n->vk == V_NUM) {
		__int128 a;
		if (n->ref == R_TIME) {
			a = ev->time_ns;
		} else {
			if (!fdr_event_has(ev, n->field))
				return negative;
			a = fdr_field_type(n->field) == FDR_T_I64 ? (__int128)ev->f[n->field].i
								  : (__int128)ev->f[n->field].u;
		}
		return num_test(n->op, a, n->num);
	}
	/* Strings: lists other than argv-like ones match when any element does. */
	if (n->ref == R_EVENT && n->ftype == FDR_T_STRV &&
	    n->field != FDR_F_ARGV && n->field != FDR_F_EXEC_COMMAND) {
		if (!fdr_event_has(ev, n->field))
			return negative;
		struct fdr_strv v = ev->f[n->field].v;
		bool any = false;
		for (uint32_t i = 0; i < v.n && !any; i++) {
			bool eq = n->op == OP_GLOB || n->op == OP_NGLOB
					  ? glob_node(n, v.v[i].p, v.v[i].len)
					  : fdr_str_eq(v.v[i], n->str);
			any = eq;
		}
		return negative ? !any : any;
	}
	/* tmp allocates only for values that must be formatted (numbers, lists). */
	struct fdr_buf tmp = FDR_BUF_INIT;
	bool present;
	struct fdr_str s = value_str(n, r, ev, &tmp, &present);
	bool res = present ? str_test(n, s) : negative;
	fdr_buf_release(&tmp);
	return res;
}

static bool eval(const struct insn *prog, const struct rp_ring *r, const struct fdr_event *ev)
{
	int pc = 0;

	for (;;) {
		const struct insn *in = &prog[pc];
		bool v;
		switch (in->code) {
		case I_STR:
			v = fdr_event_has(ev, in->field) ? str_test(in->n, ev->f[in->field].s) : in->negative;
			break;
		case I_U64:
			v = fdr_event_has(ev, in->field) ? num_test(in->n->op, (__int128)ev->f[in->field].u, in->n->num)
							 : in->negative;
			break;
		case I_I64:
			v = fdr_event_has(ev, in->field) ? num_test(in->n->op, (__int128)ev->f[in->field].i, in->n->num)
							 : in->negative;
			break;
		case I_CONST:
			v = in->n->boolean;
			break;
		default:
			v = eval_test(in->n, r, ev);
			break;
		}
		pc = v ? in->t : in->f;
		if (pc < 0)
			return pc == PROG_TRUE;
	}
}

static bool user_matches(const char *u, const struct uid *uid, const struct fdr_event *ev)
{
	static const unsigned strs[] = { FDR_F_USER, FDR_F_RUNAS };
	static const unsigned nums[] = { FDR_F_UID, FDR_F_EUID, FDR_F_LOGINUID };

	for (size_t i = 0; i < 2; i++)
		if (fdr_event_has(ev, strs[i]) && fdr_str_eq(ev->f[strs[i]].s, u))
			return true;
	if (!uid->ok)
		return false;
	for (size_t i = 0; i < 3; i++)
		if (fdr_event_has(ev, nums[i]) && ev->f[nums[i]].u == uid->v)
			return true;
	return false;
}

/* For the host ring under --container: the ring itself was asked for
 * ("host"), or the event is about one of the containers asked for. */
static bool event_about_container(const struct rp_filter *f, const struct fdr_event *ev)
{
	struct fdr_str id = fdr_event_str(ev, FDR_F_CONTAINER);
	struct fdr_str name = ev->kind == FDR_DOCKER ? fdr_event_str(ev, FDR_F_NAME) : fdr_str_c(NULL);

	for (size_t i = 0; i < f->containers.n; i++) {
		const char *w = f->containers.v[i];
		size_t n = strlen(w);
		if (!strcmp(w, "host"))
			return true;
		if (n && id.len >= n && !memcmp(id.p, w, n))
			return true;
		if (name.p && rp_glob(w, name.p, name.len))
			return true;
	}
	return false;
}

/* --container, --pid (without descendants), --user. */
__attribute__((noinline)) static bool event_rest(const struct rp_filter *f, const struct rp_ring *r,
						const struct fdr_event *ev)
{
	if (f->containers.n && r->is_host && !event_about_container(f, ev))
		return false;
	if (f->pid_set && !f->descendants && fdr_event_u(ev, FDR_F_PID, UINT64_MAX) != f->pid)
		return false;
	if (f->users.n) {
		bool ok = false;
		for (size_t i = 0; i < f->users.n && !ok; i++)
			ok = user_matches(f->users.v[i], &f->uids[i], ev);
		if (!ok)
			return false;
	}
	return true;
}

/* --kind on a docker event: its action decides. */
__attribute__((noinline)) static bool docker_kind_ok(const struct rp_filter *f, const struct fdr_event *ev)
{
	char kb[80];

	rp_kind_name(ev, kb, sizeof(kb));
	for (size_t i = 0; i < f->docker_globs.n; i++)
		if (glob_c(f->docker_globs.v[i], kb))
			return true;
	return false;
}

enum rp_pre rp_filter_pre(const struct rp_filter *f, unsigned kind, uint64_t time_ns, const uint64_t *pid)
{
	if (time_ns < f->since || time_ns > f->until)
		return RP_PRE_NO;
	if (kind < FDR_KIND_MAX) {
		if (!((f->evkinds >> kind) & 1))
			return RP_PRE_NO;
	} else if (f->kinds_set) {
		return RP_PRE_NO;
	}
	if (pid && f->pid_set && !f->descendants && *pid != f->pid)
		return RP_PRE_NO;
	/* Left for the fields: a docker event's action under --kind, the
	 * expression, --container on the host ring, --user, --pid. */
	if (f->rest || (kind == FDR_DOCKER && f->kinds_set) || kind >= FDR_KIND_MAX)
		return RP_PRE_MAYBE;
	if (f->expr && !((f->eyes >> kind) & 1))
		return RP_PRE_MAYBE;
	return RP_PRE_YES;
}

/* ---- block pushdown on the string table ------------------------------- */

/* A test that the block's string table can settle: a string field (or a
 * list other than the argv-like ones, which are matched joined) compared
 * with a string by == != ~ !~. Every value such a field has in the block
 * is a string of the table (SPEC.md 6.2: fields hold string indexes). */
static bool str_pushable(const struct node *n)
{
	return n->type == N_TEST && n->ref == R_EVENT && n->vk == V_STR &&
	       (n->op == OP_EQ || n->op == OP_NE || n->op == OP_GLOB || n->op == OP_NGLOB) &&
	       (n->ftype == FDR_T_STR ||
		(n->ftype == FDR_T_STRV && n->field != FDR_F_ARGV && n->field != FDR_F_EXEC_COMMAND));
}

static bool has_pushable(const struct node *n)
{
	return n && (str_pushable(n) || has_pushable(n->a) || has_pushable(n->b));
}

/* The strings of a block's table. */
struct strtab {
	const struct fdr_str *v;
	size_t n;
};

/* Whether s contains lit (llen >= 1): a plain loop, cheaper than a
 * memmem() call on the short strings of a table. */
static bool has_infix(const char *s, size_t len, const char *lit, size_t llen)
{
	if (len < llen)
		return false;
	for (size_t i = 0, last = len - llen; i <= last; i++)
		if (s[i] == lit[0] && !memcmp(s + i + 1, lit + 1, llen - 1))
			return true;
	return false;
}

/* Whether some string of t passes the positive form (== or ~) of n. */
static bool any_str_passes(const struct node *n, const struct strtab *t)
{
	bool infix = (n->op == OP_GLOB || n->op == OP_NGLOB) && n->gs == G_INFIX && n->mlen;

	for (size_t i = 0; i < t->n; i++) {
		const struct fdr_str *x = &t->v[i];
		bool eq;
		if (infix)
			eq = has_infix(x->p, x->len, n->str + n->moff, n->mlen);
		else if (n->op == OP_GLOB || n->op == OP_NGLOB)
			eq = glob_node(n, x->p, x->len);
		else
			eq = x->len == n->slen && (!x->len || !memcmp(x->p, n->str, x->len));
		if (eq)
			return true;
	}
	return false;
}

/* Three-valued evaluation for every event of a block whose string table
 * is t: a pushable test whose positive form (== or ~) no string of the
 * table passes is false for every event (true for != !~, as for an absent
 * field); anything else is unknown. */
static enum tri eval_strs(const struct node *n, const struct strtab *t)
{
	enum tri a, b;

	switch (n->type) {
	case N_TRUE:
		return n->boolean ? TRI_T : TRI_F;
	case N_NOT:
		a = eval_strs(n->a, t);
		return a == TRI_U ? TRI_U : a == TRI_T ? TRI_F : TRI_T;
	case N_AND:
		a = eval_strs(n->a, t);
		if (a == TRI_F)
			return TRI_F;
		b = eval_strs(n->b, t);
		return b == TRI_F ? TRI_F : a == TRI_T && b == TRI_T ? TRI_T : TRI_U;
	case N_OR:
		a = eval_strs(n->a, t);
		if (a == TRI_T)
			return TRI_T;
		b = eval_strs(n->b, t);
		return b == TRI_T ? TRI_T : a == TRI_F && b == TRI_F ? TRI_F : TRI_U;
	case N_TEST:
		if (!str_pushable(n) || any_str_passes(n, t))
			return TRI_U;
		return n->op == OP_NE || n->op == OP_NGLOB ? TRI_T : TRI_F;
	}
	return TRI_U;
}

bool rp_filter_strings_decide(const struct rp_filter *f)
{
	return has_pushable(f->expr);
}

bool rp_filter_strings_may_match(const struct rp_filter *f, const struct fdr_str *strs, size_t nstr)
{
	struct strtab t = { strs, nstr };

	return !f->expr || eval_strs(f->expr, &t) != TRI_F;
}

bool rp_filter_pre_decides(const struct rp_filter *f)
{
	return f->since || f->until != UINT64_MAX || f->kinds_set || f->evkinds != ALL_KINDS ||
	       (f->pid_set && !f->descendants) || !(f->expr || f->rest) || (f->expr && f->eyes);
}

bool rp_filter_event(const struct rp_filter *f, const struct rp_ring *r, const struct fdr_event *ev)
{
	unsigned k = ev->kind;

	if (ev->time_ns < f->since || ev->time_ns > f->until)
		return false;
	/* --kind and the kinds the expression can match (the same test
	 * rp_filter_block() makes on a block's kinds). */
	if (k < FDR_KIND_MAX) {
		if (!((f->evkinds >> k) & 1))
			return false;
	} else if (f->kinds_set) {
		return false;
	}
	if (k == FDR_DOCKER && f->kinds_set && !docker_kind_ok(f, ev))
		return false;
	if (f->rest && !event_rest(f, r, ev))
		return false;
	return !f->expr || eval(f->prog, r, ev);
}

/* ---- pid descendants ------------------------------------------------------- */

struct rp_pidtrack {
	uint64_t root;
	struct u64map members;	/* (host_idx << 32 | pid) -> 1 */
};

static uint64_t pkey(const struct rp_ring *r, uint64_t pid)
{
	return ((uint64_t)r->host_idx << 32) | (pid & 0xffffffffu);
}

int rp_pidtrack_new(const struct rp_filter *f, struct rp_pidtrack **out)
{
	struct rp_pidtrack *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->root = f->pid;
	*out = t;
	return 0;
}

void rp_pidtrack_free(struct rp_pidtrack *t)
{
	if (!t)
		return;
	u64map_release(&t->members);
	free(t);
}

void rp_pidtrack_update(struct rp_pidtrack *t, const struct rp_ring *r, const struct fdr_event *ev)
{
	uint64_t pid = fdr_event_u(ev, FDR_F_PID, UINT64_MAX), ppid;

	if (pid == UINT64_MAX)
		return;
	switch (ev->kind) {
	case FDR_PROC_FORK:
	case FDR_PROC_EXEC:
		ppid = fdr_event_u(ev, FDR_F_PPID, UINT64_MAX);
		if (ppid != UINT64_MAX && (ppid == t->root || u64map_get(&t->members, pkey(r, ppid), NULL)))
			u64map_put(&t->members, pkey(r, pid), 1);
		break;
	default:
		break;
	}
}

bool rp_pidtrack_match(const struct rp_pidtrack *t, const struct rp_ring *r, const struct fdr_event *ev)
{
	uint64_t pid = fdr_event_u(ev, FDR_F_PID, UINT64_MAX);

	if (pid == UINT64_MAX)
		return false;
	return pid == t->root || u64map_get(&t->members, pkey(r, pid), NULL);
}

void rp_pidtrack_retire(struct rp_pidtrack *t, const struct rp_ring *r, const struct fdr_event *ev)
{
	if (ev->kind == FDR_PROC_EXIT && fdr_event_has(ev, FDR_F_PID))
		u64map_del(&t->members, pkey(r, ev->f[FDR_F_PID].u));
}
