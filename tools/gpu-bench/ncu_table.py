"""Summarises `ncu --csv` output of decode kernels: per kernel, count, median time, DRAM bytes read, GB/s.

    python3 ncu_table.py NCU_CSV [STEPS]   STEPS: decode steps the capture covered (per-step totals)
"""
import collections
import csv
import sys

rows = list(csv.reader(open(sys.argv[1])))
steps = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
hdr = None
kernels = collections.OrderedDict()
for r in rows:
    if "Kernel Name" in r:
        hdr = r
        continue
    if not hdr or len(r) != len(hdr):
        continue
    d = dict(zip(hdr, r))
    launch = kernels.setdefault(d["Kernel Name"].split("(")[0], {})
    launch.setdefault(d["ID"], {})[d["Metric Name"]] = (d["Metric Unit"], d["Metric Value"].replace(",", ""))


def value(m, name):
    unit, v = m.get(name, ("", "0"))
    scale = {"ns": 1e-3, "nsecond": 1e-3, "us": 1.0, "usecond": 1.0, "ms": 1e3, "msecond": 1e3, "byte": 1,
             "Kbyte": 1e3, "Mbyte": 1e6, "Gbyte": 1e9}
    try:
        return float(v) * scale.get(unit, 1.0)
    except ValueError:
        return 0.0


print(f"{'kernel':<22}{'launches':>9}{'median us':>11}{'us/step':>10}{'MB read':>9}{'GB/s':>8}{'regs':>6}")
total = 0.0
for k, launches in kernels.items():
    ts = sorted(value(m, "gpu__time_duration.sum") for m in launches.values())
    bs = sorted(value(m, "dram__bytes_read.sum") for m in launches.values())
    regs = value(next(iter(launches.values())), "launch__registers_per_thread")
    med_t, med_b = ts[len(ts) // 2], bs[len(bs) // 2]
    total += sum(ts)
    print(f"{k:<22}{len(ts):>9}{med_t:>11.2f}{sum(ts) / steps:>10.1f}{med_b / 1e6:>9.2f}{med_b / med_t / 1e3 if med_t else 0:>8.0f}{regs:>6.0f}")
print(f"{'all':<22}{'':>9}{'':>11}{total / steps:>10.1f}")
