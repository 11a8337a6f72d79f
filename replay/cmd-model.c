/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fdr-replay learn / check: argument parsing, file I/O, printing and exit
 * codes over replay/model.h, reading rings through replay/rp-set.h with the
 * shared filters of replay/rp-filter.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdr-text.h"
#include "replay/cmd-model.h"
#include "replay/model.h"
#include "replay/rp-filter.h"
#include "replay/rp-fopt.h"
#include "replay/rp-set.h"
#include "replay/rp-time.h"

enum { EXIT_OK = 0, EXIT_FINDINGS = 1, EXIT_USAGE = 2 };

#define MAX_MODEL_FILE (256u << 20)

static const char learn_usage[] =
	"usage: fdr-replay learn [FILTERS] -o MODEL RINGS...\n"
	"       fdr-replay learn --merge -o MODEL MODEL...\n"
	"\n"
	"Learn what each image normally does from a baseline recording and write the\n"
	"model (text, formats/MODEL.md; '-' is stdout). With --merge, unite models\n"
	"learned elsewhere (same result as learning from all their rings at once).\n"
	"A summary per image goes to stderr: baseline span, behaviours, and how settled\n"
	"the model is (new behaviours per hour, overall and in the last quarter).\n"
	"\n"
	"  -o, --output MODEL   where to write (required)\n"
	"  --merge              arguments are model files, not rings\n"
	"  --threads N          decoding threads\n"
	"  filters: --since --until --host --container --image --kind --pid --user -e\n"
	"           (as for every fdr-replay subcommand)\n"
	"\n"
	"exit status: 0 ok; 2 usage error or unreadable input.\n";

static const char check_usage[] =
	"usage: fdr-replay check --model MODEL [--fail-on LEVEL] [--json] [FILTERS] RINGS...\n"
	"\n"
	"Report every behaviour the model does not allow, as findings: severity, rule,\n"
	"container, image, time, a reason, and the events that show it (ring, block\n"
	"seq and index in it, time, pid).\n"
	"\n"
	"  -m, --model MODEL        the model (fdr-replay learn)\n"
	"  --fail-on LEVEL          exit 1 when a finding is at or above LEVEL\n"
	"                           (info, low, medium, high, critical; default medium)\n"
	"  --min-severity LEVEL     list only findings at or above LEVEL (default info)\n"
	"  --severity RULE=LEVEL    tune a rule (repeatable); LEVEL 'off' disables it\n"
	"                           (its findings are still counted on stderr)\n"
	"  --severity-file FILE     'RULE = LEVEL' lines\n"
	"  --json                   one JSON object per finding\n"
	"  --threads N              decoding threads\n"
	"  filters: --since --until --host --container --image --kind --pid --user -e\n"
	"\n"
	"rules and default levels:\n"
	"  drift-exec critical    exec of a file written after the container started\n"
	"  shell-spawn high       shell or interpreter started by a service\n"
	"  exec-into high         docker exec / pods/exec into the container\n"
	"  priv-change high       uid change to 0, new root process, new sudo\n"
	"  bin-write high         write under /bin /sbin /usr /lib /etc /boot /opt, cron, ssh keys\n"
	"  cred-read high         read of /etc/shadow, ssh keys, secrets\n"
	"  new-listen high        new listening port\n"
	"  new-port high          outbound connection to a never-seen port\n"
	"  new-peer medium        outbound connection to a new peer on a known port\n"
	"  new-exec medium, new-spawn low, new-argv info, new-user medium,\n"
	"  new-setuid medium, new-write low, new-read medium, new-dns low,\n"
	"  new-login medium, no-baseline medium, gap info\n"
	"A finding whose context spans a recording gap is marked uncertain.\n"
	"\n"
	"exit status: 0 no finding at or above --fail-on; 1 findings; 2 usage error\n"
	"or unreadable input (rings, model).\n";

struct cmd {
	const char *name;
	struct rp_filter *filter;
	unsigned threads;
	const char *output, *model;
	bool merge, json;
	int fail_on, min_sev;
	struct md_sevcfg sev;
	char **args;
	int nargs;
};

static int usage_error(const char *cmd, const char *fmt, const char *arg)
{
	struct fdr_buf b = FDR_BUF_INIT;

	fdr_buf_addf(&b, "fdr-replay %s: ", cmd);
	if (arg) {
		const char *pct = strstr(fmt, "%s");

		fdr_buf_add(&b, fmt, (size_t)(pct - fmt));
		fdr_buf_add_escaped(&b, arg, strlen(arg));
		fdr_buf_adds(&b, pct + 2);
	} else {
		fdr_buf_adds(&b, fmt);
	}
	fprintf(stderr, "%s\nTry 'fdr-replay %s --help'.\n", b.p, cmd);
	fdr_buf_release(&b);
	return EXIT_USAGE;
}

