//! The NumPy module of CONTRACT §3: `derivatives(**env)` returning one
//! array per variable.
//!
//! Inside, every value is 2-D (a column vector is `(n, 1)`), so that a
//! product with `Diag(v)` is the broadcast `v * M` and no diagonal matrix is
//! formed; arguments are reshaped on entry and results on exit. Every named
//! quantity and every subexpression used twice is computed once.

use std::collections::{HashMap, HashSet};
use std::fmt::Write;

use egg::{Id, Language};

use super::Output;
use super::math::{Renderer, Style};
use crate::diff::Kind;
use crate::ir::{Constant, Func, Graph, Math, NameKind};
use crate::name::Name;
use crate::num::Number;
use crate::shape::{Dim, Shape};

/// Python operator precedence, loosest first.
#[derive(Clone, Copy, PartialEq, PartialOrd)]
enum Py {
    Sum = 1,
    Product = 2,
    Unary = 3,
    Power = 4,
    Atom = 5,
}

/// A term of a sum as printed: `+ b`, or `- c * b` for a negative number c.
enum Term {
    Plus((String, Py)),
    Minus(Number, (String, Py)),
}

struct Emitter<'a> {
    g: &'a Graph,
    /// Names (and shared nodes) already assigned, by node.
    bound: HashMap<Id, String>,
    /// Python expressions for named dimensions.
    dims: HashMap<Name, String>,
    helpers: HashSet<&'static str>,
    /// Assignments of intermediate names that the next statement reads
    /// (`_t7 = …`): expressions too deep for Python's parser are split.
    pending: Vec<String>,
    /// Intermediate names made so far (`_t1`, `_t2`, …).
    temps: usize,
}

/// The deepest an expression may nest before a part of it is given a name:
/// Python refuses 200 nested parentheses, and its compiler recurses on the
/// depth of the expression (a flat sum of 5 000 terms is too deep).
const MAX_NESTING: usize = 40;

/// How deeply `text` nests: its deepest brackets, or its number of binary
/// operators (a flat sum nests in Python's syntax tree), whichever is more.
fn nesting(text: &str) -> usize {
    let (mut depth, mut deepest, mut operators) = (0usize, 0usize, 0usize);
    for w in text.as_bytes().windows(3) {
        match w[1] {
            b'(' | b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b'+' | b'-' | b'*' | b'@' | b'/' if w[0] == b' ' && w[2] == b' ' => operators += 1,
            _ => {}
        }
    }
    deepest.max(operators / 8)
}

/// A diagonal matrix as the entries it scales by: a column, or a number
/// (`scalar`) for a multiple of `I`.
struct Diagonal {
    text: (String, Py),
    scalar: bool,
}

const HELPERS: &[(&str, &str)] = &[
    ("_sigmoid", "def _sigmoid(z):\n    return 0.5 * (1.0 + np.tanh(0.5 * z))\n"),
    ("_softmax", "def _softmax(z):\n    e = np.exp(z - np.max(z))\n    return e / np.sum(e)\n"),
    ("_logsumexp", "def _logsumexp(z):\n    c = np.max(z)\n    return c + np.log(np.sum(np.exp(z - c)))\n"),
    ("_softmax_columns", "def _softmax_columns(z):\n    e = np.exp(z - np.max(z, axis=0))\n    return e / np.sum(e, axis=0)\n"),
    (
        "_logsumexp_columns",
        "def _logsumexp_columns(z):\n    \"\"\"The row vector (1, b) of each column's logsumexp.\"\"\"\n    c = np.max(z, axis=0, keepdims=True)\n    return c + np.log(np.sum(np.exp(z - c), axis=0, keepdims=True))\n",
    ),
    (
        "_commutation",
        "def _commutation(m, n):\n    \"\"\"K with K @ vec(X) = vec(X.T) for X of shape (m, n).\"\"\"\n    k = np.zeros((m * n, m * n))\n    for i in range(m):\n        for j in range(n):\n            k[i * n + j, j * m + i] = 1.0\n    return k\n",
    ),
];

fn number(n: Number) -> String {
    match n {
        Number::Rat(p, 1) => format!("{p}.0"),
        _ => format!("{:?}", n.to_f64()),
    }
}

