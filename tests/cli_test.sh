#!/usr/bin/env bash
# cli_test.sh - end-to-end test of the offlog command-line tool.
#
#   bash tests/cli_test.sh [PATH/TO/offlog]      (default: $OFFLOG_BIN, else build/tools/offlog)
#
# OFFLOG_CLI_WRAP runs every invocation under a tool, e.g.
#   OFFLOG_CLI_WRAP="valgrind -q --error-exitcode=99 --leak-check=full" bash tests/cli_test.sh
# or an emulator (OFFLOG_CLI_WRAP="qemu-aarch64 -L /" with a tool built for arm64).
# Each check prints "ok" or "FAIL"; the exit status is 1 when any failed.

set -u

BIN=${1:-${OFFLOG_BIN:-build/tools/offlog}}
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
WRAP=${OFFLOG_CLI_WRAP:-}
if [ ! -x "$BIN" ]; then
	echo "cli_test: $BIN is not an executable (build it with make)" >&2
	exit 1
fi

TMP=$(mktemp -d)
BG_PIDS=()
cleanup() {
	for p in "${BG_PIDS[@]:-}"; do
		[ -n "$p" ] && kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

STORE=$TMP/store
export OFFLOG_DIR=$STORE
unset OFFLOG_CLI_WRAP
failed=0
passed=0
HAVE_PY=0
if command -v python3 >/dev/null 2>&1; then
	HAVE_PY=1
else
	echo "cli_test: python3 not found: skipping the JSON validity checks"
fi

pass() { passed=$((passed + 1)); }
fail() {
	failed=$((failed + 1))
	echo "FAIL: $*"
	echo "  stdout: $(head -c 600 "$TMP/out")"
	echo "  stderr: $(head -c 600 "$TMP/err")"
}

# run ARGS...: runs the tool, stdin from $IN (default /dev/null); sets $rc,
# leaves stdout in $TMP/out and stderr in $TMP/err.
IN=/dev/null
run() {
	$WRAP "$BIN" "$@" <"$IN" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	IN=/dev/null
}

# expect RC DESCRIPTION ARGS...: the exit status; with RC 0, stderr empty.
expect() {
	local want=$1 what=$2
	shift 2
	run "$@"
	if [ "$rc" != "$want" ]; then
		fail "$what: exit $rc, expected $want (offlog $*)"
	elif [ "$want" = 0 ] && [ -s "$TMP/err" ] && ! grep -q "has no active members" "$TMP/err"; then
		fail "$what: unexpected stderr (offlog $*)"
	else
		pass
	fi
}

# bad RC PATTERN DESCRIPTION ARGS...: fails with RC, stderr exactly one line
# "offlog: ..." matching PATTERN, nothing on stdout, and the store unchanged.
bad() {
	local want=$1 pat=$2 what=$3
	shift 3
	local before
	before=$(fingerprint)
	run "$@"
	local lines
	lines=$(wc -l <"$TMP/err")
	if [ "$rc" != "$want" ]; then
		fail "$what: exit $rc, expected $want (offlog $*)"
	elif [ "$lines" != 1 ] || ! grep -q '^offlog: ' "$TMP/err"; then
		fail "$what: stderr is not one 'offlog: ' line (offlog $*)"
	elif ! grep -qE -- "$pat" "$TMP/err"; then
		fail "$what: stderr does not match /$pat/ (offlog $*)"
	elif [ -s "$TMP/out" ]; then
		fail "$what: unexpected stdout (offlog $*)"
	elif [ "$(fingerprint)" != "$before" ]; then
		fail "$what: the store changed (offlog $*)"
		diff <(echo "$before") <(fingerprint) | head -20
	else
		pass
	fi
}

# check DESCRIPTION CONDITION...: a shell condition.
check() {
	local what=$1
	shift
	if "$@"; then pass; else fail "$what"; fi
}

# What the store holds, as the tool reports it. A live member's heartbeat
# time moves by itself (every few seconds, more than one command takes only
# when run under valgrind): it is left out.
fingerprint() {
	[ -d "$STORE" ] || { echo none; return; }
	$WRAP "$BIN" topics describe --json 2>&1
	local g
	for g in $($WRAP "$BIN" groups list --json 2>/dev/null | tr -c 'A-Za-z0-9._"-' '\n' |
	           sed -n 's/^"\(.*\)"$/\1/p' | grep -v -x -e group -e state -e members \
	           -e partitions -e Empty -e Stable -e Rebalancing); do
		$WRAP "$BIN" groups describe "$g" --json 2>/dev/null | sed 's/"last_heartbeat_ms":[0-9]*/"last_heartbeat_ms":_/g'
	done
}

json_ok() {   # the file holds one JSON document
	[ $HAVE_PY = 1 ] || return 0
	python3 -c 'import json,sys; json.load(sys.stdin)' <"$1" 2>/dev/null
}

json_lines_ok() {   # one JSON document per line
	[ $HAVE_PY = 1 ] || return 0
	python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]' <"$1" 2>/dev/null
}

