# repl_relay.sh - who hears of a new event first, and who later
# (docs/protocol.md §4, Hints and Relays), between real daemons on
# loopback: an event addressed to a unit (a dispatch names one) is pushed
# to that unit's node before the other peers, and an addressee that does
# not answer holds them back 50 ms at most; an office that relays the
# centre's events to a neighbour which had them from the centre already
# (HELD says so) relays them lazily from then on, and eagerly again as
# soon as a lazy relay finds the neighbour lacking them.
#
# The daemons run with the slow look once an hour and rounds every 10
# minutes: whatever arrives within seconds came by a PUSH or the round a
# PUSH started.

# shellcheck disable=SC2154 # district() sets KEY_x with eval
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl_lib.inc"

check "a district of four nodes: the centre c and offices o1, o2, o3" district c o1 o2 o3
export GRIDCASE_LOOK_S=3600
check "c's daemon starts, pulling from the three offices" \
	start_daemon c --peer o1 --peer o2 --peer o3 --interval 600000
check "o1's daemon starts, pulling from c and the other offices" \
	start_daemon o1 --peer c --peer o2 --peer o3 --interval 600000
check "o2's daemon starts" start_daemon o2 --peer c --peer o1 --peer o3 --interval 600000
check "o3's daemon starts" start_daemon o3 --peer c --peer o1 --peer o2 --interval 600000
check "the four agree" wait_until 20 converged c o1 o2 o3
# A PUSH goes on the session of a round: c's first rounds may have found
# an office not yet up, and backed off.
sessions_up() {
	for su_n in o1 o2 o3; do
		[ "$(peer_num c "$su_n" rounds)" -ge 1 ] || return 1
	done
}
check "c has run a round with each office" wait_until 20 sessions_up

# addressed NAME CASE UNIT N: an event on NAME whose body names UNIT, as a
# dispatch's does; prints its id.
addressed() {
	"$G" --dir "$T/$1" event add --case "$2" --type note \
		--body "{\"n\":$4,\"unit\":\"$3\"}"
}
everywhere() { # ID NAME...: each of the nodes holds the event
	ew_id=$1
	shift
	for ew_n; do
		has_event "$ew_n" "$ew_id" || return 1
	done
}
first_is() { # NAME PEER N: NAME pushed N events to PEER before the others
	[ "$(peer_num "$1" "$2" pushed_first)" = "$3" ]
}

# ---- the addressee first ----
ID=$(addressed c case-a o2 1)
check "an event of c's addressed to o2 reaches the three offices" \
	wait_until 5 everywhere "$ID" o1 o2 o3
check "c pushed it to o2 first (peers --json pushed_first)" wait_until 5 first_is c o2 1
check "o1 was pushed nothing first" first_is c o1 0
check "o3 was pushed nothing first" first_is c o3 0
ID=$(addressed c case-a o3 2)
check "an event addressed to o3 reaches the three offices" \
	wait_until 5 everywhere "$ID" o1 o2 o3
check "c pushed it to o3 first" wait_until 5 first_is c o3 1

# An addressee that does not answer: the others wait for it FIRST_HOLD_MS
# (50 ms) at most.
kill -STOP "$(pid_of o2)"
ID=$(addressed c case-a o2 3)
check "with o2 stopped, o1 and o3 still get the event addressed to it" \
	wait_until 5 everywhere "$ID" o1 o3
check "which c pushed to o2 first all the same" wait_until 5 first_is c o2 2
check "o2 lacks it while stopped" lacks o2 "$ID"
kill -CONT "$(pid_of o2)"
check "o2, running again, gets it" wait_until 10 has_event o2 "$ID"

# ---- lazy relays ----
# c writes; each office admits c's event from c's PUSH and relays it to
# the two other offices, which had it from c already: their HELD says so,
# and c's events are relayed to them lazily from then on.
lazy_to() { # TO: the authors whose relays o1 and o2 send TO lazily
	echo $(($(peer_num o1 "$1" lazy_authors) + $(peer_num o2 "$1" lazy_authors)))
}
lazy_to_o3() { [ "$(lazy_to o3)" -ge 1 ]; }
for i in 1 2 3 4 5; do
	ID=$(note c case-r "$i")
	check "c's event $i reaches the three offices" wait_until 5 everywhere "$ID" o1 o2 o3
done
check "o1 or o2 relays c's events to o3 lazily (peers --json lazy_authors)" \
	wait_until 5 lazy_to_o3
pushed_o3() { echo $(($(peer_num o3 o1 pushed_in) + $(peer_num o3 o2 pushed_in))); }
P0=$(pushed_o3)

# The other way gone: o3 blocks c, so c's PUSHes no longer reach it.  A
# lazy relay comes within LAZY_MS (500 ms), carrying the event that o3
# lacks.
check "o3 blocks c" "$G" --dir "$T/o3" peers block c
blocked_c() { peer_json o3 c | grep -q '"blocked":true'; }
check "o3's daemon applies the block" wait_until 5 blocked_c
ID=$(note c case-r 6)
check "o1 and o2 get c's next event" wait_until 5 everywhere "$ID" o1 o2
check "o3 gets it too, inside a lazy relay" wait_until 5 has_event o3 "$ID"
relayed_o3() { [ "$(pushed_o3)" -gt "$P0" ]; }
check "from o1's or o2's PUSH (peers --json pushed_in)" wait_until 5 relayed_o3
eager_again() { [ "$(peer_num o1 o3 lazy_authors)" = 0 ] || [ "$(peer_num o2 o3 lazy_authors)" = 0 ]; }
check "whose relays of c's events to o3 are eager again" wait_until 5 eager_again
ID=$(note c case-r 7)
check "c's next event reaches o3 without c" wait_until 5 has_event o3 "$ID"
check "o3 unblocks c" "$G" --dir "$T/o3" peers unblock c
check "the four agree" wait_until 20 converged c o1 o2 o3

# ---- a peer that restarted ----
# c's session with o1 dies with o1's daemon, and c's next round with it is
# 10 minutes away: the hint that o1 refuses ("shake hands again") makes c
# shake hands at once and hint again.
check "o1 stops" stop_daemon o1
check "o1 restarts" start_daemon o1 --peer c --peer o2 --peer o3 --interval 600000
rounded_c() { [ "$(peer_num o1 c rounds)" -ge 1 ]; }
check "o1 has run its first round with c" wait_until 10 rounded_c
ID=$(note c case-r 8)
check "c's next event reaches o1" wait_until 5 has_event o1 "$ID"
check "after o1 asked c's old session to shake hands again" \
	grep -q "no session here (expired, or altered): asked to shake hands again" "$T/o1.log"
check "the four agree" wait_until 20 converged c o1 o2 o3

for n in c o1 o2 o3; do
	check "$n stops with exit 0" stop_daemon "$n"
done
check "no daemon refused an event or a blob, or tripped a sanitizer" clean_logs c o1 o2 o3
finish
