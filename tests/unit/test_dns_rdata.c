/*
 * test_dns_rdata.c - the pure wire-format conversions of the DNS layer:
 * wire names to text (escapes, root, malformed), each rdata type, and the
 * escaping of query names for libunbound.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dns_int.h"
#include "dns_rdata.h"

#define W(s) (const unsigned char *)(s), sizeof(s) - 1

/* a wire name is read up to its root label; escapes and the root name */
static void
test_name(void **state)
{
	char out[DNS_PRES_MAX];

	assert_int_equal(dns_rdata_name(W("\3www\7example\3org\0"), out,
	    sizeof(out)), 17);
	assert_string_equal(out, "www.example.org");
	assert_int_equal(dns_rdata_name(W("\0"), out, sizeof(out)), 1);
	assert_string_equal(out, "");
	assert_int_equal(dns_rdata_name(W("\4a.b\\\2\001 \0"), out,
	    sizeof(out)), 9);
	assert_string_equal(out, "a\\.b\\\\.\\001\\032");
	/* trailing bytes after the root are not part of the name */
	assert_int_equal(dns_rdata_name(W("\1a\0xyz"), out, sizeof(out)), 3);
}

/* truncated names, compression pointers, long labels and names fail */
static void
test_name_malformed(void **state)
{
	unsigned char big[300];
	char out[DNS_PRES_MAX];
	size_t i;

	assert_int_equal(dns_rdata_name(W("\3www"), out, sizeof(out)), 0);
	assert_int_equal(dns_rdata_name(W("\5ab"), out, sizeof(out)), 0);
	assert_int_equal(dns_rdata_name(W("\300\014"), out, sizeof(out)), 0);
	assert_int_equal(dns_rdata_name(W("\100"), out, sizeof(out)), 0);
	assert_int_equal(dns_rdata_name((const unsigned char *)"", 0, out,
	    sizeof(out)), 0);
	for (i = 0; i + 64 < sizeof(big); i += 64) {
		big[i] = 63;
		memset(big + i + 1, 'x', 63);
	}
	big[i] = 0;		/* 4 labels of 63 + root = 257 bytes */
	assert_int_equal(dns_rdata_name(big, i + 1, out, sizeof(out)), 0);
	/* a small output buffer is an error, never an overflow */
	assert_int_equal(dns_rdata_name(W("\7example\0"), out, 5), 0);
}

/* A, AAAA lengths; TXT strings concatenated; MX; PTR; raw types */
static void
test_add(void **state)
{
	struct dns_result *res = dns_result_new(DNS_OK, NULL);

	assert_int_equal(dns_rdata_add(res, DNS_T_A, W("\300\000\002\001")), 0);
	assert_int_equal(dns_rdata_add(res, DNS_T_A, W("\1\2\3")), -1);
	assert_int_equal(dns_rdata_add(res, DNS_T_AAAA, W("\1\2\3\4")), -1);
	assert_int_equal(dns_rdata_add(res, DNS_T_TXT,
	    W("\7v=spf1 \4-all\0")), 0);
	assert_int_equal(dns_rdata_add(res, DNS_T_MX,
	    W("\0\12\2mx\7example\0")), 0);
	assert_int_equal(dns_rdata_add(res, DNS_T_PTR, W("\1a\1b\0")), 0);
	assert_int_equal(dns_rdata_add(res, 99, W("raw")), 0);
	assert_int_equal(res->nrr, 5);
	assert_int_equal(res->rr[0].len, 4);
	assert_memory_equal(res->rr[0].data, "\300\000\002\001", 4);
	assert_int_equal(res->rr[1].len, 11);
	assert_string_equal((char *)res->rr[1].data, "v=spf1 -all");
	assert_int_equal(res->rr[2].pref, 10);
	assert_string_equal((char *)res->rr[2].data, "mx.example");
	assert_string_equal((char *)res->rr[3].data, "a.b");
	assert_int_equal(res->rr[4].len, 3);
	dns_result_free(res);
}

/* malformed TXT, MX and PTR rdata is refused and res stays unchanged */
static void
test_add_malformed(void **state)
{
	struct dns_result *res = dns_result_new(DNS_OK, NULL);

	assert_int_equal(dns_rdata_add(res, DNS_T_TXT, W("")), -1);
	assert_int_equal(dns_rdata_add(res, DNS_T_TXT, W("\5abc")), -1);
	assert_int_equal(dns_rdata_add(res, DNS_T_TXT, W("\2ab\3x")), -1);
	assert_int_equal(dns_rdata_add(res, DNS_T_MX, W("\0\1")), -1);
	assert_int_equal(dns_rdata_add(res, DNS_T_MX, W("\0\1\1a")), -1);
	assert_int_equal(dns_rdata_add(res, DNS_T_PTR, W("\1a\0junk")), -1);
	assert_int_equal(dns_rdata_add(res, DNS_T_CNAME, W("\300\014")), -1);
	assert_int_equal(res->nrr, 0);
	dns_result_free(res);
}

/* TXT strings with embedded NULs keep their length */
static void
test_txt_nul(void **state)
{
	struct dns_result *res = dns_result_new(DNS_OK, NULL);

	assert_int_equal(dns_rdata_add(res, DNS_T_TXT, W("\3a\0b\0")), 0);
	assert_int_equal(res->rr[0].len, 3);
	assert_memory_equal(res->rr[0].data, "a\0b", 4);
	dns_result_free(res);
}

/* query names: plain bytes kept, others as \DDD; small buffers fail */
static void
test_qname(void **state)
{
	char out[64];

	assert_int_equal(dns_rdata_qname("Sel-1._domainkey.example.org",
	    out, sizeof(out)), 0);
	assert_string_equal(out, "Sel-1._domainkey.example.org");
	assert_int_equal(dns_rdata_qname("a\\b c;\"\377.x", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "a\\092b\\032c\\059\\034\\255.x");
	assert_int_equal(dns_rdata_qname("abcdef", out, 6), -1);
	assert_int_equal(dns_rdata_qname("abcde", out, 6), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_name_malformed),
		cmocka_unit_test(test_add),
		cmocka_unit_test(test_add_malformed),
		cmocka_unit_test(test_txt_nul),
		cmocka_unit_test(test_qname),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