lines() { wc -l <"$TMP/out" | tr -d ' '; }

# The sum of a column (by header name) of a table in $TMP/out.
col_sum() {
	awk -v c="$1" '!k { for (i = 1; i <= NF; i++) if ($i == c) k = i; next }
	               { s += ($k == "-" ? 0 : $k) } END { print s + 0 }' "$TMP/out"
}

# ---- basics ------------------------------------------------------------------

expect 0 "version" --version
check "version text" grep -q '^offlog [0-9]' "$TMP/out"
expect 0 "help" --help
for c in topics produce consume groups delete-records stats backup check; do
	expect 0 "$c --help" "$c" --help
	check "$c --help text" grep -q "^usage: offlog $c" "$TMP/out"
done
expect 0 "help consume" help consume
run
check "no command: exit 2" [ "$rc" = 2 ]
bad 2 "unknown command 'frob'" "unknown command" frob
bad 2 "unknown option --frob" "unknown option" topics list --frob
bad 2 "needs a value" "option without its value" topics create t -p

# ---- a missing store is never created, except by topics create ---------------

for args in "topics list" "topics describe" "stats" "check" "groups list" "consume t -e" \
            "groups describe g" "delete-records t -p 0 --before 1" "backup $TMP/nobackup"; do
	# shellcheck disable=SC2086
	bad 1 "no store at $STORE" "missing store: $args" $args
	check "missing store not created by: $args" [ ! -e "$STORE" ]
done
IN=/dev/null
bad 1 "no store at" "produce to a missing store" produce t
check "produce creates no store" [ ! -e "$STORE" ]
bad 2 "invalid topic name" "create with a bad name" topics create 'bad name'
check "a bad name creates no store" [ ! -e "$STORE" ]

mkdir -p "$TMP/notstore" && echo data >"$TMP/notstore/file"
bad 1 "store" "a directory that is not a store" -d "$TMP/notstore" topics list
bad 1 "not an offlog store" "a file that is not a store" -d "$TMP/notstore/file" stats
bad 1 "not an offlog store|without a store" "topics create in a foreign directory" \
	-d "$TMP/notstore" topics create t
check "foreign directory untouched" [ "$(ls "$TMP/notstore")" = file ]

# ---- topics --------------------------------------------------------------------

expect 0 "create orders" topics create orders -p 3 --config retention.ms=-1 \
	--protected-groups keep1,keep2
