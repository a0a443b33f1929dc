# service.sh - the systemd unit and the sysusers entry, checked offline:
# systemd-analyze scores the unit's sandboxing below 3 ("OK"), the unit
# has what an admin relies on (its state directory, its own user, a umask,
# the descriptor limit, reload by SIGHUP), and systemd-sysusers makes the
# user from the entry.  Skipped where systemd's tools are not installed.
. "$(dirname "$0")/lib.sh"

UNIT=$(pwd)/docs/man/gridcase.service
SYSUSERS=$(pwd)/docs/man/gridcase.sysusers

if ! command -v systemd-analyze > /dev/null 2>&1; then
	echo "systemd-analyze is not installed: skipped"
	finish
	exit
fi

systemd-analyze security --offline=yes "$UNIT" > "$T/score" 2>&1
SCORE=$(sed -n 's/.*Overall exposure level for gridcase.service: \([0-9.]*\).*/\1/p' "$T/score")
check "systemd-analyze gives the unit a score" test -n "$SCORE"
check "the score is below 3 (it was 8.7 before the sandboxing)" \
	awk -v s="$SCORE" 'BEGIN { exit !(s < 3) }'
[ "${TEST_VERBOSE:-}" = 1 ] && echo "exposure: $SCORE"
for want in 'StateDirectory=gridcase' 'User=gridcase' 'UMask=0077' \
	'LimitNOFILE=' 'ExecReload=/bin/kill -HUP $MAINPID' 'ProtectSystem=strict' \
	'ProtectHome=yes' 'PrivateTmp=yes' 'NoNewPrivileges=yes' \
	'CapabilityBoundingSet=$' 'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' \
	'SystemCallFilter=@system-service'; do
	check "the unit has $want" grep -q "^$want" "$UNIT"
done
mkdir -p "$T/root/etc"
check_out "systemd-sysusers makes the gridcase user from the entry" \
	"Creating user 'gridcase'" systemd-sysusers --dry-run --root="$T/root" "$SYSUSERS"
finish
