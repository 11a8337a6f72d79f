// SPDX-License-Identifier: Apache-2.0
/* fdr-record's core: event loop, services to sources, gap accounting.
 * See rec-core.h and rec-source.h. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "rec-core.h"
#include "rec-rings.h"

#define MAX_SOURCES 16
#define MAX_GAPS 256
#define TICK_NS 100000000ull
#define EP_SIGNAL (~0ull)
#define EP_TIMER (~0ull - 1)

struct source_slot {
	const struct source_ops *ops;
	void *state;
	bool active;
};

struct watch {
	int fd;
	int src;	/* index in rec->src */
};

struct gap {
	char source[16];
	char id[128];	/* "" host, "*" every ring */
	uint64_t lost, from, to;
};

struct rec {
	const struct rec_settings *set;
	const struct rec_opts *opts;
	int epfd, sigfd, timerfd;
	struct source_slot src[MAX_SOURCES];
	size_t nsrc;
	struct watch *watch;	/* grows: one per watched fd (a capture per interface) */
	size_t nwatch, capwatch;
	struct rec_proctab *procs;
	struct rec_rings *rings;
	struct rec_rings_cfg rcfg;
	struct fdr_ring_meta host;
	struct gap gaps[MAX_GAPS];
	size_t ngaps;
	uint64_t gaps_dropped;
	pid_t self;
	uint64_t started_ns, next_flush_ns, stop_ns;
	uint64_t written, append_lost;
	bool stopping;
	char sources_list[256];
	int init_src;	/* index of the source being initialized */
};

/* ---- small services --------------------------------------------------- */

uint64_t rec_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void rec_log(struct rec *rec, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	int n;

	(void)rec;
	n = snprintf(line, sizeof(line), "fdr-record: ");
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	n = (int)strlen(line);
	if (n < (int)sizeof(line) - 1)
		line[n++] = '\n';
	/* one write per line: lines of concurrent writers never interleave */
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}

pid_t rec_self_pid(struct rec *rec)
{
	return rec->self;
}

const char *rec_dir(struct rec *rec)
{
	return rec->set->dir;
}

const char *rec_option(struct rec *rec, const char *name, unsigned i)
{
	return rec_opts_get(rec->opts, name, i);
}

struct rec_proctab *rec_procs(struct rec *rec)
{
	return rec->procs;
}

uint64_t rec_events_written(struct rec *rec)
{
	return rec->written;
}

const struct rec_proc *rec_proc_lookup(struct rec *rec, pid_t pid)
{
	return rec_proctab_get(rec->procs, pid);
}

int rec_watch_fd(struct rec *rec, int fd, const struct source_ops *src)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int idx = -1;

	for (size_t i = 0; i < rec->nsrc; i++)
		if (rec->src[i].ops == src)
			idx = (int)i;
	if (idx < 0)
		idx = rec->init_src;
	if (idx < 0)
		return -ENOSPC;
	if (rec->nwatch == rec->capwatch) {
		size_t cap = rec->capwatch ? rec->capwatch * 2 : 16;
		struct watch *w = realloc(rec->watch, cap * sizeof(*w));

		if (!w)
			return -ENOMEM;
		rec->watch = w;
		rec->capwatch = cap;
	}
	ev.data.u64 = (uint64_t)fd;
	if (epoll_ctl(rec->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	rec->watch[rec->nwatch].fd = fd;
	rec->watch[rec->nwatch].src = idx;
	rec->nwatch++;
	return 0;
}

void rec_unwatch_fd(struct rec *rec, int fd)
{
	for (size_t i = 0; i < rec->nwatch; i++) {
		if (rec->watch[i].fd == fd) {
			epoll_ctl(rec->epfd, EPOLL_CTL_DEL, fd, NULL);
			rec->watch[i] = rec->watch[--rec->nwatch];
			return;
		}
	}
}

/* ---- attribution and emission ----------------------------------------- */

const char *rec_container_of(struct rec *rec, pid_t pid, char *buf, size_t size)
{
	const struct rec_proc *p = rec_proctab_get(rec->procs, pid);
	struct rec_cgroup_id cg;
	char path[64], text[4096];
	ssize_t n = 0;
	int fd;

	if (!size)
		return "";
	buf[0] = '\0';
	if (p) {
		snprintf(buf, size, "%s", p->container_id);
		return buf;
	}
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, text, sizeof(text));
		close(fd);
	}
	if (n > 0 && rec_cgroup_parse_file(text, (size_t)n, &cg) == 1)
		snprintf(buf, size, "%s", cg.id);
	return buf;
}