impl Emitter<'_> {
    fn dim(&self, d: &Dim) -> String {
        if let Some(k) = d.as_int() {
            return k.to_string();
        }
        d.render(|n| self.dims.get(&n).cloned().unwrap_or_else(|| n.to_string()), " * ", |e| format!(" ** {e}"))
    }

    fn wrap(&self, (text, prec): (String, Py), at_least: Py) -> String {
        if prec >= at_least { text } else { format!("({text})") }
    }

    /// A diagonal as the row that scales the columns of what it multiplies
    /// from the right: `v.T`, or the number itself (a number has no `.T`).
    fn as_row(&self, d: Diagonal) -> String {
        if d.scalar { self.wrap(d.text, Py::Unary) } else { format!("{}.T", self.wrap(d.text, Py::Atom)) }
    }

    /// The text of `id` as the argument of a NumPy function that needs an
    /// array: a scalar may be a Python float (`np.trace(2.0)` fails).
    fn array(&mut self, id: Id) -> String {
        let text = self.expr(id).0;
        if self.g.is_scalar(id) { format!("np.atleast_2d({text})") } else { text }
    }

    fn call(&mut self, f: &str, a: Id) -> (String, Py) {
        let a = self.array(a);
        (format!("{f}({a})"), Py::Atom)
    }

    /// The diagonal of a matrix built from identities and `Diag(v)` by sums,
    /// products, scalar multiples, powers and transposes, as a column (or a
    /// number, for a multiple of `I`), so that multiplying by it is a
    /// broadcast; `None` for anything else.
    fn diagonal(&mut self, id: Id) -> Option<Diagonal> {
        let g = self.g;
        if g.is_scalar(id) || self.bound.contains_key(&id) {
            return None;
        }
        let scalar = self.diagonal_is_scalar(id)?;
        let text = self.diagonal_text(id)?;
        Some(Diagonal { text, scalar })
    }

    /// Whether the diagonal of `id` (if it has one) is a multiple of `I`.
    fn diagonal_is_scalar(&self, id: Id) -> Option<bool> {
        let g = self.g;
        if g.is_scalar(id) || self.bound.contains_key(&id) {
            return None;
        }
        match *g.node(id) {
            Math::Const(Constant::Identity(_)) => Some(true),
            Math::DiagM(v) if g.shape(v).is_column() => Some(false),
            Math::Trans(a) | Math::Pow([a, _]) => self.diagonal_is_scalar(a),
            Math::Mul([k, a]) if g.is_scalar(k) => self.diagonal_is_scalar(a),
            Math::Mul([a, b]) | Math::Add([a, b]) => Some(self.diagonal_is_scalar(a)? && self.diagonal_is_scalar(b)?),
            _ => None,
        }
    }

    /// The entries of the diagonal of `id` (see [`Emitter::diagonal`]).
    fn diagonal_text(&mut self, id: Id) -> Option<(String, Py)> {
        let g = self.g;
        if g.is_scalar(id) || self.bound.contains_key(&id) {
            return None;
        }
        Some(match *g.node(id) {
            Math::Const(Constant::Identity(_)) => ("1.0".to_string(), Py::Atom),
            Math::DiagM(v) if g.shape(v).is_column() => self.expr(v),
            Math::Trans(a) => self.diagonal_text(a)?,
            Math::Mul([k, a]) if g.is_scalar(k) => {
                let d = self.diagonal_text(a)?;
                if g.num_value(k) == Some(Number::MINUS_ONE) {
                    (format!("-{}", self.wrap(d, Py::Power)), Py::Unary)
                } else {
                    let k = self.expr(k);
                    (format!("{} * {}", self.wrap(k, Py::Product), self.wrap(d, Py::Unary)), Py::Product)
                }
            }
            Math::Mul([a, b]) => {
                let (a, b) = (self.diagonal_text(a)?, self.diagonal_text(b)?);
                (format!("{} * {}", self.wrap(a, Py::Product), self.wrap(b, Py::Unary)), Py::Product)
            }
            Math::Add([a, b]) => {
                let a = self.diagonal_text(a)?;
                let a = self.wrap(a, Py::Sum);
                let negated = match *g.node(b) {
                    Math::Mul([k, rest]) => {
                        g.num_value(k).filter(|k| k.is_negative()).and_then(Number::checked_neg).map(|k| (k, rest))
                    }
                    _ => None,
                };
                match negated {
                    Some((k, rest)) => {
                        let d = self.diagonal_text(rest)?;
                        let d = self.wrap(d, Py::Unary);
                        let k = if k.is_one() { String::new() } else { format!("{} * ", number(k)) };
                        (format!("{a} - {k}{d}"), Py::Sum)
                    }
                    None => {
                        let b = self.diagonal_text(b)?;
                        (format!("{a} + {}", self.wrap(b, Py::Product)), Py::Sum)
                    }
                }
            }
            Math::Pow([a, k]) if g.num_value(k).is_some_and(|k| k.as_int().is_some()) => {
                let d = self.diagonal_text(a)?;
                let k = number(g.num_value(k).expect("checked"));
                (format!("{} ** {k}", self.wrap(d, Py::Atom)), Py::Power)
            }
            _ => return None,
        })
    }

    /// The factors of a product of matrices, left to right, through the
    /// nested products that are matrix products (not bound to a name, not
    /// by a scalar; diagonal matrices are factors of their own).
    fn chain_factors(&mut self, id: Id) -> Vec<Id> {
        let g = self.g;
        match *g.node(id) {
            Math::Mul([a, b]) if !g.is_scalar(a) && !g.is_scalar(b) && self.diagonal(id).is_none() => {
                let inner = |em: &mut Self, x: Id| if em.bound.contains_key(&x) { vec![x] } else { em.chain_factors(x) };
                [inner(self, a), inner(self, b)].concat()
            }
            _ => vec![id],
        }
    }

    /// A chain of matrix products parenthesized for the fewest flops
    /// (the classic dynamic programme, symbolic sizes at a nominal value):
    /// `W_3 @ (W_2 @ (W_1 @ x))`, never `W_3 @ W_2 @ W_1 @ x`. A diagonal
    /// factor scales what it multiplies, at one flop per entry:
    /// `(a * b) * c.T` for `Diag(a) b cᵀ`, never `a * (b * c.T)`.
    fn chain(&mut self, factors: &[Id]) -> (String, Py) {
        let g = self.g;
        let n = factors.len();
        // dims[i] × dims[i+1] is the shape of factor i
        let mut dims: Vec<f64> = factors.iter().map(|&f| crate::simplify::cost::size(&g.shape(f).rows)).collect();
        dims.push(crate::simplify::cost::size(&g.shape(factors[n - 1]).cols));
        let diagonal: Vec<bool> = factors.iter().map(|&f| self.diagonal(f).is_some()).collect();
        let mut cost = vec![vec![0.0f64; n]; n];
        let mut split = vec![vec![0usize; n]; n];
        for len in 2..=n {
            for i in 0..=n - len {
                let j = i + len - 1;
                cost[i][j] = f64::INFINITY;
                for k in i..j {
                    let scaled = (k == i && diagonal[i]) || (k + 1 == j && diagonal[j]);
                    let product = if scaled { dims[i] * dims[j + 1] } else { dims[i] * dims[k + 1] * dims[j + 1] };
                    let c = cost[i][k] + cost[k + 1][j] + product;
                    if c < cost[i][j] {
                        (cost[i][j], split[i][j]) = (c, k);
                    }
                }
            }
        }
        self.chain_part(factors, &split, 0, n - 1)
    }

    fn chain_part(&mut self, factors: &[Id], split: &[Vec<usize>], i: usize, j: usize) -> (String, Py) {
        if i == j {
            return self.expr(factors[i]);
        }
        let k = split[i][j];
        if k == i
            && let Some(d) = self.diagonal(factors[i])
        {
            let r = self.chain_part(factors, split, k + 1, j);
            return (format!("{} * {}", self.wrap(d.text, Py::Product), self.wrap(r, Py::Unary)), Py::Product);
        }
        if k + 1 == j
            && let Some(d) = self.diagonal(factors[j])
        {
            let l = self.chain_part(factors, split, i, k);
            return (format!("{} * {}", self.wrap(l, Py::Product), self.as_row(d)), Py::Product);
        }
        let l = self.chain_part(factors, split, i, k);
        let r = self.chain_part(factors, split, k + 1, j);
        // a column times a row is a broadcast, as in `expr`
        let outer = self.g.shape(factors[k]).cols.is_one();
        let op = if outer { "*" } else { "@" };
        (format!("{} {op} {}", self.wrap(l, Py::Product), self.wrap(r, Py::Unary)), Py::Product)
    }

    /// A term of a sum that NumPy can broadcast instead of building: `1.0`
    /// for `𝟙𝟙ᵀ`, `b` for `b𝟙ᵀ`, `r` for `𝟙r` (the other term has the shape).
    fn broadcast(&self, id: Id) -> Option<Id> {
        let g = self.g;
        if g.is_scalar(id) || self.bound.contains_key(&id) {
            return None;
        }
        match *g.node(id) {
            _ if g.is_all_ones(id) => Some(id),
            Math::Mul([v, o]) if g.shape(v).is_column() && g.is_all_ones(o) => Some(v),
            Math::Mul([o, r]) if g.shape(r).is_row() && g.is_all_ones(o) => Some(r),
            _ => None,
        }
    }

    /// A term of a sum, its sign apart; broadcast if it can be and `broadcast`.
    fn term(&mut self, id: Id, broadcast: bool) -> Term {
        match negated(self.g, id) {
            Some((c, rest)) => Term::Minus(c, self.term_value(rest, broadcast)),
            None => Term::Plus(self.term_value(id, broadcast)),
        }
    }

    fn term_value(&mut self, id: Id, broadcast: bool) -> (String, Py) {
        match self.broadcast(id).filter(|_| broadcast) {
            Some(ones) if ones == id => ("1.0".to_string(), Py::Atom),
            Some(part) => self.expr(part),
            None => self.expr(id),
        }
    }

    /// A term printed first in its sum.
    fn leading(&self, t: Term) -> (String, Py) {
        match t {
            Term::Plus(x) => x,
            Term::Minus(c, r) if c.is_one() => (format!("-{}", self.wrap(r, Py::Power)), Py::Unary),
            Term::Minus(c, r) => (format!("-{} * {}", number(c), self.wrap(r, Py::Unary)), Py::Product),
        }
    }

    /// A new intermediate name, `_t1`, `_t2`, ….
    fn temp(&mut self) -> String {
        self.temps += 1;
        format!("_t{}", self.temps)
    }

    /// The Python expression of `id`; a part too deeply nested for Python
    /// is assigned to a name first (in [`Emitter::pending`]).
    fn expr(&mut self, id: Id) -> (String, Py) {
        if let Some(name) = self.bound.get(&id) {
            return (name.clone(), Py::Atom);
        }
        let (text, prec) = self.expr_unbound(id);
        if nesting(&text) <= MAX_NESTING {
            return (text, prec);
        }
        let t = self.temp();
        self.pending.push(format!("    {t} = {text}\n"));
        self.bound.insert(id, t.clone());
        (t, Py::Atom)
    }

    fn expr_unbound(&mut self, id: Id) -> (String, Py) {
        let g = self.g;
        let node = g.node(id).clone();
        match node {
            Math::Sym(n) => (n.parts().python(), Py::Atom),
            Math::Num(n) if n.is_negative() => (format!("-{}", number(n.checked_neg().unwrap_or(n))), Py::Unary),
            Math::Num(n) => (number(n), Py::Atom),
            Math::Fun(_) | Math::Diff(_) => unreachable!("not a value: {node:?}"),
            Math::Const(c) => match c {
                Constant::Identity(n) => (format!("np.eye({})", self.dim(&n)), Py::Atom),
                Constant::Ones(n) => (format!("np.ones(({}, 1))", self.dim(&n)), Py::Atom),
                Constant::Zero(s) => (format!("np.zeros(({}, {}))", self.dim(&s.rows), self.dim(&s.cols)), Py::Atom),
                // a size comes from the arguments' shapes (`n_ = X.shape[0]`)
                Constant::Size(n) if n.as_name().is_some() => (self.dim(&n), Py::Atom),
                Constant::Size(n) => (self.dim(&n), Py::Product),
                Constant::Commutation(m, n) => {
                    self.helpers.insert("_commutation");
                    (format!("_commutation({}, {})", self.dim(&m), self.dim(&n)), Py::Atom)
                }
            },
            Math::Add([a, b]) => {
                // one term broadcast, never both: the sum keeps its shape
                let b_broadcast = self.broadcast(b).is_some();
                let a = if b_broadcast {
                    self.expr(a)
                } else {
                    let a = self.term(a, true);
                    self.leading(a)
                };
                let a = self.wrap(a, Py::Sum);
                match self.term(b, b_broadcast) {
                    Term::Minus(c, r) => {
                        let r = self.wrap(r, Py::Product);
                        if c.is_one() { (format!("{a} - {r}"), Py::Sum) } else { (format!("{a} - {} * {r}", number(c)), Py::Sum) }
                    }
                    Term::Plus(b) => (format!("{a} + {}", self.wrap(b, Py::Product)), Py::Sum),
                }
            }
            Math::Mul([a, b]) => {
                let (sa, sb) = (g.is_scalar(a), g.is_scalar(b));
                if g.num_value(a) == Some(Number::MINUS_ONE) {
                    let b = self.expr(b);
                    return (format!("-{}", self.wrap(b, Py::Power)), Py::Unary);
                }
                // a product with a diagonal matrix (Diag(v), I − Diag(v)²…)
                // is a broadcast of its diagonal, never a matrix (CONTRACT §3)
                // a chain of three or more matrices, in the cheapest order
                let chain = if sa || sb { Vec::new() } else { self.chain_factors(id) };
                if chain.len() > 2 {
                    return self.chain(&chain);
                }
                if !(sa || sb) {
                    if let Some(d) = self.diagonal(a) {
                        let r = self.expr(b);
                        return (format!("{} * {}", self.wrap(d.text, Py::Product), self.wrap(r, Py::Unary)), Py::Product);
                    }
                    if let Some(d) = self.diagonal(b) {
                        let l = self.expr(a);
                        let l = self.wrap(l, Py::Product);
                        return (format!("{l} * {}", self.as_row(d)), Py::Product);
                    }
                }
                let (op, left, right) = match (g.node(a), g.node(b)) {
                    _ if sa || sb => ("*", a, b),
                    // a column times a row (an outer product) is a broadcast
                    // too: the same values, without a matrix product of inner
                    // size 1 (about twice as fast as `@` at 1000×1000)
                    _ if g.shape(a).cols.is_one() && g.shape(b).rows.is_one() => ("*", a, b),
                    _ => ("@", a, b),
                };
                let l = self.expr(left);
                let r = self.expr(right);
                (format!("{} {op} {}", self.wrap(l, Py::Product), self.wrap(r, Py::Unary)), Py::Product)
            }
            Math::Had([a, b]) => {
                let l = self.expr(a);
                let l = self.wrap(l, Py::Product);
                match *g.node(b) {
                    Math::EPow([d, k]) if g.num_value(k) == Some(Number::MINUS_ONE) => {
                        let r = self.expr(d);
                        (format!("{l} / {}", self.wrap(r, Py::Unary)), Py::Product)
                    }
                    _ => {
                        let r = self.expr(b);
                        (format!("{l} * {}", self.wrap(r, Py::Unary)), Py::Product)
                    }
                }
            }
            Math::Kron([a, b]) => {
                let (a, b) = (self.expr(a).0, self.expr(b).0);
                (format!("np.kron({a}, {b})"), Py::Atom)
            }
            Math::Frob([a, b]) => {
                let l = self.expr(a);
                let r = self.expr(b);
                (format!("np.sum({} * {})", self.wrap(l, Py::Product), self.wrap(r, Py::Unary)), Py::Atom)
            }
            // a scalar may be a Python float, which has no `.T`
            Math::Trans(a) if g.is_scalar(a) => self.expr(a),
            Math::Trans(a) => {
                let a = self.expr(a);
                (format!("{}.T", self.wrap(a, Py::Atom)), Py::Atom)
            }
            Math::Pow([a, k]) => {
                let k = g.num_value(k).expect("numeric exponent");
                let base = self.expr(a);
                if g.is_scalar(a) {
                    if k == Number::MINUS_ONE {
                        return (format!("1.0 / {}", self.wrap(base, Py::Unary)), Py::Product);
                    }
                    return (
                        format!("{} ** {}", self.wrap(base, Py::Atom), self.wrap((number(k), Py::Atom), Py::Unary)),
                        Py::Power,
                    );
                }
                let kk = k.as_int().expect("integer matrix power");
                match kk {
                    -1 => (format!("np.linalg.inv({})", base.0), Py::Atom),
                    k if k > 0 => (format!("np.linalg.matrix_power({}, {k})", base.0), Py::Atom),
                    k => (format!("np.linalg.matrix_power(np.linalg.inv({}), {})", base.0, -k), Py::Atom),
                }
            }
            Math::EPow([a, k]) => {
                let k = g.num_value(k).expect("numeric exponent");
                let base = self.expr(a);
                if k == Number::MINUS_ONE {
                    return (format!("1.0 / {}", self.wrap(base, Py::Unary)), Py::Product);
                }
                (format!("{} ** {}", self.wrap(base, Py::Atom), self.wrap((number(k), Py::Atom), Py::Unary)), Py::Power)
            }
            Math::Map([f, a]) => {
                let Math::Fun(f) = *g.node(f) else { unreachable!("map of a non-function") };
                let arg = self.expr(a).0;
                let text = match f {
                    Func::Sigmoid => {
                        self.helpers.insert("_sigmoid");
                        format!("_sigmoid({arg})")
                    }
                    Func::Tanh => format!("np.tanh({arg})"),
                    Func::Exp => format!("np.exp({arg})"),
                    Func::Log => format!("np.log({arg})"),
                    Func::Sqrt => format!("np.sqrt({arg})"),
                    Func::Softplus => format!("np.logaddexp(0.0, {arg})"),
                    Func::Relu => format!("np.maximum({arg}, 0.0)"),
                    Func::Sin => format!("np.sin({arg})"),
                    Func::Cos => format!("np.cos({arg})"),
                    Func::Abs => format!("np.abs({arg})"),
                    Func::Step => format!("np.heaviside({arg}, 0.0)"),
                    Func::Sign => format!("np.sign({arg})"),
                };
                (text, Py::Atom)
            }
            // of a matrix, column by column (vectorized along axis 0)
            Math::Softmax(a) => {
                let f = if self.g.shape(a).is_vector() { "_softmax" } else { "_softmax_columns" };
                self.helpers.insert(f);
                self.call(f, a)
            }
            Math::Lse(a) => {
                let f = if self.g.shape(a).is_vector() { "_logsumexp" } else { "_logsumexp_columns" };
                self.helpers.insert(f);
                self.call(f, a)
            }
            Math::Sum(a) => self.call("np.sum", a),
            Math::Tr(a) => self.call("np.trace", a),
            Math::Det(a) => self.call("np.linalg.det", a),
            Math::Logdet(a) => {
                let a = self.array(a);
                (format!("np.linalg.slogdet({a})[1]"), Py::Atom)
            }
            Math::DiagM(a) => self.call("np.diagflat", a),
            Math::DiagV(a) => {
                let a = self.array(a);
                (format!("np.diag({a}).reshape(-1, 1)"), Py::Atom)
            }
            Math::Vec(a) => {
                let a = self.array(a);
                (format!("np.reshape({a}, (-1, 1), order=\"F\")"), Py::Atom)
            }
            Math::Unvec([v, w]) => {
                let s = g.shape(w).clone();
                let v = self.array(v);
                (format!("np.reshape({v}, ({}, {}), order=\"F\")", self.dim(&s.rows), self.dim(&s.cols)), Py::Atom)
            }
            Math::Norm(a) => self.call("np.linalg.norm", a),
        }
    }
}

