# insider.sh - what one key can do to a district, and what it cannot.
#
# A district of four nodes on loopback: the centre, two offices, and
# "mole", a member's node that an attacker controls.  The attacker holds
# valid member keys and makes events no honest node would make
# (tests/tools/evil.c forges them, and plants them in mole's store so that
# mole's real daemon serves them like any event).  An admin also works
# from a node that has not seen the latest roster, with several admin
# keys, and with an old copy of a key file.  After each attack every
# honest node must converge to the same digest, refuse or exclude the
# offending events with a named reason, and go on accepting roster
# changes and case work (docs/protocol.md, the threat table).

# shellcheck disable=SC2086,SC2154
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl_lib.inc"

EVIL=${GRIDCASE_TOOLS}/evil
HONEST="centre o1 o2"
check "a district of four nodes, one of them the attacker's" district centre o1 o2 mole

# keygen NAME: a member key file $T/NAME.key; prints its public key.
keygen() {
	"$G" keygen "$T/$1.key"
}
# member NAME KEY ROLES: the admin enrols a key on the centre.
member() {
	"$G" --dir "$T/centre" roster add "$2" --admin-key "$T/admin.key" \
		--name "$1" --unit "$1" --roles "$3" > /dev/null
}
# converged_honest: the honest nodes hold the same log and views.
converged_honest() {
	cv_d=$(digest "$T/centre")
	for cv_n in o1 o2; do
		[ "$(digest "$T/$cv_n")" = "$cv_d" ] || return 1
	done
}
# logged NAME PATTERN: NAME's daemon log says it.
logged() {
	grep -qE -- "$2" "$T/$1.log"
}
# on NAME ARGS...: gridcase on a node.
on() {
	on_n=$1
	shift
	"$G" --dir "$T/$on_n" "$@"
}
has_member() {
	on "$1" roster show | grep -q " $2 "
}
# sees_blocked A B: A's daemon has applied a block of B (it re-reads its
# blocks each second), or does not have B as a peer.
sees_blocked() {
	on "$1" peers --json > "$T/peers.json" || return 1
	grep -q "\"name\":\"$2\"" "$T/peers.json" || return 0
	grep -q "\"name\":\"$2\",\"addr\":\"[^\"]*\",\"connected\":[a-z]*,\"blocked\":true" "$T/peers.json"
}
# cut HOW A B...: A blocks (or unblocks) each B and each B blocks A; a
# block waits until the daemons have applied it, so that what is written
# next cannot slip through a round already under way.
cut() {
	cut_how=$1
	cut_a=$2
	shift 2
	for cut_b in "$@"; do
		on "$cut_a" peers "$cut_how" "$cut_b" > /dev/null
		on "$cut_b" peers "$cut_how" "$cut_a" > /dev/null
	done
	[ "$cut_how" = block ] || return 0
	for cut_b in "$@"; do
		wait_until 10 sees_blocked "$cut_a" "$cut_b" &&
			wait_until 10 sees_blocked "$cut_b" "$cut_a" || return 1
	done
}

# Attacker keys: ordinary members of the district (disposal only).
for x in x1 x2 x3 x4 x5; do
	eval "K_$x=$(keygen $x)"
	eval "member $x \$K_$x disposal"
done
# And one that may both report and register (an operator and shift lead).
K_x6=$(keygen x6)
member x6 "$K_x6" operator,shift_lead
check "the attacker's keys are members" has_member centre x5
check "the centre's intake desk" intake "$T/centre" "$T/centre"
for n in o1 o2 mole; do
	share_roster "$T/centre" "$T/$n"
done

# A real case for the attacks to aim at, reported by the centre's intake
# desk and registered by the centre (its key holds every role).
C=$(on centre case report --class event:06010 --grid 310104001002003 --where gate --desc garbage | tail -n 1)
check "the centre reports a case" test -n "$C"
check "accepts it" on centre case accept "$C"
check "and registers it" on centre case register "$C" --urgency normal
share_case() {
	on centre event export -o "$T/all.events" 2>/dev/null &&
		on "$1" event import "$T/all.events" > /dev/null
}
share_case mole

