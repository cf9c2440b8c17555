/*
 * mg_client.h - the MTA side of the milter protocol (version 6) for
 * miltergen, the way Postfix speaks it: option negotiation offering every
 * action and protocol flag Postfix offers, then only the steps the milter
 * wants, replies read only where it asked for them, SMFIR_SKIP honoured.
 *
 * One struct mg_sess is one connection, owned by one thread.  Errors come
 * back as -(enum err + 1): the caller counts them and reconnects.  Read and
 * write timeouts (--timeout) keep a stalled milter from hanging a thread.
 */
#ifndef MG_CLIENT_H
#define MG_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "miltergen.h"

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

struct mg_sess {
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

/* mg_client_open - connect to --socket, negotiate, send connect info and
 * HELO; 0 or -(err+1).  s->buf (MG_MAXREPLY bytes) and s->id are the
 * caller's */
int mg_client_open(struct mg_sess *s);
/* mg_client_close - QUIT (if polite) and close; s->fd = -1 */
void mg_client_close(struct mg_sess *s, int polite);
/* mg_client_send - one message on an open session: envelope, headers,
 * body, end of message; counts the modifications in st; a verdict
 * (enum verdict) or -(err+1).  *held is the thread's --hold flag */
int mg_client_send(struct mg_sess *s, const struct mg_msg *m,
    struct mg_stats *st, int *held);

#endif
