#!/usr/bin/env bash
# Live capture cost: fdr-record --sources net and tcpdump -w /dev/null capture
# the same traffic at the same time on the host end of a veth pair (a
# namespace at 169.254.77.2 echoes): N short TCP connections with a few KB
# each way, then one bulk connection of M MiB each way. Reports CPU seconds
# of each (utime+stime from /proc/PID/stat over the run), packets each saw
# or kept, net.* events against N+1 connections, and drops (rec.gap events;
# tcpdump's "dropped by kernel").
set -uo pipefail
: "${FDR_BIN:?}" "${FDR_BUILD:?}"
N=${NET_BENCH_CONNS:-6000}
EACH=${NET_BENCH_BYTES:-4096}
BULK=${NET_BENCH_BULK_MB:-300}
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 0; }
for c in ip tcpdump python3 jq; do command -v $c >/dev/null || { echo "SKIP: no $c"; exit 0; }; done
peer="python3 $(cd "$(dirname "$0")/.." && pwd)/tests/net/live-peer.py"
T=$(mktemp -d)
ns=fdrbench$$
vh=fdrbh$$
vn=fdrbn$$
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	ip link del "$vh" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
ip netns add "$ns" || { echo "SKIP: no netns"; exit 0; }
ip link add "$vh" type veth peer name "$vn"
ip link set "$vn" netns "$ns"
ip addr add 169.254.77.1/30 dev "$vh"
ip link set "$vh" up
ip netns exec "$ns" ip addr add 169.254.77.2/30 dev "$vn"
ip netns exec "$ns" ip link set "$vn" up
ip netns exec "$ns" $peer many-server 169.254.77.2 7100 "$T/srv.pid" &
pids+=($!)

cpu_of() { awk '{print $14 + $15}' "/proc/$1/stat"; }	# clock ticks
mkdir -m 0700 "$T/rings"
"$FDR_BIN/fdr-record" -d "$T/rings" --sources net --iface "$vh" --flush-interval 1 >"$T/rec.log" 2>&1 &
rec=$!
pids+=($rec)
tcpdump -n -i "$vh" -w /dev/null 2>"$T/tcpdump.err" &
td=$!
pids+=($td)
for _ in $(seq 50); do grep -q 'recording into' "$T/rec.log" && grep -q 'listening' "$T/tcpdump.err" && break; sleep 0.1; done
sleep 1
r0=$(cpu_of $rec); t0=$(cpu_of $td)
[ -n "${NET_BENCH_PERF:-}" ] && { perf record -q -g -o "$NET_BENCH_PERF" -p $rec 2>/dev/null & perfpid=$!; }
start=$(date +%s.%N)
$peer many-client 169.254.77.2 7100 "$N" "$EACH" "$BULK" || { echo "# traffic failed" >&2; exit 1; }
secs=$(echo "$(date +%s.%N) - $start" | bc)
sleep 1.5
r1=$(cpu_of $rec); t1=$(cpu_of $td)
[ -n "${NET_BENCH_PERF:-}" ] && { kill -INT $perfpid; wait $perfpid; }
kill -INT $td; wait $td 2>/dev/null
kill -TERM $rec; wait $rec
hz=$(getconf CLK_TCK)
"$FDR_BIN/fdr-replay" timeline --json "$T/rings" >"$T/ev.json" 2>/dev/null
connects=$(jq -c 'select(.kind=="net.connect" and .dport==7100)' "$T/ev.json" | wc -l)
closes=$(jq -c 'select(.kind=="net.close" and .dport==7100)' "$T/ev.json" | wc -l)
gaps=$(jq -c 'select(.kind=="rec.gap")' "$T/ev.json" | wc -l)
tdpk=$(sed -n 's/^\([0-9]*\) packets captured.*/\1/p' "$T/tcpdump.err")
tddrop=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$T/tcpdump.err")
awk -v r=$((r1 - r0)) -v t=$((t1 - t0)) -v hz="$hz" -v s="$secs" -v n=$((N + 1)) -v c="$connects" -v cl="$closes" \
	-v g="$gaps" -v tp="${tdpk:-0}" -v tdd="${tddrop:-0}" 'BEGIN {
	printf "net.live.traffic_seconds %.2f s\n", s
	printf "net.live.connections %d connections\n", n
	printf "net.live.fdr_record_cpu %.3f s\n", r / hz
	printf "net.live.tcpdump_w_cpu %.3f s\n", t / hz
	printf "net.live.cpu_vs_tcpdump %.3f ratio\n", (t ? r / t : 0)
	printf "net.live.tcpdump_packets %d packets\n", tp
	printf "net.live.tcpdump_dropped %d packets\n", tdd
	printf "net.live.connect_events %d events\n", c
	printf "net.live.close_events %d events\n", cl
	printf "net.live.gap_events %d events\n", g
}'
