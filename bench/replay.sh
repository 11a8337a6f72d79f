#!/usr/bin/env bash
# fdr-replay scan speed (issue 6): >= 50 M events written with the formats
# writer into 16 rings of 4 hosts, then a filtered count on one core and on
# all cores, the same blocks' bare LZ4 decompression (the floor any reader
# pays), peak RSS, and jq selecting one kind from 1 M of the same events as
# JSON lines. Prints "name value unit". FDR_BENCH_EVENTS overrides the size.
set -euo pipefail
bin=${FDR_BIN:?}
gen=${FDR_BUILD:?}/tools/fdr-ringgen
R=$bin/fdr-replay
N=${FDR_BENCH_EVENTS:-50000000}
rings=16
tmp=$(mktemp -d /tmp/fdr-bench-replay-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cores=$(nproc)

# ~25 bytes per event on disk: size rings so nothing wraps.
per_ring=$(( (N / rings * 40 / 1048576 + 8) * 1048576 ))
t0=$(date +%s.%N)
"$gen" mix "$tmp/r" "$N" "$rings" 4 65536 "$per_ring"
t1=$(date +%s.%N)
events=$("$R" info --json "$tmp/r" | jq -s 'map(.events) | add')
echo "replay_events $events events"
echo "replay_write_rate $(echo "$events / ($t1 - $t0)" | bc) events/s"
# Used slots (slack included) per event: what a full ring spends.
used=$("$R" info --json "$tmp/r" | jq -s 'map(.blocks * .slot_size) | add')
echo "replay_disk_bytes_per_event $(echo "scale=1; $used / $events" | bc) bytes"

# Warm the page cache once so every run below reads the same way.
cat "$tmp"/r/*.ring >/dev/null

run() {	# label, threads, args... -> "seconds decoded rss_kb count"
	local label=$1 threads=$2
	shift 2
	/usr/bin/time -f '%e %M' -o "$tmp/time" "$R" count --stats --threads "$threads" "$@" "$tmp/r" \
		>"$tmp/count" 2>"$tmp/stats"
	local secs rss dec
	read -r secs rss <"$tmp/time"
	dec=$(sed -n 's/.* events=\([0-9]*\).*/\1/p' "$tmp/stats")
	echo "$secs $dec $rss $(cat "$tmp/count")"
}

report() {	# name, threads, args...
	local name=$1 threads=$2 secs dec rss cnt
	shift 2
	read -r secs dec rss cnt < <(run "$name" "$threads" "$@")
	echo "${name}_matched $cnt events"
	echo "${name}_seconds $secs s"
	echo "${name}_rate $(echo "$events / $secs" | bc) events/s"
	echo "${name}_decoded_rate $(echo "$dec / $secs" | bc) events/s"
	echo "${name}_peak_rss $(( rss / 1024 )) MiB"
	last_rate=$(echo "$dec / $secs" | bc)
}

# A filter that pushdown cannot help: every block is decoded.
report replay_count_expr_1core 1 -e 'exe ~ "/bin/*sh" || dport == 4444'
expr1=$last_rate
report replay_count_expr_allcores "$cores" -e 'exe ~ "/bin/*sh" || dport == 4444'
# A kind filter: blocks without the kind are skipped unread.
report replay_count_kind_1core 1 --kind proc.exec
report replay_count_kind_allcores "$cores" --kind proc.exec

# Bare LZ4 of the same blocks on one core.
read -r lz_events lz_blocks lz_raw lz_secs < <("$gen" lz4 "$tmp"/r/*.ring)
lz_rate=$(echo "$lz_events / $lz_secs" | bc)
echo "lz4_decompress_rate $lz_rate events/s"
echo "lz4_decompress_bandwidth $(echo "$lz_raw / $lz_secs / 1048576" | bc) MiB/s"
echo "replay_decode_vs_lz4 $(echo "scale=3; $expr1 / $lz_rate" | bc) ratio"

# Ordered timeline (merge + JSON) over everything: memory must stay flat.
/usr/bin/time -f '%e %M' -o "$tmp/time" "$R" timeline --json --kind proc.exec "$tmp/r" | wc -l >/dev/null
read -r secs rss <"$tmp/time"
echo "replay_timeline_json_proc_exec_seconds $secs s"
echo "replay_timeline_peak_rss $(( rss / 1024 )) MiB"

# jq peer: the first 1 M events as JSON lines, select one kind.
"$R" timeline --json "$tmp/r" | head -n 1000000 >"$tmp/1m.jsonl" || true
last=$(tail -n 1 "$tmp/1m.jsonl" | jq -r .time)
s0=$(date +%s.%N)
jn=$(jq -c 'select(.kind == "proc.exec")' "$tmp/1m.jsonl" | wc -l)
s1=$(date +%s.%N)
echo "jq_select_kind_rate $(echo "1000000 / ($s1 - $s0)" | bc) events/s"
read -r secs dec rss cnt < <(run same 1 --kind proc.exec --until "$last")
echo "replay_same_1m_select_matched $cnt events (jq: $jn)"
if command -v sysdig >/dev/null; then
	echo "sysdig_scan skipped: capture of similar size not prepared"
else
	echo "sysdig_scan skipped: sysdig not installed"
fi
