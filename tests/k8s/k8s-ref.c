/* SPDX-License-Identifier: Apache-2.0 */
/*
 * k8s-ref: the reference Kubernetes audit decoder of the tests (see
 * k8s-ref.h): a jansson tree of the body, read member by member. Audit
 * events are defined by k8s.io/apiserver/pkg/apis/audit/v1/types.go (Event,
 * EventList, ObjectReference, UserInfo); the webhook backend sends an
 * EventList per batch:
 *
 *   {"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[
 *     {"kind":"Event","auditID":..,"stage":"ResponseComplete","verb":"create",
 *      "requestURI":"/api/v1/namespaces/foo/pods/p/exec?command=sh&command=-c..",
 *      "user":{"username":..,"groups":[..]},"impersonatedUser":{..},
 *      "sourceIPs":[..],"userAgent":..,
 *      "objectRef":{"resource":"pods","namespace":..,"name":..,"subresource":"exec"},
 *      "responseStatus":{"code":101},"requestObject":{..},"responseObject":{..},
 *      "requestReceivedTimestamp":..,"stageTimestamp":..}]}
 *
 * Fuzzed input goes through it: copies are bounded, lists capped (by
 * recorder/k8s-ev.c).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "recorder/k8s-ev.h"
#include "k8s-ref.h"

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static json_t *jpath(json_t *o, const char *a, const char *b)
{
	o = json_object_get(o, a);
	return b ? json_object_get(o, b) : o;
}

/* A JSON array of strings into v[0..max); returns the count. */
static size_t str_list(struct k8s_ev *k, json_t *arr, struct fdr_str *v, size_t max)
{
	size_t i, n = 0;
	json_t *e;

	if (!json_is_array(arr))
		return 0;
	json_array_foreach(arr, i, e) {
		if (!json_is_string(e))
			continue;
		if (!k8s_ev_list_add(k, v, &n, max, json_string_value(e), json_string_length(e)))
			break;
	}
	return n;
}

/* ---- pod spec flags --------------------------------------------------- */

static void container_flags(struct k8s_ev_flags *f, json_t *list)
{
	size_t i, j;
	json_t *c, *cap;

	if (!json_is_array(list))
		return;
	json_array_foreach(list, i, c) {
		json_t *sc = json_object_get(c, "securityContext");

		if (!json_is_object(sc))
			continue;
		if (json_is_true(json_object_get(sc, "privileged")))
			k8s_ev_flag(f, "privileged", NULL);
		if (json_is_true(json_object_get(sc, "allowPrivilegeEscalation")))
			k8s_ev_flag(f, "allowPrivilegeEscalation", NULL);
		json_array_foreach(jpath(sc, "capabilities", "add"), j, cap) {
			if (json_is_string(cap))
				k8s_ev_flag(f, "cap:", json_string_value(cap));
		}
	}
}

static json_t *pod_spec(json_t *obj)
{
	json_t *spec = json_object_get(obj, "spec");
	const char *kind = jstr(obj, "kind");
	json_t *t;

	if (!json_is_object(spec))
		return NULL;
	if (kind && strcmp(kind, "Pod") == 0)
		return spec;
	t = jpath(json_object_get(spec, "template"), "spec", NULL);
	if (json_is_object(t))
		return t;
	t = json_object_get(spec, "jobTemplate");
	t = jpath(json_object_get(json_object_get(t, "spec"), "template"), "spec", NULL);
	if (json_is_object(t))
		return t;
	/* a Pod without kind (some audit policies keep only the spec) */
	if (json_is_array(json_object_get(spec, "containers")))
		return spec;
	return NULL;
}

