"""The benchmark programs: each with its matdiff source and options, sizes
for its symbolic dimensions, a point inside its domain, and a forward pass
written by hand in plain NumPy.

Shared by `benches/numpy/bench.py` (evaluation cost of the emitted NumPy
gradient against the forward pass) and `benches/peers/compare.py` (SymPy
side by side with matdiff).

Conventions of the forward passes: the arguments are the matdiff NumPy
module's (`derivatives(**env)`, CONTRACT §3): column vectors as 1-D arrays,
row vectors (declared 1×n) and matrices as 2-D arrays, scalars as floats,
keyed by the Python spelling of the name (`Σ` → `Sigma`, `λ` → `lambda_`).
Each forward pass computes the function the way a NumPy user would write it
(a product chain applied to the vector first, `solve` and `slogdet` rather
than an inverse); where that differs from the literal order of the program,
the comment says so.
"""

import json
import os
import subprocess
from dataclasses import dataclass, field

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.path.join(ROOT, "target", "release", "matdiff")


def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def logsumexp(z):
    m = z.max()
    return m + np.log(np.exp(z - m).sum())


def spd(n, rng):
    """A well-conditioned symmetric positive definite matrix."""
    a = rng.standard_normal((n, n)) / np.sqrt(n)
    return a @ a.T + np.eye(n)


def well_conditioned(n, rng):
    """A square matrix safely away from singular."""
    return np.eye(n) * 2.0 + rng.standard_normal((n, n)) / np.sqrt(n)


@dataclass
class Case:
    name: str
    #: the matdiff program text
    source: str
    wrt: list
    #: the plain NumPy forward pass: env → the value of the function
    forward: object
    #: sizes of the named dimensions (the benchmark size)
    sizes: dict
    #: sizes for correctness checks (small: finite differences, SymPy)
    small: dict = None
    hessian: bool = False
    #: name → (rng, shape) → value, for variables with a domain
    domain: dict = field(default_factory=dict)
    #: a remark for the tables
    note: str = ""
    #: the seed example this comes from (None for generated programs)
    example: str = None
    #: a hand-written NumPy gradient (textbook backpropagation), env → {name:
    #: value}, for gradients: what a careful person would write; None for
    #: Jacobians and Hessians
    reference: object = None


def example_source(name):
    with open(os.path.join(ROOT, "examples", f"{name}.mdiff"), encoding="utf-8") as f:
        return f.read()


def example_wrt(source):
    wrt = []
    for line in source.splitlines():
        if line.startswith("# wrt:"):
            wrt += [w.strip() for w in line[len("# wrt:"):].split(",") if w.strip()]
    return wrt


def example_case(name, forward, sizes, small=None, **kw):
    source = example_source(name)
    hessian = any(line.strip() == "# hessian" for line in source.splitlines())
    return Case(name, source, example_wrt(source), forward, sizes, small or {}, hessian, example=name, **kw)


# ---- the forward passes, one per program ------------------------------------

def f_gaussian(e):
    # 1/2 logdet(Σ) + 1/2 (x − μ)ᵀ Σ⁻¹ (x − μ): slogdet and a solve, no inverse
    d = e["x"] - e["mu"]
    return 0.5 * np.linalg.slogdet(e["Sigma"])[1] + 0.5 * d @ np.linalg.solve(e["Sigma"], d)


def f_kronecker(e):
    return e["A"] @ e["X"] @ e["B"]


def f_least_squares(e):
    r = e["A"] @ e["x"] - e["b"]
    return r @ r


def f_linear_chain(e):
    # W_23 W_12 W_01 x_0, applied to the vector first (three products of a
    # matrix and a vector; the literal left-to-right order would multiply
    # matrices)
    x3 = e["W_23"] @ (e["W_12"] @ (e["W_01"] @ e["x_0"]))
    r = x3 - e["y"]
    return 0.5 * r @ r


def f_logdet(e):
    return np.linalg.slogdet(e["X"])[1]


