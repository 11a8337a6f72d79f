/* SPDX-License-Identifier: Apache-2.0 */
/*
 * k8s-audit: Kubernetes audit events, as defined by
 * k8s.io/apiserver/pkg/apis/audit/v1/types.go (Event, EventList, ObjectReference,
 * UserInfo) and as sent by the webhook backend (an EventList per batch).
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
 * All of it is attacker controlled (any user of the cluster chooses names,
 * commands and pod specs): copies are bounded, lists capped.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "docker-events.h"	/* docker_time_parse */
#include "k8s-audit.h"

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

/* Copy into the event's buffer, truncated to what is left; NULL when full. */
static const char *store(struct k8s_ev *k, const char *s, size_t n, size_t *len)
{
	size_t room = sizeof(k->buf) - k->used;
	char *p = k->buf + k->used;

	if (room < 2)
		return NULL;
	if (n > room - 1)
		n = room - 1;
	memcpy(p, s, n);
	p[n] = '\0';
	k->used += n + 1;
	*len = n;
	return p;
}

static void set_str(struct k8s_ev *k, unsigned f, const char *s)
{
	size_t len;
	const char *p;

	if (!s)
		return;
	p = store(k, s, strlen(s), &len);
	if (p)
		fdr_event_set_str(&k->ev, f, p, len);
}

static void copy_cstr(char *dst, size_t size, const char *src)
{
	size_t n = src ? strlen(src) : 0;

	if (n >= size)
		n = size - 1;
	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
}

/* A JSON array of strings into v[0..max); returns the count. */
static size_t str_list(struct k8s_ev *k, json_t *arr, struct fdr_str *v, size_t max)
{
	size_t i, n = 0;
	json_t *e;

	if (!json_is_array(arr))
		return 0;
	json_array_foreach(arr, i, e) {
		size_t len;
		const char *p;

		if (n >= max)
			break;
		if (!json_is_string(e))
			continue;
		p = store(k, json_string_value(e), json_string_length(e), &len);
		if (!p)
			break;
		v[n].p = p;
		v[n++].len = (uint32_t)len;
	}
	return n;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The command= parameters of the query of uri, URL-decoded, in order. */
static size_t exec_command(struct k8s_ev *k, const char *uri)
{
	const char *q = strchr(uri, '?');
	size_t n = 0;

	if (!q)
		return 0;
	q++;
	while (*q && n < K8S_MAX_CMD) {
		const char *amp = strchr(q, '&');
		size_t plen = amp ? (size_t)(amp - q) : strlen(q);

		if (plen > 8 && memcmp(q, "command=", 8) == 0) {
			size_t room = sizeof(k->buf) - k->used;
			char *dst = k->buf + k->used;
			size_t o = 0;

			if (room < 2)
				break;
			for (size_t i = 8; i < plen && o < room - 1; i++) {
				char c = q[i];
				int h1, h2;

				if (c == '+') {
					c = ' ';
				} else if (c == '%' && i + 2 < plen && (h1 = hexval(q[i + 1])) >= 0 &&
					   (h2 = hexval(q[i + 2])) >= 0) {
					c = (char)(h1 * 16 + h2);
					i += 2;
				}
				dst[o++] = c;
			}
			dst[o] = '\0';
			k->used += o + 1;
			k->cmd[n].p = dst;
			k->cmd[n++].len = (uint32_t)o;
		}
		if (!amp)
			break;
		q = amp + 1;
	}
	return n;
}

/* ---- pod spec flags --------------------------------------------------- */

struct flags {
	struct k8s_ev *k;
	size_t n;
};

static void flag(struct flags *f, const char *a, const char *b)
{
	char tmp[512];
	size_t la = strlen(a), lb = b ? strlen(b) : 0, len;
	const char *p;

	if (f->n >= K8S_MAX_FLAGS)
		return;
	if (la + lb >= sizeof(tmp))
		lb = sizeof(tmp) - 1 - la;
	memcpy(tmp, a, la);
	if (b)
		memcpy(tmp + la, b, lb);
	tmp[la + lb] = '\0';
	for (size_t i = 0; i < f->n; i++)
		if (f->k->flags[i].len == la + lb && memcmp(f->k->flags[i].p, tmp, la + lb) == 0)
			return;
	p = store(f->k, tmp, la + lb, &len);
	if (!p)
		return;
	f->k->flags[f->n].p = p;
	f->k->flags[f->n++].len = (uint32_t)len;
}

static void container_flags(struct flags *f, json_t *list)
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
			flag(f, "privileged", NULL);
		if (json_is_true(json_object_get(sc, "allowPrivilegeEscalation")))
			flag(f, "allowPrivilegeEscalation", NULL);
		json_array_foreach(jpath(sc, "capabilities", "add"), j, cap) {
			if (json_is_string(cap))
				flag(f, "cap:", json_string_value(cap));
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
	struct flags f = { k, 0 };
	json_t *spec = pod_spec(obj), *vol;
	size_t i;

	if (!spec)
		return 0;
	if (json_is_true(json_object_get(spec, "hostNetwork")))
		flag(&f, "hostNetwork", NULL);
	if (json_is_true(json_object_get(spec, "hostPID")))
		flag(&f, "hostPID", NULL);
	if (json_is_true(json_object_get(spec, "hostIPC")))
		flag(&f, "hostIPC", NULL);
	container_flags(&f, json_object_get(spec, "initContainers"));
	container_flags(&f, json_object_get(spec, "containers"));
	container_flags(&f, json_object_get(spec, "ephemeralContainers"));
	json_array_foreach(json_object_get(spec, "volumes"), i, vol) {
		const char *path = jstr(json_object_get(vol, "hostPath"), "path");

		if (path) {
			flag(&f, "hostPath", NULL);
			flag(&f, "hostPath=", path);
		}
	}
	return f.n;
}

/* ---- one event -------------------------------------------------------- */

static bool mutating(const char *verb)
{
	return verb && (strcmp(verb, "create") == 0 || strcmp(verb, "update") == 0 ||
			strcmp(verb, "patch") == 0);
}

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

	if (!mutating(verb) || (json_is_object(req) && pod_spec(req)))
		return false;
	return !json_is_object(req) || strcmp(verb, "patch") == 0;
}

