// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz target: Kubernetes audit decoder (recorder/k8s-audit.h), the input
 * being a webhook request body (Event or EventList).
 */
#include <stdint.h>
#include <stdlib.h>

#include "recorder/k8s-audit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct k8s_ev scratch;

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	k8s_audit_parse((const char *)data, size, &scratch, on_event, NULL);
	return 0;
}
