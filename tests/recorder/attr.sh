#!/usr/bin/env bash
# Container attribution with real cgroups: processes moved into cgroups named
# like a Docker container (cgroup v1), a Kubernetes pod container (cgroup v2,
# the hybrid layout's unified tree) and a containerd systemd scope (the v1
# name=systemd tree) exec with known argv, cwd and uid; each must appear in
# its container's ring with exe, argv, cwd, uid, ppid and exit code, and a
# host process in host.ring.
. "$(dirname "$0")/lib.sh"

CG=/sys/fs/cgroup
[ -d $CG/pids ] && [ -d $CG/unified ] && [ -d $CG/systemd ] ||
	skip "needs cgroup v1 pids and name=systemd plus v2 at $CG/unified"

D=$T/rings
mkdir -m 0700 "$D"
WD=$T/work
mkdir -m 0755 "$WD"
chmod 0755 "$T"

ID_DOCKER=$(hexid)
ID_KUBE=$(hexid)
ID_SCOPE=$(hexid)
POD=$(cat /proc/sys/kernel/random/uuid)

# mkcg DIR: create a cgroup (and its missing parents), removed at exit.
mkcg() {
	local d=$1 p=$1 made=() i
	while [ ! -d "$p" ]; do made+=("$p"); p=$(dirname "$p"); done
	mkdir -p "$d" || fail "cannot create cgroup $d"
	# parents first: cleanups run last-registered first
	for ((i = ${#made[@]} - 1; i >= 0; i--)); do at_exit "rmdir '${made[$i]}'"; done
}
DOCKER_CG=$CG/pids/docker/$ID_DOCKER
KUBE_CG=$CG/unified/kubepods/burstable/pod$POD/$ID_KUBE
SCOPE_CG=$CG/systemd/system.slice/cri-containerd-$ID_SCOPE.scope
# cgroups are removed after their processes are gone (cleanups run last first)
mkcg "$DOCKER_CG"
mkcg "$KUBE_CG"
mkcg "$SCOPE_CG"

start_recorder "$D" --flush-interval 0.2

# run_case NAME CGROUP: exec '/bin/sh -c "sleep 0.1; exit 7" marker-NAME' as uid 65534 in
# $WD inside CGROUP ("" = stay on the host); the marker is printed. The
# process lives 0.1 s: this test is about attribution and fields; the race
# with processes that exit at once is storm.sh's.
PIDS=()
run_case() {
	local name=$1 cg=$2 marker=marker-$1-$RANDOM$RANDOM pid rc
	bash -c '[ -z "$1" ] || echo $$ > "$1/cgroup.procs" || exit 99
		cd "$2" && exec setpriv --reuid=65534 --regid=65534 --clear-groups \
			/bin/sh -c "sleep 0.1; exit 7" "$3"' _ "$cg" "$WD" "$marker" &
	pid=$!
	wait $pid
	rc=$?
	[ $rc = 7 ] || fail "case $name: exit status $rc, not 7"
	echo "$name $pid $marker"
}
run_case docker "$DOCKER_CG" >"$T/cases"
run_case kube "$KUBE_CG" >>"$T/cases"
run_case scope "$SCOPE_CG" >>"$T/cases"
run_case host "" >>"$T/cases"
sleep 0.5
stop_recorder
events "$D" >"$T/ev.json" || fail "fdr-replay cannot read the rings"
[ -n "${FDR_KEEP:-}" ] && cp "$T/ev.json" "$FDR_KEEP"
cat "$T/rec.log"

declare -A WANT=([docker]=$ID_DOCKER [kube]=$ID_KUBE [scope]=$ID_SCOPE [host]=host)
declare -A FILE=([docker]=docker-${ID_DOCKER:0:12}.ring [kube]=kubepods-${ID_KUBE:0:12}.ring
	[scope]=containerd-${ID_SCOPE:0:12}.ring [host]=host.ring)
declare -A RUNTIME=([docker]=docker [kube]=kubepods [scope]=containerd [host]=)
EXE=$(readlink -f /bin/sh)
while read -r name pid marker; do
	c=${WANT[$name]}
	[ -f "$D/${FILE[$name]}" ] || { ls -l "$D"; fail "$name: no ring file ${FILE[$name]}"; }
	[ "$(stat -c %a "$D/${FILE[$name]}")" = 600 ] || fail "$name: ring is not mode 0600"
	# the last exec of the pid (bash, then setpriv, then sh)
	ex=$(jq -c --argjson pid "$pid" 'select(.kind == "proc.exec" and .pid == $pid)' "$T/ev.json" | tail -n 1)
	[ -n "$ex" ] || fail "$name: no exec event of pid $pid"
	echo "$ex"
	echo "$ex" | jq -e --arg c "$c" --argjson pid "$pid" --argjson ppid $$ \
		--arg exe "$EXE" --arg wd "$WD" --arg m "$marker" '
		.container == $c and .pid == $pid and .ppid == $ppid and .exe == $exe and
		.argv == ["/bin/sh", "-c", "sleep 0.1; exit 7", $m] and .cwd == $wd and
		.uid == 65534 and .euid == 65534 and .gid == 65534 and (.partial | not)' >/dev/null ||
		fail "$name: exec event is wrong (want container $c pid $pid ppid $$ exe $EXE cwd $WD)"
	xt=$(jq -c --argjson pid "$pid" 'select(.kind == "proc.exit" and .pid == $pid)' "$T/ev.json")
	echo "$xt" | jq -e --arg c "$c" '.container == $c and .exit_code == 7 and .comm == "sh"' \
		>/dev/null || fail "$name: exit event is wrong: $xt"
	rt=$("$REPLAY" info --json "$D/${FILE[$name]}" | jq -r .runtime)
	[ "$rt" = "${RUNTIME[$name]}" ] || fail "$name: ring says runtime '$rt'"
	ok "$name: exec and exit in ${FILE[$name]}"
done <"$T/cases"

# the recorder's own life, in every ring; and never its own pid otherwise
for f in "$D"/*.ring; do
	n=$("$REPLAY" timeline --json "$f" | jq -s '[.[] | select(.kind == "rec.start" or .kind == "rec.stop")] | length')
	[ "$n" -ge 2 ] || fail "$f: rec.start/rec.stop missing"
done
jq -c --argjson p "$REC_PID" 'select(.pid == $p and (.kind | startswith("rec.") | not))' \
	"$T/ev.json" | grep -c . >/dev/null && fail "events of the recorder's own pid were recorded"
ok "rec.start/rec.stop in every ring"
exit 0
