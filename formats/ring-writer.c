/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Ring writer (SPEC.md "Writing a ring").
 *
 * Slots are filled by compressed size with one compression pass (SPEC.md
 * v1.1 "chained chunks"): events accumulate in the encoder's raw buffer; every
 * CHUNK_RAW bytes (or sooner, when the slot is nearly full) the whole events
 * not yet compressed are compressed as one chunk with LZ4 streaming
 * (LZ4_compress_fast_continue: earlier chunks are the dictionary) straight
 * into the slot image. A chunk is only compressed when LZ4_compressBound() of
 * it fits in what is left of the slot, with room kept for the block's time
 * column, so compression never fails and never has to be redone. When not
 * even one more event fits, the block is sealed and the events not yet
 * compressed are carried to the next block (re-encoded, since strings are
 * interned per block).
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
#include <pthread.h>
#include <fcntl.h>
#include <sys/file.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lz4.h>

#include "ring-format.h"

/* Fields of string and list type, by has[] word (from field_types). */
static uint64_t str_mask[2], strv_mask[2];
static pthread_once_t masks_once = PTHREAD_ONCE_INIT;

static void masks_init(void)
{
	codec_init();
	for (unsigned f = 1; f < FDR_F_MAX; f++) {
		if (field_types[f] == FDR_T_STR)
			str_mask[f >> 6] |= 1ull << (f & 63);
		else if (field_types[f] == FDR_T_STRV)
			strv_mask[f >> 6] |= 1ull << (f & 63);
	}
}

static void field_masks_init(void)
{
	pthread_once(&masks_once, masks_init);
}

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
	uint8_t *colbuf;	/* the open block's time column (raw) */
	size_t colcap;
	LZ4_stream_t *lz;	/* streaming state of the open block */
	const uint8_t *dict_raw;	/* enc.raw the stream's dictionary points into */
	size_t done;		/* raw record bytes already compressed into sbuf */
	size_t done_n;		/* events already compressed */
	size_t comp;		/* chunk bytes in sbuf (after the block header) */
	uint8_t *scratch;	/* fits_alone()'s trial compression, cap bytes */
	uint32_t last_raw, last_comp;	/* payload sizes of the last block written */
	/* The last state whose time column was really compressed and fitted:
	 * from there on the column's reserve is its measured size plus the
	 * bound of its growth (the bound of the whole column wastes ~1/3 of
	 * it). Should the column then not fit, the block falls back to it. */
	struct {
		bool valid;
		size_t done, done_n, comp;
		size_t col_raw, col_comp;
	} snap;
	bool must_seal;		/* fell back to snap: seal the block as it is */
	/* the open block */
	uint64_t seq;
	uint32_t rev;		/* last revision written, 0 = never */
	int64_t cur, alt;	/* its slot (newest revision) and ping-pong partner */
	size_t flushed_n;	/* events in its newest revision on disk */
	bool dirty;
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

static void stream_reset(struct fdr_ring_writer *w)
{
	LZ4_resetStream_fast(w->lz);
	w->dict_raw = w->enc.raw;
	w->done = w->done_n = w->comp = 0;
	w->snap.valid = false;
	w->must_seal = false;
}

/* Raw bytes compressed per chunk: small enough that the slot fills to
 * within a few events, large enough that per-chunk costs stay negligible. */
#define CHUNK_RAW 32768u

/* Whether events [done_n, j) can be compressed as one more chunk, keeping
 * room for the time column of events [0, j). */
static bool chunk_fits(const struct fdr_ring_writer *w, size_t j)
{
	size_t raw = w->enc.ev[j - 1].end - w->done;
	size_t col = w->enc.ev[j - 1].col + BLK_COL_TRAILER;
	size_t need = 2 * BLK_CHUNK_HDR + (size_t)LZ4_COMPRESSBOUND(raw);

	if (w->snap.valid && col >= w->snap.col_raw)
		need += w->snap.col_comp + (size_t)LZ4_COMPRESSBOUND(col - w->snap.col_raw);
	else
		need += (size_t)LZ4_COMPRESSBOUND(col);

	return need <= w->cap - w->comp;
}