static int append(struct rec *rec, struct rec_ring *r, const struct fdr_event *ev)
{
	int err = rec_ring_append(rec->rings, r, ev);

	if (err < 0) {
		rec->append_lost++;
		if (rec->append_lost == 1 || (rec->append_lost & (rec->append_lost - 1)) == 0)
			rec_log(rec, "cannot write event to ring '%s': %s (%llu lost so far)",
				r->path, fdr_strerror(err), (unsigned long long)rec->append_lost);
		return err;
	}
	rec->written++;
	return 0;
}

static struct rec_ring *ring_start(struct rec *rec, const char *id, const char *runtime,
				   const char *pod_uid);

static int emit_to(struct rec *rec, const char *id, const char *runtime, const char *pod_uid,
		   const struct fdr_event *ev)
{
	struct rec_ring *r;

	if (id && id[0]) {
		r = ring_start(rec, id, runtime, pod_uid);
		if (r)
			return append(rec, r, ev);
		/* No ring for the container (budget, disk full): keep the
		 * event in the host ring, saying whose it is. */
		{
			struct fdr_event *copy = malloc(sizeof(*copy));
			int err;

			if (!copy)
				return -ENOMEM;
			*copy = *ev;
			fdr_event_set_cstr(copy, FDR_F_CONTAINER, id);
			fdr_event_set_cstr(copy, FDR_F_REASON, "container ring unavailable");
			r = rec_rings_find(rec->rings, "");
			err = r ? append(rec, r, copy) : -EIO;
			free(copy);
			return err;
		}
	}
	r = rec_rings_find(rec->rings, "");
	return r ? append(rec, r, ev) : -EIO;
}

int rec_emit(struct rec *rec, const char *container_id, const struct fdr_event *ev)
{
	return emit_to(rec, container_id, NULL, NULL, ev);
}

int rec_emit_cg(struct rec *rec, const struct rec_cgroup_id *cg, const struct fdr_event *ev)
{
	if (!cg)
		return emit_to(rec, "", NULL, NULL, ev);
	return emit_to(rec, cg->id, cg->runtime, cg->pod_uid, ev);
}

int rec_emit_pid(struct rec *rec, pid_t pid, const struct fdr_event *ev)
{
	const struct rec_proc *p;
	struct rec_cgroup_id cg;
	char path[64], text[4096];
	ssize_t n = 0;
	int fd;

	if (pid == rec->self)
		return 0;
	p = rec_proctab_get(rec->procs, pid);
	if (p)
		return emit_to(rec, p->container_id, NULL, NULL, ev);
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, text, sizeof(text));
		close(fd);
	}
	if (n > 0 && rec_cgroup_parse_file(text, (size_t)n, &cg) >= 0)
		return rec_emit_cg(rec, &cg, ev);
	{
		struct fdr_event *copy = malloc(sizeof(*copy));
		int err;

		if (!copy)
			return -ENOMEM;
		*copy = *ev;
		copy->flags |= FDR_EVF_UNATTRIBUTED;
		err = emit_to(rec, "", NULL, NULL, copy);
		free(copy);
		return err;
	}
}

int rec_update_meta(struct rec *rec, const char *container_id, const struct fdr_ring_meta *meta)
{
	if (!container_id || !container_id[0])
		return -EINVAL;
	if (!ring_start(rec, container_id, meta->runtime, meta->pod_uid))
		return -ENOENT;
	return rec_rings_update_meta(rec->rings, container_id, meta);
}

/* ---- self events and gaps --------------------------------------------- */

static void self_event(struct rec *rec, struct rec_ring *r, unsigned kind)
{
	struct fdr_event ev;

	fdr_event_init(&ev, kind, rec_now_ns());
	fdr_event_set_u(&ev, FDR_F_PID, (uint64_t)rec->self);
	fdr_event_set_cstr(&ev, FDR_F_COMM, "fdr-record");
	fdr_event_set_cstr(&ev, FDR_F_VERSION, FDR_VERSION);
	fdr_event_set_cstr(&ev, FDR_F_SOURCE, rec->sources_list);
	if (kind == FDR_REC_STOP)
		fdr_event_set_u(&ev, FDR_F_LOST, rec->append_lost);
	append(rec, r, &ev);
}

