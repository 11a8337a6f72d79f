/* SPDX-License-Identifier: Apache-2.0 */
#ifndef REC_CORE_H
#define REC_CORE_H

/*
 * rec-core: fdr-record's core, the side of rec-source.h that main() and the
 * process source see: settings, life cycle, the event loop and the process
 * table. Sources other than src-proc.c use rec-source.h only.
 *
 * Life: rec_new() (opens the ring directory's host ring), rec_start_sources()
 * (init of each selected source), rec_run() (until SIGTERM/SIGINT or the
 * duration), rec_free() (stops sources, writes rec.stop, flushes, closes).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fdr-ring.h"
#include "rec-cgroup.h"
#include "rec-config.h"
#include "rec-proctab.h"
#include "rec-source.h"

/* Every source compiled in (recorder/sources.c), NULL-terminated. */
extern const struct source_ops *const rec_sources[];

/* The recorder over s and o (both must outlive it). 0 or negative (logged). */
int rec_new(const struct rec_settings *s, const struct rec_opts *o, struct rec **out);
/* Start the sources named in list (comma separated; NULL = the default
 * ones). An unavailable default source is skipped with one log line; a
 * requested one that fails is fatal: -errno, logged. */
int rec_start_sources(struct rec *rec, const char *list);
/* Run the loop; 0 on a clean stop. */
int rec_run(struct rec *rec);
void rec_free(struct rec *rec);

/* ---- for the process source ------------------------------------------ */

struct rec_proctab *rec_procs(struct rec *rec);
/* Emit into the ring of a cgroup attribution (creating it with runtime and
 * pod uid); cg NULL or id "" = host. */
int rec_emit_cg(struct rec *rec, const struct rec_cgroup_id *cg, const struct fdr_event *ev);
/* Source name of a state pointer's source; for gap accounting. */
uint64_t rec_events_written(struct rec *rec);

#endif
