/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the file source's pure modules: file-event (fanotify buffer
 * parsing), file-cache, file-coalesce, file-map. The buffers are built by
 * fan-build.h with the kernel's layout; test-file-kernel.c checks the same
 * parser against buffers the real kernel wrote.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "recorder/file-cache.h"
#include "recorder/file-coalesce.h"
#include "recorder/file-event.h"
#include "recorder/file-map.h"
#include "tests/file/fan-build.h"

static const uint8_t H1[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t H2[8] = { 1, 2, 3, 4, 5, 6, 7, 9 };

/* ---- file-event -------------------------------------------------------- */

static void test_parse_events(void **state)
{
	struct fanb f = { .len = 0 };
	struct fev_iter it;
	struct fev_event e;

	(void)state;
	fanb_event(&f, FAN_CREATE, 42);
	fanb_fid(&f, FAN_EVENT_INFO_TYPE_DFID_NAME, 7, 9, H1, sizeof(H1), "new file\n\xff");
	fanb_event(&f, FAN_RENAME | FAN_ONDIR, 43);
	fanb_fid(&f, FAN_EVENT_INFO_TYPE_OLD_DFID_NAME, 7, 9, H1, sizeof(H1), "a");
	fanb_fid(&f, FAN_EVENT_INFO_TYPE_NEW_DFID_NAME, 7, 9, H2, sizeof(H2), "b");
	fanb_fid(&f, FAN_EVENT_INFO_TYPE_FID, 7, 9, H2, sizeof(H2), NULL);
	fanb_event(&f, FAN_ATTRIB, 44);
	fanb_fid(&f, FAN_EVENT_INFO_TYPE_DFID, 7, 9, H1, sizeof(H1), NULL);
	fanb_fid(&f, 99, 0, 0, H1, 2, NULL);	/* unknown type: skipped */

	fev_iter_init(&it, f.b, f.len);
	assert_int_equal(fev_next(&it, &e), 1);
	assert_int_equal(e.mask, FAN_CREATE);
	assert_int_equal(e.pid, 42);
	assert_int_equal(e.fd, FAN_NOFD);
	assert_true(e.dname.present);
	assert_int_equal(e.dname.dir.fsid, (uint64_t)7 | (uint64_t)9 << 32);
	assert_int_equal(e.dname.dir.len, 8);
	assert_memory_equal(e.dname.dir.bytes, H1, 8);
	assert_int_equal(e.dname.name_len, 10);
	assert_memory_equal(e.dname.name, "new file\n\xff", 10);
	assert_false(e.old.present);

	assert_int_equal(fev_next(&it, &e), 1);
	assert_int_equal(e.mask, FAN_RENAME | FAN_ONDIR);
	assert_true(e.old.present && e.new_.present && e.has_fid);
	assert_false(e.dname.present);
	assert_string_equal(e.old.name, "a");
	assert_string_equal(e.new_.name, "b");
	assert_memory_equal(e.new_.dir.bytes, H2, 8);

	assert_int_equal(fev_next(&it, &e), 1);
	assert_true(e.dname.present);
	assert_int_equal(e.dname.name_len, 0);
	assert_int_equal(e.unknown, 1);
	assert_int_equal(fev_next(&it, &e), 0);
	assert_int_equal(it.dropped, 0);
}

static void test_parse_malformed(void **state)
{
	struct fanb f = { .len = 0 }, g;
	struct fev_iter it;
	struct fev_event e;
	uint32_t big = 5000;

	(void)state;
	fanb_event(&f, FAN_CREATE, 1);
	fanb_fid(&f, FAN_EVENT_INFO_TYPE_DFID_NAME, 1, 1, H1, sizeof(H1), "x");
	fanb_event(&f, FAN_DELETE, 2);
	fanb_fid(&f, FAN_EVENT_INFO_TYPE_DFID_NAME, 1, 1, H1, sizeof(H1), "y");

	/* a name with no NUL in its record: that event is skipped, not the next */
	g = f;
	memset(g.b + 24 + 20 + 8, 'z', 4);
	fev_iter_init(&it, g.b, g.len);
	assert_int_equal(fev_next(&it, &e), -EBADMSG);
	assert_int_equal(fev_next(&it, &e), 1);
	assert_int_equal(e.mask, FAN_DELETE);
	assert_int_equal(fev_next(&it, &e), 0);

	/* handle_bytes larger than the record */
	g = f;
	memcpy(g.b + 24 + 12, &big, 4);
	fev_iter_init(&it, g.b, g.len);
	assert_int_equal(fev_next(&it, &e), -EBADMSG);
	assert_int_equal(fev_next(&it, &e), 1);

	/* info record length past the event */
	g = f;
	g.b[24 + 2] = 200;
	fev_iter_init(&it, g.b, g.len);
	assert_int_equal(fev_next(&it, &e), -EBADMSG);
	assert_int_equal(fev_next(&it, &e), 1);

	/* two DFID_NAME records in one event */
	g = (struct fanb){ .len = 0 };
	fanb_event(&g, FAN_CREATE, 1);
	fanb_fid(&g, FAN_EVENT_INFO_TYPE_DFID_NAME, 1, 1, H1, sizeof(H1), "x");
	fanb_fid(&g, FAN_EVENT_INFO_TYPE_DFID_NAME, 1, 1, H1, sizeof(H1), "y");
	fev_iter_init(&it, g.b, g.len);
	assert_int_equal(fev_next(&it, &e), -EBADMSG);

	/* a '/' inside a name */
	g = (struct fanb){ .len = 0 };
	fanb_event(&g, FAN_CREATE, 1);
	fanb_fid(&g, FAN_EVENT_INFO_TYPE_DFID_NAME, 1, 1, H1, sizeof(H1), "../x");
	fev_iter_init(&it, g.b, g.len);
	assert_int_equal(fev_next(&it, &e), -EBADMSG);

	/* event_len past the buffer: the rest is given up */
	fev_iter_init(&it, f.b, f.len - 1);
	assert_int_equal(fev_next(&it, &e), 1);
	assert_int_equal(fev_next(&it, &e), -EBADMSG);
	assert_int_equal(fev_next(&it, &e), 0);
	assert_int_equal(it.dropped, f.len - 1 - (f.len / 2));

	/* a short tail */
	fev_iter_init(&it, f.b, 10);
	assert_int_equal(fev_next(&it, &e), -EBADMSG);
	assert_int_equal(it.dropped, 10);

	/* wrong metadata version stops the walk (fatrace habit) */
	g = f;
	g.b[4] = 2;
	fev_iter_init(&it, g.b, g.len);
	assert_int_equal(fev_next(&it, &e), -EPROTO);
	assert_int_equal(fev_next(&it, &e), 0);
	assert_int_equal(it.dropped, g.len);

	/* metadata_len beyond event_len */
	g = f;
	g.b[6] = 0xff;
	fev_iter_init(&it, g.b, g.len);
	assert_int_equal(fev_next(&it, &e), -EBADMSG);
	assert_int_equal(fev_next(&it, &e), 1);

	fev_iter_init(&it, NULL, 100);
	assert_int_equal(fev_next(&it, &e), 0);
}

static void test_path_join(void **state)
{
	char out[16];

	(void)state;
	assert_int_equal(fev_path_join(out, sizeof(out), "/a/b", 4, "c", 1), 6);
	assert_string_equal(out, "/a/b/c");
	assert_int_equal(fev_path_join(out, sizeof(out), "/", 1, "etc", 3), 4);
	assert_string_equal(out, "/etc");
	assert_int_equal(fev_path_join(out, sizeof(out), "/a", 2, "", 0), 2);
	assert_string_equal(out, "/a");
	assert_int_equal(fev_path_join(out, sizeof(out), "/a", 2, ".", 1), 2);
	assert_string_equal(out, "/a");
	assert_int_equal(fev_path_join(out, sizeof(out), "/0123456789", 11, "abcd", 4), -ENAMETOOLONG);
	assert_string_equal(out, "");
	assert_int_equal(fev_path_join(out, sizeof(out), "/0123456789", 11, "abc", 3), 15);
	/* in place, as file-resolve does */
	strcpy(out, "/x");
	assert_int_equal(fev_path_join(out, sizeof(out), out, 2, "y z", 3), 6);
	assert_string_equal(out, "/x/y z");
	assert_string_equal(fev_mask_name(FAN_OPEN_EXEC), "open_exec");
	assert_string_equal(fev_mask_name(FAN_OPEN_EXEC | FAN_CREATE), "");
}

/* ---- file-cache -------------------------------------------------------- */

static struct fev_fid mkfid(uint64_t fsid, uint32_t n)
{
	static uint8_t hb[64][8];
	struct fev_fid f = { fsid, 1, 8, hb[n % 64] };

	memcpy(hb[n % 64], &n, sizeof(n));
	memset(hb[n % 64] + 4, 0xab, 4);
	return f;
}

static void test_cache(void **state)
{
	struct fcache *c = fcache_new(8);
	struct fev_fid a = mkfid(1, 1), b = mkfid(1, 2), b2 = mkfid(2, 2), d = mkfid(1, 3);
	size_t len = 0;
	unsigned i;

	(void)state;
	assert_non_null(c);
	assert_null(fcache_get(c, &a, NULL));
	assert_int_equal(fcache_put(c, &a, "/srv/a", 6), 0);
	assert_int_equal(fcache_put(c, &b, "/srv/a/b", 8), 0);
	assert_int_equal(fcache_put(c, &b2, "/srv/ab", 7), 0);
	assert_int_equal(fcache_put(c, &d, "/other", 6), 0);
	assert_string_equal(fcache_get(c, &b, &len), "/srv/a/b");
	assert_int_equal(len, 8);
	assert_string_equal(fcache_get(c, &b2, NULL), "/srv/ab");	/* fsid is part of the key */
	/* replace in place */
	assert_int_equal(fcache_put(c, &d, "/other2", 7), 0);
	assert_int_equal(fcache_count(c), 4);
	assert_string_equal(fcache_get(c, &d, NULL), "/other2");
	/* a renamed directory takes its subtree with it, not its neighbours */
	assert_int_equal(fcache_invalidate_prefix(c, "/srv/a/", 7), 2);
	assert_null(fcache_get(c, &a, NULL));
	assert_null(fcache_get(c, &b, NULL));
	assert_non_null(fcache_get(c, &b2, NULL));
	assert_int_equal(fcache_invalidate_prefix(c, "/", 1), 2);
	assert_int_equal(fcache_count(c), 0);
	/* bounded: many puts never hold more than the capacity */
	for (i = 0; i < 200; i++) {
		struct fev_fid x = mkfid(9, i);

		assert_int_equal(fcache_put(c, &x, "/p", 2), 0);
		assert_true(fcache_count(c) <= 8);
	}
	fcache_clear(c);
	assert_int_equal(fcache_count(c), 0);
	fcache_free(c);
	fcache_free(NULL);
}

/* ---- file-coalesce ----------------------------------------------------- */

struct got {
	unsigned n;
	pid_t pid[16];
	char path[16][64];
	char host[16][64];
	char tag[16][64];
	uint64_t count[16], first[16], last[16];
};

static void collect(void *ctx, const struct fcoal_entry *e)
{
	struct got *g = ctx;

	if (g->n >= 16)
		return;
	g->pid[g->n] = e->pid;
	snprintf(g->path[g->n], 64, "%.*s", (int)e->path_len, e->path);
	snprintf(g->host[g->n], 64, "%.*s", (int)e->host_len, e->host_path);
	snprintf(g->tag[g->n], 64, "%s", e->tag);
	g->count[g->n] = e->count;
	g->first[g->n] = e->first_ns;
	g->last[g->n] = e->last_ns;
	g->n++;
}

static void test_coalesce(void **state)
{
	struct got g = { 0 };
	struct fcoal *t = fcoal_new(3, 100, collect, &g);

	(void)state;
	assert_non_null(t);
	assert_int_equal(fcoal_add(t, 10, "/log", 4, "/log", 4, NULL, 1000), 0);
	assert_int_equal(fcoal_add(t, 10, "/log", 4, "/log", 4, NULL, 1010), 1);
	assert_int_equal(fcoal_add(t, 10, "/log", 4, "/log", 4, NULL, 1050), 1);
	assert_int_equal(fcoal_add(t, 11, "/log", 4, "/log", 4, NULL, 1020), 0);	/* other pid */
	assert_int_equal(fcoal_add(t, 10, "/etc/x", 6, "/var/lib/o/diff/etc/x", 21, "c0ffee", 1030), 0);
	assert_int_equal(fcoal_count(t), 3);
	assert_int_equal(fcoal_flush(t, 1099), 0);	/* window not over */
	assert_int_equal(fcoal_flush(t, 1100), 1);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.pid[0], 10);
	assert_int_equal(g.count[0], 3);
	assert_int_equal(g.first[0], 1000);
	assert_int_equal(g.last[0], 1050);
	/* before a delete of /var/lib/o/diff/etc/x, its fold leaves */
	assert_int_equal(fcoal_flush_path(t, "/var/lib/o/diff/etc/x", 21), 1);
	assert_string_equal(g.path[1], "/etc/x");
	assert_string_equal(g.host[1], "/var/lib/o/diff/etc/x");
	assert_string_equal(g.tag[1], "c0ffee");
	assert_string_equal(g.tag[0], "");
	assert_int_equal(fcoal_flush_path(t, "/nothing", 8), 0);
	/* full table: the oldest leaves to make room */
	assert_int_equal(fcoal_add(t, 1, "/a", 2, "/a", 2, NULL, 2000), 0);
	assert_int_equal(fcoal_add(t, 1, "/b", 2, "/b", 2, NULL, 2001), 0);
	assert_int_equal(g.n, 2);
	assert_int_equal(fcoal_add(t, 1, "/c", 2, "/c", 2, NULL, 2002), 0);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.pid[2], 11);	/* pid 11's /log was the oldest */
	assert_int_equal(fcoal_flush(t, UINT64_MAX), 3);
	assert_string_equal(g.path[3], "/a");
	assert_string_equal(g.path[5], "/c");
	assert_int_equal(fcoal_count(t), 0);
	fcoal_add(t, 1, "/left", 5, "/left", 5, NULL, 1);
	fcoal_free(t);		/* frees without emitting */
	assert_int_equal(g.n, 6);
	fcoal_free(NULL);
}

