#!/usr/bin/env bash
# The file source live, as root against the real kernel: fdr-record with the
# proc and file sources while processes in container-like cgroups
# (pids:/docker/<64 hex>, as Docker makes them) create, write, chmod, rename,
# execute and delete files whose names hold spaces, a newline and non-UTF-8
# bytes; a process in its own mount namespace chrooted into an overlay
# writes through it. Then fdr-replay reads the rings back: every kind appears
# with the exact path, the acting pid and the container; the overlay write
# shows the container's path with the host (upper dir) path beside it; the
# recorder's own ring writes never appear.
set -uo pipefail

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (fanotify, cgroups, mounts)"; exit 77; }
for p in fdr-record fdr-replay; do
	[ -x "$FDR_BIN/$p" ] || { echo "SKIP: no $FDR_BIN/$p"; exit 77; }
done
command -v jq >/dev/null || { echo "SKIP: jq not installed"; exit 77; }
CG=/sys/fs/cgroup/pids
[ -d "$CG" ] || CG=/sys/fs/cgroup/unified
[ -w "$CG/cgroup.procs" ] || { echo "SKIP: no writable cgroup hierarchy"; exit 77; }

T=$(mktemp -d /var/tmp/fdr-file-live.XXXXXX)
ID=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
CGD=$CG/docker/$ID
REC=""
MERGED=""
cleanup() {
	[ -n "$REC" ] && kill "$REC" 2>/dev/null && wait "$REC" 2>/dev/null
	[ -n "$MERGED" ] && umount "$MERGED" 2>/dev/null
	if [ -d "$CGD" ]; then
		while read -r p; do echo "$p" > "$CG/cgroup.procs"; done < "$CGD/cgroup.procs"
		rmdir "$CGD"
	fi
	rmdir "$CG/docker" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

mkdir -p "$CGD" "$T/w" "$T/rings" || fail "cannot make cgroup '$CGD'"
W=$T/w
NAME=$'sp ace\nline2 \xff\xfe.txt'
NEW=$'renamed \xe9'

"$FDR_BIN/fdr-record" -d "$T/rings" --sources proc,file --file-include "$T" \
	--file-exclude "$T/w/excluded" --flush-interval 0.2 --file-coalesce 3000 --no-sync 2> "$T/rec.log" &
REC=$!
for _ in $(seq 50); do grep -q "recording into" "$T/rec.log" && break; sleep 0.1; done
grep -q "recording into" "$T/rec.log" || { cat "$T/rec.log"; fail "recorder did not start"; }
grep -q "file: fanotify on" "$T/rec.log" || { cat "$T/rec.log"; fail "file source did not start"; }

# The container's actions, by one perl process (its pid is the actor of every
# event but the exec, which is its child's); both stay alive a moment so the
# recorder reads their cgroup before they exit.
cat > "$T/actor.pl" <<'PL'
my ($w, $name, $new, $out) = @ARGV;
sub note { open(my $f, '>', "$out/$_[0].pid") or die; print $f "$_[1]\n"; close $f; }
note('actor', $$);
mkdir("$w/d ir") or die "mkdir: $!";
open(my $f, '>', "$w/d ir/$name") or die "create: $!";
# spaced writes: the kernel would merge queued ones itself, the recorder
# must be the one folding them
for my $i (1..6) { syswrite($f, "line $i\n") or die; select(undef, undef, undef, 0.03); }
close($f);
chmod(0600, "$w/d ir/$name") or die "chmod: $!";
rename("$w/d ir/$name", "$w/d ir/$new") or die "rename: $!";
system('cp', '/bin/sleep', "$w/prog") == 0 or die "cp";
my $pid = fork() // die;
if ($pid == 0) { exec("$w/prog", '1') or die "exec: $!"; }
note('exec', $pid);
unlink("$w/d ir/$new") or die "unlink: $!";
rmdir("$w/d ir") or die "rmdir: $!";
waitpid($pid, 0);
select(undef, undef, undef, 0.5);
PL
mkdir "$T/pids"
bash -c 'echo $$ > "$1/cgroup.procs" && exec perl "$2" "$3" "$4" "$5" "$6"' _ \
	"$CGD" "$T/actor.pl" "$W" "$NAME" "$NEW" "$T/pids" || fail "actor failed"

# A host process, for contrast; and files under an excluded prefix.
mkdir -p "$W/excluded/deep" "$W/excludedx"
bash -c 'echo $$ > "$1"; echo x > "$2/host file"; echo y > "$2/excluded/deep/f";
	echo z > "$2/excludedx/kept"; sleep 0.3' _ "$T/pids/host.pid" "$W"

# Overlay: a process in its own mount namespace, chrooted into the merged
# dir, writes /etc/motd; the write lands in the upper dir.
OVL=0
mkdir -p "$T/ovl/lower/bin" "$T/ovl/lower/etc" "$T/ovl/upper" "$T/ovl/work" "$T/ovl/merged"
if command -v busybox >/dev/null && file -L "$(command -v busybox)" 2>/dev/null | grep -q static ||
   ldd "$(command -v busybox)" 2>&1 | grep -q "not a dynamic"; then
	cp "$(command -v busybox)" "$T/ovl/lower/bin/busybox"
	if mount -t overlay overlay -o "lowerdir=$T/ovl/lower,upperdir=$T/ovl/upper,workdir=$T/ovl/work" \
		"$T/ovl/merged"; then
		MERGED=$T/ovl/merged
		bash -c 'echo $$ > "$1/cgroup.procs"; exec unshare -m --propagation private \
			chroot "$2" /bin/busybox sh -c "echo \$\$ > /pid; echo hello > /etc/motd; /bin/busybox sleep 0.3"' \
			_ "$CGD" "$MERGED" || fail "overlay actor failed"
		OVL=1
		umount "$MERGED" && MERGED=""
	fi
fi
[ $OVL = 1 ] || echo "note: overlay part skipped (no static busybox or overlay mount)"

sleep 0.6
kill -TERM "$REC"; wait "$REC"; rc=$?; REC=""
[ $rc = 0 ] || { cat "$T/rec.log"; fail "fdr-record exited $rc"; }

"$FDR_BIN/fdr-replay" timeline --json "$T/rings" > "$T/all.json" || fail "fdr-replay failed"
jq -c 'select(.kind | startswith("file."))' "$T/all.json" > "$T/file.json" || fail "bad JSON"
echo "file events: $(wc -l < "$T/file.json")"

# jq turns each path into JSON text the same way for the check and the data.
j() { printf '%s' "$1" | jq -Rs .; }
has() {	# kind, pid file, container, jq condition
	local kind=$1 pid=$2 ctr=$3 cond=$4 n
	n=$(jq -c --arg k "$kind" --argjson p "$pid" --arg c "$ctr" \
		"select(.kind == \$k and .pid == \$p and .container == \$c and ($cond))" \
		"$T/file.json" | wc -l)
	[ "$n" -ge 1 ] || { echo "--- events:"; cat "$T/file.json"; fail "no $kind by pid $pid in '$ctr' with $cond"; }
}
P() { cat "$T/pids/$1.pid"; }
D=$(j "$W/d ir") F=$(j "$W/d ir/$NAME") G=$(j "$W/d ir/$NEW") X=$(j "$W/prog")

A=$(P actor)
has file.create "$A" "$ID" ".path == $D"
has file.create "$A" "$ID" ".path == $F and .comm == \"perl\""	# comm from the proc source's table
has file.modify "$A" "$ID" ".path == $F"
has file.attrib "$A" "$ID" ".path == $F"
has file.rename "$A" "$ID" ".path == $F and .new_path == $G"
has file.exec "$(P exec)" "$ID" ".path == $X"
has file.delete "$A" "$ID" ".path == $G"
has file.delete "$A" "$ID" ".path == $D"
has file.create "$(P host)" host ".path == $(j "$W/host file")"
has file.create "$(P host)" host ".path == $(j "$W/excludedx/kept")"	# a prefix ends at a /
n=$(jq -c --arg x "$W/excluded/" 'select(.path | startswith($x))' "$T/file.json" | wc -l)
[ "$n" = 0 ] || fail "$n events under --file-exclude"

# Six spaced writes by the actor to one file fold into one event with a count.
total=$(jq -s --argjson p "$A" --argjson f "$F" \
	'[.[] | select(.kind == "file.modify" and .pid == $p and .path == $f) | (.count // 1)] | add' \
	"$T/file.json")
nmod=$(jq -c --argjson p "$A" --argjson f "$F" \
	'select(.kind == "file.modify" and .pid == $p and .path == $f)' "$T/file.json" | wc -l)
echo "6 writes: $nmod modify event(s), count $total"
[ "$nmod" = 1 ] || { grep -a '"file\.' "$T/file.json" | grep -a "$A"; fail "6 writes within the fold window gave $nmod modify events"; }
[ "$total" -ge 2 ] || fail "6 spaced writes folded to count $total"

# Every event names its file fully.
bad=$(jq -c 'select((.path // .new_path) | startswith("/") | not)' "$T/file.json" | wc -l)
[ "$bad" = 0 ] || fail "$bad events without a full path"

# The recorder's own ring writes never appear.
own=$(jq -c --arg r "$T/rings" 'select((.path // "") | startswith($r))' "$T/file.json" | wc -l)
[ "$own" = 0 ] || fail "$own events about the recorder's own rings"

if [ $OVL = 1 ]; then
		op=$(cat "$T/ovl/upper/pid")
	has file.create "$op" "$ID" ".path == \"/etc/motd\" and .host_path == $(j "$T/ovl/upper/etc/motd")"
fi
echo "PASS: every file event kind with exact paths, pids and containers"
