# repl_basic.sh - replication between real daemons on loopback: two nodes
# both ways, a chain of relays, how fast a new event travels, the daemon's
# lock and clean stop, blobs following their events, and blocked links.

# Node lists are split into words on purpose; district() sets KEY_x and
# PORT_x with eval.
# shellcheck disable=SC2086,SC2154
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl_lib.inc"

check "a district of four nodes" district a b c d

# ---- two nodes, both ways ----
# A long interval: after the first round, only hints start rounds, so the
# timings below measure the hint path and not the timer.
note a case-a 1 > /dev/null
note b case-b 1 > /dev/null
check_err 1 "a slow look of 0 s is refused, naming the variable" \
	"GRIDCASE_LOOK_S='0': the slow look's period takes 1 to 86400 seconds" \
	env GRIDCASE_LOOK_S=0 "$G" --dir "$T/a" run
export GRIDCASE_LOOK_S=3600 # no slow look: see below
check "a's daemon starts" start_daemon a --peer b --interval 30000
check "b's daemon starts" start_daemon b --peer a --interval 30000
unset GRIDCASE_LOOK_S
check "written before the start: both have both events" wait_until 10 converged a b
for i in 2 3 4; do
	note a case-a "$i" > /dev/null
	note b case-b "$i" > /dev/null
done
check "written while running: equal digests and every event on both" wait_until 10 converged a b
check "the log of each lists every acknowledged event" has_all "$T/acked" a b
is_connected() { # NAME PEER
	peer_json "$1" "$2" | grep -q '"connected":true'
}
check "peers --json on a: b is connected" wait_until 5 is_connected a b
in_out_counted() {
	[ "$(peer_num "$1" "$2" events_in)" -ge "$3" ] &&
		[ "$(peer_num "$1" "$2" events_out)" -ge "$3" ]
}
check "a counts 4 events in from b and 4 out to b" wait_until 5 in_out_counted a b 4
check "b counts 4 events in from a and 4 out to a" wait_until 5 in_out_counted b a 4
check_out "the daemon says it is running" '"daemon_running":true' "$G" --dir "$T/a" peers --json
check_out "repl status shows b's summary" "^digest [0-9a-f]{64}" "$G" --dir "$T/a" repl status
check_out "repl status names each author and b's view of it" "^b +[0-9a-f]{16} +[0-9]+ +[0-9]+ " "$G" --dir "$T/a" repl status

# ---- a new event reaches a connected peer without waiting ----
# The writer's daemon hears of the commit (the CLI announces it on
# daemon.sock, and the file watch sees it) and sends a HINT; the peer
# starts a round at once.  The daemons were started with the slow look
# at the store once an hour and rounds every 30 s, so an event that
# arrives within 5 s came by the announcement or the file watch, not a timer
# (docs/protocol.md: "in one round trip after the commit").  The times
# are printed, not judged: bench/ measures them.
latency() { # FROM TO: writes on FROM, waits for it on TO; sets MS
	lt_id=$(note "$1" "case-$1" 9) || return 1
	lt_t0=$(now_ms)
	wait_until 5 has_event "$2" "$lt_id" || return 1
	MS=$(($(now_ms) - lt_t0))
}
for pair in "a b" "b a" "a b" "b a" "a b" "b a"; do
	MS="-"
	check "an event written on ${pair% *} reaches ${pair#* } within 5 s (no timer)" latency $pair
	say "  an event written on ${pair% *} was on ${pair#* } after $MS ms"
done

# ---- one daemon per store ----
check_err 1 "a second daemon on b's store is refused, naming it" \
	"another 'gridcase run' already serves '.*/b'" timeout 20 "$G" --dir "$T/b" run --peer a
check "b's first daemon still serves" wait_until 5 latency a b

