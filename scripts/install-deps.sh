#!/usr/bin/env bash
# Install the Debian packages that building and testing fdr need, when missing.
# Root installs them with apt-get; anyone else gets the list and exit 1.
set -euo pipefail

BUILD_PKGS="gcc make pkg-config clang liblz4-dev libxxhash-dev libpcap-dev libbpf-dev
libjansson-dev libyajl-dev libmicrohttpd-dev libgnutls28-dev libncurses-dev"
TEST_PKGS="libcmocka-dev valgrind tmux iproute2 curl docker.io busybox-static
openssh-server sshpass sudo auditd dnsmasq jq tcpdump python3 openssl socat"
PEER_PKGS="forkstat fatrace tcpdump hyperfine sysdig"

want="$BUILD_PKGS $TEST_PKGS"
[ "${FDR_DEPS_BENCH:-0}" = 1 ] && want="$want $PEER_PKGS"

missing=()
for p in $want; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$st" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages: ${missing[*]}" >&2
	echo "install-deps: run as root, or: apt-get install -y ${missing[*]}" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# No init system here: keep package scripts from starting daemons.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
	chmod 0755 /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
