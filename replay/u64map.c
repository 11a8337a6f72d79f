/* SPDX-License-Identifier: Apache-2.0 */
/* Linear probing with backward-shift deletion (no tombstones). */
#include <stdlib.h>
#include <string.h>

#include "u64map.h"

#define EMPTY UINT64_MAX

static size_t hash(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	return (size_t)k;
}

static void grow(struct u64map *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;
	uint64_t *keys = malloc(cap * sizeof(*keys));
	uint64_t *vals = malloc(cap * sizeof(*vals));

	if (!keys || !vals)
		abort();
	memset(keys, 0xff, cap * sizeof(*keys));
	for (size_t i = 0; i < m->cap; i++) {
		if (m->keys[i] == EMPTY)
			continue;
		size_t j = hash(m->keys[i]) & (cap - 1);
		while (keys[j] != EMPTY)
			j = (j + 1) & (cap - 1);
		keys[j] = m->keys[i];
		vals[j] = m->vals[i];
	}
	free(m->keys);
	free(m->vals);
	m->keys = keys;
	m->vals = vals;
	m->cap = cap;
}

void u64map_put(struct u64map *m, uint64_t key, uint64_t val)
{
	if ((m->len + 1) * 4 > m->cap * 3)
		grow(m);
	size_t i = hash(key) & (m->cap - 1);
	while (m->keys[i] != EMPTY && m->keys[i] != key)
		i = (i + 1) & (m->cap - 1);
	if (m->keys[i] == EMPTY)
		m->len++;
	m->keys[i] = key;
	m->vals[i] = val;
}

bool u64map_get(const struct u64map *m, uint64_t key, uint64_t *val)
{
	if (!m->cap)
		return false;
	size_t i = hash(key) & (m->cap - 1);
	while (m->keys[i] != EMPTY) {
		if (m->keys[i] == key) {
			if (val)
				*val = m->vals[i];
			return true;
		}
		i = (i + 1) & (m->cap - 1);
	}
	return false;
}

void u64map_del(struct u64map *m, uint64_t key)
{
	if (!m->cap)
		return;
	size_t mask = m->cap - 1, i = hash(key) & mask;
	while (m->keys[i] != key) {
		if (m->keys[i] == EMPTY)
			return;
		i = (i + 1) & mask;
	}
	m->len--;
	/* Shift later members of the probe run back into the hole. */
	for (size_t j = (i + 1) & mask; m->keys[j] != EMPTY; j = (j + 1) & mask) {
		size_t home = hash(m->keys[j]) & mask;
		bool movable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
		if (movable) {
			m->keys[i] = m->keys[j];
			m->vals[i] = m->vals[j];
			i = j;
		}
	}
	m->keys[i] = EMPTY;
}

void u64map_release(struct u64map *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}
