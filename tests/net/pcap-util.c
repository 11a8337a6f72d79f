/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pcap-util.h"

long pu_each(const char *path, pu_fn fn, void *arg, char *err)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	size_t n = strlen(path);
	FILE *gz = NULL;
	pcap_t *pc;
	struct pcap_pkthdr *h;
	const u_char *data;
	long count = 0;
	int rc, nano;
	pid_t child = -1;

	if (n > 3 && !strcmp(path + n - 3, ".gz")) {
		int fds[2];

		if (pipe2(fds, O_CLOEXEC)) {
			snprintf(err, 256, "gz: %s", strerror(errno));
			return -1;
		}
		child = fork();
		if (child == 0) {
			dup2(fds[1], 1);
			execlp("gzip", "gzip", "-dc", "--", path, (char *)NULL);
			_exit(127);
		}
		close(fds[1]);
		gz = child > 0 ? fdopen(fds[0], "r") : NULL;
		if (!gz) {
			snprintf(err, 256, "cannot run gzip for '%s'", path);
			close(fds[0]);
			return -1;
		}
		pc = pcap_fopen_offline_with_tstamp_precision(gz, PCAP_TSTAMP_PRECISION_NANO, ebuf);
	} else {
		pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, ebuf);
	}
	if (!pc) {
		snprintf(err, 256, "cannot open %.100s: %.120s", path, ebuf);
		if (gz) {
			fclose(gz);
			waitpid(child, NULL, 0);
		}
		return -1;
	}
	nano = pcap_get_tstamp_precision(pc) == PCAP_TSTAMP_PRECISION_NANO;
	while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
		uint64_t t = (uint64_t)h->ts.tv_sec * 1000000000ull +
			     (uint64_t)h->ts.tv_usec * (nano ? 1 : 1000);

		count++;
		if (fn(arg, pcap_datalink(pc), data, h->caplen, h->len, t))
			break;
	}
	if (rc == -1) {
		snprintf(err, 256, "cannot read %.100s: %.120s", path, pcap_geterr(pc));
		count = -1;
	}
	pcap_close(pc);	/* closes the gz's FILE too */
	if (gz)	/* pcap_close() closed the FILE; reap gzip */
		waitpid(child, NULL, 0);
	return count;
}

const char *pu_data(const char *rel, char *buf, size_t size)
{
	const char *sh = getenv("FDR_SHARED");

	if (!sh || snprintf(buf, size, "%s/data/pcap/%s", sh, rel) >= (int)size || access(buf, R_OK))
		return NULL;
	return buf;
}
