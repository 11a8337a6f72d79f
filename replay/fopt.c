/* SPDX-License-Identifier: Apache-2.0 */
/* rp-fopt: the shared filter options of the replay commands (see rp-fopt.h). */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp-fopt.h"
#include "rp-time.h"

static int bad(struct rp_error *err, size_t col, const char *msg)
{
	err->col = col;
	snprintf(err->msg, sizeof(err->msg), "%s", msg);
	return -1;
}

int rp_fopt_apply(struct rp_fopt *st, struct rp_filter *f, int opt, const char *arg,
		  uint64_t now_ns, struct rp_error *err, const char **what)
{
	uint64_t t;
	size_t col = 0;
	char *end;

	switch (opt) {
	case RP_FOPT_SINCE:
	case RP_FOPT_UNTIL:
		*what = opt == RP_FOPT_SINCE ? "--since" : "--until";
		if (rp_time_parse(arg, now_ns, &t, &col))
			return bad(err, col, "expected RFC 3339 (2024-05-01T12:00:00Z) or relative (-2h)");
		if (opt == RP_FOPT_SINCE)
			rp_filter_set_since(f, t);
		else
			rp_filter_set_until(f, t);
		return 1;
	case RP_FOPT_HOST: rp_filter_add_host(f, arg); return 1;
	case RP_FOPT_CONTAINER: rp_filter_add_container(f, arg); return 1;
	case RP_FOPT_IMAGE: rp_filter_add_image(f, arg); return 1;
	case RP_FOPT_USER: rp_filter_add_user(f, arg); return 1;
	case RP_FOPT_KIND:
		*what = "--kind";
		return rp_filter_add_kinds(f, arg, err) ? -1 : 1;
	case 'e':
		*what = "filter expression";
		return rp_filter_add_expr(f, arg, err) ? -1 : 1;
	case RP_FOPT_PID:
		*what = "--pid";
		errno = 0;
		st->pid = strtoull(arg, &end, 10);
		if (!*arg || *end || errno || st->pid > UINT32_MAX || *arg == '-')
			return bad(err, 0, "expected a process id (a number)");
		st->pid_set = true;
		return 1;
	case RP_FOPT_DESC:
		st->desc = true;
		return 1;
	default:
		return 0;
	}
}

int rp_fopt_finish(const struct rp_fopt *st, struct rp_filter *f, struct rp_error *err)
{
	if (st->desc && !st->pid_set)
		return bad(err, 0, "--descendants needs --pid");
	if (st->pid_set)
		rp_filter_set_pid(f, st->pid, st->desc);
	return 0;
}

void rp_fopt_format_error(struct fdr_buf *b, const char *what, const char *text,
			  const struct rp_error *e)
{
	size_t len = strlen(text);

	fdr_buf_adds(b, "bad ");
	fdr_buf_adds(b, what);
	if (e->col)
		fdr_buf_addf(b, " at column %zu", e->col);
	fdr_buf_adds(b, ": ");
	fdr_buf_add_escaped(b, e->msg, strlen(e->msg));
	fdr_buf_adds(b, "\n  ");
	fdr_buf_add_escaped(b, text, len);
	if (e->col && e->col <= len + 1) {
		fdr_buf_adds(b, "\n  ");
		for (size_t i = 1; i < e->col; i++)
			fdr_buf_addc(b, ' ');
		fdr_buf_addc(b, '^');
	}
}
