# Shared helpers of the recorder's script tests (sourced, not run).
# Each test: T=$(mktemp -d), a cleanup function registered with at_exit,
# start_recorder DIR [ARGS], stop_recorder, events DIR (JSON lines).

set -uo pipefail

: "${FDR_BIN:?FDR_BIN must point to the programs}"
REC=$FDR_BIN/fdr-record
REPLAY=$FDR_BIN/fdr-replay

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
ok() { echo "ok: $*"; }

[ "$(id -u)" = 0 ] || skip "needs root (proc connector, cgroups)"
command -v jq >/dev/null || skip "jq is not installed (scripts/install-deps.sh)"
[ -x "$REPLAY" ] || skip "fdr-replay is not built"

T=$(mktemp -d /tmp/fdr-rectest.XXXXXX)
chmod 0700 "$T"
_cleanups=()
at_exit() { _cleanups+=("$*"); }
_run_cleanups() {
	local i
	for ((i = ${#_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_cleanups[$i]}" >/dev/null 2>&1 || true
	done
	rm -rf "$T"
}
trap _run_cleanups EXIT
trap 'exit 130' INT TERM

REC_PID=
# start_recorder DIR [ARGS...]: run fdr-record in the background, log in $T/rec.log,
# and wait until it has written rec.start (its host ring exists and it logged).
start_recorder() {
	local dir=$1
	shift
	"$REC" -d "$dir" "$@" >"$T/rec.log" 2>&1 &
	REC_PID=$!
	at_exit "kill -9 $REC_PID"
	for _ in $(seq 100); do
		grep -q 'recording into' "$T/rec.log" 2>/dev/null && return 0
		kill -0 "$REC_PID" 2>/dev/null || { cat "$T/rec.log"; fail "fdr-record exited at start"; }
		sleep 0.1
	done
	cat "$T/rec.log"
	fail "fdr-record did not start"
}

# stop_recorder: SIGTERM, and its exit status must be 0.
stop_recorder() {
	local rc
	kill -TERM "$REC_PID"
	wait "$REC_PID"
	rc=$?
	[ $rc = 0 ] || { cat "$T/rec.log"; fail "fdr-record exited $rc on SIGTERM"; }
}

# events DIR: every event of every ring in DIR as JSON lines.
events() {
	"$REPLAY" timeline --json "$1"
}

hexid() {	# 64 random hex digits
	od -An -N32 -tx1 /dev/urandom | tr -d ' \n'
}

# Test cgroups. Every cgroup a test creates is listed in a ledger first, so
# one left behind by a test that was killed (SIGKILL skips traps) is removed
# by the next test that starts; cleanup kills what is still inside (a spawner
# killed at exit can leave a child for a moment) and retries the rmdir.
CG_LEDGER=/run/fdr-rectest-cgroups
cg_rmdir() {	# DIR
	local d=$1 i p
	[ -d "$d" ] || return 0
	for i in $(seq 50); do
		for p in $(cat "$d/cgroup.procs" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		rmdir "$d" 2>/dev/null && return 0
		[ -d "$d" ] || return 0
		sleep 0.1
	done
	echo "WARNING: cannot remove cgroup $d" >&2
	return 1
}
cg_sweep() {	# remove cgroups of earlier tests that are gone
	local d keep=() pid
	[ -f "$CG_LEDGER" ] || return 0
	exec 9>>"$CG_LEDGER.lock"
	flock 9
	while read -r pid d; do
		if kill -0 "$pid" 2>/dev/null; then keep+=("$pid $d"); continue; fi
		cg_rmdir "$d" >/dev/null 2>&1 || keep+=("$pid $d")
	done <"$CG_LEDGER"
	printf '%s\n' "${keep[@]}" | grep . >"$CG_LEDGER.new"
	mv "$CG_LEDGER.new" "$CG_LEDGER"
	flock -u 9
	exec 9>&-
}
# cg_make DIR: create DIR (and missing parents), listed in the ledger under
# this test's pid, removed (deepest first) at exit.
cg_make() {
	local d=$1 p=$1 made=() i
	while [ ! -d "$p" ]; do made+=("$p"); p=$(dirname "$p"); done
	for ((i = ${#made[@]} - 1; i >= 0; i--)); do echo "$$ ${made[$i]}" >>"$CG_LEDGER"; done
	mkdir -p "$d" || return 1
	for ((i = ${#made[@]} - 1; i >= 0; i--)); do at_exit "cg_rmdir '${made[$i]}'"; done
}
cg_forget() {	# this test's entries out of the ledger (its cleanups ran)
	[ -f "$CG_LEDGER" ] || return 0
	(flock 9; grep -v "^$$ " "$CG_LEDGER" >"$CG_LEDGER.new"; mv "$CG_LEDGER.new" "$CG_LEDGER") \
		9>>"$CG_LEDGER.lock"
}
at_exit cg_forget	# first registered: runs last
cg_sweep
