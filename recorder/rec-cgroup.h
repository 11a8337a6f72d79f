/* SPDX-License-Identifier: Apache-2.0 */
#ifndef REC_CGROUP_H
#define REC_CGROUP_H

/*
 * rec-cgroup: container attribution from cgroup paths (pure parsing, no I/O).
 *
 * Recognized, on cgroup v1, v2 and the hybrid layout (any line of
 * /proc/<pid>/cgroup):
 *   docker      /docker/<id>, .../docker-<id>.scope
 *   containerd  .../cri-containerd-<id>.scope
 *   crio        .../crio-<id>.scope
 *   podman      .../libpod-<id>.scope (and its /container child)
 *   kubepods    /kubepods/<qos>/pod<uid>/<id> (cgroupfs driver); with the
 *               systemd driver the .scope names above give the runtime and
 *               the kubepods-...-pod<uid>.slice gives the pod uid.
 *   container   any other /<parent>/<id> (docker --cgroup-parent, runc)
 * An id is exactly 64 lowercase hex digits. Conmon scopes (crio-conmon-,
 * libpod-conmon-) belong to the host. When several containers nest, the
 * deepest wins. Anything else is the host.
 */

#include <stddef.h>

struct rec_cgroup_id {
	char id[128];		/* 64-hex id; "" for the host */
	char runtime[32];	/* "docker", "containerd", "crio", "podman", "kubepods" */
	char pod_uid[64];	/* Kubernetes pod uid with dashes, or "" */
};

#define REC_CGROUP_ID_INIT { "", "", "" }

/* Attribute one cgroup path (p[0..len), not NUL-terminated): 1 and *out
 * filled when it names a container, 0 (and *out emptied) for the host. */
int rec_cgroup_parse_path(const char *p, size_t len, struct rec_cgroup_id *out);

/* Attribute the content of a /proc/<pid>/cgroup file ("hier:ctrls:path"
 * lines): the first line that names a container wins. 1, 0 as above, or
 * -EINVAL when no line is well formed. */
int rec_cgroup_parse_file(const char *buf, size_t len, struct rec_cgroup_id *out);

#endif
