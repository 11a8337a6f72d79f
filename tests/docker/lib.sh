# Sourced by tests/docker/*.sh: an isolated real dockerd in $T (its own data
# and exec roots and socket; no iptables, no bridge) and its cleanup.
# The caller sets T (a fresh temporary directory) before sourcing.

SOCK=$T/docker.sock
DPID=""

need_docker() {
	[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
	command -v dockerd >/dev/null && command -v docker >/dev/null ||
		{ echo "SKIP: docker.io not installed (scripts/install-deps.sh)"; exit 77; }
	command -v jq >/dev/null || { echo "SKIP: jq not installed"; exit 77; }
	BB=$(command -v busybox) || { echo "SKIP: busybox-static not installed"; exit 77; }
}

d() { docker -H "unix://$SOCK" "$@"; }

start_dockerd() {
	dockerd --data-root "$T/data" --exec-root "$T/exec" -H "unix://$SOCK" \
		--pidfile "$T/dockerd.pid" --iptables=false --ip6tables=false \
		--bridge=none --storage-driver=vfs >>"$T/dockerd.log" 2>&1 &
	DPID=$!
	for _ in $(seq 100); do
		d version >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "FAIL: dockerd did not start"; tail -20 "$T/dockerd.log"; exit 1
}

stop_dockerd() {
	[ -n "$DPID" ] || return 0
	kill "$DPID" 2>/dev/null
	for _ in $(seq 150); do
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$DPID" 2>/dev/null
	wait "$DPID" 2>/dev/null
	DPID=""
}

# busybox rootfs imported as local/busybox (no registry needed)
import_busybox() {
	mkdir -p "$T/rootfs/bin"
	cp "$BB" "$T/rootfs/bin/busybox"
	for a in $("$BB" --list); do [ "$a" = busybox ] || ln -sf busybox "$T/rootfs/bin/$a"; done
	tar -C "$T/rootfs" -c . | d import -c 'CMD ["/bin/sh"]' - local/busybox >/dev/null
}

# dockerd, then containerd and shims it started (their command lines name $T),
# then mounts under $T, then $T.
docker_cleanup() {
	stop_dockerd
	for p in /proc/[0-9]*; do
		if { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -qF "$T"; then
			kill -9 "${p#/proc/}" 2>/dev/null
		fi
	done
	grep -F "$T" /proc/mounts | awk '{print $2}' | sort -r | while read -r m; do
		umount -l "$m" 2>/dev/null
	done
	rm -rf "$T"
}

# has JQ-CONDITION FILE: some line satisfies it (jq 1.6's -e looks only at
# the last input)
has() { [ -n "$(jq -c "select($1)" "$2" 2>/dev/null | head -1)" ]; }
