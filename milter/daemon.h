/*
 * daemon.h - running hallmarkd: socket, privileges, pid file, the libmilter
 * thread, and signals (HUP reload, TERM/INT drain and stop).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_DAEMON_H
#define HALLMARK_DAEMON_H

#include "conf.h"

struct daemon_opts {
	const char *conf_file;	/* NULL: built-in defaults */
	int foreground;
};

/* daemon_conf_check - load file as `hallmarkd -n` and the start-up check
 * do (as the run-as user when root; privs.c); NULL and *e on error */
struct conf *daemon_conf_check(const char *file, struct conf_err *e);

/* daemon_run - run until SIGTERM/SIGINT; returns the exit status */
int daemon_run(const struct daemon_opts *o);

#endif
