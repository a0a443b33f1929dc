#!/bin/sh
# run.sh SECONDS - builds the libFuzzer target tests/fuzz/event_fuzz.c with
# clang (ASan + UBSan), seeds a corpus under build-fuzz/ from valid
# encodings, and fuzzes for SECONDS seconds (default 60).
#
# Exits 0 when the time runs out without a finding, non-zero when the
# build fails or libFuzzer finds a crash, a leak, a sanitizer report or
# an oracle disagreement (the input is kept in build-fuzz/artifacts/).
# CLANG=clang-14 picks another compiler.

secs=${1:-60}
case "$secs" in
'' | *[!0-9]*)
	echo "usage: tests/fuzz/run.sh SECONDS" >&2
	exit 2
	;;
esac

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
out=build-fuzz
clang=${CLANG:-clang}
mkdir -p "$out/corpus" "$out/seeds" "$out/artifacts" || exit 1

pkg_cflags=$(pkg-config --cflags libsodium msgpack) || exit 1
pkg_libs=$(pkg-config --libs libsodium msgpack) || exit 1

echo "  CLANG  $out/event_fuzz"
# shellcheck disable=SC2086 # the flag lists are meant to split
$clang -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -I. -D_GNU_SOURCE -std=c11 \
	-Wall -Wextra $pkg_cflags -o "$out/event_fuzz" \
	tests/fuzz/event_fuzz.c common/*.c crypto/*.c $pkg_libs -lm ||
	exit 1

rm -f "$out"/seeds/*
GRIDCASE_FUZZ_SEEDS="$out/seeds" "$out/event_fuzz" || exit 1

log="$out/fuzz.log"
echo "  FUZZ   ${secs}s, log in $log"
"$out/event_fuzz" -max_total_time="$secs" -max_len=4096 \
	-print_final_stats=1 -artifact_prefix="$out/artifacts/" \
	"$out/corpus" "$out/seeds" >"$log" 2>&1
status=$?

# The last status line carries the coverage ("cov: N ft: N corp: N").
last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")
echo "event_fuzz: ${runs:-?} runs (budget ${secs}s), ${rate:-?} exec/s," \
	"peak RSS ${rss:-?} MB"
echo "event_fuzz: $last"
if [ "$status" -ne 0 ]; then
	echo "event_fuzz: FAILED (libFuzzer exit $status)" >&2
	grep -E 'ERROR|SUMMARY|oracle:|Test unit written|runtime error' \
		"$log" | head -n 20 >&2
	exit 1
fi
echo "event_fuzz: no crash"
