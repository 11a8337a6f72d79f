/* SPDX-License-Identifier: Apache-2.0 */
/*
 * k8s-ev: from the members of one audit Event to a struct k8s_ev, the part
 * both decoders share (see k8s-ev.h). All of it is attacker controlled:
 * copies are bounded by the event's buffer, lists capped.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docker-events.h"	/* docker_time_parse, docker_store */
#include "k8s-ev.h"

const char *const k8s_ev_member_key[K8S_M_MAX] = {
	[K8S_M_VERB] = "verb",
	[K8S_M_AUDIT_ID] = "auditID",
	[K8S_M_STAGE] = "stage",
	[K8S_M_URI] = "requestURI",
	[K8S_M_USER_AGENT] = "userAgent",
	[K8S_M_TS_STAGE] = "stageTimestamp",
	[K8S_M_TS_RECV] = "requestReceivedTimestamp",
	[K8S_M_TS] = "timestamp",
	[K8S_M_RESOURCE] = "resource",
	[K8S_M_SUBRESOURCE] = "subresource",
	[K8S_M_NAMESPACE] = "namespace",
	[K8S_M_NAME] = "name",
};

const char *k8s_ev_store(struct k8s_ev *k, const char *s, size_t n, size_t *len)
{
	if (sizeof(k->buf) - k->used < 2)
		return NULL;	/* room for an empty string only: none */
	return docker_store(k->buf, sizeof(k->buf), &k->used, s, n, len);
}

bool k8s_ev_list_add(struct k8s_ev *k, struct fdr_str *v, size_t *n, size_t max,
		     const char *s, size_t len)
{
	size_t l;
	const char *p;

	if (*n >= max)
		return false;
	p = k8s_ev_store(k, s, len, &l);
	if (!p)
		return false;
	v[*n].p = p;
	v[(*n)++].len = (uint32_t)l;
	return true;
}

static void set_str(struct k8s_ev *k, unsigned f, const char *s)
{
	size_t len;
	const char *p;

	if (!s)
		return;
	p = k8s_ev_store(k, s, strlen(s), &len);
	if (p)
		fdr_event_set_str(&k->ev, f, p, len);
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

				if (c == '+') {
					c = ' ';
				} else if (c == '%' && i + 2 < plen && isxdigit((unsigned char)q[i + 1]) &&
					   isxdigit((unsigned char)q[i + 2])) {
					char hex[3] = { q[i + 1], q[i + 2], '\0' };

					c = (char)strtol(hex, NULL, 16);
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

void k8s_ev_flag(struct k8s_ev_flags *f, const char *a, const char *b)
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
	p = k8s_ev_store(f->k, tmp, la + lb, &len);
	if (!p)
		return;
	f->k->flags[f->n].p = p;
	f->k->flags[f->n++].len = (uint32_t)len;
}

bool k8s_ev_mutating(const char *verb)
{
	return verb && (strcmp(verb, "create") == 0 || strcmp(verb, "update") == 0 ||
			strcmp(verb, "patch") == 0);
}

bool k8s_ev_audit_api(bool present, const char *api)
{
	return !present || (api && strncmp(api, "audit.k8s.io/", 13) == 0);
}

/* Time: stageTimestamp, else requestReceivedTimestamp, else timestamp. */
static uint64_t ev_time(const struct k8s_ev_src *src)
{
	static const unsigned order[] = { K8S_M_TS_STAGE, K8S_M_TS_RECV, K8S_M_TS };
	uint64_t t;

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		const char *ts = src->m[order[i]];

		if (ts && docker_time_parse(ts, &t) == 0)
			return t;
	}
	return 0;
}

static void set_list(struct k8s_ev *k, const struct k8s_ev_src *src, unsigned field,
		     struct fdr_str *v, size_t max)
{
	size_t n = src->list(src->ctx, field, k, v, max);

	if (n)
		fdr_event_set_strv(&k->ev, field, v, n);
}

int k8s_ev_fill(struct k8s_ev *k, const struct k8s_ev_src *src)
{
	const char *const *m = src->m;
	const char *resource, *name;

	if (!m[K8S_M_VERB] && !m[K8S_M_AUDIT_ID])
		return -EPROTO;
	fdr_event_init(&k->ev, FDR_K8S_AUDIT, 0);
	k->used = 0;
	k->pod[0] = k->namespace_[0] = '\0';
	k->ev.time_ns = ev_time(src);

	/* the order of the copies decides what a full buffer truncates */
	set_str(k, FDR_F_VERB, m[K8S_M_VERB]);
	set_str(k, FDR_F_AUDIT_ID, m[K8S_M_AUDIT_ID]);
	set_str(k, FDR_F_STAGE, m[K8S_M_STAGE]);
	set_str(k, FDR_F_URI, m[K8S_M_URI]);
	set_str(k, FDR_F_USER_AGENT, m[K8S_M_USER_AGENT]);
	if (src->user) {
		set_str(k, FDR_F_USER, src->username);
		set_list(k, src, FDR_F_GROUPS, k->groups, K8S_MAX_GROUPS);
	}
	if (src->iuser)
		set_str(k, FDR_F_IMPERSONATED, src->iusername);
	set_list(k, src, FDR_F_SOURCE_IPS, k->ips, K8S_MAX_IPS);
	if (src->has_code)
		fdr_event_set_i(&k->ev, FDR_F_CODE, src->code);

	resource = src->ref ? m[K8S_M_RESOURCE] : NULL;
	name = src->ref ? m[K8S_M_NAME] : NULL;
	if (!name)
		name = src->req_name;
	if (!name)	/* create with generateName: only the answer knows it */
		name = src->resp_name;
	set_str(k, FDR_F_RESOURCE, resource);
	if (src->ref) {
		set_str(k, FDR_F_SUBRESOURCE, m[K8S_M_SUBRESOURCE]);
		set_str(k, FDR_F_NAMESPACE, m[K8S_M_NAMESPACE]);
	}
	set_str(k, FDR_F_NAME, name);
	if (resource && strcmp(resource, "pods") == 0) {
		size_t n;

		if (name) {
			snprintf(k->pod, sizeof(k->pod), "%s", name);
			snprintf(k->namespace_, sizeof(k->namespace_), "%s",
				 m[K8S_M_NAMESPACE] ? m[K8S_M_NAMESPACE] : "");
		}
		if (m[K8S_M_URI] && (n = exec_command(k, m[K8S_M_URI])) != 0)
			fdr_event_set_strv(&k->ev, FDR_F_EXEC_COMMAND, k->cmd, n);
	}
	/* what was asked for; what a write made when the request does not say
	 * it whole (not what a read returned): the decoder decides */
	set_list(k, src, FDR_F_POD_FLAGS, k->flags, K8S_MAX_FLAGS);
	return 0;
}
