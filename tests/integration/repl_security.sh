# repl_security.sh - the replication port under attack, with real daemons
# on loopback (docs/protocol.md §2, the threat model):
#
#   (a) a key that is not in the roster can neither connect nor inject: its
#       `repl sync` and its daemon are refused and logged, and an impostor
#       answering at a member's address is refused by the client;
#   (b) a revoked key can no longer sync in either direction, and its
#       events after its last valid seq are refused everywhere;
#   (c) replayed and altered messages of a real session are refused and
#       logged (tests/tools/nng_poke.c speaks the protocol by hand);
#   (d) garbage, truncated and oversized messages from raw nng clients do
#       not disturb the node: two real peers keep syncing meanwhile, and
#       the node stays up and stops cleanly.
#
# Nothing any of this sends may change a store: checked by digests and by
# looking for the events themselves.
. "$(dirname "$0")/lib.sh"

POKE="${GRIDCASE_TOOLS:-$(pwd)/build-san/tools}/nng_poke"
EVIL="${GRIDCASE_TOOLS:-$(pwd)/build-san/tools}/evil"
: "${GRIDCASE_DATA:=$(pwd)/data}"
export GRIDCASE_DATA
NET=sec
PIDS=""

# Every process started here is stopped on the way out, whatever happens.
cleanup() {
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
	for p in $PIDS; do
		n=0
		while kill -0 "$p" 2>/dev/null && [ $n -lt 50 ]; do
			sleep 0.1
			n=$((n + 1))
		done
		kill -KILL "$p" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# A random port base in [20000, 32000): below Linux's ephemeral ports
# (32768 up), which the nodes' own outgoing connections may take.
BASE=$((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 12000))
URL_A="tcp://127.0.0.1:$BASE"
URL_B="tcp://127.0.0.1:$((BASE + 1))"
URL_C="tcp://127.0.0.1:$((BASE + 2))"
URL_E="tcp://127.0.0.1:$((BASE + 3))" # a member that never runs: the impostor squats it
URL_M="tcp://127.0.0.1:$((BASE + 4))" # a man in the middle in front of b

# wait_for SECONDS CMD...: runs CMD until it succeeds or time is up.
wait_for() {
	limit=$1
	shift
	end=$(($(date +%s%N) / 1000000 + $(echo "$limit" | awk '{ print int($1 * 1000) }')))
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ $(($(date +%s%N) / 1000000)) -ge "$end" ] && return 1
		sleep 0.1
	done
}

# start NAME DIR ARGS...: `gridcase run` in the background, log in $T/NAME.log.
start() {
	name=$1
	dir=$2
	shift 2
	"$G" --dir "$dir" run --interval 300 "$@" >"$T/$name.log" 2>&1 &
	eval "pid_$name=$!"
	PIDS="$PIDS $!"
}

