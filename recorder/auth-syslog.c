/* SPDX-License-Identifier: Apache-2.0 */
/*
 * auth-syslog: owned events, time stamps and the syslog framing of auth log
 * lines (RFC 3164 as sshd/sudo send it to /dev/log and as syslogd files it,
 * RFC 3339 stamps of rsyslog's high-precision format, busybox syslogd's
 * "host facility.level tag:" form), and the dispatcher that sends a line to
 * the sshd or sudo decoder.
 *
 *   [<PRI>][STAMP ][HOST ][FACILITY.LEVEL ]PROG[[PID]]: MSG
 *   STAMP : USER : MSG                          (sudo logfile)
 *   MSG                                         (sshd -E)
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "auth-parse.h"

void auth_ev_init(struct auth_ev *e, unsigned kind, uint64_t time_ns)
{
	fdr_event_init(&e->ev, kind, time_ns);
	e->used = 0;
}

void auth_ev_str(struct auth_ev *e, unsigned f, const char *p, size_t n)
{
	size_t room = sizeof(e->store) - e->used;
	char *dst = e->store + e->used;

	if (n > room) {
		n = room;
		e->ev.flags |= FDR_EVF_PARTIAL;
	}
	if (n)
		memcpy(dst, p, n);
	e->used += n;
	fdr_event_set_str(&e->ev, f, dst, n);
}

void auth_ev_cstr(struct auth_ev *e, unsigned f, const char *s)
{
	if (s)
		auth_ev_str(e, f, s, strlen(s));
}

void auth_ev_copy(struct auth_ev *dst, const struct auth_ev *src)
{
	unsigned f;

	auth_ev_init(dst, src->ev.kind, src->ev.time_ns);
	dst->ev.flags = src->ev.flags;
	for (f = 1; f < FDR_F_MAX; f++) {
		if (!fdr_event_has(&src->ev, f))
			continue;
		if (fdr_field_type(f) == FDR_T_STR)
			auth_ev_str(dst, f, src->ev.f[f].s.p, src->ev.f[f].s.len);
		else if (fdr_field_type(f) != FDR_T_STRV) {
			dst->ev.f[f] = src->ev.f[f];
			fdr_event_mark(&dst->ev, f);
		}
	}
}

/* ---- small scanners ------------------------------------------------- */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Read exactly w digits at p[*i]. */
static bool digits(const char *p, size_t n, size_t *i, unsigned w, int *v)
{
	int x = 0;
	unsigned k;

	if (*i + w > n)
		return false;
	for (k = 0; k < w; k++) {
		if (!is_digit(p[*i + k]))
			return false;
		x = x * 10 + (p[*i + k] - '0');
	}
	*i += w;
	*v = x;
	return true;
}

static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

/*
 * mktime() and localtime_r() consult the time zone on every call (a stat of
 * /etc/localtime): at one call per line that was 90% of the decoding time.
 * Log stamps move slowly, so cache the last hour and the last year asked
 * (per thread). A DST change inside a cached hour is not seen until the hour
 * changes - DST moves on hour boundaries.
 */
static __thread struct {
	int y, mo, d, h;
	uint64_t hour_ns;
	uint64_t year_sec;
	int year, mon, mday;
} cache = { -1, -1, -1, -1, 0, UINT64_MAX, 0, 0, 0 };

/* Year of now_ns, and whether month mo / day d come more than a day after
 * now in it (then the stamp is last year's). */
static int year_of(uint64_t now_ns, int mo, int d, bool *future)
{
	time_t t = (time_t)(now_ns / 1000000000u);
	struct tm tm;

	*future = false;
	if (cache.year_sec != (uint64_t)t) {
		if (!localtime_r(&t, &tm))
			return 1970;
		cache.year_sec = (uint64_t)t;
		cache.year = tm.tm_year + 1900;
		cache.mon = tm.tm_mon;
		cache.mday = tm.tm_mday;
	}
	*future = now_ns && (mo > cache.mon || (mo == cache.mon && d > cache.mday + 1));
	return cache.year;
}

static uint64_t mktime_ns(int y, int mo, int d, int h, int mi, int s);

static uint64_t local_ns(int y, int mo, int d, int h, int mi, int s)
{
	if (y != cache.y || mo != cache.mo || d != cache.d || h != cache.h) {
		uint64_t t = mktime_ns(y, mo, d, h, 0, 0);

		if (!t)
			return mktime_ns(y, mo, d, h, mi, s);
		cache.y = y;
		cache.mo = mo;
		cache.d = d;
		cache.h = h;
		cache.hour_ns = t;
	}
	return cache.hour_ns + (uint64_t)(mi * 60 + s) * 1000000000u;
}

static uint64_t mktime_ns(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	if (t == (time_t)-1 || t < 0)
		return 0;
	return (uint64_t)t * 1000000000u;
}

