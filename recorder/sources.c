// SPDX-License-Identifier: Apache-2.0
/* The sources compiled into fdr-record, one line each. */
#include "rec-core.h"

extern const struct source_ops src_proc;
extern const struct source_ops src_file;
extern const struct source_ops src_net;
extern const struct source_ops src_docker;
extern const struct source_ops src_ssh;
extern const struct source_ops src_sudo;
extern const struct source_ops src_k8s;

const struct source_ops *const rec_sources[] = {
	&src_proc,
	&src_file,
	&src_net,
	&src_docker,
	&src_ssh,
	&src_sudo,
	&src_k8s,
	NULL
};