def f_logistic(e):
    p = sigmoid(e["X"] @ e["w"])
    y = e["y"]
    return -(y @ np.log(p) + (1.0 - y) @ np.log(1.0 - p))


def f_logsumexp(e):
    return logsumexp(e["x"])


def f_nested(e):
    return e["y"] @ np.tanh(e["A"] @ sigmoid(e["B"] @ e["x"]))


def f_one_hidden_jacobian(e):
    # U σ(W X + b 𝟙ᵀ) + c 𝟙ᵀ, the outer products by broadcasting
    return e["U"] @ sigmoid(e["W"] @ e["X"] + e["b"][:, None]) + e["c"][:, None]


def f_quadratic_chain(e):
    # 1/2 xᵀBᵀAᵀABx = 1/2 ‖ABx‖², the vector first
    u = e["A"] @ (e["B"] @ e["x"])
    return 0.5 * u @ u


def f_quadratic_form(e):
    return e["x"] @ (e["A"] @ e["x"])


def f_relu(e):
    h = np.maximum(e["W"] @ e["x"], 0.0)
    r = h - e["y"]
    return 0.5 * r @ r


def f_ridge(e):
    r = e["X"] @ e["w"] - e["y"]
    return r @ r + e["lambda_"] * (e["w"] @ e["w"])


def f_sigmoid_mse(e):
    r = sigmoid(e["W"] @ e["x"]) - e["y"]
    return 0.5 * r @ r


def f_softmax_xent_rows(e):
    h = sigmoid(e["x"] @ e["W_1"] + e["b_1"])
    theta = h @ e["W_2"] + e["b_2"]
    return -np.sum(e["p"] * np.log(softmax(theta)))


def f_softmax_xent(e):
    h = sigmoid(e["W_1"].T @ e["x"] + e["b_1"])
    theta = e["W_2"].T @ h + e["b_2"]
    # −p : log softmax(θ), as log-softmax (θ − logsumexp θ)
    return -(e["p"] @ (theta - logsumexp(theta)))


def f_trace_inverse(e):
    # tr(X⁻¹A) by a solve
    return np.trace(np.linalg.solve(e["X"], e["A"]))


def f_two_layer(e):
    h = np.tanh(e["W_1"] @ e["x"] + e["b_1"])
    r = e["W_2"] @ h + e["b_2"] - e["y"]
    return 0.5 * r @ r


# ---- hand-written gradients (reverse mode by hand, outer products by
# np.outer, no Diag matrix, each product applied to a vector first) ----------

def g_gaussian(e):
    d = e["x"] - e["mu"]
    si = np.linalg.inv(e["Sigma"])  # one inverse: Σ⁻¹ and Σ⁻ᵀ = (Σ⁻¹)ᵀ
    a, b = si @ d, si.T @ d
    return {"mu": -0.5 * (a + b), "Sigma": 0.5 * si.T - 0.5 * np.outer(b, a)}


def g_least_squares(e):
    return {"x": 2.0 * (e["A"].T @ (e["A"] @ e["x"] - e["b"]))}


def g_linear_chain(e):
    x1 = e["W_01"] @ e["x_0"]
    x2 = e["W_12"] @ x1
    r = e["W_23"] @ x2 - e["y"]
    d2 = e["W_23"].T @ r
    d1 = e["W_12"].T @ d2
    return {"W_23": np.outer(r, x2), "W_12": np.outer(d2, x1), "W_01": np.outer(d1, e["x_0"])}


def g_logdet(e):
    return {"X": np.linalg.inv(e["X"]).T}


def g_logistic(e):
    p = sigmoid(e["X"] @ e["w"])
    return {"w": e["X"].T @ (p - e["y"])}


def g_nested(e):
    s = sigmoid(e["B"] @ e["x"])
    t = np.tanh(e["A"] @ s)
    du = e["y"] * (1.0 - t * t)
    dv = (e["A"].T @ du) * s * (1.0 - s)
    return {"A": np.outer(du, s), "B": np.outer(dv, e["x"])}


