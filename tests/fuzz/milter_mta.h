/*
 * milter_mta.h - the MTA's side of the milter protocol, in process: what
 * fuzz_message.c and the message-case runner (tests/cases/run-inproc.c)
 * share to drive hallmark's real callbacks (callbacks.c, through
 * cb_desc()) without libmilter and without an MTA.
 *
 * The smfi_* functions below replace libmilter's: they hold the private
 * pointer, give the macros {i} and {auth_authen}, and record what hallmark
 * asks of the MTA (the reply, the headers inserted, the forged A-R headers
 * removed, the quarantine).  Each checks what a real MTA would refuse (an
 * edit outside the end of the message, a reply that is not 4xx/5xx, a
 * header value with a line break, a macro list without the queue id...)
 * and that our A-R header reads back (ar_parse.h) as exactly the message's
 * results, and aborts with the failed condition (MTA_CHECK), so both users
 * report it.
 *
 * mta_connect, mta_transaction and mta_close play one connection the way
 * Postfix does: negotiate (everything offered), connect, HELO, then per
 * message MAIL FROM, RCPT, each header, end of headers, the body, and end
 * of message (or abort).  Header blocks are text (fuzz_msg.h's
 * fuzz_headers: folded lines joined by a bare LF, as Postfix hands them).
 * Everything here is static: each program includes it once.
 */
#ifndef HALLMARK_MILTER_MTA_H
#define HALLMARK_MILTER_MTA_H

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "milter_api.h"

#include "ar_parse.h"
#include "authres.h"
#include "callbacks.h"
#include "conf_table.h"
#include "ctx.h"
#include "fuzz_msg.h"
#include "str.h"

/* MTA_CHECK - abort with the failed condition when an invariant breaks */
#define MTA_CHECK(cond) FUZZ_CHECK(cond)

/* MTA_STEP - a callback that never decides: it continues, or (when the
 * MTA was told not to wait for replies, SMFIP_NR_*) returns no reply */
#define MTA_STEP(call) \
	do { \
		sfsistat rc_ = (call); \
		MTA_CHECK(rc_ == SMFIS_CONTINUE || rc_ == SMFIS_NOREPLY); \
	} while (0)

/* the MTA's side of one connection */
struct smfi_str {
	void *priv;
	const char *qid;	 /* {i}, or NULL */
	const char *auth;	 /* {auth_authen}, or NULL */
	const char *authserv_id; /* our A-R headers must carry it */
	unsigned nar;		 /* A-R headers the MTA received */
	unsigned ar_inserted;	 /* our A-R headers inserted */
	unsigned last_removed;	 /* last forged index removed */
	int replied;		 /* smfi_setreply called */
	int quarantined;	 /* smfi_quarantine called */
	char reply[1024];	 /* "550 5.7.1 text" */
	char reason[512];	 /* the quarantine reason */
	struct str added;	 /* inserted "Name: value\n", unfolded */
};

/* ---- libmilter, as the MTA would answer ------------------------------ */

void *
smfi_getpriv(SMFICTX *ctx)
{
	return ctx->priv;
}

int
smfi_setpriv(SMFICTX *ctx, void *priv)
{
	ctx->priv = priv;
	return MI_SUCCESS;
}

char *
smfi_getsymval(SMFICTX *ctx, char *name)
{
	if (strcmp(name, "i") == 0)
		return (char *)ctx->qid;
	if (strcmp(name, "{auth_authen}") == 0)
		return (char *)ctx->auth;
	return NULL;
}

/* smfi_setsymlist - only in negotiation: a known stage, a list that has
 * the queue id (every macro hallmark reads must be asked for) */
int
smfi_setsymlist(SMFICTX *ctx, int stage, char *list)
{
	MTA_CHECK(ctx != NULL && ctx->priv == NULL && list != NULL);
	MTA_CHECK(stage >= SMFIM_CONNECT && stage <= SMFIM_EOH);
	MTA_CHECK(strncmp(list, "i", 1) == 0);
	if (stage == SMFIM_ENVFROM)
		MTA_CHECK(strstr(list, "{auth_authen}") != NULL);
	return MI_SUCCESS;
}

/* mta_ar_reads_back - our A-R header reads (ar_parse.h, a parser of the
 * tests' own) as exactly the message's results, in order, and a reader
 * that splits on ';' finds as many */
static void
mta_ar_reads_back(SMFICTX *ctx, const char *value)
{
	const struct ar_list *l = &((struct hm_conn *)ctx->priv)->msg->ar;
	struct arp a;
	size_t i, semis = 0;

	if (arp_parse(value, &a) != 0) {
		fprintf(stderr, "A-R unparsable at '%s': %s\n", a.err, value);
		MTA_CHECK(0);
	}
	MTA_CHECK(a.n == l->n && a.none == (l->n == 0));
	for (i = 0; i < l->n; i++) {
		MTA_CHECK(strcmp(a.r[i].method, l->v[i].method) == 0);
		MTA_CHECK(strcmp(a.r[i].result, l->v[i].result) == 0);
	}
	for (; *value != '\0'; value++)
		semis += *value == ';';
	MTA_CHECK(semis == (l->n > 0 ? l->n : 1));
}

