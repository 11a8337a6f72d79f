/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Ring reader (SPEC.md "Reading a ring"): header copy selection, slot scan,
 * duplicate-sequence resolution, block loading into cursors.
 *
 * The reader reads a file with pread only (or a memory buffer), so it holds
 * no file position and cursors on several threads can load blocks at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ring-format.h"

struct fdr_ring_reader {
	char *name;
	int fd;			/* -1 for a memory buffer */
	const uint8_t *mem;
	uint64_t len;
	struct ring_hdr hdr;
	struct fdr_ring_geometry geo;
	struct fdr_block_info *blocks;
	size_t nblocks;
	struct fdr_damage *damaged;
	size_t ndamaged, damcap;
	unsigned flags;		/* FDR_READER_* */
};

/* Defined in codec.c. */
int cursor_load_block(struct fdr_cursor *c, const struct blk_hdr *h, const uint8_t *payload);
uint8_t *cursor_slot_buf(struct fdr_cursor *c, size_t size);
void cursor_fail(struct fdr_cursor *c, int err);

/* Bytes [off, off+n) of the ring: a pointer into the buffer, or read into tmp. */
static int r_read(const struct fdr_ring_reader *r, uint64_t off, size_t n, uint8_t *tmp,
		  const uint8_t **out)
{
	int rc;

	if (off > r->len || n > r->len - off)
		return FDR_E_TRUNCATED;
	if (r->fd < 0) {
		*out = r->mem + off;
		return 0;
	}
	rc = sys_pread_all(r->fd, tmp, n, off);
	*out = tmp;
	return rc;
}

static int add_damage(struct fdr_ring_reader *r, uint32_t slot, int err)
{
	for (size_t i = 0; i < r->ndamaged; i++)
		if (r->damaged[i].slot == slot)
			return 0;
	if (r->ndamaged == r->damcap) {
		size_t n = r->damcap ? r->damcap * 2 : 16;
		struct fdr_damage *d = realloc(r->damaged, n * sizeof(*d));

		if (!d)
			return -ENOMEM;
		r->damaged = d;
		r->damcap = n;
	}
	r->damaged[r->ndamaged].slot = slot;
	r->damaged[r->ndamaged].error = err;
	r->ndamaged++;
	return 0;
}

static int cmp_block(const void *a, const void *b)
{
	const struct fdr_block_info *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	if (x->revision != y->revision)
		return x->revision > y->revision ? -1 : 1;	/* highest revision first */
	return x->slot < y->slot ? -1 : x->slot > y->slot;
}

static int cmp_damage(const void *a, const void *b)
{
	const struct fdr_damage *x = a, *y = b;

	return x->slot < y->slot ? -1 : x->slot > y->slot;
}

/* Checksum of the block in slot i (whose header h was read): 0 or FDR_E_CHECKSUM. */
static int check_slot(const struct fdr_ring_reader *r, uint32_t i, const struct blk_hdr *h, uint8_t *tmp)
{
	uint64_t off = r->hdr.data_offset + (uint64_t)i * r->hdr.slot_size;
	const uint8_t *p;
	int rc = r_read(r, off, h->header_size + (size_t)h->comp_size, tmp, &p);

	if (rc)
		return rc;
	return blk_checksum(p, h, p + h->header_size) == h->checksum ? 0 : FDR_E_CHECKSUM;
}

/*
 * Of blocks[lo, hi) (one seq, highest revision first), the first whose
 * checksum holds, as an index, or hi when none does; the failing ones become
 * damage. Lazy readers only: the others checked every block already.
 */
