# disk_full.sh - a node whose disk fills up while its daemon replicates:
# it says "disk full" with the file and the free space (in its log, in
# `status` and `repl status`), keeps running, parks nothing, refuses
# local writes cleanly, and catches up by itself once space is freed.
#
# The node lives on a 16 MiB tmpfs mounted in a private mount namespace
# (the script runs itself again under `unshare -m`), so filling it
# touches nothing else.  Without the rights for that (not root) the
# checks are skipped, and the reason printed.

# shellcheck disable=SC2086,SC2154
if [ -z "${GRIDCASE_DISK_NS:-}" ]; then
	if unshare -m true 2>/dev/null; then
		GRIDCASE_DISK_NS=1 exec unshare -m sh "$0" "$@"
	fi
	echo "note: cannot make a private mount namespace (unshare -m needs root), so the disk-full checks are skipped"
	echo "0 passed, 0 failed"
	exit 0
fi

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl_lib.inc"

# Daemons first, then the file system under b, then the directory.
trap 'repl_cleanup 2>/dev/null; umount "$T/b" 2>/dev/null; rm -rf "$T"' EXIT

mkdir "$T/b"
if ! mount -t tmpfs -o size=16m tmpfs "$T/b" 2>"$OUT"; then
	echo "note: cannot mount a tmpfs ($(cat "$OUT")), so the disk-full checks are skipped"
	echo "0 passed, 0 failed"
	exit 0
fi

check "a district of two nodes, b on a 16 MiB file system" district a b

# field NAME KEY: a number from NAME's status --json.
field() {
	"$G" --dir "$T/$1" status --json | sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p"
}

# big NAME CASE N: N events of 20 KB each on NAME (about 2 MiB per 100).
BODY=$(head -c 20000 /dev/zero | tr '\0' x)
big() {
	bg_i=0
	while [ "$bg_i" -lt "$3" ]; do
		note_big "$1" "$2" "$bg_i" || return 1
		bg_i=$((bg_i + 1))
	done
}
note_big() {
	nb_id=$("$G" --dir "$T/$1" event add --case "$2" --type note \
		--body "{\"n\":$3,\"pad\":\"$BODY\"}") || return 1
	echo "$nb_id" >> "$T/acked"
}

check "a writes 10 events" big a warm-up 10
check "a's daemon starts" start_daemon a --peer b --interval 500
check "b's daemon starts" start_daemon b --peer a --interval 500
check "b holds a's events" wait_until 20 converged a b

# ---- the disk fills up ----
dd if=/dev/zero of="$T/b/filler" bs=64k > /dev/null 2>&1
check_out "b's file system is full" '^0$' sh -c "df -B1 --output=avail '$T/b' | tail -n 1 | tr -d ' '"
EVENTS_B=$(field b events)
check "a writes 30 more events (600 KB) while b's disk is full" big a flood 30

says_disk_full() {
	grep -q "disk full: cannot store .* events from a: .*no room to write '$T/b/data.mdb' (0 B free of 16.0 MiB" \
		"$T/b.log"
}
check "b's daemon logs disk full, naming its file and the free space" wait_until 20 says_disk_full
check "once, not at every round" test "$(grep -c 'disk full: cannot store' "$T/b.log")" -eq 1
check "b's daemon keeps running" alive "$(pid_of b)"
check_out "b's status says the disk is full" "^disk +FULL: 0 B free of 16.0 MiB" \
	"$G" --dir "$T/b" status
status_has_why() {
	"$G" --dir "$T/b" status | grep -q "the daemon cannot store what peers send: .*disk full"
}
check "and why, in the daemon's words" wait_until 10 status_has_why
check_out "status --json too" '"disk":\{"free":0,.*"full":true,"error":"[^"]*disk full' \
	"$G" --dir "$T/b" status --json
check_out "repl status says it too" "^disk +FULL: " "$G" --dir "$T/b" repl status
check_err 1 "repl sync stops at the full disk, saying so" "no round with a: cannot store: .*disk full" \
	"$G" --dir "$T/b" repl sync a
check "nothing fetched meanwhile is parked in b's waiting room" test "$(field b pending)" -eq 0
check "b stored none of the events it had no room for" test "$(field b events)" -eq "$EVENTS_B"

# Local writes on the full disk: refused, clearly, and nothing changes.
D_FULL=$(digest "$T/b")
check_err 1 "a local event on the full disk is refused: disk full, the file, the free space" \
	"cannot append to case 'x': cannot commit: disk full: no room to write '$T/b/data.mdb' \(0 B free" \
	"$G" --dir "$T/b" event add --case x --type note --body "{\"pad\":\"$BODY$BODY\"}"
check_err 1 "a blob on the full disk is refused: disk full" "disk full \(0 B free of 16.0 MiB" \
	"$G" --dir "$T/b" blob add "$0"
check "the refused writes changed nothing" test "$(digest "$T/b")" = "$D_FULL"
check "and left no half-written blob" test -z "$(find "$T/b/blobs" -type f 2>/dev/null)"
check_out "the store verifies" "ok$" "$G" --dir "$T/b" verify

# ---- space returns ----
rm -f "$T/b/filler"
check "b catches up by itself once space is freed" wait_until 60 converged a b
check "b's daemon says the space is back" grep -q "disk space is back" "$T/b.log"
status_clear() {
	! "$G" --dir "$T/b" status | grep -q "FULL"
}
check "b's status no longer says full" wait_until 10 status_clear
check "b's daemon kept running throughout" alive "$(pid_of b)"
check "nothing waits in b's waiting room" test "$(field b pending)" -eq 0
check_out "b verifies" "ok$" "$G" --dir "$T/b" verify
check "a local write works again" note b x 1
check "a and b agree" wait_until 20 converged a b

# ---- a batch that fails, then one that would fit ----
# b fetches a's next 501 events as two requests: 500, then 1, and admits
# the two replies in one batch (replies checked in a row are admitted
# together, docs/protocol.md §4), or, were they apart, 500 then 1.  With
# 256 KiB free the 500 cannot be committed and the 1 alone could be: it
# must not be stored either (its predecessors are missing, it would wait
# in b's waiting room), since the round ends at the failure and the next
# round asks again from b's summary.
check "b's daemon stops" stop_daemon b
check_out "a writes 501 small events" "^501 events" "$GRIDCASE_TOOLS/make_events" "$T/a" 501
EVENTS_B=$(field b events)
dd if=/dev/zero of="$T/b/reserve" bs=64k count=4 > /dev/null 2>&1
dd if=/dev/zero of="$T/b/filler" bs=64k > /dev/null 2>&1
rm -f "$T/b/reserve"
check "b's daemon starts again, with 256 KiB free" start_daemon b --peer a --interval 500
says_full_500() {
	test "$(grep -cE 'disk full: cannot store 50[01] events from a' "$T/b.log")" -ge 1
}
check "the 500 cannot be stored: disk full" wait_until 20 says_full_500
check "b's daemon keeps running" alive "$(pid_of b)"
check "the 1 after them is not parked in b's waiting room" test "$(field b pending)" -eq 0
check "b stored none of them" test "$(field b events)" -eq "$EVENTS_B"
rm -f "$T/b/filler"
check "b catches up once space is freed" wait_until 60 converged a b
check "nothing waits in b's waiting room" test "$(field b pending)" -eq 0
check "no sanitizer spoke" clean_logs a b
check "the daemons stop cleanly" stop_daemon b
finish
