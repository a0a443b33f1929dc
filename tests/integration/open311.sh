# open311.sh - the Open311 GeoReport v2 endpoint through `gridcase open311`
# on a real node: every resource in JSON and XML, read by python3's own
# parsers and held to the shapes of the specification's sample responses
# (field names and types); the intake key; a public report through the
# workflow to its closure; errors in the specification's format.
. "$(dirname "$0")/lib.sh"

C="$T/centre"
export GRIDCASE_NOW=2026-03-02T01:00:00Z

# The specification's samples, as shapes: each reply is checked by
# shape.py KIND FORMAT FILE.
cat > "$T/shape.py" <<'EOF'
import json, sys, xml.etree.ElementTree as ET

kind, fmt, path = sys.argv[1:4]
raw = open(path, "rb").read()
SERVICE = ["service_code", "service_name", "description", "metadata",
           "type", "keywords", "group"]
REQUEST = ["service_request_id", "status", "status_notes", "service_name",
           "service_code", "description", "agency_responsible",
           "service_notice", "requested_datetime", "updated_datetime",
           "expected_datetime", "address", "address_id", "zipcode", "lat",
           "long", "media_url"]
CREATED = ["service_request_id", "service_notice", "account_id"]
ERROR = ["code", "description"]
DISCOVERY = ["changeset", "contact", "key_service", "endpoints"]
ENDPOINT = ["specification", "url", "changeset", "type", "formats"]
FIELDS = {"services": SERVICE, "requests": REQUEST, "created": CREATED,
          "errors": ERROR}
ROOT = {"services": ("services", "service"),
        "requests": ("service_requests", "request"),
        "created": ("service_requests", "request"),
        "errors": ("errors", "error")}

def fail(why):
    sys.exit("%s %s: %s" % (kind, fmt, why))

def check_record(r, fields):
    if list(r) != fields:
        fail("fields %s, expected %s" % (list(r), fields))
    if kind == "services":
        if not isinstance(r["metadata"], bool) or r["type"] not in (
                "realtime", "batch", "blackbox"):
            fail("metadata or type")
    if kind == "requests":
        if r["status"] not in ("open", "closed"):
            fail("status %r" % r["status"])
        for k in ("lat", "long"):
            if r[k] is not None and not isinstance(r[k], float):
                fail("%s is not a number" % k)
        for k in ("requested_datetime", "updated_datetime"):
            if not r[k].endswith("Z"):
                fail("%s %r has no zone" % (k, r[k]))
    if kind == "errors" and not isinstance(r["code"], int):
        fail("code is not a number")

if fmt == "json":
    doc = json.loads(raw.decode("utf-8"))
    if kind == "discovery":
        if list(doc) != DISCOVERY or list(doc["endpoints"][0]) != ENDPOINT:
            fail("fields")
        if doc["endpoints"][0]["formats"] != ["text/xml", "application/json"]:
            fail("formats")
    elif kind == "definition":
        if list(doc) != ["service_code", "attributes"] or doc["attributes"] != []:
            fail("fields")
    else:
        if not isinstance(doc, list):
            fail("not a list")
        for r in doc:
            check_record(r, FIELDS[kind])
    n = len(doc) if isinstance(doc, list) else 1
else:
    if not raw.startswith(b'<?xml version="1.0" encoding="utf-8"?>'):
        fail("no XML declaration")
    root = ET.fromstring(raw)
    if kind == "discovery":
        if [c.tag for c in root] != DISCOVERY:
            fail("fields")
        ep = root.find("endpoints/endpoint")
        if [c.tag for c in ep] != ENDPOINT or \
                [f.text for f in ep.find("formats")] != ["text/xml", "application/json"]:
            fail("endpoint")
        n = 1
    elif kind == "definition":
        if root.tag != "service_definition" or \
                [c.tag for c in root] != ["service_code", "attributes"]:
            fail("fields")
        n = 1
    else:
        top, item = ROOT[kind]
        if root.tag != top:
            fail("root %s" % root.tag)
        for r in root:
            if r.tag != item or [c.tag for c in r] != FIELDS[kind]:
                fail("element %s with %s" % (r.tag, [c.tag for c in r]))
        n = len(root)
print(n)
EOF

