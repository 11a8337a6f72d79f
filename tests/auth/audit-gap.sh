#!/usr/bin/env bash
# Loss is recorded, not hidden: fdr-record's ssh source listens to the kernel
# audit multicast; while it is stopped (SIGSTOP) the test floods the kernel
# with AUDIT_USER records (tests/auth-dump --audit-user, as `auditctl -m`
# does) until its socket overruns. After SIGCONT the ring must hold a
# rec.gap from source "audit" whose count comes from the audit serials
# around the hole (every audit event the kernel numbered in the hole: an
# upper bound when other audit users are busy).
set -uo pipefail

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
command -v auditctl >/dev/null || { echo "SKIP: auditctl not installed"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: jq not installed"; exit 77; }
REC=${FDR_BIN:-bin}/fdr-record
REPLAY=${FDR_BIN:-bin}/fdr-replay
DUMP=${FDR_BUILD:-build}/tests/auth-dump
[ -x "$REC" ] && [ -x "$REPLAY" ] && [ -x "$DUMP" ] || { echo "FAIL: programs not built"; exit 1; }

T=$(mktemp -d /tmp/fdr-auth-gap.XXXXXX)
REC_PID=
AUDIT_WAS=$(auditctl -s | awk '$1 == "enabled" { print $2 }')
cleanup() {
	if [ -n "$REC_PID" ]; then
		kill -CONT "$REC_PID" 2>/dev/null
		kill "$REC_PID" 2>/dev/null && wait "$REC_PID" 2>/dev/null
	fi
	[ "$(auditctl -s | awk '$1 == "enabled" { print $2 }')" != "$AUDIT_WAS" ] && auditctl -e "$AUDIT_WAS" >/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; cat "$T/rec.err"; exit 1; }

# audit only: no log file on this host, and none given
"$REC" -d "$T/rings" --sources ssh --audit-enable --auth-log "$T/none.log" 2>"$T/rec.err" &
REC_PID=$!
for _ in $(seq 100); do grep -q 'recording into' "$T/rec.err" && break; sleep 0.1; done
grep -q 'recording into' "$T/rec.err" || fail "fdr-record did not start"
# a first record, so the recorder knows the serial before the hole
"$DUMP" --audit-user 1 || fail "cannot send AUDIT_USER records"
sleep 0.5
kill -STOP "$REC_PID"
# 16 MB of socket buffer hold some 20,000 of these records: send more
"$DUMP" --audit-user 60000 || fail "cannot send AUDIT_USER records"
kill -CONT "$REC_PID"
sleep 1
# a record after the hole: its serial measures the hole
"$DUMP" --audit-user 1 || fail "cannot send AUDIT_USER records"
sleep 1.5
kill "$REC_PID"; wait "$REC_PID"; rc=$?; REC_PID=
[ $rc = 0 ] || fail "fdr-record exit $rc"
"$REPLAY" timeline --json --kind rec.gap "$T/rings" > "$T/gaps.jsonl" || fail "fdr-replay"
cat "$T/gaps.jsonl"
jq -e -s 'map(select(.source == "audit" and .lost > 1000)) | length == 1' "$T/gaps.jsonl" >/dev/null ||
	fail "no rec.gap from audit counting the lost records"
grep -q 'audit socket overrun' "$T/rec.err" || fail "the overrun is not in the log"
[ "$(auditctl -s | awk '$1 == "enabled" { print $2 }')" = "$AUDIT_WAS" ] || fail "audit state not restored"
echo "ok"
