/*
 * miltergen.c - a milter-protocol load generator: the MTA side of the milter
 * protocol (version 6), talking to any milter the way Postfix does.
 *
 * SYNOPSIS
 *   miltergen --socket inet:PORT@ADDR|unix:PATH [--concurrency N]
 *             [--messages N | --seconds S] [--rate R] [--reuse N] [--pid PID]
 *             [--client-ip IP] [--helo NAME] [--from ADDR] [--rcpt ADDR]
 *             [--macros LIST] [--timeout S] [--hold] [--kv] CORPUS...
 *
 * DESCRIPTION
 *   Each of N threads opens its own connection: SMFIC_OPTNEG (offers every
 *   action and every protocol flag Postfix offers, then honours what the
 *   milter asks: steps it does not want are not sent, steps it asks no
 *   reply for are not waited for, SMFIR_SKIP stops the body), connect,
 *   helo, then messages: mail, rcpt, data, headers, end of headers, body
 *   chunks of at most 65535 bytes, end of message, reading every reply and
 *   every modification action.  The next message reuses the connection with
 *   a new MAIL (no SMFIC_ABORT, as Postfix); after --reuse messages the
 *   thread says QUIT and reconnects.  A message the milter ends early
 *   (accept/reject/... before end of message) is followed by SMFIC_ABORT.
 *
 *   CORPUS is .eml files, directories of them, or @FILE (one path a line).
 *   Messages are sent round robin.  The envelope sender is --from, else the
 *   address of the message's From: header.
 *
 *   --rate R paces the run (open loop): message i starts no earlier than
 *   i/R seconds after the start, whichever thread is free sends it, so
 *   the latency of a run well below capacity is the time the milter adds,
 *   not the queueing of a saturated closed loop.
 *
 *   Reports messages/s, latency p50/p90/p99 (MAIL sent to final reply),
 *   verdict and header-change counts, and with --pid the CPU time the milter
 *   process used per message (utime+stime from /proc/PID/stat, before and
 *   after) and its memory (VmRSS, VmHWM from /proc/PID/status).  --kv prints
 *   one line of key=value for scripts.  --hold makes every thread stop its
 *   first message just before end of message until all N are there, then
 *   samples the milter's VmRSS (hold_rss_kib): N messages in flight at once.
 *
 *   A milter that closes the connection, stalls (--timeout, default 10 s) or
 *   replies garbage costs an error for that message and a reconnect, never a
 *   crash or a hang.  Exit status: 0 all messages got a verdict, 1 some
 *   errors, 2 bad usage or no message could be sent.
 *
 *   Thread safety: each thread owns its connection and counters; the shared
 *   message counter and the hold rendezvous are under one mutex.  This is a
 *   test tool: it exits on out-of-memory.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* the protocol (the values of libmilter's mfdef.h, which we do not use) */
#define MG_VERSION	6
#define MG_CHUNK	65535
#define MG_MAXREPLY	(1024 * 1024 + 64)
#define ACT_ALL		0x1ffu			/* SMFIF_ADDHDRS..SETSYMLIST */
#define P_NOCONNECT	0x1u
#define P_NOHELO	0x2u
#define P_NOMAIL	0x4u
#define P_NORCPT	0x8u
#define P_NOBODY	0x10u
#define P_NOHDRS	0x20u
#define P_NOEOH		0x40u
#define P_NR_HDR	0x80u
#define P_NODATA	0x200u
#define P_SKIP		0x400u
#define P_NR_CONN	0x1000u
#define P_NR_HELO	0x2000u
#define P_NR_MAIL	0x4000u
#define P_NR_RCPT	0x8000u
#define P_NR_DATA	0x10000u
#define P_NR_EOH	0x40000u
#define P_NR_BODY	0x80000u
#define P_LEADSPC	0x100000u
#define P_OFFER		0x1fffffu		/* what Postfix offers */

enum verdict { V_ACCEPT, V_REJECT, V_TEMPFAIL, V_DISCARD, V_NVERDICT };
static const char *const verdict_name[V_NVERDICT] = {
	"accept", "reject", "tempfail", "discard"
};
enum err { E_CONNECT, E_CLOSED, E_TIMEOUT, E_PROTO, E_NERR };
static const char *const err_name[E_NERR] = {
	"err_connect", "err_closed", "err_timeout", "err_proto"
};

struct hdr {
	char *name;
	char *value;		/* after the colon, leading blanks kept */
};

struct msg {
	char *path;
	struct hdr *hdr;
	size_t nhdr;
	char *body;		/* CRLF line ends, as Postfix sends it */
	size_t bodylen;
	char *envfrom;
};

struct options {
	const char *socket;
	int concurrency;
	long messages;
	double seconds;
	double rate;		/* messages/s in all; 0: as fast as possible */
	long reuse;
	long pid;
	const char *client_ip;
	const char *helo;
	const char *from;
	const char *rcpt;
	int macro_i;
	const char *macro_auth;
	const char *macro_daemon;
	double timeout;
	int hold;
	int kv;
};

struct stats {
	unsigned long verdict[V_NVERDICT];
	unsigned long quarantine, addhdr, inshdr, chghdr, othermod;
	unsigned long err[E_NERR];
	unsigned long done;
	uint32_t *lat_us;
	size_t nlat, caplat;
};

struct worker {
	pthread_t tid;
	int id;
	struct stats st;
};

