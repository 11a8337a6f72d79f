/* SPDX-License-Identifier: Apache-2.0 */
#ifndef FDR_MODEL_INT_H
#define FDR_MODEL_INT_H

/* Internals shared by replay/model-*.c. Not a public API. */

#define XXH_INLINE_ALL	/* short keys: a call costs more than the hash */
#include <xxhash.h>

#include "model.h"

/* Entry types, in their sort (and file) order. */
enum md_type {
	MD_T_NAME,
	MD_T_SEED_CMD,
	MD_T_SEED_PORT,
	MD_T_EXEC,
	MD_T_SPAWN,
	MD_T_ARGV,
	MD_T_USER,
	MD_T_SETUID,
	MD_T_READ,
	MD_T_CREATE,
	MD_T_WRITE,
	MD_T_DELETE,
	MD_T_CONNECT,
	MD_T_LISTEN,
	MD_T_DNS,
	MD_T_EXEC_INTO,
	MD_T_SUDO,
	MD_T_LOGIN,
	MD_T_COUNT
};

enum md_skind { MD_SK_HOST, MD_SK_IMAGE, MD_SK_IMAGE_NAME, MD_SK_OTHER };

#define MD_MAX_FIELDS 3
#define MD_MAX_OBS 5	/* observations of one event */
#define MD_MAX_FIELD 4096	/* bytes per field (token cap) */
#define MD_MAX_PATH 1024	/* generalized paths are cut here */
#define MD_MAX_ARGS 16
#define MD_MAX_ENTRIES (4u << 20)	/* per section */
#define MD_MAX_SECTIONS 65536
#define MD_COLLAPSE_DIR 32
#define MD_COLLAPSE_ARGV 8
#define MD_COLLAPSE_PEER 16

/* An observation: an entry type and its fields (borrowed bytes). */
struct md_obs {
	unsigned type;
	unsigned nf;
	struct fdr_str f[MD_MAX_FIELDS];
	/* Optional per-ring memo of what this raw path's entry is (entry index
	 * + 1 in the learner, 1 = allowed in the checker), or NULL. Lives in
	 * the ring's generalization cache; valid until the next event. */
	uint32_t *hint;
};

struct md_entry {
	uint64_t hash;
	uint32_t off, len;	/* key blob in the section arena */
	uint64_t n, first, last;	/* first/last in ns; 0 = unknown */
};

/* Open-addressing index of uint32 positions (0 = empty, else pos + 1). */
struct md_index {
	uint32_t *slot;
	size_t cap;		/* power of two or 0 */
	size_t used;
};

struct md_section {
	unsigned kind;		/* enum md_skind */
	char *key;		/* NUL-terminated ("" for host) */
	uint64_t first_ns, last_ns, observed_s, rings, events;
	struct md_entry *ent;
	size_t nent, capent;
	struct fdr_buf arena;	/* key blobs */
	struct md_index idx;
};

struct md_model {
	struct md_section **sec;
	size_t nsec, capsec;
	struct md_index idx;	/* over sec, hashed by (kind, key) */
};

/* Key blob: type byte, field count byte, then per field a u32 length and bytes. */
size_t md_key_build(const struct md_obs *o, char *buf, size_t cap);
/* Decode a key blob into o (fields point into the blob); 0 or MD_E_SYNTAX. */
int md_key_parse(const char *blob, size_t len, struct md_obs *o);
/*
 * Every table hashes with a per-process random seed (md_seed_init(), called
 * by each constructor): keys are attacker-controlled paths and names, so the
 * hash must not be predictable (table flooding, drift-set collisions).
 * Hash values never reach any output.
 */
extern uint64_t md_seed;
void md_seed_init(void);

static inline uint64_t md_hash(const void *p, size_t n)
{
	return XXH3_64bits_withSeed(p, n, md_seed);
}

/* Free a section (of a model, or one made with calloc) and all it owns; NULL is fine. */
void md_section_free(struct md_section *s);
struct md_section *md_model_section(struct md_model *m, unsigned kind, const char *key, bool create);
const struct md_section *md_model_find(const struct md_model *m, unsigned kind, const char *key);
/* Section kind and key for a ring's metadata; key points into meta. */
unsigned md_meta_section(const struct fdr_ring_meta *meta, const char **key);

/* Find the entry for a key blob; NULL when absent. */
struct md_entry *md_section_get(const struct md_section *s, const char *blob, size_t len, uint64_t h);
/* Add n observations at time t (ns, 0 = unknown); -ENOMEM or MD_E_LIMIT.
 * On success *idx (when not NULL) is the entry's index. */
int md_section_add(struct md_section *s, const char *blob, size_t len, uint64_t h,
		   uint64_t n, uint64_t first, uint64_t last);
