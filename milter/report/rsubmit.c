/*
 * rsubmit.c - runs the local sendmail program for one report mail (see
 * rsubmit.h): fork, exec without a shell, the message on a pipe to its
 * standard input, its standard error collected (bounded), the exit
 * status mapped to sent / deferred / failed.
 *
 * The parent writes the message and reads the child's stderr with poll(),
 * so a child that writes much to stderr before reading its input cannot
 * block both.  An exec failure is reported through a close-on-exec pipe
 * (errno), told apart from the program's own exit status.  The child has
 * nothing else open: its standard output goes with its standard error,
 * and no descriptor of ours (the store's, for one) reaches the MTA.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rsubmit.h"
#include "str.h"

#define EX_TEMPFAIL_CODE 75

struct child {
	pid_t pid;
	int in, err, exec; /* our ends: its stdin, its stderr, exec errno */
	char errbuf[RSUBMIT_ERR_MAX + 1];
	size_t errlen;
};

/* rsubmit_result_name - "sent", "deferred", "failed" */
const char *
rsubmit_result_name(enum rsubmit_result r)
{
	switch (r) {
	case RSUBMIT_SENT:
		return "sent";
	case RSUBMIT_DEFERRED:
		return "deferred";
	default:
		return "failed";
	}
}

/* child_fds - in the child: the message pipe on 0, the error pipe on 1
 * and 2, the exec-error pipe on 3 (close-on-exec), nothing else open */