/// `(c, x)` for `−c·x` with `c` a positive number: a term printed `- c * x`.
fn negated(g: &Graph, id: Id) -> Option<(Number, Id)> {
    let Math::Mul([k, rest]) = *g.node(id) else { return None };
    let c = g.num_value(k).filter(|k| k.is_negative())?.checked_neg()?;
    Some((c, rest))
}

/// Nodes used more than once across `roots` (and worth a name).
fn shared(g: &Graph, roots: &[Id]) -> HashSet<Id> {
    let mut parents: HashMap<Id, usize> = HashMap::new();
    for id in g.reachable(roots) {
        for &c in g.node(id).children() {
            *parents.entry(c).or_default() += 1;
        }
    }
    // Diag(v) is written out at each use, so v is used that many times
    let through_diag: Vec<(Id, usize)> = parents
        .iter()
        .filter_map(|(&id, &n)| match *g.node(id) {
            Math::DiagM(v) if n > 1 => Some((v, n - 1)),
            _ => None,
        })
        .collect();
    for (v, extra) in through_diag {
        *parents.entry(v).or_default() += extra;
    }
    parents
        .into_iter()
        .filter(|&(id, n)| {
            // Diag(v) is never formed to be shared: products broadcast v;
            // `−s` is printed as a subtraction wherever it is used
            let signed_leaf =
                |id: Id| matches!(*g.node(id), Math::Mul([k, x]) if g.num_value(k).is_some() && matches!(g.node(x), Math::Sym(_)));
            n > 1
                && !signed_leaf(id)
                && !matches!(
                    g.node(id),
                    Math::Sym(_) | Math::Num(_) | Math::Fun(_) | Math::Const(_) | Math::Trans(_) | Math::DiagM(_)
                )
        })
        .map(|(id, _)| id)
        .collect()
}

