# repl_push.sh - the hint that carries its events (docs/protocol.md §3
# PUSH, §4 Hints), between real daemons on loopback: a new event reaches
# a peer inside the PUSH, with no round; a pushed event whose predecessor
# the peer lacks waits and sends it into a round; a pushed event with a
# broken signature is refused and named, changes nothing, and the round
# it sends the peer into brings the genuine one; a node pulling the same
# events from two peers at once checks each signature once.
#
# The daemons run with the slow look at the store once an hour and rounds
# every 10 minutes: whatever arrives within seconds came by a PUSH or the
# round a PUSH started, not by a timer.  tests/tools/nng_poke.c sends the
# hand-made PUSHes with a member's key.

# shellcheck disable=SC2154 # district() sets KEY_x with eval
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl_lib.inc"
POKE="$GRIDCASE_TOOLS/nng_poke"

check "a district of three nodes (c never runs)" district a b c
note a case-a 1 > /dev/null
note b case-b 1 > /dev/null
export GRIDCASE_LOOK_S=3600
check "a's daemon starts" start_daemon a --peer b --interval 600000
check "b's daemon starts" start_daemon b --peer a --interval 600000
check "written before the start: both have both events" wait_until 10 converged a b

# ---- a new event travels inside the PUSH ----
pushed_at_least() { # NAME PEER N: NAME admitted N events from PEER's PUSHes
	[ "$(peer_num "$1" "$2" pushed_in)" -ge "$3" ]
}
rounds_above() { # NAME PEER N
	[ "$(peer_num "$1" "$2" rounds)" -gt "$3" ]
}
ID=$(note a case-a 2)
check "a's next event reaches b" wait_until 5 has_event b "$ID"
check "b counts it as pushed by a (peers --json pushed_in)" wait_until 5 pushed_at_least b a 1
R0=$(peer_num b a rounds)
P0=$(peer_num b a pushed_in)
for i in 3 4 5 6 7; do
	ID=$(note a case-a "$i")
	check "a's event $i reaches b within 5 s" wait_until 5 has_event b "$ID"
done
check "b counts the five as pushed by a" wait_until 5 pushed_at_least b a $((P0 + 5))
check "and ran no round with a for them" test "$(peer_num b a rounds)" = "$R0"
# Five events in one commit do not fit a PUSH (at most 4): it carries the
# heads alone, and b fetches the five in a round.
P0=$(peer_num b a pushed_in)
check_out "a writes five events in one commit" "^5 events" "$GRIDCASE_TOOLS/make_events" "$T/a" 5
five_there() { [ "$(events_of b)" -eq "$(events_of a)" ]; }
events_of() { "$G" --dir "$T/$1" status --json | sed -n 's/.*"events":\([0-9]*\).*/\1/p'; }
check "they reach b" wait_until 5 five_there
check "by a round that the PUSH of their heads started" wait_until 5 rounds_above b a "$R0"
check "not inside the PUSH" test "$(peer_num b a pushed_in)" = "$P0"
ID=$(note b case-b 2)
check "the other way too: b's event reaches a" wait_until 5 has_event a "$ID"
check "a counts it as pushed by b" wait_until 5 pushed_at_least a b 1
check "a and b agree" wait_until 10 converged a b

# ---- hand-made PUSHes, as a, to b ----
# a restarts pulling from c only (which never runs): it no longer pushes
# to b, and b's next timed round is 10 minutes away.  What reaches b now
# comes from the PUSHes below or the rounds they start.
check "a stops" stop_daemon a
check "a restarts, pulling from c only" start_daemon a --peer c --interval 600000
D=$(note a case-d 1)
E=$(note a case-d 2)
check "b lacks a's two new events" sh -c "! '$G' --dir '$T/b' log --json | grep -qE '\"id\":\"($D|$E)\"'"
"$G" --dir "$T/a" event export --author "$KEY_a" -o "$T/a.events" 2> /dev/null
R0=$(peer_num b a rounds)
check_out "a PUSH of the second alone is answered: b held neither head before" "^push: held 0$" \
	"$POKE" push "$(addr_of b)" --key "$T/a/node.key" --server "$KEY_b" \
	--network repl --file "$T/a.events" --count 1
