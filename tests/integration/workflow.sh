# workflow.sh - the case commands end to end: grid import and placement by
# position, legacy codes, photos and personal data (erasure), conflicts
# between two nodes and their resolution, reindexing, and refusals that
# change nothing.
. "$(dirname "$0")/lib.sh"

C="$T/centre"
O="$T/office"
export GRIDCASE_NOW=2026-03-02T01:00:00Z
check "the district's admin key" admin_setup
check "init the centre" "$G" --dir "$C" init --network xuhui --name centre --county 310104 --admin "$ADMIN"
check "init office 7" "$G" --dir "$O" init --network xuhui --name office-07 --county 310104 --admin "$ADMIN"
check "the admin enrols the centre" enrol "$C" "$C" centre centre supervisor,operator,shift_lead,dispatcher
check "and its intake desk" intake "$C" "$C"
check "and office 7" enrol "$C" "$O" office-07 office-07 disposal
check "the roster reaches the office" share_roster "$C" "$O"
check_out "roster show on the office lists both members" "office-07 .*disposal" "$G" --dir "$O" roster show
check_err 2 "an unknown role is refused" "unknown role 'mayor'" \
	"$G" --dir "$C" roster add "$(node_key "$O")" --admin-key "$T/admin.key" --name x --roles mayor
check_err 2 "the roster needs the admin key" "admin-key" \
	"$G" --dir "$C" roster add "$(node_key "$O")" --name x --roles disposal
check_err 4 "an admin key file that is not there is named (exit 4)" "key file '.*/nosuch.key' is missing" \
	"$G" --dir "$C" roster add "$(node_key "$O")" --admin-key "$T/nosuch.key" --name x --roles disposal

# ---- the grid ----
check_out "grid import" "imported 102 grid cells" "$G" --dir "$C" grid import data/district/grid.geojson
check_out "grid locate finds the cell and its office" "^310104007002001 .*office office-07" \
	"$G" --dir "$C" grid locate --lat 31.170 --lon 121.409
check_err 1 "a point outside the district is in no cell" "no imported grid cell" \
	"$G" --dir "$C" grid locate --lat 31.5 --lon 121.0
printf '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"grid":"320104001001001","community":"c","office":"o"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}' > "$T/bad.geojson"
check_err 1 "a cell of another county is refused, naming the feature" "feature 0: grid id '320104001001001' is not in county 310104" \
	"$G" --dir "$C" grid import "$T/bad.geojson"
check_out "a refused import leaves the old grid" "^102$" sh -c "'$G' --dir '$C' grid list | wc -l"
printf '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"grid":"310104001001001"}}]}' > "$T/bad2.geojson"
check_err 1 "a feature without its properties is refused" "feature 0 needs properties" \
	"$G" --dir "$C" grid import "$T/bad2.geojson"

check_out "a report by position is placed in its cell" '"office":"office-07"' \
	"$G" --dir "$C" case report --class event:06010 --lat 31.170 --lon 121.409 \
	--where "Caoxi Road" --desc "garbage" --by S-07 --json
CASE=$(sed -n 's/.*"case":"\([^"]*\)".*/\1/p' "$OUT")
check_out "its grid is the cell's" '"grid":"310104007002001"' "$G" --dir "$C" case show "$CASE" --json
check_err 1 "a position outside every cell and no grid is refused" "in no imported grid cell" \
	"$G" --dir "$C" case report --class event:06010 --lat 30.0 --lon 120.0 --where w --desc d

# ---- legacy codes ----
check_err 1 "a legacy 2-digit-minor code is refused by default" "legacy_codes" \
	"$G" --dir "$C" case report --class event:0601 --grid 310104007001001 --where w --desc d
sed -i 's/"legacy_codes": false/"legacy_codes": true/' "$C/config.json"
check_out "with legacy_codes it is accepted" '^[0-9]{8}-' \
	"$G" --dir "$C" case report --class event:0601 --grid 310104007001001 --where w --desc d
LEG=$(grep -E "^[0-9]{8}-" "$OUT")
check_out "and tagged with its standard" '"standard":"GB/T 30428.2-2013"' "$G" --dir "$C" case show "$LEG" --json
sed -i 's/"legacy_codes": true/"legacy_codes": false/' "$C/config.json"
check_err 1 "a component id of the wrong length is refused" "component id" \
	"$G" --dir "$C" case report --class component:01001 --grid 310104007001001 --where w --desc d --component 123
