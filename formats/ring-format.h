/* SPDX-License-Identifier: Apache-2.0 */
#ifndef FDR_RING_FORMAT_H
#define FDR_RING_FORMAT_H

/*
 * Internal to formats/: the bytes of SPEC.md (constants, little-endian
 * getters and putters, varints), the block encoder used by the writer, the
 * file header codec, and the syscall table the writer goes through so tests
 * can make system calls fail (SQLite aSyscall style).
 */

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "fdr-event.h"
#include "fdr-ring.h"

/* ---- constants of SPEC.md v1.1 ----------------------------------------- */

#define RING_MAGIC "FDRRING\0"
#define RING_VERSION_MAJOR 1
#define RING_VERSION_MINOR 1
#define RING_HDR_COPY_SIZE 4096u	/* each header copy */
#define RING_HDR_FIXED_SIZE 64u	/* fixed part of a v1.0 header copy */
#define RING_DATA_OFFSET 8192u
#define RING_COMPAT_META_TRUNCATED 1u	/* some metadata did not fit */
#define RING_COMPAT_KNOWN RING_COMPAT_META_TRUNCATED
#define RING_INCOMPAT_CHUNKED 1u	/* blocks may use compression 2 (v1.1) */
#define RING_INCOMPAT_KNOWN RING_INCOMPAT_CHUNKED

#define RING_SLOT_MIN 4096u
#define RING_SLOT_MAX (16u << 20)
#define RING_SLOTS_MIN 2u
#define RING_SLOTS_MAX (1u << 24)

#define BLK_MAGIC "FDRB"
#define BLK_HDR_SIZE 64u
#define BLK_COMP_MASK 0x000fu
#define BLK_COMP_NONE 0u
#define BLK_COMP_LZ4 1u	/* v1.0: one LZ4 block, times inline */
#define BLK_COMP_LZ4C 2u	/* v1.1: chained LZ4 chunks, time column */
#define BLK_CHUNK_HDR 4u	/* u32 compressed length before each chunk */
#define BLK_COL_TRAILER 4u	/* u32 time column length at the end of the raw payload */
#define BLK_CSUM_OFF 56u

/* Caps on sizes read from input (SPEC.md "Limits"). */
#define FDR_MAX_RAW (64u << 20)	/* uncompressed payload of one block */
#define FDR_MAX_STR (1u << 20)	/* one string */
#define FDR_MAX_LIST 65536u	/* entries of one string list */
#define FDR_MAX_EVENT_RAW (4u << 20)	/* one encoded event with its strings */

/* Metadata TLV tags (SPEC.md "Metadata"). */
enum {
	META_HOSTNAME = 1,
	META_MACHINE_ID = 2,
	META_BOOT_ID = 3,
	META_CONTAINER_ID = 4,
	META_CONTAINER_NAME = 5,
	META_RUNTIME = 6,
	META_IMAGE = 7,
	META_IMAGE_ID = 8,
	META_POD = 9,
	META_POD_UID = 10,
	META_NAMESPACE = 11,
	META_COMMAND = 12,
	META_PORTS = 13,
	META_LABEL = 14,
	META_STARTED_NS = 15,
	META_ENDED_NS = 16,
};

/* Wire types of event fields. */
enum {
	WT_VARINT = 0,
	WT_ZIGZAG = 1,
	WT_STR = 2,
	WT_STRV = 3,
	WT_ADDR = 4,
};

/* ---- little endian ------------------------------------------------------- */

static inline uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

static inline void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A bounds-checked input cursor: every getter fails instead of reading past end. */
struct rd {
	const uint8_t *p;
	const uint8_t *end;
};

static inline bool rd_varint(struct rd *r, uint64_t *v)
{
	const uint8_t *p = r->p;
	uint64_t x = 0;

	if (r->end - p >= 3) {	/* fast paths: most values take 1 to 3 bytes */
		if (!(p[0] & 0x80)) {
			*v = p[0];
			r->p = p + 1;
			return true;
		}
		if (!(p[1] & 0x80)) {
			*v = (uint64_t)(p[0] & 0x7f) | (uint64_t)p[1] << 7;
			r->p = p + 2;
			return true;
		}
		if (!(p[2] & 0x80)) {
			*v = (uint64_t)(p[0] & 0x7f) | (uint64_t)(p[1] & 0x7f) << 7 |
			     (uint64_t)p[2] << 14;
			r->p = p + 3;
			return true;
		}
	}
	for (unsigned shift = 0; shift < 64; shift += 7) {
		uint8_t b;

		if (p >= r->end)
			return false;
		b = *p++;
		if (shift == 63 && b > 1)
			return false;	/* overflows 64 bits */
		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = x;
			r->p = p;
			return true;
		}
	}
	return false;
}

static inline size_t put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

/* A varint padded to exactly 10 bytes (valid, non-minimal), patchable in place. */
static inline void put_varint10(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 9; i++) {
		p[i] = (uint8_t)((v & 0x7f) | 0x80);
		v >>= 7;
	}
	p[9] = (uint8_t)(v & 1);
}

static inline uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* ---- block header ------------------------------------------------------- */

struct blk_hdr {
	uint16_t header_size;
	uint16_t flags;
	uint64_t seq;
	uint32_t revision;
	uint32_t events;
	uint64_t first_ns;
	uint64_t last_ns;
	uint64_t kinds;
	uint32_t raw_size;
	uint32_t comp_size;
	uint64_t checksum;
};

/* Serialize h into 64 bytes (checksum field as given). */
void blk_hdr_put(uint8_t *p, const struct blk_hdr *h);
/* Parse and sanity-check a slot's first bytes (avail of them) against the
 * slot size: 1 for a never-written (all zero) slot, 0 when plausible, FDR_E_*. */
