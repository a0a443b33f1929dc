# audit_races.sh - a month with races, recomputed by the independent
# reader.  A centre, the shift lead's laptop and three office devices
# work on separate node directories and meet only through event export
# and import, so their steps cross: a feedback while the case was sent
# elsewhere (a), two dispatches (b), a reopen and a close (c), two edits
# of one field (d), a postponement approved while the case closed (f),
# an unauthorized step (g), a self-verification from another node (h),
# a cancel while the office fed back (`concurrent`), two verifications
# at once, a revoked key's step, a step judged by the roster its author
# saw, and a forked key.  `gridcase conflicts` must list
# them; the month is closed and exported, and
# tests/interop/audit_verify.py, which replays docs/workflow.md §4 on
# its own, must agree with every figure, as `audit verify` does; a
# well-signed figure raised by one is still named.
. "$(dirname "$0")/lib.sh"

: "${GRIDCASE_TOOLS:=$(pwd)/build-san/tools}"
EVIL=$GRIDCASE_TOOLS/evil
TAMPER=$GRIDCASE_TOOLS/tamper_bundle
AUDIT_PY="$(pwd)/tests/interop/audit_verify.py"
GRID=${GRIDCASE_DATA:-data}/district/grid.geojson
C="$T/centre"   # operator, shift lead, dispatcher; the patrol keys sign here
L="$T/laptop"   # the shift lead's laptop: a second centre node
O1="$T/office1" # office-01
O2="$T/office2" # office-02
F="$T/field"    # an office-01 field device that also patrols

export GRIDCASE_NOW=2026-02-27T01:00:00Z
check "the district's admin key" admin_setup
for n in centre laptop office1 office2 field; do
	check "init $n" "$G" --dir "$T/$n" init --network xuhui --name "$n" \
		--county 310104 --admin "$ADMIN"
done
check "the centre is a member" enrol "$C" "$C" centre centre operator,shift_lead,dispatcher
check "the laptop is a member" enrol "$C" "$L" laptop centre operator,shift_lead,dispatcher
check "office-01 is a member" enrol "$C" "$O1" office-01 office-01 disposal
check "office-02 is a member" enrol "$C" "$O2" office-02 office-02 disposal
check "the field device is a member" enrol "$C" "$F" field-01 office-01 disposal,supervisor
for p in patrol-1 patrol-2; do
	"$G" --dir "$C" keygen "$T/$p.key" > "$T/$p.pub"
	check "$p's key is a member" "$G" --dir "$C" roster add "$(cat "$T/$p.pub")" \
		--admin-key "$T/admin.key" --name "$p" --unit centre --roles supervisor
done
for n in laptop office1 office2 field; do
	check "the roster reaches $n" share_roster "$C" "$T/$n"
done
for n in centre laptop office1 office2 field; do
	check "the grid imports on $n" "$G" --dir "$T/$n" grid import "$GRID"
done

on() { # DIR TIME ARGS...
	on_d=$1
	on_t=$2
	shift 2
	GRIDCASE_NOW=$on_t "$G" --dir "$on_d" "$@"
}
# sync FROM TO: every event FROM holds travels to TO (late in the month:
# a node keeps an event dated ahead of its clock waiting).
sync() {
	"$G" --dir "$1" event export 2>/dev/null |
		GRIDCASE_NOW=2026-03-31T15:00:00Z "$G" --dir "$2" event import - > /dev/null
}
# intake DAY HOUR GRID [UNIT]: a patrol report, accepted and registered by
# the centre (another key than the reporter's), dispatched to UNIT, and
# known everywhere.  Every key's steps go forward in time: a step is never
# dated before the steps it follows.
intake() {
	t="2026-03-$1T$2"
	ic=$(on "$C" "$t:00:00Z" --key "$T/patrol-1.key" case report \
		--class event:06010 --grid "$3" --where here --desc rubbish 2>/dev/null) &&
		on "$C" "$t:05:00Z" case accept "$ic" > /dev/null &&
		on "$C" "$t:10:00Z" case register "$ic" --urgency normal > /dev/null || return 1
	if [ -n "${4:-}" ]; then
		on "$C" "$t:15:00Z" case dispatch "$ic" --unit "$4" > /dev/null || return 1
	fi
	for n in laptop office1 office2 field; do
		sync "$C" "$T/$n" || return 1
	done
	echo "$ic"
}
# conflict_of CASE KIND: the id of the case's conflict of that kind.
conflict_of() {
	"$G" --dir "$C" conflicts --case "$1" --all 2>/dev/null | awk -v k="$2" '$3 == k {print $2; exit}'
}

