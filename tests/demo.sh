#!/bin/sh
# demo.sh - `make demo`: a district of 18 nodes on this machine, explained
# step by step: the centre and 17 street offices, each its own `gridcase
# run` with its own store, replicating over nng (IPC sockets).  A day of
# cases runs through the whole workflow; one office is cut off and keeps
# working; the cut heals and all 18 converge.  Every gridcase command
# that makes a step is printed before it runs ("$ gridcase ..."); the
# demo's own waiting (polling status and case show --json until a node
# holds what it should) is not.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
G="$top/gridcase"
export GRIDCASE_DATA="$top/data"
W=$(mktemp -d "${TMPDIR:-/tmp}/gridcase-demo-XXXXXX")
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	rm -rf "$W"
}
trap cleanup EXIT INT TERM
printf 'W=%s\n' "$W"

step() { printf '\n== %s\n' "$*"; }
say() { printf '   %s\n' "$*"; }
# Every command the demo runs is printed first, as one could type it:
# "$ gridcase ARGS", an argument with spaces quoted, the work directory
# as $W (set below).  show prints it on fd 3, the terminal, so that a
# command whose output is captured is shown as well.
exec 3>&1
show() { # (sh_ variables: the demo's own names are short)
	sh_line='$ gridcase'
	for sh_a in "$@"; do
		case "$sh_a" in
		"&") ;;
		*[!A-Za-z0-9_./:=,+@%-]* | "") sh_a="'$sh_a'" ;;
		esac
		sh_line="$sh_line $sh_a"
	done
	printf '%s\n' "$sh_line" | sed "s|$W|\$W|g" >&3
}
run() { show "$@"; "$G" "$@"; }
q() { show "$@"; "$G" "$@" >/dev/null; } # its output says nothing new
# cap ARGS: runs a command whose output the demo keeps (a case id).
cap() { show "$@"; "$G" "$@" 2>/dev/null; }
# On a terminal, tables fit its width even through a pipe.
if [ -t 1 ] && sh_cols=$(stty size 2>/dev/null </dev/tty | cut -d' ' -f2) && [ -n "$sh_cols" ]; then
	export COLUMNS="$sh_cols"
fi
# A time on Monday 2 March 2026, local (UTC+8, from 08:00), for GRIDCASE_NOW.
at() {
	h=${1%:*}
	export GRIDCASE_NOW="2026-03-02T$(printf '%02d' $((${h#0} - 8))):${1#*:}:00Z"
}
key_of() { "$G" --dir "$1" status --json | sed -n 's/.*"key":"\([0-9a-f]*\)".*/\1/p'; }
digest_of() { "$G" --dir "$1" status --json | sed -n 's/.*"digest":"\([0-9a-f]*\)".*/\1/p'; }
# until SECONDS CMD...: polls until CMD succeeds.
until_ok() {
	limit=$1
	shift
	end=$(($(date +%s) + limit))
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 0.2
	done
}
state_is() { # DIR CASE STATE
	"$G" --dir "$1" case show "$2" --json 2>/dev/null | grep -q "\"status\":\"$3\""
}
all_equal() {
	d0=$(digest_of "$W/centre")
	for o in $OFFICES; do
		[ "$(digest_of "$W/$o")" = "$d0" ] || return 1
	done
}

OFFICES=""
for i in $(seq 1 17); do OFFICES="$OFFICES office-$(printf '%02d' "$i")"; done

step "1. Eighteen nodes: the district centre and 17 street offices, each with its LMDB store and Ed25519 key."
at 08:00
ADMIN=$(cap admin keygen "$W/admin.key")
say "The district admin's key ($ADMIN) signs the roster; it stays off the nodes."
for n in centre $OFFICES; do
	q --dir "$W/$n" init --network xuhui --name "$n" --county 310104 --admin "$ADMIN"
done
say "18 nodes made.  The admin adds each key to the roster, with its role and address:"
run --dir "$W/centre" roster add "$(key_of "$W/centre")" --admin-key "$W/admin.key" --name centre \
	--unit centre --roles supervisor,operator,shift_lead,dispatcher --addr "ipc://$W/centre.ipc"
say "The centre's intake desk reports with a key of its own, so that the shift lead's (the node's)"
say "may register what it takes in: one key may not both report and register."
INTAKE=$(cap keygen "$W/centre/intake.key")
q --dir "$W/centre" roster add "$INTAKE" --admin-key "$W/admin.key" --name centre-intake \
	--unit hotline --roles operator
