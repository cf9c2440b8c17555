#!/bin/sh
# run.sh - build and run hallmark's libFuzzer targets (make fuzz, make
# fuzz-smoke).  The Makefile passes the compiler flags and sources in the
# environment; see the "Fuzzing" section of README.md.
#
#   run.sh build          compile every target with clang into $FUZZ_BUILD
#   run.sh run            build, then run each target for $FUZZ_SECONDS,
#                         one at a time (single process), and when
#                         FUZZ_MERGE=1 merge new inputs that add coverage
#                         into tests/fuzz/corpus/<target>/
#                         (FUZZ_NOBUILD=1: run what `build` made, so two
#                         runs over different FUZZ_ONLY sets can share
#                         one $FUZZ_BUILD without racing on the compiler)
#
#   run.sh times          per target, from $FUZZ_BUILD/times.log: seconds
#                         fuzzed since its last finding, runs, executions,
#                         findings (the README's table)
#   run.sh cmin           shrink each corpus to the inputs libFuzzer needs
#                         for its coverage (-merge=1 into an empty dir);
#                         inputs with a chosen name (seeds, regressions)
#                         always stay, only hash-named ones are dropped
#
# Environment: FUZZ_CC (clang), FUZZ_CFLAGS (include/define flags),
# FUZZ_LIBS, FUZZ_LIB_SOURCES (the library's sources, paths relative to
# top_srcdir), FUZZ_TARGETS (names; FUZZ_ONLY narrows them), FUZZ_SECONDS,
# FUZZ_MERGE, FUZZ_MAX_LEN, FUZZ_BUILD, top_srcdir.
# A crash or failed invariant leaves its input in $FUZZ_BUILD/crash/ and
# makes the run fail after all targets have run.  Runs are appended to
# $FUZZ_BUILD/times.log ("date target seconds result").
set -eu

: "${FUZZ_CC:=clang}" "${FUZZ_SECONDS:=60}" "${FUZZ_MERGE:=1}"
: "${FUZZ_MAX_LEN:=16384}" "${top_srcdir:=.}" "${FUZZ_BUILD:=fuzz-build}"
: "${FUZZ_CFLAGS:=}" "${FUZZ_LIBS:=}" "${FUZZ_LIB_SOURCES:=}"
TARGETS=${FUZZ_ONLY:-${FUZZ_TARGETS:?no targets}}
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"
CFLAGS="-std=gnu11 -g -O1 -fno-omit-frame-pointer -Wall -Wno-unused-parameter \
-Wno-unused-command-line-argument $SAN $FUZZ_CFLAGS"

if ! command -v "$FUZZ_CC" >/dev/null 2>&1; then
	echo "run.sh: $FUZZ_CC not found (Debian: apt-get install clang)" >&2
	exit 1
fi

# compile SRC OBJ EXTRA - when SRC is newer than OBJ (or any header changed)
compile() {
	if [ ! -f "$2" ] || [ "$1" -nt "$2" ] || [ -n "$(find "$top_srcdir/milter" \
	    "$top_srcdir/tests/fuzz" -name '*.h' -newer "$2" | head -1)" ]; then
		echo "  CLANG    $1"
		# shellcheck disable=SC2086
		$FUZZ_CC $CFLAGS $3 -c "$1" -o "$2"
	fi
}

build() {
	mkdir -p "$FUZZ_BUILD/obj" "$FUZZ_BUILD/crash" "$FUZZ_BUILD/log"
	objs=
	for src in $FUZZ_LIB_SOURCES; do
		case $src in *.c) ;; *) continue ;; esac
		obj="$FUZZ_BUILD/obj/$(basename "$src" .c).o"
		compile "$top_srcdir/$src" "$obj" -fsanitize=fuzzer-no-link
		objs="$objs $obj"
	done
	for t in $TARGETS; do
		compile "$top_srcdir/tests/fuzz/fuzz_$t.c" \
		    "$FUZZ_BUILD/obj/fuzz_$t.o" -fsanitize=fuzzer-no-link
		echo "  CLANGLD  fuzz_$t"
		# shellcheck disable=SC2086
		$FUZZ_CC $SAN -fsanitize=fuzzer -o "$FUZZ_BUILD/fuzz_$t" \
		    "$FUZZ_BUILD/obj/fuzz_$t.o" $objs $FUZZ_LIBS -pthread
	done
}

