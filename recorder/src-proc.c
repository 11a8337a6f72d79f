// SPDX-License-Identifier: Apache-2.0
/*
 * Process source: the netlink proc connector (linux/cn_proc.h) for fork,
 * exec, exit, uid/gid and comm changes, and /proc for everything the
 * connector does not carry (it gives pids only).
 *
 * The race: a short-lived process can exit before /proc/<pid> is read. To
 * lose as little as possible, each batch of messages is read in two passes:
 * first the facts that die with the process (cmdline, exe, cwd) for every
 * exec of the batch, then everything else in message order.
 *
 * Loss: the kernel numbers the connector's messages per CPU (cn_msg.seq,
 * proc_event.cpu); a hole in a CPU's sequence is the exact count of messages
 * dropped (ENOBUFS when the socket buffer overflowed). Holes become rec.gap
 * events in every ring, since a lost message could belong to any container.
 *
 * Backends (--proc-backend, default auto = bpf when it loads): "netlink" is
 * the above. "bpf" (proc-bpf.h) takes fork, exec and exit from an eBPF
 * program that reads argv, exe, cwd, creds and cgroup paths in the exec'ing
 * task, so there is no race and no /proc read per exec; the proc connector
 * then only carries uid/gid and comm changes (filtered in the kernel where
 * it can: Linux 6.6+). Its losses are the records the program could not put
 * in its ring buffer, counted in the kernel.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "rec-core.h"
#include "rec-audit.h"
#include "rec-procfs.h"
#include "proc-bpf.h"
#include "fdr-text.h"

extern const struct source_ops src_proc;

#define BATCH 64
#define MSG_SIZE 256
#define MAX_CPUS 4096
#define RCVBUF (32 << 20)

struct seqtrack {
	uint32_t last;
	bool seen;
};

/* ---- argv from the kernel audit EXECVE record (--exec-audit) ----------
 *
 * The kernel logs an exec's argv as it happens; /proc has it only while the
 * process lives. With --exec-audit, an exec whose /proc read came too late
 * waits (at most PEND_NS) for its audit record instead of being written
 * partial; its exit waits with it. Records of one audit event are gathered
 * by serial (WIP), completed at EOE, and kept briefly by pid (DONE) for the
 * case where audit is faster than the proc connector. */
#define AUDIT_ARGS 8192
#define NWIP 16
#define NDONE 64
#define NPEND 1024	/* ~5 KiB each, touched only when used */
#define PEND_NS 1000000000ull	/* kauditd is a normal kernel thread: slow under load */

struct audit_exec {
	uint64_t serial, t;
	pid_t pid;
	bool used, failed;
	size_t used_bytes;
	char exe[REC_PATH_MAX];
	char cwd[REC_PATH_MAX];
	char args[AUDIT_ARGS];
};

struct pend {
	bool used, has_exit;
	uint64_t since;
	pid_t pid;
	struct rec_cgroup_id cg;
	struct fdr_event ev, exit_ev;
	char comm[16], exe[REC_PATH_MAX], pcomm[16], cwd[REC_PATH_MAX];
};

struct proc_state;
static void audit_ready(struct rec *rec, struct proc_state *st);

struct proc_state {
	int fd;
	struct proc_bpf *bpf;	/* the bpf backend, NULL for netlink */
	int bfd;		/* its ring buffer's fd */
	struct proc_bpf_rec *brec;	/* record being decoded */
	uint64_t bpf_drops, bpf_bad, bpf_no_argv, bpf_no_exe;
	uint64_t bpf_last_ns;
	int afd;		/* audit listener, -1 when off */
	bool audit_rule_added, audit_enabled_changed;
	struct rec_audit_state audit_saved;
	char audit_key[32];	/* "fdr-exec-<pid>": each recorder removes only its own rule */
	uint64_t audit_filled, audit_timeouts;
	struct audit_exec wip[NWIP];
	struct audit_exec done[NDONE];
	unsigned done_next;
	struct pend *pend;	/* NPEND */
	uint64_t pend_full;
	unsigned npend;		/* pends in use */
	struct fdr_str pend_argv[REC_ARGV_MAX];	/* of the exec being resolved */
	int64_t mono_to_wall;	/* wall = mono + this */
	struct seqtrack cpu[MAX_CPUS];
	uint64_t lost, enobufs, last_ns;
	uint64_t gap_from;
	uint64_t execs, partial;
	char buf[BATCH][MSG_SIZE];
	struct rec_procinfo pi[BATCH];	/* pass-1 results per message */
	unsigned got[BATCH];
};

static int64_t clock_offset(void)
{
	struct timespec r, m;

	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_MONOTONIC, &m);
	return ((int64_t)r.tv_sec - m.tv_sec) * 1000000000ll + (r.tv_nsec - m.tv_nsec);
}

/* Copy, truncating to fit. */
static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void set_strz(struct fdr_event *ev, unsigned f, const char *s)
{
	if (s && s[0])
		fdr_event_set_cstr(ev, f, s);
}

/* Actor fields of an event from a table entry. */
static void actor(struct fdr_event *ev, const struct rec_proc *p)
{
	fdr_event_set_u(ev, FDR_F_PID, (uint64_t)p->pid);
	if (p->ppid)
		fdr_event_set_u(ev, FDR_F_PPID, (uint64_t)p->ppid);
	set_strz(ev, FDR_F_COMM, p->comm);
	set_strz(ev, FDR_F_EXE, p->exe);
}

/* The table entry of pid, made when absent (started at t, login not yet
 * known); *tmp stands in for it when the table is full. */
static struct rec_proc *entry(struct rec_proctab *tab, pid_t pid, uint64_t t,
			      struct rec_proc *tmp)
{
	struct rec_proc *p = rec_proctab_get(tab, pid);

	if (p)
		return p;
	p = rec_proctab_put(tab, pid);
	if (!p) {
		memset(tmp, 0, sizeof(*tmp));
		p = tmp;
	}
	p->pid = pid;
	p->start_ns = t;
	p->loginuid = p->sessionid = (uint32_t)-1;
	return p;
}

