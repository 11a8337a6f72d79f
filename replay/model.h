/* SPDX-License-Identifier: Apache-2.0 */
#ifndef FDR_MODEL_H
#define FDR_MODEL_H

/*
 * model (prefix md_): a learned model of what each container image normally
 * does, its text form (formats/MODEL.md), and the check that turns what
 * deviates from it into findings.
 *
 * Flow: learn = md_learner over events of registered rings, into an
 * md_model; md_model_serialize() writes the text, md_model_parse() reads it,
 * md_model_merge() unites two. check = md_checker over a model and events,
 * producing md_finding values.
 *
 * Invariants:
 *  - every event belongs to the ring it was read from; the ring's metadata
 *    picks the model section (image id, else image name, host, other);
 *  - events of one ring must be fed in the ring's order (block sequence, then
 *    index); rings may interleave freely (per-ring state only);
 *  - a model is a set: merge is commutative and associative, and learning
 *    rings apart then merging serializes identically to learning them at once.
 *
 * Errors: 0 or a count on success, negative -errno or MD_E_* on failure;
 * md_strerror() names them. Nothing here prints or exits. Strings taken from
 * events are attacker-controlled: findings' reasons hold them raw, so show
 * them through formats/fdr-text.h escapers (md_finding_format() does).
 *
 * Threads: none of these objects is shared between threads.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fdr-event.h"
#include "fdr-ring.h"
#include "fdr-text.h"

enum md_error {
	MD_E_SYNTAX = -2000,	/* model or severity text malformed */
	MD_E_LIMIT = -2001,	/* a size cap was exceeded */
	MD_E_RULE = -2002,	/* unknown rule name */
	MD_E_LEVEL = -2003,	/* unknown severity name */
	MD_E_RING = -2004,	/* ring id not registered */
};

/* Message for a negative return (MD_E_* or -errno). Static storage. */
const char *md_strerror(int err);

/* Where a parse failed: 1-based line and a short message (no input bytes). */
struct md_parse_error {
	unsigned line;
	char msg[120];
};

#define MD_PARSE_ERROR_INIT { 0, { 0 } }

/* ---- the model ----------------------------------------------------------- */

struct md_model;

/* An empty model; *out is the caller's: md_model_free() it. */
int md_model_new(struct md_model **out);
void md_model_free(struct md_model *m);

/* Parse text (formats/MODEL.md) into the empty model m. On failure m is left
 * empty-or-partial (free it) and *err says where. Input is fully untrusted. */
int md_model_parse(struct md_model *m, const char *text, size_t len, struct md_parse_error *err);

/* Append the text form of m to out; collapses m first (MODEL.md "Directory
 * collapse"), which changes nothing in a model that came from learn or merge. */
void md_model_serialize(struct md_model *m, struct fdr_buf *out);

/* Unite src into dst (src unchanged), then collapse dst. */
int md_model_merge(struct md_model *dst, const struct md_model *src);

/* Per-section summary, for reports of how settled each model is. */
struct md_section_info {
	const char *kind;	/* "host", "image", "image-name", "other" */
	const char *key;	/* id or name ("" for host); owned by the model */
	char name[256];		/* first image name entry ("" if none), raw bytes */
	uint64_t first_ns, last_ns;	/* baseline span */
	uint64_t observed_s;	/* container-seconds observed */
	uint64_t rings, events;
	uint64_t behaviours;	/* entries other than name and seed */
	double rate_all;	/* new behaviours per hour over the span */
	double rate_last;	/* ... over the span's last quarter */
	bool settled;		/* span >= 1 h and rate_last < rate_all / 10 (or 0) */
};

size_t md_model_nsections(const struct md_model *m);
/* Fill *info for section i (sorted order after serialize or merge). */
int md_model_section_info(const struct md_model *m, size_t i, struct md_section_info *info);

/* ---- learning ------------------------------------------------------------ */

struct md_learner;

/* A learner that adds to m (which must outlive it). */
int md_learner_new(struct md_model *m, struct md_learner **out);
void md_learner_free(struct md_learner *l);

/* Register a ring by its metadata (copied); *ring receives its id. */
int md_learner_ring(struct md_learner *l, const struct fdr_ring_meta *meta, uint32_t *ring);

/* Learn from one event of ring. The event's strings may die on return. */
int md_learner_event(struct md_learner *l, uint32_t ring, const struct fdr_event *ev);

/* Fold per-ring totals into the model and collapse it. Call once at the end. */
int md_learner_finish(struct md_learner *l);

/* ---- generalization (exposed for tests and the docs' examples) ---------- */

/* Generalize a path into out (NUL-terminated, at most cap bytes); returns the
 * length. cap must be at least 8. */
size_t md_gen_path(const char *p, size_t n, char *out, size_t cap);

/* Generalize one argv element the same way (an argument starting with '/'
 * as a path, else as a file name). */
size_t md_gen_arg(const char *p, size_t n, char *out, size_t cap);

/* ---- severities ---------------------------------------------------------- */

