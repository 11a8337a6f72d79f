/* SPDX-License-Identifier: Apache-2.0 */
#ifndef FDR_EVENT_H
#define FDR_EVENT_H

/*
 * fdr-event: the in-memory event model shared by recorder, replay and TUI.
 *
 * An event is a kind, a nanosecond wall-clock time, a few flags and a sparse
 * set of typed fields. Field ids and kind ids are part of the on-disk format
 * (formats/SPEC.md, "Event kinds" and "Fields"): never renumber them, only
 * append.
 *
 * Invariants:
 *  - a field's value is meaningful only when fdr_event_has() says so;
 *  - every field has exactly one type (fdr_field_type()); the setters and
 *    getters check it in debug builds only, so use the matching one;
 *  - strings are byte strings (not NUL-terminated, may hold any byte,
 *    including NUL and invalid UTF-8): print them through an escaper.
 *
 * Ownership: an event never owns memory. Strings and string lists point to
 * memory owned by whoever filled the event (the caller when writing, the
 * block cursor when reading: valid until the cursor's next call). Copy what
 * must outlive that.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---- kinds ------------------------------------------------------------ */

enum fdr_kind {
	FDR_KIND_NONE = 0,

	FDR_PROC_FORK = 1,
	FDR_PROC_EXEC = 2,
	FDR_PROC_EXIT = 3,
	FDR_PROC_UID = 4,	/* uid/gid change (setuid & co) */

	FDR_FILE_CREATE = 8,
	FDR_FILE_MODIFY = 9,
	FDR_FILE_DELETE = 10,
	FDR_FILE_RENAME = 11,
	FDR_FILE_ATTRIB = 12,
	FDR_FILE_EXEC = 13,
	FDR_FILE_OPEN = 14,	/* open for read of a watched path */

	FDR_NET_CONNECT = 16,
	FDR_NET_ACCEPT = 17,
	FDR_NET_CLOSE = 18,
	FDR_NET_LISTEN = 19,
	FDR_DNS_QUERY = 20,
	FDR_DNS_ANSWER = 21,

	FDR_DOCKER = 24,	/* action in FDR_F_ACTION: "create", "exec_start", ... */

	FDR_SSH_LOGIN = 32,
	FDR_SSH_LOGOUT = 33,
	FDR_SUDO_CMD = 34,
	FDR_K8S_AUDIT = 35,
	FDR_USER_CMD = 36,	/* other audited user command (su, login) */

	FDR_REC_START = 56,
	FDR_REC_STOP = 57,
	FDR_REC_GAP = 58,
	FDR_REC_WRAP = 59,

	FDR_KIND_MAX = 64	/* kinds are < 64: block headers carry a kind bitmap */
};

/* ---- event flags (FDR_EVF_*) ------------------------------------------ */

enum {
	FDR_EVF_PARTIAL = 1u << 0,	/* some facts missing (process gone before /proc read) */
	FDR_EVF_UNATTRIBUTED = 1u << 1,	/* could not be tied to a process/container */
	FDR_EVF_UNCERTAIN = 1u << 2,	/* inferred, not observed (e.g. across a gap) */
	FDR_EVF_SCAN = 1u << 3,	/* synthesized from the /proc scan at start */
	FDR_EVF_COALESCED = 1u << 4,	/* stands for FDR_F_COUNT events */
};

/* ---- fields ----------------------------------------------------------- */

enum fdr_type {
	FDR_T_NONE = 0,
	FDR_T_U64,	/* unsigned integer */
	FDR_T_I64,	/* signed integer */
	FDR_T_STR,	/* byte string */
	FDR_T_STRV,	/* list of byte strings */
	FDR_T_ADDR,	/* IPv4 or IPv6 address */
};

