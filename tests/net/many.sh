#!/usr/bin/env bash
# fdr-record --sources net on a host with many interfaces (as a host with
# many containers has one veth per container): 40 veth pairs, 80 interfaces
# up, more than the 64 watched descriptors the recorder's loop once had room
# for. Each is captured (the log counts them), none fails, and the recorder
# stops cleanly.
. "$(dirname "$0")/../recorder/lib.sh"
command -v ip >/dev/null || skip "no ip"
pairs=40
p=fdrm$$
for ((i = 0; i < pairs; i++)); do
	ip link add "${p}a$i" type veth peer name "${p}b$i" || fail "cannot create veth pair $i"
	at_exit "ip link del ${p}a$i"
	ip link set "${p}a$i" up && ip link set "${p}b$i" up || fail "cannot set veth pair $i up"
done
D=$T/rings
mkdir -m 0700 "$D"
start_recorder "$D" --sources net
sleep 0.5
stop_recorder
n=$(sed -n 's/.*net: capturing on \([0-9]*\) interface.*/\1/p' "$T/rec.log")
[ -n "$n" ] || { cat "$T/rec.log"; fail "no interface count in the log"; }
[ "$n" -ge $((2 * pairs)) ] || { cat "$T/rec.log"; fail "captures on $n interfaces, want at least $((2 * pairs))"; }
grep -q "cannot capture\|are not captured" "$T/rec.log" && { cat "$T/rec.log"; fail "an interface was left out"; }
ok "captures on all $n interfaces"
exit 0
