#!/usr/bin/env bash
# Live capture on a real veth pair between the host and a network namespace
# (169.254.77.0/30): TCP connect/accept/close both ways, UDP, and DNS over
# UDP and TCP against a real dnsmasq in the namespace. The namespace's
# processes sit in a cgroup "fdrtest-<id>", which net-tool takes as the
# container id <id> (fdr-record's own cgroup parser is the core's; here the
# point is the network side: addresses, veth, sockets). Checks every event's
# 5-tuple, bytes, DNS names/answers and attribution (container ring for the
# namespace side, the owning pid for host sockets).
set -uo pipefail
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
for c in ip dnsmasq python3 jq; do
	command -v $c >/dev/null || { echo "SKIP: no $c"; exit 77; }
done
tool=${FDR_BUILD:?}/tests/net-tool
here=$(cd "$(dirname "$0")" && pwd)
peer="python3 $here/live-peer.py"
T=$(mktemp -d)
id=$$
ns=fdrnet$id
vh=fdrh$id
vn=fdrn$id
cgid=c0ffee$id
cg=/sys/fs/cgroup/pids/fdrtest-$cgid
pids=()

cleanup() {
	# first what we started in the namespace (ip netns exec may fork): by cgroup
	if [ -d "$cg" ]; then
		for p in $(cat "$cg/cgroup.procs"); do kill "$p" 2>/dev/null; done
		for i in $(seq 50); do [ -n "$(cat "$cg/cgroup.procs")" ] || break; sleep 0.1; done
	fi
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	ip link del "$vh" 2>/dev/null
	[ -d "$cg" ] && rmdir "$cg" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; echo "--- events"; cat "$T/events.jsonl"; echo "--- stderr"; cat "$T/tool.err"; exit 1; }

ip netns add "$ns" || { echo "SKIP: cannot create a network namespace"; exit 77; }
ip link add "$vh" type veth peer name "$vn" || exit 1
ip link set "$vn" netns "$ns"
ip addr add 169.254.77.1/30 dev "$vh"
ip link set "$vh" up
ip netns exec "$ns" ip addr add 169.254.77.2/30 dev "$vn"
ip netns exec "$ns" ip link set "$vn" up
ip netns exec "$ns" ip link set lo up
mkdir "$cg" || { echo "SKIP: cannot create cgroup $cg"; exit 77; }

# in the namespace and its cgroup: an echo server and dnsmasq
# (into the cgroup first: ip netns exec remounts /sys without the cgroup trees)
incg() { sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cg" "$@"; }
incg ip netns exec "$ns" $peer tcp-server 169.254.77.2 7000 "$T/srv-ns.pid" &
pids+=($!)
incg ip netns exec "$ns" dnsmasq --keep-in-foreground --no-resolv --no-hosts \
	--listen-address=169.254.77.2 --bind-interfaces --address=/fdr.test/10.9.8.7 --pid-file= \
	--user=root --log-facility="$T/dnsmasq.log" &
pids+=($!)
# on the host: an echo server
$peer tcp-server 169.254.77.1 7001 "$T/srv-host.pid" &
pids+=($!)

"$tool" live --iface "$vh" --duration 20 >"$T/events.jsonl" 2>"$T/tool.err" &
toolpid=$!
pids+=($toolpid)
for i in $(seq 50); do grep -q capturing "$T/tool.err" && break; sleep 0.1; done
grep -q capturing "$T/tool.err" || fail "net-tool did not start"
sleep 2	# first attribution refresh sees the namespace

# 1. host -> namespace, 1000 bytes each way
$peer tcp-client 169.254.77.2 7000 1000 "$T/cli-host.pid" || fail "tcp client (host)"
# 2. namespace -> host, 300 bytes each way
incg ip netns exec "$ns" $peer tcp-client 169.254.77.1 7001 300 "$T/cli-ns.pid" ||
	fail "tcp client (namespace)"
# 3. UDP host -> namespace
$peer udp-send 169.254.77.2 7002 64 "$T/udp-host.pid" || fail "udp"
# 4. DNS from the host, over UDP and TCP
ans=$($peer dns 169.254.77.2 www.fdr.test udp "$T/dns-udp.pid") || fail "dns udp"
[ "$ans" = 10.9.8.7 ] || fail "dnsmasq answered '$ans'"
ans=$($peer dns 169.254.77.2 tcp.fdr.test tcp "$T/dns-tcp.pid") || fail "dns tcp"
[ "$ans" = 10.9.8.7 ] || fail "dnsmasq answered '$ans' over tcp"
sleep 1
kill -TERM $toolpid
wait $toolpid || fail "net-tool exit status $?"

ev=$T/events.jsonl
jq -e . "$ev" >/dev/null || fail "events are not JSON lines"
one() {	# jq filter -> exactly one matching event
	local n
	n=$(jq -c "select($1)" "$ev" | wc -l)
	[ "$n" = 1 ] || fail "expected one event for: $1 (got $n)"
}
hcli=$(cat "$T/cli-host.pid")
hsrv=$(cat "$T/srv-host.pid")
base='.src=="169.254.77.1" and .dst=="169.254.77.2" and .dport==7000 and .proto=="tcp"'
one "$base and .kind==\"net.connect\" and .ring==\"host\" and .pid==$hcli and .iface==\"$vh\""
one "$base and .kind==\"net.accept\" and .ring==\"$cgid\""
# one close per local side: the host's (its pid kept from the connect) and the container's
one "$base and .kind==\"net.close\" and .ring==\"host\" and .pid==$hcli and .bytes==2000"
one "$base and .kind==\"net.close\" and .ring==\"$cgid\" and .bytes==2000"
base='.src=="169.254.77.2" and .dst=="169.254.77.1" and .dport==7001 and .proto=="tcp"'
one "$base and .kind==\"net.connect\" and .ring==\"$cgid\""
one "$base and .kind==\"net.accept\" and .ring==\"host\" and .pid==$hsrv"
one "$base and .kind==\"net.close\" and .ring==\"host\" and .bytes==600"
one ".kind==\"net.connect\" and .proto==\"udp\" and .src==\"169.254.77.1\" and .dport==7002 and .ring==\"host\" and .pid==$(cat "$T/udp-host.pid")"
one ".kind==\"net.accept\" and .proto==\"udp\" and .dport==7002 and .ring==\"$cgid\""
one ".kind==\"dns.query\" and .proto==\"udp\" and .name==\"www.fdr.test\" and .qtype==\"A\" and .ring==\"host\" and .pid==$(cat "$T/dns-udp.pid")"
one ".kind==\"dns.answer\" and .proto==\"udp\" and .name==\"www.fdr.test\" and .answers==[\"A 10.9.8.7\"] and .rcode==0"
one ".kind==\"dns.query\" and .proto==\"tcp\" and .name==\"tcp.fdr.test\""
one ".kind==\"dns.answer\" and .proto==\"tcp\" and .name==\"tcp.fdr.test\" and .answers==[\"A 10.9.8.7\"]"
grep -q '^# packets' "$T/tool.err" || fail "no stats"
grep -q ' drops 0 ' "$T/tool.err" || fail "capture dropped packets: $(cat "$T/tool.err")"
echo "ok: $(wc -l < "$ev") events; $(grep '^# packets' "$T/tool.err")"
