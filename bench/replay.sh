#!/usr/bin/env bash
# fdr-replay scan speed (issue 6): >= 50 M events written with the formats
# writer into 16 rings of 4 hosts, then a filtered count on one core and on
# all cores, the same blocks' bare LZ4 decompression (the floor any reader
# pays), peak RSS (fdr-replay --stats, getrusage), and jq selecting one kind
# from 1 M of the same events as JSON lines. Prints "name value unit".
# FDR_BENCH_EVENTS overrides the size. Needs jq (a test dependency).
set -euo pipefail
bin=${FDR_BIN:?}
gen=${FDR_BUILD:?}/tools/fdr-ringgen
R=$bin/fdr-replay
N=${FDR_BENCH_EVENTS:-50000000}
rings=16
tmp=$(mktemp -d /tmp/fdr-bench-replay-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cores=$(nproc)
now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"$1\\n\", $2 }"; }

echo "replay_load_before $(cut -d' ' -f1 /proc/loadavg) loadavg"
# ~25 bytes per event on disk: size rings so nothing wraps.
per_ring=$(( (N / rings * 40 / 1048576 + 8) * 1048576 ))
t0=$(now)
"$gen" mix "$tmp/r" "$N" "$rings" 4 65536 "$per_ring"
t1=$(now)
events=$("$R" info --json "$tmp/r" | jq -s 'map(.events) | add')
echo "replay_events $events events"
echo "replay_write_rate $(calc %d "$events / ($t1 - $t0)") events/s"
# Used slots (slack included) per event: what a full ring spends.
used=$("$R" info --json "$tmp/r" | jq -s 'map(.blocks * .slot_size) | add')
echo "replay_disk_bytes_per_event $(calc %.1f "$used / $events") bytes"

# Warm the page cache once so every run below reads the same way.
cat "$tmp"/r/*.ring >/dev/null

stat_of() { sed -n "s/.*[ :]$1=\([0-9]*\).*/\1/p" "$tmp/stats" | head -n 1; }

# Wall time suffers from whatever else runs on the machine; CPU time
# (user + sys of the process) is what a core spent, so the per-core rates
# below divide by it. bash's time keyword, no extra tool.
report() {	# name, threads, args...
	local name=$1 threads=$2 secs cpu dec rss cnt
	shift 2
	local TIMEFORMAT='%R %U %S'
	{ time "$R" count --stats --threads "$threads" "$@" "$tmp/r" >"$tmp/cnt" 2>"$tmp/stats"; } 2>"$tmp/time"
	cnt=$(cat "$tmp/cnt")
	read -r secs u s <"$tmp/time"
	cpu=$(calc %.3f "$u + $s")
	dec=$(stat_of events)
	rss=$(stat_of peak_rss_kib)
	echo "${name}_matched $cnt events"
	echo "${name}_seconds $secs s"
	echo "${name}_cpu_seconds $cpu s"
	echo "${name}_rate $(calc %d "$events / $secs") events/s"
	echo "${name}_rate_per_cpu_second $(calc %d "$events / $cpu") events/s"
	echo "${name}_decoded_rate $(calc %d "$dec / $secs") events/s"
	echo "${name}_peak_rss $(calc %.1f "$rss / 1024") MiB"
	last_rate=$(calc %d "$dec / $secs")
	last_cpu_rate=$(calc %d "$events / $cpu")
}

# A filter that pushdown cannot help: every block is decoded.
report replay_count_expr_1core 1 -e 'exe ~ "/bin/*sh" || dport == 4444'
expr1=$last_rate
report replay_count_expr_allcores "$cores" -e 'exe ~ "/bin/*sh" || dport == 4444'
# A kind filter: blocks without the kind are skipped unread.
report replay_count_kind_1core 1 --kind proc.exec
kind1_cpu_rate=$last_cpu_rate
report replay_count_kind_allcores "$cores" --kind proc.exec

