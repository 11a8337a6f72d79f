/* SPDX-License-Identifier: Apache-2.0 */
#ifndef FILE_CACHE_H
#define FILE_CACHE_H

/*
 * file-cache (prefix fcache_): a bounded map from directory file ids to the
 * directory's path, so most fanotify events resolve with no syscall and a
 * directory deleted before its events are read (rm -rf) still has a name.
 *
 * Invariants:
 *  - at most the capacity given to fcache_new() entries (4-way set
 *    associative; a full set evicts its least recently used entry);
 *  - a path stored is a copy; fcache_get()'s result is valid until the next
 *    call that changes the cache;
 *  - fcache_invalidate_prefix() drops a path and everything below it: call it
 *    when a directory is renamed or deleted, and fcache_clear() when events
 *    were lost (a rename may have been missed).
 *
 * Ownership: the cache owns its copies; fcache_free() releases them.
 */

#include <stddef.h>
#include <stdint.h>

#include "file-event.h"

struct fcache;

/* A cache of about capacity entries (rounded up to a multiple of 4, at least
 * 4); NULL when out of memory. */
struct fcache *fcache_new(size_t capacity);
/* Release the cache and its copies; NULL is fine. */
void fcache_free(struct fcache *c);

/* The path of a directory id, or NULL (len in *len when not NULL). */
const char *fcache_get(struct fcache *c, const struct fev_fid *fid, size_t *len);
/* Remember the path of a directory id (copies both); 0 or -ENOMEM/-EINVAL. */
int fcache_put(struct fcache *c, const struct fev_fid *fid, const char *path, size_t len);
/* Drop entries whose path is prefix or lies below it; returns how many. */
size_t fcache_invalidate_prefix(struct fcache *c, const char *prefix, size_t len);
/* Drop every entry. */
void fcache_clear(struct fcache *c);
/* Entries held. */
size_t fcache_count(const struct fcache *c);

#endif
