/* SPDX-License-Identifier: Apache-2.0 */
/*
 * File header (SPEC.md "File header", "Metadata"), block header
 * ("Block header"), error names and the system call table.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "ring-format.h"

static_assert(RING_HDR_FIXED_SIZE == 64, "v1.0 fixed header is 64 bytes");
static_assert(BLK_HDR_SIZE == 64, "v1.0 block header is 64 bytes");
static_assert(sizeof(RING_MAGIC) == 9 && sizeof(BLK_MAGIC) == 5, "magic sizes");

/* ---- errors ---------------------------------------------------------------- */

const char *fdr_strerror(int err)
{
	static const char *const msg[] = {
		[0] = "ring structure damaged",
		[1] = "not an fdr ring file (bad magic)",
		[2] = "ring format major version newer than this program",
		[3] = "ring uses an incompatible feature this program does not know",
		[4] = "ring file truncated",
		[5] = "ring file is empty (zero length)",
		[6] = "invalid or different ring geometry (slot size or count)",
		[7] = "checksum mismatch",
		[8] = "event too big for one slot",
		[9] = "no valid ring header copy",
	};

	if (err == 0)
		return "success";
	if (err <= FDR_E_CORRUPT && err >= FDR_E_HEADER)
		return msg[FDR_E_CORRUPT - err];
	if (err < 0 && err > -4096)
		return strerror(-err);
	return "unknown error";
}

int fdr_meta_add_label(struct fdr_ring_meta *meta, const char *key, const char *value)
{
	size_t kl = strlen(key), vl = strlen(value), used = meta->labels_len;

	if (used > sizeof(meta->labels) || kl + vl + 2 > sizeof(meta->labels) - used)
		return -ENOSPC;
	memcpy(meta->labels + used, key, kl);
	meta->labels[used + kl] = '=';
	memcpy(meta->labels + used + kl + 1, value, vl);
	meta->labels[used + kl + 1 + vl] = '\0';
	meta->labels_len = (uint32_t)(used + kl + vl + 2);
	return 0;
}

/* ---- block header ----------------------------------------------------------- */

void blk_hdr_put(uint8_t *p, const struct blk_hdr *h)
{
	memcpy(p, BLK_MAGIC, 4);
	put_le16(p + 4, h->header_size);
	put_le16(p + 6, h->flags);
	put_le64(p + 8, h->seq);
	put_le32(p + 16, h->revision);
	put_le32(p + 20, h->events);
	put_le64(p + 24, h->first_ns);
	put_le64(p + 32, h->last_ns);
	put_le64(p + 40, h->kinds);
	put_le32(p + 48, h->raw_size);
	put_le32(p + 52, h->comp_size);
	put_le64(p + 56, h->checksum);
}

int blk_hdr_get(const uint8_t *p, size_t avail, uint32_t slot_size, struct blk_hdr *h)
{
	bool zero = true;

	if (avail < BLK_HDR_SIZE)
		return FDR_E_TRUNCATED;
	for (unsigned i = 0; i < BLK_HDR_SIZE; i++)
		if (p[i]) {
			zero = false;
			break;
		}
	if (zero)
		return 1;
	if (memcmp(p, BLK_MAGIC, 4))
		return FDR_E_CORRUPT;
	h->header_size = get_le16(p + 4);
	h->flags = get_le16(p + 6);
	h->seq = get_le64(p + 8);
	h->revision = get_le32(p + 16);
	h->events = get_le32(p + 20);
	h->first_ns = get_le64(p + 24);
	h->last_ns = get_le64(p + 32);
	h->kinds = get_le64(p + 40);
	h->raw_size = get_le32(p + 48);
	h->comp_size = get_le32(p + 52);
	h->checksum = get_le64(p + 56);
	if (h->header_size < BLK_HDR_SIZE || h->header_size > slot_size ||
	    h->comp_size > slot_size - h->header_size || h->raw_size > FDR_MAX_RAW ||
	    h->first_ns > h->last_ns)
		return FDR_E_CORRUPT;
	if ((h->flags & BLK_COMP_MASK) > BLK_COMP_LZ4C || (h->flags & ~BLK_COMP_MASK))
		return FDR_E_INCOMPAT;
	return 0;
}

