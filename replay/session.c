/* SPDX-License-Identifier: Apache-2.0 */
/* Sessions: logins and execs, and the processes they caused. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp-session.h"
#include "rp-time.h"
#include "u64map.h"

#define NS 1000000000ull
#define MAX_STR 4096
/* Login and exec events kept for linking; more are counted, not analysed
 * (the linking is quadratic in them). */
#define MAX_MARKS 20000

/* A login-ish event kept until finish. */
struct mark {
	unsigned kind;		/* FDR_SSH_LOGIN, FDR_SSH_LOGOUT, FDR_DOCKER, FDR_K8S_AUDIT */
	const struct rp_ring *ring;
	uint64_t time_ns, pid, port, sessionid;
	bool has_sessionid, success;
	char *user, *addr, *method, *container, *name, *image, *command, *exec_id, *ns;
};

struct rp_sessions {
	struct rp_tree *tree;
	struct mark *m;
	size_t nm, mcap;
	struct rp_session *s;
	size_t ns, scap;
	uint64_t marks_dropped;
};

static char *dups(struct fdr_str s)
{
	size_t n = s.len > MAX_STR ? MAX_STR : s.len;
	char *d = malloc(n + 1);

	if (!d)
		abort();
	if (n)
		memcpy(d, s.p, n);
	d[n] = '\0';
	return d;
}

static char *dupc(const char *s)
{
	return dups(fdr_str_c(s));
}

int rp_sessions_new(struct rp_sessions **out)
{
	struct rp_sessions *ss = calloc(1, sizeof(*ss));
	int err;

	if (!ss)
		return -ENOMEM;
	if ((err = rp_tree_new(&ss->tree)) < 0) {
		free(ss);
		return err;
	}
	*out = ss;
	return 0;
}

void rp_sessions_free(struct rp_sessions *ss)
{
	if (!ss)
		return;
	for (size_t i = 0; i < ss->nm; i++) {
		struct mark *m = &ss->m[i];
		free(m->user);
		free(m->addr);
		free(m->method);
		free(m->container);
		free(m->name);
		free(m->image);
		free(m->command);
		free(m->exec_id);
		free(m->ns);
	}
	for (size_t i = 0; i < ss->ns; i++) {
		free(ss->s[i].user);
		free(ss->s[i].addr);
		free(ss->s[i].method);
		free(ss->s[i].detail);
		free(ss->s[i].roots);
	}
	rp_tree_free(ss->tree);
	free(ss->m);
	free(ss->s);
	free(ss);
}

void rp_sessions_add(struct rp_sessions *ss, const struct rp_ring *r, const struct fdr_event *ev)
{
	rp_tree_add(ss->tree, r, ev);
	if (ev->kind != FDR_SSH_LOGIN && ev->kind != FDR_SSH_LOGOUT && ev->kind != FDR_DOCKER &&
	    ev->kind != FDR_K8S_AUDIT)
		return;
	if (ev->kind == FDR_DOCKER && !fdr_str_eq(fdr_event_str(ev, FDR_F_ACTION), "exec_start"))
		return;
	if (ev->kind == FDR_K8S_AUDIT && !fdr_str_eq(fdr_event_str(ev, FDR_F_SUBRESOURCE), "exec"))
		return;
	if (ss->nm == MAX_MARKS) {
		ss->marks_dropped++;
		return;
	}
	if (ss->nm == ss->mcap) {
		size_t cap = ss->mcap ? ss->mcap * 2 : 64;
		struct mark *m = realloc(ss->m, cap * sizeof(*m));
		if (!m)
			abort();
		ss->m = m;
		ss->mcap = cap;
	}
	struct mark *m = &ss->m[ss->nm++];
	memset(m, 0, sizeof(*m));
	m->kind = ev->kind;
	m->ring = r;
	m->time_ns = ev->time_ns;
	m->pid = fdr_event_u(ev, FDR_F_PID, 0);
	m->port = fdr_event_u(ev, FDR_F_PORT, 0);
	m->has_sessionid = fdr_event_has(ev, FDR_F_SESSIONID) && ev->f[FDR_F_SESSIONID].u != UINT32_MAX;
	m->sessionid = fdr_event_u(ev, FDR_F_SESSIONID, 0);
	m->success = fdr_str_eq(fdr_event_str(ev, FDR_F_RESULT), "success");
	m->user = dups(fdr_event_str(ev, FDR_F_USER));
	m->method = dups(fdr_event_str(ev, FDR_F_METHOD));
	m->container = dups(fdr_event_str(ev, FDR_F_CONTAINER));
	m->name = dups(fdr_event_str(ev, FDR_F_NAME));
	m->image = dups(fdr_event_str(ev, FDR_F_IMAGE));
	m->exec_id = dups(fdr_event_str(ev, FDR_F_EXEC_ID));
	m->ns = dups(fdr_event_str(ev, FDR_F_NAMESPACE));
	if (ev->kind == FDR_K8S_AUDIT) {
		struct fdr_buf b = FDR_BUF_INIT;
		struct fdr_strv v = fdr_event_strv(ev, FDR_F_EXEC_COMMAND);
		for (uint32_t i = 0; i < v.n && b.len < MAX_STR; i++) {
			if (i)
				fdr_buf_addc(&b, ' ');
			fdr_buf_add(&b, v.v[i].p, v.v[i].len);
		}
		m->command = b.p ? fdr_buf_detach(&b, NULL) : dupc("");
		v = fdr_event_strv(ev, FDR_F_SOURCE_IPS);
		for (uint32_t i = 0; i < v.n && b.len < MAX_STR; i++) {
			if (i)
				fdr_buf_addc(&b, ',');
			fdr_buf_add(&b, v.v[i].p, v.v[i].len);
		}
		m->addr = b.p ? fdr_buf_detach(&b, NULL) : dupc("");
	} else {
		m->command = dups(fdr_event_str(ev, FDR_F_COMMAND));
		m->addr = dups(fdr_event_str(ev, FDR_F_ADDR));
	}
}

