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
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
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
#include "rec-procfs.h"

extern const struct source_ops src_proc;

#define BATCH 64
#define MSG_SIZE 256
#define MAX_CPUS 4096
#define RCVBUF (32 << 20)

struct seqtrack {
	uint32_t last;
	bool seen;
};

struct proc_state {
	int fd;
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
	/* The parent may have moved to another cgroup since we saw it (a
	 * shell that joins a container's cgroup, then forks): ask again. */
	if (pp && (rec_procfs_read(parent, REC_PI_CGROUP, scratch) & REC_PI_CGROUP) &&
	    scratch->cg.id[0])	/* an exited parent reads as the host's */
		copy_str(pp->container_id, sizeof(pp->container_id), scratch->cg.id);
	if (pp)
		copy = *pp;
	else
		memset(&copy, 0, sizeof(copy));
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
		set_strz(&ev, FDR_F_PCOMM, pp->comm);
	else
		ev.flags |= FDR_EVF_PARTIAL;
	emit_proc(rec, cp, &ev);
}

static void on_exec(struct rec *rec, struct proc_state *st, const struct proc_event *pe,
		    uint64_t t, struct rec_procinfo *pi, unsigned got)
{
	pid_t pid = pe->event_data.exec.process_tgid;
	struct rec_proctab *tab = rec_procs(rec);
	struct rec_proc *p, *pp, tmp;
	struct fdr_event ev;

	if (pid == rec_self_pid(rec))
		return;
	got |= rec_procfs_read(pid, REC_PI_STATUS | REC_PI_LOGIN, pi);
	p = rec_proctab_get(tab, pid);
	if (!p) {
		p = rec_proctab_put(tab, pid);
		if (!p) {
			memset(&tmp, 0, sizeof(tmp));
			p = &tmp;
		}
		p->pid = pid;
		p->start_ns = t;
	}
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
	/* A task that already exited reads as the host's (root) cgroup: trust
	 * a host answer only while the process was alive (argv read after it);
	 * else keep the container inherited at fork. */
	if ((got & REC_PI_CGROUP) && !(got & REC_PI_ARGV) && !pi->cg.id[0])
		got &= ~(unsigned)REC_PI_CGROUP;
	if (got & REC_PI_CGROUP)
		copy_str(p->container_id, sizeof(p->container_id), pi->cg.id);

	fdr_event_init(&ev, FDR_PROC_EXEC, t);
	actor(&ev, p);
	if (got & REC_PI_EXE)
		fdr_event_set_cstr(&ev, FDR_F_EXE, pi->exe);	/* untruncated */
	if (got & REC_PI_ARGV)
		fdr_event_set_strv(&ev, FDR_F_ARGV, pi->argv, pi->argc);
	if (got & REC_PI_CWD)
		fdr_event_set_cstr(&ev, FDR_F_CWD, pi->cwd);
	fdr_event_set_u(&ev, FDR_F_UID, p->uid);
	fdr_event_set_u(&ev, FDR_F_GID, p->gid);
	fdr_event_set_u(&ev, FDR_F_EUID, p->euid);
	if (p->loginuid != (uint32_t)-1)
		fdr_event_set_u(&ev, FDR_F_LOGINUID, p->loginuid);
	if (p->sessionid != (uint32_t)-1)
		fdr_event_set_u(&ev, FDR_F_SESSIONID, p->sessionid);
	pp = p->ppid ? rec_proctab_get(tab, p->ppid) : NULL;
	if (pp)
		set_strz(&ev, FDR_F_PCOMM, pp->comm);
	st->execs++;
	if ((got & (REC_PI_ARGV | REC_PI_EXE)) != (REC_PI_ARGV | REC_PI_EXE)) {
		ev.flags |= FDR_EVF_PARTIAL;
		st->partial++;
	}
	if (got & REC_PI_CGROUP) {
		rec_emit_cg(rec, &pi->cg, &ev);
	} else {
		emit_proc(rec, p, &ev);
	}
}

static void on_exit_ev(struct rec *rec, const struct proc_event *pe, uint64_t t)
{
	pid_t pid = pe->event_data.exit.process_tgid;
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
	if (p == &tmp)
		rec_emit_pid(rec, pid, &ev);
	else
		emit_proc(rec, p, &ev);
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
			if (pe && pe->what == PROC_EVENT_EXEC &&
			    pe->event_data.exec.process_tgid != rec_self_pid(rec))
				st->got[i] = rec_procfs_read(pe->event_data.exec.process_tgid,
							     REC_PI_ARGV | REC_PI_EXE | REC_PI_CWD |
							     REC_PI_CGROUP, &st->pi[i]);
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
			track_seq(rec, st, pe, seq, t);
			switch (pe->what) {
			case PROC_EVENT_FORK:
				on_fork(rec, st, pe, t, &st->pi[i]);
				break;
			case PROC_EVENT_EXEC:
				on_exec(rec, st, pe, t, &st->pi[i], st->got[i]);
				break;
			case PROC_EVENT_EXIT:
				on_exit_ev(rec, pe, t);
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
		enum proc_cn_mcast_op op;
	} __attribute__((packed)) req;
	struct proc_state *st;
	int size = RCVBUF, err;

	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_CONNECTOR);
	if (st->fd < 0) {
		err = -errno;
		rec_log(rec, "proc: cannot open the proc connector: %s", strerror(-err));
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
	req.cn.len = sizeof(req.op);
	req.op = PROC_CN_MCAST_LISTEN;
	if (send(st->fd, &req, sizeof(req), 0) < 0) {
		err = -errno;
		rec_log(rec, "proc: cannot subscribe to the proc connector: %s", strerror(-err));
		goto out_close;
	}
	st->mono_to_wall = clock_offset();
	err = rec_watch_fd(rec, st->fd, &src_proc);
	if (err < 0)
		goto out_close;
	/* Subscribed first, scanned second: a process started in between is
	 * seen twice at worst, never missed. */
	scan_proc(rec, st);
	*state = st;
	return 0;
out_close:
	close(st->fd);
	free(st);
	return err;
}

static void proc_tick(struct rec *rec, void *state, uint64_t now_ns)
{
	struct proc_state *st = state;

	(void)rec;
	(void)now_ns;
	st->mono_to_wall = clock_offset();
}

static void proc_stop(struct rec *rec, void *state)
{
	struct proc_state *st = state;

	proc_ready(rec, st, st->fd);	/* drain */
	rec_log(rec, "proc: %llu execs (%llu partial), %llu messages lost",
		(unsigned long long)st->execs, (unsigned long long)st->partial,
		(unsigned long long)st->lost);
	rec_unwatch_fd(rec, st->fd);
	close(st->fd);
	free(st);
}

const struct source_ops src_proc = {
	.name = "proc",
	.on_by_default = true,
	.options = NULL,
	.init = proc_init,
	.on_ready = proc_ready,
	.tick = proc_tick,
	.stop = proc_stop,
};
