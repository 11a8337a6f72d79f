#!/usr/bin/env bash
# fdr-replay end to end on rings written by the formats writer (fdr-ringgen):
# golden output of every subcommand on the synthetic intrusion story, JSON
# validity with jq, merge order across hosts, exit codes, bad input.
# FDR_REGEN=1 rewrites tests/replay/golden/ on purpose.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${FDR_BIN:?}
gen=${FDR_BUILD:?}/tools/fdr-ringgen
golden=$top/tests/replay/golden
command -v jq >/dev/null || { echo "SKIP: jq not installed"; exit 77; }
tmp=$(mktemp -d /tmp/fdr-cli-XXXXXX)
trap 'chmod -R u+rwx "$tmp"; rm -rf "$tmp"' EXIT
R=$bin/fdr-replay
fail() { echo "FAIL: $*"; exit 1; }

"$gen" story "$tmp/story"
cd "$tmp/story"

# Golden outputs (relative ring paths so they do not depend on $tmp).
check_golden() {	# name, command...
	local name=$1
	shift
	"$@" >"$tmp/$name.out" 2>&1 || true
	if [ "${FDR_REGEN:-0}" = 1 ]; then
		cp "$tmp/$name.out" "$golden/$name.txt"
	elif ! diff -u "$golden/$name.txt" "$tmp/$name.out"; then
		fail "golden $name differs"
	fi
}
check_golden timeline "$R" timeline host.ring web.ring
check_golden timeline-json "$R" timeline --json host.ring web.ring
check_golden tree "$R" tree host.ring web.ring
check_golden tree-json "$R" tree --json host.ring web.ring
check_golden sessions "$R" sessions host.ring web.ring
check_golden sessions-json "$R" sessions --json host.ring web.ring
check_golden info "$R" info host.ring web.ring
check_golden info-json "$R" info --json host.ring web.ring
check_golden export-csv "$R" export --format csv host.ring web.ring
check_golden export-timesketch "$R" export --format timesketch host.ring web.ring
check_golden filtered "$R" timeline --container web --kind 'net.*,file.*' -e 'dport == 4444 || path ~ "/etc/*"' .
check_golden descendants "$R" timeline --pid 3011 --descendants .
check_golden verify "$R" verify .

# Every JSON output is valid JSON, one object per line, with DESIGN.md's names.
for f in timeline-json tree-json sessions-json info-json export-timesketch; do
	jq -se 'length > 0 and all(type == "object")' "$tmp/$f.out" >/dev/null || fail "$f is not JSON lines"
done
n=$(jq -r 'select(.time and .host and .container and .kind) | .kind' "$tmp/timeline-json.out" | wc -l)
[ "$n" -eq "$(wc -l <"$tmp/timeline-json.out")" ] || fail "timeline lines without the common fields"
[ "$(jq -r 'select(.kind == "ssh.login") | .result' "$tmp/timeline-json.out" | tr '\n' ' ')" = "failure success " ] ||
	fail "ssh.login results"
# (jq 1.6's -e looks at the last output only: slurp and decide once.)
jq -se 'map(select(.kind == "docker.exec_start")) | length == 1 and
	all(.target_container and .exec_id and .command)' "$tmp/timeline-json.out" >/dev/null ||
	fail "docker fields"
jq -se 'map(select(.kind == "rec.gap")) | length == 1 and all(.lost == 3 and .source == "proc")' \
	"$tmp/timeline-json.out" >/dev/null || fail "rec.gap fields"
jq -se 'all(.message and .datetime and .timestamp_desc and (.timestamp | type == "number"))' \
	"$tmp/export-timesketch.out" >/dev/null || fail "timesketch fields"
# The hostile file name round-trips through JSON and never reaches a terminal raw.
jq -r 'select(.kind == "file.create") | .path' "$tmp/timeline-json.out" | grep -q $'\x1b\[2J' ||
	fail "JSON lost the raw bytes"
for f in timeline tree sessions info export-csv; do
	if grep -q $'\x1b' "$tmp/$f.out"; then fail "raw ESC in $f"; fi
done

# The session tells the story: login -> sudo -> docker exec -> download, run, /etc.
for want in 'ssh admin from 203.0.113.7:51240' 'after 1 failed attempt' 'sudo -i' \
	'=> docker exec into web' 'curl -so /tmp/x' '198.51.100.9:4444' 'file.modify /etc/crontab'; do
	grep -qF -- "$want" "$tmp/sessions.out" || fail "sessions lacks '$want'"
done

# Exit codes and messages.
set +e
"$R" timeline -e 'kind == "proc.exec" && (exe' . >/dev/null 2>"$tmp/err"; rc=$?
set -e
[ $rc -eq 2 ] || fail "bad filter exit $rc"
grep -q 'bad filter expression at column' "$tmp/err" || fail "bad filter message: $(cat "$tmp/err")"
set +e
"$R" frobnicate . 2>/dev/null; rc1=$?
"$R" timeline 2>/dev/null; rc2=$?
"$R" timeline --since yesterday . 2>/dev/null; rc3=$?
"$R" timeline "$tmp/nosuch" 2>"$tmp/err"; rc4=$?
set -e
[ "$rc1$rc2$rc3$rc4" = 2222 ] || fail "usage exit codes $rc1 $rc2 $rc3 $rc4"
grep -q "nosuch" "$tmp/err" || fail "missing ring not named"
"$R" --help | grep -q 'exit status' || fail "--help lacks exit codes"

