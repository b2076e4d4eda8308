#!/usr/bin/env python3
"""Runs `cargo bench --bench layers` and prints its figures as Markdown:
time against L for each benchmark, with the growth ratio time(2L)/time(L)
(linear growth gives 2, quadratic 4), and the output sizes.

    python3 benches/layers_table.py              # run the benchmark
    python3 benches/layers_table.py --from FILE  # read a saved run

Times are divan's `fastest` and `median` of its samples. On a shared machine
the fastest sample is the one least disturbed by other processes, so growth
ratios are computed from it; the median and the slowest are shown as the
spread. Every figure comes from one run of the benchmark binary.

A last table times the command-line tool itself (`target/release/matdiff`,
built first) by the CPU time (user + system) of the process, the smallest of
a few runs: CPU time, unlike wall time, does not count the time spent waiting
for a core that other processes hold, so it is the steadier figure on a
loaded machine. The program text is the one `benches/layers.rs` generates.
"""

import argparse
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from divan_table import fmt_time, parse  # noqa: E402

GROUPS = [
    ("front_end", "front end (baseline)"),
    ("unchecked", "--no-check"),
    ("checked", "checked (default)"),
    ("stage_derive", "derive alone"),
    ("stage_check", "check alone"),
    ("stage_print", "present+print alone"),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--from", dest="saved", help="read divan output from this file instead of running cargo bench")
    ap.add_argument("--save", help="also write the raw benchmark output to this file")
    ap.add_argument("--cli-only", action="store_true", help="only the command-line CPU-time table (no cargo bench)")
    ap.add_argument("--runs", type=int, default=5, help="runs per command-line measurement (default 5)")
    args = ap.parse_args()
    if args.cli_only:
        cli_table([1, 2, 4, 8, 16, 32, 64, 128], args.runs)
        return
    if args.saved:
        text = open(args.saved, encoding="utf-8").read()
    else:
        run = subprocess.run(
            ["cargo", "bench", "--bench", "layers", "--", "--color", "never"],
            capture_output=True, text=True, check=True,
        )
        text = run.stdout
    if args.save:
        with open(args.save, "w", encoding="utf-8") as f:
            f.write(text)
    figures = parse(text)

    # The size table the benchmark printed first.
    sizes = [line for line in text.splitlines() if line.startswith("|")]
    print("### Output size\n")
    print("\n".join(sizes))
    print()

    layers = sorted({int(arg) for (_, arg) in figures if arg is not None})
    print("### Time (fastest; [median, slowest]) and growth time(2L)/time(L) of the fastest\n")
    present = [(g, title) for g, title in GROUPS if any(k[0] == g for k in figures)]
    print("| L | " + " | ".join(f"{title} | ×" for _, title in present) + " |")
    print("|---:|" + "---:|---:|" * len(present))
    for i, L in enumerate(layers):
        cells = []
        for g, _ in present:
            f = figures.get((g, str(L)))
            if not f:
                cells += ["", ""]
                continue
            cells.append(f"{fmt_time(f['fastest'])} [{fmt_time(f['median'])}, {fmt_time(f['slowest'])}]")
            before = figures.get((g, str(layers[i - 1]))) if i > 0 and layers[i - 1] * 2 == L else None
            cells.append(f"{f['fastest'] / before['fastest']:.2f}" if before else "")
        print(f"| {L} | " + " | ".join(cells) + " |")
    print()

    # Each stage as a share of the checked run, and the whole against the
    # front end (same run, same process).
    print("### Where the time goes (fastest samples, as a share of the checked run)\n")
    print("| L | checked ÷ front end | derive | check | present+print |")
    print("|---:|---:|---:|---:|---:|")
    for L in layers:
        c, fe = figures.get(("checked", str(L))), figures.get(("front_end", str(L)))
        if not c or not fe:
            continue
        share = lambda g: (f"{100 * figures[(g, str(L))]['fastest'] / c['fastest']:.0f} %" if (g, str(L)) in figures else "")
        print(f"| {L} | {c['fastest'] / fe['fastest']:.0f} | {share('stage_derive')} | {share('stage_check')} | {share('stage_print')} |")
    print()
    cli_table(layers, args.runs)


def mlp(layers):
    """The program of benches/layers.rs::mlp."""
    lines = ["x : n", "y : n"]
    for l in range(1, layers + 1):
        lines += [f"W_{{{l}}} : n×n", f"b_{{{l}}} : n"]
    previous = "x"
    for l in range(1, layers + 1):
        lines.append(f"h_{{{l}}} = tanh(W_{{{l}}} {previous} + b_{{{l}}})")
        previous = f"h_{{{l}}}"
    lines.append(f"E = 1/2 ||{previous} - y||^2")
    return "\n".join(lines) + "\n"


def cpu_time(argv, runs):
    """The smallest user+system CPU time of `runs` runs of argv, in seconds."""
    best = float("inf")
    for _ in range(runs):
        p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        err = p.stderr.read()
        _, status, usage = os.wait4(p.pid, 0)
        if status != 0:
            raise SystemExit(f"{argv[:3]} failed: {err.decode()}")
        best = min(best, usage.ru_utime + usage.ru_stime)
    return best


def cli_table(layers, runs):
    subprocess.run(["cargo", "build", "--release", "--quiet"], check=True)
    binary = os.path.join("target", "release", "matdiff")
    print("### The command-line tool: CPU time (user+system, best of %d runs) and growth\n" % runs)
    print("| L | --no-check | × | checked | × | check share |")
    print("|---:|---:|---:|---:|---:|---:|")
    previous = None
    with tempfile.TemporaryDirectory() as tmp:
        for L in layers:
            path = os.path.join(tmp, f"mlp{L}.mdiff")
            with open(path, "w", encoding="utf-8") as f:
                f.write(mlp(L))
            wrt = ",".join(f"W_{l}" for l in range(1, L + 1))
            argv = [binary, "-f", path, "--wrt", wrt]
            u = cpu_time(argv + ["--no-check"], runs)
            c = cpu_time(argv, runs)
            gu = f"{u / previous[0]:.2f}" if previous else ""
            gc = f"{c / previous[1]:.2f}" if previous else ""
            print(f"| {L} | {fmt_time(u)} | {gu} | {fmt_time(c)} | {gc} | {100 * max(c - u, 0) / c:.0f} % |")
            previous = (u, c)
    print()


if __name__ == "__main__":
    main()