static struct rp_session *new_session(struct rp_sessions *ss, const char *type, const struct rp_ring *r,
				      uint64_t t)
{
	if (ss->ns == ss->scap) {
		size_t cap = ss->scap ? ss->scap * 2 : 16;
		struct rp_session *s = realloc(ss->s, cap * sizeof(*s));
		if (!s)
			abort();
		ss->s = s;
		ss->scap = cap;
	}
	struct rp_session *s = &ss->s[ss->ns++];
	memset(s, 0, sizeof(*s));
	s->type = type;
	s->ring = r;
	s->host_idx = r->host_idx;
	s->start_ns = t;
	return s;
}

static void add_root(struct rp_session *s, size_t p)
{
	for (size_t i = 0; i < s->nroots; i++)
		if (s->roots[i] == p)
			return;
	size_t *v = realloc(s->roots, (s->nroots + 1) * sizeof(*v));
	if (!v)
		abort();
	s->roots = v;
	s->roots[s->nroots++] = p;
}

static const char *base(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

static bool argv_matches(const struct rp_proc *p, const char *command)
{
	struct fdr_buf b = FDR_BUF_INIT;
	bool ok;

	if (!*command)
		return true;
	for (uint32_t i = 0; i < p->argc; i++) {
		if (i)
			fdr_buf_addc(&b, ' ');
		fdr_buf_adds(&b, p->argv[i]);
	}
	ok = b.p && !strcmp(b.p, command);
	if (!ok) {
		/* "sh -c x" vs exe /bin/sh: compare the first word's base name. */
		char first[256];
		size_t n = strcspn(command, " ");
		snprintf(first, sizeof(first), "%.*s", (int)(n < 255 ? n : 255), command);
		ok = (p->exe && !strcmp(base(p->exe), base(first))) ||
		     (p->argc && !strcmp(base(p->argv[0]), base(first)));
	}
	fdr_buf_release(&b);
	return ok;
}

/* The process a docker exec / pods/exec started: a root (no known parent)
 * in a matching ring, starting within [t - 2s, t + 10s], closest in time. */
static size_t find_exec_root(const struct rp_tree *t, const struct mark *m, bool k8s)
{
	size_t best = RP_NONE;
	uint64_t best_d = UINT64_MAX;

	for (size_t k = 0; k < rp_tree_nroots(t); k++) {
		size_t i = rp_tree_root(t, k);
		const struct rp_proc *p = rp_tree_proc(t, i);
		const struct rp_ring *r = p->ring;
		if (r->is_host || p->link_label)
			continue;
		if (k8s) {
			if (strcmp(r->meta->pod, m->name) || strcmp(r->meta->namespace_, m->ns))
				continue;
		} else {
			if (p->host_idx != m->ring->host_idx)
				continue;
			if (!(*m->container && !strncmp(r->container, m->container, strlen(m->container))) &&
			    !(*m->name && !strcmp(r->name, m->name)))
				continue;
		}
		if (p->start_ns + 2 * NS < m->time_ns || p->start_ns > m->time_ns + 10 * NS)
			continue;
		if (!argv_matches(p, m->command))
			continue;
		uint64_t d = p->start_ns > m->time_ns ? p->start_ns - m->time_ns : m->time_ns - p->start_ns;
		if (d < best_d) {
			best_d = d;
			best = i;
		}
	}
	return best;
}

/* Processes that ran `docker|podman|nerdctl ... exec ...`: the only
 * candidates for a docker exec's client (found once, not per exec). */
static size_t *exec_clients(const struct rp_tree *t, size_t *n)
{
	size_t *v = NULL, cap = 0;

	*n = 0;
	for (size_t i = 0; i < rp_tree_nprocs(t); i++) {
		const struct rp_proc *p = rp_tree_proc(t, i);
		if (p->argc < 3)
			continue;
		const char *b0 = base(p->argv[0]);
		if (strcmp(b0, "docker") && strcmp(b0, "podman") && strcmp(b0, "nerdctl"))
			continue;
		bool exec = false;
		for (uint32_t a = 1; a < p->argc && !exec; a++)
			exec = !strcmp(p->argv[a], "exec");
		if (!exec)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			v = realloc(v, cap * sizeof(*v));
			if (!v)
				abort();
		}
		v[(*n)++] = i;
	}
	return v;
}