static int pick_revision(struct fdr_ring_reader *r, struct fdr_block_info *blocks, size_t lo,
			 size_t hi, uint8_t *tmp, size_t *pick)
{
	for (size_t i = lo; i < hi; i++) {
		struct blk_hdr h;
		uint64_t off = r->hdr.data_offset + (uint64_t)blocks[i].slot * r->hdr.slot_size;
		const uint8_t *p;
		int rc = r_read(r, off, BLK_HDR_SIZE, tmp, &p);

		if (rc)
			return rc;
		rc = blk_hdr_get(p, BLK_HDR_SIZE, r->hdr.slot_size, &h);
		if (rc == 0)
			rc = check_slot(r, blocks[i].slot, &h, tmp);
		if (rc == 0) {
			*pick = i;
			return 0;
		}
		if (rc < 0 && rc != FDR_E_CHECKSUM && rc != FDR_E_CORRUPT)
			return rc;
		if ((rc = add_damage(r, blocks[i].slot, rc == 1 ? FDR_E_CORRUPT : rc)))
			return rc;
	}
	*pick = hi;
	return 0;
}

/* Read the header and every slot header, checking each block's checksum
 * (with FDR_READER_LAZY: only where one seq is in several slots). */
static int scan(struct fdr_ring_reader *r)
{
	uint8_t hbuf[RING_DATA_OFFSET];
	const uint8_t *hp;
	uint8_t *slot = NULL;
	size_t hlen = r->len < sizeof(hbuf) ? (size_t)r->len : sizeof(hbuf);
	uint64_t other;
	int which, rc;
	struct fdr_block_info *blocks = NULL;
	size_t n = 0;

	if (r->len == 0)
		return FDR_E_EMPTY;
	rc = r_read(r, 0, hlen, hbuf, &hp);
	if (rc)
		return rc;
	rc = ring_hdr_get(hp, r->len, &r->hdr, &which, &other);
	if (rc)
		return rc;
	r->geo.version_major = r->hdr.major;
	r->geo.version_minor = r->hdr.minor;
	r->geo.slot_size = r->hdr.slot_size;
	r->geo.slot_count = r->hdr.slot_count;
	r->geo.data_offset = r->hdr.data_offset;
	r->geo.file_size = r->len;
	r->geo.compat_flags = r->hdr.compat;
	r->geo.incompat_flags = r->hdr.incompat;
	r->geo.header_generation = r->hdr.generation;

	if (r->fd >= 0 && !(slot = malloc(r->hdr.slot_size)))
		return -ENOMEM;
	blocks = calloc(r->hdr.slot_count, sizeof(*blocks));
	if (!blocks) {
		rc = -ENOMEM;
		goto out_free_slot;
	}
	r->ndamaged = 0;
	for (uint32_t i = 0; i < r->hdr.slot_count; i++) {
		uint64_t off = r->hdr.data_offset + (uint64_t)i * r->hdr.slot_size;
		const uint8_t *p;
		struct blk_hdr h;
		int st;

		rc = r_read(r, off, BLK_HDR_SIZE, slot, &p);
		if (rc)
			goto out_free_blocks;
		st = blk_hdr_get(p, BLK_HDR_SIZE, r->hdr.slot_size, &h);
		if (st == 1)
			continue;	/* never written */
		if (st == 0 && !(r->flags & FDR_READER_LAZY)) {
			st = check_slot(r, i, &h, slot);
			if (st < 0 && st != FDR_E_CHECKSUM) {
				rc = st;
				goto out_free_blocks;
			}
		}
		if (st) {
			if ((rc = add_damage(r, i, st)))
				goto out_free_blocks;
			continue;
		}
		blocks[n].seq = h.seq;
		blocks[n].slot = i;
		blocks[n].revision = h.revision;
		blocks[n].first_ns = h.first_ns;
		blocks[n].last_ns = h.last_ns;
		blocks[n].kinds = h.kinds;
		blocks[n].events = h.events;
		blocks[n].raw_size = h.raw_size;
		blocks[n].comp_size = h.comp_size;
		n++;
	}
	if (n)
		qsort(blocks, n, sizeof(*blocks), cmp_block);
	/* Same seq in two slots: a partial block's older revision. Keep the
	 * newest (a lazy reader: the newest whose checksum holds, so that a
	 * torn rewrite does not hide what the earlier flush wrote). */
	{
		size_t k = 0;

		for (size_t i = 0; i < n;) {
			size_t j = i + 1, pick = i;

			while (j < n && blocks[j].seq == blocks[i].seq)
				j++;
			if ((r->flags & FDR_READER_LAZY) && j - i > 1 &&
			    (rc = pick_revision(r, blocks, i, j, slot, &pick)))
				goto out_free_blocks;
			if (pick < j)
				blocks[k++] = blocks[pick];
			i = j;
		}
		n = k;
	}
	free(r->blocks);
	r->blocks = blocks;
	r->nblocks = n;
	if (r->ndamaged)
		qsort(r->damaged, r->ndamaged, sizeof(*r->damaged), cmp_damage);
	free(slot);
	return 0;

out_free_blocks:
	free(blocks);
out_free_slot:
	free(slot);
	return rc;
}

