// SPDX-License-Identifier: Apache-2.0
/* Reading /proc/<pid>: see rec-procfs.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rec-procfs.h"

/* One read: procfs fills the buffer in one call (seq_file and cmdline
 * alike), so a second read for end of file would be a wasted syscall on
 * the hot path; a full buffer means truncated, which callers cap anyway. */
static ssize_t read_path(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size);
	close(fd);
	return n;
}

static bool link_path(const char *path, char *buf, size_t size)
{
	ssize_t n = readlink(path, buf, size - 1);

	if (n <= 0)
		return false;
	buf[n] = '\0';
	return true;
}

void rec_procfs_split_argv(struct rec_procinfo *pi, size_t len)
{
	size_t i = 0;

	pi->argc = 0;
	pi->argv_truncated = false;
	/* A trailing NUL ends the last argument; without one (truncated or
	 * rewritten by the process) the last argument runs to the end. */
	while (i < len) {
		const char *s = pi->args + i, *z = memchr(s, '\0', len - i);
		size_t n = z ? (size_t)(z - s) : len - i;

		if (pi->argc == REC_ARGV_MAX) {
			pi->argv_truncated = true;
			break;
		}
		pi->argv[pi->argc].p = s;
		pi->argv[pi->argc].len = (uint32_t)n;
		pi->argc++;
		i += n + 1;
	}
}

static const char *status_field(const char *buf, size_t len, const char *key)
{
	size_t k = strlen(key);

	for (size_t i = 0; i + k < len;) {
		if (memcmp(buf + i, key, k) == 0)
			return buf + i + k;
		const char *nl = memchr(buf + i, '\n', len - i);

		if (!nl)
			break;
		i = (size_t)(nl - buf) + 1;
	}
	return NULL;
}

/* Up to n unsigned numbers separated by blanks, stopping at a newline. */
static int parse_uints(const char *p, const char *end, uint32_t *v, int n)
{
	int got = 0;

	while (got < n && p < end && *p != '\n') {
		unsigned long long x = 0;
		bool any = false;

		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		while (p < end && *p >= '0' && *p <= '9') {
			x = x * 10 + (unsigned)(*p++ - '0');
			if (x > UINT32_MAX)
				return -EINVAL;
			any = true;
		}
		if (!any)
			break;
		v[got++] = (uint32_t)x;
	}
	return got;
}

int rec_procfs_parse_status(const char *buf, size_t len, struct rec_procinfo *pi)
{
	const char *end = buf + len, *p;
	uint32_t v[4];

	p = status_field(buf, len, "Name:\t");
	if (!p)
		return -EINVAL;
	{
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		/* comm is escaped by the kernel here ("\n" for a newline);
		 * keep it as is, capped to the kernel's 15 bytes plus slack. */
		if (n >= sizeof(pi->comm))
			n = sizeof(pi->comm) - 1;
		memcpy(pi->comm, p, n);
		pi->comm[n] = '\0';
	}
	p = status_field(buf, len, "PPid:");
	if (!p || parse_uints(p, end, v, 1) != 1)
		return -EINVAL;
	pi->ppid = (pid_t)v[0];
	p = status_field(buf, len, "Uid:");
	if (!p || parse_uints(p, end, v, 4) < 2)
		return -EINVAL;
	pi->uid = v[0];
	pi->euid = v[1];
	p = status_field(buf, len, "Gid:");
	if (!p || parse_uints(p, end, v, 4) < 2)
		return -EINVAL;
	pi->gid = v[0];
	pi->egid = v[1];
	return 0;
}

static bool read_u32(const char *path, uint32_t *out)
{
	char buf[32];
	ssize_t n = read_path(path, buf, sizeof(buf) - 1);
	uint32_t v[1];

	if (n <= 0)
		return false;
	if (parse_uints(buf, buf + n, v, 1) != 1)
		return false;
	*out = v[0];
	return true;
}

unsigned rec_procfs_read(pid_t pid, unsigned what, struct rec_procinfo *pi)
{
	char path[64], buf[4096], *name;
	unsigned got = 0;
	ssize_t n;
	int len;

	pi->pid = pid;
	len = snprintf(path, sizeof(path), "/proc/%d/", (int)pid);
	name = path + len;
#define P(s) (memcpy(name, s, sizeof(s)), path)
	if (what & REC_PI_ARGV) {
		n = read_path(P("cmdline"), pi->args, sizeof(pi->args));
		if (n > 0) {
			rec_procfs_split_argv(pi, (size_t)n);
			if ((size_t)n == sizeof(pi->args))
				pi->argv_truncated = true;
			got |= REC_PI_ARGV;
		}
	}
	/* cgroup after cmdline, before exe: an exiting task leaves its cgroups
	 * (cgroup_exit: it then reads as the root, i.e. the host) only after
	 * it lost its memory (exit_mm), and exe needs that memory: when exe
	 * still reads after this, this read was live. */
	if (what & REC_PI_CGROUP) {
		n = read_path(P("cgroup"), buf, sizeof(buf));
		if (n > 0 && rec_cgroup_parse_file(buf, (size_t)n, &pi->cg) >= 0)
			got |= REC_PI_CGROUP;
	}
	if ((what & REC_PI_EXE) && link_path(P("exe"), pi->exe, sizeof(pi->exe)))
		got |= REC_PI_EXE;
	if ((what & REC_PI_CWD) && link_path(P("cwd"), pi->cwd, sizeof(pi->cwd)))
		got |= REC_PI_CWD;
	if (what & REC_PI_STATUS) {
		n = read_path(P("status"), buf, sizeof(buf));
		if (n > 0 && rec_procfs_parse_status(buf, (size_t)n, pi) == 0)
			got |= REC_PI_STATUS;
	}
	if ((what & REC_PI_LOGIN) && read_u32(P("loginuid"), &pi->loginuid) &&
	    read_u32(P("sessionid"), &pi->sessionid))
		got |= REC_PI_LOGIN;
#undef P
	return got;
}
