/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check: every observation the model does not allow becomes a finding, named
 * by the most specific built-in rule (a shell under a service beats "new
 * executable"), with a reason a responder can act on and the events that show
 * it. One exec yields at most one lineage finding (exec/spawn/argv) so an
 * attack step reads as one line, not three.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model-int.h"

/* Derived set entries in md_ring.aux (types beyond the file's). */
enum { AUX_PORT = 100, AUX_DECL_PORT, AUX_DECL_EXE };

struct md_finding_int {
	struct md_finding f;
	uint64_t hash;
	char *what;
	char *reason;
};

struct md_checker {
	const struct md_model *m;
	struct md_sevcfg cfg;
	struct md_ring **rings;
	size_t nrings, caprings;
	struct md_finding_int *fs;
	size_t nfs, capfs;
	struct md_index fidx;
	uint64_t suppressed;
	struct fdr_buf what, reason;
};

/* ---- lookups ------------------------------------------------------------------ */

static bool has_obs(const struct md_section *s, const struct md_obs *o)
{
	char buf[2 + MD_MAX_FIELDS * (4 + MD_MAX_FIELD)];
	size_t len;

	if (!s)
		return false;
	len = md_key_build(o, buf, sizeof(buf));
	return len && md_section_get(s, buf, len, md_hash(buf, len)) != NULL;
}

/* Is o allowed by section s, wildcards included (MODEL.md "Matching")? */
static bool learned(const struct md_section *s, const struct md_obs *o)
{
	struct md_obs w = *o;
	char tmp[MD_MAX_PATH + 16];

	if (!s)
		return false;
	if (has_obs(s, o))
		return true;
	switch (o->type) {
	case MD_T_READ:
	case MD_T_CREATE:
	case MD_T_WRITE:
	case MD_T_DELETE: {
		size_t n = o->f[0].len, d = n;

		if (n + 4 > sizeof(tmp))
			return false;
		memcpy(tmp, o->f[0].p, n);
		while (d > 0 && tmp[d - 1] != '/')
			d--;
		if (d > 1) {
			tmp[d] = '*';
			w.f[0] = (struct fdr_str){ tmp, (uint32_t)(d + 1) };
			if (has_obs(s, &w))
				return true;
		}
		while (d > 1) {	/* ancestors: "A/" "**" */
			d--;	/* at the '/' ending the ancestor */
			tmp[d + 1] = '*';
			tmp[d + 2] = '*';
			w.f[0] = (struct fdr_str){ tmp, (uint32_t)(d + 3) };
			if (has_obs(s, &w))
				return true;
			while (d > 0 && tmp[d - 1] != '/')
				d--;
		}
		return false;
	}
	case MD_T_ARGV:
		w.f[1] = fdr_str_c("...");
		return has_obs(s, &w);
	case MD_T_CONNECT:
		w.f[1] = fdr_str_c("*");
		return has_obs(s, &w);
	default:
		return false;
	}
}

/* learned(), through the observation's memo when it has one (exec
 * observations share one per exec shape; the model never changes during a
 * check, so a memo once set stays true). */
static bool allowed(const struct md_section *s, const struct md_obs *o)
{
	if (o->hint && *o->hint)
		return true;
	if (!learned(s, o))
		return false;
	if (o->hint)
		*o->hint = 1;
	return true;
}

static bool aux_has(const struct md_ring *r, unsigned type, struct fdr_str a, struct fdr_str b,
		    unsigned nf)
{
	struct md_obs o = { type, nf, { a, b, { NULL, 0 } }, NULL };

	return r->aux && has_obs(r->aux, &o);
}

/* ---- knowledge ------------------------------------------------------------------ */

static bool name_in(struct fdr_str s, const char *const *list)
{
	for (; *list; list++)
		if (fdr_str_eq(s, *list))
			return true;
	return false;
}

static bool is_shell(struct fdr_str exe)
{
	static const char *const shells[] = {
		"sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "csh", "tcsh", "fish", "busybox",
		"python", "python2", "python3", "perl", "ruby", "php", "node", "nodejs", "lua",
		"tclsh", "wish", "nc", "ncat", "netcat", "socat", "awk", "gawk", "mawk", NULL
	};
	struct fdr_str b = md_program(exe);	/* "busybox[sh]" ran sh */

	if (name_in(b, shells))
		return true;
	/* python3.11, perl5.36, php8.2 ... */
	return (b.len > 7 && !memcmp(b.p, "python", 6) && b.p[6] >= '0' && b.p[6] <= '9') ||
	       (b.len > 4 && !memcmp(b.p, "perl", 4) && b.p[4] >= '0' && b.p[4] <= '9') ||
	       (b.len > 3 && !memcmp(b.p, "php", 3) && b.p[3] >= '0' && b.p[3] <= '9');
}

/* Parents that start shells for people, not services. */
static bool is_interactive_parent(struct fdr_str exe)
{
	static const char *const names[] = {
		"sudo", "su", "sshd", "login", "runuser", "doas", "tmux", "screen", "script",
		"mosh-server", "agetty", "dropbear", NULL
	};

	return name_in(md_program(exe), names);
}

/* A shell or interpreter started by a service (not by a shell or a login). */
static bool shell_spawn(struct fdr_str parent, struct fdr_str child)
{
	return !fdr_str_eq(parent, "-") && is_shell(child) && !is_shell(parent) &&
	       !is_interactive_parent(parent);
}

static bool has_prefix(struct fdr_str s, const char *pre)
{
	size_t n = strlen(pre);

	return s.len >= n && !memcmp(s.p, pre, n);
}

static bool contains(struct fdr_str s, const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = 0; i + n <= s.len; i++)
		if (!memcmp(s.p + i, needle, n))
			return true;
	return false;
}