for o in $OFFICES; do
	q --dir "$W/centre" roster add "$(key_of "$W/$o")" --admin-key "$W/admin.key" --name "$o" \
		--unit "$o" --roles disposal --addr "ipc://$W/$o.ipc"
done
say "... and 17 offices.  Each office receives the signed roster once (after that it replicates):"
q --dir "$W/centre" event export --case roster -o "$W/roster.events" 2>/dev/null
for o in $OFFICES; do q --dir "$W/$o" event import "$W/roster.events"; done
q --dir "$W/centre" grid import "$top/data/district/grid.geojson"
run --dir "$W/centre" roster show | head -n 4
say "..."

step "2. Start 18 daemons: the centre pulls from everyone; each office from the centre and its two neighbours."
for i in $(seq 1 17); do
	o=office-$(printf '%02d' "$i")
	prev=office-$(printf '%02d' $(( (i + 15) % 17 + 1 )))
	next=office-$(printf '%02d' $(( i % 17 + 1 )))
	# The daemons keep the real clock: the day acted below (GRIDCASE_NOW)
	# is in their past, so nothing it signs waits for their clock.
	show --dir "$W/$o" run --peer centre --peer "$prev" --peer "$next" --interval 1000 '&'
	env -u GRIDCASE_NOW "$G" --dir "$W/$o" run --peer centre --peer "$prev" \
		--peer "$next" --interval 1000 2>"$W/$o.log" &
	PIDS="$PIDS $!"
done
show --dir "$W/centre" run --interval 1000 '&'
env -u GRIDCASE_NOW "$G" --dir "$W/centre" run --interval 1000 2>"$W/centre.log" &
PIDS="$PIDS $!"
say "$(echo $PIDS | wc -w) gridcase run processes on ipc://$W/*.ipc"
until_ok 20 sh -c "'$G' --dir '$W/centre' peers --json | grep -c '\"connected\":true' | grep -qx 17" ||
	say "(not every office connected yet)"
say "The centre sees its 17 peers connected."

step "3. 08:30-09:20 a day starts: supervisors report 34 cases and the hotline takes 17 calls; the centre dispatches."
say "Three cases per office: exposed garbage (4 h limit), a dirty road (2 h) and a hotline call (4 h),"
say "which a supervisor checks on site first.  Office-15's caller was wrong: nothing found, refused."
say "Office-03's call is about a street of office-04, but the dispatcher sends it to office-03."
# The steps are taken hour by hour across the offices: each node's clock
# only moves forward (an event is never older than its author's last).
# case_of A|B|C I: office I's case of that kind.
case_of() { eval "echo \${$1$2:-}"; }
ALL=$(seq 1 17)
at 08:30
for i in $ALL; do
	o=$(printf '%02d' "$i")
	# The centre of each office's first grid cell (data/district).
	lon="121.$(printf '%06d' $((400000 + (i - 1) % 6 * 12000 + 3000)))"
	lat="31.$(printf '%06d' $((140000 + (i - 1) / 6 * 24000 + 4000)))"
	x=$(cap --dir "$W/centre" case report --class event:06010 --lat "$lat" --lon "$lon" \
		--where "office $o, first cell" --desc "exposed garbage" --by "S-$o")
	eval "A$i=$x"
done
at 08:40
for i in $ALL; do
	o=$(printf '%02d' "$i")
	x=$(cap --dir "$W/centre" case report --class event:06012 --grid "3101040${o}001002" \
		--where "office $o, main road" --desc "road not clean" --by "S-$o")
	eval "B$i=$x"
done
at 08:50
for i in $ALL; do
	o=$(printf '%02d' "$i")
	grid="3101040${o}002001"
	[ "$i" = 3 ] && grid=310104004002002
	x=$(cap --dir "$W/centre" case report --class event:06010 --grid "$grid" --source hotline \
		--caller "139 2100 00$o" --where "Caoxi Road 88" --desc "bags of rubbish at a gate" \
		--by H-1)
	eval "C$i=$x"
done
at 08:55
for i in $ALL; do
	for x in $(case_of A "$i") $(case_of B "$i"); do
		q --dir "$W/centre" case accept "$x"
		q --dir "$W/centre" case register "$x" --urgency normal
	done
done
at 09:00
for i in $ALL; do
	q --dir "$W/centre" case dispatch "$(case_of A "$i")" --unit "office-$(printf '%02d' "$i")"
	q --dir "$W/centre" case dispatch "$(case_of B "$i")" --unit "office-$(printf '%02d' "$i")"