# Bare LZ4 of the same blocks on one core.
read -r lz_events lz_blocks lz_raw lz_secs < <("$gen" lz4 "$tmp"/r/*.ring)
lz_rate=$(calc %d "$lz_events / $lz_secs")
echo "lz4_decompress_rate $lz_rate events/s ($lz_blocks blocks)"
echo "lz4_decompress_bandwidth $(calc %d "$lz_raw / $lz_secs / 1048576") MiB/s"
echo "replay_decode_vs_lz4 $(calc %.3f "$expr1 / $lz_rate") ratio"

# Ordered timeline (merge + JSON) of one kind over everything: memory flat.
s0=$(now)
"$R" timeline --json --stats --kind proc.exec "$tmp/r" 2>"$tmp/stats" | wc -l >"$tmp/lines"
s1=$(now)
echo "replay_timeline_json_proc_exec_rate $(calc %d "$(cat "$tmp/lines") / ($s1 - $s0)") lines/s"
echo "replay_timeline_peak_rss $(calc %.1f "$(stat_of peak_rss_kib) / 1024") MiB"

# jq peer: the first 1 M events as JSON lines, select one kind.
"$R" timeline --json "$tmp/r" | head -n 1000000 >"$tmp/1m.jsonl"
last=$(tail -n 1 "$tmp/1m.jsonl" | jq -r .time)
s0=$(now)
jn=$(jq -c 'select(.kind == "proc.exec")' "$tmp/1m.jsonl" | wc -l)
s1=$(now)
echo "jq_select_kind_rate $(calc %d "1000000 / ($s1 - $s0)") events/s"
s0=$(now)
cnt=$("$R" count --threads 1 --kind proc.exec --until "$last" "$tmp/r")
s1=$(now)
echo "replay_same_1m_select_rate $(calc %d "1000000 / ($s1 - $s0)") events/s (1 core, incl. start-up)"
echo "replay_same_1m_select_matched $cnt events (jq: $jn)"
# sysdig peer: the largest real capture of ../shared/data/scap (gzip scap,
# a few thousand events) decompressed and repeated back to back (sysdig
# reads concatenated sections as one stream) up to ~500 K events, then
# `sysdig -r` keeping one event type, as our kind-filtered count does.
# Ours on the same count of events for scale: replay_count_kind_1core above.
scap_dir=${FDR_SHARED:-../shared}/data/scap
if ! command -v sysdig >/dev/null; then
	echo "sysdig_scan skipped: sysdig not installed (FDR_DEPS_BENCH=1 scripts/install-deps.sh)"
elif [ ! -d "$scap_dir" ]; then
	echo "sysdig_scan skipped: no $scap_dir"
else
	big=$(ls -S "$scap_dir"/*/*.scap | head -n 1)
	zcat -f "$big" >"$tmp/one.scap"
	per=$(sysdig -r "$tmp/one.scap" | wc -l)
	copies=$(( (${FDR_BENCH_SCAP_EVENTS:-500000} + per - 1) / per ))
	for _ in $(seq "$copies"); do cat "$tmp/one.scap"; done >"$tmp/big.scap"
	rm -f "$tmp/one.scap"
	sys_events=$((per * copies))
	TIMEFORMAT='%R %U %S'
	{ time sysdig -r "$tmp/big.scap" "evt.type=execve" >"$tmp/sys.out"; } 2>"$tmp/time"
	read -r secs u s <"$tmp/time"
	echo "sysdig_capture $(basename "$big") x $copies = $sys_events events"
	echo "sysdig_select_type_matched $(wc -l <"$tmp/sys.out") events"
	echo "sysdig_select_type_rate $(calc %d "$sys_events / $secs") events/s"
	echo "sysdig_select_type_rate_per_cpu_second $(calc %d "$sys_events / ($u + $s)") events/s"
	echo "replay_vs_sysdig_kind_per_cpu $(calc %.1f "$kind1_cpu_rate / ($sys_events / ($u + $s))") x"
	rm -f "$tmp/big.scap" "$tmp/sys.out"
fi
# Instructions per event (callgrind): reproducible however loaded the
# machine is. A 500 K-event set of the same mix, one core.
if command -v valgrind >/dev/null; then
	"$gen" mix "$tmp/small" 500000 16 4 65536 $((8 << 20))
	cg() {	# name, args...
		local name=$1 ir
		shift
		valgrind --tool=callgrind --callgrind-out-file=/dev/null "$R" count --threads 1 "$@" \
			"$tmp/small" >/dev/null 2>"$tmp/cg"
		ir=$(sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' "$tmp/cg")
		echo "${name}_instructions_per_event $(calc %.0f "$ir / 500000") instructions"
	}
	cg replay_count_expr -e 'exe ~ "/bin/*sh" || dport == 4444'
	cg replay_count_kind --kind proc.exec
else
	echo "replay_count_instructions skipped: valgrind not installed"
fi
echo "replay_load_after $(cut -d' ' -f1 /proc/loadavg) loadavg"
