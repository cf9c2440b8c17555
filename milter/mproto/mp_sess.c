/*
 * mp_sess.c - the session of hallmark's milter protocol engine: frames
 * out of the input buffer, the order of commands, the reply to each.
 *
 * Framing: a 4-byte length in network order (counting the command
 * byte), the command byte, the payload.  A length of 0, or above the
 * limit of its command (MP_SMALL_FRAME for all but headers and body
 * chunks, ctx->max_frame for those), is a protocol error as soon as the
 * 5 bytes that say so are there: nothing larger is ever buffered.
 *
 * Order: the protocol's state table (which command may follow which,
 * steps the negotiated flags let the MTA leave out).  As in the
 * reference implementation, a command out of order inside a message
 * aborts the message and is tried again from HELO (a MAIL FROM without
 * a preceding abort starts a new message); what cannot follow even
 * then is a protocol error here (the reference implementation ignores
 * it silently and the MTA waits for a reply that never comes).  An
 * abort outside a message is ignored; QUIT may come at any step
 * (Postfix sends it right after CONNECT for a session it resets).
 *
 * Replies: as the reference implementation, byte for byte: no reply
 * for a step the filter marked no-reply (SMFIP_NR_*), a 'c' for it
 * when the MTA does not know the flag, 'y' with the text of
 * smfi_setreply() for a reject or tempfail whose code class matches.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mp_int.h"
#include "str.h"

#define MASK(s) (1UL << (s))
#define NX_RCPT \
	(MASK(MP_ST_HDRS) | MASK(MP_ST_EOHS) | MASK(MP_ST_DATA) | \
	    MASK(MP_ST_BODY) | MASK(MP_ST_ENDM) | MASK(MP_ST_RCPT) | \
	    MASK(MP_ST_ABRT) | MASK(MP_ST_UNKN))
#define NX_UNKN \
	(MASK(MP_ST_HELO) | MASK(MP_ST_MAIL) | MASK(MP_ST_RCPT) | \
	    MASK(MP_ST_ABRT) | MASK(MP_ST_DATA) | MASK(MP_ST_BODY) | \
	    MASK(MP_ST_UNKN) | MASK(MP_ST_QUIT) | MASK(MP_ST_Q_NC))

/* which state may follow which */
static const unsigned long next_states[MP_ST_COUNT] = {
	[MP_ST_INIT] = MASK(MP_ST_OPTS),
	[MP_ST_OPTS] = MASK(MP_ST_CONN) | MASK(MP_ST_UNKN),
	[MP_ST_CONN] = MASK(MP_ST_HELO) | MASK(MP_ST_MAIL) | MASK(MP_ST_UNKN),
	[MP_ST_HELO] = MASK(MP_ST_HELO) | MASK(MP_ST_MAIL) | MASK(MP_ST_UNKN),
	[MP_ST_MAIL] = MASK(MP_ST_RCPT) | MASK(MP_ST_ABRT) | MASK(MP_ST_UNKN),
	[MP_ST_RCPT] = NX_RCPT,
	[MP_ST_DATA] = MASK(MP_ST_EOHS) | MASK(MP_ST_HDRS) | MASK(MP_ST_ABRT),
	[MP_ST_HDRS] = MASK(MP_ST_EOHS) | MASK(MP_ST_HDRS) | MASK(MP_ST_ABRT),
	[MP_ST_EOHS] = MASK(MP_ST_BODY) | MASK(MP_ST_ENDM) | MASK(MP_ST_ABRT),
	[MP_ST_BODY] = MASK(MP_ST_ENDM) | MASK(MP_ST_BODY) | MASK(MP_ST_ABRT),
	[MP_ST_ENDM] = MASK(MP_ST_QUIT) | MASK(MP_ST_MAIL) | MASK(MP_ST_UNKN) |
	    MASK(MP_ST_Q_NC),
	[MP_ST_QUIT] = 0,
	[MP_ST_ABRT] = 0,
	[MP_ST_UNKN] = NX_UNKN,
	[MP_ST_Q_NC] = MASK(MP_ST_CONN) | MASK(MP_ST_UNKN),
};

#define F_IGNO 1 /* a reject leaves the state as it is (RCPT, unknown) */
#define F_END 2	 /* the last command of the session */
#define F_DATA 4 /* carries a payload */
#define F_BIG 8	 /* limited by max_frame, not MP_SMALL_FRAME */

struct mp_cmd {
	char cmd;
	int next;
	int flags;
	int (*fn)(SMFICTX *, struct mp_arg *);
};

