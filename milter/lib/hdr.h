/*
 * hdr.h - one header field as the MTA handed it over: the vocabulary the
 * contexts (ctx.h) and the pure DKIM code (dkim_sigbuild.h) share, so
 * that the signer needs no spine header.  Plain data.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_HDR_H
#define HALLMARK_HDR_H

struct hm_header {
	char *name;
	char *value; /* as received from the MTA (folded, CRLF
				 * or LF line ends as the MTA sends them):
				 * the text after the colon byte for byte
				 * when conn->hdr_leadspc, else less the
				 * one space the MTA removed */
};

#endif