# ---- the attacks, planted in mole's store ----
forge() {
	"$EVIL" forge "$T/mole" "$@"
}
: > "$T/planted"
# 1. A disposal member writes the roster: no admin, refused everywhere.
forge "$T/x1.key" roster member.add \
	"{\"addrs\":[],\"key\":\"$K_x1\",\"name\":\"x1\",\"roles\":[\"admin\"],\"unit\":\"x1\"}" \
	> "$T/x1.event"
check "x1 forges a roster change" test -s "$T/x1.event"
cat "$T/x1.event" >> "$T/planted"
# 2. A counter pushed to the end of time, on the centre's case and on
#    the roster.
check "x2 forges a step with lamport 2^63-1" sh -c \
	"'$EVIL' forge '$T/mole' '$T/x2.key' '$C' dispose '{\"notes\":\"n\"}' --lamport 9223372036854775807 > '$T/x2.event'"
cat "$T/x2.event" >> "$T/planted"
# 3. A time in 2099 on the case.
check "x3 forges a step dated 2099" sh -c \
	"'$EVIL' forge '$T/mole' '$T/x3.key' '$C' dispose '{\"notes\":\"n\"}' --time 4070908800000 > '$T/x3.event'"
cat "$T/x3.event" >> "$T/planted"
check "mole's store takes the forgeries, unchecked" "$EVIL" plant "$T/mole" "$T/planted"

for n in $HONEST mole; do
	check "$n's daemon starts" start_daemon "$n" --interval 300
done
check "the honest nodes converge despite the forgeries" wait_until 30 converged_honest
check "the roster write of a disposal key is refused, named" \
	wait_until 20 logged o1 "only admin keys may change the roster"
check "the lamport of 2^63-1 is refused, named" \
	wait_until 20 logged o2 "lamport 9223372036854775807, but the events it follows reach"
X3=$("$EVIL" ids "$T/x3.event")
waits_future() {
	on "$1" repl status | grep -q "waits for this node's clock"
}
check "the event dated 2099 waits on the centre, shown in repl status" wait_until 20 waits_future centre
check_out "repl status --json names it as future" '"waits_for":"future"' on centre repl status --json
check "it is not in the centre's log" lacks centre "$X3"

# The case is not frozen: the centre dispatches, the office feeds back.
check "the centre dispatches the attacked case" on centre case dispatch "$C" --unit o1
has_state() {
	on "$1" case show "$C" --json | grep -q "\"status\":\"$2\""
}
check "the dispatch reaches o1" wait_until 20 has_state o1 dispatched
check "o1 disposes of it" on o1 --key "$T/o1/node.key" case dispose "$C" --notes done
check "o1 feeds back" on o1 case feedback "$C" --notes done
check "the feedback reaches the centre" wait_until 20 has_state centre fed_back
# The centre's own clock did not jump to 2099 with what it received.
LAST=$(on centre log --author "$(key_of centre)" --json | sed -n 's/.*"time":"\([0-9]\{4\}\)-.*/\1/p' | sort | tail -n 1)
check "the centre's own events are not dated 2099" test "$LAST" != 2099
# The roster is not frozen either: the admin adds a member.
KNEW=$(keygen newcomer)
check "the admin adds a member after the attack" member newcomer "$KNEW" supervisor
check "the roster change reaches every honest node" wait_until 20 has_member o2 newcomer
check "the honest nodes converge again" wait_until 30 converged_honest

# ---- a node refuses to sign what its roster forbids ----
D0=$(digest "$T/o2")
STRANGER=$(keygen stranger)
check_err 1 "a key no roster names cannot sign" "not in this node's roster" \
	on o2 --key "$T/stranger.key" event add --case "$C" --type note --body '{}'
check_err 1 "a disposal key cannot register" "needs one of" \
	on o2 --key "$T/x4.key" case register "$C"
check_err 1 "a disposal key cannot write the roster" "no admin" \
	on o2 --key "$T/x4.key" event add --case roster --type member.add --body '{}'
