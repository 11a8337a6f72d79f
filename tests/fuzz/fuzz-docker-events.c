// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz target: Docker engine decoders (recorder/docker-events.h). The input
 * is cut into concatenated JSON objects by the splitter, in two chunks at a
 * point chosen by the first byte, and each object is decoded as an event;
 * the whole input is also tried as an inspect answer and a container list.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fdr-ring.h"
#include "recorder/docker-events.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct docker_ev ev;
static struct fdr_ring_meta meta;

static int on_object(void *ctx, const char *obj, size_t len)
{
	(void)ctx;
	if (docker_event_decode(obj, len, &ev) == 0) {
		struct fdr_strv v = fdr_event_strv(&ev.ev, FDR_F_LABELS);

		/* every string must lie inside the event's own buffer */
		for (uint32_t i = 0; i < v.n; i++)
			if (v.v[i].p < ev.buf || v.v[i].p + v.v[i].len > ev.buf + sizeof(ev.buf))
				abort();
		if (ev.used > sizeof(ev.buf) || strlen(ev.container_id) >= sizeof(ev.container_id))
			abort();
	}
	return 0;
}

static void on_id(void *ctx, const char *id)
{
	(void)ctx;
	if (!docker_is_full_id(id))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct docker_splitter *s;
	const char *p = (const char *)data;
	size_t cut = size ? data[0] % (size + 1) : 0;
	uint64_t ns;
	char tbuf[64];

	if (docker_splitter_new(4096, &s) == 0) {
		docker_splitter_feed(s, p, cut, on_object, NULL);
		docker_splitter_feed(s, p + cut, size - cut, on_object, NULL);
		docker_splitter_free(s);
	}
	memset(&meta, 0, sizeof(meta));
	if (docker_inspect_to_meta(p, size, &meta) == 0 &&
	    (meta.labels_len > sizeof(meta.labels) || strlen(meta.command) >= sizeof(meta.command)))
		abort();
	docker_list_ids(p, size, on_id, NULL);
	if (size < sizeof(tbuf)) {
		memcpy(tbuf, data, size);
		tbuf[size] = '\0';
		docker_time_parse(tbuf, &ns);
	}
	return 0;
}