check "store created" [ -f "$STORE/data.mdb" ]
bad 1 "already exists" "create twice" topics create orders
bad 2 "partitions '0'" "create with 0 partitions" topics create other -p 0
bad 2 "unknown config key 'bogus.key'" "unknown config key" topics create other -c bogus.key=1
bad 2 "retention.ms" "bad retention" topics create other --retention-ms soon
bad 2 "cleanup.policy" "bad cleanup policy" topics create other --cleanup-policy sometimes
expect 0 "create events" topics create events -p 1 --cleanup-policy delete --max-message-bytes 1000
expect 0 "topics list" topics list
check "list shows both" grep -q '^events' "$TMP/out"
check "list shows orders" grep -q '^orders *3' "$TMP/out"
expect 0 "topics list -q" topics list -q
check "names only" [ "$(cat "$TMP/out")" = "$(printf 'events\norders')" ]
expect 0 "topics list --json" topics list --json
check "topics list JSON" json_ok "$TMP/out"
expect 0 "alter" topics alter events --config retention.ms=PT1H --retention-bytes 100000
expect 0 "describe events" topics describe events
check "altered retention.ms" grep -q 'retention.ms=3600000' "$TMP/out"
check "altered retention.bytes" grep -q 'retention.bytes=100000' "$TMP/out"
check "max.message.bytes kept" grep -q 'max.message.bytes=1000,' "$TMP/out"
expect 0 "alter --delete-config" topics alter events --delete-config retention.bytes
run topics describe events
check "retention.bytes back to default" grep -q 'retention.bytes=-1' "$TMP/out"
bad 2 "nothing to change" "alter without config" topics alter events
bad 1 'unknown topic "nope"' "alter unknown topic" topics alter nope --retention-ms 1
expect 0 "add partitions" topics add-partitions events -p 2
bad 1 "" "shrink partitions" topics add-partitions events -p 1
bad 1 'unknown topic "nope"' "describe unknown topic" topics describe nope
expect 0 "describe orders" topics describe orders
check "protected groups shown" grep -q 'protected.groups=keep1:keep2' "$TMP/out"
bad 2 "empty group id" "protected groups ,,, refused" topics create other --protected-groups ,,,
bad 2 "empty group id" "protected groups with a trailing comma" topics create other \
	-c protected.groups=g1,
bad 2 "empty group id" "alter: an empty protected group" topics alter orders --protected-groups keep1,,keep2
expect 0 "alter keeps the protected groups" topics alter orders --retention-ms 5000
run topics describe orders
check "protected groups kept by alter" grep -q 'protected.groups=keep1:keep2' "$TMP/out"
expect 0 "alter: '' protects no group" topics alter events --protected-groups ''
run topics describe events
check "no protected group" grep -q 'protected.groups=$' "$TMP/out"
expect 0 "alter retention back" topics alter orders --retention-ms -1

# ---- produce -------------------------------------------------------------------

for i in $(seq 1 30); do echo "key-$((i % 7)):value-$i"; done >"$TMP/input"
IN=$TMP/input
expect 0 "produce 30 keyed records" produce orders -K : -v
check "-v prints 30 offsets" [ "$(lines)" = 30 ]
check "-v lines are PARTITION OFFSET" grep -qE '^[0-2] [0-9]+$' "$TMP/out"
printf 'trace=abc,empty=,nullv\tk:with headers\n-\tk2:no headers\n' >"$TMP/hin"
IN=$TMP/hin
expect 0 "produce with --headers" produce orders --headers -K : -p 0 -H src=cli
printf 'bad\\x=1\tvalue\n' >"$TMP/badh"
IN=$TMP/badh
bad 1 "line 1: malformed headers" "malformed headers" produce orders --headers
IN=$TMP/input
bad 1 'unknown topic "nope"' "produce to unknown topic" produce nope
IN=$TMP/input
bad 1 "has no partition 5" "produce to unknown partition" produce orders -p 5
IN=$TMP/input
bad 2 "partition 'x'" "produce with a bad partition" produce orders -p x
head -c 2000 /dev/zero | tr '\0' 'x' >"$TMP/big"; echo >>"$TMP/big"
IN=$TMP/big
bad 1 "line 1" "a record over max.message.bytes" produce events
run topics describe orders --json
check "describe JSON" json_ok "$TMP/out"
run topics describe orders
check "32 records in orders" [ "$(col_sum RECORDS)" = 32 ]

