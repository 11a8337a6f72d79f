/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Parsing of fanotify read() buffers in FID mode.
 *
 * Layout (include/uapi/linux/fanotify.h, fanotify(7)):
 *
 *   struct fanotify_event_metadata            24 bytes
 *     u32 event_len | u8 vers | u8 reserved | u16 metadata_len
 *     u64 mask | s32 fd | s32 pid
 *   info records, from metadata_len to event_len, each:
 *     u8 info_type | u8 pad | u16 len          (struct fanotify_event_info_header)
 *     FID types: s32 fsid[2] | u32 handle_bytes | s32 handle_type
 *                | handle_bytes of handle | (DFID_NAME types) name NUL [pad]
 *
 * The kernel writes these, but the parser treats them as untrusted all the
 * same: the fuzzer feeds it anything and a kernel ABI change must not turn
 * into a read past the buffer. Fields are read with memcpy because a fuzzer's
 * buffer has no alignment.
 */
#include <errno.h>
#include <string.h>
#include <linux/fanotify.h>

#include "file-event.h"

#define INFO_HDR_LEN 4
#define FID_HDR_LEN (INFO_HDR_LEN + 8 + 8)	/* header, fsid, handle_bytes + handle_type */

_Static_assert(sizeof(struct fanotify_event_metadata) == FEV_META_LEN, "metadata size");
_Static_assert(FANOTIFY_METADATA_VERSION == FEV_VERSION, "metadata version");

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

void fev_iter_init(struct fev_iter *it, const void *buf, size_t len)
{
	it->p = buf;
	it->left = buf ? len : 0;
	it->dropped = 0;
}

/* Parse a FID record body (after the 4-byte header) of rec_len bytes in
 * total; *used gets the bytes consumed by header, fsid and handle. */
static int parse_fid(const uint8_t *rec, size_t rec_len, struct fev_fid *fid, size_t *used)
{
	uint32_t hbytes;

	if (rec_len < FID_HDR_LEN)
		return -EBADMSG;
	fid->fsid = (uint64_t)get32(rec + 4) | (uint64_t)get32(rec + 8) << 32;
	hbytes = get32(rec + 12);
	fid->type = (int32_t)get32(rec + 16);
	if (hbytes > FEV_HANDLE_MAX || hbytes > rec_len - FID_HDR_LEN)
		return -EBADMSG;
	fid->len = hbytes;
	fid->bytes = rec + FID_HDR_LEN;
	*used = FID_HDR_LEN + hbytes;
	return 0;
}

static int parse_dname(const uint8_t *rec, size_t rec_len, bool with_name, struct fev_dname *d)
{
	const uint8_t *nul;
	size_t used;
	int r;

	if (d->present)		/* one of each per event */
		return -EBADMSG;
	r = parse_fid(rec, rec_len, &d->dir, &used);
	if (r < 0)
		return r;
	d->name = "";
	d->name_len = 0;
	if (with_name) {
		nul = memchr(rec + used, 0, rec_len - used);
		if (!nul)
			return -EBADMSG;
		d->name = (const char *)(rec + used);
		d->name_len = (size_t)(nul - (rec + used));
		/* "." stands for the directory itself (events on a dir with no
		 * parent in the mark); a '/' inside a name is impossible. */
		if (memchr(d->name, '/', d->name_len))
			return -EBADMSG;
	}
	d->present = true;
	return 0;
}

