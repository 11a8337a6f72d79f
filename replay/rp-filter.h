/* SPDX-License-Identifier: Apache-2.0 */
#ifndef RP_FILTER_H
#define RP_FILTER_H

/*
 * rp-filter: which events a subcommand looks at. Shared by every
 * subcommand of fdr-replay and by the TUI.
 *
 * A filter is the conjunction of its parts: time range (--since/--until),
 * hosts, containers, images, kinds (globs), a pid (optionally with its
 * descendants), users, and an expression in the language documented in
 * docs/fdr-replay.1 ("FILTER EXPRESSIONS"):
 *
 *   expr    := or
 *   or      := and { ("||" | "or") and }
 *   and     := unary { ("&&" | "and") unary }
 *   unary   := ("!" | "not") unary | "(" expr ")" | test
 *   test    := field [ op value ]          (a bare field tests presence)
 *   op      := "==" | "!=" | "~" | "!~" | "<" | "<=" | ">" | ">="
 *   value   := "string" | number | true | false
 *   field   := kind | time | host | container | container.id |
 *              container.name | container.image | image | partial |
 *              uncertain | any event field name (pid, exe, argv, path, ...)
 *
 * "~" matches a glob (* ? [set]); on lists (argv) "==" and "~" look at the
 * list joined by spaces, on other lists at any element. Numbers compare as
 * numbers; time compares with an RFC 3339 or relative time string.
 *
 * Parts that depend only on the ring (host, container, image) and on block
 * headers (time range, kinds) are pushed down: rp_filter_ring() and
 * rp_filter_block() let the scan skip whole rings and blocks. A filter is
 * read-only once built, so workers may evaluate it concurrently, except for
 * the pid-descendant state (struct rp_pidtrack, owned by one scan).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fdr-event.h"
#include "fdr-ring.h"
#include "rp-set.h"

struct rp_error {
	size_t col;		/* 1-based column in the text, 0 when not about a column */
	char msg[256];
};

#define RP_ERROR_INIT { 0, "" }

struct rp_filter;

/* New filter that matches everything; owned by the caller. */
int rp_filter_new(struct rp_filter **out);
void rp_filter_free(struct rp_filter *f);

/* Time range, inclusive; 0 / UINT64_MAX mean unbounded. */
void rp_filter_set_since(struct rp_filter *f, uint64_t ns);
void rp_filter_set_until(struct rp_filter *f, uint64_t ns);
/* Host name glob (any of those added). */
void rp_filter_add_host(struct rp_filter *f, const char *glob);
/* Container id prefix, name glob, "host" for the host ring (any of those
 * added). Events of the host ring about such a container (docker events,
 * FDR_F_CONTAINER) match too. */
void rp_filter_add_container(struct rp_filter *f, const char *s);
/* Image glob ("nginx*"), matching the ring's image (any of those added). */
void rp_filter_add_image(struct rp_filter *f, const char *glob);
/* Comma-separated kind globs ("file.*,proc.exec,docker.exec*"); -EINVAL and
 * *err when one matches no kind. */
int rp_filter_add_kinds(struct rp_filter *f, const char *list, struct rp_error *err);
/* Events of pid (host pid), and of its descendants when asked. */
void rp_filter_set_pid(struct rp_filter *f, uint64_t pid, bool descendants);
/* User name or numeric uid: matches user, runas, uid, euid or loginuid. */
void rp_filter_add_user(struct rp_filter *f, const char *user);
/* Parse and AND in an expression; -EINVAL with *err (column, message). */
int rp_filter_add_expr(struct rp_filter *f, const char *text, struct rp_error *err);

/* Bitmap of kinds that can match (bit k = kind k); pushdown input. */
uint64_t rp_filter_kinds(const struct rp_filter *f);
/* Whether the time range, when set, is [*since, *until]. */
void rp_filter_range(const struct rp_filter *f, uint64_t *since, uint64_t *until);
/* Whether any event of ring r can match. */
bool rp_filter_ring(const struct rp_filter *f, const struct rp_ring *r);
/* Whether ring r itself is selected by host, container and image (the host
 * ring is not, under --container, unless "host" is asked for): for
 * per-ring listings. */