static int measure_column(struct fdr_ring_writer *w);

/* Compress the events not yet compressed into the slot image, as many as
 * fit. *full: some are left that do not fit (the block must be sealed). */
static int compress_pending(struct fdr_ring_writer *w, bool *full)
{
	*full = false;
	while (!w->must_seal && w->done_n < w->enc.nev) {
		size_t lo = w->done_n, hi = w->enc.nev, j, raw, bound;
		int n;

		if (w->done_n == 0 && !chunk_fits(w, 1)) {
			/* A first event larger than the bound allows: it may still
			 * compress well enough (fits_alone() checked it does). */
			raw = w->enc.ev[0].end;
			bound = w->cap - 2 * BLK_CHUNK_HDR -
				(size_t)LZ4_COMPRESSBOUND(w->enc.ev[0].col + BLK_COL_TRAILER);
			n = LZ4_compress_fast_continue(w->lz, (const char *)w->enc.raw,
						       (char *)w->sbuf + BLK_HDR_SIZE +
							       BLK_CHUNK_HDR,
						       (int)raw, (int)bound, 1);
			if (n <= 0) {
				stream_reset(w);	/* its state is undefined now */
				return FDR_E_TOOBIG;
			}
			put_le32(w->sbuf + BLK_HDR_SIZE, (uint32_t)n);
			w->comp = BLK_CHUNK_HDR + (size_t)n;
			w->done = raw;
			w->done_n = 1;
			continue;
		}

		if (!chunk_fits(w, hi)) {
			/* largest j in (done_n, nev) that fits; lo: none yet */
			while (hi - lo > 1) {
				size_t mid = lo + (hi - lo) / 2;

				if (chunk_fits(w, mid))
					lo = mid;
				else
					hi = mid;
			}
			if (lo == w->done_n) {
				int rc;

				if (w->done_n && !w->must_seal &&
				    (!w->snap.valid ||
				     (w->done_n - w->snap.done_n) * 16 >= w->done_n)) {
					/* measure the column: its bound was too pessimistic
					 * (again only after 1/16 more events: each
					 * measurement compresses the whole column) */
					rc = measure_column(w);
					if (rc == -EAGAIN)
						break;	/* fell back: must_seal */
					if (rc)
						return rc;
					continue;
				}
				*full = true;
				return w->done_n ? 0 : FDR_E_TOOBIG;
			}
			hi = lo;
		}
		j = hi;
		if (w->enc.raw != w->dict_raw && w->done) {
			/* the raw buffer moved (realloc): re-point the dictionary */
			size_t d = w->done < 65536 ? w->done : 65536;

			LZ4_loadDict(w->lz, (const char *)w->enc.raw + w->done - d, (int)d);
			w->dict_raw = w->enc.raw;
		}
		raw = w->enc.ev[j - 1].end - w->done;
		bound = (size_t)LZ4_COMPRESSBOUND(raw);
		n = LZ4_compress_fast_continue(w->lz, (const char *)w->enc.raw + w->done,
					       (char *)w->sbuf + BLK_HDR_SIZE + w->comp +
						       BLK_CHUNK_HDR,
					       (int)raw, (int)bound, 1);
		if (n <= 0)
			return FDR_E_TOOBIG;	/* cannot happen: bound was reserved */
		put_le32(w->sbuf + BLK_HDR_SIZE + w->comp, (uint32_t)n);
		w->comp += BLK_CHUNK_HDR + (size_t)n;
		w->done = w->enc.ev[j - 1].end;
		w->done_n = j;
	}
	*full = w->done_n < w->enc.nev;
	return 0;
}