# ---- consume -------------------------------------------------------------------

expect 0 "consume all" consume orders --from-beginning -e
check "32 records consumed" [ "$(lines)" = 32 ]
check "values printed" grep -qx 'value-30' "$TMP/out"
expect 0 "consume without --from-beginning starts at the end" consume orders -e
check "nothing new" [ "$(lines)" = 0 ]
expect 0 "consume with format" consume orders -p 0 -o beginning -e -f '%t|%p|%o|%k|%s|%h|%K|%S\n'
check "format with headers" grep -qx 'orders|0|[0-9]*|k|with headers|src=cli,trace=abc,empty=,nullv|1|12' "$TMP/out"
check "format without extra headers" grep -qx 'orders|0|[0-9]*|k2|no headers|src=cli|2|10' "$TMP/out"
expect 0 "consume -K" consume orders -p 0 -o -1 -e -K ' => '
check "-o -1 gives the last record" [ "$(cat "$TMP/out")" = "k2 => no headers" ]
expect 0 "consume -o -1 offset" consume orders -p 0 -o -1 -e -f '%o\n'
last=$(cat "$TMP/out")
expect 0 "consume -o -2" consume orders -p 0 -o -2 -e -f '%o\n'
check "-o -2 gives the last two records" [ "$(lines)" = 2 ] && \
	[ "$(head -n 1 "$TMP/out")" = $((last - 1)) ] && [ "$(tail -n 1 "$TMP/out")" = "$last" ]
expect 0 "consume -c" consume orders --from-beginning -c 5
check "-c 5" [ "$(lines)" = 5 ]
expect 0 "consume -o @0" consume orders -o @0 -e -f '%o\n'
check "@0 is the beginning" [ "$(lines)" = 32 ]
expect 0 "consume -o @ISO" consume orders -o @2999-01-01T00:00:00Z -e
check "a future time is the end" [ "$(lines)" = 0 ]
expect 0 "consume --json" consume orders --from-beginning -e --json
check "32 JSON lines" [ "$(lines)" = 32 ]
check "consume JSON valid" json_lines_ok "$TMP/out"
check "JSON null header value" grep -q '"name":"nullv","value":null' "$TMP/out"
bad 2 "offset 'soon'" "malformed offset" consume orders -o soon
bad 2 "offset '@yesterday'" "malformed timestamp" consume orders -o @yesterday
bad 2 "unknown directive" "bad format" consume orders -f '%q'
bad 2 "count '0'" "bad count" consume orders -c 0
bad 2 "-f and --json both" "consume -f with --json" consume orders -e -f '%s\n' --json
bad 2 "--json and -K both" "consume --json with -K" consume orders -e --json -K :
bad 2 "-K and -f both" "consume -K with -f" consume orders -e -K : --format '%k'
expect 0 "consume -f twice: the last" consume orders -p 0 -o 0 -c 1 -e -f '%k' -f 'x%o\n'
check "the last -f" [ "$(cat "$TMP/out")" = "x0" ]
bad 1 "out of range" "offset beyond the end" consume orders -p 0 -o 999 -e
bad 1 'unknown topic "nope"' "consume unknown topic" consume nope -e
bad 1 "has no partition 9" "consume unknown partition" consume orders -p 9 -e
$WRAP "$BIN" consume orders --from-beginning -e 2>"$TMP/err" | head -n 1 >"$TMP/out"
check "consume into a closed pipe exits 0" [ "${PIPESTATUS[0]}" = 0 ] && [ ! -s "$TMP/err" ]

# ---- a group: consume, describe, reset, consume again -----------------------------

expect 0 "group consumes 10" consume orders -g app --from-beginning -c 10
check "10 records" [ "$(lines)" = 10 ]
expect 0 "groups list" groups list
check "group listed" grep -q '^app *Empty' "$TMP/out"
expect 0 "groups list --json" groups list --json
check "groups list JSON" json_ok "$TMP/out"
expect 0 "describe app" groups describe app
check "describe header like Kafka" \
	grep -q '^GROUP *TOPIC *PARTITION *CURRENT-OFFSET *LOG-END-OFFSET *LAG *CONSUMER-ID' "$TMP/out"
