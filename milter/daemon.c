/*
 * daemon.c - the life of hallmarkd after its arguments are parsed.
 *
 * Start-up: check the configuration, detach (unless -f), load the
 * configuration for real (resolver, keys), open the milter socket as
 * root, write the pid file, drop to the configured user, run smfi_main()
 * in a thread of its own.  When started as root with a `user`, the
 * configuration and key files are read with that user's permissions
 * (privs.c), at start as on SIGHUP.
 *
 * In the background (no -f) the parent waits until the child listens:
 * it exits 0 only then, and otherwise with the child's failure, whose
 * messages went to stderr (and to the log).  The child's stderr stays the
 * parent's until it is ready.
 *
 * Signals: libmilter treats SIGHUP like SIGTERM and cannot be restarted,
 * so the main thread keeps HUP, TERM and INT for itself: their handlers
 * write the signal number into a self-pipe, and the main thread reads it.
 * All other threads are created with those signals blocked.  HUP loads
 * the configuration again; a configuration that fails to load is logged
 * and the old one stays in force; new connections use the new one.  TERM
 * and INT stop taking connections, wait for in-flight messages (up to a
 * bound), then smfi_stop().
 *
 * DMARC report rows collected in memory are written to the store by the
 * flusher thread (report/rflush.c), started after the privilege drop:
 * every reports.flush_interval, after each SIGHUP (once reloaded), and
 * a last time when hallmarkd stops (bounded by REPORT_FLUSH_SECONDS).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "milter_api.h"

#include "callbacks.h"
#include "conf.h"
#include "conf_check.h"
#include "conf_table.h"
#include "daemon.h"
#include "log.h"
#include "metrics_http.h"
#include "privs.h"
#include "rflush.h"
#include "str.h"

#define DRAIN_SECONDS 30
#define REPORT_FLUSH_SECONDS 20 /* the last write of report rows */

static int sig_pipe[2] = { -1, -1 };
static int ready_fd = -1; /* background start: tells the parent */

/* on_signal - async-signal-safe: hand the number to the main thread */
static void
on_signal(int sig)
{
	unsigned char b = (unsigned char)sig;
	int saved = errno;

	if (write(sig_pipe[1], &b, 1) < 0)
		(void)0;
	errno = saved;
}

/* setup_signals - self-pipe and handlers for HUP, TERM, INT */
static int
setup_signals(void)
{
	struct sigaction sa;
	int i;

	if (pipe(sig_pipe) < 0)
		return -1;
	for (i = 0; i < 2; i++)
		fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
	fcntl(sig_pipe[1], F_SETFL, O_NONBLOCK);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/* on_wake - SIGUSR1: nothing; it only interrupts libmilter's poll */
static void
on_wake(int sig)
{
	(void)sig;
}

/* stopper - smfi_stop() in a thread of its own (it can block) */
static void *
stopper(void *arg)
{
	smfi_stop();
	__atomic_store_n((int *)arg, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * stop_milter - smfi_stop(), without waiting out libmilter's poll: its
 * listener holds a lock across a 5-second poll of the listening socket,
 * and smfi_stop() needs that lock.  A poll interrupted by a signal drops
 * the lock and goes back to check the stop flag, so SIGUSR1 (a handler
 * that does nothing, no SA_RESTART) is sent to the listener thread until
 * smfi_stop() has returned.  Stopping then takes milliseconds, not up to
 * 5 seconds.
 */
static void
stop_milter(pthread_t listener)
{
	struct sigaction sa;
	pthread_t t;
	int done = 0, i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_wake;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) < 0 ||
	    pthread_create(&t, NULL, stopper, &done) != 0) {
		smfi_stop();
		return;
	}
	for (i = 0; i < 600 && !__atomic_load_n(&done, __ATOMIC_ACQUIRE);
	    i++) {
		struct timespec ts = { 0, 10 * 1000000L };

		(void)pthread_kill(listener, SIGUSR1);
		nanosleep(&ts, NULL);
	}
	pthread_join(t, NULL);
}

/* block_signals - block (or unblock) HUP/TERM/INT in this thread */
static void
block_signals(int how)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(how, &set, NULL);
}

/* report_at - a configuration error as "file:line: what" at lvl, after
 * a prefix */
static void
report_at(enum log_level lvl, const char *prefix, const struct conf_err *e)
{
	if (e->line > 0)
		log_msg(lvl, "%s%s:%d: %s", prefix, e->file, e->line, e->msg);
	else
		log_msg(lvl, "%s%s: %s", prefix, e->file[0] ? e->file :
		    "(config)", e->msg);
}

/* report - a configuration error, at error level */
static void
report(const struct conf_err *e)
{
	report_at(LOG_LVL_ERR, "", e);
}