static bool is_bin_dir(struct fdr_str p)
{
	static const char *const dirs[] = {
		"/bin/", "/sbin/", "/usr/", "/lib/", "/lib32/", "/lib64/", "/libx32/", "/etc/",
		"/boot/", "/opt/", "/var/spool/cron/", "/root/.ssh/", NULL
	};

	for (const char *const *d = dirs; *d; d++)
		if (has_prefix(p, *d))
			return !has_prefix(p, "/usr/local/var/") && !has_prefix(p, "/usr/tmp/");
	return contains(p, "/.ssh/authorized_keys") || contains(p, "/.bashrc") ||
	       contains(p, "/.profile");
}

static bool is_cred(struct fdr_str p)
{
	static const char *const exact[] = {
		"/etc/shadow", "/etc/gshadow", "/etc/shadow-", "/etc/gshadow-", "/etc/sudoers",
		"/etc/master.passwd", NULL
	};
	static const char *const parts[] = {
		"/.ssh/", "/etc/ssl/private/", "/run/secrets/", "/var/run/secrets/",
		"/.aws/credentials", "/.docker/config.json", "/.kube/config", "/etc/kubernetes/pki/",
		"/.gnupg/", "/.git-credentials", "/.netrc", "/.pgpass", "/etc/sudoers.d/", NULL
	};

	if (name_in(p, exact))
		return true;
	for (const char *const *q = parts; *q; q++)
		if (contains(p, *q))
			return true;
	return false;
}

/* ---- checker lifecycle ----------------------------------------------------------- */

int md_checker_new(const struct md_model *m, const struct md_sevcfg *cfg, struct md_checker **out)
{
	md_seed_init();
	struct md_checker *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->m = m;
	if (cfg)
		c->cfg = *cfg;
	else
		md_sevcfg_default(&c->cfg);
	*out = c;
	return 0;
}

void md_checker_free(struct md_checker *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nrings; i++) {
		md_section_free(c->rings[i]->aux);
		md_ring_release(c->rings[i]);
		free(c->rings[i]);
	}
	for (size_t i = 0; i < c->nfs; i++) {
		free(c->fs[i].what);
		free(c->fs[i].reason);
	}
	free(c->rings);
	free(c->fs);
	md_index_release(&c->fidx);
	fdr_buf_release(&c->what);
	fdr_buf_release(&c->reason);
	free(c);
}

/* Declared executables: the first two words of a command (entrypoint, cmd). */
static int aux_add_command(struct md_section *aux, const char *cmd, size_t len)
{
	size_t i = 0;

	for (int w = 0; w < 2 && i < len; w++) {
		size_t j;

		while (i < len && cmd[i] == ' ')
			i++;
		j = i;
		while (j < len && cmd[j] != ' ')
			j++;
		if (j > i) {
			struct md_obs o = { AUX_DECL_EXE, 1, { { cmd + i, (uint32_t)(j - i) } }, NULL };
			int rc;

			o.f[0] = md_basename(o.f[0]);
			rc = md_section_add_obs(aux, &o, 0, 0, 1);
			if (rc)
				return rc;
		}
		i = j;
	}
	return 0;
}

/* "80/tcp" -> (tcp, 80); a bare "80" means tcp. */
static int aux_add_port(struct md_section *aux, const char *p, size_t len)
{
	const char *slash = memchr(p, '/', len);
	struct md_obs o = { AUX_DECL_PORT, 2, { { NULL, 0 } }, NULL };

	if (slash) {
		o.f[0] = (struct fdr_str){ slash + 1, (uint32_t)(len - (size_t)(slash - p) - 1) };
		o.f[1] = (struct fdr_str){ p, (uint32_t)(slash - p) };
	} else {
		o.f[0] = fdr_str_c("tcp");
		o.f[1] = (struct fdr_str){ p, (uint32_t)len };
	}
	return md_section_add_obs(aux, &o, 0, 0, 1);
}

