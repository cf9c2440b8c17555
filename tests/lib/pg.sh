# tests/lib/pg.sh - a private, real PostgreSQL for shell tests.
#
# Sourced (". tests/lib/pg.sh"), not run.  Functions:
#   pg_available        0 when Debian's PostgreSQL server binaries
#                       (/usr/lib/postgresql/*/bin: initdb, pg_ctl,
#                       createdb) are installed (the newest is used)
#   pg_need             pg_available, or skip the test (common.sh
#                       skip_test: exit 77, or a failure under CI=true)
#   pg_start DIR        initdb a cluster in DIR/pg and start it: Unix socket
#                       in DIR/pg only (no TCP; PG_TCP=1 adds 127.0.0.1 on a
#                       free port: PG_TCP_PORT), trust authentication,
#                       fsync off, initdb --no-sync (~1-2 s); create the
#                       database "hallmark".  Exports HM_PG_URL, a libpq
#                       conninfo ("host=DIR/pg port=5432 dbname=hallmark
#                       user=U": hallmark's store is "pg:$HM_PG_URL"), PG_DIR,
#                       PG_BIN, PG_USER.  Returns non-zero with the reason and
#                       the server's log on stderr when it cannot.
#   pg_psql SQL...      run SQL with psql on the database (as PG_USER)
#   pg_restart          restart the server (fast: sessions are ended)
#   pg_stop             stop the server (immediate), safe to call twice:
#                       call it in the test's cleanup
#
# Root: PostgreSQL refuses to run as root, so when the test runs as root
# the server runs as PG_USER (default: the "postgres" user the Debian
# package creates, else "nobody"), through runuser; DIR is made
# traversable (o+x) for it.  As another user, the server runs as that
# user.  A watchdog stops the server when the test's shell ends without
# pg_stop (killed): a test never leaves a postmaster running.

: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE:-$0}")/../.." && pwd)}"

# pg_bindir - the newest /usr/lib/postgresql/N/bin with initdb
pg_bindir() {
	local d
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	[ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] &&
	    [ -x "$d/createdb" ] && echo "$d"
}

pg_available() { [ -n "$(pg_bindir)" ]; }

pg_need() {
	pg_available || skip_test "PostgreSQL server is missing" \
	    "(apt-get install postgresql: /usr/lib/postgresql/*/bin/initdb)"
}

# pg_as CMD... - run CMD as PG_USER (in PG_DIR, which that user can enter)
pg_as() {
	if [ "$(id -u)" = 0 ]; then
		(cd "$PG_DIR" && runuser -u "$PG_USER" -- "$@")
	else
		(cd "$PG_DIR" && "$@")
	fi
}

# pg_ctl_do ARGS... - pg_ctl as PG_USER on the cluster, output to
# pg_ctl.log; file descriptors 3-9 closed, so that the server does not keep
# the test's pipes and fifos open
pg_ctl_do() {
	pg_as "$PG_BIN/pg_ctl" "$@" -D "$PG_DIR/data" >>"$PG_DIR/pg_ctl.log" \
	    2>&1 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-
}

# pg_pick_user - who runs the server
pg_pick_user() {
	if [ "$(id -u)" != 0 ]; then id -un; return; fi
	local u
	for u in postgres nobody; do
		getent passwd "$u" >/dev/null && { echo "$u"; return; }
	done
	return 1
}

# pg_fail MSG - the reason and the logs on stderr, stop, return 1
pg_fail() {
	echo "pg_start: $*" >&2
	local f
	for f in "$PG_DIR/initdb.log" "$PG_DIR/pg_ctl.log" "$PG_DIR/server.log"; do
		[ -f "$f" ] && sed "s|^|    ${f##*/}: |" "$f" >&2
	done
	pg_stop
	return 1
}

# pg_watchdog - stop the server once the test's shell ($$) is gone
pg_watchdog() {
	local shell_pid=$$ bin=$PG_BIN dir=$PG_DIR user=$PG_USER
	(
		trap '' INT HUP
		while kill -0 "$shell_pid" 2>/dev/null &&
		    [ -f "$dir/data/postmaster.pid" ]; do
			sleep 1
		done
		if [ -f "$dir/data/postmaster.pid" ]; then
			if [ "$(id -u)" = 0 ]; then
				cd "$dir" && runuser -u "$user" -- \
				    "$bin/pg_ctl" stop -D "$dir/data" -m immediate
			else
				"$bin/pg_ctl" stop -D "$dir/data" -m immediate
			fi
		fi
	) </dev/null >/dev/null 2>&1 &
	PG_WATCHDOG=$!
}

pg_start() {
	local base=$1 opts
	PG_BIN=$(pg_bindir) || { echo "pg_start: PostgreSQL is not installed" >&2; return 1; }
	PG_USER=${PG_USER:-$(pg_pick_user)} || { echo "pg_start: no user to run PostgreSQL as" >&2; return 1; }
	PG_DIR=$base/pg
	mkdir -p "$PG_DIR" || return 1
	if [ "$(id -u)" = 0 ]; then
		chmod o+x "$base" && chown "$PG_USER" "$PG_DIR" || return 1
	fi
	chmod 700 "$PG_DIR"
	pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" --no-sync --auth=trust \
	    --username="$PG_USER" --encoding=UTF8 --no-locale \
	    >"$PG_DIR/initdb.log" 2>&1 || { pg_fail "initdb failed"; return 1; }
	opts="-c listen_addresses='' -c unix_socket_directories='$PG_DIR'"
	opts="$opts -c port=5432 -c fsync=off -c synchronous_commit=off"
	opts="$opts -c full_page_writes=off -c max_connections=40"
	if [ "${PG_TCP:-0}" = 1 ]; then
		PG_TCP_PORT=$(free_port)
		opts="$opts -c listen_addresses=127.0.0.1 -c port=$PG_TCP_PORT"
	fi
	pg_ctl_do start -w -t 30 -l "$PG_DIR/server.log" -o "$opts" ||
	    { pg_fail "the server did not start"; return 1; }
	pg_watchdog
	local port=${PG_TCP_PORT:-5432}
	pg_as "$PG_BIN/createdb" -h "$PG_DIR" -p "$port" -U "$PG_USER" hallmark \
	    >>"$PG_DIR/pg_ctl.log" 2>&1 ||
	    { pg_fail "createdb hallmark failed"; return 1; }
	HM_PG_URL="host=$PG_DIR port=$port dbname=hallmark user=$PG_USER"
	export HM_PG_URL PG_DIR PG_BIN PG_USER
}

pg_restart() { pg_ctl_do restart -m fast -w -t 30; }

pg_psql() {
	pg_as "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -d "$HM_PG_URL" \
	    -c "$*"
}

pg_stop() {
	[ -n "${PG_DIR:-}" ] || return 0
	if [ -f "$PG_DIR/data/postmaster.pid" ]; then
		pg_ctl_do stop -m immediate -w || :
	fi
	if [ -n "${PG_WATCHDOG:-}" ]; then
		kill "$PG_WATCHDOG" 2>/dev/null || :
		wait "$PG_WATCHDOG" 2>/dev/null || :
	fi
	PG_WATCHDOG=
	PG_DIR=
}
