# backup.sh - backups, restores and key replacement, with real daemons.
#
# An office is backed up while its daemon runs, writes on, and is lost.
# Restored from the old backup while the centre holds its newer events,
# it takes a new key: it cannot sign until the admin replaces the old key
# in the roster, and the replacement, made on the centre, revokes the old
# key after the last seq the centre holds.  The restored office then
# fetches its own later events from the centre as anyone's, writes with
# its new key, and no node ever sees a fork.  Then `rekey` rotates the
# centre's key the same way while its daemon runs: the office fetches the
# change from the daemon, still on the old key, which then restarts.

# district() sets KEY_x and PORT_x with eval.
# shellcheck disable=SC2154
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl_lib.inc"

check "a district of two nodes" district centre office

forks_of() {
	"$G" --dir "$T/$1" status | sed -n 's/^forks *\([0-9]*\).*/\1/p'
}
no_fork() {
	for nf_n; do
		[ "$(forks_of "$nf_n")" = 0 ] || return 1
	done
}
# last_seq NAME KEY: the highest seq of KEY in NAME's summary.
last_seq() {
	"$G" --dir "$T/$1" status --json | grep -o "\"author\":\"$2\",\"seq\":[0-9]*" |
		sed 's/.*://'
}
seq_is() {
	[ "$(last_seq "$1" "$2")" = "$3" ]
}

check "the centre's daemon starts" start_daemon centre --interval 200
check "the office's daemon starts" start_daemon office --interval 200
E1=$(note office k-office 1)
check "the office's first event reaches the centre" wait_until 10 has_event centre "$E1"

printf 'a photo of a broken manhole cover\n' > "$T/photo.jpg"
PHOTO=$("$G" --dir "$T/office" blob add "$T/photo.jpg")

# ---- the backup, while the daemon runs ----
check "backup while the daemon runs" "$G" --dir "$T/office" backup "$T/bk"
check "the daemon still runs" alive "$(pid_of office)"
check "the backup holds a store, the configuration and the public key" \
	test -f "$T/bk/data.mdb" -a -f "$T/bk/config.json" -a -f "$T/bk/node.pub"
check "the backup holds no secret key" test ! -e "$T/bk/node.key"
check_out "node.pub is the office's key" "^$KEY_office\$" cat "$T/bk/node.pub"
check_out "the backup verifies" "ok|no problems|0 problems" "$G" --dir "$T/bk" verify
check_err 1 "a second backup into the same place is refused" "already holds a data.mdb" \
	"$G" --dir "$T/office" backup "$T/bk"
check_exit 2 "backup without DEST is a usage error" "$G" --dir "$T/office" backup

# ---- the office writes on, then is lost ----
E2=$(note office k-office 2)
E3=$(note office k-office 3)
check "the office's later events reach the centre" wait_until 10 has_event centre "$E3"
check "the centre holds the office's key up to seq 3" seq_is centre "$KEY_office" 3
check "the office's daemon stops" stop_daemon office
check "the office is lost" mv "$T/office" "$T/office.lost"

# ---- the restore: a new key ----
check_err 1 "a restore into a node is refused" "already holds a node" \
	"$G" --dir "$T/centre" restore "$T/bk"
check_err 1 "a restore of no backup is refused" "not a gridcase backup|no backup" \
	"$G" --dir "$T/nothing" restore "$T/centre.log"
"$G" --dir "$T/office" restore "$T/bk" > "$T/new.key" 2> "$T/restore.err"
check "the restore succeeds" test -s "$T/new.key"
NEW=$(cat "$T/new.key")
check "the restored node's key is new" test "$NEW" != "$KEY_office"
check_out "the restore says what the admin does next" "roster replace $KEY_office $NEW" \
	cat "$T/restore.err"
check "the restored node knows the office's events up to the backup" has_event office "$E1"
check "but not those after it" lacks office "$E2"
check "the restored node has the blob of the backup" sh -c \
	"'$G' --dir '$T/office' blob get '$PHOTO' -o '$T/photo.back' && cmp '$T/photo.jpg' '$T/photo.back'"