check "b, lacking its predecessor, runs a round with a, which brings both" \
	wait_until 5 sh -c "'$G' --dir '$T/b' log --json | grep -q '\"id\":\"$D\"' &&
		'$G' --dir '$T/b' log --json | grep -q '\"id\":\"$E\"'"
check "b's peers record shows the round" wait_until 5 rounds_above b a "$R0"
check_out "the same PUSH again is answered: b held its head before (HELD's bit 0)" "^push: held 1$" \
	"$POKE" push "$(addr_of b)" --key "$T/a/node.key" --server "$KEY_b" \
	--network repl --file "$T/a.events" --count 1
check_out "a PUSH of both, one head: held" "^push: held 1$" \
	"$POKE" push "$(addr_of b)" --key "$T/a/node.key" --server "$KEY_b" \
	--network repl --file "$T/a.events" --count 2

F=$(note a case-f 1)
"$G" --dir "$T/a" event export --author "$KEY_a" -o "$T/a2.events" 2> /dev/null
DB=$(digest "$T/b")
E0=$(peer_num b a errors)
check_out "a PUSH of a's next event with a flipped signature byte is answered" "^push: held 0$" \
	"$POKE" push "$(addr_of b)" --key "$T/a/node.key" --server "$KEY_b" \
	--network repl --file "$T/a2.events" --count 1 --flip 1
named() { grep -q "peer a: pushed event $(echo "$F" | cut -c1-16) refused: .*signature" "$T/b.log"; }
check "b refuses it, naming the event and the signature" wait_until 5 named
errors_above() { [ "$(peer_num b a errors)" -gt "$E0" ]; }
check "and counts an error of a's" wait_until 5 errors_above
check "the round it started brings the genuine event" wait_until 5 has_event b "$F"
check "a and b agree" wait_until 10 same_digest a b
check "b's digest moved by the genuine event only" test "$(digest "$T/b")" != "$DB"
check_out "b's store verifies" "ok" "$G" --dir "$T/b" verify

for n in a b; do
	check "$n stops with exit 0" stop_daemon "$n"
done

# ---- each event's signature is checked once per node ----
# a and b both hold 3,000 more events of a's; c, which holds only the
# roster, starts pulling from both at once.  Neighbours do not fetch and
# check the same events from several peers (docs/protocol.md §4,
# FETCHING): c checks each event it lacks once, and never one it holds
# (peers --json: checked, checked_again).
check_out "a writes 3,000 events" "^3000 events" "$GRIDCASE_TOOLS/make_events" "$T/a" 3000
"$G" --dir "$T/a" event export -o "$T/all.events" 2> /dev/null
check "b takes them in by hand" "$G" --dir "$T/b" event import "$T/all.events"
check "a and b agree" same_digest a b
LACK=$(($(events_of a) - $(events_of c)))
check "c lacks more than 3,000 events" test "$LACK" -gt 3000
check "a's daemon starts" start_daemon a --peer b --interval 600000
check "b's daemon starts" start_daemon b --peer a --interval 600000
check "c's daemon starts, pulling from a and b" start_daemon c --peer a --peer b --interval 600000
check "c catches up" wait_until 60 same_digest a c
checks_of() { # NAME FIELD: the sum over NAME's peers
	"$G" --dir "$T/$1" peers --json | grep -o "\"$2\":[0-9]*" | cut -d: -f2 |
		awk '{ s += $1 } END { print s + 0 }'
}
checked_all() { [ "$(checks_of c checked)" -ge "$LACK" ]; }
check "c's peer records count its checks" wait_until 5 checked_all
say "  c checked $(checks_of c checked) signatures for $LACK events, $(checks_of c checked_again) again"
check "c checked each event it lacked exactly once" test "$(checks_of c checked)" = "$LACK"
check "and none it held already" test "$(checks_of c checked_again)" = 0
for n in a b c; do
	check "$n stops with exit 0" stop_daemon "$n"
done
# The refusal above was wanted ("pushed event ... refused"); nothing else
# may have been.
check "no daemon refused an event or a blob, or tripped a sanitizer" clean_logs a b c
finish
