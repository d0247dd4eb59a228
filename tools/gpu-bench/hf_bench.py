"""Hugging Face transformers on the same weights and GPU: prefill tokens/s and generate() decode tokens/s.

    python3 hf_bench.py MODEL_DIR --batches 1,16,64,256 --prompt 32 --decode 64 --prefill 512
Decode tokens/s = B * decode / (time of generate(decode new tokens) - time of the prompt's forward), greedy,
eos disabled (min_new_tokens), bf16, sdpa attention, the static-free default cache. Prints one JSON object.
"""
import argparse
import json
import statistics
import time

import torch
from transformers import Glm4ForCausalLM

ap = argparse.ArgumentParser()
ap.add_argument("model")
ap.add_argument("--batches", default="1,16,64,256")
ap.add_argument("--prompt", type=int, default=32)
ap.add_argument("--decode", type=int, default=64)
ap.add_argument("--prefill", type=int, default=512)
a = ap.parse_args()

t0 = time.time()
model = Glm4ForCausalLM.from_pretrained(a.model, torch_dtype=torch.bfloat16, device_map="cuda", attn_implementation="sdpa")
model.eval()
load_s = time.time() - t0
V = model.config.vocab_size
g = torch.Generator(device="cuda").manual_seed(42)


def timed(fn, reps):
    out = []
    for _ in range(reps):
        torch.cuda.synchronize()
        s = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        out.append(time.perf_counter() - s)
    return statistics.median(out)


res = {"load_s": load_s, "torch": torch.__version__, "device": torch.cuda.get_device_name()}
with torch.no_grad():
    ids = torch.randint(0, V, (1, a.prefill), device="cuda", generator=g)
    model(ids)
    res["prefill_tps"] = a.prefill / timed(lambda: model(ids, logits_to_keep=1), 5)
    res["decode_tps"] = {}
    for B in [int(b) for b in a.batches.split(",")]:
        p = torch.randint(0, V, (B, a.prompt), device="cuda", generator=g)
        mask = torch.ones_like(p)
        gen = lambda: model.generate(p, attention_mask=mask, max_new_tokens=a.decode, min_new_tokens=a.decode,
                                     do_sample=False, pad_token_id=0)
        gen()
        t_gen = timed(gen, 2)
        t_prompt = timed(lambda: model(p, attention_mask=mask, logits_to_keep=1), 3)
        res["decode_tps"][str(B)] = B * a.decode / (t_gen - t_prompt)
        print(f"transformers batch {B}: {res['decode_tps'][str(B)]:.1f} tokens/s", flush=True)
print(json.dumps(res))
