#!/usr/bin/env bash
# The webhook's cap on the body bytes of all open requests together
# (k8s-webhook.h: the larger of 64 MiB and 4 x max body; 64 MiB here): six
# real HTTP clients (curl, upload rate limited so that they overlap) POST a
# 15 MiB EventList of real audit events each, at once. Six such buffers do
# not fit under the cap, so some are answered 503 while the others are
# answered 200; every event of every body answered 200 is in the ring (none
# lost), the 503s are counted in the recorder's closing log line, and the
# server serves normally right after.
set -uo pipefail

command -v curl >/dev/null || { echo "SKIP: curl not installed"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: jq not installed"; exit 77; }
D=${FDR_SHARED:-../shared}/data/k8s-audit
[ -d "$D/falco" ] || { echo "SKIP: no shared data at $D"; exit 77; }
REC=${FDR_BIN:-bin}/fdr-record
REPLAY=${FDR_BIN:-bin}/fdr-replay
[ -x "$REC" ] && [ -x "$REPLAY" ] || { echo "FAIL: fdr-record/fdr-replay not built"; exit 1; }

T=$(mktemp -d /tmp/fdr-k8s-busy.XXXXXX)
RPID="" CPIDS=""
cleanup() {
	for p in $CPIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	[ -n "$RPID" ] && kill "$RPID" 2>/dev/null && wait "$RPID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; echo "--- recorder log"; cat "$T/rec.err"; exit 1; }

# 15 MiB of real events in one EventList (over 8 MiB: its buffer grows to 16 MiB)
ls "$D"/falco/*.json "$D"/crowdsec/*/*.log | grep -v fal_01_003 | xargs cat | jq -c . >"$T/events.jsonl"
per=$(jq -cs --argjson size $((15 << 20)) '(map(tojson|length+1)|add) as $b |
	($size / $b * length | floor)' "$T/events.jsonl")
jq -cs --argjson n "$per" '{kind:"EventList",apiVersion:"audit.k8s.io/v1",metadata:{},
	items:[range(0;$n) as $i | .[$i % length]]}' "$T/events.jsonl" >"$T/big.json"
size=$(stat -c %s "$T/big.json")
[ "$size" -gt $((12 << 20)) ] && [ "$size" -le $((16 << 20)) ] || fail "test body is $size bytes"
jq -c '.items=.items[0:3]' "$T/big.json" >"$T/small.json"

mkdir -p "$T/rings"
"$REC" -d "$T/rings" --sources k8s --k8s-audit-listen 127.0.0.1:0 --flush-interval 1 \
	--no-sync --ring-size 128M --disk-budget 0 2>"$T/rec.err" &
RPID=$!
for _ in $(seq 50); do grep -q 'listening on' "$T/rec.err" && break; sleep 0.1; done
PORT=$(sed -n 's/.*audit webhook listening on .* (port \([0-9]*\)).*/\1/p' "$T/rec.err")
[ -n "$PORT" ] || fail "webhook did not start"
URL=http://127.0.0.1:$PORT/audit

for i in 1 2 3 4 5 6; do
	curl -s -o "$T/answer.$i" -w '%{http_code}' --max-time 120 --limit-rate 3M \
		-H 'Content-Type: application/json' --data-binary @"$T/big.json" "$URL" >"$T/code.$i" &
	CPIDS="$CPIDS $!"
done
for p in $CPIDS; do wait "$p"; done
CPIDS=""
ok=0 busy=0
for i in 1 2 3 4 5 6; do
	case "$(cat "$T/code.$i")" in
	200) ok=$((ok + 1)) ;;
	503) busy=$((busy + 1)); grep -q 'too many large requests at once' "$T/answer.$i" ||
		fail "503 answer unclear: $(cat "$T/answer.$i")" ;;
	*) fail "client $i answered $(cat "$T/code.$i"): $(cat "$T/answer.$i")" ;;
	esac
done
[ "$busy" -ge 1 ] || fail "six 16 MiB buffers at once, yet no 503 (cap not enforced?)"
[ "$ok" -ge 3 ] || fail "only $ok of 6 accepted: the cap (64 MiB) holds four"
[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
	--data-binary @"$T/small.json" "$URL")" = 200 ] || fail "not serving after the 503s"

for _ in $(seq 100); do	# drained and flushed
	n=$("$REPLAY" count --kind k8s.audit "$T/rings" 2>/dev/null || echo 0)
	[ "$n" = $((ok * per + 3)) ] && break
	sleep 0.2
done
kill "$RPID"; wait "$RPID"; rc=$?; RPID=""
[ $rc = 0 ] || fail "fdr-record exited $rc"
n=$("$REPLAY" count --kind k8s.audit "$T/rings")
[ "$n" = $((ok * per + 3)) ] || fail "$n events recorded, want $ok x $per + 3: accepted events lost"
grep -q "k8s: .*, 0 shed, $busy busy (503" "$T/rec.err" || fail "the 503s not in the closing log line"
echo "PASS: 6 x $size bytes at once: $ok accepted ($((ok * per)) events, all recorded), $busy answered 503 and counted"
exit 0
