/* SPDX-License-Identifier: Apache-2.0 */
#ifndef AUTH_PARSE_H
#define AUTH_PARSE_H

/*
 * auth-parse: decoders for what sshd, sudo and PAM leave behind, turned into
 * fdr events (ssh.login, ssh.logout, sudo.cmd, user.cmd).
 *
 *  - syslog lines: RFC 3164 ("<38>Nov 23 02:43:48 host sshd[16122]: ...",
 *    with or without PRI, host, pid, year), RFC 3339 / ISO 8601 stamps,
 *    busybox syslogd's "host facility.level tag:" form, journal-ish
 *    "host prog[pid]: msg" without a stamp, CRLF endings;
 *  - sshd messages, also bare as `sshd -E FILE` writes them;
 *  - sudo messages, in syslog and in sudo's own logfile form
 *    ("Nov 23 02:43:34 : user : ..."), after the caller has joined the
 *    continuation lines of a wrapped entry (auth_sudo_unwrap());
 *  - kernel audit records: the text of one netlink message
 *    ("audit(1795401814.304:37): pid=... msg='...'"; rec-audit.h reads the
 *    socket and the datagram framing) or a log-file line
 *    ("type=USER_CMD msg=audit(...): ..."), with quoted, hex-encoded and
 *    nested msg='...' values, assembled into events with a little state
 *    (sudo's runas user comes in the record after USER_CMD).
 *
 * All input is untrusted: every parser is bounded by the length it is given,
 * never reads past it, and never needs a NUL terminator. Nothing here does
 * I/O, logs or allocates except auth_audit_asm_new().
 *
 * Event memory: an event is built in a struct auth_ev, which holds a copy of
 * every string it points to, so it outlives the input line.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fdr-event.h"

/* ---- events that own their strings ---------------------------------- */

#define AUTH_EV_STORE 4096	/* bytes for the strings of one event */
#define AUTH_LINE_MAX 65536	/* longest line or record any parser looks at */

struct auth_ev {
	struct fdr_event ev;
	size_t used;
	char store[AUTH_EV_STORE];
};

/* Start an empty event of a kind and time. */
void auth_ev_init(struct auth_ev *e, unsigned kind, uint64_t time_ns);
/* Copy p[0..n) into the event as string field f; truncated when the store is
 * full (then FDR_EVF_PARTIAL is set). */
void auth_ev_str(struct auth_ev *e, unsigned f, const char *p, size_t n);
/* Copy a C string; NULL leaves the field unset. */
void auth_ev_cstr(struct auth_ev *e, unsigned f, const char *s);
/* Deep copy of an event (strings re-homed into dst's store). */
void auth_ev_copy(struct auth_ev *dst, const struct auth_ev *src);

/* Receives each event a decoder produces; the event is valid for the call. */
typedef void (*auth_emit_fn)(void *arg, const struct auth_ev *ev);

/* ---- syslog framing ------------------------------------------------- */

struct auth_syslog {
	uint64_t time_ns;	/* 0 when the line has no time stamp */
	bool subsec;		/* the stamp had a fraction of a second */
	int pri;		/* -1 when absent */
	struct fdr_str host;	/* empty when absent */
	struct fdr_str prog;	/* "sshd", "sudo", "sshd-session"; empty when no tag */
	uint64_t pid;		/* 0 when absent */
	struct fdr_str msg;	/* what follows "prog[pid]: "; the whole line when no tag */
	bool sudo_logfile;	/* "STAMP : user : ..." (sudo's logfile); msg = "user : ..." */
};

/*
 * Split one line (without its newline; a trailing CR is ignored). Stamps
 * without a year take the year of now_ns, or the year before when that puts
 * them more than a day in the future; they are read as local time. Returns 0
 * (every line splits: at worst msg is the whole line) or -EINVAL on a NULL
 * or over-long line. Pointers in *out point into p.
 */
int auth_syslog_split(const char *p, size_t n, uint64_t now_ns, struct auth_syslog *out);

/* Parse a time stamp at the start of p: RFC 3164 "Mmm dd hh:mm:ss[ yyyy]",
 * ISO 8601 "yyyy-mm-ddThh:mm:ss[.f][Z|+hh:mm]" (also with a space for T and
 * "+hhmm"). Returns the bytes used (0 when none) and the time in *ns. */
size_t auth_parse_stamp(const char *p, size_t n, uint64_t now_ns, uint64_t *ns, bool *subsec);

