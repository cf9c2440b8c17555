/*
 * test_summary.c - the one log line per message (summary.c): a real
 * message context with the results the modules leave; every result once
 * (duplicates numbered), envelope, signatures added, action and reason,
 * outside text masked; and lines logged before the MTA gives a queue id
 * come out under it (msglog.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "authres.h"
#include "conf_table.h"
#include "ctx.h"
#include "logcap.h"
#include "msglog.h"
#include "summary.h"

/* msg - a message from 192.0.2.1 on a default configuration */
static struct hm_msg *
msg(void)
{
	struct conf_err e;
	struct conf *conf = conf_load_string("", 1, &e);
	struct hm_conn *c;

	assert_non_null(conf);
	c = ctx_conn_new(conf);
	conf_release(conf);
	c->hostname = xstrdup("mail.example.net");
	c->helo = xstrdup("mail.example.net\r\nforged: line");
	c->has_addr = 1;
	snprintf(c->addrstr, sizeof(c->addrstr), "192.0.2.1");
	c->msg = ctx_msg_new(c);
	c->msg->envfrom = xstrdup("a@example.org");
	c->msg->nrcpt = 2;
	c->msg->bodybytes = 1234;
	return c->msg;
}

static void
test_line(void **state)
{
	struct hm_msg *m = msg();
	char *s;

	(void)state;
	authres_add(&m->ar, "spf", "pass", NULL, "smtp.mailfrom=a@example.org");
	authres_add(&m->ar, "dkim", "pass", NULL, "header.d=example.org");
	authres_add(&m->ar, "dkim", "fail", "body hash mismatch",
	    "header.d=list.example");
	authres_add(&m->ar, "dmarc", "fail", "p=reject dis=reject",
	    "header.from=example.org");
	ctx_msg_addhdr(m, "DKIM-Signature",
	    "v=1; a=rsa-sha256; d=out.example;"
	    " s=sel1; h=from; bh=x; b=y");
	verdict_propose(&m->verdict, VERDICT_REJECT, "dmarc", "550", "5.7.1",
	    "Message rejected: \"DMARC\" failed");
	s = summary_format(m);
	assert_string_equal(s,
	    "client=192.0.2.1 host=mail.example.net "
	    "helo=mail.example.net??forged: line from=<a@example.org> "
	    "rcpts=2 size=1234 spf=pass smtp.mailfrom=a@example.org "
	    "dkim.1=pass header.d=example.org dkim.2=fail (body hash "
	    "mismatch) header.d=list.example dmarc=fail (p=reject "
	    "dis=reject) header.from=example.org signed=out.example/sel1 "
	    "action=reject by=dmarc reason=\"Message rejected: 'DMARC' "
	    "failed\"");
	free(s);
	ctx_conn_free(m->conn);
}

static void
test_nothing(void **state)
{
	struct hm_msg *m = msg();
	char *s;

	(void)state;
	s = summary_format(m);
	assert_string_equal(s,
	    "client=192.0.2.1 host=mail.example.net "
	    "helo=mail.example.net??forged: line from=<a@example.org> "
	    "rcpts=2 size=1234 action=accept");
	free(s);
	ctx_conn_free(m->conn);
}

/* a line logged at MAIL FROM waits for the queue id */
static void
test_kept_until_qid(void **state)
{
	struct hm_msg *m = msg();
	char *text;

	(void)state;
	log_set_level(LOG_LVL_DEBUG);
	log_capture();
	msglog(m, LOG_LVL_DEBUG, "spf: mailfrom=%s result=pass", "a@b");
	msglog(m, LOG_LVL_INFO, "second\nline");
	text = log_captured();
	assert_string_equal(text, "");
	free(text);
	snprintf(m->qid, sizeof(m->qid), "4XbT2k0Qz1");
	log_capture();
	msglog_flush(m);
	msglog(m, LOG_LVL_DEBUG, "later");
	text = log_captured();
	assert_non_null(strstr(text,
	    "debug: 4XbT2k0Qz1: spf: mailfrom=a@b "
	    "result=pass\n"));
	assert_non_null(strstr(text, "info: 4XbT2k0Qz1: second?line\n"));
	assert_non_null(strstr(text, "debug: 4XbT2k0Qz1: later\n"));
	free(text);
	/* a message that ends without a queue id loses nothing */
	ctx_conn_free(m->conn);
	m = msg();
	msglog(m, LOG_LVL_DEBUG, "never queued");
	log_capture();
	ctx_conn_free(m->conn);
	text = log_captured();
	assert_non_null(strstr(text, "NOQUEUE: never queued"));
	free(text);
	log_set_level(LOG_LVL_INFO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line),
		cmocka_unit_test(test_nothing),
		cmocka_unit_test(test_kept_until_qid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
