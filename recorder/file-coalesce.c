/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hash chains keyed by the host path (the pid is compared, not hashed, so all
 * entries of a path share a chain for fcoal_flush_path), plus a FIFO list in
 * creation order: the oldest entry is always the first due.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "file-coalesce.h"

struct node {
	struct fcoal_entry e;
	struct node *chain;		/* bucket chain */
	struct node *prev, *next;	/* FIFO */
	char *mem;			/* host path, then path when it differs */
};

struct fcoal {
	size_t cap, count, nbuckets;
	uint64_t window;
	fcoal_emit_fn *emit;
	void *ctx;
	struct node **bucket;
	struct node *head, *tail;
};

static size_t hash_path(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (uint8_t)p[i]) * 1099511628211ull;
	return (size_t)h;
}

struct fcoal *fcoal_new(size_t capacity, uint64_t window_ns, fcoal_emit_fn *emit, void *ctx)
{
	struct fcoal *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->cap = capacity ? capacity : 1;
	t->window = window_ns;
	t->emit = emit;
	t->ctx = ctx;
	t->nbuckets = 16;
	while (t->nbuckets < 2 * t->cap)
		t->nbuckets *= 2;
	t->bucket = calloc(t->nbuckets, sizeof(*t->bucket));
	if (!t->bucket) {
		free(t);
		return NULL;
	}
	return t;
}

static void unlink_node(struct fcoal *t, struct node *n)
{
	struct node **pp = &t->bucket[hash_path(n->e.host_path, n->e.host_len) & (t->nbuckets - 1)];

	while (*pp != n)
		pp = &(*pp)->chain;
	*pp = n->chain;
	if (n->prev)
		n->prev->next = n->next;
	else
		t->head = n->next;
	if (n->next)
		n->next->prev = n->prev;
	else
		t->tail = n->prev;
	t->count--;
}

static void release(struct node *n)
{
	free(n->mem);
	free(n);
}

/* Unlink, hand to the callback, free. */
static void emit_node(struct fcoal *t, struct node *n)
{
	unlink_node(t, n);
	if (t->emit)
		t->emit(t->ctx, &n->e);
	release(n);
}

void fcoal_free(struct fcoal *t)
{
	if (!t)
		return;
	while (t->head) {
		struct node *n = t->head;

		unlink_node(t, n);
		release(n);
	}
	free(t->bucket);
	free(t);
}

int fcoal_add(struct fcoal *t, pid_t pid, const char *path, size_t path_len,
	      const char *host, size_t host_len, const char *tag, uint64_t now_ns)
{
	size_t tag_len = tag ? strlen(tag) : 0;
	size_t b = hash_path(host, host_len) & (t->nbuckets - 1);
	bool differs = path_len != host_len || memcmp(path, host, host_len) != 0;
	struct node *n;

	for (n = t->bucket[b]; n; n = n->chain) {
		if (n->e.pid == pid && n->e.host_len == host_len &&
		    memcmp(n->e.host_path, host, host_len) == 0) {
			n->e.count++;
			if (now_ns > n->e.last_ns)
				n->e.last_ns = now_ns;
			return 1;
		}
	}
	if (t->count >= t->cap)
		emit_node(t, t->head);
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->mem = malloc(host_len + 1 + (differs ? path_len + 1 : 0) + tag_len + 1);
	if (!n->mem) {
		free(n);
		return -ENOMEM;
	}
	memcpy(n->mem, host, host_len);
	n->mem[host_len] = '\0';
	n->e.host_path = n->mem;
	n->e.host_len = host_len;
	if (differs) {
		memcpy(n->mem + host_len + 1, path, path_len);
		n->mem[host_len + 1 + path_len] = '\0';
		n->e.path = n->mem + host_len + 1;
	} else {
		n->e.path = n->mem;
	}
	n->e.path_len = path_len;
	{
		char *tp = n->mem + host_len + 1 + (differs ? path_len + 1 : 0);

		memcpy(tp, tag ? tag : "", tag_len);
		tp[tag_len] = '\0';
		n->e.tag = tp;
	}
	n->e.pid = pid;
	n->e.first_ns = n->e.last_ns = now_ns;
	n->e.count = 1;
	n->chain = t->bucket[b];
	t->bucket[b] = n;
	n->prev = t->tail;
	if (t->tail)
		t->tail->next = n;
	else
		t->head = n;
	t->tail = n;
	t->count++;
	return 0;
}

size_t fcoal_flush(struct fcoal *t, uint64_t now_ns)
{
	size_t k = 0;

	while (t->head && (now_ns == UINT64_MAX || t->head->e.first_ns + t->window <= now_ns)) {
		emit_node(t, t->head);
		k++;
	}
	return k;
}

size_t fcoal_flush_path(struct fcoal *t, const char *host, size_t host_len)
{
	size_t b = hash_path(host, host_len) & (t->nbuckets - 1), k = 0;
	struct node *n, *next;

	/* Collect in FIFO order: walk the list, not the chain, when the chain
	 * holds a match (rare: only paths with pending modifies). */
	for (n = t->bucket[b]; n; n = n->chain)
		if (n->e.host_len == host_len && memcmp(n->e.host_path, host, host_len) == 0)
			break;
	if (!n)
		return 0;
	for (n = t->head; n; n = next) {
		next = n->next;
		if (n->e.host_len == host_len && memcmp(n->e.host_path, host, host_len) == 0) {
			emit_node(t, n);
			k++;
		}
	}
	return k;
}

size_t fcoal_count(const struct fcoal *t)
{
	return t->count;
}
