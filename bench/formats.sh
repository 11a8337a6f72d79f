#!/usr/bin/env bash
# Ring format figures: encode+compress ns/event, disk bytes/event (slot slack
# included), decode events/s on one core and its ratio to raw LZ4 decompression.
# Goals (issue 2): <= 250 ns/event, <= 16 bytes/event, >= 20 M events/s.
# FDR_BENCH_RING=PATH: take the events of a real recording (a ring written
# by fdr-record) instead of the synthetic mix of tests/formats/gen.h.
set -euo pipefail
bin=${FDR_BUILD:-build/bench}/bench/formats-bench
[ -x "$bin" ] || { echo "formats.sh: $bin not built" >&2; exit 1; }
dir=/dev/shm
[ -w "$dir" ] || dir=/tmp
# One core: the decode figure is per core.
exec taskset -c 0 "$bin" "${FDR_BENCH_EVENTS:-2000000}" "$dir"
