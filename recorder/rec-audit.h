/* SPDX-License-Identifier: Apache-2.0 */
#ifndef REC_AUDIT_H
#define REC_AUDIT_H

/*
 * rec-audit: the kernel audit netlink, shared by the sources that read it
 * (process exec argv, ssh/sudo USER_* records).
 *
 *  - a read-only listener on the multicast group AUDIT_NLGRP_READLOG
 *    (coexists with auditd; receives nothing while audit is disabled);
 *  - control requests: status, enable, add/delete a syscall rule, so a
 *    source can turn on what it needs and restore the state it found;
 *  - parsing of one record: "audit(SEC.MSEC:SERIAL): key=value ...", with
 *    the kernel's encoding of untrusted strings (quoted, or hex when they
 *    hold a quote, space or control byte) and EXECVE's argument layout.
 *
 * Records are attacker controlled text: every length is checked. Nothing
 * here logs; functions return 0 (or a count) or -errno.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Open the read-only multicast listener (non-blocking); fd or -errno. */
int rec_audit_listen(void);

/* Control: a request/ack socket of its own per call. */
struct rec_audit_state {
	uint32_t enabled;
	uint32_t backlog_limit;
};
int rec_audit_get(struct rec_audit_state *st);
/* Set enabled (0/1/2) and, when non-zero, the backlog limit. */
int rec_audit_set(uint32_t enabled, uint32_t backlog_limit);
/* Add (add=true) or delete an exit rule "always, arch=b64, syscalls
 * execve and execveat, key=KEY"; adding an existing rule returns -EEXIST. */
int rec_audit_exec_rule(bool add, const char *key);

/* One record of a datagram. */
struct rec_audit_rec {
	uint16_t type;		/* AUDIT_* */
	uint64_t time_ns;	/* event time, wall clock */
	uint64_t serial;	/* shared by the records of one event */
	const char *body;	/* after "): " */
	size_t len;
};

/* Parse a datagram (netlink header included) of len bytes; 0 or -EINVAL. */
int rec_audit_parse(const void *dgram, size_t len, struct rec_audit_rec *out);

/* The kernel's hex form of an untrusted string: v[0..n) decoded into
 * out[0..size) (truncated to size). Bytes written, or -EINVAL when v is not
 * hex (empty, odd length, or a byte other than 0-9 A-F a-f). */
int rec_audit_unhex(const char *v, size_t n, char *out, size_t size);

/* Raw value of key (the token after "key="), or NULL; *n its length. */
const char *rec_audit_raw(const struct rec_audit_rec *r, const char *key, size_t *n);
/* Decoded string value of key into out (NUL-terminated, truncated);
 * length, or -ENOENT. Unquoted values are hex-decoded when they are hex. */
int rec_audit_str(const struct rec_audit_rec *r, const char *key, char *out, size_t size);
/* Unsigned decimal value of key; -ENOENT / -EINVAL. */
int rec_audit_u64(const struct rec_audit_rec *r, const char *key, uint64_t *out);

/* Arguments of an EXECVE record appended to buf (each NUL-terminated,
 * "aN=" values and "aN[k]=" chunks alike); *used grows; returns the number
 * of arguments started, or -ENOSPC when buf is full (what fits is kept). */
int rec_audit_execve_args(const struct rec_audit_rec *r, char *buf, size_t size, size_t *used);

#endif
