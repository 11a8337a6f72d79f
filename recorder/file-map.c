/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Path logic of the file source: mountinfo (proc(5)), filesystem kinds,
 * prefix filters, container views.
 *
 * mountinfo line:
 *   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
 *   id par dev root point  mount-opts  opt-fields - fstype source super-opts
 * The kernel escapes space, tab, newline and backslash in paths as \ooo, and
 * in option values also ',' and '=' (seq_show_option), so values are split
 * on raw ',' first and unescaped after.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file-map.h"

/* Undo \ooo escapes in place. */
static void unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

/* Next space-separated token, NUL-terminated in place; NULL at the end. */
static char *token(char **cur)
{
	char *s = *cur, *e;

	while (*s == ' ')
		s++;
	if (*s == '\0' || *s == '\n')
		return NULL;
	e = s + strcspn(s, " \n");
	if (*e)
		*e++ = '\0';
	*cur = e;
	return s;
}

int fmap_mountinfo_parse(char *line, struct fmap_mount *m)
{
	char *cur = line, *t[6], *f;
	int i;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < 6; i++) {
		t[i] = token(&cur);
		if (!t[i])
			return -EINVAL;
	}
	if (sscanf(t[0], "%d", &m->id) != 1 || sscanf(t[1], "%d", &m->parent) != 1 ||
	    sscanf(t[2], "%u:%u", &m->major, &m->minor) != 2)
		return -EINVAL;
	while ((f = token(&cur)) && strcmp(f, "-") != 0)
		;			/* optional fields */
	if (!f)
		return -EINVAL;
	m->fstype = token(&cur);
	m->source = token(&cur);
	m->super_opts = token(&cur);
	if (!m->fstype || !m->source)
		return -EINVAL;
	if (!m->super_opts)
		m->super_opts = "";
	unescape(t[3]);
	unescape(t[4]);
	m->root = t[3];
	m->point = t[4];
	return 0;
}

