/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Time parsing and formatting. Calendar arithmetic is done by hand
 * (days_from_civil, after H. Hinnant) so nothing depends on the TZ
 * environment or on timegm's locale quirks.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "rp-time.h"

#define NS 1000000000ull

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static char *put(char *p, unsigned v, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + width;
}

/* Hand-rolled: this runs once per event in every output format. uint64_t ns
 * ends in year 2554, so four year digits always suffice. */
char *rp_time_format(uint64_t ns, char *buf)
{
	uint64_t secs = ns / NS;
	int64_t y;
	unsigned m, d, sod = (unsigned)(secs % 86400);
	char *p = buf;

	civil_from_days((int64_t)(secs / 86400), &y, &m, &d);
	p = put(p, (unsigned)y, 4);
	*p++ = '-';
	p = put(p, m, 2);
	*p++ = '-';
	p = put(p, d, 2);
	*p++ = 'T';
	p = put(p, sod / 3600, 2);
	*p++ = ':';
	p = put(p, sod / 60 % 60, 2);
	*p++ = ':';
	p = put(p, sod % 60, 2);
	*p++ = '.';
	p = put(p, (unsigned)(ns % NS), 9);
	*p++ = 'Z';
	*p = '\0';
	return buf;
}

uint64_t rp_time_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

/* Read exactly n digits at *p. */
static int digits(const char **p, unsigned n, unsigned *out)
{
	unsigned v = 0;

	for (unsigned i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + (unsigned)((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

/* ".123" -> ns; advances *p. */
static uint64_t fraction(const char **p)
{
	uint64_t v = 0, scale = NS;

	while (isdigit((unsigned char)**p)) {
		if (scale > 1) {
			scale /= 10;
			v += (uint64_t)(**p - '0') * scale;
		}
		(*p)++;
	}
	return v;
}

static int fail(const char *s, const char *p, size_t *err_col)
{
	if (err_col)
		*err_col = (size_t)(p - s) + 1;
	return -EINVAL;
}

static int parse_relative(const char *s, uint64_t now, uint64_t *out, size_t *err_col)
{
	const char *p = s + 1;
	uint64_t total = 0;

	if (!*p)
		return fail(s, p, err_col);
	while (*p) {
		uint64_t v = 0, unit;
		const char *start = p;

		while (isdigit((unsigned char)*p)) {
			if (v > UINT64_MAX / 10 - 10)
				return fail(s, start, err_col);
			v = v * 10 + (uint64_t)(*p++ - '0');
		}
		if (p == start)
			return fail(s, p, err_col);
		if (!strncmp(p, "ns", 2)) {
			unit = 1;
			p += 2;
		} else if (!strncmp(p, "us", 2)) {
			unit = 1000;
			p += 2;
		} else if (!strncmp(p, "ms", 2)) {
			unit = 1000000;
			p += 2;
		} else if (*p == 's') {
			unit = NS;
			p++;
		} else if (*p == 'm') {
			unit = 60 * NS;
			p++;
		} else if (*p == 'h') {
			unit = 3600 * NS;
			p++;
		} else if (*p == 'd') {
			unit = 86400 * NS;
			p++;
		} else if (*p == 'w') {
			unit = 7 * 86400 * NS;
			p++;
		} else {
			return fail(s, p, err_col);
		}
		if (v > (UINT64_MAX - total) / unit)
			return fail(s, start, err_col);
		total += v * unit;
	}
	*out = total > now ? 0 : now - total;
	return 0;
}

int rp_time_parse(const char *s, uint64_t now_ns, uint64_t *out, size_t *err_col)
{
	const char *p = s;
	unsigned y, mo, d, h = 0, mi = 0, se = 0;
	uint64_t frac = 0;
	int64_t off = 0;

	if (!strcmp(s, "now")) {
		*out = now_ns;
		return 0;
	}
	if (*s == '-')
		return parse_relative(s, now_ns, out, err_col);
	if (*s == '@') {
		uint64_t v = 0;

		p++;
		if (!isdigit((unsigned char)*p))
			return fail(s, p, err_col);
		while (isdigit((unsigned char)*p)) {
			if (v > UINT64_MAX / NS / 10)
				return fail(s, p, err_col);
			v = v * 10 + (uint64_t)(*p++ - '0');
		}
		if (*p == '.') {
			p++;
			frac = fraction(&p);
		}
		if (*p)
			return fail(s, p, err_col);
		*out = v * NS + frac;
		return 0;
	}
	/* "at" is where the component being read starts: errors point there. */
	const char *at = p;
	if (digits(&p, 4, &y))
		goto bad;
	if (*(at = p) != '-')
		goto bad;
	at = ++p;
	if (digits(&p, 2, &mo) || mo < 1 || mo > 12)
		goto bad;
	if (*(at = p) != '-')
		goto bad;
	at = ++p;
	if (digits(&p, 2, &d) || d < 1 || d > 31)
		goto bad;
	if (*(at = p)) {
		if (*p != 'T' && *p != 't' && *p != ' ')
			goto bad;
		at = ++p;
		if (digits(&p, 2, &h) || h > 23)
			goto bad;
		if (*(at = p) != ':')
			goto bad;
		at = ++p;
		if (digits(&p, 2, &mi) || mi > 59)
			goto bad;
		if (*(at = p) != ':')
			goto bad;
		at = ++p;
		if (digits(&p, 2, &se) || se > 60)
			goto bad;
		if (*p == '.') {
			at = ++p;
			if (!isdigit((unsigned char)*p))
				goto bad;
			frac = fraction(&p);
		}
		at = p;
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			unsigned oh, om;
			int sign = *p == '-' ? -1 : 1;

			at = ++p;
			if (digits(&p, 2, &oh) || oh > 23 || *p++ != ':' || digits(&p, 2, &om) || om > 59)
				goto bad;
			off = sign * (int64_t)(oh * 3600 + om * 60);
		} else {
			goto bad;
		}
		if (*(at = p))
			goto bad;
	}
	int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
	if (secs < 0) {
		at = s;
		goto bad;
	}
	*out = (uint64_t)secs * NS + frac;
	return 0;
bad:
	return fail(s, at, err_col);
}
