#!/bin/bash
# tests/valgrind/run.sh - `make check-valgrind`: integration tests with
# hallmarkd under valgrind memcheck (tests/valgrind/hallmarkd: full leak
# check, definite leaks are errors, suppressions in tests/valgrind.supp).
#
# Runs the tests named in VALGRIND_TESTS (paths under top_srcdir) with
# HALLMARKD pointing at the wrapper, then reads every valgrind report: a
# test failing, a report with errors, or a report without its final
# summary (a hallmarkd that had to be killed) fails the run.  Reports of
# a failed run are kept in $top_builddir/valgrind-logs/.
# Exit 0 clean, 1 not; 77 when valgrind is missing (1 with CI=true).
set -u
: "${top_srcdir:?}" "${top_builddir:?}" "${VALGRIND_TESTS:?}"
export top_srcdir top_builddir

if ! command -v valgrind >/dev/null; then
	[ "${CI:-}" = true ] && { echo "FAIL: valgrind missing (CI=true)"; exit 1; }
	echo "SKIP: valgrind missing"
	exit 77
fi
HM_VG_LOGDIR=$top_builddir/valgrind-logs
rm -rf "$HM_VG_LOGDIR"
mkdir -p "$HM_VG_LOGDIR"
chmod 1777 "$HM_VG_LOGDIR"	# a hallmarkd that drops root still writes
export HM_VG_LOGDIR
export HALLMARKD=$top_srcdir/tests/valgrind/hallmarkd
export HM_START_WAIT=60 HM_STOP_WAIT=60	# valgrind starts and stops slowly
fails=0
for t in $VALGRIND_TESTS; do
	name=$(basename "$t" .sh)
	t0=$SECONDS
	if bash "$top_srcdir/$t" >"$HM_VG_LOGDIR/$name.out" 2>&1; then
		echo "PASS: $t under valgrind ($((SECONDS - t0)) s)"
	else
		rc=$?
		if [ "$rc" = 77 ]; then
			echo "SKIP: $t"
		else
			echo "FAIL: $t under valgrind (exit $rc); output: $HM_VG_LOGDIR/$name.out"
			tail -n 30 "$HM_VG_LOGDIR/$name.out"
			fails=$((fails + 1))
		fi
	fi
done

n=0
for f in "$HM_VG_LOGDIR"/vg.*.log; do
	[ -e "$f" ] || continue
	n=$((n + 1))
	if ! grep -q "ERROR SUMMARY: 0 errors" "$f"; then
		echo "FAIL: valgrind report $f:"
		cat "$f"
		fails=$((fails + 1))
	fi
done
if [ "$n" = 0 ]; then
	echo "FAIL: no valgrind report written"
	fails=$((fails + 1))
fi
if [ "$fails" -ne 0 ]; then
	echo "valgrind run: $fails failure(s)"
	exit 1
fi
echo "valgrind run clean: $n hallmarkd process(es), 0 errors, 0 definite leaks"
rm -rf "$HM_VG_LOGDIR"
exit 0
