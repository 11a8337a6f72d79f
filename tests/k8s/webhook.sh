#!/usr/bin/env bash
# fdr-record --sources k8s with its audit webhook on a loopback port; a real
# HTTP client (curl) POSTs every real audit event of
# $FDR_SHARED/data/k8s-audit wrapped in EventLists (one request per file, and
# all of them in one), as kube-apiserver's webhook backend does, plus
# malformed requests: Falco's fal_01_003.json, truncated JSON, a 100 MB body,
# the wrong content type. Good events must be in the k8s ring with their
# fields (read back with fdr-replay), bad requests get a clear 4xx, and the
# recorder neither crashes nor stops serving.
set -uo pipefail

command -v curl >/dev/null || { echo "SKIP: curl not installed"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: jq not installed"; exit 77; }
D=${FDR_SHARED:-../shared}/data/k8s-audit
[ -d "$D/falco" ] || { echo "SKIP: no shared data at $D"; exit 77; }
REC=${FDR_BIN:-bin}/fdr-record
REPLAY=${FDR_BIN:-bin}/fdr-replay
[ -x "$REC" ] && [ -x "$REPLAY" ] || { echo "FAIL: fdr-record/fdr-replay not built"; exit 1; }

T=$(mktemp -d /tmp/fdr-k8s.XXXXXX)
RPID=""
cleanup() {
	[ -n "$RPID" ] && kill "$RPID" 2>/dev/null && wait "$RPID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; echo "--- recorder log"; cat "$T/rec.err"; exit 1; }

mkdir -p "$T/rings"
"$REC" -d "$T/rings" --sources k8s --k8s-audit-listen 127.0.0.1:0 --flush-interval 1 \
	--no-sync --ring-size 4M --disk-budget 0 2>"$T/rec.err" &
RPID=$!
for _ in $(seq 50); do grep -q 'listening on' "$T/rec.err" && break; sleep 0.1; done
PORT=$(sed -n 's/.*audit webhook listening on .* (port \([0-9]*\)).*/\1/p' "$T/rec.err")
[ -n "$PORT" ] || fail "webhook did not start"
URL=http://127.0.0.1:$PORT/k8s-audit

post() {	# content-type file -> http code
	curl -s -o "$T/answer" -w '%{http_code}' --max-time 60 -H "Content-Type: $1" \
		--data-binary @"$2" "$URL"
}
wrap() { jq -cs '{kind:"EventList",apiVersion:"audit.k8s.io/v1",metadata:{},items:.}'; }

# one request per real file, each wrapped in an EventList
files=$(ls "$D"/falco/*.json "$D"/crowdsec/*/*.log | grep -v fal_01_003)
n=0
for f in $files; do
	k=$(jq -c . "$f" | wc -l)
	jq -c . "$f" | wrap >"$T/one.json"
	code=$(post application/json "$T/one.json")
	[ "$code" = 200 ] || fail "$f: answered $code: $(cat "$T/answer")"
	n=$((n + k))
done
[ "$n" -ge 53 ] || fail "only $n real events"
# all of them in one request
cat $files | jq -c . | wrap >"$T/all.json"
[ "$(post application/json "$T/all.json")" = 200 ] || fail "all-in-one list refused"

# malformed and hostile requests: clear 4xx answers
[ "$(post application/json "$D/falco/fal_01_003.json")" = 400 ] || fail "fal_01_003 not refused with 400"
grep -q 'not an audit.k8s.io Event or EventList' "$T/answer" || fail "fal_01_003 answer unclear: $(cat "$T/answer")"
head -c 2000 "$T/all.json" >"$T/trunc.json"
[ "$(post application/json "$T/trunc.json")" = 400 ] || fail "truncated JSON not refused with 400"
grep -q 'not valid JSON' "$T/answer" || fail "truncated answer unclear"
[ "$(post text/plain "$T/all.json")" = 415 ] || fail "wrong content type not refused with 415"
truncate -s 100M "$T/big.json"
[ "$(post application/json "$T/big.json")" = 413 ] || fail "100 MB body not refused with 413"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 60 -H 'Content-Type: application/json' \
	-H 'Transfer-Encoding: chunked' --data-binary @"$T/big.json" "$URL")
[ "$code" = 413 ] || fail "100 MB chunked body answered $code"
rm -f "$T/big.json"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL")" = 405 ] || fail "GET not refused with 405"

# still serving after all that
[ "$(post application/json "$T/one.json")" = 200 ] || fail "not serving after bad requests"
last=$(jq -c '.items|length' "$T/one.json")
sleep 1.5
kill -0 "$RPID" || fail "fdr-record died"
kill "$RPID"; wait "$RPID"; rc=$?; RPID=""
[ $rc = 0 ] || fail "fdr-record exited $rc"

"$REPLAY" timeline --json --kind k8s.audit "$T/rings" >"$T/tl.jsonl" || fail "fdr-replay"
got=$(wc -l <"$T/tl.jsonl")
want=$((2 * n + last))
[ "$got" = "$want" ] || fail "$got k8s.audit events recorded, want $want"
bad=$(jq -c 'select(.container!="k8s" or .container_name!="k8s-audit" or (.verb|not) or (.stage|not))' "$T/tl.jsonl" | head -3)
[ -z "$bad" ] || fail "events without ring or fields: $bad"
has() { [ -n "$(jq -c "select($1)" "$2" 2>/dev/null | head -1)" ]; }
has '.audit_id=="ca1ed9f4-7bf4-4c85-81a8-1b11253d1ba6" and .user=="minikube-user" and .subresource=="exec" and .exec_command==["bash"] and .code==101 and .namespace=="default" and .source_ips==["192.168.99.1"] and .time=="2018-10-26T13:38:34.902914000Z"' "$T/tl.jsonl" ||
	fail "falco exec_pod event fields"
has '.exec_command==["/bin/bash"] and .name=="test-pod-1" and .user_agent' "$T/tl.jsonl" || fail "crowdsec pod exec"
has '(.pod_flags|index(["hostNetwork"])) and .resource=="pods" and .verb=="create"' "$T/tl.jsonl" || fail "hostNetwork pod flag"
has '(.pod_flags|index(["hostPath=/etc"]))' "$T/tl.jsonl" || fail "hostPath flag"
has '(.pod_flags|index(["privileged"])) and .user=="system:serviceaccount:kube-system:replicaset-controller"' "$T/tl.jsonl" || fail "privileged flag"
grep -q "k8s: .* 6 refused, 0 shed" "$T/rec.err" || fail "refusals not counted"

echo "PASS: $got audit events from $((n)) real ones posted twice (+$last), 6 bad requests refused"
exit 0
