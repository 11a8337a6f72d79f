/* SPDX-License-Identifier: Apache-2.0 */
/* Event formatting: JSON lines, the human line, CSV and Timesketch. */
#include <stdio.h>
#include <string.h>

#include "rp-filter.h"
#include "rp-output.h"
#include "rp-time.h"

static void add_u(struct fdr_buf *b, uint64_t v)
{
	char tmp[24];
	int i = (int)sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	fdr_buf_add(b, tmp + i, sizeof(tmp) - (size_t)i);
}

static void add_i(struct fdr_buf *b, int64_t v)
{
	if (v < 0) {
		fdr_buf_addc(b, '-');
		add_u(b, (uint64_t)0 - (uint64_t)v);
	} else {
		add_u(b, (uint64_t)v);
	}
}

/* Plain printable ASCII without '"' or '\\' needs no escaping: the common
 * case, copied in one go (fdr_buf_add_json_str works byte by byte). */
static bool plain(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c < 0x20 || c > 0x7e || c == '"' || c == '\\')
			return false;
	}
	return true;
}

static void json_str(struct fdr_buf *b, const char *p, size_t n)
{
	if (!plain(p, n)) {
		fdr_buf_add_json_str(b, p, n);
		return;
	}
	fdr_buf_grow(b, n + 2);
	b->p[b->len++] = '"';
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len++] = '"';
	b->p[b->len] = '\0';
}

static void esc_str(struct fdr_buf *b, const char *p, size_t n)
{
	if (plain(p, n))
		fdr_buf_add(b, p, n);
	else
		fdr_buf_add_escaped(b, p, n);
}

static void json_key(struct fdr_buf *b, const char *k)
{
	fdr_buf_addc(b, ',');
	fdr_buf_addc(b, '"');
	fdr_buf_adds(b, k);
	fdr_buf_add(b, "\":", 2);
}

static void json_cstr(struct fdr_buf *b, const char *s)
{
	json_str(b, s, strlen(s));
}

static bool is_time_field(unsigned f)
{
	return f == FDR_F_FROM || f == FDR_F_TO;
}

static void json_value(struct fdr_buf *b, const struct fdr_event *ev, unsigned f)
{
	char tb[RP_TIME_MAX];

	switch (fdr_field_type(f)) {
	case FDR_T_U64:
		if (is_time_field(f)) {
			fdr_buf_addc(b, '"');
			fdr_buf_adds(b, rp_time_format(ev->f[f].u, tb));
			fdr_buf_addc(b, '"');
		} else {
			add_u(b, ev->f[f].u);
		}
		break;
	case FDR_T_I64:
		add_i(b, ev->f[f].i);
		break;
	case FDR_T_STR:
		json_str(b, ev->f[f].s.p, ev->f[f].s.len);
		break;
	case FDR_T_STRV:
		fdr_buf_addc(b, '[');
		for (uint32_t i = 0; i < ev->f[f].v.n; i++) {
			if (i)
				fdr_buf_addc(b, ',');
			json_str(b, ev->f[f].v.v[i].p, ev->f[f].v.v[i].len);
		}
		fdr_buf_addc(b, ']');
		break;
	case FDR_T_ADDR: {
		char ab[64];
		fdr_buf_addc(b, '"');
		fdr_buf_adds(b, fdr_addr_format(&ev->f[f].a, ab, sizeof(ab)));
		fdr_buf_addc(b, '"');
		break;
	}
	default:
		fdr_buf_adds(b, "null");
	}
}

static bool common_field(unsigned f)
{
	return f == FDR_F_PID || f == FDR_F_PPID || f == FDR_F_EXE || f == FDR_F_COMM ||
	       f == FDR_F_IMAGE;
}

