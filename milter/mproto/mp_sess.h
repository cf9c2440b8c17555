/*
 * mp_sess.h - one milter session of hallmark's protocol engine: the
 * context (struct smfi_str) the callbacks see as SMFICTX, and the
 * decoder that turns the bytes an MTA sent into callback calls and
 * reply frames.  No I/O here: mp_conn.c reads the socket into a buffer,
 * hands it to mp_sess_input(), and writes what the session queued in
 * ctx->out with one call.  The fuzz target (tests/fuzz/fuzz_mproto.c)
 * drives the same functions with arbitrary bytes.
 *
 * Contract of mp_sess_input(): every complete frame at the front of the
 * buffer is validated (length limit per command, NUL termination,
 * macro lists in pairs, command order) and dispatched, then removed from
 * the buffer; an incomplete frame stays.  MP_MORE: read more; MP_END:
 * the MTA said QUIT (write ctx->out, then close); MP_ERR: a protocol
 * error, logged with ctx->peer and what was wrong (close without
 * reading further; the callbacks were told: abort, close).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_MP_SESS_H
#define HALLMARK_MP_SESS_H

#include <stddef.h>

#include "mp_api.h"

#define MP_NSTAGES 7		 /* macro stages, SMFIM_CONNECT..EOH */
#define MP_SMALL_FRAME 65536	 /* limit for all but header and body */
#define MP_DEF_MAX_FRAME 1048575 /* header and body, smfi_setmaxdatasize */

enum { MP_MORE = 0, MP_END = 1, MP_ERR = -1 };

/* a byte buffer: data at [0, len), room up to cap */
struct mp_buf {
	unsigned char *p;
	size_t len, cap;
};

/* the macros of one stage: a copy of the packet, names and values */
struct mp_macros {
	char *buf;
	char **argv; /* name, value, name, value, ..., NULL */
};

struct smfi_str {
	const struct smfiDesc *desc;
	int state;		   /* MP_ST_* (mp_sess.c) */
	unsigned long skip;	   /* states the MTA will not send (NO*) */
	unsigned long mta_aflags;  /* actions the MTA offers */
	unsigned long mta_pflags;  /* protocol flags the MTA offers */
	unsigned long aflags;	   /* actions negotiated */
	unsigned long pflags;	   /* protocol flags the filter asked */
	unsigned long pflags2mta;  /* ... and those told to the MTA */
	unsigned long vers2mta;	   /* protocol version told to the MTA */
	void *priv;		   /* smfi_setpriv */
	char *reply;		   /* smfi_setreply, for the next 4xx/5xx */
	char *symlist[MP_NSTAGES]; /* smfi_setsymlist */
	struct mp_macros mac[MP_NSTAGES];
	struct mp_buf out; /* reply frames not yet written */
	size_t max_frame;  /* header and body frame limit */
	char peer[80];	   /* the MTA, for log lines */
};

/* mp_sess_init - a session for one connection from peer */
void mp_sess_init(SMFICTX *ctx, const struct smfiDesc *d, size_t max_frame,
    const char *peer);
/* mp_sess_input - decode and dispatch the complete frames in `in` */
int mp_sess_input(SMFICTX *ctx, struct mp_buf *in);
/* mp_sess_need - bytes `in` must hold to complete its first frame (0:
 * unknown yet, fewer than 5 bytes) */
size_t mp_sess_need(const struct mp_buf *in);
/* mp_sess_end - the connection ended (EOF, error, timeout, stop): abort
 * a message in progress and close, as the MTA's QUIT would */
void mp_sess_end(SMFICTX *ctx);
/* mp_sess_free - everything the session holds (not ctx itself) */
void mp_sess_free(SMFICTX *ctx);

/* mp_frame - append one frame (command, data) to b */
void mp_frame(struct mp_buf *b, char cmd, const void *data, size_t n);
/* mp_buf_free - release the buffer's memory */
void mp_buf_free(struct mp_buf *b);
/* mp_in_endm - the session is at end of message (modifications allowed) */
int mp_in_endm(const SMFICTX *ctx);

#endif