/// A dimension for the module's shape checks: an integer, a size name
/// (`"n"`: every argument with it must agree), or `None` (a product of
/// sizes, not checked).
fn dim_spec(d: &Dim) -> String {
    if let Some(k) = d.as_int() {
        return k.to_string();
    }
    let names: Vec<Name> = d.names().collect();
    match names.as_slice() {
        [n] if *d == Dim::named(*n) => format!("\"{}\"", n.parts().python()),
        _ => "None".to_string(),
    }
}

/// A dimension as the docstring writes it: `3`, `n`, `m*n`.
fn dim_text(d: &Dim) -> String {
    d.render(|n| n.parts().python(), "*", |e| format!("**{e}"))
}

/// What a user passes for a value of `shape` (CONTRACT §3): `float`,
/// `(n,) array` for a column, `(1, n) array`, `(n, m) array`.
fn shape_text(shape: &Shape) -> String {
    if shape.is_scalar() {
        "float".to_string()
    } else if shape.is_column() {
        format!("({},) array", dim_text(&shape.rows))
    } else {
        format!("({}, {}) array", dim_text(&shape.rows), dim_text(&shape.cols))
    }
}

/// How a variable is read from `env`: by `_argument`, which names the
/// variable and its expected shape when it is missing or misshapen, and
/// accepts a Python keyword's spelling without the underscore (`lambda`
/// for `lambda_`).
fn read_argument(py: &str, typed: &str, shape: &Shape) -> String {
    let spellings = spellings(py, typed).iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(", ");
    let spec =
        if shape.is_scalar() { "()".to_string() } else { format!("({}, {})", dim_spec(&shape.rows), dim_spec(&shape.cols)) };
    format!("_argument(env, ({spellings},), {spec}, \"{}\", _sizes)", shape_text(shape))
}

