#!/bin/bash
# run.sh - runs every test binary and integration script, prints one line
# per suite as it ends and, last, the total "N passed, N failed".
#
# Unit binaries are build-san/tests/*; integration scripts are
# tests/integration/*.sh, run against the sanitizer build of gridcase.
# Each suite prints its own "N passed, N failed" as its last line.
# TEST_FILTER=pattern runs only the suites whose name contains it.
#
# The suites run TEST_JOBS at a time (default 3 on this 2-core class of
# machine): most integration suites spend their time waiting on daemons,
# sockets and fsync, not computing, so a third lane fills the cores the
# waiting leaves idle.  Every suite owns its temporary directory and picks
# free random ports (repl_lib.inc), so suites do not see each other.  The
# longest suites start first so that the run does not end on one of them
# alone; the month (one node, ~2,000 commands) reports the day it has
# reached as the others end.

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
export GRIDCASE="$top/build-san/gridcase"
export GRIDCASE_TOOLS="$top/build-san/tools"
export GRIDCASE_DATA="$top/data"
# handle_abort: a process that aborts (SIGABRT) prints its stack, so a
# daemon's "exit 134" names where it was.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:handle_abort=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$top/tests/lsan.supp:print_suppressions=0}"

jobs_max=${TEST_JOBS:-3}
case "$jobs_max" in
'' | *[!0-9]* | 0)
	echo "run.sh: TEST_JOBS=$jobs_max: a positive number of suites at a time is needed" >&2
	exit 2
	;;
esac

# The longest first (figures of an idle run: month 6 min, browser 3 min,
# repl_district 2 min, the rest a minute or less).
LONG="month browser repl_district repl_hostile repl_crash cli_edges insider"

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT

# run_suite NAME CMD...: runs one suite; writes its line (and the tail of
# its output if it failed) to $work/NAME.out and "passed failed" to
# $work/NAME.count.  Runs in the background: nothing goes to the terminal.
run_suite() {
	name=$1
	shift
	log="$work/$name.log"
	start=$(date +%s)
	"$@" >"$log" 2>&1 </dev/null
	status=$?
	secs=$(($(date +%s) - start))
	# The CPU its processes used (user + system): what it costs a
	# loaded machine, where its wall time says little.
	times >"$work/$name.times" # not in a pipe: a subshell has no children
	cpu=$(awk 'NR == 2 { gsub(/[ms]/, " "); printf "%d", $1 * 60 + $2 + $3 * 60 + $4 }' \
		"$work/$name.times")
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
	if [ "$f" -eq 0 ]; then
		echo "$name: ok ($p, ${secs}s, cpu ${cpu}s)" >"$work/$name.out"
	else
		{
			echo "$name: FAILED ($p ok, $f failed, exit $status, ${secs}s, cpu ${cpu}s)"
			sed 's/^/    /' "$log" | tail -n 60
		} >"$work/$name.out"
	fi
	echo "$p $f" >"$work/$name.count"
}

wanted() {
	case "$1" in *"${TEST_FILTER:-}"*) return 0 ;; esac
	return 1
}

# The list of suites, "name command..." per line, the longest first.
: >"$work/list"
for n in $LONG; do
	t=tests/integration/$n.sh
	[ -f "$t" ] && wanted "$t" && echo "$n sh $t" >>"$work/list"
done
for t in build-san/tests/*; do
	[ -f "$t" ] && [ -x "$t" ] || continue
	wanted "$t" || continue
	echo "$(basename "$t") $t" >>"$work/list"
done
for t in tests/integration/*.sh; do
	[ -f "$t" ] || continue
	n=$(basename "$t" .sh)
	[ "$n" = lib ] && continue # the shell harness
	case " $LONG " in *" $n "*) continue ;; esac
	wanted "$t" || continue
	echo "$n sh $t" >>"$work/list"
done
total=$(wc -l <"$work/list")
echo "$total suites, $jobs_max at a time"

# The month writes its progress here (one line a day); the last new line
# is shown as other suites end.
export GRIDCASE_PROGRESS="$work/progress"
: >"$GRIDCASE_PROGRESS"
shown=0
show_progress() {
	now=$(wc -l <"$GRIDCASE_PROGRESS")
	if [ "$now" -gt "$shown" ]; then
		tail -n 1 "$GRIDCASE_PROGRESS" | sed 's/^/  (month) /'
		shown=$now
	fi
}

declare -A name_of
ended=0
# reap: waits for one running suite to end and prints its line.
reap() {
	local pid
	wait -n -p pid
	ended=$((ended + 1))
	sed "1s|\$| [$ended/$total]|" "$work/${name_of[$pid]}.out"
	unset "name_of[$pid]"
	show_progress
}

while read -r name cmd; do
	while [ "${#name_of[@]}" -ge "$jobs_max" ]; do
		reap
	done
	# shellcheck disable=SC2086 # cmd is "sh FILE" or a binary's path
	run_suite "$name" $cmd &
	name_of[$!]=$name
done <"$work/list"
while [ "${#name_of[@]}" -gt 0 ]; do
	reap
done

total_pass=$(cat "$work"/*.count 2>/dev/null | awk '{ s += $1 } END { print s + 0 }')
total_fail=$(cat "$work"/*.count 2>/dev/null | awk '{ s += $2 } END { print s + 0 }')
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
