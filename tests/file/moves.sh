#!/usr/bin/env bash
# Renames, with FAN_RENAME and with the moved_from/moved_to pairing older
# kernels need (forced by --file-no-rename): a file rename gives one
# file.rename with both names; a directory renamed after its files were seen
# (its path cached) names new files by its new path, its old path never
# again; a rename within a renamed tree is right too.
set -uo pipefail

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (fanotify)"; exit 77; }
for p in fdr-record fdr-replay; do
	[ -x "$FDR_BIN/$p" ] || { echo "SKIP: no $FDR_BIN/$p"; exit 77; }
done
command -v jq >/dev/null || { echo "SKIP: jq not installed"; exit 77; }

T=$(mktemp -d /var/tmp/fdr-file-moves.XXXXXX)
REC=""
cleanup() {
	[ -n "$REC" ] && kill "$REC" 2>/dev/null && wait "$REC" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

for mode in rename no-rename; do
	W=$T/$mode
	mkdir -p "$W"
	opt=()
	[ $mode = no-rename ] && opt=(--file-no-rename)
	"$FDR_BIN/fdr-record" -d "$T/rings-$mode" --sources file --file-include "$W" \
		--flush-interval 0.2 --no-sync "${opt[@]}" 2> "$T/rec-$mode.log" &
	REC=$!
	for _ in $(seq 50); do grep -q "recording into" "$T/rec-$mode.log" && break; sleep 0.1; done
	grep -q "recording into" "$T/rec-$mode.log" || { cat "$T/rec-$mode.log"; fail "recorder did not start"; }
	if [ $mode = no-rename ]; then
		grep -q "renames by moved_from/to" "$T/rec-$mode.log" || fail "--file-no-rename not in effect"
	fi
	perl -e '
		my $w = shift;
		sub touch { open(my $f, ">", $_[0]) or die "$_[0]: $!"; }
		sub pause { select(undef, undef, undef, 0.25); }	# let the recorder read
		open(my $p, ">", "$w/../$ARGV[0].pid") or die; print $p "$$\n"; close $p;
		mkdir("$w/a") or die; touch("$w/a/one"); pause();
		rename("$w/a/one", "$w/a/two") or die;
		mkdir("$w/a/sub") or die; touch("$w/a/sub/x"); pause();
		rename("$w/a", "$w/b") or die; pause();
		touch("$w/b/three"); touch("$w/b/sub/y");
		rename("$w/b/sub/x", "$w/b/sub/z") or die; pause();
	' "$W" "$mode" || fail "actor failed"
	sleep 0.4
	kill -TERM "$REC"; wait "$REC"; REC=""
	"$FDR_BIN/fdr-replay" timeline --json "$T/rings-$mode" |
		jq -c 'select(.kind | startswith("file."))' > "$T/$mode.json" || fail "fdr-replay"
	P=$(cat "$T/$mode.pid")
	want() {	# kind, path, new_path or ""
		local n
		n=$(jq -c --arg k "$1" --arg p "$2" --arg n "$3" --argjson pid "$P" \
			'select(.kind == $k and .path == $p and .pid == $pid and
			 ($n == "" or .new_path == $n))' "$T/$mode.json" | wc -l)
		[ "$n" = 1 ] || { cat "$T/$mode.json"; fail "$mode: want one $1 of '$2' -> '$3', got $n"; }
	}
	want file.rename "$W/a/one" "$W/a/two"
	want file.rename "$W/a" "$W/b"
	want file.create "$W/b/three" ""
	want file.create "$W/b/sub/y" ""
	want file.rename "$W/b/sub/x" "$W/b/sub/z"
	stale=$(jq -c --arg a "$W/a/" 'select((.path | startswith($a)) and .kind == "file.create" and
		(.path | test("three|/y$")))' "$T/$mode.json" | wc -l)
	[ "$stale" = 0 ] || fail "$mode: new files named by the old directory path"
	echo "$mode: ok"
done
echo "PASS: renames of files and directories, with FAN_RENAME and moved_from/to"
