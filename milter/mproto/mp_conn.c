/*
 * mp_conn.c - the I/O of one MTA connection: a thread per connection
 * (the model libmilter has; hallmark's callbacks block in DNS lookups,
 * so a thread per connection keeps them simple), with buffered I/O:
 * read what the socket has, decode every complete frame in the buffer
 * (mp_sess.c), write the replies of that burst with one call, and only
 * then read again.  The socket stays blocking (SO_SNDTIMEO is the
 * configured timeout, SO_RCVTIMEO IDLE_MS), so waiting for the next burst
 * costs one read(), not a poll() and a read().  The timeout bounds a
 * frame in progress (read_some counts the IDLE_MS waits against it) and a
 * write, not the MTA's pauses between commands, as with libmilter's
 * worker pool.  When nothing has come for IDLE_MS, the connection is
 * idle: its thread gives back the stack pages its callbacks touched
 * (stack_trim) and waits with the configured timeout until bytes come
 * (rcv_timeout): a madvise and two setsockopt per idle pause, none while
 * bursts follow one another, no wake-ups while idle.  What a held
 * connection keeps resident is so its thread's top frames and the
 * callbacks' state, not their deepest stack.
 *
 * Memory: the input buffer grows only as bytes arrive (never to a
 * length the peer merely announces), at most to the frame limit of the
 * command (mp_sess.h), and is given back when a burst is done.  The
 * first read of a burst goes into a stack buffer and only what came is
 * copied to the heap (fill_idle), so an idle connection, blocked in that
 * read, holds no input buffer: a thread and its context only.  Beyond
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
#include <stdint.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "mp_conn.h"
#include "mp_sess.h"
#include "str.h"

#define IN_MIN 8192  /* input buffer kept while a frame is under way */
#define IN_READ 8192 /* the first read of a burst (fill_idle) */
#define IDLE_MS 100  /* no byte for this long: the connection is idle */
#define RD_IDLE 2    /* read_some: IDLE_MS passed with nothing buffered */

