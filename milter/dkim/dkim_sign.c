/*
 * dkim_sign.c - the DKIM signing module: the dkim_sign { } configuration
 * section (option table, parsers, the check that loads the key table),
 * the per-message decision (which mail, which keys) and the hooks that
 * stream the body into the canonicaliser and queue the DKIM-Signature
 * fields at end of message.
 *
 * Owns: struct dkims_msg in msg->mod[MOD_DKIMS] (the block allocated and
 * freed by ctx.c, the body hash it points to freed by the msg_free hook), the section's struct keytab (freed with the configuration).
 * Thread safety: the configuration and its keys are read-only; message
 * state belongs to one message.  Errors: a configuration error fails the
 * load with file:line; a signing failure at end of message is an internal
 * error (the message gets on_internal_error, default tempfail).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf_check.h"
#include "conf_table.h"
#include "ctx.h"
#include "dkim_sigbuild.h"
#include "dkim_sign.h"
#include "log.h"
#include "metrics.h"
#include "mailaddr.h"
#include "str.h"

#define DKIMS_MAX_KEYS 16
#define ADDR_MAX 512

/* ---- configuration ------------------------------------------------- */

struct dkims_rulespec {
	size_t n;
	struct {
		char *pattern;
		char **names;
		char origin[300];
	} *v;
};

#define F(m) offsetof(struct dkims_conf, m)

/* origin_of - "file:line: path" of a setting (errors about the key or
 * rule, e.g. from loading its key file, name where it is written) */
static void
origin_of(const config_setting_t *s, char *buf, size_t len)
{
	const char *f = config_setting_source_file(s);
	char path[200];

	conf_setting_path(s, path, sizeof(path));
	snprintf(buf, len, "%s:%d: %s", f ? f : "(config)",
	    config_setting_source_line(s), path);
}

/* key_names_ok - domain and selector (when present) are domain names
 * (domain may be "%"), reported at their own settings */
static int
key_names_ok(const config_setting_t *g, const char *dom, const char *sel,
    struct conf_err *e)
{
	if (dom != NULL && strcmp(dom, KEYTAB_FROM_DOMAIN) != 0 &&
	    !keytab_domain_ok(dom)) {
		conf_err_set(e, config_setting_get_member(g, "domain"),
		    "\"%s\": not a domain name", dom);
		return -1;
	}
	if (sel != NULL && !keytab_domain_ok(sel)) {
		conf_err_set(e, config_setting_get_member(g, "selector"),
		    "\"%s\": not a selector (labels of letters, digits, '-' "
		    "and '_', separated by dots)",
		    sel);
		return -1;
	}
	return 0;
}

/* member_string - a string member of a group, or NULL (error if wrong type) */
static int
member_string(const config_setting_t *g, const char *name, const char **out,
    struct conf_err *e)
{
	const config_setting_t *m = config_setting_get_member(g, name);

	*out = NULL;
	if (m == NULL)
		return 0;
	if (config_setting_type(m) != CONFIG_TYPE_STRING) {
		conf_err_set(e, m, "expected a string");
		return -1;
	}
	*out = config_setting_get_string(m);
	return 0;
}

/* parse_one_key - { name; domain; selector; algorithm; key_file; } */
static int
parse_one_key(struct keytab *t, const config_setting_t *g,
    struct conf_err *e)
{
	static const char *const names[] = { "name", "domain", "selector",
	    "algorithm", "key_file", NULL };
	const char *nm, *dom, *sel, *alg, *file;
	enum keytab_alg a;
	char origin[300], err[512];

	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		conf_err_set(e, g,
		    "each key is a group { name = ...; "
		    "domain = ...; selector = ...; key_file = ...; }");
		return -1;
	}
	if (conf_group_check(g, names, NULL, e) < 0 ||
	    member_string(g, "name", &nm, e) < 0 ||
	    member_string(g, "domain", &dom, e) < 0 ||
	    member_string(g, "selector", &sel, e) < 0 ||
	    member_string(g, "algorithm", &alg, e) < 0 ||
	    member_string(g, "key_file", &file, e) < 0)
		return -1;
	if (keytab_alg_parse(alg, &a) < 0) {
		conf_err_set(e, config_setting_get_member(g, "algorithm"),
		    "\"%s\": use \"rsa-sha256\" or \"ed25519-sha256\"", alg);
		return -1;
	}
	if (key_names_ok(g, dom, sel, e) < 0)
		return -1;
	origin_of(g, origin, sizeof(origin));
	if (keytab_add_key(t, nm, dom, sel, a, file, origin, err,
	    sizeof(err)) < 0) {
		/* err is "origin: text"; conf_err_set adds file:line */
		conf_err_set(e, g, "%s", strlen(err) > strlen(origin) + 2 ?
		    err + strlen(origin) + 2 : err);
		return -1;
	}
	return 0;
}