check "nothing was written" test "$(digest "$T/o2")" = "$D0"

# ---- a step on a case id that was never reported ----
check "the centre signs a dispatch on an id never reported" \
	on centre event add --case 20260101-ghostghz --type dispatch --body '{"unit":"o1"}'
is_ghost() {
	on "$1" conflicts | grep -q "20260101-ghostghz .*ghost-case"
}
check "it makes no case anywhere, and is named in conflicts" wait_until 20 is_ghost o2
check "case list does not show it" sh -c "! '$G' --dir '$T/o2' case list | grep -q ghostghz"
check_out "status counts it as a ghost" "ghosts +1 case id" on o2 status
check "the honest nodes converge" wait_until 30 converged_honest

# ---- a key that registers the case it reported (监管分离) ----
# x6 reports and accepts a case on mole; mole's node refuses to let the
# same key register it, so the attacker signs the registration outside
# and mole serves it.  Every honest node keeps it as evidence, applies it
# nowhere and lists it as a separation conflict; the centre's own key
# registers the case.
CX=$(on mole --key "$T/x6.key" case report --class event:06010 --grid 310104001002003 \
	--where gate --desc "x6's own" | tail -n 1)
check "x6 reports a case on mole" test -n "$CX"
check "and accepts it" on mole --key "$T/x6.key" case accept "$CX"
check_err 1 "mole's node will not sign x6's registration of it, naming the rule" \
	"the key that reported case $CX may not register it" \
	on mole --key "$T/x6.key" case register "$CX" --urgency normal
"$EVIL" forge "$T/mole" "$T/x6.key" "$CX" register '{"urgency":"normal","limit":"4h"}' > "$T/x6.event"
REG=$("$EVIL" ids "$T/x6.event")
check "x6 signs it anyway, and mole serves it" "$EVIL" plant "$T/mole" "$T/x6.event"
self_registered() { # NODE: holds x6's registration, lists the conflict
	has_event "$1" "$REG" && on "$1" conflicts --case "$CX" | grep -q "^$CX .*separation"
}
for n in $HONEST; do
	check "$n keeps x6's registration and lists a separation conflict" \
		wait_until 30 self_registered "$n"
	check_out "on $n the case is still accepted" '"status":"accepted"' on "$n" case show "$CX" --json
done
check "the centre's own key registers it" on centre case register "$CX" --urgency normal
check "the registration reaches o2" wait_until 20 sh -c \
	"'$G' --dir '$T/o2' case show '$CX' --json | grep -q '\"status\":\"registered\"'"
check "the honest nodes converge" wait_until 30 converged_honest

# ---- a key that signs twelve versions of one event ----
# x4's phone signs twelve different events as its first.  Each honest
# node is handed several, in a different order (as if from twelve
# devices), while the nodes are cut off from one another; mole serves
# yet another.  When they heal, every honest node holds a two-version
# proof, cuts x4 at seq 1, and agrees; the others' work goes on.
block_all() {
	cut "$1" centre o1 o2 mole && cut "$1" o1 o2 mole && cut "$1" o2 mole
}
check "every node is cut off from the others" block_all block
: > "$T/x4-all"
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
	"$EVIL" forge "$T/mole" "$T/x4.key" "$C" feedback "{\"notes\":\"version $i\"}" \
		--seq 1 --prev - > "$T/x4-$i.event"
done
cat "$T/x4-1.event" "$T/x4-2.event" "$T/x4-3.event" "$T/x4-4.event" "$T/x4-5.event" > "$T/to-o1"
cat "$T/x4-12.event" "$T/x4-11.event" "$T/x4-10.event" "$T/x4-9.event" "$T/x4-8.event" > "$T/to-o2"
cat "$T/x4-6.event" "$T/x4-7.event" "$T/x4-1.event" "$T/x4-12.event" > "$T/to-centre"
check "o1 is handed five versions" on o1 event import "$T/to-o1"
check "o2 five others" on o2 event import "$T/to-o2"
check "the centre four" on centre event import "$T/to-centre"
check "mole serves another" "$EVIL" plant "$T/mole" "$T/x4-3.event"
C2=$(on centre case report --class event:06010 --grid 310104001002003 --where gate --desc "after the fork" | tail -n 1)
block_all unblock
forked_x4() {
	on "$1" status --json | grep -q "\"author\":\"$K_x4\",\"name\":\"x4\",\"seq\":1,\"versions\":2"
}
check "every honest node keeps a two-version proof of x4's fork" wait_until 30 sh -c \
	"for n in $HONEST; do '$G' --dir '$T/'\$n status --json | grep -q '\"author\":\"$K_x4\",\"name\":\"x4\",\"seq\":1,\"versions\":2' || exit 1; done"