/* The client that named the container and started at most 30 s before. */
static size_t find_exec_client(const struct rp_tree *t, const size_t *cands, size_t ncands,
			       const struct mark *m)
{
	size_t best = RP_NONE;

	for (size_t c = 0; c < ncands; c++) {
		const struct rp_proc *p = rp_tree_proc(t, cands[c]);
		if (p->host_idx != m->ring->host_idx)
			continue;
		if (p->start_ns > m->time_ns || p->start_ns + 30 * NS < m->time_ns)
			continue;
		bool named = false;
		for (uint32_t a = 1; a < p->argc && !named; a++) {
			const char *s = p->argv[a];
			named = (*m->name && !strcmp(s, m->name)) ||
				(strlen(s) >= 4 && !strncmp(m->container, s, strlen(s)));
		}
		if (named && (best == RP_NONE || rp_tree_proc(t, best)->start_ns <= p->start_ns))
			best = cands[c];
	}
	return best;
}

static int session_cmp(const void *a, const void *b)
{
	const struct rp_session *x = a, *y = b;

	if (x->start_ns != y->start_ns)
		return x->start_ns < y->start_ns ? -1 : 1;
	return x->host_idx < y->host_idx ? -1 : x->host_idx > y->host_idx;
}

static uint64_t skey(unsigned host, uint64_t id)
{
	return ((uint64_t)host << 32) ^ (id & 0xffffffffu);
}

/* The session a process belongs to: by its audit session id, or (sessions
 * whose login had no id) as a child of the sshd that logged in. */
static size_t session_of(const struct rp_sessions *ss, const struct u64map *by_sid,
			 const struct u64map *by_lpid, const struct rp_proc *p)
{
	uint64_t k;

	if (p->has_session)
		return u64map_get(by_sid, skey(p->host_idx, p->sessionid), &k) &&
			       ss->s[k].sessionid == p->sessionid ? (size_t)k : RP_NONE;
	if (p->ppid && u64map_get(by_lpid, skey(p->host_idx, p->ppid), &k) &&
	    ss->s[k].login_pid == p->ppid && p->start_ns >= ss->s[k].start_ns)
		return (size_t)k;
	return RP_NONE;
}

