/*
 * tcpblast: the traffic generator of bench/network.ts, a static program so
 * that the host and busybox containers run the same code.
 *
 *   tcpblast serve PORT           accept forever; per connection: first byte 'b'
 *                                 (bulk): read to EOF, answer the byte count as
 *                                 8 bytes; 'p' (ping): answer 'p' and close
 *   tcpblast send HOST PORT MB    one bulk connection; prints "MB/s"
 *   tcpblast rr HOST PORT N       N connections of one ping each; prints
 *                                 "median_us p99_us"
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int dial(const char *host, int port)
{
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	if (inet_pton(AF_INET, host, &a.sin_addr) != 1)
		return -1;
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) != 0)
		return -1;
	int one = 1;
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return s;
}

static int serve(int port)
{
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	if (bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 128) != 0)
		return 1;
	static char buf[1 << 20];
	for (;;) {
		int c = accept(s, NULL, NULL);
		if (c < 0)
			continue;
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		char kind;
		if (read(c, &kind, 1) == 1) {
			if (kind == 'p') {
				if (write(c, "p", 1) < 0) { /* peer gone */ }
			} else {
				uint64_t n = 0;
				ssize_t r;
				while ((r = read(c, buf, sizeof buf)) > 0)
					n += (uint64_t)r;
				if (write(c, &n, sizeof n) < 0) { /* peer gone */ }
			}
		}
		close(c);
	}
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "serve"))
		return serve(atoi(argv[2]));
	if (argc == 5 && !strcmp(argv[1], "send")) {
		uint64_t total = (uint64_t)atoll(argv[4]) << 20, sent = 0, got = 0;
		static char buf[1 << 18];
		memset(buf, 'x', sizeof buf);
		double t = now();
		int s = dial(argv[2], atoi(argv[3]));
		if (s < 0 || write(s, "b", 1) != 1)
			return perror("connect"), 1;
		while (sent < total) {
			ssize_t w = write(s, buf, sizeof buf);
			if (w <= 0)
				return perror("write"), 1;
			sent += (uint64_t)w;
		}
		shutdown(s, SHUT_WR);
		if (read(s, &got, sizeof got) != sizeof got || got != sent)
			return fprintf(stderr, "short transfer\n"), 1;
		printf("%.0f\n", sent / (now() - t) / 1e6);
		return 0;
	}
	if (argc == 5 && !strcmp(argv[1], "rr")) {
		int n = atoi(argv[4]);
		double *lat = calloc(n, sizeof *lat);
		for (int i = 0; i < n; i++) {
			double t = now();
			int s = dial(argv[2], atoi(argv[3]));
			char c;
			if (s < 0 || write(s, "p", 1) != 1 || read(s, &c, 1) != 1)
				return perror("ping"), 1;
			close(s);
			lat[i] = (now() - t) * 1e6;
		}
		qsort(lat, n, sizeof *lat, cmp);
		printf("%.0f %.0f\n", lat[n / 2], lat[n * 99 / 100]);
		return 0;
	}
	fprintf(stderr, "usage: tcpblast serve PORT | send HOST PORT MB | rr HOST PORT N\n");
	return 2;
}
