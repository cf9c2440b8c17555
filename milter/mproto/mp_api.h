/*
 * mp_api.h - the part of the libmilter API that hallmark uses, as
 * hallmark's own milter protocol engine (milter/mproto) provides it:
 * the same type names, constants (the protocol values of milter protocol
 * version 6, as Postfix and Sendmail speak it) and function signatures
 * as Sendmail's <libmilter/mfapi.h>, so that callbacks written for
 * libmilter run unchanged.
 *
 * What differs from libmilter is documented in README.md ("The milter
 * protocol engine"): every packet is validated (lengths, NUL
 * termination, macro lists in pairs, command order) and a bad one
 * closes only its connection, with a log line.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_MP_API_H
#define HALLMARK_MP_API_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#define SMFI_VERSION 0x01000001 /* the libmilter API level we offer */
#define SMFI_PROT_VERSION 6	/* milter protocol version */

#ifndef _SOCK_ADDR
#define _SOCK_ADDR struct sockaddr
#endif

#define MI_SUCCESS 0
#define MI_FAILURE (-1)

typedef struct smfi_str SMFICTX;
typedef struct smfi_str *SMFICTX_PTR;
typedef int sfsistat;

/* callback results */
#define SMFIS_CONTINUE 0
#define SMFIS_REJECT 1
#define SMFIS_DISCARD 2
#define SMFIS_ACCEPT 3
#define SMFIS_TEMPFAIL 4
#define SMFIS_NOREPLY 7
#define SMFIS_SKIP 8
#define SMFIS_ALL_OPTS 10

/* actions the filter may take (xxfi_flags) */
#define SMFIF_NONE 0x00000000L
#define SMFIF_ADDHDRS 0x00000001L
#define SMFIF_CHGBODY 0x00000002L
#define SMFIF_ADDRCPT 0x00000004L
#define SMFIF_DELRCPT 0x00000008L
#define SMFIF_CHGHDRS 0x00000010L
#define SMFIF_QUARANTINE 0x00000020L
#define SMFIF_CHGFROM 0x00000040L
#define SMFIF_ADDRCPT_PAR 0x00000080L
#define SMFIF_SETSYMLIST 0x00000100L

/* protocol stages for smfi_setsymlist */
#define SMFIM_CONNECT 0
#define SMFIM_HELO 1
#define SMFIM_ENVFROM 2
#define SMFIM_ENVRCPT 3
#define SMFIM_DATA 4
#define SMFIM_EOM 5
#define SMFIM_EOH 6

/* protocol flags */
#define SMFIP_NOCONNECT 0x00000001L
#define SMFIP_NOHELO 0x00000002L
#define SMFIP_NOMAIL 0x00000004L
#define SMFIP_NORCPT 0x00000008L
#define SMFIP_NOBODY 0x00000010L
#define SMFIP_NOHDRS 0x00000020L
#define SMFIP_NOEOH 0x00000040L
#define SMFIP_NR_HDR 0x00000080L
#define SMFIP_NOUNKNOWN 0x00000100L
#define SMFIP_NODATA 0x00000200L
#define SMFIP_SKIP 0x00000400L
#define SMFIP_RCPT_REJ 0x00000800L
#define SMFIP_NR_CONN 0x00001000L
#define SMFIP_NR_HELO 0x00002000L
#define SMFIP_NR_MAIL 0x00004000L
#define SMFIP_NR_RCPT 0x00008000L
#define SMFIP_NR_DATA 0x00010000L
#define SMFIP_NR_UNKN 0x00020000L
#define SMFIP_NR_EOH 0x00040000L
#define SMFIP_NR_BODY 0x00080000L
#define SMFIP_HDR_LEADSPC 0x00100000L

/* one filter: its name, API level, actions and callbacks */
struct smfiDesc {
	char *xxfi_name;
	int xxfi_version;
	unsigned long xxfi_flags;
	sfsistat (*xxfi_connect)(SMFICTX *, char *, _SOCK_ADDR *);
	sfsistat (*xxfi_helo)(SMFICTX *, char *);
	sfsistat (*xxfi_envfrom)(SMFICTX *, char **);
	sfsistat (*xxfi_envrcpt)(SMFICTX *, char **);
	sfsistat (*xxfi_header)(SMFICTX *, char *, char *);
	sfsistat (*xxfi_eoh)(SMFICTX *);
	sfsistat (*xxfi_body)(SMFICTX *, unsigned char *, size_t);
	sfsistat (*xxfi_eom)(SMFICTX *);
	sfsistat (*xxfi_abort)(SMFICTX *);
	sfsistat (*xxfi_close)(SMFICTX *);
	sfsistat (*xxfi_unknown)(SMFICTX *, const char *);
	sfsistat (*xxfi_data)(SMFICTX *);
	sfsistat (*xxfi_negotiate)(SMFICTX *, unsigned long, unsigned long,
	    unsigned long, unsigned long, unsigned long *, unsigned long *,
	    unsigned long *, unsigned long *);
};

/* the daemon side (mp_main.c) */
int smfi_register(struct smfiDesc);
int smfi_setconn(char *);
int smfi_opensocket(bool);
int smfi_settimeout(int);
int smfi_setbacklog(int);
size_t smfi_setmaxdatasize(size_t);
int smfi_main(void);
int smfi_stop(void);
int smfi_version(unsigned int *, unsigned int *, unsigned int *);

/* within a callback (mp_smfi.c) */
char *smfi_getsymval(SMFICTX *, char *);
int smfi_setreply(SMFICTX *, char *, char *, char *);
int smfi_addheader(SMFICTX *, char *, char *);
int smfi_chgheader(SMFICTX *, char *, int, char *);
int smfi_insheader(SMFICTX *, int, char *, char *);
int smfi_quarantine(SMFICTX *, char *);
int smfi_setpriv(SMFICTX *, void *);
void *smfi_getpriv(SMFICTX *);
int smfi_setsymlist(SMFICTX *, int, char *);

#endif
