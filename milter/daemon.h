/*
 * daemon.h - running hallmarkd: socket, privileges, pid file, the libmilter
 * thread, and signals (HUP reload, TERM/INT drain and stop).
 */
#ifndef HALLMARK_DAEMON_H
#define HALLMARK_DAEMON_H

struct daemon_opts {
	const char *conf_file;	/* NULL: built-in defaults */
	int foreground;
};

/* daemon_run - run until SIGTERM/SIGINT; returns the exit status */
int daemon_run(const struct daemon_opts *o);

#endif
