#!/usr/bin/env bash
# `make demo` (scripts/demo.sh) on the bundled samples tells the intrusion's
# story: it runs to the end (exit 0) and its output holds each step, from the
# ssh login through sudo and docker exec to the container's processes, and
# the model's findings on them.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
command -v jq >/dev/null || { echo "SKIP: jq not installed (scripts/install-deps.sh)"; exit 77; }
T=$(mktemp -d /tmp/fdr-demo-test.XXXXXX)
trap 'rm -rf "$T"' EXIT

FDR_DEMO_COLOR=0 FDR_BIN=${FDR_BIN:-$top/bin} "$top/scripts/demo.sh" >"$T/out" 2>"$T/err"
rc=$?
fail() { echo "FAIL: $*"; echo "--- demo output"; head -c 6000 "$T/out"; echo "--- stderr"; cat "$T/err"; exit 1; }
[ "$rc" = 0 ] || fail "demo exit $rc"
[ ! -s "$T/err" ] || fail "demo wrote to stderr"
has() { grep -qE -- "$1" "$T/out" || fail "no line matching: $1"; }
has '^== 1\. What was recorded'
has '^incident/host\.ring +host +- +[0-9]+ '
has '^incident/docker-[0-9a-f]{12}\.ring +web +local/shop:1\.0 '
has '^session 1: ssh webops from 127\.0\.0\.1:[0-9]+ \(password\) on host vm'
has 'after 1 failed attempt from the same address'
has '/usr/bin/sudo: sudo docker .* exec web sh -c'
has '=> docker exec into web \(local/shop:1\.0\)'
has '/tmp/implant: /tmp/implant 127\.0\.0\.1 4444 +\[web\]'
has 'net\.connect tcp 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:4444'
has 'file\.create /etc/passwd'
has ' ssh\.login .*result=failure'
has '^critical .* web \(local/shop:1\.0\) drift-exec: /tmp/implant executed'
has '^high .* web \(local/shop:1\.0\) exec-into: '
has '^high .* web \(local/shop:1\.0\) new-port: outbound tcp connection to 127\.0\.0\.1 port 4444'
has '^high .* web \(local/shop:1\.0\) bin-write: .*/etc/passwd'
has '^high .* host priv-change: sudo by webops as root'
has '^medium .* host new-login: ssh login by webops'
# Facts of the samples the story rests on: each sudo is one event though
# audit and syslog both reported it (merged by the recorder).
n=$("${FDR_BIN:-$top/bin}/fdr-replay" count --kind sudo.cmd "$top/samples/incident")
[ "$n" = 2 ] || fail "want 2 sudo.cmd events in samples/incident (one per sudo), got $n"
[ "$(grep -c '^session [0-9]*:' "$T/out")" = 1 ] || fail "want exactly one session (the exec is linked into the ssh login's)"
! grep -q $'\033' "$T/out" || fail "escape sequences with FDR_DEMO_COLOR=0"
! grep -q "$T" "$T/out" || fail "the demo prints its temporary directory"
echo "ok: $(wc -l <"$T/out") lines"
