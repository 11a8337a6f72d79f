// SPDX-License-Identifier: Apache-2.0
/* Options from the command line and the config file: see rec-config.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rec-config.h"

#define CONFIG_MAX (1u << 20)
#define VALUE_MAX 4096

static void set_err(char *err, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (!err || !size)
		return;
	va_start(ap, fmt);
	vsnprintf(err, size, fmt, ap);
	va_end(ap);
}

const struct rec_optdef *rec_optset_find(const struct rec_optset *set, const char *name)
{
	for (size_t t = 0; t < set->n; t++)
		for (const struct rec_optdef *d = set->tables[t]; d && d->name; d++)
			if (strcmp(d->name, name) == 0)
				return d;
	return NULL;
}

static int opts_push(struct rec_opts *o, const char *name, const char *value, bool from_cli)
{
	struct rec_opt *e;

	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 16;
		struct rec_opt *v = realloc(o->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		o->v = v;
		o->cap = cap;
	}
	e = &o->v[o->n];
	e->name = strdup(name);
	e->value = strdup(value);
	e->from_cli = from_cli;
	if (!e->name || !e->value) {
		free(e->name);
		free(e->value);
		return -ENOMEM;
	}
	o->n++;
	return 0;
}

int rec_opts_set(struct rec_opts *o, const struct rec_optdef *def, const char *value,
		 bool from_cli)
{
	if (!def->repeat) {
		for (size_t i = 0; i < o->n; i++) {
			char *v;

			if (strcmp(o->v[i].name, def->name) != 0)
				continue;
			if (o->v[i].from_cli && !from_cli)
				return 0;
			v = strdup(value);
			if (!v)
				return -ENOMEM;
			free(o->v[i].value);
			o->v[i].value = v;
			o->v[i].from_cli = from_cli;
			return 0;
		}
	}
	return opts_push(o, def->name, value, from_cli);
}

const char *rec_opts_get(const struct rec_opts *o, const char *name, unsigned i)
{
	for (size_t k = 0; k < o->n; k++)
		if (strcmp(o->v[k].name, name) == 0 && i-- == 0)
			return o->v[k].value;
	return NULL;
}

void rec_opts_release(struct rec_opts *o)
{
	for (size_t k = 0; k < o->n; k++) {
		free(o->v[k].name);
		free(o->v[k].value);
	}
	free(o->v);
	o->v = NULL;
	o->n = o->cap = 0;
}

int rec_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "1", "yes", "true", "on" };
	static const char *const no[] = { "0", "no", "false", "off" };

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

static int cli_value(struct rec_opts *o, const struct rec_optdef *d, const char *v,
		     char *err, size_t errsize)
{
	if (strlen(v) > VALUE_MAX) {
		set_err(err, errsize, "value of option '--%s' is too long", d->name);
		return -EINVAL;
	}
	return rec_opts_set(o, d, v, true);
}

int rec_cli_parse(struct rec_opts *o, const struct rec_optset *set, int argc, const char *const *argv,
		  char *err, size_t errsize)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		char name[64];
		const struct rec_optdef *d;
		int r;

		if (strcmp(a, "-d") == 0 || strcmp(a, "-h") == 0 || strcmp(a, "-V") == 0) {
			snprintf(name, sizeof(name), "%s",
				 a[1] == 'd' ? "dir" : a[1] == 'h' ? "help" : "version");
		} else if (strncmp(a, "--", 2) == 0 && a[2]) {
			const char *eq = strchr(a + 2, '=');
			size_t n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);

			if (n >= sizeof(name)) {
				set_err(err, errsize, "unknown option '%.64s...'", a);
				return -EINVAL;
			}
			memcpy(name, a + 2, n);
			name[n] = '\0';
			if (eq)
				val = eq + 1;
		} else {
			set_err(err, errsize, "unexpected argument '%.200s' (options start with --)", a);
			return -EINVAL;
		}
		d = rec_optset_find(set, name);
		if (!d) {
			set_err(err, errsize, "unknown option '--%s' (see --help)", name);
			return -EINVAL;
		}
		if (!d->arg) {
			bool b = true;

			if (val && rec_parse_bool(val, &b) < 0) {
				set_err(err, errsize, "option '--%s' takes no value or yes/no, not '%.200s'",
					name, val);
				return -EINVAL;
			}
			r = rec_opts_set(o, d, b ? "1" : "0", true);
		} else {
			if (!val) {
				if (i + 1 >= argc) {
					set_err(err, errsize, "option '--%s' needs a value (%s)", name, d->arg);
					return -EINVAL;
				}
				val = argv[++i];
			}
			r = cli_value(o, d, val, err, errsize);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static const char *trim(char *s, char **end)
{
	char *e = s + strlen(s);

	while (*s == ' ' || *s == '\t')
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	*e = '\0';
	*end = e;
	return s;
}

int rec_config_parse(struct rec_opts *o, const struct rec_optset *set, const char *name,
		     const char *buf, size_t len, char *err, size_t errsize)
{
	unsigned lineno = 0;
	size_t i = 0;

	while (i < len) {
		const char *line = buf + i, *nl = memchr(line, '\n', len - i);
		size_t n = nl ? (size_t)(nl - line) : len - i;
		char tmp[VALUE_MAX + 128], *eq, *kend, *vend, *k, *v;
		const char *flag = NULL;
		const struct rec_optdef *d;
		int r;

		i += n + 1;
		lineno++;
		if (n >= sizeof(tmp)) {
			set_err(err, errsize, "%s:%u: line too long", name, lineno);
			return -EINVAL;
		}
		memcpy(tmp, line, n);
		tmp[n] = '\0';
		if (memchr(tmp, '\0', n)) {
			set_err(err, errsize, "%s:%u: NUL byte in line", name, lineno);
			return -EINVAL;
		}
		k = (char *)trim(tmp, &kend);
		if (!*k || *k == '#' || *k == ';' || (*k == '[' && kend[-1] == ']'))
			continue;
		eq = strchr(k, '=');
		if (!eq) {
			set_err(err, errsize, "%s:%u: expected 'name = value'", name, lineno);
			return -EINVAL;
		}
		*eq = '\0';
		k = (char *)trim(k, &kend);
		v = (char *)trim(eq + 1, &vend);
		if (vend - v >= 2 && *v == '"' && vend[-1] == '"') {
			vend[-1] = '\0';
			v++;
		}
		d = rec_optset_find(set, k);
		if (!d || strcmp(k, "config") == 0 || strcmp(k, "help") == 0 ||
		    strcmp(k, "version") == 0) {
			char safe[64];
			size_t j;

			for (j = 0; k[j] && j < sizeof(safe) - 1; j++)
				safe[j] = (k[j] >= 0x20 && k[j] < 0x7f) ? k[j] : '?';
			safe[j] = '\0';
			set_err(err, errsize, "%s:%u: unknown option '%s'", name, lineno, safe);
			return -EINVAL;
		}
		if (!d->arg) {
			bool b;

			if (rec_parse_bool(v, &b) < 0) {
				set_err(err, errsize, "%s:%u: '%s' takes yes or no", name, lineno, k);
				return -EINVAL;
			}
			flag = b ? "1" : "0";
		}
		r = rec_opts_set(o, d, flag ? flag : v, false);
		if (r < 0)
			return r;
	}
	return 0;
}

int rec_config_load(struct rec_opts *o, const struct rec_optset *set, const char *path,
		    char *err, size_t errsize)
{
	char *buf;
	size_t len = 0;
	ssize_t n;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		set_err(err, errsize, "cannot open config file '%s': %s", path, strerror(-r));
		return r;
	}
	buf = malloc(CONFIG_MAX + 1);
	if (!buf) {
		r = -ENOMEM;
		goto out_close;
	}
	while (len <= CONFIG_MAX && (n = read(fd, buf + len, CONFIG_MAX + 1 - len)) > 0)
		len += (size_t)n;
	if (n < 0) {
		r = -errno;
		set_err(err, errsize, "cannot read config file '%s': %s", path, strerror(-r));
		goto out_free;
	}
	if (len > CONFIG_MAX) {
		set_err(err, errsize, "config file '%s' is larger than 1 MiB", path);
		r = -EINVAL;
		goto out_free;
	}
	r = rec_config_parse(o, set, path, buf, len, err, errsize);
out_free:
	free(buf);
out_close:
	close(fd);
	return r;
}

int rec_parse_size(const char *s, uint64_t *out)
{
	uint64_t v = 0, mul = 1;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	while (*p >= '0' && *p <= '9') {
		if (v > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*p++ - '0');
	}
	switch (*p) {
	case 'k': case 'K': mul = 1ull << 10; p++; break;
	case 'm': case 'M': mul = 1ull << 20; p++; break;
	case 'g': case 'G': mul = 1ull << 30; p++; break;
	case 't': case 'T': mul = 1ull << 40; p++; break;
	case '\0': break;
	case 'b': case 'B': break;
	default: return -EINVAL;
	}
	if (mul > 1 && (*p == 'i'))
		p++;
	if (*p == 'b' || *p == 'B')
		p++;
	if (*p)
		return -EINVAL;
	if (v > UINT64_MAX / mul)
		return -ERANGE;
	*out = v * mul;
	return 0;
}

int rec_parse_duration(const char *s, uint64_t *out_ns)
{
	uint64_t whole = 0, frac = 0, scale = 1000000000ull, unit = 1000000000ull;
	const char *p = s;

	if ((*p < '0' || *p > '9') && *p != '.')
		return -EINVAL;
	while (*p >= '0' && *p <= '9') {
		if (whole > 1000000000ull)
			return -ERANGE;
		whole = whole * 10 + (uint64_t)(*p++ - '0');
	}
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -EINVAL;
		while (*p >= '0' && *p <= '9') {
			if (scale > 1) {
				scale /= 10;
				frac += (uint64_t)(*p - '0') * scale;
			}
			p++;
		}
	}
	if (strcmp(p, "ms") == 0)
		unit = 1000000ull;
	else if (strcmp(p, "s") != 0 && *p)
		return -EINVAL;
	*out_ns = whole * unit + frac / (1000000000ull / unit);
	return 0;
}

/* ---- settings ----------------------------------------------------------- */

