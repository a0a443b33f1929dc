# rules.sh - the documents agree with the code (issue 11 §6): what an
# import enforces, the order of a case export, the import report, the
# roles a case's steps need and the separation of supervision and
# command, dispatch only to units the roster knows.
# shellcheck disable=SC2086
. "$(dirname "$0")/lib.sh"

EVIL=${GRIDCASE_TOOLS:-$(pwd)/build-san/tools}/evil
C="$T/centre"
O="$T/office"
E="$T/empty"
export GRIDCASE_NOW=2026-03-02T01:00:00Z
check "the district's admin key" admin_setup
check "init the centre" "$G" --dir "$C" init --network xuhui --name centre --county 310104 --admin "$ADMIN"
check "init office 7" "$G" --dir "$O" init --network xuhui --name office-07 --county 310104 --admin "$ADMIN"
check "init an empty node" "$G" --dir "$E" init --network xuhui --name empty --county 310104 --admin "$ADMIN"
check "the admin enrols the centre" enrol "$C" "$C" centre centre operator,shift_lead,dispatcher,supervisor
check "and its intake desk" intake "$C" "$C"
check "and office 7" enrol "$C" "$O" office-07 office-07 disposal
check "the roster reaches the office" share_roster "$C" "$O"

# ---- §5a rule 6 on import: lamport and time against what an event follows ----
check_out "a case" '^[0-9]{8}-' "$G" --dir "$C" case report --class event:06010 \
	--grid 310104007001001 --where w --desc d --source video --by S1
CASE=$(grep -E '^[0-9]{8}-' "$OUT")
check_out "case report signs with the node's intake key" "${INTAKE%${INTAKE#????????????????}} +1 .* report " \
	"$G" --dir "$C" log --case "$CASE"
check "a lamport one too high is forged" sh -c \
	"'$EVIL' forge '$C' '$C/node.key' '$CASE' accept '{}' --lamport +1 > '$T/high.event'"
check_err 1 "its import is refused: ERR_CLOCK" "lamport .* must be" \
	"$G" --dir "$C" event import "$T/high.event"
check "a time before the event it follows is forged" sh -c \
	"'$EVIL' forge '$C' '$C/node.key' '$CASE' accept '{}' --time 1000 > '$T/early.event'"
check_err 1 "its import is refused: ERR_CLOCK, naming the time" "time 1000" \
	"$G" --dir "$C" event import "$T/early.event"
check_err 1 "the refusal names the error in --json" '"error":"ERR_CLOCK"' \
	"$G" --dir "$C" event import --json "$T/early.event"

