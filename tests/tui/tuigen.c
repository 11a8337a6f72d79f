/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fdr-tuigen: a hostile ring for fdr-tui's tests (synthetic, written with the
 * formats writer; runtime "synthetic"): terminal escape sequences in the
 * container name, the image, argv, a path and a DNS name, as an attacker
 * inside a container can arrange.
 *
 *   fdr-tuigen evil DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fdr-ring.h"

#define T0 1764064800000000000ull	/* 2025-11-25T10:00:00Z */

static void add(struct fdr_ring_writer *w, const struct fdr_event *ev)
{
	int err = fdr_writer_append(w, ev);

	if (err < 0) {
		fprintf(stderr, "fdr-tuigen: append: %s\n", fdr_strerror(err));
		exit(1);
	}
}

int main(int argc, char **argv)
{
	struct fdr_writer_opts o = FDR_WRITER_OPTS_INIT;
	struct fdr_ring_writer *w;
	struct fdr_ring_meta m;
	struct fdr_event ev;
	char path[4096];
	int err;

	if (argc != 3 || strcmp(argv[1], "evil")) {
		fprintf(stderr, "usage: fdr-tuigen evil DIR\n");
		return 2;
	}
	mkdir(argv[2], 0700);
	memset(&m, 0, sizeof(m));
	snprintf(m.hostname, sizeof(m.hostname), "h\x1b[5mx");
	snprintf(m.machine_id, sizeof(m.machine_id), "m1");
	snprintf(m.boot_id, sizeof(m.boot_id), "b1");
	snprintf(m.runtime, sizeof(m.runtime), "synthetic");
	snprintf(m.container_id, sizeof(m.container_id), "e5e5e5e5e5e5e5e5");
	snprintf(m.container_name, sizeof(m.container_name), "ev\x1b]0;PWNED\aname");
	snprintf(m.image, sizeof(m.image), "img\x1b[2J:1");
	o.slot_size = 16384;
	o.file_size = 1u << 20;
	o.sync = FDR_SYNC_NONE;
	snprintf(path, sizeof(path), "%s/evil.ring", argv[2]);
	if ((err = fdr_writer_open(path, &m, &o, &w)) < 0) {
		fprintf(stderr, "fdr-tuigen: %s: %s\n", path, fdr_strerror(err));
		return 1;
	}
	struct fdr_str av[3] = { { "sh", 2 }, { "-c", 2 }, { "echo \x1b[31mRED\x1b[0m\x9b" "2J", 20 } };
	fdr_event_init(&ev, FDR_PROC_EXEC, T0);
	fdr_event_set_u(&ev, FDR_F_PID, 4242);
	fdr_event_set_u(&ev, FDR_F_PPID, 1);
	fdr_event_set_cstr(&ev, FDR_F_EXE, "/bin/sh");
	fdr_event_set_cstr(&ev, FDR_F_COMM, "s\x1b[Ah");
	fdr_event_set_strv(&ev, FDR_F_ARGV, av, 3);
	add(w, &ev);
	fdr_event_init(&ev, FDR_FILE_CREATE, T0 + 1000);
	fdr_event_set_u(&ev, FDR_F_PID, 4242);
	fdr_event_set_cstr(&ev, FDR_F_PATH, "/tmp/\x1b[31mEVILFILE\x1b[0m\r\n");
	add(w, &ev);
	fdr_event_init(&ev, FDR_DNS_QUERY, T0 + 2000);
	fdr_event_set_u(&ev, FDR_F_PID, 4242);
	fdr_event_set_cstr(&ev, FDR_F_NAME, "x\x1b]8;;http://e/\x1b\\y.example");
	fdr_event_set_cstr(&ev, FDR_F_QTYPE, "A");
	add(w, &ev);
	fdr_event_init(&ev, FDR_PROC_EXIT, T0 + 3000);
	fdr_event_set_u(&ev, FDR_F_PID, 4242);
	fdr_event_set_i(&ev, FDR_F_EXIT_CODE, 1);
	add(w, &ev);
	if ((err = fdr_writer_close(w)) < 0) {
		fprintf(stderr, "fdr-tuigen: close: %s\n", fdr_strerror(err));
		return 1;
	}
	return 0;
}
