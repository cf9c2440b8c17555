/*
 * keytable.c - DKIM signing keys and the signing table (native libconfig
 * form and OpenDKIM KeyTable/SigningTable files); see keytable.h for the
 * matching rules.
 *
 * Owns: struct keytab and everything in it (names, patterns, EVP_PKEY
 * objects).  Built single-threaded at configuration load, then read-only.
 * Key files are read, checked and parsed by keyfile.c (which wipes the
 * bytes); no function here logs, and no message ever contains key
 * material (only file names, modes and key names).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "keyfile.h"
#include "keytable.h"
#include "str.h"

#define TABLEFILE_MAX (16 * 1024 * 1024)

enum pat_kind {
	PAT_ADDR = 0,		/* exact address */
	PAT_DOMAIN,		/* exact domain */
	PAT_SUBDOMAINS,		/* *.suffix: pattern holds the suffix */
	PAT_ANY,		/* * */
	PAT_GLOB		/* refile: glob over the address */
};

struct keytab_rule {
	enum pat_kind kind;
	int opendkim;		/* from an OpenDKIM SigningTable */
	char *pattern;		/* lower case */
	char *text;		/* as written, for logs */
	char **names;
	size_t nnames;
	struct keytab_key **keys;
	char *origin;
};

struct keytab {
	struct keytab_key *keys;
	size_t nkeys;
	struct keytab_rule *rules;
	size_t nrules;
	int multiple;
};

/* keytab_alg_name - algorithm tag value */
const char *
keytab_alg_name(enum keytab_alg a)
{
	switch (a) {
	case KEYTAB_ALG_RSA_SHA256:
		return "rsa-sha256";
	case KEYTAB_ALG_ED25519_SHA256:
		return "ed25519-sha256";
	default:
		return "auto";
	}
}

/* keytab_alg_parse - algorithm name to value */
int
keytab_alg_parse(const char *s, enum keytab_alg *out)
{
	if (s == NULL || *s == '\0' || str_casecmp(s, "auto") == 0)
		*out = KEYTAB_ALG_AUTO;
	else if (str_casecmp(s, "rsa-sha256") == 0 || str_casecmp(s, "rsa") == 0)
		*out = KEYTAB_ALG_RSA_SHA256;
	else if (str_casecmp(s, "ed25519-sha256") == 0 ||
	    str_casecmp(s, "ed25519") == 0)
		*out = KEYTAB_ALG_ED25519_SHA256;
	else
		return -1;
	return 0;
}

/* keytab_new - an empty table */
struct keytab *
keytab_new(void)
{
	return xcalloc(1, sizeof(struct keytab));
}

/* keytab_set_multiple - refile: every matching line signs */
void
keytab_set_multiple(struct keytab *t, int on)
{
	t->multiple = on;
}

/* rule_free - one rule's memory */
static void
rule_free(struct keytab_rule *r)
{
	size_t i;

	for (i = 0; i < r->nnames; i++)
		free(r->names[i]);
	free(r->names);
	free(r->keys);
	free(r->pattern);
	free(r->text);
	free(r->origin);
}

/* keytab_free - everything, private keys included; NULL allowed */
void
keytab_free(struct keytab *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nkeys; i++) {
		struct keytab_key *k = &t->keys[i];

		EVP_PKEY_free(k->pkey);
		free(k->name);
		free(k->domain);
		free(k->selector);
		free(k->key_file);
		free(k->origin);
	}
	for (i = 0; i < t->nrules; i++)
		rule_free(&t->rules[i]);
	free(t->keys);
	free(t->rules);
	free(t);
}

/* find_key - key by name, or NULL */
static struct keytab_key *
find_key(const struct keytab *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nkeys; i++)
		if (strcmp(t->keys[i].name, name) == 0)
			return &t->keys[i];
	return NULL;
}

