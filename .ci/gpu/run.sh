#!/usr/bin/env bash
# Runs a command in the GPU image (.ci/gpu/Dockerfile) with this checkout at /work, the GPUs visible
# and files owned by the calling user. GROK_* variables pass through.
set -euo pipefail
cd "$(dirname "$0")/../.."
image=${GROK_GPU_IMAGE:-grok-gpu:cuda11.2-node20}
# the CUDA JIT cache (see the Dockerfile) lives on the host, so only the first job pays for it
cuda_cache=${GROK_CUDA_CACHE:-$HOME/.cache/grok-cuda}
mkdir -p "$cuda_cache"
env_args=()
for v in $(compgen -e | grep '^GROK_' || true); do env_args+=(-e "$v"); done
exec docker run --rm --gpus all --user "$(id -u):$(id -g)" -e HOME=/tmp \
  -v "$PWD:/work" -w /work -v "$cuda_cache:/cuda-cache" -e CUDA_CACHE_PATH=/cuda-cache \
  ${env_args[@]+"${env_args[@]}"} "$image" "$@"
