/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kind and field tables. The names are the JSON contract of DESIGN.md
 * ("JSON lines"); the numbers are the on-disk ids of SPEC.md.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fdr-event.h"

static const char *const kind_names[FDR_KIND_MAX] = {
	[FDR_PROC_FORK] = "proc.fork",
	[FDR_PROC_EXEC] = "proc.exec",
	[FDR_PROC_EXIT] = "proc.exit",
	[FDR_PROC_UID] = "proc.uid",
	[FDR_FILE_CREATE] = "file.create",
	[FDR_FILE_MODIFY] = "file.modify",
	[FDR_FILE_DELETE] = "file.delete",
	[FDR_FILE_RENAME] = "file.rename",
	[FDR_FILE_ATTRIB] = "file.attrib",
	[FDR_FILE_EXEC] = "file.exec",
	[FDR_FILE_OPEN] = "file.open",
	[FDR_NET_CONNECT] = "net.connect",
	[FDR_NET_ACCEPT] = "net.accept",
	[FDR_NET_CLOSE] = "net.close",
	[FDR_NET_LISTEN] = "net.listen",
	[FDR_DNS_QUERY] = "dns.query",
	[FDR_DNS_ANSWER] = "dns.answer",
	[FDR_DOCKER] = "docker",
	[FDR_SSH_LOGIN] = "ssh.login",
	[FDR_SSH_LOGOUT] = "ssh.logout",
	[FDR_SUDO_CMD] = "sudo.cmd",
	[FDR_K8S_AUDIT] = "k8s.audit",
	[FDR_USER_CMD] = "user.cmd",
	[FDR_REC_START] = "rec.start",
	[FDR_REC_STOP] = "rec.stop",
	[FDR_REC_GAP] = "rec.gap",
	[FDR_REC_WRAP] = "rec.wrap",
};

struct field_info {
	const char *name;
	enum fdr_type type;
};

static const struct field_info fields[FDR_F_MAX] = {
	[FDR_F_PID] = { "pid", FDR_T_U64 },
	[FDR_F_PPID] = { "ppid", FDR_T_U64 },
	[FDR_F_VPID] = { "vpid", FDR_T_U64 },
	[FDR_F_TID] = { "tid", FDR_T_U64 },
	[FDR_F_COMM] = { "comm", FDR_T_STR },
	[FDR_F_EXE] = { "exe", FDR_T_STR },
	[FDR_F_ARGV] = { "argv", FDR_T_STRV },
	[FDR_F_CWD] = { "cwd", FDR_T_STR },
	[FDR_F_UID] = { "uid", FDR_T_U64 },
	[FDR_F_GID] = { "gid", FDR_T_U64 },
	[FDR_F_EUID] = { "euid", FDR_T_U64 },
	[FDR_F_EGID] = { "egid", FDR_T_U64 },
	[FDR_F_LOGINUID] = { "loginuid", FDR_T_U64 },
	[FDR_F_SESSIONID] = { "sessionid", FDR_T_U64 },
	[FDR_F_TTY] = { "tty", FDR_T_STR },
	[FDR_F_EXIT_CODE] = { "exit_code", FDR_T_I64 },
	[FDR_F_SIGNAL] = { "signal", FDR_T_U64 },
	[FDR_F_CGROUP] = { "cgroup", FDR_T_STR },
	[FDR_F_PCOMM] = { "pcomm", FDR_T_STR },
	[FDR_F_PATH] = { "path", FDR_T_STR },
	[FDR_F_NEW_PATH] = { "new_path", FDR_T_STR },
	[FDR_F_HOST_PATH] = { "host_path", FDR_T_STR },
	[FDR_F_COUNT] = { "count", FDR_T_U64 },
	[FDR_F_MODE] = { "mode", FDR_T_U64 },
	[FDR_F_PROTO] = { "proto", FDR_T_STR },
	[FDR_F_SRC] = { "src", FDR_T_ADDR },
	[FDR_F_SPORT] = { "sport", FDR_T_U64 },
	[FDR_F_DST] = { "dst", FDR_T_ADDR },
	[FDR_F_DPORT] = { "dport", FDR_T_U64 },
	[FDR_F_BYTES] = { "bytes", FDR_T_U64 },
	[FDR_F_PACKETS] = { "packets", FDR_T_U64 },
	[FDR_F_IFACE] = { "iface", FDR_T_STR },
	[FDR_F_NAME] = { "name", FDR_T_STR },
	[FDR_F_QTYPE] = { "qtype", FDR_T_STR },
	[FDR_F_ANSWERS] = { "answers", FDR_T_STRV },
	[FDR_F_RCODE] = { "rcode", FDR_T_U64 },
	[FDR_F_DURATION] = { "duration_ns", FDR_T_U64 },
	[FDR_F_ACTION] = { "action", FDR_T_STR },
	[FDR_F_IMAGE] = { "image", FDR_T_STR },
	[FDR_F_CONTAINER] = { "target_container", FDR_T_STR },
	[FDR_F_COMMAND] = { "command", FDR_T_STR },
	[FDR_F_EXEC_ID] = { "exec_id", FDR_T_STR },
	[FDR_F_LABELS] = { "labels", FDR_T_STRV },
	[FDR_F_USER] = { "user", FDR_T_STR },
	[FDR_F_ADDR] = { "addr", FDR_T_STR },
	[FDR_F_PORT] = { "port", FDR_T_U64 },
	[FDR_F_METHOD] = { "method", FDR_T_STR },
	[FDR_F_RESULT] = { "result", FDR_T_STR },
	[FDR_F_RUNAS] = { "runas", FDR_T_STR },
	[FDR_F_REASON] = { "reason", FDR_T_STR },
	[FDR_F_VERB] = { "verb", FDR_T_STR },
	[FDR_F_GROUPS] = { "groups", FDR_T_STRV },
	[FDR_F_RESOURCE] = { "resource", FDR_T_STR },
	[FDR_F_SUBRESOURCE] = { "subresource", FDR_T_STR },
	[FDR_F_NAMESPACE] = { "namespace", FDR_T_STR },
	[FDR_F_CODE] = { "code", FDR_T_I64 },
	[FDR_F_SOURCE_IPS] = { "source_ips", FDR_T_STRV },
	[FDR_F_STAGE] = { "stage", FDR_T_STR },
	[FDR_F_IMPERSONATED] = { "impersonated_user", FDR_T_STR },
	[FDR_F_AUDIT_ID] = { "audit_id", FDR_T_STR },
	[FDR_F_URI] = { "request_uri", FDR_T_STR },
	[FDR_F_USER_AGENT] = { "user_agent", FDR_T_STR },
	[FDR_F_EXEC_COMMAND] = { "exec_command", FDR_T_STRV },
	[FDR_F_POD_FLAGS] = { "pod_flags", FDR_T_STRV },
	[FDR_F_SOURCE] = { "source", FDR_T_STR },
	[FDR_F_LOST] = { "lost", FDR_T_U64 },
	[FDR_F_FROM] = { "from", FDR_T_U64 },
	[FDR_F_TO] = { "to", FDR_T_U64 },
	[FDR_F_VERSION] = { "version", FDR_T_STR },
	[FDR_F_SEQ] = { "seq", FDR_T_U64 },
};

