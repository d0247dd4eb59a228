"""Writes a random Glm4ForCausalLM checkpoint shaped like GLM-Z1-9B-0414 (or 32B) as bf16 safetensors.

Used by tools/gpu-bench/run.sh on the GPU machine: both engines then read identical weights. No tokenizer is
written (the benchmarks feed token ids).
    python3 make_model.py OUT_DIR [--shape 9b|32b] [--layers N]
"""
import argparse
import json
import os

import torch
from transformers import Glm4Config, Glm4ForCausalLM

SHAPES = {
    # GLM-Z1-9B-0414 / GLM-4-9B-0414 config.json
    "9b": dict(hidden_size=4096, intermediate_size=13696, num_hidden_layers=40, num_attention_heads=32,
               num_key_value_heads=2, head_dim=128),
    # GLM-Z1-32B-0414 / GLM-4-32B-0414 config.json
    "32b": dict(hidden_size=6144, intermediate_size=23040, num_hidden_layers=61, num_attention_heads=48,
                num_key_value_heads=2, head_dim=128),
}

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--shape", default="9b", choices=SHAPES)
ap.add_argument("--layers", type=int, default=0)
a = ap.parse_args()
shape = dict(SHAPES[a.shape])
if a.layers:
    shape["num_hidden_layers"] = a.layers
cfg = Glm4Config(vocab_size=151552, partial_rotary_factor=0.5, rope_theta=10000.0, max_position_embeddings=32768,
                 rms_norm_eps=1e-5, attention_bias=True, tie_word_embeddings=False, pad_token_id=151329,
                 eos_token_id=[151329, 151336, 151338], torch_dtype="bfloat16", **shape)
torch.manual_seed(0)
with torch.device("cuda"):
    model = Glm4ForCausalLM(cfg).to(torch.bfloat16)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0.0, 0.02)
        for name, p in model.named_parameters():
            if "norm" in name:
                p.fill_(1.0)
model.save_pretrained(a.out, safe_serialization=True, max_shard_size="5GB")
with open(os.path.join(a.out, "config.json")) as f:
    print("wrote", a.out, json.load(f)["num_hidden_layers"], "layers,",
          sum(p.numel() for p in model.parameters()) / 1e9, "B parameters")
