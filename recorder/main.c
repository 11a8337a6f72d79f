// SPDX-License-Identifier: Apache-2.0
/* fdr-record: the always-on recorder. Arguments and config here; the work
 * is in core.c and the sources. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "rec-core.h"

static const struct rec_optdef core_opts[] = {
	{ "dir", "DIR", "ring directory (default /var/lib/fdr)", false },
	{ "sources", "LIST", "comma-separated sources to run (default: the default ones)", false },
	{ "ring-size", "SIZE", "bytes per ring file, e.g. 64M (default 16M)", false },
	{ "block-size", "SIZE", "bytes per block slot, e.g. 64K (default 64K)", false },
	{ "flush-interval", "SECS", "write open blocks at least this often (default 1)", false },
	{ "disk-budget", "SIZE", "cap on the ring files of DIR, 0 = none (default 1G)", false },
	{ "duration", "SECS", "stop after this long (default: until SIGTERM/SIGINT)", false },
	{ "sched-priority", "N", "SCHED_FIFO priority 1-99 so /proc is read before short processes exit; 0 = normal (default 1)", false },
	{ "no-sync", NULL, "do not fdatasync flushed blocks (survives kill -9, not power loss)", false },
	{ "config", "FILE", "read options from FILE (name = value lines)", false },
	{ "help", NULL, "show this help and exit", false },
	{ "version", NULL, "show the version and exit", false },
	{ NULL, NULL, NULL, false },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: fdr-record [-d DIR] [--sources LIST] [--ring-size SIZE] [--block-size SIZE]\n"
		   "                  [--flush-interval SECS] [--disk-budget SIZE] [--duration SECS]\n"
		   "                  [--config FILE] [source options]\n\n"
		   "Record process, container and other host events into ring files, one per\n"
		   "container plus host.ring, in DIR. Runs in the foreground; SIGTERM or SIGINT\n"
		   "flushes every ring and exits 0.\n\nOptions:\n");
	for (const struct rec_optdef *d = core_opts; d->name; d++) {
		char left[64];

		snprintf(left, sizeof(left), "%s--%s%s%s", strcmp(d->name, "dir") == 0 ? "-d, " :
			 strcmp(d->name, "help") == 0 ? "-h, " :
			 strcmp(d->name, "version") == 0 ? "-V, " : "    ",
			 d->name, d->arg ? " " : "", d->arg ? d->arg : "");
		fprintf(f, "  %-30s %s\n", left, d->help);
	}
	fprintf(f, "\nSources (* = on by default):\n");
	for (size_t i = 0; rec_sources[i]; i++) {
		const struct source_ops *s = rec_sources[i];

		fprintf(f, "  %s%s\n", s->name, s->on_by_default ? " *" : "");
		for (const struct rec_optdef *d = s->options; d && d->name; d++) {
			char left[64];

			snprintf(left, sizeof(left), "    --%s%s%s", d->name, d->arg ? " " : "",
				 d->arg ? d->arg : "");
			fprintf(f, "  %-30s %s%s\n", left, d->help, d->repeat ? " (repeatable)" : "");
		}
	}
	fprintf(f, "\nSizes take K, M, G, T (binary). A config file has one 'name = value' per\n"
		   "line with the long option names; command-line options override it.\n\n"
		   "Exit status: 0 clean stop, 1 runtime error, 2 usage or configuration error.\n");
}

int main(int argc, char **argv)
{
	const struct rec_optdef *tables[1 + 64];
	struct rec_optset set = { tables, 0 };
	struct rec_opts opts = REC_OPTS_INIT;
	struct rec_settings s = REC_SETTINGS_INIT;
	struct rec *rec = NULL;
	char err[1024] = "";
	const char *v;
	int rc = 2, r;

	tables[set.n++] = core_opts;
	for (size_t i = 0; rec_sources[i] && set.n < sizeof(tables) / sizeof(tables[0]); i++)
		if (rec_sources[i]->options)
			tables[set.n++] = rec_sources[i]->options;

	if (rec_cli_parse(&opts, &set, argc, (const char *const *)argv, err, sizeof(err)) < 0) {
		fprintf(stderr, "fdr-record: %s\n", err);
		goto out;
	}
	if (rec_opts_get(&opts, "help", 0)) {
		usage(stdout);
		rc = 0;
		goto out;
	}
	if (rec_opts_get(&opts, "version", 0)) {
		printf("fdr-record %s\n", FDR_VERSION);
		rc = 0;
		goto out;
	}
	if ((v = rec_opts_get(&opts, "config", 0)) &&
	    rec_config_load(&opts, &set, v, err, sizeof(err)) < 0) {
		fprintf(stderr, "fdr-record: %s\n", err);
		goto out;
	}
	if (rec_settings_from_opts(&s, &opts, err, sizeof(err)) < 0) {
		fprintf(stderr, "fdr-record: %s\n", err);
		goto out;
	}
	/* one open ring file per container: lift the soft fd limit */
	{
		struct rlimit rl;

		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	rc = 1;
	if (rec_check_dir(s.dir, err, sizeof(err)) < 0) {
		fprintf(stderr, "fdr-record: %s\n", err);
		goto out;
	}
	if (rec_new(&s, &opts, &rec) < 0)
		goto out;
	r = rec_start_sources(rec, rec_opts_get(&opts, "sources", 0));
	if (r < 0) {
		rc = r == -EINVAL ? 2 : 1;
		goto out_free;
	}
	if (rec_run(rec) == 0)
		rc = 0;
out_free:
	rec_free(rec);
out:
	rec_opts_release(&opts);
	return rc;
}