done
at 09:10
for i in $ALL; do
	x=$(case_of C "$i")
	if [ "$i" = 15 ]; then
		q --dir "$W/centre" case check "$x" --found no --by S-15
		q --dir "$W/centre" case refuse "$x" --reason "nothing found on site"
		C15=""
	else
		q --dir "$W/centre" case check "$x" --found yes --by "S-$(printf '%02d' "$i")"
		q --dir "$W/centre" case accept "$x"
		q --dir "$W/centre" case register "$x" --urgency normal
	fi
done
at 09:20
for i in $ALL; do
	x=$(case_of C "$i")
	[ -z "$x" ] || q --dir "$W/centre" case dispatch "$x" --unit "office-$(printf '%02d' "$i")"
done
say "50 cases dispatched; the grid placed the reports made by position in their cells.  For office-07:"
run --dir "$W/centre" case list --unit office-07
say "The dispatches replicate at once (a hint on each new event, then a pull):"
until_ok 20 state_is "$W/office-07" "$C7" dispatched && say "office-07 has its cases: dispatched."

# wait_state NODE CASE STATE: polls until the node holds the case in that state.
wait_state() { until_ok 30 state_is "$W/$1" "$2" "$3" || say "($1 has not seen $2 $3 yet)"; }
# wait_step NODE CASE TYPE: polls until the node holds a step of that type.
wait_step() {
	until_ok 30 sh -c "'$G' --dir '$W/$1' case show '$2' | grep -q ' $3 '" ||
		say "($1 has not seen the $3 of $2 yet)"
}
# dispose_feed OFFICE CASE HH:MM HH:MM WORKER
dispose_feed() {
	at "$3"
	q --dir "$W/$1" case dispose "$2" --notes "done" --by "$5"
	at "$4"
	q --dir "$W/$1" case feedback "$2" --notes "area clean" --by "$5"
}

step "4. 09:40-12:00 the offices work their cases, each on its own node; the centre verifies and closes."
say "Office-03 returns the call that is not its street; office-09 asks one more hour for its road;"
say "office-13 asks to suspend its call (a contractor is needed); office-11 is slow with its road."
for i in $ALL; do
	o=office-$(printf '%02d' "$i")
	a=$(case_of A "$i") b=$(case_of B "$i") c=$(case_of C "$i")
	for x in $a $b $c; do wait_state "$o" "$x" dispatched; done
	case $i in
	3) at 09:40; q --dir "$W/$o" case return "$c" --reason "Caoxi Road 88 is office-04's street" ;;
	9) at 09:50; q --dir "$W/$o" case postpone-request "$b" --extend 1h --reason "needs the sweeper truck" ;;
	13) at 09:50; q --dir "$W/$o" case suspend-request "$c" --reason "the gate needs a contractor" ;;
	esac
	dispose_feed "$o" "$a" 10:00 10:10 "W-$i"
	[ "$i" = 9 ] || [ "$i" = 11 ] || dispose_feed "$o" "$b" 10:20 10:30 "W-$i"
	[ -z "$c" ] || [ "$i" = 3 ] || [ "$i" = 13 ] || dispose_feed "$o" "$c" 10:40 10:50 "W-$i"
done
LATER=" $C3 $C13 $B9 $B11 "
say "11:00 the centre answers: the postponement and the suspension approved, the call re-dispatched"
say "to office-04; its supervisors verify each case fed back (office-05's garbage is still there: rework)."
at 11:00
wait_step centre "$B9" postpone-request
q --dir "$W/centre" case postpone-approve "$B9"
wait_step centre "$C13" suspend-request
q --dir "$W/centre" case suspend-approve "$C13"
wait_state centre "$C3" returned
q --dir "$W/centre" case dispatch "$C3" --unit office-04
at 11:10
DONE=""
for i in $ALL; do
	for x in $(case_of A "$i") $(case_of B "$i") $(case_of C "$i"); do
		case "$LATER" in *" $x "*) continue ;; esac
		wait_state centre "$x" fed_back
		if [ "$x" = "$A5" ]; then
			q --dir "$W/centre" case verify-fail "$x" --reason "garbage still there" --by S-05
		else
			q --dir "$W/centre" case verify-pass "$x" --by "S-$(printf '%02d' "$i")"
			DONE="$DONE $x"
		fi
	done
done
at 11:20
for x in $DONE; do q --dir "$W/centre" case close "$x"; done
say "11:30 office-04 disposes the re-dispatched call and office-05 does its rework; office-09 and"
say "office-11 feed back their roads (office-09 within its extension, office-11 past its due time)."
wait_state office-04 "$C3" dispatched
dispose_feed office-04 "$C3" 11:30 11:40 W-4
wait_state office-05 "$A5" dispatched
dispose_feed office-05 "$A5" 11:30 11:40 W-5
wait_step office-09 "$B9" postpone-approve
dispose_feed office-09 "$B9" 11:30 11:40 W-9
dispose_feed office-11 "$B11" 11:30 11:40 W-11
at 11:50
for x in $C3 $A5 $B9 $B11; do
	wait_state centre "$x" fed_back
	q --dir "$W/centre" case verify-pass "$x" --by S-00
