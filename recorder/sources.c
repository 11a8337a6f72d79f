// SPDX-License-Identifier: Apache-2.0
/* The sources compiled into fdr-record, one line each. */
#include "rec-core.h"

extern const struct source_ops src_proc;

const struct source_ops *const rec_sources[] = {
	&src_proc,
	NULL
};
