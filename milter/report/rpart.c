/*
 * rpart.c - one (day, policy domain) built into report parts and stored
 * (see rpart.h).  The date range is the UTC day: begin = day * 86400,
 * end = begin + 86399.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rload.h"
#include "rpart.h"
#include "rstate.h"

#define DAY_SECONDS 86400

/* rpart_set_free - see rpart.h */
void
rpart_set_free(struct rpart_set *s)
{
	unsigned i;

	for (i = 0; i < s->n; i++) {
		free(s->p[i].report_id);
		free(s->p[i].filename);
		str_free(&s->p[i].gz);
	}
	free(s->p);
	free(s->rua);
	memset(s, 0, sizeof(*s));
}

/* meta_of - the report metadata of day */
static void
meta_of(const struct rpart_opts *o, int64_t day, struct rxml_meta *m)
{
	memset(m, 0, sizeof(*m));
	m->org_name = o->org_name;
	m->email = o->email;
	m->extra_contact_info = o->extra_contact;
	m->generator = o->generator;
	m->receiver = o->receiver;
	m->begin = day * DAY_SECONDS;
	m->end = m->begin + DAY_SECONDS - 1;
}

/* one_part - build part i (rows [a, b)) into *p */
static int
one_part(const struct rpart_opts *o, const struct rxml_meta *m,
    const char *domain, const struct rpolicy *pol, const struct rrow *rows,
    size_t a, size_t b, unsigned i, unsigned n, struct rpart *p, char *err,
    size_t errlen)
{
	struct str id, fn, xml;
	int rc;

	str_init(&id);
	str_init(&fn);
	str_init(&xml);
	str_init(&p->gz);
	rxml_report_id(m, domain, i + 1, n, &id);
	rxml_filename(m, domain, i + 1, n, &fn);
	rc = rxml_build(o->format, m, id.s, pol, rows + a, b - a, &xml, err,
	    errlen);
	if (rc == 0 && rxml_gzip(xml.s, xml.len, &p->gz) < 0)
		rc = str_seterr(err, errlen, "gzip of report %s failed", id.s);
	p->xml_bytes = xml.len;
	p->report_id = str_steal(&id);
	p->filename = str_steal(&fn);
	str_free(&xml);
	return rc;
}

/* build_parts - split and build every part */
static int
build_parts(const struct rpart_opts *o, int64_t day, const char *domain,
    const struct rpolicy *pol, const struct rload_rows *rows,
    struct rpart_set *out, char *err, size_t errlen)
{
	struct rxml_meta m;
	size_t *starts = NULL;
	unsigned n, i;
	int rc = 0;

	meta_of(o, day, &m);
	n = rxml_split(o->format, &m, pol, rows->row, rows->n, o->max_bytes,
	    &starts, err, errlen);
	if (n == 0)
		return -1;
	out->p = xcalloc(n, sizeof(*out->p));
	for (i = 0; i < n && rc == 0; i++, out->n++)
		rc = one_part(o, &m, domain, pol, rows->row, starts[i],
		    starts[i + 1], i, n, &out->p[i], err, errlen);
	free(starts);
	return rc;
}

/* rpart_make - see rpart.h */
int
rpart_make(struct rdb *db, const struct rpart_opts *o, int64_t day,
    const char *domain, struct rpart_set *out, char *err, size_t errlen)
{
	struct rpolicy pol;
	struct rload_rows rows;
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = rload_policy(db, day, domain, &pol);
	if (rc <= 0) {
		if (rc < 0)
			str_seterr(err, errlen, "%s", rdb_error(db));
		return rc;
	}
	if (rload_rows(db, day, domain, &rows) < 0) {
		str_seterr(err, errlen, "%s", rdb_error(db));
		rpolicy_free(&pol);
		return -1;
	}
	out->bad_keys = rows.bad;
	out->rows = rows.n;
	for (i = 0; i < rows.n; i++)
		out->count += rows.row[i].count;
	out->no_pass = !rload_any_pass(&rows);
	out->rua = pol.rua != NULL ? xstrdup(pol.rua) : NULL;
	rc = rows.n == 0 ? 0 :
	    build_parts(o, day, domain, &pol, &rows, out, err, errlen) < 0 ?
			   -1 :
			   1;
	rload_rows_free(&rows);
	rpolicy_free(&pol);
	if (rc < 0)
		rpart_set_free(out);
	return rc;
}

/* insert_parts - the rows of table report for s */
static int
insert_parts(struct rdb *db, const struct rpart_opts *o, int64_t day,
    const char *domain, const struct rpart_set *s, int skipped)
{
	struct rstate r;
	unsigned i;

	for (i = 0; i < s->n; i++) {
		memset(&r, 0, sizeof(r));
		r.report_id = s->p[i].report_id;
		r.day = day;
		r.domain = (char *)domain;
		r.part = i + 1;
		r.nparts = s->n;
		r.filename = s->p[i].filename;
		r.body = (unsigned char *)s->p[i].gz.s;
		r.bodylen = s->p[i].gz.len;
		r.state = skipped ? "skipped" : "built";
		r.last_error = skipped ? "no aligned DKIM or SPF pass in the "
					 "period (reports.skip_no_pass)" :
					 NULL;
		r.created = r.updated = o->now;
		if (rstate_insert(db, &r) < 0)
			return -1;
	}
	return 0;
}

/* rpart_store - see rpart.h */
int
rpart_store(struct rdb *db, const struct rpart_opts *o, int64_t day,
    const char *domain, struct rpart_set *out, char *err, size_t errlen)
{
	int rc = rpart_make(db, o, day, domain, out, err, errlen);

	if (rc <= 0)
		return rc;
	if (rdb_begin(db) < 0 ||
	    insert_parts(db, o, day, domain, out,
		o->skip_no_pass && out->no_pass) < 0 ||
	    rdb_commit(db) < 0) {
		str_seterr(err, errlen, "storing the report of %s: %s", domain,
		    rdb_error(db));
		rdb_rollback(db);
		rpart_set_free(out);
		return -1;
	}
	return 1;
}
