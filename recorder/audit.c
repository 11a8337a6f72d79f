// SPDX-License-Identifier: Apache-2.0
/* Kernel audit netlink: listener, control, record parsing. See rec-audit.h. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include "rec-audit.h"

int rec_audit_listen(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
				  .nl_groups = 1u << (AUDIT_NLGRP_READLOG - 1) };
	int size = 16 << 20;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_AUDIT);

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

/* Send one request and wait for its ack (and a reply of type want, copied
 * to reply when non-NULL). */
static int request(uint16_t type, const void *data, size_t len, uint16_t want, void *reply,
		   size_t rsize)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { 2, 0 };
	char buf[8192];
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	int fd, err = -ETIMEDOUT, got_reply = !want;

	if (NLMSG_SPACE(len) > sizeof(buf))
		return -EINVAL;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	memset(buf, 0, NLMSG_SPACE(len));
	nh->nlmsg_len = (uint32_t)NLMSG_LENGTH(len);
	nh->nlmsg_type = type;
	nh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nh->nlmsg_seq = 1;
	if (len)
		memcpy(NLMSG_DATA(nh), data, len);
	if (sendto(fd, buf, nh->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = -errno;
		goto out_close;
	}
	for (int rounds = 0; rounds < 16; rounds++) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		int left;

		if (n < 0) {
			err = -errno;
			break;
		}
		left = (int)n;
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, left); nh = NLMSG_NEXT(nh, left)) {
			if (nh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nh);

				if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*e))) {
					err = -EPROTO;
					goto out_close;
				}
				err = e->error;
				if (err < 0 || got_reply)
					goto out_close;
			} else if (nh->nlmsg_type == want && reply) {
				size_t plen = nh->nlmsg_len - NLMSG_HDRLEN;

				memset(reply, 0, rsize);
				memcpy(reply, NLMSG_DATA(nh), plen < rsize ? plen : rsize);
				got_reply = 1;
				err = 0;
				goto out_close;
			}
		}
	}
out_close:
	close(fd);
	return err;
}

int rec_audit_get(struct rec_audit_state *st)
{
	struct audit_status s;
	int err = request(AUDIT_GET, NULL, 0, AUDIT_GET, &s, sizeof(s));

	if (err < 0)
		return err;
	st->enabled = s.enabled;
	st->backlog_limit = s.backlog_limit;
	return 0;
}

int rec_audit_set(uint32_t enabled, uint32_t backlog_limit)
{
	struct audit_status s;

	memset(&s, 0, sizeof(s));
	s.mask = AUDIT_STATUS_ENABLED;
	s.enabled = enabled;
	if (backlog_limit) {
		s.mask |= AUDIT_STATUS_BACKLOG_LIMIT;
		s.backlog_limit = backlog_limit;
	}
	return request(AUDIT_SET, &s, sizeof(s), 0, NULL, 0);
}

int rec_audit_exec_rule(bool add, const char *key)
{
	size_t klen = strlen(key), len = sizeof(struct audit_rule_data) + klen;
	struct audit_rule_data *r;
	int err;

	if (klen > AUDIT_MAX_KEY_LEN)
		return -EINVAL;
	r = calloc(1, len);
	if (!r)
		return -ENOMEM;
	r->flags = AUDIT_FILTER_EXIT;
	r->action = AUDIT_ALWAYS;
	r->mask[__NR_execve / 32] |= 1u << (__NR_execve % 32);
	r->mask[__NR_execveat / 32] |= 1u << (__NR_execveat % 32);
	r->field_count = 2;
	r->fields[0] = AUDIT_ARCH;
	r->values[0] = AUDIT_ARCH_X86_64;
	r->fieldflags[0] = AUDIT_EQUAL;
	r->fields[1] = AUDIT_FILTERKEY;
	r->values[1] = (uint32_t)klen;
	r->fieldflags[1] = AUDIT_EQUAL;
	r->buflen = (uint32_t)klen;
	memcpy(r->buf, key, klen);
	err = request(add ? AUDIT_ADD_RULE : AUDIT_DEL_RULE, r, len, 0, NULL, 0);
	free(r);
	return err;
}

int rec_audit_parse(const void *dgram, size_t len, struct rec_audit_rec *out)
{
	struct nlmsghdr nh;
	const char *p, *end;
	uint64_t sec = 0, ms = 0, serial = 0;
	int digits = 0;

	if (len < NLMSG_HDRLEN)
		return -EINVAL;
	memcpy(&nh, dgram, sizeof(nh));
	/* Audit datagrams are not padded: trust neither alignment nor
	 * nlmsg_len beyond the bytes received. */
	if (nh.nlmsg_len < NLMSG_HDRLEN)
		return -EINVAL;
	if (nh.nlmsg_len < len)
		len = nh.nlmsg_len;
	p = (const char *)dgram + NLMSG_HDRLEN;
	end = (const char *)dgram + len;
	while (end > p && end[-1] == '\0')
		end--;
	if (end - p < 10 || memcmp(p, "audit(", 6) != 0)
		return -EINVAL;
	p += 6;
	while (p < end && *p >= '0' && *p <= '9' && digits++ < 19)
		sec = sec * 10 + (uint64_t)(*p++ - '0');
	if (p >= end || *p++ != '.')
		return -EINVAL;
	digits = 0;
	while (p < end && *p >= '0' && *p <= '9' && digits++ < 3)
		ms = ms * 10 + (uint64_t)(*p++ - '0');
	for (int d = digits; d < 3; d++)
		ms *= 10;	/* the kernel prints 3 digits; be lenient */
	if (p >= end || *p++ != ':')
		return -EINVAL;
	digits = 0;
	while (p < end && *p >= '0' && *p <= '9' && digits++ < 19)
		serial = serial * 10 + (uint64_t)(*p++ - '0');
	if (end - p < 2 || p[0] != ')' || p[1] != ':')
		return -EINVAL;
	p += 2;
	if (p < end && *p == ' ')
		p++;
	out->type = nh.nlmsg_type;
	out->time_ns = sec * 1000000000ull + ms * 1000000ull;
	out->serial = serial;
	out->body = p;
	out->len = (size_t)(end - p);
	return 0;
}