check "10 committed" [ "$(col_sum CURRENT-OFFSET)" = 10 ]
# Partitions without a committed offset start at the end, unless --from-beginning.
expect 0 "group consumes the rest" consume orders -g app -e --from-beginning
check "22 more" [ "$(lines)" = 22 ]
run groups describe app
check "lag 0" [ "$(col_sum LAG)" = 0 ]
check "all committed" [ "$(col_sum CURRENT-OFFSET)" = 32 ]
expect 0 "describe --json" groups describe app --json
check "group describe JSON" json_ok "$TMP/out"

expect 0 "reset dry run (default)" groups reset-offsets app --all-topics --to-earliest
check "dry run shows new offsets" [ "$(col_sum NEW-OFFSET)" = 0 ]
run groups describe app
check "dry run changed nothing" [ "$(col_sum CURRENT-OFFSET)" = 32 ]
expect 0 "reset --dry-run" groups reset-offsets app --topic orders --to-earliest --dry-run
run groups describe app
check "--dry-run changed nothing" [ "$(col_sum LAG)" = 0 ]
expect 0 "reset --execute" groups reset-offsets app --topic orders --to-earliest --execute
run groups describe app
check "executed: lag 32" [ "$(col_sum LAG)" = 32 ]
expect 0 "consume again" consume orders -g app -e
check "all 32 again" [ "$(lines)" = 32 ]

expect 0 "shift-by" groups reset-offsets app --topic orders --shift-by -2 --execute
run groups describe app
check "shifted back by 2 per partition" [ "$(col_sum LAG)" = 6 ]
expect 0 "to-offset" groups reset-offsets app --topic orders:0,2 --to-offset 1 --execute
run groups describe app
check "partition 0 at 1" grep -qE '^app +orders +0 +1 ' "$TMP/out"
expect 0 "to-offset clamps" groups reset-offsets app --topic orders:1 --to-offset 9999 --execute
run groups describe app
check "partition 1 clamped to its end" grep -qE '^app +orders +1 +([0-9]+) +\1 +0 ' "$TMP/out"
expect 0 "to-datetime" groups reset-offsets app --all-topics --to-datetime 2000-01-01T00:00:00.000+02:00 --execute
run groups describe app
check "to-datetime in the past: the beginning" [ "$(col_sum CURRENT-OFFSET)" = 0 ]
expect 0 "by-duration" groups reset-offsets app --all-topics --by-duration P1DT2H3M4.5S
check "by-duration covers everything" [ "$(col_sum NEW-OFFSET)" = 0 ]
expect 0 "to-latest" groups reset-offsets app --all-topics --to-latest --execute
expect 0 "to-current" groups reset-offsets app --all-topics --to-current
check "to-current is the end" [ "$(col_sum NEW-OFFSET)" = 32 ]
expect 0 "export" groups reset-offsets app --all-topics --shift-by -1 --export
check "export CSV" grep -qxE 'orders,[0-2],[0-9]+' "$TMP/out"
cp "$TMP/out" "$TMP/plan.csv"
expect 0 "from-file" groups reset-offsets app --from-file "$TMP/plan.csv" --execute
run groups reset-offsets app --all-topics --to-current --export
check "from-file applied" cmp -s "$TMP/out" "$TMP/plan.csv"

bad 2 "to-datetime '2024-02-30T00:00:00Z'" "impossible date" \
	groups reset-offsets app --all-topics --to-datetime 2024-02-30T00:00:00Z --execute
bad 2 "to-datetime '2024-01-01T25:00'" "bad hour" \
	groups reset-offsets app --all-topics --to-datetime 2024-01-01T25:00 --execute