def g_quadratic_chain(e):
    v = e["B"] @ e["x"]
    u = e["A"] @ v
    return {"A": np.outer(u, v), "B": np.outer(e["A"].T @ u, e["x"])}


def g_quadratic_form(e):
    return {"x": e["A"] @ e["x"] + e["A"].T @ e["x"]}


def g_relu(e):
    v = e["W"] @ e["x"]
    h = np.maximum(v, 0.0)
    return {"W": np.outer((h - e["y"]) * (v > 0), e["x"])}


def g_ridge(e):
    return {"w": 2.0 * (e["X"].T @ (e["X"] @ e["w"] - e["y"]) + e["lambda_"] * e["w"])}


def g_sigmoid_mse(e):
    s = sigmoid(e["W"] @ e["x"])
    return {"W": np.outer((s - e["y"]) * s * (1.0 - s), e["x"])}


def g_softmax_xent_rows(e):
    h = sigmoid(e["x"] @ e["W_1"] + e["b_1"])
    q = softmax(h @ e["W_2"] + e["b_2"])
    dtheta = q * e["p"].sum() - e["p"]
    da = (dtheta @ e["W_2"].T) * h * (1.0 - h)
    return {"x": da @ e["W_1"].T}


def g_softmax_xent(e):
    h = sigmoid(e["W_1"].T @ e["x"] + e["b_1"])
    q = softmax(e["W_2"].T @ h + e["b_2"])
    dtheta = q * e["p"].sum() - e["p"]
    da = (e["W_2"] @ dtheta) * h * (1.0 - h)
    return {"x": e["W_1"] @ da}


def g_trace_inverse(e):
    xi = np.linalg.inv(e["X"])
    return {"X": -(xi @ e["A"] @ xi).T}


def g_two_layer(e):
    h = np.tanh(e["W_1"] @ e["x"] + e["b_1"])
    r = e["W_2"] @ h + e["b_2"] - e["y"]
    dv = (e["W_2"].T @ r) * (1.0 - h * h)
    return {"W_1": np.outer(dv, e["x"]), "W_2": np.outer(r, h), "b_1": dv}


def g_deep_mlp(layers):
    def gradient(e):
        hs = [e["x"]]
        for l in range(1, layers + 1):
            hs.append(np.tanh(e[f"W_{l}"] @ hs[-1] + e[f"b_{l}"]))
        out = {}
        delta = (hs[-1] - e["y"]) * (1.0 - hs[-1] * hs[-1])
        for l in range(layers, 0, -1):
            out[f"W_{l}"] = np.outer(delta, hs[l - 1])
            if l > 1:
                delta = (e[f"W_{l}"].T @ delta) * (1.0 - hs[l - 1] * hs[l - 1])
        return out
    return gradient


def g_wide_mlp(layers):
    def gradient(e):
        hs = [e["X"]]
        for l in range(1, layers):
            hs.append(np.tanh(e[f"W_{l}"] @ hs[-1] + e[f"b_{l}"][:, None]))
        delta = e[f"W_{layers}"] @ hs[-1] + e[f"b_{layers}"][:, None] - e["Y"]
        out = {}
        for l in range(layers, 0, -1):
            out[f"W_{l}"] = delta @ hs[l - 1].T
            if l > 1:
                delta = (e[f"W_{l}"].T @ delta) * (1.0 - hs[l - 1] * hs[l - 1])
        return out
    return gradient


# ---- generated programs ------------------------------------------------------

def wide_mlp_source(layers):
    """A batched tanh MLP: X : n×k, L square layers, a linear last layer."""
    lines = ["X : n×k", "Y : n×k"]
    for l in range(1, layers + 1):
        lines += [f"W_{l} : n×n", f"b_{l} : n"]
    previous = "X"
    for l in range(1, layers):
        lines.append(f"H_{l} = tanh(W_{l} {previous} + b_{l} 𝟙^T)")
        previous = f"H_{l}"
    lines.append(f"Z = W_{layers} {previous} + b_{layers} 𝟙^T")
    lines.append("E = 1/2 ||Z - Y||_F^2")
    return "\n".join(lines) + "\n"