/* A container ring, with rec.start written when it is first opened. */
static struct rec_ring *ring_start(struct rec *rec, const char *id, const char *runtime,
				   const char *pod_uid)
{
	struct rec_ring *r = rec_rings_find(rec->rings, id);

	if (r)
		return r;
	r = rec_rings_get(rec->rings, id, runtime, pod_uid);
	if (r)
		self_event(rec, r, FDR_REC_START);
	return r;
}

void rec_lost(struct rec *rec, const char *source, const char *container_id, uint64_t lost,
	      uint64_t from_ns, uint64_t to_ns)
{
	const char *id = container_id ? container_id : "*";
	struct gap *g;

	if (!lost)
		return;
	for (size_t i = 0; i < rec->ngaps; i++) {
		g = &rec->gaps[i];
		if (strcmp(g->source, source) == 0 && strcmp(g->id, id) == 0) {
			g->lost += lost;
			if (from_ns < g->from)
				g->from = from_ns;
			if (to_ns > g->to)
				g->to = to_ns;
			return;
		}
	}
	if (rec->ngaps == MAX_GAPS) {
		rec->gaps_dropped += lost;
		return;
	}
	g = &rec->gaps[rec->ngaps++];
	snprintf(g->source, sizeof(g->source), "%s", source);
	snprintf(g->id, sizeof(g->id), "%s", id);
	g->lost = lost;
	g->from = from_ns;
	g->to = to_ns;
}

static void gap_event(struct rec *rec, struct rec_ring *r, const struct gap *g)
{
	struct fdr_event ev;

	fdr_event_init(&ev, FDR_REC_GAP, g->to ? g->to : rec_now_ns());
	fdr_event_set_u(&ev, FDR_F_PID, (uint64_t)rec->self);
	fdr_event_set_cstr(&ev, FDR_F_SOURCE, g->source);
	fdr_event_set_u(&ev, FDR_F_LOST, g->lost);
	fdr_event_set_u(&ev, FDR_F_FROM, g->from);
	fdr_event_set_u(&ev, FDR_F_TO, g->to);
	append(rec, r, &ev);
}

static void write_gaps(struct rec *rec)
{
	if (rec->gaps_dropped && rec->ngaps < MAX_GAPS) {
		struct gap *g = &rec->gaps[rec->ngaps++];

		/* losses that found no free gap record: every ring */
		snprintf(g->source, sizeof(g->source), "core");
		snprintf(g->id, sizeof(g->id), "*");
		g->lost = rec->gaps_dropped;
		g->from = g->to = rec_now_ns();
		rec->gaps_dropped = 0;
	}
	for (size_t i = 0; i < rec->ngaps; i++) {
		const struct gap *g = &rec->gaps[i];

		rec_log(rec, "source '%s' lost %llu events (%s)", g->source,
			(unsigned long long)g->lost, strcmp(g->id, "*") == 0 ? "all rings" :
			g->id[0] ? g->id : "host");
		if (strcmp(g->id, "*") == 0) {
			for (size_t k = 0; k < rec_rings_count(rec->rings); k++)
				gap_event(rec, rec_rings_at(rec->rings, k), g);
		} else {
			struct rec_ring *r = g->id[0] ? ring_start(rec, g->id, NULL, NULL) : NULL;

			if (!r)
				r = rec_rings_find(rec->rings, "");
			if (r)
				gap_event(rec, r, g);
		}
	}
	rec->ngaps = 0;
}

static void flush_all(struct rec *rec)
{
	int err;

	write_gaps(rec);
	err = rec_rings_flush(rec->rings);
	if (err < 0)
		rec_log(rec, "cannot flush rings in '%s': %s", rec->set->dir, fdr_strerror(err));
}

/* ---- life cycle ------------------------------------------------------- */

static void read_small(const char *path, char *out, size_t size)
{
	ssize_t n = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	out[0] = '\0';
	if (fd >= 0) {
		n = read(fd, out, size - 1);
		close(fd);
	}
	if (n <= 0)
		return;
	out[n] = '\0';
	out[strcspn(out, "\n")] = '\0';
}

struct live_arg {
	const char *id12;
	bool live;
};

static void live_fn(struct rec_proc *p, void *arg)
{
	struct live_arg *a = arg;

	if (!p->exited && strncmp(p->container_id, a->id12, 12) == 0)
		a->live = true;
}

static bool container_live(void *arg, const char *id12)
{
	struct rec *rec = arg;
	struct live_arg a = { id12, false };

	rec_proctab_foreach(rec->procs, live_fn, &a);
	return a.live;
}

