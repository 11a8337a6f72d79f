/* SPDX-License-Identifier: Apache-2.0 */
/*
 * File source: fanotify filesystem marks in FID mode.
 *
 * Why FID mode: classic fanotify hands over an open fd per event and the
 * path is read from it afterwards, so a file already deleted reads as
 * "(deleted)" or not at all (fatrace names 6-20% of the events of a
 * create/write/delete storm here, bench/file.sh). With FAN_REPORT_DFID_NAME the kernel reports the parent directory's
 * handle and the entry name at the time of the event: the directory is
 * resolved once (file-resolve, cached) and the name is exact, even for a file
 * gone by the time we read.
 *
 * Flow: init() marks every real filesystem in /proc/self/mountinfo;
 * on_ready() reads buffers, file-event parses them, each event becomes one
 * fdr event per kind bit. Modifications go through file-coalesce and leave
 * at tick() or before the next event on the same path. Paths seen by a
 * process in another mount namespace come from file-map views built from its
 * /proc/<pid>/mountinfo (overlay upper dir -> container path), cached per
 * namespace.
 *
 * Times: fanotify events carry none, so an event's time is when it was
 * read: within microseconds under load, up to a tick (100 ms) late when
 * events trickle in and are read at ticks (see BATCH_*). Folded modifies
 * carry their first one's read time.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file-coalesce.h"
#include "file-event.h"
#include "file-map.h"
#include "file-resolve.h"
#include "rec-source.h"

/* One read is at most this much (about 1,000 events): handling it takes
 * ~2 ms, so the loop's other sources (the proc connector must read /proc
 * before short processes exit) wait no longer than that. */
#define READ_BUF (64u << 10)
#define PATH_BUF 8192
#define PID_CACHE 128
#define VIEW_CACHE 16
#define PID_TTL_NS 1000000000ull
#define VIEW_TTL_NS 5000000000ull
#define MOVE_PAIR_NS 200000000ull
#define OVL_TTL_NS 2000000000ull
#define DIR_CACHE 8192
#define COAL_CAP 4096
/* Batching: when events trickle in, reading them at each tick (100 ms)
 * instead of at each wakeup saves most of the cost (a wakeup per event is
 * what dominates otherwise); when a tick's read comes back half full, every
 * wakeup counts again (one read each, the loop interleaving other sources)
 * so the kernel's queue (16384 events) never fills. */
#define BATCH_ENTER 256		/* events per wakeup below which we batch */

extern const struct source_ops src_file;

/* Events we ask for. FAN_RENAME replaces MOVED_FROM/TO where the kernel
 * has it (5.17). */
#define BASE_MASK (FAN_CREATE | FAN_DELETE | FAN_ATTRIB | FAN_MODIFY | FAN_CLOSE_WRITE | \
		   FAN_OPEN_EXEC | FAN_ONDIR)

struct view_slot {
	uint64_t mntns;
	uint64_t filled_ns;
	struct fmap_view view;
};

struct pid_slot {
	pid_t pid;
	uint64_t filled_ns;
	bool known;		/* container is meaningful (process seen alive) */
	char container[128];	/* "" for the host */
	struct fmap_view *view;	/* NULL: sees host paths */
	struct view_slot *vslot;	/* where view lives when by namespace */
	uint64_t mntns;
	struct fmap_view chroot;	/* same mount ns, other root */
};

struct moved {
	bool used;
	pid_t pid;
	uint64_t t, fsid;
	char path[PATH_BUF];
	size_t len;
};

struct fsrc {
	struct rec *rec;
	int fan;
	bool have_rename, have_fid;
	pid_t self;
	uint64_t self_mntns;
	char self_dir[PATH_MAX];
	size_t self_dir_len;
	struct fres *res;
	struct fcoal *coal;
	struct fmap_filter filter;
	struct pid_slot pids[PID_CACHE];
	/* Overlays mounted in the recorder's namespace (Docker's), for actors
	 * gone before their events are read: layer dirs -> "/", work dirs
	 * (overlay's copy-up scratch space, not the container's doing) to skip,
	 * upper dirs -> container id where Docker's layer db says so. */
	struct fmap_view host_ovl;
	struct fmap_filter ovl_work;
	struct ovl_owner {
		char *upper;
		size_t len;
		char id[128];
	} *owners;
	size_t nowners;
	uint64_t ovl_read_ns;
	struct view_slot views[VIEW_CACHE];
	struct moved moved;
	uint64_t now;		/* time of the buffer being handled */
	uint64_t last_ns;	/* previous read: a gap starts after it */
	bool logged_proto, logged_bad;
	bool batched;		/* fd unwatched, read at tick() */
	/* counters for the stop line */
	uint64_t n_read, n_emitted, n_partial, n_self, n_filtered, n_overflow, n_bad;
	char p1[PATH_BUF], p2[PATH_BUF], c1[PATH_BUF], c2[PATH_BUF];
	uint8_t *buf;
};

