#!/usr/bin/env bash
# kill -9 of the recorder in the middle of an exec storm: everything it
# flushed before the last flush interval reads back, and the rings verify.
. "$(dirname "$0")/lib.sh"

D=$T/rings
mkdir -m 0700 "$D"
start_recorder "$D" --flush-interval 0.3

# a storm on the host until killed
bash -c 'i=0; while :; do /bin/true "k9storm-$i"; i=$((i + 1)); done' &
SP=$!
at_exit "kill -9 $SP"
sleep 1
for i in $(seq 20); do /bin/sh -c ":" "before-$i"; done
sleep 1.5	# several flush intervals
kill -9 "$REC_PID"
wait "$REC_PID" 2>/dev/null
kill -9 "$SP"
wait "$SP" 2>/dev/null

"$REPLAY" verify "$D" || fail "fdr-replay verify reports damage after kill -9"
events "$D" >"$T/ev.json" || fail "cannot read the rings after kill -9"
[ -n "${FDR_KEEP:-}" ] && cp "$T/ev.json" "$FDR_KEEP"
n=$(jq -c 'select(.kind == "proc.exec" and (.argv // [] | .[0] == "/bin/sh" and (.[-1] | startswith("before-"))))' \
	"$T/ev.json" | grep -c .)
echo "markers read back: $n of 20; storm execs: $(grep -c k9storm "$T/ev.json")"
# the markers ran 1.5 s (5 flush intervals) before the kill: all are flushed,
# except any the /proc race left partial (netlink backend), which still are
# exec events of this shell's children (gone before /proc was read, they
# keep the comm of the fork, "bash"; the storm's execs are its own children)
p=$(jq -c --argjson pp $$ 'select(.kind == "proc.exec" and .partial and .ppid == $pp)' "$T/ev.json" | grep -c .)
[ $((n + p)) -ge 20 ] || fail "only $n (+$p partial) of 20 execs flushed before kill -9 read back"
[ "$(grep -c k9storm "$T/ev.json")" -gt 100 ] || fail "the storm did not reach the ring"
ok "flushed events survive kill -9"
exit 0
