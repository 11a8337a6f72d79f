/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Ring writer (SPEC.md "Writing a ring").
 *
 * Slots are filled by compressed size: events accumulate in the encoder's
 * raw buffer; when the predicted compressed size (previous ratio) reaches the
 * slot, LZ4_compress_destSize tells how much really fits, the block is cut at
 * the last event boundary that fits and the rest is carried to the next block
 * (re-encoded, since strings are interned per block).
 *
 * Crash safety: a block is written with one pwrite into a slot that holds
 * nothing still needed: a free slot, the stale older revision of the open
 * block (ping-pong between two slots on partial flushes), or the oldest
 * block. A block once flushed is never shrunk: a cut keeps at least the
 * events already on disk, so a crash while writing the next block cannot
 * lose them. Every state change happens after the system calls succeed, so
 * a failed call can be retried by the next append/flush.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lz4.h>

#include "ring-format.h"

struct slot_state {
	uint64_t seq;
	uint32_t rev;
	bool live;		/* holds the newest revision of a block */
};

struct fdr_ring_writer {
	int fd;
	struct fdr_writer_opts opts;
	struct ring_hdr hdr;
	int older;		/* header copy to overwrite next (0 = A, 1 = B) */
	uint64_t gen_max;
	struct slot_state *slots;
	uint32_t nslots, last_slot;
	uint32_t cap;		/* payload bytes per slot */
	struct blkenc enc, enc2;
	struct fdr_cursor *carry;
	struct fdr_event *tmpev;
	uint8_t *sbuf;		/* one slot: header + compressed payload */
	/* the open block */
	uint64_t seq;
	uint32_t rev;		/* last revision written, 0 = never */
	int64_t cur, alt;	/* its slot (newest revision) and ping-pong partner */
	size_t flushed_n;	/* events in its newest revision on disk */
	bool dirty;
	size_t check_at;	/* raw length at which to measure compression */
	struct fdr_writer_stats st;
};

static int sys_sync(struct fdr_ring_writer *w)
{
	if (w->opts.sync == FDR_SYNC_FLUSH && ring_sys.fdatasync(w->fd))
		return -errno;
	return 0;
}

static int write_header(struct fdr_ring_writer *w, int copy)
{
	uint8_t buf[RING_HDR_COPY_SIZE];
	int rc;

	ring_hdr_put(buf, &w->hdr);
	rc = sys_pwrite_all(w->fd, buf, sizeof(buf), (uint64_t)copy * RING_HDR_COPY_SIZE);
	return rc ? rc : sys_sync(w);
}

/* ---- slots ----------------------------------------------------------------- */

static uint32_t alloc_slot(struct fdr_ring_writer *w)
{
	uint32_t best = UINT32_MAX;

	for (uint32_t k = 1; k <= w->nslots; k++) {
		uint32_t i = (w->last_slot + k) % w->nslots;

		if ((int64_t)i == w->cur)
			continue;
		if (!w->slots[i].live)
			return i;
		if (best == UINT32_MAX || w->slots[i].seq < w->slots[best].seq)
			best = i;
	}
	return best;
}

/* Write the first n events (compressed: comp bytes already in sbuf) as the
 * next revision of the open block. */
