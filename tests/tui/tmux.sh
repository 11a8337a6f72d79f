#!/usr/bin/env bash
# fdr-tui driven as a person would, in a real terminal (tmux): open rings,
# go from the containers view to the findings, follow a finding to its
# events, pivot to the process tree of the shell, open its files and
# connections, filter, search, jump in time, go back, resize, quit; a ring
# with escape sequences in its file name, container name, argv and paths
# shows them escaped (and the terminal title is untouched); NO_COLOR gives
# a monochrome screen. Rings: the formats writer's synthetic story
# (fdr-ringgen), fdr-modelgen's web container and its learned model, and
# fdr-tuigen's hostile ring; real samples/ recordings too when present.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${FDR_BIN:?} build=${FDR_BUILD:?}
command -v tmux >/dev/null || { echo "SKIP: tmux not installed"; exit 77; }
for t in fdr-ringgen fdr-modelgen fdr-tuigen; do
	[ -x "$build/tools/$t" ] || { echo "SKIP: $build/tools/$t not built (make tests)"; exit 77; }
done
T=$(mktemp -d /tmp/fdr-tui-tmux-XXXXXX)
sock=fdr-tui-test-$$
. "$(dirname "$0")/tmux-lib.sh"

"$build/tools/fdr-ringgen" story "$T/story" >/dev/null
"$build/tools/fdr-modelgen" "$T/base" web1 baseline 1 4 >/dev/null
"$build/tools/fdr-modelgen" "$T/att" web2 attack 2 1 >/dev/null
"$bin/fdr-replay" learn -o "$T/web.model" "$T/base" 2>/dev/null
"$build/tools/fdr-tuigen" evil "$T/evil"
cp "$T/evil/evil.ring" "$T/evil/$(printf 'x\033[31mred\033]0;TITLE\a.ring')"
# Copied rings readable by anyone: fdr-tui needs no root for them.
chmod -R a+rX "$T"

wait_gone() {
	for _ in $(seq 1 100); do
		screen | grep -qF -- "$1" || return 0
		sleep 0.1
	done
	fail "'$1' still on screen ($2)"
}
keys() { tm send-keys -t main "$@"; }
typed() { tm send-keys -t main -l "$1"; }

# --- the walk: containers -> findings -> events -> process tree ---------
# As an unprivileged user when one exists (copied rings need no root).
runas=()
if id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
	runas=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
fi
tm_start 80x24 sh -c '"$@"; echo $? >"$0/rc"' "$T" env TERM=xterm-256color "${runas[@]}" "$bin/fdr-tui" --model "$T/web.model" "$T/att"
wait_for "[1 Containers]" "first screen"
wait_for "web2" "the container row"
# The model is checked in the background: its findings come after the row.
wait_for '^>web2 .* 16$' "the container row with its 16 findings" -E
screen | grep -qF "qQuit ?Help TabView" || fail "bottom bar"
[ "$(screen | awk '{ if (length($0) > 80) n++ } END { print n + 0 }')" = 0 ] || fail "line wider than 80"

keys 4
wait_for "[4 Findings]" "findings view"
screen | grep -qE '^>critical drift-exec' || fail "most severe finding first"
keys Enter
wait_for "finding drift-exec" "finding opened in the timeline"
screen | grep -qE '^>!11:01:03.000 web2 +proc.exec .*/tmp/.x' || fail "cursor not on the finding's event"

keys p
wait_for "[3 Tree]" "pivot to the process"
screen | grep -qE '^>11:01:03 running +[0-9]+ /tmp/.x' || fail "cursor on the dropped binary's process"
screen | grep -qE '^ 11:00:01 running +\[-\] [0-9]+ bash -i' || fail "process tree of the shell"
screen | grep -qE 'curl -so /tmp/.x' || fail "the shell's children"
keys k k
keys Enter
wait_for "== process ==" "process detail"
wait_for "files, connections and other activity" "process activity"
screen | grep -qF "net.connect" || fail "the shell's connection"
screen | grep -qF "/etc/cron.d/backdoor" || fail "the shell's file"
keys q
wait_gone "== process ==" "closing the detail"
keys Space
wait_for "[+]" "collapse"

# back to the timeline (history), then back to the findings
keys '<'
wait_for "[2 Timeline]" "back"
keys '<'
wait_for "[4 Findings]" "back again"
keys '>'
wait_for "[2 Timeline]" "forward"

# filter (fdr-replay language), a bad one says where
keys f
typed 'kind == "net.connect" && dport == 4444'
keys Enter
wait_for "filter: kind ==" "filter applied"
wait_for "1 events selected" "filtered count"
screen | grep -E '^[> ][! ][0-9:.]+ web2 +net.connect' >/dev/null || fail "filtered timeline"
keys f C-u
typed 'kind =='
keys Enter
wait_for "bad filter at column" "filter error"
keys F
wait_for "filter cleared" "filter cleared"