static int parse_info(const uint8_t *p, size_t len, struct fev_event *ev)
{
	while (len > 0) {
		uint8_t type;
		uint16_t rlen;
		size_t used;
		int r = 0;

		if (len < INFO_HDR_LEN)
			return -EBADMSG;
		type = p[0];
		rlen = get16(p + 2);
		if (rlen < INFO_HDR_LEN || rlen > len)
			return -EBADMSG;
		switch (type) {
		case FAN_EVENT_INFO_TYPE_FID:
			if (ev->has_fid)
				return -EBADMSG;
			r = parse_fid(p, rlen, &ev->fid, &used);
			ev->has_fid = r == 0;
			break;
		case FAN_EVENT_INFO_TYPE_DFID:
			r = parse_dname(p, rlen, false, &ev->dname);
			break;
		case FAN_EVENT_INFO_TYPE_DFID_NAME:
			r = parse_dname(p, rlen, true, &ev->dname);
			break;
		case FAN_EVENT_INFO_TYPE_OLD_DFID_NAME:
			r = parse_dname(p, rlen, true, &ev->old);
			break;
		case FAN_EVENT_INFO_TYPE_NEW_DFID_NAME:
			r = parse_dname(p, rlen, true, &ev->new_);
			break;
		default:	/* PIDFD, ERROR, future types: skip by length */
			ev->unknown++;
			break;
		}
		if (r < 0)
			return r;
		p += rlen;
		len -= rlen;
	}
	return 0;
}

int fev_next(struct fev_iter *it, struct fev_event *ev)
{
	uint32_t event_len;
	uint16_t meta_len;
	const uint8_t *p = it->p;

	memset(ev, 0, sizeof(*ev));
	if (it->left == 0)
		return 0;
	if (it->left < FEV_META_LEN)
		goto out_give_up;
	event_len = get32(p);
	if (p[4] != FEV_VERSION) {
		it->dropped += it->left;
		it->left = 0;
		return -EPROTO;
	}
	meta_len = get16(p + 6);
	if (event_len < FEV_META_LEN || event_len > it->left)
		goto out_give_up;
	if (meta_len < FEV_META_LEN || meta_len > event_len) {
		it->p += event_len;
		it->left -= event_len;
		return -EBADMSG;
	}
	ev->mask = get64(p + 8);
	ev->fd = (int32_t)get32(p + 16);
	ev->pid = (int32_t)get32(p + 20);
	it->p += event_len;
	it->left -= event_len;
	return parse_info(p + meta_len, event_len - meta_len, ev) < 0 ? -EBADMSG : 1;

out_give_up:
	it->dropped += it->left;
	it->left = 0;
	return -EBADMSG;
}

int fev_path_join(char *out, size_t size, const char *dir, size_t dir_len,
		  const char *name, size_t name_len)
{
	size_t n = dir_len;
	bool slash = name_len > 0 && dir_len > 0 && dir[dir_len - 1] != '/';

	if (size == 0)
		return -ENAMETOOLONG;
	if (name_len == 1 && name[0] == '.')	/* the directory itself */
		name_len = 0, slash = false;
	n += slash + name_len;
	if (n >= size || n > INT32_MAX) {
		out[0] = '\0';
		return -ENAMETOOLONG;
	}
	memmove(out, dir, dir_len);	/* dir may be out itself */
	if (slash)
		out[dir_len] = '/';
	memcpy(out + dir_len + slash, name, name_len);
	out[n] = '\0';
	return (int)n;
}

const char *fev_mask_name(uint64_t bit)
{
	switch (bit) {
	case FAN_ACCESS: return "access";
	case FAN_MODIFY: return "modify";
	case FAN_ATTRIB: return "attrib";
	case FAN_CLOSE_WRITE: return "close_write";
	case FAN_CLOSE_NOWRITE: return "close_nowrite";
	case FAN_OPEN: return "open";
	case FAN_MOVED_FROM: return "moved_from";
	case FAN_MOVED_TO: return "moved_to";
	case FAN_CREATE: return "create";
	case FAN_DELETE: return "delete";
	case FAN_DELETE_SELF: return "delete_self";
	case FAN_MOVE_SELF: return "move_self";
	case FAN_OPEN_EXEC: return "open_exec";
	case FAN_Q_OVERFLOW: return "q_overflow";
	case FAN_RENAME: return "rename";
	default: return "";
	}
}
