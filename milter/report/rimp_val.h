/*
 * rimp_val.h - value checks of the report importer's XML reader
 * (rimp_xml.c): numbers, addresses, domains and the enumerations of RFC
 * 7489 and RFC 9990, each accepting exactly what the schemas allow (enum
 * names compared without regard to ASCII case, as reporters differ).
 * Pure functions, no allocation unless said.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_RIMP_VAL_H
#define HALLMARK_RIMP_VAL_H

#include <stdint.h>

#include "results.h"
#include "rrow.h"

/* rv_u64 - s is a decimal number <= max: 0 and *out, or -1 */
int rv_u64(const char *s, uint64_t max, uint64_t *out);

/* rv_ip - s is an IPv4 or IPv6 address: its canonical text (allocated),
 * or NULL */
char *rv_ip(const char *s);

/* rv_domain - s is a plausible domain name (1..253 bytes, labels of
 * letters, digits, '-', '_' or UTF-8, dots between, optional final dot):
 * lowercased in place and 0, or -1 */
int rv_domain(char *s);

/* enumerations: 0 and *out, or -1 */
int rv_disp(const char *s, enum rr_disp *out); /* + RFC 9990 pass */
int rv_pass(const char *s, int *out);	       /* pass | fail */
int rv_pol(const char *s, enum rr_pol *out);   /* none|quarantine|reject */
int rv_align(const char *s, char *out);	       /* r | s */
int rv_dkim(const char *s, enum res_dkim *out);
int rv_spf(const char *s, enum res_spf *out);
int rv_discovery(const char *s, enum rr_discovery *out); /* psl|treewalk */
int rv_testing(const char *s, int *out);		 /* n | y */

/*
 * rv_reason - an override reason type of either RFC: RFC 9990 names map
 * to themselves (*orig NULL); RFC 7489's forwarded and sampled_out map to
 * trusted_forwarder and policy_test_mode, with *orig the original name
 * (to be kept in the comment).  0, or -1 for an unknown type.
 */
int rv_reason(const char *s, enum rr_reason *out, const char **orig);

#endif