struct sess {
	int fd;
	uint32_t pflags;	/* what the milter asked (protocol flags) */
	unsigned char *buf;	/* reply buffer, MG_MAXREPLY */
	size_t lastlen;		/* data length of the last reply */
	unsigned char rb[16384];	/* read-ahead buffer */
	size_t rpos, rlen;
	int inet;
	int id;
	unsigned long seq;
};

static struct options opt = {
	.concurrency = 1, .messages = 0, .seconds = 0, .reuse = 0,
	.client_ip = "192.0.2.25", .helo = "client.bench.example",
	.rcpt = "postmaster@rcpt.example", .macro_i = 1, .timeout = 10.0,
};
static struct msg *corpus;
static size_t ncorpus, capcorpus;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hold_cond = PTHREAD_COND_INITIALIZER;
static long next_msg;
static int hold_arrived, hold_released;
static struct timespec t_deadline, t_start;

/* die - report a fatal set-up error and exit 2 */
static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("miltergen: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

/* xmalloc_ - malloc or die */
static void *
xmalloc_(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		die("out of memory");
	return p;
}

/* xrealloc_ - realloc or die */
static void *
xrealloc_(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		die("out of memory");
	return p;
}

/* xstrndup_ - copy n bytes into a new NUL-terminated string */
static char *
xstrndup_(const char *s, size_t n)
{
	char *p = xmalloc_(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* now_ts - monotonic clock */
static struct timespec
now_ts(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts;
}

/* ts_us - microseconds from a to b */
static double
ts_us(struct timespec a, struct timespec b)
{
	return (double)(b.tv_sec - a.tv_sec) * 1e6 +
	    (double)(b.tv_nsec - a.tv_nsec) / 1e3;
}

/* parse_num - a bounded decimal number, or die naming the option */
static double
parse_num(const char *opname, const char *s, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		die("%s: bad value '%s' (%g..%g)", opname, s, min, max);
	return v;
}

/* ---- corpus ------------------------------------------------------------ */

/* add_crlf_body - append body text converting bare LF line ends to CRLF */
static void
msg_set_body(struct msg *m, const char *p, size_t n)
{
	size_t i, o = 0;

	m->body = xmalloc_(2 * n + 1);
	for (i = 0; i < n; i++) {
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			m->body[o++] = '\r';
		m->body[o++] = p[i];
	}
	m->bodylen = o;
}

/* hdr_value_copy - a header value with CRLF folds turned into LF (Postfix) */
static char *
hdr_value_copy(const char *p, size_t n)
{
	char *v = xmalloc_(n + 1);
	size_t i, o = 0;

	for (i = 0; i < n; i++)
		if (!(p[i] == '\r' && i + 1 < n && p[i + 1] == '\n'))
			v[o++] = p[i];
	v[o] = '\0';
	return v;
}

/* addr_from_header - the addr-spec of a From: value (inside <> or bare) */
static char *
addr_from_header(const char *v)
{
	const char *lt = strrchr(v, '<'), *gt, *s, *e;

	if (lt != NULL && (gt = strchr(lt, '>')) != NULL)
		return xstrndup_(lt + 1, (size_t)(gt - lt - 1));
	for (s = v; *s == ' ' || *s == '\t' || *s == '\n'; s++)
		;
	for (e = s; *e && *e != ' ' && *e != '\t' && *e != '\n' &&
	    *e != '\r'; e++)
		;
	return xstrndup_(s, (size_t)(e - s));
}

/* msg_parse - split a message into headers and body; 0 or -1 */
static int
msg_parse(struct msg *m, const char *p, size_t n)
{
	size_t i = 0, start, colon, end;

	while (i < n && p[i] != '\r' && p[i] != '\n') {
		start = i;
		for (;;) {	/* one header: up to a line end not folded */
			while (i < n && p[i] != '\n')
				i++;
			if (i >= n || i + 1 >= n || (p[i + 1] != ' ' &&
			    p[i + 1] != '\t'))
				break;
			i++;
		}
		end = i > start && p[i - 1] == '\r' ? i - 1 : i;
		for (colon = start; colon < end && p[colon] != ':'; colon++)
			;
		if (colon == end || colon == start)
			return -1;
		m->hdr = xrealloc_(m->hdr, (m->nhdr + 1) * sizeof(*m->hdr));
		m->hdr[m->nhdr].name = xstrndup_(p + start, colon - start);
		m->hdr[m->nhdr].value = hdr_value_copy(p + colon + 1,
		    end - colon - 1);
		if (strcasecmp(m->hdr[m->nhdr].name, "From") == 0 &&
		    m->envfrom == NULL)
			m->envfrom = addr_from_header(m->hdr[m->nhdr].value);
		m->nhdr++;
		i = i < n ? i + 1 : n;
	}
	if (i < n && p[i] == '\r')
		i++;
	if (i < n && p[i] == '\n')
		i++;
	msg_set_body(m, p + i, n - i);
	return 0;
}

/* corpus_add_file - read and parse one message file */
static void
corpus_add_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct msg m;
	char *data = NULL;
	size_t n = 0, cap = 0, r;

	if (f == NULL)
		die("%s: cannot open", path);
	do {
		if (cap - n < 65536)
			data = xrealloc_(data, cap = cap * 2 + 65536);
		r = fread(data + n, 1, cap - n, f);
		n += r;
	} while (r > 0);
	fclose(f);
	memset(&m, 0, sizeof(m));
	m.path = xstrndup_(path, strlen(path));
	if (msg_parse(&m, data, n) != 0)
		die("%s: not a message (header without colon)", path);
	free(data);
	if (ncorpus == capcorpus)
		corpus = xrealloc_(corpus, (capcorpus = capcorpus * 2 + 16) *
		    sizeof(*corpus));
	corpus[ncorpus++] = m;
}

/* name_cmp - qsort helper for file names */
static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* corpus_add_dir - every *.eml in a directory, in name order */
static void
corpus_add_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL, path[4096];
	size_t n = 0, i, l;

	if (d == NULL)
		die("%s: cannot open directory", dir);
	while ((de = readdir(d)) != NULL) {
		l = strlen(de->d_name);
		if (l > 4 && strcmp(de->d_name + l - 4, ".eml") == 0) {
			names = xrealloc_(names, (n + 1) * sizeof(*names));
			names[n++] = xstrndup_(de->d_name, l);
		}
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    names[i]) >= sizeof(path))
			die("%s: path too long", dir);
		corpus_add_file(path);
		free(names[i]);
	}
	free(names);
}