void rp_sessions_finish(struct rp_sessions *ss)
{
	struct rp_tree *t = ss->tree;

	rp_tree_finish(t);
	/* ssh logins. */
	for (size_t i = 0; i < ss->nm; i++) {
		const struct mark *m = &ss->m[i];
		if (m->kind != FDR_SSH_LOGIN || !m->success)
			continue;
		struct rp_session *s = new_session(ss, "ssh", m->ring, m->time_ns);
		s->user = dupc(m->user);
		s->addr = dupc(m->addr);
		s->port = m->port;
		s->method = dupc(m->method);
		s->detail = dupc("");
		s->has_sessionid = m->has_sessionid;
		s->sessionid = m->sessionid;
		s->login_pid = m->pid;
		for (size_t k = 0; k < i; k++) {
			const struct mark *f = &ss->m[k];
			if (f->kind == FDR_SSH_LOGIN && !f->success && f->ring->host_idx == m->ring->host_idx &&
			    !strcmp(f->addr, m->addr) && f->time_ns + 3600 * NS >= m->time_ns)
				s->failures_before++;
		}
		for (size_t k = i + 1; k < ss->nm; k++) {
			const struct mark *o = &ss->m[k];
			if (o->kind == FDR_SSH_LOGOUT && o->ring->host_idx == m->ring->host_idx &&
			    ((m->has_sessionid && o->has_sessionid && o->sessionid == m->sessionid) ||
			     (m->pid && o->pid == m->pid))) {
				s->end_ns = o->time_ns;
				break;
			}
		}
	}
	/* Index sessions by (host, audit session id) and by (host, sshd pid):
	 * hostile input may hold millions of processes and session ids. */
	struct u64map by_sid = U64MAP_INIT, by_lpid = U64MAP_INIT;
	for (size_t k = 0; k < ss->ns; k++) {
		const struct rp_session *s = &ss->s[k];
		if (s->has_sessionid)
			u64map_put(&by_sid, skey(s->host_idx, s->sessionid), k);
		else if (s->login_pid)
			u64map_put(&by_lpid, skey(s->host_idx, s->login_pid), k);
	}
	/* Sessions by audit id without a recorded login. */
	for (size_t i = 0; i < rp_tree_nprocs(t); i++) {
		const struct rp_proc *p = rp_tree_proc(t, i);
		if (!p->has_session || u64map_get(&by_sid, skey(p->host_idx, p->sessionid), NULL))
			continue;
		u64map_put(&by_sid, skey(p->host_idx, p->sessionid), ss->ns);
		struct rp_session *s = new_session(ss, "login", p->ring, p->start_ns);
		char u[32];
		snprintf(u, sizeof(u), "uid %" PRIu64, p->loginuid);
		s->user = dupc(u);
		s->addr = dupc(p->tty ? p->tty : "");
		s->method = dupc("");
		s->detail = dupc("");
		s->has_sessionid = true;
		s->sessionid = p->sessionid;
	}
	/* Members: the topmost processes of each session. */
	for (size_t i = 0; i < rp_tree_nprocs(t); i++) {
		const struct rp_proc *p = rp_tree_proc(t, i);
		size_t k = session_of(ss, &by_sid, &by_lpid, p);
		if (k == RP_NONE)
			continue;
		/* Not when an ancestor is in it already (a process between them
		 * may lack the session id, e.g. a partial exec record). */
		bool under = false;
		size_t a = p->parent;
		for (unsigned depth = 0; a != RP_NONE && depth < 64 && !under; depth++) {
			const struct rp_proc *ap = rp_tree_proc(t, a);
			under = session_of(ss, &by_sid, &by_lpid, ap) == k ||
				(ap->pid == ss->s[k].login_pid && ap->host_idx == ss->s[k].host_idx);
			a = ap->parent;
		}
		if (under)
			continue;
		struct rp_session *s = &ss->s[k];
		add_root(s, i);
		if (p->start_ns < s->start_ns && s->type[0] == 'l')
			s->start_ns = p->start_ns;
	}
	u64map_release(&by_sid);
	u64map_release(&by_lpid);
	/* docker exec and pods/exec. */
	size_t ncands;
	size_t *cands = exec_clients(t, &ncands);
	for (size_t i = 0; i < ss->nm; i++) {
		const struct mark *m = &ss->m[i];
		if (m->kind != FDR_DOCKER && m->kind != FDR_K8S_AUDIT)
			continue;
		bool k8s = m->kind == FDR_K8S_AUDIT;
		size_t root = find_exec_root(t, m, k8s);
		char label[512];
		if (k8s)
			snprintf(label, sizeof(label), "kubectl exec into pod %s/%s by %s (inferred from timing): %s",
				 m->ns, m->name, m->user, m->command);
		else
			snprintf(label, sizeof(label), "docker exec into %s%s%s%s (inferred from timing): %s",
				 *m->name ? m->name : m->container, *m->image ? " (" : "", m->image,
				 *m->image ? ")" : "", m->command);
		size_t client = k8s ? RP_NONE : find_exec_client(t, cands, ncands, m);
		if (root != RP_NONE && client != RP_NONE) {
			rp_tree_link(t, client, root, label);
			continue;
		}
		struct rp_session *s = new_session(ss, k8s ? "pods/exec" : "docker exec", m->ring, m->time_ns);
		s->user = dupc(m->user);
		s->addr = dupc(m->addr);
		s->method = dupc(m->command);
		s->detail = dupc(k8s ? m->name : (*m->name ? m->name : m->container));
		if (root != RP_NONE)
			add_root(s, root);
	}
	free(cands);
	if (ss->ns > 1)
		qsort(ss->s, ss->ns, sizeof(*ss->s), session_cmp);
}

size_t rp_sessions_count(const struct rp_sessions *ss)
{
	return ss->ns;
}

const struct rp_session *rp_sessions_get(const struct rp_sessions *ss, size_t i)
{
	return i < ss->ns ? &ss->s[i] : NULL;
}