# run_one T - fuzz one target; 0 when no finding
run_one() {
	t=$1
	corpus="$top_srcdir/tests/fuzz/corpus/$t"
	work="$FUZZ_BUILD/work/$t"
	log="$FUZZ_BUILD/log/$t.log"
	dict=
	[ -f "$top_srcdir/tests/fuzz/$t.dict" ] &&
	    dict="-dict=$top_srcdir/tests/fuzz/$t.dict"
	rm -rf "$work"
	mkdir -p "$work" "$corpus"
	echo "  FUZZ     $t for ${FUZZ_SECONDS}s"
	rc=0
	# shellcheck disable=SC2086
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	LSAN_OPTIONS="suppressions=$top_srcdir/tests/fuzz/lsan.supp" \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	"$FUZZ_BUILD/fuzz_$t" -max_total_time="$FUZZ_SECONDS" -timeout=10 \
	    -rss_limit_mb=2048 -max_len="$FUZZ_MAX_LEN" -print_final_stats=1 \
	    -artifact_prefix="$FUZZ_BUILD/crash/$t-" $dict "$work" "$corpus" \
	    >"$log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	if [ $rc -ne 0 ]; then
		echo "  FINDING  $t (exit $rc): see $log and $FUZZ_BUILD/crash/" >&2
		grep -E 'ERROR|SUMMARY|invariant|^#' "$log" | tail -15 >&2
		echo "$(date -u +%FT%TZ) $t $FUZZ_SECONDS finding" >>"$FUZZ_BUILD/times.log"
		return 1
	fi
	echo "$(date -u +%FT%TZ) $t $FUZZ_SECONDS ok execs=${execs:-?}" >>"$FUZZ_BUILD/times.log"
	if [ "$FUZZ_MERGE" = 1 ] && [ -n "$(ls -A "$work")" ]; then
		before=$(ls "$corpus" | wc -l)
		LSAN_OPTIONS="suppressions=$top_srcdir/tests/fuzz/lsan.supp" \
		"$FUZZ_BUILD/fuzz_$t" -merge=1 -timeout=10 -rss_limit_mb=2048 \
		    -max_len="$FUZZ_MAX_LEN" "$corpus" "$work" \
		    >"$FUZZ_BUILD/log/$t.merge.log" 2>&1
		echo "  MERGE    $t: $before -> $(ls "$corpus" | wc -l) inputs"
	fi
	return 0
}

# cmin_one T - drop the corpus inputs of T that add no coverage
cmin_one() {
	t=$1
	corpus="$top_srcdir/tests/fuzz/corpus/$t"
	keep="$FUZZ_BUILD/cmin/$t"
	rm -rf "$keep"
	mkdir -p "$keep"
	LSAN_OPTIONS="suppressions=$top_srcdir/tests/fuzz/lsan.supp" \
	"$FUZZ_BUILD/fuzz_$t" -merge=1 -timeout=10 -rss_limit_mb=2048 \
	    -max_len="$FUZZ_MAX_LEN" "$keep" "$corpus" \
	    >"$FUZZ_BUILD/log/$t.cmin.log" 2>&1 || return 1
	before=$(ls "$corpus" | wc -l)
	for f in "$corpus"/*; do
		n=$(basename "$f")
		if echo "$n" | grep -Eq '^[0-9a-f]{40}$' && [ ! -e "$keep/$n" ]; then
			rm -f "$f"
		fi
	done
	echo "  CMIN     $t: $before -> $(ls "$corpus" | wc -l) inputs"
}

# show_times - the totals of times.log (lines "date target seconds result")
show_times() {
	awk '{
		t = $2
		if ($4 == "finding") { found[t]++; clean[t] = 0; runs[t] = 0; ex[t] = 0 }
		else if ($4 == "ok") {
			clean[t] += $3; runs[t]++
			e = $5; sub(/^execs=/, "", e); ex[t] += e
		}
		seen[t] = 1
	} END {
		printf "%-14s %8s %5s %12s %9s\n", "target", "seconds", "runs",
		    "execs", "findings"
		fflush()
		for (t in seen)
			printf "%-14s %8d %5d %12d %9d\n", t, clean[t], runs[t],
			    ex[t], found[t] | "sort"
		close("sort")
	}' "$FUZZ_BUILD/times.log"
}

case ${1:-run} in
build)	build ;;
run)
	[ "${FUZZ_NOBUILD:-0}" = 1 ] || build
	fail=
	for t in $TARGETS; do
		run_one "$t" || fail="$fail $t"
	done
	if [ -n "$fail" ]; then
		echo "fuzz: findings in:$fail" >&2
		exit 1
	fi
	;;
times)	show_times ;;
cmin)
	[ "${FUZZ_NOBUILD:-0}" = 1 ] || build
	for t in $TARGETS; do
		cmin_one "$t" || { echo "cmin: $t failed" >&2; exit 1; }
	done
	;;
*)	echo "usage: run.sh build|run|times|cmin" >&2; exit 2 ;;
esac