# The last reply of o311 is in $R (the checks write their output to $OUT).
R="$T/reply"

# shape KIND FORMAT EXPECTED-COUNT: the last reply has that shape.
shape() {
	n=$(python3 "$T/shape.py" "$1" "$2" "$R" 2>&1) && [ "$n" = "$3" ] ||
		{ echo "shape: $n (expected $3)"; cat "$R"; return 1; }
}

# o311 ARGS...: the reply's body alone in $R, its stderr in $T/err.
o311() {
	"$G" --dir "$C" open311 "$@" > "$R" 2> "$T/err"
}

check "the district's admin key" admin_setup
check "init the centre" "$G" --dir "$C" init --network xuhui --name centre --county 310104 --admin "$ADMIN"
check "the admin enrols the centre" enrol "$C" "$C" centre centre supervisor,operator,shift_lead,dispatcher
check "the district's grid" "$G" --dir "$C" grid import data/district/grid.geojson

# ---- discovery and services ----
for f in json xml; do
	check "GET discovery.$f" o311 GET discovery.$f --base-url http://127.0.0.1:8311/open311/v2/
	check "discovery.$f has the specification's shape" shape discovery $f 1
	check_out "discovery.$f names the endpoint's URL" "http://127.0.0.1:8311/open311/v2/" cat "$R"
	check "GET services.$f" o311 GET services.$f
	check "services.$f: the 250 matters, each in the sample's shape" shape services $f 250
	check "GET services/06010.$f" o311 GET services/06010.$f
	check "the service definition has no attributes" shape definition $f 1
done
check_out "a service is a class of the national table" '"service_code":"06010","service_name":"暴露垃圾"' \
	"$G" --dir "$C" open311 GET services.json
check "--include prints the status and the content type" o311 GET services.xml --include
check_out "the status" '^200$' cat "$R"
check_out "and the content type" '^text/xml; charset=utf-8$' cat "$R"

# ---- a report without, then with, an intake key ----
FORM='service_code=06010&lat=31.170&long=121.409&address_string=Caoxi+Road+88&description=Bags+%3Cof%3E+rubbish+%26+boxes&email=li%40example.org&phone=13800138000'
check_exit 1 "POST without an intake key fails" o311 POST requests.json --data "$FORM"
check "with a 403 in the error format" shape errors json 1
check_out "saying the node takes no requests" '"code":403,"description":"this node takes no service requests: it has no intake key"' cat "$R"
check_out "and telling the admin how to make one" "gridcase keygen .*intake.key.*operator role" cat "$T/err"
check "the intake key" sh -c "'$G' keygen '$C/intake.key' > '$T/intake.pub'"
check_exit 1 "an intake key the roster does not name is refused" o311 POST requests.json --data "$FORM"
check_out "naming the roster" "not in this node's roster" cat "$T/err"
check "no refused POST left the caller's number on the node" sh -c "! grep -rqs 13800138000 '$C/blobs'"
check "the admin adds it with the operator role" \
	"$G" --dir "$C" roster add "$(cat "$T/intake.pub")" --admin-key "$T/admin.key" --name open311 --unit hotline --roles operator
check "POST requests.json" o311 POST requests.json --data "$FORM"
check "the reply has the sample's shape" shape created json 1
ID=$(json_field service_request_id < "$R")
check "it names the new request" test -n "$ID"
"$G" --dir "$C" case show "$ID" --json > "$T/case.json"
check_out "the case is a hotline report" '"source":"hotline"' cat "$T/case.json"
check_out "in the cell of the position" '"grid":"310104007002001"' cat "$T/case.json"
check_out "signed by the intake key" "$(cut -c1-16 "$T/intake.pub")" "$G" --dir "$C" log --case "$ID"
check_out "the caller's contact is personal data, not in the case text" '"caller":"[0-9a-f]{64}"' \
	cat "$T/case.json"
check "kept in a blob of the node" grep -rq 13800138000 "$C/blobs"
check "and no reply shows it" sh -c "! '$G' --dir '$C' open311 GET requests.json | grep -q 13800138000"
printf 'service_code=01001&lat=31.170&long=121.409' > "$T/form"
check "POST requests.xml with the body from a file" o311 POST requests.xml --data "@$T/form"
check "the XML reply has the sample's shape" shape created xml 1

