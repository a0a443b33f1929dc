#!/bin/sh
# demo.sh - `make demo`: a district of 18 nodes on this machine, explained
# step by step: the centre and 17 street offices, each its own `gridcase
# run` with its own store, replicating over nng (IPC sockets).  A day of
# cases runs through the whole workflow; one office is cut off and keeps
# working; the cut heals and all 18 converge.
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

step() { printf '\n== %s\n' "$*"; }
say() { printf '   %s\n' "$*"; }
run() { printf '$ gridcase %s\n' "$*"; "$G" "$@"; }
q() { "$G" "$@" >/dev/null; } # a step whose output says nothing new
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
ADMIN=$("$G" admin keygen "$W/admin.key")
say "The district admin's key ($ADMIN) signs the roster; it stays off the nodes."
for n in centre $OFFICES; do
	q --dir "$W/$n" init --network xuhui --name "$n" --county 310104 --admin "$ADMIN"
done
say "18 nodes made.  The admin adds each key to the roster, with its role and address:"
run --dir "$W/centre" roster add "$(key_of "$W/centre")" --admin-key "$W/admin.key" --name centre \
	--unit centre --roles supervisor,operator,shift_lead,dispatcher --addr "ipc://$W/centre.ipc"
for o in $OFFICES; do
	q --dir "$W/centre" roster add "$(key_of "$W/$o")" --admin-key "$W/admin.key" --name "$o" \
		--unit "$o" --roles disposal --addr "ipc://$W/$o.ipc"
done
say "... and 17 offices.  Each office receives the signed roster once (after that it replicates):"
"$G" --dir "$W/centre" event export --case roster -o "$W/roster.events" 2>/dev/null
for o in $OFFICES; do q --dir "$W/$o" event import "$W/roster.events"; done
q --dir "$W/centre" grid import "$top/data/district/grid.geojson"
run --dir "$W/centre" roster show | head -n 4
say "..."

step "2. Start 18 daemons: the centre pulls from everyone; each office from the centre and its two neighbours."
for i in $(seq 1 17); do
	o=office-$(printf '%02d' "$i")
	prev=office-$(printf '%02d' $(( (i + 15) % 17 + 1 )))
	next=office-$(printf '%02d' $(( i % 17 + 1 )))
	"$G" --dir "$W/$o" run --peer centre --peer "$prev" --peer "$next" --interval 1000 \
		2>"$W/$o.log" &
	PIDS="$PIDS $!"
done
"$G" --dir "$W/centre" run --interval 1000 2>"$W/centre.log" &
PIDS="$PIDS $!"
say "$(echo $PIDS | wc -w) gridcase run processes on ipc://$W/*.ipc"
until_ok 20 sh -c "'$G' --dir '$W/centre' peers --json | grep -c '\"connected\":true' | grep -qx 17" ||
	say "(not every office connected yet)"
say "The centre sees its 17 peers connected."

step "3. 08:30-09:00 a day starts: supervisors report 17 cases, one per office; the centre accepts, registers, dispatches."
CASES=""
for i in $(seq 1 17); do
	o=$(printf '%02d' "$i")
	# The cell centre of each office's first grid cell (data/district).
	col=$(( (i - 1) % 6 ))
	row=$(( (i - 1) / 6 ))
	lon="121.$(printf '%06d' $((400000 + col * 12000 + 3000)))"
	lat="31.$(printf '%06d' $((140000 + row * 24000 + 4000)))"
	at 08:30
	c=$("$G" --dir "$W/centre" case report --class event:06010 --lat "$lat" --lon "$lon" \
		--where "office $o, first cell" --desc "exposed garbage" --by "S-$o" 2>/dev/null)
	at 08:45
	q --dir "$W/centre" case accept "$c"
	q --dir "$W/centre" case register "$c" --urgency normal
	at 09:00
	q --dir "$W/centre" case dispatch "$c" --unit "office-$o"
	CASES="$CASES $c"
done
C7=$(echo $CASES | cut -d' ' -f7)
say "17 cases dispatched; the grid placed each in its office's cell.  For office-07:"
run --dir "$W/centre" case list --unit office-07
say "The dispatches replicate at once (a hint on each new event, then a pull):"
until_ok 20 state_is "$W/office-07" "$C7" dispatched && say "office-07 has its case: dispatched."

