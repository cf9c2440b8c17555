/*
 * conf.c - load a libconfig file through the option tables (conf.h) into a
 * struct conf snapshot; reference counting and the current snapshot.
 *
 * Loading is strict: an unknown option, a wrong type or an out-of-range
 * value stops the load with "file:line: what is wrong" in struct
 * conf_err.  Options that are absent take the default written in their
 * table entry, so the defaults exist in one place only.  An empty file
 * (or none) is a valid, verify-only configuration.
 *
 * The loader is pure configuration: it builds no run-time resource (the
 * resolver, module set-up: runtime.c does that to a loaded snapshot) and
 * knows no module beyond the option tables they declare.
 *
 * Thread safety: conf_read is called by the main thread only (start-up
 * and SIGHUP) and builds a private snapshot; conf_current and
 * conf_install swap the shared pointer under a mutex; reference counts
 * are atomic.  A snapshot is immutable once installed.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "conf_check.h"
#include "conf_table.h"
#include "log.h"
#include "str.h"

static pthread_mutex_t conf_lock = PTHREAD_MUTEX_INITIALIZER;
static struct conf *conf_cur;
static const char *conf_cur_file;	/* file being loaded, for errors */

static int load_table(const config_setting_t *group,
    const struct conf_opt *tab, void *base, struct conf_err *e);
static void free_table(const struct conf_opt *tab, void *base);

/* setting_path - "group.name", "list.[2]" (libconfig's path syntax) of
 * s into buf; returns the length written */
static size_t
setting_path(const config_setting_t *s, char *buf, size_t len)
{
	const char *name;
	size_t o;
	int n;

	if (s == NULL || config_setting_is_root(s))
		return 0;
	o = setting_path(config_setting_parent(s), buf, len);
	if (o >= len)
		return o;
	name = config_setting_name(s);
	if (name != NULL)
		n = snprintf(buf + o, len - o, "%s%s", o ? "." : "", name);
	else
		n = snprintf(buf + o, len - o, "%s[%d]", o ? "." : "",
		    config_setting_index(s));
	return n < 0 ? o : o + (size_t)n;
}

/* conf_setting_path - see conf.h */
void
conf_setting_path(const config_setting_t *s, char *buf, size_t len)
{
	if (len > 0)
		buf[0] = '\0';
	if (len > 0 && setting_path(s, buf, len) >= len)
		buf[len - 1] = '\0';
}

/* conf_err_set - record an error with the line and path of s */
void
conf_err_set(struct conf_err *e, const config_setting_t *s,
    const char *fmt, ...)
{
	const char *f = NULL;
	char path[256];
	size_t o = 0;
	va_list ap;

	e->line = s ? config_setting_source_line(s) : 0;
	if (s != NULL)
		f = config_setting_source_file(s);
	if (f == NULL)
		f = conf_cur_file ? conf_cur_file : "(config)";
	snprintf(e->file, sizeof(e->file), "%s", f);
	path[0] = '\0';
	if (setting_path(s, path, sizeof(path)) > 0)
		o = (size_t)snprintf(e->msg, sizeof(e->msg), "%s: ", path);
	if (o >= sizeof(e->msg))
		o = 0;
	va_start(ap, fmt);
	vsnprintf(e->msg + o, sizeof(e->msg) - o, fmt, ap);
	va_end(ap);
}

/* check_value - run an option's value check; s: the setting (NULL for a
 * default) */
static int
check_value(const struct conf_opt *o, const char *v, const config_setting_t *s,
    struct conf_err *e)
{
	char why[300], shown[200];

	if (o->valid == NULL || v == NULL || o->valid(v, why, sizeof(why)) == 0)
		return 0;
	LOG_P(shown, v);
	if (s == NULL)
		conf_err_set(e, NULL, "%s: default \"%s\": %s", o->name, shown,
		    why);
	else
		conf_err_set(e, s, "\"%s\": %s", shown, why);
	return -1;
}