/* ---- sshd ----------------------------------------------------------- */

enum auth_ssh_type {
	AUTH_SSH_OTHER = 0,
	AUTH_SSH_ACCEPTED,	/* Accepted <method> for U from A port P */
	AUTH_SSH_FAILED,	/* Failed <method> for [invalid user] U from A port P */
	AUTH_SSH_INVALID_USER,	/* Invalid user U from A [port P] */
	AUTH_SSH_REFUSED,	/* User U from A not allowed because ...; ROOT LOGIN REFUSED */
	AUTH_SSH_PAM_FAILURE,	/* pam_unix(sshd:auth): authentication failure; ... rhost=A user=U */
	AUTH_SSH_PREAUTH_CLOSE,	/* Connection closed/reset by / Disconnected from authenticating|invalid user U A port P */
	AUTH_SSH_DISCONNECTED,	/* Disconnected from user U A port P (end of a session) */
	AUTH_SSH_SESSION_OPEN,	/* pam_unix(sshd:session): session opened for user U */
	AUTH_SSH_SESSION_CLOSE,	/* pam_unix(sshd:session): session closed for user U */
	AUTH_SSH_CONN_CLOSED,	/* Connection closed by A port P (no user) */
	AUTH_SSH_NEGOTIATE,	/* Unable to negotiate with A port P: ... */
};

struct auth_ssh_msg {
	enum auth_ssh_type type;
	bool invalid_user;	/* sshd said the user does not exist */
	bool ambiguous;		/* client-sent text held another "from ADDR port N" */
	struct fdr_str user, addr, method, reason;
	uint64_t port;		/* 0 when absent */
};

/* Classify one sshd message (the part after "sshd[pid]: "). Returns 0 with
 * type AUTH_SSH_OTHER for messages it does not know. Pointers into msg. */
int auth_sshd_parse(const char *msg, size_t n, struct auth_ssh_msg *out);

/*
 * The event for a classified message, if it makes one: ACCEPTED, FAILED,
 * INVALID_USER and REFUSED give ssh.login (result success / failure /
 * invalid_user), DISCONNECTED gives ssh.logout; the rest give none (they
 * restate an attempt another line already reported). pid is the sshd pid
 * (0 when unknown). An ambiguous message gives an FDR_EVF_UNCERTAIN event.
 * Returns 1 when *out holds an event, else 0.
 */
int auth_sshd_event(const struct auth_ssh_msg *m, uint64_t time_ns, uint64_t pid,
		    struct auth_ev *out);

/* ---- sudo ----------------------------------------------------------- */

struct auth_sudo_msg {
	struct fdr_str user, reason, tty, cwd, runas, command, host;
	bool denied;		/* a reason was given ("command not allowed", ...) */
};

/* Parse sudo's message "user : [reason ; ]TTY=.. ; PWD=.. ; USER=.. ;
 * COMMAND=..." (leading blanks allowed). Returns 0, or -EINVAL when it is not
 * a command record (PAM chatter, "unable to resolve host", ...). */
int auth_sudo_parse(const char *msg, size_t n, struct auth_sudo_msg *out);

/* sudo.cmd from a parsed record; result "allowed" or "denied". */
void auth_sudo_event(const struct auth_sudo_msg *m, uint64_t time_ns, uint64_t pid,
		     struct auth_ev *out);

/*
 * Join a sudo logfile entry wrapped over several lines: continuation lines
 * start with four blanks; each join becomes one space, as sudo replaced one.
 * in[0..n) holds the lines separated by '\n'; the result goes to out (at
 * most cap bytes, truncated beyond). Returns the length written.
 */
size_t auth_sudo_unwrap(const char *in, size_t n, char *out, size_t cap);

/* True when a line is the continuation of a wrapped sudo logfile entry. */
bool auth_sudo_is_continuation(const char *p, size_t n);

/* ---- any line of an auth log ---------------------------------------- */

/*
 * Decode one (unwrapped) line from auth.log, secure, a sudo logfile, an
 * `sshd -E` file or a syslog datagram: at most one event. now_ns completes
 * stamps without a year and is the time used when the line has none.
 * Returns 1 with *out filled, 0 when the line makes no event.
 */
int auth_line_event(const char *p, size_t n, uint64_t now_ns, struct auth_ev *out);

/* ---- kernel audit --------------------------------------------------- */

