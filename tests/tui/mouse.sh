#!/usr/bin/env bash
# fdr-tui's mouse in a real terminal (tmux): the xterm mouse reports a
# terminal sends are typed into the pane as bytes (not tmux's own mouse
# mode), in SGR encoding (TERM=xterm-256color, what ncurses asks of xterm)
# and in the old X10 encoding (TERM=screen): a click on a row selects it, a
# click on a view tab switches to it, the wheel scrolls, a click on a bottom
# bar item does what its key does (Tab: next view, q: quit).
set -euo pipefail
bin=${FDR_BIN:?} build=${FDR_BUILD:?}
command -v tmux >/dev/null || { echo "SKIP: tmux not installed"; exit 77; }
[ -x "$build/tools/fdr-ringgen" ] || { echo "SKIP: $build/tools/fdr-ringgen not built (make tests)"; exit 77; }
T=$(mktemp -d /tmp/fdr-tui-mouse-XXXXXX)
sock=fdr-tui-mouse-$$
. "$(dirname "$0")/tmux-lib.sh"
"$build/tools/fdr-ringgen" story "$T/story" >/dev/null

start() {	# TERM: fdr-tui on the story rings, its exit status kept in $T/rc
	tm_start 100x30 sh -c '"$@"; echo $? >"$0/rc"' "$T" env TERM="$1" "$bin/fdr-tui" "$T/story"
}
# Screen line (1-based) of the cursor row, once it is there.
wait_cursor() {	# line, what
	local got=
	for _ in $(seq 1 100); do
		got=$(screen | grep -n '^>' | head -n 1 | cut -d: -f1)
		[ "$got" = "$1" ] && return 0
		sleep 0.1
	done
	fail "cursor on line ${got:-none}, expected $1 ($2)"
}
# Reports at 0-based column x, row y. SGR: ESC [ < b ; x+1 ; y+1 M (press),
# m (release); button 0 is the left one, 64/65 the wheel up/down.
sgr_click() { tm send-keys -t main -l "$(printf '\033[<0;%d;%dM\033[<0;%d;%dm' $(($1 + 1)) $(($2 + 1)) $(($1 + 1)) $(($2 + 1)))"; }
sgr_wheel() { tm send-keys -t main -l "$(printf '\033[<%d;%d;%dM' "$1" 10 10)"; }
# X10: ESC [ M then 32 + button (3 = release), 32 + x + 1, 32 + y + 1, as bytes.
x10_click() {
	tm send-keys -t main -H 1b 5b 4d 20 "$(printf %x $((33 + $1)))" "$(printf %x $((33 + $2)))"
	tm send-keys -t main -H 1b 5b 4d 23 "$(printf %x $((33 + $1)))" "$(printf %x $((33 + $2)))"
}

# The title line: " fdr-tui " then " N Name " per view, the current one
# bracketed: Containers at columns 9-22, Timeline 23-34, Tree 35-42.
start xterm-256color
wait_for "[1 Containers]" "first screen"
wait_for "host" "the host row"
wait_cursor 3 "first container row selected at start"
sgr_click 5 3
wait_cursor 4 "a click on the second container row"
screen | grep -q '^>host ' || fail "the clicked row is not the host's"
sgr_click 37 0
wait_for "[3 Tree]" "a click on the Tree tab"
sgr_click 26 0
wait_for "[2 Timeline]" "a click on the Timeline tab"
wait_cursor 3 "timeline at its first row"
first=$(screen | sed -n 3p | cut -c3-)
sgr_wheel 65
sgr_wheel 65
sgr_wheel 65
wait_cursor 6 "three wheel steps down"
sgr_wheel 64
wait_cursor 5 "one wheel step up"
[ "$(screen | sed -n 3p | cut -c3-)" = "$first" ] || fail "the wheel scrolled the rows away instead of moving the cursor"
sgr_click 20 12
wait_cursor 13 "a click on a timeline row"
# Bottom bar "qQuit ?Help TabView ...": TabView at columns 12-19.
sgr_click 14 29
wait_for "[3 Tree]" "a click on the bar's TabView: the next view"
sgr_click 2 29
for _ in $(seq 1 50); do [ -s "$T/rc" ] && break; sleep 0.1; done
[ "$(cat "$T/rc" 2>/dev/null)" = 0 ] || fail "a click on the bar's Quit did not quit cleanly"
rm -f "$T/rc"

# The X10 encoding (a terminal without SGR reports).
start screen
wait_for "[1 Containers]" "first screen (TERM=screen)"
wait_cursor 3 "first container row (TERM=screen)"
x10_click 5 3
wait_cursor 4 "an X10 click on the second container row"
x10_click 50 0
wait_for "[4 Findings]" "an X10 click on the Findings tab"
tm send-keys -t main q
for _ in $(seq 1 50); do [ -s "$T/rc" ] && break; sleep 0.1; done
[ "$(cat "$T/rc" 2>/dev/null)" = 0 ] || fail "did not quit (TERM=screen)"
echo PASS