/*
 * The exec event of either backend: p's identity, what the exec gave (NULL:
 * not known; exe untruncated), partial (and counted) when argv or exe is
 * missing. ev is the caller's; argv points into the caller's record.
 */
static void exec_event(struct proc_state *st, struct rec_proctab *tab, const struct rec_proc *p,
		       uint64_t t, const char *exe, const struct fdr_str *argv, uint32_t argc,
		       const char *cwd, struct fdr_event *ev)
{
	const struct rec_proc *pp;

	fdr_event_init(ev, FDR_PROC_EXEC, t);
	actor(ev, p);
	if (exe)
		fdr_event_set_cstr(ev, FDR_F_EXE, exe);
	if (argv)
		fdr_event_set_strv(ev, FDR_F_ARGV, argv, argc);
	if (cwd)
		fdr_event_set_cstr(ev, FDR_F_CWD, cwd);
	fdr_event_set_u(ev, FDR_F_UID, p->uid);
	fdr_event_set_u(ev, FDR_F_GID, p->gid);
	fdr_event_set_u(ev, FDR_F_EUID, p->euid);
	if (p->loginuid != (uint32_t)-1)
		fdr_event_set_u(ev, FDR_F_LOGINUID, p->loginuid);
	if (p->sessionid != (uint32_t)-1)
		fdr_event_set_u(ev, FDR_F_SESSIONID, p->sessionid);
	pp = p->ppid ? rec_proctab_get(tab, p->ppid) : NULL;
	if (pp)
		set_strz(ev, FDR_F_PCOMM, pp->comm);
	st->execs++;
	if (!exe || !argv) {
		ev->flags |= FDR_EVF_PARTIAL;
		st->partial++;
	}
}

static void emit_proc(struct rec *rec, const struct rec_proc *p, const struct fdr_event *ev)
{
	struct rec_cgroup_id cg = REC_CGROUP_ID_INIT;

	snprintf(cg.id, sizeof(cg.id), "%s", p->container_id);
	rec_emit_cg(rec, &cg, ev);
}

/* Table entry of pid, filled from /proc when new. */
static struct rec_proc *known(struct rec *rec, pid_t pid, struct rec_procinfo *scratch)
{
	struct rec_proctab *t = rec_procs(rec);
	struct rec_proc *p = rec_proctab_get(t, pid);
	unsigned got;

	if (p)
		return p;
	got = rec_procfs_read(pid, REC_PI_EXE | REC_PI_CGROUP | REC_PI_STATUS | REC_PI_LOGIN,
			      scratch);
	if (!(got & REC_PI_STATUS))
		return NULL;
	p = rec_proctab_put(t, pid);
	if (!p)
		return NULL;
	p->ppid = scratch->ppid;
	p->uid = scratch->uid;
	p->euid = scratch->euid;
	p->gid = scratch->gid;
	p->loginuid = (got & REC_PI_LOGIN) ? scratch->loginuid : (uint32_t)-1;
	p->sessionid = (got & REC_PI_LOGIN) ? scratch->sessionid : (uint32_t)-1;
	copy_str(p->comm, sizeof(p->comm), scratch->comm);
	if (got & REC_PI_EXE)
		copy_str(p->exe, sizeof(p->exe), scratch->exe);
	if (got & REC_PI_CGROUP)
		copy_str(p->container_id, sizeof(p->container_id), scratch->cg.id);
	return p;
}

static void on_fork(struct rec *rec, struct proc_state *st, const struct proc_event *pe,
		    uint64_t t, struct rec_procinfo *scratch)
{
	pid_t parent = pe->event_data.fork.parent_tgid;
	pid_t child = pe->event_data.fork.child_tgid;
	struct rec_proctab *tab = rec_procs(rec);
	struct rec_proc *pp, *cp, copy;
	struct fdr_event ev;

	(void)st;
	if (pe->event_data.fork.child_pid != child || child == rec_self_pid(rec))
		return;	/* a new thread */
	pp = known(rec, parent, scratch);
	if (pp) {
		copy = *pp;
	} else {
		memset(&copy, 0, sizeof(copy));
		copy.loginuid = copy.sessionid = (uint32_t)-1;
	}
	cp = rec_proctab_put(tab, child);
	if (!cp)
		cp = &copy;	/* table full: still record the event */
	else
		*cp = copy;
	cp->pid = child;
	cp->ppid = parent;
	cp->exited = false;
	cp->start_ns = t;
	fdr_event_init(&ev, FDR_PROC_FORK, t);
	actor(&ev, cp);
	if (pp)
		set_strz(&ev, FDR_F_PCOMM, copy.comm);	/* pp may have moved */
	else
		ev.flags |= FDR_EVF_PARTIAL;
	emit_proc(rec, cp, &ev);
}


static struct pend *pend_find(struct proc_state *st, pid_t pid)
{
	if (st->afd < 0 || !st->npend)
		return NULL;
	for (int i = 0; i < NPEND; i++)
		if (st->pend[i].used && st->pend[i].pid == pid)
			return &st->pend[i];
	return NULL;
}

/* Re-point the event's strings at the pend's own copies. */
static void pend_own(struct pend *pd, struct fdr_event *ev)
{
	static const struct { unsigned f; size_t off, size; } own[] = {
		{ FDR_F_COMM, offsetof(struct pend, comm), sizeof(((struct pend *)0)->comm) },
		{ FDR_F_EXE, offsetof(struct pend, exe), sizeof(((struct pend *)0)->exe) },
		{ FDR_F_PCOMM, offsetof(struct pend, pcomm), sizeof(((struct pend *)0)->pcomm) },
		{ FDR_F_CWD, offsetof(struct pend, cwd), sizeof(((struct pend *)0)->cwd) },
	};

	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
		struct fdr_str v = fdr_event_str(ev, own[i].f);
		char *dst = (char *)pd + own[i].off;
		size_t n;

		if (!fdr_event_has(ev, own[i].f))
			continue;
		n = v.len < own[i].size - 1 ? v.len : own[i].size - 1;
		if (v.p != dst)
			memmove(dst, v.p, n);
		dst[n] = '\0';
		fdr_event_set_str(ev, own[i].f, dst, n);
	}
}

