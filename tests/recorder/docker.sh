#!/usr/bin/env bash
# A real Docker container (an isolated dockerd, no registry: a busybox image
# imported from a rootfs) run and `docker exec`ed: its processes land in its
# ring under its 64-hex id, the host's in host.ring.
. "$(dirname "$0")/lib.sh"

command -v dockerd >/dev/null && command -v docker >/dev/null || skip "docker.io is not installed"
BB=$(command -v busybox) || skip "busybox-static is not installed"

D=$T/rings
mkdir -m 0700 "$D"
DK=$T/docker
mkdir -p "$DK"
dockerd --data-root "$DK/data" --exec-root "$DK/exec" -H "unix://$DK/docker.sock" \
	--pidfile "$DK/dockerd.pid" --iptables=false --ip6tables=false --bridge=none \
	--storage-driver=vfs >"$T/dockerd.log" 2>&1 &
DPID=$!
stop_dockerd() {	# gracefully (it stops its containerd), then by force
	local kids
	kids=$(pgrep -P "$DPID")
	kill -TERM "$DPID"
	for _ in $(seq 50); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.2; done
	kill -9 "$DPID" $kids
	for m in $(awk '{print $2}' /proc/mounts | grep "^$DK" | sort -r); do umount -l "$m"; done
}
at_exit stop_dockerd
DOCKER="docker -H unix://$DK/docker.sock"
for _ in $(seq 100); do $DOCKER version >/dev/null 2>&1 && break; sleep 0.2; done
$DOCKER version >/dev/null 2>&1 || { tail -20 "$T/dockerd.log"; fail "dockerd did not start"; }

R=$T/rootfs
mkdir -p "$R/bin"
cp "$BB" "$R/bin/busybox"
for a in sh sleep echo id cat true; do ln -s busybox "$R/bin/$a"; done
tar -C "$R" -c . | $DOCKER import -c 'CMD ["/bin/sh"]' - local/fdr-busybox >/dev/null ||
	fail "cannot import the busybox image"

start_recorder "$D" --flush-interval 0.2
CID=$($DOCKER run -d --rm local/fdr-busybox /bin/sleep 30) || fail "docker run failed"
at_exit "$DOCKER rm -f $CID"
$DOCKER exec "$CID" /bin/sh -c 'echo exec-marker-1 >/dev/null; sleep 0.1' || fail "docker exec failed"
$DOCKER exec "$CID" /bin/sh -c 'exit 5'
[ $? = 5 ] || fail "docker exec exit status lost"
$DOCKER rm -f "$CID" >/dev/null
sleep 0.5
stop_recorder
cat "$T/rec.log"
[[ $CID =~ ^[0-9a-f]{64}$ ]] || fail "unexpected container id '$CID'"
RING=$D/docker-${CID:0:12}.ring
[ -f "$RING" ] || { ls -l "$D"; fail "no ring $RING"; }
"$REPLAY" timeline --json "$RING" >"$T/ev.json" || fail "cannot read $RING"
events "$D" >"$T/all.json"

jq -r .container "$T/ev.json" | sort -u | grep -cvx "$CID" >/dev/null && fail "events of another container in $RING"
jq -c 'select(.kind == "proc.exec" and .argv == ["/bin/sleep", "30"])' "$T/ev.json" | grep -c . >/dev/null ||
	fail "the container's main process is not in its ring"
jq -c 'select(.kind == "proc.exec" and .argv[2]? == "echo exec-marker-1 >/dev/null; sleep 0.1")' \
	"$T/ev.json" | grep -c . >/dev/null || fail "the docker exec process is not in the ring"
jq -c 'select(.kind == "proc.exit" and .comm == "sh" and .exit_code == 5)' "$T/ev.json" | grep -c . >/dev/null ||
	fail "the exit code of the docker exec process is missing"
# the docker CLI itself ran on the host
jq -c --arg c "$CID" 'select(.kind == "proc.exec" and .container == "host" and .argv[0] == "docker"
	and (.argv | index("exec")))' "$T/all.json" | grep -c . >/dev/null || fail "docker CLI not in host.ring"
rt=$("$REPLAY" info --json "$RING" | jq -r .runtime)
[ "$rt" = docker ] || fail "ring runtime is '$rt'"
ok "container $CID: run and exec processes in its ring"
exit 0
