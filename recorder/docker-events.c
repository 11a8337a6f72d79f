/* SPDX-License-Identifier: Apache-2.0 */
/*
 * docker-events: decoders for the Docker engine API (docs.docker.com/engine/
 * api, "System events" and "Inspect a container"), every schema since v1.20.
 *
 * Legacy (<= v1.21):   {"status":"create","id":"dfdf82bd3881","from":"ubuntu:latest",
 *                       "time":1374067924[,"timeNano":...]}
 * Transitional:        the legacy keys plus Type/Action/Actor
 * Current (>= v1.52):  {"Type":"container","Action":"exec_create: sh -c id",
 *                       "Actor":{"ID":"<64 hex>","Attributes":{"image":..,"name":..,
 *                       "execID":..,"exitCode":"0","signal":"15",<labels>}},
 *                       "scope":"local","time":<s>,"timeNano":<ns>}
 *
 * Everything here is attacker-influenced (container names, labels and exec
 * command lines are chosen by whoever runs containers): every copy is
 * bounded, and what does not fit is truncated or dropped, never overflowed.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "docker-events.h"
#include "fdr-ring.h"

/* ---- splitter --------------------------------------------------------- */

struct docker_splitter {
	size_t max;
	char *obj;		/* max bytes */
	size_t len;		/* bytes of the current object kept */
	unsigned depth;		/* 0: between objects */
	bool in_str, esc, dropping;
	struct docker_splitter_stats st;
};

int docker_splitter_new(size_t max_obj, struct docker_splitter **out)
{
	struct docker_splitter *s;

	if (max_obj < 2)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->obj = malloc(max_obj);
	if (!s->obj) {
		free(s);
		return -ENOMEM;
	}
	s->max = max_obj;
	*out = s;
	return 0;
}

void docker_splitter_free(struct docker_splitter *s)
{
	if (!s)
		return;
	free(s->obj);
	free(s);
}

void docker_splitter_reset(struct docker_splitter *s)
{
	s->len = 0;
	s->depth = 0;
	s->in_str = s->esc = s->dropping = false;
}

void docker_splitter_stats(const struct docker_splitter *s, struct docker_splitter_stats *st)
{
	*st = s->st;
}

int docker_splitter_feed(struct docker_splitter *s, const char *p, size_t n,
			 docker_object_cb *cb, void *ctx)
{
	for (size_t i = 0; i < n; i++) {
		char c = p[i];

		if (s->depth == 0) {
			if (c == '{') {
				s->depth = 1;
				s->len = 0;
				s->dropping = false;
				s->in_str = s->esc = false;
				s->obj[s->len++] = c;
			} else if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
				s->st.junk_bytes++;
			}
			continue;
		}
		if (!s->dropping) {
			if (s->len < s->max) {
				s->obj[s->len++] = c;
			} else {
				s->dropping = true;
				s->st.oversize++;
			}
		}
		if (s->in_str) {
			if (s->esc)
				s->esc = false;
			else if (c == '\\')
				s->esc = true;
			else if (c == '"')
				s->in_str = false;
			continue;
		}
		switch (c) {
		case '"':
			s->in_str = true;
			break;
		case '{':
		case '[':
			/* Depth is bounded by the object cap; no overflow. */
			s->depth++;
			break;
		case '}':
		case ']':
			if (--s->depth == 0 && !s->dropping) {
				int rc;

				s->st.objects++;
				rc = cb(ctx, s->obj, s->len);
				s->len = 0;
				if (rc)
					return rc;
			}
			break;
		default:
			break;
		}
	}
	return 0;
}

/* ---- bounded string store of a decoded event ---------------------------- */

const char *docker_store(char *buf, size_t size, size_t *used, const char *s, size_t n,
			 size_t *len)
{
	size_t room = size - *used;
	char *p = buf + *used;

	if (room == 0) {
		*len = 0;
		return NULL;
	}
	if (n > room - 1)
		n = room - 1;
	memcpy(p, s, n);
	p[n] = '\0';
	*used += n + 1;
	*len = n;
	return p;
}