step "4. 10:00-11:00 the offices dispose and feed back, each on its own node; the centre verifies and closes."
i=0
for c in $CASES; do
	i=$((i + 1))
	o=office-$(printf '%02d' "$i")
	until_ok 20 state_is "$W/$o" "$c" dispatched || say "($o has not received $c yet)"
	at 10:00
	q --dir "$W/$o" case dispose "$c" --notes "swept" --by "W-$i"
	at 10:30
	q --dir "$W/$o" case feedback "$c" --notes "area clean" --by "W-$i"
done
for c in $CASES; do
	until_ok 20 state_is "$W/centre" "$c" fed_back || say "(the centre has not heard of $c yet)"
	at 11:00
	q --dir "$W/centre" case verify-pass "$c" --by S-00
	at 11:10
	q --dir "$W/centre" case close "$c"
done
say "One case's whole life, as office-07 holds it (signed by three keys):"
until_ok 20 state_is "$W/office-07" "$C7" closed
run --dir "$W/office-07" case show "$C7" | sed -n '1,2p;/^  due/p;/^  closed/p;/^history/,$p' | cut -c1-110

step "5. 13:00 office-07 is cut off from the network (its links to the centre and both neighbours)."
at 13:00
c8=$("$G" --dir "$W/centre" case report --class event:06012 --grid 310104007001003 \
	--where "Lane 12 Tianlin Road" --desc "road not clean" --by S-07 2>/dev/null)
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
c9=$("$G" --dir "$W/centre" case report --class event:06010 --grid 310104007002001 \
	--where "Caoxi Road 88" --desc "exposed garbage" --by S-07 2>/dev/null)
q --dir "$W/centre" case accept "$c9"
q --dir "$W/centre" case register "$c9" --urgency urgent
run --dir "$W/centre" case dispatch "$c9" --unit office-07 >/dev/null
sleep 2
if state_is "$W/office-07" "$c9" dispatched; then say "(it arrived anyway?)"; else say "office-07 has not received it: it is cut off."; fi
say "The centre's replication table shows the cut (office-07 refuses; the others are up to date):"
run --dir "$W/centre" peers | sed -n '1,3p;/office-07/p;/office-08/p' | cut -c1-150

step "6. 15:00 the cut heals."
for p in centre office-06 office-08; do q --dir "$W/office-07" peers unblock "$p"; done
if until_ok 60 all_equal; then say "All 18 digests are equal:"; else say "(not converged within 60 s)"; fi
for n in centre $OFFICES; do printf '   %-10s %s\n' "$n" "$(digest_of "$W/$n")"; done
say "The dispatch made during the cut reached office-07:"
run --dir "$W/office-07" case list --unit office-07 --state dispatched
say "Both sides of the race are kept, and the conflict is visible everywhere:"
run --dir "$W/office-07" conflicts
CID=$("$G" --dir "$W/centre" conflicts --case "$c8" --json | sed -n 's/.*"id":"\([0-9a-f]*\)".*/\1/p')
at 15:10
say "The shift lead resolves it with a signed event naming both conflicting events:"
run --dir "$W/centre" case resolve "$c8" --conflict "$CID" >/dev/null
until_ok 30 all_equal
run --dir "$W/office-12" conflicts --all

step "7. The replication table of the centre, and of office-07."
run --dir "$W/centre" peers | head -n 8 | cut -c1-150
say "..."
run --dir "$W/office-07" peers | cut -c1-150

step "8. The evaluation of the day, by office (named from the centre's grid), from the signed events alone."
run --dir "$W/centre" eval --from 2026-03-02 --to 2026-03-03 --by office

step "9. Every node re-checks its log; then the daemons stop (SIGTERM)."
bad=0
for n in centre $OFFICES; do "$G" --dir "$W/$n" verify >/dev/null || bad=$((bad + 1)); done
say "18 nodes verified, $bad with problems."
for p in $PIDS; do kill "$p"; done
for p in $PIDS; do wait "$p" || true; done
PIDS=""
left=$(pgrep -f "gridcase --dir $W" || true)
[ -z "$left" ] && say "All 18 daemons stopped; no process left behind."
echo
echo "demo finished"
