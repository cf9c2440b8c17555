/*
 * version.h - the version lines of `hallmarkd -V` and `hallmark -V`
 * (version.c).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_VERSION_H
#define HALLMARK_VERSION_H

#include <stdio.h>

/* version_print - "PROG VERSION", then one line per linked library */
void version_print(FILE *f, const char *prog);

#endif
