#!/bin/bash
# tests/integration/t_report_import.sh - `hallmark report import` end to
# end: a Maildir (cur/ and new/), an mbox and a directory of bare files,
# holding the report shapes of tests/rimport/ as .xml, .xml.gz (base64 in
# a message) and .zip, plus broken inputs (a 2 GiB gzip bomb, a zip with
# a path traversal, an entity bomb, a count over 2^31, a message with no
# report), are imported into SQLite and, when Debian's PostgreSQL is
# installed (tests/lib/pg.sh), into PostgreSQL; each twice: the second run
# adds nothing (sqlite3 / psql count the rows); test_rimp_db's cases (a
# failed write leaves nothing, rimp_rows) run on PostgreSQL too.  Then the
# --pipe contract for a Postfix pipe(8) transport: 0 for a stored or a
# broken report, 75 when the store cannot be written; the store named by
# -c CONFIG (reports.store) when --store is not given.
#
# Exit 0 pass, 1 fail.
[ -n "${BASH_VERSION:-}" ] || exec /bin/bash "$0" "$@"
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/common.sh"
HALLMARK=${HALLMARK:-$top_builddir/hallmark}
SAMPLES=$top_srcdir/tests/rimport
fails=0
command -v sqlite3 >/dev/null || missing sqlite3
work_dir report-import

# make_inputs DIR - Maildir DIR/mail, mbox DIR/box, directory DIR/files:
# 9 good reports (distinct ids), 5 broken inputs
make_inputs() {
	python3 - "$1" "$SAMPLES" <<'EOF'
import base64, gzip, os, sys, zipfile, io, zlib
out, src = sys.argv[1], sys.argv[2]
def doc(name, rid):
    d = open(os.path.join(src, name)).read()
    i = d.index('report_id>') + len('report_id>')
    j = d.index('<', i)
    return (d[:i] + rid + d[j:]).encode()
def zipped(name, data):
    b = io.BytesIO()
    with zipfile.ZipFile(b, 'w', zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, data)
    return b.getvalue()
def message(n, fname, ctype, payload):
    body = base64.encodebytes(payload).decode()
    return ('From: dmarc@reporter.example\nTo: rua@univ.example\n'
        'Subject: Report %d\nMIME-Version: 1.0\n'
        'Content-Type: multipart/mixed; boundary="XX"\n\n--XX\n'
        'Content-Type: text/plain\n\nreport attached\n--XX\n'
        'Content-Type: %s; name="%s"\nContent-Transfer-Encoding: base64\n'
        '\n%s--XX--\n' % (n, ctype, fname, body))
g = lambda rid: doc('google-rfc7489.xml', rid)
m = lambda rid: doc('microsoft-like.xml', rid)
n = lambda rid: doc('rfc9990-namespace.xml', rid)
p = lambda rid: doc('rfc9990-prefixed.xml', rid)
os.makedirs(out + '/mail/cur'); os.makedirs(out + '/mail/new')
os.makedirs(out + '/mail/tmp'); os.makedirs(out + '/files')
w = lambda path, data: open(path, 'wb' if isinstance(data, bytes) else 'w').write(data)
# Maildir: 3 good, 1 without a report
w(out + '/mail/cur/1.a:2,S', message(1, 'g.xml.gz', 'application/gzip', gzip.compress(g(b'maildir-1'.decode()), mtime=0)))
w(out + '/mail/cur/2.a:2,S', message(2, 'm.zip', 'application/zip', zipped('m.xml', m('maildir-2'))))
w(out + '/mail/new/3.a', message(3, 'n.xml', 'text/xml', n('maildir-3')))
w(out + '/mail/new/4.a', 'From: x@y\nSubject: hello\n\nnot a report\n')
# mbox: 2 good, 1 with a count over 2^31
bad = g('mbox-bad').replace(b'<count>12</count>', b'<count>2147483648</count>')
box = ''
for i, (fn, ct, data) in enumerate([('p.xml', 'application/xml', p('mbox-1')),
        ('g.xml.gz', 'application/gzip', gzip.compress(g('mbox-2'), mtime=0)),
        ('b.xml', 'text/xml', bad)]):
    box += 'From dmarc@reporter.example Mon Dec  1 00:00:0%d 2026\n' % i
    box += message(10 + i, fn, ct, data) + '\n'
w(out + '/box', box)
# directory: 4 good bare files, 3 broken
w(out + '/files/a.xml', g('dir-1'))
w(out + '/files/b.xml.gz', gzip.compress(m('dir-2'), mtime=0))
w(out + '/files/c.zip', zipped('n.xml', n('dir-3')))
w(out + '/files/d.xml', p('dir-4'))
t = io.BytesIO()
with zipfile.ZipFile(t, 'w') as z:
    z.writestr('../../etc/cron.d/evil.xml', g('evil'))
w(out + '/files/e-traversal.zip', t.getvalue())
w(out + '/files/f-laughs.xml', '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><feedback>&b;</feedback>')
c = zlib.compressobj(9, zlib.DEFLATED, 31)
member = c.compress(bytes(1 << 26) * 4) + c.flush()
w(out + '/files/g-bomb.xml.gz', member * 8)
EOF
}

