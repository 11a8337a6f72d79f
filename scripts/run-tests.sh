#!/usr/bin/env bash
# Run fdr's tests and print one line per test and a closing
# "N passed, N failed, N skipped" line.
#   --unit "BINS"     cmocka test programs
#   --fuzz "BINS"     fuzz replayers, each over tests/fuzz/corpus/<name>/
#   --script "FILES"  shell tests (exit 0 pass, 77 skip with a reason on stdout)
#   --valgrind        run the fuzz replayers under valgrind instead
# Logs go to $FDR_BUILD/test-logs/. FDR_TEST_FILTER=glob runs a subset.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
logs=${FDR_BUILD:-$top/build}/test-logs
mkdir -p "$logs"
unit="" fuzz="" script="" valgrind=0
while [ $# -gt 0 ]; do
	case "$1" in
	--unit) unit=$2; shift 2 ;;
	--fuzz) fuzz=$2; shift 2 ;;
	--script) script=$2; shift 2 ;;
	--valgrind) valgrind=1; shift ;;
	*) echo "run-tests: unknown option '$1'" >&2; exit 2 ;;
	esac
done

pass=0 fail=0 skip=0
failed=()

run_one() {	# name, command...
	local name=$1 log rc start
	shift
	case "$name" in ${FDR_TEST_FILTER:-*}) ;; *) return ;; esac
	log=$logs/$(echo "$name" | tr '/ ' '__').log
	start=$(date +%s)
	(cd "$top" && timeout --kill-after=10 1200 "$@") >"$log" 2>&1 </dev/null
	rc=$?
	local secs=$(( $(date +%s) - start ))
	if [ $rc -eq 0 ]; then
		pass=$((pass + 1))
		printf 'PASS  %-40s %4ss\n' "$name" "$secs"
	elif [ $rc -eq 77 ]; then
		skip=$((skip + 1))
		printf 'SKIP  %-40s %s\n' "$name" "$(grep -m1 -i 'skip' "$log" | cut -c1-120)"
	else
		fail=$((fail + 1))
		failed+=("$name")
		printf 'FAIL  %-40s %4ss (exit %d, log %s)\n' "$name" "$secs" "$rc" "$log"
		tail -n 40 "$log" | sed 's/^/      | /'
	fi
}

for t in $unit; do
	run_one "unit/$(basename "$t")" "$t"
done
for f in $fuzz; do
	name=$(basename "$f")
	corpus=$top/tests/fuzz/corpus/$name
	if [ ! -d "$corpus" ]; then
		fail=$((fail + 1)); failed+=("fuzz/$name")
		echo "FAIL  fuzz/$name: no corpus at $corpus"
		continue
	fi
	if [ $valgrind = 1 ]; then
		run_one "valgrind/$name" valgrind -q --error-exitcode=1 --leak-check=full \
			--errors-for-leak-kinds=definite "$f" "$corpus"
	else
		run_one "fuzz/$name" "$f" "$corpus"
	fi
done
for s in $script; do
	run_one "script/${s#tests/}" bash "$s"
done

echo
[ ${#failed[@]} -gt 0 ] && echo "failed: ${failed[*]}"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
