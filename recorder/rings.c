// SPDX-License-Identifier: Apache-2.0
/* Ring files of the recorder: see rec-rings.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rec-rings.h"
#include "rec-source.h"

#define FAILED_MAX 64

struct rec_rings {
	struct rec *rec;
	const struct rec_rings_cfg *cfg;
	struct fdr_ring_meta host;	/* template */
	struct rec_ring **v;
	size_t n, cap;
	/* ids whose ring could not be created: log once */
	char failed[FAILED_MAX][13];
	size_t nfailed;
};

static bool is_hex12(const char *s)
{
	for (int i = 0; i < 12; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* Id prefix of a ring file name "<word>-<12hex>.ring" (or ".N.ring"); NULL if none. */
static const char *name_id12(const char *name)
{
	const char *dash = strrchr(name, '-');

	if (!dash || strlen(dash + 1) < 12 + 5 || !is_hex12(dash + 1))
		return NULL;
	if (strcmp(dash + 13, ".ring") != 0 &&
	    !(dash[13] == '.' && dash[14] >= '1' && dash[14] <= '9' &&
	      strcmp(dash + 15, ".ring") == 0))
		return NULL;
	return dash + 1;
}

static bool is_ring_name(const char *name)
{
	size_t n = strlen(name);

	return n > 5 && strcmp(name + n - 5, ".ring") == 0 && name[0] != '.';
}

static struct rec_ring *find(struct rec_rings *rr, const char *id)
{
	for (size_t i = 0; i < rr->n; i++)
		if (strcmp(rr->v[i]->id, id) == 0)
			return rr->v[i];
	return NULL;
}

struct rec_ring *rec_rings_find(struct rec_rings *rr, const char *id)
{
	return find(rr, id ? id : "");
}

/* Bytes the ring files of the directory take on disk. */
static uint64_t dir_usage(struct rec_rings *rr)
{
	DIR *d = opendir(rr->cfg->dir);
	struct dirent *e;
	uint64_t sum = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		struct stat st;

		if (!is_ring_name(e->d_name))
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode)) {
			uint64_t b = (uint64_t)st.st_blocks * 512;

			sum += b > (uint64_t)st.st_size ? b : (uint64_t)st.st_size;
		}
	}
	closedir(d);
	return sum;
}

/* Remove the oldest ring of a gone container; false when there is none. */
static bool remove_oldest_gone(struct rec_rings *rr)
{
	DIR *d = opendir(rr->cfg->dir);
	struct dirent *e;
	char best[256] = "";
	struct timespec best_t = { 0, 0 };

	if (!d)
		return false;
	while ((e = readdir(d))) {
		const char *id12 = name_id12(e->d_name);
		char id[13];
		struct stat st;

		if (!id12 || strlen(e->d_name) >= sizeof(best))
			continue;
		memcpy(id, id12, 12);
		id[12] = '\0';
		if (rr->cfg->is_live && rr->cfg->is_live(rr->cfg->arg, id))
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (!best[0] || st.st_mtim.tv_sec < best_t.tv_sec ||
		    (st.st_mtim.tv_sec == best_t.tv_sec && st.st_mtim.tv_nsec < best_t.tv_nsec)) {
			snprintf(best, sizeof(best), "%s", e->d_name);
			best_t = st.st_mtim;
		}
	}
	closedir(d);
	if (!best[0])
		return false;
	for (size_t i = 0; i < rr->n; i++) {
		const char *base = strrchr(rr->v[i]->path, '/');

		if (base && strcmp(base + 1, best) == 0) {
			struct rec_ring *r = rr->v[i];

			fdr_writer_close(r->w);
			free(r);
			rr->v[i] = rr->v[--rr->n];
			break;
		}
	}
	{
		char path[4096];

		snprintf(path, sizeof(path), "%s/%s", rr->cfg->dir, best);
		if (unlink(path) < 0) {
			rec_log(rr->rec, "disk budget: cannot remove ring '%s': %s", path,
				strerror(errno));
			return false;
		}
		rec_log(rr->rec, "disk budget: removed ring '%s' of a container that is gone", path);
	}
	return true;
}