# search and jump in time
keys /
typed 'backdoor'
keys Enter
wait_for "/etc/cron.d/backdoor" "search"
screen | grep -qE '^>.*backdoor' || fail "search did not move the cursor to the match"
keys n
sleep 0.3
screen | grep -qE '^>.*backdoor' || fail "n: next match"
keys t
typed '10:30:00'
keys Enter
wait_for "> 10:30:" "jump to time"

# histogram and help
keys 5
wait_for "[5 Histogram]" "histogram"
wait_for "peak " "histogram drawn"
keys '?'
wait_for "== help ==" "help"
keys Escape
wait_gone "== help ==" "closing help"

# resize: wider terminal, wider layout
tm resize-window -t main -x 120 -y 30
keys 1
wait_for "[1 Containers]" "after resize"
sleep 0.3
[ "$(screen | wc -l)" -eq 30 ] || fail "screen is not 30 lines after resize"
screen | grep -qE '^ CONTAINER {10}' || fail "wider name column after resize"
tm resize-window -t main -x 80 -y 24
sleep 0.3
screen | grep -qF "[1 Containers]" || fail "after shrinking"

keys q
for _ in $(seq 1 50); do
	[ -s "$T/rc" ] && break
	sleep 0.1
done
[ "$(cat "$T/rc" 2>/dev/null)" = 0 ] || fail "q: exit status '$(cat "$T/rc" 2>/dev/null)'"

# --- hostile strings are shown escaped ------------------------------------
tm_start 80x24 env TERM=xterm-256color "$bin/fdr-tui" "$T/evil"
wait_for "[1 Containers]" "evil first screen"
screen | grep -qF 'ev\x1b]0;PWN' || fail "container name not escaped"
keys Enter
wait_for '\x1b]0;PWNED\x07name' "timeline of the hostile container"
screen | grep -qF 'path=/tmp/\x1b[31mEVILFIL' || fail "path not escaped"
keys j j
keys Enter
wait_for '== event ==' "event detail"
wait_for 'path: /tmp/\x1b[31mEVILFILE\x1b[0m\r\n' "path escaped in the detail"
wait_for 'ring: ' "ring path"
screen | grep -qF "red\\x1b]0;TITLE\\x07.ring" || screen | grep -qF 'evil.ring' || fail "ring path"
[ "$(tm display -p -t main '#{pane_title}')" != TITLE ] || fail "a file name set the terminal title"
[ "$(tm display -p -t main '#{pane_title}')" != PWNED ] || fail "a container name set the terminal title"
# the raw screen holds no escape sequence from the ring (only tmux's own SGR)
tm capture-pane -p -e -t main | grep -q $'\033\\]' && fail "an OSC sequence reached the terminal"
keys q q

# --- monochrome -------------------------------------------------------------
tm_start 80x24 env TERM=xterm-256color NO_COLOR=1 "$bin/fdr-tui" "$T/story"
wait_for "[1 Containers]" "monochrome first screen"
keys 2
wait_for "net.accept" "monochrome timeline"
tm capture-pane -p -e -t main | grep -qE $'\033\\[(3[0-7]|38;)' && fail "colour under NO_COLOR"
keys q
tm_start 80x24 env TERM=xterm-256color "$bin/fdr-tui" "$T/story"
wait_for "[1 Containers]" "colour first screen"
keys 2
wait_for "net.accept" "colour timeline"
tm capture-pane -p -e -t main | grep -qE $'\033\\[([0-9;]*;)?(3[0-7]|38;)' || fail "no colour by kind"
keys q

# --- --follow: events appended by a writer appear ----------------------------
cp -r "$T/story" "$T/live"
tm_start 80x24 env TERM=xterm-256color "$bin/fdr-tui" --follow "$T/live"
wait_for "82 events selected" "follow: first screen"
keys 2 G
wait_for "> 10:03:25.000 " "follow: end of the timeline"
# the same writer continues both rings with the story again (82 more events)
"$build/tools/fdr-ringgen" story "$T/live" >/dev/null
wait_for "164 events selected" "follow: new events counted"
keys G
wait_for "> 10:03:25.000 " "follow: still at the end"
keys 1
wait_for "   124 " "follow: web container's events"
# a container starts: its new ring shows up
"$build/tools/fdr-tuigen" evil "$T/live"
wait_for 'h\x1b[5mx/ev' "follow: a new ring"
keys q

# --- the real samples, when they exist ------------------------------------
shopt -s nullglob
samples=("$top"/samples/*/*.ring "$top"/samples/*.ring)
if [ ${#samples[@]} -gt 0 ]; then
	tm_start 80x24 env TERM=xterm-256color "$bin/fdr-tui" "${samples[@]}"
	wait_for "[1 Containers]" "samples"
	keys 2
	wait_for "[2 Timeline]" "samples timeline"
	keys G
	sleep 0.5
	keys 3
	wait_for "[3 Tree]" "samples tree"
	keys q
else
	echo "note: samples/ has no recordings yet; synthetic rings only"
fi
echo "PASS"