bad 2 "to-datetime 'yesterday'" "not a date" \
	groups reset-offsets app --all-topics --to-datetime yesterday --execute
bad 2 "by-duration 'P'" "empty duration" groups reset-offsets app --all-topics --by-duration P --execute
bad 2 "by-duration 'PT'" "duration PT" groups reset-offsets app --all-topics --by-duration PT --execute
bad 2 "by-duration 'P1H'" "hours before T" groups reset-offsets app --all-topics --by-duration P1H --execute
bad 2 "to-offset '-1'" "negative offset" groups reset-offsets app --all-topics --to-offset -1 --execute
bad 2 "to-offset '12x'" "malformed offset" groups reset-offsets app --all-topics --to-offset 12x --execute
bad 2 "shift-by 'x'" "malformed shift" groups reset-offsets app --all-topics --shift-by x --execute
bad 2 "give a scenario" "no scenario" groups reset-offsets app --all-topics --execute
bad 2 "only one of" "two scenarios" groups reset-offsets app --all-topics --to-earliest --to-latest
bad 2 "give --topic" "no topics" groups reset-offsets app --to-earliest --execute
bad 2 "exclude each other" "dry-run and execute" groups reset-offsets app --all-topics --to-earliest --dry-run --execute
bad 1 'unknown topic "nope"' "reset unknown topic" groups reset-offsets app --topic nope --to-earliest --execute
bad 1 "has no partition 7" "reset unknown partition" groups reset-offsets app --topic orders:7 --to-earliest --execute
bad 2 "topic 'orders:x'" "malformed partition list" groups reset-offsets app --topic orders:x --to-earliest
bad 1 "unknown group nope" "reset --all-topics of an unknown group" groups reset-offsets nope --all-topics --to-earliest --execute
printf 'orders,0,1\norders,zero,1\n' >"$TMP/bad.csv"
bad 2 "bad.csv:2: bad partition" "malformed CSV" groups reset-offsets app --from-file "$TMP/bad.csv" --execute
printf 'orders,0,1\nnope,0,1\n' >"$TMP/bad2.csv"
bad 1 'unknown topic "nope"' "CSV with an unknown topic" groups reset-offsets app --from-file "$TMP/bad2.csv" --execute
bad 1 "missing.csv" "missing CSV" groups reset-offsets app --from-file "$TMP/missing.csv" --execute
bad 1 "unknown group nope" "describe unknown group" groups describe nope
bad 1 "unknown group nope" "delete unknown group" groups delete nope
bad 2 "expected GROUP" "describe without a group" groups describe

# ---- a live group: refused unless --force --------------------------------------------

$WRAP "$BIN" consume orders -g live >"$TMP/live.out" 2>"$TMP/live.err" &
BG_PIDS+=($!)
live=0
for _ in $(seq 1 150); do
	if $WRAP "$BIN" groups describe live --members 2>/dev/null | grep -q '^live  *m-'; then
		live=1
		break
	fi
	sleep 0.2
done
check "background consumer joined group live" [ $live = 1 ]
bad 1 "live members" "reset a live group" groups reset-offsets live --topic orders --to-earliest --execute
bad 1 "live members" "delete a live group" groups delete live
bad 1 "in use by group live" "delete a topic a live group reads" topics delete orders
expect 0 "reset a live group with --force" groups reset-offsets live --topic orders --to-earliest --execute --force
echo "k:late" >"$TMP/late"
IN=$TMP/late
expect 0 "produce while a consumer runs" produce orders -K :
got=0
for _ in $(seq 1 100); do
	grep -qx late "$TMP/live.out" && { got=1; break; }
	sleep 0.1
done
check "the live consumer received the new record" [ $got = 1 ]
kill -TERM "${BG_PIDS[0]}"
wait "${BG_PIDS[0]}"
live_rc=$?
BG_PIDS=()
check "consumer stops cleanly on SIGTERM (exit $live_rc)" [ "$live_rc" = 0 ] && [ ! -s "$TMP/live.err" ]
expect 0 "delete the group once stopped" groups delete live

