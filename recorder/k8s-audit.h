/* SPDX-License-Identifier: Apache-2.0 */
#ifndef K8S_AUDIT_H
#define K8S_AUDIT_H

/*
 * k8s-audit: pure decoder of Kubernetes audit events (audit.k8s.io/v1 and
 * v1beta1 `Event`, and the `EventList` kube-apiserver's webhook backend
 * POSTs) into FDR_K8S_AUDIT events. No I/O, no logging; JSON via yajl's
 * streaming parser, no tree. (The jansson tree decoder it is checked
 * against lives with the tests: tests/k8s/k8s-ref.h; both build events
 * through k8s-ev.h.)
 *
 * What is kept (the rest, bulky request/response bodies, is dropped):
 * FDR_F_VERB, FDR_F_USER, FDR_F_GROUPS, FDR_F_IMPERSONATED, FDR_F_RESOURCE,
 * FDR_F_SUBRESOURCE, FDR_F_NAMESPACE, FDR_F_NAME, FDR_F_CODE, FDR_F_SOURCE_IPS,
 * FDR_F_STAGE, FDR_F_AUDIT_ID, FDR_F_URI, FDR_F_USER_AGENT;
 * FDR_F_EXEC_COMMAND: the `command=` query parameters of a pods/exec
 * requestURI, URL-decoded, in order;
 * FDR_F_POD_FLAGS: from the pod spec of the requestObject (a Pod, or the pod
 * template of a Deployment/DaemonSet/StatefulSet/Job/CronJob...), or of the
 * responseObject of a patch, or of a create/update whose requestObject was
 * not logged:
 * "privileged", "allowPrivilegeEscalation", "hostNetwork", "hostPID",
 * "hostIPC", "hostPath" (once) and "hostPath=<path>" for each host path
 * volume, "cap:<NAME>" for each capability added.
 * Time: stageTimestamp, else requestReceivedTimestamp, else timestamp.
 *
 * Errors: -EBADMSG (not JSON), -EPROTO (JSON, but neither an audit Event nor
 * an EventList; e.g. `{"kind":0}`), -E2BIG (over a cap).
 */

#include <stddef.h>
#include <stdint.h>

#include "fdr-event.h"

#define K8S_EV_BUF 16384
#define K8S_MAX_GROUPS 32
#define K8S_MAX_IPS 16
#define K8S_MAX_CMD 64
#define K8S_MAX_FLAGS 32

/*
 * A decoded event. pod and namespace_ name the pod the event is about when
 * its resource is "pods" (so the caller can route it to that pod's
 * containers), else they are "".
 *
 * Ownership: every string the event points to lives inside this struct;
 * do not copy it by value.
 */
struct k8s_ev {
	struct fdr_event ev;
	char pod[256];
	char namespace_[256];
	struct fdr_str groups[K8S_MAX_GROUPS];
	struct fdr_str ips[K8S_MAX_IPS];
	struct fdr_str cmd[K8S_MAX_CMD];
	struct fdr_str flags[K8S_MAX_FLAGS];
	size_t used;
	char buf[K8S_EV_BUF];
};

/* Called for each decoded event; ev is valid for the call only. */
typedef void k8s_audit_cb(void *ctx, const struct k8s_ev *ev);

/*
 * The decoder: one pass of yajl's event parser over the body, no tree;
 * only the members listed above are kept, and the pod specs are walked
 * only as far as the flags need. Gives the same verdicts, item counts and
 * events as the jansson tree decoder of the tests (tests/k8s/k8s-ref.h),
 * except that yajl takes a lone UTF-16 surrogate escape that jansson
 * refuses, and refuses a raw NUL byte after a number that jansson lets
 * through (as RFC 8259 would).
 *
 * A parser is reusable (its buffers, up to about 1 MiB, are kept between
 * bodies) and used by
 * one thread at a time. A batch holds the decoded events of one body,
 * packed; it is independent of the parser and of the body.
 */
struct k8s_audit_parser;
struct k8s_audit_batch;

/* A new parser into *out (the caller's: k8s_audit_parser_free()). */
int k8s_audit_parser_new(struct k8s_audit_parser **out);
/* Free a parser; accepts NULL. */
void k8s_audit_parser_free(struct k8s_audit_parser *p);
/* Decode body[0..len) whole. On success *out is a new batch (the caller's:
 * k8s_audit_batch_free()); errors: see the top of this file (-EBADMSG,
 * -EPROTO; -E2BIG over 1 GiB), -ENOMEM. */
int k8s_audit_parser_run(struct k8s_audit_parser *p, const char *body, size_t len,
			 struct k8s_audit_batch **out);
/* Pass each event of the batch to cb, in body order, through *scratch;
 * returns their number; *bad (may be NULL) counts list items that were not
 * audit events. The batch is not changed. */
size_t k8s_audit_batch_each(const struct k8s_audit_batch *b, struct k8s_ev *scratch,
			    k8s_audit_cb *cb, void *ctx, size_t *bad);
/* Items the body held: the EventList's items (0 for an empty list), or 1
 * for a lone Event. */
size_t k8s_audit_batch_items(const struct k8s_audit_batch *b);
/* Bytes of memory the batch holds. */
size_t k8s_audit_batch_bytes(const struct k8s_audit_batch *b);
/* Free a batch; accepts NULL. */
void k8s_audit_batch_free(struct k8s_audit_batch *b);

#endif