static uint64_t utc_ns(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	t = timegm(&tm);
	if (t == (time_t)-1 || t < 0)
		return 0;
	return (uint64_t)t * 1000000000u;
}

/* "hh:mm:ss" */
static bool hms(const char *p, size_t n, size_t *i, int *h, int *m, int *s)
{
	if (!digits(p, n, i, 2, h) || *i >= n || p[(*i)++] != ':' ||
	    !digits(p, n, i, 2, m) || *i >= n || p[(*i)++] != ':' ||
	    !digits(p, n, i, 2, s))
		return false;
	return *h < 24 && *m < 60 && *s < 61;
}

static size_t stamp_3164(const char *p, size_t n, uint64_t now_ns, uint64_t *ns)
{
	size_t i = 0, k;
	int mo = -1, d = 0, h, mi, s, y;
	uint64_t t;

	if (n < 15)
		return 0;
	for (k = 0; k < 12; k++)
		if (!memcmp(p, months + 3 * k, 3))
			mo = (int)k;
	if (mo < 0 || p[3] != ' ')
		return 0;
	i = 4;
	if (p[i] == ' ')
		i++;
	if (!is_digit(p[i]))
		return 0;
	d = p[i++] - '0';
	if (i < n && is_digit(p[i]))
		d = d * 10 + (p[i++] - '0');
	if (d < 1 || d > 31 || i >= n || p[i++] != ' ')
		return 0;
	if (!hms(p, n, &i, &h, &mi, &s))
		return 0;
	/* sudo's logfile with a year: "Nov 23 02:43:41 2026 : ..." */
	k = i;
	if (k + 5 <= n && p[k] == ' ' && digits(p, n, &(size_t){ k + 1 }, 4, &y) &&
	    (k + 5 == n || p[k + 5] == ' ')) {
		*ns = local_ns(y, mo, d, h, mi, s);
		return k + 5;
	}
	{
		bool future;

		y = year_of(now_ns, mo, d, &future);
		t = local_ns(future ? y - 1 : y, mo, d, h, mi, s);
	}
	*ns = t;
	return i;
}

static size_t stamp_iso(const char *p, size_t n, uint64_t *ns, bool *subsec)
{
	size_t i = 0;
	int y, mo, d, h, mi, s, oh = 0, om = 0, sign = 0;
	uint64_t frac = 0, scale = 1000000000u, t;

	if (!digits(p, n, &i, 4, &y) || i >= n || p[i++] != '-' ||
	    !digits(p, n, &i, 2, &mo) || i >= n || p[i++] != '-' ||
	    !digits(p, n, &i, 2, &d) || i >= n || (p[i] != 'T' && p[i] != ' '))
		return 0;
	i++;
	if (!hms(p, n, &i, &h, &mi, &s) || mo < 1 || mo > 12 || d < 1 || d > 31)
		return 0;
	if (i < n && (p[i] == '.' || p[i] == ',')) {
		i++;
		while (i < n && is_digit(p[i])) {
			if (scale > 1) {
				scale /= 10;
				frac += (uint64_t)(p[i] - '0') * scale;
			}
			i++;
		}
		*subsec = true;
	}
	if (i < n && p[i] == 'Z') {
		i++;
		sign = 1;
	} else if (i < n && (p[i] == '+' || p[i] == '-')) {
		size_t j = i + 1;

		if (digits(p, n, &j, 2, &oh)) {
			if (j < n && p[j] == ':')
				j++;
			if (digits(p, n, &j, 2, &om)) {
				sign = p[i] == '+' ? 1 : -1;
				i = j;
			}
		}
	}
	if (sign) {
		int64_t off = (int64_t)(oh * 3600 + om * 60) * sign;

		t = utc_ns(y, mo - 1, d, h, mi, s);
		if (!t)
			return 0;
		t = (uint64_t)((int64_t)t - off * 1000000000);
	} else {
		t = local_ns(y, mo - 1, d, h, mi, s);
	}
	*ns = t + frac;
	return i;
}

size_t auth_parse_stamp(const char *p, size_t n, uint64_t now_ns, uint64_t *ns, bool *subsec)
{
	size_t k;

	*subsec = false;
	*ns = 0;
	if (!p)
		return 0;
	k = stamp_iso(p, n, ns, subsec);
	if (k)
		return k;
	return stamp_3164(p, n, now_ns, ns);
}

/* ---- syslog split ---------------------------------------------------- */

static size_t token_end(const char *p, size_t n, size_t i)
{
	while (i < n && p[i] != ' ')
		i++;
	return i;
}

static size_t skip_blanks(const char *p, size_t n, size_t i)
{
	while (i < n && p[i] == ' ')
		i++;
	return i;
}

