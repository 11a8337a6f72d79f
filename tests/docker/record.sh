#!/usr/bin/env bash
# fdr-record --sources docker,k8s against a real isolated dockerd, read back
# with fdr-replay: run, exec into, kill and remove a container, restart the
# daemon in the middle; every docker.* event is in that container's own ring
# with name and image, the ring header names container and image, nothing is
# recorded twice. Then a pods/exec audit event POSTed with curl for a pod
# whose container runs here lands in that container's ring; one for an
# unknown pod lands in the k8s ring.
set -uo pipefail

T=$(mktemp -d /tmp/fdr-docker-rec.XXXXXX)
. "$(dirname "$0")/lib.sh"
RPID=""
cleanup() {
	[ -n "$RPID" ] && kill "$RPID" 2>/dev/null && wait "$RPID" 2>/dev/null
	docker_cleanup
}
trap cleanup EXIT
need_docker
command -v curl >/dev/null || { echo "SKIP: curl not installed"; exit 77; }
REC=${FDR_BIN:-bin}/fdr-record
REPLAY=${FDR_BIN:-bin}/fdr-replay
[ -x "$REC" ] && [ -x "$REPLAY" ] || { echo "FAIL: fdr-record/fdr-replay not built"; exit 1; }

fail() { echo "FAIL: $*"; echo "--- recorder log"; cat "$T/rec.err"; exit 1; }

mkdir -p "$T/rings"
"$REC" -d "$T/rings" --sources docker,k8s --docker-socket "$SOCK" \
	--k8s-audit-listen 127.0.0.1:0 --flush-interval 1 --no-sync --ring-size 4M \
	--disk-budget 0 2>"$T/rec.err" &
RPID=$!
for _ in $(seq 50); do grep -q 'listening on' "$T/rec.err" && break; sleep 0.1; done
PORT=$(sed -n 's/.*audit webhook listening on .* (port \([0-9]*\)).*/\1/p' "$T/rec.err")
[ -n "$PORT" ] || fail "webhook did not start"
sleep 0.5
[ "$(grep -c 'not reachable' "$T/rec.err")" = 1 ] || fail "absent engine not reported exactly once"

start_dockerd
import_busybox || fail "docker import"
for _ in $(seq 100); do grep -q 'connected to the docker engine' "$T/rec.err" && break; sleep 0.1; done

ID=$(d run -d --name web --label tier=test --expose 8080 local/busybox sh -c 'sleep 300') || fail "docker run"
d exec web sh -c 'id; exit 3' >/dev/null
d kill web >/dev/null
sleep 0.5
stop_dockerd
start_dockerd
for _ in $(seq 100); do [ "$(grep -c 'connected to the docker engine' "$T/rec.err")" -ge 2 ] && break; sleep 0.1; done
d rm web >/dev/null || fail "docker rm"

# a pod's container, then audit events about it and about a pod not here
POD=$(d run -d --name k8s_app_web-0 --label io.kubernetes.pod.name=web-0 \
	--label io.kubernetes.pod.namespace=prod --label io.kubernetes.pod.uid=u-123 \
	local/busybox sleep 300) || fail "pod container run"
sleep 1.5	# its inspect answer
ev='{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"a-1","stage":"ResponseStarted",
 "requestURI":"/api/v1/namespaces/prod/pods/web-0/exec?command=sh&command=-c&command=cat+%2Fetc%2Fshadow&container=app&stdin=true",
 "verb":"create","user":{"username":"mallory","groups":["system:authenticated"]},"sourceIPs":["10.0.0.9"],
 "objectRef":{"resource":"pods","namespace":"prod","name":"web-0","apiVersion":"v1","subresource":"exec"},
 "responseStatus":{"metadata":{},"code":101},"requestReceivedTimestamp":"2024-05-01T12:00:00.000001Z",
 "stageTimestamp":"2024-05-01T12:00:00.000002Z"}'
other=${ev//web-0/db-1}
other=${other//a-1/a-2}
code=$(printf '{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[%s,%s]}' "$ev" "$other" |
	curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' --data-binary @- \
	"http://127.0.0.1:$PORT/audit")
[ "$code" = 200 ] || fail "webhook answered $code"
sleep 1.5

kill "$RPID"; wait "$RPID"; rc=$?; RPID=""
[ $rc = 0 ] || fail "fdr-record exited $rc"

"$REPLAY" timeline --json "$T/rings" >"$T/tl.jsonl" || fail "fdr-replay timeline"
"$REPLAY" info --json "$T/rings" >"$T/info.jsonl" || fail "fdr-replay info"
TL=$T/tl.jsonl
for a in create start exec_create exec_start exec_die kill die destroy; do
	has ".kind==\"docker.$a\" and .container==\"$ID\" and .container_name==\"web\" and .image==\"local/busybox\"" "$TL" ||
		fail "docker.$a of web not in its ring with name and image"
done
bad=$(jq -c "select((.kind|startswith(\"docker.\")) and .target_container==\"$ID\" and .container!=\"$ID\")" "$TL")
[ -z "$bad" ] || fail "web's events in another ring: $bad"
has ".kind==\"docker.exec_create\" and .container==\"$ID\" and .command==\"sh -c id; exit 3\"" "$TL" || fail "exec command"
has ".kind==\"docker.exec_die\" and .container==\"$ID\" and .exit_code==3" "$TL" || fail "exec exit code"
has ".kind==\"docker.die\" and .container==\"$ID\" and .exit_code==137" "$TL" || fail "die exit code"
has ".kind==\"docker.kill\" and .container==\"$ID\" and .signal==9" "$TL" || fail "kill signal"
dups=$(jq -r 'select(.kind|startswith("docker.")) | "\(.time) \(.container) \(.kind) \(.exec_id)"' "$TL" | sort | uniq -d)
[ -z "$dups" ] || fail "recorded twice: $dups"
has ".container==\"$ID\" and .container_name==\"web\" and .image==\"local/busybox\" and .runtime==\"docker\"" "$T/info.jsonl" ||
	{ cat "$T/info.jsonl"; fail "ring header of web"; }
has ".container==\"$POD\" and .pod==\"web-0\" and .namespace==\"prod\"" "$T/info.jsonl" ||
	{ cat "$T/info.jsonl"; fail "ring header of the pod container"; }
has ".kind==\"k8s.audit\" and .container==\"$POD\" and .user==\"mallory\" and .subresource==\"exec\" and .exec_command==[\"sh\",\"-c\",\"cat /etc/shadow\"]" "$TL" ||
	fail "pods/exec not in the pod's container ring"
has ".kind==\"k8s.audit\" and .container==\"k8s\" and .name==\"db-1\"" "$TL" || fail "unknown pod not in the k8s ring"

echo "PASS: $(jq -c 'select(.kind|startswith("docker."))' "$TL" | wc -l) docker events, $(jq -c 'select(.kind=="k8s.audit")' "$TL" | wc -l) audit events, rings: $(wc -l <"$T/info.jsonl")"
exit 0
