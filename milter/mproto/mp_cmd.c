/*
 * mp_cmd.c - the commands of the milter protocol, one handler each: the
 * payload is checked (NUL termination, the fields it must have, macro
 * lists in name/value pairs, a known address family) before any
 * callback sees it; a bad one returns MP_R_ABORT with what was wrong in
 * a->why, and the session closes the connection (mp_sess.c).  Handlers
 * return the callback's SMFIS_* result, which the session turns into
 * the reply.
 *
 * Macros are kept per command they precede, as copies, and forgotten
 * from the next stage on when a command of an earlier stage comes (a
 * new MAIL FROM forgets the recipient's macros), as the reference
 * implementation does: smfi_getsymval() sees the same values.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "mp_int.h"
#include "str.h"

#define FAKE_NR \
	(SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL | SMFIP_NR_RCPT | \
	    SMFIP_NR_DATA | SMFIP_NR_UNKN | SMFIP_NR_HDR | SMFIP_NR_EOH | \
	    SMFIP_NR_BODY)
#define INTERNAL_FLAGS 0x70000000UL

/* bad - a protocol error */
static int
bad(struct mp_arg *a, const char *why)
{
	a->why = why;
	return MP_R_ABORT;
}

/* terminated - the payload is non-empty and ends with a NUL */
static int
terminated(const struct mp_arg *a)
{
	return a->n > 0 && a->p[a->n - 1] == '\0';
}

/* count_strings - NUL-terminated strings in a terminated payload */
static size_t
count_strings(const char *p, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (p[i] == '\0')
			k++;
	return k;
}

/* split - argv of the k strings of a terminated payload, NULL-ended */
static char **
split(char *p, size_t n, size_t k)
{
	char **v = xcalloc(k + 1, sizeof(*v));
	size_t i, j = 0;

	if (k == 0)
		return v; /* an empty list: NULL only */
	v[j++] = p;
	for (i = 0; i + 1 < n && j < k; i++)
		if (p[i] == '\0')
			v[j++] = p + i + 1;
	return v;
}

/* mp_clr_macros - forget slots from..MP_CI_EOM */
void
mp_clr_macros(SMFICTX *ctx, int from)
{
	int i;

	for (i = from < 0 ? 0 : from; i < MP_NSTAGES; i++) {
		free(ctx->mac[i].argv);
		free(ctx->mac[i].buf);
		ctx->mac[i].argv = NULL;
		ctx->mac[i].buf = NULL;
	}
}

/* get32 - a 32-bit field in network order */
static unsigned long
get32(const char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return ntohl(v);
}

/* negotiate - the filter's choice among what the MTA offers */
static int
negotiate(SMFICTX *ctx, struct mp_arg *a)
{
	const struct smfiDesc *d = ctx->desc;
	unsigned long af = ctx->mta_aflags, pf = ctx->pflags, f2 = 0, f3 = 0;
	int r;

	if ((ctx->mta_pflags & SMFIP_SKIP) != 0)
		pf |= SMFIP_SKIP;
	r = d->xxfi_negotiate(ctx, ctx->mta_aflags, ctx->mta_pflags | FAKE_NR,
	    0, 0, &af, &pf, &f2, &f3);
	if (r == SMFIS_ALL_OPTS) {
		ctx->aflags = ctx->mta_aflags;
		ctx->pflags2mta = ctx->pflags | (ctx->mta_pflags & SMFIP_SKIP);
	} else if (r != SMFIS_CONTINUE) {
		return bad(a, "the filter refused the options offered");
	} else {
		ctx->aflags = af;
		ctx->pflags = ctx->pflags2mta = pf;
	}
	/* no-reply flags the MTA lacks are faked (mp_sess.c send_reply) */
	ctx->pflags2mta &= ~(FAKE_NR & ~ctx->mta_pflags);
	return SMFIS_CONTINUE;
}

/* default_pflags - steps without a callback need not be sent */
static unsigned long
default_pflags(const struct smfiDesc *d)
{
	unsigned long f = 0;

	f |= d->xxfi_connect ? 0 : SMFIP_NOCONNECT;
	f |= d->xxfi_helo ? 0 : SMFIP_NOHELO;
	f |= d->xxfi_envfrom ? 0 : SMFIP_NOMAIL;
	f |= d->xxfi_envrcpt ? 0 : SMFIP_NORCPT;
	f |= d->xxfi_header ? 0 : SMFIP_NOHDRS;
	f |= d->xxfi_eoh ? 0 : SMFIP_NOEOH;
	f |= d->xxfi_body ? 0 : SMFIP_NOBODY;
	f |= d->xxfi_data ? 0 : SMFIP_NODATA;
	f |= d->xxfi_unknown ? 0 : SMFIP_NOUNKNOWN;
	return f;
}

