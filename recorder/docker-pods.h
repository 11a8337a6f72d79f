/* SPDX-License-Identifier: Apache-2.0 */
#ifndef DOCKER_PODS_H
#define DOCKER_PODS_H

/*
 * docker-pods: which containers of this host belong to a Kubernetes pod, as
 * the docker source learned it from `docker inspect` (the
 * io.kubernetes.pod.name / .namespace labels that dockershim and cri-dockerd
 * set). The k8s source uses it to put audit events about a pod into that
 * pod's container rings. Served by src-docker.c while it runs; answers
 * nothing when the docker source is not running (or the pod's containers are
 * run by another runtime).
 *
 * Threads: the recorder's thread only.
 */

#include <stddef.h>

/* Call cb(ctx, id) for each known container of pod ns/pod; returns the count. */
size_t docker_pods_lookup(const char *ns, const char *pod,
			  void (*cb)(void *ctx, const char *id), void *ctx);

#endif
