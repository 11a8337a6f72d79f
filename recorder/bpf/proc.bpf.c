// SPDX-License-Identifier: GPL-2.0
/*
 * fdr-record's process capture at the source (the "bpf" backend of the proc
 * source, see recorder/src-proc.c): exec with argv, exe, cwd, creds and the
 * cgroup path of every hierarchy, read in the exec'ing task's context before
 * it can exit; fork and exit. (uid/gid and comm changes come from the proc
 * connector: fentry on commit_creds is not permitted on every kernel.) One record per event
 * into a BPF ring buffer (layout: proc-bpf-rec.h); a record that does not
 * fit is counted in `drops` (read by the recorder as a rec.gap).
 *
 * CO-RE with hand-written kernel structs (only the fields used, marked
 * preserve_access_index): libbpf relocates the offsets against the running
 * kernel's BTF, so no vmlinux.h is needed to build. Every loop is bounded.
 * Fields of the tracepoints' own (trusted) pointers are read directly (a
 * plain load, faults read as 0); pointers read from memory, and every
 * pointer inside a bpf_loop() step, go through BPF_CORE_READ (a probe read
 * that may fail; then a flag says what is missing).
 *
 * GPL: bpf_probe_read_* and bpf_ktime_get_ns need a GPL-compatible program.
 */
#include <stdbool.h>
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "proc-bpf-rec.h"

#define PAI __attribute__((preserve_access_index))

struct qstr { const unsigned char *name; } PAI;
struct dentry { struct dentry *d_parent; struct qstr d_name; } PAI;
struct vfsmount { struct dentry *mnt_root; } PAI;
struct mount { struct mount *mnt_parent; struct dentry *mnt_mountpoint; struct vfsmount mnt; } PAI;
struct path { struct vfsmount *mnt; struct dentry *dentry; } PAI;
struct file { struct path f_path; } PAI;
struct linux_binprm { struct file *file; } PAI;
struct fs_struct { struct path pwd; } PAI;
struct mm_struct { unsigned long arg_start; unsigned long arg_end; } PAI;
typedef struct { __u32 val; } kuid_t;
typedef struct { __u32 val; } kgid_t;
struct cred { kuid_t uid; kgid_t gid; kuid_t suid; kgid_t sgid; kuid_t euid; kgid_t egid;
	kuid_t fsuid; kgid_t fsgid; } PAI;
struct list_head { struct list_head *next; } PAI;
struct css_set { struct list_head cgrp_links; } PAI;
struct kernfs_node { const char *name; } PAI;
struct kernfs_node___new { struct kernfs_node *__parent; } PAI;	/* 6.15 and later */
struct kernfs_node___old { struct kernfs_node *parent; } PAI;
struct cgroup_root { int hierarchy_id; } PAI;
struct cgroup { struct kernfs_node *kn; struct cgroup_root *root; int level; } PAI;
struct cgrp_cset_link { struct cgroup *cgrp; struct list_head cgrp_link; } PAI;
struct task_struct {
	int pid, tgid;
	struct task_struct *real_parent;
	const struct cred *cred;
	const struct cred *real_cred;
	struct mm_struct *mm;
	struct fs_struct *fs;
	char comm[16];
	int exit_code;
	kuid_t loginuid;
	unsigned int sessionid;
	struct css_set *cgroups;
} PAI;

#define MAX_DEPTH 32		/* path components per path */
#define MAX_HIER 16		/* cgroup hierarchies */
#define MAX_CG_DEPTH 12		/* components per cgroup path (deepest kept) */
#define WAKE_BYTES (1024 * 1024)	/* wake the reader when this much waits */
#define WAKE_WINDOW 2048

struct scratch {
	__u32 off;	/* body bytes used; kept here, not on the stack, so
			 * the verifier does not track it exactly and
			 * bpf_loop() steps converge */
	__u32 pad;
	struct pbpf_hdr h;
	char body[PBPF_AREA + PBPF_NAME_MAX + 8];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} events SEC(".maps");

/* One scratch record per CPU (bigger than a per-CPU array value may be):
 * the loader sets max_entries to the number of possible CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} buf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

char LICENSE[] SEC("license") = "GPL";

static __always_inline struct scratch *scratch_get(void)
{
	__u32 k = bpf_get_smp_processor_id();

	return bpf_map_lookup_elem(&buf, &k);
}

/* The reader drains the ring at every tick (100 ms) and when woken. A wake
 * up is an irq_work, which costs microseconds in a VM (a self-IPI): only
 * the record that crosses WAKE_BYTES of unread data wakes the reader (the
 * window is wider than common records; a rare miss waits for the tick). */
static __always_inline void submit(void *data, __u64 size)
{
	__u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	long flags = avail >= WAKE_BYTES && avail < WAKE_BYTES + WAKE_WINDOW ?
		BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;

	if (bpf_ringbuf_output(&events, data, size, flags) < 0) {
		__u32 k = 0;
		__u64 *n = bpf_map_lookup_elem(&drops, &k);

		if (n)
			*n += 1;
	}
}

