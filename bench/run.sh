#!/usr/bin/env bash
# Run every benchmark script given; each prints "name value unit" lines.
set -uo pipefail
rc=0
for b in "$@"; do
	echo "# $b"
	bash "$b" || { echo "# $b failed" >&2; rc=1; }
done
exit $rc
