/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fdr-replay: the command over the replay library. Argument parsing,
 * printing and exit codes live here; everything else is in replay/rp-*.h.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdr-text.h"
#include "replay/cmd-model.h"
#include "replay/rp-filter.h"
#include "replay/rp-fopt.h"
#include "replay/rp-output.h"
#include "replay/rp-session.h"
#include "replay/rp-set.h"
#include "replay/rp-time.h"
#include "replay/rp-tree.h"

enum { EXIT_OK = 0, EXIT_FINDINGS = 1, EXIT_USAGE = 2 };

static const char usage_text[] =
	"usage: fdr-replay SUBCOMMAND [OPTIONS] [FILTERS] RINGS...\n"
	"\n"
	"RINGS are ring files or directories of them, from one host or many.\n"
	"\n"
	"subcommands:\n"
	"  timeline   events in time order, one line each (--json: JSON lines)\n"
	"  tree       process trees per host and container (--json)\n"
	"  sessions   logins (ssh, docker exec, pods/exec) and every process they caused (--json)\n"
	"  info       per ring: host, container, image, events, time range, bytes, gaps, damage (--json)\n"
	"  export     --format jsonl|csv|timesketch\n"
	"  verify     check every block of every ring\n"
	"  count      number of matching events (fast: parallel, unordered)\n"
	"  learn      learn each image's normal behaviour into a model (learn --help)\n"
	"  check      findings: what deviates from a model (check --help)\n"
	"\n"
	"filters (every subcommand):\n"
	"  --since TIME, --until TIME   RFC 3339 (2024-05-01T12:00:00Z) or relative (-2h, -30m, now)\n"
	"  --host GLOB                  host name\n"
	"  --container ID|NAME          id prefix, name glob, or 'host'\n"
	"  --image GLOB                 container image\n"
	"  --kind GLOBS                 event kinds, comma separated (file.*,proc.exec,docker.*)\n"
	"  --pid PID [--descendants]    a host pid (and every process it started)\n"
	"  --user USER|UID              user, runas, uid, euid or loginuid\n"
	"  -e, --expr EXPR              filter expression, e.g.\n"
	"        'kind == \"proc.exec\" && exe ~ \"/bin/*sh\" && container.image ~ \"nginx*\"'\n"
	"        (grammar: man fdr-replay, FILTER EXPRESSIONS)\n"
	"\n"
	"options:\n"
	"  --json             JSON lines (timeline, tree, sessions, info)\n"
	"  --format FMT       export format: jsonl (default), csv, timesketch\n"
	"  --threads N        decoding threads (default: one per CPU)\n"
	"  --stats            print scan statistics (blocks skipped/decoded) to stderr\n"
	"  --no-progress      never draw the progress bar\n"
	"  -h, --help, --version\n"
	"\n"
	"exit status: 0 ok; 1 findings (verify: damaged blocks); 2 usage error, bad\n"
	"filter, or input that could not be read (everything readable is still read).\n";

struct opts {
	const char *cmd;
	bool json, stats, progress;
	const char *format;
	unsigned threads;
	struct rp_filter *filter;
	char **rings;
	int nrings;
};

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "fdr-replay: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'fdr-replay --help'.\n");
	return EXIT_USAGE;
}

