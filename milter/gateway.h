/*
 * gateway.h - reading what the hop before us recorded, for a site behind
 * a gateway (a campus front end or a cloud filter relays to this MTA):
 * the client address in a Received header's from clause, and the SPF and
 * DKIM passes in an Authentication-Results header (RFC 8601, parsed
 * strictly).  Pure functions of untrusted header text (fuzzed).
 *
 * "Added by the hop directly before us": the headers above the first
 * Received header that our own MTA did not add, walking top-down: the
 * gateway's Authentication-Results lie above its own Received header.
 * Postfix does not show a milter its own Received header; Sendmail does,
 * as the first header, recording the SMTP client's address (the
 * gateway's), which no Received header of the gateway does (it records
 * its own client): so a first header that is a Received header whose
 * from clause records the client address is ours and is stepped over.
 * gw_hop_end() finds that boundary.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_GATEWAY_H
#define HALLMARK_GATEWAY_H

#include <stddef.h>

#include "hdr.h"

#define GW_MAX_DKIM 8
#define GW_ID_MAX 256

/* the passes one A-R header carries */
struct gw_ar {
	char authserv_id[GW_ID_MAX]; /* lowercase */
	int spf_pass;		     /* spf=pass with smtp.mailfrom */
	char mailfrom[GW_ID_MAX];    /* its smtp.mailfrom */
	size_t ndkim;
	char dkim_d[GW_MAX_DKIM][GW_ID_MAX]; /* dkim=pass header.d */
};

/*
 * gw_ar_parse - parse an A-R header value: authserv-id [version], then
 * "; none" or resinfo (method[/version]=result [reason=...] ptype.prop=
 * value ...) separated by ';', comments anywhere CFWS is allowed.
 * Returns 0 with *out filled, or -1 when the value is not well formed
 * (then nothing in it is used).
 */
int gw_ar_parse(const char *value, struct gw_ar *out);

/*
 * gw_received_ip - the address the hop recorded for its client: the
 * first "[IP]" in the comment after "from HOST" of a Received value
 * (an "IPv6:" prefix dropped).  Returns 0 with the text in out, or -1.
 */
int gw_received_ip(const char *value, char *out, size_t outlen);

/*
 * gw_received_from - as gw_received_ip, and the name after "from" (the
 * HELO name the hop recorded, as Postfix and Sendmail write it) into
 * helo (helolen > 0).  Returns 0 or -1.
 */
int gw_received_from(const char *value, char *ip, size_t iplen, char *helo,
    size_t helolen);

struct cidr_set;

/*
 * gw_origin - the first untrusted hop: walking the Received headers of
 * h[start..n) top-down, the first whose from-clause address is not in
 * relays; its address and from name into ip and helo.  Returns 0, or -1
 * when a Received header on the way cannot be read or none is left.
 */
int gw_origin(const struct hm_header *h, size_t n, size_t start,
    const struct cidr_set *relays, char *ip, size_t iplen, char *helo,
    size_t helolen);

/* gw_hop_end - index in h[0..n) of the header where the block added by
 * the hop before us ends: the first Received header but h[0] when h[0]
 * is a Received recording client (the printable client address), or n */
size_t gw_hop_end(const struct hm_header *h, size_t n, const char *client);

#endif
