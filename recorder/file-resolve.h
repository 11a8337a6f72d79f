/* SPDX-License-Identifier: Apache-2.0 */
#ifndef FILE_RESOLVE_H
#define FILE_RESOLVE_H

/*
 * file-resolve (prefix fres_): turns the directory ids of fanotify events
 * into host paths: one open mount fd per filesystem (by fsid) for
 * open_by_handle_at(2), readlink of /proc/self/fd/N, and a file-cache in
 * front so a directory is resolved once. Needs CAP_DAC_READ_SEARCH.
 *
 * Invariants: a filesystem is known once (by fsid); the paths returned are
 * host paths (as the recorder's mount namespace sees them) and stay valid
 * until the next call on the same handle.
 *
 * Ownership: the resolver owns its mount fds and cache; fres_free() closes
 * them.
 */

#include <stddef.h>
#include <stdint.h>

#include "file-cache.h"
#include "file-event.h"

struct fres;

/* A filesystem the resolver knows. */
struct fres_fs {
	uint64_t fsid;
	unsigned major, minor;
	char point[4096];	/* host mount point of the fs root */
	size_t point_len;
	int mount_fd;
};

/* A resolver with a directory cache of cache_cap entries; NULL on ENOMEM. */
struct fres *fres_new(size_t cache_cap);
/* Close everything; NULL is fine. */
void fres_free(struct fres *r);

/* Know the filesystem mounted (its root) at point, device major:minor.
 * 0 with *fsid set, -EEXIST (fsid known already: *fsid set), or -errno. */
int fres_add_fs(struct fres *r, const char *point, unsigned major, unsigned minor, uint64_t *fsid);
/* The filesystem of an fsid, or NULL. */
const struct fres_fs *fres_fs_of(const struct fres *r, uint64_t fsid);

/*
 * Host path of d (its directory joined with its name) into out with a NUL.
 * Returns the length; -ESTALE when the directory is gone and not cached (out
 * then holds the bare name: the caller marks the event partial); -ENODEV for
 * an unknown filesystem; -ENAMETOOLONG.
 */
int fres_path(struct fres *r, const struct fev_dname *d, char *out, size_t size);
/* Host path of a directory id itself into out (cached). Same returns. */
int fres_dir(struct fres *r, const struct fev_fid *dir, char *out, size_t size);

/* The directory cache (for puts on mkdir and invalidation on rename). */
struct fcache *fres_cache(struct fres *r);

/* Resolutions that needed a syscall, and those that failed. */
uint64_t fres_lookups(const struct fres *r);
uint64_t fres_failures(const struct fres *r);

#endif
