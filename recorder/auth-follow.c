/* SPDX-License-Identifier: Apache-2.0 */
/*
 * auth-follow: a tail -F for log files. Rotation is noticed by comparing the
 * inode of the open fd with the inode the path names after the fd reached
 * its end; truncation by the file size falling below our offset.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth-follow.h"
#include "auth-parse.h"

#define READ_CHUNK 65536
#define POLL_BUDGET (8u << 20)	/* bytes per poll, so one file cannot starve the loop */

struct auth_follow {
	char *path;
	int fd;
	bool from_start;	/* for the first open only */
	bool join;
	dev_t dev;
	ino_t ino;
	off_t off;
	/* partial line */
	char *line;
	size_t len;
	bool skipping;		/* dropping the rest of an over-long line */
	/* held line for continuation joining */
	char *held;
	size_t held_len;
	bool have_held;
	uint64_t dropped;
	unsigned rotations, truncations;
};

int auth_follow_open(const char *path, bool from_start, bool join_continuations,
		     struct auth_follow **out)
{
	struct auth_follow *f = calloc(1, sizeof(*f));

	if (!f)
		return -ENOMEM;
	f->path = strdup(path);
	f->line = malloc(AUTH_LINE_MAX);
	f->held = malloc(AUTH_LINE_MAX);
	if (!f->path || !f->line || !f->held) {
		auth_follow_close(f);
		return -ENOMEM;
	}
	f->fd = -1;
	f->from_start = from_start;
	f->join = join_continuations;
	/* Take the starting point now, so lines written before the first poll
	 * still count as "after this call". */
	f->fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (f->fd >= 0) {
		struct stat st;

		if (fstat(f->fd, &st)) {
			close(f->fd);
			f->fd = -1;
		} else {
			f->dev = st.st_dev;
			f->ino = st.st_ino;
			f->off = from_start ? 0 : st.st_size;
		}
	}
	f->from_start = true;	/* files that appear later are new */
	*out = f;
	return 0;
}

void auth_follow_close(struct auth_follow *f)
{
	if (!f)
		return;
	if (f->fd >= 0)
		close(f->fd);
	free(f->held);
	free(f->line);
	free(f->path);
	free(f);
}

const char *auth_follow_path(const struct auth_follow *f)
{
	return f->path;
}

bool auth_follow_is_open(const struct auth_follow *f)
{
	return f->fd >= 0;
}

uint64_t auth_follow_dropped(const struct auth_follow *f)
{
	return f->dropped;
}

unsigned auth_follow_rotations(const struct auth_follow *f)
{
	return f->rotations;
}

unsigned auth_follow_truncations(const struct auth_follow *f)
{
	return f->truncations;
}

static int flush_held(struct auth_follow *f, auth_line_fn fn, void *arg)
{
	if (!f->have_held)
		return 0;
	f->have_held = false;
	fn(arg, f->held, f->held_len);
	return 1;
}

/* A complete physical line. */
static int deliver(struct auth_follow *f, const char *p, size_t n, auth_line_fn fn, void *arg)
{
	int count = 0;
	size_t room;

	if (!f->join) {
		fn(arg, p, n);
		return 1;
	}
	if (f->have_held && auth_sudo_is_continuation(p, n)) {
		room = AUTH_LINE_MAX - f->held_len;
		if (room) {
			f->held[f->held_len++] = ' ';
			room--;
		}
		if (n - 4 > room)
			f->dropped += n - 4 - room;
		memcpy(f->held + f->held_len, p + 4, n - 4 > room ? room : n - 4);
		f->held_len += n - 4 > room ? room : n - 4;
		return 0;
	}
	count = flush_held(f, fn, arg);
	memcpy(f->held, p, n);
	f->held_len = n;
	f->have_held = true;
	return count;
}

/* Split buf[0..n) into lines; keep the partial tail. */
static int consume(struct auth_follow *f, const char *buf, size_t n, auth_line_fn fn, void *arg)
{
	int count = 0;
	size_t i = 0;

	while (i < n) {
		const char *nl = memchr(buf + i, '\n', n - i);
		size_t seg = nl ? (size_t)(nl - (buf + i)) : n - i;

		if (f->skipping) {
			f->dropped += seg;
		} else {
			size_t take = seg;

			if (f->len + take > AUTH_LINE_MAX) {
				take = AUTH_LINE_MAX - f->len;
				f->dropped += seg - take;
				f->skipping = true;
			}
			memcpy(f->line + f->len, buf + i, take);
			f->len += take;
			if (f->skipping) {
				/* deliver the cut line now; skip to its newline */
				count += deliver(f, f->line, f->len, fn, arg);
				f->len = 0;
			}
		}
		i += seg;
		if (nl) {
			i++;
			if (!f->skipping)
				count += deliver(f, f->line, f->len, fn, arg);
			f->skipping = false;
			f->len = 0;
		}
	}
	return count;
}

/* Read fd to its end (within the budget). Returns lines or -errno. */
static int drain(struct auth_follow *f, auth_line_fn fn, void *arg, size_t *budget)
{
	char buf[READ_CHUNK];
	int count = 0;
	ssize_t r;

	while (*budget) {
		size_t want = *budget < sizeof(buf) ? *budget : sizeof(buf);

		r = pread(f->fd, buf, want, f->off);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			break;
		f->off += r;
		*budget -= (size_t)r;
		count += consume(f, buf, (size_t)r, fn, arg);
	}
	return count;
}

static void reopen(struct auth_follow *f)
{
	struct stat st;
	int fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return;
	if (fstat(fd, &st)) {
		close(fd);
		return;
	}
	f->fd = fd;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->off = f->from_start ? 0 : st.st_size;
	f->from_start = true;
}

int auth_follow_poll(struct auth_follow *f, auth_line_fn fn, void *arg)
{
	size_t budget = POLL_BUDGET;
	struct stat st, pst;
	int count = 0, r;

	if (f->fd < 0) {
		reopen(f);
		if (f->fd < 0)
			return 0;
	}
	if (!fstat(f->fd, &st) && st.st_size < f->off) {
		/* copytruncate: the partial line belonged to the old content */
		f->truncations++;
		f->dropped += f->len;
		f->len = 0;
		f->skipping = false;
		f->off = 0;
	}
	r = drain(f, fn, arg, &budget);
	if (r < 0)
		return r;
	count += r;
	if (!budget)
		return count;	/* more to read: no rotation check yet */
	if (stat(f->path, &pst) == 0 && (pst.st_ino != f->ino || pst.st_dev != f->dev)) {
		/* Rotated: the old file is complete. Read anything written
		 * between our last read and the check, then finish its last
		 * line. */
		r = drain(f, fn, arg, &budget);
		if (r > 0)
			count += r;
		if (f->len && !f->skipping)
			count += deliver(f, f->line, f->len, fn, arg);
		f->len = 0;
		f->skipping = false;
		count += flush_held(f, fn, arg);
		close(f->fd);
		f->fd = -1;
		f->rotations++;
		reopen(f);
		if (f->fd >= 0) {
			budget = POLL_BUDGET;
			r = drain(f, fn, arg, &budget);
			if (r > 0)
				count += r;
		}
	}
	/* No more data for now: a held entry is complete (sudo writes one entry
	 * with one write). */
	count += flush_held(f, fn, arg);
	return count;
}