static int build_aux(struct md_ring *r)
{
	struct md_section *aux = calloc(1, sizeof(*aux));
	const struct md_section *s = r->sec;
	struct md_obs mo[40];
	unsigned n;
	int rc = 0;

	if (!aux)
		return -ENOMEM;
	r->aux = aux;
	for (size_t i = 0; s && i < s->nent && !rc; i++) {
		struct md_obs o;

		if (md_key_parse(md_entry_key(s, &s->ent[i]), s->ent[i].len, &o))
			continue;
		if (o.type == MD_T_CONNECT) {
			struct md_obs p = { AUX_PORT, 2, { o.f[0], o.f[2] }, NULL };

			rc = md_section_add_obs(aux, &p, 0, 0, 1);
		} else if (o.type == MD_T_SEED_CMD) {
			rc = aux_add_command(aux, o.f[0].p, o.f[0].len);
		} else if (o.type == MD_T_SEED_PORT) {
			rc = aux_add_port(aux, o.f[0].p, o.f[0].len);
		}
	}
	/* The checked ring's own declared intent counts too. */
	n = md_observe_meta(r, mo, 40);
	for (unsigned i = 0; i < n && !rc; i++) {
		if (mo[i].type == MD_T_SEED_CMD)
			rc = aux_add_command(aux, mo[i].f[0].p, mo[i].f[0].len);
		else if (mo[i].type == MD_T_SEED_PORT)
			rc = aux_add_port(aux, mo[i].f[0].p, mo[i].f[0].len);
	}
	return rc;
}