/* Fill a waiting exec from its audit record and write it (and its exit). */
static void pend_resolve(struct rec *rec, struct proc_state *st, struct pend *pd,
			 const struct audit_exec *ax)
{
	if (ax && !ax->failed) {
		uint32_t argc = 0;

		for (size_t i = 0; i < ax->used_bytes && argc < REC_ARGV_MAX;) {
			size_t n = strnlen(ax->args + i, ax->used_bytes - i);

			st->pend_argv[argc].p = ax->args + i;
			st->pend_argv[argc].len = (uint32_t)n;
			argc++;
			i += n + 1;
		}
		if (!fdr_event_has(&pd->ev, FDR_F_ARGV))
			fdr_event_set_strv(&pd->ev, FDR_F_ARGV, st->pend_argv, argc);
		if (!fdr_event_has(&pd->ev, FDR_F_CWD) && ax->cwd[0])
			fdr_event_set_cstr(&pd->ev, FDR_F_CWD, ax->cwd);
		if (!fdr_event_has(&pd->ev, FDR_F_EXE) && ax->exe[0])
			fdr_event_set_cstr(&pd->ev, FDR_F_EXE, ax->exe);
		if (fdr_event_has(&pd->ev, FDR_F_EXE) && fdr_event_has(&pd->ev, FDR_F_ARGV)) {
			pd->ev.flags &= (uint16_t)~FDR_EVF_PARTIAL;
			st->partial--;
		}
		st->audit_filled++;
	} else {
		st->audit_timeouts++;
	}
	rec_emit_cg(rec, &pd->cg, &pd->ev);
	if (pd->has_exit)
		rec_emit_cg(rec, &pd->cg, &pd->exit_ev);
	pd->used = false;
	st->npend--;
}

static const struct audit_exec *done_find(struct proc_state *st, pid_t pid, uint64_t t)
{
	for (int i = 0; i < NDONE; i++) {
		const struct audit_exec *a = &st->done[i];

		if (a->used && a->pid == pid && a->t + 2000000000ull > t && t + 2000000000ull > a->t)
			return a;
	}
	return NULL;
}

/* Hold a partial exec for its audit record; false when it cannot wait. */
static bool pend_add(struct rec *rec, struct proc_state *st, pid_t pid,
		     const struct rec_cgroup_id *cg, const struct fdr_event *ev)
{
	const struct audit_exec *ax = done_find(st, pid, ev->time_ns);
	struct pend *pd = NULL;

	for (int i = 0; i < NPEND && !pd; i++)
		if (!st->pend[i].used)
			pd = &st->pend[i];
	if (!pd) {
		st->pend_full++;
		return false;
	}
	pd->used = true;
	st->npend++;
	pd->has_exit = false;
	pd->since = rec_now_ns();
	pd->pid = pid;
	pd->cg = *cg;
	pd->ev = *ev;
	pend_own(pd, &pd->ev);
	if (ax)
		pend_resolve(rec, st, pd, ax);
	return true;
}

static void on_exec(struct rec *rec, struct proc_state *st, const struct proc_event *pe,
		    uint64_t t, struct rec_procinfo *pi, unsigned got)
{
	pid_t pid = pe->event_data.exec.process_tgid;
	struct rec_proctab *tab = rec_procs(rec);
	struct rec_proc *p, tmp;
	struct fdr_event ev;

	if (pid == rec_self_pid(rec))
		return;
	/* loginuid and sessionid are inherited at fork (only a login
	 * changes them, by writing /proc/self/loginuid): the table has them. */
	got |= rec_procfs_read(pid, REC_PI_STATUS |
			       (rec_proctab_get(tab, pid) ? 0 : REC_PI_LOGIN), pi);
	p = entry(tab, pid, t, &tmp);
	if (got & REC_PI_STATUS) {
		p->ppid = pi->ppid;
		p->uid = pi->uid;
		p->euid = pi->euid;
		p->gid = pi->gid;
		copy_str(p->comm, sizeof(p->comm), pi->comm);
	}
	if (got & REC_PI_LOGIN) {
		p->loginuid = pi->loginuid;
		p->sessionid = pi->sessionid;
	}
	if (got & REC_PI_EXE)
		copy_str(p->exe, sizeof(p->exe), pi->exe);
	else
		p->exe[0] = '\0';	/* the old image's path would be wrong */
	/* A task that already exited reads as the host's (root) cgroup: a
	 * host answer counts only when exe, read after it, proves the task
	 * was alive then. */
	if ((got & REC_PI_CGROUP) && !pi->cg.id[0] && !(got & REC_PI_EXE))
		got &= ~(unsigned)REC_PI_CGROUP;
	/* Gone before we looked: the container is the parent's. Ask the
	 * parent now (it may have joined a container's cgroup after we last
	 * saw it, as a shell does before it forks), not only our table. */
	if (!(got & REC_PI_CGROUP) && p->ppid > 0) {
		struct rec_cgroup_id cg = pi->cg;

		if ((rec_procfs_read(p->ppid, REC_PI_CGROUP, pi) & REC_PI_CGROUP) &&
		    pi->cg.id[0]) {	/* an exited parent reads as the host's */
			copy_str(p->container_id, sizeof(p->container_id), pi->cg.id);
			got |= REC_PI_CGROUP;
		} else {
			pi->cg = cg;
		}
	}
	if (got & REC_PI_CGROUP)
		copy_str(p->container_id, sizeof(p->container_id), pi->cg.id);

	exec_event(st, tab, p, t, (got & REC_PI_EXE) ? pi->exe : NULL,
		   (got & REC_PI_ARGV) ? pi->argv : NULL, pi->argc,
		   (got & REC_PI_CWD) ? pi->cwd : NULL, &ev);
	if (ev.flags & FDR_EVF_PARTIAL) {
	}
	{
		struct rec_cgroup_id cg = REC_CGROUP_ID_INIT;

		if (got & REC_PI_CGROUP)
			cg = pi->cg;
		else
			copy_str(cg.id, sizeof(cg.id), p->container_id);
		if (st->afd >= 0 && (ev.flags & FDR_EVF_PARTIAL) && pend_add(rec, st, pid, &cg, &ev))
			return;
		rec_emit_cg(rec, &cg, &ev);
	}
}

