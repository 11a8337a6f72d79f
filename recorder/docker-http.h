/* SPDX-License-Identifier: Apache-2.0 */
#ifndef DOCKER_HTTP_H
#define DOCKER_HTTP_H

/*
 * docker-http: an incremental parser for the HTTP/1.1 responses the Docker
 * engine sends over its unix socket (RFC 9112: status line, headers, then a
 * body framed by Transfer-Encoding: chunked, Content-Length, or the end of
 * the connection). Pure: bytes in, body bytes out through a callback. Only
 * the client side of what dockerd speaks is handled; no keep-alive, no
 * trailers beyond skipping them, no 1xx responses.
 *
 * Invariants: the status line plus headers may take at most
 * DOCKER_HTTP_MAX_HEAD bytes and a chunk-size line at most 64; anything
 * larger, or malformed, puts the parser in the error state for good.
 */

#include <stddef.h>
#include <stdint.h>

#define DOCKER_HTTP_MAX_HEAD 16384

enum docker_http_state {
	DOCKER_HTTP_HEAD = 0,	/* reading status line and headers */
	DOCKER_HTTP_BODY,	/* reading the body */
	DOCKER_HTTP_DONE,	/* the whole body arrived */
	DOCKER_HTTP_ERROR,	/* malformed or over a cap */
};

/* Value type: DOCKER_HTTP_INIT or docker_http_init(). */
struct docker_http {
	enum docker_http_state state;
	int status;		/* HTTP status code, once the head is read */
	int chunked;		/* Transfer-Encoding: chunked */
	int64_t content_length;	/* -1: none (body until close, or chunked) */
	uint64_t body_seen;	/* body bytes passed (after de-chunking) */
	/* internals */
	char head[DOCKER_HTTP_MAX_HEAD];
	size_t head_len;
	int cstate;		/* chunk sub-state */
	uint64_t chunk_left;
	char line[64];
	size_t line_len;
};

/* Reset to the start of a response. */
void docker_http_init(struct docker_http *h);

/* Body bytes: p[0..n) valid for the call; non-zero return stops the feed. */
typedef int docker_http_body_cb(void *ctx, const char *p, size_t n);

/* Feed n bytes of the response. Returns 0, the first non-zero return of cb,
 * or -EBADMSG once in the error state. Bytes after DONE are ignored. */
int docker_http_feed(struct docker_http *h, const char *p, size_t n,
		     docker_http_body_cb *cb, void *ctx);

/* The peer closed: a body delimited by the connection ends here. Returns 0
 * when the response is complete, -EPIPE when it was cut short. */
int docker_http_eof(struct docker_http *h);

#endif