static void
child_fds(int in, int err, int ex)
{
	int i2 = fcntl(in, F_DUPFD, 10), e2 = fcntl(err, F_DUPFD, 10);
	int x2 = fcntl(ex, F_DUPFD, 10);
	long fd, max;

	if (i2 < 0 || e2 < 0 || x2 < 0 || dup2(i2, 0) < 0 || dup2(e2, 1) < 0 ||
	    dup2(e2, 2) < 0 || dup2(x2, 3) < 0 ||
	    fcntl(3, F_SETFD, FD_CLOEXEC) < 0)
		_exit(127);
	if (close_range(4, ~0U, 0) == 0)
		return;
	max = sysconf(_SC_OPEN_MAX);
	for (fd = 4; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
		close((int)fd);
}

/* child_exec - in the child: wire the pipes and exec; never returns */
static void
child_exec(const char *path, const char *sender, const char *const *rcpts,
    size_t nrcpt, int in, int err, int ex)
{
	const char **argv = calloc(nrcpt + 8, sizeof(*argv));
	size_t i, n = 0;
	int e;

	if (argv == NULL)
		_exit(127);
	child_fds(in, err, ex);
	argv[n++] = path;
	argv[n++] = "-oi";
	argv[n++] = "-f";
	argv[n++] = sender;
	argv[n++] = "--";
	for (i = 0; i < nrcpt; i++)
		argv[n++] = rcpts[i];
	argv[n] = NULL;
	execv(path, (char *const *)argv);
	e = errno;
	if (write(3, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

/* close_fd - close *fd if open */
static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* start - fork the child; 0, or -1 with why */
static int
start(struct child *c, const char *path, const char *sender,
    const char *const *rcpts, size_t nrcpt, char *why, size_t whylen)
{
	int pin[2] = { -1, -1 }, perr[2] = { -1, -1 }, pex[2] = { -1, -1 };
	char eb[128];

	if (pipe2(pin, O_CLOEXEC) < 0 || pipe2(perr, O_CLOEXEC) < 0 ||
	    pipe2(pex, O_CLOEXEC) < 0 || (c->pid = fork()) < 0) {
		snprintf(why, whylen, "cannot start %s: %s", path,
		    strerror_r(errno, eb, sizeof(eb)));
		close_fd(&pin[0]), close_fd(&pin[1]), close_fd(&perr[0]);
		close_fd(&perr[1]), close_fd(&pex[0]), close_fd(&pex[1]);
		return -1;
	}
	if (c->pid == 0)
		child_exec(path, sender, rcpts, nrcpt, pin[0], perr[1], pex[1]);
	close(pin[0]);
	close(perr[1]);
	close(pex[1]);
	c->in = pin[1];
	c->err = perr[0];
	c->exec = pex[0];
	fcntl(c->in, F_SETFL, O_NONBLOCK);
	return 0;
}

/* read_err - collect what the child writes to stderr (bounded) */
static void
read_err(struct child *c)
{
	char buf[1024];
	ssize_t n = read(c->err, buf, sizeof(buf));
	size_t k;

	if (n <= 0) {
		if (n == 0 || errno != EINTR)
			close_fd(&c->err);
		return;
	}
	k = (size_t)n;
	if (k > RSUBMIT_ERR_MAX - c->errlen)
		k = RSUBMIT_ERR_MAX - c->errlen;
	memcpy(c->errbuf + c->errlen, buf, k);
	c->errlen += k;
}

/* pump - write the message, read stderr, until both are done or the
 * deadline; 0, or -1 on timeout */
static int
pump(struct child *c, const char *msg, size_t len, time_t deadline)
{
	size_t off = 0;
	struct pollfd pf[2];
	ssize_t w;

	while (c->in >= 0 || c->err >= 0) {
		int left = (int)(deadline - time(NULL));

		if (left <= 0)
			return -1;
		pf[0] = (struct pollfd){ .fd = c->in, .events = POLLOUT };
		pf[1] = (struct pollfd){ .fd = c->err, .events = POLLIN };
		if (poll(pf, 2, left * 1000) < 0 && errno != EINTR)
			return -1;
		if (c->err >= 0 &&
		    (pf[1].revents & (POLLIN | POLLHUP | POLLERR)))
			read_err(c);
		if (c->in < 0 ||
		    !(pf[0].revents & (POLLOUT | POLLERR | POLLHUP)))
			continue;
		w = write(c->in, msg + off, len - off);
		if (w > 0)
			off += (size_t)w;
		if ((w < 0 && errno != EAGAIN && errno != EINTR) || off == len)
			close_fd(&c->in);
	}
	return 0;
}

/* wait_child - reap it (SIGKILL first when kill is set); the status */
static int
wait_child(pid_t pid, int kill_it)
{
	int st = 0;

	if (kill_it)
		kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return st;
}

/* errtext - the collected stderr as one line (controls as spaces) */
static void
errtext(struct child *c)
{
	char *s, *p;

	c->errbuf[c->errlen] = '\0';
	for (p = c->errbuf; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
			*p = ' ';
	s = str_strip(c->errbuf);
	if (s != c->errbuf)
		memmove(c->errbuf, s, strlen(s) + 1);
}

/* outcome - map the exit status (and exec errno) to a result */
static enum rsubmit_result
outcome(struct child *c, const char *path, int st, char *why, size_t whylen)
{
	char eb[128];
	int e;

	if (read(c->exec, &e, sizeof(e)) == (ssize_t)sizeof(e)) {
		snprintf(why, whylen, "cannot run %s: %s", path,
		    strerror_r(e, eb, sizeof(eb)));
		return RSUBMIT_DEFERRED;
	}
	errtext(c);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return RSUBMIT_SENT;
	if (WIFEXITED(st))
		snprintf(why, whylen, "%s exited with status %d%s%s", path,
		    WEXITSTATUS(st), c->errbuf[0] ? ": " : "", c->errbuf);
	else
		snprintf(why, whylen, "%s killed by signal %d%s%s", path,
		    WTERMSIG(st), c->errbuf[0] ? ": " : "", c->errbuf);
	if (WIFEXITED(st) && WEXITSTATUS(st) == EX_TEMPFAIL_CODE)
		return RSUBMIT_DEFERRED;
	return RSUBMIT_FAILED;
}

/* rsubmit - see rsubmit.h */
enum rsubmit_result
rsubmit(const char *sendmail_path, const char *sender, const char *const *rcpts,
    size_t nrcpt, const void *msg, size_t len, unsigned timeout_s, char *why,
    size_t whylen)
{
	struct child c = { .in = -1, .err = -1, .exec = -1 };
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	enum rsubmit_result r;
	int timed_out, st;

	why[0] = '\0';
	if (start(&c, sendmail_path, sender, rcpts, nrcpt, why, whylen) < 0)
		return RSUBMIT_DEFERRED;
	sigaction(SIGPIPE, &ign, &old);
	timed_out = pump(&c, msg, len,
			time(NULL) + (timeout_s ? timeout_s : 300)) < 0;
	sigaction(SIGPIPE, &old, NULL);
	close_fd(&c.in);
	close_fd(&c.err);
	st = wait_child(c.pid, timed_out);
	if (timed_out) {
		snprintf(why, whylen, "%s did not finish within %u s: killed",
		    sendmail_path, timeout_s ? timeout_s : 300);
		r = RSUBMIT_DEFERRED;
	} else {
		r = outcome(&c, sendmail_path, st, why, whylen);
	}
	close_fd(&c.exec);
	return r;
}