/* Copy s (truncated to what is left) into the event's buffer. */
static const char *ev_store(struct docker_ev *d, const char *s, size_t n, size_t *outlen)
{
	return docker_store(d->buf, sizeof(d->buf), &d->used, s, n, outlen);
}

static void ev_set(struct docker_ev *d, unsigned field, const char *s, size_t n)
{
	size_t len;
	const char *p = ev_store(d, s, n, &len);

	if (p)
		fdr_event_set_str(&d->ev, field, p, len);
}

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static void copy_cstr(char *dst, size_t size, const char *src)
{
	size_t n = src ? strlen(src) : 0;

	if (n >= size)
		n = size - 1;
	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
}

static bool parse_int(const char *s, long long *out)
{
	char *end;

	if (!s || !*s)
		return false;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno == 0 && *end == '\0';
}

/* Docker prints the number ("15"); accept "SIGTERM" and "TERM" as well
 * (what `docker kill -s` takes), Linux numbering. 0 when unknown. */
static long long signal_by_name(const char *s)
{
	static const char *const names[] = { NULL, "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT",
		"BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT",
		"CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM",
		"PROF", "WINCH", "IO", "PWR", "SYS" };

	if (!s)
		return 0;
	if (strncmp(s, "SIG", 3) == 0)
		s += 3;
	for (long long i = 1; i < (long long)(sizeof(names) / sizeof(names[0])); i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return 0;
}

static bool is_image_verb(const char *a)
{
	static const char *const verbs[] = { "pull", "push", "tag", "untag", "delete",
					     "import", "load", "save", NULL };

	for (unsigned i = 0; verbs[i]; i++)
		if (strcmp(a, verbs[i]) == 0)
			return true;
	return false;
}

int docker_is_full_id(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return i == 64;
}

static int label_cmp(const void *a, const void *b)
{
	const struct fdr_str *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->p, y->p, n);

	return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* Attributes the decoder turns into their own fields. */
static bool attr_is_field(const char *k, bool container)
{
	static const char *const known[] = { "image", "execID", "exitCode", "signal", NULL };

	for (unsigned i = 0; known[i]; i++)
		if (strcmp(k, known[i]) == 0)
			return true;
	/* name and container are the container's own only on container events */
	return container && strcmp(k, "name") == 0;
}

int docker_event_decode(const char *json, size_t len, struct docker_ev *out)
{
	json_error_t jerr;
	json_t *root, *actor, *attrs, *tn, *t;
	const char *type, *action, *status, *id, *from, *v;
	char act[128];
	const char *cmd = NULL;
	uint64_t time_ns = 0;
	bool container;
	size_t nlabels = 0;
	int rc = 0;

	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return -EBADMSG;
	if (!json_is_object(root)) {
		rc = -EBADMSG;
		goto out_root;
	}
	fdr_event_init(&out->ev, FDR_DOCKER, 0);
	out->used = 0;
	out->type[0] = out->container_id[0] = '\0';

	actor = json_object_get(root, "Actor");
	attrs = json_is_object(actor) ? json_object_get(actor, "Attributes") : NULL;
	if (!json_is_object(attrs))
		attrs = NULL;
	type = jstr(root, "Type");
	action = jstr(root, "Action");
	status = jstr(root, "status");
	if (!action)
		action = status;
	if (!action || !*action) {
		rc = -ENODATA;
		goto out_root;
	}
	id = json_is_object(actor) ? jstr(actor, "ID") : NULL;
	if (!id)
		id = jstr(root, "id");
	from = jstr(root, "from");

	/* "exec_create: sh -c id" carries the command after ": ". */
	{
		const char *colon = strchr(action, ':');
		size_t alen = colon ? (size_t)(colon - action) : strlen(action);

		if (alen >= sizeof(act) - 40)
			alen = sizeof(act) - 40;
		if (colon) {
			cmd = colon + 1;
			while (*cmd == ' ')
				cmd++;
		}
		if (!type)
			type = is_image_verb(action) ? "image" : "container";
		copy_cstr(out->type, sizeof(out->type), type);
		container = strcmp(out->type, "container") == 0;
		if (container) {
			memcpy(act, action, alen);
			act[alen] = '\0';
		} else {
			size_t tl = strlen(out->type);

			memcpy(act, out->type, tl);
			act[tl] = '_';
			memcpy(act + tl + 1, action, alen);
			act[tl + 1 + alen] = '\0';
		}
	}
	ev_set(out, FDR_F_ACTION, act, strlen(act));
	if (cmd && *cmd)
		ev_set(out, FDR_F_COMMAND, cmd, strlen(cmd));

	/* time */
	tn = json_object_get(root, "timeNano");
	t = json_object_get(root, "time");
	if (json_is_integer(tn) && json_integer_value(tn) > 0)
		time_ns = (uint64_t)json_integer_value(tn);
	else if (json_is_integer(t) && json_integer_value(t) > 0 &&
		 json_integer_value(t) < (json_int_t)(UINT64_MAX / 1000000000u))
		time_ns = (uint64_t)json_integer_value(t) * 1000000000u;
	out->ev.time_ns = time_ns;

	/* the container the event is about */
	if (container && id) {
		copy_cstr(out->container_id, sizeof(out->container_id), id);
	} else if (attrs && (v = jstr(attrs, "container")) && strcmp(out->type, "image") != 0) {
		copy_cstr(out->container_id, sizeof(out->container_id), v);
	}
	if (out->container_id[0])
		ev_set(out, FDR_F_CONTAINER, out->container_id, strlen(out->container_id));

	if (attrs && (v = jstr(attrs, "image")))
		ev_set(out, FDR_F_IMAGE, v, strlen(v));
	else if (from)
		ev_set(out, FDR_F_IMAGE, from, strlen(from));
	else if (!container && strcmp(out->type, "image") == 0 && id)
		ev_set(out, FDR_F_IMAGE, id, strlen(id));
	if (container && attrs && (v = jstr(attrs, "name")))
		ev_set(out, FDR_F_NAME, v, strlen(v));
	if (attrs && (v = jstr(attrs, "execID")))
		ev_set(out, FDR_F_EXEC_ID, v, strlen(v));
	if (attrs) {
		long long x;

		if (parse_int(jstr(attrs, "exitCode"), &x))
			fdr_event_set_i(&out->ev, FDR_F_EXIT_CODE, x);
		if ((parse_int(jstr(attrs, "signal"), &x) && x >= 0) ||
		    (x = signal_by_name(jstr(attrs, "signal"))) > 0)
			fdr_event_set_u(&out->ev, FDR_F_SIGNAL, (uint64_t)x);
	}

	/* every other attribute as a label; non-container actors keep their id */
	if (!container && id && !out->container_id[0] && strcmp(out->type, "image") != 0) {
		char tmp[200];
		size_t n, l;
		const char *p;

		n = (size_t)snprintf(tmp, sizeof(tmp), "%s_id=", out->type);
		if (n < sizeof(tmp)) {
			char kv[512];
			size_t idl = strlen(id);

			if (idl > sizeof(kv) - n - 1)
				idl = sizeof(kv) - n - 1;
			memcpy(kv, tmp, n);
			memcpy(kv + n, id, idl);
			p = ev_store(out, kv, n + idl, &l);
			if (p) {
				out->labels[nlabels].p = p;
				out->labels[nlabels++].len = (uint32_t)l;
			}
		}
	}
	if (attrs) {
		const char *k;
		json_t *val;

		json_object_foreach(attrs, k, val) {
			size_t kl, vl, l;
			const char *p;
			char *dst;

			if (nlabels >= DOCKER_EV_MAX_LABELS)
				break;
			if (!json_is_string(val) || attr_is_field(k, container))
				continue;
			kl = strlen(k);
			vl = json_string_length(val);
			/* "key=value" built in place; skip what does not fit whole */
			if (kl + vl + 2 > sizeof(out->buf) - out->used)
				continue;
			dst = out->buf + out->used;
			memcpy(dst, k, kl);
			dst[kl] = '=';
			memcpy(dst + kl + 1, json_string_value(val), vl);
			dst[kl + 1 + vl] = '\0';
			p = dst;
			l = kl + 1 + vl;
			out->used += l + 1;
			out->labels[nlabels].p = p;
			out->labels[nlabels++].len = (uint32_t)l;
		}
	}
	if (nlabels) {
		qsort(out->labels, nlabels, sizeof(out->labels[0]), label_cmp);
		fdr_event_set_strv(&out->ev, FDR_F_LABELS, out->labels, nlabels);
	}
out_root:
	json_decref(root);
	return rc;
}

/* ---- time ------------------------------------------------------------- */

static bool digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

int docker_time_parse(const char *s, uint64_t *ns)
{
	int Y, M, D, h, m, sec, oh = 0, om = 0;
	long long days;
	int64_t t, frac = 0;
	const char *p;

	if (!s || strlen(s) < 20)
		return -EINVAL;
	if (!digits(s, 4, &Y) || s[4] != '-' || !digits(s + 5, 2, &M) || s[7] != '-' ||
	    !digits(s + 8, 2, &D) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &m) ||
	    s[16] != ':' || !digits(s + 17, 2, &sec))
		return -EINVAL;
	if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
		return -EINVAL;
	p = s + 19;
	if (*p == '.') {
		int nd = 0;

		p++;
		while (*p >= '0' && *p <= '9') {
			if (nd < 9) {
				frac = frac * 10 + (*p - '0');
				nd++;
			}
			p++;
		}
		if (nd == 0)
			return -EINVAL;
		while (nd++ < 9)
			frac *= 10;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1;

		if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om))
			return -EINVAL;
		oh *= sign;
		om *= sign;
		p += 6;
	} else {
		return -EINVAL;
	}
	if (*p)
		return -EINVAL;
	if (Y < 1970) {
		*ns = 0;
		return 0;
	}
	/* days from civil (Howard Hinnant's algorithm) */
	{
		int y = Y - (M <= 2);
		int era = y / 400;
		int yoe = y - era * 400;
		int doy = (153 * (M + (M > 2 ? -3 : 9)) + 2) / 5 + D - 1;
		int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

		days = (long long)era * 146097 + doe - 719468;
	}
	t = days * 86400 + h * 3600 + m * 60 + sec - (oh * 3600 + om * 60);
	if (t < 0) {
		*ns = 0;
		return 0;
	}
	*ns = (uint64_t)t * 1000000000u + (uint64_t)frac;
	return 0;
}

