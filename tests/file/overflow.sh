#!/usr/bin/env bash
# A fanotify queue overflow becomes a rec.gap of source "file", and recording
# goes on after it. The recorder's group gets a queue of 128 events (the
# fs.fanotify.max_queued_events sysctl is read when a group is made, and is
# restored at once), the recorder is stopped (SIGSTOP) while one process
# creates 1,000 files, then resumed.
set -uo pipefail

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (fanotify)"; exit 77; }
for p in fdr-record fdr-replay; do
	[ -x "$FDR_BIN/$p" ] || { echo "SKIP: no $FDR_BIN/$p"; exit 77; }
done
command -v jq >/dev/null || { echo "SKIP: jq not installed"; exit 77; }
SYSCTL=/proc/sys/fs/fanotify/max_queued_events
[ -w "$SYSCTL" ] || { echo "SKIP: cannot set $SYSCTL"; exit 77; }

T=$(mktemp -d /var/tmp/fdr-file-ovf.XXXXXX)
OLD=$(cat "$SYSCTL")
REC=""
cleanup() {
	echo "$OLD" > "$SYSCTL"
	if [ -n "$REC" ]; then kill -CONT "$REC" 2>/dev/null; kill "$REC" 2>/dev/null; wait "$REC" 2>/dev/null; fi
	[ -n "${KEEP:-}" ] && { echo "kept $T"; return; }; rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
mkdir -p "$T/w"

echo 128 > "$SYSCTL"
"$FDR_BIN/fdr-record" -d "$T/rings" --sources file --file-include "$T/w" --no-sync \
	--flush-interval 0.2 2> "$T/rec.log" &
REC=$!
for _ in $(seq 50); do grep -q "recording into" "$T/rec.log" && break; sleep 0.1; done
echo "$OLD" > "$SYSCTL"
grep -q "recording into" "$T/rec.log" || { cat "$T/rec.log"; fail "recorder did not start"; }

kill -STOP "$REC"
perl -e 'for my $i (1 .. 1000) { open(my $f, ">", "$ARGV[0]/f$i") or die; }' "$T/w"
kill -CONT "$REC"
sleep 0.5
echo after > "$T/w/after the gap"
sleep 0.6
kill -TERM "$REC"; wait "$REC"; rc=$?; REC=""
[ $rc = 0 ] || { cat "$T/rec.log"; fail "fdr-record exited $rc"; }

"$FDR_BIN/fdr-replay" timeline --json "$T/rings" > "$T/all.json" || fail "fdr-replay failed"
gap=$(jq -c 'select(.kind == "rec.gap" and .source == "file")' "$T/all.json")
echo "gap: $gap"
[ -n "$gap" ] || { cat "$T/rec.log"; fail "no rec.gap for the file source"; }
ok=$(echo "$gap" | jq -c 'select(.lost >= 1 and .from < .to)' | wc -l)
[ "$ok" -ge 1 ] || fail "gap without lost >= 1 and a time span"
n=$(jq -c 'select(.kind == "file.create")' "$T/all.json" | wc -l)
echo "creates kept: $n of 1000 (+1 after)"
[ "$n" -lt 1001 ] || fail "no events were lost: the overflow did not happen"
n=$(jq -c --arg p "$T/w/after the gap" 'select(.kind == "file.create" and .path == $p)' \
	"$T/all.json" | wc -l)
[ "$n" = 1 ] || fail "nothing recorded after the gap"
echo "PASS: overflow reported as a gap, recording went on"