/* parse_keys - the keys list; s == NULL: an empty table */
static int
parse_keys(const config_setting_t *s, void *field, struct conf_err *e)
{
	struct keytab **t = field;
	int i, n;

	*t = keytab_new();
	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_LIST) {
		conf_err_set(e, s, "expected a list ( { ... }, ... )");
		return -1;
	}
	n = config_setting_length(s);
	for (i = 0; i < n; i++)
		if (parse_one_key(*t, config_setting_get_elem(s, (unsigned)i),
		    e) < 0)
			return -1;
	return 0;
}

/* free_keys - the table and its keys */
static void
free_keys(void *field)
{
	struct keytab **t = field;

	keytab_free(*t);
	*t = NULL;
}

/* rule_names - keys = ["a", "b"] or key = "a" */
static char **
rule_names(const config_setting_t *g, struct conf_err *e)
{
	const config_setting_t *k = config_setting_get_member(g, "keys");
	char **l;
	int i, n;

	if (k == NULL || (config_setting_type(k) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(k) != CONFIG_TYPE_LIST)) {
		conf_err_set(e, k ? k : g,
		    "keys = [\"name\", ...] is "
		    "required");
		return NULL;
	}
	n = config_setting_length(k);
	l = xcalloc((size_t)n + 1, sizeof(char *));
	for (i = 0; i < n; i++) {
		const char *v = config_setting_get_string_elem(k, i);

		if (v == NULL) {
			conf_err_set(e, k, "key names are strings");
			conf_strlist_free(l);
			return NULL;
		}
		l[i] = xstrdup(v);
	}
	return l;
}

/* parse_rules - signing_table = ( { pattern = "..."; keys = [...]; } ) */
static int
parse_rules(const config_setting_t *s, void *field, struct conf_err *e)
{
	static const char *const names[] = { "pattern", "keys", NULL };
	struct dkims_rulespec **rp = field, *r;
	const char *pat;
	int i, n;

	r = *rp = xcalloc(1, sizeof(*r));
	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_LIST) {
		conf_err_set(e, s,
		    "expected a list ( { pattern = ...; keys = "
		    "[...]; }, ... )");
		return -1;
	}
	n = config_setting_length(s);
	r->v = xcalloc((size_t)n + 1, sizeof(*r->v));
	for (i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(s,
		    (unsigned)i);

		if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
			conf_err_set(e, g,
			    "each entry is { pattern = \"...\"; "
			    "keys = [...]; }");
			return -1;
		}
		if (conf_group_check(g, names, NULL, e) < 0 ||
		    member_string(g, "pattern", &pat, e) < 0)
			return -1;
		if (pat == NULL) {
			conf_err_set(e, g, "entry without pattern");
			return -1;
		}
		if (!keytab_pattern_ok(pat)) {
			conf_err_set(e, config_setting_get_member(g, "pattern"),
			    "\"%s\": can never match (use \"user@domain\", "
			    "\"domain\", \"*.domain\" or \"*\")",
			    pat);
			return -1;
		}
		r->v[r->n].names = rule_names(g, e);
		if (r->v[r->n].names == NULL)
			return -1;
		r->v[r->n].pattern = xstrdup(pat);
		origin_of(g, r->v[r->n].origin, sizeof(r->v[r->n].origin));
		r->n++;
	}
	return 0;
}

/* free_rules - the parsed native rules */
static void
free_rules(void *field)
{
	struct dkims_rulespec **rp = field;
	size_t i;

	if (*rp == NULL)
		return;
	for (i = 0; i < (*rp)->n; i++) {
		free((*rp)->v[i].pattern);
		conf_strlist_free((*rp)->v[i].names);
	}
	free((*rp)->v);
	free(*rp);
	*rp = NULL;
}

