/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fanotify reading half of the file source against the real kernel:
 * this test opens its own fanotify group the way src-file does (FID mode,
 * filesystem mark), does file operations in a temporary directory, and
 * checks what file-event parses and file-resolve names: kinds, exact paths
 * (spaces, newline, non-UTF-8 bytes), the acting pid, FAN_RENAME's two
 * names, and a directory removed before its events are read (rm -rf),
 * named from the cache filled at its mkdir. Skips when not root.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "recorder/file-event.h"
#include "recorder/file-map.h"
#include "recorder/file-resolve.h"

#define MAXSEEN 512

struct seen {
	uint64_t mask;
	pid_t pid;
	char path[PATH_MAX];
	char path2[PATH_MAX];
	int err;
};

struct ctx {
	int fan;
	struct fres *res;
	char dir[256];
	struct seen ev[MAXSEEN];
	size_t n;
};

static struct ctx C;

/* The mount of the filesystem root holding path (longest mount point). */
static int find_mount(const char *path, char *point, unsigned *maj, unsigned *min)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0, best = 0;
	struct fmap_mount m;

	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0) {
		size_t l;

		if (fmap_mountinfo_parse(line, &m) < 0 || strcmp(m.root, "/") != 0)
			continue;
		l = strlen(m.point);
		if (fmap_under(path, strlen(path), m.point, l) && l >= best) {
			best = l;
			strcpy(point, m.point);
			*maj = m.major;
			*min = m.minor;
		}
	}
	free(line);
	fclose(f);
	return best ? 0 : -1;
}

static int setup(void **state)
{
	char point[PATH_MAX];
	unsigned maj = 0, min = 0;
	uint64_t fsid;
	uint64_t mask = FAN_CREATE | FAN_DELETE | FAN_ATTRIB | FAN_MODIFY | FAN_CLOSE_WRITE |
			FAN_OPEN_EXEC | FAN_RENAME | FAN_ONDIR;

	(void)state;
	C.fan = -1;
	if (geteuid() != 0) {
		print_message("SKIP: fanotify filesystem marks need root\n");
		return 0;
	}
	strcpy(C.dir, "/var/tmp/fdr-file-XXXXXX");
	if (!mkdtemp(C.dir))
		return -1;
	C.fan = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK | FAN_REPORT_DFID_NAME_TARGET,
			      O_RDONLY | O_CLOEXEC);
	if (C.fan < 0) {
		print_message("SKIP: fanotify FID mode: %s\n", strerror(errno));
		return 0;
	}
	if (find_mount(C.dir, point, &maj, &min) < 0)
		return -1;
	C.res = fres_new(64);
	if (!C.res || fres_add_fs(C.res, point, maj, min, &fsid) < 0)
		return -1;
	if (fanotify_mark(C.fan, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, mask, AT_FDCWD, C.dir) < 0) {
		print_message("SKIP: filesystem mark on '%s': %s\n", point, strerror(errno));
		close(C.fan);
		C.fan = -1;
	}
	return 0;
}

static int teardown(void **state)
{
	char cmd[512];

	(void)state;
	if (C.fan >= 0)
		close(C.fan);
	fres_free(C.res);
	if (C.dir[0] == '/') {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", C.dir);
		if (system(cmd) != 0)
			return -1;
	}
	return 0;
}

/* Create a marker file, then read until its creation shows up (or 20 s),
 * keeping the events of pid want: the filesystem is shared with everything
 * else on the host, so "until quiet" may never come. Mirrors src-file's
 * handling: a new directory's id is cached from its mkdir. */