done
at 11:55
for x in $C3 $A5 $B9 $B11; do q --dir "$W/centre" case close "$x"; done
say "By noon 48 cases are closed, one refused, one suspended:"
run --dir "$W/centre" case list --state suspended
say "One case's whole life, as office-07 holds it, signed by the centre's intake desk, the centre's"
say "key and office-07's:"
wait_state office-07 "$A7" closed
run --dir "$W/office-07" case show "$A7" | sed -n '1,2p;/^  due/p;/^  closed/p;/^history/,$p'

step "5. 13:00 office-07 is cut off from the network (its links to the centre and both neighbours)."
at 13:00
c8=$(cap --dir "$W/centre" case report --class event:06012 --grid 310104007001003 \
	--where "Lane 12 Tianlin Road" --desc "road not clean" --by S-07)
q --dir "$W/centre" case accept "$c8"
q --dir "$W/centre" case register "$c8" --urgency normal
q --dir "$W/centre" case dispatch "$c8" --unit office-07
until_ok 20 state_is "$W/office-07" "$c8" dispatched
for p in centre office-06 office-08; do run --dir "$W/office-07" peers block "$p"; done
sleep 2
say "Offline, office-07 keeps working: it records disposal and feeds back."
at 14:00
run --dir "$W/office-07" case feedback "$c8" --notes "cleaned before the cut was noticed" --by W-7
say "Meanwhile the centre, not knowing, cancels that case as a duplicate (a conflict in the making),"
run --dir "$W/centre" case cancel "$c8" --reason "duplicate of an older report"
say "and keeps dispatching new work to office-07:"
at 14:10
c9=$(cap --dir "$W/centre" case report --class event:06010 --grid 310104007002001 \
	--where "Caoxi Road 88" --desc "exposed garbage" --by S-07)
q --dir "$W/centre" case accept "$c9"
q --dir "$W/centre" case register "$c9" --urgency urgent
q --dir "$W/centre" case dispatch "$c9" --unit office-07
sleep 2
if state_is "$W/office-07" "$c9" dispatched; then say "(it arrived anyway?)"; else say "office-07 has not received it: it is cut off."; fi
say "The centre's replication table shows the cut (office-07 refuses it; the others are up to date):"
run --dir "$W/centre" peers | sed -n '1,3p;/office-07/p;/office-08/p'

step "6. 15:00 the cut heals."
for p in centre office-06 office-08; do q --dir "$W/office-07" peers unblock "$p"; done
if until_ok 60 all_equal; then say "All 18 digests are equal:"; else say "(not converged within 60 s)"; fi
for n in centre $OFFICES; do printf '   %-10s %s\n' "$n" "$(digest_of "$W/$n")"; done
say "The dispatch made during the cut reached office-07:"
run --dir "$W/office-07" case list --unit office-07 --state dispatched
say "Both sides of the race are kept, and the conflict is visible everywhere:"
run --dir "$W/office-07" conflicts
CID=$(cap --dir "$W/centre" conflicts --case "$c8" --json | sed -n 's/.*"id":"\([0-9a-f]*\)".*/\1/p')
at 15:10
say "The shift lead resolves it with a signed event naming both conflicting events:"
run --dir "$W/centre" case resolve "$c8" --conflict "$CID"
until_ok 30 all_equal
run --dir "$W/office-12" conflicts --all

step "7. The replication table of the centre, and of office-07."
run --dir "$W/centre" peers | head -n 8
say "..."
run --dir "$W/office-07" peers

step "8. The evaluation of the day, by office (named from the centre's grid), from the signed events alone."
run --dir "$W/centre" eval --from 2026-03-02 --to 2026-03-03 --by office

step "9. Every node re-checks its log; then the daemons stop (SIGTERM)."
bad=0
for n in centre $OFFICES; do q --dir "$W/$n" verify || bad=$((bad + 1)); done
say "18 nodes verified, $bad with problems."
for p in $PIDS; do kill "$p"; done
for p in $PIDS; do wait "$p" || true; done
PIDS=""
left=$(pgrep -f "gridcase --dir $W" || true)
[ -z "$left" ] && say "All 18 daemons stopped; no process left behind."
echo
echo "demo finished"