check_out "repl status shows the fork to the admin" "x4 .*signed 2 versions of its event 1" on o1 repl status
check "the honest nodes converge despite twelve versions" wait_until 30 converged_honest
has_case() {
	on "$1" case show "$2" > /dev/null 2>&1
}
check "a case reported meanwhile reaches every node" wait_until 20 has_case o2 "$C2"

# ---- a revocation that arrives after the revoked key's events ----
# x5 signs three steps on mole; o1 takes them from mole; the centre is cut
# off from mole and o1, and there the admin revokes x5 after its seq 1.
# When all heal, everyone keeps the events and excludes seq 2 and 3.
for i in 1 2 3; do
	"$EVIL" forge "$T/mole" "$T/x5.key" "$C" dispose "{\"notes\":\"x5 $i\"}" > "$T/x5-$i.event"
	"$EVIL" plant "$T/mole" "$T/x5-$i.event" > /dev/null
done
X5_3=$("$EVIL" ids "$T/x5-3.event")
check "o1 and mole are cut off from the centre and o2" \
	cut block centre o1 mole
check "(both ways)" cut block o2 o1 mole
check "o1 takes x5's three events from mole" wait_until 20 has_event o1 "$X5_3"
check "the admin revokes x5 after seq 1, on the centre" \
	on centre roster revoke "$K_x5" --admin-key "$T/admin.key" --last-seq 1 --reason "lost phone"
cut unblock centre o1 mole
cut unblock o2 o1 mole
check "every honest node ends with x5's seq 3 kept" wait_until 30 has_event centre "$X5_3"
check "and the same digest" wait_until 30 converged_honest
check_out "the case names x5's later events as signed by a revoked key" "revoked-key" \
	on o2 conflicts --case "$C"
revoked_rows() {
	on "$1" conflicts --case "$C" | grep -c "revoked-key"
}
check "x5's two later steps, and only they, are excluded" test "$(revoked_rows o2)" -eq 2

# ---- the admin on a stale node, several admin keys, rotation ----
# o2 is cut off; the admin adds y1 on the centre, then y2 on o2, which has
# not seen y1: the admin key file carries the roster, so the chain goes on.
check "o2 is cut off" cut block o2 centre o1 mole
KY1=$(keygen y1)
KY2=$(keygen y2)
check "the admin adds y1 on the centre" member y1 "$KY1" supervisor
check "and y2 on o2, which has not seen y1" \
	on o2 roster add "$KY2" --admin-key "$T/admin.key" --name y2 --unit y2 --roles supervisor
cut unblock o2 centre o1 mole
check "both changes reach every node" wait_until 20 sh -c \
	"'$G' --dir '$T/o1' roster show | grep -q ' y1 ' && '$G' --dir '$T/o1' roster show | grep -q ' y2 '"
no_fork() {
	! on "$1" status --json | grep -q "\"author\":\"$ADMIN\",\"name\""
}
check "the admin key did not fork" no_fork o1
check "the honest nodes converge" wait_until 30 converged_honest

# A second admin key, made by the genesis admin; a third made by it.
ADMIN2=$("$G" admin keygen "$T/admin2.key")
check "the admin makes a second admin key" member admin2 "$ADMIN2" admin
ADMIN3=$("$G" admin keygen "$T/admin3.key")
check "the second makes a third" on centre roster add "$ADMIN3" \
	--admin-key "$T/admin2.key" --name admin3 --unit admin3 --roles admin
