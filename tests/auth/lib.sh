# Shared by the live ssh/sudo tests (sourced): a test user with a key and a
# password, a sudoers rule and logfile, a real sshd on a free loopback port,
# and the scenario (key login without and with a pty, wrong password, invalid user, sudo allowed
# with a command long enough for sudo to wrap it, sudo refused twice).
# Everything made here is undone by auth_cleanup (call it from a trap).

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
for b in sshd sshpass sudo runuser jq auditctl useradd ssh-keygen ss; do
	command -v "$b" >/dev/null || [ -x "/usr/sbin/$b" ] || { echo "SKIP: $b not installed"; exit 77; }
done

T=$(mktemp -d /tmp/fdr-auth-live.XXXXXX)
U=fdrt$$
PORT=2222
SSHD_PID=
SUDOERS=/etc/sudoers.d/fdr-test-$U
AUDIT_WAS=$(auditctl -s 2>/dev/null | awk '$1 == "enabled" { print $2 }')
LONG=/usr/bin/id
ARGS=(--user --name --real --zero-padding-to-force-sudo-to-wrap-its-logfile-line-at-eighty-columns)
CMD_LONG="$LONG ${ARGS[*]}"

auth_cleanup() {
	[ -n "$SSHD_PID" ] && kill "$SSHD_PID" 2>/dev/null && wait "$SSHD_PID" 2>/dev/null
	rm -f "$SUDOERS"
	id "$U" >/dev/null 2>&1 && userdel -r "$U" >/dev/null 2>&1
	# whoever switched audit on restores it; make sure of it
	[ -n "$AUDIT_WAS" ] && [ "$(audit_enabled)" != "$AUDIT_WAS" ] && auditctl -e "$AUDIT_WAS" >/dev/null
	rm -rf "$T"
}

audit_enabled() { auditctl -s | awk '$1 == "enabled" { print $2 }'; }

auth_setup_user() {
	useradd -m -s /bin/sh "$U" || fail "useradd"
	echo "$U:right-$$" | chpasswd || fail "chpasswd"
	UID_U=$(id -u "$U")
	mkdir -p "/home/$U/.ssh" /run/sshd
	ssh-keygen -q -t ed25519 -N '' -f "$T/id" || fail "ssh-keygen"
	cp "$T/id.pub" "/home/$U/.ssh/authorized_keys"
	chown -R "$U:" "/home/$U/.ssh"
	chmod 700 "/home/$U/.ssh"
	cat > "$SUDOERS" <<EOS
Defaults:$U logfile=$T/sudo.log
$U ALL=(nobody) NOPASSWD: /usr/bin/id
$U ALL=(root) /usr/bin/whoami
EOS
	chmod 0440 "$SUDOERS"
	touch "$T/sudo.log"
}

# start_sshd [extra sshd args]
auth_start_sshd() {
	while ss -ltn 2>/dev/null | awk '{ print $4 }' | grep -q ":$PORT\$"; do PORT=$((PORT + 1)); done
	cat > "$T/sshd_config" <<EOS
Port $PORT
ListenAddress 127.0.0.1
HostKey /etc/ssh/ssh_host_ed25519_key
UsePAM yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PidFile $T/sshd.pid
EOS
	/usr/sbin/sshd -D -f "$T/sshd_config" "$@" &
	SSHD_PID=$!
	for _ in $(seq 50); do ss -ltn | grep -q "127.0.0.1:$PORT " && return 0; sleep 0.1; done
	fail "sshd did not listen on $PORT"
}

auth_scenario() {
	local SSH=(ssh -F /dev/null -p "$PORT" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
		-o LogLevel=ERROR)
	local PW=(-o PubkeyAuthentication=no -o PreferredAuthentications=password -o NumberOfPasswordPrompts=1)

	"${SSH[@]}" -i "$T/id" -o BatchMode=yes "$U@127.0.0.1" "/bin/sleep 0.61" >/dev/null ||
		fail "key login"
	# the same with a pty (sshd audits USER_LOGIN with the tty then)
	"${SSH[@]}" -tt -i "$T/id" -o BatchMode=yes "$U@127.0.0.1" "exit 0" >/dev/null 2>&1 ||
		fail "key login with a pty"
	sshpass -p wrong "${SSH[@]}" "${PW[@]}" "$U@127.0.0.1" true 2>/dev/null && fail "wrong password accepted"
	sshpass -p wrong "${SSH[@]}" "${PW[@]}" "nosuch$$@127.0.0.1" true 2>/dev/null && fail "invalid user accepted"
	# twice: the same command twice in a row is two events, not one
	(cd /tmp && runuser -u "$U" -- sudo -n -u nobody "$LONG" "${ARGS[@]}" >/dev/null 2>&1)
	(cd /tmp && runuser -u "$U" -- sudo -n -u nobody "$LONG" "${ARGS[@]}" >/dev/null 2>&1)
	# refused without a password (sudo logs this to its logfile only)...
	(cd /tmp && runuser -u "$U" -- sudo -n /usr/bin/cat /etc/shadow >/dev/null 2>&1) && fail "sudo cat allowed"
	# ...and with a wrong one (to syslog as well)
	(cd /tmp && echo wrong | runuser -u "$U" -- sudo -S -p '' /usr/bin/whoami >/dev/null 2>&1) &&
		fail "sudo whoami allowed"
	grep -q '^    ' "$T/sudo.log" || fail "sudo did not wrap its logfile: the wrap path is untested"
}

# want FILE JQ-FILTER: wait until some event of FILE matches
want() {
	for _ in $(seq 100); do
		jq -e -s "map(select($2)) | length > 0" "$1" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	fail "no event matching: $2"
}

# count FILE JQ-FILTER
count() { jq -s "map(select($2)) | length" "$1"; }
