#!/bin/sh
# run.sh - runs every test binary and integration script, prints one line
# per suite and, last, the total "N passed, N failed".
#
# Unit binaries are build-san/tests/*; integration scripts are
# tests/integration/*.sh, run against the sanitizer build of gridcase.
# Each suite prints its own "N passed, N failed" as its last line.
# TEST_FILTER=pattern runs only the suites whose name contains it.
#
# The suites run one at a time, but for the month (tests/integration/
# month.sh): about 3,900 commands of one node, no network, no timing,
# half the time of all the rest.  It runs beside the others, on the
# second core, and its line comes when it ends; meanwhile its progress
# (the day of the month it has reached) shows after each suite.

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
export GRIDCASE="$top/build-san/gridcase"
export GRIDCASE_TOOLS="$top/build-san/tools"
export GRIDCASE_DATA="$top/data"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$top/tests/lsan.supp:print_suppressions=0}"

BESIDE="month"

total_pass=0
total_fail=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# run_suite NAME CMD...: runs one suite, prints its line (and the tail of
# its output if it failed), and appends "passed failed" to $work/counts.
run_suite() {
	name=$1
	shift
	log="$work/$name.log"
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
	echo "$p $f" >> "$work/counts"
	if [ "$f" -eq 0 ]; then
		echo "$name: ok ($p, ${secs}s)"
	else
		echo "$name: FAILED ($p ok, $f failed, exit $status)"
		sed 's/^/    /' "$log" | tail -n 60
	fi
}

wanted() {
	case "$1" in *"${TEST_FILTER:-}"*) return 0 ;; esac
	return 1
}

# The suites beside write their progress here (one line a step); it is
# shown as the others end, and while waiting for them at the end.
export GRIDCASE_PROGRESS="$work/progress"
: > "$GRIDCASE_PROGRESS"
shown=0
show_progress() {
	now=$(wc -l < "$GRIDCASE_PROGRESS")
	if [ "$now" -gt "$shown" ]; then
		tail -n 1 "$GRIDCASE_PROGRESS" | sed 's/^/  (beside) /'
		shown=$now
	fi
}
beside_pid=""
for b in $BESIDE; do
	t=tests/integration/$b.sh
	wanted "$t" || continue
	run_suite "$b" sh "$t" > "$work/beside.out" &
	beside_pid="$beside_pid $!"
done

for t in build-san/tests/*; do
	[ -f "$t" ] && [ -x "$t" ] || continue
	wanted "$t" || continue
	run_suite "$(basename "$t")" "$t"
	show_progress
done
for t in tests/integration/*.sh; do
	[ -f "$t" ] || continue
	n=$(basename "$t" .sh)
	[ "$n" = lib ] && continue # the shell harness
	case " $BESIDE " in *" $n "*) continue ;; esac
	wanted "$t" || continue
	run_suite "$n" sh "$t"
	show_progress
done
# Waiting for the suites beside: their progress every 5 s.
for pid in $beside_pid; do
	while kill -0 "$pid" 2>/dev/null; do
		show_progress
		sleep 5
	done
	wait "$pid"
done
[ -f "$work/beside.out" ] && cat "$work/beside.out"
if [ -f "$work/counts" ]; then
	total_pass=$(awk '{ s += $1 } END { print s + 0 }' "$work/counts")
	total_fail=$(awk '{ s += $2 } END { print s + 0 }' "$work/counts")
fi
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
