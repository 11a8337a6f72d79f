#!/usr/bin/env bash
# File source storm: one process creates, writes and deletes N files (100,000
# by default, FDR_BENCH_FILES to change), once under fdr-record (file source
# only) and once under fatrace, in this same run. Prints recorder CPU per
# storm event, events lost, and the share of storm events that carry the
# file's full path, for both. Root only (fanotify).
set -uo pipefail

N=${FDR_BENCH_FILES:-100000}
[ "$(id -u)" = 0 ] || { echo "# file.sh: skipped, needs root"; exit 0; }
T=$(mktemp -d /var/tmp/fdr-bench-file.XXXXXX)
PID=""
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
TCK=$(getconf CLK_TCK)

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# storm DIR PIDFILE: N x (create, write, close, unlink), by one perl process.
storm() {
	mkdir -p "$1"
	perl -e 'my ($d, $n, $pf) = @ARGV;
		open(my $p, ">", $pf) or die; print $p "$$\n"; close $p;
		for my $i (0 .. $n - 1) {
			open(my $f, ">", "$d/f$i") or die "$d/f$i: $!";
			print $f "x"; close $f; unlink "$d/f$i" or die;
		}' "$1" "$N" "$2"
}

# ---- fdr-record -----------------------------------------------------------
S=$T/storm-fdr
"$FDR_BIN/fdr-record" -d "$T/rings" --sources file --ring-size 512M --no-sync \
	2> "$T/rec.log" &
PID=$!
for _ in $(seq 100); do grep -q "recording into" "$T/rec.log" && break; sleep 0.1; done
start=$(date +%s.%N)
storm "$S" "$T/storm-fdr.pid"
end=$(date +%s.%N)
sleep 2		# let it drain and fold
ticks=$(cpu_ticks "$PID")
kill -TERM "$PID"; wait "$PID"; PID=""
SP=$(cat "$T/storm-fdr.pid")
"$FDR_BIN/fdr-replay" timeline --json "$T/rings" > "$T/fdr.json"
jq -r --argjson p "$SP" 'select(.pid == $p and (.kind | startswith("file."))) |
	[.kind, (.path // "")] | @tsv' "$T/fdr.json" > "$T/fdr.tsv"
total=$(wc -l < "$T/fdr.tsv")
named=$(grep -cE "	$S/f[0-9]+\$" "$T/fdr.tsv")
creates=$(grep -cE "^file\.create	$S/f[0-9]+\$" "$T/fdr.tsv")
deletes=$(grep -cE "^file\.delete	$S/f[0-9]+\$" "$T/fdr.tsv")
modifies=$(grep -cE "^file\.modify	$S/f[0-9]+\$" "$T/fdr.tsv")
gaps=$(jq -c 'select(.kind == "rec.gap" and .source == "file")' "$T/fdr.json" | wc -l)
expect=$((3 * N))
lost=$(( expect - creates - deletes - modifies ))
[ $lost -lt 0 ] && lost=0
awk -v t="$ticks" -v hz="$TCK" -v n="$total" -v s="$start" -v e="$end" -v N="$N" 'BEGIN {
	printf "file.storm.files %d files\n", N
	printf "file.storm.seconds %.2f s\n", e - s
	printf "file.fdr.events %d events\n", n
	printf "file.fdr.cpu %.2f s\n", t / hz
	printf "file.fdr.cpu_per_event %.2f us\n", n ? t / hz * 1e6 / n : 0
	printf "file.fdr.cpu_per_file %.2f us\n", t / hz * 1e6 / N
}'
echo "file.fdr.lost $lost events"
echo "file.fdr.gap_events $gaps events"
awk -v a="$named" -v b="$total" 'BEGIN { printf "file.fdr.named %.1f %%\n", b ? 100 * a / b : 0 }'
grep "file:" "$T/rec.log" | sed 's/^/# /'

# ---- fatrace ----------------------------------------------------------------
if ! command -v fatrace >/dev/null; then
	echo "# fatrace not installed (apt-get install fatrace): no peer figures"
	exit 0
fi
S=$T/storm-fat
# In a subshell whose `times` gives fatrace's CPU even if it exits early.
( fatrace -o "$T/fatrace.txt" 2> "$T/fat.log" & echo $! > "$T/fat.pid"; wait; times > "$T/fat.times" ) &
WRAP=$!
sleep 1
PID=$(cat "$T/fat.pid")
start=$(date +%s.%N)
storm "$S" "$T/storm-fat.pid"
end=$(date +%s.%N)
sleep 2
kill -0 "$PID" 2>/dev/null || echo "# fatrace exited during the storm: $(head -c 200 "$T/fat.log")"
kill -INT "$PID" 2>/dev/null; wait "$WRAP"; PID=""
# second line of `times`: children's user and system time, "0m1.234s 0m5.678s"
ticks=$(sed -n 2p "$T/fat.times" | awk -v hz="$TCK" '{
	split($1, u, /[ms]/); split($2, s, /[ms]/); printf "%d", (u[1] * 60 + u[2] + s[1] * 60 + s[2]) * hz }')
SP=$(cat "$T/storm-fat.pid")
grep -a "($SP): " "$T/fatrace.txt" > "$T/fat.storm"
total=$(wc -l < "$T/fat.storm")
named=$(grep -caE " $S/f[0-9]+\$" "$T/fat.storm")
awk -v t="$ticks" -v hz="$TCK" -v n="$total" -v s="$start" -v e="$end" -v N="$N" 'BEGIN {
	printf "file.fatrace.storm_seconds %.2f s\n", e - s
	printf "file.fatrace.events %d events\n", n
	printf "file.fatrace.cpu %.2f s\n", t / hz
	printf "file.fatrace.cpu_per_event %.2f us\n", n ? t / hz * 1e6 / n : 0
	printf "file.fatrace.cpu_per_file %.2f us\n", t / hz * 1e6 / N
}'
awk -v a="$named" -v b="$total" 'BEGIN { printf "file.fatrace.named %.1f %%\n", b ? 100 * a / b : 0 }'
