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
