# web.sh - the web console over HTTP with curl, on two real daemons that
# replicate over loopback: configuration, sign-in and its rate limit,
# sessions and CSRF, roles judged by the node, escaping of what people
# wrote, personal data, photos, live updates (server-sent events), and
# the pages of the whole loop from a report to the evaluation.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl_lib.inc"

. "$(dirname "$0")/web_lib.inc"

# ---- sign-in ----
code() { curl -s -m 10 -o /dev/null -w '%{http_code}' "$@"; }
check_out "a page without a session goes to sign-in" "^303$" code "$UC/"
check_out "the API without a session is 401" "^401$" code "$UC/api/cases"
check_out "the sign-in page is Chinese by default" "登录" curl -s "$UC/signin"
check_out "and English by choice" "Sign in" curl -s -b "gc_lang=en" "$UC/signin"
check_out "a wrong passphrase is 401" "^401$" code -d "name=sup&pass=wrong+passphrase" "$UC/signin"
check_out "an unknown name looks the same" "用户名或口令不正确" curl -s -d "name=nobody&pass=x" "$UC/signin"
for i in 1 2 3 4; do code -d "name=nobody&pass=x$i" "$UC/signin" > /dev/null; done
check_out "the sixth try of a name within 15 minutes is refused (429)" "^429$" code -d "name=nobody&pass=x" "$UC/signin"
check_out "a sign-in from another site is refused" "^403$" code -H "Origin: http://evil.example" -d "name=sup&pass=$PASS" "$UC/signin"

signin() { # URL NAME JAR
	[ "$(code -c "$3" -d "name=$2&pass=$PASS" "$1/signin")" = 303 ]
}
csrf() { # JAR URL: the CSRF token of the page
	curl -s -b "$1" "$2" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n 1
}
check "sup signs in on the centre" signin "$UC" sup "$T/sup.jar"
check_out "the cookie is HttpOnly and SameSite=Strict" "HttpOnly; SameSite=Strict" \
	curl -s -i -d "name=op&pass=$PASS" -c "$T/op.jar" "$UC/signin"
check_out "the worklist opens" "工作台" curl -s -b "$T/sup.jar" "$UC/"
SUPT=$(csrf "$T/sup.jar" "$UC/report")
check "the report page carries a CSRF token" test -n "$SUPT"

# ---- a report from the phone page: escaping, photo, position ----
printf '\377\330\377\340fake-jpeg' > "$T/photo.jpg"
EVIL=$(printf '<script>alert(1)</script> \033[31mred')
report() { # JAR TOKEN: prints the Location
	curl -s -o /dev/null -w '%{redirect_url}' -b "$1" -F "csrf=$2" -F "class=event:06010" \
		--form-string "where=$EVIL" --form-string "desc=garbage & bins" -F "grid=310104007002001" \
		-F "lat=31.170" -F "lon=121.409" -F "photo=@$T/photo.jpg;type=image/jpeg" "$UC/report"
}
check_out "a report without the CSRF token is refused" "^403$" code -b "$T/sup.jar" -F "class=event:06010" -F "where=w" -F "desc=d" "$UC/report"
check_out "a report with another token is refused" "^403$" code -b "$T/sup.jar" -F "csrf=00$SUPT" -F "class=event:06010" "$UC/report"
check_out "a position outside the cell given is refused" "不在该网格内" \
	curl -s -b "$T/sup.jar" -F "csrf=$SUPT" -F "class=event:06010" -F "where=w" -F "desc=d" \
	-F "grid=310104007001001" -F "lat=31.170" -F "lon=121.409" "$UC/report"
check_out "a report with a photo and the phone's position" "/case/[0-9]{8}-" report "$T/sup.jar" "$SUPT"
CASE=$(sed -n 's|.*/case/\([0-9A-Za-z-]*\).*|\1|p' "$OUT")
check_out "the case is on the centre, reported by sup" '"status":"reported"' "$G" --dir "$C" case show "$CASE" --json
check_out "what sup wrote is shown as text, not run" "&lt;script&gt;alert\\(1\\)&lt;/script&gt; \\\\x1b\\[31mred" \
	curl -s -b "$T/sup.jar" "$UC/case/$CASE"
