#!/usr/bin/env bash
# Bad input: a DIR that is not a directory, a DIR writable by others, a DIR
# on a read-only file system, a DIR full of garbage files, a ring of another
# format version, and a full disk (small tmpfs). Each gives a clear message,
# no crash, and nothing already written is damaged.
. "$(dirname "$0")/lib.sh"

# expect_fail NAME EXIT PATTERN ARGS...: fdr-record must exit EXIT quickly with
# a message matching PATTERN.
expect_fail() {
	local name=$1 want=$2 pat=$3 rc
	shift 3
	timeout 10 "$REC" "$@" --duration 2 >"$T/out" 2>&1
	rc=$?
	cat "$T/out"
	[ $rc = "$want" ] || fail "$name: exit $rc, want $want"
	grep -q -- "$pat" "$T/out" || fail "$name: message does not say '$pat'"
	ok "$name"
}

# --help lists the core's and every source's options; --version
"$REC" --help >"$T/help" || fail "--help failed"
for o in --dir --sources --ring-size --block-size --flush-interval --disk-budget --duration \
	--config --exec-audit; do
	grep -q -- "$o" "$T/help" || fail "--help does not list $o"
done
"$REC" --version | grep -c '^fdr-record [0-9]' >/dev/null || fail "--version"
# a config file sets core and source options alike
mkdir -m 0700 "$T/cfg"
printf '[recorder]\ndir = %s\nring-size = 1M\nexec-audit = no\nduration = 0.3\n' "$T/cfg" >"$T/ok.conf"
"$REC" --config "$T/ok.conf" >"$T/out" 2>&1 || { cat "$T/out"; fail "config file run failed"; }
[ "$(stat -c %s "$T/cfg/host.ring")" = 1048576 ] || fail "ring-size from the config file not used"
ok "--help, --version, config file"

# not a directory
echo x >"$T/file"
expect_fail "DIR is a file" 1 "is not a directory" -d "$T/file"
# writable by others
mkdir -m 0777 "$T/open"
chmod 0777 "$T/open"
expect_fail "DIR writable by others" 1 "writable by others" -d "$T/open"
[ -z "$(ls -A "$T/open")" ] || fail "files were created in a refused DIR"
# read-only file system
mkdir "$T/ro"
mount -t tmpfs -o ro,mode=0700 none "$T/ro" || skip "cannot mount tmpfs"
at_exit "umount -l $T/ro"
expect_fail "read-only DIR" 1 "Read-only file system" -d "$T/ro"
# bad options
expect_fail "bad size" 2 "invalid --ring-size" -d "$T/x" --ring-size 12Q
expect_fail "unknown source" 2 "unknown source 'nosuch'" -d "$T/x" --sources nosuch
printf 'ring-size = 8M\nbogus = 1\n' >"$T/bad.conf"
expect_fail "bad config" 2 "bad.conf:2: unknown option 'bogus'" -d "$T/x" --config "$T/bad.conf"

# garbage files and a ring of another version in the DIR
D=$T/rings
mkdir -m 0700 "$D"
head -c 100000 /dev/urandom >"$D/garbage.ring"
head -c 5000 /dev/urandom >"$D/notes.txt"
: >"$D/empty.ring"
mkdir "$D/dir.ring"
ln -s /etc/passwd "$D/link.ring"
# a valid ring, then made a newer major version (offset 8 of both header copies)
"$REC" -d "$D" --duration 0.5 --ring-size 1M >"$T/out" 2>&1 || { cat "$T/out"; fail "first run failed"; }
printf '\x09\x00' | dd of="$D/host.ring" bs=1 seek=8 conv=notrunc status=none
printf '\x09\x00' | dd of="$D/host.ring" bs=1 seek=4104 conv=notrunc status=none
sha256sum "$D"/garbage.ring "$D"/notes.txt "$D"/empty.ring "$D"/host.ring >"$T/sums"
start_recorder "$D" --ring-size 1M --flush-interval 0.2
/bin/sh -c "sleep 0.1" after-garbage
sleep 0.5
stop_recorder
cat "$T/rec.log"
grep -q "host.ring' is not usable" "$T/rec.log" || fail "no message about the newer-version host.ring"
sha256sum -c --quiet "$T/sums" || fail "a file that is not ours was modified"
[ -d "$D/dir.ring" ] && [ -L "$D/link.ring" ] || fail "dir.ring or link.ring was touched"
"$REPLAY" timeline --json "$D/host.1.ring" | grep -c after-garbage >/dev/null ||
	fail "events did not go to host.1.ring"
ok "garbage and newer-version files left alone, recording went on in host.1.ring"

# a full disk: room for the host ring only
F=$T/full
mkdir "$F"
mount -t tmpfs -o size=1500k,mode=0700 none "$F" || skip "cannot mount tmpfs"
at_exit "umount -l $F"
CG=/sys/fs/cgroup/pids
ID=$(hexid)
mkdir -p "$CG/docker/$ID" || fail "cannot create cgroup"
at_exit "rmdir $CG/docker/$ID"
start_recorder "$F" --ring-size 1M --block-size 64K --flush-interval 0.2 --disk-budget 0
bash -c 'echo $$ > "$1/cgroup.procs"; exec /bin/sh -c "sleep 0.1" full-disk-marker' _ "$CG/docker/$ID"
/bin/sh -c "sleep 0.1" host-after-full
sleep 0.5
stop_recorder
cat "$T/rec.log"
grep -q "cannot create ring '$F/docker-${ID:0:12}.ring': No space left on device" "$T/rec.log" ||
	fail "no clear message about the full disk"
"$REPLAY" verify "$F/host.ring" || fail "host.ring damaged on a full disk"
"$REPLAY" timeline --json "$F/host.ring" >"$T/ev.json"
[ -n "${FDR_KEEP:-}" ] && cp "$T/ev.json" "$FDR_KEEP" && ls -la "$F" >>"$FDR_KEEP"
grep -q host-after-full "$T/ev.json" || fail "host events lost on a full disk"
jq -r 'select(.argv[-1]? == "full-disk-marker") | .target_container' "$T/ev.json" |
	grep -cx "$ID" >/dev/null || fail "the container's events are not kept in host.ring"
ok "full disk: clear message, host ring intact, container events kept in host.ring"
exit 0
