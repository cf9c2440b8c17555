/*
 * runtime.h - what a running milter builds from a loaded configuration
 * snapshot: the resolver and each module's set-up (module init hooks).
 * The configuration loader (conf.c) builds none of it.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_RUNTIME_H
#define HALLMARK_RUNTIME_H

#include "conf.h"

/* rt_start - build c's resolver and run every module's init (module
 * order); on failure nothing is left built and *e says why.  The
 * snapshot's release undoes it (module fini, resolver). */
int rt_start(struct conf *c, struct conf_err *e);

#endif
