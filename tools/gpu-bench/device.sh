#!/usr/bin/env bash
# Runs on the GPU machine (no Java there): unpacks the runtime from .device/ (tools/gpu-bench/bundle.sh), then
#   device.sh test                 the CUDA tests (fixtures vs transformers, engine cuda vs cpu) via JUnit's console
#   device.sh bench [9b|32b] [LAYERS] [BATCHES]  random GLM-Z1-shaped model: ours (./glm bench-cuda) and transformers
#   device.sh kernels [9b|32b] [LAYERS]  Nsight Compute: time and DRAM bytes of each kernel of ~2 batch-1 decode steps
#     (NCU_OPTS="--clock-control none --cache-control none": clocks and caches as the card runs them)
# Logs and JSON land in $OUT (or /tmp/out).
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
[ -x /tmp/glm-jre/bin/java ] || tar xJf .device/jre.tar.xz -C /tmp
JAVA=/tmp/glm-jre/bin/java
JOPTS="--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx16g"
CP=$(ls .device/engine/glm-engine.jar .device/engine/lib/*.jar | tr '\n' ':')
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm,clocks.max.mem --format=csv | tee "$OUT/gpu.txt"
case "${1:-test}" in
test)
  TCP="$CP$(ls .device/tests/*.jar | grep -v console | tr '\n' ':').device/tests/classes:engine/src/test/resources"
  timeout 300 $JAVA $JOPTS -Dglmspark.demoModel=models/glm-z1-demo -jar .device/tests/junit-platform-console-standalone-*.jar execute \
    --class-path "$TCP" --select-class glmspark.cuda.NvrtcTest --select-class glmspark.cuda.CudaBackendTest \
    --details=tree --disable-banner 2>&1 | tee "$OUT/cuda-tests.log"
  ;;
bench)
  SHAPE=${2:-9b}; LAYERS=${3:-0}; BATCHES=${4:-1,16,64,256}
  M=/tmp/model-$SHAPE
  [ -f "$M/config.json" ] || python3 tools/gpu-bench/make_model.py "$M" --shape "$SHAPE" --layers "$LAYERS" 2>&1 | tail -2
  timeout 300 $JAVA $JOPTS -cp "$CP" glmspark.cli.Glm bench-cuda --model "$M" --batches "$BATCHES" --json > "$OUT/ours-$SHAPE.json" 2> "$OUT/ours-$SHAPE.err"
  tail -5 "$OUT/ours-$SHAPE.err"; cat "$OUT/ours-$SHAPE.json"
  PYTHONUNBUFFERED=1 timeout 300 python3 tools/gpu-bench/hf_bench.py "$M" --batches "$BATCHES" 2>"$OUT/hf-$SHAPE.err" | tee "$OUT/hf-$SHAPE.log"
  tail -3 "$OUT/hf-$SHAPE.err"
  python3 tools/gpu-bench/compare.py "$OUT/ours-$SHAPE.json" "$OUT/hf-$SHAPE.log" | tee "$OUT/table-$SHAPE.md"
  ;;
kernels)
  SHAPE=${2:-9b}; LAYERS=${3:-0}
  M=/tmp/model-$SHAPE
  [ -f "$M/config.json" ] || python3 tools/gpu-bench/make_model.py "$M" --shape "$SHAPE" --layers "$LAYERS" 2>&1 | tail -2
  N=$(python3 -c "import json; print(json.load(open('$M/config.json'))['num_hidden_layers'])")
  # our kernels only: skip bench-cuda's 6 pp512 passes, the decode prompt (5 N + 4 kernels each) and 2 decode steps
  # (7 N + 5 each), keep 2 steps
  GLMSPARK_CUDA_GRAPHS=0 timeout 400 ncu ${NCU_OPTS:-} --metrics gpu__time_duration.sum,dram__bytes_read.sum,launch__registers_per_thread \
    -k 'regex:^(gemv|attention|norm|rms|embed|gather|argmax|bias|silu)' --launch-skip $((49 * N + 38)) --launch-count $((14 * N + 10)) \
    --csv $JAVA $JOPTS -cp "$CP" glmspark.cli.Glm bench-cuda --model "$M" --batches 1 --decode 8 > "$OUT/ncu-$SHAPE.csv" 2> "$OUT/ncu-$SHAPE.err"
  tail -3 "$OUT/ncu-$SHAPE.err"
  python3 tools/gpu-bench/ncu_table.py "$OUT/ncu-$SHAPE.csv" 2 | tee "$OUT/kernels-$SHAPE.txt"
  ;;
esac
