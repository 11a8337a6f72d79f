# Shared by the tmux-driven fdr-tui tests (sourced): the caller sets T (its
# temporary directory) and sock (its own tmux server socket name) first.
# tm runs tmux on that server; the EXIT trap kills the server, runs the
# caller's extra_cleanup if it defines one, and removes T; fail prints the
# screen as it was.
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
