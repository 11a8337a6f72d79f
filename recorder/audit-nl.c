/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit-nl: kernel audit netlink (linux kernel/audit.c, include/uapi/linux/
 * audit.h). Multicast copies come from audit_log_multicast(); each skb holds
 * one nlmsghdr whose nlmsg_len counts the unpadded text.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "audit-nl.h"

#define RCVBUF (8 << 20)
#define AUDIT_TEXT_MAX 8970	/* kernel MAX_AUDIT_MESSAGE_LENGTH */
#define DGRAM_MAX (AUDIT_TEXT_MAX + 4096)

struct audit_nl {
	int fd;
	uint64_t overruns;
	uint64_t malformed;
	char buf[DGRAM_MAX];
};

int audit_nl_open(struct audit_nl **out)
{
	struct sockaddr_nl sa;
	struct audit_nl *a;
	int fd, sz = RCVBUF, err;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_AUDIT);
	if (fd < 0)
		return -errno;
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	sa.nl_groups = 1u << (AUDIT_NLGRP_READLOG - 1);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		goto out_close;
	}
	/* Bursts (a login is ~10 records, an execve rule far more) must not
	 * overrun: ask for a big buffer, above rmem_max when we may. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	a = calloc(1, sizeof(*a));
	if (!a) {
		err = -ENOMEM;
		goto out_close;
	}
	a->fd = fd;
	*out = a;
	return 0;
out_close:
	close(fd);
	return err;
}

void audit_nl_close(struct audit_nl *a)
{
	if (!a)
		return;
	close(a->fd);
	free(a);
}

int audit_nl_fd(const struct audit_nl *a)
{
	return a->fd;
}

uint64_t audit_nl_overruns(const struct audit_nl *a)
{
	return a->overruns;
}

uint64_t audit_nl_malformed(const struct audit_nl *a)
{
	return a->malformed;
}

int audit_nl_walk(const void *buf, size_t len, audit_nl_fn fn, void *arg)
{
	const char *p = buf;
	long rem = (long)len;	/* signed: the last message is not padded */
	int count = 0;

	while (rem >= (long)NLMSG_HDRLEN) {
		struct nlmsghdr nh;
		size_t plen;
		const char *text;

		memcpy(&nh, p, sizeof(nh));
		if (nh.nlmsg_len < NLMSG_HDRLEN || (long)nh.nlmsg_len > rem)
			return -EBADMSG;
		text = p + NLMSG_HDRLEN;
		plen = nh.nlmsg_len - NLMSG_HDRLEN;
		/* some kernels count a trailing NUL */
		while (plen && text[plen - 1] == '\0')
			plen--;
		if (nh.nlmsg_type != NLMSG_NOOP && nh.nlmsg_type != NLMSG_ERROR &&
		    nh.nlmsg_type != NLMSG_DONE) {
			fn(arg, nh.nlmsg_type, text, plen);
			count++;
		}
		rem -= (long)NLMSG_ALIGN(nh.nlmsg_len);
		p += NLMSG_ALIGN(nh.nlmsg_len);
	}
	return count;
}

int audit_nl_read(struct audit_nl *a, audit_nl_fn fn, void *arg)
{
	int count = 0, r;
	ssize_t n;

	for (;;) {
		n = recv(a->fd, a->buf, sizeof(a->buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return count;
			if (errno == ENOBUFS) {
				a->overruns++;
				continue;
			}
			return -errno;
		}
		r = audit_nl_walk(a->buf, (size_t)n, fn, arg);
		if (r < 0) {
			a->malformed++;
			continue;
		}
		count += r;
	}
}

/* One AUDIT_GET or AUDIT_SET round trip on a unicast socket. */
static int status_rpc(uint16_t type, const struct audit_status *set, struct audit_status *got)
{
	struct {
		struct nlmsghdr nh;
		struct audit_status st;
	} req;
	char buf[8192];
	struct sockaddr_nl sa;
	struct pollfd pfd;
	int fd, err = -ETIMEDOUT, tries;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
	if (fd < 0)
		return -errno;
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(set ? sizeof(*set) : 0);
	req.nh.nlmsg_type = type;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.nh.nlmsg_seq = 1;
	if (set)
		req.st = *set;
	if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = -errno;
		goto out_close;
	}
	/* The kernel answers with the status (for GET) and an ACK. */
	for (tries = 0; tries < 4; tries++) {
		ssize_t n;
		long rem;
		const char *p = buf;

		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 1000) <= 0)
			break;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			err = -errno;
			break;
		}
		for (rem = n; rem >= (long)NLMSG_HDRLEN;) {
			struct nlmsghdr nh;

			memcpy(&nh, p, sizeof(nh));
			if (nh.nlmsg_len < NLMSG_HDRLEN || (long)nh.nlmsg_len > rem)
				break;
			if (nh.nlmsg_type == NLMSG_ERROR &&
			    nh.nlmsg_len >= NLMSG_LENGTH(sizeof(struct nlmsgerr))) {
				struct nlmsgerr e;

				memcpy(&e, p + NLMSG_HDRLEN, sizeof(e));
				err = e.error;
				if (err || !got)
					goto out_close;
			} else if (nh.nlmsg_type == AUDIT_GET && got) {
				size_t plen = nh.nlmsg_len - NLMSG_HDRLEN;

				memset(got, 0, sizeof(*got));
				memcpy(got, p + NLMSG_HDRLEN, plen < sizeof(*got) ? plen : sizeof(*got));
				err = 0;
				goto out_close;
			}
			rem -= (long)NLMSG_ALIGN(nh.nlmsg_len);
			p += NLMSG_ALIGN(nh.nlmsg_len);
		}
	}
out_close:
	close(fd);
	return err;
}

int audit_nl_get_enabled(int *enabled)
{
	struct audit_status st;
	int r = status_rpc(AUDIT_GET, NULL, &st);

	if (!r)
		*enabled = (int)st.enabled;
	return r;
}

int audit_nl_get_lost(uint32_t *lost)
{
	struct audit_status st;
	int r = status_rpc(AUDIT_GET, NULL, &st);

	if (!r)
		*lost = st.lost;
	return r;
}

int audit_nl_set_enabled(int enabled)
{
	struct audit_status st;

	memset(&st, 0, sizeof(st));
	st.mask = AUDIT_STATUS_ENABLED;
	st.enabled = (uint32_t)enabled;
	return status_rpc(AUDIT_SET, &st, NULL);
}