def f_wide_mlp(layers):
    def forward(e):
        h = e["X"]
        for l in range(1, layers):
            h = np.tanh(e[f"W_{l}"] @ h + e[f"b_{l}"][:, None])
        r = e[f"W_{layers}"] @ h + e[f"b_{layers}"][:, None] - e["Y"]
        return 0.5 * np.sum(r * r)
    return forward


def deep_mlp_source(layers):
    """The program of benches/layers.rs: h_l = tanh(W_l h_{l−1} + b_l)."""
    lines = ["x : n", "y : n"]
    for l in range(1, layers + 1):
        lines += [f"W_{{{l}}} : n×n", f"b_{{{l}}} : n"]
    previous = "x"
    for l in range(1, layers + 1):
        lines.append(f"h_{{{l}}} = tanh(W_{{{l}}} {previous} + b_{{{l}}})")
        previous = f"h_{{{l}}}"
    lines.append(f"E = 1/2 ||{previous} - y||^2")
    return "\n".join(lines) + "\n"


def f_deep_mlp(layers):
    def forward(e):
        h = e["x"]
        for l in range(1, layers + 1):
            h = np.tanh(e[f"W_{l}"] @ h + e[f"b_{l}"])
        r = h - e["y"]
        return 0.5 * r @ r
    return forward


def _scaled_draw(rng, shape):
    return rng.standard_normal(shape) / np.sqrt(shape[1])


def scaled(*names):
    """Weight matrices scaled by 1/√(columns), so products stay O(1)."""
    return {name: _scaled_draw for name in names}


def scaled_weights(layers):
    """W_1 … W_L scaled by 1/√n, so a deep network's activations stay O(1)."""
    return scaled(*(f"W_{l}" for l in range(1, layers + 1)))


def probability(rng, shape):
    v = rng.random(shape) + 0.1
    return v / v.sum()


def unit_interval(rng, shape):
    return rng.random(shape)


N = 1000  # the default benchmark size of a dimension

