#!/usr/bin/env bash
# make demo: the main job on the bundled samples, told as a responder would
# want to read it: what was recorded, who came in and everything they caused
# (ssh login -> sudo -> docker exec -> the container's process tree), the
# interesting slice of the timeline, then what the learned model flags.
#
# The samples are real fdr-record recordings (scripts/make-samples.sh,
# samples/README): samples/baseline (normal service) and samples/incident.
# Env: FDR_BIN (programs, default bin/), FDR_SAMPLES (default samples/),
# FDR_DEMO_COLOR=0|1 (default: when stdout is a terminal).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${FDR_BIN:-$top/bin}
samples=${FDR_SAMPLES:-$top/samples}
R=$bin/fdr-replay
[ -x "$R" ] || { echo "demo: $R is not built (make)" >&2; exit 1; }
for d in baseline incident; do
	ls "$samples/$d"/*.ring >/dev/null 2>&1 || { echo "demo: no rings in $samples/$d (scripts/make-samples.sh)" >&2; exit 1; }
done
command -v jq >/dev/null || { echo "demo: needs jq (scripts/install-deps.sh)" >&2; exit 1; }
color=${FDR_DEMO_COLOR:-$([ -t 1 ] && echo 1 || echo 0)}
tmp=$(mktemp -d /tmp/fdr-demo.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# Short relative paths in every output (baseline/..., incident/..., model).
ln -s "$samples/baseline" "$tmp/baseline"
ln -s "$samples/incident" "$tmp/incident"
cd "$tmp"

section() {
	if [ "$color" = 1 ]; then printf '\n\033[1m== %s\033[0m\n' "$1"; else printf '\n== %s\n' "$1"; fi
}
note() { printf '   %s\n' "$@"; }
run() {	# show the command as one would type it, then run it
	local a line="$ fdr-replay"
	for a in "$@"; do
		case $a in
		*\'*) line+=" $(printf %q "$a")" ;;
		*[!A-Za-z0-9_./:=,-]*) line+=" '$a'" ;;
		*) line+=" $a" ;;
		esac
	done
	if [ "$color" = 1 ]; then printf '\033[2m%s\033[0m\n' "$line"; else printf '%s\n' "$line"; fi
	"$R" "$@"
}

echo "fdr demo: a web service container, an intruder, and what the flight recorder kept."
echo "Recordings: $(basename "$samples")/baseline (normal service) and $(basename "$samples")/incident,"
echo "made by fdr-record on a real host (scripts/make-samples.sh; samples/README)."

section "1. What was recorded"
"$R" info --json baseline incident >"$tmp/info.jsonl"
jq -r '[.path, (.container_name // "" | if . == "" then "host" else . end), (if .image == "" then "-" else .image end),
	(.events | tostring), (.first[11:19] + ".." + .last[11:19]), (.gaps | tostring), (.damaged_blocks | tostring)] | @tsv' \
	"$tmp/info.jsonl" | { printf 'RING\tCONTAINER\tIMAGE\tEVENTS\tTIME (UTC)\tGAPS\tDAMAGED\n'; cat; } |
	awk -F '\t' '{ for (i = 1; i <= NF; i++) { c[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) } n = NF }
		END { for (r = 1; r <= NR; r++) { l = ""; for (i = 1; i <= n; i++) l = l (i < n ? sprintf("%-" w[i] "s  ", c[r, i]) : c[r, i]); print l } }'
note "(fdr-replay info --json; per-ring details with: fdr-replay info RINGS)"

# Where the story starts: the first ssh login attempt of the incident.
"$R" timeline --json --kind ssh.login incident >"$tmp/logins.jsonl"
first=$(jq -r -s 'map(.time) | min // empty' "$tmp/logins.jsonl")
user=$(jq -r -s 'map(select(.result == "success")) | .[0].user // empty' "$tmp/logins.jsonl")
[ -n "$first" ] && [ -n "$user" ] || { echo "demo: no ssh login in the incident recording" >&2; exit 1; }
since=$(jq -rn --arg t "$first" '$t[0:19] + "Z" | fromdateiso8601 - 2 | todate')

section "2. Who came in, and everything they caused"
note "The ssh login, through sudo and docker exec, into the container's process tree."
note "(proc.uid events left out: sudo and sshd change uids a dozen times each)"
run sessions -e 'kind != "proc.uid"' incident

section "3. The interesting slice of the timeline"
note "Logins, sudo, docker exec, and what happened inside the web container, from"
note "the first login attempt on (the client's regular page fetches left out)."
run timeline --since "$since" -e 'kind ~ "ssh.*" || kind == "sudo.cmd" || kind ~ "docker.exec*" ||
	(container.name == "web" && (kind == "proc.exec" || kind ~ "file.*" || kind == "net.connect"))' incident

section "4. What the model says"
note "Learn each image's normal behaviour from the baseline recording..."
run learn -o model baseline 2>&1
note "" "...and check the incident against it: first the containers of the image,"
set +e
run check --model model --image 'local/shop*' incident 2>&1
rc_img=$?
note "" "then what the intruder's user did on the host:"
run check --model model --user "$user" incident 2>&1
rc_user=$?
set -e
note "" "exit status $rc_img and $rc_user: 1 = findings at or above --fail-on (default medium)."
note "The host's own model is left out here: its 70 s baseline is far too short for a" \
	"busy build machine (learn reports it 'not settled'), so everything else the" \
	"host did is new to it. Try: fdr-replay check --model MODEL samples/incident"
[ "$rc_img" = 1 ] && [ "$rc_user" = 1 ] || { echo "demo: the model did not flag the intrusion" >&2; exit 1; }

section "5. The same for a responder, interactively (fdr-tui; its first screen)"
if [ -x "$bin/fdr-tui" ]; then
	"$bin/fdr-tui" --batch --size 100x14 incident
	note "Explore: fdr-replay learn -o model samples/baseline &&" \
		"         fdr-tui --model model samples/incident" \
		"(? for keys; 2 timeline, 3 process tree, 4 findings)"
	if [ -t 0 ] && [ -t 1 ] && [ "${FDR_DEMO_TUI:-ask}" != no ]; then
		read -r -p "Open fdr-tui on the incident now? [y/N] " answer
		[ "$answer" = y ] && "$bin/fdr-tui" --model model incident
	fi
fi