/* mp_h_optneg - 'O': version, actions, protocol flags */
int
mp_h_optneg(SMFICTX *ctx, struct mp_arg *a)
{
	unsigned long v, m;

	mp_clr_macros(ctx, 0);
	if (a->n < 12)
		return bad(a, "options shorter than 12 bytes");
	v = get32(a->p);
	if (v < 2)
		return bad(a, "protocol version below 2");
	ctx->vers2mta = v < SMFI_PROT_VERSION ? v : SMFI_PROT_VERSION;
	ctx->mta_aflags = get32(a->p + 4) ? get32(a->p + 4) : 0x0F;
	m = get32(a->p + 8);
	ctx->mta_pflags = (m ? m : 0x3F) & ~INTERNAL_FLAGS;
	ctx->aflags = ctx->desc->xxfi_flags;
	ctx->pflags = ctx->pflags2mta = default_pflags(ctx->desc);
	if (ctx->desc->xxfi_negotiate != NULL && negotiate(ctx, a) != 0)
		return MP_R_ABORT;
	if ((ctx->aflags & ctx->mta_aflags) != ctx->aflags)
		return bad(a, "the MTA does not offer the actions we need");
	if ((ctx->mta_pflags & SMFIP_NODATA) == 0)
		ctx->pflags2mta &= ~SMFIP_NODATA;
	if ((ctx->mta_pflags & SMFIP_NOUNKNOWN) == 0)
		ctx->pflags2mta &= ~SMFIP_NOUNKNOWN;
	if ((ctx->mta_pflags & ctx->pflags2mta) != ctx->pflags2mta)
		return bad(a, "the MTA does not offer the protocol we need");
	ctx->pflags2mta &= ~INTERNAL_FLAGS;
	mp_skip_states(ctx);
	return MP_R_OPTIONS;
}

/* macro_slot - the slot of a macro packet's command, or -1 */
static int
macro_slot(char c)
{
	switch (c) {
	case 'C':
		return MP_CI_CONN;
	case 'H':
		return MP_CI_HELO;
	case 'M':
		return MP_CI_MAIL;
	case 'R':
		return MP_CI_RCPT;
	case 'T':
		return MP_CI_DATA;
	case 'E':
		return MP_CI_EOM;
	case 'N':
		return MP_CI_EOH;
	default:
		return -1;
	}
}

/* mp_h_macro - 'D': the macros for the next command, in pairs */
int
mp_h_macro(SMFICTX *ctx, struct mp_arg *a)
{
	struct mp_arg rest;
	size_t k;
	int i;

	if (a->n < 1)
		return bad(a, "macro packet without a command");
	rest.p = a->p + 1;
	rest.n = a->n - 1;
	if (rest.n > 0 && !terminated(&rest))
		return bad(a, "macro packet not NUL-terminated");
	k = count_strings(rest.p, rest.n);
	if (k % 2 != 0)
		return bad(a,
		    "macro packet with an odd number of strings "
		    "(a name without a value)");
	if ((i = macro_slot(a->p[0])) < 0)
		return MP_R_NONE; /* a stage we do not know: ignored */
	free(ctx->mac[i].argv);
	free(ctx->mac[i].buf);
	ctx->mac[i].buf = xmemdup0(rest.p, rest.n);
	ctx->mac[i].argv = split(ctx->mac[i].buf, rest.n, k);
	return MP_R_NONE;
}

