/*
 * mp_main.c - the daemon side of hallmark's milter engine: the filter's
 * registration, the listening socket ("unix:PATH", "local:PATH",
 * "inet:PORT@ADDR", "inet6:PORT@ADDR", as libmilter spells them), the
 * accept loop (smfi_main) and its end (smfi_stop, from any thread or a
 * signal handler: one write to a pipe).  Each accepted connection gets a
 * thread (mp_conn.c).  When the loop ends, the remaining connections
 * are shut down, their callbacks run abort and close, and smfi_main
 * waits for them (at most STOP_WAIT seconds) before it returns; a unix
 * socket we created is removed.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "mp_conn.h"
#include "mp_sess.h"
#include "str.h"

#define STOP_WAIT 5

static struct smfiDesc desc;
static int registered;
static char *conn_spec;
static char *unix_path;
static int listen_fd = -1;
static int wake[2] = { -1, -1 };
static int timeout_s = 7210;
static int backlog = 128;
static size_t max_frame = MP_DEF_MAX_FRAME;
static int stopping;

/* smfi_register - the filter's callbacks */
int
smfi_register(struct smfiDesc d)
{
	desc = d;
	registered = 1;
	return MI_SUCCESS;
}

/* smfi_setconn - where to listen */
int
smfi_setconn(char *spec)
{
	if (spec == NULL || *spec == '\0')
		return MI_FAILURE;
	free(conn_spec);
	conn_spec = xstrdup(spec);
	return MI_SUCCESS;
}

/* smfi_settimeout - seconds a read or write may wait */
int
smfi_settimeout(int s)
{
	timeout_s = s;
	return MI_SUCCESS;
}

/* smfi_setbacklog - the listen() queue */
int
smfi_setbacklog(int n)
{
	if (n <= 0)
		return MI_FAILURE;
	backlog = n;
	return MI_SUCCESS;
}

/* smfi_setmaxdatasize - the limit of header and body frames; the old */
size_t
smfi_setmaxdatasize(size_t n)
{
	size_t old = max_frame;

	max_frame = n;
	return old;
}

/* smfi_version - hallmark's engine speaks the libmilter API 1.0.1 */
int
smfi_version(unsigned int *maj, unsigned int *min, unsigned int *pl)
{
	if (maj != NULL)
		*maj = 1;
	if (min != NULL)
		*min = 0;
	if (pl != NULL)
		*pl = 1;
	return MI_SUCCESS;
}

/* bind_unix - a unix socket at path; a stale socket there is replaced
 * when rm (never another kind of file) */
static int
bind_unix(const char *path, int rm)
{
	struct sockaddr_un un;
	struct stat st;
	int fd;

	if (strlen(path) >= sizeof(un.sun_path))
		return -1;
	if (rm && lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		(void)unlink(path);
	memset(&un, 0, sizeof(un));
	un.sun_family = AF_UNIX;
	memcpy(un.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&un, sizeof(un)) < 0) {
		close(fd);
		return -1;
	}
	unix_path = xstrdup(path);
	return fd;
}

/* bind_inet - "PORT@ADDR" (or "PORT": every address) of a family */
static int
bind_inet(const char *spec, int family)
{
	struct addrinfo hints, *res = NULL;
	const char *at = strchr(spec, '@');
	char *port = at ? xstrndup(spec, (size_t)(at - spec)) : xstrdup(spec);
	int fd = -1, one = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if (getaddrinfo(at ? at + 1 : NULL, port, &hints, &res) == 0 &&
	    res != NULL) {
		fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0)
			(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
			    sizeof(one));
		if (fd >= 0 && bind(fd, res->ai_addr, res->ai_addrlen) < 0) {
			close(fd);
			fd = -1;
		}
	}
	if (res != NULL)
		freeaddrinfo(res);
	free(port);
	return fd;
}

/* smfi_opensocket - bind and listen now (before privileges drop) */
int
smfi_opensocket(bool rmsocket)
{
	const char *s = conn_spec;
	int fd;

	if (s == NULL || !registered || listen_fd >= 0)
		return listen_fd >= 0 ? MI_SUCCESS : MI_FAILURE;
	if (strncmp(s, "unix:", 5) == 0 || strncmp(s, "local:", 6) == 0)
		fd = bind_unix(strchr(s, ':') + 1, rmsocket);
	else if (strncmp(s, "inet:", 5) == 0)
		fd = bind_inet(s + 5, AF_INET);
	else if (strncmp(s, "inet6:", 6) == 0)
		fd = bind_inet(s + 6, AF_INET6);
	else if (s[0] == '/')
		fd = bind_unix(s, rmsocket);
	else
		fd = -1;
	if (fd < 0 || listen(fd, backlog) < 0) {
		if (fd >= 0)
			close(fd);
		return MI_FAILURE;
	}
	listen_fd = fd;
	return MI_SUCCESS;
}

/* accept_one - take a connection and start its thread */
static void
accept_one(void)
{
	char eb[128];
	int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0) {
		if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED)
			log_warn("milter socket: accept failed: %s",
			    strerror_r(errno, eb, sizeof(eb)));
		if (errno == EMFILE || errno == ENFILE)
			(void)poll(NULL, 0, 100); /* let connections end */
		return;
	}
	(void)mp_conn_start(fd, &desc, timeout_s, max_frame);
}

/* listen_loop - accept until smfi_stop() */
static void
listen_loop(void)
{
	while (!__atomic_load_n(&stopping, __ATOMIC_ACQUIRE)) {
		struct pollfd p[2] = { { .fd = listen_fd, .events = POLLIN },
			{ .fd = wake[0], .events = POLLIN } };

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_err("milter socket: poll failed");
			return;
		}
		if (p[1].revents != 0)
			break;
		if (p[0].revents != 0)
			accept_one();
	}
}

/* smfi_main - serve until smfi_stop() */
int
smfi_main(void)
{
	unsigned left;

	if (smfi_opensocket(false) != MI_SUCCESS)
		return MI_FAILURE;
	if (wake[0] < 0 && pipe2(wake, O_CLOEXEC | O_NONBLOCK) < 0)
		return MI_FAILURE;
	listen_loop();
	close(listen_fd);
	listen_fd = -1;
	if (unix_path != NULL)
		(void)unlink(unix_path);
	left = mp_conn_stop_all(STOP_WAIT);
	if (left > 0)
		log_warn("milter: %u connection(s) still in a callback at "
			 "stop",
		    left);
	return MI_SUCCESS;
}

/* smfi_stop - end smfi_main (async-signal-safe) */
int
smfi_stop(void)
{
	__atomic_store_n(&stopping, 1, __ATOMIC_RELEASE);
	if (wake[1] >= 0 && write(wake[1], "s", 1) < 0)
		(void)0;
	return MI_SUCCESS;
}
