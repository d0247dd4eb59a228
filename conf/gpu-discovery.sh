#!/usr/bin/env bash
# Spark GPU discovery script: prints {"name":"gpu","addresses":["0","1",...]}, one address per GPU this process
# may use, numbered as CUDA numbers them (the engine passes the address Spark assigns straight to CUDA).
#   spark.executor.resource.gpu.discoveryScript (YARN, Kubernetes) or spark.worker.resource.gpu.discoveryScript
#   (standalone workers); see docs/gpu.md.
# CUDA_VISIBLE_DEVICES set (by YARN, a container runtime or by hand): CUDA renumbers the listed devices 0..k-1,
# so the addresses are 0..k-1; set but empty (or -1): no GPU. Otherwise: the indices nvidia-smi lists.
# No nvidia-smi or no GPU: an empty list and a message on stderr, so Spark's own check reports the shortfall
# ("...less than what the user requested") instead of a script failure.
set -u

emit() {
  local out="" a
  for a in "$@"; do out="${out:+$out,}\"$a\""; done
  printf '{"name":"gpu","addresses":[%s]}\n' "$out"
}

if ! command -v nvidia-smi >/dev/null 2>&1; then
  echo "gpu-discovery.sh: nvidia-smi not found on $(hostname 2>/dev/null || echo this host): no NVIDIA driver, reporting no GPU" >&2
  emit
  exit 0
fi

if ! listed="$(nvidia-smi --query-gpu=index --format=csv,noheader 2>/dev/null)"; then
  echo "gpu-discovery.sh: nvidia-smi failed (driver not loaded?): reporting no GPU" >&2
  emit
  exit 0
fi
indices=()
while IFS= read -r line; do
  line="${line//[[:space:]]/}"
  [[ "$line" =~ ^[0-9]+$ ]] && indices+=("$line")
done <<< "$listed"

if [ "${CUDA_VISIBLE_DEVICES+set}" = set ]; then
  visible="${CUDA_VISIBLE_DEVICES//[[:space:]]/}"
  addresses=()
  if [ -n "$visible" ]; then
    IFS=',' read -r -a entries <<< "$visible"
    for ((i = 0; i < ${#entries[@]}; i++)); do
      # CUDA stops at the first invalid entry (e.g. -1): devices after it are not visible.
      [[ "${entries[$i]}" =~ ^-[0-9]+$ ]] && break
      [ -z "${entries[$i]}" ] && break
      addresses+=("$i")
    done
  fi
  # Never more than the driver lists.
  if [ ${#addresses[@]} -gt ${#indices[@]} ]; then addresses=("${addresses[@]:0:${#indices[@]}}"); fi
  [ ${#addresses[@]} -eq 0 ] && echo "gpu-discovery.sh: CUDA_VISIBLE_DEVICES='$CUDA_VISIBLE_DEVICES' leaves no GPU visible" >&2
  emit "${addresses[@]}"
  exit 0
fi

[ ${#indices[@]} -eq 0 ] && echo "gpu-discovery.sh: nvidia-smi lists no GPU" >&2
emit "${indices[@]}"