const char *fdr_kind_name(unsigned kind)
{
	return kind < FDR_KIND_MAX ? kind_names[kind] : NULL;
}

unsigned fdr_kind_from_name(const char *name)
{
	if (!strncmp(name, "docker.", 7) || !strcmp(name, "docker"))
		return FDR_DOCKER;
	for (unsigned k = 1; k < FDR_KIND_MAX; k++)
		if (kind_names[k] && !strcmp(kind_names[k], name))
			return k;
	return 0;
}

const char *fdr_field_name(unsigned field)
{
	return field < FDR_F_MAX ? fields[field].name : NULL;
}

unsigned fdr_field_from_name(const char *name)
{
	for (unsigned f = 1; f < FDR_F_MAX; f++)
		if (fields[f].name && !strcmp(fields[f].name, name))
			return f;
	return 0;
}

enum fdr_type fdr_field_type(unsigned field)
{
	return field < FDR_F_MAX ? fields[field].type : FDR_T_NONE;
}

void fdr_event_set_cstr(struct fdr_event *ev, unsigned f, const char *s)
{
	if (s)
		fdr_event_set_str(ev, f, s, strlen(s));
}

bool fdr_str_eq(struct fdr_str s, const char *c)
{
	size_t n = strlen(c);

	return s.len == n && (n == 0 || memcmp(s.p, c, n) == 0);
}

int fdr_addr_parse(struct fdr_addr *a, const char *s)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->b) == 1) {
		a->family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->b) == 1) {
		a->family = 6;
		return 0;
	}
	return -EINVAL;
}

const char *fdr_addr_format(const struct fdr_addr *a, char *buf, size_t size)
{
	int af = a->family == 6 ? AF_INET6 : AF_INET;

	if ((a->family != 4 && a->family != 6) || !inet_ntop(af, a->b, buf, (socklen_t)size))
		snprintf(buf, size, "?");
	return buf;
}
