/*
 * fuzz_keytable.c - fuzz target: OpenDKIM KeyTable and SigningTable files
 * (plain and refile: forms), native signing-table patterns, the lookup by
 * From address, and the From field parser of the signing module.
 *
 * Input: two flag bytes (the first odd: the SigningTable is in refile:
 * form; the second odd: every matching refile line signs), then up to four
 * parts separated by lines "%%": a KeyTable, a SigningTable, native
 * patterns (one a line, each naming every key), From field values (one a
 * line).  No key file is read.
 * Invariants: a failed parse says why ("file:line: ..."); a lookup returns
 * at most the room given, only keys of the table, each once, and names the
 * rule that matched; a From address that parses has one '@' with a local
 * part and a lower-case domain, and fits the buffer.
 */
#include "dkims.h"
#include "fuzz.h"
#include "keytable.h"
#include "str.h"

#define LOOKUP_MAX 4

/* next_part - cut s at the next line "%%"; returns the rest or NULL */
static char *
next_part(char *s)
{
	char *sep;

	if (s == NULL)
		return NULL;
	if (strncmp(s, "%%\n", 3) == 0) {	/* an empty part */
		*s = '\0';
		return s + 3;
	}
	sep = strstr(s, "\n%%\n");
	if (sep == NULL)
		return NULL;
	*sep = '\0';
	return sep + 4;
}

/* in_table - k is one of t's keys */
static int
in_table(const struct keytab *t, const struct keytab_key *k)
{
	size_t i;

	for (i = 0; i < keytab_nkeys(t); i++)
		if (keytab_key_at(t, i) == k)
			return 1;
	return 0;
}

/* check_lookup - the lookup invariants for one address */
static void
check_lookup(const struct keytab *t, const char *addr)
{
	const struct keytab_key *k[LOOKUP_MAX];
	const char *rule = NULL;
	size_t n = keytab_lookup(t, addr, k, LOOKUP_MAX, &rule), i, j;

	FUZZ_CHECK(n <= LOOKUP_MAX);
	FUZZ_CHECK(n == 0 || rule != NULL);
	for (i = 0; i < n; i++) {
		FUZZ_CHECK(in_table(t, k[i]));
		for (j = 0; j < i; j++)
			FUZZ_CHECK(k[i] != k[j]);
	}
}

/* check_from - the From parser invariants for one field value */
static void
check_from(const struct keytab *t, const char *value)
{
	char a[128];
	const char *at;

	if (dkims_from_address(value, a, sizeof(a)) < 0)
		return;
	FUZZ_CHECK(strlen(a) < sizeof(a));
	at = strrchr(a, '@');
	FUZZ_CHECK(at != NULL && at != a && at[1] != '\0');
	for (at++; *at != '\0'; at++)
		FUZZ_CHECK(*at < 'A' || *at > 'Z');
	check_lookup(t, a);
}

/* add_native - one native rule per line, naming every key of the table */
static void
add_native(struct keytab *t, char *lines)
{
	const char *names[8];
	char *line, *save = NULL, err[512];
	size_t n = 0;

	while (n < 8 && n < keytab_nkeys(t)) {
		names[n] = keytab_key_at(t, n)->name;
		n++;
	}
	for (line = strtok_r(lines, "\n", &save); line != NULL && n > 0;
	    line = strtok_r(NULL, "\n", &save)) {
		err[0] = '\0';
		if (keytab_add_rule(t, line, names, n, "native:1", err,
		    sizeof(err)) < 0)
			FUZZ_CHECK(err[0] != '\0');
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, *kt, *st, *native, *from, *line;
	char *save = NULL, err[512];
	struct keytab *t;
	int refile;

	if (size < 2)
		return 0;
	s = fuzz_cstr(data + 2, size - 2);
	kt = s;
	t = keytab_new();
	refile = data[0] & 1;
	keytab_set_multiple(t, data[1] & 1);
	st = next_part(kt);
	native = next_part(st);
	from = next_part(native);
	err[0] = '\0';
	if (keytab_parse_opendkim_keytable(t, kt, "KT", err, sizeof(err)) < 0)
		FUZZ_CHECK(strncmp(err, "KT:", 3) == 0);
	err[0] = '\0';
	if (st != NULL && keytab_parse_opendkim_signingtable(t, st, "ST",
	    refile, err, sizeof(err)) < 0)
		FUZZ_CHECK(strncmp(err, "ST:", 3) == 0);
	if (native != NULL)
		add_native(t, native);
	err[0] = '\0';
	if (keytab_resolve(t, err, sizeof(err)) < 0) {
		FUZZ_CHECK(err[0] != '\0');
	} else {
		for (line = from ? strtok_r(from, "\n", &save) : NULL;
		    line != NULL;
		    line = strtok_r(NULL, "\n", &save))
			check_from(t, line);
		check_lookup(t, "user@example.org");
	}
	keytab_free(t);
	free(s);
	return 0;
}
