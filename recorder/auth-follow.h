/* SPDX-License-Identifier: Apache-2.0 */
#ifndef AUTH_FOLLOW_H
#define AUTH_FOLLOW_H

/*
 * auth-follow: follow a growing log file line by line, like `tail -F`,
 * without losing or repeating a line across rotation and truncation.
 *
 *  - Rotation (the path names a new inode: rename + create): the old file is
 *    read to its end first (its unterminated last line, if any, is delivered
 *    as a line: nobody will finish it), then the new file from its start.
 *  - Truncation (same inode, size below the read offset: copytruncate): read
 *    again from the start; a partial line held from before is dropped and
 *    counted. A file truncated and refilled past the old offset between two
 *    polls cannot be told from one that grew: its first bytes are missed.
 *  - A missing file is not an error: it is opened when it appears, from its
 *    start (it is new).
 *  - A partial last line is held until its newline arrives.
 *  - Lines longer than AUTH_LINE_MAX are cut there; the rest is skipped and
 *    counted in auth_follow_dropped().
 *  - With join_continuations, lines that start with four blanks are joined
 *    to the line before with one blank (sudo's wrapped logfile entries); the
 *    line before is held until a line that is not a continuation arrives or
 *    the file has no more data.
 *
 * Invariant: every byte of every inode seen is delivered at most once, in
 * order. Nothing here logs; errors come back as -errno.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct auth_follow;

/* Called for each complete line, without its newline (a CR is kept). */
typedef void (*auth_line_fn)(void *arg, const char *line, size_t n);

/* Follow path; from_start reads what is already there, else only what comes
 * after this call. Returns 0 or -errno (-ENOMEM); a missing file is fine. */
int auth_follow_open(const char *path, bool from_start, bool join_continuations,
		     struct auth_follow **out);
/* Stop following; NULL is fine. Held lines are not delivered. */
void auth_follow_close(struct auth_follow *f);
/* Read what is new and deliver its lines. Returns the number of lines
 * delivered, or -errno when reading failed (the follower stays usable). */
int auth_follow_poll(struct auth_follow *f, auth_line_fn fn, void *arg);
/* The path followed. */
const char *auth_follow_path(const struct auth_follow *f);
/* True while the file is open (it existed at the last poll). */
bool auth_follow_is_open(const struct auth_follow *f);
/* Bytes dropped so far (over-long lines, partial lines lost to truncation). */
uint64_t auth_follow_dropped(const struct auth_follow *f);
/* Rotations and truncations seen so far. */
unsigned auth_follow_rotations(const struct auth_follow *f);
unsigned auth_follow_truncations(const struct auth_follow *f);

#endif