static int reader_new(const char *name, struct fdr_ring_reader **out)
{
	struct fdr_ring_reader *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->fd = -1;
	r->name = strdup(name ? name : "(memory)");
	if (!r->name) {
		free(r);
		return -ENOMEM;
	}
	*out = r;
	return 0;
}

int fdr_reader_open(const char *path, struct fdr_ring_reader **out)
{
	return fdr_reader_open_flags(path, 0, out);
}

int fdr_reader_open_flags(const char *path, unsigned flags, struct fdr_ring_reader **out)
{
	struct fdr_ring_reader *r;
	struct stat st;
	int rc = reader_new(path, &r);

	if (rc)
		return rc;
	r->flags = flags;
	r->fd = ring_sys.open(path, O_RDONLY | O_CLOEXEC, 0);
	if (r->fd < 0) {
		rc = -errno;
		goto out_free;
	}
	if (ring_sys.fstat(r->fd, &st)) {
		rc = -errno;
		goto out_free;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		rc = -EINVAL;
		goto out_free;
	}
	r->len = (uint64_t)st.st_size;
	rc = scan(r);
	if (rc)
		goto out_free;
	*out = r;
	return 0;

out_free:
	fdr_reader_free(r);
	return rc;
}

int fdr_reader_open_mem(const void *buf, size_t len, const char *name,
			struct fdr_ring_reader **out)
{
	return fdr_reader_open_mem_flags(buf, len, name, 0, out);
}

int fdr_reader_open_mem_flags(const void *buf, size_t len, const char *name, unsigned flags,
			      struct fdr_ring_reader **out)
{
	struct fdr_ring_reader *r;
	int rc = reader_new(name, &r);

