# daemon_ops.sh - what an admin sees of a running daemon: `status` says
# whether it runs (pid, address, uptime, peers connected) and tells a
# stale status file from a live one; SIGHUP reloads config.json (and a
# broken one is refused, the daemon going on); log lines carry the date.

# district() sets KEY_x and PORT_x with eval.
# shellcheck disable=SC2154
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl_lib.inc"

check "a district of two nodes" district a b

check_out "status before any daemon: not running" "^daemon +not running\$" \
	"$G" --dir "$T/a" status
check_out "status --json: running false" '"daemon":\{"running":false\}' \
	"$G" --dir "$T/a" status --json

check "a's daemon starts" start_daemon a
check "b's daemon starts" start_daemon b
connected_1() {
	"$G" --dir "$T/a" status | grep -q "1 of 1 peer connected"
}
check "status: a has its one peer connected" wait_until 10 connected_1
check_out "status: running, its pid, its address, its uptime" \
	"^daemon +running: pid $(pid_of a), up [0-9]+s \(since 20[0-9-]+T[0-9:]+Z\), listening on $(addr_of a), 1 of 1 peer connected" \
	"$G" --dir "$T/a" status
check_out "status --json: pid, listen and peers" \
	"\"daemon\":\{\"running\":true,\"pid\":$(pid_of a),\"started\":\"[^\"]+\",\"uptime_s\":[0-9]+,\"listen\":\[\"$(addr_of a)\"\],\"peers\":1,\"peers_connected\":1\}" \
	"$G" --dir "$T/a" status --json

check "log lines carry the date and time, ISO 8601 in UTC" \
	grep -Eq '^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]\.[0-9]{3}Z info daemon: ' "$T/a.log"
check "no log line without its date" sh -c \
	"! grep -Ev '^20[0-9]{2}-[01][0-9]-[0-3][0-9]T' '$T/a.log' | grep -E ' (info|warn|error) '"

# ---- SIGHUP ----
reloaded() {
	[ "$(grep -c "configuration reloaded" "$T/a.log")" -ge "$1" ]
}
refused() {
	grep -q "configuration not reloaded" "$T/a.log"
}
sed 's/"interval_ms": 2000/"interval_ms": 750/' "$T/a/config.json" > "$T/cfg" &&
	cp "$T/cfg" "$T/a/config.json"
check "SIGHUP is delivered" kill -HUP "$(pid_of a)"
check "SIGHUP reloads the configuration" wait_until 10 reloaded 1
check_out "the new interval is in force" "reloaded .*interval 750 ms" cat "$T/a.log"
check "the daemon still runs after SIGHUP" alive "$(pid_of a)"
cp "$T/a/config.json" "$T/cfg.good"
printf '{ "replication": { "interval_ms": 900, ' > "$T/a/config.json"
check "SIGHUP with a broken configuration is delivered" kill -HUP "$(pid_of a)"
check "a broken configuration is refused with a reason" wait_until 10 refused
check "and the daemon goes on" alive "$(pid_of a)"
cp "$T/cfg.good" "$T/a/config.json"
E=$(note b k 1)
check "it still replicates" wait_until 10 has_event a "$E"
check "a third SIGHUP with the good file reloads again" kill -HUP "$(pid_of a)"
check "reloaded twice now" wait_until 10 reloaded 2

# ---- stopped, and killed ----
check "a's daemon stops" stop_daemon a
check_out "status after a clean stop: not running" "^daemon +not running\$" \
	"$G" --dir "$T/a" status
check "no status file is left" test ! -e "$T/a/run.status"
check "b's status file is there" test -s "$T/b/run.status"
BPID=$(pid_of b)
kill -KILL "$BPID"
wait "$BPID" 2>/dev/null
forget_pid "$BPID"
eval "PID_b="
check_out "status after kill -9: not running, the stale file named" \
	"^daemon +not running \(pid $BPID left run.status behind: it was killed or crashed\)" \
	"$G" --dir "$T/b" status
check_out "status --json names the stale pid" "\"daemon\":\{\"running\":false,\"stale_pid\":$BPID\}" \
	"$G" --dir "$T/b" status --json
check "b's daemon starts again over the stale file" start_daemon b
check_out "and status says it runs, with its new pid" "^daemon +running: pid $(pid_of b)," \
	"$G" --dir "$T/b" status
check "b's daemon stops" stop_daemon b
finish
