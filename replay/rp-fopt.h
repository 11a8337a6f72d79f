/* SPDX-License-Identifier: Apache-2.0 */
#ifndef RP_FOPT_H
#define RP_FOPT_H

/*
 * rp-fopt: the filter options every fdr-replay subcommand takes, parsed in
 * one place: --since --until --host --container --image --kind --pid
 * --descendants --user and -e/--expr. A command puts RP_FOPT_LONGOPTS in its
 * getopt_long table (and "e:" in its short options), hands every option to
 * rp_fopt_apply(), and calls rp_fopt_finish() after the last one.
 *
 * No printing: errors come back in a struct rp_error and a name of what was
 * bad; rp_fopt_format_error() turns them into the message the commands show
 * (text escaped, a caret under the column).
 */

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

#include "fdr-text.h"
#include "rp-filter.h"

/* getopt_long values of the filter options (above any char and command's own). */
enum {
	RP_FOPT_SINCE = 0x4000,
	RP_FOPT_UNTIL,
	RP_FOPT_HOST,
	RP_FOPT_CONTAINER,
	RP_FOPT_IMAGE,
	RP_FOPT_KIND,
	RP_FOPT_PID,
	RP_FOPT_DESC,
	RP_FOPT_USER,
};

#define RP_FOPT_LONGOPTS \
	{ "since", required_argument, NULL, RP_FOPT_SINCE }, \
	{ "until", required_argument, NULL, RP_FOPT_UNTIL }, \
	{ "host", required_argument, NULL, RP_FOPT_HOST }, \
	{ "container", required_argument, NULL, RP_FOPT_CONTAINER }, \
	{ "image", required_argument, NULL, RP_FOPT_IMAGE }, \
	{ "kind", required_argument, NULL, RP_FOPT_KIND }, \
	{ "pid", required_argument, NULL, RP_FOPT_PID }, \
	{ "descendants", no_argument, NULL, RP_FOPT_DESC }, \
	{ "user", required_argument, NULL, RP_FOPT_USER }, \
	{ "expr", required_argument, NULL, 'e' }

/* What the options have said so far that only makes sense at the end. */
struct rp_fopt {
	uint64_t pid;
	bool pid_set, desc;
};

#define RP_FOPT_INIT { 0, false, false }

/*
 * Apply option opt (a getopt_long result; 'e' for -e/--expr) with argument
 * arg to f, relative times against now_ns. Returns 1 when it was a filter
 * option and is applied, 0 when opt is not a filter option (f untouched),
 * -1 when arg is bad: *what names the option ("--since", "filter
 * expression") and err says why (err->col: 1-based column in arg, or 0).
 */
int rp_fopt_apply(struct rp_fopt *st, struct rp_filter *f, int opt, const char *arg,
		  uint64_t now_ns, struct rp_error *err, const char **what);

/* After the last option: 0, or -1 (err set) when --descendants came without --pid. */
int rp_fopt_finish(const struct rp_fopt *st, struct rp_filter *f, struct rp_error *err);

/*
 * Append "bad WHAT[ at column N]: MSG", then the argument and a caret under
 * the column on the next lines when there is one (text and message escaped;
 * no trailing newline).
 */
void rp_fopt_format_error(struct fdr_buf *b, const char *what, const char *text,
			  const struct rp_error *e);

#endif
