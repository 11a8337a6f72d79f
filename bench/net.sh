#!/usr/bin/env bash
# Network source throughput: replay Zeek's echo-connections capture (82,582
# packets, 500 TCP flows) through dissector + flow table (+ DNS decoder),
# and tcpdump over the same decompressed file in the same run as the peer
# (-w /dev/null: read and write only; -n text: read and decode).
# Prints "name value unit"; CPU = user + system of the process, best of 3.
set -euo pipefail
: "${FDR_BUILD:?}" "${FDR_SHARED:?}"
src=$FDR_SHARED/data/pcap/zeek/echo-connections.pcap.gz
tool=$FDR_BUILD/tests/net-tool
if [ ! -r "$src" ]; then echo "SKIP: no $src"; exit 0; fi
command -v tcpdump >/dev/null || { echo "SKIP: no tcpdump"; exit 0; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
gzip -dc "$src" > "$t/echo.pcap"
packets=$(tcpdump -n -r "$t/echo.pcap" 2>/dev/null | wc -l)

# cpu seconds of one command (children's rusage), best of 3
cpu() {
	python3 - "$@" <<'PY'
import resource, subprocess, sys
best = None
for _ in range(3):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    best = s if best is None or s < best else best
print("%.6f" % best)
PY
}

ours=$(cpu "$tool" replay "$t/echo.pcap" --all-packets --quiet)
ours_f=$(cpu "$tool" replay "$t/echo.pcap" --quiet)
td_w=$(cpu tcpdump -n -r "$t/echo.pcap" -w /dev/null)
td_t=$(cpu tcpdump -n -r "$t/echo.pcap")
awk -v n="$packets" -v o="$ours" -v of="$ours_f" -v w="$td_w" -v x="$td_t" 'BEGIN {
	printf "net.replay.packets %d packets\n", n
	printf "net.replay.pps %.0f packets/s/core\n", n / o
	printf "net.replay.cpu_per_packet %.0f ns\n", o * 1e9 / n
	printf "net.replay_live_mode.pps %.0f packets/s/core\n", n / of
	printf "tcpdump.read_write.pps %.0f packets/s/core\n", n / w
	printf "tcpdump.read_decode.pps %.0f packets/s/core\n", n / x
	printf "net.replay.cpu_vs_tcpdump_write %.3f ratio\n", o / w
	printf "net.replay.cpu_vs_tcpdump_decode %.3f ratio\n", o / x
}'
