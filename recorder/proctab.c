// SPDX-License-Identifier: Apache-2.0
/* Process table: an open-addressing index (linear probing, backward-shift
 * deletion, no tombstones) over entries kept densely in fixed chunks, so
 * memory grows with the processes present, not with the table's capacity,
 * and entries never move; plus a FIFO of exits for expiry. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "rec-proctab.h"

#define CHUNK 1024

struct entry {
	struct rec_proc p;
	uint64_t exit_ns;
};

struct exit_rec {
	pid_t pid;
	uint64_t exit_ns;
};

struct rec_proctab {
	uint32_t *idx;		/* cap slots: 0 empty, else entry number + 1 */
	size_t mask, count, max;
	struct entry **chunks;	/* max / CHUNK + 1 chunk pointers */
	size_t nentries;	/* entries ever handed out (high-water mark) */
	uint32_t *freelist;
	size_t nfree;
	struct exit_rec *exits;	/* FIFO of max entries */
	size_t ehead, elen;
};

static size_t hash_pid(pid_t pid)
{
	uint32_t x = (uint32_t)pid;

	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

static struct entry *ent(const struct rec_proctab *t, uint32_t n)
{
	return &t->chunks[n / CHUNK][n % CHUNK];
}

struct rec_proctab *rec_proctab_new(size_t max)
{
	struct rec_proctab *t = calloc(1, sizeof(*t));
	size_t cap = 16;

	if (!t)
		return NULL;
	if (max < 8)
		max = 8;
	while (cap < max * 2)
		cap *= 2;
	t->idx = calloc(cap, sizeof(*t->idx));
	t->chunks = calloc(max / CHUNK + 1, sizeof(*t->chunks));
	t->freelist = calloc(max, sizeof(*t->freelist));
	t->exits = calloc(max, sizeof(*t->exits));
	if (!t->idx || !t->chunks || !t->freelist || !t->exits) {
		rec_proctab_free(t);
		return NULL;
	}
	t->mask = cap - 1;
	t->max = max;
	return t;
}

void rec_proctab_free(struct rec_proctab *t)
{
	if (!t)
		return;
	if (t->chunks)
		for (size_t i = 0; i <= t->max / CHUNK; i++)
			free(t->chunks[i]);
	free(t->chunks);
	free(t->idx);
	free(t->freelist);
	free(t->exits);
	free(t);
}

/* Slot of pid in the index, or the empty slot where it would go. */
static size_t probe(const struct rec_proctab *t, pid_t pid, bool *found)
{
	for (size_t i = hash_pid(pid) & t->mask;; i = (i + 1) & t->mask) {
		if (!t->idx[i]) {
			*found = false;
			return i;
		}
		if (ent(t, t->idx[i] - 1)->p.pid == pid) {
			*found = true;
			return i;
		}
	}
}

static struct entry *find(struct rec_proctab *t, pid_t pid)
{
	bool found;
	size_t i = probe(t, pid, &found);

	return found ? ent(t, t->idx[i] - 1) : NULL;
}

struct rec_proc *rec_proctab_get(struct rec_proctab *t, pid_t pid)
{
	struct entry *e = find(t, pid);

	return e ? &e->p : NULL;
}

void rec_proctab_del(struct rec_proctab *t, pid_t pid)
{
	bool found;
	size_t i = probe(t, pid, &found), j;

	if (!found)
		return;
	t->freelist[t->nfree++] = t->idx[i] - 1;
	/* Backward shift: move later members of the probe run into the hole
	 * when their home slot does not lie cyclically in (i, j]. */
	for (j = (i + 1) & t->mask; t->idx[j]; j = (j + 1) & t->mask) {
		size_t home = hash_pid(ent(t, t->idx[j] - 1)->p.pid) & t->mask;
		bool in_range = i <= j ? (home > i && home <= j) : (home > i || home <= j);

		if (!in_range) {
			t->idx[i] = t->idx[j];
			i = j;
		}
	}
	t->idx[i] = 0;
	t->count--;
}

/* Drop the oldest queued exit whose entry is still that exit; true if one
 * entry was freed. */
static bool drop_oldest_exit(struct rec_proctab *t)
{
	while (t->elen) {
		struct exit_rec e = t->exits[t->ehead];
		struct entry *x;

		t->ehead = (t->ehead + 1) % t->max;
		t->elen--;
		x = find(t, e.pid);
		if (x && x->p.exited && x->exit_ns == e.exit_ns) {
			rec_proctab_del(t, e.pid);
			return true;
		}
	}
	return false;
}

static int new_entry(struct rec_proctab *t, uint32_t *out)
{
	if (t->nfree) {
		*out = t->freelist[--t->nfree];
		return 0;
	}
	if (t->nentries == t->max)
		return -ENOSPC;
	if (!t->chunks[t->nentries / CHUNK]) {
		t->chunks[t->nentries / CHUNK] = malloc(CHUNK * sizeof(struct entry));
		if (!t->chunks[t->nentries / CHUNK])
			return -ENOMEM;
	}
	*out = (uint32_t)t->nentries++;
	return 0;
}

struct rec_proc *rec_proctab_put(struct rec_proctab *t, pid_t pid)
{
	struct entry *e = find(t, pid);
	bool found;
	uint32_t n;
	size_t i;

	if (e) {
		if (e->p.exited) {
			memset(e, 0, sizeof(*e));
			e->p.pid = pid;
		}
		return &e->p;
	}
	if (t->count >= t->max && !drop_oldest_exit(t))
		return NULL;
	if (new_entry(t, &n) < 0)
		return NULL;
	i = probe(t, pid, &found);
	t->idx[i] = n + 1;
	e = ent(t, n);
	memset(e, 0, sizeof(*e));
	e->p.pid = pid;
	t->count++;
	return &e->p;
}

void rec_proctab_exited(struct rec_proctab *t, pid_t pid, uint64_t now_ns)
{
	struct entry *e = find(t, pid);

	if (!e || e->p.exited)
		return;
	e->p.exited = true;
	e->exit_ns = now_ns;
	if (t->elen == t->max)
		drop_oldest_exit(t);
	if (t->elen == t->max) {	/* queue full of stale records */
		t->ehead = (t->ehead + 1) % t->max;
		t->elen--;
	}
	t->exits[(t->ehead + t->elen) % t->max] = (struct exit_rec){ pid, now_ns };
	t->elen++;
}

void rec_proctab_expire(struct rec_proctab *t, uint64_t now_ns, uint64_t keep_ns)
{
	while (t->elen) {
		struct exit_rec e = t->exits[t->ehead];
		struct entry *x;

		if (e.exit_ns + keep_ns > now_ns)
			break;
		t->ehead = (t->ehead + 1) % t->max;
		t->elen--;
		x = find(t, e.pid);
		if (x && x->p.exited && x->exit_ns == e.exit_ns)
			rec_proctab_del(t, e.pid);
	}
}

size_t rec_proctab_count(const struct rec_proctab *t)
{
	return t->count;
}

void rec_proctab_foreach(struct rec_proctab *t, void (*fn)(struct rec_proc *p, void *arg),
			 void *arg)
{
	for (size_t i = 0; i <= t->mask; i++)
		if (t->idx[i])
			fn(&ent(t, t->idx[i] - 1)->p, arg);
}
