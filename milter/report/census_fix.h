/*
 * census_fix.h - the words of a census (census.h): what each sending
 * service should change so that its mail passes DMARC for the domain,
 * and the one-line readiness verdict for p=quarantine / p=reject.
 *
 * Pure: reads the census, writes strings.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_CENSUS_FIX_H
#define HALLMARK_CENSUS_FIX_H

#include "census.h"
#include "str.h"

/* at most this many relays are named per service; the rest are counted */
#define CENSUS_FIX_RELAYS 3

/* census_fixes - fill s->fixes (sources, rows and selectors summed) */
void census_fixes(const struct census *c, struct cs_service *s);

/* census_verdict_text - the readiness verdict into v (lose, other_fail
 * set) */
void census_verdict_text(const struct census *c, struct str *v);

#endif