printf '{"calendar": {"work_hours": ["18:00-08:00"]}}' > "$T/badconf.json"
cp "$C/config.json" "$T/good.json"
cp "$T/badconf.json" "$C/config.json"
check_err 3 "a bad configuration is named with its key" 'config.json: "work_hours"' "$G" --dir "$C" status
cp "$T/good.json" "$C/config.json"

# ---- photos and personal data ----
printf 'JPEG-ish bytes of a photo' > "$T/photo.jpg"
check_out "a hotline report with a photo and the caller's number" '^[0-9]{8}-' \
	"$G" --dir "$C" case report --class event:06010 --grid 310104007001002 --where "Lane 5" \
	--desc "garbage" --source hotline --photo "$T/photo.jpg" --caller "13800138000"
HOT=$(grep -E "^[0-9]{8}-" "$OUT")
"$G" --dir "$C" case show "$HOT" --json > "$T/hot.json"
CALLER=$(sed -n 's/.*"caller":"\([0-9a-f]*\)".*/\1/p' "$T/hot.json" | head -n 1)
PHOTO=$("$G" --dir "$C" blob add "$T/photo.jpg")
check "the photo is referenced by its hash" grep -q "$PHOTO" "$T/hot.json"
check_out "blob get returns the caller's data" "^13800138000$" "$G" --dir "$C" blob get "$CALLER"
check "blob get -o writes the photo" "$G" --dir "$C" blob get "$PHOTO" -o "$T/back.jpg"
check "the photo comes back intact" cmp "$T/photo.jpg" "$T/back.jpg"
check_err 2 "an erasure is signed by an admin" "admin-key" "$G" --dir "$C" blob erase "$CALLER"
check_out "the caller's data is erased" "erased" "$G" --dir "$C" blob erase "$CALLER" \
	--admin-key "$T/admin.key" --reason "the caller asked"
check_err 1 "it is gone, and says when" "erased on 2026-03-02" "$G" --dir "$C" blob get "$CALLER"
check "no file of it remains" sh -c "! grep -rq 13800138000 '$C/blobs'"
check_err 1 "it cannot be added again" "erased" sh -c "printf 13800138000 | '$G' --dir '$C' blob add -"
check_out "every event still verifies" "ok" "$G" --dir "$C" verify
check_out "the erasure is a signed event of the roster" "blob.erase" "$G" --dir "$C" log --case roster
check_err 1 "erasing it again says when it was" "erased on 2026-03-02" \
	"$G" --dir "$C" blob erase "$CALLER" --admin-key "$T/admin.key"
check_err 4 "erasing a blob no event names is an error" "no blob .* no event here names it" \
	"$G" --dir "$C" blob erase 0000000000000000000000000000000000000000000000000000000000000000 \
	--admin-key "$T/admin.key"
check_err 2 "a bad hash is a usage error" "64 hex" "$G" --dir "$C" blob get xyz

# ---- two nodes, a conflict, a resolution ----
check "check the hotline report" "$G" --dir "$C" case check "$HOT" --found yes
check "accept" "$G" --dir "$C" case accept "$HOT"
check "register" "$G" --dir "$C" case register "$HOT" --urgency urgent
check_out "the urgent limit comes from the configuration" '"limit":"4h"' "$G" --dir "$C" case show "$HOT" --json
check "dispatch to office 7" "$G" --dir "$C" case dispatch "$HOT" --unit office-07
check "export" "$G" --dir "$C" event export -o "$T/c1.bin"
check "the office imports" "$G" --dir "$O" event import "$T/c1.bin"
check_err 1 "the office may not close" "'close' needs one of shift_lead" "$G" --dir "$O" case close "$HOT"
check_err 2 "an action refuses options it does not take" "does not take --unit" \
	"$G" --dir "$O" case dispose "$HOT" --notes x --unit office-09
# Offline at the same time: the office disposes, the centre amends the
# description twice from two desks... here: the office feeds back while
# the centre cancels.
check "the office feeds back (offline)" env GRIDCASE_NOW=2026-03-02T02:00:00Z \
	"$G" --dir "$O" case feedback "$HOT" --notes "cleared" --photo "$T/photo.jpg"
check "the centre cancels (offline)" env GRIDCASE_NOW=2026-03-02T02:00:00Z \
	"$G" --dir "$C" case cancel "$HOT" --reason "duplicate"
