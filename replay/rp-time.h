/* SPDX-License-Identifier: Apache-2.0 */
#ifndef RP_TIME_H
#define RP_TIME_H

/*
 * rp-time: the times fdr-replay reads and prints.
 *
 * All times are uint64_t nanoseconds since the Unix epoch, UTC (as in
 * struct fdr_event). Parsing accepts:
 *   - RFC 3339: "2024-05-01T12:00:00Z", "2024-05-01T12:00:00.5+02:00",
 *     "2024-05-01 12:00:00Z" (space for T), "2024-05-01" (midnight UTC);
 *   - relative to now: "-2h", "-90s", "-1d12h", "now" (units ns us ms s m h d w);
 *   - "@SECONDS[.FRACTION]" since the epoch.
 * Nothing here allocates or prints.
 */

#include <stddef.h>
#include <stdint.h>

/* Longest text rp_time_format() writes, NUL included. */
#define RP_TIME_MAX 40

/* Parse s into *out; now_ns anchors relative forms. 0 or -EINVAL
 * (*err_col, when not NULL, gets the 1-based column of the problem). */
int rp_time_parse(const char *s, uint64_t now_ns, uint64_t *out, size_t *err_col);

/* RFC 3339 UTC with nanoseconds ("2024-05-01T12:00:00.000000001Z") into
 * buf (at least RP_TIME_MAX bytes); returns buf. */
char *rp_time_format(uint64_t ns, char *buf);

/* Current wall-clock time in ns. */
uint64_t rp_time_now(void);

#endif