/* conf_strlist_len - entries of a NULL-terminated list */
size_t
conf_strlist_len(char *const *l)
{
	size_t n = 0;

	while (l != NULL && l[n] != NULL)
		n++;
	return n;
}

/* conf_strlist_has - s is in the list, ignoring ASCII case */
int
conf_strlist_has(char *const *l, const char *s)
{
	for (; l != NULL && *l != NULL; l++)
		if (str_casecmp(*l, s) == 0)
			return 1;
	return 0;
}

/* conf_strlist_free - free a NULL-terminated list */
void
conf_strlist_free(char **l)
{
	size_t i;

	for (i = 0; l != NULL && l[i] != NULL; i++)
		free(l[i]);
	free(l);
}

/* split_default - "a,b,c" into a NULL-terminated list */
static char **
split_default(const char *def)
{
	char **l = xcalloc(1, sizeof(*l));
	size_t n = 0;
	const char *p = def;

	while (p != NULL && *p != '\0') {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);

		l = xrealloc(l, (n + 2) * sizeof(*l));
		l[n++] = xstrndup(p, len);
		l[n] = NULL;
		p = c ? c + 1 : NULL;
	}
	return l;
}

/* enum_index - position of name in enums, -1 if absent */
static int
enum_index(const char *const *enums, const char *name)
{
	int i;

	for (i = 0; enums[i] != NULL; i++)
		if (str_casecmp(enums[i], name) == 0)
			return i;
	return -1;
}

/* enum_list - "a, b or c" for error messages */
static void
enum_list(const char *const *enums, char *buf, size_t len)
{
	size_t o = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; enums[i] != NULL && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s\"%s\"",
		    i == 0 ? "" : enums[i + 1] ? ", " : " or ", enums[i]);
}

/* cidrs_from_list - parse every entry of a string list (s: the list
 * setting, NULL for a default) */
static int
cidrs_from_list(char **l, struct cidr_set *set, const config_setting_t *s,
    struct conf_err *e)
{
	char why[300], shown[200];
	const char *w;
	size_t i;

	for (i = 0; l[i] != NULL; i++) {
		if (conf_check_cidr(l[i], why, sizeof(why)) == 0) {
			if (cidr_set_add(set, l[i], &w) == 0)
				continue;
			snprintf(why, sizeof(why), "%s", w);
		}
		conf_err_set(e,
		    s ? config_setting_get_elem(s, (unsigned)i) : NULL,
		    "\"%s\": %s", LOG_P(shown, l[i]), why);
		return -1;
	}
	return 0;
}

/* set_default - apply an option's default to its field */
static int
set_default(const struct conf_opt *o, void *field, struct conf_err *e)
{
	uint64_t v;
	char **l;
	int rc;

	switch (o->type) {
	case CT_BOOL:
		*(int *)field = o->def && str_casecmp(o->def, "true") == 0;
		return 0;
	case CT_INT:
		if (o->def == NULL || str_parse_u64(o->def, strlen(o->def),
		    (uint64_t)o->max, &v) < 0)
			v = (uint64_t)o->min;
		*(long *)field = (long)v;
		return 0;
	case CT_STRING:
		*(char **)field = o->def ? xstrdup(o->def) : NULL;
		return check_value(o, o->def, NULL, e);
	case CT_ENUM:
		*(int *)field = o->def ? enum_index(o->enums, o->def) : 0;
		return 0;
	case CT_STRLIST:
		*(char ***)field = l = o->def ? split_default(o->def) : NULL;
		for (rc = 0; l != NULL && *l != NULL && rc == 0; l++)
			rc = check_value(o, *l, NULL, e);
		return rc;
	case CT_CIDRS:
		l = split_default(o->def);
		rc = cidrs_from_list(l, field, NULL, e);
		conf_strlist_free(l);
		return rc;
	case CT_SECTION:
		return load_table(NULL, o->sub, field, e);
	case CT_CUSTOM:
		return o->parse(NULL, field, e);
	}
	return 0;
}