int md_checker_ring(struct md_checker *c, const struct fdr_ring_meta *meta, const char *name,
		    uint32_t *ring)
{
	struct md_ring *r;
	const char *key;
	unsigned kind;
	int rc;

	if (c->nrings == c->caprings) {
		size_t cap = c->caprings ? c->caprings * 2 : 8;
		struct md_ring **nr = realloc(c->rings, cap * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		c->rings = nr;
		c->caprings = cap;
	}
	r = malloc(sizeof(*r));
	if (!r)
		return -ENOMEM;
	rc = md_ring_init(r, meta, name);
	if (rc) {
		free(r);
		return rc;
	}
	kind = md_meta_section(&r->meta, &key);
	r->sec = (struct md_section *)md_model_find(c->m, kind, key);
	rc = build_aux(r);
	if (rc) {
		md_section_free(r->aux);
		md_ring_release(r);
		free(r);
		return rc;
	}
	c->rings[c->nrings] = r;
	*ring = (uint32_t)c->nrings++;
	return 0;
}

/* ---- findings ------------------------------------------------------------------------ */

static void add_baseline(struct fdr_buf *b, const struct md_section *s)
{
	double secs;

	if (!s) {
		fdr_buf_adds(b, "no baseline for this image");
		return;
	}
	secs = (double)(s->last_ns - s->first_ns) / 1e9;
	if (secs >= 2 * 86400)
		fdr_buf_addf(b, "never seen in %.1f days of baseline", secs / 86400);
	else if (secs >= 2 * 3600)
		fdr_buf_addf(b, "never seen in %.1f hours of baseline", secs / 3600);
	else
		fdr_buf_addf(b, "never seen in %.0f minute%s of baseline", secs / 60,
			     secs >= 30 && secs < 90 ? "" : "s");
}

/*
 * Record one deviation. what/reason are in c->what / c->reason. ctx_start:
 * when the context the conclusion depends on began (process start).
 */
static int report(struct md_checker *c, struct md_ring *r, uint32_t ring, unsigned rule, bool declared,
		  const struct fdr_event *ev, const struct md_loc *loc, uint64_t ctx_start)
{
	unsigned sev = c->cfg.sev[rule];
	bool uncertain = (r->gap_end_ns && r->gap_end_ns >= ctx_start) ||
			 (ev->flags & (FDR_EVF_PARTIAL | FDR_EVF_UNCERTAIN));
	uint64_t h;
	size_t m, i;
	struct md_finding_int *fi = NULL;

	if (sev == MD_SEV_OFF) {
		c->suppressed++;
		return 0;
	}
	if (declared)
		sev = MD_SEV_INFO;
	h = md_hash(c->what.p, c->what.len) ^ ((uint64_t)ring << 32) ^ rule;
	if ((c->nfs + 1) * 2 >= c->fidx.cap) {
		int rc = md_index_grow(&c->fidx, c->nfs + 1);

		if (rc < 0)
			return rc;
		if (rc > 0)
			for (size_t k = 0; k < c->nfs; k++)
				md_index_put(&c->fidx, c->fs[k].hash, (uint32_t)k);
	}
	m = c->fidx.cap - 1;
	for (i = h & m; c->fidx.slot[i]; i = (i + 1) & m) {
		struct md_finding_int *x = &c->fs[c->fidx.slot[i] - 1];

		if (x->hash == h && x->f.ring == ring && x->f.rule == rule && !strcmp(x->what, c->what.p)) {
			fi = x;
			break;
		}
	}
	if (!fi) {
		if (c->nfs == c->capfs) {
			size_t cap = c->capfs ? c->capfs * 2 : 16;
			struct md_finding_int *nf = realloc(c->fs, cap * sizeof(*nf));

			if (!nf)
				return -ENOMEM;
			c->fs = nf;
			c->capfs = cap;
		}
		fi = &c->fs[c->nfs];
		memset(fi, 0, sizeof(*fi));
		fi->hash = h;
		fi->what = strdup(c->what.p);
		fi->reason = strdup(c->reason.p);
		if (!fi->what || !fi->reason) {
			free(fi->what);
			free(fi->reason);
			return -ENOMEM;
		}
		fi->f.rule = rule;
		fi->f.sev = sev;
		fi->f.ring = ring;
		fi->f.uncertain = uncertain;
		fi->f.first_ns = ev->time_ns;
		md_index_put(&c->fidx, h, (uint32_t)c->nfs);
		c->nfs++;
	}
	fi->f.uncertain = fi->f.uncertain && uncertain;	/* one certain sighting suffices */
	fi->f.count++;
	if (ev->time_ns < fi->f.first_ns)
		fi->f.first_ns = ev->time_ns;
	if (ev->time_ns > fi->f.last_ns)
		fi->f.last_ns = ev->time_ns;
	if (fi->f.nev < MD_FINDING_EVENTS) {
		struct md_evref *e = &fi->f.ev[fi->f.nev++];

		e->loc = *loc;
		e->time_ns = ev->time_ns;
		e->pid = fdr_event_u(ev, FDR_F_PID, 0);
	}
	return 0;
}

static void set_what(struct md_checker *c, const struct md_obs *o)
{
	fdr_buf_reset(&c->what);
	md_obs_text(&c->what, o);
}

static void addstr(struct fdr_buf *b, struct fdr_str s)
{
	fdr_buf_add(b, s.p, s.len);
}

static const char *actor_exe(const struct md_ring *r, const struct md_pid *a)
{
	const char *e = a && a->exe ? md_str_get(&r->strs, a->exe) : NULL;

	return e ? e : "an unknown process";
}

/* Did the image's command name what ran (the program, or the script it ran)? */
static bool is_declared(const struct md_ring *r, struct fdr_str ident, const struct fdr_event *ev)
{
	struct fdr_str b = md_program(ident), none = { NULL, 0 };
	struct fdr_strv argv = fdr_event_strv(ev, FDR_F_ARGV);

	if (aux_has(r, AUX_DECL_EXE, b, none, 1))
		return true;
	return argv.n > 1 && argv.v[1].p && argv.v[1].len &&
	       aux_has(r, AUX_DECL_EXE, md_basename(argv.v[1]), none, 1);
}

/* Did the baseline write or create the (generalized) path exe? */
static bool learned_write(const struct md_section *s, struct fdr_str exe)
{
	char pat[MD_MAX_PATH + 8];
	struct md_obs o;

	o.nf = 1;
	o.f[0].p = pat;
	o.f[0].len = (uint32_t)md_gen_path(exe.p, exe.len, pat, sizeof(pat));
	o.type = MD_T_CREATE;
	if (learned(s, &o))
		return true;
	o.type = MD_T_WRITE;
	return learned(s, &o);
}

/* Lineage of one exec: at most one finding among exec, spawn and argv. */
static int check_exec(struct md_checker *c, struct md_ring *r, uint32_t ring, const struct fdr_event *ev,
		      const struct md_loc *loc, const struct md_obs *o, unsigned n, uint64_t ctx)
{
	const struct md_obs *ex = NULL, *sp = NULL, *av = NULL, *in = NULL;
	const struct md_section *s = r->sec;
	struct fdr_buf *b = &c->reason;
	bool drift, declared;
	struct fdr_str raw;

	for (unsigned i = 0; i < n; i++) {
		if (o[i].type == MD_T_EXEC)
			ex = &o[i];
		else if (o[i].type == MD_T_SPAWN)
			sp = &o[i];
		else if (o[i].type == MD_T_ARGV)
			av = &o[i];
		else if (o[i].type == MD_T_EXEC_INTO)
			in = &o[i];
	}
	if (!ex)
		return 0;
	raw = md_cpath(r, fdr_event_str(ev, ev->kind == FDR_FILE_EXEC ? FDR_F_PATH : FDR_F_EXE));
	if (!raw.p)
		raw = ex->f[0];
	drift = r->driftlive && md_drift_has(r, md_hash(raw.p, raw.len));
	declared = is_declared(r, ex->f[0], ev);
	fdr_buf_reset(b);
	if (!allowed(s, ex)) {
		unsigned rule = MD_R_NEW_EXEC;

		set_what(c, sp ? sp : ex);
		addstr(b, ex->f[0]);
		if (drift) {
			rule = MD_R_DRIFT_EXEC;
			fdr_buf_adds(b, " executed");
			if (sp) {
				fdr_buf_adds(b, " by ");
				addstr(b, fdr_str_eq(sp->f[0], "-") ? fdr_str_c("a parent outside the recording") : sp->f[0]);
			}
			fdr_buf_adds(b, ", a file written after the container started (not from its image): ");
			declared = false;
		} else if (in && !allowed(s, in)) {
			rule = MD_R_EXEC_INTO;
			set_what(c, in);
			fdr_buf_adds(b, " started from outside the container (docker exec, kubectl exec or "
				     "nsenter): ");
			declared = false;
		} else if (sp && shell_spawn(sp->f[0], ex->f[0])) {
			rule = MD_R_SHELL_SPAWN;
			fdr_buf_adds(b, " started by ");
			addstr(b, sp->f[0]);
			fdr_buf_adds(b, ": ");
			declared = false;
		} else {
			fdr_buf_adds(b, " executed");
			if (sp) {
				fdr_buf_adds(b, " by ");
				addstr(b, fdr_str_eq(sp->f[0], "-") ? fdr_str_c("a parent outside the recording") : sp->f[0]);
			}
			fdr_buf_adds(b, declared ? ": declared in the image's command but " : ": ");
		}
		add_baseline(b, s);
		return report(c, r, ring, rule, declared, ev, loc, ctx);
	}
	if (drift && !learned_write(s, raw)) {
		/* A learned path rewritten after start and run: still drift, unless
		 * the baseline itself wrote that path (generated scripts). */
		set_what(c, ex);
		addstr(b, ex->f[0]);
		fdr_buf_adds(b, " executed after being rewritten in the running container "
			     "(the image's copy was replaced)");
		return report(c, r, ring, MD_R_DRIFT_EXEC, false, ev, loc, ctx);
	}
	if (in && !allowed(s, in)) {
		set_what(c, in);
		addstr(b, in->f[1]);
		fdr_buf_adds(b, " started from outside the container (docker exec, kubectl exec or nsenter): ");
		add_baseline(b, s);
		return report(c, r, ring, MD_R_EXEC_INTO, false, ev, loc, ctx);
	}
	if (sp && !allowed(s, sp)) {
		bool shell = shell_spawn(sp->f[0], sp->f[1]);

		set_what(c, sp);
		addstr(b, sp->f[1]);
		fdr_buf_adds(b, " started by ");
		addstr(b, fdr_str_eq(sp->f[0], "-") ? fdr_str_c("a parent outside the recording") : sp->f[0]);
		fdr_buf_adds(b, ": ");
		add_baseline(b, s);
		return report(c, r, ring, shell ? MD_R_SHELL_SPAWN : MD_R_NEW_SPAWN,
			      declared && fdr_str_eq(sp->f[0], "-"), ev, loc, ctx);
	}
	if (av && !allowed(s, av)) {
		set_what(c, av);
		addstr(b, av->f[0]);
		fdr_buf_adds(b, " run with new arguments '");
		addstr(b, av->f[1]);
		fdr_buf_adds(b, "': ");
		add_baseline(b, s);
		return report(c, r, ring, MD_R_NEW_ARGV, false, ev, loc, ctx);
	}
	return 0;
}

/* A command naming a credential file (cat /etc/shadow): a read the file
 * source may not see (it records opens of watched paths only). */
static int check_argv_cred(struct md_checker *c, struct md_ring *r, uint32_t ring,
			   const struct fdr_event *ev, const struct md_loc *loc, const struct md_obs *o,
			   unsigned n, uint64_t ctx)
{
	struct fdr_strv argv = fdr_event_strv(ev, FDR_F_ARGV);
	const struct md_obs *av = NULL;

	for (unsigned i = 0; i < n; i++)
		if (o[i].type == MD_T_ARGV)
			av = &o[i];
	if (!av || allowed(r->sec, av))
		return 0;
	for (uint32_t i = 1; i < argv.n && i <= MD_MAX_ARGS; i++) {
		if (!argv.v[i].p || !is_cred(argv.v[i]))
			continue;
		fdr_buf_reset(&c->what);
		fdr_buf_adds(&c->what, "read ");
		md_add_token(&c->what, argv.v[i].p, argv.v[i].len, false);
		fdr_buf_reset(&c->reason);
		addstr(&c->reason, md_program(av->f[0]));
		fdr_buf_adds(&c->reason, " run on credentials ");
		addstr(&c->reason, argv.v[i]);
		fdr_buf_adds(&c->reason, ": ");
		add_baseline(&c->reason, r->sec);
		return report(c, r, ring, MD_R_CRED_READ, false, ev, loc, ctx);
	}
	return 0;
}

static int check_other(struct md_checker *c, struct md_ring *r, uint32_t ring, const struct fdr_event *ev,
		       const struct md_loc *loc, const struct md_obs *o, const struct md_pid *actor,
		       uint64_t ctx)
{
	const struct md_section *s = r->sec;
	struct fdr_buf *b = &c->reason;
	unsigned rule;
	bool declared = false;

	if (o->hint && *o->hint)
		return 0;
	if (learned(s, o)) {
		if (o->hint)
			*o->hint = 1;	/* the model never changes during a check */
		return 0;
	}
	set_what(c, o);
	fdr_buf_reset(b);
	switch (o->type) {
	case MD_T_USER:
		rule = fdr_str_eq(o->f[0], "0") ? MD_R_PRIV_CHANGE : MD_R_NEW_USER;
		fdr_buf_adds(b, "a process runs as ");
		fdr_buf_adds(b, rule == MD_R_PRIV_CHANGE ? "root (uid 0)" : "uid ");
		if (rule != MD_R_PRIV_CHANGE)
			addstr(b, o->f[0]);
		fdr_buf_addf(b, " (%s)", actor_exe(r, actor));
		break;
	case MD_T_SETUID:
		rule = fdr_str_eq(o->f[1], "0") ? MD_R_PRIV_CHANGE : MD_R_NEW_SETUID;
		fdr_buf_adds(b, "uid change ");
		addstr(b, o->f[0]);
		fdr_buf_adds(b, " -> ");
		addstr(b, o->f[1]);
		fdr_buf_addf(b, " by %s", actor_exe(r, actor));
		break;
	case MD_T_READ: {
		struct fdr_str raw = md_cpath(r, fdr_event_str(ev, FDR_F_PATH));

		rule = is_cred(raw) ? MD_R_CRED_READ : MD_R_NEW_READ;
		fdr_buf_adds(b, rule == MD_R_CRED_READ ? "read of credentials " : "read of ");
		addstr(b, raw);
		fdr_buf_addf(b, " by %s", actor_exe(r, actor));
		break;
	}
	case MD_T_CREATE:
	case MD_T_WRITE:
	case MD_T_DELETE: {
		struct fdr_str raw = md_cpath(r, fdr_event_str(ev, ev->kind == FDR_FILE_RENAME &&
							       o->type == MD_T_CREATE ? FDR_F_NEW_PATH : FDR_F_PATH));

		rule = is_bin_dir(raw) ? MD_R_BIN_WRITE : MD_R_NEW_WRITE;
		fdr_buf_adds(b, o->type == MD_T_CREATE ? "created " : o->type == MD_T_WRITE
			     ? "modified " : "deleted ");
		addstr(b, raw);
		fdr_buf_addf(b, " by %s%s", actor_exe(r, actor),
			     rule == MD_R_BIN_WRITE ? " (a binary, library or config location)" : "");
		break;
	}
	case MD_T_CONNECT: {
		bool port_known = aux_has(r, AUX_PORT, o->f[0], o->f[2], 2);

		rule = port_known ? MD_R_NEW_PEER : MD_R_NEW_PORT;
		fdr_buf_adds(b, "outbound ");
		addstr(b, o->f[0]);
		fdr_buf_adds(b, " connection to ");
		addstr(b, o->f[1]);
		fdr_buf_adds(b, " port ");
		addstr(b, o->f[2]);
		fdr_buf_addf(b, " by %s%s", actor_exe(r, actor),
			     port_known ? " (new peer on a known port)" : " (port never used)");
		break;
	}
	case MD_T_LISTEN: {
		char decl[40];

		snprintf(decl, sizeof(decl), "%.*s", (int)o->f[1].len, o->f[1].p);
		declared = aux_has(r, AUX_DECL_PORT, o->f[0], o->f[1], 2);
		rule = MD_R_NEW_LISTEN;
		fdr_buf_adds(b, "listening on ");
		addstr(b, o->f[0]);
		fdr_buf_addf(b, " port %s (%s)%s", decl, actor_exe(r, actor),
			     declared ? ", declared by the image but" : "");
		break;
	}
	case MD_T_DNS:
		rule = MD_R_NEW_DNS;
		fdr_buf_adds(b, "DNS query for ");
		addstr(b, o->f[0]);
		break;
	case MD_T_EXEC_INTO:
		rule = MD_R_EXEC_INTO;
		addstr(b, o->f[0]);
		fdr_buf_adds(b, fdr_str_eq(o->f[0], "k8s") ? " pods/exec" : " exec");
		fdr_buf_adds(b, " into the container running '");
		addstr(b, o->f[1]);
		fdr_buf_adds(b, "'");
		break;
	case MD_T_SUDO:
		rule = MD_R_PRIV_CHANGE;
		fdr_buf_adds(b, "sudo by ");
		addstr(b, o->f[0]);
		fdr_buf_adds(b, " as ");
		addstr(b, o->f[1]);
		fdr_buf_adds(b, " running ");
		addstr(b, o->f[2]);
		break;
	case MD_T_LOGIN:
		rule = MD_R_NEW_LOGIN;
		fdr_buf_adds(b, "ssh login by ");
		addstr(b, o->f[0]);
		fdr_buf_adds(b, " (");
		addstr(b, o->f[1]);
		fdr_buf_adds(b, ")");
		break;
	default:
		return 0;
	}
	fdr_buf_adds(b, ": ");
	add_baseline(b, s);
	return report(c, r, ring, rule, declared, ev, loc, ctx);
}

int md_checker_event(struct md_checker *c, const struct fdr_event *ev, const struct md_loc *loc)
{
	struct md_obs o[MD_MAX_OBS];
	const struct md_pid *actor;
	struct md_ring *r;
	uint64_t ctx;
	unsigned n, i;
	bool proc;
	int rc = 0;

	if (loc->ring >= c->nrings)
		return MD_E_RING;
	r = c->rings[loc->ring];
	if (!r->sec && !r->no_baseline_done) {
		const char *key;

		r->no_baseline_done = true;
		md_meta_section(&r->meta, &key);
		fdr_buf_reset(&c->what);
		fdr_buf_addf(&c->what, "section %s ", md_skind_name(r->skind));
		fdr_buf_adds(&c->what, key);
		fdr_buf_reset(&c->reason);
		fdr_buf_addf(&c->reason, "no baseline for %s %s: every behaviour of this container is "
			     "reported as new", md_skind_name(r->skind), r->meta.image[0] ? r->meta.image : key);
		rc = report(c, r, loc->ring, MD_R_NO_BASELINE, false, ev, loc, 0);
		if (rc)
			return rc;
	}
	if (ev->kind == FDR_REC_GAP) {
		struct fdr_str src = fdr_event_str(ev, FDR_F_SOURCE);

		fdr_buf_reset(&c->what);
		fdr_buf_adds(&c->what, "gap ");
		md_add_token(&c->what, src.p ? src.p : "?", src.p ? src.len : 1, false);
		fdr_buf_reset(&c->reason);
		fdr_buf_addf(&c->reason, "the recorder lost %llu events (source ",
			     (unsigned long long)fdr_event_u(ev, FDR_F_LOST, 0));
		addstr(&c->reason, src.p ? src : fdr_str_c("?"));
		fdr_buf_adds(&c->reason, "): findings about processes that span it are uncertain");
		rc = report(c, r, loc->ring, MD_R_GAP, false, ev, loc, 0);
		if (rc)
			return rc;
	}
	/* The actor is looked up only when an observation needs checking;
	 * proc.exec and proc.uid update it, so md_observe returns it then. */
	proc = ev->kind == FDR_PROC_EXEC || ev->kind == FDR_PROC_UID;
	actor = NULL;
	n = md_observe(r, ev, o, proc ? &actor : NULL);
	/* Files written after the container started: executing one is drift. */
	switch (ev->kind) {
	case FDR_FILE_CREATE:
	case FDR_FILE_MODIFY:	/* n == 0: not the container's file (runtime state) */
		if (n && fdr_event_has(ev, FDR_F_PATH) && ev->time_ns >= r->meta.started_ns &&
		    !(ev->flags & FDR_EVF_SCAN))
			md_drift_add(r, r->rawhash);	/* hash of PATH, from md_observe */
		break;
	case FDR_FILE_DELETE:
		if (n && fdr_event_has(ev, FDR_F_PATH) && r->driftlive)
			md_drift_del(r, r->rawhash);
		break;
	case FDR_FILE_RENAME: {
		struct fdr_str p = md_cpath(r, fdr_event_str(ev, FDR_F_PATH));
		struct fdr_str q = md_cpath(r, fdr_event_str(ev, FDR_F_NEW_PATH));

		if (p.p && r->driftlive)
			md_drift_del(r, md_hash(p.p, p.len));
		if (q.p && ev->time_ns >= r->meta.started_ns && !(ev->flags & FDR_EVF_SCAN))
			md_drift_add(r, md_hash(q.p, q.len));
		break;
	}
	default:
		break;
	}
	if (!n)
		return 0;
	for (i = 0; i < n && o[i].hint && *o[i].hint; i++)
		;
	/* Every observation memoized as allowed (an exec still has its drift
	 * check, which depends on what was written since). */
	if (i == n && ev->kind != FDR_PROC_EXEC && ev->kind != FDR_FILE_EXEC)
		return 0;
	if (!proc)
		actor = md_pid_find(r, fdr_event_u(ev, FDR_F_PID, 0));
	ctx = actor ? actor->start_ns : r->first_ns;
	if (ev->kind == FDR_PROC_EXEC || ev->kind == FDR_FILE_EXEC) {
		rc = check_exec(c, r, loc->ring, ev, loc, o, n, ctx);
		if (!rc)
			rc = check_argv_cred(c, r, loc->ring, ev, loc, o, n, ctx);
		for (i = 0; i < n && !rc; i++)
			if (o[i].type == MD_T_USER)
				rc = check_other(c, r, loc->ring, ev, loc, &o[i], actor, ctx);
		return rc;
	}
	for (i = 0; i < n && !rc; i++)
		rc = check_other(c, r, loc->ring, ev, loc, &o[i], actor, ctx);
	return rc;
}

static int finding_cmp(const void *x, const void *y)
{
	const struct md_finding_int *a = x, *b = y;

	if (a->f.first_ns != b->f.first_ns)
		return a->f.first_ns < b->f.first_ns ? -1 : 1;
	if (a->f.ring != b->f.ring)
		return a->f.ring < b->f.ring ? -1 : 1;
	if (a->f.rule != b->f.rule)
		return a->f.rule < b->f.rule ? -1 : 1;
	return strcmp(a->what, b->what);
}

int md_checker_finish(struct md_checker *c)
{
	if (c->nfs)
		qsort(c->fs, c->nfs, sizeof(*c->fs), finding_cmp);
	md_index_release(&c->fidx);	/* positions moved; findings are final now */
	for (size_t i = 0; i < c->nfs; i++) {
		c->fs[i].f.what = c->fs[i].what;
		c->fs[i].f.reason = c->fs[i].reason;
	}
	return 0;
}

size_t md_checker_nfindings(const struct md_checker *c)
{
	return c->nfs;
}

const struct md_finding *md_checker_finding(const struct md_checker *c, size_t i)
{
	if (i >= c->nfs)
		return NULL;
	c->fs[i].f.what = c->fs[i].what;
	c->fs[i].f.reason = c->fs[i].reason;
	return &c->fs[i].f;
}

uint64_t md_checker_suppressed(const struct md_checker *c)
{
	return c->suppressed;
}

/* ---- output ------------------------------------------------------------------------------ */

static void add_time_ns(struct fdr_buf *b, uint64_t ns)
{
	md_add_time(b, ns);
	b->len--;	/* drop the 'Z' */
	fdr_buf_addf(b, ".%09lluZ", (unsigned long long)(ns % 1000000000u));
}

static void json_kv(struct fdr_buf *b, const char *k, const char *v)
{
	fdr_buf_addf(b, ",\"%s\":", k);
	fdr_buf_add_json_str(b, v, strlen(v));
}

void md_finding_format(const struct md_checker *c, const struct md_finding *f, bool json,
		       struct fdr_buf *b)
{
	const struct md_ring *r = f->ring < c->nrings ? c->rings[f->ring] : NULL;
	const char *cid = r && r->meta.container_id[0] ? r->meta.container_id : "host";
	const char *cname = r ? r->meta.container_name : "";
	const char *image = r ? r->meta.image : "";

	if (json) {
		fdr_buf_adds(b, "{\"time\":\"");
		add_time_ns(b, f->first_ns);
		fdr_buf_adds(b, "\",\"last_time\":\"");
		add_time_ns(b, f->last_ns);
		fdr_buf_addf(b, "\",\"severity\":\"%s\",\"rule\":\"%s\",\"uncertain\":%s,\"count\":%llu",
			     md_sev_name(f->sev), md_rule_name(f->rule), f->uncertain ? "true" : "false",
			     (unsigned long long)f->count);
		json_kv(b, "host", r ? r->meta.hostname : "");
		json_kv(b, "container", cid);
		json_kv(b, "container_name", cname);
		json_kv(b, "image", image);
		json_kv(b, "image_id", r ? r->meta.image_id : "");
		json_kv(b, "what", f->what);
		json_kv(b, "reason", f->reason);
		fdr_buf_adds(b, ",\"events\":[");
		for (uint32_t i = 0; i < f->nev; i++) {
			const struct md_evref *e = &f->ev[i];
			const struct md_ring *er = e->loc.ring < c->nrings ? c->rings[e->loc.ring] : NULL;

			fdr_buf_adds(b, i ? ",{\"ring\":" : "{\"ring\":");
			fdr_buf_add_json_str(b, er ? er->name : "", er ? strlen(er->name) : 0);
			if (e->loc.seq != UINT64_MAX)
				fdr_buf_addf(b, ",\"seq\":%llu,\"index\":%u",
					     (unsigned long long)e->loc.seq, e->loc.index);
			fdr_buf_adds(b, ",\"time\":\"");
			add_time_ns(b, e->time_ns);
			fdr_buf_addf(b, "\",\"pid\":%llu}", (unsigned long long)e->pid);
		}
		fdr_buf_adds(b, "]}\n");
		return;
	}
	fdr_buf_addf(b, "%-8s ", md_sev_name(f->sev));
	md_add_time(b, f->first_ns);
	fdr_buf_addc(b, ' ');
	fdr_buf_add_escaped(b, cname[0] ? cname : cid, strlen(cname[0] ? cname : cid));
	if (image[0]) {
		fdr_buf_adds(b, " (");
		fdr_buf_add_escaped(b, image, strlen(image));
		fdr_buf_addc(b, ')');
	}
	fdr_buf_addf(b, " %s: ", md_rule_name(f->rule));
	fdr_buf_add_escaped(b, f->reason, strlen(f->reason));
	if (f->uncertain)
		fdr_buf_adds(b, " [uncertain: a recording gap or an incomplete event]");
	fdr_buf_addf(b, " [x%llu", (unsigned long long)f->count);
	if (f->nev) {
		const struct md_evref *e = &f->ev[0];
		const struct md_ring *er = e->loc.ring < c->nrings ? c->rings[e->loc.ring] : NULL;

		fdr_buf_adds(b, "; first ");
		if (er)
			fdr_buf_add_escaped(b, er->name, strlen(er->name));
		if (e->loc.seq != UINT64_MAX)
			fdr_buf_addf(b, " block %llu #%u", (unsigned long long)e->loc.seq, e->loc.index);
		fdr_buf_adds(b, " at ");
		md_add_time(b, e->time_ns);
		fdr_buf_addf(b, " pid %llu", (unsigned long long)e->pid);
	}
	fdr_buf_adds(b, "]\n");
}