# counts STORE_CMD - "reports rows messages" through sqlite3 or psql
sql_counts() {
	"$@" "SELECT (SELECT count(*) FROM imp_report) || ' ' ||
	    (SELECT count(*) FROM imp_row) || ' ' ||
	    (SELECT sum(count) FROM imp_row)"
}

# import_twice NAME STORE QUERY... - two imports, their lines and counts
import_twice() {
	local name=$1 store=$2 rc t0 t1 c1 c2
	shift 2
	t0=$(date +%s.%N)
	"$HALLMARK" report import --store "$store" "$WORK/in/mail" \
	    "$WORK/in/box" "$WORK/in/files" >"$WORK/$name.1" 2>&1
	rc=$?
	t1=$(date +%s.%N)
	echo "# $name: first import in $(echo "$t1 - $t0" | bc) s"
	assert_eq 1 "$rc" "$name: first import exits 1 (rejections)" "$WORK/$name.1"
	assert_eq "imported: 9 stored, 0 duplicate, 5 rejected" \
	    "$(tail -n 1 "$WORK/$name.1")" "$name: 9 stored, 5 rejected" "$WORK/$name.1"
	c1=$(sql_counts "$@")
	assert_eq "9 12 207" "$c1" "$name: 9 reports, 12 rows, 207 messages"
	"$HALLMARK" report import --store "$store" "$WORK/in/mail" \
	    "$WORK/in/box" "$WORK/in/files" >"$WORK/$name.2" 2>&1
	assert_eq "imported: 0 stored, 9 duplicate, 5 rejected" \
	    "$(tail -n 1 "$WORK/$name.2")" "$name: second import all duplicates" "$WORK/$name.2"
	c2=$(sql_counts "$@")
	assert_eq "$c1" "$c2" "$name: second import adds nothing"
}

mkdir "$WORK/in"
make_inputs "$WORK/in" || { fail "making the inputs"; exit 1; }

# 1. SQLite
import_twice sqlite "sqlite:$WORK/r.db" sqlite3 "$WORK/r.db"
out=$(cat "$WORK/sqlite.1")
assert_match '^rejected: .*/files/e-traversal.zip: zip: entry name "\.\./\.\./etc/cron\.d/evil\.xml" is absolute or leaves the archive' \
    "$out" "zip path traversal rejected, named"
assert_match '^rejected: .*/files/g-bomb.xml.gz: gzip: inflates to more than 67108864 bytes \(limit\): refused' \
    "$out" "2 GiB gzip bomb rejected at the cap"
assert_match '^rejected: .*/files/f-laughs.xml: DTD \(<!DOCTYPE\) in a report: refused' \
    "$out" "entity bomb rejected"
assert_match '^rejected: .*/box message 3 part 3 b.xml: record 1: row/count: 2147483648 is not in 1\.\.2\^31-1' \
    "$out" "count over 2^31 rejected, record and element named"
assert_match '^rejected: .*/mail/new/4.a: no report attached' "$out" \
    "message without a report"
assert_match '^stored: google.com maildir-1 \(univ.example, 2026-11-30, 2 records, 15 messages\) .*/mail/cur/1.a:2,S part 3 g.xml.gz$' \
    "$out" "stored line names reporter, id, domain, day, sizes, where"
assert_eq "" "$(sqlite3 "$WORK/r.db" "SELECT report_id FROM imp_report WHERE report_id IN ('evil', 'mbox-bad')")" \
    "nothing of a rejected report stored"