/* Whether k8s_audit_decode() reads anything from the responseObject of e:
 * the one place that decides, for the decoder and for k8s_audit_load_slim(). */
static bool response_needed(json_t *e)
{
	return !name_without_response(e) || flags_from_response(e);
}

int k8s_audit_decode(json_t *e, struct k8s_ev *k)
{
	json_t *user, *iuser, *ref, *v;
	const char *verb, *id, *uri, *resource, *name, *ts;
	uint64_t t = 0;
	size_t n;

	if (!json_is_object(e))
		return -EPROTO;
	verb = jstr(e, "verb");
	id = jstr(e, "auditID");
	if (!verb && !id)
		return -EPROTO;
	fdr_event_init(&k->ev, FDR_K8S_AUDIT, 0);
	k->used = 0;
	k->pod[0] = k->namespace_[0] = '\0';

	ts = jstr(e, "stageTimestamp");
	if (!ts || docker_time_parse(ts, &t) != 0) {
		ts = jstr(e, "requestReceivedTimestamp");
		if (!ts || docker_time_parse(ts, &t) != 0) {
			ts = jstr(e, "timestamp");
			if (!ts || docker_time_parse(ts, &t) != 0)
				t = 0;
		}
	}
	k->ev.time_ns = t;

	set_str(k, FDR_F_VERB, verb);
	set_str(k, FDR_F_AUDIT_ID, id);
	set_str(k, FDR_F_STAGE, jstr(e, "stage"));
	uri = jstr(e, "requestURI");
	set_str(k, FDR_F_URI, uri);
	set_str(k, FDR_F_USER_AGENT, jstr(e, "userAgent"));
	user = json_object_get(e, "user");
	if (json_is_object(user)) {
		set_str(k, FDR_F_USER, jstr(user, "username"));
		n = str_list(k, json_object_get(user, "groups"), k->groups, K8S_MAX_GROUPS);
		if (n)
			fdr_event_set_strv(&k->ev, FDR_F_GROUPS, k->groups, n);
	}
	iuser = json_object_get(e, "impersonatedUser");
	if (json_is_object(iuser))
		set_str(k, FDR_F_IMPERSONATED, jstr(iuser, "username"));
	n = str_list(k, json_object_get(e, "sourceIPs"), k->ips, K8S_MAX_IPS);
	if (n)
		fdr_event_set_strv(&k->ev, FDR_F_SOURCE_IPS, k->ips, n);
	v = jpath(e, "responseStatus", "code");
	if (json_is_integer(v))
		fdr_event_set_i(&k->ev, FDR_F_CODE, json_integer_value(v));

	ref = json_object_get(e, "objectRef");
	resource = json_is_object(ref) ? jstr(ref, "resource") : NULL;
	name = name_without_response(e);
	if (!name)	/* create with generateName: only the answer knows it */
		name = jstr(jpath(e, "responseObject", "metadata"), "name");
	set_str(k, FDR_F_RESOURCE, resource);
	if (json_is_object(ref)) {
		set_str(k, FDR_F_SUBRESOURCE, jstr(ref, "subresource"));
		set_str(k, FDR_F_NAMESPACE, jstr(ref, "namespace"));
	}
	set_str(k, FDR_F_NAME, name);
	if (resource && strcmp(resource, "pods") == 0 && name) {
		copy_cstr(k->pod, sizeof(k->pod), name);
		copy_cstr(k->namespace_, sizeof(k->namespace_), jstr(ref, "namespace"));
	}
	if (uri && resource && strcmp(resource, "pods") == 0) {
		n = exec_command(k, uri);
		if (n)
			fdr_event_set_strv(&k->ev, FDR_F_EXEC_COMMAND, k->cmd, n);
	}
	/* What was asked for; what a write made when the request does not say
	 * it whole (not what a read returned). */
	v = flags_from_response(e) ? json_object_get(e, "responseObject")
				   : json_object_get(e, "requestObject");
	if (json_is_object(v)) {
		n = pod_flags(k, v);
		if (n)
			fdr_event_set_strv(&k->ev, FDR_F_POD_FLAGS, k->flags, n);
	}
	return 0;
}