/* ---- inspect ---------------------------------------------------------- */

static void meta_label(struct fdr_ring_meta *meta, const char *k, const char *v)
{
	size_t kl = strlen(k), vl = strlen(v);

	/* Whole entries only: a truncated label would lie. */
	if (meta->labels_len + kl + vl + 2 > sizeof(meta->labels))
		return;
	memcpy(meta->labels + meta->labels_len, k, kl);
	meta->labels[meta->labels_len + kl] = '=';
	memcpy(meta->labels + meta->labels_len + kl + 1, v, vl);
	meta->labels[meta->labels_len + kl + 1 + vl] = '\0';
	meta->labels_len += (uint32_t)(kl + vl + 2);
}

/* Append the strings of a JSON array (or one string) to dst, space separated. */
static void append_words(char *dst, size_t size, json_t *v)
{
	size_t len = strlen(dst);
	size_t i;
	json_t *e;

	if (json_is_string(v)) {
		json_t *tmp = json_array();

		json_array_append(tmp, v);
		append_words(dst, size, tmp);
		json_decref(tmp);
		return;
	}
	if (!json_is_array(v))
		return;
	json_array_foreach(v, i, e) {
		const char *s;
		size_t n;

		if (!json_is_string(e))
			continue;
		s = json_string_value(e);
		n = strlen(s);
		if (len && len + 1 < size)
			dst[len++] = ' ';
		if (len + n >= size)
			n = size - 1 - len;
		memcpy(dst + len, s, n);
		len += n;
		dst[len] = '\0';
		if (len + 1 >= size)
			break;
	}
}

