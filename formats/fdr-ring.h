/* SPDX-License-Identifier: Apache-2.0 */
#ifndef FDR_RING_H
#define FDR_RING_H

/*
 * fdr-ring: ring files (formats/SPEC.md). One file per container plus one for
 * the host: a doubled file header, then fixed-size slots, each holding one
 * independently LZ4-compressed, checksummed block of events.
 *
 * Writer: appends events, fills each slot close to full after compression,
 * overwrites the oldest block when the ring is full, and can flush the open
 * block at any time without wasting a slot (partial blocks are rewritten in
 * place, alternating between two slots so that a crash mid-write never loses
 * what an earlier flush wrote).
 *
 * Reader: opens a file or a memory buffer, lists the valid blocks in sequence
 * order with their time range and kinds (no decompression needed), lists the
 * damaged slots, and decodes a block's events through a cursor.
 *
 * Errors: functions return 0 (or a count) on success and a negative value on
 * failure: -errno for system calls, FDR_E_* for format problems.
 * fdr_strerror() names both. Nothing here logs or exits.
 *
 * Threads: a writer is single-threaded. A reader is immutable after open (and
 * after fdr_reader_refresh()); any number of cursors may decode its blocks
 * concurrently, one cursor per thread.
 */

#include <stddef.h>
#include <stdint.h>

#include "fdr-event.h"

enum fdr_error {
	FDR_E_CORRUPT = -1000,	/* structure damaged */
	FDR_E_MAGIC = -1001,	/* not a ring file */
	FDR_E_VERSION = -1002,	/* major version newer than this reader */
	FDR_E_INCOMPAT = -1003,	/* unknown incompatible flag */
	FDR_E_TRUNCATED = -1004,	/* file shorter than its header says */
	FDR_E_EMPTY = -1005,	/* zero-length file */
	FDR_E_GEOMETRY = -1006,	/* slot size / count invalid, or differs on reopen */
	FDR_E_CHECKSUM = -1007,	/* block or header checksum mismatch */
	FDR_E_TOOBIG = -1008,	/* an event cannot fit in one slot */
	FDR_E_HEADER = -1009,	/* neither header copy is valid */
};

/* Message for a negative return value (FDR_E_* or -errno). Static storage. */
const char *fdr_strerror(int err);

/* ---- ring metadata (file header) -------------------------------------- */

/*
 * Who recorded the ring and what it holds. Plain value type, NUL-terminated
 * strings, truncated to fit. An empty container_id means the host ring.
 */
struct fdr_ring_meta {
	char hostname[256];
	char machine_id[64];
	char boot_id[64];
	char container_id[128];	/* 64-hex id, or "" for the host ring */
	char container_name[256];
	char runtime[32];	/* "docker", "containerd", "crio", "podman", "kubepods" */
	char image[512];	/* image reference, "nginx:1.25" */
	char image_id[128];	/* "sha256:..." */
	char pod[256];
	char pod_uid[64];
	char namespace_[256];
	char command[1024];	/* declared entrypoint + cmd, space separated */
	char ports[256];	/* declared exposed ports, "80/tcp 443/tcp" */
	char labels[4096];	/* "key=value" entries, each NUL-terminated */
	uint32_t labels_len;	/* bytes used in labels */
	uint64_t created_ns;	/* ring creation time */
	uint64_t started_ns;	/* container start, 0 if unknown */
	uint64_t ended_ns;	/* container end (die/destroy), 0 if running or unknown */
};

/* Append "key=value" to meta->labels; -ENOSPC when it does not fit. */
int fdr_meta_add_label(struct fdr_ring_meta *meta, const char *key, const char *value);

/* ---- writer ------------------------------------------------------------ */

enum fdr_sync {
	FDR_SYNC_NONE = 0,	/* write(2) only: survives kill -9, not power loss */
	FDR_SYNC_FLUSH = 1,	/* fdatasync after every block write and header update */
};

struct fdr_writer_opts {
	uint64_t file_size;	/* total file size in bytes, header included */
	uint32_t slot_size;	/* bytes per slot, block header included */
	enum fdr_sync sync;
};

#define FDR_WRITER_OPTS_INIT { 16u << 20, 64u << 10, FDR_SYNC_FLUSH }

struct fdr_writer_stats {
	uint64_t events;	/* events appended */
	uint64_t blocks;	/* blocks written (full or partial writes) */
	uint64_t raw_bytes;	/* encoded bytes before compression, sealed blocks */
	uint64_t comp_bytes;	/* compressed bytes, sealed blocks */
	uint64_t wraps;		/* times the oldest block was overwritten */
	uint64_t next_seq;	/* sequence number of the open block */
};

