#!/usr/bin/env bash
# End to end: fdr-record's ssh and sudo sources (with the proc source) on a
# real sshd and real sudo, fed by three inputs at once - busybox syslogd's
# file (sshd, sudo and PAM through /dev/log), sudo's wrapped logfile and the
# kernel audit multicast group (switched on with --audit-enable, restored at
# exit) - then read back with `fdr-replay timeline --json` and `sessions`.
#
# With several inputs each fact must be ONE event carrying what every input
# knew: the log's method and port, audit's login uid, session id and pid.
set -uo pipefail

REC=${FDR_BIN:-bin}/fdr-record
REPLAY=${FDR_BIN:-bin}/fdr-replay
. "$(dirname "$0")/lib.sh"
[ -x "$REC" ] && [ -x "$REPLAY" ] || { echo "FAIL: fdr-record or fdr-replay not built in ${FDR_BIN:-bin}"; exit 1; }
command -v busybox >/dev/null || { echo "SKIP: busybox not installed"; exit 77; }
REC_PID= SYSLOGD_PID=

cleanup() {
	[ -n "$REC_PID" ] && kill "$REC_PID" 2>/dev/null && wait "$REC_PID" 2>/dev/null
	if [ -n "$SYSLOGD_PID" ]; then
		kill "$SYSLOGD_PID" 2>/dev/null && wait "$SYSLOGD_PID" 2>/dev/null
		rm -f /dev/log
	fi
	auth_cleanup
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	echo "--- recorder log"; cat "$T/rec.err" 2>/dev/null
	echo "--- timeline"; cat "$T/timeline.jsonl" 2>/dev/null
	echo "--- syslog"; grep -a 'sshd\|sudo' "$T/syslog.log" 2>/dev/null | head -40
	exit 1
}

auth_setup_user
INPUTS=(--auth-log "$T/sudo.log")
SSHD_LOG=()
if [ -e /dev/log ]; then
	echo "note: /dev/log exists (not ours): sshd logs to a file (-E) instead"
	SSHD_LOG=(-E "$T/sshd.log")
	INPUTS+=(--auth-log "$T/sshd.log")
else
	busybox syslogd -n -O "$T/syslog.log" &
	SYSLOGD_PID=$!
	for _ in $(seq 50); do [ -S /dev/log ] && break; sleep 0.1; done
	[ -S /dev/log ] || fail "busybox syslogd did not bind /dev/log"
	INPUTS+=(--auth-log "$T/syslog.log")
fi

"$REC" -d "$T/rings" --sources proc,ssh,sudo --audit-enable "${INPUTS[@]}" 2>"$T/rec.err" &
REC_PID=$!
for _ in $(seq 100); do grep -q 'recording into' "$T/rec.err" && break; sleep 0.1; done
grep -q 'recording into' "$T/rec.err" || fail "fdr-record did not start"
[ "$(audit_enabled)" != 0 ] || fail "audit not switched on"
grep -q "auth: reading kernel audit multicast" "$T/rec.err" || fail "audit input not named in the log"
grep -q "auth: following log file '$T/sudo.log'" "$T/rec.err" || fail "log input not named in the log"

auth_start_sshd "${SSHD_LOG[@]}"
auth_scenario
sleep 4.5	# the merge window (3 s) and a flush
kill "$REC_PID"; wait "$REC_PID"; rc=$?; REC_PID=
[ $rc = 0 ] || fail "fdr-record exit $rc"
[ "$(audit_enabled)" = "$AUDIT_WAS" ] || fail "audit state not restored"
grep -q 'kernel audit switched back off\|kernel audit was on' "$T/rec.err" || [ "$AUDIT_WAS" != 0 ] ||
	fail "no word about restoring audit"