int rec_new(const struct rec_settings *s, const struct rec_opts *o, struct rec **out)
{
	struct rec *rec = calloc(1, sizeof(*rec));
	struct itimerspec its = { { 0, TICK_NS }, { 0, TICK_NS } };
	struct epoll_event ev = { .events = EPOLLIN };
	sigset_t mask;
	int err;

	if (!rec)
		return -ENOMEM;
	rec->set = s;
	rec->opts = o;
	rec->self = getpid();
	rec->init_src = -1;
	rec->epfd = rec->sigfd = rec->timerfd = -1;
	rec->started_ns = rec_now_ns();
	rec->next_flush_ns = rec->started_ns + s->flush_ns;
	rec->stop_ns = s->duration_ns ? rec->started_ns + s->duration_ns : 0;

	rec->procs = rec_proctab_new(s->proc_max);
	if (!rec->procs) {
		err = -ENOMEM;
		goto out_free;
	}
	rec->epfd = epoll_create1(EPOLL_CLOEXEC);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	rec->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	rec->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (rec->epfd < 0 || rec->sigfd < 0 || rec->timerfd < 0) {
		err = -errno;
		rec_log(rec, "cannot set up the event loop: %s", strerror(-err));
		goto out_free;
	}
	timerfd_settime(rec->timerfd, 0, &its, NULL);
	/* The proc connector gives pids only; a short-lived process is gone
	 * unless /proc is read within a fraction of a millisecond. Real-time
	 * scheduling wakes the recorder ahead of the processes it watches
	 * (measured: 76% of execs with argv in a storm without, 99.97% with;
	 * see bench/recorder-exec.sh). The kernel's RT throttling still caps
	 * a runaway recorder. */
	if (s->rt_prio > 0) {
		struct sched_param sp = { .sched_priority = s->rt_prio };

		if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp) < 0)
			rec_log(rec, "cannot use real-time scheduling (%s): short-lived processes may lose their argv",
				strerror(errno));
	}
	ev.data.u64 = EP_SIGNAL;
	epoll_ctl(rec->epfd, EPOLL_CTL_ADD, rec->sigfd, &ev);
	ev.data.u64 = EP_TIMER;
	epoll_ctl(rec->epfd, EPOLL_CTL_ADD, rec->timerfd, &ev);

	if (gethostname(rec->host.hostname, sizeof(rec->host.hostname) - 1) < 0)
		rec->host.hostname[0] = '\0';
	read_small("/etc/machine-id", rec->host.machine_id, sizeof(rec->host.machine_id));
	read_small("/proc/sys/kernel/random/boot_id", rec->host.boot_id, sizeof(rec->host.boot_id));

	rec->rcfg.dir = s->dir;
	rec->rcfg.ring_size = s->ring_size;
	rec->rcfg.slot_size = s->slot_size;
	rec->rcfg.budget = s->budget;
	rec->rcfg.sync = s->sync;
	rec->rcfg.is_live = container_live;
	rec->rcfg.arg = rec;
	err = rec_rings_new(rec, &rec->rcfg, &rec->host, &rec->rings);
	if (err < 0)
		goto out_free;
	*out = rec;
	return 0;
out_free:
	rec_proctab_free(rec->procs);
	if (rec->epfd >= 0)
		close(rec->epfd);
	if (rec->sigfd >= 0)
		close(rec->sigfd);
	if (rec->timerfd >= 0)
		close(rec->timerfd);
	free(rec->watch);
	free(rec);
	return err;
}

static const struct source_ops *find_source(const char *name, size_t len)
{
	for (size_t i = 0; rec_sources[i]; i++)
		if (strlen(rec_sources[i]->name) == len &&
		    memcmp(rec_sources[i]->name, name, len) == 0)
			return rec_sources[i];
	return NULL;
}