static const struct mp_cmd cmds[] = {
	{ 'A', MP_ST_ABRT, 0, mp_h_abort },
	{ 'D', MP_ST_NONE, F_DATA, mp_h_macro },
	{ 'B', MP_ST_BODY, F_DATA | F_BIG, mp_h_body },
	{ 'C', MP_ST_CONN, F_DATA, mp_h_connect },
	{ 'E', MP_ST_ENDM, F_BIG, mp_h_eob },
	{ 'H', MP_ST_HELO, F_DATA, mp_h_helo },
	{ 'L', MP_ST_HDRS, F_DATA | F_BIG, mp_h_header },
	{ 'M', MP_ST_MAIL, F_DATA, mp_h_mail },
	{ 'O', MP_ST_OPTS, F_DATA, mp_h_optneg },
	{ 'N', MP_ST_EOHS, 0, mp_h_eoh },
	{ 'Q', MP_ST_QUIT, F_END, mp_h_quit },
	{ 'T', MP_ST_DATA, 0, mp_h_data },
	{ 'R', MP_ST_RCPT, F_DATA | F_IGNO, mp_h_rcpt },
	{ 'U', MP_ST_UNKN, F_DATA | F_IGNO, mp_h_unknown },
	{ 'K', MP_ST_Q_NC, 0, mp_h_quit },
};

/* in_mail - inside a message: an abort is due when it ends abruptly */
static int
in_mail(int st)
{
	return st >= MP_ST_MAIL && st < MP_ST_ENDM;
}

/* find_cmd - the table row of a command byte, or NULL */
static const struct mp_cmd *
find_cmd(char c)
{
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (cmds[i].cmd == c)
			return &cmds[i];
	return NULL;
}

/* trans_ok - may `to` follow `from`, skipping states the MTA leaves out */
static int
trans_ok(const SMFICTX *ctx, int from, int to)
{
	int s = from;

	while (s >= 0 && s < MP_ST_COUNT) {
		if ((next_states[s] & MASK(to)) != 0)
			return 1;
		if (s + 1 >= MP_ST_COUNT || (ctx->skip & MASK(s + 1)) == 0)
			return 0;
		s++;
	}
	return 0;
}