# stop NAME: SIGTERM, then its exit status (137 if it had to be killed).
stop() {
	eval "p=\$pid_$1"
	kill -TERM "$p" 2>/dev/null
	n=0
	while kill -0 "$p" 2>/dev/null && [ $n -lt 150 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	kill -KILL "$p" 2>/dev/null
	wait "$p"
}

is_up() {
	eval "p=\$pid_$1"
	kill -0 "$p" 2>/dev/null
}

# logged NAME PATTERN: NAME's log has a matching line (else show its end).
logged() {
	grep -Eq -- "$2" "$T/$1.log" && return 0
	tail -n 8 "$T/$1.log"
	return 1
}

has_event() { "$G" --dir "$1" log --json | grep -q "\"id\":\"$2\""; }
lacks_event() { ! has_event "$@"; }

same_digest() { [ "$(digest "$1")" = "$(digest "$2")" ]; }

# holds DIR N: the node holds exactly N events.
holds() {
	[ "$("$G" --dir "$1" status --json | sed -n 's/.*"events":\([0-9]*\).*/\1/p')" = "$2" ]
}

# holds_all X Y: node X holds every event node Y holds.
ids() { "$G" --dir "$T/$1" log --json | grep -o '"id":"[0-9a-f]*"' | sort; }
holds_all() {
	ids "$1" >"$T/ids.$1"
	ids "$2" >"$T/ids.$2"
	[ -s "$T/ids.$2" ] && [ -z "$(comm -13 "$T/ids.$1" "$T/ids.$2")" ]
}

# log_count NAME PATTERN: how many lines of NAME's log match.
log_count() { grep -Ec -- "$2" "$T/$1.log"; }
log_grew() { [ "$(log_count "$1" "$2")" -gt "$3" ]; }

# not_relayed NAME ID: the event does not show up on the node for 1.5 s;
# if it does, show who the node pulls from, and what it said about c.
not_relayed() {
	wait_for 1.5 has_event "$T/$1" "$2" || return 0
	"$G" --dir "$T/$1" peers
	grep "peer c:" "$T/$1.log" | tail -n 3
	return 1
}

# started NAME PATTERN: a background tool says PATTERN within 5 s (else
# show what it said).
started() {
	wait_for 5 grep -q -- "$2" "$T/$1.log" && return 0
	cat "$T/$1.log"
	return 1
}

# check_fails NAME PATTERN CMD...: CMD exits non-zero and says PATTERN.
check_fails() {
	name=$1
	pattern=$2
	shift 2
	"$@" >"$OUT" 2>&1
	rc=$?
	if [ "$rc" -ne 0 ] && grep -Eq -- "$pattern" "$OUT"; then
		pass "$name"
	else
		fail "$name (exit $rc, wanted failure and /$pattern/)"
	fi
}

# note DIR CASE: a new event on the node; prints its id.
note() {
	"$G" --dir "$1" event add --case "$2" --type note --body "{\"n\":\"$2\"}"
}

key16() { echo "$1" | cut -c1-16; }

# ---- a district: a (the centre), b, c; d and the poke key are members
# ---- without an address; e is a member that never runs; i is an impostor

check "the district's admin key" admin_setup
for n in a b c d i; do
	check "init node $n" "$G" --dir "$T/$n" init --network $NET --name $n --admin "$ADMIN"
done
KA=$(node_key "$T/a")
KB=$(node_key "$T/b")
KC=$(node_key "$T/c")
KD=$(node_key "$T/d")
KI=$(node_key "$T/i")
KP=$("$G" keygen "$T/poke.key")
KE=$("$G" keygen "$T/e.key")
# roster_add KEY NAME [ADDR]: the admin enrols a key on a.
roster_add() {
	if [ -n "${3:-}" ]; then
		"$G" --dir "$T/a" roster add "$1" --admin-key "$T/admin.key" \
			--name "$2" --roles supervisor --addr "$3"
	else
		"$G" --dir "$T/a" roster add "$1" --admin-key "$T/admin.key" \
			--name "$2" --roles supervisor
	fi
}
check "enrol a" roster_add "$KA" a "$URL_A"
check "enrol b" roster_add "$KB" b "$URL_B"
check "enrol c" roster_add "$KC" c "$URL_C"
check "enrol d, without an address" roster_add "$KD" d
check "enrol the poke key, without an address" roster_add "$KP" poke
check "enrol e, which never runs" roster_add "$KE" e "$URL_E"
for n in b c d i; do
	check "the roster reaches $n" share_roster "$T/a" "$T/$n"
done
C1=$(note "$T/c" c1)
C2=$(note "$T/c" c2)
B1=$(note "$T/b" b1)
D1=$(note "$T/d" d1) # stays on d until (b) hands it to c by file
check "the events are written" test -n "$C1" -a -n "$C2" -a -n "$B1" -a -n "$D1"

# The impostor at e's address: it answers every HELLO with a WELCOME
# signed by its own key, the impostor node's.
"$POKE" serve "$URL_E" --key "$T/i/node.key" --seconds 120 >"$T/squat.log" 2>&1 &
pid_squat=$!
PIDS="$PIDS $pid_squat"
check "the impostor listens at e's address" started squat serving

start a "$T/a"
start b "$T/b" --peer a --peer c
start c "$T/c" --peer a --peer b
# 6 roster events, c's two, b's one.
converged() { holds "$T/a" 9 && holds "$T/b" 9 && holds "$T/c" 9; }
check "a, b and c converge" wait_for 20 converged
check "with the same digest on a and b" same_digest "$T/a" "$T/b"
check "and on a and c" same_digest "$T/a" "$T/c"

# ---- (a) a key that is not in the roster

DA=$(digest "$T/a")
# Its node refuses to sign for a key its roster does not name; the
# impostor's node is altered to hold one anyway, and would serve it.
check_err 1 "the impostor's own node refuses to sign for it" "not in this node's roster" \
	"$G" --dir "$T/i" event add --case i1 --type note --body '{}'
"$EVIL" forge "$T/i" "$T/i/node.key" i1 note '{}' > "$T/i1.event"
"$EVIL" plant "$T/i" "$T/i1.event" > /dev/null
I1=$("$EVIL" ids "$T/i1.event")
check_fails "the impostor's repl sync with a is refused" "not in the roster" \
	timeout -k 2 3 "$G" --dir "$T/i" repl sync a
check "a logs the refusal, naming the key" \
	logged a "refused $(key16 "$KI"): the key is not in the roster"
start i "$T/i" --peer a --peer b
check "the impostor's daemon is refused by b too" \
	wait_for 10 logged b "refused $(key16 "$KI"): the key is not in the roster"
check_exit 0 "the impostor's daemon stops" stop i
# A PUSH (the hint that carries events) needs a session like any request:
# the impostor's is refused at its handshake.  A member that relays the
# impostor's event in a PUSH gets it refused, named, by the store's rules.
check_err 1 "a PUSH of the impostor's event from its own key is refused at the handshake" \
	"push: no session" \
	"$POKE" push "$URL_B" --key "$T/i/node.key" --server "$KB" --network $NET --file "$T/i1.event"
check_out "a PUSH of the impostor's event from c, a member b pulls from, is answered" \
	"^push: held 0$" \
	"$POKE" push "$URL_B" --key "$T/c/node.key" --server "$KB" --network $NET --file "$T/i1.event"
check "b refuses the event, naming it" \
	wait_for 10 logged b "peer c: pushed event $(echo "$I1" | cut -c1-16) refused"
check "a's digest did not move" test "$(digest "$T/a")" = "$DA"
for n in a b c; do
	check "the impostor's event is not on $n" lacks_event "$T/$n" "$I1"
done
check "a refuses the impostor answering at e's address" \
	wait_for 10 logged a "peer e: bad WELCOME: WELCOME comes from another key"
kill -TERM "$pid_squat"
wait "$pid_squat"
check "the squatter saw a's HELLOs and answered them" logged squat "serve: hello [1-9]"
check "a's digest still did not move" test "$(digest "$T/a")" = "$DA"

# ---- (b) a revoked key

check_out "the admin revokes c after its seq 2" "revoked" \
	"$G" --dir "$T/a" roster revoke "$KC" --admin-key "$T/admin.key" --last-seq 2 --reason test
check "the roster is shared again with b" share_roster "$T/a" "$T/b"
# Before the revocation reaches c, c signs two more events (seq 3 and 4,
# after the roster it knows, which names c).
"$EVIL" forge "$T/c" "$T/c/node.key" c3 note '{"n":"c3"}' > "$T/c3.event"
"$EVIL" plant "$T/c" "$T/c3.event" > /dev/null
"$EVIL" forge "$T/c" "$T/c/node.key" c4 note '{"n":"c4"}' > "$T/c4.event"
"$EVIL" plant "$T/c" "$T/c4.event" > /dev/null
check "and with c" share_roster "$T/a" "$T/c"
check_err 1 "c's own node now refuses to sign for c" "revoked after its event 2" \
	"$G" --dir "$T/c" event add --case c5 --type note --body '{}'
C3=$("$EVIL" ids "$T/c3.event")
C4=$("$EVIL" ids "$T/c4.event")
check "c's daemon is refused by a" \
	wait_for 10 logged a "refused $(key16 "$KC"): the key is not in the roster, or is revoked"
check "and by b" \
	wait_for 10 logged b "refused $(key16 "$KC"): the key is not in the roster, or is revoked"
check "c's session with a, made before, is cut" \
	wait_for 10 logged a "refused c: the key is no longer allowed here"
check_fails "c's repl sync with a is refused" "revoked" \
	timeout -k 2 3 "$G" --dir "$T/c" repl sync a
check_err 1 "a HELLO with c's key is refused" "refuse ERR_DENIED" \
	"$POKE" hello "$URL_B" --key "$T/c/node.key" --server "$KB" --network $NET
check_err 1 "a PUSH of c's seq 3 with c's revoked key is refused at the handshake" \
	"push: no session" \
	"$POKE" push "$URL_B" --key "$T/c/node.key" --server "$KB" --network $NET --file "$T/c3.event"
# The other direction: d's valid event, which only c holds, must not reach
# a or b through c.  b's event written after it shows rounds went on.
"$G" --dir "$T/d" event export --author "$KD" -o "$T/d.events" 2>/dev/null
check "c receives d's event by hand" "$G" --dir "$T/c" event import "$T/d.events"
B2=$(note "$T/b" b2)
check "b's new event reaches a (rounds go on)" wait_for 10 has_event "$T/a" "$B2"
check "a does not sync from the revoked c (d's event does not come through it)" \
	not_relayed a "$D1"
check "neither does b" not_relayed b "$D1"
for n in a b; do
	check "c's seq 3 is not on $n" lacks_event "$T/$n" "$C3"
	check "nor its seq 4" lacks_event "$T/$n" "$C4"
	check "c's events up to seq 2 are still valid on $n" has_event "$T/$n" "$C2"
done
# By hand they get in: they are signed, and were made under a roster
# that named c (their causal past).  Every node keeps them alike, as
# evidence, and no case view counts them (docs/workflow.md §6).
cat "$T/c3.event" "$T/c4.event" > "$T/c.events"
check_out "c's later events imported by hand on b are kept" "2 added" \
	"$G" --dir "$T/b" event import "$T/c.events"
# b holds them and relays them: a gets them from b, or takes them by hand.
check_out "as on a" "2 (added|duplicates)" "$G" --dir "$T/a" event import "$T/c.events"
check "they are in a's log" has_event "$T/a" "$C4"
check "they are in b's log" has_event "$T/b" "$C4"
check_err 4 "and make no case" "kept as evidence" "$G" --dir "$T/b" case show c3
check "c's daemon stops" stop c

# ---- (c) a member's session: replays and altered bytes

check "a and b agree before the pokes" wait_for 10 same_digest "$T/a" "$T/b"
DA=$(digest "$T/a")
check_out "a member's replayed, flipped, spliced and out-of-window requests are refused" \
	"session checks: [0-9]+ ok, 0 failed" \
	"$POKE" session "$URL_A" --key "$T/poke.key" --server "$KA" --network $NET
check "a logs the replay" logged a "refused poke: replayed message"
check "a logs the altered messages" logged a "refused poke: SEALED message fails its authentication tag"
check_out "every byte of a HELLO flipped: all refused" ", refuse ([0-9]+), welcome 0, sealed 0, other 0, none 0" \
	"$POKE" flipped "$URL_A" --key "$T/poke.key" --server "$KA" --network $NET
check_out "every prefix of a member's HELLO: all refused" ", welcome 0, sealed 0, other 0, none 0" \
	"$POKE" truncated "$URL_A" --key "$T/poke.key" --server "$KA" --network $NET
check_out "random bytes: all refused" "sent 200, refuse 200," \
	"$POKE" garbage "$URL_A" --count 200 --seed 7
check_out "SEALED messages of unknown sessions: all refused" "sent 100, refuse 100,.*unknown-session=100" \
	"$POKE" unknown-session "$URL_A" --count 100
check_out "over 4 MiB, and over the 16 KiB of a request: dropped; just under: refused; then a HELLO is answered" \
	"sent 4, refuse 2, welcome 0, sealed 0, other 0, none 2" \
	"$POKE" huge "$URL_A" --server "$KA" --network $NET
check_err 1 "a HELLO from the impostor's key is refused as not a member" "refuse ERR_DENIED" \
	"$POKE" hello "$URL_A" --key "$T/i/node.key" --server "$KA" --network $NET
check_out "a HELLO from a member's key is welcomed" "answer: welcome" \
	"$POKE" hello "$URL_A" --key "$T/poke.key" --server "$KA" --network $NET
check_err 1 "a HELLO meant for another node is refused" "refuse ERR_DENIED: the client expects another node" \
	"$POKE" hello "$URL_A" --key "$T/poke.key" --server "$KB" --network $NET
check_err 1 "a HELLO for another network is refused" "refuse ERR_NETWORK" \
	"$POKE" hello "$URL_A" --key "$T/poke.key" --server "$KA" --network other
check_out "replaying a captured HELLO does not end the real session" \
	"hello-replay checks: [0-9]+ ok, 0 failed" \
	"$POKE" hello-replay "$URL_A" --key "$T/poke.key" --server "$KA" --network $NET --count 1100
check "nothing the pokes sent was stored" test "$(digest "$T/a")" = "$DA"

# In transit: d (a member without a daemon) syncs with b through a man in
# the middle who flips a request, flips a reply, replays a request and
# replays a reply, then relays faithfully.
"$POKE" tamper "$URL_M" --to "$URL_B" --seconds 60 >"$T/tamper.log" 2>&1 &
pid_tamper=$!
PIDS="$PIDS $pid_tamper"
check "the man in the middle listens" started tamper relaying
check_out "d's sync with b through it ends in a good round" "synced with b" \
	timeout -k 2 30 "$G" -v --dir "$T/d" repl sync b --addr "$URL_M"
cp "$OUT" "$T/dsync.log"
check "d refuses the flipped reply" logged dsync "peer b: bad answer: SEALED message fails its authentication tag"
check "d refuses the replayed reply" logged dsync "peer b: bad answer: answers another request"
check "b refuses the flipped request" logged b "refused d: SEALED message fails its authentication tag"
check "b refuses the replayed request" logged b "refused d: replayed message"
check "and d hears of it" logged dsync "peer b: refused: SEALED message fails"
kill -TERM "$pid_tamper"
wait "$pid_tamper"
check "the man in the middle did all four" logged tamper \
	"flipped request 1, flipped reply 1, replayed request 1 \(refused 1\), replayed reply 1"
check "d holds every event b holds" holds_all d b
check "a is up" is_up a

# ---- (d) a hammering while two peers sync

REFUSED=$(log_count a "refused a client")
"$POKE" hammer "$URL_A" --server "$KA" --network $NET --seconds 6 --seed 1 >"$T/hammer1.out" 2>&1 &
pid_h1=$!
"$POKE" hammer "$URL_A" --server "$KA" --network $NET --seconds 6 --seed 2 >"$T/hammer2.out" 2>&1 &
pid_h2=$!
PIDS="$PIDS $pid_h1 $pid_h2"
check "the hammers are at work" wait_for 5 log_grew a "refused a client" "$REFUSED"
A1=$(note "$T/a" a1)
B3=$(note "$T/b" b3)
check "a's event written under attack reaches b" wait_for 15 has_event "$T/b" "$A1"
check "b's event written under attack reaches a" wait_for 15 has_event "$T/a" "$B3"
check "...while the attack was still going on" kill -0 "$pid_h1"
wait "$pid_h1"
rc1=$?
wait "$pid_h2"
rc2=$?
# hammered FILE STATUS: a hammer that exited 0 with refusals only (and
# nothing at all for the oversized messages).
hammered() {
	[ "$2" = 0 ] &&
		grep -Eq 'hammer: sent [0-9]+, refuse [0-9]+, welcome 0, sealed 0, other 0' "$1" ||
		{ echo "exit $2:"; tail -n 5 "$1"; return 1; }
}
check "the first hammer got only refusals" hammered "$T/hammer1.out" "$rc1"
check "and so did the second" hammered "$T/hammer2.out" "$rc2"
check "a is still up after the attack" is_up a
B4=$(note "$T/b" b4)
check "and still syncing" wait_for 10 has_event "$T/a" "$B4"
check "a and b converge" wait_for 10 same_digest "$T/a" "$T/b"
check_exit 0 "a stops cleanly" stop a
check_exit 0 "b stops cleanly" stop b
clean_logs() { ! grep -lE 'AddressSanitizer|LeakSanitizer|runtime error' "$T"/*.log; }
check "no sanitizer report in any daemon's log" clean_logs
[ "${TEST_VERBOSE:-}" = 1 ] && tail -n 3 "$T"/hammer*.out "$T/squat.log" "$T/tamper.log"
finish