static void on_exit_ev(struct rec *rec, struct proc_state *st, const struct proc_event *pe,
		       uint64_t t)
{
	pid_t pid = pe->event_data.exit.process_tgid;
	struct pend *pd;
	struct rec_proc *p, tmp;
	uint32_t status = pe->event_data.exit.exit_code;
	struct fdr_event ev;

	if (pe->event_data.exit.process_pid != pid || pid == rec_self_pid(rec))
		return;	/* a thread */
	p = rec_proctab_get(rec_procs(rec), pid);
	fdr_event_init(&ev, FDR_PROC_EXIT, t);
	if (!p) {
		memset(&tmp, 0, sizeof(tmp));
		tmp.pid = pid;
		tmp.ppid = pe->event_data.exit.parent_tgid;
		p = &tmp;
		ev.flags |= FDR_EVF_PARTIAL;
	}
	actor(&ev, p);
	if (status & 0x7f)
		fdr_event_set_u(&ev, FDR_F_SIGNAL, status & 0x7f);
	else
		fdr_event_set_i(&ev, FDR_F_EXIT_CODE, (status >> 8) & 0xff);
	pd = pend_find(st, pid);
	if (pd && !pd->has_exit) {
		pd->exit_ev = ev;
		pend_own(pd, &pd->exit_ev);
		pd->has_exit = true;
	} else if (p == &tmp) {
		rec_emit_pid(rec, pid, &ev);
	} else {
		emit_proc(rec, p, &ev);
	}
	rec_proctab_exited(rec_procs(rec), pid, t);
}

static void on_id(struct rec *rec, const struct proc_event *pe, uint64_t t, bool gid,
		  struct rec_procinfo *scratch)
{
	pid_t pid = pe->event_data.id.process_tgid;
	struct rec_proc *p;
	struct fdr_event ev;

	if (pid == rec_self_pid(rec))
		return;
	p = known(rec, pid, scratch);
	if (!p)
		return;
	fdr_event_init(&ev, FDR_PROC_UID, t);
	if (gid) {
		p->gid = pe->event_data.id.r.rgid;
		fdr_event_set_u(&ev, FDR_F_GID, pe->event_data.id.r.rgid);
		fdr_event_set_u(&ev, FDR_F_EGID, pe->event_data.id.e.egid);
	} else {
		p->uid = pe->event_data.id.r.ruid;
		p->euid = pe->event_data.id.e.euid;
		fdr_event_set_u(&ev, FDR_F_UID, p->uid);
		fdr_event_set_u(&ev, FDR_F_EUID, p->euid);
	}
	actor(&ev, p);
	emit_proc(rec, p, &ev);
}

static void on_comm(struct rec *rec, const struct proc_event *pe)
{
	struct rec_proc *p = rec_proctab_get(rec_procs(rec), pe->event_data.comm.process_tgid);

	if (p && pe->event_data.comm.process_pid == pe->event_data.comm.process_tgid) {
		memcpy(p->comm, pe->event_data.comm.comm, sizeof(p->comm) - 1);
		p->comm[sizeof(p->comm) - 1] = '\0';
	}
}

/* The proc_event of a datagram copied into *out (the kernel's payload sits
 * at offset 36, not aligned for it), or NULL when it is not one. */
static const struct proc_event *parse_msg(const char *buf, ssize_t len, uint32_t *seq,
					  struct proc_event *out)
{
	struct nlmsghdr nh_;
	const struct nlmsghdr *nh = &nh_;
	struct cn_msg cn_;
	const struct cn_msg *cn = &cn_;

	if (len < (ssize_t)(NLMSG_HDRLEN + sizeof(*cn) + offsetof(struct proc_event, event_data)))
		return NULL;
	memcpy(&nh_, buf, sizeof(nh_));
	if (nh->nlmsg_type != NLMSG_DONE || nh->nlmsg_len > (uint32_t)len)
		return NULL;
	memcpy(&cn_, buf + NLMSG_HDRLEN, sizeof(cn_));
	if (cn->id.idx != CN_IDX_PROC || cn->id.val != CN_VAL_PROC)
		return NULL;
	if (cn->len < offsetof(struct proc_event, event_data) ||
	    NLMSG_HDRLEN + sizeof(*cn) + cn->len > (size_t)len)
		return NULL;
	*seq = cn->seq;
	memset(out, 0, sizeof(*out));
	memcpy(out, buf + NLMSG_HDRLEN + sizeof(cn_), cn->len < sizeof(*out) ? cn->len : sizeof(*out));
	return out;
}

static void track_seq(struct rec *rec, struct proc_state *st, const struct proc_event *pe,
		      uint32_t seq, uint64_t t)
{
	struct seqtrack *s;

	if (pe->cpu >= MAX_CPUS)
		return;
	s = &st->cpu[pe->cpu];
	if (s->seen && seq != s->last + 1 && seq > s->last) {
		uint64_t n = seq - s->last - 1;

		st->lost += n;
		rec_lost(rec, "proc", NULL, n, st->last_ns ? st->last_ns : t, t);
	}
	s->seen = true;
	s->last = seq;
	st->last_ns = t;
}

