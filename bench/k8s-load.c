// SPDX-License-Identifier: Apache-2.0
/*
 * k8s-load: a small HTTP/1.1 load client for the audit webhook benchmark.
 * C keep-alive connections to 127.0.0.1:PORT, one request in flight on each,
 * every request POSTing the same EventList body; bounded by a request count
 * and a time limit. Prints "name value unit" lines: requests, answers by
 * class, audit events accepted per second, p50/p99/max response time.
 *
 *   k8s-load PORT BODY_FILE EVENTS_PER_BODY CONNS SECONDS MAX_REQUESTS PREFIX [RATE]
 *
 * With RATE (requests/s, all connections together) requests are due at a
 * fixed pace instead of back to back, and each response time counts from
 * when its request was due (so time spent waiting for a free connection is
 * counted, not hidden): the response time at a given load, below
 * saturation, rather than the queueing of a saturated closed loop.
 *   k8s-load --parse-only BODY_FILE EVENTS_PER_BODY SECONDS PREFIX
 *
 * The second form is the reference measured beside the recorder: jansson's
 * json_loadb() of the same body, alone, in CPU time (the floor of any
 * design that parses the whole body into a tree, as the recorder does).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#define MAX_CONNS 64

struct conn {
	int fd;
	size_t sent;		/* bytes of the request written */
	char in[4096];
	size_t inlen;
	uint64_t start;
	int busy;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static int dial(unsigned port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("k8s-load: connect");
		exit(1);
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_only(const char *path, unsigned per_body, double secs, const char *prefix)
{
	FILE *f = fopen(path, "rb");
	static char buf[64 << 20];
	size_t n;
	uint64_t bodies = 0;
	double t0, el;

	if (!f)
		return 1;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	t0 = cpu_s();
	do {
		json_error_t err;
		json_t *r = json_loadb(buf, n, 0, &err);

		if (!r)
			return 1;
		json_decref(r);
		bodies++;
	} while ((el = cpu_s() - t0) < secs);
	printf("%s_events_per_cpu_s %.0f events/s\n", prefix, (double)(bodies * per_body) / el);
	printf("%s_cpu_us_per_event %.2f us\n", prefix, el * 1e6 / (double)(bodies * per_body));
	return 0;
}

int main(int argc, char **argv)
{
	unsigned port, nconn, per_body;
	double secs;
	uint64_t max_req, done = 0, ok = 0, shed = 0, other = 0, issued = 0;
	uint64_t *lat, t0, deadline, next_due = 0, gap = 0;
	struct conn c[MAX_CONNS];
	char *req, *body;
	size_t reqlen, bodylen;
	const char *prefix;
	FILE *f;
	long n;

	if (argc == 6 && strcmp(argv[1], "--parse-only") == 0)
		return parse_only(argv[2], (unsigned)atoi(argv[3]), atof(argv[4]), argv[5]);
	if (argc != 8 && argc != 9) {
		fprintf(stderr, "usage: k8s-load PORT BODY_FILE EVENTS_PER_BODY CONNS SECONDS MAX_REQUESTS PREFIX [RATE]\n");
		return 2;
	}
	if (argc == 9 && atof(argv[8]) > 0)
		gap = (uint64_t)(1e9 / atof(argv[8]));
	port = (unsigned)atoi(argv[1]);
	per_body = (unsigned)atoi(argv[3]);
	nconn = (unsigned)atoi(argv[4]);
	secs = atof(argv[5]);
	max_req = strtoull(argv[6], NULL, 10);
	prefix = argv[7];
	if (nconn < 1 || nconn > MAX_CONNS || max_req < 1) {
		fprintf(stderr, "k8s-load: bad arguments\n");
		return 2;
	}
	f = fopen(argv[2], "rb");
	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET)) {
		fprintf(stderr, "k8s-load: cannot read '%s'\n", argv[2]);
		return 1;
	}
	bodylen = (size_t)n;
	body = malloc(bodylen);
	if (!body || fread(body, 1, bodylen, f) != bodylen)
		return 1;
	fclose(f);
	req = malloc(bodylen + 256);
	reqlen = (size_t)sprintf(req, "POST /audit HTTP/1.1\r\nHost: 127.0.0.1\r\n"
				 "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n", bodylen);
	memcpy(req + reqlen, body, bodylen);
	reqlen += bodylen;
	lat = malloc(max_req * sizeof(*lat));
	if (!lat)
		return 1;
	for (unsigned i = 0; i < nconn; i++) {
		memset(&c[i], 0, sizeof(c[i]));
		c[i].fd = dial(port);
	}
	t0 = now_ns();
	deadline = t0 + (uint64_t)(secs * 1e9);
	next_due = t0;
	for (;;) {
		struct pollfd p[MAX_CONNS];
		struct timespec wait = { 1, 0 };
		uint64_t now = now_ns();
		int active = 0;

		for (unsigned i = 0; i < nconn; i++) {
			if (!c[i].busy && issued < max_req && now < deadline && (!gap || now >= next_due)) {
				c[i].busy = 1;
				c[i].sent = 0;
				c[i].inlen = 0;
				c[i].start = gap ? next_due : now;
				next_due += gap;
				issued++;
			}
			p[i].fd = c[i].fd;
			p[i].events = c[i].busy ? (c[i].sent < reqlen ? POLLOUT : POLLIN) : 0;
			active += c[i].busy;
		}
		/* a free connection waits for the next due time; with none free,
		 * only an answer can let the next request go (no spinning) */
		if (gap && issued < max_req && now < deadline && active < (int)nconn) {
			uint64_t d = next_due > now ? next_due - now : 0;

			wait.tv_sec = (time_t)(d / 1000000000u);
			wait.tv_nsec = (long)(d % 1000000000u);
		} else if (!active) {
			break;
		}
		if (ppoll(p, nconn, &wait, NULL) < 0 && errno != EINTR)
			break;
		for (unsigned i = 0; i < nconn; i++) {
			struct conn *k = &c[i];

			if (!k->busy || !p[i].revents)
				continue;
			if (k->sent < reqlen) {
				ssize_t w = send(k->fd, req + k->sent, reqlen - k->sent, MSG_NOSIGNAL | MSG_DONTWAIT);

				if (w > 0)
					k->sent += (size_t)w;
				else if (w < 0 && errno != EAGAIN) {
					fprintf(stderr, "k8s-load: send: %s\n", strerror(errno));
					return 1;
				}
				continue;
			}
			{
				ssize_t r = recv(k->fd, k->in + k->inlen, sizeof(k->in) - 1 - k->inlen, MSG_DONTWAIT);
				char *hend, *cl;
				size_t need;
				int code;

				if (r <= 0) {
					if (r < 0 && errno == EAGAIN)
						continue;
					fprintf(stderr, "k8s-load: connection closed by the server\n");
					return 1;
				}
				k->inlen += (size_t)r;
				k->in[k->inlen] = '\0';
				hend = strstr(k->in, "\r\n\r\n");
				if (!hend)
					continue;
				cl = strcasestr(k->in, "Content-Length:");
				need = (size_t)(hend + 4 - k->in) + (cl ? strtoul(cl + 15, NULL, 10) : 0);
				if (k->inlen < need)
					continue;
				code = atoi(k->in + 9);
				if (code == 200)
					ok++;
				else if (code == 429 || code == 503)
					shed++;
				else
					other++;
				lat[done++] = now_ns() - k->start;
				k->busy = 0;
			}
		}
	}
	{
		double el = (double)(now_ns() - t0) / 1e9;

		qsort(lat, done, sizeof(*lat), cmp_u64);
		printf("%s_requests %llu count\n", prefix, (unsigned long long)done);
		printf("%s_shed_requests %llu count\n", prefix, (unsigned long long)shed);
		printf("%s_other_answers %llu count\n", prefix, (unsigned long long)other);
		printf("%s_events_per_s %.0f events/s\n", prefix, (double)(ok * per_body) / el);
		printf("%s_p50 %.3f ms\n", prefix, done ? lat[done / 2] / 1e6 : 0.0);
		printf("%s_p99 %.3f ms\n", prefix, done ? lat[(done * 99) / 100] / 1e6 : 0.0);
		printf("%s_max %.3f ms\n", prefix, done ? lat[done - 1] / 1e6 : 0.0);
	}
	return other ? 1 : 0;
}
