/*
 * ctx.h - per-connection and per-message contexts, and their lifecycles.
 *
 * A connection (struct hm_conn) lives from xxfi_connect to xxfi_close and
 * holds a reference to the configuration snapshot current when it opened.
 * A message (struct hm_msg) lives from xxfi_envfrom to eom/abort/close:
 * ctx_msg_free() is the one place its memory is released, whichever way
 * the transaction ends, so no path leaks.
 *
 * Modules keep their own state in conn->mod[] / msg->mod[] (index from
 * module.h) and free it in their conn_free / msg_free hooks.
 */
#ifndef HALLMARK_CTX_H
#define HALLMARK_CTX_H

#include <netinet/in.h>
#include <sys/socket.h>

#include "authres.h"
#include "dns.h"
#include "results.h"
#include "verdict.h"

#define HM_MOD_MAX 8

struct conf;
struct str;

struct hm_header {
	char *name;
	char *value;		/* as received from the MTA (folded, CRLF
				 * or LF line ends as the MTA sends them):
				 * the text after the colon byte for byte
				 * when conn->hdr_leadspc, else less the
				 * one space the MTA removed */
};

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
	int hdr_leadspc;		/* SMFIP_HDR_LEADSPC negotiated: header
					 * values are exact both ways (see
					 * callbacks.c) */
	unsigned nmsgs;			/* messages started on this connection */
	struct hm_msg *msg;		/* current message or NULL */
	void *mod[HM_MOD_MAX];		/* per-module connection state */
};

struct hm_msg {
	struct hm_conn *conn;
	struct conf *conf;		/* == conn->conf */
	char qid[64];			/* queue id, or "NOQUEUE" */
	char *envfrom;			/* MAIL FROM address, no <>; "" for <> */
	char *auth_authen;		/* {auth_authen}, or NULL */
	unsigned nrcpt;
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
	char *from_domain;		/* RFC5322.From domain, when one */

	struct ar_list ar;		/* Authentication-Results entries */
	struct verdict verdict;
	struct hm_addhdr *add;		/* headers to insert at the top */
	size_t nadd;
	void *mod[HM_MOD_MAX];		/* per-module message state */
	struct str *logq;		/* lines kept until a queue id (msglog.c) */
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
/* ctx_msg_trusted - client is internal or SMTP-authenticated */
int ctx_msg_trusted(const struct hm_msg *m);

/* ctx_dkim_add - append a DKIM signature result; returns it (zeroed) */
struct res_dkim_sig *ctx_dkim_add(struct hm_msg *m);
void ctx_spf_clear(struct res_spf_check *r);

#endif
