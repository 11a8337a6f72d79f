#!/usr/bin/env bash
# net-tool replay on real captures: a gzip capture (through a pipe), and
# hostile DNS names (tcpdump's dns-badlabel, Zeek's invalid names) must come
# out as valid JSON lines without raw control bytes; the 500-flow echo
# capture gives one net.connect and one net.close per flow.
set -uo pipefail
tool=${FDR_BUILD:?}/tests/net-tool
d=${FDR_SHARED:-}/data/pcap
[ -d "$d" ] || { echo "SKIP: no \$FDR_SHARED/data/pcap"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: no jq"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$tool" replay "$d/zeek/echo-connections.pcap.gz" --all-packets >"$T/echo.jsonl" 2>"$T/echo.err" ||
	fail "replay of the echo capture: $(cat "$T/echo.err")"
grep -q '^# packets 82582 ' "$T/echo.err" || fail "expected 82582 packets: $(cat "$T/echo.err")"
jq -e . "$T/echo.jsonl" >/dev/null || fail "echo events are not JSON"
conn=$(jq -r 'select(.kind=="net.connect" and .proto=="tcp") | "\(.src) \(.sport) \(.dst) \(.dport)"' "$T/echo.jsonl" | sort -u | wc -l)
close=$(jq -r 'select(.kind=="net.close" and .proto=="tcp") | "\(.src) \(.sport) \(.dst) \(.dport)"' "$T/echo.jsonl" | sort -u | wc -l)
# tcpdump's count of distinct SYN (no ACK) 4-tuples is the oracle
syns=$(gzip -dc "$d/zeek/echo-connections.pcap.gz" | tcpdump -n -r - 'tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn' 2>/dev/null |
	awk '{print $3, $5}' | sort -u | wc -l)
[ "$conn" = "$syns" ] || fail "net.connect for $conn flows, tcpdump sees $syns SYNs"
[ "$close" = "$syns" ] || fail "net.close for $close flows, $syns expected"

for f in tcpdump/dns-badlabel.pcap zeek/dns_dns-invalid-names.pcap tcpdump/dns_fwdptr.pcap \
	zeek/dns_max-compression-depth.pcap tcpdump/dns-zlip-2.pcap; do
	"$tool" replay "$d/$f" --all-packets >"$T/out.jsonl" 2>"$T/err" || fail "replay $f: $(cat "$T/err")"
	jq -e . "$T/out.jsonl" >/dev/null || fail "$f: not JSON lines"
	if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$T/out.jsonl"; then fail "$f: raw control bytes"; fi
done
# Zeek's invalid names (tcpdump: "[|domain]", "<BAD PTR>"): three clean DNS
# errors, no DNS event, the flows still recorded
"$tool" replay "$d/zeek/dns_dns-invalid-names.pcap" >"$T/inv.jsonl" 2>"$T/inv.err"
grep -q ' dns_errors 3 ' "$T/inv.err" || fail "dns_dns-invalid-names: $(cat "$T/inv.err")"
[ "$(jq -r 'select(.kind|startswith("dns."))' "$T/inv.jsonl" | wc -l)" = 0 ] || fail "dns event from invalid names"
[ "$(jq -r 'select(.kind=="net.connect")' "$T/inv.jsonl" | grep -c kind)" = 3 ] || fail "flows of invalid names"
# tcpdump's dns_udp: the answers as tcpdump prints them
"$tool" replay "$d/tcpdump/dns_udp.pcap" >"$T/ok.jsonl" 2>/dev/null
jq -s -e 'map(select(.kind=="dns.answer")) | length == 1 and .[0].answers == ["A 192.139.46.66","A 198.199.88.104"]' "$T/ok.jsonl" >/dev/null ||
	fail "dns_udp answers"
echo "ok: $conn flows; $(cat "$T/echo.err")"
