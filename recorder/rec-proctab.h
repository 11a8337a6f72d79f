/* SPDX-License-Identifier: Apache-2.0 */
#ifndef REC_PROCTAB_H
#define REC_PROCTAB_H

/*
 * rec-proctab: the recorder's bounded process table, keyed by pid.
 *
 * Entries of exited processes stay for a while (rec_proctab_expire) so late
 * events (file, network, an exit seen after the parent's) still attribute.
 * When the table is full, the oldest exited entry is dropped; when no entry
 * has exited, rec_proctab_put() fails and the caller works without one.
 * Pointers returned stay valid until the next put/expire call.
 */

#include <stddef.h>
#include <stdint.h>

#include "rec-source.h"

struct rec_proctab;

/* A table holding at most max entries (rounded up internally). */
struct rec_proctab *rec_proctab_new(size_t max);
void rec_proctab_free(struct rec_proctab *t);

struct rec_proc *rec_proctab_get(struct rec_proctab *t, pid_t pid);
/* The entry of pid, created zeroed (pid set) when absent; a reused pid of an
 * exited entry is reset. NULL when full. */
struct rec_proc *rec_proctab_put(struct rec_proctab *t, pid_t pid);
/* Mark pid exited at now_ns (it is dropped after the keep time). */
void rec_proctab_exited(struct rec_proctab *t, pid_t pid, uint64_t now_ns);
/* Drop entries that exited before now_ns - keep_ns. */
void rec_proctab_expire(struct rec_proctab *t, uint64_t now_ns, uint64_t keep_ns);
void rec_proctab_del(struct rec_proctab *t, pid_t pid);
size_t rec_proctab_count(const struct rec_proctab *t);
/* Calls fn for each entry (do not put or delete inside). */
void rec_proctab_foreach(struct rec_proctab *t, void (*fn)(struct rec_proc *p, void *arg),
			 void *arg);

#endif