CASES = [
    example_case("gaussian-loglik", f_gaussian, {"n": 300}, {"n": 4}, reference=g_gaussian,
                 domain={"Sigma": lambda rng, s: spd(s[0], rng)}),
    example_case("kronecker-jacobian", f_kronecker, {"m": 20, "n": 20, "p": 20, "q": 20}, {"m": 3, "n": 2, "p": 3, "q": 2}),
    example_case("least-squares", f_least_squares, {"m": N, "n": N}, {"m": 5, "n": 3}, reference=g_least_squares,
                 domain=scaled("A")),
    example_case("linear-chain", f_linear_chain, {"m": N, "n": N, "p": N, "q": N}, {"m": 3, "n": 4, "p": 2, "q": 3},
                 reference=g_linear_chain, domain=scaled("W_23", "W_12", "W_01")),
    example_case("logdet", f_logdet, {"m": 300}, {"m": 4}, reference=g_logdet,
                 domain={"X": lambda rng, s: spd(s[0], rng)}),
    example_case("logistic-hessian", f_logistic, {"m": N, "n": 200}, {"m": 6, "n": 3},
                 domain={"y": unit_interval} | scaled("X")),
    example_case("logistic-regression", f_logistic, {"m": N, "n": N}, {"m": 6, "n": 3}, reference=g_logistic,
                 domain={"y": unit_interval} | scaled("X")),
    example_case("logsumexp-hessian", f_logsumexp, {"m": N}, {"m": 5}),
    example_case("nested-activations", f_nested, {"m": N, "n": N, "p": N}, {"m": 3, "n": 4, "p": 2},
                 reference=g_nested, domain=scaled("A", "B")),
    example_case("one-hidden-layer-jacobian", f_one_hidden_jacobian, {"m": 20, "n": 20, "p": 20, "q": 10},
                 {"m": 2, "n": 3, "p": 2, "q": 2}),
    example_case("quadratic-chain", f_quadratic_chain, {"m": N, "n": N, "p": N}, {"m": 3, "n": 4, "p": 2},
                 reference=g_quadratic_chain, domain=scaled("A", "B")),
    example_case("quadratic-form", f_quadratic_form, {"m": N}, {"m": 4}, reference=g_quadratic_form,
                 domain=scaled("A")),
    example_case("relu-layer", f_relu, {"m": N, "n": N}, {"m": 4, "n": 3}, reference=g_relu,
                 domain=scaled("W")),
    example_case("ridge", f_ridge, {"m": N, "n": N}, {"m": 5, "n": 3}, reference=g_ridge,
                 domain={"lambda_": lambda rng, s: float(rng.random() + 0.5)} | scaled("X")),
    example_case("sigmoid-mse", f_sigmoid_mse, {"m": N, "n": N}, {"m": 4, "n": 3}, reference=g_sigmoid_mse,
                 domain=scaled("W")),
    example_case("softmax-xent-rows", f_softmax_xent_rows, {}, {}, reference=g_softmax_xent_rows,
                 domain={"p": probability}, note="sizes declared in the program (5 and 3)"),
    example_case("softmax-xent", f_softmax_xent, {"m": N, "n": N, "r": N}, {"m": 3, "n": 4, "r": 5},
                 reference=g_softmax_xent, domain={"p": probability} | scaled("W_1", "W_2")),
    example_case("trace-inverse", f_trace_inverse, {"m": 300}, {"m": 4}, reference=g_trace_inverse,
                 domain={"X": lambda rng, s: well_conditioned(s[0], rng)}),
    example_case("two-layer-mlp", f_two_layer, {"m": N, "n": N, "p": N}, {"m": 4, "n": 3, "p": 2},
                 reference=g_two_layer, domain=scaled("W_1", "W_2")),
    Case("deep-mlp-8 (vector)", deep_mlp_source(8), [f"W_{l}" for l in range(1, 9)], f_deep_mlp(8),
         {"n": 500}, {"n": 3}, domain=scaled_weights(8), reference=g_deep_mlp(8),
         note="benches/layers.rs program, L = 8, width 500"),
    Case("wide-mlp-2 (1000×64 batch)", wide_mlp_source(2), ["W_1", "W_2"], f_wide_mlp(2),
         {"n": 1000, "k": 64}, {"n": 3, "k": 2}, domain=scaled_weights(2), reference=g_wide_mlp(2)),
    Case("wide-mlp-3 (1000×64 batch)", wide_mlp_source(3), ["W_1", "W_2", "W_3"], f_wide_mlp(3),
         {"n": 1000, "k": 64}, {"n": 3, "k": 2}, domain=scaled_weights(3), reference=g_wide_mlp(3)),
]


# ---- running matdiff ---------------------------------------------------------

def matdiff(case, fmt, check=True, timeout=600):
    """matdiff's output for the case, as text (raises on failure)."""
    argv = [BINARY, "--format", fmt, "--wrt", ",".join(case.wrt)]
    if case.hessian:
        argv.append("--hessian")
    if not check:
        argv.append("--no-check")
    run = subprocess.run(argv, input=case.source, capture_output=True, text=True, timeout=timeout)
    if run.returncode != 0:
        raise RuntimeError(f"matdiff failed on {case.name} (exit {run.returncode}): {run.stderr.strip()}")
    return run.stdout


def variables(case):
    """From matdiff's JSON output: [(python name, (rows, cols) as dimension
    names)], the kind of derivative, and the Python name of each `--wrt`."""
    info = json.loads(matdiff(case, "json", check=False))
    python = {v["name"]: v["python"] for v in info["variables"]}
    wrt = [python[w.replace("{", "").replace("}", "")] for w in case.wrt]
    return [(v["python"], tuple(v["shape"])) for v in info["variables"]], info["kind"], wrt


