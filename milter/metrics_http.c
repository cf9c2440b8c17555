/*
 * metrics_http.c - a minimal HTTP/1.0 server for metrics_render().
 *
 * One thread polls the listening socket (and a pipe that stops it),
 * accepts one client at a time, reads at most REQ_MAX bytes of request
 * head for at most READ_MS milliseconds, answers and closes:
 * "GET /metrics" gets 200 text/plain; version=0.0.4, another GET or
 * HEAD path 404, anything else (an unparsable, oversized or too slow
 * request: READ_MS for the whole head) 400; then what the client still sends is read for up to
 * 0.2 s, so the reply is not lost to a reset.  A client never blocks the milter: the worst it does
 * is hold this thread for READ_MS.  The socket is opened in the main
 * thread at start (before privileges are dropped), served from a thread
 * started with the milter's; metrics_listen is read at start only.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "conf_check.h"
#include "log.h"
#include "metrics.h"
#include "metrics_http.h"
#include "str.h"

#define REQ_MAX 2048
#define READ_MS 2000

static int lfd = -1;
static int stop_pipe[2] = { -1, -1 };
static pthread_t tid;
static int running;

/* bind_to - a listening socket on addr:port, or -1 with err */
static int
bind_to(const char *addr, unsigned port, char *err, size_t errlen)
{
	struct addrinfo hints = { 0 }, *ai;
	char ps[8], eb[128];
	int fd, one = 1, rc;

	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(ps, sizeof(ps), "%u", port);
	if ((rc = getaddrinfo(addr, ps, &hints, &ai)) != 0) {
		snprintf(err, errlen, "%s", gai_strerror(rc));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 8) < 0) {
		snprintf(err, errlen, "%s", strerror_r(errno, eb, sizeof(eb)));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

/* metrics_http_open - see metrics_http.h */
int
metrics_http_open(const char *spec)
{
	char addr[128], err[160];
	unsigned port;

	if (spec == NULL || spec[0] == '\0')
		return 0;
	if (conf_check_listen(spec, addr, sizeof(addr), &port, err,
		sizeof(err)) < 0 ||
	    (lfd = bind_to(addr, port, err, sizeof(err))) < 0) {
		log_err("metrics_listen \"%s\": %s", spec, err);
		return -1;
	}
	log_info("metrics on http://%s:%u/metrics", addr, port);
	return 0;
}

/* ms_left - milliseconds from now until start + READ_MS, 0 if past */
static int
ms_left(const struct timespec *start)
{
	struct timespec now;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = READ_MS -
	    ((now.tv_sec - start->tv_sec) * 1000L +
		(now.tv_nsec - start->tv_nsec) / 1000000L);
	return ms > 0 ? (int)ms : 0;
}

/* read_head - the request head into buf within READ_MS in all; its
 * length, or -1 */
static ssize_t
read_head(int fd, char *buf, size_t cap)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct timespec start;
	size_t n = 0;
	ssize_t r;

	buf[0] = '\0';
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (n < cap - 1) {
		if (poll(&p, 1, ms_left(&start)) <= 0)
			return -1;
		if ((r = read(fd, buf + n, cap - 1 - n)) <= 0)
			return -1;
		n += (size_t)r;
		buf[n] = '\0';
		if (strstr(buf, "\r\n\r\n") || strstr(buf, "\n\n"))
			return (ssize_t)n;
	}
	return -1;
}

/* status_of - 200, 404 or 400 for a request head */
static int
status_of(const char *req)
{
	char m[8], path[256], ver[16];

	if (sscanf(req, "%7[A-Z] %255[^ \r\n] %15[^ \r\n]", m, path, ver) !=
		3 ||
	    strncmp(ver, "HTTP/1.", 7) != 0 ||
	    strcspn(req, "\r\n") != strlen(m) + strlen(path) + strlen(ver) + 2)
		return 400;
	if (strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0)
		return 400;
	return strcmp(path, "/metrics") == 0 ? 200 : 404;
}

/* write_all - the whole buffer, or give up */
static void
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0 && (w = send(fd, p, n, MSG_NOSIGNAL)) > 0) {
		p += w;
		n -= (size_t)w;
	}
}

/* drain - after the reply: read what the client still sends (a little,
 * briefly), so that closing does not reset the connection before the
 * client has read the reply */
static void
drain(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[1024];
	size_t total = 0;
	ssize_t r;

	(void)shutdown(fd, SHUT_WR);
	while (total < 65536 && poll(&p, 1, 200) > 0 &&
	    (r = read(fd, buf, sizeof(buf))) > 0)
		total += (size_t)r;
}

/* serve - one client */
static void
serve(int fd)
{
	char req[REQ_MAX], *body = NULL, hdr[160];
	ssize_t n = read_head(fd, req, sizeof(req));
	int st = n < 0 ? 400 : status_of(req);
	const char *text = st == 200 ? "OK" :
	    st == 404		     ? "Not Found" :
				       "Bad Request";

	body = st == 200 ? metrics_render() : NULL;
	snprintf(hdr, sizeof(hdr),
	    "HTTP/1.0 %d %s\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n",
	    st, text,
	    st == 200 ? "text/plain; version=0.0.4; charset=utf-8" :
			"text/plain",
	    body ? strlen(body) : strlen(text) + 1);
	write_all(fd, hdr, strlen(hdr));
	if (strncmp(req, "HEAD ", 5) != 0 || st != 200) {
		if (body != NULL)
			write_all(fd, body, strlen(body));
		else {
			write_all(fd, text, strlen(text));
			write_all(fd, "\n", 1);
		}
	}
	free(body);
}

/* loop - the server thread */
static void *
loop(void *arg)
{
	struct pollfd p[2] = { { .fd = lfd, .events = POLLIN },
		{ .fd = stop_pipe[0], .events = POLLIN } };
	int fd;

	(void)arg;
	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_err("metrics endpoint stopped: poll failed");
			break;
		}
		if (p[1].revents != 0)
			break;
		if ((p[0].revents & POLLIN) == 0)
			continue;
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		serve(fd);
		drain(fd);
		close(fd);
	}
	return NULL;
}

/* metrics_http_start - see metrics_http.h */
int
metrics_http_start(void)
{
	if (lfd < 0)
		return 0;
	if (pipe2(stop_pipe, O_CLOEXEC) < 0 ||
	    pthread_create(&tid, NULL, loop, NULL) != 0) {
		log_err("cannot start the metrics thread");
		return -1;
	}
	running = 1;
	return 0;
}

/* metrics_http_stop - see metrics_http.h */
void
metrics_http_stop(void)
{
	if (running) {
		(void)write(stop_pipe[1], "x", 1);
		pthread_join(tid, NULL);
		close(stop_pipe[0]);
		close(stop_pipe[1]);
		running = 0;
	}
	if (lfd >= 0)
		close(lfd);
	lfd = -1;
}
