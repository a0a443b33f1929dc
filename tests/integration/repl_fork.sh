# repl_fork.sh - a fork delivered to two halves of a district.
#
# Two office nodes, f and g, are copied while stopped (a backup); the
# backups are "restored" and write too, so each key signs two different
# histories from one seq on: f one event on each side, g two.  The
# originals replicate into half A (a1 a2 a3); the backups' events reach
# half B (b1 b2 b3) in an exported file.  The halves peer only among
# themselves and keep writing.  Then the partition heals: every node must
# end with the same fork proofs and the same digest, and the other
# authors' events - written before, during and after the fork - must be
# everywhere.

# Node lists are split into words on purpose; district() sets KEY_x and
# PORT_x with eval.
# shellcheck disable=SC2086,SC2154
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl_lib.inc"

HALF_A="a1 a2 a3"
HALF_B="b1 b2 b3"
ALL="$HALF_A $HALF_B f g"
check "a district of eight nodes" district $ALL

# fork_proofs NAME: the forks in NAME's status (JSON text).
fork_proofs() {
	"$G" --dir "$T/$1" status --json | sed -n 's/.*"forks":\(\[.*\]\),"summary":.*/\1/p'
}
# fork_points NAME: the (author, seq) of each fork NAME knows, without the
# versions it holds (nodes may hold different ones: docs/format.md §5a).
fork_points() {
	fork_proofs "$1" | grep -o '"author":"[0-9a-f]*","name":"[^"]*","seq":[0-9]*'
}
# same_forks NAME...: every node knows the same, non-empty, fork points
# naming f (and, when FORK_G is set, g).
same_forks() {
	sf_first=""
	for sf_n; do
		sf_p=$(fork_points "$sf_n")
		case "$sf_p" in *"$KEY_f"*) ;; *) return 1 ;; esac
		if [ -n "${FORK_G:-}" ]; then
			case "$sf_p" in *"$KEY_g"*) ;; *) return 1 ;; esac
		fi
		[ -z "$sf_first" ] && sf_first=$sf_p
		[ "$sf_p" = "$sf_first" ] || return 1
	done
}
no_forks() {
	for nf_n; do
		[ "$(fork_proofs "$nf_n")" = "[]" ] || return 1
	done
}
# write NAME CASE N: an event that does not go to $T/acked (the forked
# authors' later events are refused by design).
write() {
	"$G" --dir "$T/$1" event add --case "$2" --type note --body "{\"n\":$3}"
}

# ---- before: one district, everyone connected ----
for n in $ALL; do
	note "$n" "case-$n" 1 > /dev/null
done
write f case-f 2 > /dev/null
write g case-g 2 > /dev/null
for n in $ALL; do
	check "$n's daemon starts, pulling from everyone" start_daemon "$n" --interval 500
done
check "all eight converge" wait_until 30 converged $ALL
for n in $ALL; do
	check "$n stops with exit 0" stop_daemon "$n"
done

# ---- the fork: backups of f and g, restored, write too ----
check "f and g are backed up while stopped" sh -c "cp -a '$T/f' '$T/f2' && cp -a '$T/g' '$T/g2'"
X=$(write f case-f 3)
Y=$(write f2 case-f 3)
G1A=$(write g case-g 3)
G2A=$(write g case-g 4)
G1B=$(write g2 case-g 3)
G2B=$(write g2 case-g 4)
check "f and its restored backup signed different events" test -n "$X" -a -n "$Y" -a "$X" != "$Y"
check "so did g and its backup, twice" test -n "$G2A" -a -n "$G2B" -a "$G1A" != "$G1B"
check_out "both are f's seq 3" '"seq":3' sh -c "'$G' --dir '$T/f2' log --json | grep -o '{\"id\":\"$Y\"[^}]*}'"

