/*
 * test_doctor_out.c - the report of `hallmark doctor` (doctor_out.c):
 * wrapping at 80 columns (at spaces, after commas, long words cut), detail
 * lines, masking of what a terminal could take for a command, JSON
 * escaping, the worst level and the exit status it gives.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "doctor.h"

/* render - the report as text (json 0) or JSON (json 1); allocated */
static char *
render(const struct doc_report *r, int json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	if (json)
		doc_print_json(f, r, "\"domain\": \"x.example\"");
	else
		doc_print_text(f, r, "head");
	fclose(f);
	return buf;
}

/* long lines break at a space or after a comma before column 80, under
 * the text; a word longer than a line is cut; detail lines indented */
static void
test_wrap(void **state)
{
	struct doc_report r = { 0 };
	struct doc_section *s = doc_section(&r, "SPF (x.example)");
	char word[101];
	char *out;

	(void)state;
	memset(word, 'a', 100);
	word[100] = '\0';
	doc_add(s, DOC_WARN, "w", "%s",
	    "one two three four five six seven "
	    "eight nine ten eleven twelve thirteen fourteen fifteen");
	doc_add(s, DOC_OK, "c",
	    "rua=mailto:a@b.example,mailto:c@d.example,"
	    "mailto:e@f.example,mailto:g@h.example\ndetail");
	doc_add(s, DOC_FAIL, "l", "%s", word);
	out = render(&r, 0);
	assert_string_equal(out,
	    "head\n\nSPF (x.example)\n"
	    "  warn  one two three four five six seven eight nine ten eleven "
	    "twelve thirteen\n" /* 79 columns */
	    "        fourteen fifteen\n"
	    "  ok    rua=mailto:a@b.example,mailto:c@d.example,mailto:e@f."
	    "example,\n"
	    "        mailto:g@h.example\n"
	    "        detail\n"
	    "  FAIL  aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaa\n"
	    "        aaaaaaaaaaaaaaaaaaaaaaaaaaaa\n");
	free(out);
	doc_free(&r);
}

/* DNS text cannot drive the terminal: controls, DEL and 8-bit bytes are
 * '?'; doc_oneline also folds line ends */
static void
test_mask(void **state)
{
	struct doc_report r = { 0 };
	struct doc_section *s = doc_section(&r, "T");
	char *one;

	(void)state;
	doc_add(s, DOC_INFO, "m", "a%sb\nc", "\x1b[2J\x7f\xc3\xa9");
	assert_string_equal(s->item[0].text, "a?[2J???b\nc");
	one = doc_oneline("v=spf1\r\n-all\x07");
	assert_string_equal(one,
	    "v=spf1?"
	    "?-all?");
	free(one);
	doc_free(&r);
}

/* JSON: strings escaped, first line as text, the rest as detail */
static void
test_json(void **state)
{
	struct doc_report r = { 0 };
	struct doc_section *s = doc_section(&r, "DKIM \"d\"");
	char *out;

	(void)state;
	doc_add(s, DOC_UNKNOWN, "dkim-key", "a\\b \"q\"\nline 2\nline 3");
	out = render(&r, 1);
	assert_string_equal(out,
	    "{\n  \"query\": {\"domain\": \"x.example\"},\n"
	    "  \"result\": \"unknown\", \"exit\": 2,\n"
	    "  \"sections\": [\n"
	    "    {\"section\": \"DKIM \\\"d\\\"\", \"findings\": [\n"
	    "      {\"level\": \"unknown\", \"code\": \"dkim-key\", "
	    "\"text\": \"a\\\\b \\\"q\\\"\", "
	    "\"detail\": [\"line 2\", \"line 3\"]}\n"
	    "    ]}\n  ]\n}\n");
	free(out);
	doc_free(&r);
}

/* FAIL over ? over warn; the exit statuses 1, 2, 0 */
static void
test_worst(void **state)
{
	struct doc_report r = { 0 };
	struct doc_section *s = doc_section(&r, "T");

	(void)state;
	doc_add(s, DOC_OK, "a", "ok");
	doc_add(s, DOC_WARN, "b", "warn");
	assert_int_equal(doc_worst(&r), DOC_WARN);
	assert_int_equal(doc_exit(doc_worst(&r)), 0);
	doc_add(s, DOC_UNKNOWN, "c", "?");
	assert_int_equal(doc_exit(doc_worst(&r)), 2);
	doc_add(s, DOC_FAIL, "d", "fail");
	doc_add(doc_section(&r, "U"), DOC_UNKNOWN, "e", "?");
	assert_int_equal(doc_worst(&r), DOC_FAIL);
	assert_int_equal(doc_exit(doc_worst(&r)), 1);
	doc_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_mask),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_worst),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
