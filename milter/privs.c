/*
 * privs.c - who hallmarkd is while it starts, and which permissions its
 * files are read with.
 *
 * The model (README "Running as a service"): hallmarkd started as root
 * with `user = "NAME";` reads its configuration file, tables and key
 * files with NAME's permissions, always: at start (as root it takes on
 * NAME's effective user, group and supplementary groups for the read, then
 * returns to root), for `hallmarkd -n`, and on SIGHUP (by then it runs as
 * NAME).  So a key file owned by NAME, mode 0600, works at start and at
 * every reload, and a key only root can read is refused at start, not at
 * the first reload.  Root is needed only to open the socket and to hand a
 * unix socket to NAME and socket_group: no CAP_DAC_OVERRIDE.
 *
 * A unix socket is created by root under the process umask, then gets
 * socket_mode (chmod, while root still owns it: no CAP_FOWNER needed),
 * then owner NAME and group socket_group (default: NAME's group) with
 * CAP_CHOWN.  The drop (initgroups, setgid, setuid) changes every thread.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libconfig.h>

#include "conf_check.h"
#include "conf_table.h"
#include "log.h"
#include "privs.h"
#include "str.h"

#define MAX_GROUPS 256

struct priv_saved {
	gid_t egid;
	gid_t groups[MAX_GROUPS];
	int ngroups;
};

/* priv_conf_user - the `user` option, read before the configuration */
char *
priv_conf_user(const char *file)
{
	config_t cfg;
	const char *s = NULL;
	char *user = NULL;

	if (file == NULL || *file == '\0')
		return NULL;
	config_init(&cfg);
	if (config_read_file(&cfg, file) == CONFIG_TRUE &&
	    config_lookup_string(&cfg, "user", &s) == CONFIG_TRUE)
		user = xstrdup(s);
	config_destroy(&cfg);
	return user;
}

/* priv_lookup - user name to ids */
int
priv_lookup(const char *name, struct priv_user *pu)
{
	struct passwd *pw = getpwnam(name);

	if (pw == NULL)
		return -1;
	snprintf(pu->name, sizeof(pu->name), "%s", pw->pw_name);
	pu->uid = pw->pw_uid;
	pu->gid = pw->pw_gid;
	return 0;
}

/* become - root takes on pu's effective ids and groups */
static int
become(const struct priv_user *pu, struct priv_saved *sv)
{
	sv->egid = getegid();
	sv->ngroups = getgroups(MAX_GROUPS, sv->groups);
	if (sv->ngroups < 0)
		return -1;
	if (initgroups(pu->name, pu->gid) < 0 || setegid(pu->gid) < 0 ||
	    seteuid(pu->uid) < 0)
		return -1;
	return 0;
}

/* unbecome - back to root's effective ids and groups; a failure here
 * would leave the process half-privileged: stop */
static void
unbecome(const struct priv_saved *sv)
{
	if (seteuid(0) < 0 || setegid(sv->egid) < 0 ||
	    setgroups((size_t)sv->ngroups, sv->groups) < 0) {
		log_err(
		    "cannot return to root after reading the configuration");
		exit(1);
	}
}

/* priv_load_as - conf_load() with pu's permissions */
struct conf *
priv_load_as(const struct priv_user *pu, const char *file, int check_only,
    struct conf_err *e)
{
	struct priv_saved sv;
	struct conf *c;
	char eb[128];
	size_t n;

	if (become(pu, &sv) < 0) {
		int err = errno;

		if (sv.ngroups >= 0)
			unbecome(&sv);
		memset(e, 0, sizeof(*e));
		snprintf(e->file, sizeof(e->file), "%s", file);
		snprintf(e->msg, sizeof(e->msg),
		    "cannot take on user %s's permissions to read the "
		    "configuration: %s",
		    pu->name, strerror_r(err, eb, sizeof(eb)));
		return NULL;
	}
	c = conf_load(file, check_only, e);
	unbecome(&sv);
	if (c == NULL && (n = strlen(e->msg)) + 1 < sizeof(e->msg))
		snprintf(e->msg + n, sizeof(e->msg) - n,
		    " (hallmarkd reads its configuration and key files as "
		    "user %s)",
		    pu->name);
	return c;
}

/* socket_ids - the owner and group a unix socket gets (-1: unchanged) */
static int
socket_ids(const struct conf *c, uid_t *uid, gid_t *gid)
{
	struct priv_user pu;
	struct group *gr;

	*uid = (uid_t)-1;
	*gid = (gid_t)-1;
	if (c->user != NULL && geteuid() == 0) {
		if (priv_lookup(c->user, &pu) < 0) {
			log_err("user \"%s\": no such user", c->user);
			return -1;
		}
		*uid = pu.uid;
		*gid = pu.gid;
	}
	if (c->socket_group != NULL) {
		if ((gr = getgrnam(c->socket_group)) == NULL) {
			log_err("socket_group \"%s\": no such group",
			    c->socket_group);
			return -1;
		}
		*gid = gr->gr_gid;
	}
	return 0;
}

/* priv_socket - mode, owner and group of a unix socket */
int
priv_socket(const struct conf *c, const char *path)
{
	long mode = conf_mode_value(c->socket_mode);
	const char *group = "unchanged";
	char eb[128];
	uid_t uid;
	gid_t gid;

	if (mode < 0) { /* the configuration check refuses it first */
		log_err("socket_mode \"%s\": not an octal mode",
		    c->socket_mode);
		return -1;
	}
	if (socket_ids(c, &uid, &gid) < 0)
		return -1;
	if (chmod(path, (mode_t)mode) < 0) {
		log_err("chmod %s to %s: %s", path, c->socket_mode,
		    strerror_r(errno, eb, sizeof(eb)));
		return -1;
	}
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) &&
	    chown(path, uid, gid) < 0) {
		log_err("chown %s to user %s, group %s: %s", path,
		    c->user ? c->user : "(unchanged)",
		    c->socket_group ? c->socket_group : "(the user's)",
		    strerror_r(errno, eb, sizeof(eb)));
		return -1;
	}
	if (c->socket_group != NULL)
		group = c->socket_group;
	else if (c->user != NULL && geteuid() == 0)
		group = "the user's";
	log_info("unix socket %s: mode %s, group %s", path, c->socket_mode,
	    group);
	return 0;
}

/* priv_drop - become c->user */
int
priv_drop(const struct conf *c)
{
	struct priv_user pu;
	char eb[128];

	if (c->user == NULL || geteuid() != 0)
		return 0;
	if (priv_lookup(c->user, &pu) < 0) {
		log_err("user \"%s\": no such user", c->user);
		return -1;
	}
	if (initgroups(pu.name, pu.gid) < 0 || setgid(pu.gid) < 0 ||
	    setuid(pu.uid) < 0) {
		log_err("cannot switch to user \"%s\": %s", c->user,
		    strerror_r(errno, eb, sizeof(eb)));
		return -1;
	}
	log_info("running as user %s", c->user);
	return 0;
}
