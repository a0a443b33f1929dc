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
check "and office 7" enrol "$C" "$O" office-07 office-07 disposal
check "the roster reaches the office" share_roster "$C" "$O"

# ---- §5a rule 6 on import: lamport and time against what an event follows ----
check_out "a case" '^[0-9]{8}-' "$G" --dir "$C" case report --class event:06010 \
	--grid 310104007001001 --where w --desc d --source video --by S1
CASE=$(grep -E '^[0-9]{8}-' "$OUT")
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