/* Field ids; the JSON name of each is fdr_field_name(). */
enum fdr_field {
	FDR_F_NONE = 0,
	/* actor */
	FDR_F_PID = 1,		/* u64: host pid (tgid) */
	FDR_F_PPID = 2,		/* u64: parent host pid */
	FDR_F_VPID = 3,		/* u64: pid as seen in the container's pid namespace */
	FDR_F_TID = 4,		/* u64: thread id where it differs from pid */
	FDR_F_COMM = 5,		/* str */
	FDR_F_EXE = 6,		/* str: absolute path of the executable */
	FDR_F_ARGV = 7,		/* strv */
	FDR_F_CWD = 8,		/* str */
	FDR_F_UID = 9,		/* u64 */
	FDR_F_GID = 10,		/* u64 */
	FDR_F_EUID = 11,	/* u64 */
	FDR_F_EGID = 12,	/* u64 */
	FDR_F_LOGINUID = 13,	/* u64: audit login uid */
	FDR_F_SESSIONID = 14,	/* u64: audit session id */
	FDR_F_TTY = 15,		/* str */
	FDR_F_EXIT_CODE = 16,	/* i64 */
	FDR_F_SIGNAL = 17,	/* u64: terminating / sent signal number */
	FDR_F_CGROUP = 18,	/* str: cgroup path that attributed the event */
	FDR_F_PCOMM = 19,	/* str: parent's comm (known even when the parent is gone) */
	/* files */
	FDR_F_PATH = 24,	/* str: path as the actor sees it (container view) */
	FDR_F_NEW_PATH = 25,	/* str: rename target */
	FDR_F_HOST_PATH = 26,	/* str: path on the host where it differs from PATH */
	FDR_F_COUNT = 27,	/* u64: number of coalesced events */
	FDR_F_MODE = 28,	/* u64 */
	/* network */
	FDR_F_PROTO = 32,	/* str: "tcp", "udp" */
	FDR_F_SRC = 33,		/* addr */
	FDR_F_SPORT = 34,	/* u64 */
	FDR_F_DST = 35,		/* addr */
	FDR_F_DPORT = 36,	/* u64 */
	FDR_F_BYTES = 37,	/* u64: payload bytes seen, both directions */
	FDR_F_PACKETS = 38,	/* u64 */
	FDR_F_IFACE = 39,	/* str */
	FDR_F_NAME = 40,	/* str: DNS name, container or object name */
	FDR_F_QTYPE = 41,	/* str: "A", "AAAA", "TYPE65", ... */
	FDR_F_ANSWERS = 42,	/* strv */
	FDR_F_RCODE = 43,	/* u64: DNS response code */
	FDR_F_DURATION = 44,	/* u64: ns */
	/* docker */
	FDR_F_ACTION = 48,	/* str: docker action: "create", "exec_start", ... */
	FDR_F_IMAGE = 49,	/* str */
	FDR_F_CONTAINER = 50,	/* str: container id an audit event is about */
	FDR_F_COMMAND = 51,	/* str: command line (docker exec, sudo) */
	FDR_F_EXEC_ID = 52,	/* str */
	FDR_F_LABELS = 53,	/* strv: "key=value" */
	/* ssh, sudo */
	FDR_F_USER = 56,	/* str */
	FDR_F_ADDR = 57,	/* str: remote address as logged */
	FDR_F_PORT = 58,	/* u64 */
	FDR_F_METHOD = 59,	/* str: "publickey", "password", ... */
	FDR_F_RESULT = 60,	/* str: "success", "failure", "invalid_user", "allowed", "denied" */
	FDR_F_RUNAS = 61,	/* str */
	FDR_F_REASON = 62,	/* str: free text why (denial reason, gap cause) */
	/* kubernetes audit */
	FDR_F_VERB = 64,	/* str */
	FDR_F_GROUPS = 65,	/* strv */
	FDR_F_RESOURCE = 66,	/* str */
	FDR_F_SUBRESOURCE = 67,	/* str */
	FDR_F_NAMESPACE = 68,	/* str */
	FDR_F_CODE = 69,	/* i64: HTTP response code */
	FDR_F_SOURCE_IPS = 70,	/* strv */
	FDR_F_STAGE = 71,	/* str */
	FDR_F_IMPERSONATED = 72,	/* str: impersonated user */
	FDR_F_AUDIT_ID = 73,	/* str */
	FDR_F_URI = 74,		/* str: request URI */
	FDR_F_USER_AGENT = 75,	/* str */
	FDR_F_EXEC_COMMAND = 76,	/* strv: command of a pods/exec */
	FDR_F_POD_FLAGS = 77,	/* strv: "privileged", "hostPath", "hostNetwork", ... */
	/* recorder */
	FDR_F_SOURCE = 80,	/* str: which source lost events ("proc", "file", ...) */
	FDR_F_LOST = 81,	/* u64: events lost */
	FDR_F_FROM = 82,	/* u64: ns, start of the gap */
	FDR_F_TO = 83,		/* u64: ns, end of the gap */
	FDR_F_VERSION = 84,	/* str: recorder version */
	FDR_F_SEQ = 85,		/* u64: e.g. oldest surviving block after a wrap */

	FDR_F_MAX = 128		/* field ids are < 128 */
};

struct fdr_str {
	const char *p;
	uint32_t len;
};

struct fdr_strv {
	const struct fdr_str *v;
	uint32_t n;
};

struct fdr_addr {
	uint8_t family;		/* 4 or 6 */
	uint8_t b[16];		/* network byte order; 4 bytes used for IPv4 */
};

union fdr_val {
	uint64_t u;
	int64_t i;
	struct fdr_str s;
	struct fdr_strv v;
	struct fdr_addr a;
};

/*
 * The event. Transparent and meant to live on the stack: initialize with
 * fdr_event_init() (or FDR_EVENT_INIT), fill with the setters.
 */
struct fdr_event {
	uint64_t time_ns;	/* wall clock, ns since the Unix epoch, UTC */
	uint16_t kind;		/* enum fdr_kind */
	uint16_t flags;		/* FDR_EVF_* */
	uint64_t has[2];	/* presence bitmap, bit = field id */
	union fdr_val f[FDR_F_MAX];
};