struct fdr_ring_writer;

/*
 * Open or create the ring at path (mode 0600). An existing valid ring with
 * the same geometry is continued (sequence numbers go on, its metadata is
 * replaced by *meta); other geometry gives FDR_E_GEOMETRY, another format
 * version FDR_E_VERSION, anything else that is not a ring FDR_E_MAGIC: the
 * file is never overwritten in those cases. -EBUSY when another writer has
 * the ring open (flock). A new ring is built as "<path>.creating" and
 * renamed into place. The file is preallocated to
 * opts->file_size. *out is owned by the caller: fdr_writer_close() it.
 */
int fdr_writer_open(const char *path, const struct fdr_ring_meta *meta,
		    const struct fdr_writer_opts *opts, struct fdr_ring_writer **out);

/* Append one event (copied: the event's strings may be freed on return).
 * May seal and write a block. FDR_E_TOOBIG if the event alone exceeds a slot
 * (or a cap of SPEC.md "Limits"), -EINVAL for kind 0 or >= 64: the event is
 * not appended. A -errno from writing a block: the event WAS appended (kept
 * in memory) and the write is retried by the next append or flush; blocks
 * already on disk are intact. */
int fdr_writer_append(struct fdr_ring_writer *w, const struct fdr_event *ev);

/* Write the open block to disk now (no-op when nothing changed since the
 * last flush), syncing per policy. On error nothing is lost from memory and
 * a later flush retries. When it returns 0, every event appended so far
 * survives a crash of the process (and, with FDR_SYNC_FLUSH, of the host). */
int fdr_writer_flush(struct fdr_ring_writer *w);

/* Replace the metadata; rewrites the older header copy, crash-safe. */
int fdr_writer_set_meta(struct fdr_ring_writer *w, const struct fdr_ring_meta *meta);

const struct fdr_ring_meta *fdr_writer_meta(const struct fdr_ring_writer *w);
void fdr_writer_stats(const struct fdr_ring_writer *w, struct fdr_writer_stats *st);

/* Flush, close and free. Accepts NULL. Returns the flush's error, if any;
 * the writer is freed either way. */
int fdr_writer_close(struct fdr_ring_writer *w);

/* ---- reader ------------------------------------------------------------ */

struct fdr_block_info {
	uint64_t seq;
	uint32_t slot;
	uint32_t revision;	/* rewrites of a partial block */
	uint64_t first_ns;	/* smallest event time in the block */
	uint64_t last_ns;	/* largest event time in the block */
	uint64_t kinds;		/* bit k set when the block holds an event of kind k */
	uint32_t events;
	uint32_t raw_size;
	uint32_t comp_size;
};

struct fdr_damage {
	uint32_t slot;
	int error;		/* FDR_E_* */
};

struct fdr_ring_geometry {
	uint16_t version_major;
	uint16_t version_minor;
	uint32_t slot_size;
	uint32_t slot_count;
	uint64_t data_offset;
	uint64_t file_size;
	uint32_t compat_flags;
	uint32_t incompat_flags;
	uint64_t header_generation;
};

struct fdr_ring_reader;

/* Open a ring file read-only. Header errors (magic, version, truncation,
 * both header copies bad) fail the open; damaged slots do not. Every
 * block's checksum is checked here: a block that fails is not listed. */
int fdr_reader_open(const char *path, struct fdr_ring_reader **out);

/*
 * Reader flags.
 *
 * FDR_READER_LAZY: open reads the slot headers only (64 bytes a slot, not
 * the whole file), so it costs little whatever the ring's size. A block's
 * payload checksum is then checked when the block is loaded: a damaged
 * block is listed by fdr_reader_block() (from its header, which is itself
 * only covered by that checksum), fdr_cursor_load() fails on it with
 * FDR_E_CHECKSUM and it yields no events, and it shows in
 * fdr_reader_damaged() only after fdr_reader_verify() (which also drops it
 * from the block list). One exception keeps a crash safe: a seq found in
 * several slots (a rewritten partial block) is checked at open, newest
 * revision first, and the newest revision whose checksum holds is the one
 * listed, exactly as without the flag. Users that trust header-only facts
 * (counts from fdr_block_info) must accept that such a fact may come from
 * a block that later turns out damaged.
 */
enum { FDR_READER_LAZY = 1u };

/* fdr_reader_open() with FDR_READER_* flags (kept across fdr_reader_refresh()). */
int fdr_reader_open_flags(const char *path, unsigned flags, struct fdr_ring_reader **out);

/* Same over a memory buffer, which must outlive the reader; name is used in
 * messages (copied). */