/* ---- file-map ---------------------------------------------------------- */

static void test_mountinfo(void **state)
{
	char l1[] = "36 35 98:0 /mnt1 /mnt\\040two rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n";
	char l2[] = "120 29 0:52 / /var/lib/docker/overlay2/abc/merged rw,relatime - overlay overlay "
		    "rw,lowerdir=/var/lib/docker/overlay2/l/X:/var/lib/docker/overlay2/l/Y,"
		    "upperdir=/var/lib/docker/overlay2/abc/diff,workdir=/var/lib/docker/overlay2/abc/work\n";
	char l3[] = "1 2 3:4 / /x rw\n";
	char l4[] = "22 1 0:21 / /proc rw,nosuid - proc proc rw";
	char l5[] = "9 1 0:1 / /o rw - overlay none rw,upperdir=/a\\054b\\040c,workdir=/w";
	struct fmap_mount m;
	char up[64];

	(void)state;
	assert_int_equal(fmap_mountinfo_parse(l1, &m), 0);
	assert_int_equal(m.id, 36);
	assert_int_equal(m.parent, 35);
	assert_int_equal(m.major, 98);
	assert_int_equal(m.minor, 0);
	assert_string_equal(m.root, "/mnt1");
	assert_string_equal(m.point, "/mnt two");
	assert_string_equal(m.fstype, "ext3");
	assert_string_equal(m.source, "/dev/root");
	assert_false(fmap_fs_skipped(m.fstype));
	assert_int_equal(fmap_overlay_upper(m.super_opts, up, sizeof(up)), -ENOENT);

	assert_int_equal(fmap_mountinfo_parse(l2, &m), 0);
	assert_string_equal(m.fstype, "overlay");
	assert_true(fmap_fs_skipped(m.fstype));
	assert_int_equal(fmap_overlay_upper(m.super_opts, up, sizeof(up)), 0);
	assert_string_equal(up, "/var/lib/docker/overlay2/abc/diff");
	assert_int_equal(fmap_overlay_upper(m.super_opts, up, 10), -ENAMETOOLONG);

	assert_int_equal(fmap_mountinfo_parse(l3, &m), -EINVAL);
	assert_int_equal(fmap_mountinfo_parse(l4, &m), 0);
	assert_true(fmap_fs_skipped(m.fstype));
	assert_true(fmap_fs_skipped("cgroup2"));
	assert_true(fmap_fs_skipped(""));
	assert_false(fmap_fs_skipped("tmpfs"));
	assert_int_equal(fmap_mountinfo_parse(l5, &m), 0);
	assert_int_equal(fmap_overlay_upper(m.super_opts, up, sizeof(up)), 0);
	assert_string_equal(up, "/a,b c");
	assert_int_equal(fmap_mount_opt(m.super_opts, "workdir", up, sizeof(up)), 0);
	assert_string_equal(up, "/w");
	assert_int_equal(fmap_mount_opt(m.super_opts, "work", up, sizeof(up)), -ENOENT);
}