check "and no script of theirs is on the page" sh -c "! curl -s -b '$T/sup.jar' '$UC/case/$CASE' | grep -q '<script>alert'"
check "nor the escape byte" sh -c "! curl -s -b '$T/sup.jar' '$UC/case/$CASE' | grep -q \"\$(printf '\\033')\""
PHOTO=$(curl -s -b "$T/sup.jar" "$UC/case/$CASE" | sed -n 's|.*src="/blob/\([0-9a-f]*\)?case=.*|\1|p' | head -n 1)
check_out "the photo is served as the image it is" "^200 image/jpeg$" \
	curl -s -o /dev/null -w '%{http_code} %{content_type}' -b "$T/sup.jar" "$UC/blob/$PHOTO?case=$CASE"
check_out "the case page maps the case's cell" 'id="case-map".*class="cell this" data-grid="310104007002001"' \
	curl -s -b "$T/sup.jar" "$UC/case/$CASE"
check_out "with the reported position as a marker" '<circle class="marker here" cx="[0-9.]*" cy="[0-9.]*" r="7"><title>31.170000, 121.409000' \
	curl -s -b "$T/sup.jar" "$UC/case/$CASE"
check_out "a blob is served only with a case that names it" "^404$" code -b "$T/sup.jar" "$UC/blob/$PHOTO?case=20260101-nothing"

# ---- roles are the node's word ----
check "sup's case page offers no dispatch" sh -c "! curl -s -b '$T/sup.jar' '$UC/case/$CASE' | grep -q 'id=\"do-dispatch\"'"
check_out "a dispatch posted by sup anyway is refused by the node" "error=" \
	curl -s -o /dev/null -w '%{redirect_url}' -b "$T/sup.jar" -d "csrf=$SUPT&type=dispatch&unit=office-07" "$UC/act/$CASE"
check_out "and the case did not move" '"status":"reported"' "$G" --dir "$C" case show "$CASE" --json
check_out "the replication page is for admins" "^403$" code -b "$T/sup.jar" "$UC/peers"
check "adm signs in" signin "$UC" adm "$T/adm.jar"
check_out "and sees the peers" "office-07" curl -s -b "$T/adm.jar" "$UC/peers"

# ---- personal data: a hotline report with the caller's contact ----
printf 'Wang, 139-0000-0000' > "$T/caller.txt"
check_out "a hotline report with the caller's data (CLI)" '"case"' \
	"$G" --dir "$C" case report --class event:06010 --grid 310104007002001 --where w --desc d \
	--source hotline --caller "$T/caller.txt" --json
HOT=$(sed -n 's/.*"case":"\([^"]*\)".*/\1/p' "$OUT")
CALLER=$(curl -s -b "$T/op.jar" "$UC/case/$HOT" | sed -n 's|.*href="/blob/\([0-9a-f]*\)?case=[^"]*">来电人信息</a>.*|\1|p' | head -n 1)
check "the operator's page links the caller's data" test -n "$CALLER"
check_out "the operator may read it" "^200$" code -b "$T/op.jar" "$UC/blob/$CALLER?case=$HOT"
check_out "the supervisor's page does not link it" "无权查看" curl -s -b "$T/sup.jar" "$UC/case/$HOT"
check_out "and the supervisor may not read it" "^403$" code -b "$T/sup.jar" "$UC/blob/$CALLER?case=$HOT"

