#!/usr/bin/env python3
"""Runs `cargo bench --bench pipeline` (parse + derive + print per example,
checked and unchecked, and the front end alone as the baseline) and prints a
Markdown table: each time with its spread, and as a ratio to the front end
of the same program, measured in the same run.

    python3 benches/pipeline_table.py              # run the benchmark
    python3 benches/pipeline_table.py --from FILE  # read a saved run

Times are divan's fastest sample, then [median, slowest]; ratios are of the
fastest samples (the ones least disturbed by other processes).
"""

import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from divan_table import fmt_time, parse  # noqa: E402


def cell(f):
    return f"{fmt_time(f['fastest'])} [{fmt_time(f['median'])}, {fmt_time(f['slowest'])}]"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--from", dest="saved", help="read divan output from this file instead of running cargo bench")
    ap.add_argument("--save", help="also write the raw benchmark output to this file")
    args = ap.parse_args()
    if args.saved:
        text = open(args.saved, encoding="utf-8").read()
    else:
        text = subprocess.run(["cargo", "bench", "--bench", "pipeline", "--", "--color", "never"],
                              capture_output=True, text=True, check=True).stdout
    if args.save:
        with open(args.save, "w", encoding="utf-8") as f:
            f.write(text)
    figures = parse(text)
    names = sorted({arg for (_, arg) in figures if arg is not None})
    print("| program | front end (baseline) | --no-check | ÷ front end | checked (default) | ÷ front end |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in names:
        fe, un, ch = (figures.get((g, name)) for g in ("front_end", "unchecked", "checked"))
        if not (fe and un and ch):
            continue
        print(f"| {name} | {cell(fe)} | {cell(un)} | {un['fastest'] / fe['fastest']:.0f} | {cell(ch)} | "
              f"{ch['fastest'] / fe['fastest']:.0f} |")


if __name__ == "__main__":
    main()
