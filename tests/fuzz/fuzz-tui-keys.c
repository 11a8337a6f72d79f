/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fdr-tui's views under arbitrary key sequences (tui/tv.h, no terminal):
 * every byte is a key (bytes 0x80.. pick the special keys, resizes and mouse
 * clicks), over a small ring set written once by the ring writer into a
 * temporary directory. Export ('x') is left out: it writes files.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdr-ring.h"
#include "tui/tv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

static void cleanup(void)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/a.ring", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/b.ring", dir);
	unlink(p);
	rmdir(dir);
}

static int write_rings(void)
{
	static const char *const names[] = { "a.ring", "b.ring" };

	snprintf(dir, sizeof(dir), "/tmp/fuzz-tui-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	atexit(cleanup);
	for (int r = 0; r < 2; r++) {
		struct fdr_writer_opts o = FDR_WRITER_OPTS_INIT;
		struct fdr_ring_meta m;
		struct fdr_ring_writer *w;
		struct fdr_event ev;
		char path[128];
		struct fdr_str av[2] = { { "sh", 2 }, { "-c\x1b[2J", 7 } };

		memset(&m, 0, sizeof(m));
		snprintf(m.hostname, sizeof(m.hostname), "h");
		snprintf(m.container_id, sizeof(m.container_id), "%s", r ? "c0ffee" : "");
		snprintf(m.container_name, sizeof(m.container_name), "%s", r ? "web\x1b]0;x\a" : "");
		o.slot_size = 4096;
		o.file_size = 1u << 20;
		o.sync = FDR_SYNC_NONE;
		snprintf(path, sizeof(path), "%s/%s", dir, names[r]);
		if (fdr_writer_open(path, &m, &o, &w) < 0)
			return -1;
		for (unsigned i = 0; i < 400; i++) {
			static const unsigned kinds[] = { FDR_PROC_FORK, FDR_PROC_EXEC, FDR_FILE_OPEN,
							  FDR_NET_CONNECT, FDR_DNS_QUERY, FDR_PROC_EXIT,
							  FDR_REC_GAP, FDR_SSH_LOGIN };
			fdr_event_init(&ev, kinds[i % 8], 1700000000000000000ull + i * 1000000ull);
			fdr_event_set_u(&ev, FDR_F_PID, 100 + i / 8);
			fdr_event_set_u(&ev, FDR_F_PPID, 100 + i / 16);
			fdr_event_set_u(&ev, FDR_F_SESSIONID, 7);
			fdr_event_set_strv(&ev, FDR_F_ARGV, av, 2);
			fdr_event_set_cstr(&ev, FDR_F_PATH, "/etc/\x9b" "x");
			fdr_event_set_u(&ev, FDR_F_DPORT, 4444);
			if (fdr_writer_append(w, &ev) < 0)
				return -1;
		}
		if (fdr_writer_close(w) < 0)
			return -1;
	}
	return 0;
}

static const int special[] = {
	TV_K_UP, TV_K_DOWN, TV_K_LEFT, TV_K_RIGHT, TV_K_PGUP, TV_K_PGDN, TV_K_HOME, TV_K_END,
	TV_K_ENTER, TV_K_TAB, TV_K_BTAB, TV_K_ESC, TV_K_BS, TV_K_WHEEL_UP, TV_K_WHEEL_DOWN,
	TV_K_CLICK, TV_K_RESIZE, TV_K_F1,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct tv_opts o = { .sel = TM_SEL_INIT, .color = true };
	struct tv_screen scr = { 0, 0, NULL };
	struct tv_app *a;
	struct rp_set *set;
	char err[256];

	if (!ready)
		ready = write_rings() == 0 ? 1 : -1;
	if (ready < 0 || size > 512)
		return 0;
	if (rp_set_new(&set) < 0 || rp_set_add(set, dir) < 0) {
		rp_set_free(set);
		return 0;
	}
	o.sel.threads = 1;
	if (tv_app_new(&o, set, &a, err, sizeof(err)) < 0) {
		rp_set_free(set);
		return 0;
	}
	tv_screen_resize(&scr, 80, 24);
	for (size_t i = 0; i < size; i++) {
		int key = data[i];
		if (key == 'x')
			continue;
		if (key >= 0x80) {
			unsigned k = (unsigned)(key - 0x80);
			if (k >= sizeof(special) / sizeof(special[0]))
				continue;
			key = special[k];
			if (key == TV_K_RESIZE && i + 1 < size) {	/* next byte: a size */
				unsigned v = data[++i];
				tv_screen_resize(&scr, 1 + (int)(v & 0x7f), 1 + (int)(v >> 3));
			}
		}
		int x = i + 1 < size ? data[i + 1] % 100 : 0, y = i + 1 < size ? data[i + 1] % 30 : 0;
		if (!tv_app_key(a, key, x, y))
			break;
		while (tv_app_idle(a))
			;
		tv_app_draw(a, &scr);
	}
	tv_app_draw(a, &scr);
	tv_app_free(a);
	tv_screen_release(&scr);
	return 0;
}