/* Object without its closing brace. */
static void json_open(struct fdr_buf *b, const struct rp_ring *r, const struct fdr_event *ev)
{
	char tb[RP_TIME_MAX], kb[80];

	fdr_buf_adds(b, "{\"time\":\"");
	fdr_buf_adds(b, rp_time_format(ev->time_ns, tb));
	fdr_buf_adds(b, "\",\"host\":");
	json_cstr(b, r->host);
	json_key(b, "container");
	json_cstr(b, r->container);
	if (*r->name) {
		json_key(b, "container_name");
		json_cstr(b, r->name);
	}
	if (fdr_event_has(ev, FDR_F_IMAGE)) {
		json_key(b, "image");
		json_value(b, ev, FDR_F_IMAGE);
	} else if (*r->image) {
		json_key(b, "image");
		json_cstr(b, r->image);
	}
	json_key(b, "kind");
	rp_kind_name(ev, kb, sizeof(kb));
	json_str(b, kb, strlen(kb));
	static const unsigned first[] = { FDR_F_PID, FDR_F_PPID, FDR_F_EXE, FDR_F_COMM };
	for (size_t i = 0; i < sizeof(first) / sizeof(first[0]); i++) {
		if (!fdr_event_has(ev, first[i]))
			continue;
		json_key(b, fdr_field_name(first[i]));
		json_value(b, ev, first[i]);
	}
	for (unsigned w = 0; w < 2; w++) {
		uint64_t bits = ev->has[w];
		while (bits) {
			unsigned f = w * 64 + (unsigned)__builtin_ctzll(bits);
			bits &= bits - 1;
			const char *name = fdr_field_name(f);
			if (common_field(f) || !name)
				continue;
			json_key(b, name);
			json_value(b, ev, f);
		}
	}
	if (ev->flags & FDR_EVF_PARTIAL)
		fdr_buf_adds(b, ",\"partial\":true");
	if (ev->flags & FDR_EVF_UNCERTAIN)
		fdr_buf_adds(b, ",\"uncertain\":true");
	if (ev->flags & FDR_EVF_UNATTRIBUTED)
		fdr_buf_adds(b, ",\"unattributed\":true");
	if (ev->flags & FDR_EVF_SCAN)
		fdr_buf_adds(b, ",\"scan\":true");
}

void rp_out_json(struct fdr_buf *b, const struct rp_ring *r, const struct fdr_event *ev)
{
	json_open(b, r, ev);
	fdr_buf_add(b, "}\n", 2);
}

const char *rp_container_label(const struct rp_ring *r, char *buf, size_t size)
{
	if (r->is_host)
		return "host";
	if (*r->name)
		return r->name;
	snprintf(buf, size, "%.12s", r->container);
	return buf;
}

/* A string for people: escaped, quoted when it has a space or is empty. */
static void human_str(struct fdr_buf *b, const char *p, size_t n)
{
	bool quote = n == 0 || memchr(p, ' ', n) || memchr(p, '"', n);

	if (quote)
		fdr_buf_addc(b, '"');
	esc_str(b, p, n);
	if (quote)
		fdr_buf_addc(b, '"');
}

static void human_value(struct fdr_buf *b, const struct fdr_event *ev, unsigned f)
{
	char tb[RP_TIME_MAX];

	switch (fdr_field_type(f)) {
	case FDR_T_U64:
		if (is_time_field(f))
			fdr_buf_adds(b, rp_time_format(ev->f[f].u, tb));
		else
			add_u(b, ev->f[f].u);
		break;
	case FDR_T_I64:
		add_i(b, ev->f[f].i);
		break;
	case FDR_T_STR:
		human_str(b, ev->f[f].s.p, ev->f[f].s.len);
		break;
	case FDR_T_STRV:
		fdr_buf_addc(b, '[');
		for (uint32_t i = 0; i < ev->f[f].v.n; i++) {
			if (i)
				fdr_buf_addc(b, ' ');
			human_str(b, ev->f[f].v.v[i].p, ev->f[f].v.v[i].len);
		}
		fdr_buf_addc(b, ']');
		break;
	case FDR_T_ADDR: {
		char ab[64];
		fdr_buf_adds(b, fdr_addr_format(&ev->f[f].a, ab, sizeof(ab)));
		break;
	}
	default:
		break;
	}
}

static void endpoint(struct fdr_buf *b, const struct fdr_event *ev, unsigned addr, unsigned port)
{
	char ab[64];

	if (fdr_event_has(ev, addr)) {
		const struct fdr_addr *a = &ev->f[addr].a;
		const char *s = fdr_addr_format(a, ab, sizeof(ab));
		if (a->family == 6)
			fdr_buf_addf(b, "[%s]", s);
		else
			fdr_buf_adds(b, s);
	} else {
		fdr_buf_addc(b, '?');
	}
	if (fdr_event_has(ev, port))
		fdr_buf_addf(b, ":%llu", (unsigned long long)ev->f[port].u);
}

