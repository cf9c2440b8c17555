/*
 * conf_doc.h - the option reference of `hallmarkd -n -v`: every option of
 * the tables with its group path, type, default, bounds and doc (format
 * in conf_doc.c).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_CONF_DOC_H
#define HALLMARK_CONF_DOC_H

#include <stdio.h>

/* conf_doc_print - write the reference to f */
void conf_doc_print(FILE *f);

#endif
