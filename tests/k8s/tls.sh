#!/usr/bin/env bash
# The audit webhook of fdr-record itself over HTTPS with a client CA and a
# bearer token, as kube-apiserver is configured to call it: a throwaway CA,
# server and client certificates made here with openssl; curl (checking the
# server certificate against the CA) POSTs audit events. The right client
# certificate with the right token is accepted and recorded; a wrong or
# missing token (401), no client certificate or one the CA did not sign
# (403, or the TLS handshake refused), and plain HTTP are refused, and none
# of their events is recorded.
set -uo pipefail

command -v curl >/dev/null || { echo "SKIP: curl not installed"; exit 77; }
command -v openssl >/dev/null || { echo "SKIP: openssl not installed"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: jq not installed"; exit 77; }
REC=${FDR_BIN:-bin}/fdr-record
REPLAY=${FDR_BIN:-bin}/fdr-replay
[ -x "$REC" ] && [ -x "$REPLAY" ] || { echo "FAIL: fdr-record/fdr-replay not built"; exit 1; }

T=$(mktemp -d /tmp/fdr-k8s-tls.XXXXXX)
RPID=""
cleanup() {
	[ -n "$RPID" ] && kill "$RPID" 2>/dev/null && wait "$RPID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; echo "--- recorder log"; cat "$T/rec.err"; exit 1; }

# a CA; a server certificate for 127.0.0.1 and a client one, both signed by
# it; a self-signed client certificate the CA never saw
(
	cd "$T" &&
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 1 -subj /CN=fdr-test-ca &&
	openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj /CN=127.0.0.1 &&
	printf 'subjectAltName=IP:127.0.0.1\n' >san.ext &&
	openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out srv.crt -days 1 -extfile san.ext &&
	openssl req -newkey rsa:2048 -nodes -keyout cli.key -out cli.csr -subj /CN=kube-apiserver &&
	openssl x509 -req -in cli.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out cli.crt -days 1 &&
	openssl req -x509 -newkey rsa:2048 -nodes -keyout rogue.key -out rogue.crt -days 1 -subj /CN=rogue
) >"$T/openssl.log" 2>&1 || { cat "$T/openssl.log"; fail "openssl could not make the certificates"; }
TOKEN=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$TOKEN" >"$T/token"

mkdir -p "$T/rings"
"$REC" -d "$T/rings" --sources k8s --k8s-audit-listen 127.0.0.1:0 \
	--k8s-audit-tls-cert "$T/srv.crt" --k8s-audit-tls-key "$T/srv.key" \
	--k8s-audit-client-ca "$T/ca.crt" --k8s-audit-token-file "$T/token" \
	--flush-interval 1 --no-sync --ring-size 4M --disk-budget 0 2>"$T/rec.err" &
RPID=$!
for _ in $(seq 50); do grep -q 'listening on' "$T/rec.err" && break; sleep 0.1; done
PORT=$(sed -n 's/.*audit webhook listening on .* (port \([0-9]*\)).*/\1/p' "$T/rec.err")
[ -n "$PORT" ] || fail "webhook did not start"
grep -q 'TLS, client certificates required, bearer token required' "$T/rec.err" || fail "TLS setup not stated"

body() {	# auditID -> an EventList with one event
	printf '{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[{"kind":"Event","auditID":"%s","stage":"ResponseComplete","verb":"get","user":{"username":"u"},"objectRef":{"resource":"secrets","namespace":"kube-system","name":"s"},"responseStatus":{"code":200},"stageTimestamp":"2024-05-01T12:00:00.000001Z"}]}' "$1"
}
post() {	# auditID curl-options... -> HTTP code ("000" when TLS or the connection failed)
	local id=$1
	shift
	body "$id" | curl -s -o "$T/answer" -w '%{http_code}' --max-time 20 -H 'Content-Type: application/json' \
		--data-binary @- "$@"
}
URL=https://127.0.0.1:$PORT/audit
GOOD=(--cacert "$T/ca.crt" --cert "$T/cli.crt" --key "$T/cli.key")

code=$(post ok-1 "${GOOD[@]}" -H "Authorization: Bearer $TOKEN" "$URL")
[ "$code" = 200 ] || fail "right certificate and token answered $code: $(cat "$T/answer")"
code=$(post bad-token "${GOOD[@]}" -H "Authorization: Bearer x$TOKEN" "$URL")
[ "$code" = 401 ] || fail "wrong token answered $code"
code=$(post no-token "${GOOD[@]}" "$URL")
[ "$code" = 401 ] || fail "missing token answered $code"
code=$(post basic-auth "${GOOD[@]}" -H "Authorization: Basic $TOKEN" "$URL")
[ "$code" = 401 ] || fail "token in the wrong scheme answered $code"
code=$(post no-cert --cacert "$T/ca.crt" -H "Authorization: Bearer $TOKEN" "$URL")
case "$code" in 403|000) ;; *) fail "no client certificate answered $code" ;; esac
refused=3 nocert=$code
[ "$code" = 403 ] && refused=$((refused + 1))
code=$(post rogue-cert --cacert "$T/ca.crt" --cert "$T/rogue.crt" --key "$T/rogue.key" \
	-H "Authorization: Bearer $TOKEN" "$URL")
case "$code" in 403|000) ;; *) fail "a client certificate the CA did not sign answered $code" ;; esac
[ "$code" = 403 ] && refused=$((refused + 1))
rogue=$code
code=$(post plain-http -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/audit")
[ "$code" != 200 ] || fail "plain HTTP accepted on the TLS port"
# the client checks the server too: a CA that did not sign it is refused by curl
code=$(post wrong-ca --cacert "$T/rogue.crt" --cert "$T/cli.crt" --key "$T/cli.key" \
	-H "Authorization: Bearer $TOKEN" "$URL")
[ "$code" = 000 ] || fail "curl trusted a server certificate its CA did not sign ($code)"
code=$(post ok-2 "${GOOD[@]}" -H "Authorization: Bearer $TOKEN" "$URL")
[ "$code" = 200 ] || fail "not serving after the refusals ($code)"

sleep 1.5
kill "$RPID"; wait "$RPID"; rc=$?; RPID=""
[ $rc = 0 ] || fail "fdr-record exited $rc"
"$REPLAY" timeline --json --kind k8s.audit "$T/rings" >"$T/tl.jsonl" || fail "fdr-replay"
got=$(jq -r .audit_id "$T/tl.jsonl" | sort | tr '\n' ' ')
[ "$got" = "ok-1 ok-2 " ] || fail "recorded audit ids '$got', want 'ok-1 ok-2 '"
jq -e -s 'all(.[]; .container=="k8s" and .verb=="get" and .user=="u" and .code==200 and .name=="s")' \
	"$T/tl.jsonl" >/dev/null || fail "fields of the accepted events: $(cat "$T/tl.jsonl")"
grep -q "k8s: .* 2 events .* $refused refused" "$T/rec.err" || fail "closing log line: want 2 events, $refused refused"
echo "PASS: TLS with client certificate and bearer token: 2 accepted and recorded; wrong/missing token 401, no client certificate $nocert, rogue one $rogue (000: TLS refused), plain HTTP refused"
exit 0
