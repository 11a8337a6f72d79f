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

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
for b in sshd sshpass sudo runuser jq auditctl useradd ssh-keygen; do
	command -v "$b" >/dev/null || [ -x "/usr/sbin/$b" ] || { echo "SKIP: $b not installed"; exit 77; }
done
DUMP=${FDR_BUILD:-build}/tests/auth-dump
[ -x "$DUMP" ] || { echo "FAIL: $DUMP not built"; exit 1; }

T=$(mktemp -d /tmp/fdr-auth-live.XXXXXX)
U=fdrt$$
PORT=2222
DUMP_PID= SSHD_PID= MADE_DEVLOG=0 SUDOERS=/etc/sudoers.d/fdr-test-$U
AUDIT_WAS=$(auditctl -s 2>/dev/null | awk '$1 == "enabled" { print $2 }')

cleanup() {
	[ -n "$SSHD_PID" ] && kill "$SSHD_PID" 2>/dev/null && wait "$SSHD_PID" 2>/dev/null
	[ -n "$DUMP_PID" ] && kill "$DUMP_PID" 2>/dev/null && wait "$DUMP_PID" 2>/dev/null
	[ "$MADE_DEVLOG" = 1 ] && rm -f /dev/log
	rm -f "$SUDOERS"
	id "$U" >/dev/null 2>&1 && userdel -r "$U" >/dev/null 2>&1
	# auth-dump restores the audit state it changed; make sure of it
	[ -n "$AUDIT_WAS" ] && [ "$(auditctl -s | awk '$1 == "enabled" { print $2 }')" != "$AUDIT_WAS" ] &&
		auditctl -e "$AUDIT_WAS" >/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	echo "--- events"; cat "$T/events.jsonl" 2>/dev/null
	echo "--- dump log"; cat "$T/dump.err" 2>/dev/null
	echo "--- raw input (sshd/sudo)"; grep -a 'sshd\|sudo' "$T/raw.txt" 2>/dev/null | grep -av 'type=13[0-9][0-9]' | cut -c1-300
	exit 1
}

# A port nobody uses (another test may hold 2222).
while ss -ltn 2>/dev/null | awk '{ print $4 }' | grep -q ":$PORT\$"; do PORT=$((PORT + 1)); done

useradd -m -s /bin/sh "$U" || fail "useradd"
echo "$U:right-$$" | chpasswd || fail "chpasswd"
UID_U=$(id -u "$U")
mkdir -p "/home/$U/.ssh" /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$T/id" || fail "ssh-keygen"
cp "$T/id.pub" "/home/$U/.ssh/authorized_keys"
chown -R "$U:" "/home/$U/.ssh"; chmod 700 "/home/$U/.ssh"
cat > "$SUDOERS" <<EOF
Defaults:$U logfile=$T/sudo.log
$U ALL=(nobody) NOPASSWD: /usr/bin/id
$U ALL=(root) /usr/bin/whoami
EOF
chmod 0440 "$SUDOERS"
touch "$T/sudo.log"

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
[ "$(auditctl -s | awk '$1 == "enabled" { print $2 }')" != 0 ] || fail "audit not switched on"

cat > "$T/sshd_config" <<EOF
Port $PORT
ListenAddress 127.0.0.1
HostKey /etc/ssh/ssh_host_ed25519_key
UsePAM yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PidFile $T/sshd.pid
EOF
/usr/sbin/sshd -D -f "$T/sshd_config" "${SSHD_LOG[@]}" &
SSHD_PID=$!
for _ in $(seq 50); do ss -ltn | grep -q "127.0.0.1:$PORT " && break; sleep 0.1; done

SSH=(ssh -F /dev/null -p "$PORT" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR)
"${SSH[@]}" -i "$T/id" -o BatchMode=yes "$U@127.0.0.1" true || fail "key login"
sshpass -p wrong "${SSH[@]}" -o PubkeyAuthentication=no -o PreferredAuthentications=password \
	-o NumberOfPasswordPrompts=1 "$U@127.0.0.1" true 2>/dev/null && fail "wrong password accepted"
sshpass -p wrong "${SSH[@]}" -o PubkeyAuthentication=no -o PreferredAuthentications=password \
	-o NumberOfPasswordPrompts=1 "nosuch$$@127.0.0.1" true 2>/dev/null && fail "invalid user accepted"
LONG=/usr/bin/id
ARGS=(--user --name --real --zero-padding-to-force-sudo-to-wrap-its-logfile-line-at-eighty-columns)
(cd /tmp && runuser -u "$U" -- sudo -n -u nobody "$LONG" "${ARGS[@]}" >/dev/null 2>&1)
(cd /tmp && runuser -u "$U" -- sudo -n /usr/bin/cat /etc/shadow >/dev/null 2>&1) && fail "sudo cat allowed"
# a wrong password (sudo logs this one to syslog too; the -n refusal above
# goes to its logfile only)
(cd /tmp && echo wrong | runuser -u "$U" -- sudo -S -p '' /usr/bin/whoami >/dev/null 2>&1) && fail "sudo whoami allowed"

