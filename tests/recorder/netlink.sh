#!/usr/bin/env bash
# The proc source's fallback backend, the netlink proc connector with /proc
# reads (used where the eBPF capture cannot load: no BTF, old kernel, no
# CAP_BPF), forced with --proc-backend netlink and checked in the log:
# attribution and fields (attr.sh) and kill -9 in a storm (kill9.sh).
# Not storm.sh: its exactness is what the netlink race cannot promise under
# load (a few execs of processes gone before /proc was read can land in
# the wrong ring), which is why bpf is the default.
here=$(dirname "$0")
export PROC_BACKEND=netlink
bash "$here/attr.sh" || exit $?
bash "$here/kill9.sh"