# The nodes' clocks have reached 02:00 too: events from the future would
# wait for them (docs/format.md §5a rule 7).
export GRIDCASE_NOW=2026-03-02T02:00:00Z
check "export both ways" sh -c "'$G' --dir '$O' event export -o '$T/o.bin' && '$G' --dir '$C' event export -o '$T/c2.bin'"
check "the centre imports" "$G" --dir "$C" event import "$T/o.bin"
check "the office imports" "$G" --dir "$O" event import "$T/c2.bin"
check "both nodes agree" test "$(digest "$C")" = "$(digest "$O")"
check_out "the conflict is listed on both" "$HOT .*OPEN" "$G" --dir "$O" conflicts
check_out "case list --conflicts finds it" "^1 case$" "$G" --dir "$C" case list --conflicts
CID=$("$G" --dir "$C" conflicts --case "$HOT" --json | json_field id)
check_err 1 "an unknown conflict cannot be resolved" "no conflict" \
	"$G" --dir "$C" case resolve "$HOT" --conflict 0123456789abcdef
check_out "the shift lead resolves it" '^[0-9a-f]{64}$' "$G" --dir "$C" case resolve "$HOT" --conflict "$CID"
check "sync the resolution" sh -c "'$G' --dir '$C' event export | '$G' --dir '$O' event import -"
check_out "no conflict is open on the office" "^0 open" "$G" --dir "$O" conflicts
check_out "the disposal work is kept on the cancelled case" "feedback by office-07" "$G" --dir "$O" case show "$HOT"
check "both nodes agree again" test "$(digest "$C")" = "$(digest "$O")"

# ---- reindex and case list ----
check_out "reindex folds every case again" "folded [0-9]+ cases again" "$G" --dir "$C" reindex
check "the digest does not change" test "$(digest "$C")" = "$(digest "$O")"

# ---- a calendar edit re-makes the due-time index by itself ----
# 2 March made a holiday: a dispatch at 10:00 that day is due the next
# day; the holiday taken back, it is due at 15:30 the same day, and
# --due-within (which walks the due index) must find it there.
sed 's/"2026-01-01", "2026-01-02"/"2026-01-01", "2026-01-02", "2026-03-02"/' "$C/config.json" > "$T/cfg" &&
	cp "$T/cfg" "$C/config.json"
check_out "a changed calendar makes the node fold its cases again" "folded again" "$G" --dir "$C" status
check "and only once" sh -c "! '$G' --dir '$C' status 2>&1 | grep -q 'folded again'"
DUE=$("$G" --dir "$C" case report --class event:06010 --grid 310104007001003 --where "Lane 9" \
	--desc "garbage" 2>/dev/null)
check "the case is accepted, registered and dispatched on the holiday" sh -c \
	"'$G' --dir '$C' case accept '$DUE' && '$G' --dir '$C' case register '$DUE' --urgency normal &&
	 '$G' --dir '$C' case dispatch '$DUE' --unit office-07"
check_out "on a holiday the clock starts the next working day" '"due":"2026-03-03T06:00:00Z"' \
	"$G" --dir "$C" case show "$DUE" --json
sed 's/, "2026-03-02"\]/]/; s/"2026-01-02", "2026-03-02"/"2026-01-02"/' "$C/config.json" > "$T/cfg" &&
	cp "$T/cfg" "$C/config.json"
check_out "the holiday taken back, --due-within finds the case due the same day" "$DUE +dispatched" \
	"$G" --dir "$C" case list --due-within 8h
check_out "due at 15:30 local" '"due":"2026-03-02T07:30:00Z"' "$G" --dir "$C" case show "$DUE" --json
check_out "case list --state" "$CASE +reported" "$G" --dir "$C" case list --state reported
check_err 2 "a bad state is a usage error" "not a state" "$G" --dir "$C" case list --state nowhere
check_out "case list --office by name" "^[1-9][0-9]* cases*$" "$G" --dir "$C" case list --office office-07
check_err 1 "an unknown office is named" "no office 'office-99'" "$G" --dir "$C" case list --office office-99
check_out "case list --class" "$CASE" "$G" --dir "$C" case list --class event:06010
check_out "case list --source" "^1 case$" "$G" --dir "$C" case list --source hotline
check_err 2 "a bad --due-within is a usage error" "like 30m" "$G" --dir "$C" case list --due-within soon
check_out "eval over a period without cases is an empty table" "^GROUP" \
	"$G" --dir "$C" eval --from 2020-01-01 --to 2020-02-01
check_out "and an empty JSON array" '^\[\]$' "$G" --dir "$C" eval --from 2020-01-01 --to 2020-02-01 --json
check_err 2 "eval needs its period" "required" "$G" --dir "$C" eval --by office
check_err 2 "eval refuses an unknown grouping" "supervisor, operator, shift, dispatcher, unit, grid, community, street or district" \
	"$G" --dir "$C" eval --from 2026-03-01 --to 2026-04-01 --by planet

finish