/// The keywords that name a variable: its Python name, for a Python
/// keyword (`lambda_`) the keyword itself, as the contract spells it, and
/// the name as typed where Python takes it as a keyword (`λ`, `μ_1`).
fn spellings(py: &str, typed: &str) -> Vec<String> {
    const KEYWORDS: &[&str] = &["lambda"];
    let mut names = match py.strip_suffix('_') {
        Some(stem) if KEYWORDS.contains(&stem) => vec![py.to_string(), stem.to_string()],
        _ => vec![py.to_string()],
    };
    let identifier = typed.chars().all(|c| c == '_' || c.is_alphanumeric()) && !typed.starts_with(|c: char| c.is_ascii_digit());
    if identifier && !names.iter().any(|n| n == typed) {
        names.push(typed.to_string());
    }
    names
}

/// Reads and checks one argument (see [`read_argument`]).
const ARGUMENT: &str = r#"def _argument(env, names, shape, expected, sizes):
    """env's value for the variable names[0] (or its other spellings),
    as a float for shape (), else as a 2-D array of that shape: each
    size an int, a size name (all arguments must agree on it) or None."""
    name = names[0]
    for key in names:
        if key in env:
            value = env[key]
            break
    else:
        raise TypeError(f"missing argument {name!r}: expected a {expected}")
    try:
        a = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"argument {name!r} must be a {expected}, not {type(value).__name__}") from None
    if shape == ():
        if a.size != 1:
            raise ValueError(f"argument {name!r} has shape {a.shape}, expected a {expected}")
        return float(a.reshape(()))
    given = a.shape
    if a.ndim == 1 and shape[1] == 1:
        a = a.reshape(-1, 1)
    elif a.ndim == 1 and shape[0] == 1:
        a = a.reshape(1, -1)
    if a.ndim != 2:
        raise ValueError(f"argument {name!r} has shape {given}, expected a {expected}")
    for got, want in zip(a.shape, shape):
        if isinstance(want, str):
            size, source = sizes.setdefault(want, (got, name))
            if size != got:
                raise ValueError(
                    f"argument {name!r} has shape {given}, expected a {expected} "
                    f"with {want} = {size} (from {source!r})")
        elif want is not None and got != want:
            raise ValueError(f"argument {name!r} has shape {given}, expected a {expected}")
    return a
