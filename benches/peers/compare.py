#!/usr/bin/env python3
"""matdiff side by side with SymPy's matrix expressions (`MatrixSymbol`,
`.diff`) on the same programs. Prints a Markdown table.

    pip install -r benches/peers/requirements.txt
    python3 benches/peers/compare.py             # every program
    python3 benches/peers/compare.py mlp         # the programs whose name contains this

Per program:
- time: matdiff is the command-line tool (`target/release/matdiff`, built
  first), wall time of the whole process, best of 3, with its check (the
  default) and with `--no-check`; SymPy is the `.diff` calls alone (one per
  variable; twice for a Hessian), in a fresh process, best of 3 with SymPy's
  cache cleared before each. The ratio is SymPy ÷ matdiff `--no-check`
  (neither checks anything); matdiff's time includes starting a process.
- size: bytes of matdiff's Unicode output (results and where-list, without
  the check line) and of `str()` of SymPy's results.
- correctness, the same way for both: the derivative evaluated with NumPy at
  three small random points (matdiff: its `--format numpy` module; SymPy:
  `lambdify` of its result, sizes substituted) against central differences
  of a plain NumPy forward pass of the function (`benches/numpy/programs.py`)
  along a random direction. (lambdify gets a NumPy printer that also
  prints `Trace` and elementwise `applyfunc`, which SymPy's own cannot.)
  SymPy returns a scalar's gradient as an array
  with extra unit axes and a Jacobian as a 4-index array; any layout of
  those indices that matches counts as correct. "wrong" is a result that
  evaluates but disagrees (relative error shown); "fails" is an exception
  from `.diff` (its message shown); "unevaluated" is a result that still
  holds a `Derivative`; "cannot evaluate" is a result that neither
  `lambdify` nor `as_explicit` (entry by entry, at the small sizes) turns
  into numbers; a result whose shapes stop fitting once the sizes are
  numbers (SymPy raises a ShapeError) is "wrong (ill-shaped)"; "timeout"
  is no answer within the limit.
"""

import argparse
import datetime
import itertools
import multiprocessing as mp
import os
import platform
import subprocess
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "numpy"))

import numpy as np  # noqa: E402

import programs  # noqa: E402
import sympy_programs  # noqa: E402

POINTS = 3
AGREE = 1e-6


def cases():
    """(matdiff case, SymPy builder) pairs: the seed programs, then deep and
    wide networks."""
    out = [(c, sympy_programs.BUILDERS[c.example]) for c in programs.CASES if c.example]
    for layers in (1, 2, 4, 8):
        case = programs.Case(
            f"deep-mlp-{layers}", programs.deep_mlp_source(layers), [f"W_{l}" for l in range(1, layers + 1)],
            programs.f_deep_mlp(layers), {"n": 500}, {"n": 3}, domain=programs.scaled_weights(layers))
        out.append((case, sympy_programs.deep_mlp(layers)))
    wide = next(c for c in programs.CASES if c.name.startswith("wide-mlp-2"))
    out.append((wide, sympy_programs.wide_mlp(2)))
    return out


# ---- matdiff -----------------------------------------------------------------

def wall_time(argv, stdin, runs=3):
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, input=stdin, capture_output=True, text=True, check=True)
        best = min(best, time.perf_counter() - start)
    return best


def matdiff_row(case, seed):
    argv = [programs.BINARY, "--wrt", ",".join(case.wrt)] + (["--hessian"] if case.hessian else [])
    checked = wall_time(argv, case.source)
    unchecked = wall_time(argv + ["--no-check"], case.source)
    text = programs.matdiff(case, "unicode", check=False)
    shown = "\n".join(line for line in text.splitlines() if not line.startswith("  not checked"))
    module = programs.load_module(programs.matdiff(case, "numpy"), case.name.replace("-", "_"))
    vars_, kind, wrt = programs.variables(case)
    rng = np.random.default_rng(seed)
    worst = 0.0
    for _ in range(POINTS):
        env = programs.draw_point(case, vars_, case.small, rng)
        got = module(**env)
        worst = max(worst, *(programs.check_derivative(case.forward, env, w, got[w], kind, rng) for w in wrt))
    return {"checked": checked, "unchecked": unchecked, "size": len(shown.encode()), "error": worst,
            "vars": vars_, "kind": kind, "wrt": wrt}


# ---- SymPy (in a child process, under a time limit) ----------------------------

def as_sympy_arg(value):
    if isinstance(value, float):
        return value
    value = np.asarray(value, dtype=float)
    return value.reshape(-1, 1) if value.ndim == 1 else value