# ---- reading them back ----
for f in json xml; do
	check "GET requests.$f" o311 GET requests.$f
	check "requests.$f: both, in the sample's shape" shape requests $f 2
	check "GET requests/ID.$f" o311 GET "requests/$ID.$f"
	check "requests/ID.$f: one" shape requests $f 1
done
o311 GET "requests/$ID.xml"
check_out "XML escapes the caller's markup" '<description>Bags &lt;of&gt; rubbish &amp; boxes</description>' cat "$R"
check_out "the office of the cell is responsible until dispatch" '"agency_responsible":"office-07"' \
	"$G" --dir "$C" open311 GET "requests/$ID.json"
check_out "status=closed lists none" '^\[\]$' "$G" --dir "$C" open311 GET requests.json --query status=closed
check_out "service_code picks one" '"service_code":"01001"' \
	"$G" --dir "$C" open311 GET requests.json --query service_code=01001

# ---- the public report goes through the workflow ----
check_exit 1 "it cannot be accepted before the on-site check" "$G" --dir "$C" case accept "$ID"
check "a supervisor finds it on site" "$G" --dir "$C" case check "$ID" --found yes --by S-07
check "the centre accepts it" "$G" --dir "$C" case accept "$ID"
check "and registers it" "$G" --dir "$C" case register "$ID" --urgency normal --limit 4h
check "the office's key" sh -c "'$G' keygen '$T/office.key' > '$T/office.pub'"
check "is in the roster" "$G" --dir "$C" roster add "$(cat "$T/office.pub")" --admin-key "$T/admin.key" \
	--name office-07 --unit office-07 --roles disposal
check "and the case is dispatched to it" "$G" --dir "$C" case dispatch "$ID" --unit office-07
o311 GET "requests/$ID.json"
check "a dispatched request keeps its shape" shape requests json 1
check_out "it is open and with the office" '"status":"open","status_notes":"dispatched \(派遣\): with the disposal unit"' cat "$R"
check_out "with its time limit" '"service_notice":"time limit 4h of working time from dispatch"' cat "$R"
check_out "and the time it is expected" '"expected_datetime":"2026-03-02T0[0-9]:[0-9]{2}:00Z"' cat "$R"
check "the shift lead cancels it" "$G" --dir "$C" case cancel "$ID" --reason "a test"
check_out "now it is closed" '"status":"closed","status_notes":"cancelled \(作废\)"' \
	"$G" --dir "$C" open311 GET "requests/$ID.json"
check_out "and status=closed lists it" "$ID" "$G" --dir "$C" open311 GET requests.json --query status=closed

# ---- errors, in the specification's format ----
check_exit 1 "an unknown request" o311 GET requests/20260302-nosuchca.xml
check "is a 404 in XML" shape errors xml 1
check_exit 1 "a POST without service_code" o311 POST requests.json --data 'lat=31.17&long=121.409'
check "is a 400 in JSON" shape errors json 1
check_out "naming the field" '"code":400,"description":"service_code is required"' cat "$R"
check_exit 1 "a position outside the district" o311 POST requests.json --data 'service_code=06010&lat=30&long=120'
check_out "is refused" "outside this district's grid" cat "$R"
check_exit 1 "a date span over 90 days" o311 GET requests.json --query 'start_date=2026-01-01&end_date=2026-06-01'
check_out "is refused" "may not span more than 90 days" cat "$R"
check_exit 1 "a wrong api_key, once keys are listed" sh -c "echo city-app-key > '$C/open311-api-keys' && '$G' --dir '$C' open311 POST requests.json --data 'service_code=06010&lat=31.170&long=121.409&api_key=nope' > '$R'"
check_out "is a 403" '"code":403,"description":"invalid api_key"' cat "$R"
check "the right one is taken" o311 POST requests.json --data 'service_code=06010&lat=31.170&long=121.409&api_key=city-app-key'
check_exit 2 "a method the CLI does not send is a usage error" "$G" --dir "$C" open311 PUT requests.json
check_exit 2 "a path is required" "$G" --dir "$C" open311 GET
check_out "every event still verifies" "ok" "$G" --dir "$C" verify

finish
