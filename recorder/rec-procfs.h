/* SPDX-License-Identifier: Apache-2.0 */
#ifndef REC_PROCFS_H
#define REC_PROCFS_H

/*
 * rec-procfs: read what /proc says about one process, fast (open/read with
 * fixed buffers, no stdio), in the order that loses least when the process
 * is exiting: cmdline first, then cgroup (a task that exited reads as the
 * root cgroup, i.e. the host, but only after it lost its memory: an exe
 * read that succeeds after it proves it live), exe and cwd (they vanish
 * with the process's memory and fs), then status, loginuid, sessionid
 * (readable from a zombie). All content is attacker controlled: every read is capped.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "fdr-event.h"
#include "rec-cgroup.h"

#define REC_ARGV_BYTES 16384	/* argv kept per exec (rest dropped) */
#define REC_ARGV_MAX 512	/* arguments kept per exec */
#define REC_PATH_MAX 1024

enum {
	REC_PI_ARGV = 1u << 0,
	REC_PI_EXE = 1u << 1,
	REC_PI_CWD = 1u << 2,
	REC_PI_CGROUP = 1u << 3,
	REC_PI_STATUS = 1u << 4,	/* comm, ppid, uids, gids */
	REC_PI_LOGIN = 1u << 5,		/* loginuid, sessionid */
	REC_PI_ALL = 0x3f,
};

struct rec_procinfo {
	pid_t pid, ppid;
	uint32_t uid, euid, gid, egid, loginuid, sessionid;
	char comm[16];
	char exe[REC_PATH_MAX];
	char cwd[REC_PATH_MAX];
	char args[REC_ARGV_BYTES];
	struct fdr_str argv[REC_ARGV_MAX];	/* point into args */
	uint32_t argc;
	bool argv_truncated;
	struct rec_cgroup_id cg;
};

/* Read the facts in `what` (REC_PI_*) of pid into *pi; returns the mask of
 * what was read (a process that is gone yields 0 or a subset). */
unsigned rec_procfs_read(pid_t pid, unsigned what, struct rec_procinfo *pi);

/* Split a cmdline buffer (NUL-separated) into pi->argv; for tests. */
void rec_procfs_split_argv(struct rec_procinfo *pi, size_t len);

/* Parse a /proc/<pid>/status text into pi (Name, PPid, Uid, Gid); 0 or
 * -EINVAL when a field is missing. */
int rec_procfs_parse_status(const char *buf, size_t len, struct rec_procinfo *pi);

#endif
