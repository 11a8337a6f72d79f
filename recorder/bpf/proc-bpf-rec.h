/* SPDX-License-Identifier: Apache-2.0 */
#ifndef PROC_BPF_REC_H
#define PROC_BPF_REC_H

/*
 * proc-bpf-rec: the records recorder/bpf/proc.bpf.c writes into its BPF ring
 * buffer, shared by the BPF program and recorder/proc-bpf.c (which decodes
 * them: see proc-bpf.h). Native byte order (same machine).
 *
 * A record is a struct pbpf_hdr (hdr_size bytes, size bytes in all) and, for
 * PBPF_EXEC, a body: argv_len bytes of argv (NUL-separated, as
 * /proc/<pid>/cmdline), then items, each 3 bytes of header (kind, then a
 * 16-bit length, little end first) and that many bytes:
 *   PBPF_I_EXE, PBPF_I_CWD  one path component, leaf first (reversed on decode)
 *   PBPF_I_CG               start of one cgroup hierarchy's path: 4 bytes,
 *                           the hierarchy id; its PBPF_I_CG_NAME items follow
 *   PBPF_I_CG_NAME          one cgroup path component, leaf first
 * Component bytes may end with a NUL (it is dropped).
 */

#define PBPF_EXEC 1
#define PBPF_FORK 2
#define PBPF_EXIT 3

#define PBPF_F_ARGV_TRUNC 0x01	/* argv longer than PBPF_ARGV_MAX */
#define PBPF_F_PATH_TRUNC 0x02	/* a path or the item area was cut short */
#define PBPF_F_NO_ARGV 0x04	/* argv could not be read */
#define PBPF_F_NO_EXE 0x08	/* exe path could not be read */
#define PBPF_F_NO_CWD 0x10
#define PBPF_F_NO_CG 0x20	/* cgroup paths could not be read */

#define PBPF_I_EXE 1
#define PBPF_I_CWD 2
#define PBPF_I_CG 3
#define PBPF_I_CG_NAME 4

#define PBPF_ARGV_MAX 16384	/* argv bytes kept (as REC_ARGV_BYTES) */
#define PBPF_AREA 32768		/* body bytes at most (power of 2) */
#define PBPF_NAME_MAX 256	/* bytes read of one component */

struct pbpf_hdr {
	__u8 type;		/* PBPF_* */
	__u8 flags;		/* PBPF_F_* */
	__u16 hdr_size;		/* sizeof(struct pbpf_hdr) of the writer */
	__u32 size;		/* whole record */
	__u64 time_ns;		/* CLOCK_MONOTONIC */
	__s32 pid;		/* thread id */
	__s32 tgid;		/* process id */
	__s32 ppid;		/* real parent's tgid */
	__s32 aux;		/* FORK: child pid; EXIT: exit code (wait status) */
	__s32 aux2;		/* FORK: child tgid */
	__u32 uid, gid, euid, egid, loginuid, sessionid;
	__u32 argv_len;		/* EXEC: argv bytes at the body's start */
	char comm[16];
};

#endif
