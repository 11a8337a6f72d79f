#!/usr/bin/env bash
# Learn and check speed of replay/model on one core (events/s of decoded
# events), with XXH3 over each event's main string as the floor in the same run.
set -euo pipefail
"${FDR_BUILD:?}/tools/fdr-model-bench" "${FDR_MODEL_BENCH_EVENTS:-20000000}"
