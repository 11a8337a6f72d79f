/* SPDX-License-Identifier: Apache-2.0 */
/*
 * docker-http: HTTP/1.1 response framing (RFC 9112 sections 4, 6, 7.1).
 *
 *   HTTP/1.1 200 OK\r\n
 *   Content-Type: application/json\r\n
 *   Transfer-Encoding: chunked\r\n
 *   \r\n
 *   1f4\r\n <500 bytes> \r\n ... 0\r\n \r\n
 *
 * The engine is local and trusted more than the network, but container
 * names and labels flow through it, so framing is parsed with caps anyway.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "docker-http.h"

enum { C_SIZE, C_DATA, C_DATA_CRLF, C_TRAILER };

void docker_http_init(struct docker_http *h)
{
	h->state = DOCKER_HTTP_HEAD;
	h->status = 0;
	h->chunked = 0;
	h->content_length = -1;
	h->body_seen = 0;
	h->head_len = 0;
	h->cstate = C_SIZE;
	h->chunk_left = 0;
	h->line_len = 0;
}

static int fail(struct docker_http *h)
{
	h->state = DOCKER_HTTP_ERROR;
	return -EBADMSG;
}

/* Parse the head in h->head[0..head_len) (ends with the blank line). */
static int parse_head(struct docker_http *h)
{
	char *p = h->head, *end = h->head + h->head_len, *eol;
	int first = 1;

	while (p < end && (eol = memchr(p, '\n', (size_t)(end - p)))) {
		char *line = p;
		size_t len = (size_t)(eol - p);

		if (len && line[len - 1] == '\r')
			len--;
		line[len] = '\0';
		p = eol + 1;
		if (first) {
			char *sp;
			long code;

			first = 0;
			if (strncmp(line, "HTTP/1.", 7) != 0 || !(sp = strchr(line, ' ')))
				return fail(h);
			code = strtol(sp + 1, NULL, 10);
			if (code < 100 || code > 599)
				return fail(h);
			h->status = (int)code;
			continue;
		}
		if (len == 0)
			break;
		{
			char *colon = strchr(line, ':');
			char *v;

			if (!colon)
				return fail(h);
			*colon = '\0';
			v = colon + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			if (strcasecmp(line, "Transfer-Encoding") == 0) {
				if (strcasecmp(v, "chunked") != 0)
					return fail(h);
				h->chunked = 1;
			} else if (strcasecmp(line, "Content-Length") == 0) {
				char *e;
				long long cl = strtoll(v, &e, 10);

				if (e == v || *e || cl < 0)
					return fail(h);
				h->content_length = cl;
			}
		}
	}
	if (h->chunked)
		h->content_length = -1;
	h->state = DOCKER_HTTP_BODY;
	if (!h->chunked && h->content_length == 0)
		h->state = DOCKER_HTTP_DONE;
	if (h->status == 204 || h->status == 304)
		h->state = DOCKER_HTTP_DONE;
	return 0;
}

static int body_chunked(struct docker_http *h, const char *p, size_t n, size_t *used,
			docker_http_body_cb *cb, void *ctx)
{
	size_t i = 0;
	int rc;

	while (i < n && h->state == DOCKER_HTTP_BODY) {
		switch (h->cstate) {
		case C_SIZE:
		case C_DATA_CRLF:
		case C_TRAILER: {
			char c = p[i++];

			if (c != '\n') {
				if (h->line_len >= sizeof(h->line) - 1)
					return fail(h);
				h->line[h->line_len++] = c;
				break;
			}
			if (h->line_len && h->line[h->line_len - 1] == '\r')
				h->line_len--;
			h->line[h->line_len] = '\0';
			if (h->cstate == C_DATA_CRLF) {
				if (h->line_len)
					return fail(h);
				h->cstate = C_SIZE;
			} else if (h->cstate == C_TRAILER) {
				if (h->line_len == 0)
					h->state = DOCKER_HTTP_DONE;
			} else {
				char *e;
				unsigned long long sz;

				/* chunk extensions after ';' are ignored */
				if (h->line_len == 0)
					return fail(h);
				errno = 0;
				sz = strtoull(h->line, &e, 16);
				if (e == h->line || errno || (*e && *e != ';' && *e != ' '))
					return fail(h);
				h->chunk_left = sz;
				h->cstate = sz ? C_DATA : C_TRAILER;
			}
			h->line_len = 0;
			break;
		}
		case C_DATA: {
			size_t take = n - i;

			if (take > h->chunk_left)
				take = (size_t)h->chunk_left;
			h->chunk_left -= take;
			h->body_seen += take;
			if (h->chunk_left == 0)
				h->cstate = C_DATA_CRLF;
			rc = cb(ctx, p + i, take);
			i += take;
			if (rc) {
				*used = i;
				return rc;
			}
			break;
		}
		}
	}
	*used = i;
	return 0;
}

int docker_http_feed(struct docker_http *h, const char *p, size_t n,
		     docker_http_body_cb *cb, void *ctx)
{
	size_t i = 0;

	if (h->state == DOCKER_HTTP_ERROR)
		return -EBADMSG;
	while (i < n && h->state == DOCKER_HTTP_HEAD) {
		char c = p[i++];

		if (h->head_len >= sizeof(h->head) - 1)
			return fail(h);
		h->head[h->head_len++] = c;
		if (c == '\n' && h->head_len >= 2 &&
		    (h->head[h->head_len - 2] == '\n' ||
		     (h->head_len >= 3 && h->head[h->head_len - 2] == '\r' &&
		      h->head[h->head_len - 3] == '\n'))) {
			int rc = parse_head(h);

			if (rc)
				return rc;
		}
	}
	if (i >= n || h->state != DOCKER_HTTP_BODY)
		return 0;
	p += i;
	n -= i;
	if (h->chunked) {
		size_t used;

		return body_chunked(h, p, n, &used, cb, ctx);
	}
	if (h->content_length >= 0) {
		uint64_t left = (uint64_t)h->content_length - h->body_seen;

		if (n > left)
			n = (size_t)left;
		h->body_seen += n;
		if (h->body_seen == (uint64_t)h->content_length)
			h->state = DOCKER_HTTP_DONE;
	} else {
		h->body_seen += n;
	}
	return n ? cb(ctx, p, n) : 0;
}

int docker_http_eof(struct docker_http *h)
{
	if (h->state == DOCKER_HTTP_DONE)
		return 0;
	if (h->state == DOCKER_HTTP_BODY && !h->chunked && h->content_length < 0) {
		h->state = DOCKER_HTTP_DONE;
		return 0;
	}
	return -EPIPE;
}
