#!/usr/bin/env bash
# fdr-replay learn/check end to end over rings written by the real ring
# writer (synthetic web-container activity from fdr-modelgen; the real
# container evaluation is scenarios.sh): learn on a 3-host baseline, merge
# equals learning at once, fresh normal runs stay quiet, every attack step is
# flagged, exit codes, JSON validity, parse errors with line numbers.
set -euo pipefail
bin=${FDR_BIN:?} build=${FDR_BUILD:?}
gen=$build/tools/fdr-modelgen
R=$bin/fdr-replay
[ -x "$gen" ] || { echo "SKIP: $gen not built (make tests)"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# Baseline: the same image on three hosts, 4 hours each.
for s in 1 2 3; do "$gen" "$T/base$s" web$s baseline $s 4; done
"$R" learn -o "$T/all.model" "$T/base1" "$T/base2" "$T/base3" 2>"$T/learn.err" || fail "learn"
grep -q 'settled' "$T/learn.err" || fail "no settledness summary: $(cat "$T/learn.err")"
grep -q '^section image sha256:4f1c9a' "$T/all.model" || fail "no image section"
grep -q '^spawn /usr/sbin/nginx\|^spawn - /docker-entrypoint.sh' "$T/all.model" || fail "no spawn lines"
grep -q '^create /var/cache/nginx/client_temp/\* ' "$T/all.model" || fail "cache names not generalized"
grep -q '^connect tcp api.internal 8080 ' "$T/all.model" || fail "upstream not named by DNS"
grep -q '^exec-into docker curl ' "$T/all.model" || fail "health check exec not learned"
grep -q '^rings 3$' "$T/all.model" || fail "rings count"

# Merge: per host, then united == all at once (and in any order).
for s in 1 2 3; do "$R" learn -o "$T/h$s.model" "$T/base$s" 2>/dev/null; done
"$R" learn --merge -o "$T/m123.model" "$T/h1.model" "$T/h2.model" "$T/h3.model" 2>/dev/null
"$R" learn --merge -o "$T/m31.model" "$T/h3.model" "$T/h1.model" 2>/dev/null
"$R" learn --merge -o "$T/m312.model" "$T/m31.model" "$T/h2.model" 2>/dev/null
cmp "$T/all.model" "$T/m123.model" || { diff "$T/all.model" "$T/m123.model" | head; fail "merge != learn at once"; }
cmp "$T/all.model" "$T/m312.model" || fail "merge order changes the model"

# Fresh normal runs (new pids, temp names, cache counters): no findings >= low.
for s in 4 5; do "$gen" "$T/norm$s" fresh$s normal $s 3; done
rc=0; "$R" check --model "$T/all.model" --fail-on low "$T/norm4" "$T/norm5" >"$T/normal.out" 2>"$T/normal.err" || rc=$?
[ $rc -eq 0 ] || { cat "$T/normal.out"; fail "normal runs gave findings (exit $rc)"; }
fp=$(grep -c . "$T/normal.out" || true)
echo "normal: $fp findings over 6 container-hours"

# Attack: every step flagged.
"$gen" "$T/att" victim attack 9 1 >"$T/steps"
rc=0; "$R" check --model "$T/all.model" --json "$T/att" >"$T/att.json" 2>"$T/att.err" || rc=$?
[ $rc -eq 1 ] || fail "attack check exit $rc, want 1"
jq -e . "$T/att.json" >/dev/null || fail "check --json is not JSON"
want() {	# step rule what-substring
	jq -s -e --arg r "$2" --arg w "$3" 'any(.[]; .rule == $r and (.what | contains($w)))' "$T/att.json" \
		>/dev/null && echo "step $1: flagged ($2)" || fail "step $1 not flagged as $2 '$3'"
}
want reverse-shell shell-spawn "spawn /usr/sbin/nginx /bin/sh"
want reverse-shell new-port "10.6.6.6 4444"
want downloaded-binary drift-exec "/tmp/.x"
want cron-persistence bin-write "/etc/cron.d/backdoor"
want credential-read cred-read "/etc/shadow"
want lateral new-port "172.17.0.3 22"
want lateral new-peer "172.17.0.4 8080"
want exec-into exec-into "exec-into docker sh"
jq -s -e 'any(.[]; .rule == "shell-spawn" and (.events[0].ring | endswith("att/victim.ring")))' "$T/att.json" >/dev/null \
	|| fail "finding does not name its ring"
jq -s -e 'any(.[]; .rule == "shell-spawn" and .container_name == "victim" and .image == "nginx:1.25" and .severity == "high")' \
	"$T/att.json" >/dev/null || fail "finding lacks container/image/severity"
# Each finding's events carry their block's seq and their index in it: read
# back with the ring reader, each names exactly that event (time and pid).
jq -r '.events[] | select(.seq != null) | "\(.ring) \(.seq) \(.index) \(.time) \(.pid)"' "$T/att.json" >"$T/locs"
nloc=$(grep -c . "$T/locs" || true)
nev=$(jq -s '[.[].events[]] | length' "$T/att.json")
[ "$nloc" -gt 0 ] && [ "$nloc" -eq "$nev" ] || fail "findings' events lack seq/index ($nloc of $nev)"
while read -r ring seq idx time pid; do
	got=$("$gen" at "$ring" "$seq" "$idx") || fail "no event at $ring block $seq #$idx"
	[ "${got% *}" = "$time $pid" ] || fail "block $seq #$idx is '$got', finding says '$time $pid'"
done <"$T/locs"
[ "$(awk '$3 > 0' "$T/locs" | wc -l)" -gt 0 ] || fail "every index is 0: not real positions"
loc=$(jq -r 'select(.rule == "shell-spawn") | .events[0] | "\(.ring) \(.seq) \(.index)"' "$T/att.json")
[ "$("$gen" at $loc | awk '{ print $3 }')" = proc.exec ] || fail "shell-spawn's event is not its proc.exec"
echo "events located: $nloc (block seq + index, read back with the ring reader)"
# The human form says why in words.
"$R" check --model "$T/all.model" "$T/att" >"$T/att.txt" 2>/dev/null || true
grep -q 'shell-spawn: /bin/sh started by /usr/sbin/nginx: never seen in' "$T/att.txt" || fail "human reason"

# Tuning: shell-spawn off, fail-on critical.
rc=0; "$R" check --model "$T/all.model" --severity shell-spawn=off --fail-on critical "$T/att" >"$T/t.out" 2>"$T/t.err" || rc=$?
[ $rc -eq 1 ] || fail "drift-exec is critical: exit $rc"
grep -q 'shell-spawn' "$T/t.out" && fail "shell-spawn not turned off"
grep -q '1 suppressed' "$T/t.err" || fail "suppressed count: $(cat "$T/t.err")"
printf 'drift-exec = high\n' >"$T/sev.conf"
rc=0; "$R" check --model "$T/all.model" --severity-file "$T/sev.conf" --fail-on critical "$T/att" >/dev/null 2>&1 || rc=$?
[ $rc -eq 0 ] || fail "severity file: exit $rc"
# Filters apply: only the normal container -> no findings.
rc=0; "$R" check --model "$T/all.model" --container fresh4 "$T/norm4" "$T/att" >/dev/null 2>&1 || rc=$?
[ $rc -eq 0 ] || fail "--container filter: exit $rc"

# Errors: exit 2 with a line number; usage errors.
printf 'fdr-model 1\nsection host\nspawn /a\n' >"$T/bad.model"
rc=0; "$R" check --model "$T/bad.model" "$T/att" 2>"$T/bad.err" >/dev/null || rc=$?
[ $rc -eq 2 ] || fail "bad model exit $rc"
grep -q "line 3: 'spawn' takes 2 fields, not 1" "$T/bad.err" || fail "bad model message: $(cat "$T/bad.err")"
rc=0; "$R" check --model "$T/all.model" --fail-on loud "$T/att" 2>/dev/null || rc=$?
[ $rc -eq 2 ] || fail "bad --fail-on exit $rc"
rc=0; "$R" learn "$T/att" 2>/dev/null || rc=$?
[ $rc -eq 2 ] || fail "learn without -o exit $rc"
rc=0; "$R" check --model "$T/all.model" "$T/nonexistent" 2>/dev/null >/dev/null || rc=$?
[ $rc -eq 2 ] || fail "missing ring exit $rc"
"$R" check --help >"$T/help.txt" && grep -q 'drift-exec' "$T/help.txt" || fail "check --help"
echo "PASS"
