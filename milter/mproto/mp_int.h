/*
 * mp_int.h - inside the protocol engine: the protocol states (numbered
 * as in the milter protocol's reference implementation, since the order
 * matters for which steps may be skipped), the internal results of a
 * command handler, and the handlers themselves (mp_cmd.c), called by
 * the session's dispatcher (mp_sess.c).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_MP_INT_H
#define HALLMARK_MP_INT_H

#include "mp_sess.h"

enum {
	MP_ST_NONE = -1,
	MP_ST_INIT = 0,
	MP_ST_OPTS,
	MP_ST_CONN,
	MP_ST_HELO,
	MP_ST_MAIL,
	MP_ST_RCPT,
	MP_ST_DATA,
	MP_ST_HDRS,
	MP_ST_EOHS,
	MP_ST_BODY,
	MP_ST_ENDM,
	MP_ST_QUIT,
	MP_ST_ABRT,
	MP_ST_UNKN,
	MP_ST_Q_NC,
	MP_ST_COUNT
};

/* results of a handler besides SMFIS_*: keep quiet, abort the
 * connection (protocol error, *why says what), send the options */
#define MP_R_NONE 20
#define MP_R_ABORT 21
#define MP_R_OPTIONS 22

/* macro storage slots, by the command they precede (not SMFIM_*) */
enum {
	MP_CI_CONN = 0,
	MP_CI_HELO,
	MP_CI_MAIL,
	MP_CI_RCPT,
	MP_CI_DATA,
	MP_CI_EOH,
	MP_CI_EOM
};

/* a command's bytes: the payload after the command byte */
struct mp_arg {
	char *p;
	size_t n;
	const char *why; /* set with MP_R_ABORT */
};

int mp_h_optneg(SMFICTX *ctx, struct mp_arg *a);
int mp_h_macro(SMFICTX *ctx, struct mp_arg *a);
int mp_h_connect(SMFICTX *ctx, struct mp_arg *a);
int mp_h_helo(SMFICTX *ctx, struct mp_arg *a);
int mp_h_mail(SMFICTX *ctx, struct mp_arg *a);
int mp_h_rcpt(SMFICTX *ctx, struct mp_arg *a);
int mp_h_data(SMFICTX *ctx, struct mp_arg *a);
int mp_h_header(SMFICTX *ctx, struct mp_arg *a);
int mp_h_eoh(SMFICTX *ctx, struct mp_arg *a);
int mp_h_body(SMFICTX *ctx, struct mp_arg *a);
int mp_h_eob(SMFICTX *ctx, struct mp_arg *a);
int mp_h_abort(SMFICTX *ctx, struct mp_arg *a);
int mp_h_quit(SMFICTX *ctx, struct mp_arg *a);
int mp_h_unknown(SMFICTX *ctx, struct mp_arg *a);

/* mp_clr_macros - forget the macros of slots from..MP_CI_EOM */
void mp_clr_macros(SMFICTX *ctx, int from);
/* mp_skip_states - the states the negotiated flags let the MTA skip */
void mp_skip_states(SMFICTX *ctx);

#endif
