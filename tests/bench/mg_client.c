/*
 * mg_client.c - the MTA side of the milter protocol for miltergen: packets
 * on the wire, option negotiation, the steps of a message, the replies
 * and modification actions; see mg_client.h for the contract.
 *
 * The steps are those Postfix sends (checked against a session recorded
 * from the rig, tests/data/milter-sessions, by t_mproto_diff.sh): a macro
 * packet before CONNECT, HELO, MAIL, RCPT, DATA (sent even when the
 * milter declined DATA itself), each header, end of headers, each body
 * chunk and end of message, empty when there is nothing to say; an abort
 * after each transaction; an abort and QUIT at the end.
 *
 * Owns nothing beyond the session the caller passes in.  Each session is
 * used by one thread; the only shared state read is mg_opt (read-only).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "mg_client.h"

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
pkt_send(struct mg_sess *s, char cmd, const void *a, size_t alen,
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
rd_fill(struct mg_sess *s)
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
rd_all(struct mg_sess *s, unsigned char *p, size_t n)
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
pkt_read(struct mg_sess *s, size_t *datalen)
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
	if (strncmp(mg_opt.socket, "unix:", 5) == 0 ||
	    strncmp(mg_opt.socket, "local:", 6) == 0) {
		struct sockaddr_un *su = (struct sockaddr_un *)&ss;
		const char *p = strchr(mg_opt.socket, ':') + 1;

		if (strlen(p) >= sizeof(su->sun_path))
			mg_die("unix socket path too long");
		su->sun_family = AF_UNIX;
		memcpy(su->sun_path, p, strlen(p) + 1);
		sl = sizeof(*su);
	} else {
		struct sockaddr_in *si = (struct sockaddr_in *)&ss;
		const char *at = strchr(mg_opt.socket, '@');
		char port[16];

		if (strncmp(mg_opt.socket, "inet:", 5) != 0 || at == NULL ||
		    at - mg_opt.socket - 5 <= 0 || at - mg_opt.socket - 5 > 5)
			mg_die("--socket: want inet:PORT@ADDR or unix:PATH");
		memcpy(port, mg_opt.socket + 5,
		    (size_t)(at - mg_opt.socket - 5));
		port[at - mg_opt.socket - 5] = '\0';
		si->sin_family = AF_INET;
		si->sin_port = htons((uint16_t)mg_parse_num("port", port, 1,
		    65535));
		if (inet_pton(AF_INET, at + 1, &si->sin_addr) != 1)
			mg_die("--socket: bad IPv4 address '%s'", at + 1);
		sl = sizeof(*si);
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	tv.tv_sec = (time_t)mg_opt.timeout;
	tv.tv_usec = (suseconds_t)((mg_opt.timeout - (double)tv.tv_sec) * 1e6);
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

/* macro_send - SMFIC_MACRO for a stage: pairs of "name\0value\0"; an
 * empty list is sent too, as Postfix does */
static int
macro_send(struct mg_sess *s, char stage, const char *pairs, size_t len)
{
	return pkt_send(s, 'D', &stage, 1, pairs, len);
}

/* qid_macro - the packet Postfix sends before each step from DATA on:
 * {i} when --macros asks for it, else an empty list */
static int
qid_macro(struct mg_sess *s, char stage, const char *qid)
{
	char mac[64];
	size_t n = 0;

	if (mg_opt.macro_i)
		n = macro_add(mac, 0, sizeof(mac), "i", qid);
	return macro_send(s, stage, mac, n);
}

/* stage_reply - wait for the reply to a step; 'c' continue, 's' skip,
 * or a final verdict byte; negative on error */
