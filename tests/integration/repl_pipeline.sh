# repl_pipeline.sh - a catch-up checks its replies on worker threads and
# admits several checked replies in one durable commit
# (replication/pull.c, admit_ready): a forged signature in the middle of
# such a group stops the feed there.  The events before it in the same
# replies and the same commit are stored, the forged one is not, and none
# after it enters the feed; the store verifies.  (kill -9 during such a
# catch-up: repl_crash.sh.)
# shellcheck disable=SC2086,SC2154
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl_lib.inc"

MAKE_EVENTS="$GRIDCASE_TOOLS/make_events"
EVIL="$GRIDCASE_TOOLS/evil"
BAD=2751 # in the sixth reply of 500 events; the first commit takes eight
LAST=6000

check "a source and a receiver" district src rcv
check_out "the source writes events 1..$((BAD - 1))" "^$((BAD - 1)) events, seq 1\.\.$((BAD - 1))$" \
	"$MAKE_EVENTS" "$T/src" $((BAD - 1))
"$EVIL" forge "$T/src" "$T/src/node.key" forged note '{"n":"forged"}' > "$T/forged.event"
# The envelope ends with the signature: flip its last byte.  The id covers
# the event bytes only, so the chain after it is intact.
last=$(tail -c 1 "$T/forged.event" | od -An -tu1 | tr -d ' ')
size=$(wc -c < "$T/forged.event")
printf '%b' "\\0$(printf %o $((last ^ 1)))" |
	dd of="$T/forged.event" bs=1 seek=$((size - 1)) conv=notrunc 2> /dev/null
check "the forged event is planted on the source at seq $BAD" sh -c \
	"'$EVIL' plant '$T/src' '$T/forged.event' > /dev/null"
FORGED=$("$EVIL" ids "$T/forged.event")
check_out "the source signs events $((BAD + 1))..$LAST after it" \
	"^$((LAST - BAD)) events, seq $((BAD + 1))\.\.$LAST$" \
	"$MAKE_EVENTS" "$T/src" $((LAST - BAD))
check "the source's daemon starts" start_daemon src

# src_seq NAME: the source's seq in NAME's summary (0 if none)
src_seq() {
	ss_s=$("$G" --dir "$T/$1" status --json |
		grep -o "{\"author\":\"$KEY_src\",\"seq\":[0-9]*" | sed 's/.*://')
	echo "${ss_s:-0}"
}
field() {
	"$G" --dir "$T/$1" status --json | sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p"
}
check_out "the receiver catches up in one repl sync" "^synced with src: $((BAD - 1)) events received" \
	"$G" --dir "$T/rcv" repl sync src
check "its feed of the source ends before the forged event, at seq $((BAD - 1))" \
	test "$(src_seq rcv)" -eq $((BAD - 1))
check "the forged event is not stored" lacks rcv "$FORGED"
check "it holds the roster and the source's events 1..$((BAD - 1))" \
	test "$(field rcv events)" -eq $((BAD + 1))
check "the $((LAST - BAD)) events after it wait for their predecessor, outside the feed" \
	test "$(field rcv pending)" -eq $((LAST - BAD))
check_out "the receiver's store verifies" "verified $((BAD + 1)) events and $((LAST - BAD)) waiting: ok" \
	"$G" --dir "$T/rcv" verify
check_out "a second sync brings nothing" "^synced with src: 0 events received" \
	"$G" --dir "$T/rcv" repl sync src
check "the feed still ends at seq $((BAD - 1))" test "$(src_seq rcv)" -eq $((BAD - 1))
check "the source's daemon stops with exit 0" stop_daemon src
finish