static void take_snap(struct fdr_ring_writer *w, size_t col, size_t cc)
{
	w->snap.valid = true;
	w->snap.done = w->done;
	w->snap.done_n = w->done_n;
	w->snap.comp = w->comp;
	w->snap.col_raw = col;
	w->snap.col_comp = cc;
}

/* Compress the time column of the compressed events as the chunk after
 * them (*col: its raw bytes, *cc: compressed). When it does not fit (only
 * possible beyond a snapshot) fall back to the snapshot, whose column fits,
 * and seal the block there: the events after it are carried over. */
static int compress_column(struct fdr_ring_writer *w, uint64_t first_ns, size_t *col,
			   size_t *cc)
{
	size_t need = w->enc.ev[w->done_n - 1].col + BLK_COL_TRAILER;
	int n;

	if (need > w->colcap) {
		uint8_t *p = realloc(w->colbuf, need + 4096);

		if (!p)
			return -ENOMEM;
		w->colbuf = p;
		w->colcap = need + 4096;
	}
	for (;;) {
		*col = blkenc_column(&w->enc, w->done_n, first_ns, w->colbuf);
		n = LZ4_compress_default((const char *)w->colbuf,
					 (char *)w->sbuf + BLK_HDR_SIZE + w->comp + BLK_CHUNK_HDR,
					 (int)*col, (int)(w->cap - w->comp - BLK_CHUNK_HDR));
		if (n > 0)
			break;
		if (!w->snap.valid || w->snap.done_n == w->done_n)
			return FDR_E_TOOBIG;	/* cannot happen: the bound was reserved */
		w->done = w->snap.done;
		w->done_n = w->snap.done_n;
		w->comp = w->snap.comp;
		w->must_seal = true;
		return -EAGAIN;
	}
	put_le32(w->sbuf + BLK_HDR_SIZE + w->comp, (uint32_t)n);
	*cc = (size_t)n;
	return 0;
}

/* Measure the column of the compressed events: a snapshot (the reserve for
 * the column is then its real size, see snap). */
static int measure_column(struct fdr_ring_writer *w)
{
	uint64_t first, last, kinds;
	size_t col, cc;
	int rc;

	blkenc_range(&w->enc, w->done_n, &first, &last, &kinds);
	if ((rc = compress_column(w, first, &col, &cc)))
		return rc;
	take_snap(w, col, cc);
	return 0;
}

/* Write the compressed events (all of them: done_n) as the next revision of
 * the open block, with their time column as the last chunk. */
