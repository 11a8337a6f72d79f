// SPDX-License-Identifier: Apache-2.0
/* Container attribution from cgroup paths: see rec-cgroup.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "rec-cgroup.h"

#define ID_LEN 64

static bool is_hex_id(const char *p, size_t len)
{
	if (len != ID_LEN)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return false;
	return true;
}

static bool has_prefix(const char *p, size_t len, const char *pre)
{
	size_t n = strlen(pre);

	return len >= n && memcmp(p, pre, n) == 0;
}

static bool has_suffix(const char *p, size_t len, const char *suf)
{
	size_t n = strlen(suf);

	return len >= n && memcmp(p + len - n, suf, n) == 0;
}

static void set_str(char *dst, size_t size, const char *p, size_t len)
{
	if (len >= size)
		len = size - 1;
	memcpy(dst, p, len);
	dst[len] = '\0';
}

/* "<prefix><id>.scope" → runtime; NULL when the component is not one. */
static const char *scope_runtime(const char *c, size_t len, const char **id)
{
	static const struct { const char *prefix, *runtime; } scopes[] = {
		{ "docker-", "docker" },
		{ "cri-containerd-", "containerd" },
		{ "crio-", "crio" },
		{ "libpod-", "podman" },
	};

	if (!has_suffix(c, len, ".scope"))
		return NULL;
	len -= strlen(".scope");
	for (size_t i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++) {
		size_t n = strlen(scopes[i].prefix);

		if (has_prefix(c, len, scopes[i].prefix) && is_hex_id(c + n, len - n)) {
			*id = c + n;
			return scopes[i].runtime;
		}
	}
	return NULL;
}

/* Pod uid from "pod<uid>" (cgroupfs) or "kubepods-<qos>-pod<uid>.slice"
 * (systemd; dashes of the uid written as underscores). */
static bool pod_uid(const char *c, size_t len, char *out, size_t size)
{
	const char *p;
	size_t n;

	if (has_prefix(c, len, "pod")) {
		p = c + 3;
		n = len - 3;
	} else if (has_prefix(c, len, "kubepods") && has_suffix(c, len, ".slice")) {
		const char *end = c + len - strlen(".slice");

		p = NULL;
		for (const char *q = c; q + 4 <= end; q++)
			if (memcmp(q, "-pod", 4) == 0)
				p = q + 4;
		if (!p)
			return false;
		n = (size_t)(end - p);
	} else {
		return false;
	}
	if (n < 8 || n >= size)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = p[i];

		if (ch == '_')
			ch = '-';
		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || ch == '-'))
			return false;
		out[i] = ch;
	}
	out[n] = '\0';
	return true;
}

int rec_cgroup_parse_path(const char *p, size_t len, struct rec_cgroup_id *out)
{
	struct rec_cgroup_id cur = REC_CGROUP_ID_INIT;
	bool in_kube = false, found = false;
	const char *prev = NULL;
	size_t prev_len = 0;
	size_t i = 0;

	while (i < len) {
		const char *c, *id = NULL, *rt;
		size_t n;

		while (i < len && p[i] == '/')
			i++;
		c = p + i;
		while (i < len && p[i] != '/')
			i++;
		n = (size_t)(p + i - c);
		if (n == 0)
			break;

		if (has_prefix(c, n, "kubepods"))
			in_kube = true;
		if (in_kube)
			pod_uid(c, n, cur.pod_uid, sizeof(cur.pod_uid));

		rt = scope_runtime(c, n, &id);
		if (!rt && is_hex_id(c, n) && prev) {
			/* A bare id under a runtime's folder (cgroupfs driver). */
			if (prev_len == 6 && memcmp(prev, "docker", 6) == 0)
				rt = "docker";
			else if (in_kube)
				rt = "kubepods";
			else
				rt = "container";	/* --cgroup-parent, runc */
			if (rt)
				id = c;
		}
		if (rt) {
			set_str(cur.id, sizeof(cur.id), id, ID_LEN);
			set_str(cur.runtime, sizeof(cur.runtime), rt, strlen(rt));
			*out = cur;
			found = true;
		}
		prev = c;
		prev_len = n;
	}
	if (!found) {
		*out = (struct rec_cgroup_id)REC_CGROUP_ID_INIT;
		return 0;
	}
	return 1;
}

int rec_cgroup_parse_file(const char *buf, size_t len, struct rec_cgroup_id *out)
{
	bool any = false;
	size_t i = 0;

	while (i < len) {
		const char *line = buf + i, *nl = memchr(line, '\n', len - i);
		size_t n = nl ? (size_t)(nl - line) : len - i;
		const char *c1, *c2;

		i += n + 1;
		c1 = memchr(line, ':', n);
		if (!c1)
			continue;
		c2 = memchr(c1 + 1, ':', n - (size_t)(c1 + 1 - line));
		if (!c2)
			continue;
		any = true;
		if (rec_cgroup_parse_path(c2 + 1, n - (size_t)(c2 + 1 - line), out) == 1)
			return 1;
	}
	*out = (struct rec_cgroup_id)REC_CGROUP_ID_INIT;
	return any ? 0 : -EINVAL;
}