# ---- the centre registers and dispatches; the office sees it live ----
OPT=$(csrf "$T/op.jar" "$UC/")
act() { # URL JAR TOKEN CASE TYPE [FIELD=VALUE]...: the Location
	a_u=$1 a_j=$2 a_t=$3 a_c=$4 a_y=$5
	shift 5
	set -- -F "csrf=$a_t" -F "type=$a_y" $(for f; do printf -- '-F %s ' "$f"; done)
	curl -s -o /dev/null -w '%{redirect_url}' -b "$a_j" "$@" "$a_u/act/$a_c"
}
check "off signs in on the office" signin "$UO" off "$T/off.jar"
curl -s -N -b "$T/off.jar" "$UO/api/events" > "$T/sse" 2>/dev/null &
SSE=$!
check "the office's event stream is open" wait_until 10 grep -q "retry: 1000" "$T/sse"
check_out "op accepts" "/case/$CASE\$" act "$UC" "$T/op.jar" "$OPT" "$CASE" accept
check_out "op registers" "/case/$CASE\$" act "$UC" "$T/op.jar" "$OPT" "$CASE" register urgency=normal
check_out "the dispatch form suggests the grid cell's office" 'class="suggest">office-07<' curl -s -b "$T/op.jar" "$UC/case/$CASE"
check_out "op dispatches to office-07" "/case/$CASE\$" act "$UC" "$T/op.jar" "$OPT" "$CASE" dispatch unit=office-07
check "the office's worklist shows the case (replicated)" wait_until 15 sh -c "curl -s -b '$T/off.jar' '$UO/' | grep -q 'data-case=\"$CASE\"'"
check "and its event stream said so" wait_until 5 grep -q "event: change" "$T/sse"
kill "$SSE" 2>/dev/null
wait "$SSE" 2>/dev/null
check_out "the office's API lists it with its colour" "\"id\":\"$CASE\".*\"colour\":\"green\"" curl -s -b "$T/off.jar" "$UO/api/cases"
OFFT=$(csrf "$T/off.jar" "$UO/")
check_out "the office's worklist filters by its teams, from the roster" '<select name="team" id="team">.*<option value="一组">一组</option></select>' \
	curl -s -b "$T/off.jar" "$UO/"
check "but not by a node's key or another unit's people" sh -c "! curl -s -b '$T/off.jar' '$UO/' | grep -q '<option value=\"\(office-07\|sup\)\">'"
check_out "off assigns the case to the team 一组" "/case/$CASE\$" act "$UO" "$T/off.jar" "$OFFT" "$CASE" assign "team=一组"
check_out "the assign form offers the unit's teams" '<datalist id="teams">(<option value="[^"]*">)*<option value="一组">' curl -s -b "$T/off.jar" "$UO/case/$CASE"
check_out "the team filter lists the case" "data-case=\"$CASE\"" curl -s -b "$T/off.jar" "$UO/?team=%E4%B8%80%E7%BB%84"
check_out "its row names the team beside the unit" 'office-07 <span class="team">一组</span>' curl -s -b "$T/off.jar" "$UO/?team=%E4%B8%80%E7%BB%84"
check "and another team's list does not" sh -c "! curl -s -b '$T/off.jar' '$UO/?team=other' | grep -q 'data-case=\"$CASE\"'"
printf '\211PNG\r\n\032\nfake-png' > "$T/done.png"
check_out "off feeds back with a photo" "/case/$CASE\$" act "$UO" "$T/off.jar" "$OFFT" "$CASE" feedback "photo=@$T/done.png" "notes=cleaned"
check_out "the feedback is on the office" '"status":"fed_back"' "$G" --dir "$O" case show "$CASE" --json
check "and reaches the centre" wait_until 15 sh -c "'$G' --dir '$C' case show '$CASE' --json | grep -q '\"status\":\"fed_back\"'"
check_out "sup verifies" "/case/$CASE\$" act "$UC" "$T/sup.jar" "$SUPT" "$CASE" verify-pass
check_out "op closes" "/case/$CASE\$" act "$UC" "$T/op.jar" "$OPT" "$CASE" close
check_out "the case page shows it closed, with its history" "已结案.*" curl -s -b "$T/op.jar" "$UC/case/$CASE"
check_out "the timeline names who acted, with roles" "off <span class=\"muted\">disposal · office-07" curl -s -b "$T/op.jar" "$UC/case/$CASE"
check_out "the evaluation shows office-07" "<td>office-07</td>" curl -s -b "$T/op.jar" "$UC/eval?by=unit&month=$(date -u +%Y-%m)"
check_out "its CSV downloads" '^"office-07",' curl -s -b "$T/op.jar" "$UC/eval?csv=1&by=unit&month=$(date -u +%Y-%m)"
# ---- the trend: frozen reports of closed months, live figures otherwise ----
NOWM=$(date -u +%Y-%m)
PREV=$(date -u -d "$(date -u +%Y-%m-15) -1 month" +%Y-%m)
check "the centre closes last month (a frozen report)" "$G" --dir "$C" eval close --month "$PREV"
curl -s -b "$T/op.jar" "$UC/eval?by=unit&month=$NOWM" > "$T/eval.html"
check_out "the trend shows this month, live" "<tr data-month=\"$NOWM\" data-source=\"live\">" cat "$T/eval.html"
check_out "and last month from its frozen report, named" "<tr data-month=\"$PREV\" data-source=\"frozen\">.*冻结报告</span> <code class=\"muted\">[0-9a-f]{16}</code>" cat "$T/eval.html"
check_out "six months of it" "^6$" sh -c "grep -o '<tr data-month=' '$T/eval.html' | wc -l"
check_out "as a chart of the rates" '<svg class="trend" id="trend-chart".*<polyline class="line closure" points="[0-9]' cat "$T/eval.html"
check_out "and office-07's grade this month" '<table class="grades" id="trend-grades">.*<td>office-07</td>(<td>-</td>)*<td class="grade g-[A-E]">[A-E] ' cat "$T/eval.html"
check_out "the board lists the hotline report as new" "$HOT" curl -s -b "$T/op.jar" "$UC/board"
check_out "the map draws each cell's polygon" '<path class="cell green" data-grid="310104001001003" data-rings="1" data-polys="1" d="M[0-9.]* [0-9.]*L' \
	curl -s -b "$T/op.jar" "$UC/map"
