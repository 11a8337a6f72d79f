/* SPDX-License-Identifier: Apache-2.0 */
#ifndef PROC_BPF_H
#define PROC_BPF_H

/*
 * proc-bpf: the proc source's "bpf" backend. An eBPF program
 * (recorder/bpf/proc.bpf.c, embedded in the program at build time) captures
 * exec (argv, exe, cwd, creds, cgroup paths), fork and exit in the kernel,
 * in the exec'ing task's context, so nothing is lost to a process that exits
 * before /proc is read. It needs root, BTF and bpf_loop (Linux 5.17+); the
 * proc source falls back to the netlink proc connector when it cannot load.
 *
 * Two halves:
 *  - the decoder (proc-bpf-decode.c, pure, no libbpf): one ring buffer record
 *    into a struct proc_bpf_rec, bounds-checked (records come from the
 *    kernel, but every size is treated as untrusted);
 *  - the loader (proc-bpf.c, libbpf): load, attach, poll, loss counter, the
 *    programs' run-time statistics.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "fdr-event.h"
#include "rec-cgroup.h"
#include "rec-procfs.h"

enum {
	PROC_BPF_EXEC = 1,
	PROC_BPF_FORK = 2,
	PROC_BPF_EXIT = 3,
};

#define PROC_BPF_HIER_MAX 16	/* cgroup hierarchies decoded */

/* One decoded record. Large (argv, paths): keep one per user, not on a
 * small stack. Strings are NUL-terminated; argv[] points into args. */
struct proc_bpf_rec {
	unsigned type;		/* PROC_BPF_* */
	unsigned flags;		/* PBPF_F_* of proc-bpf-rec.h */
	uint64_t time_ns;	/* CLOCK_MONOTONIC */
	pid_t pid, tgid, ppid;	/* thread, process, real parent process */
	pid_t child_pid, child_tgid;	/* FORK */
	uint32_t exit_status;	/* EXIT: wait status (code << 8 | signal) */
	uint32_t uid, gid, euid, egid, loginuid, sessionid;	/* EXEC */
	char comm[16];		/* EXEC */
	bool has_argv, has_exe, has_cwd, has_cg;	/* EXEC: what was read */
	bool argv_truncated;
	char args[16384 + 1];
	struct fdr_str argv[REC_ARGV_MAX];
	uint32_t argc;
	char exe[REC_PATH_MAX];
	char cwd[REC_PATH_MAX];
	struct rec_cgroup_id cg;	/* "" id: the host */
	char cgroup[REC_PATH_MAX];	/* the path that attributed, or "" */
};

/* Decode one record of `size` bytes into *out: 0, or -EINVAL when it is
 * malformed (too short, sizes that do not add up, an unknown type). */
int proc_bpf_decode(const void *data, size_t size, struct proc_bpf_rec *out);

/* ---- loader --------------------------------------------------------------- */

struct proc_bpf;

/* Called for each record, with the record's bytes (valid for the call). */
typedef void (*proc_bpf_fn)(void *ctx, const void *data, size_t size);

/* Load and attach the programs: 0 and *out, or a negative errno with a
 * short reason in why (libbpf's last message). */
int proc_bpf_open(struct proc_bpf **out, proc_bpf_fn fn, void *ctx, char *why, size_t whysize);
/* An fd that is readable when records wait (for epoll). */
int proc_bpf_fd(const struct proc_bpf *pb);
/* Hand every waiting record to fn; the number handed, or negative errno. */
int proc_bpf_consume(struct proc_bpf *pb);
/* Records the programs could not write (ring buffer full), since open. */
uint64_t proc_bpf_drops(const struct proc_bpf *pb);
/* Run count and run time (ns) of the programs since load; both 0 unless
 * the sysctl kernel.bpf_stats_enabled is on. */
int proc_bpf_stats(const struct proc_bpf *pb, uint64_t *run_cnt, uint64_t *run_ns);
/* Detach and release; NULL is fine. */
void proc_bpf_free(struct proc_bpf *pb);

/* The BPF object file, embedded at build time (generated). */
extern const unsigned char proc_bpf_obj[];
extern const size_t proc_bpf_obj_size;

#endif