/* apply_logging - sinks and level from a configuration */
static void
apply_logging(const struct conf *c, int foreground)
{
	int to_syslog = c->log.to_syslog && !foreground;

	if (log_init("hallmarkd", to_syslog, c->log.facility,
	    (enum log_level)(c->log.level + LOG_LVL_ERR)) < 0)
		log_warn("unknown syslog facility '%s'; using mail",
		    c->log.facility);
}

/* wait_child - the parent of a background start: exit 0 once the child
 * says it is ready, else with the child's status */
static void
wait_child(pid_t pid, int fd)
{
	unsigned char b = 0;
	ssize_t n;
	int st = 0;

	do
		n = read(fd, &b, 1);
	while (n < 0 && errno == EINTR);
	if (n == 1 && b == 'R')
		_exit(0);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
		_exit(WEXITSTATUS(st));
	fprintf(stderr, "hallmarkd: the daemon stopped during start-up\n");
	_exit(1);
}

/* detach - become a daemon: fork, setsid, stdin/stdout to /dev/null;
 * the parent waits in wait_child() */
static int
detach(void)
{
	int p[2], fd;
	pid_t pid;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		close(p[1]);
		wait_child(pid, p[0]);
	}
	close(p[0]);
	fcntl(p[1], F_SETFD, FD_CLOEXEC);
	ready_fd = p[1];
	if (setsid() < 0 || chdir("/") < 0)
		return -1;
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	log_set_stderr_copy(1);
	return 0;
}

/* detach_ready - the background child is listening: release the parent,
 * stderr to /dev/null */
static void
detach_ready(void)
{
	int fd;

	if (ready_fd < 0)
		return;
	log_set_stderr_copy(0);
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	if (write(ready_fd, "R", 1) != 1)
		log_warn("cannot tell the starting process that we run");
	close(ready_fd);
	ready_fd = -1;
}

/* open_socket - register with libmilter and bind the socket now; a unix
 * socket gets its mode, owner and group */
static int
open_socket(const struct conf *c)
{
	const char *path = conf_check_unix_path(c->socket);

	if (smfi_setconn(c->socket) != MI_SUCCESS) {
		log_err("socket \"%s\": not a valid milter socket", c->socket);
		return -1;
	}
	if (smfi_register(*cb_desc()) != MI_SUCCESS) {
		log_err("smfi_register failed");
		return -1;
	}
	/* accept milter packets up to 1 MB, not libmilter's 64 KB: Postfix
	 * sends each header in one packet (header_size_limit is 100 KB by
	 * default) and libmilter drops the connection on a larger one */
	(void)smfi_setmaxdatasize(1024 * 1024 - 1);
	/* libmilter's default is 7,210 s: a client stalled in the middle of
	 * a command holds a worker that long, and the sessions queued
	 * behind it wait too (README, "Running hallmarkd") */
	(void)smfi_settimeout((int)c->milter_timeout);
	if (smfi_opensocket(path != NULL) != MI_SUCCESS) {
		log_err("socket \"%s\": cannot listen (in use, or no "
		    "permission?)", c->socket);
		return -1;
	}
	return path != NULL ? priv_socket(c, path) : 0;
}

/* daemon_conf_load - conf_load(), with the run-as user's permissions
 * when we are root and the file names a user that exists (privs.c) */
static struct conf *
daemon_conf_load(const char *file, int check_only, struct conf_err *e)
{
	struct priv_user pu;
	char *user;
	int as_user;

	if (geteuid() != 0 || (user = priv_conf_user(file)) == NULL)
		return conf_load(file, check_only, e);
	as_user = priv_lookup(user, &pu) == 0;
	free(user);
	if (!as_user) /* start-up stops at the drop: "no such user" */
		return conf_load(file, check_only, e);
	return priv_load_as(&pu, file, check_only, e);
}

/* daemon_conf_check - what -n and the start-up check load: the
 * configuration, as the run-as user when root */
struct conf *
daemon_conf_check(const char *file, struct conf_err *e)
{
	return daemon_conf_load(file, 1, e);
}

/*
 * write_pidfile - our pid, or -1.  Written before the privilege drop, so
 * that a directory only root can write (systemd's /run/hallmark) works;
 * never through a symbolic link or into anything but a regular file, as
 * the directory may be one the run-as user can write.
 */
static int
write_pidfile(const char *path)
{
	char buf[32], eb[128];
	struct stat st;
	int fd, n, ok;

	if (path == NULL)
		return 0;
	fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		log_err("pid file %s: cannot write: %s", path,
		    fd < 0 ? strerror_r(errno, eb, sizeof(eb)) :
			     "not a regular file");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	ok = ftruncate(fd, 0) == 0 && write(fd, buf, (size_t)n) == n;
	if (close(fd) < 0 || !ok) {
		log_err("pid file %s: cannot write", path);
		return -1;
	}
	return 0;
}