struct mp_conn {
	int fd;
	int timeout;
	size_t budgeted; /* bytes drawn from the shared budget */
	int idle; /* idle since the last byte: trimmed, reads wait long */
	uintptr_t stk_lo; /* the thread's stack, lowest address; 0 unknown */
	struct timespec wait_from; /* first timeout of a frame under way */
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

/* rcv_timeout - reads wait IDLE_MS (idle 0: a burst may follow) or, on
 * an idle connection (idle 1), the configured timeout: an idle
 * connection does not wake up every IDLE_MS.  One call per idle pause
 * each way, none while bursts follow one another */
static void
rcv_timeout(struct mp_conn *c, int idle)
{
	struct timeval tv = { 0, IDLE_MS * 1000 };

	if (idle) {
		tv.tv_sec = c->timeout > 0 ? c->timeout : 0;
		tv.tv_usec = 0;
	}
	(void)setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

/* waited - a read with a frame under way timed out: whether the
 * configured timeout is now spent (the reads wait IDLE_MS at a time;
 * wait_from is the first timeout, IDLE_MS after the wait began) */
static int
waited(struct mp_conn *c)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (c->wait_from.tv_sec == 0 && c->wait_from.tv_nsec == 0) {
		c->wait_from = now;
		return 0;
	}
	return c->timeout > 0 &&
	    (now.tv_sec - c->wait_from.tv_sec) * 1000 +
		(now.tv_nsec - c->wait_from.tv_nsec) / 1000000 >=
	    (long)c->timeout * 1000 - IDLE_MS;
}

/* read_some - one read of at most n bytes into p: the count, 0 at EOF,
 * RD_IDLE the first time IDLE_MS pass with nothing buffered (the
 * MTA's pause between commands: the caller releases memory and reads
 * again), -1 on an error or when a frame under way took longer than the
 * timeout (logged) */
static ssize_t
read_some(struct mp_conn *c, unsigned char *p, size_t n)
{
	ssize_t r;
	char eb[128];

	for (;;) {
		r = read(c->fd, p, n);
		if (r >= 0 || errno == EINTR) {
			if (r < 0)
				continue;
			if (c->idle)
				rcv_timeout(c, 0);
			c->idle = 0;
			c->wait_from.tv_sec = c->wait_from.tv_nsec = 0;
			return r;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			break;
		if (c->in.len == 0 && !c->idle) {
			c->idle = 1;
			return RD_IDLE;
		}
		if (c->in.len > 0 && waited(c)) {
			log_warn("milter %s: a command incomplete for %d s "
				 "(timeout); connection closed",
			    c->ctx.peer, c->timeout);
			return -1;
		}
	}
	if (errno != ECONNRESET && errno != ESHUTDOWN)
		log_warn("milter %s: cannot read: %s", c->ctx.peer,
		    strerror_r(errno, eb, sizeof(eb)));
	return -1;
}

/* stack_trim - an idle thread gives back the stack pages below its
 * current frame (the callbacks touched them; they fault in again when
 * needed).  The stack's bounds are looked up the first time only, so a
 * connection that never idles pays no system call for them */
static __attribute__((noinline)) void
stack_trim(struct mp_conn *c)
{
	uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE), sp, lo;
	pthread_attr_t a;
	void *addr;
	size_t size;

	if (c->stk_lo == 0 && pthread_getattr_np(pthread_self(), &a) == 0) {
		if (pthread_attr_getstack(&a, &addr, &size) == 0)
			c->stk_lo = ((uintptr_t)addr + pg - 1) & ~(pg - 1);
		pthread_attr_destroy(&a);
	}
	sp = ((uintptr_t)&size - 512) & ~(pg - 1); /* madvise's frame */
	lo = c->stk_lo;
	if (lo != 0 && sp > lo)
		(void)madvise((void *)lo, sp - lo, MADV_DONTNEED);
}

/* fill_idle - nothing buffered: the read goes into a buffer on this
 * function's stack, and what came is copied into a heap buffer of just
 * its size.  An idle connection so holds no input buffer, and the
 * stack pages of `b` are gone (noinline) when the callbacks run, which
 * reuse them: the thread's stack grows by max(IN_READ, callbacks), not
 * by their sum.  1 data, 0 EOF, -1 error */
static __attribute__((noinline)) int
fill_idle(struct mp_conn *c)
{
	unsigned char b[IN_READ];
	ssize_t n = read_some(c, b, sizeof(b));

	if (n <= 0 || n == RD_IDLE)
		return (int)n;
	c->in.p = xmalloc((size_t)n);
	memcpy(c->in.p, b, (size_t)n);
	c->in.len = c->in.cap = (size_t)n;
	return 1;
}

/* fill - one read of what the socket has: 1 data, 0 EOF, -1 error,
 * RD_IDLE nothing came for IDLE_MS */
static int
fill(struct mp_conn *c)
{
	ssize_t n;

	if (c->in.len == 0) {
		mp_buf_free(&c->in);
		return fill_idle(c);
	}
	if (grow(c) < 0)
		return -1;
	n = read_some(c, c->in.p + c->in.len, c->in.cap - c->in.len);
	if (n <= 0 || n == RD_IDLE)
		return (int)n;
	c->in.len += (size_t)n;
	return 1;
}

/* serve - the session: bursts in, replies out, until the end */
static void
serve(struct mp_conn *c)
{
	int rc = MP_MORE;

	while (rc == MP_MORE) {
		int f = fill(c);

		if (f == RD_IDLE) {
			stack_trim(c);
			rcv_timeout(c, 1);
			continue;
		}
		if (f <= 0)
			break;
		rc = mp_sess_input(&c->ctx, &c->in);
		if (c->ctx.out.len > 0 && rc != MP_ERR && flush(c) < 0)
			break;
		shrink(c);
	}
	mp_sess_end(&c->ctx);
}

/* set_timeouts - writes wait at most `s` seconds; reads IDLE_MS at a
 * time (read_some counts them against `s`) */
static void
set_timeouts(int fd, int s)
{
	struct timeval tv = { s > 0 ? s : 0, 0 };
	struct timeval rv = { 0, IDLE_MS * 1000 };

	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &rv, sizeof(rv));
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