/* parse_addr - the client address of a connect packet */
static int
parse_addr(char fam, const char *s, unsigned short port,
    struct sockaddr_storage *ss)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_un *un = (struct sockaddr_un *)ss;

	memset(ss, 0, sizeof(*ss));
	if (fam == '4' && inet_pton(AF_INET, s, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = port;
		return 0;
	}
	if (fam == '6' && inet_pton(AF_INET6, s, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = port;
		return 0;
	}
	if (fam == 'L' && strlen(s) < sizeof(un->sun_path)) {
		un->sun_family = AF_UNIX;
		memcpy(un->sun_path, s, strlen(s) + 1);
		return 0;
	}
	return -1;
}

/* mp_h_connect - 'C': host name, family, port, address */
int
mp_h_connect(SMFICTX *ctx, struct mp_arg *a)
{
	struct sockaddr_storage ss;
	size_t hl = strnlen(a->p, a->n);
	unsigned short port;
	char fam;

	mp_clr_macros(ctx, MP_CI_CONN + 1);
	if (hl + 1 >= a->n)
		return bad(a, "connect packet without an address family");
	fam = a->p[hl + 1];
	if (fam == 'U')
		return ctx->desc->xxfi_connect ?
		    ctx->desc->xxfi_connect(ctx, a->p, NULL) :
		    SMFIS_CONTINUE;
	if (hl + 4 >= a->n || !terminated(a))
		return bad(a,
		    "connect packet: address missing or not "
		    "NUL-terminated");
	memcpy(&port, a->p + hl + 2, 2);
	if (strlen(a->p + hl + 4) != a->n - hl - 5 ||
	    parse_addr(fam, a->p + hl + 4, port, &ss) < 0)
		return bad(a, "connect packet: bad address or family");
	return ctx->desc->xxfi_connect ?
	    ctx->desc->xxfi_connect(ctx, a->p, (struct sockaddr *)&ss) :
	    SMFIS_CONTINUE;
}

/* mp_h_helo - 'H': the HELO name */
int
mp_h_helo(SMFICTX *ctx, struct mp_arg *a)
{
	mp_clr_macros(ctx, MP_CI_HELO + 1);
	if (!terminated(a))
		return bad(a, "HELO name not NUL-terminated");
	return ctx->desc->xxfi_helo ? ctx->desc->xxfi_helo(ctx, a->p) :
				      SMFIS_CONTINUE;
}

/* envelope - MAIL or RCPT: the address and its ESMTP parameters */
static int
envelope(SMFICTX *ctx, struct mp_arg *a, sfsistat (*fn)(SMFICTX *, char **))
{
	char **argv;
	int r;

	if (!terminated(a))
		return bad(a, "envelope address not NUL-terminated");
	if (fn == NULL)
		return SMFIS_CONTINUE;
	argv = split(a->p, a->n, count_strings(a->p, a->n));
	r = fn(ctx, argv);
	free(argv);
	return r;
}

/* mp_h_mail - 'M' */
int
mp_h_mail(SMFICTX *ctx, struct mp_arg *a)
{
	mp_clr_macros(ctx, MP_CI_MAIL + 1);
	return envelope(ctx, a, ctx->desc->xxfi_envfrom);
}

/* mp_h_rcpt - 'R' */
int
mp_h_rcpt(SMFICTX *ctx, struct mp_arg *a)
{
	mp_clr_macros(ctx, MP_CI_RCPT + 1);
	return envelope(ctx, a, ctx->desc->xxfi_envrcpt);
}

/* mp_h_data - 'T' */
int
mp_h_data(SMFICTX *ctx, struct mp_arg *a)
{
	(void)a;
	return ctx->desc->xxfi_data ? ctx->desc->xxfi_data(ctx) :
				      SMFIS_CONTINUE;
}

/* mp_h_header - 'L': name and value (bytes after the value's NUL are
 * not looked at, as in the reference implementation) */
int
mp_h_header(SMFICTX *ctx, struct mp_arg *a)
{
	size_t nl;

	if (!terminated(a))
		return bad(a, "header not NUL-terminated");
	nl = strlen(a->p);
	if (nl == 0)
		return bad(a, "header with an empty name");
	if (nl + 1 >= a->n)
		return bad(a, "header without a value");
	return ctx->desc->xxfi_header ?
	    ctx->desc->xxfi_header(ctx, a->p, a->p + nl + 1) :
	    SMFIS_CONTINUE;
}

/* mp_h_eoh - 'N' */
int
mp_h_eoh(SMFICTX *ctx, struct mp_arg *a)
{
	(void)a;
	return ctx->desc->xxfi_eoh ? ctx->desc->xxfi_eoh(ctx) : SMFIS_CONTINUE;
}

/* mp_h_body - 'B': one chunk, not empty */
int
mp_h_body(SMFICTX *ctx, struct mp_arg *a)
{
	if (a->n == 0)
		return bad(a, "empty body chunk");
	return ctx->desc->xxfi_body ?
	    ctx->desc->xxfi_body(ctx, (unsigned char *)a->p, a->n) :
	    SMFIS_CONTINUE;
}

/* mp_h_eob - 'E': end of message, with an optional last chunk; a chunk
 * callback that returns no reply does not skip end of message */
int
mp_h_eob(SMFICTX *ctx, struct mp_arg *a)
{
	int r = SMFIS_CONTINUE;

	if (a->n > 0 && ctx->desc->xxfi_body != NULL)
		r = ctx->desc->xxfi_body(ctx, (unsigned char *)a->p, a->n);
	if (r != SMFIS_CONTINUE && r != SMFIS_NOREPLY)
		return r;
	return ctx->desc->xxfi_eom ? ctx->desc->xxfi_eom(ctx) : SMFIS_CONTINUE;
}

/* mp_h_abort - 'A' */
int
mp_h_abort(SMFICTX *ctx, struct mp_arg *a)
{
	(void)a;
	if (ctx->desc->xxfi_abort != NULL)
		(void)ctx->desc->xxfi_abort(ctx);
	return MP_R_NONE;
}

/* mp_h_quit - 'Q' and 'K' (a new SMTP session may follow) */
int
mp_h_quit(SMFICTX *ctx, struct mp_arg *a)
{
	(void)a;
	if (ctx->desc->xxfi_close != NULL)
		(void)ctx->desc->xxfi_close(ctx);
	mp_clr_macros(ctx, 0);
	return MP_R_NONE;
}

/* mp_h_unknown - 'U': an SMTP command the MTA does not know */
int
mp_h_unknown(SMFICTX *ctx, struct mp_arg *a)
{
	if (!terminated(a))
		return bad(a, "unknown command not NUL-terminated");
	return ctx->desc->xxfi_unknown ? ctx->desc->xxfi_unknown(ctx, a->p) :
					 SMFIS_CONTINUE;
}
