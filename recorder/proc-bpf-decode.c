// SPDX-License-Identifier: Apache-2.0
/*
 * Decoder of the BPF process records (layout: recorder/bpf/proc-bpf-rec.h;
 * API: proc-bpf.h). Pure: no I/O, no libbpf, so the unit test and the
 * fuzzer link it alone.
 *
 * Paths come as components, leaf first; they are joined root first here.
 * Cgroup paths come per hierarchy; they are tried in the order of
 * /proc/<pid>/cgroup (hierarchy ids from the highest down, 0 = cgroup v2
 * last), and the first that names a container attributes the exec, as
 * rec_cgroup_parse_file() does with the file.
 */
#include <errno.h>
#include <linux/types.h>
#include <string.h>

#include "bpf/proc-bpf-rec.h"
#include "proc-bpf.h"

#define MAX_COMPS 64

struct comp {
	const char *p;
	size_t len;
};

struct hier {
	uint32_t id;
	unsigned first, n;	/* in the cgroup component list */
};

struct paths {
	struct comp exe[MAX_COMPS], cwd[MAX_COMPS], cg[MAX_COMPS * 2];
	unsigned nexe, ncwd, ncg;
	struct hier hier[PROC_BPF_HIER_MAX];
	unsigned nhier;
	bool overflow;
};

/* Join components (leaf first) root first into dst: "/" when there are
 * none; false when it does not fit. */
static bool join(char *dst, size_t size, const struct comp *c, unsigned n)
{
	size_t len = 0;

	if (n == 0) {
		if (size < 2)
			return false;
		memcpy(dst, "/", 2);
		return true;
	}
	for (unsigned i = n; i-- > 0;) {
		if (len + 1 + c[i].len + 1 > size)
			return false;
		dst[len++] = '/';
		memcpy(dst + len, c[i].p, c[i].len);
		len += c[i].len;
	}
	dst[len] = '\0';
	return true;
}

static void split_argv(struct proc_bpf_rec *r, size_t len)
{
	size_t i = 0;

	/* As rec_procfs_split_argv(): a trailing NUL ends the last argument;
	 * without one (truncated) the last argument runs to the end. */
	r->args[len] = '\0';
	r->argc = 0;
	while (i < len && r->argc < REC_ARGV_MAX) {
		size_t n = strnlen(r->args + i, len - i);

		r->argv[r->argc].p = r->args + i;
		r->argv[r->argc].len = (uint32_t)n;
		r->argc++;
		i += n + 1;
	}
	if (i < len)
		r->argv_truncated = true;
}

static int items(const unsigned char *p, size_t len, struct paths *ps)
{
	size_t i = 0;
	bool in_cg = false;

	while (i < len) {
		unsigned kind;
		size_t n;
		struct comp c;

		if (len - i < 3)
			return -EINVAL;
		kind = p[i];
		n = (size_t)p[i + 1] | (size_t)p[i + 2] << 8;
		i += 3;
		if (n > len - i)
			return -EINVAL;
		c.p = (const char *)p + i;
		c.len = strnlen(c.p, n);	/* the kernel's NUL, if any */
		i += n;
		switch (kind) {
		case PBPF_I_EXE:
			if (ps->nexe < MAX_COMPS)
				ps->exe[ps->nexe++] = c;
			else
				ps->overflow = true;
			break;
		case PBPF_I_CWD:
			if (ps->ncwd < MAX_COMPS)
				ps->cwd[ps->ncwd++] = c;
			else
				ps->overflow = true;
			break;
		case PBPF_I_CG:
			if (n != 4)
				return -EINVAL;
			in_cg = ps->nhier < PROC_BPF_HIER_MAX;
			if (!in_cg) {
				ps->overflow = true;
				break;
			}
			memcpy(&ps->hier[ps->nhier].id, c.p, 4);
			ps->hier[ps->nhier].first = ps->ncg;
			ps->hier[ps->nhier].n = 0;
			ps->nhier++;
			break;
		case PBPF_I_CG_NAME:
			if (!in_cg)
				break;
			if (ps->ncg < MAX_COMPS * 2) {
				ps->cg[ps->ncg++] = c;
				ps->hier[ps->nhier - 1].n++;
			} else {
				ps->overflow = true;
			}
			break;
		default:
			break;	/* a newer writer's item: skipped by length */
		}
	}
	return 0;
}

