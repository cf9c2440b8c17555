/*
 * fuzz_authres.c - fuzz target: the Authentication-Results authserv-id
 * parser (authres_authserv_id, authres_claims) on untrusted header values,
 * and the sanitising of untrusted text in the header hallmark writes.
 *
 * Invariants checked: a found id fits the buffer, is lower case and is
 * claimed back by authres_claims; our own formatted header has no bare CR
 * or LF outside the folding, one comment per entry, and parses back to
 * our authserv-id.
 */
#include "authres.h"
#include "fuzz.h"

/* check_parse - the parser on value with an output buffer of outlen */
static void
check_parse(const char *value, size_t outlen)
{
	char out[600];
	size_t i;

	if (authres_authserv_id(value, out, outlen) < 0)
		return;
	FUZZ_CHECK(strlen(out) < outlen && strlen(out) > 0);
	for (i = 0; out[i]; i++)
		FUZZ_CHECK(!(out[i] >= 'A' && out[i] <= 'Z'));
	if (outlen >= 512)
		FUZZ_CHECK(authres_claims(value, out) == 1);
}

/* check_format - untrusted comment and properties in our own header */
static void
check_format(const char *text)
{
	struct ar_list l = { 0, NULL };
	char id[64];
	char *h, *p;
	int depth = 0;

	authres_add(&l, "spf", "pass", text, NULL);
	authres_add(&l, "dkim", "fail", NULL, text);
	h = authres_format("mx.example.org", &l);
	for (p = h; *p; p++) {
		FUZZ_CHECK(*p != '\r');
		if (*p == '\n')
			FUZZ_CHECK(p > h && p[-1] == ';' && p[1] == '\t');
		if (*p == '(')
			depth++;
		if (*p == ')')
			depth--;
		FUZZ_CHECK(depth == 0 || depth == 1);
	}
	FUZZ_CHECK(depth == 0);
	FUZZ_CHECK(authres_authserv_id(h, id, sizeof(id)) == 0);
	FUZZ_CHECK(strcmp(id, "mx.example.org") == 0);
	free(h);
	authres_free(&l);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);

	check_parse(s, 512);
	check_parse(s, size > 0 ? 1 + data[0] % 16 : 1);
	check_format(s);
	free(s);
	return 0;
}
