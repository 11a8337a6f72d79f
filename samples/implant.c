/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sample intrusion's "downloaded binary" (scripts/make-samples.sh): a
 * harmless static program that plays both ends of a call-home on loopback.
 *   implant -l PORT       listen on 127.0.0.1:PORT, read and drop what comes
 *   implant ADDR PORT     connect to ADDR:PORT, say hello, hold the line 2 s
 * Nothing here runs in the tests; it only exists to be recorded.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int listen_loop(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
	int one = 1, s = socket(AF_INET, SOCK_STREAM, 0);
	char buf[512];

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 4) < 0) {
		perror("implant: listen");
		return 1;
	}
	for (;;) {
		int c = accept(s, NULL, NULL);

		if (c < 0)
			continue;
		while (read(c, buf, sizeof(buf)) > 0)
			;
		close(c);
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	static const char hello[] = "hello from the inside\n";
	int s;

	if (argc == 3 && strcmp(argv[1], "-l") == 0)
		return listen_loop(atoi(argv[2]));
	if (argc != 3 || inet_pton(AF_INET, argv[1], &a.sin_addr) != 1) {
		fprintf(stderr, "usage: implant ADDR PORT | implant -l PORT\n");
		return 2;
	}
	a.sin_port = htons((unsigned short)atoi(argv[2]));
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("implant: connect");
		return 1;
	}
	if (write(s, hello, sizeof(hello) - 1) < 0)
		return 1;
	sleep(2);
	close(s);
	return 0;
}