static int
stage_reply(struct mg_sess *s)
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
step(struct mg_sess *s, uint32_t no, uint32_t nr, char cmd, const void *a,
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
optneg(struct mg_sess *s)
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

/* mg_client_open - connect, negotiate, connect info, helo; 0 or -(err+1) */
int
mg_client_open(struct mg_sess *s)
{
	char info[512], mac[512];
	size_t n, m;
	uint16_t port = htons(40000 + (uint16_t)(s->id % 20000));
	int c;

	s->rpos = s->rlen = 0;
	s->inet = strncmp(mg_opt.socket, "inet:", 5) == 0;
	if ((s->fd = sock_open()) < 0)
		return -(int)E_CONNECT - 1;
	if ((c = optneg(s)) != 0)
		return c;
	m = macro_add(mac, 0, sizeof(mac), "j", "mx.bench.example");
	if (mg_opt.macro_daemon != NULL)
		m = macro_add(mac, m, sizeof(mac), "{daemon_name}",
		    mg_opt.macro_daemon);
	m = macro_add(mac, m, sizeof(mac), "{client_addr}", mg_opt.client_ip);
	if (!(s->pflags & P_NOCONNECT) && (c = macro_send(s, 'C', mac, m)))
		return c;
	/* hostname\0 family port(2) address\0 */
	n = (size_t)snprintf(info, sizeof(info), "%s", mg_opt.helo) + 1;
	info[n++] = '4';
	memcpy(info + n, &port, 2);
	n += 2;
	n += (size_t)snprintf(info + n, sizeof(info) - n, "%s",
	    mg_opt.client_ip) + 1;
	c = step(s, P_NOCONNECT, P_NR_CONN, 'C', info, n, NULL, 0);
	if (c != 'c')
		return c < 0 ? c : -(int)E_PROTO - 1;
	c = step(s, P_NOHELO, P_NR_HELO, 'H', mg_opt.helo,
	    strlen(mg_opt.helo) + 1, NULL, 0);
	if (c != 'c')
		return c < 0 ? c : -(int)E_PROTO - 1;
	return 0;
}

/* mg_client_close - QUIT and close */
void
mg_client_close(struct mg_sess *s, int polite)
{
	if (s->fd < 0)
		return;
	if (polite) { /* as Postfix: an abort, then QUIT */
		(void)pkt_send(s, 'A', NULL, 0, NULL, 0);
		(void)pkt_send(s, 'Q', NULL, 0, NULL, 0);
	}
	close(s->fd);
	s->fd = -1;
}

/* final_verdict - map the last (final) reply to a verdict; -1 if unknown */
static int
final_verdict(struct mg_sess *s, int c)
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
eom_replies(struct mg_sess *s, struct mg_stats *st)
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
send_headers(struct mg_sess *s, const struct mg_msg *m, const char *qid)
{
	const char *v;
	size_t i;
	int c;

	for (i = 0; i < m->nhdr && !(s->pflags & P_NOHDRS); i++) {
		v = m->hdr[i].value;
		if (!(s->pflags & P_LEADSPC))
			while (*v == ' ' || *v == '\t')
				v++;
		if ((c = qid_macro(s, 'L', qid)) != 0)
			return c;
		c = step(s, P_NOHDRS, P_NR_HDR, 'L', m->hdr[i].name,
		    strlen(m->hdr[i].name) + 1, v, strlen(v) + 1);
		if (c != 'c')
			return c;
	}
	if (!(s->pflags & P_NOEOH) && (c = qid_macro(s, 'N', qid)) != 0)
		return c;
	return step(s, P_NOEOH, P_NR_EOH, 'N', NULL, 0, NULL, 0);
}

/* send_body - body chunks of at most 65535 bytes; 'c' or a verdict */
static int
send_body(struct mg_sess *s, const struct mg_msg *m, const char *qid)
{
	size_t off, n;
	int c;

	if (s->pflags & P_NOBODY)
		return 'c';
	for (off = 0; off < m->bodylen; off += n) {
		n = m->bodylen - off < MG_CHUNK ? m->bodylen - off : MG_CHUNK;
		if ((c = qid_macro(s, 'B', qid)) != 0)
			return c;
		c = step(s, P_NOBODY, P_NR_BODY, 'B', m->body + off, n,
		    NULL, 0);
		if (c == 's')
			return 'c';
		if (c != 'c')
			return c;
	}
	return 'c';
}

/* envelope - MAIL and RCPT (with their macros), then DATA */
static int
envelope(struct mg_sess *s, const struct mg_msg *m, char *qid)
{
	char mac[1024], arg[600];
	const char *from = mg_opt.from ? mg_opt.from :
	    (m->envfrom ? m->envfrom : "");
	size_t n = 0;
	int c;

	if (mg_opt.macro_i)
		n = macro_add(mac, n, sizeof(mac), "i", qid);
	n = macro_add(mac, n, sizeof(mac), "{mail_addr}", from);
	if (mg_opt.macro_auth != NULL)
		n = macro_add(mac, n, sizeof(mac), "{auth_authen}",
		    mg_opt.macro_auth);
	if (!(s->pflags & P_NOMAIL) && (c = macro_send(s, 'M', mac, n)) != 0)
		return c;
	n = (size_t)snprintf(arg, sizeof(arg), "<%s>", from) + 1;
	if ((c = step(s, P_NOMAIL, P_NR_MAIL, 'M', arg, n, NULL, 0)) != 'c')
		return c;
	n = macro_add(mac, 0, sizeof(mac), "{rcpt_addr}", mg_opt.rcpt);
	if (!(s->pflags & P_NORCPT) && (c = macro_send(s, 'R', mac, n)) != 0)
		return c;
	n = (size_t)snprintf(arg, sizeof(arg), "<%s>", mg_opt.rcpt) + 1;
	if ((c = step(s, P_NORCPT, P_NR_RCPT, 'R', arg, n, NULL, 0)) != 'c')
		return c;
	if ((c = qid_macro(s, 'T', qid)) != 0) /* even without DATA */
		return c;
	return step(s, P_NODATA, P_NR_DATA, 'T', NULL, 0, NULL, 0);
}

/* mg_client_send - one message on an open session; a verdict or -(err+1) */
int
mg_client_send(struct mg_sess *s, const struct mg_msg *m,
    struct mg_stats *st, int *held)
{
	char qid[32];
	int c, v;

	snprintf(qid, sizeof(qid), "%03X%07lX", (unsigned)s->id & 0xfff,
	    s->seq++ & 0xfffffff);
	if ((c = envelope(s, m, qid)) == 'c' &&
	    (c = send_headers(s, m, qid)) == 'c')
		c = send_body(s, m, qid);
	if (c < 0)
		return c;
	if (c != 'c') {		/* ended early: verdict, then abort */
		if ((v = final_verdict(s, c)) < 0)
			return -(int)E_PROTO - 1;
		return pkt_send(s, 'A', NULL, 0, NULL, 0) ? -(int)E_CLOSED - 1
		    : v;
	}
	mg_hold_arrive(held, 1);
	if ((c = qid_macro(s, 'E', qid)) != 0 ||
	    (c = pkt_send(s, 'E', NULL, 0, NULL, 0)) != 0)
		return c;
	if ((c = eom_replies(s, st)) < 0)
		return c;
	c = final_verdict(s, c);
	/* Postfix ends each transaction with an abort, reply or not */
	if (c >= 0 && pkt_send(s, 'A', NULL, 0, NULL, 0) != 0)
		return -(int)E_CLOSED - 1;
	return c < 0 ? -(int)E_PROTO - 1 : c;
}