# The failed password takes PAM's delay (~2 s) to be logged.
want() {	# jq filter: wait until some event matches
	for _ in $(seq 100); do
		jq -e -s "map(select($1)) | length > 0" "$T/events.jsonl" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	fail "no event matching: $1"
}
LOGIN='.kind == "ssh.login"'
UQ="\"$U\""
# --- sshd through syslog (or its -E file)
IN=$([ $SYSLOG = 1 ] && echo syslog || echo file)
want "$LOGIN and .input == \"$IN\" and .user == $UQ and .result == \"success\" and .method == \"publickey\" and .addr == \"127.0.0.1\" and (.port > 0)"
want "$LOGIN and .input == \"$IN\" and .user == $UQ and .result == \"failure\" and .method == \"password\""
want "$LOGIN and .input == \"$IN\" and .user == \"nosuch$$\" and .result == \"invalid_user\""
want ".kind == \"ssh.logout\" and .input == \"$IN\" and .user == $UQ and .addr == \"127.0.0.1\""
[ $SYSLOG = 1 ] && want "$LOGIN and .input == \"syslog\" and .result == \"success\" and (.pid > 0)"
# --- sshd through kernel audit: login uid and session id link the login
want "$LOGIN and .input == \"audit\" and .user == $UQ and .result == \"success\" and .loginuid == $UID_U and (.sessionid > 0) and (.pid > 0)"
want "$LOGIN and .input == \"audit\" and .result == \"failure\" and .addr == \"127.0.0.1\""
want ".kind == \"ssh.logout\" and .input == \"audit\" and .user == $UQ and .loginuid == $UID_U"
# the audit login and the syslog login name the same sshd process
if [ $SYSLOG = 1 ]; then
	a=$(jq -s "map(select($LOGIN and .input == \"audit\" and .result == \"success\"))[0].pid" "$T/events.jsonl")
	s=$(jq -s "map(select($LOGIN and .input == \"syslog\" and .result == \"success\"))[0].pid" "$T/events.jsonl")
	[ "$a" = "$s" ] || fail "sshd pid differs: audit $a, syslog $s"
fi
# --- sudo: logfile (wrapped), syslog, audit (hex cmd=, runas from CRED_REFR)
SUDO='.kind == "sudo.cmd"'
want "$SUDO and .input == \"file\" and .user == $UQ and .runas == \"nobody\" and .result == \"allowed\" and .cwd == \"/tmp\" and .command == \"$LONG ${ARGS[*]}\""
want "$SUDO and .input == \"file\" and .user == $UQ and .result == \"denied\" and .command == \"/usr/bin/cat /etc/shadow\" and (.reason | length > 0)"
grep -q '^    ' "$T/sudo.log" || fail "sudo did not wrap its logfile: the wrap path is untested"
[ $SYSLOG = 1 ] && want "$SUDO and .input == \"syslog\" and .result == \"allowed\" and .runas == \"nobody\""
[ $SYSLOG = 1 ] && want "$SUDO and .input == \"syslog\" and .result == \"denied\" and .command == \"/usr/bin/whoami\" and .runas == \"root\" and (.reason | test(\"incorrect password\"))"
want "$SUDO and .input == \"file\" and .result == \"denied\" and .command == \"/usr/bin/whoami\" and (.reason | test(\"incorrect password\"))"
want "$SUDO and .input == \"audit\" and .result == \"denied\" and .command == \"/usr/bin/whoami\""
# one invalid-user attempt with one password: two audit failures, not three
n=$(jq -s "map(select($LOGIN and .input == \"audit\" and .result == \"invalid_user\")) | length" "$T/events.jsonl")
[ "$n" = 2 ] || fail "audit invalid_user events: $n, want 2"
want "$SUDO and .input == \"audit\" and .uid == $UID_U and .runas == \"nobody\" and .result == \"allowed\" and .command == \"$LONG ${ARGS[*]}\" and .cwd == \"/tmp\""
want "$SUDO and .input == \"audit\" and .uid == $UID_U and .result == \"denied\" and .command == \"/usr/bin/cat /etc/shadow\""

kill "$DUMP_PID"; wait "$DUMP_PID"; DUMP_PID=
[ "$(auditctl -s | awk '$1 == "enabled" { print $2 }')" = "$AUDIT_WAS" ] || fail "audit state not restored"
echo "ok: $(wc -l < "$T/events.jsonl") events; syslog=$SYSLOG"
exit 0
