/* SPDX-License-Identifier: Apache-2.0 */
#ifndef RP_SET_H
#define RP_SET_H

/*
 * rp-set: a set of ring files (from one host or many) and the scan that
 * reads their events merged in time order.
 *
 * A set is filled with rp_set_add() (a ring file or a directory of them).
 * Problems that do not stop the work (a damaged slot, a file in a directory
 * that is not a ring, a ring of a newer format version) are kept as
 * diagnostics for the caller to show; everything readable is still read.
 *
 * A scan merges the events of every ring in the set in time order with a
 * streaming k-way merge: blocks are taken in order of their first event
 * time and decoded by worker threads a bounded window ahead, so memory
 * depends on the number of blocks overlapping in time, never on the number
 * of events. Blocks whose time range or kind bitmap cannot match the
 * filter are never decompressed (rp_scan_stats() counts both), and blocks
 * whose string table cannot (rp_filter_strings_may_match()) are passed
 * over without decoding an event.
 *
 * Ties are broken by ring order, then by position in the ring, so the
 * output is deterministic.
 *
 * Ownership: the set owns its rings, readers and diagnostics; a scan
 * borrows the set (and the filter) and must be freed before them. Items
 * returned by rp_scan_next() are valid until the next call.
 * Threads: a scan is used by one thread; scans start their own workers
 * and join them in rp_scan_free(). Several scans of one set may run on
 * different threads at once (their diagnostics are added under a lock),
 * but rings must not be added, nor readers refreshed, while any scan runs,
 * and diagnostics are read by the owner only when no scan runs.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fdr-event.h"
#include "fdr-ring.h"
#include "fdr-text.h"

/* One ring of the set. Read-only for users. */
struct rp_ring {
	char *path;
	struct fdr_ring_reader *reader;
	const struct fdr_ring_meta *meta;
	const char *host;	/* hostname, "?" when unknown */
	const char *container;	/* container id, or "host" for the host ring */
	const char *name;	/* container name ("" when unknown) */
	const char *image;	/* image reference ("" when unknown) */
	unsigned index;		/* position in the set */
	unsigned host_idx;	/* equal for rings of one host boot (machine id + boot id) */
	bool is_host;		/* the host ring */
};

struct rp_diag {
	char *path;		/* file the problem is in */
	int error;		/* FDR_E_* or -errno */
	char *detail;		/* "slot 17", ... (may be "") */
};

struct rp_set;
struct rp_filter;

/* New empty set owned by the caller (rp_set_free). */
int rp_set_new(struct rp_set **out);
void rp_set_free(struct rp_set *s);

/*
 * Add a ring file, or every ring file in a directory (recursively, in name
 * order). Returns the number of rings added, or a negative error when path
 * itself cannot be used (missing, unreadable, not a ring): then a diagnostic
 * is recorded as well. Files in a directory that are not rings (wrong magic)
 * are ignored silently unless named "*.ring"; other errors become
 * diagnostics and the rest of the directory is still read.
 */
int rp_set_add(struct rp_set *s, const char *path);

/* FDR_READER_* flags (fdr-ring.h) for the rings added from now on, 0 by
 * default. With FDR_READER_LAZY a damaged block is found when a scan
 * decodes it (then it is a diagnostic of the set), not at rp_set_add(). */
void rp_set_reader_flags(struct rp_set *s, unsigned flags);

/* Add a ring held in memory (tests, fuzzers); buf must outlive the set. */
int rp_set_add_mem(struct rp_set *s, const void *buf, size_t len, const char *name);

size_t rp_set_nrings(const struct rp_set *s);
const struct rp_ring *rp_set_ring(const struct rp_set *s, size_t i);
size_t rp_set_ndiags(const struct rp_set *s);
const struct rp_diag *rp_set_diag(const struct rp_set *s, size_t i);
/* Append "'PATH': ERROR" and " (DETAIL)" when there is one to b, path and
 * detail escaped for a terminal; the caller adds its own prefix. */
void rp_diag_format(struct fdr_buf *b, const struct rp_diag *d);
/* Number of distinct host boots (host_idx is below it). */
size_t rp_set_nhosts(const struct rp_set *s);

/* ---- scan -------------------------------------------------------------- */

struct rp_scan_opts {
	unsigned threads;	/* decoding threads; 0 = one per online CPU */
	const struct rp_filter *filter;	/* NULL = every event */
	bool unordered;		/* blocks in any order (counting): no merge */
};

#define RP_SCAN_OPTS_INIT { 0, NULL, false }

struct rp_item {
	const struct fdr_event *ev;
	const struct rp_ring *ring;
};

struct rp_scan_stats {
	uint64_t rings;		/* rings considered (after ring-level filters) */
	uint64_t blocks;	/* valid blocks in those rings */
	uint64_t blocks_skipped;	/* skipped by time range or kinds, never decompressed */
	uint64_t blocks_decoded;	/* decompressed */
	uint64_t blocks_damaged;	/* failed to decode (checksum, corrupt payload) */
	uint64_t blocks_counted;	/* counted from the header alone (rp_scan_count) */
	uint64_t events;	/* events decoded */
	uint64_t matched;	/* events returned */
	uint64_t max_live_blocks;	/* most decoded blocks held at once */
	uint64_t blocks_pushed;	/* decompressed (counted in blocks_decoded), then
				 * passed over: no string of the block's table passes
				 * the filter's string tests */
};

struct rp_scan;

/* Start a scan of s with opts (copied; the filter is borrowed). */
int rp_scan_new(struct rp_set *s, const struct rp_scan_opts *opts, struct rp_scan **out);
/* Next event: 1 with *it filled, 0 at the end, negative on a fatal error.
 * Damaged blocks do not stop the scan: they become diagnostics of the set. */
int rp_scan_next(struct rp_scan *sc, struct rp_item *it);
/* rp_scan_next() that gives up after merging max_blocks blocks without an
 * event to return (a filter that matches little): -EAGAIN, and the next
 * call goes on from there. For callers that must stay responsive. */
int rp_scan_step(struct rp_scan *sc, struct rp_item *it, uint64_t max_blocks);
void rp_scan_stats(const struct rp_scan *sc, struct rp_scan_stats *st);
/* Where the event last returned by rp_scan_next() or rp_scan_step() sits
 * in its ring (the item's ring): *seq is its block's sequence number
 * (fdr_block_info.seq) and *index its position in that block, counting every
 * event of the block as fdr_cursor_next() returns them after
 * fdr_cursor_load(), filtered or not. 0, or -ENOENT before the first event. */
int rp_scan_where(const struct rp_scan *sc, uint64_t *seq, uint32_t *index);
/* Blocks merged so far and blocks to merge (for a progress bar). */
void rp_scan_progress(const struct rp_scan *sc, uint64_t *done, uint64_t *total);
void rp_scan_free(struct rp_scan *sc);

/* Count matching events without ordering them (all threads, no merge).
 * A block whose events all match for sure (rp_filter_block_all) is counted
 * from its header without decompression; its checksum is then not checked
 * (fdr-replay verify does that). */
int rp_scan_count(struct rp_set *s, const struct rp_scan_opts *opts, uint64_t *count,
		  struct rp_scan_stats *st);

#endif
