/* SPDX-License-Identifier: Apache-2.0 */
#ifndef FILE_EVENT_H
#define FILE_EVENT_H

/*
 * file-event (prefix fev_): bounds-checked parsing of the bytes read() returns
 * from a fanotify group that reports file ids (FAN_REPORT_FID,
 * FAN_REPORT_DIR_FID, FAN_REPORT_NAME), and path joining. Pure: no syscalls,
 * so the unit tests and the fuzzer drive it with any bytes.
 *
 * Invariants:
 *  - every event's metadata version is checked (fatrace habit): a version
 *    other than FANOTIFY_METADATA_VERSION stops the walk with -EPROTO;
 *  - no read goes past the buffer, an event's event_len or an info record's
 *    len; sizes read from input are capped (handle bytes <= FEV_HANDLE_MAX,
 *    names end at a NUL inside their record);
 *  - an event whose info records are malformed is reported as -EBADMSG and
 *    skipped: the walk goes on with the next one; an event_len that cannot be
 *    trusted ends the walk (the caller counts the rest as lost).
 *
 * Ownership: struct fev_event points into the buffer given to fev_iter_init();
 * it is valid while that buffer is.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FEV_HANDLE_MAX 128	/* MAX_HANDLE_SZ */
#define FEV_META_LEN 24		/* FAN_EVENT_METADATA_LEN */
#define FEV_VERSION 3		/* FANOTIFY_METADATA_VERSION */

/* A file id: filesystem id and an opaque file handle. */
struct fev_fid {
	uint64_t fsid;		/* __kernel_fsid_t val[0] | val[1] << 32 */
	int32_t type;		/* file_handle.handle_type */
	uint32_t len;		/* file_handle.handle_bytes, <= FEV_HANDLE_MAX */
	const uint8_t *bytes;	/* file_handle.f_handle */
};

/* A directory id and an entry name in it (name_len 0 when only a DFID). */
struct fev_dname {
	bool present;
	struct fev_fid dir;
	const char *name;	/* NUL-terminated inside the buffer */
	size_t name_len;
};

/* One parsed fanotify event. */
struct fev_event {
	uint64_t mask;		/* FAN_* bits */
	int32_t fd;		/* FAN_NOFD (-1) in FID mode; the caller closes any fd >= 0 */
	int32_t pid;
	struct fev_dname dname;	/* FAN_EVENT_INFO_TYPE_DFID_NAME or _DFID */
	struct fev_dname old;	/* FAN_RENAME: OLD_DFID_NAME */
	struct fev_dname new_;	/* FAN_RENAME: NEW_DFID_NAME */
	struct fev_fid fid;	/* FAN_EVENT_INFO_TYPE_FID (object itself) */
	bool has_fid;
	unsigned unknown;	/* info records of unknown types, skipped by length */
};

/* A walk over one read() buffer. Transparent; init with fev_iter_init(). */
struct fev_iter {
	const uint8_t *p;
	size_t left;
	size_t dropped;		/* bytes given up on after an untrusted length */
};

/* Start walking buf[0..len). Borrows buf. */
void fev_iter_init(struct fev_iter *it, const void *buf, size_t len);

/* Parse the next event into *ev: 1 when one was parsed, 0 at the end,
 * -EPROTO (wrong metadata version) or -EBADMSG (malformed event). After
 * an error the walk goes on with the next event when the event's length could
 * be trusted; otherwise the rest is given up (counted in it->dropped) and the
 * next call returns 0. */
int fev_next(struct fev_iter *it, struct fev_event *ev);


/* Write dir "/" name into out[0..size) with a NUL; a dir ending in '/' gets
 * no second one and an empty name gives dir alone. Returns the length, or
 * -ENAMETOOLONG when it does not fit (out then holds ""). */
int fev_path_join(char *out, size_t size, const char *dir, size_t dir_len,
		  const char *name, size_t name_len);

/* Name of one FAN_* event bit ("create"), "" for several or unknown ones. */
const char *fev_mask_name(uint64_t bit);

#endif