static size_t pod_flags(struct k8s_ev *k, json_t *obj)
{
	struct k8s_ev_flags f = { k, 0 };
	json_t *spec = pod_spec(obj), *vol;
	size_t i;

	if (!spec)
		return 0;
	if (json_is_true(json_object_get(spec, "hostNetwork")))
		k8s_ev_flag(&f, "hostNetwork", NULL);
	if (json_is_true(json_object_get(spec, "hostPID")))
		k8s_ev_flag(&f, "hostPID", NULL);
	if (json_is_true(json_object_get(spec, "hostIPC")))
		k8s_ev_flag(&f, "hostIPC", NULL);
	container_flags(&f, json_object_get(spec, "initContainers"));
	container_flags(&f, json_object_get(spec, "containers"));
	container_flags(&f, json_object_get(spec, "ephemeralContainers"));
	json_array_foreach(json_object_get(spec, "volumes"), i, vol) {
		const char *path = jstr(json_object_get(vol, "hostPath"), "path");

		if (path) {
			k8s_ev_flag(&f, "hostPath", NULL);
			k8s_ev_flag(&f, "hostPath=", path);
		}
	}
	return f.n;
}

/* ---- one event -------------------------------------------------------- */

static const char *name_without_response(json_t *e)
{
	json_t *ref = json_object_get(e, "objectRef");
	const char *name = json_is_object(ref) ? jstr(ref, "name") : NULL;

	return name ? name : jstr(jpath(e, "requestObject", "metadata"), "name");
}

/* Whether the pod flags come from the responseObject: the request has no
 * pod spec, and the answer shows what a write made that the request did not
 * say whole: a patch (the request is only the patch) or a create/update
 * whose request was not logged. A create/update of something that is not a
 * pod (nor has a pod template) has none in its answer either. */
static bool flags_from_response(json_t *e)
{
	json_t *req = json_object_get(e, "requestObject");
	const char *verb = jstr(e, "verb");

	if (!k8s_ev_mutating(verb) || (json_is_object(req) && pod_spec(req)))
		return false;
	return !json_is_object(req) || strcmp(verb, "patch") == 0;
}

/* Whether k8s_ref_decode() reads anything from the responseObject of e:
 * the one place that decides, for the decoder and for k8s_ref_load_slim(). */
static bool response_needed(json_t *e)
{
	return !name_without_response(e) || flags_from_response(e);
}

/* k8s_ev_src.list of a tree: ctx is the Event object. */
static size_t tree_list(const void *ctx, unsigned field, struct k8s_ev *k,
			struct fdr_str *v, size_t max)
{
	json_t *e = (json_t *)ctx, *o;

	switch (field) {
	case FDR_F_GROUPS:
		return str_list(k, jpath(e, "user", "groups"), v, max);
	case FDR_F_SOURCE_IPS:
		return str_list(k, json_object_get(e, "sourceIPs"), v, max);
	case FDR_F_POD_FLAGS:
		o = json_object_get(e, flags_from_response(e) ? "responseObject" : "requestObject");
		return json_is_object(o) ? pod_flags(k, o) : 0;
	default:
		return 0;
	}
}

int k8s_ref_decode(json_t *e, struct k8s_ev *k)
{
	struct k8s_ev_src src = { .list = tree_list, .ctx = e };
	json_t *user, *iuser, *ref, *v;

	if (!json_is_object(e))
		return -EPROTO;
	ref = json_object_get(e, "objectRef");
	for (unsigned i = 0; i < K8S_M_MAX; i++)
		src.m[i] = jstr(i < K8S_M_REF_FIRST ? e : ref, k8s_ev_member_key[i]);
	user = json_object_get(e, "user");
	src.user = json_is_object(user);
	src.username = jstr(user, "username");
	iuser = json_object_get(e, "impersonatedUser");
	src.iuser = json_is_object(iuser);
	src.iusername = jstr(iuser, "username");
	src.ref = json_is_object(ref);
	src.req_name = jstr(jpath(e, "requestObject", "metadata"), "name");
	src.resp_name = jstr(jpath(e, "responseObject", "metadata"), "name");
	v = jpath(e, "responseStatus", "code");
	src.has_code = json_is_integer(v);
	src.code = src.has_code ? json_integer_value(v) : 0;
	return k8s_ev_fill(k, &src);
}

/* ---- bodies ----------------------------------------------------------- */

static bool audit_api(json_t *o)
{
	return k8s_ev_audit_api(json_object_get(o, "apiVersion") != NULL, jstr(o, "apiVersion"));
}