uint64_t blk_checksum(const uint8_t *hdr, const struct blk_hdr *h, const uint8_t *payload)
{
	XXH3_state_t st;

	XXH3_64bits_reset(&st);
	XXH3_64bits_update(&st, hdr, BLK_CSUM_OFF);
	if (h->header_size > BLK_HDR_SIZE)
		XXH3_64bits_update(&st, hdr + BLK_HDR_SIZE, h->header_size - BLK_HDR_SIZE);
	XXH3_64bits_update(&st, payload, h->comp_size);
	return XXH3_64bits_digest(&st);
}

/* ---- file header ------------------------------------------------------------- */

struct tlv_out {
	uint8_t *p;
	size_t len, cap;
	bool truncated;
};

static void tlv(struct tlv_out *o, uint16_t tag, const void *v, size_t n)
{
	if (n > 0xffff || o->len + 4 + n > o->cap) {
		o->truncated = true;
		return;
	}
	put_le16(o->p + o->len, tag);
	put_le16(o->p + o->len + 2, (uint16_t)n);
	memcpy(o->p + o->len + 4, v, n);
	o->len += 4 + n;
}

static void tlv_str(struct tlv_out *o, uint16_t tag, const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	if (n)
		tlv(o, tag, s, n);
}

static void tlv_u64(struct tlv_out *o, uint16_t tag, uint64_t v)
{
	uint8_t b[8];

	if (!v)
		return;
	put_le64(b, v);
	tlv(o, tag, b, 8);
}

#define TLV_STR(o, tag, m, field) tlv_str(o, tag, (m)->field, sizeof((m)->field) - 1)

void ring_hdr_put(uint8_t *buf, const struct ring_hdr *h)
{
	const struct fdr_ring_meta *m = &h->meta;
	struct tlv_out o = { buf + RING_HDR_FIXED_SIZE, 0,
			     RING_HDR_COPY_SIZE - RING_HDR_FIXED_SIZE - 8, false };
	uint32_t compat = h->compat & ~RING_COMPAT_META_TRUNCATED;
	size_t lab = 0, lablen = m->labels_len < sizeof(m->labels) ? m->labels_len : sizeof(m->labels);

	memset(buf, 0, RING_HDR_COPY_SIZE);
	/* Identity first, so what is dropped when it does not fit is the least useful. */
	TLV_STR(&o, META_HOSTNAME, m, hostname);
	TLV_STR(&o, META_MACHINE_ID, m, machine_id);
	TLV_STR(&o, META_BOOT_ID, m, boot_id);
	TLV_STR(&o, META_CONTAINER_ID, m, container_id);
	TLV_STR(&o, META_CONTAINER_NAME, m, container_name);
	TLV_STR(&o, META_RUNTIME, m, runtime);
	TLV_STR(&o, META_IMAGE, m, image);
	TLV_STR(&o, META_IMAGE_ID, m, image_id);
	TLV_STR(&o, META_POD, m, pod);
	TLV_STR(&o, META_POD_UID, m, pod_uid);
	TLV_STR(&o, META_NAMESPACE, m, namespace_);
	tlv_u64(&o, META_STARTED_NS, m->started_ns);
	tlv_u64(&o, META_ENDED_NS, m->ended_ns);
	TLV_STR(&o, META_PORTS, m, ports);
	TLV_STR(&o, META_COMMAND, m, command);
	while (lab < lablen) {
		size_t n = strnlen(m->labels + lab, lablen - lab);

		if (n)
			tlv(&o, META_LABEL, m->labels + lab, n);
		lab += n + 1;
	}
	if (o.truncated)
		compat |= RING_COMPAT_META_TRUNCATED;

	memcpy(buf, RING_MAGIC, 8);
	put_le16(buf + 8, RING_VERSION_MAJOR);
	put_le16(buf + 10, RING_VERSION_MINOR);
	put_le32(buf + 12, RING_HDR_FIXED_SIZE);
	put_le32(buf + 16, compat);
	put_le32(buf + 20, h->incompat);
	put_le64(buf + 24, h->generation);
	put_le32(buf + 32, h->slot_size);
	put_le32(buf + 36, h->slot_count);
	put_le64(buf + 40, h->data_offset);
	put_le64(buf + 48, m->created_ns);
	put_le32(buf + 56, (uint32_t)o.len);
	put_le32(buf + 60, 0);
	put_le64(buf + RING_HDR_FIXED_SIZE + o.len,
		 XXH3_64bits(buf, RING_HDR_FIXED_SIZE + o.len));
}

