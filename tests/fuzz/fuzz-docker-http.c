// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz target: HTTP/1.1 response framing of the Docker client
 * (recorder/docker-http.h), fed byte runs of lengths taken from the input
 * itself, then end of stream.
 */
#include <stdint.h>
#include <stdlib.h>

#include "recorder/docker-http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct docker_http h;

static int body(void *ctx, const char *p, size_t n)
{
	size_t *total = ctx;

	if (n && !p)
		abort();
	*total += n;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0, total = 0, step = size ? (size_t)data[0] % 17 + 1 : 1;

	docker_http_init(&h);
	while (off < size) {
		size_t n = size - off < step ? size - off : step;

		if (docker_http_feed(&h, (const char *)data + off, n, body, &total) < 0)
			break;
		off += n;
	}
	docker_http_eof(&h);
	if (total != h.body_seen && h.state != DOCKER_HTTP_ERROR)
		abort();
	if (h.content_length >= 0 && h.body_seen > (uint64_t)h.content_length)
		abort();
	return 0;
}
