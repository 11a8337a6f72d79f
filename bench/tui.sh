#!/usr/bin/env bash
# fdr-tui (issue 8): time to first screen, to the first timeline screen, to
# the end of the stream and to a filter change on 50 M events (16 rings of
# 4 hosts written by the formats writer), and peak RSS, through the batch
# mode (FDR_TUI_STATS=1 times each key including its redraw; --no-wait: the
# per-container counting keeps running in the background as it does in the
# terminal). Peer in the same run: fdr-replay's time to its first 24 lines
# of the same filtered timeline. Goals: first screen < 500 ms, filter change
# < 200 ms, RSS < 100 MiB. FDR_BENCH_EVENTS overrides the size.
set -euo pipefail
bin=${FDR_BIN:?}
gen=${FDR_BUILD:?}/tools/fdr-ringgen
U=$bin/fdr-tui
R=$bin/fdr-replay
N=${FDR_BENCH_EVENTS:-50000000}
rings=16
tmp=$(mktemp -d /tmp/fdr-bench-tui-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
calc() { awk "BEGIN { printf \"$1\\n\", $2 }"; }
now() { date +%s.%N; }

per_ring=$(( (N / rings * 40 / 1048576 + 8) * 1048576 ))
"$gen" mix "$tmp/r" "$N" "$rings" 4 65536 "$per_ring" >/dev/null
echo "tui_events $("$R" count --threads 2 "$tmp/r") events"
cat "$tmp"/r/*.ring >/dev/null	# page cache warm, as for every run below

stat() {	# name: the value of "stats: NAME ms=" (first), or peak_rss_kib
	sed -n "s/^stats: $1 ms=\([0-9.]*\)$/\1/p" "$tmp/stats" | head -n 1
}
run() {	# keys
	FDR_TUI_STATS=1 "$U" --batch --no-wait --keys "$1" "$tmp/r" >"$tmp/screen" 2>"$tmp/stats"
}

run ''
echo "tui_first_screen $(stat first_screen) ms"
echo "tui_peak_rss $(( $(sed -n 's/^stats: peak_rss_kib=//p' "$tmp/stats") / 1024 )) MiB"

run '2'
echo "tui_timeline_first_screen $(stat 'key=2') ms"
run '2G'
echo "tui_timeline_end $(stat 'key=G') ms"
run '2<PgDn><PgDn><PgDn><PgDn><PgDn><PgDn><PgDn><PgDn><PgDn><PgDn>'
echo "tui_page_down_avg $(sed -n 's/^stats: key=<PgDn> ms=//p' "$tmp/stats" | awk '{ s += $1 } END { printf "%.3f", s / NR }') ms"
run '2G<PgUp><PgUp><PgUp><PgUp><PgUp><PgUp><PgUp><PgUp><PgUp><PgUp>'
echo "tui_page_up_avg $(sed -n 's/^stats: key=<PgUp> ms=//p' "$tmp/stats" | awk '{ s += $1 } END { printf "%.3f", s / NR }') ms"
run '2t@0<Enter>'
mid=$(( $("$R" info --json "$tmp/r" 2>/dev/null | head -n 1 | sed -n 's/.*"first":"\([^"]*\)".*/\1/p' | xargs -I{} date -d {} +%s) + 60 ))
run "2t@$mid<Enter>"
echo "tui_jump_to_time $(stat 'key=<Enter>') ms"

# Filter changes from the timeline's first screen: a common kind, and a
# rare one (every block must be looked at to fill a screen). What
# "filter change" measures: from the Enter of the filter prompt until the
# key is handled and the screen redrawn, keys accepted again. A filter that
# finds its screenful within 100 ms shows it then; a rarer one shows what it
# found so far and "searching N%", and searches on while idle (keys work
# meanwhile): tui_filter_rare_search_done is the time from then until that
# search reached the end of the stream (the rare filter here matches nothing
# in the mix, so it is a read of every block holding a net.connect).
common='kind == "file.open"'
rare='kind == "net.connect" && dport == 4444'
run "2f${common}<Enter>"
echo "tui_filter_change_common $(stat 'key=<Enter>') ms"
grep -qF 'file.open' "$tmp/screen" || echo "tui_warning filter_common_screen_has_no_file.open 1 count"
run "2f${rare}<Enter><Found>"
echo "tui_filter_change_rare $(stat 'key=<Enter>') ms"
echo "tui_filter_rare_search_done $(stat 'key=<Found>') ms"
echo "tui_filter_rare_rss $(( $(sed -n 's/^stats: peak_rss_kib=//p' "$tmp/stats") / 1024 )) MiB"
# A rare string test (no exe of the mix holds "nc"): blocks whose string
# table cannot pass it are decompressed but none of their events decoded.
srare='exe ~ "*nc*"'
run "2f${srare}<Enter><Found>"
echo "tui_filter_change_rare_string $(stat 'key=<Enter>') ms"
echo "tui_filter_rare_string_search_done $(stat 'key=<Found>') ms"

# Peer: fdr-replay's first 24 lines of the same filtered timeline.
for f in "$common" "$rare" "$srare"; do
	s0=$(now)
	"$R" timeline --no-progress -e "$f" "$tmp/r" | head -n 24 >/dev/null
	s1=$(now)
	name=$([ "$f" = "$common" ] && echo common || { [ "$f" = "$rare" ] && echo rare || echo rare_string; })
	echo "tui_peer_replay_first_24_lines_$name $(calc %.1f "($s1 - $s0) * 1000") ms"
done
# The background counting to completion (containers view fully filled).
s0=$(now)
"$U" --batch "$tmp/r" >/dev/null
s1=$(now)
echo "tui_counts_complete $(calc %.1f "($s1 - $s0) * 1000") ms"