int k8s_ref_load(const char *body, size_t len, json_t **root, size_t *nitems)
{
	json_error_t jerr;
	json_t *r, *kind;
	const char *k;

	r = json_loadb(body, len, 0, &jerr);
	if (!r)
		return -EBADMSG;
	if (!json_is_object(r) || !audit_api(r))
		goto out_proto;
	kind = json_object_get(r, "kind");
	k = json_is_string(kind) ? json_string_value(kind) : NULL;
	if (k && strcmp(k, "EventList") == 0) {
		json_t *items = json_object_get(r, "items");

		if (json_is_null(items) || !items) {
			*nitems = 0;	/* an empty list may omit items */
		} else if (json_is_array(items)) {
			*nitems = json_array_size(items);
		} else {
			goto out_proto;
		}
	} else if ((k && strcmp(k, "Event") == 0) ||
		   (!kind && (jstr(r, "verb") || jstr(r, "auditID")))) {
		*nitems = 1;
	} else {
		goto out_proto;
	}
	*root = r;
	return 0;
out_proto:
	json_decref(r);
	return -EPROTO;
}

size_t k8s_ref_each(json_t *root, struct k8s_ev *scratch,
		      k8s_audit_cb *cb, void *ctx, size_t *bad)
{
	json_t *items = json_object_get(root, "items"), *e;
	size_t i, n = 0, nbad = 0;

	if (json_is_array(items)) {
		json_array_foreach(items, i, e) {
			if (json_is_object(e) && audit_api(e) && k8s_ref_decode(e, scratch) == 0) {
				cb(ctx, scratch);
				n++;
			} else {
				nbad++;
			}
		}
	} else if (!json_object_get(root, "items") && k8s_ref_decode(root, scratch) == 0) {
		cb(ctx, scratch);
		n++;
	}
	if (bad)
		*bad = nbad;
	return n;
}

int k8s_ref_parse(const char *body, size_t len, struct k8s_ev *scratch,
		    k8s_audit_cb *cb, void *ctx)
{
	json_t *root;
	size_t nitems, n;
	int rc = k8s_ref_load(body, len, &root, &nitems);

	if (rc)
		return rc;
	n = k8s_ref_each(root, scratch, cb, ctx, NULL);
	json_decref(root);
	return n > INT32_MAX ? INT32_MAX : (int)n;
}

/* ---- slim loading ------------------------------------------------------- */

/*
 * Most of an audit event's bytes are its responseObject, which the decoder
 * reads only for a few events (response_needed()). The body is scanned once
 * for members named exactly "responseObject" whose value is an object or
 * array; those values are replaced by {"$fdr_cut":N} (never longer than the
 * value) before jansson parses the body, and parsed from their original
 * bytes afterwards for the events that need them. A key spelled with
 * escapes is simply not cut. Cut values are checked only for balanced
 * brackets and strings, unless an event needs them.
 */

#define MAX_CUTS 4096
#define CUT_MIN 64	/* shorter values are not worth it */

struct cut {
	size_t off, len;
};

/* Scanning JSON text: whether c is inside a string (its closing quote
 * included), given the state *str (in a string) and *esc (after a
 * backslash), which it updates. An opening quote is the caller's. */
static bool in_string(char c, bool *str, bool *esc)
{
	if (!*str)
		return false;
	if (*esc)
		*esc = false;
	else if (c == '\\')
		*esc = true;
	else if (c == '"')
		*str = false;
	return true;
}

/* End (exclusive) of the object/array value starting at in[i], or 0. */
static size_t value_end(const char *in, size_t len, size_t i)
{
	unsigned depth = 0;
	bool str = false, esc = false;

	for (; i < len; i++) {
		char c = in[i];

		if (in_string(c, &str, &esc))
			continue;
		if (c == '"')
			str = true;
		else if (c == '{' || c == '[')
			depth++;
		else if ((c == '}' || c == ']') && --depth == 0)
			return i + 1;
	}
	return 0;
}

/* Copy in to out cutting responseObject values; returns out's length, or 0
 * when nothing was cut (use in as it is). */
