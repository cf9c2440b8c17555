/*
 * fuzz_keytable.c - fuzz target: signing-table patterns (keytable.c): the
 * OpenDKIM KeyTable and SigningTable parsers (plain and refile forms), the
 * native key and rule declarations, name resolution, and lookups of
 * fuzzer-chosen From addresses.  Key files are never read.
 *
 * Input: byte 0 (bit 0: the SigningTable is refile:, bit 1: multiple
 * signatures, bits 2-4: lookup limit - 1), then text in parts separated
 * by lines "%%":
 *   1 OpenDKIM KeyTable   2 OpenDKIM SigningTable
 *   3 native keys, lines "name domain selector [algorithm]"
 *   4 native rules, lines "pattern keyname..."
 *   5 addresses to look up, one a line
 *
 * Invariants: errors come with a message; keys have a lower-case d=;
 * a lookup returns at most the limit, no key twice, only keys of the
 * table, and (once names are resolved) keys exactly when a rule matched.
 */
#include "fuzz.h"
#include "fuzz_msg.h"
#include "keytable.h"
#include "str.h"

#define MAX_OUT 8

/* native_keys - "name domain selector [alg]" lines */
static void
native_keys(struct keytab *t, char *text)
{
	char *p = text, *line, *w[4], err[256];
	enum keytab_alg alg;
	int n;

	while (p != NULL) {
		line = fuzz_cut(&p, 0);
		for (n = 0; n < 4; n++)
			w[n] = strsep(&line, " ");
		if (w[2] == NULL)
			continue;
		if (keytab_alg_parse(w[3], &alg) < 0)
			alg = KEYTAB_ALG_AUTO;
		err[0] = '\0';
		if (keytab_add_key(t, w[0], w[1], w[2], alg, "/nonexistent",
		    "fuzz", err, sizeof(err)) < 0)
			FUZZ_CHECK(err[0] != '\0');
	}
}

/* native_rules - "pattern name..." lines */
static void
native_rules(struct keytab *t, char *text)
{
	char *p = text, *line, *pat, *w, err[256];
	const char *names[8];
	size_t n;

	while (p != NULL) {
		line = fuzz_cut(&p, 0);
		pat = strsep(&line, " ");
		for (n = 0; n < 8 && (w = strsep(&line, " ")) != NULL; n++)
			names[n] = w;
		err[0] = '\0';
		if (keytab_add_rule(t, pat, names, n, "fuzz", err,
		    sizeof(err)) < 0)
			FUZZ_CHECK(err[0] != '\0');
	}
}

/* in_table - k is one of t's keys */
static int
in_table(const struct keytab *t, const struct keytab_key *k)
{
	for (size_t i = 0; i < keytab_nkeys(t); i++)
		if (keytab_key_at(t, i) == k)
			return 1;
	return 0;
}

/* lookups - every address of text, with the invariants */
static void
lookups(const struct keytab *t, char *text, size_t max, int resolved)
{
	const struct keytab_key *out[MAX_OUT];
	const char *rule;
	char *p = text, *addr;
	size_t n, i, j;

	while (p != NULL) {
		addr = fuzz_cut(&p, 0);
		n = keytab_lookup(t, addr, out, max, &rule);
		FUZZ_CHECK(n <= max);
		for (i = 0; i < n; i++) {
			FUZZ_CHECK(in_table(t, out[i]));
			for (j = 0; j < i; j++)
				FUZZ_CHECK(out[i] != out[j]);
		}
		if (n > 0)
			FUZZ_CHECK(rule != NULL);
		if (resolved)
			FUZZ_CHECK((n > 0) == (rule != NULL));
	}
}

/* check_keys - what every declared key looks like */
static void
check_keys(const struct keytab *t)
{
	for (size_t i = 0; i < keytab_nkeys(t); i++) {
		const struct keytab_key *k = keytab_key_at(t, i);

		FUZZ_CHECK(k != NULL && k->name != NULL && k->domain != NULL);
		FUZZ_CHECK(k->domain[0] != '\0' && k->selector[0] != '\0');
		for (const char *c = k->domain; *c != '\0'; c++)
			FUZZ_CHECK(!(*c >= 'A' && *c <= 'Z'));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct keytab *t;
	char *s, *p, *kt, *st, *nk, *nr, err[256];
	int refile, resolved = 0;
	size_t max;

	if (size < 1 || size > 16384)
		return 0;
	refile = data[0] & 1;
	max = 1 + ((data[0] >> 2) & 7);
	s = p = fuzz_cstr(data + 1, size - 1);
	kt = fuzz_cut(&p, 1);
	st = fuzz_cut(&p, 1);
	nk = fuzz_cut(&p, 1);
	nr = fuzz_cut(&p, 1);
	t = keytab_new();
	keytab_set_multiple(t, (data[0] & 2) != 0);
	err[0] = '\0';
	if (keytab_parse_opendkim_keytable(t, kt, "KeyTable", err,
	    sizeof(err)) < 0)
		FUZZ_CHECK(err[0] != '\0');
	err[0] = '\0';
	if (keytab_parse_opendkim_signingtable(t, st, "SigningTable", refile,
	    err, sizeof(err)) < 0)
		FUZZ_CHECK(err[0] != '\0');
	native_keys(t, nk);
	native_rules(t, nr);
	check_keys(t);
	err[0] = '\0';
	if (keytab_resolve(t, err, sizeof(err)) == 0)
		resolved = 1;
	else
		FUZZ_CHECK(err[0] != '\0');
	lookups(t, p != NULL ? p : "", max, resolved);
	keytab_free(t);
	free(s);
	return 0;
}
