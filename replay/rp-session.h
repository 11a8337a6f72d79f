/* SPDX-License-Identifier: Apache-2.0 */
#ifndef RP_SESSION_H
#define RP_SESSION_H

/*
 * rp-session: who came in and everything they caused.
 *
 * Built on a process tree (rp-tree.h) fed with the same time-ordered events,
 * plus the login-ish events:
 *  - ssh.login (success): a session keyed by (host boot, audit session id)
 *    when the event has FDR_F_SESSIONID, else by the sshd pid; its
 *    processes are those carrying that session id (the kernel keeps it
 *    across sudo, su and setuid) or descending from the sshd pid. Failed
 *    attempts from the same address before it are counted.
 *  - docker exec (docker.exec_start with FDR_F_CONTAINER and FDR_F_COMMAND):
 *    the container process it started (a root in that container's ring,
 *    starting within seconds, argv matching the command) is linked under
 *    the `docker exec` client process of a session when one ran just before
 *    and named the container; otherwise the exec is a session of its own.
 *  - Kubernetes pods/exec (k8s.audit with subresource "exec"): the process
 *    it started in a ring of that pod and namespace is a session of its own
 *    with the API user.
 *  - processes with an audit session id but no recorded login: a session of
 *    type "login" (console, or a login before the recording started).
 * Links are inferred from timing and names, so they are marked as such.
 *
 * Ownership: the sessions object owns its tree and copies; rings are
 * borrowed. No printing: format functions append to a fdr_buf.
 */

#include <stddef.h>
#include <stdint.h>

#include "fdr-event.h"
#include "fdr-text.h"
#include "rp-set.h"
#include "rp-tree.h"

struct rp_session {
	const char *type;	/* "ssh", "login", "docker exec", "pods/exec" */
	const struct rp_ring *ring;	/* ring of the login event */
	unsigned host_idx;
	uint64_t start_ns, end_ns;	/* end 0 = still open at the end */
	char *user;		/* may be "" */
	char *addr;		/* remote address or source IPs, may be "" */
	uint64_t port;
	char *method;		/* ssh method, or the exec command */
	char *detail;		/* container / pod the exec went into, may be "" */
	bool has_sessionid;
	uint64_t sessionid, login_pid;
	uint32_t failures_before;
	size_t *roots;		/* process indices in rp_sessions_tree() */
	size_t nroots;
};

struct rp_sessions;

int rp_sessions_new(struct rp_sessions **out);
void rp_sessions_free(struct rp_sessions *ss);
/* Feed one event (time order). */
void rp_sessions_add(struct rp_sessions *ss, const struct rp_ring *r, const struct fdr_event *ev);
/* Build sessions and links after the last event. */
void rp_sessions_finish(struct rp_sessions *ss);

size_t rp_sessions_count(const struct rp_sessions *ss);
const struct rp_session *rp_sessions_get(const struct rp_sessions *ss, size_t i);
const struct rp_tree *rp_sessions_tree(const struct rp_sessions *ss);
/* Login/exec events beyond the 20,000 analysed (hostile or huge input). */
uint64_t rp_sessions_dropped(const struct rp_sessions *ss);

/* People's text: each session, then its process trees. */
void rp_sessions_format(const struct rp_sessions *ss, struct fdr_buf *b);
/* One JSON object per session per line, processes nested. */
void rp_sessions_format_json(const struct rp_sessions *ss, struct fdr_buf *b);

#endif