static __always_inline void hdr_fill(struct pbpf_hdr *h, __u8 type, struct task_struct *t)
{
	h->type = type;
	h->flags = 0;
	h->hdr_size = sizeof(*h);
	h->size = sizeof(*h);
	h->time_ns = bpf_ktime_get_ns();
	h->pid = t->pid;
	h->tgid = t->tgid;
	h->ppid = t->real_parent->tgid;
	h->aux = h->aux2 = 0;
	h->argv_len = 0;
}

/* One item at *off: kind, then the component's bytes (read as a string). */
static __always_inline int put_item(struct scratch *s, __u8 kind, const void *src)
{
	__u32 o = s->off;
	long n;

	if (o > PBPF_AREA - PBPF_NAME_MAX - 8)
		return -1;
	o &= PBPF_AREA - 1;
	n = bpf_probe_read_kernel_str(&s->body[o + 3], PBPF_NAME_MAX, src);
	if (n < 0)
		n = 0;
	s->body[o] = kind;
	s->body[o + 1] = (char)(n & 0xff);
	s->body[o + 2] = (char)((n >> 8) & 0xff);
	s->off = o + 3 + (__u32)(n & (PBPF_NAME_MAX * 2 - 1));
	return 0;
}

static __always_inline int put_u32_item(struct scratch *s, __u8 kind, __u32 v)
{
	__u32 o = s->off;

	if (o > PBPF_AREA - PBPF_NAME_MAX - 8)
		return -1;
	o &= PBPF_AREA - 1;
	s->body[o] = kind;
	s->body[o + 1] = 4;
	s->body[o + 2] = 0;
	__builtin_memcpy(&s->body[o + 3], &v, 4);
	s->off = o + 7;
	return 0;
}

/* Walks run under bpf_loop(): the verifier checks one step, not every
 * unrolled iteration (nested bounded loops exceed its budget). */
struct pathwalk {
	struct scratch *s;
	struct vfsmount *vfs;
	struct mount *mnt;
	struct dentry *d;
	__u8 kind;
	int done;	/* 1 at the root, -1 when out of room */
};

static long path_step(__u64 i, void *ctx)
{
	struct pathwalk *w = ctx;
	struct vfsmount *vfs = w->vfs;
	struct mount *mnt = w->mnt;
	struct dentry *d = w->d;
	struct dentry *root = BPF_CORE_READ(vfs, mnt_root);
	struct dentry *parent;

	if (d == root) {
		struct mount *up = BPF_CORE_READ(mnt, mnt_parent);

		if (!up || up == mnt) {
			w->done = 1;
			return 1;
		}
		w->d = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = up;
		w->vfs = (struct vfsmount *)((char *)up + bpf_core_field_offset(struct mount, mnt));
		return 0;
	}
	parent = BPF_CORE_READ(d, d_parent);
	if (!parent || parent == d) {
		w->done = 1;
		return 1;
	}
	if (put_item(w->s, w->kind, BPF_CORE_READ(d, d_name.name)) < 0) {
		w->done = -1;
		return 1;
	}
	w->d = parent;
	return 0;
}

/* Components of a path, leaf first, crossing mounts up to the root of the
 * task's mount tree. */
static __always_inline int put_path(struct scratch *s, __u8 kind,
				    struct vfsmount *vfs, struct dentry *d)
{
	struct pathwalk w = {
		.s = s, .vfs = vfs, .d = d, .kind = kind,
		.mnt = (struct mount *)((char *)vfs - bpf_core_field_offset(struct mount, mnt)),
	};

	if (!vfs || !d)
		return -1;
	bpf_loop(MAX_DEPTH, path_step, &w, 0);
	if (w.done != 1)
		s->h.flags |= PBPF_F_PATH_TRUNC;
	return w.done == 1 ? 0 : -1;
}

static __always_inline struct kernfs_node *kn_parent(struct kernfs_node *kn)
{
	if (bpf_core_field_exists(struct kernfs_node___new, __parent))
		return BPF_CORE_READ((struct kernfs_node___new *)kn, __parent);
	return BPF_CORE_READ((struct kernfs_node___old *)kn, parent);
}

struct cgwalk {
	struct scratch *s;
	struct list_head *head, *pos;
	struct kernfs_node *kn;	/* next component of the current path */
	int depth;
	int done;
};