/* mp_skip_states - steps the filter asked the MTA not to send */
void
mp_skip_states(SMFICTX *ctx)
{
	static const struct {
		unsigned long flag;
		int st;
	} map[] = {
		{ SMFIP_NOCONNECT, MP_ST_CONN },
		{ SMFIP_NOHELO, MP_ST_HELO },
		{ SMFIP_NOMAIL, MP_ST_MAIL },
		{ SMFIP_NORCPT, MP_ST_RCPT },
		{ SMFIP_NOHDRS, MP_ST_HDRS },
		{ SMFIP_NOEOH, MP_ST_EOHS },
		{ SMFIP_NOBODY, MP_ST_BODY },
		{ SMFIP_NODATA, MP_ST_DATA },
		{ SMFIP_NOUNKNOWN, MP_ST_UNKN },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if ((ctx->pflags & map[i].flag) != 0)
			ctx->skip |= MASK(map[i].st);
}

/* nr_bit - the no-reply flag of a state, or 0 */
static unsigned long
nr_bit(int st)
{
	switch (st) {
	case MP_ST_CONN:
		return SMFIP_NR_CONN;
	case MP_ST_HELO:
		return SMFIP_NR_HELO;
	case MP_ST_MAIL:
		return SMFIP_NR_MAIL;
	case MP_ST_RCPT:
		return SMFIP_NR_RCPT;
	case MP_ST_DATA:
		return SMFIP_NR_DATA;
	case MP_ST_UNKN:
		return SMFIP_NR_UNKN;
	case MP_ST_HDRS:
		return SMFIP_NR_HDR;
	case MP_ST_EOHS:
		return SMFIP_NR_EOH;
	case MP_ST_BODY:
		return SMFIP_NR_BODY;
	default:
		return 0;
	}
}

/* mp_buf_reserve - room for n more bytes */
static void
mp_buf_reserve(struct mp_buf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 256;

	if (b->len + n <= b->cap)
		return;
	while (cap < b->len + n)
		cap *= 2;
	b->p = xrealloc(b->p, cap);
	b->cap = cap;
}

/* mp_frame - append one frame */
void
mp_frame(struct mp_buf *b, char cmd, const void *data, size_t n)
{
	uint32_t l = htonl((uint32_t)(n + 1));

	mp_buf_reserve(b, n + 5);
	memcpy(b->p + b->len, &l, 4);
	b->p[b->len + 4] = (unsigned char)cmd;
	if (n > 0)
		memcpy(b->p + b->len + 5, data, n);
	b->len += n + 5;
}

/* mp_buf_free - release a buffer */
void
mp_buf_free(struct mp_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* options_reply - the OPTNEG answer, with the macro lists asked for */
static void
options_reply(SMFICTX *ctx)
{
	struct mp_buf b = { 0 };
	uint32_t v[3];
	int i;

	v[0] = htonl((uint32_t)ctx->vers2mta);
	v[1] = htonl((uint32_t)ctx->aflags);
	v[2] = htonl((uint32_t)ctx->pflags2mta);
	mp_buf_reserve(&b, sizeof(v));
	memcpy(b.p, v, sizeof(v));
	b.len = sizeof(v);
	for (i = 0; i < MP_NSTAGES; i++) {
		size_t l;
		uint32_t st = htonl((uint32_t)i);

		if (ctx->symlist[i] == NULL)
			continue;
		l = strlen(ctx->symlist[i]) + 1;
		mp_buf_reserve(&b, 4 + l);
		memcpy(b.p + b.len, &st, 4);
		memcpy(b.p + b.len + 4, ctx->symlist[i], l);
		b.len += 4 + l;
	}
	mp_frame(&ctx->out, 'O', b.p, b.len);
	mp_buf_free(&b);
}

/* reject_reply - 'y' with the text set, when its class fits, else r/t */
static void
reject_reply(SMFICTX *ctx, int r)
{
	char want = r == SMFIS_TEMPFAIL ? '4' : '5';

	if (ctx->reply != NULL && ctx->reply[0] == want) {
		mp_frame(&ctx->out, 'y', ctx->reply, strlen(ctx->reply) + 1);
		free(ctx->reply);
		ctx->reply = NULL;
		return;
	}
	mp_frame(&ctx->out, r == SMFIS_REJECT ? 'r' : 't', NULL, 0);
}

/* send_reply - the reply to a command, as the flags want it */
static void
send_reply(SMFICTX *ctx, int r)
{
	unsigned long bit = nr_bit(ctx->state);

	if (bit != 0 && (ctx->pflags & bit) != 0 && r != SMFIS_NOREPLY) {
		if (r >= SMFIS_CONTINUE && r < MP_R_NONE)
			log_warn("milter %s: a callback replied in state %d "
				 "though no reply was negotiated",
			    ctx->peer, ctx->state);
		if (r != MP_R_ABORT)
			r = SMFIS_NOREPLY;
	}
	switch (r) {
	case SMFIS_CONTINUE:
		mp_frame(&ctx->out, 'c', NULL, 0);
		break;
	case SMFIS_TEMPFAIL:
	case SMFIS_REJECT:
		reject_reply(ctx, r);
		break;
	case SMFIS_DISCARD:
		mp_frame(&ctx->out, 'd', NULL, 0);
		break;
	case SMFIS_ACCEPT:
		mp_frame(&ctx->out, 'a', NULL, 0);
		break;
	case SMFIS_SKIP:
		mp_frame(&ctx->out, 's', NULL, 0);
		break;
	case MP_R_OPTIONS:
		options_reply(ctx);
		break;
	case SMFIS_NOREPLY:
		if (bit != 0 && (ctx->pflags & bit) != 0 &&
		    (ctx->mta_pflags & bit) == 0)
			mp_frame(&ctx->out, 'c', NULL, 0); /* MTA waits */
		break;
	default:
		break;
	}
}

/* proto_error - log what was wrong; the caller closes */
static int
proto_error(SMFICTX *ctx, char cmd, const char *why)
{
	unsigned char c = (unsigned char)cmd;

	if (c >= 0x21 && c < 0x7f)
		log_warn("milter protocol error from %s: command '%c': %s; "
			 "connection closed",
		    ctx->peer, c, why);
	else
		log_warn("milter protocol error from %s: command 0x%02x: %s; "
			 "connection closed",
		    ctx->peer, c, why);
	if (in_mail(ctx->state) && ctx->desc->xxfi_abort != NULL)
		(void)ctx->desc->xxfi_abort(ctx);
	ctx->state = MP_ST_HELO; /* aborted: mp_sess_end only closes */
	return MP_ERR;
}

/* check_order - the command may come now (abort of a message cut short
 * included); 0, 1 ignore it, or -1 */
static int
check_order(SMFICTX *ctx, const struct mp_cmd *c)
{
	if (c->next == MP_ST_NONE || trans_ok(ctx, ctx->state, c->next))
		return 0;
	if (c->cmd == 'A' && !in_mail(ctx->state))
		return 1; /* an abort outside a message: nothing to do */
	if (in_mail(ctx->state) && ctx->desc->xxfi_abort != NULL)
		(void)ctx->desc->xxfi_abort(ctx);
	ctx->state = MP_ST_HELO;
	if (c->next == MP_ST_QUIT || c->next == MP_ST_Q_NC)
		return 0; /* the MTA may end a session at any step */
	return trans_ok(ctx, MP_ST_HELO, c->next) ? 0 : -1;
}

/* after_reply - the state a final answer leaves the session in */
static void
after_reply(SMFICTX *ctx, const struct mp_cmd *c, int r)
{
	if (r == SMFIS_ACCEPT)
		ctx->state = MP_ST_HELO;
	else if ((r == SMFIS_REJECT || r == SMFIS_DISCARD ||
		     r == SMFIS_TEMPFAIL) &&
	    (c->flags & F_IGNO) == 0)
		ctx->state = MP_ST_HELO;
}

/* dispatch - one complete frame */
static int
dispatch(SMFICTX *ctx, char cmd, char *p, size_t n)
{
	const struct mp_cmd *c = find_cmd(cmd);
	struct mp_arg a = { p, n, NULL };
	int r, o;

	if (c == NULL)
		return proto_error(ctx, cmd, "unknown command");
	if (n > 0 && (c->flags & (F_DATA | F_BIG)) == 0)
		return proto_error(ctx, cmd, "unexpected data");
	if ((o = check_order(ctx, c)) != 0)
		return o > 0 ? MP_MORE : proto_error(ctx, cmd, "out of order");
	if (c->next != MP_ST_NONE)
		ctx->state = c->next;
	r = c->fn(ctx, &a);
	if (r == MP_R_ABORT)
		return proto_error(ctx, cmd, a.why ? a.why : "bad data");
	send_reply(ctx, r);
	after_reply(ctx, c, r);
	return (c->flags & F_END) != 0 ? MP_END : MP_MORE;
}

/* frame_len - the length field of the frame at p (4 bytes present) */
static size_t
frame_len(const unsigned char *p)
{
	uint32_t l;

	memcpy(&l, p, 4);
	return ntohl(l);
}

/* mp_sess_need - bytes the first frame needs in all */
size_t
mp_sess_need(const struct mp_buf *in)
{
	return in->len < 4 ? 0 : 4 + frame_len(in->p);
}

/* check_len - the length announced fits the command */
static const char *
check_len(const SMFICTX *ctx, size_t l, const unsigned char *p, size_t have)
{
	const struct mp_cmd *c;

	if (l == 0)
		return "frame length 0";
	if (l - 1 > ctx->max_frame)
		return "frame longer than the limit";
	if (have < 5)
		return NULL;
	c = find_cmd((char)p[4]);
	if (c != NULL && (c->flags & F_BIG) == 0 && l - 1 > MP_SMALL_FRAME)
		return "frame longer than 64 KB";
	return NULL;
}

/* mp_sess_input - every complete frame of `in`, in order */
int
mp_sess_input(SMFICTX *ctx, struct mp_buf *in)
{
	size_t off = 0;
	int rc = MP_MORE;

	while (rc == MP_MORE && in->len - off >= 4) {
		size_t l = frame_len(in->p + off);
		const char *why = check_len(ctx, l, in->p + off, in->len - off);

		if (why != NULL) {
			rc = proto_error(ctx,
			    in->len - off >= 5 ? (char)in->p[off + 4] : '?',
			    why);
			break;
		}
		if (in->len - off < 4 + l)
			break;
		rc = dispatch(ctx, (char)in->p[off + 4],
		    (char *)in->p + off + 5, l - 1);
		off += 4 + l;
	}
	memmove(in->p, in->p + off, in->len - off);
	in->len -= off;
	return rc;
}

/* mp_sess_init - a new session */
void
mp_sess_init(SMFICTX *ctx, const struct smfiDesc *d, size_t max_frame,
    const char *peer)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->desc = d;
	ctx->state = MP_ST_INIT;
	ctx->max_frame = max_frame;
	snprintf(ctx->peer, sizeof(ctx->peer), "%s", peer);
}

/* mp_in_endm - modifications are allowed now */
int
mp_in_endm(const SMFICTX *ctx)
{
	return ctx->state == MP_ST_ENDM;
}

/* mp_sess_end - the connection is over: abort, close */
void
mp_sess_end(SMFICTX *ctx)
{
	if (in_mail(ctx->state) && ctx->desc->xxfi_abort != NULL)
		(void)ctx->desc->xxfi_abort(ctx);
	if (ctx->state != MP_ST_QUIT && ctx->desc->xxfi_close != NULL)
		(void)ctx->desc->xxfi_close(ctx);
	ctx->state = MP_ST_QUIT;
}

/* mp_sess_free - the session's memory */
void
mp_sess_free(SMFICTX *ctx)
{
	int i;

	mp_clr_macros(ctx, 0);
	for (i = 0; i < MP_NSTAGES; i++) {
		free(ctx->symlist[i]);
		ctx->symlist[i] = NULL;
	}
	free(ctx->reply);
	ctx->reply = NULL;
	mp_buf_free(&ctx->out);
}
