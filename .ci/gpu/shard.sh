#!/usr/bin/env bash
# One claim shard, inside the GPU image: record where it runs, then decide its claims.
# Usage: .ci/gpu/shard.sh INDEX/COUNT OUTDIR   (OUTDIR gets environment.json and claims/<scale>/)
# `grok report --merge OUTDIR… --allow-missing` reads them; a shard that stops early leaves what it
# decided, and the report names the rest.
set -uo pipefail
shard=$1
out=$2
mkdir -p "$out"
# GROK_BACKEND=gpu (the image's default) makes this fail when TensorFlow registered no GPU device:
# TensorFlow's "Could not load dynamic library" lines above say why. Better than hours on the CPU.
if ! npx grok info --json > "$out/environment.json.tmp"; then
  rm -f "$out/environment.json.tmp"
  echo "shard $shard: no usable GPU backend (grok info above); no claims run" >&2
  exit 1
fi
mv "$out/environment.json.tmp" "$out/environment.json"
npx grok info
# whether populations pay and are exact on this GPU (README "Populations"): the claims use them only if exact
npx grok bench --steps 300 --warmup 50 --population 64 --json > "$out/population-bench.json" || echo "shard $shard: the population bench failed (claims go on)" >&2
# outcomes beside the environment record, apart from the run store (which the workflow caches)
GROK_RESULTS="$out/claims" npx vitest run --project claims --shard "$shard"
