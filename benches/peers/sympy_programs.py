"""The benchmark programs in SymPy's matrix expressions, written by hand.

Each builder takes nothing and returns `(f, wrt, hessian)`: the function as
a SymPy expression over `MatrixSymbol`s named as in matdiff's NumPy module
(so that `lambdify` takes the same arguments), the symbols to differentiate
with respect to, and whether the Hessian is wanted.

The translation is the natural one, operation for operation:
- column vectors are `n×1` MatrixSymbols, `𝟙` is `OneMatrix`, `I` is
  `Identity`;
- elementwise functions are `applyfunc` (σ as `Lambda(z, 1/(1 + exp(−z)))`,
  relu as `Lambda(z, Max(z, 0))`);
- `‖v‖²` and `a : b` for vectors are `vᵀv` and `aᵀb` (1×1 matrices); for
  matrices, `‖Z‖_F²` is `Trace(ZᵀZ)`;
- a sum of a scalar (`log det`) and a 1×1 matrix, which SymPy refuses to add,
  takes the trace of the 1×1 matrix;
- SymPy has no softmax or logsumexp: `logsumexp(x)` is
  `log(Trace(𝟙ᵀ exp(x)))`, and `log softmax(θ)` is `θ − 𝟙 logsumexp(θ)`.
"""

import sympy as sp
from sympy import Determinant, Inverse, Lambda, MatrixSymbol, OneMatrix, Trace, log

z = sp.Symbol("z")
SIGMA = Lambda(z, 1 / (1 + sp.exp(-z)))
RELU = Lambda(z, sp.Max(z, 0))
m, n, p, q, r, k = sp.symbols("m n p q r k", integer=True, positive=True)
DIMS = {"m": m, "n": n, "p": p, "q": q, "r": r, "k": k}


def M(name, rows, cols):
    return MatrixSymbol(name, rows, cols)


def sq(v):
    return v.T * v


def gaussian_loglik():
    mu, x, S = M("mu", n, 1), M("x", n, 1), M("Sigma", n, n)
    f = log(Determinant(S)) / 2 + Trace((x - mu).T * Inverse(S) * (x - mu)) / 2
    return f, [mu, S], False


def kronecker_jacobian():
    A, X, B = M("A", m, n), M("X", n, p), M("B", p, q)
    return A * X * B, [X], False


def least_squares():
    A, x, b = M("A", m, n), M("x", n, 1), M("b", m, 1)
    return sq(A * x - b), [x], False


def linear_chain():
    W23, W12, W01, x0, y = M("W_23", m, n), M("W_12", n, p), M("W_01", p, q), M("x_0", q, 1), M("y", m, 1)
    x3 = W23 * W12 * W01 * x0
    return sq(x3 - y) / 2, [W01, W12, W23], False


def logdet():
    X = M("X", m, m)
    return log(Determinant(X)), [X], False


def _logistic():
    X, w, y = M("X", m, n), M("w", n, 1), M("y", m, 1)
    p_ = (X * w).applyfunc(SIGMA)
    one = OneMatrix(m, 1)
    f = -(y.T * p_.applyfunc(log) + (one - y).T * (one - p_).applyfunc(log))
    return f, w


def logistic_regression():
    f, w = _logistic()
    return f, [w], False


def logistic_hessian():
    f, w = _logistic()
    return f, [w], True


def logsumexp_hessian():
    x = M("x", m, 1)
    return log(Trace(OneMatrix(1, m) * x.applyfunc(sp.exp))), [x], True


def nested_activations():
    y, A, B, x = M("y", m, 1), M("A", m, n), M("B", n, p), M("x", p, 1)
    return y.T * (A * (B * x).applyfunc(SIGMA)).applyfunc(sp.tanh), [A, B], False


def one_hidden_layer_jacobian():
    U, W, X, b, c = M("U", m, n), M("W", n, p), M("X", p, q), M("b", n, 1), M("c", m, 1)
    return U * (W * X + b * OneMatrix(1, q)).applyfunc(SIGMA) + c * OneMatrix(1, q), [X], False


def quadratic_chain():
    x, B, A = M("x", m, 1), M("B", n, m), M("A", p, n)
    return x.T * B.T * A.T * A * B * x / 2, [A, B], False