static int str_ptr_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int docker_inspect_to_meta(const char *json, size_t len, struct fdr_ring_meta *meta)
{
	json_error_t jerr;
	json_t *root, *c, *cfg, *state, *labels, *ports;
	const char *v;
	int rc = 0;

	root = json_loadb(json, len, 0, &jerr);
	if (!root)
		return -EBADMSG;
	c = root;
	if (json_is_array(root))
		c = json_array_get(root, 0);
	if (!json_is_object(c) || !(v = jstr(c, "Id"))) {
		rc = -EBADMSG;
		goto out_root;
	}
	copy_cstr(meta->container_id, sizeof(meta->container_id), v);
	copy_cstr(meta->runtime, sizeof(meta->runtime), "docker");
	if ((v = jstr(c, "Name")))
		copy_cstr(meta->container_name, sizeof(meta->container_name), v[0] == '/' ? v + 1 : v);
	if ((v = jstr(c, "Image")))
		copy_cstr(meta->image_id, sizeof(meta->image_id), v);
	cfg = json_object_get(c, "Config");
	if (json_is_object(cfg)) {
		if ((v = jstr(cfg, "Image")))
			copy_cstr(meta->image, sizeof(meta->image), v);
		meta->command[0] = '\0';
		append_words(meta->command, sizeof(meta->command), json_object_get(cfg, "Entrypoint"));
		append_words(meta->command, sizeof(meta->command), json_object_get(cfg, "Cmd"));
		ports = json_object_get(cfg, "ExposedPorts");
		if (json_is_object(ports)) {
			const char *keys[64];
			size_t n = 0, l = 0;
			const char *k;
			json_t *x;

			json_object_foreach(ports, k, x) {
				if (n < 64)
					keys[n++] = k;
			}
			qsort(keys, n, sizeof(keys[0]), str_ptr_cmp);
			meta->ports[0] = '\0';
			for (size_t i = 0; i < n; i++) {
				size_t kl = strlen(keys[i]);

				if (l + kl + 2 > sizeof(meta->ports))
					break;
				if (l)
					meta->ports[l++] = ' ';
				memcpy(meta->ports + l, keys[i], kl);
				l += kl;
				meta->ports[l] = '\0';
			}
		}
		labels = json_object_get(cfg, "Labels");
		if (json_is_object(labels)) {
			const char *keys[256];
			size_t n = 0;
			const char *k;
			json_t *x;

			json_object_foreach(labels, k, x) {
				if (n < 256 && json_is_string(x))
					keys[n++] = k;
			}
			qsort(keys, n, sizeof(keys[0]), str_ptr_cmp);
			meta->labels_len = 0;
			for (size_t i = 0; i < n; i++)
				meta_label(meta, keys[i], jstr(labels, keys[i]));
			if ((v = jstr(labels, "io.kubernetes.pod.name")))
				copy_cstr(meta->pod, sizeof(meta->pod), v);
			if ((v = jstr(labels, "io.kubernetes.pod.namespace")))
				copy_cstr(meta->namespace_, sizeof(meta->namespace_), v);
			if ((v = jstr(labels, "io.kubernetes.pod.uid")))
				copy_cstr(meta->pod_uid, sizeof(meta->pod_uid), v);
		}
	}
	state = json_object_get(c, "State");
	if (json_is_object(state)) {
		uint64_t ns;
		json_t *running = json_object_get(state, "Running");

		if (docker_time_parse(jstr(state, "StartedAt"), &ns) == 0 && ns)
			meta->started_ns = ns;
		if (!json_is_true(running) &&
		    docker_time_parse(jstr(state, "FinishedAt"), &ns) == 0 && ns)
			meta->ended_ns = ns;
	}
out_root:
	json_decref(root);
	return rc;
}

int docker_list_ids(const char *json, size_t len,
		    void (*cb)(void *ctx, const char *id), void *ctx)
{
	json_error_t jerr;
	json_t *root, *e;
	size_t i;
	int n = 0;

	root = json_loadb(json, len, 0, &jerr);
	if (!root)
		return -EBADMSG;
	if (!json_is_array(root)) {
		json_decref(root);
		return -EBADMSG;
	}
	json_array_foreach(root, i, e) {
		const char *id = json_is_object(e) ? jstr(e, "Id") : NULL;

		if (id && docker_is_full_id(id)) {
			cb(ctx, id);
			n++;
		}
	}
	json_decref(root);
	return n;
}