static void proc_ready(struct rec *rec, void *state, int fd)
{
	struct proc_state *st = state;
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	int n;

	if (fd == st->afd) {
		audit_ready(rec, st);
		return;
	}
	if (st->bpf && fd == st->bfd) {
		proc_bpf_consume(st->bpf);
		return;
	}
	/* A uid change from the connector comes after the fork and exec that
	 * made the process; those wait in the ring buffer (it wakes us only
	 * past a threshold): handle them first, so the table is up to date. */
	if (st->bpf)
		proc_bpf_consume(st->bpf);
	for (;;) {
		memset(mm, 0, sizeof(mm));
		for (int i = 0; i < BATCH; i++) {
			iov[i].iov_base = st->buf[i];
			iov[i].iov_len = MSG_SIZE;
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(fd, mm, BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == ENOBUFS) {
				st->enobufs++;	/* counted exactly by the seq holes */
				if (st->bpf) {	/* no holes to count: at least one */
					st->lost++;
					rec_lost(rec, "proc", NULL, 1, st->last_ns, rec_now_ns());
				}
				continue;
			}
			if (errno == EINTR)
				continue;
			return;	/* EAGAIN */
		}
		/* pass 1: what dies with the process */
		for (int i = 0; i < n; i++) {
			uint32_t seq;
			struct proc_event pev;
			const struct proc_event *pe = parse_msg(st->buf[i], mm[i].msg_len, &seq, &pev);

			st->got[i] = 0;
			if (pe && !st->bpf && pe->what == PROC_EVENT_EXEC &&
			    pe->event_data.exec.process_tgid != rec_self_pid(rec))
				st->got[i] = rec_procfs_read(pe->event_data.exec.process_tgid,
							     REC_PI_CGROUP | REC_PI_ARGV |
							     REC_PI_EXE | REC_PI_CWD, &st->pi[i]);
		}
		/* pass 2: in order */
		for (int i = 0; i < n; i++) {
			uint32_t seq;
			struct proc_event pev;
			const struct proc_event *pe = parse_msg(st->buf[i], mm[i].msg_len, &seq, &pev);
			uint64_t t;

			if (!pe)
				continue;
			t = (uint64_t)((int64_t)pe->timestamp_ns + st->mono_to_wall);
			if (st->bpf) {
				/* fork, exec, exit come from the bpf backend;
				 * sequence holes here are the kernel's filter */
				if (pe->what == PROC_EVENT_UID)
					on_id(rec, pe, t, false, &st->pi[i]);
				else if (pe->what == PROC_EVENT_GID)
					on_id(rec, pe, t, true, &st->pi[i]);
				else if (pe->what == PROC_EVENT_COMM)
					on_comm(rec, pe);
				continue;
			}
			track_seq(rec, st, pe, seq, t);
			switch (pe->what) {
			case PROC_EVENT_FORK:
				on_fork(rec, st, pe, t, &st->pi[i]);
				break;
			case PROC_EVENT_EXEC:
				on_exec(rec, st, pe, t, &st->pi[i], st->got[i]);
				break;
			case PROC_EVENT_EXIT:
				on_exit_ev(rec, st, pe, t);
				break;
			case PROC_EVENT_UID:
				on_id(rec, pe, t, false, &st->pi[i]);
				break;
			case PROC_EVENT_GID:
				on_id(rec, pe, t, true, &st->pi[i]);
				break;
			case PROC_EVENT_COMM:
				on_comm(rec, pe);
				break;
			default:
				break;
			}
		}
		if (n < BATCH)
			return;
	}
}


/* ---- the bpf backend ------------------------------------------------------ */

/* An exec as the kernel saw it: everything is in the record. */
static void on_exec_bpf(struct rec *rec, struct proc_state *st, const struct proc_bpf_rec *r,
			uint64_t t)
{
	struct rec_proctab *tab = rec_procs(rec);
	struct rec_cgroup_id cg = REC_CGROUP_ID_INIT;
	struct rec_proc *p, tmp;
	struct fdr_event ev;
	pid_t pid = r->tgid;

	if (pid <= 0 || pid == rec_self_pid(rec))
		return;
	p = entry(tab, pid, t, &tmp);
	p->ppid = r->ppid;
	p->uid = r->uid;
	p->euid = r->euid;
	p->gid = r->gid;
	p->loginuid = r->loginuid;
	p->sessionid = r->sessionid;
	p->exited = false;
	copy_str(p->comm, sizeof(p->comm), r->comm);
	if (r->has_exe)
		copy_str(p->exe, sizeof(p->exe), r->exe);
	else
		p->exe[0] = '\0';	/* the old image's path would be wrong */
	if (r->has_cg) {
		cg = r->cg;
		copy_str(p->container_id, sizeof(p->container_id), r->cg.id);
	} else {
		copy_str(cg.id, sizeof(cg.id), p->container_id);	/* the parent's */
	}

	exec_event(st, tab, p, t, r->has_exe ? r->exe : NULL, r->has_argv ? r->argv : NULL,
		   r->argc, r->has_cwd ? r->cwd : NULL, &ev);
	if (ev.flags & FDR_EVF_PARTIAL) {
		st->bpf_no_argv += !r->has_argv;
		st->bpf_no_exe += !r->has_exe;
	}
	rec_emit_cg(rec, &cg, &ev);
}

/* One ring buffer record: fork and exit go through the connector's
 * handlers (same events, same table updates), exec through its own. */
static void bpf_record(void *ctx, const void *data, size_t size)
{
	struct rec *rec = ((void **)ctx)[0];
	struct proc_state *st = ((void **)ctx)[1];
	struct proc_bpf_rec *r = st->brec;
	struct proc_event pe;
	uint64_t t;

	if (proc_bpf_decode(data, size, r) < 0) {
		st->bpf_bad++;
		return;
	}
	t = (uint64_t)((int64_t)r->time_ns + st->mono_to_wall);
	st->bpf_last_ns = t;
	memset(&pe, 0, sizeof(pe));
	switch (r->type) {
	case PROC_BPF_EXEC:
		on_exec_bpf(rec, st, r, t);
		break;
	case PROC_BPF_FORK:
		pe.what = PROC_EVENT_FORK;
		pe.event_data.fork.parent_pid = r->pid;
		pe.event_data.fork.parent_tgid = r->tgid;
		pe.event_data.fork.child_pid = r->child_pid;
		pe.event_data.fork.child_tgid = r->child_tgid;
		on_fork(rec, st, &pe, t, &st->pi[0]);
		break;
	case PROC_BPF_EXIT:
		pe.what = PROC_EVENT_EXIT;
		pe.event_data.exit.process_pid = r->pid;
		pe.event_data.exit.process_tgid = r->tgid;
		pe.event_data.exit.exit_code = r->exit_status;
		pe.event_data.exit.parent_tgid = r->ppid;
		on_exit_ev(rec, st, &pe, t);
		break;
	default:
		break;
	}
}