static size_t slim(const char *in, size_t len, char *out, struct cut *cuts, size_t *ncuts)
{
	static const char key[] = "\"responseObject\"";
	size_t i = 0, o = 0, n = 0, last = 0;
	bool str = false, esc = false;
	char mark[32];

	for (i = 0; i < len; i++) {
		char c = in[i];
		size_t j, end;
		int w;

		if (in_string(c, &str, &esc) || c != '"')
			continue;
		if (i + sizeof(key) - 1 > len || memcmp(in + i, key, sizeof(key) - 1) != 0) {
			str = true;
			continue;
		}
		/* "responseObject" then optional space, ':', optional space, value */
		j = i + sizeof(key) - 1;
		while (j < len && (in[j] == ' ' || in[j] == '\t' || in[j] == '\n' || in[j] == '\r'))
			j++;
		if (j >= len || in[j] != ':') {
			i += sizeof(key) - 2;	/* a string value that says responseObject */
			continue;
		}
		j++;
		while (j < len && (in[j] == ' ' || in[j] == '\t' || in[j] == '\n' || in[j] == '\r'))
			j++;
		if (j >= len || (in[j] != '{' && in[j] != '[')) {
			i = j - 1;
			continue;
		}
		end = value_end(in, len, j);
		if (!end)
			return 0;	/* unbalanced: let jansson say what is wrong */
		if (end - j < CUT_MIN || n >= MAX_CUTS) {
			i = end - 1;
			continue;
		}
		memcpy(out + o, in + last, j - last);
		o += j - last;
		w = snprintf(mark, sizeof(mark), "{\"$fdr_cut\":%zu}", n);
		if (w < 0 || (size_t)w > end - j)
			return 0;
		memcpy(out + o, mark, (size_t)w);	/* shorter than what it replaces */
		o += (size_t)w;
		cuts[n].off = j;
		cuts[n].len = end - j;
		n++;
		last = end;
		i = end - 1;
	}
	if (!n)
		return 0;
	memcpy(out + o, in + last, len - last);
	o += len - last;
	*ncuts = n;
	return o;
}

/* Put back the responseObject of e when the decoder needs it. */
static int restore(json_t *e, const char *in, const struct cut *cuts, size_t ncuts)
{
	json_t *r = json_object_get(e, "responseObject"), *idx, *orig;
	json_error_t jerr;
	json_int_t k;

	if (!json_is_object(r) || json_object_size(r) != 1 ||
	    !json_is_integer(idx = json_object_get(r, "$fdr_cut")))
		return 0;
	k = json_integer_value(idx);
	if (k < 0 || (size_t)k >= ncuts)
		return 0;
	if (!response_needed(e)) {
		json_object_del(e, "responseObject");
		return 0;
	}
	orig = json_loadb(in + cuts[k].off, cuts[k].len, 0, &jerr);
	if (!orig)
		return -EBADMSG;
	return json_object_set_new(e, "responseObject", orig) ? -ENOMEM : 0;
}

int k8s_ref_load_slim(const char *body, size_t len, json_t **root, size_t *nitems)
{
	struct cut *cuts;
	size_t ncuts = 0, slen, i;
	char *s;
	json_t *items, *e;
	int rc;

	cuts = malloc(MAX_CUTS * sizeof(*cuts));
	s = malloc(len ? len : 1);
	if (!cuts || !s) {
		free(cuts);
		free(s);
		return -ENOMEM;
	}
	slen = slim(body, len, s, cuts, &ncuts);
	rc = slen ? k8s_ref_load(s, slen, root, nitems) : -EAGAIN;
	if (rc == 0) {
		items = json_object_get(*root, "items");
		if (json_is_array(items)) {
			json_array_foreach(items, i, e) {
				if (json_is_object(e) && (rc = restore(e, body, cuts, ncuts)) < 0)
					break;
			}
		} else {
			rc = restore(*root, body, cuts, ncuts);
		}
		if (rc < 0)
			json_decref(*root);
	}
	free(s);
	free(cuts);
	/* nothing cut, or the cut body failed: the plain way, for its verdict */
	return rc == 0 ? 0 : k8s_ref_load(body, len, root, nitems);
}