static int write_block(struct fdr_ring_writer *w, size_t n, size_t comp)
{
	struct blk_hdr h = { 0 };
	uint32_t target = w->alt >= 0 ? (uint32_t)w->alt : alloc_slot(w);
	bool evict = w->slots[target].live;
	int rc;

	h.header_size = BLK_HDR_SIZE;
	h.flags = BLK_COMP_LZ4;
	h.seq = w->seq;
	h.revision = w->rev + 1;
	h.events = (uint32_t)n;
	blkenc_range(&w->enc, n, &h.first_ns, &h.last_ns, &h.kinds);
	h.raw_size = w->enc.ev[n - 1].end;
	h.comp_size = (uint32_t)comp;
	blk_hdr_put(w->sbuf, &h);
	h.checksum = blk_checksum(w->sbuf, &h, w->sbuf + BLK_HDR_SIZE);
	put_le64(w->sbuf + BLK_CSUM_OFF, h.checksum);

	rc = sys_pwrite_all(w->fd, w->sbuf, BLK_HDR_SIZE + comp,
			    w->hdr.data_offset + (uint64_t)target * w->hdr.slot_size);
	if (!rc)
		rc = sys_sync(w);
	if (rc) {
		/* The target may be half written: it holds nothing live now. */
		w->slots[target].live = false;
		return rc;
	}
	if (evict)
		w->st.wraps++;
	w->slots[target].seq = w->seq;
	w->slots[target].rev = h.revision;
	w->slots[target].live = true;
	if (w->cur >= 0)
		w->slots[w->cur].live = false;	/* stale revision: free */
	w->alt = w->cur;
	w->cur = target;
	w->last_slot = target;
	w->rev = h.revision;
	w->flushed_n = n;
	w->st.blocks++;
	return 0;
}

/* Seal the first k events as the final content of the open block and start
 * the next block with the rest. */
static int cut(struct fdr_ring_writer *w, size_t k)
{
	size_t floor = w->flushed_n ? w->flushed_n : 1, comp = 0;
	uint64_t first, last, kinds;
	int rc;

	if (k < floor)
		k = floor;
	if (k > w->enc.nev)
		k = w->enc.nev;
	for (;; k--) {
		blkenc_range(&w->enc, k, &first, &last, &kinds);
		blkenc_set_base(&w->enc, first);
		if (k == w->flushed_n && w->rev)
			break;	/* exactly what is on disk already */
		comp = (size_t)LZ4_compress_default((const char *)w->enc.raw,
						    (char *)w->sbuf + BLK_HDR_SIZE,
						    (int)w->enc.ev[k - 1].end, (int)w->cap);
		if (comp || k == floor)
			break;
	}
	if (!comp && !(k == w->flushed_n && w->rev)) {
		/* A single event that does not fit: cannot happen after the
		 * append-time check, but never loop on it. */
		return FDR_E_TOOBIG;
	}
	if (comp && (rc = write_block(w, k, comp)))
		return rc;
	w->st.raw_bytes += w->enc.ev[k - 1].end;
	w->st.comp_bytes += comp ? comp : 0;

	/* Carry events k.. into a fresh encoder. */
	blkenc_reset(&w->enc2);
	if (k < w->enc.nev) {
		/* Decode from event k on (not from the start: the carried tail
		 * is short) with the string table as it was there. */
		if ((rc = cursor_load_carry(w->carry, &w->enc, k)))
			return rc;
		while ((rc = fdr_cursor_next(w->carry, w->tmpev)) == 1)
			if ((rc = blkenc_add(&w->enc2, w->tmpev)))
				return rc;
		if (rc < 0)
			return rc;
	}
	{
		struct blkenc t = w->enc;

		w->enc = w->enc2;
		w->enc2 = t;
	}
	w->seq++;
	w->st.next_seq = w->seq;
	w->rev = 0;
	w->alt = -1;
	w->cur = -1;
	w->flushed_n = 0;
	w->dirty = w->enc.nev > 0;
	return 0;
}

static void set_check(struct fdr_ring_writer *w, size_t raw, size_t comp)
{
	uint64_t at = comp ? (uint64_t)raw * w->cap / comp : (uint64_t)raw * 2;

	if (at < raw + 256)
		at = raw + 256;
	w->check_at = (size_t)at;
}

/* Measure the open block; cut it if it no longer fits (always when force). */
static int seal_fill(struct fdr_ring_writer *w, bool force)
{
	int src = (int)w->enc.len, comp;
	size_t k = 0, lo, hi;
	uint64_t first, last, kinds;

	if (!w->enc.nev)
		return 0;
	blkenc_range(&w->enc, w->enc.nev, &first, &last, &kinds);
	blkenc_set_base(&w->enc, first);
	comp = LZ4_compress_destSize((const char *)w->enc.raw, (char *)w->sbuf + BLK_HDR_SIZE,
				     &src, (int)w->cap);
	if (!force && (size_t)src == w->enc.len) {
		set_check(w, w->enc.len, (size_t)comp);
		return 0;
	}
	/* k = events whose end <= src */
	lo = 0;
	hi = w->enc.nev;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (w->enc.ev[mid].end <= (uint32_t)src)
			lo = mid + 1;
		else
			hi = mid;
	}
	k = lo;
	if (comp > 0 && src > 0)
		set_check(w, (size_t)src, (size_t)comp);
	return cut(w, k ? k : 1);
}