# ---- delete-records ------------------------------------------------------------------

for i in 0 1 2 3 4 5; do echo "r$i"; done >"$TMP/six"
IN=$TMP/six
expect 0 "produce 6 to events/1" produce events -p 1
expect 0 "delete-records" delete-records events -p 1 --before 4
check "low watermark 4" grep -qE '^events +1 +4$' "$TMP/out"
expect 0 "consume after delete-records" consume events -p 1 -o beginning -e -f '%o %s\n'
check "starts at offset 4" [ "$(head -n 1 "$TMP/out")" = "4 r4" ]
check "two left" [ "$(lines)" = 2 ]
expect 0 "consume -o -N past the log start" consume events -p 1 -o -5 -e -f '%o %s\n'
check "-o -5 starts at the log start" [ "$(head -n 1 "$TMP/out")" = "4 r4" ] && [ "$(lines)" = 2 ]
expect 0 "consume -o -N with the largest N" consume events -p 1 -o -9223372036854775807 -e
check "all of it" [ "$(lines)" = 2 ]
bad 2 "expected -N with N >= 1" "offset '-0'" consume events -p 1 -o -0
expect 0 "delete-records never goes back" delete-records events -p 1 --before 2 --json
check "still 4" grep -q '"low_watermark":4' "$TMP/out"
check "delete-records JSON" json_ok "$TMP/out"
bad 1 "beyond the high watermark" "delete-records beyond the end" delete-records events -p 1 --before 99
bad 2 "offset 'x'" "malformed offset" delete-records events -p 1 --before x
bad 2 "give -p" "no partition" delete-records events --before 1
bad 1 "has no partition 5" "unknown partition" delete-records events -p 5 --before 1
bad 1 'unknown topic "nope"' "unknown topic" delete-records nope -p 0 --before 1
expect 0 "delete-records to the end" delete-records events -p 1 --before end
expect 0 "consume nothing left" consume events -p 1 -o beginning -e
check "empty" [ "$(lines)" = 0 ]

# ---- stats, check, backup -------------------------------------------------------------

expect 0 "stats" stats
check "stats shows map use" grep -q '^map used' "$TMP/out"
expect 0 "stats --json" stats --json
check "stats JSON" json_ok "$TMP/out"
check "stats: no dead reader" grep -q '"readers_reclaimed":0' "$TMP/out"
# A consumer killed while it reads leaves its reader slot for as long as
# another process keeps the store open; stats frees it.
$WRAP "$BIN" consume events -p 0 -o beginning >/dev/null 2>&1 &
keeper=$!
BG_PIDS+=($keeper)
$WRAP "$BIN" consume events -p 0 -o beginning >/dev/null 2>&1 &
reader=$!
sleep 0.5
# Under a wrap (valgrind, an emulator) the tool takes longer to start reading.
[ -z "$WRAP" ] || sleep 2.5
kill -9 $reader 2>/dev/null
wait $reader 2>/dev/null
expect 0 "stats after a killed reader" stats
check "stats reports the dead reader freed" grep -q '; 1 of dead processes freed$' "$TMP/out"
kill $keeper 2>/dev/null
wait $keeper 2>/dev/null
expect 0 "check" check
check "check ok" grep -q ': ok$' "$TMP/out"
expect 0 "check --json" check --json
check "check JSON" json_ok "$TMP/out"
check "check says ok" grep -q '"ok":true' "$TMP/out"
expect 0 "backup" backup "$TMP/backup"
check "backup written" [ -f "$TMP/backup/data.mdb" ]
bad 1 "already holds a store" "backup over a store" backup "$TMP/backup"
expect 0 "check the backup" -d "$TMP/backup" check
# A copy whose pages past the two meta pages all carry a wrong page number.
cp -r "$TMP/backup" "$TMP/damaged"
size=$(stat -c %s "$TMP/damaged/data.mdb")
for ((off = 8192; off + 8 <= size; off += 4096)); do
	printf '\377\377\377\377\377\377\377\177' |
		dd of="$TMP/damaged/data.mdb" bs=1 seek="$off" conv=notrunc status=none
