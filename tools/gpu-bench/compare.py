"""Prints ours (./glm bench-cuda --json) next to transformers (hf_bench.py's last JSON line) as a markdown table."""
import json
import sys

ours = json.load(open(sys.argv[1]))
hf = json.loads([l for l in open(sys.argv[2]) if l.startswith("{")][-1])
print(f"device: {ours['device']}; measured: {ours['bandwidth_gbps']:.0f} GB/s copy, {ours['bf16_tflops']:.0f} bf16 TFLOP/s; "
      f"weights/step {ours['weight_bytes_per_step'] / 1e9:.2f} GB; torch {hf.get('torch')}")
print()
print("| test | ours tok/s | memory roofline % | compute roofline % | transformers tok/s | ours/transformers |")
print("|---|---|---|---|---|---|")
print(f"| pp{ours['prefill_tokens']} | {ours['prefill_tps']:.0f} | - | {ours['prefill_compute_pct']:.1f} | "
      f"{hf['prefill_tps']:.0f} | {ours['prefill_tps'] / hf['prefill_tps']:.2f} |")
for b, v in ours["decode_tps"].items():
    h = hf["decode_tps"].get(b)
    print(f"| tg batch {b} | {v:.1f} | {ours['decode_memory_pct'][b]:.1f} | {ours['decode_compute_pct'][b]:.1f} | "
          f"{h:.1f} | {v / h:.2f} |" if h else f"| tg batch {b} | {v:.1f} | {ours['decode_memory_pct'][b]:.1f} | - | - | - |")