/* ---- bodies ----------------------------------------------------------- */

static bool audit_api(json_t *o)
{
	const char *api = jstr(o, "apiVersion");
	json_t *av = json_object_get(o, "apiVersion");

	if (!av)
		return true;	/* audit log lines often drop it */
	return api && strncmp(api, "audit.k8s.io/", 13) == 0;
}

int k8s_audit_load(const char *body, size_t len, json_t **root, size_t *nitems)
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

size_t k8s_audit_each(json_t *root, struct k8s_ev *scratch,
		      k8s_audit_cb *cb, void *ctx, size_t *bad)
{
	json_t *items = json_object_get(root, "items"), *e;
	size_t i, n = 0, nbad = 0;

	if (json_is_array(items)) {
		json_array_foreach(items, i, e) {
			if (json_is_object(e) && audit_api(e) && k8s_audit_decode(e, scratch) == 0) {
				cb(ctx, scratch);
				n++;
			} else {
				nbad++;
			}
		}
	} else if (!json_object_get(root, "items") && k8s_audit_decode(root, scratch) == 0) {
		cb(ctx, scratch);
		n++;
	}
	if (bad)
		*bad = nbad;
	return n;
}

int k8s_audit_parse(const char *body, size_t len, struct k8s_ev *scratch,
		    k8s_audit_cb *cb, void *ctx)
{
	json_t *root;
	size_t nitems, n;
	int rc = k8s_audit_load(body, len, &root, &nitems);

	if (rc)
		return rc;
	n = k8s_audit_each(root, scratch, cb, ctx, NULL);
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

/* End (exclusive) of the object/array value starting at in[i], or 0. */
static size_t value_end(const char *in, size_t len, size_t i)
{
	unsigned depth = 0;
	bool str = false, esc = false;

	for (; i < len; i++) {
		char c = in[i];

		if (str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				str = false;
			continue;
		}
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

		if (str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				str = false;
			continue;
		}
		if (c != '"') {
			continue;
		}
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

int k8s_audit_load_slim(const char *body, size_t len, json_t **root, size_t *nitems)
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
	rc = slen ? k8s_audit_load(s, slen, root, nitems) : -EAGAIN;
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
	return rc == 0 ? 0 : k8s_audit_load(body, len, root, nitems);
}