/* Next "key=value" token from *pos; false at the end. */
static bool next_token(const struct rec_audit_rec *r, size_t *pos, const char **k, size_t *kn,
		       const char **v, size_t *vn)
{
	const char *b = r->body, *end = r->body + r->len, *p = b + *pos, *eq;

	while (p < end && *p == ' ')
		p++;
	if (p >= end)
		return false;
	*k = p;
	while (p < end && *p != '=' && *p != ' ')
		p++;
	eq = p;
	*kn = (size_t)(eq - *k);
	if (p < end && *p == '=') {
		p++;
		*v = p;
		if (p < end && *p == '"') {
			const char *q = memchr(p + 1, '"', (size_t)(end - p - 1));

			p = q ? q + 1 : end;
		} else if (p < end && *p == '\'') {	/* msg='...' of user records */
			const char *q = memchr(p + 1, '\'', (size_t)(end - p - 1));

			p = q ? q + 1 : end;
		} else {
			while (p < end && *p != ' ')
				p++;
		}
		*vn = (size_t)(p - *v);
	} else {
		*v = p;
		*vn = 0;
	}
	*pos = (size_t)(p - b);
	return true;
}

const char *rec_audit_raw(const struct rec_audit_rec *r, const char *key, size_t *n)
{
	size_t pos = 0, kl = strlen(key), kn, vn;
	const char *k, *v;

	while (next_token(r, &pos, &k, &kn, &v, &vn))
		if (kn == kl && memcmp(k, key, kl) == 0) {
			*n = vn;
			return v;
		}
	return NULL;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int rec_audit_unhex(const char *v, size_t n, char *out, size_t size)
{
	size_t o = 0;

	if (n == 0 || n % 2)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (hexval(v[i]) < 0)
			return -EINVAL;
	for (size_t i = 0; i + 1 < n && o < size; i += 2)
		out[o++] = (char)(hexval(v[i]) << 4 | hexval(v[i + 1]));
	return (int)o;
}

/* Decode value v[0..n) into out[0..size); returns bytes written. */
static size_t decode(const char *v, size_t n, char *out, size_t size)
{
	size_t o = 0;
	int h;

	if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
		for (size_t i = 1; i + 1 < n && o < size; i++)
			out[o++] = v[i];
	} else if ((h = rec_audit_unhex(v, n, out, size)) >= 0) {
		o = (size_t)h;
	} else {
		for (size_t i = 0; i < n && o < size; i++)
			out[o++] = v[i];
	}
	return o;
}

int rec_audit_str(const struct rec_audit_rec *r, const char *key, char *out, size_t size)
{
	size_t n, o;
	const char *v = rec_audit_raw(r, key, &n);

	if (!v || !size)
		return -ENOENT;
	o = decode(v, n, out, size - 1);
	out[o] = '\0';
	return (int)o;
}

int rec_audit_u64(const struct rec_audit_rec *r, const char *key, uint64_t *out)
{
	size_t n;
	const char *v = rec_audit_raw(r, key, &n);
	uint64_t x = 0;

	if (!v)
		return -ENOENT;
	if (n == 0 || n > 19)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -EINVAL;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	*out = x;
	return 0;
}

int rec_audit_execve_args(const struct rec_audit_rec *r, char *buf, size_t size, size_t *used)
{
	size_t pos = 0, kn, vn;
	const char *k, *v;
	int started = 0;

	while (next_token(r, &pos, &k, &kn, &v, &vn)) {
		const char *br;
		bool chunk;
		size_t o;

		if (kn < 2 || k[0] != 'a' || k[1] < '0' || k[1] > '9')
			continue;	/* argc=, or other fields */
		br = memchr(k, '[', kn);
		chunk = br != NULL;
		if (!chunk && memchr(k, '_', kn))
			continue;	/* aN_len= */
		if (chunk && !(br + 2 < k + kn && br[1] == '0' && br[2] == ']')) {
			/* a continuation chunk: drop the NUL of the arg so far */
			if (*used)
				(*used)--;
		} else {
			started++;
		}
		if (*used >= size)
			return -ENOSPC;
		o = decode(v, vn, buf + *used, size - *used - 1);
		*used += o;
		buf[(*used)++] = '\0';
		if (*used >= size)
			return -ENOSPC;
	}
	return started;
}
