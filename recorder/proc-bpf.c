// SPDX-License-Identifier: Apache-2.0
/*
 * Loader of the BPF process capture (API: proc-bpf.h): opens the object
 * embedded at build time, sizes the per-CPU scratch map, loads and attaches
 * its three programs, and polls its ring buffer. libbpf's messages are kept
 * (the first warning becomes the reason given to the caller), never printed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "proc-bpf.h"

#define NPROGS 3

struct proc_bpf {
	struct bpf_object *obj;
	struct bpf_link *links[NPROGS];
	int prog_fds[NPROGS];
	struct ring_buffer *rb;
	int drops_fd;
	int ncpu;
	proc_bpf_fn fn;
	void *ctx;
};

static char last_msg[256];

static int keep_msg(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[256];
	size_t n;

	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = '\0';
	/* the first message says what failed; later ones what gave up. The
	 * memlock warning is noise since Linux 5.11 (memory cgroup accounting). */
	if (n && !last_msg[0] && !strstr(line, "RLIMIT_MEMLOCK"))
		memcpy(last_msg, line, n + 1);
	return 0;
}

static int on_sample(void *ctx, void *data, size_t size)
{
	struct proc_bpf *pb = ctx;

	pb->fn(pb->ctx, data, size);
	return 0;
}

int proc_bpf_open(struct proc_bpf **out, proc_bpf_fn fn, void *ctx, char *why, size_t whysize)
{
	static const char *const progs[NPROGS] = { "fdr_exec", "fdr_fork", "fdr_exit" };
	LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = "fdr_proc");
	struct proc_bpf *pb;
	struct bpf_map *map;
	int err;

	last_msg[0] = '\0';
	libbpf_set_print(keep_msg);
	pb = calloc(1, sizeof(*pb));
	if (!pb)
		return -ENOMEM;
	pb->fn = fn;
	pb->ctx = ctx;
	pb->drops_fd = -1;
	pb->obj = bpf_object__open_mem(proc_bpf_obj, proc_bpf_obj_size, &oo);
	if (!pb->obj) {
		err = -errno;
		goto out_why;
	}
	pb->ncpu = libbpf_num_possible_cpus();
	map = bpf_object__find_map_by_name(pb->obj, "buf");
	if (pb->ncpu <= 0 || !map) {
		err = -EINVAL;
		goto out_why;
	}
	err = bpf_map__set_max_entries(map, (uint32_t)pb->ncpu);
	if (err < 0)
		goto out_why;
	err = bpf_object__load(pb->obj);
	if (err < 0)
		goto out_why;
	for (int i = 0; i < NPROGS; i++) {
		struct bpf_program *p = bpf_object__find_program_by_name(pb->obj, progs[i]);

		if (!p) {
			err = -ENOENT;
			goto out_why;
		}
		pb->prog_fds[i] = bpf_program__fd(p);
		pb->links[i] = bpf_program__attach(p);
		if (!pb->links[i]) {
			err = -errno;
			goto out_why;
		}
	}
	map = bpf_object__find_map_by_name(pb->obj, "drops");
	if (!map) {
		err = -ENOENT;
		goto out_why;
	}
	pb->drops_fd = bpf_map__fd(map);
	map = bpf_object__find_map_by_name(pb->obj, "events");
	if (!map) {
		err = -ENOENT;
		goto out_why;
	}
	pb->rb = ring_buffer__new(bpf_map__fd(map), on_sample, pb, NULL);
	if (!pb->rb) {
		err = -errno;
		goto out_why;
	}
	*out = pb;
	return 0;
out_why:
	if (err >= 0)
		err = -EINVAL;
	snprintf(why, whysize, "%s%s%s%s", strerror(-err), last_msg[0] ? " (" : "", last_msg,
		 last_msg[0] ? ")" : "");
	proc_bpf_free(pb);
	return err;
}

int proc_bpf_fd(const struct proc_bpf *pb)
{
	return ring_buffer__epoll_fd(pb->rb);
}

int proc_bpf_consume(struct proc_bpf *pb)
{
	return ring_buffer__consume(pb->rb);
}

uint64_t proc_bpf_drops(const struct proc_bpf *pb)
{
	uint64_t *v, sum = 0;
	uint32_t key = 0;

	if (pb->drops_fd < 0 || pb->ncpu <= 0)
		return 0;
	v = calloc((size_t)pb->ncpu, sizeof(*v));
	if (!v)
		return 0;
	if (bpf_map_lookup_elem(pb->drops_fd, &key, v) == 0)
		for (int i = 0; i < pb->ncpu; i++)
			sum += v[i];
	free(v);
	return sum;
}

int proc_bpf_stats(const struct proc_bpf *pb, uint64_t *run_cnt, uint64_t *run_ns)
{
	*run_cnt = *run_ns = 0;
	for (int i = 0; i < NPROGS; i++) {
		struct bpf_prog_info info;
		uint32_t len = sizeof(info);

		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(pb->prog_fds[i], &info, &len) < 0)
			return -errno;
		*run_cnt += info.run_cnt;
		*run_ns += info.run_time_ns;
	}
	return 0;
}

void proc_bpf_free(struct proc_bpf *pb)
{
	if (!pb)
		return;
	ring_buffer__free(pb->rb);
	for (int i = 0; i < NPROGS; i++)
		bpf_link__destroy(pb->links[i]);
	bpf_object__close(pb->obj);
	free(pb);
}