void rp_out_details(struct fdr_buf *b, const struct fdr_event *ev)
{
	bool first = true;
	uint64_t skip[2] = { 0, 0 };

#define SKIP(f) (skip[(f) >> 6] |= 1ull << ((f) & 63))
#define SEP() do { if (!first) fdr_buf_addc(b, ' '); first = false; } while (0)
	if (fdr_event_has(ev, FDR_F_PID)) {
		SEP();
		fdr_buf_addf(b, "pid=%llu", (unsigned long long)ev->f[FDR_F_PID].u);
		SKIP(FDR_F_PID);
	}
	if (fdr_event_has(ev, FDR_F_PPID)) {
		SEP();
		fdr_buf_addf(b, "ppid=%llu", (unsigned long long)ev->f[FDR_F_PPID].u);
		SKIP(FDR_F_PPID);
	}
	switch (ev->kind) {
	case FDR_PROC_EXEC:
		/* "exe: argv..." as in the process tree. */
		if (fdr_event_has(ev, FDR_F_EXE)) {
			SEP();
			human_str(b, ev->f[FDR_F_EXE].s.p, ev->f[FDR_F_EXE].s.len);
			fdr_buf_addc(b, ':');
			SKIP(FDR_F_EXE);
		}
		if (fdr_event_has(ev, FDR_F_ARGV)) {
			SEP();
			struct fdr_strv v = ev->f[FDR_F_ARGV].v;
			for (uint32_t i = 0; i < v.n; i++) {
				if (i)
					fdr_buf_addc(b, ' ');
				human_str(b, v.v[i].p, v.v[i].len);
			}
			SKIP(FDR_F_ARGV);
		}
		break;
	case FDR_NET_CONNECT:
	case FDR_NET_ACCEPT:
	case FDR_NET_CLOSE:
	case FDR_NET_LISTEN:
		if (fdr_event_has(ev, FDR_F_SRC) || fdr_event_has(ev, FDR_F_DST)) {
			SEP();
			if (fdr_event_has(ev, FDR_F_PROTO)) {
				human_str(b, ev->f[FDR_F_PROTO].s.p, ev->f[FDR_F_PROTO].s.len);
				fdr_buf_addc(b, ' ');
				SKIP(FDR_F_PROTO);
			}
			endpoint(b, ev, FDR_F_SRC, FDR_F_SPORT);
			if (ev->kind != FDR_NET_LISTEN) {
				fdr_buf_adds(b, " -> ");
				endpoint(b, ev, FDR_F_DST, FDR_F_DPORT);
			}
			SKIP(FDR_F_SRC);
			SKIP(FDR_F_SPORT);
			SKIP(FDR_F_DST);
			SKIP(FDR_F_DPORT);
		}
		break;
	case FDR_DOCKER:
		SKIP(FDR_F_ACTION);
		break;
	default:
		break;
	}
	for (unsigned w = 0; w < 2; w++) {
		uint64_t bits = ev->has[w] & ~skip[w];
		while (bits) {
			unsigned f = w * 64 + (unsigned)__builtin_ctzll(bits);
			bits &= bits - 1;
			const char *name = fdr_field_name(f);
			if (!name)
				continue;
			SEP();
			fdr_buf_adds(b, name);
			fdr_buf_addc(b, '=');
			human_value(b, ev, f);
		}
	}
	if (ev->flags & FDR_EVF_PARTIAL) {
		SEP();
		fdr_buf_adds(b, "(partial)");
	}
	if (ev->flags & FDR_EVF_UNCERTAIN) {
		SEP();
		fdr_buf_adds(b, "(uncertain)");
	}
#undef SEP
#undef SKIP
}

void rp_out_human(struct fdr_buf *b, const struct rp_ring *r, const struct fdr_event *ev)
{
	char tb[RP_TIME_MAX], kb[80], cb[16];
	const char *c = rp_container_label(r, cb, sizeof(cb));

	fdr_buf_adds(b, rp_time_format(ev->time_ns, tb));
	fdr_buf_addc(b, ' ');
	esc_str(b, r->host, strlen(r->host));
	fdr_buf_addc(b, ' ');
	esc_str(b, c, strlen(c));
	fdr_buf_addc(b, ' ');
	rp_kind_name(ev, kb, sizeof(kb));
	esc_str(b, kb, strlen(kb));
	fdr_buf_addc(b, ' ');
	rp_out_details(b, ev);
	fdr_buf_addc(b, '\n');
}

/* ---- CSV ------------------------------------------------------------------- */

