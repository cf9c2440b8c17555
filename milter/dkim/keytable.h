/*
 * keytable.h - DKIM signing keys and the signing table: which keys sign a
 * message, chosen by its RFC5322.From address.
 *
 * Two sources, which may be combined:
 *   native   libconfig (dkim_sign { keys = (...); signing_table = (...); })
 *   OpenDKIM KeyTable ("name domain:selector:/path/key") and SigningTable
 *            files, read unchanged: the plain form (exact address, domain,
 *            "*") and the "refile:" form (glob patterns with '*').
 *            A key domain "%" stands for each message's From domain.
 *
 * Native patterns, most specific wins (order in the file does not matter):
 *   "user@example.org"  that address
 *   "example.org"       any address at exactly that domain
 *   "*.example.org"     any address at a subdomain (longest suffix wins)
 *   "*"                 any address
 * All keys of the winning rule sign (several signatures per message).
 * OpenDKIM plain tables are looked up as address, then domain, then "*";
 * refile tables in file order, first match (or every match when
 * multiple_signatures is set).  Native rules are tried before OpenDKIM ones.
 *
 * Lifecycle: built and loaded once per configuration load (start, SIGHUP);
 * private keys are parsed once into EVP_PKEY objects (keyfile.h: mode
 * checks, bytes wiped as soon as they are parsed); afterwards the table
 * is immutable and shared read-only by all threads.  keytab_free() frees
 * everything, and OpenSSL clears the key objects when they are freed.
 *
 * Errors: every loading function returns 0, or -1 with a one-line message
 * in err ("file:line: what is wrong").  keytab_lookup() is pure.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_KEYTABLE_H
#define HALLMARK_KEYTABLE_H

#include <stddef.h>

#include <openssl/evp.h>

enum keytab_alg {
	KEYTAB_ALG_AUTO = 0,		/* from the key type */
	KEYTAB_ALG_RSA_SHA256,
	KEYTAB_ALG_ED25519_SHA256
};

/* a key's domain "%" (OpenDKIM's KeyTable form): d= is the domain of the
 * From address of each message it signs */
#define KEYTAB_FROM_DOMAIN "%"

struct keytab_key {
	char *name;
	char *domain;			/* d= (lower case), or "%" */
	char *selector;			/* s= */
	enum keytab_alg alg;		/* never AUTO once loaded */
	char *key_file;			/* as configured */
	char *origin;			/* "file:line" where defined */
	EVP_PKEY *pkey;			/* NULL until keytab_load_keys() */
	int bits;			/* key size, for logs */
	int used;			/* named by some rule */
};

struct keytab;

/* keytab_alg_name - "rsa-sha256", "ed25519-sha256" */
const char *keytab_alg_name(enum keytab_alg a);
/* keytab_alg_parse - name to algorithm; "" or NULL = AUTO; -1 if unknown */
int keytab_alg_parse(const char *s, enum keytab_alg *out);

/* keytab_domain_ok - d= syntax: labels of letters, digits, '-', '_' */
int keytab_domain_ok(const char *d);

struct keytab *keytab_new(void);
void keytab_free(struct keytab *t);

/* keytab_set_multiple - refile tables: use every matching line */
void keytab_set_multiple(struct keytab *t, int on);

/* keytab_add_key - declare a key (file read later); duplicate name = error */
int keytab_add_key(struct keytab *t, const char *name, const char *domain,
    const char *selector, enum keytab_alg alg, const char *key_file,
    const char *origin, char *err, size_t errlen);
/* keytab_pattern_ok - 1 when pattern is a native pattern (see above) */
int keytab_pattern_ok(const char *pattern);
/* keytab_add_rule - a native rule: pattern and the names of its keys */
int keytab_add_rule(struct keytab *t, const char *pattern,
    const char *const *names, size_t nnames, const char *origin,
    char *err, size_t errlen);

/* keytab_read_opendkim_keytable - an OpenDKIM KeyTable ("file:" prefix
 * allowed); text is the file content, path names it in messages */
int keytab_parse_opendkim_keytable(struct keytab *t, const char *text,
    const char *path, char *err, size_t errlen);
/* keytab_parse_opendkim_signingtable - a SigningTable; refile: 1 for the
 * "refile:" (glob) form, 0 for the plain form */
int keytab_parse_opendkim_signingtable(struct keytab *t, const char *text,
    const char *path, int refile, char *err, size_t errlen);
/* keytab_read_file - read a whole (non-secret) table file; spec may carry
 * a "file:" or "refile:" prefix, *refile tells which; caller frees */
char *keytab_read_file(const char *spec, const char **path, int *refile,
    char *err, size_t errlen);

/* keytab_resolve - bind rule key names to keys: a rule naming a missing
 * key is an error */
int keytab_resolve(struct keytab *t, char *err, size_t errlen);

/* keytab_load_keys - load every key's file with keyfile_load (relative
 * paths are taken from basedir when not NULL) and check its type against
 * alg */
int keytab_load_keys(struct keytab *t, const char *basedir, char *err,
    size_t errlen);

/*
 * keytab_load_keys_skip - as keytab_load_keys, but a key that cannot be
 * loaded is left unloaded (pkey NULL) and reported through
 * bad(arg, "file:line: key \"name\": what is wrong"); the others load.
 * Returns how many failed.  Then call keytab_drop_unloaded.
 */
size_t keytab_load_keys_skip(struct keytab *t, const char *basedir,
    void (*bad)(void *arg, const char *msg), void *arg);
/* keytab_drop_unloaded - rules no longer use unloaded keys; a rule left
 * without any key is removed, reported through dropped(arg, its origin,
 * its pattern as written); returns how many were removed */
size_t keytab_drop_unloaded(struct keytab *t,
    void (*dropped)(void *arg, const char *origin, const char *text),
    void *arg);

/*
 * keytab_lookup - keys for the From address addr ("local@domain"); up to
 * max pointers into out, no duplicates; returns how many (0: no rule
 * matched).  *rule gets the matching pattern (for logs) or NULL.
 */
size_t keytab_lookup(const struct keytab *t, const char *addr,
    const struct keytab_key **out, size_t max, const char **rule);

size_t keytab_nkeys(const struct keytab *t);
const struct keytab_key *keytab_key_at(const struct keytab *t, size_t i);
size_t keytab_nrules(const struct keytab *t);

#endif
