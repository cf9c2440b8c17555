/*
 * privs.h - who hallmarkd is while it starts (privs.c): the run-as user,
 * files read with that user's permissions, the unix socket's owner, group
 * and mode, and the final privilege drop.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_PRIVS_H
#define HALLMARK_PRIVS_H

#include <sys/types.h>

#include "conf.h"

struct conf;

struct priv_user {
	char name[64];
	uid_t uid;
	gid_t gid;
};

/* priv_conf_user - the `user` option of file, read with libconfig alone
 * (before the configuration itself is loaded); allocated, or NULL when
 * there is none or the file cannot be read */
char *priv_conf_user(const char *file);

/* priv_lookup - user name to ids; -1 when there is no such user */
int priv_lookup(const char *name, struct priv_user *pu);

/* priv_load_as - conf_load() with pu's effective ids and groups (the
 * caller is root), back to root afterwards; the error, if any, says that
 * the files were read as pu */
struct conf *priv_load_as(const struct priv_user *pu, const char *file,
    int check_only, struct conf_err *e);

/* priv_socket - a unix socket at path gets socket_mode, then the run-as
 * user (when root) and socket_group; 0, or -1 logged */
int priv_socket(const struct conf *c, const char *path);

/* priv_drop - become c->user (when root and a user is set); 0 or -1
 * logged */
int priv_drop(const struct conf *c);

#endif
