// SPDX-License-Identifier: Apache-2.0
/* The sources compiled into fdr-record, one line each. */
#include "rec-core.h"

extern const struct source_ops src_proc;
extern const struct source_ops src_docker;
extern const struct source_ops src_k8s;

const struct source_ops *const rec_sources[] = {
	&src_proc,
	&src_docker,
	&src_k8s,
	NULL
};
