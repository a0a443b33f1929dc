#!/bin/sh
# cli_peers.sh - `gridcase peers` as an admin reads it, with real daemons
# on loopback: aligned columns (a Chinese name takes two cells a
# character), THEY LACK the same as `repl status`, the table fitted to the
# terminal or --wide, and a stopped daemon said on stderr, the table alone
# on stdout.
# shellcheck disable=SC2086,SC2154
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl_lib.inc"

check "a district of two nodes" district a b
# A member with a Chinese name whose address nothing serves: a's daemon
# tries it and records an error.
NAME="徐汇区办公室"
"$G" keygen "$T/x.key" > "$T/x.pub"
check "a member with a Chinese name joins" "$G" --dir "$T/a" roster add "$(cat "$T/x.pub")" \
	--admin-key "$T/admin.key" --name "$NAME" --unit office-x --roles disposal \
	--addr "tcp://127.0.0.1:$((PORT0 + 2))"
note a case-a 1 > /dev/null
check "a's daemon starts" start_daemon a --peer b --peer "$NAME" --interval 200
check "b's daemon starts" start_daemon b --peer a --interval 200
check "a and b converge" wait_until 20 converged a b
has_error() { peer_json a "$NAME" | grep -q '"last_error":"[^"]'; }
check "a records an error for the member nobody serves" wait_until 20 has_error

# ---- aligned columns ----
env -u COLUMNS "$G" --dir "$T/a" peers > "$T/table" 2> "$T/footer"
cp "$T/table" "$OUT"
# The cells before the CONNECTED column, on every line (header too).
LC_ALL=C.UTF-8 sed -E 's/^(.*[^ ] +)(CONNECTED|yes|no|refused|misbehaving|blocked)  .*/\1/' "$T/table" |
	while IFS= read -r prefix; do printf '%s\n' "$prefix" | LC_ALL=C.UTF-8 wc -L; done |
	sort -u > "$T/widths"
check "every row's CONNECTED starts in the same column, the Chinese name's row too" \
	[ "$(wc -l < "$T/widths")" -eq 1 ]
check "the table has the Chinese name" grep -q "^$NAME  " "$T/table"
check "a running daemon: nothing on stderr" [ ! -s "$T/footer" ]

# ---- a peer up again: its last error is said as earlier ----
check "a blocks b" "$G" --dir "$T/a" peers block b
refused_by_a() { peer_json b a | grep -q '"last_error":"refused'; }
check "b's pulls from a are refused" wait_until 20 refused_by_a
check "a unblocks b" "$G" --dir "$T/a" peers unblock b
up_again() { env -u COLUMNS "$G" --dir "$T/b" peers 2>/dev/null | grep -Eq '^a +yes '; }
check "b's table shows a up again" wait_until 20 up_again
check_out "with the refusal as earlier, not as its state" '^a +yes .*earlier: refused' \
	env -u COLUMNS "$G" --dir "$T/b" peers

# ---- THEY LACK as repl status counts it ----
check "b's daemon stops" stop_daemon b
note a case-a 2 > /dev/null
note a case-a 3 > /dev/null
# repl status --json: per author our seq and b's; the sum of what b lacks.
repl_lack() {
	"$G" --dir "$T/a" repl status --json | grep -o '{"author":"[0-9a-f]*","seq":[0-9]*,"peers":{[^}]*}' |
		sed -n 's/.*"seq":\([0-9]*\),"peers":{.*"b":\([0-9]*\).*/\1 \2/p' |
		awk '{ if ($1 > $2) n += $1 - $2 } END { print n + 0 }'
}
peers_lack() { peer_num a b they_lack; }
check "b lacks a's two new events" [ "$(repl_lack)" -ge 2 ]
check "peers --json says what repl status says ($(repl_lack))" [ "$(peers_lack)" = "$(repl_lack)" ]
lack_col() { # the THEY LACK cell of b's row
	env -u COLUMNS "$G" --dir "$T/a" peers 2>/dev/null |
		awk -v want="$(repl_lack)" '$1 == "b" { for (i = 1; i <= NF; i++) if ($i == want) f = 1 } END { exit !f }'
}
check "and so does the table" lack_col

# ---- the terminal's width, or --wide ----
env -u COLUMNS "$G" --dir "$T/a" peers > "$T/full" 2>/dev/null
line=$(grep "^$NAME" "$T/full")
err=$(peer_json a "$NAME" | sed -n 's/.*"last_error":"\([^"]*\)".*/\1/p')
check "not on a terminal, the error is whole" grep -qF -- "$err" "$T/full"
w=$(printf '%s\n' "$line" | LC_ALL=C.UTF-8 wc -L)
cols=$((w - 10))
COLUMNS=$cols "$G" --dir "$T/a" peers > "$T/cut" 2>/dev/null
cut_w=$(grep "^$NAME" "$T/cut" | LC_ALL=C.UTF-8 wc -L)
check "COLUMNS=$cols: the row fits ($cut_w cells)" [ "$cut_w" -le "$cols" ]
check "the cut error ends in ..." grep -q "^$NAME.*\.\.\.$" "$T/cut"
COLUMNS=$cols "$G" --dir "$T/a" peers --wide > "$T/wide" 2>/dev/null
check "--wide: the whole error, whatever the width" grep -qF -- "$err" "$T/wide"
wide_w=$(grep "^$NAME" "$T/wide" | LC_ALL=C.UTF-8 wc -L)
check "--wide: the row is as long as it is ($w cells, over $cols)" [ "$wide_w" -eq "$w" ]

# ---- a stopped daemon is said, on stderr ----
check "a's daemon stops" stop_daemon a
"$G" --dir "$T/a" peers > "$T/table" 2> "$T/footer"
cp "$T/footer" "$OUT"
check "stderr says the daemon is not running, and since when" \
	grep -Eq "^peers: the daemon is not running: figures as last known at [0-9]{4}-[0-9]{2}-[0-9]{2}T" "$T/footer"
check "stdout is the table alone" sh -c "head -n 1 '$T/table' | grep -q '^PEER ' && ! grep -q 'daemon' '$T/table'"
check "no peer shows as connected" sh -c "! grep -Eq '^[^ ]+ +yes ' '$T/table'"
check_out "JSON: daemon_running false, the time last known, connected false" \
	'"daemon_running":false,"last_known":"[0-9T:Z-]+".*"name":"b","addr":"[^"]*","connected":false' \
	"$G" --dir "$T/a" peers --json
check_out "case list's count goes to stderr too" "^0 cases$" sh -c "'$G' --dir '$T/a' case list 2>&1 >/dev/null"

finish