done
sum=$(cksum <"$TMP/damaged/data.mdb")
run -d "$TMP/damaged" check
check "check a damaged copy: exit 1" [ "$rc" = 1 ]
check "check a damaged copy: says damaged" grep -q '^offlog: .*damaged' "$TMP/err"
check "check a damaged copy: file unchanged" [ "$(cksum <"$TMP/damaged/data.mdb")" = "$sum" ]
# Tables that disagree, in a file whose every page is well formed: a committed
# offset naming a topic id that does not exist (its key rewritten in place).
TS=$TMP/tables
$WRAP "$BIN" -d "$TS" topics create solo >/dev/null
echo one | $WRAP "$BIN" -d "$TS" produce solo
$WRAP "$BIN" -d "$TS" consume solo -g zzgroup -p 0 -o beginning -e >/dev/null
$WRAP "$BIN" -d "$TS" backup "$TMP/tables-bad" >/dev/null   # compacted: one copy of each key
patched=0
for off in $(LC_ALL=C grep -obUa zzgroup "$TMP/tables-bad/data.mdb" | cut -d: -f1); do
	# The key: "zzgroup", a NUL, topic id 1 (be32), partition 0 (be32).
	if [ "$(dd if="$TMP/tables-bad/data.mdb" bs=1 skip=$((off + 7)) count=9 status=none |
		od -An -tx1 | tr -d ' \n')" = 000000000100000000 ]; then
		printf 'c' | dd of="$TMP/tables-bad/data.mdb" bs=1 seek=$((off + 11)) conv=notrunc status=none
		patched=$((patched + 1))
	fi
done
check "the committed offset's key found once" [ "$patched" = 1 ]
expect 0 "check the good tables" -d "$TS" check
sum=$(cksum <"$TMP/tables-bad/data.mdb")
run -d "$TMP/tables-bad" check
check "check tables that disagree: exit 1" [ "$rc" = 1 ]
check "check tables that disagree: says which" \
	grep -q '^offlog: .*is damaged: a committed offset of group zzgroup names partition 0 of topic id 99' "$TMP/err"
check "check tables that disagree: one line" [ "$(wc -l <"$TMP/err")" = 1 ]
run -d "$TMP/tables-bad" check --json
check "check --json tables that disagree: exit 1" [ "$rc" = 1 ]
check "check --json tables that disagree: JSON" json_ok "$TMP/out"
check "check --json tables that disagree: not ok" grep -q '"ok":false,"errors":\[".*topic id 99' "$TMP/out"
run -d "$TMP/tables-bad" topics list
check "a plain open still reads it" [ "$rc" = 0 ]
check "check tables that disagree: file unchanged" [ "$(cksum <"$TMP/tables-bad/data.mdb")" = "$sum" ]
run topics describe --json
cp "$TMP/out" "$TMP/orig.json"
run -d "$TMP/backup" topics describe --json
check "the backup has the same topics" cmp -s "$TMP/out" "$TMP/orig.json"
run -d "$TMP/backup" groups describe app --json
check "the backup has the group" grep -q '"group":"app"' "$TMP/out"

# ---- topics delete, default directory ---------------------------------------------------

expect 0 "delete events" topics delete events
run topics list -q
check "events gone" [ "$(cat "$TMP/out")" = orders ]
bad 1 'unknown topic "events"' "delete twice" topics delete events

mkdir -p "$TMP/cwd"
( cd "$TMP/cwd" && unset OFFLOG_DIR && $WRAP "$BIN" topics create here >/dev/null 2>&1 )
check "default store ./offlog-data" [ -f "$TMP/cwd/offlog-data/data.mdb" ]

echo "cli_test: $passed passed, $failed failed"
[ "$failed" = 0 ]