/* mta_no_hook_failed - the invariant checked while the message is alive */
static void
mta_no_hook_failed(SMFICTX *ctx)
{
	struct hm_conn *c = ctx->priv;

	MTA_CHECK(c != NULL && c->msg != NULL);
	MTA_CHECK(!c->msg->internal_error);
}

int
smfi_setreply(SMFICTX *ctx, char *rcode, char *xcode, char *text)
{
	mta_no_hook_failed(ctx);
	MTA_CHECK(rcode != NULL && (rcode[0] == '4' || rcode[0] == '5'));
	MTA_CHECK(strlen(rcode) == 3 && xcode != NULL && xcode[0] == rcode[0]);
	MTA_CHECK(text != NULL && strchr(text, '\n') == NULL &&
	    strchr(text, '\r') == NULL);
	ctx->replied = 1;
	snprintf(ctx->reply, sizeof(ctx->reply), "%s %s %s", rcode, xcode,
	    text);
	return MI_SUCCESS;
}

int
smfi_chgheader(SMFICTX *ctx, char *name, int idx, char *value)
{
	mta_no_hook_failed(ctx);
	MTA_CHECK(strcmp(name, "Authentication-Results") == 0);
	MTA_CHECK(value == NULL && idx >= 1 && (unsigned)idx <= ctx->nar);
	MTA_CHECK(ctx->last_removed == 0 || (unsigned)idx < ctx->last_removed);
	ctx->last_removed = (unsigned)idx;
	return MI_SUCCESS;
}

/* mta_add_unfolded - "name: value\n" to out, the value unfolded (each
 * line break and the white space after it become one space) */
static void
mta_add_unfolded(struct str *out, const char *name, const char *value)
{
	const char *p;

	str_add(out, name);
	str_add(out, ": ");
	for (p = value; *p != '\0'; p++) {
		if (*p == '\r')
			continue;
		if (*p != '\n') {
			str_addc(out, *p);
			continue;
		}
		while (p[1] == ' ' || p[1] == '\t')
			p++;
		str_addc(out, ' ');
	}
	str_addc(out, '\n');
}

int
smfi_insheader(SMFICTX *ctx, int idx, char *name, char *value)
{
	char id[64];

	mta_no_hook_failed(ctx);
	MTA_CHECK(idx == 0 && name != NULL && value != NULL);
	MTA_CHECK(name[0] != '\0' && strchr(name, ':') == NULL);
	if (strcmp(name, "Authentication-Results") == 0) {
		MTA_CHECK(authres_authserv_id(value, id, sizeof(id)) == 0);
		MTA_CHECK(ctx->authserv_id == NULL ||
		    strcmp(id, ctx->authserv_id) == 0);
		mta_ar_reads_back(ctx, value);
		ctx->ar_inserted++;
	}
	mta_add_unfolded(&ctx->added, name, value);
	return MI_SUCCESS;
}

int
smfi_quarantine(SMFICTX *ctx, char *reason)
{
	mta_no_hook_failed(ctx);
	MTA_CHECK(reason != NULL && strchr(reason, '\n') == NULL);
	ctx->quarantined = 1;
	snprintf(ctx->reason, sizeof(ctx->reason), "%s", reason);
	return MI_SUCCESS;
}

/* ---- one connection ---------------------------------------------------- */

/* one message as the MTA hands it over */
struct mta_msg {
	const char *mailfrom;	   /* without <>; "" for the null sender */
	const char *rcpt;	   /* without <>; NULL: no RCPT */
	const char *headers;	   /* the header block, "Name: value" lines */
	const unsigned char *body; /* as sent (CRLF line ends) */
	size_t bodylen;
};

/* mta_client_addr - the client address from text (IPv4 192.0.2.1 when
 * it does not parse) */
static void
mta_client_addr(struct sockaddr_storage *ss, const char *ip)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET6, ip, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
	} else {
		sin->sin_family = AF_INET;
		if (inet_pton(AF_INET, ip, &sin->sin_addr) != 1)
			inet_pton(AF_INET, "192.0.2.1", &sin->sin_addr);
	}
}

struct mta_hdr_arg {
	struct smfiDesc *d;
	SMFICTX *ctx;
};

/* mta_one_header - the MTA passes one header field */
static void
mta_one_header(char *name, char *value, void *arg)
{
	struct mta_hdr_arg *a = arg;

	if (str_casecmp(name, "Authentication-Results") == 0)
		a->ctx->nar++;
	MTA_STEP(a->d->xxfi_header(a->ctx, name, value));
}

/* mta_negotiate - offer everything, as Postfix does; hallmark must keep
 * the actions it needs and ask only for steps the MTA offered */
