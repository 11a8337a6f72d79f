/* SPDX-License-Identifier: Apache-2.0 */
#ifndef U64MAP_H
#define U64MAP_H

/*
 * Internal to replay/: an open-addressing hash map from uint64_t keys to
 * uint64_t values (key UINT64_MAX is reserved). Embedded value type:
 * U64MAP_INIT, u64map_release(). Allocation failure aborts.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct u64map {
	uint64_t *keys;
	uint64_t *vals;
	size_t cap;		/* power of two or 0 */
	size_t len;
};

#define U64MAP_INIT { NULL, NULL, 0, 0 }

/* Insert or replace. */
void u64map_put(struct u64map *m, uint64_t key, uint64_t val);
/* Value of key into *val; false when absent. */
bool u64map_get(const struct u64map *m, uint64_t key, uint64_t *val);
/* Remove key if present. */
void u64map_del(struct u64map *m, uint64_t key);
void u64map_release(struct u64map *m);

#endif