static void print_filter_error(const char *what, const char *text, const struct rp_error *e)
{
	struct fdr_buf b = FDR_BUF_INIT;

	fdr_buf_adds(&b, "fdr-replay: ");
	rp_fopt_format_error(&b, what, text, e);
	fprintf(stderr, "%s\n", b.p);
	fdr_buf_release(&b);
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	enum { O_JSON = 256, O_FORMAT, O_THREADS, O_STATS, O_NOPROGRESS, O_VERSION };
	static const struct option lo[] = {
		RP_FOPT_LONGOPTS,
		{ "json", no_argument, NULL, O_JSON },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "threads", required_argument, NULL, O_THREADS },
		{ "stats", no_argument, NULL, O_STATS },
		{ "no-progress", no_argument, NULL, O_NOPROGRESS },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	struct rp_fopt fo = RP_FOPT_INIT;
	struct rp_error err = RP_ERROR_INIT;
	const char *what = "";
	int c, r;

	o->progress = true;
	optind = 2;
	while ((c = getopt_long(argc, argv, "e:h", lo, NULL)) != -1) {
		char *end;

		r = rp_fopt_apply(&fo, o->filter, c, optarg, rp_time_now(), &err, &what);
		if (r < 0) {
			print_filter_error(what, optarg, &err);
			return EXIT_USAGE;
		}
		if (r > 0)
			continue;
		switch (c) {
		case O_JSON: o->json = true; break;
		case O_FORMAT: o->format = optarg; break;
		case O_STATS: o->stats = true; break;
		case O_NOPROGRESS: o->progress = false; break;
		case O_THREADS: {
			unsigned long n = strtoul(optarg, &end, 10);
			if (!*optarg || *end || n < 1 || n > 256)
				return usage_error("bad --threads '%s': expected 1..256", optarg);
			o->threads = (unsigned)n;
			break;
		}
		case 'h':
			fputs(usage_text, stdout);
			exit(EXIT_OK);
		case O_VERSION:
			printf("fdr-replay %s\n", FDR_VERSION);
			exit(EXIT_OK);
		default:
			return usage_error("%s", "bad option");
		}
	}
	if (rp_fopt_finish(&fo, o->filter, &err))
		return usage_error("%s", err.msg);
	o->rings = argv + optind;
	o->nrings = argc - optind;
	if (o->nrings < 1)
		return usage_error("%s: no rings given (ring files or directories)", o->cmd);
	return 0;
}

/* ---- output helpers -------------------------------------------------------- */

/* -EPIPE when the reader went away (`| head`, `| grep -q`): not an error. */
static int flush_out(struct fdr_buf *b)
{
	if (b->len && fwrite(b->p, 1, b->len, stdout) != b->len)
		return errno == EPIPE ? -EPIPE : -EIO;
	fdr_buf_reset(b);
	return 0;
}

static void print_diags(const struct rp_set *s, size_t from)
{
	for (size_t i = from; i < rp_set_ndiags(s); i++) {
		const struct rp_diag *d = rp_set_diag(s, i);
		struct fdr_buf b = FDR_BUF_INIT;
		fdr_buf_adds(&b, "fdr-replay: ");
		fdr_buf_adds(&b, d->detail[0] && d->error != -ENOENT ? "warning: " : "");
		rp_diag_format(&b, d);
		fprintf(stderr, "%s\n", b.p);
		fdr_buf_release(&b);
	}
}

/* Input problems that are not damaged blocks (those carry a detail "slot N"). */
static bool input_errors(const struct rp_set *s)
{
	for (size_t i = 0; i < rp_set_ndiags(s); i++)
		if (strncmp(rp_set_diag(s, i)->detail, "slot ", 5))
			return true;
	return false;
}

static void print_stats(const struct opts *o, const struct rp_scan_stats *st)
{
	struct rusage ru;

	if (!o->stats)
		return;
	getrusage(RUSAGE_SELF, &ru);
	fprintf(stderr, "stats: peak_rss_kib=%ld\n", ru.ru_maxrss);
	fprintf(stderr,
		"stats: rings=%" PRIu64 " blocks=%" PRIu64 " skipped=%" PRIu64 " decoded=%" PRIu64
		" counted_from_header=%" PRIu64 " damaged=%" PRIu64 " events=%" PRIu64 " matched=%" PRIu64
		" max_live_blocks=%" PRIu64 "\n",
		st->rings, st->blocks, st->blocks_skipped, st->blocks_decoded, st->blocks_counted,
		st->blocks_damaged, st->events, st->matched, st->max_live_blocks);
}

/* ---- progress bar ----------------------------------------------------------- */

/*
 * Drawn on stderr when it is a terminal, stdout is not the same terminal
 * (or the subcommand prints only at the end), and the scan has run for
 * more than a second.
 */
struct progress {
	bool on, drawn;
	uint64_t start, last, n;
};

static void progress_init(struct progress *p, const struct opts *o, bool prints_at_end)
{
	memset(p, 0, sizeof(*p));
	p->on = o->progress && isatty(2) && (prints_at_end || !isatty(1));
	p->start = rp_time_now();
}

static void progress_tick(struct progress *p, const struct rp_scan *sc)
{
	uint64_t done, total, now;

	if (!p->on || (++p->n & 4095))
		return;
	now = rp_time_now();
	if (now - p->start < 1000000000ull || now - p->last < 200000000ull)
		return;
	p->last = now;
	rp_scan_progress(sc, &done, &total);
	unsigned pct = total ? (unsigned)(done * 100 / total) : 100, w = pct * 30 / 100;
	char bar[31];
	memset(bar, '#', w);
	memset(bar + w, ' ', 30 - w);
	bar[30] = '\0';
	fprintf(stderr, "\r[%s] %3u%% of %" PRIu64 " blocks", bar, pct, total);
	p->drawn = true;
}