/* remove_pidfile - at exit; the run-as user may not be allowed to */
static void
remove_pidfile(const char *path)
{
	char eb[128];

	if (path != NULL && unlink(path) < 0 && errno != ENOENT)
		log_info("pid file %s: not removed (%s)", path,
		    strerror_r(errno, eb, sizeof(eb)));
}

/* milter_thread - libmilter's main loop */
static void *
milter_thread(void *arg)
{
	int *rc = arg;

	*rc = smfi_main();
	on_signal(0);	/* wake the main thread: libmilter stopped */
	return NULL;
}

/* reload - SIGHUP: a new snapshot, or keep the old one */
static void
reload(const struct daemon_opts *o)
{
	struct conf_err e;
	struct conf *c;

	log_notice("SIGHUP: reloading %s", o->conf_file ? o->conf_file :
	    "the built-in configuration");
	c = conf_load(o->conf_file, 0, &e);
	if (c == NULL) {
		report(&e);
		log_err("reload failed: the previous configuration stays in "
		    "force");
		return;
	}
	apply_logging(c, o->foreground);
	conf_install(c);
	log_notice("configuration reloaded; new connections use it");
}

/* drain - wait (bounded) until in-flight messages are done */
static void
drain(void)
{
	int waited = 0;

	cb_set_draining(1);
	while (cb_inflight() > 0 && waited < DRAIN_SECONDS * 10) {
		struct timespec ts = { 0, 100 * 1000000L };

		nanosleep(&ts, NULL);
		waited++;
	}
	if (cb_inflight() > 0)
		log_warn("stopping with %u message(s) still in progress",
		    cb_inflight());
}

/*
 * main_loop - handle signals until told to stop.  It waits in poll()
 * before it reads: ThreadSanitizer runs a signal handler at once in a
 * thread blocked in poll(), but holds it back in one blocked in read()
 * until that thread's next intercepted call, so a SIGHUP would never
 * arrive in the TSan build (make check-tsan).
 */
static void
main_loop(const struct daemon_opts *o)
{
	unsigned char sig;

	for (;;) {
		struct pollfd pfd = { .fd = sig_pipe[0], .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_err("signal pipe: poll failed");
			return;
		}
		n = read(sig_pipe[0], &sig, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || sig == 0) {
			log_err("libmilter stopped unexpectedly");
			return;
		}
		if (sig == SIGHUP) {
			reload(o);
			rflush_kick();
			continue;
		}
		log_notice("signal %d: finishing in-flight messages", sig);
		drain();
		return;
	}
}

/* start - everything up to running the milter thread */
static int
start(const struct daemon_opts *o, struct conf **cp)
{
	struct conf_err e;
	struct conf *c;

	c = daemon_conf_check(o->conf_file, &e);
	if (c == NULL) {
		report(&e);
		return -1;
	}
	conf_release(c);
	if (!o->foreground && detach() < 0) {
		char eb[128];

		log_err("cannot detach: %s", strerror_r(errno, eb, sizeof(eb)));
		return -1;
	}
	c = daemon_conf_load(o->conf_file, 0, &e);
	if (c == NULL) {
		report(&e);
		return -1;
	}
	apply_logging(c, o->foreground);
	if (open_socket(c) < 0 || metrics_http_open(c->metrics_listen) < 0 ||
	    write_pidfile(c->pidfile) < 0) {
		conf_release(c);
		return -1;
	}
	if (priv_drop(c) < 0) {
		remove_pidfile(c->pidfile);
		conf_release(c);
		return -1;
	}
	*cp = c;
	return 0;
}

/* daemon_run - run until TERM/INT */
int
daemon_run(const struct daemon_opts *o)
{
	pthread_t tid;
	struct conf *c;
	char *pidfile;
	int mrc = 0;

	if (setup_signals() < 0 || start(o, &c) < 0)
		return 1;
	pidfile = c->pidfile ? xstrdup(c->pidfile) : NULL;
	log_notice("hallmarkd %s listening on %s (authserv-id %s)",
	    PACKAGE_VERSION, c->socket, c->authserv_id);
	conf_install(c);
	block_signals(SIG_BLOCK);
	if (pthread_create(&tid, NULL, milter_thread, &mrc) != 0) {
		log_err("cannot start the milter thread");
		return 1;
	}
	if (rflush_start() < 0)
		log_err("cannot start the report flusher: DMARC report rows "
			"will not be written");
	(void)metrics_http_start();
	block_signals(SIG_UNBLOCK);
	detach_ready();
	main_loop(o);
	stop_milter(tid);
	pthread_join(tid, NULL);
	rflush_stop(REPORT_FLUSH_SECONDS);
	metrics_http_stop();
	conf_install(NULL);
	remove_pidfile(pidfile);
	free(pidfile);
	log_notice("hallmarkd stopped");
	return mrc == MI_SUCCESS ? 0 : 1;
}
