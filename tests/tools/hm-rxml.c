/*
 * hm-rxml.c - test tool: write DMARC aggregate reports of varied content
 * with hallmark's report builder (milter/report/rxml.h), for the schema
 * validation of tests/integration/t_rxml_schema.sh.
 *
 *   hm-rxml OUTDIR
 *
 * Writes OUTDIR/<case>-rfc9990.xml and OUTDIR/<case>-rfc7489.xml for
 * each case below, and for the case "split" (600 rows cut under a 4 KiB
 * gzip cap) two files per part: split-<format>-part<N>.xml, the bytes
 * zlib inflates from rxml_gzip's, and <format>-<file name>, those gzip
 * bytes under the report's file name (rxml_filename); prints one line
 * per file written.
 * Cases:
 *   basic    one IPv4 row, DKIM and SPF pass, policy p=reject
 *   ipv6     compressed IPv6, IPv4-mapped IPv6 and an unparsable address
 *   nullpath empty envelope_from (null reverse-path), no SPF result,
 *            envelope_to recorded
 *   dkim100  100 DKIM results of every result value, no selector in one
 *   hostile  reasons, comments, org_name, extra_contact_info, error and
 *            identifiers holding & < > " ' ]]> controls, CR, invalid
 *            UTF-8 and markup; every disposition and reason type
 *   policy   sp, np, t=y, psl, fo, strict alignment; rows without a
 *            recorded reason that need one (the builder adds it)
 * Exit 0, or 1 with a message on error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "rxml.h"
#include "str.h"

#define SPLIT_ROWS 600
#define SPLIT_CAP 4096

static const char *outdir;

static void
die(const char *what, const char *why)
{
	fprintf(stderr, "hm-rxml: %s: %s\n", what, why);
	exit(1);
}

/* set_row - a row with the common fields */
static void
set_row(struct rrow *r, const char *ip, const char *from, uint64_t count)
{
	memset(r, 0, sizeof(*r));
	r->source_ip = xstrdup(ip);
	r->header_from = xstrdup(from);
	r->envelope_from = xstrdup(from);
	r->count = count;
	r->has_spf = 1;
	r->spf_domain = xstrdup(from);
	r->spf_result = RES_SPF_PASS;
	r->spf_pass = 1;
}

static void
add_dkim(struct rrow *r, const char *d, const char *s, enum res_dkim res)
{
	r->dkim = xrealloc(r->dkim, (r->ndkim + 1) * sizeof(*r->dkim));
	r->dkim[r->ndkim].domain = xstrdup(d);
	r->dkim[r->ndkim].selector = s ? xstrdup(s) : NULL;
	r->dkim[r->ndkim].result = res;
	r->ndkim++;
}

static void
add_reason(struct rrow *r, enum rr_reason t, const char *comment)
{
	r->reason[r->nreason].type = t;
	r->reason[r->nreason].comment = comment ? xstrdup(comment) : NULL;
	r->nreason++;
}

static void
set_policy(struct rpolicy *p, const char *domain, enum rr_pol pol)
{
	memset(p, 0, sizeof(*p));
	p->domain = xstrdup(domain);
	p->p = pol;
	p->sp = RR_POL_UNSET;
	p->np = RR_POL_UNSET;
	p->adkim = 'r';
	p->aspf = 'r';
}

/* write_file - OUTDIR/name with n bytes */
static void
write_file(const char *name, const char *s, size_t n)
{
	char *path = xasprintf("%s/%s", outdir, name);
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(s, 1, n, f) != n || fclose(f) != 0)
		die(path, "cannot write");
	printf("%s\n", path);
	free(path);
}

/* gunzip - inflate a gzip stream (checks what rxml_gzip made) */
static void
gunzip(const struct str *gz, struct str *out)
{
	unsigned char buf[16384];
	z_stream z;
	int rc;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		die("zlib", "inflateInit2");
	z.next_in = (unsigned char *)gz->s;
	z.avail_in = (uInt)gz->len;
	do {
		z.next_out = buf;
		z.avail_out = sizeof(buf);
		rc = inflate(&z, Z_NO_FLUSH);
		if (rc != Z_OK && rc != Z_STREAM_END)
			die("zlib", "inflate failed");
		str_addn(out, (const char *)buf, sizeof(buf) - z.avail_out);
	} while (rc != Z_STREAM_END);
	inflateEnd(&z);
}

static const struct rxml_meta meta = {
	.org_name = "hallmark test receiver",
	.email = "dmarc-reports@receiver.example",
	.generator = "hallmark test",
	.begin = 1764633600,
	.end = 1764719999,
	.receiver = "receiver.example",
};