/* read_strlist - an array or list of strings, each passing o->valid */
static int
read_strlist(const struct conf_opt *o, const config_setting_t *s, char ***out,
    struct conf_err *e)
{
	int t = config_setting_type(s), i, n;
	char **l;

	if (t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST) {
		conf_err_set(e, s,
		    "expected a list of strings, "
		    "e.g. [\"a\", \"b\"]");
		return -1;
	}
	n = config_setting_length(s);
	l = xcalloc((size_t)n + 1, sizeof(*l));
	for (i = 0; i < n; i++) {
		const config_setting_t *el = config_setting_get_elem(s,
		    (unsigned)i);

		if (config_setting_type(el) != CONFIG_TYPE_STRING) {
			conf_err_set(e, el, "not a string");
			conf_strlist_free(l);
			return -1;
		}
		l[i] = xstrdup(config_setting_get_string(el));
		if (check_value(o, l[i], el, e) < 0) {
			conf_strlist_free(l);
			return -1;
		}
	}
	*out = l;
	return 0;
}

/* read_int - an integer within bounds */
static int
read_int(const struct conf_opt *o, const config_setting_t *s, long *out,
    struct conf_err *e)
{
	long long v;
	int t = config_setting_type(s);

	if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64) {
		conf_err_set(e, s, "expected an integer");
		return -1;
	}
	v = config_setting_get_int64(s);
	if (v < o->min || v > o->max) {
		conf_err_set(e, s, "%lld is out of range (%ld to %ld)", v,
		    o->min, o->max);
		return -1;
	}
	*out = (long)v;
	return 0;
}

/* read_enum - one of the option's names */
static int
read_enum(const struct conf_opt *o, const config_setting_t *s, int *out,
    struct conf_err *e)
{
	char names[512], shown[200];
	int i;

	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		i = enum_index(o->enums, config_setting_get_string(s));
		if (i >= 0) {
			*out = i;
			return 0;
		}
		enum_list(o->enums, names, sizeof(names));
		conf_err_set(e, s, "\"%s\": expected %s",
		    LOG_P(shown, config_setting_get_string(s)), names);
		return -1;
	}
	enum_list(o->enums, names, sizeof(names));
	conf_err_set(e, s, "expected %s", names);
	return -1;
}

/* read_value - apply a present setting to its (zeroed) field */
static int
read_value(const struct conf_opt *o, const config_setting_t *s, void *field,
    struct conf_err *e)
{
	char **l = NULL;
	int rc;

	switch (o->type) {
	case CT_BOOL:
		if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
			conf_err_set(e, s, "expected true or false");
			return -1;
		}
		*(int *)field = config_setting_get_bool(s);
		return 0;
	case CT_INT:
		return read_int(o, s, field, e);
	case CT_STRING:
		if (config_setting_type(s) != CONFIG_TYPE_STRING) {
			conf_err_set(e, s, "expected a string");
			return -1;
		}
		*(char **)field = xstrdup(config_setting_get_string(s));
		return check_value(o, *(char **)field, s, e);
	case CT_ENUM:
		return read_enum(o, s, field, e);
	case CT_STRLIST:
		return read_strlist(o, s, field, e);
	case CT_CIDRS:
		if (read_strlist(o, s, &l, e) < 0)
			return -1;
		rc = cidrs_from_list(l, field, s, e);
		conf_strlist_free(l);
		return rc;
	case CT_SECTION:
		if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
			conf_err_set(e, s, "expected a group { ... }");
			return -1;
		}
		return load_table(s, o->sub, field, e);
	case CT_CUSTOM:
		return o->parse(s, field, e);
	}
	return -1;
}

/* free_field - release what an option's field owns */
static void
free_field(const struct conf_opt *o, void *field)
{
	switch (o->type) {
	case CT_STRING:
		free(*(char **)field);
		*(char **)field = NULL;
		break;
	case CT_STRLIST:
		conf_strlist_free(*(char ***)field);
		*(char ***)field = NULL;
		break;
	case CT_CIDRS:
		cidr_set_free(field);
		break;
	case CT_SECTION:
		free_table(o->sub, field);
		break;
	case CT_CUSTOM:
		if (o->free != NULL)
			o->free(field);
		break;
	default:
		break;
	}
}