# (a) office-01 returns A; the centre sends it to office-02; the field
# device, which never saw the return, disposes and feeds back.
A=$(intake 02 01 310104001001001 office-01) || echo "intake A failed"
check "a: office-01 returns" on "$O1" 2026-03-02T02:00:00Z case return "$A" --reason "not ours"
check "a: the return reaches the centre" sync "$O1" "$C"
check "a: the centre re-dispatches" on "$C" 2026-03-02T03:00:00Z case dispatch "$A" --unit office-02
check "a: the field device disposes" on "$F" 2026-03-02T03:30:00Z case dispose "$A" --notes swept
check "a: and feeds back" on "$F" 2026-03-02T04:00:00Z case feedback "$A" --notes finished
check "a: the field device's work reaches the centre" sync "$F" "$C"

# (b) the centre and the laptop dispatch B at once; the first in replay
# order stands, and a resolution names the other unit, which disposes.
B=$(intake 02 05 310104001001002) || echo "intake B failed"
check "b: the centre dispatches" on "$C" 2026-03-02T05:30:00Z case dispatch "$B" --unit office-01
check "b: the laptop dispatches" on "$L" 2026-03-02T05:35:00Z case dispatch "$B" --unit office-02
check "b: the laptop's dispatch reaches the centre" sync "$L" "$C"
bid=$(conflict_of "$B" double-dispatch)
check "b: the double dispatch is a conflict" test -n "$bid"
if "$G" --dir "$C" case show "$B" --json | grep -q '"unit":"office-01","urgency"'; then
	bunit=office-02 bnode=$O2
else
	bunit=office-01 bnode=$O1
fi
check "b: the resolution names the unit that did not stand" on "$C" 2026-03-02T06:00:00Z \
	case resolve "$B" --conflict "$bid" --unit "$bunit"
check "b: $bunit hears of it" sync "$C" "$bnode"
check "b: $bunit feeds back" on "$bnode" 2026-03-02T07:00:00Z case feedback "$B" --notes finished
check "b: its feedback reaches the centre" sync "$bnode" "$C"

# (c) CC fed back and verified; the centre closes it while the laptop
# reopens it on a complaint.
CC=$(intake 03 01 310104001001003 office-01) || echo "intake CC failed"
check "c: office-01 feeds back" on "$O1" 2026-03-03T02:00:00Z case feedback "$CC" --notes finished
check "c: the feedback reaches the centre" sync "$O1" "$C"
check "c: patrol-1 verifies" on "$C" 2026-03-03T03:00:00Z --key "$T/patrol-1.key" case verify-pass "$CC"
check "c: the laptop hears of it" sync "$C" "$L"
check "c: the centre closes" on "$C" 2026-03-03T04:00:00Z case close "$CC"
check "c: the laptop reopens" on "$L" 2026-03-03T04:10:00Z case reopen "$CC" --reason "complaint"

# (d) two edits of D's grid at once.
D=$(intake 03 05 310104001002001 office-02) || echo "intake D failed"
check "d: the centre moves D's grid" on "$C" 2026-03-03T06:00:00Z case amend "$D" --field grid --value 310104001001002
check "d: the laptop moves it elsewhere" on "$L" 2026-03-03T06:05:00Z case amend "$D" --field grid --value 310104001002002

# (f) office-01 asks for more time on E, then feeds back; the centre
# verifies and closes while the laptop approves the request.
E=$(intake 04 01 310104001001001 office-01) || echo "intake E failed"
check "f: office-01 asks for a day" on "$O1" 2026-03-04T02:00:00Z case postpone-request "$E" --extend 1d --reason rain
check "f: the request reaches the centre" sync "$O1" "$C"
check "f: and the laptop" sync "$O1" "$L"

