/* SPDX-License-Identifier: Apache-2.0 */
#ifndef FAN_BUILD_H
#define FAN_BUILD_H

/*
 * Builds fanotify read() buffers the way the kernel lays them out, for the
 * unit tests and the fuzz seed generator (header-only, test code).
 */
#include <stdint.h>
#include <string.h>
#include <linux/fanotify.h>

struct fanb {
	uint8_t b[8192];
	size_t len;
	size_t ev;	/* offset of the open event */
};

static inline void fanb_event(struct fanb *f, uint64_t mask, int32_t pid)
{
	struct fanotify_event_metadata m;

	memset(&m, 0, sizeof(m));
	m.event_len = sizeof(m);
	m.vers = FANOTIFY_METADATA_VERSION;
	m.metadata_len = sizeof(m);
	m.mask = mask;
	m.fd = FAN_NOFD;
	m.pid = pid;
	f->ev = f->len;
	memcpy(f->b + f->len, &m, sizeof(m));
	f->len += sizeof(m);
}

/* Append a FID-type info record: type, fsid, handle, and name (NULL: none). */
static inline void fanb_fid(struct fanb *f, uint8_t type, uint32_t fsid0, uint32_t fsid1,
			    const void *handle, uint32_t hlen, const char *name)
{
	size_t start = f->len, nlen = name ? strlen(name) + 1 : 0, rlen;
	uint32_t evlen;
	int32_t htype = 1;
	uint16_t rl;

	rlen = 4 + 8 + 8 + hlen + nlen;
	rlen = (rlen + 3) & ~(size_t)3;
	memset(f->b + start, 0, rlen);
	f->b[start] = type;
	rl = (uint16_t)rlen;
	memcpy(f->b + start + 2, &rl, 2);
	memcpy(f->b + start + 4, &fsid0, 4);
	memcpy(f->b + start + 8, &fsid1, 4);
	memcpy(f->b + start + 12, &hlen, 4);
	memcpy(f->b + start + 16, &htype, 4);
	memcpy(f->b + start + 20, handle, hlen);
	if (name)
		memcpy(f->b + start + 20 + hlen, name, nlen);
	f->len += rlen;
	evlen = (uint32_t)(f->len - f->ev);
	memcpy(f->b + f->ev, &evlen, 4);
}

#endif