static void test_filter(void **state)
{
	struct fmap_filter f = FMAP_FILTER_INIT;

	(void)state;
	assert_true(fmap_filter_pass(&f, "/anything", 9));
	assert_int_equal(fmap_filter_include(&f, "relative"), -EINVAL);
	assert_int_equal(fmap_filter_include(&f, "/srv/"), 0);
	assert_int_equal(fmap_filter_include(&f, "/etc"), 0);
	assert_int_equal(fmap_filter_exclude(&f, "/srv/cache"), 0);
	assert_true(fmap_filter_pass(&f, "/srv", 4));
	assert_true(fmap_filter_pass(&f, "/srv/www/index.html", 19));
	assert_false(fmap_filter_pass(&f, "/srvx", 5));
	assert_false(fmap_filter_pass(&f, "/srv/cache/x", 12));
	assert_true(fmap_filter_pass(&f, "/srv/cachex", 11));
	assert_false(fmap_filter_pass(&f, "/tmp/a", 6));
	assert_true(fmap_filter_pass(&f, "/etc/passwd", 11));
	fmap_filter_release(&f);
	assert_true(fmap_under("/a/b", 4, "/", 1));
	assert_false(fmap_under("a/b", 3, "/", 1));
	assert_true(fmap_under("/a/b", 4, "/a/", 3));
}

