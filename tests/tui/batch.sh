#!/usr/bin/env bash
# fdr-tui --batch (the screen for given keys, on stdout), run under the
# sanitizers by make check: every view at 80x24, resize, exit codes, the
# export equals fdr-replay export byte for byte, hostile strings never put
# a control byte on the screen, copied rings read without root.
set -euo pipefail
bin=${FDR_BIN:?} build=${FDR_BUILD:?}
for t in fdr-ringgen fdr-tuigen; do
	[ -x "$build/tools/$t" ] || { echo "SKIP: $build/tools/$t not built (make tests)"; exit 77; }
done
T=$(mktemp -d /tmp/fdr-tui-batch-XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
U=$bin/fdr-tui

"$build/tools/fdr-ringgen" story "$T/story" >/dev/null
"$build/tools/fdr-tuigen" evil "$T/evil"

shot() { "$U" --batch "$@"; }
fits() {	# file, W, H
	[ "$(wc -l <"$1")" -eq "$3" ] || fail "$1: $(wc -l <"$1") lines, want $3"
	[ "$(awk -v w="$2" 'length($0) > w' "$1" | wc -l)" -eq 0 ] || fail "$1: a line wider than $2"
}

shot "$T/story" >"$T/s1"
fits "$T/s1" 80 24
grep -qF "[1 Containers]" "$T/s1" || fail "containers view first"
grep -qE '^>web +nginx:1.25 .* 62 p12 f24 n22 d1 +1 +0$' "$T/s1" || fail "web container row: $(grep web "$T/s1")"
grep -qE '^ host +- ' "$T/s1" || fail "host row"
grep -qF "82 events selected" "$T/s1" || fail "count"

shot --keys 2 "$T/story" >"$T/s2"
fits "$T/s2" 80 24
grep -qE '^> 10:00:00.000 host +rec.start' "$T/s2" || fail "timeline starts at the first event"
shot --keys '2G' "$T/story" >"$T/s2e"
grep -qE '^> 10:03:25.000 ' "$T/s2e" || fail "G: last event"
grep -qE '^ ~10:02:10.000 web +rec.gap' "$T/s2e" || fail "gap marked ~"
shot --keys '2G<PgUp><PgUp><PgUp><PgUp>g' "$T/story" >"$T/s2g"
cmp -s "$T/s2" "$T/s2g" || fail "g after paging differs from the first timeline screen"

shot --keys 3 "$T/story" >"$T/s3"
grep -qE '^ 10:01:40 exit 0 +\[-\] => 4100 sh$' "$T/s3" || fail "docker exec's shell linked under the client"
shot --keys '3jjj<Space>' "$T/story" >"$T/s3c"
grep -qE '^>10:01:21 exit 0 +\[\+\] 3011 -bash$' "$T/s3c" || fail "collapse"
grep -qE "3020 docker|=> 4100" "$T/s3c" && fail "collapsed children still shown"
shot --keys 4 "$T/story" >"$T/s4"
grep -qF "start fdr-tui with --model" "$T/s4" || fail "findings without a model"
shot --keys 5 "$T/story" >"$T/s5"
grep -qF "peak 6 events per bin" "$T/s5" || fail "histogram"
shot --keys '?' "$T/story" >"$T/sh"
grep -qF "== help ==" "$T/sh" || fail "help"

# pivots and history
shot --keys '2/sudo -i<Enter>p' "$T/story" >"$T/p1"
grep -qE '^>10:01:20 exit 0 +\[-\] 3010 sudo -i$' "$T/p1" || fail "pivot to the process"
shot --keys '2/sudo -i<Enter>s' "$T/story" >"$T/p2"
grep -qF "session 42" "$T/p2" || fail "pivot to the session"
grep -qE ' web ' "$T/p2" && fail "session pivot shows the web container's nginx"
shot --keys '2/4444<Enter>c<Lt><Lt>' "$T/story" >"$T/p3"
grep -qF "[2 Timeline]" "$T/p3" || fail "back to the timeline"
shot --keys '2/4444<Enter>c<Lt>>' "$T/story" >"$T/p4"
grep -qF "container 3f2a9c1e5b7d" "$T/p4" || fail "forward to the container pivot"

# resize
shot --keys '2<Resize 120x40>' "$T/story" >"$T/r"
fits "$T/r" 120 40
shot --size 20x8 --keys 2jjj "$T/story" >"$T/tiny"
fits "$T/tiny" 20 8

# errors
rc=0; "$U" --batch -e 'kind ==' "$T/story" >/dev/null 2>"$T/err" || rc=$?
[ $rc -eq 2 ] || fail "bad expression exit $rc"
grep -q "column" "$T/err" || fail "bad expression without a column"
rc=0; "$U" --batch --keys '<Nope>' "$T/story" >/dev/null 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "unknown key name exit $rc"
rc=0; "$U" --batch "$T/nothing" >/dev/null 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "missing rings exit $rc"
rc=0; "$U" </dev/null "$T/story" >/dev/null 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "no terminal exit $rc"
shot --keys '2fkind ==<Enter>' "$T/story" >"$T/bad"
grep -qF "bad filter at column" "$T/bad" || fail "bad filter typed in the TUI"

# export: the same bytes as fdr-replay export
for fmt in csv jsonl timesketch; do
	shot --keys "2fkind ~ \"net.*\"<Enter>x<BS><BS><BS><BS><BS><BS>$fmt $T/out.$fmt<Enter>" "$T/story" >"$T/x"
	grep -qF "exported 22 events" "$T/x" || fail "export $fmt: $(tail -2 "$T/x")"
	"$bin/fdr-replay" export --format "$fmt" -e 'kind ~ "net.*"' "$T/story" >"$T/ref.$fmt"
	cmp "$T/out.$fmt" "$T/ref.$fmt" || fail "export $fmt differs from fdr-replay export"
done
shot --keys "x<BS><BS><BS><BS><BS><BS>jsonl $T/out.jsonl<Enter>" "$T/story" >"$T/x"
grep -qF "File exists" "$T/x" || fail "export overwrote a file"

# hostile strings: no control byte on the screen, escaped text instead
for keys in '' '<Enter>' '<Enter><Enter>' '<Enter>j<Enter>' '<Enter>jj<Enter>' '3' '3<Enter>' '5'; do
	shot --keys "$keys" "$T/evil" >"$T/e"
	LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]' "$T/e" && fail "control byte on screen for keys '$keys'"
	LC_ALL=C grep -q $'\xc2[\x80-\x9f]' "$T/e" && fail "C1 control on screen for keys '$keys'"
	LC_ALL=C grep -q $'\x9b' "$T/e" && fail "raw CSI byte on screen for keys '$keys'"
done
shot --keys '<Enter>j<Enter>' "$T/evil" >"$T/e"
grep -qF 'path: /tmp/\x1b[31mEVILFILE\x1b[0m\r\n' "$T/e" || fail "escaped path in the detail"
shot --keys '<Enter><Enter>' "$T/evil" >"$T/e"
grep -qF 'argv: ["sh", "-c", "echo \x1b[31mRED\x1b[0m\x9b2J"]' "$T/e" || fail "escaped argv"

# copied rings, read as an unprivileged user
if id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
	cp -r "$T/story" "$T/copy"
	chmod -R a+rX "$T"
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$U" --batch --keys 2 "$T/copy" >"$T/nr" ||
		fail "unprivileged read"
	grep -qF "rec.start" "$T/nr" || fail "unprivileged timeline"
fi
echo PASS