int blk_hdr_get(const uint8_t *p, size_t avail, uint32_t slot_size, struct blk_hdr *h);
/* XXH3-64 over header bytes [0,56), [64,header_size) and the payload. */
uint64_t blk_checksum(const uint8_t *hdr, const struct blk_hdr *h, const uint8_t *payload);

/* ---- file header ---------------------------------------------------------- */

struct ring_hdr {
	uint16_t major, minor;
	uint32_t header_size;
	uint32_t compat, incompat;
	uint64_t generation;
	uint32_t slot_size, slot_count;
	uint64_t data_offset;
	struct fdr_ring_meta meta;	/* created_ns included */
};

/* Serialize one header copy into buf[RING_HDR_COPY_SIZE]. */
void ring_hdr_put(uint8_t *buf, const struct ring_hdr *h);
/* Pick and parse the valid header copy with the highest generation from
 * the file's first len bytes (buf holds min(len, 8192) of them). Returns 0,
 * or FDR_E_EMPTY/MAGIC/VERSION/INCOMPAT/TRUNCATED/HEADER/GEOMETRY. *which
 * gets 0 (copy A) or 1 (copy B), *other_gen the other copy's generation
 * (0 when invalid). */
int ring_hdr_get(const uint8_t *buf, uint64_t len, struct ring_hdr *h, int *which,
		 uint64_t *other_gen);

/* ---- block encoder (writer side of "Block payload") ----------------------- */

struct enc_event {
	uint32_t end;		/* raw offset after this event's record */
	uint32_t col;		/* time column bytes for the events up to this one */
	uint16_t kind;
	uint64_t time_ns;
};

struct enc_str {
	uint32_t off, len;	/* the string's bytes in raw */
};

struct blkenc {
	uint8_t *raw;
	size_t len, cap;
	struct enc_event *ev;
	size_t nev, evcap;
	struct enc_str *str;
	size_t nstr, strcap;
	uint32_t *htab;		/* string index + 1, 0 = free; size hmask + 1 */
	size_t hmask;
	uint8_t *body;		/* scratch for one event body */
	size_t bodycap;
	size_t time_off;	/* raw offset of the first event's 10-byte time */
	bool column;		/* v1.1 layout: times go to a column, not into records */
	uint64_t tmin;		/* smallest time so far (column layout) */
	uint32_t tw;		/* bytes per time column value so far */
};

/* Field types by id (index < 256; 0 = none), ready after codec_init(),
 * which blkenc_init() and fdr_cursor_new() call. */
extern uint8_t field_types[256];
void codec_init(void);

void blkenc_init(struct blkenc *e);
void blkenc_release(struct blkenc *e);
/* Forget the events (keeps the memory). */
void blkenc_reset(struct blkenc *e);
/* Append one event; 0, -ENOMEM or FDR_E_TOOBIG (caps). */
int blkenc_add(struct blkenc *e, const struct fdr_event *ev);
/* Patch the first event's time for a block whose first_ns is base. */
void blkenc_set_base(struct blkenc *e, uint64_t base);
/* Column layout (v1.1): write the time column of the first n events for a
 * block whose first_ns is base, then its u32 length, into out (at least
 * e->ev[n - 1].col + BLK_COL_TRAILER bytes); returns the bytes written. */
size_t blkenc_column(const struct blkenc *e, size_t n, uint64_t base, uint8_t *out);
/* Time range and kinds of the first n events. */
void blkenc_range(const struct blkenc *e, size_t n, uint64_t *first, uint64_t *last,
		  uint64_t *kinds);

/* Payload layouts a cursor decodes. */
enum {
	LAYOUT_INLINE = 0,	/* v1.0: time in each event body */
	LAYOUT_COLUMN = 1,	/* v1.1: time column and u32 length after the records */
	LAYOUT_NOTIME = 2,	/* writer-internal: column records without their column */
};

/* Point c at a raw payload (not copied) of the given layout; FDR_E_CORRUPT
 * when a column payload's trailer is impossible. events: UINT32_MAX when
 * unknown. Used by the reader, the writer's carry-over, tests and fuzzers. */
int cursor_load_payload(struct fdr_cursor *c, const uint8_t *payload, size_t len,
			uint64_t base_ns, uint32_t events, int layout);
/* Position c at event k (k >= 1) of e's raw buffer, with the string table
 * and time base it has there, to re-encode the events k.. elsewhere (for a
 * column encoder the times come out as 0: take them from e->ev[]). */
int cursor_load_carry(struct fdr_cursor *c, const struct blkenc *e, size_t k);

/* ---- system calls (fault injection) --------------------------------------- */

struct ring_syscalls {
	int (*open)(const char *path, int flags, mode_t mode);
	int (*close)(int fd);
	int (*fstat)(int fd, struct stat *st);
	ssize_t (*pread)(int fd, void *buf, size_t n, off_t off);
	ssize_t (*pwrite)(int fd, const void *buf, size_t n, off_t off);
	int (*fdatasync)(int fd);
	int (*fallocate)(int fd, off_t off, off_t len);	/* posix_fallocate: returns errno */
	int (*ftruncate)(int fd, off_t len);
	int (*unlink)(const char *path);
	int (*rename)(const char *from, const char *to);
};

/* The table every file operation of formats/ goes through. Tests may swap
 * entries (and must restore them); ring_sys_reset() restores the defaults. */
extern struct ring_syscalls ring_sys;
void ring_sys_reset(void);

/* pread/pwrite everything or fail (-errno, -EIO on a short file). */
int sys_pread_all(int fd, void *buf, size_t n, uint64_t off);
int sys_pwrite_all(int fd, const void *buf, size_t n, uint64_t off);

#endif