	if (rc)
		return rc;
	r->flags = flags;
	r->mem = buf;
	r->len = len;
	rc = scan(r);
	if (rc) {
		fdr_reader_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

void fdr_reader_free(struct fdr_ring_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		ring_sys.close(r->fd);
	free(r->blocks);
	free(r->damaged);
	free(r->name);
	free(r);
}

int fdr_reader_refresh(struct fdr_ring_reader *r)
{
	if (r->fd >= 0) {
		struct stat st;

		if (ring_sys.fstat(r->fd, &st))
			return -errno;
		r->len = (uint64_t)st.st_size;
	}
	return scan(r);
}

const char *fdr_reader_name(const struct fdr_ring_reader *r)
{
	return r->name;
}

const struct fdr_ring_meta *fdr_reader_meta(const struct fdr_ring_reader *r)
{
	return &r->hdr.meta;
}

const struct fdr_ring_geometry *fdr_reader_geometry(const struct fdr_ring_reader *r)
{
	return &r->geo;
}

size_t fdr_reader_nblocks(const struct fdr_ring_reader *r)
{
	return r->nblocks;
}

const struct fdr_block_info *fdr_reader_block(const struct fdr_ring_reader *r, size_t i)
{
	return i < r->nblocks ? &r->blocks[i] : NULL;
}

size_t fdr_reader_ndamaged(const struct fdr_ring_reader *r)
{
	return r->ndamaged;
}

const struct fdr_damage *fdr_reader_damaged(const struct fdr_ring_reader *r, size_t i)
{
	return i < r->ndamaged ? &r->damaged[i] : NULL;
}

size_t fdr_reader_seek(const struct fdr_ring_reader *r, uint64_t t)
{
	/* Blocks are in seq order; their times need not be monotonic (late
	 * events), so this is a scan, not a bisection. */
	for (size_t i = 0; i < r->nblocks; i++)
		if (r->blocks[i].last_ns >= t)
			return i;
	return r->nblocks;
}

int fdr_cursor_load(struct fdr_cursor *c, const struct fdr_ring_reader *r, size_t i)
{
	const struct fdr_block_info *b = fdr_reader_block(r, i);
	uint64_t off;
	const uint8_t *p;
	uint8_t *tmp = NULL;
	struct blk_hdr h;
	int rc;

	if (!b) {
		cursor_fail(c, -EINVAL);
		return -EINVAL;
	}
	off = r->hdr.data_offset + (uint64_t)b->slot * r->hdr.slot_size;
	if (r->fd >= 0 && !(tmp = cursor_slot_buf(c, r->hdr.slot_size))) {
		rc = -ENOMEM;
		goto out_fail;
	}
	rc = r_read(r, off, BLK_HDR_SIZE, tmp, &p);
	if (rc)
		goto out_fail;
	rc = blk_hdr_get(p, BLK_HDR_SIZE, r->hdr.slot_size, &h);
	if (rc == 0 && (h.seq != b->seq || h.revision != b->revision))
		rc = -ESTALE;	/* overwritten since the scan: refresh */
	if (rc)
		goto out_fail;
	rc = r_read(r, off, h.header_size + (size_t)h.comp_size, tmp, &p);
	if (rc)
		goto out_fail;
	if (blk_checksum(p, &h, p + h.header_size) != h.checksum) {
		rc = FDR_E_CHECKSUM;
		goto out_fail;
	}
	return cursor_load_block(c, &h, p + h.header_size);

out_fail:
	if (rc == 1)
		rc = -ESTALE;	/* the slot is empty now */
	cursor_fail(c, rc);
	return rc;
}

int fdr_reader_verify(struct fdr_ring_reader *r)
{
	struct fdr_cursor *c;
	struct fdr_event *ev;
	int rc = fdr_cursor_new(&c);

	if (rc)
		return rc;
	ev = malloc(sizeof(*ev));
	if (!ev) {
		rc = -ENOMEM;
		goto out_free_cursor;
	}
	for (size_t i = 0; i < r->nblocks; i++) {
		int e = fdr_cursor_load(c, r, i);
		uint32_t n = 0;

		while (e == 0 && (e = fdr_cursor_next(c, ev)) == 1) {
			n++;
			e = 0;
		}
		if (e == 0 && n != r->blocks[i].events)
			e = FDR_E_CORRUPT;
		if (e == -ENOMEM || e == -ESTALE) {
			rc = e;
			goto out_free_ev;
		}
		if (e < 0 && e != -EIO && (rc = add_damage(r, r->blocks[i].slot, e)))
			goto out_free_ev;
		if (e == -EIO) {
			rc = e;
			goto out_free_ev;
		}
	}
	/* Damaged blocks are no longer listed as valid. */
	{
		size_t k = 0;

		for (size_t i = 0; i < r->nblocks; i++) {
			bool bad = false;

			for (size_t j = 0; j < r->ndamaged; j++)
				bad |= r->damaged[j].slot == r->blocks[i].slot;
			if (!bad)
				r->blocks[k++] = r->blocks[i];
		}
		r->nblocks = k;
	}
	if (r->ndamaged)
		qsort(r->damaged, r->ndamaged, sizeof(*r->damaged), cmp_damage);
	rc = (int)r->ndamaged;
out_free_ev:
	free(ev);
out_free_cursor:
	fdr_cursor_free(c);
	return rc;
}
