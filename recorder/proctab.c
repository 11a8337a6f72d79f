// SPDX-License-Identifier: Apache-2.0
/* Process table: open addressing with linear probing and backward-shift
 * deletion (no tombstones), plus a FIFO of exits for expiry. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "rec-proctab.h"

struct slot {
	struct rec_proc p;
	uint64_t exit_ns;
	bool used;
};

struct exit_rec {
	pid_t pid;
	uint64_t exit_ns;
};

struct rec_proctab {
	struct slot *slots;
	size_t mask, count, max;
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
	t->slots = calloc(cap, sizeof(*t->slots));
	t->exits = calloc(max, sizeof(*t->exits));
	if (!t->slots || !t->exits) {
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
	free(t->slots);
	free(t->exits);
	free(t);
}

static struct slot *find(struct rec_proctab *t, pid_t pid)
{
	for (size_t i = hash_pid(pid) & t->mask;; i = (i + 1) & t->mask) {
		struct slot *s = &t->slots[i];

		if (!s->used)
			return NULL;
		if (s->p.pid == pid)
			return s;
	}
}

struct rec_proc *rec_proctab_get(struct rec_proctab *t, pid_t pid)
{
	struct slot *s = find(t, pid);

	return s ? &s->p : NULL;
}

void rec_proctab_del(struct rec_proctab *t, pid_t pid)
{
	size_t i, j;
	struct slot *s = find(t, pid);

	if (!s)
		return;
	i = (size_t)(s - t->slots);
	/* Backward shift: move later members of the probe run into the hole
	 * when their home slot does not lie cyclically in (i, j]. */
	for (j = (i + 1) & t->mask; t->slots[j].used; j = (j + 1) & t->mask) {
		size_t home = hash_pid(t->slots[j].p.pid) & t->mask;
		bool in_range = i <= j ? (home > i && home <= j) : (home > i || home <= j);

		if (!in_range) {
			t->slots[i] = t->slots[j];
			i = j;
		}
	}
	memset(&t->slots[i], 0, sizeof(t->slots[i]));
	t->count--;
}

/* Drop the oldest queued exit whose entry is still that exit; true if one
 * entry was freed. */
static bool drop_oldest_exit(struct rec_proctab *t)
{
	while (t->elen) {
		struct exit_rec e = t->exits[t->ehead];
		struct slot *s;

		t->ehead = (t->ehead + 1) % t->max;
		t->elen--;
		s = find(t, e.pid);
		if (s && s->p.exited && s->exit_ns == e.exit_ns) {
			rec_proctab_del(t, e.pid);
			return true;
		}
	}
	return false;
}

struct rec_proc *rec_proctab_put(struct rec_proctab *t, pid_t pid)
{
	struct slot *s = find(t, pid);

	if (s) {
		if (s->p.exited) {
			memset(s, 0, sizeof(*s));
			s->used = true;
			s->p.pid = pid;
		}
		return &s->p;
	}
	if (t->count >= t->max && !drop_oldest_exit(t))
		return NULL;
	for (size_t i = hash_pid(pid) & t->mask;; i = (i + 1) & t->mask) {
		s = &t->slots[i];
		if (!s->used)
			break;
	}
	memset(s, 0, sizeof(*s));
	s->used = true;
	s->p.pid = pid;
	t->count++;
	return &s->p;
}

void rec_proctab_exited(struct rec_proctab *t, pid_t pid, uint64_t now_ns)
{
	struct slot *s = find(t, pid);

	if (!s || s->p.exited)
		return;
	s->p.exited = true;
	s->exit_ns = now_ns;
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
		struct slot *s;

		if (e.exit_ns + keep_ns > now_ns)
			break;
		t->ehead = (t->ehead + 1) % t->max;
		t->elen--;
		s = find(t, e.pid);
		if (s && s->p.exited && s->exit_ns == e.exit_ns)
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
		if (t->slots[i].used)
			fn(&t->slots[i].p, arg);
}