check_out "a cell with a hole is one path of two rings" 'data-grid="310104001001001" data-rings="2" data-polys="1" d="M[^"]*ZM[^"]*Z"' \
	curl -s -b "$T/op.jar" "$UC/map"
check_out "a MultiPolygon is one path of its two parts" 'data-grid="310104001001002" data-rings="2" data-polys="2"' \
	curl -s -b "$T/op.jar" "$UC/map"
check_out "a cell with an open case is yellow, with the case as a marker" \
	'<path class="cell yellow" data-grid="310104007002001".*<circle class="marker approx" data-case="'"$HOT"'"' \
	curl -s -b "$T/op.jar" "$UC/map"

# ---- the Open311 endpoint on the same server (docs/open311.md) ----
check_out "Open311 services need no sign-in" '^200 application/json' \
	curl -s -o /dev/null -w '%{http_code} %{content_type}' "$UC/open311/v2/services.json"
check_out "they list the classes" '"service_code":"06010"' curl -s "$UC/open311/v2/services.json"
check_out "discovery names this server's endpoint" "http://127.0.0.1:[0-9]*/open311/v2/" \
	curl -s "$UC/open311/v2/discovery.json"
check_out "requests come as XML too" '<service_requests>' curl -s "$UC/open311/v2/requests.xml"
check_out "an unknown request id is the specification's 404 error" '\[\{"code":404' \
	curl -s "$UC/open311/v2/requests/20260101-nothing1.json"
check_out "a POST with no intake key on the node is refused (403)" '^403$' \
	code -d "service_code=06010&lat=31.170&long=121.409&description=d" "$UC/open311/v2/requests.json"
check_out "in the specification's error format" '^\[\{"code":403,"description":"' \
	curl -s -d "service_code=06010&lat=31.170&long=121.409&description=d" "$UC/open311/v2/requests.json"