/* An existing ring file name for id12 in the directory, or "". */
static void existing_name(struct rec_rings *rr, const char *id12, char *out, size_t size)
{
	DIR *d = opendir(rr->cfg->dir);
	struct dirent *e;

	out[0] = '\0';
	if (!d)
		return;
	/* Names carry 12 hex digits: a shorter id ("k8s") never matches one. */
	if (strnlen(id12, 12) < 12) {
		closedir(d);
		return;
	}
	while ((e = readdir(d))) {
		const char *p = name_id12(e->d_name);

		if (p && memcmp(p, id12, 12) == 0 && strcmp(p + 12, ".ring") == 0 &&
		    strlen(e->d_name) < size) {
			snprintf(out, size, "%s", e->d_name);
			break;
		}
	}
	closedir(d);
}

static bool failed_before(struct rec_rings *rr, const char *id)
{
	for (size_t i = 0; i < rr->nfailed; i++)
		if (strncmp(rr->failed[i], id, 12) == 0)
			return true;
	if (rr->nfailed < FAILED_MAX)
		snprintf(rr->failed[rr->nfailed++], 13, "%.12s", id);
	return false;
}

static struct rec_ring *open_ring(struct rec_rings *rr, const char *id, const char *runtime,
				  const char *pod_uid)
{
	struct fdr_writer_opts o = FDR_WRITER_OPTS_INIT;
	struct fdr_ring_meta *m;
	struct rec_ring *r;
	char base[256];
	int err = 0;

	if (rr->n == rr->cap) {
		size_t cap = rr->cap ? rr->cap * 2 : 16;
		struct rec_ring **v = realloc(rr->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		rr->v = v;
		rr->cap = cap;
	}
	r = calloc(1, sizeof(*r));
	m = malloc(sizeof(*m));
	if (!r || !m)
		goto out_free;
	*m = rr->host;
	snprintf(r->id, sizeof(r->id), "%s", id);
	if (id[0]) {
		snprintf(m->container_id, sizeof(m->container_id), "%s", id);
		if (runtime && runtime[0])
			snprintf(m->runtime, sizeof(m->runtime), "%s", runtime);
		if (pod_uid && pod_uid[0])
			snprintf(m->pod_uid, sizeof(m->pod_uid), "%s", pod_uid);
		existing_name(rr, id, base, sizeof(base));
		if (!base[0])
			snprintf(base, sizeof(base), "%s-%.12s",
				 runtime && runtime[0] ? runtime : "container", id);
		else
			base[strlen(base) - 5] = '\0';
	} else {
		snprintf(base, sizeof(base), "host");
	}
	m->created_ns = rec_now_ns();
	o.file_size = rr->cfg->ring_size;
	o.slot_size = rr->cfg->slot_size;
	o.sync = rr->cfg->sync;

	for (int n = 0; n <= 9; n++) {
		struct stat st;

		if (n == 0)
			snprintf(r->path, sizeof(r->path), "%s/%s.ring", rr->cfg->dir, base);
		else
			snprintf(r->path, sizeof(r->path), "%s/%s.%d.ring", rr->cfg->dir, base, n);
		if (lstat(r->path, &st) < 0 && rr->cfg->budget) {
			uint64_t used = dir_usage(rr);

			while (used + rr->cfg->ring_size > rr->cfg->budget) {
				if (!remove_oldest_gone(rr)) {
					if (!failed_before(rr, id))
						rec_log(rr->rec, "disk budget of %llu bytes reached: cannot create ring '%s' (raise --disk-budget)",
							(unsigned long long)rr->cfg->budget, r->path);
					goto out_free;
				}
				used = dir_usage(rr);
			}
		}
		err = fdr_writer_open(r->path, m, &o, &r->w);
		if (err == 0)
			break;
		if (err != FDR_E_MAGIC && err != FDR_E_VERSION && err != FDR_E_GEOMETRY &&
		    err != FDR_E_INCOMPAT && err != FDR_E_HEADER && err != FDR_E_EMPTY &&
		    err != FDR_E_TRUNCATED && err != FDR_E_CORRUPT && err != -EISDIR &&
		    err != -ELOOP) {
			if (!failed_before(rr, id))
				rec_log(rr->rec, "cannot create ring '%s': %s", r->path, fdr_strerror(err));
			goto out_free;
		}
		rec_log(rr->rec, "ring '%s' is not usable (%s): leaving it alone", r->path,
			fdr_strerror(err));
	}
	if (!r->w)
		goto out_free;
	free(m);
	rr->v[rr->n++] = r;
	return r;
out_free:
	free(m);
	free(r);
	return NULL;
}

int rec_rings_new(struct rec *rec, const struct rec_rings_cfg *cfg,
		  const struct fdr_ring_meta *host, struct rec_rings **out)
{
	struct rec_rings *rr = calloc(1, sizeof(*rr));

	if (!rr)
		return -ENOMEM;
	rr->rec = rec;
	rr->cfg = cfg;
	rr->host = *host;
	rr->host.container_id[0] = '\0';
	if (!open_ring(rr, "", NULL, NULL)) {
		free(rr->v);
		free(rr);
		return -EIO;
	}
	*out = rr;
	return 0;
}

void rec_rings_free(struct rec_rings *rr)
{
	if (!rr)
		return;
	for (size_t i = 0; i < rr->n; i++) {
		int err = fdr_writer_close(rr->v[i]->w);

		if (err < 0)
			rec_log(rr->rec, "cannot flush ring '%s': %s", rr->v[i]->path,
				fdr_strerror(err));
		free(rr->v[i]);
	}
	free(rr->v);
	free(rr);
}

struct rec_ring *rec_rings_get(struct rec_rings *rr, const char *id, const char *runtime,
			       const char *pod_uid)
{
	struct rec_ring *r;

	if (!id)
		id = "";
	r = find(rr, id);
	if (r)
		return r;
	if (!id[0])
		return NULL;	/* the host ring failed */
	for (size_t i = 0; i < rr->nfailed; i++)
		if (strncmp(rr->failed[i], id, 12) == 0)
			return NULL;
	return open_ring(rr, id, runtime, pod_uid);
}

int rec_ring_append(struct rec_rings *rr, struct rec_ring *r, const struct fdr_event *ev)
{
	int err = fdr_writer_append(r->w, ev);

	(void)rr;
	if (err == 0) {
		r->events++;
		r->last_ns = ev->time_ns;
	}
	return err;
}

int rec_rings_flush(struct rec_rings *rr)
{
	int first = 0;

	for (size_t i = 0; i < rr->n; i++) {
		int err = fdr_writer_flush(rr->v[i]->w);

		if (err < 0 && !first)
			first = err;
	}
	return first;
}

size_t rec_rings_count(const struct rec_rings *rr)
{
	return rr->n;
}

struct rec_ring *rec_rings_at(struct rec_rings *rr, size_t i)
{
	return i < rr->n ? rr->v[i] : NULL;
}

#define MERGE(f) do { if (m->f[0]) snprintf(nm->f, sizeof(nm->f), "%s", m->f); } while (0)

int rec_rings_update_meta(struct rec_rings *rr, const char *id, const struct fdr_ring_meta *m)
{
	struct rec_ring *r = rec_rings_get(rr, id, m->runtime, m->pod_uid);
	struct fdr_ring_meta *nm;
	int err;

	if (!r)
		return -ENOENT;
	nm = malloc(sizeof(*nm));
	if (!nm)
		return -ENOMEM;
	*nm = *fdr_writer_meta(r->w);
	MERGE(container_name);
	MERGE(runtime);
	MERGE(image);
	MERGE(image_id);
	MERGE(pod);
	MERGE(pod_uid);
	MERGE(namespace_);
	MERGE(command);
	MERGE(ports);
	if (m->labels_len && m->labels_len <= sizeof(nm->labels)) {
		memcpy(nm->labels, m->labels, m->labels_len);
		nm->labels_len = m->labels_len;
	}
	if (m->started_ns)
		nm->started_ns = m->started_ns;
	if (m->ended_ns)
		nm->ended_ns = m->ended_ns;
	err = fdr_writer_set_meta(r->w, nm);
	free(nm);
	return err;
}