static void progress_done(struct progress *p)
{
	if (p->drawn)
		fprintf(stderr, "\r\033[K");
}

/* ---- subcommands ----------------------------------------------------------- */

enum fmt { F_HUMAN, F_JSON, F_CSV, F_TIMESKETCH };

static int cmd_events(struct opts *o, struct rp_set *s, enum fmt fmt)
{
	struct rp_scan_opts so = RP_SCAN_OPTS_INIT;
	struct rp_scan *sc;
	struct rp_item it;
	struct fdr_buf b = FDR_BUF_INIT;
	struct rp_scan_stats st;
	int err;

	so.threads = o->threads;
	so.filter = o->filter;
	err = rp_scan_new(s, &so, &sc);
	if (err < 0) {
		fprintf(stderr, "fdr-replay: cannot scan: %s\n", fdr_strerror(err));
		return EXIT_USAGE;
	}
	struct progress pg;
	progress_init(&pg, o, false);
	if (fmt == F_CSV)
		rp_out_csv_header(&b);
	while ((err = rp_scan_next(sc, &it)) > 0) {
		progress_tick(&pg, sc);
		switch (fmt) {
		case F_HUMAN: rp_out_human(&b, it.ring, it.ev); break;
		case F_JSON: rp_out_json(&b, it.ring, it.ev); break;
		case F_CSV: rp_out_csv(&b, it.ring, it.ev); break;
		case F_TIMESKETCH: rp_out_timesketch(&b, it.ring, it.ev); break;
		}
		if (b.len >= 1 << 16 && (err = flush_out(&b)) < 0)
			break;
	}
	progress_done(&pg);
	if (err >= 0)
		err = flush_out(&b);
	fflush(stdout);
	rp_scan_stats(sc, &st);
	rp_scan_free(sc);
	fdr_buf_release(&b);
	print_stats(o, &st);
	if (err < 0 && err != -EPIPE) {
		fprintf(stderr, "fdr-replay: %s\n", fdr_strerror(err));
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

static int cmd_count(struct opts *o, struct rp_set *s)
{
	struct rp_scan_opts so = RP_SCAN_OPTS_INIT;
	struct rp_scan_stats st;
	uint64_t n = 0;
	int err;

	so.threads = o->threads;
	so.filter = o->filter;
	err = rp_scan_count(s, &so, &n, &st);
	if (err < 0) {
		fprintf(stderr, "fdr-replay: cannot scan: %s\n", fdr_strerror(err));
		return EXIT_USAGE;
	}
	printf("%" PRIu64 "\n", n);
	print_stats(o, &st);
	return EXIT_OK;
}

struct ring_sum {
	uint64_t gaps, lost;
};

static void info_ring(struct fdr_buf *b, const struct rp_ring *r, const struct ring_sum *sum, bool json)
{
	const struct fdr_ring_geometry *g = fdr_reader_geometry(r->reader);
	const struct fdr_ring_meta *m = r->meta;
	size_t nb = fdr_reader_nblocks(r->reader);
	uint64_t events = 0, first = UINT64_MAX, last = 0, disk = g->file_size;
	char t1[RP_TIME_MAX], t2[RP_TIME_MAX];
	struct stat st;

	for (size_t i = 0; i < nb; i++) {
		const struct fdr_block_info *bi = fdr_reader_block(r->reader, i);
		events += bi->events;
		if (bi->first_ns < first)
			first = bi->first_ns;
		if (bi->last_ns > last)
			last = bi->last_ns;
	}
	if (stat(r->path, &st) == 0)
		disk = (uint64_t)st.st_size;
	/* What the disk really spends on these events: used slots, slack included. */
	double bpe = events ? (double)nb * g->slot_size / (double)events : 0;
	size_t damaged = fdr_reader_ndamaged(r->reader);
	if (json) {
		fdr_buf_adds(b, "{\"path\":");
		fdr_buf_add_json_str(b, r->path, strlen(r->path));
		fdr_buf_adds(b, ",\"host\":");
		fdr_buf_add_json_str(b, r->host, strlen(r->host));
		fdr_buf_adds(b, ",\"machine_id\":");
		fdr_buf_add_json_str(b, m->machine_id, strlen(m->machine_id));
		fdr_buf_adds(b, ",\"boot_id\":");
		fdr_buf_add_json_str(b, m->boot_id, strlen(m->boot_id));
		fdr_buf_adds(b, ",\"container\":");
		fdr_buf_add_json_str(b, r->container, strlen(r->container));
		fdr_buf_adds(b, ",\"container_name\":");
		fdr_buf_add_json_str(b, r->name, strlen(r->name));
		fdr_buf_adds(b, ",\"image\":");
		fdr_buf_add_json_str(b, r->image, strlen(r->image));
		fdr_buf_adds(b, ",\"runtime\":");
		fdr_buf_add_json_str(b, m->runtime, strlen(m->runtime));
		fdr_buf_adds(b, ",\"pod\":");
		fdr_buf_add_json_str(b, m->pod, strlen(m->pod));
		fdr_buf_adds(b, ",\"pod_uid\":");
		fdr_buf_add_json_str(b, m->pod_uid, strlen(m->pod_uid));
		fdr_buf_adds(b, ",\"namespace\":");
		fdr_buf_add_json_str(b, m->namespace_, strlen(m->namespace_));
		fdr_buf_addf(b, ",\"version\":\"%u.%u\",\"events\":%" PRIu64 ",\"blocks\":%zu,"
			     "\"slots\":%u,\"slot_size\":%u",
			     g->version_major, g->version_minor, events, nb, g->slot_count, g->slot_size);
		if (nb) {
			fdr_buf_addf(b, ",\"first\":\"%s\",\"last\":\"%s\"", rp_time_format(first, t1),
				     rp_time_format(last, t2));
		} else {
			fdr_buf_adds(b, ",\"first\":null,\"last\":null");
		}
		fdr_buf_addf(b, ",\"bytes\":%" PRIu64 ",\"bytes_per_event\":%.1f,\"gaps\":%" PRIu64
			     ",\"lost\":%" PRIu64 ",\"damaged_blocks\":%zu}\n",
			     disk, bpe, sum->gaps, sum->lost, damaged);
		return;
	}
	fdr_buf_add_escaped(b, r->path, strlen(r->path));
	fdr_buf_adds(b, "\n  host       ");
	fdr_buf_add_escaped(b, r->host, strlen(r->host));
	if (m->machine_id[0] || m->boot_id[0]) {
		fdr_buf_adds(b, " (machine ");
		fdr_buf_add_escaped(b, m->machine_id, strlen(m->machine_id));
		fdr_buf_adds(b, ", boot ");
		fdr_buf_add_escaped(b, m->boot_id, strlen(m->boot_id));
		fdr_buf_adds(b, ")");
	}
	fdr_buf_adds(b, "\n  container  ");
	fdr_buf_add_escaped(b, r->container, strlen(r->container));
	if (*r->name) {
		fdr_buf_adds(b, " (");
		fdr_buf_add_escaped(b, r->name, strlen(r->name));
		fdr_buf_adds(b, ")");
	}
	if (*r->image) {
		fdr_buf_adds(b, "\n  image      ");
		fdr_buf_add_escaped(b, r->image, strlen(r->image));
	}
	if (m->pod[0]) {
		fdr_buf_adds(b, "\n  pod        ");
		fdr_buf_add_escaped(b, m->namespace_, strlen(m->namespace_));
		fdr_buf_addc(b, '/');
		fdr_buf_add_escaped(b, m->pod, strlen(m->pod));
		if (m->pod_uid[0]) {
			fdr_buf_adds(b, " (uid ");
			fdr_buf_add_escaped(b, m->pod_uid, strlen(m->pod_uid));
			fdr_buf_addc(b, ')');
		}
	}
	fdr_buf_addf(b, "\n  events     %" PRIu64 " in %zu blocks (of %u slots of %u bytes, format %u.%u)",
		     events, nb, g->slot_count, g->slot_size, g->version_major, g->version_minor);
	if (nb)
		fdr_buf_addf(b, "\n  time       %s .. %s", rp_time_format(first, t1), rp_time_format(last, t2));
	else
		fdr_buf_adds(b, "\n  time       (empty)");
	fdr_buf_addf(b, "\n  bytes      %" PRIu64 " on disk, %.1f per event", disk, bpe);
	fdr_buf_addf(b, "\n  gaps       %" PRIu64 " (%" PRIu64 " events lost)", sum->gaps, sum->lost);
	fdr_buf_addf(b, "\n  damaged    %zu blocks\n\n", damaged);
}

static int cmd_info(struct opts *o, struct rp_set *s)
{
	size_t n = rp_set_nrings(s);
	struct ring_sum *sums = calloc(n ? n : 1, sizeof(*sums));
	struct rp_filter *gf;
	struct rp_scan_opts so = RP_SCAN_OPTS_INIT;
	struct rp_scan *sc;
	struct rp_item it;
	struct fdr_buf b = FDR_BUF_INIT;
	int err;

	if (!sums || rp_filter_new(&gf) < 0)
		abort();
	/* Gaps: only blocks whose kind bitmap has rec.gap are decompressed. */
	rp_filter_add_kinds(gf, "rec.gap", NULL);
	so.threads = o->threads;
	so.filter = gf;
	err = rp_scan_new(s, &so, &sc);
	if (err >= 0) {
		while ((err = rp_scan_next(sc, &it)) > 0) {
			sums[it.ring->index].gaps++;
			sums[it.ring->index].lost += fdr_event_u(it.ev, FDR_F_LOST, 0);
		}
		rp_scan_free(sc);
	}
	for (size_t i = 0; i < n; i++) {
		const struct rp_ring *r = rp_set_ring(s, i);
		if (!rp_filter_ring_selected(o->filter, r))
			continue;
		info_ring(&b, r, &sums[i], o->json);
	}
	flush_out(&b);
	fdr_buf_release(&b);
	rp_filter_free(gf);
	free(sums);
	return err < 0 ? EXIT_USAGE : EXIT_OK;
}

static int cmd_verify(struct opts *o, struct rp_set *s)
{
	size_t bad = 0;

	for (size_t i = 0; i < rp_set_nrings(s); i++) {
		const struct rp_ring *r = rp_set_ring(s, i);
		struct fdr_buf b = FDR_BUF_INIT;
		if (!rp_filter_ring_selected(o->filter, r))
			continue;
		int n = fdr_reader_verify(r->reader);
		fdr_buf_add_escaped(&b, r->path, strlen(r->path));
		if (n < 0) {
			fdr_buf_addf(&b, ": cannot verify: %s", fdr_strerror(n));
			bad++;
		} else {
			fdr_buf_addf(&b, ": %zu blocks, %d damaged", fdr_reader_nblocks(r->reader), n);
			if (n)
				bad++;
			for (size_t d = 0; d < fdr_reader_ndamaged(r->reader); d++) {
				const struct fdr_damage *dm = fdr_reader_damaged(r->reader, d);
				fdr_buf_addf(&b, "\n  slot %u: %s", dm->slot, fdr_strerror(dm->error));
			}
		}
		printf("%s\n", b.p);
		fdr_buf_release(&b);
	}
	return bad ? EXIT_FINDINGS : EXIT_OK;
}

static int cmd_tree(struct opts *o, struct rp_set *s)
{
	struct rp_scan_opts so = RP_SCAN_OPTS_INIT;
	struct rp_scan *sc;
	struct rp_item it;
	struct rp_tree *t;
	struct fdr_buf b = FDR_BUF_INIT;
	int err;

	so.threads = o->threads;
	so.filter = o->filter;
	if ((err = rp_tree_new(&t)) < 0)
		goto out_err;
	if ((err = rp_scan_new(s, &so, &sc)) < 0) {
		rp_tree_free(t);
		goto out_err;
	}
	struct progress pg;
	progress_init(&pg, o, true);
	while ((err = rp_scan_next(sc, &it)) > 0) {
		progress_tick(&pg, sc);
		rp_tree_add(t, it.ring, it.ev);
	}
	progress_done(&pg);
	rp_scan_free(sc);
	rp_tree_finish(t);
	if (o->json)
		rp_tree_format_json(t, &b);
	else
		rp_tree_format(t, &b);
	flush_out(&b);
	fdr_buf_release(&b);
	rp_tree_free(t);
	return err < 0 ? EXIT_USAGE : EXIT_OK;
out_err:
	fprintf(stderr, "fdr-replay: %s\n", fdr_strerror(err));
	return EXIT_USAGE;
}

static int cmd_sessions(struct opts *o, struct rp_set *s)
{
	struct rp_scan_opts so = RP_SCAN_OPTS_INIT;
	struct rp_scan *sc;
	struct rp_item it;
	struct rp_sessions *ss;
	struct fdr_buf b = FDR_BUF_INIT;
	int err;

	so.threads = o->threads;
	so.filter = o->filter;
	if ((err = rp_sessions_new(&ss)) < 0)
		goto out_err;
	if ((err = rp_scan_new(s, &so, &sc)) < 0) {
		rp_sessions_free(ss);
		goto out_err;
	}
	struct progress pg;
	progress_init(&pg, o, true);
	while ((err = rp_scan_next(sc, &it)) > 0) {
		progress_tick(&pg, sc);
		rp_sessions_add(ss, it.ring, it.ev);
	}
	progress_done(&pg);
	rp_scan_free(sc);
	rp_sessions_finish(ss);
	if (o->json)
		rp_sessions_format_json(ss, &b);
	else
		rp_sessions_format(ss, &b);
	flush_out(&b);
	fdr_buf_release(&b);
	rp_sessions_free(ss);
	return err < 0 ? EXIT_USAGE : EXIT_OK;
out_err:
	fprintf(stderr, "fdr-replay: %s\n", fdr_strerror(err));
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct rp_set *s = NULL;
	int rc, added = 0;

	if (argc < 2)
		return usage_error("%s", "missing subcommand");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fputs(usage_text, stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("fdr-replay %s\n", FDR_VERSION);
		return EXIT_OK;
	}
	/* A closed pipe ends the output quietly (exit 0), so `| head` and
	 * `| grep -q` work under `set -o pipefail`. */
	signal(SIGPIPE, SIG_IGN);
	o.cmd = argv[1];
	if (!strcmp(o.cmd, "learn"))
		return rp_cmd_learn(argc - 1, argv + 1);
	if (!strcmp(o.cmd, "check"))
		return rp_cmd_check(argc - 1, argv + 1);
	static const char *const cmds[] = { "timeline", "tree", "sessions", "info", "export",
					    "verify", "count" };
	bool known = false;
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		known |= !strcmp(o.cmd, cmds[i]);
	if (!known)
		return usage_error("unknown subcommand '%s'", o.cmd);
	if (rp_filter_new(&o.filter) < 0)
		return EXIT_USAGE;
	rc = parse_args(argc, argv, &o);
	if (rc)
		goto out_filter;
	enum fmt fmt = o.json ? F_JSON : F_HUMAN;
	if (!strcmp(o.cmd, "export")) {
		const char *f = o.format ? o.format : "jsonl";
		if (!strcmp(f, "jsonl") || !strcmp(f, "json"))
			fmt = F_JSON;
		else if (!strcmp(f, "csv"))
			fmt = F_CSV;
		else if (!strcmp(f, "timesketch"))
			fmt = F_TIMESKETCH;
		else {
			rc = usage_error("unknown --format '%s' (jsonl, csv, timesketch)", f);
			goto out_filter;
		}
	} else if (o.format) {
		rc = usage_error("%s", "--format is for export");
		goto out_filter;
	}
	if (rp_set_new(&s) < 0)
		abort();
	for (int i = 0; i < o.nrings; i++) {
		int n = rp_set_add(s, o.rings[i]);
		if (n > 0)
			added += n;
	}
	print_diags(s, 0);
	size_t ndiag = rp_set_ndiags(s);
	if (!added && !rp_set_nrings(s)) {
		fprintf(stderr, "fdr-replay: no readable rings\n");
		rc = EXIT_USAGE;
		goto out_set;
	}
	if (!strcmp(o.cmd, "timeline") || !strcmp(o.cmd, "export"))
		rc = cmd_events(&o, s, fmt);
	else if (!strcmp(o.cmd, "count"))
		rc = cmd_count(&o, s);
	else if (!strcmp(o.cmd, "info"))
		rc = cmd_info(&o, s);
	else if (!strcmp(o.cmd, "verify"))
		rc = cmd_verify(&o, s);
	else if (!strcmp(o.cmd, "tree"))
		rc = cmd_tree(&o, s);
	else
		rc = cmd_sessions(&o, s);
	print_diags(s, ndiag);
	if (rc == EXIT_OK && input_errors(s))
		rc = EXIT_USAGE;
out_set:
	rp_set_free(s);
out_filter:
	rp_filter_free(o.filter);
	return rc;
}