"#;

/// How a result is returned: shaped like its variable (CONTRACT §3).
fn return_value(expr: &str, kind: Kind, shape: &Shape) -> String {
    match kind {
        Kind::Jacobian | Kind::Hessian => format!("np.atleast_2d({expr})"),
        Kind::Gradient if shape.is_scalar() => format!("float(np.squeeze({expr}))"),
        Kind::Gradient if shape.is_column() => format!("np.asarray({expr}, dtype=float).reshape(-1)"),
        Kind::Gradient => format!("np.asarray({expr}, dtype=float).reshape({}, {})", "{r}", "{c}"),
    }
}

/// The named quantities `roots` need, in an order where each comes after
/// those its definition uses.
fn needed_names(g: &Graph, roots: &[Id], def_of: &dyn Fn(Name) -> Id) -> Vec<Name> {
    let mut order: Vec<Name> = Vec::new();
    let mut state: HashMap<Name, bool> = HashMap::new(); // false: in progress, true: done
    let syms = |ids: &[Id]| -> Vec<Name> {
        g.reachable(ids)
            .into_iter()
            .filter_map(|id| match g.node(id) {
                Math::Sym(n) if g.info(*n).kind != NameKind::Variable => Some(*n),
                _ => None,
            })
            .collect()
    };
    let mut stack: Vec<(Name, bool)> = syms(roots).into_iter().map(|n| (n, false)).collect();
    while let Some((n, expanded)) = stack.pop() {
        if state.get(&n) == Some(&true) {
            continue;
        }
        if expanded {
            state.insert(n, true);
            order.push(n);
            continue;
        }
        state.insert(n, false);
        stack.push((n, true));
        for m in syms(&[def_of(n)]) {
            if !state.contains_key(&m) {
                stack.push((m, false));
            }
        }
    }
    order
}

/// How the function's value is returned: a float, a 1-D array for a
/// column vector, 2-D otherwise.
fn return_function(expr: &str, shape: &Shape) -> String {
    if shape.is_scalar() {
        format!("float(np.squeeze({expr}))")
    } else if shape.is_column() {
        format!("np.asarray({expr}, dtype=float).reshape(-1)")
    } else {
        format!("np.atleast_2d({expr})")
    }
}

/// `text` as the body of a Python docstring (no `\` escapes, no `"""`).
fn docstring(text: &str) -> String {
    text.replace('\\', "\\\\").replace("\"\"\"", "\\\"\\\"\\\"")
}

/// Writes the statements computing `root` (its shared parts first, each
/// once), assigned to `target` or to a new intermediate name.
fn assign(em: &mut Emitter, body: &mut String, shared: &HashSet<Id>, root: Id, target: Option<String>) {
    if em.bound.contains_key(&root) {
        if let Some(t) = target {
            let _ = writeln!(body, "    {t} = {}", em.bound[&root]);
        }
        return;
    }
    let g = em.g;
    let mut ids: Vec<Id> =
        g.reachable(&[root]).into_iter().filter(|id| shared.contains(id) && !em.bound.contains_key(id) && *id != root).collect();
    ids.sort_unstable();
    for id in ids {
        let e = em.expr(id).0;
        let t = em.temp();
        body.extend(em.pending.drain(..));
        let _ = writeln!(body, "    {t} = {e}");
        em.bound.insert(id, t);
    }
    let e = em.expr(root).0;
    let t = target.unwrap_or_else(|| em.temp());
    body.extend(em.pending.drain(..));
    let _ = writeln!(body, "    {t} = {e}");
    em.bound.insert(root, t);
}

