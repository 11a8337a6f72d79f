/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for the auth decoders (recorder/auth-parse.h), audit records
 * framed by recorder/rec-audit.h.
 * The first byte selects the decoder, the rest is its input:
 *   0 any auth log line (syslog framing, sshd, sudo)   3 audit netlink datagram
 *   1 sshd message                                     4 audit records, one per line,
 *   2 sudo logfile entry (wrapped lines)                 through the assembler
 * Every event produced is walked so a bad pointer or length shows.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "recorder/rec-audit.h"
#include "recorder/auth-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned sink;

static void touch(const struct auth_ev *e)
{
	unsigned f, i;

	for (f = 1; f < FDR_F_MAX; f++) {
		if (!fdr_event_has(&e->ev, f) || fdr_field_type(f) != FDR_T_STR)
			continue;
		for (i = 0; i < e->ev.f[f].s.len; i++)
			sink += (unsigned char)e->ev.f[f].s.p[i];
	}
}

static void on_ev(void *arg, const struct auth_ev *e)
{
	(void)arg;
	touch(e);
}

static struct auth_audit_rec rec;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct auth_ev e;
	const char *p = (const char *)data + 1;
	size_t n = size ? size - 1 : 0;
	char *copy;

	if (!size)
		return 0;
	/* an exact-size heap copy so ASan sees any read past the end */
	copy = malloc(n ? n : 1);
	if (!copy)
		return 0;
	memcpy(copy, p, n);
	p = copy;
	switch (data[0] % 5) {
	case 0:
		if (auth_line_event(p, n, 1795608000000000000ull, &e) == 1)
			touch(&e);
		break;
	case 1: {
		struct auth_ssh_msg m;

		if (auth_sshd_parse(p, n, &m) == 0 && auth_sshd_event(&m, 1, 2, &e) == 1)
			touch(&e);
		break;
	}
	case 2: {
		char out[4096];
		size_t k = auth_sudo_unwrap(p, n, out, sizeof(out));
		struct auth_sudo_msg m;

		if (auth_sudo_parse(out, k, &m) == 0) {
			auth_sudo_event(&m, 1, 0, &e);
			touch(&e);
		}
		break;
	}
	case 3: {
		struct auth_audit_asm *as = auth_audit_asm_new(on_ev, NULL);
		struct rec_audit_rec r;

		if (rec_audit_parse(p, n, &r) == 0 &&
		    auth_audit_parse_body(&rec, r.type, r.time_ns, r.serial, r.body, r.len) == 0)
			auth_audit_asm_feed(as, &rec);
		auth_audit_asm_free(as);
		break;
	}
	case 4: {
		struct auth_audit_asm *as = auth_audit_asm_new(on_ev, NULL);
		size_t i = 0;

		while (i < n) {
			const char *nl = memchr(p + i, '\n', n - i);
			size_t len = nl ? (size_t)(nl - (p + i)) : n - i;

			if (auth_audit_parse(p + i, len, 0, &rec) == 0)
				auth_audit_asm_feed(as, &rec);
			i += len + 1;
		}
		auth_audit_asm_flush(as, 5000000000ull, 1000000000ull);
		auth_audit_asm_free(as);
		break;
	}
	}
	free(copy);
	return 0;
}
