#!/usr/bin/env bash
# A real, isolated dockerd (its own data/exec roots and socket; no iptables,
# no bridge): run, exec into, kill and remove a container, restart the
# daemon in the middle, and check that the docker client
# (recorder/docker-client.c, driven by tests/docker/docker-tail) reports
# every event once, with the container's id, name and image, plus the ring
# metadata from inspect. The engine is absent when the client starts: it
# must say so once and connect when it appears.
set -uo pipefail

T=$(mktemp -d /tmp/fdr-docker.XXXXXX)
. "$(dirname "$0")/lib.sh"
TPID=""
cleanup() {
	[ -n "$TPID" ] && kill "$TPID" 2>/dev/null && wait "$TPID" 2>/dev/null
	docker_cleanup
}
trap cleanup EXIT
need_docker
TAIL=${FDR_BUILD:-build}/tests/docker-tail
[ -x "$TAIL" ] || { echo "FAIL: $TAIL not built"; exit 1; }

fail() { echo "FAIL: $*"; echo "--- client output"; cat "$T/out.jsonl"; echo "--- client log"; cat "$T/tail.err"; exit 1; }

# wait_for JQ-FILTER: until some line of the output matches
wait_for() {
	for _ in $(seq 100); do
		[ "$(jq -c "select($1)" "$T/out.jsonl" 2>/dev/null | head -1)" ] && return 0
		sleep 0.1
	done
	fail "no line matching $1"
}

# 1. the client starts first: no engine yet
"$TAIL" "$SOCK" >"$T/out.jsonl" 2>"$T/tail.err" &
TPID=$!
sleep 1
[ "$(grep -c 'not reachable' "$T/tail.err")" = 1 ] || fail "absent engine not reported exactly once"

start_dockerd
import_busybox || fail "docker import"
for _ in $(seq 100); do grep -q 'connected to the docker engine' "$T/tail.err" && break; sleep 0.1; done
grep -q 'connected to the docker engine' "$T/tail.err" || fail "client never connected"

# 2. run, exec into, kill
ID=$(d run -d --name web --label tier=test --label app=fdr --expose 8080 local/busybox sh -c 'sleep 300') ||
	fail "docker run"
d exec web sh -c 'echo hi; exit 3' >/dev/null
[ $? = 3 ] || fail "exec exit code"
d kill web >/dev/null || fail "docker kill"
wait_for ".kind==\"docker.die\" and .container==\"$ID\""

# 3. restart the daemon in the middle
stop_dockerd
for _ in $(seq 50); do grep -q 'lost the docker engine' "$T/tail.err" && break; sleep 0.1; done
grep -q 'lost the docker engine' "$T/tail.err" || fail "loss not reported"
start_dockerd
for _ in $(seq 100); do [ "$(grep -c 'connected to the docker engine' "$T/tail.err")" -ge 2 ] && break; sleep 0.1; done
[ "$(grep -c 'connected to the docker engine' "$T/tail.err")" = 2 ] || fail "no reconnect"

# 4. after the restart: remove it, and one more short-lived container
d rm web >/dev/null || fail "docker rm"
ID2=$(d run -d --name after local/busybox true) || fail "second run"
wait_for ".kind==\"docker.die\" and .container==\"$ID2\""
d rm after >/dev/null
wait_for ".kind==\"docker.destroy\" and .container==\"$ID2\""

# 5. a client started while a container runs lists and inspects it
PRE=$(d run -d --name pre --label io.kubernetes.pod.name=web-0 --label io.kubernetes.pod.namespace=prod \
	local/busybox sleep 300) || fail "pre run"
"$TAIL" "$SOCK" 2 >"$T/list.jsonl" 2>/dev/null
has ".meta==\"$PRE\" and .name==\"pre\" and .pod==\"web-0\" and .namespace==\"prod\"" "$T/list.jsonl" || { cat "$T/list.jsonl"; fail "running container not inspected at start"; }

kill "$TPID"; wait "$TPID"; TPID=""

# ---- checks -----------------------------------------------------------------
O=$T/out.jsonl
for a in create start exec_create exec_start exec_die kill die destroy; do
	n=$(jq -c "select(.kind==\"docker.$a\" and .container==\"$ID\")" "$O" | wc -l)
	[ "$n" -ge 1 ] || fail "no docker.$a for web"
done
# every event of web names its container and image
bad=$(jq -c "select(.container==\"$ID\" and (.kind|startswith(\"docker.network\")|not) and (.name!=\"web\" or .image!=\"local/busybox\"))" "$O")
[ -z "$bad" ] || fail "events without name/image: $bad"
has ".kind==\"docker.exec_create\" and .container==\"$ID\" and .command==\"sh -c echo hi; exit 3\" and (.exec_id|length)==64" "$O" ||
	fail "exec_create command"
has ".kind==\"docker.exec_die\" and .container==\"$ID\" and .exit_code==3" "$O" ||
	fail "exec_die exit code"
has ".kind==\"docker.kill\" and .container==\"$ID\" and .signal==9" "$O" ||
	fail "kill signal"
has ".kind==\"docker.die\" and .container==\"$ID\" and .exit_code==137" "$O" ||
	fail "die exit code"
has ".kind==\"docker.create\" and .container==\"$ID\" and (.labels|any(.==\"app=fdr\")) and (.labels|any(.==\"tier=test\"))" "$O" ||
	fail "labels"
# ring metadata from inspect
has ".meta==\"$ID\" and .name==\"web\" and .image==\"local/busybox\" and (.image_id|startswith(\"sha256:\")) and .command==\"sh -c sleep 300\" and .ports==\"8080/tcp\" and .labels_len>0 and .started_ns>0" "$O" ||
	fail "inspect metadata of web"
has ".meta==\"$ID\" and .ended_ns>0" "$O" || fail "ended_ns of web"
# the destroy after the restart arrived, and nothing twice
has ".kind==\"docker.destroy\" and .container==\"$ID\"" "$O" || fail "destroy after restart"
dups=$(jq -r 'select(.kind) | "\(.time) \(.container) \(.kind) \(.exec_id)"' "$O" | sort | uniq -d)
[ -z "$dups" ] || fail "duplicate events: $dups"
[ "$(grep -c 'not reachable' "$T/tail.err")" = 1 ] || fail "absent engine reported more than once"

echo "PASS: $(jq -c 'select(.kind)' "$O" | wc -l) events, $(jq -c 'select(.meta)' "$O" | wc -l) metadata updates, daemon restarted once"
exit 0
