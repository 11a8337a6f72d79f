/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Directory id -> host path. open_by_handle_at() on the filesystem's mount
 * fd gives a connected dentry for a directory (directories always have one),
 * so readlink("/proc/self/fd/N") names it as the recorder sees it. A
 * directory removed since the event has no handle any more (ESTALE): then
 * only the cache can name it, which is why it is filled on mkdir too.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "file-resolve.h"

#define MAX_FS 64

struct fres {
	struct fres_fs fs[MAX_FS];
	size_t nfs;
	struct fcache *cache;
	uint64_t lookups, failures;
};

static uint64_t fsid_of(const struct statfs *st)
{
	uint32_t v[2];

	memcpy(v, &st->f_fsid, sizeof(v));
	return (uint64_t)v[0] | (uint64_t)v[1] << 32;
}

struct fres *fres_new(size_t cache_cap)
{
	struct fres *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->cache = fcache_new(cache_cap);
	if (!r->cache) {
		free(r);
		return NULL;
	}
	return r;
}

void fres_free(struct fres *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->nfs; i++)
		close(r->fs[i].mount_fd);
	fcache_free(r->cache);
	free(r);
}

const struct fres_fs *fres_fs_of(const struct fres *r, uint64_t fsid)
{
	size_t i;

	for (i = 0; i < r->nfs; i++)
		if (r->fs[i].fsid == fsid)
			return &r->fs[i];
	return NULL;
}

int fres_add_fs(struct fres *r, const char *point, unsigned major, unsigned minor, uint64_t *fsid)
{
	struct statfs st;
	struct fres_fs *f;
	size_t len = strlen(point);
	int fd, err;

	if (len >= sizeof(r->fs[0].point))
		return -ENAMETOOLONG;
	fd = open(point, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstatfs(fd, &st) < 0) {
		err = -errno;
		goto out_close;
	}
	*fsid = fsid_of(&st);
	if (fres_fs_of(r, *fsid)) {
		err = -EEXIST;
		goto out_close;
	}
	if (r->nfs == MAX_FS) {
		err = -ENOSPC;
		goto out_close;
	}
	f = &r->fs[r->nfs++];
	f->fsid = *fsid;
	f->major = major;
	f->minor = minor;
	memcpy(f->point, point, len + 1);
	f->point_len = len;
	f->mount_fd = fd;
	return 0;

out_close:
	close(fd);
	return err;
}

/* Ask the kernel for the path of a directory id. */
static int lookup_dir(struct fres *r, const struct fev_fid *dir, char *out, size_t size)
{
	const struct fres_fs *fs = fres_fs_of(r, dir->fsid);
	struct {
		struct file_handle fh;
		unsigned char bytes[FEV_HANDLE_MAX];
	} h;
	char link[64];
	struct stat st;
	ssize_t n;
	int fd, err;

	if (!fs)
		return -ENODEV;
	r->lookups++;
	h.fh.handle_bytes = dir->len;
	h.fh.handle_type = dir->type;
	memcpy(h.fh.f_handle, dir->bytes, dir->len);
	fd = open_by_handle_at(fs->mount_fd, &h.fh, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, out, size);
	if (n < 0) {
		err = -errno;
		goto out_close;
	}
	if ((size_t)n >= size) {
		err = -ENAMETOOLONG;
		goto out_close;
	}
	out[n] = '\0';
	/* An unlinked directory reads as "<path> (deleted)": its old name is
	 * all there is, but it must not be cached as if alive. */
	if (fstat(fd, &st) == 0 && st.st_nlink == 0) {
		err = -ESTALE;
		goto out_close;
	}
	err = (int)n;
out_close:
	close(fd);
	return err;
}

int fres_dir(struct fres *r, const struct fev_fid *dir, char *out, size_t size)
{
	const char *p;
	size_t len;
	int n;

	p = fcache_get(r->cache, dir, &len);
	if (p) {
		if (len >= size)
			return -ENAMETOOLONG;
		memcpy(out, p, len + 1);
		return (int)len;
	}
	n = lookup_dir(r, dir, out, size);
	if (n < 0) {
		r->failures++;
		out[0] = '\0';
		return n;
	}
	fcache_put(r->cache, dir, out, (size_t)n);	/* a failed put only costs a lookup */
	return n;
}

int fres_path(struct fres *r, const struct fev_dname *d, char *out, size_t size)
{
	int n;

	if (size == 0)
		return -ENAMETOOLONG;
	n = fres_dir(r, &d->dir, out, size);
	if (n < 0) {
		int k = fev_path_join(out, size, "", 0, d->name, d->name_len);

		return k < 0 ? k : n;
	}
	return fev_path_join(out, size, out, (size_t)n, d->name, d->name_len);
}

struct fcache *fres_cache(struct fres *r)
{
	return r->cache;
}

uint64_t fres_lookups(const struct fres *r)
{
	return r->lookups;
}

uint64_t fres_failures(const struct fres *r)
{
	return r->failures;
}
