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
# The headline figures use the host-like mix (gen_host_event(), modeled on
# a real recording: per 7000 events of a busy host recorded by fdr-record,
# 52% proc fork/exec/exit, 33% file.exec, 12% other file events, 2% net;
# 22 distinct exe, 15% distinct argv, 5% distinct paths). The tests' mix
# (gen_event(): 25% net, 20% audit, ~70% of argv and paths unique in a
# block) follows with its names suffixed _gen_mix, as a stress case.
taskset -c 0 "$bin" "${FDR_BENCH_EVENTS:-2000000}" "$dir"
FDR_BENCH_MIX=gen taskset -c 0 "$bin" "${FDR_BENCH_EVENTS:-2000000}" "$dir" |
	sed 's/^\([a-z0-9_]*\) /\1_gen_mix /'
