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
# PROC_BACKEND=bpf|netlink (env) forces the proc source's backend, and the
# log must then say it is the one in use.
start_recorder() {
	local dir=$1
	shift
	"$REC" -d "$dir" ${PROC_BACKEND:+--proc-backend "$PROC_BACKEND"} "$@" >"$T/rec.log" 2>&1 &
	REC_PID=$!
	at_exit "kill -9 $REC_PID; wait $REC_PID"
	for _ in $(seq 100); do
		if grep -q 'recording into' "$T/rec.log" 2>/dev/null; then
			grep -o 'proc: backend [a-z]*' "$T/rec.log" | head -n 1
			[ -z "${PROC_BACKEND:-}" ] ||
				grep -q "proc: backend $PROC_BACKEND" "$T/rec.log" ||
				{ cat "$T/rec.log"; fail "proc backend is not $PROC_BACKEND"; }
			return 0
		fi
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

# wait_until SECS CMD...: poll CMD every 0.05 s until it succeeds or SECS pass
# (a loaded machine, or a sanitizer build, may take longer than a fixed sleep).
wait_until() {
	local secs=$1 i
	shift
	for ((i = 0; i < secs * 20; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	"$@"
}

hexid() {	# 64 random hex digits
	od -An -N32 -tx1 /dev/urandom | tr -d ' \n'
}