/* corpus_add_list - @FILE: one path a line (files or directories) */
static void corpus_add(const char *arg);
static void
corpus_add_list(const char *listfile)
{
	FILE *f = fopen(listfile, "r");
	char line[4096];
	size_t l;

	if (f == NULL)
		die("%s: cannot open list", listfile);
	while (fgets(line, sizeof(line), f) != NULL) {
		l = strcspn(line, "\r\n");
		line[l] = '\0';
		if (l > 0 && line[0] != '#')
			corpus_add(line);
	}
	fclose(f);
}

/* corpus_add - a file, a directory or @list */
static void
corpus_add(const char *arg)
{
	struct stat sb;

	if (arg[0] == '@') {
		corpus_add_list(arg + 1);
		return;
	}
	if (stat(arg, &sb) != 0)
		die("%s: no such file", arg);
	if (S_ISDIR(sb.st_mode))
		corpus_add_dir(arg);
	else
		corpus_add_file(arg);
}

/* ---- wire -------------------------------------------------------------- */

/* io_err - classify a failed read/write */
static enum err
io_err(ssize_t r)
{
	if (r == 0)
		return E_CLOSED;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return E_TIMEOUT;
	return E_CLOSED;
}

/* wr_all - write an iovec completely; 0 or -(err+1) */
static int
wr_all(int fd, struct iovec *iov, int niov)
{
	struct msghdr mh;
	ssize_t w;

	while (niov > 0) {
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = iov;
		mh.msg_iovlen = (size_t)niov;
		w = sendmsg(fd, &mh, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -(int)io_err(w) - 1;
		while (niov > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			niov--;
		}
		if (niov > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

/* pkt_send - one command: 4-byte length, command byte, up to 3 data parts */
static int
pkt_send(struct sess *s, char cmd, const void *a, size_t alen,
    const void *b, size_t blen)
{
	unsigned char head[5];
	uint32_t len = htonl((uint32_t)(1 + alen + blen));
	struct iovec iov[3];
	int n = 1;

	memcpy(head, &len, 4);
	head[4] = (unsigned char)cmd;
	iov[0].iov_base = head;
	iov[0].iov_len = 5;
	if (alen > 0) {
		iov[n].iov_base = (void *)(uintptr_t)a;
		iov[n++].iov_len = alen;
	}
	if (blen > 0) {
		iov[n].iov_base = (void *)(uintptr_t)b;
		iov[n++].iov_len = blen;
	}
	return wr_all(s->fd, iov, n);
}

/* rd_fill - refill the read-ahead buffer; 0 or -(err+1).  On TCP it
 * acknowledges at once (TCP_QUICKACK), as a busy MTA would: otherwise a
 * milter writing two small replies in a row (libmilter does not set
 * TCP_NODELAY) waits ~40 ms for our delayed ACK, and we would measure
 * Nagle instead of the milter. */
static int
rd_fill(struct sess *s)
{
	ssize_t r;
	int one = 1;

	do
		r = read(s->fd, s->rb, sizeof(s->rb));
	while (r < 0 && errno == EINTR);
	if (r <= 0)
		return -(int)io_err(r) - 1;
	if (s->inet)
		setsockopt(s->fd, IPPROTO_TCP, TCP_QUICKACK, &one,
		    sizeof(one));
	s->rpos = 0;
	s->rlen = (size_t)r;
	return 0;
}

/* rd_all - read exactly n bytes; 0 or -(err+1) */
static int
rd_all(struct sess *s, unsigned char *p, size_t n)
{
	size_t k;
	int r;

	while (n > 0) {
		if (s->rpos == s->rlen && (r = rd_fill(s)) != 0)
			return r;
		k = s->rlen - s->rpos < n ? s->rlen - s->rpos : n;
		memcpy(p, s->rb + s->rpos, k);
		s->rpos += k;
		p += k;
		n -= k;
	}
	return 0;
}

/* pkt_read - one reply into s->buf; returns its command byte or -(err+1) */
static int
pkt_read(struct sess *s, size_t *datalen)
{
	uint32_t len;
	int r;

	if ((r = rd_all(s, (unsigned char *)&len, 4)) != 0)
		return r;
	len = ntohl(len);
	if (len < 1 || len > MG_MAXREPLY)
		return -(int)E_PROTO - 1;
	if ((r = rd_all(s, s->buf, len)) != 0)
		return r;
	*datalen = s->lastlen = len - 1;
	return s->buf[0];
}

/* ---- session ----------------------------------------------------------- */

/* sock_open - connect to the milter socket with read/write timeouts */
static int
sock_open(void)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	struct timeval tv;
	int fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (strncmp(opt.socket, "unix:", 5) == 0 ||
	    strncmp(opt.socket, "local:", 6) == 0) {
		struct sockaddr_un *su = (struct sockaddr_un *)&ss;
		const char *p = strchr(opt.socket, ':') + 1;

		if (strlen(p) >= sizeof(su->sun_path))
			die("unix socket path too long");
		su->sun_family = AF_UNIX;
		memcpy(su->sun_path, p, strlen(p) + 1);
		sl = sizeof(*su);
	} else {
		struct sockaddr_in *si = (struct sockaddr_in *)&ss;
		const char *at = strchr(opt.socket, '@');
		char port[16];

		if (strncmp(opt.socket, "inet:", 5) != 0 || at == NULL ||
		    at - opt.socket - 5 <= 0 || at - opt.socket - 5 > 5)
			die("--socket: want inet:PORT@ADDR or unix:PATH");
		memcpy(port, opt.socket + 5, (size_t)(at - opt.socket - 5));
		port[at - opt.socket - 5] = '\0';
		si->sin_family = AF_INET;
		si->sin_port = htons((uint16_t)parse_num("port", port, 1,
		    65535));
		if (inet_pton(AF_INET, at + 1, &si->sin_addr) != 1)
			die("--socket: bad IPv4 address '%s'", at + 1);
		sl = sizeof(*si);
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	tv.tv_sec = (time_t)opt.timeout;
	tv.tv_usec = (suseconds_t)((opt.timeout - (double)tv.tv_sec) * 1e6);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (ss.ss_family == AF_INET)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&ss, sl) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* macro_send - SMFIC_MACRO for a stage: pairs of "name\0value\0" */
static int
macro_send(struct sess *s, char stage, const char *pairs, size_t len)
{
	if (len == 0)
		return 0;
	return pkt_send(s, 'D', &stage, 1, pairs, len);
}

/* macro_add - append name\0value\0 to a buffer */
static size_t
macro_add(char *buf, size_t off, size_t cap, const char *n, const char *v)
{
	size_t ln = strlen(n) + 1, lv = strlen(v) + 1;

	if (off + ln + lv > cap)
		return off;
	memcpy(buf + off, n, ln);
	memcpy(buf + off + ln, v, lv);
	return off + ln + lv;
}

/* stage_reply - wait for the reply to a step; 'c' continue, 's' skip,
 * or a final verdict byte; negative on error */
static int
stage_reply(struct sess *s)
{
	size_t len;
	int c;

	for (;;) {
		c = pkt_read(s, &len);
		if (c < 0)
			return c;
		switch (c) {
		case 'p':
			continue;
		case 'c': case 's': case 'a': case 'r': case 't':
		case 'd': case 'y': case '4': case 'f':
			return c;
		default:
			return -(int)E_PROTO - 1;
		}
	}
}

/* step - send a step unless the milter opted out, read the reply unless it
 * asked for none; returns 'c' when the message goes on */
static int
step(struct sess *s, uint32_t no, uint32_t nr, char cmd, const void *a,
    size_t alen, const void *b, size_t blen)
{
	int r;

	if (no != 0 && (s->pflags & no))
		return 'c';
	if ((r = pkt_send(s, cmd, a, alen, b, blen)) != 0)
		return r;
	if (nr != 0 && (s->pflags & nr))
		return 'c';
	return stage_reply(s);
}

/* optneg - SMFIC_OPTNEG; learns the milter's protocol flags */
static int
optneg(struct sess *s)
{
	uint32_t v[3] = { htonl(MG_VERSION), htonl(ACT_ALL), htonl(P_OFFER) };
	size_t len;
	int c;

	if ((c = pkt_send(s, 'O', v, sizeof(v), NULL, 0)) != 0)
		return c;
	if ((c = pkt_read(s, &len)) < 0)
		return c;
	if (c != 'O' || len < 12)
		return -(int)E_PROTO - 1;
	memcpy(v, s->buf + 1, 12);
	if (ntohl(v[0]) < 2 || ntohl(v[0]) > MG_VERSION)
		return -(int)E_PROTO - 1;
	s->pflags = ntohl(v[2]) & P_OFFER;
	return 0;
}

/* sess_open - connect, negotiate, connect info, helo; 0 or -(err+1) */
static int
sess_open(struct sess *s)
{
	char info[512], mac[512];
	size_t n, m;
	uint16_t port = htons(40000 + (uint16_t)(s->id % 20000));
	int c;

	s->rpos = s->rlen = 0;
	s->inet = strncmp(opt.socket, "inet:", 5) == 0;
	if ((s->fd = sock_open()) < 0)
		return -(int)E_CONNECT - 1;
	if ((c = optneg(s)) != 0)
		return c;
	m = macro_add(mac, 0, sizeof(mac), "j", "mx.bench.example");
	if (opt.macro_daemon != NULL)
		m = macro_add(mac, m, sizeof(mac), "{daemon_name}",
		    opt.macro_daemon);
	m = macro_add(mac, m, sizeof(mac), "{client_addr}", opt.client_ip);
	if (!(s->pflags & P_NOCONNECT) && (c = macro_send(s, 'C', mac, m)))
		return c;
	/* hostname\0 family port(2) address\0 */
	n = (size_t)snprintf(info, sizeof(info), "%s", opt.helo) + 1;
	info[n++] = '4';
	memcpy(info + n, &port, 2);
	n += 2;
	n += (size_t)snprintf(info + n, sizeof(info) - n, "%s",
	    opt.client_ip) + 1;
	c = step(s, P_NOCONNECT, P_NR_CONN, 'C', info, n, NULL, 0);
	if (c != 'c')
		return c < 0 ? c : -(int)E_PROTO - 1;
	c = step(s, P_NOHELO, P_NR_HELO, 'H', opt.helo, strlen(opt.helo) + 1,
	    NULL, 0);
	if (c != 'c')
		return c < 0 ? c : -(int)E_PROTO - 1;
	return 0;
}

/* sess_close - QUIT and close */
static void
sess_close(struct sess *s, int polite)
{
	if (s->fd < 0)
		return;
	if (polite)
		(void)pkt_send(s, 'Q', NULL, 0, NULL, 0);
	close(s->fd);
	s->fd = -1;
}

/* final_verdict - map the last (final) reply to a verdict; -1 if unknown */
static int
final_verdict(struct sess *s, int c)
{
	size_t len = s->lastlen;

	switch (c) {
	case 'a': case 'c':
		return V_ACCEPT;
	case 'r':
		return V_REJECT;
	case 't': case '4': case 'f':
		return V_TEMPFAIL;
	case 'd':
		return V_DISCARD;
	case 'y':
		if (len >= 1 && s->buf[1] == '4')
			return V_TEMPFAIL;
		if (len >= 1 && s->buf[1] == '5')
			return V_REJECT;
		return -1;
	default:
		return -1;
	}
}

/* eom_replies - after SMFIC_BODYEOB: actions, then the final reply */
static int
eom_replies(struct sess *s, struct stats *st)
{
	size_t len;
	int c;

	for (;;) {
		if ((c = pkt_read(s, &len)) < 0)
			return c;
		switch (c) {
		case 'h': st->addhdr++; continue;
		case 'i': st->inshdr++; continue;
		case 'm': st->chghdr++; continue;
		case 'q': st->quarantine++; continue;
		case '+': case '-': case '2': case 'e': case 'b':
			st->othermod++;
			continue;
		case 'p':
			continue;
		default:
			return c;
		}
	}
}

/* send_headers - every header, then end of headers; 'c' or a verdict */
static int
send_headers(struct sess *s, const struct msg *m)
{
	const char *v;
	size_t i;
	int c;

	for (i = 0; i < m->nhdr && !(s->pflags & P_NOHDRS); i++) {
		v = m->hdr[i].value;
		if (!(s->pflags & P_LEADSPC))
			while (*v == ' ' || *v == '\t')
				v++;
		c = step(s, P_NOHDRS, P_NR_HDR, 'L', m->hdr[i].name,
		    strlen(m->hdr[i].name) + 1, v, strlen(v) + 1);
		if (c != 'c')
			return c;
	}
	return step(s, P_NOEOH, P_NR_EOH, 'N', NULL, 0, NULL, 0);
}

/* send_body - body chunks of at most 65535 bytes; 'c' or a verdict */
static int
send_body(struct sess *s, const struct msg *m)
{
	size_t off, n;
	int c;

	if (s->pflags & P_NOBODY)
		return 'c';
	for (off = 0; off < m->bodylen; off += n) {
		n = m->bodylen - off < MG_CHUNK ? m->bodylen - off : MG_CHUNK;
		c = step(s, P_NOBODY, P_NR_BODY, 'B', m->body + off, n,
		    NULL, 0);
		if (c == 's')
			return 'c';
		if (c != 'c')
			return c;
	}
	return 'c';
}

/* hold_arrive - --hold rendezvous: wait until main releases everyone */
static void
hold_arrive(int *arrived, int wait)
{
	if (!opt.hold || *arrived)
		return;
	*arrived = 1;
	pthread_mutex_lock(&lock);
	hold_arrived++;
	pthread_cond_broadcast(&hold_cond);
	while (wait && !hold_released)
		pthread_cond_wait(&hold_cond, &lock);
	pthread_mutex_unlock(&lock);
}

/* envelope - MAIL and RCPT (with their macros), then DATA */
static int
envelope(struct sess *s, const struct msg *m, char *qid)
{
	char mac[1024], arg[600];
	const char *from = opt.from ? opt.from : (m->envfrom ? m->envfrom : "");
	size_t n = 0;
	int c;

	if (opt.macro_i)
		n = macro_add(mac, n, sizeof(mac), "i", qid);
	n = macro_add(mac, n, sizeof(mac), "{mail_addr}", from);
	if (opt.macro_auth != NULL)
		n = macro_add(mac, n, sizeof(mac), "{auth_authen}",
		    opt.macro_auth);
	if (!(s->pflags & P_NOMAIL) && (c = macro_send(s, 'M', mac, n)) != 0)
		return c;
	n = (size_t)snprintf(arg, sizeof(arg), "<%s>", from) + 1;
	if ((c = step(s, P_NOMAIL, P_NR_MAIL, 'M', arg, n, NULL, 0)) != 'c')
		return c;
	n = macro_add(mac, 0, sizeof(mac), "{rcpt_addr}", opt.rcpt);
	if (!(s->pflags & P_NORCPT) && (c = macro_send(s, 'R', mac, n)) != 0)
		return c;
	n = (size_t)snprintf(arg, sizeof(arg), "<%s>", opt.rcpt) + 1;
	if ((c = step(s, P_NORCPT, P_NR_RCPT, 'R', arg, n, NULL, 0)) != 'c')
		return c;
	return step(s, P_NODATA, P_NR_DATA, 'T', NULL, 0, NULL, 0);
}

/* msg_send - one message on an open session; a verdict or -(err+1) */
static int
msg_send(struct sess *s, const struct msg *m, struct stats *st, int *held)
{
	char qid[32], mac[64];
	size_t n = 0;
	int c, v;

	snprintf(qid, sizeof(qid), "%03X%07lX", (unsigned)s->id & 0xfff,
	    s->seq++ & 0xfffffff);
	if ((c = envelope(s, m, qid)) == 'c' &&
	    (c = send_headers(s, m)) == 'c')
		c = send_body(s, m);
	if (c < 0)
		return c;
	if (c != 'c') {		/* ended early: verdict, then abort */
		if ((v = final_verdict(s, c)) < 0)
			return -(int)E_PROTO - 1;
		return pkt_send(s, 'A', NULL, 0, NULL, 0) ? -(int)E_CLOSED - 1
		    : v;
	}
	hold_arrive(held, 1);
	if (opt.macro_i)
		n = macro_add(mac, 0, sizeof(mac), "i", qid);
	if ((c = macro_send(s, 'E', mac, n)) != 0 ||
	    (c = pkt_send(s, 'E', NULL, 0, NULL, 0)) != 0)
		return c;
	if ((c = eom_replies(s, st)) < 0)
		return c;
	c = final_verdict(s, c);
	return c < 0 ? -(int)E_PROTO - 1 : c;
}

/* ---- workers ----------------------------------------------------------- */

/* take_msg - claim the next message index; -1 when the run is over */
static long
take_msg(void)
{
	long i = -1;
	struct timespec t;

	if (opt.seconds > 0) {
		t = now_ts();
		if (ts_us(t, t_deadline) <= 0)
			return -1;
	}
	pthread_mutex_lock(&lock);
	if (opt.messages <= 0 || next_msg < opt.messages)
		i = next_msg++;
	pthread_mutex_unlock(&lock);
	return i;
}

/* pace - with --rate, sleep until message i's start time */
static void
pace(long i)
{
	struct timespec t = t_start;
	double off;

	if (opt.rate <= 0)
		return;
	off = (double)i / opt.rate;
	t.tv_sec += (time_t)off;
	t.tv_nsec += (long)((off - (double)(time_t)off) * 1e9);
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) ==
	    EINTR)
		;
}

/* lat_add - remember one latency */
static void
lat_add(struct stats *st, double us)
{
	if (st->nlat == st->caplat)
		st->lat_us = xrealloc_(st->lat_us, (st->caplat = st->caplat *
		    2 + 1024) * sizeof(*st->lat_us));
	st->lat_us[st->nlat++] = us > 4e9 ? 4000000000u : (uint32_t)us;
}

/* worker_run - a thread: its own connection, messages until the end */
static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	struct sess s = { .fd = -1, .id = w->id };
	struct timespec t0;
	long i, on_conn = 0;
	int c, fails = 0, held = 0;

	s.buf = xmalloc_(MG_MAXREPLY);
	while (fails < 3 && (i = take_msg()) >= 0) {
		if (s.fd < 0 && (c = sess_open(&s)) != 0) {
			w->st.err[-c - 1]++;
			sess_close(&s, 0);
			fails++;
			continue;
		}
		pace(i);
		t0 = now_ts();
		c = msg_send(&s, &corpus[(size_t)i % ncorpus], &w->st, &held);
		if (c < 0) {
			w->st.err[-c - 1]++;
			sess_close(&s, 0);
			fails++;
			continue;
		}
		fails = 0;
		w->st.verdict[c]++;
		w->st.done++;
		lat_add(&w->st, ts_us(t0, now_ts()));
		if (opt.reuse > 0 && ++on_conn >= opt.reuse) {
			sess_close(&s, 1);
			on_conn = 0;
		}
	}
	hold_arrive(&held, 0);
	sess_close(&s, 1);
	free(s.buf);
	return NULL;
}

/* ---- the milter process ------------------------------------------------ */

/* proc_cpu_us - utime+stime of a process in microseconds; -1 if unknown */
static double
proc_cpu_us(long pid)
{
	char path[64], buf[2048], *p, *end;
	unsigned long v[2];
	FILE *f;
	size_t n;
	int field;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* after "(comm) ": state is field 3, utime 14, stime 15 */
	if ((p = strrchr(buf, ')')) == NULL)
		return -1;
	for (field = 2; field < 14 && p != NULL; field++)
		p = strchr(p + 1, ' ');
	for (n = 0; n < 2 && p != NULL; n++) {
		errno = 0;
		v[n] = strtoul(p + 1, &end, 10);
		if (errno != 0 || end == p + 1)
			return -1;
		p = end;
	}
	if (n < 2)
		return -1;
	return (double)(v[0] + v[1]) * 1e6 / (double)sysconf(_SC_CLK_TCK);
}

/* proc_mem_kib - a "VmXXX:" line of /proc/PID/status in KiB; -1 */
static long
proc_mem_kib(long pid, const char *key)
{
	char path[64], line[256];
	size_t kl = strlen(key);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
			v = strtol(line + kl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* hold_sample - --hold: wait for every thread, sample RSS, release */
static long
hold_sample(void)
{
	struct timespec until;
	long rss;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)(opt.timeout * 3 + 5);
	pthread_mutex_lock(&lock);
	while (hold_arrived < opt.concurrency &&
	    pthread_cond_timedwait(&hold_cond, &lock, &until) == 0)
		;
	pthread_mutex_unlock(&lock);
	usleep(200000);		/* let the milter finish its body work */
	rss = opt.pid > 0 ? proc_mem_kib(opt.pid, "VmRSS") : -1;
	pthread_mutex_lock(&lock);
	hold_released = 1;
	pthread_cond_broadcast(&hold_cond);
	pthread_mutex_unlock(&lock);
	return rss;
}

/* ---- report ------------------------------------------------------------ */

/* u32_cmp - qsort helper */
static int
u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* pct - the p-th percentile of sorted values (nearest rank) */
static uint32_t
pct(const uint32_t *v, size_t n, double p)
{
	size_t k;

	if (n == 0)
		return 0;
	k = (size_t)(p / 100.0 * (double)n + 0.999999);
	return v[k == 0 ? 0 : (k > n ? n - 1 : k - 1)];
}

/* merge - sum the workers' counters and latencies into one */
static void
merge(struct worker *w, int n, struct stats *t)
{
	int i, k;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < n; i++) {
		for (k = 0; k < V_NVERDICT; k++)
			t->verdict[k] += w[i].st.verdict[k];
		for (k = 0; k < E_NERR; k++)
			t->err[k] += w[i].st.err[k];
		t->quarantine += w[i].st.quarantine;
		t->addhdr += w[i].st.addhdr;
		t->inshdr += w[i].st.inshdr;
		t->chghdr += w[i].st.chghdr;
		t->othermod += w[i].st.othermod;
		t->done += w[i].st.done;
		if (w[i].st.nlat > 0) {
			t->lat_us = xrealloc_(t->lat_us, (t->nlat +
			    w[i].st.nlat) * sizeof(*t->lat_us));
			memcpy(t->lat_us + t->nlat, w[i].st.lat_us,
			    w[i].st.nlat * sizeof(*t->lat_us));
			t->nlat += w[i].st.nlat;
		}
		free(w[i].st.lat_us);
	}
	if (t->nlat > 0)	/* no message answered: lat_us is NULL */
		qsort(t->lat_us, t->nlat, sizeof(*t->lat_us), u32_cmp);
}

struct measure {
	double secs, cpu_us;
	long rss0, rss, hwm, hold_rss;
};

/* report - the human table or one key=value line */
static void
report(const struct stats *t, const struct measure *me)
{
	unsigned long errs = 0;
	double cpu_msg = -1;
	int k;

	for (k = 0; k < E_NERR; k++)
		errs += t->err[k];
	if (me->cpu_us >= 0 && t->done > 0)
		cpu_msg = me->cpu_us / (double)t->done;
	printf(opt.kv ? "messages=%lu errors=%lu seconds=%.3f mps=%.1f "
	    "p50_us=%u p90_us=%u p99_us=%u max_us=%u cpu_us_per_msg=%.1f "
	    "rss0_kib=%ld rss_kib=%ld hwm_kib=%ld hold_rss_kib=%ld" :
	    "messages      %lu\nerrors        %lu\nseconds       %.3f\n"
	    "messages/s    %.1f\nlatency p50   %u us\nlatency p90   %u us\n"
	    "latency p99   %u us\nlatency max   %u us\n"
	    "cpu/message   %.1f us (milter process)\n"
	    "rss before    %ld KiB\nrss after     %ld KiB\n"
	    "peak rss      %ld KiB (VmHWM)\nrss on hold   %ld KiB\n",
	    t->done, errs, me->secs, me->secs > 0 ? (double)t->done /
	    me->secs : 0.0, pct(t->lat_us, t->nlat, 50),
	    pct(t->lat_us, t->nlat, 90), pct(t->lat_us, t->nlat, 99),
	    t->nlat ? t->lat_us[t->nlat - 1] : 0, cpu_msg, me->rss0, me->rss,
	    me->hwm, me->hold_rss);
	for (k = 0; k < V_NVERDICT; k++)
		printf(opt.kv ? " %s=%lu" : "%-13s %lu\n", verdict_name[k],
		    t->verdict[k]);
	printf(opt.kv ? " quarantine=%lu addhdr=%lu inshdr=%lu chghdr=%lu "
	    "othermod=%lu" : "quarantine    %lu\nadd header    %lu\n"
	    "insert header %lu\nchange header %lu\nother mods    %lu\n",
	    t->quarantine, t->addhdr, t->inshdr, t->chghdr, t->othermod);
	for (k = 0; k < E_NERR; k++)
		printf(opt.kv ? " %s=%lu" : "%-13s %lu\n", err_name[k],
		    t->err[k]);
	if (opt.kv)
		putchar('\n');
}

/* ---- main -------------------------------------------------------------- */

/* usage - print the synopsis and exit 2 */
static void __attribute__((noreturn))
usage(void)
{
	fputs("usage: miltergen --socket inet:PORT@ADDR|unix:PATH\n"
	    "  [--concurrency N] [--messages N | --seconds S] [--rate R]\n"
	    "  [--reuse N]\n"
	    "  [--pid PID] [--client-ip IPv4] [--helo NAME] [--from ADDR]\n"
	    "  [--rcpt ADDR] [--macros i,auth=USER,daemon=NAME|none]\n"
	    "  [--timeout S] [--hold] [--kv] FILE.eml|DIR|@LIST...\n", stderr);
	exit(2);
}

/* parse_macros - --macros: comma list of i, auth=USER, daemon=NAME, none */
static void
parse_macros(char *spec)
{
	char *save = NULL, *tok;

	opt.macro_i = 0;
	for (tok = strtok_r(spec, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "i") == 0)
			opt.macro_i = 1;
		else if (strncmp(tok, "auth=", 5) == 0)
			opt.macro_auth = tok + 5;
		else if (strncmp(tok, "daemon=", 7) == 0)
			opt.macro_daemon = tok + 7;
		else if (strcmp(tok, "none") != 0)
			die("--macros: unknown '%s'", tok);
	}
}