static int start_one(struct rec *rec, const struct source_ops *ops, bool requested)
{
	struct source_slot *sl;
	int err;

	for (size_t i = 0; i < rec->nsrc; i++)
		if (rec->src[i].ops == ops)
			return 0;	/* named twice */
	if (rec->nsrc == MAX_SOURCES)
		return -ENOSPC;
	sl = &rec->src[rec->nsrc];
	sl->ops = ops;
	sl->state = NULL;
	rec->init_src = (int)rec->nsrc;
	rec->nsrc++;
	err = ops->init(rec, &sl->state);
	rec->init_src = -1;
	if (err < 0) {
		/* drop fds it may have registered before failing */
		for (size_t i = 0; i < rec->nwatch;)
			if (rec->watch[i].src == (int)(rec->nsrc - 1))
				rec_unwatch_fd(rec, rec->watch[i].fd);
			else
				i++;
		rec->nsrc--;
		if (!requested && err == -EOPNOTSUPP) {
			rec_log(rec, "source '%s' is not available on this host: skipped", ops->name);
			return 0;
		}
		rec_log(rec, "cannot start source '%s': %s", ops->name, strerror(-err));
		return err;
	}
	sl->active = true;
	if (rec->sources_list[0])
		strncat(rec->sources_list, ",", sizeof(rec->sources_list) - strlen(rec->sources_list) - 1);
	strncat(rec->sources_list, ops->name, sizeof(rec->sources_list) - strlen(rec->sources_list) - 1);
	return 0;
}

int rec_start_sources(struct rec *rec, const char *list)
{
	int err;

	if (!list) {
		for (size_t i = 0; rec_sources[i]; i++) {
			if (!rec_sources[i]->on_by_default)
				continue;
			err = start_one(rec, rec_sources[i], false);
			if (err < 0)
				return err;
		}
	} else {
		const char *p = list;

		while (*p) {
			size_t n = strcspn(p, ", ");
			const struct source_ops *ops;

			if (n) {
				ops = find_source(p, n);
				if (!ops) {
					rec_log(rec, "unknown source '%.*s' in --sources (known: see --help)",
						(int)(n > 64 ? 64 : n), p);
					return -EINVAL;
				}
				err = start_one(rec, ops, true);
				if (err < 0)
					return err;
			}
			p += n;
			while (*p == ',' || *p == ' ')
				p++;
		}
	}
	if (rec->nsrc == 0) {
		rec_log(rec, "no source could start: nothing to record");
		return -ENOENT;
	}
	self_event(rec, rec_rings_find(rec->rings, ""), FDR_REC_START);
	rec_log(rec, "recording into '%s' (sources: %s)", rec->set->dir, rec->sources_list);
	return 0;
}

static void tick(struct rec *rec)
{
	uint64_t now = rec_now_ns(), exp;

	if (read(rec->timerfd, &exp, sizeof(exp)) < 0 && errno != EAGAIN)
		return;
	for (size_t i = 0; i < rec->nsrc; i++)
		if (rec->src[i].ops->tick)
			rec->src[i].ops->tick(rec, rec->src[i].state, now);
	rec_proctab_expire(rec->procs, now, rec->set->proc_keep_ns);
	if (now >= rec->next_flush_ns) {
		flush_all(rec);
		rec->next_flush_ns = now + rec->set->flush_ns;
	}
	if (rec->stop_ns && now >= rec->stop_ns)
		rec->stopping = true;
}

int rec_run(struct rec *rec)
{
	struct epoll_event evs[16];

	while (!rec->stopping) {
		int n = epoll_wait(rec->epfd, evs, 16, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			rec_log(rec, "event loop: %s", strerror(errno));
			return -errno;
		}
		for (int i = 0; i < n; i++) {
			uint64_t d = evs[i].data.u64;

			if (d == EP_SIGNAL) {
				struct signalfd_siginfo si;

				if (read(rec->sigfd, &si, sizeof(si)) == sizeof(si)) {
					rec_log(rec, "signal %u: stopping", si.ssi_signo);
					rec->stopping = true;
				}
			} else if (d == EP_TIMER) {
				tick(rec);
			} else {
				for (size_t w = 0; w < rec->nwatch; w++) {
					if (rec->watch[w].fd == (int)d) {
						struct source_slot *sl = &rec->src[rec->watch[w].src];

						sl->ops->on_ready(rec, sl->state, (int)d);
						break;
					}
				}
			}
		}
	}
	return 0;
}

void rec_free(struct rec *rec)
{
	if (!rec)
		return;
	for (size_t i = rec->nsrc; i-- > 0;) {
		if (rec->src[i].active && rec->src[i].ops->stop)
			rec->src[i].ops->stop(rec, rec->src[i].state);
		rec->src[i].active = false;
	}
	write_gaps(rec);
	if (rec->nsrc)
		for (size_t k = 0; k < rec_rings_count(rec->rings); k++)
			self_event(rec, rec_rings_at(rec->rings, k), FDR_REC_STOP);
	rec_rings_free(rec->rings);
	rec_proctab_free(rec->procs);
	close(rec->epfd);
	close(rec->sigfd);
	close(rec->timerfd);
	free(rec->watch);
	free(rec);
}