/* Read a whole file (capped); *out is malloc'd and NUL-terminated. */
static int read_file(const char *path, char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct fdr_buf b = FDR_BUF_INIT;
	char chunk[65536];
	ssize_t n;

	if (fd < 0)
		return -errno;
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			close(fd);
			fdr_buf_release(&b);
			return (int)n;
		}
		if (b.len + (size_t)n > MAX_MODEL_FILE) {
			close(fd);
			fdr_buf_release(&b);
			return -EFBIG;
		}
		fdr_buf_add(&b, chunk, (size_t)n);
	}
	close(fd);
	fdr_buf_addc(&b, 0);	/* a NUL even for an empty file */
	*out = fdr_buf_detach(&b, len);
	(*len)--;
	return 0;
}

static void print_path_error(const char *cmd, const char *what, const char *path, const char *msg)
{
	struct fdr_buf b = FDR_BUF_INIT;

	fdr_buf_addf(&b, "fdr-replay %s: %s '", cmd, what);
	fdr_buf_add_escaped(&b, path, strlen(path));
	fdr_buf_adds(&b, "': ");
	fdr_buf_adds(&b, msg);
	fprintf(stderr, "%s\n", b.p);
	fdr_buf_release(&b);
}

static int load_model(const char *cmd, const char *path, struct md_model **out)
{
	struct md_parse_error err = MD_PARSE_ERROR_INIT;
	char *text, msg[200];
	size_t len;
	int rc = read_file(path, &text, &len);

	if (rc) {
		print_path_error(cmd, "cannot read model", path, strerror(-rc));
		return rc;
	}
	rc = md_model_new(out);
	if (!rc)
		rc = md_model_parse(*out, text, len, &err);
	free(text);
	if (rc) {
		snprintf(msg, sizeof(msg), "line %u: %s", err.line, rc == MD_E_SYNTAX ? err.msg : md_strerror(rc));
		print_path_error(cmd, "bad model", path, msg);
		md_model_free(*out);
		*out = NULL;
	}
	return rc;
}

/* Write text to path atomically (temp file + rename), or to stdout for "-". */
static int write_file(const char *path, const struct fdr_buf *b)
{
	char tmp[4096];
	int fd;

	if (!strcmp(path, "-"))
		return fwrite(b->p, 1, b->len, stdout) == b->len && !fflush(stdout) ? 0 : -EIO;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	for (size_t off = 0; off < b->len;) {
		ssize_t n = write(fd, b->p + off, b->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? -errno : -EIO;

			close(fd);
			unlink(tmp);
			return e;
		}
		off += (size_t)n;
	}
	if (fsync(fd) || close(fd)) {
		unlink(tmp);
		return -errno;
	}
	if (rename(tmp, path)) {
		int e = -errno;

		unlink(tmp);
		return e;
	}
	return 0;
}

static int parse_level(const char *cmd, const char *opt, const char *s, int *out)
{
	int l = md_sev_from_name(s);

	if (l < 0 || l == MD_SEV_OFF) {
		char fmt[96];

		snprintf(fmt, sizeof(fmt), "bad %s '%%s': info, low, medium, high or critical", opt);
		return usage_error(cmd, fmt, s);
	}
	*out = l;
	return 0;
}