# ---- sessions across a restart of the daemon (docs/web.md) ----
SUPID=$(awk '$6 == "gc_session" { print $7 }' "$T/sup.jar")
check "sup's cookie is in its jar" test -n "$SUPID"
check "the session file holds no cookie" sh -c "! grep -q '$SUPID' '$C/web-sessions'"
check "nor a CSRF token" sh -c "! grep -q '$SUPT' '$C/web-sessions'"
check "nor any key: hash, public key, times, name on each line" sh -c \
	"tail -n +2 '$C/web-sessions' | grep -Evq '^[0-9a-f]{64} [0-9a-f]{64} [0-9]+ [0-9]+ [A-Za-z0-9._-]+\$' && exit 1; grep -q \" [0-9]* [0-9]* sup\$\" '$C/web-sessions'"
check "and is not readable by others" sh -c "[ \"\$(stat -c %a '$C/web-sessions')\" = 600 ]"
check "stop the centre" stop_daemon centre
# adm's session: as if last seen nine hours ago (8 hours idle end one).
check "age adm's session in the file" sed -i -E "s/^([0-9a-f]+ [0-9a-f]+ )([0-9]+) [0-9]+ adm\$/\1\2 1000 adm/" "$C/web-sessions"
check "start the centre again" start_daemon centre --listen "tcp://127.0.0.1:$RC"
check "its console answers" wait_until 10 sh -c "curl -s -o /dev/null '$UC/signin'"
check_out "the restart kept the live sessions, locked" "sessions kept across the restart" cat "$T/centre.log"
check_out "sup is still signed in" "^200$" code -b "$T/sup.jar" "$UC/"
check_out "but its signing key is locked" 'id="locked"' curl -s -b "$T/sup.jar" "$UC/"
check_out "the expired session was not kept" "^303$" code -b "$T/adm.jar" "$UC/peers"
SUPT2=$(csrf "$T/sup.jar" "$UC/")
check "the session has a new CSRF token" sh -c "[ -n '$SUPT2' ] && [ '$SUPT2' != '$SUPT' ]"
check_out "a report asks for the passphrase first" "/unlock\?next=/report\$" report "$T/sup.jar" "$SUPT2"
check_out "so does an action" "/unlock\?next=/case/$CASE\$" \
	curl -s -o /dev/null -w '%{redirect_url}' -b "$T/sup.jar" -d "csrf=$SUPT2&type=verify-pass" "$UC/act/$CASE"
check_out "the unlock form carries the token" "name=\"csrf\" value=\"$SUPT2\"" curl -s -b "$T/sup.jar" "$UC/unlock?next=/report"
check_out "unlock without it is refused" "^403$" code -b "$T/sup.jar" -d "pass=$PASS" "$UC/unlock"
check_out "a wrong passphrase does not unlock" "^401$" code -b "$T/sup.jar" -d "csrf=$SUPT2&pass=wrong+passphrase" "$UC/unlock"
check_out "the right one unlocks, back to where it was going" "/report\$" \
	curl -s -o /dev/null -w '%{redirect_url}' -b "$T/sup.jar" -d "csrf=$SUPT2&pass=$PASS&next=/report" "$UC/unlock"
check_out "and not to another site" "^http://127.0.0.1:$HC/\$" \
	curl -s -o /dev/null -w '%{redirect_url}' -b "$T/sup.jar" -d "csrf=$SUPT2&pass=$PASS&next=//evil.example/" "$UC/unlock"
check_out "then the report is signed" "/case/[0-9]{8}-" report "$T/sup.jar" "$SUPT2"
OPT=$(csrf "$T/op.jar" "$UC/") # op's session, read back, has a new token too

# ---- the session's end ----
check_out "sign-out without the token is refused" "^403$" code -b "$T/op.jar" -d "csrf=x" "$UC/signout"
check_out "sign-out with it" "^303$" code -b "$T/op.jar" -d "csrf=$OPT" "$UC/signout"
check_out "and the session is gone" "^303$" code -b "$T/op.jar" "$UC/"
check_out "every page forbids inline scripts and frames" "script-src 'self'.*frame-ancestors 'none'" \
	curl -s -i -b "$T/sup.jar" "$UC/"

check "stop the office" stop_daemon office
check "stop the centre" stop_daemon centre
check "no sanitizer spoke" clean_logs centre office
finish
