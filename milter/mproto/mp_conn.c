/*
 * mp_conn.c - the I/O of one MTA connection: a thread per connection
 * (the model libmilter has; hallmark's callbacks block in DNS lookups,
 * so a thread per connection keeps them simple), with buffered I/O:
 * read what the socket has, decode every complete frame in the buffer
 * (mp_sess.c), write the replies of that burst with one call, and only
 * then read again.  The socket stays blocking with SO_RCVTIMEO and
 * SO_SNDTIMEO set to the configured timeout, so waiting for the next
 * burst costs one read(), not a poll() and a read().  The timeout bounds
 * a frame in progress and a write, not the MTA's pauses between
 * commands (a read that times out with nothing buffered is repeated),
 * as with libmilter's worker pool.
 *
 * Memory: the input buffer grows only as bytes arrive (never to a
 * length the peer merely announces), at most to the frame limit of the
 * command (mp_sess.h), and is given back when a burst is done (an idle
 * connection holds no buffer: a thread and its context only).  Beyond
 * MP_SMALL_FRAME each connection draws from one budget shared by all
 * (mp_conn_budget_set, 16 MB by default): when it is spent, the
 * connection that asks for more is closed with a log line, so what
 * all connections together can pin is bounded (README).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "mp_conn.h"
#include "mp_sess.h"
#include "str.h"

#define IN_MIN 8192 /* input buffer kept between bursts */

struct mp_conn {
	int fd;
	int timeout;
	size_t budgeted; /* bytes drawn from the shared budget */
	struct mp_buf in;
	SMFICTX ctx;
	struct mp_conn *next, *prev;
};

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t reg_cond = PTHREAD_COND_INITIALIZER;
static struct mp_conn *reg_head;
static unsigned reg_count;
static size_t budget = 16 * 1024 * 1024;
static size_t budget_used;

/* mp_conn_budget_set - the shared budget for frames over 64 KB */
void
mp_conn_budget_set(size_t bytes)
{
	pthread_mutex_lock(&reg_lock);
	budget = bytes;
	pthread_mutex_unlock(&reg_lock);
}

/* budget_take - draw n bytes more (0), or -1 when spent */
static int
budget_take(struct mp_conn *c, size_t n)
{
	int ok;

	pthread_mutex_lock(&reg_lock);
	ok = budget_used + n <= budget;
	if (ok) {
		budget_used += n;
		c->budgeted += n;
	}
	pthread_mutex_unlock(&reg_lock);
	return ok ? 0 : -1;
}

/* budget_give - return what the connection drew */
static void
budget_give(struct mp_conn *c)
{
	pthread_mutex_lock(&reg_lock);
	budget_used -= c->budgeted;
	c->budgeted = 0;
	pthread_mutex_unlock(&reg_lock);
}

/* peer_name - "ADDR:PORT" of the MTA, or "a local client" */
static void
peer_name(int fd, char *out, size_t n)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char a[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	snprintf(out, n, "a local client");
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) < 0)
		return;
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &s->sin_addr, a, sizeof(a));
		port = ntohs(s->sin_port);
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &s->sin6_addr, a, sizeof(a));
		port = ntohs(s->sin6_port);
	} else {
		return;
	}
	snprintf(out, n, "%s:%u", a, port);
}

/* grow - room to read into: the whole frame under way when its length
 * is known, else double; over MP_SMALL_FRAME from the shared budget */
static int
grow(struct mp_conn *c)
{
	size_t need = mp_sess_need(&c->in), cap = c->in.cap, base, take;

	if (c->in.len < cap)
		return 0;
	cap = need > c->in.len ? need : (cap < IN_MIN ? IN_MIN : cap * 2);
	if (cap < IN_MIN)
		cap = IN_MIN;
	base = MP_SMALL_FRAME + 5;
	if (cap > base) {
		take = cap - (c->in.cap > base ? c->in.cap : base);
		if (budget_take(c, take) < 0) {
			log_warn(
			    "milter %s: a frame of %zu bytes while other "
			    "connections hold the memory for large frames; "
			    "connection closed",
			    c->ctx.peer, need);
			return -1;
		}
	}
	c->in.p = xrealloc(c->in.p, cap);
	c->in.cap = cap;
	return 0;
}

/* shrink - after a burst: an empty buffer is given back (an idle
 * connection holds none), a large one is cut down unless a large frame
 * is still arriving */
static void
shrink(struct mp_conn *c)
{
	if (c->in.len == 0) {
		mp_buf_free(&c->in);
		budget_give(c);
	} else if (c->in.cap > IN_MIN && c->in.len <= IN_MIN &&
	    mp_sess_need(&c->in) <= IN_MIN) {
		c->in.p = xrealloc(c->in.p, IN_MIN);
		c->in.cap = IN_MIN;
		budget_give(c);
	}
	mp_buf_free(&c->ctx.out);
}

