#!/usr/bin/env bash
# Decoding speed of the ssh/sudo inputs on one core: auth log lines
# (loghub's 2,000 real sshd lines, CRLF) and kernel audit records (the
# 5,000-record capture of ssh/sudo sessions with an execve rule), each
# decoded over and over for a few seconds. Peer: ausearch reading the same
# audit records (raw and interpreted), in the same run. Prints "name value unit".
set -euo pipefail
dump=${FDR_BUILD:?}/tests/auth-dump
data=${FDR_SHARED:?}/data
secs=${FDR_BENCH_SECS:-3}
[ -d "$data" ] || { echo "# auth: $data missing, skipped"; exit 0; }
"$dump" --bench lines "$data/sshd/loghub_OpenSSH_2k.log" "$secs"
"$dump" --bench records "$data/local/audit-ssh.txt" "$secs"
if command -v ausearch >/dev/null; then
	tmp=$(mktemp -d /tmp/fdr-bench-auth-XXXXXX)
	trap 'rm -rf "$tmp"' EXIT
	# the capture's "type=N len=.. flags.. pid=0: audit(...)" as auditd's log form
	sed -E 's/^type=([0-9]+) len=[0-9]+ flags=[^:]*: /type=UNKNOWN[\1] msg=/' "$data/local/audit-ssh.txt" > "$tmp/one.log"
	for _ in $(seq 20); do cat "$tmp/one.log"; done > "$tmp/audit.log"
	n=$(wc -l < "$tmp/audit.log")
	for fmt in raw interpret; do
		flag=$([ $fmt = raw ] && echo --raw || echo -i)
		t0=$(date +%s.%N)
		ausearch -if "$tmp/audit.log" $flag >/dev/null 2>&1 || true
		t1=$(date +%s.%N)
		echo "peer_ausearch_${fmt}_records_per_s $(echo "$n / ($t1 - $t0)" | bc) records/s"
	done
fi
