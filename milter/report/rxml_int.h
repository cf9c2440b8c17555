/*
 * rxml_int.h - what the files of the report builder share (rxml.c the
 * document, rxml_text.c its text, rxml_name.c ids and file names,
 * rxml_gz.c gzip and parts); not for other modules, which use rxml.h.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_RXML_INT_H
#define HALLMARK_RXML_INT_H

#include <stddef.h>
#include <stdint.h>

#include "str.h"

/* what replaces a character XML 1.0 cannot carry: U+FFFD in UTF-8 */
#define RXML_REPLACEMENT "\xef\xbf\xbd"

/*
 * rxml_utf8_dec - length (1..4) of the well-formed UTF-8 sequence at p
 * (n > 0 bytes left), its code point in *cp; 0 when ill-formed (stray
 * continuation byte, overlong form, surrogate, above U+10FFFF, cut off).
 */
size_t rxml_utf8_dec(const unsigned char *p, size_t n, uint32_t *cp);

/* rxml_xml_char - c is a Char of XML 1.0 (section 2.2) that the report
 * writes: not DEL nor a C1 control (U+007F..U+009F), which section 2.2
 * discourages */
int rxml_xml_char(uint32_t c);

/*
 * rxml_text - append s (NUL-terminated; NULL = nothing) as element
 * content: & < > " ' as the predefined entities, CR as "&#13;" (a parser
 * would turn a raw CR into LF), every ill-formed UTF-8 byte and every
 * code point rxml_xml_char refuses (controls other than TAB, LF, CR;
 * U+FFFE, U+FFFF) as one U+FFFD.  Parsing the result gives back s with
 * exactly those replacements.
 */
void rxml_text(struct str *out, const char *s);

/*
 * rxml_ip - append the source address as written: an address inet_pton
 * reads, in its canonical text form (RFC 5952 for IPv6), or with full =
 * 1 IPv6 in the eight-group form (RFC 4291 section 2.2, first form) that
 * RFC 7489's IPAddress pattern requires; anything else (NULL, a name,
 * garbage: the collector records only addresses, so a store or program
 * fault) as RXML_NO_ADDRESS, the unspecified address, so that the
 * report stays valid and the row's messages are still counted.
 */
#define RXML_NO_ADDRESS "0.0.0.0"
void rxml_ip(struct str *out, const char *s, int full);

#endif
