/* SPDX-License-Identifier: Apache-2.0 */
#ifndef FDR_TEXT_H
#define FDR_TEXT_H

/*
 * fdr-text: a growable byte buffer and the two ways fdr shows untrusted
 * bytes: escaped for a terminal, and as a JSON string.
 *
 * Invariants: b->p is NULL or a heap buffer of b->cap bytes holding b->len
 * bytes followed by a NUL (so b->p is a C string when the content has no
 * NUL). Allocation failure aborts (these buffers are small and a recorder or
 * analyzer without memory cannot do anything useful).
 *
 * Ownership: the buffer owns b->p; fdr_buf_release() frees it,
 * fdr_buf_detach() hands it to the caller.
 */

#include <stdarg.h>
#include <stddef.h>

struct fdr_buf {
	char *p;
	size_t len;
	size_t cap;
};

#define FDR_BUF_INIT { NULL, 0, 0 }

/* Make room for n more bytes. */
void fdr_buf_grow(struct fdr_buf *b, size_t n);
void fdr_buf_add(struct fdr_buf *b, const void *p, size_t n);
void fdr_buf_adds(struct fdr_buf *b, const char *s);
void fdr_buf_addc(struct fdr_buf *b, char c);
void fdr_buf_addf(struct fdr_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void fdr_buf_vaddf(struct fdr_buf *b, const char *fmt, va_list ap);
/* Empty the buffer, keep its memory. */
void fdr_buf_reset(struct fdr_buf *b);
/* Free the memory; the buffer is FDR_BUF_INIT again. */
void fdr_buf_release(struct fdr_buf *b);
/* Hand over the heap string (never NULL); the buffer is FDR_BUF_INIT again. */
char *fdr_buf_detach(struct fdr_buf *b, size_t *len);

/*
 * Terminal-safe text: printable ASCII and valid UTF-8 sequences (except C1
 * controls, U+2028/9, bidi overrides) pass; a backslash becomes "\\";
 * \n \t \r become "\n" "\t" "\r"; any other control or invalid byte becomes
 * "\xNN". The result never contains an escape sequence or control character.
 */
void fdr_buf_add_escaped(struct fdr_buf *b, const void *p, size_t n);

/*
 * A JSON string, quotes included: valid UTF-8 passes, controls become \uXXXX
 * (or \n, \t, ...), '"' and '\' are escaped, and each byte of an invalid
 * UTF-8 sequence becomes the lone surrogate \uDC80+byte ("surrogateescape"),
 * so the original bytes can be recovered and the output is always valid JSON
 * text. U+2028/U+2029 are escaped as well.
 */
void fdr_buf_add_json_str(struct fdr_buf *b, const void *p, size_t n);

/*
 * Length of the valid UTF-8 sequence at p (1..4), or 0 when p[0..n) does not
 * start with one (overlongs, surrogates and code points above U+10FFFF are
 * invalid). *cp receives the code point.
 */
size_t fdr_utf8_len(const unsigned char *p, size_t n, unsigned *cp);

#endif