int md_section_add_idx(struct md_section *s, const char *blob, size_t len, uint64_t h,
		       uint64_t n, uint64_t first, uint64_t last, size_t *idx);
void md_entry_fold(struct md_entry *e, uint64_t n, uint64_t first, uint64_t last);
/* Observation form: builds the blob. */
int md_section_add_obs(struct md_section *s, const struct md_obs *o, uint64_t first, uint64_t last,
		       uint64_t n);
int md_section_add_obs_idx(struct md_section *s, const struct md_obs *o, uint64_t first,
			   uint64_t last, uint64_t n, size_t *idx);
/* Sort entries in file order and collapse (MODEL.md). */
int md_section_normalize(struct md_section *s);
void md_model_normalize(struct md_model *m);

static inline const char *md_entry_key(const struct md_section *s, const struct md_entry *e)
{
	return s->arena.p + e->off;
}

const char *md_type_name(unsigned type);	/* "exec", "seed command" */
const char *md_skind_name(unsigned kind);

/* Seconds-floored time in ns. */
static inline uint64_t md_floor_s(uint64_t ns)
{
	return ns - ns % 1000000000u;
}

/* Append tokens for fields (quoted when needed) / an RFC 3339 time. */
void md_add_token(struct fdr_buf *b, const char *p, size_t n, bool literal_dots);
void md_add_time(struct fdr_buf *b, uint64_t ns);
/* Append the text of an observation ("spawn /a /b") for messages. */
void md_obs_text(struct fdr_buf *b, const struct md_obs *o);

/* ---- per-ring state shared by learner and checker --------------------- */

struct md_pid {
	uint64_t pid;		/* 0 = empty, UINT64_MAX = deleted */
	uint32_t exe;		/* interned string id, 0 = unknown */
	uint32_t euid;		/* UINT32_MAX = unknown */
	uint64_t start_ns;
};

struct md_dns {
	struct fdr_addr addr;
	uint32_t name;		/* interned id, 0 = empty */
};

struct md_strtab {
	struct fdr_buf arena;	/* strings, NUL-terminated */
	struct md_index idx;	/* over ids - 1 */
	uint32_t *offs;		/* id - 1 -> arena offset */
	uint32_t *lens;
	uint64_t *hashes;
	size_t n, cap;
};

#define MD_STRTAB_MAX (1u << 20)

/* Id (>= 1) of the string; 0 when the table is full (or out of memory). */

/* Scratch bytes the observations of one event point into. */
struct md_scratch {
	char path[2][MD_MAX_PATH + 8];
	char num[4][24];
	char addr[64];
	char word[2][256];
	char ident[MD_MAX_PATH + 72];	/* "exe[applet]" of a multi-call binary */
	struct fdr_buf shape;
};

#define MD_GCACHE_SLOTS 1024
#define MD_GCACHE_RAW 120

struct md_gencache {	/* its tag (hash of the raw path) is in md_ring.gtag */
	uint16_t rawlen, genlen;
	uint8_t ignore;		/* runtime state, not the container's file */
	uint64_t vhash;		/* md_hash of the container's view of the path */
	uint32_t hint[4];	/* per path type (read, create, write, delete) */
	char raw[MD_GCACHE_RAW];
	char gen[MD_GCACHE_RAW + 8];
};

/* What a directory of paths tells (gen_view in model-obs.c). */
struct md_dirmemo {
	uint16_t rawlen;	/* directory bytes, final '/' included; 0 = empty */
	int16_t view;		/* offset of the container's view in it; -1 = none */
	uint8_t st;		/* its storage scan: 0 stopped (view), 1 runtime state, 2 nothing */
	uint8_t ignore;		/* runtime state by the directory alone */
	uint16_t genlen;
	char raw[MD_GCACHE_RAW];
	char gen[MD_GCACHE_RAW + 8];	/* pattern of the view's directory part */
};

/* Memo of exec observations (exec, spawn, argv, user, exec-into of one
 * proc.exec): the same shape recurs (health checks, CGI, cron), and its
 * entries are then looked up once. Keys compared exactly. */
#define MD_XMEMO 64
#define MD_XMEMO_KEY 240
struct md_xmemo {
	uint64_t h;		/* md_hash of key; 0 = empty */
	uint16_t len;
	uint32_t hint[MD_MAX_OBS];
	char key[MD_XMEMO_KEY];	/* per observation: type, then per field u16 length, bytes */
};

/* Memo of network observations, compared exactly (never by hash alone). */
#define MD_NMEMO 256
struct md_nmemo {
	struct fdr_addr addr;	/* family 0 for listen */
	uint8_t kind;		/* enum md_type of the observation; 0 = empty */
	char proto[7];
	uint16_t port;
	uint32_t nameid;	/* DNS name the address showed as, 0 = none */
	uint32_t hint;
};