static const char dkims_default_hdr_text[] =
    "from,sender,reply-to,subject,date,message-id,to,cc,mime-version,"
    "content-type,content-transfer-encoding,in-reply-to,references,"
    "resent-date,resent-from,resent-sender,resent-to,resent-cc,"
    "resent-message-id,list-id,list-help,list-unsubscribe,"
    "list-unsubscribe-post,list-subscribe,list-post,list-owner,"
    "list-archive";

static const char *const dkims_bad_key_names[] = { "fail", "skip", NULL };

/* option table rows stay as written (see .clang-format) */
/* clang-format off */
const struct conf_opt dkims_conf_opts[] = {
	{ .name = "enable", .type = CT_BOOL, .off = F(enable), .def = "true",
	  .doc = "sign (when keys and a signing table are configured)" },
	{ .name = "keys", .type = CT_CUSTOM, .off = F(keys),
	  .parse = parse_keys, .free = free_keys,
	  .doc = "signing keys: ( { name; domain; selector; algorithm; "
	    "key_file; } )" },
	{ .name = "signing_table", .type = CT_CUSTOM, .off = F(signing_table),
	  .parse = parse_rules, .free = free_rules,
	  .doc = "From address/domain patterns to key names" },
	{ .name = "opendkim_keytable", .type = CT_STRING,
	  .off = F(opendkim_keytable), .doc = "an OpenDKIM KeyTable file" },
	{ .name = "opendkim_signingtable", .type = CT_STRING,
	  .off = F(opendkim_signingtable),
	  .doc = "an OpenDKIM SigningTable file (\"refile:PATH\" for "
	    "patterns)" },
	{ .name = "opendkim_multiple_signatures", .type = CT_BOOL,
	  .off = F(opendkim_multiple_signatures), .def = "false",
	  .doc = "refile: every matching line signs (OpenDKIM "
	    "MultipleSignatures)" },
	{ .name = "canonicalization", .type = CT_STRING,
	  .off = F(canonicalization), .def = "relaxed/relaxed",
	  .doc = "header/body canonicalisation: simple or relaxed" },
	{ .name = "sign_headers", .type = CT_STRLIST, .off = F(sign_headers),
	  .def = dkims_default_hdr_text, .valid = conf_check_header_name,
	  .doc = "header fields signed when present; must contain from" },
	{ .name = "oversign_headers", .type = CT_STRLIST,
	  .off = F(oversign_headers), .def = "from",
	  .valid = conf_check_header_name,
	  .doc = "header fields signed once more than present (none can be "
	    "added)" },
	{ .name = "signature_ttl", .type = CT_INT, .off = F(signature_ttl),
	  .def = "0", .max = 315360000,
	  .doc = "x= expiry after this many seconds; 0: none" },
	{ .name = "on_bad_key", .type = CT_ENUM, .off = F(on_bad_key),
	  .def = "fail", .enums = dkims_bad_key_names,
	  .doc = "a key that cannot be loaded: fail (the whole load) or skip "
	    "(that key and the entries left without keys)" },
	{ .name = "trust_signing_table", .type = CT_BOOL,
	  .off = F(trust_signing_table), .def = "false",
	  .doc = "sign matching mail from any client, not only internal or "
	    "authenticated ones" },
	CONF_END
};
/* clang-format on */

/* err_from - a keytab message "file:line: text" into a conf_err */
static int
err_from(struct conf_err *e, const char *conf_file, const char *msg)
{
	const char *c1 = strchr(msg, ':'), *c2;
	uint64_t line;

	memset(e, 0, sizeof(*e));
	c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (c1 != NULL && c2 != NULL && c2[1] == ' ' &&
	    str_parse_u64(c1 + 1, (size_t)(c2 - c1 - 1), 1000000000, &line)
	    == 0) {
		snprintf(e->file, sizeof(e->file), "%.*s", (int)(c1 - msg), msg);
		e->line = (int)line;
		snprintf(e->msg, sizeof(e->msg), "%s", c2 + 2);
	} else {
		snprintf(e->file, sizeof(e->file), "%s",
		    conf_file ? conf_file : "(config)");
		snprintf(e->msg, sizeof(e->msg), "%s", msg);
	}
	return -1;
}

