#!/usr/bin/env bash
# --disk-budget: when a new ring would exceed it, rings of containers that are
# gone are removed oldest first (a live container's ring is kept even when
# older) and the log says so; when nothing can go, the ring is not created.
. "$(dirname "$0")/lib.sh"

CG=/sys/fs/cgroup/pids
[ -d $CG ] || skip "needs the cgroup v1 pids hierarchy at $CG"
[ -d $CG/docker ] || { mkdir $CG/docker && at_exit "rmdir $CG/docker"; }
declare -A ID
for c in A B C E; do
	ID[$c]=$(hexid)
	mkdir "$CG/docker/${ID[$c]}" || fail "cannot create cgroup"
	at_exit "rmdir $CG/docker/${ID[$c]}"
done
run_in() {	# CONTAINER CMD...: run CMD in the container's cgroup
	local c=$1
	shift
	bash -c 'echo $$ > "$1/cgroup.procs"; shift; exec "$@"' _ "$CG/docker/${ID[$c]}" "$@"
}
ring() { echo "$D/docker-${ID[$1]:0:12}.ring"; }

D=$T/rings
mkdir -m 0700 "$D"
# Room for the rings of what runs already (host.ring, and containers of other
# users of this machine), plus A and B: a first run counts them.
"$REC" -d "$D" --ring-size 1M --duration 0.3 >"$T/out" 2>&1 || { cat "$T/out"; fail "first run"; }
N=$(ls "$D"/*.ring | wc -l)
BUDGET=$(((N + 2) * 1024 + 500))
start_recorder "$D" --ring-size 1M --block-size 64K --disk-budget ${BUDGET}K --flush-interval 0.2
# not through run_in: a function in the background is a subshell, and
# killing it would leave sleep in A's cgroup (which then cannot be removed)
bash -c 'echo $$ > "$1/cgroup.procs"; shift; exec "$@"' _ "$CG/docker/${ID[A]}" /bin/sleep 30 &
APID=$!
at_exit "kill -9 $APID"
# Each command lives a little while, so the recorder reads its cgroup at exec
# before it is gone (a process that is gone goes to its parent's ring).
run_in B /bin/sleep 0.2
wait_until 10 test -f "$(ring A)" -a -f "$(ring B)"
[ -f "$(ring A)" ] && [ -f "$(ring B)" ] || { ls -l "$D"; echo "$(ring A) $(ring B)"; fail "rings of A and B missing"; }
# C needs room: B is gone, A is older but alive
run_in C /bin/sleep 0.2
wait_until 10 test -f "$(ring C)"
[ -f "$(ring C)" ] || { cat "$T/rec.log"; fail "ring of C not created"; }
[ -f "$(ring B)" ] && fail "ring of the gone container B was kept"
[ -f "$(ring A)" ] || fail "ring of the live container A was removed"
grep -q "disk budget: removed ring '$(ring B)'" "$T/rec.log" || fail "removal not logged"
ok "gone container's ring removed for a new one, live one kept"
# E: C is gone now, so C goes; then nothing else can go (A lives)
run_in E /bin/sleep 0.2
wait_until 10 test -f "$(ring E)" -a ! -f "$(ring C)"
[ -f "$(ring E)" ] && [ ! -f "$(ring C)" ] || { ls -l "$D"; fail "C's ring should have made room for E"; }
kill -9 $APID
wait $APID 2>/dev/null
stop_recorder
cat "$T/rec.log"
total=$(du -k --apparent-size -c "$D"/*.ring | tail -1 | cut -f1)
[ "$total" -le $BUDGET ] || fail "ring files take ${total}K, over the ${BUDGET}K budget"
ok "directory within budget (${total}K)"
exit 0
