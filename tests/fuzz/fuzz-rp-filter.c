/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the filter language and time parser: the input (up to its first
 * NUL) is parsed as an expression, a kind list and a time; a parsed filter
 * is evaluated against a few events. Must never crash, leak or hang.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "replay/rp-filter.h"
#include "replay/rp-time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The verdict before decoding never contradicts the full one; a kind the
 * pushdown excludes never matches. */
static void check(const struct rp_filter *f, const struct rp_ring *r, const struct fdr_event *ev)
{
	uint64_t pid = fdr_event_u(ev, FDR_F_PID, 0);
	enum rp_pre pre = rp_filter_pre(f, ev->kind, ev->time_ns, fdr_event_has(ev, FDR_F_PID) ? &pid : NULL);
	bool m = rp_filter_event(f, r, ev);

	if ((pre == RP_PRE_NO && m) || (pre == RP_PRE_YES && !m))
		abort();
	if (m && ev->kind < FDR_KIND_MAX && !((rp_filter_kinds(f) >> ev->kind) & 1))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fdr_ring_meta meta;
	struct rp_ring ring = { .meta = &meta, .host = "h", .container = "c0ffee", .name = "web",
				.image = "nginx:1", .index = 0 };
	struct rp_filter *f;
	struct rp_error err = RP_ERROR_INIT;
	struct fdr_event ev;
	struct fdr_str argv[2] = { fdr_str_c("sh"), fdr_str_c("-c") };
	struct fdr_addr a = { 4, { 10, 0, 0, 1 } };
	char *s = malloc(size + 1);
	uint64_t t;

	if (!s || size > 100000) {
		free(s);
		return 0;
	}
	memcpy(s, data, size);
	s[size] = '\0';
	rp_time_parse(s, 1000000000000ull, &t, NULL);
	if (rp_filter_new(&f) == 0) {
		rp_filter_add_kinds(f, s, &err);
		rp_filter_free(f);
	}
	if (rp_filter_new(&f) == 0) {
		if (rp_filter_add_expr(f, s, &err) == 0) {
			fdr_event_init(&ev, FDR_PROC_EXEC, 12345);
			fdr_event_set_u(&ev, FDR_F_PID, 7);
			fdr_event_set_cstr(&ev, FDR_F_EXE, "/bin/sh");
			fdr_event_set_strv(&ev, FDR_F_ARGV, argv, 2);
			fdr_event_set_addr(&ev, FDR_F_DST, &a);
			fdr_event_set_i(&ev, FDR_F_EXIT_CODE, -3);
			check(f, &ring, &ev);
			(void)rp_filter_kinds(f);
			/* The same fields under other kinds: what kind alone settles. */
			for (unsigned k = 1; k < FDR_KIND_MAX; k += 5) {
				ev.kind = (uint16_t)k;
				check(f, &ring, &ev);
			}
			fdr_event_init(&ev, FDR_DOCKER, 1);
			fdr_event_set_cstr(&ev, FDR_F_ACTION, "exec_start");
			check(f, &ring, &ev);
		}
		rp_filter_free(f);
	}
	free(s);
	return 0;
}