# Bad input in a directory: garbage, a damaged slot, a missing file: clear
# messages, everything readable still read.
mkdir "$tmp/bad"
cp host.ring web.ring "$tmp/bad/"
printf 'garbage' >"$tmp/bad/junk.ring"
printf 'notes' >"$tmp/bad/README"
# Flip a byte inside web.ring's first slot payload (data starts at 8192).
printf '\xff\xff\xff\xff' | dd of="$tmp/bad/web.ring" bs=1 seek=$((8192 + 300)) conv=notrunc status=none
set +e
"$R" timeline --json "$tmp/bad" >"$tmp/bad.out" 2>"$tmp/bad.err"; rc=$?
"$R" verify "$tmp/bad" >"$tmp/verify.out" 2>&1; vrc=$?
set -e
[ $rc -eq 2 ] || fail "input errors must exit 2 (got $rc)"
grep -q "junk.ring" "$tmp/bad.err" || fail "junk.ring not reported"
grep -q "README" "$tmp/bad.err" && fail "README reported as a ring"
grep -q "web.ring.*checksum" "$tmp/bad.err" || fail "damaged block not reported: $(cat "$tmp/bad.err")"
[ "$(jq -r .container "$tmp/bad.out" | sort -u)" = host ] || fail "the undamaged ring was not read"
[ $vrc -eq 1 ] || fail "verify on damage must exit 1 (got $vrc)"
grep -q "web.ring: .* 1 damaged" "$tmp/verify.out" || fail "verify output: $(cat "$tmp/verify.out")"

# An unreadable directory (root reads everything, so drop to nobody): the
# readable ring is still read, the directory named, exit 2.
if command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$R"; then
	mkdir -p "$tmp/perm/ok" "$tmp/perm/locked"
	cp host.ring "$tmp/perm/ok/" && cp web.ring "$tmp/perm/locked/"
	chmod 755 "$tmp" "$tmp/perm" "$tmp/perm/ok"
	chmod 644 "$tmp/perm/ok/host.ring"
	chmod 700 "$tmp/perm/locked"
	set +e
	setpriv --reuid=65534 --regid=65534 --clear-groups "$R" timeline --json "$tmp/perm" \
		>"$tmp/perm.out" 2>"$tmp/perm.err"
	rc=$?
	set -e
	[ $rc -eq 2 ] || fail "unreadable directory must exit 2 (got $rc)"
	grep -q "locked'.*[Pp]ermission denied" "$tmp/perm.err" || fail "unreadable dir message: $(cat "$tmp/perm.err")"
	[ "$(wc -l <"$tmp/perm.out")" -eq 20 ] || fail "the readable ring was not read"
	chmod 700 "$tmp"
else
	echo "note: setpriv cannot run the binary as nobody: unreadable-directory case not run"
fi

# Merge across hosts and wraps: time order, nothing lost or duplicated.
"$gen" mix "$tmp/mix" 60000 6 3 4096 65536
total=$("$R" info --json "$tmp/mix" | jq -s 'map(.events) | add')
"$R" timeline --json "$tmp/mix" | jq -r '[.time, .host, .seq] | @tsv' >"$tmp/mix.tsv"
[ "$(wc -l <"$tmp/mix.tsv")" -eq "$total" ] || fail "merged $(wc -l <"$tmp/mix.tsv") of $total"
cut -f1 "$tmp/mix.tsv" | sort -c || fail "merge out of time order"
[ "$(cut -f3 "$tmp/mix.tsv" | sort -u | wc -l)" -eq "$total" ] || fail "duplicated events"
[ "$(cut -f2 "$tmp/mix.tsv" | sort -u | wc -l)" -eq 3 ] || fail "hosts"
[ "$("$R" count "$tmp/mix")" -eq "$total" ] || fail "count"
# Pod metadata of a Kubernetes container's ring (ring 3: h0-c3.ring, 3 hosts).
[ "$("$R" info --json "$tmp/mix/h0-c3.ring" | jq -r '.pod + " " + .pod_uid')" = \
  "app-3 00000003-0000-4000-8000-000000000003" ] || fail "info --json pod_uid"
"$R" info "$tmp/mix/h0-c3.ring" | grep -qx '  pod        shop/app-3 (uid 00000003-0000-4000-8000-000000000003)' ||
	fail "info pod uid"
[ "$("$R" count --threads 1 --host host1 --kind 'proc.*' "$tmp/mix")" -eq \
  "$("$R" timeline --json --host host1 --kind 'proc.*' "$tmp/mix" | wc -l)" ] || fail "count vs timeline"
# Counting passes over events that kind, time and pid settle without decoding
# them; the merge decodes what it prints: both must agree, on one thread and
# on several, for filters of every part.
t_mid=$("$R" timeline --json "$tmp/mix" | sed -n "$((total / 2))p" | jq -r .time)
[ -n "$t_mid" ] || fail "no middle event"
a_pid=$("$R" timeline --json --kind proc.exec "$tmp/mix" | head -n 1 | jq -r .pid)
for args in "--kind proc.exec" "--kind file.*,net.*" "--until $t_mid" "--since $t_mid --kind proc.*" \
	"-e kind==\"proc.exit\"||dport==4444" "--pid $a_pid" "--user root" "--kind docker.*"; do
	# shellcheck disable=SC2086
	want=$("$R" timeline --json $args "$tmp/mix" | wc -l)
	for th in 1 2; do
		# shellcheck disable=SC2086
		got=$("$R" count --threads $th $args "$tmp/mix")
		[ "$got" -eq "$want" ] || fail "count --threads $th $args: $got, timeline: $want"
	done
done
# A reader that stops early is not an error (pipefail is on).
"$R" timeline --json "$tmp/mix" | head -n 1 >/dev/null || fail "| head made fdr-replay fail"
echo "PASS"