/* load_opendkim - the OpenDKIM KeyTable and SigningTable, if configured */
static int
load_opendkim(struct dkims_conf *c, char *err, size_t errlen)
{
	const char *path;
	char *text;
	int refile, rc;

	if (c->opendkim_keytable != NULL && *c->opendkim_keytable != '\0') {
		text = keytab_read_file(c->opendkim_keytable, &path, &refile,
		    err, errlen);
		if (text == NULL)
			return -1;
		rc = keytab_parse_opendkim_keytable(c->keys, text, path, err,
		    errlen);
		free(text);
		if (rc < 0)
			return -1;
	}
	if (c->opendkim_signingtable != NULL &&
	    *c->opendkim_signingtable != '\0') {
		text = keytab_read_file(c->opendkim_signingtable, &path,
		    &refile, err, errlen);
		if (text == NULL)
			return -1;
		rc = keytab_parse_opendkim_signingtable(c->keys, text, path,
		    refile, err, errlen);
		free(text);
		if (rc < 0)
			return -1;
	}
	keytab_set_multiple(c->keys, c->opendkim_multiple_signatures);
	return 0;
}

/* parse_canon - "header/body" */
static int
parse_canon(struct dkims_conf *c)
{
	char *h = xstrdup(c->canonicalization ? c->canonicalization : ""), *b;
	int rc;

	b = strchr(h, '/');
	if (b != NULL)
		*b++ = '\0';
	rc = canon_parse(h, &c->hcanon) < 0 ||
	    canon_parse(b ? b : "simple", &c->bcanon) < 0 ? -1 : 0;
	free(h);
	return rc;
}

/* dirname_of - directory of the configuration file, for relative paths */
static char *
dirname_of(const char *file)
{
	const char *sl = file ? strrchr(file, '/') : NULL;

	return sl ? xstrndup(file, (size_t)(sl - file)) : NULL;
}

/* bad_key - on_bad_key = "skip": a key that cannot be loaded */
static void
bad_key(void *arg, const char *msg)
{
	(void)arg;
	(void)metrics_inc(M_KEY_ERROR, NULL, NULL);
	log_warn("%s; key skipped (on_bad_key = \"skip\")", msg);
}

/* rule_dropped - on_bad_key = "skip": an entry whose keys all failed */
static void
rule_dropped(void *arg, const char *origin, const char *text)
{
	(void)arg;
	log_warn("%s: signing table entry \"%s\" dropped: none of its keys "
		 "could be loaded",
	    origin, text);
}

/* load_skipping - load the keys that can be loaded; error if none can */
static int
load_skipping(struct dkims_conf *c, const char *dir, char *err, size_t errlen)
{
	size_t n = keytab_nkeys(c->keys);
	size_t nbad = keytab_load_keys_skip(c->keys, dir, bad_key, NULL);

	if (nbad == 0)
		return 0;
	(void)keytab_drop_unloaded(c->keys, rule_dropped, NULL);
	if (nbad == n)
		return str_seterr(err, errlen,
		    "dkim_sign: none of the %zu "
		    "keys could be loaded",
		    n);
	log_warn("dkim_sign: %zu of %zu keys skipped", nbad, n);
	return 0;
}

/* dkims_conf_check - canonicalisation, tables, then every key file */
int
dkims_conf_check(void *section, const char *conf_file,
    const config_setting_t *s, struct conf_err *e)
{
	struct dkims_conf *c = section;
	char err[768], *dir;
	size_t i;
	int rc;

	if (parse_canon(c) < 0) {
		conf_err_set(e,
		    s ? config_setting_get_member(s, "canonicalization") : NULL,
		    "\"%s\": use "
		    "\"relaxed/relaxed\", \"simple/simple\", ...",
		    c->canonicalization);
		return -1;
	}
	if (!conf_strlist_has(c->sign_headers, "from")) {
		conf_err_set(e,
		    s ? config_setting_get_member(s, "sign_headers") : NULL,
		    "must contain \"from\": RFC 6376 "
		    "section 5.4 requires From in every signature, and "
		    "verifiers (hallmark's too) reject one without it");
		return -1;
	}
	if (load_opendkim(c, err, sizeof(err)) < 0)
		return err_from(e, conf_file, err);
	for (i = 0; c->signing_table != NULL && i < c->signing_table->n; i++) {
		if (keytab_add_rule(c->keys, c->signing_table->v[i].pattern,
		    (const char *const *)c->signing_table->v[i].names,
		    conf_strlist_len(c->signing_table->v[i].names),
		    c->signing_table->v[i].origin, err, sizeof(err)) < 0)
			return err_from(e, conf_file, err);
	}
	if (keytab_resolve(c->keys, err, sizeof(err)) < 0)
		return err_from(e, conf_file, err);
	dir = dirname_of(conf_file);
	if (c->on_bad_key == DKIMS_BAD_KEY_SKIP)
		rc = load_skipping(c, dir, err, sizeof(err));
	else if ((rc = keytab_load_keys(c->keys, dir, err, sizeof(err))) < 0)
		(void)metrics_inc(M_KEY_ERROR, NULL, NULL);
	free(dir);
	if (rc < 0)
		return err_from(e, conf_file, err);
	for (i = 0; i < keytab_nkeys(c->keys); i++)
		if (!keytab_key_at(c->keys, i)->used)
			log_warn("%s: DKIM key \"%s\" is not used by any "
			    "signing table entry", keytab_key_at(c->keys,
			    i)->origin, keytab_key_at(c->keys, i)->name);
	return 0;
}