/* One step: a component of the current cgroup's path, or the next hierarchy. */
static long cg_step(__u64 i, void *ctx)
{
	struct cgwalk *w = ctx;
	struct cgrp_cset_link *link;
	struct cgroup *cg;

	struct kernfs_node *kn = w->kn;
	struct list_head *pos = w->pos;

	if (kn) {
		struct kernfs_node *up = kn_parent(kn);

		if (up && w->depth >= MAX_CG_DEPTH)
			w->s->h.flags |= PBPF_F_PATH_TRUNC;
		if (!up || w->depth >= MAX_CG_DEPTH) {
			w->kn = NULL;
			return 0;
		}
		if (put_item(w->s, PBPF_I_CG_NAME, BPF_CORE_READ(kn, name)) < 0) {
			w->done = -1;
			return 1;
		}
		w->kn = up;
		w->depth++;
		return 0;
	}
	if (!pos || pos == w->head) {
		w->done = 1;
		return 1;
	}
	link = (void *)((char *)pos - bpf_core_field_offset(struct cgrp_cset_link, cgrp_link));
	cg = BPF_CORE_READ(link, cgrp);
	w->pos = BPF_CORE_READ(pos, next);
	if (!cg || BPF_CORE_READ(cg, level) <= 0)
		return 0;	/* the root: the host's */
	if (put_u32_item(w->s, PBPF_I_CG, (__u32)BPF_CORE_READ(cg, root, hierarchy_id)) < 0) {
		w->done = -1;
		return 1;
	}
	w->kn = BPF_CORE_READ(cg, kn);
	w->depth = 0;
	return 0;
}

/* The path of the task's cgroup in every hierarchy where it is not the root. */
static __always_inline int put_cgroups(struct scratch *s, struct task_struct *t)
{
	struct css_set *cset = t->cgroups;
	struct cgwalk w = { .s = s };

	if (!cset)
		return -1;
	struct list_head *head = &cset->cgrp_links;

	w.head = head;
	w.pos = head->next;
	bpf_loop(MAX_HIER * (MAX_CG_DEPTH + 2), cg_step, &w, 0);
	if (w.done != 1)
		s->h.flags |= PBPF_F_PATH_TRUNC;
	return w.done < 0 ? -1 : 0;
}

static __always_inline void creds(struct pbpf_hdr *h, struct task_struct *t)
{
	const struct cred *c = t->real_cred;

	h->uid = c->uid.val;
	h->gid = c->gid.val;
	h->euid = c->euid.val;
	h->egid = c->egid.val;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(fdr_exec, struct task_struct *t, int old_pid, struct linux_binprm *bprm)
{
	struct scratch *s = scratch_get();
	struct mm_struct *mm;
	struct fs_struct *fs;
	unsigned long a0, a1, len;
	__u32 off;

	if (!s)
		return 0;
	hdr_fill(&s->h, PBPF_EXEC, t);
	creds(&s->h, t);
	if (bpf_core_field_exists(t->loginuid)) {
		s->h.loginuid = t->loginuid.val;
		s->h.sessionid = t->sessionid;
	} else {
		s->h.loginuid = s->h.sessionid = (__u32)-1;
	}
	BPF_CORE_READ_STR_INTO(&s->h.comm, t, comm);

	mm = t->mm;
	if (mm) {
		a0 = mm->arg_start;
		a1 = mm->arg_end;
	} else {
		a0 = a1 = 0;
	}
	len = a1 > a0 ? a1 - a0 : 0;
	if (len > PBPF_ARGV_MAX) {
		len = PBPF_ARGV_MAX;
		s->h.flags |= PBPF_F_ARGV_TRUNC;
	}
	s->off = 0;
	if (len && bpf_probe_read_user(s->body, len & (PBPF_ARGV_MAX * 2 - 1), (void *)a0) == 0)
		s->off = (__u32)len;
	else
		s->h.flags |= PBPF_F_NO_ARGV;
	s->h.argv_len = s->off;

	if (put_path(s, PBPF_I_EXE, bprm->file->f_path.mnt, bprm->file->f_path.dentry) < 0)
		s->h.flags |= PBPF_F_NO_EXE;
	fs = t->fs;
	if (!fs || put_path(s, PBPF_I_CWD, fs->pwd.mnt, fs->pwd.dentry) < 0)
		s->h.flags |= PBPF_F_NO_CWD;
	if (put_cgroups(s, t) < 0)
		s->h.flags |= PBPF_F_NO_CG;
	off = s->off & (PBPF_AREA - 1);
	s->h.size = sizeof(s->h) + off;
	submit(&s->h, sizeof(s->h) + off);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(fdr_fork, struct task_struct *parent, struct task_struct *child)
{
	struct pbpf_hdr h;

	hdr_fill(&h, PBPF_FORK, parent);
	h.aux = child->pid;
	h.aux2 = child->tgid;
	if (h.aux != h.aux2)
		return 0;	/* a new thread */
	__builtin_memset(h.comm, 0, sizeof(h.comm));
	h.uid = h.gid = h.euid = h.egid = h.loginuid = h.sessionid = 0;
	submit(&h, sizeof(h));
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(fdr_exit, struct task_struct *t)
{
	struct pbpf_hdr h;

	hdr_fill(&h, PBPF_EXIT, t);
	if (h.pid != h.tgid)
		return 0;	/* a thread */
	h.aux = t->exit_code;
	__builtin_memset(h.comm, 0, sizeof(h.comm));
	h.uid = h.gid = h.euid = h.egid = h.loginuid = h.sessionid = 0;
	submit(&h, sizeof(h));
	return 0;
}