pub fn render(out: &Output) -> String {
    let g = out.g;
    let d = out.derivative;
    let def_of = |n: Name| d.numpy_defs.get(&n).copied().unwrap_or_else(|| g.info(n).def.expect("defined"));
    let f_root = g.info(d.of).def.expect("the function is a definition");
    let roots: Vec<Id> = d.entries.iter().chain(&d.gradients).map(|e| e.numpy).collect();
    let mut all_roots = roots.clone();
    all_roots.push(f_root);
    let names = needed_names(g, &all_roots, &def_of);
    // the forward pass: the program's definitions and the intermediate
    // names of the derivation (`v = Wx`), which the function's value shares;
    // the adjoints (`δ_v`) come after the value
    let is_forward = |n: &Name| !matches!(g.info(*n).kind, NameKind::Adjoint(_));
    let mut em =
        Emitter { g, bound: HashMap::new(), dims: HashMap::new(), helpers: HashSet::new(), pending: Vec::new(), temps: 0 };
    // arguments, each checked against its shape
    let mut arguments = String::new();
    let mut listed = String::new();
    for &v in out.variables {
        let py = v.parts().python();
        let shape = &g.info(v).shape;
        let typed = v.to_string();
        let _ = writeln!(arguments, "    {py} = {}", read_argument(&py, &typed, shape));
        let called = match spellings(&py, &typed).as_slice() {
            [py, other, ..] if other.is_ascii() => format!("{other} (or {py})"),
            _ => py.clone(),
        };
        let _ = writeln!(listed, "    {called} : {}", shape_text(shape));
    }
    // sizes of named dimensions, from the arguments
    let mut sizes: Vec<(String, String)> = Vec::new();
    for &dim in out.dims {
        let from = out.variables.iter().find_map(|&v| {
            let s = &g.info(v).shape;
            let py = v.parts().python();
            if s.rows == Dim::named(dim) {
                Some(format!("{py}.shape[0]"))
            } else if s.cols == Dim::named(dim) {
                Some(format!("{py}.shape[1]"))
            } else {
                None
            }
        });
        if let Some(from) = from {
            let py = format!("{}_", dim.parts().python());
            sizes.push((py.clone(), format!("    {py} = {from}\n")));
            em.dims.insert(dim, py);
        }
    }
    // the forward pass (the named quantities the function needs, and its
    // value), then the rest: each subexpression once
    let mut name_roots: Vec<Id> = names.iter().map(|&n| def_of(n)).collect();
    name_roots.extend(&all_roots);
    let shared = shared(g, &name_roots);
    let mut forward = String::new();
    for &n in names.iter().filter(|n| is_forward(n)) {
        assign(&mut em, &mut forward, &shared, def_of(n), Some(n.parts().python()));
    }
    assign(&mut em, &mut forward, &shared, f_root, None);
    let value = return_function(&em.bound[&f_root], &g.info(d.of).shape);
    let mut backward = String::new();
    for &n in names.iter().filter(|n| !is_forward(n)) {
        assign(&mut em, &mut backward, &shared, def_of(n), Some(n.parts().python()));
    }
    // the dict of results, and with a Hessian the dict of gradients
    let mut returns = [String::new(), String::new()];
    for (entries, kind, out) in [(&d.entries, d.kind, 0), (&d.gradients, Kind::Gradient, 1)] {
        for e in entries {
            assign(&mut em, &mut backward, &shared, e.numpy, None);
            let value = em.bound[&e.numpy].clone();
            let shape = &g.info(e.wrt).shape;
            let py = e.wrt.parts().python();
            let (key, ret) = match e.cross {
                // a cross block, rows vec(x) by columns vec(y), under "x,y"
                Some(y) => {
                    let py_y = y.parts().python();
                    (format!("{py},{py_y}"), format!("np.reshape({value}, (np.size({py}), np.size({py_y})))"))
                }
                None => {
                    let ret = return_value(&value, kind, shape);
                    (py.clone(), ret.replace("{r}", &format!("{py}.shape[0]")).replace("{c}", &format!("{py}.shape[1]")))
                }
            };
            let _ = writeln!(returns[out], "        \"{key}\": {ret},");
        }
    }
    let aliases = HashMap::new();
    let diag = HashMap::new();
    let r = Renderer { g, style: Style::Unicode, diag_names: &diag, aliases: &aliases };
    let (what, one) = match d.kind {
        Kind::Gradient => ("gradients", "gradient"),
        Kind::Jacobian => ("Jacobians", "Jacobian"),
        Kind::Hessian => ("Hessians", "Hessian"),
    };
    let f = r.name(d.of);
    let mut text = String::new();
    let _ = writeln!(text, "# matdiff: {what} of {f}, as NumPy");
    for e in &d.entries {
        let _ = writeln!(text, "#   {}", super::entry_name(&r, d, e));
    }
    let _ = writeln!(text, "# {}", super::check_line(out.report));
    // what `derivatives` returns, one line per key
    let mut results = String::new();
    for e in &d.entries {
        let (rows, cols) = match d.kind {
            Kind::Gradient => (None, None),
            Kind::Jacobian => (Some(g.info(d.of).shape.len()), Some(g.info(e.wrt).shape.len())),
            // a cross block ∂²f/∂vec(X)∂vec(Y)ᵀ has a column per entry of Y
            Kind::Hessian => (Some(g.info(e.wrt).shape.len()), Some(g.info(e.cross.unwrap_or(e.wrt)).shape.len())),
        };
        let shape = match (rows, cols) {
            (Some(Some(r)), Some(Some(c))) => format!("({}, {}) array", dim_text(&r), dim_text(&c)),
            _ => shape_text(&g.info(e.wrt).shape),
        };
        let key = match e.cross {
            Some(y) => format!("{},{}", e.wrt.parts().python(), y.parts().python()),
            None => e.wrt.parts().python(),
        };
        let _ = writeln!(results, "    \"{key}\" : {}, a {shape}", super::entry_name(&r, d, e));
    }
    let value_shape = shape_text(&g.info(d.of).shape);
    // with a Hessian, the gradients too
    let mut gradients = String::new();
    for e in &d.gradients {
        let _ = writeln!(
            gradients,
            "    \"{}\" : ∂{f}/∂{}, a {}",
            e.wrt.parts().python(),
            r.name(e.wrt),
            shape_text(&g.info(e.wrt).shape)
        );
    }
    let gradient_doc = if gradients.is_empty() {
        String::new()
    } else {
        format!(
            "gradient(**env)\n    A dict:\n{gradients}value_gradient_and_hessian(**env)\n    All three, computing {f} once.\n"
        )
    };
    let arguments_doc = format!(
        "Arguments (keywords), with the shapes the result was computed for;\nnamed sizes are read from the arguments, which must agree on them:\n\n{listed}"
    );
    let _ = writeln!(
        text,
        "\"\"\"The {one} of {f}, computed by matdiff, as NumPy.\n\n{}\nfunction(**env)\n    The value of {f}: a {value_shape}.\nderivatives(**env)\n    A dict:\n{}value_and_derivatives(**env)\n    Both, as a pair, sharing the computation of {f}.\n{}\nA missing argument raises TypeError; a misshapen one, ValueError.\nVectors are 1-D arrays (n,); row vectors and matrices are 2-D.\n\"\"\"",
        docstring(&arguments_doc),
        docstring(&results),
        docstring(&gradient_doc)
    );
    text.push_str("import numpy as np\n\n");
    let mut helpers: Vec<&str> = em.helpers.iter().copied().collect();
    helpers.sort();
    for h in helpers {
        let code = HELPERS.iter().find(|(n, _)| *n == h).expect("known helper").1;
        let _ = writeln!(text, "\n{code}");
    }
    let _ = writeln!(text, "\n{ARGUMENT}");
    text.push_str("\ndef _evaluate(env, derivatives):\n");
    text.push_str("    _sizes = {}\n");
    text.push_str(&arguments);
    let body = format!("{forward}{backward}");
    let reads = |py: &str| {
        let word = |c: char| c.is_alphanumeric() || c == '_';
        body.match_indices(py).any(|(i, _)| !body[..i].ends_with(word) && !body[i + py.len()..].starts_with(word))
    };
    for (py, line) in &sizes {
        if reads(py) {
            text.push_str(line);
        }
    }
    text.push_str(&forward);
    let _ = writeln!(text, "    _value = {value}");
    text.push_str("    if not derivatives:\n        return _value, None, None\n");
    text.push_str(&backward);
    let [results_dict, gradients_dict] = returns;
    let gradients_dict = if d.gradients.is_empty() { "None".to_string() } else { format!("{{\n{gradients_dict}    }}") };
    let _ = writeln!(text, "    return _value, {{\n{results_dict}    }}, {gradients_dict}");
    let _ = write!(
        text,
        "\n\ndef function(**env):\n    \"\"\"The value of {f}: a {value_shape}.\n\n{}    \"\"\"\n    return _evaluate(env, False)[0]\n",
        docstring(&indent(&arguments_doc))
    );
    let _ = write!(
        text,
        "\n\ndef derivatives(**env):\n    \"\"\"The {what} of {f}.\n\n{}\n    Returns a dict:\n\n{}    \"\"\"\n    return _evaluate(env, True)[1]\n",
        docstring(&indent(&arguments_doc)),
        docstring(&indent(&results))
    );
    let _ = write!(
        text,
        "\n\ndef value_and_derivatives(**env):\n    \"\"\"(function(**env), derivatives(**env)), computing {f} once.\"\"\"\n    value, results, _ = _evaluate(env, True)\n    return value, results\n"
    );
    if !d.gradients.is_empty() {
        let _ = write!(
            text,
            "\n\ndef gradient(**env):\n    \"\"\"The gradients of {f}, shaped like their variables.\n\n{}\n    Returns a dict:\n\n{}    \"\"\"\n    return _evaluate(env, True)[2]\n",
            docstring(&indent(&arguments_doc)),
            docstring(&indent(&gradients))
        );
        let _ = write!(
            text,
            "\n\ndef value_gradient_and_hessian(**env):\n    \"\"\"(function(**env), gradient(**env), derivatives(**env)), computing {f} once.\"\"\"\n    value, hessians, gradients = _evaluate(env, True)\n    return value, gradients, hessians\n"
        );
    }
    text
}

/// `text` indented by four spaces (a docstring inside a function).
fn indent(text: &str) -> String {
    text.lines().map(|l| if l.is_empty() { "\n".to_string() } else { format!("    {l}\n") }).collect()
}