int rec_settings_from_opts(struct rec_settings *s, const struct rec_opts *o, char *err,
			   size_t errsize)
{
	const char *v;
	uint64_t x;
	bool b;

	if ((v = rec_opts_get(o, "dir", 0))) {
		if (!v[0] || strlen(v) >= sizeof(s->dir) - 64) {
			snprintf(err, errsize, "invalid ring directory '%.200s'", v);
			return -EINVAL;
		}
		snprintf(s->dir, sizeof(s->dir), "%s", v);
	}
	if ((v = rec_opts_get(o, "ring-size", 0))) {
		if (rec_parse_size(v, &x) < 0 || x < (64u << 10) || x > (1ull << 40)) {
			snprintf(err, errsize, "invalid --ring-size '%.100s' (64K to 1T, e.g. 64M)", v);
			return -EINVAL;
		}
		s->ring_size = x;
	}
	if ((v = rec_opts_get(o, "block-size", 0))) {
		if (rec_parse_size(v, &x) < 0 || x < 4096 || x > (16u << 20)) {
			snprintf(err, errsize, "invalid --block-size '%.100s' (4K to 16M, e.g. 64K)", v);
			return -EINVAL;
		}
		s->slot_size = (uint32_t)x;
	}
	if ((v = rec_opts_get(o, "disk-budget", 0))) {
		if (rec_parse_size(v, &x) < 0) {
			snprintf(err, errsize, "invalid --disk-budget '%.100s' (e.g. 2G, 0 for none)", v);
			return -EINVAL;
		}
		s->budget = x;
	}
	if ((v = rec_opts_get(o, "flush-interval", 0))) {
		if (rec_parse_duration(v, &x) < 0 || x < 10000000ull || x > 3600000000000ull) {
			snprintf(err, errsize, "invalid --flush-interval '%.100s' (0.01 to 3600 seconds)", v);
			return -EINVAL;
		}
		s->flush_ns = x;
	}
	if ((v = rec_opts_get(o, "duration", 0))) {
		if (rec_parse_duration(v, &x) < 0 || x == 0) {
			snprintf(err, errsize, "invalid --duration '%.100s' (seconds, e.g. 30)", v);
			return -EINVAL;
		}
		s->duration_ns = x;
	}
	if ((v = rec_opts_get(o, "sched-priority", 0))) {
		if (rec_parse_size(v, &x) < 0 || x > 99 || strpbrk(v, "kKmMgGtTbB")) {
			snprintf(err, errsize, "invalid --sched-priority '%.100s' (0 to 99)", v);
			return -EINVAL;
		}
		s->rt_prio = (int)x;
	}
	if ((v = rec_opts_get(o, "no-sync", 0)) && rec_parse_bool(v, &b) == 0 && b)
		s->sync = FDR_SYNC_NONE;
	if (s->slot_size * 4ull > s->ring_size) {
		snprintf(err, errsize, "--ring-size must hold at least 4 blocks of --block-size");
		return -EINVAL;
	}
	if (s->budget && s->budget < s->ring_size) {
		snprintf(err, errsize, "--disk-budget is smaller than one ring (--ring-size)");
		return -EINVAL;
	}
	return 0;
}

int rec_check_dir(const char *dir, char *err, size_t errsize)
{
	struct stat st;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		int e = errno;

		snprintf(err, errsize, "cannot create ring directory '%s': %s", dir, strerror(e));
		return -e;
	}
	if (stat(dir, &st) < 0) {
		int e = errno;

		snprintf(err, errsize, "cannot use ring directory '%s': %s", dir, strerror(e));
		return -e;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errsize, "ring directory '%s' is not a directory", dir);
		return -ENOTDIR;
	}
	if (st.st_uid != geteuid()) {
		snprintf(err, errsize, "ring directory '%s' belongs to uid %u, not to us: refusing it",
			 dir, (unsigned)st.st_uid);
		return -EPERM;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(err, errsize, "ring directory '%s' is writable by others (mode %03o): refusing it (chmod go-w)",
			 dir, (unsigned)(st.st_mode & 0777));
		return -EPERM;
	}
	if (access(dir, R_OK | W_OK | X_OK) < 0) {
		int e = errno;

		snprintf(err, errsize, "cannot write in ring directory '%s': %s", dir, strerror(e));
		return -e;
	}
	return 0;
}
