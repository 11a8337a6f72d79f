#!/usr/bin/env bash
# The proc source's fallback backend, the netlink proc connector with /proc
# reads (used where the eBPF capture cannot load: no BTF, old kernel, no
# CAP_BPF):
#  - auto falls back to it, saying why, when eBPF is not permitted (the
#    recorder started without CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN), and
#    --proc-backend bpf then refuses to start;
#  - forced with --proc-backend netlink (checked in the log): attribution
#    and fields (attr.sh) and kill -9 in a storm (kill9.sh).
# Not storm.sh: its exactness is what the netlink race cannot promise under
# load (a few execs of processes gone before /proc was read can land in
# the wrong ring), which is why bpf is the default.
. "$(dirname "$0")/lib.sh"
here=$(dirname "$0")

if setpriv --help 2>&1 | grep -q -- --bounding-set; then
	D=$T/nocap
	mkdir -m 0700 "$D"
	NOCAP=(setpriv --inh-caps=-bpf,-perfmon,-sys_admin --bounding-set=-bpf,-perfmon,-sys_admin)
	"${NOCAP[@]}" "$REC" -d "$D" --sources proc --duration 4 >"$T/nocap.log" 2>&1 &
	pid=$!
	at_exit "kill -9 $pid"
	wait_until 10 grep -q 'recording into' "$T/nocap.log"
	/bin/sh -c 'sleep 0.2' "nocap-marker-$$"	# lives: /proc is read in time
	wait $pid || { cat "$T/nocap.log"; fail "recorder without CAP_BPF failed"; }
	grep -q 'proc: falling back to the proc connector: cannot load the eBPF' "$T/nocap.log" &&
		grep -q 'proc: backend netlink' "$T/nocap.log" ||
		{ cat "$T/nocap.log"; fail "no fallback to netlink logged"; }
	events "$D" >"$T/nocap.json" || fail "fdr-replay cannot read the fallback's rings"
	n=$(jq -c --arg m "nocap-marker-$$" 'select(.kind == "proc.exec" and ((.argv // []) | any(. == $m)))' \
		"$T/nocap.json" | grep -c .)
	[ "$n" -ge 1 ] || fail "the fallback did not record an exec"
	"${NOCAP[@]}" "$REC" -d "$D" --sources proc --proc-backend bpf --duration 0.5 >"$T/nocap2.log" 2>&1 &&
		fail "--proc-backend bpf started without eBPF"
	grep -q 'cannot load the eBPF' "$T/nocap2.log" || { cat "$T/nocap2.log"; fail "no reason given"; }
	ok "auto falls back to netlink without CAP_BPF; --proc-backend bpf refuses"
else
	echo "note: setpriv has no --bounding-set: the automatic fallback is not exercised"
fi

PROC_BACKEND=netlink bash "$here/attr.sh" || exit $?
PROC_BACKEND=netlink bash "$here/kill9.sh"