# ---- two halves, each peered only within itself ----
check "a1 starts (a2, a3, f, g)" start_daemon a1 --peer a2 --peer a3 --peer f --peer g --interval 500
check "a2 starts (a1, a3)" start_daemon a2 --peer a1 --peer a3 --interval 500
check "a3 starts (a1, a2)" start_daemon a3 --peer a1 --peer a2 --interval 500
check "f starts (a1)" start_daemon f --peer a1 --interval 500
check "g starts (a1)" start_daemon g --peer a1 --interval 500
check "b1 starts (b2, b3)" start_daemon b1 --peer b2 --peer b3 --interval 500
check "b2 starts (b1, b3)" start_daemon b2 --peer b1 --peer b3 --interval 500
check "b3 starts (b1, b2)" start_daemon b3 --peer b1 --peer b2 --interval 500
check "the backups' events reach b1 in a file" sh -c \
	"'$G' --dir '$T/f2' event export --author '$KEY_f' -o '$T/f2.events' 2>/dev/null &&
	 '$G' --dir '$T/g2' event export --author '$KEY_g' -o '$T/g2.events' 2>/dev/null &&
	 '$G' --dir '$T/b1' event import '$T/f2.events' > /dev/null &&
	 '$G' --dir '$T/b1' event import '$T/g2.events' > /dev/null"
for n in $HALF_A; do
	note "$n" "case-$n" 2 > /dev/null
done
for n in $HALF_B; do
	note "$n" "case-$n" 2 > /dev/null
done
check "f's event reaches a3 through a1" wait_until 10 has_event a3 "$X"
check "g's second event reaches a3" wait_until 10 has_event a3 "$G2A"
check "the backup's event reaches b3 through b1" wait_until 10 has_event b3 "$Y"
check "the backup of g's second event reaches b3" wait_until 10 has_event b3 "$G2B"
check "half A converges on its own" wait_until 10 same_digest $HALF_A f g
check "half B converges on its own" wait_until 10 same_digest $HALF_B
check "half A never saw the backup's event" lacks a2 "$Y"
check "half B never saw f's" lacks b2 "$X"
check "no node knows of a fork yet" no_forks $ALL
for n in $ALL; do
	check "$n stops with exit 0" stop_daemon "$n"
done

# ---- the partition heals: everyone pulls from everyone ----
for n in $HALF_A $HALF_B f g; do
	check "$n restarts, pulling from everyone" start_daemon "$n" --interval 500
done
# written while the nodes discover the fork
note a1 case-a1 3 > /dev/null
note b2 case-b2 3 > /dev/null
check "every node holds the same proof of f's fork" wait_until 20 same_forks $ALL
for n in $ALL; do
	check "$n holds both of f's seq 3 events" sh -c "'$G' --dir '$T/$n' log --json | grep -q '$X' &&
		'$G' --dir '$T/$n' log --json | grep -q '$Y'"
done
FORK_G=1
check "every node holds the same proofs of f's and g's forks" wait_until 20 same_forks $ALL
for n in $ALL; do
	check_out "$n proves g's fork at seq 3, where the histories split" \
		"\"author\":\"$KEY_g\",\"name\":\"g\",\"seq\":3," fork_proofs "$n"
done
T0=$(now_ms)
F0=$FAILED
check "every node ends with the same digest" wait_until 15 same_digest $ALL
say "  equal digests $(($(now_ms) - T0)) ms after the fork proofs"
if [ "$FAILED" -ne "$F0" ]; then
	for n in $ALL; do
		echo "$n: digest $(digest "$T/$n" | cut -c1-16), forks at (author, seq): $(fork_proofs "$n" | grep -o "\"author\":\"[0-9a-f]\{8\}\|\"seq\":[0-9]*" | tr "\n" " ")"
	done
fi
check "the others' events, from before, during and after the split, are everywhere" has_all "$T/acked" $ALL
check_out "f's fork is reported with its seq" "f .*signed 2 versions of its event 3" "$G" --dir "$T/b2" status

# ---- after: the others go on, the forked key is stopped ----
A=$(note a2 case-a2 3)
B=$(note b3 case-b3 3)
check "a new event of a2 reaches b1" wait_until 10 has_event b1 "$A"
check "a new event of b3 reaches a1" wait_until 10 has_event a1 "$B"
check "and every acknowledged event is everywhere" wait_until 10 has_all "$T/acked" $ALL
check_err 1 "f's key may not sign any more" "forked" \
	"$G" --dir "$T/f" event add --case case-f --type note --body '{"n":9}'
for n in $ALL; do
	check "$n stops with exit 0" stop_daemon "$n"
done
for n in $ALL; do
	check_out "$n's store verifies" "ok" "$G" --dir "$T/$n" verify
done
finish
