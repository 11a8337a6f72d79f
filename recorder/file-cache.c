/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Directory id -> path cache. Set associative so that lookups cost one hash
 * and four compares and eviction needs no list: in a storm the working set
 * is a handful of directories, and a scan of a big tree evicts old ones.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "file-cache.h"

#define WAYS 4

struct entry {
	uint64_t fsid;
	int32_t type;
	uint32_t hlen;
	uint8_t handle[FEV_HANDLE_MAX];
	uint64_t used;		/* LRU stamp; 0 = empty */
	char *path;
	size_t len;
};

struct fcache {
	size_t nsets;
	size_t count;
	uint64_t clock;
	struct entry *e;	/* nsets * WAYS */
};

/* FNV-1a over the id. */
static uint64_t hash_fid(const struct fev_fid *fid)
{
	uint64_t h = 1469598103934665603ull;
	const uint8_t *k = (const uint8_t *)&fid->fsid;
	size_t i;

	for (i = 0; i < sizeof(fid->fsid); i++)
		h = (h ^ k[i]) * 1099511628211ull;
	h = (h ^ (uint32_t)fid->type) * 1099511628211ull;
	for (i = 0; i < fid->len; i++)
		h = (h ^ fid->bytes[i]) * 1099511628211ull;
	return h;
}

static bool same(const struct entry *e, const struct fev_fid *fid)
{
	return e->used && e->fsid == fid->fsid && e->type == fid->type &&
	       e->hlen == fid->len && memcmp(e->handle, fid->bytes, fid->len) == 0;
}

struct fcache *fcache_new(size_t capacity)
{
	struct fcache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->nsets = capacity / WAYS + (capacity % WAYS != 0);
	if (c->nsets == 0)
		c->nsets = 1;
	c->e = calloc(c->nsets * WAYS, sizeof(*c->e));
	if (!c->e) {
		free(c);
		return NULL;
	}
	return c;
}

static void drop(struct fcache *c, struct entry *e)
{
	free(e->path);
	e->path = NULL;
	e->used = 0;
	c->count--;
}

void fcache_clear(struct fcache *c)
{
	size_t i;

	for (i = 0; i < c->nsets * WAYS; i++)
		if (c->e[i].used)
			drop(c, &c->e[i]);
}

void fcache_free(struct fcache *c)
{
	if (!c)
		return;
	fcache_clear(c);
	free(c->e);
	free(c);
}

static struct entry *set_of(struct fcache *c, const struct fev_fid *fid)
{
	return &c->e[(hash_fid(fid) % c->nsets) * WAYS];
}

const char *fcache_get(struct fcache *c, const struct fev_fid *fid, size_t *len)
{
	struct entry *s = set_of(c, fid);
	int i;

	for (i = 0; i < WAYS; i++) {
		if (same(&s[i], fid)) {
			s[i].used = ++c->clock;
			if (len)
				*len = s[i].len;
			return s[i].path;
		}
	}
	return NULL;
}

int fcache_put(struct fcache *c, const struct fev_fid *fid, const char *path, size_t len)
{
	struct entry *s = set_of(c, fid), *victim = NULL;
	char *copy;
	int i;

	if (fid->len > FEV_HANDLE_MAX || !path)
		return -EINVAL;
	copy = malloc(len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, path, len);
	copy[len] = '\0';
	for (i = 0; i < WAYS; i++) {
		if (same(&s[i], fid)) {
			victim = &s[i];
			break;
		}
		if (!victim || s[i].used < victim->used)
			victim = &s[i];
	}
	if (victim->used)
		drop(c, victim);
	victim->fsid = fid->fsid;
	victim->type = fid->type;
	victim->hlen = fid->len;
	memcpy(victim->handle, fid->bytes, fid->len);
	victim->path = copy;
	victim->len = len;
	victim->used = ++c->clock;
	c->count++;
	return 0;
}

size_t fcache_invalidate_prefix(struct fcache *c, const char *prefix, size_t len)
{
	size_t i, n = 0;

	while (len > 1 && prefix[len - 1] == '/')
		len--;
	for (i = 0; i < c->nsets * WAYS; i++) {
		struct entry *e = &c->e[i];

		if (!e->used || e->len < len || memcmp(e->path, prefix, len) != 0)
			continue;
		/* "/a/b" covers "/a/b" and "/a/b/c", not "/a/bc"; "/" covers all */
		if (e->len == len || e->path[len] == '/' || (len == 1 && prefix[0] == '/')) {
			drop(c, e);
			n++;
		}
	}
	return n;
}

size_t fcache_count(const struct fcache *c)
{
	return c->count;
}
