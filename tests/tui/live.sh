#!/usr/bin/env bash
# fdr-tui --follow on a live fdr-record directory (the real recorder, proc
# source), started before the recorder on the empty directory (it waits),
# a new container's ring picked up while it runs; commands run while it
# watches appear in its timeline, found with the search; an argv holding an OSC title sequence is shown escaped and the
# terminal's title stays; then the copied rings open without root.
set -euo pipefail
bin=${FDR_BIN:?}
build=${FDR_BUILD:?}
command -v tmux >/dev/null || { echo "SKIP: tmux not installed"; exit 77; }
[ -x "$bin/fdr-record" ] || { echo "SKIP: $bin/fdr-record not built"; exit 77; }
[ -x "$build/tools/fdr-tuigen" ] || { echo "live.sh: $build/tools/fdr-tuigen not built" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "SKIP: fdr-record's proc source needs root"; exit 77; }
T=$(mktemp -d /tmp/fdr-tui-live-XXXXXX)
sock=fdr-tui-live-$$
rec=
extra_cleanup() {
	if [ -n "$rec" ]; then kill "$rec" 2>/dev/null || true; wait "$rec" 2>/dev/null || true; fi
}
. "$(dirname "$0")/tmux-lib.sh"
WAIT_TENTHS=150
keys() { tm send-keys -t main "$@"; }

mkdir -m 0700 "$T/rings"
# Started before the recorder, on an empty directory: it must wait and say so.
tm -f /dev/null new-session -d -s main -x 200 -y 30 env TERM=xterm-256color "$bin/fdr-tui" --follow "$T/rings"
tm set-option -t main remain-on-exit on
wait_for "waiting for rings in $T/rings" "waiting on the empty directory"
wait_for "waiting for rings" "status line while waiting"
sleep 1.5	# a few of its looks at the directory: still there, still waiting
screen | grep -qF "Pane is dead" && fail "fdr-tui exited on an empty directory"

"$bin/fdr-record" -d "$T/rings" --sources proc --flush-interval 1 --duration 60 >"$T/rec.log" 2>&1 &
rec=$!
for _ in $(seq 1 50); do [ -s "$T/rings/host.ring" ] && break; sleep 0.1; done
[ -s "$T/rings/host.ring" ] || fail "fdr-record did not start: $(cat "$T/rec.log")"
wait_for "a new ring appeared" "the host ring picked up"
wait_for ">host " "the host ring's row in the containers view"
screen | grep -qF "waiting for rings" && fail "still waiting after the recorder started"
sleep 1.2	# a first flush, so the ring has a block to show
keys 2 G
marker=fdr-tui-live-$$-$RANDOM
/bin/sh -c "exec /bin/echo $marker" >/dev/null
/bin/echo $'\e]0;PWNED\a'"$marker" >/dev/null
sleep 2.5	# flush interval + the TUI's 1 s re-read
keys g
tm send-keys -t main / && tm send-keys -t main -l "echo $marker" && keys Enter
wait_for "/bin/echo $marker" "the command run while following"
keys g
tm send-keys -t main / && tm send-keys -t main -l 'PWNED' && keys Enter
wait_for '\x1b]0;PWNED\x07'"$marker" "escaped OSC in argv"
[ "$(tm display -p -t main '#{pane_title}')" != PWNED ] || fail "argv set the terminal title"

# A ring of a container that starts while we watch (here fdr-tuigen's
# synthetic one, written into a subdirectory as the recorder lays them out:
# no container runtime is started for this test) joins the containers view.
keys 1
mkdir "$T/rings/late"
"$build/tools/fdr-tuigen" evil "$T/late-tmp"
mv "$T/late-tmp/evil.ring" "$T/rings/late/evil.ring"
wait_for 'img\x1b[2J:1' "the new container's ring in the containers view"
keys q

# The rings copied off the "host", read by an unprivileged user.
kill "$rec"
wait "$rec" || true
rec=
if id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
	cp -r "$T/rings" "$T/copy"
	chmod -R a+rX "$T"
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$bin/fdr-tui" --batch --size 200x30 \
		--keys "2/$marker<Enter>" "$T/copy" >"$T/screen" || fail "unprivileged batch"
	grep -qF "/bin/echo $marker" "$T/screen" || fail "copied rings: marker not found"
fi
echo PASS