enum md_sev {
	MD_SEV_OFF = 0,		/* rule disabled (findings counted, not listed) */
	MD_SEV_INFO,
	MD_SEV_LOW,
	MD_SEV_MEDIUM,
	MD_SEV_HIGH,
	MD_SEV_CRITICAL,
};

/* Built-in knowledge; each deviation gets the most specific rule. */
enum md_rule {
	MD_R_DRIFT_EXEC,	/* exec of a file created/modified after container start */
	MD_R_SHELL_SPAWN,	/* shell or interpreter started by a service */
	MD_R_EXEC_INTO,		/* docker exec / pods/exec into the container */
	MD_R_PRIV_CHANGE,	/* uid change to 0, new root process, new sudo */
	MD_R_BIN_WRITE,		/* write under a binary, library or config dir */
	MD_R_CRED_READ,		/* read of credentials (shadow, ssh keys, secrets) */
	MD_R_NEW_LISTEN,	/* new listening port */
	MD_R_NEW_PORT,		/* outbound connection to a never-seen port */
	MD_R_NEW_PEER,		/* outbound to a new peer on a known port */
	MD_R_NEW_EXEC,		/* executable never seen */
	MD_R_NEW_SPAWN,		/* known executable, new parent */
	MD_R_NEW_ARGV,		/* known executable, new argument shape */
	MD_R_NEW_USER,		/* process runs as a new uid */
	MD_R_NEW_SETUID,	/* new uid change (not to 0) */
	MD_R_NEW_WRITE,		/* create/write/delete of a new path elsewhere */
	MD_R_NEW_READ,		/* read of a new watched path */
	MD_R_NEW_DNS,		/* new DNS name */
	MD_R_NEW_LOGIN,		/* ssh login with a new user or method */
	MD_R_NO_BASELINE,	/* the ring's image has no section in the model */
	MD_R_GAP,		/* the recording lost events: nearby findings are uncertain */
	MD_R_COUNT
};

struct md_sevcfg {
	uint8_t sev[MD_R_COUNT];	/* enum md_sev per rule */
};

/* The built-in defaults. */
void md_sevcfg_default(struct md_sevcfg *c);
/* Apply "RULE=LEVEL" (as given to --severity). */
int md_sevcfg_set(struct md_sevcfg *c, const char *assignment);
/* Apply a severity file: "RULE = LEVEL" lines, '#' comments. */
int md_sevcfg_parse(struct md_sevcfg *c, const char *text, size_t len, struct md_parse_error *err);

const char *md_rule_name(unsigned rule);	/* "shell-spawn"; NULL if unknown */
int md_rule_from_name(const char *name);	/* rule, or MD_E_RULE */
const char *md_sev_name(unsigned sev);		/* "high"; NULL if unknown */
int md_sev_from_name(const char *name);		/* level, or MD_E_LEVEL */

/* ---- checking ------------------------------------------------------------ */

/* Where an event sits, so a viewer can jump to it. */
struct md_loc {
	uint32_t ring;		/* the ring id given at registration */
	uint32_t index;		/* event index within the block (rp_scan_where) */
	uint64_t seq;		/* block sequence number; UINT64_MAX = unknown (then
				 * time + pid locate it; output omits seq and index) */
};

struct md_evref {
	struct md_loc loc;
	uint64_t time_ns;
	uint64_t pid;
};

#define MD_FINDING_EVENTS 8	/* events kept per finding (count says how many) */

/* One deviation (repeats of the same deviation in a ring are one finding). */
struct md_finding {
	unsigned rule;		/* enum md_rule */
	unsigned sev;		/* enum md_sev after tuning */
	bool uncertain;		/* a rec.gap lies within its context */
	uint32_t ring;
	uint64_t first_ns, last_ns, count;
	const char *what;	/* entry text it was checked as ("spawn /usr/sbin/nginx /bin/sh") */
	const char *reason;	/* one sentence for a responder; raw bytes, escape to show */
	struct md_evref ev[MD_FINDING_EVENTS];
	uint32_t nev;
};

struct md_checker;

/* A checker against m (which must outlive it) with severities *cfg (copied). */
int md_checker_new(const struct md_model *m, const struct md_sevcfg *cfg, struct md_checker **out);
void md_checker_free(struct md_checker *c);

/* Register a ring (metadata copied, name used in output, e.g. its path). */
int md_checker_ring(struct md_checker *c, const struct fdr_ring_meta *meta, const char *name,
		    uint32_t *ring);

/* Check one event (loc->ring is the ring id). */
int md_checker_event(struct md_checker *c, const struct fdr_event *ev, const struct md_loc *loc);

/* Sort findings by time (first seen, then ring, rule, what). May be called
 * again after more events; finding pointers are valid until the next event. */
int md_checker_finish(struct md_checker *c);

size_t md_checker_nfindings(const struct md_checker *c);
const struct md_finding *md_checker_finding(const struct md_checker *c, size_t i);
/* Findings of rules set to "off": counted here, never listed. */
uint64_t md_checker_suppressed(const struct md_checker *c);

/* Append one finding as a human line (escaped) or a JSON object line. */
void md_finding_format(const struct md_checker *c, const struct md_finding *f, bool json,
		       struct fdr_buf *out);

#endif
