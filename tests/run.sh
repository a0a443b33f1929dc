#!/bin/sh
# run.sh - runs every test binary and integration script, prints one line
# per suite and, last, the total "N passed, N failed".
#
# Unit binaries are build-san/tests/*; integration scripts are
# tests/integration/*.sh, run against the sanitizer build of gridcase.
# Each suite prints its own "N passed, N failed" as its last line.
# TEST_FILTER=pattern runs only the suites whose name contains it.

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
export GRIDCASE="$top/build-san/gridcase"
export GRIDCASE_TOOLS="$top/build-san/tools"
export GRIDCASE_DATA="$top/data"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$top/tests/lsan.supp:print_suppressions=0}"

total_pass=0
total_fail=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

run_suite() {
	name=$1
	shift
	start=$(date +%s)
	"$@" >"$log" 2>&1
	status=$?
	secs=$(( $(date +%s) - start ))
	last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	p=$(echo "$last" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
	f=$(echo "$last" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
	if [ -z "$p" ]; then
		p=0
		f=1
	fi
	if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # crashed or a sanitizer fired after the summary
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	if [ "$f" -eq 0 ]; then
		echo "$name: ok ($p, ${secs}s)"
	else
		echo "$name: FAILED ($p ok, $f failed, exit $status)"
		sed 's/^/    /' "$log" | tail -n 60
	fi
}

for t in build-san/tests/*; do
	[ -f "$t" ] && [ -x "$t" ] || continue
	case "$t" in *"${TEST_FILTER:-}"*) ;; *) continue ;; esac
	run_suite "$(basename "$t")" "$t"
done
for t in tests/integration/*.sh; do
	[ -f "$t" ] || continue
	[ "$(basename "$t")" = lib.sh ] && continue # the shell harness
	case "$t" in *"${TEST_FILTER:-}"*) ;; *) continue ;; esac
	run_suite "$(basename "$t" .sh)" sh "$t"
done
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