static void attribute(struct proc_bpf_rec *r, struct paths *ps)
{
	bool used[PROC_BPF_HIER_MAX] = { false };
	char path[REC_PATH_MAX];

	r->cg = (struct rec_cgroup_id)REC_CGROUP_ID_INIT;
	r->cgroup[0] = '\0';
	for (unsigned k = 0; k < ps->nhier; k++) {
		unsigned best = ps->nhier;

		for (unsigned i = 0; i < ps->nhier; i++)
			if (!used[i] && (best == ps->nhier || ps->hier[i].id > ps->hier[best].id))
				best = i;
		used[best] = true;
		if (!join(path, sizeof(path), ps->cg + ps->hier[best].first, ps->hier[best].n))
			continue;
		if (rec_cgroup_parse_path(path, strlen(path), &r->cg) == 1) {
			memcpy(r->cgroup, path, strlen(path) + 1);
			return;
		}
	}
}

int proc_bpf_decode(const void *data, size_t size, struct proc_bpf_rec *r)
{
	static struct paths ps;	/* large; the recorder is single threaded */
	struct pbpf_hdr h;
	const unsigned char *body;
	size_t blen;

	if (size < sizeof(h))
		return -EINVAL;
	memcpy(&h, data, sizeof(h));
	if (h.hdr_size < sizeof(h) || h.hdr_size > size || h.size != size)
		return -EINVAL;
	memset(r, 0, offsetof(struct proc_bpf_rec, args));	/* not the buffers */
	r->args[0] = '\0';
	r->argc = 0;
	r->exe[0] = r->cwd[0] = r->cgroup[0] = '\0';
	r->cg = (struct rec_cgroup_id)REC_CGROUP_ID_INIT;
	r->type = h.type;
	r->flags = h.flags;
	r->time_ns = h.time_ns;
	r->pid = h.pid;
	r->tgid = h.tgid;
	r->ppid = h.ppid;
	switch (h.type) {
	case PBPF_FORK:
		r->child_pid = h.aux;
		r->child_tgid = h.aux2;
		return 0;
	case PBPF_EXIT:
		r->exit_status = (uint32_t)h.aux;
		return 0;
	case PBPF_EXEC:
		break;
	default:
		return -EINVAL;
	}
	r->uid = h.uid;
	r->gid = h.gid;
	r->euid = h.euid;
	r->egid = h.egid;
	r->loginuid = h.loginuid;
	r->sessionid = h.sessionid;
	memcpy(r->comm, h.comm, sizeof(r->comm) - 1);
	r->comm[sizeof(r->comm) - 1] = '\0';

	body = (const unsigned char *)data + h.hdr_size;
	blen = size - h.hdr_size;
	if (h.argv_len > blen || h.argv_len > sizeof(r->args) - 1)
		return -EINVAL;
	if (!(h.flags & PBPF_F_NO_ARGV) && h.argv_len > 0) {
		memcpy(r->args, body, h.argv_len);
		split_argv(r, h.argv_len);
		r->has_argv = r->argc > 0;
		r->argv_truncated |= (h.flags & PBPF_F_ARGV_TRUNC) != 0;
	}
	memset(&ps, 0, sizeof(ps));
	if (items(body + h.argv_len, blen - h.argv_len, &ps) < 0)
		return -EINVAL;
	if (!(h.flags & PBPF_F_NO_EXE) && ps.nexe < MAX_COMPS)
		r->has_exe = join(r->exe, sizeof(r->exe), ps.exe, ps.nexe) && ps.nexe > 0;
	if (!(h.flags & PBPF_F_NO_CWD) && ps.ncwd < MAX_COMPS)
		r->has_cwd = join(r->cwd, sizeof(r->cwd), ps.cwd, ps.ncwd);
	if (!(h.flags & PBPF_F_NO_CG)) {
		attribute(r, &ps);
		r->has_cg = true;
	}
	if (!r->has_exe)
		r->exe[0] = '\0';
	if (!r->has_cwd)
		r->cwd[0] = '\0';
	return 0;
}
