/* SPDX-License-Identifier: Apache-2.0 */
#ifndef RP_OUTPUT_H
#define RP_OUTPUT_H

/*
 * rp-output: events as text, appended to a struct fdr_buf (never printed
 * here). Every format is safe for untrusted bytes:
 *  - JSON lines (DESIGN.md "JSON lines"): always valid JSON, invalid UTF-8
 *    kept recoverable through fdr_buf_add_json_str();
 *  - the human line, CSV and the Timesketch "message": escaped with
 *    fdr_buf_add_escaped(), so no control character reaches a terminal.
 *
 * JSON fields, in order: time (RFC 3339 UTC, ns), host, container ("host"
 * for the host ring), container_name and image where known, kind
 * ("docker.<action>" for docker), pid, ppid, exe, comm where present, then
 * every other field of the event under its fdr_field_name() in field-id
 * order (addresses as strings, rec.gap from/to as RFC 3339), then
 * "partial", "uncertain", "unattributed", "scan" as true when flagged.
 */

#include "fdr-event.h"
#include "fdr-text.h"
#include "rp-set.h"

/* One JSON object and '\n'. */
void rp_out_json(struct fdr_buf *b, const struct rp_ring *r, const struct fdr_event *ev);

/* "TIME HOST CONTAINER KIND details" and '\n'. */
void rp_out_human(struct fdr_buf *b, const struct rp_ring *r, const struct fdr_event *ev);

/* The human details alone (no time/host/container/kind), no newline. */
void rp_out_details(struct fdr_buf *b, const struct fdr_event *ev);

/* CSV (RFC 4180) header line, and one record with '\n'. */
void rp_out_csv_header(struct fdr_buf *b);
void rp_out_csv(struct fdr_buf *b, const struct rp_ring *r, const struct fdr_event *ev);

/* Timesketch JSONL: the JSON line plus message, datetime, timestamp (us)
 * and timestamp_desc. */
void rp_out_timesketch(struct fdr_buf *b, const struct rp_ring *r, const struct fdr_event *ev);

/* Container as shown to people: its name, else the first 12 hex of its id,
 * else "host". Points into r. Not escaped. */
const char *rp_container_label(const struct rp_ring *r, char *buf, size_t size);

#endif