static const char *const fmt_name[] = { "rfc9990", "rfc7489" };

/* emit - one report of a case in both formats */
static void
emit(const char *name, const struct rxml_meta *m, const struct rpolicy *pol,
    const struct rrow *rows, size_t n)
{
	struct str id, xml;
	char err[256], *file;
	int f;

	str_init(&id);
	str_init(&xml);
	for (f = RXML_RFC9990; f <= RXML_RFC7489; f++) {
		rxml_report_id(m, pol->domain, 1, 1, &id);
		str_reset(&xml);
		if (rxml_build(f, m, id.s, pol, rows, n, &xml, err,
			sizeof(err)) < 0)
			die(name, err);
		file = xasprintf("%s-%s.xml", name, fmt_name[f]);
		write_file(file, xml.s, xml.len);
		free(file);
	}
	str_free(&id);
	str_free(&xml);
}

static void
free_rows(struct rrow *rows, size_t n, struct rpolicy *pol)
{
	size_t i;

	for (i = 0; i < n; i++)
		rrow_free(&rows[i]);
	rpolicy_free(pol);
}

static void
case_basic(void)
{
	struct rrow r;
	struct rpolicy p;

	set_policy(&p, "univ.example", RR_POL_REJECT);
	set_row(&r, "192.0.2.25", "univ.example", 12);
	r.dkim_pass = 1;
	add_dkim(&r, "univ.example", "s2025", RES_DKIM_PASS);
	r.disposition = RR_DISP_PASS;
	emit("basic", &meta, &p, &r, 1);
	free_rows(&r, 1, &p);
}

static void
case_ipv6(void)
{
	struct rrow r[3];
	struct rpolicy p;

	set_policy(&p, "univ.example", RR_POL_NONE);
	set_row(&r[0], "2001:DB8::25", "univ.example", 3);
	set_row(&r[1], "::ffff:192.0.2.7", "lists.univ.example", 1);
	set_row(&r[2], "not an address", "univ.example", 1);
	emit("ipv6", &meta, &p, r, 3);
	free_rows(r, 3, &p);
}

static void
case_nullpath(void)
{
	struct rrow r[2];
	struct rpolicy p;

	set_policy(&p, "univ.example", RR_POL_QUARANTINE);
	set_row(&r[0], "198.51.100.9", "univ.example", 4);
	free(r[0].envelope_from);
	r[0].envelope_from = xstrdup("");
	r[0].envelope_to = xstrdup("receiver.example");
	r[0].has_spf = 0;
	r[0].spf_pass = 0;
	r[0].disposition = RR_DISP_QUARANTINE;
	set_row(&r[1], "198.51.100.10", "univ.example", 2);
	free(r[1].envelope_from);
	r[1].envelope_from = NULL; /* not recorded */
	emit("nullpath", &meta, &p, r, 2);
	free_rows(r, 2, &p);
}

static void
case_dkim100(void)
{
	struct rrow r;
	struct rpolicy p;
	char d[64], s[64];
	int i;

	set_policy(&p, "univ.example", RR_POL_REJECT);
	set_row(&r, "203.0.113.77", "univ.example", 100);
	for (i = 0; i < RR_MAX_DKIM; i++) {
		snprintf(d, sizeof(d), "d%d.univ.example", i);
		snprintf(s, sizeof(s), "sel%d", i);
		add_dkim(&r, d, i == 5 ? NULL : s,
		    (enum res_dkim)(i % (RES_DKIM_PERMERROR + 1)));
	}
	emit("dkim100", &meta, &p, &r, 1);
	free_rows(&r, 1, &p);
}

static const char hostile[] =
    "a&b<c>d\"e'f]]>g<!ENTITY x SYSTEM \"file:///etc/passwd\">&x;"
    "\x01\x08\x0b\x0c\x1f\x7f tab\there\r\nline2 \xff\xfe bad utf8 "
    "\xc3\x28 \xed\xa0\x80 surrogate \xef\xbf\xbe nonchar \xf4\x90\x80\x80 "
    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa7 </comment></reason>";

