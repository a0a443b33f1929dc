#!/bin/sh
# web.sh - the web console's two figures (docs/performance.md [13]):
#
#   1. server time of the worklist and of a case page on query_bench's
#      store of 1,000,000 events (100,000 cases; BENCH_SMALL=1: 100,000
#      events), read from the Server-Timing header the node sets (the
#      time between taking the request off the queue and handing the
#      response back to nng), the median of 21 requests of each;
#   2. the time from an event written on one node to the other node's
#      event stream telling its open page, and to that page fetched again
#      (two daemons replicating over loopback), the median of 11.
#
# Optimised build: `make gridcase build/bench/query_bench` first.  Usage:
#   bench/web.sh            (GRIDCASE_BENCH_DIR: where the store goes)
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
export GRIDCASE_DATA="$top/data"
G="$top/gridcase"
export GRIDCASE="$G"
dir=${GRIDCASE_BENCH_DIR:-$top/build/bench}
mkdir -p "$dir"
export GRIDCASE_BENCH_DIR="$dir"
[ -x "$G" ] && [ -x build/bench/query_bench ] || {
	echo "web.sh: build first: make gridcase build/bench/query_bench"
	exit 1
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
# The machine may be shared: the load average goes beside the figures.
echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- 1. server time on a big store ----
echo "[13] web console: server time on query_bench's store (median of 21)"
BENCH_KEEP=1 BENCH_FILTER=none build/bench/query_bench > "$dir/web-query.out" 2>&1
store=$(sed -n 's/.*kept in \(.*\)$/\1/p; s/.*store kept: \(.*\)$/\1/p' "$dir/web-query.out" | tail -n 1)
[ -z "$store" ] && store=$(ls -dt "$dir"/query* 2>/dev/null | head -n 1)
[ -d "$store" ] || { echo "web.sh: no store from query_bench"; cat "$dir/web-query.out"; exit 1; }
grep "events in" "$dir/web-query.out"
# The district's grid, so that the map and the case page's map draw it.
"$G" --dir "$store" grid import data/district/grid.geojson > /dev/null || exit 1
printf 'bench passphrase\n' > "$dir/web-pass"
rm -rf "$store/web-keys"
"$G" --dir "$store" web key add bench --key "$store/node.key" --passphrase-file "$dir/web-pass" > /dev/null || exit 1
port=$((30000 + $$ % 20000))
GRIDCASE_NOW=2026-03-16T03:00:00Z "$G" --dir "$store" run --listen "tcp://127.0.0.1:$((port + 1))" \
	--http ":$port" > "$dir/web-daemon.log" 2>&1 &
pid=$!
u="http://127.0.0.1:$port"
end=$(($(date +%s) + 20))
until curl -s -o /dev/null "$u/signin"; do
	[ "$(date +%s)" -lt "$end" ] || { echo "web.sh: the console did not start"; kill "$pid"; exit 1; }
	sleep 0.1
done
curl -s -o /dev/null -c "$dir/web-jar" -d "name=bench&pass=bench+passphrase" "$u/signin"
case_id=20260302-q0000123
long=$(sed -n 's/.*LONG_CASE "\([^"]*\)".*/\1/p' bench/query_bench.c | head -n 1)
printf '    %-52s %9s %9s %9s\n' "page" "p50 ms" "p90 ms" "bytes"
for path in "/?unit=office-07&state=dispatched" "/?unit=office-07" "/?state=dispatched" \
	"/?grid=310104007002001" "/?overdue=1&unit=office-07" "/" \
	"/?unit=office-07&state=dispatched&team=t1" \
	"/api/cases?unit=office-07&state=dispatched" "/case/$case_id" "/case/$long" "/board" "/map"; do
	: > "$dir/web-times"
	for i in $(seq 21); do
		curl -s -D - -o "$dir/web-body" -b "$dir/web-jar" "$u$path" |
			sed -n 's/^Server-Timing: app;dur=\([0-9.]*\).*/\1/p' >> "$dir/web-times"
	done
	p50=$(median < "$dir/web-times")
	p90=$(sort -n "$dir/web-times" | awk '{ a[NR] = $1 } END { print a[int(NR * 0.9 + 0.5)] }')
	printf '    %-52s %9s %9s %9s\n' "$path" "$p50" "$p90" "$(wc -c < "$dir/web-body")"
done
echo "load average after [13] 1: $(cut -d' ' -f1-3 /proc/loadavg)"
kill -TERM "$pid"
wait "$pid"
[ -n "${BENCH_KEEP:-}" ] || rm -rf "$store"

# ---- 2. a replicated event to the page ----
echo "[13] web console: a replicated event to the open page (median of 11)"
T=$(mktemp -d "$dir/web-repl-XXXXXX")
. tests/integration/lib.sh
. tests/integration/repl_lib.inc
. tests/integration/web_lib.inc > /dev/null
[ "$FAILED" -eq 0 ] || { echo "web.sh: the district did not start"; exit 1; }
curl -s -o /dev/null -c "$T/off.jar" -d "name=off&pass=correct+horse+battery" "http://127.0.0.1:$HO/signin"
: > "$T/notify" ; : > "$T/page"
for i in $(seq 11); do
	rm -f "$T/sse"
	curl -s -N -b "$T/off.jar" "http://127.0.0.1:$HO/api/events" > "$T/sse" &
	sse=$!
	until grep -q "retry" "$T/sse" 2>/dev/null; do sleep 0.01; done
	t0=$(date +%s%N)
	"$G" --dir "$C" --key "$T/sup.key" case report --class event:06010 --grid 310104007002001 \
		--where "bench $i" --desc d > /dev/null 2>&1
	until grep -q "event: change" "$T/sse"; do sleep 0.002; done
	t1=$(date +%s%N)
	curl -s -o /dev/null -b "$T/off.jar" "http://127.0.0.1:$HO/"
	t2=$(date +%s%N)
	echo $(((t1 - t0) / 1000000)) >> "$T/notify"
	echo $(((t2 - t0) / 1000000)) >> "$T/page"
	kill "$sse"
	wait "$sse" 2>/dev/null
done
printf '    event written on the centre (CLI) -> office stream says "change": %s ms\n' "$(median < "$T/notify")"
printf '    ... -> the office page fetched again:                      %s ms\n' "$(median < "$T/page")"
stop_daemon office > /dev/null
stop_daemon centre > /dev/null
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
