#!/usr/bin/env bash
# Exec storm: fdr-record against forkstat (same proc connector) recording the
# same storm in the same run. Prints "name value unit" lines:
#   storm_execs_per_s, and for each recorder: share of the storm's execs seen
#   with full argv, CPU time per event and per exec, events lost, peak RSS.
# Rounds (each: fdr-record and forkstat together, same storm):
#   default      fdr-record as shipped (proc backend auto = bpf) vs forkstat
#                as shipped
#   _rt          fdr-record as shipped vs forkstat -r (SCHED_FIFO)
#   _proc_only   fdr-record --sources proc (no file, net, ... sources) vs
#                forkstat -r: the process source's own cost
#   _netlink     fdr-record --proc-backend netlink (connector + /proc reads,
#                the fallback) vs forkstat -r
#   _netlink_audit  the same with --exec-audit; the kernel's audit thread's
#                CPU is reported too (kauditd_*)
# With the bpf backend the eBPF programs run in the exec'ing tasks, not in
# the recorder: kernel.bpf_stats_enabled is on during the bench (restored
# after) and their run time is reported (bpf_ns_per_exec) and added to the
# recorder's CPU (fdr_record_total_cpu_per_exec), then compared with
# forkstat's (ratio_total_vs_forkstat: 0.1 = a tenth of forkstat's CPU).
# Knobs: BENCH_EXECS (default 20000), BENCH_SPAWNERS (default 4).
set -uo pipefail

: "${FDR_BIN:?}"
N=${BENCH_EXECS:-20000}
P=${BENCH_SPAWNERS:-4}
[ "$(id -u)" = 0 ] || { echo "# recorder-exec: needs root, skipped"; exit 0; }
command -v jq >/dev/null || { echo "# recorder-exec: needs jq, skipped"; exit 0; }
if ! command -v forkstat >/dev/null; then
	apt-get install -y -q forkstat >/dev/null 2>&1 || echo "# forkstat not available: fdr-record only"
fi
T=$(mktemp -d /tmp/fdr-bench.XXXXXX)
chmod 0700 "$T"
RP= FP=
STATS0=$(cat /proc/sys/kernel/bpf_stats_enabled 2>/dev/null || echo)
cleanup() {
	[ -n "$RP" ] && kill -9 "$RP" 2>/dev/null
	[ -n "$FP" ] && kill -9 "$FP" 2>/dev/null
	[ -n "$STATS0" ] && echo "$STATS0" >/proc/sys/kernel/bpf_stats_enabled
	rm -rf "$T"
}
trap cleanup EXIT
[ -n "$STATS0" ] && echo 1 >/proc/sys/kernel/bpf_stats_enabled

cpu_ns() {	# PID: CPU time so far, ns (schedstat; stat ticks as a fallback)
	if [ -r "/proc/$1/schedstat" ]; then
		cut -d' ' -f1 "/proc/$1/schedstat"
	else
		awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) * 1000000000 / hz }' "/proc/$1/stat"
	fi
}
hwm_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }

round() {	# LABEL RECORDER-ARGS FORKSTAT-ARGS
	local label=$1 rargs=$2 fargs=$3 tag=s$RANDOM d=$T/rings-$RANDOM
	mkdir -m 0700 "$d"
	# shellcheck disable=SC2086
	"$FDR_BIN/fdr-record" -d "$d" --ring-size 256M $rargs 2>"$T/rec.log$label" &
	RP=$!
	if command -v forkstat >/dev/null; then
		# shellcheck disable=SC2086
		forkstat -e fork,exec,exit -l $fargs >"$T/forkstat.out" 2>&1 &
		FP=$!
	fi
	sleep 2	# both subscribed and past their start-up scan
	local r0 f0=0 k0=0 start end kpid
	kpid=$(pgrep -x kauditd | head -1)
	[ -n "$kpid" ] && k0=$(cpu_ns "$kpid")
	r0=$(cpu_ns $RP)
	[ -n "$FP" ] && f0=$(cpu_ns $FP)
	start=$(date +%s%N)
	local pids=()
	for k in $(seq "$P"); do
		bash -c 'for ((i = 0; i < $2; i++)); do /bin/true "$1-$i"; done' _ "$tag-$k" $((N / P)) &
		pids+=($!)
	done
	wait "${pids[@]}"
	end=$(date +%s%N)
	sleep 1
	local r1 f1=0 rss frss=0 k1=0
	r1=$(cpu_ns $RP)
	[ -n "$kpid" ] && k1=$(cpu_ns "$kpid")
	rss=$(hwm_kib $RP)
	if [ -n "$FP" ]; then
		f1=$(cpu_ns $FP)
		frss=$(hwm_kib $FP)
		kill -INT "$FP"
		wait "$FP"
		FP=
	fi
	kill -TERM "$RP"
	wait "$RP"
	RP=
	grep -E 'audit|execs|backend|bpf' "$T/rec.log$label" | sed 's/^/# /'
	local total=$(((N / P) * P))
	echo "storm_execs_per_s$label $((total * 1000000000 / (end - start))) execs/s"

	"$FDR_BIN/fdr-replay" timeline --json "$d" >"$T/ev.json"
	local full events lost
	full=$(jq -r --arg t "$tag-" 'select(.kind == "proc.exec" and (.argv | length) == 2
		and (.argv[1] | startswith($t))) | .argv[1]' "$T/ev.json" | sort -u | wc -l)
	# the storm's events: its execs and their forks and exits (by pid)
	events=$(jq -r --arg t "$tag-" 'select(.kind | startswith("proc.")) | .pid' "$T/ev.json" | wc -l)
	lost=$(jq -s '[.[] | select(.kind == "rec.gap") | .lost] | add // 0' "$T/ev.json")
	echo "fdr_record_argv_full$label $(awk -v f=$full -v t=$total 'BEGIN { printf "%.3f", 100 * f / t }') %"
	echo "fdr_record_cpu_per_event$label $(((r1 - r0) / (events > 0 ? events : 1))) ns"
	echo "fdr_record_cpu_per_exec$label $(((r1 - r0) / total)) ns"
	# eBPF programs' time (whole recorder life: start-up and the idle
	# seconds around the storm add a few other execs of the machine)
	local bns
	bns=$(sed -n 's/.*proc: bpf programs ran [0-9]* times in \([0-9]*\) ns.*/\1/p' \
		"$T/rec.log$label" | tail -n 1)
	bns=${bns:-0}
	echo "bpf_ns_per_exec$label $((bns / total)) ns"
	echo "bpf_ns_per_event$label $((bns / (events > 0 ? events : 1))) ns"
	echo "fdr_record_total_cpu_per_exec$label $(((r1 - r0 + bns) / total)) ns"
	echo "fdr_record_events$label $events events"
	echo "fdr_record_lost$label $lost events"
	echo "fdr_record_rss_peak$label $((rss / 1024)) MiB"
	case "$rargs" in *exec-audit*)
		echo "kauditd_cpu_per_exec$label $(((k1 - k0) / total)) ns" ;;
	esac
	echo "fdr_record_bytes_per_event$label $("$FDR_BIN/fdr-replay" info --json "$d" |
		jq -s '[.[] | select(.events > 0)] | if length == 0 then 0 else
		((map(.bytes_per_event * .events) | add) / (map(.events) | add) | floor) end') bytes"
	if [ -s "$T/forkstat.out" ]; then
		local ffull fevents
		ffull=$(grep -o "$tag-[0-9]*-[0-9]*" "$T/forkstat.out" | sort -u | wc -l)
		fevents=$(grep -cE ' (fork|exec|exit) ' "$T/forkstat.out")
		echo "forkstat_argv_full$label $(awk -v f=$ffull -v t=$total 'BEGIN { printf "%.3f", 100 * f / t }') %"
		echo "forkstat_cpu_per_event$label $(((f1 - f0) / (fevents > 0 ? fevents : 1))) ns"
		echo "forkstat_cpu_per_exec$label $(((f1 - f0) / total)) ns"
		echo "forkstat_events$label $fevents events"
		echo "forkstat_rss_peak$label $((frss / 1024)) MiB"
		awk -v a=$((r1 - r0)) -v b=$((f1 - f0)) -v k="$bns" -v l="$label" 'BEGIN {
			if (b > 0) {
				printf "ratio_recorder_vs_forkstat%s %.3f x\n", l, a / b
				printf "ratio_total_vs_forkstat%s %.3f x\n", l, (a + k) / b
			} }'
	fi
	rm -rf "$d"
}

echo "# $N execs from $P spawners; fdr-record default (proc backend auto) vs forkstat default"
round "" "" ""
echo "# fdr-record default vs forkstat -r (SCHED_FIFO)"
round "_rt" "" "-r"
echo "# fdr-record --sources proc (the process source alone) vs forkstat -r (SCHED_FIFO)"
round "_proc_only" "--sources proc" "-r"
echo "# fdr-record --proc-backend netlink vs forkstat -r (SCHED_FIFO)"
round "_netlink" "--proc-backend netlink" "-r"
echo "# fdr-record --proc-backend netlink --exec-audit vs forkstat -r (SCHED_FIFO)"
round "_netlink_audit" "--proc-backend netlink --exec-audit" "-r"