static void test_view(void **state)
{
	char l1[] = "500 400 0:77 / / rw - overlay overlay rw,lowerdir=/l,upperdir=/var/lib/docker/overlay2/abc/diff,workdir=/w\n";
	char l2[] = "501 500 8:1 /var/lib/docker/volumes/v/_data /data rw - ext4 /dev/sda1 rw\n";
	char l3[] = "502 500 0:5 / /proc rw - proc proc rw\n";
	char l4[] = "503 500 8:1 /var/lib/docker/containers/abc/hosts /etc/hosts rw - ext4 /dev/sda1 rw\n";
	struct fmap_view v = FMAP_VIEW_INIT, c = FMAP_VIEW_INIT;
	struct fmap_mount m;
	char out[256];
	const char *h;

	(void)state;
	assert_int_equal(fmap_mountinfo_parse(l1, &m), 0);
	assert_int_equal(fmap_view_add_mount(&v, &m), 0);
	assert_int_equal(fmap_mountinfo_parse(l2, &m), 0);
	assert_int_equal(fmap_view_add_mount(&v, &m), 0);
	assert_int_equal(fmap_mountinfo_parse(l3, &m), 0);
	assert_int_equal(fmap_view_add_mount(&v, &m), 0);
	assert_int_equal(fmap_mountinfo_parse(l4, &m), 0);
	assert_int_equal(fmap_view_add_mount(&v, &m), 0);
	assert_int_equal(v.n, 4);	/* upper, one lower, two mounts; proc ignored */

	/* a write through the overlay lands in the upper dir */
	h = "/var/lib/docker/overlay2/abc/diff/etc/passwd";
	assert_int_equal(fmap_view_path(&v, 8, 1, h, strlen(h), h, strlen(h), out, sizeof(out)), 11);
	assert_string_equal(out, "/etc/passwd");
	/* an image layer (lower dir) */
	h = "/l/bin/busybox";
	assert_int_equal(fmap_view_path(&v, 8, 1, h, strlen(h), h, strlen(h), out, sizeof(out)), 12);
	assert_string_equal(out, "/bin/busybox");
	h = "/var/lib/docker/overlay2/abc/diff";
	assert_int_equal(fmap_view_path(&v, 8, 1, h, strlen(h), h, strlen(h), out, sizeof(out)), 1);
	assert_string_equal(out, "/");
	/* a volume: by device and path inside the filesystem */
	h = "/var/lib/docker/volumes/v/_data/db/x";
	assert_int_equal(fmap_view_path(&v, 8, 1, h, strlen(h), h, strlen(h), out, sizeof(out)), 10);
	assert_string_equal(out, "/data/db/x");
	assert_int_equal(fmap_view_path(&v, 8, 2, h, strlen(h), "/zz", 3, out, sizeof(out)), -ENOENT);
	h = "/var/lib/docker/containers/abc/hosts";
	assert_int_equal(fmap_view_path(&v, 8, 1, h, strlen(h), h, strlen(h), out, sizeof(out)), 10);
	assert_string_equal(out, "/etc/hosts");
	/* invisible in the container */
	h = "/root/secret";
	assert_int_equal(fmap_view_path(&v, 8, 1, h, strlen(h), h, strlen(h), out, sizeof(out)), -ENOENT);
	h = "/var/lib/docker/overlay2/abc/diff/etc/passwd";
	assert_int_equal(fmap_view_path(&v, 8, 1, h, strlen(h), h, strlen(h), out, 5), -ENAMETOOLONG);
	fmap_view_release(&v);

	/* a chroot */
	assert_int_equal(fmap_view_add_prefix(&c, "/srv/jail/", "/"), 0);
	h = "/srv/jail/bin/sh";
	assert_int_equal(fmap_view_path(&c, 0, 0, NULL, 0, h, strlen(h), out, sizeof(out)), 7);
	assert_string_equal(out, "/bin/sh");
	h = "/srv/jailbreak";
	assert_int_equal(fmap_view_path(&c, 0, 0, NULL, 0, h, strlen(h), out, sizeof(out)), -ENOENT);
	fmap_view_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_events),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_path_join),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_coalesce),
		cmocka_unit_test(test_mountinfo),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_view),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
