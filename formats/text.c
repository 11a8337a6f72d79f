/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fdr-text.h"

void fdr_buf_grow(struct fdr_buf *b, size_t n)
{
	size_t need = b->len + n + 1;

	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p)
		abort();
	b->p = p;
	b->cap = cap;
	b->p[b->len] = '\0';	/* keep the invariant even when nothing is added */
}

void fdr_buf_add(struct fdr_buf *b, const void *p, size_t n)
{
	fdr_buf_grow(b, n);
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void fdr_buf_adds(struct fdr_buf *b, const char *s)
{
	fdr_buf_add(b, s, strlen(s));
}

void fdr_buf_addc(struct fdr_buf *b, char c)
{
	fdr_buf_grow(b, 1);
	b->p[b->len++] = c;
	b->p[b->len] = '\0';
}

void fdr_buf_vaddf(struct fdr_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	fdr_buf_grow(b, 64);
	va_copy(cp, ap);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	if ((size_t)n >= b->cap - b->len) {
		fdr_buf_grow(b, (size_t)n);
		vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	}
	b->len += (size_t)n;
}

void fdr_buf_addf(struct fdr_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fdr_buf_vaddf(b, fmt, ap);
	va_end(ap);
}

void fdr_buf_reset(struct fdr_buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

void fdr_buf_release(struct fdr_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

char *fdr_buf_detach(struct fdr_buf *b, size_t *len)
{
	char *p;

	fdr_buf_grow(b, 0);
	p = b->p;
	if (len)
		*len = b->len;
	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}

size_t fdr_utf8_len(const unsigned char *p, size_t n, unsigned *cp)
{
	unsigned c = p[0], v;
	size_t len;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c < 0xc2)
		return 0;
	if (c < 0xe0) {
		len = 2;
		v = c & 0x1f;
	} else if (c < 0xf0) {
		len = 3;
		v = c & 0x0f;
	} else if (c < 0xf5) {
		len = 4;
		v = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10ffff)) ||
	    (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

/* Code points that can reorder or hide what a terminal shows. */
static int dangerous_cp(unsigned cp)
{
	return (cp >= 0x80 && cp < 0xa0) || cp == 0x2028 || cp == 0x2029 ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
	       cp == 0x200e || cp == 0x200f || cp == 0x061c || cp == 0xfeff;
}

void fdr_buf_add_escaped(struct fdr_buf *b, const void *data, size_t n)
{
	const unsigned char *p = data;
	size_t i = 0;

	fdr_buf_grow(b, n);
	while (i < n) {
		unsigned c = p[i], cp;
		size_t l;

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			fdr_buf_addc(b, (char)c);
			i++;
			continue;
		}
		switch (c) {
		case '\\': fdr_buf_add(b, "\\\\", 2); i++; continue;
		case '\n': fdr_buf_add(b, "\\n", 2); i++; continue;
		case '\t': fdr_buf_add(b, "\\t", 2); i++; continue;
		case '\r': fdr_buf_add(b, "\\r", 2); i++; continue;
		default: break;
		}
		l = c >= 0x80 ? fdr_utf8_len(p + i, n - i, &cp) : 0;
		if (l && !dangerous_cp(cp)) {
			fdr_buf_add(b, p + i, l);
			i += l;
		} else if (l) {
			fdr_buf_addf(b, "\\u{%x}", cp);
			i += l;
		} else {
			fdr_buf_addf(b, "\\x%02x", c);
			i++;
		}
	}
}

void fdr_buf_add_json_str(struct fdr_buf *b, const void *data, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = data;
	size_t i = 0;

	fdr_buf_grow(b, n + 2);
	fdr_buf_addc(b, '"');
	while (i < n) {
		unsigned c = p[i], cp;
		size_t l;

		if (c >= 0x20 && c < 0x7f) {
			if (c == '"' || c == '\\')
				fdr_buf_addc(b, '\\');
			fdr_buf_addc(b, (char)c);
			i++;
			continue;
		}
		if (c < 0x20) {
			char esc[7] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0 };

			switch (c) {
			case '\n': fdr_buf_add(b, "\\n", 2); break;
			case '\t': fdr_buf_add(b, "\\t", 2); break;
			case '\r': fdr_buf_add(b, "\\r", 2); break;
			default: fdr_buf_add(b, esc, 6); break;
			}
			i++;
			continue;
		}
		if (c == 0x7f) {
			fdr_buf_add(b, "\\u007f", 6);
			i++;
			continue;
		}
		l = fdr_utf8_len(p + i, n - i, &cp);
		if (l && cp != 0x2028 && cp != 0x2029) {
			fdr_buf_add(b, p + i, l);
			i += l;
		} else if (l) {
			fdr_buf_addf(b, "\\u%04x", cp);
			i += l;
		} else {
			fdr_buf_addf(b, "\\udc%02x", c);
			i++;
		}
	}
	fdr_buf_addc(b, '"');
}
