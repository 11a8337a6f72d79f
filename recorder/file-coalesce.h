/* SPDX-License-Identifier: Apache-2.0 */
#ifndef FILE_COALESCE_H
#define FILE_COALESCE_H

/*
 * file-coalesce (prefix fcoal_): folds repeated modifications of one file by
 * one process within a time window into one entry with a count, so a process
 * appending to a log a thousand times a second costs one event per window
 * while the first time, the last time and the number stay known.
 *
 * Invariants:
 *  - one entry per (pid, host path); at most the capacity given to
 *    fcoal_new(): adding to a full table hands the oldest entry to the emit
 *    callback first;
 *  - entries leave in the order they were created (oldest first), each exactly
 *    once, through the emit callback: when their window has passed
 *    (fcoal_flush), before another event on the same path
 *    (fcoal_flush_path: keeps create < modify < delete in order), or at the
 *    end (fcoal_flush with UINT64_MAX).
 *
 * Ownership: the table copies the strings; an entry handed to the callback is
 * valid for the call only.
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct fcoal;

struct fcoal_entry {
	pid_t pid;
	const char *path;	/* as the actor sees it */
	size_t path_len;
	const char *host_path;	/* the key; equal to path for host processes */
	size_t host_len;
	uint64_t first_ns, last_ns;
	uint64_t count;
	const char *tag;	/* the caller's label (container id), "" if none */
};

typedef void fcoal_emit_fn(void *ctx, const struct fcoal_entry *e);

/* A table of at most capacity entries (at least 1) folding events within
 * window_ns of an entry's first one; NULL when out of memory. */
struct fcoal *fcoal_new(size_t capacity, uint64_t window_ns, fcoal_emit_fn *emit, void *ctx);
/* Emit nothing and release everything; NULL is fine. */
void fcoal_free(struct fcoal *t);

/* Count one modification at now_ns: 1 when folded into an existing entry, 0
 * when a new entry was made (with a copy of tag, NULL for ""), -ENOMEM.
 * path may equal host. */
int fcoal_add(struct fcoal *t, pid_t pid, const char *path, size_t path_len,
	      const char *host, size_t host_len, const char *tag, uint64_t now_ns);
/* Emit the entries whose window has passed at now_ns (all with UINT64_MAX);
 * returns how many. */
size_t fcoal_flush(struct fcoal *t, uint64_t now_ns);
/* Emit the entries of one host path, whatever their pid; returns how many. */
size_t fcoal_flush_path(struct fcoal *t, const char *host, size_t host_len);
/* Entries held. */
size_t fcoal_count(const struct fcoal *t);

#endif
