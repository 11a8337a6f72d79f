#!/usr/bin/env bash
# make demo: the main job on the bundled samples: the sample intrusion's story.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${FDR_BIN:-$top/bin}
shopt -s nullglob
rings=("$top"/samples/*/*.ring "$top"/samples/*.ring)
if [ ${#rings[@]} -eq 0 ]; then
	echo "demo: no sample rings in samples/ yet (scripts/make-samples.sh records them, as root)" >&2
	exit 1
fi
echo "== rings"
"$bin/fdr-replay" info "${rings[@]}"
echo
echo "== timeline"
"$bin/fdr-replay" timeline "${rings[@]}" | head -n 60