static void
case_hostile(void)
{
	struct rxml_meta m = meta;
	struct rrow r[5];
	struct rpolicy p;
	int i;

	m.org_name = hostile;
	m.extra_contact_info = hostile;
	m.error = hostile;
	m.generator = hostile;
	set_policy(&p, "univ.example", RR_POL_REJECT);
	p.fo = xstrdup(hostile);
	for (i = 0; i < 5; i++) {
		set_row(&r[i], "192.0.2.1", "univ.example", (uint64_t)i + 1);
		r[i].spf_pass = 0;
		r[i].disposition = (enum rr_disp)(i % 4);
		add_reason(&r[i], (enum rr_reason)i, hostile);
		add_reason(&r[i], RR_REASON_OTHER, NULL);
		add_dkim(&r[i], hostile, hostile, RES_DKIM_FAIL);
	}
	free(r[0].header_from);
	r[0].header_from = xstrdup(hostile);
	free(r[0].envelope_to);
	r[0].envelope_to = xstrdup(hostile);
	free(r[1].spf_domain);
	r[1].spf_domain = xstrdup(hostile);
	emit("hostile", &m, &p, r, 5);
	free_rows(r, 5, &p);
}

static void
case_policy(void)
{
	struct rrow r[4];
	struct rpolicy p;
	int i;

	set_policy(&p, "univ.example", RR_POL_REJECT);
	p.sp = RR_POL_QUARANTINE;
	p.np = RR_POL_REJECT;
	p.testing = 1;
	p.discovery = RR_DISC_PSL;
	p.fo = xstrdup("1:d");
	p.adkim = 's';
	p.aspf = 's';
	for (i = 0; i < 4; i++) {
		set_row(&r[i], "192.0.2.44",
		    i < 2 ? "univ.example" : "dept.univ.example", 7);
		r[i].spf_pass = 0;
		r[i].spf_result = RES_SPF_SOFTFAIL;
	}
	r[0].disposition = RR_DISP_QUARANTINE; /* t=y: policy_test_mode */
	r[1].disposition = RR_DISP_NONE;       /* milder still */
	r[2].disposition = RR_DISP_QUARANTINE; /* = sp: no reason */
	r[3].disposition = RR_DISP_REJECT;     /* = np: no reason */
	emit("policy", &meta, &p, r, 4);
	free_rows(r, 4, &p);
}

/* split_one - the parts of one format, gzipped and unpacked again */
static void
split_one(enum rxml_format f, const struct rpolicy *p, const struct rrow *r)
{
	struct str id, xml, gz, back;
	size_t *starts, i;
	char err[256], *file;
	unsigned n;

	n = rxml_split(f, &meta, p, r, SPLIT_ROWS, SPLIT_CAP, &starts, err,
	    sizeof(err));
	if (n < 2)
		die("split", n ? "expected several parts" : err);
	str_init(&id);
	str_init(&xml);
	str_init(&gz);
	str_init(&back);
	for (i = 0; i < n; i++) {
		rxml_report_id(&meta, p->domain, (unsigned)i + 1, n, &id);
		str_reset(&xml);
		str_reset(&back);
		if (rxml_build(f, &meta, id.s, p, r + starts[i],
			starts[i + 1] - starts[i], &xml, err,
			sizeof(err)) < 0 ||
		    rxml_gzip(xml.s, xml.len, &gz) < 0)
			die("split", "build or gzip failed");
		gunzip(&gz, &back);
		if (back.len != xml.len || memcmp(back.s, xml.s, xml.len) != 0)
			die("split", "gzip does not give back the XML");
		file = xasprintf("split-%s-part%zu.xml", fmt_name[f], i + 1);
		write_file(file, back.s, back.len);
		free(file);
		rxml_filename(&meta, p->domain, (unsigned)i + 1, n, &id);
		file = xasprintf("%s-%s", fmt_name[f], id.s);
		write_file(file, gz.s, gz.len);
		free(file);
	}
	free(starts);
	str_free(&id);
	str_free(&xml);
	str_free(&gz);
	str_free(&back);
}

static void
case_split(void)
{
	struct rrow *r = xcalloc(SPLIT_ROWS, sizeof(*r));
	struct rpolicy p;
	char ip[64], from[64];
	size_t i;

	set_policy(&p, "univ.example", RR_POL_QUARANTINE);
	for (i = 0; i < SPLIT_ROWS; i++) {
		snprintf(ip, sizeof(ip), "2001:db8:%zx::%zx", i * 7919 % 65521,
		    i * 104729 % 65521);
		snprintf(from, sizeof(from), "h%zu.univ.example", i * 31337);
		set_row(&r[i], ip, from, i + 1);
	}
	split_one(RXML_RFC9990, &p, r);
	split_one(RXML_RFC7489, &p, r);
	free_rows(r, SPLIT_ROWS, &p);
	free(r);
}

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: hm-rxml OUTDIR\n");
		return 1;
	}
	outdir = argv[1];
	case_basic();
	case_ipv6();
	case_nullpath();
	case_dkim100();
	case_hostile();
	case_policy();
	case_split();
	return 0;
}