static void csv_cell(struct fdr_buf *b, const char *p, size_t n, bool text)
{
	struct fdr_buf e = FDR_BUF_INIT;

	fdr_buf_add_escaped(&e, p, n);
	/* A spreadsheet must not run a recorded string as a formula. */
	bool formula = text && e.len && strchr("=+-@", e.p[0]);
	fdr_buf_addc(b, '"');
	if (formula)
		fdr_buf_addc(b, '\'');
	for (size_t i = 0; i < e.len; i++) {
		if (e.p[i] == '"')
			fdr_buf_addc(b, '"');
		fdr_buf_addc(b, e.p[i]);
	}
	fdr_buf_addc(b, '"');
	fdr_buf_release(&e);
}

void rp_out_csv_header(struct fdr_buf *b)
{
	fdr_buf_adds(b, "time,host,container,container_name,image,kind,pid,ppid,comm,exe,details\n");
}

void rp_out_csv(struct fdr_buf *b, const struct rp_ring *r, const struct fdr_event *ev)
{
	char tb[RP_TIME_MAX], kb[80];
	struct fdr_buf d = FDR_BUF_INIT;
	struct fdr_str s;

	fdr_buf_adds(b, rp_time_format(ev->time_ns, tb));
	fdr_buf_addc(b, ',');
	csv_cell(b, r->host, strlen(r->host), true);
	fdr_buf_addc(b, ',');
	csv_cell(b, r->container, strlen(r->container), true);
	fdr_buf_addc(b, ',');
	csv_cell(b, r->name, strlen(r->name), true);
	fdr_buf_addc(b, ',');
	if (fdr_event_has(ev, FDR_F_IMAGE))
		csv_cell(b, ev->f[FDR_F_IMAGE].s.p, ev->f[FDR_F_IMAGE].s.len, true);
	else
		csv_cell(b, r->image, strlen(r->image), true);
	fdr_buf_addc(b, ',');
	rp_kind_name(ev, kb, sizeof(kb));
	fdr_buf_adds(b, kb);
	fdr_buf_addc(b, ',');
	if (fdr_event_has(ev, FDR_F_PID))
		add_u(b, ev->f[FDR_F_PID].u);
	fdr_buf_addc(b, ',');
	if (fdr_event_has(ev, FDR_F_PPID))
		add_u(b, ev->f[FDR_F_PPID].u);
	fdr_buf_addc(b, ',');
	s = fdr_event_str(ev, FDR_F_COMM);
	csv_cell(b, s.p, s.len, true);
	fdr_buf_addc(b, ',');
	s = fdr_event_str(ev, FDR_F_EXE);
	csv_cell(b, s.p, s.len, true);
	fdr_buf_addc(b, ',');
	rp_out_details(&d, ev);
	/* details are already escaped: keep them, only CSV-quote them. */
	fdr_buf_addc(b, '"');
	if (d.len && strchr("=+-@", d.p[0]))
		fdr_buf_addc(b, '\'');
	for (size_t i = 0; i < d.len; i++) {
		if (d.p[i] == '"')
			fdr_buf_addc(b, '"');
		fdr_buf_addc(b, d.p[i]);
	}
	fdr_buf_add(b, "\"\n", 2);
	fdr_buf_release(&d);
}

/* ---- Timesketch ------------------------------------------------------------ */

void rp_out_timesketch(struct fdr_buf *b, const struct rp_ring *r, const struct fdr_event *ev)
{
	char tb[RP_TIME_MAX], kb[80], cb[16];
	struct fdr_buf msg = FDR_BUF_INIT;
	const char *c = rp_container_label(r, cb, sizeof(cb));

	json_open(b, r, ev);
	rp_kind_name(ev, kb, sizeof(kb));
	fdr_buf_addf(&msg, "%s ", kb);
	fdr_buf_add_escaped(&msg, c, strlen(c));
	fdr_buf_addc(&msg, ' ');
	rp_out_details(&msg, ev);
	json_key(b, "message");
	json_str(b, msg.p, msg.len);
	json_key(b, "datetime");
	fdr_buf_addc(b, '"');
	fdr_buf_adds(b, rp_time_format(ev->time_ns, tb));
	fdr_buf_addc(b, '"');
	json_key(b, "timestamp");
	add_u(b, ev->time_ns / 1000);
	json_key(b, "timestamp_desc");
	json_cstr(b, kb);
	fdr_buf_add(b, "}\n", 2);
	fdr_buf_release(&msg);
}
