/*
 * fuzz_authres.c - fuzz target: the Authentication-Results authserv-id
 * parser (authres_authserv_id, authres_claims) on untrusted header values,
 * and the sanitising of untrusted text in the header hallmark writes.
 *
 * Invariants checked: a found id fits the buffer, is lower case and is
 * claimed back by authres_claims; our own formatted header has no bare CR
 * or LF outside the folding, one comment per entry, and parses back to
 * our authserv-id.  Results with untrusted text in their comments (words
 * and a quoted excerpt) and in a MAIL FROM property read back, with an
 * RFC 8601 parser of the tests' own (ar_parse.h), as exactly the results
 * added, in order; a reader that splits on ';' sees as many; an excerpt
 * keeps no ';', '=', quote, parenthesis or backslash; and no '=' in a
 * comment follows a method name or a ptype.property.
 * The gateway readers (gateway.h) on the same value: a parsed A-R has a
 * non-empty lower-case id, at most GW_MAX_DKIM domains, all strings
 * terminated within their buffers; a Received address is non-empty and
 * made of hex digits, dots and colons only.
 */
#include <ctype.h>
#include <strings.h>

#include "ar_parse.h"
#include "authres.h"
#include "fuzz.h"
#include "gateway.h"
#include "spf.h"

static const char *const methods[] = { "spf", "dkim", "dmarc" };
static const char *const results[] = { "pass", "fail", "none", "neutral",
	"softfail", "temperror", "permerror", "policy" };

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

/* piece - the k-th of n slices of text (caller frees) */
static char *
piece(const char *text, size_t k, size_t n)
{
	size_t len = strlen(text), a = len * k / n, b = len * (k + 1) / n;
	char *s = malloc(b - a + 1);

	if (s == NULL)
		abort();
	memcpy(s, text + a, b - a);
	s[b - a] = '\0';
	return s;
}

/* add_one - entry k: fixed method and result, untrusted comment/props */
static void
add_one(struct ar_list *l, const uint8_t *sel, const char *seg, size_t k)
{
	char *why, *addr, *props;
	size_t n = strlen(seg) + 64;

	why = malloc(n);
	props = malloc(n * 2 + 32);
	if (why == NULL || props == NULL)
		abort();
	snprintf(why, n, k % 2 ? "%s" : "bad From: \"%s\"", seg);
	addr = spf_prop_address(seg);
	snprintf(props, n * 2 + 32, "smtp.mailfrom=%s", addr);
	authres_add(l, methods[sel[0] % 3], results[sel[1] % 8], why,
	    k % 3 == 2 ? NULL : props);
	free(addr);
	free(props);
	free(why);
}

/* no_forged_key - no '=' in comment c follows a method name of RFC
 * 8601's registry or a ptype.property: nothing in it reads as a result */
static void
no_forged_key(const char *c)
{
	static const char *const keys[] = { "arc", "auth", "bimi", "dkim",
		"dkim-adsp", "dkim-atps", "dmarc", "dnswl", "domainkeys",
		"iprev", "reason", "rrvs", "sender-id", "smime", "spf", "vbr",
		NULL };
	const char *eq, *w;
	size_t i;

	for (eq = c; c != NULL && (eq = strchr(eq, '=')) != NULL; eq++) {
		for (w = eq; w > c &&
		     (isalnum((unsigned char)w[-1]) ||
			 strchr("-._", w[-1]) != NULL);
		     w--)
			;
		FUZZ_CHECK(memchr(w, '.', (size_t)(eq - w)) == NULL);
		FUZZ_CHECK(eq - w <= 2 || strncasecmp(w, "x-", 2) != 0);
		for (i = 0; keys[i] != NULL; i++)
			FUZZ_CHECK(strlen(keys[i]) != (size_t)(eq - w) ||
			    strncasecmp(w, keys[i], (size_t)(eq - w)) != 0);
	}
}

/* check_results - hallmark's results read back as exactly themselves */
static void
check_results(const uint8_t *data, size_t size, const char *text)
{
	struct ar_list l = { 0, NULL };
	uint8_t sel[9] = { 0 };
	size_t n, i, semis = 0;
	struct arp a;
	char *h, *seg, *p;

	memcpy(sel, data, size < sizeof(sel) ? size : sizeof(sel));
	n = 1 + sel[0] % 4;
	for (i = 0; i < n; i++) {
		seg = piece(text, i, n);
		add_one(&l, sel + 1 + 2 * i, seg, i);
		free(seg);
	}
	h = authres_format("mx.example.org", &l);
	if (arp_parse(h, &a) != 0) {
		fprintf(stderr, "unparsable at '%s': %s\n", a.err, h);
		FUZZ_CHECK(0);
	}
	FUZZ_CHECK(a.n == n && strcmp(a.id, "mx.example.org") == 0);
	for (i = 0; i < n; i++) {
		FUZZ_CHECK(strcmp(a.r[i].method, l.v[i].method) == 0);
		FUZZ_CHECK(strcmp(a.r[i].result, l.v[i].result) == 0);
		if (i % 2 == 0 && l.v[i].comment != NULL)
			FUZZ_CHECK(strpbrk(l.v[i].comment, ";=\"'()\\") ==
			    NULL);
		no_forged_key(l.v[i].comment);
	}
	for (p = h; *p != '\0'; p++)
		semis += *p == ';';
	FUZZ_CHECK(semis == n);
	free(h);
	authres_free(&l);
}

/* check_gateway - gw_ar_parse and gw_received_from on value */
static void
check_gateway(const char *value)
{
	struct gw_ar a;
	char ip[64], helo[64];
	size_t i;

	if (gw_ar_parse(value, &a) == 0) {
		FUZZ_CHECK(a.authserv_id[0] != '\0');
		for (i = 0; a.authserv_id[i]; i++)
			FUZZ_CHECK(!(a.authserv_id[i] >= 'A' &&
			    a.authserv_id[i] <= 'Z'));
		FUZZ_CHECK(a.ndkim <= GW_MAX_DKIM);
		FUZZ_CHECK(strlen(a.mailfrom) < GW_ID_MAX);
		FUZZ_CHECK(!a.spf_pass || a.mailfrom[0] != '\0');
		for (i = 0; i < a.ndkim; i++)
			FUZZ_CHECK(strlen(a.dkim_d[i]) < GW_ID_MAX);
	}
	if (gw_received_from(value, ip, sizeof(ip), helo, sizeof(helo)) == 0) {
		FUZZ_CHECK(ip[0] != '\0' && strlen(helo) < sizeof(helo));
		FUZZ_CHECK(strspn(ip, "0123456789abcdefABCDEF.:") ==
		    strlen(ip));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);

	check_parse(s, 512);
	check_parse(s, size > 0 ? 1 + data[0] % 16 : 1);
	check_format(s);
	check_gateway(s);
	check_results(data, size, s);
	free(s);
	return 0;
}
