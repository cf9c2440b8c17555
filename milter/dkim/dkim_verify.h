/*
 * dkim_verify.h - DKIM verification (RFC 6376, RFC 8301, RFC 8463): the
 * hm_module "dkimv", its configuration section dkim_verify { }, and the pure
 * decision function that turns what libopendkim found out about one
 * signature into an RFC 8601 result with a reason.
 *
 * The decision itself is in dkim_policy.c (pure).
 *
 * Per message the module keeps its verifier's state (msg->mod
 * [MOD_DKIMV]), feeds it headers and body as the milter receives them (the
 * body is hashed as it streams, never buffered), and at eom evaluates every
 * signature up to max_signatures: one ctx_dkim_add() result and one A-R
 * entry each.
 * The msg_free hook frees the handle and the DKIM results; ctx.c frees the
 * state block (module.h).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_DKIM_VERIFY_H
#define HALLMARK_DKIM_VERIFY_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "conf.h"
#include "dkim_policy.h" /* struct conf_dkim_verify */
#include "module.h"
#include "results.h"

extern const struct conf_opt dkimv_conf_opts[];
extern const struct hm_module dkimv_module;
/* 0 (the default): verify with hallmark's own verifier (dkim_ver.c); 1:
 * with the libopendkim reference (dkim_verify_ref.c), which the
 * differential tests compare it with.  Set before any message. */
extern int dkimv_reference;


#endif