/* valid_domain - letters, digits, '-', '_', dots between non-empty labels */
static int
valid_domain(const char *d)
{
	size_t lab = 0, n = 0;

	for (; *d != '\0'; d++, n++) {
		unsigned char c = (unsigned char)*d;

		if (c == '.') {
			if (lab == 0)
				return 0;
			lab = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
		if (++lab > 63)
			return 0;
	}
	return n > 0 && n <= 253 && lab > 0;
}

/* keytab_domain_ok - d= syntax (letters, digits, '-', '_', labels) */
int
keytab_domain_ok(const char *d)
{
	return d != NULL && valid_domain(d);
}

/* valid_selector - a selector is a dot-atom of domain labels */
static int
valid_selector(const char *s)
{
	return valid_domain(s);
}

/* keytab_add_key - declare one key */
int
keytab_add_key(struct keytab *t, const char *name, const char *domain,
    const char *selector, enum keytab_alg alg, const char *key_file,
    const char *origin, char *err, size_t errlen)
{
	struct keytab_key *k;

	if (name == NULL || *name == '\0')
		return str_seterr(err, errlen,
		    "%s: key without a name", origin);
	if (find_key(t, name) != NULL)
		return str_seterr(err, errlen, "%s: key \"%s\" defined twice",
		    origin, name);
	if (domain == NULL || (!valid_domain(domain) &&
	    strcmp(domain, KEYTAB_FROM_DOMAIN) != 0))
		return str_seterr(err, errlen,
		    "%s: key \"%s\": bad domain \"%s\"",
		    origin, name, domain ? domain : "");
	if (selector == NULL || !valid_selector(selector))
		return str_seterr(err, errlen,
		    "%s: key \"%s\": bad selector \"%s\"", origin, name,
		    selector ? selector : "");
	if (key_file == NULL || *key_file == '\0')
		return str_seterr(err, errlen, "%s: key \"%s\": no key_file",
		    origin, name);
	t->keys = xrealloc(t->keys, (t->nkeys + 1) * sizeof(*t->keys));
	k = &t->keys[t->nkeys++];
	memset(k, 0, sizeof(*k));
	k->name = xstrdup(name);
	k->domain = xstrdup(domain);
	str_lower(k->domain);
	k->selector = xstrdup(selector);
	k->alg = alg;
	k->key_file = xstrdup(key_file);
	k->origin = xstrdup(origin);
	return 0;
}

/* classify - native pattern kind and its normalised form; -1 if bad */
static int
classify(const char *pat, enum pat_kind *kind, char **norm)
{
	const char *at = strchr(pat, '@');

	if (strcmp(pat, "*") == 0) {
		*kind = PAT_ANY;
		*norm = xstrdup("*");
		return 0;
	}
	if (strncmp(pat, "*.", 2) == 0) {
		if (!valid_domain(pat + 2))
			return -1;
		*kind = PAT_SUBDOMAINS;
		*norm = xstrdup(pat + 1);	/* ".example.org" */
	} else if (at != NULL) {
		if (at == pat || strchr(at + 1, '@') != NULL ||
		    strchr(pat, '*') != NULL || !valid_domain(at + 1))
			return -1;
		*kind = PAT_ADDR;
		*norm = xstrdup(pat);
	} else {
		if (!valid_domain(pat))
			return -1;
		*kind = PAT_DOMAIN;
		*norm = xstrdup(pat);
	}
	str_lower(*norm);
	return 0;
}

/* keytab_pattern_ok - a native pattern that can match */
int
keytab_pattern_ok(const char *pattern)
{
	enum pat_kind kind;
	char *norm = NULL;

	if (pattern == NULL || classify(pattern, &kind, &norm) < 0)
		return 0;
	free(norm);
	return 1;
}

/* push_rule - append a rule with copies of its key names */
static struct keytab_rule *
push_rule(struct keytab *t, enum pat_kind kind, char *norm, const char *text,
    const char *const *names, size_t nnames, const char *origin)
{
	struct keytab_rule *r;
	size_t i;

	t->rules = xrealloc(t->rules, (t->nrules + 1) * sizeof(*t->rules));
	r = &t->rules[t->nrules++];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->pattern = norm;
	r->text = xstrdup(text);
	r->origin = xstrdup(origin);
	r->names = xcalloc(nnames, sizeof(char *));
	for (i = 0; i < nnames; i++)
		r->names[i] = xstrdup(names[i]);
	r->nnames = nnames;
	return r;
}

/* keytab_add_rule - one native signing-table rule */
int
keytab_add_rule(struct keytab *t, const char *pattern,
    const char *const *names, size_t nnames, const char *origin,
    char *err, size_t errlen)
{
	enum pat_kind kind;
	char *norm = NULL;
	size_t i;

	if (pattern == NULL || classify(pattern, &kind, &norm) < 0)
		return str_seterr(err, errlen,
		    "%s: signing_table pattern \"%s\" "
		    "can never match (use \"user@domain\", \"domain\", "
		    "\"*.domain\" or \"*\")", origin, pattern ? pattern : "");
	for (i = 0; i < t->nrules; i++) {
		if (!t->rules[i].opendkim && t->rules[i].kind == kind &&
		    strcmp(t->rules[i].pattern, norm) == 0) {
			free(norm);
			return str_seterr(err, errlen,
			    "%s: signing_table pattern "
			    "\"%s\" also at %s", origin, pattern,
			    t->rules[i].origin);
		}
	}
	if (nnames == 0) {
		free(norm);
		return str_seterr(err, errlen,
		    "%s: signing_table pattern \"%s\" "
		    "names no key", origin, pattern);
	}
	push_rule(t, kind, norm, pattern, names, nnames, origin);
	return 0;
}

/* next_line - split text into lines; strips comments and white space;
 * returns NULL at the end.  *lineno counts lines. */
static char *
next_line(char **cur, int *lineno)
{
	char *p, *nl, *hash;

	while (*cur != NULL && **cur != '\0') {
		p = *cur;
		nl = strchr(p, '\n');
		if (nl != NULL) {
			*nl = '\0';
			*cur = nl + 1;
		} else {
			*cur = p + strlen(p);
		}
		(*lineno)++;
		hash = strchr(p, '#');
		if (hash != NULL)
			*hash = '\0';
		p = str_strip(p);
		if (*p != '\0')
			return p;
	}
	return NULL;
}

/* split_ws - cut the first white-space separated word off *p */
static char *
split_ws(char **p)
{
	char *w = *p, *e;

	while (*w == ' ' || *w == '\t')
		w++;
	if (*w == '\0')
		return NULL;
	e = w;
	while (*e != '\0' && *e != ' ' && *e != '\t')
		e++;
	if (*e != '\0')
		*e++ = '\0';
	*p = e;
	return w;
}

/* keytab_parse_opendkim_keytable - "name domain:selector:keyfile" lines */
int
keytab_parse_opendkim_keytable(struct keytab *t, const char *text,
    const char *path, char *err, size_t errlen)
{
	char *copy = xstrdup(text), *cur = copy, *line, *name, *rest;
	char *sel, *file, origin[512];
	int lineno = 0, rc = 0;

	while (rc == 0 && (line = next_line(&cur, &lineno)) != NULL) {
		snprintf(origin, sizeof(origin), "%s:%d", path, lineno);
		name = split_ws(&line);
		rest = str_strip(line);
		sel = strchr(rest, ':');
		file = sel ? strchr(sel + 1, ':') : NULL;
		if (name == NULL || sel == NULL || file == NULL) {
			rc = str_seterr(err, errlen, "%s: expected \"keyname "
			    "domain:selector:/path/to/key\"", origin);
			break;
		}
		*sel++ = '\0';
		*file++ = '\0';
		if (*file != '/' && *file != '.') {
			rc = str_seterr(err, errlen,
			    "%s: key data inline in the "
			    "KeyTable is not supported; put the key in a file "
			    "and name the file", origin);
			break;
		}
		rc = keytab_add_key(t, name, rest, sel, KEYTAB_ALG_AUTO, file,
		    origin, err, errlen);
	}
	OPENSSL_cleanse(copy, strlen(text));
	free(copy);
	return rc;
}

/* glob_ok - a refile pattern: printable, no white space */
static int
glob_ok(const char *p)
{
	for (; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			return 0;
	return 1;
}

/* plain_rule - a plain-form SigningTable key: address, domain or "*" */
static int
plain_rule(struct keytab *t, const char *pat, const char *name,
    const char *origin, char *err, size_t errlen)
{
	enum pat_kind kind;
	char *norm;
	const char *names[1] = { name };
	struct keytab_rule *r;

	if (strncmp(pat, "*.", 2) == 0 || classify(pat, &kind, &norm) < 0)
		return str_seterr(err, errlen,
		    "%s: SigningTable entry \"%s\" can "
		    "never match (plain form: address, domain or \"*\"; "
		    "use refile: for patterns)", origin, pat);
	r = push_rule(t, kind, norm, pat, names, 1, origin);
	r->opendkim = 1;
	return 0;
}

/* keytab_parse_opendkim_signingtable - "pattern keyname" lines */
int
keytab_parse_opendkim_signingtable(struct keytab *t, const char *text,
    const char *path, int refile, char *err, size_t errlen)
{
	char *copy = xstrdup(text), *cur = copy, *line, *pat, *name;
	char origin[512];
	int lineno = 0, rc = 0;
	struct keytab_rule *r;

	while (rc == 0 && (line = next_line(&cur, &lineno)) != NULL) {
		snprintf(origin, sizeof(origin), "%s:%d", path, lineno);
		pat = split_ws(&line);
		name = split_ws(&line);
		if (pat == NULL || name == NULL || split_ws(&line) != NULL) {
			rc = str_seterr(err, errlen,
			    "%s: expected \"pattern keyname\"", origin);
		} else if (!refile) {
			rc = plain_rule(t, pat, name, origin, err, errlen);
		} else if (!glob_ok(pat)) {
			rc = str_seterr(err, errlen, "%s: bad pattern", origin);
		} else {
			const char *names[1] = { name };
			char *norm = xstrdup(pat);

			str_lower(norm);
			r = push_rule(t, PAT_GLOB, norm, pat, names, 1, origin);
			r->opendkim = 1;
		}
	}
	free(copy);
	return rc;
}

/* keytab_read_file - a table file's content (prefix "file:"/"refile:") */
char *
keytab_read_file(const char *spec, const char **path, int *refile,
    char *err, size_t errlen)
{
	struct str b;
	char buf[8192];
	FILE *f;
	size_t n;

	*refile = 0;
	if (strncmp(spec, "refile:", 7) == 0) {
		*refile = 1;
		spec += 7;
	} else if (strncmp(spec, "file:", 5) == 0) {
		spec += 5;
	} else if (strchr(spec, ':') != NULL && spec[0] != '/' &&
	    spec[0] != '.') {
		str_seterr(err, errlen, "%s: only file: and refile: tables are "
		    "supported", spec);
		return NULL;
	}
	*path = spec;
	f = fopen(spec, "r");
	if (f == NULL) {
		str_seterr(err, errlen, "%s: cannot open: %m", spec);
		return NULL;
	}
	str_init(&b);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0 &&
	    b.len < TABLEFILE_MAX)
		str_addn(&b, buf, n);
	fclose(f);
	if (b.len >= TABLEFILE_MAX || strlen(b.s) != b.len) {
		str_free(&b);
		str_seterr(err, errlen,
		    "%s: too large or contains NUL bytes", spec);
		return NULL;
	}
	{
		char *s = xstrndup(b.s, b.len);

		str_free(&b);
		return s;
	}
}

/* keytab_resolve - bind rule names to keys */
int
keytab_resolve(struct keytab *t, char *err, size_t errlen)
{
	size_t i, j;

	for (i = 0; i < t->nrules; i++) {
		struct keytab_rule *r = &t->rules[i];

		free(r->keys);
		r->keys = xcalloc(r->nnames, sizeof(*r->keys));
		for (j = 0; j < r->nnames; j++) {
			r->keys[j] = find_key(t, r->names[j]);
			if (r->keys[j] == NULL)
				return str_seterr(err, errlen,
				    "%s: signing table "
				    "pattern \"%s\" names key \"%s\", which is "
				    "not in the key table", r->origin, r->text,
				    r->names[j]);
			r->keys[j]->used = 1;
		}
	}
	return 0;
}

/* key_type - algorithm matching the key object, and its size */
static int
key_type(EVP_PKEY *pk, enum keytab_alg *alg, int *bits)
{
	*bits = EVP_PKEY_get_bits(pk);
	if (EVP_PKEY_is_a(pk, "RSA")) {
		*alg = KEYTAB_ALG_RSA_SHA256;
		return 0;
	}
	if (EVP_PKEY_is_a(pk, "ED25519")) {
		*alg = KEYTAB_ALG_ED25519_SHA256;
		return 0;
	}
	return -1;
}

/* load_one - load and check one key */
static int
load_one(struct keytab_key *k, const char *basedir, char *err, size_t errlen)
{
	enum keytab_alg alg = KEYTAB_ALG_AUTO;
	char *path;
	int rc, bits = 0;

	if (k->key_file[0] != '/' && basedir != NULL && *basedir != '\0')
		path = xasprintf("%s/%s", basedir, k->key_file);
	else
		path = xstrdup(k->key_file);
	rc = keyfile_load(path, &k->pkey, err, errlen);
	if (rc == 0 && key_type(k->pkey, &alg, &bits) < 0)
		rc = str_seterr(err, errlen, "key file %s: key type not usable "
		    "for DKIM (need RSA or Ed25519)", path);
	else if (rc == 0 && k->alg != KEYTAB_ALG_AUTO && k->alg != alg)
		rc = str_seterr(err, errlen,
		    "key \"%s\": algorithm %s but %s is "
		    "a%s key", k->name, keytab_alg_name(k->alg), path,
		    alg == KEYTAB_ALG_RSA_SHA256 ? "n RSA" : "n Ed25519");
	else if (rc == 0 && alg == KEYTAB_ALG_RSA_SHA256 && bits < 1024)
		rc = str_seterr(err, errlen, "key file %s: RSA key of %d bits; "
		    "RFC 8301 requires at least 1024", path, bits);
	if (rc == 0) {
		k->alg = alg;
		k->bits = bits;
	}
	free(path);
	return rc;
}

/* keytab_load_keys - load every key file; first failure stops */
int
keytab_load_keys(struct keytab *t, const char *basedir, char *err,
    size_t errlen)
{
	size_t i;
	char sub[512];

	for (i = 0; i < t->nkeys; i++) {
		if (t->keys[i].pkey != NULL)
			continue;
		if (load_one(&t->keys[i], basedir, sub, sizeof(sub)) < 0)
			return str_seterr(err, errlen,
			    "%s: %s", t->keys[i].origin,
			    sub);
	}
	return 0;
}

/* keytab_load_keys_skip - load every key file; failures reported */
size_t
keytab_load_keys_skip(struct keytab *t, const char *basedir,
    void (*bad)(void *arg, const char *msg), void *arg)
{
	size_t i, nbad = 0;
	char sub[512], msg[768];

	for (i = 0; i < t->nkeys; i++) {
		if (t->keys[i].pkey != NULL ||
		    load_one(&t->keys[i], basedir, sub, sizeof(sub)) == 0)
			continue;
		snprintf(msg, sizeof(msg), "%s: key \"%s\": %s",
		    t->keys[i].origin, t->keys[i].name, sub);
		bad(arg, msg);
		nbad++;
	}
	return nbad;
}

/* keytab_drop_unloaded - unbind unloaded keys, drop rules left empty */
size_t
keytab_drop_unloaded(struct keytab *t,
    void (*dropped)(void *arg, const char *origin, const char *text), void *arg)
{
	size_t i, j, out = 0, ndrop = 0;

	for (i = 0; i < t->nrules; i++) {
		struct keytab_rule *r = &t->rules[i];
		size_t left = 0;

		for (j = 0; j < r->nnames && r->keys != NULL; j++) {
			if (r->keys[j] != NULL && r->keys[j]->pkey == NULL)
				r->keys[j] = NULL;
			left += r->keys[j] != NULL;
		}
		if (left == 0) {
			dropped(arg, r->origin, r->text);
			rule_free(r);
			ndrop++;
			continue;
		}
		t->rules[out++] = *r;
	}
	t->nrules = out;
	return ndrop;
}

/* glob_match - '*' matches any run of characters; case-insensitive */
static int
glob_match(const char *p, const char *s)
{
	const char *star = NULL, *ss = NULL;

	while (*s != '\0') {
		if (*p == '*') {
			star = p++;
			ss = s;
		} else if (*p != '\0' && (*p == *s || (*p >= 'a' && *p <= 'z' &&
		    *p - 32 == *s) || (*s >= 'a' && *s <= 'z' &&
		    *s - 32 == *p))) {
			p++;
			s++;
		} else if (star != NULL) {
			p = star + 1;
			s = ++ss;
		} else {
			return 0;
		}
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

/* rule_score - how specifically a native rule matches addr; 0 = no match */
static size_t
rule_score(const struct keytab_rule *r, const char *addr, const char *dom)
{
	size_t dl = strlen(dom), pl = strlen(r->pattern);

	switch (r->kind) {
	case PAT_ADDR:
		return str_casecmp(r->pattern, addr) == 0 ? 3000 : 0;
	case PAT_DOMAIN:
		return str_casecmp(r->pattern, dom) == 0 ? 2000 : 0;
	case PAT_SUBDOMAINS:	/* pattern ".example.org" */
		return dl > pl &&
		    str_casecmp(dom + dl - pl, r->pattern) == 0 ? 1000 + pl : 0;
	case PAT_ANY:
		return 1;
	default:
		return 0;
	}
}

/* add_keys - append a rule's keys, skipping duplicates */
static size_t
add_keys(const struct keytab_rule *r, const struct keytab_key **out,
    size_t n, size_t max)
{
	size_t i, j;

	for (i = 0; i < r->nnames && r->keys != NULL; i++) {
		for (j = 0; j < n; j++)
			if (out[j] == r->keys[i])
				break;
		if (j == n && n < max && r->keys[i] != NULL)
			out[n++] = r->keys[i];
	}
	return n;
}

/* best_rule - most specific native (opendkim = 0) or plain OpenDKIM
 * (opendkim = 1) rule for addr, or NULL */
static const struct keytab_rule *
best_rule(const struct keytab *t, int opendkim, const char *addr,
    const char *dom)
{
	const struct keytab_rule *best = NULL;
	size_t i, sc, bestsc = 0;

	for (i = 0; i < t->nrules; i++) {
		const struct keytab_rule *r = &t->rules[i];

		if (r->opendkim != opendkim || r->kind == PAT_GLOB)
			continue;
		sc = rule_score(r, addr, dom);
		if (opendkim && r->kind == PAT_SUBDOMAINS)
			sc = 0;
		if (sc > bestsc) {
			bestsc = sc;
			best = r;
		}
	}
	return best;
}

/* keytab_lookup - the keys that sign mail From addr */
size_t
keytab_lookup(const struct keytab *t, const char *addr,
    const struct keytab_key **out, size_t max, const char **rule)
{
	const struct keytab_rule *r;
	const char *dom = strrchr(addr, '@');
	size_t i, n = 0;

	*rule = NULL;
	dom = dom ? dom + 1 : addr;
	r = best_rule(t, 0, addr, dom);
	if (r == NULL)
		r = best_rule(t, 1, addr, dom);	/* OpenDKIM plain */
	if (r != NULL) {
		*rule = r->text;
		return add_keys(r, out, 0, max);
	}
	for (i = 0; i < t->nrules; i++) {	/* OpenDKIM refile */
		r = &t->rules[i];
		if (r->kind != PAT_GLOB || !glob_match(r->pattern, addr))
			continue;
		if (*rule == NULL)
			*rule = r->text;
		n = add_keys(r, out, n, max);
		if (!t->multiple)
			break;
	}
	return n;
}

/* keytab_nkeys / keytab_key_at / keytab_nrules - read access */
size_t
keytab_nkeys(const struct keytab *t)
{
	return t ? t->nkeys : 0;
}

const struct keytab_key *
keytab_key_at(const struct keytab *t, size_t i)
{
	return i < t->nkeys ? &t->keys[i] : NULL;
}

size_t
keytab_nrules(const struct keytab *t)
{
	return t ? t->nrules : 0;
}
