/* SPDX-License-Identifier: Apache-2.0 */
#ifndef REC_CONFIG_H
#define REC_CONFIG_H

/*
 * rec-config: fdr-record's options, from the command line and a config file,
 * checked against tables of struct rec_optdef (the core's and each source's),
 * so a source's options need no code here.
 *
 * Config file: one "name = value" per line (the long option name without
 * dashes), '#' or ';' starts a comment line, blank lines and "[section]"
 * lines are ignored, a flag takes "yes/no/true/false/1/0", surrounding
 * blanks and one pair of double quotes around the value are removed.
 * Command-line values override the file's, except repeatable options, whose
 * values add up.
 *
 * Ownership: struct rec_opts owns copies of every name and value;
 * rec_opts_release() frees them. Error messages go to err (never printed).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fdr-ring.h"
#include "rec-source.h"

struct rec_opt {
	char *name;
	char *value;
	bool from_cli;
};

struct rec_opts {
	struct rec_opt *v;
	size_t n, cap;
};

#define REC_OPTS_INIT { NULL, 0, 0 }

/* A list of option tables, each terminated by { NULL }. */
struct rec_optset {
	const struct rec_optdef *const *tables;
	size_t n;
};

/* Definition of name in the set; NULL when unknown. */
const struct rec_optdef *rec_optset_find(const struct rec_optset *set, const char *name);

/* Set name=value (a copy); a non-repeatable option keeps one value: a CLI
 * value replaces any, a file value does not replace a CLI one. */
int rec_opts_set(struct rec_opts *o, const struct rec_optdef *def, const char *value,
		 bool from_cli);
/* i-th value of name, or NULL. */
const char *rec_opts_get(const struct rec_opts *o, const char *name, unsigned i);
void rec_opts_release(struct rec_opts *o);

/* Parse argv[1..argc) ("--name VALUE", "--name=VALUE", "--flag", and "-d DIR",
 * "-h", "-V" as short forms of dir, help, version). 0, or -EINVAL with err. */
int rec_cli_parse(struct rec_opts *o, const struct rec_optset *set, int argc, const char *const *argv,
		  char *err, size_t errsize);

/* Parse config text buf[0..len) named name (for messages). 0 or -EINVAL. */
int rec_config_parse(struct rec_opts *o, const struct rec_optset *set, const char *name,
		     const char *buf, size_t len, char *err, size_t errsize);
/* Read and parse a config file (capped at 1 MiB). 0, -errno or -EINVAL. */
int rec_config_load(struct rec_opts *o, const struct rec_optset *set, const char *path,
		    char *err, size_t errsize);

/* "4096", "64K", "64M", "1G", "2T" (binary multiples; "KiB", "MB" also
 * accepted). 0, or -EINVAL / -ERANGE. */
int rec_parse_size(const char *s, uint64_t *out);
/* Seconds, decimals allowed ("1", "0.25", "2.5s", "300ms"): ns. */
int rec_parse_duration(const char *s, uint64_t *out_ns);
/* Flag value: "1", "yes", "true", "on" / "0", "no", "false", "off". */
int rec_parse_bool(const char *s, bool *out);

/* ---- the recorder's settings ---- */

struct rec_settings {
	char dir[4096];
	uint64_t ring_size;	/* bytes per ring file */
	uint32_t slot_size;	/* bytes per block slot */
	uint64_t budget;	/* bytes for the directory; 0 = none */
	uint64_t flush_ns;	/* flush interval */
	uint64_t duration_ns;	/* 0 = until a signal */
	enum fdr_sync sync;
	size_t proc_max;	/* process table size */
	uint64_t proc_keep_ns;	/* exited entries kept this long */
	int rt_prio;		/* SCHED_FIFO priority; 0 = normal scheduling */
};

#define REC_SETTINGS_INIT { "/var/lib/fdr", 16ull << 20, 64u << 10, 1ull << 30, \
	1000000000ull, 0, FDR_SYNC_FLUSH, 65536, 10000000000ull, 1 }

/* Settings from options (defaults for absent ones). 0, or -EINVAL with err. */
int rec_settings_from_opts(struct rec_settings *s, const struct rec_opts *o, char *err,
			   size_t errsize);

/* Check (create with 0700 when missing) the ring directory: it must be a
 * directory owned by us and not writable by group or others. 0 or -errno
 * with err. */
int rec_check_dir(const char *dir, char *err, size_t errsize);

#endif
