#!/usr/bin/env bash
# The proc source's fallback backend, the netlink proc connector with /proc
# reads (used where the eBPF capture cannot load: no BTF, old kernel, no
# CAP_BPF): attribution and fields (attr.sh) and a smaller storm (storm.sh,
# with --exec-audit for the argv of processes gone before /proc is read),
# with --proc-backend netlink forced and checked in the log.
here=$(dirname "$0")
export PROC_BACKEND=netlink
bash "$here/attr.sh" || exit $?
STORM_N=${STORM_N:-1500} bash "$here/storm.sh"
