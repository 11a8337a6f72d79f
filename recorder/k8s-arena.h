/* SPDX-License-Identifier: Apache-2.0 */
#ifndef K8S_ARENA_H
#define K8S_ARENA_H

/*
 * k8s-arena: bump allocation for the JSON trees of webhook bodies. Parsing
 * a body with jansson makes one malloc per value and one free per value
 * later; on audit events that is about half the CPU of ingest. With an arena
 * the tree of one body lives in a few large blocks, and freeing it is
 * dropping them.
 *
 * jansson takes its allocator process-wide (json_set_alloc_funcs), so this
 * module installs one for the whole process at start-up (a constructor,
 * before any jansson value exists): every allocation carries a 16-byte tag;
 * while a thread has an arena selected (k8s_arena_use) jansson's
 * allocations on that thread come from it, otherwise from malloc as before,
 * and jansson's frees of arena memory do nothing. Other jansson users in
 * the process see no difference but the tag.
 *
 * Invariants: a tree allocated in an arena must be json_decref'd (or merely
 * dropped) before k8s_arena_free(), and nothing may keep pointers into it
 * after. An arena is used by one thread at a time; it may be freed by
 * another thread.
 */

#include <stddef.h>

struct k8s_arena;

/* A new arena whose first block holds about hint bytes. NULL on ENOMEM. */
struct k8s_arena *k8s_arena_new(size_t hint);
/* Release every block. Accepts NULL. */
void k8s_arena_free(struct k8s_arena *a);
/* Bytes of blocks the arena holds (what it costs). */
size_t k8s_arena_size(const struct k8s_arena *a);
/* Route this thread's jansson allocations to a (NULL: back to malloc). */
void k8s_arena_use(struct k8s_arena *a);

#endif