static void
mta_negotiate(struct smfiDesc *d, SMFICTX *ctx)
{
	unsigned long f1 = SMFIP_NR_HELO | SMFIP_NR_MAIL | SMFIP_NR_RCPT |
	    SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY | SMFIP_NODATA |
	    SMFIP_NOUNKNOWN | SMFIP_NOHELO | SMFIP_NOHDRS;
	unsigned long p0 = 0, p1 = 0, p2 = 0, p3 = 0;

	if (d->xxfi_negotiate == NULL)
		return;
	MTA_CHECK(d->xxfi_negotiate(ctx, 0x1ff, f1, 0, 0, &p0, &p1, &p2, &p3) ==
	    SMFIS_CONTINUE);
	MTA_CHECK((p0 & (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE)) ==
	    (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE));
	MTA_CHECK((p1 & ~f1) == 0);
	/* hallmark needs HELO and the headers */
	MTA_CHECK((p1 & (SMFIP_NOHELO | SMFIP_NOHDRS)) == 0);
}

/* mta_connect - negotiate, connect from ip (NULL: no address), HELO helo
 * (NULL: none); ctx zeroed first but for qid, auth and authserv_id */
static void
mta_connect(struct smfiDesc *d, SMFICTX *ctx, const char *ip, const char *helo)
{
	struct sockaddr_storage ss;
	char host[] = "client.example";

	ctx->priv = NULL;
	str_init(&ctx->added);
	mta_negotiate(d, ctx);
	if (ip != NULL)
		mta_client_addr(&ss, ip);
	MTA_CHECK(d->xxfi_connect(ctx, host,
		      ip == NULL ? NULL : (_SOCK_ADDR *)&ss) == SMFIS_CONTINUE);
	MTA_CHECK(ctx->priv != NULL);
	if (helo != NULL)
		MTA_STEP(d->xxfi_helo(ctx, (char *)helo));
}

/* mta_transaction - MAIL FROM .. headers; then (stage) 2: the whole body
 * and end of message, 1: part of the body and abort, 0: nothing more (the
 * close follows).  Returns what end of message returned (stage 2), else
 * SMFIS_CONTINUE.  A completed message must get an explicit verdict:
 * CONTINUE with our A-R header inserted once (none on outbound mail: an
 * internal or authenticated client while authres_outbound is false), or
 * REJECT/TEMPFAIL with a 4xx/5xx reply and no A-R. */
static sfsistat
mta_transaction(struct smfiDesc *d, SMFICTX *ctx, const struct mta_msg *m,
    int stage)
{
	char *from = xasprintf("<%s>", m->mailfrom);
	char *rcpt = m->rcpt ? xasprintf("<%s>", m->rcpt) : NULL;
	char *argv[2] = { from, NULL }, *rargv[2] = { rcpt, NULL };
	size_t a = m->bodylen / 3;
	struct mta_hdr_arg ha = { d, ctx };
	struct hm_conn *c = ctx->priv;
	int outbound = !c->conf->authres_outbound &&
	    (c->internal || (ctx->auth != NULL && *ctx->auth != '\0'));
	sfsistat rc = SMFIS_CONTINUE;

	ctx->nar = ctx->ar_inserted = ctx->last_removed = 0;
	ctx->replied = ctx->quarantined = 0;
	ctx->reply[0] = ctx->reason[0] = '\0';
	str_reset(&ctx->added);
	MTA_STEP(d->xxfi_envfrom(ctx, argv));
	if (rcpt != NULL)
		MTA_STEP(d->xxfi_envrcpt(ctx, rargv));
	fuzz_headers(m->headers, mta_one_header, &ha);
	MTA_STEP(d->xxfi_eoh(ctx));
	if (stage >= 1 && a > 0)
		MTA_STEP(d->xxfi_body(ctx, (unsigned char *)m->body, a));
	if (stage == 1)
		MTA_CHECK(d->xxfi_abort(ctx) == SMFIS_CONTINUE);
	if (stage == 2) {
		if (m->bodylen > a)
			MTA_STEP(d->xxfi_body(ctx, (unsigned char *)m->body + a,
			    m->bodylen - a));
		rc = d->xxfi_eom(ctx);
		MTA_CHECK(rc == SMFIS_CONTINUE || rc == SMFIS_REJECT ||
		    rc == SMFIS_TEMPFAIL);
		if (rc == SMFIS_CONTINUE)
			MTA_CHECK(ctx->ar_inserted == !outbound);
		else
			MTA_CHECK(ctx->replied && ctx->ar_inserted == 0);
		MTA_CHECK(((struct hm_conn *)ctx->priv)->msg == NULL);
	}
	free(from);
	free(rcpt);
	return rc;
}

/* mta_close - close the connection: nothing may be left behind */
static void
mta_close(struct smfiDesc *d, SMFICTX *ctx)
{
	MTA_CHECK(d->xxfi_close(ctx) == SMFIS_CONTINUE);
	MTA_CHECK(ctx->priv == NULL && cb_inflight() == 0);
	str_free(&ctx->added);
}

#endif