bool fmap_fs_skipped(const char *fstype)
{
	static const char *const skip[] = {
		"proc", "sysfs", "cgroup", "cgroup2", "devpts", "mqueue", "tracefs",
		"debugfs", "securityfs", "bpf", "pstore", "configfs", "fusectl",
		"hugetlbfs", "binfmt_misc", "autofs", "rpc_pipefs", "nsfs", "efivarfs",
		"selinuxfs", "devtmpfs", "pipefs", "sockfs", "overlay", "fuse.lxcfs",
		"nfsd", "ramfs", "squashfs", "iso9660",
	};
	size_t i;

	if (!fstype || !*fstype)
		return true;
	for (i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (strcmp(fstype, skip[i]) == 0)
			return true;
	return false;
}

int fmap_mount_opt(const char *super_opts, const char *key, char *buf, size_t size)
{
	const char *p = super_opts;
	size_t klen = strlen(key);

	while (p && *p) {
		size_t n = strcspn(p, ",");

		if (n > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
			if (n - klen - 1 >= size)
				return -ENAMETOOLONG;
			memcpy(buf, p + klen + 1, n - klen - 1);
			buf[n - klen - 1] = '\0';
			unescape(buf);
			return 0;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return -ENOENT;
}

int fmap_overlay_upper(const char *super_opts, char *buf, size_t size)
{
	return fmap_mount_opt(super_opts, "upperdir", buf, size);
}

bool fmap_under(const char *path, size_t len, const char *prefix, size_t plen)
{
	while (plen > 1 && prefix[plen - 1] == '/')
		plen--;
	if (plen == 1 && prefix[0] == '/')
		return len > 0 && path[0] == '/';
	if (len < plen || memcmp(path, prefix, plen) != 0)
		return false;
	return len == plen || path[plen] == '/';
}

/* ---- filter ------------------------------------------------------------ */

static int add_prefix(char ***v, size_t *n, const char *prefix)
{
	size_t len;
	char **nv, *copy;

	if (!prefix || prefix[0] != '/')
		return -EINVAL;
	len = strlen(prefix);
	while (len > 1 && prefix[len - 1] == '/')
		len--;
	copy = strndup(prefix, len);
	if (!copy)
		return -ENOMEM;
	nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (!nv) {
		free(copy);
		return -ENOMEM;
	}
	nv[(*n)++] = copy;
	*v = nv;
	return 0;
}

int fmap_filter_include(struct fmap_filter *f, const char *prefix)
{
	return add_prefix(&f->incl, &f->nincl, prefix);
}

int fmap_filter_exclude(struct fmap_filter *f, const char *prefix)
{
	return add_prefix(&f->excl, &f->nexcl, prefix);
}

bool fmap_filter_pass(const struct fmap_filter *f, const char *path, size_t len)
{
	size_t i;
	bool in = f->nincl == 0;

	for (i = 0; i < f->nincl && !in; i++)
		in = fmap_under(path, len, f->incl[i], strlen(f->incl[i]));
	if (!in)
		return false;
	for (i = 0; i < f->nexcl; i++)
		if (fmap_under(path, len, f->excl[i], strlen(f->excl[i])))
			return false;
	return true;
}

void fmap_filter_release(struct fmap_filter *f)
{
	size_t i;

	for (i = 0; i < f->nincl; i++)
		free(f->incl[i]);
	for (i = 0; i < f->nexcl; i++)
		free(f->excl[i]);
	free(f->incl);
	free(f->excl);
	f->incl = f->excl = NULL;
	f->nincl = f->nexcl = 0;
}

/* ---- views ------------------------------------------------------------- */

static int view_add(struct fmap_view *v, bool by_host, unsigned major, unsigned minor,
		    const char *from, const char *to)
{
	struct fmap_vent *nv, *e;
	size_t flen = strlen(from), tlen = strlen(to);

	while (flen > 1 && from[flen - 1] == '/')
		flen--;
	while (tlen > 1 && to[tlen - 1] == '/')
		tlen--;
	nv = realloc(v->v, (v->n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	v->v = nv;
	e = &nv[v->n];
	memset(e, 0, sizeof(*e));
	e->by_host = by_host;
	e->major = major;
	e->minor = minor;
	e->from = strndup(from, flen);
	e->to = strndup(to, tlen);
	if (!e->from || !e->to) {
		free(e->from);
		free(e->to);
		return -ENOMEM;
	}
	e->from_len = flen;
	e->to_len = tlen;
	v->n++;
	return 0;
}

int fmap_view_add_mount(struct fmap_view *v, const struct fmap_mount *m)
{
	char buf[8192], *dir, *next;
	int r;

	if (strcmp(m->fstype, "overlay") == 0) {
		r = fmap_mount_opt(m->super_opts, "upperdir", buf, sizeof(buf));
		if (r == 0)
			r = view_add(v, true, 0, 0, buf, m->point);
		if (r < 0 && r != -ENOENT)
			return r;
		/* files read or executed from the image's layers */
		r = fmap_mount_opt(m->super_opts, "lowerdir", buf, sizeof(buf));
		if (r == -ENOENT)
			return 0;
		for (dir = buf; r == 0 && dir; dir = next) {
			next = strchr(dir, ':');
			if (next)
				*next++ = '\0';
			if (dir[0] == '/')
				r = view_add(v, true, 0, 0, dir, m->point);
		}
		return r;
	}
	if (fmap_fs_skipped(m->fstype))
		return 0;
	return view_add(v, false, m->major, m->minor, m->root, m->point);
}

int fmap_view_add_prefix(struct fmap_view *v, const char *prefix, const char *to)
{
	return view_add(v, true, 0, 0, prefix, to);
}

void fmap_view_release(struct fmap_view *v)
{
	size_t i;

	for (i = 0; i < v->n; i++) {
		free(v->v[i].from);
		free(v->v[i].to);
	}
	free(v->v);
	v->v = NULL;
	v->n = 0;
}

int fmap_view_path(const struct fmap_view *v, unsigned major, unsigned minor,
		   const char *fsrel, size_t flen, const char *host, size_t hlen,
		   char *out, size_t size)
{
	const struct fmap_vent *best = NULL;
	const char *rest = NULL;
	size_t rest_len = 0, i, n;

	for (i = 0; i < v->n; i++) {
		const struct fmap_vent *e = &v->v[i];
		const char *p = e->by_host ? host : fsrel;
		size_t len = e->by_host ? hlen : flen;

		if (!p || (!e->by_host && (e->major != major || e->minor != minor)))
			continue;
		if (!fmap_under(p, len, e->from, e->from_len))
			continue;
		if (best && best->from_len >= e->from_len)
			continue;
		best = e;
		/* what follows the prefix, with its leading '/' */
		rest = p + (e->from_len == 1 ? 0 : e->from_len);
		rest_len = len - (e->from_len == 1 ? 0 : e->from_len);
	}
	if (!best)
		return -ENOENT;
	if (best->to_len == 1 && best->to[0] == '/') {
		if (rest_len == 0) {
			rest = "/";
			rest_len = 1;
		}
		n = rest_len;
		if (n >= size)
			return -ENAMETOOLONG;
		memcpy(out, rest, rest_len);
	} else {
		n = best->to_len + rest_len;
		if (n >= size)
			return -ENAMETOOLONG;
		memcpy(out, best->to, best->to_len);
		memcpy(out + best->to_len, rest, rest_len);
	}
	out[n] = '\0';
	return (int)n;
}