bool rp_filter_ring_selected(const struct rp_filter *f, const struct rp_ring *r);
/* Whether any event of block b of ring r can match (header only). */
bool rp_filter_block(const struct rp_filter *f, const struct fdr_block_info *b);
/* Whether every event of block b matches for sure (header only): the
 * block lies inside the time range, all its kinds are wanted, and nothing
 * else is filtered per event. Lets a count skip decompression. */
bool rp_filter_block_all(const struct rp_filter *f, const struct fdr_block_info *b);
/* Whether ev of ring r matches every stateless part (thread-safe). */
bool rp_filter_event(const struct rp_filter *f, const struct rp_ring *r, const struct fdr_event *ev);
/*
 * What an event's kind, time and (when known, else NULL) pid say before its
 * fields are decoded (fdr_cursor_peek): RP_PRE_NO, it cannot match (pass
 * over it); RP_PRE_MAYBE, decode it and ask rp_filter_event(); RP_PRE_YES,
 * it matches for sure (nothing else is filtered per event), so a count need
 * not decode it. Thread-safe.
 */
enum rp_pre { RP_PRE_NO = 0, RP_PRE_MAYBE = 1, RP_PRE_YES = 2 };
enum rp_pre rp_filter_pre(const struct rp_filter *f, unsigned kind, uint64_t time_ns, const uint64_t *pid);
/* Whether rp_filter_pre() can ever say anything but RP_PRE_MAYBE (a time
 * range, kinds, a plain pid, or nothing left for the fields): when not, a
 * scan decodes every event without peeking first. */
bool rp_filter_pre_decides(const struct rp_filter *f);

/* Block pushdown on strings: whether the expression tests a string field
 * with == != ~ !~ (then the block's string table can rule a block out). */
bool rp_filter_strings_decide(const struct rp_filter *f);
/* false when no event of a block can match because of its string table
 * strs (every string any field of its events holds): a string test no
 * string of the table passes settles the expression to false. true when
 * an event may match. Never contradicts rp_filter_event(). */
bool rp_filter_strings_may_match(const struct rp_filter *f, const struct fdr_str *strs, size_t nstr);

/* Fields (bit = field id, as struct fdr_event's has[]) that
 * rp_filter_event() reads: a scan that only tests events may decode just
 * these (fdr_cursor_project()). Everything under pid-descendant tracking. */
void rp_filter_fields(const struct rp_filter *f, uint64_t want[2]);
/* Whether the filter needs pid-descendant tracking (in time order). */
bool rp_filter_tracks_pids(const struct rp_filter *f);

/*
 * Pid-descendant tracking: for each event in time order call
 * rp_pidtrack_update(), then rp_pidtrack_match(), then rp_pidtrack_retire().
 * rp_pidtrack_match() says whether
 * an event's pid is the filter's pid or one of its descendants at the time.
 * Keyed by host boot so equal pids of two hosts never mix.
 */
struct rp_pidtrack;
int rp_pidtrack_new(const struct rp_filter *f, struct rp_pidtrack **out);
void rp_pidtrack_free(struct rp_pidtrack *t);
void rp_pidtrack_update(struct rp_pidtrack *t, const struct rp_ring *r, const struct fdr_event *ev);
bool rp_pidtrack_match(const struct rp_pidtrack *t, const struct rp_ring *r, const struct fdr_event *ev);
/* After matching a proc.exit: the pid leaves the set (pids are reused). */
void rp_pidtrack_retire(struct rp_pidtrack *t, const struct rp_ring *r, const struct fdr_event *ev);

/* Glob match of s[0..n) against pat (NUL-terminated): * ? [abc] [a-z] [!x] \x. */
bool rp_glob(const char *pat, const char *s, size_t n);

/* "docker.<action>" or the kind's name into buf; returns buf. */
const char *rp_kind_name(const struct fdr_event *ev, char *buf, size_t size);

#endif
