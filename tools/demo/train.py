#!/usr/bin/env python3
"""Train the tiny GLM-Z1-format demo model on the arithmetic word problems of make_dataset.py.

Needs PyTorch, transformers (5.x) and tokenizers; meant for one GPU (a few minutes on an H100).
Steps:
  1. byte-level BPE tokenizer (tokenizers library) with GLM-4's split regex; digits are never merged
     (the merge corpus is cut at digit runs), GLM's 14 special tokens appended after the BPE vocabulary;
     tokenizer_config.json is the GLM-Z1 one (chat template, eos <|user|>, pad <|endoftext|>) copied verbatim
     from the reference fixture;
  2. config.json in the layout of the real GLM-Z1-0414 checkpoints, loaded back with AutoConfig, and a
     transformers Glm4ForCausalLM built from it;
  3. training on chat-rendered prompt + trace + <|user|>, loss on the generated part only, bf16 autocast,
     AdamW, learning rate on a wall-clock cosine schedule (stops at --budget-s or --max-steps);
  4. export in bf16 (model.safetensors, config.json, generation_config.json, tokenizer files), reload in
     float32 on CPU, greedy accuracy on test.jsonl and demo_greedy.json (first 20 test prompts, greedy by
     full recompute, checked against transformers' cached generate()).

Example: python3 train.py --out OUTDIR --budget-s 300
"""
import argparse
import json
import math
import os
import re
import shutil
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_dataset  # noqa: E402

GLM_SPLIT = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
             r"|\s*[\r\n]+|\s+(?!\S)|\s+")
SPECIALS = ["<|endoftext|>", "[MASK]", "[gMASK]", "[sMASK]", "<sop>", "<eop>", "<|system|>", "<|user|>",
            "<|assistant|>", "<|observation|>", "<|begin_of_image|>", "<|end_of_image|>", "<|begin_of_video|>",
            "<|end_of_video|>"]
# What the GLM-Z1 template renders for one user message with add_generation_prompt (checked below).
PROMPT_PREFIX = "[gMASK]<sop><|user|>\n"
PROMPT_SUFFIX = "<|assistant|>\n<think>"
BOXED = re.compile(r"\\boxed\{(-?\d+)\}")


def log(msg, _t0=time.time(), _f=[]):
    line = f"[{time.time() - _t0:7.1f}s] {msg}"
    print(line, flush=True)
    if _f:
        _f[0].write(line + "\n")
        _f[0].flush()


def find_fixture(arg):
    for d in [arg, os.path.join(HERE, "fixture"), os.path.join(HERE, "..", "..", "..", "shared", "fixtures", "glm4-tiny"),
              "/work/shared/fixtures/glm4-tiny"]:
        if d and os.path.isfile(os.path.join(d, "tokenizer_config.json")):
            return d
    raise SystemExit("reference fixture glm4-tiny (tokenizer_config.json, tokenizer.json) not found; pass --fixture")