/* ---- the module ---------------------------------------------------- */

struct dkims_msg {
	int sign;			/* decided at eoh */
	const struct keytab_key *keys[DKIMS_MAX_KEYS];
	size_t nkeys;
	char addr[ADDR_MAX];
	const char *rule;
	struct canon_body *body;
	char why[300];			/* not signed: the reason, logged at
					 * end of message (the queue id may
					 * not be known before) */
};

/* conf_of - this module's section */
static const struct dkims_conf *
conf_of(const struct hm_msg *m)
{
	return &m->conf->dkim_sign;
}

/* state - the message state (ctx.c allocates it) */
static struct dkims_msg *
state(struct hm_msg *m)
{
	return m->mod[MOD_DKIMS];
}

/* active - signing configured at all */
static int
active(const struct hm_msg *m)
{
	const struct dkims_conf *c = conf_of(m);

	return c->enable && keytab_nrules(c->keys) > 0;
}

/* not_signed - keep why a message is not signed, for the eom log line */
static int
not_signed(struct hm_msg *m, const char *why)
{
	snprintf(state(m)->why, sizeof(state(m)->why), "%s", why);
	return HM_OK;
}

/* pick_keys - the signing table's keys for the From address */
static int
pick_keys(struct hm_msg *m, struct dkims_msg *s, int trusted)
{
	const struct dkims_conf *c = conf_of(m);
	const struct hm_from *f = ctx_msg_from(m);
	char pa[128], why[300];

	if (f->nfield != 1) {
		snprintf(why, sizeof(why), "message has %u From fields",
		    f->nfield);
		return not_signed(m, why);
	}
	if (f->a.status != ADDR_OK || f->a.local[0] == '\0') {
		snprintf(why, sizeof(why),
		    "no single usable address in From "
		    "(%s): %s",
		    f->a.status != ADDR_OK ? addr_status_name(f->a.status) :
					     "local part too long",
		    log_printable(pa, sizeof(pa), f->value, strlen(f->value)));
		return not_signed(m, why);
	}
	snprintf(s->addr, sizeof(s->addr), "%s@%s", f->a.local, f->a.domain);
	s->nkeys = keytab_lookup(c->keys, s->addr, s->keys, DKIMS_MAX_KEYS,
	    &s->rule);
	if (s->nkeys == 0 && trusted) {
		snprintf(why, sizeof(why), "no signing table entry matches "
		    "From %s", LOG_P(pa, s->addr));
		return not_signed(m, why);
	}
	if (s->nkeys == 0)
		return not_signed(m, "client neither internal nor "
		    "authenticated");
	s->sign = 1;
	return HM_OK;
}

/* dkims_eoh - decide: which mail, which keys */
static int
dkims_eoh(struct hm_msg *m)
{
	const struct dkims_conf *c = conf_of(m);
	struct dkims_msg *s;
	int trusted;

	if (!active(m))
		return HM_OK;
	s = state(m);
	trusted = ctx_msg_trusted(m);
	if (!trusted && !c->trust_signing_table)
		return not_signed(m, "client neither internal nor "
		    "authenticated");
	if (m->hdr_truncated)
		return not_signed(m, "header block too large to keep");
	if (pick_keys(m, s, trusted) != HM_OK || !s->sign)
		return HM_OK;
	s->body = canon_body_new(c->bcanon);
	return HM_OK;
}