def layouts(value, var_shape, f_shape, kind):
    """Candidate readings of a SymPy result in matdiff's conventions."""
    a = np.asarray(value, dtype=float)
    size = int(np.prod(var_shape)) if var_shape else 1
    if kind == "gradient":
        flat = np.squeeze(a)
        if flat.size != size:
            return []
        shape2 = var_shape if len(var_shape) == 2 else (size, 1)
        cands = [flat.reshape(shape2)]
        if len(shape2) == 2:
            cands.append(flat.reshape(shape2[::-1]).T)
        return cands
    if kind == "hessian":
        flat = np.squeeze(a)
        if flat.size != size * size:
            return []
        h = flat.reshape(size, size)
        return [h, h.T]
    # a Jacobian: SymPy's 4-index array, F (fa×fb) by X (xa×xb), any order
    fa, fb = f_shape
    xa, xb = var_shape if len(var_shape) == 2 else (var_shape[0], 1)
    want = (fa, fb, xa, xb)
    if a.size != fa * fb * xa * xb:
        return []
    a4 = a.reshape([d for d in a.shape if d != 1] or [1]) if a.ndim != 4 else a
    out = []
    if a4.ndim == 4:
        for perm in itertools.permutations(range(4)):
            t = a4.transpose(perm)
            if t.shape == want:
                out.append(t.reshape(fa * fb, xa * xb, order="F"))
    elif a4.ndim == 2 and a4.shape == (fa * fb, xa * xb):
        out.append(a4)
    return out


def numpy_printer():
    """SymPy's NumPy printer, taught two things SymPy returns but cannot
    print: `Trace` (as numpy.trace) and an elementwise `applyfunc` (as the
    Lambda applied to the array; its body is built of NumPy ufuncs)."""
    from sympy.printing.numpy import NumPyPrinter

    class Printer(NumPyPrinter):
        def _print_Trace(self, e):
            return f"numpy.trace({self._print(e.arg)})"

        def _print_ElementwiseApplyFunction(self, e):
            fn = e.function
            return f"(lambda {self._print(fn.variables[0])}: {self._print(fn.expr)})({self._print(e.expr)})"

    return Printer({"fully_qualified_modules": False, "inline": True, "allow_unknown_functions": True,
                    "user_functions": {}})


def sympy_job(case, builder, vars_, kind, wrt, seed, queue):
    import sympy as sp
    from sympy.core.cache import clear_cache

    try:
        f, syms, hessian = builder()
        best, results = float("inf"), None
        for _ in range(3):
            clear_cache()
            start = time.perf_counter()
            results = [f.diff(s).diff(s) if hessian else f.diff(s) for s in syms]
            best = min(best, time.perf_counter() - start)
        size = sum(len(str(r).encode()) for r in results)
    except Exception as e:  # SymPy raised: record what
        queue.put({"status": "fails", "why": f"{type(e).__name__}: {str(e).splitlines()[0][:70]}"})
        return
    row = {"time": best, "size": size}
    try:
        if any(r.has(sp.Derivative) or "Derivative" in type(r).__name__ for r in results):
            row.update(status="unevaluated", why="returns an unevaluated Derivative")
            queue.put(row)
            return
        rng = np.random.default_rng(seed)
        dims = {sympy_programs.DIMS[d]: v for d, v in case.small.items()}
        by_name = {s.name: s for s in syms}
        worst = 0.0
        for point in range(POINTS):
            env = programs.draw_point(case, vars_, case.small, rng)
            f_value = np.asarray(case.forward(env))
            f_shape = f_value.shape if f_value.ndim == 2 else ((f_value.shape[0], 1) if f_value.ndim == 1 else (1, 1))
            args = []
            for name, _ in vars_:
                v = env[name]
                args.append(sp.Symbol(name) if isinstance(v, float)
                            else sp.MatrixSymbol(name, *as_sympy_arg(v).shape))
            for w in wrt:
                try:
                    expr = results[[s.name for s in syms].index(by_name[w].name)].subs(dims)
                except sp.matrices.exceptions.ShapeError as e:
                    # a result whose shapes only fit while the sizes are
                    # symbols: wrong, and evaluable at no size
                    row.update(status="wrong", why=f"ill-shaped ({str(e).splitlines()[0][:50]})", error=float("inf"))
                    queue.put(row)
                    return
                values = [as_sympy_arg(env[name]) for name, _ in vars_]
                try:
                    value = sp.lambdify(args, expr, "numpy", printer=numpy_printer())(*values)
                    via = ""
                except Exception as e:
                    # lambdify cannot print everything SymPy returns; at
                    # concrete sizes, the explicit matrix (entry by entry)
                    # is the same mathematics
                    first = f"{type(e).__name__}: {str(e).splitlines()[0][:60]}" if str(e) else type(e).__name__
                    try:
                        value = sp.lambdify(args, expr.as_explicit(), "numpy", printer=numpy_printer())(*values)
                        via = "explicit"
                    except Exception as e2:
                        second = f"{type(e2).__name__}: {str(e2).splitlines()[0][:60]}" if str(e2) else type(e2).__name__
                        row.update(status="cannot evaluate", why=f"lambdify: {first}; as_explicit: {second}")
                        queue.put(row)
                        return
                if via:
                    row["via"] = via
                var_shape = np.shape(env[w])
                cands = layouts(value, var_shape, f_shape, kind)
                errors = [programs.check_derivative(case.forward, env, w, c, kind, np.random.default_rng(seed + point))
                          for c in cands] or [float("inf")]
                worst = max(worst, min(errors))
        row.update(status="correct" if worst < AGREE else "wrong", error=worst)
        if row.get("via"):
            row["why"] = "evaluated entry by entry (as_explicit): lambdify cannot print the result"
    except Exception as e:
        row.update(status="cannot evaluate", why=f"{type(e).__name__}: {str(e).splitlines()[0][:60]}",
                   trace=traceback.format_exc())
    queue.put(row)


