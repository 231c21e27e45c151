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
 * DNS-like exchange). The listener writes its pid into FILE once it listens,
 * and gives up if no client comes within the timeout (default 10 s). A
 * refused TCP connect is retried for up to 5 s.
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
	unsigned long sent = 0;

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
		/* Pace datagrams so the receiver's queue never overflows. */
		if (chunk < 65536 && ++sent % 16 == 0)
			usleep(500);
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

/* TCP both ways at once: sends n bytes (then half-closes) while reading to
 * EOF, so two large transfers in opposite directions cannot deadlock. */
static unsigned long long tcp_duplex(int fd, unsigned long long n, const struct opts *o)
{
	static char out[65536], in[65536];
	unsigned long long got = 0;
	int eof = 0, closed = 0;

	memset(out, 'x', sizeof(out));
	if (n == 0) {
		shutdown(fd, SHUT_WR);
		closed = 1;
	}
	while (!eof || !closed) {
		struct pollfd p = { .fd = fd, .events = (short)((eof ? 0 : POLLIN) | (closed ? 0 : POLLOUT)) };
		int pr = poll(&p, 1, (int)o->timeout_ms);

		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0)
			die("poll");
		if (pr == 0) {
			errno = ETIMEDOUT;
			die("tcp transfer");
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t r = recv(fd, in, sizeof(in), MSG_DONTWAIT);

			if (r < 0 && errno != EAGAIN && errno != EINTR)
				die("recv");
			if (r == 0)
				eof = 1;
			if (r > 0)
				got += (unsigned long long)r;
		}
		if (!closed && (p.revents & POLLOUT)) {
			size_t len = n < sizeof(out) ? (size_t)n : sizeof(out);
			ssize_t w = send(fd, out, len, MSG_DONTWAIT | MSG_NOSIGNAL);

			if (w < 0 && errno != EAGAIN && errno != EINTR)
				die("send");
			if (w > 0)
				n -= (unsigned long long)w;
			if (n == 0) {
				shutdown(fd, SHUT_WR);
				closed = 1;
			}
		}
	}
	return got;
}

/* UDP request/answer: each datagram waits for its echo before the next is
 * sent, so no queue overflows and the byte counts are exact. */
static unsigned long long udp_lockstep(int fd, const struct opts *o)
{
	static char buf[65536];
	unsigned long long left = o->send, got = 0;

	memset(buf, 'x', sizeof(buf));
	while (left > 0) {
		size_t len = left < o->size ? (size_t)left : o->size;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (send(fd, buf, len, 0) < 0)
			die("send");
		left -= len;
		if (poll(&p, 1, (int)o->timeout_ms) <= 0) {
			errno = ETIMEDOUT;
			die("waiting for the echo");
		}
		r = recv(fd, buf, sizeof(buf), 0);
		if (r < 0)
			die("recv");
		got += (unsigned long long)r;
	}
	return got;
}

/* Writes our pid into path, atomically (a temporary file renamed), once the
 * socket is bound (UDP) or listening (TCP): the file's presence means a
 * connect can succeed, and its content is the pid to stop. */
static void mark_ready(const char *path)
{
	char tmp[4096];
	FILE *f;

	if (!path)
		return;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		die(path);
	}
	f = fopen(tmp, "w");
	if (!f)
		die(tmp);
	fprintf(f, "%ld\n", (long)getpid());
	if (fclose(f) != 0 || rename(tmp, path) != 0)
		die(path);
}

/* Waits for a connection; the listener gives up after the timeout, so a
 * listener whose client never came cannot outlive its test. */
static int accept_timed(int fd, const struct opts *o)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int pr = poll(&p, 1, (int)o->timeout_ms);
		int c;

		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0)
			die("poll");
		if (pr == 0) {
			errno = ETIMEDOUT;
			die("accept");
		}
		c = accept(fd, NULL, NULL);
		if (c >= 0)
			return c;
		if (errno != EINTR && errno != ECONNABORTED)
			die("accept");
	}
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
		int rcvbuf = 16 << 20;

		/* Root may exceed rmem_max; the lab always runs as root here. */
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
		mark_ready(o->ready);
		printf("%llu\n", recv_all(fd, o, o->echo));
		close(fd);
		return 0;
	}
	if (listen(fd, 16) < 0)
		die("listen");
	mark_ready(o->ready);
	for (unsigned long i = 0; i < o->count; i++) {
		int c = accept_timed(fd, o);

		printf("%llu\n", tcp_duplex(c, o->send, o));
		fflush(stdout);
		close(c);
	}
	close(fd);
	return 0;
}

/* A socket connected to ai. A TCP connect that is refused is tried again,
 * every 50 ms for up to CONNECT_RETRY_MS: a listener that said it is ready
 * may not be accepting yet on a loaded machine, and the lab's peers are
 * never really absent. */
#define CONNECT_RETRY_MS 5000
static int connect_retry(const struct addrinfo *ai, const struct opts *o)
{
	for (int waited = 0;; waited += 50) {
		int fd = socket(ai->ai_family, ai->ai_socktype, 0);

		if (fd < 0)
			die("socket");
		if (o->bind) {
			struct addrinfo *b = resolve(o->bind, "0", o->udp);

			if (bind(fd, b->ai_addr, b->ai_addrlen) < 0)
				die("bind");
			freeaddrinfo(b);
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			return fd;
		if (o->udp || errno != ECONNREFUSED || waited >= CONNECT_RETRY_MS)
			die("connect");
		close(fd);
		usleep(50 * 1000);
	}
}

static int do_connect(const struct opts *o)
{
	struct addrinfo *ai = resolve(o->addr, o->port, o->udp);
	int fd = connect_retry(ai, o);

	freeaddrinfo(ai);
	if (!o->udp) {
		printf("%llu\n", tcp_duplex(fd, o->send, o));
		close(fd);
		return 0;
	}
	if (o->expect) {
		printf("%llu\n", udp_lockstep(fd, o));
		close(fd);
		return 0;
	}
	send_all(fd, o->send, o->size);
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