struct md_ring {
	struct fdr_ring_meta meta;
	char *name;
	unsigned skind;
	struct md_section *sec;	/* learner: where entries go; checker: the model's (may be NULL) */
	struct md_strtab strs;
	struct md_pid *pids;
	size_t pidcap, pidused;
	struct md_dns *dns;
	size_t dnscap;
	uint64_t first_ns, last_ns, events;
	uint64_t gap_end_ns;	/* latest end of a rec.gap seen so far */
	uint64_t outside_execs;	/* execs whose parent is outside the ring (the first is init) */
	/* checker: hashes of paths created/modified after container start and
	 * not deleted since (drift); 0 = empty slot, 1 = deleted */
	uint64_t *drift;
	size_t driftcap, driftused, driftlive;
	uint64_t drift_full;	/* paths not tracked because the set was full */
	/* generalization cache: raw path -> pattern, direct mapped */
	struct md_gencache *gcache;
	uint64_t *gtag;		/* per slot: md_hash | 1 of its raw path; 0 = empty */
	/* The last pattern of a path that was not cached (a name seen once):
	 * fresh temporary names keep generalizing to the same pattern, whose
	 * memos (gen, genlen, hint) are kept here. */
	struct md_gencache lastgen;
	struct md_dirmemo lastdir;	/* what the last new path's directory tells */
	uint64_t rawhash;	/* md_hash of the last event's first raw path */
	struct md_nmemo *nmemo;
	struct md_xmemo *xmemo;
	struct md_section *aux;	/* checker: derived sets (known ports, declared) */
	bool no_baseline_done;
	struct md_scratch scratch;
};

int md_ring_init(struct md_ring *r, const struct fdr_ring_meta *meta, const char *name);
void md_ring_release(struct md_ring *r);

uint32_t md_str_intern(struct md_strtab *t, const char *p, size_t n);
/* Id of the string, 0 if absent. */
uint32_t md_str_find(const struct md_strtab *t, const char *p, size_t n);
void md_strtab_release(struct md_strtab *t);
static inline const char *md_str_get(const struct md_strtab *t, uint32_t id)
{
	return id ? t->arena.p + t->offs[id - 1] : NULL;
}


/*
 * Update ring state from ev and fill out[] with the observations it yields
 * (at most MD_MAX_OBS; for proc.exec in the order exec, spawn, argv, user,
 * exec-into).
 * *actor (when actor is not NULL) is the acting process's entry after the
 * update, or NULL: md_pid_find() of the event's pid after the call. The
 * observations point into r->scratch, the event and r's string table: valid
 * until the next call on r.
 */
unsigned md_observe(struct md_ring *r, const struct fdr_event *ev, struct md_obs *out,
		    const struct md_pid **actor);

/* The pid table's entry of pid, or NULL. */
const struct md_pid *md_pid_find(struct md_ring *r, uint64_t pid);

/* Observations implied by a ring's metadata (name, seeds) into out (at most
 * max); they point into r->meta. */
unsigned md_observe_meta(struct md_ring *r, struct md_obs *out, unsigned max);

/* Drift set: add / remove / test a path (by its 64-bit hash). */
void md_drift_add(struct md_ring *r, uint64_t h);
void md_drift_del(struct md_ring *r, uint64_t h);
bool md_drift_has(const struct md_ring *r, uint64_t h);

/* Is exe a multi-call binary (busybox, toybox) whose argv[0] names the program? */
bool md_multicall(struct fdr_str exe);

/* Basename of a path (after the last '/'). */
struct fdr_str md_basename(struct fdr_str s);
/* The container's view of a path the recorder reported through the runtime's
 * storage on the host (".../overlay2/ID/merged/etc/x", ".../vfs/dir/ID/etc/x",
 * ".../io.containerd.../rootfs/etc/x" -> "/etc/x"); other paths unchanged. */
struct fdr_str md_cpath(const struct md_ring *r, struct fdr_str p);
/* The program name of an identity: basename, or the applet of "exe[applet]". */
struct fdr_str md_program(struct fdr_str ident);

/* Append the pattern of a path's last component p[0..n) (no '/') to the
 * pattern out[0..k) of its directory (md_gen_path of it, ending in '/'), as
 * md_gen_path of the whole path would; returns the new length (NUL added). */
size_t md_gen_tail(const char *p, size_t n, char *out, size_t k, size_t cap);

/* Index helpers. */
int md_index_grow(struct md_index *x, size_t want);
void md_index_release(struct md_index *x);
void md_index_put(struct md_index *x, uint64_t h, uint32_t pos);

#endif
