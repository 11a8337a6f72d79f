/* SPDX-License-Identifier: Apache-2.0 */
#ifndef K8S_REF_H
#define K8S_REF_H

/*
 * k8s-ref: the REFERENCE Kubernetes audit decoder, for tests only (the
 * differential unit test tests/k8s/test-k8s.c and the fuzzer
 * tests/fuzz/fuzz-k8s-audit.c); fdr-record never links it. It parses the
 * body into a jansson tree and reads the tree, the plain way, so that the
 * streaming decoder the webhook runs (recorder/k8s-audit.h) can be checked
 * against it: same verdicts, item counts and events (but for the two
 * differences that header names). Both build events through
 * recorder/k8s-ev.h, so what is kept and how it is truncated is written once.
 *
 * Errors as the streaming decoder's: -EBADMSG (not JSON), -EPROTO (JSON,
 * but neither an audit Event nor an EventList).
 */

#include <stddef.h>

#include "recorder/k8s-audit.h"

struct json_t;

/* Decode one audit Event object into *out (overwritten). -EPROTO when it is
 * not an object or carries neither verb nor auditID. */
int k8s_ref_decode(struct json_t *event, struct k8s_ev *out);

/*
 * Parse a request body body[0..len) into a JSON tree and check that it is an
 * Event or an EventList (apiVersion, when present, must start with "audit.k8s.io/").
 * On success *root is the caller's (json_decref() it) and *nitems is the
 * number of events it holds.
 */
int k8s_ref_load(const char *body, size_t len, struct json_t **root, size_t *nitems);

/*
 * The same as k8s_ref_load(), faster on bulky events: responseObject
 * values the decoder will not read (most of them) are cut out before
 * parsing and never parsed; those it reads are parsed from the original
 * bytes. Decoding the result gives the same events as k8s_ref_load()'s.
 */
int k8s_ref_load_slim(const char *body, size_t len, struct json_t **root, size_t *nitems);

/* Decode every event of a tree that k8s_ref_load() accepted, using
 * *scratch as the working event. Returns the number of events passed to cb;
 * *bad (may be NULL) counts items that were not audit events. */
size_t k8s_ref_each(struct json_t *root, struct k8s_ev *scratch,
		    k8s_audit_cb *cb, void *ctx, size_t *bad);

/* k8s_ref_load() + k8s_ref_each(): count of events or a negative error. */
int k8s_ref_parse(const char *body, size_t len, struct k8s_ev *scratch,
		  k8s_audit_cb *cb, void *ctx);

#endif