#define FDR_EVENT_INIT { 0, 0, 0, { 0, 0 }, { { 0 } } }

/* ---- metadata tables -------------------------------------------------- */

/* JSON name of a kind ("proc.exec"); NULL for an unknown kind. For
 * FDR_DOCKER the name is "docker" and the action completes it. */
const char *fdr_kind_name(unsigned kind);
/* Kind for a JSON name ("proc.exec"; any "docker.*" gives FDR_DOCKER); 0 if none. */
unsigned fdr_kind_from_name(const char *name);
/* JSON name of a field ("argv"); NULL when unknown. */
const char *fdr_field_name(unsigned field);
/* Field for a JSON name; 0 if none. */
unsigned fdr_field_from_name(const char *name);
/* Type of a field; FDR_T_NONE when unknown. */
enum fdr_type fdr_field_type(unsigned field);

/* ---- lifecycle and setters -------------------------------------------- */

static inline void fdr_event_init(struct fdr_event *ev, unsigned kind, uint64_t time_ns)
{
	ev->time_ns = time_ns;
	ev->kind = (uint16_t)kind;
	ev->flags = 0;
	ev->has[0] = ev->has[1] = 0;
}

static inline bool fdr_event_has(const struct fdr_event *ev, unsigned f)
{
	return f < FDR_F_MAX && (ev->has[f >> 6] >> (f & 63)) & 1;
}

static inline void fdr_event_mark(struct fdr_event *ev, unsigned f)
{
	ev->has[f >> 6] |= (uint64_t)1 << (f & 63);
}

static inline void fdr_event_clear(struct fdr_event *ev, unsigned f)
{
	ev->has[f >> 6] &= ~((uint64_t)1 << (f & 63));
}

static inline void fdr_event_set_u(struct fdr_event *ev, unsigned f, uint64_t v)
{
	ev->f[f].u = v;
	fdr_event_mark(ev, f);
}

static inline void fdr_event_set_i(struct fdr_event *ev, unsigned f, int64_t v)
{
	ev->f[f].i = v;
	fdr_event_mark(ev, f);
}

/* Borrows p[0..len). */
static inline void fdr_event_set_str(struct fdr_event *ev, unsigned f, const char *p, size_t len)
{
	ev->f[f].s.p = p;
	ev->f[f].s.len = (uint32_t)len;
	fdr_event_mark(ev, f);
}

/* Borrows a NUL-terminated string (without its NUL); NULL leaves the field unset. */
void fdr_event_set_cstr(struct fdr_event *ev, unsigned f, const char *s);

/* Borrows the array v[0..n) and what it points to. */
static inline void fdr_event_set_strv(struct fdr_event *ev, unsigned f, const struct fdr_str *v, size_t n)
{
	ev->f[f].v.v = v;
	ev->f[f].v.n = (uint32_t)n;
	fdr_event_mark(ev, f);
}

static inline void fdr_event_set_addr(struct fdr_event *ev, unsigned f, const struct fdr_addr *a)
{
	ev->f[f].a = *a;
	fdr_event_mark(ev, f);
}

/* ---- getters (return the default when the field is absent) ------------ */

static inline uint64_t fdr_event_u(const struct fdr_event *ev, unsigned f, uint64_t def)
{
	return fdr_event_has(ev, f) ? ev->f[f].u : def;
}

static inline int64_t fdr_event_i(const struct fdr_event *ev, unsigned f, int64_t def)
{
	return fdr_event_has(ev, f) ? ev->f[f].i : def;
}

/* An absent string reads as { NULL, 0 }. */
static inline struct fdr_str fdr_event_str(const struct fdr_event *ev, unsigned f)
{
	struct fdr_str none = { NULL, 0 };

	return fdr_event_has(ev, f) ? ev->f[f].s : none;
}

static inline struct fdr_strv fdr_event_strv(const struct fdr_event *ev, unsigned f)
{
	struct fdr_strv none = { NULL, 0 };

	return fdr_event_has(ev, f) ? ev->f[f].v : none;
}

/* ---- helpers ---------------------------------------------------------- */

/* Parse "1.2.3.4" or "::1" into *a; 0 on success, -EINVAL otherwise. */
int fdr_addr_parse(struct fdr_addr *a, const char *s);
/* Format *a into buf (at least 46 bytes); returns buf. */
const char *fdr_addr_format(const struct fdr_addr *a, char *buf, size_t size);

/* Byte-wise equality of a string and a C string. */
bool fdr_str_eq(struct fdr_str s, const char *c);

/* fdr_str from a C string (NULL gives { NULL, 0 }). */
static inline struct fdr_str fdr_str_c(const char *s)
{
	struct fdr_str r = { s, s ? (uint32_t)strlen(s) : 0 };

	return r;
}

#endif
