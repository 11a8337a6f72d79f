#!/usr/bin/env bash
# fdr-record --sources net end to end: a network namespace with a veth pair
# (169.254.77.0/30) whose processes sit in a Docker-style cgroup
# (pids/docker/<64 hex>), a real dnsmasq in it. The host connects to it and
# asks it a DNS question. The rings, read back with fdr-replay, must hold:
# in the container's ring the accept and close of the server side; in the
# host ring the connect (with the client's pid) and the DNS query/answer.
. "$(dirname "$0")/../recorder/lib.sh"
for c in ip dnsmasq python3; do command -v $c >/dev/null || skip "no $c"; done
[ -d /sys/fs/cgroup/pids ] || skip "needs the cgroup v1 pids tree"
peer="python3 $(cd "$(dirname "$0")" && pwd)/live-peer.py"
id=$$
ns=fdrrec$id
vh=fdrrh$id
vn=fdrrn$id
CID=$(hexid)
cg=/sys/fs/cgroup/pids/docker/$CID
D=$T/rings
mkdir -m 0700 "$D"

# cleanups run last-registered first
[ -d /sys/fs/cgroup/pids/docker ] || { mkdir /sys/fs/cgroup/pids/docker; at_exit "rmdir /sys/fs/cgroup/pids/docker"; }
mkdir "$cg" || fail "cannot create cgroup $cg"
at_exit "rmdir $cg"
ip netns add "$ns" || skip "cannot create a network namespace"
at_exit "ip netns del $ns"
ip link add "$vh" type veth peer name "$vn" || fail "cannot create a veth pair"
at_exit "ip link del $vh"
ip link set "$vn" netns "$ns"
ip addr add 169.254.77.1/30 dev "$vh"
ip link set "$vh" up
ip netns exec "$ns" ip addr add 169.254.77.2/30 dev "$vn"
ip netns exec "$ns" ip link set "$vn" up
ip netns exec "$ns" ip link set lo up
# processes of the namespace, by cgroup (ip netns exec may fork)
at_exit 'for p in $(cat '"$cg"'/cgroup.procs); do kill $p; done; sleep 0.3'
incg() { sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cg" "$@"; }
incg ip netns exec "$ns" $peer tcp-server 169.254.77.2 7000 "$T/srv.pid" &
incg ip netns exec "$ns" dnsmasq --keep-in-foreground --no-resolv --no-hosts --listen-address=169.254.77.2 \
	--bind-interfaces --address=/fdr.test/10.9.8.7 --pid-file= --user=root --log-facility="$T/dnsmasq.log" &
for _ in $(seq 50); do [ -s "$T/srv.pid" ] && break; sleep 0.1; done

start_recorder "$D" --sources net --iface "$vh" --flush-interval 0.2
sleep 1
$peer tcp-client 169.254.77.2 7000 1500 "$T/cli.pid" || fail "tcp client"
ans=$($peer dns 169.254.77.2 rec.fdr.test udp "$T/dns.pid") || fail "dns query"
[ "$ans" = 10.9.8.7 ] || fail "dnsmasq answered '$ans'"
sleep 1
stop_recorder
events "$D" >"$T/ev.json" || fail "fdr-replay cannot read the rings"
grep -q "net: " "$T/rec.log" && cat "$T/rec.log"

ring=$(ls "$D"/*-"${CID:0:12}".ring 2>/dev/null | head -n 1)
[ -n "$ring" ] && [ -f "$ring" ] || { ls -l "$D"; cat "$T/rec.log"; fail "no ring for the container"; }
one() {	# jq filter over all events -> exactly one
	local n
	n=$(jq -c "select($1)" "$T/ev.json" | wc -l)
	[ "$n" = 1 ] || { cat "$T/ev.json"; fail "expected one event for: $1 (got $n)"; }
}
cli=$(cat "$T/cli.pid")
tup='.src=="169.254.77.1" and .dst=="169.254.77.2" and .dport==7000 and .proto=="tcp"'
one "$tup and .kind==\"net.connect\" and .container==\"host\" and .pid==$cli and .iface==\"$vh\""
one "$tup and .kind==\"net.accept\" and .container==\"$CID\""
one "$tup and .kind==\"net.close\" and .container==\"$CID\" and .bytes==3000"
one "$tup and .kind==\"net.close\" and .container==\"host\" and .pid==$cli and .bytes==3000"
one ".kind==\"dns.query\" and .name==\"rec.fdr.test\" and .qtype==\"A\" and .container==\"host\" and .pid==$(cat "$T/dns.pid")"
one ".kind==\"dns.answer\" and .name==\"rec.fdr.test\" and .answers==[\"A 10.9.8.7\"] and .rcode==0"
ok "$(jq -c 'select(.kind|startswith("net.") or startswith("dns."))' "$T/ev.json" | wc -l) network events"