check_err 1 "the restored node cannot sign before the roster holds its key" \
	"not a member|no member|denied|not in" \
	"$G" --dir "$T/office" event add --case k-office --type note --body '{"n":9}'
check_err 1 "the restored node refuses to guess where the old key's chain ends" \
	"restored from a backup" \
	"$G" --dir "$T/office" roster replace "$KEY_office" "$NEW" --admin-key "$T/admin.key"
check_out "the centre replaces the key, named by the member's name, at seq 3" "after seq 3" \
	"$G" --dir "$T/centre" roster replace office "$NEW" --admin-key "$T/admin.key"
check_out "the roster shows the old key revoked after seq 3" "$KEY_office .*REVOKED after seq 3" \
	"$G" --dir "$T/centre" roster show
check_out "and the new one under the same name and unit" "^$NEW  office +office " \
	"$G" --dir "$T/centre" roster show

# ---- the restored node catches up and writes with its new key ----
check "the restored node syncs with the centre" "$G" --dir "$T/office" repl sync centre
check "it now holds the office's events made after the backup" has_event office "$E3"
check "the restored office's daemon starts" start_daemon office --interval 200
E4=$(note office k-office 4)
check "the restored office writes with its new key" test -n "$E4"
check "the new event reaches the centre" wait_until 10 has_event centre "$E4"
check "the new key's event is its seq 1" seq_is centre "$NEW" 1
check "the old key stays at seq 3 everywhere" seq_is office "$KEY_office" 3
check "both converge" wait_until 10 converged centre office
check "no fork anywhere" no_fork centre office
check "the centre verifies" "$G" --dir "$T/centre" verify
check "the office verifies" "$G" --dir "$T/office" verify

# ---- rekey: the centre rotates its own key ----
OLDC=$KEY_centre
check_exit 2 "rekey takes no --key" \
	"$G" --dir "$T/centre" --key "$T/centre/node.key" rekey --admin-key "$T/admin.key"
check_err 2 "rekey without the admin key is refused" "admin-key" \
	"$G" --dir "$T/centre" rekey
C_LAST=$(last_seq centre "$OLDC")
"$G" --dir "$T/centre" rekey --admin-key "$T/admin.key" > "$T/rekey.out" 2> "$T/rekey.err"
check_out "rekey, the daemon running, revokes the old key after its last seq" \
	"revoked after its seq $C_LAST" cat "$T/rekey.err"
NEWC=$(cat "$T/rekey.out")
check "the centre's key file holds the new key" test "$(node_key "$T/centre")" = "$NEWC"
check "no node.key.new is left" test ! -e "$T/centre/node.key.new"
check_out "the new key has the centre's name and roles" "^$NEWC  centre +centre +supervisor" \
	"$G" --dir "$T/centre" roster show
office_knows_new_centre() {
	"$G" --dir "$T/office" roster show | grep -q "^$NEWC  centre"
}
check "the office fetches the change from the daemon still on the old key" \
	wait_until 10 office_knows_new_centre
check "the centre's daemon stops" stop_daemon centre
check "the centre's daemon starts again with its new key" start_daemon centre --interval 200
E5=$(note centre k-centre 5)
check "the centre writes with its new key" seq_is centre "$NEWC" 1
check "the centre's new event reaches the office" wait_until 10 has_event office "$E5"
check "both converge after the rotation" wait_until 10 converged centre office
check "still no fork" no_fork centre office
check_out "names are accepted for keys: log --author centre" "k-centre" \
	"$G" --dir "$T/office" log --author centre
check_err 2 "an unknown name is refused" "not a key .* or a member.s name" \
	"$G" --dir "$T/office" log --author nosuch
for n in centre office; do
	check "$n's daemon stops with exit 0" stop_daemon "$n"
done
finish