/* conf_group_check - see conf.h */
int
conf_group_check(const config_setting_t *g, const char *const *names,
    const char *hint, struct conf_err *e)
{
	int i, n = config_setting_length(g);
	size_t k;

	for (i = 0; i < n; i++) {
		const config_setting_t *m = config_setting_get_elem(g,
		    (unsigned)i);
		const char *nm = config_setting_name(m);

		for (k = 0; names[k] != NULL; k++)
			if (nm != NULL && strcmp(nm, names[k]) == 0)
				break;
		if (names[k] == NULL) {
			conf_err_set(e, m, "unknown option '%s'%s%s%s",
			    nm ? nm : "(unnamed)", hint ? " (" : "",
			    hint ? hint : "", hint ? ")" : "");
			return -1;
		}
	}
	return 0;
}

/* check_known - every member of group names an option of tab */
static int
check_known(const config_setting_t *group, const struct conf_opt *tab,
    struct conf_err *e)
{
	const char *names[128];
	size_t n = 0;

	for (; tab[n].name != NULL && n + 1 < sizeof(names) / sizeof(*names);
	     n++)
		names[n] = tab[n].name;
	names[n] = NULL;
	return conf_group_check(group, names, NULL, e);
}

/* load_table - defaults, then present settings, then the section check */
static int
load_table(const config_setting_t *group, const struct conf_opt *tab,
    void *base, struct conf_err *e)
{
	const struct conf_opt *o;

	if (group != NULL && check_known(group, tab, e) < 0)
		return -1;
	for (o = tab; o->name != NULL; o++) {
		void *field = (char *)base + o->off;
		const config_setting_t *s = group ?
		    config_setting_get_member(group, o->name) : NULL;

		if (s == NULL ? set_default(o, field, e) < 0 :
		    read_value(o, s, field, e) < 0)
			return -1;
		if (o->type == CT_SECTION && o->check != NULL &&
		    o->check(field, conf_cur_file, s, e) < 0)
			return -1;
	}
	return 0;
}

/* free_table - free every field a table describes */
static void
free_table(const struct conf_opt *tab, void *base)
{
	const struct conf_opt *o;

	for (o = tab; o->name != NULL; o++)
		free_field(o, (char *)base + o->off);
}

/* conf_free - free a snapshot and the resources built from it */
static void
conf_free(struct conf *c)
{
	if (c == NULL)
		return;
	if (c->rt_stop != NULL)
		c->rt_stop(c);
	dns_resolver_free(c->resolver);
	free_table(conf_opts, c);
	free(c->file);
	free(c);
}

/* finish - derived values */
static int
finish(struct conf *c, struct conf_err *e)
{
	char host[256], err[256];

	if (c->authserv_id == NULL) {
		if (gethostname(host, sizeof(host)) < 0)
			snprintf(host, sizeof(host), "localhost");
		host[sizeof(host) - 1] = '\0';
		if (conf_check_authserv_id(host, err, sizeof(err)) < 0) {
			conf_err_set(e, NULL,
			    "authserv_id is not set and the "
			    "host name \"%s\" cannot be used: %s",
			    host, err);
			return -1;
		}
		c->authserv_id = xstrdup(host);
	}
	return 0;
}

/* load_cfg - a parsed libconfig tree into a new snapshot */
static struct conf *
load_cfg(config_t *cfg, const char *file, struct conf_err *e)
{
	struct conf *c = xcalloc(1, sizeof(*c));

	c->refcnt = 1;
	c->file = file ? xstrdup(file) : NULL;
	conf_cur_file = file;
	if (load_table(config_root_setting(cfg), conf_opts, c, e) < 0 ||
	    conf_table_check(c, config_root_setting(cfg), e) < 0 ||
	    finish(c, e) < 0) {
		conf_cur_file = NULL;
		conf_free(c);
		return NULL;
	}
	conf_cur_file = NULL;
	return c;
}