# ---- the import report: each key once ----
"$G" --dir "$C" event import --json "$T/early.event" > "$T/report.json" 2>/dev/null
check "no key twice in the import report" python3 -c '
import json, sys
def once(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        sys.exit("duplicate key in %r" % keys)
    return dict(pairs)
r = json.load(open(sys.argv[1]), object_pairs_hook=once)
assert r["rejected"] == 1 and len(r["refused"]) == 1, r
' "$T/report.json"

# ---- export --case: causal order, so an import never waits ----
check "the case moves on at the centre" "$G" --dir "$C" case accept "$CASE"
check "the roster and the case reach the office" sh -c \
	"'$G' --dir '$C' event export | '$G' --dir '$O' event import - > /dev/null"
check "the office adds a note to the case" "$G" --dir "$O" event add --case "$CASE" --type note.x --body '{}'
check "and the centre registers it" "$G" --dir "$C" case register "$CASE" --urgency normal
check "the office's event reaches the centre" sh -c \
	"'$G' --dir '$O' event export --author \"\$('$G' --dir '$O' status --json | sed -n 's/.*\"key\":\"\\([^\"]*\\)\".*/\\1/p')\" | '$G' --dir '$C' event import - > /dev/null"
check "the centre adds one after it" "$G" --dir "$C" case amend "$CASE" --field desc --value d2
check "the roster alone reaches the empty node" share_roster "$C" "$E"
"$G" --dir "$C" event export --case "$CASE" 2>/dev/null |
	"$G" --dir "$E" event import --json - > "$T/case.json" 2>/dev/null
check_out "the case's export, in order, is taken in with nothing waiting" \
	'"added":5,.*"waiting":0,.*"promoted":0' cat "$T/case.json"

# ---- dispatch only to a unit of the roster ----
check_err 1 "a dispatch to a unit nobody holds is refused" "no disposal unit 'office-99' in the roster" \
	"$G" --dir "$C" case dispatch "$CASE" --unit office-99
check_err 1 "nor to the centre, which disposes of nothing" "no disposal unit 'centre'" \
	"$G" --dir "$C" case dispatch "$CASE" --unit centre
check "a node changed to sign it anyway" sh -c \
	"'$EVIL' forge '$C' '$C/node.key' '$CASE' dispatch '{\"unit\":\"office-99\"}' > '$T/ghost.event'"
check "its event is stored" "$G" --dir "$C" event import "$T/ghost.event"
check_out "but not applied: the case is still registered" \
	'"status":"registered"' "$G" --dir "$C" case show "$CASE" --json
check_out "and an invalid conflict names it" '"kind":"invalid"' \
	"$G" --dir "$C" case show "$CASE" --json
check_out "the conflict is named" 'invalid' "$G" --dir "$C" conflicts
check "a dispatch to office 7 goes" "$G" --dir "$C" case dispatch "$CASE" --unit office-07

# ---- supervision and command: the key that disposed may not verify ----
check "office 7 also patrols (supervisor)" enrol "$C" "$O" office-07 office-07 disposal,supervisor
check "the centre's log reaches the office" sh -c \
	"'$G' --dir '$C' event export | '$G' --dir '$O' event import - > /dev/null"
check "office 7 feeds back" "$G" --dir "$O" case feedback "$CASE" --notes done
check_err 1 "and may not verify its own work" "may not 'verify-pass' it" \
	"$G" --dir "$O" case verify-pass "$CASE"
check "a node changed to sign it anyway" sh -c \
	"'$EVIL' forge '$O' '$O/node.key' '$CASE' verify-pass '{}' > '$T/self.event'"
check "the office's events reach the centre" sh -c \
	"'$G' --dir '$O' event export | '$G' --dir '$C' event import - > /dev/null; '$G' --dir '$C' event import '$T/self.event' > /dev/null"
check_out "the self-verification is kept and not applied" '"kind":"separation"' \
	"$G" --dir "$C" case show "$CASE" --json
check_out "the case is still fed back" '"status":"fed_back"' \
	"$G" --dir "$C" case show "$CASE" --json
check "the centre's supervisor verifies" "$G" --dir "$C" case verify-pass "$CASE"
check "and the centre closes" "$G" --dir "$C" case close "$CASE"

# ---- supervision and command: the key that reported may not register ----
check_out "the centre's own key reports a case" '^[0-9]{8}-' "$G" --dir "$C" --key "$C/node.key" \
	case report --class event:06010 --grid 310104007001001 --where w --desc d
SELF=$(grep -E '^[0-9]{8}-' "$OUT")
check "and accepts it" "$G" --dir "$C" case accept "$SELF"
check_err 1 "but may not register it: exit 1, the rule named" \
	"the key that reported case $SELF may not register it \(supervision and command are separate" \
	"$G" --dir "$C" case register "$SELF" --urgency normal
check "a node changed to sign it anyway" sh -c \
	"'$EVIL' forge '$C' '$C/node.key' '$SELF' register '{\"urgency\":\"normal\",\"limit\":\"4h\"}' > '$T/selfreg.event'"
check "its event is stored" "$G" --dir "$C" event import "$T/selfreg.event"
check_out "but not applied: the case is still accepted" '"status":"accepted"' \
	"$G" --dir "$C" case show "$SELF" --json
check_out "and conflicts lists it as a separation" "^$SELF .*separation" "$G" --dir "$C" conflicts

# ---- the grid: an import never empties it, nor takes a cell twice ----
check_out "the district's grid" "imported 102 grid cells" "$G" --dir "$C" grid import "${GRIDCASE_DATA:-data}/district/grid.geojson"
printf '{"type":"FeatureCollection","features":[]}' > "$T/empty.geojson"
check_err 1 "an empty GeoJSON is refused" "would empty it" "$G" --dir "$C" grid import "$T/empty.geojson"
check_out "and the grid is still there" "^102$" sh -c "'$G' --dir '$C' grid list | wc -l"
python3 - "${GRIDCASE_DATA:-data}/district/grid.geojson" "$T/twice.geojson" <<'PY'
import json, sys
g = json.load(open(sys.argv[1]))
g["features"].append(dict(g["features"][0]))
json.dump(g, open(sys.argv[2], "w"))
PY
check_err 1 "a cell given twice is refused" "given twice" "$G" --dir "$C" grid import "$T/twice.geojson"
python3 - "${GRIDCASE_DATA:-data}/district/grid.geojson" "$T/over.geojson" <<'PY'
import json, sys
g = json.load(open(sys.argv[1]))
f = json.loads(json.dumps(g["features"][0]))
f["properties"]["grid"] = f["properties"]["grid"][:12] + "999"
g["features"].append(f)
json.dump(g, open(sys.argv[2], "w"))
PY
check_err 1 "a cell over another is refused, naming both" "overlaps feature 0" "$G" --dir "$C" grid import "$T/over.geojson"
check_out "the grid is unchanged" "^102$" sh -c "'$G' --dir '$C' grid list | wc -l"

# ---- names: 64 bytes of UTF-8, said so ----
N21=$(python3 -c 'print("徐" * 21)')
N22=$(python3 -c 'print("徐" * 22)')
check_err 2 "a name of 22 Chinese characters (66 bytes) is refused, in bytes" "at most 64 bytes of UTF-8" \
	"$G" --dir "$C" roster add "$(node_key "$E")" --admin-key "$T/admin.key" --name "$N22" --roles supervisor
check_out "one of 21 (63 bytes) is taken" "member $N21 added" \
	"$G" --dir "$C" roster add "$(node_key "$E")" --admin-key "$T/admin.key" --name "$N21" --roles supervisor
check_err 2 "a node name is counted in bytes too" "1-64 bytes of UTF-8" \
	"$G" --dir "$T/n22" init --network xuhui --name "$N22" --admin "$ADMIN"

finish