# `concurrent`: the laptop cancels FF while office-02 feeds back.
FF=$(intake 04 03 310104001001002 office-02) || echo "intake FF failed"
check "concurrent: the laptop cancels" on "$L" 2026-03-04T04:00:00Z case cancel "$FF" --reason duplicate
check "concurrent: office-02 feeds back" on "$O2" 2026-03-04T04:10:00Z case feedback "$FF" --notes finished

check "f: office-01 feeds back" on "$O1" 2026-03-05T01:00:00Z case feedback "$E" --notes finished
check "f: the feedback reaches the centre" sync "$O1" "$C"
check "f: patrol-1 verifies" on "$C" 2026-03-05T02:00:00Z --key "$T/patrol-1.key" case verify-pass "$E"
check "f: the centre closes" on "$C" 2026-03-05T03:00:00Z case close "$E"
check "f: the laptop approves the postponement" on "$L" 2026-03-05T03:10:00Z case postpone-approve "$E"

# (g) and (h): the field device feeds H back and verifies its own work
# on a node changed to sign it; office-02 forges a verification.
H=$(intake 05 05 310104001001003 office-01) || echo "intake H failed"
check "h: the field device feeds back" on "$F" 2026-03-05T06:00:00Z case feedback "$H" --notes finished
check_err 1 "h: and may not verify it" "may not 'verify-pass' it" \
	on "$F" 2026-03-05T06:10:00Z case verify-pass "$H"
check "h: a changed node signs it anyway" sh -c \
	"GRIDCASE_NOW=2026-03-05T06:10:00Z '$EVIL' forge '$F' '$F/node.key' '$H' verify-pass '{}' > '$T/self.event' &&
	'$G' --dir '$F' event import '$T/self.event' > /dev/null"
check "h: the field device's events reach the centre" sync "$F" "$C"
check "g: office-02 hears of H" sync "$C" "$O2"
check "g: a changed office-02 node signs a verification" sh -c \
	"GRIDCASE_NOW=2026-03-05T06:30:00Z '$EVIL' forge '$O2' '$O2/node.key' '$H' verify-pass '{}' > '$T/forged.event' &&
	'$G' --dir '$O2' event import '$T/forged.event' > /dev/null"
check "g: it reaches the centre" sync "$O2" "$C"
check "h: patrol-2 verifies H" on "$C" 2026-03-05T07:00:00Z --key "$T/patrol-2.key" case verify-pass "$H"
check "h: the centre closes H" on "$C" 2026-03-05T07:30:00Z case close "$H"

# Two verifications of J at once: the second adds nothing.
J=$(intake 06 01 310104001002001 office-02) || echo "intake J failed"
check "j: office-02 feeds back" on "$O2" 2026-03-06T02:00:00Z case feedback "$J" --notes finished
check "j: the feedback reaches the centre" sync "$O2" "$C"
check "j: and the laptop" sync "$O2" "$L"
check "j: patrol-1 verifies on the centre" on "$C" 2026-03-06T03:00:00Z --key "$T/patrol-1.key" case verify-pass "$J"
check "j: patrol-2 verifies on the laptop" on "$L" 2026-03-06T03:05:00Z --key "$T/patrol-2.key" case verify-pass "$J"

# A revoked key: the admin revokes the field device after its last
# event the centre holds; the device, offline, disposes of R.
R=$(intake 09 01 310104001001001 office-01) || echo "intake R failed"
fseq=$("$G" --dir "$F" log --author field-01 --json | grep -o '"seq":[0-9]*' |
	cut -d: -f2 | sort -n | tail -n 1)
check "r: the field device is revoked" on "$C" 2026-03-09T02:00:00Z roster revoke field-01 \
	--admin-key "$T/admin.key" --last-seq "$fseq" --reason "device lost"
check "r: the offline device disposes of R" on "$F" 2026-03-09T03:00:00Z case dispose "$R" --notes swept
check "r: its step reaches the centre" sync "$F" "$C"
check "r: office-01 feeds back R" on "$O1" 2026-03-09T04:00:00Z case feedback "$R" --notes finished

# N is fed back late.
N=$(intake 20 01 310104001001002 office-02) || echo "intake N failed"
check "n: office-02 feeds back N late" on "$O2" 2026-03-23T03:00:00Z case feedback "$N" --notes finished