"$REPLAY" timeline --json "$T/rings" > "$T/timeline.jsonl" || fail "fdr-replay timeline"
E=$T/timeline.jsonl
UQ="\"$U\""
L='.kind == "ssh.login"'
S='.kind == "sudo.cmd"'
one() {	# exactly one event matches
	local n
	n=$(count "$E" "$1")
	[ "$n" = 1 ] || fail "$n events (want 1) match: $1"
}
one "$L and .user == $UQ and .result == \"success\" and .method == \"publickey\" and .addr == \"127.0.0.1\" and (.port > 0) and .loginuid == $UID_U and (.sessionid > 0) and (.pid > 0) and .container == \"host\" and .tty == null"
one "$L and .user == $UQ and .result == \"success\" and .method == \"publickey\" and (.port > 0) and (.sessionid > 0) and (.tty // \"\" | startswith(\"pts/\"))"
[ "$(count "$E" "$L and .result == \"success\"")" = 2 ] || fail "want 2 successful logins"
one "$L and .user == $UQ and .result == \"failure\" and .method == \"password\" and (.pid > 0)"
[ "$(count "$E" "$L and .result == \"invalid_user\"")" = 2 ] || fail "want 2 invalid_user logins (announce + password)"
[ "$(count "$E" "$L and .result == \"invalid_user\" and .user == \"nosuch$$\"")" = 2 ] ||
	fail "invalid_user logins lack the name the log gave"
[ "$(count "$E" ".kind == \"ssh.logout\" and .user == $UQ and (.port > 0) and (.sessionid > 0)")" = 2 ] ||
	fail "want 2 logouts with port and session id"
[ "$(count "$E" "$S and .user == $UQ and .runas == \"nobody\" and .result == \"allowed\" and .cwd == \"/tmp\" and .command == \"$CMD_LONG\" and (.pid > 0)")" = 2 ] ||
	fail "want the allowed sudo twice"
[ "$(jq -s "map(select($S and .result == \"allowed\") | .pid) | unique | length" "$E")" = 2 ] ||
	fail "the two allowed sudo runs do not carry their own pids"
one "$S and .user == $UQ and .result == \"denied\" and .command == \"/usr/bin/cat /etc/shadow\" and .reason == \"a password is required\" and (.pid > 0)"
one "$S and .user == $UQ and .result == \"denied\" and .command == \"/usr/bin/whoami\" and .runas == \"root\" and (.reason | test(\"incorrect password\")) and (.pid > 0)"
[ "$(count "$E" "$S")" = 4 ] || fail "want 4 sudo.cmd"
[ "$(count "$E" '.kind == "rec.gap"')" = 0 ] || fail "the recorder lost events"

# The login leads to what it ran: the sshd pid of the ssh.login is the root
# of the session's processes (and where the proc source records them, the
# audit session id names them too).
SES=$(jq -s "map(select($L and .user == $UQ and .result == \"success\" and .tty == null))[0].sessionid" "$E")
SPID=$(jq -s "map(select($L and .user == $UQ and .result == \"success\" and .tty == null))[0].pid" "$E")
"$REPLAY" timeline --json --pid "$SPID" --descendants "$T/rings" > "$T/desc.jsonl" || fail "fdr-replay --pid"
jq -e -s 'map(select(.kind == "proc.exec" and .argv == ["/bin/sleep", "0.61"])) | length == 1' "$T/desc.jsonl" >/dev/null ||
	fail "the session's /bin/sleep 0.61 is not a descendant of sshd $SPID"
jq -e -s "map(select(.kind == \"proc.exec\" and .argv == [\"/bin/sleep\", \"0.61\"] and .sessionid != null and .sessionid != $SES)) | length == 0" "$E" >/dev/null ||
	fail "the session's process carries another session id than its login"
"$REPLAY" sessions --json "$T/rings" > "$T/sessions.jsonl" 2>"$T/sessions.err" || fail "fdr-replay sessions: exit $?: $(head -c 600 "$T/sessions.err")"
jq -e -s "map(select(.type == \"ssh\" and .user == $UQ and .sessionid == $SES and .method == \"publickey\"
	and ([.. | .argv? // empty] | index([[\"/bin/sleep\", \"0.61\"]])))) | length == 1" "$T/sessions.jsonl" >/dev/null ||
	{ head -c 2000 "$T/sessions.jsonl"; fail "sessions does not show the ssh login running /bin/sleep 0.61"; }
echo "ok: $(wc -l < "$E") events"
exit 0