# ---- a chain of relays: a - b - c; a and c are not peers ----
check "b stops on SIGTERM with exit 0" stop_daemon b
check "b's store verifies after the stop" "$G" --dir "$T/b" verify
note c case-c 1 > /dev/null
check "b restarts with peers a and c" start_daemon b --peer a --peer c --interval 30000
check "c's daemon starts, pulling from b only" start_daemon c --peer b --interval 30000
check "a, b and c converge" wait_until 15 converged a b c
check "a does not pull from c" sh -c "! '$G' --dir '$T/a' peers --json | grep -q '\"name\":\"c\"'"
check "c does not pull from a" sh -c "! '$G' --dir '$T/c' peers --json | grep -q '\"name\":\"a\"'"
relayed() { # FROM TO
	rl_id=$(note "$1" "case-$1" 7) || return 1
	wait_until 5 has_event "$2" "$rl_id"
}
check "an event written on a reaches c through b" relayed a c
check "an event written on c reaches a through b" relayed c a
check "a, b and c still agree" wait_until 10 converged a b c

# ---- blobs follow their events ----
# The three restart with a 1 s interval: a node that missed a blob may
# well have to wait for a round to ask again.
for n in a b c; do
	check "$n stops with exit 0" stop_daemon "$n"
done
check "a restarts (b)" start_daemon a --peer b --interval 1000
check "b restarts (a, c)" start_daemon b --peer a --peer c --interval 1000
check "c restarts (b)" start_daemon c --peer b --interval 1000
photo_case() { # NODE FILE: reports a case with the photo; sets CASE, PHOTO
	pc_out=$("$G" --dir "$T/$1" case report --class event:06010 \
		--grid 310104007001002 --where "Lane 5" --desc "garbage" \
		--photo "$2" --json) || return 1
	CASE=$(echo "$pc_out" | sed -n 's/.*"case":"\([^"]*\)".*/\1/p')
	# Adding the same bytes again only names them.
	PHOTO=$("$G" --dir "$T/$1" blob add "$2") || return 1
	"$G" --dir "$T/$1" case show "$CASE" --json | grep -q "$PHOTO"
}
blob_is() { # NODE FILE: NODE holds the photo, identical to FILE
	"$G" --dir "$T/$1" blob get "$PHOTO" -o "$T/got.$1" && cmp -s "$2" "$T/got.$1"
}
head -c 700000 /dev/urandom > "$T/photo1.jpg" # three 256 KiB chunks
check "a reports a case with a 700 KB photo" photo_case a "$T/photo1.jpg"
check "b, a's peer, gets the photo: identical bytes" wait_until 10 blob_is b "$T/photo1.jpg"
check "the case is on b" "$G" --dir "$T/b" case show "$CASE"
# Through a relay: b admits the report, and a pulls it from b before b has
# fetched the photo's 23 chunks from c.  a must still get the photo.
head -c 6000000 /dev/urandom > "$T/photo2.jpg"
check "c reports a case with a 6 MB photo" photo_case c "$T/photo2.jpg"
check "b gets c's photo" wait_until 10 blob_is b "$T/photo2.jpg"
check "the case reaches a through b" wait_until 10 sh -c "'$G' --dir '$T/a' case show '$CASE' > /dev/null"
check "and so does its photo" wait_until 10 blob_is a "$T/photo2.jpg"

# ---- clean stops ----
for n in a b c; do
	check "$n stops on SIGTERM with exit 0" stop_daemon "$n"
done
for n in a b c; do
	check_out "$n's store verifies" "ok" "$G" --dir "$T/$n" verify
done
check_out "the last recorded state says no daemon runs" '"daemon_running":false' \
	"$G" --dir "$T/a" peers --json
check "the three agree after the stop" converged a b c