/* ---- lifecycle --------------------------------------------------------------- */

static int check_opts(const struct fdr_writer_opts *o, uint32_t *slots)
{
	uint64_t n;

	if (o->slot_size < RING_SLOT_MIN || o->slot_size > RING_SLOT_MAX || o->slot_size % 4096 ||
	    o->file_size < RING_DATA_OFFSET)
		return FDR_E_GEOMETRY;
	n = (o->file_size - RING_DATA_OFFSET) / o->slot_size;
	if (n < RING_SLOTS_MIN || n > RING_SLOTS_MAX)
		return FDR_E_GEOMETRY;
	*slots = (uint32_t)n;
	return 0;
}

static int load_existing(struct fdr_ring_writer *w, const char *path)
{
	uint8_t buf[RING_DATA_OFFSET];
	struct ring_hdr h;
	struct stat st;
	uint64_t other;
	int which, rc;
	struct fdr_ring_reader *r;

	if (ring_sys.fstat(w->fd, &st))
		return -errno;
	if (!S_ISREG(st.st_mode))
		return FDR_E_MAGIC;
	rc = sys_pread_all(w->fd, buf, st.st_size < (off_t)sizeof(buf) ? (size_t)st.st_size :
				   sizeof(buf), 0);
	if (rc)
		return rc;
	rc = ring_hdr_get(buf, (uint64_t)st.st_size, &h, &which, &other);
	if (rc)
		return rc;
	if (h.slot_size != w->opts.slot_size || h.slot_count != w->nslots ||
	    h.data_offset != RING_DATA_OFFSET)
		return FDR_E_GEOMETRY;
	if (h.minor != RING_VERSION_MINOR || h.compat & ~RING_COMPAT_KNOWN)
		return FDR_E_VERSION;	/* only continue rings exactly like ours */
	rc = fdr_reader_open(path, &r);
	if (rc)
		return rc;
	w->seq = 0;
	for (size_t i = 0; i < fdr_reader_nblocks(r); i++) {
		const struct fdr_block_info *b = fdr_reader_block(r, i);

		w->slots[b->slot].seq = b->seq;
		w->slots[b->slot].rev = b->revision;
		w->slots[b->slot].live = true;
		if (b->seq + 1 > w->seq) {
			w->seq = b->seq + 1;
			w->last_slot = b->slot;
		}
	}
	fdr_reader_free(r);
	w->hdr.generation = h.generation > other ? h.generation : other;
	w->older = !which;	/* the copy read has the highest generation */
	w->hdr.meta.created_ns = h.meta.created_ns;
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int fdr_writer_open(const char *path, const struct fdr_ring_meta *meta,
		    const struct fdr_writer_opts *opts, struct fdr_ring_writer **out)
{
	struct fdr_ring_writer *w;
	struct stat st;
	bool created = false, fresh = false;
	uint32_t nslots;
	uint64_t created_ns = meta->created_ns;
	char tmp[4096];
	int rc = check_opts(opts, &nslots);

	if (rc)
		return rc;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->fd = -1;
	w->opts = *opts;
	w->nslots = nslots;
	w->cap = opts->slot_size - BLK_HDR_SIZE;
	w->cur = w->alt = -1;
	w->last_slot = nslots - 1;
	blkenc_init(&w->enc);
	blkenc_init(&w->enc2);
	w->slots = calloc(nslots, sizeof(*w->slots));
	w->sbuf = malloc(opts->slot_size);
	w->tmpev = malloc(sizeof(*w->tmpev));
	if (!w->slots || !w->sbuf || !w->tmpev || fdr_cursor_new(&w->carry)) {
		rc = -ENOMEM;
		goto out_free;
	}
	set_check(w, 0, 0);
	w->check_at = w->cap;	/* first measure at one slot of raw bytes */

	w->fd = ring_sys.open(path, O_RDWR | O_CLOEXEC, 0);
	if (w->fd < 0 && errno == ENOENT) {
		/* Build the new ring under a temporary name and rename it into
		 * place, so that `path` never names a ring without a header. */
		if (snprintf(tmp, sizeof(tmp), "%s.creating", path) >= (int)sizeof(tmp)) {
			rc = -ENAMETOOLONG;
			goto out_free;
		}
		w->fd = ring_sys.open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		created = fresh = w->fd >= 0;
	}
	if (w->fd < 0) {
		rc = -errno;
		goto out_free;
	}
	/* One writer per ring: a second one would overwrite the first's slots. */
	if (flock(w->fd, LOCK_EX | LOCK_NB)) {
		rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
		goto out_unlink;
	}
	if (!created) {
		if (ring_sys.fstat(w->fd, &st)) {
			rc = -errno;
			goto out_free;
		}
		fresh = S_ISREG(st.st_mode) && st.st_size == 0;	/* holds nothing */
	}
	w->hdr.major = RING_VERSION_MAJOR;
	w->hdr.minor = RING_VERSION_MINOR;
	w->hdr.header_size = RING_HDR_FIXED_SIZE;
	w->hdr.slot_size = opts->slot_size;
	w->hdr.slot_count = nslots;
	w->hdr.data_offset = RING_DATA_OFFSET;
	w->hdr.meta = *meta;
	if (fresh) {
		rc = ring_sys.fallocate(w->fd, 0, (off_t)opts->file_size);
		if (rc == EOPNOTSUPP || rc == EINVAL)
			rc = ring_sys.ftruncate(w->fd, (off_t)opts->file_size) ? errno : 0;
		if (rc) {
			rc = -rc;
			goto out_unlink;
		}
		w->hdr.meta.created_ns = created_ns ? created_ns : now_ns();
		/* B then A: a reader finds A (generation 2) or nothing valid. */
		w->hdr.generation = 1;
		if ((rc = write_header(w, 1)))
			goto out_unlink;
		w->hdr.generation = 2;
		if ((rc = write_header(w, 0)))
			goto out_unlink;
		w->older = 1;
		if (created && ring_sys.rename(tmp, path)) {
			rc = -errno;
			goto out_unlink;
		}
		created = false;
	} else {
		rc = load_existing(w, path);
		if (rc)
			goto out_free;
		rc = fdr_writer_set_meta(w, &w->hdr.meta);
		if (rc)
			goto out_free;
	}
	w->st.next_seq = w->seq;
	*out = w;
	return 0;

out_unlink:
	if (created)
		ring_sys.unlink(tmp);
out_free:
	if (w->fd >= 0)
		ring_sys.close(w->fd);
	w->fd = -1;
	blkenc_release(&w->enc);
	blkenc_release(&w->enc2);
	fdr_cursor_free(w->carry);
	free(w->tmpev);
	free(w->sbuf);
	free(w->slots);
	free(w);
	return rc;
}

int fdr_writer_set_meta(struct fdr_ring_writer *w, const struct fdr_ring_meta *meta)
{
	struct fdr_ring_meta keep = w->hdr.meta;
	uint64_t gen = w->hdr.generation;
	int rc;

	if (meta != &w->hdr.meta)
		w->hdr.meta = *meta;
	if (!w->hdr.meta.created_ns)
		w->hdr.meta.created_ns = keep.created_ns;
	w->hdr.generation = gen + 1;
	rc = write_header(w, w->older);
	if (rc) {
		w->hdr.meta = keep;
		w->hdr.generation = gen;
		return rc;
	}
	w->older = !w->older;
	return 0;
}

const struct fdr_ring_meta *fdr_writer_meta(const struct fdr_ring_writer *w)
{
	return &w->hdr.meta;
}

void fdr_writer_stats(const struct fdr_ring_writer *w, struct fdr_writer_stats *st)
{
	*st = w->st;
}

/* ---- appending ------------------------------------------------------------- */

/* Whether ev alone fits in a slot: a cheap bound, else a real compression. */
static int fits_alone(struct fdr_ring_writer *w, const struct fdr_event *ev)
{
	size_t bound = 64;
	int comp;
	uint64_t first, last, kinds;
	int rc;

	for (unsigned wd = 0; wd < 2; wd++) {
		uint64_t bits = ev->has[wd];

		while (bits) {
			unsigned f = (unsigned)__builtin_ctzll(bits) + 64 * wd;

			bits &= bits - 1;
			switch (field_types[f]) {
			case FDR_T_STR:
				if (ev->f[f].s.len > FDR_MAX_STR)
					return FDR_E_TOOBIG;
				bound += 32 + (size_t)ev->f[f].s.len;
				break;
			case FDR_T_STRV:
				if (ev->f[f].v.n > FDR_MAX_LIST)
					return FDR_E_TOOBIG;
				bound += 16;
				for (uint32_t i = 0; i < ev->f[f].v.n; i++)
					bound += 24 + (size_t)ev->f[f].v.v[i].len;
				break;
			default:
				bound += 32;
				break;
			}
		}
	}
	if (bound < FDR_MAX_EVENT_RAW && (size_t)LZ4_compressBound((int)bound) <= w->cap)
		return 0;
	blkenc_reset(&w->enc2);
	rc = blkenc_add(&w->enc2, ev);
	if (rc)
		return rc;
	blkenc_range(&w->enc2, 1, &first, &last, &kinds);
	blkenc_set_base(&w->enc2, first);
	comp = LZ4_compress_default((const char *)w->enc2.raw, (char *)w->sbuf + BLK_HDR_SIZE,
				    (int)w->enc2.len, (int)w->cap);
	blkenc_reset(&w->enc2);
	return comp > 0 ? 0 : FDR_E_TOOBIG;
}

int fdr_writer_append(struct fdr_ring_writer *w, const struct fdr_event *ev)
{
	int rc = 0;

	/* Each check below only looks at this event: the cheap bound first. */
	rc = fits_alone(w, ev);
	if (rc)
		return rc;
	if (w->enc.len > FDR_MAX_RAW - FDR_MAX_EVENT_RAW || w->enc.nev >= (1u << 20)) {
		rc = seal_fill(w, true);
		if (rc)
			return rc;
	}
	rc = blkenc_add(&w->enc, ev);
	if (rc)
		return rc;
	w->dirty = true;
	w->st.events++;
	if (w->enc.len >= w->check_at)
		rc = seal_fill(w, false);
	return rc;
}

int fdr_writer_flush(struct fdr_ring_writer *w)
{
	while (w->dirty && w->enc.nev) {
		uint64_t first, last, kinds;
		int comp, rc;

		blkenc_range(&w->enc, w->enc.nev, &first, &last, &kinds);
		blkenc_set_base(&w->enc, first);
		comp = LZ4_compress_default((const char *)w->enc.raw, (char *)w->sbuf + BLK_HDR_SIZE,
					    (int)w->enc.len, (int)w->cap);
		if (comp > 0) {
			rc = write_block(w, w->enc.nev, (size_t)comp);
			if (rc)
				return rc;
			w->dirty = false;
			return 0;
		}
		rc = seal_fill(w, true);
		if (rc)
			return rc;
	}
	w->dirty = false;
	return 0;
}

int fdr_writer_close(struct fdr_ring_writer *w)
{
	int rc;

	if (!w)
		return 0;
	rc = fdr_writer_flush(w);
	if (ring_sys.close(w->fd) && !rc)
		rc = -errno;
	blkenc_release(&w->enc);
	blkenc_release(&w->enc2);
	fdr_cursor_free(w->carry);
	free(w->tmpev);
	free(w->sbuf);
	free(w->slots);
	free(w);
	return rc;
}