def quadratic_form():
    x, A = M("x", m, 1), M("A", m, m)
    return x.T * A * x, [x], False


def relu_layer():
    W, x, y = M("W", m, n), M("x", n, 1), M("y", m, 1)
    return sq((W * x).applyfunc(RELU) - y) / 2, [W], False


def ridge():
    X, w, y = M("X", m, n), M("w", n, 1), M("y", m, 1)
    lam = sp.Symbol("lambda_")
    return sq(X * w - y) + lam * sq(w), [w], False


def sigmoid_mse():
    W, x, y = M("W", m, n), M("x", n, 1), M("y", m, 1)
    s = (W * x).applyfunc(SIGMA)
    return (s - y).T * (s - y) / 2, [W], False


def softmax_xent_rows():
    x, W1, b1, W2, b2, p_ = M("x", 1, 5), M("W_1", 5, 3), M("b_1", 1, 3), M("W_2", 3, 5), M("b_2", 1, 5), M("p", 1, 5)
    h = (x * W1 + b1).applyfunc(SIGMA)
    theta = h * W2 + b2
    lse = log(Trace(theta.applyfunc(sp.exp) * OneMatrix(5, 1)))
    return -Trace(p_ * (theta - lse * OneMatrix(1, 5)).T), [x], False


def softmax_xent():
    W1, x, b1, W2, b2, p_ = M("W_1", m, n), M("x", m, 1), M("b_1", n, 1), M("W_2", n, r), M("b_2", r, 1), M("p", r, 1)
    h = (W1.T * x + b1).applyfunc(SIGMA)
    theta = W2.T * h + b2
    lse = log(Trace(OneMatrix(1, r) * theta.applyfunc(sp.exp)))
    return -Trace(p_.T * (theta - lse * OneMatrix(r, 1))), [x], False


def trace_inverse():
    X, A = M("X", m, m), M("A", m, m)
    return Trace(Inverse(X) * A), [X], False


def two_layer_mlp():
    W1, x, b1, W2, b2, y = M("W_1", m, n), M("x", n, 1), M("b_1", m, 1), M("W_2", p, m), M("b_2", p, 1), M("y", p, 1)
    h = (W1 * x + b1).applyfunc(sp.tanh)
    z_ = W2 * h + b2
    return sq(z_ - y) / 2, [W1, W2, b1], False


def deep_mlp(layers):
    def build():
        x, y = M("x", n, 1), M("y", n, 1)
        h, ws = x, []
        for l in range(1, layers + 1):
            W, b = M(f"W_{l}", n, n), M(f"b_{l}", n, 1)
            ws.append(W)
            h = (W * h + b).applyfunc(sp.tanh)
        return sq(h - y) / 2, ws, False
    return build


def wide_mlp(layers):
    def build():
        X, Y = M("X", n, k), M("Y", n, k)
        h, ws = X, []
        for l in range(1, layers + 1):
            W, b = M(f"W_{l}", n, n), M(f"b_{l}", n, 1)
            ws.append(W)
            h = W * h + b * OneMatrix(1, k)
            if l < layers:
                h = h.applyfunc(sp.tanh)
        return Trace((h - Y).T * (h - Y)) / 2, ws, False
    return build


BUILDERS = {
    "gaussian-loglik": gaussian_loglik,
    "kronecker-jacobian": kronecker_jacobian,
    "least-squares": least_squares,
    "linear-chain": linear_chain,
    "logdet": logdet,
    "logistic-hessian": logistic_hessian,
    "logistic-regression": logistic_regression,
    "logsumexp-hessian": logsumexp_hessian,
    "nested-activations": nested_activations,
    "one-hidden-layer-jacobian": one_hidden_layer_jacobian,
    "quadratic-chain": quadratic_chain,
    "quadratic-form": quadratic_form,
    "relu-layer": relu_layer,
    "ridge": ridge,
    "sigmoid-mse": sigmoid_mse,
    "softmax-xent-rows": softmax_xent_rows,
    "softmax-xent": softmax_xent,
    "trace-inverse": trace_inverse,
    "two-layer-mlp": two_layer_mlp,
}