def sympy_row(case, builder, m, timeout, seed):
    queue = mp.get_context("fork").Queue()
    proc = mp.get_context("fork").Process(target=sympy_job, args=(case, builder, m["vars"], m["kind"], m["wrt"], seed, queue))
    proc.start()
    proc.join(timeout)
    if proc.is_alive():
        proc.kill()
        proc.join()
        return {"status": "timeout", "why": f"no answer in {timeout:.0f} s"}
    return queue.get() if not queue.empty() else {"status": "fails", "why": f"the process died (exit {proc.exitcode})"}


# ---- the table -----------------------------------------------------------------

def fmt_time(s):
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if s >= scale * 0.9995:  # so that 999.7 µs reads 1 ms
            return f"{s / scale:.3g} {unit}"
    return f"{s / 1e-9:.3g} ns"


def verdict(status, error=None, why=None):
    note = f"; {why}" if why else ""
    if status == "correct":
        return f"correct ({error:.0e}){note}"
    if status == "wrong":
        return (f"**wrong** ({error:.0e}){note}" if error != float("inf") else f"**wrong**{note}")
    return f"**{status}**" + (f": {why}" if why else "")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("filter", nargs="?", default="")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds SymPy gets per program (default 120)")
    args = ap.parse_args()

    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=programs.ROOT, check=True)
    import sympy

    print(f"<!-- {datetime.date.today()}, {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"SymPy {sympy.__version__}, NumPy {np.__version__} -->\n")
    print("| program | matdiff time: checked / --no-check | SymPy time | SymPy ÷ matdiff | matdiff size | SymPy size "
          "| SymPy ÷ matdiff size | matdiff | SymPy |")
    print("|---|---:|---:|---:|---:|---:|---:|---|---|")
    tally = {}
    for i, (case, builder) in enumerate(cases()):
        if args.filter not in case.name:
            continue
        m = matdiff_row(case, 7000 + i)
        s = sympy_row(case, builder, m, args.timeout, 7000 + i)
        tally[s["status"]] = tally.get(s["status"], 0) + 1
        has_time = "time" in s
        t_ratio = f"{s['time'] / m['unchecked']:.2f}" if has_time else ""
        size_ratio = f"{s['size'] / m['size']:.2f}" if has_time else ""
        m_verdict = verdict("correct" if m["error"] < AGREE else "wrong", m["error"])
        print(f"| {case.name} | {fmt_time(m['checked'])} / {fmt_time(m['unchecked'])} | "
              f"{fmt_time(s['time']) if has_time else '—'} | {t_ratio} | {m['size']} | "
              f"{s['size'] if has_time else '—'} | {size_ratio} | {m_verdict} | "
              f"{verdict(s['status'], s.get('error'), s.get('why'))} |", flush=True)
        if "trace" in s and os.environ.get("PEERS_DEBUG"):
            print(s["trace"], file=sys.stderr)
    print("\nSymPy: " + ", ".join(f"{v} {k}" for k, v in sorted(tally.items())))


if __name__ == "__main__":
    main()