def load_module(text, name):
    """Imports the emitted NumPy module from its source text."""
    namespace = {"__name__": f"matdiff_{name}"}
    exec(compile(text, f"<matdiff {name}>", "exec"), namespace)
    return namespace["derivatives"]


def size_of(dim, sizes):
    if dim.isdigit():
        return int(dim)
    if dim not in sizes:
        raise KeyError(f"no size for dimension {dim}")
    return sizes[dim]


def draw_point(case, vars_, sizes, rng):
    """A point inside the case's domain, in the module's conventions."""
    env = {}
    for name, (r, c) in vars_:
        rows, cols = size_of(r, sizes), size_of(c, sizes)
        if (rows, cols) == (1, 1) and r == "1" and c == "1":
            shape = ()
        elif c == "1":
            shape = (rows,)
        else:
            shape = (rows, cols)
        if name in case.domain:
            value = case.domain[name](rng, shape if shape else (1, 1))
        else:
            value = rng.standard_normal(shape) if shape else float(rng.standard_normal())
        env[name] = float(value) if shape == () else np.asarray(value, dtype=float)
    return env


# ---- finite differences of the forward pass ----------------------------------

def _step(x, d, rel):
    scale = max(1.0, float(np.max(np.abs(x))))
    return rel * scale / max(float(np.max(np.abs(d))), 1e-300)


def directional(forward, env, var, d, rel=2.0 ** -10):
    """d/dt forward(env with var += t d) by central differences with one
    Richardson step (as matdiff's check does)."""
    x = np.asarray(env[var], dtype=float)
    h = _step(x, d, rel)

    def central(h):
        plus = dict(env, **{var: x + h * d})
        minus = dict(env, **{var: x - h * d})
        return (np.asarray(forward(plus)) - np.asarray(forward(minus))) / (2 * h)

    coarse, fine = central(h), central(h / 2)
    return fine + (fine - coarse) / 3


def mixed_second(forward, env, var, u, v, rel=2.0 ** -9):
    """uᵀ H v by the four-point formula with one Richardson step."""
    x = np.asarray(env[var], dtype=float)
    hu, hv = _step(x, u, rel), _step(x, v, rel)

    def four(hu, hv):
        f = lambda s, t: float(forward(dict(env, **{var: x + s * u + t * v})))
        return (f(hu, hv) - f(hu, -hv) - f(-hu, hv) + f(-hu, -hv)) / (4 * hu * hv)

    coarse, fine = four(hu, hv), four(hu / 2, hv / 2)
    return fine + (fine - coarse) / 3


def relative_error(got, want):
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    if got.shape != want.shape:
        return float("inf")
    if got.size == 0:
        return 0.0
    return float(np.max(np.abs(got - want)) / max(1.0, float(np.max(np.abs(want)))))


def check_derivative(forward, env, var, value, kind, rng):
    """The relative error of a derivative `value` of `forward` with respect to
    `var` at `env`, in matdiff's conventions (gradient shaped like the
    variable; Jacobian and Hessian in vec order, vec stacking columns),
    against finite differences along a random direction."""
    x = np.asarray(env[var], dtype=float)
    v = rng.standard_normal(x.shape)
    vec = lambda a: np.asarray(a, dtype=float).reshape(-1, order="F")
    if kind == "gradient":
        got = float(np.sum(np.asarray(value, dtype=float).reshape(x.shape) * v))
        return relative_error(got, directional(forward, env, var, v))
    if kind == "jacobian":
        got = np.asarray(value, dtype=float) @ vec(v)
        return relative_error(got, vec(directional(forward, env, var, v)))
    if kind == "hessian":
        u = rng.standard_normal(x.shape)
        got = vec(u) @ np.asarray(value, dtype=float) @ vec(v)
        return relative_error(got, mixed_second(forward, env, var, u, v))
    raise ValueError(kind)
