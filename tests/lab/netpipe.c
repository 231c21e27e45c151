/* netpipe - exact-byte traffic for the lab.
 *
 *   netpipe listen tcp|udp ADDR PORT [--send N] [--count K] [--echo]
 *                                    [--ready FILE] [--timeout S]
 *   netpipe connect tcp|udp ADDR PORT [--send N] [--size B] [--bind ADDR]
 *                                     [--expect N] [--timeout S]
 *
 * TCP: each side sends N payload bytes, half-closes, reads to EOF and
 * prints the payload bytes it received. UDP: the client sends N bytes in
 * datagrams of B bytes; the listener counts until it has --expect bytes or
 * is idle for the timeout; --echo answers every datagram with itself (a
 * DNS-like exchange). The listener writes FILE once it listens.
 * Addresses are numeric; IPv4 and IPv6.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct opts {
	int udp;
	const char *addr, *port, *ready, *bind;
	unsigned long long send, expect;
	unsigned long count, size, timeout_ms;
	int echo;
};

static void die(const char *what)
{
	fprintf(stderr, "netpipe: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void usage(void)
{
	fprintf(stderr, "usage: netpipe listen|connect tcp|udp ADDR PORT [options]\n");
	exit(2);
}

static struct addrinfo *resolve(const char *addr, const char *port, int udp)
{
	struct addrinfo hints = { 0 }, *ai;
	int rc;

	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	hints.ai_socktype = udp ? SOCK_DGRAM : SOCK_STREAM;
	rc = getaddrinfo(addr, port, &hints, &ai);
	if (rc) {
		fprintf(stderr, "netpipe: %s port %s: %s\n", addr, port, gai_strerror(rc));
		exit(2);
	}
	return ai;
}

static void send_all(int fd, unsigned long long n, size_t chunk)
{
	static char buf[65536];

	if (chunk > sizeof(buf))
		chunk = sizeof(buf);
	memset(buf, 'x', sizeof(buf));
	while (n > 0) {
		size_t len = n < chunk ? (size_t)n : chunk;
		ssize_t w = send(fd, buf, len, 0);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			/* UDP: a full socket buffer is retried, not dropped. */
			if (errno == ENOBUFS || errno == EAGAIN) {
				usleep(1000);
				continue;
			}
			die("send");
		}
		n -= (unsigned long long)w;
	}
}

/* Reads until EOF (TCP) or until expect bytes / an idle timeout (UDP). */
static unsigned long long recv_all(int fd, const struct opts *o, int echo)
{
	static char buf[65536];
	unsigned long long got = 0;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		ssize_t r;
		int pr;

		if (o->udp && o->expect && got >= o->expect)
			break;
		pr = poll(&p, 1, (int)o->timeout_ms);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0)
			die("poll");
		if (pr == 0) {
			if (o->udp)
				break;
			errno = ETIMEDOUT;
			die("receive");
		}
		r = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &plen);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			die("recv");
		}
		if (r == 0 && !o->udp)
			break;
		got += (unsigned long long)r;
		if (echo && sendto(fd, buf, (size_t)r, 0, (struct sockaddr *)&peer, plen) < 0)
			die("sendto");
	}
	return got;
}

static void mark_ready(const char *path)
{
	int fd;

	if (!path)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die(path);
	close(fd);
}

static int do_listen(const struct opts *o)
{
	struct addrinfo *ai = resolve(o->addr, o->port, o->udp);
	int one = 1, fd;

	fd = socket(ai->ai_family, ai->ai_socktype, 0);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0)
		die("bind");
	freeaddrinfo(ai);
	if (o->udp) {
		mark_ready(o->ready);
		printf("%llu\n", recv_all(fd, o, o->echo));
		close(fd);
		return 0;
	}
	if (listen(fd, 16) < 0)
		die("listen");
	mark_ready(o->ready);
	for (unsigned long i = 0; i < o->count; i++) {
		int c = accept(fd, NULL, NULL);

		if (c < 0) {
			if (errno == EINTR) {
				i--;
				continue;
			}
			die("accept");
		}
		send_all(c, o->send, 65536);
		shutdown(c, SHUT_WR);
		printf("%llu\n", recv_all(c, o, 0));
		fflush(stdout);
		close(c);
	}
	close(fd);
	return 0;
}

static int do_connect(const struct opts *o)
{
	struct addrinfo *ai = resolve(o->addr, o->port, o->udp);
	int fd = socket(ai->ai_family, ai->ai_socktype, 0);

	if (fd < 0)
		die("socket");
	if (o->bind) {
		struct addrinfo *b = resolve(o->bind, "0", o->udp);

		if (bind(fd, b->ai_addr, b->ai_addrlen) < 0)
			die("bind");
		freeaddrinfo(b);
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0)
		die("connect");
	freeaddrinfo(ai);
	send_all(fd, o->send, o->udp ? o->size : 65536);
	if (!o->udp)
		shutdown(fd, SHUT_WR);
	if (!o->udp || o->expect)
		printf("%llu\n", recv_all(fd, o, 0));
	close(fd);
	return 0;
}

static unsigned long long num(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	if (!*s || *end)
		usage();
	return v;
}

int main(int argc, char **argv)
{
	struct opts o = { .count = 1, .size = 1000, .timeout_ms = 10000 };
	int i;

	if (argc < 5)
		usage();
	o.udp = !strcmp(argv[2], "udp");
	if (!o.udp && strcmp(argv[2], "tcp"))
		usage();
	o.addr = argv[3];
	o.port = argv[4];
	for (i = 5; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--echo")) {
			o.echo = 1;
			continue;
		}
		if (i + 1 >= argc)
			usage();
		if (!strcmp(a, "--send"))
			o.send = num(argv[++i]);
		else if (!strcmp(a, "--count"))
			o.count = (unsigned long)num(argv[++i]);
		else if (!strcmp(a, "--size"))
			o.size = (unsigned long)num(argv[++i]);
		else if (!strcmp(a, "--expect"))
			o.expect = num(argv[++i]);
		else if (!strcmp(a, "--timeout"))
			o.timeout_ms = (unsigned long)num(argv[++i]) * 1000;
		else if (!strcmp(a, "--ready"))
			o.ready = argv[++i];
		else if (!strcmp(a, "--bind"))
			o.bind = argv[++i];
		else
			usage();
	}
	if (o.size == 0 || o.size > 65507)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "listen"))
		return do_listen(&o);
	if (!strcmp(argv[1], "connect"))
		return do_connect(&o);
	usage();
	return 2;
}