/* flush - write the queued replies, all of them */
static int
flush(struct mp_conn *c)
{
	size_t off = 0;
	char eb[128];

	while (off < c->ctx.out.len) {
		ssize_t n = write(c->fd, c->ctx.out.p + off,
		    c->ctx.out.len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			log_warn("milter %s: cannot write: %s", c->ctx.peer,
			    n < 0 && errno == EAGAIN ?
				"timeout" :
				strerror_r(errno, eb, sizeof(eb)));
			return -1;
		}
		off += (size_t)n;
	}
	c->ctx.out.len = 0;
	return 0;
}

/* fill - one read of what the socket has: 1 data, 0 EOF, -1 error */
static int
fill(struct mp_conn *c)
{
	ssize_t n;
	char eb[128];

	if (grow(c) < 0)
		return -1;
	do
		n = read(c->fd, c->in.p + c->in.len, c->in.cap - c->in.len);
	while (n < 0 &&
	    (errno == EINTR ||
		(c->in.len == 0 && (errno == EAGAIN || errno == EWOULDBLOCK))));
	if (n > 0) {
		c->in.len += (size_t)n;
		return 1;
	}
	if (n == 0)
		return 0;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		log_warn("milter %s: a command incomplete for %d s "
			 "(timeout); connection closed",
		    c->ctx.peer, c->timeout);
	else if (errno != ECONNRESET && errno != ESHUTDOWN)
		log_warn("milter %s: cannot read: %s", c->ctx.peer,
		    strerror_r(errno, eb, sizeof(eb)));
	return -1;
}

/* serve - the session: bursts in, replies out, until the end */
static void
serve(struct mp_conn *c)
{
	int rc = MP_MORE;

	while (rc == MP_MORE) {
		if (fill(c) <= 0)
			break;
		rc = mp_sess_input(&c->ctx, &c->in);
		if (c->ctx.out.len > 0 && rc != MP_ERR && flush(c) < 0)
			break;
		shrink(c);
	}
	mp_sess_end(&c->ctx);
}

/* set_timeouts - reads and writes wait at most `s` seconds */
static void
set_timeouts(int fd, int s)
{
	struct timeval tv = { s > 0 ? s : 0, 0 };

	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* reg_add / reg_del - the registry of running connections */
static void
reg_add(struct mp_conn *c)
{
	pthread_mutex_lock(&reg_lock);
	c->next = reg_head;
	if (reg_head != NULL)
		reg_head->prev = c;
	reg_head = c;
	reg_count++;
	pthread_mutex_unlock(&reg_lock);
}

static void
reg_del(struct mp_conn *c)
{
	pthread_mutex_lock(&reg_lock);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		reg_head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	budget_used -= c->budgeted;
	reg_count--;
	pthread_cond_broadcast(&reg_cond);
	pthread_mutex_unlock(&reg_lock);
}

/* conn_main - the thread of one connection */
static void *
conn_main(void *arg)
{
	struct mp_conn *c = arg;

	serve(c);
	reg_del(c);
	mp_sess_free(&c->ctx);
	mp_buf_free(&c->in);
	close(c->fd);
	free(c);
	return NULL;
}

/* mp_conn_start - a thread for a new connection */
int
mp_conn_start(int fd, const struct smfiDesc *d, int timeout, size_t max_frame)
{
	struct mp_conn *c = xcalloc(1, sizeof(*c));
	pthread_attr_t at;
	pthread_t t;
	char peer[64];
	int rc;

	c->fd = fd;
	c->timeout = timeout;
	peer_name(fd, peer, sizeof(peer));
	mp_sess_init(&c->ctx, d, max_frame, peer);
	set_timeouts(fd, timeout);
	reg_add(c);
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&t, &at, conn_main, c);
	pthread_attr_destroy(&at);
	if (rc == 0)
		return 0;
	log_warn("milter %s: cannot start a thread; connection closed", peer);
	reg_del(c);
	mp_sess_free(&c->ctx);
	close(fd);
	free(c);
	return -1;
}

/* mp_conn_stop_all - shut every connection down, wait for the threads */
unsigned
mp_conn_stop_all(int seconds)
{
	struct timespec until;
	struct mp_conn *c;
	unsigned left;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += seconds;
	pthread_mutex_lock(&reg_lock);
	for (c = reg_head; c != NULL; c = c->next)
		(void)shutdown(c->fd, SHUT_RDWR);
	while (reg_count > 0 &&
	    pthread_cond_timedwait(&reg_cond, &reg_lock, &until) == 0)
		;
	left = reg_count;
	pthread_mutex_unlock(&reg_lock);
	return left;
}