enum {
	AUTH_AUDIT_LOGIN = 1006,
	AUTH_AUDIT_USER_AUTH = 1100,
	AUTH_AUDIT_USER_ACCT = 1101,
	AUTH_AUDIT_CRED_ACQ = 1103,
	AUTH_AUDIT_CRED_DISP = 1104,
	AUTH_AUDIT_USER_START = 1105,
	AUTH_AUDIT_USER_END = 1106,
	AUTH_AUDIT_USER_ERR = 1109,
	AUTH_AUDIT_CRED_REFR = 1110,
	AUTH_AUDIT_USER_LOGIN = 1112,
	AUTH_AUDIT_USER_LOGOUT = 1113,
	AUTH_AUDIT_USER_CMD = 1123,
	AUTH_AUDIT_SYSCALL = 1300,
	AUTH_AUDIT_EOE = 1320,
};

#define AUTH_AUDIT_MAX_KV 64
#define AUTH_AUDIT_SCRATCH 8192

struct auth_kv {
	struct fdr_str key, val;
	bool quoted;		/* the value was in "..." (a literal string) */
};

struct auth_audit_rec {
	unsigned type;		/* numeric record type (1123 for USER_CMD) */
	uint64_t time_ns;	/* from audit(sec.ms:serial) */
	uint64_t serial;
	unsigned nkv;		/* fields, msg='...' flattened into them */
	struct auth_kv kv[AUTH_AUDIT_MAX_KV];
	size_t scratch_used;	/* decoded hex values live here */
	char scratch[AUTH_AUDIT_SCRATCH];
};

/* Record type number for a name ("USER_CMD"), or for "1123"; 0 if unknown. */
unsigned auth_audit_type_from_name(const char *p, size_t n);

/*
 * Parse one audit record. type is the netlink message type, or 0 when the
 * text carries it ("type=USER_CMD msg=audit(...)"; also "node=x type=..").
 * Returns 0, or -EINVAL when there is no "audit(sec.ms:serial)" stamp.
 * Strings point into p or into rec->scratch.
 */
int auth_audit_parse(const char *p, size_t n, unsigned type, struct auth_audit_rec *rec);

/* The same for a record whose stamp is already parsed (rec-audit.h's
 * rec_audit_parse() of a netlink datagram): body is the text after
 * "audit(...): ". Returns 0 or -EINVAL. */
int auth_audit_parse_body(struct auth_audit_rec *rec, unsigned type, uint64_t time_ns,
			  uint64_t serial, const char *body, size_t n);

/* The value of field key, or NULL. Hex-encoded string fields (acct, cmd, exe,
 * cwd, comm, terminal written as hex) are decoded when decode is true. */
const struct fdr_str *auth_audit_get(struct auth_audit_rec *rec, const char *key, bool decode);
/* Unsigned number of field key (decimal); def when absent or not a number. */
uint64_t auth_audit_u(struct auth_audit_rec *rec, const char *key, uint64_t def);

/*
 * The assembler: turns PAM/sudo records into events, keeping a USER_CMD of
 * sudo until the record that names its target user (CRED_REFR, CRED_ACQ or
 * USER_START of the same pid), and an sshd login until it is known whether
 * it has a pty, or until flushed.
 *   sshd USER_START (session_open) -> ssh.login success (loginuid, sessionid;
 *                                     held for the USER_LOGIN that names a
 *                                     pty, until the session ends or flush)
 *   sshd USER_END (session_close)  -> ssh.logout
 *   sshd USER_LOGIN res=failed     -> ssh.login failure / invalid_user (a
 *                                     repeat from the same pid within 100 ms
 *                                     is the same attempt: dropped)
 *   sudo USER_CMD                  -> sudo.cmd (allowed / denied)
 *   other USER_CMD                 -> user.cmd
 */
struct auth_audit_asm;

/* New assembler that reports events to emit(arg, ev); NULL without memory. */
struct auth_audit_asm *auth_audit_asm_new(auth_emit_fn emit, void *arg);
/* Emit what is pending and free; NULL is fine. */
void auth_audit_asm_free(struct auth_audit_asm *a);
/* Feed one parsed record (the record may be reused after the call). */
void auth_audit_asm_feed(struct auth_audit_asm *a, struct auth_audit_rec *rec);
/* Emit pending commands older than max_age_ns at now_ns (0, 0: all). */
void auth_audit_asm_flush(struct auth_audit_asm *a, uint64_t now_ns, uint64_t max_age_ns);

#endif