static void drain(pid_t want)
{
	static uint8_t buf[1 << 16] __attribute__((aligned(8)));
	static unsigned seq;
	struct pollfd p = { C.fan, POLLIN, 0 };
	char marker[64], mpath[512];
	bool seen = false;
	time_t end = time(NULL) + 20;
	ssize_t n;
	int fd;

	snprintf(marker, sizeof(marker), "marker-%u", ++seq);
	snprintf(mpath, sizeof(mpath), "%s/%s", C.dir, marker);
	fd = open(mpath, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
	while (!seen && time(NULL) < end) {
		struct fev_iter it;
		struct fev_event e;
		int r;

		if (poll(&p, 1, 500) <= 0 || (n = read(C.fan, buf, sizeof(buf))) <= 0)
			continue;
		fev_iter_init(&it, buf, (size_t)n);
		while ((r = fev_next(&it, &e)) != 0) {
			struct seen *s;
			int k;

			assert_int_equal(r, 1);
			assert_int_equal(e.fd, FAN_NOFD);
			if (e.pid == getpid() && (e.mask & FAN_CREATE) && e.dname.present &&
			    strcmp(e.dname.name, marker) == 0)
				seen = true;
			if (e.pid != want || C.n == MAXSEEN)
				continue;
			s = &C.ev[C.n++];
			s->mask = e.mask;
			s->pid = e.pid;
			/* nlink changes (unlink, link) come as FAN_ATTRIB on the
			 * inode alone, with no name */
			if (!e.dname.present && !(e.mask & FAN_RENAME)) {
				assert_true(e.has_fid);
				assert_int_equal(e.mask & ~(uint64_t)FAN_ONDIR, FAN_ATTRIB);
				C.n--;
				continue;
			}
			if (e.mask & FAN_RENAME) {
				assert_true(e.old.present && e.new_.present);
				s->err = fres_path(C.res, &e.old, s->path, sizeof(s->path));
				k = fres_path(C.res, &e.new_, s->path2, sizeof(s->path2));
				assert_true(k > 0);
			} else {
				s->err = fres_path(C.res, &e.dname, s->path, sizeof(s->path));
			}
			if ((e.mask & (FAN_CREATE | FAN_ONDIR)) == (FAN_CREATE | FAN_ONDIR) &&
			    e.has_fid && s->err > 0)
				fcache_put(fres_cache(C.res), &e.fid, s->path, strlen(s->path));
		}
	}
	assert_true(seen);
}

/* Index of the first event with all bits of mask and this path, or -1. */
static int find(uint64_t mask, const char *path)
{
	size_t i;

	for (i = 0; i < C.n; i++)
		if ((C.ev[i].mask & mask) == mask && strcmp(C.ev[i].path, path) == 0)
			return (int)i;
	return -1;
}

static void test_kinds_and_names(void **state)
{
	char d[512], f[1024], g[1024], x[1024];
	int fd, i;
	pid_t child;

	(void)state;
	if (C.fan < 0)
		skip();
	C.n = 0;
	snprintf(d, sizeof(d), "%s/sub dir", C.dir);
	snprintf(f, sizeof(f), "%s/new file\nline2 \xff\xfe.txt", d);
	snprintf(g, sizeof(g), "%s/renamed \xe9", d);
	snprintf(x, sizeof(x), "%s/prog", d);
	assert_int_equal(mkdir(d, 0755), 0);
	fd = open(f, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "hello\n", 6), 6);
	assert_int_equal(close(fd), 0);
	assert_int_equal(chmod(f, 0600), 0);
	assert_int_equal(rename(f, g), 0);
	assert_int_equal(unlink(g), 0);
	/* an executable copy of /bin/true, run by a child */
	assert_int_equal(system("true"), 0);
	{
		char cmd[2048];

		snprintf(cmd, sizeof(cmd), "cp /bin/true '%s'", x);
		assert_int_equal(system(cmd), 0);
	}
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		execl(x, "prog", (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(child, &i, 0), child);
	assert_true(WIFEXITED(i) && WEXITSTATUS(i) == 0);
	drain(getpid());

	assert_true(find(FAN_CREATE | FAN_ONDIR, d) >= 0);
	assert_true(find(FAN_CREATE, f) >= 0);
	assert_true(find(FAN_MODIFY, f) >= 0 || find(FAN_CLOSE_WRITE, f) >= 0);
	assert_true(find(FAN_ATTRIB, f) >= 0);
	i = find(FAN_RENAME, f);
	assert_true(i >= 0);
	assert_string_equal(C.ev[i].path2, g);
	assert_int_equal(C.ev[i].pid, getpid());
	assert_true(find(FAN_DELETE, g) >= 0);
	/* the exec is the child's, not ours */
	assert_int_equal(find(FAN_OPEN_EXEC, x), -1);
	C.n = 0;
}

static void test_exec_by_child(void **state)
{
	char x[1024];
	pid_t child;
	int st;

	(void)state;
	if (C.fan < 0)
		skip();
	C.n = 0;
	snprintf(x, sizeof(x), "%s/sub dir/prog", C.dir);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		usleep(100000);	/* let the parent start reading */
		execl(x, "prog", (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(child, &st, 0), child);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	drain(child);
	assert_true(find(FAN_OPEN_EXEC, x) >= 0);
}

static void test_removed_dir_named_from_cache(void **state)
{
	char d[512], f[1024];
	int fd, i;

	(void)state;
	if (C.fan < 0)
		skip();
	C.n = 0;
	snprintf(d, sizeof(d), "%s/gone", C.dir);
	snprintf(f, sizeof(f), "%s/gone/tmp.bin", C.dir);
	assert_int_equal(mkdir(d, 0755), 0);
	drain(getpid());	/* the mkdir caches the new directory's id */
	assert_true(find(FAN_CREATE | FAN_ONDIR, d) >= 0);
	C.n = 0;
	fd = open(f, O_CREAT | O_WRONLY, 0644);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(unlink(f), 0);
	assert_int_equal(rmdir(d), 0);
	drain(getpid());	/* by now the directory has no handle any more */
	i = find(FAN_CREATE, f);
	assert_true(i >= 0);
	assert_true(C.ev[i].err > 0);
	assert_true(find(FAN_DELETE, f) >= 0);
	assert_true(find(FAN_DELETE | FAN_ONDIR, d) >= 0);

	/* without the cache, the same sequence gives the bare name and -ESTALE */
	fcache_clear(fres_cache(C.res));
	C.n = 0;
	assert_int_equal(mkdir(d, 0755), 0);
	fd = open(f, O_CREAT | O_WRONLY, 0644);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(unlink(f), 0);
	assert_int_equal(rmdir(d), 0);
	fcache_clear(fres_cache(C.res));	/* forget the mkdir before reading */
	{
		/* read without the mkdir caching (drain() would cache it) until
		 * a marker made after the rmdir shows up */
		static uint8_t buf[1 << 16] __attribute__((aligned(8)));
		struct pollfd p = { C.fan, POLLIN, 0 };
		char out[PATH_MAX], mpath[512];
		time_t end = time(NULL) + 20;
		bool seen = false;
		int stale = 0;

		snprintf(mpath, sizeof(mpath), "%s/marker-stale", C.dir);
		fd = open(mpath, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
		assert_true(fd >= 0);
		close(fd);
		while (!seen && time(NULL) < end) {
			struct fev_iter it;
			struct fev_event e;
			ssize_t n;

			if (poll(&p, 1, 500) <= 0 || (n = read(C.fan, buf, sizeof(buf))) <= 0)
				continue;
			fev_iter_init(&it, buf, (size_t)n);
			while (fev_next(&it, &e) == 1) {
				if (e.pid != getpid() || !(e.mask & FAN_CREATE) || (e.mask & FAN_ONDIR))
					continue;
				if (strcmp(e.dname.name, "marker-stale") == 0) {
					seen = true;
					continue;
				}
				assert_int_equal(fres_path(C.res, &e.dname, out, sizeof(out)), -ESTALE);
				assert_string_equal(out, "tmp.bin");
				stale++;
			}
		}
		assert_true(seen);
		assert_int_equal(stale, 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds_and_names),
		cmocka_unit_test(test_exec_by_child),
		cmocka_unit_test(test_removed_dir_named_from_cache),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