/* dkims_body - stream the body into the canonicaliser */
static int
dkims_body(struct hm_msg *m, const unsigned char *p, size_t n)
{
	struct dkims_msg *s = m->mod[MOD_DKIMS];

	if (s->body != NULL)
		canon_body_update(s->body, p, n);
	return HM_OK;
}

/* aligned - d= is the From domain or a parent of it */
static int
aligned(const char *d, const char *addr)
{
	const char *fd = strrchr(addr, '@');
	size_t dl = strlen(d), fl;

	fd = fd ? fd + 1 : addr;
	fl = strlen(fd);
	return str_casecmp(fd, d) == 0 || (fl > dl && fd[fl - dl - 1] == '.'
	    && str_casecmp(fd + fl - dl, d) == 0);
}

/* sign_one - one signature, queued; logged */
static int
sign_one(struct hm_msg *m, struct dkims_msg *s, const struct keytab_key *key,
    const struct dkims_opts *o, const unsigned char *bh)
{
	char err[512], pa[128], *v;
	struct keytab_key kd = *key;	/* shares the read-only EVP_PKEY */
	const struct keytab_key *k = &kd;

	if (strcmp(key->domain, KEYTAB_FROM_DOMAIN) == 0) {
		kd.domain = strrchr(s->addr, '@') + 1;	/* d= the From domain */
		if (!keytab_domain_ok(kd.domain)) {
			log_qid(LOG_LVL_DEBUG, m->qid,
			    "dkim-sign: key %s: "
			    "From domain %s cannot be d=; not signed with it",
			    key->name, LOG_P(pa, kd.domain));
			return HM_OK;
		}
	}
	v = dkims_sign(k, o, m->hdr, m->nhdr, bh, err, sizeof(err));
	if (v == NULL) {
		log_qid(LOG_LVL_WARN, m->qid, "dkim-sign: %s", err);
		return HM_ERROR;
	}
	ctx_msg_addhdr(m, DKIMS_HDR_NAME, v);
	free(v);
	log_qid(LOG_LVL_DEBUG, m->qid,
	    "dkim-sign: signed with key %s "
	    "(d=%s s=%s a=%s) for From %s, signing table entry \"%s\"",
	    k->name, k->domain, k->selector, keytab_alg_name(k->alg),
	    LOG_P(pa, s->addr), s->rule ? s->rule : "?");
	if (!aligned(k->domain, s->addr))
		log_qid(LOG_LVL_DEBUG, m->qid,
		    "dkim-sign: key %s: d=%s does "
		    "not align with the From domain (signed anyway)",
		    k->name, k->domain);
	return HM_OK;
}

/* dkims_eom - body hash, then one signature per key */
static int
dkims_eom(struct hm_msg *m)
{
	const struct dkims_conf *c = conf_of(m);
	struct dkims_msg *s = m->mod[MOD_DKIMS];
	unsigned char bh[CANON_DIGEST_LEN];
	struct dkims_opts o = { .eol = "\n" }; /* the milter protocol's */
	size_t i;

	if (!s->sign && s->why[0] != '\0')
		log_qid(LOG_LVL_DEBUG, m->qid, "dkim-sign: not signed: %s",
		    s->why);
	if (!s->sign || s->body == NULL)
		return HM_OK;
	if (canon_body_final(s->body, bh) < 0) {
		log_qid(LOG_LVL_WARN, m->qid, "dkim-sign: body hash failed");
		return HM_ERROR;
	}
	o.hcanon = c->hcanon;
	o.bcanon = c->bcanon;
	o.sign_headers = c->sign_headers;
	o.oversign = c->oversign_headers;
	o.t = time(NULL);
	o.expire = c->signature_ttl;
	o.values_exact = m->conn->hdr_leadspc;
	for (i = 0; i < s->nkeys; i++)
		if (sign_one(m, s, s->keys[i], &o, bh) != HM_OK)
			return HM_ERROR;
	return HM_OK;
}

/* dkims_msg_free - release what the message state points to */
static void
dkims_msg_free(struct hm_msg *m)
{
	struct dkims_msg *s = m->mod[MOD_DKIMS];

	if (s == NULL)
		return;
	canon_body_free(s->body);
	s->body = NULL;
}

const struct hm_module dkims_module = {
	.name = "dkim-sign",
	.signer = 1,
	.msg_size = sizeof(struct dkims_msg),
	.eoh = dkims_eoh,
	.body = dkims_body,
	.eom = dkims_eom,
	.msg_free = dkims_msg_free,
};
