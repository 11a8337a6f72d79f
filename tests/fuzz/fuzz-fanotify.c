/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target: raw fanotify read() buffers through file-event's parser, and
 * what the file source does with each parsed event that needs no kernel:
 * joining the name to a cached directory path, the directory cache (put,
 * get, invalidate on a directory rename) and the include/exclude filter and
 * modify coalescing on the joined path.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fanotify.h>

#include "recorder/file-cache.h"
#include "recorder/file-coalesce.h"
#include "recorder/file-event.h"
#include "recorder/file-map.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void sink(void *ctx, const struct fcoal_entry *e)
{
	size_t *n = ctx;

	*n += e->count + e->path_len;
}

static void one(struct fcache *c, struct fcoal *t, const struct fmap_filter *f,
		const struct fev_dname *d, uint64_t mask, int32_t pid)
{
	char out[512];
	const char *dir;
	size_t len = 0;
	int n;

	if (!d->present)
		return;
	dir = fcache_get(c, &d->dir, &len);
	if (!dir) {
		fcache_put(c, &d->dir, "/fuzz/dir", 9);
		dir = fcache_get(c, &d->dir, &len);
	}
	if (!dir)
		return;
	n = fev_path_join(out, sizeof(out), dir, len, d->name, d->name_len);
	if (n < 0)
		return;
	if (!fmap_filter_pass(f, out, (size_t)n))
		return;
	if (mask & (FAN_MODIFY | FAN_CLOSE_WRITE))
		fcoal_add(t, pid, out, (size_t)n, out, (size_t)n, d->name, mask & 0xffff);
	else
		fcoal_flush_path(t, out, (size_t)n);
	if (mask & FAN_ONDIR) {
		fcache_put(c, &d->dir, out, (size_t)n);
		if (mask & (FAN_RENAME | FAN_DELETE))
			fcache_invalidate_prefix(c, out, (size_t)n);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fcache *c = fcache_new(16);
	size_t emitted = 0;
	struct fcoal *t = fcoal_new(8, 100, sink, &emitted);
	struct fmap_filter f = FMAP_FILTER_INIT;
	struct fev_iter it;
	struct fev_event e;
	int r, guard = 0;

	if (!c || !t)
		goto out;
	fmap_filter_exclude(&f, "/fuzz/dir/x");
	fev_iter_init(&it, data, size);
	while ((r = fev_next(&it, &e)) != 0 && guard++ < 100000) {
		if (r < 0)
			continue;
		one(c, t, &f, &e.dname, e.mask, e.pid);
		one(c, t, &f, &e.old, e.mask, e.pid);
		one(c, t, &f, &e.new_, e.mask, e.pid);
		if (e.has_fid && (e.mask & FAN_CREATE))
			fcache_put(c, &e.fid, "/fuzz/new", 9);
	}
	fcoal_flush(t, UINT64_MAX);
out:
	fmap_filter_release(&f);
	fcoal_free(t);
	fcache_free(c);
	return 0;
}
