/*
 * fuzz_dns_cache.c - fuzz target: the DNS answer cache (dns_cache.c) under
 * a fuzzer-chosen sequence of puts, gets and clock steps, with names and
 * record data that come from the internet in real use.
 *
 * Input: two bytes size the cache (entries, byte budget), then operations
 * of a few bytes each: put (name, type, TTL, status, records), get, or
 * advance the clock.  A shadow table remembers the last final answer put
 * for each (lower-cased name, type).
 * Invariants: a get returns nothing, or exactly the last answer put for
 * that key (status, records byte for byte) and only while it is fresh
 * (TTL capped at one hour); failures and TTL 0 are never returned; the
 * entry count stays within the cache's slots (none for a 0-entry cache).
 */
#include "dns_cache.h"
#include "dns_int.h"
#include "fuzz.h"

#define SHADOW_MAX 64
#define MAX_TTL 3600		/* DNS_CACHE_MAX_TTL */

struct shadow {
	char key[DNS_NAME_MAX + 2];
	int type;
	time_t expires;
	struct dns_result *res;	/* NULL: nothing may be returned */
};

struct input {
	const uint8_t *p;
	size_t left;
};

static const int types[] = { DNS_T_A, DNS_T_TXT, DNS_T_MX };
static struct shadow shadow[SHADOW_MAX];
static size_t nshadow;

/* take - next byte, 0 when the input is used up */
static unsigned
take(struct input *in)
{
	if (in->left == 0)
		return 0;
	in->left--;
	return *in->p++;
}

/* pick_name - a name from a small set (so keys repeat), in mixed case,
 * or one of fuzzer bytes (long, odd characters) */
static void
pick_name(struct input *in, char *name, size_t size)
{
	static const char *const names[] = { "a.example", "B.example",
	    "_dmarc.example.org", "sel._domainkey.example.org", "x", "" };
	unsigned b = take(in), n, i;

	if (b < 200) {
		snprintf(name, size, "%s", names[b % 6]);
		if (b & 0x40)
			name[0] = (char)(name[0] ^ 0x20);
		return;
	}
	n = take(in) + take(in);
	if (n >= size)
		n = (unsigned)size - 1;
	for (i = 0; i < n; i++)
		name[i] = (char)(take(in) | 1);
	name[n] = '\0';
}

/* lower_key - the shadow key: lower case; NULL if too long to be a name */
static int
lower_key(const char *name, char *key, size_t size)
{
	size_t i, n = strlen(name);

	if (n + 1 > size)
		return -1;
	for (i = 0; i <= n; i++)
		key[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ?
		    name[i] + 32 : name[i]);
	return 0;
}

/* find - the shadow entry of key/type, made when absent (NULL if full) */
static struct shadow *
find(const char *key, int type)
{
	size_t i;

	for (i = 0; i < nshadow; i++)
		if (shadow[i].type == type && strcmp(shadow[i].key, key) == 0)
			return &shadow[i];
	if (nshadow == SHADOW_MAX)
		return NULL;
	snprintf(shadow[nshadow].key, sizeof(shadow[0].key), "%s", key);
	shadow[nshadow].type = type;
	shadow[nshadow].res = NULL;
	return &shadow[nshadow++];
}

/* make_result - a result of fuzzer-chosen status and records */
static struct dns_result *
make_result(struct input *in, int type)
{
	static const enum dns_status st[] = { DNS_OK, DNS_NODATA,
	    DNS_NXDOMAIN, DNS_SERVFAIL, DNS_TIMEOUT, DNS_ERROR };
	struct dns_result *r = dns_result_new(st[take(in) % 6], NULL);
	unsigned n = take(in) % 4, i, len, j;
	uint8_t data[64];

	for (i = 0; r->status == DNS_OK && i < n; i++) {
		len = take(in) % sizeof(data);
		for (j = 0; j < len; j++)
			data[j] = (uint8_t)take(in);
		dns_result_add(r, type, (uint16_t)take(in), data, len);
	}
	return r;
}

/* same - a and b hold the same answer */
static int
same(const struct dns_result *a, const struct dns_result *b)
{
	size_t i;

	if (a->status != b->status || a->nrr != b->nrr)
		return 0;
	for (i = 0; i < a->nrr; i++)
		if (a->rr[i].type != b->rr[i].type ||
		    a->rr[i].pref != b->rr[i].pref ||
		    a->rr[i].len != b->rr[i].len ||
		    memcmp(a->rr[i].data, b->rr[i].data, a->rr[i].len) != 0 ||
		    a->rr[i].data[a->rr[i].len] != '\0')
			return 0;
	return 1;
}

/* op_put - put a result; the shadow follows the cache's rules */
static void
op_put(struct dns_cache *c, struct input *in, time_t now)
{
	char name[600], key[DNS_NAME_MAX + 2];
	int type;
	unsigned ttl;
	struct dns_result *r;
	struct shadow *s;

	pick_name(in, name, sizeof(name));
	type = types[take(in) % 3];
	ttl = take(in) << 8 | take(in);
	r = make_result(in, type);
	dns_cache_put(c, name, type, r, ttl, now);
	if (ttl == 0 || (r->status != DNS_OK && r->status != DNS_NODATA &&
	    r->status != DNS_NXDOMAIN) || lower_key(name, key,
	    sizeof(key)) < 0 || (s = find(key, type)) == NULL) {
		dns_result_free(r);
		return;
	}
	dns_result_free(s->res);
	s->res = r;
	s->expires = now + (ttl > MAX_TTL ? MAX_TTL : ttl);
}

/* op_get - a get agrees with the shadow */
static void
op_get(struct dns_cache *c, struct input *in, time_t now)
{
	char name[600], key[DNS_NAME_MAX + 2];
	int type;
	struct dns_result *got;
	struct shadow *s;

	pick_name(in, name, sizeof(name));
	type = types[take(in) % 3];
	got = dns_cache_get(c, name, type, now);
	if (got == NULL)
		return;
	FUZZ_CHECK(lower_key(name, key, sizeof(key)) == 0);
	s = find(key, type);
	FUZZ_CHECK(s != NULL && s->res != NULL);
	FUZZ_CHECK(now < s->expires);
	FUZZ_CHECK(same(got, s->res));
	dns_result_free(got);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	size_t entries = take(&in) % 65, bytes = (size_t)take(&in) * 64, i;
	struct dns_cache *c = dns_cache_new(entries, bytes);
	time_t now = 1000;

	nshadow = 0;
	while (in.left > 0) {
		switch (take(&in) % 4) {
		case 0:
		case 1:
			op_put(c, &in, now);
			break;
		case 2:
			op_get(c, &in, now);
			break;
		default:
			now += take(&in) * (take(&in) & 1 ? 60 : 1);
			break;
		}
		/* sets: a power of two, so at most twice what was asked */
		FUZZ_CHECK(dns_cache_count(c) <= (entries == 0 ? 0 :
		    2 * entries + DNS_CACHE_WAYS));
	}
	dns_cache_free(c);
	for (i = 0; i < nshadow; i++)
		dns_result_free(shadow[i].res);
	return 0;
}