/* Records the program could not write become a gap in every ring. */
static void bpf_check_drops(struct rec *rec, struct proc_state *st)
{
	uint64_t d = proc_bpf_drops(st->bpf), now = rec_now_ns();

	if (d > st->bpf_drops) {
		st->lost += d - st->bpf_drops;
		rec_lost(rec, "proc", NULL, d - st->bpf_drops,
			 st->bpf_last_ns ? st->bpf_last_ns : now, now);
		st->bpf_drops = d;
	}
}

static void *bpf_ctx[2];	/* the recorder runs one proc source */

/* Load the bpf backend: 0, or negative with the reason logged when
 * `required` (--proc-backend bpf) and noted otherwise. */
static int bpf_start(struct rec *rec, struct proc_state *st, bool required)
{
	char why[256];
	int err;

	st->brec = malloc(sizeof(*st->brec));
	if (!st->brec)
		return -ENOMEM;
	bpf_ctx[0] = rec;
	bpf_ctx[1] = st;
	err = proc_bpf_open(&st->bpf, bpf_record, bpf_ctx, why, sizeof(why));
	if (err < 0) {
		struct fdr_buf b = FDR_BUF_INIT;

		fdr_buf_add_escaped(&b, why, strlen(why));
		rec_log(rec, "proc: %s: cannot load the eBPF exec capture: %s",
			required ? "error" : "falling back to the proc connector",
			b.len ? b.p : "unknown error");
		fdr_buf_release(&b);
		free(st->brec);
		st->brec = NULL;
		st->bpf = NULL;
		return err;
	}
	st->bfd = proc_bpf_fd(st->bpf);
	err = rec_watch_fd(rec, st->bfd, &src_proc);
	if (err < 0) {
		proc_bpf_free(st->bpf);
		st->bpf = NULL;
		free(st->brec);
		st->brec = NULL;
		return err;
	}
	return 0;
}

static void bpf_stop(struct rec *rec, struct proc_state *st)
{
	uint64_t cnt, ns;

	if (!st->bpf)
		return;
	proc_bpf_consume(st->bpf);
	bpf_check_drops(rec, st);
	if (proc_bpf_stats(st->bpf, &cnt, &ns) == 0 && cnt)
		rec_log(rec, "proc: bpf programs ran %llu times in %llu ns",
			(unsigned long long)cnt, (unsigned long long)ns);
	if (st->bpf_bad)
		rec_log(rec, "proc: %llu malformed bpf records skipped",
			(unsigned long long)st->bpf_bad);
	if (st->bpf_no_argv || st->bpf_no_exe)
		rec_log(rec, "proc: bpf could not read argv of %llu execs, exe of %llu",
			(unsigned long long)st->bpf_no_argv, (unsigned long long)st->bpf_no_exe);
	rec_unwatch_fd(rec, st->bfd);
	proc_bpf_free(st->bpf);
	st->bpf = NULL;
	free(st->brec);
	st->brec = NULL;
}

/* ---- audit records -------------------------------------------------------- */

static struct audit_exec *wip_get(struct proc_state *st, uint64_t serial, bool create)
{
	struct audit_exec *oldest = &st->wip[0];

	for (int i = 0; i < NWIP; i++) {
		if (st->wip[i].used && st->wip[i].serial == serial)
			return &st->wip[i];
		if (!st->wip[i].used || (oldest->used && st->wip[i].serial < oldest->serial))
			oldest = &st->wip[i];
	}
	if (!create)
		return NULL;
	/* a free slot, or the oldest unfinished event (its EOE was lost) */
	oldest->used = true;
	oldest->serial = serial;
	oldest->pid = 0;
	oldest->failed = false;
	oldest->used_bytes = 0;
	oldest->exe[0] = oldest->cwd[0] = '\0';
	return oldest;
}

static void audit_record(struct rec *rec, struct proc_state *st, const struct rec_audit_rec *r)
{
	struct audit_exec *ax;
	uint64_t v;

	switch (r->type) {
	case AUDIT_SYSCALL:
		if (rec_audit_u64(r, "syscall", &v) < 0 || (v != 59 && v != 322))
			return;	/* execve, execveat (x86_64) */
		ax = wip_get(st, r->serial, true);
		ax->t = r->time_ns;
		if (rec_audit_u64(r, "pid", &v) == 0)
			ax->pid = (pid_t)v;
		{
			size_t n;
			const char *ok = rec_audit_raw(r, "success", &n);

			ax->failed = ok && !(n == 3 && memcmp(ok, "yes", 3) == 0);
		}
		rec_audit_str(r, "exe", ax->exe, sizeof(ax->exe));
		break;
	case AUDIT_EXECVE:
		ax = wip_get(st, r->serial, true);
		rec_audit_execve_args(r, ax->args, sizeof(ax->args), &ax->used_bytes);
		break;
	case AUDIT_CWD:
		ax = wip_get(st, r->serial, false);
		if (ax)
			rec_audit_str(r, "cwd", ax->cwd, sizeof(ax->cwd));
		break;
	case AUDIT_EOE:
		ax = wip_get(st, r->serial, false);
		if (!ax)
			return;
		ax->used = false;
		if (ax->pid <= 0 || ax->failed || !ax->used_bytes)
			return;
		{
			struct pend *pd = pend_find(st, ax->pid);

			if (pd) {
				pend_resolve(rec, st, pd, ax);
			} else {
				st->done[st->done_next] = *ax;
				st->done[st->done_next].used = true;
				st->done_next = (st->done_next + 1) % NDONE;
			}
		}
		break;
	default:
		break;
	}
}

