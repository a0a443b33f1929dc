#!/bin/sh
# run.sh SECONDS TARGET... - runs each libFuzzer target (built by `make
# fuzz` as build-fuzz/TARGET_fuzz) for SECONDS seconds, one after the
# other, and prints per target the executions reached, the rate, the
# coverage and the corpus size; the last line is the total.
#
# Each target starts from its checked-in corpus tests/fuzz/corpus/TARGET/
# (read only) and its own working corpus build-fuzz/corpus/TARGET/ (kept
# between runs, not checked in).  A crash, leak, timeout, sanitizer
# report or broken oracle stops that target: the input is saved in
# build-fuzz/artifacts/TARGET/, reported with the first lines of the
# report, and the next target runs.  Exits 1 if any target found
# something.  FUZZ_FLAGS adds libFuzzer options (e.g. -seed=1).

secs=${1:-60}
case "$secs" in
'' | *[!0-9]*)
	echo "usage: tests/fuzz/run.sh SECONDS TARGET..." >&2
	exit 2
	;;
esac
shift

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

found=0
total_runs=0
for t in "$@"; do
	bin=build-fuzz/${t}_fuzz
	seeds=tests/fuzz/corpus/$t
	work=build-fuzz/corpus/$t
	arts=build-fuzz/artifacts/$t
	log=build-fuzz/$t.log
	if [ ! -x "$bin" ] || [ ! -d "$seeds" ]; then
		echo "$t: no target $bin or no corpus $seeds" >&2
		found=1
		continue
	fi
	mkdir -p "$work" "$arts" || exit 1
	dict=
	[ -f "tests/fuzz/$t.dict" ] && dict="-dict=tests/fuzz/$t.dict"
	start=$(date +%s)
	# shellcheck disable=SC2086 # the option lists are meant to split
	"$bin" -max_total_time="$secs" -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$arts/" $dict ${FUZZ_FLAGS:-} \
		"$work" "$seeds" >"$log" 2>&1
	status=$?
	took=$(( $(date +%s) - start ))
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")
	# The last status line: "cov: N ft: N corp: N/Nb ...".
	cov=$(grep -E '^#[0-9]+' "$log" | tail -n 1 |
		sed -n 's/.*\(cov: [0-9]*\).*\(ft: [0-9]*\).*\(corp: [0-9]*\).*/\1 \2 \3/p')
	total_runs=$((total_runs + ${runs:-0}))
	if [ "$status" -eq 0 ]; then
		echo "$t: ${runs:-?} runs in ${took}s (${rate:-?}/s), ${cov:-?}," \
			"peak RSS ${rss:-?} MB: no crash"
	else
		found=1
		echo "$t: FOUND after ${runs:-?} runs in ${took}s" \
			"(libFuzzer exit $status); log $log"
		grep -E 'ERROR|SUMMARY|oracle:|runtime error|Test unit written|artifact_prefix' \
			"$log" | head -n 12 | sed 's/^/    /'
	fi
done
echo "fuzz: $total_runs runs in all, $# targets of ${secs}s each"
[ "$found" -eq 0 ]