/* parse_args - options into opt, the rest into the corpus */
static void
parse_args(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--kv") == 0) { opt.kv = 1; continue; }
		if (strcmp(a, "--hold") == 0) { opt.hold = 1; continue; }
		if (strncmp(a, "--", 2) != 0) { corpus_add(a); continue; }
		if (v == NULL)
			usage();
		i++;
		if (strcmp(a, "--socket") == 0) opt.socket = v;
		else if (strcmp(a, "--concurrency") == 0)
			opt.concurrency = (int)parse_num(a, v, 1, 5000);
		else if (strcmp(a, "--messages") == 0)
			opt.messages = (long)parse_num(a, v, 1, 1e9);
		else if (strcmp(a, "--seconds") == 0)
			opt.seconds = parse_num(a, v, 0.01, 86400);
		else if (strcmp(a, "--rate") == 0)
			opt.rate = parse_num(a, v, 0.1, 1e6);
		else if (strcmp(a, "--reuse") == 0)
			opt.reuse = (long)parse_num(a, v, 0, 1e9);
		else if (strcmp(a, "--pid") == 0)
			opt.pid = (long)parse_num(a, v, 1, 4194304);
		else if (strcmp(a, "--timeout") == 0)
			opt.timeout = parse_num(a, v, 0.01, 3600);
		else if (strcmp(a, "--client-ip") == 0) opt.client_ip = v;
		else if (strcmp(a, "--helo") == 0) opt.helo = v;
		else if (strcmp(a, "--from") == 0) opt.from = v;
		else if (strcmp(a, "--rcpt") == 0) opt.rcpt = v;
		else if (strcmp(a, "--macros") == 0) parse_macros(argv[i]);
		else usage();
	}
	if (opt.socket == NULL || ncorpus == 0)
		usage();
	if (opt.messages <= 0 && opt.seconds <= 0)
		opt.messages = 100;
}

