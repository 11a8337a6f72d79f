#!/usr/bin/env bash
# fdr-record --sources docker talks to a real isolated dockerd through a
# unix-socket proxy (socat) that the test kills and starts again: the event
# stream drops WITHOUT the daemon restarting. While the recorder is cut off,
# a container is exec'd into, another is created, started, killed and
# removed; after the proxy is back the recorder must reconnect with since=
# and record all of it, plus what follows, each event once.
set -uo pipefail

T=$(mktemp -d /tmp/fdr-docker-recon.XXXXXX)
. "$(dirname "$0")/lib.sh"
RPID="" SPID=""
stop_proxy() {	# socat and the children it forked per connection (its process group)
	[ -n "$SPID" ] || return 0
	kill -- -"$SPID" 2>/dev/null
	wait "$SPID" 2>/dev/null
	SPID=""
}
cleanup() {
	[ -n "$RPID" ] && kill "$RPID" 2>/dev/null && wait "$RPID" 2>/dev/null
	stop_proxy
	docker_cleanup
}
trap cleanup EXIT
need_docker
command -v socat >/dev/null || { echo "SKIP: socat not installed (scripts/install-deps.sh)"; exit 77; }
command -v setsid >/dev/null || { echo "SKIP: setsid not installed"; exit 77; }
REC=${FDR_BIN:-bin}/fdr-record
REPLAY=${FDR_BIN:-bin}/fdr-replay
[ -x "$REC" ] && [ -x "$REPLAY" ] || { echo "FAIL: fdr-record/fdr-replay not built"; exit 1; }
fail() { echo "FAIL: $*"; echo "--- recorder log"; cat "$T/rec.err"; exit 1; }
PROXY=$T/proxy.sock

start_proxy() {
	rm -f "$PROXY"
	setsid socat UNIX-LISTEN:"$PROXY",fork UNIX-CONNECT:"$SOCK" 2>>"$T/socat.log" &
	SPID=$!
	for _ in $(seq 50); do [ -S "$PROXY" ] && return 0; sleep 0.1; done
	fail "socat proxy did not start"
}
wait_log() {	# count pattern: until the recorder log has count lines matching
	for _ in $(seq 150); do
		[ "$(grep -c -- "$2" "$T/rec.err")" -ge "$1" ] && return 0
		sleep 0.1
	done
	fail "recorder log never had $1 x '$2'"
}

start_dockerd
DAEMON=$DPID
import_busybox || fail "docker import"
start_proxy
mkdir -p "$T/rings"
"$REC" -d "$T/rings" --sources docker --docker-socket "$PROXY" --flush-interval 1 \
	--no-sync --ring-size 4M --disk-budget 0 2>"$T/rec.err" &
RPID=$!
wait_log 1 'connected to the docker engine'

A=$(d run -d --name before local/busybox sleep 300) || fail "docker run before"
d exec before sh -c 'exit 2' >/dev/null
sleep 1	# the recorder has read these: the stream has a position

# cut the stream: the proxy goes away, the daemon stays
stop_proxy
wait_log 1 'lost the docker engine connection'
kill -0 "$DAEMON" || fail "dockerd died"
d exec before sh -c 'exit 4' >/dev/null
B=$(d run -d --name during local/busybox sleep 300) || fail "docker run during"
d kill during >/dev/null
d rm during >/dev/null || fail "docker rm during"
sleep 1.2	# past the second of the cut: since= must reach back for these

start_proxy
wait_log 2 'connected to the docker engine'
grep -q 'resuming where the stream stopped' "$T/rec.err" || fail "reconnect did not resume with since="
d exec before sh -c 'exit 5' >/dev/null
d kill before >/dev/null
sleep 1.5
[ "$DPID" = "$DAEMON" ] && kill -0 "$DAEMON" || fail "dockerd was restarted or died"
kill "$RPID"; wait "$RPID"; rc=$?; RPID=""
[ $rc = 0 ] || fail "fdr-record exited $rc"

"$REPLAY" timeline --json "$T/rings" >"$T/tl.jsonl" || fail "fdr-replay timeline"
TL=$T/tl.jsonl
for code in 2 4 5; do
	has ".kind==\"docker.exec_die\" and .container==\"$A\" and .exit_code==$code" "$TL" ||
		fail "exec exiting $code in 'before' not recorded"
done
for a in create start kill die destroy; do
	has ".kind==\"docker.$a\" and .container==\"$B\" and .container_name==\"during\" and .image==\"local/busybox\"" "$TL" ||
		fail "docker.$a of 'during' (while disconnected) not recorded in its ring"
done
has ".kind==\"docker.die\" and .container==\"$A\" and .exit_code==137" "$TL" || fail "die of 'before' after the reconnect"
dups=$(jq -r 'select(.kind|startswith("docker.")) | "\(.time) \(.container) \(.kind) \(.exec_id)"' "$TL" | sort | uniq -d)
[ -z "$dups" ] || fail "recorded twice: $dups"
[ "$(grep -c 'lost the docker engine connection' "$T/rec.err")" = 1 ] || fail "the drop not reported exactly once"

echo "PASS: $(jq -c 'select(.kind|startswith("docker."))' "$TL" | wc -l) docker events across a dropped stream (daemon pid $DAEMON throughout), none twice"
exit 0