/* parse_error - libconfig's syntax error into e */
static void
parse_error(const config_t *cfg, const char *file, struct conf_err *e)
{
	const char *f = config_error_file(cfg);

	snprintf(e->file, sizeof(e->file), "%s", f ? f : file);
	e->line = config_error_line(cfg);
	snprintf(e->msg, sizeof(e->msg), "%s", config_error_text(cfg) ?
	    config_error_text(cfg) : "cannot read the file");
	if (config_error_type(cfg) == CONFIG_ERR_FILE_IO) {
		char buf[128];

		snprintf(e->msg, sizeof(e->msg), "cannot read: %s",
		    strerror_r(errno, buf, sizeof(buf)));
	}
}

/* load_read - finish a load: the snapshot from cfg if read_ok, else its
 * syntax error (what names the text in it); cfg is destroyed either way */
static struct conf *
load_read(config_t *cfg, int read_ok, const char *what, const char *file,
    struct conf_err *e)
{
	struct conf *c = NULL;

	if (!read_ok)
		parse_error(cfg, what, e);
	else
		c = load_cfg(cfg, file, e);
	config_destroy(cfg);
	return c;
}

/* conf_read - a snapshot from a file (NULL/"": defaults) */
struct conf *
conf_read(const char *file, struct conf_err *e)
{
	int named = file != NULL && *file != '\0', read_ok = 1;
	config_t cfg;

	memset(e, 0, sizeof(*e));
	config_init(&cfg);
	if (named)
		read_ok = config_read_file(&cfg, file) == CONFIG_TRUE;
	return load_read(&cfg, read_ok, file, named ? file : NULL, e);
}

/* conf_read_string - a snapshot from text */
struct conf *
conf_read_string(const char *text, struct conf_err *e)
{
	config_t cfg;

	memset(e, 0, sizeof(*e));
	config_init(&cfg);
	return load_read(&cfg, config_read_string(&cfg, text) == CONFIG_TRUE,
	    "(string)", NULL, e);
}

/* conf_hold - one more reference */
struct conf *
conf_hold(struct conf *c)
{
	if (c != NULL)
		__atomic_add_fetch(&c->refcnt, 1, __ATOMIC_SEQ_CST);
	return c;
}

/* conf_release - drop a reference; the last one frees */
void
conf_release(struct conf *c)
{
	if (c != NULL && __atomic_sub_fetch(&c->refcnt, 1,
	    __ATOMIC_SEQ_CST) == 0)
		conf_free(c);
}

/* conf_current - the installed snapshot, held */
struct conf *
conf_current(void)
{
	struct conf *c;

	pthread_mutex_lock(&conf_lock);
	c = conf_hold(conf_cur);
	pthread_mutex_unlock(&conf_lock);
	return c;
}

/* conf_install - make c current (takes over its reference) */
void
conf_install(struct conf *c)
{
	struct conf *old;

	pthread_mutex_lock(&conf_lock);
	old = conf_cur;
	conf_cur = c;
	pthread_mutex_unlock(&conf_lock);
	conf_release(old);
}

/* walk - recursive helper of conf_walk */
static void
walk(const struct conf_opt *tab, const char *prefix,
    void (*fn)(const char *, const struct conf_opt *, void *), void *arg)
{
	const struct conf_opt *o;
	char name[256];

	for (o = tab; o->name != NULL; o++) {
		snprintf(name, sizeof(name), "%s%s%s", prefix,
		    *prefix ? "." : "", o->name);
		fn(name, o, arg);
		if (o->type == CT_SECTION)
			walk(o->sub, name, fn, arg);
	}
}

/* conf_walk - every option with its dotted name */
void
conf_walk(void (*fn)(const char *dotted, const struct conf_opt *o,
    void *arg), void *arg)
{
	walk(conf_opts, "", fn, arg);
}
