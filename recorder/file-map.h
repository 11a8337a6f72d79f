/* SPDX-License-Identifier: Apache-2.0 */
#ifndef FILE_MAP_H
#define FILE_MAP_H

/*
 * file-map (prefix fmap_): the pure path logic of the file source: reading
 * /proc/self/mountinfo lines, telling real filesystems from pseudo ones,
 * include/exclude prefix filters, and mapping a host path to the path a
 * containerized process sees (overlay upper dir -> merged dir -> the
 * process's root).
 *
 * Invariants: paths are byte strings with a length (they may hold newlines
 * and invalid UTF-8; never NUL, which no path holds); prefixes match at a
 * component boundary ("/var/lib" matches "/var/lib" and "/var/lib/x", never
 * "/var/library").
 *
 * Ownership: struct fmap_mount points into the line given to
 * fmap_mountinfo_parse() (which it rewrites in place); struct fmap_filter and
 * struct fmap_overlays own copies of what was added to them.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One line of /proc/<pid>/mountinfo (proc(5)). */
struct fmap_mount {
	int id, parent;
	unsigned major, minor;
	const char *root;	/* root of the mount within its filesystem */
	const char *point;	/* mount point, octal escapes undone */
	const char *fstype;
	const char *source;
	const char *super_opts;
};

/* Parse one mountinfo line (without or with its '\n') in place; 0 or
 * -EINVAL when it is not one. */
int fmap_mountinfo_parse(char *line, struct fmap_mount *m);

/* True for filesystems that hold no files worth recording (proc, sysfs,
 * cgroup, devpts, tracefs, ...) and for overlay, whose writes land on, and
 * are recorded from, the filesystem of its upper dir. */
bool fmap_fs_skipped(const char *fstype);

/* The value of key= ("upperdir", "lowerdir", "workdir") in a mount's super
 * options, copied unescaped into buf; 0, or -ENOENT / -ENAMETOOLONG. */
int fmap_mount_opt(const char *super_opts, const char *key, char *buf, size_t size);
/* fmap_mount_opt() of "upperdir". */
int fmap_overlay_upper(const char *super_opts, char *buf, size_t size);

/* True when path[0..len) is prefix or lies below it. */
bool fmap_under(const char *path, size_t len, const char *prefix, size_t plen);

/* ---- include / exclude filter ------------------------------------------ */

struct fmap_filter {
	char **incl, **excl;
	size_t nincl, nexcl;
};
#define FMAP_FILTER_INIT { NULL, NULL, 0, 0 }

/* Add a prefix (copied; trailing '/' dropped); 0, -EINVAL (not absolute) or
 * -ENOMEM. */
int fmap_filter_include(struct fmap_filter *f, const char *prefix);
int fmap_filter_exclude(struct fmap_filter *f, const char *prefix);
/* True when the path is under an include (or there are none) and under no
 * exclude. */
bool fmap_filter_pass(const struct fmap_filter *f, const char *path, size_t len);
void fmap_filter_release(struct fmap_filter *f);

/* ---- container view ---------------------------------------------------- */

/*
 * How one mount namespace (a container's) sees host files, built from its
 * /proc/<pid>/mountinfo: each mount maps (device, path inside the
 * filesystem) to its mount point; an overlay maps its upper dir (a host path:
 * the events of overlay writes arrive on the upper dir's filesystem) to its
 * mount point. A chroot is a host prefix mapped to "/".
 */
struct fmap_view {
	struct fmap_vent {
		bool by_host;		/* match host path (overlay upper, chroot) */
		unsigned major, minor;	/* else match device + fs-relative path */
		char *from, *to;	/* prefix -> replacement */
		size_t from_len, to_len;
	} *v;
	size_t n;
};
#define FMAP_VIEW_INIT { NULL, 0 }

/* Add what one mountinfo line of the namespace says: an overlay maps its
 * upper dir and each of its lower dirs (':'-separated) to its mount point;
 * pseudo filesystems are ignored (0). 0 or -ENOMEM / -ENAMETOOLONG. */
int fmap_view_add_mount(struct fmap_view *v, const struct fmap_mount *m);
/* Map host paths under prefix to to ("/" for a chroot); 0 or -ENOMEM. */
int fmap_view_add_prefix(struct fmap_view *v, const char *prefix, const char *to);
void fmap_view_release(struct fmap_view *v);

/*
 * The path the namespace sees for a file at host[0..hlen), which lies at
 * fsrel[0..flen) inside the filesystem of device major:minor. The longest
 * matching prefix wins. Writes into out with a NUL and returns the length;
 * -ENOENT when the file is not visible in the namespace, -ENAMETOOLONG.
 */
int fmap_view_path(const struct fmap_view *v, unsigned major, unsigned minor,
		   const char *fsrel, size_t flen, const char *host, size_t hlen,
		   char *out, size_t size);

#endif
