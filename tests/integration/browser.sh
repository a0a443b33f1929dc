# browser.sh - the web console in a real headless Chromium (Debian's
# chromium and chromium-driver, driven by tests/browser/console.py over
# the WebDriver protocol): a supervisor reports on the phone page, the
# centre registers and dispatches, the office's open worklist shows the
# case without a reload (two daemons replicating over loopback), the
# office feeds back with a photo, the centre verifies and closes, the
# evaluation shows it.  Screenshots go to $WEB_SHOTS (default: the test's
# temporary folder; docs/screenshots/ holds the ones the README shows).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl_lib.inc"

if ! command -v chromedriver > /dev/null || [ ! -x /usr/bin/chromium ]; then
	echo "chromium and chromium-driver are not installed (make test installs them)"
	fail "the browser is installed"
	finish
	exit 1
fi
# The district is set up 20 days ago (at 01:00 UTC, 09:00 in the
# district), so that a case dispatched then with a limit of one hour is
# overdue now, whatever the day of the week and the holidays.
base=$(( $(date -u +%s) / 86400 * 86400 - 20 * 86400 + 3600 ))
WEB_SETUP_AT=$((base * 1000))
. "$(dirname "$0")/web_lib.inc"
at() { echo $(((base + $1 * 60) * 1000)); } # MINUTES after the set-up

SHOTS=${WEB_SHOTS:-$T/shots}
mkdir -p "$SHOTS"
# A real JPEG the browser can show: 1x1, grey.
printf '\377\330\377\340\000\020JFIF\000\001\001\000\000\001\000\001\000\000\377\333\000C\000\010\006\006\007\006\005\010\007\007\007\011\011\010\012\014\024\015\014\013\013\014\031\022\023\017\024\035\032\037\036\035\032\034\034\040\044\056\047\040\042\054\043\034\034\050\067\051\054\060\061\064\064\064\037\047\071\075\070\062\074\056\063\064\062\377\300\000\013\010\000\001\000\001\001\001\021\000\377\304\000\024\000\001\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\011\377\304\000\024\020\001\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\377\332\000\010\001\001\000\000\077\000\052\237\377\331' > "$T/photo.jpg"
# The centre board's table per unit: a second disposal unit whose name
# needs escaping in HTML and in a URL; office-07 with an overdue case
# (dispatched 20 days ago, one hour to do it) and one due in 30 working
# days; the second unit with one dispatched now (due soon or not, by the
# calendar: the CLI's listing says which).  First: an author's event is
# never earlier than its previous one.
UNIT2='绿化&市容所'
check "a key for the unit $UNIT2" sh -c "'$G' keygen '$T/gr.key' > '$T/gr.pub'"
check "enrol it (disposal)" env GRIDCASE_NOW="$(at 1)" "$G" --dir "$C" roster add "$(cat "$T/gr.pub")" \
	--admin-key "$T/admin.key" --name gr --unit "$UNIT2" --roles disposal
dispatched() { # VAR MINUTES GRID LIMIT UNIT (no MINUTES: now)
	dw=${2:+$(at "$2")}
	run_at() { env ${dw:+GRIDCASE_NOW=$dw} "$G" --dir "$C" "$@"; }
	run_at --key "$T/sup.key" case report --class event:06010 --grid "$3" \
		--where "看板 $1" --desc "$1" --json > "$T/$1.json" || return 1
	id=$(json_field case < "$T/$1.json")
	eval "$1=\$id"
	run_at --key "$T/op.key" case accept "$id" &&
		run_at --key "$T/op.key" case register "$id" --urgency normal --limit "$4" &&
		run_at --key "$T/op.key" case dispatch "$id" --unit "$5"
}
check "a case dispatched to office-07 20 days ago with one hour: overdue" \
	dispatched LATE 10 310104003001001 1h office-07
check "one to office-07 with 30 days" dispatched LONG 20 310104003001002 30d office-07
check "one to $UNIT2 now with one hour" dispatched NOW "" 310104004001001 1h "$UNIT2"
count() { "$G" --dir "$C" case list --json "$@" | grep -o '"case":' | wc -l; }
BOARD_EXPECT="office-07:$(count --unit office-07 --state dispatched)/$(count --unit office-07 --due-within 24h)/$(count --unit office-07 --overdue)"
BOARD_EXPECT="$BOARD_EXPECT;$UNIT2:$(count --unit "$UNIT2" --state dispatched)/$(count --unit "$UNIT2" --due-within 24h)/$(count --unit "$UNIT2" --overdue)"
check_out "the CLI counts office-07's two, one overdue, and $UNIT2's one" \
	"^office-07:2/0/1;$UNIT2:1/[01]/0\$" echo "$BOARD_EXPECT"
# What the map and the trend show besides the scenario's case: two open
# cases (one placed by its position, one by its cell only), and last
# month closed in a frozen report.
check "an open case placed by the phone's position" "$G" --dir "$C" --key "$T/sup.key" case report \
	--class event:06010 --lat 31.144 --lon 121.433 --where "漕宝路" --desc "井盖缺失"
check "an open case placed by its cell" "$G" --dir "$C" --key "$T/sup.key" case report \
	--class event:06010 --grid 310104005001002 --where "田林路" --desc "垃圾满溢"
check "last month is closed" "$G" --dir "$C" eval close \
	--month "$(date -u -d "$(date -u +%Y-%m-15) -1 month" +%Y-%m)"
pick_ports 1 || true
BOARD_EXPECT=$BOARD_EXPECT UNIT2=$UNIT2 LATE=$LATE LATE_GRID=310104003001001 \
UC=$UC UO=$UO PASS=$PASS PHOTO=$T/photo.jpg SHOTS=$SHOTS CHROMEDRIVER_PORT=$PORT0 \
	timeout 280 python3 "$(dirname "$0")/../browser/console.py" > "$T/browser.out" 2>&1
rc=$?
while IFS= read -r line; do
	case $line in
	"ok: "*) pass "${line#ok: }" ;;
	"FAIL: "*) echo "$line" > "$OUT"; fail "${line#FAIL: }" ;;
	*) echo "$line" ;;
	esac
done < "$T/browser.out"
[ "$rc" -eq 0 ] || { tail -n 5 "$T/browser.out" > "$OUT"; fail "the browser run ended cleanly (exit $rc)"; }

# What the browser cannot tell apart: the unit's name escaped in the
# HTML, and percent-encoded in its links.
check "the operator signs in with curl" curl -s -o /dev/null -c "$T/op.jar" \
	-d "name=op&pass=correct+horse+battery" "$UC/signin"
check_out "the board escapes a unit's name in its text and its links" \
	'<td>绿化&amp;市容所</td><td class="num"><a href="/\?unit=%E7%BB%BF%E5%8C%96%26%E5%B8%82%E5%AE%B9%E6%89%80&amp;state=dispatched">1</a>' \
	curl -s -b "$T/op.jar" "$UC/board"
check "stop the office" stop_daemon office
check "stop the centre" stop_daemon centre
check "no sanitizer spoke" clean_logs centre office
finish
