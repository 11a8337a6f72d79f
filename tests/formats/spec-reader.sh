#!/usr/bin/env bash
# SPEC.md is complete enough for a second reader: spec-reader.py (written
# from the spec alone) must print a ring exactly as the C library reads it.
# The ring wraps, has partial (ping-pong) blocks, out-of-order times,
# NUL/non-UTF-8 strings and extreme integers.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
gen=${FDR_BUILD:?}/tools/gen-corpus
command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 77; }
[ -x "$gen" ] || { echo "spec-reader: $gen not built" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$gen" --ring "$tmp/ring"
"$gen" --dump "$tmp/ring" > "$tmp/c.out"
python3 "$here/spec-reader.py" "$tmp/ring" > "$tmp/py.out"
blocks=$(grep -c '^block ' "$tmp/c.out")
events=$(grep -c '^ev ' "$tmp/c.out")
[ "$blocks" -ge 4 ] && [ "$events" -ge 400 ] || { echo "too little read: $blocks blocks $events events"; exit 1; }
if ! diff -u "$tmp/c.out" "$tmp/py.out" | head -40; then :; fi
cmp -s "$tmp/c.out" "$tmp/py.out" || { echo "FAIL: the two readers differ"; exit 1; }
echo "spec-reader: $blocks blocks, $events events read identically by C and by the spec-only reader"

# Backward compatibility: a ring written by the v1.0 writer (committed, with
# its dump made by the v1.0 library) must read exactly the same with today's
# C library and with the spec-only reader.
old=$here/data/ring-v1.0
"$gen" --dump "$old.ring" > "$tmp/old-c.out"
python3 "$here/spec-reader.py" "$old.ring" > "$tmp/old-py.out"
cmp -s "$old.dump" "$tmp/old-c.out" || { diff -u "$old.dump" "$tmp/old-c.out" | head -20; echo "FAIL: the v1.0 ring reads differently"; exit 1; }
cmp -s "$old.dump" "$tmp/old-py.out" || { echo "FAIL: the spec-only reader reads the v1.0 ring differently"; exit 1; }
echo "spec-reader: the v1.0 sample ring reads identically ($(grep -c '^ev ' "$old.dump") events)"

# A v1.1 writer continues a v1.0 ring: old blocks stay readable, new ones are
# v1.1, and both readers still agree.
cp "$old.ring" "$tmp/old.ring"
"$gen" --continue "$tmp/old.ring"
"$gen" --dump "$tmp/old.ring" > "$tmp/cont-c.out"
python3 "$here/spec-reader.py" "$tmp/old.ring" > "$tmp/cont-py.out"
cmp -s "$tmp/cont-c.out" "$tmp/cont-py.out" || { echo "FAIL: the readers differ on a continued v1.0 ring"; exit 1; }
grep -q ' 85=3099$' "$tmp/cont-c.out" || { echo "FAIL: the events appended to the v1.0 ring are missing"; exit 1; }
grep -q ' 85=2999$' "$tmp/cont-c.out" || { echo "FAIL: the v1.0 ring's last events were lost"; exit 1; }
echo "spec-reader: a v1.0 ring continued by the v1.1 writer reads identically ($(grep -c '^ev ' "$tmp/cont-c.out") events)"
