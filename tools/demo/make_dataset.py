#!/usr/bin/env python3
"""Arithmetic word problems for the demo model (stdlib only, seeded, deterministic).

Kinds: addition, subtraction, multiplication (2-3 digits by 1 digit, 2 by 2 digits) and linear equations
a*x + b = c / a*x - b = c with a positive integer solution. Each training row carries a GLM-Z1 style trace:
the text the assistant generates after the prompt's trailing `<think>`:

    \n<column-by-column working>\n</think>\nThe answer is $\\boxed{N}$.

The working is written so that a few-million-parameter transformer can learn it: one line per digit
column with the carry/borrow made explicit, and the partial result grown to the left each line, so the
final number is copied rather than reassembled.

Usage: python3 make_dataset.py [--out datasets/demo] [--train N] [--sample N] [--seed S]
  writes test.jsonl (64 held-out problems, no trace) and train_sample.jsonl (the first N training rows).
  --train N also writes the full train.jsonl (not committed: the trainer regenerates it in memory).
"""
import argparse
import json
import os
import random

KINDS = ("addition", "subtraction", "multiplication", "equation")

NAMES = ["Ana", "Ben", "Chen", "Dara", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jo", "Kofi", "Lena",
         "Mei", "Nico", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tara", "Uma", "Victor", "Wen", "Yusuf", "Zoe"]
OBJECTS = ["apples", "marbles", "stickers", "books", "coins", "pencils", "cards", "shells", "stamps", "beads",
           "cookies", "eggs", "nails", "tickets", "bottles", "flowers"]
PLACES = ["shop", "library", "farm", "school", "bakery", "warehouse", "garden", "museum"]
CONTAINERS = ["boxes", "bags", "crates", "jars", "packs", "baskets"]

ADD_TEMPLATES = [
    "What is {a} + {b}?",
    "Compute {a} + {b}.",
    "{name} has {a} {obj}. {name} gets {b} more. How many {obj} does {name} have now?",
    "A {place} had {a} {obj} on Monday and received {b} more on Tuesday. How many {obj} does it have in total?",
    "{name} walked {a} meters in the morning and {b} meters in the afternoon. How many meters did {name} walk altogether?",
    "There are {a} {obj} in one room and {b} {obj} in another. How many {obj} are there in all?",
]
SUB_TEMPLATES = [
    "What is {a} - {b}?",
    "Compute {a} - {b}.",
    "{name} had {a} {obj} and gave {b} of them away. How many {obj} are left?",
    "A {place} had {a} {obj}. It sold {b} of them. How many {obj} remain?",
    "{name} needs {a} points to win and already has {b}. How many more points does {name} need?",
    "A rope is {a} cm long. {name} cuts off {b} cm. How long is the rest of the rope in cm?",
]
MUL_TEMPLATES = [
    "What is {a} * {b}?",
    "Compute {a} times {b}.",
    "{name} buys {a} {box} with {b} {obj} in each. How many {obj} does {name} buy?",
    "A {place} has {a} rows with {b} {obj} in each row. How many {obj} are there?",
    "Each of {a} students brings {b} {obj}. How many {obj} do they bring in total?",
    "{name} saves {b} coins every day for {a} days. How many coins does {name} save?",
]
EQ_PLUS_TEMPLATES = [
    "Solve for x: {a}x + {b} = {c}.",
    "Find x if {a}x + {b} = {c}.",
    "{name} thinks of a number, multiplies it by {a} and adds {b}. The result is {c}. What is the number?",
    "{name} buys {a} equal {box} of {obj} and {b} loose {obj}, {c} {obj} in all. How many {obj} are in each of the {box}?",
]
EQ_MINUS_TEMPLATES = [
    "Solve for x: {a}x - {b} = {c}.",
    "Find x if {a}x - {b} = {c}.",
    "{name} thinks of a number, multiplies it by {a} and subtracts {b}. The result is {c}. What is the number?",
    "{name} had {a} full {box} of {obj}, then gave away {b} {obj} and kept {c}. How many {obj} were in each of the {box}?",
]


def digits_rev(n, width):
    """Digits of n from the ones column up, padded with zeros to width."""
    s = str(n).rjust(width, "0")
    return [int(ch) for ch in reversed(s)]


def add_lines(a, b):
    """Column addition; returns (lines, result)."""
    width = max(len(str(a)), len(str(b)))
    da, db = digits_rev(a, width), digits_rev(b, width)
    lines, partial, carry = [], "", 0
    for i in range(width):
        s = da[i] + db[i] + carry
        partial = str(s % 10) + partial
        lines.append(f"{da[i]}+{db[i]}+{carry}={s}, {partial} c{s // 10}")
        carry = s // 10
    result = a + b
    assert int(("1" if carry else "") + partial) == result
    return lines, result


def sub_lines(a, b):
    """Column subtraction with borrows, a >= b; returns (lines, result)."""
    assert a >= b
    width = len(str(a))
    da, db = digits_rev(a, width), digits_rev(b, width)
    lines, partial, borrow = [], "", 0
    for i in range(width):
        r = da[i] - db[i] - borrow
        out = 1 if r < 0 else 0
        r += 10 * out
        partial = str(r) + partial
        lines.append(f"{da[i]}-{db[i]}-{borrow}={r}, {partial} b{out}")
        borrow = out
    assert borrow == 0 and int(partial) == a - b
    return lines, a - b


def mul1_lines(a, m):
    """Multiply a by a single digit m column by column; returns (lines, result)."""
    da = digits_rev(a, len(str(a)))
    lines, partial, carry = [], "", 0
    for d in da:
        p = d * m + carry
        partial = str(p % 10) + partial
        lines.append(f"{d}*{m}+{carry}={p}, {partial} c{p // 10}")
        carry = p // 10
    result = a * m
    assert int((str(carry) if carry else "") + partial) == result
    return lines, result


def div_lines(v, a):
    """Long division of v by a single digit a (exact); returns (lines, quotient)."""
    lines, q, r = [], "", 0
    for ch in str(v):
        cur = r * 10 + int(ch)
        qd, r = divmod(cur, a)
        q += str(qd)
        lines.append(f"{cur}/{a}={qd} r{r}, {q}")
    assert r == 0 and int(q) == v // a
    return lines, v // a


def solve_addition(a, b):
    lines, res = add_lines(a, b)
    return [f"{a}+{b}"] + lines + [f"{a}+{b}={res}"], res


def solve_subtraction(a, b):
    lines, res = sub_lines(a, b)
    return [f"{a}-{b}"] + lines + [f"{a}-{b}={res}"], res


def solve_multiplication(a, b):
    if b < 10:
        lines, res = mul1_lines(a, b)
        return [f"{a}*{b}"] + lines + [f"{a}*{b}={res}"], res
    b1, b0 = divmod(b, 10)
    l0, p0 = mul1_lines(a, b0)
    l1, p1 = mul1_lines(a, b1)
    la, res = add_lines(p0, p1 * 10)
    out = [f"{a}*{b}", f"{a}*{b0}"] + l0 + [f"{a}*{b0}={p0}", f"{a}*{b1}"] + l1 + [f"{a}*{b1}={p1}",
           f"{p0}+{p1 * 10}"] + la + [f"{a}*{b}={res}"]
    assert res == a * b
    return out, res


def solve_equation(a, b, c, sign):
    if sign == "+":
        head = f"{a}x+{b}={c}"
        lines, v = sub_lines(c, b)
        mid = [f"{a}x={c}-{b}"] + lines
    else:
        head = f"{a}x-{b}={c}"
        lines, v = add_lines(c, b)
        mid = [f"{a}x={c}+{b}"] + lines
    dl, x = div_lines(v, a)
    return [head] + mid + [f"{a}x={v}", f"x={v}/{a}"] + dl + [f"x={x}"], x


def make_trace(lines, answer):
    return "\n" + "\n".join(lines) + "\n</think>\nThe answer is $\\boxed{" + str(answer) + "}$."


def n_digits(rng, lo, hi):
    """A number with lo..hi digits, the digit count chosen uniformly."""
    k = rng.randint(lo, hi)
    return rng.randint(10 ** (k - 1), 10 ** k - 1)


def sample_problem(rng, kind):
    """Returns (key, question, answer, trace). key identifies the arithmetic, for train/test disjointness."""
    fill = dict(name=rng.choice(NAMES), obj=rng.choice(OBJECTS), place=rng.choice(PLACES),
                box=rng.choice(CONTAINERS))
    if kind == "addition":
        a, b = n_digits(rng, 2, 3), n_digits(rng, 2, 3)
        lines, ans = solve_addition(a, b)
        q = rng.choice(ADD_TEMPLATES).format(a=a, b=b, **fill)
        key = (kind, a, b)
    elif kind == "subtraction":
        a, b = n_digits(rng, 2, 3), n_digits(rng, 2, 3)
        if a < b:
            a, b = b, a
        lines, ans = solve_subtraction(a, b)
        q = rng.choice(SUB_TEMPLATES).format(a=a, b=b, **fill)
        key = (kind, a, b)
    elif kind == "multiplication":
        if rng.random() < 0.5:
            a, b = n_digits(rng, 2, 3), rng.randint(2, 9)
        else:
            a, b = rng.randint(10, 99), rng.randint(10, 99)
        lines, ans = solve_multiplication(a, b)
        q = rng.choice(MUL_TEMPLATES).format(a=a, b=b, **fill)
        key = (kind, a, b)
    elif kind == "equation":
        a, x = rng.randint(2, 9), rng.randint(2, 40)
        sign = rng.choice("+-")
        if sign == "+":
            b = rng.randint(1, 99)
            c = a * x + b
            templates = EQ_PLUS_TEMPLATES
        else:
            b = rng.randint(1, a * x - 1)
            c = a * x - b
            templates = EQ_MINUS_TEMPLATES
        lines, ans = solve_equation(a, b, c, sign)
        assert ans == x
        q = rng.choice(templates).format(a=a, b=b, c=c, **fill)
        key = (kind, a, b, c, sign)
    else:
        raise ValueError(f"unknown kind {kind!r}")
    return key, q, str(ans), make_trace(lines, ans)


def make_test(seed=1234, per_kind=16):
    rng = random.Random(seed)
    rows, keys = [], set()
    for kind in KINDS:
        while sum(1 for r in rows if r["kind"] == kind) < per_kind:
            key, q, ans, _ = sample_problem(rng, kind)
            if key in keys:
                continue
            keys.add(key)
            rows.append({"question": q, "answer": ans, "kind": kind})
    rng.shuffle(rows)
    for i, r in enumerate(rows):
        r["id"] = f"demo-test-{i + 1:03d}"
    return [{"id": r["id"], "question": r["question"], "answer": r["answer"], "kind": r["kind"]} for r in rows], keys


def iter_train(n, seed=42, exclude=frozenset(), with_keys=False):
    """n training rows, kinds in rotation, never an arithmetic key in exclude (the test set's keys).
    with_keys: yield (key, row) pairs instead of rows."""
    rng = random.Random(seed)
    i = 0
    while i < n:
        kind = KINDS[i % len(KINDS)]
        key, q, ans, trace = sample_problem(rng, kind)
        if key in exclude:
            continue
        i += 1
        row = {"id": f"demo-{i:05d}", "question": q, "answer": ans, "kind": kind, "trace": trace}
        yield (key, row) if with_keys else row


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "..", "datasets", "demo"))
    ap.add_argument("--train", type=int, default=0, help="also write train.jsonl with this many rows")
    ap.add_argument("--sample", type=int, default=1000, help="rows in train_sample.jsonl")
    ap.add_argument("--seed", type=int, default=42, help="training-set seed (the test set uses its own)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    test, keys = make_test()
    write_jsonl(os.path.join(args.out, "test.jsonl"), test)
    write_jsonl(os.path.join(args.out, "train_sample.jsonl"), iter_train(args.sample, args.seed, keys))
    if args.train:
        write_jsonl(os.path.join(args.out, "train.jsonl"), iter_train(args.train, args.seed, keys))
    print(f"wrote {len(test)} test rows, {args.sample} sample rows" + (f", {args.train} train rows" if args.train else ""))


if __name__ == "__main__":
    main()
