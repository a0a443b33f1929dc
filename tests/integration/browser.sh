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
. "$(dirname "$0")/web_lib.inc"

SHOTS=${WEB_SHOTS:-$T/shots}
mkdir -p "$SHOTS"
# A real JPEG the browser can show: 1x1, grey.
printf '\377\330\377\340\000\020JFIF\000\001\001\000\000\001\000\001\000\000\377\333\000C\000\010\006\006\007\006\005\010\007\007\007\011\011\010\012\014\024\015\014\013\013\014\031\022\023\017\024\035\032\037\036\035\032\034\034\040\044\056\047\040\042\054\043\034\034\050\067\051\054\060\061\064\064\064\037\047\071\075\070\062\074\056\063\064\062\377\300\000\013\010\000\001\000\001\001\001\021\000\377\304\000\024\000\001\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\011\377\304\000\024\020\001\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\377\332\000\010\001\001\000\000\077\000\052\237\377\331' > "$T/photo.jpg"
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

check "stop the office" stop_daemon office
check "stop the centre" stop_daemon centre
check "no sanitizer spoke" clean_logs centre office
finish
