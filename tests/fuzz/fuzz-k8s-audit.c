// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz target: Kubernetes audit decoder (recorder/k8s-audit.h), the input
 * being a webhook request body (Event or EventList). Differential too,
 * against the jansson tree decoder of the tests (tests/k8s/k8s-ref.h): its
 * slim loader (responseObject cut out before parsing) must decode to the
 * same events as its plain one whenever the plain one accepts the body,
 * and so must the streaming decoder (yajl, what the webhook runs), which
 * must moreover give the same verdict and item counts.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "recorder/k8s-audit.h"
#include "tests/k8s/k8s-ref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct k8s_ev scratch;
static struct k8s_audit_parser *parser;

static void check_strv(const struct k8s_ev *k, unsigned f, uint32_t max)
{
	struct fdr_strv v = fdr_event_strv(&k->ev, f);

	if (v.n > max)
		abort();
	for (uint32_t i = 0; i < v.n; i++)
		if (v.v[i].p < k->buf || v.v[i].p + v.v[i].len > k->buf + sizeof(k->buf))
			abort();
}

static void on_event(void *ctx, const struct k8s_ev *k)
{
	(void)ctx;
	if (k->used > sizeof(k->buf) || k->ev.kind != FDR_K8S_AUDIT)
		abort();
	check_strv(k, FDR_F_GROUPS, K8S_MAX_GROUPS);
	check_strv(k, FDR_F_SOURCE_IPS, K8S_MAX_IPS);
	check_strv(k, FDR_F_EXEC_COMMAND, K8S_MAX_CMD);
	check_strv(k, FDR_F_POD_FLAGS, K8S_MAX_FLAGS);
}

/* A digest of the events, to compare two decodings. */
struct digest {
	uint64_t h;
	size_t n;
};

static void mix(struct digest *d, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		d->h = (d->h ^ b[i]) * 1099511628211ull;
	d->h = (d->h ^ 0xff) * 1099511628211ull;
}

static void on_digest(void *ctx, const struct k8s_ev *k)
{
	struct digest *d = ctx;

	on_event(NULL, k);
	d->n++;
	mix(d, &k->ev.time_ns, sizeof(k->ev.time_ns));
	mix(d, k->ev.has, sizeof(k->ev.has));
	mix(d, k->pod, strlen(k->pod));
	mix(d, k->namespace_, strlen(k->namespace_));
	for (unsigned f = 0; f < FDR_F_MAX; f++) {
		if (!fdr_event_has(&k->ev, f))
			continue;
		switch (fdr_field_type(f)) {
		case FDR_T_STR:
			mix(d, k->ev.f[f].s.p, k->ev.f[f].s.len);
			break;
		case FDR_T_STRV:
			for (uint32_t i = 0; i < k->ev.f[f].v.n; i++)
				mix(d, k->ev.f[f].v.v[i].p, k->ev.f[f].v.v[i].len);
			break;
		default:
			mix(d, &k->ev.f[f].u, sizeof(k->ev.f[f].u));
			break;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct digest a = { 1469598103934665603ull, 0 }, b = a, c = a;
	struct k8s_audit_batch *batch = NULL;
	json_t *r1, *r2;
	size_t n1, n2, n3 = 0, bad1 = 0, bad3 = 0;
	int rc1, rc2, rc3;
	bool raw_nul;

	if (!parser && k8s_audit_parser_new(&parser) < 0)
		abort();
	rc3 = k8s_audit_parser_run(parser, (const char *)data, size, &batch);
	if (rc3 == 0) {
		k8s_audit_batch_each(batch, &scratch, on_digest, &c, &bad3);
		n3 = k8s_audit_batch_items(batch);
		k8s_audit_batch_free(batch);
	}

	rc1 = k8s_ref_load((const char *)data, size, &r1, &n1);
	rc2 = k8s_ref_load_slim((const char *)data, size, &r2, &n2);
	if (rc1 == 0) {
		k8s_ref_each(r1, &scratch, on_digest, &a, &bad1);
		json_decref(r1);
	}
	/* the streaming decoder: the same as the tree decoder whenever that
	 * accepts (yajl alone takes a lone UTF-16 surrogate escape, so a body
	 * jansson refuses may pass); jansson alone lets a raw NUL byte after a
	 * number through ("[7\0]" is [7]), which yajl rightly refuses */
	raw_nul = rc3 == -EBADMSG && memchr(data, '\0', size);
	if (rc1 == 0 && !raw_nul && (rc3 != 0 || n3 != n1 || a.n != c.n || a.h != c.h || bad1 != bad3))
		abort();
	if (!raw_nul && ((rc3 == -EBADMSG && rc1 != -EBADMSG) || (rc1 == -EPROTO && rc3 != -EPROTO)))
		abort();
	if (rc2 == 0) {
		k8s_ref_each(r2, &scratch, on_digest, &b, NULL);
		json_decref(r2);
	}
	/* the slim loader may accept what the plain one refuses (cut values are
	 * only checked for balance), never the reverse, and never differ;
	 * a body that forges the cut marker itself is out of this contract */
	if (rc1 == 0 && !memmem(data, size, "$fdr_cut", 8) &&
	    (rc2 != 0 || n1 != n2 || a.n != b.n || a.h != b.h))
		abort();
	return 0;
}
