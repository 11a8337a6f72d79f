/* SPDX-License-Identifier: Apache-2.0 */
#ifndef AUDIT_NL_H
#define AUDIT_NL_H

/*
 * audit-nl: the kernel audit netlink socket, read-only.
 *
 * A listener joins the multicast group AUDIT_NLGRP_READLOG (needs
 * CAP_AUDIT_READ): it receives a copy of every audit record the kernel
 * emits, beside auditd (which keeps the unicast link) and without it. It
 * never becomes the audit daemon and never changes rules. Records arrive
 * only while audit is enabled; audit_nl_get_enabled()/audit_nl_set_enabled()
 * let the caller switch it on and restore it (AUDIT_GET / AUDIT_SET on a
 * separate short-lived socket).
 *
 * Each multicast datagram holds one netlink message whose payload is the
 * record text ("audit(1795401814.304:37): pid=..."), not NUL-terminated
 * and not padded to NLMSG_ALIGN: the walker keeps the remaining length
 * signed and checks every header against it.
 *
 * Shared by every source that wants audit records (ssh/sudo, EXECVE):
 * each opens its own listener; the kernel copies to each.
 */

#include <stddef.h>
#include <stdint.h>

struct audit_nl;

/* Receives one record: its type (1123 = USER_CMD) and text. */
typedef void (*audit_nl_fn)(void *arg, unsigned type, const char *text, size_t len);

/* Open a non-blocking multicast listener. Returns 0 or -errno (-EPERM
 * without CAP_AUDIT_READ, -EPROTONOSUPPORT without audit in the kernel). */
int audit_nl_open(struct audit_nl **out);
/* Close; NULL is fine. */
void audit_nl_close(struct audit_nl *a);
/* The fd to poll for input. */
int audit_nl_fd(const struct audit_nl *a);
/* Read every datagram waiting and pass each record to fn. Returns the
 * number of records, or -errno on a read error. A receive-buffer overrun
 * (ENOBUFS) is not an error: it is counted in audit_nl_overruns(). */
int audit_nl_read(struct audit_nl *a, audit_nl_fn fn, void *arg);
/* Times the kernel dropped records for us (socket buffer overruns). */
uint64_t audit_nl_overruns(const struct audit_nl *a);
/* Malformed datagrams skipped (bad lengths). */
uint64_t audit_nl_malformed(const struct audit_nl *a);

/*
 * Walk one datagram buf[0..len) and pass its records to fn. Returns the
 * number of records, or -EBADMSG when a header does not fit (records before
 * it were delivered). Exposed for tests and fuzzing.
 */
int audit_nl_walk(const void *buf, size_t len, audit_nl_fn fn, void *arg);

/* Kernel audit state: *enabled is 0 (off), 1 (on) or 2 (locked). Returns 0
 * or -errno. */
int audit_nl_get_enabled(int *enabled);
/* Set the enabled flag (0 or 1). Returns 0 or -errno. */
int audit_nl_set_enabled(int enabled);
/* The kernel's count of records it lost (AUDIT_GET "lost"). */
int audit_nl_get_lost(uint32_t *lost);

#endif
