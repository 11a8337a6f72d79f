#!/usr/bin/env bash
# The file source with a real Docker container on overlay2: an isolated
# dockerd (own data root, no iptables, no bridge) runs a busybox container
# that writes, renames and deletes files in its root filesystem and writes
# into a bind-mounted volume. Its writes
# land in the overlay upper dir on the host filesystem; the recorder must
# report them with the path the container sees (/etc/...), the upper-dir
# path as host_path, and the container's id.
# FDR_FILE_DRIVER=vfs (docker-vfs.sh): the same on the vfs storage driver,
# where the container's root is a plain directory <root>/vfs/dir/<layer>
# that no host mount names (the chmod, mv and rm run as processes gone
# before their events are read: their paths alone tell the container).
set -uo pipefail
DRIVER=${FDR_FILE_DRIVER:-overlay2}

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
for p in fdr-record fdr-replay; do
	[ -x "$FDR_BIN/$p" ] || { echo "SKIP: no $FDR_BIN/$p"; exit 77; }
done
for c in dockerd docker jq busybox; do
	command -v $c >/dev/null || { echo "SKIP: $c not installed (apt-get install docker.io busybox-static jq)"; exit 77; }
done

T=$(mktemp -d /var/tmp/fdr-file-docker.XXXXXX)
DPID="" REC=""
D() { docker -H "unix://$T/docker.sock" "$@"; }
cleanup() {
	[ -n "$REC" ] && kill "$REC" 2>/dev/null && wait "$REC" 2>/dev/null
	if [ -n "$DPID" ]; then
		D rm -f fdrtest >/dev/null 2>&1
		kill "$DPID" 2>/dev/null
		for _ in $(seq 100); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
	fi
	# dockerd leaves its overlay and shm mounts behind when killed early
	grep -o " $T[^ ]*" /proc/self/mounts | sort -r | while read -r m; do umount -l "$m"; done
	rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

dockerd --data-root "$T/data" --exec-root "$T/exec" -H "unix://$T/docker.sock" \
	--pidfile "$T/dockerd.pid" --iptables=false --ip6tables=false --bridge=none \
	--storage-driver="$DRIVER" > "$T/dockerd.log" 2>&1 &
DPID=$!
for _ in $(seq 100); do D info >/dev/null 2>&1 && break; sleep 0.2; done
D info >/dev/null 2>&1 || { tail -5 "$T/dockerd.log"; echo "SKIP: isolated dockerd with $DRIVER did not start"; exit 77; }
mkdir -p "$T/rootfs/bin" "$T/rootfs/etc" "$T/rootfs/tmp"
cp "$(command -v busybox)" "$T/rootfs/bin/busybox"
for a in sh echo mv rm sleep chmod; do ln -s busybox "$T/rootfs/bin/$a"; done
tar -C "$T/rootfs" -c . | D import -c 'CMD ["/bin/sh"]' - local/fdrbusybox >/dev/null ||
	fail "docker import"

"$FDR_BIN/fdr-record" -d "$T/rings" --sources file --file-include "$T/data" --file-include "$T/vol" \
	--flush-interval 0.2 --no-sync 2> "$T/rec.log" &
REC=$!
for _ in $(seq 50); do grep -q "recording into" "$T/rec.log" && break; sleep 0.1; done
grep -q "recording into" "$T/rec.log" || { cat "$T/rec.log"; fail "recorder did not start"; }

mkdir -p "$T/vol"
D run --name fdrtest --network none -v "$T/vol:/data" local/fdrbusybox /bin/sh -c \
	'echo "db" > /data/volume.db; echo "evil" > "/etc/cron job"; chmod 700 "/etc/cron job"; mv "/etc/cron job" /tmp/moved;
	 rm /tmp/moved; echo $$ > /tmp/pid; sleep 0.5' || fail "docker run"
ID=$(D inspect -f '{{.Id}}' fdrtest)
if [ "$DRIVER" = vfs ]; then
	UPPER=$T/data/vfs/dir/$(cat "$T/data/image/vfs/layerdb/mounts/$ID/mount-id")
else
	UPPER=$(D inspect -f '{{.GraphDriver.Data.UpperDir}}' fdrtest)
fi
[ -n "$ID" ] && [ -n "$UPPER" ] || fail "no container id or upper dir"
sleep 0.6
kill -TERM "$REC"; wait "$REC"; rc=$?; REC=""
[ $rc = 0 ] || { cat "$T/rec.log"; fail "fdr-record exited $rc"; }

"$FDR_BIN/fdr-replay" timeline --json "$T/rings" > "$T/all.json" || fail "fdr-replay"
jq -c --arg id "$ID" 'select(.container == $id and (.kind | startswith("file.")))' \
	"$T/all.json" > "$T/c.json"
echo "container file events: $(wc -l < "$T/c.json")"; [ -n "${VERBOSE:-}" ] && cat "$T/c.json"
has() {	# kind, jq condition
	local n
	n=$(jq -c --arg k "$1" --arg u "$UPPER" "select(.kind == \$k and ($2))" "$T/c.json" | wc -l)
	[ "$n" -ge 1 ] || { cat "$T/c.json"; fail "no $1 with $2"; }
}
has file.create '.path == "/etc/cron job" and .host_path == ($u + "/etc/cron job")'
has file.modify '.path == "/etc/cron job" and .host_path == ($u + "/etc/cron job")'
has file.attrib '.path == "/etc/cron job"'
has file.rename '.path == "/etc/cron job" and .new_path == "/tmp/moved"'
has file.delete '.path == "/tmp/moved" and .host_path == ($u + "/tmp/moved")'
# a bind-mounted volume: the container's mount table maps the host dir
n=$(jq -c --arg h "$T/vol/volume.db" 'select(.kind == "file.create" and .path == "/data/volume.db" and
	.host_path == $h)' "$T/c.json" | wc -l)
[ "$n" = 1 ] || { cat "$T/c.json"; fail "volume write not seen as /data/volume.db"; }
# overlay's own copy-up scratch files (workdir) are not the container's doing
n=$(jq -c 'select((.path // "") | contains("/work/work/"))' "$T/c.json" | wc -l)
[ "$n" = 0 ] || { cat "$T/c.json"; fail "$n events in the overlay work dir"; }
echo "PASS: container writes through $DRIVER carry container paths, host paths and the id"