const struct rp_tree *rp_sessions_tree(const struct rp_sessions *ss)
{
	return ss->tree;
}

static void esc(struct fdr_buf *b, const char *s)
{
	fdr_buf_add_escaped(b, s, strlen(s));
}

static void jstr(struct fdr_buf *b, const char *s)
{
	fdr_buf_add_json_str(b, s, strlen(s));
}

uint64_t rp_sessions_dropped(const struct rp_sessions *ss)
{
	return ss->marks_dropped;
}

void rp_sessions_format(const struct rp_sessions *ss, struct fdr_buf *b)
{
	char tb[RP_TIME_MAX];

	if (ss->marks_dropped)
		fdr_buf_addf(b, "(%" PRIu64 " more login/exec events were not analysed: narrow the filters)\n\n",
			     ss->marks_dropped);

	for (size_t k = 0; k < ss->ns; k++) {
		const struct rp_session *s = &ss->s[k];
		fdr_buf_addf(b, "session %zu: %s ", k + 1, s->type);
		if (*s->user)
			esc(b, s->user);
		if (*s->addr) {
			fdr_buf_adds(b, !strcmp(s->type, "login") ? " on " : " from ");
			esc(b, s->addr);
			if (s->port)
				fdr_buf_addf(b, ":%" PRIu64, s->port);
		}
		if (*s->method && !strcmp(s->type, "ssh")) {
			fdr_buf_adds(b, " (");
			esc(b, s->method);
			fdr_buf_adds(b, ")");
		}
		if (*s->detail) {
			fdr_buf_adds(b, " into ");
			esc(b, s->detail);
		}
		if (*s->method && strcmp(s->type, "ssh")) {
			fdr_buf_adds(b, ": ");
			esc(b, s->method);
		}
		fdr_buf_adds(b, " on host ");
		esc(b, s->ring->host);
		fdr_buf_addf(b, "\n  start    %s", rp_time_format(s->start_ns, tb));
		if (s->failures_before)
			fdr_buf_addf(b, " (after %u failed attempt%s from the same address)", s->failures_before,
				     s->failures_before > 1 ? "s" : "");
		if (s->end_ns)
			fdr_buf_addf(b, "\n  end      %s", rp_time_format(s->end_ns, tb));
		else
			fdr_buf_adds(b, "\n  end      (still open when the recording ends)");
		if (s->has_sessionid)
			fdr_buf_addf(b, "\n  audit session %" PRIu64, s->sessionid);
		fdr_buf_addc(b, '\n');
		if (!s->nroots)
			fdr_buf_adds(b, "  (no process of it was recorded)\n");
		for (size_t r = 0; r < s->nroots; r++)
			rp_tree_format_proc(ss->tree, s->roots[r], 1, b);
		fdr_buf_addc(b, '\n');
	}
}

void rp_sessions_format_json(const struct rp_sessions *ss, struct fdr_buf *b)
{
	char tb[RP_TIME_MAX];

	for (size_t k = 0; k < ss->ns; k++) {
		const struct rp_session *s = &ss->s[k];
		fdr_buf_adds(b, "{\"type\":");
		jstr(b, s->type);
		fdr_buf_adds(b, ",\"host\":");
		jstr(b, s->ring->host);
		fdr_buf_adds(b, ",\"user\":");
		jstr(b, s->user);
		fdr_buf_adds(b, ",\"addr\":");
		jstr(b, s->addr);
		if (s->port)
			fdr_buf_addf(b, ",\"port\":%" PRIu64, s->port);
		fdr_buf_adds(b, !strcmp(s->type, "ssh") ? ",\"method\":" : ",\"command\":");
		jstr(b, s->method);
		if (*s->detail) {
			fdr_buf_adds(b, ",\"target\":");
			jstr(b, s->detail);
		}
		fdr_buf_addf(b, ",\"start\":\"%s\"", rp_time_format(s->start_ns, tb));
		if (s->end_ns)
			fdr_buf_addf(b, ",\"end\":\"%s\"", rp_time_format(s->end_ns, tb));
		if (s->has_sessionid)
			fdr_buf_addf(b, ",\"sessionid\":%" PRIu64, s->sessionid);
		fdr_buf_addf(b, ",\"failed_before\":%u,\"processes\":[", s->failures_before);
		for (size_t r = 0; r < s->nroots; r++) {
			if (r)
				fdr_buf_addc(b, ',');
			rp_tree_format_proc_json(ss->tree, s->roots[r], b);
		}
		fdr_buf_adds(b, "]}\n");
	}
}