int fdr_reader_open_mem(const void *buf, size_t len, const char *name,
			struct fdr_ring_reader **out);

/* fdr_reader_open_mem() with FDR_READER_* flags. */
int fdr_reader_open_mem_flags(const void *buf, size_t len, const char *name, unsigned flags,
			      struct fdr_ring_reader **out);

void fdr_reader_free(struct fdr_ring_reader *r);

/* Re-scan the slot headers of a file being written (live follow). */
int fdr_reader_refresh(struct fdr_ring_reader *r);

const char *fdr_reader_name(const struct fdr_ring_reader *r);
const struct fdr_ring_meta *fdr_reader_meta(const struct fdr_ring_reader *r);
const struct fdr_ring_geometry *fdr_reader_geometry(const struct fdr_ring_reader *r);

/* Valid blocks, ordered by sequence number. */
size_t fdr_reader_nblocks(const struct fdr_ring_reader *r);
const struct fdr_block_info *fdr_reader_block(const struct fdr_ring_reader *r, size_t i);

/* Slots whose header or checksum is bad (empty never-written slots are not
 * damage). A damaged payload (or, with FDR_READER_LAZY, a bad checksum) is
 * found only when its block is decoded: such blocks are listed here after
 * fdr_reader_verify(). */
size_t fdr_reader_ndamaged(const struct fdr_ring_reader *r);
const struct fdr_damage *fdr_reader_damaged(const struct fdr_ring_reader *r, size_t i);

/* Read, checksum and decompress every block; returns the number of damaged
 * slots (>= 0) or a negative error. */
int fdr_reader_verify(struct fdr_ring_reader *r);

/* Index of the first block whose last_ns >= t (nblocks if none). */
size_t fdr_reader_seek(const struct fdr_ring_reader *r, uint64_t t);

/* ---- cursor: events of one block --------------------------------------- */

struct fdr_cursor;

int fdr_cursor_new(struct fdr_cursor **out);
void fdr_cursor_free(struct fdr_cursor *c);

/* Load block i of r (read, verify checksum, decompress). On FDR_E_CHECKSUM
 * or FDR_E_CORRUPT the block yields no events. */
int fdr_cursor_load(struct fdr_cursor *c, const struct fdr_ring_reader *r, size_t i);

/* Load an uncompressed block payload (SPEC.md "Block payload") from memory,
 * which must outlive the cursor's use of it. For tests and fuzzers. */
int fdr_cursor_load_raw(struct fdr_cursor *c, const void *payload, size_t len);

/* Next event of the loaded block, in the order written: 1 with *ev filled,
 * 0 at the end, negative on damage (the rest of the block is skipped). The
 * event's strings point into the cursor and stay valid until the next call
 * of fdr_cursor_load()/fdr_cursor_next() on this cursor. */
int fdr_cursor_next(struct fdr_cursor *c, struct fdr_event *ev);

/* What fdr_cursor_peek() tells about the next event without decoding it. */
struct fdr_event_peek {
	uint16_t kind;
	uint16_t flags;		/* FDR_EVF_* */
	int has_pid;		/* pid is the event's first field (always, from our writer) */
	uint64_t time_ns;
	uint64_t pid;
};

/* Kind, flags, time (and pid) of the next event without decoding its
 * fields, for filtered scans: 1, 0 at the end, negative on damage. The event
 * stays the next one: fdr_cursor_next() decodes it, fdr_cursor_skip()
 * passes over it. */
int fdr_cursor_peek(struct fdr_cursor *c, struct fdr_event_peek *p);

/* Pass over the next event without decoding its fields: 1, 0 at the end,
 * negative on damage. Damage inside skipped fields goes unnoticed (record
 * lengths, strings, times and the event count are still checked). */
int fdr_cursor_skip(struct fdr_cursor *c);

/* The loaded block's string table (SPEC.md 6.1): every string it defines,
 * those already read and the rest, in order, into *v (grown by realloc;
 * *cap is its size, the caller frees it). The cursor does not move; the
 * strings point into it and live as event strings do. For pushdown: every
 * string a field of the block's events holds is one of these. Returns the
 * count, FDR_E_CORRUPT when a record runs past the payload (decoding would
 * stop there too), -ENOMEM. */
int fdr_cursor_strings(const struct fdr_cursor *c, struct fdr_str **v, size_t *cap);

/* From now on, fdr_cursor_next() stores only the fields in want (bit =
 * field id, as struct fdr_event's has[]; NULL: all fields again): the
 * others are parsed and checked as usual, then left absent. For scans
 * that read a few fields (a filtered count). */
void fdr_cursor_project(struct fdr_cursor *c, const uint64_t want[2]);

#endif