static void audit_ready(struct rec *rec, struct proc_state *st)
{
	char buf[8970 + 64];	/* MAX_AUDIT_MESSAGE_LENGTH + header */

	for (int i = 0; i < 4096; i++) {
		struct rec_audit_rec r;
		ssize_t n = recv(st->afd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR || errno == ENOBUFS)
				continue;
			return;
		}
		if (rec_audit_parse(buf, (size_t)n, &r) == 0)
			audit_record(rec, st, &r);
	}
}

static void audit_expire(struct rec *rec, struct proc_state *st, uint64_t now)
{
	for (int i = 0; i < NPEND && st->npend; i++)
		if (st->pend[i].used && st->pend[i].since + PEND_NS <= now)
			pend_resolve(rec, st, &st->pend[i], NULL);
}

/* Turn on audit and the exec rule, remembering what to restore. */
static int audit_start(struct rec *rec, struct proc_state *st)
{
	int err;

	st->afd = -1;
	snprintf(st->audit_key, sizeof(st->audit_key), "fdr-exec-%d", (int)rec_self_pid(rec));
	st->pend = calloc(NPEND, sizeof(*st->pend));
	if (!st->pend)
		return -ENOMEM;
	err = rec_audit_get(&st->audit_saved);
	if (err < 0) {
		rec_log(rec, "proc: --exec-audit: cannot query kernel audit: %s", strerror(-err));
		goto out_free;
	}
	if (st->audit_saved.enabled == 2) {
		rec_log(rec, "proc: --exec-audit: audit configuration is locked (enabled=2)");
		err = -EPERM;
		goto out_free;
	}
	err = rec_audit_set(1, st->audit_saved.backlog_limit < 8192 ? 8192 : 0);
	if (err < 0) {
		rec_log(rec, "proc: --exec-audit: cannot enable kernel audit: %s", strerror(-err));
		goto out_free;
	}
	st->audit_enabled_changed = true;
	err = rec_audit_exec_rule(true, st->audit_key);
	if (err < 0 && err != -EEXIST) {
		rec_log(rec, "proc: --exec-audit: cannot add the execve audit rule: %s", strerror(-err));
		goto out_restore;
	}
	st->audit_rule_added = err == 0;
	st->afd = rec_audit_listen();
	if (st->afd < 0) {
		err = st->afd;
		rec_log(rec, "proc: --exec-audit: cannot join the audit multicast group: %s",
			strerror(-err));
		goto out_rule;
	}
	err = rec_watch_fd(rec, st->afd, &src_proc);
	if (err < 0)
		goto out_close;
	return 0;
out_close:
	close(st->afd);
	st->afd = -1;
out_rule:
	if (st->audit_rule_added)
		rec_audit_exec_rule(false, st->audit_key);
	st->audit_rule_added = false;
out_restore:
	rec_audit_set(st->audit_saved.enabled, st->audit_saved.backlog_limit < 8192 ?
		      st->audit_saved.backlog_limit : 0);
	st->audit_enabled_changed = false;
out_free:
	free(st->pend);
	st->pend = NULL;
	return err;
}

static void audit_stop(struct rec *rec, struct proc_state *st)
{
	if (st->afd >= 0) {
		audit_ready(rec, st);
		for (int i = 0; i < NPEND; i++)
			if (st->pend[i].used)
				pend_resolve(rec, st, &st->pend[i], NULL);
		rec_unwatch_fd(rec, st->afd);
		close(st->afd);
		st->afd = -1;
	}
	if (st->audit_rule_added && rec_audit_exec_rule(false, st->audit_key) < 0)
		rec_log(rec, "proc: cannot remove the execve audit rule (key %s)", st->audit_key);
	if (st->audit_enabled_changed &&
	    rec_audit_set(st->audit_saved.enabled, st->audit_saved.backlog_limit < 8192 ?
			  st->audit_saved.backlog_limit : 0) < 0)
		rec_log(rec, "proc: cannot restore the kernel audit state");
}

