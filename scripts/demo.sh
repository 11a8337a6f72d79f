#!/usr/bin/env bash
# make demo: the main job on the bundled samples: the sample intrusion's story.
# Uses the real recordings in samples/ when present; until they exist, a
# synthetic recording of the same scenario written by fdr-ringgen (test
# tool, formats writer), and says so.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${FDR_BIN:-$top/bin}
R=$bin/fdr-replay
shopt -s nullglob
rings=("$top"/samples/*/*.ring "$top"/samples/*.ring)
tmp=
if [ ${#rings[@]} -eq 0 ]; then
	gen=${FDR_BUILD:-$top/build}/tools/fdr-ringgen
	if [ ! -x "$gen" ]; then
		echo "demo: no sample rings in samples/ and no $gen to write a synthetic one" >&2
		exit 1
	fi
	tmp=$(mktemp -d /tmp/fdr-demo-XXXXXX)
	trap 'rm -rf "$tmp"' EXIT
	"$gen" story "$tmp/web01"
	rings=("$tmp/web01")
	echo "NOTE: samples/ has no real recording yet: showing a SYNTHETIC recording"
	echo "      of the sample scenario (tests/replay/ringgen.c), not fdr-record output."
	echo
fi
section() { printf '\n\033[1m== %s\033[0m\n' "$1"; }
section "What was recorded (fdr-replay info)"
"$R" info "${rings[@]}"
section "Who came in, and everything they caused (fdr-replay sessions)"
"$R" sessions "${rings[@]}"
section "The suspicious events on their own (fdr-replay timeline -e ...)"
"$R" timeline -e 'kind == "ssh.login" || kind == "sudo.cmd" || kind ~ "docker.exec*" ||
	(kind == "proc.exec" && container != "host") || (kind == "net.connect" && dport != 80 && dport != 443) ||
	(kind ~ "file.*" && path ~ "/etc/*") || kind == "rec.gap"' "${rings[@]}"
section "For a pipeline (fdr-replay timeline --json | jq)"
"$R" timeline --json --kind net.connect "${rings[@]}" | jq -c '{time, container_name, exe, dst, dport}' 2>/dev/null ||
	"$R" timeline --json --kind net.connect "${rings[@]}"
section "The same for a responder, interactively (fdr-tui; this is its first screen)"
if [ -x "$bin/fdr-tui" ]; then
	"$bin/fdr-tui" --batch --size 100x12 "${rings[@]}"
	if [ -z "$tmp" ]; then
		echo "Explore: $bin/fdr-tui ${rings[*]}   (? for keys; 2 timeline, 3 process tree)"
	else
		echo "(the synthetic recording is deleted when the demo ends: answer y to explore it now)"
	fi
	if [ -t 0 ] && [ -t 1 ] && [ "${FDR_DEMO_TUI:-ask}" != no ]; then
		read -r -p "Open fdr-tui on these rings now? [y/N] " answer
		[ "$answer" = y ] && "$bin/fdr-tui" "${rings[@]}"
	fi
fi