static int write_block(struct fdr_ring_writer *w)
{
	struct blk_hdr h = { 0 };
	uint32_t target = w->alt >= 0 ? (uint32_t)w->alt : alloc_slot(w);
	bool evict = w->slots[target].live;
	size_t n = w->done_n, col, cc;
	int rc;

	h.header_size = BLK_HDR_SIZE;
	h.flags = BLK_COMP_LZ4C;
	h.seq = w->seq;
	h.revision = w->rev + 1;
	h.events = (uint32_t)n;
	blkenc_range(&w->enc, n, &h.first_ns, &h.last_ns, &h.kinds);
	if ((rc = compress_column(w, h.first_ns, &col, &cc)))
		return rc;
	h.raw_size = (uint32_t)(w->done + col);
	h.comp_size = (uint32_t)(w->comp + BLK_CHUNK_HDR + (size_t)cc);
	blk_hdr_put(w->sbuf, &h);
	h.checksum = blk_checksum(w->sbuf, &h, w->sbuf + BLK_HDR_SIZE);
	put_le64(w->sbuf + BLK_CSUM_OFF, h.checksum);

	rc = sys_pwrite_all(w->fd, w->sbuf, BLK_HDR_SIZE + h.comp_size,
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
	w->last_raw = h.raw_size;
	w->last_comp = h.comp_size;
	take_snap(w, col, cc);
	return 0;
}

/* Seal the compressed events as the final content of the open block and
 * start the next block with the rest. */
static int cut(struct fdr_ring_writer *w)
{
	size_t k;
	int rc;

	if (w->done_n == 0)
		return FDR_E_TOOBIG;	/* cannot happen: fits_alone() checked */
	for (int tries = 0; tries < 2; tries++) {
		if (w->done_n == w->flushed_n && w->rev)
			break;	/* exactly what is on disk already */
		rc = write_block(w);
		if (rc == -EAGAIN)
			continue;	/* fell back to the snapshot: write that */
		if (rc)
			return rc;
		break;
	}
	k = w->done_n;
	w->st.raw_bytes += w->last_raw;
	w->st.comp_bytes += w->last_comp;

	/* Carry events k.. into a fresh encoder. */
	blkenc_reset(&w->enc2);
	if (k < w->enc.nev) {
		/* Decode from event k on (not from the start: the carried tail
		 * is short) with the string table as it was there. */
		if ((rc = cursor_load_carry(w->carry, &w->enc, k)))
			return rc;
		for (size_t i = k; (rc = fdr_cursor_next(w->carry, w->tmpev)) == 1; i++) {
			w->tmpev->time_ns = w->enc.ev[i].time_ns;
			if ((rc = blkenc_add(&w->enc2, w->tmpev)))
				return rc;
		}
		if (rc < 0)
			return rc;
	}
	{
		struct blkenc t = w->enc;

		w->enc = w->enc2;
		w->enc2 = t;
	}
	stream_reset(w);
	w->seq++;
	w->st.next_seq = w->seq;
	w->rev = 0;
	w->alt = -1;
	w->cur = -1;
	w->flushed_n = 0;
	w->dirty = w->enc.nev > 0;
	return 0;
}

/* Compress what is pending; seal the block when it is full (always when
 * force). */
static int seal_fill(struct fdr_ring_writer *w, bool force)
{
	bool full;
	int rc;

	for (;;) {
		if ((rc = compress_pending(w, &full)))
			return rc;
		if (!full && !force)
			return 0;
		if ((rc = cut(w)))
			return rc;
		if (!full)
			return 0;
		force = false;	/* the carried events start the next block */
	}
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
	/* Continue rings of our minor version or older (a 1.0 ring: its blocks
	 * stay as they are, the header is rewritten as 1.1 below), never newer
	 * ones or ones with promises we do not know. */
	if (h.minor > RING_VERSION_MINOR || h.compat & ~RING_COMPAT_KNOWN)
		return FDR_E_VERSION;
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
	field_masks_init();
	blkenc_init(&w->enc2);
	w->slots = calloc(nslots, sizeof(*w->slots));
	w->sbuf = malloc(opts->slot_size);
	w->tmpev = malloc(sizeof(*w->tmpev));
	w->lz = LZ4_createStream();
	if (!w->slots || !w->sbuf || !w->tmpev || !w->lz || fdr_cursor_new(&w->carry)) {
		rc = -ENOMEM;
		goto out_free;
	}
	w->enc.column = w->enc2.column = true;
	stream_reset(w);

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
	w->hdr.incompat = RING_INCOMPAT_CHUNKED;
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
	LZ4_freeStream(w->lz);
	free(w->colbuf);
	free(w->scratch);
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

/* Whether one event of raw bytes fits an empty slot as one chunk, with the
 * block's time column (compress_pending() needs exactly this). */
static bool fits_empty(const struct fdr_ring_writer *w, size_t raw)
{
	return 2 * BLK_CHUNK_HDR + (size_t)LZ4_COMPRESSBOUND(raw) +
	       (size_t)LZ4_COMPRESSBOUND(10 + BLK_COL_TRAILER) <= w->cap;
}

/* Whether ev alone fits in a slot: a cheap bound, else its exact size. */
static int fits_alone(struct fdr_ring_writer *w, const struct fdr_event *ev)
{
	size_t bound = 64, raw;
	int rc;

	/* Only strings and lists need a look each; other fields count 32
	 * (the masks were set up by fdr_writer_open()). */
	for (unsigned wd = 0; wd < 2; wd++) {
		uint64_t bits = ev->has[wd] & (str_mask[wd] | strv_mask[wd]);

		bound += 32 * (size_t)__builtin_popcountll(ev->has[wd] & ~bits);
		while (bits) {
			unsigned f = (unsigned)__builtin_ctzll(bits) + 64 * wd;

			bits &= bits - 1;
			if ((str_mask[wd] >> (f & 63)) & 1) {
				if (ev->f[f].s.len > FDR_MAX_STR)
					return FDR_E_TOOBIG;
				bound += 32 + (size_t)ev->f[f].s.len;
			} else {
				if (ev->f[f].v.n > FDR_MAX_LIST)
					return FDR_E_TOOBIG;
				bound += 16;
				for (uint32_t i = 0; i < ev->f[f].v.n; i++)
					bound += 24 + (size_t)ev->f[f].v.v[i].len;
			}
		}
	}
	if (bound < FDR_MAX_EVENT_RAW && fits_empty(w, bound))
		return 0;
	/* The exact size: encode it alone, as it would start a block. */
	blkenc_reset(&w->enc2);
	rc = blkenc_add(&w->enc2, ev);
	raw = w->enc2.len;
	blkenc_reset(&w->enc2);
	if (rc)
		return rc;
	if (fits_empty(w, raw))
		return 0;
	/* Larger than the bound allows: does it really compress enough? */
	if (!w->scratch && !(w->scratch = malloc(w->cap)))
		return -ENOMEM;
	rc = blkenc_add(&w->enc2, ev);
	raw = (size_t)LZ4_compress_default((const char *)w->enc2.raw, (char *)w->scratch,
					   (int)w->enc2.len,
					   (int)(w->cap - 2 * BLK_CHUNK_HDR -
						 LZ4_COMPRESSBOUND(10 + BLK_COL_TRAILER)));
	blkenc_reset(&w->enc2);
	return rc ? rc : raw > 0 ? 0 : FDR_E_TOOBIG;
}

int fdr_writer_append(struct fdr_ring_writer *w, const struct fdr_event *ev)
{
	int rc = 0;

	/* Each check below only looks at this event: the cheap bound first. */
	rc = fits_alone(w, ev);
	if (rc)
		return rc;
	if (w->enc.nev && (w->enc.len + w->enc.ev[w->enc.nev - 1].col + 64 >
			   FDR_MAX_RAW - FDR_MAX_EVENT_RAW || w->enc.nev >= (1u << 20))) {
		rc = seal_fill(w, true);
		if (rc)
			return rc;
	}
	rc = blkenc_add(&w->enc, ev);
	if (rc)
		return rc;
	w->dirty = true;
	w->st.events++;
	/* Compress a chunk every CHUNK_RAW bytes, or as soon as the pending
	 * bytes might not fit any more (then as much as fits, or seal). */
	if (w->enc.len - w->done >= CHUNK_RAW || !chunk_fits(w, w->enc.nev))
		rc = seal_fill(w, false);
	return rc;
}

int fdr_writer_flush(struct fdr_ring_writer *w)
{
	while (w->dirty && w->enc.nev) {
		bool full;
		int rc = compress_pending(w, &full);

		if (rc)
			return rc;
		if (full) {	/* seal what fits; the rest goes to the next block */
			if ((rc = cut(w)))
				return rc;
			continue;
		}
		rc = write_block(w);
		if (rc == -EAGAIN)
			continue;	/* fell back to the snapshot: seal it */
		if (rc)
			return rc;
		w->dirty = false;
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
	LZ4_freeStream(w->lz);
	free(w->colbuf);
	free(w->scratch);
	free(w->tmpev);
	free(w->sbuf);
	free(w->slots);
	free(w);
	return rc;
}
