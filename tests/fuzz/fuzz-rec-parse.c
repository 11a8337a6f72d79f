// SPDX-License-Identifier: Apache-2.0
/*
 * Fuzz target: the recorder's parsers of untrusted text. The first byte
 * picks one: /proc/<pid>/cgroup, /proc/<pid>/status, a cmdline, a config
 * file, an audit datagram (its fields and EXECVE arguments).
 */
#include <linux/netlink.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "recorder/rec-audit.h"
#include "recorder/rec-cgroup.h"
#include "recorder/rec-config.h"
#include "recorder/rec-procfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct rec_optdef defs[] = {
	{ "dir", "DIR", "", false },
	{ "ring-size", "SIZE", "", false },
	{ "watch", "PATH", "", true },
	{ "flag", NULL, "", false },
	{ NULL, NULL, NULL, false },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rec_procinfo pi;
	const char *p = (const char *)data + 1;
	size_t n = size ? size - 1 : 0;

	if (!size)
		return 0;
	switch (data[0] % 5) {
	case 0: {
		struct rec_cgroup_id cg;

		if (rec_cgroup_parse_file(p, n, &cg) == 1 && strlen(cg.id) != 64)
			abort();
		break;
	}
	case 1:
		rec_procfs_parse_status(p, n, &pi);
		break;
	case 2: {
		size_t len = n < sizeof(pi.args) ? n : sizeof(pi.args);
		size_t total = 0;

		memcpy(pi.args, p, len);
		rec_procfs_split_argv(&pi, len);
		for (uint32_t i = 0; i < pi.argc; i++) {
			if (pi.argv[i].p < pi.args || pi.argv[i].p + pi.argv[i].len > pi.args + len)
				abort();
			total += pi.argv[i].len;
		}
		if (total > len)
			abort();
		break;
	}
	case 3: {
		const struct rec_optdef *const tables[] = { defs };
		struct rec_optset set = { tables, 1 };
		struct rec_opts o = REC_OPTS_INIT;
		char err[256];

		rec_config_parse(&o, &set, "fuzz.conf", p, n, err, sizeof(err));
		rec_opts_release(&o);
		break;
	}
	case 4: {
		/* the bytes after the selector are the record text */
		char *buf = malloc(NLMSG_HDRLEN + n);
		struct nlmsghdr nh = { 0 };
		struct rec_audit_rec r;
		char out[64], args[128];
		size_t used = 0;
		uint64_t v;

		if (!buf)
			return 0;
		nh.nlmsg_len = (uint32_t)(NLMSG_HDRLEN + n);
		nh.nlmsg_type = 1309;
		memcpy(buf, &nh, sizeof(nh));
		memcpy(buf + NLMSG_HDRLEN, p, n);
		if (rec_audit_parse(buf, NLMSG_HDRLEN + n, &r) == 0) {
			rec_audit_str(&r, "exe", out, sizeof(out));
			rec_audit_u64(&r, "pid", &v);
			rec_audit_execve_args(&r, args, sizeof(args), &used);
			if (used > sizeof(args))
				abort();
		}
		free(buf);
		break;
	}
	}
	return 0;
}
