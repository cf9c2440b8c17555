/*
 * ctx.h - per-connection and per-message contexts, and their lifecycles.
 *
 * A connection (struct hm_conn) lives from xxfi_connect to xxfi_close and
 * holds a reference to the configuration snapshot current when it opened.
 * A message (struct hm_msg) lives from xxfi_envfrom to eom/abort/close:
 * ctx_msg_free() is the one place its memory is released, whichever way
 * the transaction ends, so no path leaks.
 *
 * Module state: conn->mod[] / msg->mod[] (slot from module.h) are
 * allocated here with the size each module declares and freed here, after
 * the module's conn_free / msg_free hook released what they point to.
 * This file knows no module.
 *
 * The From header is parsed here, once per message (lib/mailaddr.c), and
 * every module reads that one result (ctx_msg_from).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_CTX_H
#define HALLMARK_CTX_H

#include <netinet/in.h>
#include <sys/socket.h>

#include "authres.h"
#include "dns.h"
#include "hdr.h"
#include "mailaddr.h"
#include "results.h"
#include "verdict.h"

#define HM_MOD_MAX 8
/* distinct recipient domains a message keeps (ctx_msg_rcpt) */
#define CTX_RCPT_DOMAINS_MAX 256

struct conf;
struct str;

/* a header a module wants added at the top of the message */
struct hm_addhdr {
	char *name;
	char *value;
};

struct hm_conn {
	struct conf *conf;		/* held snapshot */
	struct sockaddr_storage addr;	/* client address */
	int has_addr;			/* 0: unknown (e.g. local submission) */
	char addrstr[64];		/* printable client address */
	char *hostname;			/* from connect; "[addr]" if unresolved */
	char *helo;			/* last HELO/EHLO argument, or NULL */
	int internal;			/* client in internal_networks */
	int skip_net;			/* client in skip_networks */
	int relay;			/* client in trusted_relays */
	int hdr_leadspc;		/* SMFIP_HDR_LEADSPC negotiated: header
					 * values are exact both ways (see
					 * callbacks.c) */
	int hook_error;			/* a conn/helo hook failed: every
					 * message gets on_internal_error */
	unsigned nmsgs;			/* messages started on this connection */
	struct hm_msg *msg;		/* current message or NULL */
	void *mod[HM_MOD_MAX];		/* per-module connection state */
};

/* the RFC5322.From field, parsed once per message */
struct hm_from {
	unsigned nfield;    /* From fields seen */
	char *value;	    /* the first one's value, or NULL */
	int parsed;	    /* a is filled */
	struct addr_from a; /* addr_from_parse(value): status,
					 * domain, local part */
};

struct hm_msg {
	struct hm_conn *conn;
	struct conf *conf;		/* == conn->conf */
	char qid[64];			/* queue id, or "NOQUEUE" */
	char *envfrom;			/* MAIL FROM address, no <>; "" for <> */
	char *auth_authen;		/* {auth_authen}, or NULL */
	unsigned nrcpt;
	unsigned nrcpt_skip; /* recipients in skip_recipients */
	unsigned nrcpt_noreport; /* recipients in reports.
				  * exclude_recipients (when enabled) */
	char **rcpt_domains; /* the recipients' distinct domains, lower case,
			      * NULL-terminated ("": a recipient without one,
			      * or past CTX_RCPT_DOMAINS_MAX); NULL: none yet */
	size_t nrcpt_domains;
	int decided;	     /* ctx_msg_decide ran */
	const char *skip;    /* why the message is ignored, or NULL
					 * (ctx_msg_decide; points to skipbuf) */
	char skipbuf[320];
	struct hm_header *hdr;		/* headers in order received */
	size_t nhdr, hdrcap;
	size_t hdrbytes;
	unsigned long long bodybytes;
	unsigned nar;			/* A-R headers seen so far */
	unsigned *forged;		/* 1-based A-R instances claiming our
					 * authserv-id, in order seen */
	size_t nforged;
	int hdr_truncated;		/* max_header_bytes reached */
	int internal_error;		/* a module hook failed */
	struct dns_budget budget;	/* per-message DNS time budget */

	/* results, filled by the modules in order */
	struct res_spf_check spf_helo;
	struct res_spf_check spf_mfrom;
	struct res_dkim_sig *dkim;
	size_t ndkim;
	enum res_dmarc dmarc;
	struct hm_from from; /* use ctx_msg_from() */

	struct ar_list ar;		/* Authentication-Results entries */
	struct verdict verdict;
	struct hm_addhdr *add;		/* headers to insert at the top */
	size_t nadd;
	void *mod[HM_MOD_MAX];		/* per-module message state */
	struct str *logq; /* lines kept until a queue id (msglog.c) */
};

struct hm_conn *ctx_conn_new(struct conf *conf);
void ctx_conn_free(struct hm_conn *c);

struct hm_msg *ctx_msg_new(struct hm_conn *c);
/* ctx_msg_free - run every module's msg_free hook, free all; c->msg = NULL */
void ctx_msg_free(struct hm_msg *m);

/* ctx_msg_header - remember one header; returns -1 when max_header_bytes
 * is exceeded (the header is then not stored) */
int ctx_msg_header(struct hm_msg *m, const char *name, const char *value);
/* ctx_msg_addhdr - queue a header to insert at the top (after A-R) */
void ctx_msg_addhdr(struct hm_msg *m, const char *name, const char *value);
/* ctx_msg_trusted - client is internal or SMTP-authenticated: the one
 * "trusted client" rule (outbound mail) */
int ctx_msg_trusted(const struct hm_msg *m);
/* ctx_msg_trusted_by - why: "internal network", "authenticated client",
 * or NULL when the client is not trusted */
const char *ctx_msg_trusted_by(const struct hm_msg *m);
/* ctx_msg_outbound - a trusted client's message handled as outbound mail
 * (authres_outbound = false, the default): signed when the signing table
 * says so, not verified (no SPF, DKIM verify or DMARC: no lookups) and
 * given no Authentication-Results header */
int ctx_msg_outbound(const struct hm_msg *m);
/* ctx_msg_rcpt - one recipient (an envelope address, no <>): counted,
 * matched against skip_recipients, its domain kept in rcpt_domains */
void ctx_msg_rcpt(struct hm_msg *m, const char *rcpt);
/* ctx_msg_decide - once the recipients are known: is the message ignored
 * (skip_networks, skip_senders, or every recipient in skip_recipients)?
 * Sets and returns m->skip (the list that matched, for the log), or NULL.
 * An ignored message runs no module hook and gets no header. */
const char *ctx_msg_decide(struct hm_msg *m);
/* ctx_msg_verify - the inbound checks (SPF, DKIM verify, DMARC) run and
 * an Authentication-Results header is added: not ignored, mode is not
 * "sign", and not outbound (ctx_msg_outbound) */
int ctx_msg_verify(const struct hm_msg *m);
/* ctx_msg_may_sign - signing may run: not ignored, mode is not "verify"
 * (whether it signs is the signing table's business) */
int ctx_msg_may_sign(const struct hm_msg *m);
/* ctx_msg_from - the From field(s), the first one parsed (once, on the
 * first call: call it after the headers) */
const struct hm_from *ctx_msg_from(struct hm_msg *m);

/* ctx_dkim_add - append a DKIM signature result; returns it (zeroed) */
struct res_dkim_sig *ctx_dkim_add(struct hm_msg *m);

#endif
