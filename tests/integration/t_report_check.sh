#!/bin/bash
# tests/integration/t_report_check.sh - `hallmark report check` and the
# store check of `hallmarkd -n` on SQLite stores (t_rdb_pg.sh runs report
# check on PostgreSQL):
#   1. a new store: created (mode 0640), backend, schema version 1, every
#      table with 0 rows; rows added with the sqlite3 tool are counted
#   2. a store at a newer schema version: exit 1, both versions named, the
#      store unchanged
#   3. a store that cannot be made (no such directory), an unknown store
#      type, a PostgreSQL URL with a password (masked in the error): exit 1
#   4. usage errors: exit 2; hallmark report --help lists the verbs
#   5. as root, a configuration with user = "nobody" and reports enabled:
#      hallmarkd -n opens the store as nobody (a directory only root can
#      write fails, the new file belongs to nobody, a newer schema fails);
#      report check -c takes reports.store and gives a new store to nobody
#
# Exit 0 pass, 77 skip (hallmark or sqlite3 missing; with CI=true that is a
# failure), 1 fail.
[ -n "${BASH_VERSION:-}" ] || exec /bin/bash "$0" "$@"
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/common.sh"
HALLMARK=${HALLMARK:-$top_builddir/hallmark}
HALLMARKD=${HALLMARKD:-$top_builddir/hallmarkd}
[ -x "$HALLMARK" ] && [ -x "$HALLMARKD" ] || missing "hallmark, hallmarkd (build them)"
command -v sqlite3 >/dev/null || missing "sqlite3 (apt-get install sqlite3)"
fails=0
work_dir report-check

# run ARGS... - hallmark report ARGS: $out (stdout+stderr, also in
# $WORK/out), $rc
run() {
	"$HALLMARK" report "$@" >"$WORK/out" 2>&1
	rc=$?
	out=$(cat "$WORK/out")
}

# 1. a new store
db=$WORK/reports.db
run check --store "sqlite:$db"
assert_eq 0 "$rc" "report check on a new store exits 0" "$WORK/out"
assert_eq "640" "$(stat -c %a "$db")" "the store is created with mode 0640"
assert_match '^backend: sqlite$' "$out" "backend sqlite"
assert_match '^schema version: 1 \(this hallmark: 1\)$' "$out" "schema version 1"
assert_eq 7 "$(grep -cE '^    [a-z_]+ +0$' <<< "$out")" "seven tables, 0 rows each"
sqlite3 "$db" "INSERT INTO agg_row VALUES (20424, 'example.org', 'k1', 3);
    INSERT INTO agg_row VALUES (20424, 'example.org', 'k2', 1);
    INSERT INTO suppress VALUES ('@example.net', NULL, 'test', 0);"
run check --store "$db"
assert_match '^    agg_row +2$' "$out" "rows counted (a plain path)"
assert_match '^    suppress +1$' "$out" "rows counted, another table"

# 2. a newer schema
sqlite3 "$db" "UPDATE schema_version SET version = 7"
run check --store "sqlite:$db"
assert_eq 1 "$rc" "a newer schema: exit 1"
assert_match 'schema version 7, this hallmark knows versions up to 1' "$out" \
    "both versions named"
assert_eq 7 "$(sqlite3 "$db" 'SELECT version FROM schema_version')" \
    "the store unchanged"

# 3. stores that do not open
run check --store "sqlite:$WORK/nosuch/r.db"
assert_eq 1 "$rc" "no such directory: exit 1"
assert_match "cannot create $WORK/nosuch/r.db: No such file or directory" \
    "$out" "no such directory: the path and the reason"
run check --store "mysql://localhost/x"
assert_eq 1 "$rc" "unknown store type: exit 1"
assert_match 'unknown store type "mysql:"' "$out" "unknown store type named"
run check --store "postgresql://hm:s3cret@127.0.0.1:1/x?password=s3cret"
assert_eq 1 "$rc" "no server: exit 1"
assert_match 'postgresql://hm:\*\*\*@127.0.0.1:1/x\?password=\*\*\*: postgresql: cannot connect' \
    "$out" "no server: libpq's reason"
assert_no_match 's3cret' "$out" "the password is not printed"

# 4. usage
run check --store
assert_eq 2 "$rc" "--store without a value: exit 2"
run check extra
assert_eq 2 "$rc" "an extra argument: exit 2"
run nosuchverb
assert_eq 2 "$rc" "an unknown verb: exit 2"
run
assert_eq 2 "$rc" "no verb: exit 2"
run --help
assert_match '^    check ' "$out" "report --help lists check"

# 5. the configuration's reports.store: hallmark report check -c, and
# hallmarkd -n, which opens the store as the configured user (root: the
# test runs as root, the user is nobody)
if [ "$(id -u)" = 0 ] && getent passwd nobody >/dev/null; then
	chmod 711 "$WORK"
	mkdir "$WORK/st" "$WORK/rootonly"
	chown nobody "$WORK/st"
	conf() {	# conf STORE - a hallmark.conf with reports on STORE
		cat > "$WORK/h.conf" <<-EOC
		user = "nobody";
		reports = {
		  enable = true;
		  store = "$1";
		  org_name = "Example University";
		  email = "postmaster@example.edu";
		  receiver = "mx.example.edu";
		};
		EOC
	}
	hd() { "$HALLMARKD" -n -c "$WORK/h.conf" >"$WORK/out" 2>&1; rc=$?; out=$(cat "$WORK/out"); }
	conf "sqlite:$WORK/rootonly/r.db"
	hd
	assert_eq 1 "$rc" "hallmarkd -n: a store the user cannot create fails" "$WORK/out"
	assert_match "^reports.store sqlite:$WORK/rootonly/r.db: sqlite: cannot create .*: Permission denied$" \
	    "$out" "hallmarkd -n opens the store as the configured user"
	conf "sqlite:$WORK/st/r.db"
	hd
	assert_eq 0 "$rc" "hallmarkd -n: the store opens" "$WORK/out"
	assert_match "^reports.store sqlite:$WORK/st/r.db: OK \(sqlite, schema version 1\)$" \
	    "$out" "hallmarkd -n: the store's line"
	assert_match ': configuration OK$' "$out" "hallmarkd -n: configuration OK"
	assert_eq "640 nobody" "$(stat -c '%a %U' "$WORK/st/r.db")" \
	    "hallmarkd -n: the new store belongs to the user, mode 0640"
	sqlite3 "$WORK/st/r.db" "UPDATE schema_version SET version = 3"
	hd
	assert_eq 1 "$rc" "hallmarkd -n: a newer store fails" "$WORK/out"
	assert_match 'schema version 3, this hallmark knows versions up to 1' \
	    "$out" "hallmarkd -n: both versions named"
	conf "sqlite:$WORK/rootonly/t.db"
	run check -c "$WORK/h.conf"
	assert_eq 0 "$rc" "report check -c: exit 0" "$WORK/out"
	assert_match "^store: sqlite:$WORK/rootonly/t.db$" "$out" \
	    "report check -c: reports.store of the configuration"
	assert_eq "640 nobody" "$(stat -c '%a %U' "$WORK/rootonly/t.db")" \
	    "report check as root: a new store is given to the configured user"
	echo 'reports = { store = 7; };' > "$WORK/bad.conf"
	run check -c "$WORK/bad.conf"
	assert_eq 1 "$rc" "report check -c: a bad configuration fails" "$WORK/out"
else
	echo "# not root (or no user nobody): configuration checks left out"
fi

[ "$fails" = 0 ] || exit 1
