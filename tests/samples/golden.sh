#!/usr/bin/env bash
# Golden-output tests of every fdr-replay subcommand on the bundled samples
# (samples/baseline, samples/incident: real fdr-record recordings, see
# samples/README). Each line of tests/samples/TESTLIST names a test and the
# fdr-replay arguments; its stdout, stderr and exit status must equal
# tests/samples/golden/NAME.out byte for byte.
#
# When a change of output is intended (or the samples were regenerated with
# scripts/make-samples.sh), rewrite the expected files on purpose with
#   FDR_REGEN=1 tests/samples/golden.sh        (or: make golden-regen)
# and review `git diff tests/samples/golden` before committing.
# Env: FDR_BIN (programs), FDR_SAMPLES (default samples/), FDR_REGEN=1.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
bin=${FDR_BIN:-$top/bin}
samples=${FDR_SAMPLES:-$top/samples}
R=$bin/fdr-replay
regen=${FDR_REGEN:-0}
[ -x "$R" ] || { echo "FAIL: no $R (build first)"; exit 1; }
for d in baseline incident; do
	ls "$samples/$d"/*.ring >/dev/null 2>&1 || { echo "FAIL: no rings in $samples/$d"; exit 1; }
done
T=$(mktemp -d /tmp/fdr-golden.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir "$T/run"
ln -s "$samples/baseline" "$T/run/baseline"
ln -s "$samples/incident" "$T/run/incident"
cd "$T/run"
"$R" learn -o model baseline 2>"$T/learn.err" || { cat "$T/learn.err"; echo "FAIL: learn on the baseline"; exit 1; }

# run_one NAME ARGS: the test's whole result, as stored in golden/NAME.out
run_one() {
	local name=$1 args=$2 rc
	eval "set -- $args"
	"$R" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	{
		echo "# fdr-replay $args"
		cat "$T/out"
		if [ -s "$T/err" ]; then echo "# stderr"; cat "$T/err"; fi
		echo "# exit $rc"
	} >"$T/$name.out"
}

n=0 failed=0 regened=0
names=()
while read -r name args; do
	case $name in ''|'#'*) continue ;; esac
	names+=("$name")
	run_one "$name" "$args"
	n=$((n + 1))
	want=$here/golden/$name.out
	if [ "$regen" = 1 ]; then
		cmp -s "$T/$name.out" "$want" || { cp "$T/$name.out" "$want"; regened=$((regened + 1)); echo "regenerated: $name"; }
	elif [ ! -f "$want" ]; then
		echo "FAIL: $name: no golden/$name.out (FDR_REGEN=1 to create it)"
		failed=$((failed + 1))
	elif ! cmp -s "$T/$name.out" "$want"; then
		echo "FAIL: $name: output differs from golden/$name.out:"
		diff -u "$want" "$T/$name.out" | head -40
		failed=$((failed + 1))
	fi
done <"$here/TESTLIST"

# Expected files nobody produces any more are stale.
for f in "$here"/golden/*.out; do
	[ -e "$f" ] || continue
	b=$(basename "$f" .out)
	printf '%s\n' "${names[@]}" | grep -qxF "$b" && continue
	if [ "$regen" = 1 ]; then rm -f "$f"; echo "removed stale: $b"
	else echo "FAIL: golden/$b.out has no TESTLIST entry"; failed=$((failed + 1)); fi
done

# Nothing printed may name where the test ran (the recordings themselves
# hold the paths of the host they were made on: those are data).
if grep -l -e "$T" "$T"/*.out 2>/dev/null; then
	echo "FAIL: outputs above hold an absolute path of this run"; failed=$((failed + 1))
fi
if [ "$regen" = 1 ]; then
	echo "regenerated $regened of $n golden files: review git diff tests/samples/golden"
	exit 0
fi
[ "$failed" = 0 ] || { echo "FAIL: $failed of $n golden tests"; exit 1; }
echo "ok: $n golden tests"
