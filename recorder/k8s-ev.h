/* SPDX-License-Identifier: Apache-2.0 */
#ifndef K8S_EV_H
#define K8S_EV_H

/*
 * k8s-ev: building a struct k8s_ev (recorder/k8s-audit.h) from the members
 * of one audit Event, whatever read them. Both decoders use it: the
 * streaming one of k8s-audit.c (what the webhook runs) and the jansson
 * tree decoder kept as the reference of the tests (tests/k8s/k8s-ref.h);
 * so they name the same members, copy them in the same order and truncate
 * them alike when the event's buffer is full. No I/O, no allocation.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "k8s-audit.h"

/* The string members both decoders read, by index; the Event's own first,
 * then those of its objectRef. */
enum k8s_ev_member {
	K8S_M_VERB, K8S_M_AUDIT_ID, K8S_M_STAGE, K8S_M_URI, K8S_M_USER_AGENT,
	K8S_M_TS_STAGE, K8S_M_TS_RECV, K8S_M_TS,
	K8S_M_REF_FIRST,
	K8S_M_RESOURCE = K8S_M_REF_FIRST, K8S_M_SUBRESOURCE, K8S_M_NAMESPACE, K8S_M_NAME,
	K8S_M_MAX
};

/* JSON member names, by enum k8s_ev_member ("verb", "auditID"...). */
extern const char *const k8s_ev_member_key[K8S_M_MAX];

/*
 * What a decoder read from one Event. Strings are NUL-terminated and the
 * decoder's (NULL: absent, or not a string); they need to live only for
 * k8s_ev_fill().
 */
struct k8s_ev_src {
	const char *m[K8S_M_MAX];	/* objectRef's are read only when ref */
	bool user, iuser, ref;		/* user, impersonatedUser, objectRef are objects */
	const char *username, *iusername;
	const char *req_name, *resp_name; /* metadata.name of request/responseObject */
	bool has_code;			/* responseStatus.code is an integer */
	int64_t code;
	/* Fill v[0..max) of k with the decoder's list for field (FDR_F_GROUPS
	 * when user, FDR_F_SOURCE_IPS, FDR_F_POD_FLAGS), copying with
	 * k8s_ev_list_add() / k8s_ev_flag(); returns the count. */
	size_t (*list)(const void *ctx, unsigned field, struct k8s_ev *k,
		       struct fdr_str *v, size_t max);
	const void *ctx;
};

/* Build *k (overwritten) from *src: -EPROTO when it has neither verb nor
 * auditID, else 0. */
int k8s_ev_fill(struct k8s_ev *k, const struct k8s_ev_src *src);

/* Copy s[0..n) into k's buffer, truncated to what is left; returns the
 * copy (NUL-terminated, its length in *len) or NULL when the buffer is full. */
const char *k8s_ev_store(struct k8s_ev *k, const char *s, size_t n, size_t *len);

/* Append a copy of s[0..n) to the list v[0..*n) (capped at max); false when
 * the list or the buffer is full (stop adding). */
bool k8s_ev_list_add(struct k8s_ev *k, struct fdr_str *v, size_t *n, size_t max,
		     const char *s, size_t len);

/* Pod flags being collected into k->flags. */
struct k8s_ev_flags {
	struct k8s_ev *k;
	size_t n;
};

/* Add the flag a (a short literal: "cap:", "hostPath=") followed by b (b may
 * be NULL, and is cut to fit 511 bytes) unless already there. */
void k8s_ev_flag(struct k8s_ev_flags *f, const char *a, const char *b);

/* Whether verb writes an object (create, update, patch). */
bool k8s_ev_mutating(const char *verb);

/* Whether an apiVersion is an audit one; present is whether the member is
 * there at all (audit log lines often drop it), api its string or NULL. */
bool k8s_ev_audit_api(bool present, const char *api);

#endif