static const struct rec_optdef file_options[] = {
	{ "file-include", "PREFIX", "record only files under PREFIX", true },
	{ "file-exclude", "PREFIX", "do not record files under PREFIX", true },
	{ "file-no-rename", NULL, "pair moved_from/moved_to instead of FAN_RENAME (as before Linux 5.17)", false },
	{ "file-coalesce", "MS", "fold modifies of a file by a process within MS ms (default: the flush interval)", false },
	{ NULL, NULL, NULL, false },
};

/* ---- actors and their view of paths ---------------------------------- */

static uint64_t mntns_of(pid_t pid)
{
	char p[64];
	struct stat st;

	if (pid > 0)
		snprintf(p, sizeof(p), "/proc/%d/ns/mnt", (int)pid);
	else
		snprintf(p, sizeof(p), "/proc/self/ns/mnt");
	return stat(p, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

/* Which directory a process has as its root: a container's first process
 * works in the new namespace before pivot_root, with the host's root. */
static uint64_t root_of(pid_t pid)
{
	char p[64];
	struct stat st;

	snprintf(p, sizeof(p), "/proc/%d/root", (int)pid);
	return stat(p, &st) == 0 ? ((uint64_t)st.st_dev << 40) ^ (uint64_t)st.st_ino : 0;
}

static void view_fill(struct fmap_view *v, pid_t pid)
{
	char p[64], *line = NULL;
	size_t cap = 0;
	struct fmap_mount m;
	FILE *f;

	snprintf(p, sizeof(p), "/proc/%d/mountinfo", (int)pid);
	f = fopen(p, "re");
	if (!f)
		return;
	while (getline(&line, &cap, f) > 0)
		if (fmap_mountinfo_parse(line, &m) == 0)
			fmap_view_add_mount(v, &m);
	free(line);
	fclose(f);
}

/* Layer dirs are named through symlinks (Docker's overlay2/l/<short>):
 * events carry the resolved path, so map that one too. */
static void view_resolve(struct fmap_view *v)
{
	size_t i, n = v->n;
	char real[PATH_MAX];

	for (i = 0; i < n; i++) {
		if (!v->v[i].by_host || !realpath(v->v[i].from, real) ||
		    strcmp(real, v->v[i].from) == 0)
			continue;
		fmap_view_add_prefix(v, real, v->v[i].to);
	}
}

/* The container id whose layerdb mount-id file, under
 * <root>/image/<driver>/layerdb/mounts/<id>/mount-id, names layer; 0 or -ENOENT. */
static int layer_owner(const char *root, const char *driver, const char *layer, char *id,
		       size_t size)
{
	char dbdir[PATH_MAX + 64], f[PATH_MAX * 2], got[256];
	struct dirent *de;
	int rc = -ENOENT;
	DIR *d;

	snprintf(dbdir, sizeof(dbdir), "%s/image/%s/layerdb/mounts", root, driver);
	d = opendir(dbdir);
	if (!d)
		return -ENOENT;
	while ((de = readdir(d))) {
		FILE *mf;
		size_t n;

		if (de->d_name[0] == '.' || strlen(de->d_name) >= size)
			continue;
		snprintf(f, sizeof(f), "%s/%s/mount-id", dbdir, de->d_name);
		mf = fopen(f, "re");
		if (!mf)
			continue;
		n = fread(got, 1, sizeof(got) - 1, mf);
		fclose(mf);
		got[n] = '\0';
		if (strcmp(got, layer) == 0) {
			snprintf(id, size, "%s", de->d_name);
			rc = 0;
			break;
		}
	}
	closedir(d);
	return rc;
}

/*
 * Docker's layer dir of a container under its data root: upper (or any path
 * below it) is <root>/<mid>/<layer><tail...>; split it. 0, or -ENOENT when
 * the path does not have that shape.
 */
static int layer_split(const char *path, size_t len, const char *mid, char *root, size_t rsize,
		       char *layer, size_t lsize, size_t *dir_len)
{
	const char *o = memmem(path, len, mid, strlen(mid)), *l;
	size_t llen;

	if (!o || (size_t)(o - path) >= rsize)
		return -ENOENT;
	l = o + strlen(mid);
	llen = strcspn(l, "/");
	if (llen == 0 || llen >= lsize || (size_t)(l - path) + llen > len)
		return -ENOENT;
	memcpy(root, path, (size_t)(o - path));
	root[o - path] = '\0';
	memcpy(layer, l, llen);
	layer[llen] = '\0';
	*dir_len = (size_t)(l - path) + llen;
	return 0;
}

static void owner_push(struct fsrc *s, const char *dir, size_t len, const char *id)
{
	struct ovl_owner *nv = realloc(s->owners, (s->nowners + 1) * sizeof(*nv));

	if (!nv)
		return;
	s->owners = nv;
	nv[s->nowners].upper = strndup(dir, len);
	if (!nv[s->nowners].upper)
		return;
	nv[s->nowners].len = len;
	snprintf(nv[s->nowners].id, sizeof(nv[s->nowners].id), "%s", id);
	s->nowners++;
}

/* Docker names the container of an overlay2 upper dir <root>/overlay2/<L>/diff
 * in <root>/image/overlay2/layerdb/mounts/<container id>/mount-id = <L>. */
static void owner_add(struct fsrc *s, const char *upper)
{
	char root[PATH_MAX], layer[256], id[128];
	size_t dlen, len = strlen(upper);

	if (layer_split(upper, len, "/overlay2/", root, sizeof(root), layer, sizeof(layer), &dlen) ||
	    strcmp(upper + dlen, "/diff") != 0)
		return;
	if (layer_owner(root, "overlay2", layer, id, sizeof(id)) == 0)
		owner_push(s, upper, len, id);
}

/*
 * The vfs storage driver mounts nothing on the host: a container's root is
 * the plain directory <root>/vfs/dir/<L>, named in the layerdb like
 * overlay2's. Learn it from a path below it (an event of a process gone
 * before it could be asked): its container, and "/" for the path inside.
 */
static void owner_learn_vfs(struct fsrc *s, const char *host, size_t len)
{
	char root[PATH_MAX], layer[256], id[128];
	size_t dlen;

	if (layer_split(host, len, "/vfs/dir/", root, sizeof(root), layer, sizeof(layer), &dlen))
		return;
	for (size_t i = 0; i < s->nowners; i++)
		if (s->owners[i].len == dlen && memcmp(s->owners[i].upper, host, dlen) == 0)
			return;
	if (layer_owner(root, "vfs", layer, id, sizeof(id)) < 0)
		snprintf(id, sizeof(id), "%s", "");	/* not a container's: remember that too */
	owner_push(s, host, dlen, id);
	if (id[0]) {
		char dir[PATH_MAX];

		snprintf(dir, sizeof(dir), "%.*s", (int)dlen, host);
		fmap_view_add_prefix(&s->host_ovl, dir, "/");
	}
}

static void owners_release(struct fsrc *s)
{
	size_t i;

	for (i = 0; i < s->nowners; i++)
		free(s->owners[i].upper);
	free(s->owners);
	s->owners = NULL;
	s->nowners = 0;
}

static void host_overlays_read(struct fsrc *s)
{
	char *line = NULL, buf[8192], *dir, *next;
	size_t cap = 0;
	struct fmap_mount m;
	FILE *f;

	fmap_view_release(&s->host_ovl);
	fmap_filter_release(&s->ovl_work);
	owners_release(s);
	s->ovl_read_ns = s->now;
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return;
	while (getline(&line, &cap, f) > 0) {
		if (fmap_mountinfo_parse(line, &m) < 0 || strcmp(m.fstype, "overlay") != 0)
			continue;
		if (fmap_mount_opt(m.super_opts, "workdir", buf, sizeof(buf)) == 0)
			fmap_filter_exclude(&s->ovl_work, buf);
		if (fmap_mount_opt(m.super_opts, "upperdir", buf, sizeof(buf)) == 0) {
			fmap_view_add_prefix(&s->host_ovl, buf, "/");
			owner_add(s, buf);
		}
		if (fmap_mount_opt(m.super_opts, "lowerdir", buf, sizeof(buf)) == 0)
			for (dir = buf; dir; dir = next) {
				next = strchr(dir, ':');
				if (next)
					*next++ = '\0';
				if (dir[0] == '/')
					fmap_view_add_prefix(&s->host_ovl, dir, "/");
			}
	}
	free(line);
	fclose(f);
	view_resolve(&s->host_ovl);
}

/* The container whose overlay upper dir holds a host path, or NULL. */
static const char *owner_of(struct fsrc *s, const char *host, size_t len)
{
	size_t i;

	for (i = 0; i < s->nowners; i++)
		if (fmap_under(host, len, s->owners[i].upper, s->owners[i].len))
			return s->owners[i].id[0] ? s->owners[i].id : NULL;
	return NULL;
}

static struct view_slot *view_of_ns(struct fsrc *s, pid_t pid, uint64_t ns)
{
	struct view_slot *v, *victim = &s->views[0];
	size_t i;

	for (i = 0; i < VIEW_CACHE; i++) {
		v = &s->views[i];
		if (v->mntns == ns && v->filled_ns + VIEW_TTL_NS > s->now)
			return v;
		if (v->filled_ns < victim->filled_ns)
			victim = v;
	}
	/* A namespace not seen before: containers started, overlays mounted. */
	if (s->ovl_read_ns + OVL_TTL_NS / 20 <= s->now)
		host_overlays_read(s);
	fmap_view_release(&victim->view);
	victim->mntns = ns;
	victim->filled_ns = s->now;
	view_fill(&victim->view, pid);
	view_resolve(&victim->view);
	return victim;
}

static struct pid_slot *actor(struct fsrc *s, pid_t pid)
{
	struct pid_slot *a = &s->pids[(unsigned)pid % PID_CACHE];
	char p[64], root[PATH_MAX];
	uint64_t ns;
	ssize_t n;

	/* a namespace view refilled for another namespace since is not ours */
	if (a->pid == pid && a->filled_ns + PID_TTL_NS > s->now &&
	    (!a->vslot || a->vslot->mntns == a->mntns))
		return a;
	fmap_view_release(&a->chroot);
	a->pid = pid;
	a->filled_ns = s->now;
	a->view = NULL;
	a->vslot = NULL;
	ns = mntns_of(pid);
	a->mntns = ns;
	/* Attribution is read once per process per second, not per event, and
	 * kept for folds emitted after the process is gone. */
	a->known = ns != 0 || rec_proc_lookup(s->rec, pid);
	rec_container_of(s->rec, pid, a->container, sizeof(a->container));
	if (ns && ns != s->self_mntns) {
		/* views are per namespace and root */
		a->mntns = ns ^ root_of(pid) * 0x9e3779b97f4a7c15ull;
		a->vslot = view_of_ns(s, pid, a->mntns);
		a->view = &a->vslot->view;
	} else if (!ns && s->host_ovl.n) {
		a->view = &s->host_ovl;	/* gone: Docker's overlays still say it */
	} else if (ns) {
		snprintf(p, sizeof(p), "/proc/%d/root", (int)pid);
		n = readlink(p, root, sizeof(root) - 1);
		if (n > 1) {
			root[n] = '\0';
			if (fmap_view_add_prefix(&a->chroot, root, "/") == 0)
				a->view = &a->chroot;
		}
	}
	return a;
}

/* The path the actor sees for a host path, into out; returns out or host. */
static const char *actor_path(struct fsrc *s, struct pid_slot *a, uint64_t fsid,
			      const char *host, size_t hlen, char *out, size_t *olen)
{
	const struct fres_fs *fs = fres_fs_of(s->res, fsid);
	const char *rel = NULL;
	size_t rlen = 0;
	int n;

	*olen = hlen;
	if (!a->view)
		return host;
	if (fs && fmap_under(host, hlen, fs->point, fs->point_len)) {
		rel = fs->point_len == 1 ? host : host + fs->point_len;
		rlen = hlen - (fs->point_len == 1 ? 0 : fs->point_len);
		if (rlen == 0)
			rel = "/", rlen = 1;
	}
	n = fmap_view_path(a->view, fs ? fs->major : 0, fs ? fs->minor : 0, rel, rlen,
			   host, hlen, out, PATH_BUF);
	if (n < 0)
		return host;	/* not visible inside: the host path is all there is */
	*olen = (size_t)n;
	return out;
}

/* ---- emitting ---------------------------------------------------------- */

struct fpath {
	const char *host;
	size_t hlen;
	uint64_t fsid;
	bool known;	/* directory resolved */
};

static bool wanted(struct fsrc *s, const struct fpath *p)
{
	if (!p || !p->host)
		return false;
	if (s->self_dir_len && fmap_under(p->host, p->hlen, s->self_dir, s->self_dir_len))
		return false;
	if (s->ovl_work.nexcl && !fmap_filter_pass(&s->ovl_work, p->host, p->hlen))
		return false;	/* overlay copy-up scratch: its result shows in upper */
	return fmap_filter_pass(&s->filter, p->host, p->hlen);
}

static void set_actor(struct fsrc *s, struct fdr_event *ev, pid_t pid)
{
	const struct rec_proc *pr = rec_proc_lookup(s->rec, pid);

	fdr_event_set_u(ev, FDR_F_PID, (uint64_t)pid);
	if (pr) {
		if (pr->comm[0])
			fdr_event_set_str(ev, FDR_F_COMM, pr->comm, strnlen(pr->comm, sizeof(pr->comm)));
		if (pr->exe[0])
			fdr_event_set_str(ev, FDR_F_EXE, pr->exe, strnlen(pr->exe, sizeof(pr->exe)));
	}
}

static void emit(struct fsrc *s, unsigned kind, pid_t pid, const struct fpath *a,
		 const struct fpath *b, uint16_t flags)
{
	struct fdr_event ev;
	struct pid_slot *act = actor(s, pid);
	const char *v;
	size_t vlen;

	fdr_event_init(&ev, kind, s->now);
	ev.flags = flags;
	set_actor(s, &ev, pid);
	if (a && act->mntns == 0) {	/* gone: its paths tell what they can */
		owner_learn_vfs(s, a->host, a->hlen);
		if (!act->view && s->host_ovl.n)
			act->view = &s->host_ovl;
	}
	if (a) {
		v = actor_path(s, act, a->fsid, a->host, a->hlen, s->c1, &vlen);
		fdr_event_set_str(&ev, FDR_F_PATH, v, vlen);
		if (v != a->host)
			fdr_event_set_str(&ev, FDR_F_HOST_PATH, a->host, a->hlen);
		if (!a->known)
			ev.flags |= FDR_EVF_PARTIAL;
	}
	if (b) {
		v = actor_path(s, act, b->fsid, b->host, b->hlen, s->c2, &vlen);
		fdr_event_set_str(&ev, FDR_F_NEW_PATH, v, vlen);
		if (!b->known)
			ev.flags |= FDR_EVF_PARTIAL;
	}
	/* a gone process's view is inferred from the host's overlays */
	if (act->view == &s->host_ovl && fdr_event_has(&ev, FDR_F_HOST_PATH))
		ev.flags |= FDR_EVF_UNCERTAIN;
	if (ev.flags & FDR_EVF_PARTIAL)
		s->n_partial++;
	s->n_emitted++;
	if (act->known) {
		rec_emit(s->rec, act->container, &ev);
	} else {
		/* The process is gone: a file in a container's upper dir was
		 * written in that container (inferred, so marked uncertain). */
		const struct fpath *p = a ? a : b;
		const char *owner = p ? owner_of(s, p->host, p->hlen) : NULL;

		if (owner) {
			ev.flags |= FDR_EVF_UNCERTAIN;
			rec_emit(s->rec, owner, &ev);
		} else {
			rec_emit_pid(s->rec, pid, &ev);
		}
	}
}

static void emit_coalesced(void *ctx, const struct fcoal_entry *e)
{
	struct fsrc *s = ctx;
	struct fdr_event ev;

	fdr_event_init(&ev, FDR_FILE_MODIFY, e->first_ns);
	set_actor(s, &ev, e->pid);
	fdr_event_set_str(&ev, FDR_F_PATH, e->path, e->path_len);
	if (e->path != e->host_path)
		fdr_event_set_str(&ev, FDR_F_HOST_PATH, e->host_path, e->host_len);
	if (e->count > 1) {
		ev.flags |= FDR_EVF_COALESCED;
		fdr_event_set_u(&ev, FDR_F_COUNT, e->count);
	}
	s->n_emitted++;
	rec_emit(s->rec, e->tag, &ev);
}

static void modify(struct fsrc *s, pid_t pid, const struct fpath *p)
{
	struct pid_slot *act;
	const char *v;
	size_t vlen;

	if (!p->known) {	/* no stable key to fold on */
		emit(s, FDR_FILE_MODIFY, pid, p, NULL, 0);
		return;
	}
	act = actor(s, pid);
	v = actor_path(s, act, p->fsid, p->host, p->hlen, s->c1, &vlen);
	if (!act->known ||
	    fcoal_add(s->coal, pid, v, vlen, p->host, p->hlen, act->container, s->now) < 0)
		emit(s, FDR_FILE_MODIFY, pid, p, NULL, 0);
}

/* A pending MOVED_FROM with no MOVED_TO: the file left the marked
 * filesystems (or the pair was split across reads and timed out). */
static void moved_flush(struct fsrc *s)
{
	struct fpath a = { s->moved.path, s->moved.len, s->moved.fsid, true };

	if (!s->moved.used)
		return;
	s->moved.used = false;
	emit(s, FDR_FILE_RENAME, s->moved.pid, &a, NULL, FDR_EVF_PARTIAL);
}

/* ---- one fanotify event ------------------------------------------------ */

static int resolve(struct fsrc *s, const struct fev_dname *d, char *out, struct fpath *p)
{
	int n = fres_path(s->res, d, out, PATH_BUF);

	p->fsid = d->dir.fsid;
	p->known = n >= 0;
	if (n < 0 && n != -ESTALE && n != -ENOENT) {
		if (n == -ENAMETOOLONG) {
			p->host = NULL;
			return n;
		}
		fev_path_join(out, PATH_BUF, "", 0, d->name, d->name_len);
		n = (int)strlen(out);
	} else if (n < 0) {
		n = (int)strlen(out);	/* the bare name, already there */
	}
	p->host = out;
	p->hlen = (size_t)n;
	return 0;
}

static void handle(struct fsrc *s, const struct fev_event *e)
{
	struct fpath a = { NULL, 0, 0, false }, b = { NULL, 0, 0, false };
	uint64_t m = e->mask;
	bool ondir = m & FAN_ONDIR, self;
	pid_t pid = e->pid;

	if (e->fd >= 0)
		close(e->fd);
	if (m & FAN_Q_OVERFLOW) {
		s->n_overflow++;
		/* fanotify does not say how many: at least one was lost */
		rec_lost(s->rec, "file", NULL, 1, s->last_ns ? s->last_ns : s->now, s->now);
		fcache_clear(fres_cache(s->res));	/* a dir rename may be among them */
		return;
	}
	self = pid == s->self;
	if (self && !ondir) {	/* our own files: not even resolved */
		s->n_self++;
		return;
	}
	if ((m & FAN_RENAME) && e->old.present && e->new_.present) {
		resolve(s, &e->old, s->p1, &a);
		resolve(s, &e->new_, s->p2, &b);
	} else if (e->dname.present) {
		resolve(s, &e->dname, s->p1, &a);
	} else {
		/* Only the object's id: FAN_ATTRIB for an nlink change by
		 * unlink/link (the DELETE/CREATE with its name says it all). */
		return;
	}
	if (!a.host)
		return;

	/* Keep the directory cache true, whoever the actor. */
	if (ondir && (m & (FAN_RENAME | FAN_MOVED_FROM | FAN_DELETE)))
		fcache_invalidate_prefix(fres_cache(s->res), a.host, a.hlen);
	if (ondir && (m & FAN_CREATE) && e->has_fid && a.known)
		fcache_put(fres_cache(s->res), &e->fid, a.host, a.hlen);

	if (self) {
		s->n_self++;
		return;
	}
	if ((s->ovl_work.nexcl && !fmap_filter_pass(&s->ovl_work, a.host, a.hlen)) ||
	    (!wanted(s, &a) && !(b.host && wanted(s, &b)))) {
		s->n_filtered++;
		return;
	}
	/* Order within one kernel event is lost when the kernel merged queued
	 * events on one name (the queue is read at ticks): take the natural
	 * one, create < modify < attrib/exec < rename < delete. A fold pending
	 * for the path leaves before a create (a new file of the same name) and
	 * before anything but a modify, so it never comes after what ended it. */
	if (m & FAN_CREATE) {
		fcoal_flush_path(s->coal, a.host, a.hlen);
		emit(s, FDR_FILE_CREATE, pid, &a, NULL, 0);
	}
	if (m & (FAN_MODIFY | FAN_CLOSE_WRITE))
		modify(s, pid, &a);
	if (m & (FAN_ATTRIB | FAN_OPEN_EXEC | FAN_RENAME | FAN_MOVED_FROM | FAN_MOVED_TO |
		 FAN_DELETE))
		fcoal_flush_path(s->coal, a.host, a.hlen);
	if (m & FAN_ATTRIB)
		emit(s, FDR_FILE_ATTRIB, pid, &a, NULL, 0);
	if (m & FAN_OPEN_EXEC) {
		/* an exec follows pivot_root/setns: look at the process anew */
		s->pids[(unsigned)pid % PID_CACHE].filled_ns = 0;
		emit(s, FDR_FILE_EXEC, pid, &a, NULL, 0);
	}
	if (m & FAN_RENAME)
		emit(s, FDR_FILE_RENAME, pid, &a, b.host ? &b : NULL, 0);
	if (m & FAN_MOVED_FROM) {
		moved_flush(s);
		s->moved.used = true;
		s->moved.pid = pid;
		s->moved.t = s->now;
		s->moved.fsid = a.fsid;
		memcpy(s->moved.path, a.host, a.hlen + 1);
		s->moved.len = a.hlen;
	}
	if (m & FAN_MOVED_TO) {
		if (s->moved.used && s->moved.pid == pid) {
			struct fpath from = { s->moved.path, s->moved.len, s->moved.fsid, true };

			s->moved.used = false;
			emit(s, FDR_FILE_RENAME, pid, &from, &a, 0);
		} else {
			emit(s, FDR_FILE_RENAME, pid, NULL, &a, FDR_EVF_PARTIAL);
		}
	}
	if (m & FAN_DELETE)
		emit(s, FDR_FILE_DELETE, pid, &a, NULL, 0);
}

static void handle_buffer(struct fsrc *s, const uint8_t *buf, size_t len)
{
	struct fev_iter it;
	struct fev_event e;
	int r;

	fev_iter_init(&it, buf, len);
	while ((r = fev_next(&it, &e)) != 0) {
		if (r == 1) {
			s->n_read++;
			handle(s, &e);
			continue;
		}
		s->n_bad++;
		if (e.fd >= 0)
			close(e.fd);
		if (r == -EPROTO && !s->logged_proto) {
			s->logged_proto = true;
			rec_log(s->rec, "file: fanotify metadata version is not %d: events dropped",
				FEV_VERSION);
		} else if (r != -EPROTO && !s->logged_bad) {
			s->logged_bad = true;
			rec_log(s->rec, "file: malformed fanotify event skipped");
		}
	}
	if (it.dropped)
		rec_lost(s->rec, "file", NULL, 1, s->last_ns ? s->last_ns : s->now, s->now);
	s->last_ns = s->now;
}

/* ---- source_ops -------------------------------------------------------- */

static int mark_all(struct fsrc *s, uint64_t mask)
{
	char *line = NULL;
	size_t cap = 0;
	struct fmap_mount m;
	int marked = 0, pass, err = 0;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return -errno;
	/* Pass 0: mounts of a filesystem's root, which name every path;
	 * pass 1: filesystems only mounted in part (bind of a subdir). */
	for (pass = 0; pass < 2 && err == 0; pass++) {
		rewind(f);
		while (getline(&line, &cap, f) > 0) {
			uint64_t fsid;
			int r;

			if (fmap_mountinfo_parse(line, &m) < 0 || fmap_fs_skipped(m.fstype))
				continue;
			if ((strcmp(m.root, "/") == 0) != (pass == 0))
				continue;
			r = fres_add_fs(s->res, m.point, m.major, m.minor, &fsid);
			if (r == -EEXIST)
				continue;
			if (r < 0) {
				rec_log(s->rec, "file: cannot open mount '%s' (%s): %s", m.point,
					m.fstype, strerror(-r));
				continue;
			}
			if (fanotify_mark(s->fan, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, mask,
					  AT_FDCWD, m.point) < 0) {
				r = errno;
				if (r == EINVAL && (mask & FAN_RENAME) &&
				    fanotify_mark(s->fan, FAN_MARK_ADD | FAN_MARK_FILESYSTEM,
						  mask & ~(uint64_t)FAN_RENAME, AT_FDCWD, m.point) == 0) {
					err = -EINVAL;	/* no FAN_RENAME: redo all without */
					break;
				}
				rec_log(s->rec, "file: not watching '%s' (%s): %s", m.point,
					m.fstype, strerror(r));
				continue;
			}
			marked++;
		}
	}
	free(line);
	fclose(f);
	return err < 0 ? err : marked;
}

static int file_init(struct rec *rec, void **state)
{
	struct fsrc *s;
	const char *opt;
	unsigned i;
	uint64_t window = 1000000000ull, mask;
	unsigned flags = FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK | FAN_REPORT_DFID_NAME;
	int r, nfs;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->rec = rec;
	s->fan = -1;
	s->self = rec_self_pid(rec);
	s->self_mntns = mntns_of(0);
	if (rec_dir(rec) && realpath(rec_dir(rec), s->self_dir))
		s->self_dir_len = strlen(s->self_dir);
	for (i = 0; (opt = rec_option(rec, "file-include", i)); i++)
		if (fmap_filter_include(&s->filter, opt) < 0) {
			rec_log(rec, "file: --file-include needs an absolute path");
			r = -EINVAL;
			goto out_free;
		}
	for (i = 0; (opt = rec_option(rec, "file-exclude", i)); i++)
		if (fmap_filter_exclude(&s->filter, opt) < 0) {
			rec_log(rec, "file: --file-exclude needs an absolute path");
			r = -EINVAL;
			goto out_free;
		}
	/* Fold within the flush interval unless told otherwise. */
	opt = rec_option(rec, "flush-interval", 0);
	if (opt) {
		char *end;
		double secs = strtod(opt, &end);

		if (*end == '\0' && secs > 0 && secs <= 3600)
			window = (uint64_t)(secs * 1e9);
	}
	opt = rec_option(rec, "file-coalesce", 0);
	if (opt) {
		char *end;
		unsigned long ms = strtoul(opt, &end, 10);

		if (*end || ms > 3600000) {
			rec_log(rec, "file: --file-coalesce wants milliseconds (0..3600000)");
			r = -EINVAL;
			goto out_free;
		}
		window = ms * 1000000ull;
	}
	s->buf = malloc(READ_BUF);
	s->res = fres_new(DIR_CACHE);
	s->coal = fcoal_new(COAL_CAP, window, emit_coalesced, s);
	if (!s->buf || !s->res || !s->coal) {
		r = -ENOMEM;
		goto out_free;
	}

	/* The target's id too (5.17): a new directory is cached from its
	 * mkdir, so an rm -rf read late still names what was inside. */
	s->fan = fanotify_init(flags | FAN_REPORT_FID | FAN_REPORT_TARGET_FID,
			       O_RDONLY | O_LARGEFILE | O_CLOEXEC);
	s->have_fid = s->fan >= 0;
	if (s->fan < 0 && errno == EINVAL) {
		rec_log(rec, "file: kernel lacks FAN_REPORT_TARGET_FID (5.17); "
			"directories are resolved at their first event");
		s->fan = fanotify_init(flags, O_RDONLY | O_LARGEFILE | O_CLOEXEC);
	}
	if (s->fan < 0) {
		r = errno;
		rec_log(rec, "file: cannot start fanotify with directory ids and names "
			"(needs Linux 5.9 and CAP_SYS_ADMIN): %s", strerror(r));
		r = (r == EINVAL || r == ENOSYS || r == EPERM) ? -EOPNOTSUPP : -r;
		goto out_free;
	}
	s->have_rename = !rec_option(rec, "file-no-rename", 0);
	mask = BASE_MASK | FAN_RENAME;
	r = s->have_rename ? mark_all(s, mask) : -EINVAL;
	if (r == -EINVAL) {
		if (s->have_rename)
			rec_log(rec, "file: kernel lacks FAN_RENAME (5.17); pairing moves by process");
		s->have_rename = false;
		mask = BASE_MASK | FAN_MOVED_FROM | FAN_MOVED_TO;
		/* start over: a fresh group, every filesystem marked again */
		close(s->fan);
		s->fan = fanotify_init(flags | (s->have_fid ? FAN_REPORT_FID | FAN_REPORT_TARGET_FID : 0),
				       O_RDONLY | O_LARGEFILE | O_CLOEXEC);
		if (s->fan < 0) {
			r = -errno;
			goto out_free;
		}
		fres_free(s->res);
		s->res = fres_new(DIR_CACHE);
		r = s->res ? mark_all(s, mask) : -ENOMEM;
	}
	if (r <= 0) {
		rec_log(rec, "file: no filesystem could be watched");
		r = r < 0 ? r : -EOPNOTSUPP;
		goto out_close;
	}
	nfs = r;
	s->now = rec_now_ns();
	host_overlays_read(s);
	r = rec_watch_fd(rec, s->fan, &src_file);
	if (r < 0)
		goto out_close;
	rec_log(rec, "file: fanotify on %d filesystem(s), renames by %s, object ids %s", nfs,
		s->have_rename ? "FAN_RENAME" : "moved_from/to", s->have_fid ? "yes" : "no");
	*state = s;
	return 0;

out_close:
	close(s->fan);
	fmap_view_release(&s->host_ovl);
	fmap_filter_release(&s->ovl_work);
	owners_release(s);
out_free:
	fcoal_free(s->coal);
	fres_free(s->res);
	fmap_filter_release(&s->filter);
	free(s->buf);
	free(s);
	return r;
}

/* Read and handle up to reads buffers; returns the bytes of the last read. */
static size_t drain(struct fsrc *s, int reads, uint64_t *events)
{
	uint64_t before = s->n_read + s->n_bad;
	size_t last = 0;
	int i;

	for (i = 0; i < reads; i++) {
		ssize_t n = read(s->fan, s->buf, READ_BUF);

		if (n <= 0) {
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				rec_log(s->rec, "file: read fanotify: %s", strerror(errno));
			last = 0;
			break;
		}
		s->now = rec_now_ns();
		handle_buffer(s, s->buf, (size_t)n);
		last = (size_t)n;
	}
	if (events)
		*events = s->n_read + s->n_bad - before;
	return last;
}

static void file_on_ready(struct rec *rec, void *state, int fd)
{
	struct fsrc *s = state;
	uint64_t events;

	(void)fd;
	drain(s, 1, &events);	/* level-triggered: called again while more */
	if (events < BATCH_ENTER && !s->batched) {
		rec_unwatch_fd(rec, s->fan);
		s->batched = true;
	}
}

static void file_tick(struct rec *rec, void *state, uint64_t now_ns)
{
	struct fsrc *s = state;

	if (s->batched && drain(s, 1, NULL) >= READ_BUF / 2 &&
	    rec_watch_fd(rec, s->fan, &src_file) == 0)
		s->batched = false;
	s->now = now_ns;
	if (s->ovl_read_ns + OVL_TTL_NS <= now_ns)
		host_overlays_read(s);
	if (s->moved.used && s->moved.t + MOVE_PAIR_NS <= now_ns)
		moved_flush(s);
	fcoal_flush(s->coal, now_ns);
}

static void file_stop(struct rec *rec, void *state)
{
	struct fsrc *s = state;
	size_t i;

	if (!s)
		return;
	drain(s, 1024, NULL);	/* what is queued still counts */
	s->now = rec_now_ns();
	moved_flush(s);
	fcoal_flush(s->coal, UINT64_MAX);
	if (!s->batched)
		rec_unwatch_fd(rec, s->fan);
	close(s->fan);
	rec_log(rec, "file: %llu events read, %llu emitted, %llu partial, %llu own, "
		"%llu filtered, %llu overflows, %llu malformed, %llu dir lookups",
		(unsigned long long)s->n_read, (unsigned long long)s->n_emitted,
		(unsigned long long)s->n_partial, (unsigned long long)s->n_self,
		(unsigned long long)s->n_filtered, (unsigned long long)s->n_overflow,
		(unsigned long long)s->n_bad, (unsigned long long)fres_lookups(s->res));
	for (i = 0; i < PID_CACHE; i++)
		fmap_view_release(&s->pids[i].chroot);
	for (i = 0; i < VIEW_CACHE; i++)
		fmap_view_release(&s->views[i].view);
	fmap_view_release(&s->host_ovl);
	fmap_filter_release(&s->ovl_work);
	owners_release(s);
	fcoal_free(s->coal);
	fres_free(s->res);
	fmap_filter_release(&s->filter);
	free(s->buf);
	free(s);
}

const struct source_ops src_file = {
	.name = "file",
	.on_by_default = true,
	.options = file_options,
	.init = file_init,
	.on_ready = file_on_ready,
	.tick = file_tick,
	.stop = file_stop,
};