check_out "ranks follow who made whom" "admin3 .*admin rank 2" on centre roster show
# Concurrent changes by two admin keys on two cut-off nodes merge.
check "o1 is cut off" cut block o1 centre o2
share_roster "$T/centre" "$T/o1"
KZ1=$(keygen z1)
KZ2=$(keygen z2)
check "admin2 adds z1 on o1" on o1 roster add "$KZ1" --admin-key "$T/admin2.key" \
	--name z1 --unit z1 --roles disposal
check "meanwhile the genesis admin adds z2 on the centre" member z2 "$KZ2" disposal
cut unblock o1 centre o2
check "both reach every node" wait_until 20 sh -c \
	"'$G' --dir '$T/o2' roster show | grep -q ' z1 ' && '$G' --dir '$T/o2' roster show | grep -q ' z2 '"
check "the honest nodes converge" wait_until 30 converged_honest
# A junior cannot revoke its senior; the senior can revoke the junior.
check_err 1 "admin3 may not revoke admin2, its senior" "as senior as this key or more" \
	on centre roster revoke "$ADMIN2" --admin-key "$T/admin3.key" --last-seq 0

# Losing a laptop: an old copy of admin2's key file signs on o2, which has
# not seen admin2's latest change: admin2 forks, its changes from the fork
# on count for nothing, and admin3 (made before) still changes the roster.
cp "$T/admin2.key" "$T/admin2-old.key"
check "o2 is cut off" cut block o2 centre o1 mole
KW1=$(keygen w1)
KW2=$(keygen w2)
check "admin2 adds w1 on the centre" on centre roster add "$KW1" --admin-key "$T/admin2.key" \
	--name w1 --unit w1 --roles disposal
check "an old copy of admin2's key file adds w2 on o2" on o2 roster add "$KW2" \
	--admin-key "$T/admin2-old.key" --name w2 --unit w2 --roles disposal
cut unblock o2 centre o1 mole
# (x4's fork may be listed first: forks are in key order.)
check "every honest node sees admin2's fork" wait_until 30 sh -c \
	"'$G' --dir '$T/centre' status --json | grep -q '{\"author\":\"$ADMIN2\",\"name\"' && \
	 '$G' --dir '$T/o1' status --json | grep -q '{\"author\":\"$ADMIN2\",\"name\"'"
check "the honest nodes converge" wait_until 30 converged_honest
check_out "roster show names the void changes" "its author forked at or before it" \
	on o1 roster show
check_err 1 "admin2 is told what happened, in an admin's terms" "two copies of its key file" \
	on centre roster add "$(keygen w3)" --admin-key "$T/admin2.key" --name w3 --unit w3 --roles disposal
KV=$(keygen v1)
check "admin3 still changes the roster" on centre roster add "$KV" --admin-key "$T/admin3.key" \
	--name v1 --unit v1 --roles disposal
check "its change reaches every node" wait_until 20 has_member o2 v1

# Rotation: the genesis admin revokes itself; admin3 goes on.
GEN_SEQ=$(on centre status --json | sed -n "s/.*\"author\":\"$ADMIN\",\"seq\":\([0-9]*\).*/\1/p")
check "the genesis admin revokes itself (rotation)" on centre roster revoke "$ADMIN" \
	--admin-key "$T/admin.key" --last-seq "$((GEN_SEQ + 1))" --reason rotated
check_err 1 "the retired genesis key may sign no more" "revoked" \
	member retired "$(keygen r1)" disposal
KV2=$(keygen v2)
check "admin3 adds a member after the rotation" on o1 roster add "$KV2" \
	--admin-key "$T/admin3.key" --name v2 --unit v2 --roles disposal
check "it reaches every node" wait_until 20 has_member centre v2
check "the honest nodes converge at last" wait_until 30 converged_honest

for n in $HONEST mole; do
	check "$n's daemon stops cleanly" stop_daemon "$n"
done
for n in $HONEST; do
	check_out "verify passes on $n" ": ok$" on "$n" verify
done
finish
