#!/usr/bin/env bash
# A storm of 20,000 short-lived execs (/bin/true with a unique argument each)
# from 4 spawners, each in its own Docker-named cgroup: at least 99.9% must
# appear with full argv in the right container's ring, and every exec that
# is missing must be accounted for (a partial event, or a rec.gap count).
. "$(dirname "$0")/lib.sh"

CG=/sys/fs/cgroup/pids
[ -d $CG ] || skip "needs the cgroup v1 pids hierarchy at $CG"
N=${STORM_N:-5000}	# per spawner
TAG=st$RANDOM$RANDOM	# other recorders' tests may run storms on this host too
K=4

D=$T/rings
mkdir -m 0700 "$D"
[ -d $CG/docker ] || { mkdir $CG/docker && at_exit "rmdir $CG/docker"; }
IDS=()
for k in $(seq $K); do
	id=$(hexid)
	IDS+=("$id")
	mkdir "$CG/docker/$id" || fail "cannot create cgroup"
	at_exit "rmdir $CG/docker/$id"
done

# The proc connector gives pids only: a /bin/true is often gone before /proc
# can be read (how often depends on the machine's load; bench/recorder-exec.sh
# measures it). --exec-audit takes the argv the kernel logged at exec for
# those; it needs kernel audit (restored afterwards, checked below).
AUDIT=()
if [ "${STORM_NO_AUDIT:-0}" != 1 ] && command -v auditctl >/dev/null &&
	! auditctl -s | grep -c '^enabled 2' >/dev/null; then
	AUDIT=(--exec-audit)
	auditctl -s | grep '^enabled' >"$T/audit.before"
	auditctl -l >>"$T/audit.before"
fi
start_recorder "$D" --flush-interval 0.5 --ring-size 16M "${AUDIT[@]}"
start=$(date +%s.%N)
pids=()
for k in $(seq $K); do
	bash -c 'echo $$ > "$1/cgroup.procs" || exit 99
		for ((i = 0; i < $3; i++)); do /bin/true "$2-$i"; done' _ \
		"$CG/docker/${IDS[$((k - 1))]}" "$TAG-$k" "$N" &
	pids+=($!)
	at_exit "kill -9 $!"
done
for p in "${pids[@]}"; do wait "$p" || fail "spawner failed"; done
end=$(date +%s.%N)
sleep 1
stop_recorder
cat "$T/rec.log"
if [ ${#AUDIT[@]} -gt 0 ]; then
	{ auditctl -s | grep '^enabled'; auditctl -l; } >"$T/audit.after"
	diff "$T/audit.before" "$T/audit.after" ||
		echo "WARNING: audit state differs after the run (another test may have changed it)"
	auditctl -l | grep -c "key=fdr-exec-$REC_PID" >/dev/null && fail "the recorder left its audit rule behind"
fi
echo "storm: $((K * N)) execs in $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') s"

events "$D" >"$T/ev.json" || fail "fdr-replay cannot read the rings"
[ -n "${FDR_KEEP:-}" ] && cp "$T/ev.json" "$FDR_KEEP"
total=$((K * N))
full=0 partial=0
for k in $(seq $K); do
	id=${IDS[$((k - 1))]}
	# distinct storm markers with full argv in this container's ring
	f=$(jq -r --arg c "$id" --arg p "$TAG-$k-" 'select(.kind == "proc.exec" and .container == $c
		and (.argv | length) == 2 and .argv[0] == "/bin/true" and (.argv[1] | startswith($p)))
		| .argv[1]' "$T/ev.json" | sort -u | wc -l)
	# elsewhere: a storm marker in the wrong ring is a failure
	w=$(jq -c --arg c "$id" --arg p "$TAG-$k-" 'select(.kind == "proc.exec" and .container != $c
		and (.argv // [] | length) == 2 and (.argv[1] | startswith($p)))' "$T/ev.json" | grep -c .)
	[ "$w" = 0 ] || fail "container $k: $w execs attributed to the wrong ring"
	p=$(jq -c --arg c "$id" 'select(.kind == "proc.exec" and .container == $c and .partial)' \
		"$T/ev.json" | grep -c .)
	echo "container $k: $f of $N with full argv, $p partial"
	full=$((full + f))
	partial=$((partial + p))
done
lost=$(jq -s '[.[] | select(.kind == "rec.gap") | .lost] | add // 0' "$T/ev.json")
gaps=$(jq -s '[.[] | select(.kind == "rec.gap")] | length' "$T/ev.json")
echo "full argv: $full of $total ($(awk -v f=$full -v t=$total 'BEGIN { printf "%.3f", 100 * f / t }')%), partial $partial, rec.gap events $gaps with $lost lost"
[ $((full * 1000)) -ge $((total * 999)) ] || fail "fewer than 99.9% of execs with full argv"
missing=$((total - full))
[ $((partial + lost)) -ge $missing ] ||
	fail "$missing execs missing but only $partial partial and $lost counted in rec.gap"
if [ "$lost" -gt 0 ]; then
	jq -c 'select(.kind == "rec.gap") | .source == "proc" and .lost > 0 and .from <= .to' \
		"$T/ev.json" | grep -c false >/dev/null && fail "rec.gap events lack source/lost/from/to"
fi
ok "storm recorded"
exit 0
