"""Reads divan's tree output and returns its figures.

divan prints, per benchmark and argument, `fastest │ slowest │ median │ mean
│ samples │ iters`. `parse(text)` returns {(group, arg): {"fastest": s,
"slowest": s, "median": s, "mean": s, "samples": n}} with times in seconds.
"""

import re

UNITS = {"ns": 1e-9, "µs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0}
TIME = r"([0-9.]+)\s*(ns|µs|us|ms|s)"
ROW = re.compile(
    r"^(?P<tree>[│├╰─ ]*)(?P<name>\S+)\s+" + TIME + r"\s*│\s*" + TIME + r"\s*│\s*" + TIME + r"\s*│\s*" + TIME
    + r"\s*│\s*(?P<samples>\d+)\s*│\s*(?P<iters>\d+)"
)
GROUP = re.compile(r"^(?P<tree>[│├╰─ ]*)(?P<name>\S+)\s+│")


def _seconds(value, unit):
    return float(value) * UNITS[unit]


def parse(text):
    out = {}
    group = None
    for line in text.splitlines():
        m = ROW.match(line)
        if m:
            g = m.groups()
            # groups: tree, name, v1,u1, v2,u2, v3,u3, v4,u4, samples, iters
            depth = len(m.group("tree")) // 3
            key = (group, m.group("name")) if depth >= 2 else (m.group("name"), None)
            out[key] = {
                "fastest": _seconds(g[2], g[3]),
                "slowest": _seconds(g[4], g[5]),
                "median": _seconds(g[6], g[7]),
                "mean": _seconds(g[8], g[9]),
                "samples": int(m.group("samples")),
            }
            continue
        m = GROUP.match(line)
        if m and len(m.group("tree")) // 3 == 1:
            group = m.group("name")
    return out


def fmt_time(s):
    """A time with three significant digits and a unit."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if s >= scale * 0.9995:  # so that 999.7 µs reads 1 ms
            return f"{s / scale:.3g} {unit}"
    return f"{s / 1e-9:.3g} ns"