/* main - parse, run the workers, report */
int
main(int argc, char **argv)
{
	struct worker *w;
	struct stats t;
	struct measure me = { .cpu_us = -1, .rss0 = -1, .rss = -1, .hwm = -1,
	    .hold_rss = -1 };
	struct timespec t0;
	pthread_attr_t attr;
	double cpu0 = -1;
	unsigned long errs = 0;
	int i;

	signal(SIGPIPE, SIG_IGN);
	parse_args(argc, argv);
	w = calloc((size_t)opt.concurrency, sizeof(*w));
	if (w == NULL)
		die("out of memory");
	if (opt.pid > 0) {
		cpu0 = proc_cpu_us(opt.pid);
		me.rss0 = proc_mem_kib(opt.pid, "VmRSS");
		if (cpu0 < 0)
			die("--pid %ld: no such process", opt.pid);
	}
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	t0 = now_ts();
	t_start = t0;
	t_deadline = t0;
	t_deadline.tv_sec += (time_t)opt.seconds;
	t_deadline.tv_nsec += (long)((opt.seconds - (double)(time_t)
	    opt.seconds) * 1e9);
	if (t_deadline.tv_nsec >= 1000000000L) {
		t_deadline.tv_sec++;
		t_deadline.tv_nsec -= 1000000000L;
	}
	for (i = 0; i < opt.concurrency; i++) {
		w[i].id = i;
		if (pthread_create(&w[i].tid, &attr, worker_run, &w[i]) != 0)
			die("cannot start thread %d", i);
	}
	if (opt.hold)
		me.hold_rss = hold_sample();
	for (i = 0; i < opt.concurrency; i++)
		pthread_join(w[i].tid, NULL);
	me.secs = ts_us(t0, now_ts()) / 1e6;
	if (opt.pid > 0) {
		double cpu1 = proc_cpu_us(opt.pid);

		me.cpu_us = cpu1 >= 0 ? cpu1 - cpu0 : -1;
		me.rss = proc_mem_kib(opt.pid, "VmRSS");
		me.hwm = proc_mem_kib(opt.pid, "VmHWM");
	}
	merge(w, opt.concurrency, &t);
	report(&t, &me);
	for (i = 0; i < E_NERR; i++)
		errs += t.err[i];
	free(t.lat_us);
	free(w);
	return t.done == 0 ? 2 : errs > 0;
}
