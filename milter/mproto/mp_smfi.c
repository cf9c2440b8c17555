/*
 * mp_smfi.c - what a callback may ask of the engine (the libmilter
 * functions of the same names): its private pointer, a macro's value,
 * the SMTP reply, header changes and quarantine at end of message, the
 * macros wanted at each stage.  The checks are the reference
 * implementation's (a reply code 4xx or 5xx, an enhanced code x.y.z, no
 * line break in the text; modifications only at end of message and only
 * those negotiated), so a filter behaves the same on both engines.
 * Modifications are queued in the session's output with the reply that
 * follows and written in one call (mp_conn.c).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mp_int.h"
#include "str.h"

#define MAXREPLYLEN 980

/* smfi_setpriv - the filter's pointer for this connection */
int
smfi_setpriv(SMFICTX *ctx, void *p)
{
	if (ctx == NULL)
		return MI_FAILURE;
	ctx->priv = p;
	return MI_SUCCESS;
}

/* smfi_getpriv - the pointer set last */
void *
smfi_getpriv(SMFICTX *ctx)
{
	return ctx != NULL ? ctx->priv : NULL;
}

/* same_macro - name n stands for `want` ("i" and "{i}" alike) */
static int
same_macro(const char *n, const char *want)
{
	size_t wl = strlen(want), nl = strlen(n);

	if (strcmp(n, want) == 0)
		return 1;
	if (wl == 3 && want[0] == '{' && want[2] == '}')
		return nl == 1 && n[0] == want[1];
	if (wl == 1)
		return nl == 3 && n[0] == '{' && n[1] == want[0] && n[2] == '}';
	return 0;
}

/* smfi_getsymval - a macro's value, latest stage first; the lists are
 * in pairs (mp_h_macro refuses others), so this never reads past one */
char *
smfi_getsymval(SMFICTX *ctx, char *name)
{
	int i;

	if (ctx == NULL || name == NULL || *name == '\0')
		return NULL;
	for (i = MP_NSTAGES - 1; i >= 0; i--) {
		char **s = ctx->mac[i].argv;

		for (; s != NULL && s[0] != NULL && s[1] != NULL; s += 2)
			if (same_macro(s[0], name))
				return s[1];
	}
	return NULL;
}

/* enh_code - "x.y.z" with x in 2, 4, 5 and up to 3 digits each */
static int
enh_code(const char *s)
{
	int part, h;

	if (!((*s == '2' || *s == '4' || *s == '5') && s[1] == '.'))
		return 0;
	s += 2;
	for (part = 0; part < 2; part++) {
		for (h = 0; h < 3 && isdigit((unsigned char)s[h]); h++)
			;
		if (h == 0 || s[h] != (part == 0 ? '.' : '\0'))
			return 0;
		s += h + 1;
	}
	return 1;
}

/* smfi_setreply - the SMTP reply for the next reject or tempfail */
int
smfi_setreply(SMFICTX *ctx, char *rcode, char *xcode, char *msg)
{
	if (ctx == NULL || rcode == NULL || strlen(rcode) != 3 ||
	    (rcode[0] != '4' && rcode[0] != '5') ||
	    !isdigit((unsigned char)rcode[1]) ||
	    !isdigit((unsigned char)rcode[2]))
		return MI_FAILURE;
	if (xcode != NULL && !enh_code(xcode))
		return MI_FAILURE;
	if (msg != NULL &&
	    (strpbrk(msg, "\r\n") != NULL || strlen(msg) > MAXREPLYLEN))
		return MI_FAILURE;
	free(ctx->reply);
	ctx->reply = xasprintf("%s %s%s%s", rcode, xcode ? xcode : "",
	    xcode && msg ? " " : "", msg ? msg : "");
	return MI_SUCCESS;
}

/* send_ok - a modification is allowed now */
static int
send_ok(const SMFICTX *ctx, unsigned long flag)
{
	return ctx != NULL && (ctx->aflags & flag) == flag && mp_in_endm(ctx);
}

/* header_frame - queue a header modification (idx < 0: none sent) */
static int
header_frame(SMFICTX *ctx, char cmd, int idx, const char *name,
    const char *value)
{
	size_t l1, l2, off = idx >= 0 ? 4 : 0;
	char *b;

	if (name == NULL || *name == '\0' || value == NULL)
		return MI_FAILURE;
	l1 = strlen(name) + 1;
	l2 = strlen(value) + 1;
	b = xmalloc(off + l1 + l2);
	if (idx >= 0) {
		uint32_t v = htonl((uint32_t)idx);

		memcpy(b, &v, 4);
	}
	memcpy(b + off, name, l1);
	memcpy(b + off + l1, value, l2);
	mp_frame(&ctx->out, cmd, b, off + l1 + l2);
	free(b);
	return MI_SUCCESS;
}

/* smfi_addheader - append a header */
int
smfi_addheader(SMFICTX *ctx, char *name, char *value)
{
	if (!send_ok(ctx, SMFIF_ADDHDRS))
		return MI_FAILURE;
	return header_frame(ctx, 'h', -1, name, value);
}

/* smfi_insheader - insert a header at index idx */
int
smfi_insheader(SMFICTX *ctx, int idx, char *name, char *value)
{
	if (!send_ok(ctx, SMFIF_ADDHDRS) || idx < 0)
		return MI_FAILURE;
	return header_frame(ctx, 'i', idx, name, value);
}

/* smfi_chgheader - change (value NULL: remove) the idx-th header name */
int
smfi_chgheader(SMFICTX *ctx, char *name, int idx, char *value)
{
	if (!send_ok(ctx, SMFIF_CHGHDRS) || idx < 0)
		return MI_FAILURE;
	return header_frame(ctx, 'm', idx, name, value ? value : "");
}

/* smfi_quarantine - hold the message with a reason */
int
smfi_quarantine(SMFICTX *ctx, char *reason)
{
	if (reason == NULL || *reason == '\0' ||
	    !send_ok(ctx, SMFIF_QUARANTINE))
		return MI_FAILURE;
	mp_frame(&ctx->out, 'q', reason, strlen(reason) + 1);
	return MI_SUCCESS;
}

/* smfi_setsymlist - the macros the MTA should send at a stage (told in
 * the options reply; once per stage) */
int
smfi_setsymlist(SMFICTX *ctx, int where, char *macros)
{
	if (ctx == NULL || macros == NULL || *macros == '\0' || where < 0 ||
	    where >= MP_NSTAGES || ctx->symlist[where] != NULL)
		return MI_FAILURE;
	ctx->symlist[where] = xstrdup(macros);
	return MI_SUCCESS;
}