/* Every running process into the table, and a proc.exec (flag scan) each. */
static void scan_proc(struct rec *rec, struct proc_state *st)
{
	DIR *d = opendir("/proc");
	struct rec_procinfo *pi = &st->pi[0];
	struct dirent *e;
	uint64_t now = rec_now_ns();

	if (!d)
		return;
	while ((e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		unsigned got;
		struct rec_proc *p;
		struct fdr_event ev;

		if (*end || pid <= 0 || pid == rec_self_pid(rec))
			continue;
		got = rec_procfs_read((pid_t)pid, REC_PI_ALL, pi);
		if (!(got & REC_PI_STATUS))
			continue;
		if (!(got & REC_PI_EXE) && (pid == 2 || pi->ppid == 2))
			continue;	/* kernel threads: no exe, children of kthreadd */
		p = rec_proctab_put(rec_procs(rec), (pid_t)pid);
		if (!p)
			break;
		p->ppid = pi->ppid;
		p->uid = pi->uid;
		p->euid = pi->euid;
		p->gid = pi->gid;
		p->loginuid = (got & REC_PI_LOGIN) ? pi->loginuid : (uint32_t)-1;
		p->sessionid = (got & REC_PI_LOGIN) ? pi->sessionid : (uint32_t)-1;
		copy_str(p->comm, sizeof(p->comm), pi->comm);
		if (got & REC_PI_EXE)
			copy_str(p->exe, sizeof(p->exe), pi->exe);
		copy_str(p->container_id, sizeof(p->container_id), pi->cg.id);

		fdr_event_init(&ev, FDR_PROC_EXEC, now);
		ev.flags |= FDR_EVF_SCAN;
		actor(&ev, p);
		if (got & REC_PI_EXE)
			fdr_event_set_cstr(&ev, FDR_F_EXE, pi->exe);
		if (got & REC_PI_ARGV)
			fdr_event_set_strv(&ev, FDR_F_ARGV, pi->argv, pi->argc);
		if (got & REC_PI_CWD)
			fdr_event_set_cstr(&ev, FDR_F_CWD, pi->cwd);
		fdr_event_set_u(&ev, FDR_F_UID, p->uid);
		fdr_event_set_u(&ev, FDR_F_GID, p->gid);
		fdr_event_set_u(&ev, FDR_F_EUID, p->euid);
		if (p->loginuid != (uint32_t)-1)
			fdr_event_set_u(&ev, FDR_F_LOGINUID, p->loginuid);
		rec_emit_cg(rec, &pi->cg, &ev);
	}
	closedir(d);
}

static int proc_init(struct rec *rec, void **state)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC };
	struct {
		struct nlmsghdr nh;
		struct cn_msg cn;
		uint32_t op;		/* enum proc_cn_mcast_op */
		uint32_t events;	/* Linux 6.6+ (struct proc_input): a filter */
	} __attribute__((packed)) req;
	const char *backend = rec_option(rec, "proc-backend", 0);
	struct proc_state *st;
	int size = RCVBUF, err;

	if (!backend)
		backend = "auto";
	if (strcmp(backend, "auto") != 0 && strcmp(backend, "bpf") != 0 &&
	    strcmp(backend, "netlink") != 0) {
		rec_log(rec, "proc: --proc-backend must be bpf, netlink or auto");
		return -EINVAL;
	}
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->afd = -1;
	st->bfd = -1;
	st->mono_to_wall = clock_offset();
	if (strcmp(backend, "netlink") != 0) {
		err = bpf_start(rec, st, strcmp(backend, "bpf") == 0);
		if (err < 0 && strcmp(backend, "bpf") == 0) {
			free(st);
			return err;
		}
	}
	st->fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_CONNECTOR);
	if (st->fd < 0) {
		err = -errno;
		rec_log(rec, "proc: cannot open the proc connector: %s", strerror(-err));
		bpf_stop(rec, st);
		free(st);
		return err == -EPROTONOSUPPORT ? -EOPNOTSUPP : err;
	}
	/* A large buffer rides out bursts; FORCE needs CAP_NET_ADMIN. */
	if (setsockopt(st->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(st->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (bind(st->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = -errno;
		rec_log(rec, "proc: cannot bind to the proc connector: %s (needs root)",
			strerror(-err));
		goto out_close;
	}
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = NLMSG_DONE;
	req.nh.nlmsg_pid = (uint32_t)getpid();
	req.cn.id.idx = CN_IDX_PROC;
	req.cn.id.val = CN_VAL_PROC;
	req.op = PROC_CN_MCAST_LISTEN;
	if (st->bpf) {
		/* only uid/gid/comm changes (PROC_EVENT_UID, _GID, _COMM);
		 * an older kernel reads the op alone and sends everything */
		req.cn.len = 2 * sizeof(uint32_t);
		req.events = 0x00000004u | 0x00000040u | 0x00000200u;
	} else {
		req.cn.len = sizeof(req.op);
		req.nh.nlmsg_len = sizeof(req) - sizeof(req.events);
	}
	if (send(st->fd, &req, req.nh.nlmsg_len, 0) < 0) {
		err = -errno;
		rec_log(rec, "proc: cannot subscribe to the proc connector: %s", strerror(-err));
		goto out_close;
	}
	st->mono_to_wall = clock_offset();
	err = rec_watch_fd(rec, st->fd, &src_proc);
	if (err < 0)
		goto out_close;
	rec_log(rec, "proc: backend %s", st->bpf ? "bpf (exec, fork, exit from eBPF)" :
		"netlink (proc connector)");
	if (rec_option(rec, "exec-audit", 0) && strcmp(rec_option(rec, "exec-audit", 0), "1") == 0 &&
	    st->bpf) {
		rec_log(rec, "proc: --exec-audit not needed with the bpf backend: ignored");
	} else if (rec_option(rec, "exec-audit", 0) &&
		   strcmp(rec_option(rec, "exec-audit", 0), "1") == 0) {
		err = audit_start(rec, st);
		if (err < 0) {
			rec_unwatch_fd(rec, st->fd);
			goto out_close;
		}
	}
	/* Subscribed first, scanned second: a process started in between is
	 * seen twice at worst, never missed. */
	scan_proc(rec, st);
	*state = st;
	return 0;
out_close:
	close(st->fd);
	bpf_stop(rec, st);
	free(st);
	return err;
}

static void proc_tick(struct rec *rec, void *state, uint64_t now_ns)
{
	struct proc_state *st = state;

	st->mono_to_wall = clock_offset();
	if (st->bpf) {	/* the program wakes us only past a threshold */
		proc_bpf_consume(st->bpf);
		bpf_check_drops(rec, st);
	}
	if (st->afd >= 0)
		audit_expire(rec, st, now_ns);
}

static void proc_stop(struct rec *rec, void *state)
{
	struct proc_state *st = state;

	proc_ready(rec, st, st->fd);	/* drain */
	bpf_stop(rec, st);
	audit_stop(rec, st);
	if (st->audit_filled || st->audit_timeouts || st->pend_full)
		rec_log(rec, "proc: audit supplied argv of %llu execs; %llu waited in vain, %llu could not wait",
			(unsigned long long)st->audit_filled,
			(unsigned long long)st->audit_timeouts, (unsigned long long)st->pend_full);
	free(st->pend);
	rec_log(rec, "proc: %llu execs (%llu partial), %llu messages lost",
		(unsigned long long)st->execs, (unsigned long long)st->partial,
		(unsigned long long)st->lost);
	rec_unwatch_fd(rec, st->fd);
	close(st->fd);
	free(st);
}

static const struct rec_optdef proc_options[] = {
	{ "proc-backend", "MODE", "where exec, fork and exit come from: bpf (eBPF, argv read at exec), netlink (proc connector and /proc), or auto (bpf when it loads; the default)", false },
	{ "exec-audit", NULL, "take argv also from the kernel audit EXECVE record (turns audit on and adds an execve rule; both restored at exit)", false },
	{ NULL, NULL, NULL, false },
};

const struct source_ops src_proc = {
	.name = "proc",
	.on_by_default = true,
	.options = proc_options,
	.init = proc_init,
	.on_ready = proc_ready,
	.tick = proc_tick,
	.stop = proc_stop,
};