static void meta_str(char *dst, size_t size, const uint8_t *v, size_t n)
{
	if (n > size - 1)
		n = size - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

static void meta_parse(struct fdr_ring_meta *m, const uint8_t *p, size_t len)
{
	struct rd r = { p, p + len };

	while (r.end - r.p >= 4) {
		uint16_t tag = get_le16(r.p), n = get_le16(r.p + 2);
		const uint8_t *v = r.p + 4;

		if ((size_t)(r.end - v) < n)
			break;
		r.p = v + n;
		switch (tag) {
#define S(T, f) case T: meta_str(m->f, sizeof(m->f), v, n); break
		S(META_HOSTNAME, hostname);
		S(META_MACHINE_ID, machine_id);
		S(META_BOOT_ID, boot_id);
		S(META_CONTAINER_ID, container_id);
		S(META_CONTAINER_NAME, container_name);
		S(META_RUNTIME, runtime);
		S(META_IMAGE, image);
		S(META_IMAGE_ID, image_id);
		S(META_POD, pod);
		S(META_POD_UID, pod_uid);
		S(META_NAMESPACE, namespace_);
		S(META_COMMAND, command);
		S(META_PORTS, ports);
#undef S
		case META_LABEL: {
			size_t l = strnlen((const char *)v, n);

			if (l && m->labels_len + l + 1 <= sizeof(m->labels)) {
				memcpy(m->labels + m->labels_len, v, l);
				m->labels[m->labels_len + l] = '\0';
				m->labels_len += (uint32_t)(l + 1);
			}
			break;
		}
		case META_STARTED_NS:
			if (n == 8)
				m->started_ns = get_le64(v);
			break;
		case META_ENDED_NS:
			if (n == 8)
				m->ended_ns = get_le64(v);
			break;
		default:
			break;	/* unknown tag: skipped */
		}
	}
}

/* One copy: 0 valid, else why not. */
static int hdr_copy(const uint8_t *p, uint64_t avail, struct ring_hdr *h)
{
	uint32_t meta_len;

	if (avail < 8 || memcmp(p, RING_MAGIC, 8))
		return FDR_E_MAGIC;
	if (avail < 12)
		return FDR_E_TRUNCATED;
	h->major = get_le16(p + 8);
	h->minor = get_le16(p + 10);
	if (h->major > RING_VERSION_MAJOR)
		return FDR_E_VERSION;
	if (avail < RING_HDR_COPY_SIZE)
		return FDR_E_TRUNCATED;
	if (h->major != RING_VERSION_MAJOR)
		return FDR_E_HEADER;
	h->header_size = get_le32(p + 12);
	meta_len = get_le32(p + 56);
	if (h->header_size < RING_HDR_FIXED_SIZE || h->header_size > RING_HDR_COPY_SIZE - 8 ||
	    meta_len > RING_HDR_COPY_SIZE - 8 - h->header_size)
		return FDR_E_HEADER;
	if (get_le64(p + h->header_size + meta_len) != XXH3_64bits(p, h->header_size + meta_len))
		return FDR_E_CHECKSUM;
	h->compat = get_le32(p + 16);
	h->incompat = get_le32(p + 20);
	if (h->incompat & ~RING_INCOMPAT_KNOWN)
		return FDR_E_INCOMPAT;
	h->generation = get_le64(p + 24);
	h->slot_size = get_le32(p + 32);
	h->slot_count = get_le32(p + 36);
	h->data_offset = get_le64(p + 40);
	if (h->slot_size < RING_SLOT_MIN || h->slot_size > RING_SLOT_MAX || h->slot_size % 4096 ||
	    h->slot_count < RING_SLOTS_MIN || h->slot_count > RING_SLOTS_MAX ||
	    h->data_offset < RING_DATA_OFFSET || h->data_offset % 4096 ||
	    h->data_offset > (1ull << 40))
		return FDR_E_GEOMETRY;
	memset(&h->meta, 0, sizeof(h->meta));
	h->meta.created_ns = get_le64(p + 48);
	meta_parse(&h->meta, p + h->header_size, meta_len);
	return 0;
}

int ring_hdr_get(const uint8_t *buf, uint64_t len, struct ring_hdr *h, int *which,
		 uint64_t *other_gen)
{
	struct ring_hdr c[2];
	int rc[2];

	if (len == 0)
		return FDR_E_EMPTY;
	rc[0] = hdr_copy(buf, len, &c[0]);
	rc[1] = len > RING_HDR_COPY_SIZE ?
		hdr_copy(buf + RING_HDR_COPY_SIZE, len - RING_HDR_COPY_SIZE, &c[1]) :
		FDR_E_TRUNCATED;
	if (rc[0] && rc[1]) {
		/* Neither copy is usable: report the most specific reason. */
		bool b_absent = len <= RING_HDR_COPY_SIZE + 8;

		for (int i = 0; i < 2; i++)
			if (rc[i] == FDR_E_VERSION)
				return FDR_E_VERSION;
		for (int i = 0; i < 2; i++)
			if (rc[i] == FDR_E_INCOMPAT)
				return FDR_E_INCOMPAT;
		if (rc[0] == FDR_E_MAGIC && (b_absent || rc[1] == FDR_E_MAGIC))
			return FDR_E_MAGIC;
		if (rc[0] == FDR_E_TRUNCATED || (rc[1] == FDR_E_TRUNCATED && rc[0] != FDR_E_MAGIC &&
						 rc[0] != FDR_E_GEOMETRY))
			return FDR_E_TRUNCATED;
		if (rc[0] == FDR_E_GEOMETRY || rc[1] == FDR_E_GEOMETRY)
			return FDR_E_GEOMETRY;
		return FDR_E_HEADER;
	}
	*which = rc[0] ? 1 : rc[1] ? 0 : c[1].generation > c[0].generation ? 1 : 0;
	*h = c[*which];
	*other_gen = rc[!*which] ? 0 : c[!*which].generation;
	if (h->data_offset + (uint64_t)h->slot_count * h->slot_size > len)
		return FDR_E_TRUNCATED;
	return 0;
}

/* ---- system calls ---------------------------------------------------------------- */

static int sys_open(const char *path, int flags, mode_t mode)
{
	return open(path, flags, mode);
}

static int sys_fallocate(int fd, off_t off, off_t len)
{
	return posix_fallocate(fd, off, len);
}

#define SYS_DEFAULT {						\
	.open = sys_open,						\
	.close = close,							\
	.fstat = fstat,							\
	.pread = pread,							\
	.pwrite = pwrite,						\
	.fdatasync = fdatasync,						\
	.fallocate = sys_fallocate,					\
	.ftruncate = ftruncate,						\
	.unlink = unlink,						\
	.rename = rename,						\
}

struct ring_syscalls ring_sys = SYS_DEFAULT;

void ring_sys_reset(void)
{
	static const struct ring_syscalls d = SYS_DEFAULT;

	ring_sys = d;
}

int sys_pread_all(int fd, void *buf, size_t n, uint64_t off)
{
	size_t done = 0;

	while (done < n) {
		ssize_t r = ring_sys.pread(fd, (uint8_t *)buf + done, n - done, (off_t)(off + done));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return FDR_E_TRUNCATED;
		done += (size_t)r;
	}
	return 0;
}

int sys_pwrite_all(int fd, const void *buf, size_t n, uint64_t off)
{
	size_t done = 0;

	while (done < n) {
		ssize_t r = ring_sys.pwrite(fd, (const uint8_t *)buf + done, n - done,
					    (off_t)(off + done));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EIO;
		done += (size_t)r;
	}
	return 0;
}