# ---- blocked links (and, first, events that came without their blob) ----
refused_by() { # NAME PEER: NAME's pulls from PEER are refused
	peer_json "$1" "$2" | grep -q '"last_error":"refused'
}
blocked_here() { # NAME PEER: NAME applied the block
	peer_json "$1" "$2" | grep -q '"blocked":true'
}
# Short intervals now: a blocked peer hears no hints, so only its timer
# makes it try (and be refused).
check "a restarts" start_daemon a --peer b --interval 250
check "b restarts" start_daemon b --peer a --interval 250
# d receives c's report in an exported file (the offline way), without the
# photo; a later sync with b, which holds the photo, must bring it.
check "d imports c's events from a file" sh -c \
	"'$G' --dir '$T/c' event export 2>/dev/null | '$G' --dir '$T/d' event import - > /dev/null"
check "d has the case" "$G" --dir "$T/d" case show "$CASE"
check_err 4 "but not its photo" "no blob|not found|cannot open" "$G" --dir "$T/d" blob get "$PHOTO"
check_out "d syncs with b" "synced with b" "$G" --dir "$T/d" repl sync b
check "d now has the photo" blob_is d "$T/photo2.jpg"
check_out "a second sync, as JSON, receives nothing new" '"peer":"b","received":0,"events":' \
	"$G" --dir "$T/d" repl sync b --json

check "d starts, pulling from a (which does not pull from d)" start_daemon d --peer a --interval 250
check "d catches up with a" wait_until 10 same_digest a d

check_out "a blocks b" "blocked" "$G" --dir "$T/a" peers block b
check "a applies the block within a second or two" wait_until 3 blocked_here a b
check "b's pulls from a are refused" wait_until 5 refused_by b a
# b had a live session with a: its end must name the block, not the key
# (which the roster still allows): the admin's fix differs.
says_blocked() { grep -q "refused b: this peer is blocked here" "$T/a.log"; }
check "a says it refuses b's session because b is blocked" wait_until 5 says_blocked
check "and not that b's key is no longer allowed" sh -c \
	"! grep -q 'refused b: the key is no longer allowed here' '$T/a.log'"
check_out "b is told it is blocked" '"last_error":"refused: this peer is blocked here' peer_json b a
refused_shown() { # NAME PEER: NAME's peers table says PEER refuses it
	peer_json "$1" "$2" | grep -q '"refused":true' &&
		"$G" --dir "$T/$1" peers | grep -Eq "^$2 +refused "
}
check "b's peers table shows a as refusing (its pipe is up)" wait_until 5 refused_shown b a
ID_A=$(note a case-a 20)
ID_B=$(note b case-b 20)
check "a's new event still reaches d" wait_until 5 has_event d "$ID_A"
check "but not b" lacks b "$ID_A"
check "and b's new event does not reach a" lacks a "$ID_B"
check_out "a unblocks b" "unblocked" "$G" --dir "$T/a" peers unblock b
check "after the unblock a and b converge" wait_until 10 converged a b
shown_up() { "$G" --dir "$T/$1" peers | grep -Eq "^$2 +yes "; }
check "and b shows a connected again" wait_until 5 shown_up b a

# A member that pulls from us without being one of our peers: blocking it
# must cut it off too ("nothing goes to or comes from it").
errors_at_least() { # NAME PEER N: NAME recorded N errors with PEER
	[ "$(peer_num "$1" "$2" errors)" -ge "$3" ]
}
check_out "a blocks d" "blocked" "$G" --dir "$T/a" peers block d
check "d's pulls from a are refused" wait_until 5 refused_by d a
ID_A=$(note a case-a 21)
check "a's next event reaches b" wait_until 5 has_event b "$ID_A"
N0=$(peer_num d a errors)
check "d keeps trying a, and is refused" wait_until 12 errors_at_least d a $((N0 + 1))
check "but a's event does not reach d, which a blocked" lacks d "$ID_A"
check_out "a unblocks d" "unblocked" "$G" --dir "$T/a" peers unblock d
check "then d catches up" wait_until 10 has_event d "$ID_A"

for n in a b d; do
	check "$n stops with exit 0" stop_daemon "$n"
done
check "no daemon refused an event or a blob, or tripped a sanitizer" clean_logs a b c d
finish