static int parse(int argc, char **argv, struct cmd *c)
{
	enum { O_JSON = 256, O_THREADS, O_MERGE, O_FAILON, O_MINSEV, O_SEV, O_SEVFILE, O_NOPROGRESS };
	static const struct option lo[] = {
		RP_FOPT_LONGOPTS,
		{ "json", no_argument, NULL, O_JSON },
		{ "threads", required_argument, NULL, O_THREADS },
		{ "no-progress", no_argument, NULL, O_NOPROGRESS },
		{ "output", required_argument, NULL, 'o' },
		{ "merge", no_argument, NULL, O_MERGE },
		{ "model", required_argument, NULL, 'm' },
		{ "fail-on", required_argument, NULL, O_FAILON },
		{ "min-severity", required_argument, NULL, O_MINSEV },
		{ "severity", required_argument, NULL, O_SEV },
		{ "severity-file", required_argument, NULL, O_SEVFILE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool learn = !strcmp(c->name, "learn");
	struct rp_fopt fo = RP_FOPT_INIT;
	struct rp_error err = RP_ERROR_INIT;
	const char *what = "";
	int opt, rc;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+e:o:m:h", lo, NULL)) != -1) {
		char *end;

		rc = rp_fopt_apply(&fo, c->filter, opt, optarg, rp_time_now(), &err, &what);
		if (rc < 0) {
			struct fdr_buf b = FDR_BUF_INIT;

			fdr_buf_addf(&b, "fdr-replay %s: ", c->name);
			rp_fopt_format_error(&b, what, optarg, &err);
			fprintf(stderr, "%s\nTry 'fdr-replay %s --help'.\n", b.p, c->name);
			fdr_buf_release(&b);
			return EXIT_USAGE;
		}
		if (rc > 0)
			continue;
		switch (opt) {
		case O_JSON: c->json = true; break;
		case O_NOPROGRESS: break;
		case O_THREADS: {
			unsigned long n = strtoul(optarg, &end, 10);

			if (!*optarg || *end || n < 1 || n > 256)
				return usage_error(c->name, "bad --threads '%s': expected 1..256", optarg);
			c->threads = (unsigned)n;
			break;
		}
		case 'o': c->output = optarg; break;
		case 'm': c->model = optarg; break;
		case O_MERGE: c->merge = true; break;
		case O_FAILON:
			if ((rc = parse_level(c->name, "--fail-on", optarg, &c->fail_on)))
				return rc;
			break;
		case O_MINSEV:
			if ((rc = parse_level(c->name, "--min-severity", optarg, &c->min_sev)))
				return rc;
			break;
		case O_SEV:
			rc = md_sevcfg_set(&c->sev, optarg);
			if (rc == MD_E_RULE || rc == MD_E_SYNTAX)
				return usage_error(c->name, "bad --severity '%s': want RULE=LEVEL with a rule "
						   "from --help", optarg);
			if (rc)
				return usage_error(c->name, "bad --severity '%s': levels are off, info, low, "
						   "medium, high, critical", optarg);
			break;
		case O_SEVFILE: {
			struct md_parse_error pe = MD_PARSE_ERROR_INIT;
			char *text, msg[200];
			size_t len;

			rc = read_file(optarg, &text, &len);
			if (rc) {
				print_path_error(c->name, "cannot read severity file", optarg, strerror(-rc));
				return EXIT_USAGE;
			}
			rc = md_sevcfg_parse(&c->sev, text, len, &pe);
			free(text);
			if (rc) {
				snprintf(msg, sizeof(msg), "line %u: %s", pe.line, pe.msg);
				print_path_error(c->name, "bad severity file", optarg, msg);
				return EXIT_USAGE;
			}
			break;
		}
		case 'h':
			fputs(learn ? learn_usage : check_usage, stdout);
			exit(EXIT_OK);
		default:
			return usage_error(c->name, "bad option '%s'", argv[optind - 1]);
		}
	}
	if (rp_fopt_finish(&fo, c->filter, &err))
		return usage_error(c->name, err.msg, NULL);
	c->args = argv + optind;
	c->nargs = argc - optind;
	if (learn && !c->output)
		return usage_error(c->name, "-o MODEL is required", NULL);
	if (!learn && !c->model)
		return usage_error(c->name, "--model MODEL is required", NULL);
	if (c->nargs < 1)
		return usage_error(c->name, c->merge ? "no models given" : "no rings given (ring files or "
				   "directories)", NULL);
	return 0;
}

/* Open the rings; prints problems. Returns the set or NULL (exit 2). */
static struct rp_set *open_rings(const struct cmd *c, bool *input_error)
{
	struct rp_set *s;
	int added = 0;

	if (rp_set_new(&s) < 0)
		return NULL;
	for (int i = 0; i < c->nargs; i++) {
		int n = rp_set_add(s, c->args[i]);

		if (n > 0)
			added += n;
	}
	*input_error = false;
	for (size_t i = 0; i < rp_set_ndiags(s); i++) {
		const struct rp_diag *d = rp_set_diag(s, i);
		struct fdr_buf b = FDR_BUF_INIT;

		if (strncmp(d->detail, "slot ", 5))
			*input_error = true;
		fdr_buf_addf(&b, "fdr-replay %s: %s", c->name, d->detail[0] ? "warning: " : "");
		rp_diag_format(&b, d);
		fprintf(stderr, "%s\n", b.p);
		fdr_buf_release(&b);
	}
	if (!added && !rp_set_nrings(s)) {
		fprintf(stderr, "fdr-replay %s: no readable rings\n", c->name);
		rp_set_free(s);
		return NULL;
	}
	return s;
}

/* Start the scan of the set with the command's filter; prints why not. */
static int scan_start(const struct cmd *c, struct rp_set *s, struct rp_scan **sc)
{
	struct rp_scan_opts so = RP_SCAN_OPTS_INIT;
	int err;

	so.threads = c->threads;
	so.filter = c->filter;
	err = rp_scan_new(s, &so, sc);
	if (err < 0)
		fprintf(stderr, "fdr-replay %s: cannot scan: %s\n", c->name, fdr_strerror(err));
	return err;
}

static void print_summary(const struct md_model *m)
{
	for (size_t i = 0; i < md_model_nsections(m); i++) {
		struct md_section_info in;
		struct fdr_buf b = FDR_BUF_INIT;

		if (md_model_section_info(m, i, &in))
			continue;
		fdr_buf_adds(&b, in.kind);
		if (in.key[0] || in.name[0]) {
			fdr_buf_addc(&b, ' ');
			fdr_buf_add_escaped(&b, in.name[0] ? in.name : in.key,
					    strlen(in.name[0] ? in.name : in.key));
		}
		fdr_buf_addf(&b, ": %.1f h baseline, %" PRIu64 " rings, %" PRIu64 " events, %" PRIu64
			     " behaviours; %.2f new/h overall, %.2f new/h in the last quarter: %s",
			     (double)(in.last_ns - in.first_ns) / 3.6e12, in.rings, in.events, in.behaviours,
			     in.rate_all, in.rate_last, in.settled ? "settled" : "not settled (learn longer)");
		fprintf(stderr, "%s\n", b.p);
		fdr_buf_release(&b);
	}
}

static int learn_merge(struct cmd *c)
{
	struct md_model *m = NULL, *x;
	struct fdr_buf b = FDR_BUF_INIT;
	int rc = md_model_new(&m);

	for (int i = 0; i < c->nargs && !rc; i++) {
		rc = load_model(c->name, c->args[i], &x);
		if (rc)
			break;
		rc = md_model_merge(m, x);
		md_model_free(x);
	}
	if (!rc) {
		md_model_serialize(m, &b);
		rc = write_file(c->output, &b);
		if (rc)
			print_path_error(c->name, "cannot write model", c->output, strerror(-rc));
		else
			print_summary(m);
	}
	fdr_buf_release(&b);
	md_model_free(m);
	return rc ? EXIT_USAGE : EXIT_OK;
}

int rp_cmd_learn(int argc, char **argv)
{
	struct cmd c = { .name = "learn", .fail_on = MD_SEV_MEDIUM };
	struct md_model *m = NULL;
	struct md_learner *l = NULL;
	struct rp_set *s = NULL;
	struct rp_scan *sc = NULL;
	struct rp_item it;
	struct fdr_buf b = FDR_BUF_INIT;
	uint32_t *ids = NULL;
	bool input_error = false;
	int rc = EXIT_USAGE, err;

	md_sevcfg_default(&c.sev);
	if (rp_filter_new(&c.filter) < 0)
		return EXIT_USAGE;
	if (parse(argc, argv, &c))
		goto out_filter;
	if (c.merge) {
		rc = learn_merge(&c);
		goto out_filter;
	}
	s = open_rings(&c, &input_error);
	if (!s)
		goto out_filter;
	if (md_model_new(&m) || md_learner_new(m, &l))
		goto out_free;
	ids = calloc(rp_set_nrings(s), sizeof(*ids));
	if (!ids)
		goto out_free;
	for (size_t i = 0; i < rp_set_nrings(s); i++) {
		const struct rp_ring *r = rp_set_ring(s, i);

		ids[i] = UINT32_MAX;
		if (rp_filter_ring(c.filter, r) && md_learner_ring(l, r->meta, &ids[i]))
			goto out_free;
	}
	if (scan_start(&c, s, &sc))
		goto out_free;
	while ((err = rp_scan_next(sc, &it)) > 0) {
		uint32_t id = ids[it.ring->index];

		if (id == UINT32_MAX)
			continue;
		err = md_learner_event(l, id, it.ev);
		if (err < 0) {
			fprintf(stderr, "fdr-replay learn: %s\n", md_strerror(err));
			goto out_free;
		}
	}
	if (err < 0) {
		fprintf(stderr, "fdr-replay learn: %s\n", fdr_strerror(err));
		goto out_free;
	}
	md_learner_finish(l);
	md_model_serialize(m, &b);
	err = write_file(c.output, &b);
	if (err) {
		print_path_error(c.name, "cannot write model", c.output, strerror(-err));
		goto out_free;
	}
	print_summary(m);
	rc = input_error ? EXIT_USAGE : EXIT_OK;
out_free:
	fdr_buf_release(&b);
	rp_scan_free(sc);
	free(ids);
	md_learner_free(l);
	md_model_free(m);
	rp_set_free(s);
out_filter:
	rp_filter_free(c.filter);
	return rc;
}

int rp_cmd_check(int argc, char **argv)
{
	struct cmd c = { .name = "check", .fail_on = MD_SEV_MEDIUM, .min_sev = MD_SEV_INFO };
	struct md_model *m = NULL;
	struct md_checker *k = NULL;
	struct rp_set *s = NULL;
	struct rp_scan *sc = NULL;
	struct rp_item it;
	struct fdr_buf b = FDR_BUF_INIT;
	uint32_t *ids = NULL;
	uint64_t per_sev[MD_SEV_CRITICAL + 1] = { 0 }, uncertain = 0;
	bool input_error = false, fail = false;
	int rc = EXIT_USAGE, err;

	md_sevcfg_default(&c.sev);
	if (rp_filter_new(&c.filter) < 0)
		return EXIT_USAGE;
	if (parse(argc, argv, &c))
		goto out_filter;
	if (c.merge) {
		usage_error(c.name, "--merge is for learn", NULL);
		goto out_filter;
	}
	if (load_model(c.name, c.model, &m))
		goto out_filter;
	s = open_rings(&c, &input_error);
	if (!s)
		goto out_free;
	if (md_checker_new(m, &c.sev, &k))
		goto out_free;
	ids = calloc(rp_set_nrings(s), sizeof(*ids));
	if (!ids)
		goto out_free;
	for (size_t i = 0; i < rp_set_nrings(s); i++) {
		const struct rp_ring *r = rp_set_ring(s, i);

		ids[i] = UINT32_MAX;
		if (rp_filter_ring(c.filter, r) && md_checker_ring(k, r->meta, r->path, &ids[i]))
			goto out_free;
	}
	if (scan_start(&c, s, &sc))
		goto out_free;
	while ((err = rp_scan_next(sc, &it)) > 0) {
		/* Each event is located by its block's seq and its index there,
		 * so a viewer can load that block and step to it. */
		struct md_loc loc = { ids[it.ring->index], 0, UINT64_MAX };

		if (loc.ring == UINT32_MAX)
			continue;
		if (rp_scan_where(sc, &loc.seq, &loc.index) < 0)
			loc.seq = UINT64_MAX;
		err = md_checker_event(k, it.ev, &loc);
		if (err < 0) {
			fprintf(stderr, "fdr-replay check: %s\n", md_strerror(err));
			goto out_free;
		}
	}
	if (err < 0) {
		fprintf(stderr, "fdr-replay check: %s\n", fdr_strerror(err));
		goto out_free;
	}
	md_checker_finish(k);
	for (size_t i = 0; i < md_checker_nfindings(k); i++) {
		const struct md_finding *f = md_checker_finding(k, i);

		per_sev[f->sev]++;
		uncertain += f->uncertain;
		if ((int)f->sev >= c.fail_on)
			fail = true;
		if ((int)f->sev < c.min_sev)
			continue;
		md_finding_format(k, f, c.json, &b);
		if (b.len > (1u << 16)) {
			fwrite(b.p, 1, b.len, stdout);
			fdr_buf_reset(&b);
		}
	}
	if (b.len)
		fwrite(b.p, 1, b.len, stdout);
	if (fflush(stdout)) {
		fprintf(stderr, "fdr-replay check: cannot write output: %s\n", strerror(errno));
		goto out_free;
	}
	fprintf(stderr, "fdr-replay check: %zu findings (critical %" PRIu64 ", high %" PRIu64
		", medium %" PRIu64 ", low %" PRIu64 ", info %" PRIu64 "; %" PRIu64 " uncertain); %"
		PRIu64 " suppressed by severity 'off'\n", md_checker_nfindings(k),
		per_sev[MD_SEV_CRITICAL], per_sev[MD_SEV_HIGH], per_sev[MD_SEV_MEDIUM],
		per_sev[MD_SEV_LOW], per_sev[MD_SEV_INFO], uncertain, md_checker_suppressed(k));
	rc = input_error ? EXIT_USAGE : fail ? EXIT_FINDINGS : EXIT_OK;
out_free:
	fdr_buf_release(&b);
	rp_scan_free(sc);
	free(ids);
	md_checker_free(k);
	md_model_free(m);
	rp_set_free(s);
out_filter:
	rp_filter_free(c.filter);
	return rc;
}