# Roles and units come from the roster an event saw: office-02's key is
# added again for office-03 while office-02, offline, feeds M back.
M=$(intake 24 01 310104001002001 office-02) || echo "intake M failed"
check "m: office-02's key moves to office-03" on "$C" 2026-03-25T01:00:00Z roster add \
	"$(node_key "$O2")" --admin-key "$T/admin.key" --name office-02 --unit office-03 --roles disposal
check "m: office-02, which has not heard of it, feeds back" \
	on "$O2" 2026-03-25T02:00:00Z case feedback "$M" --notes finished
check "m: its feedback reaches the centre" sync "$O2" "$C"
check_out "m: and is applied: the key was office-02's when it signed" \
	'"status":"fed_back"' "$G" --dir "$C" case show "$M" --json

# A forked key: patrol-2's key file, copied to the laptop, verifies P
# there while the centre verifies it too, at the same seq: from its fork
# on the key counts for nothing, in any case.
check "p: the laptop's steps reach the centre" sync "$L" "$C"
P=$(intake 26 02 310104001001003 office-01) || echo "intake P failed"
check "p: office-01 feeds back" on "$O1" 2026-03-26T03:00:00Z case feedback "$P" --notes finished
check "p: the centre hears of it" sync "$O1" "$C"
check "p: and the laptop" sync "$C" "$L"
check "p: patrol-2 verifies on the centre" on "$C" 2026-03-26T04:00:00Z --key "$T/patrol-2.key" case verify-pass "$P"
check "p: and its copy on the laptop, at the same seq" \
	on "$L" 2026-03-26T04:05:00Z --key "$T/patrol-2.key" case verify-pass "$P"

# Everything meets on the centre.
for n in laptop office1 office2 field; do
	check "$n's events reach the centre" sync "$T/$n" "$C"
done

"$G" --dir "$C" conflicts --all > "$T/conflicts" 2>&1
for kind in dispatch-disposal double-dispatch close-reopen edit postpone-close \
	unauthorized separation revoked-key concurrent; do
	check_out "conflicts lists $kind" "$kind" cat "$T/conflicts"
done
check_out "p: the fork is seen" '"forks":[1-9]' "$G" --dir "$C" status --json
check_out "p: and neither verification counts" '"status":"fed_back"' \
	"$G" --dir "$C" case show "$P" --json
check_out "two verifications at once: the second adds nothing, no conflict" \
	"^0 open, 0 in all" "$G" --dir "$C" conflicts --case "$J" --all
check_out "a: the field device's feedback is kept, not applied" \
	'"current":false,.*"status":"dispatched"' "$G" --dir "$C" case show "$A" --json
check "c: the shift lead confirms the closure" on "$C" 2026-03-26T01:00:00Z case resolve "$CC" \
	--conflict "$(conflict_of "$CC" close-reopen)" --outcome closed
check_out "c: the case is closed" '"status":"closed"' "$G" --dir "$C" case show "$CC" --json

# ---- the month, frozen and recomputed ----
check "March closes" on "$C" 2026-04-01T01:00:00Z eval close --month 2026-03
check "the month's bundle" on "$C" 2026-04-02T01:00:00Z audit export --month 2026-03 -o "$T/march.bundle"
check_out "audit verify: the figures follow" "the same as the report's, byte for byte" \
	"$G" audit verify "$T/march.bundle" --admin "$ADMIN"
check_out "the independent reader agrees with every figure" \
	"^sets: [0-9]+ values of the 9 indicator sets recomputed from the events, all equal" \
	python3 "$AUDIT_PY" bundle "$T/march.bundle" "$ADMIN"
cp "$OUT" "$T/python.out"
check_out "and with the overview" "^figures: [0-9]+ values of the overview" cat "$T/python.out"
"$TAMPER" "$T/march.bundle" "$T/figure.bundle" figure "$C/node.key"
check_err 1 "a well-signed figure raised by one is named" \
	"^wrong: by grid, group '310104001001001', figure reported: the report says 4, the events give 3" \
	python3 "$AUDIT_PY" bundle "$T/figure.bundle" "$ADMIN"
finish
