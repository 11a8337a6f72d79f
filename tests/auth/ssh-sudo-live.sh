#!/usr/bin/env bash
# Live test of the ssh/sudo inputs against a real sshd on 127.0.0.1 and real
# sudo, logged three ways at once: a syslog socket at /dev/log (RFC 3164
# datagrams from sshd, sudo and PAM), sudo's own wrapped logfile, and the
# kernel audit multicast group (audit switched on for the test, restored).
#
# The events are read by fdr-record + `fdr-replay timeline --json` when both
# exist in $FDR_BIN; until then by tests/auth-dump, which runs the same
# decoders and inputs and prints the same fields.
#
# Scenario: key login + logout, wrong password, invalid user; sudo allowed
# (a command long enough for sudo to wrap it in its logfile) and denied.
set -uo pipefail

DUMP=${FDR_BUILD:-build}/tests/auth-dump
. "$(dirname "$0")/lib.sh"
[ -x "$DUMP" ] || { echo "FAIL: $DUMP not built"; exit 1; }
DUMP_PID= MADE_DEVLOG=0

cleanup() {
	[ -n "$DUMP_PID" ] && kill "$DUMP_PID" 2>/dev/null && wait "$DUMP_PID" 2>/dev/null
	[ "$MADE_DEVLOG" = 1 ] && rm -f /dev/log
	auth_cleanup
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	echo "--- events"; cat "$T/events.jsonl" 2>/dev/null
	echo "--- dump log"; cat "$T/dump.err" 2>/dev/null
	echo "--- raw input (sshd/sudo)"; grep -a 'sshd\|sudo' "$T/raw.txt" 2>/dev/null | grep -av 'type=13[0-9][0-9]' | cut -c1-300
	exit 1
}

auth_setup_user

# Inputs: /dev/log only if no one else has it (else sshd writes a file).
SSHD_LOG=()
DUMP_ARGS=(--audit-enable --file "$T/sudo.log")
if [ -e /dev/log ]; then
	echo "note: /dev/log exists: sshd logs to a file (-E) instead"
	SSHD_LOG=(-E "$T/sshd.log")
	touch "$T/sshd.log"
	DUMP_ARGS+=(--file "$T/sshd.log")
	SYSLOG=0
else
	DUMP_ARGS+=(--syslog /dev/log)
	MADE_DEVLOG=1
	SYSLOG=1
fi
"$DUMP" "${DUMP_ARGS[@]}" --ready "$T/ready" --raw "$T/raw.txt" >"$T/events.jsonl" 2>"$T/dump.err" &
DUMP_PID=$!
for _ in $(seq 50); do [ -e "$T/ready" ] && break; sleep 0.1; done
[ -e "$T/ready" ] || fail "auth-dump did not start"
[ "$(audit_enabled)" != 0 ] || fail "audit not switched on"

auth_start_sshd "${SSHD_LOG[@]}"
auth_scenario

# The failed password takes PAM's delay (~2 s) to be logged.
E=$T/events.jsonl
LOGIN='.kind == "ssh.login"'
UQ="\"$U\""
# --- sshd through syslog (or its -E file)
IN=$([ $SYSLOG = 1 ] && echo syslog || echo file)
want "$E" "$LOGIN and .input == \"$IN\" and .user == $UQ and .result == \"success\" and .method == \"publickey\" and .addr == \"127.0.0.1\" and (.port > 0)"
want "$E" "$LOGIN and .input == \"$IN\" and .user == $UQ and .result == \"failure\" and .method == \"password\""
want "$E" "$LOGIN and .input == \"$IN\" and .user == \"nosuch$$\" and .result == \"invalid_user\""
want "$E" ".kind == \"ssh.logout\" and .input == \"$IN\" and .user == $UQ and .addr == \"127.0.0.1\""
[ $SYSLOG = 1 ] && want "$E" "$LOGIN and .input == \"syslog\" and .result == \"success\" and (.pid > 0)"
# --- sshd through kernel audit: login uid and session id link the login
want "$E" "$LOGIN and .input == \"audit\" and .user == $UQ and .result == \"success\" and .loginuid == $UID_U and (.sessionid > 0) and (.pid > 0)"
want "$E" "$LOGIN and .input == \"audit\" and .result == \"failure\" and .addr == \"127.0.0.1\""
want "$E" ".kind == \"ssh.logout\" and .input == \"audit\" and .user == $UQ and .loginuid == $UID_U"
want "$E" "$LOGIN and .input == \"audit\" and .user == $UQ and .result == \"success\" and (.tty // \"\" | startswith(\"pts/\"))"
want "$E" "$LOGIN and .input == \"audit\" and .user == $UQ and .result == \"success\" and .tty == null"
# the audit login and the syslog login name the same sshd process
if [ $SYSLOG = 1 ]; then
	a=$(jq -s "map(select($LOGIN and .input == \"audit\" and .result == \"success\") | .pid) | sort" "$T/events.jsonl")
	s=$(jq -s "map(select($LOGIN and .input == \"syslog\" and .result == \"success\") | .pid) | sort" "$T/events.jsonl")
	[ "$a" = "$s" ] || fail "sshd pid differs: audit $a, syslog $s"
fi
# --- sudo: logfile (wrapped), syslog, audit (hex cmd=, runas from CRED_REFR)
SUDO='.kind == "sudo.cmd"'
want "$E" "$SUDO and .input == \"file\" and .user == $UQ and .runas == \"nobody\" and .result == \"allowed\" and .cwd == \"/tmp\" and .command == \"$CMD_LONG\""
want "$E" "$SUDO and .input == \"file\" and .user == $UQ and .result == \"denied\" and .command == \"/usr/bin/cat /etc/shadow\" and (.reason | length > 0)"
[ $SYSLOG = 1 ] && want "$E" "$SUDO and .input == \"syslog\" and .result == \"allowed\" and .runas == \"nobody\""
[ $SYSLOG = 1 ] && want "$E" "$SUDO and .input == \"syslog\" and .result == \"denied\" and .command == \"/usr/bin/whoami\" and .runas == \"root\" and (.reason | test(\"incorrect password\"))"
want "$E" "$SUDO and .input == \"file\" and .result == \"denied\" and .command == \"/usr/bin/whoami\" and (.reason | test(\"incorrect password\"))"
want "$E" "$SUDO and .input == \"audit\" and .result == \"denied\" and .command == \"/usr/bin/whoami\""
# one invalid-user attempt with one password: two audit failures, not three
n=$(jq -s "map(select($LOGIN and .input == \"audit\" and .result == \"invalid_user\")) | length" "$T/events.jsonl")
[ "$n" = 2 ] || fail "audit invalid_user events: $n, want 2"
want "$E" "$SUDO and .input == \"audit\" and .uid == $UID_U and .runas == \"nobody\" and .result == \"allowed\" and .command == \"$CMD_LONG\" and .cwd == \"/tmp\""
want "$E" "$SUDO and .input == \"audit\" and .uid == $UID_U and .result == \"denied\" and .command == \"/usr/bin/cat /etc/shadow\""

kill "$DUMP_PID"; wait "$DUMP_PID"; DUMP_PID=
[ "$(audit_enabled)" = "$AUDIT_WAS" ] || fail "audit state not restored"
echo "ok: $(wc -l < "$T/events.jsonl") events; syslog=$SYSLOG"
exit 0