def build_tokenizer(texts, bpe_vocab, fixture_dir, out_dir):
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(GLM_SPLIT), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    # Merges are learnt on the text between digit runs and special tokens, so no merge involves a digit.
    cut = re.compile(r"\d+|" + "|".join(re.escape(s) for s in SPECIALS))
    pieces = [p for t in texts for p in cut.split(t) if p]
    trainer = trainers.BpeTrainer(vocab_size=bpe_vocab, min_frequency=2, show_progress=False, special_tokens=[],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(pieces, trainer)
    n_bpe = tok.get_vocab_size()
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in SPECIALS])
    path = os.path.join(out_dir, "tokenizer.json")
    tok.save(path)
    # Same pre_tokenizer/decoder/model settings objects as the reference GLM layout (fixture).
    j = json.load(open(path, encoding="utf-8"))
    fx = json.load(open(os.path.join(fixture_dir, "tokenizer.json"), encoding="utf-8"))
    assert fx["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] == GLM_SPLIT, "split regex differs"
    for key in ["normalizer", "pre_tokenizer", "post_processor", "decoder"]:
        if j.get(key) != fx.get(key):
            log(f"tokenizer.json {key}: {json.dumps(j.get(key))} -> fixture's {json.dumps(fx.get(key))}")
            j[key] = fx[key]
    for key, val in fx["model"].items():
        if key not in ("vocab", "merges") and j["model"].get(key) != val:
            log(f"tokenizer.json model.{key}: {j['model'].get(key)!r} -> {val!r}")
            j["model"][key] = val
    with open(path, "w", encoding="utf-8") as f:
        json.dump(j, f, ensure_ascii=False, indent=2)
    tok = Tokenizer.from_file(path)
    vocab = tok.get_vocab()
    bad = [t for t in vocab if len(t) > 1 and any(c.isdigit() for c in t) and t not in SPECIALS]
    assert not bad, f"tokens merging digits: {bad[:10]}"
    for d in "0123456789":
        assert tok.encode(d * 7, add_special_tokens=False).ids == [vocab[d]] * 7
    ids = [vocab[s] for s in SPECIALS]
    assert ids == list(range(n_bpe, n_bpe + len(SPECIALS))), ids
    shutil.copyfile(os.path.join(fixture_dir, "tokenizer_config.json"), os.path.join(out_dir, "tokenizer_config.json"))
    log(f"tokenizer: {n_bpe} BPE tokens ({len(j['model']['merges'])} merges) + {len(SPECIALS)} specials")
    return tok, n_bpe


def write_configs(out_dir, a, vocab_size, eos_ids, pad_id, dtype):
    import transformers
    cfg = {"architectures": ["Glm4ForCausalLM"], "model_type": "glm4", "attention_bias": True,
           "attention_dropout": 0.0, "eos_token_id": eos_ids, "pad_token_id": pad_id, "head_dim": a.head_dim,
           "hidden_act": "silu", "hidden_size": a.hidden, "initializer_range": 0.02,
           "intermediate_size": a.intermediate, "max_position_embeddings": 512, "num_attention_heads": a.heads,
           "num_hidden_layers": a.layers, "num_key_value_heads": a.kv_heads, "partial_rotary_factor": 0.5,
           "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "tie_word_embeddings": False, "torch_dtype": dtype,
           "transformers_version": transformers.__version__, "use_cache": True, "vocab_size": vocab_size}
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    gen = {"_from_model_config": True, "eos_token_id": eos_ids, "pad_token_id": pad_id, "do_sample": True,
           "temperature": 0.6, "top_p": 0.95, "top_k": 40, "transformers_version": transformers.__version__}
    with open(os.path.join(out_dir, "generation_config.json"), "w") as f:
        json.dump(gen, f, indent=2)


def check_layout(model, cfg):
    """Rotary dims and tensor names as in the real GLM-4-0414 checkpoints."""
    inv = [b for n, b in model.named_buffers() if n.endswith("inv_freq")]
    assert inv, "no rotary inv_freq buffer"
    rot = inv[0].numel()
    assert rot == int(cfg.head_dim * 0.5) // 2, f"partial rotary not applied: inv_freq has {rot} entries"
    names = set(model.state_dict().keys())
    want = {"model.embed_tokens.weight", "model.norm.weight", "lm_head.weight"}
    for i in range(cfg.num_hidden_layers):
        p = f"model.layers.{i}."
        want |= {p + n for n in ["input_layernorm.weight", "post_self_attn_layernorm.weight",
                                 "post_attention_layernorm.weight", "post_mlp_layernorm.weight",
                                 "mlp.gate_up_proj.weight", "mlp.down_proj.weight", "self_attn.o_proj.weight"]}
        want |= {p + f"self_attn.{x}_proj.{w}" for x in "qkv" for w in ("weight", "bias")}
    assert names == want, f"unexpected tensors: {sorted(names ^ want)[:10]}"


def grade(text, answer):
    visible = text.split("</think>")[-1]
    m = BOXED.findall(visible)
    return bool(m) and m[-1] == answer


@torch.no_grad()
def greedy_batched(model, prompts, eos_ids, pad_id, device, max_new=256):
    """Left-padded batched greedy generation (for accuracy estimates during/after training)."""
    L = max(len(p) for p in prompts)
    x = torch.full((len(prompts), L), pad_id, dtype=torch.long)
    m = torch.zeros((len(prompts), L), dtype=torch.long)
    for i, p in enumerate(prompts):
        x[i, L - len(p):] = torch.tensor(p)
        m[i, L - len(p):] = 1
    g = model.generate(input_ids=x.to(device), attention_mask=m.to(device), do_sample=False, max_new_tokens=max_new,
                       eos_token_id=eos_ids, pad_token_id=pad_id)
    outs = []
    for row in g[:, L:].tolist():
        k = next((i for i, t in enumerate(row) if t in eos_ids), None)
        outs.append(row if k is None else row[:k + 1])
    return outs


def accuracy(tok, outs, rows):
    ok = [grade(tok.decode(o, skip_special_tokens=False), r["answer"]) for o, r in zip(outs, rows)]
    per = {}
    for r, c in zip(rows, ok):
        a = per.setdefault(r["kind"], [0, 0])
        a[0] += c
        a[1] += 1
    return sum(ok) / len(ok), {k: f"{v[0]}/{v[1]}" for k, v in sorted(per.items())}, ok


@torch.no_grad()
def greedy_recompute(model, ids, eos_ids, max_new):
    """Greedy decoding by full recompute each step (no cache); returns new ids and top1-top2 margins."""
    seq, new, margins = list(ids), [], []
    for _ in range(max_new):
        logits = model(input_ids=torch.tensor([seq]), use_cache=False).logits[0, -1].float()
        top = torch.topk(logits, 2)
        t = int(top.indices[0])
        margins.append(round(float(top.values[0] - top.values[1]), 6))
        new.append(t)
        seq.append(t)
        if t in eos_ids:
            break
    return new, margins


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--fixture", default=None, help="folder of the glm4-tiny reference fixture")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data-seed", type=int, default=42)
    ap.add_argument("--n-train", type=int, default=500000)
    ap.add_argument("--bpe-vocab", type=int, default=1024)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--layers", type=int, default=6)
    ap.add_argument("--heads", type=int, default=8)
    ap.add_argument("--kv-heads", type=int, default=2)
    ap.add_argument("--head-dim", type=int, default=32)
    ap.add_argument("--intermediate", type=int, default=688)
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--warmup", type=int, default=300)
    ap.add_argument("--budget-s", type=float, default=300.0, help="training wall-clock budget")
    ap.add_argument("--max-steps", type=int, default=0, help="stop after this many steps (0: budget only)")
    ap.add_argument("--eval-every-s", type=float, default=60.0)
    ap.add_argument("--extra-eval", type=int, default=1024, help="extra held-out problems for the GPU estimate")
    ap.add_argument("--test-limit", type=int, default=64, help="test problems graded on CPU after export")
    ap.add_argument("--demo-cases", type=int, default=20)
    a = ap.parse_args()

    os.makedirs(a.out, exist_ok=True)
    log.__defaults__[1].append(open(os.path.join(a.out, "train_log.txt"), "w"))
    fixture = find_fixture(a.fixture)
    import transformers
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer, Glm4ForCausalLM
    log(f"torch {torch.__version__}, transformers {transformers.__version__}, args {vars(a)}")
    device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda":
        log(f"device {torch.cuda.get_device_name(0)}")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False

    # ---- data
    test, test_keys = make_dataset.make_test()
    pairs = list(make_dataset.iter_train(a.n_train, a.data_seed, test_keys, with_keys=True))
    train = [r for _, r in pairs]
    train_keys = {k for k, _ in pairs}
    del pairs
    import random
    rng = random.Random(777)
    extra, n_seen = [], 0
    while len(extra) < a.extra_eval:
        # Fresh problems, not in the test set; the multiplication key space is small, so many of those were
        # seen in training (counted in the log), the other kinds mostly not.
        kind = make_dataset.KINDS[len(extra) % 4]
        key, q, ans, _ = make_dataset.sample_problem(rng, kind)
        if key not in test_keys:
            n_seen += key in train_keys
            extra.append({"question": q, "answer": ans, "kind": kind})
    log(f"data: {len(train)} train rows ({len(train_keys)} distinct), {len(test)} test, {len(extra)} extra "
        f"({n_seen} of them also in training)")

    # ---- tokenizer + configs
    work = os.path.join(a.out, "model")
    os.makedirs(work, exist_ok=True)
    corpus = [PROMPT_PREFIX + r["question"] + PROMPT_SUFFIX + r["trace"] for r in train[:40000]]
    tk, n_bpe = build_tokenizer(corpus, a.bpe_vocab, fixture, work)
    vocab = tk.get_vocab()
    eos_ids = [vocab["<|endoftext|>"], vocab["<|user|>"], vocab["<|observation|>"]]
    pad_id = vocab["<|endoftext|>"]
    vocab_size = (n_bpe + len(SPECIALS) + 63) // 64 * 64
    write_configs(work, a, vocab_size, eos_ids, pad_id, "bfloat16")
    hf_tok = AutoTokenizer.from_pretrained(work)
    assert hf_tok.eos_token == "<|user|>" and hf_tok.pad_token == "<|endoftext|>", (hf_tok.eos_token, hf_tok.pad_token)
    for r in train[:50] + test:
        msgs = [{"role": "user", "content": r["question"]}]
        rendered = hf_tok.apply_chat_template(msgs, add_generation_prompt=True, tokenize=False)
        assert rendered == PROMPT_PREFIX + r["question"] + PROMPT_SUFFIX, repr(rendered)
        assert hf_tok.encode(rendered, add_special_tokens=False) == tk.encode(rendered, add_special_tokens=False).ids
    log(f"chat template and tokenizers agree; eos ids {eos_ids}, pad {pad_id}, vocab_size {vocab_size}")

    def prompt_ids(rows):
        return [e.ids for e in tk.encode_batch([PROMPT_PREFIX + r["question"] + PROMPT_SUFFIX for r in rows],
                                               add_special_tokens=False)]

    P = prompt_ids(train)
    C = [e.ids for e in tk.encode_batch([r["trace"] for r in train], add_special_tokens=False)]
    lens = np.array([len(p) + len(c) + 1 for p, c in zip(P, C)], dtype=np.int64)
    Lmax = int(lens.max())
    assert Lmax <= 512, Lmax
    ids = np.full((len(train), Lmax), pad_id, dtype=np.int64)
    lab = np.full((len(train), Lmax), -100, dtype=np.int64)
    for i, (p, c) in enumerate(zip(P, C)):
        seq = p + c + [eos_ids[1]]
        ids[i, :len(seq)] = seq
        lab[i, len(p):len(seq)] = seq[len(p):]
    log(f"tokens: max seq {Lmax}, mean {lens.mean():.1f}, mean prompt {np.mean([len(p) for p in P]):.1f}")
    ids_t, lab_t, lens_t = (torch.from_numpy(ids).to(device), torch.from_numpy(lab).to(device),
                            torch.from_numpy(lens).to(device))
    del ids, lab, P, C
    test_prompts, extra_prompts = prompt_ids(test), prompt_ids(extra)

    # ---- model
    torch.manual_seed(a.seed)
    cfg = AutoConfig.from_pretrained(work)
    model = Glm4ForCausalLM(cfg).float().to(device)
    check_layout(model, cfg)
    n_params = sum(p.numel() for p in model.parameters())
    log(f"model: {n_params / 1e6:.2f}M parameters ({n_params * 2 / 1e6:.1f} MB in bf16), attn {model.config._attn_implementation}")
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=a.lr, betas=(0.9, 0.95), eps=1e-8, fused=(device == "cuda"))
    gen = torch.Generator(device=device)
    gen.manual_seed(a.seed)

    def estimate(n=256):
        model.eval()
        rows = extra[:n]
        with torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=(device == "cuda")):
            outs = greedy_batched(model, extra_prompts[:n], eos_ids, pad_id, device)
        model.train()
        acc, per, _ = accuracy(hf_tok, outs, rows)
        return acc, per

    # ---- train
    model.train()
    t0 = time.time()
    last_eval, step, ema = t0, 0, None
    while True:
        el = time.time() - t0
        if el >= a.budget_s or (a.max_steps and step >= a.max_steps):
            break
        frac = el / a.budget_s if not a.max_steps else max(el / a.budget_s, step / a.max_steps)
        lr = a.lr * min(1.0, (step + 1) / a.warmup) * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(frac, 1.0))))
        for g in opt.param_groups:
            g["lr"] = lr
        idx = torch.randint(0, ids_t.shape[0], (a.batch,), device=device, generator=gen)
        L = int(lens_t[idx].max())
        x, y = ids_t[idx, :L], lab_t[idx, :L]
        with torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=(device == "cuda")):
            logits = model(input_ids=x, use_cache=False).logits
        loss = F.cross_entropy(logits[:, :-1].float().reshape(-1, logits.shape[-1]), y[:, 1:].reshape(-1),
                               ignore_index=-100)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        step += 1
        if step % 100 == 0:
            lv = loss.item()
            ema = lv if ema is None else 0.9 * ema + 0.1 * lv
            if step % 500 == 0:
                log(f"step {step} loss {lv:.4f} (ema {ema:.4f}) lr {lr:.2e} {step / (time.time() - t0):.1f} steps/s")
        if time.time() - last_eval >= a.eval_every_s:
            acc, per = estimate()
            log(f"step {step}: greedy accuracy on 256 held-out {acc:.3f} {per}")
            last_eval = time.time()
    train_s = time.time() - t0
    log(f"trained {step} steps ({step * a.batch} sequences) in {train_s:.0f}s")

    # ---- GPU estimate on the in-memory model (float32 weights, bf16 autocast)
    model.eval()
    acc, per = estimate(len(extra))
    log(f"GPU estimate: greedy accuracy on {len(extra)} extra held-out {acc:.4f} {per}")
    with torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=(device == "cuda")):
        t_outs = greedy_batched(model, test_prompts, eos_ids, pad_id, device)
    t_acc, t_per, _ = accuracy(hf_tok, t_outs, test)
    log(f"GPU estimate: greedy accuracy on test.jsonl {t_acc:.4f} {t_per}")

    # ---- export bf16
    from safetensors.torch import save_file
    sd = {k: v.detach().to(torch.bfloat16).cpu().contiguous() for k, v in model.state_dict().items()}
    save_file(sd, os.path.join(work, "model.safetensors"), metadata={"format": "pt"})
    size = sum(os.path.getsize(os.path.join(work, f)) for f in os.listdir(work))
    log(f"exported to {work}: {sorted(os.listdir(work))}, {size / 1e6:.2f} MB")

    # ---- reload in float32 on CPU: the reference our float32 engine must match
    ref = AutoModelForCausalLM.from_pretrained(work, dtype=torch.float32).eval()
    check_layout(ref, ref.config)
    for k, v in ref.state_dict().items():
        assert torch.equal(v, sd[k].float()), f"reloaded tensor {k} differs"
    tok2 = AutoTokenizer.from_pretrained(work)
    n_test = min(a.test_limit, len(test))
    cases, outs, agree_all = [], [], True
    t1 = time.time()
    for i, r in enumerate(test[:n_test]):
        msgs = [{"role": "user", "content": r["question"]}]
        rendered = tok2.apply_chat_template(msgs, add_generation_prompt=True, tokenize=False)
        in_ids = tok2.encode(rendered, add_special_tokens=False)
        g = ref.generate(input_ids=torch.tensor([in_ids]), attention_mask=torch.ones(1, len(in_ids), dtype=torch.long),
                         do_sample=False, max_new_tokens=256, eos_token_id=eos_ids, pad_token_id=pad_id)
        new = g[0, len(in_ids):].tolist()
        outs.append(new)
        if i < a.demo_cases:
            rec, margins = greedy_recompute(ref, in_ids, eos_ids, 256)
            agree = rec == new
            agree_all &= agree
            text = tok2.decode(rec, skip_special_tokens=False)
            cases.append({"id": r["id"], "messages": msgs, "add_generation_prompt": True, "rendered": rendered,
                          "input_ids": in_ids, "greedy_new_ids": rec, "greedy_text": text,
                          "greedy_text_skip_special": tok2.decode(rec, skip_special_tokens=True),
                          "finish": "eos" if rec and rec[-1] in eos_ids else "length",
                          "greedy_margins": margins, "min_margin": min(margins),
                          "greedy_generate_agrees": agree, "answer": r["answer"], "correct": grade(text, r["answer"])})
    c_acc, c_per, c_ok = accuracy(tok2, outs, test[:n_test])
    log(f"CPU float32 reload: greedy accuracy on test.jsonl {c_acc:.4f} ({sum(c_ok)}/{n_test}) {c_per}; "
        f"recompute==generate on {len(cases)} demo cases: {agree_all}; {time.time() - t1:.0f}s")
    for r, o, ok in zip(test[:n_test], outs, c_ok):
        if not ok:
            log(f"WRONG {r['id']} {r['question']!r} want {r['answer']}: {tok2.decode(o)!r}")
    demo = {"model": "models/glm-z1-demo", "computation": "transformers Glm4ForCausalLM, float32 on CPU, "
            "weights from the exported bfloat16 model.safetensors (upcast exactly); greedy by full recompute "
            "each step (argmax of the last position's logits), stopping after the first stop id",
            "transformers_version": transformers.__version__, "torch_version": torch.__version__,
            "stop_ids": eos_ids, "max_new_tokens": 256, "cases": cases}
    with open(os.path.join(a.out, "demo_greedy.json"), "w", encoding="utf-8") as f:
        json.dump(demo, f, ensure_ascii=False, indent=1)
    summary = {"steps": step, "batch": a.batch, "train_seconds": round(train_s, 1), "params": n_params,
               "device": torch.cuda.get_device_name(0) if device == "cuda" else "cpu",
               "gpu_extra_accuracy": acc, "gpu_extra_per_kind": per, "gpu_test_accuracy": t_acc,
               "cpu_test_accuracy": c_acc, "cpu_test_per_kind": c_per, "demo_generate_agrees": agree_all,
               "args": vars(a), "vocab_size": vocab_size, "bpe_tokens": n_bpe, "size_bytes": size}
    with open(os.path.join(a.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    log(f"summary {json.dumps(summary)}")


if __name__ == "__main__":
    main()