assert_eq "google.com|rfc7489
microsoft.com|rfc7489
receiver.example|rfc9990" \
    "$(sqlite3 "$WORK/r.db" "SELECT DISTINCT reporter, format FROM imp_report ORDER BY 1")" \
    "reporters by their email domain, formats"

# 2. the pipe transport contract
msg="$WORK/in/mail/cur/1.a:2,S"
"$HALLMARK" report import --pipe --store "sqlite:$WORK/p.db" <"$msg" >"$WORK/pipe.out" 2>&1
assert_eq 0 "$?" "--pipe: a report stored exits 0"
"$HALLMARK" report import --pipe --store "sqlite:$WORK/p.db" <"$msg" >/dev/null 2>&1
assert_eq 0 "$?" "--pipe: the same report again exits 0"
assert_eq 1 "$(sqlite3 "$WORK/p.db" 'SELECT count(*) FROM imp_report')" \
    "--pipe: stored once"
"$HALLMARK" report import --pipe --store "sqlite:$WORK/p.db" \
    <"$WORK/in/mail/new/4.a" >/dev/null 2>&1
assert_eq 0 "$?" "--pipe: a message without a report exits 0 (not bounced)"
"$HALLMARK" report import --pipe --store "sqlite:$WORK/none/x.db" <"$msg" \
    >"$WORK/pipe.err" 2>&1
assert_eq 75 "$?" "--pipe: a store that cannot be opened exits 75 (EX_TEMPFAIL)"
"$HALLMARK" report import --store "sqlite:$WORK/s.db" - <"$msg" >"$WORK/stdin.out" 2>&1
assert_eq 0 "$?" "standard input without --pipe: exit 0"
assert_match '^stored: google.com maildir-1 .* stdin part 3 g.xml.gz$' \
    "$(cat "$WORK/stdin.out")" "standard input: the message read"
"$HALLMARK" report import --store "sqlite:$WORK/s.db" >/dev/null 2>&1
assert_eq 2 "$?" "no input named: usage error (2)"

# the store named by the configuration (reports.store), as senders reads it
printf 'reports = {\n  store = "sqlite:%s/c.db";\n};\n' "$WORK" >"$WORK/c.conf"
"$HALLMARK" report import -c "$WORK/c.conf" "$WORK/in/files/a.xml" >/dev/null 2>&1
assert_eq 0 "$?" "-c CONFIG: imported"
assert_eq 1 "$(sqlite3 "$WORK/c.db" 'SELECT count(*) FROM imp_report')" \
    "-c CONFIG: into reports.store of the configuration"
printf 'reports = { store = 5; };\n' >"$WORK/bad.conf"
"$HALLMARK" report import -c "$WORK/bad.conf" "$WORK/in/files/a.xml" \
    >"$WORK/bad.out" 2>&1
assert_eq 2 "$?" "-c CONFIG with an error: exit 2"
assert_match 'bad.conf:1: reports.store' "$(cat "$WORK/bad.out")" \
    "-c CONFIG with an error: the line named"
"$HALLMARK" report import --pipe -c "$WORK/bad.conf" <"$msg" >/dev/null 2>&1
assert_eq 75 "$?" "--pipe, a configuration error: exit 75 (retried)"

# 3. PostgreSQL, when installed
. "$top_srcdir/tests/lib/pg.sh"
if pg_available; then
	cleanup() { pg_stop; }
	if pg_start "$WORK"; then
		import_twice postgresql "pg:$HM_PG_URL" pg_psql
		# the store and read-back cases of test_rimp_db on PostgreSQL
		if [ -x "$top_builddir/tests/unit/test_rimp_db" ]; then
			if "$top_builddir/tests/unit/test_rimp_db" "pg:$HM_PG_URL" \
			    >"$WORK/rimp_db.log" 2>&1; then
				ok "test_rimp_db on PostgreSQL"
			else
				fail "test_rimp_db on PostgreSQL" "$WORK/rimp_db.log"
			fi
		fi
		pg_stop
	else
		fail "pg_start"
	fi
elif [ "${CI:-}" = true ]; then
	fail "PostgreSQL is not installed (CI=true)"
else
	echo "# PostgreSQL not installed: its half skipped"
fi

[ "$fails" = 0 ] || exit 1
