# Shared by the tmux-driven fdr-tui tests (sourced): the caller sets T (its
# temporary directory) and sock (its own tmux server socket name) first.
# tm runs tmux on that server; the EXIT trap kills the server, runs the
# caller's extra_cleanup if it defines one, and removes T; fail prints the
# screen as it was; tm_start, screen and wait_for drive the session "main".
tm() { tmux -L "$sock" "$@"; }
cleanup() {
	tm kill-server 2>/dev/null || true
	if declare -F extra_cleanup >/dev/null; then extra_cleanup; fi
	rm -rf "$T"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	echo "--- screen:"
	tm capture-pane -p -t main 2>/dev/null || true
	exit 1
}
# tm_start WxH CMD...: a fresh session "main" of that size running CMD, kept
# on screen after CMD exits.
tm_start() {
	local size=$1
	shift
	tm kill-server 2>/dev/null || true
	# (a server still shutting down can refuse the first attempt)
	for _ in 1 2 3 4 5; do
		tm -f /dev/null new-session -d -s main -x "${size%x*}" -y "${size#*x}" "$@" 2>/dev/null && break
		sleep 0.3
	done
	tm has-session -t main || fail "tmux session did not start"
	tm set-option -t main remain-on-exit on
}
screen() { tm capture-pane -p -t main; }
# wait_for TEXT WHAT: until the screen shows TEXT (a fixed string), for at most
# WAIT_TENTHS (default 100) tenths of a second.
wait_for() {	# text what [grep option: -F fixed (default), -E a regex]
	for _ in $(seq 1 "${WAIT_TENTHS:-100}"); do
		screen | grep -q "${3:--F}" -- "$1" && return 0
		sleep 0.1
	done
	fail "waiting for '$1' ($2)"
}
