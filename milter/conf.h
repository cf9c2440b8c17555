/*
 * conf.h - hallmark's configuration: a libconfig file loaded through option
 * tables into an immutable, reference-counted snapshot (struct conf).
 *
 * Every option is declared once, in a table (struct conf_opt): name, type,
 * default, bounds, one line of documentation.  The loader, `hallmarkd -n`,
 * and the test that checks conf/hallmark.conf documents every option all
 * read the same tables.  Modules declare their own section table (e.g.
 * spf_conf_opts in spf.c) and their own section struct; conf_table.c lists
 * the sections.
 *
 * Errors: an unknown option, a wrong type, a value out of bounds or one
 * its check (.valid, conf_check.h) refuses is an error "file:line:
 * path: what is wrong", path naming the setting as libconfig does
 * ("dmarc.on_reject", "dkim_sign.keys.[1].selector": list elements
 * counted from 0); loading stops at the first error.
 *
 * Snapshots: conf_current() hands out a held reference; a connection keeps
 * its snapshot until it closes.  conf_install() swaps in a new snapshot;
 * the old one is freed when its last holder releases it.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_CONF_H
#define HALLMARK_CONF_H

#include <stddef.h>
#include <libconfig.h>

#include "cidr.h"

struct conf_err {
	char file[256];
	int line;		/* 0 when not known */
	char msg[512];
};

enum conf_type {
	CT_BOOL,	/* int: 0/1 */
	CT_INT,		/* long, within [min, max] */
	CT_STRING,	/* char *, NULL when unset and no default */
	CT_ENUM,	/* int: index into enums[] */
	CT_STRLIST,	/* char ** NULL-terminated (a libconfig array or list) */
	CT_CIDRS,	/* struct cidr_set */
	CT_SECTION,	/* a group; sub describes it, off locates its struct */
	CT_CUSTOM	/* parse/free given by the option */
};

struct conf_opt;

/* custom parser: s == NULL means "set the default"; return 0 or -1 with e */
typedef int (*conf_parse_fn)(const config_setting_t *s, void *field,
    struct conf_err *e);
typedef void (*conf_free_fn)(void *field);
/* value check of a CT_STRING, of each CT_STRLIST element (conf_check.h):
 * 0, or -1 with a reason in err that does not repeat the value */
typedef int (*conf_valid_fn)(const char *value, char *err, size_t errlen);
/* section check, after the section is loaded (e.g. load key files) */
typedef int (*conf_check_fn)(void *section, const char *conf_file,
    const config_setting_t *s, struct conf_err *e);

struct conf_opt {
	const char *name;
	enum conf_type type;
	size_t off;			/* offset in the enclosing struct */
	const char *def;		/* default as text ("5000", "true",
					 * "127.0.0.0/8,::1", enum name);
					 * NULL = none */
	long min, max;			/* CT_INT bounds */
	const char *const *enums;	/* CT_ENUM: NULL-terminated names */
	const struct conf_opt *sub;	/* CT_SECTION: its table ({NULL}-ended) */
	conf_parse_fn parse;		/* CT_CUSTOM */
	conf_free_fn free;		/* CT_CUSTOM */
	conf_check_fn check;		/* CT_SECTION: optional */
	conf_valid_fn valid;		/* CT_STRING, CT_STRLIST: optional */
	const char *doc;		/* one line */
};

/* helpers to write option tables */
#define CONF_END { .name = NULL }

/* conf_opts - the top-level table (conf_table.c) */
extern const struct conf_opt conf_opts[];

struct conf;	/* conf_table.h defines it */

/* conf_read - parse file (NULL or "" = the built-in defaults, an empty
 * configuration) into a snapshot: options, tables, key files, no run-time
 * resource (no resolver).  NULL and *e on error. */
struct conf *conf_read(const char *file, struct conf_err *e);
/* conf_read_string - same, from memory */
struct conf *conf_read_string(const char *text, struct conf_err *e);

/* conf_load - conf_read, then, unless check_only, the run-time resources
 * (the resolver, each module's init): defined in runtime.c, which builds
 * them; conf_load_string - same from memory (tests, fuzzers) */
struct conf *conf_load(const char *file, int check_only, struct conf_err *e);
struct conf *conf_load_string(const char *text, int check_only,
    struct conf_err *e);

/* reference counting and the current snapshot */
struct conf *conf_hold(struct conf *c);
void conf_release(struct conf *c);
struct conf *conf_current(void);		/* held: release when done */
void conf_install(struct conf *c);		/* takes over the reference */

/* conf_err_set - helper for parsers: record the file and line of s (may
 * be NULL) and the message, after the path of s ("dns.forwarders.[0]: ") */
void conf_err_set(struct conf_err *e, const config_setting_t *s,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* conf_group_check - every member of group g is one of names (NULL-
 * ended); else -1 and "unknown option 'x'" at its line, followed by
 * " (HINT)" when hint is not NULL */
int conf_group_check(const config_setting_t *g, const char *const *names,
    const char *hint, struct conf_err *e);

/* conf_walk - call fn for every option with its dotted name (docs check) */
void conf_walk(void (*fn)(const char *dotted, const struct conf_opt *o,
    void *arg), void *arg);

/* conf_strlist_len / conf_strlist_has (ASCII case-insensitive) /
 * conf_strlist_free */
size_t conf_strlist_len(char *const *l);
int conf_strlist_has(char *const *l, const char *s);
void conf_strlist_free(char **l);

/* conf_setting_path - the path of s as errors name it ("dmarc.vendors.[0]";
 * "" for the root or NULL) */
void conf_setting_path(const config_setting_t *s, char *buf, size_t len);

#endif
