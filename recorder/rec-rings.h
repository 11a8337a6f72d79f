/* SPDX-License-Identifier: Apache-2.0 */
#ifndef REC_RINGS_H
#define REC_RINGS_H

/*
 * rec-rings: the recorder's ring files, one per container plus host.ring,
 * all directly in the ring directory.
 *
 * Names: "host.ring" and "<runtime>-<first 12 hex of the id>.ring"
 * ("docker-4f1c2a9b7e3d.ring"); an existing "*-<12hex>.ring" is continued
 * whatever its runtime word. A file that is not a usable ring (garbage,
 * another format version, other geometry) is never touched: the ring goes to
 * "<name>.N.ring" (N = 1..9) instead and the log says why.
 *
 * Disk budget: before a new ring file is created, the directory's ring files
 * plus the new one must fit the budget; otherwise rings of containers that
 * are gone (no live process, not host) are removed, oldest first, each one
 * logged. If that is not enough the ring is not created.
 *
 * Ownership: the manager owns its writers; rec_rings_free() flushes and
 * closes them.
 */

#include <stdbool.h>
#include <stdint.h>

#include "fdr-ring.h"

struct rec;

struct rec_rings_cfg {
	const char *dir;
	uint64_t ring_size;
	uint32_t slot_size;
	uint64_t budget;	/* 0: no budget */
	enum fdr_sync sync;
	/* true when a container (id prefix of 12 hex) still has processes */
	bool (*is_live)(void *arg, const char *id12);
	void *arg;
};

struct rec_ring {
	char id[128];		/* "" for the host ring */
	char path[4096];
	struct fdr_ring_writer *w;
	uint64_t events;
	uint64_t last_ns;
};

struct rec_rings;

/* A manager over cfg->dir (cfg and its strings must outlive it); opens
 * host.ring at once with *host (a template: hostname, machine and boot id).
 * Logs through rec. 0 or a negative error (already logged). */
int rec_rings_new(struct rec *rec, const struct rec_rings_cfg *cfg,
		  const struct fdr_ring_meta *host, struct rec_rings **out);
void rec_rings_free(struct rec_rings *rr);

/* The ring of container id ("" = host), opened or created on first use with
 * runtime/pod_uid for its metadata (may be NULL). NULL when it cannot be
 * created (logged once per id). */
struct rec_ring *rec_rings_get(struct rec_rings *rr, const char *id, const char *runtime,
			       const char *pod_uid);
/* The ring of id when open, else NULL. */
struct rec_ring *rec_rings_find(struct rec_rings *rr, const char *id);
int rec_ring_append(struct rec_rings *rr, struct rec_ring *r, const struct fdr_event *ev);
/* Flush every ring with unwritten events. Returns the first error. */
int rec_rings_flush(struct rec_rings *rr);
size_t rec_rings_count(const struct rec_rings *rr);
struct rec_ring *rec_rings_at(struct rec_rings *rr, size_t i);
/* Replace non-empty fields of the metadata of id's ring (opening it). */
int rec_rings_update_meta(struct rec_rings *rr, const char *id, const struct fdr_ring_meta *m);

#endif
