/*
 * milter_api.h - the milter API hallmark is written against: hallmark's
 * own protocol engine (mp_api.h, the default) or Sendmail's libmilter
 * (configure --with-libmilter, HM_WITH_LIBMILTER), the reference
 * implementation.  Both offer the same names, types and constants, so
 * callbacks.c and daemon.c compile unchanged against either.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_MILTER_API_H
#define HALLMARK_MILTER_API_H

#include "config.h"

#ifdef HM_WITH_LIBMILTER
#include <libmilter/mfapi.h>
#else
#include "mp_api.h"
#endif

#endif
