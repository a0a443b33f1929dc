# repl_crash.sh - kill -9 of a node catching up with 100,000 events.
#
# A source node gets 100,000 events of its own (tests/tools/make_events,
# batches of 1,000 through the store's API).  The receiver then catches
# up, alternately with its daemon and with `repl sync`, and is killed with
# SIGKILL after a random delay, at least ten times while it is still
# behind.  After every kill the store must hold a prefix of the source's
# feed: no committed event lost, no gap, nothing waiting.  At the end it
# holds all 100,000 events: the same summary, count and digest as the
# source, and `verify` passes.  TEST_SEED=N replays a run's delays.

# Node lists are split into words on purpose; district() sets KEY_x and
# PORT_x with eval.
# shellcheck disable=SC2086,SC2154
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl_lib.inc"

N=100000
KILLS=10
SEED=${TEST_SEED:-20260302}
echo "seed $SEED (replay with TEST_SEED=$SEED)"
seed_rng "$SEED"
MAKE_EVENTS="$GRIDCASE_TOOLS/make_events"

check "a source and a receiver" district src rcv
check "the receiver is saved as it is, with the roster only" cp -a "$T/rcv" "$T/rcv.empty"
T0=$(now_ms)
check_out "the source writes $N events" "^$N events, seq 1\.\.$N$" "$MAKE_EVENTS" "$T/src" "$N"
say "  $N events written in $(($(now_ms) - T0)) ms"

# field NAME KEY: a number from NAME's status --json
field() {
	"$G" --dir "$T/$1" status --json | sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p"
}
# src_seq NAME: the source's seq in NAME's summary (0 if none)
src_seq() {
	ss_s=$("$G" --dir "$T/$1" status --json |
		grep -o "{\"author\":\"$KEY_src\",\"seq\":[0-9]*" | sed 's/.*://')
	echo "${ss_s:-0}"
}
TOTAL=$(field src events)
check "the source holds them, and the roster ($TOTAL events)" test "$TOTAL" -eq $((N + 2))
check "the source's summary says seq $N" test "$(src_seq src)" -eq "$N"
check "the source's daemon starts" start_daemon src --interval 500

# prefix_ok: the receiver's store is a clean prefix of the source's: its
# events are the roster's and the source's 1..seq (no gap, nothing
# waiting), and seq never went back since the last look (nothing that
# was committed is lost).
LAST=0
prefix_ok() {
	po_ev=$(field rcv events)
	po_seq=$(src_seq rcv)
	po_pending=$(field rcv pending)
	echo "events $po_ev, source seq $po_seq (was $LAST), pending $po_pending"
	[ -n "$po_ev" ] && [ "$po_ev" -eq $((po_seq + 2)) ] &&
		[ "$po_pending" -eq 0 ] && [ "$po_seq" -ge "$LAST" ] || return 1
	LAST=$po_seq
}

# one_run I MS: starts the receiver (odd I: its daemon; even I: repl
# sync) and kills it with SIGKILL after MS milliseconds.
one_run() {
	if [ $(($1 % 2)) -eq 1 ]; then
		"$G" --dir "$T/rcv" run --peer src --interval 500 >> "$T/rcv.log" 2>&1 &
	else
		"$G" --dir "$T/rcv" repl sync src >> "$T/rcv.log" 2>&1 &
	fi
	or_pid=$!
	DAEMONS="$DAEMONS $or_pid"
	sleep "$(($2 / 1000)).$(printf %03d $(($2 % 1000)))"
	kill -KILL "$or_pid" 2>/dev/null
	wait "$or_pid" 2>/dev/null
	forget_pid "$or_pid"
}

T0=$(now_ms)
kills=0
run=0
resets=0
while [ "$kills" -lt "$KILLS" ] && [ "$run" -lt 60 ]; do
	run=$((run + 1))
	rand 800
	ms=$((100 + R))
	one_run "$run" "$ms"
	check "run $run, killed after $ms ms: the store is a clean prefix" prefix_ok
	say "  run $run, killed after $ms ms: $(cat "$OUT")"
	check_out "run $run: the store verifies" "ok" "$G" --dir "$T/rcv" verify
	if [ "$LAST" -lt "$N" ]; then
		kills=$((kills + 1))
	else
		# It caught up before the kill (a fast machine): start over
		# from the empty receiver, so that every counted kill lands
		# while it is behind.
		resets=$((resets + 1))
		check "it starts over, empty" sh -c "rm -rf '$T/rcv' && cp -a '$T/rcv.empty' '$T/rcv'"
		LAST=0
	fi
done
say "  $kills kills during the catch-up ($run runs, $resets restarts from empty) in $(($(now_ms) - T0)) ms"
check "the receiver was killed $KILLS times while it was behind" test "$kills" -ge "$KILLS"

T0=$(now_ms)
check "the receiver's daemon starts again" start_daemon rcv --peer src --interval 500
# Each look also keeps the case count status printed: its figures are
# separate reads while the daemon commits, and "cases" once came out as
# 2^64 - 20 (ghosts counted after the views grew them).
: > "$T/cases_seen"
caught_up() {
	cu_s=$("$G" --dir "$T/rcv" status --json)
	echo "$cu_s" | sed -n 's/.*"cases":\([0-9]*\).*/\1/p' >> "$T/cases_seen"
	cu_seq=$(echo "$cu_s" | grep -o "{\"author\":\"$KEY_src\",\"seq\":[0-9]*" |
		sed 's/.*://')
	[ "${cu_seq:-0}" -eq "$N" ]
}
# status reads the whole log for its digest: look twice a second only.
WAIT_POLL=0.5
check "it catches up with the source" wait_until 90 caught_up
WAIT_POLL=
say "  the rest of the catch-up took $(($(now_ms) - T0)) ms"
check "status counted cases as it caught up ($(wc -l < "$T/cases_seen") looks)" \
	test -s "$T/cases_seen"
check "and never more cases than the events it held" \
	awk -v max="$TOTAL" '$1 + 0 > max + 0 { exit 1 }' "$T/cases_seen"
check "it stops on SIGTERM with exit 0" stop_daemon rcv
check "the source stops with exit 0" stop_daemon src
check "neither refused an event or tripped a sanitizer" clean_logs src rcv
check "the receiver's summary has the source at seq $N" test "$(src_seq rcv)" -eq "$N"
check "it holds exactly the source's events ($TOTAL)" test "$(field rcv events)" -eq "$TOTAL"
check "nothing waits for a predecessor" test "$(field rcv pending)" -eq 0
check "the digests are equal" test "$(digest "$T/rcv")" = "$(digest "$T/src")"
T0=$(now_ms)
check_out "the receiver's store verifies" "verified $TOTAL events and 0 waiting: ok" \
	"$G" --dir "$T/rcv" verify
say "  verify took $(($(now_ms) - T0)) ms"
[ "$FAILED" -eq 0 ] || echo "seed $SEED: replay with TEST_SEED=$SEED"
finish