static bool tag_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
	       c == '_' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')' || c == '@';
}

/* Is p[a..b) "prog:" or "prog[pid]:"? Fills prog and pid. */
static bool parse_tag(const char *p, size_t a, size_t b, struct auth_syslog *out)
{
	size_t i = a, pe;
	uint64_t pid = 0;

	if (b - a < 2 || p[b - 1] != ':')
		return false;
	while (i < b - 1 && tag_char(p[i]))
		i++;
	pe = i;
	if (pe == a)
		return false;
	if (i < b - 1 && p[i] == '[') {
		i++;
		if (i >= b - 1 || !is_digit(p[i]))
			return false;
		while (i < b - 1 && is_digit(p[i])) {
			if (pid > 0xffffffffu)
				return false;
			pid = pid * 10 + (uint64_t)(p[i] - '0');
			i++;
		}
		if (i >= b - 1 || p[i] != ']')
			return false;
		i++;
	}
	if (i != b - 1)
		return false;
	out->prog.p = p + a;
	out->prog.len = (uint32_t)(pe - a);
	out->pid = pid;
	return true;
}

int auth_syslog_split(const char *p, size_t n, uint64_t now_ns, struct auth_syslog *out)
{
	size_t i = 0, k, tok, a, b;
	bool subsec;

	if (!p || !out || n > AUTH_LINE_MAX)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->pri = -1;
	while (n && (p[n - 1] == '\r' || p[n - 1] == '\n'))
		n--;
	if (n > 2 && p[0] == '<') {
		int pri = 0;

		for (k = 1; k < n && k < 5 && is_digit(p[k]); k++)
			pri = pri * 10 + (p[k] - '0');
		if (k > 1 && k < n && p[k] == '>' && pri < 192) {
			out->pri = pri;
			i = k + 1;
		}
	}
	k = auth_parse_stamp(p + i, n - i, now_ns, &out->time_ns, &subsec);
	if (k) {
		out->subsec = subsec;
		i += k;
		i = skip_blanks(p, n, i);
		if (i + 1 < n && p[i] == ':' && p[i + 1] == ' ') {
			out->sudo_logfile = true;
			out->prog.p = "sudo";
			out->prog.len = 4;
			out->msg.p = p + i + 2;
			out->msg.len = (uint32_t)(n - i - 2);
			return 0;
		}
	}
	/* Up to two words before the tag: host, busybox's facility.level. */
	a = i;
	for (tok = 0; tok < 3 && a < n; tok++) {
		b = token_end(p, n, a);
		if (parse_tag(p, a, b, out)) {
			if (tok >= 1) {
				out->host.p = p + i;
				out->host.len = (uint32_t)(token_end(p, n, i) - i);
			}
			k = skip_blanks(p, n, b);
			/* Solaris: "[ID 800047 auth.notice] " before the message */
			if (k + 4 < n && !memcmp(p + k, "[ID ", 4)) {
				const char *e = memchr(p + k, ']', n - k);

				if (e)
					k = skip_blanks(p, n, (size_t)(e - p) + 1);
			}
			out->msg.p = p + k;
			out->msg.len = (uint32_t)(n - k);
			return 0;
		}
		a = skip_blanks(p, n, b);
	}
	out->msg.p = p + i;
	out->msg.len = (uint32_t)(n - i);
	return 0;
}

/* ---- dispatcher ------------------------------------------------------ */

static bool prog_is_sshd(struct fdr_str prog)
{
	return fdr_str_eq(prog, "sshd") || fdr_str_eq(prog, "sshd-session") ||
	       (prog.len > 5 && !memcmp(prog.p, "sshd(", 5));
}

int auth_line_event(const char *p, size_t n, uint64_t now_ns, struct auth_ev *out)
{
	struct auth_syslog sl;
	uint64_t t;

	if (auth_syslog_split(p, n, now_ns, &sl))
		return 0;
	/* Second-resolution stamps are coarser than the receive time of a live
	 * line; keep only precise ones (callers reading old logs pass the line's
	 * own time as now_ns when they prefer it). */
	t = sl.time_ns && sl.subsec ? sl.time_ns : (now_ns ? now_ns : sl.time_ns);
	if (fdr_str_eq(sl.prog, "sudo")) {
		struct auth_sudo_msg m;

		if (auth_sudo_parse(sl.msg.p, sl.msg.len, &m))
			return 0;
		auth_sudo_event(&m, t, sl.pid, out);
		return 1;
	}
	if (prog_is_sshd(sl.prog) || !sl.prog.len) {
		struct auth_ssh_msg m;

		if (auth_sshd_parse(sl.msg.p, sl.msg.len, &m))
			return 0;
		return auth_sshd_event(&m, t, sl.pid, out);
	}
	return 0;
}
